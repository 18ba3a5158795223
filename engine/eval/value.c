/* value.c - the value model: types, constructors, marks, comparison,
 * printing (terraform console style) and JSON conversion.
 *
 * Cheapness matters: a 10,000-resource configuration creates millions of
 * values.  Primitive types and the collection types of primitives are
 * static (refcnt < 0, never freed); the true/false values and the untyped
 * null/unknown are static too.  A string value is one allocation (payload
 * stored after the struct).  An object value's key array is its type's
 * name array (one sorted array shared by both).
 */
#include "eval/value.h"
#include "eval/value_priv.h"
#include "util/diag.h"
#include "util/strbuf.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- types */

stk_type stk_type_dynamic = { .kind = STK_TY_DYNAMIC, .refcnt = -1 };
stk_type stk_type_string = { .kind = STK_TY_STRING, .refcnt = -1 };
stk_type stk_type_number = { .kind = STK_TY_NUMBER, .refcnt = -1 };
stk_type stk_type_bool = { .kind = STK_TY_BOOL, .refcnt = -1 };

#define STATIC_COLL(nm, k, e) static stk_type nm = { .kind = k, .refcnt = -1, .elem = e }
STATIC_COLL(list_dyn, STK_TY_LIST, &stk_type_dynamic);
STATIC_COLL(list_str, STK_TY_LIST, &stk_type_string);
STATIC_COLL(list_num, STK_TY_LIST, &stk_type_number);
STATIC_COLL(list_bool, STK_TY_LIST, &stk_type_bool);
STATIC_COLL(set_dyn, STK_TY_SET, &stk_type_dynamic);
STATIC_COLL(set_str, STK_TY_SET, &stk_type_string);
STATIC_COLL(set_num, STK_TY_SET, &stk_type_number);
STATIC_COLL(set_bool, STK_TY_SET, &stk_type_bool);
STATIC_COLL(map_dyn, STK_TY_MAP, &stk_type_dynamic);
STATIC_COLL(map_str, STK_TY_MAP, &stk_type_string);
STATIC_COLL(map_num, STK_TY_MAP, &stk_type_number);
STATIC_COLL(map_bool, STK_TY_MAP, &stk_type_bool);
static stk_type empty_tuple_type = { .kind = STK_TY_TUPLE, .refcnt = -1 };
static stk_type empty_object_type = { .kind = STK_TY_OBJECT, .refcnt = -1 };

static inline void ref_inc(int *rc)
{
    if (__atomic_load_n(rc, __ATOMIC_RELAXED) >= 0)
        __atomic_add_fetch(rc, 1, __ATOMIC_RELAXED);
}

/* returns 1 when the last reference went away */
static inline int ref_dec(int *rc)
{
    if (__atomic_load_n(rc, __ATOMIC_RELAXED) < 0) return 0;
    return __atomic_sub_fetch(rc, 1, __ATOMIC_ACQ_REL) == 0;
}

static stk_type *coll_type(stk_type_kind k, stk_type *elem)
{
    if (!elem) elem = STK_DYNAMIC;
    stk_type *st = NULL;
    if (elem->refcnt < 0 && elem->kind <= STK_TY_BOOL) {
        static stk_type *tab[3][4] = {
            { &list_dyn, &list_str, &list_num, &list_bool },
            { &set_dyn, &set_str, &set_num, &set_bool },
            { &map_dyn, &map_str, &map_num, &map_bool },
        };
        int row = k == STK_TY_LIST ? 0 : k == STK_TY_SET ? 1 : 2;
        st = tab[row][elem->kind];
        return st;
    }
    stk_type *t = stk_xcalloc(1, sizeof *t);
    t->kind = k;
    t->refcnt = 1;
    t->elem = elem;
    return t;
}

stk_type *stk_type_list(stk_type *elem) { return coll_type(STK_TY_LIST, elem); }
stk_type *stk_type_set(stk_type *elem) { return coll_type(STK_TY_SET, elem); }
stk_type *stk_type_map(stk_type *elem) { return coll_type(STK_TY_MAP, elem); }

typedef struct { const char *name; size_t idx; } name_idx;
static int cmp_name_idx(const void *a, const void *b)
{
    const name_idx *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

stk_type *stk_type_object(char **names, stk_type **types, size_t n,
                          const unsigned char *optional, stk_value **defaults)
{
    if (n == 0 && !optional && !defaults) return &empty_object_type;
    /* sort by name; on duplicates the last one wins */
    name_idx *ord = stk_xmalloc(sizeof *ord * (n ? n : 1));
    for (size_t i = 0; i < n; i++) { ord[i].name = names[i]; ord[i].idx = i; }
    qsort(ord, n, sizeof *ord, cmp_name_idx);
    stk_type *t = stk_xcalloc(1, sizeof *t);
    t->kind = STK_TY_OBJECT;
    t->refcnt = 1;
    t->names = stk_xmalloc(sizeof(char *) * (n ? n : 1));
    t->types = stk_xmalloc(sizeof(stk_type *) * (n ? n : 1));
    int any_opt = 0, any_def = 0;
    for (size_t i = 0; i < n; i++) {
        if (optional && optional[i]) any_opt = 1;
        if (defaults && defaults[i]) any_def = 1;
    }
    if (any_opt) t->optional = stk_xcalloc(n ? n : 1, 1);
    if (any_def) t->defaults = stk_xcalloc(n ? n : 1, sizeof(stk_value *));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t src = ord[i].idx;
        if (i + 1 < n && strcmp(ord[i].name, ord[i + 1].name) == 0) {
            /* superseded duplicate: drop its references */
            stk_type_unref(types[src]);
            if (defaults && defaults[src]) stk_value_unref(defaults[src]);
            continue;
        }
        t->names[m] = stk_xstrdup(names[src]);
        t->types[m] = types[src];
        if (t->optional) t->optional[m] = optional[src];
        if (t->defaults) t->defaults[m] = defaults[src];
        m++;
    }
    t->n = m;
    free(ord);
    return t;
}

/* Internal: names already sorted, unique and malloc'd (taken over). */
stk_type *stk_type_object_sorted(char **names, stk_type **types, size_t n)
{
    if (n == 0) { free(names); free(types); return &empty_object_type; }
    stk_type *t = stk_xcalloc(1, sizeof *t);
    t->kind = STK_TY_OBJECT;
    t->refcnt = 1;
    t->names = names;
    t->types = types;
    t->n = n;
    return t;
}

stk_type *stk_type_tuple(stk_type **types, size_t n)
{
    if (n == 0) return &empty_tuple_type;
    stk_type *t = stk_xcalloc(1, sizeof *t);
    t->kind = STK_TY_TUPLE;
    t->refcnt = 1;
    t->n = n;
    t->types = stk_xmalloc(sizeof(stk_type *) * n);
    memcpy(t->types, types, sizeof(stk_type *) * n);
    return t;
}

stk_type *stk_type_ref(stk_type *t)
{
    if (t) ref_inc(&t->refcnt);
    return t;
}

