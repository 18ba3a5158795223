/* funcs_collection.c - functions over lists, sets, tuples, maps and
 * objects: length, element, index, lookup, merge, concat, coalesce(list),
 * compact, contains, distinct, flatten, keys, values, range, reverse,
 * slice, sort, zipmap, one, alltrue, anytrue, the set functions, chunklist,
 * transpose.  Sequences accept lists, sets and tuples alike, as
 * Terraform's automatic conversions do. */
#include "eval/funcs_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* For functions flagged STK_FUNC_UNKNOWN_OK only so that unknown ELEMENTS
   reach them (cty checks arguments for unknown at the top level only):
   a wholly unknown argument still makes the result unknown. */
#define SHALLOW_UNKNOWN() do { \
        for (size_t q_ = 0; q_ < nargs; q_++) \
            if (args[q_]->is_unknown) return stk_value_unknown(NULL); \
    } while (0)

static const char *kind_name(const stk_value *v)
{
    switch (v->type->kind) {
    case STK_TY_STRING: return "string";
    case STK_TY_NUMBER: return "number";
    case STK_TY_BOOL: return "bool";
    case STK_TY_LIST: return "list";
    case STK_TY_SET: return "set";
    case STK_TY_MAP: return "map";
    case STK_TY_OBJECT: return "object";
    case STK_TY_TUPLE: return "tuple";
    default: return "dynamic";
    }
}

FN(length)
{
    stk_value *v = args[0];
    if (v->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    stk_type_kind k = v->type->kind;
    if (k != STK_TY_STRING && k != STK_TY_LIST && k != STK_TY_SET && k != STK_TY_MAP &&
        k != STK_TY_OBJECT && k != STK_TY_TUPLE && k != STK_TY_DYNAMIC)
        return stk_fn_fail(err, err_arg, 0, "argument must be a string, a collection type, or a structural type");
    /* tuples and objects have their length in their type, known or not */
    if (k == STK_TY_TUPLE || k == STK_TY_OBJECT) return stk_value_int((int64_t)v->type->n);
    if (v->is_unknown) return stk_value_unknown(STK_NUMBER);
    if (k == STK_TY_SET && !stk_value_is_known_deep(v)) return stk_value_unknown(STK_NUMBER);
    return stk_value_int((int64_t)stk_value_len(v));
}

FN(element)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (l->type->kind != STK_TY_LIST && l->type->kind != STK_TY_TUPLE) {
        char *fn = stk_type_friendly_name(l->type);
        stk_fn_fail(err, err_arg, -1, "cannot read elements from %s", fn);
        free(fn);
        return NULL;
    }
    char *e = NULL;
    stk_value *iv = stk_value_convert(args[1], STK_NUMBER, &e);
    if (!iv) { stk_fn_fail(err, err_arg, 1, "%s", e); free(e); return NULL; }
    int64_t idx;
    if (iv->is_null) { stk_value_unref(iv); return stk_fn_fail(err, err_arg, 1, "argument must not be null"); }
    int bad = stk_fn_int(iv, 1, &idx, err, err_arg);
    stk_value_unref(iv);
    if (bad) {
        char *inner = *err;
        *err = stk_xasprintf("invalid index: %s", inner);
        free(inner);
        *err_arg = -1;
        return NULL;
    }
    size_t n = l->u.coll.n;
    /* cty reports these as call errors, not argument errors */
    if (idx < 0) return stk_fn_fail(err, err_arg, -1, "cannot use element function with a negative index");
    if (n == 0) return stk_fn_fail(err, err_arg, -1, "cannot use element function with an empty list");
    return stk_value_ref(l->u.coll.items[(size_t)idx % n]);
}

FN(index)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (l->type->kind != STK_TY_LIST && l->type->kind != STK_TY_TUPLE)
        return stk_fn_fail(err, err_arg, -1, "argument must be a list or tuple");
    if (l->u.coll.n == 0) return stk_fn_fail(err, err_arg, -1, "cannot search an empty list");
    for (size_t i = 0; i < l->u.coll.n; i++) {
        stk_value *eq = stk_value_equals(l->u.coll.items[i], args[1]);
        int t = stk_value_is_true(eq), unk = eq->is_unknown;
        stk_value_unref(eq);
        if (unk) return stk_value_unknown(STK_NUMBER);
        if (t) return stk_value_int((int64_t)i);
    }
    return stk_fn_fail(err, err_arg, -1, "item not found");
}

