/* remote.h - the S3 backend at run time: the remote locks, the backup of
 * every new serial to S3, the digest record that tells a stale or foreign
 * local copy, and pulling a snapshot back.
 *
 * The local SQLite database stays the working store (store.h).  The remote
 * side holds:
 *   s3://<bucket>/<state key>     the latest snapshot of the database (a
 *       SQLite file made with the backup API, store.h), encrypted with
 *       crypt.h when a client-side key is configured; uploaded with
 *       ServerSideEncryption AES256 (or aws:kms + kms_key_id) when
 *       encrypt = true; object metadata stk-serial, stk-lineage,
 *       stk-state-sha256 (the SHA-256 of the state at that serial as
 *       history.h digests it) and stk-encrypted.  With bucket versioning
 *       (stk backend bootstrap turns it on) every serial stays retrievable
 *       by version id.
 *   DynamoDB item LockID "<bucket>/<state key>-md5" (when dynamodb_table is
 *       set): Digest (MD5 hex of the uploaded object, as Terraform keeps
 *       it) plus stk's StkSerial, StkLineage, StkStateSha256, StkVersionId.
 *       Without a table, the object's metadata plays that role.
 *   The lock: DynamoDB item LockID "<bucket>/<state key>" written with
 *       PutItem + ConditionExpression attribute_not_exists(LockID), Info the
 *       lock info JSON (lock_dynamodb.c); or, with use_lockfile = true, the
 *       object "<state key>.tflock" written with PutObject If-None-Match: *
 *       (lock_s3.c).  Both may be configured; then both are taken
 *       (DynamoDB first), as Terraform does during its migration period.
 *
 * Checks when a state-changing command takes the lock (the session lock):
 *   remote digest absent             -> fine (first backup);
 *   local database missing           -> error: run `stk init` to pull;
 *   lineage differs                  -> error: a foreign state;
 *   local serial < remote serial     -> error: stale local copy (stk init);
 *   same serial, other state digest  -> error: diverged copies;
 *   local serial > remote serial     -> warning: the next backup uploads it.
 *
 * Ownership: a stk_remote owns its AWS client, crypt key and strings.
 * Locks made from it borrow it: free them before the remote.
 */
#ifndef STK_STATE_REMOTE_H
#define STK_STATE_REMOTE_H
#include <stdint.h>
#include "aws/client/client.h"
#include "backend.h"
#include "crypt.h"
#include "lock.h"
#include "store.h"

typedef struct stk_remote stk_remote;

/* Build the remote side for a workspace: AWS client, state key, client-side
   key (encryption_passphrase / encryption_key_file). */
int stk_remote_new(const stk_backend_config *c, const char *workspace, stk_remote **out, stk_diags *d);
void stk_remote_free(stk_remote *r);
/* Can snapshots be written and read?  -1 (with the reason) when the
   backend encrypts with a passphrase that was not given: commands that
   change state check this before changing anything; read-only ones need
   not. */
int stk_remote_ready(stk_remote *r, stk_diags *d);
const char *stk_remote_bucket(const stk_remote *r);
const char *stk_remote_state_key(const stk_remote *r);
stk_aws_client *stk_remote_client(stk_remote *r);
const stk_backend_config *stk_remote_config(const stk_remote *r);

/* ---- locks --------------------------------------------------------------- */

/* DynamoDB lock item LockID = lock_id in `table` (lock_dynamodb.c). */
stk_lock *stk_lock_dynamodb_new(stk_aws_client *c, const char *table, const char *lock_id);
/* S3 lock object s3://bucket/object_key (lock_s3.c). */
stk_lock *stk_lock_s3_new(stk_aws_client *c, const char *bucket, const char *object_key);

/* The lock a state-changing command takes: the configured remote lock(s)
   (the local lock when none is configured), and once held, the digest check
   of the local database `local_db` (above).  Borrows r. */
stk_lock *stk_remote_session_lock(stk_remote *r, const char *local_db);
/* The remote lock alone (force-unlock): NULL when neither dynamodb_table
   nor use_lockfile is configured. */
stk_lock *stk_remote_lock(stk_remote *r);

/* ---- digest ------------------------------------------------------------- */

typedef struct {
    int found;
    int64_t serial;
    char *lineage, *state_sha256, *md5, *version_id;
} stk_remote_digest;
/* 0 (dg->found 0 when nothing was ever uploaded), -1 error. */
int stk_remote_read_digest(stk_remote *r, stk_remote_digest *dg, stk_diags *d);
void stk_remote_digest_free(stk_remote_digest *dg);
/* Compare the local database with the digest (the rules above). */
int stk_remote_check_local(stk_remote *r, const char *local_db, stk_diags *d);
/* The state digest (history.h SHA-256) of the database at its current
   serial: malloc'd hex, or NULL when the serial has no snapshot. */
char *stk_remote_state_sha256(stk_state *st, stk_diags *d);

/* ---- backup ------------------------------------------------------------- */

/* The hook for stk_state_set_backup_hook (ud = r). */
void stk_remote_backup_hook(stk_remote *r, stk_backup_hook *out);
/* Upload a snapshot file for `serial` and record the digest. */
int stk_remote_upload(stk_remote *r, const char *snapshot_path, int64_t serial, const char *lineage,
                      stk_diags *d);

/* Remove the workspace's state object (in a versioned bucket its older
   versions stay) and its digest item: `workspace delete`.  Absent is fine. */
int stk_remote_delete_state(stk_remote *r, stk_diags *d);

/* The workspaces the backend holds a state for, sorted: "default" when the
   object at `key` exists, and every NAME with an object
   "<workspace_key_prefix>/NAME/<key>" (ListObjectsV2 under the prefix, as
   Terraform's S3 backend lists workspaces).  Names are malloc'd (free each
   and the array). */
int stk_remote_list_workspaces(stk_remote *r, char ***names, size_t *n, stk_diags *d);

/* ---- pull / restore ------------------------------------------------------ */

typedef struct {
    int64_t serial;
    char *lineage;
    char *version_id;        /* the S3 version read (NULL when unversioned) */
    int encrypted;           /* was client-side encrypted */
} stk_remote_snapshot;
void stk_remote_snapshot_free(stk_remote_snapshot *s);

/* Download s3://bucket/key (bucket/key NULL: the backend's state object;
   version_id NULL: the latest) into dest_path (0600), decrypting it, and
   check it is a state database.  For the latest object of the backend, the
   MD5 is checked against the digest item.  1 done, 0 no such object, -1
   error. */
int stk_remote_download(stk_remote *r, const char *bucket, const char *key, const char *version_id,
                        const char *dest_path, stk_remote_snapshot *info, stk_diags *d);
/* Copy a downloaded database over the local one (SQLite backup API, so
   the local WAL files stay consistent).  dest_db need not exist. */
int stk_remote_install(const char *src_db, const char *dest_db, stk_diags *d);
/* Make the current state of the database at src_db the new state of st (a
   new serial; lineages must match unless force): `state restore --from`. */
int stk_remote_restore_into(stk_state *st, const char *src_db, int force, stk_diags *d);

#endif
