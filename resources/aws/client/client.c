/* client.c - the AWS client: configuration (credentials, region, endpoint
 * overrides, flags), S3 bucket addressing, SigV4 signing of each request
 * and one attempt over the transport (http.c), logged under STK_LOG=debug. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "aws/client/client_impl.h"
#include "aws/client/endpoints.h"
#include "aws/client/log.h"
#include "aws/client/retry.h"
#include "aws/client/sigv4.h"
#include "provider.h"   /* stk_call_ctx: the call's priority */
#include "util/strbuf.h"

stk_aws_client *stk_aws_client_new(const stk_aws_config *cfg, stk_diags *d)
{
    stk_aws_config empty;
    memset(&empty, 0, sizeof empty);
    if (!cfg) cfg = &empty;
    char *region = stk_aws_region_resolve(cfg, d);
    if (!region) return NULL;
    /* the region becomes part of host names: letters, digits and '-' only */
    for (const char *p = region; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            stk_diags_error(d, NULL, "Invalid AWS region",
                            "\"%s\" is not a region name (such as us-east-1).", region);
            free(region);
            return NULL;
        }
    }
    stk_aws_credentials creds;
    if (stk_aws_credentials_resolve(cfg, &creds, d) != 0) {
        free(region);
        return NULL;
    }
    for (size_t i = 0; i < cfg->nendpoints; i++) {
        char *u = NULL, *r = NULL;
        /* validate the URL now so a typo is reported up front */
        const char *svc[1] = {cfg->endpoint_services[i]}, *url[1] = {cfg->endpoint_urls[i]};
        if (stk_aws_endpoint_resolve(region, cfg->endpoint_services[i], svc, url, 1, &u, &r, d) != 0) {
            stk_aws_credentials_clear(&creds);
            free(region);
            return NULL;
        }
        free(u);
        free(r);
    }
    stk_aws_http_global_init();
    stk_aws_client *c = stk_xcalloc(1, sizeof *c);
    c->region = region;
    c->creds = creds;
    c->nendpoints = cfg->nendpoints;
    c->ep_services = stk_xcalloc(cfg->nendpoints + 1, sizeof(char *));
    c->ep_urls = stk_xcalloc(cfg->nendpoints + 1, sizeof(char *));
    for (size_t i = 0; i < cfg->nendpoints; i++) {
        c->ep_services[i] = stk_xstrdup(cfg->endpoint_services[i]);
        c->ep_urls[i] = stk_xstrdup(cfg->endpoint_urls[i] ? cfg->endpoint_urls[i] : "");
    }
    /* max_retries counts retries, as in the provider block: attempts = retries + 1 */
    c->max_attempts = cfg->max_retries > 0 ? cfg->max_retries + 1 : STK_AWS_RETRY_DEFAULT_ATTEMPTS;
    c->s3_use_path_style = cfg->s3_use_path_style;
    c->skip_credentials_validation = cfg->skip_credentials_validation;
    c->skip_requesting_account_id = cfg->skip_requesting_account_id;
    c->skip_metadata_api_check = cfg->skip_metadata_api_check;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
    c->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 60000;
    const char *base = getenv("STK_RETRY_BASE_MS");
    c->retry_base_ms = base && *base ? strtol(base, NULL, 10) : STK_AWS_RETRY_BASE_MS;
    if (c->retry_base_ms < 0) c->retry_base_ms = 0;
    const char *ca = getenv("AWS_CA_BUNDLE");
    c->ca_bundle = ca && *ca ? stk_xstrdup(ca) : NULL;
    c->quota = STK_AWS_RETRY_QUOTA_MAX;
    pthread_mutex_init(&c->lock, NULL);
    c->limiter = stk_aws_limiter_new(stk_aws_limiter_env_max());
    return c;
}

void stk_aws_client_free(stk_aws_client *c)
{
    if (!c) return;
    stk_aws_http_pool_free(c);
    stk_aws_limiter_free(c->limiter);
    pthread_mutex_destroy(&c->lock);
    stk_aws_credentials_clear(&c->creds);
    for (size_t i = 0; i < c->nendpoints; i++) {
        free(c->ep_services[i]);
        free(c->ep_urls[i]);
    }
    free(c->ep_services);
    free(c->ep_urls);
    free(c->region);
    free(c->ca_bundle);
    free(c);
}