FN(lookup)
{
    SHALLOW_UNKNOWN();
    stk_value *m = args[0];
    if (m->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_mapping(m)) return stk_fn_fail(err, err_arg, 0, "lookup() requires a map as the first argument");
    char *e = NULL;
    stk_value *k = stk_value_convert(args[1], STK_STRING, &e);
    if (!k) { stk_fn_fail(err, err_arg, 1, "%s", e); free(e); return NULL; }
    if (k->is_null) { stk_value_unref(k); return stk_fn_fail(err, err_arg, 1, "argument must not be null"); }
    stk_value *v = stk_value_get(m, k->u.str.s);
    stk_value *r = NULL;
    if (v) {
        r = stk_value_ref(v);
    } else if (nargs > 2) {
        if (m->type->kind == STK_TY_MAP) {
            /* the default converts to the map's element type */
            r = stk_value_convert(args[2], m->type->elem, &e);
            if (!r) {
                free(e);
                stk_fn_fail(err, err_arg, 2, "the default value must have the same type as the map elements");
            }
        } else {
            r = stk_value_ref(args[2]);
        }
    } else if (m->type->kind == STK_TY_OBJECT) {
        stk_fn_fail(err, err_arg, 0, "the given object has no attribute \"%s\"", k->u.str.s);
    } else {
        stk_fn_fail(err, err_arg, -1, "lookup failed to find key \"%s\"", k->u.str.s);
    }
    stk_value_unref(k);
    return r;
}

FN(merge)
{
    int all_maps = 1, any = 0;
    stk_type *et = NULL;
    for (size_t i = 0; i < nargs; i++) {
        stk_value *a = args[i];
        if (a->is_null) continue;
        if (a->type->kind == STK_TY_DYNAMIC && a->is_unknown) return stk_value_unknown(STK_DYNAMIC);
        if (!stk_fn_is_mapping(a))
            return stk_fn_fail(err, err_arg, (int)i, "arguments must be maps or objects, got \"%s\"", kind_name(a));
        if (a->is_unknown) return stk_value_unknown(STK_DYNAMIC);
        any = 1;
        if (a->type->kind != STK_TY_MAP) all_maps = 0;
        else if (!et) et = a->type->elem;
        else if (!stk_type_equal(et, a->type->elem)) all_maps = 0;
    }
    if (!any) return nargs ? stk_value_null(NULL) : stk_value_empty_object();
    size_t cap = 16, n = 0;
    char **keys = stk_xmalloc(sizeof(char *) * cap);
    stk_value **vals = stk_xmalloc(sizeof(stk_value *) * cap);
    for (size_t i = 0; i < nargs; i++) {
        stk_value *a = args[i];
        if (a->is_null) continue;
        for (size_t k = 0; k < a->u.coll.n; k++) {
            if (n == cap) {
                cap *= 2;
                keys = stk_xrealloc(keys, sizeof(char *) * cap);
                vals = stk_xrealloc(vals, sizeof(stk_value *) * cap);
            }
            keys[n] = a->u.coll.keys[k];
            vals[n] = stk_value_ref(a->u.coll.items[k]);
            n++;
        }
    }
    stk_value *r = all_maps ? stk_value_map(et, keys, vals, n) : stk_value_object(keys, vals, n);
    free(keys);
    free(vals);
    return r;
}

FN(concat)
{
    int all_lists = 1;
    stk_type *et = NULL;
    size_t total = 0;
    for (size_t i = 0; i < nargs; i++) {
        stk_value *a = args[i];
        if (a->is_null) return stk_fn_fail(err, err_arg, (int)i, "argument must not be null");
        if (a->type->kind == STK_TY_DYNAMIC && a->is_unknown) return stk_value_unknown(STK_DYNAMIC);
        if (!stk_fn_is_seq(a))
            return stk_fn_fail(err, err_arg, (int)i, "all arguments must be lists or tuples; got %s", kind_name(a));
        if (a->is_unknown) return stk_value_unknown(STK_DYNAMIC);
        if (a->type->kind != STK_TY_LIST) all_lists = 0;
        else if (!et) et = a->type->elem;
        else if (!stk_type_equal(et, a->type->elem)) all_lists = 0;
        total += a->u.coll.n;
    }
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (total + 1));
    size_t n = 0;
    for (size_t i = 0; i < nargs; i++)
        for (size_t k = 0; k < args[i]->u.coll.n; k++) items[n++] = stk_value_ref(args[i]->u.coll.items[k]);
    stk_value *r = all_lists && nargs ? stk_value_list(et, items, n) : stk_value_tuple(items, n);
    free(items);
    return r;
}

FN(coalesce)
{
    if (nargs == 0) return stk_fn_fail(err, err_arg, -1, "no non-null, non-empty-string arguments");
    stk_type **types = stk_xmalloc(sizeof(stk_type *) * nargs);
    size_t m = 0;
    for (size_t i = 0; i < nargs; i++)
        if (!args[i]->is_null) types[m++] = args[i]->type;
    stk_type *u = stk_type_unify(types, m);
    free(types);
    if (!u) return stk_fn_fail(err, err_arg, -1, "all arguments must have the same type");
    stk_value *r = NULL;
    for (size_t i = 0; i < nargs && !r; i++) {
        if (args[i]->is_unknown) { r = stk_value_unknown(u); break; }
        if (args[i]->is_null) continue;
        char *e = NULL;
        stk_value *c = stk_value_convert(args[i], u, &e);
        if (!c) { free(e); continue; }
        if (c->type->kind == STK_TY_STRING && !c->is_unknown && c->u.str.len == 0) { stk_value_unref(c); continue; }
        r = c;
    }
    stk_type_unref(u);
    if (!r) return stk_fn_fail(err, err_arg, -1, "no non-null, non-empty-string arguments");
    return r;
}

