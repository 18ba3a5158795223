/* ec2_launch_template.c - aws_launch_template: CreateLaunchTemplate /
 * DescribeLaunchTemplates + DescribeLaunchTemplateVersions /
 * CreateLaunchTemplateVersion (+ ModifyLaunchTemplate for the default
 * version) / DeleteLaunchTemplate, as terraform-provider-aws does it: a
 * change of the template's data makes a new version (latest_version), which
 * becomes the default when update_default_version is true or
 * default_version names it; state shows the latest version's data.
 * Creates carry the idempotency token as ClientToken.  Import id: the
 * template id (lt-...).
 *
 * Bool-like members the provider keeps as strings ("true" / "false" / "")
 * are strings here too: ebs encrypted / delete_on_termination, ebs_optimized,
 * network_interfaces associate_public_ip_address / delete_on_termination.
 * Not supported yet (not in the schema: a clear "unsupported argument"):
 * instance_requirements, cpu_options, credit_specification, placement,
 * instance_market_options, license_specification, elastic GPUs, enclave and
 * hibernation options, private_dns_name_options, capacity reservations.
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
#define A_F STK_ATTR_FORCE_NEW

static const stk_schema_attr ebs_attrs[] = {
    {"delete_on_termination", "string", A_O, NULL, "\"true\", \"false\" or unset", NULL},
    {"encrypted", "string", A_O, NULL, "\"true\", \"false\" or unset", NULL},
    {"iops", "number", A_O | A_C, NULL, NULL, NULL},
    {"kms_key_id", "string", A_O, NULL, NULL, NULL},
    {"snapshot_id", "string", A_O, NULL, NULL, NULL},
    {"throughput", "number", A_O | A_C, NULL, NULL, NULL},
    {"volume_size", "number", A_O | A_C, NULL, NULL, NULL},
    {"volume_type", "string", A_O | A_C, NULL, NULL, NULL},
};
static const stk_schema ebs_schema = {ebs_attrs, STK_AWS_NATTRS(ebs_attrs), NULL, 0};
static const stk_schema_attr bdm_attrs[] = {
    {"device_name", "string", A_O, NULL, NULL, NULL},
    {"no_device", "string", A_O, NULL, NULL, NULL},
    {"virtual_name", "string", A_O, NULL, NULL, NULL},
};
static const stk_schema_block bdm_blocks[] = {{"ebs", STK_NESTING_LIST, 0, 1, &ebs_schema, 0}};
static const stk_schema bdm_schema = {bdm_attrs, 3, bdm_blocks, 1};
static const stk_schema_attr iip_attrs[] = {
    {"arn", "string", A_O, NULL, NULL, NULL},
    {"name", "string", A_O, NULL, NULL, NULL},
};
static const stk_schema iip_schema = {iip_attrs, 2, NULL, 0};
static const stk_schema_attr mon_attrs[] = {{"enabled", "bool", A_O, NULL, NULL, NULL}};
static const stk_schema mon_schema = {mon_attrs, 1, NULL, 0};
static const stk_schema_attr md_attrs[] = {
    {"http_endpoint", "string", A_O | A_C, NULL, NULL, NULL},
    {"http_protocol_ipv6", "string", A_O | A_C, NULL, NULL, NULL},
    {"http_put_response_hop_limit", "number", A_O | A_C, NULL, NULL, NULL},
    {"http_tokens", "string", A_O | A_C, NULL, NULL, NULL},
    {"instance_metadata_tags", "string", A_O | A_C, NULL, NULL, NULL},
};
static const stk_schema md_schema = {md_attrs, 5, NULL, 0};
static const stk_schema_attr ni_attrs[] = {
    {"associate_public_ip_address", "string", A_O, NULL, NULL, NULL},
    {"delete_on_termination", "string", A_O, NULL, NULL, NULL},
    {"description", "string", A_O, NULL, NULL, NULL},
    {"device_index", "number", A_O, NULL, NULL, NULL},
    {"network_interface_id", "string", A_O, NULL, NULL, NULL},
    {"private_ip_address", "string", A_O, NULL, NULL, NULL},
    {"security_groups", "set(string)", A_O, NULL, NULL, NULL},
    {"subnet_id", "string", A_O, NULL, NULL, NULL},
};
static const stk_schema ni_schema = {ni_attrs, STK_AWS_NATTRS(ni_attrs), NULL, 0};
static const stk_schema_attr ts_attrs[] = {
    {"resource_type", "string", A_O, NULL, NULL, NULL},
    {"tags", "map(string)", A_O, NULL, NULL, NULL},
};
static const stk_schema ts_schema = {ts_attrs, 2, NULL, 0};
static const stk_schema_attr lt_attrs[] = {
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"default_version", "number", A_O | A_C, NULL, NULL, NULL},
    {"description", "string", A_O, NULL, NULL, NULL},
    {"ebs_optimized", "string", A_O, NULL, NULL, NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"image_id", "string", A_O, NULL, NULL, NULL},
    {"instance_initiated_shutdown_behavior", "string", A_O, NULL, NULL, NULL},
    {"instance_type", "string", A_O, NULL, NULL, NULL},
    {"kernel_id", "string", A_O, NULL, NULL, NULL},
    {"key_name", "string", A_O, NULL, NULL, NULL},
    {"latest_version", "number", A_C, NULL, NULL, NULL},
    {"name", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"name_prefix", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"security_group_names", "set(string)", A_O, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"update_default_version", "bool", A_O, NULL, NULL, NULL},
    {"user_data", "string", A_O, NULL, "base64", NULL},
    {"vpc_security_group_ids", "set(string)", A_O, NULL, NULL, NULL},
};
static const stk_schema_block lt_blocks[] = {
    {"block_device_mappings", STK_NESTING_LIST, 0, 0, &bdm_schema, 0},
    {"iam_instance_profile", STK_NESTING_LIST, 0, 1, &iip_schema, 0},
    {"metadata_options", STK_NESTING_LIST, 0, 1, &md_schema, 0},
    {"monitoring", STK_NESTING_LIST, 0, 1, &mon_schema, 0},
    {"network_interfaces", STK_NESTING_LIST, 0, 0, &ni_schema, 0},
    {"tag_specifications", STK_NESTING_LIST, 0, 0, &ts_schema, 0},
};
static const stk_schema lt_schema = {lt_attrs, STK_AWS_NATTRS(lt_attrs), lt_blocks, 6};

static void set_str(json_t *o, const char *key, stk_value *v, const char *attr)
{
    const char *s = stk_aws_get_str(v, attr);
    if (s && *s) json_object_set_new(o, key, json_string(s));
}
/* a provider "bool string": "true"/"false" -> JSON bool; "" / unset -> nothing */
static void set_boolstr(json_t *o, const char *key, stk_value *v, const char *attr)
{
    const char *s = stk_aws_get_str(v, attr);
    if (s && *s) json_object_set_new(o, key, json_boolean(!strcmp(s, "true")));
}
static void set_int(json_t *o, const char *key, stk_value *v, const char *attr)
{
    if (stk_aws_get(v, attr) && stk_aws_get_int(v, attr, 0) != 0) json_object_set_new(o, key, json_integer(stk_aws_get_int(v, attr, 0)));
}

