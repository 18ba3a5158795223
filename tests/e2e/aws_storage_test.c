/* aws_storage_test.c - the S3 and CloudFront resource types' CRUD functions
 * called directly against moto (tests/e2e/aws_storage.sh starts it, slow
 * mode, and sets AWS_ENDPOINT_URL); each object checked with /usr/bin/aws
 * (--endpoint-url): create -> read (equal: no drift) -> update -> read ->
 * import -> delete -> read gives NULL.  Without AWS_ENDPOINT_URL every case
 * is skipped. */
#include "test.h"
#include <stdlib.h>
#include <stdarg.h>
#include "aws/common.h"
#include "aws/aws_types.h"

#include "aws_crud.h"
#include "plans/plan_priv.h"


static int awscli_ok(const char *fmt, const char *arg)
{
    char cmd[2048];
    char args[1024];
    snprintf(args, sizeof args, fmt, arg);
    snprintf(cmd, sizeof cmd, "/usr/bin/aws --endpoint-url %s %s >/dev/null 2>&1", getenv("AWS_ENDPOINT_URL"), args);
    return system(cmd) == 0;
}

/* read st again: the answer must equal st (no drift on refresh) */
static void check_stable(const stk_resource_type *t, stk_value *st)
{
    stk_value *again = NULL;
    CHECK_INT(readv(t, st, &again), 0);
    CHECK(again && stk_value_raw_equal(st, again));
    if (again && !stk_value_raw_equal(st, again)) {
        char *a = stk_value_to_hcl(st), *b = stk_value_to_hcl(again);
        fprintf(stderr, "  %s drift:\n   state %s\n   read  %s\n", t->name, a, b);
        free(a);
        free(b);
    }
    stk_value_unref(again);
}

static void gone(const stk_resource_type *t, stk_value *st)
{
    stk_value *after = NULL;
    CHECK_INT(readv(t, st, &after), 0);
    CHECK(after == NULL);
    stk_value_unref(after);
}

/* crash recovery: the object found again from what the journal recorded */
static void check_recover(const stk_resource_type *t, const char *info_json, const char *want_id)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_value *st = NULL;
    CHECK_INT(t->recover(P, t, info_json, &st, &d), 0);
    print_diags(&d);
    stk_diags_free(&d);
    CHECK(st && S(st, "id") && !strcmp(S(st, "id"), want_id));
    stk_value_unref(st);
    /* nothing recorded matches: NULL, no error */
    CHECK_INT(t->recover(P, t, "{\"token\":\"no-such-token\",\"name\":\"no-such-name\"}", &st, &d), 0);
    CHECK(st == NULL);
    stk_value_unref(st);
    stk_diags_free(&d);
}

static const char *BUCKET = "stk-storage-e2e";

/* a configuration resource of the bucket: create, awscli check, update,
   check, import, delete, gone */
typedef int (*cli_fn)(int phase);
static void sub_lifecycle(const stk_resource_type *t, const char *c1, const char *c2, cli_fn check)
{
    stk_value *pl = V(t, "%s", c1), *st = NULL, *st2 = NULL, *imp = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    stk_value_unref(pl);
    if (!st) return;
    CHECK_STR(S(st, "id"), BUCKET);
    CHECK(check(1));
    check_stable(t, st);
    pl = V(t, "%s", c2);
    CHECK_INT(update(t, st, pl, &st2), 0);
    stk_value_unref(pl);
    CHECK(check(2));
    if (st2) check_stable(t, st2);
    CHECK_INT(import(t, BUCKET, &imp), 0);
    CHECK(imp && st2 && stk_value_raw_equal(imp, st2));
    if (imp && st2 && !stk_value_raw_equal(imp, st2)) {
        char *a = stk_value_to_hcl(st2), *b = stk_value_to_hcl(imp);
        fprintf(stderr, "  import differs:\n   state  %s\n   import %s\n", a, b);
        free(a);
        free(b);
    }
    CHECK_INT(del(t, st2 ? st2 : st), 0);
    CHECK(check(3));
    if (t != &stk_aws_s3_bucket_versioning_type) gone(t, st2 ? st2 : st);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(imp);
}

static stk_value *bucket_st;

