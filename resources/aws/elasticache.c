/* elasticache.c - the ElastiCache types: aws_elasticache_subnet_group,
 * aws_elasticache_parameter_group, aws_elasticache_cluster and
 * aws_elasticache_replication_group, with terraform-provider-aws's names,
 * defaults, force-new rules and import ids (the name / cluster id /
 * replication group id).
 *
 * Clusters and replication groups are created, modified and deleted
 * through ElastiCache's waiters (CacheClusterAvailable / Deleted,
 * ReplicationGroupAvailable / Deleted from the botocore model), bounded by
 * the resource's timeouts.  cache_nodes carries each node's id, address,
 * port and availability zone; primary_endpoint_address and
 * reader_endpoint_address come from the first node group.
 *
 * Not supported yet (clear errors): changing a replication group's
 * num_cache_clusters in place (Increase/DecreaseReplicaCount are not in the
 * trimmed model), cluster mode (num_node_groups > 1), log delivery
 * configurations, snapshots to restore from.
 */
#include "aws/idobs_util.h"
#include "aws/aws_types.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* tags of an ElastiCache ARN into the state JSON */
static int ec_read_tags(stk_provider_instance *p, const char *arn, json_t *st, stk_value *base, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "ResourceName", arn ? arn : ""), *res = NULL;
    int rc = stk_aws_call(p->client, "elasticache", "ListTagsForResource", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    json_t *tags = stk_aws_tags_from_list(json_object_get(res, "TagList"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(res);
    return 0;
}

static int ec_update_tags(stk_provider_instance *p, stk_value *prior, stk_value *planned, stk_diags *d)
{
    return stk_idobs_update_tags_v(p, "elasticache", "AddTagsToResource", "RemoveTagsFromResource", "ResourceName",
                                   stk_aws_get_str(prior, "arn"), "Tags", "TagKeys", 0, prior, planned, d);
}

static void add_tags(stk_provider_instance *p, stk_value *planned, json_t *params)
{
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
}

static char *lower(const char *s)
{
    char *o = stk_xstrdup(s ? s : "");
    for (char *c = o; *c; c++) *c = (char)tolower((unsigned char)*c);
    return o;
}

static int ec_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                     stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

/* -------------------------------------------------------- subnet group */

static const stk_schema_attr sg_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL, "\"Managed by Terraform\"", NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW | STK_ATTR_CASE_INSENSITIVE, NULL, NULL, NULL},
    {"subnet_ids", "set(string)", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"vpc_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema sg_schema = {sg_attrs, STK_AWS_NATTRS(sg_attrs), NULL, 0};

static int sg_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "CacheSubnetGroupName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "elasticache", "DescribeCacheSubnetGroups", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *g = json_array_get(json_object_get(res, "CacheSubnetGroups"), 0);
    if (!g) {
        json_decref(res);
        return 0;
    }
    json_t *st = stk_aws_state_start(base);
    const char *gname = stk_aws_jstr(g, "CacheSubnetGroupName");
    stk_aws_jset_str(st, "id", gname);
    /* AWS lower-cases the name: keep the configured spelling when it matches */
    const char *cfg = stk_aws_get_str(base, "name");
    stk_aws_jset_str(st, "name", cfg && !strcasecmp(cfg, gname) ? cfg : gname);
    stk_aws_jset_str(st, "arn", stk_aws_jstr(g, "ARN"));
    stk_aws_jset_str(st, "description", stk_aws_jstr(g, "CacheSubnetGroupDescription"));
    stk_aws_jset_str(st, "vpc_id", stk_aws_jstr(g, "VpcId"));
    json_t *ids = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(g, "Subnets"), i, e) json_array_append(ids, json_object_get(e, "SubnetIdentifier"));
    json_object_set_new(st, "subnet_ids", ids);
    char *arn = stk_xstrdup(stk_aws_jstr(g, "ARN") ? stk_aws_jstr(g, "ARN") : "");
    json_decref(res);
    rc = ec_read_tags(p, arn, st, base, d);
    free(arn);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int sg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = lower(stk_aws_get_str(planned, "name"));
    const char *desc = stk_aws_get_str(planned, "description");
    json_t *params = json_pack("{s:s,s:s,s:o}", "CacheSubnetGroupName", name, "CacheSubnetGroupDescription",
                               desc ? desc : "Managed by Terraform", "SubnetIds", stk_aws_get_strings(planned, "subnet_ids"));
    add_tags(p, planned, params);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "elasticache", "CreateCacheSubnetGroup", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc == 0) rc = sg_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    free(name);
    return rc;
}

static int sg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? sg_read_name(p, t, id, prior, new_state, d) : 0;
}

