/* client_impl.h - the stk_aws_client structure, shared by client.c (config,
 * endpoints, signing, transport) and retry.c (quota, counters).  Not for
 * use outside resources/aws/client. */
#ifndef STK_AWS_CLIENT_IMPL_H
#define STK_AWS_CLIENT_IMPL_H
#include <pthread.h>
#include "aws/client/client.h"
#include "aws/client/credentials.h"
#include "aws/client/limiter.h"

#define STK_AWS_POOL_MAX 128   /* idle handles kept: one per call in flight at -parallelism up to 128 keeps its connection */

struct stk_aws_client {
    char *region;
    stk_aws_credentials creds;      /* guarded by lock (refreshed from credential_process) */
    char **ep_services, **ep_urls;  /* provider endpoints overrides (copies) */
    size_t nendpoints;
    int max_attempts;
    int s3_use_path_style;
    int skip_credentials_validation, skip_requesting_account_id, skip_metadata_api_check;
    long connect_timeout_ms, request_timeout_ms;
    long retry_base_ms;
    char *ca_bundle;                /* AWS_CA_BUNDLE, or NULL */

    pthread_mutex_t lock;           /* pool, creds refresh, quota, counters */
    void *pool[STK_AWS_POOL_MAX];   /* idle CURL easy handles */
    int npool;
    int quota;
    long retries;
    stk_aws_limiter *limiter;       /* STK_AWS_MAX_IN_FLIGHT (limiter.h) */
};

/* http.c: one HTTP exchange on a pooled curl handle.  headers are full
   "Name: value" lines.  Fills resp (status 0 + transport_error on failure)
   and returns 0 when a response arrived, -1 otherwise. */
#define STK_AWS_MAX_RESPONSE (64L * 1024 * 1024)
int stk_aws_http_perform(stk_aws_client *c, const char *method, const char *url,
                         const char *const *headers, size_t nheaders,
                         const unsigned char *body, size_t body_len, int send_once,
                         stk_aws_response *resp);
void stk_aws_http_pool_free(stk_aws_client *c);
void stk_aws_http_global_init(void);

/* Thread-local attempt number for the log (set by the retry functions). */
void stk_aws_retry_note_attempt(int attempt);
int stk_aws_retry_current_attempt(void);

#endif
