/* autoscaling.c - aws_autoscaling_group and aws_autoscaling_policy, with
 * terraform-provider-aws's attribute names, defaults and force-new rules.
 *
 * aws_autoscaling_group: CreateAutoScalingGroup / DescribeAutoScalingGroups
 * (one call reads everything, tags included) / UpdateAutoScalingGroup,
 * Attach/DetachLoadBalancerTargetGroups, CreateOrUpdateTags / DeleteTags
 * for `tag` blocks (the provider's default_tags do not apply to groups, as
 * in terraform-provider-aws v5), StartInstanceRefresh when the
 * launch_template block changes and an instance_refresh block is set.  The
 * create waits for capacity (wait_for_capacity_timeout, default "10m";
 * "0" does not wait): desired_capacity (or min_size) instances InService.
 * Delete drains the group to 0 unless force_delete, deletes it and waits
 * until it is gone.  Import id: the group name.
 *
 * aws_autoscaling_policy: PutScalingPolicy (create and update) /
 * DescribePolicies / DeletePolicy; SimpleScaling and TargetTrackingScaling
 * with a predefined metric.  Not supported yet: step_adjustment,
 * customized_metric_specification, predictive scaling.  Import id:
 * "<asg name>/<policy name>".
 */
#include "aws/common.h"
#include "aws/compute_shared.h"
#include "aws/recover.h"
#include "aws/aws_types.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A_C STK_ATTR_COMPUTED
#define A_O STK_ATTR_OPTIONAL
#define A_R STK_ATTR_REQUIRED
#define A_F STK_ATTR_FORCE_NEW

/* ================= aws_autoscaling_group ================= */

static const stk_schema_attr ltspec_attrs[] = {
    {"id", "string", A_O | A_C, NULL, NULL, NULL},
    {"name", "string", A_O | A_C, NULL, NULL, NULL},
    {"version", "string", A_O | A_C, NULL, "a number, \"$Latest\" or \"$Default\"", NULL},
};
static const stk_schema ltspec_schema = {ltspec_attrs, 3, NULL, 0};
static const stk_schema_attr tag_attrs[] = {
    {"key", "string", A_R, NULL, NULL, NULL},
    {"propagate_at_launch", "bool", A_R, NULL, NULL, NULL},
    {"value", "string", A_R, NULL, NULL, NULL},
};
static const stk_schema tag_schema = {tag_attrs, 3, NULL, 0};
static const stk_schema_attr pref_attrs[] = {
    {"auto_rollback", "bool", A_O, "false", NULL, NULL},
    {"checkpoint_delay", "string", A_O, NULL, NULL, NULL},
    {"checkpoint_percentages", "list(number)", A_O, NULL, NULL, NULL},
    {"instance_warmup", "string", A_O, NULL, NULL, NULL},
    {"max_healthy_percentage", "number", A_O, "100", NULL, NULL},
    {"min_healthy_percentage", "number", A_O, "90", NULL, NULL},
    {"scale_in_protected_instances", "string", A_O, "\"Ignore\"", NULL, NULL},
    {"skip_matching", "bool", A_O, "false", NULL, NULL},
    {"standby_instances", "string", A_O, "\"Ignore\"", NULL, NULL},
};
static const stk_schema pref_schema = {pref_attrs, STK_AWS_NATTRS(pref_attrs), NULL, 0};
static const stk_schema_attr refresh_attrs[] = {
    {"strategy", "string", A_R, NULL, "Rolling", NULL},
    {"triggers", "set(string)", A_O, NULL, NULL, NULL},
};
static const stk_schema_block refresh_blocks[] = {{"preferences", STK_NESTING_LIST, 0, 1, &pref_schema, 0}};
static const stk_schema refresh_schema = {refresh_attrs, 2, refresh_blocks, 1};
static const stk_schema_attr asg_attrs[] = {
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"availability_zones", "set(string)", A_O | A_C, NULL, NULL, NULL},
    {"capacity_rebalance", "bool", A_O, NULL, NULL, NULL},
    {"default_cooldown", "number", A_O | A_C, NULL, NULL, NULL},
    {"default_instance_warmup", "number", A_O, NULL, NULL, NULL},
    {"desired_capacity", "number", A_O | A_C, NULL, NULL, NULL},
    {"force_delete", "bool", A_O, "false", NULL, NULL},
    {"health_check_grace_period", "number", A_O, "300", NULL, NULL},
    {"health_check_type", "string", A_O | A_C, NULL, "EC2 or ELB", NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"load_balancers", "set(string)", A_O | A_C, NULL, NULL, NULL},
    {"max_instance_lifetime", "number", A_O, NULL, NULL, NULL},
    {"max_size", "number", A_R, NULL, NULL, NULL},
    {"min_elb_capacity", "number", A_O, NULL, NULL, NULL},
    {"min_size", "number", A_R, NULL, NULL, NULL},
    {"name", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"name_prefix", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"protect_from_scale_in", "bool", A_O, "false", NULL, NULL},
    {"service_linked_role_arn", "string", A_O | A_C, NULL, NULL, NULL},
    {"target_group_arns", "set(string)", A_O | A_C, NULL, NULL, NULL},
    {"termination_policies", "list(string)", A_O, NULL, NULL, NULL},
    {"vpc_zone_identifier", "set(string)", A_O | A_C, NULL, NULL, NULL},
    {"wait_for_capacity_timeout", "string", A_O, "\"10m\"", NULL, NULL},
    {"wait_for_elb_capacity", "number", A_O, NULL, NULL, NULL},
};
static const stk_schema_block asg_blocks[] = {
    {"instance_refresh", STK_NESTING_LIST, 0, 1, &refresh_schema, 0},
    {"launch_template", STK_NESTING_LIST, 0, 1, &ltspec_schema, 0},
    {"tag", STK_NESTING_SET, 0, 0, &tag_schema, 0},
};
static const stk_schema asg_schema = {asg_attrs, STK_AWS_NATTRS(asg_attrs), asg_blocks, 3};

