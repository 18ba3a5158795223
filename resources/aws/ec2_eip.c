/* ec2_eip.c - aws_eip (AllocateAddress / DescribeAddresses / Associate /
 * Disassociate / ReleaseAddress) and aws_nat_gateway (CreateNatGateway with
 * the journal's ClientToken, waits NatGatewayAvailable on create and
 * NatGatewayDeleted on delete; a "deleted" gateway reads as gone).
 * terraform-provider-aws's names: public_ip, allocation_id, public_dns ...
 * Not supported yet (error when set): BYOIP / customer-owned pools,
 * secondary private addresses of NAT gateways.
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

/* ---- aws_eip ---- */

static const stk_schema_attr eip_attrs[] = {
    {"address", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"allocation_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"associate_with_private_ip", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"association_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"carrier_ip", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"customer_owned_ip", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"customer_owned_ipv4_pool", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"domain", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"instance", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipam_pool_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"network_border_group", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"network_interface", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"private_dns", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"private_ip", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ptr_record", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"public_dns", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"public_ip", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"public_ipv4_pool", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW | STK_ATTR_DEPRECATED, NULL, NULL, NULL},
};
static const stk_schema eip_schema = {eip_attrs, STK_AWS_NATTRS(eip_attrs), NULL, 0};

/* "ec2-1-2-3-4.eu-north-1.compute.amazonaws.com" as the provider derives
   it ("compute-1" in us-east-1); "ip-10-0-0-1.<region>.compute.internal"
   ("ec2.internal" in us-east-1). */
static char *ec2_dns(stk_provider_instance *p, const char *ip, int public_name)
{
    if (!ip || !*ip) return NULL;
    char *dashed = stk_xstrdup(ip);
    for (char *c = dashed; *c; c++)
        if (*c == '.') *c = '-';
    int use1 = !strcmp(p->region, "us-east-1");
    char *r;
    if (public_name)
        r = use1 ? stk_xasprintf("ec2-%s.compute-1.%s", dashed, stk_aws_partition_dns_suffix(p->partition))
                 : stk_xasprintf("ec2-%s.%s.compute.%s", dashed, p->region, stk_aws_partition_dns_suffix(p->partition));
    else
        r = use1 ? stk_xasprintf("ip-%s.ec2.internal", dashed) : stk_xasprintf("ip-%s.%s.compute.internal", dashed, p->region);
    free(dashed);
    return r;
}

static stk_value *eip_state(stk_provider_instance *p, const stk_resource_type *t, json_t *a, stk_value *base,
                            stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    const char *alloc = stk_aws_jstr(a, "AllocationId"), *pub = stk_aws_jstr(a, "PublicIp");
    const char *priv = stk_aws_jstr(a, "PrivateIpAddress");
    stk_aws_jset_str(st, "id", alloc);
    stk_aws_jset_str(st, "allocation_id", alloc);
    stk_aws_jset_str(st, "public_ip", pub);
    stk_aws_jset_str(st, "private_ip", priv);
    stk_aws_jset_str(st, "association_id", stk_aws_jstr(a, "AssociationId"));
    stk_aws_jset_str(st, "instance", stk_aws_jstr(a, "InstanceId") ? stk_aws_jstr(a, "InstanceId") : "");
    stk_aws_jset_str(st, "network_interface", stk_aws_jstr(a, "NetworkInterfaceId") ? stk_aws_jstr(a, "NetworkInterfaceId") : "");
    const char *dom = stk_aws_jstr(a, "Domain") ? stk_aws_jstr(a, "Domain") : "vpc";
    stk_aws_jset_str(st, "domain", dom);
    json_object_set_new(st, "vpc", json_boolean(!strcmp(dom, "vpc")));
    stk_aws_jset_str(st, "public_ipv4_pool", stk_aws_jstr(a, "PublicIpv4Pool") ? stk_aws_jstr(a, "PublicIpv4Pool") : "amazon");
    stk_aws_jset_str(st, "network_border_group",
                     stk_aws_jstr(a, "NetworkBorderGroup") ? stk_aws_jstr(a, "NetworkBorderGroup") : p->region);
    stk_aws_jset_str(st, "carrier_ip", stk_aws_jstr(a, "CarrierIp") ? stk_aws_jstr(a, "CarrierIp") : "");
    stk_aws_jset_str(st, "customer_owned_ip", stk_aws_jstr(a, "CustomerOwnedIp") ? stk_aws_jstr(a, "CustomerOwnedIp") : "");
    stk_aws_jset_str(st, "ptr_record", "");
    char *dns = ec2_dns(p, pub, 1);
    stk_aws_jset_str(st, "public_dns", dns);
    free(dns);
    dns = ec2_dns(p, priv, 0);
    stk_aws_jset_str(st, "private_dns", dns);
    free(dns);
    json_t *tags = stk_aws_tags_from_list(json_object_get(a, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    /* the ARN needs the account: kept from the base once known */
    if (!stk_aws_jstr(st, "arn")) {
        stk_diags tmp = STK_DIAGS_INIT;
        char *res = stk_xasprintf("elastic-ip/%s", alloc);
        char *arn = stk_aws_arn(p, "ec2", NULL, res, &tmp);
        stk_aws_jset_str(st, "arn", arn);
        free(arn);
        free(res);
        stk_diags_free(&tmp);
    }
    return stk_aws_state_build(t, st, d);
}

static int eip_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                       double wait, stk_value **out, stk_diags *d)
{
    json_t *a = NULL;
    *out = NULL;
    int rc = wait > 0 ? stk_aws_ec2_describe_new(p, "DescribeAddresses", "AllocationIds", id, "Addresses", wait, &a, d)
                      : stk_aws_ec2_describe_one(p, "DescribeAddresses", "AllocationIds", id, "Addresses", &a, d);
    if (rc) return rc == 1 ? 0 : -1;
    *out = eip_state(p, t, a, base, d);
    json_decref(a);
    return *out ? 0 : -1;
}

static int eip_associate(stk_provider_instance *p, const char *id, stk_value *planned, stk_diags *d)
{
    const char *inst = stk_aws_get_str(planned, "instance"), *eni = stk_aws_get_str(planned, "network_interface");
    if ((!inst || !*inst) && (!eni || !*eni)) return 0;
    json_t *params = json_pack("{s:s}", "AllocationId", id), *res = NULL;
    if (inst && *inst) json_object_set_new(params, "InstanceId", json_string(inst));
    if (eni && *eni) json_object_set_new(params, "NetworkInterfaceId", json_string(eni));
    const char *pip = stk_aws_get_str(planned, "associate_with_private_ip");
    if (pip) json_object_set_new(params, "PrivateIpAddress", json_string(pip));
    static const char *const retry[] = {"InvalidInstanceID", "InvalidInstanceID.NotFound", NULL};
    int rc = stk_aws_call_retry(p, "ec2", "AssociateAddress", params, &res, retry, 300, d);
    json_decref(params);
    json_decref(res);
    if (rc == 1) stk_diags_error(d, NULL, "Not found", "AssociateAddress %s: instance or network interface not found", id);
    return rc ? -1 : 0;
}

static int eip_disassociate(stk_provider_instance *p, const char *assoc, stk_diags *d)
{
    if (!assoc || !*assoc) return 0;
    json_t *params = json_pack("{s:s}", "AssociationId", assoc), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DisassociateAddress", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int eip_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    if (stk_aws_get_str(planned, "customer_owned_ipv4_pool") || stk_aws_get_str(planned, "ipam_pool_id")) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_eip: customer-owned and IPAM pools are not supported by stk yet.");
        return -1;
    }
    const char *dom = stk_aws_get_str(planned, "domain");
    if (dom && strcmp(dom, "vpc")) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_eip: domain \"%s\" (EC2-Classic) is not supported; use \"vpc\".", dom);
        return -1;
    }
    json_t *params = json_pack("{s:s}", "Domain", "vpc"), *res = NULL;
    const char *v;
    if ((v = stk_aws_get_str(planned, "address"))) json_object_set_new(params, "Address", json_string(v));
    if ((v = stk_aws_get_str(planned, "public_ipv4_pool"))) json_object_set_new(params, "PublicIpv4Pool", json_string(v));
    if ((v = stk_aws_get_str(planned, "network_border_group"))) json_object_set_new(params, "NetworkBorderGroup", json_string(v));
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("elastic-ip", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    int rc = stk_aws_call(p->client, "ec2", "AllocateAddress", params, &res, d);
    json_decref(params);
    if (rc) return -1;
    char *id = stk_xstrdup(stk_aws_jstr(res, "AllocationId"));
    json_decref(res);
    rc = eip_associate(p, id, planned, d);
    if (rc == 0) rc = eip_read_id(p, t, id, planned, 60, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int eip_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    return id ? eip_read_id(p, t, id, prior, 0, new_state, d) : 0;
}

static int eip_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    const char *oi = stk_aws_get_str(prior, "instance"), *ni = stk_aws_get_str(planned, "instance");
    const char *oe = stk_aws_get_str(prior, "network_interface"), *ne = stk_aws_get_str(planned, "network_interface");
    int inst_changed = !stk_aws_is_unknown(planned, "instance") && strcmp(oi ? oi : "", ni ? ni : "");
    int eni_changed = !stk_aws_is_unknown(planned, "network_interface") && strcmp(oe ? oe : "", ne ? ne : "");
    if (inst_changed || eni_changed) {
        if (eip_disassociate(p, stk_aws_get_str(prior, "association_id"), d)) return -1;
        if (eip_associate(p, id, planned, d)) return -1;
    }
    if (stk_aws_ec2_update_tags_planned(p, id, prior, planned, d)) return -1;
    int rc = eip_read_id(p, t, id, planned, 0, new_state, d);
    return rc ? rc : stk_aws_require_state(t, id, *new_state, d);
}

