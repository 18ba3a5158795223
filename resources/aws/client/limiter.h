/* limiter.h - an optional cap on the AWS calls one client (one provider
 * configuration) has in flight, with the waiting calls ordered by
 * priority.
 *
 * AWS answers calls in parallel, so the walk's -parallelism alone bounds
 * how many are in flight, and by default nothing here limits or orders
 * them.  An endpoint that serves calls one after another (an emulator
 * such as moto or LocalStack in CI) queues them instead: with 64 in
 * flight every answer waits behind the others, the calls on the apply's
 * critical path included.  STK_AWS_MAX_IN_FLIGHT=N caps the calls in
 * flight at N and keeps the rest waiting in stk, where the one with the
 * highest priority goes first: the engine gives each call the number of
 * resources on the longest chain through its own (stk_call_ctx.priority,
 * engine/graph/walk.h), so the critical path is not queued behind work
 * that can wait.  Equal priorities keep their order of arrival.
 *
 * Thread safe.
 */
#ifndef STK_AWS_LIMITER_H
#define STK_AWS_LIMITER_H

typedef struct stk_aws_limiter stk_aws_limiter;

/* max <= 0: no cap (acquire and release do nothing). */
stk_aws_limiter *stk_aws_limiter_new(int max);
void stk_aws_limiter_free(stk_aws_limiter *l);

/* The cap STK_AWS_MAX_IN_FLIGHT asks for (0: none, also when it is not a
   positive number). */
int stk_aws_limiter_env_max(void);

/* Wait for a slot: while the calls in flight are at the cap, or another
   call waits with a higher priority (or the same, and came first). */
void stk_aws_limiter_acquire(stk_aws_limiter *l, int priority);
void stk_aws_limiter_release(stk_aws_limiter *l);

#endif
