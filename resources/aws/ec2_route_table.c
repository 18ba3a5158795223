/* ec2_route_table.c - aws_route_table (inline `route` blocks),
 * aws_route and aws_route_table_association, with terraform-provider-aws's
 * names, ids and import formats:
 *   aws_route id "r-<route table id><crc32 of the destination>", import
 *     "<route table id>_<destination>";
 *   aws_route_table_association import "<subnet or gateway id>/<route table id>".
 * Inline routes are a set of blocks.  When a table's configuration has no
 * route blocks its state keeps none either, so routes managed by aws_route
 * resources never show as a diff of the table (Terraform gets the same by
 * making the attribute computed); a table that has inline routes reports
 * every non-local route AWS holds, so drift shows.
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include "aws/recover.h"
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* route targets, as attribute name / API member (same names in the inline
   route block and in aws_route) */
static const struct { const char *attr, *member; } targets[] = {
    {"carrier_gateway_id", "CarrierGatewayId"},
    {"core_network_arn", "CoreNetworkArn"},
    {"egress_only_gateway_id", "EgressOnlyInternetGatewayId"},
    {"gateway_id", "GatewayId"},
    {"local_gateway_id", "LocalGatewayId"},
    {"nat_gateway_id", "NatGatewayId"},
    {"network_interface_id", "NetworkInterfaceId"},
    {"transit_gateway_id", "TransitGatewayId"},
    {"vpc_endpoint_id", "VpcEndpointId"},
    {"vpc_peering_connection_id", "VpcPeeringConnectionId"},
};
#define NTARGETS (sizeof targets / sizeof targets[0])

/* ---- aws_route_table ---- */

