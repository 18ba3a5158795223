/* cloudfront.c - aws_cloudfront_distribution,
 * aws_cloudfront_origin_access_identity and aws_cloudfront_origin_access_control
 * with terraform-provider-aws's names, defaults and import ids (the
 * CloudFront id).
 *
 * CloudFront is global: ARNs have no region, the hosted zone of every
 * distribution is Z2FDTNDATAQYW2.  Every change carries the object's
 * current ETag (If-Match): updates read the config first
 * (GetDistributionConfig), change it, and send it back; a distribution is
 * deleted by disabling it, waiting until it is Deployed, then deleting it
 * with the newest ETag.  CallerReference is the create's idempotency token
 * (the journal's), so a retried create finds the first attempt's object.
 *
 * Refresh cost: a distribution is GetDistribution + ListTagsForResource;
 * an OAI or OAC one Get call.  Distributions carry origins (custom_header,
 * custom/S3 origin config, origin_shield), origin_group failover, default
 * and ordered cache behaviours (forwarded_values or policies, function and
 * Lambda@Edge associations, trusted key groups / signers),
 * custom_error_response, logging_config, restrictions, viewer_certificate,
 * continuous_deployment_policy_id, and the computed trusted_key_groups /
 * trusted_signers.  Not in the schema yet (so `stk validate` reports them
 * as unsupported arguments): grpc_config, vpc_origin_config,
 * origin_group selection_criteria, s3_origin_config's origin_read_timeout;
 * an update keeps such settings made outside stk at the distribution's top
 * level.
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

#define CF_ZONE "Z2FDTNDATAQYW2"

/* ------------------------------------------------------------ small helpers */

/* {"Quantity": n, "Items": arr} (arr stolen) */
static json_t *qi(json_t *arr)
{
    return json_pack("{s:I,s:o}", "Quantity", (json_int_t)json_array_size(arr), "Items", arr);
}
/* the Items of a {Quantity, Items} (borrowed; NULL when absent: jansson's
   array functions treat NULL as an empty array) */
static json_t *items(json_t *o) { return json_object_get(o, "Items"); }
static json_t *jarr_copy(json_t *a) { return a ? json_deep_copy(a) : json_array(); }
static int jbool(json_t *o, const char *k) { return json_is_true(json_object_get(o, k)); }
static json_int_t jint(json_t *o, const char *k, json_int_t dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}
static const char *str_or(const char *s, const char *dflt) { return s ? s : dflt; }

/* The tags of a CloudFront ARN as a map (new ref), NULL on failure. */
static json_t *cf_tags(stk_provider_instance *p, const char *arn, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "Resource", arn), *res = NULL;
    int rc = stk_aws_call(p->client, "cloudfront", "ListTagsForResource", params, &res, d);
    json_decref(params);
    if (rc != 0) return NULL;
    json_t *m = stk_aws_tags_from_list(items(json_object_get(res, "Tags")));
    json_decref(res);
    return m;
}

