/* ec2_instance.c - aws_instance (RunInstances / DescribeInstances /
 * ModifyInstanceAttribute / TerminateInstances) and aws_key_pair
 * (ImportKeyPair / DescribeKeyPairs / DeleteKeyPair), with
 * terraform-provider-aws's names, defaults and force-new rules.
 *
 * aws_instance: RunInstances carries the create's idempotency token as
 * ClientToken; the create waits for "running" (InstanceRunning) and is
 * retried while IAM has not propagated a fresh instance profile ("Invalid
 * IamInstanceProfile"); delete waits for "terminated".  user_data is kept in
 * state as the provider v5 keeps it: the SHA-1 hex of the (base64-decoded
 * when valid base64) user data; the attribute's normaliser applies the same
 * hash to the configuration so plans compare like with like.
 * user_data_base64 is kept as given.  Updates in place: instance_type
 * (stop / modify / start), vpc_security_group_ids, monitoring
 * (Monitor/UnmonitorInstances), iam_instance_profile (Associate /
 * ReplaceIamInstanceProfileAssociation / Disassociate, retried while IAM
 * propagates a new profile), tags, volume_tags; user_data changes replace (user_data_replace_on_change is
 * not modelled: the provider's default updates it with a stop/start, stk
 * replaces - said here plainly).  Import id: the instance id.
 *
 * aws_key_pair: import id is the key name.
 */
#include "aws/common.h"
#include "aws/compute_shared.h"
#include "aws/recover.h"
#include "aws/aws_types.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A_C STK_ATTR_COMPUTED
#define A_O STK_ATTR_OPTIONAL
#define A_R STK_ATTR_REQUIRED
#define A_F STK_ATTR_FORCE_NEW

/* ---- user data hashing ---- */

/* Decoded base64 (malloc'd, *n its length), or NULL when s is not base64. */
static unsigned char *b64_decode(const char *s, size_t *n)
{
    size_t len = strlen(s);
    if (len == 0 || len % 4) return NULL;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' && !(s[i] == '=' && i >= len - 2)) return NULL;
    unsigned char *out = malloc(len);
    int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    if (r < 0) {
        free(out);
        return NULL;
    }
    size_t pad = (s[len - 1] == '=') + (s[len - 2] == '=');
    *n = (size_t)r - pad;
    return out;
}

static char *b64_encode(const char *s, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static int is_sha1_hex(const char *s, size_t n)
{
    if (n != 40) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) return 0;
    return 1;
}

/* The provider's userDataHashSum: sha1 hex of the base64-decoded data when
   it is base64, else of the text itself. */
static char *user_data_hash(const char *s)
{
    size_t n = 0;
    unsigned char *dec = b64_decode(s, &n);
    unsigned char h[SHA_DIGEST_LENGTH];
    if (dec) SHA1(dec, n, h);
    else SHA1((const unsigned char *)s, strlen(s), h);
    free(dec);
    char *hex = malloc(41);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    return hex;
}

static stk_value *user_data_normalize(stk_value *v)
{
    if (stk_value_kind(v) != STK_TY_STRING) return stk_value_ref(v);
    const char *s = stk_value_str(v);
    if (is_sha1_hex(s, strlen(s))) return stk_value_ref(v);
    return stk_value_string_take(user_data_hash(s));
}

/* ================= aws_instance ================= */

static const stk_schema_attr root_attrs[] = {
    {"delete_on_termination", "bool", A_O, "true", NULL, NULL},
    {"device_name", "string", A_C, NULL, NULL, NULL},
    {"encrypted", "bool", A_O | A_C | A_F, NULL, NULL, NULL},
    {"iops", "number", A_O | A_C, NULL, NULL, NULL},
    {"kms_key_id", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"tags", "map(string)", A_O, NULL, NULL, NULL},
    {"throughput", "number", A_O | A_C, NULL, NULL, NULL},
    {"volume_id", "string", A_C, NULL, NULL, NULL},
    {"volume_size", "number", A_O | A_C, NULL, NULL, NULL},
    {"volume_type", "string", A_O | A_C, NULL, NULL, NULL},
};
static const stk_schema root_schema = {root_attrs, STK_AWS_NATTRS(root_attrs), NULL, 0};
static const stk_schema_attr inst_attrs[] = {
    {"ami", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"associate_public_ip_address", "bool", A_O | A_C | A_F, NULL, NULL, NULL},
    {"availability_zone", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"disable_api_termination", "bool", A_O | A_C, NULL, NULL, NULL},
    {"ebs_optimized", "bool", A_O | A_C | A_F, NULL, NULL, NULL},
    {"iam_instance_profile", "string", A_O | A_C, NULL, "instance profile name", NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"instance_state", "string", A_C, NULL, NULL, NULL},
    {"instance_type", "string", A_O | A_C, NULL, NULL, NULL},
    {"key_name", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"monitoring", "bool", A_O | A_C, NULL, NULL, NULL},
    {"outpost_arn", "string", A_C, NULL, NULL, NULL},
    {"primary_network_interface_id", "string", A_C, NULL, NULL, NULL},
    {"private_dns", "string", A_C, NULL, NULL, NULL},
    {"private_ip", "string", A_O | A_C | A_F | STK_ATTR_CIDR, NULL, NULL, NULL},
    {"public_dns", "string", A_C, NULL, NULL, NULL},
    {"public_ip", "string", A_C, NULL, NULL, NULL},
    {"security_groups", "set(string)", A_O | A_C | A_F, NULL, "group names (EC2-Classic / default VPC)", NULL},
    {"source_dest_check", "bool", A_O, "true", NULL, NULL},
    {"subnet_id", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"tenancy", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"user_data", "string", A_O | A_C | A_F, NULL, "kept in state as its SHA-1 hex, as the provider does",
     user_data_normalize},
    {"user_data_base64", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"volume_tags", "map(string)", A_O, NULL, NULL, NULL},
    {"vpc_security_group_ids", "set(string)", A_O | A_C, NULL, NULL, NULL},
};
static const stk_schema_block inst_blocks[] = {
    {"root_block_device", STK_NESTING_LIST, 0, 1, &root_schema, STK_ATTR_COMPUTED},
};
static const stk_schema inst_schema = {inst_attrs, STK_AWS_NATTRS(inst_attrs), inst_blocks, 1};