static const stk_schema_attr route_block_attrs[] = {
    {"carrier_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"core_network_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"destination_prefix_list_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"egress_only_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"ipv6_cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"local_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"nat_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"network_interface_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"transit_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"vpc_endpoint_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"vpc_peering_connection_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema route_block_schema = {route_block_attrs, STK_AWS_NATTRS(route_block_attrs), NULL, 0};

static const stk_schema_attr rt_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"propagating_vgws", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema_block rt_blocks[] = {
    {"route", STK_NESTING_SET, 0, 0, &route_block_schema, 0},
};
static const stk_schema rt_schema = {rt_attrs, STK_AWS_NATTRS(rt_attrs), rt_blocks, 1};

/* the destination of a route object (API form) and its kind member */
static const char *api_dest(json_t *r, const char **member)
{
    static const char *const m[] = {"DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"};
    for (int i = 0; i < 3; i++)
        if (stk_aws_jstr(r, m[i])) {
            if (member) *member = m[i];
            return stk_aws_jstr(r, m[i]);
        }
    return NULL;
}

/* an inline route block value -> API params (destination + target) */
static json_t *route_params(stk_value *r, const char *rtb)
{
    json_t *o = json_pack("{s:s}", "RouteTableId", rtb);
    const char *v;
    if ((v = stk_aws_get_str(r, "cidr_block")) && *v) json_object_set_new(o, "DestinationCidrBlock", json_string(v));
    if ((v = stk_aws_get_str(r, "ipv6_cidr_block")) && *v) json_object_set_new(o, "DestinationIpv6CidrBlock", json_string(v));
    if ((v = stk_aws_get_str(r, "destination_prefix_list_id")) && *v)
        json_object_set_new(o, "DestinationPrefixListId", json_string(v));
    for (size_t i = 0; i < NTARGETS; i++)
        if ((v = stk_aws_get_str(r, targets[i].attr)) && *v) {
            /* an egress-only gateway id given as gateway_id, as the provider allows */
            const char *m = targets[i].member;
            if (!strcmp(targets[i].attr, "gateway_id") && !strncmp(v, "eigw-", 5)) m = "EgressOnlyInternetGatewayId";
            json_object_set_new(o, m, json_string(v));
        }
    return o;
}

/* API route -> inline route block JSON (null for unset members) */
static json_t *route_block_json(json_t *r)
{
    json_t *o = json_object();
    stk_aws_jset_str(o, "cidr_block", stk_aws_jstr(r, "DestinationCidrBlock"));
    stk_aws_jset_str(o, "ipv6_cidr_block", stk_aws_jstr(r, "DestinationIpv6CidrBlock"));
    stk_aws_jset_str(o, "destination_prefix_list_id", stk_aws_jstr(r, "DestinationPrefixListId"));
    for (size_t i = 0; i < NTARGETS; i++) {
        const char *v = stk_aws_jstr(r, targets[i].member);
        stk_aws_jset_str(o, targets[i].attr, v && *v ? v : NULL);
    }
    /* moto reports a NAT gateway route's target in GatewayId too */
    if (stk_aws_jstr(r, "NatGatewayId") && stk_aws_jstr(r, "GatewayId") &&
        !strcmp(stk_aws_jstr(r, "NatGatewayId"), stk_aws_jstr(r, "GatewayId")))
        json_object_set_new(o, "gateway_id", json_null());
    return o;
}

/* a route AWS made itself (the local route, propagated ones) */
static int route_is_managed(json_t *r)
{
    const char *origin = stk_aws_jstr(r, "Origin"), *gw = stk_aws_jstr(r, "GatewayId");
    if (gw && !strcmp(gw, "local")) return 0;
    if (origin && strcmp(origin, "CreateRoute")) return 0;
    return 1;
}

static int rt_describe(stk_provider_instance *p, const char *id, json_t **rt, stk_diags *d)
{
    return stk_aws_ec2_describe_one(p, "DescribeRouteTables", "RouteTableIds", id, "RouteTables", rt, d);
}

static stk_value *rt_state(stk_provider_instance *p, const stk_resource_type *t, json_t *rt, stk_value *base,
                           stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    const char *id = stk_aws_jstr(rt, "RouteTableId"), *owner = stk_aws_jstr(rt, "OwnerId");
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "vpc_id", stk_aws_jstr(rt, "VpcId"));
    stk_aws_jset_str(st, "owner_id", owner);
    char *arn = owner ? stk_xasprintf("arn:%s:ec2:%s:%s:route-table/%s", p->partition, p->region, owner, id) : NULL;
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    json_t *vgws = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(rt, "PropagatingVgws"), i, e)
        if (stk_aws_jstr(e, "GatewayId")) json_array_append_new(vgws, json_string(stk_aws_jstr(e, "GatewayId")));
    json_object_set_new(st, "propagating_vgws", vgws);
    json_t *routes = json_array();
    if (stk_aws_get_count(base, "route") > 0)
        json_array_foreach(json_object_get(rt, "Routes"), i, e)
            if (route_is_managed(e)) json_array_append_new(routes, route_block_json(e));
    json_object_set_new(st, "route", routes);
    json_t *tags = stk_aws_tags_from_list(json_object_get(rt, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    return stk_aws_state_build(t, st, d);
}

static int route_call(stk_provider_instance *p, const char *op, json_t *params, stk_diags *d)
{
    static const char *const retry[] = {"InvalidRouteTableID.NotFound", "InvalidNatGatewayID.NotFound",
                                        "InvalidGatewayID.NotFound", NULL};
    json_t *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", op, params, &res, retry, 120, d);
    json_decref(res);
    if (rc == 1) stk_diags_error(d, NULL, "Not found", "ec2 %s: the route table or the route's target does not exist", op);
    return rc ? -1 : 0;
}

static int rt_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    json_t *rt = NULL;
    *out = NULL;
    int rc = rt_describe(p, id, &rt, d);
    if (rc) return rc == 1 ? 0 : -1;
    *out = rt_state(p, t, rt, base, d);
    json_decref(rt);
    return *out ? 0 : -1;
}

/* destination key of an inline route value */
static const char *block_dest(stk_value *r)
{
    const char *v;
    if ((v = stk_aws_get_str(r, "cidr_block")) && *v) return v;
    if ((v = stk_aws_get_str(r, "ipv6_cidr_block")) && *v) return v;
    if ((v = stk_aws_get_str(r, "destination_prefix_list_id")) && *v) return v;
    return "";
}

static stk_value *find_route(stk_value *obj, const char *dest)
{
    size_t n = stk_aws_get_count(obj, "route");
    for (size_t i = 0; i < n; i++) {
        stk_value *r = stk_aws_get_elem(obj, "route", i);
        if (!strcmp(block_dest(r), dest)) return r;
    }
    return NULL;
}

/* bring the table's routes from `old` (may be NULL) to `new` */
static int rt_sync_routes(stk_provider_instance *p, const char *id, stk_value *old, stk_value *nw, stk_diags *d)
{
    size_t n = stk_aws_get_count(old, "route");
    for (size_t i = 0; i < n; i++) {
        stk_value *r = stk_aws_get_elem(old, "route", i);
        if (find_route(nw, block_dest(r))) continue;
        json_t *params = route_params(r, id), *clean = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v) if (!strncmp(k, "Destination", 11) || !strcmp(k, "RouteTableId"))
            json_object_set(clean, k, v);
        json_t *res = NULL;
        int rc = stk_aws_call_nf(p, "ec2", "DeleteRoute", clean, &res, d);
        json_decref(params);
        json_decref(clean);
        json_decref(res);
        if (rc < 0) return -1;
    }
    n = stk_aws_get_count(nw, "route");
    for (size_t i = 0; i < n; i++) {
        stk_value *r = stk_aws_get_elem(nw, "route", i);
        stk_value *o = find_route(old, block_dest(r));
        if (o && stk_value_raw_equal(o, r)) continue;
        json_t *params = route_params(r, id);
        int rc = route_call(p, o ? "ReplaceRoute" : "CreateRoute", params, d);
        json_decref(params);
        if (rc) return -1;
    }
    return 0;
}