const char *stk_aws_client_region(const stk_aws_client *c) { return c->region; }
const char *stk_aws_client_credential_source(const stk_aws_client *c) { return c->creds.source; }
char *stk_aws_client_access_key_id(stk_aws_client *c)
{
    pthread_mutex_lock(&c->lock);
    char *k = stk_xstrdup(c->creds.access_key);
    pthread_mutex_unlock(&c->lock);
    return k;
}

int stk_aws_client_flag(const stk_aws_client *c, const char *name)
{
    if (strcmp(name, "skip_credentials_validation") == 0) return c->skip_credentials_validation;
    if (strcmp(name, "skip_requesting_account_id") == 0) return c->skip_requesting_account_id;
    if (strcmp(name, "skip_metadata_api_check") == 0) return c->skip_metadata_api_check;
    if (strcmp(name, "s3_use_path_style") == 0) return c->s3_use_path_style;
    return 0;
}

int stk_aws_client_endpoint(stk_aws_client *c, const char *service, char **url_out,
                            char **signing_region_out, stk_diags *d)
{
    return stk_aws_endpoint_resolve(c->region, service, (const char *const *)c->ep_services,
                                    (const char *const *)c->ep_urls, c->nendpoints, url_out,
                                    signing_region_out, d);
}

int stk_aws_client_s3_path_style(stk_aws_client *c, const char *bucket)
{
    if (c->s3_use_path_style) return 1;
    if (bucket && !stk_aws_s3_bucket_virtual_ok(bucket)) return 1;
    char *url = NULL, *reg = NULL;
    stk_diags d = STK_DIAGS_INIT;
    int ip = 0;
    if (stk_aws_client_endpoint(c, "s3", &url, &reg, &d) == 0) ip = stk_aws_endpoint_host_is_ip(url);
    stk_diags_free(&d);
    free(url);
    free(reg);
    return ip;
}

int stk_aws_response_transport_kind(const stk_aws_response *resp)
{
    if (resp->status != 0 && !resp->transport_error) return 0;
    if (resp->connect_failed) return STK_AWS_TRANSPORT_CONNECT;
    if (resp->timed_out) return STK_AWS_TRANSPORT_TIMEOUT;
    return STK_AWS_TRANSPORT_ERROR;
}

void stk_aws_response_free(stk_aws_response *resp)
{
    if (!resp) return;
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    free(resp->body);
    free(resp->transport_error);
    memset(resp, 0, sizeof *resp);
}

const char *stk_aws_response_header(const stk_aws_response *resp, const char *lname)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, lname) == 0) return resp->headers[i].value;
    return NULL;
}

/* Copy the credentials, refreshing credential_process ones that expire
   within five minutes. */