/* The root volume of an instance (DescribeVolumes), or NULL. */
static json_t *root_volume(stk_provider_instance *p, const char *vol_id, stk_diags *d)
{
    json_t *v = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeVolumes", "VolumeIds", vol_id, "Volumes", &v, d);
    return rc == 0 ? v : NULL;
}

static int inst_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "InstanceIds", id), *res = NULL;
    int rc = stk_aws_batch_call_nf(p, "ec2", "DescribeInstances", params, "Reservations", "Instances", id, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *in = json_incref(json_array_get(json_object_get(json_array_get(json_object_get(res, "Reservations"), 0), "Instances"), 0));
    json_decref(res);
    if (!in) return 0;
    const char *state = stk_aws_jstr(json_object_get(in, "State"), "Name");
    if (state && (!strcmp(state, "terminated") || !strcmp(state, "shutting-down"))) {
        json_decref(in);
        return 0;   /* gone, as the provider treats it */
    }
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "ami", stk_aws_jstr(in, "ImageId"));
    stk_aws_jset_str(st, "instance_type", stk_aws_jstr(in, "InstanceType"));
    stk_aws_jset_str(st, "instance_state", state);
    stk_aws_jset_str(st, "subnet_id", stk_aws_jstr(in, "SubnetId"));
    stk_aws_jset_str(st, "private_ip", stk_aws_jstr(in, "PrivateIpAddress"));
    stk_aws_jset_str(st, "private_dns", stk_aws_jstr(in, "PrivateDnsName"));
    stk_aws_jset_str(st, "public_ip", stk_aws_jstr(in, "PublicIpAddress") ? stk_aws_jstr(in, "PublicIpAddress") : "");
    stk_aws_jset_str(st, "public_dns", stk_aws_jstr(in, "PublicDnsName") ? stk_aws_jstr(in, "PublicDnsName") : "");
    stk_aws_jset_str(st, "key_name", stk_aws_jstr(in, "KeyName") ? stk_aws_jstr(in, "KeyName") : "");
    stk_aws_jset_str(st, "availability_zone", stk_aws_jstr(json_object_get(in, "Placement"), "AvailabilityZone"));
    stk_aws_jset_str(st, "tenancy", stk_aws_jstr(json_object_get(in, "Placement"), "Tenancy"));
    stk_aws_jset_str(st, "outpost_arn", stk_aws_jstr(in, "OutpostArn") ? stk_aws_jstr(in, "OutpostArn") : "");
    json_object_set_new(st, "disable_api_termination", json_boolean(stk_aws_get_bool(base, "disable_api_termination", 0)));
    json_object_set_new(st, "ebs_optimized", json_boolean(json_is_true(json_object_get(in, "EbsOptimized"))));
    const char *mon = stk_aws_jstr(json_object_get(in, "Monitoring"), "State");
    json_object_set_new(st, "monitoring", json_boolean(mon && (!strcmp(mon, "enabled") || !strcmp(mon, "pending"))));
    json_t *sdc = json_object_get(in, "SourceDestCheck");
    json_object_set_new(st, "source_dest_check", json_boolean(!sdc || json_is_true(sdc)));
    /* iam_instance_profile: the name (last part of the profile ARN) */
    const char *parn = stk_aws_jstr(json_object_get(in, "IamInstanceProfile"), "Arn");
    stk_aws_jset_str(st, "iam_instance_profile", parn && strrchr(parn, '/') ? strrchr(parn, '/') + 1 : "");
    json_t *sgids = json_array(), *sgnames = json_array(), *g;
    size_t i;
    json_array_foreach(json_object_get(in, "SecurityGroups"), i, g) {
        json_array_append_new(sgids, json_string(stk_aws_jstr(g, "GroupId")));
        json_array_append_new(sgnames, json_string(stk_aws_jstr(g, "GroupName")));
    }
    json_object_set_new(st, "vpc_security_group_ids", sgids);
    if (stk_aws_get_count(base, "security_groups") || !stk_aws_jstr(in, "SubnetId")) json_object_set_new(st, "security_groups", sgnames);
    else {
        json_decref(sgnames);
        json_object_set_new(st, "security_groups", json_array());
    }
    json_t *eni, *primary = NULL;
    json_array_foreach(json_object_get(in, "NetworkInterfaces"), i, eni) {
        json_t *di = json_object_get(json_object_get(eni, "Attachment"), "DeviceIndex");
        if (!primary || (di && json_integer_value(di) == 0)) primary = eni;
    }
    stk_aws_jset_str(st, "primary_network_interface_id", stk_aws_jstr(primary, "NetworkInterfaceId"));
    if (!stk_aws_get(base, "associate_public_ip_address"))
        json_object_set_new(st, "associate_public_ip_address", json_boolean(stk_aws_jstr(in, "PublicIpAddress") != NULL));
    char *resname = stk_xasprintf("instance/%s", id);
    char *arn = stk_aws_arn(p, "ec2", NULL, resname, d);
    free(resname);
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    json_t *tags = stk_aws_tags_from_list(json_object_get(in, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);

    /* root volume */
    const char *rdn = stk_aws_jstr(in, "RootDeviceName");
    json_t *bdm, *root = json_array();
    json_array_foreach(json_object_get(in, "BlockDeviceMappings"), i, bdm) {
        if (!rdn || strcmp(rdn, stk_aws_jstr(bdm, "DeviceName") ? stk_aws_jstr(bdm, "DeviceName") : "")) continue;
        json_t *ebs = json_object_get(bdm, "Ebs");
        const char *vid = stk_aws_jstr(ebs, "VolumeId");
        json_t *vol = vid ? root_volume(p, vid, d) : NULL;
        if (vid && !vol) {
            json_decref(in);
            json_decref(st);
            json_decref(root);
            return -1;
        }
        json_t *r = json_pack("{s:s,s:s?,s:b,s:b,s:O?,s:O?,s:O?,s:s?,s:s}", "device_name", rdn, "volume_id", vid,
                              "delete_on_termination", json_is_true(json_object_get(ebs, "DeleteOnTermination")),
                              "encrypted", json_is_true(json_object_get(vol, "Encrypted")), "volume_size",
                              json_object_get(vol, "Size"), "iops", json_object_get(vol, "Iops"), "throughput",
                              json_object_get(vol, "Throughput"), "volume_type", stk_aws_jstr(vol, "VolumeType"),
                              "kms_key_id", stk_aws_jstr(vol, "KmsKeyId") ? stk_aws_jstr(vol, "KmsKeyId") : "");
        if (json_is_null(json_object_get(r, "iops"))) json_object_set_new(r, "iops", json_integer(0));
        if (json_is_null(json_object_get(r, "throughput"))) json_object_set_new(r, "throughput", json_integer(0));
        stk_value *bro = stk_aws_get_elem(base, "root_block_device", 0);
        json_t *rt = bro ? stk_aws_get_json(bro, "tags") : NULL;
        json_object_set_new(r, "tags", rt ? rt : json_null());
        json_decref(vol);
        json_array_append_new(root, r);
    }
    json_object_set_new(st, "root_block_device", root);
    json_decref(in);

    /* user data: kept as the configuration gave it (hash / base64); read back
       only when nothing is known of it (import) */
    if (!stk_aws_get(base, "user_data") && !stk_aws_get(base, "user_data_base64")) {
        params = json_pack("{s:s,s:s}", "InstanceId", id, "Attribute", "userData");
        rc = stk_aws_call(p->client, "ec2", "DescribeInstanceAttribute", params, &res, d);
        json_decref(params);
        if (rc != 0) {
            json_decref(st);
            return -1;
        }
        const char *ud = stk_aws_jstr(json_object_get(res, "UserData"), "Value");
        if (ud) {
            char *h = user_data_hash(ud);
            stk_aws_jset_str(st, "user_data", h);
            free(h);
        }
        json_decref(res);
    } else if (stk_aws_get_str(base, "user_data")) {
        char *h = user_data_hash(stk_aws_get_str(base, "user_data"));
        if (is_sha1_hex(stk_aws_get_str(base, "user_data"), strlen(stk_aws_get_str(base, "user_data")))) {
            free(h);
            h = stk_xstrdup(stk_aws_get_str(base, "user_data"));
        }
        stk_aws_jset_str(st, "user_data", h);
        free(h);
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

/* The root device name of an AMI (DescribeImages), NULL when unknown. */
static char *ami_root_device(stk_provider_instance *p, const char *ami, stk_diags *d)
{
    json_t *img = NULL;
    if (stk_aws_ec2_describe_one(p, "DescribeImages", "ImageIds", ami, "Images", &img, d) != 0) return NULL;
    char *r = stk_aws_jstr(img, "RootDeviceName") ? stk_xstrdup(stk_aws_jstr(img, "RootDeviceName")) : NULL;
    json_decref(img);
    return r;
}

static int inst_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *ami = stk_aws_get_str(planned, "ami");
    if (!ami) {
        stk_diags_error(d, NULL, "Missing required argument", "aws_instance: \"ami\" is required (launch_template is not supported by stk yet).");
        return -1;
    }
    json_t *params = json_pack("{s:s,s:i,s:i}", "ImageId", ami, "MinCount", 1, "MaxCount", 1);
    const char *tok = stk_aws_idempotency_token();
    if (tok) json_object_set_new(params, "ClientToken", json_string(tok));
    const char *s;
    if ((s = stk_aws_get_str(planned, "instance_type"))) json_object_set_new(params, "InstanceType", json_string(s));
    if ((s = stk_aws_get_str(planned, "key_name")) && *s) json_object_set_new(params, "KeyName", json_string(s));
    if ((s = stk_aws_get_str(planned, "iam_instance_profile")) && *s)
        json_object_set_new(params, "IamInstanceProfile",
                            !strncmp(s, "arn:", 4) ? json_pack("{s:s}", "Arn", s) : json_pack("{s:s}", "Name", s));
    if ((s = stk_aws_get_str(planned, "user_data"))) {
        char *b = b64_encode(s, strlen(s));
        json_object_set_new(params, "UserData", json_string(b));
        free(b);
    } else if ((s = stk_aws_get_str(planned, "user_data_base64"))) {
        json_object_set_new(params, "UserData", json_string(s));
    }
    if (stk_aws_get(planned, "monitoring"))
        json_object_set_new(params, "Monitoring", json_pack("{s:b}", "Enabled", stk_aws_get_bool(planned, "monitoring", 0)));
    if (stk_aws_get(planned, "ebs_optimized")) json_object_set_new(params, "EbsOptimized", json_boolean(stk_aws_get_bool(planned, "ebs_optimized", 0)));
    if (stk_aws_get(planned, "disable_api_termination"))
        json_object_set_new(params, "DisableApiTermination", json_boolean(stk_aws_get_bool(planned, "disable_api_termination", 0)));
    json_t *placement = json_object();
    if ((s = stk_aws_get_str(planned, "availability_zone"))) json_object_set_new(placement, "AvailabilityZone", json_string(s));
    if ((s = stk_aws_get_str(planned, "tenancy"))) json_object_set_new(placement, "Tenancy", json_string(s));
    if (json_object_size(placement)) json_object_set_new(params, "Placement", placement);
    else json_decref(placement);
    json_t *sgs = stk_aws_get_strings(planned, "vpc_security_group_ids");
    const char *subnet = stk_aws_get_str(planned, "subnet_id");
    if (stk_aws_get(planned, "associate_public_ip_address")) {
        json_t *ni = json_pack("{s:i,s:b,s:b}", "DeviceIndex", 0, "AssociatePublicIpAddress",
                               stk_aws_get_bool(planned, "associate_public_ip_address", 0), "DeleteOnTermination", 1);
        if (subnet) json_object_set_new(ni, "SubnetId", json_string(subnet));
        if (json_array_size(sgs)) json_object_set(ni, "Groups", sgs);
        if ((s = stk_aws_get_str(planned, "private_ip"))) json_object_set_new(ni, "PrivateIpAddress", json_string(s));
        json_object_set_new(params, "NetworkInterfaces", json_pack("[o]", ni));
    } else {
        if (subnet) json_object_set_new(params, "SubnetId", json_string(subnet));
        if (json_array_size(sgs)) json_object_set(params, "SecurityGroupIds", sgs);
        if ((s = stk_aws_get_str(planned, "private_ip"))) json_object_set_new(params, "PrivateIpAddress", json_string(s));
        if (stk_aws_get_count(planned, "security_groups"))
            json_object_set_new(params, "SecurityGroups", stk_aws_get_strings(planned, "security_groups"));
    }
    json_decref(sgs);
    stk_value *rbd = stk_aws_get_elem(planned, "root_block_device", 0);
    if (rbd) {
        char *dev = ami_root_device(p, ami, d);
        if (!dev) {
            if (!stk_diags_has_errors(d))
                stk_diags_error(d, NULL, "AMI not found", "aws_instance: AMI %s was not found (needed for root_block_device).", ami);
            json_decref(params);
            return -1;
        }
        json_t *ebs = json_pack("{s:b}", "DeleteOnTermination", stk_aws_get_bool(rbd, "delete_on_termination", 1));
        if (stk_aws_get(rbd, "volume_size")) json_object_set_new(ebs, "VolumeSize", json_integer(stk_aws_get_int(rbd, "volume_size", 8)));
        if ((s = stk_aws_get_str(rbd, "volume_type"))) json_object_set_new(ebs, "VolumeType", json_string(s));
        if (stk_aws_get(rbd, "encrypted")) json_object_set_new(ebs, "Encrypted", json_boolean(stk_aws_get_bool(rbd, "encrypted", 0)));
        if ((s = stk_aws_get_str(rbd, "kms_key_id")) && *s) json_object_set_new(ebs, "KmsKeyId", json_string(s));
        if (stk_aws_get_int(rbd, "iops", 0) > 0) json_object_set_new(ebs, "Iops", json_integer(stk_aws_get_int(rbd, "iops", 0)));
        if (stk_aws_get_int(rbd, "throughput", 0) > 0) json_object_set_new(ebs, "Throughput", json_integer(stk_aws_get_int(rbd, "throughput", 0)));
        json_object_set_new(params, "BlockDeviceMappings", json_pack("[{s:s,s:o}]", "DeviceName", dev, "Ebs", ebs));
        free(dev);
    }
    json_t *specs = json_array();
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("instance", tags_all);
    if (spec) json_array_extend(specs, spec), json_decref(spec);
    json_t *vt = stk_aws_tags_get(planned, "volume_tags");
    if (json_object_size(vt)) {
        json_t *merged = stk_aws_tags_merge(p->default_tags, vt);
        spec = stk_aws_ec2_tag_specs("volume", merged);
        if (spec) json_array_extend(specs, spec), json_decref(spec);
        json_decref(merged);
    }
    json_decref(vt);
    json_decref(tags_all);
    if (json_array_size(specs)) json_object_set_new(params, "TagSpecifications", specs);
    else json_decref(specs);

    static const char *const retry[] = {"InvalidParameterValue:Invalid IamInstanceProfile",
                                        "InvalidParameterValue:IAM Instance Profile", "InvalidSubnetID.NotFound",
                                        "InvalidGroup.NotFound", NULL};
    json_t *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", "RunInstances", params, &res, retry, 120, d);
    json_decref(params);
    if (rc != 0) {
        if (rc == 1) stk_diags_error(d, NULL, "Instance not created", "ec2 RunInstances: a referenced object was not found");
        return -1;
    }
    char *id = stk_xstrdup(stk_aws_jstr(json_array_get(json_object_get(res, "Instances"), 0), "InstanceId"));
    json_decref(res);
    params = json_pack("{s:[s]}", "InstanceIds", id);
    rc = stk_aws_wait_for(p, "ec2", "InstanceRunning", params, 'c', 600, d);
    json_decref(params);
    if (rc == 0) rc = inst_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc != 0 && !*new_state) {
        json_t *st = stk_aws_state_start(planned);
        stk_aws_jset_str(st, "id", id);
        *new_state = stk_aws_state_build(t, st, d);
    }
    free(id);
    return rc;
}

