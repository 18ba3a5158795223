/* cloudwatch.c - aws_cloudwatch_log_group (CloudWatch Logs),
 * aws_cloudwatch_metric_alarm and aws_cloudwatch_dashboard (CloudWatch),
 * with terraform-provider-aws's names, defaults and import ids (the log
 * group's name, the alarm's name, the dashboard's name).
 *
 * Log groups: `arn` is the group's ARN without the ":*" suffix
 * DescribeLogGroups adds, as the provider stores it; retention_in_days 0
 * means "never expire" (DeleteRetentionPolicy); skip_destroy leaves the
 * group in AWS on destroy.  Alarms: metric_query blocks are not supported
 * yet (only single-metric alarms); every update is one PutMetricAlarm with
 * the whole configuration, as AWS requires.
 */
#include "aws/idobs_util.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- log group */

static const stk_schema_attr lg_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"kms_key_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"log_group_class", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"retention_in_days", "number", STK_ATTR_OPTIONAL, "0", "0: never expire", NULL},
    {"skip_destroy", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema lg_schema = {lg_attrs, STK_AWS_NATTRS(lg_attrs), NULL, 0};

/* The state of group g (a DescribeLogGroups member, or what a create sent)
   over base; tags: the group's tags (NULL: ask ListTagsLogGroup). */
static int lg_state(stk_provider_instance *p, const stk_resource_type *t, const char *name, json_t *g, stk_value *base,
                    json_t *tags, stk_value **out, stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "name", name);
    const char *arn = stk_aws_jstr(g, "arn");
    if (arn) {
        size_t n = strlen(arn);
        char *a = stk_xstrdup(arn);
        if (n > 2 && !strcmp(a + n - 2, ":*")) a[n - 2] = 0;
        stk_aws_jset_str(st, "arn", a);
        free(a);
    }
    json_t *ret = json_object_get(g, "retentionInDays");
    json_object_set_new(st, "retention_in_days", json_integer(ret ? json_integer_value(ret) : 0));
    stk_aws_jset_str(st, "kms_key_id", stk_aws_jstr(g, "kmsKeyId"));
    const char *cls = stk_aws_jstr(g, "logGroupClass");
    stk_aws_jset_str(st, "log_group_class", cls ? cls : "STANDARD");
    if (!json_is_boolean(json_object_get(st, "skip_destroy"))) json_object_set_new(st, "skip_destroy", json_false());
    json_t *res = NULL;
    if (!tags) {
        json_t *params = json_pack("{s:s}", "logGroupName", name);
        int rc = stk_aws_call(p->client, "logs", "ListTagsLogGroup", params, &res, d);
        json_decref(params);
        if (rc != 0) {
            json_decref(st);
            return -1;
        }
        tags = json_object_get(res, "tags");
    }
    stk_aws_state_set_tags(st, p, json_is_object(tags) ? tags : NULL, base);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int lg_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params, *res = NULL, *kept = NULL;
    int rc;
    json_t *g = NULL, *e;
    size_t i;
    if (stk_aws_batch_get(p, "DescribeLogGroups", name, &kept)) {   /* refresh: lg_read_batch's answer */
        res = kept ? json_pack("{s:[o]}", "logGroups", kept) : json_pack("{s:[]}", "logGroups");
    } else {
        params = json_pack("{s:s}", "logGroupNamePrefix", name);
        rc = stk_aws_paginate(p->client, "logs", "DescribeLogGroups", params, &res, d);
        json_decref(params);
        if (rc != 0) return -1;
    }
    json_array_foreach(json_object_get(res, "logGroups"), i, e) {
        const char *n = stk_aws_jstr(e, "logGroupName");
        if (n && !strcmp(n, name)) g = e;
    }
    rc = g ? lg_state(p, t, name, g, base, NULL, out, d) : 0;
    json_decref(res);
    return rc;
}