static int sg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    if (stk_idobs_changed(prior, planned, "description") || stk_idobs_changed(prior, planned, "subnet_ids")) {
        const char *desc = stk_aws_get_str(planned, "description");
        json_t *params = json_pack("{s:s,s:s,s:o}", "CacheSubnetGroupName", id, "CacheSubnetGroupDescription",
                                   desc ? desc : "Managed by Terraform", "SubnetIds",
                                   stk_aws_get_strings(planned, "subnet_ids")),
               *res = NULL;
        rc = stk_aws_call(p->client, "elasticache", "ModifyCacheSubnetGroup", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0) rc = ec_update_tags(p, prior, planned, d);
    if (rc != 0) return -1;
    rc = sg_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int sg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "CacheSubnetGroupName", id), *res = NULL;
    /* a cluster being deleted still holds the group for a while */
    static const char *const retry[] = {"CacheSubnetGroupInUse", "DependencyViolation", NULL};
    int rc = stk_aws_call_retry(p, "elasticache", "DeleteCacheSubnetGroup", params, &res, retry,
                                stk_aws_timeout('d', 300), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

const stk_resource_type stk_aws_elasticache_subnet_group_type = {
    "aws_elasticache_subnet_group", "aws", STK_RESOURCE_MANAGED, &sg_schema, sg_create, sg_read, sg_update, sg_delete,
    ec_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};

/* ----------------------------------------------------- parameter group */

static const stk_schema_attr param_attrs[] = {
    {"name", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"value", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema param_schema = {param_attrs, 2, NULL, 0};
static const stk_schema_block pg_blocks[] = {
    {"parameter", STK_NESTING_SET, 0, 0, &param_schema, 0},
};
static const stk_schema_attr pg_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"Managed by Terraform\"", NULL, NULL},
    {"family", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "redis7, memcached1.6 ...", NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW | STK_ATTR_CASE_INSENSITIVE, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema pg_schema = {pg_attrs, STK_AWS_NATTRS(pg_attrs), pg_blocks, 1};

static int pg_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "CacheParameterGroupName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "elasticache", "DescribeCacheParameterGroups", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *g = json_array_get(json_object_get(res, "CacheParameterGroups"), 0);
    if (!g) {
        json_decref(res);
        return 0;
    }
    json_t *st = stk_aws_state_start(base);
    const char *gname = stk_aws_jstr(g, "CacheParameterGroupName");
    const char *cfg = stk_aws_get_str(base, "name");
    stk_aws_jset_str(st, "id", gname);
    stk_aws_jset_str(st, "name", cfg && !strcasecmp(cfg, gname) ? cfg : gname);
    stk_aws_jset_str(st, "family", stk_aws_jstr(g, "CacheParameterGroupFamily"));
    stk_aws_jset_str(st, "description", stk_aws_jstr(g, "Description"));
    char *arn = stk_xstrdup(stk_aws_jstr(g, "ARN") ? stk_aws_jstr(g, "ARN") : "");
    stk_aws_jset_str(st, "arn", arn);
    json_decref(res);
    res = NULL;
    /* the parameters the user set (Source=user) */
    params = json_pack("{s:s,s:s}", "CacheParameterGroupName", name, "Source", "user");
    rc = stk_aws_paginate(p->client, "elasticache", "DescribeCacheParameters", params, &res, d);
    json_decref(params);
    if (rc == 0) {
        json_t *list = json_array(), *e;
        size_t i;
        json_array_foreach(json_object_get(res, "Parameters"), i, e) {
            const char *pn = stk_aws_jstr(e, "ParameterName"), *pv = stk_aws_jstr(e, "ParameterValue");
            if (pn && pv) json_array_append_new(list, json_pack("{s:s,s:s}", "name", pn, "value", pv));
        }
        json_object_set_new(st, "parameter", list);
        json_decref(res);
        rc = ec_read_tags(p, arn, st, base, d);
    }
    free(arn);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

/* name -> value of the parameter blocks */
static json_t *pg_params(stk_value *v)
{
    json_t *m = json_object();
    size_t n = stk_aws_get_count(v, "parameter");
    for (size_t i = 0; i < n; i++) {
        stk_value *e = stk_aws_get_elem(v, "parameter", i);
        const char *pn = stk_aws_get_str(e, "name"), *pv = stk_aws_get_str(e, "value");
        if (pn && pv) json_object_set_new(m, pn, json_string(pv));
    }
    return m;
}

/* Modify (set: name->value) or Reset (names) in batches of 20, as AWS allows. */
static int pg_apply(stk_provider_instance *p, const char *name, json_t *set, json_t *reset, stk_diags *d)
{
    const char *k;
    json_t *v;
    json_t *batch = json_array();
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        json_t *src = pass == 0 ? reset : set;
        const char *op = pass == 0 ? "ResetCacheParameterGroup" : "ModifyCacheParameterGroup";
        size_t left = json_object_size(src);
        json_object_foreach(src, k, v) {
            json_array_append_new(batch, pass == 0 ? json_pack("{s:s}", "ParameterName", k)
                                                   : json_pack("{s:s,s:O}", "ParameterName", k, "ParameterValue", v));
            left--;
            if (json_array_size(batch) == 20 || left == 0) {
                json_t *params = json_pack("{s:s,s:O}", "CacheParameterGroupName", name, "ParameterNameValues", batch),
                       *res = NULL;
                rc = stk_aws_call(p->client, "elasticache", op, params, &res, d);
                json_decref(params);
                json_decref(res);
                json_array_clear(batch);
                if (rc != 0) break;
            }
        }
    }
    json_decref(batch);
    return rc;
}

static int pg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = lower(stk_aws_get_str(planned, "name"));
    const char *desc = stk_aws_get_str(planned, "description");
    json_t *params = json_pack("{s:s,s:s,s:s}", "CacheParameterGroupName", name, "CacheParameterGroupFamily",
                               stk_aws_get_str(planned, "family"), "Description", desc ? desc : "Managed by Terraform");
    add_tags(p, planned, params);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "elasticache", "CreateCacheParameterGroup", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc == 0) {
        json_t *set = pg_params(planned), *none = json_object();
        if (json_object_size(set)) rc = pg_apply(p, name, set, none, d);
        json_decref(set);
        json_decref(none);
    }
    if (rc == 0) rc = pg_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    free(name);
    return rc;
}

