/* diff.c - schema-driven planned values and comparisons, so that no
 * resource shows a perpetual diff:
 *   - an attribute set in configuration takes the configured value, unless
 *     it means the same as the prior one (normalisers: JSON documents by
 *     meaning, CIDRs and case-insensitive strings in canonical form, the
 *     attribute's own normalize callback; sets are sorted values already),
 *     in which case the prior spelling is kept;
 *   - unset + computed: the prior value (unknown when there is none);
 *   - unset + default: the default; otherwise null;
 *   - nested blocks recursively (list elements by position, set elements
 *     matched by their configured attributes).
 */
#include "plans/plan_priv.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static stk_value *normalize(const stk_schema_attr *a, stk_value *v)
{
    if (!v || v->is_null || v->is_unknown) return v ? stk_value_ref(v) : NULL;
    if (a->normalize) return a->normalize(v);
    if (stk_value_kind(v) != STK_TY_STRING) return stk_value_ref(v);
    if (a->flags & STK_ATTR_JSON) {
        json_error_t e;
        json_t *j = json_loads(stk_value_str(v), JSON_DECODE_ANY, &e);
        if (!j) return stk_value_ref(v);
        char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        json_decref(j);
        return stk_value_string_take(s);
    }
    if (a->flags & (STK_ATTR_CIDR | STK_ATTR_CASE_INSENSITIVE)) {
        char *s = stk_xstrdup(stk_value_str(v));
        char *o = s;
        for (char *p = s; *p; p++)
            if (!isspace((unsigned char)*p)) *o++ = (char)tolower((unsigned char)*p);
        *o = 0;
        return stk_value_string_take(s);
    }
    return stk_value_ref(v);
}

int stk_diff_attr_equal(const stk_schema_attr *a, stk_value *x, stk_value *y)
{
    if (!x || !y) return x == y;
    if (x->is_unknown || y->is_unknown) return 0;
    if (!stk_value_is_known_deep(x) || !stk_value_is_known_deep(y)) return 0;
    stk_value *nx = normalize(a, x), *ny = normalize(a, y);
    int eq = stk_value_raw_equal(nx, ny);
    if (!eq && nx->is_null != ny->is_null) {
        /* an empty collection and null mean the same to most APIs */
        stk_value *n = nx->is_null ? ny : nx;
        if (stk_type_is_collection(n->type) && stk_value_len(n) == 0) eq = 1;
    }
    stk_value_unref(nx);
    stk_value_unref(ny);
    return eq;
}

static int block_equal(const stk_schema_block *b, stk_value *x, stk_value *y);

int stk_diff_object_equal(const stk_schema *s, stk_value *x, stk_value *y)
{
    if (!x || !y || x->is_null || y->is_null) return (!x || x->is_null) == (!y || y->is_null);
    if (x->is_unknown || y->is_unknown) return 0;
    for (size_t i = 0; i < s->nattrs; i++)
        if (!stk_diff_attr_equal(&s->attrs[i], stk_value_get(x, s->attrs[i].name), stk_value_get(y, s->attrs[i].name)))
            return 0;
    for (size_t i = 0; i < s->nblocks; i++)
        if (!block_equal(&s->blocks[i], stk_value_get(x, s->blocks[i].name), stk_value_get(y, s->blocks[i].name)))
            return 0;
    return 1;
}

static int block_equal(const stk_schema_block *b, stk_value *x, stk_value *y)
{
    if (b->nesting == STK_NESTING_SINGLE) return stk_diff_object_equal(b->block, x, y);
    size_t nx = x && !x->is_null ? stk_value_len(x) : 0, ny = y && !y->is_null ? stk_value_len(y) : 0;
    if ((x && x->is_unknown) || (y && y->is_unknown)) return 0;
    if (nx != ny) return 0;
    for (size_t i = 0; i < nx; i++) {
        if (b->nesting == STK_NESTING_LIST) {
            if (!stk_diff_object_equal(b->block, stk_value_elem(x, i), stk_value_elem(y, i))) return 0;
        } else {
            int found = 0;
            for (size_t j = 0; j < ny && !found; j++)
                found = stk_diff_object_equal(b->block, stk_value_elem(x, i), stk_value_elem(y, j));
            if (!found) return 0;
        }
    }
    return 1;
}