static int rt_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    json_t *params = json_pack("{s:s}", "VpcId", stk_aws_get_str(planned, "vpc_id")), *res = NULL;
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("route-table", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    static const char *const retry[] = {"InvalidVpcID.NotFound", NULL};
    int rc = stk_aws_call_retry(p, "ec2", "CreateRouteTable", params, &res, retry, 60, d);
    json_decref(params);
    if (rc) {
        if (rc == 1) stk_diags_error(d, NULL, "VPC not found", "aws_route_table: the VPC does not exist.");
        return -1;
    }
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "RouteTable"), "RouteTableId"));
    json_decref(res);
    json_t *rt = NULL;
    rc = stk_aws_ec2_describe_new(p, "DescribeRouteTables", "RouteTableIds", id, "RouteTables", 120, &rt, d);
    json_decref(rt);
    if (rc == 1) rc = stk_aws_require_state(t, id, NULL, d);
    if (rc == 0 && stk_aws_get(planned, "propagating_vgws") && stk_aws_get_count(planned, "propagating_vgws")) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_route_table: propagating_vgws is not supported by stk yet.");
        rc = -1;
    }
    if (rc == 0) rc = rt_sync_routes(p, id, NULL, planned, d);
    if (rc == 0) rc = rt_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int rt_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    return id ? rt_read_id(p, t, id, prior, new_state, d) : 0;
}

static int rt_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (rt_sync_routes(p, id, prior, planned, d) || stk_aws_ec2_update_tags_planned(p, id, prior, planned, d)) return -1;
    int rc = rt_read_id(p, t, id, planned, new_state, d);
    return rc ? rc : stk_aws_require_state(t, id, *new_state, d);
}

static int rt_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    static const char *const retry[] = {"DependencyViolation", NULL};
    json_t *params = json_pack("{s:s}", "RouteTableId", id), *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", "DeleteRouteTable", params, &res, retry, stk_aws_timeout('d', 300), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int rt_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    /* an imported table reports its routes (as Terraform's import does) */
    *state = NULL;
    json_t *rt = NULL;
    int rc = rt_describe(p, id, &rt, d);
    if (rc) {
        if (rc == 1) return stk_aws_import_by_id(p, t, id, state, d);
        return -1;
    }
    json_t *routes = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(rt, "Routes"), i, e)
        if (route_is_managed(e)) json_array_append_new(routes, route_block_json(e));
    json_decref(rt);
    stk_value *seed = stk_aws_state_build(t, json_pack("{s:s,s:o}", "id", id, "route", routes), d);
    if (!seed) return -1;
    rc = rt_read_id(p, t, id, seed, state, d);
    stk_value_unref(seed);
    return rc ? rc : stk_aws_require_state(t, id, *state, d);
}

/* The intent records the planned route blocks (recover.h's seed): a table's
   read lists its routes only when the configuration has inline ones, so the
   recovered table must be read with them as its base. */
static const char *const rt_keys[] = {"route", "propagating_vgws", NULL};