FN(coalescelist)
{
    SHALLOW_UNKNOWN();
    if (nargs == 0) return stk_fn_fail(err, err_arg, -1, "at least one argument is required");
    for (size_t i = 0; i < nargs; i++) {
        stk_value *a = args[i];
        if (a->is_null) continue;
        if (!stk_fn_is_seq(a))
            return stk_fn_fail(err, err_arg, (int)i, "coalescelist arguments must be lists or tuples, got %s",
                               kind_name(a));
        if (a->u.coll.n > 0) return stk_value_ref(a);
    }
    return stk_fn_fail(err, err_arg, -1, "no non-null arguments");
}

FN(compact)
{
    stk_type *lt = stk_type_list(STK_STRING);
    stk_value *conv[1];
    if (stk_fn_args(args, 1, &lt, 1, 0, conv, err, err_arg)) return NULL;
    size_t n = conv[0]->u.coll.n, m = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        stk_value *e = conv[0]->u.coll.items[i];
        if (e->is_null || e->u.str.len == 0) continue;
        items[m++] = stk_value_ref(e);
    }
    stk_value *r = stk_value_list(STK_STRING, items, m);
    free(items);
    stk_fn_release(conv, 1);
    return r;
}

FN(contains)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (!stk_fn_is_seq(l)) return stk_fn_fail(err, err_arg, -1, "argument must be list, tuple, or set");
    if (l->is_null) return stk_fn_fail(err, err_arg, -1, "cannot search a nil list or set");
    int unk = 0;
    for (size_t i = 0; i < l->u.coll.n; i++) {
        stk_value *eq = stk_value_equals(args[1], l->u.coll.items[i]);
        int t = stk_value_is_true(eq);
        if (eq->is_unknown) unk = 1;
        stk_value_unref(eq);
        if (t) return stk_value_bool(1);
    }
    return unk ? stk_value_unknown(STK_BOOL) : stk_value_bool(0);
}

static stk_value *to_list(stk_value *v, int arg, char **err, int *err_arg)
{
    if (v->is_null) return stk_fn_fail(err, err_arg, arg, "argument must not be null");
    char *e = NULL;
    stk_value *l = stk_value_convert(v, stk_type_list(STK_DYNAMIC), &e);
    if (!l) { stk_fn_fail(err, err_arg, arg, "%s", e); free(e); }
    return l;
}

FN(distinct)
{
    stk_value *l = to_list(args[0], 0, err, err_arg);
    if (!l) return NULL;
    size_t n = l->u.coll.n, m = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        stk_value *e = l->u.coll.items[i];
        int dup = 0;
        for (size_t k = 0; k < m && !dup; k++) dup = stk_value_raw_equal(items[k], e);
        if (!dup) items[m++] = stk_value_ref(e);
    }
    stk_value *r = stk_value_list(l->type->elem, items, m);
    free(items);
    stk_value_unref(l);
    return r;
}

/* returns 0 when an unknown sequence makes the result's length unknown */
static int flatten_into(stk_value *v, stk_value ***items, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < v->u.coll.n; i++) {
        stk_value *e = v->u.coll.items[i];
        if (stk_fn_is_seq(e) && !e->is_null) {
            if (e->is_unknown) return 0;
            if (!flatten_into(e, items, n, cap)) return 0;
            continue;
        }
        if (*n == *cap) *items = stk_xrealloc(*items, sizeof(stk_value *) * (*cap *= 2));
        (*items)[(*n)++] = stk_value_ref(e);
    }
    return 1;
}

FN(flatten)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_seq(l)) return stk_fn_fail(err, err_arg, 0, "can only flatten lists, sets and tuples");
    size_t cap = 16, n = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * cap);
    if (!flatten_into(l, &items, &n, &cap)) {
        stk_fn_release(items, n);
        free(items);
        return stk_value_unknown(NULL);
    }
    stk_value *r = stk_value_tuple(items, n);
    free(items);
    return r;
}

FN(keys)
{
    stk_value *m = args[0];
    if (m->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_mapping(m) && m->type->kind != STK_TY_DYNAMIC)
        return stk_fn_fail(err, err_arg, 0, "must have map or object type");
    if (m->is_unknown && m->type->kind != STK_TY_OBJECT)
        return stk_value_unknown(m->type->kind == STK_TY_MAP ? stk_type_list(STK_STRING) : STK_DYNAMIC);
    /* an object's keys are in its type, known or not */
    size_t n = m->type->kind == STK_TY_OBJECT ? m->type->n : m->u.coll.n;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++)
        items[i] = stk_value_string(m->type->kind == STK_TY_OBJECT ? m->type->names[i] : m->u.coll.keys[i]);
    stk_value *r = m->type->kind == STK_TY_MAP ? stk_value_list(STK_STRING, items, n) : stk_value_tuple(items, n);
    free(items);
    return r;
}

