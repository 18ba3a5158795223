/* evaluate.c - evaluating a whole configuration with unknowns allowed, as
 * `terraform validate` and the first half of `terraform plan` do.
 *
 * The graph of deps.c is walked in topological order.  Each node is a
 * configuration object (a variable, local, output, resource, data source,
 * module call or provider of one module) and is evaluated once for every
 * instance of its module: a module call node evaluates count / for_each in
 * each instance of the calling module and creates the child's instances,
 * which every node inside the child depends on.
 *
 * Names are resolved lazily by resolve() (the stk_eval_scope resolver):
 * var.x, local.x, module.m(.out), data.t.n, t.n, count.index, each.key,
 * each.value, path.module/root/cwd, terraform.workspace.  A resource
 * instance's value is what the stk_eval_opts.instance_value hook returns
 * (later issues: prior state merged with the plan); without a hook every
 * resource and data instance is unknown, since nothing is applied yet.
 *
 * Static reference errors were reported by deps.c; here an undeclared name
 * quietly evaluates to unknown so nothing is reported twice.
 */
#include "config/config.h"
#include "config/config_priv.h"
#include "graph/graph.h"
#include "eval/eval.h"
#include "eval/value_priv.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "../resources/provider.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    stk_evaluation *ev;
    stk_module_instance *mi;
    stk_value *count_index;      /* borrowed, NULL when not in a count context */
    stk_value *each_key;         /* borrowed */
    stk_value *each_value;
} ev_ctx;

typedef struct {
    stk_module_instance **items;
    size_t n, cap;
} inst_list;

typedef struct {
    stk_evaluation *ev;
    stk_strmap mod_index;        /* module path -> index + 1 */
    inst_list *lists;            /* instances of each module */
    stk_diags *d;
} walker;

static stk_value *unknown(void) { return stk_value_unknown(STK_DYNAMIC); }

static int fs_read_cb(void *ud, const char *path, char **data, size_t *len, char **err)
{
    const stk_config *c = ud;
    return stk_fs_read(c->fs, path, data, len, err);
}

static int fs_exists_cb(void *ud, const char *path)
{
    const stk_config *c = ud;
    return stk_fs_exists(c->fs, path) == 1;
}

/* ---- values of objects ---- */

static stk_value *module_instance_object(const stk_module_instance *ci)
{
    size_t n = ci->mod->noutputs;
    char **keys = stk_xmalloc((n ? n : 1) * sizeof *keys);
    stk_value **vals = stk_xmalloc((n ? n : 1) * sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        keys[i] = (char *)ci->mod->outputs[i]->name;
        vals[i] = ci->outputs[i] ? stk_value_ref(ci->outputs[i]) : unknown();
    }
    stk_value *o = stk_value_object(keys, vals, n);
    free(keys);
    free(vals);
    return o;
}

static stk_value *call_value(const stk_call_slot *cs)
{
    if (!cs->done || cs->mode == STK_EXPAND_UNKNOWN) return unknown();
    if (cs->mode == STK_EXPAND_SINGLE)
        return cs->ninsts ? module_instance_object(cs->insts[0]) : unknown();
    size_t n = cs->ninsts;
    stk_value **vals = stk_xmalloc((n ? n : 1) * sizeof *vals);
    for (size_t i = 0; i < n; i++) vals[i] = module_instance_object(cs->insts[i]);
    stk_value *r;
    if (cs->mode == STK_EXPAND_COUNT) {
        r = stk_value_tuple(vals, n);
    } else {
        char **keys = stk_xmalloc((n ? n : 1) * sizeof *keys);
        for (size_t i = 0; i < n; i++) keys[i] = (char *)stk_value_str(cs->insts[i]->key);
        r = stk_value_object(keys, vals, n);
        free(keys);
    }
    free(vals);
    return r;
}

static stk_value *resource_agg(stk_resource_slot *rs)
{
    if (!rs->done || rs->mode == STK_EXPAND_UNKNOWN) return unknown();
    if (rs->agg) return stk_value_ref(rs->agg);
    size_t n = rs->ninsts;
    if (rs->mode == STK_EXPAND_SINGLE) {
        rs->agg = n ? stk_value_ref(rs->insts[0]->value) : unknown();
        return stk_value_ref(rs->agg);
    }
    stk_value **vals = stk_xmalloc((n ? n : 1) * sizeof *vals);
    for (size_t i = 0; i < n; i++) vals[i] = stk_value_ref(rs->insts[i]->value);
    if (rs->mode == STK_EXPAND_COUNT) {
        rs->agg = stk_value_tuple(vals, n);
    } else {
        char **keys = stk_xmalloc((n ? n : 1) * sizeof *keys);
        for (size_t i = 0; i < n; i++) keys[i] = (char *)stk_value_str(rs->insts[i]->key);
        rs->agg = stk_value_object(keys, vals, n);
        free(keys);
    }
    free(vals);
    return stk_value_ref(rs->agg);
}

/* ---- the resolver ---- */