static int lg_retention(stk_provider_instance *p, const char *name, long long days, stk_diags *d)
{
    json_t *params = days > 0 ? json_pack("{s:s,s:I}", "logGroupName", name, "retentionInDays", (json_int_t)days)
                              : json_pack("{s:s}", "logGroupName", name),
           *res = NULL;
    int rc = stk_aws_call(p->client, "logs", days > 0 ? "PutRetentionPolicy" : "DeleteRetentionPolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int lg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_idobs_name(planned, "name", "name_prefix", NULL);
    json_t *params = json_pack("{s:s}", "logGroupName", name);
    const char *kms = stk_aws_get_str(planned, "kms_key_id");
    if (kms) json_object_set_new(params, "kmsKeyId", json_string(kms));
    const char *cls = stk_aws_get_str(planned, "log_group_class");
    if (cls) json_object_set_new(params, "logGroupClass", json_string(cls));
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set(params, "tags", tags);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "logs", "CreateLogGroup", params, &res, d);
    json_decref(params);
    json_decref(res);
    long long days = stk_aws_get_int(planned, "retention_in_days", 0);
    if (rc == 0 && days > 0) rc = lg_retention(p, name, days, d);
    /* The group holds exactly what was sent: its state is built from that
       and the ARN AWS gives every group (arn:PARTITION:logs:REGION:ACCOUNT:
       log-group:NAME), with no read-back: one call per create (Terraform's
       provider reads it back with two more).  Without the account id
       (skip_requesting_account_id) the group is read back. */
    if (rc == 0) {
        char *res_part = stk_xasprintf("log-group:%s", name);
        stk_diags ad = STK_DIAGS_INIT;
        char *arn = stk_aws_arn(p, "logs", NULL, res_part, &ad);
        stk_diags_free(&ad);
        free(res_part);
        if (arn) {
            json_t *g = json_pack("{s:s,s:s?,s:s?}", "arn", arn, "kmsKeyId", kms, "logGroupClass", cls);
            if (days > 0) json_object_set_new(g, "retentionInDays", json_integer(days));
            rc = lg_state(p, t, name, g, planned, tags, new_state, d);
            json_decref(g);
            free(arn);
        } else {
            rc = lg_read_name(p, t, name, planned, new_state, d);
        }
    }
    json_decref(tags);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    free(name);
    return rc;
}

static int lg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? lg_read_name(p, t, id, prior, new_state, d) : 0;
}

static int lg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    if (stk_idobs_changed(prior, planned, "retention_in_days"))
        rc = lg_retention(p, id, stk_aws_get_int(planned, "retention_in_days", 0), d);
    if (rc == 0 && stk_idobs_changed(prior, planned, "kms_key_id")) {
        const char *kms = stk_aws_get_str(planned, "kms_key_id");
        json_t *params = kms ? json_pack("{s:s,s:s}", "logGroupName", id, "kmsKeyId", kms)
                             : json_pack("{s:s}", "logGroupName", id),
               *res = NULL;
        rc = stk_aws_call(p->client, "logs", kms ? "AssociateKmsKey" : "DisassociateKmsKey", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "logs", "TagLogGroup", "UntagLogGroup", "logGroupName", id, "tags", "tags", 1,
                                     prior, planned, d);
    if (rc != 0) return -1;
    rc = lg_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int lg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id || stk_aws_get_bool(prior, "skip_destroy", 0)) return 0;
    json_t *params = json_pack("{s:s}", "logGroupName", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "logs", "DeleteLogGroup", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int cw_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* refresh by batch: DescribeLogGroups with the names' longest common prefix,
   page by page; given up (nothing kept: the reads ask one by one) when that
   would take more calls than there are groups */
static int lg_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n,
                         stk_diags *d)
{
    json_t *names = stk_aws_batch_ids(priors, n, "id");
    size_t nn = json_array_size(names);
    if (nn < 2) {
        json_decref(names);
        return 0;
    }
    const char *first = json_string_value(json_array_get(names, 0));
    size_t plen = strlen(first), i;
    json_t *v;
    json_array_foreach(names, i, v) {
        const char *s = json_string_value(v);
        size_t k = 0;
        while (k < plen && s[k] == first[k]) k++;
        plen = k;
    }
    json_t *params = json_object(), *found = json_object();
    if (plen) json_object_set_new(params, "logGroupNamePrefix", json_stringn(first, plen));
    int rc = -1;
    for (size_t page = 0; page < nn; page++) {
        json_t *res = NULL;
        if (stk_aws_call(p->client, "logs", "DescribeLogGroups", params, &res, d) != 0) {
            json_decref(res);
            break;
        }
        json_array_foreach(json_object_get(res, "logGroups"), i, v) {
            const char *gn = stk_aws_jstr(v, "logGroupName");
            if (gn) json_object_set(found, gn, v);
        }
        const char *next = stk_aws_jstr(res, "nextToken");
        if (!next || !*next) {
            rc = 0;
            json_decref(res);
            break;
        }
        json_object_set_new(params, "nextToken", json_string(next));
        json_decref(res);
    }
    if (rc == 0) {
        json_array_foreach(names, i, v) {
            const char *gn = json_string_value(v);
            stk_aws_batch_put(p, "DescribeLogGroups", gn, json_object_get(found, gn));
        }
    }
    json_decref(params);
    json_decref(found);
    json_decref(names);
    return rc;
}

