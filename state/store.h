/* store.h - the local state store: one SQLite database per workspace.
 *
 * Files (all under <dir>/.stk/, the directory is created with mode 0700):
 *     <workspace>.db            the state of a workspace ("default.db", ...),
 *                               mode 0600 (plus SQLite's -wal / -shm files,
 *                               which SQLite creates with the same mode)
 *     <workspace>.lock          the advisory lock file (lock.h)
 *     <workspace>.lock.info     JSON naming the lock holder (lock.h)
 *     environment               the selected workspace (workspace.h)
 *
 * The database runs in WAL mode with synchronous=FULL and foreign keys on.
 * Its schema version is PRAGMA user_version; the migrations (store.c) are
 * applied in order in one transaction and logged in schema_migrations.  A
 * database newer than this stk is refused.
 *
 * Identity: a lineage (random UUID from OpenSSL, fixed when the database is
 * created) and a serial that grows by one on every committed transaction
 * that changed something.  Each such commit also records what it changed
 * (change rows, or a snapshot of the whole state: history.h) in the same
 * transaction, so the state at every serial can be read back.
 *
 * Resource instances are keyed by (canonical address, deposed key): the
 * current object has deposed = "" and each deposed object of a
 * create_before_destroy replacement is its own row.  Attributes, sensitive
 * paths (Terraform's path form: [[{"type":"get_attr","value":"x"}, ...]]),
 * dependencies and outputs are JSON text; the value model converts elsewhere.
 *
 * Transactions: stk_state_begin/commit/rollback bracket several calls into
 * one atomic change (BEGIN IMMEDIATE, so writers queue on the database
 * lock instead of failing on upgrade).  Every mutating call made outside an
 * explicit transaction runs in its own.  Nesting is an error.
 *
 * Threads: a handle is not thread-safe (it tracks the open transaction).
 * Serialize calls on one handle with a mutex, or give each thread its own
 * handle: writers then queue on SQLite's lock (busy timeout 10 s).
 *
 * Ownership: a stk_state handle owns its SQLite connection; strings returned
 * in stk_state_instance / stk_state_output are malloc'd and freed with the
 * matching *_free function.  Input structs are only read.
 */
#ifndef STK_STATE_STORE_H
#define STK_STATE_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "util/diag.h"

typedef struct stk_state stk_state;

/* Schema version this build writes (PRAGMA user_version). */
#define STK_STATE_SCHEMA_VERSION 3

typedef struct {
    char *address;          /* canonical instance address (stk_addr_format) */
    char *deposed;          /* "" for the current object, else the deposed key */
    char *provider;         /* provider["registry.terraform.io/hashicorp/aws"] or .alias */
    long long schema_version;
    char *attributes;       /* JSON object text */
    char *sensitive_paths;  /* JSON array of paths; "[]" when none */
    char *dependencies;     /* JSON array of address strings */
    char *private_data;     /* provider private blob (base64), NULL when none */
    char *extra;            /* other Terraform instance fields kept verbatim (JSON object) or NULL */
    int tainted;
    int create_before_destroy;
    /* read-only, filled by get/list: */
    stk_addr parts;         /* parsed address */
    char *module;           /* "" or "module.a[0].module.b" */
    char *created_at, *updated_at;  /* RFC 3339 UTC */
} stk_state_instance;

typedef struct {
    stk_state_instance *items;
    size_t len;
} stk_state_instance_list;

typedef struct {
    char *name;
    char *value;            /* JSON text */
    char *type;             /* JSON text of the type (e.g. "\"string\""), or NULL */
    int sensitive;
} stk_state_output;

typedef struct {
    stk_state_output *items;
    size_t len;
} stk_state_output_list;

/* Open (creating if needed) the state of `workspace` under <dir>/.stk/.
   Returns 0 and *st, or -1 with diagnostics. */
int stk_state_open(const char *dir, const char *workspace, stk_state **st, stk_diags *d);
/* Open an existing database file by path (tests, snapshots). create=0
   refuses a missing file. */
int stk_state_open_path(const char *path, int create, stk_state **st, stk_diags *d);
void stk_state_close(stk_state *st);

const char *stk_state_path(const stk_state *st);
const char *stk_state_workspace(const stk_state *st);   /* NULL when opened by path */
const char *stk_state_lineage(const stk_state *st);
int64_t stk_state_serial(const stk_state *st);          /* last committed serial */
const char *stk_state_terraform_version(const stk_state *st);

/* Transactions. */
int stk_state_begin(stk_state *st, stk_diags *d);
int stk_state_commit(stk_state *st, stk_diags *d);
void stk_state_rollback(stk_state *st);
int stk_state_in_transaction(const stk_state *st);

/* Group commit.  Threads that share one handle (the apply walker's
   workers) each have a unit of work that must be durable before they go
   on (a journal intent before its cloud call, a result before dependents
   start).  stk_state_group_run queues the unit; one waiting thread (the
   leader) runs every unit queued at that moment in ONE transaction, each in
   its own savepoint (a failing unit is rolled back alone and gets its own
   error), and commits once: one fsync for the group instead of one per
   unit, while synchronous=FULL keeps every unit durable against power loss
   when its call returns 0.  Units queued while a group commits form the
   next group.  The units of a group share one serial.  While a group is in
   use, every other use of the handle must go through it too. */
