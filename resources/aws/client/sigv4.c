/* sigv4.c - AWS Signature Version 4: canonical request, string to sign,
 * signing key derivation and the Authorization header (OpenSSL HMAC/SHA-256).
 * Pure: no clock, no I/O.  See sigv4.h for the path rules. */
#include "aws/client/sigv4.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include "util/strbuf.h"

static const char hexdig_lower[] = "0123456789abcdef";
static const char hexdig_upper[] = "0123456789ABCDEF";

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig_lower[in[i] >> 4];
        out[2 * i + 1] = hexdig_lower[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void stk_sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data ? (const unsigned char *)data : (const unsigned char *)"", len, md);
    hex_encode(md, sizeof md, out);
}

static void hmac_sha256(const unsigned char *key, size_t keylen, const char *msg, size_t msglen,
                        unsigned char out[32])
{
    unsigned int outlen = 32;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, out, &outlen);
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

static void uri_encode_into(stk_strbuf *b, const char *s, size_t len, int keep_slash)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            stk_strbuf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hexdig_upper[c >> 4], hexdig_upper[c & 15]};
            stk_strbuf_add(b, e, 3);
        }
    }
}

char *stk_sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
    stk_strbuf b = STK_STRBUF_INIT;
    uri_encode_into(&b, s, len, keep_slash);
    stk_strbuf_cstr(&b);
    return stk_strbuf_detach(&b);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..len) (only %XX; '+' stays '+'). */
static char *uri_decode(const char *s, size_t len, size_t *outlen)
{
    char *o = stk_xmalloc(len + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < len &&
            (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
            o[j++] = (char)(h * 16 + l);
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = '\0';
    *outlen = j;
    return o;
}

/* Remove "." and ".." segments and empty segments; keep a trailing slash. */
static char *normalize_path(const char *p)
{
    size_t n = strlen(p);
    const char **seg = stk_xcalloc(n + 1, sizeof *seg);
    size_t *seglen = stk_xcalloc(n + 1, sizeof *seglen);
    size_t nseg = 0;
    const char *s = p;
    while (*s) {
        while (*s == '/') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != '/') e++;
        size_t l = (size_t)(e - s);
        if (l == 1 && s[0] == '.') {
            /* skip */
        } else if (l == 2 && s[0] == '.' && s[1] == '.') {
            if (nseg) nseg--;
        } else {
            seg[nseg] = s;
            seglen[nseg] = l;
            nseg++;
        }
        s = e;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    for (size_t i = 0; i < nseg; i++) {
        stk_strbuf_putc(&b, '/');
        stk_strbuf_add(&b, seg[i], seglen[i]);
    }
    if (nseg == 0 || (n > 0 && p[n - 1] == '/')) stk_strbuf_putc(&b, '/');
    free(seg);
    free(seglen);
    return stk_strbuf_detach(&b);
}

typedef struct {
    char *key, *val;
} qparam;

static int qparam_cmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->val, y->val);
}

static void canonical_query(stk_strbuf *b, const char *q)
{
    if (!q || !*q) return;
    size_t cap = 1;
    for (const char *s = q; *s; s++) if (*s == '&') cap++;
    qparam *ps = stk_xcalloc(cap, sizeof *ps);
    size_t np = 0;
    const char *s = q;
    while (*s) {
        const char *e = strchr(s, '&');
        if (!e) e = s + strlen(s);
        if (e > s) {
            const char *eq = memchr(s, '=', (size_t)(e - s));
            const char *kend = eq ? eq : e;
            size_t kl, vl;
            char *k = uri_decode(s, (size_t)(kend - s), &kl);
            char *v = eq ? uri_decode(eq + 1, (size_t)(e - eq - 1), &vl) : (vl = 0, stk_xstrdup(""));
            ps[np].key = stk_sigv4_uri_encode(k, kl, 0);
            ps[np].val = stk_sigv4_uri_encode(v, vl, 0);
            np++;
            free(k);
            free(v);
        }
        s = *e ? e + 1 : e;
    }
    qsort(ps, np, sizeof *ps, qparam_cmp);
    for (size_t i = 0; i < np; i++) {
        if (i) stk_strbuf_putc(b, '&');
        stk_strbuf_puts(b, ps[i].key);
        stk_strbuf_putc(b, '=');
        stk_strbuf_puts(b, ps[i].val);
        free(ps[i].key);
        free(ps[i].val);
    }
    free(ps);
}

typedef struct {
    char *name;          /* lower-cased */
    const char *value;   /* raw, borrowed */
    size_t idx;          /* original order, to keep sorting stable */
} hdr;

static int hdr_cmp(const void *a, const void *b)
{
    const hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Trim and collapse runs of whitespace (line folds included) to one space. */
static void put_header_value(stk_strbuf *b, const char *v)
{
    int pending_space = 0, started = 0;
    for (const char *s = v ? v : ""; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            pending_space = started;
            continue;
        }
        if (pending_space) stk_strbuf_putc(b, ' ');
        pending_space = 0;
        started = 1;
        stk_strbuf_putc(b, *s);
    }
}