static int inst_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? inst_read_id(p, t, id, prior, new_state, d) : 0;
}

static int modify_attr(stk_provider_instance *p, const char *id, json_t *params_stolen, stk_diags *d)
{
    json_object_set_new(params_stolen, "InstanceId", json_string(id));
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "ModifyInstanceAttribute", params_stolen, &res, d);
    json_decref(params_stolen);
    json_decref(res);
    return rc;
}

/* The instance's current profile association id ("" when none), NULL on failure. */
static char *profile_association(stk_provider_instance *p, const char *id, stk_diags *d)
{
    json_t *params = json_pack("{s:[{s:s,s:[s]},{s:s,s:[s,s]}]}", "Filters", "Name", "instance-id", "Values", id, "Name",
                               "state", "Values", "associating", "associated"),
           *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "DescribeIamInstanceProfileAssociations", params, &res, d);
    json_decref(params);
    if (rc != 0) return NULL;
    const char *a = stk_aws_jstr(json_array_get(json_object_get(res, "IamInstanceProfileAssociations"), 0), "AssociationId");
    char *r = stk_xstrdup(a ? a : "");
    json_decref(res);
    return r;
}

/* iam_instance_profile old -> new (names or ARNs; "" or NULL: none), as the
   provider does: associate, replace the current association, or remove it. */
