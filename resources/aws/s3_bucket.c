/* s3_bucket.c - aws_s3_bucket and the v4+ provider's per-bucket
 * configuration resources: aws_s3_bucket_policy,
 * aws_s3_bucket_public_access_block, aws_s3_bucket_ownership_controls,
 * aws_s3_bucket_versioning, aws_s3_bucket_server_side_encryption_configuration,
 * aws_s3_bucket_website_configuration.  terraform-provider-aws's names,
 * defaults and import ids (the bucket name for all of them).
 *
 * Refresh cost: a bucket is HeadBucket + GetBucketTagging (plus
 * GetObjectLockConfiguration once, on import); each configuration resource
 * is one Get call.  The bucket does not read its deprecated computed
 * configuration blocks (versioning, server_side_encryption_configuration,
 * website, ...) nor acceleration_status / request_payer: stk has no
 * computed blocks and the separate resources own that configuration.
 * A bucket made with bucket_prefix gets a name derived from the create's
 * idempotency token, so a crashed create can be found again (recover).
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include "aws/recover.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- helpers */

/* Call an S3 operation on a bucket; returns 0 ok, 1 when one of the
   not-found codes (or any NotFound/NoSuch code) came back, -1 failure. */
static int s3_call(stk_provider_instance *p, const char *op, json_t *params, json_t **res, stk_diags *d)
{
    json_t *r = NULL;
    int rc = stk_aws_call_nf(p, "s3", op, params, &r, d);
    if (res) *res = r;
    else json_decref(r);
    return rc;
}

/* The same while the bucket may still be settling after its create (AWS's
   S3 is eventually consistent: NoSuchBucket right after CreateBucket). */
static int s3_call_new(stk_provider_instance *p, const char *op, json_t *params, json_t **res, stk_diags *d)
{
    static const char *const retry[] = {"NoSuchBucket", NULL};
    json_t *r = NULL;
    int rc = stk_aws_call_retry(p, "s3", op, params, &r, retry, 20, d);
    if (res) *res = r;
    else json_decref(r);
    return rc;
}

static json_t *bparams(const char *bucket, stk_value *cfg)
{
    json_t *o = json_pack("{s:s}", "Bucket", bucket);
    const char *owner = cfg ? stk_aws_get_str(cfg, "expected_bucket_owner") : NULL;
    if (owner && *owner) json_object_set_new(o, "ExpectedBucketOwner", json_string(owner));
    return o;
}

/* Route 53 hosted zone ids of the S3 website endpoints, per region (AWS's
   published table, as terraform-provider-aws's hosted_zone_id). */
static const struct { const char *region, *zone; } s3_zones[] = {
    {"af-south-1", "Z83WF9RJE8B12"},       {"ap-east-1", "ZNB98KWMFR0R6"},
    {"ap-northeast-1", "Z2M4EHUR26P7ZW"},  {"ap-northeast-2", "Z3W03O7B5YMIYP"},
    {"ap-northeast-3", "Z2YQB5RD63NC85"},  {"ap-south-1", "Z11RGJOFQNVJUP"},
    {"ap-southeast-1", "Z3O0J2DXBE1FTB"},  {"ap-southeast-2", "Z1WCIGYICN2BYD"},
    {"ca-central-1", "Z1QDHH18159H29"},    {"eu-central-1", "Z21DNDUVLTQW6Q"},
    {"eu-north-1", "Z3BAZG2TWCNX0D"},      {"eu-south-1", "Z30OZKI7KPW7MI"},
    {"eu-west-1", "Z1BKCTXD74EZPE"},       {"eu-west-2", "Z3GKZC51ZF0DB4"},
    {"eu-west-3", "Z3R1K369G5AVDG"},       {"me-south-1", "Z1MPMWCPA7YB62"},
    {"sa-east-1", "Z7KQH4QJS55SO"},        {"us-east-1", "Z3AQBSTGFYJSTF"},
    {"us-east-2", "Z2O1EMRO9K5GLX"},       {"us-west-1", "Z2F56UZL2M1ACD"},
    {"us-west-2", "Z3BJ6K6RIION7M"},
};

static const char *s3_zone(const char *region)
{
    for (size_t i = 0; i < sizeof s3_zones / sizeof s3_zones[0]; i++)
        if (!strcmp(s3_zones[i].region, region)) return s3_zones[i].zone;
    return NULL;
}

/* The website domain of a region: the older regions use "s3-website-<r>",
   the newer "s3-website.<r>" (malloc'd). */
static char *s3_website_domain(stk_provider_instance *p, const char *region)
{
    static const char *const dash[] = {"us-east-1", "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2",
                                       "ap-northeast-1", "eu-west-1", "sa-east-1", "us-gov-west-1", NULL};
    const char *sfx = stk_aws_partition_dns_suffix(p->partition);
    for (int i = 0; dash[i]; i++)
        if (!strcmp(dash[i], region)) return stk_xasprintf("s3-website-%s.%s", region, sfx);
    return stk_xasprintf("s3-website.%s.%s", region, sfx);
}

/* ------------------------------------------------------------ aws_s3_bucket */

