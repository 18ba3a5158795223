/* engine.c - planning and applying (see plan.h for the phases).
 *
 * Threads: refresh and apply run callbacks on the walker's workers.  The
 * state handle is not thread safe: during the apply walk every state write
 * goes through the group committer (`group`, store.h: one transaction and
 * one fsync for all the intents and results that are waiting, each durable
 * before its worker goes on); other state calls hold `smu`; the
 * maps of applied values and the current evaluation are guarded by `mu`;
 * provider instances are configured lazily under `pmu`; events are
 * serialized by `emu`.  Re-evaluations of the configuration during apply
 * (for changes whose configuration had unknowns at plan time) hold `mu`.
 */
#include "plans/plan_priv.h"
/* state/addr.h and config/config.h both name their mode enumerators
   STK_MODE_*: the state's are renamed for this file */
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/store.h"
#include "state/journal.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "config/config.h"
#include "graph/graph.h"
#include "graph/walk.h"
#include "eval/eval.h"
#include "eval/refs.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    stk_state_instance si;
    stk_value *value;            /* decoded (refreshed) object */
    const stk_resource_type *rtype;
    char *pname, *palias;
    char *paddr;                 /* the configuration's address (si.provider, or the default) */
    int seen, gone;
    char **deps;
    size_t ndeps;
} prior_obj;

typedef struct {
    stk_config *c;
    stk_state *st;
    stk_plan *plan;
    const stk_plan_opts *o;
    stk_diags *d;
    prior_obj **objs;
    size_t nobjs;
    stk_strmap prior;            /* addr -> prior_obj (current objects) */
    stk_strmap chmap;            /* addr -> stk_change (current objects) */
    stk_strmap pconf;            /* provider key -> stk_value config */
    stk_strmap pinst;            /* provider key -> stk_provider_instance */
    char **pkeys;                /* owned keys of pconf / pinst */
    size_t npkeys;
    pthread_mutex_t pmu, mu, smu, emu;
    stk_state_group *group;      /* during the apply walk */
    int mode;                    /* 0: planning, 1: prior values only (destroy, refresh-only) */
    int mode1_reads_data;        /* mode 1: data sources absent from state are read (destroy, refresh-only) */
    /* apply */
    const stk_apply_opts *ao;
    stk_strmap applied;          /* addr -> stk_value */
    char **applied_keys;
    size_t napplied;
    stk_strmap applied_idx;      /* addr -> index + 1 in applied_keys / applied_gen */
    unsigned long *applied_gen;  /* gen_applied when each was recorded (0: read during an evaluation) */
    stk_evaluation *cur_ev;
    stk_strmap cur_ri;           /* addr -> stk_resource_instance of cur_ev */
    unsigned long gen_applied, gen_eval;
    stk_apply_result *res;
    double *started;             /* per node start time (0: not running) */
    const char **ops;
    double *last_still;
    int ticking;
    pthread_cond_t tick_cv;       /* signalled when ticking stops */
} engine;

static double now_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

/* ---- providers ---- */

/* Provider configurations are keyed by the address Terraform records in
   state (provider["registry.terraform.io/hashicorp/aws"].west,
   module.net.provider[...] for a module's own block): the resolution of
   engine/config (stk_config_provider_resolve: own blocks, `providers`
   maps, inheritance of defaults) gives each resource its address. */
static void provider_cb(void *ud, const stk_module_instance *mi, const stk_provider_config *p, stk_value *v)
{
    engine *e = ud;
    stk_provider_binding b = {mi->mod, p, p->name, p->alias};
    char *k = stk_config_provider_address(&b);
    pthread_mutex_lock(&e->pmu);
    stk_value *old = stk_strmap_get(&e->pconf, k);
    if (old) {
        stk_value_unref(old);
        stk_strmap_put(&e->pconf, k, stk_value_ref(v));
        free(k);
    } else {
        e->pkeys = stk_xrealloc(e->pkeys, (e->npkeys + 1) * sizeof *e->pkeys);
        e->pkeys[e->npkeys++] = k;
        stk_strmap_put(&e->pconf, k, stk_value_ref(v));
    }
    pthread_mutex_unlock(&e->pmu);
}

/* The provider instance of the configuration at address paddr (name: the
   provider, for its factory), configured on first use. */
static stk_provider_instance *get_provider(engine *e, const char *paddr, const char *name, stk_diags *d)
{
    char *k = stk_xstrdup(paddr);
    pthread_mutex_lock(&e->pmu);
    stk_provider_instance *p = stk_strmap_get(&e->pinst, k);
    stk_value *cfg = p ? NULL : stk_strmap_get(&e->pconf, k);
    if (!p && !cfg && (!strncmp(k, "module.", 7) || strstr(k, "]."))) {
        /* only the root's default configuration may be implied (empty) */
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Provider configuration not present",
                      "The provider configuration %s is required, but it is not in the configuration (any more). "
                      "This happens when a provider block (or the module holding it) is removed while objects "
                      "made through it are still in the state: add the configuration back to destroy them, then "
                      "remove it.", k);
    } else if (!p) {
        stk_value *empty = cfg ? NULL : stk_value_empty_object();
        if (stk_provider_configure(name, cfg ? cfg : empty, &p, d) == 0 && p) {
            int have = 0;
            for (size_t i = 0; i < e->npkeys; i++) have |= !strcmp(e->pkeys[i], k);
            if (!have) {
                e->pkeys = stk_xrealloc(e->pkeys, (e->npkeys + 1) * sizeof *e->pkeys);
                e->pkeys[e->npkeys++] = stk_xstrdup(k);
            }
            for (size_t i = 0; i < e->npkeys; i++)
                if (!strcmp(e->pkeys[i], k)) stk_strmap_put(&e->pinst, e->pkeys[i], p);
        }
        if (empty) stk_value_unref(empty);
    }
    pthread_mutex_unlock(&e->pmu);
    free(k);
    return p;
}

/* provider["registry.terraform.io/hashicorp/aws"].west -> aws, west
   (module.x.provider[...]: the same) */
static void parse_provider_addr(const char *s, char **name, char **alias)
{
    *name = *alias = NULL;
    const char *q = strchr(s ? s : "", '"');
    if (!q) return;
    const char *end = strchr(q + 1, '"');
    if (!end) return;
    const char *slash = end;
    while (slash > q && *slash != '/') slash--;
    *name = stk_xstrndup(slash + 1, (size_t)(end - slash - 1));
    const char *al = strstr(end, "].");
    if (al) *alias = stk_xstrdup(al + 2);
}

/* the root module's configuration name[.alias] */
static char *provider_addr(const char *name, const char *alias)
{
    const char *src = stk_provider_source(name);
    char *s = src ? stk_xasprintf("provider[\"registry.terraform.io/%s\"]", src)
                  : stk_xasprintf("provider[\"registry.terraform.io/hashicorp/%s\"]", name);
    if (alias) {
        char *t = stk_xasprintf("%s.%s", s, alias);
        free(s);
        s = t;
    }
    return s;
}

/* ---- values <-> state ---- */

static stk_value *mark_sensitive(const stk_resource_type *t, stk_value *v)
{
    if (!t || !t->schema || !v || v->is_null || stk_value_kind(v) != STK_TY_OBJECT) return v;
    stk_value *out = v;
    for (size_t i = 0; i < t->schema->nattrs; i++) {
        const stk_schema_attr *a = &t->schema->attrs[i];
        if (!(a->flags & STK_ATTR_SENSITIVE)) continue;
        stk_value *x = stk_value_get(out, a->name);
        if (!x || x->is_null || (x->marks & STK_MARK_SENSITIVE)) continue;
        stk_value *m = stk_value_mark(stk_value_ref(x), STK_MARK_SENSITIVE);
        stk_value *n = stk_diff_obj_set(out, a->name, m);
        stk_value_unref(m);
        stk_value_unref(out);
        out = n;
    }
    return out;
}

/* The attributes the state records as sensitive (a value marked with
   sensitive() in the configuration when it was applied) are marked again,
   so plans show them as (sensitive value) and never quote them. */
static stk_value *mark_paths(stk_value *v, const char *paths)
{
    if (!v || v->is_null || v->is_unknown || stk_value_kind(v) != STK_TY_OBJECT || !paths) return v;
    json_t *a = json_loads(paths, 0, NULL), *p;
    size_t i;
    json_array_foreach(a, i, p) {
        json_t *step = json_array_get(p, 0);
        const char *ty = json_string_value(json_object_get(step, "type"));
        const char *name = json_string_value(json_object_get(step, "value"));
        if (!ty || !name || strcmp(ty, "get_attr") != 0) continue;
        stk_value *x = stk_value_get(v, name);
        if (!x || x->is_null || (x->marks & STK_MARK_SENSITIVE)) continue;
        stk_value *m = stk_value_mark(stk_value_ref(x), STK_MARK_SENSITIVE);
        stk_value *n = stk_diff_obj_set(v, name, m);
        stk_value_unref(m);
        stk_value_unref(v);
        v = n;
    }
    json_decref(a);
    return v;
}

static stk_value *decode_attrs(const stk_resource_type *t, const char *json, stk_diags *d)
{
    json_error_t je;
    json_t *j = json_loads(json ? json : "{}", JSON_DECODE_ANY, &je);
    if (!j) return NULL;
    stk_value *v = NULL;
    if (t && t->schema) {
        stk_type *ty = stk_schema_type(t->schema);
        char *err = NULL;
        v = stk_value_from_json_typed(j, ty, &err);
        if (!v) {
            free(err);
            v = stk_value_from_json(j);
            if (v) v = stk_diff_conform(t->schema, v);
        }
        stk_type_unref(ty);
    } else {
        v = stk_value_from_json(j);
    }
    json_decref(j);
    return mark_sensitive(t, v);
}

