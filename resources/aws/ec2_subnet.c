/* ec2_subnet.c - aws_subnet: CreateSubnet / DescribeSubnets /
 * ModifySubnetAttribute / DeleteSubnet with terraform-provider-aws's names,
 * defaults and force-new rules (vpc_id, cidr_block, availability_zone).
 * Reads right after a create retry InvalidSubnetID.NotFound; delete
 * retries DependencyViolation while network interfaces drain.
 * Not supported yet (error when set): customer-owned IP pools, outposts.
 */
#include "aws/common.h"
#include "aws/recover.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

static const stk_schema_attr subnet_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"assign_ipv6_address_on_creation", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"availability_zone", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"availability_zone_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"customer_owned_ipv4_pool", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"enable_dns64", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"enable_lni_at_device_index", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enable_resource_name_dns_a_record_on_launch", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"enable_resource_name_dns_aaaa_record_on_launch", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"ipv6_cidr_block_association_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_native", "bool", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "false", NULL, NULL},
    {"map_customer_owned_ip_on_launch", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"map_public_ip_on_launch", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"outpost_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"private_dns_hostname_type_on_launch", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema subnet_schema = {subnet_attrs, STK_AWS_NATTRS(subnet_attrs), NULL, 0};

/* the state of one DescribeSubnets entry, starting from base */
static stk_value *subnet_state(stk_provider_instance *p, const stk_resource_type *t, json_t *s, stk_value *base,
                               stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(s, "SubnetId"));
    stk_aws_jset_str(st, "vpc_id", stk_aws_jstr(s, "VpcId"));
    stk_aws_jset_str(st, "cidr_block", stk_aws_jstr(s, "CidrBlock"));
    stk_aws_jset_str(st, "availability_zone", stk_aws_jstr(s, "AvailabilityZone"));
    stk_aws_jset_str(st, "availability_zone_id", stk_aws_jstr(s, "AvailabilityZoneId"));
    stk_aws_jset_str(st, "owner_id", stk_aws_jstr(s, "OwnerId"));
    const char *arn = stk_aws_jstr(s, "SubnetArn");
    char *made = NULL;
    if (!arn && stk_aws_jstr(s, "OwnerId"))
        arn = made = stk_xasprintf("arn:%s:ec2:%s:%s:subnet/%s", p->partition, p->region, stk_aws_jstr(s, "OwnerId"),
                                   stk_aws_jstr(s, "SubnetId"));
    stk_aws_jset_str(st, "arn", arn);
    free(made);
    json_object_set_new(st, "map_public_ip_on_launch", json_boolean(json_is_true(json_object_get(s, "MapPublicIpOnLaunch"))));
    json_object_set_new(st, "assign_ipv6_address_on_creation",
                        json_boolean(json_is_true(json_object_get(s, "AssignIpv6AddressOnCreation"))));
    json_object_set_new(st, "enable_dns64", json_boolean(json_is_true(json_object_get(s, "EnableDns64"))));
    json_object_set_new(st, "ipv6_native", json_boolean(json_is_true(json_object_get(s, "Ipv6Native"))));
    json_t *lni = json_object_get(s, "EnableLniAtDeviceIndex");
    json_object_set_new(st, "enable_lni_at_device_index", json_integer(json_is_integer(lni) ? json_integer_value(lni) : 0));
    if (json_object_get(s, "MapCustomerOwnedIpOnLaunch"))
        json_object_set_new(st, "map_customer_owned_ip_on_launch",
                            json_boolean(json_is_true(json_object_get(s, "MapCustomerOwnedIpOnLaunch"))));
    json_t *dns = json_object_get(s, "PrivateDnsNameOptionsOnLaunch");
    stk_aws_jset_str(st, "private_dns_hostname_type_on_launch",
                     stk_aws_jstr(dns, "HostnameType") ? stk_aws_jstr(dns, "HostnameType") : "ip-name");
    json_object_set_new(st, "enable_resource_name_dns_a_record_on_launch",
                        json_boolean(json_is_true(json_object_get(dns, "EnableResourceNameDnsARecord"))));
    json_object_set_new(st, "enable_resource_name_dns_aaaa_record_on_launch",
                        json_boolean(json_is_true(json_object_get(dns, "EnableResourceNameDnsAAAARecord"))));
    size_t i;
    json_t *a;
    stk_aws_jset_str(st, "ipv6_cidr_block", "");
    stk_aws_jset_str(st, "ipv6_cidr_block_association_id", "");
    json_array_foreach(json_object_get(s, "Ipv6CidrBlockAssociationSet"), i, a) {
        const char *state = stk_aws_jstr(json_object_get(a, "Ipv6CidrBlockState"), "State");
        if (state && strcmp(state, "associated") && strcmp(state, "associating")) continue;
        stk_aws_jset_str(st, "ipv6_cidr_block", stk_aws_jstr(a, "Ipv6CidrBlock"));
        stk_aws_jset_str(st, "ipv6_cidr_block_association_id", stk_aws_jstr(a, "AssociationId"));
        break;
    }
    json_t *tags = stk_aws_tags_from_list(json_object_get(s, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    return stk_aws_state_build(t, st, d);
}

static int modify_bool(stk_provider_instance *p, const char *id, const char *member, int v, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:{s:b}}", "SubnetId", id, member, "Value", v), *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "ModifySubnetAttribute", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc;
}

/* the attributes set by ModifySubnetAttribute, prior (NULL on create) -> planned */
static int subnet_modify(stk_provider_instance *p, const char *id, stk_value *prior, stk_value *planned, stk_diags *d)
{
    static const struct { const char *attr, *member; } m[] = {
        {"map_public_ip_on_launch", "MapPublicIpOnLaunch"},
        {"assign_ipv6_address_on_creation", "AssignIpv6AddressOnCreation"},
        {"enable_dns64", "EnableDns64"},
        {"enable_resource_name_dns_a_record_on_launch", "EnableResourceNameDnsARecordOnLaunch"},
        {"enable_resource_name_dns_aaaa_record_on_launch", "EnableResourceNameDnsAAAARecordOnLaunch"},
    };
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        int o = stk_aws_get_bool(prior, m[i].attr, 0), n = stk_aws_get_bool(planned, m[i].attr, 0);
        if (o != n && modify_bool(p, id, m[i].member, n, d) != 0) return -1;
    }
    const char *ht = stk_aws_get_str(planned, "private_dns_hostname_type_on_launch");
    const char *oht = prior ? stk_aws_get_str(prior, "private_dns_hostname_type_on_launch") : "ip-name";
    if (ht && (!oht || strcmp(ht, oht))) {
        json_t *params = json_pack("{s:s,s:s}", "SubnetId", id, "PrivateDnsHostnameTypeOnLaunch", ht), *res = NULL;
        int rc = stk_aws_call(p->client, "ec2", "ModifySubnetAttribute", params, &res, d);
        json_decref(params);
        json_decref(res);
        if (rc) return -1;
    }
    return 0;
}

