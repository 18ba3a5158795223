/* history.c - command history, snapshots and the replay of change rows
 * (see history.h). */
#include "history.h"
#include "json.h"
#include "tfstate.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static int sqlerr(stk_state *st, stk_diags *d, const char *what)
{
    stk_diags_error(d, NULL, "State database error", "%s (%s): %s", what, stk_state_path(st),
                    sqlite3_errmsg(stk_state_db(st)));
    return -1;
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

static void sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char md[32];
    unsigned len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

char *stk_history_who(void)
{
    const char *user = getenv("USER");
    struct passwd *pw = NULL;
    if (!user || !*user) {
        pw = getpwuid(getuid());
        user = pw ? pw->pw_name : "unknown";
    }
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0) strcpy(host, "localhost");
    host[sizeof host - 1] = 0;
    return stk_xasprintf("%s@%s", user, host);
}

/* ---- snapshots ---------------------------------------------------------- */

int stk_history_has_snapshot(stk_state *st, int64_t serial, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st), "SELECT 1 FROM snapshots WHERE serial = ?", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "reading snapshots");
    sqlite3_bind_int64(s, 1, serial);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return sqlerr(st, d, "reading snapshots");
}

int stk_history_snapshot(stk_state *st, stk_diags *d)
{
    json_t *root = stk_tfstate_export(st, d);
    if (!root) return -1;
    int64_t objects = (int64_t)json_object_size(json_object_get(root, "outputs"));
    size_t ri;
    json_t *res;
    json_array_foreach(json_object_get(root, "resources"), ri, res)
        objects += (int64_t)json_array_size(json_object_get(res, "instances"));
    char *text = stk_json_dump(root, STK_JSON_COMPACT | STK_JSON_SORT_KEYS);
    json_decref(root);
    size_t n = strlen(text);
    char hex[65];
    sha256_hex(text, n, hex);
    uLongf clen = compressBound((uLong)n);
    unsigned char *z = stk_xmalloc(clen);
    if (compress2(z, &clen, (const Bytef *)text, (uLong)n, 6) != Z_OK) {
        free(z);
        free(text);
        stk_diags_error(d, NULL, "Cannot compress the state snapshot", "zlib failed");
        return -1;
    }
    free(text);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st),
                           "INSERT OR REPLACE INTO snapshots(serial, created_at, sha256, size, data) VALUES(?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        free(z);
        return sqlerr(st, d, "writing a snapshot");
    }
    char *now = stk_state_now();
    sqlite3_bind_int64(s, 1, stk_state_serial(st));
    bind_text(s, 2, now);
    bind_text(s, 3, hex);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)n);
    sqlite3_bind_blob(s, 5, z, (int)clen, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    free(now);
    free(z);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "writing a snapshot");
    /* the snapshot says all the change rows of this serial say */
    if (sqlite3_prepare_v2(stk_state_db(st), "DELETE FROM changes WHERE serial = ?", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "writing a snapshot");
    sqlite3_bind_int64(s, 1, stk_state_serial(st));
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "writing a snapshot");
    stk_state_snapshot_written(st, objects);
    return 0;
}

/* The stored snapshot of `serial`: 1 found, 0 none, -1 error. */
static int snapshot_at(stk_state *st, int64_t serial, char **json, stk_diags *d)
{
    *json = NULL;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st), "SELECT sha256, size, data FROM snapshots WHERE serial = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return sqlerr(st, d, "reading a snapshot");
    sqlite3_bind_int64(s, 1, serial);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(s);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return sqlerr(st, d, "reading a snapshot");
    }
    char *want = col_dup(s, 0);
    uLongf n = (uLongf)sqlite3_column_int64(s, 1);
    const void *z = sqlite3_column_blob(s, 2);
    int zn = sqlite3_column_bytes(s, 2);
    char *text = stk_xmalloc(n + 1);
    int zrc = uncompress((Bytef *)text, &n, z, (uLong)zn);
    sqlite3_finalize(s);
    char hex[65] = "";
    if (zrc == Z_OK) {
        text[n] = 0;
        sha256_hex(text, n, hex);
    }
    if (zrc != Z_OK || !want || strcmp(hex, want) != 0) {
        stk_diags_error(d, NULL, "Corrupt state snapshot",
                        "The snapshot of serial %lld in %s does not decompress to its recorded digest.",
                        (long long)serial, stk_state_path(st));
        free(text);
        free(want);
        return -1;
    }
    free(want);
    *json = text;
    return 1;
}

/* ---- replay of change rows ---------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static char *jdup(json_t *o, const char *k)
{
    const char *v = jstr(o, k);
    return v ? stk_xstrdup(v) : NULL;
}

/* A state being rebuilt: the objects of a snapshot, looked up by key;
   deleted ones stay in their slot, marked dead, until the end. */