static const stk_schema_attr bucket_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"bucket", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, "the bucket name", NULL},
    {"bucket_domain_name", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"bucket_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL,
     "a unique name beginning with this prefix", NULL},
    {"bucket_regional_domain_name", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"force_destroy", "bool", STK_ATTR_OPTIONAL, "false", "delete every object (all versions) before the bucket",
     NULL},
    {"hosted_zone_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"object_lock_enabled", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"region", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema bucket_schema = {bucket_attrs, STK_AWS_NATTRS(bucket_attrs), NULL, 0};

/* The bucket name of a create: `bucket`, or bucket_prefix + 26 characters
   derived from the idempotency token (the same name on a retried or
   recovered create), or "terraform-" + that when neither is set. */
static char *bucket_name(stk_value *planned, const char *token)
{
    const char *b = stk_aws_get_str(planned, "bucket");
    if (b) return stk_xstrdup(b);
    const char *prefix = stk_aws_get_str(planned, "bucket_prefix");
    if (!prefix) prefix = "terraform-";
    char uniq[27];
    size_t n = 0;
    if (token)
        for (const char *s = token; *s && n < 26; s++)
            if (isalnum((unsigned char)*s)) uniq[n++] = (char)tolower((unsigned char)*s);
    if (n < 26) {
        /* no token: a timestamp and random digits, as the provider does */
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        n = strftime(uniq, sizeof uniq, "%Y%m%d%H%M%S", &tm);
        while (n < 26) uniq[n++] = "0123456789abcdef"[rand() % 16];
    }
    uniq[26] = 0;
    return stk_xasprintf("%s%s", prefix, uniq);
}

static int bucket_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                            int fresh, stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "Bucket", name), *res = NULL;
    int rc = fresh ? s3_call_new(p, "HeadBucket", params, &res, d) : s3_call(p, "HeadBucket", params, &res, d);
    if (rc != 0) {
        json_decref(params);
        return rc == 1 ? 0 : -1;
    }
    const char *region = stk_aws_jstr(res, "BucketRegion");
    char *reg = stk_xstrdup(region && *region ? region : stk_aws_region(p));
    json_decref(res);
    res = NULL;
    json_t *tags = NULL;
    rc = s3_call(p, "GetBucketTagging", params, &res, d);
    if (rc < 0) {
        json_decref(params);
        free(reg);
        return -1;
    }
    tags = rc == 0 ? stk_aws_tags_from_list(json_object_get(res, "TagSet")) : json_object();   /* NoSuchTagSet */
    json_decref(res);
    res = NULL;
    json_t *st = stk_aws_state_start(base);
    /* object lock: known from the create; read once when not (import) */
    if (!json_is_boolean(json_object_get(st, "object_lock_enabled"))) {
        int lrc = s3_call(p, "GetObjectLockConfiguration", params, &res, d);
        if (lrc < 0) {
            json_decref(st);
            json_decref(tags);
            json_decref(params);
            free(reg);
            return -1;
        }
        const char *en = stk_aws_jstr(json_object_get(res, "ObjectLockConfiguration"), "ObjectLockEnabled");
        json_object_set_new(st, "object_lock_enabled", json_boolean(en && !strcmp(en, "Enabled")));
        json_decref(res);
    }
    json_decref(params);
    const char *sfx = stk_aws_partition_dns_suffix(p->partition);
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "bucket", name);
    json_object_set_new(st, "arn", json_sprintf("arn:%s:s3:::%s", p->partition, name));
    json_object_set_new(st, "bucket_domain_name", json_sprintf("%s.s3.%s", name, sfx));
    json_object_set_new(st, "bucket_regional_domain_name", json_sprintf("%s.s3.%s.%s", name, reg, sfx));
    stk_aws_jset_str(st, "hosted_zone_id", s3_zone(reg));
    stk_aws_jset_str(st, "region", reg);
    if (!json_is_boolean(json_object_get(st, "force_destroy"))) json_object_set_new(st, "force_destroy", json_false());
    /* bucket_prefix is kept from the configuration (AWS does not know it) */
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    free(reg);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int bucket_put_tags(stk_provider_instance *p, const char *name, json_t *tags_all, int fresh, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "Bucket", name);
    int rc;
    if (json_object_size(tags_all) == 0) {
        rc = s3_call(p, "DeleteBucketTagging", params, NULL, d);
        rc = rc == 1 ? 0 : rc;
    } else {
        json_object_set_new(params, "Tagging", json_pack("{s:o}", "TagSet", stk_aws_tags_to_list(tags_all)));
        rc = fresh ? s3_call_new(p, "PutBucketTagging", params, NULL, d)
                   : s3_call(p, "PutBucketTagging", params, NULL, d);
        if (rc == 1) {
            stk_diags_error(d, NULL, "S3 bucket not found", "%s", name);
            rc = -1;
        }
    }
    json_decref(params);
    return rc;
}

static int bucket_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                         stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    char *name = bucket_name(planned, stk_aws_idempotency_token());
    json_t *params = json_pack("{s:s}", "Bucket", name), *res = NULL;
    const char *region = stk_aws_region(p);
    if (strcmp(region, "us-east-1"))
        json_object_set_new(params, "CreateBucketConfiguration", json_pack("{s:s}", "LocationConstraint", region));
    if (stk_aws_get_bool(planned, "object_lock_enabled", 0))
        json_object_set_new(params, "ObjectLockEnabledForBucket", json_true());
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(p->client, "s3", "CreateBucket", params, NULL, &res, &err, &tmp);
    json_decref(params);
    json_decref(res);
    /* our own earlier attempt (a retried create with the same name) */
    if (rc != 0 && stk_aws_error_is(&err, "BucketAlreadyOwnedByYou") && !stk_aws_get_str(planned, "bucket")) rc = 0;
    if (rc != 0) stk_diags_append(d, &tmp);
    stk_diags_free(&tmp);
    stk_aws_error_clear(&err);
    if (rc != 0) {
        free(name);
        return -1;
    }
    json_t *tags_all = stk_aws_tags_all(p, planned);
    if (json_object_size(tags_all)) rc = bucket_put_tags(p, name, tags_all, 1, d);
    json_decref(tags_all);
    /* the state starts from the plan: object_lock_enabled as created */
    json_t *st = stk_aws_state_start(planned);
    json_object_set_new(st, "object_lock_enabled", json_boolean(stk_aws_get_bool(planned, "object_lock_enabled", 0)));
    stk_aws_jset_str(st, "id", name);
    stk_value *base = stk_aws_state_build(t, st, d);
    if (rc == 0 && base) rc = bucket_read_name(p, t, name, base, 1, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    if (rc != 0 && !*new_state && base) *new_state = stk_value_ref(base);
    stk_value_unref(base);
    free(name);
    return rc == 0 ? 0 : -1;
}

static int bucket_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                       stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    if (!id) return 0;
    return bucket_read_name(p, t, id, prior, 0, new_state, d);
}