static char *encode_attrs(stk_value *v)
{
    stk_value *u = stk_value_unmark_deep(stk_value_ref(v), NULL);
    json_t *j = stk_value_to_json(u);
    stk_value_unref(u);
    if (!j) return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

/* planned (may be NULL): the value planned for the object, whose marks
   (sensitive() in the configuration) the provider's result does not carry */
static char *sensitive_paths(const stk_resource_type *t, stk_value *v, stk_value *planned)
{
    json_t *a = json_array();
    for (size_t i = 0; t && t->schema && i < t->schema->nattrs; i++) {
        const stk_schema_attr *at = &t->schema->attrs[i];
        stk_value *x = v ? stk_value_get(v, at->name) : NULL;
        stk_value *px = planned && !planned->is_null && !planned->is_unknown ? stk_value_get(planned, at->name) : NULL;
        if ((at->flags & STK_ATTR_SENSITIVE) || (x && stk_value_marks_deep(x)) || (px && stk_value_marks_deep(px)))
            json_array_append_new(a, json_pack("[{s:s,s:s}]", "type", "get_attr", "value", at->name));
    }
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static char *deps_json(char **deps, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(deps[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static const char *value_id(stk_value *v)
{
    stk_value *id = v && !v->is_null && !v->is_unknown && stk_value_kind(v) == STK_TY_OBJECT ? stk_value_get(v, "id") : NULL;
    return id && !id->is_null && !id->is_unknown && stk_value_kind(id) == STK_TY_STRING ? stk_value_str(id) : NULL;
}

/* ---- loading the prior state ---- */

static void free_obj(prior_obj *po)
{
    stk_state_instance_free(&po->si);
    if (po->value) stk_value_unref(po->value);
    free(po->pname);
    free(po->palias);
    free(po->paddr);
    for (size_t i = 0; i < po->ndeps; i++) free(po->deps[i]);
    free(po->deps);
    free(po);
}

static void add_obj(engine *e, prior_obj *po)
{
    e->objs = stk_xrealloc(e->objs, (e->nobjs + 1) * sizeof *e->objs);
    e->objs[e->nobjs++] = po;
    if (!po->si.deposed[0]) stk_strmap_put(&e->prior, po->si.address, po);
}

static void obj_init(prior_obj *po, stk_diags *d)
{
    po->rtype = stk_resource_type_lookup(po->si.parts.mode == STK_ADDR_MODE_DATA ? STK_RESOURCE_DATA : STK_RESOURCE_MANAGED,
                                         po->si.parts.type);
    po->value = mark_paths(decode_attrs(po->rtype, po->si.attributes, d), po->si.sensitive_paths);
    parse_provider_addr(po->si.provider, &po->pname, &po->palias);
    po->paddr = po->pname ? stk_xstrdup(po->si.provider)
                          : provider_addr(po->rtype ? po->rtype->provider : po->si.parts.type, NULL);
    json_error_t je;
    json_t *dj = json_loads(po->si.dependencies ? po->si.dependencies : "[]", 0, &je);
    for (size_t i = 0; dj && i < json_array_size(dj); i++) {
        const char *s = json_string_value(json_array_get(dj, i));
        if (!s) continue;
        po->deps = stk_xrealloc(po->deps, (po->ndeps + 1) * sizeof *po->deps);
        po->deps[po->ndeps++] = stk_xstrdup(s);
    }
    json_decref(dj);
}

static int load_prior(engine *e)
{
    if (e->o->saved_prior) {
        json_t *it;
        size_t i;
        json_array_foreach(e->o->saved_prior, i, it) {
            prior_obj *po = stk_xcalloc(1, sizeof *po);
            const char *addr = json_string_value(json_object_get(it, "address"));
            char *err = NULL;
            if (!addr || stk_addr_parse(addr, &po->si.parts, &err)) {
                free(err);
                free(po);
                continue;
            }
            po->si.address = stk_xstrdup(addr);
            const char *dep = json_string_value(json_object_get(it, "deposed"));
            po->si.deposed = stk_xstrdup(dep ? dep : "");
            po->si.provider = stk_xstrdup(json_string_value(json_object_get(it, "provider")));
            po->si.attributes = json_dumps(json_object_get(it, "attributes"), JSON_COMPACT | JSON_SORT_KEYS);
            po->si.dependencies = json_dumps(json_object_get(it, "dependencies"), JSON_COMPACT);
            po->si.sensitive_paths = stk_xstrdup("[]");
            po->si.tainted = json_is_true(json_object_get(it, "tainted"));
            po->si.create_before_destroy = json_is_true(json_object_get(it, "create_before_destroy"));
            po->gone = json_is_true(json_object_get(it, "gone"));
            obj_init(po, e->d);
            add_obj(e, po);
        }
        return 0;
    }
    stk_state_instance_list l = {0};
    if (stk_state_list(e->st, NULL, 0, &l, e->d)) return -1;
    for (size_t i = 0; i < l.len; i++) {
        prior_obj *po = stk_xcalloc(1, sizeof *po);
        stk_state_instance_copy(&po->si, &l.items[i]);
        obj_init(po, e->d);
        add_obj(e, po);
    }
    stk_state_instance_list_free(&l);
    return 0;
}

/* ---- refresh ---- */

static void merge_diags(engine *e, stk_diags *local, const char *addr)
{
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < local->len; i++) {
        stk_diag *g = &local->items[i];
        const stk_range *r = g->subject.filename ? &g->subject : NULL;
        if (addr)
            stk_diags_add(e->d, g->severity, r, g->summary, "%s%swith %s", g->detail ? g->detail : "",
                          g->detail ? "\n\n" : "", addr);
        else
            stk_diags_add(e->d, g->severity, r, g->summary, "%s", g->detail ? g->detail : "");
    }
    pthread_mutex_unlock(&e->mu);
    stk_diags_free(local);
}

/* the apply walk's priority of the node this thread runs (stk_call_ctx) */
static _Thread_local int node_priority;

static void set_ctx(stk_call_ctx *cx, const engine *e, const char *addr, const double *timeouts, const char *token)
{
    memset(cx, 0, sizeof *cx);
    if (timeouts) {
        cx->timeout_create = timeouts[0];
        cx->timeout_read = timeouts[1];
        cx->timeout_update = timeouts[2];
        cx->timeout_delete = timeouts[3];
    }
    cx->token = token;
    cx->address = addr;
    cx->cancelled = e->o->cancel;
    cx->priority = node_priority;
    stk_call_ctx_set(cx);
}

static int refresh_one(void *ud, size_t i)
{
    engine *e = ud;
    prior_obj *po = e->objs[i];
    if (!po->rtype || !po->rtype->read || po->si.parts.mode == STK_ADDR_MODE_DATA || !po->value) return 0;
    stk_diags ld = STK_DIAGS_INIT;
    stk_provider_instance *p = get_provider(e, po->paddr, po->pname ? po->pname : po->rtype->provider, &ld);
    int rc = -1;
    if (p) {
        stk_value *nv = NULL;
        stk_call_ctx cx;
        set_ctx(&cx, e, po->si.address, NULL, NULL);
        rc = po->rtype->read(p, po->rtype, po->value, &nv, &ld);
        stk_call_ctx_set(NULL);
        if (rc == 0) {
            nv = mark_paths(mark_sensitive(po->rtype, nv), po->si.sensitive_paths);
            pthread_mutex_lock(&e->mu);
            stk_change *dr = NULL;
            if (!nv) {
                po->gone = 1;
            } else if (!(po->rtype->schema ? stk_diff_object_equal(po->rtype->schema, po->value, nv)
                                           : stk_value_raw_equal(po->value, nv))) {
                dr = stk_xcalloc(1, sizeof *dr);
            }
            if (!nv || dr) {
                if (!dr) dr = stk_xcalloc(1, sizeof *dr);
                dr->addr = stk_xstrdup(po->si.address);
                dr->module_addr = stk_xstrdup(po->si.module ? po->si.module : "");
                dr->type = stk_xstrdup(po->si.parts.type);
                dr->name = stk_xstrdup(po->si.parts.name);
                dr->provider_addr = stk_xstrdup(po->si.provider ? po->si.provider : "");
                dr->deposed = po->si.deposed[0] ? stk_xstrdup(po->si.deposed) : NULL;
                dr->before = stk_value_ref(po->value);
                dr->after = nv ? stk_value_ref(nv) : NULL;
                dr->action = nv ? STK_PLAN_UPDATE : STK_PLAN_DELETE;
                dr->rtype = po->rtype;
                e->plan->drift = stk_xrealloc(e->plan->drift, (e->plan->ndrift + 1) * sizeof *e->plan->drift);
                e->plan->drift[e->plan->ndrift++] = dr;
            }
            if (nv) {
                stk_value_unref(po->value);
                po->value = nv;
            }
            pthread_mutex_unlock(&e->mu);
        }
    }
    merge_diags(e, &ld, po->si.address);
    return rc;
}

static int cmp_drift(const void *a, const void *b)
{
    return strcmp((*(stk_change *const *)a)->addr, (*(stk_change *const *)b)->addr);
}

/* Refresh by batch (provider.h read_batch, batch_begin): before the reads,
   one call per provider instance with every object, then one per (provider
   instance, type) that has the hook; the provider keeps the answers for
   the reads until batch_end. */
typedef struct {
    stk_provider_instance *p;
    const char *pname;
    const stk_resource_type *t;
    stk_value **priors;
    size_t n;
} batch_group;

typedef struct {
    engine *e;
    batch_group *g;
    size_t n;
} batch_set;

static int batch_one(void *ud, size_t i)
{
    batch_set *bs = ud;
    batch_group *g = &bs->g[i];
    if (!g->t->read_batch) return 0;
    stk_diags ld = STK_DIAGS_INIT;
    stk_call_ctx cx;
    set_ctx(&cx, bs->e, NULL, NULL, NULL);
    g->t->read_batch(g->p, g->t, g->priors, g->n, &ld);
    stk_call_ctx_set(NULL);
    stk_diags_free(&ld);   /* best effort: the reads ask again and report */
    return 0;
}

static void batch_start(engine *e, batch_set *bs)
{
    memset(bs, 0, sizeof *bs);
    bs->e = e;
    for (size_t i = 0; i < e->nobjs; i++) {
        prior_obj *po = e->objs[i];
        if (!po->rtype || !po->rtype->read || po->si.parts.mode == STK_ADDR_MODE_DATA || !po->value) continue;
        const char *pn = po->pname ? po->pname : po->rtype->provider;
        stk_diags ld = STK_DIAGS_INIT;
        stk_provider_instance *p = get_provider(e, po->paddr, pn, &ld);
        stk_diags_free(&ld);   /* refresh_one reports it */
        if (!p) continue;
        size_t k = 0;
        while (k < bs->n && !(bs->g[k].p == p && bs->g[k].t == po->rtype)) k++;
        if (k == bs->n) {
            bs->g = stk_xrealloc(bs->g, (bs->n + 1) * sizeof *bs->g);
            bs->g[bs->n++] = (batch_group){p, pn, po->rtype, NULL, 0};
        }
        batch_group *g = &bs->g[k];
        g->priors = stk_xrealloc(g->priors, (g->n + 1) * sizeof *g->priors);
        g->priors[g->n++] = po->value;
    }
    /* the providers' batch_begin (across types) first, one provider at a time */
    for (size_t i = 0; i < bs->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= bs->g[j].p == bs->g[i].p;
        const stk_provider_factory *f = stk_provider_factory_lookup(bs->g[i].pname);
        if (seen || !f || !f->batch_begin) continue;
        const stk_resource_type **types = NULL;
        stk_value **vals = NULL;
        size_t nv = 0;
        for (size_t j = i; j < bs->n; j++) {
            if (bs->g[j].p != bs->g[i].p) continue;
            types = stk_xrealloc(types, (nv + bs->g[j].n) * sizeof *types);
            vals = stk_xrealloc(vals, (nv + bs->g[j].n) * sizeof *vals);
            for (size_t k = 0; k < bs->g[j].n; k++, nv++) {
                types[nv] = bs->g[j].t;
                vals[nv] = bs->g[j].priors[k];
            }
        }
        stk_diags ld = STK_DIAGS_INIT;
        stk_call_ctx cx;
        set_ctx(&cx, e, NULL, NULL, NULL);
        f->batch_begin(bs->g[i].p, types, vals, nv, &ld);
        stk_call_ctx_set(NULL);
        stk_diags_free(&ld);   /* best effort, as read_batch */
        free(types);
        free(vals);
    }
    if (!bs->n) return;
    stk_walk_status *st = stk_xcalloc(bs->n, sizeof *st);
    size_t **deps = stk_xcalloc(bs->n, sizeof *deps);
    size_t *nd = stk_xcalloc(bs->n, sizeof *nd);
    stk_walk_opts wo = {bs->n, deps, nd, e->o->parallelism, batch_one, bs, e->o->stop};
    stk_walk(&wo, st);
    free(deps);
    free(nd);
    free(st);
}

static void batch_finish(batch_set *bs)
{
    for (size_t i = 0; i < bs->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= bs->g[j].p == bs->g[i].p;
        const stk_provider_factory *f = stk_provider_factory_lookup(bs->g[i].pname);
        if (!seen && f && f->batch_end) f->batch_end(bs->g[i].p);
    }
    for (size_t i = 0; i < bs->n; i++) free(bs->g[i].priors);
    free(bs->g);
}

static void refresh_all(engine *e)
{
    size_t n = e->nobjs;
    if (!n) return;
    batch_set bs;
    batch_start(e, &bs);
    size_t **deps = stk_xcalloc(n, sizeof *deps);
    size_t *nd = stk_xcalloc(n, sizeof *nd);
    stk_walk_status *st = stk_xcalloc(n, sizeof *st);
    stk_walk_opts wo = {n, deps, nd, e->o->parallelism, refresh_one, e, e->o->stop};
    stk_walk(&wo, st);
    batch_finish(&bs);
    free(deps);
    free(nd);
    free(st);
    if (e->plan->ndrift) qsort(e->plan->drift, e->plan->ndrift, sizeof *e->plan->drift, cmp_drift);
}

/* ---- planning hook ---- */

static void change_free(stk_change *ch)
{
    if (!ch) return;
    free(ch->addr);
    free(ch->module_addr);
    free(ch->type);
    free(ch->name);
    if (ch->index) stk_value_unref(ch->index);
    free(ch->provider);
    free(ch->provider_alias);
    free(ch->provider_addr);
    free(ch->deposed);
    if (ch->before) stk_value_unref(ch->before);
    if (ch->after) stk_value_unref(ch->after);
    for (size_t i = 0; i < ch->nreplace_paths; i++) free(ch->replace_paths[i]);
    free(ch->replace_paths);
    for (size_t i = 0; i < ch->ndeps; i++) free(ch->deps[i]);
    free(ch->deps);
    for (size_t i = 0; i < ch->nprior_deps; i++) free(ch->prior_deps[i]);
    free(ch->prior_deps);
    free(ch);
}

static void add_change(engine *e, stk_change *ch)
{
    stk_plan *p = e->plan;
    p->changes = stk_xrealloc(p->changes, (p->nchanges + 1) * sizeof *p->changes);
    p->changes[p->nchanges++] = ch;
    if (!ch->deposed) stk_strmap_put(&e->chmap, ch->addr, ch);
}

static double parse_duration(const char *s)
{
    double total = 0;
    while (s && *s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s) return 0;
        s = end;
        if (*s == 'h') total += v * 3600;
        else if (*s == 'm') total += v * 60;
        else if (*s == 's') total += v;
        else return 0;
        s++;
    }
    return total;
}

static void read_timeouts(const stk_resource *r, double *out)
{
    static const char *names[4] = {"create", "read", "update", "delete"};
    if (!r->timeouts) return;
    for (size_t i = 0; i < r->timeouts->nattrs; i++) {
        stk_hcl_attr *a = r->timeouts->attrs[i];
        stk_diags ld = STK_DIAGS_INIT;
        stk_value *v = stk_eval_expr(a->expr, NULL, &ld);
        stk_diags_free(&ld);
        for (int k = 0; k < 4; k++)
            if (!strcmp(a->name, names[k]) && v && !v->is_null && !v->is_unknown && stk_value_kind(v) == STK_TY_STRING)
                out[k] = parse_duration(stk_value_str(v));
        stk_value_unref(v);
    }
}

static stk_change *new_change(const stk_resource_instance *ri)
{
    const stk_resource *r = ri->res;
    stk_change *ch = stk_xcalloc(1, sizeof *ch);
    ch->addr = stk_xstrdup(ri->addr);
    ch->module_addr = stk_xstrdup(ri->mi->addr);
    ch->data = r->mode == STK_MODE_DATA;
    ch->type = stk_xstrdup(r->type);
    ch->name = stk_xstrdup(r->name);
    ch->index = ri->key ? stk_value_ref(ri->key) : NULL;
    ch->provider = stk_xstrdup(r->provider);
    ch->provider_alias = r->provider_alias ? stk_xstrdup(r->provider_alias) : NULL;
    ch->provider_addr = stk_config_resource_provider_address(r);
    ch->create_before_destroy = r->lifecycle.create_before_destroy;
    ch->rtype = r->rtype;
    ch->res = r;
    read_timeouts(r, ch->timeouts);
    return ch;
}

static int in_list(const char *addr, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(addr, list[i])) return 1;
    return 0;
}

/* lifecycle.ignore_changes: attributes (and map keys) keep their prior values */
static stk_value *apply_ignore(const stk_resource *r, stk_value *after, stk_value *prior)
{
    if (!prior) return after;
    if (r->lifecycle.ignore_all) {
        stk_value_unref(after);
        return stk_value_ref(prior);
    }
    for (size_t i = 0; i < r->lifecycle.nignore_changes; i++) {
        stk_refs refs = STK_REFS_INIT;
        stk_refs_collect(r->lifecycle.ignore_changes[i], &refs);
        if (refs.len) {
            stk_ref *rf = &refs.items[0];
            stk_value *pv = stk_value_get(prior, rf->root);
            stk_value *av = stk_value_get(after, rf->root);
            if (pv && av) {
                stk_value *nv = NULL;
                if (rf->nsteps >= 1 && rf->steps[0].kind == STK_STEP_INDEX && rf->steps[0].key &&
                    stk_value_kind(rf->steps[0].key) == STK_TY_STRING && !av->is_null && !av->is_unknown &&
                    (stk_value_kind(av) == STK_TY_MAP || stk_value_kind(av) == STK_TY_OBJECT)) {
                    const char *k = stk_value_str(rf->steps[0].key);
                    stk_value *pk = pv->is_null ? NULL : stk_value_get(pv, k);
                    if (pk) {
                        stk_value *m = stk_diff_obj_set(av, k, pk);
                        stk_type *mt = stk_type_ref(av->type);
                        char *err = NULL;
                        nv = stk_value_convert(m, mt, &err);
                        free(err);
                        stk_value_unref(m);
                        stk_type_unref(mt);
                    }
                } else {
                    nv = stk_value_ref(pv);
                }
                if (nv) {
                    stk_value *n2 = stk_diff_obj_set(after, rf->root, nv);
                    stk_value_unref(nv);
                    stk_value_unref(after);
                    after = n2;
                }
            }
        }
        stk_refs_free(&refs);
    }
    return after;
}

static int triggered(engine *e, const stk_resource_instance *ri)
{
    const stk_resource *r = ri->res;
    for (size_t i = 0; i < r->lifecycle.nreplace_triggered_by; i++) {
        stk_refs refs = STK_REFS_INIT;
        stk_refs_collect(r->lifecycle.replace_triggered_by[i], &refs);
        for (size_t k = 0; k < refs.len; k++) {
            stk_ref *rf = &refs.items[k];
            if (rf->nsteps < 1 || rf->steps[0].kind != STK_STEP_ATTR) continue;
            char *base = ri->mi->addr[0] ? stk_xasprintf("%s.%s.%s", ri->mi->addr, rf->root, rf->steps[0].name)
                                         : stk_xasprintf("%s.%s", rf->root, rf->steps[0].name);
            size_t bl = strlen(base);
            for (size_t c = 0; c < e->plan->nchanges; c++) {
                stk_change *ch = e->plan->changes[c];
                if (strncmp(ch->addr, base, bl) || (ch->addr[bl] && ch->addr[bl] != '[')) continue;
                if (ch->action != STK_PLAN_NOOP) {
                    free(base);
                    stk_refs_free(&refs);
                    return 1;
                }
            }
            free(base);
        }
        stk_refs_free(&refs);
    }
    return 0;
}

/* The provider's plan-time adjustment of a planned value (provider.h
   plan_modify); consumes after.  A provider that cannot be configured
   leaves it as it is (apply reports the configuration error). */
static stk_value *provider_plan_modify(engine *e, const char *pname, const char *paddr, const stk_resource_type *t,
                                       stk_value *prior, stk_value *after)
{
    const stk_provider_factory *f = pname ? stk_provider_factory_lookup(pname) : NULL;
    if (!f || !f->plan_modify || !after) return after;
    stk_diags ld = STK_DIAGS_INIT;
    stk_provider_instance *p = get_provider(e, paddr, pname, &ld);
    stk_diags_free(&ld);
    stk_value *m = p ? f->plan_modify(p, t, prior, after) : NULL;
    if (!m) return after;
    stk_value_unref(after);
    return m;
}

static stk_value *plan_data(engine *e, const stk_resource_instance *ri)
{
    const stk_resource_type *t = ri->res->rtype;
    if (t && t->read_data && stk_value_is_known_deep(ri->config) && (e->mode == 0 || e->mode1_reads_data)) {
        stk_diags ld = STK_DIAGS_INIT;
        char *paddr = stk_config_resource_provider_address(ri->res);
        stk_provider_instance *p = get_provider(e, paddr, ri->res->provider, &ld);
        free(paddr);
        stk_value *v = NULL;
        if (p) {
            stk_call_ctx cx;
            set_ctx(&cx, e, ri->addr, NULL, NULL);
            t->read_data(p, t, ri->config, &v, &ld);
            stk_call_ctx_set(NULL);
        }
        merge_diags(e, &ld, ri->addr);
        return v ? mark_sensitive(t, v) : NULL;
    }
    stk_change *ch = new_change(ri);
    ch->action = STK_PLAN_READ;
    ch->reason = "read_because_config_unknown";
    ch->after = t && t->schema ? stk_diff_plan(t->schema, ri->config, NULL) : stk_value_ref(ri->config);
    ch->config_unknown = 1;
    add_change(e, ch);
    return stk_value_ref(ch->after);
}

static stk_value *plan_hook(void *ud, const stk_resource_instance *ri)
{
    engine *e = ud;
    prior_obj *po = stk_strmap_get(&e->prior, ri->addr);
    if (po) po->seen = 1;
    if (e->mode == 1) {
        if (po && !po->gone && po->value) return stk_value_ref(po->value);
        /* Data sources are not kept in state: a destroy or refresh-only plan
           reads them as Terraform does, so count/for_each that depend on them
           (availability zones, AMIs) stay known.  Nothing is planned for them. */
        if (e->mode1_reads_data && ri->res->mode == STK_MODE_DATA && stk_value_is_known_deep(ri->config))
            return plan_data(e, ri);
        return NULL;
    }
    if (ri->res->mode == STK_MODE_DATA) return plan_data(e, ri);
    const stk_resource_type *t = ri->res->rtype;
    const stk_schema *s = t ? t->schema : NULL;
    stk_value *prior = po && !po->gone ? po->value : NULL;
    stk_change *ch = new_change(ri);
    if (po) {
        ch->tainted = po->si.tainted;
        for (size_t i = 0; i < po->ndeps; i++) {
            ch->prior_deps = stk_xrealloc(ch->prior_deps, (ch->nprior_deps + 1) * sizeof *ch->prior_deps);
            ch->prior_deps[ch->nprior_deps++] = stk_xstrdup(po->deps[i]);
        }
    }
    ch->before = prior ? stk_value_ref(prior) : NULL;
    ch->config_unknown = !stk_value_is_known_deep(ri->config);
    if (!s) {
        ch->after = stk_value_ref(ri->config);
        ch->action = !prior ? STK_PLAN_CREATE : stk_value_raw_equal(prior, ri->config) ? STK_PLAN_NOOP : STK_PLAN_UPDATE;
        add_change(e, ch);
        return prior ? stk_value_ref(prior) : NULL;
    }
    const char *pname = ri->res->provider ? ri->res->provider : t->provider;
    stk_value *after = provider_plan_modify(e, pname, ch->provider_addr, t, prior, stk_diff_plan(s, ri->config, prior));
    if (!prior) {
        ch->action = STK_PLAN_CREATE;
    } else {
        after = apply_ignore(ri->res, after, prior);
        char **names = NULL;
        int fn = 0;
        size_t nch = stk_diff_changed(s, prior, after, &names, &fn);
        int req = in_list(ri->addr, e->o->replace, e->o->nreplace);
        int trig = triggered(e, ri);
        if (fn || ch->tainted || req || trig || (nch && !t->update)) {
            for (size_t i = 0; i < nch; i++) {
                const stk_schema_attr *a = stk_schema_find_attr(s, names[i]);
                const stk_schema_block *b = stk_schema_find_block(s, names[i]);
                if ((a && (a->flags & STK_ATTR_FORCE_NEW)) || (b && (b->flags & STK_ATTR_FORCE_NEW)) || !t->update) {
                    ch->replace_paths = stk_xrealloc(ch->replace_paths, (ch->nreplace_paths + 1) * sizeof(char *));
                    ch->replace_paths[ch->nreplace_paths++] = stk_xstrdup(names[i]);
                }
            }
            stk_value_unref(after);
            after = provider_plan_modify(e, pname, ch->provider_addr, t, NULL, stk_diff_plan(s, ri->config, NULL));
            ch->action = ch->create_before_destroy ? STK_PLAN_REPLACE_CBD : STK_PLAN_REPLACE;
            ch->reason = ch->tainted ? "replace_because_tainted" : req ? "replace_by_request"
                         : trig ? "replace_by_triggers" : "replace_because_cannot_update";
        } else {
            ch->action = nch ? STK_PLAN_UPDATE : STK_PLAN_NOOP;
        }
        for (size_t i = 0; i < nch; i++) free(names[i]);
        free(names);
    }
    ch->after = after;
    if ((ch->action == STK_PLAN_REPLACE || ch->action == STK_PLAN_REPLACE_CBD) && ri->res->lifecycle.prevent_destroy) {
        stk_diags_add(e->d, STK_DIAG_ERROR, &ri->res->decl_range, "Instance cannot be destroyed",
                      "Resource %s has lifecycle.prevent_destroy set, but the plan calls for this resource to be "
                      "destroyed. To avoid this error and continue with the plan, either disable "
                      "lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag.",
                      ri->addr);
    }
    add_change(e, ch);
    return stk_value_ref(after);
}

/* the value references see for addr from now on (v borrowed); gen: the
   gen_applied of a result, 0 for a read during an evaluation.  Caller holds
   mu or runs alone. */
static void put_applied_nolock(engine *e, const char *addr, stk_value *v, unsigned long gen)
{
    size_t i = (size_t)(uintptr_t)stk_strmap_get(&e->applied_idx, addr);
    if (i) {
        stk_value_unref(stk_strmap_get(&e->applied, e->applied_keys[i - 1]));
        stk_strmap_put(&e->applied, e->applied_keys[i - 1], stk_value_ref(v));
        e->applied_gen[i - 1] = gen;
        return;
    }
    char *k = stk_xstrdup(addr);
    e->applied_keys = stk_xrealloc(e->applied_keys, (e->napplied + 1) * sizeof *e->applied_keys);
    e->applied_gen = stk_xrealloc(e->applied_gen, (e->napplied + 1) * sizeof *e->applied_gen);
    e->applied_keys[e->napplied] = k;
    e->applied_gen[e->napplied++] = gen;
    stk_strmap_put(&e->applied, k, stk_value_ref(v));
    stk_strmap_put(&e->applied_idx, k, (void *)(uintptr_t)e->napplied);
}

/* values references see during apply: what is applied so far, else the plan
   (the caller holds mu or runs alone) */
static stk_value *apply_hook(void *ud, const stk_resource_instance *ri)
{
    engine *e = ud;
    stk_value *v = stk_strmap_get(&e->applied, ri->addr);
    if (v) return stk_value_ref(v);
    if (ri->res->mode == STK_MODE_DATA && ri->res->rtype && ri->res->rtype->read_data &&
        stk_value_is_known_deep(ri->config)) {
        stk_diags ld = STK_DIAGS_INIT;
        char *paddr = stk_config_resource_provider_address(ri->res);
        stk_provider_instance *p = get_provider(e, paddr, ri->res->provider, &ld);
        free(paddr);
        stk_value *dv = NULL;
        if (p) {
            stk_call_ctx cx;
            set_ctx(&cx, e, ri->addr, NULL, NULL);
            ri->res->rtype->read_data(p, ri->res->rtype, ri->config, &dv, &ld);
            stk_call_ctx_set(NULL);
        }
        stk_diags_free(&ld);
        if (dv) {
            dv = mark_sensitive(ri->res->rtype, dv);
            put_applied_nolock(e, ri->addr, dv, 0);
            return dv;
        }
    }
    stk_change *ch = stk_strmap_get(&e->chmap, ri->addr);
    if (ch && ch->after && ch->action != STK_PLAN_DELETE) return stk_value_ref(ch->after);
    prior_obj *po = stk_strmap_get(&e->prior, ri->addr);
    return po && !po->gone && po->value ? stk_value_ref(po->value) : NULL;
}

/* ---- after evaluation ---- */

static stk_change *delete_change(prior_obj *po, const char *reason)
{
    stk_change *ch = stk_xcalloc(1, sizeof *ch);
    ch->addr = stk_xstrdup(po->si.address);
    ch->module_addr = stk_xstrdup(po->si.module ? po->si.module : "");
    ch->type = stk_xstrdup(po->si.parts.type);
    ch->name = stk_xstrdup(po->si.parts.name);
    if (po->si.parts.key.kind == STK_KEY_INT) ch->index = stk_value_int(po->si.parts.key.i);
    else if (po->si.parts.key.kind == STK_KEY_STR) ch->index = stk_value_string(po->si.parts.key.s);
    ch->provider = stk_xstrdup(po->pname ? po->pname : po->rtype ? po->rtype->provider : "");
    ch->provider_alias = po->palias ? stk_xstrdup(po->palias) : NULL;
    ch->provider_addr = stk_xstrdup(po->si.provider ? po->si.provider : "");
    ch->deposed = po->si.deposed[0] ? stk_xstrdup(po->si.deposed) : NULL;
    ch->action = STK_PLAN_DELETE;
    ch->reason = reason;
    ch->before = stk_value_ref(po->value);
    ch->rtype = po->rtype;
    for (size_t i = 0; i < po->ndeps; i++) {
        ch->prior_deps = stk_xrealloc(ch->prior_deps, (ch->nprior_deps + 1) * sizeof *ch->prior_deps);
        ch->prior_deps[ch->nprior_deps++] = stk_xstrdup(po->deps[i]);
    }
    return ch;
}

/* instance deps: follow join nodes of the instance graph to instances */
static void set_deps(engine *e, stk_evaluation *ev)
{
    stk_diags ld = STK_DIAGS_INIT;
    stk_graph *g = stk_evaluation_instance_graph(ev, &ld);
    stk_diags_free(&ld);
    if (!g) return;
    size_t n = stk_graph_count(g);
    size_t *stack = stk_xmalloc((n + 1) * sizeof *stack);
    size_t *seen = stk_xcalloc(n + 1, sizeof *seen);
    for (size_t i = 0; i < n; i++) {
        stk_graph_node *nd = stk_graph_node_at(g, i);
        if (nd->kind != STK_NODE_RESOURCE && nd->kind != STK_NODE_DATA) continue;
        stk_change *ch = stk_strmap_get(&e->chmap, nd->id);
        if (!ch) continue;
        size_t sp = 0;
        for (size_t k = 0; k < nd->ndeps; k++) stack[sp++] = nd->deps[k];
        while (sp) {
            size_t v = stack[--sp];
            if (seen[v] == i + 1) continue;
            seen[v] = i + 1;
            stk_graph_node *vd = stk_graph_node_at(g, v);
            if (vd->kind == STK_NODE_JOIN) {
                for (size_t k = 0; k < vd->ndeps && sp < n; k++) stack[sp++] = vd->deps[k];
            } else {
                ch->deps = stk_xrealloc(ch->deps, (ch->ndeps + 1) * sizeof *ch->deps);
                ch->deps[ch->ndeps++] = stk_xstrdup(vd->id);
            }
        }
    }
    free(stack);
    free(seen);
    stk_graph_free(g);
}

static int addr_matches(const char *filter, const char *addr)
{
    stk_addr f, a;
    char *err = NULL;
    if (stk_addr_parse(filter, &f, &err)) {
        free(err);
        return 0;
    }
    if (stk_addr_parse(addr, &a, &err)) {
        free(err);
        stk_addr_free(&f);
        return 0;
    }
    int m = stk_addr_match(&f, &a);
    stk_addr_free(&f);
    stk_addr_free(&a);
    return m;
}

static void apply_targets(engine *e)
{
    stk_plan *p = e->plan;
    if (!e->o->ntargets) return;
    char *keep = stk_xcalloc(p->nchanges + 1, 1);
    for (size_t i = 0; i < p->nchanges; i++)
        for (size_t t = 0; t < e->o->ntargets; t++)
            if (addr_matches(e->o->targets[t], p->changes[i]->addr)) keep[i] = 1;
    /* with what they depend on (or, destroying, what depends on them) */
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < p->nchanges; i++) {
            stk_change *ci = p->changes[i];
            for (size_t j = 0; j < p->nchanges; j++) {
                if (keep[j] || !keep[i]) continue;
                stk_change *cj = p->changes[j];
                int rel = 0;
                if (e->o->destroy) {
                    for (size_t k = 0; k < cj->nprior_deps && !rel; k++) rel = !strcmp(cj->prior_deps[k], ci->addr);
                } else {
                    for (size_t k = 0; k < ci->ndeps && !rel; k++) rel = !strcmp(ci->deps[k], cj->addr);
                }
                if (rel) keep[j] = 1, again = 1;
            }
        }
    }
    size_t m = 0;
    stk_strmap_free(&e->chmap);
    e->chmap = (stk_strmap)STK_STRMAP_INIT;
    for (size_t i = 0; i < p->nchanges; i++) {
        if (keep[i]) {
            p->changes[m++] = p->changes[i];
            if (!p->changes[i]->deposed) stk_strmap_put(&e->chmap, p->changes[i]->addr, p->changes[i]);
        } else {
            change_free(p->changes[i]);
        }
    }
    p->nchanges = m;
    free(keep);
}