typedef struct {
    stk_tfstate *t;
    stk_strmap inst, outs;      /* key -> slot + 1 */
    char **keys;                /* the map keys (owned) */
    size_t nkeys;
    unsigned char *idead, *odead;
} rebuild;

static const char *own_key(rebuild *r, char *k)
{
    r->keys = stk_xrealloc(r->keys, (r->nkeys + 1) * sizeof *r->keys);
    r->keys[r->nkeys++] = k;
    return k;
}

static void rebuild_init(rebuild *r, stk_tfstate *t)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    r->idead = stk_xcalloc(t->instances.len + 1, 1);
    r->odead = stk_xcalloc(t->outputs.len + 1, 1);
    for (size_t i = 0; i < t->instances.len; i++) {
        const stk_state_instance *in = &t->instances.items[i];
        const char *k = own_key(r, stk_xasprintf("%s\x1f%s", in->address, in->deposed ? in->deposed : ""));
        stk_strmap_put(&r->inst, k, (void *)(uintptr_t)(i + 1));
    }
    for (size_t i = 0; i < t->outputs.len; i++)
        stk_strmap_put(&r->outs, own_key(r, stk_xstrdup(t->outputs.items[i].name)), (void *)(uintptr_t)(i + 1));
}

static int rebuild_apply(rebuild *r, const char *kind, const char *key, const char *deposed, const char *rowtext,
                         stk_diags *d)
{
    json_t *row = NULL;
    if (rowtext) {
        json_error_t e;
        row = json_loads(rowtext, 0, &e);
        if (!json_is_object(row)) {
            json_decref(row);
            stk_diags_error(d, NULL, "Corrupt state history", "A change row of %s is not a JSON object.", key);
            return -1;
        }
    }
    stk_tfstate *t = r->t;
    if (strcmp(kind, "instance") == 0) {
        char *k = stk_xasprintf("%s\x1f%s", key, deposed);
        size_t slot = (size_t)(uintptr_t)stk_strmap_get(&r->inst, k);
        if (!row) {
            if (slot) r->idead[slot - 1] = 1;
            free(k);
            return 0;
        }
        if (!slot) {
            t->instances.items = stk_xrealloc(t->instances.items, (t->instances.len + 1) * sizeof *t->instances.items);
            r->idead = stk_xrealloc(r->idead, t->instances.len + 1);
            slot = ++t->instances.len;
            stk_strmap_put(&r->inst, own_key(r, k), (void *)(uintptr_t)slot);
        } else {
            stk_state_instance_free(&t->instances.items[slot - 1]);
            free(k);
        }
        stk_state_instance *in = &t->instances.items[slot - 1];
        memset(in, 0, sizeof *in);
        r->idead[slot - 1] = 0;
        in->address = stk_xstrdup(key);
        in->deposed = stk_xstrdup(deposed);
        in->provider = jdup(row, "provider");
        in->schema_version = (long long)json_integer_value(json_object_get(row, "schema_version"));
        in->attributes = jdup(row, "attributes");
        in->sensitive_paths = jdup(row, "sensitive_paths");
        in->dependencies = jdup(row, "dependencies");
        in->private_data = jdup(row, "private");
        in->extra = jdup(row, "extra");
        const char *status = jstr(row, "status");
        in->tainted = status && strcmp(status, "tainted") == 0;
        in->create_before_destroy = json_integer_value(json_object_get(row, "create_before_destroy")) != 0;
    } else {
        size_t slot = (size_t)(uintptr_t)stk_strmap_get(&r->outs, key);
        if (!row) {
            if (slot) r->odead[slot - 1] = 1;
            return 0;
        }
        if (!slot) {
            t->outputs.items = stk_xrealloc(t->outputs.items, (t->outputs.len + 1) * sizeof *t->outputs.items);
            r->odead = stk_xrealloc(r->odead, t->outputs.len + 1);
            slot = ++t->outputs.len;
            stk_strmap_put(&r->outs, own_key(r, stk_xstrdup(key)), (void *)(uintptr_t)slot);
        } else {
            stk_state_output_free(&t->outputs.items[slot - 1]);
        }
        stk_state_output *o = &t->outputs.items[slot - 1];
        r->odead[slot - 1] = 0;
        o->name = stk_xstrdup(key);
        o->value = jdup(row, "value");
        o->type = jdup(row, "type");
        o->sensitive = json_integer_value(json_object_get(row, "sensitive")) != 0;
    }
    json_decref(row);
    return 0;
}

