/* test_protocol_call.c - what surrounds a call: parameter validation
 * (unknown names at any depth, missing required members, wrong types)
 * before anything is sent; pagination driven by paginators-1.json and
 * waiters by waiters-2.json (with a scripted fake transport); the JMESPath
 * subset the waiters use. */
#include "test.h"
#include <pthread.h>
#include "aws/protocol/jmespath.h"
#include "aws/protocol/model.h"
#include "tests/protocol/proto_test.h"

static int diag_has(const stk_diags *d, const char *needle)
{
    for (size_t i = 0; i < d->len; i++)
        if ((d->items[i].detail && strstr(d->items[i].detail, needle)) ||
            (d->items[i].summary && strstr(d->items[i].summary, needle)))
            return 1;
    return 0;
}

static void validation_rejects_before_sending(void)
{
    stk_diags d = STK_DIAGS_INIT;
    json_t *p = pt_json("{\"CidrBlok\":\"10.0.0.0/16\"}");
    CHECK_INT(stk_aws_validate("ec2", "CreateVpc", p, &d), -1);
    CHECK(diag_has(&d, "Unknown parameter in input: \"CidrBlok\", must be one of: "));
    CHECK(diag_has(&d, "CidrBlock"));
    json_decref(p);
    stk_diags_free(&d);

    /* nested: inside a list of structures */
    p = pt_json("{\"CidrBlock\":\"10.0.0.0/16\",\"TagSpecifications\":[{\"ResourceType\":\"vpc\","
                "\"Tags\":[{\"Key\":\"a\",\"Valu\":\"b\"}]}]}");
    CHECK_INT(stk_aws_validate("ec2", "CreateVpc", p, &d), -1);
    CHECK(diag_has(&d, "Unknown parameter in TagSpecifications[0].Tags[0]: \"Valu\", must be one of: Key, Value"));
    json_decref(p);
    stk_diags_free(&d);

    /* missing required, wrong types */
    p = pt_json("{\"Port\":\"80\"}");
    CHECK_INT(stk_aws_validate("elbv2", "CreateTargetGroup", p, &d), -1);
    CHECK(diag_has(&d, "Missing required parameter in input: \"Name\""));
    CHECK(diag_has(&d, "Invalid type for parameter Port, type: string, valid types: integer"));
    json_decref(p);
    stk_diags_free(&d);

    p = pt_json("{\"TableName\":\"t\",\"Item\":{\"k\":{\"S\":1}}}");
    CHECK_INT(stk_aws_validate("dynamodb", "PutItem", p, &d), -1);
    CHECK(diag_has(&d, "Item.k.S"));
    json_decref(p);
    stk_diags_free(&d);

    /* unknown service / operation */
    CHECK_INT(stk_aws_validate("nosuch", "X", NULL, &d), -1);
    CHECK(diag_has(&d, "ec2"));
    stk_diags_free(&d);
    CHECK_INT(stk_aws_validate("ec2", "CreateVpcs", NULL, &d), -1);
    CHECK(diag_has(&d, "no operation \"CreateVpcs\""));
    stk_diags_free(&d);

    /* a valid call passes; serialize refuses an invalid one */
    p = pt_json("{\"CidrBlock\":\"10.0.0.0/16\"}");
    CHECK_INT(stk_aws_validate("ec2", "CreateVpc", p, &d), 0);
    CHECK_INT(d.len, 0);
    json_decref(p);
    stk_aws_request req;
    p = pt_json("{\"Nope\":1}");
    CHECK_INT(stk_aws_serialize("sts", "GetCallerIdentity", p, NULL, 0, &req, &d), -1);
    CHECK(req.body == NULL);
    json_decref(p);
    stk_diags_free(&d);
}

static void query_timestamps_iso8601(void)
{
    stk_aws_request req;
    CHECK_INT(pt_ser("monitoring", "GetMetricStatistics",
                     "{\"Namespace\":\"AWS/EC2\",\"MetricName\":\"CPU\",\"StartTime\":1700000000,"
                     "\"EndTime\":\"2023-11-14T23:13:20+01:00\",\"Period\":60,\"Statistics\":[\"Average\"]}",
                     &req), 0);
    CHECK(strstr(pt_body(&req), "&StartTime=2023-11-14T22%3A13%3A20Z&EndTime=2023-11-14T22%3A13%3A20Z&") != NULL);
    stk_aws_request_clear(&req);
}