static stk_value *resolve(void *ud, const stk_ref *ref, size_t *consumed, stk_diags *d)
{
    (void)d;
    ev_ctx *x = ud;
    stk_module_instance *mi = x->mi;
    const stk_module *m = mi->mod;
    const char *root = ref->root;
    const char *a0 = stk_ref_attr(ref, 0);
    if (!strcmp(root, "var")) {
        stk_variable *v = a0 ? stk_strmap_get(&m->var_map, a0) : NULL;
        if (!v) return unknown();
        *consumed = 1;
        return mi->vars[v->index] ? stk_value_ref(mi->vars[v->index]) : stk_value_unknown(v->type);
    }
    if (!strcmp(root, "local")) {
        stk_local *l = a0 ? stk_strmap_get(&m->local_map, a0) : NULL;
        if (!l) return unknown();
        *consumed = 1;
        return mi->locals[l->index] ? stk_value_ref(mi->locals[l->index]) : unknown();
    }
    if (!strcmp(root, "module")) {
        stk_module_call *mc = a0 ? stk_strmap_get(&m->call_map, a0) : NULL;
        if (!mc || !mc->child) return unknown();
        stk_call_slot *cs = &mi->calls[mc->index];
        const char *a1 = stk_ref_attr(ref, 1);
        if (cs->done && cs->mode == STK_EXPAND_SINGLE && cs->ninsts == 1 && a1) {
            stk_output *o = stk_strmap_get(&mc->child->output_map, a1);
            if (!o) return unknown();
            *consumed = 2;
            stk_value *ov = cs->insts[0]->outputs[o->index];
            return ov ? stk_value_ref(ov) : unknown();
        }
        *consumed = 1;
        return call_value(cs);
    }
    if (!strcmp(root, "data")) {
        const char *a1 = stk_ref_attr(ref, 1);
        if (!a0 || !a1) return unknown();
        char buf[512];
        snprintf(buf, sizeof buf, "data.%s.%s", a0, a1);
        stk_resource *r = stk_strmap_get(&m->resource_map, buf);
        if (!r) return unknown();
        *consumed = 2;
        return resource_agg(&mi->res[r->index]);
    }
    if (!strcmp(root, "count")) {
        if (!a0 || strcmp(a0, "index") || !x->count_index) return unknown();   /* reported by deps.c */
        *consumed = 1;
        return stk_value_ref(x->count_index);
    }
    if (!strcmp(root, "each")) {
        if (!a0 || !x->each_key) return unknown();
        *consumed = 1;
        if (!strcmp(a0, "key")) return stk_value_ref(x->each_key);
        if (!strcmp(a0, "value")) return stk_value_ref(x->each_value);
        return unknown();
    }
    if (!strcmp(root, "path")) {
        if (!a0) return unknown();
        *consumed = 1;
        if (!strcmp(a0, "module")) return stk_value_string(m->dir);
        if (!strcmp(a0, "root")) return stk_value_string(".");
        if (!strcmp(a0, "cwd")) return stk_value_string(x->ev->cwd);
        return unknown();
    }
    if (!strcmp(root, "terraform")) {
        if (!a0 || strcmp(a0, "workspace")) return unknown();
        *consumed = 1;
        return stk_value_string(x->ev->opts.workspace ? x->ev->opts.workspace : "default");
    }
    if (!strcmp(root, "self")) return unknown();
    if (!a0) return unknown();
    char buf[512];
    snprintf(buf, sizeof buf, "%s.%s", root, a0);
    stk_resource *r = stk_strmap_get(&m->resource_map, buf);
    if (!r) return unknown();
    *consumed = 1;
    return resource_agg(&mi->res[r->index]);
}

static void scope_init(stk_eval_scope *s, ev_ctx *x)
{
    memset(s, 0, sizeof *s);
    s->resolve = resolve;
    s->ud = x;
    s->funcs = &x->mi->funcs;
}

static stk_value *eval_in(ev_ctx *x, const stk_expr *e, stk_diags *d)
{
    stk_eval_scope s;
    scope_init(&s, x);
    return stk_eval_expr(e, &s, d);
}

/* ---- generic body evaluation (until schemas exist) ---- */

typedef struct {
    const char *type;
    stk_value **items;
    size_t n, cap;
    int unknown;
} block_group;

typedef struct {
    block_group *g;
    size_t n, cap;
} block_groups;

static block_group *group_for(block_groups *gs, const char *type)
{
    for (size_t i = 0; i < gs->n; i++)
        if (!strcmp(gs->g[i].type, type)) return &gs->g[i];
    if (gs->n == gs->cap) {
        gs->cap = gs->cap ? gs->cap * 2 : 4;
        gs->g = stk_xrealloc(gs->g, gs->cap * sizeof *gs->g);
    }
    block_group *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    g->type = type;
    return g;
}

static void group_push(block_group *g, stk_value *v)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        g->items = stk_xrealloc(g->items, g->cap * sizeof *g->items);
    }
    g->items[g->n++] = v;
}

static stk_value *eval_body(ev_ctx *x, const stk_eval_scope *s, const stk_hcl_body *body, int top,
                            const stk_schema *schema, stk_diags *d);

/* schema: the schema of the blocks' content (NULL: generic) */
static void eval_dynamic(ev_ctx *x, const stk_eval_scope *s, const stk_hcl_block *bl, block_groups *gs,
                         const stk_schema *schema, stk_diags *d)
{
    if (bl->nlabels != 1) return;
    const char *iter = bl->labels[0];
    const stk_expr *fe = NULL;
    const stk_hcl_body *content = NULL;
    for (size_t j = 0; j < bl->body->nattrs; j++) {
        const stk_hcl_attr *a = bl->body->attrs[j];
        if (!strcmp(a->name, "iterator") && a->expr->kind == STK_EX_VARIABLE) iter = a->expr->u.name;
        else if (!strcmp(a->name, "for_each")) fe = a->expr;
    }
    for (size_t j = 0; j < bl->body->nblocks; j++)
        if (!strcmp(bl->body->blocks[j]->type, "content")) content = bl->body->blocks[j]->body;
    block_group *g = group_for(gs, bl->labels[0]);
    if (!fe || !content) return;
    stk_value *coll = stk_eval_expr(fe, s, d);
    if (coll->is_unknown) {
        g->unknown = 1;
        stk_value_unref(coll);
        return;
    }
    stk_type_kind k = coll->type->kind;
    if (coll->is_null || !(k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE || k == STK_TY_MAP ||
                           k == STK_TY_OBJECT)) {
        stk_diags_error(d, &fe->range, "Invalid dynamic for_each value", "%s",
                        coll->is_null ? "Cannot use a null value in for_each."
                                      : "Cannot use a value of this type in for_each. An iterable collection "
                                        "is required.");
        stk_value_unref(coll);
        return;
    }
    size_t n = stk_value_len(coll);
    int keyed = k == STK_TY_MAP || k == STK_TY_OBJECT;
    for (size_t i = 0; i < n; i++) {
        stk_value *elem = stk_value_elem(coll, i);
        stk_value *key = keyed ? stk_value_string(stk_value_key(coll, i))
                               : k == STK_TY_SET ? stk_value_ref(elem) : stk_value_int((int64_t)i);
        char *names[2] = {"key", "value"};
        stk_value *vals[2] = {key, stk_value_ref(elem)};
        stk_value *itv = stk_value_object(names, vals, 2);
        const char *bn[1] = {iter};
        stk_value *bv[1] = {itv};
        stk_eval_scope inner = {0};
        inner.parent = s;
        inner.bind_names = bn;
        inner.bind_values = bv;
        inner.nbind = 1;
        inner.funcs = s->funcs;
        inner.resolve = s->resolve;
        inner.ud = s->ud;
        /* bindings of enclosing dynamic blocks stay visible through parent */
        group_push(g, eval_body(x, &inner, content, 0, schema, d));
        stk_value_unref(itv);
    }
    stk_value_unref(coll);
}