static int pg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? pg_read_name(p, t, id, prior, new_state, d) : 0;
}

static int pg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *o = pg_params(prior), *n = pg_params(planned), *removed, *changed;
    stk_aws_tags_diff(o, n, &removed, &changed);
    int rc = (json_object_size(removed) || json_object_size(changed)) ? pg_apply(p, id, changed, removed, d) : 0;
    json_decref(o);
    json_decref(n);
    json_decref(removed);
    json_decref(changed);
    if (rc == 0) rc = ec_update_tags(p, prior, planned, d);
    if (rc != 0) return -1;
    rc = pg_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int pg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "CacheParameterGroupName", id), *res = NULL;
    static const char *const retry[] = {"InvalidCacheParameterGroupState", NULL};   /* still used by a cluster */
    int rc = stk_aws_call_retry(p, "elasticache", "DeleteCacheParameterGroup", params, &res, retry,
                                stk_aws_timeout('d', 300), d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

const stk_resource_type stk_aws_elasticache_parameter_group_type = {
    "aws_elasticache_parameter_group", "aws", STK_RESOURCE_MANAGED, &pg_schema, pg_create, pg_read, pg_update,
    pg_delete, ec_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};

/* ------------------------------------------------------------- cluster */

static const stk_schema_attr cl_attrs[] = {
    {"apply_immediately", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"auto_minor_version_upgrade", "string", STK_ATTR_OPTIONAL, "\"true\"", NULL, NULL},
    {"availability_zone", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"az_mode", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cache_nodes", "list(object({address=string,availability_zone=string,id=string,outpost_arn=string,port=number}))",
     STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cluster_address", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"cluster_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW | STK_ATTR_CASE_INSENSITIVE, NULL, NULL, NULL},
    {"configuration_endpoint", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"engine", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, "memcached or redis", NULL},
    {"engine_version", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"engine_version_actual", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"final_snapshot_identifier", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"maintenance_window", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_CASE_INSENSITIVE, NULL, NULL, NULL},
    {"node_type", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"notification_topic_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"num_cache_nodes", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"parameter_group_name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"port", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"replication_group_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"security_group_ids", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    /* Optional in the provider, where an unset int and 0 are the same: computed here */
    {"snapshot_retention_limit", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"snapshot_window", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"subnet_group_name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"transit_encryption_enabled", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema cl_schema = {cl_attrs, STK_AWS_NATTRS(cl_attrs), NULL, 0};

static int cl_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s,s:b}", "CacheClusterId", id, "ShowCacheNodeInfo", 1), *res = NULL;
    int rc = stk_aws_call_nf(p, "elasticache", "DescribeCacheClusters", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *c = json_array_get(json_object_get(res, "CacheClusters"), 0);
    const char *status = stk_aws_jstr(c, "CacheClusterStatus");
    if (!c || (status && !strcmp(status, "deleted"))) {
        json_decref(res);
        return 0;
    }
    json_t *st = stk_aws_state_start(base);
    const char *cid = stk_aws_jstr(c, "CacheClusterId");
    const char *cfg = stk_aws_get_str(base, "cluster_id");
    stk_aws_jset_str(st, "id", cid);
    stk_aws_jset_str(st, "cluster_id", cfg && !strcasecmp(cfg, cid) ? cfg : cid);
    stk_aws_jset_str(st, "arn", stk_aws_jstr(c, "ARN"));
    stk_aws_jset_str(st, "engine", stk_aws_jstr(c, "Engine"));
    const char *ev = stk_aws_jstr(c, "EngineVersion");
    stk_aws_jset_str(st, "engine_version_actual", ev);
    /* engine_version as configured when it names the running version ("7.0" / "7.0.7") */
    const char *cev = stk_aws_get_str(base, "engine_version");
    stk_aws_jset_str(st, "engine_version", cev && ev && !strncmp(ev, cev, strlen(cev)) ? cev : ev);
    stk_aws_jset_str(st, "node_type", stk_aws_jstr(c, "CacheNodeType"));
    stk_aws_jset(st, "num_cache_nodes", json_object_get(c, "NumCacheNodes"));
    stk_aws_jset_str(st, "parameter_group_name",
                     stk_aws_jstr(json_object_get(c, "CacheParameterGroup"), "CacheParameterGroupName"));
    stk_aws_jset_str(st, "subnet_group_name", stk_aws_jstr(c, "CacheSubnetGroupName"));
    stk_aws_jset_str(st, "maintenance_window", stk_aws_jstr(c, "PreferredMaintenanceWindow"));
    stk_aws_jset_str(st, "snapshot_window", stk_aws_jstr(c, "SnapshotWindow"));
    stk_aws_jset(st, "snapshot_retention_limit", json_object_get(c, "SnapshotRetentionLimit"));
    stk_aws_jset_str(st, "replication_group_id", stk_aws_jstr(c, "ReplicationGroupId"));
    stk_aws_jset_str(st, "availability_zone", stk_aws_jstr(c, "PreferredAvailabilityZone"));
    stk_aws_jset_str(st, "notification_topic_arn",
                     stk_aws_jstr(json_object_get(c, "NotificationConfiguration"), "TopicArn"));
    json_object_set_new(st, "transit_encryption_enabled",
                        json_boolean(json_is_true(json_object_get(c, "TransitEncryptionEnabled"))));
    json_t *amvu = json_object_get(c, "AutoMinorVersionUpgrade");
    json_object_set_new(st, "auto_minor_version_upgrade", json_string(!amvu || json_is_true(amvu) ? "true" : "false"));
    const char *azm = stk_aws_get_str(base, "az_mode");
    if (!azm) stk_aws_jset_str(st, "az_mode", "single-az");
    json_t *sgs = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(c, "SecurityGroups"), i, e) json_array_append(sgs, json_object_get(e, "SecurityGroupId"));
    json_object_set_new(st, "security_group_ids", sgs);
    json_t *cep = json_object_get(c, "ConfigurationEndpoint");
    if (cep && stk_aws_jstr(cep, "Address")) {
        json_object_set_new(st, "configuration_endpoint", json_sprintf("%s:%lld", stk_aws_jstr(cep, "Address"),
                                                                      (long long)json_integer_value(json_object_get(cep, "Port"))));
        stk_aws_jset_str(st, "cluster_address", stk_aws_jstr(cep, "Address"));
    } else {
        stk_aws_jset_str(st, "configuration_endpoint", NULL);
        stk_aws_jset_str(st, "cluster_address", NULL);
    }
    json_t *nodes = json_array();
    json_t *port = NULL;
    json_array_foreach(json_object_get(c, "CacheNodes"), i, e) {
        json_t *ep = json_object_get(e, "Endpoint");
        json_array_append_new(nodes, json_pack("{s:s?,s:s?,s:s?,s:s?,s:O?}", "id", stk_aws_jstr(e, "CacheNodeId"),
                                               "address", stk_aws_jstr(ep, "Address"), "availability_zone",
                                               stk_aws_jstr(e, "CustomerAvailabilityZone"), "outpost_arn",
                                               stk_aws_jstr(e, "CustomerOutpostArn"), "port", json_object_get(ep, "Port")));
        if (!port) port = json_object_get(ep, "Port");
    }
    json_object_set_new(st, "cache_nodes", nodes);
    if (cep) port = json_object_get(cep, "Port");
    if (port) stk_aws_jset(st, "port", port);
    if (!json_is_boolean(json_object_get(st, "apply_immediately"))) json_object_set_new(st, "apply_immediately", json_false());
    char *arn = stk_xstrdup(stk_aws_jstr(c, "ARN") ? stk_aws_jstr(c, "ARN") : "");
    json_decref(res);
    rc = ec_read_tags(p, arn, st, base, d);
    free(arn);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int cl_wait(stk_provider_instance *p, const char *id, const char *waiter, char which, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "CacheClusterId", id);
    int rc = stk_aws_wait_for(p, "elasticache", waiter, params, which, which == 'd' ? 40 * 60 : 40 * 60, d);
    json_decref(params);
    return rc;
}

static int cl_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *id = lower(stk_aws_get_str(planned, "cluster_id"));
    json_t *params = json_pack("{s:s}", "CacheClusterId", id);
    static const char *const strs[][2] = {
        {"engine", "Engine"}, {"engine_version", "EngineVersion"}, {"node_type", "CacheNodeType"},
        {"parameter_group_name", "CacheParameterGroupName"}, {"subnet_group_name", "CacheSubnetGroupName"},
        {"maintenance_window", "PreferredMaintenanceWindow"}, {"snapshot_window", "SnapshotWindow"},
        {"replication_group_id", "ReplicationGroupId"}, {"availability_zone", "PreferredAvailabilityZone"},
        {"az_mode", "AZMode"}, {"notification_topic_arn", "NotificationTopicArn"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char *v = stk_aws_get_str(planned, strs[i][0]);
        if (v) json_object_set_new(params, strs[i][1], json_string(v));
    }
    if (!stk_aws_get_str(planned, "replication_group_id") && !stk_aws_get_str(planned, "engine")) {
        stk_diags_error(d, NULL, "Missing argument", "aws_elasticache_cluster: \"engine\" is required unless \"replication_group_id\" is set.");
        json_decref(params);
        free(id);
        return -1;
    }
    if (stk_aws_get(planned, "num_cache_nodes"))
        json_object_set_new(params, "NumCacheNodes", json_integer(stk_aws_get_int(planned, "num_cache_nodes", 1)));
    if (stk_aws_get(planned, "port")) json_object_set_new(params, "Port", json_integer(stk_aws_get_int(planned, "port", 0)));
    if (stk_aws_get(planned, "snapshot_retention_limit"))
        json_object_set_new(params, "SnapshotRetentionLimit",
                            json_integer(stk_aws_get_int(planned, "snapshot_retention_limit", 0)));
    if (stk_aws_get(planned, "transit_encryption_enabled"))
        json_object_set_new(params, "TransitEncryptionEnabled",
                            json_boolean(stk_aws_get_bool(planned, "transit_encryption_enabled", 0)));
    const char *amvu = stk_aws_get_str(planned, "auto_minor_version_upgrade");
    if (amvu) json_object_set_new(params, "AutoMinorVersionUpgrade", json_boolean(!strcmp(amvu, "true")));
    json_t *sgs = stk_aws_get_strings(planned, "security_group_ids");
    if (json_array_size(sgs)) json_object_set(params, "SecurityGroupIds", sgs);
    json_decref(sgs);
    add_tags(p, planned, params);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "elasticache", "CreateCacheCluster", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) {
        free(id);
        return -1;
    }
    rc = cl_wait(p, id, "CacheClusterAvailable", 'c', d);
    /* read even when the wait failed, so the engine records what exists */
    stk_value *st = NULL;
    int r2 = cl_read_id(p, t, id, planned, &st, d);
    *new_state = st;
    if (rc == 0 && r2 != 0) rc = -1;
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    free(id);
    return rc;
}

static int cl_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? cl_read_id(p, t, id, prior, new_state, d) : 0;
}

