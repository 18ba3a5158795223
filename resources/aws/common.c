/* aws/common.c - the helpers every AWS resource file uses (common.h):
 * value getters, state building, tags, not-found detection, retries,
 * per-call context, waiters, ARNs, filters, import by id.
 */
#include "aws/common.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include "util/strbuf.h"

/* ---- reading values ---- */

stk_value *stk_aws_get(stk_value *obj, const char *name)
{
    if (!obj || obj->is_null || obj->is_unknown) return NULL;
    stk_type_kind k = stk_value_kind(obj);
    if (k != STK_TY_OBJECT && k != STK_TY_MAP) return NULL;
    stk_value *v = stk_value_get(obj, name);
    if (!v || v->is_null || v->is_unknown) return NULL;
    return v;
}

int stk_aws_is_unknown(stk_value *obj, const char *name)
{
    if (!obj || obj->is_null) return 0;
    if (obj->is_unknown) return 1;
    stk_type_kind k = stk_value_kind(obj);
    if (k != STK_TY_OBJECT && k != STK_TY_MAP) return 0;
    stk_value *v = stk_value_get(obj, name);
    return v && v->is_unknown;
}

const char *stk_aws_get_str(stk_value *obj, const char *name)
{
    stk_value *v = stk_aws_get(obj, name);
    return v && stk_value_kind(v) == STK_TY_STRING ? stk_value_str(v) : NULL;
}

int stk_aws_get_bool(stk_value *obj, const char *name, int dflt)
{
    stk_value *v = stk_aws_get(obj, name);
    if (!v) return dflt;
    if (stk_value_kind(v) == STK_TY_BOOL) return v->u.b;
    if (stk_value_kind(v) == STK_TY_STRING) return !strcmp(stk_value_str(v), "true");
    return dflt;
}

long long stk_aws_get_int(stk_value *obj, const char *name, long long dflt)
{
    stk_value *v = stk_aws_get(obj, name);
    if (!v) return dflt;
    if (stk_value_kind(v) == STK_TY_NUMBER) return v->is_int ? (long long)v->u.num.i : (long long)v->u.num.d;
    if (stk_value_kind(v) == STK_TY_STRING) {
        char *end;
        long long r = strtoll(stk_value_str(v), &end, 10);
        return *end ? dflt : r;
    }
    return dflt;
}

size_t stk_aws_get_count(stk_value *obj, const char *name)
{
    stk_value *v = stk_aws_get(obj, name);
    if (!v) return 0;
    stk_type_kind k = stk_value_kind(v);
    if (k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE) return v->u.coll.n;
    if (k == STK_TY_OBJECT) return 1;   /* a single nested block */
    return 0;
}

stk_value *stk_aws_get_elem(stk_value *obj, const char *name, size_t i)
{
    stk_value *v = stk_aws_get(obj, name);
    if (!v) return NULL;
    stk_type_kind k = stk_value_kind(v);
    if (k == STK_TY_OBJECT) return i == 0 ? v : NULL;
    if (k != STK_TY_LIST && k != STK_TY_SET && k != STK_TY_TUPLE) return NULL;
    return i < v->u.coll.n ? v->u.coll.items[i] : NULL;
}

json_t *stk_aws_value_to_json(stk_value *v)
{
    if (!v || v->is_null || v->is_unknown) return json_null();
    switch (stk_value_kind(v)) {
    case STK_TY_STRING: return json_stringn(v->u.str.s, v->u.str.len);
    case STK_TY_NUMBER: return v->is_int ? json_integer((json_int_t)v->u.num.i) : json_real(v->u.num.d);
    case STK_TY_BOOL: return json_boolean(v->u.b);
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.coll.n; i++) json_array_append_new(a, stk_aws_value_to_json(v->u.coll.items[i]));
        return a;
    }
    case STK_TY_MAP: case STK_TY_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (v->u.coll.items[i]->is_unknown) continue;
            json_object_set_new(o, v->u.coll.keys[i], stk_aws_value_to_json(v->u.coll.items[i]));
        }
        return o;
    }
    default:
        return json_null();
    }
}

