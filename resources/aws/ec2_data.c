/* ec2_data.c - the data sources of the networking family and the
 * provider-level ones: aws_availability_zones, aws_vpc, aws_subnets,
 * aws_ami (owners, filters, name_regex, most_recent), aws_region,
 * aws_partition, aws_caller_identity - terraform-provider-aws's
 * arguments, results and "no / more than one result" errors.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "aws/common.h"
#include "aws/aws_types.h"
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

static const stk_schema_attr filter_attrs[] = {
    {"name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"values", "set(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema filter_schema = {filter_attrs, 2, NULL, 0};
#define FILTER_BLOCK {"filter", STK_NESTING_SET, 0, 0, &filter_schema, 0}

static int cmp_json_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* a JSON array of strings, sorted (new array) */
static json_t *sorted(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **items = stk_xcalloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = json_array_get(arr, i);
    qsort(items, n, sizeof *items, cmp_json_str);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append(out, items[i]);
    free(items);
    return out;
}

static int in_strings(json_t *arr, const char *s)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) if (!strcmp(json_string_value(e), s)) return 1;
    return 0;
}

/* tag:Key filters from a `tags` map argument */
static void add_tag_filters(json_t *filters, stk_value *cfg)
{
    json_t *tags = stk_aws_tags_get(cfg, "tags");
    const char *k;
    json_t *v;
    json_object_foreach(tags, k, v) {
        char *name = stk_xasprintf("tag:%s", k);
        json_array_append_new(filters, json_pack("{s:s,s:[O]}", "Name", name, "Values", v));
        free(name);
    }
    json_decref(tags);
}

static void add_filter(json_t *filters, const char *name, const char *value)
{
    if (value) json_array_append_new(filters, json_pack("{s:s,s:[s]}", "Name", name, "Values", value));
}

/* ---- aws_availability_zones ---- */

