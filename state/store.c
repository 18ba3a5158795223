/* store.c - the SQLite state store (see store.h for the file layout, the
 * transaction rules and ownership).
 *
 * Invariants kept here:
 *  - meta holds 'lineage', 'serial', 'created_at' and (optionally)
 *    'terraform_version'; the serial only changes in stk_state_commit.
 *  - a commit that changed anything bumps the serial and stamps the change
 *    rows the triggers logged (migration 3) with it before COMMIT; a commit
 *    that replaced the whole content (replace_all), or after which the rows
 *    since the last snapshot outweigh the state, also writes the snapshot
 *    of the new serial (history.c).  So every serial has a snapshot or
 *    change rows, and the serial a store is opened at has a snapshot.
 *  - instances are unique on (address, deposed); address is canonical.
 */
#include "store.h"
#include "history.h"
#include "workspace.h"
#include "util/strbuf.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct stk_state {
    sqlite3 *db;
    char *path;
    char *workspace;
    char *lineage;
    char *tf_version;
    int64_t serial;
    int in_tx;
    int dirty;
    int64_t next_serial;     /* > 0: serial requested by replace_all */
    int bulk;                /* replace_all in this transaction: snapshot at commit */
    int64_t rows_since_snap; /* change rows since the last snapshot this handle wrote */
    int64_t snap_objects;    /* objects in that snapshot */
    stk_backup_hook hook;
};

/* ---- migrations ---------------------------------------------------------
 * Migration N takes a database from user_version N-1 to N.  Append only:
 * never edit a released migration. */
static const char *const migrations[] = {
    NULL,
    /* 1: the state proper and the journal */
    "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);\n"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE instances(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  address TEXT NOT NULL,\n"
    "  deposed TEXT NOT NULL DEFAULT '',\n"
    "  module TEXT NOT NULL DEFAULT '',\n"
    "  mode TEXT NOT NULL CHECK (mode IN ('managed','data')),\n"
    "  type TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  key_kind INTEGER NOT NULL DEFAULT 0 CHECK (key_kind IN (0,1,2)),\n"
    "  key_int INTEGER,\n"
    "  key_str TEXT,\n"
    "  provider TEXT NOT NULL,\n"
    "  schema_version INTEGER NOT NULL DEFAULT 0,\n"
    "  attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),\n"
    "  sensitive_paths TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(sensitive_paths)),\n"
    "  dependencies TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(dependencies)),\n"
    "  private TEXT,\n"
    "  extra TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready','tainted')),\n"
    "  create_before_destroy INTEGER NOT NULL DEFAULT 0,\n"
    "  created_at TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL,\n"
    "  UNIQUE (address, deposed));\n"
    "CREATE INDEX instances_module ON instances(module, type, name);\n"
    "CREATE TABLE outputs(name TEXT PRIMARY KEY, value TEXT NOT NULL CHECK (json_valid(value)),\n"
    "  type TEXT, sensitive INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE TABLE journal(\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  address TEXT NOT NULL,\n"
    "  deposed TEXT NOT NULL DEFAULT '',\n"
    "  action TEXT NOT NULL CHECK (action IN ('create','update','delete')),\n"
    "  info TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(info)),\n"
    "  status TEXT NOT NULL DEFAULT 'pending'\n"
    "    CHECK (status IN ('pending','done','failed','adopted','dropped')),\n"
    "  started_at TEXT NOT NULL,\n"
    "  finished_at TEXT,\n"
    "  result TEXT,\n"
    "  note TEXT,\n"
    "  recovered INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE INDEX journal_status ON journal(status);\n",
    /* 2: history of commands and a snapshot of the state at every serial */
    "CREATE TABLE snapshots(\n"
    "  serial INTEGER PRIMARY KEY,\n"
    "  created_at TEXT NOT NULL,\n"
    "  sha256 TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  data BLOB NOT NULL);\n"
    "CREATE TABLE history(\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  serial INTEGER NOT NULL REFERENCES snapshots(serial),\n"
    "  at TEXT NOT NULL,\n"
    "  who TEXT NOT NULL,\n"
    "  command TEXT NOT NULL,\n"
    "  plan_summary TEXT,\n"
    "  plan_json TEXT,\n"
    "  git_commit TEXT,\n"
    "  git_dirty INTEGER,\n"
    "  git_branch TEXT,\n"
    "  git_author TEXT,\n"
    "  git_subject TEXT);\n"
    "CREATE INDEX history_serial ON history(serial);\n",
    /* 3: per-commit change rows, so a commit no longer snapshots the whole
       state (history.h): triggers log every row written to instances and
       outputs (row NULL: deleted) with serial NULL; stk_state_commit stamps
       them with the serial it makes. */
    "CREATE TABLE changes(\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  serial INTEGER,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('instance','output')),\n"
    "  key TEXT NOT NULL,\n"
    "  deposed TEXT NOT NULL DEFAULT '',\n"
    "  row TEXT CHECK (row IS NULL OR json_valid(row)));\n"
    "CREATE INDEX changes_serial ON changes(serial);\n"
    "CREATE TRIGGER instances_log_insert AFTER INSERT ON instances BEGIN\n"
    "  INSERT INTO changes(kind, key, deposed, row) VALUES('instance', NEW.address, NEW.deposed,\n"
    "    json_object('provider', NEW.provider, 'schema_version', NEW.schema_version, 'attributes', NEW.attributes,\n"
    "      'sensitive_paths', NEW.sensitive_paths, 'dependencies', NEW.dependencies, 'private', NEW.private,\n"
    "      'extra', NEW.extra, 'status', NEW.status, 'create_before_destroy', NEW.create_before_destroy));\n"
    "END;\n"
    "CREATE TRIGGER instances_log_update AFTER UPDATE ON instances BEGIN\n"
    "  INSERT INTO changes(kind, key, deposed, row) SELECT 'instance', OLD.address, OLD.deposed, NULL\n"
    "    WHERE OLD.address <> NEW.address OR OLD.deposed <> NEW.deposed;\n"
    "  INSERT INTO changes(kind, key, deposed, row) VALUES('instance', NEW.address, NEW.deposed,\n"
    "    json_object('provider', NEW.provider, 'schema_version', NEW.schema_version, 'attributes', NEW.attributes,\n"
    "      'sensitive_paths', NEW.sensitive_paths, 'dependencies', NEW.dependencies, 'private', NEW.private,\n"
    "      'extra', NEW.extra, 'status', NEW.status, 'create_before_destroy', NEW.create_before_destroy));\n"
    "END;\n"
    "CREATE TRIGGER instances_log_delete AFTER DELETE ON instances BEGIN\n"
    "  INSERT INTO changes(kind, key, deposed, row) VALUES('instance', OLD.address, OLD.deposed, NULL);\n"
    "END;\n"
    "CREATE TRIGGER outputs_log_insert AFTER INSERT ON outputs BEGIN\n"
    "  INSERT INTO changes(kind, key, row) VALUES('output', NEW.name,\n"
    "    json_object('value', NEW.value, 'type', NEW.type, 'sensitive', NEW.sensitive));\n"
    "END;\n"
    "CREATE TRIGGER outputs_log_update AFTER UPDATE ON outputs BEGIN\n"
    "  INSERT INTO changes(kind, key, row) SELECT 'output', OLD.name, NULL WHERE OLD.name <> NEW.name;\n"
    "  INSERT INTO changes(kind, key, row) VALUES('output', NEW.name,\n"
    "    json_object('value', NEW.value, 'type', NEW.type, 'sensitive', NEW.sensitive));\n"
    "END;\n"
    "CREATE TRIGGER outputs_log_delete AFTER DELETE ON outputs BEGIN\n"
    "  INSERT INTO changes(kind, key, row) VALUES('output', OLD.name, NULL);\n"
    "END;\n",
};

const char *stk_state_migration_sql(int version)
{
    if (version < 1 || version > STK_STATE_SCHEMA_VERSION) return NULL;
    return migrations[version];
}

/* ---- small helpers ----------------------------------------------------- */

char *stk_state_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return stk_xstrdup(buf);
}

