/* elbv2.c - Elastic Load Balancing v2: aws_lb (application / network load
 * balancers), aws_lb_target_group, aws_lb_listener, aws_lb_listener_rule,
 * with terraform-provider-aws's attribute names, defaults, computed
 * attributes and force-new rules.  Load balancer and target group settings
 * that live in "attributes" (deletion protection, idle timeout,
 * deregistration delay, stickiness ...) go through Modify*Attributes.
 * Creates wait for the load balancer to be active (LoadBalancerAvailable),
 * deletes for it to be gone (LoadBalancersDeleted).
 *
 * Import ids: the ARN of each object.
 * Not supported yet (clear errors or ignored attributes listed in the
 * schema descriptions): authenticate-oidc / authenticate-cognito actions,
 * mutual_authentication, gateway load balancers' specific attributes.
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

/* ================= shared: actions and conditions ================= */

static const stk_schema_attr tg_tuple_attrs[] = {
    {"arn", "string", A_R, NULL, NULL, NULL},
    {"weight", "number", A_O, "1", NULL, NULL},
};
static const stk_schema tg_tuple_schema = {tg_tuple_attrs, 2, NULL, 0};
static const stk_schema_attr fwd_stick_attrs[] = {
    {"duration", "number", A_R, NULL, NULL, NULL},
    {"enabled", "bool", A_O, "false", NULL, NULL},
};
static const stk_schema fwd_stick_schema = {fwd_stick_attrs, 2, NULL, 0};
static const stk_schema_block forward_blocks[] = {
    {"stickiness", STK_NESTING_LIST, 0, 1, &fwd_stick_schema, 0},
    {"target_group", STK_NESTING_SET, 1, 5, &tg_tuple_schema, 0},
};
static const stk_schema forward_schema = {NULL, 0, forward_blocks, 2};
static const stk_schema_attr redirect_attrs[] = {
    {"host", "string", A_O, "\"#{host}\"", NULL, NULL},
    {"path", "string", A_O, "\"/#{path}\"", NULL, NULL},
    {"port", "string", A_O, "\"#{port}\"", NULL, NULL},
    {"protocol", "string", A_O, "\"#{protocol}\"", NULL, NULL},
    {"query", "string", A_O, "\"#{query}\"", NULL, NULL},
    {"status_code", "string", A_R, NULL, "HTTP_301 or HTTP_302", NULL},
};
static const stk_schema redirect_schema = {redirect_attrs, 6, NULL, 0};
static const stk_schema_attr fixed_attrs[] = {
    {"content_type", "string", A_R, NULL, NULL, NULL},
    {"message_body", "string", A_O, NULL, NULL, NULL},
    {"status_code", "string", A_O | A_C, NULL, NULL, NULL},
};
static const stk_schema fixed_schema = {fixed_attrs, 3, NULL, 0};
static const stk_schema_attr action_attrs[] = {
    {"order", "number", A_O | A_C, NULL, NULL, NULL},
    {"target_group_arn", "string", A_O, NULL, NULL, NULL},
    {"type", "string", A_R, NULL, "forward, redirect or fixed-response", NULL},
};
static const stk_schema_block action_blocks[] = {
    {"fixed_response", STK_NESTING_LIST, 0, 1, &fixed_schema, 0},
    {"forward", STK_NESTING_LIST, 0, 1, &forward_schema, 0},
    {"redirect", STK_NESTING_LIST, 0, 1, &redirect_schema, 0},
};
static const stk_schema action_schema = {action_attrs, 3, action_blocks, 3};

/* One block of an action (a list block of at most one): borrowed or NULL. */
static stk_value *block1(stk_value *obj, const char *name) { return stk_aws_get_elem(obj, name, 0); }

static const char *str_or(stk_value *o, const char *k, const char *dflt)
{
    const char *s = stk_aws_get_str(o, k);
    return s ? s : dflt;
}

/* Actions of a configuration (`default_action` / `action` blocks) as the API's
   Actions; NULL with a diagnostic for what stk does not support. */
static json_t *actions_expand(stk_value *obj, const char *block, stk_diags *d)
{
    json_t *out = json_array();
    size_t n = stk_aws_get_count(obj, block);
    for (size_t i = 0; i < n; i++) {
        stk_value *a = stk_aws_get_elem(obj, block, i);
        const char *type = stk_aws_get_str(a, "type");
        if (!type) type = "";
        json_t *act = json_pack("{s:s,s:I}", "Type", type, "Order",
                                (json_int_t)stk_aws_get_int(a, "order", (long long)i + 1));
        if (!strcmp(type, "forward")) {
            stk_value *f = block1(a, "forward");
            const char *tg = stk_aws_get_str(a, "target_group_arn");
            if (f) {
                json_t *tgs = json_array();
                size_t m = stk_aws_get_count(f, "target_group");
                for (size_t j = 0; j < m; j++) {
                    stk_value *t = stk_aws_get_elem(f, "target_group", j);
                    json_array_append_new(tgs, json_pack("{s:s,s:I}", "TargetGroupArn", str_or(t, "arn", ""), "Weight",
                                                         (json_int_t)stk_aws_get_int(t, "weight", 1)));
                }
                json_t *fc = json_pack("{s:o}", "TargetGroups", tgs);
                stk_value *st = block1(f, "stickiness");
                if (st)
                    json_object_set_new(fc, "TargetGroupStickinessConfig",
                                        json_pack("{s:b,s:I}", "Enabled", stk_aws_get_bool(st, "enabled", 0),
                                                  "DurationSeconds", (json_int_t)stk_aws_get_int(st, "duration", 0)));
                json_object_set_new(act, "ForwardConfig", fc);
            } else if (tg) {
                json_object_set_new(act, "TargetGroupArn", json_string(tg));
            }
        } else if (!strcmp(type, "redirect")) {
            stk_value *r = block1(a, "redirect");
            json_object_set_new(act, "RedirectConfig",
                                json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "Host", str_or(r, "host", "#{host}"), "Path",
                                          str_or(r, "path", "/#{path}"), "Port", str_or(r, "port", "#{port}"),
                                          "Protocol", str_or(r, "protocol", "#{protocol}"), "Query",
                                          str_or(r, "query", "#{query}"), "StatusCode",
                                          str_or(r, "status_code", "HTTP_301")));
        } else if (!strcmp(type, "fixed-response")) {
            stk_value *r = block1(a, "fixed_response");
            json_t *fc = json_pack("{s:s}", "ContentType", str_or(r, "content_type", "text/plain"));
            if (stk_aws_get_str(r, "message_body"))
                json_object_set_new(fc, "MessageBody", json_string(stk_aws_get_str(r, "message_body")));
            json_object_set_new(fc, "StatusCode", json_string(str_or(r, "status_code", "200")));
            json_object_set_new(act, "FixedResponseConfig", fc);
        } else {
            stk_diags_error(d, NULL, "Not supported yet",
                            "aws_lb_listener: action type \"%s\" is not supported by stk yet (forward, redirect and "
                            "fixed-response are).", type);
            json_decref(act);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, act);
    }
    return out;
}

static int cmp_order(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "Order"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "Order"));
    return x < y ? -1 : x > y;
}

/* API Actions -> the state's blocks.  `base` is the configuration / prior
   state of the same blocks: a forward action is shown as target_group_arn
   or as a forward block the way the configuration wrote it. */
