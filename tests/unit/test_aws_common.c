/* test_aws_common.c - resources/aws/common.c and aws_provider.c without a
 * network: tags merge (default_tags vs resource tags), tag list/map
 * conversions, tag diffs, state tags (tags vs tags_all), value getters,
 * state building, not-found codes, provider block configuration errors. */
#include "test.h"
#include <stdlib.h>
#include "aws/common.h"

static json_t *J(const char *s) { return json_loads(s, 0, NULL); }

static stk_value *V(const char *s)
{
    json_t *j = J(s);
    stk_value *v = stk_value_from_json(j);
    json_decref(j);
    return v;
}

static int jeq(json_t *a, const char *want)
{
    json_t *w = J(want);
    int ok = json_equal(a, w);
    if (!ok) {
        char *s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stderr, "  got %s, want %s\n", s, want);
        free(s);
    }
    json_decref(w);
    return ok;
}

static void test_tags_merge(void)
{
    json_t *def = J("{\"Env\":\"prod\",\"Team\":\"ops\"}"), *tags = J("{\"Team\":\"web\",\"Name\":\"a\"}");
    json_t *m = stk_aws_tags_merge(def, tags);
    CHECK(jeq(m, "{\"Env\":\"prod\",\"Team\":\"web\",\"Name\":\"a\"}"));   /* resource tags override */
    json_decref(m);
    m = stk_aws_tags_merge(NULL, tags);
    CHECK(jeq(m, "{\"Team\":\"web\",\"Name\":\"a\"}"));
    json_decref(m);
    m = stk_aws_tags_merge(def, NULL);
    CHECK(jeq(m, "{\"Env\":\"prod\",\"Team\":\"ops\"}"));
    json_decref(m);
    json_decref(def);
    json_decref(tags);
}

static void test_tags_list_conversions(void)
{
    json_t *map = J("{\"b\":\"2\",\"a\":\"1\"}");
    json_t *l = stk_aws_tags_to_list(map);
    CHECK(jeq(l, "[{\"Key\":\"a\",\"Value\":\"1\"},{\"Key\":\"b\",\"Value\":\"2\"}]"));   /* sorted */
    json_t *back = stk_aws_tags_from_list(l);
    CHECK(json_equal(back, map));
    json_decref(back);
    json_decref(l);
    json_t *in = J("[{\"Key\":\"aws:cloudformation:stack\",\"Value\":\"x\"},{\"key\":\"k\",\"value\":\"v\"},"
                   "{\"Key\":\"e\"}]");
    back = stk_aws_tags_from_list(in);
    CHECK(jeq(back, "{\"k\":\"v\",\"e\":\"\"}"));   /* aws: tags dropped, lower-case members read */
    json_decref(back);
    json_decref(in);
    l = stk_aws_tags_to_list(NULL);
    CHECK(jeq(l, "[]"));
    json_decref(l);
    json_decref(map);
    json_t *spec = stk_aws_ec2_tag_specs("vpc", NULL);
    CHECK(spec == NULL);
    json_t *t = J("{\"Name\":\"x\"}");
    spec = stk_aws_ec2_tag_specs("vpc", t);
    CHECK(jeq(spec, "[{\"ResourceType\":\"vpc\",\"Tags\":[{\"Key\":\"Name\",\"Value\":\"x\"}]}]"));
    json_decref(spec);
    json_decref(t);
}

static void test_tags_diff(void)
{
    json_t *o = J("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}"), *n = J("{\"a\":\"1\",\"b\":\"20\",\"d\":\"4\"}");
    json_t *rm, *ch;
    stk_aws_tags_diff(o, n, &rm, &ch);
    CHECK(jeq(rm, "{\"c\":\"3\"}"));
    CHECK(jeq(ch, "{\"b\":\"20\",\"d\":\"4\"}"));
    json_decref(rm);
    json_decref(ch);
    json_decref(o);
    json_decref(n);
}

/* a value {tags = {...}} built through the value model */
static stk_value *obj_with_tags(const char *tags_json)
{
    json_t *j = J(tags_json);
    json_t *o = json_object();
    if (j) json_object_set_new(o, "tags", j);
    stk_type *mt = stk_type_map(stk_type_ref(STK_STRING));
    char *names[] = {"tags"};
    stk_type *types[] = {mt};
    stk_type *ot = stk_type_object(names, types, 1, NULL, NULL);
    stk_value *v = stk_value_from_json_typed(o, ot, NULL);
    stk_type_unref(ot);
    json_decref(o);
    return v;
}

