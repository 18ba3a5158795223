/* sns.c - aws_sns_topic and aws_sns_topic_subscription: CreateTopic /
 * GetTopicAttributes / SetTopicAttributes / DeleteTopic and Subscribe /
 * GetSubscriptionAttributes / SetSubscriptionAttributes / Unsubscribe, with
 * terraform-provider-aws's names, defaults and import ids (both: the ARN).
 *
 * Subscriptions are created with ReturnSubscriptionArn so that email and
 * http(s) endpoints, which stay "pending confirmation" until someone
 * confirms, still get an ARN: pending_confirmation is then true, and a
 * destroy of such a subscription is a no-op on AWS's side (AWS refuses to
 * unsubscribe it and removes it itself after three days), as the provider
 * does.
 */
#include "aws/idobs_util.h"
#include "aws/recover.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- topic */

static const stk_schema_attr topic_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"content_based_deduplication", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"delivery_policy", "string", STK_ATTR_OPTIONAL | STK_ATTR_JSON, NULL, NULL, NULL},
    {"display_name", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"fifo_topic", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "false", NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"kms_master_key_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"owner", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"policy", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_JSON, NULL, NULL, stk_idobs_policy_normalize},
    {"signature_version", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"tracing_config", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema topic_schema = {topic_attrs, STK_AWS_NATTRS(topic_attrs), NULL, 0};

/* attribute name in state -> SNS attribute, for the settable strings */
static const char *const topic_map[][2] = {
    {"display_name", "DisplayName"}, {"policy", "Policy"}, {"delivery_policy", "DeliveryPolicy"},
    {"kms_master_key_id", "KmsMasterKeyId"}, {"tracing_config", "TracingConfig"},
};

static int topic_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                          stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "TopicArn", arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "sns", "GetTopicAttributes", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *a = json_object_get(res, "Attributes");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    const char *colon = strrchr(arn, ':');
    stk_aws_jset_str(st, "name", colon ? colon + 1 : arn);
    stk_aws_jset_str(st, "owner", stk_aws_jstr(a, "Owner"));
    const char *dn = stk_aws_jstr(a, "DisplayName");
    stk_aws_jset_str(st, "display_name", dn && *dn ? dn : stk_aws_get_str(base, "display_name") ? "" : NULL);
    char *pol = stk_idobs_policy_for_state(base, "policy", stk_aws_jstr(a, "Policy"));
    stk_aws_jset_str(st, "policy", pol);
    free(pol);
    /* an empty attribute is an unset one */
    const char *rdp = stk_aws_jstr(a, "DeliveryPolicy"), *kms = stk_aws_jstr(a, "KmsMasterKeyId"),
               *tc = stk_aws_jstr(a, "TracingConfig");
    char *dp = stk_idobs_json_for_state(base, "delivery_policy", rdp && *rdp ? rdp : NULL);
    stk_aws_jset_str(st, "delivery_policy", dp);
    free(dp);
    stk_aws_jset_str(st, "kms_master_key_id", kms && *kms ? kms : NULL);
    stk_aws_jset_str(st, "tracing_config", tc && *tc ? tc : NULL);
    const char *sv = stk_aws_jstr(a, "SignatureVersion");
    json_object_set_new(st, "signature_version", json_integer(sv ? atoi(sv) : 1));
    const char *fifo = stk_aws_jstr(a, "FifoTopic"), *cbd = stk_aws_jstr(a, "ContentBasedDeduplication");
    json_object_set_new(st, "fifo_topic", json_boolean(fifo && !strcmp(fifo, "true")));
    json_object_set_new(st, "content_based_deduplication", json_boolean(cbd && !strcmp(cbd, "true")));
    if (!stk_aws_get_str(base, "name_prefix")) stk_aws_jset_str(st, "name_prefix", NULL);
    json_decref(res);
    res = NULL;
    params = json_pack("{s:s}", "ResourceArn", arn);
    rc = stk_aws_call(p->client, "sns", "ListTagsForResource", params, &res, d);
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

static int topic_set_attr(stk_provider_instance *p, const char *arn, const char *name, const char *value, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:s,s:s}", "TopicArn", arn, "AttributeName", name, "AttributeValue", value),
           *res = NULL;
    int rc = stk_aws_call(p->client, "sns", "SetTopicAttributes", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int topic_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                        stk_diags *d)
{
    *new_state = NULL;
    int fifo = stk_aws_get_bool(planned, "fifo_topic", 0);
    char *name = stk_idobs_name(planned, "name", "name_prefix", NULL);
    if (fifo && !stk_aws_get_str(planned, "name") && (strlen(name) < 5 || strcmp(name + strlen(name) - 5, ".fifo"))) {
        char *n2 = stk_xasprintf("%s.fifo", name);
        free(name);
        name = n2;
    }
    json_t *attrs = json_object();
    for (size_t i = 0; i < sizeof topic_map / sizeof topic_map[0]; i++) {
        const char *v = stk_aws_get_str(planned, topic_map[i][0]);
        if (v) json_object_set_new(attrs, topic_map[i][1], json_string(v));
    }
    if (fifo) json_object_set_new(attrs, "FifoTopic", json_string("true"));
    if (stk_aws_get_bool(planned, "content_based_deduplication", 0))
        json_object_set_new(attrs, "ContentBasedDeduplication", json_string("true"));
    if (stk_aws_get(planned, "signature_version")) {
        char *sv = stk_xasprintf("%lld", stk_aws_get_int(planned, "signature_version", 1));
        json_object_set_new(attrs, "SignatureVersion", json_string(sv));
        free(sv);
    }
    json_t *params = json_pack("{s:s,s:o}", "Name", name, "Attributes", attrs);
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "sns", "CreateTopic", params, &res, d);
    json_decref(params);
    free(name);
    if (rc != 0) return -1;
    char *arn = stk_xstrdup(stk_aws_jstr(res, "TopicArn"));
    json_decref(res);
    rc = topic_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    free(arn);
    return rc;
}

static int topic_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? topic_read_arn(p, t, id, prior, new_state, d) : 0;
}

