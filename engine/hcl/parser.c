/* parser.c - recursive-descent parser for HCL native syntax (see parser.h).
 *
 * Reads the token array of lexer.c.  Each parse function opens with its
 * grammar rule.  Newlines are significant in bodies and object constructors
 * and ignored inside (), [], ${} and for expressions: a small stack records
 * which applies, and peek() skips comments always and newlines when the top
 * of that stack says so.  All binary operators go through one precedence
 * climbing loop (parse_binop) over the priority table binops[].
 *
 * Error recovery: an item (attribute or block) that fails is dropped and
 * parsing resumes after the end of its line (bracket nesting counted), so
 * later independent errors are still reported.  Errors already reported by
 * the lexer (INVALID tokens, unterminated strings) are not reported again.
 */
#include "hcl/parser.h"
#include "hcl/lexer.h"
#include "eval/value.h"
#include "util/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 200
#define TXT(P, t) ((P)->tk.src + (t)->byte)

typedef struct {
    stk_hcl_tokens tk;
    size_t pos;
    stk_arena *a;
    const char *filename;
    stk_diags *d;
    stk_hcl_literals *lits;
    unsigned char *nl;        /* newline stack: 1 = newlines ignored */
    size_t nnl, capnl;
    int depth;
    int nerrors;
    int unclosed_reported;
    stk_range tmpl_end;       /* the closer of the template being built */
} parser;

/* ---- tokens ---- */

static void nl_push(parser *P, int ignore)
{
    if (P->nnl == P->capnl) {
        P->capnl = P->capnl ? P->capnl * 2 : 64;
        P->nl = stk_xrealloc(P->nl, P->capnl);
    }
    P->nl[P->nnl++] = (unsigned char)ignore;
}

static void nl_pop(parser *P) { if (P->nnl) P->nnl--; }

static int nl_ignored(const parser *P) { return P->nnl && P->nl[P->nnl - 1]; }

static stk_hcl_token *peek(parser *P)
{
    int ign = nl_ignored(P);
    for (;;) {
        int k = P->tk.toks[P->pos].kind;
        if (k == STK_TK_COMMENT || (ign && k == STK_TK_NEWLINE)) P->pos++;
        else return &P->tk.toks[P->pos];
    }
}

/* the significant token after peek() */
static stk_hcl_token *peek2(parser *P)
{
    peek(P);
    size_t save = P->pos;
    if (P->tk.toks[P->pos].kind != STK_TK_EOF) P->pos++;
    stk_hcl_token *t = peek(P);
    P->pos = save;
    return t;
}

static stk_hcl_token *next(parser *P)
{
    stk_hcl_token *t = peek(P);
    if (t->kind != STK_TK_EOF) P->pos++;
    return t;
}

static stk_hcl_token *prev_tok(parser *P)
{
    size_t i = P->pos;
    while (i > 0) {
        i--;
        int k = P->tk.toks[i].kind;
        if (k != STK_TK_COMMENT && k != STK_TK_NEWLINE) return &P->tk.toks[i];
    }
    return &P->tk.toks[0];
}

static int is_kw(const parser *P, const stk_hcl_token *t, const char *kw)
{
    size_t n = strlen(kw);
    return t->kind == STK_TK_IDENT && t->len == n && memcmp(TXT(P, t), kw, n) == 0;
}

static stk_range trange(const parser *P, const stk_hcl_token *t)
{
    stk_range r = {P->filename, stk_hcl_tok_start(t), stk_hcl_tok_end(t)};
    return r;
}

static stk_range span(const parser *P, const stk_hcl_token *a, const stk_hcl_token *b)
{
    stk_range r = {P->filename, stk_hcl_tok_start(a), stk_hcl_tok_end(b)};
    return r;
}

static stk_range join(stk_range a, stk_range b)
{
    a.end = b.end;
    return a;
}

/* Report at token t, unless t is the trace of an error the lexer reported. */
__attribute__((format(printf, 4, 5)))
static void err_at(parser *P, const stk_hcl_token *t, const char *summary, const char *fmt, ...)
{
    P->nerrors++;
    if (t->kind == STK_TK_INVALID || t->bad) return;
    stk_range r = trange(P, t);
    va_list ap;
    va_start(ap, fmt);
    stk_diags_vadd(P->d, STK_DIAG_ERROR, &r, summary, fmt, ap);
    va_end(ap);
}

/* Report at an expression's range. */
static void expr_err(parser *P, const stk_expr *e, const char *summary, const char *detail)
{
    P->nerrors++;
    stk_diags_error(P->d, &e->range, summary, "%s", detail);
}


/* ---- nodes ---- */

static stk_expr *node(parser *P, stk_expr_kind k, stk_range r)
{
    stk_expr *e = stk_arena_alloc(P->a, sizeof *e);
    e->kind = k;
    e->range = r;
    return e;
}

static stk_expr *lit_node(parser *P, stk_value *v, stk_range r)
{
    stk_hcl_literals *l = P->lits;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = stk_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = v;
    stk_expr *e = node(P, STK_EX_LITERAL, r);
    e->u.literal = v;
    return e;
}

static char *tok_str(parser *P, const stk_hcl_token *t)
{
    return stk_arena_strndup(P->a, TXT(P, t), t->len);
}

/* growable pointer vector, copied into the arena when done */
typedef struct { void **v; size_t n, cap; } vec;

static void vec_push(vec *x, void *p)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 8;
        x->v = stk_xrealloc(x->v, x->cap * sizeof *x->v);
    }
    x->v[x->n++] = p;
}

static void *vec_finish(parser *P, vec *x)
{
    void *r = NULL;
    if (x->n) r = stk_arena_memdup(P->a, x->v, x->n * sizeof *x->v);
    free(x->v);
    memset(x, 0, sizeof *x);
    return r;
}

static int enter(parser *P, const stk_hcl_token *t)
{
    if (++P->depth > MAX_DEPTH) {
        if (P->depth == MAX_DEPTH + 1)
            err_at(P, t, "Nesting too deep",
                   "This expression or block nests more than %d levels deep.", MAX_DEPTH);
        return 0;
    }
    return 1;
}

/* ---- expressions ---- */

static stk_expr *parse_expr(parser *P);
static stk_expr *parse_template(parser *P);

static const struct { int tok; stk_op op; int prio; } binops[] = {
    {STK_TK_OR, STK_OP_OR, 1},
    {STK_TK_AND, STK_OP_AND, 2},
    {STK_TK_EQ, STK_OP_EQ, 3}, {STK_TK_NE, STK_OP_NE, 3},
    {STK_TK_LT, STK_OP_LT, 4}, {STK_TK_LE, STK_OP_LE, 4},
    {STK_TK_GT, STK_OP_GT, 4}, {STK_TK_GE, STK_OP_GE, 4},
    {STK_TK_PLUS, STK_OP_ADD, 5}, {STK_TK_MINUS, STK_OP_SUB, 5},
    {STK_TK_STAR, STK_OP_MUL, 6}, {STK_TK_SLASH, STK_OP_DIV, 6}, {STK_TK_PERCENT, STK_OP_MOD, 6},
};

static int binop_index(int tok)
{
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
        if (binops[i].tok == tok) return (int)i;
    return -1;
}