/* LaunchTemplateData from a planned value. */
static json_t *lt_data(stk_provider_instance *p, stk_value *v)
{
    json_t *data = json_object();
    set_str(data, "ImageId", v, "image_id");
    set_str(data, "InstanceType", v, "instance_type");
    set_str(data, "KeyName", v, "key_name");
    set_str(data, "UserData", v, "user_data");
    set_str(data, "KernelId", v, "kernel_id");
    set_str(data, "InstanceInitiatedShutdownBehavior", v, "instance_initiated_shutdown_behavior");
    set_boolstr(data, "EbsOptimized", v, "ebs_optimized");
    if (stk_aws_get_count(v, "vpc_security_group_ids"))
        json_object_set_new(data, "SecurityGroupIds", stk_aws_get_strings(v, "vpc_security_group_ids"));
    if (stk_aws_get_count(v, "security_group_names"))
        json_object_set_new(data, "SecurityGroups", stk_aws_get_strings(v, "security_group_names"));
    stk_value *b;
    if ((b = stk_aws_get_elem(v, "iam_instance_profile", 0))) {
        json_t *o = json_object();
        set_str(o, "Arn", b, "arn");
        set_str(o, "Name", b, "name");
        json_object_set_new(data, "IamInstanceProfile", o);
    }
    if ((b = stk_aws_get_elem(v, "monitoring", 0)))
        json_object_set_new(data, "Monitoring", json_pack("{s:b}", "Enabled", stk_aws_get_bool(b, "enabled", 0)));
    if ((b = stk_aws_get_elem(v, "metadata_options", 0))) {
        json_t *o = json_object();
        set_str(o, "HttpEndpoint", b, "http_endpoint");
        set_str(o, "HttpTokens", b, "http_tokens");
        set_str(o, "HttpProtocolIpv6", b, "http_protocol_ipv6");
        set_str(o, "InstanceMetadataTags", b, "instance_metadata_tags");
        set_int(o, "HttpPutResponseHopLimit", b, "http_put_response_hop_limit");
        json_object_set_new(data, "MetadataOptions", o);
    }
    size_t n = stk_aws_get_count(v, "block_device_mappings");
    if (n) {
        json_t *l = json_array();
        for (size_t i = 0; i < n; i++) {
            stk_value *m = stk_aws_get_elem(v, "block_device_mappings", i);
            json_t *o = json_object();
            set_str(o, "DeviceName", m, "device_name");
            set_str(o, "NoDevice", m, "no_device");
            set_str(o, "VirtualName", m, "virtual_name");
            stk_value *e = stk_aws_get_elem(m, "ebs", 0);
            if (e) {
                json_t *eo = json_object();
                set_boolstr(eo, "DeleteOnTermination", e, "delete_on_termination");
                set_boolstr(eo, "Encrypted", e, "encrypted");
                set_int(eo, "Iops", e, "iops");
                set_int(eo, "Throughput", e, "throughput");
                set_int(eo, "VolumeSize", e, "volume_size");
                set_str(eo, "VolumeType", e, "volume_type");
                set_str(eo, "KmsKeyId", e, "kms_key_id");
                set_str(eo, "SnapshotId", e, "snapshot_id");
                json_object_set_new(o, "Ebs", eo);
            }
            json_array_append_new(l, o);
        }
        json_object_set_new(data, "BlockDeviceMappings", l);
    }
    n = stk_aws_get_count(v, "network_interfaces");
    if (n) {
        json_t *l = json_array();
        for (size_t i = 0; i < n; i++) {
            stk_value *m = stk_aws_get_elem(v, "network_interfaces", i);
            json_t *o = json_object();
            set_boolstr(o, "AssociatePublicIpAddress", m, "associate_public_ip_address");
            set_boolstr(o, "DeleteOnTermination", m, "delete_on_termination");
            set_str(o, "Description", m, "description");
            json_object_set_new(o, "DeviceIndex", json_integer(stk_aws_get_int(m, "device_index", 0)));
            set_str(o, "NetworkInterfaceId", m, "network_interface_id");
            set_str(o, "PrivateIpAddress", m, "private_ip_address");
            set_str(o, "SubnetId", m, "subnet_id");
            if (stk_aws_get_count(m, "security_groups")) json_object_set_new(o, "Groups", stk_aws_get_strings(m, "security_groups"));
            json_array_append_new(l, o);
        }
        json_object_set_new(data, "NetworkInterfaces", l);
    }
    n = stk_aws_get_count(v, "tag_specifications");
    if (n) {
        json_t *l = json_array();
        for (size_t i = 0; i < n; i++) {
            stk_value *m = stk_aws_get_elem(v, "tag_specifications", i);
            json_t *tags = stk_aws_tags_get(m, "tags");
            json_t *o = json_pack("{s:s,s:o}", "ResourceType", stk_aws_get_str(m, "resource_type") ? stk_aws_get_str(m, "resource_type") : "instance",
                                  "Tags", stk_aws_tags_to_list(tags));
            json_decref(tags);
            json_array_append_new(l, o);
        }
        json_object_set_new(data, "TagSpecifications", l);
    }
    (void)p;
    return data;
}