static int eip_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    stk_value *cur = NULL;
    if (eip_read_id(p, t, id, prior, 0, &cur, d)) return -1;
    if (!cur) return 0;
    int rc = eip_disassociate(p, stk_aws_get_str(cur, "association_id"), d);
    stk_value_unref(cur);
    if (rc) return -1;
    static const char *const retry[] = {"AuthFailure", "InvalidIPAddress.InUse", NULL};
    json_t *params = json_pack("{s:s}", "AllocationId", id), *res = NULL;
    rc = stk_aws_call_retry(p, "ec2", "ReleaseAddress", params, &res, retry, stk_aws_timeout('d', 180), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int eip_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

static int recover_aws_eip(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    return stk_aws_ec2_recover_by_tags(p, t, info, "DescribeAddresses", "Addresses", "AllocationId", state, d);
}

/* refresh by batch: one DescribeAddresses for every object being refreshed */
static int eip_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeAddresses", "allocation-id", "Addresses", "AllocationId", d);
}

const stk_resource_type stk_aws_eip_type = {
    "aws_eip", "aws", STK_RESOURCE_MANAGED, &eip_schema, eip_create, eip_read, eip_update, eip_delete, eip_import,
    NULL, stk_aws_journal_info_default, recover_aws_eip, eip_read_batch,
};