static json_t *actions_flatten(json_t *actions, stk_value *base, const char *block)
{
    size_t n = json_array_size(actions);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = json_array_get(actions, i);
    qsort(v, n, sizeof *v, cmp_order);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *a = v[i];
        stk_value *ba = stk_aws_get_elem(base, block, i);
        const char *type = stk_aws_jstr(a, "Type");
        json_t *o = json_object();
        stk_aws_jset_str(o, "type", type);
        json_object_set_new(o, "order", json_integer(json_integer_value(json_object_get(a, "Order"))
                                                         ? json_integer_value(json_object_get(a, "Order"))
                                                         : (json_int_t)i + 1));
        json_object_set_new(o, "forward", json_array());
        json_object_set_new(o, "redirect", json_array());
        json_object_set_new(o, "fixed_response", json_array());
        json_object_set_new(o, "target_group_arn", json_null());
        if (type && !strcmp(type, "forward")) {
            json_t *fc = json_object_get(a, "ForwardConfig");
            json_t *tgs = json_object_get(fc, "TargetGroups");
            const char *tg = stk_aws_jstr(a, "TargetGroupArn");
            if (!tg && json_array_size(tgs) == 1) tg = stk_aws_jstr(json_array_get(tgs, 0), "TargetGroupArn");
            int want_block = ba ? block1(ba, "forward") != NULL : json_array_size(tgs) > 1;
            if (want_block && json_array_size(tgs)) {
                json_t *list = json_array(), *t;
                size_t j;
                json_array_foreach(tgs, j, t) {
                    json_t *w = json_object_get(t, "Weight");
                    json_array_append_new(list, json_pack("{s:s,s:I}", "arn", stk_aws_jstr(t, "TargetGroupArn"),
                                                          "weight", w ? json_integer_value(w) : (json_int_t)1));
                }
                json_t *f = json_pack("{s:o,s:[]}", "target_group", list, "stickiness");
                json_t *sc = json_object_get(fc, "TargetGroupStickinessConfig");
                stk_value *bst = ba ? block1(block1(ba, "forward"), "stickiness") : NULL;
                if (sc && (bst || json_is_true(json_object_get(sc, "Enabled"))))
                    json_array_append_new(json_object_get(f, "stickiness"),
                                          json_pack("{s:b,s:I}", "enabled", json_is_true(json_object_get(sc, "Enabled")),
                                                    "duration", json_integer_value(json_object_get(sc, "DurationSeconds"))));
                json_array_append_new(json_object_get(o, "forward"), f);
            } else {
                stk_aws_jset_str(o, "target_group_arn", tg);
            }
        } else if (type && !strcmp(type, "redirect")) {
            json_t *r = json_object_get(a, "RedirectConfig");
            json_array_append_new(json_object_get(o, "redirect"),
                                  json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "host", stk_aws_jstr(r, "Host"), "path",
                                            stk_aws_jstr(r, "Path"), "port", stk_aws_jstr(r, "Port"), "protocol",
                                            stk_aws_jstr(r, "Protocol"), "query", stk_aws_jstr(r, "Query"),
                                            "status_code", stk_aws_jstr(r, "StatusCode")));
        } else if (type && !strcmp(type, "fixed-response")) {
            json_t *r = json_object_get(a, "FixedResponseConfig");
            json_array_append_new(json_object_get(o, "fixed_response"),
                                  json_pack("{s:s?,s:s?,s:s?}", "content_type", stk_aws_jstr(r, "ContentType"),
                                            "message_body", stk_aws_jstr(r, "MessageBody"), "status_code",
                                            stk_aws_jstr(r, "StatusCode")));
        }
        json_array_append_new(out, o);
    }
    free(v);
    return out;
}

/* The part of an ARN after "<marker>": arn_suffix ("app/name/id"). */
static char *arn_suffix(const char *arn, const char *marker)
{
    const char *s = arn ? strstr(arn, marker) : NULL;
    return s ? stk_xstrdup(s + strlen(marker)) : NULL;
}

/* Attributes [{Key, Value}] from pairs of (key, value-string). */
static void attr_add(json_t *list, const char *key, const char *value)
{
    json_array_append_new(list, json_pack("{s:s,s:s}", "Key", key, "Value", value));
}

static int modify_attrs(stk_provider_instance *p, const char *op, const char *arn_key, const char *arn, json_t *attrs,
                        stk_diags *d)
{
    if (json_array_size(attrs) == 0) return 0;
    json_t *params = json_pack("{s:s,s:O}", arn_key, arn, "Attributes", attrs), *res = NULL;
    int rc = stk_aws_call(p->client, "elbv2", op, params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

static const char *bool_str(int b) { return b ? "true" : "false"; }

/* ================= aws_lb ================= */

static const stk_schema_attr access_logs_attrs[] = {
    {"bucket", "string", A_R, NULL, NULL, NULL},
    {"enabled", "bool", A_O, "false", NULL, NULL},
    {"prefix", "string", A_O, NULL, NULL, NULL},
};
static const stk_schema access_logs_schema = {access_logs_attrs, 3, NULL, 0};
static const stk_schema_attr subnet_mapping_attrs[] = {
    {"allocation_id", "string", A_O | A_F, NULL, NULL, NULL},
    {"ipv6_address", "string", A_O | A_F, NULL, NULL, NULL},
    {"outpost_id", "string", A_C, NULL, NULL, NULL},
    {"private_ipv4_address", "string", A_O | A_F, NULL, NULL, NULL},
    {"subnet_id", "string", A_R | A_F, NULL, NULL, NULL},
};
static const stk_schema subnet_mapping_schema = {subnet_mapping_attrs, 5, NULL, 0};
static const stk_schema_attr lb_attrs[] = {
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"arn_suffix", "string", A_C, NULL, "app/<name>/<id>, for CloudWatch dimensions", NULL},
    {"desync_mitigation_mode", "string", A_O, "\"defensive\"", NULL, NULL},
    {"dns_name", "string", A_C, NULL, NULL, NULL},
    {"drop_invalid_header_fields", "bool", A_O, "false", NULL, NULL},
    {"enable_deletion_protection", "bool", A_O, "false", NULL, NULL},
    {"enable_http2", "bool", A_O, "true", NULL, NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"idle_timeout", "number", A_O, "60", NULL, NULL},
    {"internal", "bool", A_O | A_C | A_F, NULL, NULL, NULL},
    {"ip_address_type", "string", A_O | A_C, NULL, NULL, NULL},
    {"load_balancer_type", "string", A_O | A_F, "\"application\"", NULL, NULL},
    {"name", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"name_prefix", "string", A_O | A_F, NULL, NULL, NULL},
    {"security_groups", "set(string)", A_O | A_C, NULL, NULL, NULL},
    {"subnets", "set(string)", A_O | A_C, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc_id", "string", A_C, NULL, NULL, NULL},
    {"zone_id", "string", A_C, NULL, NULL, NULL},
};
static const stk_schema_block lb_blocks[] = {
    {"access_logs", STK_NESTING_LIST, 0, 1, &access_logs_schema, 0},
    {"subnet_mapping", STK_NESTING_SET, 0, 0, &subnet_mapping_schema, A_F},
};
static const stk_schema lb_schema = {lb_attrs, STK_AWS_NATTRS(lb_attrs), lb_blocks, 2};

/* The attribute list of a planned aws_lb (application: all of them). */
static json_t *lb_attr_list(stk_value *v)
{
    json_t *l = json_array();
    attr_add(l, "deletion_protection.enabled", bool_str(stk_aws_get_bool(v, "enable_deletion_protection", 0)));
    const char *type = str_or(v, "load_balancer_type", "application");
    if (!strcmp(type, "application")) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", stk_aws_get_int(v, "idle_timeout", 60));
        attr_add(l, "idle_timeout.timeout_seconds", buf);
        attr_add(l, "routing.http.drop_invalid_header_fields.enabled",
                 bool_str(stk_aws_get_bool(v, "drop_invalid_header_fields", 0)));
        attr_add(l, "routing.http2.enabled", bool_str(stk_aws_get_bool(v, "enable_http2", 1)));
        attr_add(l, "routing.http.desync_mitigation_mode", str_or(v, "desync_mitigation_mode", "defensive"));
    }
    stk_value *al = block1(v, "access_logs");
    attr_add(l, "access_logs.s3.enabled", bool_str(al && stk_aws_get_bool(al, "enabled", 0)));
    if (al && stk_aws_get_bool(al, "enabled", 0)) {
        attr_add(l, "access_logs.s3.bucket", str_or(al, "bucket", ""));
        attr_add(l, "access_logs.s3.prefix", str_or(al, "prefix", ""));
    }
    return l;
}

static int lb_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                       stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "LoadBalancerArns", arn), *res = NULL;
    int rc = stk_aws_batch_call_nf(p, "elbv2", "DescribeLoadBalancers", params, "LoadBalancers", NULL, arn, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *lb = json_incref(json_array_get(json_object_get(res, "LoadBalancers"), 0));
    json_decref(res);
    if (!lb) return 0;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    char *suf = arn_suffix(arn, ":loadbalancer/");
    stk_aws_jset_str(st, "arn_suffix", suf);
    free(suf);
    stk_aws_jset_str(st, "name", stk_aws_jstr(lb, "LoadBalancerName"));
    stk_aws_jset_str(st, "dns_name", stk_aws_jstr(lb, "DNSName"));
    stk_aws_jset_str(st, "zone_id", stk_aws_jstr(lb, "CanonicalHostedZoneId"));
    stk_aws_jset_str(st, "vpc_id", stk_aws_jstr(lb, "VpcId"));
    stk_aws_jset_str(st, "load_balancer_type", stk_aws_jstr(lb, "Type"));
    stk_aws_jset_str(st, "ip_address_type", stk_aws_jstr(lb, "IpAddressType"));
    const char *scheme = stk_aws_jstr(lb, "Scheme");
    json_object_set_new(st, "internal", json_boolean(scheme && !strcmp(scheme, "internal")));
    json_t *sgs = json_object_get(lb, "SecurityGroups");
    json_object_set_new(st, "security_groups", sgs ? json_incref(sgs) : json_array());
    json_t *subnets = json_array(), *maps = json_array(), *az;
    size_t i;
    json_array_foreach(json_object_get(lb, "AvailabilityZones"), i, az) {
        json_array_append_new(subnets, json_string(stk_aws_jstr(az, "SubnetId")));
        json_t *addr = json_array_get(json_object_get(az, "LoadBalancerAddresses"), 0);
        json_array_append_new(maps, json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?}", "subnet_id", stk_aws_jstr(az, "SubnetId"),
                                              "outpost_id", stk_aws_jstr(az, "OutpostId"), "allocation_id",
                                              stk_aws_jstr(addr, "AllocationId"), "private_ipv4_address",
                                              stk_aws_jstr(addr, "PrivateIPv4Address"), "ipv6_address",
                                              stk_aws_jstr(addr, "IPv6Address")));
    }
    json_object_set_new(st, "subnets", subnets);
    /* subnet_mapping is computed in the provider; stk's schema has no
       computed blocks, so it is shown only when the configuration uses it */
    if (stk_aws_get_count(base, "subnet_mapping")) json_object_set_new(st, "subnet_mapping", maps);
    else {
        json_decref(maps);
        json_object_set_new(st, "subnet_mapping", json_array());
    }
    json_decref(lb);

    params = json_pack("{s:s}", "LoadBalancerArn", arn);
    rc = stk_aws_call(p->client, "elbv2", "DescribeLoadBalancerAttributes", params, &res, d);
    json_decref(params);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    json_t *m = stk_aws_kv_to_map(json_object_get(res, "Attributes"));
    json_decref(res);
    const char *s;
