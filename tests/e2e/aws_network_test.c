/* aws_network_test.c - the networking resource types' CRUD functions called
 * directly against moto (tests/e2e/aws_network.sh starts it and sets
 * AWS_ENDPOINT_URL), each object checked with /usr/bin/aws (--endpoint-url):
 * create -> read -> update tags -> read -> import -> delete -> read gives
 * NULL.  Without AWS_ENDPOINT_URL every case is skipped. */
#include "test.h"
#include <stdlib.h>
#include <stdarg.h>
#include "aws/common.h"
#include "aws/aws_types.h"

static stk_provider_instance *P;

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j) fprintf(stderr, "bad JSON in test: %s: %s\n", e.text, s);
    return j;
}

static void print_diags(stk_diags *d)
{
    for (size_t i = 0; i < d->len; i++)
        fprintf(stderr, "  diag: %s: %s\n", d->items[i].summary, d->items[i].detail ? d->items[i].detail : "");
}

/* a planned value from JSON (attributes not given are null) */
static stk_value *V(const stk_resource_type *t, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    stk_diags d = STK_DIAGS_INIT;
    stk_value *v = stk_aws_state_build(t, J(buf), &d);
    print_diags(&d);
    stk_diags_free(&d);
    return v;
}

/* /usr/bin/aws ... --output json, parsed (NULL on failure) */
static json_t *awscli(const char *fmt, ...)
{
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "/usr/bin/aws --endpoint-url %s --output json %s 2>/dev/null", getenv("AWS_ENDPOINT_URL"),
             args);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    json_error_t e;
    json_t *j = json_loadf(f, 0, &e);
    pclose(f);
    return j;
}

static const char *S(stk_value *v, const char *name) { return stk_aws_get_str(v, name); }

static int create(const stk_resource_type *t, stk_value *planned, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->create(P, t, planned, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static int readv(const stk_resource_type *t, stk_value *prior, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->read(P, t, prior, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static int update(const stk_resource_type *t, stk_value *prior, stk_value *planned, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->update(P, t, prior, planned, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static int del(const stk_resource_type *t, stk_value *prior)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->del(P, t, prior, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}
static int import(const stk_resource_type *t, const char *id, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->import(P, t, id, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}

/* tag value from an awscli Tags list */
static const char *tag(json_t *obj, const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(obj, "Tags"), i, e)
        if (!strcmp(stk_aws_jstr(e, "Key"), key)) return stk_aws_jstr(e, "Value");
    return NULL;
}

static char vpc_id[64];

static void test_vpc(void)
{
    const stk_resource_type *t = &stk_aws_vpc_type;
    stk_value *pl = V(t, "{\"cidr_block\":\"10.1.0.0/16\",\"enable_dns_hostnames\":true,\"enable_dns_support\":true,"
                         "\"instance_tenancy\":\"default\",\"tags\":{\"Name\":\"net-test\"}}");
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    const char *id = S(st, "id");
    CHECK(id && !strncmp(id, "vpc-", 4));
    snprintf(vpc_id, sizeof vpc_id, "%s", id ? id : "");
    CHECK(S(st, "arn") && strstr(S(st, "arn"), ":vpc/vpc-"));
    CHECK(S(st, "owner_id") != NULL);
    CHECK(S(st, "main_route_table_id") && !strncmp(S(st, "main_route_table_id"), "rtb-", 4));
    CHECK_STR(S(st, "default_route_table_id"), S(st, "main_route_table_id"));
    CHECK(S(st, "default_security_group_id") && !strncmp(S(st, "default_security_group_id"), "sg-", 3));
    CHECK_INT(stk_aws_get_bool(st, "enable_dns_hostnames", 0), 1);
    json_t *tg = stk_aws_get_json(st, "tags"), *wt = J("{\"Name\":\"net-test\"}");
    CHECK(json_equal(tg, wt));   /* default tags stay out of tags */
    json_decref(tg);
    json_decref(wt);
    json_t *ta = stk_aws_get_json(st, "tags_all"), *want = J("{\"Name\":\"net-test\",\"Env\":\"e2e\"}");
    CHECK(json_equal(ta, want));
    json_decref(ta);
    json_decref(want);
    json_t *o = awscli("ec2 describe-vpcs --vpc-ids %s", id);
    json_t *v = json_array_get(json_object_get(o, "Vpcs"), 0);
    CHECK_STR(stk_aws_jstr(v, "CidrBlock"), "10.1.0.0/16");
    CHECK_STR(tag(v, "Env"), "e2e");
    CHECK_STR(tag(v, "Name"), "net-test");
    json_decref(o);
    o = awscli("ec2 describe-vpc-attribute --vpc-id %s --attribute enableDnsHostnames", id);
    CHECK(json_is_true(json_object_get(json_object_get(o, "EnableDnsHostnames"), "Value")));
    json_decref(o);

    stk_value *pl2 = V(t, "{\"cidr_block\":\"10.1.0.0/16\",\"enable_dns_hostnames\":false,\"enable_dns_support\":true,"
                          "\"tags\":{\"Name\":\"net-test2\",\"Extra\":\"1\"}}");
    CHECK_INT(update(t, st, pl2, &st2), 0);
    stk_value_unref(pl2);
    o = awscli("ec2 describe-vpcs --vpc-ids %s", id);
    v = json_array_get(json_object_get(o, "Vpcs"), 0);
    CHECK_STR(tag(v, "Name"), "net-test2");
    CHECK_STR(tag(v, "Extra"), "1");
    CHECK_STR(tag(v, "Env"), "e2e");
    json_decref(o);
    o = awscli("ec2 describe-vpc-attribute --vpc-id %s --attribute enableDnsHostnames", id);
    CHECK(json_is_false(json_object_get(json_object_get(o, "EnableDnsHostnames"), "Value")));
    json_decref(o);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));   /* a read right after update changes nothing */
    stk_value_unref(st3);
    st3 = NULL;
    CHECK_INT(import(t, id, &st3), 0);
    CHECK(st3 && !strcmp(S(st3, "cidr_block"), "10.1.0.0/16") && !strcmp(S(st3, "main_route_table_id"), S(st, "main_route_table_id")));
    stk_value_unref(st3);
    st3 = NULL;
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
}

static void test_vpc_delete(void)
{
    const stk_resource_type *t = &stk_aws_vpc_type;
    stk_value *st = V(t, "{\"id\":\"%s\"}", vpc_id), *after = (stk_value *)1;
    CHECK_INT(del(t, st), 0);
    CHECK_INT(readv(t, st, &after), 0);
    CHECK(after == NULL);   /* deletion noticed */
    CHECK_INT(del(t, st), 0);   /* deleting again: already gone is fine */
    stk_value *imp = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(t->import(P, t, vpc_id, &imp, &d), -1);   /* import of a missing object fails */
    stk_diags_free(&d);
    stk_value_unref(st);
}

int main(void)
{
    if (!getenv("AWS_ENDPOINT_URL")) {
        stk_test_skip("aws_network", "AWS_ENDPOINT_URL not set (run tests/e2e/aws_network.sh)");
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
    STK_RUN(test_vpc);
    STK_RUN(test_vpc_delete);
    stk_aws_provider_free(P);
    stk_diags_free(&d);
    return stk_test_report();
}