static void test_bucket(void)
{
    const stk_resource_type *t = &stk_aws_s3_bucket_type;
    stk_value *pl = V(t, "{\"bucket\":\"%s\",\"force_destroy\":true,\"tags\":{\"Name\":\"one\"}}", BUCKET);
    CHECK_INT(create(t, pl, &bucket_st), 0);
    stk_value_unref(pl);
    if (!bucket_st) return;
    stk_value *st = bucket_st;
    CHECK_STR(S(st, "id"), BUCKET);
    CHECK_STR(S(st, "arn"), "arn:aws:s3:::stk-storage-e2e");
    CHECK_STR(S(st, "bucket_regional_domain_name"), "stk-storage-e2e.s3.eu-north-1.amazonaws.com");
    CHECK_STR(S(st, "bucket_domain_name"), "stk-storage-e2e.s3.amazonaws.com");
    CHECK_STR(S(st, "hosted_zone_id"), "Z3BAZG2TWCNX0D");
    CHECK_STR(S(st, "region"), "eu-north-1");
    CHECK_INT(stk_aws_get_bool(st, "object_lock_enabled", 1), 0);
    json_t *ta = stk_aws_get_json(st, "tags_all"), *want = J("{\"Name\":\"one\",\"Env\":\"e2e\"}");
    CHECK(json_equal(ta, want));
    json_decref(ta);
    json_decref(want);
    json_t *o = awscli("s3api get-bucket-location --bucket %s", BUCKET);
    CHECK_STR(stk_aws_jstr(o, "LocationConstraint"), "eu-north-1");
    json_decref(o);
    check_stable(t, st);
    stk_value *pl2 = V(t, "{\"bucket\":\"%s\",\"force_destroy\":true,\"tags\":{\"Name\":\"two\"}}", BUCKET), *st2 = NULL;
    CHECK_INT(update(t, st, pl2, &st2), 0);
    stk_value_unref(pl2);
    o = awscli("s3api get-bucket-tagging --bucket %s", BUCKET);
    int seen = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "TagSet"), i, e)
        if (!strcmp(stk_aws_jstr(e, "Key"), "Name") && !strcmp(stk_aws_jstr(e, "Value"), "two")) seen = 1;
    CHECK(seen);
    json_decref(o);
    if (st2) {
        check_stable(t, st2);
        stk_value_unref(bucket_st);
        bucket_st = st2;
    }
    check_recover(t, "{\"token\":\"t\",\"bucket\":\"stk-storage-e2e\"}", BUCKET);
    stk_value *imp = NULL;
    CHECK_INT(import(t, BUCKET, &imp), 0);
    CHECK(imp && S(imp, "arn") && !strcmp(S(imp, "arn"), "arn:aws:s3:::stk-storage-e2e"));
    CHECK(imp && stk_aws_get(imp, "object_lock_enabled") && !stk_aws_get_bool(imp, "object_lock_enabled", 1));
    stk_value_unref(imp);
}

static int cli_pab(int phase)
{
    json_t *o = awscli("s3api get-public-access-block --bucket %s", BUCKET);
    json_t *c = json_object_get(o, "PublicAccessBlockConfiguration");
    int ok = phase == 1 ? json_is_true(json_object_get(c, "BlockPublicAcls")) && json_is_true(json_object_get(c, "RestrictPublicBuckets"))
           : phase == 2 ? json_is_false(json_object_get(c, "BlockPublicAcls")) && json_is_true(json_object_get(c, "BlockPublicPolicy"))
                        : c == NULL;
    json_decref(o);
    return ok;
}

static int cli_policy(int phase)
{
    json_t *o = awscli("s3api get-bucket-policy --bucket %s", BUCKET);
    const char *pol = stk_aws_jstr(o, "Policy");
    int ok = phase == 3 ? pol == NULL : pol && strstr(pol, phase == 1 ? "\"One\"" : "\"Two\"") != NULL;
    json_decref(o);
    return ok;
}

static int cli_own(int phase)
{
    json_t *o = awscli("s3api get-bucket-ownership-controls --bucket %s", BUCKET);
    const char *v = stk_aws_jstr(json_array_get(json_object_get(json_object_get(o, "OwnershipControls"), "Rules"), 0),
                                 "ObjectOwnership");
    int ok = phase == 3 ? v == NULL : v && !strcmp(v, phase == 1 ? "BucketOwnerEnforced" : "ObjectWriter");
    json_decref(o);
    return ok;
}