static int cl_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    json_t *params = json_pack("{s:s,s:b}", "CacheClusterId", id, "ApplyImmediately",
                               stk_aws_get_bool(planned, "apply_immediately", 0));
    int changes = 0;
    static const char *const strs[][2] = {
        {"engine_version", "EngineVersion"}, {"node_type", "CacheNodeType"},
        {"parameter_group_name", "CacheParameterGroupName"}, {"maintenance_window", "PreferredMaintenanceWindow"},
        {"snapshot_window", "SnapshotWindow"}, {"notification_topic_arn", "NotificationTopicArn"}, {"az_mode", "AZMode"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (!stk_idobs_changed(prior, planned, strs[i][0])) continue;
        const char *v = stk_aws_get_str(planned, strs[i][0]);
        if (!v) continue;
        json_object_set_new(params, strs[i][1], json_string(v));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "num_cache_nodes") && stk_aws_get(planned, "num_cache_nodes")) {
        long long o = stk_aws_get_int(prior, "num_cache_nodes", 1), n = stk_aws_get_int(planned, "num_cache_nodes", 1);
        json_object_set_new(params, "NumCacheNodes", json_integer(n));
        if (n < o) {   /* remove the highest-numbered nodes, as the provider does */
            json_t *rm = json_array();
            for (long long k = o; k > n; k--) json_array_append_new(rm, json_sprintf("%04lld", k));
            json_object_set_new(params, "CacheNodeIdsToRemove", rm);
        }
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "snapshot_retention_limit") && stk_aws_get(planned, "snapshot_retention_limit")) {
        json_object_set_new(params, "SnapshotRetentionLimit",
                            json_integer(stk_aws_get_int(planned, "snapshot_retention_limit", 0)));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "security_group_ids")) {
        json_object_set_new(params, "SecurityGroupIds", stk_aws_get_strings(planned, "security_group_ids"));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "auto_minor_version_upgrade")) {
        const char *v = stk_aws_get_str(planned, "auto_minor_version_upgrade");
        json_object_set_new(params, "AutoMinorVersionUpgrade", json_boolean(!v || !strcmp(v, "true")));
        changes++;
    }
    int rc = 0;
    if (changes) {
        json_t *res = NULL;
        rc = stk_aws_call(p->client, "elasticache", "ModifyCacheCluster", params, &res, d);
        json_decref(res);
        if (rc == 0) rc = cl_wait(p, id, "CacheClusterAvailable", 'u', d);
    }
    json_decref(params);
    if (rc == 0) rc = ec_update_tags(p, prior, planned, d);
    if (rc != 0) return -1;
    rc = cl_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int cl_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "CacheClusterId", id), *res = NULL;
    const char *snap = stk_aws_get_str(prior, "final_snapshot_identifier");
    if (snap) json_object_set_new(params, "FinalSnapshotIdentifier", json_string(snap));
    /* a cluster still being modified refuses deletion for a while */
    static const char *const retry[] = {"InvalidCacheClusterState", NULL};
    int rc = stk_aws_call_retry(p, "elasticache", "DeleteCacheCluster", params, &res, retry, stk_aws_timeout('d', 600), d);
    json_decref(params);
    json_decref(res);
    if (rc == 1) return 0;
    if (rc != 0) return -1;
    return cl_wait(p, id, "CacheClusterDeleted", 'd', d);
}