static json_t *boolstr(json_t *b) { return b ? json_string(json_is_true(b) ? "true" : "false") : json_null(); }
static json_t *num_or_null(json_t *n) { return n ? json_incref(n) : json_null(); }

/* The state's blocks and attributes from a version's LaunchTemplateData. */
static void lt_flatten(json_t *st, json_t *data)
{
    stk_aws_jset_str(st, "image_id", stk_aws_jstr(data, "ImageId"));
    stk_aws_jset_str(st, "instance_type", stk_aws_jstr(data, "InstanceType"));
    stk_aws_jset_str(st, "key_name", stk_aws_jstr(data, "KeyName"));
    stk_aws_jset_str(st, "user_data", stk_aws_jstr(data, "UserData"));
    stk_aws_jset_str(st, "kernel_id", stk_aws_jstr(data, "KernelId"));
    stk_aws_jset_str(st, "instance_initiated_shutdown_behavior", stk_aws_jstr(data, "InstanceInitiatedShutdownBehavior"));
    json_t *eo = json_object_get(data, "EbsOptimized");
    if (eo) json_object_set_new(st, "ebs_optimized", boolstr(eo));
    json_t *sg = json_object_get(data, "SecurityGroupIds");
    json_object_set_new(st, "vpc_security_group_ids", sg ? json_incref(sg) : json_array());
    sg = json_object_get(data, "SecurityGroups");
    json_object_set_new(st, "security_group_names", sg ? json_incref(sg) : json_array());
    json_t *o, *l = json_array();
    if ((o = json_object_get(data, "IamInstanceProfile")))
        json_array_append_new(l, json_pack("{s:s?,s:s?}", "arn", stk_aws_jstr(o, "Arn"), "name", stk_aws_jstr(o, "Name")));
    json_object_set_new(st, "iam_instance_profile", l);
    l = json_array();
    if ((o = json_object_get(data, "Monitoring")))
        json_array_append_new(l, json_pack("{s:b}", "enabled", json_is_true(json_object_get(o, "Enabled"))));
    json_object_set_new(st, "monitoring", l);
    l = json_array();
    if ((o = json_object_get(data, "MetadataOptions")))
        json_array_append_new(l, json_pack("{s:s?,s:s?,s:s?,s:s?,s:o}", "http_endpoint", stk_aws_jstr(o, "HttpEndpoint"),
                                           "http_tokens", stk_aws_jstr(o, "HttpTokens"), "http_protocol_ipv6",
                                           stk_aws_jstr(o, "HttpProtocolIpv6"), "instance_metadata_tags",
                                           stk_aws_jstr(o, "InstanceMetadataTags"), "http_put_response_hop_limit",
                                           num_or_null(json_object_get(o, "HttpPutResponseHopLimit"))));
    json_object_set_new(st, "metadata_options", l);
    l = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(data, "BlockDeviceMappings"), i, m) {
        json_t *e = json_object_get(m, "Ebs"), *el = json_array();
        if (e)
            json_array_append_new(el, json_pack("{s:o,s:o,s:o,s:o,s:o,s:s?,s:s?,s:s?}", "delete_on_termination",
                                                boolstr(json_object_get(e, "DeleteOnTermination")),
                                                "encrypted", boolstr(json_object_get(e, "Encrypted")),
                                                "iops", num_or_null(json_object_get(e, "Iops")), "throughput",
                                                num_or_null(json_object_get(e, "Throughput")), "volume_size",
                                                num_or_null(json_object_get(e, "VolumeSize")), "volume_type",
                                                stk_aws_jstr(e, "VolumeType"), "kms_key_id", stk_aws_jstr(e, "KmsKeyId"),
                                                "snapshot_id", stk_aws_jstr(e, "SnapshotId")));
        json_array_append_new(l, json_pack("{s:s?,s:s?,s:s?,s:o}", "device_name", stk_aws_jstr(m, "DeviceName"), "no_device",
                                           stk_aws_jstr(m, "NoDevice"), "virtual_name", stk_aws_jstr(m, "VirtualName"),
                                           "ebs", el));
    }
    json_object_set_new(st, "block_device_mappings", l);
    l = json_array();
    json_array_foreach(json_object_get(data, "NetworkInterfaces"), i, m) {
        json_t *g = json_object_get(m, "Groups");
        json_array_append_new(l, json_pack("{s:o,s:o,s:s?,s:o,s:s?,s:s?,s:o,s:s?}", "associate_public_ip_address",
                                           boolstr(json_object_get(m, "AssociatePublicIpAddress")), "delete_on_termination",
                                           boolstr(json_object_get(m, "DeleteOnTermination")), "description",
                                           stk_aws_jstr(m, "Description"), "device_index",
                                           num_or_null(json_object_get(m, "DeviceIndex")), "network_interface_id",
                                           stk_aws_jstr(m, "NetworkInterfaceId"), "private_ip_address",
                                           stk_aws_jstr(m, "PrivateIpAddress"), "security_groups", g ? json_incref(g) : json_array(),
                                           "subnet_id", stk_aws_jstr(m, "SubnetId")));
    }
    json_object_set_new(st, "network_interfaces", l);
    l = json_array();
    json_array_foreach(json_object_get(data, "TagSpecifications"), i, m) {
        /* moto files the template's own tags (CreateLaunchTemplate's
           TagSpecifications) under the data too; AWS never has them there */
        const char *rt = stk_aws_jstr(m, "ResourceType");
        if (rt && !strcmp(rt, "launch-template")) continue;
        json_array_append_new(l, json_pack("{s:s?,s:o}", "resource_type", stk_aws_jstr(m, "ResourceType"), "tags",
                                           stk_aws_tags_from_list(json_object_get(m, "Tags"))));
    }
    json_object_set_new(st, "tag_specifications", l);
}

