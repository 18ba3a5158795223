/* jmespath.c - a small Pratt parser and tree evaluator for the JMESPath
 * subset described in jmespath.h.  Binding powers follow the specification's
 * reference grammar: pipe 1, or 2, and 3, comparators 5, flatten 9,
 * star 20, filter 21, dot 40, not 45, bracket 55, paren 60. */
#include "aws/protocol/jmespath.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    T_EOF, T_IDENT, T_QIDENT, T_LITERAL, T_RAW, T_NUMBER, T_DOT, T_STAR, T_LBRACKET, T_RBRACKET, T_FLATTEN,
    T_FILTER, T_LPAREN, T_RPAREN, T_COMMA, T_COLON, T_PIPE, T_OR, T_AND, T_NOT, T_CURRENT, T_LBRACE,
    T_RBRACE, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE
} tok_type;

typedef struct {
    tok_type t;
    char *s;       /* identifier / raw string / literal text */
    long long n;   /* number */
} token;

typedef enum {
    N_FIELD, N_INDEX, N_CURRENT, N_LITERAL, N_SUB, N_PROJECT, N_VPROJECT, N_FLATTEN, N_FILTER, N_CMP, N_OR,
    N_AND, N_NOT, N_PIPE, N_FUNC, N_INDEXED
} node_type;

typedef struct node {
    node_type t;
    char *name;            /* field / function name */
    long long index;
    json_t *lit;
    tok_type op;           /* comparator */
    struct node *a, *b, *c;
    struct node **args;
    size_t nargs;
} node;

struct stk_jmespath {
    node *root;
};

typedef struct {
    token *toks;
    size_t n, pos;
    char *err;
} parser;

static void node_free(node *x)
{
    if (!x) return;
    free(x->name);
    json_decref(x->lit);
    node_free(x->a);
    node_free(x->b);
    node_free(x->c);
    for (size_t i = 0; i < x->nargs; i++) node_free(x->args[i]);
    free(x->args);
    free(x);
}

static node *mk(node_type t, node *a, node *b)
{
    node *x = stk_xcalloc(1, sizeof *x);
    x->t = t;
    x->a = a;
    x->b = b;
    return x;
}

static void push(parser *p, tok_type t, char *s, long long n)
{
    p->toks = stk_xrealloc(p->toks, (p->n + 1) * sizeof *p->toks);
    p->toks[p->n++] = (token){t, s, n};
}