void stk_type_unref(stk_type *t)
{
    if (!t || !ref_dec(&t->refcnt)) return;
    if (t->elem) stk_type_unref(t->elem);
    for (size_t i = 0; i < t->n; i++) {
        if (t->names) free(t->names[i]);
        stk_type_unref(t->types[i]);
        if (t->defaults && t->defaults[i]) stk_value_unref(t->defaults[i]);
    }
    free(t->names);
    free(t->types);
    free(t->optional);
    free(t->defaults);
    free(t);
}

int stk_type_equal(const stk_type *a, const stk_type *b)
{
    if (a == b) return 1;
    if (!a || !b || a->kind != b->kind) return 0;
    switch (a->kind) {
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP:
        return stk_type_equal(a->elem, b->elem);
    case STK_TY_OBJECT:
        if (a->n != b->n) return 0;
        for (size_t i = 0; i < a->n; i++) {
            if (strcmp(a->names[i], b->names[i]) != 0) return 0;
            if (!stk_type_equal(a->types[i], b->types[i])) return 0;
            int oa = a->optional ? a->optional[i] : 0, ob = b->optional ? b->optional[i] : 0;
            if (oa != ob) return 0;
        }
        return 1;
    case STK_TY_TUPLE:
        if (a->n != b->n) return 0;
        for (size_t i = 0; i < a->n; i++)
            if (!stk_type_equal(a->types[i], b->types[i])) return 0;
        return 1;
    default:
        return 1;
    }
}

int stk_type_is_collection(const stk_type *t)
{
    return t->kind == STK_TY_LIST || t->kind == STK_TY_SET || t->kind == STK_TY_MAP;
}

int stk_type_has_dynamic(const stk_type *t)
{
    switch (t->kind) {
    case STK_TY_DYNAMIC: return 1;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP: return stk_type_has_dynamic(t->elem);
    case STK_TY_OBJECT: case STK_TY_TUPLE:
        for (size_t i = 0; i < t->n; i++)
            if (stk_type_has_dynamic(t->types[i])) return 1;
        return 0;
    default: return 0;
    }
}

static int ident_ok(const char *s)
{
    if (!*s) return 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (p != s && c >= '0' && c <= '9') || c >= 0x80))
            return 0;
    }
    return 1;
}

static void type_str(stk_strbuf *b, const stk_type *t)
{
    switch (t->kind) {
    case STK_TY_DYNAMIC: stk_strbuf_puts(b, "any"); break;
    case STK_TY_STRING: stk_strbuf_puts(b, "string"); break;
    case STK_TY_NUMBER: stk_strbuf_puts(b, "number"); break;
    case STK_TY_BOOL: stk_strbuf_puts(b, "bool"); break;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP:
        stk_strbuf_puts(b, t->kind == STK_TY_LIST ? "list(" : t->kind == STK_TY_SET ? "set(" : "map(");
        type_str(b, t->elem);
        stk_strbuf_putc(b, ')');
        break;
    case STK_TY_OBJECT:
        stk_strbuf_puts(b, "object({");
        for (size_t i = 0; i < t->n; i++) {
            if (i) stk_strbuf_putc(b, ',');
            if (ident_ok(t->names[i])) stk_strbuf_puts(b, t->names[i]);
            else stk_strbuf_printf(b, "\"%s\"", t->names[i]);
            stk_strbuf_putc(b, '=');
            if (t->optional && t->optional[i]) {
                stk_strbuf_puts(b, "optional(");
                type_str(b, t->types[i]);
                if (t->defaults && t->defaults[i]) {
                    char *d = stk_value_to_hcl(t->defaults[i]);
                    stk_strbuf_printf(b, ", %s", d);
                    free(d);
                }
                stk_strbuf_putc(b, ')');
            } else {
                type_str(b, t->types[i]);
            }
        }
        stk_strbuf_puts(b, "})");
        break;
    case STK_TY_TUPLE:
        stk_strbuf_puts(b, "tuple([");
        for (size_t i = 0; i < t->n; i++) {
            if (i) stk_strbuf_putc(b, ',');
            type_str(b, t->types[i]);
        }
        stk_strbuf_puts(b, "])");
        break;
    }
}

char *stk_type_to_string(const stk_type *t)
{
    stk_strbuf b = STK_STRBUF_INIT;
    type_str(&b, t);
    return stk_strbuf_detach(&b);
}

/* cty's FriendlyName ("list of string", "dynamic") and, with constraint
   set, FriendlyNameForConstraint ("list of any single type", "any type") */
static void friendly(stk_strbuf *b, const stk_type *t, int constraint)
{
    switch (t->kind) {
    case STK_TY_DYNAMIC: stk_strbuf_puts(b, constraint ? "any type" : "dynamic"); break;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP:
        stk_strbuf_puts(b, t->kind == STK_TY_LIST ? "list of " : t->kind == STK_TY_SET ? "set of " : "map of ");
        if (constraint && t->elem->kind == STK_TY_DYNAMIC) stk_strbuf_puts(b, "any single type");
        else friendly(b, t->elem, constraint);
        break;
    case STK_TY_OBJECT: stk_strbuf_puts(b, "object"); break;
    case STK_TY_TUPLE: stk_strbuf_puts(b, "tuple"); break;
    default: type_str(b, t);
    }
}

char *stk_type_friendly_name(const stk_type *t)
{
    stk_strbuf b = STK_STRBUF_INIT;
    friendly(&b, t, 0);
    return stk_strbuf_detach(&b);
}

char *stk_type_friendly_constraint(const stk_type *t)
{
    stk_strbuf b = STK_STRBUF_INIT;
    friendly(&b, t, 1);
    return stk_strbuf_detach(&b);
}

stk_type *stk_type_attr(const stk_type *t, const char *name)
{
    if (t->kind != STK_TY_OBJECT) return NULL;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(t->names[mid], name);
        if (c == 0) return t->types[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

json_t *stk_type_to_json(const stk_type *t)
{
    switch (t->kind) {
    case STK_TY_DYNAMIC: return json_string("dynamic");
    case STK_TY_STRING: return json_string("string");
    case STK_TY_NUMBER: return json_string("number");
    case STK_TY_BOOL: return json_string("bool");
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP:
        return json_pack("[so]", t->kind == STK_TY_LIST ? "list" : t->kind == STK_TY_SET ? "set" : "map",
                         stk_type_to_json(t->elem));
    case STK_TY_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < t->n; i++) json_object_set_new(o, t->names[i], stk_type_to_json(t->types[i]));
        return json_pack("[so]", "object", o);
    }
    case STK_TY_TUPLE: {
        json_t *a = json_array();
        for (size_t i = 0; i < t->n; i++) json_array_append_new(a, stk_type_to_json(t->types[i]));
        return json_pack("[so]", "tuple", a);
    }
    }
    return NULL;
}

