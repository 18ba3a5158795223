/* convert.c - type conversion and unification with Terraform's (cty's) rules.
 *
 * stk_value_convert(v, want) walks the value against the constraint:
 * primitives convert among themselves where cty allows ("5" -> 5,
 * 1.5 -> "1.5", "true" -> true), tuples become lists/sets, objects become
 * maps, object constraints drop extra attributes and fill optional ones
 * (with their defaults, nested), and `any` inside a collection makes the
 * elements unify to one type.  Errors name the path the way Terraform
 * does: "element 0: string required", "attribute \"x\" is required".
 */
#include "eval/value.h"
#include "eval/value_priv.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

static stk_value *fail(char **err, const char *path, const char *msg)
{
    if (err && !*err) {
        if (msg[0] == '\x01') *err = stk_xstrdup(msg);
        else *err = stk_xasprintf("%s%s", path, msg);
    }
    return NULL;
}

/* A value-level failure ("a number is required"): cty reports these
   without the element path.  Marked with \x01 until stk_value_convert. */
static stk_value *fail_value(char **err, const char *msg)
{
    if (err && !*err) *err = stk_xasprintf("\x01%s", msg);
    return NULL;
}

static stk_value *fail_required(char **err, const char *path, const stk_type *want)
{
    char *f = stk_type_friendly_constraint(want);
    char *m = stk_xasprintf("%s required", f);
    fail(err, path, m);
    free(f);
    free(m);
    return NULL;
}

/* t without optional-attribute markers anywhere (a concrete value type) */
static stk_type *plain_type(stk_type *t)
{
    switch (t->kind) {
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP: {
        stk_type *e = plain_type(t->elem);
        if (e == t->elem) { stk_type_unref(e); return stk_type_ref(t); }
        return t->kind == STK_TY_LIST ? stk_type_list(e) : t->kind == STK_TY_SET ? stk_type_set(e) : stk_type_map(e);
    }
    case STK_TY_OBJECT: case STK_TY_TUPLE: {
        int changed = t->kind == STK_TY_OBJECT && (t->optional || t->defaults);
        stk_type **ts = stk_xmalloc(sizeof(stk_type *) * (t->n + 1));
        for (size_t i = 0; i < t->n; i++) {
            ts[i] = plain_type(t->types[i]);
            if (ts[i] != t->types[i]) changed = 1;
        }
        if (!changed) {
            for (size_t i = 0; i < t->n; i++) stk_type_unref(ts[i]);
            free(ts);
            return stk_type_ref(t);
        }
        stk_type *r = t->kind == STK_TY_OBJECT ? stk_type_object(t->names, ts, t->n, NULL, NULL) : stk_type_tuple(ts, t->n);
        free(ts);
        return r;
    }
    default:
        return t;
    }
}

static int is_seq(stk_type_kind k) { return k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE; }
static int is_mapping(stk_type_kind k) { return k == STK_TY_MAP || k == STK_TY_OBJECT; }
static int is_prim(stk_type_kind k) { return k == STK_TY_STRING || k == STK_TY_NUMBER || k == STK_TY_BOOL; }

/* Can a value of type `from` possibly convert to `want`? (for unknowns) */
static int type_may_convert(const stk_type *from, const stk_type *want)
{
    if (from->kind == STK_TY_DYNAMIC || want->kind == STK_TY_DYNAMIC) return 1;
    if (is_prim(want->kind)) {
        if (!is_prim(from->kind)) return 0;
        if ((want->kind == STK_TY_NUMBER && from->kind == STK_TY_BOOL) ||
            (want->kind == STK_TY_BOOL && from->kind == STK_TY_NUMBER)) return 0;
        return 1;
    }
    if (want->kind == STK_TY_LIST || want->kind == STK_TY_SET || want->kind == STK_TY_TUPLE) return is_seq(from->kind);
    if (is_mapping(want->kind)) return is_mapping(from->kind);
    return 0;
}