static char *rt_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, rt_keys);
}

static int recover_aws_route_table(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    int rc = stk_aws_ec2_recover_by_tags(p, t, info, "DescribeRouteTables", "RouteTables", "RouteTableId", state, d);
    if (rc || !*state) return rc;
    json_t *inf = stk_aws_recover_load(info);
    stk_value *seed = stk_aws_recover_seed(t, inf, stk_aws_get_str(*state, "id"), d);
    json_decref(inf);
    stk_value *again = NULL;
    rc = seed ? rt_read(p, t, seed, &again, d) : -1;
    stk_value_unref(seed);
    stk_value_unref(*state);
    *state = again;
    return rc;
}

/* refresh by batch: one DescribeRouteTables for every object being refreshed */
static int rt_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeRouteTables", "route-table-id", "RouteTables", "RouteTableId", d);
}

const stk_resource_type stk_aws_route_table_type = {
    "aws_route_table", "aws", STK_RESOURCE_MANAGED, &rt_schema, rt_create, rt_read, rt_update, rt_delete, rt_import,
    NULL, rt_journal_info, recover_aws_route_table, rt_read_batch,
};

/* ---- aws_route ---- */

static const stk_schema_attr route_attrs[] = {
    {"carrier_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"core_network_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"destination_cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"destination_ipv6_cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"destination_prefix_list_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"egress_only_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"instance_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"instance_owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"local_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"nat_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"network_interface_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"origin", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"route_table_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"state", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"transit_gateway_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"vpc_endpoint_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"vpc_peering_connection_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema route_schema = {route_attrs, STK_AWS_NATTRS(route_attrs), NULL, 0};

/* the destination of an aws_route value, and the API member it goes in */
static const char *route_dest(stk_value *v, const char **member)
{
    static const struct { const char *attr, *member; } m[] = {
        {"destination_cidr_block", "DestinationCidrBlock"},
        {"destination_ipv6_cidr_block", "DestinationIpv6CidrBlock"},
        {"destination_prefix_list_id", "DestinationPrefixListId"},
    };
    for (int i = 0; i < 3; i++) {
        const char *s = stk_aws_get_str(v, m[i].attr);
        if (s && *s) {
            if (member) *member = m[i].member;
            return s;
        }
    }
    return NULL;
}

/* Terraform's id: "r-" + table id + crc32 (IEEE) of the destination */
static char *route_id(const char *rtb, const char *dest)
{
    unsigned long c = crc32(0L, (const Bytef *)dest, (uInt)strlen(dest));
    int h = (int)(unsigned int)c;
    if (h < 0) h = -h;
    return stk_xasprintf("r-%s%d", rtb, h);
}

static json_t *aws_route_params(stk_value *v)
{
    const char *member = NULL, *dest = route_dest(v, &member);
    json_t *o = json_pack("{s:s}", "RouteTableId", stk_aws_get_str(v, "route_table_id"));
    if (dest) json_object_set_new(o, member, json_string(dest));
    for (size_t i = 0; i < NTARGETS; i++) {
        const char *s = stk_aws_get_str(v, targets[i].attr);
        if (s && *s) json_object_set_new(o, targets[i].member, json_string(s));
    }
    return o;
}

/* find the route of `rtb` with destination `dest` */
static int route_find(stk_provider_instance *p, const char *rtb, const char *dest, json_t **route, stk_diags *d)
{
    json_t *rt = NULL;
    *route = NULL;
    int rc = rt_describe(p, rtb, &rt, d);
    if (rc) return rc;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rt, "Routes"), i, e) {
        const char *ad = api_dest(e, NULL);
        if (ad && !strcmp(ad, dest)) {
            *route = json_incref(e);
            break;
        }
    }
    json_decref(rt);
    return *route ? 0 : 1;
}