static stk_value *eval_body_generic(ev_ctx *x, const stk_eval_scope *s, const stk_hcl_body *body, int top, stk_diags *d)
{
    size_t cap = body->nattrs + body->nblocks + 1;
    char **keys = stk_xmalloc(cap * sizeof *keys);
    stk_value **vals = stk_xmalloc(cap * sizeof *vals);
    size_t n = 0;
    for (size_t i = 0; i < body->nattrs; i++) {
        const stk_hcl_attr *a = body->attrs[i];
        if (top && (!strcmp(a->name, "count") || !strcmp(a->name, "for_each") || !strcmp(a->name, "provider") ||
                    !strcmp(a->name, "depends_on")))
            continue;
        keys[n] = (char *)a->name;
        vals[n++] = stk_eval_expr(a->expr, s, d);
    }
    block_groups gs = {0};
    for (size_t i = 0; i < body->nblocks; i++) {
        const stk_hcl_block *bl = body->blocks[i];
        if (top && (!strcmp(bl->type, "lifecycle") || !strcmp(bl->type, "connection") ||
                    !strcmp(bl->type, "provisioner")))
            continue;
        if (!strcmp(bl->type, "dynamic")) {
            eval_dynamic(x, s, bl, &gs, NULL, d);
            continue;
        }
        group_push(group_for(&gs, bl->type), eval_body(x, s, bl->body, 0, NULL, d));
    }
    for (size_t i = 0; i < gs.n; i++) {
        block_group *g = &gs.g[i];
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            if (!strcmp(keys[j], g->type)) dup = 1;
        if (g->unknown || dup) {
            for (size_t j = 0; j < g->n; j++) stk_value_unref(g->items[j]);
            if (dup) { free(g->items); continue; }
            vals[n] = unknown();
        } else {
            vals[n] = stk_value_tuple(g->items, g->n);
        }
        if (n + 1 >= cap) {
            cap *= 2;
            keys = stk_xrealloc(keys, cap * sizeof *keys);
            vals = stk_xrealloc(vals, cap * sizeof *vals);
        }
        keys[n++] = (char *)g->type;
        free(g->items);
    }
    free(gs.g);
    stk_value *o = stk_value_object(keys, vals, n);
    free(keys);
    free(vals);
    return o;
}

/* With the resource type's schema: every attribute converted to its type
   (errors at the expression, in Terraform's words), unset ones null, nested
   blocks as object / list / set of their block type. */
static stk_value *eval_body_schema(ev_ctx *x, const stk_eval_scope *s, const stk_hcl_body *body,
                                   const stk_schema *schema, stk_diags *d)
{
    size_t n = schema->nattrs + schema->nblocks;
    char **keys = stk_xmalloc((n + 1) * sizeof *keys);
    stk_value **vals = stk_xmalloc((n + 1) * sizeof *vals);
    for (size_t i = 0; i < schema->nattrs; i++) {
        const stk_schema_attr *sa = &schema->attrs[i];
        stk_type *t = stk_schema_parse_type(sa->type);
        if (!t) t = STK_DYNAMIC;
        const stk_hcl_attr *a = NULL;
        for (size_t j = 0; j < body->nattrs && !a; j++)
            if (!strcmp(body->attrs[j]->name, sa->name)) a = body->attrs[j];
        keys[i] = (char *)sa->name;
        if (a) {
            stk_value *raw = stk_eval_expr(a->expr, s, d);
            char *err = NULL;
            vals[i] = stk_value_convert(raw, t, &err);
            if (!vals[i]) {
                stk_diags_error(d, &a->expr->range, "Incorrect attribute value type",
                                "Inappropriate value for attribute \"%s\": %s.", sa->name, err ? err : "wrong type");
                vals[i] = stk_value_unknown(t);
            }
            free(err);
            stk_value_unref(raw);
        } else {
            vals[i] = stk_value_null(t);
        }
        stk_type_unref(t);
    }
    block_groups gs = {0};
    for (size_t i = 0; i < body->nblocks; i++) {
        const stk_hcl_block *bl = body->blocks[i];
        const char *bt = !strcmp(bl->type, "dynamic") && bl->nlabels == 1 ? bl->labels[0] : bl->type;
        const stk_schema_block *sb = stk_schema_find_block(schema, bt);
        if (!sb) continue;   /* reported by the loader's schema check */
        if (!strcmp(bl->type, "dynamic")) eval_dynamic(x, s, bl, &gs, sb->block, d);
        else group_push(group_for(&gs, bt), eval_body(x, s, bl->body, 0, sb->block, d));
    }
    for (size_t i = 0; i < schema->nblocks; i++) {
        const stk_schema_block *sb = &schema->blocks[i];
        stk_type *ot = stk_schema_type(sb->block);
        block_group *g = group_for(&gs, sb->name);
        stk_value *v;
        for (size_t j = 0; j < g->n; j++) {
            char *err = NULL;
            stk_value *cv = stk_value_convert(g->items[j], ot, &err);
            free(err);
            if (cv) {
                stk_value_unref(g->items[j]);
                g->items[j] = cv;
            }
        }
        if (sb->nesting == STK_NESTING_SINGLE) {
            v = g->unknown ? stk_value_unknown(ot) : g->n ? stk_value_ref(g->items[0]) : stk_value_null(ot);
            for (size_t j = 0; j < g->n; j++) stk_value_unref(g->items[j]);
        } else if (g->unknown) {
            stk_type *ct = sb->nesting == STK_NESTING_LIST ? stk_type_list(stk_type_ref(ot))
                                                           : stk_type_set(stk_type_ref(ot));
            v = stk_value_unknown(ct);
            stk_type_unref(ct);
            for (size_t j = 0; j < g->n; j++) stk_value_unref(g->items[j]);
        } else {
            v = sb->nesting == STK_NESTING_LIST ? stk_value_list(ot, g->items, g->n)
                                                : stk_value_set(ot, g->items, g->n);
        }
        free(g->items);
        g->items = NULL;
        g->n = 0;
        keys[schema->nattrs + i] = (char *)sb->name;
        vals[schema->nattrs + i] = v;
        stk_type_unref(ot);
    }
    for (size_t i = 0; i < gs.n; i++) {
        for (size_t j = 0; j < gs.g[i].n; j++) stk_value_unref(gs.g[i].items[j]);
        free(gs.g[i].items);
    }
    free(gs.g);
    stk_value *o = stk_value_object(keys, vals, n);
    free(keys);
    free(vals);
    return o;
}

