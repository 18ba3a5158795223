/* diag.h - diagnostics: what every phase of stk returns instead of printing.
 *
 * A diagnostic has a severity, a one-line summary, an optional longer detail
 * and, when it concerns source text, a range (file, line, column, byte
 * offset; lines and columns count from 1, columns in characters).  Library
 * code appends to a stk_diags list and returns; only engine/cli renders
 * them (with the source line and a caret) and decides the exit code.
 *
 * Ownership: a stk_diags owns copies of every string it holds, including
 * filenames, so a list stays valid after the parse tree is gone.
 */
#ifndef STK_DIAG_H
#define STK_DIAG_H
#include <stdarg.h>
#include <stddef.h>

typedef struct {
    int line, col;    /* 1-based; 0 when unknown */
    size_t byte;      /* 0-based byte offset in the file */
} stk_pos;

typedef struct {
    const char *filename;   /* NULL when the range is absent */
    stk_pos start, end;     /* end is exclusive */
} stk_range;

typedef enum { STK_DIAG_ERROR = 1, STK_DIAG_WARNING = 2 } stk_severity;

typedef struct {
    stk_severity severity;
    char *summary;
    char *detail;        /* may be NULL */
    char *filename;      /* copy of subject.filename, or NULL */
    stk_range subject;   /* subject.filename points at .filename above */
} stk_diag;

typedef struct {
    stk_diag *items;
    size_t len, cap;
} stk_diags;

#define STK_DIAGS_INIT {0}

/* Append a diagnostic.  r may be NULL.  detail_fmt may be NULL. */
/* Register a secret (a sensitive string value, n bytes; shorter than 4
   bytes is ignored): from then on every diagnostic added, in any thread,
   has each occurrence of it in its summary and detail replaced by
   "(sensitive value)".  eval/value.c registers the strings of every value
   marked sensitive. */
void stk_diags_secret_add(const char *s, size_t n);
void stk_diags_add(stk_diags *d, stk_severity sev, const stk_range *r,
                   const char *summary, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));
void stk_diags_vadd(stk_diags *d, stk_severity sev, const stk_range *r,
                    const char *summary, const char *detail_fmt, va_list ap);
/* Shorthands for the common case of an error. */
void stk_diags_error(stk_diags *d, const stk_range *r, const char *summary,
                     const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));
void stk_diags_warning(stk_diags *d, const stk_range *r, const char *summary,
                       const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));
/* Move every diagnostic of src to the end of dst; src is left empty. */
void stk_diags_append(stk_diags *dst, stk_diags *src);
int stk_diags_has_errors(const stk_diags *d);
size_t stk_diags_count(const stk_diags *d, stk_severity sev);
void stk_diags_free(stk_diags *d);

/* A range spanning a..b (b's end). */
stk_range stk_range_join(stk_range a, stk_range b);

#endif