static stk_expr *number_literal(parser *P, const stk_hcl_token *t, int negate, stk_range r)
{
    char buf[128];
    char *s = buf;
    size_t n = t->len + (size_t)negate + 1;
    if (n > sizeof buf) s = stk_xmalloc(n);
    if (negate) s[0] = '-';
    memcpy(s + negate, TXT(P, t), t->len);
    s[n - 1] = 0;
    stk_value *v = stk_value_number_parse(s);
    if (s != buf) free(s);
    if (!v) {
        err_at(P, t, "Invalid number literal", "Failed to recognize the value of this number literal.");
        return NULL;
    }
    return lit_node(P, v, r);
}

/* call -> IDENT '(' (expr (',' expr)* (',' | '...')?)? ')' */
static stk_expr *parse_call(parser *P, stk_hcl_token *name)
{
    next(P);   /* ( */
    vec args = {0};
    int expand = 0;
    nl_push(P, 1);
    for (;;) {
        stk_hcl_token *t = peek(P);
        if (t->kind == STK_TK_RPAREN) break;
        stk_expr *a = parse_expr(P);
        if (!a) goto fail;
        vec_push(&args, a);
        t = peek(P);
        if (t->kind == STK_TK_ELLIPSIS) {
            next(P);
            expand = 1;
            if (peek(P)->kind != STK_TK_RPAREN) {
                err_at(P, t, "Missing closing parenthesis",
                       "An expanded function argument (with ...) must be immediately followed by "
                       "closing parentheses.");
                goto fail;
            }
            break;
        }
        if (t->kind == STK_TK_COMMA) { next(P); continue; }
        if (t->kind == STK_TK_RPAREN) break;
        if (t->kind == STK_TK_EOF)
            err_at(P, name, "Unterminated function call",
                   "There is no closing parenthesis for this function call before the end of the file.");
        else
            err_at(P, t, "Missing argument separator",
                   "A comma is required to separate each function argument from the next.");
        goto fail;
    }
    stk_hcl_token *close = next(P);
    nl_pop(P);
    stk_expr *e = node(P, STK_EX_CALL, span(P, name, close));
    e->u.call.name = tok_str(P, name);
    e->u.call.name_range = trange(P, name);
    e->u.call.nargs = args.n;
    e->u.call.args = vec_finish(P, &args);
    e->u.call.expand_final = expand;
    return e;
fail:
    nl_pop(P);
    free(args.v);
    return NULL;
}

/* for -> ('[' | '{') 'for' IDENT (',' IDENT)? 'in' expr ':' expr ('=>' expr '...'?)? ('if' expr)? (']' | '}') */
static stk_expr *parse_for(parser *P, stk_hcl_token *open)
{
    int is_obj = open->kind == STK_TK_LBRACE;
    int closer = is_obj ? STK_TK_RBRACE : STK_TK_RBRACK;
    stk_expr *e = node(P, STK_EX_FOR, trange(P, open));
    nl_push(P, 1);
    next(P); /* for */
    stk_hcl_token *t = next(P);
    if (t->kind != STK_TK_IDENT) {
        err_at(P, t, "Invalid 'for' expression", "For expression requires variable name after 'for'.");
        goto fail;
    }
    const char *v1 = tok_str(P, t), *v2 = NULL;
    if (peek(P)->kind == STK_TK_COMMA) {
        next(P);
        t = next(P);
        if (t->kind != STK_TK_IDENT) {
            err_at(P, t, "Invalid 'for' expression",
                   "For expression requires value variable name after comma.");
            goto fail;
        }
        v2 = tok_str(P, t);
    }
    if (v2) { e->u.for_.key_var = v1; e->u.for_.val_var = v2; }
    else e->u.for_.val_var = v1;
    t = next(P);
    if (!is_kw(P, t, "in")) {
        err_at(P, t, "Invalid 'for' expression",
               "For expression requires the 'in' keyword after its name declarations.");
        goto fail;
    }
    if (!(e->u.for_.coll = parse_expr(P))) goto fail;
    t = next(P);
    if (t->kind != STK_TK_COLON) {
        err_at(P, t, "Invalid 'for' expression", "For expression requires a colon after the collection expression.");
        goto fail;
    }
    stk_expr *first = parse_expr(P);
    if (!first) goto fail;
    if (peek(P)->kind == STK_TK_ARROW) {
        if (!is_obj) {
            expr_err(P, first, "Invalid 'for' expression", "Key expression is not valid when building a tuple.");
            goto fail;
        }
        next(P);
        e->u.for_.key_expr = first;
        if (!(e->u.for_.val_expr = parse_expr(P))) goto fail;
        if (peek(P)->kind == STK_TK_ELLIPSIS) {
            next(P);
            e->u.for_.grouping = 1;
        }
    } else {
        if (is_obj) {
            expr_err(P, first, "Invalid 'for' expression", "Key expression is required when building an object.");
            goto fail;
        }
        e->u.for_.val_expr = first;
        if (peek(P)->kind == STK_TK_ELLIPSIS) {
            err_at(P, peek(P), "Invalid 'for' expression",
                   "Grouping ellipsis (...) can be used only when building an object.");
            goto fail;
        }
    }
    if (is_kw(P, peek(P), "if")) {
        next(P);
        if (!(e->u.for_.cond = parse_expr(P))) goto fail;
    }
    t = next(P);
    if (t->kind != closer) {
        err_at(P, t, "Invalid 'for' expression", "Extra characters after the end of the 'for' expression.");
        goto fail;
    }
    e->u.for_.is_object = is_obj;
    e->range = span(P, open, t);
    nl_pop(P);
    return e;
fail:
    nl_pop(P);
    return NULL;
}

/* tuple -> '[' (expr (',' expr)* ','?)? ']' */
static stk_expr *parse_tuple(parser *P, stk_hcl_token *open)
{
    vec items = {0};
    nl_push(P, 1);
    for (;;) {
        stk_hcl_token *t = peek(P);
        if (t->kind == STK_TK_RBRACK) break;
        stk_expr *x = parse_expr(P);
        if (!x) goto fail;
        vec_push(&items, x);
        t = peek(P);
        if (t->kind == STK_TK_COMMA) { next(P); continue; }
        if (t->kind == STK_TK_RBRACK) break;
        if (t->kind == STK_TK_EOF)
            err_at(P, open, "Unterminated tuple constructor expression",
                   "There is no corresponding closing bracket before the end of the file.");
        else
            err_at(P, t, "Missing item separator", "Expected a comma to mark the beginning of the next item.");
        goto fail;
    }
    stk_hcl_token *close = next(P);
    nl_pop(P);
    stk_expr *e = node(P, STK_EX_TUPLE, span(P, open, close));
    e->u.tuple.n = items.n;
    e->u.tuple.items = vec_finish(P, &items);
    return e;
fail:
    nl_pop(P);
    free(items.v);
    return NULL;
}