#define ATTR_BOOL(key, attr) \
    if ((s = stk_aws_jstr(m, key))) json_object_set_new(st, attr, json_boolean(!strcmp(s, "true")))
    ATTR_BOOL("deletion_protection.enabled", "enable_deletion_protection");
    ATTR_BOOL("routing.http.drop_invalid_header_fields.enabled", "drop_invalid_header_fields");
    ATTR_BOOL("routing.http2.enabled", "enable_http2");
    if ((s = stk_aws_jstr(m, "idle_timeout.timeout_seconds"))) json_object_set_new(st, "idle_timeout", json_integer(atoll(s)));
    if ((s = stk_aws_jstr(m, "routing.http.desync_mitigation_mode"))) stk_aws_jset_str(st, "desync_mitigation_mode", s);
    s = stk_aws_jstr(m, "access_logs.s3.enabled");
    if (s && !strcmp(s, "true"))
        json_object_set_new(st, "access_logs",
                            json_pack("[{s:s?,s:b,s:s?}]", "bucket", stk_aws_jstr(m, "access_logs.s3.bucket"), "enabled",
                                      1, "prefix", stk_aws_jstr(m, "access_logs.s3.prefix")));
    else if (block1(base, "access_logs"))   /* configured but disabled: keep bucket / prefix */
        json_object_set_new(json_array_get(json_object_get(st, "access_logs"), 0), "enabled", json_false());
    json_decref(m);

    json_t *tags = stk_aws_elbv2_tags(p, arn, d);
    if (!tags) {
        json_decref(st);
        return -1;
    }
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int lb_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_aws_cmp_name(planned, 32);
    const char *type = str_or(planned, "load_balancer_type", "application");
    json_t *params = json_pack("{s:s,s:s,s:s}", "Name", name, "Type", type, "Scheme",
                               stk_aws_get_bool(planned, "internal", 0) ? "internal" : "internet-facing");
    free(name);
    if (stk_aws_get_count(planned, "subnet_mapping")) {
        json_t *maps = json_array();
        for (size_t i = 0; i < stk_aws_get_count(planned, "subnet_mapping"); i++) {
            stk_value *m = stk_aws_get_elem(planned, "subnet_mapping", i);
            json_t *o = json_pack("{s:s}", "SubnetId", str_or(m, "subnet_id", ""));
            if (stk_aws_get_str(m, "allocation_id")) json_object_set_new(o, "AllocationId", json_string(stk_aws_get_str(m, "allocation_id")));
            if (stk_aws_get_str(m, "private_ipv4_address"))
                json_object_set_new(o, "PrivateIPv4Address", json_string(stk_aws_get_str(m, "private_ipv4_address")));
            if (stk_aws_get_str(m, "ipv6_address")) json_object_set_new(o, "IPv6Address", json_string(stk_aws_get_str(m, "ipv6_address")));
            json_array_append_new(maps, o);
        }
        json_object_set_new(params, "SubnetMappings", maps);
    } else {
        json_object_set_new(params, "Subnets", stk_aws_get_strings(planned, "subnets"));
    }
    if (stk_aws_get(planned, "security_groups"))
        json_object_set_new(params, "SecurityGroups", stk_aws_get_strings(planned, "security_groups"));
    if (stk_aws_get_str(planned, "ip_address_type"))
        json_object_set_new(params, "IpAddressType", json_string(stk_aws_get_str(planned, "ip_address_type")));
    json_t *tags_all = stk_aws_tags_all(p, planned);
    if (json_object_size(tags_all)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags_all));
    json_decref(tags_all);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "elbv2", "CreateLoadBalancer", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    char *arn = stk_xstrdup(stk_aws_jstr(json_array_get(json_object_get(res, "LoadBalancers"), 0), "LoadBalancerArn"));
    json_decref(res);
    params = json_pack("{s:[s]}", "LoadBalancerArns", arn);
    rc = stk_aws_wait_for(p, "elbv2", "LoadBalancerAvailable", params, 'c', 600, d);
    json_decref(params);
    if (rc == 0) {
        json_t *attrs = lb_attr_list(planned);
        rc = modify_attrs(p, "ModifyLoadBalancerAttributes", "LoadBalancerArn", arn, attrs, d);
        json_decref(attrs);
    }
    if (rc == 0) rc = lb_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    if (rc != 0 && !*new_state) {
        json_t *st = stk_aws_state_start(planned);
        stk_aws_jset_str(st, "id", arn);
        stk_aws_jset_str(st, "arn", arn);
        *new_state = stk_aws_state_build(t, st, d);
    }
    free(arn);
    return rc;
}

