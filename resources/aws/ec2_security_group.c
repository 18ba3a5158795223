/* ec2_security_group.c - aws_security_group (inline ingress / egress
 * sets; the default allow-all egress rule AWS adds is revoked on create, as
 * terraform-provider-aws does), aws_security_group_rule, and the newer
 * per-rule types aws_vpc_security_group_ingress_rule / _egress_rule.
 *
 * Inline rules are read back one block per (protocol, ports, description),
 * the usual way of writing them.  A group whose configuration has no
 * ingress (or egress) blocks keeps none in its state, so rules managed by
 * the rule types never show as a diff of the group.
 * aws_security_group_rule ids are "sgrule-<crc32 of the rule>" (stable,
 * not Terraform's hash); import "SGID_TYPE_PROTO_FROM_TO_SOURCE..." as
 * Terraform writes it.
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include "aws/recover.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

/* protocol names as the provider keeps them: "-1" for all, names for the
   well-known numbers */
static const char *proto_norm(const char *p)
{
    if (!p) return NULL;
    if (!strcasecmp(p, "all") || !strcmp(p, "-1")) return "-1";
    if (!strcmp(p, "6") || !strcasecmp(p, "tcp")) return "tcp";
    if (!strcmp(p, "17") || !strcasecmp(p, "udp")) return "udp";
    if (!strcmp(p, "1") || !strcasecmp(p, "icmp")) return "icmp";
    if (!strcmp(p, "58") || !strcasecmp(p, "icmpv6")) return "icmpv6";
    return p;
}

static stk_value *normalize_protocol(stk_value *v)
{
    if (stk_value_kind(v) != STK_TY_STRING) return stk_value_ref(v);
    return stk_value_string(proto_norm(stk_value_str(v)));
}

/* ---- inline rules ---- */

static const stk_schema_attr rule_block_attrs[] = {
    {"cidr_blocks", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"from_port", "number", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"ipv6_cidr_blocks", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"prefix_list_ids", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"protocol", "string", STK_ATTR_REQUIRED, NULL, NULL, normalize_protocol},
    {"security_groups", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"self", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"to_port", "number", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema rule_block_schema = {rule_block_attrs, STK_AWS_NATTRS(rule_block_attrs), NULL, 0};

static const stk_schema_attr sg_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"Managed by Terraform\"", NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"revoke_rules_on_delete", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema_block sg_blocks[] = {
    {"egress", STK_NESTING_SET, 0, 0, &rule_block_schema, 0},
    {"ingress", STK_NESTING_SET, 0, 0, &rule_block_schema, 0},
};
static const stk_schema sg_schema = {sg_attrs, STK_AWS_NATTRS(sg_attrs), sg_blocks, 2};

/* one rule block -> an IpPermission */
static json_t *block_perm(stk_value *r, const char *self_id)
{
    const char *proto = proto_norm(stk_aws_get_str(r, "protocol"));
    json_t *o = json_pack("{s:s}", "IpProtocol", proto ? proto : "-1");
    if (!proto || strcmp(proto, "-1")) {
        json_object_set_new(o, "FromPort", json_integer(stk_aws_get_int(r, "from_port", 0)));
        json_object_set_new(o, "ToPort", json_integer(stk_aws_get_int(r, "to_port", 0)));
    }
    const char *desc = stk_aws_get_str(r, "description");
    json_t *l = stk_aws_get_strings(r, "cidr_blocks"), *out = json_array(), *e;
    size_t i;
    json_array_foreach(l, i, e) {
        json_t *x = json_pack("{s:O}", "CidrIp", e);
        if (desc && *desc) json_object_set_new(x, "Description", json_string(desc));
        json_array_append_new(out, x);
    }
    json_decref(l);
    if (json_array_size(out)) json_object_set(o, "IpRanges", out);
    json_decref(out);
    l = stk_aws_get_strings(r, "ipv6_cidr_blocks");
    out = json_array();
    json_array_foreach(l, i, e) {
        json_t *x = json_pack("{s:O}", "CidrIpv6", e);
        if (desc && *desc) json_object_set_new(x, "Description", json_string(desc));
        json_array_append_new(out, x);
    }
    json_decref(l);
    if (json_array_size(out)) json_object_set(o, "Ipv6Ranges", out);
    json_decref(out);
    l = stk_aws_get_strings(r, "prefix_list_ids");
    out = json_array();
    json_array_foreach(l, i, e) {
        json_t *x = json_pack("{s:O}", "PrefixListId", e);
        if (desc && *desc) json_object_set_new(x, "Description", json_string(desc));
        json_array_append_new(out, x);
    }
    json_decref(l);
    if (json_array_size(out)) json_object_set(o, "PrefixListIds", out);
    json_decref(out);
    l = stk_aws_get_strings(r, "security_groups");
    if (stk_aws_get_bool(r, "self", 0) && self_id) json_array_append_new(l, json_string(self_id));
    out = json_array();
    json_array_foreach(l, i, e) {
        json_t *x = json_pack("{s:O}", "GroupId", e);
        if (desc && *desc) json_object_set_new(x, "Description", json_string(desc));
        json_array_append_new(out, x);
    }
    json_decref(l);
    if (json_array_size(out)) json_object_set(o, "UserIdGroupPairs", out);
    json_decref(out);
    return o;
}

/* the blocks of one IpPermission: one per description */
static void perm_blocks(json_t *perm, const char *self_id, json_t *blocks)
{
    static const struct { const char *list, *member, *attr; } kinds[] = {
        {"IpRanges", "CidrIp", "cidr_blocks"},
        {"Ipv6Ranges", "CidrIpv6", "ipv6_cidr_blocks"},
        {"PrefixListIds", "PrefixListId", "prefix_list_ids"},
        {"UserIdGroupPairs", "GroupId", "security_groups"},
    };
    json_t *by_desc = json_object();   /* description -> block */
    const char *proto = proto_norm(stk_aws_jstr(perm, "IpProtocol"));
    json_t *fp = json_object_get(perm, "FromPort"), *tp = json_object_get(perm, "ToPort");
    for (size_t k = 0; k < 4; k++) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(perm, kinds[k].list), i, e) {
            const char *desc = stk_aws_jstr(e, "Description");
            const char *key = desc ? desc : "";
            json_t *b = json_object_get(by_desc, key);
            if (!b) {
                b = json_pack("{s:s,s:I,s:I}", "protocol", proto ? proto : "-1", "from_port",
                              (json_int_t)(json_is_integer(fp) ? json_integer_value(fp) : 0), "to_port",
                              (json_int_t)(json_is_integer(tp) ? json_integer_value(tp) : 0));
                if (desc && *desc) json_object_set_new(b, "description", json_string(desc));
                json_object_set_new(by_desc, key, b);
            }
            const char *v = stk_aws_jstr(e, kinds[k].member);
            if (!v) continue;
            if (k == 3 && self_id && !strcmp(v, self_id)) {
                json_object_set_new(b, "self", json_true());
                continue;
            }
            json_t *l = json_object_get(b, kinds[k].attr);
            if (!l) {
                l = json_array();
                json_object_set_new(b, kinds[k].attr, l);
            }
            json_array_append_new(l, json_string(v));
        }
    }
    const char *k;
    json_t *b;
    json_object_foreach(by_desc, k, b) json_array_append(blocks, b);
    json_decref(by_desc);
}