/* object -> '{' (item ((',' | NEWLINE) item)*)? '}'    item -> key ('=' | ':') expr */
static stk_expr *parse_object(parser *P, stk_hcl_token *open)
{
    stk_object_item *items = NULL;
    size_t n = 0, cap = 0;
    nl_push(P, 0);
    for (;;) {
        stk_hcl_token *t = peek(P);
        while (t->kind == STK_TK_NEWLINE) { next(P); t = peek(P); }
        if (t->kind == STK_TK_RBRACE) break;
        stk_expr *key;
        int sep = peek2(P)->kind;
        if (t->kind == STK_TK_IDENT && (sep == STK_TK_ASSIGN || sep == STK_TK_COLON)) {
            next(P);
            key = node(P, STK_EX_VARIABLE, trange(P, t));
            key->u.name = tok_str(P, t);
        } else {
            nl_push(P, 1);
            key = parse_expr(P);
            nl_pop(P);
            if (!key) goto fail;
        }
        t = peek(P);
        if (t->kind != STK_TK_ASSIGN && t->kind != STK_TK_COLON) {
            err_at(P, t, "Missing key/value separator",
                   "Expected an equals sign (\"=\") to mark the beginning of the attribute value.");
            goto fail;
        }
        next(P);
        stk_expr *val = parse_expr(P);
        if (!val) goto fail;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            items = stk_xrealloc(items, cap * sizeof *items);
        }
        items[n].key = key;
        items[n].value = val;
        n++;
        t = peek(P);
        if (t->kind == STK_TK_COMMA || t->kind == STK_TK_NEWLINE) { next(P); continue; }
        if (t->kind == STK_TK_RBRACE) break;
        if (t->kind == STK_TK_EOF) {
            err_at(P, open, "Unterminated object constructor expression",
                   "There is no corresponding closing brace before the end of the file.");
            goto fail;
        }
        err_at(P, t, "Missing attribute separator",
               "Expected a newline or comma to mark the beginning of the next attribute.");
        goto fail;
    }
    stk_hcl_token *close = next(P);
    nl_pop(P);
    stk_expr *e = node(P, STK_EX_OBJECT, span(P, open, close));
    e->u.object.n = n;
    if (n) e->u.object.items = stk_arena_memdup(P->a, items, n * sizeof *items);
    free(items);
    return e;
fail:
    nl_pop(P);
    free(items);
    return NULL;
}

/* term -> NUMBER | 'true' | 'false' | 'null' | IDENT | call | template | '(' expr ')' | tuple | object | for */
static stk_expr *parse_term(parser *P)
{
    stk_hcl_token *t = peek(P);
    switch (t->kind) {
    case STK_TK_NUMBER:
        next(P);
        return number_literal(P, t, 0, trange(P, t));
    case STK_TK_IDENT:
        next(P);
        if (is_kw(P, t, "true") || is_kw(P, t, "false"))
            return lit_node(P, stk_value_bool(is_kw(P, t, "true")), trange(P, t));
        if (is_kw(P, t, "null")) return lit_node(P, stk_value_null(NULL), trange(P, t));
        if (peek(P)->kind == STK_TK_LPAREN) return parse_call(P, t);
        {
            stk_expr *e = node(P, STK_EX_VARIABLE, trange(P, t));
            e->u.name = tok_str(P, t);
            return e;
        }
    case STK_TK_OQUOTE:
    case STK_TK_OHEREDOC:
        return parse_template(P);
    case STK_TK_LPAREN: {
        next(P);
        nl_push(P, 1);
        stk_expr *inner = parse_expr(P);
        if (!inner) { nl_pop(P); return NULL; }
        stk_hcl_token *c = peek(P);
        if (c->kind != STK_TK_RPAREN) {
            err_at(P, c, "Unbalanced parentheses",
                   "Expected a closing parenthesis to terminate the expression.");
            nl_pop(P);
            return NULL;
        }
        next(P);
        nl_pop(P);
        stk_expr *e = node(P, STK_EX_PAREN, span(P, t, c));
        e->u.wrapped = inner;
        return e;
    }
    case STK_TK_LBRACK:
    case STK_TK_LBRACE: {
        next(P);
        nl_push(P, 1);
        stk_hcl_token *f = peek(P), *f2 = peek2(P);
        nl_pop(P);
        (void)f2;
        if (is_kw(P, f, "for")) return parse_for(P, t);
        return t->kind == STK_TK_LBRACK ? parse_tuple(P, t) : parse_object(P, t);
    }
    case STK_TK_EOF:
        err_at(P, t, "Missing expression", "Expected the start of an expression, but found the end of the file.");
        return NULL;
    default:
        err_at(P, t, "Invalid expression",
               "Expected the start of an expression, but found an invalid expression token.");
        return NULL;
    }
}

/* step -> '.' IDENT | '.' NUMBER | '[' expr ']'   (applied to obj; index_ok allows the bracket form;
   *done is set, obj returned, when the next tokens are no step) */
static stk_expr *parse_step(parser *P, stk_expr *obj, int index_ok, int *done)
{
    stk_hcl_token *t = peek(P);
    *done = 0;
    if (t->kind == STK_TK_DOT) {
        stk_hcl_token *u = peek2(P);
        if (u->kind == STK_TK_STAR) { *done = 1; return obj; }
        next(P);
        next(P);
        if (u->kind == STK_TK_IDENT) {
            stk_expr *e = node(P, STK_EX_GETATTR, join(obj->range, trange(P, u)));
            e->u.getattr.obj = obj;
            e->u.getattr.name = tok_str(P, u);
            return e;
        }
        if (u->kind == STK_TK_NUMBER) {
            stk_expr *k = number_literal(P, u, 0, trange(P, u));
            if (!k) return NULL;
            stk_expr *e = node(P, STK_EX_INDEX, join(obj->range, trange(P, u)));
            e->u.index.obj = obj;
            e->u.index.key = k;
            e->u.index.legacy = 1;
            return e;
        }
        err_at(P, u, "Invalid attribute name", "An attribute name is required after a dot.");
        return NULL;
    }
    if (t->kind == STK_TK_LBRACK && index_ok) {
        stk_hcl_token *u = peek2(P);
        if (u->kind == STK_TK_STAR) { *done = 1; return obj; }
        next(P);
        nl_push(P, 1);
        stk_expr *k = parse_expr(P);
        if (!k) { nl_pop(P); return NULL; }
        stk_hcl_token *c = peek(P);
        if (c->kind != STK_TK_RBRACK) {
            err_at(P, c, "Missing close bracket on index",
                   "The index operator must end with a closing bracket (\"]\").");
            nl_pop(P);
            return NULL;
        }
        next(P);
        nl_pop(P);
        stk_expr *e = node(P, STK_EX_INDEX, join(obj->range, trange(P, c)));
        e->u.index.obj = obj;
        e->u.index.key = k;
        return e;
    }
    *done = 1;
    return obj;
}

/* postops -> (step | '.*' step* | '[*]' postops)*   applied to e.
   As in HCL, a full splat [*] takes every operation after it (further
   splats included) into its per-element expression; an attribute-only
   splat .* takes only the .attr / .0 steps right after it. */