static int lb_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    return arn ? lb_read_arn(p, t, arn, prior, new_state, d) : 0;
}

static int json_sets_equal(json_t *a, json_t *b)
{
    if (json_array_size(a) != json_array_size(b)) return 0;
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(a, i, x) {
        int found = 0;
        json_array_foreach(b, j, y) if (json_equal(x, y)) found = 1;
        if (!found) return 0;
    }
    return 1;
}

static int lb_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    json_t *res = NULL;
    int rc = 0;
    json_t *oa = lb_attr_list(prior), *na = lb_attr_list(planned);
    if (!json_equal(oa, na)) rc = modify_attrs(p, "ModifyLoadBalancerAttributes", "LoadBalancerArn", arn, na, d);
    json_decref(oa);
    json_decref(na);
    json_t *o = stk_aws_get_strings(prior, "security_groups"), *n = stk_aws_get_strings(planned, "security_groups");
    if (rc == 0 && stk_aws_get(planned, "security_groups") && !json_sets_equal(o, n)) {
        json_t *params = json_pack("{s:s,s:O}", "LoadBalancerArn", arn, "SecurityGroups", n);
        rc = stk_aws_call(p->client, "elbv2", "SetSecurityGroups", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(o);
    json_decref(n);
    o = stk_aws_get_strings(prior, "subnets");
    n = stk_aws_get_strings(planned, "subnets");
    if (rc == 0 && stk_aws_get(planned, "subnets") && !json_sets_equal(o, n)) {
        json_t *params = json_pack("{s:s,s:O}", "LoadBalancerArn", arn, "Subnets", n);
        rc = stk_aws_call(p->client, "elbv2", "SetSubnets", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(o);
    json_decref(n);
    if (rc == 0) {
        json_t *ot = stk_aws_tags_get(prior, "tags_all"), *nt = stk_aws_tags_all(p, planned);
        rc = stk_aws_elbv2_update_tags(p, arn, ot, nt, d);
        json_decref(ot);
        json_decref(nt);
    }
    if (rc != 0) return -1;
    rc = lb_read_arn(p, t, arn, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, arn, *new_state, d) : rc;
}

static int lb_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *arn = stk_aws_get_str(prior, "id");
    if (!arn) return 0;
    json_t *params = json_pack("{s:s}", "LoadBalancerArn", arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "elbv2", "DeleteLoadBalancer", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc < 0) return -1;
    params = json_pack("{s:[s]}", "LoadBalancerArns", arn);
    rc = stk_aws_wait_for(p, "elbv2", "LoadBalancersDeleted", params, 'd', 600, d);
    json_decref(params);
    return rc;
}

static int lb_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery (recover.h): load balancers and target groups by their
   name (given, or made from the create's token as create makes it),
   listeners by their load balancer and port, listener rules by their
   listener and priority (a rule given no priority cannot be told apart).  The ARN found (or the id of
   an update / delete intent) is read as usual. */
static const char *const lb_keys[] = {"name_prefix", NULL};
static const char *const listener_keys[] = {"load_balancer_arn", "port", NULL};
static const char *const rule_keys[] = {"listener_arn", "priority", NULL};

static char *lb_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token)
{
    if (!strcmp(t->name, "aws_lb_listener")) return stk_aws_recover_info(p, planned, token, NULL, listener_keys);
    if (!strcmp(t->name, "aws_lb_listener_rule")) return stk_aws_recover_info(p, planned, token, NULL, rule_keys);
    char *name = stk_aws_cmp_name_token(planned, 32, token);
    char *s = stk_aws_recover_info(p, planned, token, name, lb_keys);
    free(name);
    return s;
}

static int lb_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json), *params = NULL, *res = NULL;
    int listener = !strcmp(t->name, "aws_lb_listener"), lb = !strcmp(t->name, "aws_lb");
    int rule = !strcmp(t->name, "aws_lb_listener_rule");
    const char *l_arn = stk_aws_recover_seed_str(info, "listener_arn");
    json_t *prio = json_object_get(json_object_get(info, "seed"), "priority");
    const char *name = stk_aws_jstr(info, "name"), *lb_arn = stk_aws_recover_seed_str(info, "load_balancer_arn");
    json_t *port = json_object_get(json_object_get(info, "seed"), "port");
    char *arn = stk_aws_jstr(info, "id") ? stk_xstrdup(stk_aws_jstr(info, "id")) : NULL;
    int rc = 0;
    if (!arn && rule && l_arn && json_is_number(prio))
        params = json_pack("{s:s}", "ListenerArn", l_arn);
    else if (!arn && rule)
        rc = stk_aws_recover_cannot(d, t, "the interrupted create recorded no listener and priority");
    else if (!arn && listener && lb_arn && json_is_number(port))
        params = json_pack("{s:s}", "LoadBalancerArn", lb_arn);
    else if (!arn && !listener && name)
        params = json_pack("{s:[s]}", "Names", name);
    else if (!arn)
        rc = stk_aws_recover_cannot(d, t, listener ? "the interrupted create recorded no load balancer and port"
                                                   : "the interrupted create recorded no name");
    if (params) {
        stk_recover_note_found_by(rule ? "its listener and priority" : listener ? "its load balancer and port" : "its name");
        const char *op = rule ? "DescribeRules" : listener ? "DescribeListeners" : lb ? "DescribeLoadBalancers" : "DescribeTargetGroups";
        const char *key = rule ? "Rules" : listener ? "Listeners" : lb ? "LoadBalancers" : "TargetGroups";
        const char *arn_key = rule ? "RuleArn" : listener ? "ListenerArn" : lb ? "LoadBalancerArn" : "TargetGroupArn";
        rc = stk_aws_call_nf(p, "elbv2", op, params, &res, d);
        json_decref(params);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(res, key), i, e) {
            if (listener && json_number_value(json_object_get(e, "Port")) != json_number_value(port)) continue;
            if (rule && (!stk_aws_jstr(e, "Priority") || atof(stk_aws_jstr(e, "Priority")) != json_number_value(prio))) continue;
            if (stk_aws_jstr(e, arn_key)) {
                arn = stk_xstrdup(stk_aws_jstr(e, arn_key));
                break;
            }
        }
        json_decref(res);
        rc = rc < 0 ? -1 : 0;
    }
    if (rc == 0 && arn) {
        stk_value *seed = stk_aws_recover_seed(t, info, arn, d);
        rc = seed ? t->read(p, t, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(arn);
    json_decref(info);
    return rc;
}

/* refresh by batch: one DescribeLoadBalancers for every object being refreshed */
static int lb_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_read_batch_by(p, priors, n, "arn", "elbv2", "DescribeLoadBalancers", "LoadBalancerArns", 20, "LoadBalancers", NULL,
                                 "LoadBalancerArn", d);
}

const stk_resource_type stk_aws_lb_type = {
    "aws_lb", "aws", STK_RESOURCE_MANAGED, &lb_schema, lb_create, lb_read, lb_update, lb_delete, lb_import,
    NULL, lb_journal_info, lb_recover, lb_read_batch,
};

/* ================= aws_lb_target_group ================= */