/* ---- a scripted fake transport ---- */
typedef struct {
    json_t *pages[8];       /* results to return in turn */
    const char *errors[8];  /* or an error code for that turn */
    long statuses[8];
    int n, calls;
    json_t *seen[8];        /* params of each call */
} fake;

static int fake_call(void *ctx, const char *service, const char *op, json_t *params, json_t **result,
                     stk_aws_error *err, stk_diags *d)
{
    fake *f = ctx;
    int i = f->calls < f->n ? f->calls : f->n - 1;
    if (f->calls < 8) f->seen[f->calls] = json_deep_copy(params ? params : json_object());
    f->calls++;
    if (f->errors[i]) {
        err->code = stk_xstrdup(f->errors[i]);
        err->status = f->statuses[i] ? f->statuses[i] : 400;
        return 1;
    }
    *result = json_deep_copy(f->pages[i]);
    if (f->statuses[i])
        json_object_set_new(*result, "ResponseMetadata",
                            json_pack("{s:I}", "HTTPStatusCode", (json_int_t)f->statuses[i]));
    return 0;
}

static void fake_free(fake *f)
{
    for (int i = 0; i < 8; i++) {
        json_decref(f->pages[i]);
        if (i < f->calls) json_decref(f->seen[i]);
    }
}

static void paginate_merges_pages(void)
{
    fake f = {0};
    f.pages[0] = pt_json("{\"IsTruncated\":true,\"Contents\":[{\"Key\":\"a\"},{\"Key\":\"b\"}],\"Name\":\"bk\","
                         "\"NextContinuationToken\":\"t1\"}");
    f.pages[1] = pt_json("{\"IsTruncated\":true,\"Contents\":[{\"Key\":\"c\"}],\"NextContinuationToken\":\"t2\"}");
    f.pages[2] = pt_json("{\"IsTruncated\":false,\"Contents\":[{\"Key\":\"d\"}]}");
    f.n = 3;
    stk_diags d = STK_DIAGS_INIT;
    json_t *params = pt_json("{\"Bucket\":\"bk\"}"), *res = NULL;
    CHECK_INT(stk_aws_paginate_with(fake_call, &f, "s3", "ListObjectsV2", params, &res, &d), 0);
    CHECK_INT(f.calls, 3);
    CHECK_INT(json_array_size(pt_get(res, "Contents")), 4);
    CHECK_STR(pt_str(res, "Contents[3].Key"), "d");
    CHECK_STR(pt_str(res, "Name"), "bk");
    CHECK(pt_get(res, "NextContinuationToken") == NULL);
    CHECK(pt_get(f.seen[0], "ContinuationToken") == NULL);
    CHECK_STR(pt_str(f.seen[1], "ContinuationToken"), "t1");
    CHECK_STR(pt_str(f.seen[2], "ContinuationToken"), "t2");
    CHECK(pt_get(params, "ContinuationToken") == NULL);   /* the caller's params are untouched */
    json_decref(res);
    fake_free(&f);

    /* Marker-style with more_results, and an error on page 2 */
    fake g = {0};
    g.pages[0] = pt_json("{\"IsTruncated\":true,\"Marker\":\"m1\",\"Roles\":[{\"RoleName\":\"r1\"}]}");
    g.errors[1] = "Throttling";
    g.n = 2;
    CHECK_INT(stk_aws_paginate_with(fake_call, &g, "iam", "ListRoles", NULL, &res, &d), -1);
    CHECK(res == NULL);
    CHECK(diag_has(&d, "Throttling"));
    stk_diags_free(&d);
    fake_free(&g);

    /* more_results false stops even with a token present */
    fake h = {0};
    h.pages[0] = pt_json("{\"IsTruncated\":false,\"Marker\":\"m1\",\"Roles\":[{\"RoleName\":\"r1\"}]}");
    h.n = 1;
    CHECK_INT(stk_aws_paginate_with(fake_call, &h, "iam", "ListRoles", NULL, &res, &d), 0);
    CHECK_INT(h.calls, 1);
    CHECK_INT(json_array_size(pt_get(res, "Roles")), 1);
    json_decref(res);
    fake_free(&h);

    CHECK_INT(stk_aws_paginate_with(fake_call, &h, "ec2", "CreateVpc", NULL, &res, &d), -1);
    CHECK(diag_has(&d, "no paginator"));
    stk_diags_free(&d);
    json_decref(params);
}