static stk_expr *parse_postops(parser *P, stk_expr *e)
{
    while (e) {
        int done;
        stk_expr *s = parse_step(P, e, 1, &done);
        if (!s) return NULL;
        if (!done) { e = s; continue; }
        stk_hcl_token *t = peek(P), *u = peek2(P);
        int full;
        if (t->kind == STK_TK_DOT && u->kind == STK_TK_STAR) {
            full = 0;
            next(P);
            next(P);
        } else if (t->kind == STK_TK_LBRACK && u->kind == STK_TK_STAR) {
            full = 1;
            next(P);
            next(P);
            nl_push(P, 1);
            stk_hcl_token *c = peek(P);
            nl_pop(P);
            if (c->kind != STK_TK_RBRACK) {
                err_at(P, c, "Missing close bracket on splat index",
                       "The star for a full splat operator must be immediately followed by a closing "
                       "bracket (\"]\").");
                return NULL;
            }
            next(P);
        } else break;
        stk_hcl_token *last = prev_tok(P);
        stk_expr *item = node(P, STK_EX_SPLAT_ITEM, trange(P, last));
        stk_expr *each = item;
        if (full) {
            if (!enter(P, last)) return NULL;
            each = parse_postops(P, item);
            P->depth--;
            if (!each) return NULL;
        } else {
            for (;;) {
                stk_expr *x = parse_step(P, each, 0, &done);
                if (!x) return NULL;
                if (done) break;
                each = x;
            }
        }
        stk_expr *sp = node(P, STK_EX_SPLAT, join(e->range, each == item ? trange(P, last) : each->range));
        sp->u.splat.source = e;
        sp->u.splat.each = each;
        sp->u.splat.full = full;
        e = sp;
    }
    return e;
}

/* postfix -> term postops */
static stk_expr *parse_postfix(parser *P)
{
    return parse_postops(P, parse_term(P));
}

/* unary -> ('!' | '-') unary | postfix */
static stk_expr *parse_unary(parser *P)
{
    stk_hcl_token *t = peek(P);
    if (t->kind != STK_TK_BANG && t->kind != STK_TK_MINUS) return parse_postfix(P);
    if (!enter(P, t)) return NULL;
    next(P);
    stk_expr *e = NULL;
    stk_hcl_token *u = peek(P);
    int k2 = peek2(P)->kind;
    if (t->kind == STK_TK_MINUS && u->kind == STK_TK_NUMBER && k2 != STK_TK_DOT && k2 != STK_TK_LBRACK) {
        next(P);   /* -2 is one literal */
        e = number_literal(P, u, 1, span(P, t, u));
    } else {
        stk_expr *operand = parse_unary(P);
        if (operand) {
            e = node(P, STK_EX_UNARY, join(trange(P, t), operand->range));
            e->u.unary.op = t->kind == STK_TK_BANG ? STK_OP_NOT : STK_OP_NEG;
            e->u.unary.operand = operand;
        }
    }
    P->depth--;
    return e;
}

/* binop -> unary (OP binop)*   where OP's priority in binops[] is above the caller's limit */
static stk_expr *parse_binop(parser *P, int limit)
{
    stk_expr *lhs = parse_unary(P);
    while (lhs) {
        int bi = binop_index(peek(P)->kind);
        if (bi < 0 || binops[bi].prio <= limit) break;
        next(P);
        stk_expr *rhs = parse_binop(P, binops[bi].prio);
        if (!rhs) return NULL;
        stk_expr *e = node(P, STK_EX_BINARY, join(lhs->range, rhs->range));
        e->u.binary.op = binops[bi].op;
        e->u.binary.lhs = lhs;
        e->u.binary.rhs = rhs;
        lhs = e;
    }
    return lhs;
}

/* expr -> binop ('?' expr ':' expr)? */
static stk_expr *parse_expr(parser *P)
{
    stk_hcl_token *start = peek(P);
    if (!enter(P, start)) return NULL;
    stk_expr *e = parse_binop(P, 0);
    if (e && peek(P)->kind == STK_TK_QUESTION) {
        next(P);
        stk_expr *then_ = parse_expr(P), *else_ = NULL;
        if (then_) {
            stk_hcl_token *c = peek(P);
            if (c->kind != STK_TK_COLON) {
                err_at(P, c, "Missing false expression in conditional",
                       "The conditional operator (...?...:...) requires a false expression, "
                       "delimited by a colon.");
            } else {
                next(P);
                else_ = parse_expr(P);
            }
        }
        if (!then_ || !else_) e = NULL;
        else {
            stk_expr *c = node(P, STK_EX_CONDITIONAL, join(e->range, else_->range));
            c->u.cond.cond = e;
            c->u.cond.then_ = then_;
            c->u.cond.else_ = else_;
            e = c;
        }
    }
    P->depth--;
    return e;
}

/* ---- templates ---- */

enum { TI_LIT, TI_INTERP, TI_IF, TI_ELSE, TI_ENDIF, TI_FOR, TI_ENDFOR };

typedef struct {
    int kind;
    stk_range r;
    char *s;                /* TI_LIT: decoded text (malloc'd) */
    size_t n;
    stk_expr *e;            /* TI_INTERP value, TI_IF cond, TI_FOR collection */
    const char *k, *v;      /* TI_FOR variables */
} titem;

typedef struct { titem *v; size_t n, cap; } tlist;

static titem *tl_push(tlist *l, int kind, stk_range r)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = stk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    titem *it = &l->v[l->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->r = r;
    return it;
}

static void tl_free(tlist *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i].s);
    free(l->v);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(stk_strbuf *b, unsigned cp)
{
    char o[4];
    if (cp < 0x80) { stk_strbuf_putc(b, (char)cp); return; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F));
        stk_strbuf_add(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        stk_strbuf_add(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
        stk_strbuf_add(b, o, 4);
    }
}

/* Decode the raw text of a literal token: backslash escapes when quoted,
   and $${ / %%{ always. */
static void decode_lit(parser *P, const stk_hcl_token *t, int quoted, stk_strbuf *b)
{
    const char *s = TXT(P, t);
    size_t n = t->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((c == '$' || c == '%') && i + 2 < n && s[i + 1] == c && s[i + 2] == '{') {
            stk_strbuf_putc(b, c);
            stk_strbuf_putc(b, '{');
            i += 2;
            continue;
        }
        if (c != '\\' || !quoted) { stk_strbuf_putc(b, c); continue; }
        /* position of the backslash, for diagnostics */
        stk_range r = trange(P, t);
        {
            int col = stk_hcl_tok_start(t).col;
            for (size_t k = 0; k < i; k++)
                if (((unsigned char)s[k] & 0xC0) != 0x80) col++;
            r.start.col = col;
            r.start.byte = stk_hcl_tok_start(t).byte + i;
            r.start.line = stk_hcl_tok_start(t).line;
            r.end = r.start;
            r.end.col += 2;
            r.end.byte += 2;
        }
        if (i + 1 >= n) {
            stk_diags_error(P->d, &r, "Invalid escape sequence",
                            "A backslash must be followed by an escape sequence selector.");
            P->nerrors++;
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'n': stk_strbuf_putc(b, '\n'); break;
        case 'r': stk_strbuf_putc(b, '\r'); break;
        case 't': stk_strbuf_putc(b, '\t'); break;
        case '"': stk_strbuf_putc(b, '"'); break;
        case '\\': stk_strbuf_putc(b, '\\'); break;
        case 'u':
        case 'U': {
            size_t want = e == 'u' ? 4 : 8;
            unsigned cp = 0;
            size_t k = 0;
            for (; k < want && i + 1 + k < n; k++) {
                int h = hexval((unsigned char)s[i + 1 + k]);
                if (h < 0) break;
                cp = cp * 16 + (unsigned)h;
            }
            if (k < want) {
                stk_diags_error(P->d, &r, "Invalid escape sequence",
                                "The \\%c escape sequence requires %zu hexadecimal digits.", e, want);
                P->nerrors++;
                break;
            }
            i += want;
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                stk_diags_error(P->d, &r, "Invalid escape sequence",
                                "The escape sequence does not name a valid Unicode character.");
                P->nerrors++;
                break;
            }
            put_utf8(b, cp);
            break;
        }
        default:
            stk_diags_error(P->d, &r, "Invalid escape sequence",
                            "The symbol \"%c\" is not a valid escape sequence selector.", e);
            P->nerrors++;
            break;
        }
    }
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void trim_right(titem *it)
{
    while (it->n && is_ws(it->s[it->n - 1])) it->n--;
}