static int lex(parser *p, const char *e)
{
    size_t i = 0, len = strlen(e);
    while (i < len) {
        char c = e[i];
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        if (isalpha((unsigned char)c) || c == '_') {
            size_t j = i;
            while (j < len && (isalnum((unsigned char)e[j]) || e[j] == '_')) j++;
            push(p, T_IDENT, stk_xstrndup(e + i, j - i), 0);
            i = j;
            continue;
        }
        if (isdigit((unsigned char)c) || (c == '-' && i + 1 < len && isdigit((unsigned char)e[i + 1]))) {
            char *end;
            long long v = strtoll(e + i, &end, 10);
            push(p, T_NUMBER, NULL, v);
            i = (size_t)(end - e);
            continue;
        }
        if (c == '"' || c == '\'' || c == '`') {
            size_t j = i + 1;
            stk_strbuf b = STK_STRBUF_INIT;
            while (j < len && e[j] != c) {
                if (e[j] == '\\' && j + 1 < len && (e[j + 1] == c || e[j + 1] == '\\') && c != '"') j++;
                stk_strbuf_putc(&b, e[j++]);
            }
            if (j >= len) {
                stk_strbuf_free(&b);
                p->err = stk_xasprintf("unterminated %c at offset %zu", c, i);
                return -1;
            }
            char *s = b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
            if (c == '"') {
                /* a quoted identifier is a JSON string */
                char *q = stk_xasprintf("\"%s\"", s);
                json_t *js = json_loads(q, JSON_DECODE_ANY, NULL);
                free(q);
                free(s);
                if (!json_is_string(js)) {
                    json_decref(js);
                    p->err = stk_xasprintf("bad quoted identifier at offset %zu", i);
                    return -1;
                }
                s = stk_xstrdup(json_string_value(js));
                json_decref(js);
            }
            push(p, c == '"' ? T_QIDENT : c == '\'' ? T_RAW : T_LITERAL, s, 0);
            i = j + 1;
            continue;
        }
        tok_type t;
        size_t w = 1;
        switch (c) {
        case '.': t = T_DOT; break;
        case '*': t = T_STAR; break;
        case '[':
            if (i + 1 < len && e[i + 1] == ']') { t = T_FLATTEN; w = 2; }
            else if (i + 1 < len && e[i + 1] == '?') { t = T_FILTER; w = 2; }
            else t = T_LBRACKET;
            break;
        case ']': t = T_RBRACKET; break;
        case '(': t = T_LPAREN; break;
        case ')': t = T_RPAREN; break;
        case ',': t = T_COMMA; break;
        case ':': t = T_COLON; break;
        case '@': t = T_CURRENT; break;
        case '{': t = T_LBRACE; break;
        case '}': t = T_RBRACE; break;
        case '|':
            if (i + 1 < len && e[i + 1] == '|') { t = T_OR; w = 2; }
            else t = T_PIPE;
            break;
        case '&':
            if (i + 1 < len && e[i + 1] == '&') { t = T_AND; w = 2; }
            else goto bad;
            break;
        case '!':
            if (i + 1 < len && e[i + 1] == '=') { t = T_NE; w = 2; }
            else t = T_NOT;
            break;
        case '=':
            if (i + 1 < len && e[i + 1] == '=') { t = T_EQ; w = 2; }
            else goto bad;
            break;
        case '<':
            if (i + 1 < len && e[i + 1] == '=') { t = T_LE; w = 2; }
            else t = T_LT;
            break;
        case '>':
            if (i + 1 < len && e[i + 1] == '=') { t = T_GE; w = 2; }
            else t = T_GT;
            break;
        default:
            goto bad;
        }
        push(p, t, NULL, 0);
        i += w;
        continue;
    bad:
        p->err = stk_xasprintf("unexpected character '%c' at offset %zu", c, i);
        return -1;
    }
    push(p, T_EOF, NULL, 0);
    return 0;
}

static int bp(tok_type t)
{
    switch (t) {
    case T_PIPE: return 1;
    case T_OR: return 2;
    case T_AND: return 3;
    case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE: return 5;
    case T_FLATTEN: return 9;
    case T_STAR: return 20;
    case T_FILTER: return 21;
    case T_DOT: return 40;
    case T_NOT: return 45;
    case T_LBRACE: return 50;
    case T_LBRACKET: return 55;
    case T_LPAREN: return 60;
    default: return 0;
    }
}

static token *cur(parser *p) { return &p->toks[p->pos]; }
static node *expr(parser *p, int rbp);

static int expect(parser *p, tok_type t, const char *what)
{
    if (p->err) return -1;
    if (cur(p)->t != t) {
        p->err = stk_xasprintf("expected %s", what);
        return -1;
    }
    p->pos++;
    return 0;
}

static node *unsupported(parser *p, const char *what)
{
    if (!p->err) p->err = stk_xasprintf("%s is not supported by stk's JMESPath subset", what);
    return NULL;
}

static node *dot_rhs(parser *p, int rbp)
{
    tok_type t = cur(p)->t;
    if (t == T_IDENT || t == T_QIDENT || t == T_STAR) return expr(p, rbp);
    if (t == T_LBRACKET || t == T_LBRACE) return unsupported(p, "a multi-select");
    p->err = stk_xstrdup("expected an identifier after '.'");
    return NULL;
}

static node *projection_rhs(parser *p, int rbp)
{
    tok_type t = cur(p)->t;
    if (bp(t) < 10) return mk(N_CURRENT, NULL, NULL);
    if (t == T_LBRACKET || t == T_FILTER || t == T_FLATTEN) return expr(p, rbp);
    if (t == T_DOT) {
        p->pos++;
        return dot_rhs(p, rbp);
    }
    p->err = stk_xstrdup("unexpected token after a projection");
    return NULL;
}