typedef struct stk_state_group stk_state_group;
stk_state_group *stk_state_group_new(stk_state *st);
void stk_state_group_free(stk_state_group *g);
/* Run fn(st, ud, d) in the next group transaction; returns fn's result
   (>= 0) once it is committed, or -1 (fn failed: its changes are rolled
   back; or the commit failed: d says why). */
int stk_state_group_run(stk_state_group *g, int (*fn)(stk_state *st, void *ud, stk_diags *d), void *ud,
                        stk_diags *d);

/* Instances.  get returns 1 found (and fills *out), 0 absent, -1 error.
   deposed NULL means "" (the current object). */
int stk_state_get(stk_state *st, const char *address, const char *deposed,
                  stk_state_instance *out, stk_diags *d);
/* Insert or replace by (address, deposed); created_at is kept on replace. */
int stk_state_put(stk_state *st, const stk_state_instance *inst, stk_diags *d);
/* Delete one object; returns 1 deleted, 0 absent, -1 error. */
int stk_state_delete(stk_state *st, const char *address, const char *deposed, stk_diags *d);
/* Every object (deposed ones included) matching any of the filter
   addresses (none: all), in address order. */
int stk_state_list(stk_state *st, const char *const *filters, size_t nfilters,
                   stk_state_instance_list *out, stk_diags *d);
/* Remove every object matching the filter; *removed gets the count. A filter
   matching nothing is an error. */
int stk_state_rm(stk_state *st, const char *filter, size_t *removed, stk_diags *d);
/* Move a resource instance, a whole resource or a module (everything under
   it) to a new address, as `terraform state mv` does.  The destination must
   be free; resource types cannot change. *moved gets the object count. */
int stk_state_mv(stk_state *st, const char *src, const char *dst, size_t *moved, stk_diags *d);

/* Outputs. */
int stk_state_set_output(stk_state *st, const stk_state_output *o, stk_diags *d);
int stk_state_get_output(stk_state *st, const char *name, stk_state_output *out, stk_diags *d);
int stk_state_delete_output(stk_state *st, const char *name, stk_diags *d);
int stk_state_list_outputs(stk_state *st, stk_state_output_list *out, stk_diags *d);

/* Replace the whole content (instances and outputs) in the current
   transaction: used by import, push and restore.  lineage NULL keeps the
   current one; new_serial > current sets the serial the commit will use
   (otherwise current + 1). */
int stk_state_replace_all(stk_state *st, const stk_state_instance_list *insts,
                          const stk_state_output_list *outs, const char *lineage,
                          const char *terraform_version, int64_t new_serial, stk_diags *d);

/* Number of objects (instances incl. deposed) and outputs. */
int stk_state_count(stk_state *st, size_t *instances, size_t *outputs, stk_diags *d);

/* Backup hook: the remote backend (S3, a later issue) plugs in here.  After a
   state-changing command, the CLI calls stk_state_backup, which writes a
   consistent snapshot of the database (SQLite backup API) to a temporary
   file (0600) and hands it to the hook with the serial, lineage and the
   SHA-256 of the file; the file is removed afterwards.  No hook: no-op. */
typedef struct {
    int (*backup)(void *ud, const char *snapshot_path, int64_t serial, const char *lineage,
                  const char *sha256_hex, stk_diags *d);
    void *ud;
} stk_backup_hook;
void stk_state_set_backup_hook(stk_state *st, const stk_backup_hook *hook);
int stk_state_backup(stk_state *st, stk_diags *d);
/* Consistent copy of the database into `path` (created 0600). */
int stk_state_snapshot_file(stk_state *st, const char *path, stk_diags *d);

void stk_state_instance_free(stk_state_instance *i);
void stk_state_instance_list_free(stk_state_instance_list *l);
void stk_state_output_free(stk_state_output *o);
void stk_state_output_list_free(stk_state_output_list *l);
/* Deep copy (parts included). */
void stk_state_instance_copy(stk_state_instance *dst, const stk_state_instance *src);

/* The SQL of one migration (1..STK_STATE_SCHEMA_VERSION): tests build old
   databases with it. */
const char *stk_state_migration_sql(int version);

/* Internal to state/: the raw connection and the current time string. */
struct sqlite3 *stk_state_db(stk_state *st);
char *stk_state_now(void);
/* Run fn inside the caller's transaction, or in a new one (committed when
   fn returns 0, rolled back otherwise). */
int stk_state_with_tx(stk_state *st, int (*fn)(stk_state *st, void *ud, stk_diags *d), void *ud,
                      stk_diags *d);
/* Mark the open transaction as changing the state (serial bump on commit). */
void stk_state_touch(stk_state *st);
/* history.c wrote a snapshot holding `objects` instances and outputs: the
   count of change rows since the last snapshot starts again. */
void stk_state_snapshot_written(stk_state *st, int64_t objects);
/* Random UUID v4 string (malloc'd), from OpenSSL RAND_bytes. */
char *stk_state_uuid(void);

#endif