stk_type *stk_type_from_json(const json_t *j)
{
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (!strcmp(s, "string")) return STK_STRING;
        if (!strcmp(s, "number")) return STK_NUMBER;
        if (!strcmp(s, "bool")) return STK_BOOL;
        if (!strcmp(s, "dynamic")) return STK_DYNAMIC;
        return NULL;
    }
    if (!json_is_array(j) || json_array_size(j) != 2) return NULL;
    const char *k = json_string_value(json_array_get(j, 0));
    json_t *arg = json_array_get(j, 1);
    if (!k) return NULL;
    if (!strcmp(k, "list") || !strcmp(k, "set") || !strcmp(k, "map")) {
        stk_type *e = stk_type_from_json(arg);
        if (!e) return NULL;
        return k[0] == 'l' ? stk_type_list(e) : k[0] == 's' ? stk_type_set(e) : stk_type_map(e);
    }
    if (!strcmp(k, "object") && json_is_object(arg)) {
        size_t n = json_object_size(arg), i = 0;
        char **names = stk_xmalloc(sizeof(char *) * (n + 1));
        stk_type **types = stk_xmalloc(sizeof(stk_type *) * (n + 1));
        const char *key; json_t *v;
        int bad = 0;
        json_object_foreach((json_t *)arg, key, v) {
            stk_type *at = stk_type_from_json(v);
            if (!at) { bad = 1; break; }
            names[i] = (char *)key; types[i] = at; i++;
        }
        stk_type *t = NULL;
        if (!bad) t = stk_type_object(names, types, i, NULL, NULL);
        else for (size_t q = 0; q < i; q++) stk_type_unref(types[q]);
        free(names); free(types);
        return t;
    }
    if (!strcmp(k, "tuple") && json_is_array(arg)) {
        size_t n = json_array_size(arg);
        stk_type **types = stk_xmalloc(sizeof(stk_type *) * (n + 1));
        for (size_t i = 0; i < n; i++) {
            types[i] = stk_type_from_json(json_array_get(arg, i));
            if (!types[i]) {
                for (size_t q = 0; q < i; q++) stk_type_unref(types[q]);
                free(types);
                return NULL;
            }
        }
        stk_type *t = stk_type_tuple(types, n);
        free(types);
        return t;
    }
    return NULL;
}

/* --------------------------------------------------------------- values */

static stk_value v_true = { .refcnt = -1, .type = &stk_type_bool, .u.b = 1 };
static stk_value v_false = { .refcnt = -1, .type = &stk_type_bool, .u.b = 0 };
static stk_value v_null_dyn = { .refcnt = -1, .type = &stk_type_dynamic, .is_null = 1 };
static stk_value v_unk_dyn = { .refcnt = -1, .type = &stk_type_dynamic, .is_unknown = 1 };
static stk_value v_empty_str = { .refcnt = -1, .type = &stk_type_string, .u.str = { (char *)"", 0 } };
static stk_value v_empty_tuple = { .refcnt = -1, .type = &empty_tuple_type };
static stk_value v_empty_object = { .refcnt = -1, .type = &empty_object_type };
static stk_value v_null_str = { .refcnt = -1, .type = &stk_type_string, .is_null = 1 };
static stk_value v_null_num = { .refcnt = -1, .type = &stk_type_number, .is_null = 1 };
static stk_value v_null_bool = { .refcnt = -1, .type = &stk_type_bool, .is_null = 1 };
static stk_value v_unk_str = { .refcnt = -1, .type = &stk_type_string, .is_unknown = 1 };
static stk_value v_unk_num = { .refcnt = -1, .type = &stk_type_number, .is_unknown = 1 };
static stk_value v_unk_bool = { .refcnt = -1, .type = &stk_type_bool, .is_unknown = 1 };
static stk_value v_small_ints[257];   /* -128 .. 128, filled before main() */

__attribute__((constructor)) static void small_ints_init(void)
{
    for (int k = 0; k < 257; k++) {
        stk_value *s = &v_small_ints[k];
        s->refcnt = -1; s->type = &stk_type_number; s->is_int = 1;
        s->u.num.i = k - 128; s->u.num.d = (double)(k - 128);
    }
}

static stk_value *val_alloc(stk_type *t, size_t extra)
{
    stk_value *v = stk_xmalloc(sizeof *v + extra);
    memset(v, 0, sizeof *v);
    v->refcnt = 1;
    v->type = t;
    return v;
}

stk_value *stk_value_null(stk_type *t)
{
    if (!t) t = STK_DYNAMIC;
    switch (t->kind) {
    case STK_TY_DYNAMIC: return &v_null_dyn;
    case STK_TY_STRING: return &v_null_str;
    case STK_TY_NUMBER: return &v_null_num;
    case STK_TY_BOOL: return &v_null_bool;
    default: break;
    }
    stk_value *v = val_alloc(stk_type_ref(t), 0);
    v->is_null = 1;
    return v;
}

stk_value *stk_value_unknown(stk_type *t)
{
    if (!t) t = STK_DYNAMIC;
    switch (t->kind) {
    case STK_TY_DYNAMIC: return &v_unk_dyn;
    case STK_TY_STRING: return &v_unk_str;
    case STK_TY_NUMBER: return &v_unk_num;
    case STK_TY_BOOL: return &v_unk_bool;
    default: break;
    }
    stk_value *v = val_alloc(stk_type_ref(t), 0);
    v->is_unknown = 1;
    return v;
}

stk_value *stk_value_bool(int b) { return b ? &v_true : &v_false; }

stk_value *stk_value_int(int64_t i)
{
    if (i >= -128 && i <= 128) return &v_small_ints[i + 128];
    stk_value *v = val_alloc(STK_NUMBER, 0);
    v->is_int = 1;
    v->u.num.i = i;
    v->u.num.d = (double)i;
    return v;
}