/* ---- aws_nat_gateway ---- */

static const stk_schema_attr nat_attrs[] = {
    {"allocation_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"association_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"connectivity_type", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"public\"", NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"network_interface_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"private_ip", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"public_ip", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"secondary_allocation_ids", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"secondary_private_ip_address_count", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"secondary_private_ip_addresses", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"subnet_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema nat_schema = {nat_attrs, STK_AWS_NATTRS(nat_attrs), NULL, 0};

static stk_value *nat_state(stk_provider_instance *p, const stk_resource_type *t, json_t *g, stk_value *base,
                            stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(g, "NatGatewayId"));
    stk_aws_jset_str(st, "subnet_id", stk_aws_jstr(g, "SubnetId"));
    stk_aws_jset_str(st, "connectivity_type", stk_aws_jstr(g, "ConnectivityType") ? stk_aws_jstr(g, "ConnectivityType") : "public");
    json_t *primary = NULL, *a;
    size_t i;
    json_array_foreach(json_object_get(g, "NatGatewayAddresses"), i, a)
        if (!primary || json_is_true(json_object_get(a, "IsPrimary"))) primary = a;
    stk_aws_jset_str(st, "allocation_id", stk_aws_jstr(primary, "AllocationId"));
    stk_aws_jset_str(st, "association_id", stk_aws_jstr(primary, "AssociationId") ? stk_aws_jstr(primary, "AssociationId") : "");
    stk_aws_jset_str(st, "network_interface_id", stk_aws_jstr(primary, "NetworkInterfaceId"));
    stk_aws_jset_str(st, "private_ip", stk_aws_jstr(primary, "PrivateIp"));
    stk_aws_jset_str(st, "public_ip", stk_aws_jstr(primary, "PublicIp") ? stk_aws_jstr(primary, "PublicIp") : "");
    json_t *sec = json_array();
    json_array_foreach(json_object_get(g, "NatGatewayAddresses"), i, a)
        if (a != primary && stk_aws_jstr(a, "PrivateIp")) json_array_append_new(sec, json_string(stk_aws_jstr(a, "PrivateIp")));
    json_object_set_new(st, "secondary_private_ip_address_count", json_integer((json_int_t)json_array_size(sec)));
    json_object_set_new(st, "secondary_private_ip_addresses", sec);
    if (!json_object_get(st, "secondary_allocation_ids") || json_is_null(json_object_get(st, "secondary_allocation_ids")))
        json_object_set_new(st, "secondary_allocation_ids", json_null());
    json_t *tags = stk_aws_tags_from_list(json_object_get(g, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    return stk_aws_state_build(t, st, d);
}

/* DescribeNatGateways for id: 0 found (*g), 1 gone (not found or "deleted") */
static int nat_describe(stk_provider_instance *p, const char *id, json_t **g, stk_diags *d)
{
    int rc = stk_aws_ec2_describe_one(p, "DescribeNatGateways", "NatGatewayIds", id, "NatGateways", g, d);
    if (rc) return rc;
    const char *s = stk_aws_jstr(*g, "State");
    if (s && (!strcmp(s, "deleted") || !strcmp(s, "deleting") || !strcmp(s, "failed"))) {
        json_decref(*g);
        *g = NULL;
        return 1;
    }
    return 0;
}

static int nat_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    if (stk_aws_get_count(planned, "secondary_allocation_ids") || stk_aws_get(planned, "secondary_private_ip_addresses") ||
        stk_aws_get_int(planned, "secondary_private_ip_address_count", 0)) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_nat_gateway: secondary addresses are not supported by stk yet.");
        return -1;
    }
    json_t *params = json_pack("{s:s}", "SubnetId", stk_aws_get_str(planned, "subnet_id")), *res = NULL;
    const char *v;
    if ((v = stk_aws_get_str(planned, "allocation_id"))) json_object_set_new(params, "AllocationId", json_string(v));
    if ((v = stk_aws_get_str(planned, "connectivity_type"))) json_object_set_new(params, "ConnectivityType", json_string(v));
    if ((v = stk_aws_get_str(planned, "private_ip"))) json_object_set_new(params, "PrivateIpAddress", json_string(v));
    if ((v = stk_aws_idempotency_token())) json_object_set_new(params, "ClientToken", json_string(v));
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("natgateway", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    static const char *const retry[] = {"InvalidSubnetID.NotFound", "InvalidAllocationID.NotFound", NULL};
    int rc = stk_aws_call_retry(p, "ec2", "CreateNatGateway", params, &res, retry, 120, d);
    json_decref(params);
    if (rc) {
        if (rc == 1) stk_diags_error(d, NULL, "Not found", "aws_nat_gateway: the subnet or allocation does not exist.");
        return -1;
    }
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "NatGateway"), "NatGatewayId"));
    json_decref(res);
    params = json_pack("{s:[s]}", "NatGatewayIds", id);
    rc = stk_aws_wait_for(p, "ec2", "NatGatewayAvailable", params, 'c', 600, d);
    json_decref(params);
    json_t *g = NULL;
    if (rc == 0) {
        rc = nat_describe(p, id, &g, d);
        if (rc == 1) rc = stk_aws_require_state(t, id, NULL, d);
    }
    if (rc == 0) {
        *new_state = nat_state(p, t, g, planned, d);
        rc = *new_state ? 0 : -1;
    }
    json_decref(g);
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int nat_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *g = NULL;
    int rc = nat_describe(p, id, &g, d);
    if (rc) return rc == 1 ? 0 : -1;
    *new_state = nat_state(p, t, g, prior, d);
    json_decref(g);
    return *new_state ? 0 : -1;
}

