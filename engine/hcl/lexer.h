/* lexer.h - the HCL native-syntax scanner: source bytes -> token array.
 *
 * The whole file is scanned up front into an array of tokens that keeps
 * everything, comments and newlines included, so the same stream feeds the
 * parser (which skips comments, and newlines where HCL ignores them) and the
 * formatter (which rewrites only the spaces between tokens).
 *
 * Templates are scanned as HCL's scanner does: a quoted string is
 * OQUOTE (QLIT | TINTERP ... TEND | TCONTROL ... TEND)* CQUOTE, a heredoc is
 * OHEREDOC (SLIT | ...)* CHEREDOC with one SLIT per source line.  Token text
 * is raw source: escapes are decoded by the parser.  `${~`, `%{~` and `~}`
 * are single tokens (their `strip` flag set).
 *
 * Lexical errors (invalid characters, unterminated strings or comments) are
 * reported to the diagnostics given to stk_hcl_lex and marked in the token
 * stream (INVALID tokens; a zero-length closing token with `bad` set), so the
 * parser can recover without reporting the same error twice.
 *
 * Ownership: the token array is malloc'd; free it with stk_hcl_tokens_free.
 * Token text is src + byte: the source buffer must outlive the tokens.
 * Sources are limited to 4 GiB (offsets are 32-bit).
 */
#ifndef STK_HCL_LEXER_H
#define STK_HCL_LEXER_H
#include <stddef.h>
#include "util/diag.h"

typedef enum {
    STK_TK_EOF,
    STK_TK_NEWLINE,
    STK_TK_COMMENT,      /* #..., //..., (without the newline) or a block comment */
    STK_TK_IDENT,
    STK_TK_NUMBER,
    STK_TK_OQUOTE,       /* "  opening a quoted template */
    STK_TK_CQUOTE,       /* "  closing it */
    STK_TK_QLIT,         /* literal text inside a quoted template (raw, escapes undecoded) */
    STK_TK_OHEREDOC,     /* <<EOT or <<-EOT, including the newline */
    STK_TK_CHEREDOC,     /* the closing marker line (leading whitespace included) */
    STK_TK_SLIT,         /* one line (or part of a line) of heredoc text */
    STK_TK_TINTERP,      /* ${  or ${~ */
    STK_TK_TCONTROL,     /* %{  or %{~ */
    STK_TK_TEND,         /* }   or ~} closing an interpolation or directive */
    STK_TK_LBRACE, STK_TK_RBRACE, STK_TK_LBRACK, STK_TK_RBRACK,
    STK_TK_LPAREN, STK_TK_RPAREN,
    STK_TK_COMMA, STK_TK_DOT, STK_TK_ELLIPSIS,
    STK_TK_ASSIGN,       /* = */
    STK_TK_COLON, STK_TK_QUESTION, STK_TK_ARROW,   /* : ? => */
    STK_TK_PLUS, STK_TK_MINUS, STK_TK_STAR, STK_TK_SLASH, STK_TK_PERCENT,
    STK_TK_EQ, STK_TK_NE, STK_TK_LT, STK_TK_LE, STK_TK_GT, STK_TK_GE,
    STK_TK_AND, STK_TK_OR, STK_TK_BANG,
    STK_TK_INVALID       /* an invalid character (already reported) */
} stk_hcl_tok_kind;

/* 28 bytes: a 10,000-resource configuration has over a million tokens */
typedef struct {
    unsigned char kind;      /* stk_hcl_tok_kind */
    unsigned char strip;     /* TINTERP/TCONTROL: `~` after the brace; TEND: `~` before it */
    unsigned char bad;       /* synthetic closer of an unterminated string/heredoc */
    unsigned char flush;     /* OHEREDOC: <<- form */
    unsigned len;            /* bytes of text */
    unsigned byte;           /* offset of the text in the source */
    unsigned line, col;      /* start */
    unsigned eline, ecol;    /* end (exclusive) */
} stk_hcl_token;

static inline stk_pos stk_hcl_tok_start(const stk_hcl_token *t)
{
    stk_pos p = {(int)t->line, (int)t->col, t->byte};
    return p;
}

static inline stk_pos stk_hcl_tok_end(const stk_hcl_token *t)
{
    stk_pos p = {(int)t->eline, (int)t->ecol, (size_t)t->byte + t->len};
    return p;
}

typedef struct {
    stk_hcl_token *toks;
    const char *src;         /* the source: token text is src + byte */
    size_t n, cap;
    int nerrors;             /* lexical errors reported */
} stk_hcl_tokens;

/* Scan src[0..len) (need not be NUL-terminated).  filename is used in the
   ranges of the diagnostics (not copied into tokens).  The array always
   ends with one EOF token. */
void stk_hcl_lex(stk_hcl_tokens *out, const char *filename, const char *src, size_t len,
                 stk_diags *d);
/* Scan src as the body of a template (for templatefile()): the stream is
   then (SLIT | TINTERP.. | TCONTROL..)* EOF, the literal text being raw
   heredoc-style text (no backslash escapes). */
void stk_hcl_lex_template(stk_hcl_tokens *out, const char *filename, const char *src,
                          size_t len, stk_diags *d);
void stk_hcl_tokens_free(stk_hcl_tokens *t);
const char *stk_hcl_tok_name(int kind);   /* "identifier", "newline", "\"{\"" ... for messages */

#endif