static const stk_schema_attr hc_attrs[] = {
    {"enabled", "bool", A_O, "true", NULL, NULL},
    {"healthy_threshold", "number", A_O, "3", NULL, NULL},
    {"interval", "number", A_O, "30", NULL, NULL},
    {"matcher", "string", A_O | A_C, NULL, NULL, NULL},
    {"path", "string", A_O | A_C, NULL, NULL, NULL},
    {"port", "string", A_O, "\"traffic-port\"", NULL, NULL},
    {"protocol", "string", A_O, "\"HTTP\"", NULL, NULL},
    {"timeout", "number", A_O | A_C, NULL, NULL, NULL},
    {"unhealthy_threshold", "number", A_O, "3", NULL, NULL},
};
static const stk_schema hc_schema = {hc_attrs, STK_AWS_NATTRS(hc_attrs), NULL, 0};
static const stk_schema_attr stick_attrs[] = {
    {"cookie_duration", "number", A_O, "86400", NULL, NULL},
    {"cookie_name", "string", A_O, NULL, NULL, NULL},
    {"enabled", "bool", A_O, "true", NULL, NULL},
    {"type", "string", A_R, NULL, "lb_cookie, app_cookie, source_ip ...", NULL},
};
static const stk_schema stick_schema = {stick_attrs, 4, NULL, 0};
static const stk_schema_attr tg_attrs[] = {
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"arn_suffix", "string", A_C, NULL, NULL, NULL},
    {"deregistration_delay", "string", A_O, "\"300\"", "seconds, as a string (as the provider has it)", NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"ip_address_type", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"load_balancer_arns", "set(string)", A_C, NULL, NULL, NULL},
    {"load_balancing_algorithm_type", "string", A_O | A_C, NULL, NULL, NULL},
    {"name", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"name_prefix", "string", A_O | A_F, NULL, NULL, NULL},
    {"port", "number", A_O | A_F, NULL, NULL, NULL},
    {"protocol", "string", A_O | A_F, NULL, NULL, NULL},
    {"protocol_version", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"slow_start", "number", A_O, "0", NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"target_type", "string", A_O | A_F, "\"instance\"", NULL, NULL},
    {"vpc_id", "string", A_O | A_F, NULL, NULL, NULL},
};
static const stk_schema_block tg_blocks[] = {
    {"health_check", STK_NESTING_LIST, 0, 1, &hc_schema, STK_ATTR_COMPUTED},   /* Optional+Computed: AWS fills it in */
    {"stickiness", STK_NESTING_LIST, 0, 1, &stick_schema, 0},
};
static const stk_schema tg_schema = {tg_attrs, STK_AWS_NATTRS(tg_attrs), tg_blocks, 2};

/* health check parameters (create and modify take the same names) */
static void tg_hc_params(json_t *params, stk_value *planned, int create)
{
    stk_value *hc = block1(planned, "health_check");
    const char *proto = str_or(hc, "protocol", "HTTP");
    const char *tg_proto = stk_aws_get_str(planned, "protocol");
    int http = !strcmp(proto, "HTTP") || !strcmp(proto, "HTTPS");
    json_object_set_new(params, "HealthCheckEnabled", json_boolean(stk_aws_get_bool(hc, "enabled", 1)));
    if (create && !tg_proto && !hc) return;   /* lambda targets */
    json_object_set_new(params, "HealthCheckProtocol", json_string(proto));
    json_object_set_new(params, "HealthCheckPort", json_string(str_or(hc, "port", "traffic-port")));
    json_object_set_new(params, "HealthCheckIntervalSeconds", json_integer(stk_aws_get_int(hc, "interval", 30)));
    json_object_set_new(params, "HealthyThresholdCount", json_integer(stk_aws_get_int(hc, "healthy_threshold", 3)));
    json_object_set_new(params, "UnhealthyThresholdCount", json_integer(stk_aws_get_int(hc, "unhealthy_threshold", 3)));
    if (hc && stk_aws_get(hc, "timeout"))
        json_object_set_new(params, "HealthCheckTimeoutSeconds", json_integer(stk_aws_get_int(hc, "timeout", 5)));
    if (http) {
        if (stk_aws_get_str(hc, "path")) json_object_set_new(params, "HealthCheckPath", json_string(stk_aws_get_str(hc, "path")));
        if (stk_aws_get_str(hc, "matcher"))
            json_object_set_new(params, "Matcher", json_pack("{s:s}", "HttpCode", stk_aws_get_str(hc, "matcher")));
    }
}

static json_t *tg_attr_list(stk_value *v)
{
    json_t *l = json_array();
    attr_add(l, "deregistration_delay.timeout_seconds", str_or(v, "deregistration_delay", "300"));
    const char *proto = stk_aws_get_str(v, "protocol");
    int http = proto && (!strcmp(proto, "HTTP") || !strcmp(proto, "HTTPS"));
    if (http) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", stk_aws_get_int(v, "slow_start", 0));
        attr_add(l, "slow_start.duration_seconds", buf);
        if (stk_aws_get_str(v, "load_balancing_algorithm_type"))
            attr_add(l, "load_balancing.algorithm.type", stk_aws_get_str(v, "load_balancing_algorithm_type"));
    }
    stk_value *s = block1(v, "stickiness");
    if (s) {
        attr_add(l, "stickiness.enabled", bool_str(stk_aws_get_bool(s, "enabled", 1)));
        attr_add(l, "stickiness.type", str_or(s, "type", "lb_cookie"));
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", stk_aws_get_int(s, "cookie_duration", 86400));
        if (!strcmp(str_or(s, "type", ""), "lb_cookie")) attr_add(l, "stickiness.lb_cookie.duration_seconds", buf);
        if (!strcmp(str_or(s, "type", ""), "app_cookie")) {
            attr_add(l, "stickiness.app_cookie.duration_seconds", buf);
            attr_add(l, "stickiness.app_cookie.cookie_name", str_or(s, "cookie_name", ""));
        }
    } else if (http) {
        attr_add(l, "stickiness.enabled", "false");
    }
    return l;
}