int stk_sigv4_sign(const stk_sigv4_input *in, stk_sigv4_result *out)
{
    memset(out, 0, sizeof *out);
    if (!in->method || !in->payload_hash || !in->amz_date || strlen(in->amz_date) < 8 ||
        !in->region || !in->service || !in->access_key || !in->secret_key)
        return -1;

    stk_strbuf cr = STK_STRBUF_INIT;
    stk_strbuf_puts(&cr, in->method);
    stk_strbuf_putc(&cr, '\n');

    /* canonical URI */
    const char *path = (in->path && *in->path) ? in->path : "/";
    if (in->s3_rules) {
        stk_strbuf_puts(&cr, path);
    } else {
        char *norm = normalize_path(path);
        uri_encode_into(&cr, norm, strlen(norm), 1);
        free(norm);
    }
    stk_strbuf_putc(&cr, '\n');

    canonical_query(&cr, in->query);
    stk_strbuf_putc(&cr, '\n');

    /* canonical headers */
    size_t nh = in->nheaders;
    int have_token_header = 0;
    hdr *hs = stk_xcalloc(nh + 1, sizeof *hs);
    for (size_t i = 0; i < in->nheaders; i++) {
        hs[i].name = stk_xstrdup(in->headers[i].name);
        for (char *p = hs[i].name; *p; p++) *p = (char)tolower((unsigned char)*p);
        hs[i].value = in->headers[i].value;
        hs[i].idx = i;
        if (strcmp(hs[i].name, "x-amz-security-token") == 0) have_token_header = 1;
    }
    if (in->session_token && *in->session_token && !have_token_header) {
        hs[nh].name = stk_xstrdup("x-amz-security-token");
        hs[nh].value = in->session_token;
        hs[nh].idx = nh;
        nh++;
    }
    qsort(hs, nh, sizeof *hs, hdr_cmp);
    stk_strbuf sh = STK_STRBUF_INIT;
    for (size_t i = 0; i < nh; i++) {
        if (i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0) {
            stk_strbuf_putc(&cr, ',');
        } else {
            if (i > 0) {
                stk_strbuf_putc(&cr, '\n');
                stk_strbuf_putc(&sh, ';');
            }
            stk_strbuf_puts(&cr, hs[i].name);
            stk_strbuf_putc(&cr, ':');
            stk_strbuf_puts(&sh, hs[i].name);
        }
        put_header_value(&cr, hs[i].value);
    }
    if (nh) stk_strbuf_putc(&cr, '\n');
    stk_strbuf_putc(&cr, '\n');
    for (size_t i = 0; i < nh; i++) free(hs[i].name);
    free(hs);
    stk_strbuf_puts(&cr, stk_strbuf_cstr(&sh));
    stk_strbuf_putc(&cr, '\n');
    stk_strbuf_puts(&cr, in->payload_hash);

    /* string to sign */
    char date[9];
    memcpy(date, in->amz_date, 8);
    date[8] = '\0';
    char crhash[65];
    stk_sigv4_sha256_hex(cr.s, cr.len, crhash);
    char *scope = stk_xasprintf("%s/%s/%s/aws4_request", date, in->region, in->service);
    char *sts = stk_xasprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s", in->amz_date, scope, crhash);

    /* signing key */
    unsigned char k[32];
    char *ksecret = stk_xasprintf("AWS4%s", in->secret_key);
    hmac_sha256((const unsigned char *)ksecret, strlen(ksecret), date, strlen(date), k);
    OPENSSL_cleanse(ksecret, strlen(ksecret));
    free(ksecret);
    hmac_sha256(k, 32, in->region, strlen(in->region), k);
    hmac_sha256(k, 32, in->service, strlen(in->service), k);
    hmac_sha256(k, 32, "aws4_request", 12, k);
    unsigned char sig[32];
    hmac_sha256(k, 32, sts, strlen(sts), sig);
    OPENSSL_cleanse(k, sizeof k);
    char sighex[65];
    hex_encode(sig, 32, sighex);

    out->canonical_request = stk_strbuf_detach(&cr);
    out->string_to_sign = sts;
    out->signed_headers = stk_strbuf_detach(&sh);
    out->signature = stk_xstrdup(sighex);
    out->authorization = stk_xasprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                                       in->access_key, scope, out->signed_headers, sighex);
    free(scope);
    return 0;
}

void stk_sigv4_result_free(stk_sigv4_result *r)
{
    if (!r) return;
    free(r->canonical_request);
    free(r->string_to_sign);
    free(r->signed_headers);
    free(r->signature);
    free(r->authorization);
    memset(r, 0, sizeof *r);
}