char *stk_state_uuid(void)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) abort();   /* no entropy: nothing sane to do */
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    return stk_xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

static int sqlerr(stk_state *st, stk_diags *d, const char *what)
{
    stk_diags_error(d, NULL, "State database error", "%s (%s): %s", what, st->path,
                    sqlite3_errmsg(st->db));
    return -1;
}

static int exec(stk_state *st, const char *sql, stk_diags *d)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        stk_diags_error(d, NULL, "State database error", "%s: %s", st->path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static char *col_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? stk_xstrdup((const char *)t) : NULL;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s, i);
}

static int meta_get(stk_state *st, const char *key, char **out, stk_diags *d)
{
    sqlite3_stmt *s;
    *out = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "reading meta");
    bind_text(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *out = col_dup(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlerr(st, d, "reading meta");
    return 0;
}

static int meta_set(stk_state *st, const char *key, const char *value, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO meta(key, value) VALUES(?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "writing meta");
    bind_text(s, 1, key);
    bind_text(s, 2, value);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "writing meta");
    return 0;
}

static int load_meta(stk_state *st, stk_diags *d)
{
    char *lineage = NULL, *serial = NULL, *tfv = NULL;
    if (meta_get(st, "lineage", &lineage, d) || meta_get(st, "serial", &serial, d) ||
        meta_get(st, "terraform_version", &tfv, d)) {
        free(lineage);
        free(serial);
        free(tfv);
        return -1;
    }
    if (!lineage || !serial) {
        free(lineage);
        free(serial);
        free(tfv);
        stk_diags_error(d, NULL, "Corrupt state database", "%s has no lineage or serial in its meta table.",
                        st->path);
        return -1;
    }
    free(st->lineage);
    free(st->tf_version);
    st->lineage = lineage;
    st->tf_version = tfv;
    st->serial = strtoll(serial, NULL, 10);
    free(serial);
    return 0;
}

/* ---- opening ------------------------------------------------------------ */

static int migrate(stk_state *st, stk_diags *d)
{
    sqlite3_stmt *s;
    int version = 0;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "reading the schema version");
    if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (version > STK_STATE_SCHEMA_VERSION) {
        stk_diags_error(d, NULL, "State database is newer than this stk",
                        "%s has schema version %d; this stk understands up to version %d. "
                        "Upgrade stk to use this state; it was left untouched.",
                        st->path, version, STK_STATE_SCHEMA_VERSION);
        return -1;
    }
    if (version == STK_STATE_SCHEMA_VERSION) return 0;
    if (exec(st, "BEGIN IMMEDIATE", d)) return -1;
    /* Re-read under the write lock: another process may have migrated. */
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) goto fail_sql;
    if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    int fresh = version == 0;
    char *now = stk_state_now();
    for (int v = version + 1; v <= STK_STATE_SCHEMA_VERSION; v++) {
        if (exec(st, migrations[v], d)) { free(now); goto fail; }
        char *sql = stk_xasprintf("INSERT INTO schema_migrations(version, applied_at) VALUES(%d, '%s')", v, now);
        int rc = exec(st, sql, d);
        free(sql);
        if (rc) { free(now); goto fail; }
    }
    if (fresh) {
        char *lineage = stk_state_uuid();
        int rc = meta_set(st, "lineage", lineage, d) || meta_set(st, "serial", "0", d) ||
                 meta_set(st, "created_at", now, d);
        free(lineage);
        if (rc) { free(now); goto fail; }
    }
    free(now);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STK_STATE_SCHEMA_VERSION);
    if (exec(st, pragma, d)) goto fail;
    if (exec(st, "COMMIT", d)) goto fail;
    return 0;
