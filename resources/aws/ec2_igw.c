/* ec2_igw.c - aws_internet_gateway: CreateInternetGateway (+ attach to
 * vpc_id), DescribeInternetGateways, re-attach on a vpc_id change, and
 * delete (detach, then delete, retrying DependencyViolation while the
 * VPC's public addresses are released), as terraform-provider-aws does.
 */
#include "aws/common.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

static const stk_schema_attr igw_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"owner_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc_id", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
};
static const stk_schema igw_schema = {igw_attrs, STK_AWS_NATTRS(igw_attrs), NULL, 0};

static stk_value *igw_state(stk_provider_instance *p, const stk_resource_type *t, json_t *g, stk_value *base,
                            stk_diags *d)
{
    json_t *st = stk_aws_state_start(base);
    const char *id = stk_aws_jstr(g, "InternetGatewayId"), *owner = stk_aws_jstr(g, "OwnerId");
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "owner_id", owner);
    char *arn = owner ? stk_xasprintf("arn:%s:ec2:%s:%s:internet-gateway/%s", p->partition, p->region, owner, id) : NULL;
    stk_aws_jset_str(st, "arn", arn);
    free(arn);
    const char *vpc = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(g, "Attachments"), i, a) {
        const char *s = stk_aws_jstr(a, "State");
        if (!s || !strcmp(s, "available") || !strcmp(s, "attached") || !strcmp(s, "attaching")) vpc = stk_aws_jstr(a, "VpcId");
    }
    stk_aws_jset_str(st, "vpc_id", vpc);
    json_t *tags = stk_aws_tags_from_list(json_object_get(g, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    return stk_aws_state_build(t, st, d);
}

static int igw_attach(stk_provider_instance *p, const char *id, const char *vpc, int attach, stk_diags *d)
{
    static const char *const retry_attach[] = {"InvalidInternetGatewayID.NotFound", NULL};
    static const char *const retry_detach[] = {"DependencyViolation", NULL};
    json_t *params = json_pack("{s:s,s:s}", "InternetGatewayId", id, "VpcId", vpc), *res = NULL;
    int rc = stk_aws_call_retry(p, "ec2", attach ? "AttachInternetGateway" : "DetachInternetGateway", params, &res,
                                attach ? retry_attach : retry_detach, attach ? 120 : stk_aws_timeout('d', 1200), d);
    json_decref(params);
    json_decref(res);
    if (rc == 1 && !attach) return 0;   /* already detached / gone */
    if (rc == 1) stk_diags_error(d, NULL, "Not found", "AttachInternetGateway %s to %s: not found", id, vpc);
    return rc ? -1 : 0;
}

static int igw_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                       stk_value **out, stk_diags *d)
{
    json_t *g = NULL;
    *out = NULL;
    int rc = stk_aws_ec2_describe_one(p, "DescribeInternetGateways", "InternetGatewayIds", id, "InternetGateways", &g, d);
    if (rc) return rc == 1 ? 0 : -1;
    *out = igw_state(p, t, g, base, d);
    json_decref(g);
    return *out ? 0 : -1;
}

static int igw_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    json_t *params = json_object(), *res = NULL;
    json_t *tags_all = stk_aws_tags_all(p, planned);
    json_t *spec = stk_aws_ec2_tag_specs("internet-gateway", tags_all);
    if (spec) json_object_set_new(params, "TagSpecifications", spec);
    json_decref(tags_all);
    int rc = stk_aws_call(p->client, "ec2", "CreateInternetGateway", params, &res, d);
    json_decref(params);
    if (rc) return -1;
    char *id = stk_xstrdup(stk_aws_jstr(json_object_get(res, "InternetGateway"), "InternetGatewayId"));
    json_decref(res);
    const char *vpc = stk_aws_get_str(planned, "vpc_id");
    if (vpc) rc = igw_attach(p, id, vpc, 1, d);
    if (rc == 0) rc = igw_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    if (rc) stk_aws_partial_state(t, planned, id, new_state, d);
    free(id);
    return rc;
}

static int igw_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    *new_state = NULL;
    return id ? igw_read_id(p, t, id, prior, new_state, d) : 0;
}

static int igw_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    const char *ov = stk_aws_get_str(prior, "vpc_id"), *nv = stk_aws_get_str(planned, "vpc_id");
    if (!(ov && nv && !strcmp(ov, nv))) {
        if (ov && igw_attach(p, id, ov, 0, d)) return -1;
        if (nv && igw_attach(p, id, nv, 1, d)) return -1;
    }
    if (stk_aws_ec2_update_tags_planned(p, id, prior, planned, d)) return -1;
    int rc = igw_read_id(p, t, id, planned, new_state, d);
    return rc ? rc : stk_aws_require_state(t, id, *new_state, d);
}

static int igw_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    /* detach from whatever VPC AWS says it is attached to */
    stk_value *cur = NULL;
    if (igw_read_id(p, t, id, prior, &cur, d)) return -1;
    if (!cur) return 0;
    const char *vpc = stk_aws_get_str(cur, "vpc_id");
    int rc = vpc ? igw_attach(p, id, vpc, 0, d) : 0;
    stk_value_unref(cur);
    if (rc) return -1;
    static const char *const retry[] = {"DependencyViolation", NULL};
    json_t *params = json_pack("{s:s}", "InternetGatewayId", id), *res = NULL;
    rc = stk_aws_call_retry(p, "ec2", "DeleteInternetGateway", params, &res, retry, stk_aws_timeout('d', 1200), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int igw_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

static int recover_aws_internet_gateway(stk_provider_instance *p, const stk_resource_type *t, const char *info, stk_value **state, stk_diags *d)
{
    return stk_aws_ec2_recover_by_tags(p, t, info, "DescribeInternetGateways", "InternetGateways", "InternetGatewayId", state, d);
}

/* refresh by batch: one DescribeInternetGateways for every object being refreshed */
static int igw_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n, stk_diags *d)
{
    return stk_aws_ec2_read_batch(p, priors, n, "DescribeInternetGateways", "internet-gateway-id", "InternetGateways", "InternetGatewayId", d);
}

const stk_resource_type stk_aws_internet_gateway_type = {
    "aws_internet_gateway", "aws", STK_RESOURCE_MANAGED, &igw_schema, igw_create, igw_read, igw_update, igw_delete,
    igw_import, NULL, stk_aws_journal_info_default, recover_aws_internet_gateway, igw_read_batch,
};