static int bucket_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                         stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *o = stk_aws_tags_get(prior, "tags_all"), *n = stk_aws_tags_all(p, planned);
    int rc = json_equal(o, n) ? 0 : bucket_put_tags(p, id, n, 0, d);
    json_decref(o);
    json_decref(n);
    if (rc != 0) return -1;
    rc = bucket_read_name(p, t, id, planned, 0, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

/* Delete every object version and delete marker (force_destroy). */
static int bucket_empty(stk_provider_instance *p, const char *name, stk_diags *d)
{
    for (int round = 0; round < 1000; round++) {
        json_t *params = json_pack("{s:s}", "Bucket", name), *res = NULL;
        int rc = s3_call(p, "ListObjectVersions", params, &res, d);
        json_decref(params);
        if (rc != 0) return rc == 1 ? 0 : -1;
        size_t n = 0, i;
        json_t *e;
        const char *lists[] = {"Versions", "DeleteMarkers"};
        for (int l = 0; l < 2; l++) {
            json_array_foreach(json_object_get(res, lists[l]), i, e) {
                json_t *dp = json_pack("{s:s,s:s}", "Bucket", name, "Key", stk_aws_jstr(e, "Key"));
                const char *vid = stk_aws_jstr(e, "VersionId");
                if (vid && strcmp(vid, "null")) json_object_set_new(dp, "VersionId", json_string(vid));
                rc = s3_call(p, "DeleteObject", dp, NULL, d);
                json_decref(dp);
                if (rc < 0) {
                    json_decref(res);
                    return -1;
                }
                n++;
            }
        }
        json_decref(res);
        if (n == 0) return 0;
    }
    stk_diags_error(d, NULL, "S3 bucket still not empty", "%s", name);
    return -1;
}

static int bucket_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    if (stk_aws_get_bool(prior, "force_destroy", 0) && bucket_empty(p, id, d) != 0) return -1;
    json_t *params = json_pack("{s:s}", "Bucket", id), *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(p->client, "s3", "DeleteBucket", params, NULL, &res, &err, &tmp);
    json_decref(params);
    json_decref(res);
    if (rc != 0 && stk_aws_is_not_found(&err)) rc = 0;
    else if (rc != 0) {
        stk_diags_append(d, &tmp);
        if (stk_aws_error_is(&err, "BucketNotEmpty"))
            stk_diags_error(d, NULL, "S3 bucket is not empty",
                            "aws_s3_bucket: set force_destroy = true (and apply) to delete its objects with it.");
    }
    stk_diags_free(&tmp);
    stk_aws_error_clear(&err);
    return rc == 0 ? 0 : -1;
}

static int bucket_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                         stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

static char *bucket_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                 const char *token)
{
    (void)p;
    (void)t;
    char *name = bucket_name(planned, token);
    json_t *o = json_pack("{s:s,s:s}", "token", token ? token : "", "bucket", name);
    /* arguments AWS does not hold, so a recovered bucket keeps them */
    json_t *seed = json_object();
    static const char *const local[] = {"force_destroy", "object_lock_enabled"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = stk_aws_get_json(planned, local[i]);
        if (v && !json_is_null(v)) json_object_set_new(seed, local[i], v);
        else json_decref(v);
    }
    json_object_set_new(o, "seed", seed);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(name);
    return s;
}

static int bucket_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                          stk_value **state, stk_diags *d)
{
    *state = NULL;
    json_t *info = json_loads(info_json, 0, NULL);
    const char *name = stk_aws_jstr(info, "id");
    if (!name) name = stk_aws_jstr(info, "bucket");
    stk_recover_note_found_by(stk_aws_jstr(info, "id") ? "its id" : "its bucket name");
    int rc = 0;
    if (name) {
        json_t *st = json_is_object(json_object_get(info, "seed")) ? json_deep_copy(json_object_get(info, "seed"))
                                                                  : json_object();
        json_object_set_new(st, "id", json_string(name));
        stk_value *base = stk_aws_state_build(t, st, d);
        rc = base ? bucket_read_name(p, t, name, base, 0, state, d) : -1;
        stk_value_unref(base);
    }
    json_decref(info);
    return rc;
}

const stk_resource_type stk_aws_s3_bucket_type = {
    "aws_s3_bucket", "aws", STK_RESOURCE_MANAGED, &bucket_schema, bucket_create, bucket_read, bucket_update,
    bucket_delete, bucket_import, NULL, bucket_journal_info, bucket_recover,
};

/* ------------------------------------------- generic per-bucket sub-resource
 *
 * Every configuration resource is keyed by its bucket (id = bucket name):
 * create and update Put the configuration, read Gets it (the "not found"
 * code of each Get means the configuration is gone), delete removes it.
 * Each type gives the JSON params of its Put from the planned value and
 * fills the state from the Get's answer. */

typedef struct {
    const char *get_op, *put_op, *del_op;
    json_t *(*to_api)(stk_value *planned, stk_diags *d);    /* Put params minus Bucket; NULL on error */
    /* fill st from the Get answer; returns 0, 1 "not configured" (gone) */
    int (*from_api)(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base);
    int (*custom_delete)(stk_provider_instance *p, stk_value *prior, stk_diags *d);   /* or NULL */
} sub_ops;