static const stk_schema_attr az_attrs[] = {
    {"all_availability_zones", "bool", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"exclude_names", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"exclude_zone_ids", "set(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"group_names", "set(string)", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"names", "list(string)", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"state", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"zone_ids", "list(string)", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema_block az_blocks[] = {FILTER_BLOCK};
static const stk_schema az_schema = {az_attrs, STK_AWS_NATTRS(az_attrs), az_blocks, 1};

static int az_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                   stk_diags *d)
{
    *state = NULL;
    json_t *filters = stk_aws_ec2_filters(cfg, "filter");
    add_filter(filters, "state", stk_aws_get_str(cfg, "state"));
    json_t *params = json_object(), *res = NULL;
    if (stk_aws_get_bool(cfg, "all_availability_zones", 0)) json_object_set_new(params, "AllAvailabilityZones", json_true());
    if (json_array_size(filters)) json_object_set(params, "Filters", filters);
    json_decref(filters);
    int rc = stk_aws_call(p->client, "ec2", "DescribeAvailabilityZones", params, &res, d);
    json_decref(params);
    if (rc) return -1;
    json_t *exn = stk_aws_get_strings(cfg, "exclude_names"), *exz = stk_aws_get_strings(cfg, "exclude_zone_ids");
    json_t *names = json_array(), *zids = json_array(), *groups = json_array();
    size_t i;
    json_t *z;
    json_array_foreach(json_object_get(res, "AvailabilityZones"), i, z) {
        const char *n = stk_aws_jstr(z, "ZoneName"), *id = stk_aws_jstr(z, "ZoneId"), *g = stk_aws_jstr(z, "GroupName");
        if (!n || in_strings(exn, n) || (id && in_strings(exz, id))) continue;
        json_array_append_new(names, json_string(n));
        if (id) json_array_append_new(zids, json_string(id));
        if (g && !in_strings(groups, g)) json_array_append_new(groups, json_string(g));
    }
    json_decref(exn);
    json_decref(exz);
    json_decref(res);
    json_t *st = stk_aws_state_start(cfg);
    stk_aws_jset_str(st, "id", p->region);
    json_object_set_new(st, "names", sorted(names));
    json_object_set_new(st, "zone_ids", sorted(zids));
    json_object_set_new(st, "group_names", groups);
    json_decref(names);
    json_decref(zids);
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_availability_zones_type = {
    "aws_availability_zones", "aws", STK_RESOURCE_DATA, &az_schema, NULL, NULL, NULL, NULL, NULL, az_read, NULL, NULL,
};

/* ---- aws_vpc ---- */

static const stk_schema_attr dvpc_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cidr_block", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cidr_block_associations", "list(object({association_id=string,cidr_block=string,state=string}))", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"default", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"dhcp_options_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enable_dns_hostnames", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enable_dns_support", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"enable_network_address_usage_metrics", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"instance_tenancy", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_association_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ipv6_cidr_block", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"main_route_table_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"state", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"tags", "map(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema_block dvpc_blocks[] = {FILTER_BLOCK};
static const stk_schema dvpc_schema = {dvpc_attrs, STK_AWS_NATTRS(dvpc_attrs), dvpc_blocks, 1};

static int dvpc_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                     stk_diags *d)
{
    *state = NULL;
    json_t *filters = stk_aws_ec2_filters(cfg, "filter");
    add_filter(filters, "cidr", stk_aws_get_str(cfg, "cidr_block"));
    add_filter(filters, "dhcp-options-id", stk_aws_get_str(cfg, "dhcp_options_id"));
    add_filter(filters, "state", stk_aws_get_str(cfg, "state"));
    if (stk_aws_get(cfg, "default")) add_filter(filters, "is-default", stk_aws_get_bool(cfg, "default", 0) ? "true" : "false");
    add_tag_filters(filters, cfg);
    json_t *params = json_object(), *res = NULL;
    if (stk_aws_get_str(cfg, "id")) json_object_set_new(params, "VpcIds", json_pack("[s]", stk_aws_get_str(cfg, "id")));
    if (json_array_size(filters)) json_object_set(params, "Filters", filters);
    json_decref(filters);
    int rc = stk_aws_call_nf(p, "ec2", "DescribeVpcs", params, &res, d);
    json_decref(params);
    if (rc < 0) return -1;
    size_t n = json_array_size(json_object_get(res, "Vpcs"));
    if (n != 1) {
        stk_diags_error(d, NULL, n ? "multiple EC2 VPCs matched; use additional constraints to reduce matches to a single EC2 VPC"
                                   : "no matching EC2 VPC found", NULL);
        json_decref(res);
        return -1;
    }
    json_t *v = json_array_get(json_object_get(res, "Vpcs"), 0);
    const char *id = stk_aws_jstr(v, "VpcId");
    /* the managed type's reader fills the rest (attributes, default ids) */
    stk_value *seed = stk_aws_state_build(&stk_aws_vpc_type, json_pack("{s:s}", "id", id), d), *full = NULL;
    rc = seed ? stk_aws_vpc_type.read(p, &stk_aws_vpc_type, seed, &full, d) : -1;
    stk_value_unref(seed);
    if (rc || !full) {
        json_decref(res);
        if (!rc) stk_diags_error(d, NULL, "no matching EC2 VPC found", NULL);
        return -1;
    }
    json_t *fj = stk_aws_value_to_json(full);
    stk_value_unref(full);
    json_t *st = stk_aws_state_start(cfg);
    static const char *const copy[] = {"arn", "cidr_block", "dhcp_options_id", "enable_dns_hostnames", "enable_dns_support",
                                       "enable_network_address_usage_metrics", "id", "instance_tenancy",
                                       "ipv6_association_id", "ipv6_cidr_block", "main_route_table_id", "owner_id"};
    for (size_t i = 0; i < sizeof copy / sizeof *copy; i++) json_object_set(st, copy[i], json_object_get(fj, copy[i]));
    json_decref(fj);
    json_object_set_new(st, "default", json_boolean(json_is_true(json_object_get(v, "IsDefault"))));
    stk_aws_jset_str(st, "state", stk_aws_jstr(v, "State"));
    json_object_set_new(st, "tags", stk_aws_tags_from_list(json_object_get(v, "Tags")));
    json_t *assocs = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(v, "CidrBlockAssociationSet"), i, a)
        json_array_append_new(assocs, json_pack("{s:s?,s:s?,s:s?}", "association_id", stk_aws_jstr(a, "AssociationId"),
                                                "cidr_block", stk_aws_jstr(a, "CidrBlock"), "state",
                                                stk_aws_jstr(json_object_get(a, "CidrBlockState"), "State")));
    json_object_set_new(st, "cidr_block_associations", assocs);
    json_decref(res);
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_vpc_type = {
    "aws_vpc", "aws", STK_RESOURCE_DATA, &dvpc_schema, NULL, NULL, NULL, NULL, NULL, dvpc_read, NULL, NULL,
};

/* ---- aws_subnets ---- */

static const stk_schema_attr subnets_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ids", "list(string)", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"tags", "map(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema_block subnets_blocks[] = {FILTER_BLOCK};
static const stk_schema subnets_schema = {subnets_attrs, STK_AWS_NATTRS(subnets_attrs), subnets_blocks, 1};

static int subnets_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                        stk_diags *d)
{
    *state = NULL;
    json_t *filters = stk_aws_ec2_filters(cfg, "filter");
    add_tag_filters(filters, cfg);
    json_t *params = json_object(), *res = NULL;
    if (json_array_size(filters)) json_object_set(params, "Filters", filters);
    json_decref(filters);
    int rc = stk_aws_paginate(p->client, "ec2", "DescribeSubnets", params, &res, d);
    json_decref(params);
    if (rc) return -1;
    json_t *ids = json_array(), *s;
    size_t i;
    json_array_foreach(json_object_get(res, "Subnets"), i, s)
        if (stk_aws_jstr(s, "SubnetId")) json_array_append_new(ids, json_string(stk_aws_jstr(s, "SubnetId")));
    json_decref(res);
    json_t *st = stk_aws_state_start(cfg);
    stk_aws_jset_str(st, "id", p->region);
    json_object_set_new(st, "ids", ids);
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_subnets_type = {
    "aws_subnets", "aws", STK_RESOURCE_DATA, &subnets_schema, NULL, NULL, NULL, NULL, NULL, subnets_read, NULL, NULL,
};

/* ---- aws_ami ---- */

static const stk_schema_attr ami_attrs[] = {
    {"architecture", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"block_device_mappings", "set(object({device_name=string,ebs=map(string),no_device=string,virtual_name=string}))",
     STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"boot_mode", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"creation_date", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"deprecation_time", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ena_support", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"executable_users", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"hypervisor", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"image_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"image_location", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"image_owner_alias", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"image_type", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"include_deprecated", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"kernel_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"most_recent", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"name", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name_regex", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"owners", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"platform", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"platform_details", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"public", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"ramdisk_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"root_device_name", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"root_device_type", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"root_snapshot_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"sriov_net_support", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"state", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"tags", "map(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"usage_operation", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"virtualization_type", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema_block ami_blocks[] = {FILTER_BLOCK};
static const stk_schema ami_schema = {ami_attrs, STK_AWS_NATTRS(ami_attrs), ami_blocks, 1};

static int ami_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                    stk_diags *d)
{
    *state = NULL;
    json_t *params = json_object(), *res = NULL;
    json_t *owners = stk_aws_get_strings(cfg, "owners"), *users = stk_aws_get_strings(cfg, "executable_users");
    json_t *filters = stk_aws_ec2_filters(cfg, "filter");
    if (json_array_size(owners)) json_object_set(params, "Owners", owners);
    if (json_array_size(users)) json_object_set(params, "ExecutableUsers", users);
    if (json_array_size(filters)) json_object_set(params, "Filters", filters);
    if (stk_aws_get_bool(cfg, "include_deprecated", 0)) json_object_set_new(params, "IncludeDeprecated", json_true());
    json_decref(owners);
    json_decref(users);
    json_decref(filters);
    int rc = stk_aws_paginate(p->client, "ec2", "DescribeImages", params, &res, d);
    json_decref(params);
    if (rc) return -1;
    const char *rx = stk_aws_get_str(cfg, "name_regex");
    pcre2_code *re = NULL;
    if (rx) {
        int err;
        PCRE2_SIZE off;
        re = pcre2_compile((PCRE2_SPTR)rx, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            stk_diags_error(d, NULL, "Invalid name_regex", "aws_ami: name_regex \"%s\": %s at offset %zu", rx, (char *)msg, (size_t)off);
            json_decref(res);
            return -1;
        }
    }
    pcre2_match_data *md = re ? pcre2_match_data_create_from_pattern(re, NULL) : NULL;
    json_t *best = NULL, *img;
    size_t i, n = 0;
    json_array_foreach(json_object_get(res, "Images"), i, img) {
        const char *name = stk_aws_jstr(img, "Name");
        if (re && (!name || pcre2_match(re, (PCRE2_SPTR)name, strlen(name), 0, 0, md, NULL) < 0)) continue;
        n++;
        const char *c = stk_aws_jstr(img, "CreationDate"), *bc = best ? stk_aws_jstr(best, "CreationDate") : NULL;
        if (!best || (c && (!bc || strcmp(c, bc) > 0))) best = img;
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    if (n == 0 || (n > 1 && !stk_aws_get_bool(cfg, "most_recent", 0))) {
        stk_diags_error(d, NULL, n ? "Your query returned more than one result. Please try a more specific search criteria, "
                                     "or set `most_recent` attribute to true."
                                   : "Your query returned no results. Please change your search criteria and try again.",
                        NULL);
        json_decref(res);
        return -1;
    }
    json_t *st = stk_aws_state_start(cfg);
    static const char *const m[][2] = {
        {"architecture", "Architecture"}, {"boot_mode", "BootMode"}, {"creation_date", "CreationDate"},
        {"deprecation_time", "DeprecationTime"}, {"description", "Description"}, {"hypervisor", "Hypervisor"},
        {"id", "ImageId"}, {"image_id", "ImageId"}, {"image_location", "ImageLocation"},
        {"image_owner_alias", "ImageOwnerAlias"}, {"image_type", "ImageType"}, {"kernel_id", "KernelId"},
        {"name", "Name"}, {"owner_id", "OwnerId"}, {"platform", "Platform"}, {"platform_details", "PlatformDetails"},
        {"ramdisk_id", "RamdiskId"}, {"root_device_name", "RootDeviceName"}, {"root_device_type", "RootDeviceType"},
        {"sriov_net_support", "SriovNetSupport"}, {"state", "State"}, {"usage_operation", "UsageOperation"},
        {"virtualization_type", "VirtualizationType"},
    };
    for (size_t k = 0; k < sizeof m / sizeof *m; k++) stk_aws_jset_str(st, m[k][0], stk_aws_jstr(best, m[k][1]));
    json_object_set_new(st, "ena_support", json_boolean(json_is_true(json_object_get(best, "EnaSupport"))));
    json_object_set_new(st, "public", json_boolean(json_is_true(json_object_get(best, "Public"))));
    char *arn = stk_xasprintf("arn:%s:ec2:%s::image/%s", p->partition, p->region, stk_aws_jstr(best, "ImageId"));
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    json_t *bdms = json_array(), *b;
    const char *root_snap = NULL;
    json_array_foreach(json_object_get(best, "BlockDeviceMappings"), i, b) {
        json_t *ebs = json_object(), *e = json_object_get(b, "Ebs");
        const char *k;
        json_t *v;
        json_object_foreach(e, k, v) {
            /* the provider's names: delete_on_termination, snapshot_id, volume_size ... */
            static const char *const map[][2] = {{"DeleteOnTermination", "delete_on_termination"}, {"Encrypted", "encrypted"},
                                                 {"Iops", "iops"}, {"SnapshotId", "snapshot_id"}, {"VolumeSize", "volume_size"},
                                                 {"VolumeType", "volume_type"}, {"Throughput", "throughput"}};
            for (size_t q = 0; q < sizeof map / sizeof *map; q++)
                if (!strcmp(k, map[q][0])) {
                    char *txt = json_is_string(v) ? stk_xstrdup(json_string_value(v))
                              : json_is_boolean(v) ? stk_xstrdup(json_is_true(v) ? "true" : "false")
                              : json_is_integer(v) ? stk_xasprintf("%lld", (long long)json_integer_value(v)) : NULL;
                    if (txt) json_object_set_new(ebs, map[q][1], json_string(txt));
                    free(txt);
                }
        }
        const char *dev = stk_aws_jstr(b, "DeviceName");
        if (dev && stk_aws_jstr(best, "RootDeviceName") && !strcmp(dev, stk_aws_jstr(best, "RootDeviceName")))
            root_snap = stk_aws_jstr(e, "SnapshotId");
        json_array_append_new(bdms, json_pack("{s:s?,s:o,s:s,s:s}", "device_name", dev, "ebs", ebs, "no_device",
                                              stk_aws_jstr(b, "NoDevice") ? stk_aws_jstr(b, "NoDevice") : "", "virtual_name",
                                              stk_aws_jstr(b, "VirtualName") ? stk_aws_jstr(b, "VirtualName") : ""));
    }
    json_object_set_new(st, "block_device_mappings", bdms);
    stk_aws_jset_str(st, "root_snapshot_id", root_snap ? root_snap : "");
    json_object_set_new(st, "tags", stk_aws_tags_from_list(json_object_get(best, "Tags")));
    json_decref(res);
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_ami_type = {
    "aws_ami", "aws", STK_RESOURCE_DATA, &ami_schema, NULL, NULL, NULL, NULL, NULL, ami_read, NULL, NULL,
};

/* ---- aws_region, aws_partition, aws_caller_identity ---- */

static const stk_schema_attr region_attrs[] = {
    {"description", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"endpoint", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema region_schema = {region_attrs, STK_AWS_NATTRS(region_attrs), NULL, 0};

static const char *region_description(const char *r)
{
    static const char *const names[][2] = {
        {"af-south-1", "Africa (Cape Town)"}, {"ap-east-1", "Asia Pacific (Hong Kong)"},
        {"ap-northeast-1", "Asia Pacific (Tokyo)"}, {"ap-northeast-2", "Asia Pacific (Seoul)"},
        {"ap-northeast-3", "Asia Pacific (Osaka)"}, {"ap-south-1", "Asia Pacific (Mumbai)"},
        {"ap-southeast-1", "Asia Pacific (Singapore)"}, {"ap-southeast-2", "Asia Pacific (Sydney)"},
        {"ca-central-1", "Canada (Central)"}, {"eu-central-1", "Europe (Frankfurt)"},
        {"eu-north-1", "Europe (Stockholm)"}, {"eu-south-1", "Europe (Milan)"}, {"eu-west-1", "Europe (Ireland)"},
        {"eu-west-2", "Europe (London)"}, {"eu-west-3", "Europe (Paris)"}, {"me-south-1", "Middle East (Bahrain)"},
        {"sa-east-1", "South America (Sao Paulo)"}, {"us-east-1", "US East (N. Virginia)"},
        {"us-east-2", "US East (Ohio)"}, {"us-west-1", "US West (N. California)"}, {"us-west-2", "US West (Oregon)"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(names[i][0], r)) return names[i][1];
    return "";
}

static int region_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    const char *name = stk_aws_get_str(cfg, "name");
    const char *r = name ? name : p->region;
    char *ep = stk_xasprintf("ec2.%s.%s", r, stk_aws_partition_dns_suffix(stk_aws_partition_of(r)));
    const char *want_ep = stk_aws_get_str(cfg, "endpoint");
    if (want_ep && strcmp(want_ep, ep)) {
        stk_diags_error(d, NULL, "region not found", "aws_region: no region with endpoint \"%s\".", want_ep);
        free(ep);
        return -1;
    }
    json_t *st = json_pack("{s:s,s:s,s:s,s:s}", "name", r, "id", r, "endpoint", ep, "description", region_description(r));
    free(ep);
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_region_type = {
    "aws_region", "aws", STK_RESOURCE_DATA, &region_schema, NULL, NULL, NULL, NULL, NULL, region_read, NULL, NULL,
};

static const stk_schema_attr partition_attrs[] = {
    {"dns_suffix", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"partition", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"reverse_dns_prefix", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema partition_schema = {partition_attrs, STK_AWS_NATTRS(partition_attrs), NULL, 0};

static int partition_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                          stk_diags *d)
{
    const char *suffix = stk_aws_partition_dns_suffix(p->partition);
    const char *rev = !strcmp(p->partition, "aws-cn") ? "cn.com.amazonaws" : "com.amazonaws";
    *state = stk_aws_state_build(t, json_pack("{s:s,s:s,s:s,s:s}", "dns_suffix", suffix, "id", p->partition, "partition",
                                              p->partition, "reverse_dns_prefix", rev), d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_partition_type = {
    "aws_partition", "aws", STK_RESOURCE_DATA, &partition_schema, NULL, NULL, NULL, NULL, NULL, partition_read, NULL, NULL,
};

static const stk_schema_attr ci_attrs[] = {
    {"account_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"user_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema ci_schema = {ci_attrs, STK_AWS_NATTRS(ci_attrs), NULL, 0};

static int ci_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *cfg, stk_value **state,
                   stk_diags *d)
{
    *state = NULL;
    json_t *res = stk_aws_caller_identity(p, d);   /* asked once per provider instance */
    if (!res) return -1;
    const char *acc = stk_aws_jstr(res, "Account");
    json_t *st = json_pack("{s:s?,s:s?,s:s?,s:s?}", "account_id", acc, "id", acc, "arn", stk_aws_jstr(res, "Arn"), "user_id",
                           stk_aws_jstr(res, "UserId"));
    *state = stk_aws_state_build(t, st, d);
    return *state ? 0 : -1;
}

const stk_resource_type stk_data_aws_caller_identity_type = {
    "aws_caller_identity", "aws", STK_RESOURCE_DATA, &ci_schema, NULL, NULL, NULL, NULL, NULL, ci_read, NULL, NULL,
};