FN(values)
{
    stk_value *m = args[0];
    if (m->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_mapping(m) && m->type->kind != STK_TY_DYNAMIC)
        return stk_fn_fail(err, err_arg, 0, "values() requires a map as the first argument");
    if (m->is_unknown)
        return stk_value_unknown(m->type->kind == STK_TY_MAP ? stk_type_list(stk_type_ref(m->type->elem)) : STK_DYNAMIC);
    size_t n = m->u.coll.n;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) items[i] = stk_value_ref(m->u.coll.items[i]);
    stk_value *r = m->type->kind == STK_TY_MAP ? stk_value_list(m->type->elem, items, n) : stk_value_tuple(items, n);
    free(items);
    return r;
}

FN(range)
{
    stk_type *t = STK_NUMBER;
    stk_value *conv[3];
    if (stk_fn_args(args, nargs, &t, 1, 0, conv, err, err_arg)) return NULL;
    double start = 0, limit, step = 1;
    if (nargs == 1) limit = conv[0]->u.num.d;
    else { start = conv[0]->u.num.d; limit = conv[1]->u.num.d; }
    if (nargs == 3) step = conv[2]->u.num.d;
    else if (limit < start) step = -1;
    stk_fn_release(conv, nargs);
    if (step == 0) return stk_fn_fail(err, err_arg, 2, "step must not be zero");
    if (start < limit && step < 0) return stk_fn_fail(err, err_arg, 2, "step must be positive when start is less than limit");
    if (start > limit && step > 0) return stk_fn_fail(err, err_arg, 2, "step must be negative when start is greater than limit");
    size_t cap = 16, n = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * cap);
    for (double v = start; step > 0 ? v < limit : v > limit; v += step) {
        if (n == 1024) {
            stk_fn_release(items, n);
            free(items);
            return stk_fn_fail(err, err_arg, -1, "more than 1024 values were generated; either decrease the "
                                                "difference between start and end or use a smaller step");
        }
        if (n == cap) items = stk_xrealloc(items, sizeof(stk_value *) * (cap *= 2));
        items[n++] = stk_value_number(v);
    }
    stk_value *r = stk_value_list(STK_NUMBER, items, n);
    free(items);
    return r;
}

FN(reverse)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_seq(l)) {
        char *fn = stk_type_friendly_name(l->type);
        stk_fn_fail(err, err_arg, 0, "can only reverse list or tuple values, not %s", fn);
        free(fn);
        return NULL;
    }
    size_t n = l->u.coll.n;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) items[i] = stk_value_ref(l->u.coll.items[n - 1 - i]);
    stk_value *r = l->type->kind == STK_TY_TUPLE ? stk_value_tuple(items, n) : stk_value_list(l->type->elem, items, n);
    free(items);
    return r;
}

FN(slice)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (l->type->kind == STK_TY_SET)
        return stk_fn_fail(err, err_arg, 0, "cannot slice a set, because its elements do not have indices; explicitly "
                                            "convert to a list if the ordering of the result is not important");
    if (!stk_fn_is_seq(l)) return stk_fn_fail(err, err_arg, 0, "must be a list or tuple value");
    int64_t se[2];
    int64_t n = (int64_t)l->u.coll.n;
    for (int k = 0; k < 2; k++) {
        char *e = NULL;
        stk_value *c = stk_value_convert(args[k + 1], STK_NUMBER, &e);
        if (!c) { stk_fn_fail(err, err_arg, k + 1, "%s", e); free(e); return NULL; }
        if (c->is_null) { stk_value_unref(c); return stk_fn_fail(err, err_arg, k + 1, "argument must not be null"); }
        int bad = stk_fn_int(c, k + 1, &se[k], err, err_arg);
        stk_value_unref(c);
        if (bad) {
            char *inner = *err;
            *err = stk_xasprintf("invalid %s index: %s", k ? "end" : "start", inner);
            free(inner);
            return NULL;
        }
        const char *which = k ? "end" : "start";
        if (se[k] < 0) return stk_fn_fail(err, err_arg, k + 1, "%s index must not be less than zero", which);
        if (se[k] > n)
            return stk_fn_fail(err, err_arg, k + 1, "%s index must not be greater than the length of the list", which);
    }
    if (se[0] > se[1]) return stk_fn_fail(err, err_arg, 1, "start index must not be greater than end index");
    size_t m = (size_t)(se[1] - se[0]);
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (m + 1));
    for (size_t i = 0; i < m; i++) items[i] = stk_value_ref(l->u.coll.items[se[0] + (int64_t)i]);
    stk_value *r = l->type->kind == STK_TY_TUPLE ? stk_value_tuple(items, m) : stk_value_list(l->type->elem, items, m);
    free(items);
    return r;
}

