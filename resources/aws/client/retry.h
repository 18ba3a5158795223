/* retry.h - the pure parts of the AWS "standard" retry mode, for
 * client.c/retry.c and the unit tests: error classification, backoff and
 * the retry quota's costs. */
#ifndef STK_AWS_RETRY_H
#define STK_AWS_RETRY_H

#define STK_AWS_RETRY_QUOTA_MAX 500      /* tokens in a fresh bucket */
#define STK_AWS_RETRY_COST 5             /* taken per retry */
#define STK_AWS_RETRY_TIMEOUT_COST 10    /* taken per retry after a timeout */
#define STK_AWS_RETRY_NO_RETRY_INCREMENT 1  /* given back by a first-try success */
#define STK_AWS_RETRY_MAX_BACKOFF_MS 20000L
#define STK_AWS_RETRY_BASE_MS 1000L      /* STK_RETRY_BASE_MS overrides (tests) */
#define STK_AWS_RETRY_DEFAULT_ATTEMPTS 5

typedef enum {
    STK_AWS_RETRY_NO = 0,
    STK_AWS_RETRY_THROTTLE,    /* throttling code: the request was not processed */
    STK_AWS_RETRY_TRANSIENT,   /* 5xx or a transient code: it may have been processed */
    STK_AWS_RETRY_TRANSPORT,   /* connection broke after sending */
    STK_AWS_RETRY_TIMEOUT,     /* no answer in time */
    STK_AWS_RETRY_CONNECT,     /* never connected: nothing was sent */
} stk_aws_retry_kind;

/* How a failed attempt is classed (transport_error as in client.h). */
stk_aws_retry_kind stk_aws_retry_classify(long status, const char *error_code, int transport_error);
int stk_aws_retry_is_throttle_code(const char *code);
int stk_aws_retry_is_transient_code(const char *code);

/* Full-jitter exponential backoff: r01 in [0,1) times
   min(STK_AWS_RETRY_MAX_BACKOFF_MS, base_ms * 2^(attempt-1)). */
long stk_aws_retry_backoff_ms(int attempt, long base_ms, double r01);

#endif