stk_value *stk_value_number(double d)
{
    if (isfinite(d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        return stk_value_int((int64_t)d);
    if (d == 0) return stk_value_int(0);   /* -0 */
    stk_value *v = val_alloc(STK_NUMBER, 0);
    v->u.num.d = d;
    return v;
}

stk_value *stk_value_number_parse(const char *s)
{
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    if (!(*p >= '0' && *p <= '9') && !(*p == '.' && p[1] >= '0' && p[1] <= '9')) return NULL;
    int is_float = 0;
    for (const char *q = p; *q; q++) {
        if (*q == '.' || *q == 'e' || *q == 'E') is_float = 1;
        else if (!((*q >= '0' && *q <= '9') || *q == '+' || *q == '-')) return NULL;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) return NULL;
    char *end;
    if (!is_float) {
        errno = 0;
        long long ll = strtoll(s, &end, 10);
        if (*end == 0 && errno == 0) return stk_value_int(ll);
    }
    errno = 0;
    double d = strtod(s, &end);
    if (*end != 0 || end == s) return NULL;
    if (!isfinite(d)) return NULL;
    return stk_value_number(d);
}

stk_value *stk_value_stringn(const char *s, size_t n)
{
    if (n == 0) return &v_empty_str;
    stk_value *v = val_alloc(STK_STRING, n + 1);
    char *d = (char *)(v + 1);
    memcpy(d, s, n);
    d[n] = 0;
    v->u.str.s = d;
    v->u.str.len = n;
    return v;
}

stk_value *stk_value_string(const char *s) { return stk_value_stringn(s, strlen(s)); }

stk_value *stk_value_string_take(char *s)
{
    stk_value *v = val_alloc(STK_STRING, 0);
    v->u.str.s = s;
    v->u.str.len = strlen(s);
    return v;
}

/* Internal: a string value of n bytes whose buffer the caller fills. */
stk_value *stk_value_string_buf(size_t n, char **buf)
{
    stk_value *v = val_alloc(STK_STRING, n + 1);
    char *d = (char *)(v + 1);
    d[n] = 0;
    v->u.str.s = d;
    v->u.str.len = n;
    *buf = d;
    return v;
}

stk_value *stk_value_tuple(stk_value **items, size_t n)
{
    if (n == 0) return &v_empty_tuple;
    stk_type **types = stk_xmalloc(sizeof(stk_type *) * n);
    for (size_t i = 0; i < n; i++) types[i] = stk_type_ref(items[i]->type);
    stk_type *t = stk_xcalloc(1, sizeof *t);
    t->kind = STK_TY_TUPLE;
    t->refcnt = 1;
    t->n = n;
    t->types = types;
    stk_value *v = val_alloc(t, 0);
    v->u.coll.items = stk_xmalloc(sizeof(stk_value *) * n);
    memcpy(v->u.coll.items, items, sizeof(stk_value *) * n);
    v->u.coll.n = n;
    return v;
}

stk_value *stk_value_list(stk_type *elem, stk_value **items, size_t n)
{
    stk_value *v = val_alloc(stk_type_list(stk_type_ref(elem ? elem : STK_DYNAMIC)), 0);
    if (n) {
        v->u.coll.items = stk_xmalloc(sizeof(stk_value *) * n);
        memcpy(v->u.coll.items, items, sizeof(stk_value *) * n);
    }
    v->u.coll.n = n;
    return v;
}

static int cmp_vals(const void *a, const void *b)
{
    return stk_value_compare(*(stk_value *const *)a, *(stk_value *const *)b);
}

stk_value *stk_value_set(stk_type *elem, stk_value **items, size_t n)
{
    stk_value *v = val_alloc(stk_type_set(stk_type_ref(elem ? elem : STK_DYNAMIC)), 0);
    if (n) {
        stk_value **it = stk_xmalloc(sizeof(stk_value *) * n);
        memcpy(it, items, sizeof(stk_value *) * n);
        qsort(it, n, sizeof *it, cmp_vals);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (m > 0 && stk_value_is_known_deep(it[i]) && stk_value_is_known_deep(it[m - 1]) &&
                stk_value_compare(it[m - 1], it[i]) == 0 && it[m - 1]->marks == it[i]->marks) {
                stk_value_unref(it[i]);
                continue;
            }
            it[m++] = it[i];
        }
        v->u.coll.items = it;
        v->u.coll.n = m;
    }
    return v;
}

typedef struct { const char *k; stk_value *v; size_t idx; } kv_ent;
static int cmp_kv(const void *a, const void *b)
{
    const kv_ent *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* sort key/value pairs, last duplicate wins; returns unique count */
static size_t sort_kv(char **keys, stk_value **vals, size_t n, kv_ent **out)
{
    kv_ent *e = stk_xmalloc(sizeof *e * (n ? n : 1));
    for (size_t i = 0; i < n; i++) { e[i].k = keys[i]; e[i].v = vals[i]; e[i].idx = i; }
    qsort(e, n, sizeof *e, cmp_kv);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && strcmp(e[i].k, e[i + 1].k) == 0) { stk_value_unref(e[i].v); continue; }
        e[m++] = e[i];
    }
    *out = e;
    return m;
}

stk_value *stk_value_object(char **keys, stk_value **vals, size_t n)
{
    if (n == 0) return &v_empty_object;
    kv_ent *e;
    size_t m = sort_kv(keys, vals, n, &e);
    char **names = stk_xmalloc(sizeof(char *) * m);
    stk_type **types = stk_xmalloc(sizeof(stk_type *) * m);
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * m);
    for (size_t i = 0; i < m; i++) {
        names[i] = stk_xstrdup(e[i].k);
        types[i] = stk_type_ref(e[i].v->type);
        items[i] = e[i].v;
    }
    free(e);
    stk_type *t = stk_type_object_sorted(names, types, m);
    stk_value *v = val_alloc(t, 0);
    v->u.coll.items = items;
    v->u.coll.keys = t->names;
    v->u.coll.n = m;
    return v;
}

stk_value *stk_value_map(stk_type *elem, char **keys, stk_value **vals, size_t n)
{
    stk_value *v = val_alloc(stk_type_map(stk_type_ref(elem ? elem : STK_DYNAMIC)), 0);
    if (n) {
        kv_ent *e;
        size_t m = sort_kv(keys, vals, n, &e);
        v->u.coll.items = stk_xmalloc(sizeof(stk_value *) * m);
        v->u.coll.keys = stk_xmalloc(sizeof(char *) * m);
        for (size_t i = 0; i < m; i++) {
            v->u.coll.keys[i] = stk_xstrdup(e[i].k);
            v->u.coll.items[i] = e[i].v;
        }
        v->u.coll.n = m;
        free(e);
    }
    return v;
}

stk_value *stk_value_empty_tuple(void) { return &v_empty_tuple; }
stk_value *stk_value_empty_object(void) { return &v_empty_object; }

stk_value *stk_value_ref(stk_value *v)
{
    if (v) ref_inc(&v->refcnt);
    return v;
}

static void value_free(stk_value *v)
{
    switch (v->type->kind) {
    case STK_TY_STRING:
        if (v->u.str.s && v->u.str.s != (char *)(v + 1)) free(v->u.str.s);
        break;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        if (v->is_null || v->is_unknown) break;
        for (size_t i = 0; i < v->u.coll.n; i++) stk_value_unref(v->u.coll.items[i]);
        if (v->type->kind == STK_TY_MAP) {
            for (size_t i = 0; i < v->u.coll.n; i++) free(v->u.coll.keys[i]);
            free(v->u.coll.keys);
        }
        free(v->u.coll.items);
        break;
    default:
        break;
    }
    stk_type_unref(v->type);
    free(v);
}

void stk_value_unref(stk_value *v)
{
    if (v && ref_dec(&v->refcnt)) value_free(v);
}