FN(sort)
{
    stk_type *lt = stk_type_list(STK_STRING);
    stk_value *conv[1];
    if (stk_fn_args(args, 1, &lt, 1, 0, conv, err, err_arg)) return NULL;
    size_t n = conv[0]->u.coll.n;
    for (size_t i = 0; i < n; i++)
        if (conv[0]->u.coll.items[i]->is_null) {
            stk_fn_release(conv, 1);
            return stk_fn_fail(err, err_arg, 0, "given list element %zu is null; a null string cannot be sorted", i);
        }
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) items[i] = stk_value_ref(conv[0]->u.coll.items[i]);
    /* stable insertion-merge via qsort on (value, index) is unnecessary: equal strings are identical */
    for (size_t i = 1; i < n; i++) {
        stk_value *x = items[i];
        size_t j = i;
        while (j > 0 && stk_value_compare(items[j - 1], x) > 0) { items[j] = items[j - 1]; j--; }
        items[j] = x;
    }
    stk_value *r = stk_value_list(STK_STRING, items, n);
    free(items);
    stk_fn_release(conv, 1);
    return r;
}

FN(zipmap)
{
    SHALLOW_UNKNOWN();
    stk_type *lt = stk_type_list(STK_STRING);
    stk_value *conv[1];
    if (stk_fn_args(args, 1, &lt, 1, 0, conv, err, err_arg)) return NULL;
    stk_value *vl = args[1];
    stk_value *r = NULL;
    if (vl->is_null) { stk_fn_fail(err, err_arg, 1, "argument must not be null"); goto out; }
    if (!stk_fn_is_seq(vl)) { stk_fn_fail(err, err_arg, 1, "must be a list or tuple value"); goto out; }
    size_t n = conv[0]->u.coll.n;
    if (n != vl->u.coll.n) {
        stk_fn_fail(err, err_arg, -1, "number of keys (%zu) does not match number of values (%zu)", n, vl->u.coll.n);
        goto out;
    }
    char **keys = stk_xmalloc(sizeof(char *) * (n + 1));
    stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        stk_value *k = conv[0]->u.coll.items[i];
        if (k->is_unknown) {
            stk_fn_release(vals, i);
            free(keys); free(vals);
            r = stk_value_unknown(NULL);
            goto out;
        }
        if (k->is_null) {
            stk_fn_release(vals, i);
            free(keys); free(vals);
            stk_fn_fail(err, err_arg, 0, "keys list has null value at index %zu", i);
            goto out;
        }
        keys[i] = k->u.str.s;
        vals[i] = stk_value_ref(vl->u.coll.items[i]);
    }
    r = vl->type->kind == STK_TY_TUPLE ? stk_value_object(keys, vals, n) : stk_value_map(vl->type->elem, keys, vals, n);
    free(keys); free(vals);
out:
    stk_fn_release(conv, 1);
    return r;
}

FN(one)
{
    SHALLOW_UNKNOWN();
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_seq(l)) return stk_fn_fail(err, err_arg, 0, "must be a list, set, or tuple value");
    if (l->u.coll.n == 0)
        return stk_value_null(l->type->kind == STK_TY_TUPLE ? STK_DYNAMIC : l->type->elem);
    if (l->u.coll.n > 1)
        return stk_fn_fail(err, err_arg, 0, "must be a list, set, or tuple value with either zero or one elements");
    return stk_value_ref(l->u.coll.items[0]);
}

static stk_value *all_any(stk_value **args, int all, char **err, int *err_arg)
{
    stk_type *lt = stk_type_list(STK_BOOL);
    stk_value *conv[1];
    if (stk_fn_args(args, 1, &lt, 1, 0, conv, err, err_arg)) return NULL;
    int res = all;
    for (size_t i = 0; i < conv[0]->u.coll.n; i++) {
        stk_value *e = conv[0]->u.coll.items[i];
        int t = !e->is_null && e->u.b;
        if (all && !t) { res = 0; break; }
        if (!all && t) { res = 1; break; }
    }
    stk_fn_release(conv, 1);
    return stk_value_bool(res);
}

FN(alltrue) { (void)ctx; (void)nargs; return all_any(args, 1, err, err_arg); }
FN(anytrue) { (void)ctx; (void)nargs; return all_any(args, 0, err, err_arg); }

/* --- sets --- */

static stk_value *to_set(stk_value *v, stk_type *elem, int arg, char **err, int *err_arg)
{
    if (v->is_null) return stk_fn_fail(err, err_arg, arg, "argument must not be null");
    char *e = NULL;
    stk_type *st = stk_type_set(stk_type_ref(elem));
    stk_value *s = stk_value_convert(v, st, &e);
    stk_type_unref(st);
    if (!s) { stk_fn_fail(err, err_arg, arg, "%s", e); free(e); }
    return s;
}