static void plan_outputs(engine *e, stk_evaluation *ev)
{
    stk_plan *p = e->plan;
    stk_module *root = e->c->root;
    stk_state_output_list ol = {0};
    if (e->st) stk_state_list_outputs(e->st, &ol, e->d);
    for (size_t i = 0; i < root->noutputs; i++) {
        stk_output *o = root->outputs[i];
        stk_output_change oc = {0};
        oc.name = stk_xstrdup(o->name);
        oc.sensitive = o->sensitive;
        stk_value *v = e->o->destroy ? NULL : stk_evaluation_output(ev, o->name);
        oc.after = v ? stk_value_ref(v) : NULL;
        for (size_t k = 0; k < ol.len; k++)
            if (!strcmp(ol.items[k].name, o->name)) {
                json_error_t je;
                json_t *j = json_loads(ol.items[k].value, JSON_DECODE_ANY, &je);
                if (j) oc.before = stk_value_from_json(j);
                json_decref(j);
            }
        p->outputs = stk_xrealloc(p->outputs, (p->noutputs + 1) * sizeof *p->outputs);
        p->outputs[p->noutputs++] = oc;
    }
    for (size_t k = 0; k < ol.len; k++) {
        if (stk_strmap_get(&root->output_map, ol.items[k].name)) continue;
        stk_output_change oc = {0};
        oc.name = stk_xstrdup(ol.items[k].name);
        oc.sensitive = ol.items[k].sensitive;
        json_error_t je;
        json_t *j = json_loads(ol.items[k].value, JSON_DECODE_ANY, &je);
        if (j) oc.before = stk_value_from_json(j);
        json_decref(j);
        p->outputs = stk_xrealloc(p->outputs, (p->noutputs + 1) * sizeof *p->outputs);
        p->outputs[p->noutputs++] = oc;
    }
    stk_state_output_list_free(&ol);
}