static stk_value *eval_body(ev_ctx *x, const stk_eval_scope *s, const stk_hcl_body *body, int top,
                            const stk_schema *schema, stk_diags *d)
{
    return schema ? eval_body_schema(x, s, body, schema, d) : eval_body_generic(x, s, body, top, d);
}

/* ---- count and for_each ---- */

typedef struct {
    stk_expand_mode mode;
    size_t n;
    stk_value **keys;            /* COUNT: numbers; FOREACH: strings */
    stk_value **values;          /* FOREACH: each.value */
} expansion;

static void expansion_free(expansion *e)
{
    for (size_t i = 0; i < e->n; i++) {
        stk_value_unref(e->keys[i]);
        if (e->values && e->values[i]) stk_value_unref(e->values[i]);
    }
    free(e->keys);
    free(e->values);
}

static void expand(ev_ctx *x, const stk_expr *count, const stk_expr *for_each, expansion *out, stk_diags *d)
{
    memset(out, 0, sizeof *out);
    out->mode = STK_EXPAND_SINGLE;
    int validate = x->ev->opts.validate_only;
    if (count) {
        stk_value *v = eval_in(x, count, d);
        out->mode = STK_EXPAND_UNKNOWN;
        if (v->is_unknown) {
            if (!validate)
                stk_diags_error(d, &count->range, "Invalid count argument",
                                "The \"count\" value depends on resource attributes that cannot be determined "
                                "until apply, so stk cannot predict how many instances will be created. To work "
                                "around this, first apply only the resources that the count depends on.");
        } else if (v->is_null) {
            stk_diags_error(d, &count->range, "Invalid count argument",
                            "The given \"count\" argument value is null. An integer is required.");
        } else if (v->marks & STK_MARK_SENSITIVE) {
            stk_diags_error(d, &count->range, "Invalid count argument",
                            "Sensitive values, or values derived from sensitive values, cannot be used as count "
                            "arguments.");
        } else {
            char *err = NULL;
            stk_value *nv = stk_value_convert(v, STK_NUMBER, &err);
            if (!nv || nv->is_null) {
                stk_diags_error(d, &count->range, "Invalid count argument",
                                "The given \"count\" argument value is unsuitable: %s.", err ? err : "number required");
            } else if (!nv->is_int) {
                stk_diags_error(d, &count->range, "Invalid count argument",
                                "The given \"count\" argument value is unsuitable: value must be a whole number.");
            } else if (nv->u.num.i < 0) {
                stk_diags_error(d, &count->range, "Invalid count argument",
                                "The given \"count\" argument value is unsuitable: must be greater than or equal "
                                "to zero.");
            } else if (nv->u.num.i > 1000000) {
                stk_diags_error(d, &count->range, "Invalid count argument",
                                "The given \"count\" argument value is too large: stk allows at most 1000000 "
                                "instances of one block.");
            } else {
                out->mode = STK_EXPAND_COUNT;
                out->n = (size_t)nv->u.num.i;
                out->keys = stk_xmalloc((out->n ? out->n : 1) * sizeof *out->keys);
                for (size_t i = 0; i < out->n; i++) out->keys[i] = stk_value_int((int64_t)i);
            }
            free(err);
            if (nv) stk_value_unref(nv);
        }
        stk_value_unref(v);
        return;
    }
    if (!for_each) return;
    stk_value *v = eval_in(x, for_each, d);
    out->mode = STK_EXPAND_UNKNOWN;
    stk_type_kind k = v->type->kind;
    if (v->is_unknown) {
        if (!validate)
            stk_diags_error(d, &for_each->range, "Invalid for_each argument",
                            "The \"for_each\" value depends on resource attributes that cannot be determined "
                            "until apply, so stk cannot predict how many instances will be created. To work "
                            "around this, use a map whose keys are known in the configuration.");
    } else if (v->is_null) {
        stk_diags_error(d, &for_each->range, "Invalid for_each argument",
                        "The given \"for_each\" argument value is null. A map, or set of strings is allowed.");
    } else if (stk_value_marks_deep(v) & STK_MARK_SENSITIVE) {
        stk_diags_error(d, &for_each->range, "Invalid for_each argument",
                        "Sensitive values, or values derived from sensitive values, cannot be used as for_each "
                        "arguments. If used, the sensitive value could be exposed as a resource instance key.");
    } else if (k == STK_TY_MAP || k == STK_TY_OBJECT) {
        out->mode = STK_EXPAND_FOREACH;
        out->n = stk_value_len(v);
        out->keys = stk_xmalloc((out->n ? out->n : 1) * sizeof *out->keys);
        out->values = stk_xmalloc((out->n ? out->n : 1) * sizeof *out->values);
        for (size_t i = 0; i < out->n; i++) {
            out->keys[i] = stk_value_string(stk_value_key(v, i));
            out->values[i] = stk_value_ref(stk_value_elem(v, i));
        }
    } else if (k == STK_TY_SET && (v->type->elem->kind == STK_TY_STRING || v->type->elem->kind == STK_TY_DYNAMIC)) {
        size_t n = stk_value_len(v);
        int bad = 0, unk = 0;
        for (size_t i = 0; i < n; i++) {
            stk_value *e = stk_value_elem(v, i);
            if (e->is_unknown) unk = 1;
            else if (e->is_null || e->type->kind != STK_TY_STRING) bad = 1;
        }
        if (bad) {
            stk_diags_error(d, &for_each->range, "Invalid for_each set argument",
                            "The given \"for_each\" argument value is unsuitable: \"for_each\" sets must not "
                            "contain null values, and must contain only strings.");
        } else if (unk) {
            if (!validate)
                stk_diags_error(d, &for_each->range, "Invalid for_each argument",
                                "The \"for_each\" set includes values derived from resource attributes that "
                                "cannot be determined until apply, so stk cannot determine the full set of keys "
                                "that will identify the instances of this resource.");
        } else {
            out->mode = STK_EXPAND_FOREACH;
            out->n = n;
            out->keys = stk_xmalloc((n ? n : 1) * sizeof *out->keys);
            out->values = stk_xmalloc((n ? n : 1) * sizeof *out->values);
            for (size_t i = 0; i < n; i++) {
                out->keys[i] = stk_value_ref(stk_value_elem(v, i));
                out->values[i] = stk_value_ref(stk_value_elem(v, i));
            }
        }
    } else {
        char *tn = stk_type_friendly_name(v->type);
        stk_diags_error(d, &for_each->range, "Invalid for_each argument",
                        "The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a "
                        "map, or set of strings, and you have provided a value of type %s.", tn);
        free(tn);
    }
    stk_value_unref(v);
}