/* Go duration text ("10m", "1h30m", "90s", "0") in seconds; -1 malformed. */
static double parse_duration(const char *s)
{
    if (!s || !*s) return -1;
    double total = 0;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s) return -1;
        s = end;
        if (*s == 'h') total += v * 3600, s++;
        else if (*s == 'm' && s[1] == 's') total += v / 1000, s += 2;
        else if (*s == 'm') total += v * 60, s++;
        else if (*s == 's') total += v, s++;
        else if (!*s && v == 0) break;
        else return -1;
    }
    return total;
}

static json_t *asg_describe(stk_provider_instance *p, const char *name, stk_diags *d, int *rc)
{
    json_t *params = json_pack("{s:[s]}", "AutoScalingGroupNames", name), *res = NULL;
    *rc = stk_aws_batch_call_nf(p, "autoscaling", "DescribeAutoScalingGroups", params, "AutoScalingGroups", NULL, name, &res, d);
    json_decref(params);
    if (*rc != 0) return NULL;
    json_t *g = json_incref(json_array_get(json_object_get(res, "AutoScalingGroups"), 0));
    json_decref(res);
    if (g && stk_aws_jstr(g, "Status") && strstr(stk_aws_jstr(g, "Status"), "Delete")) {
        json_decref(g);   /* being deleted: gone for stk */
        g = NULL;
    }
    return g;
}

static json_t *split_commas(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        while (n && *s == ' ') s++, n--;
        if (n) json_array_append_new(a, json_stringn(s, n));
        s = c ? c + 1 : NULL;
    }
    return a;
}

static int asg_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                         stk_value **out, stk_diags *d)
{
    *out = NULL;
    int rc;
    json_t *g = asg_describe(p, name, d, &rc);
    if (rc != 0) return rc == 1 ? 0 : -1;
    if (!g) return 0;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "name", name);
    stk_aws_jset_str(st, "arn", stk_aws_jstr(g, "AutoScalingGroupARN"));
    static const char *const nums[][2] = {{"MinSize", "min_size"}, {"MaxSize", "max_size"},
                                          {"DesiredCapacity", "desired_capacity"}, {"DefaultCooldown", "default_cooldown"},
                                          {"HealthCheckGracePeriod", "health_check_grace_period"}};
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_object_get(g, nums[i][0]);
        if (v) json_object_set(st, nums[i][1], v);
    }
    stk_aws_jset_str(st, "health_check_type", stk_aws_jstr(g, "HealthCheckType"));
    stk_aws_jset_str(st, "service_linked_role_arn", stk_aws_jstr(g, "ServiceLinkedRoleARN"));
    json_t *v;
    if ((v = json_object_get(g, "MaxInstanceLifetime")) && json_integer_value(v)) json_object_set(st, "max_instance_lifetime", v);
    if ((v = json_object_get(g, "DefaultInstanceWarmup")) && stk_aws_get(base, "default_instance_warmup"))
        json_object_set(st, "default_instance_warmup", v);
    if (stk_aws_get(base, "capacity_rebalance") || json_is_true(json_object_get(g, "CapacityRebalance")))
        json_object_set_new(st, "capacity_rebalance", json_boolean(json_is_true(json_object_get(g, "CapacityRebalance"))));
    json_object_set_new(st, "protect_from_scale_in", json_boolean(json_is_true(json_object_get(g, "NewInstancesProtectedFromScaleIn"))));
    v = json_object_get(g, "AvailabilityZones");
    json_object_set_new(st, "availability_zones", v ? json_incref(v) : json_array());
    json_object_set_new(st, "vpc_zone_identifier", split_commas(stk_aws_jstr(g, "VPCZoneIdentifier")));
    v = json_object_get(g, "TargetGroupARNs");
    json_object_set_new(st, "target_group_arns", v ? json_incref(v) : json_array());
    v = json_object_get(g, "LoadBalancerNames");
    json_object_set_new(st, "load_balancers", v ? json_incref(v) : json_array());
    v = json_object_get(g, "TerminationPolicies");
    if (stk_aws_get(base, "termination_policies") || (v && !(json_array_size(v) == 1 && !strcmp(json_string_value(json_array_get(v, 0)), "Default"))))
        json_object_set_new(st, "termination_policies", v ? json_incref(v) : json_array());
    json_t *lt = json_object_get(g, "LaunchTemplate");
    if (lt) {
        stk_value *blt = stk_aws_get_elem(base, "launch_template", 0);
        json_t *o = json_pack("{s:s?,s:s?,s:s?}", "id", stk_aws_jstr(lt, "LaunchTemplateId"), "name",
                              stk_aws_jstr(lt, "LaunchTemplateName"), "version", stk_aws_jstr(lt, "Version"));
        /* the version the configuration wrote ("$Latest" ...) when AWS omits it */
        if (!stk_aws_jstr(o, "version")) stk_aws_jset_str(o, "version", stk_aws_get_str(blt, "version") ? stk_aws_get_str(blt, "version") : "$Default");
        json_object_set_new(st, "launch_template", json_pack("[o]", o));
    } else {
        json_object_set_new(st, "launch_template", json_array());
    }
    json_t *tags = json_array(), *tg;
    size_t i;
    json_array_foreach(json_object_get(g, "Tags"), i, tg) {
        const char *k = stk_aws_jstr(tg, "Key");
        if (!k || !strncmp(k, "aws:", 4)) continue;
        json_array_append_new(tags, json_pack("{s:s,s:s,s:b}", "key", k, "value", stk_aws_jstr(tg, "Value") ? stk_aws_jstr(tg, "Value") : "",
                                              "propagate_at_launch", json_is_true(json_object_get(tg, "PropagateAtLaunch"))));
    }
    json_object_set_new(st, "tag", tags);
    if (!json_object_get(st, "wait_for_capacity_timeout") || json_is_null(json_object_get(st, "wait_for_capacity_timeout")))
        stk_aws_jset_str(st, "wait_for_capacity_timeout", "10m");
    if (json_is_null(json_object_get(st, "force_delete")) || !json_object_get(st, "force_delete"))
        json_object_set_new(st, "force_delete", json_false());
    json_decref(g);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static json_t *asg_lt_spec(stk_value *v)
{
    stk_value *lt = stk_aws_get_elem(v, "launch_template", 0);
    if (!lt) return NULL;
    json_t *o = json_object();
    const char *s;
    if ((s = stk_aws_get_str(lt, "id")) && *s) json_object_set_new(o, "LaunchTemplateId", json_string(s));
    else if ((s = stk_aws_get_str(lt, "name"))) json_object_set_new(o, "LaunchTemplateName", json_string(s));
    if ((s = stk_aws_get_str(lt, "version")) && *s) json_object_set_new(o, "Version", json_string(s));
    return o;
}

