/* dynamodb.c - aws_dynamodb_table: CreateTable / DescribeTable / UpdateTable
 * / UpdateTimeToLive / UpdateContinuousBackups / DeleteTable, with
 * terraform-provider-aws's names, defaults and import id (the table name).
 * Creates, updates and deletes wait for ACTIVE / gone through the model's
 * TableExists / TableNotExists waiters (TableExists only checks ACTIVE
 * once per poll: an update that puts the table in UPDATING is waited for
 * the same way).
 *
 * billing_mode defaults to PROVISIONED; with PAY_PER_REQUEST the capacities
 * are 0 in state, as the provider stores them.  ttl and
 * point_in_time_recovery are blocks of at most one element that the
 * provider always fills; stk keeps them as configured (or, when AWS holds a
 * non-default value, as AWS says) so no perpetual diff shows.
 * Not supported yet (clear errors): global_secondary_index,
 * local_secondary_index and replica blocks are not in the schema, so a
 * configuration using them fails validation.
 */
#include "aws/idobs_util.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

static const stk_schema_attr attr_attrs[] = {
    {"name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"type", "string", STK_ATTR_REQUIRED, NULL, "S, N or B", NULL},
};
static const stk_schema attr_schema = {attr_attrs, 2, NULL, 0};
static const stk_schema_attr ttl_attrs[] = {
    {"attribute_name", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"enabled", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
};
static const stk_schema ttl_schema = {ttl_attrs, 2, NULL, 0};
static const stk_schema_attr pitr_attrs[] = {
    {"enabled", "bool", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema pitr_schema = {pitr_attrs, 1, NULL, 0};
static const stk_schema_attr sse_attrs[] = {
    {"enabled", "bool", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"kms_key_arn", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema sse_schema = {sse_attrs, 2, NULL, 0};
static const stk_schema_block tbl_blocks[] = {
    {"attribute", STK_NESTING_SET, 0, 0, &attr_schema, 0},
    {"point_in_time_recovery", STK_NESTING_LIST, 0, 1, &pitr_schema, 0},
    {"server_side_encryption", STK_NESTING_LIST, 0, 1, &sse_schema, 0},
    {"ttl", STK_NESTING_LIST, 0, 1, &ttl_schema, 0},
};
static const stk_schema_attr tbl_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"billing_mode", "string", STK_ATTR_OPTIONAL, "\"PROVISIONED\"", "PROVISIONED or PAY_PER_REQUEST", NULL},
    {"deletion_protection_enabled", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"hash_key", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"range_key", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"read_capacity", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"stream_arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"stream_enabled", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"stream_label", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"stream_view_type", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"table_class", "string", STK_ATTR_OPTIONAL, "\"STANDARD\"", NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"write_capacity", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema tbl_schema = {tbl_attrs, STK_AWS_NATTRS(tbl_attrs), tbl_blocks, 4};

static int tbl_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                         stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "TableName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "dynamodb", "DescribeTable", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *tb = json_object_get(res, "Table");
    json_t *st = stk_aws_state_start(base);
    char *arn = stk_xstrdup(stk_aws_jstr(tb, "TableArn") ? stk_aws_jstr(tb, "TableArn") : "");
    stk_aws_jset_str(st, "id", stk_aws_jstr(tb, "TableName"));
    stk_aws_jset_str(st, "name", stk_aws_jstr(tb, "TableName"));
    stk_aws_jset_str(st, "arn", arn);
    const char *bm = stk_aws_jstr(json_object_get(tb, "BillingModeSummary"), "BillingMode");
    stk_aws_jset_str(st, "billing_mode", bm ? bm : "PROVISIONED");
    json_t *pt = json_object_get(tb, "ProvisionedThroughput");
    int ppr = bm && !strcmp(bm, "PAY_PER_REQUEST");
    json_object_set_new(st, "read_capacity", json_integer(ppr ? 0 : json_integer_value(json_object_get(pt, "ReadCapacityUnits"))));
    json_object_set_new(st, "write_capacity", json_integer(ppr ? 0 : json_integer_value(json_object_get(pt, "WriteCapacityUnits"))));
    stk_aws_jset_str(st, "hash_key", NULL);
    stk_aws_jset_str(st, "range_key", NULL);
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(tb, "KeySchema"), i, e) {
        const char *kt = stk_aws_jstr(e, "KeyType");
        if (kt && !strcmp(kt, "HASH")) stk_aws_jset_str(st, "hash_key", stk_aws_jstr(e, "AttributeName"));
        if (kt && !strcmp(kt, "RANGE")) stk_aws_jset_str(st, "range_key", stk_aws_jstr(e, "AttributeName"));
    }
    json_t *attrs = json_array();
    json_array_foreach(json_object_get(tb, "AttributeDefinitions"), i, e)
        json_array_append_new(attrs, json_pack("{s:s?,s:s?}", "name", stk_aws_jstr(e, "AttributeName"), "type",
                                               stk_aws_jstr(e, "AttributeType")));
    json_object_set_new(st, "attribute", attrs);
    json_t *ss = json_object_get(tb, "StreamSpecification");
    int sen = json_is_true(json_object_get(ss, "StreamEnabled"));
    if (sen || stk_aws_get(base, "stream_enabled")) json_object_set_new(st, "stream_enabled", json_boolean(sen));
    stk_aws_jset_str(st, "stream_view_type", sen ? stk_aws_jstr(ss, "StreamViewType") : "");
    stk_aws_jset_str(st, "stream_arn", stk_aws_jstr(tb, "LatestStreamArn"));
    stk_aws_jset_str(st, "stream_label", stk_aws_jstr(tb, "LatestStreamLabel"));
    const char *tc = stk_aws_jstr(json_object_get(tb, "TableClassSummary"), "TableClass");
    stk_aws_jset_str(st, "table_class", tc ? tc : "STANDARD");
    json_t *dp = json_object_get(tb, "DeletionProtectionEnabled");
    if (json_is_true(dp) || stk_aws_get(base, "deletion_protection_enabled"))
        json_object_set_new(st, "deletion_protection_enabled", json_boolean(json_is_true(dp)));
    json_t *sse = json_object_get(tb, "SSEDescription");
    const char *sst = stk_aws_jstr(sse, "Status");
    int sse_on = sst && (!strcmp(sst, "ENABLED") || !strcmp(sst, "ENABLING"));
    if (sse_on || stk_aws_get_count(base, "server_side_encryption"))
        json_object_set_new(st, "server_side_encryption",
                            json_pack("[{s:b,s:s?}]", "enabled", sse_on, "kms_key_arn", stk_aws_jstr(sse, "KMSMasterKeyArn")));
    else
        json_object_set_new(st, "server_side_encryption", json_array());
    json_decref(res);
    res = NULL;

    /* TTL */
    params = json_pack("{s:s}", "TableName", name);
    rc = stk_aws_call(p->client, "dynamodb", "DescribeTimeToLive", params, &res, d);
    if (rc == 0) {
        json_t *td = json_object_get(res, "TimeToLiveDescription");
        const char *ts = stk_aws_jstr(td, "TimeToLiveStatus");
        int on = ts && (!strcmp(ts, "ENABLED") || !strcmp(ts, "ENABLING"));
        if (on || stk_aws_get_count(base, "ttl"))
            json_object_set_new(st, "ttl", json_pack("[{s:s,s:b}]", "attribute_name",
                                                     on && stk_aws_jstr(td, "AttributeName") ? stk_aws_jstr(td, "AttributeName") : "",
                                                     "enabled", on));
        else
            json_object_set_new(st, "ttl", json_array());
        json_decref(res);
        res = NULL;
        rc = stk_aws_call(p->client, "dynamodb", "DescribeContinuousBackups", params, &res, d);
    }
    json_decref(params);
    if (rc == 0) {
        const char *ps = stk_aws_jstr(json_object_get(json_object_get(res, "ContinuousBackupsDescription"),
                                                      "PointInTimeRecoveryDescription"),
                                      "PointInTimeRecoveryStatus");
        int on = ps && !strcmp(ps, "ENABLED");
        if (on || stk_aws_get_count(base, "point_in_time_recovery"))
            json_object_set_new(st, "point_in_time_recovery", json_pack("[{s:b}]", "enabled", on));
        else
            json_object_set_new(st, "point_in_time_recovery", json_array());
        json_decref(res);
        res = NULL;
        params = json_pack("{s:s}", "ResourceArn", arn);
        rc = stk_aws_call(p->client, "dynamodb", "ListTagsOfResource", params, &res, d);
        json_decref(params);
    }
    free(arn);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    json_t *tags = stk_aws_tags_from_list(json_object_get(res, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int tbl_wait(stk_provider_instance *p, const char *name, const char *waiter, char which, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "TableName", name);
    int rc = stk_aws_wait_for(p, "dynamodb", waiter, params, which, which == 'd' ? 10 * 60 : 30 * 60, d);
    json_decref(params);
    return rc;
}

static int set_ttl(stk_provider_instance *p, const char *name, stk_value *ttl, stk_value *old_ttl, stk_diags *d)
{
    int en = stk_aws_get_bool(ttl, "enabled", 0);
    const char *an = stk_aws_get_str(ttl, "attribute_name");
    if (!en) an = stk_aws_get_str(old_ttl, "attribute_name");   /* disabling names the old attribute */
    if (!an || !*an) return 0;
    json_t *params = json_pack("{s:s,s:{s:s,s:b}}", "TableName", name, "TimeToLiveSpecification", "AttributeName", an,
                               "Enabled", en),
           *res = NULL;
    int rc = stk_aws_call(p->client, "dynamodb", "UpdateTimeToLive", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int set_pitr(stk_provider_instance *p, const char *name, int on, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:{s:b}}", "TableName", name, "PointInTimeRecoverySpecification",
                               "PointInTimeRecoveryEnabled", on),
           *res = NULL;
    int rc = stk_aws_call(p->client, "dynamodb", "UpdateContinuousBackups", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static json_t *throughput(stk_value *v)
{
    return json_pack("{s:I,s:I}", "ReadCapacityUnits", (json_int_t)stk_aws_get_int(v, "read_capacity", 0),
                     "WriteCapacityUnits", (json_int_t)stk_aws_get_int(v, "write_capacity", 0));
}

static int tbl_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    const char *name = stk_aws_get_str(planned, "name"), *hk = stk_aws_get_str(planned, "hash_key"),
               *rk = stk_aws_get_str(planned, "range_key");
    if (!hk) {
        stk_diags_error(d, NULL, "Missing argument", "aws_dynamodb_table: \"hash_key\" is required.");
        return -1;
    }
    const char *bm = stk_aws_get_str(planned, "billing_mode");
    if (!bm) bm = "PROVISIONED";
    json_t *ks = json_pack("[{s:s,s:s}]", "AttributeName", hk, "KeyType", "HASH");
    if (rk) json_array_append_new(ks, json_pack("{s:s,s:s}", "AttributeName", rk, "KeyType", "RANGE"));
    json_t *defs = json_array();
    size_t n = stk_aws_get_count(planned, "attribute");
    for (size_t i = 0; i < n; i++) {
        stk_value *a = stk_aws_get_elem(planned, "attribute", i);
        json_array_append_new(defs, json_pack("{s:s,s:s}", "AttributeName", stk_aws_get_str(a, "name"), "AttributeType",
                                              stk_aws_get_str(a, "type")));
    }
    json_t *params = json_pack("{s:s,s:o,s:o,s:s}", "TableName", name, "KeySchema", ks, "AttributeDefinitions", defs,
                               "BillingMode", bm);
    if (!strcmp(bm, "PROVISIONED")) json_object_set_new(params, "ProvisionedThroughput", throughput(planned));
    if (stk_aws_get_bool(planned, "stream_enabled", 0))
        json_object_set_new(params, "StreamSpecification",
                            json_pack("{s:b,s:s}", "StreamEnabled", 1, "StreamViewType",
                                      stk_aws_get_str(planned, "stream_view_type") ? stk_aws_get_str(planned, "stream_view_type")
                                                                                    : "NEW_AND_OLD_IMAGES"));
    const char *tc = stk_aws_get_str(planned, "table_class");
    if (tc) json_object_set_new(params, "TableClass", json_string(tc));
    if (stk_aws_get_bool(planned, "deletion_protection_enabled", 0))
        json_object_set_new(params, "DeletionProtectionEnabled", json_true());
    stk_value *sse = stk_aws_get_elem(planned, "server_side_encryption", 0);
    if (sse && stk_aws_get_bool(sse, "enabled", 0)) {
        json_t *spec = json_pack("{s:b,s:s}", "Enabled", 1, "SSEType", "KMS");
        const char *kms = stk_aws_get_str(sse, "kms_key_arn");
        if (kms) json_object_set_new(spec, "KMSMasterKeyId", json_string(kms));
        json_object_set_new(params, "SSESpecification", spec);
    }
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "dynamodb", "CreateTable", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) return -1;
    rc = tbl_wait(p, name, "TableExists", 'c', d);
    stk_value *ttl = stk_aws_get_elem(planned, "ttl", 0);
    if (rc == 0 && ttl && stk_aws_get_bool(ttl, "enabled", 0)) rc = set_ttl(p, name, ttl, NULL, d);
    stk_value *pitr = stk_aws_get_elem(planned, "point_in_time_recovery", 0);
    if (rc == 0 && pitr && stk_aws_get_bool(pitr, "enabled", 0)) rc = set_pitr(p, name, 1, d);
    stk_value *st = NULL;
    int r2 = tbl_read_name(p, t, name, planned, &st, d);
    *new_state = st;
    if (rc == 0 && r2 != 0) rc = -1;
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    return rc;
}

static int tbl_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? tbl_read_name(p, t, id, prior, new_state, d) : 0;
}

static int tbl_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *params = json_pack("{s:s}", "TableName", id);
    int changes = 0;
    const char *bm = stk_aws_get_str(planned, "billing_mode");
    if (!bm) bm = "PROVISIONED";
    if (stk_idobs_changed(prior, planned, "billing_mode")) {
        json_object_set_new(params, "BillingMode", json_string(bm));
        changes++;
    }
    if (!strcmp(bm, "PROVISIONED") && (changes || stk_idobs_changed(prior, planned, "read_capacity") ||
                                       stk_idobs_changed(prior, planned, "write_capacity"))) {
        json_object_set_new(params, "ProvisionedThroughput", throughput(planned));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "stream_enabled") || stk_idobs_changed(prior, planned, "stream_view_type")) {
        int en = stk_aws_get_bool(planned, "stream_enabled", 0);
        json_t *spec = json_pack("{s:b}", "StreamEnabled", en);
        const char *svt = stk_aws_get_str(planned, "stream_view_type");
        if (en) json_object_set_new(spec, "StreamViewType", json_string(svt && *svt ? svt : "NEW_AND_OLD_IMAGES"));
        json_object_set_new(params, "StreamSpecification", spec);
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "table_class") && stk_aws_get_str(planned, "table_class")) {
        json_object_set_new(params, "TableClass", json_string(stk_aws_get_str(planned, "table_class")));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "deletion_protection_enabled")) {
        json_object_set_new(params, "DeletionProtectionEnabled",
                            json_boolean(stk_aws_get_bool(planned, "deletion_protection_enabled", 0)));
        changes++;
    }
    int rc = 0;
    if (changes) {
        json_t *res = NULL;
        rc = stk_aws_call(p->client, "dynamodb", "UpdateTable", params, &res, d);
        json_decref(res);
        if (rc == 0) rc = tbl_wait(p, id, "TableExists", 'u', d);
    }
    json_decref(params);
    stk_value *ot = stk_aws_get_elem(prior, "ttl", 0), *nt = stk_aws_get_elem(planned, "ttl", 0);
    int oen = ot ? stk_aws_get_bool(ot, "enabled", 0) : 0, nen = nt ? stk_aws_get_bool(nt, "enabled", 0) : 0;
    const char *oan = ot ? stk_aws_get_str(ot, "attribute_name") : NULL, *nan = nt ? stk_aws_get_str(nt, "attribute_name") : NULL;
    if (rc == 0 && (oen != nen || (nen && (!oan || !nan || strcmp(oan, nan))))) {
        if (oen && nen) {   /* a new attribute: disable the old one first, as AWS requires */
            json_t *pp = json_pack("{s:s,s:{s:s,s:b}}", "TableName", id, "TimeToLiveSpecification", "AttributeName",
                                   oan ? oan : "", "Enabled", 0),
                   *r2 = NULL;
            rc = stk_aws_call(p->client, "dynamodb", "UpdateTimeToLive", pp, &r2, d);
            json_decref(pp);
            json_decref(r2);
        }
        if (rc == 0) rc = set_ttl(p, id, nt, ot, d);
    }
    stk_value *op = stk_aws_get_elem(prior, "point_in_time_recovery", 0), *np = stk_aws_get_elem(planned, "point_in_time_recovery", 0);
    int open_ = op ? stk_aws_get_bool(op, "enabled", 0) : 0, npen = np ? stk_aws_get_bool(np, "enabled", 0) : 0;
    if (rc == 0 && open_ != npen) rc = set_pitr(p, id, npen, d);
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "dynamodb", "TagResource", "UntagResource", "ResourceArn",
                                     stk_aws_get_str(prior, "arn"), "Tags", "TagKeys", 0, prior, planned, d);
    if (rc != 0) return -1;
    rc = tbl_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int tbl_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "TableName", id), *res = NULL;
    static const char *const retry[] = {"ResourceInUseException", NULL};   /* still CREATING / UPDATING */
    int rc = stk_aws_call_retry(p, "dynamodb", "DeleteTable", params, &res, retry, stk_aws_timeout('d', 600), d);
    json_decref(params);
    json_decref(res);
    if (rc == 1) return 0;
    if (rc != 0) return -1;
    return tbl_wait(p, id, "TableNotExists", 'd', d);
}

static int tbl_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

const stk_resource_type stk_aws_dynamodb_table_type = {
    "aws_dynamodb_table", "aws", STK_RESOURCE_MANAGED, &tbl_schema, tbl_create, tbl_read, tbl_update, tbl_delete,
    tbl_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};