const stk_resource_type stk_aws_cloudwatch_log_group_type = {
    "aws_cloudwatch_log_group", "aws", STK_RESOURCE_MANAGED, &lg_schema, lg_create, lg_read, lg_update, lg_delete,
    cw_import, NULL, stk_idobs_journal_info, stk_idobs_recover, lg_read_batch,
};

/* -------------------------------------------------------- metric alarm */

static const stk_schema_attr al_attrs[] = {
    {"actions_enabled", "bool", STK_ATTR_OPTIONAL, "true", NULL, NULL},
    {"alarm_actions", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"alarm_description", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"alarm_name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"comparison_operator", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"datapoints_to_alarm", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"dimensions", "map(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"evaluate_low_sample_count_percentiles", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"evaluation_periods", "number", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"extended_statistic", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"insufficient_data_actions", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"metric_name", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"namespace", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"ok_actions", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"period", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"statistic", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"threshold", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"threshold_metric_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"treat_missing_data", "string", STK_ATTR_OPTIONAL, "\"missing\"", NULL, NULL},
    {"unit", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema al_schema = {al_attrs, STK_AWS_NATTRS(al_attrs), NULL, 0};

static json_t *al_params(stk_provider_instance *p, stk_value *v, int with_tags)
{
    json_t *params = json_pack("{s:s,s:s,s:I,s:b}", "AlarmName", stk_aws_get_str(v, "alarm_name"), "ComparisonOperator",
                               stk_aws_get_str(v, "comparison_operator"), "EvaluationPeriods",
                               (json_int_t)stk_aws_get_int(v, "evaluation_periods", 1), "ActionsEnabled",
                               stk_aws_get_bool(v, "actions_enabled", 1));
    static const char *const strs[][2] = {
        {"alarm_description", "AlarmDescription"}, {"metric_name", "MetricName"}, {"namespace", "Namespace"},
        {"statistic", "Statistic"}, {"extended_statistic", "ExtendedStatistic"}, {"unit", "Unit"},
        {"treat_missing_data", "TreatMissingData"}, {"threshold_metric_id", "ThresholdMetricId"},
        {"evaluate_low_sample_count_percentiles", "EvaluateLowSampleCountPercentile"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char *s = stk_aws_get_str(v, strs[i][0]);
        if (s) json_object_set_new(params, strs[i][1], json_string(s));
    }
    if (stk_aws_get(v, "period")) json_object_set_new(params, "Period", json_integer(stk_aws_get_int(v, "period", 60)));
    if (stk_aws_get(v, "datapoints_to_alarm"))
        json_object_set_new(params, "DatapointsToAlarm", json_integer(stk_aws_get_int(v, "datapoints_to_alarm", 1)));
    stk_value *th = stk_aws_get(v, "threshold");
    if (th && stk_value_kind(th) == STK_TY_NUMBER) json_object_set_new(params, "Threshold", json_real(th->u.num.d));
    static const char *const lists[][2] = {
        {"alarm_actions", "AlarmActions"}, {"ok_actions", "OKActions"}, {"insufficient_data_actions", "InsufficientDataActions"}};
    for (size_t i = 0; i < 3; i++)
        json_object_set_new(params, lists[i][1], stk_aws_get_strings(v, lists[i][0]));
    json_t *dims = stk_aws_tags_get(v, "dimensions");
    if (json_object_size(dims)) {
        json_t *l = stk_aws_tags_to_list(dims), *e, *out = json_array();
        size_t i;
        json_array_foreach(l, i, e)
            json_array_append_new(out, json_pack("{s:O,s:O}", "Name", json_object_get(e, "Key"), "Value",
                                                 json_object_get(e, "Value")));
        json_decref(l);
        json_object_set_new(params, "Dimensions", out);
    }
    json_decref(dims);
    if (with_tags) {
        json_t *tags = stk_aws_tags_all(p, v);
        if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
        json_decref(tags);
    }
    return params;
}

static int al_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params, *res = NULL, *kept = NULL;
    int rc;
    if (stk_aws_batch_get(p, "DescribeAlarms", name, &kept)) {   /* refresh: al_read_batch's answer */
        res = kept ? json_pack("{s:[o]}", "MetricAlarms", kept) : json_pack("{s:[]}", "MetricAlarms");
    } else {
        params = json_pack("{s:[s],s:[s]}", "AlarmNames", name, "AlarmTypes", "MetricAlarm");
        rc = stk_aws_call(p->client, "monitoring", "DescribeAlarms", params, &res, d);
        json_decref(params);
        if (rc != 0) return -1;
    }
    json_t *a = json_array_get(json_object_get(res, "MetricAlarms"), 0);
    if (!a) {
        json_decref(res);
        return 0;
    }
    json_t *st = stk_aws_state_start(base);
    char *arn = stk_xstrdup(stk_aws_jstr(a, "AlarmArn") ? stk_aws_jstr(a, "AlarmArn") : "");
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "alarm_name", name);
    stk_aws_jset_str(st, "arn", arn);
    static const char *const strs[][2] = {
        {"alarm_description", "AlarmDescription"}, {"metric_name", "MetricName"}, {"namespace", "Namespace"},
        {"statistic", "Statistic"}, {"extended_statistic", "ExtendedStatistic"}, {"unit", "Unit"},
        {"comparison_operator", "ComparisonOperator"}, {"threshold_metric_id", "ThresholdMetricId"},
        {"evaluate_low_sample_count_percentiles", "EvaluateLowSampleCountPercentile"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) stk_aws_jset_str(st, strs[i][0], stk_aws_jstr(a, strs[i][1]));
    const char *tmd = stk_aws_jstr(a, "TreatMissingData");
    stk_aws_jset_str(st, "treat_missing_data", tmd ? tmd : "missing");
    stk_aws_jset(st, "evaluation_periods", json_object_get(a, "EvaluationPeriods"));
    stk_aws_jset(st, "period", json_object_get(a, "Period"));
    stk_aws_jset(st, "datapoints_to_alarm", json_object_get(a, "DatapointsToAlarm"));
    stk_aws_jset(st, "threshold", json_object_get(a, "Threshold"));
    json_t *ae = json_object_get(a, "ActionsEnabled");
    json_object_set_new(st, "actions_enabled", json_boolean(!ae || json_is_true(ae)));
    static const char *const lists[][2] = {
        {"alarm_actions", "AlarmActions"}, {"ok_actions", "OKActions"}, {"insufficient_data_actions", "InsufficientDataActions"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *l = json_object_get(a, lists[i][1]);
        /* an empty list is null unless the configuration says [] */
        if (json_array_size(l) || stk_aws_get(base, lists[i][0])) stk_aws_jset(st, lists[i][0], l ? l : json_array());
        else stk_aws_jset(st, lists[i][0], NULL);
    }
    json_t *dims = json_object_get(a, "Dimensions"), *e;
    size_t i;
    if (json_array_size(dims) || stk_aws_get(base, "dimensions")) {
        json_t *m = json_object();
        json_array_foreach(dims, i, e) json_object_set(m, stk_aws_jstr(e, "Name"), json_object_get(e, "Value"));
        json_object_set_new(st, "dimensions", m);
    } else {
        stk_aws_jset(st, "dimensions", NULL);
    }
    json_decref(res);
    res = NULL;
    params = json_pack("{s:s}", "ResourceARN", arn);
    free(arn);
    rc = stk_aws_call(p->client, "monitoring", "ListTagsForResource", params, &res, d);
    json_decref(params);
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

static int al_put(stk_provider_instance *p, stk_value *v, int with_tags, stk_diags *d)
{
    if (!stk_aws_get_str(v, "metric_name") && !stk_aws_get_str(v, "threshold_metric_id")) {
        stk_idobs_unsupported(d, "aws_cloudwatch_metric_alarm", "an alarm without metric_name (metric_query blocks)");
        return -1;
    }
    json_t *params = al_params(p, v, with_tags), *res = NULL;
    int rc = stk_aws_call(p->client, "monitoring", "PutMetricAlarm", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int al_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    if (al_put(p, planned, 1, d) != 0) return -1;
    const char *name = stk_aws_get_str(planned, "alarm_name");
    int rc = al_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    return rc;
}

static int al_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? al_read_name(p, t, id, prior, new_state, d) : 0;
}

static int al_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = al_put(p, planned, 0, d);
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "monitoring", "TagResource", "UntagResource", "ResourceARN",
                                     stk_aws_get_str(prior, "arn"), "Tags", "TagKeys", 0, prior, planned, d);
    if (rc != 0) return -1;
    rc = al_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int al_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:[s]}", "AlarmNames", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "monitoring", "DeleteAlarms", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* refresh by batch: DescribeAlarms with every alarm name (100 a call) */
static int al_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n,
                         stk_diags *d)
{
    (void)t;
    return stk_aws_read_batch_by(p, priors, n, "id", "monitoring", "DescribeAlarms", "AlarmNames", 100,
                                 "MetricAlarms", NULL, "AlarmName", d);
}

const stk_resource_type stk_aws_cloudwatch_metric_alarm_type = {
    "aws_cloudwatch_metric_alarm", "aws", STK_RESOURCE_MANAGED, &al_schema, al_create, al_read, al_update, al_delete,
    cw_import, NULL, stk_idobs_journal_info, stk_idobs_recover, al_read_batch,
};

/* ----------------------------------------------------------- dashboard */

static const stk_schema_attr db_attrs[] = {
    {"dashboard_arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"dashboard_body", "string", STK_ATTR_REQUIRED | STK_ATTR_JSON, NULL, "the dashboard (JSON)", NULL},
    {"dashboard_name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema db_schema = {db_attrs, STK_AWS_NATTRS(db_attrs), NULL, 0};

static int db_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "DashboardName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "monitoring", "GetDashboard", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "dashboard_name", name);
    stk_aws_jset_str(st, "dashboard_arn", stk_aws_jstr(res, "DashboardArn"));
    char *body = stk_idobs_json_for_state(base, "dashboard_body", stk_aws_jstr(res, "DashboardBody"));
    stk_aws_jset_str(st, "dashboard_body", body);
    free(body);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int db_put(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                  stk_diags *d)
{
    *new_state = NULL;
    const char *name = stk_aws_get_str(planned, "dashboard_name");
    json_t *params = json_pack("{s:s,s:s}", "DashboardName", name, "DashboardBody", stk_aws_get_str(planned, "dashboard_body")),
           *res = NULL;
    int rc = stk_aws_call(p->client, "monitoring", "PutDashboard", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) return -1;
    rc = db_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    return rc;
}

static int db_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    return db_put(p, t, planned, new_state, d);
}

static int db_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? db_read_name(p, t, id, prior, new_state, d) : 0;
}

static int db_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    (void)prior;
    return db_put(p, t, planned, new_state, d);
}

static int db_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:[s]}", "DashboardNames", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "monitoring", "DeleteDashboards", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

const stk_resource_type stk_aws_cloudwatch_dashboard_type = {
    "aws_cloudwatch_dashboard", "aws", STK_RESOURCE_MANAGED, &db_schema, db_create, db_read, db_update, db_delete,
    cw_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};