fail_sql:
    sqlerr(st, d, "migrating");
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Create the file with mode 0600 before SQLite sees it, whatever the umask. */
static int create_file_0600(const char *path, int create, stk_diags *d)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    if (fd < 0) {
        stk_diags_error(d, NULL, create ? "Cannot create the state database" : "Cannot open the state database",
                        "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) && fchmod(fd, 0600) != 0) {
        stk_diags_error(d, NULL, "Cannot restrict the state database's mode", "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int ensure_snapshot(stk_state *st, stk_diags *d);

int stk_state_open_path(const char *path, int create, stk_state **out, stk_diags *d)
{
    *out = NULL;
    if (create_file_0600(path, create, d)) return -1;
    stk_state *st = stk_xcalloc(1, sizeof *st);
    st->path = stk_xstrdup(path);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        stk_diags_error(d, NULL, "Cannot open the state database", "%s: %s", path,
                        st->db ? sqlite3_errmsg(st->db) : "out of memory");
        stk_state_close(st);
        return -1;
    }
    sqlite3_busy_timeout(st->db, 10000);
    char *mode = NULL;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW) mode = col_dup(s, 0);
        sqlite3_finalize(s);
    }
    if (!mode || strcmp(mode, "wal") != 0) {
        stk_diags_error(d, NULL, "Cannot switch the state database to WAL mode", "%s: %s", path,
                        mode ? mode : sqlite3_errmsg(st->db));
        free(mode);
        stk_state_close(st);
        return -1;
    }
    free(mode);
    if (exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", d) || migrate(st, d) ||
        load_meta(st, d) || ensure_snapshot(st, d)) {
        stk_state_close(st);
        return -1;
    }
    *out = st;
    return 0;
}

int stk_state_open(const char *dir, const char *workspace, stk_state **out, stk_diags *d)
{
    *out = NULL;
    if (!stk_workspace_valid_name(workspace)) {
        stk_diags_error(d, NULL, "Invalid workspace name",
                        "\"%s\": a workspace name uses letters, digits, '-', '_' and '.', and does not start "
                        "with '.'.", workspace ? workspace : "");
        return -1;
    }
    char *sdir = stk_xasprintf("%s/.stk", dir && *dir ? dir : ".");
    if (mkdir(sdir, 0700) != 0 && errno != EEXIST) {
        stk_diags_error(d, NULL, "Cannot create the state directory", "%s: %s", sdir, strerror(errno));
        free(sdir);
        return -1;
    }
    char *path = stk_xasprintf("%s/%s.db", sdir, workspace);
    free(sdir);
    int rc = stk_state_open_path(path, 1, out, d);
    free(path);
    if (rc == 0) (*out)->workspace = stk_xstrdup(workspace);
    return rc;
}

void stk_state_close(stk_state *st)
{
    if (!st) return;
    if (st->in_tx) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    if (st->db) sqlite3_close_v2(st->db);
    free(st->path);
    free(st->workspace);
    free(st->lineage);
    free(st->tf_version);
    free(st);
}

const char *stk_state_path(const stk_state *st) { return st->path; }
const char *stk_state_workspace(const stk_state *st) { return st->workspace; }
const char *stk_state_lineage(const stk_state *st) { return st->lineage; }
int64_t stk_state_serial(const stk_state *st) { return st->serial; }
const char *stk_state_terraform_version(const stk_state *st) { return st->tf_version; }
struct sqlite3 *stk_state_db(stk_state *st) { return st->db; }
void stk_state_touch(stk_state *st) { st->dirty = 1; }
int stk_state_in_transaction(const stk_state *st) { return st->in_tx; }

/* ---- transactions ------------------------------------------------------- */

int stk_state_begin(stk_state *st, stk_diags *d)
{
    if (st->in_tx) {
        stk_diags_error(d, NULL, "State transaction already open",
                        "stk_state_begin was called inside a transaction (%s); nesting is not supported.",
                        st->path);
        return -1;
    }
    if (exec(st, "BEGIN IMMEDIATE", d)) return -1;
    st->in_tx = 1;
    st->dirty = 0;
    st->bulk = 0;
    st->next_serial = 0;
    if (load_meta(st, d)) {
        stk_state_rollback(st);
        return -1;
    }
    return 0;
}

void stk_state_rollback(stk_state *st)
{
    if (!st->in_tx) return;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
    st->dirty = 0;
    st->bulk = 0;
    st->next_serial = 0;
    stk_diags ignore = STK_DIAGS_INIT;
    load_meta(st, &ignore);
    stk_diags_free(&ignore);
}

/* Stamp the change rows of the open transaction with `serial`; *n gets
   their number. */
static int stamp_changes(stk_state *st, int64_t serial, int64_t *n, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "UPDATE changes SET serial = ? WHERE serial IS NULL", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "recording changes");
    sqlite3_bind_int64(s, 1, serial);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "recording changes");
    *n = sqlite3_changes(st->db);
    return 0;
}

/* Rows since the last snapshot beyond which a commit writes a snapshot:
   as many as the state has objects (at least 1000), so the snapshots cost
   O(1) per change amortised and a past serial replays at most that many. */
static int64_t snapshot_every(const stk_state *st)
{
    return st->snap_objects > 1000 ? st->snap_objects : 1000;
}

void stk_state_snapshot_written(stk_state *st, int64_t objects)
{
    st->rows_since_snap = 0;
    st->snap_objects = objects;
}

int stk_state_commit(stk_state *st, stk_diags *d)
{
    if (!st->in_tx) {
        stk_diags_error(d, NULL, "No state transaction to commit", "%s", st->path);
        return -1;
    }
    if (st->dirty) {
        int64_t old = st->serial;
        int64_t ns = st->serial + 1;
        if (st->next_serial > ns) ns = st->next_serial;
        int64_t rows = 0;
        if (stamp_changes(st, ns, &rows, d)) {
            stk_state_rollback(st);
            return -1;
        }
        if (rows > 0 || st->bulk) {   /* no rows: nothing changed after all, no new serial */
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)ns);
            st->serial = ns;
            int snap = st->bulk || st->rows_since_snap + rows >= snapshot_every(st);
            if (meta_set(st, "serial", buf, d) || meta_set(st, "lineage", st->lineage, d) ||
                (st->tf_version && meta_set(st, "terraform_version", st->tf_version, d)) ||
                (snap && stk_history_snapshot(st, d))) {
                st->serial = old;
                stk_state_rollback(st);
                return -1;
            }
            if (!snap) st->rows_since_snap += rows;
        }
    }
    if (exec(st, "COMMIT", d)) {
        stk_state_rollback(st);
        return -1;
    }
    st->in_tx = 0;
    st->dirty = 0;
    st->bulk = 0;
    st->next_serial = 0;
    return 0;
}