static void trim_left(titem *it)
{
    size_t k = 0;
    while (k < it->n && is_ws(it->s[k])) k++;
    memmove(it->s, it->s + k, it->n - k);
    it->n -= k;
}

/* <<- heredocs: remove the smallest common leading whitespace of the lines
   (blank lines not counted; a line starting with an interpolation counts 0). */
static void flush_heredoc(tlist *l)
{
    size_t minsp = (size_t)-1;
    int newline = 1;
    for (size_t i = 0; i < l->n; i++) {
        titem *it = &l->v[i];
        if (newline) {
            newline = 0;
            size_t sp = 0;
            if (it->kind == TI_LIT) {
                size_t k = 0;
                while (k < it->n && is_ws(it->s[k])) k++;
                if (k == it->n && it->n && it->s[it->n - 1] == '\n') sp = (size_t)-1;
                else sp = k;
            }
            if (sp < minsp) minsp = sp;
        }
        if (it->kind == TI_LIT && it->n && it->s[it->n - 1] == '\n') newline = 1;
    }
    if (minsp == (size_t)-1 || minsp == 0) return;
    newline = 1;
    for (size_t i = 0; i < l->n; i++) {
        titem *it = &l->v[i];
        if (newline && it->kind == TI_LIT) {
            size_t k = 0;
            while (k < it->n && is_ws(it->s[k])) k++;
            int blank = k == it->n && it->n && it->s[it->n - 1] == '\n';
            if (!blank) {
                size_t cut = minsp < k ? minsp : k;
                memmove(it->s, it->s + cut, it->n - cut);
                it->n -= cut;
                it->r.start.col += (int)cut;
                it->r.start.byte += cut;
            }
        }
        newline = 0;
        if (it->kind == TI_LIT && it->n && it->s[it->n - 1] == '\n') newline = 1;
    }
}

/* directive -> 'if' expr | 'else' | 'endif' | 'for' IDENT (',' IDENT)? 'in' expr | 'endfor'
   (after its %{ opener; appends one item to l; 0 on error) */
static int parse_directive(parser *P, stk_hcl_token *open, tlist *l)
{
    stk_hcl_token *kw = next(P);
    stk_range r = trange(P, open);
    if (is_kw(P, kw, "if")) {
        stk_expr *c = parse_expr(P);
        if (!c) return 0;
        tl_push(l, TI_IF, r)->e = c;
    } else if (is_kw(P, kw, "else")) {
        tl_push(l, TI_ELSE, r);
    } else if (is_kw(P, kw, "endif")) {
        tl_push(l, TI_ENDIF, r);
    } else if (is_kw(P, kw, "endfor")) {
        tl_push(l, TI_ENDFOR, r);
    } else if (is_kw(P, kw, "for")) {
        stk_hcl_token *a = next(P), *b = NULL;
        if (a->kind != STK_TK_IDENT) {
            err_at(P, a, "Invalid 'for' directive", "For directive requires variable name after 'for'.");
            return 0;
        }
        if (peek(P)->kind == STK_TK_COMMA) {
            next(P);
            b = next(P);
            if (b->kind != STK_TK_IDENT) {
                err_at(P, b, "Invalid 'for' directive", "For directive requires value variable name after comma.");
                return 0;
            }
        }
        stk_hcl_token *in = next(P);
        if (!is_kw(P, in, "in")) {
            err_at(P, in, "Invalid 'for' directive", "For directive requires the 'in' keyword after its names.");
            return 0;
        }
        stk_expr *coll = parse_expr(P);
        if (!coll) return 0;
        titem *it = tl_push(l, TI_FOR, r);
        it->e = coll;
        if (b) { it->k = tok_str(P, a); it->v = tok_str(P, b); }
        else it->v = tok_str(P, a);
    } else {
        err_at(P, kw, "Invalid template control keyword",
               "A template directive keyword (\"if\", \"for\", etc) is expected at the beginning of a "
               "%%{ sequence.");
        return 0;
    }
    return 1;
}

/* titems -> (QLIT | SLIT | TINTERP expr TEND | TCONTROL directive TEND)*
   Collects the items of a template up to (not including) a token of kind
   `closer`, applying ~ strip markers.  Returns 0 on error (reported). */
static int collect_template(parser *P, int closer, int quoted, tlist *l)
{
    int trim_next = 0;
    stk_strbuf b = STK_STRBUF_INIT;
    for (;;) {
        stk_hcl_token *t = &P->tk.toks[P->pos];
        if (t->kind == closer) break;
        if (t->kind == STK_TK_QLIT || t->kind == STK_TK_SLIT) {
            P->pos++;
            stk_strbuf_reset(&b);
            decode_lit(P, t, t->kind == STK_TK_QLIT, &b);
            titem *it = tl_push(l, TI_LIT, trange(P, t));
            it->s = stk_xmalloc(b.len + 1);
            if (b.len) memcpy(it->s, b.s, b.len);
            it->n = b.len;
            if (trim_next) trim_left(it);
            trim_next = 0;
            continue;
        }
        if (t->kind == STK_TK_TINTERP || t->kind == STK_TK_TCONTROL) {
            P->pos++;
            if (t->strip && l->n && l->v[l->n - 1].kind == TI_LIT) trim_right(&l->v[l->n - 1]);
            trim_next = 0;
            nl_push(P, 1);
            int ok;
            if (t->kind == STK_TK_TINTERP) {
                stk_expr *e = parse_expr(P);
                ok = e != NULL;
                if (ok) tl_push(l, TI_INTERP, e->range)->e = e;
            } else ok = parse_directive(P, t, l);
            stk_hcl_token *c = ok ? peek(P) : NULL;
            nl_pop(P);
            if (!ok) break;
            if (c->kind != STK_TK_TEND) {
                if (c->kind == STK_TK_EOF)
                    err_at(P, t, t->kind == STK_TK_TINTERP ? "Unclosed template interpolation sequence"
                                                           : "Unclosed template directive sequence",
                           "There is no closing brace for this %s sequence before the end of the template. "
                           "This might be caused by incorrect nesting inside the given expression.",
                           t->kind == STK_TK_TINTERP ? "interpolation" : "directive");
                else if (t->kind == STK_TK_TINTERP)
                    err_at(P, c, "Extra characters after interpolation expression",
                           "Expected a closing brace to end the interpolation expression, but found "
                           "extra characters.");
                else
                    err_at(P, c, "Extra characters in template directive",
                           "Expected a closing brace to end the template directive, but found "
                           "extra characters.");
                break;
            }
            P->pos = (size_t)(c - P->tk.toks) + 1;
            trim_next = c->strip;
            continue;
        }
        /* anything else cannot appear here unless an error was reported already */
        if (t->kind != STK_TK_EOF || closer != STK_TK_EOF)
            err_at(P, t, "Unterminated template string", "No closing marker was found for the string.");
        break;
    }
    stk_strbuf_free(&b);
    return P->tk.toks[P->pos].kind == closer;
}

