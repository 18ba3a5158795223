/* lock.h - state locks: one interface, several implementations.
 *
 * A lock is a vtable (stk_lock_ops) plus its data.  This file provides the
 * local implementation; the remote ones (a DynamoDB item written with a
 * conditional PutItem, an S3 object written with If-None-Match) plug in with
 * the same operations when the AWS client lands.
 *
 * Lock info, as Terraform records it: ID (random UUID), Operation (e.g.
 * "OperationTypeApply" or the stk command), Who (user@host), Version (stk's),
 * Created (RFC 3339 UTC), Path (the state it guards), Info (free text); the
 * local implementation adds the holder's pid.
 *
 * Local lock: `<dir>/.stk/<workspace>.lock`, held with flock(LOCK_EX) for the
 * life of the process (the kernel drops it when the holder dies, however it
 * dies), plus `<workspace>.lock.info`, the JSON info, written atomically
 * (temporary file + rename) after the flock is taken and removed on release.
 * flock locks belong to the open file description, so two handles in one
 * process exclude each other too.
 *   - contention: flock fails -> the info file names the holder.
 *   - a killed holder: flock succeeds but an info file is still there ->
 *     the previous holder died without releasing; the lock is taken over and
 *     the stale holder is reported (stk_lock_result.stale).
 *   - force-unlock: removes the info file when its ID matches and nobody
 *     holds the flock; a live holder cannot be broken (stop the process).
 *
 * Ownership: stk_lock_info strings are malloc'd (stk_lock_info_free); a
 * stk_lock is freed with stk_lock_free (which releases a held lock).
 */
#ifndef STK_STATE_LOCK_H
#define STK_STATE_LOCK_H
#include "util/diag.h"

typedef struct {
    char *id, *operation, *info, *who, *version, *created, *path;
    long pid;              /* local locks: the holder's pid (0 unknown) */
} stk_lock_info;

typedef struct stk_lock stk_lock;

typedef struct {
    const char *name;      /* "local", "dynamodb", "s3" */
    /* Try once: 0 acquired (*stale gets a dead holder's info if one was
       taken over, else NULL), 1 held by someone else (*holder filled, may
       have NULL fields when unreadable), -1 error. */
    int (*try_acquire)(stk_lock *l, const stk_lock_info *info, stk_lock_info **holder, stk_lock_info **stale,
                       stk_diags *d);
    int (*release)(stk_lock *l, stk_diags *d);
    /* Current holder: 1 (with *holder), 0 none, -1 error. */
    int (*read)(stk_lock *l, stk_lock_info **holder, stk_diags *d);
    /* Remove the lock whose ID is id: 0 done, -1 error (wrong id, live
       holder, none held). */
    int (*force_unlock)(stk_lock *l, const char *id, stk_diags *d);
    void (*destroy)(stk_lock *l);
} stk_lock_ops;

struct stk_lock {
    const stk_lock_ops *ops;
    void *impl;
    stk_lock_info *held;   /* our info while we hold the lock */
};

/* The local implementation for <dir>/.stk/<workspace>.lock. */
stk_lock *stk_lock_local_new(const char *dir, const char *workspace);

/* Acquire: builds the info (new ID, who, created, version, path from
   `state_path`), tries, and polls every 250 ms up to timeout_ms (0: one
   try).  A held lock is the error "Error acquiring the state lock" naming
   the holder.  *stale (may be NULL) gets a taken-over dead holder. */
int stk_lock_acquire(stk_lock *l, const char *operation, const char *state_path, long timeout_ms,
                     stk_lock_info **stale, stk_diags *d);
int stk_lock_release(stk_lock *l, stk_diags *d);
int stk_lock_read(stk_lock *l, stk_lock_info **holder, stk_diags *d);
int stk_lock_force_unlock(stk_lock *l, const char *id, stk_diags *d);
void stk_lock_free(stk_lock *l);

/* Parse a Go-style duration ("30s", "2m", "1m30s", "500ms", "0") into
   milliseconds: 0 ok, -1 invalid. */
int stk_lock_parse_timeout(const char *s, long *ms);

/* Human description of a holder (malloc'd), for messages:
     ID:        ...
     Path:      ...
     Operation: ...
     Who:       ...
     Version:   ...
     Created:   ...
     Info:      ...        */
char *stk_lock_info_describe(const stk_lock_info *i);
char *stk_lock_info_to_json(const stk_lock_info *i);
stk_lock_info *stk_lock_info_from_json(const char *text);
void stk_lock_info_free(stk_lock_info *i);

#endif