/* A fresh copy of the top level of v (children shared) that the caller owns. */
static stk_value *shallow_copy(const stk_value *v)
{
    stk_value *c;
    if (v->type->kind == STK_TY_STRING && !v->is_null && !v->is_unknown) {
        char *buf;
        c = stk_value_string_buf(v->u.str.len, &buf);
        memcpy(buf, v->u.str.s, v->u.str.len);
        c->marks = v->marks;
        return c;
    }
    c = val_alloc(stk_type_ref(v->type), 0);
    c->is_null = v->is_null;
    c->is_unknown = v->is_unknown;
    c->marks = v->marks;
    c->is_int = v->is_int;
    c->u = v->u;
    if (!v->is_null && !v->is_unknown) {
        switch (v->type->kind) {
        case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT: {
            size_t n = v->u.coll.n;
            c->u.coll.items = n ? stk_xmalloc(sizeof(stk_value *) * n) : NULL;
            for (size_t i = 0; i < n; i++) c->u.coll.items[i] = stk_value_ref(v->u.coll.items[i]);
            if (v->type->kind == STK_TY_MAP) {
                c->u.coll.keys = n ? stk_xmalloc(sizeof(char *) * n) : NULL;
                for (size_t i = 0; i < n; i++) c->u.coll.keys[i] = stk_xstrdup(v->u.coll.keys[i]);
            } else if (v->type->kind == STK_TY_OBJECT) {
                c->u.coll.keys = c->type->names;
            }
            break;
        }
        default: break;
        }
    }
    return c;
}

/* the strings of a sensitive value never appear in a diagnostic (util/diag.h) */
static void register_secrets(const stk_value *v, int depth)
{
    if (v->is_null || v->is_unknown || depth > 64) return;
    switch (v->type->kind) {
    case STK_TY_STRING: {
        const char *s = stk_value_str(v);
        if (s) stk_diags_secret_add(s, strlen(s));
        break;
    }
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        for (size_t i = 0; i < v->u.coll.n; i++) register_secrets(v->u.coll.items[i], depth + 1);
        break;
    default: break;
    }
}

stk_value *stk_value_mark(stk_value *v, unsigned marks)
{
    if (!marks || (v->marks & marks) == marks) return v;
    if (marks & STK_MARK_SENSITIVE) register_secrets(v, 0);
    if (v->refcnt == 1) { v->marks |= marks; return v; }
    stk_value *c = shallow_copy(v);
    stk_value_unref(v);
    c->marks |= marks;
    return c;
}

stk_value *stk_value_unmark_top(stk_value *v)
{
    if (!v->marks) return v;
    if (v->refcnt == 1) { v->marks = 0; return v; }
    stk_value *c = shallow_copy(v);
    stk_value_unref(v);
    c->marks = 0;
    return c;
}

unsigned stk_value_marks_deep(const stk_value *v)
{
    unsigned m = v->marks;
    if (v->is_null || v->is_unknown) return m;
    switch (v->type->kind) {
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        for (size_t i = 0; i < v->u.coll.n; i++) m |= stk_value_marks_deep(v->u.coll.items[i]);
        break;
    default: break;
    }
    return m;
}

stk_value *stk_value_unmark_deep(stk_value *v, unsigned *marks_out)
{
    unsigned m = stk_value_marks_deep(v);
    if (marks_out) *marks_out |= m;
    if (!m) return v;
    stk_value *c = (v->refcnt == 1) ? v : shallow_copy(v);
    if (c != v) stk_value_unref(v);
    c->marks = 0;
    if (!c->is_null && !c->is_unknown) {
        switch (c->type->kind) {
        case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
            for (size_t i = 0; i < c->u.coll.n; i++)
                c->u.coll.items[i] = stk_value_unmark_deep(c->u.coll.items[i], NULL);
            break;
        default: break;
        }
    }
    return c;
}

/* ----------------------------------------------------------- inspection */

int stk_value_is_known_deep(const stk_value *v)
{
    if (v->is_unknown) return 0;
    if (v->is_null) return 1;
    switch (v->type->kind) {
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        for (size_t i = 0; i < v->u.coll.n; i++)
            if (!stk_value_is_known_deep(v->u.coll.items[i])) return 0;
        return 1;
    default: return 1;
    }
}

int stk_value_is_true(const stk_value *v)
{
    return v->type->kind == STK_TY_BOOL && !v->is_null && !v->is_unknown && v->u.b;
}

/* Grapheme clusters, approximately as Unicode's extended rules (which
   Terraform's string functions use): a base character with any following
   combining marks, variation selectors, emoji modifiers and ZWJ-joined
   characters; CR LF; a pair of regional indicators. */
static int cp_extends(uint32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) || (c >= 0x0591 && c <= 0x05BD) ||
           (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
           (c >= 0x06D6 && c <= 0x06DC) || (c >= 0x06DF && c <= 0x06E4) || (c >= 0x0900 && c <= 0x0903) ||
           (c >= 0x093A && c <= 0x094F) || (c >= 0x0951 && c <= 0x0957) || (c >= 0x0962 && c <= 0x0963) ||
           (c >= 0x0E31 && c <= 0x0E3A && c != 0x0E32 && c != 0x0E33) || (c >= 0x0E47 && c <= 0x0E4E) ||
           (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) || c == 0x200C || c == 0x200D ||
           (c >= 0x20D0 && c <= 0x20FF) || (c >= 0x302A && c <= 0x302F) || (c >= 0x3099 && c <= 0x309A) ||
           (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x1F3FB && c <= 0x1F3FF) ||
           (c >= 0xE0020 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF);
}

size_t stk_utf8_grapheme(const char *s, size_t n)
{
    uint32_t c, d;
    size_t len = stk_utf8_decode(s, n, &c);
    if (len == 0) return n ? 1 : 0;
    if (c == '\r' && len < n && s[len] == '\n') return len + 1;
    if (c == '\r' || c == '\n') return len;
    int ri = c >= 0x1F1E6 && c <= 0x1F1FF;
    while (len < n) {
        size_t l = stk_utf8_decode(s + len, n - len, &d);
        if (l == 0) break;
        if (ri && d >= 0x1F1E6 && d <= 0x1F1FF) { len += l; ri = 0; continue; }
        if (cp_extends(d)) {
            len += l;
            if (d == 0x200D && len < n) {
                /* zero width joiner: the next character joins this cluster */
                size_t l2 = stk_utf8_decode(s + len, n - len, &d);
                if (l2 == 0) break;
                len += l2;
            }
            continue;
        }
        break;
    }
    return len;
}

size_t stk_utf8_graphemes(const char *s, size_t n)
{
    size_t cnt = 0;
    for (size_t i = 0; i < n; cnt++) i += stk_utf8_grapheme(s + i, n - i);
    return cnt;
}

size_t stk_utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

size_t stk_value_len(const stk_value *v)
{
    if (v->is_null || v->is_unknown) return 0;
    switch (v->type->kind) {
    case STK_TY_STRING: return stk_utf8_graphemes(v->u.str.s, v->u.str.len);
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        return v->u.coll.n;
    default: return 0;
    }
}

stk_value *stk_value_elem(const stk_value *v, size_t i)
{
    if (v->is_null || v->is_unknown) return NULL;
    switch (v->type->kind) {
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        return i < v->u.coll.n ? v->u.coll.items[i] : NULL;
    default: return NULL;
    }
}