const stk_resource_type stk_aws_elasticache_cluster_type = {
    "aws_elasticache_cluster", "aws", STK_RESOURCE_MANAGED, &cl_schema, cl_create, cl_read, cl_update, cl_delete,
    ec_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};

/* --------------------------------------------------- replication group */

static const stk_schema_attr rg_attrs[] = {
    {"apply_immediately", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"at_rest_encryption_enabled", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"auth_token", "string", STK_ATTR_OPTIONAL | STK_ATTR_SENSITIVE, NULL, NULL, NULL},
    {"auto_minor_version_upgrade", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"automatic_failover_enabled", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"cluster_enabled", "bool", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"configuration_endpoint_address", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_REQUIRED, NULL, NULL, NULL},
    {"engine", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"redis\"", NULL, NULL},
    {"engine_version", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"engine_version_actual", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"final_snapshot_identifier", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"kms_key_id", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"maintenance_window", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_CASE_INSENSITIVE, NULL, NULL, NULL},
    {"member_clusters", "set(string)", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"multi_az_enabled", "bool", STK_ATTR_OPTIONAL, "false", NULL, NULL},
    {"node_type", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"notification_topic_arn", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"num_cache_clusters", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"num_node_groups", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"parameter_group_name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"port", "number", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"preferred_cache_cluster_azs", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"primary_endpoint_address", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"reader_endpoint_address", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"replicas_per_node_group", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"replication_group_id", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW | STK_ATTR_CASE_INSENSITIVE, NULL, NULL, NULL},
    {"security_group_ids", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"snapshot_retention_limit", "number", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"snapshot_window", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"subnet_group_name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"transit_encryption_enabled", "bool", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema rg_schema = {rg_attrs, STK_AWS_NATTRS(rg_attrs), NULL, 0};

static int rg_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "ReplicationGroupId", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "elasticache", "DescribeReplicationGroups", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *g = json_array_get(json_object_get(res, "ReplicationGroups"), 0);
    const char *status = stk_aws_jstr(g, "Status");
    if (!g || (status && (!strcmp(status, "deleted") || !strcmp(status, "deleting")))) {
        json_decref(res);
        return 0;
    }
    json_t *st = stk_aws_state_start(base);
    const char *gid = stk_aws_jstr(g, "ReplicationGroupId");
    const char *cfg = stk_aws_get_str(base, "replication_group_id");
    stk_aws_jset_str(st, "id", gid);
    stk_aws_jset_str(st, "replication_group_id", cfg && !strcasecmp(cfg, gid) ? cfg : gid);
    stk_aws_jset_str(st, "arn", stk_aws_jstr(g, "ARN"));
    stk_aws_jset_str(st, "description", stk_aws_jstr(g, "Description"));
    stk_aws_jset_str(st, "node_type", stk_aws_jstr(g, "CacheNodeType"));
    const char *eng = stk_aws_jstr(g, "Engine");
    if (eng) stk_aws_jset_str(st, "engine", eng);
    else if (!stk_aws_get_str(base, "engine")) stk_aws_jset_str(st, "engine", "redis");
    const char *af = stk_aws_jstr(g, "AutomaticFailover"), *maz = stk_aws_jstr(g, "MultiAZ");
    json_object_set_new(st, "automatic_failover_enabled", json_boolean(af && !strcmp(af, "enabled")));
    json_object_set_new(st, "multi_az_enabled", json_boolean(maz && !strcmp(maz, "enabled")));
    json_object_set_new(st, "cluster_enabled", json_boolean(json_is_true(json_object_get(g, "ClusterEnabled"))));
    json_object_set_new(st, "at_rest_encryption_enabled",
                        json_boolean(json_is_true(json_object_get(g, "AtRestEncryptionEnabled"))));
    json_object_set_new(st, "transit_encryption_enabled",
                        json_boolean(json_is_true(json_object_get(g, "TransitEncryptionEnabled"))));
    stk_aws_jset_str(st, "kms_key_id", stk_aws_jstr(g, "KmsKeyId"));
    stk_aws_jset_str(st, "snapshot_window", stk_aws_jstr(g, "SnapshotWindow"));
    stk_aws_jset(st, "snapshot_retention_limit", json_object_get(g, "SnapshotRetentionLimit"));
    json_t *amvu = json_object_get(g, "AutoMinorVersionUpgrade");
    json_object_set_new(st, "auto_minor_version_upgrade", json_string(!amvu || json_is_true(amvu) ? "true" : "false"));
    json_t *members = json_object_get(g, "MemberClusters");
    json_object_set(st, "member_clusters", members ? members : json_array());
    json_t *ngs = json_object_get(g, "NodeGroups");
    json_t *ng = json_array_get(ngs, 0);
    json_object_set_new(st, "num_node_groups", json_integer((json_int_t)json_array_size(ngs)));
    json_object_set_new(st, "num_cache_clusters", json_integer((json_int_t)json_array_size(members)));
    size_t nmem = json_array_size(json_object_get(ng, "NodeGroupMembers"));
    json_object_set_new(st, "replicas_per_node_group", json_integer(nmem > 0 ? (json_int_t)nmem - 1 : 0));
    json_t *cep = json_object_get(g, "ConfigurationEndpoint");
    stk_aws_jset_str(st, "configuration_endpoint_address", stk_aws_jstr(cep, "Address"));
    json_t *pep = json_object_get(ng, "PrimaryEndpoint");
    stk_aws_jset_str(st, "primary_endpoint_address", stk_aws_jstr(pep, "Address"));
    stk_aws_jset_str(st, "reader_endpoint_address", stk_aws_jstr(json_object_get(ng, "ReaderEndpoint"), "Address"));
    json_t *port = json_object_get(cep ? cep : pep, "Port");
    if (port) stk_aws_jset(st, "port", port);
    if (!json_is_boolean(json_object_get(st, "apply_immediately"))) json_object_set_new(st, "apply_immediately", json_false());
    char *arn = stk_xstrdup(stk_aws_jstr(g, "ARN") ? stk_aws_jstr(g, "ARN") : "");
    char *first = stk_xstrdup(json_string_value(json_array_get(members, 0)) ? json_string_value(json_array_get(members, 0)) : "");
    json_decref(res);
    res = NULL;
    /* engine version, parameter group, security groups, maintenance window:
       from the first member cluster, as the provider reads them */
    rc = 0;
    if (*first) {
        params = json_pack("{s:s}", "CacheClusterId", first);
        rc = stk_aws_call_nf(p, "elasticache", "DescribeCacheClusters", params, &res, d);
        json_decref(params);
        if (rc == 1) rc = 0;
        json_t *c = json_array_get(json_object_get(res, "CacheClusters"), 0);
        if (rc == 0 && c) {
            const char *ev = stk_aws_jstr(c, "EngineVersion"), *cev = stk_aws_get_str(base, "engine_version");
            stk_aws_jset_str(st, "engine_version_actual", ev);
            stk_aws_jset_str(st, "engine_version", cev && ev && !strncmp(ev, cev, strlen(cev)) ? cev : ev);
            stk_aws_jset_str(st, "parameter_group_name",
                             stk_aws_jstr(json_object_get(c, "CacheParameterGroup"), "CacheParameterGroupName"));
            stk_aws_jset_str(st, "subnet_group_name", stk_aws_jstr(c, "CacheSubnetGroupName"));
            stk_aws_jset_str(st, "maintenance_window", stk_aws_jstr(c, "PreferredMaintenanceWindow"));
            json_t *sgs = json_array(), *e;
            size_t i;
            json_array_foreach(json_object_get(c, "SecurityGroups"), i, e)
                json_array_append(sgs, json_object_get(e, "SecurityGroupId"));
            json_object_set_new(st, "security_group_ids", sgs);
        }
        json_decref(res);
    }
    free(first);
    if (rc == 0) rc = ec_read_tags(p, arn, st, base, d);
    free(arn);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int rg_wait(stk_provider_instance *p, const char *id, const char *waiter, char which, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "ReplicationGroupId", id);
    int rc = stk_aws_wait_for(p, "elasticache", waiter, params, which, which == 'c' ? 60 * 60 : 40 * 60, d);
    json_decref(params);
    return rc;
}

static int rg_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    if (stk_aws_get_int(planned, "num_node_groups", 1) > 1) {
        stk_idobs_unsupported(d, t->name, "cluster mode (num_node_groups > 1)");
        return -1;
    }
    char *id = lower(stk_aws_get_str(planned, "replication_group_id"));
    const char *eng = stk_aws_get_str(planned, "engine");
    json_t *params = json_pack("{s:s,s:s,s:s}", "ReplicationGroupId", id, "ReplicationGroupDescription",
                               stk_aws_get_str(planned, "description"), "Engine", eng ? eng : "redis");
    static const char *const strs[][2] = {
        {"engine_version", "EngineVersion"}, {"node_type", "CacheNodeType"},
        {"parameter_group_name", "CacheParameterGroupName"}, {"subnet_group_name", "CacheSubnetGroupName"},
        {"maintenance_window", "PreferredMaintenanceWindow"}, {"snapshot_window", "SnapshotWindow"},
        {"notification_topic_arn", "NotificationTopicArn"}, {"kms_key_id", "KmsKeyId"}, {"auth_token", "AuthToken"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char *v = stk_aws_get_str(planned, strs[i][0]);
        if (v) json_object_set_new(params, strs[i][1], json_string(v));
    }
    json_object_set_new(params, "AutomaticFailoverEnabled",
                        json_boolean(stk_aws_get_bool(planned, "automatic_failover_enabled", 0)));
    json_object_set_new(params, "MultiAZEnabled", json_boolean(stk_aws_get_bool(planned, "multi_az_enabled", 0)));
    if (stk_aws_get(planned, "num_cache_clusters"))
        json_object_set_new(params, "NumCacheClusters", json_integer(stk_aws_get_int(planned, "num_cache_clusters", 1)));
    if (stk_aws_get(planned, "port")) json_object_set_new(params, "Port", json_integer(stk_aws_get_int(planned, "port", 6379)));
    if (stk_aws_get(planned, "snapshot_retention_limit"))
        json_object_set_new(params, "SnapshotRetentionLimit",
                            json_integer(stk_aws_get_int(planned, "snapshot_retention_limit", 0)));
    if (stk_aws_get(planned, "at_rest_encryption_enabled"))
        json_object_set_new(params, "AtRestEncryptionEnabled",
                            json_boolean(stk_aws_get_bool(planned, "at_rest_encryption_enabled", 0)));
    if (stk_aws_get(planned, "transit_encryption_enabled"))
        json_object_set_new(params, "TransitEncryptionEnabled",
                            json_boolean(stk_aws_get_bool(planned, "transit_encryption_enabled", 0)));
    const char *amvu = stk_aws_get_str(planned, "auto_minor_version_upgrade");
    if (amvu) json_object_set_new(params, "AutoMinorVersionUpgrade", json_boolean(!strcmp(amvu, "true")));
    json_t *azs = stk_aws_get_strings(planned, "preferred_cache_cluster_azs");
    if (json_array_size(azs)) json_object_set(params, "PreferredCacheClusterAZs", azs);
    json_decref(azs);
    json_t *sgs = stk_aws_get_strings(planned, "security_group_ids");
    if (json_array_size(sgs)) json_object_set(params, "SecurityGroupIds", sgs);
    json_decref(sgs);
    add_tags(p, planned, params);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "elasticache", "CreateReplicationGroup", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc == 0) rc = rg_wait(p, id, "ReplicationGroupAvailable", 'c', d);
    if (rc == 0) rc = rg_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    free(id);
    return rc;
}

static int rg_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? rg_read_id(p, t, id, prior, new_state, d) : 0;
}