static char *key_suffix(const stk_value *key)
{
    if (!key) return stk_xstrdup("");
    if (key->type->kind == STK_TY_NUMBER) return stk_xasprintf("[%lld]", (long long)key->u.num.i);
    char *q = stk_value_to_hcl(key);
    char *r = stk_xasprintf("[%s]", q);
    free(q);
    return r;
}

/* ---- walking ---- */

static inst_list *instances_of(walker *w, const stk_module *m)
{
    uintptr_t i = (uintptr_t)stk_strmap_get(&w->mod_index, m->path);
    return &w->lists[i - 1];
}

static stk_module_instance *new_module_instance(walker *w, const stk_module *m, stk_module_instance *parent,
                                                const stk_module_call *call, const char *addr, stk_value *key,
                                                stk_value *each_value)
{
    stk_evaluation *ev = w->ev;
    stk_module_instance *mi = stk_arena_alloc(ev->arena, sizeof *mi);
    mi->addr = stk_arena_strdup(ev->arena, addr);
    mi->mod = m;
    mi->parent = parent;
    mi->call = call;
    mi->key = key;
    mi->each_value = each_value;
    mi->vars = stk_xcalloc(m->nvariables + 1, sizeof *mi->vars);
    mi->locals = stk_xcalloc(m->nlocals + 1, sizeof *mi->locals);
    mi->outputs = stk_xcalloc(m->noutputs + 1, sizeof *mi->outputs);
    mi->res = stk_xcalloc(m->nresources + 1, sizeof *mi->res);
    mi->calls = stk_xcalloc(m->ncalls + 1, sizeof *mi->calls);
    mi->funcs.base_dir = ev->config->root_dir;
    mi->funcs.root_dir = ev->config->root_dir;
    mi->funcs.cwd = ev->cwd;
    mi->funcs.read_file = fs_read_cb;
    mi->funcs.file_exists = fs_exists_cb;
    mi->funcs.render_template = stk_eval_render_template;
    mi->funcs.ud = ev->config;
    mi->funcs.deterministic = 1;
    if (ev->nminstances == ev->capminstances) {
        ev->capminstances = ev->capminstances ? ev->capminstances * 2 : 16;
        ev->minstances = stk_xrealloc(ev->minstances, ev->capminstances * sizeof *ev->minstances);
    }
    ev->minstances[ev->nminstances++] = mi;
    inst_list *l = instances_of(w, m);
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->items = stk_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = mi;
    return mi;
}

/* the parent-side context of a module instance: where its inputs are evaluated */
static void call_ctx(stk_evaluation *ev, stk_module_instance *child, ev_ctx *x)
{
    memset(x, 0, sizeof *x);
    x->ev = ev;
    x->mi = child->parent;
    if (child->call->count) x->count_index = child->key;
    if (child->call->for_each) {
        x->each_key = child->key;
        x->each_value = child->each_value;
    }
}