static json_t *asg_tags(stk_value *v, const char *name)
{
    json_t *l = json_array();
    for (size_t i = 0; i < stk_aws_get_count(v, "tag"); i++) {
        stk_value *tg = stk_aws_get_elem(v, "tag", i);
        json_array_append_new(l, json_pack("{s:s,s:s,s:s,s:s,s:b}", "ResourceId", name, "ResourceType", "auto-scaling-group",
                                           "Key", stk_aws_get_str(tg, "key") ? stk_aws_get_str(tg, "key") : "", "Value",
                                           stk_aws_get_str(tg, "value") ? stk_aws_get_str(tg, "value") : "",
                                           "PropagateAtLaunch", stk_aws_get_bool(tg, "propagate_at_launch", 0)));
    }
    return l;
}

static char *join_commas(json_t *a)
{
    stk_strbuf b = STK_STRBUF_INIT;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        if (i) stk_strbuf_putc(&b, ',');
        stk_strbuf_puts(&b, json_string_value(e));
    }
    return stk_strbuf_detach(&b);
}

/* Wait until `want` instances are InService (wait_for_capacity_timeout). */
static int asg_wait_capacity(stk_provider_instance *p, const char *name, stk_value *planned, stk_diags *d)
{
    const char *tos = stk_aws_get_str(planned, "wait_for_capacity_timeout");
    double timeout = parse_duration(tos ? tos : "10m");
    if (timeout < 0) {
        stk_diags_error(d, NULL, "Invalid wait_for_capacity_timeout", "aws_autoscaling_group: \"%s\" is not a duration such as \"10m\".", tos);
        return -1;
    }
    if (timeout == 0) return 0;
    long long want = stk_aws_get(planned, "desired_capacity") ? stk_aws_get_int(planned, "desired_capacity", 0)
                                                              : stk_aws_get_int(planned, "min_size", 0);
    double waited = 0, delay = 1;
    for (;;) {
        int rc;
        json_t *g = asg_describe(p, name, d, &rc);
        if (rc < 0) return -1;
        long long n = 0;
        size_t i;
        json_t *in;
        json_array_foreach(json_object_get(g, "Instances"), i, in) {
            const char *ls = stk_aws_jstr(in, "LifecycleState"), *hs = stk_aws_jstr(in, "HealthStatus");
            if (ls && !strcmp(ls, "InService") && (!hs || !strcmp(hs, "Healthy"))) n++;
        }
        json_decref(g);
        if (n >= want) return 0;
        if (waited >= timeout) {
            stk_diags_error(d, NULL, "Timeout waiting for capacity",
                            "aws_autoscaling_group %s: %lld of %lld instances in service after %s.", name, n, want, tos ? tos : "10m");
            return -1;
        }
        if (stk_aws_sleep(delay) != 0) {
            stk_diags_error(d, NULL, "Interrupted", "aws_autoscaling_group %s: waiting for capacity was interrupted.", name);
            return -1;
        }
        waited += delay;
        if (delay < 10) delay *= 2;
    }
}