stk_value *stk_value_get(const stk_value *v, const char *key)
{
    if (v->is_null || v->is_unknown) return NULL;
    if (v->type->kind != STK_TY_MAP && v->type->kind != STK_TY_OBJECT) return NULL;
    size_t lo = 0, hi = v->u.coll.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(v->u.coll.keys[mid], key);
        if (c == 0) return v->u.coll.items[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

const char *stk_value_key(const stk_value *v, size_t i)
{
    if (v->is_null || v->is_unknown) return NULL;
    if (v->type->kind != STK_TY_MAP && v->type->kind != STK_TY_OBJECT) return NULL;
    return i < v->u.coll.n ? v->u.coll.keys[i] : NULL;
}

const char *stk_value_str(const stk_value *v)
{
    if (v->type->kind != STK_TY_STRING || v->is_null || v->is_unknown) return NULL;
    return v->u.str.s;
}

/* ------------------------------------------------- equality, comparison */

static int is_coll_kind(stk_type_kind k)
{
    return k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE || k == STK_TY_MAP || k == STK_TY_OBJECT;
}

static int num_cmp(const stk_value *a, const stk_value *b)
{
    if (a->is_int && b->is_int) return a->u.num.i < b->u.num.i ? -1 : a->u.num.i > b->u.num.i;
    double x = a->u.num.d, y = b->u.num.d;
    return x < y ? -1 : x > y;
}

/* -1 unknown, 0 false, 1 true */
static int eq3(const stk_value *a, const stk_value *b)
{
    if (a->is_unknown || b->is_unknown) return -1;
    if (a->is_null || b->is_null) return a->is_null && b->is_null;
    stk_type_kind ka = a->type->kind, kb = b->type->kind;
    if (ka != kb) return 0;
    switch (ka) {
    case STK_TY_STRING:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case STK_TY_NUMBER: return num_cmp(a, b) == 0;
    case STK_TY_BOOL: return !a->u.b == !b->u.b;
    case STK_TY_DYNAMIC: return 1;
    default: break;
    }
    if (!stk_type_equal(a->type, b->type)) {
        /* collections of different element types are never equal, but an
           unknown inside still makes the answer unknown (as cty) */
        if (!stk_value_is_known_deep(a) || !stk_value_is_known_deep(b)) return -1;
        return 0;
    }
    if (a->u.coll.n != b->u.coll.n) return 0;
    int res = 1;
    for (size_t i = 0; i < a->u.coll.n; i++) {
        if ((ka == STK_TY_MAP) && strcmp(a->u.coll.keys[i], b->u.coll.keys[i]) != 0) return 0;
        int r = eq3(a->u.coll.items[i], b->u.coll.items[i]);
        if (r == 0) return 0;
        if (r < 0) res = -1;
    }
    return res;
}

stk_value *stk_value_equals(const stk_value *a, const stk_value *b)
{
    int r = eq3(a, b);
    if (r < 0) return stk_value_unknown(STK_BOOL);
    return stk_value_bool(r);
}

int stk_value_raw_equal(const stk_value *a, const stk_value *b)
{
    if (a->is_unknown != b->is_unknown || a->is_null != b->is_null) return 0;
    if ((a->marks & STK_MARK_SENSITIVE) != (b->marks & STK_MARK_SENSITIVE)) return 0;
    if (a->is_unknown || a->is_null) return stk_type_equal(a->type, b->type);
    if (a->type->kind != b->type->kind) return 0;
    switch (a->type->kind) {
    case STK_TY_STRING: case STK_TY_NUMBER: case STK_TY_BOOL:
        return eq3(a, b) == 1;
    default: break;
    }
    if (!stk_type_equal(a->type, b->type) || a->u.coll.n != b->u.coll.n) return 0;
    for (size_t i = 0; i < a->u.coll.n; i++) {
        if (a->type->kind == STK_TY_MAP && strcmp(a->u.coll.keys[i], b->u.coll.keys[i])) return 0;
        if (!stk_value_raw_equal(a->u.coll.items[i], b->u.coll.items[i])) return 0;
    }
    return 1;
}

int stk_value_compare(const stk_value *a, const stk_value *b)
{
    /* unknowns last, nulls first */
    if (a->is_unknown || b->is_unknown) return (int)a->is_unknown - (int)b->is_unknown;
    if (a->is_null || b->is_null) return (int)b->is_null - (int)a->is_null;
    stk_type_kind ka = a->type->kind, kb = b->type->kind;
    if (ka != kb) return ka < kb ? -1 : 1;
    switch (ka) {
    case STK_TY_STRING: {
        size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
        int c = memcmp(a->u.str.s, b->u.str.s, n);
        if (c) return c < 0 ? -1 : 1;
        return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
    }
    case STK_TY_NUMBER: return num_cmp(a, b);
    case STK_TY_BOOL: return (!!a->u.b) - (!!b->u.b);
    default: break;
    }
    if (!is_coll_kind(ka)) return 0;
    size_t n = a->u.coll.n < b->u.coll.n ? a->u.coll.n : b->u.coll.n;
    for (size_t i = 0; i < n; i++) {
        if (a->u.coll.keys && b->u.coll.keys) {
            int c = strcmp(a->u.coll.keys[i], b->u.coll.keys[i]);
            if (c) return c < 0 ? -1 : 1;
        }
        int c = stk_value_compare(a->u.coll.items[i], b->u.coll.items[i]);
        if (c) return c;
    }
    return a->u.coll.n < b->u.coll.n ? -1 : a->u.coll.n > b->u.coll.n;
}

/* -------------------------------------------------------------- numbers */

/* Shortest decimal that round-trips the double, written without an
   exponent (Go's big.Float.Text('f', -1), which Terraform uses); integral
   values below 1e21 print exactly. */
static void fmt_double(stk_strbuf *b, double d)
{
    if (isnan(d)) { stk_strbuf_puts(b, "NaN"); return; }
    if (isinf(d)) { stk_strbuf_puts(b, d < 0 ? "-Inf" : "+Inf"); return; }
    if (d == floor(d) && fabs(d) < 1e21) {
        /* an integral double beyond int64 (overflowed integer arithmetic):
           its exact value, as Terraform's exact arithmetic would print it */
        stk_strbuf_printf(b, "%.0f", d);
        return;
    }
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d) break;
    }
    /* tmp = [-]D.DDDDe[+-]XX */
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') { neg = 1; p++; }
    char digits[32];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (neg) stk_strbuf_putc(b, '-');
    int point = exp + 1;   /* digits before the decimal point */
    if (point <= 0) {
        stk_strbuf_puts(b, "0.");
        for (int i = 0; i < -point; i++) stk_strbuf_putc(b, '0');
        stk_strbuf_add(b, digits, (size_t)nd);
    } else if (point >= nd) {
        stk_strbuf_add(b, digits, (size_t)nd);
        for (int i = nd; i < point; i++) stk_strbuf_putc(b, '0');
    } else {
        stk_strbuf_add(b, digits, (size_t)point);
        stk_strbuf_putc(b, '.');
        stk_strbuf_add(b, digits + point, (size_t)(nd - point));
    }
}

