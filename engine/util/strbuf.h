/* strbuf.h - growable byte string used by printers, serializers and renderers.
 * Always NUL-terminated; may hold embedded NULs (len is authoritative).
 * Allocation failure aborts. */
#ifndef STK_STRBUF_H
#define STK_STRBUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *s;
    size_t len, cap;
} stk_strbuf;

#define STK_STRBUF_INIT {0}

void stk_strbuf_add(stk_strbuf *b, const char *s, size_t n);
void stk_strbuf_puts(stk_strbuf *b, const char *s);
void stk_strbuf_putc(stk_strbuf *b, char c);
void stk_strbuf_printf(stk_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void stk_strbuf_vprintf(stk_strbuf *b, const char *fmt, va_list ap);
const char *stk_strbuf_cstr(stk_strbuf *b);   /* "" when empty, never NULL */
char *stk_strbuf_detach(stk_strbuf *b);       /* caller frees; buffer reset */
void stk_strbuf_reset(stk_strbuf *b);         /* len = 0, keeps memory */
void stk_strbuf_free(stk_strbuf *b);

/* xmalloc-style helpers shared by the whole code base: abort on OOM. */
void *stk_xmalloc(size_t n);
void *stk_xcalloc(size_t n, size_t m);
void *stk_xrealloc(void *p, size_t n);
char *stk_xstrdup(const char *s);
char *stk_xstrndup(const char *s, size_t n);
char *stk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