json_t *stk_aws_get_json(stk_value *obj, const char *name)
{
    stk_value *v = stk_aws_get(obj, name);
    return v ? stk_aws_value_to_json(v) : NULL;
}

json_t *stk_aws_get_strings(stk_value *obj, const char *name)
{
    json_t *a = json_array();
    stk_value *v = stk_aws_get(obj, name);
    if (!v) return a;
    stk_type_kind k = stk_value_kind(v);
    if (k != STK_TY_LIST && k != STK_TY_SET && k != STK_TY_TUPLE) return a;
    for (size_t i = 0; i < v->u.coll.n; i++) {
        stk_value *e = v->u.coll.items[i];
        if (!e->is_null && !e->is_unknown && stk_value_kind(e) == STK_TY_STRING)
            json_array_append_new(a, json_string(stk_value_str(e)));
    }
    return a;
}

/* ---- building state ---- */

stk_value *stk_aws_state_build(const stk_resource_type *t, json_t *attrs, stk_diags *d)
{
    if (!t->schema) {
        json_decref(attrs);
        stk_diags_error(d, NULL, "Internal error", "resource type %s has no schema", t->name);
        return NULL;
    }
    stk_type *ty = stk_schema_type(t->schema);
    char *err = NULL;
    stk_value *v = stk_value_from_json_typed(attrs, ty, &err);
    stk_type_unref(ty);
    json_decref(attrs);
    if (!v) {
        stk_diags_error(d, NULL, "Unexpected value from AWS", "%s: %s", t->name, err ? err : "conversion failed");
        free(err);
    }
    return v;
}

json_t *stk_aws_state_start(stk_value *v)
{
    json_t *j = stk_aws_value_to_json(v);
    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    return j;
}

void stk_aws_jset_str(json_t *o, const char *key, const char *s)
{
    json_object_set_new(o, key, s ? json_string(s) : json_null());
}

void stk_aws_jset(json_t *o, const char *key, json_t *v)
{
    json_object_set(o, key, v ? v : json_null());
}

/* ---- tags ---- */

json_t *stk_aws_tags_get(stk_value *obj, const char *name)
{
    json_t *m = json_object();
    stk_value *v = stk_aws_get(obj, name);
    if (!v) return m;
    stk_type_kind k = stk_value_kind(v);
    if (k != STK_TY_MAP && k != STK_TY_OBJECT) return m;
    for (size_t i = 0; i < v->u.coll.n; i++) {
        stk_value *e = v->u.coll.items[i];
        if (e->is_null || e->is_unknown || stk_value_kind(e) != STK_TY_STRING) continue;
        json_object_set_new(m, v->u.coll.keys[i], json_string(stk_value_str(e)));
    }
    return m;
}

json_t *stk_aws_tags_merge(json_t *default_tags, json_t *tags)
{
    json_t *m = json_object();
    if (json_is_object(default_tags)) json_object_update(m, default_tags);
    if (json_is_object(tags)) json_object_update(m, tags);
    return m;
}

