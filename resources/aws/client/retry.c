/* retry.c - the AWS "standard" retry mode: which failures are retried,
 * full-jitter exponential backoff, and the per-client retry quota (a token
 * bucket) that stops a failing endpoint from being hammered. */
#include "aws/client/retry.h"
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>
#include "aws/client/client_impl.h"
#include "aws/client/log.h"
#include "util/strbuf.h"

static _Thread_local int tl_attempt;

/* process-wide totals (stk_aws_retry_totals_get) */
static atomic_long g_calls, g_retries, g_throttled, g_server, g_transport, g_gave_up;

void stk_aws_retry_note_attempt(int attempt) { tl_attempt = attempt; }
int stk_aws_retry_current_attempt(void) { return tl_attempt; }

static int in_list(const char *code, const char *const *list, size_t n)
{
    if (!code) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0) return 1;
    return 0;
}

int stk_aws_retry_is_throttle_code(const char *code)
{
    static const char *const codes[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    return in_list(code, codes, sizeof codes / sizeof codes[0]);
}

int stk_aws_retry_is_transient_code(const char *code)
{
    static const char *const codes[] = {
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "InternalServerError", "InternalServiceError", "ServiceUnavailable",
        "ServiceUnavailableException", "IDPCommunicationError",
    };
    return in_list(code, codes, sizeof codes / sizeof codes[0]);
}

stk_aws_retry_kind stk_aws_retry_classify(long status, const char *code, int transport_error)
{
    if (transport_error == STK_AWS_TRANSPORT_CONNECT) return STK_AWS_RETRY_CONNECT;
    if (transport_error == STK_AWS_TRANSPORT_TIMEOUT) return STK_AWS_RETRY_TIMEOUT;
    if (transport_error || status == 0) return STK_AWS_RETRY_TRANSPORT;
    if (stk_aws_retry_is_throttle_code(code) || status == 429) return STK_AWS_RETRY_THROTTLE;
    if (stk_aws_retry_is_transient_code(code)) return STK_AWS_RETRY_TRANSIENT;
    if (status == 500 || status == 502 || status == 503 || status == 504) return STK_AWS_RETRY_TRANSIENT;
    return STK_AWS_RETRY_NO;
}

long stk_aws_retry_backoff_ms(int attempt, long base_ms, double r01)
{
    if (attempt < 1) attempt = 1;
    if (base_ms < 0) base_ms = 0;
    long cap = base_ms;
    for (int i = 1; i < attempt && cap < STK_AWS_RETRY_MAX_BACKOFF_MS; i++) cap *= 2;
    if (cap > STK_AWS_RETRY_MAX_BACKOFF_MS) cap = STK_AWS_RETRY_MAX_BACKOFF_MS;
    if (r01 < 0) r01 = 0;
    if (r01 >= 1) r01 = 0.999999;
    return (long)(r01 * (double)cap);
}

static double random01(void)
{
    uint32_t v;
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1) v = (uint32_t)rand();
    return (double)v / 4294967296.0;
}

void stk_aws_retry_begin(stk_aws_client *c, stk_aws_retry *r)
{
    r->attempt = 1;
    r->max_attempts = c->max_attempts;
    r->tokens_taken = 0;
    r->uncertain = 0;
    stk_aws_retry_note_attempt(1);
    atomic_fetch_add(&g_calls, 1);
}