static int update_profile(stk_provider_instance *p, const char *id, const char *np, stk_diags *d)
{
    char *assoc = profile_association(p, id, d);
    if (!assoc) return -1;
    json_t *params, *res = NULL;
    const char *op;
    if (!np || !*np) {
        if (!*assoc) {
            free(assoc);
            return 0;
        }
        op = "DisassociateIamInstanceProfile";
        params = json_pack("{s:s}", "AssociationId", assoc);
    } else {
        json_t *prof = !strncmp(np, "arn:", 4) ? json_pack("{s:s}", "Arn", np) : json_pack("{s:s}", "Name", np);
        if (*assoc) {
            op = "ReplaceIamInstanceProfileAssociation";
            params = json_pack("{s:s,s:o}", "AssociationId", assoc, "IamInstanceProfile", prof);
        } else {
            op = "AssociateIamInstanceProfile";
            params = json_pack("{s:s,s:o}", "InstanceId", id, "IamInstanceProfile", prof);
        }
    }
    free(assoc);
    static const char *const retry[] = {"InvalidParameterValue:Invalid IamInstanceProfile",
                                        "InvalidParameterValue:IAM Instance Profile", NULL};
    int rc = stk_aws_call_retry(p, "ec2", op, params, &res, retry, 120, d);
    json_decref(params);
    json_decref(res);
    if (rc == 1) stk_diags_error(d, NULL, "Instance profile not changed", "ec2 %s: the instance profile %s was not found", op,
                                 np && *np ? np : "association");
    return rc == 0 ? 0 : -1;
}

