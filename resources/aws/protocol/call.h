/* call.h - the one way stk calls AWS: stk_aws_call(client, "ec2", "CreateVpc",
 * params, &result, &diags), with params and result as jansson objects that
 * follow the operation's input and output shapes (botocore's member names).
 *
 * The layer is model-driven (resources/aws/protocol/model.h): the service's
 * protocol (ec2, query, json, rest-xml) decides the wire form; nothing here
 * is written per operation.  Before anything is sent, params are validated
 * against the input shape (unknown names at any depth, missing required
 * members, wrong JSON types) and a missing idempotency token is filled with
 * a fresh UUID, as botocore does.  Retries follow the client's standard
 * policy (client.h): a mutating call without an idempotency token is retried
 * only when the client says the failure proves nothing was done.
 *
 * Value conventions in params and results:
 *   integers/longs -> JSON integers, double/float -> reals, booleans -> true/false;
 *   timestamps     -> ISO 8601 strings in results; params accept ISO 8601
 *                     strings or epoch seconds;
 *   blobs          -> params: a string taken as raw bytes; results: base64
 *                     text, except a blob *payload* (S3 GetObject Body), which
 *                     is the body itself when it is valid UTF-8, otherwise
 *                     base64 with "<Member>Encoding": "base64" beside it; use
 *                     stk_aws_call_ex's raw body fields for binary payloads;
 *   IAM policy documents (URL-encoded on the wire) -> their JSON text;
 *   results carry "ResponseMetadata": {"RequestId", "HTTPStatusCode"}.
 *
 * Ownership: params are borrowed (never modified); *result is a new
 * reference the caller json_decref()s.  stk_aws_error strings are owned by
 * the struct (stk_aws_error_clear frees them).  Every function here is safe
 * to call from several threads with one shared client.
 */
#ifndef STK_AWS_CALL_H
#define STK_AWS_CALL_H
#include <jansson.h>
#include "aws/client/client.h"
#include "util/diag.h"

/* An AWS error response, parsed per protocol. */
typedef struct {
    long status;          /* HTTP status; 0 for a transport failure */
    char *code;           /* "InvalidVpcID.NotFound", "NoSuchBucket", "NotFound" (HEAD 404) ... */
    char *message;        /* may be NULL */
    char *request_id;     /* may be NULL */
} stk_aws_error;
void stk_aws_error_clear(stk_aws_error *e);

/* Extra inputs/outputs of one call. All fields optional. */
typedef struct {
    /* Raw bytes for the operation's blob payload member (S3 PutObject Body);
       used when body is non-NULL, instead of params["Body"]. Borrowed. */
    const unsigned char *body;
    size_t body_len;
    /* When non-NULL, a blob payload in the response (S3 GetObject Body) is
       returned here (caller frees) instead of in the result JSON. */
    unsigned char **out_body;
    size_t *out_body_len;
    /* Number of attempts made (filled on return) */
    int attempts;
} stk_aws_call_opts;

/* Call one operation.  Returns 0 with *result set, or -1 with a diagnostic
   ("ec2 CreateVpc: InvalidParameterValue: <message>", detail with request
   id and HTTP status) and *result NULL. */
int stk_aws_call(stk_aws_client *c, const char *service, const char *operation,
                 json_t *params, json_t **result, stk_diags *d);
/* The same, filling *err (when non-NULL) on an AWS error so callers can test
   the code (e.g. treat "NotFound" as absent).  opts and err may be NULL. */
int stk_aws_call_ex(stk_aws_client *c, const char *service, const char *operation,
                    json_t *params, stk_aws_call_opts *opts, json_t **result,
                    stk_aws_error *err, stk_diags *d);
int stk_aws_error_is(const stk_aws_error *e, const char *code);

/* Pagination driven by paginators-1.json: calls the operation until the
   output token runs out and merges the result_key lists (and keeps the other
   keys of the first page).  Fails (-1) when the operation has no paginator. */
int stk_aws_paginate(stk_aws_client *c, const char *service, const char *operation,
                     json_t *params, json_t **result, stk_diags *d);

/* Waiters driven by waiters-2.json: polls until a success acceptor matches
   (0), a failure acceptor matches, maxAttempts or timeout_seconds (<= 0: the
   waiter's own delay*maxAttempts) is reached (-1, diagnostic).  The delay
   is multiplied by env STK_WAITER_DELAY_SCALE when set (tests: 0.01). */
int stk_aws_wait(stk_aws_client *c, const char *service, const char *waiter,
                 json_t *params, double timeout_seconds, stk_diags *d);

/* ---- building blocks, exposed for tests and for the two drivers above ---- */

/* What paginate and wait call: stk_aws_call_ex in production; a fake in tests.
   Returns 0 (result set), 1 for an AWS error (err set), -1 other failure. */
typedef int (*stk_aws_call_fn)(void *ctx, const char *service, const char *operation,
                               json_t *params, json_t **result, stk_aws_error *err, stk_diags *d);
int stk_aws_paginate_with(stk_aws_call_fn fn, void *ctx, const char *service, const char *operation,
                          json_t *params, json_t **result, stk_diags *d);
int stk_aws_wait_with(stk_aws_call_fn fn, void *ctx, const char *service, const char *waiter,
                      json_t *params, double timeout_seconds, stk_diags *d);

typedef enum { STK_WAIT_NONE = 0, STK_WAIT_SUCCESS, STK_WAIT_FAILURE, STK_WAIT_RETRY } stk_aws_wait_state;
/* Match one poll's outcome against a waiter's acceptors: result (NULL on an
   error), HTTP status, error code (NULL on success). */
stk_aws_wait_state stk_aws_waiter_match(json_t *waiter, json_t *result, long status,
                                        const char *error_code);

/* Validate params against the operation's input shape (diagnostics name the
   path: Unknown parameter in TagSpecifications[0]: "Tag", must be one of: ...). */
int stk_aws_validate(const char *service, const char *operation, json_t *params, stk_diags *d);
/* Validate, fill idempotency tokens, and serialize into *req (cleared with
   stk_aws_request_clear).  body/body_len: optional raw payload. */
int stk_aws_serialize(const char *service, const char *operation, json_t *params,
                      const unsigned char *body, size_t body_len, stk_aws_request *req, stk_diags *d);
void stk_aws_request_clear(stk_aws_request *req);
/* Parse a response: 0 success (*result set), 1 AWS error (*err set), -1 a
   malformed response (diagnostic).  out_body as in stk_aws_call_opts. */
int stk_aws_parse(const char *service, const char *operation, const stk_aws_response *resp,
                  json_t **result, stk_aws_error *err, unsigned char **out_body,
                  size_t *out_body_len, stk_diags *d);
/* Whether a failed attempt of this operation may be retried even when AWS
   might have acted on it (client.h's may_retry_create): every call except
   those that make something new (Create*, Run*, Allocate*, Import*, Copy*,
   Publish, Request*, Send*) unless the model marks them idempotent or they
   carry an idempotency token (ClientToken ..., or CloudFront's CallerReference). */
int stk_aws_operation_retry_safe(const char *service, const char *operation);

#endif
