/* log.c - STK_LOG=debug request lines for the AWS client, redacted and
 * serialised; the only place in the library that writes to stderr. */
#include "aws/client/log.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "util/strbuf.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_stream;

int stk_aws_log_enabled(void)
{
    const char *v = getenv("STK_LOG");
    return v && (strcasecmp(v, "debug") == 0 || strcasecmp(v, "trace") == 0);
}

void stk_aws_log_set_stream(FILE *f)
{
    pthread_mutex_lock(&log_lock);
    log_stream = f;
    pthread_mutex_unlock(&log_lock);
}

/* Keys whose value is redacted, and what ends that value. */
static const struct {
    const char *key;
    const char *stop;   /* characters ending the value; "" = end of line */
} sensitive_keys[] = {
    {"authorization", ""},
    {"x-amz-security-token", " \t&,;\"'"},
    {"signature=", " \t&,;\"'"},
    {"aws_secret_access_key", " \t&,;\"'"},
    {"secretaccesskey", " \t&,;'"},
    {"sessiontoken", " \t&,;'"},
};

char *stk_aws_log_redact(const char *text, const char *const *secrets, size_t nsecrets)
{
    stk_strbuf b = STK_STRBUF_INIT;
    const char *s = text ? text : "";
    while (*s) {
        size_t matched = 0;
        for (size_t i = 0; i < nsecrets; i++) {
            const char *sec = secrets[i];
            size_t l = sec ? strlen(sec) : 0;
            if (l >= 4 && strncmp(s, sec, l) == 0) { matched = l; break; }
        }
        if (matched) {
            stk_strbuf_puts(&b, "[REDACTED]");
            s += matched;
            continue;
        }
        int keyed = 0;
        for (size_t i = 0; i < sizeof sensitive_keys / sizeof sensitive_keys[0]; i++) {
            size_t kl = strlen(sensitive_keys[i].key);
            if (strncasecmp(s, sensitive_keys[i].key, kl) != 0) continue;
            const char *v = s + kl;
            /* separator: ':' '=' or '"' ':' (JSON), then blanks / quotes */
            const char *p = v;
            while (*p == '"' || *p == ' ' || *p == '\t') p++;
            if (v[-1] != '=') {
                if (*p != ':' && *p != '=') continue;
                p++;
            }
            while (*p == ' ' || *p == '\t' || *p == '"') p++;
            stk_strbuf_add(&b, s, (size_t)(p - s));
            stk_strbuf_puts(&b, "[REDACTED]");
            const char *stop = sensitive_keys[i].stop;
            while (*p && *p != '\n' && *p != '\r' && (!*stop || !strchr(stop, *p)) &&
                   !(*stop && *p == '"'))
                p++;
            s = p;
            keyed = 1;
            break;
        }
        if (keyed) continue;
        stk_strbuf_putc(&b, *s++);
    }
    return stk_strbuf_detach(&b);
}

void stk_aws_log_line(const char *const *secrets, size_t nsecrets, const char *fmt, ...)
{
    if (!stk_aws_log_enabled()) return;
    stk_strbuf b = STK_STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    stk_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *red = stk_aws_log_redact(stk_strbuf_cstr(&b), secrets, nsecrets);
    stk_strbuf_free(&b);
    pthread_mutex_lock(&log_lock);
    FILE *f = log_stream ? log_stream : stderr;
    fprintf(f, "stk aws: %s\n", red);
    fflush(f);
    pthread_mutex_unlock(&log_lock);
    free(red);
}