static int inst_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    json_t *res = NULL;
    const char *ot = stk_aws_get_str(prior, "instance_type"), *nt = stk_aws_get_str(planned, "instance_type");
    if (ot && nt && strcmp(ot, nt)) {   /* stop, change, start */
        json_t *params = json_pack("{s:[s]}", "InstanceIds", id);
        rc = stk_aws_call(p->client, "ec2", "StopInstances", params, &res, d);
        json_decref(res);
        res = NULL;
        if (rc == 0) rc = stk_aws_wait_for(p, "ec2", "InstanceStopped", params, 'u', 600, d);
        if (rc == 0) rc = modify_attr(p, id, json_pack("{s:{s:s}}", "InstanceType", "Value", nt), d);
        if (rc == 0) rc = stk_aws_call(p->client, "ec2", "StartInstances", params, &res, d);
        json_decref(res);
        res = NULL;
        if (rc == 0) rc = stk_aws_wait_for(p, "ec2", "InstanceRunning", params, 'u', 600, d);
        json_decref(params);
    }
    json_t *og = stk_aws_get_strings(prior, "vpc_security_group_ids"), *ng = stk_aws_get_strings(planned, "vpc_security_group_ids");
    if (rc == 0 && stk_aws_get(planned, "vpc_security_group_ids") && !json_equal(og, ng) && json_array_size(ng))
        rc = modify_attr(p, id, json_pack("{s:O}", "Groups", ng), d);
    json_decref(og);
    json_decref(ng);
    if (rc == 0 && stk_aws_get(planned, "source_dest_check") &&
        stk_aws_get_bool(prior, "source_dest_check", 1) != stk_aws_get_bool(planned, "source_dest_check", 1))
        rc = modify_attr(p, id, json_pack("{s:{s:b}}", "SourceDestCheck", "Value", stk_aws_get_bool(planned, "source_dest_check", 1)), d);
    if (rc == 0 && stk_aws_get(planned, "disable_api_termination") &&
        stk_aws_get_bool(prior, "disable_api_termination", 0) != stk_aws_get_bool(planned, "disable_api_termination", 0))
        rc = modify_attr(p, id, json_pack("{s:{s:b}}", "DisableApiTermination", "Value",
                                          stk_aws_get_bool(planned, "disable_api_termination", 0)), d);
    if (rc == 0 && stk_aws_get(planned, "monitoring") &&
        stk_aws_get_bool(prior, "monitoring", 0) != stk_aws_get_bool(planned, "monitoring", 0)) {
        json_t *params = json_pack("{s:[s]}", "InstanceIds", id);
        rc = stk_aws_call(p->client, "ec2", stk_aws_get_bool(planned, "monitoring", 0) ? "MonitorInstances" : "UnmonitorInstances",
                          params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    const char *op_ = stk_aws_get_str(prior, "iam_instance_profile"), *np_ = stk_aws_get_str(planned, "iam_instance_profile");
    if (rc == 0 && stk_aws_get(planned, "iam_instance_profile") && strcmp(op_ ? op_ : "", np_ ? np_ : ""))
        rc = update_profile(p, id, np_, d);
    if (rc == 0) {
        json_t *o = stk_aws_tags_get(prior, "tags_all"), *n = stk_aws_tags_all(p, planned);
        rc = stk_aws_ec2_update_tags(p, id, o, n, d);
        json_decref(o);
        json_decref(n);
    }
    if (rc == 0) {
        json_t *o = stk_aws_tags_get(prior, "volume_tags"), *n = stk_aws_tags_get(planned, "volume_tags");
        const char *vol = stk_aws_get_str(stk_aws_get_elem(prior, "root_block_device", 0), "volume_id");
        if (vol && !json_equal(o, n)) rc = stk_aws_ec2_update_tags(p, vol, o, n, d);
        json_decref(o);
        json_decref(n);
    }
    if (rc != 0) return -1;
    rc = inst_read_id(p, t, id, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, id, *new_state, d) : rc;
}

static int inst_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:[s]}", "InstanceIds", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "TerminateInstances", params, &res, d);
    json_decref(res);
    if (rc == 0) rc = stk_aws_wait_for(p, "ec2", "InstanceTerminated", params, 'd', 1200, d);
    json_decref(params);
    return rc < 0 ? -1 : 0;
}