static void test_state_tags(void)
{
    stk_provider_instance p = {0};
    p.default_tags = J("{\"Env\":\"prod\",\"Owner\":\"ops\"}");
    /* AWS holds the merged set; configured tags override Owner and set Name */
    json_t *api = J("{\"Env\":\"prod\",\"Owner\":\"web\",\"Name\":\"vpc\"}");
    stk_value *cfg = obj_with_tags("{\"Owner\":\"web\",\"Name\":\"vpc\"}");
    json_t *st = json_object();
    stk_aws_state_set_tags(st, &p, api, cfg);
    CHECK(jeq(json_object_get(st, "tags"), "{\"Owner\":\"web\",\"Name\":\"vpc\"}"));
    CHECK(jeq(json_object_get(st, "tags_all"), "{\"Env\":\"prod\",\"Owner\":\"web\",\"Name\":\"vpc\"}"));
    json_decref(st);
    stk_value_unref(cfg);
    /* tags_all from the planned value */
    cfg = obj_with_tags("{\"Owner\":\"web\"}");
    json_t *all = stk_aws_tags_all(&p, cfg);
    CHECK(jeq(all, "{\"Env\":\"prod\",\"Owner\":\"web\"}"));
    json_decref(all);
    stk_value_unref(cfg);
    /* no tags configured, only default tags in AWS: tags null */
    cfg = obj_with_tags(NULL);
    json_decref(api);
    api = J("{\"Env\":\"prod\",\"Owner\":\"ops\"}");
    st = json_object();
    stk_aws_state_set_tags(st, &p, api, cfg);
    CHECK(json_is_null(json_object_get(st, "tags")));
    CHECK(jeq(json_object_get(st, "tags_all"), "{\"Env\":\"prod\",\"Owner\":\"ops\"}"));
    json_decref(st);
    /* a tag added behind stk's back shows in tags (a diff to remove it) */
    json_decref(api);
    api = J("{\"Env\":\"prod\",\"Owner\":\"ops\",\"Extra\":\"1\"}");
    st = json_object();
    stk_aws_state_set_tags(st, &p, api, cfg);
    CHECK(jeq(json_object_get(st, "tags"), "{\"Extra\":\"1\"}"));
    json_decref(st);
    /* a default tag changed behind stk's back (value differs) stays in tags */
    json_decref(api);
    api = J("{\"Env\":\"dev\",\"Owner\":\"ops\"}");
    st = json_object();
    stk_aws_state_set_tags(st, &p, api, cfg);
    CHECK(jeq(json_object_get(st, "tags"), "{\"Env\":\"dev\"}"));
    json_decref(st);
    stk_value_unref(cfg);
    json_decref(api);
    json_decref(p.default_tags);
}