static void check_validations(walker *w, stk_module_instance *mi, stk_variable *v, const stk_range *subject)
{
    ev_ctx x = {w->ev, mi, NULL, NULL, NULL};
    for (size_t j = 0; j < v->nvalidations; j++) {
        stk_validation *val = &v->validations[j];
        stk_value *cv = eval_in(&x, val->condition, w->d);
        if (cv->is_unknown) {
            stk_value_unref(cv);
            continue;
        }
        char *err = NULL;
        stk_value *b = stk_value_convert(cv, STK_BOOL, &err);
        if (!b || b->is_null) {
            stk_diags_error(w->d, &val->condition->range, "Invalid variable validation result",
                            "Invalid validation condition result value: %s.", err ? err : "a bool is required");
        } else if (!b->u.b) {
            stk_value *msg = eval_in(&x, val->error_message, w->d);
            const char *ms = (!msg->is_unknown && !msg->is_null && msg->type->kind == STK_TY_STRING)
                                 ? stk_value_str(msg) : "(the error message could not be evaluated)";
            stk_diags_error(w->d, subject, "Invalid value for variable",
                            "%s\n\nThis was checked by the validation rule at %s:%d,%d.", ms,
                            val->condition->range.filename, val->condition->range.start.line,
                            val->condition->range.start.col);
            stk_value_unref(msg);
        }
        free(err);
        if (b) stk_value_unref(b);
        stk_value_unref(cv);
    }
}

static void eval_variable(walker *w, stk_module *m, stk_variable *v)
{
    inst_list *l = instances_of(w, m);
    stk_config *c = w->ev->config;
    for (size_t k = 0; k < l->n; k++) {
        stk_module_instance *mi = l->items[k];
        stk_value *val = NULL;
        stk_range subject = v->decl_range;
        if (!m->parent) {
            if (c->vars_set && c->var_values[v->index]) {
                val = stk_value_ref(c->var_values[v->index]);
                subject = c->var_ranges[v->index];
            } else if (!c->vars_set && v->default_value) {
                val = stk_value_ref(v->default_value);
            } else {
                val = stk_value_unknown(v->type);
            }
        } else {
            const stk_hcl_attr *in = NULL;
            for (size_t j = 0; j < mi->call->ninputs; j++)
                if (!strcmp(mi->call->inputs[j]->name, v->name)) in = mi->call->inputs[j];
            if (in) {
                ev_ctx x;
                call_ctx(w->ev, mi, &x);
                stk_value *raw = eval_in(&x, in->expr, w->d);
                subject = in->expr->range;
                char *err = NULL;
                val = stk_value_convert(raw, v->type, &err);
                if (!val) {
                    char *t = stk_type_to_string(v->type);
                    stk_diags_error(w->d, &in->expr->range, "Invalid value for input variable",
                                    "The given value is not suitable for %s.var.%s declared at %s:%d,%d: %s. The "
                                    "type constraint is %s.", m->path, v->name, v->decl_range.filename,
                                    v->decl_range.start.line, v->decl_range.start.col, err ? err : "wrong type", t);
                    free(t);
                    val = stk_value_unknown(v->type);
                } else if (val->is_null && !val->is_unknown) {
                    if (!v->nullable) {
                        if (v->default_value) {
                            stk_value_unref(val);
                            val = stk_value_ref(v->default_value);
                        } else {
                            stk_diags_error(w->d, &in->expr->range, "Invalid value for input variable",
                                            "The given value is not suitable for %s.var.%s: required variable may "
                                            "not be set to null.", m->path, v->name);
                        }
                    }
                }
                free(err);
                stk_value_unref(raw);
            } else if (v->default_value) {
                val = stk_value_ref(v->default_value);
            } else {
                val = stk_value_unknown(v->type);   /* missing: reported at load */
            }
            if (v->sensitive) val = stk_value_mark(val, STK_MARK_SENSITIVE);
        }
        mi->vars[v->index] = val;
        if (v->nvalidations) check_validations(w, mi, v, &subject);
    }
}

static void eval_local(walker *w, stk_module *m, stk_local *lo)
{
    inst_list *l = instances_of(w, m);
    for (size_t k = 0; k < l->n; k++) {
        ev_ctx x = {w->ev, l->items[k], NULL, NULL, NULL};
        l->items[k]->locals[lo->index] = eval_in(&x, lo->expr, w->d);
    }
}

static void eval_output(walker *w, stk_module *m, stk_output *o)
{
    inst_list *l = instances_of(w, m);
    for (size_t k = 0; k < l->n; k++) {
        ev_ctx x = {w->ev, l->items[k], NULL, NULL, NULL};
        stk_value *v = eval_in(&x, o->value, w->d);
        if (!o->sensitive && (stk_value_marks_deep(v) & STK_MARK_SENSITIVE)) {
            if (k == 0)
                stk_diags_error(w->d, &o->decl_range, "Output refers to sensitive values",
                                "To reduce the risk of accidentally exporting sensitive data that was intended to "
                                "be only internal, stk requires that any output containing sensitive data be "
                                "explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to "
                                "export this data, annotate the output value as sensitive by adding the following "
                                "argument:\n    sensitive = true");
        }
        if (o->sensitive) v = stk_value_mark(v, STK_MARK_SENSITIVE);
        l->items[k]->outputs[o->index] = v;
    }
}

static void add_instance(stk_evaluation *ev, stk_resource_instance *ri)
{
    if (ev->ninstances == ev->capinstances) {
        ev->capinstances = ev->capinstances ? ev->capinstances * 2 : 64;
        ev->instances = stk_xrealloc(ev->instances, ev->capinstances * sizeof *ev->instances);
    }
    ev->instances[ev->ninstances++] = ri;
}