/* element type all set arguments unify to */
static stk_type *sets_elem(stk_value **args, size_t nargs, char **err, int *err_arg)
{
    stk_type **types = stk_xmalloc(sizeof(stk_type *) * (nargs + 1));
    size_t m = 0;
    for (size_t i = 0; i < nargs; i++) {
        stk_value *a = args[i];
        if (!stk_fn_is_seq(a)) {
            for (size_t q = 0; q < m; q++) stk_type_unref(types[q]);
            free(types);
            return stk_fn_fail(err, err_arg, (int)i, "set of any single type required"), NULL;
        }
        if (a->type->kind == STK_TY_TUPLE) {
            stk_value *l = to_list(a, (int)i, err, err_arg);
            if (!l) {
                for (size_t q = 0; q < m; q++) stk_type_unref(types[q]);
                free(types);
                return NULL;
            }
            if (l->type->elem->kind != STK_TY_DYNAMIC) types[m++] = stk_type_ref(l->type->elem);
            stk_value_unref(l);
        } else if (a->type->elem->kind != STK_TY_DYNAMIC || a->u.coll.n) {
            types[m++] = stk_type_ref(a->type->elem);
        }
    }
    stk_type *u = stk_type_unify(types, m);
    for (size_t i = 0; i < m; i++) stk_type_unref(types[i]);
    free(types);
    if (!u) stk_fn_fail(err, err_arg, -1, "given sets must all have compatible element types");
    return u;
}

static int set_has(stk_value *s, stk_value *e)
{
    for (size_t i = 0; i < s->u.coll.n; i++)
        if (stk_value_compare(s->u.coll.items[i], e) == 0) return 1;
    return 0;
}

static stk_value *set_op(stk_value **args, size_t nargs, int op, char **err, int *err_arg)
{
    /* op 0 union, 1 intersection, 2 subtract */
    stk_type *et = sets_elem(args, nargs, err, err_arg);
    if (!et) return NULL;
    stk_value **sets = stk_xmalloc(sizeof(stk_value *) * (nargs + 1));
    for (size_t i = 0; i < nargs; i++) {
        sets[i] = to_set(args[i], et, (int)i, err, err_arg);
        if (!sets[i]) { stk_fn_release(sets, i); free(sets); stk_type_unref(et); return NULL; }
    }
    size_t cap = 16, n = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * cap);
    for (size_t i = 0; i < (op == 0 ? nargs : 1); i++) {
        for (size_t k = 0; k < sets[i]->u.coll.n; k++) {
            stk_value *e = sets[i]->u.coll.items[k];
            int keep = 1;
            if (op == 1) for (size_t j = 1; j < nargs && keep; j++) keep = set_has(sets[j], e);
            if (op == 2) keep = !set_has(sets[1], e);
            if (!keep) continue;
            if (n == cap) items = stk_xrealloc(items, sizeof(stk_value *) * (cap *= 2));
            items[n++] = stk_value_ref(e);
        }
    }
    stk_value *r = stk_value_set(et, items, n);
    free(items);
    stk_fn_release(sets, nargs);
    free(sets);
    stk_type_unref(et);
    return r;
}

FN(setunion) { (void)ctx; return set_op(args, nargs, 0, err, err_arg); }
FN(setintersection) { (void)ctx; return set_op(args, nargs, 1, err, err_arg); }
FN(setsubtract) { (void)ctx; return set_op(args, nargs, 2, err, err_arg); }

FN(setproduct)
{
    SHALLOW_UNKNOWN();
    if (nargs < 2) return stk_fn_fail(err, err_arg, -1, "at least two arguments are required");
    int any_set = 0;
    size_t total = 1;
    for (size_t i = 0; i < nargs; i++) {
        if (args[i]->is_null) return stk_fn_fail(err, err_arg, (int)i, "argument must not be null");
        if (!stk_fn_is_seq(args[i])) return stk_fn_fail(err, err_arg, (int)i, "a set or a list is required");
        if (args[i]->type->kind == STK_TY_SET) any_set = 1;
        total *= args[i]->u.coll.n;
        if (total > 1000000) return stk_fn_fail(err, err_arg, -1, "result would have too many elements");
    }
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * (total + 1));
    size_t *idx = stk_xcalloc(nargs, sizeof(size_t));
    stk_value **tup = stk_xmalloc(sizeof(stk_value *) * nargs);
    for (size_t p = 0; p < total; p++) {
        for (size_t i = 0; i < nargs; i++) tup[i] = stk_value_ref(args[i]->u.coll.items[idx[i]]);
        items[p] = stk_value_tuple(tup, nargs);
        for (size_t i = nargs; i-- > 0;) {
            if (++idx[i] < args[i]->u.coll.n) break;
            idx[i] = 0;
        }
    }
    free(idx);
    free(tup);
    stk_value *r;
    if (total == 0) {
        r = any_set ? stk_value_set(STK_DYNAMIC, NULL, 0) : stk_value_list(STK_DYNAMIC, NULL, 0);
    } else {
        /* element tuples unify to one list/set element type */
        stk_value *t = stk_value_tuple(items, total);
        char *e = NULL;
        r = stk_value_convert(t, any_set ? stk_type_set(STK_DYNAMIC) : stk_type_list(STK_DYNAMIC), &e);
        stk_value_unref(t);
        if (!r) { stk_fn_fail(err, err_arg, -1, "%s", e); free(e); }
    }
    free(items);
    return r;
}