static stk_expr *template_lit(parser *P, const char *s, size_t n, stk_range r)
{
    return lit_node(P, stk_value_stringn(s, n), r);
}

static const char *directive_name(int kind)
{
    switch (kind) {
    case TI_IF: return "if";
    case TI_ELSE: return "else";
    case TI_ENDIF: return "endif";
    case TI_FOR: return "for";
    default: return "endfor";
    }
}

/* A %{if} or %{for} (it) not closed: item i is the wrong directive, or the template ended. */
static void unclosed_directive(parser *P, tlist *l, size_t i, const titem *it, const char *open,
                               const char *close)
{
    if (i < l->n) {
        char summary[64];
        snprintf(summary, sizeof summary, "Unexpected %s directive", directive_name(l->v[i].kind));
        stk_diags_error(P->d, &l->v[i].r, summary, "Expecting an %%{%s} directive for the %%{%s} at line %d.",
                        close, open, it->r.start.line);
    } else {
        stk_diags_error(P->d, &P->tmpl_end, "Unexpected end of template",
                        "The %%{%s} directive at line %d is missing its corresponding %%{%s} directive.",
                        open, it->r.start.line, close);
    }
    P->nerrors++;
}

/* tparts -> (LIT | INTERP | IF tparts (ELSE tparts)? ENDIF | FOR tparts ENDFOR)*
   Builds a TEMPLATE of l->v[*i..] up to an item of a kind in stop (bitmask). */
static stk_expr *build_parts(parser *P, tlist *l, size_t *i, unsigned stop, stk_range r)
{
    vec parts = {0};
    while (*i < l->n) {
        titem *it = &l->v[*i];
        if (stop & (1u << it->kind)) break;
        (*i)++;
        switch (it->kind) {
        case TI_LIT:
            if (it->n) vec_push(&parts, template_lit(P, it->s, it->n, it->r));
            break;
        case TI_INTERP:
            vec_push(&parts, it->e);
            break;
        case TI_IF: {
            stk_expr *e = node(P, STK_EX_TEMPLATE_IF, it->r);
            e->u.cond.cond = it->e;
            e->u.cond.then_ = build_parts(P, l, i, (1u << TI_ELSE) | (1u << TI_ENDIF) | (1u << TI_ENDFOR), it->r);
            if (!e->u.cond.then_) goto fail;
            if (*i < l->n && l->v[*i].kind == TI_ELSE) {
                (*i)++;
                e->u.cond.else_ = build_parts(P, l, i, (1u << TI_ELSE) | (1u << TI_ENDIF) | (1u << TI_ENDFOR), it->r);
                if (!e->u.cond.else_) goto fail;
            }
            if (*i >= l->n || l->v[*i].kind != TI_ENDIF) {
                unclosed_directive(P, l, *i, it, "if", "endif");
                goto fail;
            }
            e->range = join(it->r, l->v[*i].r);
            (*i)++;
            vec_push(&parts, e);
            break;
        }
        case TI_FOR: {
            stk_expr *e = node(P, STK_EX_TEMPLATE_FOR, it->r);
            e->u.for_.key_var = it->k;
            e->u.for_.val_var = it->v;
            e->u.for_.coll = it->e;
            e->u.for_.val_expr = build_parts(P, l, i, (1u << TI_ELSE) | (1u << TI_ENDIF) | (1u << TI_ENDFOR), it->r);
            if (!e->u.for_.val_expr) goto fail;
            if (*i >= l->n || l->v[*i].kind != TI_ENDFOR) {
                unclosed_directive(P, l, *i, it, "for", "endfor");
                goto fail;
            }
            e->range = join(it->r, l->v[*i].r);
            (*i)++;
            vec_push(&parts, e);
            break;
        }
        default: {
            const char *kw = directive_name(it->kind);
            char summary[64];
            snprintf(summary, sizeof summary, "Unexpected %s directive", kw);
            stk_diags_error(P->d, &it->r, summary, "There is no %%{%s} directive open here for this "
                            "%%{%s} to close.", it->kind == TI_ENDFOR ? "for" : "if", kw);
            P->nerrors++;
            goto fail;
        }
        }
    }
    stk_expr *t = node(P, STK_EX_TEMPLATE, r);
    t->u.tmpl.n = parts.n;
    t->u.tmpl.parts = vec_finish(P, &parts);
    return t;
fail:
    free(parts.v);
    return NULL;
}

/* Turn collected items into the template expression covering range r.
   wrap_ok: a lone interpolation becomes TEMPLATE_WRAP. */
static stk_expr *finish_template(parser *P, tlist *l, stk_range r, int wrap_ok)
{
    if (wrap_ok && l->n == 1 && l->v[0].kind == TI_INTERP) {
        stk_expr *w = node(P, STK_EX_TEMPLATE_WRAP, r);
        w->u.wrapped = l->v[0].e;
        return w;
    }
    /* meld consecutive literals */
    size_t o = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (o && l->v[i].kind == TI_LIT && l->v[o - 1].kind == TI_LIT) {
            titem *a = &l->v[o - 1], *b = &l->v[i];
            a->s = stk_xrealloc(a->s, a->n + b->n + 1);
            memcpy(a->s + a->n, b->s, b->n);
            a->n += b->n;
            a->r = join(a->r, b->r);
            free(b->s);
            b->s = NULL;
            continue;
        }
        l->v[o++] = l->v[i];
    }
    l->n = o;
    int all_lit = 1;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].kind != TI_LIT) all_lit = 0;
    if (all_lit) {
        if (l->n == 0) return template_lit(P, "", 0, r);
        return template_lit(P, l->v[0].s, l->v[0].n, r);
    }
    size_t i = 0;
    stk_expr *t = build_parts(P, l, &i, 0, r);
    return t;
}

/* template -> OQUOTE (QLIT | TINTERP expr TEND | TCONTROL directive TEND)* CQUOTE
             | OHEREDOC (SLIT | TINTERP expr TEND | TCONTROL directive TEND)* CHEREDOC */
static stk_expr *parse_template(parser *P)
{
    stk_hcl_token *open = next(P);
    int closer = open->kind == STK_TK_OQUOTE ? STK_TK_CQUOTE : STK_TK_CHEREDOC;
    tlist l = {0};
    stk_expr *e = NULL;
    if (collect_template(P, closer, closer == STK_TK_CQUOTE, &l)) {
        stk_hcl_token *close = &P->tk.toks[P->pos++];
        P->tmpl_end = trange(P, close);
        if (open->flush) flush_heredoc(&l);
        e = finish_template(P, &l, span(P, open, close), 1);
    }
    tl_free(&l);
    return e;
}

/* ---- bodies ---- */

/* Skip the rest of an item that failed: from token index `from`, to the end
   of its line, counting bracket nesting; stops before a `}` closing the
   enclosing block. */