static int cli_ver(int phase)
{
    json_t *o = awscli("s3api get-bucket-versioning --bucket %s", BUCKET);
    const char *v = stk_aws_jstr(o, "Status");
    int ok = v && !strcmp(v, phase == 1 ? "Enabled" : "Suspended");
    json_decref(o);
    return ok;
}

static int cli_sse(int phase)
{
    json_t *o = awscli("s3api get-bucket-encryption --bucket %s", BUCKET);
    json_t *r = json_array_get(json_object_get(json_object_get(o, "ServerSideEncryptionConfiguration"), "Rules"), 0);
    const char *alg = stk_aws_jstr(json_object_get(r, "ApplyServerSideEncryptionByDefault"), "SSEAlgorithm");
    int ok = phase == 3 ? alg == NULL : alg && !strcmp(alg, phase == 1 ? "AES256" : "aws:kms");
    if (phase == 2) ok = ok && json_is_true(json_object_get(r, "BucketKeyEnabled"));
    json_decref(o);
    return ok;
}

static int cli_web(int phase)
{
    json_t *o = awscli("s3api get-bucket-website --bucket %s", BUCKET);
    const char *idx = stk_aws_jstr(json_object_get(o, "IndexDocument"), "Suffix");
    int ok = phase == 3 ? idx == NULL : idx && !strcmp(idx, phase == 1 ? "index.html" : "main.html");
    if (phase == 2) ok = ok && json_array_size(json_object_get(o, "RoutingRules")) == 1;
    json_decref(o);
    return ok;
}

static void test_bucket_config(void)
{
    if (!bucket_st) return;
    sub_lifecycle(&stk_aws_s3_bucket_public_access_block_type,
                  "{\"bucket\":\"stk-storage-e2e\",\"block_public_acls\":true,\"block_public_policy\":true,"
                  "\"ignore_public_acls\":true,\"restrict_public_buckets\":true}",
                  "{\"bucket\":\"stk-storage-e2e\",\"block_public_acls\":false,\"block_public_policy\":true,"
                  "\"ignore_public_acls\":false,\"restrict_public_buckets\":false}",
                  cli_pab);
    sub_lifecycle(&stk_aws_s3_bucket_policy_type,
                  "{\"bucket\":\"stk-storage-e2e\",\"policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"One\\\","
                  "\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":\\\"cloudfront.amazonaws.com\\\"},"
                  "\\\"Action\\\":\\\"s3:GetObject\\\",\\\"Resource\\\":\\\"arn:aws:s3:::stk-storage-e2e/*\\\"}]}\"}",
                  "{\"bucket\":\"stk-storage-e2e\",\"policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Sid\\\":\\\"Two\\\","
                  "\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":\\\"cloudfront.amazonaws.com\\\"},"
                  "\\\"Action\\\":\\\"s3:GetObject\\\",\\\"Resource\\\":\\\"arn:aws:s3:::stk-storage-e2e/*\\\"}]}\"}",
                  cli_policy);
    sub_lifecycle(&stk_aws_s3_bucket_ownership_controls_type,
                  "{\"bucket\":\"stk-storage-e2e\",\"rule\":[{\"object_ownership\":\"BucketOwnerEnforced\"}]}",
                  "{\"bucket\":\"stk-storage-e2e\",\"rule\":[{\"object_ownership\":\"ObjectWriter\"}]}", cli_own);
    sub_lifecycle(&stk_aws_s3_bucket_versioning_type,
                  "{\"bucket\":\"stk-storage-e2e\",\"versioning_configuration\":[{\"status\":\"Enabled\"}]}",
                  "{\"bucket\":\"stk-storage-e2e\",\"versioning_configuration\":[{\"status\":\"Suspended\"}]}", cli_ver);
    sub_lifecycle(&stk_aws_s3_bucket_server_side_encryption_configuration_type,
                  "{\"bucket\":\"stk-storage-e2e\",\"rule\":[{\"apply_server_side_encryption_by_default\":[{\"sse_algorithm\":\"AES256\"}]}]}",
                  "{\"bucket\":\"stk-storage-e2e\",\"rule\":[{\"apply_server_side_encryption_by_default\":[{\"sse_algorithm\":\"aws:kms\"}],"
                  "\"bucket_key_enabled\":true}]}",
                  cli_sse);
    sub_lifecycle(&stk_aws_s3_bucket_website_configuration_type,
                  "{\"bucket\":\"stk-storage-e2e\",\"index_document\":[{\"suffix\":\"index.html\"}],\"error_document\":[{\"key\":\"e.html\"}]}",
                  "{\"bucket\":\"stk-storage-e2e\",\"index_document\":[{\"suffix\":\"main.html\"}],"
                  "\"routing_rule\":[{\"condition\":[{\"key_prefix_equals\":\"docs/\"}],\"redirect\":[{\"replace_key_prefix_with\":\"documents/\"}]}]}",
                  cli_web);
}