static stk_value *route_state(const stk_resource_type *t, const char *rtb, json_t *r, stk_value *base, stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "route_table_id", rtb);
    stk_aws_jset_str(st, "destination_cidr_block", stk_aws_jstr(r, "DestinationCidrBlock"));
    stk_aws_jset_str(st, "destination_ipv6_cidr_block", stk_aws_jstr(r, "DestinationIpv6CidrBlock"));
    stk_aws_jset_str(st, "destination_prefix_list_id", stk_aws_jstr(r, "DestinationPrefixListId"));
    json_t *blk = route_block_json(r);
    for (size_t i = 0; i < NTARGETS; i++) json_object_set(st, targets[i].attr, json_object_get(blk, targets[i].attr));
    json_decref(blk);
    stk_aws_jset_str(st, "instance_id", stk_aws_jstr(r, "InstanceId") ? stk_aws_jstr(r, "InstanceId") : "");
    stk_aws_jset_str(st, "instance_owner_id", stk_aws_jstr(r, "InstanceOwnerId") ? stk_aws_jstr(r, "InstanceOwnerId") : "");
    if (!stk_aws_jstr(st, "network_interface_id")) stk_aws_jset_str(st, "network_interface_id", "");
    stk_aws_jset_str(st, "origin", stk_aws_jstr(r, "Origin"));
    stk_aws_jset_str(st, "state", stk_aws_jstr(r, "State"));
    const char *dest = api_dest(r, NULL);
    char *id = route_id(rtb, dest ? dest : "");
    stk_aws_jset_str(st, "id", id);
    free(id);
    return stk_aws_state_build(t, st, d);
}

static int route_read_from(stk_provider_instance *p, const stk_resource_type *t, stk_value *base, double wait,
                           stk_value **out, stk_diags *d)
{
    *out = NULL;
    const char *rtb = stk_aws_get_str(base, "route_table_id"), *dest = route_dest(base, NULL);
    if (!rtb || !dest) return 0;
    json_t *r = NULL;
    double waited = 0;
    int rc;
    while ((rc = route_find(p, rtb, dest, &r, d)) == 1 && waited < wait) {
        if (stk_aws_sleep(1)) break;
        waited += 1;
    }
    if (rc) return rc == 1 ? 0 : -1;
    *out = route_state(t, rtb, r, base, d);
    json_decref(r);
    return *out ? 0 : -1;
}

static int route_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                        stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    if (!route_dest(planned, NULL)) {
        stk_diags_error(d, NULL, "Missing destination", "aws_route: one of destination_cidr_block, "
                        "destination_ipv6_cidr_block or destination_prefix_list_id is required.");
        return -1;
    }
    json_t *params = aws_route_params(planned);
    int rc = route_call(p, "CreateRoute", params, d);
    json_decref(params);
    if (rc) return -1;
    rc = route_read_from(p, t, planned, 60, new_state, d);
    if (rc == 0 && !*new_state) {
        stk_diags_error(d, NULL, "Object not found after creation", "aws_route: the route does not show in its table.");
        rc = -1;
    }
    return rc;
}

static int route_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                      stk_diags *d)
{
    return route_read_from(p, t, prior, 0, new_state, d);
}

static int route_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                        stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    json_t *params = aws_route_params(planned);
    int rc = route_call(p, "ReplaceRoute", params, d);
    json_decref(params);
    if (rc) return -1;
    rc = route_read_from(p, t, planned, 0, new_state, d);
    return rc ? rc : stk_aws_require_state(t, stk_aws_get_str(prior, "id"), *new_state, d);
}

static int route_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *member = NULL, *dest = route_dest(prior, &member);
    const char *rtb = stk_aws_get_str(prior, "route_table_id");
    if (!dest || !rtb) return 0;
    json_t *params = json_pack("{s:s,s:s}", "RouteTableId", rtb, member, dest), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DeleteRoute", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int route_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                        stk_diags *d)
{
    *state = NULL;
    const char *us = strchr(id, '_');
    if (!us) {
        stk_diags_error(d, NULL, "Invalid import id", "aws_route import ids are ROUTETABLEID_DESTINATION "
                        "(rtb-123_10.0.0.0/16), got \"%s\".", id);
        return -1;
    }
    char *rtb = stk_xstrndup(id, (size_t)(us - id));
    const char *dest = us + 1;
    const char *attr = strchr(dest, ':') ? "destination_ipv6_cidr_block"
                     : !strncmp(dest, "pl-", 3) ? "destination_prefix_list_id" : "destination_cidr_block";
    stk_value *seed = stk_aws_state_build(t, json_pack("{s:s,s:s}", "route_table_id", rtb, attr, dest), d);
    free(rtb);
    if (!seed) return -1;
    int rc = route_read_from(p, t, seed, 0, state, d);
    stk_value_unref(seed);
    if (rc == 0 && !*state) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object", "aws_route: no route \"%s\".", id);
        rc = -1;
    }
    return rc;
}

