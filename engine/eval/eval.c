/* eval.c - the expression evaluator (see eval.h).
 *
 * One recursive function, ev(), over the tree of engine/hcl/ast.h, with
 * HCL's rules for each node kind: what is unknown stays unknown without
 * errors, marks (sensitive) follow the values they came from, and every
 * error is a diagnostic at the source range HCL would report, after which
 * evaluation continues with an unknown value so later errors show too.
 *
 * Names: attribute / index chains that start at a root name are evaluated
 * as one traversal so the scope's resolver can answer a whole reference
 * (aws_vpc.main.id) at once; see eval.h.
 */
#include "eval/eval.h"
#include "hcl/parser.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static stk_value *dyn_unknown(void) { return stk_value_unknown(STK_DYNAMIC); }

static stk_value *with_marks(stk_value *v, unsigned m)
{
    if (!m || (v->marks & m) == m) return v;
    return stk_value_mark(v, m);
}

/* cty's FriendlyName */
static void friendly(stk_strbuf *b, const stk_type *t)
{
    switch (t->kind) {
    case STK_TY_DYNAMIC: stk_strbuf_puts(b, "dynamic"); break;
    case STK_TY_STRING: stk_strbuf_puts(b, "string"); break;
    case STK_TY_NUMBER: stk_strbuf_puts(b, "number"); break;
    case STK_TY_BOOL: stk_strbuf_puts(b, "bool"); break;
    case STK_TY_LIST: stk_strbuf_puts(b, "list of "); friendly(b, t->elem); break;
    case STK_TY_SET: stk_strbuf_puts(b, "set of "); friendly(b, t->elem); break;
    case STK_TY_MAP: stk_strbuf_puts(b, "map of "); friendly(b, t->elem); break;
    case STK_TY_OBJECT: stk_strbuf_puts(b, "object"); break;
    case STK_TY_TUPLE: stk_strbuf_puts(b, "tuple"); break;
    }
}

static char *friendly_name(const stk_type *t)
{
    stk_strbuf b = STK_STRBUF_INIT;
    friendly(&b, t);
    return stk_strbuf_detach(&b);
}

static int is_primitive(const stk_type *t)
{
    return t->kind == STK_TY_STRING || t->kind == STK_TY_NUMBER || t->kind == STK_TY_BOOL;
}

/* "message." without doubling a trailing period */
static const char *dot(const char *msg)
{
    size_t n = strlen(msg);
    return n && msg[n - 1] == '.' ? "" : ".";
}

static stk_range range_between(stk_range a, stk_range b)
{
    return stk_range_join(a, b);
}

/* The "[key]" part of an index expression: HCL's BracketRange. */
static stk_range bracket_range(const stk_expr *e)
{
    stk_range r = e->range;
    const stk_expr *key = e->u.index.key;
    if (e->u.index.legacy) {
        /* `.0`: the dot precedes the number */
        r.start = key->range.start;
        if (r.start.col > 1) { r.start.col--; r.start.byte--; }
        return r;
    }
    r.start = key->range.start;
    if (r.start.col > 1) { r.start.col--; r.start.byte--; }
    if (r.start.byte < e->u.index.obj->range.end.byte) r.start = e->u.index.obj->range.end;
    return r;
}

/* ".name" of a getattr expression */
static stk_range attr_range(const stk_expr *e)
{
    stk_range r = e->range;
    r.start = e->u.getattr.obj->range.end;
    return r;
}

/* Evaluate into a separate diagnostics list (for short-circuits and
   conditionals, whose unselected side's errors are dropped). */
static stk_value *ev(const stk_expr *e, const stk_eval_scope *s, stk_diags *d);

/* ------------------------------------------------------------------ */
/* scopes                                                              */

static int lookup_binding(const stk_eval_scope *s, const char *name, stk_value **out, int *any)
{
    for (; s; s = s->parent) {
        for (size_t i = 0; i < s->nbind; i++) {
            *any = 1;
            if (strcmp(s->bind_names[i], name) == 0) {
                *out = s->bind_values[i];
                return 1;
            }
        }
        if (s->vars) {
            *any = 1;
            stk_value *v = NULL;
            if (!s->vars->is_null && !s->vars->is_unknown &&
                (s->vars->type->kind == STK_TY_OBJECT || s->vars->type->kind == STK_TY_MAP))
                v = stk_value_get(s->vars, name);
            if (v) {
                *out = v;
                return 1;
            }
        }
    }
    return 0;
}

static const stk_eval_scope *resolver_scope(const stk_eval_scope *s)
{
    for (; s; s = s->parent)
        if (s->resolve) return s;
    return NULL;
}

static const stk_func_ctx *scope_funcs(const stk_eval_scope *s)
{
    for (; s; s = s->parent)
        if (s->funcs) return s->funcs;
    return NULL;
}

static const stk_eval_scope *splat_scope(const stk_eval_scope *s)
{
    for (; s; s = s->parent)
        if (s->has_splat_item) return s;
    return NULL;
}

/* Names visible in the scope, for "Did you mean" suggestions. */
static void collect_names(const stk_eval_scope *s, const char ***names, size_t *n, size_t *cap)
{
    for (; s; s = s->parent) {
        for (size_t i = 0; i < s->nbind; i++) {
            if (*n == *cap) { *cap = *cap ? *cap * 2 : 16; *names = stk_xrealloc(*names, *cap * sizeof **names); }
            (*names)[(*n)++] = s->bind_names[i];
        }
        if (s->vars && !s->vars->is_null && !s->vars->is_unknown &&
            (s->vars->type->kind == STK_TY_OBJECT || s->vars->type->kind == STK_TY_MAP)) {
            for (size_t i = 0; i < stk_value_len(s->vars); i++) {
                if (*n == *cap) { *cap = *cap ? *cap * 2 : 16; *names = stk_xrealloc(*names, *cap * sizeof **names); }
                (*names)[(*n)++] = stk_value_key(s->vars, i);
            }
        }
    }
}

/* Levenshtein distance, bounded use only (names are short). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c) c = prev[j] + 1;
            if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* HCL's nameSuggestion: the first candidate within distance 2. */
