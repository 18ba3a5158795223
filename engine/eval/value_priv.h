/* value_priv.h - helpers shared by value.c, convert.c and the function
 * library (funcs*.c).  Not part of the public value contract. */
#ifndef STK_VALUE_PRIV_H
#define STK_VALUE_PRIV_H
#include "eval/value.h"
#include "util/strbuf.h"

/* object type from names already sorted and unique (arrays and names taken over) */
stk_type *stk_type_object_sorted(char **names, stk_type **types, size_t n);
/* a string value of n bytes whose buffer (*buf, NUL at n) the caller fills */
stk_value *stk_value_string_buf(size_t n, char **buf);
/* number as Terraform prints it, appended to b */
void stk_number_format(stk_strbuf *b, const stk_value *v);
/* Go's strconv.Quote */
void stk_quote_string(stk_strbuf *b, const char *s, size_t n);
/* UTF-8: decode one code point (0 on invalid), encode, count code points */
size_t stk_utf8_decode(const char *s, size_t n, uint32_t *cp);
size_t stk_utf8_encode(uint32_t cp, char *out);
size_t stk_utf8_count(const char *s, size_t n);
/* bytes of the grapheme cluster starting at s; number of clusters in s */
size_t stk_utf8_grapheme(const char *s, size_t n);
size_t stk_utf8_graphemes(const char *s, size_t n);

/* v without its own (top-level) marks; nested marks stay.  Consumes v. */
stk_value *stk_value_unmark_top(stk_value *v);

#endif