static int sg_describe(stk_provider_instance *p, const char *id, double wait, json_t **g, stk_diags *d)
{
    return wait > 0 ? stk_aws_ec2_describe_new(p, "DescribeSecurityGroups", "GroupIds", id, "SecurityGroups", wait, g, d)
                    : stk_aws_ec2_describe_one(p, "DescribeSecurityGroups", "GroupIds", id, "SecurityGroups", g, d);
}

static stk_value *sg_state(stk_provider_instance *p, const stk_resource_type *t, json_t *g, stk_value *base,
                           stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    const char *id = stk_aws_jstr(g, "GroupId"), *owner = stk_aws_jstr(g, "OwnerId");
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "name", stk_aws_jstr(g, "GroupName"));
    stk_aws_jset_str(st, "description", stk_aws_jstr(g, "Description"));
    stk_aws_jset_str(st, "vpc_id", stk_aws_jstr(g, "VpcId"));
    stk_aws_jset_str(st, "owner_id", owner);
    if (!json_is_string(json_object_get(st, "name_prefix"))) stk_aws_jset_str(st, "name_prefix", "");
    char *arn = owner ? stk_xasprintf("arn:%s:ec2:%s:%s:security-group/%s", p->partition, p->region, owner, id) : NULL;
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    if (!json_is_boolean(json_object_get(st, "revoke_rules_on_delete")))
        json_object_set_new(st, "revoke_rules_on_delete", json_false());
    static const char *const sides[2][2] = {{"ingress", "IpPermissions"}, {"egress", "IpPermissionsEgress"}};
    for (int s = 0; s < 2; s++) {
        json_t *blocks = json_array();
        if (stk_aws_get_count(base, sides[s][0]) > 0) {
            size_t i;
            json_t *perm;
            json_array_foreach(json_object_get(g, sides[s][1]), i, perm) perm_blocks(perm, id, blocks);
        }
        json_object_set_new(st, sides[s][0], blocks);
    }
    json_t *tags = stk_aws_tags_from_list(json_object_get(g, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    return stk_aws_state_build(t, st, d);
}

/* Authorize or revoke a list of IpPermissions on one side. */
static int sg_perms(stk_provider_instance *p, const char *id, int egress, int authorize, json_t *perms, stk_diags *d)
{
    if (!json_array_size(perms)) return 0;
    const char *op = authorize ? (egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress")
                               : (egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress");
    json_t *params = json_pack("{s:s,s:O}", "GroupId", id, "IpPermissions", perms), *res = NULL;
    static const char *const retry[] = {"InvalidGroup.NotFound", NULL};
    int rc = authorize ? stk_aws_call_retry(p, "ec2", op, params, &res, retry, 120, d)
                       : stk_aws_call_nf(p, "ec2", op, params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc == 1 && authorize) stk_diags_error(d, NULL, "Not found", "ec2 %s: group %s or a referenced group does not exist", op, id);
    return rc == 0 || (rc == 1 && !authorize) ? 0 : -1;
}

/* Bring one side from old's blocks (NULL: none) to new's. */
static int sg_sync_side(stk_provider_instance *p, const char *id, const char *side, stk_value *old, stk_value *nw,
                        stk_diags *d)
{
    int egress = !strcmp(side, "egress");
    json_t *revoke = json_array(), *grant = json_array();
    size_t no = stk_aws_get_count(old, side), nn = stk_aws_get_count(nw, side);
    for (size_t i = 0; i < no; i++) {
        stk_value *r = stk_aws_get_elem(old, side, i);
        int keep = 0;
        for (size_t j = 0; j < nn && !keep; j++) keep = stk_value_raw_equal(r, stk_aws_get_elem(nw, side, j));
        if (!keep) json_array_append_new(revoke, block_perm(r, id));
    }
    for (size_t j = 0; j < nn; j++) {
        stk_value *r = stk_aws_get_elem(nw, side, j);
        int have = 0;
        for (size_t i = 0; i < no && !have; i++) have = stk_value_raw_equal(r, stk_aws_get_elem(old, side, i));
        if (!have) json_array_append_new(grant, block_perm(r, id));
    }
    int rc = sg_perms(p, id, egress, 0, revoke, d);
    if (rc == 0) rc = sg_perms(p, id, egress, 1, grant, d);
    json_decref(revoke);
    json_decref(grant);
    return rc;
}

/* "terraform-" + 26 digits, as the provider's unique names */
static char *unique_name(const char *prefix)
{
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    unsigned c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    return stk_xasprintf("%s%04d%02d%02d%02d%02d%02d%04ld%08u", prefix, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec, (ts.tv_nsec / 100000) % 10000, c % 100000000u);
}

static int sg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *name = stk_aws_get_str(planned, "name"), *prefix = stk_aws_get_str(planned, "name_prefix");
    char *made = name ? stk_xstrdup(name) : unique_name(prefix ? prefix : "terraform-");
    const char *desc = stk_aws_get_str(planned, "description");
    json_t *params = json_pack("{s:s,s:s}", "GroupName", made, "Description", desc ? desc : "Managed by Terraform");
    const char *vpc = stk_aws_get_str(planned, "vpc_id");
    if (vpc) json_object_set_new(params, "VpcId", json_string(vpc));
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("security-group", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "CreateSecurityGroup", params, &res, d);
    json_decref(params);
    free(made);
    if (rc) return -1;
    char *id = stk_xstrdup(stk_aws_jstr(res, "GroupId"));
    json_decref(res);
    json_t *g = NULL;
    rc = sg_describe(p, id, 120, &g, d);
    if (rc == 1) rc = stk_aws_require_state(t, id, NULL, d);
    if (rc == 0) {
        /* revoke what AWS added by itself (allow all egress, IPv4 and IPv6) */
        json_t *defaults = json_object_get(g, "IpPermissionsEgress");
        if (json_array_size(defaults)) rc = sg_perms(p, id, 1, 0, defaults, d);
    }
    json_decref(g);
    if (rc == 0) rc = sg_sync_side(p, id, "ingress", NULL, planned, d);
    if (rc == 0) rc = sg_sync_side(p, id, "egress", NULL, planned, d);
    if (rc == 0 && sg_describe(p, id, 0, &g, d) == 0) {
        *new_state = sg_state(p, t, g, planned, d);
        json_decref(g);
        if (!*new_state) rc = -1;
    } else if (rc == 0) {
        rc = -1;
    }
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int sg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *g = NULL;
    int rc = sg_describe(p, id, 0, &g, d);
    if (rc) return rc == 1 ? 0 : -1;
    *new_state = sg_state(p, t, g, prior, d);
    json_decref(g);
    return *new_state ? 0 : -1;
}

static int sg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (sg_sync_side(p, id, "ingress", prior, planned, d) || sg_sync_side(p, id, "egress", prior, planned, d) ||
        stk_aws_ec2_update_tags_planned(p, id, prior, planned, d))
        return -1;
    json_t *g = NULL;
    int rc = sg_describe(p, id, 0, &g, d);
    if (rc) return rc == 1 ? stk_aws_require_state(t, id, NULL, d) : -1;
    *new_state = sg_state(p, t, g, planned, d);
    json_decref(g);
    return *new_state ? 0 : -1;
}

static int sg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    if (stk_aws_get_bool(prior, "revoke_rules_on_delete", 0)) {
        json_t *g = NULL;
        int rc = sg_describe(p, id, 0, &g, d);
        if (rc == 1) return 0;
        if (rc) return -1;
        rc = sg_perms(p, id, 0, 0, json_object_get(g, "IpPermissions"), d);
        if (rc == 0) rc = sg_perms(p, id, 1, 0, json_object_get(g, "IpPermissionsEgress"), d);
        json_decref(g);
        if (rc) return -1;
    }
    static const char *const retry[] = {"DependencyViolation", "InvalidGroup.InUse", NULL};
    json_t *params = json_pack("{s:s}", "GroupId", id), *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", "DeleteSecurityGroup", params, &res, retry, stk_aws_timeout('d', 900), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int sg_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    /* an imported group reports its rules (seed with one placeholder block per side) */
    *state = NULL;
    stk_value *seed = stk_aws_state_build(t, json_pack("{s:s,s:[{s:s,s:i,s:i}],s:[{s:s,s:i,s:i}]}", "id", id, "ingress",
                                                       "protocol", "-1", "from_port", 0, "to_port", 0, "egress",
                                                       "protocol", "-1", "from_port", 0, "to_port", 0), d);
    if (!seed) return -1;
    int rc = sg_read(p, t, seed, state, d);
    stk_value_unref(seed);
    if (rc == 0 && !*state) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object", "aws_security_group: no group \"%s\".", id);
        rc = -1;
    }
    return rc;
}

