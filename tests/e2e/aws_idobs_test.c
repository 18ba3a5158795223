/* aws_idobs_test.c - the identity, registry, observability, data-store and
 * random resource types' CRUD functions called directly against moto
 * (tests/e2e/aws_idobs.sh starts it and sets AWS_ENDPOINT_URL), objects
 * checked with /usr/bin/aws --endpoint-url: create -> read -> update ->
 * read -> import -> delete -> read gives NULL.  The local parts (random_*,
 * aws_iam_policy_document, policy comparison) run without moto; the AWS
 * cases are skipped without AWS_ENDPOINT_URL. */
#include "test.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "aws/idobs_util.h"
#include "aws/aws_types.h"

#include "aws_crud.h"
#include "plans/plan_priv.h"

/* 1 when the JSON text of j contains needle */
static int jcontains(json_t *j, const char *needle)
{
    char *s = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    int r = s && strstr(s, needle);
    free(s);
    return r;
}


/* a string at a path of keys in a JSON object ("Role.Description") */
static const char *JS(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(k)) : json_object_get(j, k);
    return json_string_value(j);
}


/* read after delete gives NULL */
static void check_gone(const stk_resource_type *t, stk_value *prior)
{
    stk_value *st = (stk_value *)1;
    CHECK_INT(readv(t, prior, &st), 0);
    CHECK(st == NULL);
    if (st && st != (stk_value *)1) stk_value_unref(st);
}

static int tags_are(stk_value *v, const char *attr, const char *want)
{
    json_t *a = stk_aws_get_json(v, attr), *w = J(want);
    if (!a) a = json_null();
    int ok = json_equal(a, w);
    if (!ok) {
        char *s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        fprintf(stderr, "  %s is %s, want %s\n", attr, s ? s : "NULL", want);
        free(s);
    }
    json_decref(a);
    json_decref(w);
    return ok;
}

static void unref(stk_value **vs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (vs[i]) stk_value_unref(vs[i]);
}

/* ---------------------------------------------------------------- local */

static void test_policy_equal(void)
{
    CHECK(stk_idobs_policy_equal(
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":\"*\"}]}",
        "{\"Statement\":{\"Resource\":[\"*\"],\"Action\":\"s3:GetObject\",\"Effect\":\"Allow\"},\"Version\":\"2012-10-17\"}"));
    CHECK(stk_idobs_policy_equal("{\"Statement\":[{\"Action\":[\"b\",\"a\"]}]}", "{\"Statement\":[{\"Action\":[\"a\",\"b\",\"a\"]}]}"));
    CHECK(!stk_idobs_policy_equal("{\"Statement\":[{\"Action\":\"a\"}]}", "{\"Statement\":[{\"Action\":\"b\"}]}"));
    CHECK(stk_idobs_policy_equal("%7B%22Statement%22%3A%5B%5D%7D", "{\"Statement\": []}"));   /* IAM's URL-encoding */
    char *dec = stk_idobs_url_decode("%7B%22a%22%3A1%7D");
    CHECK_STR(dec, "{\"a\":1}");
    free(dec);
    stk_value *n = stk_value_string("{\"Statement\":{\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}}");
    stk_value *c = stk_idobs_policy_normalize(n);
    CHECK_STR(stk_value_str(c), "{\"Statement\":[{\"Principal\":{\"Service\":[\"ec2.amazonaws.com\"]}}]}");
    stk_value_unref(n);
    stk_value_unref(c);
}

/* --------------------------------------------------------------- random */

static int local_create(const stk_resource_type *t, stk_value *planned, stk_value **st)
{
    stk_diags d = STK_DIAGS_INIT;
    int rc = t->create(NULL, t, planned, st, &d);
    if (rc) print_diags(&d);
    stk_diags_free(&d);
    return rc;
}

static void test_random(void)
{
    const stk_resource_type *it = &stk_random_id_type, *st = &stk_random_string_type, *pt = &stk_random_password_type;
    CHECK(stk_resource_type_lookup(STK_RESOURCE_MANAGED, "random_password") == pt);
    CHECK(stk_provider_factory_lookup("random") != NULL);
    stk_value *v[10] = {0};
    v[0] = V(it, "{\"byte_length\":8,\"keepers\":{\"ami\":\"x\"}}");
    CHECK_INT(local_create(it, v[0], &v[1]), 0);
    if (v[1]) {
        CHECK_INT((int)strlen(S(v[1], "hex")), 16);
        CHECK_INT((int)strlen(S(v[1], "b64_url")), 11);   /* 8 bytes, unpadded */
        CHECK_INT((int)strlen(S(v[1], "b64_std")), 12);   /* padded */
        CHECK_STR(S(v[1], "id"), S(v[1], "b64_url"));
        CHECK(tags_are(v[1], "keepers", "{\"ami\":\"x\"}"));
        /* import by b64_url gives the same bytes */
        stk_diags d = STK_DIAGS_INIT;
        CHECK_INT(it->import(NULL, it, S(v[1], "b64_url"), &v[2], &d), 0);
        stk_diags_free(&d);
        CHECK(v[2] && !strcmp(S(v[2], "hex"), S(v[1], "hex")) && !strcmp(S(v[2], "dec"), S(v[1], "dec")));
    }
    /* a known value: bytes 00 ff -> hex 00ff, dec 255, b64 AP8 */
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(it->import(NULL, it, "pre-,AP8", &v[3], &d), 0);
    stk_diags_free(&d);
    CHECK(v[3] && !strcmp(S(v[3], "hex"), "pre-00ff") && !strcmp(S(v[3], "dec"), "pre-255") &&
          !strcmp(S(v[3], "b64_std"), "pre-AP8=") && !strcmp(S(v[3], "id"), "AP8"));
    v[4] = V(st, "{\"length\":24,\"special\":false,\"min_upper\":3,\"min_numeric\":4}");
    CHECK_INT(local_create(st, v[4], &v[5]), 0);
    if (v[5]) {
        const char *r = S(v[5], "result");
        int up = 0, num = 0, other = 0;
        for (const char *c = r; *c; c++) {
            if (*c >= 'A' && *c <= 'Z') up++;
            else if (*c >= '0' && *c <= '9') num++;
            else if (!(*c >= 'a' && *c <= 'z')) other++;
        }
        CHECK_INT((int)strlen(r), 24);
        CHECK(up >= 3 && num >= 4 && other == 0);
        CHECK_STR(S(v[5], "id"), r);
    }
    v[6] = V(pt, "{\"length\":16,\"override_special\":\"#\",\"min_special\":2}");
    CHECK_INT(local_create(pt, v[6], &v[7]), 0);
    if (v[7]) {
        stk_value *res = stk_value_get(v[7], "result");
        CHECK(res && (res->marks & STK_MARK_SENSITIVE));
        const char *r = S(v[7], "result");
        int hash = 0, bad = 0;
        for (const char *c = r; *c; c++) {
            if (*c == '#') hash++;
            else if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))) bad++;
        }
        CHECK(hash >= 2 && bad == 0 && strlen(r) == 16);
        CHECK_STR(S(v[7], "id"), "none");
    }
    v[8] = V(st, "{\"length\":2,\"min_upper\":3}");   /* impossible: an error, not a short string */
    stk_value *none = NULL;
    d = (stk_diags)STK_DIAGS_INIT;
    CHECK_INT(st->create(NULL, st, v[8], &none, &d), -1);
    CHECK(stk_diags_has_errors(&d));
    stk_diags_free(&d);
    unref(v, 10);
}