static int cf_update_tags(stk_provider_instance *p, const char *arn, json_t *old_map, json_t *new_map, stk_diags *d)
{
    json_t *removed = NULL, *changed = NULL;
    stk_aws_tags_diff(old_map, new_map, &removed, &changed);
    int rc = 0;
    if (json_object_size(removed)) {
        json_t *keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(removed, k, v) json_array_append_new(keys, json_string(k));
        json_t *params = json_pack("{s:s,s:{s:o}}", "Resource", arn, "TagKeys", "Items", keys), *res = NULL;
        rc = stk_aws_call(p->client, "cloudfront", "UntagResource", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0 && json_object_size(changed)) {
        json_t *params = json_pack("{s:s,s:{s:o}}", "Resource", arn, "Tags", "Items", stk_aws_tags_to_list(changed)),
               *res = NULL;
        rc = stk_aws_call(p->client, "cloudfront", "TagResource", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(removed);
    json_decref(changed);
    return rc;
}

/* A CallerReference: the create's idempotency token, else a fresh one. */
static char *caller_ref(void)
{
    const char *tok = stk_aws_idempotency_token();
    if (tok) return stk_xstrdup(tok);
    static const char hex[] = "0123456789abcdef";
    char buf[33];
    for (int i = 0; i < 32; i++) buf[i] = hex[rand() % 16];
    buf[32] = 0;
    return stk_xasprintf("stk-%s", buf);
}

/* Get by id; 0 found (*res set), 1 gone, -1 failure. */
static int cf_get(stk_provider_instance *p, const char *op, const char *id, json_t **res, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "Id", id);
    int rc = stk_aws_call_nf(p, "cloudfront", op, params, res, d);
    json_decref(params);
    return rc;
}

/* Crash recovery (provider.h's recover): the object a create made before a
   crash, found by what the journal recorded: its id (updates, deletes), or
   the CallerReference = the journal token (list_op's items, each read with
   get_op until one's `ref_path` config holds the token), or its name
   (name_key, for OACs: names are unique per account).  *id_out malloc'd or
   NULL when nothing matches; returns 0, or -1 on a failed call. */
static int cf_recover_id(stk_provider_instance *p, const char *info_json, const char *list_op, const char *list_key,
                         const char *get_op, const char *obj_key, const char *cfg_key, const char *name_key,
                         char **id_out, stk_diags *d)
{
    *id_out = NULL;
    json_t *info = json_loads(info_json, 0, NULL);
    const char *id = stk_aws_jstr(info, "id"), *token = stk_aws_jstr(info, "token"), *name = stk_aws_jstr(info, "name");
    stk_recover_note_found_by(id ? "its id" : name_key ? "its name" : "its CallerReference (the create's idempotency token)");
    if (id) {
        *id_out = stk_xstrdup(id);
        json_decref(info);
        return 0;
    }
    if (!(name_key ? name : token)) {
        json_decref(info);
        return 0;
    }
    json_t *params = json_object(), *res = NULL;
    int rc = stk_aws_paginate(p->client, "cloudfront", list_op, params, &res, d);
    json_decref(params);
    if (rc != 0) {
        json_decref(info);
        return -1;
    }
    json_t *e;
    size_t i;
    json_array_foreach(items(json_object_get(res, list_key)), i, e) {
        const char *eid = stk_aws_jstr(e, "Id");
        if (!eid) continue;
        if (name_key) {
            const char *n = stk_aws_jstr(e, name_key);
            if (n && !strcmp(n, name)) {
                *id_out = stk_xstrdup(eid);
                break;
            }
            continue;
        }
        json_t *one = NULL;
        int grc = cf_get(p, get_op, eid, &one, d);
        if (grc < 0) {
            rc = -1;
            break;
        }
        json_t *cfg = json_object_get(obj_key ? json_object_get(one, obj_key) : one, cfg_key);
        const char *ref = stk_aws_jstr(cfg, "CallerReference");
        if (grc == 0 && ref && !strcmp(ref, token)) *id_out = stk_xstrdup(eid);
        json_decref(one);
        if (*id_out) break;
    }
    json_decref(res);
    json_decref(info);
    return rc;
}

/* ===================================== aws_cloudfront_origin_access_identity */

static const stk_schema_attr oai_attrs[] = {
    {"caller_reference", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cloudfront_access_identity_path", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"comment", "string", STK_ATTR_OPTIONAL, "\"\"", NULL, NULL},
    {"etag", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"iam_arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"s3_canonical_user_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema oai_schema = {oai_attrs, STK_AWS_NATTRS(oai_attrs), NULL, 0};

static int oai_state(stk_provider_instance *p, const stk_resource_type *t, json_t *res, stk_value *base,
                     stk_value **out, stk_diags *d)
{
    json_t *o = json_object_get(res, "CloudFrontOriginAccessIdentity");
    json_t *cfg = json_object_get(o, "CloudFrontOriginAccessIdentityConfig");
    const char *id = stk_aws_jstr(o, "Id");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "etag", stk_aws_jstr(res, "ETag"));
    stk_aws_jset_str(st, "caller_reference", stk_aws_jstr(cfg, "CallerReference"));
    stk_aws_jset_str(st, "comment", str_or(stk_aws_jstr(cfg, "Comment"), ""));
    stk_aws_jset_str(st, "s3_canonical_user_id", stk_aws_jstr(o, "S3CanonicalUserId"));
    json_object_set_new(st, "cloudfront_access_identity_path", json_sprintf("origin-access-identity/cloudfront/%s", id));
    json_object_set_new(st, "iam_arn",
                        json_sprintf("arn:%s:iam::cloudfront:user/CloudFront Origin Access Identity %s", p->partition, id));
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int oai_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                       stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *res = NULL;
    int rc = cf_get(p, "GetCloudFrontOriginAccessIdentity", id, &res, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    rc = oai_state(p, t, res, base, out, d);
    json_decref(res);
    return rc;
}

static int oai_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    char *ref = caller_ref();
    json_t *params = json_pack("{s:{s:s,s:s}}", "CloudFrontOriginAccessIdentityConfig", "CallerReference", ref,
                               "Comment", str_or(stk_aws_get_str(planned, "comment"), "")),
           *res = NULL;
    free(ref);
    int rc = stk_aws_call(p->client, "cloudfront", "CreateCloudFrontOriginAccessIdentity", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    rc = oai_state(p, t, res, planned, new_state, d);
    json_decref(res);
    return rc;
}

static int oai_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    return id ? oai_read_id(p, t, id, prior, new_state, d) : 0;
}

static int oai_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *cur = NULL;
    int rc = cf_get(p, "GetCloudFrontOriginAccessIdentity", id, &cur, d);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "CloudFront origin access identity not found", "%s", id);
        return -1;
    }
    json_t *cfg = json_object_get(json_object_get(cur, "CloudFrontOriginAccessIdentity"),
                                  "CloudFrontOriginAccessIdentityConfig");
    json_t *params = json_pack("{s:s,s:s,s:{s:s,s:s}}", "Id", id, "IfMatch", str_or(stk_aws_jstr(cur, "ETag"), ""),
                               "CloudFrontOriginAccessIdentityConfig", "CallerReference",
                               str_or(stk_aws_jstr(cfg, "CallerReference"), ""), "Comment",
                               str_or(stk_aws_get_str(planned, "comment"), "")),
           *res = NULL;
    json_decref(cur);
    rc = stk_aws_call(p->client, "cloudfront", "UpdateCloudFrontOriginAccessIdentity", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    rc = oai_state(p, t, res, planned, new_state, d);
    json_decref(res);
    return rc;
}

static int oai_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *cur = NULL;
    int rc = cf_get(p, "GetCloudFrontOriginAccessIdentity", id, &cur, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *params = json_pack("{s:s,s:s}", "Id", id, "IfMatch", str_or(stk_aws_jstr(cur, "ETag"), "")), *res = NULL;
    json_decref(cur);
    rc = stk_aws_call_nf(p, "cloudfront", "DeleteCloudFrontOriginAccessIdentity", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int cf_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

static int oai_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    char *id = NULL;
    if (cf_recover_id(p, info_json, "ListCloudFrontOriginAccessIdentities", "CloudFrontOriginAccessIdentityList",
                      "GetCloudFrontOriginAccessIdentity", "CloudFrontOriginAccessIdentity",
                      "CloudFrontOriginAccessIdentityConfig", NULL, &id, d) != 0)
        return -1;
    int rc = id ? oai_read_id(p, t, id, NULL, state, d) : 0;
    free(id);
    return rc;
}

const stk_resource_type stk_aws_cloudfront_origin_access_identity_type = {
    "aws_cloudfront_origin_access_identity", "aws", STK_RESOURCE_MANAGED, &oai_schema, oai_create, oai_read,
    oai_update, oai_delete, cf_import, NULL, stk_aws_journal_info_default, oai_recover,
};

/* ====================================== aws_cloudfront_origin_access_control */

static const stk_schema_attr oac_attrs[] = {
    {"description", "string", STK_ATTR_OPTIONAL, "\"Managed by Terraform\"", NULL, NULL},
    {"etag", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"origin_access_control_origin_type", "string", STK_ATTR_REQUIRED, NULL,
     "s3, mediastore, lambda or mediapackagev2", NULL},
    {"signing_behavior", "string", STK_ATTR_REQUIRED, NULL, "always, never or no-override", NULL},
    {"signing_protocol", "string", STK_ATTR_REQUIRED, NULL, "sigv4", NULL},
};
static const stk_schema oac_schema = {oac_attrs, STK_AWS_NATTRS(oac_attrs), NULL, 0};

static json_t *oac_config(stk_value *pl)
{
    json_t *c = json_object();
    stk_aws_jset_str(c, "Name", stk_aws_get_str(pl, "name"));
    stk_aws_jset_str(c, "Description", str_or(stk_aws_get_str(pl, "description"), ""));
    stk_aws_jset_str(c, "OriginAccessControlOriginType", stk_aws_get_str(pl, "origin_access_control_origin_type"));
    stk_aws_jset_str(c, "SigningBehavior", stk_aws_get_str(pl, "signing_behavior"));
    stk_aws_jset_str(c, "SigningProtocol", stk_aws_get_str(pl, "signing_protocol"));
    return c;
}

static int oac_state(const stk_resource_type *t, json_t *res, stk_value *base, stk_value **out, stk_diags *d)
{
    json_t *o = json_object_get(res, "OriginAccessControl");
    json_t *c = json_object_get(o, "OriginAccessControlConfig");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(o, "Id"));
    stk_aws_jset_str(st, "etag", stk_aws_jstr(res, "ETag"));
    stk_aws_jset_str(st, "name", stk_aws_jstr(c, "Name"));
    stk_aws_jset_str(st, "description", str_or(stk_aws_jstr(c, "Description"), ""));
    stk_aws_jset_str(st, "origin_access_control_origin_type", stk_aws_jstr(c, "OriginAccessControlOriginType"));
    stk_aws_jset_str(st, "signing_behavior", stk_aws_jstr(c, "SigningBehavior"));
    stk_aws_jset_str(st, "signing_protocol", stk_aws_jstr(c, "SigningProtocol"));
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int oac_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    json_t *params = json_pack("{s:o}", "OriginAccessControlConfig", oac_config(planned)), *res = NULL;
    int rc = stk_aws_call(p->client, "cloudfront", "CreateOriginAccessControl", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    rc = oac_state(t, res, planned, new_state, d);
    json_decref(res);
    return rc;
}

static int oac_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    if (!id) return 0;
    json_t *res = NULL;
    int rc = cf_get(p, "GetOriginAccessControl", id, &res, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    rc = oac_state(t, res, prior, new_state, d);
    json_decref(res);
    return rc;
}

static int oac_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *cur = NULL;
    int rc = cf_get(p, "GetOriginAccessControl", id, &cur, d);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "CloudFront origin access control not found", "%s", id);
        return -1;
    }
    json_t *params = json_pack("{s:s,s:s,s:o}", "Id", id, "IfMatch", str_or(stk_aws_jstr(cur, "ETag"), ""),
                               "OriginAccessControlConfig", oac_config(planned)),
           *res = NULL;
    json_decref(cur);
    rc = stk_aws_call(p->client, "cloudfront", "UpdateOriginAccessControl", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    rc = oac_state(t, res, planned, new_state, d);
    json_decref(res);
    return rc;
}