static stk_value *conv(stk_value *v, stk_type *want, const char *path, char **err);

/* The type a value of type `from` has after conversion to the constraint
   `want` (which contains `any`), for typing unknown results; NULL when it
   cannot be predicted. */
static stk_type *conv_type(stk_type *from, stk_type *want)
{
    if (want->kind == STK_TY_DYNAMIC) return stk_type_ref(from);
    if (from->kind == STK_TY_DYNAMIC) return stk_type_has_dynamic(want) ? NULL : stk_type_ref(want);
    switch (want->kind) {
    case STK_TY_STRING: case STK_TY_NUMBER: case STK_TY_BOOL:
        return want;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP: {
        stk_type *src = NULL;
        if (stk_type_is_collection(from)) src = stk_type_ref(from->elem);
        else if (from->n == 0) src = stk_type_ref(STK_DYNAMIC);
        else src = stk_type_unify(from->types, from->n);
        if (!src) return NULL;
        stk_type *e = conv_type(src, want->elem);
        stk_type_unref(src);
        if (!e) return NULL;
        return want->kind == STK_TY_LIST ? stk_type_list(e) : want->kind == STK_TY_SET ? stk_type_set(e) : stk_type_map(e);
    }
    case STK_TY_OBJECT: {
        stk_type **ts = stk_xmalloc(sizeof(stk_type *) * (want->n + 1));
        for (size_t i = 0; i < want->n; i++) {
            stk_type *a = from->kind == STK_TY_OBJECT ? stk_type_attr(from, want->names[i])
                        : from->kind == STK_TY_MAP ? from->elem : NULL;
            ts[i] = a ? conv_type(a, want->types[i]) : stk_type_ref(want->types[i]);
            if (!ts[i]) {
                for (size_t q = 0; q < i; q++) stk_type_unref(ts[q]);
                free(ts);
                return NULL;
            }
        }
        stk_type *t = stk_type_object(want->names, ts, want->n, NULL, NULL);
        free(ts);
        return t;
    }
    case STK_TY_TUPLE: {
        stk_type **ts = stk_xmalloc(sizeof(stk_type *) * (want->n + 1));
        for (size_t i = 0; i < want->n; i++) {
            stk_type *a = from->kind == STK_TY_TUPLE && i < from->n ? from->types[i]
                        : stk_type_is_collection(from) ? from->elem : STK_DYNAMIC;
            ts[i] = conv_type(a, want->types[i]);
            if (!ts[i]) {
                for (size_t q = 0; q < i; q++) stk_type_unref(ts[q]);
                free(ts);
                return NULL;
            }
        }
        stk_type *t = stk_type_tuple(ts, want->n);
        free(ts);
        return t;
    }
    default:
        return NULL;
    }
}

static stk_type *elem_type_of(const stk_type *t, size_t i)
{
    if (t->kind == STK_TY_TUPLE || t->kind == STK_TY_OBJECT) return t->types[i];
    return t->elem;
}

/* Convert every element to `elem`; when elem contains `any`, unify the
 * results to one type and convert again.  Returns the converted items
 * (new references) and the final element type (new reference). */
enum { PFX_INDEX, PFX_KEY, PFX_LIST, PFX_SET, PFX_MAP };

static char *elem_path(const char *path, int mode, stk_value *v, size_t i)
{
    switch (mode) {
    case PFX_INDEX: return stk_xasprintf("%selement %zu: ", path, i);
    case PFX_KEY: return stk_xasprintf("%selement \"%s\": ", path, v->u.coll.keys[i]);
    case PFX_LIST: return stk_xasprintf("%sincorrect list element type: ", path);
    case PFX_SET: return stk_xasprintf("%sincorrect set element type: ", path);
    default: return stk_xasprintf("%sincorrect map element type: ", path);
    }
}