/* The intent records the planned rule blocks (recover.h's seed): a group's
   read lists its rules only when the configuration has inline ones, so the
   recovered group must be read with them as its base. */
static const char *const sg_keys[] = {"ingress", "egress", "name", "name_prefix", "vpc_id", "revoke_rules_on_delete", NULL};

static char *sg_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, sg_keys);
}

static int recover_aws_security_group(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    /* a group's name is unique in its VPC: with both, they find it even
       where other groups carry the same tags */
    json_t *inf = stk_aws_recover_load(info);
    const char *name = stk_aws_recover_seed_str(inf, "name"), *vpc = stk_aws_recover_seed_str(inf, "vpc_id");
    int rc;
    if (!stk_aws_jstr(inf, "id") && name && vpc) {
        *state = NULL;
        stk_recover_note_found_by("its name in its VPC");
        json_t *params = json_pack("{s:[{s:s,s:[s]},{s:s,s:[s]}]}", "Filters", "Name", "vpc-id", "Values", vpc, "Name",
                                   "group-name", "Values", name),
               *res = NULL;
        rc = stk_aws_call(p->client, "ec2", "DescribeSecurityGroups", params, &res, d);
        json_decref(params);
        const char *id = stk_aws_jstr(json_array_get(json_object_get(res, "SecurityGroups"), 0), "GroupId");
        if (rc == 0 && id) {
            stk_value *seed = stk_aws_recover_seed(t, inf, id, d);
            rc = seed ? sg_read(p, t, seed, state, d) : -1;
            stk_value_unref(seed);
        }
        json_decref(res);
        json_decref(inf);
        return rc;
    }
    rc = stk_aws_ec2_recover_by_tags(p, t, info, "DescribeSecurityGroups", "SecurityGroups", "GroupId", state, d);
    if (rc || !*state) {
        json_decref(inf);
        return rc;
    }
    stk_value *seed = stk_aws_recover_seed(t, inf, stk_aws_get_str(*state, "id"), d);
    json_decref(inf);
    stk_value *again = NULL;
    rc = seed ? sg_read(p, t, seed, &again, d) : -1;
    stk_value_unref(seed);
    stk_value_unref(*state);
    *state = again;
    return rc;
}

