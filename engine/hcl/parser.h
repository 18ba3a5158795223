/* parser.h - HCL native syntax: .tf / .tfvars files, lone expressions and
 * template files -> the tree of ast.h.
 *
 * The parser is a recursive-descent parser over the token array of lexer.h;
 * every syntax error becomes a diagnostic (HCL's words, file/line/column
 * range) and the parser recovers at the next line so that several
 * independent errors are reported in one run.
 *
 * Ownership:
 *  - stk_hcl_parse returns a stk_hcl_file owning its arena (every node,
 *    string and range filename) and its literal list (one reference to each
 *    stk_value of a STK_EX_LITERAL).  stk_hcl_file_free releases both.  It
 *    returns NULL only when nothing at all could be recovered, which does not
 *    happen for syntax errors: check stk_diags_has_errors(d) instead.  A tree
 *    parsed with errors is incomplete (items that failed are left out) but
 *    well formed: no NULL expression is ever stored in it.
 *  - stk_hcl_parse_expr / stk_hcl_parse_template allocate nodes in the
 *    caller's arena and append every literal value to the caller's
 *    stk_hcl_literals; the caller frees the arena and calls
 *    stk_hcl_literals_free when done with the tree.  They return NULL on a
 *    syntax error (diagnostics appended to d).
 *  - stk_hcl_expr_file is the convenience owner of both for callers that
 *    parse one expression on its own (stk console, tests): free it with
 *    stk_hcl_expr_file_free.
 * The source need not be NUL-terminated and is copied; the caller keeps it.
 *
 * Tree shapes worth knowing (see ast.h for the node kinds):
 *  - "abc" (no interpolation) is a STK_EX_LITERAL string; "${x}" alone is a
 *    STK_EX_TEMPLATE_WRAP (value passed through unconverted); a template file
 *    (stk_hcl_parse_template) is always a TEMPLATE or a literal, so its
 *    result is a string.
 *  - a minus sign right before a number literal is folded into one negative
 *    literal (-1); HCL builds a negation of 1, the value is the same.
 *  - an object key written as a bare identifier is a STK_EX_VARIABLE node
 *    whose name is the key; (expr) keys are PAREN nodes and are evaluated.
 *  - a.*.b is SPLAT{source a, each GETATTR(SPLAT_ITEM, b)}; after `.*` only
 *    .attr / .0 steps belong to `each`, after `[*]` also [index] steps.
 *  - HCL's precedence, tested against HashiCorp's parser: || < && < == !=
 *    < comparisons < + - < * / %; unary ! and - bind tighter; ?: lowest
 *    and right-associative; binary operators are left-associative.
 */
#ifndef STK_HCL_PARSER_H
#define STK_HCL_PARSER_H
#include <stddef.h>
#include "hcl/ast.h"
#include "util/arena.h"
#include "util/diag.h"

stk_hcl_file *stk_hcl_parse(const char *filename, const char *src, size_t len, stk_diags *d);
void stk_hcl_file_free(stk_hcl_file *f);

stk_expr *stk_hcl_parse_expr(stk_arena *a, const char *filename, const char *src, size_t len,
                             stk_diags *d, stk_hcl_literals *lits);
/* The whole of src is a template body (as read by templatefile()):
   literal text with ${...} and %{...} sequences, no quotes, no escapes but
   $${ and %%{.  A body with no sequence gives a STK_EX_LITERAL string. */
stk_expr *stk_hcl_parse_template(stk_arena *a, const char *filename, const char *src, size_t len,
                                 stk_diags *d, stk_hcl_literals *lits);
void stk_hcl_literals_free(stk_hcl_literals *lits);   /* unrefs every value, frees the list */

typedef struct {
    stk_arena *arena;
    stk_hcl_literals literals;
    stk_expr *expr;          /* NULL when the source did not parse */
} stk_hcl_expr_file;

/* template: 0 parses src as an expression, 1 as a template body.
   Never returns NULL; ->expr is NULL on errors. */
stk_hcl_expr_file *stk_hcl_expr_file_parse(const char *filename, const char *src, size_t len,
                                           int template, stk_diags *d);
void stk_hcl_expr_file_free(stk_hcl_expr_file *f);

#endif