static void test_bucket_delete(void)
{
    if (!bucket_st) return;
    /* objects (two versions of one key) go with force_destroy */
    CHECK(awscli_ok("s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled", BUCKET));
    CHECK(awscli_ok("s3api put-object --bucket %s --key a.txt --body /etc/hostname", BUCKET));
    CHECK(awscli_ok("s3api put-object --bucket %s --key a.txt --body /etc/hostname", BUCKET));
    CHECK_INT(del(&stk_aws_s3_bucket_type, bucket_st), 0);
    CHECK(!awscli_ok("s3api head-bucket --bucket %s", BUCKET));
    gone(&stk_aws_s3_bucket_type, bucket_st);
    stk_value_unref(bucket_st);
    bucket_st = NULL;
}

static void test_bucket_prefix(void)
{
    const stk_resource_type *t = &stk_aws_s3_bucket_type;
    stk_value *pl = V(t, "{\"bucket_prefix\":\"stk-pfx-\"}"), *st = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    stk_value_unref(pl);
    if (!st) return;
    CHECK(S(st, "bucket") && !strncmp(S(st, "bucket"), "stk-pfx-", 8) && strlen(S(st, "bucket")) == 8 + 26);
    CHECK(awscli_ok("s3api head-bucket --bucket %s", S(st, "bucket")));
    CHECK_INT(del(t, st), 0);
    CHECK(!awscli_ok("s3api head-bucket --bucket %s", S(st, "bucket")));
    stk_value_unref(st);
}

static void test_oai_oac(void)
{
    const stk_resource_type *t = &stk_aws_cloudfront_origin_access_identity_type;
    stk_value *pl = V(t, "{\"comment\":\"one\"}"), *st = NULL, *st2 = NULL, *imp = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    stk_value_unref(pl);
    if (st) {
        const char *id = S(st, "id");
        char want[256];
        snprintf(want, sizeof want, "origin-access-identity/cloudfront/%s", id);
        CHECK_STR(S(st, "cloudfront_access_identity_path"), want);
        snprintf(want, sizeof want, "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity %s", id);
        CHECK_STR(S(st, "iam_arn"), want);
        CHECK(S(st, "etag") && S(st, "s3_canonical_user_id") && S(st, "caller_reference"));
        json_t *o = awscli("cloudfront get-cloud-front-origin-access-identity --id %s", id);
        CHECK_STR(stk_aws_jstr(json_object_get(json_object_get(o, "CloudFrontOriginAccessIdentity"),
                                               "CloudFrontOriginAccessIdentityConfig"), "Comment"), "one");
        json_decref(o);
        check_stable(t, st);
        char info[256];
        snprintf(info, sizeof info, "{\"token\":\"%s\"}", S(st, "caller_reference"));
        check_recover(t, info, id);
        pl = V(t, "{\"comment\":\"two\"}");
        CHECK_INT(update(t, st, pl, &st2), 0);
        stk_value_unref(pl);
        CHECK(st2 && !strcmp(S(st2, "comment"), "two"));
        CHECK_INT(import(t, id, &imp), 0);
        CHECK(imp && st2 && stk_value_raw_equal(imp, st2));
        CHECK_INT(del(t, st2 ? st2 : st), 0);
        gone(t, st);
    }
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(imp);
    st = st2 = imp = NULL;

    t = &stk_aws_cloudfront_origin_access_control_type;
    pl = V(t, "{\"name\":\"stk-oac\",\"description\":\"d1\",\"origin_access_control_origin_type\":\"s3\","
              "\"signing_behavior\":\"always\",\"signing_protocol\":\"sigv4\"}");
    CHECK_INT(create(t, pl, &st), 0);
    stk_value_unref(pl);
    if (st) {
        const char *id = S(st, "id");
        CHECK(id && S(st, "etag"));
        json_t *o = awscli("cloudfront get-origin-access-control --id %s", id);
        CHECK_STR(stk_aws_jstr(json_object_get(json_object_get(o, "OriginAccessControl"), "OriginAccessControlConfig"),
                               "SigningBehavior"), "always");
        json_decref(o);
        check_stable(t, st);
        check_recover(t, "{\"token\":\"x\",\"name\":\"stk-oac\"}", id);
        pl = V(t, "{\"name\":\"stk-oac\",\"description\":\"d2\",\"origin_access_control_origin_type\":\"s3\","
                  "\"signing_behavior\":\"no-override\",\"signing_protocol\":\"sigv4\"}");
        CHECK_INT(update(t, st, pl, &st2), 0);
        stk_value_unref(pl);
        o = awscli("cloudfront get-origin-access-control --id %s", id);
        CHECK_STR(stk_aws_jstr(json_object_get(json_object_get(o, "OriginAccessControl"), "OriginAccessControlConfig"),
                               "SigningBehavior"), "no-override");
        json_decref(o);
        CHECK_INT(import(t, id, &imp), 0);
        CHECK(imp && st2 && stk_value_raw_equal(imp, st2));
        CHECK_INT(del(t, st2 ? st2 : st), 0);
        gone(t, st);
    }
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(imp);
}

