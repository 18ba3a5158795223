/* idobs_util.c - generated names, IAM policy documents compared by meaning,
 * and service tag updates for the identity / registry / observability /
 * data-store resource files (see idobs_util.h). */
#include "aws/idobs_util.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* ---- names ---- */

static pthread_mutex_t name_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned name_counter;

char *stk_idobs_name(stk_value *planned, const char *name_key, const char *prefix_key, const char *dflt_prefix)
{
    const char *name = stk_aws_get_str(planned, name_key);
    if (name) return stk_xstrdup(name);
    const char *prefix = prefix_key ? stk_aws_get_str(planned, prefix_key) : NULL;
    if (!prefix) prefix = dflt_prefix ? dflt_prefix : "terraform-";
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t secs = tv.tv_sec;
    gmtime_r(&secs, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm);
    pthread_mutex_lock(&name_lock);
    unsigned n = ++name_counter;
    pthread_mutex_unlock(&name_lock);
    /* 14 digits of time, 4 of the sub-second, 8 hex of counter: 26 */
    return stk_xasprintf("%s%s%04ld%08x", prefix, ts, (long)(tv.tv_usec / 100), n);
}

const char *stk_idobs_name_prefix_of(stk_value *base, const char *prefix_key)
{
    return stk_aws_get_str(base, prefix_key);
}

/* ---- policies ---- */

char *stk_idobs_url_decode(const char *s)
{
    if (!s) return NULL;
    if (!strchr(s, '%') || s[0] == '{' || isspace((unsigned char)s[0])) return stk_xstrdup(s);
    size_t n = strlen(s), j = 0;
    char *o = stk_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            o[j++] = (char)strtol(h, NULL, 16);
            i += 2;
        } else if (s[i] == '+') {
            o[j++] = ' ';
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = 0;
    return o;
}

static int cmp_json_str(const void *a, const void *b)
{
    char *sa = json_dumps(*(json_t *const *)a, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    char *sb = json_dumps(*(json_t *const *)b, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    int r = strcmp(sa ? sa : "", sb ? sb : "");
    free(sa);
    free(sb);
    return r;
}

/* A string or list as a sorted, de-duplicated list (new ref). */
static json_t *as_sorted_list(json_t *v)
{
    json_t *l = json_array();
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append(l, e);
    } else {
        json_array_append(l, v);
    }
    size_t n = json_array_size(l);
    json_t **items = stk_xcalloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = json_array_get(l, i);
    qsort(items, n, sizeof *items, cmp_json_str);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !json_equal(items[i], items[i - 1])) json_array_append(out, items[i]);
    free(items);
    json_decref(l);
    return out;
}

static json_t *canon_principal(json_t *p)
{
    if (!json_is_object(p)) return json_deep_copy(p);   /* "*" */
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(p, k, v) json_object_set_new(o, k, as_sorted_list(v));
    return o;
}

static json_t *canon_condition(json_t *c)
{
    if (!json_is_object(c)) return json_deep_copy(c);
    json_t *o = json_object();
    const char *op;
    json_t *kv;
    json_object_foreach(c, op, kv) {
        if (!json_is_object(kv)) {
            json_object_set(o, op, kv);
            continue;
        }
        json_t *m = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(kv, k, v) {
            json_t *l = as_sorted_list(v);
            /* IAM treats condition values as strings: true and "true" agree */
            size_t i;
            json_t *e, *s = json_array();
            json_array_foreach(l, i, e) {
                if (json_is_string(e)) json_array_append(s, e);
                else {
                    char *t = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
                    json_array_append_new(s, json_string(t ? t : ""));
                    free(t);
                }
            }
            json_decref(l);
            json_object_set_new(m, k, as_sorted_list(s));
            json_decref(s);
        }
        json_object_set_new(o, op, m);
    }
    return o;
}

static json_t *canon_statement(json_t *st)
{
    if (!json_is_object(st)) return json_deep_copy(st);
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(st, k, v) {
        if (!strcmp(k, "Action") || !strcmp(k, "NotAction") || !strcmp(k, "Resource") || !strcmp(k, "NotResource"))
            json_object_set_new(o, k, as_sorted_list(v));
        else if (!strcmp(k, "Principal") || !strcmp(k, "NotPrincipal"))
            json_object_set_new(o, k, canon_principal(v));
        else if (!strcmp(k, "Condition"))
            json_object_set_new(o, k, canon_condition(v));
        else if (!strcmp(k, "Sid") && json_is_string(v) && !*json_string_value(v))
            continue;   /* an empty Sid is no Sid */
        else
            json_object_set(o, k, v);
    }
    return o;
}

