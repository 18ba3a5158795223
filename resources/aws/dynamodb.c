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
 *
 * Secondary indexes: global_secondary_index blocks are created with the
 * table and changed in place as the provider does it, one index per
 * UpdateTable call (AWS allows one create or delete at a time), waiting
 * until the table and its indexes are ACTIVE after each: an index no longer
 * configured is deleted, a new one created (with the table's attribute
 * definitions), a changed key or projection deletes and re-creates the
 * index, a changed capacity updates it (and a switch to PROVISIONED sends
 * the indexes' capacities in the same call, as AWS requires).
 * local_secondary_index blocks can only be made with the table: changing
 * them replaces it.  The attribute set is read back restricted to the
 * attributes the table's and indexes' keys use (all AWS keeps).
 * Not supported yet (clear errors): replica, import_table,
 * on_demand_throughput and the indexes' on_demand_throughput /
 * warm_throughput blocks are not in the schema, so a configuration using
 * them fails validation.
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
static const stk_schema_attr gsi_attrs[] = {
    {"hash_key", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"non_key_attributes", "set(string)", STK_ATTR_OPTIONAL, NULL, "with projection_type INCLUDE", NULL},
    {"projection_type", "string", STK_ATTR_REQUIRED, NULL, "ALL, KEYS_ONLY or INCLUDE", NULL},
    {"range_key", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"read_capacity", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"write_capacity", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema gsi_schema = {gsi_attrs, 7, NULL, 0};
static const stk_schema_attr lsi_attrs[] = {
    {"name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"non_key_attributes", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, "with projection_type INCLUDE", NULL},
    {"projection_type", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "ALL, KEYS_ONLY or INCLUDE", NULL},
    {"range_key", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema lsi_schema = {lsi_attrs, 4, NULL, 0};
static const stk_schema_block tbl_blocks[] = {
    {"attribute", STK_NESTING_SET, 0, 0, &attr_schema, 0},
    {"global_secondary_index", STK_NESTING_SET, 0, 0, &gsi_schema, 0},
    {"local_secondary_index", STK_NESTING_SET, 0, 0, &lsi_schema, STK_ATTR_FORCE_NEW},
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
static const stk_schema tbl_schema = {tbl_attrs, STK_AWS_NATTRS(tbl_attrs), tbl_blocks, 6};

/* ---- secondary indexes ---- */

/* the key attribute of type kt ("HASH"/"RANGE") of a KeySchema, or NULL */
static const char *key_of(json_t *ks, const char *kt)
{
    size_t i;
    json_t *e;
    json_array_foreach(ks, i, e) {
        const char *t = stk_aws_jstr(e, "KeyType");
        if (t && !strcmp(t, kt)) return stk_aws_jstr(e, "AttributeName");
    }
    return NULL;
}

/* state blocks from DescribeTable's Global/LocalSecondaryIndexes; adds the
   key attributes used to `used` */
static json_t *indexes_state(json_t *list, int global, json_t *used)
{
    json_t *out = json_array(), *e;
    size_t i;
    json_array_foreach(list, i, e) {
        json_t *ks = json_object_get(e, "KeySchema"), *pr = json_object_get(e, "Projection");
        const char *hk = key_of(ks, "HASH"), *rk = key_of(ks, "RANGE");
        if (hk) json_object_set_new(used, hk, json_true());
        if (rk) json_object_set_new(used, rk, json_true());
        json_t *nka = json_object_get(pr, "NonKeyAttributes");
        json_t *o = json_pack("{s:s?,s:s?,s:s?,s:O}", "name", stk_aws_jstr(e, "IndexName"), "projection_type",
                              stk_aws_jstr(pr, "ProjectionType"), "range_key", rk, "non_key_attributes",
                              json_array_size(nka) ? nka : json_null());
        if (global) {
            json_t *pt = json_object_get(e, "ProvisionedThroughput");
            json_object_set_new(o, "hash_key", json_string(hk ? hk : ""));
            json_object_set_new(o, "read_capacity", json_integer(json_integer_value(json_object_get(pt, "ReadCapacityUnits"))));
            json_object_set_new(o, "write_capacity", json_integer(json_integer_value(json_object_get(pt, "WriteCapacityUnits"))));
        }
        json_array_append_new(out, o);
    }
    return out;
}

/* the API's Projection of an index block */
static json_t *projection(stk_value *ix)
{
    json_t *pr = json_pack("{s:s}", "ProjectionType", stk_aws_get_str(ix, "projection_type") ? stk_aws_get_str(ix, "projection_type") : "ALL");
    json_t *nka = stk_aws_get_strings(ix, "non_key_attributes");
    if (json_array_size(nka)) json_object_set_new(pr, "NonKeyAttributes", nka);
    else json_decref(nka);
    return pr;
}

/* CreateTable / UpdateTable Create entry of a global_secondary_index block */
static json_t *gsi_spec(stk_value *ix, int provisioned)
{
    json_t *ks = json_pack("[{s:s,s:s}]", "AttributeName", stk_aws_get_str(ix, "hash_key"), "KeyType", "HASH");
    if (stk_aws_get_str(ix, "range_key"))
        json_array_append_new(ks, json_pack("{s:s,s:s}", "AttributeName", stk_aws_get_str(ix, "range_key"), "KeyType", "RANGE"));
    json_t *o = json_pack("{s:s,s:o,s:o}", "IndexName", stk_aws_get_str(ix, "name"), "KeySchema", ks, "Projection", projection(ix));
    if (provisioned) json_object_set_new(o, "ProvisionedThroughput", json_pack("{s:I,s:I}", "ReadCapacityUnits",
                                                                               (json_int_t)stk_aws_get_int(ix, "read_capacity", 0),
                                                                               "WriteCapacityUnits",
                                                                               (json_int_t)stk_aws_get_int(ix, "write_capacity", 0)));
    return o;
}

static json_t *lsi_spec(stk_value *ix, const char *table_hash_key)
{
    return json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}],s:o}", "IndexName", stk_aws_get_str(ix, "name"), "KeySchema",
                     "AttributeName", table_hash_key, "KeyType", "HASH", "AttributeName", stk_aws_get_str(ix, "range_key"),
                     "KeyType", "RANGE", "Projection", projection(ix));
}

/* the table's attribute definitions from the planned attribute blocks */
static json_t *attr_defs(stk_value *planned)
{
    json_t *defs = json_array();
    size_t n = stk_aws_get_count(planned, "attribute");
    for (size_t i = 0; i < n; i++) {
        stk_value *a = stk_aws_get_elem(planned, "attribute", i);
        json_array_append_new(defs, json_pack("{s:s,s:s}", "AttributeName", stk_aws_get_str(a, "name"), "AttributeType",
                                              stk_aws_get_str(a, "type")));
    }
    return defs;
}

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
    json_t *used = json_object();
    json_array_foreach(json_object_get(tb, "KeySchema"), i, e)
        if (stk_aws_jstr(e, "AttributeName")) json_object_set_new(used, stk_aws_jstr(e, "AttributeName"), json_true());
    json_object_set_new(st, "global_secondary_index", indexes_state(json_object_get(tb, "GlobalSecondaryIndexes"), 1, used));
    json_object_set_new(st, "local_secondary_index", indexes_state(json_object_get(tb, "LocalSecondaryIndexes"), 0, used));
    json_t *attrs = json_array();
    json_array_foreach(json_object_get(tb, "AttributeDefinitions"), i, e)
        if (!stk_aws_jstr(e, "AttributeName") || json_object_get(used, stk_aws_jstr(e, "AttributeName")))
            json_array_append_new(attrs, json_pack("{s:s?,s:s?}", "name", stk_aws_jstr(e, "AttributeName"), "type",
                                                   stk_aws_jstr(e, "AttributeType")));
    json_decref(used);
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

/* Wait until the table is ACTIVE, every global index ACTIVE, and the index
   `gone` (when not NULL) no longer listed: what an index create, update or
   delete needs before the next one. */
static int tbl_wait_indexes(stk_provider_instance *p, const char *name, const char *gone, stk_diags *d)
{
    double timeout = stk_aws_timeout('u', 30 * 60), waited = 0, delay = 2;
    for (;;) {
        json_t *params = json_pack("{s:s}", "TableName", name), *res = NULL;
        int rc = stk_aws_call(p->client, "dynamodb", "DescribeTable", params, &res, d);
        json_decref(params);
        if (rc != 0) return -1;
        json_t *tb = json_object_get(res, "Table"), *e;
        const char *ts = stk_aws_jstr(tb, "TableStatus");
        int ready = ts && !strcmp(ts, "ACTIVE");
        size_t i;
        json_array_foreach(json_object_get(tb, "GlobalSecondaryIndexes"), i, e) {
            const char *is = stk_aws_jstr(e, "IndexStatus"), *in = stk_aws_jstr(e, "IndexName");
            if ((is && strcmp(is, "ACTIVE")) || (gone && in && !strcmp(in, gone))) ready = 0;
        }
        json_decref(res);
        if (ready) return 0;
        if (waited >= timeout) {
            stk_diags_error(d, NULL, "Timeout waiting for DynamoDB indexes",
                            "aws_dynamodb_table %s: the table or its global secondary indexes were not ACTIVE after %.0f s.",
                            name, timeout);
            return -1;
        }
        if (stk_aws_sleep(delay) != 0) {
            stk_diags_error(d, NULL, "Interrupted", "aws_dynamodb_table %s: waiting for its indexes was interrupted.", name);
            return -1;
        }
        waited += delay;
        if (delay < 20) delay *= 2;
    }
}

/* One UpdateTable with GlobalSecondaryIndexUpdates [{op: spec}] (spec
   stolen), AttributeDefinitions when defs, then the wait. */
static int gsi_call(stk_provider_instance *p, const char *name, const char *op, json_t *spec, json_t *defs, stk_diags *d)
{
    const char *ixname = stk_aws_jstr(spec, "IndexName");
    char *ix = stk_xstrdup(ixname ? ixname : "");
    json_t *params = json_pack("{s:s,s:[{s:o}]}", "TableName", name, "GlobalSecondaryIndexUpdates", op, spec), *res = NULL;
    if (defs) json_object_set(params, "AttributeDefinitions", defs);
    static const char *const retry[] = {"ResourceInUseException", "LimitExceededException", NULL};
    int rc = stk_aws_call_retry(p, "dynamodb", "UpdateTable", params, &res, retry, stk_aws_timeout('u', 600), d);
    json_decref(params);
    json_decref(res);
    if (rc == 1) stk_diags_error(d, NULL, "DynamoDB table not found", "aws_dynamodb_table %s: UpdateTable found no table.", name);
    if (rc == 0) rc = tbl_wait_indexes(p, name, !strcmp(op, "Delete") ? ix : NULL, d);
    free(ix);
    return rc == 0 ? 0 : -1;
}

/* the global_secondary_index block named `name` of v, or NULL */
static stk_value *gsi_named(stk_value *v, const char *name)
{
    size_t n = stk_aws_get_count(v, "global_secondary_index");
    for (size_t i = 0; i < n; i++) {
        stk_value *ix = stk_aws_get_elem(v, "global_secondary_index", i);
        const char *nm = stk_aws_get_str(ix, "name");
        if (nm && !strcmp(nm, name)) return ix;
    }
    return NULL;
}

/* does an index block's key or projection differ (what only a delete and
   re-create changes)? */
static int gsi_reshaped(stk_value *a, stk_value *b)
{
    static const char *const keys[] = {"hash_key", "range_key", "projection_type", "non_key_attributes"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (stk_idobs_changed(a, b, keys[i])) {
            stk_value *x = stk_aws_get(a, keys[i]), *y = stk_aws_get(b, keys[i]);
            size_t nx = x && stk_type_is_collection(x->type) ? stk_value_len(x) : 1,
                   ny = y && stk_type_is_collection(y->type) ? stk_value_len(y) : 1;
            if (!x && !y) continue;
            if ((!x && ny == 0) || (!y && nx == 0)) continue;   /* null and [] */
            return 1;
        }
    return 0;
}

/* global_secondary_index prior -> planned, one index at a time (capacities
   left alone when sized) */
static int update_gsis(stk_provider_instance *p, const char *name, stk_value *prior, stk_value *planned, int sized,
                       stk_diags *d)
{
    const char *bm = stk_aws_get_str(planned, "billing_mode");
    int prov = !bm || !strcmp(bm, "PROVISIONED");
    json_t *defs = attr_defs(planned);
    int rc = 0;
    size_t n = stk_aws_get_count(prior, "global_secondary_index");
    for (size_t i = 0; i < n && rc == 0; i++) {   /* deleted, reshaped (delete now, create below), resized */
        stk_value *o = stk_aws_get_elem(prior, "global_secondary_index", i);
        const char *nm = stk_aws_get_str(o, "name");
        stk_value *nw = nm ? gsi_named(planned, nm) : NULL;
        if (!nm) continue;
        if (!nw || gsi_reshaped(o, nw)) {
            rc = gsi_call(p, name, "Delete", json_pack("{s:s}", "IndexName", nm), NULL, d);
        } else if (prov && !sized && (stk_aws_get_int(o, "read_capacity", 0) != stk_aws_get_int(nw, "read_capacity", 0) ||
                            stk_aws_get_int(o, "write_capacity", 0) != stk_aws_get_int(nw, "write_capacity", 0))) {
            json_t *spec = gsi_spec(nw, 1);
            json_t *upd = json_pack("{s:O,s:O}", "IndexName", json_object_get(spec, "IndexName"), "ProvisionedThroughput",
                                    json_object_get(spec, "ProvisionedThroughput"));
            json_decref(spec);
            rc = gsi_call(p, name, "Update", upd, NULL, d);
        }
    }
    size_t m = stk_aws_get_count(planned, "global_secondary_index");
    for (size_t i = 0; i < m && rc == 0; i++) {   /* new and reshaped */
        stk_value *nw = stk_aws_get_elem(planned, "global_secondary_index", i);
        const char *nm = stk_aws_get_str(nw, "name");
        stk_value *o = nm ? gsi_named(prior, nm) : NULL;
        if (nm && (!o || gsi_reshaped(o, nw))) rc = gsi_call(p, name, "Create", gsi_spec(nw, prov), defs, d);
    }
    json_decref(defs);
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
    json_t *params = json_pack("{s:s,s:o,s:o,s:s}", "TableName", name, "KeySchema", ks, "AttributeDefinitions",
                               attr_defs(planned), "BillingMode", bm);
    if (!strcmp(bm, "PROVISIONED")) json_object_set_new(params, "ProvisionedThroughput", throughput(planned));
    size_t n = stk_aws_get_count(planned, "global_secondary_index");
    if (n) {
        json_t *l = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(l, gsi_spec(stk_aws_get_elem(planned, "global_secondary_index", i), !strcmp(bm, "PROVISIONED")));
        json_object_set_new(params, "GlobalSecondaryIndexes", l);
    }
    n = stk_aws_get_count(planned, "local_secondary_index");
    if (n) {
        json_t *l = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(l, lsi_spec(stk_aws_get_elem(planned, "local_secondary_index", i), hk));
        json_object_set_new(params, "LocalSecondaryIndexes", l);
    }
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
    if (rc == 0 && stk_aws_get_count(planned, "global_secondary_index")) rc = tbl_wait_indexes(p, name, NULL, d);
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
        if (changes) {   /* to PROVISIONED: AWS wants the kept indexes' capacities in the same call */
            json_t *l = json_array();
            size_t n = stk_aws_get_count(prior, "global_secondary_index");
            for (size_t i = 0; i < n; i++) {
                stk_value *o = stk_aws_get_elem(prior, "global_secondary_index", i);
                stk_value *nw = stk_aws_get_str(o, "name") ? gsi_named(planned, stk_aws_get_str(o, "name")) : NULL;
                if (!nw || gsi_reshaped(o, nw)) continue;
                json_t *spec = gsi_spec(nw, 1);
                json_array_append_new(l, json_pack("{s:{s:O,s:O}}", "Update", "IndexName", json_object_get(spec, "IndexName"),
                                                   "ProvisionedThroughput", json_object_get(spec, "ProvisionedThroughput")));
                json_decref(spec);
            }
            if (json_array_size(l)) json_object_set_new(params, "GlobalSecondaryIndexUpdates", l);
            else json_decref(l);
        }
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
    /* a switch to PROVISIONED has just set the kept indexes' capacities */
    if (rc == 0) rc = update_gsis(p, id, prior, planned, stk_idobs_changed(prior, planned, "billing_mode") && !strcmp(bm, "PROVISIONED"), d);
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