static const char *DIST1 =
    "{\"enabled\":true,\"is_ipv6_enabled\":true,\"comment\":\"one\",\"default_root_object\":\"index.html\","
    "\"price_class\":\"PriceClass_100\",\"tags\":{\"Name\":\"cdn\"},"
    "\"origin\":[{\"domain_name\":\"b.s3.eu-north-1.amazonaws.com\",\"origin_id\":\"s3-frontend\",\"origin_access_control_id\":\"%s\"}],"
    "\"default_cache_behavior\":[{\"target_origin_id\":\"s3-frontend\",\"viewer_protocol_policy\":\"redirect-to-https\","
    "\"allowed_methods\":[\"GET\",\"HEAD\",\"OPTIONS\"],\"cached_methods\":[\"GET\",\"HEAD\"],\"compress\":true,"
    "\"cache_policy_id\":\"658327ea-f89d-4fab-a63d-7e88639e58f6\"}],"
    "\"custom_error_response\":[{\"error_code\":404,\"response_code\":200,\"response_page_path\":\"/index.html\"},"
    "{\"error_code\":403,\"response_code\":200,\"response_page_path\":\"/index.html\"}],"
    "\"restrictions\":[{\"geo_restriction\":[{\"restriction_type\":\"none\"}]}],"
    "\"viewer_certificate\":[{\"cloudfront_default_certificate\":true}]}";