FN(chunklist)
{
    SHALLOW_UNKNOWN();
    stk_value *l = to_list(args[0], 0, err, err_arg);
    if (!l) return NULL;
    char *e = NULL;
    int64_t size;
    stk_value *sz = stk_value_convert(args[1], STK_NUMBER, &e);
    if (!sz) { stk_fn_fail(err, err_arg, 1, "%s", e); free(e); stk_value_unref(l); return NULL; }
    int bad = sz->is_null ? (stk_fn_fail(err, err_arg, 1, "argument must not be null"), 1)
                          : stk_fn_int(sz, 1, &size, err, err_arg);
    stk_value_unref(sz);
    if (bad) { stk_value_unref(l); return NULL; }
    if (size < 0) { stk_value_unref(l); return stk_fn_fail(err, err_arg, 1, "the size argument must be positive"); }
    size_t n = l->u.coll.n;
    stk_type *lt = stk_type_list(stk_type_ref(l->type->elem));
    stk_value *r;
    if (n == 0) {
        r = stk_value_list(lt, NULL, 0);
    } else {
        size_t cs = size == 0 ? n : (size_t)size;
        size_t nch = (n + cs - 1) / cs;
        stk_value **chunks = stk_xmalloc(sizeof(stk_value *) * nch);
        for (size_t c = 0; c < nch; c++) {
            size_t a = c * cs, z = a + cs < n ? a + cs : n;
            stk_value **it = stk_xmalloc(sizeof(stk_value *) * (z - a));
            for (size_t i = a; i < z; i++) it[i - a] = stk_value_ref(l->u.coll.items[i]);
            chunks[c] = stk_value_list(l->type->elem, it, z - a);
            free(it);
        }
        r = stk_value_list(lt, chunks, nch);
        free(chunks);
    }
    stk_type_unref(lt);
    stk_value_unref(l);
    return r;
}

FN(transpose)
{
    stk_type *mt = stk_type_map(stk_type_list(STK_STRING));
    stk_value *conv[1];
    int rc = stk_fn_args(args, 1, &mt, 1, 0, conv, err, err_arg);
    if (rc) { stk_type_unref(mt); return NULL; }
    stk_value *m = conv[0];
    /* collect (value, key) pairs, then group by value; keys are already sorted */
    size_t cap = 16, nk = 0;
    char **outk = stk_xmalloc(sizeof(char *) * cap);
    stk_strbuf *lists = stk_xmalloc(sizeof(stk_strbuf) * cap);
    stk_value *r = NULL;
    for (size_t i = 0; i < m->u.coll.n; i++) {
        stk_value *l = m->u.coll.items[i];
        if (l->is_null) continue;
        for (size_t k = 0; k < l->u.coll.n; k++) {
            stk_value *s = l->u.coll.items[k];
            if (s->is_null) {
                stk_fn_fail(err, err_arg, 0, "cannot transpose a map containing null values");
                goto out;
            }
            size_t j;
            for (j = 0; j < nk; j++) if (!strcmp(outk[j], s->u.str.s)) break;
            if (j == nk) {
                if (nk == cap) {
                    cap *= 2;
                    outk = stk_xrealloc(outk, sizeof(char *) * cap);
                    lists = stk_xrealloc(lists, sizeof(stk_strbuf) * cap);
                }
                outk[nk] = s->u.str.s;
                memset(&lists[nk], 0, sizeof(stk_strbuf));
                nk++;
            }
            /* store key indices as NUL-separated names */
            stk_strbuf_add(&lists[j], m->u.coll.keys[i], strlen(m->u.coll.keys[i]) + 1);
        }
    }
    {
        stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (nk + 1));
        for (size_t j = 0; j < nk; j++) {
            size_t cnt = 0;
            for (size_t p = 0; p < lists[j].len; p += strlen(lists[j].s + p) + 1) cnt++;
            stk_value **it = stk_xmalloc(sizeof(stk_value *) * (cnt + 1));
            size_t q = 0;
            for (size_t p = 0; p < lists[j].len; p += strlen(lists[j].s + p) + 1) it[q++] = stk_value_string(lists[j].s + p);
            vals[j] = stk_value_list(STK_STRING, it, cnt);
            free(it);
        }
        r = stk_value_map(stk_type_list(STK_STRING), outk, vals, nk);
        free(vals);
    }
out:
    for (size_t j = 0; j < nk; j++) stk_strbuf_free(&lists[j]);
    free(lists);
    free(outk);
    stk_fn_release(conv, 1);
    stk_type_unref(mt);
    return r;
}

FN(matchkeys)
{
    stk_value *vals = to_list(args[0], 0, err, err_arg);
    if (!vals) return NULL;
    stk_value *keys = to_list(args[1], 1, err, err_arg);
    if (!keys) { stk_value_unref(vals); return NULL; }
    stk_value *search = to_list(args[2], 2, err, err_arg);
    stk_value *r = NULL;
    if (!search) goto out;
    if (vals->u.coll.n != keys->u.coll.n) {
        stk_fn_fail(err, err_arg, -1, "length of keys and values should be equal");
        goto out;
    }
    {
        size_t n = vals->u.coll.n, m = 0;
        stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        for (size_t i = 0; i < n; i++) {
            int hit = 0;
            for (size_t k = 0; k < search->u.coll.n && !hit; k++) {
                stk_value *eq = stk_value_equals(keys->u.coll.items[i], search->u.coll.items[k]);
                hit = stk_value_is_true(eq);
                stk_value_unref(eq);
            }
            if (hit) items[m++] = stk_value_ref(vals->u.coll.items[i]);
        }
        r = stk_value_list(vals->type->elem, items, m);
        free(items);
    }
out:
    stk_value_unref(vals);
    stk_value_unref(keys);
    if (search) stk_value_unref(search);
    return r;
}

