/* sigv4.h - AWS Signature Version 4 as a pure function.
 *
 * Given a request description (method, path, query, headers, payload hash,
 * date, region, service, credentials) stk_sigv4_sign produces the canonical
 * request, the string to sign, the signature and the Authorization header.
 * No clock, no network, no global state: the SigV4 test suite drives it
 * directly (tests/unit/test_sigv4.c) and client.c uses it for every call.
 *
 * Path rules: for every service but S3 the path is normalised (dot segments
 * and repeated slashes removed) and URI-encoded once more, so an already
 * encoded wire path ends up double-encoded as AWS requires.  With s3_rules
 * the path is used as given (already encoded, never normalised).
 *
 * Ownership: the input is borrowed; every string in stk_sigv4_result is
 * malloc'd and released by stk_sigv4_result_free.
 */
#ifndef STK_AWS_SIGV4_H
#define STK_AWS_SIGV4_H
#include <stddef.h>
#include "aws/client/client.h"

typedef struct {
    const char *method;              /* "GET", "POST" ... */
    const char *path;                /* see "Path rules" above; NULL or "" means "/" */
    const char *query;               /* "a=b&c", no '?'; may be NULL */
    const stk_http_header *headers;  /* every header to sign, Host and X-Amz-Date included */
    size_t nheaders;
    const char *payload_hash;        /* lower-case hex SHA-256 of the body */
    const char *amz_date;            /* "20150830T123600Z" */
    const char *region, *service;    /* signing region and signing name */
    const char *access_key, *secret_key;
    const char *session_token;       /* may be NULL; when set and no X-Amz-Security-Token
                                        header is given, it is signed as one (the caller
                                        must send that header too) */
    int s3_rules;                    /* no normalisation, no second encoding */
} stk_sigv4_input;

typedef struct {
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;            /* "host;x-amz-date" */
    char *signature;                 /* lower-case hex */
    char *authorization;             /* the Authorization header value */
} stk_sigv4_result;

/* Returns 0, or -1 when the input is unusable (missing field, bad date). */
int stk_sigv4_sign(const stk_sigv4_input *in, stk_sigv4_result *out);
void stk_sigv4_result_free(stk_sigv4_result *r);

/* Lower-case hex SHA-256 of data (out holds 65 bytes, NUL included). */
void stk_sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* Append s (len bytes) percent-encoded: every byte except A-Z a-z 0-9 - _ . ~
   (and '/' when keep_slash) becomes %XX with upper-case hex.  Returns a
   malloc'd string. */
char *stk_sigv4_uri_encode(const char *s, size_t len, int keep_slash);

#endif