static int nat_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (stk_aws_ec2_update_tags_planned(p, id, prior, planned, d)) return -1;
    json_t *g = NULL;
    int rc = nat_describe(p, id, &g, d);
    if (rc) return rc == 1 ? stk_aws_require_state(t, id, NULL, d) : -1;
    *new_state = nat_state(p, t, g, planned, d);
    json_decref(g);
    return *new_state ? 0 : -1;
}

static int nat_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "NatGatewayId", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DeleteNatGateway", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc) return rc == 1 ? 0 : -1;
    params = json_pack("{s:[s]}", "NatGatewayIds", id);
    rc = stk_aws_wait_for(p, "ec2", "NatGatewayDeleted", params, 'd', 1800, d);
    json_decref(params);
    return rc;
}

static int nat_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

static int recover_aws_nat_gateway(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    return stk_aws_ec2_recover_by_tags(p, t, info, "DescribeNatGateways", "NatGateways", "NatGatewayId", state, d);
}

/* refresh by batch: one DescribeNatGateways for every object being refreshed */
static int nat_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeNatGateways", "nat-gateway-id", "NatGateways", "NatGatewayId", d);
}

const stk_resource_type stk_aws_nat_gateway_type = {
    "aws_nat_gateway", "aws", STK_RESOURCE_MANAGED, &nat_schema, nat_create, nat_read, nat_update, nat_delete,
    nat_import, NULL, stk_aws_journal_info_default, recover_aws_nat_gateway, nat_read_batch,
};