int stk_diff_block_equal(const stk_schema_block *b, stk_value *x, stk_value *y)
{
    return block_equal(b, x, y);
}

static stk_value *typed_null(const char *type)
{
    stk_type *t = stk_schema_parse_type(type);
    stk_value *v = stk_value_null(t ? t : STK_DYNAMIC);
    if (t) stk_type_unref(t);
    return v;
}

static stk_value *typed_unknown(const char *type)
{
    stk_type *t = stk_schema_parse_type(type);
    stk_value *v = stk_value_unknown(t ? t : STK_DYNAMIC);
    if (t) stk_type_unref(t);
    return v;
}

static stk_value *default_value(const stk_schema_attr *a)
{
    json_error_t e;
    json_t *j = json_loads(a->default_json, JSON_DECODE_ANY, &e);
    if (!j) return typed_null(a->type);
    stk_type *t = stk_schema_parse_type(a->type);
    char *err = NULL;
    stk_value *v = stk_value_from_json_typed(j, t ? t : STK_DYNAMIC, &err);
    free(err);
    if (t) stk_type_unref(t);
    json_decref(j);
    return v ? v : typed_null(a->type);
}

static stk_value *plan_obj(const stk_schema *s, stk_value *cfg, stk_value *prior);

/* does the prior set element match the configured one on what is configured? */
static int set_elem_matches(const stk_schema *s, stk_value *c, stk_value *p)
{
    for (size_t i = 0; i < s->nattrs; i++) {
        stk_value *cv = stk_value_get(c, s->attrs[i].name);
        if (!cv || cv->is_null) continue;
        if (!stk_diff_attr_equal(&s->attrs[i], cv, stk_value_get(p, s->attrs[i].name))) return 0;
    }
    return 1;
}

static stk_value *plan_block(const stk_schema_block *b, stk_value *cfg, stk_value *prior)
{
    if (b->nesting == STK_NESTING_SINGLE) {
        if ((!cfg || cfg->is_null) && (b->flags & STK_ATTR_COMPUTED) && prior && !prior->is_null)
            return stk_value_ref(prior);
        if (!cfg || cfg->is_null) return cfg ? stk_value_ref(cfg) : NULL;
        return plan_obj(b->block, cfg, prior && !prior->is_null && !prior->is_unknown ? prior : NULL);
    }
    if ((b->flags & STK_ATTR_COMPUTED) && prior && !prior->is_null && !prior->is_unknown && stk_value_len(prior) &&
        (!cfg || cfg->is_null || (!cfg->is_unknown && stk_value_len(cfg) == 0)))
        return stk_value_ref(prior);   /* a computed block the configuration leaves to the provider */
    if (!cfg || cfg->is_null || cfg->is_unknown) return cfg ? stk_value_ref(cfg) : NULL;
    size_t n = stk_value_len(cfg);
    size_t np = prior && !prior->is_null && !prior->is_unknown ? stk_value_len(prior) : 0;
    stk_value **items = stk_xcalloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        stk_value *c = stk_value_elem(cfg, i), *p = NULL;
        if (b->nesting == STK_NESTING_LIST) {
            p = i < np ? stk_value_elem(prior, i) : NULL;
        } else {
            for (size_t j = 0; j < np && !p; j++)
                if (set_elem_matches(b->block, c, stk_value_elem(prior, j))) p = stk_value_elem(prior, j);
        }
        items[i] = plan_obj(b->block, c, p);
    }
    stk_value *t = stk_value_tuple(items, n);
    free(items);
    return t;
}

