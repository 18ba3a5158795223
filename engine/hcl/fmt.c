/* fmt.c - the canonical-style formatter behind `stk fmt` (see fmt.h).
 *
 * The passes, in order, over the tokens of the file:
 *   1. split into lines; a line comment (# or //) takes its newline with it
 *      and so ends a line too.  Each line has up to three cells: `lead`,
 *      `assign` (from the first `=` after the first token when the rest of
 *      the line has balanced brackets) and `comment` (a trailing line
 *      comment after other tokens).
 *   2. indentation: 2 spaces per level; a line that opens more brackets
 *      than it closes pushes a level (remembering how many it opened), a
 *      line that closes pops as many levels as it closed brackets.  Inside
 *      a heredoc nothing is re-indented: the heredoc text is one token run.
 *   3. spacing between neighbouring tokens of a cell (space_after()).
 *   4. alignment: the `=` of consecutive lines having an assign cell are
 *      aligned one column after the longest lead; then the trailing
 *      comments of consecutive lines having one are aligned likewise.
 * Only the number of spaces before each token changes.
 */
#include "hcl/fmt.h"
#include "hcl/lexer.h"
#include "hcl/parser.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

enum { TK_NIL = -1 };

typedef struct {
    int kind;
    const char *text;
    size_t len;
    int spaces;        /* spaces before the token */
} ftok;

typedef struct {
    size_t lead0, lead1, assign0, assign1, comment0, comment1;  /* [start, end) of each cell */
} fline;

static int is_line_comment(const ftok *t)
{
    return t->kind == STK_TK_COMMENT && t->len && t->text[t->len - 1] == '\n';
}

static int is_newline(const ftok *t)
{
    return t->kind == STK_TK_NEWLINE || is_line_comment(t);
}

static int bracket_change(int kind)
{
    switch (kind) {
    case STK_TK_LBRACE: case STK_TK_LBRACK: case STK_TK_LPAREN: case STK_TK_TCONTROL: case STK_TK_TINTERP:
        return 1;
    case STK_TK_RBRACE: case STK_TK_RBRACK: case STK_TK_RPAREN: case STK_TK_TEND:
        return -1;
    default:
        return 0;
    }
}

static int is_in_kw(const ftok *t)
{
    return t->kind == STK_TK_IDENT && t->len == 2 && t->text[0] == 'i' && t->text[1] == 'n';
}

static int is_template_text(int k)
{
    return k == STK_TK_QLIT || k == STK_TK_SLIT;
}

/* Should there be a space between subject and after (before = the token before subject)? */
static int space_after(const ftok *subject, const ftok *before, const ftok *after)
{
    int s = subject->kind, a = after->kind, b = before ? before->kind : TK_NIL;
    if (a == STK_TK_NEWLINE) return 0;
    if (s == STK_TK_IDENT && a == STK_TK_LPAREN) return 0;
    if (s == STK_TK_DOT || a == STK_TK_DOT) return 0;
    if (a == STK_TK_COMMA || a == STK_TK_ELLIPSIS) return 0;
    if (s == STK_TK_COMMA) return 1;
    if (is_template_text(s) || s == STK_TK_OQUOTE || s == STK_TK_OHEREDOC ||
        is_template_text(a) || a == STK_TK_CQUOTE || a == STK_TK_CHEREDOC)
        return 0;
    if (is_in_kw(subject) && b == STK_TK_IDENT) return 1;
    if (a == STK_TK_LBRACK &&
        (s == STK_TK_IDENT || s == STK_TK_NUMBER || bracket_change(s) < 0))
        return 0;
    if (s == STK_TK_BANG) return 0;
    if (s == STK_TK_MINUS) {
        switch (b) {
        case TK_NIL:
        case STK_TK_LPAREN: case STK_TK_LBRACE: case STK_TK_LBRACK: case STK_TK_ASSIGN:
        case STK_TK_COLON: case STK_TK_COMMA: case STK_TK_QUESTION:
        case STK_TK_PLUS: case STK_TK_STAR: case STK_TK_SLASH: case STK_TK_PERCENT: case STK_TK_MINUS:
        case STK_TK_EQ: case STK_TK_NE: case STK_TK_GT: case STK_TK_GE: case STK_TK_LT: case STK_TK_LE:
        case STK_TK_AND: case STK_TK_OR: case STK_TK_BANG:
            return 0;
        default:
            return 1;
        }
    }
    if (s == STK_TK_LBRACE || a == STK_TK_RBRACE)
        return !(s == STK_TK_LBRACE && a == STK_TK_RBRACE);
    if ((s == STK_TK_TINTERP || s == STK_TK_TCONTROL) && a == STK_TK_LBRACE) return 1;
    if (s == STK_TK_RBRACE && a == STK_TK_TEND) return 1;
    if (s == STK_TK_TEND && (a == STK_TK_TINTERP || a == STK_TK_TCONTROL)) return 0;
    if (bracket_change(s) > 0) return 0;
    if (bracket_change(a) < 0) return 0;
    return 1;
}