int stk_state_with_tx(stk_state *st, int (*fn)(stk_state *, void *, stk_diags *), void *ud, stk_diags *d)
{
    if (st->in_tx) return fn(st, ud, d);
    if (stk_state_begin(st, d)) return -1;
    int rc = fn(st, ud, d);
    if (rc < 0) {
        stk_state_rollback(st);
        return rc;
    }
    if (stk_state_commit(st, d)) return -1;
    return rc;
}

/* ---- group commit (store.h) ---------------------------------------------- */

typedef struct group_unit {
    int (*fn)(stk_state *, void *, stk_diags *);
    void *ud;
    stk_diags *d;
    int rc, done;
    struct group_unit *next;
} group_unit;

struct stk_state_group {
    stk_state *st;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    group_unit *head, **tail;
    int busy;                /* a leader is running a group */
};

stk_state_group *stk_state_group_new(stk_state *st)
{
    stk_state_group *g = stk_xcalloc(1, sizeof *g);
    g->st = st;
    g->tail = &g->head;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    return g;
}

void stk_state_group_free(stk_state_group *g)
{
    if (!g) return;
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

/* The leader: every unit of `batch` in one transaction. */
static void group_commit(stk_state *st, group_unit *batch)
{
    stk_diags gd = STK_DIAGS_INIT;
    int ok = stk_state_begin(st, &gd) == 0;
    for (group_unit *u = batch; ok && u; u = u->next) {
        if (exec(st, "SAVEPOINT unit", u->d)) {
            u->rc = -1;
            continue;
        }
        u->rc = u->fn(st, u->ud, u->d);
        if (u->rc < 0) {
            u->rc = -1;
            sqlite3_exec(st->db, "ROLLBACK TO unit", NULL, NULL, NULL);
        }
        if (exec(st, "RELEASE unit", u->d)) {   /* cannot happen short of a broken connection */
            ok = 0;
            stk_state_rollback(st);
        }
    }
    if (ok && stk_state_commit(st, &gd) != 0) ok = 0;
    if (!ok) {
        for (group_unit *u = batch; u; u = u->next) {
            if (u->rc < 0) continue;
            u->rc = -1;
            for (size_t i = 0; i < gd.len; i++)
                stk_diags_add(u->d, gd.items[i].severity, NULL, gd.items[i].summary, "%s",
                              gd.items[i].detail ? gd.items[i].detail : "");
            if (!gd.len) stk_diags_error(u->d, NULL, "State database error", "%s: the transaction failed", st->path);
        }
    }
    stk_diags_free(&gd);
}

int stk_state_group_run(stk_state_group *g, int (*fn)(stk_state *, void *, stk_diags *), void *ud, stk_diags *d)
{
    group_unit u = {fn, ud, d, 0, 0, NULL};
    pthread_mutex_lock(&g->mu);
    *g->tail = &u;
    g->tail = &u.next;
    while (!u.done) {
        if (g->busy) {
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        g->busy = 1;
        group_unit *batch = g->head;
        g->head = NULL;
        g->tail = &g->head;
        pthread_mutex_unlock(&g->mu);
        group_commit(g->st, batch);
        pthread_mutex_lock(&g->mu);
        for (group_unit *b = batch, *next; b; b = next) {
            next = b->next;   /* b may be gone once done is set and its owner wakes */
            b->done = 1;
        }
        g->busy = 0;
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    return u.rc;
}

/* A state opened for the first time (or migrated from version 1) has no
   snapshot of its current serial yet: write it, so every serial has one. */
static int ensure_snapshot(stk_state *st, stk_diags *d)
{
    int have = stk_history_has_snapshot(st, st->serial, d);
    if (have != 0) return have < 0 ? -1 : 0;
    if (exec(st, "BEGIN IMMEDIATE", d)) return -1;
    st->in_tx = 1;
    if (load_meta(st, d) || (have = stk_history_has_snapshot(st, st->serial, d)) < 0 ||
        (!have && stk_history_snapshot(st, d))) {
        stk_state_rollback(st);
        return -1;
    }
    st->in_tx = 0;
    if (exec(st, "COMMIT", d)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* ---- instances ---------------------------------------------------------- */

#define INST_COLS "address, deposed, provider, schema_version, attributes, sensitive_paths, " \
                  "dependencies, private, extra, status, create_before_destroy, module, created_at, updated_at"
#define INST_ORDER " ORDER BY module, mode, type, name, key_kind, key_int, key_str, deposed"

static void row_to_instance(sqlite3_stmt *s, stk_state_instance *in)
{
    memset(in, 0, sizeof *in);
    in->address = col_dup(s, 0);
    in->deposed = col_dup(s, 1);
    in->provider = col_dup(s, 2);
    in->schema_version = sqlite3_column_int64(s, 3);
    in->attributes = col_dup(s, 4);
    in->sensitive_paths = col_dup(s, 5);
    in->dependencies = col_dup(s, 6);
    in->private_data = col_dup(s, 7);
    in->extra = col_dup(s, 8);
    const unsigned char *status = sqlite3_column_text(s, 9);
    in->tainted = status && strcmp((const char *)status, "tainted") == 0;
    in->create_before_destroy = sqlite3_column_int(s, 10);
    in->module = col_dup(s, 11);
    in->created_at = col_dup(s, 12);
    in->updated_at = col_dup(s, 13);
    if (!in->deposed) in->deposed = stk_xstrdup("");
    if (stk_addr_parse(in->address, &in->parts, NULL) != 0) memset(&in->parts, 0, sizeof in->parts);
}

void stk_state_instance_free(stk_state_instance *i)
{
    if (!i) return;
    free(i->address);
    free(i->deposed);
    free(i->provider);
    free(i->attributes);
    free(i->sensitive_paths);
    free(i->dependencies);
    free(i->private_data);
    free(i->extra);
    free(i->module);
    free(i->created_at);
    free(i->updated_at);
    stk_addr_free(&i->parts);
    memset(i, 0, sizeof *i);
}

void stk_state_instance_list_free(stk_state_instance_list *l)
{
    for (size_t i = 0; i < l->len; i++) stk_state_instance_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

static char *dup_or_null(const char *s) { return s ? stk_xstrdup(s) : NULL; }

void stk_state_instance_copy(stk_state_instance *dst, const stk_state_instance *src)
{
    memset(dst, 0, sizeof *dst);
    dst->address = dup_or_null(src->address);
    dst->deposed = dup_or_null(src->deposed);
    dst->provider = dup_or_null(src->provider);
    dst->schema_version = src->schema_version;
    dst->attributes = dup_or_null(src->attributes);
    dst->sensitive_paths = dup_or_null(src->sensitive_paths);
    dst->dependencies = dup_or_null(src->dependencies);
    dst->private_data = dup_or_null(src->private_data);
    dst->extra = dup_or_null(src->extra);
    dst->tainted = src->tainted;
    dst->create_before_destroy = src->create_before_destroy;
    dst->module = dup_or_null(src->module);
    dst->created_at = dup_or_null(src->created_at);
    dst->updated_at = dup_or_null(src->updated_at);
    if (src->address) stk_addr_parse(src->address, &dst->parts, NULL);
}

int stk_state_get(stk_state *st, const char *address, const char *deposed, stk_state_instance *out,
                  stk_diags *d)
{
    memset(out, 0, sizeof *out);
    stk_addr a;
    char *err = NULL;
    if (stk_addr_parse(address, &a, &err) != 0) {
        stk_diags_error(d, NULL, "Invalid resource address", "%s", err);
        free(err);
        return -1;
    }
    char *canon = stk_addr_format(&a);
    stk_addr_free(&a);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT " INST_COLS " FROM instances WHERE address = ? AND deposed = ?", -1,
                           &s, NULL) != SQLITE_OK) {
        free(canon);
        return sqlerr(st, d, "reading an instance");
    }
    bind_text(s, 1, canon);
    bind_text(s, 2, deposed ? deposed : "");
    free(canon);
    int rc = sqlite3_step(s);
    int ret = 0;
    if (rc == SQLITE_ROW) {
        row_to_instance(s, out);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = sqlerr(st, d, "reading an instance");
    }
    sqlite3_finalize(s);
    return ret;
}

static int check_json(const char *text, int want_type, const char *what, const char *addr, stk_diags *d)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j) {
        stk_diags_error(d, NULL, "Invalid JSON in a state object", "%s of %s: %s", what, addr, e.text);
        return -1;
    }
    int ok = (int)json_typeof(j) == want_type;
    json_decref(j);
    if (!ok) {
        stk_diags_error(d, NULL, "Invalid JSON in a state object", "%s of %s must be a JSON %s", what, addr,
                        want_type == JSON_OBJECT ? "object" : "array");
        return -1;
    }
    return 0;
}

struct put_ctx {
    const stk_state_instance *in;
};

static int do_put(stk_state *st, void *ud, stk_diags *d)
{
    const stk_state_instance *in = ((struct put_ctx *)ud)->in;
    stk_addr a;
    char *err = NULL;
    if (!in->address || stk_addr_parse(in->address, &a, &err) != 0 || !a.has_resource) {
        stk_diags_error(d, NULL, "Invalid resource address", "%s",
                        err ? err : "a state object needs a resource instance address");
        free(err);
        if (in->address && !err) stk_addr_free(&a);
        return -1;
    }
    const char *attrs = in->attributes ? in->attributes : "{}";
    const char *sens = in->sensitive_paths ? in->sensitive_paths : "[]";
    const char *deps = in->dependencies ? in->dependencies : "[]";
    if (!in->provider || !*in->provider) {
        stk_diags_error(d, NULL, "State object without provider", "%s has no provider configuration address.",
                        in->address);
        stk_addr_free(&a);
        return -1;
    }
    if (check_json(attrs, JSON_OBJECT, "attributes", in->address, d) ||
        check_json(sens, JSON_ARRAY, "sensitive paths", in->address, d) ||
        check_json(deps, JSON_ARRAY, "dependencies", in->address, d) ||
        (in->extra && check_json(in->extra, JSON_OBJECT, "extra fields", in->address, d))) {
        stk_addr_free(&a);
        return -1;
    }
    char *canon = stk_addr_format(&a), *module = stk_addr_module_string(&a), *now = stk_state_now();
    sqlite3_stmt *s;
    int ret = -1;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO instances(address, deposed, module, mode, type, name, key_kind, key_int, "
                           "key_str, provider, schema_version, attributes, sensitive_paths, dependencies, private, "
                           "extra, status, create_before_destroy, created_at, updated_at) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?19) "
                           "ON CONFLICT(address, deposed) DO UPDATE SET provider=excluded.provider, "
                           "schema_version=excluded.schema_version, attributes=excluded.attributes, "
                           "sensitive_paths=excluded.sensitive_paths, dependencies=excluded.dependencies, "
                           "private=excluded.private, extra=excluded.extra, status=excluded.status, "
                           "create_before_destroy=excluded.create_before_destroy, updated_at=excluded.updated_at",
                           -1, &s, NULL) != SQLITE_OK) {
        sqlerr(st, d, "writing an instance");
        goto out;
    }
    bind_text(s, 1, canon);
    bind_text(s, 2, in->deposed ? in->deposed : "");
    bind_text(s, 3, module);
    bind_text(s, 4, a.mode == STK_MODE_DATA ? "data" : "managed");
    bind_text(s, 5, a.type);
    bind_text(s, 6, a.name);
    sqlite3_bind_int(s, 7, (int)a.key.kind);
    if (a.key.kind == STK_KEY_INT) sqlite3_bind_int64(s, 8, a.key.i);
    else sqlite3_bind_null(s, 8);
    bind_text(s, 9, a.key.kind == STK_KEY_STR ? a.key.s : NULL);
    bind_text(s, 10, in->provider);
    sqlite3_bind_int64(s, 11, in->schema_version);
    bind_text(s, 12, attrs);
    bind_text(s, 13, sens);
    bind_text(s, 14, deps);
    bind_text(s, 15, in->private_data);
    bind_text(s, 16, in->extra);
    bind_text(s, 17, in->tainted ? "tainted" : "ready");
    sqlite3_bind_int(s, 18, in->create_before_destroy ? 1 : 0);
    bind_text(s, 19, now);
    if (sqlite3_step(s) != SQLITE_DONE) sqlerr(st, d, "writing an instance");
    else {
        ret = 0;
        stk_state_touch(st);
    }
    sqlite3_finalize(s);
out:
    free(canon);
    free(module);
    free(now);
    stk_addr_free(&a);
    return ret;
}

int stk_state_put(stk_state *st, const stk_state_instance *inst, stk_diags *d)
{
    struct put_ctx c = {inst};
    return stk_state_with_tx(st, do_put, &c, d);
}

struct del_ctx {
    const char *address, *deposed;
};

static int do_delete(stk_state *st, void *ud, stk_diags *d)
{
    struct del_ctx *c = ud;
    stk_addr a;
    char *err = NULL;
    if (stk_addr_parse(c->address, &a, &err) != 0) {
        stk_diags_error(d, NULL, "Invalid resource address", "%s", err);
        free(err);
        return -1;
    }
    char *canon = stk_addr_format(&a);
    stk_addr_free(&a);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM instances WHERE address = ? AND deposed = ?", -1, &s, NULL) !=
        SQLITE_OK) {
        free(canon);
        return sqlerr(st, d, "deleting an instance");
    }
    bind_text(s, 1, canon);
    bind_text(s, 2, c->deposed ? c->deposed : "");
    free(canon);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "deleting an instance");
    int n = sqlite3_changes(st->db);
    if (n) stk_state_touch(st);
    return n ? 1 : 0;
}