static int lt_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "LaunchTemplateIds", id), *res = NULL;
    int rc = stk_aws_batch_call_nf(p, "ec2", "DescribeLaunchTemplates", params, "LaunchTemplates", NULL, id, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *lt = json_incref(json_array_get(json_object_get(res, "LaunchTemplates"), 0));
    json_decref(res);
    if (!lt) return 0;
    json_int_t latest = json_integer_value(json_object_get(lt, "LatestVersionNumber"));
    char ver[32];
    snprintf(ver, sizeof ver, "%lld", (long long)latest);
    params = json_pack("{s:s,s:[s]}", "LaunchTemplateId", id, "Versions", ver);
    rc = stk_aws_call(p->client, "ec2", "DescribeLaunchTemplateVersions", params, &res, d);
    json_decref(params);
    if (rc != 0) {
        json_decref(lt);
        return -1;
    }
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "name", stk_aws_jstr(lt, "LaunchTemplateName"));
    json_object_set_new(st, "latest_version", json_integer(latest));
    json_object_set_new(st, "default_version", json_integer(json_integer_value(json_object_get(lt, "DefaultVersionNumber"))));
    json_t *v = json_array_get(json_object_get(res, "LaunchTemplateVersions"), 0);
    stk_aws_jset_str(st, "description", stk_aws_jstr(v, "VersionDescription"));
    lt_flatten(st, json_object_get(v, "LaunchTemplateData"));
    json_decref(res);
    char *resname = stk_xasprintf("launch-template/%s", id);
    char *arn = stk_aws_arn(p, "ec2", NULL, resname, d);
    free(resname);
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    json_t *tags = stk_aws_tags_from_list(json_object_get(lt, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(lt);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int lt_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_aws_cmp_name(planned, 0);
    json_t *params = json_pack("{s:s,s:o}", "LaunchTemplateName", name, "LaunchTemplateData", lt_data(p, planned));
    free(name);
    const char *s = stk_aws_get_str(planned, "description");
    if (s) json_object_set_new(params, "VersionDescription", json_string(s));
    const char *tok = stk_aws_idempotency_token();
    if (tok) json_object_set_new(params, "ClientToken", json_string(tok));
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("launch-template", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    /* a fresh instance profile may not be usable yet (IAM propagation) */
    static const char *const retry[] = {"InvalidParameterValue:Invalid IamInstanceProfile",
                                        "InvalidIamInstanceProfile", NULL};
    json_t *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", "CreateLaunchTemplate", params, &res, retry, 120, d);
    json_decref(params);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "Launch template not created", "ec2 CreateLaunchTemplate: not found");
        return -1;
    }
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "LaunchTemplate"), "LaunchTemplateId"));
    json_decref(res);
    rc = lt_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    free(id);
    return rc;
}