static void eval_resource(walker *w, stk_module *m, stk_resource *r)
{
    stk_evaluation *ev = w->ev;
    inst_list *l = instances_of(w, m);
    for (size_t k = 0; k < l->n; k++) {
        stk_module_instance *mi = l->items[k];
        stk_resource_slot *rs = &mi->res[r->index];
        ev_ctx x = {ev, mi, NULL, NULL, NULL};
        expansion ex;
        expand(&x, r->count, r->for_each, &ex, w->d);
        rs->mode = ex.mode;
        rs->done = 1;
        size_t n = ex.mode == STK_EXPAND_SINGLE ? 1 : ex.n;
        if (ex.mode == STK_EXPAND_UNKNOWN) {
            /* still check the body once, with unknown count.index / each */
            stk_value *uk = stk_value_unknown(STK_DYNAMIC);
            stk_value *ukn = stk_value_unknown(STK_NUMBER);
            stk_value *uks = stk_value_unknown(STK_STRING);
            ev_ctx xi = {ev, mi, r->count ? ukn : NULL, r->for_each ? uks : NULL, r->for_each ? uk : NULL};
            stk_eval_scope s;
            scope_init(&s, &xi);
            stk_value *cfg = eval_body(&xi, &s, r->body, 1, r->rtype ? r->rtype->schema : NULL, w->d);
            stk_value_unref(cfg);
            stk_value_unref(uk);
            stk_value_unref(ukn);
            stk_value_unref(uks);
            expansion_free(&ex);
            continue;
        }
        rs->insts = stk_xcalloc(n ? n : 1, sizeof *rs->insts);
        rs->ninsts = n;
        for (size_t i = 0; i < n; i++) {
            stk_resource_instance *ri = stk_arena_alloc(ev->arena, sizeof *ri);
            ri->res = r;
            ri->mi = mi;
            if (ex.mode != STK_EXPAND_SINGLE) ri->key = stk_value_ref(ex.keys[i]);
            if (ex.mode == STK_EXPAND_FOREACH) ri->each_value = stk_value_ref(ex.values[i]);
            char *suffix = key_suffix(ri->key);
            char *addr = mi->addr[0] ? stk_xasprintf("%s.%s%s", mi->addr, r->addr, suffix)
                                     : stk_xasprintf("%s%s", r->addr, suffix);
            ri->addr = stk_arena_strdup(ev->arena, addr);
            free(addr);
            free(suffix);
            ev_ctx xi = {ev, mi, ex.mode == STK_EXPAND_COUNT ? ri->key : NULL,
                         ex.mode == STK_EXPAND_FOREACH ? ri->key : NULL, ri->each_value};
            stk_eval_scope s;
            scope_init(&s, &xi);
            ri->config = eval_body(&xi, &s, r->body, 1, r->rtype ? r->rtype->schema : NULL, w->d);
            stk_value *val = ev->opts.instance_value ? ev->opts.instance_value(ev->opts.instance_ud, ri) : NULL;
            ri->value = val ? val : unknown();
            rs->insts[i] = ri;
            add_instance(ev, ri);
        }
        expansion_free(&ex);
    }
}

static void eval_call(walker *w, stk_module *m, stk_module_call *mc)
{
    stk_evaluation *ev = w->ev;
    inst_list *l = instances_of(w, m);
    size_t nparents = l->n;
    for (size_t k = 0; k < nparents; k++) {
        stk_module_instance *mi = instances_of(w, m)->items[k];
        stk_call_slot *cs = &mi->calls[mc->index];
        ev_ctx x = {ev, mi, NULL, NULL, NULL};
        expansion ex;
        expand(&x, mc->count, mc->for_each, &ex, w->d);
        cs->mode = ex.mode;
        cs->done = 1;
        if (mc->child && ex.mode == STK_EXPAND_UNKNOWN && ev->opts.validate_only) {
            /* validate: the number of instances is not known yet, but the
               module's body is still checked once, in an instance whose key
               is unknown ("module.x[*]"); references to module.x stay unknown */
            stk_value *key = stk_value_unknown(mc->count ? STK_NUMBER : STK_STRING);
            stk_value *evv = mc->for_each ? unknown() : NULL;
            char *addr = mi->addr[0] ? stk_xasprintf("%s.module.%s[*]", mi->addr, mc->name)
                                     : stk_xasprintf("module.%s[*]", mc->name);
            cs->insts = stk_xcalloc(1, sizeof *cs->insts);
            cs->ninsts = 1;
            cs->insts[0] = new_module_instance(w, mc->child, mi, mc, addr, key, evv);
            free(addr);
            expansion_free(&ex);
            continue;
        }
        if (!mc->child || ex.mode == STK_EXPAND_UNKNOWN) {
            expansion_free(&ex);
            continue;
        }
        size_t n = ex.mode == STK_EXPAND_SINGLE ? 1 : ex.n;
        cs->insts = stk_xcalloc(n ? n : 1, sizeof *cs->insts);
        cs->ninsts = n;
        for (size_t i = 0; i < n; i++) {
            stk_value *key = ex.mode == STK_EXPAND_SINGLE ? NULL : stk_value_ref(ex.keys[i]);
            stk_value *evv = ex.mode == STK_EXPAND_FOREACH ? stk_value_ref(ex.values[i]) : NULL;
            char *suffix = key_suffix(key);
            char *addr = mi->addr[0] ? stk_xasprintf("%s.module.%s%s", mi->addr, mc->name, suffix)
                                     : stk_xasprintf("module.%s%s", mc->name, suffix);
            cs->insts[i] = new_module_instance(w, mc->child, mi, mc, addr, key, evv);
            free(addr);
            free(suffix);
        }
        expansion_free(&ex);
    }
}

static void eval_provider(walker *w, stk_module *m, stk_provider_config *p)
{
    inst_list *l = instances_of(w, m);
    for (size_t k = 0; k < l->n; k++) {
        ev_ctx x = {w->ev, l->items[k], NULL, NULL, NULL};
        stk_eval_scope s;
        scope_init(&s, &x);
        stk_value *v = eval_body(&x, &s, p->body, 0, NULL, w->d);
        if (w->ev->opts.provider_value) w->ev->opts.provider_value(w->ev->opts.instance_ud, l->items[k], p, v);
        stk_value_unref(v);
    }
}