static json_t *prior_json(engine *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->nobjs; i++) {
        prior_obj *po = e->objs[i];
        json_error_t je;
        json_t *attrs = NULL;
        char *enc = po->value ? encode_attrs(po->value) : NULL;
        attrs = json_loads(enc ? enc : po->si.attributes, 0, &je);
        free(enc);
        json_t *dj = json_loads(po->si.dependencies ? po->si.dependencies : "[]", 0, &je);
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o,s:o,s:b,s:b,s:b}", "address", po->si.address, "deposed",
                                           po->si.deposed, "provider", po->si.provider ? po->si.provider : "",
                                           "attributes", attrs ? attrs : json_object(), "dependencies",
                                           dj ? dj : json_array(), "tainted", po->si.tainted,
                                           "create_before_destroy", po->si.create_before_destroy, "gone", po->gone));
    }
    return a;
}

static void engine_free(engine *e)
{
    for (size_t i = 0; i < e->nobjs; i++) free_obj(e->objs[i]);
    free(e->objs);
    stk_strmap_free(&e->prior);
    stk_strmap_free(&e->chmap);
    /* map keys are borrowed: look every value up before freeing any key */
    stk_value **pv = stk_xcalloc(e->npkeys + 1, sizeof *pv);
    stk_provider_instance **pi = stk_xcalloc(e->npkeys + 1, sizeof *pi);
    for (size_t i = 0; i < e->npkeys; i++) {
        pv[i] = stk_strmap_get(&e->pconf, e->pkeys[i]);
        pi[i] = stk_strmap_get(&e->pinst, e->pkeys[i]);
    }
    for (size_t i = 0; i < e->npkeys; i++) {
        if (pv[i]) stk_value_unref(pv[i]);
        if (pi[i]) {
            char *name = NULL, *alias = NULL;
            parse_provider_addr(e->pkeys[i], &name, &alias);
            stk_provider_instance_free(name ? name : "", pi[i]);
            free(name);
            free(alias);
        }
    }
    for (size_t i = 0; i < e->npkeys; i++) free(e->pkeys[i]);
    free(pv);
    free(pi);
    free(e->pkeys);
    stk_strmap_free(&e->pconf);
    stk_strmap_free(&e->pinst);
    stk_value **av = stk_xcalloc(e->napplied + 1, sizeof *av);
    for (size_t i = 0; i < e->napplied; i++) av[i] = stk_strmap_get(&e->applied, e->applied_keys[i]);
    for (size_t i = 0; i < e->napplied; i++) {
        if (av[i]) stk_value_unref(av[i]);
        free(e->applied_keys[i]);
    }
    free(av);
    free(e->applied_keys);
    free(e->applied_gen);
    stk_strmap_free(&e->applied);
    stk_strmap_free(&e->applied_idx);
    stk_strmap_free(&e->cur_ri);
    stk_evaluation_free(e->cur_ev);
    pthread_mutex_destroy(&e->pmu);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->tick_cv);
    pthread_mutex_destroy(&e->smu);
    pthread_mutex_destroy(&e->emu);
}