/* columns of a token run: spaces plus characters (UTF-8 code points) */
static size_t columns(const ftok *t, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        n += (size_t)t[i].spaces;
        for (size_t k = 0; k < t[i].len; k++)
            if (((unsigned char)t[i].text[k] & 0xC0) != 0x80) n++;
    }
    return n;
}

static void space_cell(ftok *t, size_t from, size_t to)
{
    for (size_t i = from; i + 1 < to; i++)
        t[i + 1].spaces = space_after(&t[i], i > from ? &t[i - 1] : NULL, &t[i + 1]) ? 1 : 0;
}

char *stk_hcl_format_n(const char *src, size_t len, const char *filename, stk_diags *d, size_t *out_len)
{
    if (!filename) filename = "<stdin>";
    stk_diags pd = STK_DIAGS_INIT;
    stk_hcl_file *f = stk_hcl_parse(filename, src, len, &pd);
    int bad = stk_diags_has_errors(&pd);
    stk_hcl_file_free(f);
    stk_diags_append(d, &pd);
    if (bad) return NULL;

    stk_diags ld = STK_DIAGS_INIT;
    stk_hcl_tokens tk;
    stk_hcl_lex(&tk, filename, src, len, &ld);
    stk_diags_free(&ld);

    /* fmt tokens; a line comment absorbs the newline after it */
    ftok *t = stk_xmalloc((tk.n + 1) * sizeof *t);
    size_t n = 0;
    size_t prev_end = 0;
    size_t prefix = 0;   /* a byte order mark is kept as it is */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) prefix = 3;
    prev_end = prefix;
    for (size_t i = 0; i < tk.n; i++) {
        stk_hcl_token *x = &tk.toks[i];
        ftok *o = &t[n++];
        o->kind = x->kind;
        o->text = src + x->byte;
        o->len = x->len;
        o->spaces = (int)(x->byte - prev_end);
        prev_end = (size_t)x->byte + x->len;
        int line_comment = x->kind == STK_TK_COMMENT &&
            (o->text[0] == '#' || (x->len > 1 && o->text[1] == '/'));
        if (line_comment) {
            if (i + 1 < tk.n && tk.toks[i + 1].kind == STK_TK_NEWLINE) {
                o->len += tk.toks[i + 1].len;
                prev_end += tk.toks[i + 1].len;
                i++;
            }
        }
    }
    /* t[n-1] is EOF */
    size_t ntok = n - 1;

    /* 1. lines and cells */
    size_t nlines = 1;
    for (size_t i = 0; i < ntok; i++)
        if (is_newline(&t[i])) nlines++;
    fline *L = stk_xcalloc(nlines, sizeof *L);
    size_t li = 0, start = 0;
    for (size_t i = 0; i < ntok; i++) {
        if (is_newline(&t[i])) {
            L[li].lead0 = start;
            L[li].lead1 = i + 1;
            li++;
            start = i + 1;
        }
    }
    L[li].lead0 = start;
    L[li].lead1 = ntok;
    for (size_t l = 0; l < nlines; l++) {
        fline *x = &L[l];
        x->assign0 = x->assign1 = x->comment0 = x->comment1 = 0;
        if (x->lead1 == x->lead0) continue;
        if (x->lead1 - x->lead0 > 1 && t[x->lead1 - 1].kind == STK_TK_COMMENT) {
            x->comment0 = x->lead1 - 1;
            x->comment1 = x->lead1;
            x->lead1--;
        }
        for (size_t i = x->lead0 + 1; i < x->lead1; i++) {
            if (t[i].kind != STK_TK_ASSIGN) continue;
            int net = 0;
            for (size_t k = i; k < x->lead1; k++) net += bracket_change(t[k].kind);
            if (net == 0) {
                x->assign0 = i;
                x->assign1 = x->lead1;
                x->lead1 = i;
            }
            break;
        }
    }

    /* 2. indentation */
    int *indents = NULL;
    size_t nind = 0, capind = 0;
    for (size_t l = 0; l < nlines; l++) {
        fline *x = &L[l];
        if (x->lead1 == x->lead0) continue;
        if (t[x->lead0].kind == STK_TK_NEWLINE) {
            t[x->lead0].spaces = 0;
            continue;
        }
        int net = 0;
        for (size_t i = x->lead0; i < x->lead1; i++) {
            net += bracket_change(t[i].kind);
            if (t[i].kind == STK_TK_OHEREDOC) break;
        }
        for (size_t i = x->assign0; i < x->assign1; i++) net += bracket_change(t[i].kind);
        if (net > 0) {
            t[x->lead0].spaces = 2 * (int)nind;
            if (nind == capind) {
                capind = capind ? capind * 2 : 16;
                indents = stk_xrealloc(indents, capind * sizeof *indents);
            }
            indents[nind++] = net;
        } else if (net < 0) {
            int closed = -net;
            while (closed > 0 && nind > 0) {
                int topv = indents[nind - 1];
                if (closed > topv) { closed -= topv; nind--; }
                else if (closed < topv) { indents[nind - 1] -= closed; closed = 0; }
                else { nind--; closed = 0; }
            }
            t[x->lead0].spaces = 2 * (int)nind;
        } else {
            t[x->lead0].spaces = 2 * (int)nind;
        }
    }
    free(indents);

    /* 3. spaces within cells */
    for (size_t l = 0; l < nlines; l++) {
        fline *x = &L[l];
        space_cell(t, x->lead0, x->lead1);
        if (x->assign1 > x->assign0) {
            t[x->assign0].spaces = 1;
            space_cell(t, x->assign0, x->assign1);
        }
    }

    /* 4. alignment of `=` then of trailing comments */
    for (int pass = 0; pass < 2; pass++) {
        size_t l = 0;
        while (l < nlines) {
            int has = pass == 0 ? L[l].assign1 > L[l].assign0 : L[l].comment1 > L[l].comment0;
            if (!has) { l++; continue; }
            size_t e = l, maxc = 0;
            while (e < nlines && (pass == 0 ? L[e].assign1 > L[e].assign0 : L[e].comment1 > L[e].comment0)) {
                size_t c = columns(t, L[e].lead0, L[e].lead1);
                if (pass == 1 && L[e].assign1 > L[e].assign0) c += columns(t, L[e].assign0, L[e].assign1);
                if (c > maxc) maxc = c;
                e++;
            }
            for (size_t k = l; k < e; k++) {
                size_t c = columns(t, L[k].lead0, L[k].lead1);
                if (pass == 1 && L[k].assign1 > L[k].assign0) c += columns(t, L[k].assign0, L[k].assign1);
                t[pass == 0 ? L[k].assign0 : L[k].comment0].spaces = (int)(maxc - c + 1);
            }
            l = e;
        }
    }

    stk_strbuf out = STK_STRBUF_INIT;
    if (prefix) stk_strbuf_add(&out, src, prefix);
    for (size_t i = 0; i < n; i++) {
        for (int s = 0; s < t[i].spaces; s++) stk_strbuf_putc(&out, ' ');
        stk_strbuf_add(&out, t[i].text, t[i].len);
    }
    free(L);
    free(t);
    stk_hcl_tokens_free(&tk);
    if (out_len) *out_len = out.len;
    if (!out.s) return stk_xstrdup("");
    return stk_strbuf_detach(&out);
}

char *stk_hcl_format(const char *src, size_t len, const char *filename, stk_diags *d)
{
    return stk_hcl_format_n(src, len, filename, d, NULL);
}
