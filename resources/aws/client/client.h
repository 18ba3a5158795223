/* client.h - the AWS client: configuration (credentials, region, endpoints),
 * SigV4 signing, the libcurl transport and the retry policy.
 *
 * The protocol layer (resources/aws/protocol) builds a stk_aws_request for
 * one operation, asks this layer to sign and send it (one attempt), parses
 * the response, and drives retries with stk_aws_retry_* because whether an
 * error is retryable depends on the error code only the protocol parses.
 *
 * Thread safety: one stk_aws_client may be used from many threads at once
 * (the apply walker's workers); curl handles come from a locked pool.
 * Secrets (secret key, session token) never appear in a log, an error, a
 * diagnostic or state.
 */
#ifndef STK_AWS_CLIENT_H
#define STK_AWS_CLIENT_H
#include <stddef.h>
#include "util/diag.h"

typedef struct stk_aws_client stk_aws_client;

typedef struct {
    char *name;
    char *value;
} stk_http_header;

typedef struct {
    const char *method;        /* "GET", "POST", ... */
    char *host_prefix;         /* S3 virtual-hosted bucket: "bucket." or NULL */
    char *path;                /* already URI-encoded, starts with '/' */
    char *query;               /* encoded "a=b&c=d", no leading '?', may be NULL */
    stk_http_header *headers;  /* extra headers (Content-Type, X-Amz-Target ...) */
    size_t nheaders;
    unsigned char *body;
    size_t body_len;
    const char *operation;     /* "CreateVpc", for the STK_LOG=debug log; may be NULL
                                  (then guessed from X-Amz-Target or Action=) */
    int send_once;             /* 1: the request goes out at most once.  For calls that
                                  are not idempotent: libcurl silently sends a request
                                  again when a reused connection closes before any
                                  answer, which could make an object twice; such a
                                  second send is stopped and the call fails as one
                                  whose answer was lost (http.c). */
} stk_aws_request;

typedef struct {
    long status;               /* HTTP status; 0 when no response arrived */
    stk_http_header *headers;  /* names lower-cased */
    size_t nheaders;
    unsigned char *body;       /* NUL-terminated for convenience */
    size_t body_len;
    char *transport_error;     /* curl's message when status == 0 */
    int timed_out;
    int connect_failed;        /* no connection was made: nothing reached the server */
    int resent;                /* libcurl sent the request twice (a reused connection
                                  died without an answer): the first may have been
                                  acted on, so an error now may be that (http.c) */
} stk_aws_response;

/* What to pass as stk_aws_retry_should's transport_error for a response:
   0 when an HTTP response arrived, else one of these. */
#define STK_AWS_TRANSPORT_ERROR 1     /* failed after the request may have been sent */
#define STK_AWS_TRANSPORT_TIMEOUT 2   /* timed out (costs more retry quota) */
#define STK_AWS_TRANSPORT_CONNECT 3   /* could not connect: safe to retry even a create */
int stk_aws_response_transport_kind(const stk_aws_response *resp);

/* Settings as a provider "aws" block / backend "s3" block gives them;
   every field may be NULL/0 (then environment and shared files decide). */
typedef struct {
    const char *region;
    const char *profile;
    const char *access_key, *secret_key, *token;   /* static credentials */
    const char *shared_credentials_file, *shared_config_file;
    const char **endpoint_services;  /* endpoints { ec2 = "..." } pairs */
    const char **endpoint_urls;
    size_t nendpoints;
    int max_retries;                 /* 0: default 5 */
    int s3_use_path_style;
    int skip_credentials_validation, skip_requesting_account_id, skip_metadata_api_check;
    long connect_timeout_ms, request_timeout_ms;   /* 0: defaults */
} stk_aws_config;

stk_aws_client *stk_aws_client_new(const stk_aws_config *cfg, stk_diags *d);
void stk_aws_client_free(stk_aws_client *c);
const char *stk_aws_client_region(const stk_aws_client *c);
/* Where the credentials came from ("environment", "profile \"dev\" in ..."). */
const char *stk_aws_client_credential_source(const stk_aws_client *c);
/* A malloc'd copy of the access key id in use (not secret; credentials
   from credential_process may be refreshed at any time, hence the copy). */
char *stk_aws_client_access_key_id(stk_aws_client *c);
/* Flags of the provider block, as given: "skip_credentials_validation",
   "skip_requesting_account_id", "skip_metadata_api_check", "s3_use_path_style". */
