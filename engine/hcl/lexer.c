/* lexer.c - the HCL native-syntax scanner (see lexer.h).
 *
 * A mode stack decides how bytes are read: the base mode and every `{` or
 * `${`/`%{` push a frame; quoted strings and heredocs push template frames.
 * A `}` pops: when the popped frame is an interpolation the scanner returns
 * to the template that contains it.  Positions count lines and columns (in
 * characters, i.e. UTF-8 code points) from 1.
 */
#include "hcl/lexer.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

enum { FR_BRACE, FR_INTERP, FR_QUOTE, FR_HEREDOC, FR_TFILE };

typedef struct {
    int kind;
    const char *marker;     /* FR_HEREDOC */
    size_t mlen;
    int multiline_reported; /* FR_QUOTE */
} frame;

typedef struct {
    const char *src, *filename;
    size_t len, i;
    int line, col;
    stk_hcl_tokens *out;
    stk_diags *d;
    frame *fr;
    size_t nfr, capfr;
    int line_start;         /* FR_HEREDOC: at the start of a line */
} lexer;

static void push_frame(lexer *L, int kind)
{
    if (L->nfr == L->capfr) {
        L->capfr = L->capfr ? L->capfr * 2 : 16;
        L->fr = stk_xrealloc(L->fr, L->capfr * sizeof *L->fr);
    }
    memset(&L->fr[L->nfr], 0, sizeof L->fr[0]);
    L->fr[L->nfr].kind = kind;
    L->nfr++;
}

static int top(const lexer *L) { return L->nfr ? L->fr[L->nfr - 1].kind : -1; }

static stk_pos here(const lexer *L)
{
    stk_pos p = {L->line, L->col, L->i};
    return p;
}

/* advance n bytes, keeping line and column */
static void adv(lexer *L, size_t n)
{
    for (size_t k = 0; k < n && L->i < L->len; k++) {
        unsigned char c = (unsigned char)L->src[L->i++];
        if (c == '\n') { L->line++; L->col = 1; }
        else if ((c & 0xC0) != 0x80) L->col++;
    }
}

static stk_hcl_token *emit(lexer *L, int kind, stk_pos start)
{
    stk_hcl_tokens *o = L->out;
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 256 + L->len / 6;
        o->toks = stk_xrealloc(o->toks, o->cap * sizeof *o->toks);
    }
    stk_hcl_token *t = &o->toks[o->n++];
    memset(t, 0, sizeof *t);
    t->kind = (unsigned char)kind;
    t->byte = (unsigned)start.byte;
    t->line = (unsigned)start.line;
    t->col = (unsigned)start.col;
    t->eline = (unsigned)L->line;
    t->ecol = (unsigned)L->col;
    t->len = (unsigned)(L->i - start.byte);
    return t;
}

static void lex_error(lexer *L, stk_pos s, stk_pos e, const char *summary, const char *detail)
{
    stk_range r = {L->filename, s, e};
    stk_diags_error(L->d, &r, summary, "%s", detail);
    L->out->nerrors++;
}

static int peekc(const lexer *L, size_t k)
{
    return L->i + k < L->len ? (unsigned char)L->src[L->i + k] : -1;
}