static int rg_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (stk_idobs_changed(prior, planned, "num_cache_clusters") && stk_aws_get(planned, "num_cache_clusters")) {
        stk_idobs_unsupported(d, t->name, "changing num_cache_clusters in place");
        return -1;
    }
    json_t *params = json_pack("{s:s,s:b}", "ReplicationGroupId", id, "ApplyImmediately",
                               stk_aws_get_bool(planned, "apply_immediately", 0));
    int changes = 0;
    static const char *const strs[][2] = {
        {"description", "ReplicationGroupDescription"}, {"engine_version", "EngineVersion"},
        {"node_type", "CacheNodeType"}, {"parameter_group_name", "CacheParameterGroupName"},
        {"maintenance_window", "PreferredMaintenanceWindow"}, {"snapshot_window", "SnapshotWindow"},
        {"notification_topic_arn", "NotificationTopicArn"},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (!stk_idobs_changed(prior, planned, strs[i][0])) continue;
        const char *v = stk_aws_get_str(planned, strs[i][0]);
        if (!v) continue;
        json_object_set_new(params, strs[i][1], json_string(v));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "automatic_failover_enabled")) {
        json_object_set_new(params, "AutomaticFailoverEnabled",
                            json_boolean(stk_aws_get_bool(planned, "automatic_failover_enabled", 0)));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "multi_az_enabled")) {
        json_object_set_new(params, "MultiAZEnabled", json_boolean(stk_aws_get_bool(planned, "multi_az_enabled", 0)));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "snapshot_retention_limit") && stk_aws_get(planned, "snapshot_retention_limit")) {
        json_object_set_new(params, "SnapshotRetentionLimit",
                            json_integer(stk_aws_get_int(planned, "snapshot_retention_limit", 0)));
        changes++;
    }
    if (stk_idobs_changed(prior, planned, "security_group_ids") && stk_aws_get(planned, "security_group_ids")) {
        json_object_set_new(params, "SecurityGroupIds", stk_aws_get_strings(planned, "security_group_ids"));
        changes++;
    }
    int rc = 0;
    if (changes) {
        json_t *res = NULL;
        rc = stk_aws_call(p->client, "elasticache", "ModifyReplicationGroup", params, &res, d);
        json_decref(res);
        if (rc == 0) rc = rg_wait(p, id, "ReplicationGroupAvailable", 'u', d);
    }
    json_decref(params);
    if (rc == 0) rc = ec_update_tags(p, prior, planned, d);
    if (rc != 0) return -1;
    rc = rg_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int rg_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "ReplicationGroupId", id), *res = NULL;
    const char *snap = stk_aws_get_str(prior, "final_snapshot_identifier");
    if (snap) json_object_set_new(params, "FinalSnapshotIdentifier", json_string(snap));
    static const char *const retry[] = {"InvalidReplicationGroupState", NULL};
    int rc = stk_aws_call_retry(p, "elasticache", "DeleteReplicationGroup", params, &res, retry,
                                stk_aws_timeout('d', 600), d);
    json_decref(params);
    json_decref(res);
    if (rc == 1) return 0;
    if (rc != 0) return -1;
    return rg_wait(p, id, "ReplicationGroupDeleted", 'd', d);
}

const stk_resource_type stk_aws_elasticache_replication_group_type = {
    "aws_elasticache_replication_group", "aws", STK_RESOURCE_MANAGED, &rg_schema, rg_create, rg_read, rg_update,
    rg_delete, ec_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};