/* "[" already consumed: index or "*]" */
static node *bracket(parser *p, node *left)
{
    token *t = cur(p);
    if (t->t == T_NUMBER) {
        node *ix = mk(N_INDEX, NULL, NULL);
        ix->index = t->n;
        p->pos++;
        if (cur(p)->t == T_COLON) {
            node_free(ix);
            node_free(left);
            return unsupported(p, "a slice");
        }
        if (expect(p, T_RBRACKET, "']'")) {
            node_free(ix);
            node_free(left);
            return NULL;
        }
        return left ? mk(N_INDEXED, left, ix) : ix;
    }
    if (t->t == T_STAR) {
        p->pos++;
        if (expect(p, T_RBRACKET, "']'")) {
            node_free(left);
            return NULL;
        }
        node *rhs = projection_rhs(p, bp(T_STAR));
        return mk(N_PROJECT, left ? left : mk(N_CURRENT, NULL, NULL), rhs);
    }
    node_free(left);
    return unsupported(p, t->t == T_COLON ? "a slice" : "a multi-select list");
}

static node *filter(parser *p, node *left)
{
    node *cond = expr(p, 0);
    if (expect(p, T_RBRACKET, "']' after a filter")) {
        node_free(cond);
        node_free(left);
        return NULL;
    }
    node *rhs = projection_rhs(p, bp(T_FILTER));
    node *f = mk(N_FILTER, left ? left : mk(N_CURRENT, NULL, NULL), rhs);
    f->c = cond;
    return f;
}

static node *nud(parser *p)
{
    token *t = cur(p);
    p->pos++;
    switch (t->t) {
    case T_IDENT:
    case T_QIDENT: {
        node *x = mk(N_FIELD, NULL, NULL);
        x->name = stk_xstrdup(t->s);
        return x;
    }
    case T_RAW: {
        node *x = mk(N_LITERAL, NULL, NULL);
        x->lit = json_string(t->s);
        return x;
    }
    case T_LITERAL: {
        json_error_t e;
        json_t *v = json_loads(t->s, JSON_DECODE_ANY, &e);
        if (!v) {
            p->err = stk_xasprintf("bad literal `%s`: %s", t->s, e.text);
            return NULL;
        }
        node *x = mk(N_LITERAL, NULL, NULL);
        x->lit = v;
        return x;
    }
    case T_CURRENT: return mk(N_CURRENT, NULL, NULL);
    case T_STAR: return mk(N_VPROJECT, mk(N_CURRENT, NULL, NULL), projection_rhs(p, bp(T_STAR)));
    case T_FLATTEN:
        return mk(N_PROJECT, mk(N_FLATTEN, mk(N_CURRENT, NULL, NULL), NULL), projection_rhs(p, bp(T_FLATTEN)));
    case T_LBRACKET: return bracket(p, NULL);
    case T_FILTER: return filter(p, NULL);
    case T_NOT: return mk(N_NOT, expr(p, bp(T_NOT)), NULL);
    case T_LPAREN: {
        node *x = expr(p, 0);
        if (expect(p, T_RPAREN, "')'")) {
            node_free(x);
            return NULL;
        }
        return x;
    }
    case T_EOF: p->err = stk_xstrdup("unexpected end of expression"); return NULL;
    case T_LBRACE: return unsupported(p, "a multi-select hash");
    default: p->err = stk_xstrdup("unexpected token"); return NULL;
    }
}