static stk_value **conv_elems(stk_value *v, stk_type *elem, const char *path, int mode,
                              stk_type *want, stk_type **elem_out, char **err)
{
    size_t n = v->u.coll.n;
    stk_value **out = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        char *sub = elem_path(path, mode, v, i);
        out[i] = conv(v->u.coll.items[i], elem, sub, err);
        free(sub);
        if (!out[i]) {
            for (size_t q = 0; q < i; q++) stk_value_unref(out[q]);
            free(out);
            return NULL;
        }
    }
    if (!stk_type_has_dynamic(elem) || n == 0) {
        *elem_out = stk_type_ref(elem);
        return out;
    }
    stk_type **types = stk_xmalloc(sizeof(stk_type *) * n);
    for (size_t i = 0; i < n; i++) types[i] = out[i]->type;
    stk_type *u = stk_type_unify(types, n);
    free(types);
    if (!u) {
        for (size_t q = 0; q < n; q++) stk_value_unref(out[q]);
        free(out);
        fail(err, path, want->kind == STK_TY_MAP ? "all map elements must have the same type"
                        : want->kind == STK_TY_SET ? "all set elements must have the same type"
                        : "all list elements must have the same type");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (stk_type_equal(out[i]->type, u)) continue;
        char *sub = elem_path(path, mode, v, i);
        stk_value *c = conv(out[i], u, sub, err);
        free(sub);
        if (!c) {
            for (size_t q = 0; q < n; q++) stk_value_unref(out[q]);
            free(out);
            stk_type_unref(u);
            return NULL;
        }
        stk_value_unref(out[i]);
        out[i] = c;
    }
    *elem_out = u;
    return out;
}

static stk_value *conv_to_object(stk_value *v, stk_type *want, const char *path, char **err)
{
    size_t n = want->n;
    stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (n + 1));
    stk_strbuf missing = STK_STRBUF_INIT;
    size_t nmissing = 0;
    const char *last_missing = NULL;
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = want->names[i];
        stk_type *at = want->types[i];
        int opt = want->optional && want->optional[i];
        stk_value *src = stk_value_get(v, name);
        stk_value *r = NULL;
        int from_map = v->type->kind == STK_TY_MAP;
        if (!src || (src->is_null && opt)) {
            if (!opt && from_map) {
                for (size_t q = 0; q < got; q++) stk_value_unref(vals[q]);
                free(vals);
                stk_strbuf_free(&missing);
                char *m = stk_xasprintf("map has no element for required attribute \"%s\"", name);
                fail_value(err, m);
                free(m);
                return NULL;
            }
            if (!opt) {
                if (nmissing) stk_strbuf_puts(&missing, "\x01");
                stk_strbuf_puts(&missing, name);
                nmissing++;
                last_missing = name;
                continue;
            }
            stk_value *def = want->defaults ? want->defaults[i] : NULL;
            if (def && !(src && src->is_null && src->marks)) {
                char *sub = stk_xasprintf("%sattribute \"%s\": ", path, name);
                r = conv(def, at, sub, err);
                free(sub);
            } else {
                stk_type *pt = plain_type(at);
                r = stk_value_null(pt);
                stk_type_unref(pt);
                if (src) r = stk_value_mark(r, src->marks);
            }
        } else if (from_map) {
            /* cty: a map element that cannot become the attribute type is "object required" */
            char *e = NULL;
            r = conv(src, at, "", &e);
            if (!r) {
                if (e && e[0] == '\x01') { if (err && !*err) *err = e; else free(e); }
                else { free(e); fail(err, path, "object required"); }
            } else free(e);
        } else {
            char *sub = stk_xasprintf("%sattribute \"%s\": ", path, name);
            r = conv(src, at, sub, err);
            free(sub);
        }
        if (!r) {
            for (size_t q = 0; q < got; q++) stk_value_unref(vals[q]);
            free(vals);
            stk_strbuf_free(&missing);
            return NULL;
        }
        vals[got++] = r;
    }
    (void)last_missing;
    if (nmissing) {
        for (size_t q = 0; q < got; q++) stk_value_unref(vals[q]);
        free(vals);
        /* cty: attribute "a" is required / attributes "a" and "b" are required /
           attributes "a", "b", and "c" are required */
        stk_strbuf m = STK_STRBUF_INIT;
        char *names = stk_strbuf_detach(&missing);
        char *save = NULL;
        size_t k = 0;
        stk_strbuf_puts(&m, nmissing == 1 ? "attribute " : "attributes ");
        for (char *tok = strtok_r(names, "\x01", &save); tok; tok = strtok_r(NULL, "\x01", &save), k++) {
            if (k > 0) {
                if (nmissing == 2) stk_strbuf_puts(&m, " and ");
                else if (k == nmissing - 1) stk_strbuf_puts(&m, ", and ");
                else stk_strbuf_puts(&m, ", ");
            }
            stk_strbuf_printf(&m, "\"%s\"", tok);
        }
        stk_strbuf_puts(&m, nmissing == 1 ? " is required" : " are required");
        fail(err, path, stk_strbuf_cstr(&m));
        stk_strbuf_free(&m);
        free(names);
        return NULL;
    }
    stk_strbuf_free(&missing);
    stk_value *o = stk_value_object(want->names, vals, n);
    free(vals);
    return o;
}