static int lt_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? lt_read_id(p, t, id, prior, new_state, d) : 0;
}

static int lt_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *od = lt_data(p, prior), *nd = lt_data(p, planned), *res = NULL;
    const char *odesc = stk_aws_get_str(prior, "description"), *ndesc = stk_aws_get_str(planned, "description");
    int changed = !json_equal(od, nd) || strcmp(odesc ? odesc : "", ndesc ? ndesc : "");
    int rc = 0;
    long long latest = stk_aws_get_int(prior, "latest_version", 1);
    if (changed) {
        json_t *params = json_pack("{s:s,s:O}", "LaunchTemplateId", id, "LaunchTemplateData", nd);
        if (ndesc) json_object_set_new(params, "VersionDescription", json_string(ndesc));
        static const char *const retry[] = {"InvalidParameterValue:Invalid IamInstanceProfile", NULL};
        rc = stk_aws_call_retry(p, "ec2", "CreateLaunchTemplateVersion", params, &res, retry, 120, d);
        json_decref(params);
        if (rc == 0)
            latest = (long long)json_integer_value(json_object_get(json_object_get(res, "LaunchTemplateVersion"), "VersionNumber"));
        json_decref(res);
        res = NULL;
        if (rc == 1) rc = -1;
    }
    json_decref(od);
    json_decref(nd);
    long long want_default = 0;
    if (rc == 0 && stk_aws_get_bool(planned, "update_default_version", 0)) want_default = latest;
    else if (rc == 0 && stk_aws_get(planned, "default_version") &&
             stk_aws_get_int(planned, "default_version", 0) != stk_aws_get_int(prior, "default_version", 0))
        want_default = stk_aws_get_int(planned, "default_version", 0);
    if (rc == 0 && want_default > 0 && want_default != stk_aws_get_int(prior, "default_version", 0)) {
        char ver[32];
        snprintf(ver, sizeof ver, "%lld", want_default);
        json_t *params = json_pack("{s:s,s:s}", "LaunchTemplateId", id, "DefaultVersion", ver);
        rc = stk_aws_call(p->client, "ec2", "ModifyLaunchTemplate", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0) {
        json_t *o = stk_aws_tags_get(prior, "tags_all"), *n = stk_aws_tags_all(p, planned);
        rc = stk_aws_ec2_update_tags(p, id, o, n, d);
        json_decref(o);
        json_decref(n);
    }
    if (rc != 0) return -1;
    rc = lt_read_id(p, t, id, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, id, *new_state, d) : rc;
}