static int tg_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                       stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "TargetGroupArns", arn), *res = NULL;
    int rc = stk_aws_batch_call_nf(p, "elbv2", "DescribeTargetGroups", params, "TargetGroups", NULL, arn, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *tg = json_incref(json_array_get(json_object_get(res, "TargetGroups"), 0));
    json_decref(res);
    if (!tg) return 0;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    /* targetgroup/<name>/<id>: after the last ':' */
    const char *colon = strrchr(arn, ':');
    stk_aws_jset_str(st, "arn_suffix", colon ? colon + 1 : arn);
    stk_aws_jset_str(st, "name", stk_aws_jstr(tg, "TargetGroupName"));
    json_t *port = json_object_get(tg, "Port");
    stk_aws_jset(st, "port", port ? port : json_null());
    stk_aws_jset_str(st, "protocol", stk_aws_jstr(tg, "Protocol"));
    stk_aws_jset_str(st, "protocol_version", stk_aws_jstr(tg, "ProtocolVersion"));
    stk_aws_jset_str(st, "vpc_id", stk_aws_jstr(tg, "VpcId"));
    stk_aws_jset_str(st, "target_type", stk_aws_jstr(tg, "TargetType"));
    stk_aws_jset_str(st, "ip_address_type", stk_aws_jstr(tg, "IpAddressType") ? stk_aws_jstr(tg, "IpAddressType") : "ipv4");
    json_t *lbs = json_object_get(tg, "LoadBalancerArns");
    json_object_set_new(st, "load_balancer_arns", lbs ? json_incref(lbs) : json_array());
    json_t *hc = json_pack("{s:b,s:O?,s:O?,s:O?,s:O?,s:s?,s:s?,s:s?,s:s?}", "enabled",
                           !json_is_false(json_object_get(tg, "HealthCheckEnabled")), "healthy_threshold",
                           json_object_get(tg, "HealthyThresholdCount"), "unhealthy_threshold",
                           json_object_get(tg, "UnhealthyThresholdCount"), "interval",
                           json_object_get(tg, "HealthCheckIntervalSeconds"), "timeout",
                           json_object_get(tg, "HealthCheckTimeoutSeconds"), "port",
                           stk_aws_jstr(tg, "HealthCheckPort"), "protocol", stk_aws_jstr(tg, "HealthCheckProtocol"),
                           "path", stk_aws_jstr(tg, "HealthCheckPath"), "matcher",
                           stk_aws_jstr(json_object_get(tg, "Matcher"), "HttpCode"));
    json_object_set_new(st, "health_check", json_pack("[o]", hc));
    json_decref(tg);

    params = json_pack("{s:s}", "TargetGroupArn", arn);
    rc = stk_aws_call(p->client, "elbv2", "DescribeTargetGroupAttributes", params, &res, d);
    json_decref(params);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    json_t *m = stk_aws_kv_to_map(json_object_get(res, "Attributes"));
    json_decref(res);
    const char *s;
    if ((s = stk_aws_jstr(m, "deregistration_delay.timeout_seconds"))) stk_aws_jset_str(st, "deregistration_delay", s);
    if ((s = stk_aws_jstr(m, "slow_start.duration_seconds"))) json_object_set_new(st, "slow_start", json_integer(atoll(s)));
    if ((s = stk_aws_jstr(m, "load_balancing.algorithm.type"))) stk_aws_jset_str(st, "load_balancing_algorithm_type", s);
    else if (!stk_aws_jstr(st, "load_balancing_algorithm_type")) stk_aws_jset_str(st, "load_balancing_algorithm_type", "round_robin");
    const char *se = stk_aws_jstr(m, "stickiness.enabled"), *sty = stk_aws_jstr(m, "stickiness.type");
    if (block1(base, "stickiness") || (se && !strcmp(se, "true"))) {
        const char *dur = sty && !strcmp(sty, "app_cookie") ? stk_aws_jstr(m, "stickiness.app_cookie.duration_seconds")
                                                            : stk_aws_jstr(m, "stickiness.lb_cookie.duration_seconds");
        json_t *so = json_pack("{s:b,s:s?,s:I}", "enabled", se && !strcmp(se, "true"), "type", sty, "cookie_duration",
                               (json_int_t)(dur ? atoll(dur) : 86400));
        stk_aws_jset_str(so, "cookie_name", stk_aws_jstr(m, "stickiness.app_cookie.cookie_name"));
        json_object_set_new(st, "stickiness", json_pack("[o]", so));
    }
    json_decref(m);

    json_t *tags = stk_aws_elbv2_tags(p, arn, d);
    if (!tags) {
        json_decref(st);
        return -1;
    }
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int tg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_aws_cmp_name(planned, 32);
    json_t *params = json_pack("{s:s,s:s}", "Name", name, "TargetType", str_or(planned, "target_type", "instance"));
    free(name);
    if (stk_aws_get(planned, "port")) json_object_set_new(params, "Port", json_integer(stk_aws_get_int(planned, "port", 0)));
    if (stk_aws_get_str(planned, "protocol")) json_object_set_new(params, "Protocol", json_string(stk_aws_get_str(planned, "protocol")));
    if (stk_aws_get_str(planned, "protocol_version"))
        json_object_set_new(params, "ProtocolVersion", json_string(stk_aws_get_str(planned, "protocol_version")));
    if (stk_aws_get_str(planned, "vpc_id")) json_object_set_new(params, "VpcId", json_string(stk_aws_get_str(planned, "vpc_id")));
    if (stk_aws_get_str(planned, "ip_address_type"))
        json_object_set_new(params, "IpAddressType", json_string(stk_aws_get_str(planned, "ip_address_type")));
    tg_hc_params(params, planned, 1);
    json_t *tags_all = stk_aws_tags_all(p, planned);
    if (json_object_size(tags_all)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags_all));
    json_decref(tags_all);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "elbv2", "CreateTargetGroup", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    char *arn = stk_xstrdup(stk_aws_jstr(json_array_get(json_object_get(res, "TargetGroups"), 0), "TargetGroupArn"));
    json_decref(res);
    json_t *attrs = tg_attr_list(planned);
    rc = modify_attrs(p, "ModifyTargetGroupAttributes", "TargetGroupArn", arn, attrs, d);
    json_decref(attrs);
    if (rc == 0) rc = tg_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    if (rc != 0 && !*new_state) {
        json_t *st = stk_aws_state_start(planned);
        stk_aws_jset_str(st, "id", arn);
        stk_aws_jset_str(st, "arn", arn);
        *new_state = stk_aws_state_build(t, st, d);
    }
    free(arn);
    return rc;
}

static int tg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    return arn ? tg_read_arn(p, t, arn, prior, new_state, d) : 0;
}

static int tg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    json_t *o = json_object(), *n = json_object(), *res = NULL;
    tg_hc_params(o, prior, 0);
    tg_hc_params(n, planned, 0);
    int rc = 0;
    if (!json_equal(o, n)) {
        json_object_set_new(n, "TargetGroupArn", json_string(arn));
        rc = stk_aws_call(p->client, "elbv2", "ModifyTargetGroup", n, &res, d);
        json_decref(res);
    }
    json_decref(o);
    json_decref(n);
    o = tg_attr_list(prior);
    n = tg_attr_list(planned);
    if (rc == 0 && !json_equal(o, n)) rc = modify_attrs(p, "ModifyTargetGroupAttributes", "TargetGroupArn", arn, n, d);
    json_decref(o);
    json_decref(n);
    if (rc == 0) {
        json_t *ot = stk_aws_tags_get(prior, "tags_all"), *nt = stk_aws_tags_all(p, planned);
        rc = stk_aws_elbv2_update_tags(p, arn, ot, nt, d);
        json_decref(ot);
        json_decref(nt);
    }
    if (rc != 0) return -1;
    rc = tg_read_arn(p, t, arn, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, arn, *new_state, d) : rc;
}

static int tg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *arn = stk_aws_get_str(prior, "id");
    if (!arn) return 0;
    /* a listener being deleted may still hold the group for a moment */
    static const char *const retry[] = {"ResourceInUse", NULL};
    json_t *params = json_pack("{s:s}", "TargetGroupArn", arn), *res = NULL;
    int rc = stk_aws_call_retry(p, "elbv2", "DeleteTargetGroup", params, &res, retry, stk_aws_timeout('d', 120), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* refresh by batch: one DescribeTargetGroups for every object being refreshed */
static int tg_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_read_batch_by(p, priors, n, "arn", "elbv2", "DescribeTargetGroups", "TargetGroupArns", 20, "TargetGroups", NULL,
                                 "TargetGroupArn", d);
}

const stk_resource_type stk_aws_lb_target_group_type = {
    "aws_lb_target_group", "aws", STK_RESOURCE_MANAGED, &tg_schema, tg_create, tg_read, tg_update, tg_delete,
    lb_import, NULL, lb_journal_info, lb_recover, tg_read_batch,
};

/* ================= aws_lb_listener ================= */

