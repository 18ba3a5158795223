/* test_state.c - the local state store: schema and migrations, instances and
 * filters, mv/rm, serial and lineage rules, the journal and its recovery,
 * history and restore, Terraform v4 round trip and push rules, locks
 * (two handles and a forked holder), workspaces and the backup hook. */
#include "test.h"
#include "state/addr.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/json.h"
#include "state/lock.h"
#include "state/session.h"
#include "state/store.h"
#include "state/tfstate.h"
#include "state/workspace.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static char *tmpdir(void)
{
    char t[] = "/tmp/stk-state-XXXXXX";
    char *p = mkdtemp(t);
    return p ? stk_xstrdup(p) : NULL;
}

static void rmrf(char *dir)
{
    char *cmd = stk_xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    free(cmd);
    free(dir);
}

static int diags_mention(const stk_diags *d, const char *what)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].summary, what) || (d->items[i].detail && strstr(d->items[i].detail, what))) return 1;
    return 0;
}

static void dump_diags(const stk_diags *d)
{
    for (size_t i = 0; i < d->len; i++)
        fprintf(stderr, "  diag: %s: %s\n", d->items[i].summary, d->items[i].detail ? d->items[i].detail : "");
}

static stk_state *open_ws(const char *dir, const char *ws)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_state *st = NULL;
    if (stk_state_open(dir, ws, &st, &d)) dump_diags(&d);
    stk_diags_free(&d);
    return st;
}

static int put(stk_state *st, const char *addr, const char *attrs)
{
    stk_state_instance in = {0};
    in.address = (char *)addr;
    in.provider = (char *)"provider[\"registry.terraform.io/hashicorp/aws\"]";
    in.attributes = (char *)attrs;
    stk_diags d = STK_DIAGS_INIT;
    int rc = stk_state_put(st, &in, &d);
    if (rc) dump_diags(&d);
    stk_diags_free(&d);
    return rc;
}

static int user_version(const char *path)
{
    sqlite3 *db;
    int v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
            if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int(s, 0);
            sqlite3_finalize(s);
        }
    }
    sqlite3_close(db);
    return v;
}

static size_t count(stk_state *st, const char *filter)
{
    stk_state_instance_list l;
    stk_diags d = STK_DIAGS_INIT;
    const char *f[1] = {filter};
    if (stk_state_list(st, filter ? f : NULL, filter ? 1 : 0, &l, &d)) {
        dump_diags(&d);
        stk_diags_free(&d);
        return (size_t)-1;
    }
    size_t n = l.len;
    stk_state_instance_list_free(&l);
    stk_diags_free(&d);
    return n;
}

/* ---- addresses ----------------------------------------------------------- */

static void test_addr(void)
{
    stk_addr a;
    char *err = NULL;
    CHECK(stk_addr_parse("module.net.module.sub[\"x.y\"].aws_subnet.public[0]", &a, &err) == 0);
    CHECK_INT(a.nmodules, 2);
    CHECK_STR(a.modules[1].key.s, "x.y");
    CHECK_STR(a.type, "aws_subnet");
    CHECK_INT(a.key.i, 0);
    char *s = stk_addr_format(&a);
    CHECK_STR(s, "module.net.module.sub[\"x.y\"].aws_subnet.public[0]");
    free(s);
    s = stk_addr_module_string(&a);
    CHECK_STR(s, "module.net.module.sub[\"x.y\"]");
    free(s);
    stk_addr_free(&a);
    CHECK(stk_addr_parse("data.aws_ami.u[\"a\\\"b\"]", &a, NULL) == 0);
    CHECK(a.mode == STK_MODE_DATA);
    CHECK_STR(a.key.s, "a\"b");
    s = stk_addr_format(&a);
    CHECK_STR(s, "data.aws_ami.u[\"a\\\"b\"]");
    free(s);
    stk_addr_free(&a);
    CHECK(stk_addr_parse("aws_vpc", &a, &err) == -1);
    CHECK(err && strstr(err, "aws_vpc"));
    free(err);
    err = NULL;
    CHECK(stk_addr_parse("aws_vpc.x[0", &a, &err) == -1);
    free(err);
    CHECK(stk_addr_parse("aws_vpc.x junk", &a, NULL) == -1);
}

static void test_json_writer(void)
{
    stk_diags d = STK_DIAGS_INIT;
    json_t *j = stk_json_load("{\"b\":[0.1,3.14,1e300,-2.5e-7,80.0,7],\"a\":\"q\\\"\\n\\u0001\u00e9\",\"c\":{}}", "t", &d);
    CHECK(j != NULL);
    char *s = stk_json_dump(j, STK_JSON_COMPACT);
    CHECK_STR(s, "{\"b\":[0.1,3.14,1e+300,-2.5e-7,80,7],\"a\":\"q\\\"\\n\\u0001\u00e9\",\"c\":{}}");
    free(s);
    s = stk_json_dump(j, STK_JSON_SORT_KEYS | STK_JSON_INDENT);
    CHECK(s && strncmp(s, "{\n  \"a\": ", 9) == 0 && strstr(s, "\"c\": {}\n}"));
    /* reading the text back gives the same values (80.0 comes back as the integer 80) */
    json_t *back = s ? json_loads(s, 0, NULL) : NULL;
    char *s1 = stk_json_dump(back, STK_JSON_SORT_KEYS), *s2 = stk_json_dump(j, STK_JSON_SORT_KEYS);
    CHECK_STR(s1, s2);
    free(s1);
    free(s2);
    json_decref(back);
    free(s);
    json_decref(j);
    /* shortest text that reads back to the same double */
    srand(7);
    int exact = 1;
    for (int i = 0; i < 2000; i++) {
        double v = ((double)rand() / RAND_MAX - 0.5) * pow(10, rand() % 40 - 20);
        char buf[64];
        stk_json_format_real(v, buf, sizeof buf);
        if (strtod(buf, NULL) != v) exact = 0;
    }
    CHECK(exact);
    /* integers beyond 64 bits: read as doubles, with a warning */
    j = stk_json_load("{\"n\":123456789012345678901234}", "big.json", &d);
    CHECK(j && json_is_real(json_object_get(j, "n")));
    CHECK(!stk_diags_has_errors(&d) && diags_mention(&d, "big.json"));
    json_decref(j);
    CHECK(stk_json_load("{nope", "bad.json", &d) == NULL);
    CHECK(stk_diags_has_errors(&d));
    stk_diags_free(&d);
}

/* ---- schema ---------------------------------------------------------------- */