/* Crash recovery (recover.h): the table and the destination find a route. */
static const char *const route_keys[] = {"route_table_id", "destination_cidr_block", "destination_ipv6_cidr_block",
                                         "destination_prefix_list_id", NULL};
static const char *const route_need[] = {"route_table_id", NULL};

static char *route_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, route_keys);
}

static int route_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                         stk_diags *d)
{
    return stk_aws_recover_by_read(p, t, info_json, NULL, route_need, state, d);
}

const stk_resource_type stk_aws_route_type = {
    "aws_route", "aws", STK_RESOURCE_MANAGED, &route_schema, route_create, route_read, route_update, route_delete,
    route_import, NULL, route_journal_info, route_recover,
};

/* ---- aws_route_table_association ---- */

static const stk_schema_attr rta_attrs[] = {
    {"gateway_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"route_table_id", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"subnet_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema rta_schema = {rta_attrs, STK_AWS_NATTRS(rta_attrs), NULL, 0};

/* find an association by id (or, when id is NULL, by subnet/gateway + table) */
static int rta_find(stk_provider_instance *p, const char *id, const char *target, const char *rtb, json_t **assoc,
                    stk_diags *d)
{
    *assoc = NULL;
    if (id && stk_aws_batch_get(p, "aws_route_table_association", id, assoc)) return *assoc ? 0 : 1;
    json_t *params = id ? json_pack("{s:[{s:s,s:[s]}]}", "Filters", "Name", "association.route-table-association-id", "Values", id)
                        : json_pack("{s:[s]}", "RouteTableIds", rtb);
    json_t *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DescribeRouteTables", params, &res, d);
    json_decref(params);
    if (rc) return rc;
    size_t i, j;
    json_t *rt, *a;
    json_array_foreach(json_object_get(res, "RouteTables"), i, rt) json_array_foreach(json_object_get(rt, "Associations"), j, a) {
        const char *aid = stk_aws_jstr(a, "RouteTableAssociationId");
        const char *sn = stk_aws_jstr(a, "SubnetId"), *gw = stk_aws_jstr(a, "GatewayId");
        const char *state = stk_aws_jstr(json_object_get(a, "AssociationState"), "State");
        if (state && (!strcmp(state, "disassociated") || !strcmp(state, "disassociating"))) continue;
        if ((id && aid && !strcmp(aid, id)) ||
            (!id && target && ((sn && !strcmp(sn, target)) || (gw && !strcmp(gw, target))))) {
            *assoc = json_incref(a);
            if (!stk_aws_jstr(*assoc, "RouteTableId"))
                json_object_set_new(*assoc, "RouteTableId", json_string(stk_aws_jstr(rt, "RouteTableId")));
            break;
        }
    }
    json_decref(res);
    return *assoc ? 0 : 1;
}

static stk_value *rta_state(const stk_resource_type *t, json_t *a, stk_value *base, stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(a, "RouteTableAssociationId"));
    stk_aws_jset_str(st, "route_table_id", stk_aws_jstr(a, "RouteTableId"));
    stk_aws_jset_str(st, "subnet_id", stk_aws_jstr(a, "SubnetId"));
    stk_aws_jset_str(st, "gateway_id", stk_aws_jstr(a, "GatewayId"));
    return stk_aws_state_build(t, st, d);
}

static int rta_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    const char *sn = stk_aws_get_str(planned, "subnet_id"), *gw = stk_aws_get_str(planned, "gateway_id");
    if (!sn == !gw) {
        stk_diags_error(d, NULL, "Invalid combination of arguments",
                        "aws_route_table_association: exactly one of subnet_id and gateway_id is required.");
        return -1;
    }
    json_t *params = json_pack("{s:s}", "RouteTableId", stk_aws_get_str(planned, "route_table_id")), *res = NULL;
    json_object_set_new(params, sn ? "SubnetId" : "GatewayId", json_string(sn ? sn : gw));
    static const char *const retry[] = {"InvalidRouteTableID.NotFound", "InvalidSubnetID.NotFound", NULL};
    int rc = stk_aws_call_retry(p, "ec2", "AssociateRouteTable", params, &res, retry, 120, d);
    json_decref(params);
    if (rc) {
        if (rc == 1) stk_diags_error(d, NULL, "Not found", "aws_route_table_association: the route table or subnet does not exist.");
        return -1;
    }
    char *id = stk_xstrdup(stk_aws_jstr(res, "AssociationId"));
    json_decref(res);
    json_t *a = NULL;
    rc = rta_find(p, id, NULL, NULL, &a, d);
    if (rc == 0) *new_state = rta_state(t, a, planned, d);
    json_decref(a);
    if (rc == 1) rc = stk_aws_require_state(t, id, NULL, d);
    if (rc == 0 && !*new_state) rc = -1;
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int rta_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *a = NULL;
    int rc = rta_find(p, id, NULL, NULL, &a, d);
    if (rc) return rc == 1 ? 0 : -1;
    *new_state = rta_state(t, a, prior, d);
    json_decref(a);
    return *new_state ? 0 : -1;
}

