/* test_provider.c - the in-process test provider (see test_provider.h).
 * Every object is a file <cloud>/<type>/<id>.json holding
 * {"token": "<journal token>", "attrs": {...}}; reads are file reads, so a
 * test "deletes a resource behind stk's back" with rm. */
#include "test/test_provider.h"
#include "provider.h"
#include "util/strbuf.h"
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <ctype.h>
#include <pthread.h>

struct stk_provider_instance {
    char *dir;
    /* refresh by batch: id -> the stored file, or null (asked, not there) */
    pthread_mutex_t batch_lock;
    json_t *batch;
};

static const stk_schema_attr rule_attrs[] = {
    {"port", "number", STK_ATTR_REQUIRED, NULL, NULL},
    {"proto", "string", STK_ATTR_OPTIONAL, "\"tcp\"", NULL},
};
static const stk_schema rule_schema = {rule_attrs, 2, NULL, 0};
static const stk_schema_block thing_blocks[] = {
    {"rule", STK_NESTING_LIST, 0, 0, &rule_schema, 0},
};
static const stk_schema_attr thing_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, "computed at creation"},
    {"cidr", "string", STK_ATTR_OPTIONAL | STK_ATTR_CIDR, NULL, "stored in lower case"},
    {"computed_name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, "gen-<id> when unset"},
    {"delay_ms", "number", STK_ATTR_OPTIONAL, NULL, "each operation sleeps this long"},
    {"fail_on", "string", STK_ATTR_OPTIONAL, NULL, "create, update, delete or read fails"},
    {"force", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, "a change replaces the object"},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL},
    {"items", "set(string)", STK_ATTR_OPTIONAL, NULL, "unordered"},
    {"mode", "string", STK_ATTR_OPTIONAL | STK_ATTR_CASE_INSENSITIVE, NULL, "stored in upper case"},
    {"name", "string", STK_ATTR_OPTIONAL, NULL, NULL},
    {"policy", "string", STK_ATTR_OPTIONAL | STK_ATTR_JSON, NULL, "a JSON document"},
    {"secret", "string", STK_ATTR_OPTIONAL | STK_ATTR_SENSITIVE, NULL, NULL},
    {"size", "number", STK_ATTR_OPTIONAL, "1", NULL},
    {"tags", "map(string)", STK_ATTR_OPTIONAL, NULL, NULL},
};
static const stk_schema thing_schema = {thing_attrs, sizeof thing_attrs / sizeof thing_attrs[0], thing_blocks, 1};

static const stk_schema_attr data_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL},
    {"input", "string", STK_ATTR_REQUIRED, NULL, NULL},
    {"result", "string", STK_ATTR_COMPUTED, NULL, "\"data-\" + input"},
};
static const stk_schema data_schema = {data_attrs, 3, NULL, 0};

/* ---- helpers ---- */

static long long now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void oplog(stk_provider_instance *p, const char *what, const char *op, const char *name)
{
    char *path = stk_xasprintf("%s/ops.log", p->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    free(path);
    if (fd < 0) return;
    char *line = stk_xasprintf("%s %lld %s %s\n", what, now_ms(), op, name ? name : "-");
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    free(line);
    close(fd);
}

static const char *str_attr(stk_value *v, const char *k)
{
    stk_value *a = v ? stk_value_get(v, k) : NULL;
    return a && !a->is_null && !a->is_unknown && stk_value_kind(a) == STK_TY_STRING ? stk_value_str(a) : NULL;
}

/* <dir>/reads.log: "batch <type> <n>" per read_batch call, "read <id>" per
   read that went to the cloud (not answered by a batch) */
static void readlog(stk_provider_instance *p, const char *fmt, const char *a, size_t n)
{
    char *path = stk_xasprintf("%s/reads.log", p->dir);
    FILE *f = fopen(path, "a");
    free(path);
    if (!f) return;
    fprintf(f, fmt, a, n);
    fputc('\n', f);
    fclose(f);
}

static int fails(stk_value *v, const char *op, stk_diags *d)
{
    const char *f = str_attr(v, "fail_on");
    if (f && strcmp(f, op) == 0) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "stktest: injected failure", "The %s of \"%s\" failed because fail_on = \"%s\".",
                      op, str_attr(v, "name") ? str_attr(v, "name") : "?", f);
        return 1;
    }
    return 0;
}