static int ec2_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* Crash recovery (provider.h's recover): the instance a killed RunInstances
   made is the live one whose ClientToken is the journal's token.  Where
   DescribeInstances does not return ClientToken (moto), the instance is
   the only live one carrying every tag the create sent (an untagged
   create cannot be told apart: error; several matches: error).  Instances
   that carry another ClientToken are never taken.  The info holds no user
   data (it may be secret): the read takes it back from AWS. */

static char *inst_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                               const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, NULL);
}

static int inst_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                        stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *token = stk_aws_jstr(info, "token");
    json_t *tags = json_object_get(info, "tags");
    char *id = stk_aws_jstr(info, "id") ? stk_xstrdup(stk_aws_jstr(info, "id")) : NULL;
    int rc = 0;
    if (!id && !json_object_size(tags)) {
        rc = stk_aws_recover_cannot(d, t, "the interrupted create had no tags to find its instance by");
    } else if (!id) {
        json_t *filters = json_pack("[{s:s,s:[s,s,s,s]}]", "Name", "instance-state-name", "Values", "pending",
                                    "running", "stopping", "stopped");
        const char *k;
        json_t *v;
        json_object_foreach(tags, k, v) {
            char *name = stk_xasprintf("tag:%s", k);
            json_array_append_new(filters, json_pack("{s:s,s:[O]}", "Name", name, "Values", v));
            free(name);
        }
        json_t *params = json_pack("{s:o}", "Filters", filters), *res = NULL;
        rc = stk_aws_paginate(p->client, "ec2", "DescribeInstances", params, &res, d);
        json_decref(params);
        size_t n = 0, i, j;
        const char *one = NULL, *exact = NULL;
        json_t *r, *in;
        json_array_foreach(json_object_get(res, "Reservations"), i, r) json_array_foreach(json_object_get(r, "Instances"), j, in) {
            const char *ct = stk_aws_jstr(in, "ClientToken");
            if (ct && *ct && token && !strcmp(ct, token)) exact = stk_aws_jstr(in, "InstanceId");
            else if (ct && *ct) continue;   /* another create's instance */
            one = stk_aws_jstr(in, "InstanceId");
            n++;
        }
        stk_recover_note_found_by(exact ? "its ClientToken (the create's idempotency token)" : "its tags");
        if (rc == 0 && exact) id = stk_xstrdup(exact);
        else if (rc == 0 && n == 1 && one) id = stk_xstrdup(one);
        else if (rc == 0 && n > 1) {
            stk_diags_error(d, NULL, "Cannot recover the object", "aws_instance: %zu live instances carry the tags recorded "
                            "before the interrupted create; import the right one by id.", n);
            rc = -1;
        }
        json_decref(res);
    }
    if (rc == 0 && id) {
        stk_value *seed = stk_aws_recover_seed(t, info, id, d);
        rc = seed ? inst_read_id(p, t, id, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(id);
    json_decref(info);
    return rc;
}

/* refresh by batch: one DescribeInstances for every object being refreshed */
static int inst_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n,
                           stk_diags *d)
{
    int rc = stk_aws_read_batch_by(p, priors, n, "id", "ec2", "DescribeInstances", "filter:instance-id", 200,
                                   "Reservations", "Instances", "InstanceId", d);
    /* and one DescribeVolumes for their root volumes (root_volume reads it) */
    json_t *vols = json_array(), *in = NULL, *bdm;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        if (!stk_aws_batch_get(p, "DescribeInstances", stk_aws_get_str(priors[k], "id"), &in) || !in) continue;
        const char *rdn = stk_aws_jstr(in, "RootDeviceName");
        size_t i;
        json_array_foreach(json_object_get(in, "BlockDeviceMappings"), i, bdm) {
            const char *dn = stk_aws_jstr(bdm, "DeviceName"), *vid = stk_aws_jstr(json_object_get(bdm, "Ebs"), "VolumeId");
            if (rdn && dn && vid && !strcmp(rdn, dn)) json_array_append_new(vols, json_string(vid));
        }
        json_decref(in);
    }
    if (json_array_size(vols) > 1 && stk_aws_ec2_batch(p, "DescribeVolumes", "volume-id", "Volumes", "VolumeId", vols, d))
        rc = -1;
    json_decref(vols);
    return rc;
}