static node *led(parser *p, node *left)
{
    token *t = cur(p);
    tok_type tt = t->t;
    p->pos++;
    switch (tt) {
    case T_DOT:
        if (cur(p)->t == T_STAR) {
            p->pos++;
            return mk(N_VPROJECT, left, projection_rhs(p, bp(T_DOT)));
        }
        return mk(N_SUB, left, dot_rhs(p, bp(T_DOT)));
    case T_FLATTEN: return mk(N_PROJECT, mk(N_FLATTEN, left, NULL), projection_rhs(p, bp(T_FLATTEN)));
    case T_LBRACKET: return bracket(p, left);
    case T_FILTER: return filter(p, left);
    case T_OR: return mk(N_OR, left, expr(p, bp(T_OR)));
    case T_AND: return mk(N_AND, left, expr(p, bp(T_AND)));
    case T_PIPE: return mk(N_PIPE, left, expr(p, bp(T_PIPE)));
    case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE: {
        node *x = mk(N_CMP, left, expr(p, bp(tt)));
        x->op = tt;
        return x;
    }
    case T_LPAREN: {
        if (!left || left->t != N_FIELD) {
            node_free(left);
            p->err = stk_xstrdup("'(' after something that is not a function name");
            return NULL;
        }
        node *f = mk(N_FUNC, NULL, NULL);
        f->name = left->name;
        left->name = NULL;
        node_free(left);
        if (strcmp(f->name, "length") != 0 && strcmp(f->name, "contains") != 0) {
            char *msg = stk_xasprintf("the function %s()", f->name);
            node_free(f);
            unsupported(p, msg);
            free(msg);
            return NULL;
        }
        while (!p->err && cur(p)->t != T_RPAREN) {
            if (f->nargs) expect(p, T_COMMA, "','");
            if (p->err) break;
            node *a = expr(p, 0);
            f->args = stk_xrealloc(f->args, (f->nargs + 1) * sizeof *f->args);
            f->args[f->nargs++] = a;
        }
        if (expect(p, T_RPAREN, "')'")) {
            node_free(f);
            return NULL;
        }
        return f;
    }
    default:
        node_free(left);
        p->err = stk_xstrdup("unexpected token");
        return NULL;
    }
}

static node *expr(parser *p, int rbp)
{
    if (p->err) return NULL;
    node *left = nud(p);
    while (!p->err && rbp < bp(cur(p)->t)) left = led(p, left);
    if (p->err) {
        node_free(left);
        return NULL;
    }
    return left;
}

stk_jmespath *stk_jmespath_compile(const char *e, char **err)
{
    parser p = {0};
    node *root = NULL;
    if (lex(&p, e) == 0) {
        root = expr(&p, 0);
        if (!p.err && cur(&p)->t != T_EOF) {
            p.err = stk_xstrdup("unexpected token after the expression");
            node_free(root);
            root = NULL;
        }
    }
    for (size_t i = 0; i < p.n; i++) free(p.toks[i].s);
    free(p.toks);
    if (p.err) {
        if (err) *err = stk_xasprintf("JMESPath \"%s\": %s", e, p.err);
        free(p.err);
        return NULL;
    }
    stk_jmespath *jp = stk_xmalloc(sizeof *jp);
    jp->root = root;
    return jp;
}

void stk_jmespath_free(stk_jmespath *jp)
{
    if (!jp) return;
    node_free(jp->root);
    free(jp);
}

int stk_jmespath_truthy(json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v)) return 0;
    if (json_is_string(v)) return json_string_length(v) > 0;
    if (json_is_array(v)) return json_array_size(v) > 0;
    if (json_is_object(v)) return json_object_size(v) > 0;
    return 1;
}

int stk_jmespath_equal(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b)) return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!stk_jmespath_equal(json_array_get(a, i), json_array_get(b, i))) return 0;
        return 1;
    }
    return json_equal(a, b);
}