/* refresh by batch: one DescribeSecurityGroups for every object being refreshed */
static int sg_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeSecurityGroups", "group-id", "SecurityGroups", "GroupId", d);
}

const stk_resource_type stk_aws_security_group_type = {
    "aws_security_group", "aws", STK_RESOURCE_MANAGED, &sg_schema, sg_create, sg_read, sg_update, sg_delete,
    sg_import, NULL, sg_journal_info, recover_aws_security_group, sg_read_batch,
};

/* ---- aws_security_group_rule ---- */

static const stk_schema_attr sgr_attrs[] = {
    {"cidr_blocks", "list(string)", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"from_port", "number", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_cidr_blocks", "list(string)", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"prefix_list_ids", "list(string)", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"protocol", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, normalize_protocol},
    {"security_group_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"security_group_rule_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"self", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "false", NULL, NULL},
    {"source_security_group_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"to_port", "number", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"type", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema sgr_schema = {sgr_attrs, STK_AWS_NATTRS(sgr_attrs), NULL, 0};

/* the IpPermission of an aws_security_group_rule value */
static json_t *sgr_perm(stk_value *v)
{
    const char *gid = stk_aws_get_str(v, "security_group_id");
    json_t *perm = block_perm(v, gid);
    const char *src = stk_aws_get_str(v, "source_security_group_id");
    if (src && *src) {
        json_t *pairs = json_object_get(perm, "UserIdGroupPairs");
        if (!pairs) {
            pairs = json_array();
            json_object_set_new(perm, "UserIdGroupPairs", pairs);
        }
        json_t *x = json_pack("{s:s}", "GroupId", src);
        const char *desc = stk_aws_get_str(v, "description");
        if (desc && *desc) json_object_set_new(x, "Description", json_string(desc));
        json_array_append_new(pairs, x);
    }
    return perm;
}

static char *sgr_id(stk_value *v)
{
    json_t *perm = sgr_perm(v);
    json_object_del(perm, "IpRanges");   /* descriptions may change in place: hash without them */
    char *s = json_dumps(perm, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(perm);
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_printf(&b, "%s_%s_%s", stk_aws_get_str(v, "security_group_id"), stk_aws_get_str(v, "type"), s);
    json_t *l = stk_aws_get_strings(v, "cidr_blocks"), *e;
    size_t i;
    json_array_foreach(l, i, e) stk_strbuf_printf(&b, "_%s", json_string_value(e));
    json_decref(l);
    free(s);
    unsigned long c = crc32(0L, (const Bytef *)b.s, (uInt)b.len);
    stk_strbuf_free(&b);
    return stk_xasprintf("sgrule-%lu", c);
}

/* 1 when every source of `want` is in the group's permissions of that side */
static int perm_present(json_t *g, int egress, json_t *want, char **rule_desc)
{
    json_t *perms = json_object_get(g, egress ? "IpPermissionsEgress" : "IpPermissions");
    static const char *const lists[][2] = {{"IpRanges", "CidrIp"}, {"Ipv6Ranges", "CidrIpv6"},
                                           {"PrefixListIds", "PrefixListId"}, {"UserIdGroupPairs", "GroupId"}};
    size_t i;
    json_t *perm;
    json_array_foreach(perms, i, perm) {
        if (strcmp(proto_norm(stk_aws_jstr(perm, "IpProtocol")) ?: "", stk_aws_jstr(want, "IpProtocol") ?: "")) continue;
        if (strcmp(stk_aws_jstr(want, "IpProtocol"), "-1") &&
            (!json_equal(json_object_get(perm, "FromPort"), json_object_get(want, "FromPort")) ||
             !json_equal(json_object_get(perm, "ToPort"), json_object_get(want, "ToPort"))))
            continue;
        int all = 1;
        for (int k = 0; k < 4 && all; k++) {
            size_t j;
            json_t *w;
            json_array_foreach(json_object_get(want, lists[k][0]), j, w) {
                int found = 0;
                size_t q;
                json_t *h;
                json_array_foreach(json_object_get(perm, lists[k][0]), q, h)
                    if (!strcmp(stk_aws_jstr(h, lists[k][1]) ?: "", stk_aws_jstr(w, lists[k][1]) ?: "")) {
                        found = 1;
                        if (rule_desc && !*rule_desc && stk_aws_jstr(h, "Description"))
                            *rule_desc = stk_xstrdup(stk_aws_jstr(h, "Description"));
                    }
                if (!found) all = 0;
            }
        }
        if (all) return 1;
    }
    return 0;
}

static int sgr_read_from(stk_provider_instance *p, const stk_resource_type *t, stk_value *base, double wait,
                         stk_value **out, stk_diags *d)
{
    *out = NULL;
    const char *gid = stk_aws_get_str(base, "security_group_id");
    const char *type = stk_aws_get_str(base, "type");
    if (!gid || !type) return 0;
    json_t *g = NULL;
    int rc = sg_describe(p, gid, wait, &g, d);
    if (rc) return rc == 1 ? 0 : -1;
    json_t *want = sgr_perm(base);
    char *desc = NULL;
    int present = perm_present(g, !strcmp(type, "egress"), want, &desc);
    json_decref(want);
    json_decref(g);
    if (!present) {
        free(desc);
        return 0;
    }
    json_t *st = stk_aws_state_start(base);
    char *id = sgr_id(base);
    stk_aws_jset_str(st, "id", id);
    free(id);
    stk_aws_jset_str(st, "protocol", proto_norm(stk_aws_get_str(base, "protocol")));
    if (desc) stk_aws_jset_str(st, "description", desc);
    free(desc);
    if (!json_is_boolean(json_object_get(st, "self"))) json_object_set_new(st, "self", json_false());
    if (!json_is_string(json_object_get(st, "source_security_group_id")) && !stk_aws_is_unknown(base, "source_security_group_id"))
        json_object_set_new(st, "source_security_group_id", json_null());
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int sgr_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    const char *type = stk_aws_get_str(planned, "type");
    if (!type || (strcmp(type, "ingress") && strcmp(type, "egress"))) {
        stk_diags_error(d, NULL, "Invalid value", "aws_security_group_rule: type must be \"ingress\" or \"egress\".");
        return -1;
    }
    json_t *perms = json_array();
    json_array_append_new(perms, sgr_perm(planned));
    int rc = sg_perms(p, stk_aws_get_str(planned, "security_group_id"), !strcmp(type, "egress"), 1, perms, d);
    json_decref(perms);
    if (rc) return -1;
    rc = sgr_read_from(p, t, planned, 30, new_state, d);
    if (rc == 0 && !*new_state) {
        stk_diags_error(d, NULL, "Object not found after creation", "aws_security_group_rule: the rule does not show in its group.");
        rc = -1;
    }
    return rc;
}

static int sgr_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    return sgr_read_from(p, t, prior, 0, new_state, d);
}

/* only the description changes in place */
static int sgr_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *type = stk_aws_get_str(planned, "type");
    json_t *params = json_pack("{s:s,s:[o]}", "GroupId", stk_aws_get_str(planned, "security_group_id"), "IpPermissions",
                               sgr_perm(planned)),
           *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", !strcmp(type, "egress") ? "UpdateSecurityGroupRuleDescriptionsEgress"
                                                                    : "UpdateSecurityGroupRuleDescriptionsIngress",
                          params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc) return -1;
    rc = sgr_read_from(p, t, planned, 0, new_state, d);
    return rc ? rc : stk_aws_require_state(t, stk_aws_get_str(prior, "id"), *new_state, d);
}

static int sgr_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *type = stk_aws_get_str(prior, "type");
    if (!type) return 0;
    json_t *perms = json_array();
    json_array_append_new(perms, sgr_perm(prior));
    int rc = sg_perms(p, stk_aws_get_str(prior, "security_group_id"), !strcmp(type, "egress"), 0, perms, d);
    json_decref(perms);
    return rc;
}