/* length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t want;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { want = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { want = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { want = 4; cp = c & 0x07; }
    else return 0;
    if (n < want) return 0;
    for (size_t k = 1; k < want; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((want == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (want == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return want;
}

static int is_id_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
static int is_id_char(int c) { return is_id_start(c) || (c >= '0' && c <= '9') || c == '-'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Code point of the valid UTF-8 sequence of n bytes at s. */
static unsigned utf8_cp(const unsigned char *s, size_t n)
{
    if (n == 2) return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    if (n == 3) return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

/* Non-ASCII characters usable in identifiers: an approximation of Unicode's
   ID_Continue that leaves out the punctuation, symbol, space, emoji and
   private-use blocks (HCL rejects those as invalid characters). */
static int is_id_cp(unsigned cp)
{
    if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
    if (cp == 0xD7 || cp == 0xF7) return 0;
    if (cp >= 0x2000 && cp <= 0x2BFF) return 0;   /* punctuation, arrows, math, shapes, dingbats */
    if (cp >= 0x2E00 && cp <= 0x2E7F) return 0;   /* supplemental punctuation */
    if (cp >= 0x3000 && cp <= 0x303F) return 0;   /* CJK symbols and punctuation */
    if (cp >= 0xE000 && cp <= 0xF8FF) return 0;   /* private use */
    if (cp >= 0xFE10 && cp <= 0xFE6F) return 0;   /* vertical and small forms */
    if (cp == 0xFEFF) return 0;                   /* byte order mark / zero-width no-break space */
    if (cp >= 0xFF00 && cp <= 0xFF0F) return 0;   /* fullwidth punctuation */
    if (cp >= 0xFFF0 && cp <= 0xFFFF) return 0;   /* specials */
    if (cp >= 0x1F000 && cp <= 0x1FAFF) return 0; /* emoji and pictographs */
    if (cp >= 0xF0000) return 0;                  /* supplementary private use */
    return 1;
}

/* Length of an identifier at `at` (0 if none): a letter or _ then letters,
   digits, _ and -; letters include the non-ASCII ones of is_id_cp. */
static size_t ident_len(const lexer *L, size_t at)
{
    size_t k = at;
    const unsigned char *s = (const unsigned char *)L->src;
    if (k >= L->len || !is_id_start(s[k])) return 0;
    while (k < L->len && is_id_char(s[k])) {
        if (s[k] >= 0x80) {
            size_t u = utf8_len(s + k, L->len - k);
            if (!u || !is_id_cp(utf8_cp(s + k, u))) break;
            k += u;
        } else k++;
    }
    return k - at;
}

/* ---- template modes ---- */

/* Scan an interpolation/directive opener at L->i ("${" or "%{"); returns 1 if one was emitted. */
static int template_opener(lexer *L)
{
    int c = peekc(L, 0);
    if ((c == '$' || c == '%') && peekc(L, 1) == '{') {
        stk_pos s = here(L);
        int strip = peekc(L, 2) == '~';
        adv(L, strip ? 3 : 2);
        stk_hcl_token *t = emit(L, c == '$' ? STK_TK_TINTERP : STK_TK_TCONTROL, s);
        t->strip = (unsigned char)strip;
        push_frame(L, FR_INTERP);
        return 1;
    }
    return 0;
}

/* Is an escape `$${` / `%%{` at L->i? */
static int template_escape(const lexer *L)
{
    int c = peekc(L, 0);
    return (c == '$' || c == '%') && peekc(L, 1) == c && peekc(L, 2) == '{';
}

static void lex_quoted(lexer *L)
{
    frame *f = &L->fr[L->nfr - 1];
    int c = peekc(L, 0);
    if (c == '"') {
        stk_pos s = here(L);
        adv(L, 1);
        emit(L, STK_TK_CQUOTE, s);
        L->nfr--;
        return;
    }
    if (c < 0) {
        lex_error(L, here(L), here(L), "Unterminated template string",
                  "No closing marker was found for the string.");
        stk_hcl_token *t = emit(L, STK_TK_CQUOTE, here(L));
        t->bad = 1;
        L->nfr--;
        return;
    }
    if (template_opener(L)) return;
    stk_pos s = here(L);
    while (L->i < L->len) {
        c = peekc(L, 0);
        if (c == '"') break;
        if (template_escape(L)) { adv(L, 3); continue; }
        if ((c == '$' || c == '%') && peekc(L, 1) == '{') break;
        if (c == '\\' && L->i + 1 < L->len && L->src[L->i + 1] != '\n') { adv(L, 2); continue; }
        if (c == '\n') {
            if (!f->multiline_reported) {
                stk_pos e = here(L);
                e.col++;
                e.byte++;
                lex_error(L, here(L), e, "Invalid multi-line string",
                          "Quoted strings may not be split over multiple lines. To produce a "
                          "multi-line string, either use the \\n escape to represent a newline "
                          "character or use the \"heredoc\" multi-line template syntax.");
                f->multiline_reported = 1;
            }
        }
        adv(L, 1);
    }
    emit(L, STK_TK_QLIT, s);
}

/* Does the line at L->i close heredoc f?  Returns the length of the marker line
   (leading blanks + marker), 0 if not. */
static size_t heredoc_closer(const lexer *L, const frame *f)
{
    size_t k = L->i;
    while (k < L->len && (L->src[k] == ' ' || L->src[k] == '\t')) k++;
    if (L->len - k < f->mlen || memcmp(L->src + k, f->marker, f->mlen) != 0) return 0;
    k += f->mlen;
    if (k < L->len && L->src[k] == '\r' && k + 1 < L->len && L->src[k + 1] == '\n') return k - L->i;
    if (k < L->len && L->src[k] != '\n') return 0;
    return k - L->i;
}

static void lex_heredoc(lexer *L)
{
    frame *f = &L->fr[L->nfr - 1];
    if (L->line_start) {
        size_t n = heredoc_closer(L, f);
        if (n) {
            stk_pos s = here(L);
            adv(L, n);
            emit(L, STK_TK_CHEREDOC, s);
            L->nfr--;
            L->line_start = 0;
            return;
        }
    }
    if (L->i >= L->len) {
        lex_error(L, here(L), here(L), "Unterminated template string",
                  "No closing marker was found for the heredoc.");
        stk_hcl_token *t = emit(L, STK_TK_CHEREDOC, here(L));
        t->bad = 1;
        L->nfr--;
        return;
    }
    L->line_start = 0;
    if (template_opener(L)) return;
    stk_pos s = here(L);
    while (L->i < L->len) {
        int c = peekc(L, 0);
        if (template_escape(L)) { adv(L, 3); continue; }
        if ((c == '$' || c == '%') && peekc(L, 1) == '{') break;
        adv(L, 1);
        if (c == '\n') { L->line_start = 1; break; }
    }
    emit(L, STK_TK_SLIT, s);
}

static void lex_tfile(lexer *L)
{
    if (template_opener(L)) return;
    stk_pos s = here(L);
    while (L->i < L->len) {
        int c = peekc(L, 0);
        if (template_escape(L)) { adv(L, 3); continue; }
        if ((c == '$' || c == '%') && peekc(L, 1) == '{') break;
        adv(L, 1);
    }
    emit(L, STK_TK_SLIT, s);
}

/* ---- expression mode ---- */

static void lex_number(lexer *L, int after_dot)
{
    stk_pos s = here(L);
    while (is_digit(peekc(L, 0))) adv(L, 1);
    if (!after_dot) {
        if (peekc(L, 0) == '.' && is_digit(peekc(L, 1))) {
            adv(L, 1);
            while (is_digit(peekc(L, 0))) adv(L, 1);
        }
        int c = peekc(L, 0);
        if (c == 'e' || c == 'E') {
            size_t k = 1;
            if (peekc(L, 1) == '+' || peekc(L, 1) == '-') k = 2;
            if (is_digit(peekc(L, k))) {
                adv(L, k);
                while (is_digit(peekc(L, 0))) adv(L, 1);
            }
        }
    }
    emit(L, STK_TK_NUMBER, s);
}

/* `<<EOT` or `<<-EOT` followed by a newline at L->i: emit OHEREDOC and enter heredoc mode. */
static int lex_heredoc_open(lexer *L)
{
    size_t k = L->i + 2;
    int flush = 0;
    if (k < L->len && L->src[k] == '-') { flush = 1; k++; }
    size_t n = ident_len(L, k);
    if (!n) return 0;
    size_t e = k + n;
    size_t nl;
    if (e < L->len && L->src[e] == '\n') nl = 1;
    else if (e + 1 < L->len && L->src[e] == '\r' && L->src[e + 1] == '\n') nl = 2;
    else return 0;
    stk_pos s = here(L);
    adv(L, e + nl - L->i);
    stk_hcl_token *t = emit(L, STK_TK_OHEREDOC, s);
    t->flush = (unsigned char)flush;
    push_frame(L, FR_HEREDOC);
    L->fr[L->nfr - 1].marker = L->src + k;
    L->fr[L->nfr - 1].mlen = n;
    L->line_start = 1;
    return 1;
}

static void lex_normal(lexer *L)
{
    const unsigned char *s = (const unsigned char *)L->src;
    while (L->i < L->len && (s[L->i] == ' ' || s[L->i] == '\t')) adv(L, 1);
    stk_pos st = here(L);
    if (L->i >= L->len) return;
    int c = s[L->i], c1 = peekc(L, 1);
    int prev = L->out->n ? L->out->toks[L->out->n - 1].kind : -1;

    if (c == '\n') { adv(L, 1); emit(L, STK_TK_NEWLINE, st); return; }
    if (c == '\r' && c1 == '\n') { adv(L, 2); emit(L, STK_TK_NEWLINE, st); return; }
    if (c == '#' || (c == '/' && c1 == '/')) {
        while (L->i < L->len && s[L->i] != '\n' &&
               !(s[L->i] == '\r' && L->i + 1 < L->len && s[L->i + 1] == '\n'))
            adv(L, 1);
        emit(L, STK_TK_COMMENT, st);
        return;
    }
    if (c == '/' && c1 == '*') {
        adv(L, 2);
        while (L->i < L->len && !(s[L->i] == '*' && peekc(L, 1) == '/')) adv(L, 1);
        if (L->i >= L->len) {
            stk_pos e = st;
            e.col += 2; e.byte += 2;
            lex_error(L, st, e, "Unterminated multi-line comment",
                      "There is no closing \"*/\" for this comment before the end of the file.");
        } else adv(L, 2);
        emit(L, STK_TK_COMMENT, st);
        return;
    }
    if (is_digit(c)) { lex_number(L, prev == STK_TK_DOT); return; }
    size_t n = ident_len(L, L->i);
    if (n) { adv(L, n); emit(L, STK_TK_IDENT, st); return; }
    if (c == '"') {
        adv(L, 1);
        emit(L, STK_TK_OQUOTE, st);
        push_frame(L, FR_QUOTE);
        return;
    }
    if (c == '<' && c1 == '<' && lex_heredoc_open(L)) return;
    if (c == '{') {
        adv(L, 1);
        emit(L, STK_TK_LBRACE, st);
        push_frame(L, FR_BRACE);
        return;
    }
    if (c == '}' || (c == '~' && c1 == '}' && top(L) == FR_INTERP)) {
        int strip = c == '~';
        adv(L, strip ? 2 : 1);
        if (top(L) == FR_INTERP) {
            stk_hcl_token *t = emit(L, STK_TK_TEND, st);
            t->strip = (unsigned char)strip;
            L->nfr--;
        } else {
            emit(L, STK_TK_RBRACE, st);
            if (top(L) == FR_BRACE) L->nfr--;
        }
        return;
    }
    int kind = -1;
    size_t w = 1;
    switch (c) {
    case '[': kind = STK_TK_LBRACK; break;
    case ']': kind = STK_TK_RBRACK; break;
    case '(': kind = STK_TK_LPAREN; break;
    case ')': kind = STK_TK_RPAREN; break;
    case ',': kind = STK_TK_COMMA; break;
    case '.':
        if (c1 == '.' && peekc(L, 2) == '.') { kind = STK_TK_ELLIPSIS; w = 3; }
        else kind = STK_TK_DOT;
        break;
    case '=':
        if (c1 == '=') { kind = STK_TK_EQ; w = 2; }
        else if (c1 == '>') { kind = STK_TK_ARROW; w = 2; }
        else kind = STK_TK_ASSIGN;
        break;
    case ':': kind = STK_TK_COLON; break;
    case '?': kind = STK_TK_QUESTION; break;
    case '+': kind = STK_TK_PLUS; break;
    case '-': kind = STK_TK_MINUS; break;
    case '*': kind = STK_TK_STAR; break;
    case '/': kind = STK_TK_SLASH; break;
    case '%': kind = STK_TK_PERCENT; break;
    case '!':
        if (c1 == '=') { kind = STK_TK_NE; w = 2; }
        else kind = STK_TK_BANG;
        break;
    case '<':
        if (c1 == '=') { kind = STK_TK_LE; w = 2; }
        else kind = STK_TK_LT;
        break;
    case '>':
        if (c1 == '=') { kind = STK_TK_GE; w = 2; }
        else kind = STK_TK_GT;
        break;
    case '&': if (c1 == '&') { kind = STK_TK_AND; w = 2; } break;
    case '|': if (c1 == '|') { kind = STK_TK_OR; w = 2; } break;
    default: break;
    }
    if (kind >= 0) {
        adv(L, w);
        emit(L, kind, st);
        return;
    }
    /* an invalid character: consume one whole UTF-8 sequence (or one byte) */
    size_t u = utf8_len(s + L->i, L->len - L->i);
    adv(L, u ? u : 1);
    const char *detail = "This character is not used within the language.";
    if (c == '\'')
        detail = "Single quotes are not valid. Use double quotes (\") to enclose strings.";
    else if (c == '&' || c == '|')
        detail = "Logical operators are written && and || in HCL.";
    else if (!u)
        detail = "The source contains bytes that are not valid UTF-8.";
    else if (c == '\r')
        detail = "A carriage return is only valid as part of a CRLF line ending.";
    lex_error(L, st, here(L), "Invalid character", detail);
    emit(L, STK_TK_INVALID, st);
}

static void lex_run(stk_hcl_tokens *out, const char *filename, const char *src, size_t len,
                    stk_diags *d, int tfile)
{
    lexer L;
    memset(&L, 0, sizeof L);
    memset(out, 0, sizeof *out);
    out->src = src;
    if (len > 0xFFFFFFF0u) len = 0xFFFFFFF0u;   /* 32-bit offsets */
    L.src = src;
    L.len = len;
    L.filename = filename;
    L.line = L.col = 1;
    L.out = out;
    L.d = d;
    /* a UTF-8 byte order mark is skipped */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) L.i = 3;
    if (tfile) push_frame(&L, FR_TFILE);
    for (;;) {
        size_t before = L.i;
        size_t nbefore = out->n;
        int mode = top(&L);
        if (mode == FR_QUOTE) lex_quoted(&L);
        else if (mode == FR_HEREDOC) lex_heredoc(&L);
        else if (L.i >= L.len) break;
        else if (mode == FR_TFILE) lex_tfile(&L);
        else lex_normal(&L);
        if (L.i == before && out->n == nbefore && L.i >= L.len) break;
    }
    /* unterminated brace frames are left to the parser (it reports the
       unclosed block or bracket with the right words) */
    emit(&L, STK_TK_EOF, here(&L));
    free(L.fr);
}