static void engine_init(engine *e, stk_config *c, stk_state *st, const stk_plan_opts *o, stk_diags *d)
{
    memset(e, 0, sizeof *e);
    e->c = c;
    e->st = st;
    e->o = o;
    e->d = d;
    pthread_mutex_init(&e->pmu, NULL);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->tick_cv, NULL);
    pthread_mutex_init(&e->smu, NULL);
    pthread_mutex_init(&e->emu, NULL);
}

static stk_evaluation *evaluate(engine *e, stk_value *(*hook)(void *, const stk_resource_instance *), stk_diags *d)
{
    stk_eval_opts eo = {0};
    eo.instance_value = hook;
    eo.instance_ud = e;
    eo.provider_value = provider_cb;
    eo.workspace = e->st ? stk_state_workspace(e->st) : NULL;
    return stk_config_evaluate(e->c, &eo, d);
}

static int cmp_change(const void *a, const void *b)
{
    const stk_change *x = *(stk_change *const *)a, *y = *(stk_change *const *)b;
    int c = strcmp(x->addr, y->addr);
    if (c) return c;
    return strcmp(x->deposed ? x->deposed : "", y->deposed ? y->deposed : "");
}

static stk_plan *plan_with(engine *e, stk_plan_opts *opts)
{
    stk_plan *p = stk_xcalloc(1, sizeof *p);
    p->opts = *opts;
    p->opts.saved_prior = NULL;
    p->opts.stop = p->opts.cancel = NULL;
    e->plan = p;
    if (load_prior(e)) {
        p->errored = 1;
        return p;
    }
    if (e->st) {
        p->lineage = stk_xstrdup(stk_state_lineage(e->st));
        p->serial = stk_state_serial(e->st);
    }
    p->config_digest = stk_config_digest(e->c);
    int need_refresh = opts->refresh && !opts->saved_prior && e->nobjs > 0;
    if (need_refresh) {
        /* a first evaluation over prior values gives the provider configurations */
        e->mode = 1;
        stk_diags ld = STK_DIAGS_INIT;
        stk_evaluation *ev0 = evaluate(e, plan_hook, &ld);
        stk_evaluation_free(ev0);
        stk_diags_free(&ld);
        for (size_t i = 0; i < e->nobjs; i++) e->objs[i]->seen = 0;
        refresh_all(e);
    }
    e->mode = (opts->destroy || opts->refresh_only) ? 1 : 0;
    e->mode1_reads_data = e->mode == 1;
    stk_evaluation *ev = evaluate(e, plan_hook, e->d);
    if (!opts->refresh_only) {
        for (size_t i = 0; i < e->nobjs; i++) {
            prior_obj *po = e->objs[i];
            if (po->si.parts.mode == STK_ADDR_MODE_DATA) continue;
            if (opts->destroy) {
                if (po->gone) continue;
                add_change(e, delete_change(po, NULL));
            } else if (po->si.deposed[0]) {
                add_change(e, delete_change(po, NULL));
            } else if (!po->seen && !po->gone) {
                add_change(e, delete_change(po, "delete_because_no_resource_config"));
            }
        }
        if (opts->destroy) {
            for (size_t i = 0; i < ev->ninstances; i++) {
                stk_resource_instance *ri = ev->instances[i];
                if (ri->res->lifecycle.prevent_destroy && stk_strmap_get(&e->prior, ri->addr))
                    stk_diags_add(e->d, STK_DIAG_ERROR, &ri->res->decl_range, "Instance cannot be destroyed",
                                  "Resource %s has lifecycle.prevent_destroy set, but the plan calls for this "
                                  "resource to be destroyed.",
                                  ri->addr);
            }
        }
    }
    set_deps(e, ev);
    apply_targets(e);
    if (p->nchanges) qsort(p->changes, p->nchanges, sizeof *p->changes, cmp_change);
    plan_outputs(e, ev);
    p->prior = prior_json(e);
    /* variables */
    p->variables = json_object();
    for (size_t i = 0; i < e->c->root->nvariables; i++) {
        stk_variable *v = e->c->root->variables[i];
        stk_value *val = ev->root->vars ? ev->root->vars[i] : NULL;
        if (!val || v->sensitive || (stk_value_marks_deep(val) & STK_MARK_SENSITIVE)) continue;
        json_t *j = stk_value_to_json(val);
        if (j) json_object_set_new(p->variables, v->name, json_pack("{s:o}", "value", j));
    }
    stk_evaluation_free(ev);
    if (stk_diags_has_errors(e->d)) p->errored = 1;
    return p;
}

stk_plan *stk_plan_make(stk_config *c, stk_state *st, const stk_plan_opts *o, stk_diags *d)
{
    engine e;
    engine_init(&e, c, st, o, d);
    stk_plan_opts opts = *o;
    stk_plan *p = plan_with(&e, &opts);
    engine_free(&e);
    return p;
}

void stk_plan_free(stk_plan *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nchanges; i++) change_free(p->changes[i]);
    free(p->changes);
    for (size_t i = 0; i < p->ndrift; i++) change_free(p->drift[i]);
    free(p->drift);
    for (size_t i = 0; i < p->noutputs; i++) {
        free(p->outputs[i].name);
        if (p->outputs[i].before) stk_value_unref(p->outputs[i].before);
        if (p->outputs[i].after) stk_value_unref(p->outputs[i].after);
    }
    free(p->outputs);
    free(p->config_digest);
    free(p->lineage);
    json_decref(p->variables);
    json_decref(p->prior);
    free(p);
}

void stk_plan_counts(const stk_plan *p, size_t *add, size_t *change, size_t *destroy)
{
    *add = *change = *destroy = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        switch (p->changes[i]->action) {
        case STK_PLAN_CREATE: (*add)++; break;
        case STK_PLAN_UPDATE: (*change)++; break;
        case STK_PLAN_REPLACE:
        case STK_PLAN_REPLACE_CBD: (*add)++, (*destroy)++; break;
        case STK_PLAN_DELETE: (*destroy)++; break;
        default: break;
        }
    }
}

int stk_plan_output_changed(const stk_output_change *o)
{
    if (!o->before || !o->after) return o->before != o->after;
    stk_value *a = stk_value_unmark_deep(stk_value_ref(o->before), NULL);
    stk_value *b = stk_value_unmark_deep(stk_value_ref(o->after), NULL);
    int eq = stk_value_raw_equal(a, b);
    if (!eq && stk_value_is_known_deep(a) && stk_value_is_known_deep(b)) {
        /* the state keeps an output as JSON, read back untyped (a list as a
           tuple): equal values of a list, set or map output are equal JSON */
        json_t *ja = stk_value_to_json(a), *jb = stk_value_to_json(b);
        eq = ja && jb && json_equal(ja, jb);
        json_decref(ja);
        json_decref(jb);
    }
    stk_value_unref(a);
    stk_value_unref(b);
    return !eq;
}

int stk_plan_has_changes(const stk_plan *p)
{
    if (p->opts.refresh_only) return p->ndrift > 0;
    for (size_t i = 0; i < p->nchanges; i++)
        if (p->changes[i]->action != STK_PLAN_NOOP && p->changes[i]->action != STK_PLAN_READ) return 1;
    for (size_t i = 0; i < p->noutputs; i++)
        if (stk_plan_output_changed(&p->outputs[i])) return 1;
    return 0;
}

/* ---- apply ---- */

static void emit(engine *e, stk_event_kind k, const char *addr, const char *op, double elapsed, const char *id,
                 const char *detail)
{
    if (!e->ao || !e->ao->event) return;
    stk_apply_event ev = {k, addr, op, elapsed, id, detail};
    pthread_mutex_lock(&e->emu);
    e->ao->event(e->ao->ud, &ev);
    pthread_mutex_unlock(&e->emu);
}

static void record_applied(engine *e, const char *addr, stk_value *v)
{
    stk_value *nv = v ? stk_value_ref(v) : stk_value_null(STK_DYNAMIC);
    pthread_mutex_lock(&e->mu);
    put_applied_nolock(e, addr, nv, ++e->gen_applied);
    pthread_mutex_unlock(&e->mu);
    stk_value_unref(nv);
}

/* Was something ch depends on applied after the current evaluation? (mu held) */
static int stale_for(engine *e, const stk_change *ch)
{
    if (!e->cur_ev) return 1;
    for (size_t k = 0; k < ch->ndeps; k++) {
        size_t i = (size_t)(uintptr_t)stk_strmap_get(&e->applied_idx, ch->deps[k]);
        if (i && e->applied_gen[i - 1] > e->gen_eval) return 1;
    }
    return 0;
}

/* the configuration of a change, evaluated again with what is applied now:
   one evaluation serves every change whose dependencies it already saw
   applied, so a wide apply does not evaluate the configuration per result */
static stk_value *fresh_config(engine *e, stk_change *ch, stk_diags *ld)
{
    pthread_mutex_lock(&e->mu);
    if (stale_for(e, ch)) {
        unsigned long gen = e->gen_applied;
        stk_evaluation_free(e->cur_ev);
        stk_strmap_free(&e->cur_ri);
        e->cur_ri = (stk_strmap)STK_STRMAP_INIT;
        stk_diags scratch = STK_DIAGS_INIT;
        /* apply_hook takes mu itself for nothing: values are read under our lock */
        stk_eval_opts eo = {0};
        eo.instance_value = apply_hook;
        eo.instance_ud = e;
        eo.workspace = e->st ? stk_state_workspace(e->st) : NULL;
        e->cur_ev = stk_config_evaluate(e->c, &eo, &scratch);
        stk_diags_free(&scratch);
        for (size_t i = 0; i < e->cur_ev->ninstances; i++)
            stk_strmap_put(&e->cur_ri, e->cur_ev->instances[i]->addr, e->cur_ev->instances[i]);
        e->gen_eval = gen;
    }
    stk_resource_instance *ri = stk_strmap_get(&e->cur_ri, ch->addr);
    stk_value *cfg = ri && ri->config ? stk_value_ref(ri->config) : NULL;
    pthread_mutex_unlock(&e->mu);
    if (!cfg) stk_diags_add(ld, STK_DIAG_ERROR, NULL, "Configuration gone", "%s is no longer in the configuration.", ch->addr);
    return cfg;
}