static int topic_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                        stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof topic_map / sizeof topic_map[0]; i++) {
        if (!stk_idobs_changed(prior, planned, topic_map[i][0])) continue;
        const char *v = stk_aws_get_str(planned, topic_map[i][0]);
        /* policy and tracing_config are Optional+Computed: unset keeps AWS's value */
        if ((!strcmp(topic_map[i][0], "policy") || !strcmp(topic_map[i][0], "tracing_config")) && !v) continue;
        if (!strcmp(topic_map[i][0], "policy") && stk_idobs_policy_equal(v, stk_aws_get_str(prior, "policy")))
            continue;
        rc = topic_set_attr(p, arn, topic_map[i][1], v ? v : "", d);
    }
    if (rc == 0 && stk_idobs_changed(prior, planned, "content_based_deduplication"))
        rc = topic_set_attr(p, arn, "ContentBasedDeduplication",
                            stk_aws_get_bool(planned, "content_based_deduplication", 0) ? "true" : "false", d);
    if (rc == 0 && stk_idobs_changed(prior, planned, "signature_version") && stk_aws_get(planned, "signature_version")) {
        char *sv = stk_xasprintf("%lld", stk_aws_get_int(planned, "signature_version", 1));
        rc = topic_set_attr(p, arn, "SignatureVersion", sv, d);
        free(sv);
    }
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "sns", "TagResource", "UntagResource", "ResourceArn", arn, "Tags", "TagKeys", 0,
                                     prior, planned, d);
    if (rc != 0) return -1;
    rc = topic_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    return rc;
}

static int topic_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *arn = stk_aws_get_str(prior, "id");
    if (!arn) return 0;
    json_t *params = json_pack("{s:s}", "TopicArn", arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "sns", "DeleteTopic", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int sns_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery (recover.h): a topic's ARN follows from its name (a
   generated name cannot be found again: error). */
