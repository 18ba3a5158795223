/* walk.h - the parallel walker: runs a callback on every node of a
 * dependency graph with a pool of worker threads (pthreads), starting a
 * node as soon as every node it depends on has finished successfully.
 *
 * Rules:
 *   - at most `parallelism` callbacks run at once (default 10 when <= 0);
 *   - a node whose dependency failed (or was skipped) is SKIPPED without
 *     running; independent branches go on;
 *   - when *stop becomes non-zero (first Ctrl-C) no new node starts; the
 *     walk waits for the callbacks in flight, and every node not started
 *     is NOT_STARTED;
 *   - of the ready nodes, the one on the longest chain of nodes through
 *     the graph starts first (so the critical path is not queued behind
 *     work that can wait), then the one with the longest chain after it,
 *     then the smallest index (stable, so tests are repeatable).
 * The graph must be acyclic (nodes in a cycle would never start: they end
 * NOT_STARTED).  The callback runs on a worker thread; it must be thread
 * safe with respect to the other callbacks.
 *
 * Ownership: everything is borrowed for the duration of stk_walk.
 */
#ifndef STK_WALK_H
#define STK_WALK_H
#include <stddef.h>

typedef enum {
    STK_WALK_NOT_STARTED = 0,
    STK_WALK_DONE,
    STK_WALK_FAILED,
    STK_WALK_SKIPPED
} stk_walk_status;

typedef struct {
    size_t nnodes;
    size_t *const *deps;     /* deps[i]: the nodes node i waits for */
    const size_t *ndeps;
    int parallelism;
    int (*run)(void *ud, size_t node);   /* 0: done, otherwise failed */
    void *ud;
    volatile int *stop;      /* may be NULL */
    size_t *ranks;           /* may be NULL; else filled before any callback runs:
                                ranks[i] = the nodes on the longest chain through
                                node i (the walk's priority; 0 for nodes of a cycle) */
} stk_walk_opts;

/* Walk; status[i] (caller's array of nnodes) receives each node's outcome.
   Returns 0 when every node is DONE, -1 otherwise. */
int stk_walk(const stk_walk_opts *o, stk_walk_status *status);

#endif
