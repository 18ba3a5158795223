/* walk.c - the parallel walker (walk.h): a ready queue kept as a heap,
 * dependents lists and counters of unfinished dependencies, one mutex and
 * one condition variable.  Workers take the ready node on the longest
 * chain through the graph (counted in nodes: its longest chain of
 * dependencies plus its longest chain of dependents), then the one with
 * more left after it, then the smallest index; they run it without the
 * lock, then release its dependents (or mark them skipped on failure). */
#include "graph/walk.h"
#include "util/strbuf.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct {
    const stk_walk_opts *o;
    stk_walk_status *status;
    size_t **dependents;
    size_t *ndependents;
    size_t *waiting;          /* unfinished dependencies */
    size_t *height;           /* nodes on the longest chain of dependents from here */
    size_t *through;          /* nodes on the longest chain through here */
    size_t *heap, nheap;
    size_t running, finished;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} walk_state;

/* a goes before b: on a longer chain, then with more after it, then the
   smaller index */
static int before(const walk_state *w, size_t a, size_t b)
{
    if (w->through[a] != w->through[b]) return w->through[a] > w->through[b];
    return w->height[a] != w->height[b] ? w->height[a] > w->height[b] : a < b;
}

/* rank[v] = 1 + the largest rank among next(v), in Kahn's order from the
   nodes with no next; nodes of a cycle keep 0 (they never start anyway) */
static void chain_ranks(size_t n, size_t *const *next, const size_t *nnext, size_t *const *prev, const size_t *nprev,
                        size_t *rank)
{
    size_t *left = stk_xcalloc(n + 1, sizeof *left), *q = stk_xmalloc((n + 1) * sizeof *q), qh = 0, qt = 0;
    for (size_t i = 0; i < n; i++)
        if ((left[i] = nnext[i]) == 0) rank[i] = 1, q[qt++] = i;
    while (qh < qt) {
        size_t v = q[qh++];
        for (size_t k = 0; k < nprev[v]; k++) {
            size_t u = prev[v][k];
            if (rank[u] < rank[v] + 1) rank[u] = rank[v] + 1;
            if (--left[u] == 0) q[qt++] = u;
        }
    }
    free(left);
    free(q);
}

static void heap_push(walk_state *w, size_t v)
{
    size_t i = w->nheap++;
    w->heap[i] = v;
    while (i && before(w, w->heap[i], w->heap[(i - 1) / 2])) {
        size_t p = (i - 1) / 2, t = w->heap[p];
        w->heap[p] = w->heap[i];
        w->heap[i] = t;
        i = p;
    }
}

static size_t heap_pop(walk_state *w)
{
    size_t top = w->heap[0];
    w->heap[0] = w->heap[--w->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < w->nheap && before(w, w->heap[l], w->heap[m])) m = l;
        if (r < w->nheap && before(w, w->heap[r], w->heap[m])) m = r;
        if (m == i) break;
        size_t t = w->heap[m];
        w->heap[m] = w->heap[i];
        w->heap[i] = t;
        i = m;
    }
    return top;
}

/* with the lock held: a node is finished (done, failed or skipped) */
static void finish(walk_state *w, size_t v)
{
    w->finished++;
    int ok = w->status[v] == STK_WALK_DONE;
    for (size_t k = 0; k < w->ndependents[v]; k++) {
        size_t u = w->dependents[v][k];
        if (!ok && w->status[u] == STK_WALK_NOT_STARTED) {
            w->status[u] = STK_WALK_SKIPPED;
            finish(w, u);
            continue;
        }
        if (w->status[u] != STK_WALK_NOT_STARTED) continue;
        if (--w->waiting[u] == 0) heap_push(w, u);
    }
}

static int stopped(const walk_state *w)
{
    return w->o->stop && *w->o->stop;
}

static void *worker(void *arg)
{
    walk_state *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!stopped(w) && w->nheap == 0 && w->running > 0 && w->finished < w->o->nnodes)
            pthread_cond_wait(&w->cv, &w->mu);
        if (stopped(w) || w->finished >= w->o->nnodes || (w->nheap == 0 && w->running == 0)) break;
        if (w->nheap == 0) continue;
        size_t v = heap_pop(w);
        if (w->status[v] != STK_WALK_NOT_STARTED) continue;   /* skipped meanwhile */
        w->running++;
        pthread_mutex_unlock(&w->mu);
        int rc = w->o->run(w->o->ud, v);
        pthread_mutex_lock(&w->mu);
        w->running--;
        w->status[v] = rc == 0 ? STK_WALK_DONE : STK_WALK_FAILED;
        finish(w, v);
        pthread_cond_broadcast(&w->cv);
    }
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int stk_walk(const stk_walk_opts *o, stk_walk_status *status)
{
    size_t n = o->nnodes;
    walk_state w = {0};
    w.o = o;
    w.status = status;
    w.dependents = stk_xcalloc(n + 1, sizeof *w.dependents);
    w.ndependents = stk_xcalloc(n + 1, sizeof *w.ndependents);
    w.waiting = stk_xcalloc(n + 1, sizeof *w.waiting);
    w.heap = stk_xmalloc((n + 1) * sizeof *w.heap);
    size_t *cap = stk_xcalloc(n + 1, sizeof *cap);
    for (size_t i = 0; i < n; i++) {
        status[i] = STK_WALK_NOT_STARTED;
        w.waiting[i] = o->ndeps[i];
        for (size_t k = 0; k < o->ndeps[i]; k++) {
            size_t dep = o->deps[i][k];
            if (w.ndependents[dep] == cap[dep]) {
                cap[dep] = cap[dep] ? cap[dep] * 2 : 4;
                w.dependents[dep] = stk_xrealloc(w.dependents[dep], cap[dep] * sizeof **w.dependents);
            }
            w.dependents[dep][w.ndependents[dep]++] = i;
        }
    }
    free(cap);
    /* the chains after each node (height) and before it (depth) */
    w.height = stk_xcalloc(n + 1, sizeof *w.height);
    w.through = stk_xcalloc(n + 1, sizeof *w.through);
    chain_ranks(n, w.dependents, w.ndependents, o->deps, o->ndeps, w.height);
    chain_ranks(n, o->deps, o->ndeps, w.dependents, w.ndependents, w.through);
    for (size_t i = 0; i < n; i++) w.through[i] = w.height[i] && w.through[i] ? w.height[i] + w.through[i] - 1 : 0;
    if (o->ranks)
        for (size_t i = 0; i < n; i++) o->ranks[i] = w.through[i];
    for (size_t i = 0; i < n; i++)
        if (w.waiting[i] == 0) heap_push(&w, i);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    int np = o->parallelism > 0 ? o->parallelism : 10;
    if ((size_t)np > n) np = n ? (int)n : 1;
    pthread_t *th = stk_xcalloc((size_t)np, sizeof *th);
    int started = 0;
    for (int i = 0; i < np; i++)
        if (pthread_create(&th[i], NULL, worker, &w) == 0) started++;
        else break;
    if (started == 0) worker(&w);   /* no threads: walk on this one */
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    free(th);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (status[i] != STK_WALK_DONE) rc = -1;
        free(w.dependents[i]);
    }
    free(w.dependents);
    free(w.ndependents);
    free(w.waiting);
    free(w.height);
    free(w.through);
    free(w.heap);
    return rc;
}