FN(list)
{
    (void)ctx; (void)args; (void)nargs;
    return stk_fn_fail(err, err_arg, -1, "the \"list\" function was deprecated in Terraform v0.12 and is no longer "
                                        "available; use tolist([ ... ]) syntax to write a literal list");
}

FN(map)
{
    (void)ctx; (void)args; (void)nargs;
    return stk_fn_fail(err, err_arg, -1, "the \"map\" function was deprecated in Terraform v0.12 and is no longer "
                                        "available; use tomap({ ... }) syntax to write a literal map");
}

const stk_func stk_funcs_collection[] = {
    { "list", 0, -1, STK_FUNC_UNKNOWN_OK, fn_list, "list(...vals any) list of any" },
    { "map", 0, -1, STK_FUNC_UNKNOWN_OK, fn_map, "map(...vals any) map of any" },
    { "matchkeys", 3, 3, 0, fn_matchkeys, "matchkeys(values list of any, keys list of any, searchset list of any) list of any" },
    { "alltrue", 1, 1, 0, fn_alltrue, "alltrue(list list of bool) bool" },
    { "anytrue", 1, 1, 0, fn_anytrue, "anytrue(list list of bool) bool" },
    { "chunklist", 2, 2, STK_FUNC_UNKNOWN_OK, fn_chunklist, "chunklist(list list of any, size number) list of list" },
    { "coalesce", 0, -1, STK_FUNC_UNKNOWN_OK, fn_coalesce, "coalesce(...vals any) any" },
    { "coalescelist", 0, -1, STK_FUNC_UNKNOWN_OK, fn_coalescelist, "coalescelist(...vals any) any" },
    { "compact", 1, 1, 0, fn_compact, "compact(list list of string) list of string" },
    { "concat", 0, -1, STK_FUNC_UNKNOWN_OK, fn_concat, "concat(...seqs any) any" },
    { "contains", 2, 2, STK_FUNC_UNKNOWN_OK, fn_contains, "contains(list any, value any) bool" },
    { "distinct", 1, 1, 0, fn_distinct, "distinct(list list of any) list of any" },
    { "element", 2, 2, STK_FUNC_UNKNOWN_OK, fn_element, "element(list any, index number) any" },
    { "flatten", 1, 1, STK_FUNC_UNKNOWN_OK, fn_flatten, "flatten(list any) any" },
    { "index", 2, 2, STK_FUNC_UNKNOWN_OK, fn_index, "index(list any, value any) number" },
    { "keys", 1, 1, STK_FUNC_UNKNOWN_OK, fn_keys, "keys(inputMap any) any" },
    { "length", 1, 1, STK_FUNC_UNKNOWN_OK, fn_length, "length(value any) number" },
    { "lookup", 2, 3, STK_FUNC_UNKNOWN_OK, fn_lookup, "lookup(inputMap any, key string, default any) any" },
    { "merge", 0, -1, STK_FUNC_UNKNOWN_OK, fn_merge, "merge(...maps any) any" },
    { "one", 1, 1, STK_FUNC_UNKNOWN_OK, fn_one, "one(list any) any" },
    { "range", 1, 3, 0, fn_range, "range(...params number) list of number" },
    { "reverse", 1, 1, STK_FUNC_UNKNOWN_OK, fn_reverse, "reverse(list any) any" },
    { "setintersection", 1, -1, 0, fn_setintersection, "setintersection(first_set set of any, ...other_sets set of any) set of any" },
    { "setproduct", 0, -1, STK_FUNC_UNKNOWN_OK, fn_setproduct, "setproduct(...sets any) any" },
    { "setsubtract", 2, 2, 0, fn_setsubtract, "setsubtract(a set of any, b set of any) set of any" },
    { "setunion", 1, -1, 0, fn_setunion, "setunion(first_set set of any, ...other_sets set of any) set of any" },
    { "slice", 3, 3, STK_FUNC_UNKNOWN_OK, fn_slice, "slice(list any, start_index number, end_index number) any" },
    { "sort", 1, 1, 0, fn_sort, "sort(list list of string) list of string" },
    { "transpose", 1, 1, 0, fn_transpose, "transpose(values map of list of string) map of list of string" },
    { "values", 1, 1, STK_FUNC_UNKNOWN_OK, fn_values, "values(values any) any" },
    { "zipmap", 2, 2, STK_FUNC_UNKNOWN_OK, fn_zipmap, "zipmap(keys list of string, values any) any" },
    { NULL, 0, 0, 0, NULL, NULL },
};
