/* backend_cli.h - the remote backend as commands see it: resolving the
 * `terraform { backend "s3" {...} }` block of the configuration (evaluated
 * with the root variables, as OpenTofu allows) merged with -backend-config
 * arguments, and plugging the remote lock and the S3 backup into a state
 * session.
 *
 * Every state-changing command does:
 *
 *     stk_backend_session bs;
 *     stk_session_opts o = {...};
 *     if (stk_backend_session_opts(".", &o, &bs, &d)) fail;   // o.lock set
 *     if (stk_session_open(".", &o, &s, &d)) { stk_backend_session_free(&bs); fail; }
 *     stk_backend_session_attach(&bs, &s);                     // backup hook
 *     ... change, stk_session_finish(&s, ...) ...              // uploads
 *     stk_session_close(&s);
 *     stk_backend_session_free(&bs);                           // after close
 *
 * Without `.stk/backend.json` (no `stk init` with a backend) nothing is
 * changed: the local lock, no backup.
 *
 * Ownership: a stk_backend_session owns its config and remote; the lock it
 * puts in o->lock belongs to the session once stk_session_open took it.
 */
#ifndef STK_CLI_BACKEND_H
#define STK_CLI_BACKEND_H
#include "cli/backend_resolve.h"
#include "state/backend.h"
#include "state/remote.h"
#include "state/session.h"

typedef struct {
    int active;                /* backend.json found */
    stk_backend_config cfg;
    stk_remote *remote;
    char *workspace;
} stk_backend_session;

/* Load .stk/backend.json (and secrets: environment, or the backend block
   again) and set o->lock to the remote session lock unless o->no_lock.
   Checks the workspace exists. */
int stk_backend_session_opts(const char *dir, stk_session_opts *o, stk_backend_session *bs, stk_diags *d);
/* Install the backup hook on the opened session's store. */
void stk_backend_session_attach(stk_backend_session *bs, stk_state_session *s);
void stk_backend_session_free(stk_backend_session *bs);

/* The lock force-unlock acts on for `workspace` of dir: the remote lock
   when the backend has one (bs active, *lock set), else *lock NULL (use
   the local one).  Free *lock before stk_backend_session_free. */
int stk_backend_unlock_target(const char *dir, const char *workspace, stk_backend_session *bs, stk_lock **lock,
                              stk_diags *d);

/* After `stk workspace delete NAME` removed the local store: remove NAME's
   state object and digest item from the backend, under its remote lock (a
   later workspace of the same name starts clean).  0 done or no backend. */
int stk_backend_workspace_deleted(const char *dir, const char *workspace, long lock_timeout_ms, stk_diags *d);

/* `stk state restore --from s3://BUCKET/KEY [--version-id V] [-force]
   [-lock=false] [-lock-timeout=DUR]` (cmd_backend.c; also `stk backend
   restore`): argv[0] is the subcommand name, usage_name the command as
   the user typed it ("state restore"), for messages. */
int stk_backend_restore_cmd(int argc, char **argv, const char *usage_name);

#endif