int stk_state_delete(stk_state *st, const char *address, const char *deposed, stk_diags *d)
{
    struct del_ctx c = {address, deposed};
    return stk_state_with_tx(st, do_delete, &c, d);
}

static int parse_filters(const char *const *filters, size_t n, stk_addr **out, stk_diags *d)
{
    *out = stk_xcalloc(n ? n : 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        char *err = NULL;
        if (stk_addr_parse(filters[i], &(*out)[i], &err) != 0) {
            stk_diags_error(d, NULL, "Invalid resource address", "%s", err);
            free(err);
            for (size_t j = 0; j < i; j++) stk_addr_free(&(*out)[j]);
            free(*out);
            *out = NULL;
            return -1;
        }
    }
    return 0;
}

int stk_state_list(stk_state *st, const char *const *filters, size_t nfilters, stk_state_instance_list *out,
                   stk_diags *d)
{
    out->items = NULL;
    out->len = 0;
    stk_addr *f;
    if (parse_filters(filters, nfilters, &f, d)) return -1;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT " INST_COLS " FROM instances" INST_ORDER, -1, &s, NULL) != SQLITE_OK) {
        free(f);
        return sqlerr(st, d, "listing instances");
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        stk_state_instance in;
        row_to_instance(s, &in);
        int keep = nfilters == 0;
        for (size_t i = 0; i < nfilters && !keep; i++) keep = stk_addr_match(&f[i], &in.parts);
        if (!keep) {
            stk_state_instance_free(&in);
            continue;
        }
        if (out->len == cap) {
            cap = cap ? cap * 2 : 16;
            out->items = stk_xrealloc(out->items, cap * sizeof *out->items);
        }
        out->items[out->len++] = in;
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < nfilters; i++) stk_addr_free(&f[i]);
    free(f);
    if (rc != SQLITE_DONE) {
        stk_state_instance_list_free(out);
        return sqlerr(st, d, "listing instances");
    }
    return 0;
}