static int asg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_aws_cmp_name(planned, 0);
    json_t *params = json_pack("{s:s,s:I,s:I}", "AutoScalingGroupName", name, "MinSize",
                               (json_int_t)stk_aws_get_int(planned, "min_size", 0), "MaxSize",
                               (json_int_t)stk_aws_get_int(planned, "max_size", 0));
    json_t *lt = asg_lt_spec(planned);
    if (lt) json_object_set_new(params, "LaunchTemplate", lt);
    if (stk_aws_get(planned, "desired_capacity"))
        json_object_set_new(params, "DesiredCapacity", json_integer(stk_aws_get_int(planned, "desired_capacity", 0)));
    if (stk_aws_get(planned, "default_cooldown"))
        json_object_set_new(params, "DefaultCooldown", json_integer(stk_aws_get_int(planned, "default_cooldown", 300)));
    json_object_set_new(params, "HealthCheckGracePeriod", json_integer(stk_aws_get_int(planned, "health_check_grace_period", 300)));
    const char *s;
    if ((s = stk_aws_get_str(planned, "health_check_type"))) json_object_set_new(params, "HealthCheckType", json_string(s));
    if ((s = stk_aws_get_str(planned, "service_linked_role_arn"))) json_object_set_new(params, "ServiceLinkedRoleARN", json_string(s));
    if (stk_aws_get(planned, "max_instance_lifetime"))
        json_object_set_new(params, "MaxInstanceLifetime", json_integer(stk_aws_get_int(planned, "max_instance_lifetime", 0)));
    if (stk_aws_get(planned, "default_instance_warmup"))
        json_object_set_new(params, "DefaultInstanceWarmup", json_integer(stk_aws_get_int(planned, "default_instance_warmup", 0)));
    if (stk_aws_get(planned, "capacity_rebalance"))
        json_object_set_new(params, "CapacityRebalance", json_boolean(stk_aws_get_bool(planned, "capacity_rebalance", 0)));
    if (stk_aws_get_bool(planned, "protect_from_scale_in", 0)) json_object_set_new(params, "NewInstancesProtectedFromScaleIn", json_true());
    json_t *a = stk_aws_get_strings(planned, "vpc_zone_identifier");
    if (json_array_size(a)) {
        char *z = join_commas(a);
        json_object_set_new(params, "VPCZoneIdentifier", json_string(z));
        free(z);
    }
    json_decref(a);
    a = stk_aws_get_strings(planned, "availability_zones");
    if (json_array_size(a)) json_object_set(params, "AvailabilityZones", a);
    json_decref(a);
    a = stk_aws_get_strings(planned, "target_group_arns");
    if (json_array_size(a)) json_object_set(params, "TargetGroupARNs", a);
    json_decref(a);
    a = stk_aws_get_strings(planned, "load_balancers");
    if (json_array_size(a)) json_object_set(params, "LoadBalancerNames", a);
    json_decref(a);
    a = stk_aws_get_strings(planned, "termination_policies");
    if (json_array_size(a)) json_object_set(params, "TerminationPolicies", a);
    json_decref(a);
    json_t *tags = asg_tags(planned, name);
    if (json_array_size(tags)) json_object_set(params, "Tags", tags);
    json_decref(tags);
    /* a fresh launch template's instance profile may not be usable yet */
    static const char *const retry[] = {"ValidationError:Invalid IamInstanceProfile", "ValidationError:You must use a valid fully-formed launch template",
                                        NULL};
    json_t *res = NULL;
    int rc = stk_aws_call_retry(p, "autoscaling", "CreateAutoScalingGroup", params, &res, retry, 120, d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "Auto Scaling group not created", "CreateAutoScalingGroup: not found");
        free(name);
        return -1;
    }
    rc = asg_wait_capacity(p, name, planned, d);
    int rrc = asg_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = rrc;
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    if (rc != 0 && !*new_state) {
        json_t *st = stk_aws_state_start(planned);
        stk_aws_jset_str(st, "id", name);
        stk_aws_jset_str(st, "name", name);
        *new_state = stk_aws_state_build(t, st, d);
    }
    free(name);
    return rc;
}

static int asg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? asg_read_name(p, t, id, prior, new_state, d) : 0;
}