static const stk_schema_attr listener_attrs[] = {
    {"alpn_policy", "string", A_O, NULL, NULL, NULL},
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"certificate_arn", "string", A_O, NULL, NULL, NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"load_balancer_arn", "string", A_R | A_F, NULL, NULL, NULL},
    {"port", "number", A_O, NULL, NULL, NULL},
    {"protocol", "string", A_O | A_C, NULL, NULL, NULL},
    {"ssl_policy", "string", A_O | A_C, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema_block listener_blocks[] = {
    {"default_action", STK_NESTING_LIST, 1, 0, &action_schema, 0},
};
static const stk_schema listener_schema = {listener_attrs, STK_AWS_NATTRS(listener_attrs), listener_blocks, 1};

static int listener_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                             stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "ListenerArns", arn), *res = NULL;
    int rc = stk_aws_batch_call_nf(p, "elbv2", "DescribeListeners", params, "Listeners", NULL, arn, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *l = json_incref(json_array_get(json_object_get(res, "Listeners"), 0));
    json_decref(res);
    if (!l) return 0;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    stk_aws_jset_str(st, "load_balancer_arn", stk_aws_jstr(l, "LoadBalancerArn"));
    stk_aws_jset(st, "port", json_object_get(l, "Port") ? json_object_get(l, "Port") : json_null());
    stk_aws_jset_str(st, "protocol", stk_aws_jstr(l, "Protocol"));
    stk_aws_jset_str(st, "ssl_policy", stk_aws_jstr(l, "SslPolicy"));
    stk_aws_jset_str(st, "certificate_arn", stk_aws_jstr(json_array_get(json_object_get(l, "Certificates"), 0), "CertificateArn"));
    json_t *alpn = json_array_get(json_object_get(l, "AlpnPolicy"), 0);
    if (alpn) stk_aws_jset(st, "alpn_policy", alpn);
    json_object_set_new(st, "default_action", actions_flatten(json_object_get(l, "DefaultActions"), base, "default_action"));
    json_decref(l);
    json_t *tags = stk_aws_elbv2_tags(p, arn, d);
    if (!tags) {
        json_decref(st);
        return -1;
    }
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

/* The listener members create and modify share. */
static int listener_params(stk_value *planned, json_t *params, stk_diags *d)
{
    if (stk_aws_get(planned, "port")) json_object_set_new(params, "Port", json_integer(stk_aws_get_int(planned, "port", 0)));
    if (stk_aws_get_str(planned, "protocol")) json_object_set_new(params, "Protocol", json_string(stk_aws_get_str(planned, "protocol")));
    if (stk_aws_get_str(planned, "ssl_policy")) json_object_set_new(params, "SslPolicy", json_string(stk_aws_get_str(planned, "ssl_policy")));
    if (stk_aws_get_str(planned, "certificate_arn"))
        json_object_set_new(params, "Certificates", json_pack("[{s:s}]", "CertificateArn", stk_aws_get_str(planned, "certificate_arn")));
    if (stk_aws_get_str(planned, "alpn_policy"))
        json_object_set_new(params, "AlpnPolicy", json_pack("[s]", stk_aws_get_str(planned, "alpn_policy")));
    json_t *acts = actions_expand(planned, "default_action", d);
    if (!acts) return -1;
    json_object_set_new(params, "DefaultActions", acts);
    return 0;
}

static int listener_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                           stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    json_t *params = json_pack("{s:s}", "LoadBalancerArn", str_or(planned, "load_balancer_arn", "")), *res = NULL;
    if (listener_params(planned, params, d) != 0) {
        json_decref(params);
        return -1;
    }
    json_t *tags_all = stk_aws_tags_all(p, planned);
    if (json_object_size(tags_all)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags_all));
    json_decref(tags_all);
    /* a target group just created may not be usable by a listener yet */
    static const char *const retry[] = {"TargetGroupNotFound", NULL};
    int rc = stk_aws_call_retry(p, "elbv2", "CreateListener", params, &res, retry, 60, d);
    json_decref(params);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "Listener not created", "elbv2 CreateListener: not found");
        json_decref(res);
        return -1;
    }
    char *arn = stk_xstrdup(stk_aws_jstr(json_array_get(json_object_get(res, "Listeners"), 0), "ListenerArn"));
    json_decref(res);
    rc = listener_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    free(arn);
    return rc;
}

static int listener_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior,
                         stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    return arn ? listener_read_arn(p, t, arn, prior, new_state, d) : 0;
}

static int listener_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                           stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    json_t *o = json_object(), *n = json_object(), *res = NULL;
    int rc = listener_params(planned, n, d);
    if (rc == 0 && listener_params(prior, o, d) == 0 && !json_equal(o, n)) {
        json_object_set_new(n, "ListenerArn", json_string(arn));
        rc = stk_aws_call(p->client, "elbv2", "ModifyListener", n, &res, d);
        json_decref(res);
    }
    json_decref(o);
    json_decref(n);
    if (rc == 0) {
        json_t *ot = stk_aws_tags_get(prior, "tags_all"), *nt = stk_aws_tags_all(p, planned);
        rc = stk_aws_elbv2_update_tags(p, arn, ot, nt, d);
        json_decref(ot);
        json_decref(nt);
    }
    if (rc != 0) return -1;
    rc = listener_read_arn(p, t, arn, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, arn, *new_state, d) : rc;
}

static int arn_delete(stk_provider_instance *p, stk_value *prior, const char *op, const char *key, stk_diags *d)
{
    const char *arn = stk_aws_get_str(prior, "id");
    if (!arn) return 0;
    json_t *params = json_pack("{s:s}", key, arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "elbv2", op, params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int listener_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    return arn_delete(p, prior, "DeleteListener", "ListenerArn", d);
}

/* refresh by batch: one DescribeListeners for every object being refreshed */
static int listener_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_read_batch_by(p, priors, n, "arn", "elbv2", "DescribeListeners", "ListenerArns", 20, "Listeners", NULL,
                                 "ListenerArn", d);
}

const stk_resource_type stk_aws_lb_listener_type = {
    "aws_lb_listener", "aws", STK_RESOURCE_MANAGED, &listener_schema, listener_create, listener_read,
    listener_update, listener_delete, lb_import, NULL, lb_journal_info, lb_recover, listener_read_batch,
};

/* ================= aws_lb_listener_rule ================= */