const stk_resource_type stk_aws_instance_type = {
    "aws_instance", "aws", STK_RESOURCE_MANAGED, &inst_schema, inst_create, inst_read, inst_update, inst_delete,
    ec2_import, NULL, inst_journal_info, inst_recover, inst_read_batch,
};

/* ================= aws_key_pair ================= */

static const stk_schema_attr kp_attrs[] = {
    {"arn", "string", A_C, NULL, NULL, NULL},
    {"fingerprint", "string", A_C, NULL, NULL, NULL},
    {"id", "string", A_C, NULL, NULL, NULL},
    {"key_name", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"key_name_prefix", "string", A_O | A_C | A_F, NULL, NULL, NULL},
    {"key_pair_id", "string", A_C, NULL, NULL, NULL},
    {"key_type", "string", A_C, NULL, NULL, NULL},
    {"public_key", "string", A_R | A_F, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema kp_schema = {kp_attrs, STK_AWS_NATTRS(kp_attrs), NULL, 0};

static int kp_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *kp = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeKeyPairs", "KeyNames", name, "KeyPairs", &kp, d);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", name);
    stk_aws_jset_str(st, "key_name", name);
    stk_aws_jset_str(st, "fingerprint", stk_aws_jstr(kp, "KeyFingerprint"));
    stk_aws_jset_str(st, "key_pair_id", stk_aws_jstr(kp, "KeyPairId"));
    stk_aws_jset_str(st, "key_type", stk_aws_jstr(kp, "KeyType") ? stk_aws_jstr(kp, "KeyType") : "rsa");
    if (!stk_aws_jstr(st, "public_key") && stk_aws_jstr(kp, "PublicKey")) stk_aws_jset_str(st, "public_key", stk_aws_jstr(kp, "PublicKey"));
    char *resname = stk_xasprintf("key-pair/%s", name);
    char *arn = stk_aws_arn(p, "ec2", NULL, resname, d);
    free(resname);
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    json_t *tags = stk_aws_tags_from_list(json_object_get(kp, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(kp);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int kp_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *name = stk_aws_get_str(planned, "key_name");
    char *kn;
    if (name) kn = stk_xstrdup(name);
    else {
        const char *prefix = stk_aws_get_str(planned, "key_name_prefix");
        stk_value *tmp = NULL;
        if (prefix) {
            char *keys[] = {"name_prefix"};
            stk_value *vals[] = {stk_value_string(prefix)};
            tmp = stk_value_object(keys, vals, 1);   /* takes vals */
        }
        kn = stk_aws_cmp_name(tmp, 0);
        stk_value_unref(tmp);
    }
    json_t *params = json_pack("{s:s,s:s}", "KeyName", kn, "PublicKeyMaterial", stk_aws_get_str(planned, "public_key") ? stk_aws_get_str(planned, "public_key") : "");
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("key-pair", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "ec2", "ImportKeyPair", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc == 0) rc = kp_read_name(p, t, kn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, kn, *new_state, d);
    free(kn);
    return rc;
}

static int kp_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? kp_read_name(p, t, id, prior, new_state, d) : 0;
}

static int kp_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    const char *kid = stk_aws_get_str(prior, "key_pair_id");
    json_t *o = stk_aws_tags_get(prior, "tags_all"), *n = stk_aws_tags_all(p, planned);
    int rc = stk_aws_ec2_update_tags(p, kid ? kid : id, o, n, d);
    json_decref(o);
    json_decref(n);
    if (rc != 0) return -1;
    rc = kp_read_name(p, t, id, planned, new_state, d);
    return rc == 0 ? stk_aws_require_state(t, id, *new_state, d) : rc;
}

