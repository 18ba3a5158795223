/* json.h - JSON text as the state writes it (jansson values in, text out).
 *
 * Why not json_dumps: jansson prints every real with 17 significant digits,
 * so 0.1 comes out as 0.10000000000000001 in `stk state pull` and in the
 * stored attributes.  This writer prints each number in the shortest form
 * that reads back to the same double (0.1, 3.14, 80, 1e+300), as Terraform
 * does; integers are exact.  Keys keep their insertion order unless
 * STK_JSON_SORT_KEYS (snapshots: a stable text for the digest).  Strings are
 * UTF-8, with ", \ and control characters escaped.
 *
 * stk_json_load reads a document; integers beyond 64 bits (which jansson
 * refuses) are read as doubles instead, with a warning naming `what`.
 *
 * Ownership: stk_json_dump returns a malloc'd string; stk_json_load a new
 * reference (or NULL with an error diagnostic).
 */
#ifndef STK_STATE_JSON_H
#define STK_STATE_JSON_H
#include <jansson.h>
#include "util/diag.h"

enum { STK_JSON_COMPACT = 0, STK_JSON_INDENT = 1, STK_JSON_SORT_KEYS = 2 };

char *stk_json_dump(const json_t *j, int flags);
json_t *stk_json_load(const char *text, const char *what, stk_diags *d);
/* The shortest text of v that reads back as v, plain between 1e-6 and 1e21
   and in exponent form outside (buf >= 32 bytes). */
void stk_json_format_real(double v, char *buf, size_t n);

#endif