void stk_number_format(stk_strbuf *b, const stk_value *v)
{
    if (v->is_int) stk_strbuf_printf(b, "%lld", (long long)v->u.num.i);
    else fmt_double(b, v->u.num.d);
}

char *stk_number_to_string(const stk_value *v)
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_number_format(&b, v);
    return stk_strbuf_detach(&b);
}

/* ------------------------------------------------------------ rendering */

/* Go's strconv.Quote */
void stk_quote_string(stk_strbuf *b, const char *s, size_t n)
{
    stk_strbuf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': stk_strbuf_puts(b, "\\\""); break;
            case '\\': stk_strbuf_puts(b, "\\\\"); break;
            case '\n': stk_strbuf_puts(b, "\\n"); break;
            case '\r': stk_strbuf_puts(b, "\\r"); break;
            case '\t': stk_strbuf_puts(b, "\\t"); break;
            case '\a': stk_strbuf_puts(b, "\\a"); break;
            case '\b': stk_strbuf_puts(b, "\\b"); break;
            case '\f': stk_strbuf_puts(b, "\\f"); break;
            case '\v': stk_strbuf_puts(b, "\\v"); break;
            default:
                if (c < 0x20 || c == 0x7f) stk_strbuf_printf(b, "\\x%02x", c);
                else stk_strbuf_putc(b, (char)c);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = stk_utf8_decode(s + i, n - i, &cp);
        if (len == 0) { stk_strbuf_printf(b, "\\x%02x", c); i++; continue; }
        if ((cp >= 0x80 && cp < 0xA0) || cp == 0xAD || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
            stk_strbuf_printf(b, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", cp);
        else
            stk_strbuf_add(b, s + i, len);
        i += len;
    }
    stk_strbuf_putc(b, '"');
}

size_t stk_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0) return 0;
    if (u[0] < 0x80) { *cp = u[0]; return 1; }
    size_t len; uint32_t c, min;
    if ((u[0] & 0xE0) == 0xC0) { len = 2; c = u[0] & 0x1F; min = 0x80; }
    else if ((u[0] & 0xF0) == 0xE0) { len = 3; c = u[0] & 0x0F; min = 0x800; }
    else if ((u[0] & 0xF8) == 0xF0) { len = 4; c = u[0] & 0x07; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return len;
}

size_t stk_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void indent_to(stk_strbuf *b, int n)
{
    for (int i = 0; i < n; i++) stk_strbuf_putc(b, ' ');
}

static int multiline_string(stk_strbuf *b, const char *s, size_t n, int indent)
{
    if (!memchr(s, '\n', n)) return 0;
    /* pick a delimiter no line matches (after trimming spaces) */
    char delim[64] = "EOT";
    for (;;) {
        size_t dl = strlen(delim);
        int clash = 0;
        const char *p = s, *end = s + n;
        while (p <= end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            const char *a = p, *z = le;
            while (a < z && (*a == ' ' || *a == '\t' || *a == '\r')) a++;
            while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r')) z--;
            if ((size_t)(z - a) == dl && memcmp(a, delim, dl) == 0) { clash = 1; break; }
            if (!nl) break;
            p = nl + 1;
        }
        if (!clash || dl >= sizeof delim - 2) break;
        strcat(delim, "_");
    }
    stk_strbuf_puts(b, indent > 0 ? "<<-" : "<<");
    stk_strbuf_puts(b, delim);
    const char *p = s, *end = s + n;
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        stk_strbuf_putc(b, '\n');
        indent_to(b, indent);
        stk_strbuf_add(b, p, (size_t)(le - p));
        if (!nl) break;
        p = nl + 1;
    }
    stk_strbuf_putc(b, '\n');
    indent_to(b, indent);
    stk_strbuf_puts(b, delim);
    return 1;
}

static void to_hcl(stk_strbuf *b, const stk_value *v, int indent)
{
    if (v->is_unknown) { stk_strbuf_puts(b, "(known after apply)"); return; }
    if (v->marks & STK_MARK_SENSITIVE) { stk_strbuf_puts(b, "(sensitive value)"); return; }
    const stk_type *t = v->type;
    if (v->is_null) {
        switch (t->kind) {
        case STK_TY_DYNAMIC: stk_strbuf_puts(b, "null"); break;
        case STK_TY_STRING: stk_strbuf_puts(b, "tostring(null)"); break;
        case STK_TY_NUMBER: stk_strbuf_puts(b, "tonumber(null)"); break;
        case STK_TY_BOOL: stk_strbuf_puts(b, "tobool(null)"); break;
        case STK_TY_LIST: case STK_TY_SET: case STK_TY_MAP: {
            char *f = stk_type_friendly_name(t->elem);
            stk_strbuf_printf(b, "%s(null) /* of %s */",
                              t->kind == STK_TY_LIST ? "tolist" : t->kind == STK_TY_SET ? "toset" : "tomap", f);
            free(f);
            break;
        }
        default: {
            char *f = stk_type_friendly_name(t);
            stk_strbuf_printf(b, "null /* %s */", f);
            free(f);
        }
        }
        return;
    }
    switch (t->kind) {
    case STK_TY_STRING:
        if (!multiline_string(b, v->u.str.s, v->u.str.len, indent))
            stk_quote_string(b, v->u.str.s, v->u.str.len);
        return;
    case STK_TY_NUMBER: stk_number_format(b, v); return;
    case STK_TY_BOOL: stk_strbuf_puts(b, v->u.b ? "true" : "false"); return;
    case STK_TY_DYNAMIC: stk_strbuf_puts(b, "null"); return;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE:
        if (t->kind == STK_TY_LIST) stk_strbuf_puts(b, "tolist(");
        if (t->kind == STK_TY_SET) stk_strbuf_puts(b, "toset(");
        stk_strbuf_putc(b, '[');
        for (size_t i = 0; i < v->u.coll.n; i++) {
            stk_strbuf_putc(b, '\n');
            indent_to(b, indent + 2);
            to_hcl(b, v->u.coll.items[i], indent + 2);
            stk_strbuf_putc(b, ',');
        }
        if (v->u.coll.n) { stk_strbuf_putc(b, '\n'); indent_to(b, indent); }
        stk_strbuf_putc(b, ']');
        if (t->kind != STK_TY_TUPLE) stk_strbuf_putc(b, ')');
        return;
    case STK_TY_MAP: case STK_TY_OBJECT:
        if (t->kind == STK_TY_MAP) stk_strbuf_puts(b, "tomap(");
        stk_strbuf_putc(b, '{');
        for (size_t i = 0; i < v->u.coll.n; i++) {
            stk_strbuf_putc(b, '\n');
            indent_to(b, indent + 2);
            const char *k = v->u.coll.keys[i];
            stk_quote_string(b, k, strlen(k));
            stk_strbuf_puts(b, " = ");
            to_hcl(b, v->u.coll.items[i], indent + 2);
        }
        if (v->u.coll.n) { stk_strbuf_putc(b, '\n'); indent_to(b, indent); }
        stk_strbuf_putc(b, '}');
        if (t->kind == STK_TY_MAP) stk_strbuf_putc(b, ')');
        return;
    }
}