static void recover(parser *P, size_t from)
{
    size_t i = from;
    int braces = 0, other = 0;
    for (;;) {
        stk_hcl_token *t = &P->tk.toks[i];
        switch (t->kind) {
        case STK_TK_EOF: P->pos = i; return;
        case STK_TK_NEWLINE:
            if (braces <= 0 && other <= 0) { P->pos = i + 1; return; }
            break;
        case STK_TK_LBRACE: braces++; break;
        case STK_TK_RBRACE:
            if (braces <= 0) {   /* closes the enclosing block */
                P->pos = i > from ? i : i + 1;
                return;
            }
            braces--;
            break;
        case STK_TK_LBRACK: case STK_TK_LPAREN: case STK_TK_TINTERP:
        case STK_TK_TCONTROL: case STK_TK_OQUOTE: case STK_TK_OHEREDOC:
            other++;
            break;
        case STK_TK_RBRACK: case STK_TK_RPAREN: case STK_TK_TEND: case STK_TK_CQUOTE: case STK_TK_CHEREDOC:
            if (other > 0) other--;
            break;
        default: break;
        }
        i++;
    }
}

static int item_end(parser *P, const char *summary, const char *detail)
{
    stk_hcl_token *t = peek(P);
    if (t->kind == STK_TK_NEWLINE) { next(P); return 1; }
    if (t->kind == STK_TK_EOF) return 1;
    err_at(P, t, summary, "%s", detail);
    return 0;
}

/* label -> IDENT | OQUOTE QLIT? CQUOTE   (no template sequences) */
static int parse_label(parser *P, const char **out, stk_range *r)
{
    stk_hcl_token *t = next(P);
    if (t->kind == STK_TK_IDENT) {
        *out = tok_str(P, t);
        *r = trange(P, t);
        return 1;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    stk_hcl_token *c;
    for (;;) {
        c = &P->tk.toks[P->pos++];
        if (c->kind == STK_TK_QLIT) { decode_lit(P, c, 1, &b); continue; }
        break;
    }
    if (c->kind != STK_TK_CQUOTE) {
        if (c->kind == STK_TK_TINTERP || c->kind == STK_TK_TCONTROL)
            err_at(P, c, "Invalid string literal",
                   "Template sequences are not allowed in this string. To include a literal \"%c{\", "
                   "double it (as \"%c%c{\") to escape it.", TXT(P, c)[0], TXT(P, c)[0], TXT(P, c)[0]);
        stk_strbuf_free(&b);
        return 0;
    }
    *out = stk_arena_strndup(P->a, b.s ? b.s : "", b.len);
    *r = span(P, t, c);
    stk_strbuf_free(&b);
    return 1;
}

static stk_hcl_body *parse_body(parser *P, stk_hcl_token *open);

static void check_duplicates(parser *P, stk_hcl_attr **attrs, size_t n);

/* item -> IDENT '=' expr NEWLINE | IDENT label* '{' (NEWLINE body | attribute?) '}' NEWLINE */
static int parse_item(parser *P, vec *attrs, vec *blocks)
{
    stk_hcl_token *name = next(P);
    stk_hcl_token *t = peek(P);
    if (t->kind == STK_TK_ASSIGN) {
        next(P);
        stk_expr *e = parse_expr(P);
        if (!e) return 0;
        if (!item_end(P, "Missing newline after argument", "An argument definition must end with a newline."))
            return 0;
        stk_hcl_attr *a = stk_arena_alloc(P->a, sizeof *a);
        a->name = tok_str(P, name);
        a->name_range = trange(P, name);
        a->expr = e;
        a->range = join(a->name_range, e->range);
        vec_push(attrs, a);
        return 1;
    }
    if (t->kind != STK_TK_IDENT && t->kind != STK_TK_OQUOTE && t->kind != STK_TK_LBRACE) {
        err_at(P, name, "Argument or block definition required",
               "An argument or block definition is required here. To set an argument, use the equals "
               "sign \"=\" to introduce the argument value.");
        return 0;
    }
    stk_hcl_block *b = stk_arena_alloc(P->a, sizeof *b);
    b->type = tok_str(P, name);
    b->type_range = trange(P, name);
    vec labels = {0};
    stk_range *lr = NULL;
    size_t nlr = 0;
    while ((t = peek(P))->kind == STK_TK_IDENT || t->kind == STK_TK_OQUOTE) {
        const char *lab;
        stk_range r;
        if (!parse_label(P, &lab, &r)) { free(labels.v); free(lr); return 0; }
        vec_push(&labels, (void *)lab);
        lr = stk_xrealloc(lr, (nlr + 1) * sizeof *lr);
        lr[nlr++] = r;
    }
    t = peek(P);
    if (t->kind != STK_TK_LBRACE) {
        err_at(P, t, "Invalid block definition",
               "Either a quoted string block label or an opening brace (\"{\") is expected here.");
        free(labels.v);
        free(lr);
        return 0;
    }
    b->nlabels = labels.n;
    b->labels = vec_finish(P, &labels);
    if (nlr) b->label_ranges = stk_arena_memdup(P->a, lr, nlr * sizeof *lr);
    free(lr);
    stk_hcl_token *open = next(P);
    /* the raw next token decides between a multi-line body and a one-line block */
    size_t k = P->pos;
    while (P->tk.toks[k].kind == STK_TK_COMMENT) k++;
    stk_hcl_token *close;
    if (P->tk.toks[k].kind == STK_TK_NEWLINE || P->tk.toks[k].kind == STK_TK_EOF) {
        b->body = parse_body(P, open);
        if (!b->body) return 0;
        close = peek(P);
        if (close->kind != STK_TK_RBRACE) return 0;   /* unclosed: reported by parse_body */
        next(P);
    } else {
        /* one-line block: at most one argument */
        stk_hcl_body *body = stk_arena_alloc(P->a, sizeof *body);
        b->body = body;
        t = peek(P);
        if (t->kind == STK_TK_IDENT && peek2(P)->kind == STK_TK_ASSIGN) {
            next(P);
            next(P);
            stk_expr *e = parse_expr(P);
            if (!e) return 0;
            stk_hcl_attr *a = stk_arena_alloc(P->a, sizeof *a);
            a->name = tok_str(P, t);
            a->name_range = trange(P, t);
            a->expr = e;
            a->range = join(a->name_range, e->range);
            body->attrs = stk_arena_alloc(P->a, sizeof *body->attrs);
            body->attrs[0] = a;
            body->nattrs = 1;
            t = peek(P);
            if (t->kind != STK_TK_RBRACE) {
                err_at(P, t, "Invalid single-argument block definition",
                       "A single-line block definition must end with a closing brace immediately after "
                       "its single argument definition.");
                return 0;
            }
        } else if (t->kind != STK_TK_RBRACE) {
            if (t->kind == STK_TK_IDENT)
                err_at(P, t, "Argument definition required",
                       "A single-line block definition can contain only a single argument. If you meant "
                       "to define argument \"%.*s\", use an equals sign to assign it a value. To define a "
                       "nested block, place it on a line of its own within its parent block.",
                       (int)t->len, TXT(P, t));
            else
                err_at(P, t, "Argument or block definition required",
                       "An argument or block definition is required here.");
            return 0;
        }
        close = next(P);
        body->range = span(P, open, close);
    }
    b->range = span(P, name, close);
    vec_push(blocks, b);
    return item_end(P, "Missing newline after block definition", "A block definition must end with a newline.");
}

/* body -> (NEWLINE | item)*   up to '}' (nested) or EOF (top level) */
static stk_hcl_body *parse_body(parser *P, stk_hcl_token *open)
{
    stk_hcl_body *body = stk_arena_alloc(P->a, sizeof *body);
    vec attrs = {0}, blocks = {0};
    size_t base = P->nnl;
    nl_push(P, 0);
    if (open && !enter(P, open)) {
        P->depth--;
        nl_pop(P);
        return NULL;
    }
    stk_hcl_token *first = peek(P);
    for (;;) {
        P->nnl = base + 1;
        stk_hcl_token *t = peek(P);
        if (t->kind == STK_TK_NEWLINE) { next(P); continue; }
        if (t->kind == STK_TK_EOF) {
            if (open && !P->unclosed_reported++)
                err_at(P, open, "Unclosed configuration block",
                       "There is no closing brace for this block before the end of the file. This may be "
                       "caused by incorrect brace nesting elsewhere in this file.");
            break;
        }
        if (t->kind == STK_TK_RBRACE && open) break;
        size_t start = P->pos;
        int ok;
        if (t->kind == STK_TK_IDENT) ok = parse_item(P, &attrs, &blocks);
        else if (t->kind == STK_TK_OQUOTE) {
            err_at(P, t, "Invalid argument name", "Argument names must not be quoted.");
            ok = 0;
        } else {
            err_at(P, t, "Argument or block definition required",
                   "An argument or block definition is required here.");
            ok = 0;
        }
        if (!ok) {
            P->nnl = base + 1;
            recover(P, start);
        }
    }
    stk_hcl_token *last = peek(P);
    body->range = open ? span(P, open, last) : span(P, first, last);
    body->nattrs = attrs.n;
    body->attrs = vec_finish(P, &attrs);
    body->nblocks = blocks.n;
    body->blocks = vec_finish(P, &blocks);
    check_duplicates(P, body->attrs, body->nattrs);
    P->nnl = base;
    if (open) P->depth--;
    return body;
}

typedef struct { const char *name; size_t idx; } name_idx;

static int cmp_name_idx(const void *x, const void *y)
{
    const name_idx *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

typedef struct { size_t dup, first; } dup_pair;

static int cmp_dup(const void *x, const void *y)
{
    const dup_pair *a = x, *b = y;
    return a->dup < b->dup ? -1 : a->dup > b->dup;
}

/* "Attribute redefined": each argument may be set once per body.  Sorting
   by name keeps this O(n log n) for large .tfvars files; the reports come
   out in source order. */
static void check_duplicates(parser *P, stk_hcl_attr **attrs, size_t n)
{
    if (n < 2) return;
    name_idx *v = stk_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) { v[i].name = attrs[i]->name; v[i].idx = i; }
    qsort(v, n, sizeof *v, cmp_name_idx);
    dup_pair *dups = NULL;
    size_t nd = 0, first = 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(v[i].name, v[i - 1].name) != 0) { first = i; continue; }
        dups = stk_xrealloc(dups, (nd + 1) * sizeof *dups);
        dups[nd].dup = v[i].idx;
        dups[nd].first = v[first].idx;
        nd++;
    }
    if (nd) qsort(dups, nd, sizeof *dups, cmp_dup);
    for (size_t i = 0; i < nd; i++) {
        stk_hcl_attr *a = attrs[dups[i].dup], *f = attrs[dups[i].first];
        stk_diags_error(P->d, &a->name_range, "Attribute redefined",
                        "The argument \"%s\" was already set at %s:%d,%d-%d. Each argument may be set "
                        "only once.", a->name, f->name_range.filename, f->name_range.start.line,
                        f->name_range.start.col, f->name_range.end.col);
        P->nerrors++;
    }
    free(dups);
    free(v);
}

