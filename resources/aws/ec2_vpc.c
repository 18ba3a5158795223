/* ec2_vpc.c - aws_vpc: CreateVpc / DescribeVpcs / ModifyVpcAttribute /
 * DeleteVpc, with terraform-provider-aws's attribute names, defaults and
 * computed ids (main route table, default security group).  The reference
 * for the other resource files: arguments read with stk_aws_get_*, state
 * built from a JSON object (common.h).
 *
 * Not supported yet (a clear error when set): IPAM pools (ipv4_ipam_pool_id,
 * ipv6_ipam_pool_id), a changed instance_tenancy replaces the VPC (AWS's
 * ModifyVpcTenancy is not in the trimmed model).  default_network_acl_id
 * and default_route_table_id: the main route table id (DescribeNetworkAcls
 * is not in the trimmed model, so default_network_acl_id stays null).
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

static const stk_schema_attr vpc_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"assign_generated_ipv6_cidr_block", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "false", NULL, NULL},
    {"cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW | STK_ATTR_CIDR, NULL,
     "the IPv4 CIDR block of the VPC", NULL},
    {"default_network_acl_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"default_route_table_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"default_security_group_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"dhcp_options_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enable_dns_hostnames", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enable_dns_support", "bool", STK_ATTR_OPTIONAL, "true", NULL, NULL},
    {"enable_network_address_usage_metrics", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"instance_tenancy", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"default\"", NULL, NULL},
    {"ipv4_ipam_pool_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"ipv4_netmask_length", "number", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"ipv6_association_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"ipv6_cidr_block_network_border_group", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_ipam_pool_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"ipv6_netmask_length", "number", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"main_route_table_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema vpc_schema = {vpc_attrs, STK_AWS_NATTRS(vpc_attrs), NULL, 0};

/* DescribeVpcAttribute's answer for one attribute: 1/0, -1 on failure. */
static int vpc_attr(stk_provider_instance *p, const char *id, const char *attr, const char *member, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:s}", "VpcId", id, "Attribute", attr), *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "DescribeVpcAttribute", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    int v = json_is_true(json_object_get(json_object_get(res, member), "Value"));
    json_decref(res);
    return v;
}

static int vpc_modify(stk_provider_instance *p, const char *id, const char *member, int value, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:{s:b}}", "VpcId", id, member, "Value", value), *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "ModifyVpcAttribute", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