static stk_value *conv(stk_value *v, stk_type *want, const char *path, char **err)
{
    if (want->kind == STK_TY_DYNAMIC) return stk_value_ref(v);
    unsigned marks = v->marks;
    if (v->is_unknown) {
        if (!type_may_convert(v->type, want)) return fail_required(err, path, want);
        stk_type *rt = stk_type_has_dynamic(want) ? conv_type(v->type, want) : plain_type(want);
        stk_value *u = stk_value_unknown(rt ? rt : STK_DYNAMIC);
        stk_type_unref(rt);
        return stk_value_mark(u, marks);
    }
    if (v->is_null) {
        if (v->type->kind != STK_TY_DYNAMIC && !type_may_convert(v->type, want))
            return fail_required(err, path, want);
        stk_type *rt = want;
        if (stk_type_has_dynamic(want) && v->type->kind != STK_TY_DYNAMIC) rt = v->type;
        stk_type *pt = plain_type(rt);
        stk_value *nv = stk_value_null(pt);
        stk_type_unref(pt);
        return stk_value_mark(nv, marks);
    }
    if (stk_type_equal(v->type, want)) return stk_value_ref(v);
    stk_value *r = NULL;
    stk_type_kind from = v->type->kind;
    switch (want->kind) {
    case STK_TY_STRING:
        if (from == STK_TY_NUMBER) r = stk_value_string_take(stk_number_to_string(v));
        else if (from == STK_TY_BOOL) r = stk_value_string(v->u.b ? "true" : "false");
        else return fail_required(err, path, want);
        break;
    case STK_TY_NUMBER:
        if (from == STK_TY_STRING) {
            r = stk_value_number_parse(v->u.str.s);
            if (!r) return fail_value(err, "a number is required");
        } else return fail_required(err, path, want);
        break;
    case STK_TY_BOOL:
        if (from == STK_TY_STRING) {
            const char *s = v->u.str.s;
            if (!strcmp(s, "true") || !strcmp(s, "1")) r = stk_value_bool(1);
            else if (!strcmp(s, "false") || !strcmp(s, "0")) r = stk_value_bool(0);
            else if (!strcasecmp(s, "true"))
                return fail_value(err, "a bool is required; to convert from string, use lowercase \"true\"");
            else if (!strcasecmp(s, "false"))
                return fail_value(err, "a bool is required; to convert from string, use lowercase \"false\"");
            else return fail_value(err, "a bool is required");
        } else return fail_required(err, path, want);
        break;
    case STK_TY_LIST: case STK_TY_SET: {
        if (!is_seq(from)) return fail_required(err, path, want);
        stk_type *et;
        int mode = from == STK_TY_TUPLE ? PFX_INDEX : want->kind == STK_TY_LIST ? PFX_LIST : PFX_SET;
        stk_value **items = conv_elems(v, want->elem, path, mode, want, &et, err);
        if (!items) return NULL;
        r = want->kind == STK_TY_LIST ? stk_value_list(et, items, v->u.coll.n)
                                      : stk_value_set(et, items, v->u.coll.n);
        stk_type_unref(et);
        free(items);
        break;
    }
    case STK_TY_MAP: {
        if (!is_mapping(from)) return fail_required(err, path, want);
        stk_type *et;
        stk_value **items = conv_elems(v, want->elem, path, from == STK_TY_OBJECT ? PFX_KEY : PFX_MAP, want, &et, err);
        if (!items) return NULL;
        r = stk_value_map(et, v->u.coll.keys, items, v->u.coll.n);
        stk_type_unref(et);
        free(items);
        break;
    }
    case STK_TY_OBJECT:
        if (!is_mapping(from)) return fail_required(err, path, want);
        r = conv_to_object(v, want, path, err);
        if (!r) return NULL;
        break;
    case STK_TY_TUPLE: {
        if (!is_seq(from)) return fail_required(err, path, want);
        size_t n = v->u.coll.n;
        if (n != want->n) return fail(err, path, "tuple required");
        stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        for (size_t i = 0; i < n; i++) {
            char *e = NULL;
            items[i] = conv(v->u.coll.items[i], want->types[i], "", &e);
            if (!items[i]) {
                for (size_t q = 0; q < i; q++) stk_value_unref(items[q]);
                free(items);
                /* cty says only "tuple required" for a type mismatch inside */
                if (e && e[0] == '\x01') { if (err && !*err) *err = e; else free(e); }
                else { free(e); fail(err, path, "tuple required"); }
                return NULL;
            }
        }
        r = stk_value_tuple(items, n);
        free(items);
        break;
    }
    case STK_TY_DYNAMIC:
        return stk_value_ref(v);
    }
    (void)elem_type_of;
    return stk_value_mark(r, marks);
}

