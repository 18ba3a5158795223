/* log.h - the request log of the AWS client (STK_LOG=debug).
 *
 * Library code never prints; this module is the one sanctioned exception:
 * when the environment variable STK_LOG is "debug" every AWS request is
 * logged as one line on stderr (or on the stream tests install).  Every line
 * goes through stk_aws_log_redact first: Authorization values, session
 * tokens, signatures and the caller's secret strings never reach the log.
 * Writes are serialised by a mutex so lines from worker threads never mix.
 */
#ifndef STK_AWS_LOG_H
#define STK_AWS_LOG_H
#include <stddef.h>
#include <stdio.h>

/* 1 when STK_LOG=debug (read from the environment on each call). */
int stk_aws_log_enabled(void);

/* Where lines go; NULL restores stderr.  For tests. */
void stk_aws_log_set_stream(FILE *f);

/* Format one line ("stk aws: " is prepended, '\n' appended), redact it
   (secrets[0..nsecrets) may hold NULLs) and write it if logging is enabled. */
void stk_aws_log_line(const char *const *secrets, size_t nsecrets, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A malloc'd copy of text with every occurrence of a secret (NULL and
   strings shorter than 4 bytes are ignored) replaced by "[REDACTED]", and
   the values after "Authorization", "X-Amz-Security-Token", "Signature=",
   "aws_secret_access_key" and "SecretAccessKey" (any case) redacted. */
char *stk_aws_log_redact(const char *text, const char *const *secrets, size_t nsecrets);

#endif