int stk_aws_retry_should(stk_aws_client *c, stk_aws_retry *r, long status, const char *error_code,
                         int transport_error, int may_retry_create)
{
    stk_aws_retry_kind kind = stk_aws_retry_classify(status, error_code, transport_error);
    const char *why = NULL;
    if (kind == STK_AWS_RETRY_NO) return 0;
    if (kind == STK_AWS_RETRY_TRANSIENT || kind == STK_AWS_RETRY_TRANSPORT || kind == STK_AWS_RETRY_TIMEOUT)
        r->uncertain = 1;   /* AWS may have acted on it (client.h) */
    if ((kind == STK_AWS_RETRY_TRANSIENT || kind == STK_AWS_RETRY_TRANSPORT ||
         kind == STK_AWS_RETRY_TIMEOUT) && !may_retry_create) {
        /* a 4xx transient code (e.g. S3's RequestTimeout) means nothing was done */
        if (!(kind == STK_AWS_RETRY_TRANSIENT && status >= 400 && status < 500))
            why = "not retried: the call is not idempotent and may have taken effect";
    }
    if (!why && r->attempt >= r->max_attempts) why = "not retried: max attempts reached";
    int cost = kind == STK_AWS_RETRY_TIMEOUT ? STK_AWS_RETRY_TIMEOUT_COST : STK_AWS_RETRY_COST;
    if (!why) {
        pthread_mutex_lock(&c->lock);
        if (c->quota < cost) {
            why = "not retried: retry quota exhausted";
        } else {
            c->quota -= cost;
            c->retries++;
        }
        pthread_mutex_unlock(&c->lock);
    }
    if (why) {
        atomic_fetch_add(&g_gave_up, 1);
        stk_aws_log_line(NULL, 0, "attempt %d failed (status %ld, %s): %s", r->attempt, status,
                         error_code ? error_code : transport_error ? "transport error" : "no code", why);
        return 0;
    }
    r->tokens_taken = cost;
    atomic_fetch_add(&g_retries, 1);
    atomic_fetch_add(kind == STK_AWS_RETRY_THROTTLE ? &g_throttled : kind == STK_AWS_RETRY_TRANSIENT ? &g_server
                                                                                                   : &g_transport,
                     1);
    long delay = stk_aws_retry_backoff_ms(r->attempt, c->retry_base_ms, random01());
    stk_aws_log_line(NULL, 0, "attempt %d failed (status %ld, %s): retrying in %ld ms", r->attempt, status,
                     error_code ? error_code : transport_error ? "transport error" : "no code", delay);
    if (delay > 0) {
        struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    r->attempt++;
    stk_aws_retry_note_attempt(r->attempt);
    return 1;
}

void stk_aws_retry_success(stk_aws_client *c, stk_aws_retry *r)
{
    pthread_mutex_lock(&c->lock);
    c->quota += r->tokens_taken ? r->tokens_taken : STK_AWS_RETRY_NO_RETRY_INCREMENT;
    if (c->quota > STK_AWS_RETRY_QUOTA_MAX) c->quota = STK_AWS_RETRY_QUOTA_MAX;
    pthread_mutex_unlock(&c->lock);
    r->tokens_taken = 0;
    stk_aws_retry_note_attempt(0);
}

long stk_aws_client_retry_count(const stk_aws_client *c)
{
    pthread_mutex_lock((pthread_mutex_t *)&c->lock);
    long n = c->retries;
    pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
    return n;
}

int stk_aws_client_retry_quota(const stk_aws_client *c)
{
    pthread_mutex_lock((pthread_mutex_t *)&c->lock);
    int q = c->quota;
    pthread_mutex_unlock((pthread_mutex_t *)&c->lock);
    return q;
}

void stk_aws_retry_totals_get(stk_aws_retry_totals *out)
{
    out->calls = atomic_load(&g_calls);
    out->retries = atomic_load(&g_retries);
    out->throttled = atomic_load(&g_throttled);
    out->server = atomic_load(&g_server);
    out->transport = atomic_load(&g_transport);
    out->gave_up = atomic_load(&g_gave_up);
}

char *stk_aws_retry_totals_describe(const stk_aws_retry_totals *t)
{
    return stk_xasprintf("AWS calls: %ld, retries: %ld (throttling %ld, server errors %ld, connection %ld), gave up: %ld",
                         t->calls, t->retries, t->throttled, t->server, t->transport, t->gave_up);
}
