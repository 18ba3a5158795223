/* hcl_sexpr.h - test helper: print an HCL syntax tree (ast.h) as a compact
 * S-expression so tests can compare whole trees with one string.
 *
 *   literal      its value as `terraform console` prints it: 1  "a"  true  null
 *   variable     its name            getattr   (. obj name)
 *   index        ([] obj key)        legacy    (.[] obj key)
 *   splat        (.* src each) / ([*] src each), the element is @
 *   template     (tmpl part...)      wrap      (wrap x)
 *   %{if}        (tif cond then else?)        %{for}  (tfor k v coll body)
 *   call         (call name arg... ...?)      conditional (? c a b)
 *   binary       (op lhs rhs)        unary     (! x) (neg x)
 *   tuple        (tuple x...)        object    (object (k v)...)
 *   for          (for k v coll key? val if? ...?)   paren (paren x)
 *   body items   (attr name expr)  (block type "label"... item...)
 * Caller frees the returned string.
 */
#ifndef STK_TEST_HCL_SEXPR_H
#define STK_TEST_HCL_SEXPR_H
#include "hcl/ast.h"
#include "eval/value.h"
#include "util/strbuf.h"
#include <stdlib.h>

static void sx_expr(stk_strbuf *b, const stk_expr *e);

static const char *sx_op(stk_op op)
{
    static const char *names[] = {"||", "&&", "==", "!=", "<", "<=", ">", ">=",
                                  "+", "-", "*", "/", "%", "!", "neg"};
    return names[op];
}

static void sx_list(stk_strbuf *b, stk_expr *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        stk_strbuf_putc(b, ' ');
        sx_expr(b, v[i]);
    }
}

static void sx_expr(stk_strbuf *b, const stk_expr *e)
{
    if (!e) { stk_strbuf_puts(b, "<NULL>"); return; }
    switch (e->kind) {
    case STK_EX_LITERAL: {
        const stk_value *v = e->u.literal;
        if (!v->is_null && v->type->kind == STK_TY_STRING) {
            /* strings quoted with C-style escapes, nothing else (no heredocs, no $${) */
            stk_strbuf_putc(b, '"');
            for (size_t i = 0; i < v->u.str.len; i++) {
                char c = v->u.str.s[i];
                if (c == '\n') stk_strbuf_puts(b, "\\n");
                else if (c == '\t') stk_strbuf_puts(b, "\\t");
                else if (c == '\r') stk_strbuf_puts(b, "\\r");
                else if (c == '"' || c == '\\') { stk_strbuf_putc(b, '\\'); stk_strbuf_putc(b, c); }
                else stk_strbuf_putc(b, c);
            }
            stk_strbuf_putc(b, '"');
        } else {
            char *s = stk_value_to_hcl(v);
            stk_strbuf_puts(b, s);
            free(s);
        }
        break;
    }
    case STK_EX_TEMPLATE:
        stk_strbuf_puts(b, "(tmpl");
        sx_list(b, e->u.tmpl.parts, e->u.tmpl.n);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_TEMPLATE_WRAP:
        stk_strbuf_puts(b, "(wrap ");
        sx_expr(b, e->u.wrapped);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_PAREN:
        stk_strbuf_puts(b, "(paren ");
        sx_expr(b, e->u.wrapped);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_TEMPLATE_IF:
    case STK_EX_CONDITIONAL:
        stk_strbuf_puts(b, e->kind == STK_EX_CONDITIONAL ? "(? " : "(tif ");
        sx_expr(b, e->u.cond.cond);
        stk_strbuf_putc(b, ' ');
        sx_expr(b, e->u.cond.then_);
        if (e->u.cond.else_) {
            stk_strbuf_putc(b, ' ');
            sx_expr(b, e->u.cond.else_);
        }
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_TEMPLATE_FOR:
    case STK_EX_FOR:
        stk_strbuf_printf(b, "(%s %s %s ", e->kind == STK_EX_FOR ? (e->u.for_.is_object ? "for{}" : "for[]") : "tfor",
                          e->u.for_.key_var ? e->u.for_.key_var : "_", e->u.for_.val_var);
        sx_expr(b, e->u.for_.coll);
        if (e->u.for_.key_expr) {
            stk_strbuf_putc(b, ' ');
            sx_expr(b, e->u.for_.key_expr);
        }
        stk_strbuf_putc(b, ' ');
        sx_expr(b, e->u.for_.val_expr);
        if (e->u.for_.cond) {
            stk_strbuf_puts(b, " if ");
            sx_expr(b, e->u.for_.cond);
        }
        if (e->u.for_.grouping) stk_strbuf_puts(b, " ...");
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_VARIABLE:
        stk_strbuf_puts(b, e->u.name);
        break;
    case STK_EX_GETATTR:
        stk_strbuf_puts(b, "(. ");
        sx_expr(b, e->u.getattr.obj);
        stk_strbuf_printf(b, " %s)", e->u.getattr.name);
        break;
    case STK_EX_INDEX:
        stk_strbuf_puts(b, e->u.index.legacy ? "(.[] " : "([] ");
        sx_expr(b, e->u.index.obj);
        stk_strbuf_putc(b, ' ');
        sx_expr(b, e->u.index.key);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_SPLAT:
        stk_strbuf_puts(b, e->u.splat.full ? "([*] " : "(.* ");
        sx_expr(b, e->u.splat.source);
        stk_strbuf_putc(b, ' ');
        sx_expr(b, e->u.splat.each);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_SPLAT_ITEM:
        stk_strbuf_putc(b, '@');
        break;
    case STK_EX_CALL:
        stk_strbuf_printf(b, "(call %s", e->u.call.name);
        sx_list(b, e->u.call.args, e->u.call.nargs);
        if (e->u.call.expand_final) stk_strbuf_puts(b, " ...");
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_BINARY:
        stk_strbuf_printf(b, "(%s ", sx_op(e->u.binary.op));
        sx_expr(b, e->u.binary.lhs);
        stk_strbuf_putc(b, ' ');
        sx_expr(b, e->u.binary.rhs);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_UNARY:
        stk_strbuf_printf(b, "(%s ", sx_op(e->u.unary.op));
        sx_expr(b, e->u.unary.operand);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_TUPLE:
        stk_strbuf_puts(b, "(tuple");
        sx_list(b, e->u.tuple.items, e->u.tuple.n);
        stk_strbuf_putc(b, ')');
        break;
    case STK_EX_OBJECT:
        stk_strbuf_puts(b, "(object");
        for (size_t i = 0; i < e->u.object.n; i++) {
            stk_strbuf_puts(b, " (");
            sx_expr(b, e->u.object.items[i].key);
            stk_strbuf_putc(b, ' ');
            sx_expr(b, e->u.object.items[i].value);
            stk_strbuf_putc(b, ')');
        }
        stk_strbuf_putc(b, ')');
        break;
    }
}