static void test_open_mode_and_identity(void)
{
    char *dir = tmpdir();
    mode_t old = umask(0);   /* the 0600 must not depend on the umask */
    stk_state *st = open_ws(dir, "default");
    umask(old);
    CHECK(st != NULL);
    if (!st) { rmrf(dir); return; }
    struct stat sb;
    char *path = stk_xasprintf("%s/.stk/default.db", dir);
    CHECK(stat(path, &sb) == 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    char *wal = stk_xasprintf("%s-wal", path);
    if (stat(wal, &sb) == 0) CHECK_INT(sb.st_mode & 0777, 0600);
    free(wal);
    CHECK_INT(user_version(path), STK_STATE_SCHEMA_VERSION);
    const char *lin = stk_state_lineage(st);
    CHECK(lin && strlen(lin) == 36 && lin[14] == '4');
    char *lineage = stk_xstrdup(lin);
    CHECK_INT(stk_state_serial(st), 0);
    stk_state_close(st);
    st = open_ws(dir, "default");
    CHECK_STR(stk_state_lineage(st), lineage);   /* fixed at creation */
    stk_state_close(st);
    /* another workspace gets another lineage */
    st = open_ws(dir, "other");
    CHECK(strcmp(stk_state_lineage(st), lineage) != 0);
    stk_state_close(st);
    free(lineage);
    free(path);
    rmrf(dir);
}

static void test_newer_schema_refused(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_state_close(st);
    char *path = stk_xasprintf("%s/.stk/default.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    stk_diags d = STK_DIAGS_INIT;
    CHECK(stk_state_open(dir, "default", &st, &d) == -1);
    CHECK(st == NULL);
    CHECK(diags_mention(&d, "newer"));
    CHECK(diags_mention(&d, "99"));
    CHECK_INT(user_version(path), 99);   /* left untouched */
    stk_diags_free(&d);
    free(path);
    rmrf(dir);
}

static void test_migration_from_v1(void)
{
    char *dir = tmpdir();
    char *path = stk_xasprintf("%s/v1.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    CHECK(sqlite3_exec(db, stk_state_migration_sql(1), NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "INSERT INTO meta VALUES('lineage','11111111-2222-4333-8444-555555555555'),('serial','7');"
                       "INSERT INTO schema_migrations VALUES(1,'2026-01-01T00:00:00Z');"
                       "INSERT INTO instances(address, module, mode, type, name, provider, attributes, created_at, "
                       "updated_at) VALUES('aws_vpc.main','','managed','aws_vpc','main','provider[\"x\"]',"
                       "'{\"id\":\"vpc-1\"}','t','t');"
                       "PRAGMA user_version = 1;",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    stk_diags d = STK_DIAGS_INIT;
    stk_state *st = NULL;
    CHECK(stk_state_open_path(path, 0, &st, &d) == 0);
    dump_diags(&d);
    if (st) {
        CHECK_INT(stk_state_serial(st), 7);
        CHECK_STR(stk_state_lineage(st), "11111111-2222-4333-8444-555555555555");
        CHECK_INT(count(st, NULL), 1);
        char *json = NULL;
        CHECK_INT(stk_history_state_at(st, 7, &json, &d), 1);   /* the migrated serial has its snapshot */
        CHECK(json && strstr(json, "vpc-1"));
        free(json);
        stk_state_close(st);
    }
    CHECK_INT(user_version(path), STK_STATE_SCHEMA_VERSION);
    sqlite3_open(path, &db);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "SELECT group_concat(version) FROM schema_migrations", -1, &s, NULL);
    CHECK(sqlite3_step(s) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(s, 0), "1,2,3");
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* open_path without create refuses a missing file */
    char *missing = stk_xasprintf("%s/none.db", dir);
    CHECK(stk_state_open_path(missing, 0, &st, &d) == -1);
    free(missing);
    stk_diags_free(&d);
    free(path);
    rmrf(dir);
}

/* ---- instances, serial ------------------------------------------------------ */

static void test_serial_rules(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    CHECK(put(st, "aws_vpc.main", "{\"id\":\"vpc-1\"}") == 0);
    CHECK_INT(stk_state_serial(st), 1);
    /* a transaction with several changes: one serial */
    CHECK(stk_state_begin(st, &d) == 0);
    CHECK(stk_state_begin(st, &d) == -1);   /* no nesting */
    put(st, "aws_subnet.a[0]", "{}");
    put(st, "aws_subnet.a[1]", "{}");
    CHECK(stk_state_commit(st, &d) == 0);
    CHECK_INT(stk_state_serial(st), 2);
    /* rollback: nothing and no serial */
    CHECK(stk_state_begin(st, &d) == 0);
    put(st, "aws_subnet.a[2]", "{}");
    stk_state_rollback(st);
    CHECK_INT(stk_state_serial(st), 2);
    CHECK_INT(count(st, NULL), 3);
    /* a transaction that changes nothing keeps the serial */
    CHECK(stk_state_begin(st, &d) == 0);
    CHECK(stk_state_commit(st, &d) == 0);
    CHECK_INT(stk_state_serial(st), 2);
    /* deleting nothing keeps it too */
    CHECK_INT(stk_state_delete(st, "aws_vpc.none", NULL, &d), 0);
    CHECK_INT(stk_state_serial(st), 2);
    CHECK_INT(stk_state_delete(st, "aws_vpc.main", NULL, &d), 1);
    CHECK_INT(stk_state_serial(st), 3);
    /* get: canonical form and round trip of fields */
    stk_state_instance in = {0}, got;
    in.address = "aws_s3_bucket.b[\"logs\"]";
    in.deposed = "dead0001";
    in.provider = "provider[\"registry.terraform.io/hashicorp/aws\"].eu";
    in.schema_version = 3;
    in.attributes = "{\"bucket\":\"logs\",\"password\":\"x\"}";
    in.sensitive_paths = "[[{\"type\":\"get_attr\",\"value\":\"password\"}]]";
    in.dependencies = "[\"aws_vpc.main\"]";
    in.tainted = 1;
    in.create_before_destroy = 1;
    CHECK(stk_state_put(st, &in, &d) == 0);
    CHECK_INT(stk_state_get(st, "aws_s3_bucket.b[\"logs\"]", NULL, &got, &d), 0);   /* deposed only */
    CHECK_INT(stk_state_get(st, "aws_s3_bucket.b[\"logs\"]", "dead0001", &got, &d), 1);
    CHECK_STR(got.provider, in.provider);
    CHECK_INT(got.schema_version, 3);
    CHECK(got.tainted && got.create_before_destroy);
    CHECK_STR(got.dependencies, "[\"aws_vpc.main\"]");
    CHECK_STR(got.parts.key.s, "logs");
    CHECK(got.created_at && got.created_at[4] == '-');
    stk_state_instance_free(&got);
    /* bad JSON and bad addresses are refused with a diagnostic */
    in.attributes = "{bad";
    CHECK(stk_state_put(st, &in, &d) == -1);
    CHECK(diags_mention(&d, "Invalid JSON"));
    in.attributes = "{}";
    in.address = "module.x";
    CHECK(stk_state_put(st, &in, &d) == -1);
    int64_t s = stk_state_serial(st);
    CHECK_INT(s, 4);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

static void seed(stk_state *st)
{
    put(st, "aws_vpc.main", "{\"id\":\"vpc-1\"}");
    put(st, "aws_subnet.pub[0]", "{\"id\":\"s-0\"}");
    put(st, "aws_subnet.pub[1]", "{\"id\":\"s-1\"}");
    put(st, "module.net.aws_subnet.priv[\"a\"]", "{}");
    put(st, "module.net.module.sub.aws_x.y", "{}");
    put(st, "module.net2.aws_z.q", "{}");
    put(st, "module.app[0].aws_z.q", "{}");
    put(st, "module.app[1].aws_z.q", "{}");
    put(st, "data.aws_ami.u", "{}");
}

static void test_list_filters(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    seed(st);
    CHECK_INT(count(st, NULL), 9);
    CHECK_INT(count(st, "aws_subnet.pub"), 2);
    CHECK_INT(count(st, "aws_subnet.pub[1]"), 1);
    CHECK_INT(count(st, "aws_subnet.pub[7]"), 0);
    CHECK_INT(count(st, "module.net"), 2);   /* not module.net2 */
    CHECK_INT(count(st, "module.net.module.sub"), 1);
    CHECK_INT(count(st, "module.net.aws_subnet.priv"), 1);
    CHECK_INT(count(st, "aws_z.q"), 0);      /* root module only */
    CHECK_INT(count(st, "module.app"), 2);   /* every instance of the module */
    CHECK_INT(count(st, "module.app[1]"), 1);
    CHECK_INT(count(st, "data.aws_ami.u"), 1);
    CHECK_INT(count(st, "aws_ami.u"), 0);    /* managed, not data */
    stk_state_instance_list l;
    stk_diags d = STK_DIAGS_INIT;
    const char *f[2] = {"aws_vpc.main", "data.aws_ami.u"};
    CHECK(stk_state_list(st, f, 2, &l, &d) == 0);
    CHECK_INT(l.len, 2);
    if (l.len == 2) {
        CHECK_STR(l.items[0].address, "data.aws_ami.u");   /* Terraform's order: data before managed */
        CHECK_STR(l.items[1].address, "aws_vpc.main");
    }
    stk_state_instance_list_free(&l);
    const char *bad[1] = {"not an address"};
    CHECK(stk_state_list(st, bad, 1, &l, &d) == -1);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

static void test_mv_rm(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    seed(st);
    stk_diags d = STK_DIAGS_INIT;
    size_t n = 0;
    /* one instance to a new resource without key */
    CHECK(stk_state_mv(st, "aws_subnet.pub[1]", "aws_subnet.other", &n, &d) == 0);
    CHECK_INT(n, 1);
    stk_state_instance got;
    CHECK_INT(stk_state_get(st, "aws_subnet.other", NULL, &got, &d), 1);
    CHECK_STR(got.attributes, "{\"id\":\"s-1\"}");
    stk_state_instance_free(&got);
    /* a whole resource keeps its keys */
    CHECK(stk_state_mv(st, "aws_subnet.pub", "aws_subnet.public", &n, &d) == 0);
    CHECK_INT(count(st, "aws_subnet.public[0]"), 1);
    CHECK_INT(count(st, "aws_subnet.pub"), 0);
    /* a module with everything under it */
    CHECK(stk_state_mv(st, "module.net", "module.network", &n, &d) == 0);
    CHECK_INT(n, 2);
    CHECK_INT(count(st, "module.network.module.sub.aws_x.y"), 1);
    CHECK_INT(count(st, "module.net"), 0);
    /* into a module */
    CHECK(stk_state_mv(st, "aws_vpc.main", "module.network.aws_vpc.main", &n, &d) == 0);
    CHECK_INT(count(st, "module.network.aws_vpc.main"), 1);
    /* several instances onto one address: refused */
    put(st, "aws_subnet.two[0]", "{}");
    put(st, "aws_subnet.two[1]", "{}");
    CHECK(stk_state_mv(st, "aws_subnet.two", "aws_subnet.one[0]", &n, &d) == -1);
    CHECK(diags_mention(&d, "several instances"));
    CHECK(stk_state_rm(st, "aws_subnet.two", &n, &d) == 0);
    /* module instance keys: add one, move one instance of a module out */
    CHECK(stk_state_mv(st, "module.network", "module.net[\"a\"]", &n, &d) == 0);
    CHECK_INT(count(st, "module.net[\"a\"].module.sub.aws_x.y"), 1);
    CHECK(stk_state_mv(st, "module.app[1]", "module.solo", &n, &d) == 0);
    CHECK_INT(count(st, "module.solo.aws_z.q"), 1);
    CHECK_INT(count(st, "module.app[0].aws_z.q"), 1);
    CHECK(stk_state_mv(st, "module.solo.aws_z.q", "module.app[1].aws_z.q", &n, &d) == 0);
    CHECK_INT(count(st, "module.app"), 2);
    /* a no-key instance gets a key */
    CHECK(stk_state_mv(st, "aws_subnet.other", "aws_subnet.other[3]", &n, &d) == 0);
    CHECK_INT(count(st, "aws_subnet.other[3]"), 1);
    /* refusals */
    int64_t s = stk_state_serial(st);
    CHECK(stk_state_mv(st, "aws_subnet.public[0]", "aws_vpc.x", &n, &d) == -1);
    CHECK(diags_mention(&d, "type"));
    CHECK(stk_state_mv(st, "aws_subnet.public[0]", "aws_subnet.other[3]", &n, &d) == -1);
    CHECK(diags_mention(&d, "already exists"));
    CHECK(stk_state_mv(st, "aws_subnet.nothing", "aws_subnet.x", &n, &d) == -1);
    CHECK(stk_state_mv(st, "module.app", "aws_z.q", &n, &d) == -1);
    CHECK_INT(stk_state_serial(st), s);   /* failed moves change nothing */
    /* rm */
    CHECK(stk_state_rm(st, "module.app", &n, &d) == 0);
    CHECK_INT(n, 2);
    CHECK(stk_state_rm(st, "module.app", &n, &d) == -1);
    CHECK(diags_mention(&d, "No matching"));
    CHECK_INT(count(st, NULL), 7);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

/* ---- journal ---------------------------------------------------------------- */

static int reader(void *ud, const stk_journal_intent *in, char **attrs, const char **found_by, stk_diags *d)
{
    (void)ud;
    (void)d;
    json_t *info = json_loads(in->info, 0, NULL);
    const char *token = json_string_value(json_object_get(info, "token"));
    int found = token && strcmp(token, "tok-created") == 0;
    *found_by = "its test token";
    if (found) *attrs = stk_xstrdup("{\"id\":\"vpc-found\",\"cidr_block\":\"10.0.0.0/16\"}");
    json_decref(info);
    return found;
}

static void test_journal(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0;
    /* refused inside a transaction */
    stk_state_begin(st, &d);
    CHECK(stk_journal_intent_begin(st, "aws_vpc.a", STK_ACTION_CREATE, "{}", &id1, &d) == -1);
    stk_state_rollback(st);
    CHECK(stk_journal_intent_begin(st, "aws_vpc.a", STK_ACTION_CREATE,
                                   "{\"token\":\"tok-created\",\"provider\":\"provider[\\\"registry.terraform.io/"
                                   "hashicorp/aws\\\"]\",\"dependencies\":[\"aws_x.y\"]}",
                                   &id1, &d) == 0);
    CHECK(stk_journal_intent_begin(st, "aws_vpc.b", STK_ACTION_CREATE, "{\"token\":\"tok-never\"}", &id2, &d) == 0);
    put(st, "aws_vpc.c", "{\"id\":\"vpc-c\"}");
    CHECK(stk_journal_intent_begin(st, "aws_vpc.c", STK_ACTION_DELETE, "{\"id\":\"vpc-c\"}", &id3, &d) == 0);
    CHECK(stk_journal_intent_begin(st, "aws_vpc.d", STK_ACTION_CREATE, "{\"name\":\"d\"}", &id4, &d) == 0);
    CHECK(id1 > 0 && id2 > id1 && id3 > id2);
    int64_t serial = stk_state_serial(st);
    /* finish one normally: state + done in one transaction */
    stk_state_instance in = {0};
    in.address = "aws_vpc.d";
    in.provider = "provider[\"registry.terraform.io/hashicorp/aws\"]";
    in.attributes = "{\"id\":\"vpc-d\"}";
    stk_journal_result r = {STK_JOURNAL_APPLIED, &in, NULL};
    CHECK(stk_journal_intent_finish(st, id4, &r, &d) == 0);
    CHECK_INT(stk_state_serial(st), serial + 1);
    CHECK(stk_journal_intent_finish(st, id4, &r, &d) == -1);   /* only once */
    /* "crash": close and reopen; the others are pending */
    stk_state_close(st);
    st = open_ws(dir, "default");
    stk_journal_list pend;
    CHECK(stk_journal_pending(st, &pend, &d) == 0);
    CHECK_INT(pend.len, 3);
    if (pend.len == 3) {
        CHECK_STR(pend.items[0].address, "aws_vpc.a");
        CHECK(pend.items[2].action == STK_ACTION_DELETE);
    }
    stk_journal_list_free(&pend);
    stk_journal_list rec;
    stk_diags_free(&d);
    CHECK(stk_journal_recover(st, reader, NULL, &rec, &d) == 0);
    dump_diags(&d);
    CHECK_INT(rec.len, 3);
    if (rec.len == 3) {
        CHECK_STR(rec.items[0].status, "adopted");
        CHECK(rec.items[0].note && strstr(rec.items[0].note, "adopted") && strstr(rec.items[0].note, "vpc-found"));
        /* the note says what the reader's lookup used */
        CHECK(rec.items[0].note && strstr(rec.items[0].note, "found the object by its test token"));
        CHECK_STR(rec.items[1].status, "dropped");
        CHECK(rec.items[1].note && strstr(rec.items[1].note, "nothing found by its test token"));
        CHECK_STR(rec.items[2].status, "dropped");
        CHECK(rec.items[2].note && strstr(rec.items[2].note, "removed it from the state"));
    }
    stk_journal_list_free(&rec);
    stk_state_instance got;
    CHECK_INT(stk_state_get(st, "aws_vpc.a", NULL, &got, &d), 1);
    CHECK(got.attributes && strstr(got.attributes, "vpc-found"));
    CHECK_STR(got.dependencies, "[\"aws_x.y\"]");
    stk_state_instance_free(&got);
    CHECK_INT(stk_state_get(st, "aws_vpc.b", NULL, &got, &d), 0);
    CHECK_INT(stk_state_get(st, "aws_vpc.c", NULL, &got, &d), 0);
    CHECK(stk_journal_pending(st, &pend, &d) == 0);
    CHECK_INT(pend.len, 0);
    stk_journal_list_free(&pend);
    CHECK(stk_journal_recoveries(st, 0, &rec, &d) == 0);
    CHECK_INT(rec.len, 3);
    stk_journal_list_free(&rec);
    /* resolve by hand; a failed call leaves the state alone */
    int64_t id5;
    CHECK(stk_journal_intent_begin(st, "aws_vpc.e", STK_ACTION_UPDATE, "{\"id\":\"vpc-e\"}", &id5, &d) == 0);
    serial = stk_state_serial(st);
    stk_journal_result fail = {STK_JOURNAL_FAILED, NULL, "UnauthorizedOperation"};
    CHECK(stk_journal_intent_finish(st, id5, &fail, &d) == 0);
    CHECK_INT(stk_state_serial(st), serial);
    stk_journal_intent ji;
    CHECK_INT(stk_journal_get(st, id5, &ji, &d), 1);
    CHECK_STR(ji.status, "failed");
    CHECK_STR(ji.note, "UnauthorizedOperation");
    stk_journal_intent_free(&ji);
    CHECK(stk_journal_resolve(st, id5, NULL, NULL, &d) == -1);   /* no longer pending */
    char *note = NULL;
    int64_t id6;
    stk_journal_intent_begin(st, "aws_vpc.f", STK_ACTION_CREATE, "{\"tags\":{\"stk\":\"f\"}}", &id6, &d);
    CHECK(stk_journal_resolve(st, id6, "{\"id\":\"vpc-f\"}", &note, &d) == 0);
    CHECK(note && strstr(note, "by its tags"));
    free(note);
    /* a token in the info is not taken for the lookup's means */
    int64_t id7;
    stk_journal_intent_begin(st, "aws_vpc.g", STK_ACTION_CREATE, "{\"token\":\"t\",\"name\":\"g\"}", &id7, &d);
    CHECK(stk_journal_resolve(st, id7, "{\"id\":\"vpc-g\"}", &note, &d) == 0);
    CHECK(note && strstr(note, "by its name") && !strstr(note, "token"));
    free(note);
    CHECK(stk_journal_resolve(st, id6, "[1]", NULL, &d) == -1);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

/* ---- history ---------------------------------------------------------------- */

static void test_history_restore(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    put(st, "aws_vpc.main", "{\"id\":\"vpc-1\"}");            /* serial 1 */
    stk_history_entry e = {0};
    e.command = "stk apply";
    e.plan_summary = "1 to add, 0 to change, 0 to destroy";
    e.git_dirty = -1;
    CHECK(stk_history_record(st, &e, &d) == 0);
    put(st, "aws_vpc.main", "{\"id\":\"vpc-2\"}");            /* serial 2 */
    put(st, "aws_subnet.a", "{\"id\":\"subnet-1\"}");         /* serial 3 */
    stk_state_output o = {"vpc_id", "\"vpc-2\"", "\"string\"", 0};
    stk_state_set_output(st, &o, &d);                        /* serial 4 */
    e.command = "stk apply -auto-approve";
    e.git_commit = "abc123";
    e.git_dirty = 1;
    CHECK(stk_history_record(st, &e, &d) == 0);
    CHECK_INT(stk_state_serial(st), 4);
    char *json = NULL;
    CHECK_INT(stk_history_state_at(st, 1, &json, &d), 1);
    CHECK(json && strstr(json, "vpc-1") && !strstr(json, "subnet-1"));
    free(json);
    CHECK_INT(stk_history_state_at(st, 99, &json, &d), 0);
    CHECK(stk_history_restore(st, 1, &d) == 0);
    CHECK_INT(stk_state_serial(st), 5);                      /* a new serial */
    stk_state_instance got;
    CHECK_INT(stk_state_get(st, "aws_vpc.main", NULL, &got, &d), 1);
    CHECK_STR(got.attributes, "{\"id\":\"vpc-1\"}");
    stk_state_instance_free(&got);
    CHECK_INT(count(st, NULL), 1);
    stk_state_output_list ol;
    stk_state_list_outputs(st, &ol, &d);
    CHECK_INT(ol.len, 0);
    stk_state_output_list_free(&ol);
    CHECK(stk_history_restore(st, 4, &d) == 0);               /* and forward again */
    CHECK_INT(count(st, NULL), 2);
    CHECK(stk_history_restore(st, 77, &d) == -1);
    CHECK(diags_mention(&d, "no serial 77"));
    stk_history_entry *h;
    size_t n;
    CHECK(stk_history_list(st, &h, &n, &d) == 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(h[0].serial, 1);
        CHECK_INT(h[1].serial, 4);
        CHECK_STR(h[1].git_commit, "abc123");
        CHECK_INT(h[1].git_dirty, 1);
        CHECK_INT(h[0].git_dirty, -1);
        CHECK(h[0].who && strchr(h[0].who, '@'));
        CHECK_STR(h[0].plan_summary, "1 to add, 0 to change, 0 to destroy");
    }
    stk_history_entries_free(h, n);
    /* snapshots: the serial the store was created at, the serials the two
       recorded commands left, and the two restores (whole-content
       replacements); serials 2 and 3 are change rows replayed on 1 */
    stk_snapshot_info *si;
    CHECK(stk_history_snapshots(st, &si, &n, &d) == 0);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_INT(si[0].serial, 0);
        CHECK_INT(si[1].serial, 1);
        CHECK_INT(si[2].serial, 4);
        CHECK_INT(si[3].serial, 5);
        CHECK_INT(si[4].serial, 6);
    }
    stk_history_snapshots_free(si, n);
    CHECK_INT(stk_history_state_at(st, 3, &json, &d), 1);
    CHECK(json && strstr(json, "vpc-2") && strstr(json, "subnet-1") && !strstr(json, "vpc_id"));
    CHECK(json && strstr(json, "\"serial\":3"));
    free(json);
    /* a corrupted snapshot is detected by its digest, also when a replay
       starts from it */
    sqlite3_exec(stk_state_db(st), "UPDATE snapshots SET sha256 = 'x' WHERE serial = 1", NULL, NULL, NULL);
    CHECK_INT(stk_history_state_at(st, 1, &json, &d), -1);
    CHECK(diags_mention(&d, "digest"));
    CHECK_INT(stk_history_state_at(st, 2, &json, &d), -1);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

/* The live state as a snapshot would hold it (compact, sorted keys). */
static char *live_text(stk_state *st)
{
    stk_diags d = STK_DIAGS_INIT;
    json_t *root = stk_tfstate_export(st, &d);
    stk_diags_free(&d);
    if (!root) return stk_xstrdup("");
    char *t = stk_json_dump(root, STK_JSON_COMPACT | STK_JSON_SORT_KEYS);
    json_decref(root);
    return t;
}

/* Every serial replayed from change rows reads exactly as the live state
   read when that serial was current: puts, updates, deletes, deposed
   objects, taint, outputs, mv, rm, several changes in one transaction. */
static void test_history_replay(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    char *seen[64] = {0};
    int64_t last = 0;
#define SEEN() do { last = stk_state_serial(st); if (last < 64 && !seen[last]) seen[last] = live_text(st); } while (0)
    SEEN();
    put(st, "aws_vpc.main", "{\"id\":\"vpc-1\"}");
    SEEN();
    put(st, "module.net[0].aws_subnet.a[\"x\"]", "{\"id\":\"s-1\",\"n\":1.5}");
    SEEN();
    put(st, "aws_vpc.main", "{\"id\":\"vpc-1\",\"tags\":{\"a\":\"b\"}}");
    SEEN();
    stk_state_instance in = {0};
    in.address = "aws_s3_bucket.b";
    in.deposed = "dead0001";
    in.provider = "provider[\"registry.terraform.io/hashicorp/aws\"].eu";
    in.schema_version = 2;
    in.attributes = "{\"bucket\":\"b\",\"password\":\"p\"}";
    in.sensitive_paths = "[[{\"type\":\"get_attr\",\"value\":\"password\"}]]";
    in.dependencies = "[\"aws_vpc.main\"]";
    in.private_data = "cHJpdg==";
    in.extra = "{\"identity\":{\"x\":1}}";
    in.tainted = 1;
    in.create_before_destroy = 1;
    CHECK(stk_state_put(st, &in, &d) == 0);
    SEEN();
    stk_state_output o = {"vpc", "\"vpc-1\"", "\"string\"", 0};
    stk_state_set_output(st, &o, &d);
    SEEN();
    stk_state_output o2 = {"pw", "\"secret\"", "\"string\"", 1};
    stk_state_set_output(st, &o2, &d);
    SEEN();
    CHECK(stk_state_begin(st, &d) == 0);
    put(st, "aws_subnet.a[0]", "{}");
    put(st, "aws_subnet.a[1]", "{}");
    stk_state_delete(st, "aws_s3_bucket.b", "dead0001", &d);
    CHECK(stk_state_commit(st, &d) == 0);
    SEEN();
    size_t moved = 0;
    CHECK(stk_state_mv(st, "module.net[0]", "module.core", &moved, &d) == 0);
    SEEN();
    stk_state_delete_output(st, "vpc", &d);
    SEEN();
    size_t removed = 0;
    CHECK(stk_state_rm(st, "aws_subnet.a", &removed, &d) == 0);
    SEEN();
    put(st, "aws_subnet.a[0]", "{\"back\":true}");   /* deleted, then written again */
    SEEN();
    CHECK_INT(last, 11);
    /* only serial 0 has a stored snapshot: 1..11 are replays */
    stk_snapshot_info *si;
    size_t n = 0;
    CHECK(stk_history_snapshots(st, &si, &n, &d) == 0);
    CHECK_INT(n, 1);
    stk_history_snapshots_free(si, n);
    for (int64_t k = 0; k <= last; k++) {
        char *json = NULL;
        CHECK_INT(stk_history_state_at(st, k, &json, &d), 1);
        if (json && seen[k] && strcmp(json, seen[k]) != 0)
            fprintf(stderr, "serial %lld:\n replay %s\n live   %s\n", (long long)k, json, seen[k]);
        CHECK(json && seen[k] && strcmp(json, seen[k]) == 0);
        free(json);
    }
    char *json = NULL;
    CHECK_INT(stk_history_state_at(st, last + 1, &json, &d), 0);
    /* recording the command snapshots the serial it left; its change rows
       go, and the replays still read the same */
    stk_history_entry e = {0};
    e.command = "stk apply";
    e.git_dirty = -1;
    CHECK(stk_history_record(st, &e, &d) == 0);
    CHECK_INT(stk_history_has_snapshot(st, last, &d), 1);
    for (int64_t k = 0; k <= last; k++) {
        CHECK_INT(stk_history_state_at(st, k, &json, &d), 1);
        CHECK(json && seen[k] && strcmp(json, seen[k]) == 0);
        free(json);
    }
    /* restore a replayed serial */
    CHECK(stk_history_restore(st, 5, &d) == 0);
    char *now = live_text(st);
    CHECK_INT(stk_history_state_at(st, stk_state_serial(st), &json, &d), 1);
    CHECK(json && strcmp(json, now) == 0);
    CHECK(strstr(now, "dead0001") && !strstr(now, "pw"));
    free(json);
    free(now);
    /* a reopened store replays the same */
    stk_state_close(st);
    st = open_ws(dir, "default");
    CHECK_INT(stk_history_state_at(st, 9, &json, &d), 1);
    CHECK(json && seen[9] && strcmp(json, seen[9]) == 0);
    free(json);
    for (int k = 0; k < 64; k++) free(seen[k]);
#undef SEEN
    dump_diags(&d);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

/* A commit writes change rows, not a snapshot, until the rows since the last
   snapshot reach max(1000, objects); a store opened at a serial without a
   snapshot (a run that died mid-apply) writes one. */
static void test_history_snapshot_cadence(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    sqlite3_exec(stk_state_db(st), "PRAGMA synchronous=OFF", NULL, NULL, NULL);   /* speed only */
    for (int i = 0; i < 1001; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "aws_thing.t[%d]", i % 50);
        put(st, addr, "{}");
    }
    stk_snapshot_info *si;
    size_t n = 0;
    CHECK(stk_history_snapshots(st, &si, &n, &d) == 0);
    CHECK_INT(n, 2);   /* serial 0 and the 1000th change */
    if (n == 2) CHECK_INT(si[1].serial, 1000);
    stk_history_snapshots_free(si, n);
    char *json = NULL;
    CHECK_INT(stk_history_state_at(st, 999, &json, &d), 1);
    CHECK(json && strstr(json, "\"serial\":999"));
    free(json);
    CHECK_INT(stk_history_has_snapshot(st, 1001, &d), 0);
    stk_state_close(st);
    st = open_ws(dir, "default");
    CHECK_INT(stk_history_has_snapshot(st, 1001, &d), 1);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

/* ---- group commit ----------------------------------------------------------- */

typedef struct {
    stk_state_group *g;
    int thread;
    int ok, failed_as_expected;
} group_worker;

typedef struct {
    int thread, i;
} group_job;

/* an intent and its object in one unit; every 7th unit fails after writing
   (its writes must vanish) */
static int group_unit_fn(stk_state *st, void *ud, stk_diags *d)
{
    group_job *j = ud;
    char addr[64];
    snprintf(addr, sizeof addr, "aws_thing.t%d[%d]", j->thread, j->i);
    int64_t id;
    if (stk_journal_intent_add(st, addr, STK_ACTION_CREATE, "{}", &id, d)) return -1;
    stk_state_instance in = {0};
    in.address = addr;
    in.provider = "provider[\"registry.terraform.io/hashicorp/aws\"]";
    in.attributes = "{}";
    stk_journal_result r = {STK_JOURNAL_APPLIED, &in, NULL};
    if (stk_journal_intent_finish(st, id, &r, d)) return -1;
    if (j->i % 7 == 3) {
        stk_diags_error(d, NULL, "unit fails on purpose", "%s", addr);
        return -1;
    }
    return 2;   /* a unit's own result comes back */
}

static void *group_thread(void *arg)
{
    group_worker *w = arg;
    for (int i = 0; i < 40; i++) {
        group_job j = {w->thread, i};
        stk_diags d = STK_DIAGS_INIT;
        int rc = stk_state_group_run(w->g, group_unit_fn, &j, &d);
        if (i % 7 == 3) w->failed_as_expected += rc == -1 && diags_mention(&d, "on purpose");
        else w->ok += rc == 2 && d.len == 0;
        stk_diags_free(&d);
    }
    return NULL;
}

static void test_group_commit(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    stk_state_group *g = stk_state_group_new(st);
    enum { NT = 8 };
    pthread_t th[NT];
    group_worker w[NT];
    for (int t = 0; t < NT; t++) {
        w[t] = (group_worker){g, t, 0, 0};
        pthread_create(&th[t], NULL, group_thread, &w[t]);
    }
    int ok = 0, failed = 0;
    for (int t = 0; t < NT; t++) {
        pthread_join(th[t], NULL);
        ok += w[t].ok;
        failed += w[t].failed_as_expected;
    }
    stk_state_group_free(g);
    CHECK_INT(failed, NT * 6);          /* i = 3, 10, 17, 24, 31, 38 */
    CHECK_INT(ok, NT * 40 - NT * 6);
    CHECK_INT(count(st, NULL), NT * 34);   /* the failed units left nothing */
    stk_journal_list pend;
    CHECK(stk_journal_pending(st, &pend, &d) == 0);
    CHECK_INT(pend.len, 0);                /* nor a pending intent */
    stk_journal_list_free(&pend);
    /* units shared transactions: fewer serials than units, and every serial
       reads back */
    int64_t serial = stk_state_serial(st);
    CHECK(serial >= 1 && serial <= NT * 34);
    fprintf(stderr, "  group commit: %d units in %lld serials\n", NT * 34, (long long)serial);
    char *json = NULL;
    CHECK_INT(stk_history_state_at(st, serial, &json, &d), 1);
    char *now = live_text(st);
    CHECK(json && strcmp(json, now) == 0);
    free(json);
    free(now);
    /* intent_add outside a transaction is refused; intent_begin inside one too */
    int64_t id;
    CHECK(stk_journal_intent_add(st, "aws_thing.x", STK_ACTION_CREATE, "{}", &id, &d) == -1);
    CHECK(diags_mention(&d, "outside a transaction"));
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

/* A version-2 store (a snapshot per serial) migrates to change rows: its
   old serials still read, new commits log rows. */
static void test_migration_from_v2(void)
{
    char *dir = tmpdir();
    char *path = stk_xasprintf("%s/v2.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    CHECK(sqlite3_exec(db, stk_state_migration_sql(1), NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, stk_state_migration_sql(2), NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "INSERT INTO meta VALUES('lineage','11111111-2222-4333-8444-555555555555'),('serial','3');"
                       "INSERT INTO schema_migrations VALUES(1,'2026-01-01T00:00:00Z'),(2,'2026-01-01T00:00:00Z');"
                       "PRAGMA user_version = 2;",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    stk_diags d = STK_DIAGS_INIT;
    stk_state *st = NULL;
    CHECK(stk_state_open_path(path, 0, &st, &d) == 0);
    dump_diags(&d);
    if (st) {
        CHECK_INT(stk_history_has_snapshot(st, 3, &d), 1);
        put(st, "aws_vpc.main", "{\"id\":\"vpc-9\"}");
        CHECK_INT(stk_state_serial(st), 4);
        CHECK_INT(stk_history_has_snapshot(st, 4, &d), 0);
        char *json = NULL;
        CHECK_INT(stk_history_state_at(st, 4, &json, &d), 1);
        CHECK(json && strstr(json, "vpc-9") && strstr(json, "11111111-2222"));
        free(json);
        CHECK_INT(stk_history_state_at(st, 3, &json, &d), 1);
        CHECK(json && !strstr(json, "vpc-9"));
        free(json);
        stk_state_close(st);
    }
    CHECK_INT(user_version(path), STK_STATE_SCHEMA_VERSION);
    stk_diags_free(&d);
    free(path);
    rmrf(dir);
}

/* ---- Terraform state v4 ----------------------------------------------------- */

/* The fixture: $STK_SOURCE_DIR, else next to this file (__FILE__ is relative
   to the build directory under meson), else relative to the working dir. */
static json_t *load_fixture(void)
{
    const char *rel = "tests/state/fixtures/terraform.tfstate";
    char *cands[4];
    const char *env = getenv("STK_SOURCE_DIR");
    cands[0] = env ? stk_xasprintf("%s/%s", env, rel) : NULL;
    cands[1] = stk_xasprintf("%.*s/../state/fixtures/terraform.tfstate",
                             (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ : 1), __FILE__);
    cands[2] = stk_xstrdup(rel);
    cands[3] = stk_xasprintf("../%s", rel);
    json_t *j = NULL;
    for (int i = 0; i < 4 && !j; i++)
        if (cands[i] && access(cands[i], R_OK) == 0) {
            json_error_t e;
            j = json_load_file(cands[i], 0, &e);
            if (!j) fprintf(stderr, "cannot load %s: %s\n", cands[i], e.text);
        }
    if (!j) fprintf(stderr, "fixture %s not found (set STK_SOURCE_DIR)\n", rel);
    for (int i = 0; i < 4; i++) free(cands[i]);
    return j;
}

static void test_tfstate_roundtrip(void)
{
    json_t *fx = load_fixture();
    CHECK(fx != NULL);
    if (!fx) return;
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_ADOPT, 0, &d) == 0);
    dump_diags(&d);
    CHECK_STR(stk_state_lineage(st), "8d3b1c5e-2f4a-4b7e-9c1d-6a5e4f3b2a10");
    CHECK_INT(stk_state_serial(st), 42);
    CHECK_INT(count(st, NULL), 11);
    CHECK_INT(count(st, "module.network"), 4);
    stk_state_instance got;
    CHECK_INT(stk_state_get(st, "aws_instance.web", "a1b2c3d4", &got, &d), 1);   /* deposed */
    CHECK(got.attributes && strstr(got.attributes, "i-0old"));
    stk_state_instance_free(&got);
    CHECK_INT(stk_state_get(st, "aws_s3_bucket.b[\"logs\"]", NULL, &got, &d), 1);
    CHECK(got.tainted);
    stk_state_instance_free(&got);
    /* reopen, then export: semantically equal to the fixture */
    stk_state_close(st);
    st = open_ws(dir, "default");
    json_t *out = stk_tfstate_export(st, &d);
    CHECK(out != NULL);
    json_t *want = json_deep_copy(fx);
    stk_tfstate_normalize(want);
    int eq = json_equal(out, want);
    CHECK(eq);
    if (!eq) {
        char *a = json_dumps(out, JSON_INDENT(1) | JSON_SORT_KEYS), *b = json_dumps(want, JSON_INDENT(1) | JSON_SORT_KEYS);
        FILE *f = fopen("/tmp/stk-roundtrip-got.json", "w");
        if (f) { fputs(a, f); fclose(f); }
        f = fopen("/tmp/stk-roundtrip-want.json", "w");
        if (f) { fputs(b, f); fclose(f); }
        fprintf(stderr, "round trip differs: diff /tmp/stk-roundtrip-want.json /tmp/stk-roundtrip-got.json\n");
        free(a);
        free(b);
    }
    json_decref(want);
    json_decref(out);
    /* import into a non-empty store needs force */
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_ADOPT, 0, &d) == -1);
    CHECK(diags_mention(&d, "not empty"));
    stk_diags_free(&d);
    stk_state_close(st);
    json_decref(fx);
    rmrf(dir);
}

static void test_tfstate_push_rules(void)
{
    json_t *fx = load_fixture();
    if (!fx) { CHECK(fx != NULL); return; }
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    /* a fresh store has another lineage: push refuses, -force accepts */
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 0, &d) == -1);
    CHECK(diags_mention(&d, "lineage"));
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 1, &d) == 0);
    CHECK_INT(stk_state_serial(st), 42);
    CHECK_STR(stk_state_lineage(st), "8d3b1c5e-2f4a-4b7e-9c1d-6a5e4f3b2a10");
    /* same serial, same content: accepted (serial moves on) */
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 0, &d) == 0);
    CHECK_INT(stk_state_serial(st), 43);
    /* lower serial: refused */
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 0, &d) == -1);
    CHECK(diags_mention(&d, "older"));
    /* same serial, different content: refused */
    json_object_set_new(fx, "serial", json_integer(43));
    json_object_del(json_object_get(fx, "outputs"), "db_password");
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 0, &d) == -1);
    CHECK(diags_mention(&d, "same serial"));
    /* a higher serial is taken as is */
    json_object_set_new(fx, "serial", json_integer(50));
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 0, &d) == 0);
    CHECK_INT(stk_state_serial(st), 50);
    /* unsupported version */
    json_object_set_new(fx, "version", json_integer(3));
    CHECK(stk_tfstate_load(st, fx, STK_TFSTATE_PUSH, 1, &d) == -1);
    CHECK(diags_mention(&d, "version 3"));
    stk_diags_free(&d);
    stk_state_close(st);
    json_decref(fx);
    rmrf(dir);
}