/* ------------------------------------------------- policy document data */

static stk_value *data_read(const stk_resource_type *t, stk_value *cfg)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_value *st = NULL;
    if (t->read_data(P, t, cfg, &st, &d) != 0) print_diags(&d);
    stk_diags_free(&d);
    return st;
}

static void test_policy_document(void)
{
    const stk_resource_type *t = &stk_data_aws_iam_policy_document_type;
    CHECK(stk_resource_type_lookup(STK_RESOURCE_DATA, "aws_iam_policy_document") == t);
    stk_value *v[8] = {0};
    v[0] = V(t, "{\"statement\":[{\"actions\":[\"sts:AssumeRole\"],\"principals\":[{\"type\":\"Service\","
                "\"identifiers\":[\"ec2.amazonaws.com\"]}]}]}");
    v[1] = data_read(t, v[0]);
    CHECK(v[1] != NULL);
    if (v[1]) {
        CHECK_STR(S(v[1], "json"), "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n"
                                   "      \"Action\": \"sts:AssumeRole\",\n      \"Principal\": {\n        \"Service\": "
                                   "\"ec2.amazonaws.com\"\n      }\n    }\n  ]\n}");
        CHECK_STR(S(v[1], "minified_json"), "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                            "\"Action\":\"sts:AssumeRole\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}]}");
        CHECK(S(v[1], "id") && strspn(S(v[1], "id"), "0123456789") == strlen(S(v[1], "id")));
    }
    /* several actions (reverse-sorted), sid, resources, a condition, "*" principal, an override by Sid */
    v[2] = V(t, "{\"policy_id\":\"p1\",\"statement\":[{\"sid\":\"S3\",\"effect\":\"Deny\",\"actions\":[\"s3:GetObject\","
                "\"s3:PutObject\",\"s3:ListBucket\"],\"resources\":[\"arn:aws:s3:::b/*\"],"
                "\"principals\":[{\"type\":\"*\",\"identifiers\":[\"*\"]}],"
                "\"condition\":[{\"test\":\"StringEquals\",\"variable\":\"aws:SourceArn\",\"values\":[\"a<b\"]}]}],"
                "\"override_policy_documents\":[\"{\\\"Statement\\\":[{\\\"Sid\\\":\\\"Extra\\\",\\\"Effect\\\":\\\"Allow\\\","
                "\\\"Action\\\":\\\"s3:*\\\",\\\"Resource\\\":\\\"*\\\"}]}\"]}");
    v[3] = v[2] ? data_read(t, v[2]) : NULL;
    CHECK(v[3] != NULL);
    if (v[3])
        CHECK_STR(S(v[3], "minified_json"),
                  "{\"Version\":\"2012-10-17\",\"Id\":\"p1\",\"Statement\":[{\"Sid\":\"S3\",\"Effect\":\"Deny\","
                  "\"Action\":[\"s3:PutObject\",\"s3:ListBucket\",\"s3:GetObject\"],\"Resource\":\"arn:aws:s3:::b/*\","
                  "\"Principal\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:SourceArn\":\"a\\u003cb\"}}},"
                  "{\"Sid\":\"Extra\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}");
    unref(v, 8);
}

/* ------------------------------------------------------------------ IAM */

static const char *TRUST = "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
                           "\\\"Principal\\\":{\\\"Service\\\":\\\"ec2.amazonaws.com\\\"},\\\"Action\\\":\\\"sts:AssumeRole\\\"}]}";
static const char *POLICY1 = "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
                             "\\\"Action\\\":[\\\"s3:GetObject\\\"],\\\"Resource\\\":\\\"*\\\"}]}";
static const char *POLICY2 = "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\","
                             "\\\"Action\\\":[\\\"logs:PutLogEvents\\\",\\\"logs:CreateLogStream\\\"],\\\"Resource\\\":\\\"*\\\"}]}";