static int set_diff_call(stk_provider_instance *p, const char *name, stk_value *prior, stk_value *planned,
                         const char *attr, const char *attach, const char *detach, const char *member, stk_diags *d)
{
    if (!stk_aws_get(planned, attr)) return 0;
    json_t *o = stk_aws_get_strings(prior, attr), *n = stk_aws_get_strings(planned, attr);
    json_t *add = json_array(), *rem = json_array(), *x, *y;
    size_t i, j;
    json_array_foreach(n, i, x) {
        int found = 0;
        json_array_foreach(o, j, y) if (json_equal(x, y)) found = 1;
        if (!found) json_array_append(add, x);
    }
    json_array_foreach(o, i, x) {
        int found = 0;
        json_array_foreach(n, j, y) if (json_equal(x, y)) found = 1;
        if (!found) json_array_append(rem, x);
    }
    int rc = 0;
    json_t *res = NULL;
    if (json_array_size(rem)) {
        json_t *params = json_pack("{s:s,s:O}", "AutoScalingGroupName", name, member, rem);
        rc = stk_aws_call(p->client, "autoscaling", detach, params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    if (rc == 0 && json_array_size(add)) {
        json_t *params = json_pack("{s:s,s:O}", "AutoScalingGroupName", name, member, add);
        rc = stk_aws_call(p->client, "autoscaling", attach, params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(o);
    json_decref(n);
    json_decref(add);
    json_decref(rem);
    return rc;
}

static int asg_start_refresh(stk_provider_instance *p, const char *name, stk_value *planned, stk_diags *d)
{
    stk_value *r = stk_aws_get_elem(planned, "instance_refresh", 0);
    stk_value *pr = stk_aws_get_elem(r, "preferences", 0);
    json_t *params = json_pack("{s:s,s:s}", "AutoScalingGroupName", name, "Strategy",
                               stk_aws_get_str(r, "strategy") ? stk_aws_get_str(r, "strategy") : "Rolling");
    if (pr) {
        json_t *o = json_pack("{s:I,s:b,s:b}", "MinHealthyPercentage", (json_int_t)stk_aws_get_int(pr, "min_healthy_percentage", 90),
                              "SkipMatching", stk_aws_get_bool(pr, "skip_matching", 0), "AutoRollback",
                              stk_aws_get_bool(pr, "auto_rollback", 0));
        if (stk_aws_get(pr, "max_healthy_percentage"))
            json_object_set_new(o, "MaxHealthyPercentage", json_integer(stk_aws_get_int(pr, "max_healthy_percentage", 100)));
        const char *s;
        if ((s = stk_aws_get_str(pr, "instance_warmup")) && *s) json_object_set_new(o, "InstanceWarmup", json_integer(atoll(s)));
        if ((s = stk_aws_get_str(pr, "checkpoint_delay")) && *s) json_object_set_new(o, "CheckpointDelay", json_integer(atoll(s)));
        if (stk_aws_get_count(pr, "checkpoint_percentages")) {
            json_t *cp = stk_aws_get_json(pr, "checkpoint_percentages");
            json_object_set_new(o, "CheckpointPercentages", cp);
        }
        if ((s = stk_aws_get_str(pr, "scale_in_protected_instances"))) json_object_set_new(o, "ScaleInProtectedInstances", json_string(s));
        if ((s = stk_aws_get_str(pr, "standby_instances"))) json_object_set_new(o, "StandbyInstances", json_string(s));
        json_object_set_new(params, "Preferences", o);
    }
    json_t *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(p->client, "autoscaling", "StartInstanceRefresh", params, NULL, &res, &err, &tmp);
    if (rc != 0 && stk_aws_error_is(&err, "InstanceRefreshInProgress")) {
        /* the provider cancels the running refresh and starts a new one */
        json_t *cp = json_pack("{s:s}", "AutoScalingGroupName", name), *cres = NULL;
        stk_aws_call(p->client, "autoscaling", "CancelInstanceRefresh", cp, &cres, &tmp);
        json_decref(cp);
        json_decref(cres);
        stk_diags_free(&tmp);
        tmp = (stk_diags)STK_DIAGS_INIT;
        rc = stk_aws_call(p->client, "autoscaling", "StartInstanceRefresh", params, &res, d);
    } else if (rc != 0) {
        stk_diags_append(d, &tmp);
    }
    stk_diags_free(&tmp);
    stk_aws_error_clear(&err);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int asg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *name = stk_aws_get_str(prior, "id");
    json_t *params = json_pack("{s:s,s:I,s:I,s:I}", "AutoScalingGroupName", name, "MinSize",
                               (json_int_t)stk_aws_get_int(planned, "min_size", 0), "MaxSize",
                               (json_int_t)stk_aws_get_int(planned, "max_size", 0), "HealthCheckGracePeriod",
                               (json_int_t)stk_aws_get_int(planned, "health_check_grace_period", 300));
    if (stk_aws_get(planned, "desired_capacity") &&
        stk_aws_get_int(planned, "desired_capacity", 0) != stk_aws_get_int(prior, "desired_capacity", -1))
        json_object_set_new(params, "DesiredCapacity", json_integer(stk_aws_get_int(planned, "desired_capacity", 0)));
    if (stk_aws_get(planned, "default_cooldown"))
        json_object_set_new(params, "DefaultCooldown", json_integer(stk_aws_get_int(planned, "default_cooldown", 300)));
    const char *s;
    if ((s = stk_aws_get_str(planned, "health_check_type"))) json_object_set_new(params, "HealthCheckType", json_string(s));
    json_object_set_new(params, "NewInstancesProtectedFromScaleIn", json_boolean(stk_aws_get_bool(planned, "protect_from_scale_in", 0)));
    if (stk_aws_get(planned, "max_instance_lifetime"))
        json_object_set_new(params, "MaxInstanceLifetime", json_integer(stk_aws_get_int(planned, "max_instance_lifetime", 0)));
    if (stk_aws_get(planned, "capacity_rebalance"))
        json_object_set_new(params, "CapacityRebalance", json_boolean(stk_aws_get_bool(planned, "capacity_rebalance", 0)));
    json_t *lt = asg_lt_spec(planned), *olt = asg_lt_spec(prior);
    int lt_changed = lt && !json_equal(lt, olt);
    if (lt) json_object_set_new(params, "LaunchTemplate", lt);
    json_decref(olt);
    json_t *a = stk_aws_get_strings(planned, "vpc_zone_identifier");
    if (json_array_size(a) && stk_aws_get(planned, "vpc_zone_identifier")) {
        char *z = join_commas(a);
        json_object_set_new(params, "VPCZoneIdentifier", json_string(z));
        free(z);
    }
    json_decref(a);
    a = stk_aws_get_strings(planned, "termination_policies");
    if (stk_aws_get(planned, "termination_policies")) json_object_set(params, "TerminationPolicies", a);
    json_decref(a);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "autoscaling", "UpdateAutoScalingGroup", params, &res, d);
    json_decref(params);
    json_decref(res);
    res = NULL;
    if (rc == 0)
        rc = set_diff_call(p, name, prior, planned, "target_group_arns", "AttachLoadBalancerTargetGroups",
                           "DetachLoadBalancerTargetGroups", "TargetGroupARNs", d);
    /* tags: delete the keys no longer configured, then put all the others */
    if (rc == 0) {
        json_t *ot = asg_tags(prior, name), *nt = asg_tags(planned, name), *del = json_array(), *x, *y;
        size_t i, j;
        json_array_foreach(ot, i, x) {
            int keep = 0;
            json_array_foreach(nt, j, y) if (!strcmp(stk_aws_jstr(x, "Key"), stk_aws_jstr(y, "Key"))) keep = 1;
            if (!keep) json_array_append(del, x);
        }
        if (json_array_size(del)) {
            json_t *pp = json_pack("{s:O}", "Tags", del);
            rc = stk_aws_call(p->client, "autoscaling", "DeleteTags", pp, &res, d);
            json_decref(pp);
            json_decref(res);
            res = NULL;
        }
        if (rc == 0 && json_array_size(nt) && !json_equal(ot, nt)) {
            json_t *pp = json_pack("{s:O}", "Tags", nt);
            rc = stk_aws_call(p->client, "autoscaling", "CreateOrUpdateTags", pp, &res, d);
            json_decref(pp);
            json_decref(res);
        }
        json_decref(ot);
        json_decref(nt);
        json_decref(del);
    }
    if (rc == 0 && lt_changed && stk_aws_get_count(planned, "instance_refresh")) rc = asg_start_refresh(p, name, planned, d);
    if (rc != 0) return -1;
    rc = asg_read_name(p, t, name, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, name, *new_state, d) : rc;
}

static int asg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *name = stk_aws_get_str(prior, "id");
    if (!name) return 0;
    int force = stk_aws_get_bool(prior, "force_delete", 0), rc;
    json_t *res = NULL, *params;
    double timeout = stk_aws_timeout('d', 600), waited = 0;
    if (!force) {   /* drain first, as the provider does */
        params = json_pack("{s:s,s:i,s:i,s:i}", "AutoScalingGroupName", name, "MinSize", 0, "MaxSize", 0, "DesiredCapacity", 0);
        rc = stk_aws_call_nf(p, "autoscaling", "UpdateAutoScalingGroup", params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
        if (rc == 1) return 0;
        if (rc < 0) {
            /* ValidationError "not found" is how autoscaling says the group is gone */
            return -1;
        }
        for (;;) {
            json_t *g = asg_describe(p, name, d, &rc);
            if (rc < 0) return -1;
            size_t n = json_array_size(json_object_get(g, "Instances"));
            json_decref(g);
            if (!g || n == 0) break;
            if (waited >= timeout) {
                stk_diags_error(d, NULL, "Timeout draining group", "aws_autoscaling_group %s: %zu instances left.", name, n);
                return -1;
            }
            if (stk_aws_sleep(2) != 0) {
                stk_diags_error(d, NULL, "Interrupted", "aws_autoscaling_group %s: draining was interrupted.", name);
                return -1;
            }
            waited += 2;
        }
    }
    static const char *const retry[] = {"ResourceInUse", "ScalingActivityInProgress", NULL};
    params = json_pack("{s:s,s:b}", "AutoScalingGroupName", name, "ForceDelete", force);
    rc = stk_aws_call_retry(p, "autoscaling", "DeleteAutoScalingGroup", params, &res, retry, timeout, d);
    json_decref(params);
    json_decref(res);
    if (rc < 0) return -1;
    for (waited = 0;; waited += 2) {   /* until gone */
        json_t *g = asg_describe(p, name, d, &rc);
        if (rc < 0) return -1;
        if (!g) return 0;
        json_decref(g);
        if (waited >= timeout) {
            stk_diags_error(d, NULL, "Timeout deleting group", "aws_autoscaling_group %s still exists.", name);
            return -1;
        }
        if (stk_aws_sleep(2) != 0) {
            stk_diags_error(d, NULL, "Interrupted", "aws_autoscaling_group %s: deletion wait interrupted.", name);
            return -1;
        }
    }
}

static int asg_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery (recover.h): the group's name (given, or made from the
   create's token as asg_create makes it) finds it again; the arguments AWS
   does not hold are recorded so the recovered group keeps them. */
static const char *const asg_keys[] = {"force_delete", "wait_for_capacity_timeout", "min_elb_capacity",
                                       "wait_for_elb_capacity", NULL};

static char *asg_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    char *name = stk_aws_cmp_name_token(planned, 0, token);
    char *s = stk_aws_recover_info(p, planned, token, name, asg_keys);
    free(name);
    return s;
}

static int asg_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    return stk_aws_recover_by_read(p, t, info_json, "name", NULL, state, d);
}

/* refresh by batch: one DescribeAutoScalingGroups for every object being refreshed */
static int asg_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_read_batch_by(p, priors, n, "id", "autoscaling", "DescribeAutoScalingGroups", "AutoScalingGroupNames", 50, "AutoScalingGroups", NULL,
                                 "AutoScalingGroupName", d);
}