static void test_tfstate_sensitive_forms(void)
{
    stk_diags d = STK_DIAGS_INIT;
    json_t *flat = json_pack("[s, s, s]", "password", "tags.secret", "list[0]");
    json_t *p = stk_tfstate_sensitive_paths(flat, "x", &d);
    char *s = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    CHECK_STR(s, "[[{\"type\":\"get_attr\",\"value\":\"password\"}],"
                 "[{\"type\":\"get_attr\",\"value\":\"tags\"},{\"type\":\"get_attr\",\"value\":\"secret\"}],"
                 "[{\"type\":\"get_attr\",\"value\":\"list\"},{\"type\":\"index\",\"value\":{\"type\":\"number\","
                 "\"value\":0}}]]");
    free(s);
    json_decref(p);
    json_decref(flat);
    json_t *bad = json_pack("[[{s:s}]]", "type", "weird");
    CHECK(stk_tfstate_sensitive_paths(bad, "x", &d) == NULL);
    CHECK(diags_mention(&d, "sensitive_attributes"));
    json_decref(bad);
    stk_tfstate t;
    CHECK(stk_tfstate_parse_text("{\"version\":4,\"serial\":1,\"lineage\":\"l\",\"resources\":[{\"mode\":\"managed\","
                                 "\"type\":\"aws_x\",\"name\":\"y\",\"provider\":\"p\",\"instances\":[{}, {}]}]}",
                                 &t, &d) == -1);
    CHECK(diags_mention(&d, "appears twice"));
    CHECK(stk_tfstate_parse_text("{nope", &t, &d) == -1);
    stk_diags_free(&d);
}