static const char *const topic_keys[] = {"name", NULL};

static char *topic_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, topic_keys);
}

static int topic_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                         stk_value **state, stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *name = stk_aws_recover_seed_str(info, "name");
    char *arn = stk_aws_jstr(info, "id") ? stk_xstrdup(stk_aws_jstr(info, "id")) : NULL;
    int rc = 0;
    if (!arn && name) {
        stk_recover_note_found_by("its name");
        arn = stk_aws_arn(p, "sns", NULL, name, d);
        if (!arn) rc = -1;
    } else if (!arn) {
        rc = stk_aws_recover_cannot(d, t, "the interrupted create recorded no topic name");
    }
    if (rc == 0) {
        stk_value *seed = stk_aws_recover_seed(t, info, arn, d);
        rc = seed ? topic_read_arn(p, t, arn, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(arn);
    json_decref(info);
    return rc;
}

const stk_resource_type stk_aws_sns_topic_type = {
    "aws_sns_topic", "aws", STK_RESOURCE_MANAGED, &topic_schema, topic_create, topic_read, topic_update, topic_delete,
    sns_import, NULL, topic_journal_info, topic_recover,
};

/* -------------------------------------------------------- subscription */

static const stk_schema_attr sub_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"confirmation_timeout_in_minutes", "number", STK_ATTR_OPTIONAL, "1", NULL, NULL},
    {"confirmation_was_authenticated", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"delivery_policy", "string", STK_ATTR_OPTIONAL | STK_ATTR_JSON, NULL, NULL, NULL},
    {"endpoint", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"endpoint_auto_confirms", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"filter_policy", "string", STK_ATTR_OPTIONAL | STK_ATTR_JSON, NULL, NULL, NULL},
    {"filter_policy_scope", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"pending_confirmation", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"protocol", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"raw_message_delivery", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"redrive_policy", "string", STK_ATTR_OPTIONAL | STK_ATTR_JSON, NULL, NULL, NULL},
    {"subscription_role_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"topic_arn", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema sub_schema = {sub_attrs, STK_AWS_NATTRS(sub_attrs), NULL, 0};

static const char *const sub_json_map[][2] = {
    {"filter_policy", "FilterPolicy"}, {"delivery_policy", "DeliveryPolicy"}, {"redrive_policy", "RedrivePolicy"}};

static int sub_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "SubscriptionArn", arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "sns", "GetSubscriptionAttributes", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *a = json_object_get(res, "Attributes");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    stk_aws_jset_str(st, "topic_arn", stk_aws_jstr(a, "TopicArn"));
    stk_aws_jset_str(st, "protocol", stk_aws_jstr(a, "Protocol"));
    stk_aws_jset_str(st, "endpoint", stk_aws_jstr(a, "Endpoint"));
    stk_aws_jset_str(st, "owner_id", stk_aws_jstr(a, "Owner"));
    stk_aws_jset_str(st, "subscription_role_arn", stk_aws_jstr(a, "SubscriptionRoleArn"));
    const char *scope = stk_aws_jstr(a, "FilterPolicyScope");
    stk_aws_jset_str(st, "filter_policy_scope", scope ? scope : stk_aws_jstr(a, "FilterPolicy") ? "MessageAttributes" : NULL);
    for (size_t i = 0; i < 3; i++) {
        char *v = stk_idobs_json_for_state(base, sub_json_map[i][0], stk_aws_jstr(a, sub_json_map[i][1]));
        stk_aws_jset_str(st, sub_json_map[i][0], v);
        free(v);
    }
    const char *raw = stk_aws_jstr(a, "RawMessageDelivery"), *pend = stk_aws_jstr(a, "PendingConfirmation"),
               *auth = stk_aws_jstr(a, "ConfirmationWasAuthenticated");
    json_object_set_new(st, "raw_message_delivery", json_boolean(raw && !strcmp(raw, "true")));
    json_object_set_new(st, "pending_confirmation", json_boolean(pend && !strcmp(pend, "true")));
    json_object_set_new(st, "confirmation_was_authenticated", json_boolean(auth && !strcmp(auth, "true")));
    if (!json_is_integer(json_object_get(st, "confirmation_timeout_in_minutes")))
        json_object_set_new(st, "confirmation_timeout_in_minutes", json_integer(1));
    if (!json_is_boolean(json_object_get(st, "endpoint_auto_confirms")))
        json_object_set_new(st, "endpoint_auto_confirms", json_false());
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int sub_set_attr(stk_provider_instance *p, const char *arn, const char *name, const char *value, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:s,s:s}", "SubscriptionArn", arn, "AttributeName", name, "AttributeValue", value),
           *res = NULL;
    int rc = stk_aws_call(p->client, "sns", "SetSubscriptionAttributes", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int sub_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    json_t *attrs = json_object();
    for (size_t i = 0; i < 3; i++) {
        const char *v = stk_aws_get_str(planned, sub_json_map[i][0]);
        if (v) json_object_set_new(attrs, sub_json_map[i][1], json_string(v));
    }
    if (stk_aws_get_bool(planned, "raw_message_delivery", 0))
        json_object_set_new(attrs, "RawMessageDelivery", json_string("true"));
    const char *scope = stk_aws_get_str(planned, "filter_policy_scope");
    if (scope) json_object_set_new(attrs, "FilterPolicyScope", json_string(scope));
    const char *role = stk_aws_get_str(planned, "subscription_role_arn");
    if (role) json_object_set_new(attrs, "SubscriptionRoleArn", json_string(role));
    json_t *params = json_pack("{s:s,s:s,s:s,s:b}", "TopicArn", stk_aws_get_str(planned, "topic_arn"), "Protocol",
                               stk_aws_get_str(planned, "protocol"), "Endpoint", stk_aws_get_str(planned, "endpoint"),
                               "ReturnSubscriptionArn", 1);
    if (json_object_size(attrs)) json_object_set(params, "Attributes", attrs);
    json_decref(attrs);
    json_t *res = NULL;
    static const char *const retry[] = {"NotFound", NULL};   /* a topic just created */
    int rc = stk_aws_call_retry(p, "sns", "Subscribe", params, &res, retry, stk_aws_timeout('c', 30), d);
    json_decref(params);
    if (rc != 0) return -1;
    const char *got = stk_aws_jstr(res, "SubscriptionArn");
    if (!got || strncmp(got, "arn:", 4)) {
        stk_diags_error(d, NULL, "Subscription has no ARN",
                        "aws_sns_topic_subscription: SNS answered \"%s\" instead of a subscription ARN.",
                        got ? got : "nothing");
        json_decref(res);
        return -1;
    }
    char *arn = stk_xstrdup(got);
    json_decref(res);
    rc = sub_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    free(arn);
    return rc;
}

static int sub_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? sub_read_arn(p, t, id, prior, new_state, d) : 0;
}

