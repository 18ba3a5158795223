/* refs.c - reference analysis over the expression tree (see refs.h).
 *
 * A walk over the tree that keeps the names bound by enclosing for
 * expressions / template for directives, so that those names are not
 * reported.  Chains of attribute and index accesses ending at a root name
 * become one traversal; the walk then continues into non-literal index
 * keys, which may hold references of their own. */
#include "eval/refs.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

typedef struct local_names {
    const struct local_names *up;
    const char *a, *b;           /* names bound at this level (may be NULL) */
} local_names;

static int is_local(const local_names *l, const char *name)
{
    for (; l; l = l->up)
        if ((l->a && strcmp(l->a, name) == 0) || (l->b && strcmp(l->b, name) == 0)) return 1;
    return 0;
}

static void collect(const stk_expr *e, const local_names *l, stk_refs *out);

static stk_ref *push_ref(stk_refs *out)
{
    if (out->len == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 8;
        out->items = stk_xrealloc(out->items, out->cap * sizeof *out->items);
    }
    stk_ref *r = &out->items[out->len++];
    memset(r, 0, sizeof *r);
    return r;
}

/* The range of one step of a chain: from the end of the object it applies
   to through the end of the step expression (".name", "[key]"). */
static stk_range step_range(const stk_expr *step, const stk_expr *obj)
{
    stk_range r = step->range;
    r.start = obj->range.end;
    return r;
}

static int static_key(const stk_expr *key)
{
    const stk_expr *k = key;
    while (k->kind == STK_EX_PAREN) k = k->u.wrapped;
    if (k->kind != STK_EX_LITERAL || !k->u.literal) return 0;
    const stk_value *v = k->u.literal;
    if (v->is_null || v->is_unknown) return 0;
    return v->type->kind == STK_TY_STRING || v->type->kind == STK_TY_NUMBER;
}

static const stk_expr *unparen_literal(const stk_expr *k)
{
    while (k->kind == STK_EX_PAREN) k = k->u.wrapped;
    return k;
}

static void traversal(const stk_expr *e, const local_names *l, stk_refs *out)
{
    const stk_expr *chain_small[16];
    const stk_expr **chain = chain_small;
    size_t n = 0, cap = 16;
    const stk_expr *cur = e;
    while (cur->kind == STK_EX_GETATTR || cur->kind == STK_EX_INDEX) {
        if (n == cap) {
            cap *= 2;
            if (chain == chain_small) {
                chain = stk_xmalloc(cap * sizeof *chain);
                memcpy(chain, chain_small, sizeof chain_small);
            } else {
                chain = stk_xrealloc(chain, cap * sizeof *chain);
            }
        }
        chain[n++] = cur;
        cur = cur->kind == STK_EX_GETATTR ? cur->u.getattr.obj : cur->u.index.obj;
    }
    /* chain[n-1] is the step nearest the base; chain[0] is e itself */
    size_t stop = n;   /* index (counted from the base) of the first step not in the traversal */
    if (cur->kind == STK_EX_VARIABLE && cur->u.name && !is_local(l, cur->u.name)) {
        stk_ref *r = push_ref(out);
        r->root = cur->u.name;
        r->root_range = cur->range;
        r->range = cur->range;
        r->steps = n ? stk_xcalloc(n, sizeof *r->steps) : NULL;
        stop = 0;
        for (size_t i = 0; i < n; i++) {
            const stk_expr *s = chain[n - 1 - i];
            const stk_expr *obj = s->kind == STK_EX_GETATTR ? s->u.getattr.obj : s->u.index.obj;
            stk_ref_step *st = &r->steps[r->nsteps++];
            st->range = step_range(s, obj);
            r->range.end = s->range.end;
            stop = i + 1;
            if (s->kind == STK_EX_GETATTR) {
                st->kind = STK_STEP_ATTR;
                st->name = s->u.getattr.name;
            } else {
                st->kind = STK_STEP_INDEX;
                if (static_key(s->u.index.key)) {
                    st->key = unparen_literal(s->u.index.key)->u.literal;
                } else {
                    st->key = NULL;   /* dynamic index ends the traversal */
                    break;
                }
            }
        }
    } else {
        if (cur->kind != STK_EX_VARIABLE) collect(cur, l, out);   /* a local name is no reference */
        stop = 0;
    }
    /* index keys: those past the static part may hold references */
    for (size_t i = 0; i < n; i++) {
        const stk_expr *s = chain[n - 1 - i];
        if (s->kind != STK_EX_INDEX) continue;
        if (i < stop && static_key(s->u.index.key)) continue;
        collect(s->u.index.key, l, out);
    }
    if (chain != chain_small) free(chain);
}

/* Nesting deeper than this is not walked (the evaluator refuses it too). */
enum { MAX_DEPTH = 1000 };
static _Thread_local int tl_depth;

static void collect_node(const stk_expr *e, const local_names *l, stk_refs *out);