static int kp_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "KeyName", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", "DeleteKeyPair", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* Crash recovery (recover.h): the key's name (given, or made from the
   create's token as kp_create makes it) finds it again. */
static const char *const kp_keys[] = {"key_name_prefix", "public_key", NULL};

static char *kp_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token)
{
    (void)t;
    const char *name = stk_aws_get_str(planned, "key_name");
    char *kn;
    if (name) {
        kn = stk_xstrdup(name);
    } else {
        const char *prefix = stk_aws_get_str(planned, "key_name_prefix");
        stk_value *tmp = NULL;
        if (prefix) {
            char *keys[] = {"name_prefix"};
            stk_value *vals[] = {stk_value_string(prefix)};
            tmp = stk_value_object(keys, vals, 1);
        }
        kn = stk_aws_cmp_name_token(tmp, 0, token);
        stk_value_unref(tmp);
    }
    char *s = stk_aws_recover_info(p, planned, token, kn, kp_keys);
    free(kn);
    return s;
}

static int kp_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_recover_by_read(p, t, info_json, "name", NULL, state, d);
}

const stk_resource_type stk_aws_key_pair_type = {
    "aws_key_pair", "aws", STK_RESOURCE_MANAGED, &kp_schema, kp_create, kp_read, kp_update, kp_delete, ec2_import,
    NULL, kp_journal_info, kp_recover,
};