/* ---- locks -------------------------------------------------------------------- */

static void test_lock_two_handles(void)
{
    char *dir = tmpdir();
    stk_lock *a = stk_lock_local_new(dir, "default"), *b = stk_lock_local_new(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    stk_lock_info *stale = NULL;
    CHECK(stk_lock_acquire(a, "apply", "x.db", 0, &stale, &d) == 0);
    CHECK(stale == NULL);
    CHECK(stk_lock_acquire(b, "plan", "x.db", 300, NULL, &d) == -1);
    CHECK(diags_mention(&d, "Error acquiring the state lock"));
    CHECK(a->held && diags_mention(&d, a->held->id));
    CHECK(diags_mention(&d, "apply"));
    stk_lock_info *h = NULL;
    CHECK_INT(stk_lock_read(b, &h, &d), 1);
    CHECK(h && a->held && strcmp(h->id, a->held->id) == 0);
    CHECK(h && h->who && strchr(h->who, '@'));
    /* force-unlock of a live holder is refused; a wrong id too */
    CHECK(stk_lock_force_unlock(b, "wrong", &d) == -1);
    CHECK(diags_mention(&d, "does not match"));
    CHECK(h && stk_lock_force_unlock(b, h->id, &d) == -1);
    CHECK(diags_mention(&d, "still running"));
    stk_lock_info_free(h);
    CHECK(stk_lock_release(a, &d) == 0);
    CHECK(stk_lock_acquire(b, "plan", "x.db", 0, &stale, &d) == 0);
    CHECK(stale == NULL);   /* a clean release leaves nothing stale */
    stk_lock_free(a);
    stk_lock_free(b);       /* releases */
    h = NULL;
    a = stk_lock_local_new(dir, "default");
    CHECK_INT(stk_lock_read(a, &h, &d), 0);
    stk_lock_free(a);
    stk_diags_free(&d);
    rmrf(dir);
}

static void test_lock_dead_holder_and_timeout(void)
{
    char *dir = tmpdir();
    stk_diags d = STK_DIAGS_INIT;
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        stk_lock *l = stk_lock_local_new(dir, "default");
        stk_diags cd = STK_DIAGS_INIT;
        if (stk_lock_acquire(l, "apply", "x.db", 0, NULL, &cd) != 0) _exit(2);
        if (write(ready[1], "x", 1) != 1) _exit(3);
        pause();   /* killed with -9: never releases */
        _exit(0);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    stk_lock *l = stk_lock_local_new(dir, "default");
    CHECK(stk_lock_acquire(l, "plan", "x.db", 0, NULL, &d) == -1);   /* live holder */
    stk_lock_info *h = NULL;
    stk_lock_read(l, &h, &d);
    CHECK(h && h->pid == (long)pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* the info file remains: force-unlock with its id works now */
    CHECK(h && stk_lock_force_unlock(l, h->id, &d) == 0);
    stk_lock_info *h2 = NULL;
    CHECK_INT(stk_lock_read(l, &h2, &d), 0);
    stk_lock_info_free(h2);

    /* again, this time the next acquire takes the stale lock over */
    pid = fork();
    if (pid == 0) {
        stk_lock *cl = stk_lock_local_new(dir, "default");
        stk_diags cd = STK_DIAGS_INIT;
        if (stk_lock_acquire(cl, "apply", "x.db", 0, NULL, &cd) != 0) _exit(2);
        if (write(ready[1], "x", 1) != 1) _exit(3);
        pause();
        _exit(0);
    }
    CHECK(read(ready[0], &c, 1) == 1);
    stk_lock_info_free(h);
    h = NULL;
    stk_lock_read(l, &h, &d);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    stk_lock_info *stale = NULL;
    CHECK(stk_lock_acquire(l, "plan", "x.db", 0, &stale, &d) == 0);
    CHECK(stale && h && strcmp(stale->id, h->id) == 0);
    stk_lock_info_free(stale);
    stk_lock_info_free(h);
    stk_lock_release(l, &d);

    /* -lock-timeout: a holder that lets go after 300 ms */
    pid = fork();
    if (pid == 0) {
        stk_lock *cl = stk_lock_local_new(dir, "default");
        stk_diags cd = STK_DIAGS_INIT;
        if (stk_lock_acquire(cl, "apply", "x.db", 0, NULL, &cd) != 0) _exit(2);
        if (write(ready[1], "x", 1) != 1) _exit(3);
        usleep(300000);
        int bad = stk_lock_release(cl, &cd) != 0;
        /* free the child's copies too, so valgrind's leak check passes here as well */
        stk_lock_free(cl);
        stk_lock_free(l);
        stk_diags_free(&cd);
        stk_diags_free(&d);
        free(dir);
        _exit(bad);
    }
    CHECK(read(ready[0], &c, 1) == 1);
    CHECK(stk_lock_acquire(l, "plan", "x.db", 5000, &stale, &d) == 0);
    CHECK(stale == NULL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    stk_lock_free(l);
    close(ready[0]);
    close(ready[1]);
    long ms;
    CHECK(stk_lock_parse_timeout("1m30s", &ms) == 0 && ms == 90000);
    CHECK(stk_lock_parse_timeout("500ms", &ms) == 0 && ms == 500);
    CHECK(stk_lock_parse_timeout("0", &ms) == 0 && ms == 0);
    CHECK(stk_lock_parse_timeout("3x", &ms) == -1);
    stk_diags_free(&d);
    rmrf(dir);
}

/* A remote-style lock (what the DynamoDB implementation will be): one shared
   "item" written with put-if-absent and deleted only by its owner.  It proves
   the driver (polling, timeout, messages) and the session work with any
   stk_lock_ops, not just flock. */
typedef struct {
    char *item_json;       /* the table's single item, or NULL */
    int release_after;     /* the current holder lets go after this many polls (-1: never) */
    int polls;
} fake_table;

typedef struct {
    fake_table *t;
} fake_lock;

static int fake_try(stk_lock *l, const stk_lock_info *info, stk_lock_info **holder, stk_lock_info **stale,
                    stk_diags *d)
{
    fake_table *t = ((fake_lock *)l->impl)->t;
    *stale = NULL;
    if (t->item_json && t->release_after >= 0 && ++t->polls > t->release_after) {
        free(t->item_json);
        t->item_json = NULL;
    }
    if (t->item_json) {   /* ConditionalCheckFailed: the holder is in the item */
        *holder = stk_lock_info_from_json(t->item_json);
        return 1;
    }
    t->item_json = stk_lock_info_to_json(info);
    return 0;
}

static int fake_release(stk_lock *l, stk_diags *d)
{
    fake_table *t = ((fake_lock *)l->impl)->t;
    stk_lock_info *cur = t->item_json ? stk_lock_info_from_json(t->item_json) : NULL;
    int mine = cur && l->held && strcmp(cur->id, l->held->id) == 0;
    stk_lock_info_free(cur);
    if (!mine) {
        stk_diags_error(d, NULL, "Lock lost", "the item is not ours any more");
        return -1;
    }
    free(t->item_json);
    t->item_json = NULL;
    return 0;
}

static int fake_read(stk_lock *l, stk_lock_info **holder, stk_diags *d)
{
    fake_table *t = ((fake_lock *)l->impl)->t;
    *holder = t->item_json ? stk_lock_info_from_json(t->item_json) : NULL;
    return *holder ? 1 : 0;
}

static int fake_force(stk_lock *l, const char *id, stk_diags *d)
{
    fake_table *t = ((fake_lock *)l->impl)->t;
    stk_lock_info *cur = t->item_json ? stk_lock_info_from_json(t->item_json) : NULL;
    int ok = cur && strcmp(cur->id, id) == 0;
    stk_lock_info_free(cur);
    if (!ok) {
        stk_diags_error(d, NULL, "Lock ID does not match", "%s", id);
        return -1;
    }
    free(t->item_json);
    t->item_json = NULL;
    return 0;
}

static void fake_destroy(stk_lock *l)
{
    free(l->impl);
}

static const stk_lock_ops fake_ops = {"fake-remote", fake_try, fake_release, fake_read, fake_force, fake_destroy};

static stk_lock *fake_new(fake_table *t)
{
    stk_lock *l = stk_xcalloc(1, sizeof *l);
    fake_lock *f = stk_xcalloc(1, sizeof *f);
    f->t = t;
    l->ops = &fake_ops;
    l->impl = f;
    return l;
}

static void test_lock_vtable_remote(void)
{
    fake_table t = {NULL, -1, 0};
    stk_diags d = STK_DIAGS_INIT;
    stk_lock *a = fake_new(&t), *b = fake_new(&t);
    CHECK(stk_lock_acquire(a, "apply", "s3://bucket/key", 0, NULL, &d) == 0);
    CHECK(stk_lock_acquire(b, "plan", "s3://bucket/key", 600, NULL, &d) == -1);
    CHECK(diags_mention(&d, "Error acquiring the state lock"));
    CHECK(diags_mention(&d, "fake-remote lock"));
    CHECK(a->held && diags_mention(&d, a->held->id));
    CHECK(t.item_json && strstr(t.item_json, "s3://bucket/key"));
    /* the holder goes away after 3 polls: -lock-timeout gets it */
    t.release_after = 3;
    t.polls = 0;
    stk_lock_free(a);   /* releases: deletes its item */
    CHECK(t.item_json == NULL);
    t.item_json = stk_lock_info_to_json(&(stk_lock_info){.id = "other", .who = "bob@ci", .operation = "apply"});
    CHECK(stk_lock_acquire(b, "plan", "s3://bucket/key", 5000, NULL, &d) == 0);
    CHECK(t.polls >= 3);
    stk_lock_info *h = NULL;
    CHECK_INT(stk_lock_read(b, &h, &d), 1);
    CHECK(h && b->held && strcmp(h->id, b->held->id) == 0);
    stk_lock_info_free(h);
    CHECK(stk_lock_force_unlock(b, "not-it", &d) == -1);
    CHECK(stk_lock_release(b, &d) == 0);
    CHECK(t.item_json == NULL);
    stk_lock_free(b);
    /* a session takes any implementation */
    char *dir = tmpdir();
    stk_session_opts o = {0};
    o.operation = "state rm";
    o.lock = fake_new(&t);
    stk_state_session s;
    CHECK(stk_session_open(dir, &o, &s, &d) == 0);
    CHECK(t.item_json && strstr(t.item_json, "state rm"));
    put(s.st, "aws_vpc.main", "{}");
    CHECK(stk_session_finish_plan(&s, "stk state rm x", "summary", "{\"changes\":1}", &d) == 0);
    stk_history_entry *e;
    size_t n;
    CHECK(stk_history_list(s.st, &e, &n, &d) == 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(e[0].plan_json, "{\"changes\":1}");
        CHECK_INT(e[0].serial, 1);
    }
    stk_history_entries_free(e, n);
    stk_session_close(&s);
    CHECK(t.item_json == NULL);   /* released on close */
    /* the lock is taken over even when opening fails (LeakSanitizer checks) */
    o.lock = fake_new(&t);
    o.workspace = "missing";
    CHECK(stk_session_open(dir, &o, &s, &d) == -1);
    o.lock = fake_new(&t);
    o.workspace = NULL;
    o.no_lock = 1;
    CHECK(stk_session_open(dir, &o, &s, &d) == 0);
    CHECK(s.lock == NULL && t.item_json == NULL);
    stk_session_close(&s);
    free(t.item_json);
    stk_diags_free(&d);
    rmrf(dir);
}

static void test_session_local(void)
{
    char *dir = tmpdir();
    stk_diags d = STK_DIAGS_INIT;
    stk_session_opts o = {0};
    o.operation = "state mv";
    stk_state_session s1, s2;
    CHECK(stk_session_open(dir, &o, &s1, &d) == 0);
    CHECK(stk_session_open(dir, &o, &s2, &d) == -1);   /* the same workspace is locked */
    CHECK(diags_mention(&d, "Error acquiring the state lock"));
    stk_diags_free(&d);
    o.no_lock = 1;                                      /* -lock=false */
    CHECK(stk_session_open(dir, &o, &s2, &d) == 0);
    stk_session_close(&s2);
    /* a pending intent is reported as a warning on open */
    int64_t id;
    CHECK(stk_journal_intent_begin(s1.st, "aws_vpc.x", STK_ACTION_CREATE, "{}", &id, &d) == 0);
    stk_session_close(&s1);
    o.no_lock = 0;
    CHECK(stk_session_open(dir, &o, &s1, &d) == 0);
    CHECK_INT(s1.pending_intents, 1);
    CHECK(diags_mention(&d, "create aws_vpc.x"));
    CHECK(!stk_diags_has_errors(&d));
    stk_session_close(&s1);
    o.workspace = "missing";
    CHECK(stk_session_open(dir, &o, &s1, &d) == -1);
    stk_diags_free(&d);
    rmrf(dir);
}

/* ---- workspaces and backup ---------------------------------------------------- */

static void test_workspaces(void)
{
    char *dir = tmpdir();
    stk_diags d = STK_DIAGS_INIT;
    unsetenv("STK_WORKSPACE");
    char *cur = stk_workspace_current(dir);
    CHECK_STR(cur, "default");
    free(cur);
    CHECK(stk_workspace_new(dir, "staging", &d) == 0);
    CHECK(stk_workspace_new(dir, "staging", &d) == -1);
    CHECK(stk_workspace_new(dir, "../evil", &d) == -1);
    CHECK(diags_mention(&d, "Invalid workspace name"));
    CHECK(stk_workspace_new(dir, "prod", &d) == 0);
    char **names;
    size_t n;
    CHECK(stk_workspace_list(dir, &names, &n, &d) == 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(names[0], "default");
        CHECK_STR(names[1], "prod");
        CHECK_STR(names[2], "staging");
    }
    stk_workspace_names_free(names, n);
    CHECK(stk_workspace_select(dir, "nope", &d) == -1);
    CHECK(stk_workspace_select(dir, "staging", &d) == 0);
    cur = stk_workspace_current(dir);
    CHECK_STR(cur, "staging");
    free(cur);
    setenv("STK_WORKSPACE", "prod", 1);
    cur = stk_workspace_current(dir);
    CHECK_STR(cur, "prod");
    free(cur);
    unsetenv("STK_WORKSPACE");
    CHECK(stk_workspace_delete(dir, "default", 0, 0, &d) == -1);
    CHECK(stk_workspace_delete(dir, "staging", 0, 0, &d) == -1);   /* selected */
    CHECK(diags_mention(&d, "selected"));
    stk_state *st = open_ws(dir, "prod");
    put(st, "aws_vpc.main", "{}");
    stk_state_close(st);
    CHECK(stk_workspace_delete(dir, "prod", 0, 0, &d) == -1);
    CHECK(diags_mention(&d, "not empty"));
    CHECK(stk_workspace_delete(dir, "prod", 1, 0, &d) == 0);
    CHECK(!stk_workspace_exists(dir, "prod"));
    CHECK(stk_workspace_delete(dir, "prod", 1, 0, &d) == -1);
    stk_diags_free(&d);
    rmrf(dir);
}

struct backup_seen {
    int calls;
    int64_t serial;
    char sha[65];
    int valid_db;
};

static int backup_hook(void *ud, const char *path, int64_t serial, const char *lineage, const char *sha,
                       stk_diags *d)
{
    struct backup_seen *b = ud;
    b->calls++;
    b->serial = serial;
    snprintf(b->sha, sizeof b->sha, "%s", sha);
    stk_state *copy = NULL;
    if (stk_state_open_path(path, 0, &copy, d) == 0) {
        b->valid_db = strcmp(stk_state_lineage(copy), lineage) == 0 && stk_state_serial(copy) == serial;
        stk_state_close(copy);
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || (sb.st_mode & 0777) != 0600) b->valid_db = 0;
    return 0;
}

static void test_backup_hook(void)
{
    char *dir = tmpdir();
    stk_state *st = open_ws(dir, "default");
    stk_diags d = STK_DIAGS_INIT;
    CHECK(stk_state_backup(st, &d) == 0);   /* no hook: nothing */
    struct backup_seen seen = {0};
    stk_backup_hook h = {backup_hook, &seen};
    stk_state_set_backup_hook(st, &h);
    put(st, "aws_vpc.main", "{}");
    CHECK(stk_state_backup(st, &d) == 0);
    dump_diags(&d);
    CHECK_INT(seen.calls, 1);
    CHECK_INT(seen.serial, 1);
    CHECK_INT(strlen(seen.sha), 64);
    CHECK(seen.valid_db);
    stk_diags_free(&d);
    stk_state_close(st);
    rmrf(dir);
}

int main(void)
{
    STK_RUN(test_addr);
    STK_RUN(test_json_writer);
    STK_RUN(test_open_mode_and_identity);
    STK_RUN(test_newer_schema_refused);
    STK_RUN(test_migration_from_v1);
    STK_RUN(test_serial_rules);
    STK_RUN(test_list_filters);
    STK_RUN(test_mv_rm);
    STK_RUN(test_journal);
    STK_RUN(test_history_restore);
    STK_RUN(test_history_replay);
    STK_RUN(test_history_snapshot_cadence);
    STK_RUN(test_migration_from_v2);
    STK_RUN(test_group_commit);
    STK_RUN(test_tfstate_roundtrip);
    STK_RUN(test_tfstate_push_rules);
    STK_RUN(test_tfstate_sensitive_forms);
    STK_RUN(test_lock_two_handles);
    STK_RUN(test_lock_dead_holder_and_timeout);
    STK_RUN(test_lock_vtable_remote);
    STK_RUN(test_session_local);
    STK_RUN(test_workspaces);
    STK_RUN(test_backup_hook);
    return stk_test_report();
}
