/* session.h - what every command that touches state does around its work:
 * pick the workspace, take the state lock (unless -lock=false), open the
 * store, notice interrupted operations; at the end record the command in
 * the history, run the backup hook and release the lock.
 *
 * The lock is the local one (lock.h) unless the caller passes another
 * implementation (the remote backend, later) in opts.lock.
 *
 * Warnings (a stale lock taken over, pending journal intents) are added to
 * the diagnostics; the CLI prints them.
 *
 * Ownership: the session owns its state handle, lock and strings
 * (stk_session_close frees everything and releases the lock).
 */
#ifndef STK_STATE_SESSION_H
#define STK_STATE_SESSION_H
#include "history.h"
#include "lock.h"
#include "store.h"

typedef struct {
    const char *operation;   /* recorded in the lock info, e.g. "state rm" */
    int no_lock;             /* -lock=false */
    long lock_timeout_ms;    /* -lock-timeout */
    stk_lock *lock;          /* another lock implementation, or NULL; always taken over
                                by stk_session_open (freed by it on failure) */
    const char *workspace;   /* NULL: the selected one */
    int reconciles;          /* the command reconciles unfinished journal intents
                                itself (plan, apply, import): no warning about them */
} stk_session_opts;

typedef struct {
    stk_state *st;
    stk_lock *lock;          /* NULL with no_lock */
    char *dir, *workspace;
    size_t pending_intents;  /* unfinished journal intents found on open */
} stk_state_session;

int stk_session_open(const char *dir, const stk_session_opts *o, stk_state_session *s, stk_diags *d);
/* Record a history row (who, when, command_line, plan summary, resulting
   serial) and run the backup hook.  Call after a state-changing command. */
int stk_session_finish(stk_state_session *s, const char *command_line, const char *plan_summary, stk_diags *d);
/* The same with the plan summary as JSON too (either summary may be NULL). */
int stk_session_finish_plan(stk_state_session *s, const char *command_line, const char *plan_summary,
                            const char *plan_json, stk_diags *d);
void stk_session_close(stk_state_session *s);

#endif