static int sub_read_bucket(stk_provider_instance *p, const stk_resource_type *t, const sub_ops *ops,
                           const char *bucket, stk_value *base, int fresh, stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = bparams(bucket, base), *res = NULL;
    int rc = fresh ? s3_call_new(p, ops->get_op, params, &res, d) : s3_call(p, ops->get_op, params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", bucket);
    stk_aws_jset_str(st, "bucket", bucket);
    rc = ops->from_api(p, res, st, base);
    json_decref(res);
    if (rc == 1) {
        json_decref(st);
        return 0;
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int sub_put(stk_provider_instance *p, const sub_ops *ops, stk_value *planned, stk_diags *d)
{
    json_t *params = ops->to_api(planned, d);
    if (!params) return -1;
    json_t *bp = bparams(stk_aws_get_str(planned, "bucket"), planned);
    json_object_update(params, bp);
    json_decref(bp);
    int rc = s3_call_new(p, ops->put_op, params, NULL, d);
    json_decref(params);
    if (rc == 1) {
        stk_diags_error(d, NULL, "S3 bucket not found", "%s", stk_aws_get_str(planned, "bucket"));
        return -1;
    }
    return rc;
}

/* Crash recovery of every per-bucket configuration resource (recover.h):
   the bucket names it; the type's read says whether the configuration is
   there (an update or delete intent records the id, which is the bucket). */
static const char *const sub_keys[] = {"bucket", "expected_bucket_owner", NULL};

static char *sub_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, sub_keys);
}

static int sub_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *b = stk_aws_recover_seed_str(info, "bucket");
    if (!b) b = stk_aws_jstr(info, "id");
    if (!b) {
        json_decref(info);
        return stk_aws_recover_cannot(d, t, "the interrupted operation recorded no bucket");
    }
    char *bucket = stk_xstrdup(b);
    char *comma = strchr(bucket, ',');   /* an imported id "bucket,owner" */
    if (comma) *comma = 0;
    if (!json_is_object(json_object_get(info, "seed"))) json_object_set_new(info, "seed", json_object());
    json_object_set_new(json_object_get(info, "seed"), "bucket", json_string(bucket));
    stk_value *seed = stk_aws_recover_seed(t, info, bucket, d);
    int rc = seed ? t->read(p, t, seed, state, d) : -1;
    stk_value_unref(seed);
    free(bucket);
    json_decref(info);
    return rc;
}

#define SUB_FUNCS(pfx, OPS)                                                                                       \
    static int pfx##_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,           \
                            stk_value **new_state, stk_diags *d)                                               \
    {                                                                                                          \
        *new_state = NULL;                                                                                     \
        const char *b = stk_aws_get_str(planned, "bucket");                                                    \
        if (sub_put(p, &OPS, planned, d) != 0) return -1;                                                      \
        int rc = sub_read_bucket(p, t, &OPS, b, planned, 1, new_state, d);                                     \
        return rc == 0 ? stk_aws_require_state(t, b, *new_state, d) : -1;                                      \
    }                                                                                                          \
    static int pfx##_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior,              \
                          stk_value **new_state, stk_diags *d)                                                 \
    {                                                                                                          \
        *new_state = NULL;                                                                                     \
        const char *b = stk_aws_get_str(prior, "bucket");                                                      \
        if (!b) b = stk_aws_get_str(prior, "id");                                                              \
        return b ? sub_read_bucket(p, t, &OPS, b, prior, 0, new_state, d) : 0;                                 \
    }                                                                                                          \
    static int pfx##_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior,            \
                            stk_value *planned, stk_value **new_state, stk_diags *d)                           \
    {                                                                                                          \
        (void)prior;                                                                                           \
        return pfx##_create(p, t, planned, new_state, d);                                                      \
    }                                                                                                          \
    static int pfx##_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior,            \
                            stk_diags *d)                                                                      \
    {                                                                                                          \
        (void)t;                                                                                               \
        if (OPS.custom_delete) return OPS.custom_delete(p, prior, d);                                          \
        const char *b = stk_aws_get_str(prior, "bucket");                                                      \
        if (!b) return 0;                                                                                      \
        json_t *params = bparams(b, prior);                                                                    \
        int rc = s3_call(p, OPS.del_op, params, NULL, d);                                                      \
        json_decref(params);                                                                                   \
        return rc < 0 ? -1 : 0;                                                                                \
    }                                                                                                          \
    static int pfx##_import(stk_provider_instance *p, const stk_resource_type *t, const char *id,              \
                            stk_value **state, stk_diags *d)                                                   \
    {                                                                                                          \
        /* "bucket" or "bucket,expected_bucket_owner" */                                                      \
        char *b = stk_xstrdup(id), *comma = strchr(b, ',');                                                    \
        json_t *st = json_pack("{s:s,s:s}", "id", id, "bucket", b);                                            \
        if (comma) {                                                                                           \
            *comma = 0;                                                                                        \
            json_object_set_new(st, "bucket", json_string(b));                                                 \
            json_object_set_new(st, "expected_bucket_owner", json_string(comma + 1));                          \
        }                                                                                                      \
        stk_value *base = stk_aws_state_build(t, st, d);                                                       \
        int rc = base ? sub_read_bucket(p, t, &OPS, b, base, 0, state, d) : -1;                                \
        stk_value_unref(base);                                                                                 \
        if (rc == 0 && !*state) {                                                                              \
            stk_diags_error(d, NULL, "Cannot import non-existent remote object", "%s", id);                          \
            rc = -1;                                                                                           \
        }                                                                                                      \
        free(b);                                                                                               \
        return rc;                                                                                             \
    }

#define BUCKET_ATTR                                                                                             \
    {"bucket", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "the bucket name", NULL},               \
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL}
#define OWNER_ATTR \
    {"expected_bucket_owner", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL}

/* ----------------------------------------------------- aws_s3_bucket_policy */

static const stk_schema_attr policy_attrs[] = {
    BUCKET_ATTR,
    {"policy", "string", STK_ATTR_REQUIRED | STK_ATTR_JSON, NULL, "the bucket policy (JSON)", NULL},
};
static const stk_schema policy_schema = {policy_attrs, STK_AWS_NATTRS(policy_attrs), NULL, 0};

static json_t *policy_to_api(stk_value *pl, stk_diags *d)
{
    const char *pol = stk_aws_get_str(pl, "policy");
    if (!pol) {
        stk_diags_error(d, NULL, "Missing required argument", "aws_s3_bucket_policy: \"policy\" is required.");
        return NULL;
    }
    return json_pack("{s:s}", "Policy", pol);
}