static int sub_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        if (!stk_idobs_changed(prior, planned, sub_json_map[i][0])) continue;
        const char *v = stk_aws_get_str(planned, sub_json_map[i][0]);
        rc = sub_set_attr(p, arn, sub_json_map[i][1], v ? v : "", d);
    }
    if (rc == 0 && stk_idobs_changed(prior, planned, "raw_message_delivery"))
        rc = sub_set_attr(p, arn, "RawMessageDelivery", stk_aws_get_bool(planned, "raw_message_delivery", 0) ? "true" : "false",
                          d);
    if (rc == 0 && stk_idobs_changed(prior, planned, "filter_policy_scope") && stk_aws_get_str(planned, "filter_policy_scope"))
        rc = sub_set_attr(p, arn, "FilterPolicyScope", stk_aws_get_str(planned, "filter_policy_scope"), d);
    if (rc == 0 && stk_idobs_changed(prior, planned, "subscription_role_arn")) {
        const char *v = stk_aws_get_str(planned, "subscription_role_arn");
        rc = sub_set_attr(p, arn, "SubscriptionRoleArn", v ? v : "", d);
    }
    if (rc != 0) return -1;
    rc = sub_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    return rc;
}

static int sub_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *arn = stk_aws_get_str(prior, "id");
    if (!arn) return 0;
    json_t *params = json_pack("{s:s}", "SubscriptionArn", arn), *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(p->client, "sns", "Unsubscribe", params, NULL, &res, &err, &tmp);
    json_decref(params);
    json_decref(res);
    if (rc != 0) {
        int ok = stk_aws_is_not_found(&err) ||
                 (stk_aws_error_is(&err, "InvalidParameter") && err.message && strstr(err.message, "pending confirmation"));
        if (!ok) stk_diags_append(d, &tmp);
        rc = ok ? 0 : -1;
    }
    stk_diags_free(&tmp);
    stk_aws_error_clear(&err);
    return rc;
}

