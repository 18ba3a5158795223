/* history.h - who changed the state, when, with what command, and the full
 * state at every serial.
 *
 * Design: every serial can be read back as the Terraform v4 JSON
 * (tfstate.h) with sorted keys.  Two tables hold it:
 *   - snapshots: the whole state, zlib-compressed, with its SHA-256.  Written
 *     for the serial each command leaves (stk_history_record, which
 *     stk_session_finish calls), for the serial a store is opened at when
 *     it has none (a run that died mid-apply), for a commit that replaced
 *     the whole content (restore, push, import), and when the change rows
 *     since the last snapshot outnumber the state's objects (at least 1000),
 *     which bounds both the replay below and the amortised cost per change.
 *   - changes: one row per instance or output written or deleted, logged by
 *     SQLite triggers on the live tables (so no code path can forget to log)
 *     and stamped with the serial of the commit that made them (store.c).
 *     A serial without a snapshot is the nearest older snapshot with the
 *     rows after it, up to that serial, applied in order.
 * Earlier, every commit wrote a snapshot of the whole state: each result
 * of an apply then cost O(state), an apply O(n^2) (docs/benchmarks.md).
 * Now a commit costs O(what it changed).  The replay rebuilds the same
 * stk_tfstate the exporter would read from the live tables and prints it
 * with the same builder, so a replayed serial reads exactly as a snapshot
 * of it would (tests compare both).
 *
 * Separately, every state-changing command records one history row: who
 * (user@host), when, the command line, the plan summary (text and JSON),
 * git information (commit, dirty, branch, author, subject: the columns
 * exist; the git integration fills them) and the serial the command left.
 *
 * Ownership: entries returned are malloc'd; free with
 * stk_history_entries_free.  Snapshot texts are malloc'd.
 */
#ifndef STK_STATE_HISTORY_H
#define STK_STATE_HISTORY_H
#include <stdint.h>
#include "store.h"

typedef struct {
    int64_t id;
    int64_t serial;
    char *at;              /* RFC 3339 UTC; NULL in input: now */
    char *who;             /* user@host; NULL in input: the current user */
    char *command;         /* the command line */
    char *plan_summary;    /* human text, may be NULL */
    char *plan_json;       /* JSON text, may be NULL */
    char *git_commit;      /* git fields: NULL when unknown */
    int git_dirty;         /* -1 unknown, 0 clean, 1 dirty */
    char *git_branch, *git_author, *git_subject;
} stk_history_entry;

/* Record a command; serial is taken from the store (the serial the command
   left), which gets its snapshot if it has none.  Its own transaction (or
   the caller's). */
int stk_history_record(stk_state *st, const stk_history_entry *e, stk_diags *d);
/* Set (commit non-NULL) or clear (commit NULL) the git provenance of this
   process: rows recorded afterwards without git fields of their own (as
   stk_session_finish records them) carry it.  Strings are copied; the copy
   lives until the next call (stk_history_set_git(NULL,...) frees it).
   Called by engine/git (stk_git_record_provenance). */
void stk_history_set_git(const char *commit, int dirty, const char *branch, const char *author,
                         const char *subject);
/* All history rows, oldest first. */
int stk_history_list(stk_state *st, stk_history_entry **out, size_t *n, stk_diags *d);
void stk_history_entries_free(stk_history_entry *e, size_t n);

typedef struct {
    int64_t serial;
    char *created_at;
    char *sha256;
    int64_t size;          /* uncompressed bytes */
} stk_snapshot_info;
/* Every serial that has a stored snapshot, oldest first (the serials
   commands left, the starts of commands after a crash, bulk replacements;
   serials in between are readable with stk_history_state_at too). */
int stk_history_snapshots(stk_state *st, stk_snapshot_info **out, size_t *n, stk_diags *d);
void stk_history_snapshots_free(stk_snapshot_info *s, size_t n);

/* The state at `serial` as v4 JSON text (*json malloc'd): the snapshot, or
   the replay of change rows onto the nearest older one.  1 found, 0 no
   such serial, -1 error (e.g. a digest mismatch). */
int stk_history_state_at(stk_state *st, int64_t serial, char **json, stk_diags *d);
/* Make the state at `serial` current, as a new serial (lineage kept). */
int stk_history_restore(stk_state *st, int64_t serial, stk_diags *d);

/* "user@host" of this process (malloc'd). */
char *stk_history_who(void);

/* Internal to state/ (store.c): write the snapshot of the current serial in
   the open transaction (its change rows go: the snapshot says it all); does
   the serial have one (1/0, -1 error)? */
int stk_history_snapshot(stk_state *st, stk_diags *d);
int stk_history_has_snapshot(stk_state *st, int64_t serial, stk_diags *d);

#endif
