/* http.c - the libcurl transport of the AWS client: a mutex-protected pool
 * of easy handles (so connections are reused), TLS verification always on,
 * connect/request timeouts, no signals (thread safe), response headers
 * lower-cased, response bodies capped at STK_AWS_MAX_RESPONSE (refused at
 * once when the Content-Length announces more), and a stall limit: a
 * response slower than STK_AWS_STALL_BYTES bytes/s for STK_AWS_STALL_SECONDS
 * (a silent server, a slow-loris trickle) is abandoned long before the
 * request timeout.  STK_AWS_STALL_SECONDS=N in the environment changes the
 * window (tests). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "aws/client/client_impl.h"
#include "stk_version.h"
#include "util/strbuf.h"

#define STK_AWS_STALL_BYTES 256L
#define STK_AWS_STALL_SECONDS 20L

static long stall_seconds(void)
{
    const char *e = getenv("STK_AWS_STALL_SECONDS");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v > 0 && v < 3600 ? v : STK_AWS_STALL_SECONDS;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void do_global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void stk_aws_http_global_init(void) { pthread_once(&curl_once, do_global_init); }

static CURL *pool_take(stk_aws_client *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->npool > 0) h = c->pool[--c->npool];
    pthread_mutex_unlock(&c->lock);
    return h ? h : curl_easy_init();
}

static void pool_give(stk_aws_client *c, CURL *h)
{
    curl_easy_reset(h);   /* keeps the live connections and DNS cache */
    pthread_mutex_lock(&c->lock);
    if (c->npool < STK_AWS_POOL_MAX) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (h) curl_easy_cleanup(h);
}

void stk_aws_http_pool_free(stk_aws_client *c)
{
    for (int i = 0; i < c->npool; i++) curl_easy_cleanup(c->pool[i]);
    c->npool = 0;
}

typedef struct {
    stk_strbuf body;
    int too_big;
    stk_http_header *h;
    size_t nh, caph;
} xfer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (x->body.len + len > (size_t)STK_AWS_MAX_RESPONSE) {
        x->too_big = 1;
        return 0;   /* aborts the transfer */
    }
    stk_strbuf_add(&x->body, p, len);
    return len;
}

static void clear_headers(xfer *x)
{
    for (size_t i = 0; i < x->nh; i++) {
        free(x->h[i].name);
        free(x->h[i].value);
    }
    x->nh = 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        clear_headers(x);   /* a new response (after 100 Continue) */
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon) return len;
    if (x->nh >= 512) return len;   /* hostile header flood: ignore the rest */
    size_t nl = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
    if (x->nh == x->caph) {
        x->caph = x->caph ? x->caph * 2 : 16;
        x->h = stk_xrealloc(x->h, x->caph * sizeof *x->h);
    }
    char *name = stk_xstrndup(p, nl);
    for (char *q = name; *q; q++) *q = (char)tolower((unsigned char)*q);
    x->h[x->nh].name = name;
    x->h[x->nh].value = stk_xstrndup(v, vl);
    x->nh++;
    return len;
}

#define HAVE_PREREQ (LIBCURL_VERSION_NUM >= 0x075000)

/* how many times libcurl went to send the request, and whether a second
   send was stopped */
typedef struct {
    int n;
    int once;
    int stopped;
} sends;

#if HAVE_PREREQ
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
{
    (void)conn_primary_ip, (void)conn_local_ip, (void)conn_primary_port, (void)conn_local_port;
    sends *s = ud;
    if (++s->n > 1 && s->once) {
        s->stopped = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}
#endif

int stk_aws_http_perform(stk_aws_client *c, const char *method, const char *url,
                         const char *const *headers, size_t nheaders,
                         const unsigned char *body, size_t body_len, int send_once,
                         stk_aws_response *resp)
{
    memset(resp, 0, sizeof *resp);
    CURL *h = pool_take(c);
    if (!h) {
        resp->transport_error = stk_xstrdup("cannot create a curl handle");
        return -1;
    }
    struct curl_slist *hl = NULL;
    for (size_t i = 0; i < nheaders; i++) hl = curl_slist_append(hl, headers[i]);
    hl = curl_slist_append(hl, "Expect:");   /* no 100-continue round trip */
    hl = curl_slist_append(hl, "Accept:");

    xfer x;
    memset(&x, 0, sizeof x);
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);          /* never squash "/../" in keys */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    if (c->ca_bundle) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, STK_AWS_STALL_BYTES);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_seconds());
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)STK_AWS_MAX_RESPONSE);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "stk/" STK_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    /* send_once (client.h): libcurl calls the pre-request hook before each
       time it sends the request; a second time means it is re-sending on
       its own after a reused connection closed without an answer, which
       the hook stops (for other calls it is let through and noted in
       resp->resent).  Without the hook (libcurl < 7.80), a fresh
       connection closed after the call keeps it from ever re-sending. */
    sends s = {0, send_once, 0};
#if HAVE_PREREQ
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &s);
#else
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, send_once ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, send_once ? 1L : 0L);
#endif

    if (strcmp(method, "GET") == 0 && body_len == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        /* POSTFIELDS with an explicit size sends any body (binary-safe) */
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body_len ? (const char *)body : "");
        if (strcmp(method, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    pool_give(c, h);
    resp->resent = s.n > 1;

    if (rc != CURLE_OK) {
        if (x.too_big || rc == CURLE_FILESIZE_EXCEEDED)
            resp->transport_error = stk_xasprintf("response body larger than %ld MiB: refused",
                                                  STK_AWS_MAX_RESPONSE / (1024 * 1024));
        else if (rc == CURLE_ABORTED_BY_CALLBACK && s.stopped)
            resp->transport_error = stk_xstrdup("the kept-alive connection closed without an answer; the request "
                                                "may have reached AWS, so it was not sent again");
        else if (rc == CURLE_OPERATION_TIMEDOUT && strstr(errbuf, "too slow"))
            resp->transport_error = stk_xasprintf("the response stalled: %s", errbuf);
        else
            resp->transport_error = stk_xasprintf("%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        resp->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        resp->connect_failed = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                               rc == CURLE_COULDNT_RESOLVE_PROXY;
        resp->status = 0;
        clear_headers(&x);
        free(x.h);
        stk_strbuf_free(&x.body);
        return -1;
    }
    resp->status = status;
    resp->headers = x.h;
    resp->nheaders = x.nh;
    resp->body_len = x.body.len;
    resp->body = (unsigned char *)stk_strbuf_detach(&x.body);
    return 0;
}