static size_t utf8_len(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

static json_t *eval(const node *x, json_t *v);

static json_t *project(const node *rhs, json_t *base)
{
    if (!json_is_array(base)) return json_null();
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(base, i, e) {
        json_t *r = eval(rhs, e);
        if (json_is_null(r)) json_decref(r);
        else json_array_append_new(out, r);
    }
    return out;
}

static json_t *eval(const node *x, json_t *v)
{
    if (!x || !v) return json_null();
    switch (x->t) {
    case N_FIELD: {
        json_t *r = json_is_object(v) ? json_object_get(v, x->name) : NULL;
        return r ? json_incref(r) : json_null();
    }
    case N_INDEX: {
        if (!json_is_array(v)) return json_null();
        long long n = (long long)json_array_size(v), i = x->index < 0 ? n + x->index : x->index;
        if (i < 0 || i >= n) return json_null();
        return json_incref(json_array_get(v, (size_t)i));
    }
    case N_INDEXED: {
        json_t *l = eval(x->a, v), *r = eval(x->b, l);
        json_decref(l);
        return r;
    }
    case N_CURRENT: return json_incref(v);
    case N_LITERAL: return json_incref(x->lit);
    case N_SUB:
    case N_PIPE: {
        json_t *l = eval(x->a, v);
        json_t *r = json_is_null(l) && x->t == N_SUB ? json_null() : eval(x->b, l);
        json_decref(l);
        return r;
    }
    case N_PROJECT: {
        json_t *base = eval(x->a, v), *r = project(x->b, base);
        json_decref(base);
        return r;
    }
    case N_VPROJECT: {
        json_t *base = eval(x->a, v);
        if (!json_is_object(base)) {
            json_decref(base);
            return json_null();
        }
        json_t *vals = json_array();
        const char *k;
        json_t *e;
        json_object_foreach(base, k, e) json_array_append(vals, e);
        json_t *r = project(x->b, vals);
        json_decref(vals);
        json_decref(base);
        return r;
    }
    case N_FLATTEN: {
        json_t *base = eval(x->a, v);
        if (!json_is_array(base)) {
            json_decref(base);
            return json_null();
        }
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(base, i, e) {
            if (json_is_array(e)) json_array_extend(out, e);
            else json_array_append(out, e);
        }
        json_decref(base);
        return out;
    }
    case N_FILTER: {
        json_t *base = eval(x->a, v);
        if (!json_is_array(base)) {
            json_decref(base);
            return json_null();
        }
        json_t *kept = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(base, i, e) {
            json_t *c = eval(x->c, e);
            if (stk_jmespath_truthy(c)) json_array_append(kept, e);
            json_decref(c);
        }
        json_t *r = project(x->b, kept);
        json_decref(kept);
        json_decref(base);
        return r;
    }
    case N_CMP: {
        json_t *l = eval(x->a, v), *r = eval(x->b, v), *res;
        if (x->op == T_EQ) res = json_boolean(stk_jmespath_equal(l, r));
        else if (x->op == T_NE) res = json_boolean(!stk_jmespath_equal(l, r));
        else if (!json_is_number(l) || !json_is_number(r)) res = json_null();
        else {
            double a = json_number_value(l), b = json_number_value(r);
            int ok = x->op == T_LT ? a < b : x->op == T_LE ? a <= b : x->op == T_GT ? a > b : a >= b;
            res = json_boolean(ok);
        }
        json_decref(l);
        json_decref(r);
        return res;
    }
    case N_OR: {
        json_t *l = eval(x->a, v);
        if (stk_jmespath_truthy(l)) return l;
        json_decref(l);
        return eval(x->b, v);
    }
    case N_AND: {
        json_t *l = eval(x->a, v);
        if (!stk_jmespath_truthy(l)) return l;
        json_decref(l);
        return eval(x->b, v);
    }
    case N_NOT: {
        json_t *l = eval(x->a, v);
        int t = stk_jmespath_truthy(l);
        json_decref(l);
        return json_boolean(!t);
    }
    case N_FUNC: {
        if (strcmp(x->name, "length") == 0 && x->nargs == 1) {
            json_t *a = eval(x->args[0], v), *r;
            if (json_is_string(a)) r = json_integer((json_int_t)utf8_len(json_string_value(a), json_string_length(a)));
            else if (json_is_array(a)) r = json_integer((json_int_t)json_array_size(a));
            else if (json_is_object(a)) r = json_integer((json_int_t)json_object_size(a));
            else r = json_null();
            json_decref(a);
            return r;
        }
        if (strcmp(x->name, "contains") == 0 && x->nargs == 2) {
            json_t *a = eval(x->args[0], v), *b = eval(x->args[1], v), *r = json_false();
            if (json_is_array(a)) {
                size_t i;
                json_t *e;
                json_array_foreach(a, i, e) if (stk_jmespath_equal(e, b)) {
                    json_decref(r);
                    r = json_true();
                    break;
                }
            } else if (json_is_string(a) && json_is_string(b)) {
                r = json_boolean(strstr(json_string_value(a), json_string_value(b)) != NULL);
            } else {
                r = json_null();
            }
            json_decref(a);
            json_decref(b);
            return r;
        }
        return json_null();
    }
    }
    return json_null();
}

json_t *stk_jmespath_eval(const stk_jmespath *jp, json_t *data)
{
    return eval(jp->root, data);
}

json_t *stk_jmespath_search(const char *e, json_t *data, char **err)
{
    stk_jmespath *jp = stk_jmespath_compile(e, err);
    if (!jp) return NULL;
    json_t *r = stk_jmespath_eval(jp, data);
    stk_jmespath_free(jp);
    return r;
}