static const stk_schema_attr t_attrs[] = {
    {"cidr_block", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"count_n", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"flag", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ids", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema t_schema = {t_attrs, STK_AWS_NATTRS(t_attrs), NULL, 0};
static const stk_resource_type t_type = {"aws_test", "aws", STK_RESOURCE_MANAGED, &t_schema};

static void test_state_build_and_getters(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_value *v = stk_aws_state_build(&t_type, J("{\"cidr_block\":\"10.0.0.0/16\",\"count_n\":\"42\",\"flag\":true,"
                                                  "\"ids\":[\"b\",\"a\",\"b\"],\"tags\":{\"N\":\"x\"}}"), &d);
    CHECK(v != NULL);
    if (!v) return;
    CHECK_STR(stk_aws_get_str(v, "cidr_block"), "10.0.0.0/16");
    CHECK_INT(stk_aws_get_int(v, "count_n", -1), 42);   /* "42" converted to a number */
    CHECK_INT(stk_aws_get_bool(v, "flag", 0), 1);
    CHECK(stk_aws_get_str(v, "id") == NULL);            /* missing -> null */
    CHECK_INT(stk_aws_get_int(v, "id", 7), 7);
    CHECK_INT(stk_aws_get_count(v, "ids"), 2);          /* set: de-duplicated */
    json_t *ids = stk_aws_get_strings(v, "ids");
    CHECK(jeq(ids, "[\"a\",\"b\"]"));
    json_decref(ids);
    json_t *start = stk_aws_state_start(v);
    CHECK(jeq(json_object_get(start, "tags"), "{\"N\":\"x\"}"));
    CHECK(json_is_null(json_object_get(start, "id")));
    json_decref(start);
    stk_value_unref(v);
    /* a value of the wrong type is a diagnostic, not a crash */
    v = stk_aws_state_build(&t_type, J("{\"flag\":\"maybe\"}"), &d);
    CHECK(v == NULL);
    CHECK(stk_diags_has_errors(&d));
    stk_diags_free(&d);
}

static void test_not_found(void)
{
    stk_aws_error e = {0};
    const char *yes[] = {"InvalidVpcID.NotFound", "InvalidGroup.NotFound", "NatGatewayNotFound", "NoSuchEntity",
                         "ResourceNotFoundException", "InvalidAllocationID.NotFound", "NoSuchBucket"};
    const char *no[] = {"DependencyViolation", "InvalidParameterValue", "AuthFailure", "Throttling"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        e.code = (char *)yes[i];
        CHECK(stk_aws_is_not_found(&e));
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        e.code = (char *)no[i];
        CHECK(!stk_aws_is_not_found(&e));
    }
    /* Auto Scaling says it in the message */
    e.code = "ValidationError";
    e.message = "AutoScalingGroup name not found - AutoScalingGroup 'web' not found";
    CHECK(stk_aws_is_not_found(&e));
    e.message = "1 validation error detected: Value at 'maxSize' failed to satisfy constraint";
    CHECK(!stk_aws_is_not_found(&e));
    e.message = NULL;
    e.code = NULL;
    CHECK(!stk_aws_is_not_found(&e));
}

static void test_partition(void)
{
    CHECK_STR(stk_aws_partition_of("eu-north-1"), "aws");
    CHECK_STR(stk_aws_partition_of("cn-north-1"), "aws-cn");
    CHECK_STR(stk_aws_partition_of("us-gov-west-1"), "aws-us-gov");
    CHECK_STR(stk_aws_partition_dns_suffix("aws-cn"), "amazonaws.com.cn");
}

/* the provider block: assume_role and unknown arguments are errors */
static void test_provider_configure_errors(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_provider_instance *p = NULL;
    stk_value *cfg = V(("{\"region\":\"eu-north-1\",\"assume_role\":[{\"role_arn\":\"arn:x\"}]}"));
    CHECK_INT(stk_aws_provider_configure("aws", cfg, &p, &d), -1);
    CHECK(p == NULL);
    CHECK(d.len >= 1 && strstr(d.items[0].detail, "assume_role"));
    stk_value_unref(cfg);
    stk_diags_free(&d);
    cfg = V(("{\"region\":\"eu-north-1\",\"bogus_arg\":1}"));
    CHECK_INT(stk_aws_provider_configure("aws", cfg, &p, &d), -1);
    CHECK(d.len >= 1 && strstr(d.items[0].detail, "bogus_arg"));
    stk_value_unref(cfg);
    stk_diags_free(&d);
    /* a working block: static keys, region, default tags, endpoints */
    cfg = V(("{\"region\":\"eu-west-1\",\"access_key\":\"AK\",\"secret_key\":\"SK\","
                                "\"skip_requesting_account_id\":true,"
                                "\"default_tags\":[{\"tags\":{\"Env\":\"dev\"}}],"
                                "\"endpoints\":[{\"ec2\":\"http://127.0.0.1:1\"}]}"));
    CHECK_INT(stk_aws_provider_configure("aws", cfg, &p, &d), 0);
    if (p) {
        CHECK_STR(p->region, "eu-west-1");
        CHECK_STR(p->partition, "aws");
        CHECK(jeq(p->default_tags, "{\"Env\":\"dev\"}"));
        stk_diags dd = STK_DIAGS_INIT;
        CHECK(stk_aws_account_id(p, &dd) == NULL);   /* skip_requesting_account_id */
        CHECK(stk_diags_has_errors(&dd));
        stk_diags_free(&dd);
        stk_aws_provider_free(p);
    }
    stk_value_unref(cfg);
    stk_diags_free(&d);
    CHECK(stk_provider_factory_lookup("aws") != NULL);   /* registered at start-up */
}

int main(void)
{
    STK_RUN(test_tags_merge);
    STK_RUN(test_tags_list_conversions);
    STK_RUN(test_tags_diff);
    STK_RUN(test_state_tags);
    STK_RUN(test_state_build_and_getters);
    STK_RUN(test_not_found);
    STK_RUN(test_partition);
    STK_RUN(test_provider_configure_errors);
    return stk_test_report();
}