/* SGID_TYPE_PROTO_FROM_TO_SOURCE[_SOURCE...] */
static int sgr_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    char *copy = stk_xstrdup(id), *parts[32];
    int n = 0;
    for (char *s = strtok(copy, "_"); s && n < 32; s = strtok(NULL, "_")) parts[n++] = s;
    if (n < 6 || (strcmp(parts[1], "ingress") && strcmp(parts[1], "egress"))) {
        free(copy);
        stk_diags_error(d, NULL, "Invalid import id", "aws_security_group_rule import ids are "
                        "SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE (sg-1_ingress_tcp_80_80_10.0.0.0/8), got \"%s\".", id);
        return -1;
    }
    json_t *st = json_pack("{s:s,s:s,s:s,s:I,s:I}", "security_group_id", parts[0], "type", parts[1], "protocol",
                           proto_norm(parts[2]), "from_port", (json_int_t)atoll(parts[3]), "to_port", (json_int_t)atoll(parts[4]));
    json_t *cidr = json_array(), *cidr6 = json_array(), *pl = json_array();
    for (int i = 5; i < n; i++) {
        if (!strcmp(parts[i], "self")) json_object_set_new(st, "self", json_true());
        else if (!strncmp(parts[i], "sg-", 3)) json_object_set_new(st, "source_security_group_id", json_string(parts[i]));
        else if (!strncmp(parts[i], "pl-", 3)) json_array_append_new(pl, json_string(parts[i]));
        else if (strchr(parts[i], ':')) json_array_append_new(cidr6, json_string(parts[i]));
        else json_array_append_new(cidr, json_string(parts[i]));
    }
    json_object_set_new(st, "cidr_blocks", json_array_size(cidr) ? cidr : (json_decref(cidr), json_null()));
    json_object_set_new(st, "ipv6_cidr_blocks", json_array_size(cidr6) ? cidr6 : (json_decref(cidr6), json_null()));
    json_object_set_new(st, "prefix_list_ids", json_array_size(pl) ? pl : (json_decref(pl), json_null()));
    free(copy);
    stk_value *seed = stk_aws_state_build(t, st, d);
    if (!seed) return -1;
    int rc = sgr_read_from(p, t, seed, 0, state, d);
    stk_value_unref(seed);
    if (rc == 0 && !*state) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object", "aws_security_group_rule: no rule \"%s\".", id);
        rc = -1;
    }
    return rc;
}