static int current_creds(stk_aws_client *c, char **ak, char **sk, char **tok, char **err)
{
    pthread_mutex_lock(&c->lock);
    if (c->creds.process && c->creds.expiration && c->creds.expiration - time(NULL) < 300) {
        stk_aws_credentials fresh;
        stk_diags d = STK_DIAGS_INIT;
        if (stk_aws_credentials_from_process(c->creds.process, &fresh, &d) == 0) {
            free(fresh.source);
            fresh.source = c->creds.source;
            c->creds.source = NULL;
            stk_aws_credentials_clear(&c->creds);
            c->creds = fresh;
        } else if (c->creds.expiration <= time(NULL)) {
            *err = stk_xasprintf("credentials expired and credential_process failed: %s",
                                 d.len ? d.items[0].summary : "unknown error");
            stk_diags_free(&d);
            pthread_mutex_unlock(&c->lock);
            return -1;
        }
        stk_diags_free(&d);
    }
    *ak = stk_xstrdup(c->creds.access_key);
    *sk = stk_xstrdup(c->creds.secret_key);
    *tok = c->creds.token ? stk_xstrdup(c->creds.token) : NULL;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static void wipe(char *s)
{
    if (!s) return;
    volatile char *p = s;
    while (*p) *p++ = 0;
    free(s);
}

/* The operation name for the log: the request's, else X-Amz-Target's
   suffix, else the Action= parameter of the query or body. */
static char *guess_operation(const stk_aws_request *req)
{
    if (req->operation) return stk_xstrdup(req->operation);
    for (size_t i = 0; i < req->nheaders; i++) {
        if (strcasecmp(req->headers[i].name, "x-amz-target") == 0) {
            const char *dot = strrchr(req->headers[i].value, '.');
            return stk_xstrdup(dot ? dot + 1 : req->headers[i].value);
        }
    }
    const char *srcs[2] = {req->query, req->body ? (const char *)req->body : NULL};
    size_t lens[2] = {req->query ? strlen(req->query) : 0, req->body_len};
    for (int k = 0; k < 2; k++) {
        const char *s = srcs[k];
        size_t n = lens[k];
        for (size_t i = 0; s && i + 7 <= n; i++) {
            if ((i == 0 || s[i - 1] == '&') && strncmp(s + i, "Action=", 7) == 0) {
                size_t j = i + 7;
                while (j < n && s[j] != '&' && j - i < 80) j++;
                return stk_xstrndup(s + i + 7, j - i - 7);
            }
        }
    }
    return stk_xstrdup("-");
}

static int is_unsigned_header(const char *name)
{
    return strcasecmp(name, "user-agent") == 0 || strcasecmp(name, "expect") == 0 ||
           strcasecmp(name, "content-length") == 0 || strcasecmp(name, "x-amzn-trace-id") == 0 ||
           strcasecmp(name, "authorization") == 0;
}

int stk_aws_client_send(stk_aws_client *c, const char *service, const char *signing_name,
                        const stk_aws_request *req, stk_aws_response *resp)
{
    memset(resp, 0, sizeof *resp);
    stk_diags d = STK_DIAGS_INIT;
    char *url = NULL, *sign_region = NULL, *scheme = NULL, *host = NULL, *base = NULL;
    char *ak = NULL, *sk = NULL, *tok = NULL, *err = NULL, *path = NULL, *full_url = NULL;
    char *op = guess_operation(req);
    int rc = -1;
    if (!req->method || !service || !signing_name) {
        resp->transport_error = stk_xstrdup("request without method, service or signing name");
        goto out;
    }
    if (stk_aws_client_endpoint(c, service, &url, &sign_region, &d) != 0 ||
        stk_aws_endpoint_split(url, &scheme, &host, &base) != 0) {
        resp->transport_error = stk_xasprintf("no usable endpoint for %s: %s", service,
                                              d.len ? d.items[0].detail ? d.items[0].detail : d.items[0].summary
                                                    : url ? url : "?");
        goto out;
    }
    int s3 = strcmp(signing_name, "s3") == 0;
    const char *rpath = req->path && *req->path ? req->path : "/";

    /* S3 addressing: host_prefix "bucket." is virtual-hosted unless path style applies */
    char *fullhost;
    stk_aws_endpoint_target(url, s3 && strcmp(service, "s3") == 0, req->host_prefix, rpath,
                            c->s3_use_path_style, &fullhost, &path);
    full_url = stk_xasprintf("%s://%s%s%s%s", scheme, fullhost, path,
                             req->query && *req->query ? "?" : "", req->query ? req->query : "");

    if (current_creds(c, &ak, &sk, &tok, &err) != 0) {
        resp->transport_error = err;
        err = NULL;
        free(fullhost);
        goto out;
    }

    /* date, payload hash */
    char amz_date[17];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    char payload_hash[65];
    stk_sigv4_sha256_hex(req->body, req->body_len, payload_hash);

    /* headers to sign */
    size_t cap = req->nheaders + 5, nh = 0;
    stk_http_header *sh = stk_xcalloc(cap, sizeof *sh);
    int have_ct = 0, have_sha = 0, have_tok = 0;
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *n = req->headers[i].name;
        if (strcasecmp(n, "host") == 0 || strcasecmp(n, "x-amz-date") == 0) continue;
        if (strcasecmp(n, "content-type") == 0) have_ct = 1;
        if (strcasecmp(n, "x-amz-content-sha256") == 0) have_sha = 1;
        if (strcasecmp(n, "x-amz-security-token") == 0) have_tok = 1;
        if (is_unsigned_header(n)) continue;
        sh[nh++] = req->headers[i];
    }
    sh[nh++] = (stk_http_header){"Host", fullhost};
    sh[nh++] = (stk_http_header){"X-Amz-Date", amz_date};
    if (s3 && !have_sha) sh[nh++] = (stk_http_header){"x-amz-content-sha256", payload_hash};
    if (tok && !have_tok) sh[nh++] = (stk_http_header){"X-Amz-Security-Token", tok};

    stk_sigv4_input in = {
        .method = req->method, .path = path, .query = req->query, .headers = sh, .nheaders = nh,
        .payload_hash = payload_hash, .amz_date = amz_date, .region = sign_region,
        .service = signing_name, .access_key = ak, .secret_key = sk, .s3_rules = s3,
    };
    stk_sigv4_result sig;
    if (stk_sigv4_sign(&in, &sig) != 0) {
        resp->transport_error = stk_xstrdup("cannot sign the request (missing method or credentials)");
        free(sh);
        free(fullhost);
        goto out;
    }

    /* wire headers: the signed ones, unsigned extras, Authorization */
    size_t nw = 0;
    char **wire = stk_xcalloc(nh + req->nheaders + 3, sizeof *wire);
    for (size_t i = 0; i < nh; i++) wire[nw++] = stk_xasprintf("%s: %s", sh[i].name, sh[i].value);
    for (size_t i = 0; i < req->nheaders; i++)
        if (is_unsigned_header(req->headers[i].name) && strcasecmp(req->headers[i].name, "authorization") != 0)
            wire[nw++] = stk_xasprintf("%s: %s", req->headers[i].name, req->headers[i].value);
    if (!have_ct && strcmp(req->method, "POST") != 0) wire[nw++] = stk_xstrdup("Content-Type:");
    wire[nw++] = stk_xasprintf("Authorization: %s", sig.authorization);
    stk_sigv4_result_free(&sig);
    free(sh);

    struct timespec t0, t1;
    const stk_call_ctx *cx = stk_call_ctx_current();
    stk_aws_limiter_acquire(c->limiter, cx ? cx->priority : 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = stk_aws_http_perform(c, req->method, full_url, (const char *const *)wire, nw, req->body,
                              req->body_len, req->send_once, resp);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stk_aws_limiter_release(c->limiter);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    for (size_t i = 0; i < nw; i++) wipe(wire[i]);
    free(wire);

    if (stk_aws_log_enabled()) {
        const char *secrets[2] = {sk, tok};
        const char *rid = stk_aws_response_header(resp, "x-amzn-requestid");
        if (!rid) rid = stk_aws_response_header(resp, "x-amz-request-id");
        int attempt = stk_aws_retry_current_attempt();
        if (rc == 0)
            stk_aws_log_line(secrets, 2, "%s %s %s %s://%s%s -> %ld in %.1f ms (attempt %d%s%s)", service, op,
                             req->method, scheme, fullhost, path, resp->status, ms, attempt ? attempt : 1,
                             rid ? ", request id " : "", rid ? rid : "");
        else
            stk_aws_log_line(secrets, 2, "%s %s %s %s://%s%s -> transport error after %.1f ms (attempt %d): %s",
                             service, op, req->method, scheme, fullhost, path, ms, attempt ? attempt : 1,
                             resp->transport_error);
    }
    free(fullhost);
out:
    wipe(ak);
    wipe(sk);
    wipe(tok);
    free(err);
    free(op);
    free(url);
    free(sign_region);
    free(scheme);
    free(host);
    free(base);
    free(path);
    free(full_url);
    stk_diags_free(&d);
    return rc;
}