static void test_distribution(void)
{
    const stk_resource_type *t = &stk_aws_cloudfront_distribution_type;
    /* the origin reads S3 through an origin access control (as StartTech) */
    stk_value *opl = V(&stk_aws_cloudfront_origin_access_control_type,
                       "{\"name\":\"stk-dist-oac\",\"origin_access_control_origin_type\":\"s3\","
                       "\"signing_behavior\":\"always\",\"signing_protocol\":\"sigv4\"}"),
              *oac = NULL;
    CHECK_INT(create(&stk_aws_cloudfront_origin_access_control_type, opl, &oac), 0);
    stk_value_unref(opl);
    if (!oac) return;
    char dist1[4096];
    snprintf(dist1, sizeof dist1, DIST1, S(oac, "id"));
    stk_value *pl = V(t, "%s", dist1), *st = NULL, *st2 = NULL, *imp = NULL;
    CHECK(pl != NULL);
    if (pl) CHECK_INT(create(t, pl, &st), 0);
    stk_value_unref(pl);
    if (!st) {
        del(&stk_aws_cloudfront_origin_access_control_type, oac);
        stk_value_unref(oac);
        return;
    }
    const char *id = S(st, "id");
    CHECK_STR(S(st, "status"), "Deployed");   /* waited (slow mode shows InProgress first) */
    CHECK_STR(S(st, "hosted_zone_id"), "Z2FDTNDATAQYW2");
    CHECK(S(st, "domain_name") && strstr(S(st, "domain_name"), ".cloudfront.net"));
    CHECK(S(st, "arn") && strstr(S(st, "arn"), ":distribution/"));
    CHECK(S(st, "etag") && S(st, "caller_reference"));
    json_t *o = awscli("cloudfront get-distribution-config --id %s", id);
    json_t *c = json_object_get(o, "DistributionConfig");
    CHECK_STR(stk_aws_jstr(c, "Comment"), "one");
    CHECK_STR(stk_aws_jstr(c, "DefaultRootObject"), "index.html");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(c, "CustomErrorResponses"), "Quantity")), 2);
    CHECK_STR(stk_aws_jstr(json_array_get(json_object_get(json_object_get(c, "Origins"), "Items"), 0),
                           "OriginAccessControlId"), S(oac, "id"));
    CHECK_STR(stk_aws_get_str(stk_aws_get_elem(st, "origin", 0), "origin_access_control_id"), S(oac, "id"));
    json_decref(o);
    check_stable(t, st);
    char info[256];
    snprintf(info, sizeof info, "{\"token\":\"%s\"}", S(st, "caller_reference"));
    check_recover(t, info, id);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dist1);
    char *p = strstr(buf, "\"one\"");
    memcpy(p, "\"two\"", 5);
    p = strstr(buf, "\"cdn\"");
    memcpy(p, "\"CDN\"", 5);
    pl = V(t, "%s", buf);
    CHECK_INT(update(t, st, pl, &st2), 0);
    stk_value_unref(pl);
    o = awscli("cloudfront get-distribution-config --id %s", id);
    CHECK_STR(stk_aws_jstr(json_object_get(o, "DistributionConfig"), "Comment"), "two");
    json_decref(o);
    if (st2) {
        check_stable(t, st2);
        json_t *ta = stk_aws_get_json(st2, "tags_all"), *want = J("{\"Name\":\"CDN\",\"Env\":\"e2e\"}");
        CHECK(json_equal(ta, want));
        json_decref(ta);
        json_decref(want);
    }
    CHECK_INT(import(t, id, &imp), 0);
    CHECK(imp && S(imp, "domain_name") && !strcmp(S(imp, "domain_name"), S(st, "domain_name")));
    CHECK_INT(del(t, st2 ? st2 : st), 0);
    CHECK(!awscli_ok("cloudfront get-distribution --id %s", id));
    gone(t, st);
    CHECK_INT(del(&stk_aws_cloudfront_origin_access_control_type, oac), 0);
    stk_value_unref(oac);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(imp);
}

/* the planner's view: configuration cfg against state st changes nothing */
static void check_no_plan(const stk_resource_type *t, stk_value *cfg, stk_value *st)
{
    stk_value *after = stk_diff_plan(t->schema, cfg, st);
    char **names = NULL;
    int fn = 0;
    size_t n = stk_diff_changed(t->schema, st, after, &names, &fn);
    CHECK_INT((int)n, 0);
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "  plan changes %s\n", names[i]);
        free(names[i]);
    }
    free(names);
    stk_value_unref(after);
}

/* the sub-blocks of a distribution beyond StartTech's: two custom origins
   in a failover origin_group (one behind an origin shield), function and
   Lambda@Edge associations, trusted key groups and signers, logging and an
   error caching TTL; then each changed in place */