void stk_hcl_lex(stk_hcl_tokens *out, const char *filename, const char *src, size_t len,
                 stk_diags *d)
{
    lex_run(out, filename, src, len, d, 0);
}

void stk_hcl_lex_template(stk_hcl_tokens *out, const char *filename, const char *src,
                          size_t len, stk_diags *d)
{
    lex_run(out, filename, src, len, d, 1);
}

void stk_hcl_tokens_free(stk_hcl_tokens *t)
{
    free(t->toks);
    memset(t, 0, sizeof *t);
}

const char *stk_hcl_tok_name(int kind)
{
    switch (kind) {
    case STK_TK_EOF: return "end of file";
    case STK_TK_NEWLINE: return "newline";
    case STK_TK_COMMENT: return "comment";
    case STK_TK_IDENT: return "identifier";
    case STK_TK_NUMBER: return "number";
    case STK_TK_OQUOTE: return "opening quote";
    case STK_TK_CQUOTE: return "closing quote";
    case STK_TK_QLIT: case STK_TK_SLIT: return "string literal";
    case STK_TK_OHEREDOC: return "heredoc introducer";
    case STK_TK_CHEREDOC: return "heredoc end marker";
    case STK_TK_TINTERP: return "\"${\"";
    case STK_TK_TCONTROL: return "\"%{\"";
    case STK_TK_TEND: return "\"}\"";
    case STK_TK_LBRACE: return "\"{\"";
    case STK_TK_RBRACE: return "\"}\"";
    case STK_TK_LBRACK: return "\"[\"";
    case STK_TK_RBRACK: return "\"]\"";
    case STK_TK_LPAREN: return "\"(\"";
    case STK_TK_RPAREN: return "\")\"";
    case STK_TK_COMMA: return "\",\"";
    case STK_TK_DOT: return "\".\"";
    case STK_TK_ELLIPSIS: return "\"...\"";
    case STK_TK_ASSIGN: return "\"=\"";
    case STK_TK_COLON: return "\":\"";
    case STK_TK_QUESTION: return "\"?\"";
    case STK_TK_ARROW: return "\"=>\"";
    case STK_TK_PLUS: return "\"+\"";
    case STK_TK_MINUS: return "\"-\"";
    case STK_TK_STAR: return "\"*\"";
    case STK_TK_SLASH: return "\"/\"";
    case STK_TK_PERCENT: return "\"%\"";
    case STK_TK_EQ: return "\"==\"";
    case STK_TK_NE: return "\"!=\"";
    case STK_TK_LT: return "\"<\"";
    case STK_TK_LE: return "\"<=\"";
    case STK_TK_GT: return "\">\"";
    case STK_TK_GE: return "\">=\"";
    case STK_TK_AND: return "\"&&\"";
    case STK_TK_OR: return "\"||\"";
    case STK_TK_BANG: return "\"!\"";
    default: return "invalid character";
    }
}