static void waiter_acceptors(void)
{
    const stk_aws_model *m = stk_aws_model_get("ec2", NULL);
    json_t *w = stk_aws_model_waiter(m, "InstanceRunning");
    CHECK(w != NULL);
    json_t *running = pt_json("{\"Reservations\":[{\"Instances\":[{\"State\":{\"Name\":\"running\"}}]},"
                              "{\"Instances\":[{\"State\":{\"Name\":\"running\"}}]}]}");
    json_t *mixed = pt_json("{\"Reservations\":[{\"Instances\":[{\"State\":{\"Name\":\"running\"}}]},"
                            "{\"Instances\":[{\"State\":{\"Name\":\"pending\"}}]}]}");
    json_t *dead = pt_json("{\"Reservations\":[{\"Instances\":[{\"State\":{\"Name\":\"terminated\"}},"
                           "{\"State\":{\"Name\":\"running\"}}]}]}");
    json_t *none = pt_json("{\"Reservations\":[]}");
    CHECK_INT(stk_aws_waiter_match(w, running, 200, NULL), STK_WAIT_SUCCESS);
    CHECK_INT(stk_aws_waiter_match(w, mixed, 200, NULL), STK_WAIT_NONE);
    CHECK_INT(stk_aws_waiter_match(w, dead, 200, NULL), STK_WAIT_FAILURE);
    CHECK_INT(stk_aws_waiter_match(w, none, 200, NULL), STK_WAIT_NONE);   /* pathAll needs a non-empty list */
    CHECK_INT(stk_aws_waiter_match(w, NULL, 400, "InvalidInstanceID.NotFound"), STK_WAIT_RETRY);
    CHECK_INT(stk_aws_waiter_match(w, NULL, 400, "UnauthorizedOperation"), STK_WAIT_NONE);
    json_decref(running);
    json_decref(mixed);
    json_decref(dead);
    json_decref(none);

    json_t *b = stk_aws_model_waiter(stk_aws_model_get("s3", NULL), "BucketExists");
    CHECK_INT(stk_aws_waiter_match(b, NULL, 404, "NotFound"), STK_WAIT_RETRY);
    CHECK_INT(stk_aws_waiter_match(b, NULL, 403, "Forbidden"), STK_WAIT_SUCCESS);

    json_t *t = stk_aws_model_waiter(stk_aws_model_get("dynamodb", NULL), "TableExists");
    json_t *active = pt_json("{\"Table\":{\"TableStatus\":\"ACTIVE\"}}");
    CHECK_INT(stk_aws_waiter_match(t, active, 200, NULL), STK_WAIT_SUCCESS);
    CHECK_INT(stk_aws_waiter_match(t, NULL, 400, "ResourceNotFoundException"), STK_WAIT_RETRY);
    json_decref(active);
}