/* sleep delay_ms in slices; -1 when cancelled (second Ctrl-C) */
static int delay(stk_value *v, stk_diags *d)
{
    stk_value *a = v ? stk_value_get(v, "delay_ms") : NULL;
    if (!a || a->is_null || a->is_unknown) return 0;
    long long ms = (long long)a->u.num.d, end = now_ms() + ms;
    const stk_call_ctx *c = stk_call_ctx_current();
    while (now_ms() < end) {
        if (c && c->cancelled && *c->cancelled) {
            stk_diags_add(d, STK_DIAG_ERROR, NULL, "Operation interrupted", "stktest: the operation was cancelled.");
            return -1;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static char *obj_path(stk_provider_instance *p, const stk_resource_type *t, const char *id)
{
    return stk_xasprintf("%s/%s/%s.json", p->dir, t->name, id);
}

static char *canon_json(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
    if (!j) return stk_xstrdup(s);
    char *o = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(j);
    return o;
}

/* the attributes as the cloud keeps them */
static json_t *to_cloud(stk_value *v, const char *id)
{
    json_t *o = json_object();
    for (size_t i = 0; i < stk_value_len(v); i++) {
        const char *k = stk_value_key(v, i);
        stk_value *a = stk_value_elem(v, i);
        if (a->is_unknown) continue;
        json_t *j = stk_value_to_json(a);
        if (!j) continue;
        if (json_is_string(j) && !strcmp(k, "policy")) {
            char *c = canon_json(json_string_value(j));
            json_decref(j);
            j = json_string(c);
            free(c);
        } else if (json_is_string(j) && (!strcmp(k, "cidr") || !strcmp(k, "mode"))) {
            char *c = stk_xstrdup(json_string_value(j));
            for (char *q = c; *q; q++) *q = k[0] == 'c' ? (char)tolower((unsigned char)*q) : (char)toupper((unsigned char)*q);
            json_decref(j);
            j = json_string(c);
            free(c);
        }
        json_object_set_new(o, k, j);
    }
    json_object_set_new(o, "id", json_string(id));
    char *arn = stk_xasprintf("arn:stktest:thing/%s", id);
    json_object_set_new(o, "arn", json_string(arn));
    free(arn);
    if (json_is_null(json_object_get(o, "computed_name")) || !json_object_get(o, "computed_name")) {
        char *n = stk_xasprintf("gen-%s", id);
        json_object_set_new(o, "computed_name", json_string(n));
        free(n);
    }
    return o;
}

static int save(stk_provider_instance *p, const stk_resource_type *t, const char *id, json_t *attrs, const char *token,
                stk_diags *d)
{
    char *dir = stk_xasprintf("%s/%s", p->dir, t->name);
    mkdir(p->dir, 0700);
    mkdir(dir, 0700);
    free(dir);
    json_t *f = json_pack("{s:s,s:O}", "token", token ? token : "", "attrs", attrs);
    char *path = obj_path(p, t, id);
    int rc = json_dump_file(f, path, JSON_SORT_KEYS);
    if (rc) stk_diags_add(d, STK_DIAG_ERROR, NULL, "stktest: cannot write object", "%s: %s", path, strerror(errno));
    free(path);
    json_decref(f);
    return rc ? -1 : 0;
}

static stk_value *from_cloud(const stk_resource_type *t, json_t *attrs, stk_diags *d)
{
    stk_type *ty = stk_schema_type(t->schema);
    char *err = NULL;
    stk_value *v = stk_value_from_json_typed(attrs, ty, &err);
    stk_type_unref(ty);
    if (!v) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "stktest: bad stored object", "%s", err ? err : "?");
        free(err);
    }
    return v;
}

static json_t *load(stk_provider_instance *p, const stk_resource_type *t, const char *id)
{
    char *path = obj_path(p, t, id);
    json_error_t e;
    json_t *f = json_load_file(path, 0, &e);
    free(path);
    return f;
}

/* ---- CRUD ---- */

static int thing_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                        stk_value **new_state, stk_diags *d)
{
    const char *name = str_attr(planned, "name");
    oplog(p, "start", "create", name);
    int rc = -1;
    if (delay(planned, d) || fails(planned, "create", d)) goto out;
    unsigned char rnd[4];
    RAND_bytes(rnd, sizeof rnd);
    char id[32];
    snprintf(id, sizeof id, "thing-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    json_t *attrs = to_cloud(planned, id);
    const stk_call_ctx *c = stk_call_ctx_current();
    if (save(p, t, id, attrs, c ? c->token : NULL, d) == 0 && (*new_state = from_cloud(t, attrs, d))) rc = 0;
    json_decref(attrs);
out:
    oplog(p, "end", "create", name);
    return rc;
}

static int thing_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    const char *id = str_attr(prior, "id");
    if (!id) return 0;
    if (fails(prior, "read", d)) return -1;
    pthread_mutex_lock(&p->batch_lock);
    json_t *f = json_object_get(p->batch, id);
    int kept = f != NULL;
    if (f && json_is_null(f)) f = NULL;
    else if (f) json_incref(f);
    pthread_mutex_unlock(&p->batch_lock);
    if (!kept) {
        readlog(p, "read %s", id, 0);
        f = load(p, t, id);
    }
    if (!f) return 0;
    *new_state = from_cloud(t, json_object_get(f, "attrs"), d);
    json_decref(f);
    return *new_state ? 0 : -1;
}