const stk_resource_type stk_aws_autoscaling_group_type = {
    "aws_autoscaling_group", "aws", STK_RESOURCE_MANAGED, &asg_schema, asg_create, asg_read, asg_update, asg_delete,
    asg_import, NULL, asg_journal_info, asg_recover, asg_read_batch,
};

/* ================= aws_autoscaling_policy ================= */

static const stk_schema_attr pms_attrs[] = {
    {"predefined_metric_type", "string", A_R, NULL, NULL, NULL},
    {"resource_label", "string", A_O, NULL, NULL, NULL},
};
static const stk_schema pms_schema = {pms_attrs, 2, NULL, 0};
static const stk_schema_attr ttc_attrs[] = {
    {"disable_scale_in", "bool", A_O, "false", NULL, NULL},
    {"target_value", "number", A_R, NULL, NULL, NULL},
};
static const stk_schema_block ttc_blocks[] = {
    {"predefined_metric_specification", STK_NESTING_LIST, 0, 1, &pms_schema, 0},
};
static const stk_schema ttc_schema = {ttc_attrs, 2, ttc_blocks, 1};
static const stk_schema_attr pol_attrs[] = {
    {"adjustment_type", "string", A_O, NULL, NULL, NULL},
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"autoscaling_group_name", "string", A_R | A_F, NULL, NULL, NULL},
    {"cooldown", "number", A_O, NULL, NULL, NULL},
    {"enabled", "bool", A_O, "true", NULL, NULL},
    {"estimated_instance_warmup", "number", A_O, NULL, NULL, NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"metric_aggregation_type", "string", A_O | A_C, NULL, NULL, NULL},
    {"min_adjustment_magnitude", "number", A_O, NULL, NULL, NULL},
    {"name", "string", A_R | A_F, NULL, NULL, NULL},
    {"policy_type", "string", A_O, "\"SimpleScaling\"", NULL, NULL},
    {"scaling_adjustment", "number", A_O, NULL, NULL, NULL},
};
static const stk_schema_block pol_blocks[] = {
    {"target_tracking_configuration", STK_NESTING_LIST, 0, 1, &ttc_schema, 0},
};
static const stk_schema pol_schema = {pol_attrs, STK_AWS_NATTRS(pol_attrs), pol_blocks, 1};