static stk_state_instance make_inst(stk_change *ch, stk_value *v, const char *deposed)
{
    stk_state_instance si = {0};
    si.address = ch->addr;
    si.deposed = (char *)(deposed ? deposed : "");
    si.provider = ch->provider_addr;
    si.attributes = encode_attrs(v);
    si.sensitive_paths = sensitive_paths(ch->rtype, v, ch->after);
    si.dependencies = deps_json(ch->deps ? ch->deps : ch->prior_deps, ch->deps ? ch->ndeps : ch->nprior_deps);
    si.create_before_destroy = ch->create_before_destroy;
    return si;
}

static char *intent_info(engine *e, stk_change *ch, stk_provider_instance *p, stk_value *planned, const char *token,
                         const char *id, const char *deposed)
{
    json_t *o = NULL;
    if (ch->rtype && ch->rtype->journal_info && planned) {
        char *s = ch->rtype->journal_info(p, ch->rtype, planned, token);
        json_error_t je;
        if (s) o = json_loads(s, 0, &je);
        free(s);
    }
    if (!o) o = json_object();
    if (token && !json_object_get(o, "token")) json_object_set_new(o, "token", json_string(token));
    if (id) json_object_set_new(o, "id", json_string(id));
    if (deposed) json_object_set_new(o, "deposed", json_string(deposed));
    json_object_set_new(o, "provider", json_string(ch->provider_addr));
    json_object_set_new(o, "schema_version", json_integer(0));
    json_t *dj = json_array();
    for (size_t i = 0; i < ch->ndeps; i++) json_array_append_new(dj, json_string(ch->deps[i]));
    json_object_set_new(o, "dependencies", dj);
    json_object_set_new(o, "create_before_destroy", json_boolean(ch->create_before_destroy));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    (void)e;
    return s;
}

static void diag_text(stk_diags *ld, char *buf, size_t n)
{
    buf[0] = 0;
    if (ld->len) snprintf(buf, n, "%s%s%s", ld->items[0].summary, ld->items[0].detail ? ": " : "",
                          ld->items[0].detail ? ld->items[0].detail : "");
}

/* ---- state writes of the walk ---- */

typedef struct {
    const char *addr;
    stk_journal_action action;
    const char *info;
    int64_t id;
    const stk_journal_result *result;
} journal_job;

static int job_intent(stk_state *st, void *ud, stk_diags *d)
{
    journal_job *j = ud;
    return stk_journal_intent_add(st, j->addr, j->action, j->info, &j->id, d);
}

static int job_finish(stk_state *st, void *ud, stk_diags *d)
{
    journal_job *j = ud;
    return stk_journal_intent_finish(st, j->id, j->result, d);
}

/* Run fn in a transaction of the group committer (or, outside the walk,
   its own under smu); returns once it is durable. */
static int state_write(engine *e, int (*fn)(stk_state *, void *, stk_diags *), void *ud, stk_diags *ld)
{
    if (e->group) return stk_state_group_run(e->group, fn, ud, ld) < 0 ? -1 : 0;
    pthread_mutex_lock(&e->smu);
    int rc = stk_state_with_tx(e->st, fn, ud, ld) < 0 ? -1 : 0;
    pthread_mutex_unlock(&e->smu);
    return rc;
}

/* The intent, committed before the cloud call (journal.h). */
static int journal_begin(engine *e, const char *addr, stk_journal_action action, const char *info, int64_t *id,
                         stk_diags *ld)
{
    journal_job j = {addr, action, info, 0, NULL};
    int rc = state_write(e, job_intent, &j, ld);
    *id = j.id;
    return rc;
}

/* The result with its state change, committed before dependents start. */
static int journal_finish(engine *e, int64_t id, const stk_journal_result *r, stk_diags *ld)
{
    journal_job j = {NULL, 0, NULL, id, r};
    return state_write(e, job_finish, &j, ld);
}

static int do_create(engine *e, stk_change *ch, stk_provider_instance *p, stk_value *planned, stk_value **out,
                     stk_diags *ld)
{
    char *token = stk_state_uuid();
    char *info = intent_info(e, ch, p, planned, token, NULL, NULL);
    int64_t id = 0;
    int rc = journal_begin(e, ch->addr, STK_ACTION_CREATE, info, &id, ld);
    free(info);
    if (rc) {
        free(token);
        return -1;
    }
    stk_value *nv = NULL;
    stk_call_ctx cx;
    set_ctx(&cx, e, ch->addr, ch->timeouts, token);
    stk_call_take_maybe_applied();   /* a note from an earlier call on this thread is not this create's */
    size_t mark = ld->len;
    rc = ch->rtype->create(p, ch->rtype, planned, &nv, ld);
    /* The create failed in a way that may have taken effect (provider.h): look the object up as crash
       recovery does; adopt it when AWS has it (then update it to the plan, in case a later step of the
       create was lost), else create again; at most 3 times.  When the type cannot tell, the error stands. */
    for (int again = 0; rc != 0 && again < 3 && ch->rtype->recover && stk_call_take_maybe_applied(); again++) {
        stk_diags rd = STK_DIAGS_INIT;
        char *rinfo = intent_info(e, ch, p, planned, token, NULL, NULL);
        stk_value *found = NULL;
        int rr = ch->rtype->recover(p, ch->rtype, rinfo, &found, &rd);
        free(rinfo);
        if (rr != 0) {
            stk_diags_add(ld, STK_DIAG_WARNING, NULL, "The failed create may have made the object",
                          "%s: stk could not look it up (%s). Check the cloud and `stk import` it if it exists.",
                          ch->addr, rd.len ? rd.items[0].summary : "no lookup");
            stk_diags_free(&rd);
            break;
        }
        stk_diags_free(&rd);
        while (ld->len > mark) {   /* the lost attempt's error is resolved */
            stk_diag *x = &ld->items[--ld->len];
            free(x->summary);
            free(x->detail);
            free(x->filename);
        }
        if (nv) stk_value_unref(nv);
        nv = NULL;
        if (!found) {
            rc = ch->rtype->create(p, ch->rtype, planned, &nv, ld);
            continue;
        }
        rc = ch->rtype->update ? ch->rtype->update(p, ch->rtype, found, planned, &nv, ld) : 0;
        if (ch->rtype->update) stk_value_unref(found);
        else nv = found;
    }
    stk_call_ctx_set(NULL);
    free(token);
    if (rc == 0 && !nv) {
        stk_diags_add(ld, STK_DIAG_ERROR, NULL, "Provider produced no object", "create returned no state");
        rc = -1;
    }
    if (rc == 0) {
        nv = mark_sensitive(ch->rtype, nv);
        stk_state_instance si = make_inst(ch, nv, NULL);
        stk_journal_result r = {STK_JOURNAL_APPLIED, &si, NULL};
        if (!si.attributes) {
            stk_diags_add(ld, STK_DIAG_ERROR, NULL, "Provider produced an invalid object",
                          "The new object has values that are still unknown after create.");
            r.outcome = STK_JOURNAL_FAILED;
            r.instance = NULL;
            r.error = "unknown values after create";
            rc = -1;
        }
        if (journal_finish(e, id, &r, ld)) rc = -1;
        free(si.attributes);
        free(si.sensitive_paths);
        free(si.dependencies);
    } else {
        char msg[512];
        diag_text(ld, msg, sizeof msg);
        stk_journal_result r = {STK_JOURNAL_FAILED, NULL, msg};
        journal_finish(e, id, &r, ld);
    }
    if (rc == 0) *out = nv;
    else if (nv) stk_value_unref(nv);
    return rc;
}

static int do_update(engine *e, stk_change *ch, stk_provider_instance *p, stk_value *prior, stk_value *planned,
                     stk_value **out, stk_diags *ld)
{
    char *info = intent_info(e, ch, p, NULL, NULL, value_id(prior), NULL);
    int64_t id = 0;
    int rc = journal_begin(e, ch->addr, STK_ACTION_UPDATE, info, &id, ld);
    free(info);
    if (rc) return -1;
    stk_value *nv = NULL;
    stk_call_ctx cx;
    set_ctx(&cx, e, ch->addr, ch->timeouts, NULL);
    rc = ch->rtype->update(p, ch->rtype, prior, planned, &nv, ld);
    stk_call_ctx_set(NULL);
    if (rc == 0 && !nv) rc = -1;
    if (rc == 0) {
        nv = mark_sensitive(ch->rtype, nv);
        stk_state_instance si = make_inst(ch, nv, NULL);
        si.tainted = 0;
        stk_journal_result r = {STK_JOURNAL_APPLIED, &si, NULL};
        if (journal_finish(e, id, &r, ld)) rc = -1;
        free(si.attributes);
        free(si.sensitive_paths);
        free(si.dependencies);
    } else {
        char msg[512];
        diag_text(ld, msg, sizeof msg);
        stk_journal_result r = {STK_JOURNAL_FAILED, NULL, msg};
        journal_finish(e, id, &r, ld);
    }
    if (rc == 0) *out = nv;
    else if (nv) stk_value_unref(nv);
    return rc;
}

static int do_delete(engine *e, stk_change *ch, stk_provider_instance *p, stk_value *prior, const char *deposed,
                     stk_diags *ld)
{
    char *info = intent_info(e, ch, p, NULL, NULL, value_id(prior), deposed);
    int64_t id = 0;
    int rc = journal_begin(e, ch->addr, STK_ACTION_DELETE, info, &id, ld);
    free(info);
    if (rc) return -1;
    stk_call_ctx cx;
    set_ctx(&cx, e, ch->addr, ch->timeouts, NULL);
    rc = ch->rtype->del(p, ch->rtype, prior, ld);
    stk_call_ctx_set(NULL);
    if (rc == 0) {
        stk_journal_result r = {STK_JOURNAL_DELETED, NULL, NULL};
        if (journal_finish(e, id, &r, ld)) rc = -1;
    } else {
        char msg[512];
        diag_text(ld, msg, sizeof msg);
        stk_journal_result r = {STK_JOURNAL_FAILED, NULL, msg};
        journal_finish(e, id, &r, ld);
    }
    return rc;
}

typedef struct {
    const char *addr, *key;
} depose_job;

static int job_depose(stk_state *st, void *ud, stk_diags *d)
{
    depose_job *j = ud;
    stk_state_instance cur;
    int rc = -1;
    if (stk_state_get(st, j->addr, "", &cur, d) == 1) {
        free(cur.deposed);
        cur.deposed = stk_xstrdup(j->key);
        if (stk_state_put(st, &cur, d) == 0 && stk_state_delete(st, j->addr, "", d) >= 0) rc = 0;
        stk_state_instance_free(&cur);
    }
    return rc;
}

/* create_before_destroy: the current object becomes a deposed one */
static char *depose(engine *e, stk_change *ch, stk_diags *ld)
{
    char *key = stk_state_uuid();
    key[8] = 0;
    depose_job j = {ch->addr, key};
    int rc = state_write(e, job_depose, &j, ld);
    if (rc) {
        free(key);
        return NULL;
    }
    return key;
}

static const char *op_of(stk_plan_action a)
{
    switch (a) {
    case STK_PLAN_CREATE: return "create";
    case STK_PLAN_UPDATE: return "update";
    case STK_PLAN_DELETE: return "delete";
    case STK_PLAN_READ: return "read";
    case STK_PLAN_REPLACE: case STK_PLAN_REPLACE_CBD: return "replace";
    default: return "noop";
    }
}




