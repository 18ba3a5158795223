/* limiter.c - the cap on calls in flight with priority waiters (limiter.h):
 * waiters form a list sorted by priority (high first), then arrival; each
 * has its own condition variable, so a freed slot wakes exactly the head. */
#include "aws/client/limiter.h"
#include <pthread.h>
#include <stdlib.h>
#include "util/strbuf.h"

typedef struct waiter {
    int priority;
    pthread_cond_t cv;
    struct waiter *next;
} waiter;

struct stk_aws_limiter {
    pthread_mutex_t mu;
    int max, inflight;
    waiter *head;
};

stk_aws_limiter *stk_aws_limiter_new(int max)
{
    stk_aws_limiter *l = stk_xcalloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->max = max > 0 ? max : 0;
    return l;
}

void stk_aws_limiter_free(stk_aws_limiter *l)
{
    if (!l) return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

int stk_aws_limiter_env_max(void)
{
    const char *e = getenv("STK_AWS_MAX_IN_FLIGHT");
    char *end = NULL;
    long v = e ? strtol(e, &end, 10) : 0;
    return e && end != e && *end == '\0' && v > 0 && v <= 100000 ? (int)v : 0;
}

void stk_aws_limiter_acquire(stk_aws_limiter *l, int priority)
{
    if (!l || !l->max) return;
    pthread_mutex_lock(&l->mu);
    if (!l->head && l->inflight < l->max) {
        l->inflight++;
        pthread_mutex_unlock(&l->mu);
        return;
    }
    waiter w = {priority, PTHREAD_COND_INITIALIZER, NULL};
    waiter **p = &l->head;
    while (*p && (*p)->priority >= priority) p = &(*p)->next;
    w.next = *p;
    *p = &w;
    while (l->head != &w || l->inflight >= l->max) pthread_cond_wait(&w.cv, &l->mu);
    l->head = w.next;
    l->inflight++;
    if (l->head && l->inflight < l->max) pthread_cond_signal(&l->head->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_cond_destroy(&w.cv);
}

void stk_aws_limiter_release(stk_aws_limiter *l)
{
    if (!l || !l->max) return;
    pthread_mutex_lock(&l->mu);
    l->inflight--;
    if (l->head) pthread_cond_signal(&l->head->cv);
    pthread_mutex_unlock(&l->mu);
}