struct rm_ctx {
    const char *filter;
    size_t removed;
};

static int do_rm(stk_state *st, void *ud, stk_diags *d)
{
    struct rm_ctx *c = ud;
    stk_state_instance_list l;
    if (stk_state_list(st, &c->filter, 1, &l, d)) return -1;
    if (l.len == 0) {
        stk_diags_error(d, NULL, "No matching objects found", "No object in the state matches %s.", c->filter);
        stk_state_instance_list_free(&l);
        return -1;
    }
    int ret = 0;
    for (size_t i = 0; i < l.len && ret == 0; i++) {
        struct del_ctx dc = {l.items[i].address, l.items[i].deposed};
        if (do_delete(st, &dc, d) < 0) ret = -1;
        else c->removed++;
    }
    stk_state_instance_list_free(&l);
    return ret;
}

int stk_state_rm(stk_state *st, const char *filter, size_t *removed, stk_diags *d)
{
    struct rm_ctx c = {filter, 0};
    int rc = stk_state_with_tx(st, do_rm, &c, d);
    if (removed) *removed = rc == 0 ? c.removed : 0;
    return rc;
}

/* ---- mv ----------------------------------------------------------------- */

struct mv_ctx {
    const char *src, *dst;
    size_t moved;
};

/* The new address of `inst` when moving what `src` selects to `dst`. */
static char *mv_target(const stk_addr *src, const stk_addr *dst, const stk_addr *inst, int instance_move)
{
    stk_addr n;
    memset(&n, 0, sizeof n);
    size_t tail = inst->nmodules - src->nmodules;
    n.nmodules = dst->nmodules + tail;
    n.modules = stk_xcalloc(n.nmodules ? n.nmodules : 1, sizeof *n.modules);
    for (size_t i = 0; i < dst->nmodules; i++) {
        n.modules[i].name = stk_xstrdup(dst->modules[i].name);
        if (dst->modules[i].key.kind != STK_KEY_NONE || i >= src->nmodules ||
            src->modules[i].key.kind != STK_KEY_NONE)
            stk_key_copy(&n.modules[i].key, &dst->modules[i].key);
        else
            stk_key_copy(&n.modules[i].key, &inst->modules[i].key);
    }
    for (size_t i = 0; i < tail; i++) {
        n.modules[dst->nmodules + i].name = stk_xstrdup(inst->modules[src->nmodules + i].name);
        stk_key_copy(&n.modules[dst->nmodules + i].key, &inst->modules[src->nmodules + i].key);
    }
    n.has_resource = 1;
    n.mode = inst->mode;
    if (src->has_resource) {
        n.type = stk_xstrdup(dst->type);
        n.name = stk_xstrdup(dst->name);
        if (instance_move) stk_key_copy(&n.key, &dst->key);
        else stk_key_copy(&n.key, &inst->key);
    } else {
        n.type = stk_xstrdup(inst->type);
        n.name = stk_xstrdup(inst->name);
        stk_key_copy(&n.key, &inst->key);
    }
    char *s = stk_addr_format(&n);
    stk_addr_free(&n);
    return s;
}

