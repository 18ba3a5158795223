/* confdiff.c - resource instances of two evaluated configurations compared
 * attribute by attribute (see confdiff.h). */
#include "git/confdiff.h"
#include "plans/plan_priv.h"
#include "provider.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

static const stk_resource_instance *find(const stk_evaluation *ev, const char *addr)
{
    for (size_t i = 0; i < ev->ninstances; i++)
        if (ev->instances[i]->res->mode != STK_MODE_DATA && !strcmp(ev->instances[i]->addr, addr)) return ev->instances[i];
    return NULL;
}

static char *render(const stk_value *v)
{
    if (!v) return stk_xstrdup("null");
    if (v->is_unknown) return stk_xstrdup("(known after apply)");
    return stk_value_to_hcl(v);
}

/* Equal as far as configuration can tell.  With the type's schema the
   comparison is the plan engine's (plans/diff.c: JSON documents by
   meaning, CIDRs and case-insensitive strings normalised, an empty
   collection equal to null). */
static int same(const stk_schema *sch, const char *name, const stk_value *x, const stk_value *y)
{
    int xn = !x || x->is_null, yn = !y || y->is_null;
    int xk = !x || stk_value_is_known_deep(x), yk = !y || stk_value_is_known_deep(y);
    if (!xk && !yk) return 1;     /* both only known after apply: nothing to tell */
    if (xk && yk && sch && name) {
        const stk_schema_attr *a = stk_schema_find_attr(sch, name);
        const stk_schema_block *b = a ? NULL : stk_schema_find_block(sch, name);
        stk_value *nx = x ? stk_value_ref((stk_value *)x) : stk_value_null(NULL);
        stk_value *ny = y ? stk_value_ref((stk_value *)y) : stk_value_null(NULL);
        int eq = -1;
        if (a) eq = stk_diff_attr_equal(a, nx, ny);
        else if (b) eq = stk_diff_block_equal(b, nx, ny);
        stk_value_unref(nx);
        stk_value_unref(ny);
        if (eq >= 0) return eq;
    }
    if (xn || yn) return xn && yn;
    if (xk != yk) return 0;
    return stk_value_raw_equal(x, y);
}

static void add_attr(stk_confdiff_entry *e, const char *name, const stk_value *x, const stk_value *y)
{
    e->attrs = stk_xrealloc(e->attrs, (e->nattrs + 1) * sizeof *e->attrs);
    stk_confdiff_attr *a = &e->attrs[e->nattrs++];
    a->name = stk_xstrdup(name);
    a->before = render(x);
    a->after = render(y);
}

static void diff_values(stk_confdiff_entry *e, const stk_schema *sch, const stk_value *x, const stk_value *y)
{
    int xo = x && !x->is_null && !x->is_unknown &&
             (stk_value_kind(x) == STK_TY_OBJECT || stk_value_kind(x) == STK_TY_MAP);
    int yo = y && !y->is_null && !y->is_unknown &&
             (stk_value_kind(y) == STK_TY_OBJECT || stk_value_kind(y) == STK_TY_MAP);
    if (!xo || !yo) {
        if (!same(NULL, NULL, x, y)) add_attr(e, "(configuration)", x, y);
        return;
    }
    /* keys of both sides, merged in order (keys are sorted in each object) */
    size_t i = 0, j = 0, nx = x->u.coll.n, ny = y->u.coll.n;
    while (i < nx || j < ny) {
        int c = i >= nx ? 1 : j >= ny ? -1 : strcmp(x->u.coll.keys[i], y->u.coll.keys[j]);
        const char *k = c <= 0 ? x->u.coll.keys[i] : y->u.coll.keys[j];
        const stk_value *xv = c <= 0 ? x->u.coll.items[i] : NULL;
        const stk_value *yv = c >= 0 ? y->u.coll.items[j] : NULL;
        if (!same(sch, k, xv, yv)) add_attr(e, k, xv, yv);
        if (c <= 0) i++;
        if (c >= 0) j++;
    }
}

size_t stk_confdiff(const stk_evaluation *a, const stk_evaluation *b, stk_confdiff_entry **out)
{
    stk_confdiff_entry *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < b->ninstances; i++) {
        const stk_resource_instance *rb = b->instances[i];
        if (rb->res->mode == STK_MODE_DATA) continue;
        const stk_resource_instance *ra = find(a, rb->addr);
        stk_confdiff_entry e = {0};
        e.addr = stk_xstrdup(rb->addr);
        if (!ra) {
            e.kind = STK_CONFDIFF_ADD;
        } else {
            e.kind = STK_CONFDIFF_CHANGE;
            const stk_schema *sch = rb->res->rtype && rb->res->rtype == ra->res->rtype ? rb->res->rtype->schema : NULL;
            diff_values(&e, sch, ra->config, rb->config);
            if (!e.nattrs) {
                free(e.addr);
                continue;
            }
        }
        v = stk_xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = e;
    }
    for (size_t i = 0; i < a->ninstances; i++) {
        const stk_resource_instance *ra = a->instances[i];
        if (ra->res->mode == STK_MODE_DATA || find(b, ra->addr)) continue;
        v = stk_xrealloc(v, (n + 1) * sizeof *v);
        memset(&v[n], 0, sizeof v[n]);
        v[n].kind = STK_CONFDIFF_REMOVE;
        v[n++].addr = stk_xstrdup(ra->addr);
    }
    *out = v;
    return n;
}

void stk_confdiff_free(stk_confdiff_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < e[i].nattrs; k++) {
            free(e[i].attrs[k].name);
            free(e[i].attrs[k].before);
            free(e[i].attrs[k].after);
        }
        free(e[i].attrs);
        free(e[i].addr);
    }
    free(e);
}