static int pol_read2(stk_provider_instance *p, const stk_resource_type *t, const char *asg, const char *name,
                     stk_value *base, stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s,s:[s]}", "AutoScalingGroupName", asg, "PolicyNames", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "autoscaling", "DescribePolicies", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *pol = json_incref(json_array_get(json_object_get(res, "ScalingPolicies"), 0));
    json_decref(res);
    if (!pol) return 0;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "name", name);
    stk_aws_jset_str(st, "autoscaling_group_name", asg);
    stk_aws_jset_str(st, "arn", stk_aws_jstr(pol, "PolicyARN"));
    stk_aws_jset_str(st, "policy_type", stk_aws_jstr(pol, "PolicyType") ? stk_aws_jstr(pol, "PolicyType") : "SimpleScaling");
    stk_aws_jset_str(st, "adjustment_type", stk_aws_jstr(pol, "AdjustmentType"));
    stk_aws_jset_str(st, "metric_aggregation_type", stk_aws_jstr(pol, "MetricAggregationType"));
    static const char *const nums[][2] = {{"ScalingAdjustment", "scaling_adjustment"}, {"Cooldown", "cooldown"},
                                          {"EstimatedInstanceWarmup", "estimated_instance_warmup"},
                                          {"MinAdjustmentMagnitude", "min_adjustment_magnitude"}};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(pol, nums[i][0]);
        stk_aws_jset(st, nums[i][1], v && (json_integer_value(v) || stk_aws_get(base, nums[i][1])) ? v : json_null());
    }
    json_t *en = json_object_get(pol, "Enabled");
    json_object_set_new(st, "enabled", json_boolean(!en || json_is_true(en)));
    json_t *tt = json_object_get(pol, "TargetTrackingConfiguration");
    if (tt) {
        json_t *pm = json_object_get(tt, "PredefinedMetricSpecification"), *pml = json_array();
        if (pm)
            json_array_append_new(pml, json_pack("{s:s?,s:s?}", "predefined_metric_type", stk_aws_jstr(pm, "PredefinedMetricType"),
                                                 "resource_label", stk_aws_jstr(pm, "ResourceLabel")));
        json_t *tv = json_object_get(tt, "TargetValue");
        json_object_set_new(st, "target_tracking_configuration",
                            json_pack("[{s:O,s:b,s:o}]", "target_value", tv ? tv : json_null(), "disable_scale_in",
                                      json_is_true(json_object_get(tt, "DisableScaleIn")), "predefined_metric_specification", pml));
    } else {
        json_object_set_new(st, "target_tracking_configuration", json_array());
    }
    json_decref(pol);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int pol_put(stk_provider_instance *p, stk_value *planned, stk_diags *d)
{
    const char *type = stk_aws_get_str(planned, "policy_type");
    if (!type) type = "SimpleScaling";
    if (strcmp(type, "SimpleScaling") && strcmp(type, "TargetTrackingScaling")) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_autoscaling_policy: policy_type \"%s\" is not supported by stk yet "
                        "(SimpleScaling and TargetTrackingScaling are).", type);
        return -1;
    }
    json_t *params = json_pack("{s:s,s:s,s:s,s:b}", "AutoScalingGroupName", stk_aws_get_str(planned, "autoscaling_group_name"),
                               "PolicyName", stk_aws_get_str(planned, "name"), "PolicyType", type, "Enabled",
                               stk_aws_get_bool(planned, "enabled", 1));
    const char *s;
    if (!strcmp(type, "SimpleScaling")) {
        if ((s = stk_aws_get_str(planned, "adjustment_type"))) json_object_set_new(params, "AdjustmentType", json_string(s));
        if (stk_aws_get(planned, "scaling_adjustment"))
            json_object_set_new(params, "ScalingAdjustment", json_integer(stk_aws_get_int(planned, "scaling_adjustment", 0)));
        if (stk_aws_get(planned, "cooldown")) json_object_set_new(params, "Cooldown", json_integer(stk_aws_get_int(planned, "cooldown", 0)));
        if (stk_aws_get(planned, "min_adjustment_magnitude"))
            json_object_set_new(params, "MinAdjustmentMagnitude", json_integer(stk_aws_get_int(planned, "min_adjustment_magnitude", 0)));
    } else {
        stk_value *tt = stk_aws_get_elem(planned, "target_tracking_configuration", 0);
        stk_value *pm = stk_aws_get_elem(tt, "predefined_metric_specification", 0);
        if (!tt || !pm) {
            json_decref(params);
            stk_diags_error(d, NULL, "Not supported yet", "aws_autoscaling_policy: TargetTrackingScaling needs "
                            "target_tracking_configuration with predefined_metric_specification (customized metrics are not supported by stk yet).");
            return -1;
        }
        stk_value *tv = stk_aws_get(tt, "target_value");
        json_t *tvj = tv ? stk_aws_value_to_json(tv) : json_real(0);
        json_t *pmj = json_pack("{s:s}", "PredefinedMetricType", stk_aws_get_str(pm, "predefined_metric_type"));
        if ((s = stk_aws_get_str(pm, "resource_label"))) json_object_set_new(pmj, "ResourceLabel", json_string(s));
        json_object_set_new(params, "TargetTrackingConfiguration",
                            json_pack("{s:o,s:b,s:o}", "TargetValue", json_real(json_number_value(tvj)), "DisableScaleIn",
                                      stk_aws_get_bool(tt, "disable_scale_in", 0), "PredefinedMetricSpecification", pmj));
        json_decref(tvj);
    }
    if (stk_aws_get(planned, "estimated_instance_warmup"))
        json_object_set_new(params, "EstimatedInstanceWarmup", json_integer(stk_aws_get_int(planned, "estimated_instance_warmup", 0)));
    if ((s = stk_aws_get_str(planned, "metric_aggregation_type")) && strcmp(type, "TargetTrackingScaling"))
        json_object_set_new(params, "MetricAggregationType", json_string(s));
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "autoscaling", "PutScalingPolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static int pol_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    if (pol_put(p, planned, d) != 0) return -1;
    const char *asg = stk_aws_get_str(planned, "autoscaling_group_name"), *name = stk_aws_get_str(planned, "name");
    int rc = pol_read2(p, t, asg, name, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, name, *new_state, d) : rc;
}