static int rta_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    json_t *params = json_pack("{s:s,s:s}", "AssociationId", stk_aws_get_str(prior, "id"), "RouteTableId",
                               stk_aws_get_str(planned, "route_table_id")),
           *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "ReplaceRouteTableAssociation", params, &res, d);
    json_decref(params);
    if (rc) return -1;
    /* AWS gives the association a new id */
    json_t *a = NULL;
    rc = rta_find(p, stk_aws_jstr(res, "NewAssociationId"), NULL, NULL, &a, d);
    json_decref(res);
    if (rc == 0) *new_state = rta_state(t, a, planned, d);
    json_decref(a);
    if (rc == 1) return stk_aws_require_state(t, stk_aws_get_str(prior, "id"), NULL, d);
    return rc == 0 && *new_state ? 0 : -1;
}

static int rta_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "AssociationId", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DisassociateRouteTable", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int rta_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    const char *slash = strchr(id, '/');
    if (!slash) {
        stk_diags_error(d, NULL, "Invalid import id", "aws_route_table_association import ids are "
                        "SUBNETID/ROUTETABLEID or GATEWAYID/ROUTETABLEID, got \"%s\".", id);
        return -1;
    }
    char *target = stk_xstrndup(id, (size_t)(slash - id));
    json_t *a = NULL;
    int rc = rta_find(p, NULL, target, slash + 1, &a, d);
    free(target);
    if (rc == 1) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object", "aws_route_table_association: no association \"%s\".", id);
        return -1;
    }
    if (rc) return -1;
    *state = rta_state(t, a, NULL, d);
    json_decref(a);
    return *state ? 0 : -1;
}

/* refresh by batch: one DescribeRouteTables filtered on every association id */
static int rta_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n,
                          stk_diags *d)
{
    json_t *ids = stk_aws_batch_ids(priors, n, "id"), *kept = NULL;
    for (size_t i = json_array_size(ids); i-- > 0;) {   /* already kept by stk_aws_route_tables_batch */
        if (stk_aws_batch_get(p, "aws_route_table_association", json_string_value(json_array_get(ids, i)), &kept))
            json_array_remove(ids, i);
        json_decref(kept);
    }
    if (!json_array_size(ids)) {
        json_decref(ids);
        return 0;
    }
    json_t *params = json_pack("{s:[{s:s,s:O}]}", "Filters", "Name", "association.route-table-association-id", "Values", ids);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "DescribeRouteTables", params, &res, d);
    json_decref(params);
    if (rc == 0) {
        json_t *found = json_object();
        size_t i, j;
        json_t *rt, *a;
        json_array_foreach(json_object_get(res, "RouteTables"), i, rt) json_array_foreach(json_object_get(rt, "Associations"), j, a) {
            const char *aid = stk_aws_jstr(a, "RouteTableAssociationId");
            const char *state = stk_aws_jstr(json_object_get(a, "AssociationState"), "State");
            if (!aid || (state && (!strcmp(state, "disassociated") || !strcmp(state, "disassociating")))) continue;
            json_t *c = json_deep_copy(a);
            if (!stk_aws_jstr(c, "RouteTableId")) json_object_set_new(c, "RouteTableId", json_string(stk_aws_jstr(rt, "RouteTableId")));
            json_object_set_new(found, aid, c);
        }
        json_t *v;
        json_array_foreach(ids, i, v) {
            const char *aid = json_string_value(v);
            stk_aws_batch_put(p, "aws_route_table_association", aid, json_object_get(found, aid));
        }
        json_decref(found);
    }
    json_decref(res);
    json_decref(ids);
    return rc ? -1 : 0;
}