/* The main route table and default security group ids of a VPC. */
static int vpc_defaults(stk_provider_instance *p, const char *id, json_t *st, stk_diags *d)
{
    json_t *params = json_pack("{s:[{s:s,s:[s]},{s:s,s:[s]}]}", "Filters", "Name", "vpc-id", "Values", id, "Name",
                               "association.main", "Values", "true"),
           *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "DescribeRouteTables", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    const char *rt = stk_aws_jstr(json_array_get(json_object_get(res, "RouteTables"), 0), "RouteTableId");
    stk_aws_jset_str(st, "main_route_table_id", rt);
    stk_aws_jset_str(st, "default_route_table_id", rt);
    json_decref(res);
    params = json_pack("{s:[{s:s,s:[s]},{s:s,s:[s]}]}", "Filters", "Name", "vpc-id", "Values", id, "Name",
                       "group-name", "Values", "default");
    rc = stk_aws_call(p->client, "ec2", "DescribeSecurityGroups", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    stk_aws_jset_str(st, "default_security_group_id",
                     stk_aws_jstr(json_array_get(json_object_get(res, "SecurityGroups"), 0), "GroupId"));
    json_decref(res);
    return 0;
}

/* Read the VPC `id` into a state, starting from `base` (planned or prior
   value: keeps what AWS does not report).  *out NULL when it is gone. */
static int vpc_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                       stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *vpc = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeVpcs", "VpcIds", id, "Vpcs", &vpc, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "cidr_block", stk_aws_jstr(vpc, "CidrBlock"));
    stk_aws_jset_str(st, "instance_tenancy", stk_aws_jstr(vpc, "InstanceTenancy"));
    stk_aws_jset_str(st, "dhcp_options_id", stk_aws_jstr(vpc, "DhcpOptionsId"));
    stk_aws_jset_str(st, "owner_id", stk_aws_jstr(vpc, "OwnerId"));
    char *res = stk_xasprintf("vpc/%s", id);
    char *arn = stk_aws_jstr(vpc, "OwnerId")
                    ? stk_xasprintf("arn:%s:ec2:%s:%s:%s", p->partition, p->region, stk_aws_jstr(vpc, "OwnerId"), res)
                    : stk_aws_arn(p, "ec2", NULL, res, d);
    free(res);
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    /* IPv6: the first associated block */
    json_t *assoc = json_object_get(vpc, "Ipv6CidrBlockAssociationSet");
    size_t i;
    json_t *a;
    int have6 = 0;
    json_array_foreach(assoc, i, a) {
        const char *state = stk_aws_jstr(json_object_get(a, "Ipv6CidrBlockState"), "State");
        if (state && strcmp(state, "associated") && strcmp(state, "associating")) continue;
        stk_aws_jset_str(st, "ipv6_cidr_block", stk_aws_jstr(a, "Ipv6CidrBlock"));
        stk_aws_jset_str(st, "ipv6_association_id", stk_aws_jstr(a, "AssociationId"));
        stk_aws_jset_str(st, "ipv6_cidr_block_network_border_group", stk_aws_jstr(a, "NetworkBorderGroup"));
        have6 = 1;
        break;
    }
    if (!have6) {
        stk_aws_jset_str(st, "ipv6_cidr_block", "");
        stk_aws_jset_str(st, "ipv6_association_id", "");
        stk_aws_jset_str(st, "ipv6_cidr_block_network_border_group", "");
    }
    json_object_set_new(st, "assign_generated_ipv6_cidr_block", json_boolean(have6 && !stk_aws_get_str(base, "ipv6_ipam_pool_id")));
    json_t *tags = stk_aws_tags_from_list(json_object_get(vpc, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(vpc);

    int dns = vpc_attr(p, id, "enableDnsSupport", "EnableDnsSupport", d);
    int host = dns < 0 ? -1 : vpc_attr(p, id, "enableDnsHostnames", "EnableDnsHostnames", d);
    if (host < 0) {
        json_decref(st);
        return -1;
    }
    json_object_set_new(st, "enable_dns_support", json_boolean(dns));
    json_object_set_new(st, "enable_dns_hostnames", json_boolean(host));
    int metrics = vpc_attr(p, id, "enableNetworkAddressUsageMetrics", "EnableNetworkAddressUsageMetrics", d);
    if (metrics < 0) {
        json_decref(st);
        return -1;
    }
    json_object_set_new(st, "enable_network_address_usage_metrics", json_boolean(metrics));
    /* the default objects never change for a VPC: read them once */
    if (!stk_aws_jstr(st, "main_route_table_id") || !stk_aws_jstr(st, "default_security_group_id")) {
        if (vpc_defaults(p, id, st, d) != 0) {
            json_decref(st);
            return -1;
        }
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int vpc_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    if (stk_aws_get_str(planned, "ipv4_ipam_pool_id") || stk_aws_get_str(planned, "ipv6_ipam_pool_id")) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_vpc: IPAM pools (ipv4_ipam_pool_id, ipv6_ipam_pool_id) are not supported by stk yet.");
        return -1;
    }
    const char *cidr = stk_aws_get_str(planned, "cidr_block");
    if (!cidr) {
        stk_diags_error(d, NULL, "Missing required argument", "aws_vpc: \"cidr_block\" is required (IPAM pools are not supported yet).");
        return -1;
    }
    json_t *params = json_pack("{s:s}", "CidrBlock", cidr);
    const char *ten = stk_aws_get_str(planned, "instance_tenancy");
    if (ten) json_object_set_new(params, "InstanceTenancy", json_string(ten));
    if (stk_aws_get_bool(planned, "assign_generated_ipv6_cidr_block", 0))
        json_object_set_new(params, "AmazonProvidedIpv6CidrBlock", json_true());
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("vpc", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "CreateVpc", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "Vpc"), "VpcId"));
    json_decref(res);

    params = json_pack("{s:[s]}", "VpcIds", id);
    rc = stk_aws_wait_for(p, "ec2", "VpcAvailable", params, 'c', 300, d);
    json_decref(params);
    /* DNS attributes: one per ModifyVpcAttribute call, as AWS requires */
    if (rc == 0 && !stk_aws_get_bool(planned, "enable_dns_support", 1))
        rc = vpc_modify(p, id, "EnableDnsSupport", 0, d);
    if (rc == 0 && stk_aws_get_bool(planned, "enable_dns_hostnames", 0))
        rc = vpc_modify(p, id, "EnableDnsHostnames", 1, d);
    if (rc == 0 && stk_aws_get_bool(planned, "enable_network_address_usage_metrics", 0))
        rc = vpc_modify(p, id, "EnableNetworkAddressUsageMetrics", 1, d);
    if (rc == 0) rc = vpc_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc != 0 && !*new_state) {
        /* keep the id so the engine records what was created */
        json_t *st = stk_aws_state_start(planned);
        stk_aws_jset_str(st, "id", id);
        *new_state = stk_aws_state_build(t, st, d);
    }
    free(id);
    return rc;
}

