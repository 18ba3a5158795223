/* diag.c - the diagnostics list (see diag.h). */
#include "util/diag.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- secrets no diagnostic may quote ---- */

static pthread_mutex_t secrets_mu = PTHREAD_MUTEX_INITIALIZER;
static stk_strmap secrets_seen;
static char **secrets;
static size_t nsecrets;

void stk_diags_secret_add(const char *s, size_t n)
{
    if (!s || n < 4 || n > 65536 || memchr(s, 0, n)) return;
    char *k = stk_xstrndup(s, n);
    pthread_mutex_lock(&secrets_mu);
    if (nsecrets < 100000 && !stk_strmap_get(&secrets_seen, k)) {
        stk_strmap_put(&secrets_seen, k, k);
        secrets = stk_xrealloc(secrets, (nsecrets + 1) * sizeof *secrets);
        secrets[nsecrets++] = k;
        k = NULL;
    }
    pthread_mutex_unlock(&secrets_mu);
    free(k);
}

/* text (malloc'd, consumed) with every registered secret replaced */
static char *redact(char *text)
{
    pthread_mutex_lock(&secrets_mu);
    for (size_t i = 0; text && i < nsecrets; i++) {
        const char *hit = strstr(text, secrets[i]);
        if (!hit) continue;
        stk_strbuf b = STK_STRBUF_INIT;
        const char *p = text;
        size_t sl = strlen(secrets[i]);
        for (; hit; hit = strstr(p, secrets[i])) {
            stk_strbuf_add(&b, p, (size_t)(hit - p));
            stk_strbuf_puts(&b, "(sensitive value)");
            p = hit + sl;
        }
        stk_strbuf_puts(&b, p);
        free(text);
        text = stk_strbuf_detach(&b);
    }
    pthread_mutex_unlock(&secrets_mu);
    return text;
}

void stk_diags_vadd(stk_diags *d, stk_severity sev, const stk_range *r,
                    const char *summary, const char *detail_fmt, va_list ap)
{
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->items = stk_xrealloc(d->items, d->cap * sizeof *d->items);
    }
    stk_diag *g = &d->items[d->len++];
    memset(g, 0, sizeof *g);
    g->severity = sev;
    g->summary = redact(stk_xstrdup(summary ? summary : ""));
    if (detail_fmt) {
        stk_strbuf b = STK_STRBUF_INIT;
        stk_strbuf_vprintf(&b, detail_fmt, ap);
        g->detail = redact(stk_strbuf_detach(&b));
    }
    if (r && r->filename) {
        g->subject = *r;
        g->filename = stk_xstrdup(r->filename);
        g->subject.filename = g->filename;
    }
}

void stk_diags_add(stk_diags *d, stk_severity sev, const stk_range *r,
                   const char *summary, const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    stk_diags_vadd(d, sev, r, summary, detail_fmt, ap);
    va_end(ap);
}

void stk_diags_error(stk_diags *d, const stk_range *r, const char *summary,
                     const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    stk_diags_vadd(d, STK_DIAG_ERROR, r, summary, detail_fmt, ap);
    va_end(ap);
}

void stk_diags_warning(stk_diags *d, const stk_range *r, const char *summary,
                       const char *detail_fmt, ...)
{
    va_list ap;
    va_start(ap, detail_fmt);
    stk_diags_vadd(d, STK_DIAG_WARNING, r, summary, detail_fmt, ap);
    va_end(ap);
}

void stk_diags_append(stk_diags *dst, stk_diags *src)
{
    for (size_t i = 0; i < src->len; i++) {
        if (dst->len == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 8;
            dst->items = stk_xrealloc(dst->items, dst->cap * sizeof *dst->items);
        }
        dst->items[dst->len++] = src->items[i];
    }
    free(src->items);
    src->items = NULL;
    src->len = src->cap = 0;
}

int stk_diags_has_errors(const stk_diags *d)
{
    for (size_t i = 0; i < d->len; i++)
        if (d->items[i].severity == STK_DIAG_ERROR) return 1;
    return 0;
}

size_t stk_diags_count(const stk_diags *d, stk_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < d->len; i++)
        if (d->items[i].severity == sev) n++;
    return n;
}

void stk_diags_free(stk_diags *d)
{
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].summary);
        free(d->items[i].detail);
        free(d->items[i].filename);
    }
    free(d->items);
    d->items = NULL;
    d->len = d->cap = 0;
}

stk_range stk_range_join(stk_range a, stk_range b)
{
    stk_range r = a;
    if (!a.filename) return b;
    if (b.filename) r.end = b.end;
    return r;
}