stk_value *stk_value_convert(stk_value *v, stk_type *want, char **err)
{
    if (err) *err = NULL;
    char *e = NULL;
    stk_value *r = conv(v, want ? want : STK_DYNAMIC, "", &e);
    if (!r) {
        if (!e) e = stk_xstrdup("conversion failed");
        if (e[0] == '\x01') memmove(e, e + 1, strlen(e));
        if (err) *err = e; else free(e);
    } else {
        free(e);
    }
    return r;
}

/* ---------------------------------------------------------------- unify */

static stk_type *unify_list(stk_type **types, size_t n);

/* unify the element types of collections/structurals of the given kinds */
static stk_type *unify_members(stk_type **types, size_t n)
{
    size_t cap = 16, m = 0;
    stk_type **all = stk_xmalloc(sizeof(stk_type *) * cap);
    for (size_t i = 0; i < n; i++) {
        stk_type *t = types[i];
        if (t->kind == STK_TY_DYNAMIC) continue;
        if (stk_type_is_collection(t)) {
            if (m == cap) all = stk_xrealloc(all, sizeof(stk_type *) * (cap *= 2));
            all[m++] = t->elem;
        } else {
            for (size_t k = 0; k < t->n; k++) {
                if (m == cap) all = stk_xrealloc(all, sizeof(stk_type *) * (cap *= 2));
                all[m++] = t->types[k];
            }
        }
    }
    stk_type *u = m ? unify_list(all, m) : stk_type_ref(STK_DYNAMIC);
    free(all);
    return u;
}