static int policy_from_api(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base)
{
    (void)p;
    const char *pol = stk_aws_jstr(res, "Policy");
    if (!pol || !*pol) return 1;
    /* keep the configuration's spelling when AWS holds the same document */
    const char *mine = stk_aws_get_str(base, "policy");
    json_t *a = json_loads(pol, 0, NULL), *b = mine ? json_loads(mine, 0, NULL) : NULL;
    int same = a && b && json_equal(a, b);
    json_decref(a);
    json_decref(b);
    stk_aws_jset_str(st, "policy", same ? mine : pol);
    return 0;
}

static const sub_ops policy_ops = {"GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy", policy_to_api,
                                   policy_from_api, NULL};
SUB_FUNCS(policy, policy_ops)

const stk_resource_type stk_aws_s3_bucket_policy_type = {
    "aws_s3_bucket_policy", "aws", STK_RESOURCE_MANAGED, &policy_schema, policy_create, policy_read, policy_update,
    policy_delete, policy_import, NULL, sub_journal_info, sub_recover,
};

/* ------------------------------------------ aws_s3_bucket_public_access_block */

static const stk_schema_attr pab_attrs[] = {
    {"block_public_acls", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"block_public_policy", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    BUCKET_ATTR,
    {"ignore_public_acls", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"restrict_public_buckets", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
};
static const stk_schema pab_schema = {pab_attrs, STK_AWS_NATTRS(pab_attrs), NULL, 0};

static const char *const pab_names[4][2] = {{"block_public_acls", "BlockPublicAcls"},
                                            {"block_public_policy", "BlockPublicPolicy"},
                                            {"ignore_public_acls", "IgnorePublicAcls"},
                                            {"restrict_public_buckets", "RestrictPublicBuckets"}};

static json_t *pab_to_api(stk_value *pl, stk_diags *d)
{
    (void)d;
    json_t *c = json_object();
    for (int i = 0; i < 4; i++) json_object_set_new(c, pab_names[i][1], json_boolean(stk_aws_get_bool(pl, pab_names[i][0], 0)));
    return json_pack("{s:o}", "PublicAccessBlockConfiguration", c);
}

static int pab_from_api(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base)
{
    (void)p;
    (void)base;
    json_t *c = json_object_get(res, "PublicAccessBlockConfiguration");
    if (!c) return 1;
    for (int i = 0; i < 4; i++)
        json_object_set_new(st, pab_names[i][0], json_boolean(json_is_true(json_object_get(c, pab_names[i][1]))));
    return 0;
}

static const sub_ops pab_ops = {"GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock",
                                pab_to_api, pab_from_api, NULL};
SUB_FUNCS(pab, pab_ops)

const stk_resource_type stk_aws_s3_bucket_public_access_block_type = {
    "aws_s3_bucket_public_access_block", "aws", STK_RESOURCE_MANAGED, &pab_schema, pab_create, pab_read, pab_update,
    pab_delete, pab_import, NULL, sub_journal_info, sub_recover,
};

/* -------------------------------------------- aws_s3_bucket_ownership_controls */

static const stk_schema_attr own_rule_attrs[] = {
    {"object_ownership", "string", STK_ATTR_REQUIRED, NULL,
     "BucketOwnerPreferred, ObjectWriter or BucketOwnerEnforced", NULL},
};
static const stk_schema own_rule_schema = {own_rule_attrs, 1, NULL, 0};
static const stk_schema_block own_blocks[] = {
    {"rule", STK_NESTING_LIST, 1, 1, &own_rule_schema, 0},
};
static const stk_schema_attr own_attrs[] = {BUCKET_ATTR};
static const stk_schema own_schema = {own_attrs, STK_AWS_NATTRS(own_attrs), own_blocks, 1};

static json_t *own_to_api(stk_value *pl, stk_diags *d)
{
    const char *o = stk_aws_get_str(stk_aws_get_elem(pl, "rule", 0), "object_ownership");
    if (!o) {
        stk_diags_error(d, NULL, "Missing required argument",
                        "aws_s3_bucket_ownership_controls: rule { object_ownership } is required.");
        return NULL;
    }
    return json_pack("{s:{s:[{s:s}]}}", "OwnershipControls", "Rules", "ObjectOwnership", o);
}

static int own_from_api(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base)
{
    (void)p;
    (void)base;
    json_t *r = json_array_get(json_object_get(json_object_get(res, "OwnershipControls"), "Rules"), 0);
    if (!r) return 1;
    json_object_set_new(st, "rule", json_pack("[{s:s?}]", "object_ownership", stk_aws_jstr(r, "ObjectOwnership")));
    return 0;
}

static const sub_ops own_ops = {"GetBucketOwnershipControls", "PutBucketOwnershipControls",
                                "DeleteBucketOwnershipControls", own_to_api, own_from_api, NULL};
SUB_FUNCS(own, own_ops)

const stk_resource_type stk_aws_s3_bucket_ownership_controls_type = {
    "aws_s3_bucket_ownership_controls", "aws", STK_RESOURCE_MANAGED, &own_schema, own_create, own_read, own_update,
    own_delete, own_import, NULL, sub_journal_info, sub_recover,
};

/* ----------------------------------------------------- aws_s3_bucket_versioning */

static const stk_schema_attr ver_cfg_attrs[] = {
    {"mfa_delete", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, "Enabled or Disabled", NULL},
    {"status", "string", STK_ATTR_REQUIRED, NULL, "Enabled, Suspended or Disabled", NULL},
};
static const stk_schema ver_cfg_schema = {ver_cfg_attrs, 2, NULL, 0};
static const stk_schema_block ver_blocks[] = {
    {"versioning_configuration", STK_NESTING_LIST, 1, 1, &ver_cfg_schema, 0},
};
static const stk_schema_attr ver_attrs[] = {
    BUCKET_ATTR,
    OWNER_ATTR,
    {"mfa", "string", STK_ATTR_OPTIONAL, NULL, "MFA device serial and code", NULL},
};
static const stk_schema ver_schema = {ver_attrs, STK_AWS_NATTRS(ver_attrs), ver_blocks, 1};

static json_t *ver_to_api(stk_value *pl, stk_diags *d)
{
    stk_value *c = stk_aws_get_elem(pl, "versioning_configuration", 0);
    const char *status = stk_aws_get_str(c, "status");
    if (!status) {
        stk_diags_error(d, NULL, "Missing required argument",
                        "aws_s3_bucket_versioning: versioning_configuration { status } is required.");
        return NULL;
    }
    /* "Disabled" is not an API value: AWS has no way back to it; a bucket
       that never had versioning is left alone (as the provider does) */
    json_t *vc = json_pack("{s:s}", "Status", strcmp(status, "Disabled") ? status : "Suspended");
    const char *mfa_del = stk_aws_get_str(c, "mfa_delete");
    if (mfa_del) json_object_set_new(vc, "MFADelete", json_string(mfa_del));
    json_t *o = json_pack("{s:o}", "VersioningConfiguration", vc);
    const char *mfa = stk_aws_get_str(pl, "mfa");
    if (mfa) json_object_set_new(o, "MFA", json_string(mfa));
    return o;
}

static int ver_from_api(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base)
{
    (void)p;
    const char *status = stk_aws_jstr(res, "Status");
    const char *want = stk_aws_get_str(stk_aws_get_elem(base, "versioning_configuration", 0), "status");
    if (!status || !*status) status = "Disabled";
    /* a configured "Disabled" is Suspended once versioning was ever on */
    if (want && !strcmp(want, "Disabled") && !strcmp(status, "Suspended")) status = "Disabled";
    const char *mfa = stk_aws_jstr(res, "MFADelete");
    json_object_set_new(st, "versioning_configuration",
                        json_pack("[{s:s,s:s}]", "status", status, "mfa_delete", mfa && *mfa ? mfa : "Disabled"));
    return 0;
}

static int ver_delete(stk_provider_instance *p, stk_value *prior, stk_diags *d)
{
    /* AWS cannot turn versioning off: deleting the resource suspends it */
    const char *b = stk_aws_get_str(prior, "bucket");
    const char *status = stk_aws_get_str(stk_aws_get_elem(prior, "versioning_configuration", 0), "status");
    if (!b || !status || !strcmp(status, "Disabled") || !strcmp(status, "Suspended")) return 0;
    json_t *params = bparams(b, prior);
    json_object_set_new(params, "VersioningConfiguration", json_pack("{s:s}", "Status", "Suspended"));
    int rc = s3_call(p, "PutBucketVersioning", params, NULL, d);
    json_decref(params);
    return rc < 0 ? -1 : 0;
}

static const sub_ops ver_ops = {"GetBucketVersioning", "PutBucketVersioning", NULL, ver_to_api, ver_from_api,
                                ver_delete};

static int ver_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *b = stk_aws_get_str(planned, "bucket");
    const char *status = stk_aws_get_str(stk_aws_get_elem(planned, "versioning_configuration", 0), "status");
    /* "Disabled" on a bucket that never had versioning: nothing to call */
    if (!(status && !strcmp(status, "Disabled")) && sub_put(p, &ver_ops, planned, d) != 0) return -1;
    int rc = sub_read_bucket(p, t, &ver_ops, b, planned, 1, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, b, *new_state, d) : -1;
}
static int ver_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *b = stk_aws_get_str(prior, "bucket");
    return b ? sub_read_bucket(p, t, &ver_ops, b, prior, 0, new_state, d) : 0;
}
static int ver_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    (void)prior;
    const char *b = stk_aws_get_str(planned, "bucket");
    if (sub_put(p, &ver_ops, planned, d) != 0) return -1;
    int rc = sub_read_bucket(p, t, &ver_ops, b, planned, 0, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, b, *new_state, d) : -1;
}
static int ver_del(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    return ver_delete(p, prior, d);
}
static int ver_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    json_t *st = json_pack("{s:s,s:s}", "id", id, "bucket", id);
    stk_value *base = stk_aws_state_build(t, st, d);
    int rc = base ? sub_read_bucket(p, t, &ver_ops, id, base, 0, state, d) : -1;
    stk_value_unref(base);
    if (rc == 0 && !*state) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object", "%s", id);
        rc = -1;
    }
    return rc;
}