static int pol_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *asg = stk_aws_get_str(prior, "autoscaling_group_name"), *name = stk_aws_get_str(prior, "id");
    if (!name) name = stk_aws_get_str(prior, "name");
    return asg && name ? pol_read2(p, t, asg, name, prior, new_state, d) : 0;
}

static int pol_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    (void)prior;
    return pol_create(p, t, planned, new_state, d);   /* PutScalingPolicy replaces the settings */
}

static int pol_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *asg = stk_aws_get_str(prior, "autoscaling_group_name"), *name = stk_aws_get_str(prior, "name");
    if (!asg || !name) return 0;
    json_t *params = json_pack("{s:s,s:s}", "AutoScalingGroupName", asg, "PolicyName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "autoscaling", "DeletePolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int pol_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    const char *slash = strchr(id, '/');
    if (!slash || slash == id || !slash[1]) {
        stk_diags_error(d, NULL, "Invalid import id", "aws_autoscaling_policy: the import id is \"<asg name>/<policy name>\", got \"%s\".", id);
        return -1;
    }
    char *asg = stk_xasprintf("%.*s", (int)(slash - id), id);
    int rc = pol_read2(p, t, asg, slash + 1, NULL, state, d);
    free(asg);
    if (rc == 0 && !*state) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object", "aws_autoscaling_policy %s does not exist.", id);
        return -1;
    }
    return rc;
}

/* Crash recovery (recover.h): the group's name and the policy's. */
static const char *const pol_keys[] = {"autoscaling_group_name", "name", NULL};

static char *pol_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, pol_keys);
}

static int pol_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    return stk_aws_recover_by_read(p, t, info_json, "name", pol_keys, state, d);
}

const stk_resource_type stk_aws_autoscaling_policy_type = {
    "aws_autoscaling_policy", "aws", STK_RESOURCE_MANAGED, &pol_schema, pol_create, pol_read, pol_update, pol_delete,
    pol_import, NULL, pol_journal_info, pol_recover,
};