static int subnet_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                         stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    if (stk_aws_get_str(planned, "customer_owned_ipv4_pool") || stk_aws_get_str(planned, "outpost_arn")) {
        stk_diags_error(d, NULL, "Not supported yet", "aws_subnet: outposts and customer-owned IP pools are not supported by stk yet.");
        return -1;
    }
    json_t *params = json_pack("{s:s}", "VpcId", stk_aws_get_str(planned, "vpc_id"));
    const char *v;
    if ((v = stk_aws_get_str(planned, "cidr_block"))) json_object_set_new(params, "CidrBlock", json_string(v));
    if ((v = stk_aws_get_str(planned, "ipv6_cidr_block"))) json_object_set_new(params, "Ipv6CidrBlock", json_string(v));
    if ((v = stk_aws_get_str(planned, "availability_zone"))) json_object_set_new(params, "AvailabilityZone", json_string(v));
    else if ((v = stk_aws_get_str(planned, "availability_zone_id")))
        json_object_set_new(params, "AvailabilityZoneId", json_string(v));
    if (stk_aws_get_bool(planned, "ipv6_native", 0)) json_object_set_new(params, "Ipv6Native", json_true());
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("subnet", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    json_t *res = NULL;
    static const char *const retry[] = {"InvalidVpcID.NotFound", NULL};
    int rc = stk_aws_call_retry(p, "ec2", "CreateSubnet", params, &res, retry, 60, d);
    json_decref(params);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "VPC not found", "aws_subnet: the VPC %s does not exist.", stk_aws_get_str(planned, "vpc_id"));
        return -1;
    }
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "Subnet"), "SubnetId"));
    json_decref(res);
    json_t *s = NULL;
    rc = stk_aws_ec2_describe_new(p, "DescribeSubnets", "SubnetIds", id, "Subnets", 120, &s, d);
    json_decref(s);
    if (rc == 0) {
        params = json_pack("{s:[s]}", "SubnetIds", id);
        rc = stk_aws_wait_for(p, "ec2", "SubnetAvailable", params, 'c', 600, d);
        json_decref(params);
    } else if (rc == 1) {
        rc = stk_aws_require_state(t, id, NULL, d);
    }
    if (rc == 0) rc = subnet_modify(p, id, NULL, planned, d);
    if (rc == 0 && stk_aws_ec2_describe_one(p, "DescribeSubnets", "SubnetIds", id, "Subnets", &s, d) == 0) {
        *new_state = subnet_state(p, t, s, planned, d);
        json_decref(s);
        rc = *new_state ? 0 : -1;
    } else if (rc == 0) {
        rc = -1;
    }
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int subnet_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                       stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *s = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeSubnets", "SubnetIds", id, "Subnets", &s, d);
    if (rc) return rc == 1 ? 0 : -1;
    *new_state = subnet_state(p, t, s, prior, d);
    json_decref(s);
    return *new_state ? 0 : -1;
}