static void test_iam(void)
{
    const stk_resource_type *rt = &stk_aws_iam_role_type, *pt = &stk_aws_iam_policy_type,
                            *at = &stk_aws_iam_role_policy_attachment_type, *rpt = &stk_aws_iam_role_policy_type,
                            *it = &stk_aws_iam_instance_profile_type;
    stk_value *v[24] = {0};
    /* role */
    v[0] = V(rt, "{\"name\":\"idobs-app\",\"assume_role_policy\":\"%s\",\"path\":\"/\",\"max_session_duration\":3600,"
                 "\"tags\":{\"Name\":\"app\"}}", TRUST);
    CHECK_INT(create(rt, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK_STR(S(v[1], "id"), "idobs-app");
    CHECK(S(v[1], "arn") && strstr(S(v[1], "arn"), ":role/idobs-app"));
    CHECK(S(v[1], "unique_id") && S(v[1], "create_date"));
    CHECK(!strcmp(S(v[1], "assume_role_policy"), S(v[0], "assume_role_policy")));   /* configured text kept */
    CHECK(tags_are(v[1], "tags", "{\"Name\":\"app\"}"));
    CHECK(tags_are(v[1], "tags_all", "{\"Name\":\"app\",\"Env\":\"e2e\"}"));
    json_t *cli = awscli("iam get-role --role-name idobs-app");
    CHECK_STR(JS(cli, "Role.Arn"), S(v[1], "arn"));
    json_decref(cli);
    /* update: description, session length, trust policy, tags */
    v[2] = V(rt, "{\"id\":\"idobs-app\",\"name\":\"idobs-app\",\"assume_role_policy\":\"%s\",\"path\":\"/\","
                 "\"description\":\"app role\",\"max_session_duration\":7200,\"tags\":{\"Name\":\"app2\",\"Tier\":\"web\"}}",
             TRUST);
    CHECK_INT(update(rt, v[1], v[2], &v[3]), 0);
    if (!v[3]) goto out;
    CHECK_STR(S(v[3], "description"), "app role");
    CHECK_INT((int)stk_aws_get_int(v[3], "max_session_duration", 0), 7200);
    CHECK(tags_are(v[3], "tags", "{\"Name\":\"app2\",\"Tier\":\"web\"}"));
    cli = awscli("iam get-role --role-name idobs-app");
    CHECK_STR(JS(cli, "Role.Description"), "app role");
    json_decref(cli);
    CHECK_INT(readv(rt, v[3], &v[4]), 0);
    CHECK(v[4] && stk_value_raw_equal(v[3], v[4]));   /* a second read changes nothing */
    CHECK_INT(import(rt, "idobs-app", &v[5]), 0);
    CHECK(v[5] && !strcmp(S(v[5], "arn"), S(v[3], "arn")));

    /* managed policy: create, new version, attach */
    v[6] = V(pt, "{\"name\":\"idobs-read\",\"path\":\"/\",\"policy\":\"%s\"}", POLICY1);
    CHECK_INT(create(pt, v[6], &v[7]), 0);
    if (!v[7]) goto out;
    CHECK(S(v[7], "arn") && strstr(S(v[7], "arn"), ":policy/idobs-read"));
    CHECK_STR(S(v[7], "id"), S(v[7], "arn"));
    CHECK(S(v[7], "policy_id") != NULL);
    v[8] = V(pt, "{\"id\":\"%s\",\"arn\":\"%s\",\"name\":\"idobs-read\",\"path\":\"/\",\"policy\":\"%s\"}", S(v[7], "id"),
             S(v[7], "arn"), POLICY2);
    CHECK_INT(update(pt, v[7], v[8], &v[9]), 0);
    CHECK(v[9] && stk_idobs_policy_equal(S(v[9], "policy"), S(v[8], "policy")));
    cli = awscli("iam get-policy --policy-arn %s", S(v[7], "arn"));
    CHECK_STR(JS(cli, "Policy.DefaultVersionId"), "v2");
    json_decref(cli);

    v[10] = V(at, "{\"role\":\"idobs-app\",\"policy_arn\":\"%s\"}", S(v[7], "arn"));
    CHECK_INT(create(at, v[10], &v[11]), 0);
    CHECK(v[11] && !strncmp(S(v[11], "id"), "idobs-app-", 10));
    cli = awscli("iam list-attached-role-policies --role-name idobs-app");
    CHECK_STR(JS(cli, "AttachedPolicies.0.PolicyArn"), S(v[7], "arn"));
    json_decref(cli);
    char imp[512];
    snprintf(imp, sizeof imp, "idobs-app/%s", S(v[7], "arn"));
    CHECK_INT(import(at, imp, &v[12]), 0);
    CHECK(v[12] && !strcmp(S(v[12], "role"), "idobs-app"));

    /* inline policy */
    v[13] = V(rpt, "{\"name\":\"inline\",\"role\":\"idobs-app\",\"policy\":\"%s\"}", POLICY1);
    CHECK_INT(create(rpt, v[13], &v[14]), 0);
    CHECK(v[14] && !strcmp(S(v[14], "id"), "idobs-app:inline"));
    v[15] = V(rpt, "{\"id\":\"idobs-app:inline\",\"name\":\"inline\",\"role\":\"idobs-app\",\"policy\":\"%s\"}", POLICY2);
    if (v[14]) CHECK_INT(update(rpt, v[14], v[15], &v[16]), 0);
    CHECK(v[16] && !strcmp(S(v[16], "policy"), S(v[15], "policy")));
    cli = awscli("iam get-role-policy --role-name idobs-app --policy-name inline");
    CHECK(jcontains(cli, "logs:PutLogEvents"));
    json_decref(cli);

    /* instance profile */
    v[17] = V(it, "{\"name\":\"idobs-profile\",\"path\":\"/\",\"role\":\"idobs-app\"}");
    CHECK_INT(create(it, v[17], &v[18]), 0);
    CHECK(v[18] && !strcmp(S(v[18], "role"), "idobs-app"));
    cli = awscli("iam get-instance-profile --instance-profile-name idobs-profile");
    CHECK_STR(JS(cli, "InstanceProfile.Roles.0.RoleName"), "idobs-app");
    json_decref(cli);
    v[19] = V(it, "{\"id\":\"idobs-profile\",\"name\":\"idobs-profile\",\"path\":\"/\",\"role\":null,\"tags\":{\"a\":\"b\"}}");
    if (v[18]) CHECK_INT(update(it, v[18], v[19], &v[20]), 0);
    CHECK(v[20] && S(v[20], "role") == NULL);
    CHECK(v[20] && tags_are(v[20], "tags", "{\"a\":\"b\"}"));

    /* delete in dependency order; each read afterwards gives NULL */
    if (v[20]) { CHECK_INT(del(it, v[20]), 0); check_gone(it, v[20]); }
    if (v[16]) { CHECK_INT(del(rpt, v[16]), 0); check_gone(rpt, v[16]); }
    if (v[11]) { CHECK_INT(del(at, v[11]), 0); check_gone(at, v[11]); }
    if (v[9]) { CHECK_INT(del(pt, v[9]), 0); check_gone(pt, v[9]); }
    CHECK_INT(del(rt, v[3]), 0);
    check_gone(rt, v[3]);
    CHECK_INT(del(rt, v[3]), 0);   /* deleting again is not an error */
    cli = awscli("iam list-roles");
    CHECK(cli && !jcontains(cli, "idobs-app"));
    json_decref(cli);
out:
    unref(v, 24);
}

/* generated names and name_prefix */
static void test_iam_name_prefix(void)
{
    const stk_resource_type *rt = &stk_aws_iam_role_type;
    stk_value *v[4] = {0};
    v[0] = V(rt, "{\"name_prefix\":\"idobs-\",\"assume_role_policy\":\"%s\",\"path\":\"/\",\"max_session_duration\":3600}",
             TRUST);
    CHECK_INT(create(rt, v[0], &v[1]), 0);
    if (v[1]) {
        CHECK(!strncmp(S(v[1], "name"), "idobs-", 6) && strlen(S(v[1], "name")) == 6 + 26);
        CHECK_STR(S(v[1], "name_prefix"), "idobs-");
        CHECK_INT(del(rt, v[1]), 0);
    }
    unref(v, 4);
}

/* ------------------------------------------------------------------ ECR */

static void test_ecr(void)
{
    const stk_resource_type *t = &stk_aws_ecr_repository_type, *lt = &stk_aws_ecr_lifecycle_policy_type;
    stk_value *v[12] = {0};
    v[0] = V(t, "{\"name\":\"idobs-app\",\"image_tag_mutability\":\"MUTABLE\",\"force_delete\":true,"
                "\"image_scanning_configuration\":[{\"scan_on_push\":true}],\"encryption_configuration\":[],"
                "\"tags\":{\"Name\":\"repo\"}}");
    CHECK_INT(create(t, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK(S(v[1], "repository_url") && strstr(S(v[1], "repository_url"), "/idobs-app"));
    CHECK(S(v[1], "registry_id") && S(v[1], "arn"));
    CHECK_INT((int)stk_aws_get_count(v[1], "image_scanning_configuration"), 1);
    CHECK_INT((int)stk_aws_get_count(v[1], "encryption_configuration"), 0);
    CHECK(tags_are(v[1], "tags_all", "{\"Name\":\"repo\",\"Env\":\"e2e\"}"));
    json_t *cli = awscli("ecr describe-repositories --repository-names idobs-app");
    CHECK_STR(JS(cli, "repositories.0.repositoryUri"), S(v[1], "repository_url"));
    json_decref(cli);
    v[2] = V(t, "{\"id\":\"idobs-app\",\"arn\":\"%s\",\"name\":\"idobs-app\",\"image_tag_mutability\":\"IMMUTABLE\","
                "\"force_delete\":true,\"image_scanning_configuration\":[{\"scan_on_push\":false}],"
                "\"encryption_configuration\":[],\"tags\":{\"Name\":\"repo2\"}}", S(v[1], "arn"));
    CHECK_INT(update(t, v[1], v[2], &v[3]), 0);
    CHECK(v[3] && !strcmp(S(v[3], "image_tag_mutability"), "IMMUTABLE"));
    cli = awscli("ecr describe-repositories --repository-names idobs-app");
    CHECK_STR(JS(cli, "repositories.0.imageTagMutability"), "IMMUTABLE");
    json_decref(cli);
    CHECK(v[3] && tags_are(v[3], "tags", "{\"Name\":\"repo2\"}"));

    /* lifecycle policy */
    const char *lp = "{\\\"rules\\\":[{\\\"rulePriority\\\":1,\\\"description\\\":\\\"keep 10\\\",\\\"selection\\\":"
                     "{\\\"tagStatus\\\":\\\"any\\\",\\\"countType\\\":\\\"imageCountMoreThan\\\",\\\"countNumber\\\":10},"
                     "\\\"action\\\":{\\\"type\\\":\\\"expire\\\"}}]}";
    v[4] = V(lt, "{\"repository\":\"idobs-app\",\"policy\":\"%s\"}", lp);
    CHECK_INT(create(lt, v[4], &v[5]), 0);
    CHECK(v[5] && !strcmp(S(v[5], "policy"), S(v[4], "policy")));
    CHECK(v[5] && S(v[5], "registry_id"));
    cli = awscli("ecr get-lifecycle-policy --repository-name idobs-app");
    CHECK(JS(cli, "lifecyclePolicyText") != NULL);
    json_decref(cli);
    CHECK_INT(import(lt, "idobs-app", &v[6]), 0);
    if (v[5]) { CHECK_INT(del(lt, v[5]), 0); check_gone(lt, v[5]); }
    CHECK_INT(import(t, "idobs-app", &v[7]), 0);
    if (v[3]) { CHECK_INT(del(t, v[3]), 0); check_gone(t, v[3]); }
out:
    unref(v, 12);
}

/* ---------------------------------------------------------- CloudWatch */

static void test_log_group(void)
{
    const stk_resource_type *t = &stk_aws_cloudwatch_log_group_type;
    stk_value *v[8] = {0};
    v[0] = V(t, "{\"name\":\"/idobs/app\",\"retention_in_days\":30,\"skip_destroy\":false,\"tags\":{\"Name\":\"logs\"}}");
    CHECK_INT(create(t, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK(S(v[1], "arn") && strstr(S(v[1], "arn"), ":log-group:/idobs/app"));
    CHECK(S(v[1], "arn") && strcmp(S(v[1], "arn") + strlen(S(v[1], "arn")) - 2, ":*"));   /* no :* suffix */
    CHECK_INT((int)stk_aws_get_int(v[1], "retention_in_days", 0), 30);
    CHECK(tags_are(v[1], "tags_all", "{\"Name\":\"logs\",\"Env\":\"e2e\"}"));
    json_t *cli = awscli("logs describe-log-groups --log-group-name-prefix /idobs/app");
    CHECK_INT((int)json_integer_value(json_object_get(json_array_get(json_object_get(cli, "logGroups"), 0), "retentionInDays")), 30);
    json_decref(cli);
    v[2] = V(t, "{\"id\":\"/idobs/app\",\"name\":\"/idobs/app\",\"retention_in_days\":7,\"skip_destroy\":false,"
                "\"tags\":{\"Name\":\"logs\",\"x\":\"y\"}}");
    CHECK_INT(update(t, v[1], v[2], &v[3]), 0);
    CHECK(v[3] && stk_aws_get_int(v[3], "retention_in_days", 0) == 7);
    CHECK(v[3] && tags_are(v[3], "tags", "{\"Name\":\"logs\",\"x\":\"y\"}"));
    v[4] = V(t, "{\"id\":\"/idobs/app\",\"name\":\"/idobs/app\",\"retention_in_days\":0,\"skip_destroy\":false}");
    if (v[3]) CHECK_INT(update(t, v[3], v[4], &v[5]), 0);
    CHECK(v[5] && stk_aws_get_int(v[5], "retention_in_days", -1) == 0);
    CHECK(v[5] && tags_are(v[5], "tags", "null"));
    CHECK_INT(import(t, "/idobs/app", &v[6]), 0);
    /* crash recovery: the intent's info names the group; recover finds it, and nothing once deleted */
    char *info = t->journal_info(P, t, v[0], "tok-1");
    CHECK(info && strstr(info, "\"name\":\"/idobs/app\"") && strstr(info, "\"token\":\"tok-1\""));
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(t->recover(P, t, info, &v[7], &d), 0);
    /* the create built its state from what it sent (no read-back): AWS's read agrees */
    CHECK(v[7] && !strcmp(S(v[7], "arn"), S(v[1], "arn")));
    CHECK(v[7] && S(v[7], "log_group_class") && !strcmp(S(v[7], "log_group_class"), S(v[1], "log_group_class")));
    if (v[5]) { CHECK_INT(del(t, v[5]), 0); check_gone(t, v[5]); }
    stk_value *gone = (stk_value *)1;
    CHECK_INT(t->recover(P, t, info, &gone, &d), 0);
    CHECK(gone == NULL);
    CHECK_INT(t->recover(P, t, "{\"token\":\"x\"}", &gone, &d), -1);   /* no name: cannot tell, says so */
    CHECK(stk_diags_has_errors(&d));
    stk_diags_free(&d);
    free(info);
out:
    unref(v, 8);
}

static void test_alarm_dashboard(void)
{
    const stk_resource_type *t = &stk_aws_cloudwatch_metric_alarm_type, *dt = &stk_aws_cloudwatch_dashboard_type;
    stk_value *v[12] = {0};
    v[0] = V(t, "{\"alarm_name\":\"idobs-cpu\",\"comparison_operator\":\"GreaterThanThreshold\",\"evaluation_periods\":2,"
                "\"metric_name\":\"CPUUtilization\",\"namespace\":\"AWS/EC2\",\"period\":120,\"statistic\":\"Average\","
                "\"threshold\":80,\"alarm_description\":\"cpu\",\"dimensions\":{\"AutoScalingGroupName\":\"web\"},"
                "\"actions_enabled\":true,\"treat_missing_data\":\"missing\",\"tags\":{\"Name\":\"cpu\"}}");
    CHECK_INT(create(t, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK(S(v[1], "arn") && strstr(S(v[1], "arn"), ":alarm:idobs-cpu"));
    CHECK(tags_are(v[1], "dimensions", "{\"AutoScalingGroupName\":\"web\"}"));
    CHECK(tags_are(v[1], "threshold", "80"));
    CHECK(tags_are(v[1], "alarm_actions", "null"));
    json_t *cli = awscli("cloudwatch describe-alarms --alarm-names idobs-cpu");
    CHECK_STR(JS(cli, "MetricAlarms.0.MetricName"), "CPUUtilization");
    json_decref(cli);
    v[2] = V(t, "{\"id\":\"idobs-cpu\",\"arn\":\"%s\",\"alarm_name\":\"idobs-cpu\",\"comparison_operator\":\"GreaterThanThreshold\","
                "\"evaluation_periods\":3,\"metric_name\":\"CPUUtilization\",\"namespace\":\"AWS/EC2\",\"period\":120,"
                "\"statistic\":\"Average\",\"threshold\":90,\"alarm_description\":\"cpu high\","
                "\"dimensions\":{\"AutoScalingGroupName\":\"web\"},\"actions_enabled\":true,\"treat_missing_data\":\"missing\","
                "\"tags\":{\"Name\":\"cpu2\"}}", S(v[1], "arn"));
    CHECK_INT(update(t, v[1], v[2], &v[3]), 0);
    CHECK(v[3] && tags_are(v[3], "threshold", "90") && stk_aws_get_int(v[3], "evaluation_periods", 0) == 3);
    CHECK(v[3] && tags_are(v[3], "tags", "{\"Name\":\"cpu2\"}"));
    CHECK_INT(import(t, "idobs-cpu", &v[4]), 0);
    if (v[3]) { CHECK_INT(del(t, v[3]), 0); check_gone(t, v[3]); }

    const char *body = "{\\\"widgets\\\":[{\\\"type\\\":\\\"text\\\",\\\"x\\\":0,\\\"y\\\":0,\\\"width\\\":6,\\\"height\\\":3,"
                       "\\\"properties\\\":{\\\"markdown\\\":\\\"hello\\\"}}]}";
    v[5] = V(dt, "{\"dashboard_name\":\"idobs\",\"dashboard_body\":\"%s\"}", body);
    CHECK_INT(create(dt, v[5], &v[6]), 0);
    CHECK(v[6] && S(v[6], "dashboard_arn") && !strcmp(S(v[6], "dashboard_body"), S(v[5], "dashboard_body")));
    cli = awscli("cloudwatch get-dashboard --dashboard-name idobs");
    CHECK(JS(cli, "DashboardBody") && strstr(JS(cli, "DashboardBody"), "hello"));
    json_decref(cli);
    v[7] = V(dt, "{\"id\":\"idobs\",\"dashboard_name\":\"idobs\",\"dashboard_body\":\"{\\\"widgets\\\":[]}\"}");
    if (v[6]) CHECK_INT(update(dt, v[6], v[7], &v[8]), 0);
    CHECK(v[8] && !strcmp(S(v[8], "dashboard_body"), "{\"widgets\":[]}"));
    if (v[8]) { CHECK_INT(del(dt, v[8]), 0); check_gone(dt, v[8]); }
out:
    unref(v, 12);
}

/* ----------------------------------------------------------------- SNS */

static void test_sns(void)
{
    const stk_resource_type *t = &stk_aws_sns_topic_type, *st = &stk_aws_sns_topic_subscription_type;
    stk_value *v[12] = {0};
    v[0] = V(t, "{\"name\":\"idobs-alarms\",\"display_name\":\"Alarms\",\"fifo_topic\":false,"
                "\"content_based_deduplication\":false,\"tags\":{\"Name\":\"alarms\"}}");
    CHECK_INT(create(t, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK(S(v[1], "arn") && strstr(S(v[1], "arn"), ":idobs-alarms"));
    CHECK_STR(S(v[1], "id"), S(v[1], "arn"));
    CHECK_STR(S(v[1], "display_name"), "Alarms");
    CHECK(S(v[1], "policy") != NULL);   /* AWS's default policy, computed */
    CHECK(tags_are(v[1], "tags_all", "{\"Name\":\"alarms\",\"Env\":\"e2e\"}"));
    json_t *cli = awscli("sns get-topic-attributes --topic-arn %s", S(v[1], "arn"));
    CHECK_STR(JS(cli, "Attributes.DisplayName"), "Alarms");
    json_decref(cli);
    v[2] = V(t, "{\"id\":\"%s\",\"arn\":\"%s\",\"name\":\"idobs-alarms\",\"display_name\":\"Alarms 2\",\"fifo_topic\":false,"
                "\"content_based_deduplication\":false,\"policy\":%s,\"tags\":{\"Name\":\"alarms\",\"k\":\"v\"}}",
             S(v[1], "arn"), S(v[1], "arn"), "null");
    CHECK_INT(update(t, v[1], v[2], &v[3]), 0);
    CHECK(v[3] && !strcmp(S(v[3], "display_name"), "Alarms 2"));
    CHECK(v[3] && tags_are(v[3], "tags", "{\"Name\":\"alarms\",\"k\":\"v\"}"));

    /* email subscription: pending confirmation, still an ARN */
    v[4] = V(st, "{\"topic_arn\":\"%s\",\"protocol\":\"email\",\"endpoint\":\"ops@example.com\"}", S(v[1], "arn"));
    CHECK_INT(create(st, v[4], &v[5]), 0);
    if (v[5]) {
        CHECK(S(v[5], "arn") && !strncmp(S(v[5], "arn"), "arn:", 4));
        CHECK_STR(S(v[5], "protocol"), "email");
        CHECK_STR(S(v[5], "endpoint"), "ops@example.com");
        cli = awscli("sns list-subscriptions-by-topic --topic-arn %s", S(v[1], "arn"));
        CHECK_STR(JS(cli, "Subscriptions.0.Endpoint"), "ops@example.com");
        json_decref(cli);
        v[6] = V(st, "{\"id\":\"%s\",\"topic_arn\":\"%s\",\"protocol\":\"email\",\"endpoint\":\"ops@example.com\","
                     "\"filter_policy\":\"{\\\"severity\\\":[\\\"high\\\"]}\"}", S(v[5], "id"), S(v[1], "arn"));
        CHECK_INT(update(st, v[5], v[6], &v[7]), 0);
        CHECK(v[7] && S(v[7], "filter_policy") && strstr(S(v[7], "filter_policy"), "high"));
        CHECK_INT(import(st, S(v[5], "id"), &v[8]), 0);
        CHECK_INT(del(st, v[7] ? v[7] : v[5]), 0);
    }
    CHECK_INT(import(t, S(v[1], "arn"), &v[9]), 0);
    if (v[3]) { CHECK_INT(del(t, v[3]), 0); check_gone(t, v[3]); }
out:
    unref(v, 12);
}

static void test_cache_policy(void)
{
    const stk_resource_type *t = &stk_data_aws_cloudfront_cache_policy_type;
    stk_value *cfg = V(t, "{\"name\":\"Managed-CachingOptimized\"}"), *st = data_read(t, cfg);
    CHECK(st != NULL);
    if (st) {
        CHECK_STR(S(st, "id"), "658327ea-f89d-4fab-a63d-7e88639e58f6");   /* AWS's id for this managed policy */
        CHECK(tags_are(st, "default_ttl", "86400"));
        CHECK(S(st, "etag") != NULL);
        stk_value *pk = stk_aws_get_elem(st, "parameters_in_cache_key_and_forwarded_to_origin", 0);
        CHECK(pk && stk_aws_get_bool(pk, "enable_accept_encoding_gzip", 0));
        stk_value *byid = V(t, "{\"id\":\"%s\"}", S(st, "id")), *st2 = data_read(t, byid);
        CHECK(st2 && !strcmp(S(st2, "name"), "Managed-CachingOptimized"));
        if (st2) stk_value_unref(st2);
        stk_value_unref(byid);
        stk_value_unref(st);
    }
    stk_value *bad = V(t, "{\"name\":\"No-Such-Policy\"}");
    stk_diags d = STK_DIAGS_INIT;
    stk_value *none = NULL;
    CHECK_INT(t->read_data(P, t, bad, &none, &d), -1);
    CHECK(none == NULL && stk_diags_has_errors(&d));
    stk_diags_free(&d);
    stk_value_unref(bad);
    stk_value_unref(cfg);
}

/* ---------------------------------------------------------- ElastiCache */

static void test_elasticache(void)
{
    const stk_resource_type *gt = &stk_aws_elasticache_subnet_group_type, *pt = &stk_aws_elasticache_parameter_group_type,
                            *ct = &stk_aws_elasticache_cluster_type, *rt = &stk_aws_elasticache_replication_group_type;
    stk_value *v[24] = {0};
    /* a VPC and two subnets made with the AWS CLI */
    json_t *vpc = awscli("ec2 create-vpc --cidr-block 10.42.0.0/16");
    const char *vpc_id = JS(vpc, "Vpc.VpcId");
    json_t *s1 = awscli("ec2 create-subnet --vpc-id %s --cidr-block 10.42.1.0/24 --availability-zone eu-north-1a", vpc_id);
    json_t *s2 = awscli("ec2 create-subnet --vpc-id %s --cidr-block 10.42.2.0/24 --availability-zone eu-north-1b", vpc_id);
    const char *sn1 = JS(s1, "Subnet.SubnetId"), *sn2 = JS(s2, "Subnet.SubnetId");
    CHECK(sn1 && sn2);
    if (!sn1 || !sn2) goto out;

    v[0] = V(gt, "{\"name\":\"Idobs-Cache\",\"description\":\"Managed by Terraform\",\"subnet_ids\":[\"%s\"],"
                 "\"tags\":{\"Name\":\"cache\"}}", sn1);
    CHECK_INT(create(gt, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK_STR(S(v[1], "id"), "idobs-cache");   /* AWS lower-cases */
    CHECK_STR(S(v[1], "name"), "Idobs-Cache"); /* the configured spelling stays */
    CHECK_STR(S(v[1], "vpc_id"), vpc_id);
    v[2] = V(gt, "{\"id\":\"idobs-cache\",\"arn\":\"%s\",\"name\":\"Idobs-Cache\",\"description\":\"two subnets\","
                 "\"subnet_ids\":[\"%s\",\"%s\"],\"tags\":{\"Name\":\"cache\"}}", S(v[1], "arn"), sn1, sn2);
    CHECK_INT(update(gt, v[1], v[2], &v[3]), 0);
    CHECK(v[3] && stk_aws_get_count(v[3], "subnet_ids") == 2);
    json_t *cli = awscli("elasticache describe-cache-subnet-groups --cache-subnet-group-name idobs-cache");
    CHECK_STR(JS(cli, "CacheSubnetGroups.0.CacheSubnetGroupDescription"), "two subnets");
    json_decref(cli);

    v[4] = V(pt, "{\"name\":\"idobs-redis7\",\"family\":\"redis7\",\"description\":\"Managed by Terraform\","
                 "\"parameter\":[{\"name\":\"maxmemory-policy\",\"value\":\"allkeys-lru\"}]}");
    CHECK_INT(create(pt, v[4], &v[5]), 0);
    if (v[5]) {
        CHECK(S(v[5], "arn") != NULL);
        CHECK(tags_are(v[5], "parameter", "[{\"name\":\"maxmemory-policy\",\"value\":\"allkeys-lru\"}]"));
        v[6] = V(pt, "{\"id\":\"idobs-redis7\",\"arn\":\"%s\",\"name\":\"idobs-redis7\",\"family\":\"redis7\","
                     "\"description\":\"Managed by Terraform\",\"parameter\":[{\"name\":\"timeout\",\"value\":\"300\"}],"
                     "\"tags\":{\"a\":\"b\"}}", S(v[5], "arn"));
        CHECK_INT(update(pt, v[5], v[6], &v[7]), 0);
        CHECK(v[7] && tags_are(v[7], "parameter", "[{\"name\":\"timeout\",\"value\":\"300\"}]"));
        CHECK(v[7] && tags_are(v[7], "tags", "{\"a\":\"b\"}"));
    }

    /* a single-node Redis cluster (slow mode: the waiter sees "creating") */
    v[8] = V(ct, "{\"cluster_id\":\"idobs-redis\",\"engine\":\"redis\",\"node_type\":\"cache.t3.micro\","
                 "\"num_cache_nodes\":1,\"port\":6379,\"subnet_group_name\":\"idobs-cache\","
                 "\"parameter_group_name\":\"idobs-redis7\",\"tags\":{\"Name\":\"redis\"}}");
    CHECK_INT(create(ct, v[8], &v[9]), 0);
    if (v[9]) {
        stk_value *node = stk_aws_get_elem(v[9], "cache_nodes", 0);
        CHECK(node && stk_aws_get_str(node, "address") && stk_aws_get_int(node, "port", 0) == 6379);
        CHECK_STR(S(v[9], "id"), "idobs-redis");
        CHECK(S(v[9], "engine_version_actual") != NULL);
        cli = awscli("elasticache describe-cache-clusters --cache-cluster-id idobs-redis");
        CHECK_STR(JS(cli, "CacheClusters.0.CacheClusterStatus"), "available");
        json_decref(cli);
        v[10] = V(ct, "{\"id\":\"idobs-redis\",\"arn\":\"%s\",\"cluster_id\":\"idobs-redis\",\"engine\":\"redis\","
                      "\"node_type\":\"cache.t3.micro\",\"num_cache_nodes\":1,\"port\":6379,"
                      "\"subnet_group_name\":\"idobs-cache\",\"parameter_group_name\":\"idobs-redis7\","
                      "\"snapshot_retention_limit\":3,\"apply_immediately\":true,\"tags\":{\"Name\":\"redis2\"}}",
                  S(v[9], "arn"));
        CHECK_INT(update(ct, v[9], v[10], &v[11]), 0);
        CHECK(v[11] && tags_are(v[11], "tags", "{\"Name\":\"redis2\"}"));
        CHECK_INT(import(ct, "idobs-redis", &v[12]), 0);
        CHECK_INT(del(ct, v[11] ? v[11] : v[9]), 0);
        check_gone(ct, v[9]);
    }

    /* a replication group with one primary and one replica */
    v[13] = V(rt, "{\"replication_group_id\":\"idobs-rg\",\"description\":\"sessions\",\"engine\":\"redis\","
                  "\"node_type\":\"cache.t3.micro\",\"num_cache_clusters\":2,\"port\":6379,"
                  "\"automatic_failover_enabled\":true,\"multi_az_enabled\":false,\"subnet_group_name\":\"idobs-cache\","
                  "\"tags\":{\"Name\":\"rg\"}}");
    CHECK_INT(create(rt, v[13], &v[14]), 0);
    if (v[14]) {
        CHECK(S(v[14], "primary_endpoint_address") != NULL);
        CHECK(stk_aws_get_count(v[14], "member_clusters") == 2);
        CHECK(stk_aws_get_bool(v[14], "automatic_failover_enabled", 0));
        cli = awscli("elasticache describe-replication-groups --replication-group-id idobs-rg");
        CHECK_STR(JS(cli, "ReplicationGroups.0.NodeGroups.0.PrimaryEndpoint.Address"), S(v[14], "primary_endpoint_address"));
        json_decref(cli);
        v[15] = V(rt, "{\"id\":\"idobs-rg\",\"arn\":\"%s\",\"replication_group_id\":\"idobs-rg\",\"description\":\"sessions 2\","
                      "\"engine\":\"redis\",\"node_type\":\"cache.t3.micro\",\"num_cache_clusters\":2,\"port\":6379,"
                      "\"automatic_failover_enabled\":true,\"multi_az_enabled\":false,\"subnet_group_name\":\"idobs-cache\","
                      "\"apply_immediately\":true,\"tags\":{\"Name\":\"rg2\"}}", S(v[14], "arn"));
        CHECK_INT(update(rt, v[14], v[15], &v[16]), 0);
        CHECK(v[16] && !strcmp(S(v[16], "description"), "sessions 2"));
        CHECK(v[16] && tags_are(v[16], "tags", "{\"Name\":\"rg2\"}"));
        CHECK_INT(import(rt, "idobs-rg", &v[17]), 0);
        CHECK_INT(del(rt, v[16] ? v[16] : v[14]), 0);
        check_gone(rt, v[14]);
    }
    if (v[7]) { CHECK_INT(del(pt, v[7]), 0); check_gone(pt, v[7]); }
    CHECK_INT(del(gt, v[3] ? v[3] : v[1]), 0);
    check_gone(gt, v[1]);
out:
    json_decref(vpc);
    json_decref(s1);
    json_decref(s2);
    unref(v, 24);
}

/* ------------------------------------------------------------- DynamoDB */

static void test_dynamodb(void)
{
    const stk_resource_type *t = &stk_aws_dynamodb_table_type;
    stk_value *v[10] = {0};
    v[0] = V(t, "{\"name\":\"idobs-locks\",\"hash_key\":\"LockID\",\"range_key\":\"Ts\",\"billing_mode\":\"PROVISIONED\","
                "\"read_capacity\":2,\"write_capacity\":3,\"table_class\":\"STANDARD\","
                "\"attribute\":[{\"name\":\"LockID\",\"type\":\"S\"},{\"name\":\"Ts\",\"type\":\"N\"}],"
                "\"ttl\":[{\"attribute_name\":\"Expires\",\"enabled\":true}],"
                "\"point_in_time_recovery\":[{\"enabled\":false}],\"tags\":{\"Name\":\"locks\"}}");
    CHECK_INT(create(t, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK(S(v[1], "arn") && strstr(S(v[1], "arn"), ":table/idobs-locks"));
    CHECK_STR(S(v[1], "hash_key"), "LockID");
    CHECK_STR(S(v[1], "range_key"), "Ts");
    CHECK_INT((int)stk_aws_get_int(v[1], "write_capacity", 0), 3);
    CHECK(tags_are(v[1], "ttl", "[{\"attribute_name\":\"Expires\",\"enabled\":true}]"));
    CHECK(tags_are(v[1], "point_in_time_recovery", "[{\"enabled\":false}]"));
    CHECK(tags_are(v[1], "tags_all", "{\"Name\":\"locks\",\"Env\":\"e2e\"}"));
    json_t *cli = awscli("dynamodb describe-table --table-name idobs-locks");
    CHECK_STR(JS(cli, "Table.TableStatus"), "ACTIVE");
    json_decref(cli);
    /* on-demand billing, point-in-time recovery on, TTL off, tags changed */
    v[2] = V(t, "{\"id\":\"idobs-locks\",\"arn\":\"%s\",\"name\":\"idobs-locks\",\"hash_key\":\"LockID\",\"range_key\":\"Ts\","
                "\"billing_mode\":\"PAY_PER_REQUEST\",\"table_class\":\"STANDARD\","
                "\"attribute\":[{\"name\":\"LockID\",\"type\":\"S\"},{\"name\":\"Ts\",\"type\":\"N\"}],"
                "\"ttl\":[{\"attribute_name\":\"Expires\",\"enabled\":false}],"
                "\"point_in_time_recovery\":[{\"enabled\":true}],\"tags\":{\"Name\":\"locks2\"}}", S(v[1], "arn"));
    CHECK_INT(update(t, v[1], v[2], &v[3]), 0);
    if (v[3]) {
        CHECK_STR(S(v[3], "billing_mode"), "PAY_PER_REQUEST");
        CHECK(tags_are(v[3], "point_in_time_recovery", "[{\"enabled\":true}]"));
        CHECK(tags_are(v[3], "tags", "{\"Name\":\"locks2\"}"));
        cli = awscli("dynamodb describe-continuous-backups --table-name idobs-locks");
        CHECK_STR(JS(cli, "ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"), "ENABLED");
        json_decref(cli);
    }
    CHECK_INT(import(t, "idobs-locks", &v[4]), 0);
    CHECK(v[4] && !strcmp(S(v[4], "hash_key"), "LockID"));
    CHECK_INT(del(t, v[3] ? v[3] : v[1]), 0);
    check_gone(t, v[1]);
out:
    unref(v, 10);
}

/* the planner's view: how many attributes configuration cfg changes
   against state st (force_new: set when one forces a replacement; NULL when
   no change is expected: each one is printed) */
static size_t plan_changes(const stk_resource_type *t, stk_value *cfg, stk_value *st, int *force_new)
{
    stk_value *after = stk_diff_plan(t->schema, cfg, st);
    char **names = NULL;
    int fn = 0;
    size_t n = stk_diff_changed(t->schema, st, after, &names, &fn);
    for (size_t i = 0; i < n; i++) {
        if (!force_new) fprintf(stderr, "  plan changes %s\n", names[i]);   /* unexpected there */
        free(names[i]);
    }
    free(names);
    stk_value_unref(after);
    if (force_new) *force_new = fn;
    return n;
}

/* the index names and statuses DescribeTable lists, "name:hash:range:projection:r/w ..." sorted */
static char *describe_gsis(const char *table)
{
    json_t *cli = awscli("dynamodb describe-table --table-name %s", table), *e;
    char *out[8] = {0};
    size_t i, n = 0;
    json_array_foreach(json_object_get(json_object_get(cli, "Table"), "GlobalSecondaryIndexes"), i, e) {
        if (n == 8) break;
        json_t *ks = json_object_get(e, "KeySchema");
        const char *rk = json_array_size(ks) > 1 ? stk_aws_jstr(json_array_get(ks, 1), "AttributeName") : "-";
        json_t *pt = json_object_get(e, "ProvisionedThroughput");
        out[n++] = stk_xasprintf("%s:%s:%s:%s:%lld/%lld", stk_aws_jstr(e, "IndexName"),
                                 stk_aws_jstr(json_array_get(ks, 0), "AttributeName"), rk,
                                 stk_aws_jstr(json_object_get(e, "Projection"), "ProjectionType"),
                                 (long long)json_integer_value(json_object_get(pt, "ReadCapacityUnits")),
                                 (long long)json_integer_value(json_object_get(pt, "WriteCapacityUnits")));
    }
    json_decref(cli);
    for (size_t a = 0; a < n; a++)   /* sort */
        for (size_t b = a + 1; b < n; b++)
            if (strcmp(out[a], out[b]) > 0) {
                char *x = out[a];
                out[a] = out[b];
                out[b] = x;
            }
    char *s = stk_xstrdup("");
    for (size_t a = 0; a < n; a++) {
        char *t = stk_xasprintf("%s%s%s", s, a ? " " : "", out[a]);
        free(s);
        free(out[a]);
        s = t;
    }
    return s;
}

/* global and local secondary indexes: created with the table, read back,
   then indexes resized, deleted, added and reshaped in place; a local
   index change replaces the table */
static void test_dynamodb_indexes(void)
{
    const stk_resource_type *t = &stk_aws_dynamodb_table_type;
    stk_value *v[12] = {0};
    const char *base = "\"name\":\"idobs-gsi\",\"hash_key\":\"pk\",\"range_key\":\"sk\",\"billing_mode\":\"PROVISIONED\","
                       "\"read_capacity\":1,\"write_capacity\":1,"
                       "\"local_secondary_index\":[{\"name\":\"by-lsi\",\"range_key\":\"lsk\",\"projection_type\":\"KEYS_ONLY\"}]";
    v[0] = V(t, "{%s,\"attribute\":[{\"name\":\"pk\",\"type\":\"S\"},{\"name\":\"sk\",\"type\":\"S\"},"
                "{\"name\":\"lsk\",\"type\":\"N\"},{\"name\":\"g1\",\"type\":\"S\"},{\"name\":\"g2\",\"type\":\"S\"}],"
                "\"global_secondary_index\":[{\"name\":\"by-g1\",\"hash_key\":\"g1\",\"range_key\":\"sk\","
                "\"projection_type\":\"ALL\",\"read_capacity\":1,\"write_capacity\":1},"
                "{\"name\":\"by-g2\",\"hash_key\":\"g2\",\"projection_type\":\"INCLUDE\","
                "\"non_key_attributes\":[\"a\",\"b\"],\"read_capacity\":1,\"write_capacity\":1}]}",
             base);
    CHECK_INT(create(t, v[0], &v[1]), 0);
    if (!v[1]) goto out;
    CHECK_INT((int)stk_aws_get_count(v[1], "global_secondary_index"), 2);
    CHECK(tags_are(v[1], "local_secondary_index",
                   "[{\"name\":\"by-lsi\",\"range_key\":\"lsk\",\"projection_type\":\"KEYS_ONLY\",\"non_key_attributes\":null}]"));
    char *g = describe_gsis("idobs-gsi");
    CHECK_STR(g, "by-g1:g1:sk:ALL:1/1 by-g2:g2:-:INCLUDE:1/1");
    free(g);
    json_t *cli = awscli("dynamodb describe-table --table-name idobs-gsi");
    CHECK_STR(JS(cli, "Table.LocalSecondaryIndexes.0.IndexName"), "by-lsi");
    CHECK_STR(JS(cli, "Table.GlobalSecondaryIndexes.0.IndexStatus"), "ACTIVE");
    json_decref(cli);
    CHECK_INT((int)plan_changes(t, v[0], v[1], NULL), 0);
    CHECK_INT(readv(t, v[1], &v[2]), 0);
    CHECK(v[2] && stk_value_raw_equal(v[1], v[2]));

    /* by-g1 resized, by-g2 deleted, by-g3 added (a new attribute, g2's gone) */
    v[3] = V(t, "{%s,\"attribute\":[{\"name\":\"pk\",\"type\":\"S\"},{\"name\":\"sk\",\"type\":\"S\"},"
                "{\"name\":\"lsk\",\"type\":\"N\"},{\"name\":\"g1\",\"type\":\"S\"},{\"name\":\"g3\",\"type\":\"N\"}],"
                "\"global_secondary_index\":[{\"name\":\"by-g1\",\"hash_key\":\"g1\",\"range_key\":\"sk\","
                "\"projection_type\":\"ALL\",\"read_capacity\":2,\"write_capacity\":3},"
                "{\"name\":\"by-g3\",\"hash_key\":\"g3\",\"projection_type\":\"KEYS_ONLY\",\"read_capacity\":1,"
                "\"write_capacity\":1}]}",
             base);
    int fn = 1;
    CHECK(plan_changes(t, v[3], v[1], &fn) > 0);
    CHECK_INT(fn, 0);   /* in place */
    CHECK_INT(update(t, v[1], v[3], &v[4]), 0);
    if (!v[4]) goto out;
    g = describe_gsis("idobs-gsi");
    CHECK_STR(g, "by-g1:g1:sk:ALL:2/3 by-g3:g3:-:KEYS_ONLY:1/1");
    free(g);
    CHECK_INT((int)plan_changes(t, v[3], v[4], NULL), 0);
    CHECK_INT(readv(t, v[4], &v[5]), 0);
    CHECK(v[5] && stk_value_raw_equal(v[4], v[5]));
    if (v[5] && !stk_value_raw_equal(v[4], v[5])) CHECK(tags_are(v[5], "attribute", "null"));

    /* by-g1 reshaped (projection ALL -> INCLUDE): deleted and re-created */
    v[6] = V(t, "{%s,\"attribute\":[{\"name\":\"pk\",\"type\":\"S\"},{\"name\":\"sk\",\"type\":\"S\"},"
                "{\"name\":\"lsk\",\"type\":\"N\"},{\"name\":\"g1\",\"type\":\"S\"},{\"name\":\"g3\",\"type\":\"N\"}],"
                "\"global_secondary_index\":[{\"name\":\"by-g1\",\"hash_key\":\"g1\",\"range_key\":\"sk\","
                "\"projection_type\":\"INCLUDE\",\"non_key_attributes\":[\"c\"],\"read_capacity\":2,\"write_capacity\":3},"
                "{\"name\":\"by-g3\",\"hash_key\":\"g3\",\"projection_type\":\"KEYS_ONLY\",\"read_capacity\":1,"
                "\"write_capacity\":1}]}",
             base);
    CHECK_INT(update(t, v[4], v[6], &v[7]), 0);
    if (!v[7]) goto out;
    g = describe_gsis("idobs-gsi");
    CHECK_STR(g, "by-g1:g1:sk:INCLUDE:2/3 by-g3:g3:-:KEYS_ONLY:1/1");
    free(g);
    cli = awscli("dynamodb describe-table --table-name idobs-gsi");
    CHECK(jcontains(json_object_get(json_object_get(cli, "Table"), "GlobalSecondaryIndexes"), "\"NonKeyAttributes\": [\"c\"]"));
    json_decref(cli);
    CHECK_INT((int)plan_changes(t, v[6], v[7], NULL), 0);

    /* a local index change replaces the table */
    v[8] = V(t, "{\"name\":\"idobs-gsi\",\"hash_key\":\"pk\",\"range_key\":\"sk\",\"billing_mode\":\"PROVISIONED\","
                "\"read_capacity\":1,\"write_capacity\":1,\"attribute\":[{\"name\":\"pk\",\"type\":\"S\"},"
                "{\"name\":\"sk\",\"type\":\"S\"},{\"name\":\"lsk\",\"type\":\"N\"}],"
                "\"local_secondary_index\":[{\"name\":\"by-lsi\",\"range_key\":\"lsk\",\"projection_type\":\"ALL\"}]}");
    fn = 0;
    CHECK(plan_changes(t, v[8], v[7], &fn) > 0);
    CHECK_INT(fn, 1);
    CHECK_INT(import(t, "idobs-gsi", &v[9]), 0);
    CHECK(v[9] && stk_aws_get_count(v[9], "global_secondary_index") == 2);
    CHECK_INT(del(t, v[7]), 0);
    check_gone(t, v[7]);
out:
    unref(v, 12);
}

int main(void)
{
    STK_RUN(test_policy_equal);
    STK_RUN(test_random);
    STK_RUN(test_policy_document);
    if (!getenv("AWS_ENDPOINT_URL")) {
        stk_test_skip("aws_idobs", "AWS_ENDPOINT_URL not set (run tests/e2e/aws_idobs.sh)");
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
    STK_RUN(test_iam);
    STK_RUN(test_iam_name_prefix);
    STK_RUN(test_ecr);
    STK_RUN(test_log_group);
    STK_RUN(test_alarm_dashboard);
    STK_RUN(test_sns);
    STK_RUN(test_cache_policy);
    STK_RUN(test_elasticache);
    STK_RUN(test_dynamodb);
    STK_RUN(test_dynamodb_indexes);
    stk_aws_provider_free(P);
    stk_diags_free(&d);
    return stk_test_report();
}