static int thing_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                        stk_value **new_state, stk_diags *d)
{
    const char *name = str_attr(planned, "name");
    const char *id = str_attr(prior, "id");
    oplog(p, "start", "update", name);
    int rc = -1;
    if (!id) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "stktest: update without id", NULL);
        goto out;
    }
    if (delay(planned, d) || fails(planned, "update", d)) goto out;
    json_t *f = load(p, t, id);
    if (!f) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "stktest: object not found", "%s does not exist", id);
        goto out;
    }
    json_t *attrs = to_cloud(planned, id);
    if (save(p, t, id, attrs, json_string_value(json_object_get(f, "token")), d) == 0 &&
        (*new_state = from_cloud(t, attrs, d)))
        rc = 0;
    json_decref(attrs);
    json_decref(f);
out:
    oplog(p, "end", "update", name);
    return rc;
}

static int thing_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    const char *name = str_attr(prior, "name");
    const char *id = str_attr(prior, "id");
    oplog(p, "start", "delete", name);
    int rc = -1;
    if (delay(prior, d) || fails(prior, "delete", d)) goto out;
    if (id) {
        char *path = obj_path(p, t, id);
        unlink(path);
        free(path);
    }
    rc = 0;
out:
    oplog(p, "end", "delete", name);
    return rc;
}

static int thing_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                        stk_diags *d)
{
    *state = NULL;
    json_t *f = load(p, t, id);
    if (!f) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot import non-existent remote object", "%s does not exist", id);
        return -1;
    }
    *state = from_cloud(t, json_object_get(f, "attrs"), d);
    json_decref(f);
    return *state ? 0 : -1;
}

static char *thing_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                                const char *token)
{
    json_t *o = json_pack("{s:s}", "token", token ? token : "");
    const char *name = str_attr(planned, "name");
    if (name) json_object_set_new(o, "name", json_string(name));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* find an object by the journal token (creates) or the id (updates/deletes) */
static int thing_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                         stk_value **state, stk_diags *d)
{
    *state = NULL;
    json_error_t e;
    json_t *info = json_loads(info_json, 0, &e);
    if (!info) return 0;
    const char *token = json_string_value(json_object_get(info, "token"));
    const char *id = json_string_value(json_object_get(info, "id"));
    json_t *found = NULL;
    if (id) found = load(p, t, id);
    if (!found && token && token[0]) {
        char *dir = stk_xasprintf("%s/%s", p->dir, t->name);
        DIR *dh = opendir(dir);
        struct dirent *de;
        while (dh && !found && (de = readdir(dh))) {
            if (de->d_name[0] == '.') continue;
            char *path = stk_xasprintf("%s/%s", dir, de->d_name);
            json_t *f = json_load_file(path, 0, &e);
            free(path);
            if (f && !strcmp(json_string_value(json_object_get(f, "token")) ? json_string_value(json_object_get(f, "token")) : "", token))
                found = f;
            else
                json_decref(f);
        }
        if (dh) closedir(dh);
        free(dir);
    }
    json_decref(info);
    if (!found) return 0;
    *state = from_cloud(t, json_object_get(found, "attrs"), d);
    json_decref(found);
    return *state ? 0 : -1;
}