static int subnet_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                         stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (subnet_modify(p, id, prior, planned, d) || stk_aws_ec2_update_tags_planned(p, id, prior, planned, d)) return -1;
    json_t *s = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeSubnets", "SubnetIds", id, "Subnets", &s, d);
    if (rc) return rc == 1 ? stk_aws_require_state(t, id, NULL, d) : -1;
    *new_state = subnet_state(p, t, s, planned, d);
    json_decref(s);
    return *new_state ? 0 : -1;
}

static int subnet_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    static const char *const retry[] = {"DependencyViolation", NULL};
    json_t *params = json_pack("{s:s}", "SubnetId", id), *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", "DeleteSubnet", params, &res, retry, stk_aws_timeout('d', 1200), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int subnet_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                         stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery: a VPC holds one subnet per CIDR block, so the intent's
   VPC and CIDR (recover.h's seed) find the subnet even where other subnets
   carry the same tags; without them, the tags (stk_aws_ec2_recover_by_tags). */
static const char *const subnet_keys[] = {"vpc_id", "cidr_block", NULL};

static char *subnet_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                 const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, subnet_keys);
}

static int recover_aws_subnet(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    *state = NULL;
    json_t *inf = stk_aws_recover_load(info);
    const char *vpc = stk_aws_recover_seed_str(inf, "vpc_id"), *cidr = stk_aws_recover_seed_str(inf, "cidr_block");
    if (stk_aws_jstr(inf, "id") || !vpc || !cidr) {
        json_decref(inf);
        return stk_aws_ec2_recover_by_tags(p, t, info, "DescribeSubnets", "Subnets", "SubnetId", state, d);
    }
    stk_recover_note_found_by("its VPC and CIDR block");
    json_t *params = json_pack("{s:[{s:s,s:[s]},{s:s,s:[s]}]}", "Filters", "Name", "vpc-id", "Values", vpc, "Name",
                               "cidr-block", "Values", cidr),
           *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "DescribeSubnets", params, &res, d);
    json_decref(params);
    const char *id = stk_aws_jstr(json_array_get(json_object_get(res, "Subnets"), 0), "SubnetId");
    if (rc == 0 && id) {
        stk_value *seed = stk_aws_recover_seed(t, inf, id, d);
        rc = seed ? t->read(p, t, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    json_decref(res);
    json_decref(inf);
    return rc;
}

/* refresh by batch: one DescribeSubnets for every object being refreshed */
static int subnet_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeSubnets", "subnet-id", "Subnets", "SubnetId", d);
}

const stk_resource_type stk_aws_subnet_type = {
    "aws_subnet", "aws", STK_RESOURCE_MANAGED, &subnet_schema, subnet_create, subnet_read, subnet_update,
    subnet_delete, subnet_import, NULL, subnet_journal_info, recover_aws_subnet, subnet_read_batch,
};