static const char *DIST2 =
    "{\"enabled\":true,\"comment\":\"blocks\",\"continuous_deployment_policy_id\":\"%s\","
    "\"origin\":[{\"domain_name\":\"a.example.com\",\"origin_id\":\"primary\","
    "\"custom_origin_config\":[{\"http_port\":80,\"https_port\":443,\"origin_protocol_policy\":\"https-only\","
    "\"origin_ssl_protocols\":[\"TLSv1.2\"]}]%s},"
    "{\"domain_name\":\"b.example.com\",\"origin_id\":\"secondary\","
    "\"custom_origin_config\":[{\"http_port\":80,\"https_port\":443,\"origin_protocol_policy\":\"https-only\","
    "\"origin_ssl_protocols\":[\"TLSv1.2\"]}]}],"
    "\"origin_group\":[{\"origin_id\":\"failover\",\"failover_criteria\":[{\"status_codes\":[%s]}],"
    "\"member\":[{\"origin_id\":\"primary\"},{\"origin_id\":\"secondary\"}]}],"
    "\"default_cache_behavior\":[{\"target_origin_id\":\"failover\",\"viewer_protocol_policy\":\"https-only\","
    "\"allowed_methods\":[\"GET\",\"HEAD\"],\"cached_methods\":[\"GET\",\"HEAD\"],"
    "\"cache_policy_id\":\"658327ea-f89d-4fab-a63d-7e88639e58f6\","
    "\"function_association\":[{\"event_type\":\"viewer-request\","
    "\"function_arn\":\"arn:aws:cloudfront::123456789012:function/rewrite\"}]%s}],"
    "\"ordered_cache_behavior\":[{\"path_pattern\":\"/private/*\",\"target_origin_id\":\"primary\","
    "\"viewer_protocol_policy\":\"https-only\",\"allowed_methods\":[\"GET\",\"HEAD\"],"
    "\"cached_methods\":[\"GET\",\"HEAD\"],\"cache_policy_id\":\"4135ea2d-6df8-44a3-9df3-4b5a84be39ad\","
    "\"trusted_key_groups\":[\"kg-1\"],\"trusted_signers\":[\"self\"]}],"
    "\"logging_config\":[{\"bucket\":\"logs.s3.amazonaws.com\",\"prefix\":\"%s\",\"include_cookies\":true}],"
    "\"custom_error_response\":[{\"error_code\":503,\"error_caching_min_ttl\":5}],"
    "\"restrictions\":[{\"geo_restriction\":[{\"restriction_type\":\"none\"}]}],"
    "\"viewer_certificate\":[{\"cloudfront_default_certificate\":true}]}";
#define LAMBDA ",\"lambda_function_association\":[{\"event_type\":\"origin-request\",\"include_body\":true," \
               "\"lambda_arn\":\"arn:aws:lambda:us-east-1:123456789012:function:edge:3\"}]"
#define SHIELD ",\"origin_shield\":[{\"enabled\":true,\"origin_shield_region\":\"eu-north-1\"}]"