static int data_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *config, stk_value **state,
                     stk_diags *d)
{
    const char *in = str_attr(config, "input");
    oplog(p, "start", "read_data", in);
    json_t *o = json_object();
    json_object_set_new(o, "input", json_string(in ? in : ""));
    json_object_set_new(o, "id", json_string(in ? in : ""));
    char *res = stk_xasprintf("data-%s", in ? in : "");
    json_object_set_new(o, "result", json_string(res));
    free(res);
    *state = from_cloud(t, o, d);
    json_decref(o);
    oplog(p, "end", "read_data", in);
    return *state ? 0 : -1;
}

/* The batch: every object in one go ("one call"), logged once.  With
   STK_TEST_BATCH_FAIL=1 it fails instead (the reads must then go one by one). */
static int thing_read_batch(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n,
                            stk_diags *d)
{
    readlog(p, "batch %s %zu", t->name, n);
    const char *fl = getenv("STK_TEST_BATCH_FAIL");
    if (fl && !strcmp(fl, "1")) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "stktest: batch read failed", "STK_TEST_BATCH_FAIL=1");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = str_attr(priors[i], "id");
        if (!id) continue;
        json_t *f = load(p, t, id);
        pthread_mutex_lock(&p->batch_lock);
        json_object_set_new(p->batch, id, f ? f : json_null());
        pthread_mutex_unlock(&p->batch_lock);
    }
    return 0;
}

static const stk_resource_type thing_type = {
    "stktest_thing", "stktest", STK_RESOURCE_MANAGED, &thing_schema, thing_create, thing_read, thing_update,
    thing_delete, thing_import, NULL, thing_journal_info, thing_recover, thing_read_batch,
};
static const stk_resource_type data_type = {
    "stktest_data", "stktest", STK_RESOURCE_DATA, &data_schema, NULL, NULL, NULL, NULL, NULL, data_read, NULL, NULL,
};
static const stk_resource_type *const all_types[] = {&thing_type, &data_type};

/* ---- provider factory ---- */

static int configure(const char *name, stk_value *config, stk_provider_instance **out, stk_diags *d)
{
    stk_provider_instance *p = stk_xcalloc(1, sizeof *p);
    const char *dir = str_attr(config, "cloud_dir");
    if (!dir) dir = getenv("STK_TEST_CLOUD");
    p->dir = stk_xstrdup(dir && dir[0] ? dir : ".stk-test-cloud");
    pthread_mutex_init(&p->batch_lock, NULL);
    p->batch = json_object();
    mkdir(p->dir, 0700);
    *out = p;
    return 0;
}

static void pfree(stk_provider_instance *p)
{
    if (!p) return;
    free(p->dir);
    json_decref(p->batch);
    pthread_mutex_destroy(&p->batch_lock);
    free(p);
}

static void batch_end(stk_provider_instance *p)
{
    pthread_mutex_lock(&p->batch_lock);
    json_object_clear(p->batch);
    pthread_mutex_unlock(&p->batch_lock);
}

/* across types: logs "begin <n>" (every object being refreshed) */
static int batch_begin(stk_provider_instance *p, const stk_resource_type *const *types, stk_value *const *priors,
                       size_t n, stk_diags *d)
{
    readlog(p, "begin %s %zu", "all", n);
    return 0;
}

static const stk_provider_factory factory = {"stktest", configure, pfree, batch_end, batch_begin};

void stk_test_provider_register(void)
{
    stk_resource_types_register_extra(all_types, sizeof all_types / sizeof all_types[0]);
    stk_provider_factory_register(&factory);
}

int stk_test_provider_register_from_env(void)
{
    const char *e = getenv("STK_TEST_PROVIDER");
    if (!e || strcmp(e, "1") != 0) return 0;
    stk_test_provider_register();
    return 1;
}