/* Drop the dead slots and the maps. */
static void rebuild_finish(rebuild *r)
{
    stk_tfstate *t = r->t;
    size_t k = 0;
    for (size_t i = 0; i < t->instances.len; i++) {
        if (r->idead[i]) stk_state_instance_free(&t->instances.items[i]);
        else t->instances.items[k++] = t->instances.items[i];
    }
    t->instances.len = k;
    k = 0;
    for (size_t i = 0; i < t->outputs.len; i++) {
        if (r->odead[i]) stk_state_output_free(&t->outputs.items[i]);
        else t->outputs.items[k++] = t->outputs.items[i];
    }
    t->outputs.len = k;
    stk_strmap_free(&r->inst);
    stk_strmap_free(&r->outs);
    for (size_t i = 0; i < r->nkeys; i++) free(r->keys[i]);
    free(r->keys);
    free(r->idead);
    free(r->odead);
}

/* A single int64 from a query with one bound int64 (or none): 1 row, 0 none
   (or NULL), -1 error. */
static int query_int(stk_state *st, const char *sql, int64_t arg, int64_t *out, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st), sql, -1, &s, NULL) != SQLITE_OK) return sqlerr(st, d, "reading history");
    if (sqlite3_bind_parameter_count(s) > 0) sqlite3_bind_int64(s, 1, arg);
    int rc = sqlite3_step(s), ret = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        *out = sqlite3_column_int64(s, 0);
        ret = 1;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ret = sqlerr(st, d, "reading history");
    }
    sqlite3_finalize(s);
    return ret;
}

int stk_history_state_at(stk_state *st, int64_t serial, char **json, stk_diags *d)
{
    *json = NULL;
    int found = snapshot_at(st, serial, json, d);
    if (found != 0) return found;
    /* no snapshot: the serial exists when change rows carry it; it is the
       nearest older snapshot with the rows after it replayed */
    int64_t one = 0, base = 0;
    found = query_int(st, "SELECT 1 FROM changes WHERE serial = ? LIMIT 1", serial, &one, d);
    if (found <= 0) return found;
    found = query_int(st, "SELECT max(serial) FROM snapshots WHERE serial < ?", serial, &base, d);
    if (found < 0) return -1;
    if (!found) {
        stk_diags_error(d, NULL, "Corrupt state history",
                        "Serial %lld of %s has change rows but no older snapshot to apply them to.",
                        (long long)serial, stk_state_path(st));
        return -1;
    }
    char *text = NULL;
    if (snapshot_at(st, base, &text, d) != 1) return -1;
    stk_tfstate t;
    int rc = stk_tfstate_parse_text(text, &t, d);
    free(text);
    if (rc) return -1;
    rebuild r;
    rebuild_init(&r, &t);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st),
                           "SELECT kind, key, deposed, row FROM changes WHERE serial > ? AND serial <= ? ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        rc = sqlerr(st, d, "reading history");
    } else {
        sqlite3_bind_int64(s, 1, base);
        sqlite3_bind_int64(s, 2, serial);
        int step;
        while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW)
            rc = rebuild_apply(&r, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
                               (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3), d);
        if (rc == 0 && step != SQLITE_DONE) rc = sqlerr(st, d, "reading history");
        sqlite3_finalize(s);
    }
    rebuild_finish(&r);
    if (rc == 0) {
        t.serial = serial;
        json_t *root = stk_tfstate_build(&t);
        *json = stk_json_dump(root, STK_JSON_COMPACT | STK_JSON_SORT_KEYS);
        json_decref(root);
    }
    stk_tfstate_free(&t);
    return rc ? -1 : 1;
}

int stk_history_snapshots(stk_state *st, stk_snapshot_info **out, size_t *n, stk_diags *d)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st), "SELECT serial, created_at, sha256, size FROM snapshots ORDER BY serial",
                           -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "listing snapshots");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = stk_xrealloc(*out, cap * sizeof **out);
        }
        stk_snapshot_info *i = &(*out)[(*n)++];
        i->serial = sqlite3_column_int64(s, 0);
        i->created_at = col_dup(s, 1);
        i->sha256 = col_dup(s, 2);
        i->size = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        stk_history_snapshots_free(*out, *n);
        *out = NULL;
        *n = 0;
        return sqlerr(st, d, "listing snapshots");
    }
    return 0;
}

void stk_history_snapshots_free(stk_snapshot_info *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].created_at);
        free(s[i].sha256);
    }
    free(s);
}

struct restore_ctx {
    int64_t serial;
};

static int do_restore(stk_state *st, void *ud, stk_diags *d)
{
    struct restore_ctx *c = ud;
    char *text = NULL;
    int found = stk_history_state_at(st, c->serial, &text, d);
    if (found < 0) return -1;
    if (!found) {
        stk_diags_error(d, NULL, "No such serial",
                        "The state history has no serial %lld (the current serial is %lld); see `stk state "
                        "history`.", (long long)c->serial, (long long)stk_state_serial(st));
        return -1;
    }
    stk_tfstate t;
    int rc = stk_tfstate_parse_text(text, &t, d);
    free(text);
    if (rc) return -1;
    rc = stk_state_replace_all(st, &t.instances, &t.outputs, NULL, NULL, 0, d);
    stk_tfstate_free(&t);
    return rc;
}