/* ---- entry points ---- */

static void parser_init(parser *P, stk_arena *a, const char *filename, stk_diags *d, stk_hcl_literals *lits)
{
    memset(P, 0, sizeof *P);
    P->a = a;
    P->filename = stk_arena_strdup(a, filename ? filename : "<input>");
    P->d = d;
    P->lits = lits;
}

static void parser_done(parser *P)
{
    stk_hcl_tokens_free(&P->tk);
    free(P->nl);
}

stk_hcl_file *stk_hcl_parse(const char *filename, const char *src, size_t len, stk_diags *d)
{
    stk_hcl_file *f = stk_xcalloc(1, sizeof *f);
    f->arena = stk_arena_new();
    char *copy = stk_arena_alloc(f->arena, len + 1);
    if (len) memcpy(copy, src, len);
    f->src = copy;
    f->len = len;
    parser P;
    parser_init(&P, f->arena, filename, d, &f->literals);
    f->filename = P.filename;
    stk_hcl_lex(&P.tk, P.filename, copy, len, d);
    f->body = parse_body(&P, NULL);
    parser_done(&P);
    return f;
}

void stk_hcl_literals_free(stk_hcl_literals *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) stk_value_unref(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void stk_hcl_file_free(stk_hcl_file *f)
{
    if (!f) return;
    stk_hcl_literals_free(&f->literals);
    stk_arena_free(f->arena);
    free(f);
}

static stk_expr *parse_standalone(stk_arena *a, const char *filename, const char *src, size_t len,
                                  stk_diags *d, stk_hcl_literals *lits, int template)
{
    parser P;
    parser_init(&P, a, filename, d, lits);
    char *copy = stk_arena_alloc(a, len + 1);
    if (len) memcpy(copy, src, len);
    stk_expr *e = NULL;
    if (template) {
        stk_hcl_lex_template(&P.tk, P.filename, copy, len, d);
        tlist l = {0};
        if (collect_template(&P, STK_TK_EOF, 0, &l)) {
            stk_hcl_token *first = &P.tk.toks[0], *last = &P.tk.toks[P.tk.n - 1];
            P.tmpl_end = trange(&P, last);
            e = finish_template(&P, &l, span(&P, first, last), 0);
        }
        tl_free(&l);
    } else {
        stk_hcl_lex(&P.tk, P.filename, copy, len, d);
        nl_push(&P, 1);
        e = parse_expr(&P);
        if (e) {
            stk_hcl_token *t = peek(&P);
            if (t->kind != STK_TK_EOF) {
                err_at(&P, t, "Extra characters after expression",
                       "An expression was successfully parsed, but extra characters were found after it.");
                e = NULL;
            }
        }
    }
    if (P.tk.nerrors || P.nerrors) e = NULL;
    parser_done(&P);
    return e;
}

stk_expr *stk_hcl_parse_expr(stk_arena *a, const char *filename, const char *src, size_t len,
                             stk_diags *d, stk_hcl_literals *lits)
{
    return parse_standalone(a, filename, src, len, d, lits, 0);
}

stk_expr *stk_hcl_parse_template(stk_arena *a, const char *filename, const char *src, size_t len,
                                 stk_diags *d, stk_hcl_literals *lits)
{
    return parse_standalone(a, filename, src, len, d, lits, 1);
}

stk_hcl_expr_file *stk_hcl_expr_file_parse(const char *filename, const char *src, size_t len,
                                           int template, stk_diags *d)
{
    stk_hcl_expr_file *f = stk_xcalloc(1, sizeof *f);
    f->arena = stk_arena_new();
    f->expr = parse_standalone(f->arena, filename, src, len, d, &f->literals, template);
    return f;
}

void stk_hcl_expr_file_free(stk_hcl_expr_file *f)
{
    if (!f) return;
    stk_hcl_literals_free(&f->literals);
    stk_arena_free(f->arena);
    free(f);
}