/* Crash recovery (recover.h): a rule is found by its group, direction,
   protocol, ports and sources, as its read finds it. */
static const char *const sgr_keys[] = {"security_group_id", "type", "protocol", "from_port", "to_port", "cidr_blocks",
                                       "ipv6_cidr_blocks", "prefix_list_ids", "self", "source_security_group_id",
                                       "description", NULL};
static const char *const sgr_need[] = {"security_group_id", "type", "protocol", NULL};

static char *sgr_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, sgr_keys);
}

static int sgr_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    return stk_aws_recover_by_read(p, t, info_json, NULL, sgr_need, state, d);
}

const stk_resource_type stk_aws_security_group_rule_type = {
    "aws_security_group_rule", "aws", STK_RESOURCE_MANAGED, &sgr_schema, sgr_create, sgr_read, sgr_update,
    sgr_delete, sgr_import, NULL, sgr_journal_info, sgr_recover,
};

/* ---- aws_vpc_security_group_ingress_rule / egress_rule ---- */

static const stk_schema_attr vr_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cidr_ipv4", "string", STK_ATTR_OPTIONAL | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"cidr_ipv6", "string", STK_ATTR_OPTIONAL | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"from_port", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ip_protocol", "string", STK_ATTR_REQUIRED, NULL, NULL, normalize_protocol},
    {"prefix_list_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"referenced_security_group_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"security_group_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"security_group_rule_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"to_port", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema vr_schema = {vr_attrs, STK_AWS_NATTRS(vr_attrs), NULL, 0};

static int vr_is_egress(const stk_resource_type *t) { return strstr(t->name, "egress") != NULL; }

/* the SecurityGroupRuleRequest / IpPermission members of a rule value */
static json_t *vr_perm(stk_value *v)
{
    const char *proto = proto_norm(stk_aws_get_str(v, "ip_protocol"));
    json_t *o = json_pack("{s:s}", "IpProtocol", proto ? proto : "-1");
    if (proto && strcmp(proto, "-1")) {
        json_object_set_new(o, "FromPort", json_integer(stk_aws_get_int(v, "from_port", -1)));
        json_object_set_new(o, "ToPort", json_integer(stk_aws_get_int(v, "to_port", -1)));
    }
    const char *desc = stk_aws_get_str(v, "description"), *s;
    json_t *x = NULL;
    if ((s = stk_aws_get_str(v, "cidr_ipv4"))) json_object_set_new(o, "IpRanges", json_pack("[{s:s}]", "CidrIp", s)), x = json_array_get(json_object_get(o, "IpRanges"), 0);
    else if ((s = stk_aws_get_str(v, "cidr_ipv6"))) json_object_set_new(o, "Ipv6Ranges", json_pack("[{s:s}]", "CidrIpv6", s)), x = json_array_get(json_object_get(o, "Ipv6Ranges"), 0);
    else if ((s = stk_aws_get_str(v, "prefix_list_id"))) json_object_set_new(o, "PrefixListIds", json_pack("[{s:s}]", "PrefixListId", s)), x = json_array_get(json_object_get(o, "PrefixListIds"), 0);
    else if ((s = stk_aws_get_str(v, "referenced_security_group_id"))) json_object_set_new(o, "UserIdGroupPairs", json_pack("[{s:s}]", "GroupId", s)), x = json_array_get(json_object_get(o, "UserIdGroupPairs"), 0);
    if (x && desc && *desc) json_object_set_new(x, "Description", json_string(desc));
    return o;
}

static stk_value *vr_state(stk_provider_instance *p, const stk_resource_type *t, json_t *r, stk_value *base,
                           stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    const char *id = stk_aws_jstr(r, "SecurityGroupRuleId");
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "security_group_rule_id", id);
    stk_aws_jset_str(st, "security_group_id", stk_aws_jstr(r, "GroupId"));
    const char *proto = proto_norm(stk_aws_jstr(r, "IpProtocol"));
    stk_aws_jset_str(st, "ip_protocol", proto);
    json_t *fp = json_object_get(r, "FromPort"), *tp = json_object_get(r, "ToPort");
    int all = proto && !strcmp(proto, "-1");
    json_object_set_new(st, "from_port", !all && json_is_integer(fp) ? json_integer(json_integer_value(fp)) : json_null());
    json_object_set_new(st, "to_port", !all && json_is_integer(tp) ? json_integer(json_integer_value(tp)) : json_null());
    stk_aws_jset_str(st, "cidr_ipv4", stk_aws_jstr(r, "CidrIpv4"));
    stk_aws_jset_str(st, "cidr_ipv6", stk_aws_jstr(r, "CidrIpv6"));
    stk_aws_jset_str(st, "prefix_list_id", stk_aws_jstr(r, "PrefixListId"));
    stk_aws_jset_str(st, "referenced_security_group_id",
                     stk_aws_jstr(json_object_get(r, "ReferencedGroupInfo"), "GroupId"));
    const char *desc = stk_aws_jstr(r, "Description");
    stk_aws_jset_str(st, "description", desc && *desc ? desc : NULL);
    const char *owner = stk_aws_jstr(r, "GroupOwnerId");
    char *arn = owner ? stk_xasprintf("arn:%s:ec2:%s:%s:security-group-rule/%s", p->partition, p->region, owner, id) : NULL;
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    json_t *tags = stk_aws_tags_from_list(json_object_get(r, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    return stk_aws_state_build(t, st, d);
}

static int vr_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *r = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeSecurityGroupRules", "SecurityGroupRuleIds", id, "SecurityGroupRules", &r, d);
    if (rc) return rc == 1 ? 0 : -1;
    *out = vr_state(p, t, r, base, d);
    json_decref(r);
    return *out ? 0 : -1;
}

static int vr_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    int eg = vr_is_egress(t);
    json_t *params = json_pack("{s:s,s:[o]}", "GroupId", stk_aws_get_str(planned, "security_group_id"), "IpPermissions",
                               vr_perm(planned)),
           *res = NULL;
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("security-group-rule", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    static const char *const retry[] = {"InvalidGroup.NotFound", NULL};
    int rc = stk_aws_call_retry(p, "ec2", eg ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress", params,
                                &res, retry, 120, d);
    json_decref(params);
    if (rc) {
        if (rc == 1) stk_diags_error(d, NULL, "Not found", "%s: the security group does not exist.", t->name);
        return -1;
    }
    const char *rid = stk_aws_jstr(json_array_get(json_object_get(res, "SecurityGroupRules"), 0), "SecurityGroupRuleId");
    char *id = rid ? stk_xstrdup(rid) : NULL;
    json_decref(res);
    if (!id) {
        stk_diags_error(d, NULL, "Unexpected answer from AWS", "%s: the authorize call returned no SecurityGroupRuleId.", t->name);
        return -1;
    }
    rc = vr_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int vr_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    return id ? vr_read_id(p, t, id, prior, new_state, d) : 0;
}

static int vr_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *perm = vr_perm(planned);
    json_t *req = json_pack("{s:O}", "IpProtocol", json_object_get(perm, "IpProtocol"));
    if (json_object_get(perm, "FromPort")) json_object_set(req, "FromPort", json_object_get(perm, "FromPort"));
    if (json_object_get(perm, "ToPort")) json_object_set(req, "ToPort", json_object_get(perm, "ToPort"));
    const char *s;
    if ((s = stk_aws_get_str(planned, "cidr_ipv4"))) json_object_set_new(req, "CidrIpv4", json_string(s));
    if ((s = stk_aws_get_str(planned, "cidr_ipv6"))) json_object_set_new(req, "CidrIpv6", json_string(s));
    if ((s = stk_aws_get_str(planned, "prefix_list_id"))) json_object_set_new(req, "PrefixListId", json_string(s));
    if ((s = stk_aws_get_str(planned, "referenced_security_group_id"))) json_object_set_new(req, "ReferencedGroupId", json_string(s));
    if ((s = stk_aws_get_str(planned, "description"))) json_object_set_new(req, "Description", json_string(s));
    json_decref(perm);
    json_t *params = json_pack("{s:s,s:[{s:s,s:o}]}", "GroupId", stk_aws_get_str(prior, "security_group_id"),
                               "SecurityGroupRules", "SecurityGroupRuleId", id, "SecurityGroupRule", req),
           *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "ModifySecurityGroupRules", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc || stk_aws_ec2_update_tags_planned(p, id, prior, planned, d)) return -1;
    rc = vr_read_id(p, t, id, planned, new_state, d);
    return rc ? rc : stk_aws_require_state(t, id, *new_state, d);
}

static int vr_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s,s:[s]}", "GroupId", stk_aws_get_str(prior, "security_group_id"),
                               "SecurityGroupRuleIds", id),
           *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", vr_is_egress(t) ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress",
                             params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int vr_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery: a VPC security group rule is created with its tags
   (TagSpecifications), so its tags find it; an untagged one cannot be told
   apart (stk_aws_ec2_recover_by_tags says so). */
static int vr_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_ec2_recover_by_tags(p, t, info, "DescribeSecurityGroupRules", "SecurityGroupRules",
                                       "SecurityGroupRuleId", state, d);
}

const stk_resource_type stk_aws_vpc_security_group_ingress_rule_type = {
    "aws_vpc_security_group_ingress_rule", "aws", STK_RESOURCE_MANAGED, &vr_schema, vr_create, vr_read, vr_update,
    vr_delete, vr_import, NULL, stk_aws_journal_info_default, vr_recover,
};
const stk_resource_type stk_aws_vpc_security_group_egress_rule_type = {
    "aws_vpc_security_group_egress_rule", "aws", STK_RESOURCE_MANAGED, &vr_schema, vr_create, vr_read, vr_update,
    vr_delete, vr_import, NULL, stk_aws_journal_info_default, vr_recover,
};