/* Crash recovery (recover.h): the subnet (or gateway) and the route table
   find the association again. */
static const char *const rta_keys[] = {"subnet_id", "gateway_id", "route_table_id", NULL};

static char *rta_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, rta_keys);
}

static int rta_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *id = stk_aws_jstr(info, "id"), *rtb = stk_aws_recover_seed_str(info, "route_table_id");
    const char *target = stk_aws_recover_seed_str(info, "subnet_id");
    if (!target) target = stk_aws_recover_seed_str(info, "gateway_id");
    if (!id && !(rtb && target)) {
        json_decref(info);
        return stk_aws_recover_cannot(d, t, "the interrupted create recorded no route table and subnet");
    }
    json_t *a = NULL;
    int rc = rta_find(p, id, target, rtb, &a, d);
    if (rc == 0) {
        stk_value *seed = stk_aws_recover_seed(t, info, NULL, d);
        *state = seed ? rta_state(t, a, seed, d) : NULL;
        stk_value_unref(seed);
        rc = *state ? 0 : -1;
    }
    json_decref(a);
    json_decref(info);
    return rc < 0 ? -1 : 0;
}

int stk_aws_route_tables_batch(stk_provider_instance *p, const stk_resource_type *const *types,
                               stk_value *const *priors, size_t n, stk_diags *d)
{
    json_t *rts = json_array(), *seen = json_object();
    int have_rt = 0, have_rta = 0;
    for (size_t i = 0; i < n; i++) {
        int rt = !strcmp(types[i]->name, "aws_route_table"), rta = !strcmp(types[i]->name, "aws_route_table_association");
        const char *id = rt ? stk_aws_get_str(priors[i], "id") : rta ? stk_aws_get_str(priors[i], "route_table_id") : NULL;
        if (!id) continue;
        have_rt |= rt;
        have_rta |= rta && stk_aws_get_str(priors[i], "id");
        if (json_object_get(seen, id)) continue;
        json_object_set_new(seen, id, json_true());
        json_array_append_new(rts, json_string(id));
    }
    json_decref(seen);
    int rc = 0;
    /* only both together save a call: either alone is its type's read_batch */
    if (have_rt && have_rta)
        rc = stk_aws_ec2_batch(p, "DescribeRouteTables", "route-table-id", "RouteTables", "RouteTableId", rts, d);
    json_decref(rts);
    if (rc || !have_rt || !have_rta) return rc;
    /* an association is found in the table it belongs to, or is gone (an id
       never moves to another table: replacing an association makes a new id) */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(types[i]->name, "aws_route_table_association")) continue;
        const char *id = stk_aws_get_str(priors[i], "id"), *rtid = stk_aws_get_str(priors[i], "route_table_id");
        json_t *rt = NULL, *a, *hit = NULL;
        if (!id || !rtid || !stk_aws_batch_get(p, "DescribeRouteTables", rtid, &rt)) continue;
        size_t j;
        json_array_foreach(json_object_get(rt, "Associations"), j, a) {
            const char *aid = stk_aws_jstr(a, "RouteTableAssociationId");
            const char *state = stk_aws_jstr(json_object_get(a, "AssociationState"), "State");
            if (!aid || strcmp(aid, id) || (state && (!strcmp(state, "disassociated") || !strcmp(state, "disassociating"))))
                continue;
            hit = json_deep_copy(a);
            if (!stk_aws_jstr(hit, "RouteTableId")) json_object_set_new(hit, "RouteTableId", json_string(rtid));
            break;
        }
        stk_aws_batch_put(p, "aws_route_table_association", id, hit);
        json_decref(hit);
        json_decref(rt);
    }
    return 0;
}

const stk_resource_type stk_aws_route_table_association_type = {
    "aws_route_table_association", "aws", STK_RESOURCE_MANAGED, &rta_schema, rta_create, rta_read, rta_update,
    rta_delete, rta_import, NULL, rta_journal_info, rta_recover, rta_read_batch,
};
