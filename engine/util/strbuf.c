/* strbuf.c - growable strings and the abort-on-OOM allocation helpers. */
#include "util/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *stk_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

void *stk_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) abort();
    return p;
}

void *stk_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) abort();
    return p;
}

char *stk_xstrdup(const char *s)
{
    return stk_xstrndup(s, strlen(s));
}

char *stk_xstrndup(const char *s, size_t n)
{
    char *p = stk_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *stk_xasprintf(const char *fmt, ...)
{
    stk_strbuf b = STK_STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    stk_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    return stk_strbuf_detach(&b);
}

static void grow(stk_strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->s = stk_xrealloc(b->s, cap);
    b->cap = cap;
}

void stk_strbuf_add(stk_strbuf *b, const char *s, size_t n)
{
    grow(b, n);
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void stk_strbuf_puts(stk_strbuf *b, const char *s)
{
    stk_strbuf_add(b, s, strlen(s));
}

void stk_strbuf_putc(stk_strbuf *b, char c)
{
    stk_strbuf_add(b, &c, 1);
}

void stk_strbuf_vprintf(stk_strbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    grow(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void stk_strbuf_printf(stk_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    stk_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *stk_strbuf_cstr(stk_strbuf *b)
{
    return b->s ? b->s : "";
}

char *stk_strbuf_detach(stk_strbuf *b)
{
    char *s = b->s ? b->s : stk_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void stk_strbuf_reset(stk_strbuf *b)
{
    b->len = 0;
    if (b->s) b->s[0] = 0;
}

void stk_strbuf_free(stk_strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