static int do_mv(stk_state *st, void *ud, stk_diags *d)
{
    struct mv_ctx *c = ud;
    stk_addr src, dst;
    char *err = NULL;
    if (stk_addr_parse(c->src, &src, &err) != 0) {
        stk_diags_error(d, NULL, "Invalid source address", "%s", err);
        free(err);
        return -1;
    }
    if (stk_addr_parse(c->dst, &dst, &err) != 0) {
        stk_diags_error(d, NULL, "Invalid destination address", "%s", err);
        free(err);
        stk_addr_free(&src);
        return -1;
    }
    int ret = -1;
    stk_state_instance_list l = {0};
    char **targets = NULL;
    if (src.has_resource != dst.has_resource) {
        stk_diags_error(d, NULL, "Invalid state move",
                        "Cannot move %s to %s: a module moves to a module, a resource to a resource.", c->src,
                        c->dst);
        goto out;
    }
    if (src.has_resource && (src.mode != dst.mode || strcmp(src.type, dst.type) != 0)) {
        stk_diags_error(d, NULL, "Invalid state move",
                        "Cannot move %s to %s: the resource type (and mode) must stay the same.", c->src, c->dst);
        goto out;
    }
    if (stk_state_list(st, &c->src, 1, &l, d)) goto out;
    if (l.len == 0) {
        stk_diags_error(d, NULL, "No matching objects found", "No object in the state matches %s.", c->src);
        goto out;
    }
    int instance_move = src.has_resource && (src.key_given || dst.key_given);
    if (instance_move) {
        /* every object must be the same instance (current + its deposed ones) */
        for (size_t i = 1; i < l.len; i++)
            if (strcmp(l.items[i].address, l.items[0].address) != 0) {
                stk_diags_error(d, NULL, "Invalid state move",
                                "%s matches several instances (%s, %s, ...); give an instance key to move one, "
                                "or a destination without key to move the whole resource.",
                                c->src, l.items[0].address, l.items[i].address);
                goto out;
            }
    }
    targets = stk_xcalloc(l.len, sizeof *targets);
    for (size_t i = 0; i < l.len; i++) targets[i] = mv_target(&src, &dst, &l.items[i].parts, instance_move);
    /* destinations must be free (or be among the moved objects) and distinct */
    for (size_t i = 0; i < l.len; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(targets[i], targets[j]) == 0 && strcmp(l.items[i].deposed, l.items[j].deposed) == 0) {
                stk_diags_error(d, NULL, "Invalid state move", "Both %s and %s would move to %s.",
                                l.items[j].address, l.items[i].address, targets[i]);
                goto out;
            }
        stk_state_instance ex;
        int found = stk_state_get(st, targets[i], l.items[i].deposed, &ex, d);
        if (found < 0) goto out;
        if (found) {
            stk_state_instance_free(&ex);
            int self = 0;
            for (size_t j = 0; j < l.len && !self; j++)
                self = strcmp(l.items[j].address, targets[i]) == 0 &&
                       strcmp(l.items[j].deposed, l.items[i].deposed) == 0;
            if (!self) {
                stk_diags_error(d, NULL, "Invalid state move",
                                "Cannot move %s to %s: the destination already exists in the state.",
                                l.items[i].address, targets[i]);
                goto out;
            }
        }
    }
    for (size_t i = 0; i < l.len; i++) {
        struct del_ctx dc = {l.items[i].address, l.items[i].deposed};
        if (do_delete(st, &dc, d) < 0) goto out;
    }
    for (size_t i = 0; i < l.len; i++) {
        stk_state_instance n = l.items[i];
        n.address = targets[i];
        struct put_ctx pc = {&n};
        if (do_put(st, &pc, d)) goto out;
        /* keep the creation time of the moved object */
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db, "UPDATE instances SET created_at = ? WHERE address = ? AND deposed = ?", -1,
                               &s, NULL) == SQLITE_OK) {
            bind_text(s, 1, l.items[i].created_at);
            bind_text(s, 2, targets[i]);
            bind_text(s, 3, l.items[i].deposed);
            sqlite3_step(s);
            sqlite3_finalize(s);
        }
    }
    c->moved = l.len;
    ret = 0;
out:
    if (targets)
        for (size_t i = 0; i < l.len; i++) free(targets[i]);
    free(targets);
    stk_state_instance_list_free(&l);
    stk_addr_free(&src);
    stk_addr_free(&dst);
    return ret;
}

int stk_state_mv(stk_state *st, const char *src, const char *dst, size_t *moved, stk_diags *d)
{
    struct mv_ctx c = {src, dst, 0};
    int rc = stk_state_with_tx(st, do_mv, &c, d);
    if (moved) *moved = rc == 0 ? c.moved : 0;
    return rc;
}

/* ---- outputs ------------------------------------------------------------ */

void stk_state_output_free(stk_state_output *o)
{
    if (!o) return;
    free(o->name);
    free(o->value);
    free(o->type);
    memset(o, 0, sizeof *o);
}