/* Crash recovery (recover.h): the topic's subscription with the same
   protocol and endpoint.  One still pending confirmation has no ARN to read:
   it counts as not made, and subscribing again is harmless (AWS answers a
   repeated Subscribe with the same subscription). */
static const char *const sub_keys[] = {"topic_arn", "protocol", "endpoint", "endpoint_auto_confirms",
                                       "confirmation_timeout_in_minutes", NULL};

static char *sub_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, sub_keys);
}

static int sub_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *topic = stk_aws_recover_seed_str(info, "topic_arn"), *proto = stk_aws_recover_seed_str(info, "protocol"),
               *endpoint = stk_aws_recover_seed_str(info, "endpoint");
    char *arn = stk_aws_jstr(info, "id") ? stk_xstrdup(stk_aws_jstr(info, "id")) : NULL;
    int rc = 0;
    if (!arn && !(topic && proto && endpoint)) rc = stk_aws_recover_cannot(d, t, "the interrupted create recorded no topic, protocol and endpoint");
    stk_recover_note_found_by("its topic, protocol and endpoint");
    char *next = NULL;
    while (rc == 0 && !arn && topic && proto && endpoint) {
        json_t *params = json_pack("{s:s}", "TopicArn", topic), *res = NULL;
        if (next) json_object_set_new(params, "NextToken", json_string(next));
        free(next);
        next = NULL;
        int crc = stk_aws_call_nf(p, "sns", "ListSubscriptionsByTopic", params, &res, d);
        json_decref(params);
        if (crc != 0) {
            rc = crc < 0 ? -1 : 0;
            json_decref(res);
            break;
        }
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(res, "Subscriptions"), i, e) {
            const char *sa = stk_aws_jstr(e, "SubscriptionArn"), *sp = stk_aws_jstr(e, "Protocol"), *se = stk_aws_jstr(e, "Endpoint");
            if (sa && !strncmp(sa, "arn:", 4) && sp && se && !strcmp(sp, proto) && !strcmp(se, endpoint)) {
                arn = stk_xstrdup(sa);
                break;
            }
        }
        if (!arn && stk_aws_jstr(res, "NextToken")) next = stk_xstrdup(stk_aws_jstr(res, "NextToken"));
        json_decref(res);
        if (!next) break;
    }
    free(next);
    if (rc == 0 && arn) {
        stk_value *seed = stk_aws_recover_seed(t, info, arn, d);
        rc = seed ? sub_read_arn(p, t, arn, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(arn);
    json_decref(info);
    return rc;
}

const stk_resource_type stk_aws_sns_topic_subscription_type = {
    "aws_sns_topic_subscription", "aws", STK_RESOURCE_MANAGED, &sub_schema, sub_create, sub_read, sub_update,
    sub_delete, sns_import, NULL, sub_journal_info, sub_recover,
};