static const stk_schema_attr values_attrs[] = {
    {"values", "set(string)", A_R, NULL, NULL, NULL},
};
static const stk_schema values_schema = {values_attrs, 1, NULL, 0};
static const stk_schema_attr http_header_attrs[] = {
    {"http_header_name", "string", A_R, NULL, NULL, NULL},
    {"values", "set(string)", A_R, NULL, NULL, NULL},
};
static const stk_schema http_header_schema = {http_header_attrs, 2, NULL, 0};
static const stk_schema_attr query_attrs[] = {
    {"key", "string", A_O, NULL, NULL, NULL},
    {"value", "string", A_R, NULL, NULL, NULL},
};
static const stk_schema query_schema = {query_attrs, 2, NULL, 0};
static const stk_schema_block cond_blocks[] = {
    {"host_header", STK_NESTING_LIST, 0, 1, &values_schema, 0},
    {"http_header", STK_NESTING_LIST, 0, 1, &http_header_schema, 0},
    {"http_request_method", STK_NESTING_LIST, 0, 1, &values_schema, 0},
    {"path_pattern", STK_NESTING_LIST, 0, 1, &values_schema, 0},
    {"query_string", STK_NESTING_SET, 0, 0, &query_schema, 0},
    {"source_ip", STK_NESTING_LIST, 0, 1, &values_schema, 0},
};
static const stk_schema cond_schema = {NULL, 0, cond_blocks, 6};
static const stk_schema_attr rule_attrs[] = {
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"listener_arn", "string", A_R | A_F, NULL, NULL, NULL},
    {"priority", "number", A_O | A_C, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema_block rule_blocks[] = {
    {"action", STK_NESTING_LIST, 1, 0, &action_schema, 0},
    {"condition", STK_NESTING_SET, 1, 0, &cond_schema, 0},
};
static const stk_schema rule_schema = {rule_attrs, STK_AWS_NATTRS(rule_attrs), rule_blocks, 2};

/* condition blocks: (block, API field, API config member) */
static const char *const cond_map[][3] = {
    {"host_header", "host-header", "HostHeaderConfig"},
    {"http_request_method", "http-request-method", "HttpRequestMethodConfig"},
    {"path_pattern", "path-pattern", "PathPatternConfig"},
    {"source_ip", "source-ip", "SourceIpConfig"},
};

static json_t *conditions_expand(stk_value *v)
{
    json_t *out = json_array();
    for (size_t i = 0; i < stk_aws_get_count(v, "condition"); i++) {
        stk_value *c = stk_aws_get_elem(v, "condition", i);
        for (size_t k = 0; k < 4; k++) {
            stk_value *b = block1(c, cond_map[k][0]);
            if (b)
                json_array_append_new(out, json_pack("{s:s,s:{s:o}}", "Field", cond_map[k][1], cond_map[k][2], "Values",
                                                     stk_aws_get_strings(b, "values")));
        }
        stk_value *h = block1(c, "http_header");
        if (h)
            json_array_append_new(out, json_pack("{s:s,s:{s:s,s:o}}", "Field", "http-header", "HttpHeaderConfig",
                                                 "HttpHeaderName", str_or(h, "http_header_name", ""), "Values",
                                                 stk_aws_get_strings(h, "values")));
        if (stk_aws_get_count(c, "query_string")) {
            json_t *kv = json_array();
            for (size_t j = 0; j < stk_aws_get_count(c, "query_string"); j++) {
                stk_value *q = stk_aws_get_elem(c, "query_string", j);
                json_t *o = json_pack("{s:s}", "Value", str_or(q, "value", ""));
                if (stk_aws_get_str(q, "key")) json_object_set_new(o, "Key", json_string(stk_aws_get_str(q, "key")));
                json_array_append_new(kv, o);
            }
            json_array_append_new(out, json_pack("{s:s,s:{s:o}}", "Field", "query-string", "QueryStringConfig", "Values", kv));
        }
    }
    return out;
}

static json_t *conditions_flatten(json_t *conds)
{
    json_t *out = json_array(), *c;
    size_t i;
    json_array_foreach(conds, i, c) {
        const char *field = stk_aws_jstr(c, "Field");
        if (!field) continue;
        json_t *o = json_pack("{s:[],s:[],s:[],s:[],s:[],s:[]}", "host_header", "http_header", "http_request_method",
                              "path_pattern", "query_string", "source_ip");
        int known = 0;
        for (size_t k = 0; k < 4; k++) {
            if (strcmp(field, cond_map[k][1])) continue;
            json_t *vals = json_object_get(json_object_get(c, cond_map[k][2]), "Values");
            if (!vals) vals = json_object_get(c, "Values");
            json_array_append_new(json_object_get(o, cond_map[k][0]), json_pack("{s:o}", "values", vals ? json_incref(vals) : json_array()));
            known = 1;
        }
        if (!strcmp(field, "http-header")) {
            json_t *h = json_object_get(c, "HttpHeaderConfig");
            json_array_append_new(json_object_get(o, "http_header"),
                                  json_pack("{s:s?,s:o}", "http_header_name", stk_aws_jstr(h, "HttpHeaderName"), "values",
                                            json_object_get(h, "Values") ? json_incref(json_object_get(h, "Values")) : json_array()));
            known = 1;
        } else if (!strcmp(field, "query-string")) {
            json_t *q, *qs = json_object_get(json_object_get(c, "QueryStringConfig"), "Values");
            size_t j;
            json_array_foreach(qs, j, q)
                json_array_append_new(json_object_get(o, "query_string"),
                                      json_pack("{s:s?,s:s?}", "key", stk_aws_jstr(q, "Key"), "value", stk_aws_jstr(q, "Value")));
            known = 1;
        }
        if (known) json_array_append_new(out, o);
        else json_decref(o);
    }
    return out;
}

static int rule_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                         stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "RuleArns", arn), *res = NULL;
    int rc = stk_aws_batch_call_nf(p, "elbv2", "DescribeRules", params, "Rules", NULL, arn, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *r = json_incref(json_array_get(json_object_get(res, "Rules"), 0));
    json_decref(res);
    if (!r) return 0;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    /* the listener's ARN: "listener-rule/" + the listener part, less the rule id */
    if (!stk_aws_jstr(st, "listener_arn")) {
        char *l = stk_xstrdup(arn);
        char *m = strstr(l, ":listener-rule/");
        char *last = strrchr(l, '/');
        if (m && last) {
            *last = 0;
            char *la = stk_xasprintf("%.*s:listener/%s", (int)(m - l), l, m + strlen(":listener-rule/"));
            stk_aws_jset_str(st, "listener_arn", la);
            free(la);
        }
        free(l);
    }
    const char *prio = stk_aws_jstr(r, "Priority");
    if (prio && strcmp(prio, "default")) json_object_set_new(st, "priority", json_integer(atoll(prio)));
    json_object_set_new(st, "action", actions_flatten(json_object_get(r, "Actions"), base, "action"));
    json_object_set_new(st, "condition", conditions_flatten(json_object_get(r, "Conditions")));
    json_decref(r);
    json_t *tags = stk_aws_elbv2_tags(p, arn, d);
    if (!tags) {
        json_decref(st);
        return -1;
    }
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

/* The lowest priority not used by the listener's rules (the provider's
   behaviour when priority is not set). */
static long long rule_free_priority(stk_provider_instance *p, const char *listener, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "ListenerArn", listener), *res = NULL;
    int rc = stk_aws_paginate(p->client, "elbv2", "DescribeRules", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    long long max = 0;
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(res, "Rules"), i, r) {
        const char *pr = stk_aws_jstr(r, "Priority");
        if (pr && strcmp(pr, "default") && atoll(pr) > max) max = atoll(pr);
    }
    json_decref(res);
    return max + 1;
}

static int rule_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *listener = str_or(planned, "listener_arn", "");
    long long prio = stk_aws_get_int(planned, "priority", 0);
    if (!stk_aws_get(planned, "priority") && (prio = rule_free_priority(p, listener, d)) < 0) return -1;
    json_t *acts = actions_expand(planned, "action", d);
    if (!acts) return -1;
    json_t *params = json_pack("{s:s,s:I,s:o,s:o}", "ListenerArn", listener, "Priority", (json_int_t)prio, "Actions",
                               acts, "Conditions", conditions_expand(planned)),
           *res = NULL;
    json_t *tags_all = stk_aws_tags_all(p, planned);
    if (json_object_size(tags_all)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags_all));
    json_decref(tags_all);
    int rc = stk_aws_call(p->client, "elbv2", "CreateRule", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    char *arn = stk_xstrdup(stk_aws_jstr(json_array_get(json_object_get(res, "Rules"), 0), "RuleArn"));
    json_decref(res);
    rc = rule_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    free(arn);
    return rc;
}

static int rule_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    return arn ? rule_read_arn(p, t, arn, prior, new_state, d) : 0;
}

static int rule_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    json_t *res = NULL;
    int rc = 0;
    if (stk_aws_get(planned, "priority") && stk_aws_get_int(planned, "priority", 0) != stk_aws_get_int(prior, "priority", 0)) {
        json_t *params = json_pack("{s:[{s:s,s:I}]}", "RulePriorities", "RuleArn", arn, "Priority",
                                   (json_int_t)stk_aws_get_int(planned, "priority", 0));
        rc = stk_aws_call(p->client, "elbv2", "SetRulePriorities", params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    json_t *oa = actions_expand(prior, "action", d), *na = rc == 0 ? actions_expand(planned, "action", d) : NULL;
    json_t *oc = conditions_expand(prior), *nc = conditions_expand(planned);
    if (rc == 0 && !na) rc = -1;
    if (rc == 0 && (!json_equal(oa, na) || !json_equal(oc, nc))) {
        json_t *params = json_pack("{s:s,s:O,s:O}", "RuleArn", arn, "Actions", na, "Conditions", nc);
        rc = stk_aws_call(p->client, "elbv2", "ModifyRule", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(oa);
    json_decref(na);
    json_decref(oc);
    json_decref(nc);
    if (rc == 0) {
        json_t *ot = stk_aws_tags_get(prior, "tags_all"), *nt = stk_aws_tags_all(p, planned);
        rc = stk_aws_elbv2_update_tags(p, arn, ot, nt, d);
        json_decref(ot);
        json_decref(nt);
    }
    if (rc != 0) return -1;
    rc = rule_read_arn(p, t, arn, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, arn, *new_state, d) : rc;
}

static int rule_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    return arn_delete(p, prior, "DeleteRule", "RuleArn", d);
}

/* refresh by batch: one DescribeRules for every object being refreshed */
static int rule_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_read_batch_by(p, priors, n, "arn", "elbv2", "DescribeRules", "RuleArns", 20, "Rules", NULL,
                                 "RuleArn", d);
}

const stk_resource_type stk_aws_lb_listener_rule_type = {
    "aws_lb_listener_rule", "aws", STK_RESOURCE_MANAGED, &rule_schema, rule_create, rule_read, rule_update,
    rule_delete, lb_import, NULL, lb_journal_info, lb_recover, rule_read_batch,
};