static stk_type *unify_list(stk_type **types, size_t n)
{
    size_t cnt[STK_TY_TUPLE + 1] = {0};
    stk_type *first = NULL;
    int all_equal = 1;
    for (size_t i = 0; i < n; i++) {
        cnt[types[i]->kind]++;
        if (types[i]->kind == STK_TY_DYNAMIC) continue;
        if (!first) first = types[i];
        else if (!stk_type_equal(first, types[i])) all_equal = 0;
    }
    if (!first) return stk_type_ref(STK_DYNAMIC);
    if (all_equal) return stk_type_ref(first);
    size_t known = n - cnt[STK_TY_DYNAMIC];
    size_t prim = cnt[STK_TY_STRING] + cnt[STK_TY_NUMBER] + cnt[STK_TY_BOOL];
    if (prim == known) return STK_STRING;   /* every primitive converts to string safely */
    stk_type *e;
    if (cnt[STK_TY_MAP] == known || (cnt[STK_TY_MAP] && cnt[STK_TY_MAP] + cnt[STK_TY_OBJECT] == known)) {
        if (!(e = unify_members(types, n))) return NULL;
        return stk_type_map(e);
    }
    if (cnt[STK_TY_LIST] == known || (cnt[STK_TY_LIST] && cnt[STK_TY_LIST] + cnt[STK_TY_TUPLE] == known)) {
        if (!(e = unify_members(types, n))) return NULL;
        return stk_type_list(e);
    }
    if (cnt[STK_TY_SET] == known) {
        if (!(e = unify_members(types, n))) return NULL;
        return stk_type_set(e);
    }
    if (cnt[STK_TY_OBJECT] == known) {
        /* same attribute names: unify attribute by attribute */
        /* different attribute names: a map of all attribute types, if they unify */
        const stk_type *f = first;
        for (size_t i = 0; i < n; i++) {
            const stk_type *t = types[i];
            if (t->kind == STK_TY_DYNAMIC) continue;
            int same = t->n == f->n;
            for (size_t k = 0; same && k < t->n; k++)
                if (strcmp(t->names[k], f->names[k]) != 0) same = 0;
            if (!same) {
                if (!(e = unify_members(types, n))) return NULL;
                return stk_type_map(e);
            }
        }
        stk_type **at = stk_xmalloc(sizeof(stk_type *) * (f->n + 1));
        stk_type **col = stk_xmalloc(sizeof(stk_type *) * (n + 1));
        char **names = stk_xmalloc(sizeof(char *) * (f->n + 1));
        for (size_t k = 0; k < f->n; k++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (types[i]->kind != STK_TY_DYNAMIC) col[m++] = types[i]->types[k];
            at[k] = unify_list(col, m);
            if (!at[k]) {
                for (size_t q = 0; q < k; q++) stk_type_unref(at[q]);
                free(at); free(col); free(names);
                return NULL;
            }
            names[k] = f->names[k];
        }
        stk_type *r = stk_type_object(names, at, f->n, NULL, NULL);
        free(at); free(col); free(names);
        return r;
    }
    if (cnt[STK_TY_TUPLE] == known) {
        /* different lengths: a list of all element types, if they unify */
        const stk_type *f = first;
        for (size_t i = 0; i < n; i++)
            if (types[i]->kind != STK_TY_DYNAMIC && types[i]->n != f->n) {
                if (!(e = unify_members(types, n))) return NULL;
                return stk_type_list(e);
            }
        stk_type **et = stk_xmalloc(sizeof(stk_type *) * (f->n + 1));
        stk_type **col = stk_xmalloc(sizeof(stk_type *) * (n + 1));
        for (size_t k = 0; k < f->n; k++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (types[i]->kind != STK_TY_DYNAMIC) col[m++] = types[i]->types[k];
            et[k] = unify_list(col, m);
            if (!et[k]) {
                for (size_t q = 0; q < k; q++) stk_type_unref(et[q]);
                free(et); free(col);
                return NULL;
            }
        }
        stk_type *r = stk_type_tuple(et, f->n);
        free(et); free(col);
        return r;
    }
    return NULL;
}

stk_type *stk_type_unify(stk_type **types, size_t n)
{
    if (n == 0) return STK_DYNAMIC;
    return unify_list(types, n);
}