static void wait_polls_until_success(void)
{
    setenv("STK_WAITER_DELAY_SCALE", "0.001", 1);
    fake f = {0};
    f.errors[0] = "InvalidVpcID.NotFound";
    f.pages[1] = pt_json("{\"Vpcs\":[{\"State\":\"pending\"}]}");
    f.pages[2] = pt_json("{\"Vpcs\":[{\"State\":\"available\"},{\"State\":\"available\"}]}");
    f.n = 3;
    stk_diags d = STK_DIAGS_INIT;
    json_t *p = pt_json("{\"VpcIds\":[\"vpc-1\"]}");
    /* VpcAvailable has no retry on NotFound: the first error ends the wait */
    CHECK_INT(stk_aws_wait_with(fake_call, &f, "ec2", "VpcAvailable", p, 0, &d), -1);
    CHECK(diag_has(&d, "InvalidVpcID.NotFound"));
    CHECK_INT(f.calls, 1);
    stk_diags_free(&d);
    fake_free(&f);

    fake g = {0};
    g.pages[0] = pt_json("{\"Vpcs\":[{\"State\":\"pending\"}]}");
    g.pages[1] = pt_json("{\"Vpcs\":[{\"State\":\"pending\"},{\"State\":\"available\"}]}");
    g.pages[2] = pt_json("{\"Vpcs\":[{\"State\":\"available\"},{\"State\":\"available\"}]}");
    g.n = 3;
    CHECK_INT(stk_aws_wait_with(fake_call, &g, "ec2", "VpcAvailable", p, 0, &d), 0);
    CHECK_INT(g.calls, 3);
    CHECK_INT(d.len, 0);
    CHECK_STR(pt_str(g.seen[0], "VpcIds[0]"), "vpc-1");
    fake_free(&g);

    /* never done: the waiter gives up after maxAttempts */
    fake h = {0};
    h.pages[0] = pt_json("{\"Vpcs\":[{\"State\":\"pending\"}]}");
    h.n = 1;
    CHECK_INT(stk_aws_wait_with(fake_call, &h, "ec2", "VpcAvailable", p, 0, &d), -1);
    CHECK_INT(h.calls, 40);
    CHECK(diag_has(&d, "still not done after 40 attempts"));
    stk_diags_free(&d);
    fake_free(&h);

    /* status matcher with errors: HeadBucket 404 twice then 200 */
    fake k = {0};
    k.errors[0] = "NotFound";
    k.statuses[0] = 404;
    k.errors[1] = "NotFound";
    k.statuses[1] = 404;
    k.pages[2] = json_object();
    k.statuses[2] = 200;
    k.n = 3;
    json_t *bp = pt_json("{\"Bucket\":\"b\"}");
    CHECK_INT(stk_aws_wait_with(fake_call, &k, "s3", "BucketExists", bp, 0, &d), 0);
    CHECK_INT(k.calls, 3);
    fake_free(&k);
    json_decref(bp);

    CHECK_INT(stk_aws_wait_with(fake_call, &k, "ec2", "NoSuchWaiter", p, 0, &d), -1);
    CHECK(diag_has(&d, "VpcAvailable"));
    stk_diags_free(&d);
    json_decref(p);
}

static void jmes(const char *expr, const char *data, const char *want)
{
    json_t *v = pt_json(data);
    char *err = NULL;
    json_t *r = stk_jmespath_search(expr, v, &err);
    char *got = r ? json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY) : stk_xstrdup(err ? err : "?");
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "jmespath %s on %s: got %s, want %s\n", expr, data, got ? got : "(null)", want);
        stk_t_case_failed = 1;
    }
    free(got);
    free(err);
    json_decref(r);
    json_decref(v);
}

static void jmespath_subset(void)
{
    const char *res = "{\"Reservations\":[{\"Instances\":[{\"State\":{\"Name\":\"running\"}},{\"State\":{\"Name\":"
                      "\"pending\"}}]},{\"Instances\":[{\"State\":{\"Name\":\"stopped\"}}]}]}";
    jmes("Reservations[].Instances[].State.Name", res, "[\"running\",\"pending\",\"stopped\"]");
    jmes("Reservations[*].Instances[*].State.Name", res, "[[\"running\",\"pending\"],[\"stopped\"]]");
    jmes("Reservations[0].Instances[-1].State.Name", res, "\"pending\"");
    jmes("length(Reservations[]) > `0`", res, "true");
    jmes("length(Reservations[].Instances[]) == `3`", res, "true");
    jmes("Missing.Thing", res, "null");
    jmes("length(Missing)", res, "null");
    const char *kin = "{\"D\":[{\"S\":\"DISABLED\"},{\"S\":\"ENABLE_FAILED\"},{\"S\":\"ACTIVE\"}]}";
    jmes("D[?S == 'DISABLED' || S == 'ENABLE_FAILED'].S", kin, "[\"DISABLED\",\"ENABLE_FAILED\"]");
    jmes("length(D) > `0`  && length(D[?S == 'DISABLED' || S == 'ENABLE_FAILED']) ==  length(D)", kin, "false");
    jmes("D[?S != 'ACTIVE'] | length(@)", kin, "2");
    jmes("NextMarker || Contents[-1].Key", "{\"Contents\":[{\"Key\":\"a\"},{\"Key\":\"z\"}]}", "\"z\"");
    jmes("NextMarker || Contents[-1].Key", "{\"NextMarker\":\"m\",\"Contents\":[{\"Key\":\"a\"}]}", "\"m\"");
    jmes("!IsTruncated", "{\"IsTruncated\":false}", "true");
    jmes("\"quoted-key\".a", "{\"quoted-key\":{\"a\":1}}", "1");
    jmes("contains(Names, 'b')", "{\"Names\":[\"a\",\"b\"]}", "true");
    jmes("a.*.b", "{\"a\":{\"x\":{\"b\":1},\"y\":{\"b\":2}}}", "[1,2]");
    jmes("Count >= `2`", "{\"Count\":2.0}", "true");
    /* unsupported and malformed expressions say so */
    char *err = NULL;
    CHECK(stk_jmespath_compile("a[0:2]", &err) == NULL);
    CHECK(err && strstr(err, "slice"));
    free(err);
    err = NULL;
    CHECK(stk_jmespath_compile("a.[b, c]", &err) == NULL);
    CHECK(err && strstr(err, "multi-select"));
    free(err);
    err = NULL;
    CHECK(stk_jmespath_compile("a ==", &err) == NULL);
    free(err);
    err = NULL;
    CHECK(stk_jmespath_compile("sort(a)", &err) == NULL);
    CHECK(err && strstr(err, "sort()"));
    free(err);
}