int stk_aws_client_flag(const stk_aws_client *c, const char *name);
/* 1 when requests for bucket go path-style (/bucket/key): s3_use_path_style,
   an endpoint whose host is an IP address or localhost, or a bucket name that
   is not a plain DNS label.  stk_aws_client_send applies this itself to a
   request with host_prefix "bucket." for service "s3". */
int stk_aws_client_s3_path_style(stk_aws_client *c, const char *bucket);

/* Resolve the endpoint for a service key as botocore names it ("ec2",
   "elasticloadbalancing", "s3", "monitoring" ...): scheme+host[:port] and
   the signing region.  Overrides: provider endpoints, AWS_ENDPOINT_URL_<SVC>,
   AWS_ENDPOINT_URL; otherwise the aws partition's rules. */
int stk_aws_client_endpoint(stk_aws_client *c, const char *service, char **url_out,
                            char **signing_region_out, stk_diags *d);

/* Sign (SigV4 with signing_name, e.g. "ec2", "s3") and send one attempt.
   Adds Host, X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 (s3),
   Authorization.  Returns 0 when an HTTP response arrived (any status),
   -1 on a transport failure (resp->transport_error set). */
int stk_aws_client_send(stk_aws_client *c, const char *service, const char *signing_name,
                        const stk_aws_request *req, stk_aws_response *resp);
void stk_aws_response_free(stk_aws_response *resp);
const char *stk_aws_response_header(const stk_aws_response *resp, const char *lname);

/* Retry policy, AWS "standard" mode. */
typedef struct {
    int attempt;          /* 1-based attempt just made */
    int max_attempts;
    int tokens_taken;     /* quota tokens held for this call */
    int uncertain;        /* an attempt failed in a way that may have taken effect
                             (a 5xx or transient code, no answer after sending, a
                             time-out), or was re-sent by libcurl (the caller sets
                             it then): a call that ends in failure reports itself
                             possibly applied (stk_call_note_maybe_applied) */
} stk_aws_retry;
void stk_aws_retry_begin(stk_aws_client *c, stk_aws_retry *r);
/* Called after a failed attempt: returns 1 and sleeps the backoff when the
   call should be retried (error_code may be NULL for transport errors).
   transport_error: 0 or stk_aws_response_transport_kind(resp).  On 1,
   r->attempt has been advanced to the attempt about to be made (the caller
   does not increment it).  Throttling codes are always retried; 5xx,
   transient codes and transport errors/timeouts only when may_retry_create
   (pass 1 for any call that is not a non-idempotent create); connect
   failures always.  Usage:
       stk_aws_retry r; stk_aws_retry_begin(c, &r);
       for (;;) { send; if ok { stk_aws_retry_success(c, &r); break; }
                  if (!stk_aws_retry_should(c, &r, status, code, kind, may)) {
                      if (r.uncertain) stk_call_note_maybe_applied();
                      fail; } } */
int stk_aws_retry_should(stk_aws_client *c, stk_aws_retry *r, long status,
                         const char *error_code, int transport_error, int may_retry_create);
void stk_aws_retry_success(stk_aws_client *c, stk_aws_retry *r);
/* Counters for reports: total retries made by this client. */
long stk_aws_client_retry_count(const stk_aws_client *c);
/* Tokens left in the retry quota (starts at 500). */
int stk_aws_client_retry_quota(const stk_aws_client *c);

/* Process-wide totals over every client (provider instances, the S3
   backend), for the end-of-command report of `stk apply`/`destroy`: calls
   begun, retries made by cause, and calls that failed on a retryable
   error without being retried (non-idempotent create, attempts or quota
   exhausted). */
typedef struct {
    long calls, retries;
    long throttled;      /* retries after a throttling code */
    long server;         /* retries after a 5xx / transient code */
    long transport;      /* retries after a broken connection, timeout, refused connect */
    long gave_up;        /* retryable failures not retried */
} stk_aws_retry_totals;
void stk_aws_retry_totals_get(stk_aws_retry_totals *out);
/* One line for humans: "AWS calls: 612, retries: 87 (throttling 30, server
   errors 51, connection 6), gave up: 0" (malloc'd). */
char *stk_aws_retry_totals_describe(const stk_aws_retry_totals *t);

#endif