static int run_change(engine *e, size_t i, stk_change *ch)
{
    if (ch->action == STK_PLAN_NOOP) {
        if (ch->before) record_applied(e, ch->addr, ch->before);
        return 0;
    }
    stk_diags ld = STK_DIAGS_INIT;
    const stk_resource_type *t = ch->rtype;
    int rc = -1;
    double t0 = now_s();
    pthread_mutex_lock(&e->mu);
    e->started[i] = t0;
    e->last_still[i] = t0;
    e->ops[i] = op_of(ch->action);
    pthread_mutex_unlock(&e->mu);
    if (!t || (ch->action != STK_PLAN_READ && (!t->create || !t->del)) || (ch->action == STK_PLAN_READ && !t->read_data)) {
        stk_diags_add(&ld, STK_DIAG_ERROR, NULL, "Resource type not implemented",
                      "stk cannot %s %s yet: the resource type %s has no %s function in this build.", op_of(ch->action),
                      ch->addr, ch->type, ch->action == STK_PLAN_READ ? "read" : "create/delete");
        emit(e, STK_EV_FAILED, ch->addr, op_of(ch->action), 0, NULL, NULL);
        goto out;
    }
    stk_provider_instance *p = get_provider(e, ch->provider_addr, ch->provider, &ld);
    if (!p) goto out;
    stk_value *planned = ch->after ? stk_value_ref(ch->after) : NULL;
    if (ch->action != STK_PLAN_DELETE && ch->res && planned && ch->config_unknown) {
        stk_value *cfg = fresh_config(e, ch, &ld);
        if (!cfg) {
            stk_value_unref(planned);
            goto out;
        }
        if (ch->action == STK_PLAN_READ) {
            stk_value_unref(planned);
            planned = cfg;
        } else if (t->schema) {
            stk_value *prior = ch->action == STK_PLAN_UPDATE ? ch->before : NULL;
            stk_value *np = provider_plan_modify(e, ch->provider, ch->provider_addr, t, prior,
                                                 stk_diff_plan(t->schema, cfg, prior));
            if (prior) np = apply_ignore(ch->res, np, prior);
            stk_value_unref(planned);
            stk_value_unref(cfg);
            planned = np;
        } else {
            stk_value_unref(planned);
            planned = cfg;
        }
    }
    stk_value *nv = NULL;
    const char *op = op_of(ch->action);
    emit(e, STK_EV_START, ch->addr, ch->action == STK_PLAN_REPLACE ? "delete" : op, 0, NULL, NULL);
    switch (ch->action) {
    case STK_PLAN_READ:
        rc = t->read_data(p, t, planned, &nv, &ld);
        if (rc == 0 && nv) nv = mark_sensitive(t, nv);
        break;
    case STK_PLAN_CREATE:
        rc = do_create(e, ch, p, planned, &nv, &ld);
        break;
    case STK_PLAN_UPDATE:
        rc = t->update ? do_update(e, ch, p, ch->before, planned, &nv, &ld) : -1;
        break;
    case STK_PLAN_DELETE:
        rc = do_delete(e, ch, p, ch->before, ch->deposed, &ld);
        break;
    case STK_PLAN_REPLACE:
        rc = do_delete(e, ch, p, ch->before, NULL, &ld);
        if (rc == 0) {
            emit(e, STK_EV_DONE, ch->addr, "delete", now_s() - t0, NULL, NULL);
            emit(e, STK_EV_START, ch->addr, "create", 0, NULL, NULL);
            pthread_mutex_lock(&e->mu);
            e->ops[i] = "create";
            e->started[i] = e->last_still[i] = now_s();
            pthread_mutex_unlock(&e->mu);
            rc = do_create(e, ch, p, planned, &nv, &ld);
        }
        break;
    case STK_PLAN_REPLACE_CBD: {
        char *key = depose(e, ch, &ld);
        if (!key) break;
        emit(e, STK_EV_START, ch->addr, "create", 0, NULL, NULL);
        rc = do_create(e, ch, p, planned, &nv, &ld);
        if (rc == 0) {
            emit(e, STK_EV_DONE, ch->addr, "create", now_s() - t0, value_id(nv), NULL);
            emit(e, STK_EV_START, ch->addr, "delete", 0, key, "deposed");
            double t1 = now_s();
            rc = do_delete(e, ch, p, ch->before, key, &ld);
            if (rc == 0) emit(e, STK_EV_DONE, ch->addr, "delete", now_s() - t1, key, "deposed");
        }
        free(key);
        break;
    }
    default:
        rc = 0;
    }
    if (planned) stk_value_unref(planned);
    double el = now_s() - t0;
    if (rc == 0) {
        record_applied(e, ch->addr, nv);
        if (ch->action != STK_PLAN_REPLACE_CBD)
            emit(e, STK_EV_DONE, ch->addr, ch->action == STK_PLAN_REPLACE ? "create" : op, el, value_id(nv), NULL);
        pthread_mutex_lock(&e->mu);
        switch (ch->action) {
        case STK_PLAN_CREATE: e->res->added++; break;
        case STK_PLAN_UPDATE: e->res->changed++; break;
        case STK_PLAN_DELETE: e->res->destroyed++; break;
        case STK_PLAN_REPLACE:
        case STK_PLAN_REPLACE_CBD: e->res->added++, e->res->destroyed++; break;
        default: break;
        }
        pthread_mutex_unlock(&e->mu);
    } else {
        emit(e, STK_EV_FAILED, ch->addr, op, el, NULL, NULL);
    }
    if (nv) stk_value_unref(nv);
out:
    pthread_mutex_lock(&e->mu);
    e->started[i] = 0;
    pthread_mutex_unlock(&e->mu);
    if (rc) {
        rc = -1;
        if (!ld.len) stk_diags_add(&ld, STK_DIAG_ERROR, NULL, "Operation failed", "%s of %s failed", op_of(ch->action), ch->addr);
    }
    merge_diags(e, &ld, ch->addr);
    return rc;
}


typedef struct {
    engine *e;
    stk_plan *p;
    size_t *ranks;   /* the walk's priorities (walk.h) */
} walk_ud;

static int apply_node(void *ud, size_t i)
{
    walk_ud *w = ud;
    node_priority = w->ranks[i] > 1000000 ? 1000000 : (int)w->ranks[i];
    int rc = run_change(w->e, i, w->p->changes[i]);
    node_priority = 0;
    return rc;
}

static void *ticker(void *arg)
{
    walk_ud *w = arg;
    engine *e = w->e;
    for (;;) {
        /* every 200 ms, and at once when the walk ends (the apply does not
           wait out a sleep before it goes on) */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&e->mu);
        if (e->ticking) pthread_cond_timedwait(&e->tick_cv, &e->mu, &ts);
        int go = e->ticking;
        double now = now_s();
        for (size_t i = 0; go && i < w->p->nchanges; i++) {
            if (!e->started[i] || now - e->last_still[i] < 10) continue;
            e->last_still[i] += 10;
            const char *op = e->ops[i];
            double el = now - e->started[i];
            pthread_mutex_unlock(&e->mu);
            emit(e, STK_EV_STILL, w->p->changes[i]->addr, op, el, NULL, NULL);
            pthread_mutex_lock(&e->mu);
        }
        pthread_mutex_unlock(&e->mu);
        if (!go) break;
    }
    return NULL;
}

static size_t find_node(stk_plan *p, stk_strmap *m, const char *addr)
{
    void *v = stk_strmap_get(m, addr);
    (void)p;
    return v ? (size_t)(uintptr_t)v - 1 : (size_t)-1;
}