static void collect(const stk_expr *e, const local_names *l, stk_refs *out)
{
    if (!e || tl_depth >= MAX_DEPTH) return;
    tl_depth++;
    collect_node(e, l, out);
    tl_depth--;
}

static void collect_node(const stk_expr *e, const local_names *l, stk_refs *out)
{
    switch (e->kind) {
    case STK_EX_LITERAL:
    case STK_EX_SPLAT_ITEM:
        break;
    case STK_EX_TEMPLATE:
        for (size_t i = 0; i < e->u.tmpl.n; i++) collect(e->u.tmpl.parts[i], l, out);
        break;
    case STK_EX_TEMPLATE_WRAP:
    case STK_EX_PAREN:
        collect(e->u.wrapped, l, out);
        break;
    case STK_EX_TEMPLATE_IF:
    case STK_EX_CONDITIONAL:
        collect(e->u.cond.cond, l, out);
        collect(e->u.cond.then_, l, out);
        collect(e->u.cond.else_, l, out);
        break;
    case STK_EX_FOR:
    case STK_EX_TEMPLATE_FOR: {
        collect(e->u.for_.coll, l, out);
        local_names inner = {l, e->u.for_.key_var, e->u.for_.val_var};
        collect(e->u.for_.key_expr, &inner, out);
        collect(e->u.for_.val_expr, &inner, out);
        collect(e->u.for_.cond, &inner, out);
        break;
    }
    case STK_EX_VARIABLE:
    case STK_EX_GETATTR:
    case STK_EX_INDEX:
        traversal(e, l, out);
        break;
    case STK_EX_SPLAT:
        collect(e->u.splat.source, l, out);
        collect(e->u.splat.each, l, out);
        break;
    case STK_EX_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++) collect(e->u.call.args[i], l, out);
        break;
    case STK_EX_BINARY: {
        /* a long chain a + b + c ... is a left-deep tree: walk its spine
           without recursion, then the right operands in source order */
        size_t n = 0;
        const stk_expr *cur = e;
        while (cur->kind == STK_EX_BINARY) { n++; cur = cur->u.binary.lhs; }
        const stk_expr **spine = stk_xmalloc(n * sizeof *spine);
        size_t k = n;
        for (cur = e; cur->kind == STK_EX_BINARY; cur = cur->u.binary.lhs) spine[--k] = cur;
        collect(cur, l, out);
        for (size_t i = 0; i < n; i++) collect(spine[i]->u.binary.rhs, l, out);
        free(spine);
        break;
    }
    case STK_EX_UNARY:
        collect(e->u.unary.operand, l, out);
        break;
    case STK_EX_TUPLE:
        for (size_t i = 0; i < e->u.tuple.n; i++) collect(e->u.tuple.items[i], l, out);
        break;
    case STK_EX_OBJECT:
        for (size_t i = 0; i < e->u.object.n; i++) {
            const stk_expr *k = e->u.object.items[i].key;
            /* a bare identifier key is a literal name, not a reference */
            if (k && k->kind != STK_EX_VARIABLE) collect(k, l, out);
            collect(e->u.object.items[i].value, l, out);
        }
        break;
    }
}

void stk_refs_collect(const stk_expr *e, stk_refs *out)
{
    collect(e, NULL, out);
}

void stk_refs_free(stk_refs *r)
{
    for (size_t i = 0; i < r->len; i++) free(r->items[i].steps);
    free(r->items);
    r->items = NULL;
    r->len = r->cap = 0;
}

char *stk_ref_to_string(const stk_ref *r, size_t n)
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_puts(&b, r->root ? r->root : "");
    if (n > r->nsteps) n = r->nsteps;
    for (size_t i = 0; i < n; i++) {
        const stk_ref_step *s = &r->steps[i];
        if (s->kind == STK_STEP_ATTR) {
            stk_strbuf_putc(&b, '.');
            stk_strbuf_puts(&b, s->name);
        } else if (!s->key) {
            stk_strbuf_puts(&b, "[...]");
            break;
        } else if (s->key->type->kind == STK_TY_NUMBER) {
            char *num = stk_number_to_string(s->key);
            stk_strbuf_printf(&b, "[%s]", num);
            free(num);
        } else {
            stk_strbuf_puts(&b, "[\"");
            for (const char *p = stk_value_str(s->key); *p; p++) {
                if (*p == '"' || *p == '\\') stk_strbuf_putc(&b, '\\');
                stk_strbuf_putc(&b, *p);
            }
            stk_strbuf_puts(&b, "\"]");
        }
    }
    char *res = stk_strbuf_detach(&b);
    return res ? res : stk_xstrdup("");
}

const char *stk_ref_attr(const stk_ref *r, size_t i)
{
    if (i >= r->nsteps || r->steps[i].kind != STK_STEP_ATTR) return NULL;
    return r->steps[i].name;
}