static void sx_body(stk_strbuf *b, const stk_hcl_body *body);

/* Items in source order (attributes and blocks interleaved by position). */
static void sx_body(stk_strbuf *b, const stk_hcl_body *body)
{
    size_t i = 0, j = 0;
    int first = 1;
    while (i < body->nattrs || j < body->nblocks) {
        int take_attr = j >= body->nblocks ||
            (i < body->nattrs && body->attrs[i]->range.start.byte < body->blocks[j]->range.start.byte);
        if (!first) stk_strbuf_putc(b, ' ');
        first = 0;
        if (take_attr) {
            stk_hcl_attr *a = body->attrs[i++];
            stk_strbuf_printf(b, "(attr %s ", a->name);
            sx_expr(b, a->expr);
            stk_strbuf_putc(b, ')');
        } else {
            stk_hcl_block *k = body->blocks[j++];
            stk_strbuf_printf(b, "(block %s", k->type);
            for (size_t l = 0; l < k->nlabels; l++) stk_strbuf_printf(b, " \"%s\"", k->labels[l]);
            if (k->body->nattrs || k->body->nblocks) stk_strbuf_putc(b, ' ');
            sx_body(b, k->body);
            stk_strbuf_putc(b, ')');
        }
    }
}

static char *sx_expr_str(const stk_expr *e)
{
    stk_strbuf b = STK_STRBUF_INIT;
    sx_expr(&b, e);
    return stk_strbuf_detach(&b);
}

static char *sx_body_str(const stk_hcl_body *body)
{
    stk_strbuf b = STK_STRBUF_INIT;
    sx_body(&b, body);
    return stk_strbuf_detach(&b);
}

#endif
