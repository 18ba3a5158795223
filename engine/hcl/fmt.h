/* fmt.h - `stk fmt`: rewrite HCL source in Terraform's canonical style.
 *
 * Works on the token stream of lexer.h (comments and newlines kept), as
 * HashiCorp's hclwrite does, changing only the spaces between tokens:
 * two-space indentation by bracket nesting, one space around binary
 * operators and after commas, none inside brackets or around dots, `=` of
 * consecutive one-line attributes aligned, trailing line comments of
 * consecutive lines aligned, trailing spaces dropped.  Text inside strings,
 * heredocs and comments is never touched.  A file already in canonical
 * style comes back byte for byte unchanged.
 *
 * Ownership: the result is malloc'd (caller frees); *out_len (if not NULL)
 * receives its length.  Returns NULL, with diagnostics in d, when src does
 * not parse: only valid files are formatted.
 */
#ifndef STK_HCL_FMT_H
#define STK_HCL_FMT_H
#include <stddef.h>
#include "util/diag.h"

char *stk_hcl_format(const char *src, size_t len, const char *filename, stk_diags *d);
char *stk_hcl_format_n(const char *src, size_t len, const char *filename, stk_diags *d, size_t *out_len);

#endif