json_t *stk_idobs_policy_canonical(const char *s)
{
    if (!s) return NULL;
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
    if (!j) {
        char *dec = stk_idobs_url_decode(s);
        j = json_loads(dec, JSON_DECODE_ANY, NULL);
        free(dec);
    }
    if (!json_is_object(j)) return j;
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (strcmp(k, "Statement")) {
            json_object_set(o, k, v);
            continue;
        }
        json_t *l = json_array();
        if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) json_array_append_new(l, canon_statement(e));
        } else {
            json_array_append_new(l, canon_statement(v));
        }
        json_object_set_new(o, k, l);
    }
    json_decref(j);
    return o;
}

int stk_idobs_policy_equal(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    json_t *ja = stk_idobs_policy_canonical(a), *jb = stk_idobs_policy_canonical(b);
    int eq = ja && jb ? json_equal(ja, jb) : !strcmp(a, b);
    json_decref(ja);
    json_decref(jb);
    return eq;
}

stk_value *stk_idobs_policy_normalize(stk_value *v)
{
    if (stk_value_kind(v) != STK_TY_STRING) return stk_value_ref(v);
    json_t *c = stk_idobs_policy_canonical(stk_value_str(v));
    if (!c) return stk_value_ref(v);
    char *s = json_dumps(c, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(c);
    stk_value *out = stk_value_string_take(s);
    if (v->marks) out = stk_value_mark(out, v->marks);
    return out;
}

char *stk_idobs_policy_for_state(stk_value *base, const char *key, const char *remote)
{
    const char *cfg = stk_aws_get_str(base, key);
    if (cfg && remote && stk_idobs_policy_equal(cfg, remote)) return stk_xstrdup(cfg);
    return stk_idobs_url_decode(remote);
}

char *stk_idobs_json_for_state(stk_value *base, const char *key, const char *remote)
{
    const char *cfg = stk_aws_get_str(base, key);
    if (cfg && remote) {
        json_t *a = json_loads(cfg, JSON_DECODE_ANY, NULL), *b = json_loads(remote, JSON_DECODE_ANY, NULL);
        int eq = a && b && json_equal(a, b);
        json_decref(a);
        json_decref(b);
        if (eq) return stk_xstrdup(cfg);
    }
    return remote ? stk_xstrdup(remote) : NULL;
}

/* ---- tags ---- */

int stk_idobs_update_tags(stk_provider_instance *p, const char *service, const char *tag_op, const char *untag_op,
                          const char *id_key, const char *id, const char *tags_key, const char *keys_key, int as_map,
                          json_t *old_map, json_t *new_map, stk_diags *d)
{
    json_t *removed, *changed;
    stk_aws_tags_diff(old_map, new_map, &removed, &changed);
    int rc = 0;
    json_t *res = NULL;
    if (json_object_size(removed) > 0) {
        json_t *keys = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(removed, k, v) json_array_append_new(keys, json_string(k));
        json_t *params = json_pack("{s:s,s:o}", id_key, id, keys_key, keys);
        rc = stk_aws_call(p->client, service, untag_op, params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    if (rc == 0 && json_object_size(changed) > 0) {
        json_t *tags = as_map ? json_incref(changed) : stk_aws_tags_to_list(changed);
        json_t *params = json_pack("{s:s,s:o}", id_key, id, tags_key, tags);
        rc = stk_aws_call(p->client, service, tag_op, params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    json_decref(removed);
    json_decref(changed);
    return rc;
}

int stk_idobs_update_tags_v(stk_provider_instance *p, const char *service, const char *tag_op, const char *untag_op,
                            const char *id_key, const char *id, const char *tags_key, const char *keys_key,
                            int as_map, stk_value *prior, stk_value *planned, stk_diags *d)
{
    json_t *o = stk_aws_tags_get(prior, "tags_all"), *n = stk_aws_tags_all(p, planned);
    int rc = stk_idobs_update_tags(p, service, tag_op, untag_op, id_key, id, tags_key, keys_key, as_map, o, n, d);
    json_decref(o);
    json_decref(n);
    return rc;
}

int stk_idobs_changed(stk_value *prior, stk_value *planned, const char *key)
{
    if (stk_aws_is_unknown(planned, key)) return 0;
    stk_value *a = stk_aws_get(prior, key), *b = stk_aws_get(planned, key);
    if (!a && !b) return 0;
    if (!a || !b) return 1;
    return !stk_value_raw_equal(a, b);
}

void stk_idobs_unsupported(stk_diags *d, const char *type, const char *what)
{
    stk_diags_error(d, NULL, "Not supported yet", "%s: %s is not supported by stk yet.", type, what);
}

/* ---- crash recovery ---- */

/* The attribute whose value is the object's id, per type (types whose id
   is a name chosen before the create call). */
static const char *const named_types[][2] = {
    {"aws_cloudwatch_dashboard", "dashboard_name"}, {"aws_cloudwatch_log_group", "name"},
    {"aws_cloudwatch_metric_alarm", "alarm_name"},   {"aws_dynamodb_table", "name"},
    {"aws_ecr_lifecycle_policy", "repository"},       {"aws_ecr_repository", "name"},
    {"aws_elasticache_cluster", "cluster_id"},        {"aws_elasticache_parameter_group", "name"},
    {"aws_elasticache_replication_group", "replication_group_id"},
    {"aws_elasticache_subnet_group", "name"},         {"aws_iam_instance_profile", "name"},
    {"aws_iam_role", "name"},
};

static const char *name_attr(const char *type)
{
    for (size_t i = 0; i < sizeof named_types / sizeof named_types[0]; i++)
        if (!strcmp(named_types[i][0], type)) return named_types[i][1];
    return NULL;
}

/* Arguments AWS does not hold (they steer stk's own delete or update):
   recorded with the intent so a recovered object keeps them, instead of
   the read's default and an update on the next apply. */
static const char *const local_args[][2] = {
    {"aws_ecr_repository", "force_delete"},          {"aws_iam_role", "force_detach_policies"},
    {"aws_cloudwatch_log_group", "skip_destroy"},   {"aws_elasticache_cluster", "apply_immediately"},
    {"aws_elasticache_replication_group", "apply_immediately"},
};

char *stk_idobs_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, const char *token)
{
    json_t *o = json_object();
    if (token) json_object_set_new(o, "token", json_string(token));
    json_object_set_new(o, "tags", stk_aws_tags_all(p, planned));
    json_t *seed = json_object();
    for (size_t i = 0; i < sizeof local_args / sizeof local_args[0]; i++) {
        json_t *v = strcmp(local_args[i][0], t->name) ? NULL : stk_aws_get_json(planned, local_args[i][1]);
        if (v && !json_is_null(v)) json_object_set_new(seed, local_args[i][1], v);
        else json_decref(v);
    }
    if (json_object_size(seed)) json_object_set_new(o, "seed", seed);
    else json_decref(seed);
    const char *attr = name_attr(t->name);
    const char *name = attr ? stk_aws_get_str(planned, attr) : NULL;
    if (name) {
        /* ElastiCache ids are lower-cased by AWS */
        char *n = stk_xstrdup(name);
        if (!strncmp(t->name, "aws_elasticache_", 16))
            for (char *c = n; *c; c++) *c = (char)tolower((unsigned char)*c);
        json_object_set_new(o, "name", json_string(n));
        free(n);
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

int stk_idobs_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    json_t *info = json_loads(info_json ? info_json : "{}", 0, NULL);
    const char *id = stk_aws_jstr(info, "id");
    stk_recover_note_found_by(id ? "its id" : "its name");
    if (!id) id = stk_aws_jstr(info, "name");
    int rc = 0;
    if (!id) {
        stk_diags_error(d, NULL, "Cannot recover",
                        "%s: the interrupted create recorded no name (a generated name or an unknown one), so stk "
                        "cannot tell whether AWS made the object; look for it and import it if it exists.",
                        t->name);
        rc = -1;
    } else {
        json_t *base = json_is_object(json_object_get(info, "seed")) ? json_deep_copy(json_object_get(info, "seed"))
                                                                    : json_object();
        json_object_set_new(base, "id", json_string(id));
        stk_value *seed = stk_aws_state_build(t, base, d);
        rc = seed ? t->read(p, t, seed, state, d) : -1;
        if (seed) stk_value_unref(seed);
    }
    json_decref(info);
    return rc;
}