static const char *suggest(const char *given, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (edit_distance(given, names[i]) < 3) return names[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* attribute and index access (HCL's GetAttr and Index)                */

static stk_value *get_attr(stk_value *obj, const char *name, const stk_range *r, stk_diags *d)
{
    if (obj->is_null) {
        stk_diags_error(d, r, "Attempt to get attribute from null value",
                        "This value is null, so it does not have any attributes.");
        return dyn_unknown();
    }
    unsigned m = obj->marks;
    const stk_type *ty = obj->type;
    switch (ty->kind) {
    case STK_TY_OBJECT: {
        stk_type *at = stk_type_attr(ty, name);
        if (!at) {
            stk_diags_error(d, r, "Unsupported attribute",
                            "This object does not have an attribute named \"%s\".", name);
            return dyn_unknown();
        }
        if (obj->is_unknown) return with_marks(stk_value_unknown(at), m);
        stk_value *v = stk_value_get(obj, name);
        if (!v) return with_marks(stk_value_unknown(at), m);
        return with_marks(stk_value_ref(v), m);
    }
    case STK_TY_MAP: {
        if (obj->is_unknown) return with_marks(stk_value_unknown(ty->elem), m);
        stk_value *v = stk_value_get(obj, name);
        if (!v) {
            stk_diags_error(d, r, "Missing map element",
                            "This map does not have an element with the key \"%s\".", name);
            return dyn_unknown();
        }
        return with_marks(stk_value_ref(v), m);
    }
    case STK_TY_DYNAMIC:
        return with_marks(dyn_unknown(), m);
    case STK_TY_LIST:
        if (ty->elem->kind == STK_TY_OBJECT) {
            if (stk_type_attr(ty->elem, name))
                stk_diags_error(d, r, "Unsupported attribute",
                                "Can't access attributes on a list of objects. Did you mean to access "
                                "attribute \"%s\" for a specific element of the list, or across all "
                                "elements of the list?", name);
            else
                stk_diags_error(d, r, "Unsupported attribute",
                                "Can't access attributes on a list of objects. Did you mean to access "
                                "an attribute for a specific element of the list, or across all "
                                "elements of the list?");
            return dyn_unknown();
        }
        break;
    case STK_TY_SET:
        if (ty->elem->kind == STK_TY_OBJECT) {
            stk_diags_error(d, r, "Unsupported attribute",
                            "Can't access attributes on a set of objects. Did you mean to access an "
                            "attribute across all elements of the set?");
            return dyn_unknown();
        }
        break;
    default:
        break;
    }
    if (is_primitive(ty)) {
        char *fn = friendly_name(ty);
        stk_diags_error(d, r, "Unsupported attribute",
                        "Can't access attributes on a primitive-typed value (%s).", fn);
        free(fn);
    } else {
        stk_diags_error(d, r, "Unsupported attribute", "This value does not have any attributes.");
    }
    return dyn_unknown();
}

static const char *INVALID_INDEX = "Invalid index";

static stk_value *index_value(stk_value *coll, stk_value *key, const stk_range *r, stk_diags *d)
{
    if (coll->is_null) {
        stk_diags_error(d, r, "Attempt to index null value",
                        "This value is null, so it does not have any indices.");
        return dyn_unknown();
    }
    if (key->is_null) {
        stk_diags_error(d, r, INVALID_INDEX, "Can't use a null value as an indexing key.");
        return dyn_unknown();
    }
    unsigned m = coll->marks | key->marks;
    const stk_type *ty = coll->type;
    if (key->type->kind == STK_TY_DYNAMIC || ty->kind == STK_TY_DYNAMIC)
        return with_marks(dyn_unknown(), coll->marks);

    switch (ty->kind) {
    case STK_TY_LIST:
    case STK_TY_TUPLE:
    case STK_TY_MAP: {
        int seq = ty->kind != STK_TY_MAP;
        char *err = NULL;
        stk_value *k = stk_value_convert(key, seq ? STK_NUMBER : STK_STRING, &err);
        if (!k) {
            stk_diags_error(d, r, INVALID_INDEX,
                            "The given key does not identify an element in this collection value: %s%s",
                            err ? err : "invalid key", dot(err ? err : ""));
            free(err);
            return dyn_unknown();
        }
        if (k->is_unknown || coll->is_unknown) {
            stk_value_unref(k);
            if (ty->kind == STK_TY_TUPLE) return with_marks(dyn_unknown(), m);
            return with_marks(stk_value_unknown(ty->elem), m);
        }
        stk_value *found = NULL;
        if (seq) {
            double kd = k->u.num.d;
            size_t len = stk_value_len(coll);
            if (!k->is_int && kd != floor(kd)) {
                stk_diags_error(d, r, INVALID_INDEX,
                                "The given key does not identify an element in this collection value: "
                                "indexing a sequence requires a whole number, but the given index has a "
                                "fractional part.");
            } else if (kd < 0) {
                stk_diags_error(d, r, INVALID_INDEX,
                                "The given key does not identify an element in this collection value: "
                                "a negative number is not a valid index for a sequence.");
            } else if (kd >= (double)len) {
                if (len == 0)
                    stk_diags_error(d, r, INVALID_INDEX,
                                    "The given key does not identify an element in this collection value: "
                                    "the collection has no elements.");
                else
                    stk_diags_error(d, r, INVALID_INDEX,
                                    "The given key does not identify an element in this collection value: "
                                    "the given index is greater than or equal to the length of the collection.");
            } else {
                found = stk_value_elem(coll, k->is_int ? (size_t)k->u.num.i : (size_t)kd);
            }
        } else {
            found = stk_value_get(coll, stk_value_str(k));
            if (!found)
                stk_diags_error(d, r, INVALID_INDEX,
                                "The given key does not identify an element in this collection value.");
        }
        stk_value_unref(k);
        if (!found) return dyn_unknown();
        return with_marks(stk_value_ref(found), m);
    }
    case STK_TY_OBJECT: {
        int was_number = key->type->kind == STK_TY_NUMBER;
        char *err = NULL;
        stk_value *k = stk_value_convert(key, STK_STRING, &err);
        if (!k) {
            stk_diags_error(d, r, INVALID_INDEX,
                            "The given key does not identify an element in this collection value: %s%s",
                            err ? err : "invalid key", dot(err ? err : ""));
            free(err);
            return dyn_unknown();
        }
        if (k->is_unknown) {
            stk_value_unref(k);
            return with_marks(dyn_unknown(), coll->marks);
        }
        stk_type *at = stk_type_attr(ty, stk_value_str(k));
        if (!at) {
            stk_diags_error(d, r, INVALID_INDEX,
                            "The given key does not identify an element in this collection value.%s",
                            was_number ? " An object only supports looking up attributes by name, "
                                         "not by numeric index." : "");
            stk_value_unref(k);
            return dyn_unknown();
        }
        stk_value *res;
        if (coll->is_unknown) {
            res = stk_value_unknown(at);
        } else {
            stk_value *v = stk_value_get(coll, stk_value_str(k));
            res = v ? stk_value_ref(v) : stk_value_unknown(at);
        }
        stk_value_unref(k);
        return with_marks(res, m);
    }
    case STK_TY_SET:
        stk_diags_error(d, r, INVALID_INDEX,
                        "Elements of a set are identified only by their value and don't have any "
                        "separate index or key to select with, so it's only possible to perform "
                        "operations across all elements of the set.");
        return dyn_unknown();
    default:
        stk_diags_error(d, r, INVALID_INDEX, "This value does not have any indices.");
        return dyn_unknown();
    }
}

/* ------------------------------------------------------------------ */
/* traversals: VARIABLE, GETATTR, INDEX chains                         */

static stk_value *unknown_variable(const stk_expr *var, const stk_eval_scope *s, int any_names,
                                   stk_diags *d)
{
    if (!any_names) {
        stk_diags_error(d, &var->range, "Variables not allowed", "Variables may not be used here.");
        return dyn_unknown();
    }
    const char **names = NULL;
    size_t n = 0, cap = 0;
    collect_names(s, &names, &n, &cap);
    const char *sug = suggest(var->u.name, names, n);
    if (sug)
        stk_diags_error(d, &var->range, "Unknown variable",
                        "There is no variable named \"%s\". Did you mean \"%s\"?", var->u.name, sug);
    else
        stk_diags_error(d, &var->range, "Unknown variable", "There is no variable named \"%s\".",
                        var->u.name);
    free(names);
    return dyn_unknown();
}

static stk_value *apply_step(stk_value *v, const stk_expr *step, stk_value *key, stk_diags *d)
{
    stk_value *res;
    if (step->kind == STK_EX_GETATTR) {
        stk_range r = attr_range(step);
        res = get_attr(v, step->u.getattr.name, &r, d);
    } else {
        stk_range r = bracket_range(step);
        res = index_value(v, key, &r, d);
    }
    return res;
}

static stk_value *eval_traversal(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    const stk_expr *small[16];
    const stk_expr **chain = small;
    size_t n = 0, cap = 16;
    const stk_expr *cur = e;
    while (cur->kind == STK_EX_GETATTR || cur->kind == STK_EX_INDEX) {
        if (n == cap) {
            cap *= 2;
            if (chain == small) {
                chain = stk_xmalloc(cap * sizeof *chain);
                memcpy(chain, small, sizeof small);
            } else {
                chain = stk_xrealloc(chain, cap * sizeof *chain);
            }
        }
        chain[n++] = cur;
        cur = cur->kind == STK_EX_GETATTR ? cur->u.getattr.obj : cur->u.index.obj;
    }
    /* steps in source order: step i is chain[n-1-i] */
    stk_value **keys = n ? stk_xcalloc(n, sizeof *keys) : NULL;
    stk_value *v = NULL;
    size_t start = 0;

    if (cur->kind == STK_EX_VARIABLE) {
        stk_value *bound = NULL;
        int any = 0;
        const stk_eval_scope *rs;
        if (lookup_binding(s, cur->u.name, &bound, &any)) {
            v = stk_value_ref(bound);
        } else if ((rs = resolver_scope(s)) != NULL) {
            stk_ref ref = {0};
            stk_ref_step *steps = n ? stk_xcalloc(n, sizeof *steps) : NULL;
            ref.root = cur->u.name;
            ref.root_range = cur->range;
            ref.range = cur->range;
            ref.steps = steps;
            for (size_t i = 0; i < n; i++) {
                const stk_expr *st = chain[n - 1 - i];
                stk_ref_step *rst = &steps[ref.nsteps];
                if (st->kind == STK_EX_GETATTR) {
                    rst->kind = STK_STEP_ATTR;
                    rst->name = st->u.getattr.name;
                    rst->range = attr_range(st);
                } else {
                    keys[i] = ev(st->u.index.key, s, d);
                    stk_value *k = keys[i];
                    if (k->is_null || k->is_unknown || k->marks ||
                        (k->type->kind != STK_TY_STRING && k->type->kind != STK_TY_NUMBER))
                        break;
                    rst->kind = STK_STEP_INDEX;
                    rst->key = k;
                    rst->range = bracket_range(st);
                }
                ref.nsteps++;
                ref.range.end = st->range.end;
            }
            size_t consumed = 0;
            v = rs->resolve(rs->ud, &ref, &consumed, d);
            free(steps);
            if (!v) {
                /* evaluate the remaining keys for their diagnostics */
                for (size_t i = 0; i < n; i++) {
                    const stk_expr *st = chain[n - 1 - i];
                    if (st->kind == STK_EX_INDEX && !keys[i]) keys[i] = ev(st->u.index.key, s, d);
                }
                v = dyn_unknown();
                start = n;
            } else {
                start = consumed > n ? n : consumed;
            }
        } else {
            v = unknown_variable(cur, s, any, d);
        }
    } else {
        v = ev(cur, s, d);
    }

    for (size_t i = start; i < n; i++) {
        const stk_expr *st = chain[n - 1 - i];
        if (st->kind == STK_EX_INDEX && !keys[i]) keys[i] = ev(st->u.index.key, s, d);
        stk_value *next = apply_step(v, st, keys[i], d);
        stk_value_unref(v);
        v = next;
    }
    for (size_t i = 0; i < n; i++)
        if (keys[i]) stk_value_unref(keys[i]);
    free(keys);
    if (chain != small) free(chain);
    return v;
}

/* ------------------------------------------------------------------ */
/* templates                                                           */

stk_value *stk_eval_to_template_string(stk_value *v, char **err)
{
    if (v->is_null) {
        *err = stk_xstrdup("The expression result is null. Cannot include a null value in a string template.");
        return NULL;
    }
    char *cerr = NULL;
    stk_value *sv = stk_value_convert(v, STK_STRING, &cerr);
    if (!sv) {
        *err = stk_xasprintf("Cannot include the given value in a string template: %s%s",
                             cerr ? cerr : "string required", dot(cerr ? cerr : ""));
        free(cerr);
        return NULL;
    }
    free(cerr);
    return sv;
}

static stk_value *eval_template(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    stk_strbuf b = STK_STRBUF_INIT;
    int known = 1, errors = 0;
    unsigned marks = 0;
    for (size_t i = 0; i < e->u.tmpl.n; i++) {
        const stk_expr *part = e->u.tmpl.parts[i];
        size_t before = d->len;
        stk_value *pv = ev(part, s, d);
        if (stk_diags_count(d, STK_DIAG_ERROR) && d->len > before) {
            for (size_t j = before; j < d->len; j++)
                if (d->items[j].severity == STK_DIAG_ERROR) errors = 1;
        }
        if (pv->is_null) {
            stk_diags_error(d, &part->range, "Invalid template interpolation value",
                            "The expression result is null. Cannot include a null value in a string template.");
            errors = 1;
            stk_value_unref(pv);
            continue;
        }
        marks |= stk_value_marks_deep(pv);
        if (pv->is_unknown) {
            known = 0;
            stk_value_unref(pv);
            continue;
        }
        char *err = NULL;
        unsigned dm = 0;
        stk_value *plain = stk_value_unmark_deep(pv, &dm);
        stk_value *sv = stk_eval_to_template_string(plain, &err);
        stk_value_unref(plain);
        if (!sv) {
            stk_diags_error(d, &part->range, "Invalid template interpolation value", "%s", err);
            free(err);
            errors = 1;
            continue;
        }
        if (sv->is_unknown) known = 0;
        else if (known && !errors) stk_strbuf_add(&b, sv->u.str.s, sv->u.str.len);
        stk_value_unref(sv);
    }
    stk_value *res;
    if (!known || errors) res = stk_value_unknown(STK_STRING);
    else res = stk_value_stringn(b.s ? b.s : "", b.len);
    stk_strbuf_free(&b);
    return with_marks(res, marks);
}

/* ------------------------------------------------------------------ */
/* iteration shared by for expressions and template for directives     */

typedef struct {
    stk_value *key, *val;   /* borrowed/new: key is new, val borrowed */
} iter_item;

/* Returns 1 when coll can be iterated (it must be known and non-null). */
static int iterable(const stk_value *coll)
{
    switch (coll->type->kind) {
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: case STK_TY_MAP: case STK_TY_OBJECT:
        return 1;
    default:
        return 0;
    }
}

/* key of the i-th element: index for sequences, key for maps/objects,
   the element itself for sets.  New reference. */
static stk_value *iter_key(const stk_value *coll, size_t i)
{
    switch (coll->type->kind) {
    case STK_TY_MAP: case STK_TY_OBJECT:
        return stk_value_string(stk_value_key(coll, i));
    case STK_TY_SET:
        return stk_value_ref(stk_value_elem(coll, i));
    default:
        return stk_value_int((int64_t)i);
    }
}

/* ------------------------------------------------------------------ */
/* for expressions                                                     */

static stk_value *eval_for(const stk_expr *e, const stk_eval_scope *s, stk_diags *d, int as_template)
{
    const stk_expr *coll_e = e->u.for_.coll;
    stk_value *coll = ev(coll_e, s, d);
    stk_range whole = e->range;
    (void)whole;
    if (coll->is_null) {
        stk_diags_error(d, &coll_e->range, "Iteration over null value",
                        "A null value cannot be used as the collection in a 'for' expression.");
        stk_value_unref(coll);
        return as_template ? stk_value_unknown(STK_STRING) : dyn_unknown();
    }
    if (coll->type->kind == STK_TY_DYNAMIC) {
        unsigned m = coll->marks;
        stk_value_unref(coll);
        return with_marks(as_template ? stk_value_unknown(STK_STRING) : dyn_unknown(), m);
    }
    unsigned marks = coll->marks;
    if (!iterable(coll)) {
        char *fn = friendly_name(coll->type);
        stk_diags_error(d, &coll_e->range, "Iteration over non-iterable value",
                        "A value of type %s cannot be used as the collection in a 'for' expression.", fn);
        free(fn);
        stk_value_unref(coll);
        return as_template ? stk_value_unknown(STK_STRING) : dyn_unknown();
    }
    if (coll->is_unknown) {
        stk_value_unref(coll);
        return with_marks(as_template ? stk_value_unknown(STK_STRING) : dyn_unknown(), marks);
    }

    const char *names[2];
    stk_value *vals[2];
    size_t nb = 0;
    size_t kidx = 0, vidx = 0;
    if (e->u.for_.key_var) { kidx = nb; names[nb++] = e->u.for_.key_var; }
    vidx = nb;
    names[nb++] = e->u.for_.val_var;
    stk_eval_scope child = {0};
    child.parent = s;
    child.bind_names = names;
    child.bind_values = vals;
    child.nbind = nb;

    /* early check of the condition with unknown variables, as HCL does */
    const stk_expr *cond_e = e->u.for_.cond;
    if (cond_e) {
        stk_value *du = dyn_unknown();
        vals[0] = du;
        vals[1] = du;
        size_t before = d->len;
        stk_value *cv = ev(cond_e, &child, d);
        int cond_errors = 0;
        for (size_t j = before; j < d->len; j++)
            if (d->items[j].severity == STK_DIAG_ERROR) cond_errors = 1;
        int bad = 0;
        if (cv->is_null) {
            stk_diags_error(d, &cond_e->range, "Condition is null",
                            "The value of the 'if' clause must not be null.");
            bad = 1;
        } else {
            char *err = NULL;
            stk_value *bv = stk_value_convert(cv, STK_BOOL, &err);
            if (!bv) {
                stk_diags_error(d, &cond_e->range, "Invalid 'for' condition",
                                "The 'if' clause value is invalid: %s%s", err ? err : "a bool is required",
                                dot(err ? err : ""));
                bad = 1;
            } else {
                stk_value_unref(bv);
            }
            free(err);
        }
        stk_value_unref(cv);
        stk_value_unref(du);
        if (bad || cond_errors) {
            stk_value_unref(coll);
            return as_template ? stk_value_unknown(STK_STRING) : dyn_unknown();
        }
    }

    int is_object = e->u.for_.is_object && !as_template;
    size_t n = stk_value_len(coll);
    int known = 1;
    stk_value **outv = n ? stk_xcalloc(n, sizeof *outv) : NULL;
    char **outk = is_object && n ? stk_xcalloc(n, sizeof *outk) : NULL;
    size_t nout = 0;
    /* object for: key -> index + 1 (keys are outk's strings); groups for `...` */
    stk_strmap seen = STK_STRMAP_INIT;
    typedef struct { stk_value **items; size_t n, cap; } group;
    group *groups = is_object && e->u.for_.grouping && n ? stk_xcalloc(n, sizeof *groups) : NULL;
    for (size_t i = 0; i < n; i++) {
        stk_value *k = iter_key(coll, i);
        stk_value *v = stk_value_elem(coll, i);
        vals[kidx] = k;
        vals[vidx] = v;
        if (!e->u.for_.key_var) vals[0] = v;
        if (cond_e) {
            stk_value *inc = ev(cond_e, &child, d);
            if (inc->is_null) {
                if (known)
                    stk_diags_error(d, &cond_e->range, "Invalid 'for' condition",
                                    "The value of the 'if' clause must not be null.");
                known = 0;
                stk_value_unref(inc);
                stk_value_unref(k);
                continue;
            }
            if (inc->is_unknown && inc->type->kind != STK_TY_BOOL && inc->type->kind != STK_TY_DYNAMIC) {
                /* fall through to the conversion check below */
            }
            char *err = NULL;
            stk_value *bv = stk_value_convert(inc, STK_BOOL, &err);
            if (!bv) {
                if (known)
                    stk_diags_error(d, &cond_e->range, "Invalid 'for' condition",
                                    "The 'if' clause value is invalid: %s%s",
                                    err ? err : "a bool is required", dot(err ? err : ""));
                free(err);
                known = 0;
                stk_value_unref(inc);
                stk_value_unref(k);
                continue;
            }
            free(err);
            stk_value_unref(inc);
            if (bv->is_unknown) {
                known = 0;
                stk_value_unref(bv);
                stk_value_unref(k);
                continue;
            }
            marks |= bv->marks;
            int take = bv->u.b;
            stk_value_unref(bv);
            if (!take) {
                stk_value_unref(k);
                continue;
            }
        }
        if (is_object) {
            const stk_expr *ke = e->u.for_.key_expr;
            stk_value *kv = ev(ke, &child, d);
            if (kv->is_null) {
                if (known)
                    stk_diags_error(d, &ke->range, "Invalid object key",
                                    "Key expression in 'for' expression must not produce a null value.");
                known = 0;
                stk_value_unref(kv);
                stk_value_unref(k);
                continue;
            }
            if (kv->is_unknown) {
                known = 0;
                stk_value_unref(kv);
                stk_value_unref(k);
                continue;
            }
            char *err = NULL;
            stk_value *ks = stk_value_convert(kv, STK_STRING, &err);
            stk_value_unref(kv);
            if (!ks) {
                if (known)
                    stk_diags_error(d, &ke->range, "Invalid object key",
                                    "The key expression produced an invalid result: %s%s",
                                    err ? err : "string required", dot(err ? err : ""));
                free(err);
                known = 0;
                stk_value_unref(k);
                continue;
            }
            free(err);
            if (ks->is_unknown) {
                known = 0;
                stk_value_unref(ks);
                stk_value_unref(k);
                continue;
            }
            marks |= ks->marks;
            stk_value *val = ev(e->u.for_.val_expr, &child, d);
            const char *kstr = stk_value_str(ks);
            size_t found = (size_t)(uintptr_t)stk_strmap_get(&seen, kstr);   /* index + 1, 0: new */
            if (e->u.for_.grouping) {
                size_t gi = found ? found - 1 : nout;
                if (!found) {
                    outk[nout] = stk_xstrdup(kstr);
                    stk_strmap_put(&seen, outk[nout], (void *)(uintptr_t)(nout + 1));
                    nout++;
                }
                group *g = &groups[gi];
                if (g->n == g->cap) {
                    g->cap = g->cap ? g->cap * 2 : 4;
                    g->items = stk_xrealloc(g->items, g->cap * sizeof *g->items);
                }
                g->items[g->n++] = val;
            } else if (found) {
                stk_diags_error(d, &ke->range, "Duplicate object key",
                                "Two different items produced the key \"%s\" in this 'for' expression. "
                                "If duplicates are expected, use the ellipsis (...) after the value "
                                "expression to enable grouping by key.", kstr);
                stk_value_unref(val);
            } else {
                outk[nout] = stk_xstrdup(kstr);
                stk_strmap_put(&seen, outk[nout], (void *)(uintptr_t)(nout + 1));
                outv[nout++] = val;
            }
            stk_value_unref(ks);
        } else {
            outv[nout++] = ev(e->u.for_.val_expr, &child, d);
        }
        stk_value_unref(k);
    }
    if (groups) {
        for (size_t j = 0; j < nout; j++) {
            outv[j] = stk_value_tuple(groups[j].items, groups[j].n);
            free(groups[j].items);
        }
        free(groups);
    }
    stk_strmap_free(&seen);
    stk_value *res = NULL;
    if (!known) {
        for (size_t j = 0; j < nout; j++) stk_value_unref(outv[j]);
        res = as_template ? stk_value_unknown(STK_STRING) : dyn_unknown();
    } else if (as_template) {
        /* join the rendered bodies */
        stk_strbuf b = STK_STRBUF_INIT;
        int unknown = 0;
        for (size_t j = 0; j < nout; j++) {
            stk_value *pv = outv[j];
            if (pv->is_null) {
                stk_diags_error(d, &e->range, "Invalid template interpolation value",
                                "An iteration result is null. Cannot include a null value in a string template.");
                continue;
            }
            marks |= stk_value_marks_deep(pv);
            if (pv->is_unknown) { unknown = 1; continue; }
            char *err = NULL;
            unsigned dm = 0;
            stk_value *plain = stk_value_unmark_deep(stk_value_ref(pv), &dm);
            stk_value *sv = stk_eval_to_template_string(plain, &err);
            stk_value_unref(plain);
            if (!sv) {
                stk_diags_error(d, &e->range, "Invalid template interpolation value",
                                "Cannot include one of the interpolation results into the string template.");
                free(err);
                continue;
            }
            stk_strbuf_add(&b, sv->u.str.s, sv->u.str.len);
            stk_value_unref(sv);
        }
        for (size_t j = 0; j < nout; j++) stk_value_unref(outv[j]);
        res = unknown ? stk_value_unknown(STK_STRING) : stk_value_stringn(b.s ? b.s : "", b.len);
        stk_strbuf_free(&b);
    } else if (is_object) {
        res = stk_value_object(outk, outv, nout);
    } else {
        res = stk_value_tuple(outv, nout);
    }
    if (outk) {
        for (size_t j = 0; j < nout; j++) free(outk[j]);
        free(outk);
    }
    free(outv);
    stk_value_unref(coll);
    return with_marks(res, marks);
}

/* ------------------------------------------------------------------ */
/* splat                                                               */

static stk_value *eval_each(const stk_expr *each, const stk_eval_scope *s, stk_value *item, stk_diags *d)
{
    if (!each) return stk_value_ref(item);   /* `x[*]` with nothing after the star */
    stk_eval_scope child = {0};
    child.parent = s;
    child.splat_item = item;
    child.has_splat_item = 1;
    return ev(each, &child, d);
}

static stk_value *eval_splat(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    size_t before = d->len;
    stk_value *src = ev(e->u.splat.source, s, d);
    for (size_t j = before; j < d->len; j++) {
        if (d->items[j].severity == STK_DIAG_ERROR) {
            stk_value_unref(src);
            return dyn_unknown();
        }
    }
    stk_type_kind k = src->type->kind;
    int upgrade = !(k == STK_TY_TUPLE || k == STK_TY_LIST || k == STK_TY_SET);
    if (src->is_null) {
        stk_value_unref(src);
        if (upgrade) return stk_value_empty_tuple();
        stk_diags_error(d, &e->u.splat.source->range, "Splat of null value",
                        "Splat expressions (with the * symbol) cannot be applied to null sequences.");
        return dyn_unknown();
    }
    if (k == STK_TY_DYNAMIC) {
        unsigned m = src->marks;
        stk_value_unref(src);
        return with_marks(dyn_unknown(), m);
    }
    unsigned marks = src->marks;
    if (src->is_unknown) {
        /* the result type is that of `each` applied to an unknown element */
        stk_value *res;
        if (k == STK_TY_LIST || k == STK_TY_SET) {
            stk_value *item = stk_value_unknown(src->type->elem);
            stk_value *r1 = eval_each(e->u.splat.each, s, item, d);
            stk_type *lt = stk_type_list(stk_type_ref(r1->type));
            res = stk_value_unknown(lt);   /* takes its own reference */
            stk_type_unref(lt);
            stk_value_unref(r1);
            stk_value_unref(item);
        } else {
            res = dyn_unknown();
            if (upgrade) {
                stk_value *r1 = eval_each(e->u.splat.each, s, src, d);
                stk_value_unref(r1);
            }
        }
        stk_value_unref(src);
        return with_marks(res, marks);
    }
    size_t n = upgrade ? 1 : stk_value_len(src);
    stk_value **outv = stk_xcalloc(n ? n : 1, sizeof *outv);
    int known = 1;
    for (size_t i = 0; i < n; i++) {
        stk_value *item = upgrade ? src : stk_value_elem(src, i);
        size_t b2 = d->len;
        outv[i] = eval_each(e->u.splat.each, s, item, d);
        for (size_t j = b2; j < d->len; j++)
            if (d->items[j].severity == STK_DIAG_ERROR) known = 0;
    }
    stk_value *res;
    if (!known) {
        for (size_t i = 0; i < n; i++) stk_value_unref(outv[i]);
        res = dyn_unknown();
    } else if (!upgrade && (k == STK_TY_LIST || k == STK_TY_SET)) {
        if (n == 0) {
            stk_value *item = stk_value_unknown(src->type->elem);
            stk_diags tmp = STK_DIAGS_INIT;
            stk_value *r1 = eval_each(e->u.splat.each, s, item, &tmp);
            stk_diags_free(&tmp);
            res = stk_value_list(r1->type, NULL, 0);
            stk_value_unref(r1);
            stk_value_unref(item);
        } else {
            stk_type **tys = stk_xmalloc(n * sizeof *tys);
            for (size_t i = 0; i < n; i++) tys[i] = outv[i]->type;
            stk_type *u = stk_type_unify(tys, n);
            free(tys);
            if (u) {
                char *err = NULL;
                int ok = 1;
                for (size_t i = 0; i < n && ok; i++) {
                    stk_value *c = stk_value_convert(outv[i], u, &err);
                    if (!c) { ok = 0; free(err); err = NULL; break; }
                    stk_value_unref(outv[i]);
                    outv[i] = c;
                }
                res = ok ? stk_value_list(u, outv, n) : stk_value_tuple(outv, n);
                stk_type_unref(u);
            } else {
                res = stk_value_tuple(outv, n);
            }
        }
        res = with_marks(res, marks);
    } else {
        res = with_marks(stk_value_tuple(outv, n), marks);
    }
    free(outv);
    stk_value_unref(src);
    return res;
}

/* ------------------------------------------------------------------ */
/* operators                                                           */

static stk_value *num_result(double dv) { return stk_value_number(dv); }

/* Arithmetic on two known, non-null numbers.  Sets *err for 0/0. */
static stk_value *arith(stk_op op, const stk_value *a, const stk_value *b, const char **err)
{
    int ints = a->is_int && b->is_int;
    int64_t x = a->u.num.i, y = b->u.num.i, r;
    double da = a->u.num.d, db = b->u.num.d;
    switch (op) {
    case STK_OP_ADD:
        if (ints && !__builtin_add_overflow(x, y, &r)) return stk_value_int(r);
        return num_result(da + db);
    case STK_OP_SUB:
        if (ints && !__builtin_sub_overflow(x, y, &r)) return stk_value_int(r);
        return num_result(da - db);
    case STK_OP_MUL:
        if (ints && !__builtin_mul_overflow(x, y, &r)) return stk_value_int(r);
        return num_result(da * db);
    case STK_OP_DIV:
        if (db == 0) {
            if (da == 0 || isinf(da)) {
                *err = "can't divide zero by zero or infinity by infinity";
                return NULL;
            }
            return num_result(da > 0 ? INFINITY : -INFINITY);
        }
        if (isinf(da) && isinf(db)) {
            *err = "can't divide zero by zero or infinity by infinity";
            return NULL;
        }
        if (ints && y != 0 && !(x == INT64_MIN && y == -1) && x % y == 0) return stk_value_int(x / y);
        return num_result(da / db);
    case STK_OP_MOD:
        if (isinf(da) || isinf(db)) return num_result(da * db);
        if (db == 0) return stk_value_ref((stk_value *)a);
        if (ints) {
            if (y == -1) return stk_value_int(0);
            return stk_value_int(x % y);
        }
        return num_result(fmod(da, db));
    default:
        *err = "unsupported operator";
        return NULL;
    }
}

static int num_cmp(const stk_value *a, const stk_value *b)
{
    if (a->is_int && b->is_int) return a->u.num.i < b->u.num.i ? -1 : a->u.num.i > b->u.num.i;
    double x = a->u.num.d, y = b->u.num.d;
    return x < y ? -1 : x > y;
}

static stk_type *op_param_type(stk_op op)
{
    switch (op) {
    case STK_OP_OR: case STK_OP_AND: case STK_OP_NOT: return STK_BOOL;
    case STK_OP_EQ: case STK_OP_NE: return STK_DYNAMIC;
    default: return STK_NUMBER;
    }
}

static stk_type *op_result_type(stk_op op)
{
    switch (op) {
    case STK_OP_ADD: case STK_OP_SUB: case STK_OP_MUL: case STK_OP_DIV: case STK_OP_MOD:
    case STK_OP_NEG:
        return STK_NUMBER;
    default:
        return STK_BOOL;
    }
}

static int has_errors_from(const stk_diags *d, size_t from)
{
    for (size_t j = from; j < d->len; j++)
        if (d->items[j].severity == STK_DIAG_ERROR) return 1;
    return 0;
}

static stk_value *convert_operand(stk_value *v, stk_type *want, const char *side, const stk_expr *ex,
                                  stk_diags *d)
{
    if (want->kind == STK_TY_DYNAMIC) return stk_value_ref(v);
    char *err = NULL;
    stk_value *c = stk_value_convert(v, want, &err);
    if (!c) {
        stk_diags_error(d, &ex->range, "Invalid operand", "Unsuitable value for %s operand: %s%s", side,
                        err ? err : (want == STK_BOOL ? "a bool is required" : "a number is required"),
                        dot(err ? err : ""));
    }
    free(err);
    return c;
}

/* One binary operation whose left operand is already evaluated: lv (taken
   over) with its diagnostics ld (emptied); the result's diagnostics go to d. */
static stk_value *binary_with_lhs(const stk_expr *e, stk_value *lv, stk_diags *ld_in,
                                  const stk_eval_scope *s, stk_diags *d)
{
    stk_op op = e->u.binary.op;
    stk_type *pt = op_param_type(op);
    stk_type *rt = op_result_type(op);
    stk_diags ld = STK_DIAGS_INIT, rd = STK_DIAGS_INIT, cd = STK_DIAGS_INIT;
    stk_diags_append(&ld, ld_in);
    stk_value *rv = ev(e->u.binary.rhs, s, &rd);
    stk_value *l = convert_operand(lv, pt, "left", e->u.binary.lhs, &cd);
    stk_value *r = convert_operand(rv, pt, "right", e->u.binary.rhs, &cd);
    stk_value_unref(lv);
    stk_value_unref(rv);
    stk_value *res = NULL;
    if (!l || !r) {
        stk_diags_append(d, &cd);
        stk_diags_append(d, &ld);
        stk_diags_append(d, &rd);
        res = stk_value_unknown(rt);
        goto done;
    }
    unsigned marks = stk_value_marks_deep(l) | stk_value_marks_deep(r);

    if (op == STK_OP_AND || op == STK_OP_OR) {
        int lk = !l->is_unknown && !l->is_null, rk = !r->is_unknown && !r->is_null;
        int ctrl = op == STK_OP_OR;   /* the controlling value: true for ||, false for && */
        stk_value *forced = NULL;
        stk_diags *keep = NULL;
        if (l->is_unknown && r->is_unknown) {
            if (!stk_diags_has_errors(&ld)) { forced = stk_value_unknown(STK_BOOL); keep = &ld; }
        } else if (lk && l->u.b == ctrl) {
            forced = stk_value_bool(ctrl); keep = &ld;
        } else if (rk && r->u.b == ctrl) {
            forced = stk_value_bool(ctrl); keep = &rd;
        } else if (l->is_unknown && rk && r->u.b != ctrl) {
            forced = stk_value_unknown(STK_BOOL); keep = &ld;
        } else if (r->is_unknown && lk && l->u.b != ctrl) {
            forced = stk_value_unknown(STK_BOOL); keep = &rd;
        }
        if (forced) {
            stk_diags_append(d, keep);
            res = with_marks(forced, marks);
            goto done;
        }
    }
    int operand_errors = stk_diags_has_errors(&ld) || stk_diags_has_errors(&rd);
    stk_diags_append(d, &ld);
    stk_diags_append(d, &rd);
    if (operand_errors) {
        /* HCL: don't run the operation after errors in the operands */
        res = with_marks(stk_value_unknown(rt), marks);
        goto done;
    }
    if ((l->is_unknown || r->is_unknown) && op != STK_OP_EQ && op != STK_OP_NE) {
        res = with_marks(stk_value_unknown(rt), marks);
        goto done;
    }
    if (op == STK_OP_EQ || op == STK_OP_NE) {
        unsigned m1 = 0, m2 = 0;
        stk_value *ul = stk_value_unmark_deep(stk_value_ref(l), &m1);
        stk_value *ur = stk_value_unmark_deep(stk_value_ref(r), &m2);
        stk_value *eq = stk_value_equals(ul, ur);
        stk_value_unref(ul);
        stk_value_unref(ur);
        if (!eq->is_unknown && op == STK_OP_NE) {
            stk_value *neg = stk_value_bool(!eq->u.b);
            stk_value_unref(eq);
            eq = neg;
        }
        res = with_marks(eq, marks);
        goto done;
    }
    if (l->is_null || r->is_null) {
        stk_diags_error(d, &e->range, "Operation failed",
                        "Error during operation: argument must not be null.");
        res = stk_value_unknown(rt);
        goto done;
    }
    switch (op) {
    case STK_OP_AND: res = stk_value_bool(l->u.b && r->u.b); break;
    case STK_OP_OR: res = stk_value_bool(l->u.b || r->u.b); break;
    case STK_OP_LT: res = stk_value_bool(num_cmp(l, r) < 0); break;
    case STK_OP_LE: res = stk_value_bool(num_cmp(l, r) <= 0); break;
    case STK_OP_GT: res = stk_value_bool(num_cmp(l, r) > 0); break;
    case STK_OP_GE: res = stk_value_bool(num_cmp(l, r) >= 0); break;
    default: {
        const char *err = NULL;
        res = arith(op, l, r, &err);
        if (!res) {
            stk_diags_error(d, &e->range, "Operation failed", "Error during operation: %s.", err);
            res = stk_value_unknown(rt);
            goto done;
        }
    }
    }
    res = with_marks(res, marks);
done:
    if (l) stk_value_unref(l);
    if (r) stk_value_unref(r);
    stk_diags_free(&ld);
    stk_diags_free(&rd);
    stk_diags_free(&cd);
    return res;
}

/* A chain a + b - c ... is a left-deep tree as long as the source: walk its
   left spine iteratively so a long chain costs no stack. */
static stk_value *eval_binary(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    const stk_expr *small[32];
    const stk_expr **spine = small;
    size_t n = 0, cap = 32;
    const stk_expr *cur = e;
    while (cur->kind == STK_EX_BINARY) {
        if (n == cap) {
            cap *= 2;
            if (spine == small) {
                spine = stk_xmalloc(cap * sizeof *spine);
                memcpy(spine, small, sizeof small);
            } else {
                spine = stk_xrealloc(spine, cap * sizeof *spine);
            }
        }
        spine[n++] = cur;
        cur = cur->u.binary.lhs;
    }
    stk_diags ld = STK_DIAGS_INIT;
    stk_value *v = ev(cur, s, &ld);
    while (n-- > 0) {
        stk_diags out = STK_DIAGS_INIT;
        v = binary_with_lhs(spine[n], v, &ld, s, &out);
        stk_diags_free(&ld);
        ld = out;
    }
    stk_diags_append(d, &ld);
    if (spine != small) free(spine);
    return v;
}

static stk_value *eval_unary(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    stk_op op = e->u.unary.op;
    size_t before = d->len;
    stk_value *v = ev(e->u.unary.operand, s, d);
    stk_type *want = op == STK_OP_NOT ? STK_BOOL : STK_NUMBER;
    stk_value *c = convert_operand(v, want, "unary", e->u.unary.operand, d);
    stk_value_unref(v);
    if (!c || has_errors_from(d, before)) {
        if (c) stk_value_unref(c);
        return stk_value_unknown(want);
    }
    unsigned marks = stk_value_marks_deep(c);
    stk_value *res;
    if (c->is_unknown) {
        res = stk_value_unknown(want);
    } else if (c->is_null) {
        stk_diags_error(d, &e->range, "Operation failed", "Error during operation: argument must not be null.");
        stk_value_unref(c);
        return stk_value_unknown(want);
    } else if (op == STK_OP_NOT) {
        res = stk_value_bool(!c->u.b);
    } else if (c->is_int && c->u.num.i != INT64_MIN) {
        res = stk_value_int(-c->u.num.i);
    } else {
        res = stk_value_number(-c->u.num.d);
    }
    stk_value_unref(c);
    return with_marks(res, marks);
}

/* ------------------------------------------------------------------ */
/* conditionals                                                        */

static void describe_mismatch(stk_strbuf *b, const stk_type *t, const stk_type *f)
{
    if (t->kind == STK_TY_OBJECT && f->kind == STK_TY_OBJECT) {
        for (size_t i = 0; i < t->n; i++) {
            stk_type *fa = stk_type_attr(f, t->names[i]);
            if (!fa) {
                stk_strbuf_printf(b, "The 'true' value includes object attribute \"%s\", which is absent in the 'false' value",
                                  t->names[i]);
                return;
            }
            if (!stk_type_equal(t->types[i], fa)) {
                stk_strbuf_printf(b, "Type mismatch for object attribute \"%s\": ", t->names[i]);
                describe_mismatch(b, t->types[i], fa);
                return;
            }
        }
        for (size_t i = 0; i < f->n; i++) {
            if (!stk_type_attr(t, f->names[i])) {
                stk_strbuf_printf(b, "The 'false' value includes object attribute \"%s\", which is absent in the 'true' value",
                                  f->names[i]);
                return;
            }
        }
    } else if (t->kind == STK_TY_TUPLE && f->kind == STK_TY_TUPLE) {
        if (t->n != f->n) {
            stk_strbuf_printf(b, "The 'true' tuple has length %zu, but the 'false' tuple has length %zu", t->n, f->n);
            return;
        }
        for (size_t i = 0; i < t->n; i++) {
            if (!stk_type_equal(t->types[i], f->types[i])) {
                stk_strbuf_printf(b, "Type mismatch for tuple element %zu: ", i);
                describe_mismatch(b, t->types[i], f->types[i]);
                return;
            }
        }
    } else if (t->kind == f->kind && stk_type_is_collection(t) &&
               ((t->elem->kind == STK_TY_OBJECT && f->elem->kind == STK_TY_OBJECT) ||
                (t->elem->kind == STK_TY_TUPLE && f->elem->kind == STK_TY_TUPLE))) {
        stk_strbuf_printf(b, "Mismatched %s element types: ",
                          t->kind == STK_TY_LIST ? "list" : t->kind == STK_TY_SET ? "set" : "map");
        describe_mismatch(b, t->elem, f->elem);
        return;
    }
    char *tn = friendly_name(t), *fn = friendly_name(f);
    if (strcmp(tn, fn) == 0)
        stk_strbuf_puts(b, "At least one deeply-nested attribute or element is not compatible across "
                           "both the 'true' and the 'false' value");
    else
        stk_strbuf_printf(b, "The 'true' value is %s, but the 'false' value is %s", tn, fn);
    free(tn);
    free(fn);
}

static stk_value *eval_conditional(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    const stk_expr *ce = e->u.cond.cond, *te = e->u.cond.then_, *fe = e->u.cond.else_;
    stk_diags td = STK_DIAGS_INIT, fd = STK_DIAGS_INIT;
    stk_value *tv = ev(te, s, &td);
    stk_value *fv = ev(fe, s, &fd);
    stk_type *rt;
    int tnull_dyn = tv->is_null && tv->type->kind == STK_TY_DYNAMIC;
    int fnull_dyn = fv->is_null && fv->type->kind == STK_TY_DYNAMIC;
    if (tnull_dyn) rt = stk_type_ref(fv->type);
    else if (fnull_dyn) rt = stk_type_ref(tv->type);
    else if (tv->type->kind == STK_TY_DYNAMIC || fv->type->kind == STK_TY_DYNAMIC) rt = STK_DYNAMIC;
    else {
        stk_type *tys[2] = {tv->type, fv->type};
        rt = stk_type_unify(tys, 2);
    }
    stk_value *res = NULL;
    if (!rt) {
        stk_strbuf b = STK_STRBUF_INIT;
        describe_mismatch(&b, tv->type, fv->type);
        stk_range r = range_between(te->range, fe->range);
        stk_diags_error(d, &r, "Inconsistent conditional result types",
                        "The true and false result expressions must have consistent types. %s.",
                        stk_strbuf_cstr(&b));
        stk_strbuf_free(&b);
        res = dyn_unknown();
        goto done;
    }
    stk_value *cv = ev(ce, s, d);
    if (cv->is_null) {
        stk_diags_error(d, &ce->range, "Null condition",
                        "The condition value is null. Conditions must either be true or false.");
        stk_value_unref(cv);
        res = stk_value_unknown(rt);
        goto done;
    }
    char *err = NULL;
    stk_value *cb = stk_value_convert(cv, STK_BOOL, &err);
    free(err);
    unsigned cmarks = stk_value_marks_deep(cv);
    stk_value_unref(cv);
    if (!cb) {
        stk_diags_error(d, &ce->range, "Incorrect condition type",
                        "The condition expression must be of type bool.");
        res = stk_value_unknown(rt);
        goto done;
    }
    if (cb->is_unknown) {
        stk_value_unref(cb);
        stk_diags_append(d, &td);
        stk_diags_append(d, &fd);
        res = with_marks(stk_value_unknown(rt), cmarks | stk_value_marks_deep(tv) | stk_value_marks_deep(fv));
        goto done;
    }
    int which = cb->u.b;
    stk_value_unref(cb);
    stk_value *chosen = which ? tv : fv;
    const stk_expr *chosen_e = which ? te : fe;
    stk_diags_append(d, which ? &td : &fd);
    if (rt->kind == STK_TY_DYNAMIC || stk_type_equal(rt, chosen->type)) {
        res = stk_value_ref(chosen);
    } else {
        char *cerr = NULL;
        res = stk_value_convert(chosen, rt, &cerr);
        if (!res) {
            stk_diags_error(d, &chosen_e->range, "Inconsistent conditional result types",
                            "The %s result value has the wrong type: %s%s", which ? "true" : "false",
                            cerr ? cerr : "", dot(cerr ? cerr : ""));
            res = stk_value_unknown(rt);
        }
        free(cerr);
    }
    res = with_marks(res, cmarks);
done:
    if (rt) stk_type_unref(rt);
    stk_value_unref(tv);
    stk_value_unref(fv);
    stk_diags_free(&td);
    stk_diags_free(&fd);
    return res;
}

static stk_value *eval_template_if(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    const stk_expr *ce = e->u.cond.cond;
    stk_value *cv = ev(ce, s, d);
    if (cv->is_null) {
        stk_diags_error(d, &ce->range, "Null condition",
                        "The condition value is null. Conditions must either be true or false.");
        stk_value_unref(cv);
        return stk_value_unknown(STK_STRING);
    }
    char *err = NULL;
    stk_value *cb = stk_value_convert(cv, STK_BOOL, &err);
    free(err);
    unsigned m = stk_value_marks_deep(cv);
    stk_value_unref(cv);
    if (!cb) {
        stk_diags_error(d, &ce->range, "Incorrect condition type",
                        "The condition expression must be of type bool.");
        return stk_value_unknown(STK_STRING);
    }
    if (cb->is_unknown) {
        stk_value_unref(cb);
        /* still check both branches */
        stk_value *a = ev(e->u.cond.then_, s, d);
        stk_value_unref(a);
        if (e->u.cond.else_) {
            stk_value *b = ev(e->u.cond.else_, s, d);
            stk_value_unref(b);
        }
        return with_marks(stk_value_unknown(STK_STRING), m);
    }
    int which = cb->u.b;
    stk_value_unref(cb);
    const stk_expr *br = which ? e->u.cond.then_ : e->u.cond.else_;
    if (!br) return with_marks(stk_value_string(""), m);
    return with_marks(ev(br, s, d), m);
}

/* ------------------------------------------------------------------ */
/* tuple and object constructors                                       */

static stk_value *eval_tuple(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    size_t n = e->u.tuple.n;
    if (!n) return stk_value_empty_tuple();
    stk_value **items = stk_xmalloc(n * sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = ev(e->u.tuple.items[i], s, d);
    stk_value *res = stk_value_tuple(items, n);
    free(items);
    return res;
}

static stk_value *eval_object(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    size_t n = e->u.object.n;
    if (!n) return stk_value_empty_object();
    char **keys = stk_xcalloc(n, sizeof *keys);
    stk_value **vals = stk_xcalloc(n, sizeof *vals);
    size_t nout = 0;
    int known = 1;
    unsigned marks = 0;
    stk_strmap seen = STK_STRMAP_INIT;   /* key -> index + 1 */
    for (size_t i = 0; i < n; i++) {
        const stk_expr *ke = e->u.object.items[i].key;
        const stk_expr *ve = e->u.object.items[i].value;
        stk_value *kv;
        size_t before = d->len;
        if (ke->kind == STK_EX_VARIABLE) {
            kv = stk_value_string(ke->u.name);
        } else if (ke->kind == STK_EX_GETATTR || ke->kind == STK_EX_INDEX) {
            /* a naked multi-step traversal is ambiguous */
            const stk_expr *base = ke;
            while (base->kind == STK_EX_GETATTR || base->kind == STK_EX_INDEX)
                base = base->kind == STK_EX_GETATTR ? base->u.getattr.obj : base->u.index.obj;
            if (base->kind == STK_EX_VARIABLE) {
                stk_diags_error(d, &ke->range, "Ambiguous attribute key",
                                "If this expression is intended to be a reference, wrap it in parentheses. "
                                "If it's instead intended as a literal name containing periods, wrap it in "
                                "quotes to create a string literal.");
                kv = dyn_unknown();
            } else {
                kv = ev(ke, s, d);
            }
        } else {
            kv = ev(ke, s, d);
        }
        stk_value *vv = ev(ve, s, d);
        if (has_errors_from(d, before) && kv->is_unknown) {
            known = 0;
            stk_value_unref(kv);
            stk_value_unref(vv);
            continue;
        }
        if (kv->is_null) {
            stk_diags_error(d, &ve->range, "Null value as key", "Can't use a null value as a key.");
            known = 0;
            stk_value_unref(kv);
            stk_value_unref(vv);
            continue;
        }
        marks |= kv->marks;
        char *err = NULL;
        stk_value *ks = stk_value_convert(kv, STK_STRING, &err);
        stk_value_unref(kv);
        if (!ks) {
            stk_diags_error(d, &ke->range, "Incorrect key type", "Can't use this value as a key: %s%s",
                            err ? err : "string required", dot(err ? err : ""));
            free(err);
            known = 0;
            stk_value_unref(vv);
            continue;
        }
        free(err);
        if (ks->is_unknown) {
            known = 0;
            stk_value_unref(ks);
            stk_value_unref(vv);
            continue;
        }
        /* duplicate keys: the last one wins, as in HCL's native syntax */
        size_t j = (size_t)(uintptr_t)stk_strmap_get(&seen, stk_value_str(ks));   /* index + 1 */
        if (j) {
            stk_value_unref(vals[j - 1]);
            vals[j - 1] = vv;
        } else {
            keys[nout] = stk_xstrdup(stk_value_str(ks));
            stk_strmap_put(&seen, keys[nout], (void *)(uintptr_t)(nout + 1));
            vals[nout++] = vv;
        }
        stk_value_unref(ks);
    }
    stk_value *res;
    if (!known) {
        for (size_t j = 0; j < nout; j++) stk_value_unref(vals[j]);
        res = dyn_unknown();
    } else {
        res = with_marks(stk_value_object(keys, vals, nout), marks);
    }
    stk_strmap_free(&seen);
    for (size_t j = 0; j < nout; j++) free(keys[j]);
    free(keys);
    free(vals);
    return res;
}

/* ------------------------------------------------------------------ */
/* function calls, try() and can()                                     */

/* templatefile() renders with the function context of the call in
   progress on this thread. */
static _Thread_local const stk_func_ctx *tl_call_ctx;
static _Thread_local int tl_template_depth;

/* The name of parameter i from a signature
   "join(separator string, ...lists list of string) string"; past the end,
   the last (variadic) parameter. */
static char *param_name(const stk_func *f, size_t i)
{
    const char *p = f->signature ? strchr(f->signature, '(') : NULL;
    if (!p) return stk_xasprintf("arg%zu", i + 1);
    p++;
    const char *last = NULL;
    size_t lastn = 0;
    for (size_t k = 0; *p && *p != ')'; k++) {
        while (*p == ' ') p++;
        if (strncmp(p, "...", 3) == 0) p += 3;
        const char *start = p;
        while (*p && *p != ' ' && *p != ',' && *p != ')') p++;
        size_t len = (size_t)(p - start);
        if (len) { last = start; lastn = len; }
        if (k == i && len) return stk_xstrndup(start, len);
        int depth = 0;
        while (*p && !(depth == 0 && (*p == ',' || *p == ')'))) {
            if (*p == '(') depth++;
            if (*p == ')') depth--;
            p++;
        }
        if (*p == ',') p++;
    }
    if (last) return stk_xstrndup(last, lastn);
    return stk_xasprintf("arg%zu", i + 1);
}

static stk_range call_start_range(const stk_expr *e)
{
    stk_range r = e->u.call.name_range;
    if (!r.filename) r = e->range;
    r.end = r.start;
    r.end.col += (int)strlen(e->u.call.name) + 1;
    r.end.byte += strlen(e->u.call.name) + 1;
    return r;
}

static stk_range close_paren_range(const stk_expr *e)
{
    stk_range r = e->range;
    if (r.end.col > 1) { r.start = r.end; r.start.col--; r.start.byte--; }
    return r;
}

static const char *const all_func_names_fallback[] = {"try", "can"};

static stk_value *call_unknown_function(const stk_expr *e, stk_diags *d)
{
    size_t n = 0;
    const stk_func *const *all = stk_func_all(&n);
    const char **names = stk_xmalloc((n + 2) * sizeof *names);
    size_t k = 0;
    for (size_t i = 0; i < n && all[i]; i++) names[k++] = all[i]->name;
    names[k++] = all_func_names_fallback[0];
    names[k++] = all_func_names_fallback[1];
    const char *sug = suggest(e->u.call.name, names, k);
    stk_range r = e->u.call.name_range.filename ? e->u.call.name_range : e->range;
    if (sug)
        stk_diags_error(d, &r, "Call to unknown function", "There is no function named \"%s\". Did you mean \"%s\"?",
                        e->u.call.name, sug);
    else
        stk_diags_error(d, &r, "Call to unknown function", "There is no function named \"%s\".", e->u.call.name);
    free(names);
    return dyn_unknown();
}

static stk_value *eval_try(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    if (e->u.call.nargs == 0) {
        stk_range r = call_start_range(e);
        stk_diags_error(d, &r, "Error in function call",
                        "Call to function \"try\" failed: at least one argument is required.");
        return dyn_unknown();
    }
    stk_strbuf why = STK_STRBUF_INIT;
    for (size_t i = 0; i < e->u.call.nargs; i++) {
        stk_diags ad = STK_DIAGS_INIT;
        stk_value *v = ev(e->u.call.args[i], s, &ad);
        if (!stk_diags_has_errors(&ad)) {
            stk_diags_append(d, &ad);   /* warnings */
            stk_strbuf_free(&why);
            if (!stk_value_is_known_deep(v)) {
                unsigned m = stk_value_marks_deep(v);
                stk_value_unref(v);
                return with_marks(dyn_unknown(), m);
            }
            return v;
        }
        for (size_t j = 0; j < ad.len; j++) {
            const stk_diag *g = &ad.items[j];
            if (g->severity != STK_DIAG_ERROR) continue;
            if (g->filename)
                stk_strbuf_printf(&why, "\n- %s (at %s:%d,%d-%d)", g->summary, g->filename, g->subject.start.line,
                                  g->subject.start.col, g->subject.end.col);
            else
                stk_strbuf_printf(&why, "\n- %s", g->summary);
            if (g->detail) stk_strbuf_printf(&why, "\n  %s", g->detail);
        }
        stk_diags_free(&ad);
        stk_value_unref(v);
    }
    stk_range r = call_start_range(e);
    stk_diags_error(d, &r, "Error in function call",
                    "Call to function \"try\" failed: no expression succeeded:%s\n\n"
                    "At least one expression must produce a successful result.",
                    stk_strbuf_cstr(&why));
    stk_strbuf_free(&why);
    return dyn_unknown();
}

static stk_value *eval_can(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    if (e->u.call.nargs != 1) {
        if (e->u.call.nargs == 0) {
            stk_range r = close_paren_range(e);
            stk_diags_error(d, &r, "Not enough function arguments",
                            "Function \"can\" expects 1 argument(s). Missing value for \"expression\".");
        } else {
            stk_diags_error(d, &e->u.call.args[1]->range, "Too many function arguments",
                            "Function \"can\" expects only 1 argument(s).");
        }
        return dyn_unknown();
    }
    stk_diags ad = STK_DIAGS_INIT;
    stk_value *v = ev(e->u.call.args[0], s, &ad);
    int failed = stk_diags_has_errors(&ad);
    stk_value *res;
    if (failed) res = stk_value_bool(0);
    else if (!stk_value_is_known_deep(v)) res = stk_value_unknown(STK_BOOL);
    else res = stk_value_bool(1);
    if (!failed) stk_diags_append(d, &ad);
    stk_diags_free(&ad);
    stk_value_unref(v);
    return res;
}

/* functions that handle marks themselves (sensitive, nonsensitive, ...) */
static int marks_aware(const stk_func *f)
{
    return (f->flags & STK_FUNC_MARKS_OK) != 0;
}

static stk_value *eval_call(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    const char *name = e->u.call.name;
    const stk_func_ctx *fctx = scope_funcs(s);
    if (!fctx) {
        stk_diags_error(d, &e->range, "Function calls not allowed", "Functions may not be called here.");
        return dyn_unknown();
    }
    if (strcmp(name, "try") == 0) return eval_try(e, s, d);
    if (strcmp(name, "can") == 0) return eval_can(e, s, d);
    const stk_func *f = stk_func_lookup(name);
    if (!f) return call_unknown_function(e, d);

    /* As HCL: the expanding final argument is evaluated first, then the
       argument count is checked, then the other arguments are evaluated
       (so a call with the wrong arity reports only that). */
    size_t nexpr = e->u.call.nargs;
    size_t nfixed = e->u.call.expand_final && nexpr ? nexpr - 1 : nexpr;
    size_t cap = nexpr + 4, n = 0;
    stk_value **args = stk_xcalloc(cap, sizeof *args);
    const stk_expr **arg_e = stk_xcalloc(cap, sizeof *arg_e);
    size_t before = d->len;
    int fail = 0;
    for (size_t i = 0; i < nfixed; i++) arg_e[n++] = e->u.call.args[i];   /* values come later */
    if (nfixed < nexpr) {
        const stk_expr *ae = e->u.call.args[nfixed];
        stk_value *v = ev(ae, s, d);
        stk_type_kind k = v->type->kind;
        if (has_errors_from(d, before)) {
            fail = 1;
        } else if (k == STK_TY_DYNAMIC) {
            if (v->is_null)
                stk_diags_error(d, &ae->range, "Invalid expanding argument value",
                                "The expanding argument (indicated by ...) must not be null.");
            fail = 1;
        } else if (k == STK_TY_TUPLE || k == STK_TY_LIST || k == STK_TY_SET) {
            if (v->is_null) {
                stk_diags_error(d, &ae->range, "Invalid expanding argument value",
                                "The expanding argument (indicated by ...) must not be null.");
                fail = 1;
            } else if (v->is_unknown) {
                fail = 1;
            } else {
                unsigned m = v->marks;
                size_t len = stk_value_len(v);
                if (n + len > cap) {
                    size_t old = cap;
                    cap = n + len + 1;
                    args = stk_xrealloc(args, cap * sizeof *args);
                    arg_e = stk_xrealloc(arg_e, cap * sizeof *arg_e);
                    memset(args + old, 0, (cap - old) * sizeof *args);
                }
                for (size_t j = 0; j < len; j++) {
                    args[n] = with_marks(stk_value_ref(stk_value_elem(v, j)), m);
                    arg_e[n++] = ae;
                }
            }
        } else {
            stk_diags_error(d, &ae->range, "Invalid expanding argument value",
                            "The expanding argument (indicated by ...) must be of a tuple, list, or set type.");
            fail = 1;
        }
        stk_value_unref(v);
    }
    stk_value *res = NULL;
    if (fail) {
        res = dyn_unknown();
        goto out;
    }
    if ((int)n < f->min_args) {
        char *pn = param_name(f, n);
        stk_range r = close_paren_range(e);
        stk_diags_error(d, &r, "Not enough function arguments",
                        "Function \"%s\" expects%s %d argument(s). Missing value for \"%s\".", name,
                        f->max_args != f->min_args ? " at least" : "", f->min_args, pn);
        free(pn);
        res = dyn_unknown();
        goto out;
    }
    if (f->max_args >= 0 && (int)n > f->max_args) {
        stk_diags_error(d, &arg_e[f->max_args]->range, "Too many function arguments",
                        "Function \"%s\" expects only %d argument(s).", name, f->max_args);
        res = dyn_unknown();
        goto out;
    }
    for (size_t i = 0; i < nfixed; i++) args[i] = ev(arg_e[i], s, d);
    if (has_errors_from(d, before)) {
        res = dyn_unknown();
        goto out;
    }
    unsigned marks = 0;
    if (!marks_aware(f)) {
        for (size_t i = 0; i < n; i++) {
            unsigned m = 0;
            args[i] = stk_value_unmark_deep(args[i], &m);
            marks |= m;
        }
    }
    if (!(f->flags & STK_FUNC_UNKNOWN_OK)) {
        for (size_t i = 0; i < n; i++) {
            if (!stk_value_is_known_deep(args[i])) {
                res = with_marks(dyn_unknown(), marks);
                goto out;
            }
        }
    }
    if ((f->flags & STK_FUNC_IMPURE) && fctx->deterministic) {
        res = with_marks(dyn_unknown(), marks);
        goto out;
    }
    {
        char *err = NULL;
        int err_arg = -1;
        const stk_func_ctx *saved = tl_call_ctx;
        tl_call_ctx = fctx;
        res = f->impl(fctx, args, n, &err, &err_arg);
        tl_call_ctx = saved;
        if (!res) {
            const char *msg = err ? err : "unknown error";
            if (err_arg >= 0 && (size_t)err_arg < n) {
                char *pn = param_name(f, (size_t)err_arg);
                stk_diags_error(d, &arg_e[err_arg]->range, "Invalid function argument",
                                "Invalid value for \"%s\" parameter: %s%s", pn, msg, dot(msg));
                free(pn);
            } else {
                stk_range r = call_start_range(e);
                stk_diags_error(d, &r, "Error in function call", "Call to function \"%s\" failed: %s%s", name,
                                msg, dot(msg));
            }
            free(err);
            res = dyn_unknown();
            goto out;
        }
        free(err);
        res = with_marks(res, marks);
    }
out:
    for (size_t i = 0; i < n; i++)
        if (args[i]) stk_value_unref(args[i]);
    free(args);
    free(arg_e);
    return res;
}

/* ------------------------------------------------------------------ */
/* the dispatcher                                                      */

/* Nesting the parser cannot bound (a ? b : c ? d : ..., !!!!x, splat and
   for bodies) is limited here so that a hostile input cannot exhaust the
   stack; chains of binary operators do not count (see eval_binary). */
enum { MAX_DEPTH = 1000 };
static _Thread_local int tl_depth;

static stk_value *ev_node(const stk_expr *e, const stk_eval_scope *s, stk_diags *d);

static stk_value *ev(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    if (!e) return dyn_unknown();
    if (tl_depth >= MAX_DEPTH) {
        stk_diags_error(d, &e->range, "Expression too deeply nested",
                        "This expression nests more than %d levels deep; split it into locals.", MAX_DEPTH);
        return dyn_unknown();
    }
    tl_depth++;
    stk_value *v = ev_node(e, s, d);
    tl_depth--;
    return v;
}

static stk_value *ev_node(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    switch (e->kind) {
    case STK_EX_LITERAL:
        return e->u.literal ? stk_value_ref(e->u.literal) : stk_value_null(NULL);
    case STK_EX_TEMPLATE:
        return eval_template(e, s, d);
    case STK_EX_TEMPLATE_WRAP:
    case STK_EX_PAREN:
        return ev(e->u.wrapped, s, d);
    case STK_EX_TEMPLATE_IF:
        return eval_template_if(e, s, d);
    case STK_EX_TEMPLATE_FOR:
        return eval_for(e, s, d, 1);
    case STK_EX_VARIABLE:
    case STK_EX_GETATTR:
    case STK_EX_INDEX:
        return eval_traversal(e, s, d);
    case STK_EX_SPLAT:
        return eval_splat(e, s, d);
    case STK_EX_SPLAT_ITEM: {
        const stk_eval_scope *ss = splat_scope(s);
        if (!ss || !ss->splat_item) return dyn_unknown();
        return stk_value_ref(ss->splat_item);
    }
    case STK_EX_CALL:
        return eval_call(e, s, d);
    case STK_EX_CONDITIONAL:
        return eval_conditional(e, s, d);
    case STK_EX_BINARY:
        return eval_binary(e, s, d);
    case STK_EX_UNARY:
        return eval_unary(e, s, d);
    case STK_EX_TUPLE:
        return eval_tuple(e, s, d);
    case STK_EX_OBJECT:
        return eval_object(e, s, d);
    case STK_EX_FOR:
        return eval_for(e, s, d, 0);
    }
    return dyn_unknown();
}

stk_value *stk_eval_expr(const stk_expr *e, const stk_eval_scope *s, stk_diags *d)
{
    return ev(e, s, d);
}

stk_value *stk_eval_expr_as(const stk_expr *e, const stk_eval_scope *s, stk_type *want, stk_diags *d)
{
    stk_value *v = ev(e, s, d);
    if (!want || want->kind == STK_TY_DYNAMIC) return v;
    char *err = NULL;
    stk_value *c = stk_value_convert(v, want, &err);
    if (!c) {
        stk_diags_error(d, e ? &e->range : NULL, "Incorrect value type", "Invalid expression value: %s%s",
                        err ? err : "conversion failed", dot(err ? err : ""));
        free(err);
        stk_value_unref(v);
        return stk_value_unknown(want);
    }
    free(err);
    stk_value_unref(v);
    return c;
}

/* ------------------------------------------------------------------ */
/* templates from files (templatefile)                                 */

stk_value *stk_eval_template_string(const char *filename, const char *src, size_t len, stk_value *vars,
                                    const stk_func_ctx *funcs, stk_diags *d)
{
    size_t before = d->len;
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse(filename, src, len, 1, d);
    stk_value *res = NULL;
    if (f->expr && !has_errors_from(d, before)) {
        stk_eval_scope scope = {0};
        stk_value *empty = NULL;
        scope.vars = vars ? vars : (empty = stk_value_empty_object());
        scope.funcs = funcs;
        res = ev(f->expr, &scope, d);
        if (empty) stk_value_unref(empty);
        if (has_errors_from(d, before)) {
            stk_value_unref(res);
            res = NULL;
        }
    }
    stk_hcl_expr_file_free(f);
    return res;
}

stk_value *stk_eval_render_template(void *ud, const char *filename, const char *src, size_t len,
                                    stk_value *vars, char **err)
{
    (void)ud;
    if (tl_template_depth > 0) {
        *err = stk_xstrdup("cannot recursively call templatefile from inside templatefile call");
        return NULL;
    }
    if (vars && !vars->is_null && vars->type->kind != STK_TY_OBJECT && vars->type->kind != STK_TY_MAP) {
        *err = stk_xstrdup("invalid vars value: must be a map");
        return NULL;
    }
    stk_diags d = STK_DIAGS_INIT;
    tl_template_depth++;
    stk_value *res = stk_eval_template_string(filename, src, len, vars, tl_call_ctx, &d);
    tl_template_depth--;
    if (!res) {
        const stk_diag *g = NULL;
        for (size_t i = 0; i < d.len; i++)
            if (d.items[i].severity == STK_DIAG_ERROR) { g = &d.items[i]; break; }
        if (g && g->filename)
            *err = stk_xasprintf("%s:%d,%d-%d: %s; %s", g->filename, g->subject.start.line, g->subject.start.col,
                                 g->subject.end.col, g->summary, g->detail ? g->detail : "");
        else if (g)
            *err = stk_xasprintf("%s; %s", g->summary, g->detail ? g->detail : "");
        else
            *err = stk_xstrdup("template rendering failed");
    }
    stk_diags_free(&d);
    return res;
}