char *stk_value_to_hcl(const stk_value *v)
{
    stk_strbuf b = STK_STRBUF_INIT;
    to_hcl(&b, v, 0);
    return stk_strbuf_detach(&b);
}

/* ----------------------------------------------------------------- JSON */

json_t *stk_value_to_json(const stk_value *v)
{
    if (v->is_unknown) return NULL;
    if (v->is_null) return json_null();
    switch (v->type->kind) {
    case STK_TY_STRING: return json_stringn(v->u.str.s, v->u.str.len);
    case STK_TY_NUMBER:
        if (v->is_int) return json_integer((json_int_t)v->u.num.i);
        return json_real(v->u.num.d);
    case STK_TY_BOOL: return json_boolean(v->u.b);
    case STK_TY_DYNAMIC: return json_null();
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.coll.n; i++) {
            json_t *e = stk_value_to_json(v->u.coll.items[i]);
            if (!e) { json_decref(a); return NULL; }
            json_array_append_new(a, e);
        }
        return a;
    }
    case STK_TY_MAP: case STK_TY_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->u.coll.n; i++) {
            json_t *e = stk_value_to_json(v->u.coll.items[i]);
            if (!e) { json_decref(o); return NULL; }
            json_object_set_new(o, v->u.coll.keys[i], e);
        }
        return o;
    }
    }
    return NULL;
}

stk_value *stk_value_from_json(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_NULL: return stk_value_null(NULL);
    case JSON_TRUE: return stk_value_bool(1);
    case JSON_FALSE: return stk_value_bool(0);
    case JSON_INTEGER: return stk_value_int((int64_t)json_integer_value(j));
    case JSON_REAL: return stk_value_number(json_real_value(j));
    case JSON_STRING: return stk_value_stringn(json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        stk_value **it = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        for (size_t i = 0; i < n; i++) it[i] = stk_value_from_json(json_array_get(j, i));
        stk_value *v = stk_value_tuple(it, n);
        free(it);
        return v;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        char **keys = stk_xmalloc(sizeof(char *) * (n + 1));
        stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        const char *k; json_t *e;
        json_object_foreach((json_t *)j, k, e) {
            keys[i] = (char *)k;
            vals[i] = stk_value_from_json(e);
            i++;
        }
        stk_value *v = stk_value_object(keys, vals, i);
        free(keys); free(vals);
        return v;
    }
    }
    return stk_value_null(NULL);
}

static stk_value *typed_fail(char **err, const char *path, const char *what)
{
    if (err) *err = stk_xasprintf("%s%s", path, what);
    return NULL;
}

static stk_value *from_json_typed(const json_t *j, stk_type *t, char **err, const char *path)
{
    if (json_is_null(j)) return stk_value_null(t);
    switch (t->kind) {
    case STK_TY_DYNAMIC: return stk_value_from_json(j);
    case STK_TY_STRING:
        if (json_is_string(j)) return stk_value_stringn(json_string_value(j), json_string_length(j));
        return typed_fail(err, path, "string required");
    case STK_TY_NUMBER:
        if (json_is_integer(j)) return stk_value_int((int64_t)json_integer_value(j));
        if (json_is_real(j)) return stk_value_number(json_real_value(j));
        if (json_is_string(j)) {
            stk_value *n = stk_value_number_parse(json_string_value(j));
            if (n) return n;
        }
        return typed_fail(err, path, "number required");
    case STK_TY_BOOL:
        if (json_is_boolean(j)) return stk_value_bool(json_is_true(j));
        return typed_fail(err, path, "bool required");
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: {
        if (!json_is_array(j)) return typed_fail(err, path, t->kind == STK_TY_TUPLE ? "tuple required" : "array required");
        size_t n = json_array_size(j);
        if (t->kind == STK_TY_TUPLE && n != t->n) return typed_fail(err, path, "wrong number of tuple elements");
        stk_value **it = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        for (size_t i = 0; i < n; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%selement %zu: ", path, i);
            it[i] = from_json_typed(json_array_get(j, i), t->kind == STK_TY_TUPLE ? t->types[i] : t->elem, err, sub);
            if (!it[i]) {
                for (size_t q = 0; q < i; q++) stk_value_unref(it[q]);
                free(it);
                return NULL;
            }
        }
        stk_value *v = t->kind == STK_TY_LIST ? stk_value_list(t->elem, it, n)
                     : t->kind == STK_TY_SET ? stk_value_set(t->elem, it, n)
                     : stk_value_tuple(it, n);
        free(it);
        if (t->kind == STK_TY_TUPLE || stk_type_has_dynamic(t)) {
            stk_value *c = stk_value_convert(v, t, err);
            stk_value_unref(v);
            return c;
        }
        return v;
    }
    case STK_TY_MAP: case STK_TY_OBJECT: {
        if (!json_is_object(j)) return typed_fail(err, path, t->kind == STK_TY_MAP ? "map required" : "object required");
        size_t n = t->kind == STK_TY_MAP ? json_object_size(j) : t->n, i = 0;
        char **keys = stk_xmalloc(sizeof(char *) * (n + 1));
        stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        int bad = 0;
        if (t->kind == STK_TY_MAP) {
            const char *k; json_t *e;
            json_object_foreach((json_t *)j, k, e) {
                char sub[256];
                snprintf(sub, sizeof sub, "%selement \"%s\": ", path, k);
                keys[i] = (char *)k;
                vals[i] = from_json_typed(e, t->elem, err, sub);
                if (!vals[i]) { bad = 1; break; }
                i++;
            }
        } else {
            for (; i < t->n; i++) {
                char sub[256];
                snprintf(sub, sizeof sub, "%sattribute \"%s\": ", path, t->names[i]);
                json_t *e = json_object_get(j, t->names[i]);
                keys[i] = t->names[i];
                vals[i] = e ? from_json_typed(e, t->types[i], err, sub) : stk_value_null(t->types[i]);
                if (!vals[i]) { bad = 1; break; }
            }
        }
        stk_value *v = NULL;
        if (bad) {
            for (size_t q = 0; q < i; q++) stk_value_unref(vals[q]);
        } else if (t->kind == STK_TY_MAP) {
            v = stk_value_map(t->elem, keys, vals, i);
        } else {
            v = stk_value_object(keys, vals, i);
        }
        free(keys); free(vals);
        return v;
    }
    }
    return NULL;
}

stk_value *stk_value_from_json_typed(const json_t *j, stk_type *t, char **err)
{
    if (err) *err = NULL;
    return from_json_typed(j, t, err, "");
}