void stk_state_output_list_free(stk_state_output_list *l)
{
    for (size_t i = 0; i < l->len; i++) stk_state_output_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

static int do_set_output(stk_state *st, void *ud, stk_diags *d)
{
    const stk_state_output *o = ud;
    json_error_t e;
    json_t *j = json_loads(o->value ? o->value : "", JSON_DECODE_ANY, &e);
    if (!j) {
        stk_diags_error(d, NULL, "Invalid output value", "output %s: %s", o->name, e.text);
        return -1;
    }
    json_decref(j);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "INSERT INTO outputs(name, value, type, sensitive) VALUES(?,?,?,?) "
                           "ON CONFLICT(name) DO UPDATE SET value=excluded.value, type=excluded.type, "
                           "sensitive=excluded.sensitive", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "writing an output");
    bind_text(s, 1, o->name);
    bind_text(s, 2, o->value);
    bind_text(s, 3, o->type);
    sqlite3_bind_int(s, 4, o->sensitive ? 1 : 0);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "writing an output");
    stk_state_touch(st);
    return 0;
}

int stk_state_set_output(stk_state *st, const stk_state_output *o, stk_diags *d)
{
    return stk_state_with_tx(st, do_set_output, (void *)o, d);
}

int stk_state_get_output(stk_state *st, const char *name, stk_state_output *out, stk_diags *d)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT name, value, type, sensitive FROM outputs WHERE name = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return sqlerr(st, d, "reading an output");
    bind_text(s, 1, name);
    int rc = sqlite3_step(s), ret = 0;
    if (rc == SQLITE_ROW) {
        out->name = col_dup(s, 0);
        out->value = col_dup(s, 1);
        out->type = col_dup(s, 2);
        out->sensitive = sqlite3_column_int(s, 3);
        ret = 1;
    } else if (rc != SQLITE_DONE) {
        ret = sqlerr(st, d, "reading an output");
    }
    sqlite3_finalize(s);
    return ret;
}

static int do_delete_output(stk_state *st, void *ud, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM outputs WHERE name = ?", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "deleting an output");
    bind_text(s, 1, ud);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "deleting an output");
    int n = sqlite3_changes(st->db);
    if (n) stk_state_touch(st);
    return n ? 1 : 0;
}

int stk_state_delete_output(stk_state *st, const char *name, stk_diags *d)
{
    return stk_state_with_tx(st, do_delete_output, (void *)name, d);
}

int stk_state_list_outputs(stk_state *st, stk_state_output_list *out, stk_diags *d)
{
    out->items = NULL;
    out->len = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT name, value, type, sensitive FROM outputs ORDER BY name", -1, &s,
                           NULL) != SQLITE_OK)
        return sqlerr(st, d, "listing outputs");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->len == cap) {
            cap = cap ? cap * 2 : 8;
            out->items = stk_xrealloc(out->items, cap * sizeof *out->items);
        }
        stk_state_output *o = &out->items[out->len++];
        o->name = col_dup(s, 0);
        o->value = col_dup(s, 1);
        o->type = col_dup(s, 2);
        o->sensitive = sqlite3_column_int(s, 3);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        stk_state_output_list_free(out);
        return sqlerr(st, d, "listing outputs");
    }
    return 0;
}

/* ---- whole-state replacement ------------------------------------------- */

int stk_state_replace_all(stk_state *st, const stk_state_instance_list *insts, const stk_state_output_list *outs,
                          const char *lineage, const char *terraform_version, int64_t new_serial, stk_diags *d)
{
    if (!st->in_tx) {
        stk_diags_error(d, NULL, "Internal error", "stk_state_replace_all needs an open transaction");
        return -1;
    }
    if (exec(st, "DELETE FROM instances; DELETE FROM outputs;", d)) return -1;
    for (size_t i = 0; insts && i < insts->len; i++) {
        struct put_ctx pc = {&insts->items[i]};
        if (do_put(st, &pc, d)) return -1;
    }
    for (size_t i = 0; outs && i < outs->len; i++)
        if (do_set_output(st, &outs->items[i], d)) return -1;
    if (lineage && strcmp(lineage, st->lineage) != 0) {
        free(st->lineage);
        st->lineage = stk_xstrdup(lineage);
    }
    if (terraform_version) {
        free(st->tf_version);
        st->tf_version = stk_xstrdup(terraform_version);
    }
    if (new_serial > st->serial) st->next_serial = new_serial;
    st->bulk = 1;
    stk_state_touch(st);
    return 0;
}

int stk_state_count(stk_state *st, size_t *instances, size_t *outputs, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT (SELECT count(*) FROM instances), (SELECT count(*) FROM outputs)", -1,
                           &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "counting objects");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (instances) *instances = (size_t)sqlite3_column_int64(s, 0);
        if (outputs) *outputs = (size_t)sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : sqlerr(st, d, "counting objects");
}

/* ---- backup ------------------------------------------------------------- */

void stk_state_set_backup_hook(stk_state *st, const stk_backup_hook *hook)
{
    if (hook) st->hook = *hook;
    else memset(&st->hook, 0, sizeof st->hook);
}

int stk_state_snapshot_file(stk_state *st, const char *path, stk_diags *d)
{
    unlink(path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        stk_diags_error(d, NULL, "Cannot create the state snapshot", "%s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", st->db, "main");
        if (b) {
            rc = sqlite3_backup_step(b, -1);
            sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        } else {
            rc = sqlite3_errcode(dst);
        }
    }
    if (rc != SQLITE_OK) {
        stk_diags_error(d, NULL, "Cannot snapshot the state database", "%s: %s", path,
                        dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        sqlite3_close_v2(dst);
        unlink(path);
        return -1;
    }
    sqlite3_close_v2(dst);
    return 0;
}

static int sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[65536], md[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, n);
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int stk_state_backup(stk_state *st, stk_diags *d)
{
    if (!st->hook.backup) return 0;
    char *tmp = stk_xasprintf("%s.backup-%ld", st->path, (long)getpid());
    int rc = stk_state_snapshot_file(st, tmp, d);
    if (rc == 0) {
        char hex[65];
        if (sha256_file(tmp, hex) != 0) {
            stk_diags_error(d, NULL, "Cannot read the state snapshot", "%s: %s", tmp, strerror(errno));
            rc = -1;
        } else {
            rc = st->hook.backup(st->hook.ud, tmp, st->serial, st->lineage, hex, d);
        }
        unlink(tmp);
    }
    free(tmp);
    return rc;
}
