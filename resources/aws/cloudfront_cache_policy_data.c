/* cloudfront_cache_policy_data.c - the data source aws_cloudfront_cache_policy:
 * a cache policy by `name` (AWS's managed policies such as
 * "Managed-CachingOptimized", then the account's own: ListCachePolicies with
 * Type=managed, then Type=custom, following Marker) or by `id`
 * (GetCachePolicy, which also gives the etag), with terraform-provider-aws's
 * attribute names.
 */
#include "aws/idobs_util.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

#define ITEMS_T "list(object({items=set(string)}))"
static const stk_schema_attr cp_attrs[] = {
    {"comment", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"default_ttl", "number", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"etag", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, "the policy's id", NULL},
    {"max_ttl", "number", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"min_ttl", "number", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, "the policy's name", NULL},
    {"parameters_in_cache_key_and_forwarded_to_origin",
     "list(object({cookies_config=list(object({cookie_behavior=string,cookies=" ITEMS_T "})),"
     "enable_accept_encoding_brotli=bool,enable_accept_encoding_gzip=bool,"
     "headers_config=list(object({header_behavior=string,headers=" ITEMS_T "})),"
     "query_strings_config=list(object({query_string_behavior=string,query_strings=" ITEMS_T "}))}))",
     STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema cp_schema = {cp_attrs, STK_AWS_NATTRS(cp_attrs), NULL, 0};

/* {"Quantity":n,"Items":[...]} -> [{items=[...]}] or [] */
static json_t *items(json_t *o)
{
    json_t *it = json_object_get(o, "Items");
    if (!json_array_size(it)) return json_array();
    return json_pack("[{s:O}]", "items", it);
}

static json_t *behaviour(json_t *cfg, const char *beh_key, const char *beh_attr, const char *list_key,
                         const char *list_attr)
{
    if (!cfg) return json_array();
    const char *b = stk_aws_jstr(cfg, beh_key);
    return json_pack("[{s:s,s:o}]", beh_attr, b ? b : "none", list_attr, items(json_object_get(cfg, list_key)));
}

static int cp_state(const stk_resource_type *t, stk_value *cfg, json_t *pol, const char *etag, stk_value **out,
                    stk_diags *d)
{
    json_t *c = json_object_get(pol, "CachePolicyConfig");
    json_t *pk = json_object_get(c, "ParametersInCacheKeyAndForwardedToOrigin");
    json_t *st = stk_aws_state_start(cfg);
    stk_aws_jset_str(st, "id", stk_aws_jstr(pol, "Id"));
    stk_aws_jset_str(st, "name", stk_aws_jstr(c, "Name"));
    stk_aws_jset_str(st, "comment", stk_aws_jstr(c, "Comment"));
    stk_aws_jset_str(st, "etag", etag);
    stk_aws_jset(st, "default_ttl", json_object_get(c, "DefaultTTL"));
    stk_aws_jset(st, "max_ttl", json_object_get(c, "MaxTTL"));
    stk_aws_jset(st, "min_ttl", json_object_get(c, "MinTTL"));
    json_t *params = json_pack(
        "[{s:b,s:b,s:o,s:o,s:o}]", "enable_accept_encoding_brotli",
        json_is_true(json_object_get(pk, "EnableAcceptEncodingBrotli")), "enable_accept_encoding_gzip",
        json_is_true(json_object_get(pk, "EnableAcceptEncodingGzip")), "cookies_config",
        behaviour(json_object_get(pk, "CookiesConfig"), "CookieBehavior", "cookie_behavior", "Cookies", "cookies"),
        "headers_config",
        behaviour(json_object_get(pk, "HeadersConfig"), "HeaderBehavior", "header_behavior", "Headers", "headers"),
        "query_strings_config",
        behaviour(json_object_get(pk, "QueryStringsConfig"), "QueryStringBehavior", "query_string_behavior",
                  "QueryStrings", "query_strings"));
    json_object_set_new(st, "parameters_in_cache_key_and_forwarded_to_origin", params);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

/* The policy named `name` of one type (new ref) or NULL; -1 on failure. */
static int find_by_name(stk_provider_instance *p, const char *type, const char *name, json_t **found, stk_diags *d)
{
    *found = NULL;
    char *marker = NULL;
    for (;;) {
        json_t *params = json_pack("{s:s}", "Type", type), *res = NULL;
        if (marker) json_object_set_new(params, "Marker", json_string(marker));
        free(marker);
        marker = NULL;
        int rc = stk_aws_call(p->client, "cloudfront", "ListCachePolicies", params, &res, d);
        json_decref(params);
        if (rc != 0) return -1;
        json_t *list = json_object_get(res, "CachePolicyList"), *e;
        size_t i;
        json_array_foreach(json_object_get(list, "Items"), i, e) {
            json_t *pol = json_object_get(e, "CachePolicy");
            const char *n = stk_aws_jstr(json_object_get(pol, "CachePolicyConfig"), "Name");
            if (n && !strcmp(n, name) && !*found) *found = json_incref(pol);
        }
        const char *next = stk_aws_jstr(list, "NextMarker");
        if (!*found && next && *next) marker = stk_xstrdup(next);
        json_decref(res);
        if (!marker) return 0;
    }
}

static int cp_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                   stk_diags *d)
{
    *state = NULL;
    const char *id = stk_aws_get_str(cfg, "id"), *name = stk_aws_get_str(cfg, "name");
    if (!id && !name) {
        stk_diags_error(d, NULL, "Missing argument", "aws_cloudfront_cache_policy: one of \"id\" or \"name\" is required.");
        return -1;
    }
    if (!id) {
        json_t *pol = NULL;
        if (find_by_name(p, "managed", name, &pol, d) != 0) return -1;
        if (!pol && find_by_name(p, "custom", name, &pol, d) != 0) return -1;
        if (!pol) {
            stk_diags_error(d, NULL, "No cache policy found",
                            "aws_cloudfront_cache_policy: no CloudFront cache policy is named \"%s\".", name);
            return -1;
        }
        const char *pid = stk_aws_jstr(pol, "Id");
        json_t *params = json_pack("{s:s}", "Id", pid ? pid : ""), *res = NULL;
        json_decref(pol);
        int rc = stk_aws_call(p->client, "cloudfront", "GetCachePolicy", params, &res, d);
        json_decref(params);
        if (rc != 0) return -1;
        rc = cp_state(t, cfg, json_object_get(res, "CachePolicy"), stk_aws_jstr(res, "ETag"), state, d);
        json_decref(res);
        return rc;
    }
    json_t *params = json_pack("{s:s}", "Id", id), *res = NULL;
    int rc = stk_aws_call(p->client, "cloudfront", "GetCachePolicy", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    rc = cp_state(t, cfg, json_object_get(res, "CachePolicy"), stk_aws_jstr(res, "ETag"), state, d);
    json_decref(res);
    return rc;
}

const stk_resource_type stk_data_aws_cloudfront_cache_policy_type = {
    "aws_cloudfront_cache_policy", "aws", STK_RESOURCE_DATA, &cp_schema, NULL, NULL, NULL, NULL, NULL, cp_read, NULL, NULL,
};