static int oac_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *cur = NULL;
    int rc = cf_get(p, "GetOriginAccessControl", id, &cur, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *params = json_pack("{s:s,s:s}", "Id", id, "IfMatch", str_or(stk_aws_jstr(cur, "ETag"), "")), *res = NULL;
    json_decref(cur);
    /* a distribution that used it may still be deploying its change */
    static const char *const retry[] = {"OriginAccessControlInUse", NULL};
    rc = stk_aws_call_retry(p, "cloudfront", "DeleteOriginAccessControl", params, &res, retry,
                            stk_aws_timeout('d', 300), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* OACs take no idempotency token: their name (unique per account) finds
   a create lost in a crash */
static char *oac_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    json_t *o = json_pack("{s:s,s:s?}", "token", token ? token : "", "name", stk_aws_get_str(planned, "name"));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static int oac_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    char *id = NULL;
    if (cf_recover_id(p, info_json, "ListOriginAccessControls", "OriginAccessControlList", NULL, NULL, NULL, "Name",
                      &id, d) != 0)
        return -1;
    int rc = 0;
    if (id) {
        json_t *st = json_pack("{s:s}", "id", id);
        stk_value *base = stk_aws_state_build(t, st, d);
        rc = base ? oac_read(p, t, base, state, d) : -1;
        stk_value_unref(base);
    }
    free(id);
    return rc;
}

const stk_resource_type stk_aws_cloudfront_origin_access_control_type = {
    "aws_cloudfront_origin_access_control", "aws", STK_RESOURCE_MANAGED, &oac_schema, oac_create, oac_read,
    oac_update, oac_delete, cf_import, NULL, oac_journal_info, oac_recover,
};

/* ============================================== aws_cloudfront_distribution */

/* cache behaviour (default and ordered share it; ordered adds path_pattern) */
static const stk_schema_attr cookies_attrs[] = {
    {"forward", "string", STK_ATTR_REQUIRED, NULL, "all, none or whitelist", NULL},
    {"whitelisted_names", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema cookies_schema = {cookies_attrs, 2, NULL, 0};
static const stk_schema_block fv_blocks[] = {
    {"cookies", STK_NESTING_LIST, 1, 1, &cookies_schema, 0},
};
static const stk_schema_attr fv_attrs[] = {
    {"headers", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"query_string", "bool", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"query_string_cache_keys", "list(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema fv_schema = {fv_attrs, 3, fv_blocks, 1};
static const stk_schema_attr fa_attrs[] = {
    {"event_type", "string", STK_ATTR_REQUIRED, NULL, "viewer-request or viewer-response", NULL},
    {"function_arn", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema fa_schema = {fa_attrs, 2, NULL, 0};
static const stk_schema_attr lfa_attrs[] = {
    {"event_type", "string", STK_ATTR_REQUIRED, NULL, "viewer-request, origin-request, viewer-response or origin-response", NULL},
    {"include_body", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"lambda_arn", "string", STK_ATTR_REQUIRED, NULL, "a published version's ARN", NULL},
};
static const stk_schema lfa_schema = {lfa_attrs, 3, NULL, 0};
static const stk_schema_block cb_blocks[] = {
    {"forwarded_values", STK_NESTING_LIST, 0, 1, &fv_schema, 0},
    {"function_association", STK_NESTING_SET, 0, 2, &fa_schema, 0},
    {"lambda_function_association", STK_NESTING_SET, 0, 4, &lfa_schema, 0},
};
#define CB_ATTRS                                                                                                   \
    {"allowed_methods", "set(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},                                   \
    {"cache_policy_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},                                        \
    {"cached_methods", "set(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},                                    \
    {"compress", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},                                              \
    {"default_ttl", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},                        \
    {"field_level_encryption_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},                              \
    {"max_ttl", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},                            \
    {"min_ttl", "number", STK_ATTR_OPTIONAL, "0", NULL, NULL},                                                 \
    {"origin_request_policy_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},                               \
    {"realtime_log_config_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},                                \
    {"response_headers_policy_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},                             \
    {"smooth_streaming", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},                                         \
    {"target_origin_id", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},                                       \
    {"trusted_key_groups", "list(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, "key group ids", NULL},  \
    {"trusted_signers", "list(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, "AWS account ids or self", NULL}, \
    {"viewer_protocol_policy", "string", STK_ATTR_REQUIRED, NULL, "allow-all, https-only or redirect-to-https", NULL}
static const stk_schema_attr dcb_attrs[] = {CB_ATTRS};
static const stk_schema dcb_schema = {dcb_attrs, STK_AWS_NATTRS(dcb_attrs), cb_blocks, 3};
static const stk_schema_attr ocb_attrs[] = {
    CB_ATTRS,
    {"path_pattern", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema ocb_schema = {ocb_attrs, STK_AWS_NATTRS(ocb_attrs), cb_blocks, 3};

/* origins */
static const stk_schema_attr hdr_attrs[] = {
    {"name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"value", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema hdr_schema = {hdr_attrs, 2, NULL, 0};
static const stk_schema_attr coc_attrs[] = {
    {"http_port", "number", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"https_port", "number", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"origin_keepalive_timeout", "number", STK_ATTR_OPTIONAL, "5", NULL, NULL},
    {"origin_protocol_policy", "string", STK_ATTR_REQUIRED, NULL, "http-only, https-only or match-viewer", NULL},
    {"origin_read_timeout", "number", STK_ATTR_OPTIONAL, "30", NULL, NULL},
    {"origin_ssl_protocols", "set(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema coc_schema = {coc_attrs, STK_AWS_NATTRS(coc_attrs), NULL, 0};
static const stk_schema_attr s3oc_attrs[] = {
    {"origin_access_identity", "string", STK_ATTR_REQUIRED, NULL, "origin-access-identity/cloudfront/<id>", NULL},
};
static const stk_schema s3oc_schema = {s3oc_attrs, 1, NULL, 0};
static const stk_schema_attr shield_attrs[] = {
    {"enabled", "bool", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"origin_shield_region", "string", STK_ATTR_OPTIONAL, NULL, "required when enabled", NULL},
};
static const stk_schema shield_schema = {shield_attrs, 2, NULL, 0};
static const stk_schema_block origin_blocks[] = {
    {"custom_header", STK_NESTING_SET, 0, 0, &hdr_schema, 0},
    {"custom_origin_config", STK_NESTING_LIST, 0, 1, &coc_schema, 0},
    {"origin_shield", STK_NESTING_LIST, 0, 1, &shield_schema, 0},
    {"s3_origin_config", STK_NESTING_LIST, 0, 1, &s3oc_schema, 0},
};
static const stk_schema_attr origin_attrs[] = {
    {"connection_attempts", "number", STK_ATTR_OPTIONAL, "3", NULL, NULL},
    {"connection_timeout", "number", STK_ATTR_OPTIONAL, "10", NULL, NULL},
    {"domain_name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"origin_access_control_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"origin_id", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"origin_path", "string", STK_ATTR_OPTIONAL, "\"\"", NULL, NULL},
};
static const stk_schema origin_schema = {origin_attrs, STK_AWS_NATTRS(origin_attrs), origin_blocks, 4};

/* origin groups (failover) */
static const stk_schema_attr ogfc_attrs[] = {
    {"status_codes", "set(number)", STK_ATTR_REQUIRED, NULL, "HTTP status codes that fail over", NULL},
};
static const stk_schema ogfc_schema = {ogfc_attrs, 1, NULL, 0};
static const stk_schema_attr ogm_attrs[] = {
    {"origin_id", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema ogm_schema = {ogm_attrs, 1, NULL, 0};
static const stk_schema_block og_blocks[] = {
    {"failover_criteria", STK_NESTING_LIST, 1, 1, &ogfc_schema, 0},
    {"member", STK_NESTING_LIST, 2, 2, &ogm_schema, 0},
};
static const stk_schema_attr og_attrs[] = {
    {"origin_id", "string", STK_ATTR_REQUIRED, NULL, "the group's id, used as a target_origin_id", NULL},
};
static const stk_schema og_schema = {og_attrs, 1, og_blocks, 2};

static const stk_schema_attr log_attrs[] = {
    {"bucket", "string", STK_ATTR_REQUIRED, NULL, "the bucket's domain name (BUCKET.s3.amazonaws.com)", NULL},
    {"include_cookies", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"prefix", "string", STK_ATTR_OPTIONAL, "\"\"", NULL, NULL},
};
static const stk_schema log_schema = {log_attrs, 3, NULL, 0};

/* custom_error_response, restrictions, viewer_certificate */
static const stk_schema_attr cer_attrs[] = {
    {"error_caching_min_ttl", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"error_code", "number", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"response_code", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"response_page_path", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema cer_schema = {cer_attrs, 4, NULL, 0};
static const stk_schema_attr geo_attrs[] = {
    {"locations", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"restriction_type", "string", STK_ATTR_REQUIRED, NULL, "none, whitelist or blacklist", NULL},
};
static const stk_schema geo_schema = {geo_attrs, 2, NULL, 0};
static const stk_schema_block restr_blocks[] = {
    {"geo_restriction", STK_NESTING_LIST, 1, 1, &geo_schema, 0},
};
static const stk_schema restr_schema = {NULL, 0, restr_blocks, 1};
static const stk_schema_attr vc_attrs[] = {
    {"acm_certificate_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"cloudfront_default_certificate", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"iam_certificate_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"minimum_protocol_version", "string", STK_ATTR_OPTIONAL, "\"TLSv1\"", NULL, NULL},
    {"ssl_support_method", "string", STK_ATTR_OPTIONAL, NULL, "sni-only, vip or static-ip", NULL},
};
static const stk_schema vc_schema = {vc_attrs, STK_AWS_NATTRS(vc_attrs), NULL, 0};

static const stk_schema_block dist_blocks[] = {
    {"custom_error_response", STK_NESTING_SET, 0, 0, &cer_schema, 0},
    {"default_cache_behavior", STK_NESTING_LIST, 1, 1, &dcb_schema, 0},
    {"logging_config", STK_NESTING_LIST, 0, 1, &log_schema, 0},
    {"ordered_cache_behavior", STK_NESTING_LIST, 0, 0, &ocb_schema, 0},
    {"origin", STK_NESTING_SET, 1, 0, &origin_schema, 0},
    {"origin_group", STK_NESTING_SET, 0, 0, &og_schema, 0},
    {"restrictions", STK_NESTING_LIST, 1, 1, &restr_schema, 0},
    {"viewer_certificate", STK_NESTING_LIST, 1, 1, &vc_schema, 0},
};
static const stk_schema_attr dist_attrs[] = {
    {"aliases", "set(string)", STK_ATTR_OPTIONAL, NULL, "alternate domain names (CNAMEs)", NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"caller_reference", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"comment", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"continuous_deployment_policy_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"default_root_object", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"domain_name", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enabled", "bool", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"etag", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"hosted_zone_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"http_version", "string", STK_ATTR_OPTIONAL, "\"http2\"", "http1.1, http2, http2and3 or http3", NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"in_progress_validation_batches", "number", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"is_ipv6_enabled", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"last_modified_time", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"price_class", "string", STK_ATTR_OPTIONAL, "\"PriceClass_All\"", NULL, NULL},
    {"retain_on_delete", "bool", STK_ATTR_OPTIONAL, "false", "disable instead of delete on destroy", NULL},
    {"staging", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "false", NULL, NULL},
    {"status", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"trusted_key_groups", "list(object({enabled=bool,items=list(object({key_group_id=string,key_pair_ids=set(string)}))}))",
     STK_ATTR_COMPUTED, NULL, "the key groups CloudFront uses for signed URLs", NULL},
    {"trusted_signers", "list(object({enabled=bool,items=list(object({aws_account_number=string,key_pair_ids=set(string)}))}))",
     STK_ATTR_COMPUTED, NULL, "the signers CloudFront uses for signed URLs", NULL},
    {"wait_for_deployment", "bool", STK_ATTR_OPTIONAL, "true", "wait until the distribution is Deployed", NULL},
    {"web_acl_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema dist_schema = {dist_attrs, STK_AWS_NATTRS(dist_attrs), dist_blocks, 8};

/* ---- expand: configuration -> DistributionConfig ---- */

static void set_str(json_t *o, const char *api, stk_value *v, const char *attr)
{
    const char *s = stk_aws_get_str(v, attr);
    if (s && *s) json_object_set_new(o, api, json_string(s));
}

static json_t *cb_expand(stk_value *cb, int ordered)
{
    json_t *o = json_object();
    if (ordered) set_str(o, "PathPattern", cb, "path_pattern");
    set_str(o, "TargetOriginId", cb, "target_origin_id");
    set_str(o, "ViewerProtocolPolicy", cb, "viewer_protocol_policy");
    json_t *am = qi(stk_aws_get_strings(cb, "allowed_methods"));
    json_object_set_new(am, "CachedMethods", qi(stk_aws_get_strings(cb, "cached_methods")));
    json_object_set_new(o, "AllowedMethods", am);
    json_object_set_new(o, "Compress", json_boolean(stk_aws_get_bool(cb, "compress", 0)));
    set_str(o, "CachePolicyId", cb, "cache_policy_id");
    set_str(o, "OriginRequestPolicyId", cb, "origin_request_policy_id");
    set_str(o, "ResponseHeadersPolicyId", cb, "response_headers_policy_id");
    set_str(o, "RealtimeLogConfigArn", cb, "realtime_log_config_arn");
    set_str(o, "FieldLevelEncryptionId", cb, "field_level_encryption_id");
    json_object_set_new(o, "SmoothStreaming", json_boolean(stk_aws_get_bool(cb, "smooth_streaming", 0)));
    json_t *l = json_array();
    for (size_t i = 0; i < stk_aws_get_count(cb, "function_association"); i++) {
        stk_value *a = stk_aws_get_elem(cb, "function_association", i);
        json_array_append_new(l, json_pack("{s:s?,s:s?}", "EventType", stk_aws_get_str(a, "event_type"), "FunctionARN",
                                           stk_aws_get_str(a, "function_arn")));
    }
    json_object_set_new(o, "FunctionAssociations", qi(l));
    l = json_array();
    for (size_t i = 0; i < stk_aws_get_count(cb, "lambda_function_association"); i++) {
        stk_value *a = stk_aws_get_elem(cb, "lambda_function_association", i);
        json_array_append_new(l, json_pack("{s:s?,s:s?,s:b}", "EventType", stk_aws_get_str(a, "event_type"),
                                           "LambdaFunctionARN", stk_aws_get_str(a, "lambda_arn"), "IncludeBody",
                                           stk_aws_get_bool(a, "include_body", 0)));
    }
    json_object_set_new(o, "LambdaFunctionAssociations", qi(l));
    /* signed URLs: Enabled when the list has items, as the provider sends it */
    static const char *const trusted[][2] = {{"trusted_key_groups", "TrustedKeyGroups"}, {"trusted_signers", "TrustedSigners"}};
    for (size_t k = 0; k < 2; k++) {
        json_t *ids = stk_aws_get_strings(cb, trusted[k][0]);
        int on = json_array_size(ids) > 0;
        json_t *t = qi(ids);
        json_object_set_new(t, "Enabled", json_boolean(on));
        json_object_set_new(o, trusted[k][1], t);
    }
    stk_value *fv = stk_aws_get_elem(cb, "forwarded_values", 0);
    int policy = stk_aws_get_str(cb, "cache_policy_id") != NULL;
    if (fv) {
        stk_value *ck = stk_aws_get_elem(fv, "cookies", 0);
        json_t *cookies = json_pack("{s:s}", "Forward", str_or(stk_aws_get_str(ck, "forward"), "none"));
        if (stk_aws_get_count(ck, "whitelisted_names"))
            json_object_set_new(cookies, "WhitelistedNames", qi(stk_aws_get_strings(ck, "whitelisted_names")));
        json_object_set_new(o, "ForwardedValues",
                            json_pack("{s:b,s:o,s:o,s:o}", "QueryString", stk_aws_get_bool(fv, "query_string", 0),
                                      "Cookies", cookies, "Headers", qi(stk_aws_get_strings(fv, "headers")),
                                      "QueryStringCacheKeys", qi(stk_aws_get_strings(fv, "query_string_cache_keys"))));
    }
    /* TTLs belong to forwarded_values configurations (a cache policy
       carries its own); the provider sends min_ttl 0 and AWS's defaults */
    if (!policy) {
        json_object_set_new(o, "MinTTL", json_integer(stk_aws_get_int(cb, "min_ttl", 0)));
        json_object_set_new(o, "DefaultTTL", json_integer(stk_aws_get_int(cb, "default_ttl", 86400)));
        json_object_set_new(o, "MaxTTL", json_integer(stk_aws_get_int(cb, "max_ttl", 31536000)));
    }
    return o;
}

static json_t *origin_expand(stk_value *o)
{
    json_t *a = json_object();
    set_str(a, "Id", o, "origin_id");
    set_str(a, "DomainName", o, "domain_name");
    json_object_set_new(a, "OriginPath", json_string(str_or(stk_aws_get_str(o, "origin_path"), "")));
    json_object_set_new(a, "ConnectionAttempts", json_integer(stk_aws_get_int(o, "connection_attempts", 3)));
    json_object_set_new(a, "ConnectionTimeout", json_integer(stk_aws_get_int(o, "connection_timeout", 10)));
    set_str(a, "OriginAccessControlId", o, "origin_access_control_id");
    json_t *hdrs = json_array();
    for (size_t i = 0; i < stk_aws_get_count(o, "custom_header"); i++) {
        stk_value *h = stk_aws_get_elem(o, "custom_header", i);
        json_array_append_new(hdrs, json_pack("{s:s?,s:s?}", "HeaderName", stk_aws_get_str(h, "name"), "HeaderValue",
                                              stk_aws_get_str(h, "value")));
    }
    json_object_set_new(a, "CustomHeaders", qi(hdrs));
    stk_value *sh = stk_aws_get_elem(o, "origin_shield", 0);
    if (sh) {
        json_t *osh = json_pack("{s:b}", "Enabled", stk_aws_get_bool(sh, "enabled", 0));
        set_str(osh, "OriginShieldRegion", sh, "origin_shield_region");
        json_object_set_new(a, "OriginShield", osh);
    }
    stk_value *s3 = stk_aws_get_elem(o, "s3_origin_config", 0);
    stk_value *co = stk_aws_get_elem(o, "custom_origin_config", 0);
    if (s3) {
        json_object_set_new(a, "S3OriginConfig", json_pack("{s:s}", "OriginAccessIdentity",
                                                           str_or(stk_aws_get_str(s3, "origin_access_identity"), "")));
    } else if (co) {
        json_object_set_new(
            a, "CustomOriginConfig",
            json_pack("{s:I,s:I,s:s?,s:I,s:I,s:o}", "HTTPPort", (json_int_t)stk_aws_get_int(co, "http_port", 80),
                      "HTTPSPort", (json_int_t)stk_aws_get_int(co, "https_port", 443), "OriginProtocolPolicy",
                      stk_aws_get_str(co, "origin_protocol_policy"), "OriginKeepaliveTimeout",
                      (json_int_t)stk_aws_get_int(co, "origin_keepalive_timeout", 5), "OriginReadTimeout",
                      (json_int_t)stk_aws_get_int(co, "origin_read_timeout", 30), "OriginSslProtocols",
                      qi(stk_aws_get_strings(co, "origin_ssl_protocols"))));
    } else {
        /* an S3 origin through an OAC (or a public bucket): S3OriginConfig
           with an empty identity, as the provider sends it */
        json_object_set_new(a, "S3OriginConfig", json_pack("{s:s}", "OriginAccessIdentity", ""));
    }
    return a;
}

static json_t *dist_expand(stk_value *pl, const char *caller_reference)
{
    json_t *c = json_object();
    json_object_set_new(c, "CallerReference", json_string(caller_reference));
    json_object_set_new(c, "Comment", json_string(str_or(stk_aws_get_str(pl, "comment"), "")));
    json_object_set_new(c, "Enabled", json_boolean(stk_aws_get_bool(pl, "enabled", 1)));
    json_object_set_new(c, "IsIPV6Enabled", json_boolean(stk_aws_get_bool(pl, "is_ipv6_enabled", 0)));
    json_object_set_new(c, "DefaultRootObject", json_string(str_or(stk_aws_get_str(pl, "default_root_object"), "")));
    json_object_set_new(c, "PriceClass", json_string(str_or(stk_aws_get_str(pl, "price_class"), "PriceClass_All")));
    json_object_set_new(c, "HttpVersion", json_string(str_or(stk_aws_get_str(pl, "http_version"), "http2")));
    json_object_set_new(c, "WebACLId", json_string(str_or(stk_aws_get_str(pl, "web_acl_id"), "")));
    json_object_set_new(c, "Staging", json_boolean(stk_aws_get_bool(pl, "staging", 0)));
    json_object_set_new(c, "Aliases", qi(stk_aws_get_strings(pl, "aliases")));
    json_t *origins = json_array();
    for (size_t i = 0; i < stk_aws_get_count(pl, "origin"); i++)
        json_array_append_new(origins, origin_expand(stk_aws_get_elem(pl, "origin", i)));
    json_object_set_new(c, "Origins", qi(origins));
    json_t *groups = json_array();
    for (size_t i = 0; i < stk_aws_get_count(pl, "origin_group"); i++) {
        stk_value *g = stk_aws_get_elem(pl, "origin_group", i);
        json_t *codes = json_array(), *members = json_array();
        stk_value *fc = stk_aws_get_elem(g, "failover_criteria", 0);
        stk_value *sc = stk_aws_get(fc, "status_codes");
        for (size_t k = 0; sc && k < stk_value_len(sc); k++) {
            json_t *n = stk_value_to_json(stk_value_elem(sc, k));
            if (n) json_array_append_new(codes, n);
        }
        for (size_t k = 0; k < stk_aws_get_count(g, "member"); k++)
            json_array_append_new(members, json_pack("{s:s?}", "OriginId",
                                                     stk_aws_get_str(stk_aws_get_elem(g, "member", k), "origin_id")));
        json_array_append_new(groups, json_pack("{s:s?,s:{s:o},s:o}", "Id", stk_aws_get_str(g, "origin_id"),
                                                "FailoverCriteria", "StatusCodes", qi(codes), "Members", qi(members)));
    }
    json_object_set_new(c, "OriginGroups", qi(groups));
    stk_value *lg = stk_aws_get_elem(pl, "logging_config", 0);
    json_object_set_new(c, "Logging", json_pack("{s:b,s:b,s:s,s:s}", "Enabled", lg != NULL, "IncludeCookies",
                                                stk_aws_get_bool(lg, "include_cookies", 0), "Bucket",
                                                str_or(stk_aws_get_str(lg, "bucket"), ""), "Prefix",
                                                str_or(stk_aws_get_str(lg, "prefix"), "")));
    /* always sent ("" when unset), so removing it from the configuration
       detaches the policy instead of keeping AWS's value */
    json_object_set_new(c, "ContinuousDeploymentPolicyId",
                        json_string(str_or(stk_aws_get_str(pl, "continuous_deployment_policy_id"), "")));
    json_object_set_new(c, "DefaultCacheBehavior", cb_expand(stk_aws_get_elem(pl, "default_cache_behavior", 0), 0));
    json_t *cbs = json_array();
    for (size_t i = 0; i < stk_aws_get_count(pl, "ordered_cache_behavior"); i++)
        json_array_append_new(cbs, cb_expand(stk_aws_get_elem(pl, "ordered_cache_behavior", i), 1));
    json_object_set_new(c, "CacheBehaviors", qi(cbs));
    json_t *cers = json_array();
    for (size_t i = 0; i < stk_aws_get_count(pl, "custom_error_response"); i++) {
        stk_value *e = stk_aws_get_elem(pl, "custom_error_response", i);
        json_t *a = json_pack("{s:I}", "ErrorCode", (json_int_t)stk_aws_get_int(e, "error_code", 0));
        if (stk_aws_get(e, "response_code"))
            json_object_set_new(a, "ResponseCode", json_sprintf("%lld", stk_aws_get_int(e, "response_code", 0)));
        set_str(a, "ResponsePagePath", e, "response_page_path");
        if (stk_aws_get(e, "error_caching_min_ttl"))
            json_object_set_new(a, "ErrorCachingMinTTL", json_integer(stk_aws_get_int(e, "error_caching_min_ttl", 0)));
        json_array_append_new(cers, a);
    }
    json_object_set_new(c, "CustomErrorResponses", qi(cers));
    stk_value *geo = stk_aws_get_elem(stk_aws_get_elem(pl, "restrictions", 0), "geo_restriction", 0);
    json_t *g = qi(stk_aws_get_strings(geo, "locations"));
    json_object_set_new(g, "RestrictionType", json_string(str_or(stk_aws_get_str(geo, "restriction_type"), "none")));
    json_object_set_new(c, "Restrictions", json_pack("{s:o}", "GeoRestriction", g));
    stk_value *vc = stk_aws_get_elem(pl, "viewer_certificate", 0);
    json_t *v = json_object();
    if (stk_aws_get_str(vc, "acm_certificate_arn")) {
        set_str(v, "ACMCertificateArn", vc, "acm_certificate_arn");
        set_str(v, "SSLSupportMethod", vc, "ssl_support_method");
        json_object_set_new(v, "CloudFrontDefaultCertificate", json_false());
    } else if (stk_aws_get_str(vc, "iam_certificate_id")) {
        set_str(v, "IAMCertificateId", vc, "iam_certificate_id");
        set_str(v, "SSLSupportMethod", vc, "ssl_support_method");
        json_object_set_new(v, "CloudFrontDefaultCertificate", json_false());
    } else {
        json_object_set_new(v, "CloudFrontDefaultCertificate", json_true());
    }
    json_object_set_new(v, "MinimumProtocolVersion",
                        json_string(str_or(stk_aws_get_str(vc, "minimum_protocol_version"), "TLSv1")));
    json_object_set_new(c, "ViewerCertificate", v);
    return c;
}

/* ---- flatten: DistributionConfig -> state ---- */

static json_t *jstrs_or_null(json_t *qi_obj)
{
    json_t *i = items(qi_obj);
    return json_array_size(i) ? json_deep_copy(i) : json_null();
}

static json_t *cb_flatten(json_t *a, int ordered, stk_value *cfg)
{
    json_t *o = json_object();
    if (ordered) stk_aws_jset_str(o, "path_pattern", stk_aws_jstr(a, "PathPattern"));
    stk_aws_jset_str(o, "target_origin_id", stk_aws_jstr(a, "TargetOriginId"));
    stk_aws_jset_str(o, "viewer_protocol_policy", stk_aws_jstr(a, "ViewerProtocolPolicy"));
    json_t *am = json_object_get(a, "AllowedMethods");
    json_object_set_new(o, "allowed_methods", jarr_copy(items(am)));
    json_object_set_new(o, "cached_methods", jarr_copy(items(json_object_get(am, "CachedMethods"))));
    json_object_set_new(o, "compress", json_boolean(jbool(a, "Compress")));
    const char *s;
#define OPT(attr, api) \
    s = stk_aws_jstr(a, api); \
    stk_aws_jset_str(o, attr, s && *s ? s : NULL)
    OPT("cache_policy_id", "CachePolicyId");
    OPT("origin_request_policy_id", "OriginRequestPolicyId");
    OPT("response_headers_policy_id", "ResponseHeadersPolicyId");
    OPT("realtime_log_config_arn", "RealtimeLogConfigArn");
    OPT("field_level_encryption_id", "FieldLevelEncryptionId");
#undef OPT
    /* smooth_streaming: Optional without default: null unless set or true */
    if (jbool(a, "SmoothStreaming") || stk_aws_get(cfg, "smooth_streaming"))
        json_object_set_new(o, "smooth_streaming", json_boolean(jbool(a, "SmoothStreaming")));
    else json_object_set_new(o, "smooth_streaming", json_null());
    json_t *l = json_array(), *e;
    size_t i;
    json_array_foreach(items(json_object_get(a, "FunctionAssociations")), i, e)
        json_array_append_new(l, json_pack("{s:s?,s:s?}", "event_type", stk_aws_jstr(e, "EventType"), "function_arn",
                                           stk_aws_jstr(e, "FunctionARN")));
    json_object_set_new(o, "function_association", l);
    l = json_array();
    json_array_foreach(items(json_object_get(a, "LambdaFunctionAssociations")), i, e)
        json_array_append_new(l, json_pack("{s:s?,s:s?,s:b}", "event_type", stk_aws_jstr(e, "EventType"), "lambda_arn",
                                           stk_aws_jstr(e, "LambdaFunctionARN"), "include_body", jbool(e, "IncludeBody")));
    json_object_set_new(o, "lambda_function_association", l);
    json_object_set_new(o, "trusted_key_groups", jarr_copy(items(json_object_get(a, "TrustedKeyGroups"))));
    json_object_set_new(o, "trusted_signers", jarr_copy(items(json_object_get(a, "TrustedSigners"))));
    json_object_set_new(o, "min_ttl", json_integer(jint(a, "MinTTL", 0)));
    json_object_set_new(o, "default_ttl", json_integer(jint(a, "DefaultTTL", 0)));
    json_object_set_new(o, "max_ttl", json_integer(jint(a, "MaxTTL", 0)));
    json_t *fv = json_object_get(a, "ForwardedValues");
    const char *pol = stk_aws_jstr(a, "CachePolicyId");
    if (fv && !(pol && *pol)) {
        json_t *ck = json_object_get(fv, "Cookies");
        json_t *cookies = json_pack("{s:s?,s:o}", "forward", stk_aws_jstr(ck, "Forward"), "whitelisted_names",
                                    jarr_copy(items(json_object_get(ck, "WhitelistedNames"))));
        json_object_set_new(o, "forwarded_values",
                            json_pack("[{s:b,s:[o],s:o,s:o}]", "query_string", jbool(fv, "QueryString"), "cookies",
                                      cookies, "headers", jarr_copy(items(json_object_get(fv, "Headers"))),
                                      "query_string_cache_keys",
                                      jarr_copy(items(json_object_get(fv, "QueryStringCacheKeys")))));
    } else {
        json_object_set_new(o, "forwarded_values", json_array());
    }
    return o;
}

static json_t *origin_flatten(json_t *a, stk_value *cfg)
{
    json_t *o = json_object();
    stk_aws_jset_str(o, "origin_id", stk_aws_jstr(a, "Id"));
    stk_aws_jset_str(o, "domain_name", stk_aws_jstr(a, "DomainName"));
    stk_aws_jset_str(o, "origin_path", str_or(stk_aws_jstr(a, "OriginPath"), ""));
    json_object_set_new(o, "connection_attempts", json_integer(jint(a, "ConnectionAttempts", 3)));
    json_object_set_new(o, "connection_timeout", json_integer(jint(a, "ConnectionTimeout", 10)));
    const char *oac = stk_aws_jstr(a, "OriginAccessControlId");
    stk_aws_jset_str(o, "origin_access_control_id", oac && *oac ? oac : NULL);
    json_t *hdrs = json_array(), *h;
    size_t i;
    json_array_foreach(items(json_object_get(a, "CustomHeaders")), i, h)
        json_array_append_new(hdrs, json_pack("{s:s?,s:s?}", "name", stk_aws_jstr(h, "HeaderName"), "value",
                                              stk_aws_jstr(h, "HeaderValue")));
    json_object_set_new(o, "custom_header", hdrs);
    /* origin_shield: shown when enabled or configured (moto answers
       Enabled=false for every origin) */
    json_t *sh = json_object_get(a, "OriginShield");
    int sh_cfg = 0;
    for (size_t k = 0; k < stk_aws_get_count(cfg, "origin"); k++) {
        stk_value *co = stk_aws_get_elem(cfg, "origin", k);
        const char *cid = stk_aws_get_str(co, "origin_id");
        if (cid && stk_aws_jstr(a, "Id") && !strcmp(cid, stk_aws_jstr(a, "Id")) && stk_aws_get_count(co, "origin_shield"))
            sh_cfg = 1;
    }
    const char *shr = stk_aws_jstr(sh, "OriginShieldRegion");
    json_object_set_new(o, "origin_shield", sh && (jbool(sh, "Enabled") || sh_cfg)
                                                ? json_pack("[{s:b,s:s?}]", "enabled", jbool(sh, "Enabled"),
                                                            "origin_shield_region", shr && *shr ? shr : NULL)
                                                : json_array());
    json_t *s3 = json_object_get(a, "S3OriginConfig");
    const char *oai = stk_aws_jstr(s3, "OriginAccessIdentity");
    /* an empty identity is how AWS shows "no s3_origin_config" */
    json_object_set_new(o, "s3_origin_config",
                        oai && *oai ? json_pack("[{s:s}]", "origin_access_identity", oai) : json_array());
    json_t *co = json_object_get(a, "CustomOriginConfig");
    if (co)
        json_object_set_new(
            o, "custom_origin_config",
            json_pack("[{s:I,s:I,s:s?,s:I,s:I,s:o}]", "http_port", jint(co, "HTTPPort", 80), "https_port",
                      jint(co, "HTTPSPort", 443), "origin_protocol_policy", stk_aws_jstr(co, "OriginProtocolPolicy"),
                      "origin_keepalive_timeout", jint(co, "OriginKeepaliveTimeout", 5), "origin_read_timeout",
                      jint(co, "OriginReadTimeout", 30), "origin_ssl_protocols",
                      jarr_copy(items(json_object_get(co, "OriginSslProtocols")))));
    else json_object_set_new(o, "custom_origin_config", json_array());
    return o;
}

static void dist_flatten(json_t *st, json_t *c, stk_value *cfg)
{
    stk_aws_jset_str(st, "caller_reference", stk_aws_jstr(c, "CallerReference"));
    stk_aws_jset_str(st, "comment", stk_aws_jstr(c, "Comment"));
    if (!stk_aws_jstr(c, "Comment") || (!*stk_aws_jstr(c, "Comment") && !stk_aws_get_str(cfg, "comment")))
        json_object_set_new(st, "comment", json_null());
    json_object_set_new(st, "enabled", json_boolean(jbool(c, "Enabled")));
    /* Optional bools without a default: null unless configured or true */
    json_object_set_new(st, "is_ipv6_enabled", jbool(c, "IsIPV6Enabled") || stk_aws_get(cfg, "is_ipv6_enabled")
                                                   ? json_boolean(jbool(c, "IsIPV6Enabled")) : json_null());
    const char *s = stk_aws_jstr(c, "DefaultRootObject");
    stk_aws_jset_str(st, "default_root_object", s && *s ? s : (stk_aws_get_str(cfg, "default_root_object") ? "" : NULL));
    stk_aws_jset_str(st, "price_class", stk_aws_jstr(c, "PriceClass"));
    stk_aws_jset_str(st, "http_version", stk_aws_jstr(c, "HttpVersion"));
    s = stk_aws_jstr(c, "WebACLId");
    stk_aws_jset_str(st, "web_acl_id", s && *s ? s : (stk_aws_get_str(cfg, "web_acl_id") ? "" : NULL));
    json_object_set_new(st, "staging", json_boolean(jbool(c, "Staging")));
    json_object_set_new(st, "aliases", jstrs_or_null(json_object_get(c, "Aliases")));
    if (json_is_null(json_object_get(st, "aliases")) && stk_aws_get(cfg, "aliases"))
        json_object_set_new(st, "aliases", json_array());
    json_t *origins = json_array(), *e;
    size_t i;
    json_array_foreach(items(json_object_get(c, "Origins")), i, e) json_array_append_new(origins, origin_flatten(e, cfg));
    json_object_set_new(st, "origin", origins);
    json_t *groups = json_array();
    json_array_foreach(items(json_object_get(c, "OriginGroups")), i, e) {
        json_t *members = json_array(), *m;
        size_t k;
        json_array_foreach(items(json_object_get(e, "Members")), k, m)
            json_array_append_new(members, json_pack("{s:s?}", "origin_id", stk_aws_jstr(m, "OriginId")));
        json_array_append_new(groups, json_pack("{s:s?,s:[{s:o}],s:o}", "origin_id", stk_aws_jstr(e, "Id"),
                                                "failover_criteria", "status_codes",
                                                jarr_copy(items(json_object_get(json_object_get(e, "FailoverCriteria"),
                                                                                "StatusCodes"))),
                                                "member", members));
    }
    json_object_set_new(st, "origin_group", groups);
    json_t *lg = json_object_get(c, "Logging");
    json_object_set_new(st, "logging_config",
                        jbool(lg, "Enabled") ? json_pack("[{s:s,s:b,s:s}]", "bucket", str_or(stk_aws_jstr(lg, "Bucket"), ""),
                                                         "include_cookies", jbool(lg, "IncludeCookies"), "prefix",
                                                         str_or(stk_aws_jstr(lg, "Prefix"), ""))
                                             : json_array());
    s = stk_aws_jstr(c, "ContinuousDeploymentPolicyId");
    stk_aws_jset_str(st, "continuous_deployment_policy_id",
                     s && *s ? s : (stk_aws_get_str(cfg, "continuous_deployment_policy_id") ? "" : NULL));
    json_object_set_new(st, "default_cache_behavior",
                        json_pack("[o]", cb_flatten(json_object_get(c, "DefaultCacheBehavior"), 0,
                                                    stk_aws_get_elem(cfg, "default_cache_behavior", 0))));
    json_t *cbs = json_array();
    json_array_foreach(items(json_object_get(c, "CacheBehaviors")), i, e)
        json_array_append_new(cbs, cb_flatten(e, 1, stk_aws_get_elem(cfg, "ordered_cache_behavior", i)));
    json_object_set_new(st, "ordered_cache_behavior", cbs);
    json_t *cers = json_array();
    json_array_foreach(items(json_object_get(c, "CustomErrorResponses")), i, e) {
        json_t *o = json_pack("{s:I}", "error_code", jint(e, "ErrorCode", 0));
        const char *rc = stk_aws_jstr(e, "ResponseCode");
        json_object_set_new(o, "response_code", rc && *rc ? json_integer(atoll(rc)) : json_null());
        const char *pp = stk_aws_jstr(e, "ResponsePagePath");
        stk_aws_jset_str(o, "response_page_path", pp && *pp ? pp : NULL);
        json_t *ttl = json_object_get(e, "ErrorCachingMinTTL");
        /* AWS answers its default (10) when none was set: keep null while
           the configuration (or prior state) for this error code has none */
        int cfg_has = -1;
        for (size_t k = 0; k < stk_aws_get_count(cfg, "custom_error_response"); k++) {
            stk_value *ce = stk_aws_get_elem(cfg, "custom_error_response", k);
            if (stk_aws_get_int(ce, "error_code", -1) == jint(e, "ErrorCode", 0))
                cfg_has = stk_aws_get(ce, "error_caching_min_ttl") != NULL;
        }
        json_object_set_new(o, "error_caching_min_ttl",
                            json_is_integer(ttl) && cfg_has != 0 ? json_integer(json_integer_value(ttl)) : json_null());
        json_array_append_new(cers, o);
    }
    json_object_set_new(st, "custom_error_response", cers);
    json_t *g = json_object_get(json_object_get(c, "Restrictions"), "GeoRestriction");
    json_object_set_new(st, "restrictions",
                        json_pack("[{s:[{s:o,s:s?}]}]", "geo_restriction", "locations",
                                  jarr_copy(items(g)), "restriction_type", stk_aws_jstr(g, "RestrictionType")));
    json_t *v = json_object_get(c, "ViewerCertificate");
    const char *acm = stk_aws_jstr(v, "ACMCertificateArn"), *iam = stk_aws_jstr(v, "IAMCertificateId");
    const char *ssl = stk_aws_jstr(v, "SSLSupportMethod");
    int dflt = jbool(v, "CloudFrontDefaultCertificate");
    stk_value *vcfg = stk_aws_get_elem(cfg, "viewer_certificate", 0);
    json_t *vo = json_object();
    stk_aws_jset_str(vo, "acm_certificate_arn", acm && *acm ? acm : NULL);
    stk_aws_jset_str(vo, "iam_certificate_id", iam && *iam ? iam : NULL);
    /* with the default certificate AWS answers "vip": not configuration */
    stk_aws_jset_str(vo, "ssl_support_method",
                     ssl && *ssl && (!dflt || stk_aws_get(vcfg, "ssl_support_method")) ? ssl : NULL);
    json_object_set_new(vo, "cloudfront_default_certificate",
                        dflt || stk_aws_get(vcfg, "cloudfront_default_certificate") ? json_boolean(dflt) : json_null());
    stk_aws_jset_str(vo, "minimum_protocol_version", stk_aws_jstr(v, "MinimumProtocolVersion"));
    json_object_set_new(st, "viewer_certificate", json_pack("[o]", vo));
}

/* The state from a GetDistribution-like answer {Distribution, ETag} and the
   tags AWS holds. */
static int dist_state(stk_provider_instance *p, const stk_resource_type *t, json_t *res, json_t *tags, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    json_t *dist = json_object_get(res, "Distribution");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(dist, "Id"));
    stk_aws_jset_str(st, "arn", stk_aws_jstr(dist, "ARN"));
    stk_aws_jset_str(st, "domain_name", stk_aws_jstr(dist, "DomainName"));
    stk_aws_jset_str(st, "status", stk_aws_jstr(dist, "Status"));
    stk_aws_jset_str(st, "last_modified_time", stk_aws_jstr(dist, "LastModifiedTime"));
    json_object_set_new(st, "in_progress_validation_batches", json_integer(jint(dist, "InProgressInvalidationBatches", 0)));
    stk_aws_jset_str(st, "etag", stk_aws_jstr(res, "ETag"));
    stk_aws_jset_str(st, "hosted_zone_id", CF_ZONE);
    static const char *const active[][3] = {{"trusted_key_groups", "ActiveTrustedKeyGroups", "KeyGroupId"},
                                            {"trusted_signers", "ActiveTrustedSigners", "AwsAccountNumber"}};
    for (size_t k = 0; k < 2; k++) {
        json_t *at = json_object_get(dist, active[k][1]), *l = json_array(), *e;
        size_t i;
        json_array_foreach(items(at), i, e)
            json_array_append_new(l, json_pack("{s:s?,s:o}", k ? "aws_account_number" : "key_group_id",
                                               stk_aws_jstr(e, active[k][2]), "key_pair_ids",
                                               jarr_copy(items(json_object_get(e, "KeyPairIds")))));
        json_object_set_new(st, active[k][0], json_pack("[{s:b,s:o}]", "enabled", jbool(at, "Enabled"), "items", l));
    }
    /* arguments AWS does not hold: from the configuration, else defaults */
    json_object_set_new(st, "wait_for_deployment", json_boolean(stk_aws_get_bool(base, "wait_for_deployment", 1)));
    json_object_set_new(st, "retain_on_delete", json_boolean(stk_aws_get_bool(base, "retain_on_delete", 0)));
    dist_flatten(st, json_object_get(dist, "DistributionConfig"), base);
    stk_aws_state_set_tags(st, p, tags, base);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int dist_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *res = NULL;
    int rc = cf_get(p, "GetDistribution", id, &res, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *tags = cf_tags(p, stk_aws_jstr(json_object_get(res, "Distribution"), "ARN"), d);
    if (!tags) {
        json_decref(res);
        return -1;
    }
    rc = dist_state(p, t, res, tags, base, out, d);
    json_decref(tags);
    json_decref(res);
    return rc;
}

static int dist_wait(stk_provider_instance *p, const char *id, char which, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "Id", id);
    int rc = stk_aws_wait_for(p, "cloudfront", "DistributionDeployed", params, which, which == 'd' ? 70 * 60 : 70 * 60, d);
    json_decref(params);
    return rc;
}

static int dist_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    char *ref = caller_ref();
    json_t *cfg = dist_expand(planned, ref);
    free(ref);
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *params, *res = NULL;
    const char *op;
    if (json_object_size(tags_all)) {
        op = "CreateDistributionWithTags";
        params = json_pack("{s:{s:o,s:{s:o}}}", "DistributionConfigWithTags", "DistributionConfig", cfg, "Tags",
                           "Items", stk_aws_tags_to_list(tags_all));
    } else {
        op = "CreateDistribution";
        params = json_pack("{s:o}", "DistributionConfig", cfg);
    }
    json_decref(tags_all);
    int rc = stk_aws_call(p->client, "cloudfront", op, params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "Distribution"), "Id"));
    json_decref(res);
    if (stk_aws_get_bool(planned, "wait_for_deployment", 1)) rc = dist_wait(p, id, 'c', d);
    if (rc == 0) rc = dist_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc != 0 && !*new_state) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc == 0 ? 0 : -1;
}

static int dist_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                     stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    return id ? dist_read_id(p, t, id, prior, new_state, d) : 0;
}

/* GetDistributionConfig: the current config (new ref) and ETag (malloc'd). */
static int dist_get_config(stk_provider_instance *p, const char *id, json_t **cfg, char **etag, stk_diags *d)
{
    json_t *res = NULL;
    int rc = cf_get(p, "GetDistributionConfig", id, &res, d);
    if (rc != 0) return rc;
    *cfg = json_incref(json_object_get(res, "DistributionConfig"));
    *etag = stk_xstrdup(str_or(stk_aws_jstr(res, "ETag"), ""));
    json_decref(res);
    return 0;
}

static int dist_put_config(stk_provider_instance *p, const char *id, json_t *cfg, const char *etag, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:s,s:O}", "Id", id, "IfMatch", etag, "DistributionConfig", cfg), *res = NULL;
    int rc = stk_aws_call(p->client, "cloudfront", "UpdateDistribution", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int dist_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *cur = NULL;
    char *etag = NULL;
    int rc = dist_get_config(p, id, &cur, &etag, d);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "CloudFront distribution not found", "%s", id);
        return -1;
    }
    json_t *want = dist_expand(planned, str_or(stk_aws_jstr(cur, "CallerReference"), ""));
    /* keep what stk does not manage (logging, origin groups, ...) */
    const char *key;
    json_t *v;
    json_object_foreach(cur, key, v) if (!json_object_get(want, key)) json_object_set(want, key, v);
    int changed = !json_equal(want, cur);
    rc = 0;
    if (changed) rc = dist_put_config(p, id, want, etag, d);
    json_decref(want);
    json_decref(cur);
    free(etag);
    if (rc == 0) {
        json_t *o = stk_aws_tags_get(prior, "tags_all"), *n = stk_aws_tags_all(p, planned);
        rc = cf_update_tags(p, stk_aws_get_str(prior, "arn"), o, n, d);
        json_decref(o);
        json_decref(n);
    }
    if (rc == 0 && changed && stk_aws_get_bool(planned, "wait_for_deployment", 1)) rc = dist_wait(p, id, 'u', d);
    if (rc != 0) return -1;
    rc = dist_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int dist_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *cur = NULL;
    char *etag = NULL;
    int rc = dist_get_config(p, id, &cur, &etag, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    int retain = stk_aws_get_bool(prior, "retain_on_delete", 0);
    if (jbool(cur, "Enabled")) {
        json_object_set_new(cur, "Enabled", json_false());
        rc = dist_put_config(p, id, cur, etag, d);
        if (rc == 0 && !retain) rc = dist_wait(p, id, 'd', d);
    }
    json_decref(cur);
    free(etag);
    if (rc != 0 || retain) return rc == 0 ? 0 : -1;
    /* a disabled distribution deletes once Deployed: wait, then the newest ETag */
    rc = dist_wait(p, id, 'd', d);
    if (rc != 0) return -1;
    json_t *res = NULL;
    rc = cf_get(p, "GetDistribution", id, &res, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *params = json_pack("{s:s,s:s}", "Id", id, "IfMatch", str_or(stk_aws_jstr(res, "ETag"), ""));
    json_decref(res);
    res = NULL;
    static const char *const retry[] = {"DistributionNotDisabled", NULL};
    rc = stk_aws_call_retry(p, "cloudfront", "DeleteDistribution", params, &res, retry, stk_aws_timeout('d', 600), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int dist_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                        stk_diags *d)
{
    *state = NULL;
    char *id = NULL;
    if (cf_recover_id(p, info_json, "ListDistributions", "DistributionList", "GetDistributionConfig", NULL,
                      "DistributionConfig", NULL, &id, d) != 0)
        return -1;
    int rc = id ? dist_read_id(p, t, id, NULL, state, d) : 0;
    free(id);
    return rc;
}

const stk_resource_type stk_aws_cloudfront_distribution_type = {
    "aws_cloudfront_distribution", "aws", STK_RESOURCE_MANAGED, &dist_schema, dist_create, dist_read, dist_update,
    dist_delete, cf_import, NULL, stk_aws_journal_info_default, dist_recover,
};