static int vpc_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    if (!id) return 0;
    return vpc_read_id(p, t, id, prior, new_state, d);
}

static int vpc_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    int o, n;
    o = stk_aws_get_bool(prior, "enable_dns_support", 1);
    n = stk_aws_get_bool(planned, "enable_dns_support", 1);
    if (o != n) rc = vpc_modify(p, id, "EnableDnsSupport", n, d);
    o = stk_aws_get_bool(prior, "enable_dns_hostnames", 0);
    n = stk_aws_is_unknown(planned, "enable_dns_hostnames") ? o : stk_aws_get_bool(planned, "enable_dns_hostnames", 0);
    if (rc == 0 && o != n) rc = vpc_modify(p, id, "EnableDnsHostnames", n, d);
    o = stk_aws_get_bool(prior, "enable_network_address_usage_metrics", 0);
    n = stk_aws_is_unknown(planned, "enable_network_address_usage_metrics")
            ? o : stk_aws_get_bool(planned, "enable_network_address_usage_metrics", 0);
    if (rc == 0 && o != n) rc = vpc_modify(p, id, "EnableNetworkAddressUsageMetrics", n, d);
    if (rc == 0) {
        json_t *old_tags = stk_aws_tags_get(prior, "tags_all"), *new_tags = stk_aws_tags_all(p, planned);
        rc = stk_aws_ec2_update_tags(p, id, old_tags, new_tags, d);
        json_decref(old_tags);
        json_decref(new_tags);
    }
    if (rc != 0) return -1;
    rc = vpc_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int vpc_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    static const char *const retry[] = {"DependencyViolation", NULL};
    json_t *params = json_pack("{s:s}", "VpcId", id), *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", "DeleteVpc", params, &res, retry, stk_aws_timeout('d', 300), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;   /* 1: already gone */
}

static int vpc_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

static int recover_aws_vpc(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    return stk_aws_ec2_recover_by_tags(p, t, info, "DescribeVpcs", "Vpcs", "VpcId", state, d);
}

/* refresh by batch: one DescribeVpcs for every object being refreshed */
static int vpc_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeVpcs", "vpc-id", "Vpcs", "VpcId", d);
}

const stk_resource_type stk_aws_vpc_type = {
    "aws_vpc", "aws", STK_RESOURCE_MANAGED, &vpc_schema, vpc_create, vpc_read, vpc_update, vpc_delete, vpc_import,
    NULL, stk_aws_journal_info_default, recover_aws_vpc, vpc_read_batch,
};