static void every_waiter_compiles(void)
{
    const char *svcs[] = {"ec2", "elbv2", "autoscaling", "elasticache", "s3", "cloudfront", "ecr", "iam",
                          "sts", "logs", "monitoring", "sns", "dynamodb"};
    int n = 0;
    for (size_t s = 0; s < sizeof svcs / sizeof svcs[0]; s++) {
        const stk_aws_model *m = stk_aws_model_get(svcs[s], NULL);
        CHECK(m != NULL);
        if (!m) continue;
        const char *name;
        json_t *w;
        json_object_foreach(stk_aws_model_waiters(m), name, w) {
            size_t i;
            json_t *acc;
            json_array_foreach(json_object_get(w, "acceptors"), i, acc) {
                const char *arg = json_string_value(json_object_get(acc, "argument"));
                if (!arg) continue;
                char *err = NULL;
                stk_jmespath *jp = stk_jmespath_compile(arg, &err);
                if (!jp) fprintf(stderr, "%s %s: %s\n", svcs[s], name, err);
                CHECK(jp != NULL);
                stk_jmespath_free(jp);
                free(err);
                n++;
            }
            CHECK(stk_aws_model_operation(m, json_string_value(json_object_get(w, "operation"))) != NULL);
        }
    }
    CHECK(n > 50);
}

/* Many threads at once: lazy model loading, libxml2 and serializers are
   shared; every thread must see the same, correct wire forms. */
static void *thread_body(void *arg)
{
    int *bad = arg;
    const char *svcs[][3] = {
        {"ec2", "DescribeVpcs", "Action=DescribeVpcs&Version=2016-11-15&VpcId.1=v"},
        {"sns", "ListTopics", "Action=ListTopics&Version=2010-03-31"},
        {"iam", "GetRole", "Action=GetRole&Version=2010-05-08&RoleName=r"},
        {"autoscaling", "DescribeTags", "Action=DescribeTags&Version=2011-01-01"},
    };
    const char *params[] = {"{\"VpcIds\":[\"v\"]}", "{}", "{\"RoleName\":\"r\"}", "{}"};
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 4; i++) {
            stk_aws_request req;
            json_t *p = json_loads(params[i], 0, NULL);
            stk_diags d = STK_DIAGS_INIT;
            if (stk_aws_serialize(svcs[i][0], svcs[i][1], p, NULL, 0, &req, &d) != 0 ||
                strcmp(pt_body(&req), svcs[i][2]) != 0)
                (*bad)++;
            stk_aws_request_clear(&req);
            stk_diags_free(&d);
            json_decref(p);
        }
        json_t *r = NULL;
        stk_aws_error e;
        if (pt_parse("s3", "GetBucketTagging", NULL,
                     "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", 200, NULL, &r,
                     &e) != 0 || !pt_str(r, "TagSet[0].Value") || strcmp(pt_str(r, "TagSet[0].Value"), "v") != 0)
            (*bad)++;
        json_decref(r);
    }
    return NULL;
}

static void concurrent_calls(void)
{
    pthread_t th[8];
    int bad[8] = {0};
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, thread_body, &bad[i]);
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(bad[i], 0);
    }
}

int main(void)
{
    STK_RUN(concurrent_calls);
    STK_RUN(validation_rejects_before_sending);
    STK_RUN(query_timestamps_iso8601);
    STK_RUN(paginate_merges_pages);
    STK_RUN(waiter_acceptors);
    STK_RUN(wait_polls_until_success);
    STK_RUN(jmespath_subset);
    STK_RUN(every_waiter_compiles);
    return stk_test_report();
}