static int lt_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "LaunchTemplateId", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DeleteLaunchTemplate", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int lt_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery (recover.h): the template's name (given, or made from the
   create's token as lt_create makes it) finds it again. */
static const char *const lt_keys[] = {"name", "name_prefix", "update_default_version", NULL};

static char *lt_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token)
{
    (void)t;
    char *name = stk_aws_cmp_name_token(planned, 0, token);
    char *s = stk_aws_recover_info(p, planned, token, name, lt_keys);
    free(name);
    return s;
}

static int lt_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *name = stk_aws_jstr(info, "name");
    char *id = stk_aws_jstr(info, "id") ? stk_xstrdup(stk_aws_jstr(info, "id")) : NULL;
    int rc = 0;
    if (!id && name) {
        stk_recover_note_found_by("its name");
        json_t *params = json_pack("{s:[s]}", "LaunchTemplateNames", name), *res = NULL;
        rc = stk_aws_call_nf(p, "ec2", "DescribeLaunchTemplates", params, &res, d);
        json_decref(params);
        const char *found = stk_aws_jstr(json_array_get(json_object_get(res, "LaunchTemplates"), 0), "LaunchTemplateId");
        if (rc == 0 && found) id = stk_xstrdup(found);
        json_decref(res);
        rc = rc < 0 ? -1 : 0;
    } else if (!id) {
        rc = stk_aws_recover_cannot(d, t, "the interrupted create recorded no name");
    }
    if (rc == 0 && id) {
        stk_value *seed = stk_aws_recover_seed(t, info, id, d);
        rc = seed ? lt_read_id(p, t, id, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(id);
    json_decref(info);
    return rc;
}

/* refresh by batch: one DescribeLaunchTemplates for every object being refreshed */
static int lt_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_read_batch_by(p, priors, n, "id", "ec2", "DescribeLaunchTemplates", "LaunchTemplateIds", 200, "LaunchTemplates", NULL,
                                 "LaunchTemplateId", d);
}

const stk_resource_type stk_aws_launch_template_type = {
    "aws_launch_template", "aws", STK_RESOURCE_MANAGED, &lt_schema, lt_create, lt_read, lt_update, lt_delete,
    lt_import, NULL, lt_journal_info, lt_recover, lt_read_batch,
};