int stk_history_restore(stk_state *st, int64_t serial, stk_diags *d)
{
    struct restore_ctx c = {serial};
    return stk_state_with_tx(st, do_restore, &c, d);
}

/* ---- command history ---------------------------------------------------- */

/* The process's git provenance (stk_history_set_git), used by rows
   recorded without git fields of their own. */
static stk_history_entry g_git = {.git_dirty = -1};

void stk_history_set_git(const char *commit, int dirty, const char *branch, const char *author,
                         const char *subject)
{
    free(g_git.git_commit);
    free(g_git.git_branch);
    free(g_git.git_author);
    free(g_git.git_subject);
    g_git.git_commit = commit ? stk_xstrdup(commit) : NULL;
    g_git.git_branch = branch ? stk_xstrdup(branch) : NULL;
    g_git.git_author = author ? stk_xstrdup(author) : NULL;
    g_git.git_subject = subject ? stk_xstrdup(subject) : NULL;
    g_git.git_dirty = commit ? dirty : -1;
}

static int do_record(stk_state *st, void *ud, stk_diags *d)
{
    const stk_history_entry *e = ud;
    stk_history_entry withgit;
    if (!e->git_commit && e->git_dirty < 0 && g_git.git_commit) {
        withgit = *e;
        withgit.git_commit = g_git.git_commit;
        withgit.git_dirty = g_git.git_dirty;
        withgit.git_branch = g_git.git_branch;
        withgit.git_author = g_git.git_author;
        withgit.git_subject = g_git.git_subject;
        e = &withgit;
    }
    /* the serial a command left keeps a snapshot (history rows point at
       snapshots): one O(state) write per command, not per change */
    int have = stk_history_has_snapshot(st, stk_state_serial(st), d);
    if (have < 0 || (!have && stk_history_snapshot(st, d))) return -1;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st),
                           "INSERT INTO history(serial, at, who, command, plan_summary, plan_json, git_commit, "
                           "git_dirty, git_branch, git_author, git_subject) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "recording history");
    char *now = e->at ? NULL : stk_state_now();
    char *who = e->who ? NULL : stk_history_who();
    sqlite3_bind_int64(s, 1, stk_state_serial(st));
    bind_text(s, 2, e->at ? e->at : now);
    bind_text(s, 3, e->who ? e->who : who);
    bind_text(s, 4, e->command ? e->command : "");
    bind_text(s, 5, e->plan_summary);
    bind_text(s, 6, e->plan_json);
    bind_text(s, 7, e->git_commit);
    if (e->git_dirty >= 0) sqlite3_bind_int(s, 8, e->git_dirty);
    else sqlite3_bind_null(s, 8);
    bind_text(s, 9, e->git_branch);
    bind_text(s, 10, e->git_author);
    bind_text(s, 11, e->git_subject);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    free(now);
    free(who);
    return rc == SQLITE_DONE ? 0 : sqlerr(st, d, "recording history");
}

int stk_history_record(stk_state *st, const stk_history_entry *e, stk_diags *d)
{
    return stk_state_with_tx(st, do_record, (void *)e, d);
}

int stk_history_list(stk_state *st, stk_history_entry **out, size_t *n, stk_diags *d)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st),
                           "SELECT id, serial, at, who, command, plan_summary, plan_json, git_commit, git_dirty, "
                           "git_branch, git_author, git_subject FROM history ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "reading history");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = stk_xrealloc(*out, cap * sizeof **out);
        }
        stk_history_entry *e = &(*out)[(*n)++];
        e->id = sqlite3_column_int64(s, 0);
        e->serial = sqlite3_column_int64(s, 1);
        e->at = col_dup(s, 2);
        e->who = col_dup(s, 3);
        e->command = col_dup(s, 4);
        e->plan_summary = col_dup(s, 5);
        e->plan_json = col_dup(s, 6);
        e->git_commit = col_dup(s, 7);
        e->git_dirty = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 8);
        e->git_branch = col_dup(s, 9);
        e->git_author = col_dup(s, 10);
        e->git_subject = col_dup(s, 11);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        stk_history_entries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return sqlerr(st, d, "reading history");
    }
    return 0;
}

void stk_history_entries_free(stk_history_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].at);
        free(e[i].who);
        free(e[i].command);
        free(e[i].plan_summary);
        free(e[i].plan_json);
        free(e[i].git_commit);
        free(e[i].git_branch);
        free(e[i].git_author);
        free(e[i].git_subject);
    }
    free(e);
}