static void test_distribution_blocks(void)
{
    const stk_resource_type *t = &stk_aws_cloudfront_distribution_type;
    stk_value *pl = V(t, DIST2, "cdp-1", SHIELD, "500,502", LAMBDA, "cdn/"), *st = NULL, *st2 = NULL;
    CHECK(pl != NULL);
    if (pl) CHECK_INT(create(t, pl, &st), 0);
    if (!st) {
        stk_value_unref(pl);
        return;
    }
    char id[64];
    snprintf(id, sizeof id, "%s", S(st, "id"));
    json_t *o = awscli("cloudfront get-distribution-config --id %s", id);
    json_t *c = json_object_get(o, "DistributionConfig");
    json_t *og = json_array_get(json_object_get(json_object_get(c, "OriginGroups"), "Items"), 0);
    CHECK_STR(stk_aws_jstr(og, "Id"), "failover");
    CHECK_INT((int)json_integer_value(json_object_get(json_object_get(json_object_get(og, "FailoverCriteria"), "StatusCodes"), "Quantity")), 2);
    CHECK_STR(stk_aws_jstr(json_array_get(json_object_get(json_object_get(og, "Members"), "Items"), 1), "OriginId"), "secondary");
    json_t *lg = json_object_get(c, "Logging");
    CHECK(json_is_true(json_object_get(lg, "Enabled")) && json_is_true(json_object_get(lg, "IncludeCookies")));
    CHECK_STR(stk_aws_jstr(lg, "Prefix"), "cdn/");
    json_t *dcb = json_object_get(c, "DefaultCacheBehavior");
    CHECK_STR(stk_aws_jstr(json_array_get(json_object_get(json_object_get(dcb, "FunctionAssociations"), "Items"), 0),
                           "EventType"), "viewer-request");
    CHECK_STR(stk_aws_jstr(json_array_get(json_object_get(json_object_get(dcb, "LambdaFunctionAssociations"), "Items"), 0),
                           "LambdaFunctionARN"), "arn:aws:lambda:us-east-1:123456789012:function:edge:3");
    json_t *ocb = json_array_get(json_object_get(json_object_get(c, "CacheBehaviors"), "Items"), 0);
    CHECK(json_is_true(json_object_get(json_object_get(ocb, "TrustedKeyGroups"), "Enabled")));
    CHECK_STR(json_string_value(json_array_get(json_object_get(json_object_get(ocb, "TrustedSigners"), "Items"), 0)), "self");
    json_decref(o);
    stk_value *og0 = stk_aws_get_elem(st, "origin_group", 0);
    CHECK_STR(S(og0, "origin_id"), "failover");
    CHECK_INT((int)stk_aws_get_count(stk_aws_get_elem(st, "default_cache_behavior", 0), "lambda_function_association"), 1);
    CHECK_STR(S(stk_aws_get_elem(st, "logging_config", 0), "bucket"), "logs.s3.amazonaws.com");
    CHECK_STR(S(st, "continuous_deployment_policy_id"), "cdp-1");
    CHECK_INT((int)stk_aws_get_count(st, "trusted_key_groups"), 1);
    size_t shields = 0;
    for (size_t i = 0; i < stk_aws_get_count(st, "origin"); i++)
        shields += stk_aws_get_count(stk_aws_get_elem(st, "origin", i), "origin_shield");
    CHECK_INT((int)shields, 1);
    check_stable(t, st);
    check_no_plan(t, pl, st);
    stk_value_unref(pl);

    /* in place: no shield, other status codes, no Lambda@Edge, a new prefix */
    pl = V(t, DIST2, "cdp-1", "", "500,502,504", "", "edge/");
    CHECK_INT(update(t, st, pl, &st2), 0);
    if (st2) {
        CHECK_STR(S(st2, "id"), id);
        o = awscli("cloudfront get-distribution-config --id %s", id);
        c = json_object_get(o, "DistributionConfig");
        og = json_array_get(json_object_get(json_object_get(c, "OriginGroups"), "Items"), 0);
        CHECK_INT((int)json_integer_value(json_object_get(json_object_get(json_object_get(og, "FailoverCriteria"), "StatusCodes"), "Quantity")), 3);
        CHECK_STR(stk_aws_jstr(json_object_get(c, "Logging"), "Prefix"), "edge/");
        CHECK_INT((int)json_integer_value(json_object_get(json_object_get(json_object_get(c, "DefaultCacheBehavior"),
                                                                          "LambdaFunctionAssociations"), "Quantity")), 0);
        json_decref(o);
        shields = 0;
        for (size_t i = 0; i < stk_aws_get_count(st2, "origin"); i++)
            shields += stk_aws_get_count(stk_aws_get_elem(st2, "origin", i), "origin_shield");
        CHECK_INT((int)shields, 0);
        check_stable(t, st2);
        check_no_plan(t, pl, st2);
    }
    stk_value_unref(pl);
    CHECK_INT(del(t, st2 ? st2 : st), 0);
    gone(t, st);
    stk_value_unref(st);
    stk_value_unref(st2);
}

int main(void)
{
    if (!getenv("AWS_ENDPOINT_URL")) {
        stk_test_skip("aws_storage", "AWS_ENDPOINT_URL not set (run tests/e2e/aws_storage.sh)");
        return stk_test_report();
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_config cfg = {0};
    cfg.region = "eu-north-1";
    P = stk_aws_provider_new(&cfg, "{\"Env\":\"e2e\"}", &d);
    if (!P) {
        print_diags(&d);
        return 1;
    }
    STK_RUN(test_bucket);
    STK_RUN(test_bucket_config);
    STK_RUN(test_bucket_delete);
    STK_RUN(test_bucket_prefix);
    STK_RUN(test_oai_oac);
    STK_RUN(test_distribution);
    STK_RUN(test_distribution_blocks);
    stk_aws_provider_free(P);
    stk_diags_free(&d);
    return stk_test_report();
}