json_t *stk_aws_tags_all(stk_provider_instance *p, stk_value *planned)
{
    json_t *t = stk_aws_tags_get(planned, "tags");
    json_t *m = stk_aws_tags_merge(p ? p->default_tags : NULL, t);
    json_decref(t);
    return m;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

json_t *stk_aws_tags_to_list(json_t *map)
{
    json_t *l = json_array();
    if (!json_is_object(map)) return l;
    size_t n = json_object_size(map), i = 0;
    const char **keys = stk_xcalloc(n + 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_str);
    for (i = 0; i < n; i++) {
        json_t *val = json_object_get(map, keys[i]);
        json_array_append_new(l, json_pack("{s:s,s:s}", "Key", keys[i], "Value",
                                           json_is_string(val) ? json_string_value(val) : ""));
    }
    free(keys);
    return l;
}

json_t *stk_aws_tags_from_list(json_t *list)
{
    json_t *m = json_object();
    size_t i;
    json_t *e;
    if (!json_is_array(list)) return m;
    json_array_foreach(list, i, e) {
        json_t *k = json_object_get(e, "Key");
        json_t *v = json_object_get(e, "Value");
        if (!k) k = json_object_get(e, "key");
        if (!v) v = json_object_get(e, "value");
        if (!json_is_string(k)) continue;
        if (!strncmp(json_string_value(k), "aws:", 4)) continue;
        json_object_set_new(m, json_string_value(k), json_string(json_is_string(v) ? json_string_value(v) : ""));
    }
    return m;
}

json_t *stk_aws_ec2_tag_specs(const char *resource_type, json_t *tags_all)
{
    if (!json_is_object(tags_all) || json_object_size(tags_all) == 0) return NULL;
    return json_pack("[{s:s,s:o}]", "ResourceType", resource_type, "Tags", stk_aws_tags_to_list(tags_all));
}

void stk_aws_tags_diff(json_t *old_map, json_t *new_map, json_t **removed, json_t **changed)
{
    *removed = json_object();
    *changed = json_object();
    const char *k;
    json_t *v;
    if (json_is_object(old_map))
        json_object_foreach(old_map, k, v) if (!json_object_get(new_map, k)) json_object_set(*removed, k, v);
    if (json_is_object(new_map))
        json_object_foreach(new_map, k, v) {
            json_t *o = json_object_get(old_map, k);
            if (!o || !json_equal(o, v)) json_object_set(*changed, k, v);
        }
}

int stk_aws_ec2_update_tags(stk_provider_instance *p, const char *id, json_t *old_map, json_t *new_map,
                            stk_diags *d)
{
    json_t *removed, *changed;
    stk_aws_tags_diff(old_map, new_map, &removed, &changed);
    int rc = 0;
    if (json_object_size(removed)) {
        json_t *keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(removed, k, v) json_array_append_new(keys, json_pack("{s:s}", "Key", k));
        json_t *params = json_pack("{s:[s],s:o}", "Resources", id, "Tags", keys), *res = NULL;
        rc = stk_aws_call(p->client, "ec2", "DeleteTags", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0 && json_object_size(changed)) {
        json_t *params = json_pack("{s:[s],s:o}", "Resources", id, "Tags", stk_aws_tags_to_list(changed)), *res = NULL;
        rc = stk_aws_call(p->client, "ec2", "CreateTags", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(removed);
    json_decref(changed);
    return rc;
}

void stk_aws_state_set_tags(json_t *state, stk_provider_instance *p, json_t *api_tags, stk_value *cfg)
{
    json_t *all = json_is_object(api_tags) ? json_deep_copy(api_tags) : json_object();
    json_t *configured = stk_aws_tags_get(cfg, "tags");
    json_t *prior_all = stk_aws_tags_get(cfg, "tags_all");
    int cfg_has_tags = stk_aws_get(cfg, "tags") != NULL;
    json_t *tags = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(all, k, v) {
        if (json_object_get(configured, k)) {
            json_object_set(tags, k, v);
            continue;
        }
        json_t *dv = p ? json_object_get(p->default_tags, k) : NULL;
        if (dv && json_equal(dv, v)) continue;
        /* a default tag as the last apply left it (the default_tags value
           changed or was removed since): still not one of the resource's
           own tags, so a default_tags change shows no drift */
        json_t *pv = json_object_get(prior_all, k);
        if (pv && json_equal(pv, v)) continue;
        json_object_set(tags, k, v);
    }
    json_decref(prior_all);
    if (!cfg_has_tags && json_object_size(tags) == 0) {
        json_decref(tags);
        tags = json_null();
    }
    json_object_set_new(state, "tags", tags);
    json_object_set_new(state, "tags_all", all);
    json_decref(configured);
}

/* ---- calls ---- */

int stk_aws_is_not_found(const stk_aws_error *e)
{
    if (!e || !e->code) return 0;
    if (strstr(e->code, "NotFound")) return 1;
    if (!strncmp(e->code, "NoSuch", 6)) return 1;
    /* Auto Scaling: "ValidationError: AutoScalingGroup name not found - ..."
       (a delete sent again after its answer was lost meets it) */
    if (!strcmp(e->code, "ValidationError") && e->message && strstr(e->message, " not found")) return 1;
    return 0;
}

int stk_aws_call_nf(stk_provider_instance *p, const char *service, const char *op, json_t *params,
                    json_t **result, stk_diags *d)
{
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    *result = NULL;
    int rc = stk_aws_call_ex(p->client, service, op, params, NULL, result, &err, &tmp);
    if (rc != 0 && stk_aws_is_not_found(&err)) {
        stk_diags_free(&tmp);
        stk_aws_error_clear(&err);
        return 1;
    }
    stk_diags_append(d, &tmp);
    stk_diags_free(&tmp);
    stk_aws_error_clear(&err);
    return rc == 0 ? 0 : -1;
}

/* ---- refresh by batch ---- */

void stk_aws_batch_put(stk_provider_instance *p, const char *kind, const char *id, json_t *obj)
{
    if (!id) return;
    char *k = stk_xasprintf("%s\n%s", kind, id);
    pthread_mutex_lock(&p->batch_lock);
    json_object_set_new(p->batch, k, obj ? json_incref(obj) : json_null());
    pthread_mutex_unlock(&p->batch_lock);
    free(k);
}

int stk_aws_batch_get(stk_provider_instance *p, const char *kind, const char *id, json_t **obj)
{
    *obj = NULL;
    if (!id) return 0;
    char *k = stk_xasprintf("%s\n%s", kind, id);
    pthread_mutex_lock(&p->batch_lock);
    json_t *v = json_object_get(p->batch, k);
    if (v && !json_is_null(v)) *obj = json_incref(v);
    pthread_mutex_unlock(&p->batch_lock);
    free(k);
    return v != NULL;
}

json_t *stk_aws_batch_ids(stk_value *const *priors, size_t n, const char *attr)
{
    json_t *ids = json_array(), *seen = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *id = stk_aws_get_str(priors[i], attr);
        if (!id || !*id || json_object_get(seen, id)) continue;
        json_object_set_new(seen, id, json_true());
        json_array_append_new(ids, json_string(id));
    }
    json_decref(seen);
    return ids;
}

int stk_aws_ec2_batch(stk_provider_instance *p, const char *op, const char *filter, const char *list_key,
                      const char *id_member, json_t *ids, stk_diags *d)
{
    char *param = stk_xasprintf("filter:%s", filter);   /* 200: AWS's limit of values per filter */
    int rc = stk_aws_batch_by_ids(p, "ec2", op, param, 200, list_key, NULL, id_member, ids, d);
    free(param);
    return rc;
}

int stk_aws_batch_by_ids(stk_provider_instance *p, const char *service, const char *op, const char *param,
                         size_t chunk, const char *list_key, const char *inner, const char *id_member, json_t *ids,
                         stk_diags *d)
{
    json_t *found = json_object(), *asked = json_array(), *kept = NULL;
    size_t n = json_array_size(ids);
    int rc = 0;
    for (size_t from = 0; rc == 0 && from < n; from += chunk) {
        json_t *vals = json_array();
        for (size_t i = from; i < n && i < from + chunk; i++) {
            const char *id = json_string_value(json_array_get(ids, i));
            if (stk_aws_batch_get(p, op, id, &kept)) {   /* already kept (batch_begin) */
                json_decref(kept);
                continue;
            }
            json_array_append_new(vals, json_string(id));
        }
        if (!json_array_size(vals)) {
            json_decref(vals);
            continue;
        }
        json_t *params = !strncmp(param, "filter:", 7)
                             ? json_pack("{s:[{s:s,s:O}]}", "Filters", "Name", param + 7, "Values", vals)
                             : json_pack("{s:O}", param, vals);
        json_t *got = json_object();
        int crc = 0;
        for (;;) {
            json_t *res = NULL;
            crc = stk_aws_call_nf(p, service, op, params, &res, d);
            if (crc != 0) {
                json_decref(res);
                break;
            }
            size_t i, j;
            json_t *e, *f;
            json_array_foreach(json_object_get(res, list_key), i, e) {
                if (!inner) {
                    const char *id = stk_aws_jstr(e, id_member);
                    if (id) json_object_set(got, id, e);
                    continue;
                }
                json_array_foreach(json_object_get(e, inner), j, f) {
                    const char *id = stk_aws_jstr(f, id_member);
                    if (id) json_object_set(got, id, f);
                }
            }
            const char *next = stk_aws_jstr(res, "NextToken");
            if (!next || !*next) {
                json_decref(res);
                break;
            }
            json_object_set_new(params, "NextToken", json_string(next));
            json_decref(res);
        }
        json_decref(params);
        if (crc < 0) rc = -1;
        if (crc == 0) {   /* crc 1: one of the chunk is gone and the API said so for all: keep nothing */
            json_object_update(found, got);
            json_array_extend(asked, vals);
        }
        json_decref(got);
        json_decref(vals);
    }
    size_t i;
    json_t *v;
    json_array_foreach(asked, i, v) {
        const char *id = json_string_value(v);
        stk_aws_batch_put(p, op, id, json_object_get(found, id));
    }
    json_decref(asked);
    json_decref(found);
    return rc;
}

int stk_aws_read_batch_by(stk_provider_instance *p, stk_value *const *priors, size_t n, const char *attr,
                          const char *service, const char *op, const char *param, size_t chunk, const char *list_key,
                          const char *inner, const char *id_member, stk_diags *d)
{
    json_t *ids = stk_aws_batch_ids(priors, n, attr);
    int rc = json_array_size(ids) > 1
                 ? stk_aws_batch_by_ids(p, service, op, param, chunk, list_key, inner, id_member, ids, d)
                 : 0;   /* one object: its own read costs the same */
    json_decref(ids);
    return rc;
}

int stk_aws_batch_call_nf(stk_provider_instance *p, const char *service, const char *op, json_t *params,
                          const char *list_key, const char *inner, const char *id, json_t **result, stk_diags *d)
{
    json_t *kept = NULL;
    if (!stk_aws_batch_get(p, op, id, &kept)) return stk_aws_call_nf(p, service, op, params, result, d);
    json_t *list = json_array();
    if (kept) json_array_append_new(list, kept);
    if (inner) {
        json_t *outer = json_array();
        if (json_array_size(list)) json_array_append_new(outer, json_pack("{s:O}", inner, list));
        json_decref(list);
        list = outer;
    }
    *result = json_pack("{s:o}", list_key, list);
    return 0;
}

int stk_aws_elbv2_tags_batch(stk_provider_instance *p, const stk_resource_type *const *types, stk_value *const *priors,
                             size_t n, stk_diags *d)
{
    static const char *const elbv2_types[] = {"aws_lb", "aws_alb", "aws_lb_target_group", "aws_alb_target_group",
                                              "aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule",
                                              "aws_alb_listener_rule", NULL};
    json_t *arns = json_array(), *seen = json_object();
    for (size_t i = 0; i < n; i++) {
        int is = 0;
        for (size_t k = 0; elbv2_types[k]; k++) is |= !strcmp(types[i]->name, elbv2_types[k]);
        const char *arn = is ? stk_aws_get_str(priors[i], "arn") : NULL;
        if (!arn || strncmp(arn, "arn:", 4) || json_object_get(seen, arn)) continue;
        json_object_set_new(seen, arn, json_true());
        json_array_append_new(arns, json_string(arn));
    }
    json_decref(seen);
    int rc = 0;
    size_t na = json_array_size(arns);
    /* up to 20 ARNs a call; a chunk naming one that is gone fails whole
       (LoadBalancerNotFound...): its objects are then read one by one */
    for (size_t from = 0; na > 1 && from < na; from += 20) {
        json_t *chunk = json_array();
        for (size_t i = from; i < na && i < from + 20; i++) json_array_append(chunk, json_array_get(arns, i));
        json_t *params = json_pack("{s:o}", "ResourceArns", chunk), *res = NULL;
        if (stk_aws_call(p->client, "elbv2", "DescribeTags", params, &res, d) == 0) {
            size_t i;
            json_t *td;
            json_array_foreach(json_object_get(res, "TagDescriptions"), i, td)
                stk_aws_batch_put(p, "elbv2:DescribeTags", stk_aws_jstr(td, "ResourceArn"), td);
        } else {
            rc = -1;
        }
        json_decref(params);
        json_decref(res);
    }
    json_decref(arns);
    return rc;
}

int stk_aws_ec2_read_batch(stk_provider_instance *p, stk_value *const *priors, size_t n, const char *op,
                           const char *filter, const char *list_key, const char *id_member, stk_diags *d)
{
    json_t *ids = stk_aws_batch_ids(priors, n, "id");
    int rc = json_array_size(ids) ? stk_aws_ec2_batch(p, op, filter, list_key, id_member, ids, d) : 0;
    json_decref(ids);
    return rc;
}

int stk_aws_ec2_describe_one(stk_provider_instance *p, const char *op, const char *id_param, const char *id,
                             const char *list_key, json_t **obj, stk_diags *d)
{
    *obj = NULL;
    if (stk_aws_batch_get(p, op, id, obj)) return *obj ? 0 : 1;
    json_t *params = json_pack("{s:[s]}", id_param, id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ec2", op, params, &res, d);
    json_decref(params);
    if (rc != 0) return rc;
    json_t *e = json_array_get(json_object_get(res, list_key), 0);
    if (e) *obj = json_incref(e);
    json_decref(res);
    return e ? 0 : 1;
}

int stk_aws_ec2_describe_new(stk_provider_instance *p, const char *op, const char *id_param, const char *id,
                             const char *list_key, double seconds, json_t **obj, stk_diags *d)
{
    double delays[] = {0.5, 1, 2, 5}, waited = 0;
    for (int i = 0;; i++) {
        int rc = stk_aws_ec2_describe_one(p, op, id_param, id, list_key, obj, d);
        if (rc != 1) return rc;
        double dl = delays[i < 3 ? i : 3];
        if (waited + dl > seconds) return 1;
        if (stk_aws_sleep(dl) != 0) {
            stk_diags_error(d, NULL, "Interrupted", "ec2 %s: stopped while waiting for %s", op, id);
            return -1;
        }
        waited += dl;
    }
}

int stk_aws_partial_state(const stk_resource_type *t, stk_value *planned, const char *id, stk_value **new_state,
                          stk_diags *d)
{
    if (*new_state || !id) return -1;
    json_t *st = stk_aws_state_start(planned);
    stk_aws_jset_str(st, "id", id);
    *new_state = stk_aws_state_build(t, st, d);
    return -1;
}

int stk_aws_ec2_update_tags_planned(stk_provider_instance *p, const char *id, stk_value *prior, stk_value *planned,
                                    stk_diags *d)
{
    json_t *old_tags = stk_aws_tags_get(prior, "tags_all"), *new_tags = stk_aws_tags_all(p, planned);
    int rc = stk_aws_ec2_update_tags(p, id, old_tags, new_tags, d);
    json_decref(old_tags);
    json_decref(new_tags);
    return rc;
}

const char *stk_aws_jstr(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static double delay_scale(void)
{
    const char *s = getenv("STK_WAITER_DELAY_SCALE");
    if (!s || !*s) return 1.0;
    double f = strtod(s, NULL);
    return f > 0 ? f : 1.0;
}

int stk_aws_sleep(double seconds)
{
    const stk_call_ctx *c = stk_call_ctx_current();
    double left = seconds * delay_scale();
    while (left > 0) {
        if (c && c->cancelled && *c->cancelled) return -1;
        double step = left > 0.2 ? 0.2 : left;
        struct timespec ts = {(time_t)step, (long)((step - (time_t)step) * 1e9)};
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
        left -= step;
    }
    if (c && c->cancelled && *c->cancelled) return -1;
    return 0;
}

static int matches(const stk_aws_error *e, const char *const *retry_on)
{
    if (!e->code || !retry_on) return 0;
    for (size_t i = 0; retry_on[i]; i++) {
        const char *colon = strchr(retry_on[i], ':');
        size_t clen = colon ? (size_t)(colon - retry_on[i]) : strlen(retry_on[i]);
        if (strlen(e->code) != clen || strncmp(e->code, retry_on[i], clen)) continue;
        if (!colon) return 1;
        if (e->message && strstr(e->message, colon + 1)) return 1;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int stk_aws_call_retry(stk_provider_instance *p, const char *service, const char *op, json_t *params,
                       json_t **result, const char *const *retry_on, double seconds, stk_diags *d)
{
    double start = now_seconds(), scale = delay_scale();
    double delays[] = {1, 2, 5};
    for (int attempt = 0;; attempt++) {
        stk_aws_error err = {0};
        stk_diags tmp = STK_DIAGS_INIT;
        *result = NULL;
        int rc = stk_aws_call_ex(p->client, service, op, params, NULL, result, &err, &tmp);
        if (rc == 0) {
            stk_diags_free(&tmp);
            stk_aws_error_clear(&err);
            return 0;
        }
        double delay = delays[attempt < 2 ? attempt : 2];
        int retry = matches(&err, retry_on) && (now_seconds() - start + delay * scale) <= seconds * scale;
        if (!retry) {
            int nf = stk_aws_is_not_found(&err) && !matches(&err, retry_on);
            if (!nf) stk_diags_append(d, &tmp);
            stk_diags_free(&tmp);
            stk_aws_error_clear(&err);
            return nf ? 1 : -1;
        }
        stk_diags_free(&tmp);
        stk_aws_error_clear(&err);
        if (stk_aws_sleep(delay) != 0) {
            stk_diags_error(d, NULL, "Interrupted", "%s %s: stopped while waiting to retry", service, op);
            return -1;
        }
    }
}

/* ---- per-call context ---- */

const char *stk_aws_idempotency_token(void)
{
    const stk_call_ctx *c = stk_call_ctx_current();
    return c && c->token && *c->token ? c->token : NULL;
}

double stk_aws_timeout(char which, double dflt)
{
    const stk_call_ctx *c = stk_call_ctx_current();
    if (!c) return dflt;
    double v = which == 'c' ? c->timeout_create : which == 'r' ? c->timeout_read
             : which == 'u' ? c->timeout_update : which == 'd' ? c->timeout_delete : 0;
    return v > 0 ? v : dflt;
}

int stk_aws_wait_for(stk_provider_instance *p, const char *service, const char *waiter, json_t *params,
                     char which, double dflt_seconds, stk_diags *d)
{
    return stk_aws_wait(p->client, service, waiter, params, stk_aws_timeout(which, dflt_seconds), d);
}

char *stk_aws_journal_info_default(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                   const char *token)
{
    json_t *o = json_object();
    if (token) json_object_set_new(o, "token", json_string(token));
    json_object_set_new(o, "tags", stk_aws_tags_all(p, planned));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    (void)t;
    return s;
}

int stk_aws_ec2_recover_by_tags(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                                const char *op, const char *list_key, const char *id_member, stk_value **state,
                                stk_diags *d)
{
    *state = NULL;
    json_error_t je;
    json_t *info = json_loads(info_json ? info_json : "{}", 0, &je);
    if (!json_is_object(info)) {
        json_decref(info);
        stk_diags_error(d, NULL, "Invalid journal entry", "%s: the intent's info is not a JSON object: %s", t->name, je.text);
        return -1;
    }
    char *id = json_is_string(json_object_get(info, "id")) ? stk_xstrdup(json_string_value(json_object_get(info, "id"))) : NULL;
    json_t *tags = json_object_get(info, "tags");
    int rc = 0;
    stk_recover_note_found_by(id ? "its id" : "its tags");
    if (!id && json_object_size(tags)) {
        json_t *filters = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(tags, k, v) {
            char *name = stk_xasprintf("tag:%s", k);
            json_array_append_new(filters, json_pack("{s:s,s:[O]}", "Name", name, "Values", v));
            free(name);
        }
        /* DescribeNatGateways names its member Filter */
        json_t *params = json_pack("{s:o}", strcmp(op, "DescribeNatGateways") ? "Filters" : "Filter", filters), *res = NULL;
        rc = stk_aws_call(p->client, "ec2", op, params, &res, d);
        json_decref(params);
        if (rc == 0) {
            json_t *items = json_object_get(res, list_key), *e;
            size_t i, n = 0;
            const char *found = NULL;
            json_array_foreach(items, i, e) {
                const char *st = stk_aws_jstr(e, "State");
                if (st && (!strcmp(st, "deleted") || !strcmp(st, "deleting") || !strcmp(st, "failed"))) continue;
                found = stk_aws_jstr(e, id_member);
                n++;
            }
            if (n > 1) {
                stk_diags_error(d, NULL, "Cannot recover the object", "%s: %zu objects carry the tags recorded before "
                                "the interrupted create; import the right one by id.", t->name, n);
                rc = -1;
            } else if (n == 1 && found) {
                id = stk_xstrdup(found);
            }
        }
        json_decref(res);
    }
    if (rc == 0 && !id && !json_object_size(tags)) {
        /* untagged: AWS cannot say whether the interrupted create made it */
        stk_diags_error(d, NULL, "Cannot recover the object",
                        "%s: the interrupted create had no tags to find its object by; check whether it exists "
                        "and import it by id, or remove the pending intent.", t->name);
        rc = -1;
    }
    json_decref(info);
    if (rc == 0 && id) {
        stk_value *seed = stk_aws_state_build(t, json_pack("{s:s}", "id", id), d);
        rc = seed ? t->read(p, t, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(id);
    return rc;
}

/* ---- identifiers ---- */

char *stk_aws_arn(stk_provider_instance *p, const char *service, const char *region, const char *resource,
                  stk_diags *d)
{
    const char *acc = stk_aws_account_id(p, d);
    if (!acc) return NULL;
    return stk_xasprintf("arn:%s:%s:%s:%s:%s", p->partition, service, region ? region : p->region, acc, resource);
}

const char *stk_aws_region(stk_provider_instance *p) { return p->region; }

/* ---- data sources, import ---- */

json_t *stk_aws_ec2_filters(stk_value *cfg, const char *block)
{
    json_t *out = json_array();
    size_t n = stk_aws_get_count(cfg, block);
    for (size_t i = 0; i < n; i++) {
        stk_value *f = stk_aws_get_elem(cfg, block, i);
        const char *name = stk_aws_get_str(f, "name");
        if (!name) continue;
        json_array_append_new(out, json_pack("{s:s,s:o}", "Name", name, "Values", stk_aws_get_strings(f, "values")));
    }
    return out;
}

int stk_aws_import_by_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                         stk_diags *d)
{
    *state = NULL;
    stk_value *seed = stk_aws_state_build(t, json_pack("{s:s}", "id", id), d);
    if (!seed) return -1;
    stk_value *st = NULL;
    int rc = t->read(p, t, seed, &st, d);
    stk_value_unref(seed);
    if (rc != 0) return -1;
    if (!st) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object",
                        "While attempting to import an existing object to %s, the provider detected "
                        "that no object exists with the given id \"%s\".", t->name, id);
        return -1;
    }
    *state = st;
    return 0;
}

int stk_aws_require_state(const stk_resource_type *t, const char *id, stk_value *st, stk_diags *d)
{
    if (st) return 0;
    stk_diags_error(d, NULL, "Object not found after creation",
                    "%s %s was created but AWS does not find it when reading it back.", t->name, id ? id : "");
    return -1;
}