/* identical diagnostics (several instances of one module, one module
   directory called twice) are reported once */
void stk_cfg_dedup_diags(stk_diags *d, size_t from)
{
    stk_strmap seen = STK_STRMAP_INIT;
    char **keys = stk_xcalloc(d->len - from + 1, sizeof *keys);
    size_t nk = 0, out = from;
    for (size_t i = from; i < d->len; i++) {
        stk_diag *g = &d->items[i];
        char *k = stk_xasprintf("%d|%s|%d|%d|%d|%d|%s|%s", g->severity, g->filename ? g->filename : "",
                                g->subject.start.line, g->subject.start.col, g->subject.end.line,
                                g->subject.end.col, g->summary, g->detail ? g->detail : "");
        if (stk_strmap_get(&seen, k)) {
            free(k);
            free(g->summary);
            free(g->detail);
            free(g->filename);
            continue;
        }
        stk_strmap_put(&seen, k, (void *)1);
        keys[nk++] = k;
        d->items[out++] = *g;
    }
    d->len = out;
    for (size_t i = 0; i < nk; i++) free(keys[i]);
    free(keys);
    stk_strmap_free(&seen);
}

stk_evaluation *stk_config_evaluate(stk_config *c, const stk_eval_opts *opts, stk_diags *d)
{
    size_t dstart = d->len;
    stk_evaluation *ev = stk_xcalloc(1, sizeof *ev);
    ev->config = c;
    if (opts) ev->opts = *opts;
    ev->arena = stk_arena_new();
    if (ev->opts.cwd) {
        ev->cwd = stk_xstrdup(ev->opts.cwd);
    } else {
        char buf[PATH_MAX];
        if (!getcwd(buf, sizeof buf)) strcpy(buf, ".");
        ev->cwd = stk_path_join(buf, c->root_dir);
    }
    walker w = {ev, STK_STRMAP_INIT, stk_xcalloc(c->nmodules + 1, sizeof(inst_list)), d};
    for (size_t i = 0; i < c->nmodules; i++)
        stk_strmap_put(&w.mod_index, c->modules[i]->path, (void *)(uintptr_t)(i + 1));
    ev->root = new_module_instance(&w, c->root, NULL, NULL, "", NULL, NULL);

    stk_graph *g = stk_config_build_graph(c, d);
    size_t *order = NULL;
    if (stk_graph_toposort(g, &order, d) == 0) {
        for (size_t i = 0; i < stk_graph_count(g); i++) {
            stk_config_node *cn = stk_graph_node_at(g, order[i])->data;
            switch (cn->kind) {
            case STK_NODE_VARIABLE: eval_variable(&w, cn->module, cn->obj); break;
            case STK_NODE_LOCAL: eval_local(&w, cn->module, cn->obj); break;
            case STK_NODE_OUTPUT: eval_output(&w, cn->module, cn->obj); break;
            case STK_NODE_RESOURCE:
            case STK_NODE_DATA: eval_resource(&w, cn->module, cn->obj); break;
            case STK_NODE_MODULE: eval_call(&w, cn->module, cn->obj); break;
            case STK_NODE_PROVIDER: eval_provider(&w, cn->module, cn->obj); break;
            }
        }
    }
    free(order);
    stk_graph_free(g);
    for (size_t i = 0; i < c->nmodules; i++) free(w.lists[i].items);
    free(w.lists);
    stk_strmap_free(&w.mod_index);
    stk_cfg_dedup_diags(d, dstart);
    return ev;
}

stk_value *stk_evaluation_output(const stk_evaluation *ev, const char *name)
{
    stk_output *o = stk_strmap_get(&ev->config->root->output_map, name);
    return o ? ev->root->outputs[o->index] : NULL;
}

static void unref_all(stk_value **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i]) stk_value_unref(v[i]);
    free(v);
}

void stk_evaluation_free(stk_evaluation *ev)
{
    if (!ev) return;
    for (size_t i = 0; i < ev->nminstances; i++) {
        stk_module_instance *mi = ev->minstances[i];
        const stk_module *m = mi->mod;
        unref_all(mi->vars, m->nvariables);
        unref_all(mi->locals, m->nlocals);
        unref_all(mi->outputs, m->noutputs);
        for (size_t j = 0; j < m->nresources; j++) {
            stk_resource_slot *rs = &mi->res[j];
            free(rs->insts);
            if (rs->agg) stk_value_unref(rs->agg);
        }
        for (size_t j = 0; j < m->ncalls; j++) free(mi->calls[j].insts);
        free(mi->res);
        free(mi->calls);
        if (mi->key) stk_value_unref(mi->key);
        if (mi->each_value) stk_value_unref(mi->each_value);
    }
    for (size_t i = 0; i < ev->ninstances; i++) {
        stk_resource_instance *ri = ev->instances[i];
        if (ri->key) stk_value_unref(ri->key);
        if (ri->each_value) stk_value_unref(ri->each_value);
        if (ri->config) stk_value_unref(ri->config);
        if (ri->value) stk_value_unref(ri->value);
    }
    free(ev->instances);
    free(ev->minstances);
    free(ev->cwd);
    stk_arena_free(ev->arena);
    free(ev);
}

int stk_config_validate_dir(const stk_fs *fs, const char *dir, const stk_var_inputs *in, stk_diags *d)
{
    stk_config *c = stk_config_load(fs, dir, d);
    if (!c) return -1;
    stk_config_set_vars(c, in, d);
    stk_eval_opts o = {0};
    o.validate_only = 1;
    stk_evaluation *ev = stk_config_evaluate(c, &o, d);
    stk_evaluation_free(ev);
    stk_config_free(c);
    return stk_diags_has_errors(d) ? -1 : 0;
}