static void write_outputs(engine *e, stk_plan *p, stk_diags *d)
{
    stk_evaluation *ev = NULL;
    if (!p->opts.destroy) {
        stk_diags scratch = STK_DIAGS_INIT;
        stk_eval_opts eo = {0};
        eo.instance_value = apply_hook;
        eo.instance_ud = e;
        eo.workspace = e->st ? stk_state_workspace(e->st) : NULL;
        ev = stk_config_evaluate(e->c, &eo, &scratch);
        stk_diags_free(&scratch);
    }
    stk_module *root = e->c->root;
    stk_state_output_list ol = {0};
    stk_state_list_outputs(e->st, &ol, d);
    for (size_t k = 0; k < ol.len; k++)
        if (p->opts.destroy || !stk_strmap_get(&root->output_map, ol.items[k].name))
            stk_state_delete_output(e->st, ol.items[k].name, d);
    stk_state_output_list_free(&ol);
    for (size_t i = 0; ev && i < root->noutputs; i++) {
        stk_output *o = root->outputs[i];
        stk_value *v = stk_evaluation_output(ev, o->name);
        if (!v || !stk_value_is_known_deep(v)) continue;
        stk_value *u = stk_value_unmark_deep(stk_value_ref(v), NULL);
        json_t *j = stk_value_to_json(u);
        json_t *tj = stk_type_to_json(u->type);
        stk_value_unref(u);
        if (!j) {
            json_decref(tj);
            continue;
        }
        char *vs = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
        char *ts = tj ? json_dumps(tj, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        stk_state_output so = {(char *)o->name, vs, ts,
                               o->sensitive || (stk_value_marks_deep(v) & STK_MARK_SENSITIVE) ? 1 : 0};
        stk_state_set_output(e->st, &so, d);
        free(vs);
        free(ts);
        json_decref(j);
        json_decref(tj);
    }
    stk_evaluation_free(ev);
}

int stk_plan_apply(stk_plan *p, stk_config *c, stk_state *st, const stk_apply_opts *o, stk_apply_result *r,
                   stk_diags *d)
{
    engine e;
    engine_init(&e, c, st, &o->plan, d);
    e.ao = o;
    e.plan = p;
    memset(r, 0, sizeof *r);
    e.res = r;
    load_prior(&e);
    /* provider configurations (and the values of unchanged objects) */
    {
        e.mode = 1;
        stk_diags scratch = STK_DIAGS_INIT;
        stk_evaluation *ev0 = evaluate(&e, plan_hook, &scratch);
        stk_evaluation_free(ev0);
        stk_diags_free(&scratch);
    }
    for (size_t i = 0; i < p->nchanges; i++)
        if (!p->changes[i]->deposed) stk_strmap_put(&e.chmap, p->changes[i]->addr, p->changes[i]);

    if (p->opts.refresh_only) {
        /* accept the refreshed objects into state */
        pthread_mutex_lock(&e.smu);
        int rc = stk_state_begin(st, d);
        for (size_t i = 0; rc == 0 && i < p->ndrift; i++) {
            stk_change *dr = p->drift[i];
            if (!dr->after) {
                rc = stk_state_delete(st, dr->addr, dr->deposed, d) < 0 ? -1 : 0;
                continue;
            }
            stk_state_instance cur;
            if (stk_state_get(st, dr->addr, dr->deposed, &cur, d) == 1) {
                free(cur.attributes);
                cur.attributes = encode_attrs(dr->after);
                rc = stk_state_put(st, &cur, d);
                stk_state_instance_free(&cur);
            }
        }
        if (rc == 0) rc = stk_state_commit(st, d);
        else stk_state_rollback(st);
        pthread_mutex_unlock(&e.smu);
        engine_free(&e);
        return rc;
    }

    size_t n = p->nchanges;
    stk_strmap idx = STK_STRMAP_INIT;   /* addr -> node + 1 (current objects) */
    for (size_t i = 0; i < n; i++)
        if (!p->changes[i]->deposed) stk_strmap_put(&idx, p->changes[i]->addr, (void *)(uintptr_t)(i + 1));
    /* reverse dependencies (who depends on an address), for deletes */
    size_t **deps = stk_xcalloc(n + 1, sizeof *deps);
    size_t *nd = stk_xcalloc(n + 1, sizeof *nd);
    for (size_t i = 0; i < n; i++) {
        stk_change *ch = p->changes[i];
        if (ch->action == STK_PLAN_DELETE) continue;
        for (size_t k = 0; k < ch->ndeps; k++) {
            size_t j = find_node(p, &idx, ch->deps[k]);
            if (j == (size_t)-1 || j == i || p->changes[j]->action == STK_PLAN_DELETE) continue;
            deps[i] = stk_xrealloc(deps[i], (nd[i] + 1) * sizeof **deps);
            deps[i][nd[i]++] = j;
        }
    }
    for (size_t j = 0; j < n; j++) {
        stk_change *cj = p->changes[j];
        for (int pass = 0; pass < 2; pass++) {
            char **list = pass ? cj->prior_deps : cj->deps;
            size_t nl = pass ? cj->nprior_deps : cj->ndeps;
            for (size_t k = 0; k < nl; k++) {
                size_t i = find_node(p, &idx, list[k]);
                if (i == (size_t)-1 || i == j || p->changes[i]->action != STK_PLAN_DELETE) continue;
                if (cj->action != STK_PLAN_DELETE && pass == 0) continue;
                int dup = 0;
                for (size_t q = 0; q < nd[i]; q++) dup |= deps[i][q] == j;
                if (dup) continue;
                deps[i] = stk_xrealloc(deps[i], (nd[i] + 1) * sizeof **deps);
                deps[i][nd[i]++] = j;   /* delete i after j let go of it */
            }
        }
    }
    stk_strmap_free(&idx);
    e.started = stk_xcalloc(n + 1, sizeof *e.started);
    e.last_still = stk_xcalloc(n + 1, sizeof *e.last_still);
    e.ops = stk_xcalloc(n + 1, sizeof *e.ops);
    stk_walk_status *status = stk_xcalloc(n + 1, sizeof *status);
    walk_ud w = {&e, p, stk_xcalloc(n + 1, sizeof *w.ranks)};
    stk_walk_opts wo = {n, deps, nd, o->plan.parallelism, apply_node, &w, o->plan.stop, w.ranks};
    e.group = stk_state_group_new(st);
    e.ticking = 1;
    pthread_t tick;
    int have_tick = pthread_create(&tick, NULL, ticker, &w) == 0;
    int rc = stk_walk(&wo, status);
    pthread_mutex_lock(&e.mu);
    e.ticking = 0;
    pthread_cond_signal(&e.tick_cv);
    pthread_mutex_unlock(&e.mu);
    if (have_tick) pthread_join(tick, NULL);
    stk_state_group_free(e.group);
    e.group = NULL;
    for (size_t i = 0; i < n; i++) {
        if (status[i] == STK_WALK_SKIPPED) emit(&e, STK_EV_SKIPPED, p->changes[i]->addr, op_of(p->changes[i]->action), 0, NULL, NULL);
        if (status[i] == STK_WALK_NOT_STARTED && p->changes[i]->action != STK_PLAN_NOOP) r->interrupted = 1;
    }
    if (o->plan.stop && *o->plan.stop) r->interrupted = 1;
    pthread_mutex_lock(&e.smu);
    write_outputs(&e, p, d);
    pthread_mutex_unlock(&e.smu);
    for (size_t i = 0; i < n; i++) free(deps[i]);
    free(deps);
    free(nd);
    free(status);
    free(w.ranks);
    free(e.started);
    free(e.last_still);
    free(e.ops);
    engine_free(&e);
    return rc == 0 && !r->interrupted ? 0 : -1;
}

/* ---- journal recovery ---- */


static int reader(void *ud, const stk_journal_intent *in, char **attrs, const char **found_by, stk_diags *d)
{
    engine *e = ud;
    *attrs = NULL;
    stk_addr a;
    char *err = NULL;
    if (stk_addr_parse(in->address, &a, &err)) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Bad journal address", "%s", err ? err : in->address);
        free(err);
        return -1;
    }
    const stk_resource_type *t =
        stk_resource_type_lookup(a.mode == STK_ADDR_MODE_DATA ? STK_RESOURCE_DATA : STK_RESOURCE_MANAGED, a.type);
    stk_addr_free(&a);
    if (!t || !t->recover) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot recover interrupted operation",
                      "The %s of %s was interrupted, and its resource type cannot look objects up after a crash. "
                      "Check the object in the cloud and resolve the intent by hand (stk state).",
                      stk_journal_action_name(in->action), in->address);
        return -1;
    }
    json_error_t je;
    json_t *info = json_loads(in->info ? in->info : "{}", 0, &je);
    char *pname = NULL, *palias = NULL;
    const char *ia = json_string_value(json_object_get(info, "provider"));
    parse_provider_addr(ia, &pname, &palias);
    char *paddr = pname ? stk_xstrdup(ia) : provider_addr(t->provider, NULL);
    json_decref(info);
    stk_provider_instance *p = get_provider(e, paddr, pname ? pname : t->provider, d);
    free(pname);
    free(palias);
    free(paddr);
    if (!p) return -1;
    stk_value *v = NULL;
    stk_recover_take_found_by();
    int rc = t->recover(p, t, in->info ? in->info : "{}", &v, d);
    *found_by = stk_recover_take_found_by();
    if (rc) return -1;
    if (!v) return 0;
    *attrs = encode_attrs(v);
    stk_value_unref(v);
    return *attrs ? 1 : -1;
}

int stk_plan_recover(stk_config *c, stk_state *st, char ***notes, stk_diags *d)
{
    *notes = NULL;
    stk_journal_list pend = {0};
    if (stk_journal_pending(st, &pend, d)) return -1;
    size_t np = pend.len;
    stk_journal_list_free(&pend);
    if (!np) return 0;
    engine e;
    stk_plan_opts o = {0};
    engine_init(&e, c, st, &o, d);
    if (c) {
        e.mode = 1;
        stk_diags scratch = STK_DIAGS_INIT;
        stk_eval_opts eo = {0};
        eo.validate_only = 1;
        eo.provider_value = provider_cb;
        eo.instance_ud = &e;
        stk_evaluation *ev = stk_config_evaluate(c, &eo, &scratch);
        stk_evaluation_free(ev);
        stk_diags_free(&scratch);
    }
    stk_journal_list rec = {0};
    int rc = stk_journal_recover(st, reader, &e, &rec, d);
    if (rec.len) {
        *notes = stk_xcalloc(rec.len + 1, sizeof **notes);
        for (size_t i = 0; i < rec.len; i++)
            (*notes)[i] = stk_xasprintf("%s of %s: %s", stk_journal_action_name(rec.items[i].action), rec.items[i].address,
                                        rec.items[i].note ? rec.items[i].note : rec.items[i].status);
    }
    stk_journal_list_free(&rec);
    engine_free(&e);
    return rc;
}

/* ---- import (stk import ADDR ID) ---- */

int stk_plan_import(stk_config *c, stk_state *st, const char *address, const char *id, const stk_import_opts *io,
                    char **canon_out, stk_diags *d)
{
    if (canon_out) *canon_out = NULL;
    stk_addr a;
    char *err = NULL;
    if (stk_addr_parse(address, &a, &err)) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Invalid address", "%s", err ? err : address);
        free(err);
        return -1;
    }
    if (!a.has_resource || a.mode != STK_ADDR_MODE_MANAGED) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Invalid address",
                      "%s is not a managed resource instance address: only managed resources can be imported.", address);
        stk_addr_free(&a);
        return -1;
    }
    char *canon = stk_addr_format(&a);
    stk_addr_free(&a);
    if (canon_out) *canon_out = stk_xstrdup(canon);

    engine e;
    stk_plan_opts o = {0};
    o.cancel = io ? io->cancel : NULL;
    engine_init(&e, c, st, &o, d);
    e.mode = 1;
    /* evaluate for the provider blocks and the instance list; references to
       resources are unknown here, which is all import needs */
    stk_diags scratch = STK_DIAGS_INIT;
    stk_evaluation *ev = evaluate(&e, NULL, &scratch);
    const stk_resource_instance *ri = NULL;
    for (size_t i = 0; ev && i < ev->ninstances; i++)
        if (ev->instances[i]->res && ev->instances[i]->res->mode == STK_MODE_MANAGED && !strcmp(ev->instances[i]->addr, canon))
            ri = ev->instances[i];
    int rc = -1;
    stk_value *v = NULL;
    char *paddr = NULL;
    if (!ri) {
        for (size_t i = 0; i < scratch.len; i++)
            if (scratch.items[i].severity == STK_DIAG_ERROR)
                stk_diags_add(d, STK_DIAG_ERROR, scratch.items[i].filename ? &scratch.items[i].subject : NULL,
                              scratch.items[i].summary, "%s", scratch.items[i].detail ? scratch.items[i].detail : "");
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Configuration for import target does not exist",
                      "The configuration for the given import target %s does not exist. All target instances "
                      "must have an associated configuration to be imported.", canon);
        goto out;
    }
    stk_state_instance si;
    int f = stk_state_get(st, canon, "", &si, d);
    if (f < 0) goto out;
    if (f == 1) {
        stk_state_instance_free(&si);
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Resource already managed by stk",
                      "stk is already managing a remote object for %s. To import to this address you must first "
                      "remove the existing object from the state (stk state rm %s).", canon, canon);
        goto out;
    }
    const stk_resource *r = ri->res;
    const stk_resource_type *t = r->rtype ? r->rtype : stk_resource_type_lookup(STK_RESOURCE_MANAGED, r->type);
    if (!t) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Invalid resource type", "The resource type %s is not known to stk.", r->type);
        goto out;
    }
    if (!t->import) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Resource type does not support import",
                      "The resource type %s cannot be imported by stk yet.", t->name);
        goto out;
    }
    paddr = stk_config_resource_provider_address(r);
    stk_provider_instance *p = get_provider(&e, paddr, r->provider, d);
    if (!p) goto out;
    if (io && io->event) io->event(io->ud, canon, "importing");
    double timeouts[4] = {0};
    read_timeouts(r, timeouts);
    stk_call_ctx cx;
    set_ctx(&cx, &e, canon, timeouts, NULL);
    int irc = t->import(p, t, id, &v, d);
    stk_call_ctx_set(NULL);
    if (irc) goto out;
    if (!v || v->is_null) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot import non-existent remote object",
                      "While attempting to import an existing object to %s, the provider detected that no object "
                      "exists with the given id (%s).", canon, id);
        goto out;
    }
    if (io && io->event) io->event(io->ud, canon, "prepared");
    /* refresh what import returned, as the plan will */
    if (t->read) {
        stk_value *nv = NULL;
        set_ctx(&cx, &e, canon, timeouts, NULL);
        irc = t->read(p, t, v, &nv, d);
        stk_call_ctx_set(NULL);
        if (irc) goto out;
        if (!nv) {
            stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot import non-existent remote object",
                          "The object %s (id %s) vanished while it was imported.", canon, id);
            goto out;
        }
        stk_value_unref(v);
        v = nv;
    }
    v = mark_sensitive(t, v);
    stk_state_instance ni = {0};
    ni.address = canon;
    ni.deposed = "";
    ni.provider = paddr;
    ni.attributes = encode_attrs(v);
    ni.sensitive_paths = sensitive_paths(t, v, NULL);
    ni.dependencies = stk_xstrdup("[]");
    ni.create_before_destroy = r->lifecycle.create_before_destroy;
    if (!ni.attributes)
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Provider produced an invalid object",
                      "The imported object of %s has values that are still unknown.", canon);
    else if (stk_state_put(st, &ni, d) == 0)
        rc = 0;
    free(ni.attributes);
    free(ni.sensitive_paths);
    free(ni.dependencies);
out:
    if (v) stk_value_unref(v);
    free(paddr);
    free(canon);
    stk_evaluation_free(ev);
    stk_diags_free(&scratch);
    engine_free(&e);
    return rc;
}