static stk_value *plan_obj(const stk_schema *s, stk_value *cfg, stk_value *prior)
{
    size_t n = s->nattrs + s->nblocks;
    char **keys = stk_xcalloc(n + 1, sizeof *keys);
    stk_value **vals = stk_xcalloc(n + 1, sizeof *vals);
    for (size_t i = 0; i < s->nattrs; i++) {
        const stk_schema_attr *a = &s->attrs[i];
        stk_value *c = cfg ? stk_value_get(cfg, a->name) : NULL;
        stk_value *p = prior ? stk_value_get(prior, a->name) : NULL;
        stk_value *v;
        if (c && !c->is_null) {
            v = p && stk_diff_attr_equal(a, c, p) ? stk_value_ref(p) : stk_value_ref(c);
        } else if (a->flags & STK_ATTR_COMPUTED) {
            v = prior ? (p ? stk_value_ref(p) : typed_null(a->type)) : typed_unknown(a->type);
        } else if (a->default_json) {
            v = default_value(a);
        } else {
            v = typed_null(a->type);
        }
        if ((a->flags & STK_ATTR_SENSITIVE) && !v->is_null) v = stk_value_mark(v, STK_MARK_SENSITIVE);
        keys[i] = (char *)a->name;
        vals[i] = v;
    }
    for (size_t i = 0; i < s->nblocks; i++) {
        const stk_schema_block *b = &s->blocks[i];
        stk_value *c = cfg ? stk_value_get(cfg, b->name) : NULL;
        stk_value *p = prior ? stk_value_get(prior, b->name) : NULL;
        stk_value *v = plan_block(b, c, p);
        if (!v) v = stk_value_null(STK_DYNAMIC);
        keys[s->nattrs + i] = (char *)b->name;
        vals[s->nattrs + i] = v;
    }
    stk_value *o = stk_value_object(keys, vals, n);
    free(keys);
    free(vals);
    return o;
}

stk_value *stk_diff_conform(const stk_schema *s, stk_value *v)
{
    stk_type *t = stk_schema_type(s);
    char *err = NULL;
    stk_value *c = stk_value_convert(v, t, &err);
    free(err);
    stk_type_unref(t);
    if (!c) return v;
    stk_value_unref(v);
    return c;
}

stk_value *stk_diff_plan(const stk_schema *s, stk_value *cfg, stk_value *prior)
{
    if (prior && (prior->is_null || prior->is_unknown)) prior = NULL;
    return stk_diff_conform(s, plan_obj(s, cfg, prior));
}

stk_value *stk_diff_obj_set(stk_value *obj, const char *key, stk_value *val)
{
    size_t n = stk_value_len(obj);
    char **keys = stk_xcalloc(n + 2, sizeof *keys);
    stk_value **vals = stk_xcalloc(n + 2, sizeof *vals);
    size_t m = 0;
    int done = 0;
    for (size_t i = 0; i < n; i++) {
        keys[m] = (char *)stk_value_key(obj, i);
        if (strcmp(keys[m], key) == 0) {
            vals[m++] = stk_value_ref(val);
            done = 1;
        } else {
            vals[m++] = stk_value_ref(stk_value_elem(obj, i));
        }
    }
    if (!done) {
        keys[m] = (char *)key;
        vals[m++] = stk_value_ref(val);
    }
    stk_value *o = stk_value_object(keys, vals, m);
    free(keys);
    free(vals);
    return o;
}

/* attributes that differ (top level), for action decisions */
size_t stk_diff_changed(const stk_schema *s, stk_value *before, stk_value *after, char ***names, int *force_new)
{
    size_t n = 0;
    *names = stk_xcalloc(s->nattrs + s->nblocks + 1, sizeof **names);
    *force_new = 0;
    for (size_t i = 0; i < s->nattrs; i++) {
        const stk_schema_attr *a = &s->attrs[i];
        stk_value *x = stk_value_get(before, a->name), *y = stk_value_get(after, a->name);
        if (y && y->is_unknown && (a->flags & STK_ATTR_COMPUTED) && !(a->flags & (STK_ATTR_OPTIONAL | STK_ATTR_REQUIRED)))
            continue;   /* purely computed: follows from the others */
        if (!stk_diff_attr_equal(a, x, y)) {
            if (a->flags & STK_ATTR_FORCE_NEW) *force_new = 1;
            (*names)[n++] = stk_xstrdup(a->name);
        }
    }
    for (size_t i = 0; i < s->nblocks; i++) {
        const stk_schema_block *b = &s->blocks[i];
        if (!block_equal(b, stk_value_get(before, b->name), stk_value_get(after, b->name))) {
            if (b->flags & STK_ATTR_FORCE_NEW) *force_new = 1;
            (*names)[n++] = stk_xstrdup(b->name);
        }
    }
    return n;
}