const stk_resource_type stk_aws_s3_bucket_versioning_type = {
    "aws_s3_bucket_versioning", "aws", STK_RESOURCE_MANAGED, &ver_schema, ver_create, ver_read, ver_update, ver_del,
    ver_import, NULL, sub_journal_info, sub_recover,
};

/* ------------------------- aws_s3_bucket_server_side_encryption_configuration */

static const stk_schema_attr sse_def_attrs[] = {
    {"kms_master_key_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"sse_algorithm", "string", STK_ATTR_REQUIRED, NULL, "AES256, aws:kms or aws:kms:dsse", NULL},
};
static const stk_schema sse_def_schema = {sse_def_attrs, 2, NULL, 0};
static const stk_schema_block sse_rule_blocks[] = {
    {"apply_server_side_encryption_by_default", STK_NESTING_LIST, 0, 1, &sse_def_schema, 0},
};
static const stk_schema_attr sse_rule_attrs[] = {
    {"bucket_key_enabled", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema sse_rule_schema = {sse_rule_attrs, 1, sse_rule_blocks, 1};
static const stk_schema_block sse_blocks[] = {
    {"rule", STK_NESTING_SET, 1, 0, &sse_rule_schema, 0},
};
static const stk_schema_attr sse_attrs[] = {BUCKET_ATTR, OWNER_ATTR};
static const stk_schema sse_schema = {sse_attrs, STK_AWS_NATTRS(sse_attrs), sse_blocks, 1};

static json_t *sse_to_api(stk_value *pl, stk_diags *d)
{
    (void)d;
    json_t *rules = json_array();
    for (size_t i = 0; i < stk_aws_get_count(pl, "rule"); i++) {
        stk_value *r = stk_aws_get_elem(pl, "rule", i);
        json_t *ar = json_object();
        stk_value *def = stk_aws_get_elem(r, "apply_server_side_encryption_by_default", 0);
        if (def) {
            json_t *ad = json_object();
            stk_aws_jset_str(ad, "SSEAlgorithm", stk_aws_get_str(def, "sse_algorithm"));
            const char *k = stk_aws_get_str(def, "kms_master_key_id");
            if (k && *k) json_object_set_new(ad, "KMSMasterKeyID", json_string(k));
            json_object_set_new(ar, "ApplyServerSideEncryptionByDefault", ad);
        }
        if (stk_aws_get(r, "bucket_key_enabled"))
            json_object_set_new(ar, "BucketKeyEnabled", json_boolean(stk_aws_get_bool(r, "bucket_key_enabled", 0)));
        json_array_append_new(rules, ar);
    }
    return json_pack("{s:{s:o}}", "ServerSideEncryptionConfiguration", "Rules", rules);
}

static int sse_from_api(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base)
{
    (void)p;
    json_t *rules = json_object_get(json_object_get(res, "ServerSideEncryptionConfiguration"), "Rules");
    if (!json_array_size(rules)) return 1;
    /* bucket_key_enabled: AWS answers false when never set; keep it null
       unless the configuration sets it (the provider's Optional bool) */
    int cfg_bke = 0;
    for (size_t i = 0; i < stk_aws_get_count(base, "rule"); i++)
        if (stk_aws_get(stk_aws_get_elem(base, "rule", i), "bucket_key_enabled")) cfg_bke = 1;
    json_t *out = json_array(), *r;
    size_t i;
    json_array_foreach(rules, i, r) {
        json_t *o = json_object();
        json_t *def = json_object_get(r, "ApplyServerSideEncryptionByDefault");
        if (def) {
            const char *k = stk_aws_jstr(def, "KMSMasterKeyID");
            json_object_set_new(o, "apply_server_side_encryption_by_default",
                                json_pack("[{s:s?,s:s?}]", "sse_algorithm", stk_aws_jstr(def, "SSEAlgorithm"),
                                          "kms_master_key_id", k && *k ? k : NULL));
        } else {
            json_object_set_new(o, "apply_server_side_encryption_by_default", json_array());
        }
        json_t *bke = json_object_get(r, "BucketKeyEnabled");
        if (json_is_true(bke) || (json_is_boolean(bke) && cfg_bke)) json_object_set(o, "bucket_key_enabled", bke);
        else json_object_set_new(o, "bucket_key_enabled", json_null());
        json_array_append_new(out, o);
    }
    json_object_set_new(st, "rule", out);
    return 0;
}

static const sub_ops sse_ops = {"GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption", sse_to_api,
                                sse_from_api, NULL};
SUB_FUNCS(sse, sse_ops)

const stk_resource_type stk_aws_s3_bucket_server_side_encryption_configuration_type = {
    "aws_s3_bucket_server_side_encryption_configuration", "aws", STK_RESOURCE_MANAGED, &sse_schema, sse_create,
    sse_read, sse_update, sse_delete, sse_import, NULL, sub_journal_info, sub_recover,
};

/* ------------------------------------------ aws_s3_bucket_website_configuration */

static const stk_schema_attr web_index_attrs[] = {{"suffix", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL}};
static const stk_schema web_index_schema = {web_index_attrs, 1, NULL, 0};
static const stk_schema_attr web_error_attrs[] = {{"key", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL}};
static const stk_schema web_error_schema = {web_error_attrs, 1, NULL, 0};
static const stk_schema_attr web_redir_all_attrs[] = {
    {"host_name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"protocol", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema web_redir_all_schema = {web_redir_all_attrs, 2, NULL, 0};
static const stk_schema_attr web_cond_attrs[] = {
    {"http_error_code_returned_equals", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"key_prefix_equals", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema web_cond_schema = {web_cond_attrs, 2, NULL, 0};
static const stk_schema_attr web_redir_attrs[] = {
    {"host_name", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"http_redirect_code", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"protocol", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"replace_key_prefix_with", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"replace_key_with", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema web_redir_schema = {web_redir_attrs, 5, NULL, 0};
static const stk_schema_block web_rule_blocks[] = {
    {"condition", STK_NESTING_LIST, 0, 1, &web_cond_schema, 0},
    {"redirect", STK_NESTING_LIST, 1, 1, &web_redir_schema, 0},
};
static const stk_schema web_rule_schema = {NULL, 0, web_rule_blocks, 2};
static const stk_schema_block web_blocks[] = {
    {"error_document", STK_NESTING_LIST, 0, 1, &web_error_schema, 0},
    {"index_document", STK_NESTING_LIST, 0, 1, &web_index_schema, 0},
    {"redirect_all_requests_to", STK_NESTING_LIST, 0, 1, &web_redir_all_schema, 0},
    {"routing_rule", STK_NESTING_LIST, 0, 0, &web_rule_schema, 0},
};
static const stk_schema_attr web_attrs[] = {
    BUCKET_ATTR,
    OWNER_ATTR,
    {"routing_rules", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_JSON, NULL,
     "routing rules as a JSON array (instead of routing_rule blocks)", NULL},
    {"website_domain", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"website_endpoint", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema web_schema = {web_attrs, STK_AWS_NATTRS(web_attrs), web_blocks, 4};

/* copy string attributes of v into o under API names (pairs: attr, Api) */
static void map_strs(json_t *o, stk_value *v, const char *const *pairs)
{
    for (; pairs[0]; pairs += 2) {
        const char *s = stk_aws_get_str(v, pairs[0]);
        if (s && *s) json_object_set_new(o, pairs[1], json_string(s));
    }
}
static void unmap_strs(json_t *o, json_t *api, const char *const *pairs)
{
    for (; pairs[0]; pairs += 2) {
        const char *s = stk_aws_jstr(api, pairs[1]);
        stk_aws_jset_str(o, pairs[0], s && *s ? s : NULL);
    }
}
static const char *const cond_pairs[] = {"http_error_code_returned_equals", "HttpErrorCodeReturnedEquals",
                                         "key_prefix_equals", "KeyPrefixEquals", NULL};
static const char *const redir_pairs[] = {"host_name", "HostName", "http_redirect_code", "HttpRedirectCode",
                                          "protocol", "Protocol", "replace_key_prefix_with", "ReplaceKeyPrefixWith",
                                          "replace_key_with", "ReplaceKeyWith", NULL};

static json_t *web_to_api(stk_value *pl, stk_diags *d)
{
    json_t *wc = json_object();
    const char *s;
    if ((s = stk_aws_get_str(stk_aws_get_elem(pl, "index_document", 0), "suffix")))
        json_object_set_new(wc, "IndexDocument", json_pack("{s:s}", "Suffix", s));
    if ((s = stk_aws_get_str(stk_aws_get_elem(pl, "error_document", 0), "key")))
        json_object_set_new(wc, "ErrorDocument", json_pack("{s:s}", "Key", s));
    stk_value *ra = stk_aws_get_elem(pl, "redirect_all_requests_to", 0);
    if (ra) {
        static const char *const pairs[] = {"host_name", "HostName", "protocol", "Protocol", NULL};
        json_t *o = json_object();
        map_strs(o, ra, pairs);
        json_object_set_new(wc, "RedirectAllRequestsTo", o);
    }
    size_t n = stk_aws_get_count(pl, "routing_rule");
    const char *rr = stk_aws_get_str(pl, "routing_rules");
    if (n) {
        json_t *rules = json_array();
        for (size_t i = 0; i < n; i++) {
            stk_value *r = stk_aws_get_elem(pl, "routing_rule", i);
            json_t *ar = json_object(), *c = json_object(), *re = json_object();
            stk_value *cv = stk_aws_get_elem(r, "condition", 0);
            if (cv) {
                map_strs(c, cv, cond_pairs);
                json_object_set(ar, "Condition", c);
            }
            map_strs(re, stk_aws_get_elem(r, "redirect", 0), redir_pairs);
            json_object_set(ar, "Redirect", re);
            json_decref(c);
            json_decref(re);
            json_array_append_new(rules, ar);
        }
        json_object_set_new(wc, "RoutingRules", rules);
    } else if (rr && *rr) {
        json_error_t e;
        json_t *rules = json_loads(rr, 0, &e);
        if (!json_is_array(rules)) {
            stk_diags_error(d, NULL, "Invalid routing_rules",
                            "aws_s3_bucket_website_configuration: routing_rules must be a JSON array of rules.");
            json_decref(rules);
            json_decref(wc);
            return NULL;
        }
        json_object_set_new(wc, "RoutingRules", rules);
    }
    return json_pack("{s:o}", "WebsiteConfiguration", wc);
}

static int web_from_api(stk_provider_instance *p, json_t *res, json_t *st, stk_value *base)
{
    const char *s;
    s = stk_aws_jstr(json_object_get(res, "IndexDocument"), "Suffix");
    json_object_set_new(st, "index_document", s ? json_pack("[{s:s}]", "suffix", s) : json_array());
    s = stk_aws_jstr(json_object_get(res, "ErrorDocument"), "Key");
    json_object_set_new(st, "error_document", s ? json_pack("[{s:s}]", "key", s) : json_array());
    json_t *ra = json_object_get(res, "RedirectAllRequestsTo");
    if (ra) {
        const char *proto = stk_aws_jstr(ra, "Protocol");
        json_object_set_new(st, "redirect_all_requests_to",
                            json_pack("[{s:s?,s:s?}]", "host_name", stk_aws_jstr(ra, "HostName"), "protocol",
                                      proto && *proto ? proto : NULL));
    } else {
        json_object_set_new(st, "redirect_all_requests_to", json_array());
    }
    json_t *rules = json_object_get(res, "RoutingRules");
    int use_blocks = stk_aws_get_count(base, "routing_rule") > 0 || !stk_aws_get_str(base, "routing_rules");
    json_t *blocks = json_array(), *r;
    size_t i;
    json_array_foreach(rules, i, r) {
        json_t *b = json_object(), *c = json_object(), *re = json_object();
        json_t *ac = json_object_get(r, "Condition");
        if (ac) unmap_strs(c, ac, cond_pairs);
        unmap_strs(re, json_object_get(r, "Redirect"), redir_pairs);
        json_object_set_new(b, "condition", ac ? json_pack("[o]", c) : (json_decref(c), json_array()));
        json_object_set_new(b, "redirect", json_pack("[o]", re));
        json_array_append_new(blocks, b);
    }
    if (use_blocks) json_object_set_new(st, "routing_rule", blocks);
    else {
        json_decref(blocks);
        json_object_set_new(st, "routing_rule", json_array());
    }
    if (json_array_size(rules)) {
        /* keep the configuration's spelling when equal in meaning */
        const char *mine = stk_aws_get_str(base, "routing_rules");
        json_t *m = mine ? json_loads(mine, 0, NULL) : NULL;
        if (m && json_equal(m, rules)) stk_aws_jset_str(st, "routing_rules", mine);
        else {
            char *txt = json_dumps(rules, JSON_COMPACT);
            stk_aws_jset_str(st, "routing_rules", txt);
            free(txt);
        }
        json_decref(m);
    } else {
        json_object_set_new(st, "routing_rules", json_null());
    }
    const char *bucket = stk_aws_jstr(st, "bucket");
    char *dom = s3_website_domain(p, stk_aws_region(p));
    json_object_set_new(st, "website_domain", json_string(dom));
    json_object_set_new(st, "website_endpoint", json_sprintf("%s.%s", bucket, dom));
    free(dom);
    return 0;
}

static const sub_ops web_ops = {"GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite", web_to_api,
                                web_from_api, NULL};
SUB_FUNCS(web, web_ops)

const stk_resource_type stk_aws_s3_bucket_website_configuration_type = {
    "aws_s3_bucket_website_configuration", "aws", STK_RESOURCE_MANAGED, &web_schema, web_create, web_read,
    web_update, web_delete, web_import, NULL, sub_journal_info, sub_recover,
};
