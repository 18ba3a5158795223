/* test_plan.c - unit tests of the plan/apply engine: the parallel walker
 * (ordering, the -parallelism bound, overlap of independent chains,
 * skipping dependents of a failure, the stop flag), the schema-driven
 * diff (defaults, computed attributes, normalisers), and a whole
 * plan -> apply -> plan cycle through the library with the test provider
 * (in a temporary directory), including journal recovery of an intent
 * left pending by a "crash". */
#include "test.h"
#include "graph/walk.h"
#include "plans/plan_priv.h"
#include "test/test_provider.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/store.h"
#include "state/journal.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "config/config.h"
#include "util/strbuf.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- walker ---- */

typedef struct {
    pthread_mutex_t mu;
    int inflight, max_inflight;
    int order[64], norder;
    int fail_node;
    double start[64], end[64];
    volatile int *stop_after_first;
} wctx;

static double now_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

static int wrun(void *ud, size_t i)
{
    wctx *w = ud;
    pthread_mutex_lock(&w->mu);
    w->inflight++;
    if (w->inflight > w->max_inflight) w->max_inflight = w->inflight;
    w->start[i] = now_s();
    pthread_mutex_unlock(&w->mu);
    struct timespec ts = {0, 30 * 1000000L};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&w->mu);
    w->inflight--;
    w->end[i] = now_s();
    w->order[w->norder++] = (int)i;
    if (w->stop_after_first) *w->stop_after_first = 1;
    pthread_mutex_unlock(&w->mu);
    return (int)i == w->fail_node ? -1 : 0;
}

static void test_walk_bound_and_order(void)
{
    /* two chains 0->1->2 and 3->4->5 plus six free nodes 6..11 */
    size_t n = 12;
    size_t d1[] = {0}, d2[] = {1}, d4[] = {3}, d5[] = {4};
    size_t *deps[12] = {NULL, d1, d2, NULL, d4, d5, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t nd[12] = {0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0};
    for (int par = 1; par <= 4; par++) {
        wctx w = {PTHREAD_MUTEX_INITIALIZER};
        w.fail_node = -1;
        stk_walk_status st[12];
        stk_walk_opts o = {n, deps, nd, par, wrun, &w, NULL};
        CHECK_INT(stk_walk(&o, st), 0);
        CHECK(w.max_inflight <= par);
        if (par > 1) CHECK(w.max_inflight >= 2);   /* independent nodes overlap */
        CHECK(w.end[0] <= w.start[1] && w.end[1] <= w.start[2]);
        CHECK(w.end[3] <= w.start[4] && w.end[4] <= w.start[5]);
        CHECK_INT(w.norder, 12);
    }
}

static void test_walk_critical_path_first(void)
{
    /* eight free nodes 0..7 and a chain 8->9->10: the chain heads the
       queue whenever one of its nodes is ready, so with one worker it runs
       8, 9, 10 before any free node, and with two its nodes never wait */
    size_t d9[] = {8}, d10[] = {9};
    size_t *deps[11] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d9, d10};
    size_t nd[11] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    wctx w = {PTHREAD_MUTEX_INITIALIZER};
    w.fail_node = -1;
    stk_walk_status st[11];
    size_t ranks[11];
    stk_walk_opts o = {11, deps, nd, 1, wrun, &w, NULL, ranks};
    CHECK_INT(stk_walk(&o, st), 0);
    CHECK_INT(w.norder, 11);
    CHECK(ranks[8] == 3 && ranks[9] == 3 && ranks[10] == 3 && ranks[0] == 1 && ranks[7] == 1);
    CHECK(w.order[0] == 8 && w.order[1] == 9 && w.order[2] == 10 && w.order[3] == 0 && w.order[10] == 7);
    wctx w2 = {PTHREAD_MUTEX_INITIALIZER};
    w2.fail_node = -1;
    stk_walk_opts o2 = {11, deps, nd, 2, wrun, &w2, NULL};
    CHECK_INT(stk_walk(&o2, st), 0);
    CHECK(w2.start[9] - w2.end[8] < 0.02 && w2.start[10] - w2.end[9] < 0.02);
    CHECK(w2.end[10] < w2.end[7]);   /* the chain is done before the free nodes */
}

static void test_walk_failure_skips_dependents(void)
{
    size_t d1[] = {0}, d2[] = {1};
    size_t *deps[4] = {NULL, d1, d2, NULL};
    size_t nd[4] = {0, 1, 1, 0};
    wctx w = {PTHREAD_MUTEX_INITIALIZER};
    w.fail_node = 0;
    stk_walk_status st[4];
    stk_walk_opts o = {4, deps, nd, 2, wrun, &w, NULL};
    CHECK_INT(stk_walk(&o, st), -1);
    CHECK_INT(st[0], STK_WALK_FAILED);
    CHECK_INT(st[1], STK_WALK_SKIPPED);
    CHECK_INT(st[2], STK_WALK_SKIPPED);
    CHECK_INT(st[3], STK_WALK_DONE);
}

static void test_walk_stop(void)
{
    size_t *deps[6] = {0};
    size_t nd[6] = {0};
    volatile int stop = 0;
    wctx w = {PTHREAD_MUTEX_INITIALIZER};
    w.fail_node = -1;
    w.stop_after_first = &stop;
    stk_walk_status st[6];
    stk_walk_opts o = {6, deps, nd, 1, wrun, &w, &stop};
    CHECK_INT(stk_walk(&o, st), -1);
    CHECK_INT(st[0], STK_WALK_DONE);
    CHECK_INT(w.norder, 1);
    CHECK_INT(st[5], STK_WALK_NOT_STARTED);
}

/* ---- diff ---- */

static const stk_schema_attr attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL},
    {"doc", "string", STK_ATTR_OPTIONAL | STK_ATTR_JSON, NULL, NULL},
    {"cidr", "string", STK_ATTR_OPTIONAL | STK_ATTR_CIDR, NULL, NULL},
    {"size", "number", STK_ATTR_OPTIONAL, "3", NULL},
    {"zone", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL, NULL},
};
static const stk_schema schema = {attrs, 5, NULL, 0};

static stk_value *obj(const char *json)
{
    json_error_t e;
    json_t *j = json_loads(json, 0, &e);
    stk_type *t = stk_schema_type(&schema);
    char *err = NULL;
    stk_value *v = stk_value_from_json_typed(j, t, &err);
    free(err);
    stk_type_unref(t);
    json_decref(j);
    return v;
}

static void test_diff_values(void)
{
    stk_value *cfg = obj("{\"id\":null,\"doc\":\"{ \\\"b\\\": 1, \\\"a\\\": 2 }\",\"cidr\":\"10.0.0.0/16\",\"size\":null,\"zone\":null}");
    stk_value *create = stk_diff_plan(&schema, cfg, NULL);
    CHECK(stk_value_get(create, "id")->is_unknown);
    CHECK(stk_value_get(create, "zone")->is_unknown);
    CHECK_INT(stk_value_get(create, "size")->u.num.i, 3);
    stk_value *prior = obj("{\"id\":\"x-1\",\"doc\":\"{\\\"a\\\":2,\\\"b\\\":1}\",\"cidr\":\"10.0.0.0/16\",\"size\":3,\"zone\":\"z1\"}");
    stk_value *upd = stk_diff_plan(&schema, cfg, prior);
    CHECK_STR(stk_value_str(stk_value_get(upd, "id")), "x-1");
    CHECK_STR(stk_value_str(stk_value_get(upd, "zone")), "z1");   /* computed: prior kept */
    CHECK_STR(stk_value_str(stk_value_get(upd, "doc")), "{\"a\":2,\"b\":1}");   /* same meaning: prior spelling */
    char **names = NULL;
    int fn = 0;
    size_t n = stk_diff_changed(&schema, prior, upd, &names, &fn);
    CHECK_INT(n, 0);
    free(names);
    stk_value *cfg2 = obj("{\"id\":null,\"doc\":\"{\\\"a\\\":3}\",\"cidr\":\"10.0.0.0/16\",\"size\":4,\"zone\":null}");
    stk_value *upd2 = stk_diff_plan(&schema, cfg2, prior);
    n = stk_diff_changed(&schema, prior, upd2, &names, &fn);
    CHECK_INT(n, 2);
    CHECK(!fn);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    const stk_schema_attr *c = stk_schema_find_attr(&schema, "cidr");
    stk_value *a1 = stk_value_string("FD00::/8"), *a2 = stk_value_string("fd00::/8"), *a3 = stk_value_string("fd01::/8");
    CHECK(stk_diff_attr_equal(c, a1, a2));
    CHECK(!stk_diff_attr_equal(c, a1, a3));
    stk_value_unref(a1);
    stk_value_unref(a2);
    stk_value_unref(a3);
    stk_value_unref(cfg);
    stk_value_unref(cfg2);
    stk_value_unref(create);
    stk_value_unref(prior);
    stk_value_unref(upd);
    stk_value_unref(upd2);
}

static const stk_schema_attr sm_attrs[] = {{"subnet_id", "string", STK_ATTR_OPTIONAL, NULL, NULL}};
static const stk_schema sm_schema = {sm_attrs, 1, NULL, 0};
static const stk_schema_attr lb_attrs[] = {{"name", "string", STK_ATTR_OPTIONAL, NULL, NULL}};
static const stk_schema_block lb_blocks[] = {{"subnet_mapping", STK_NESTING_SET, 0, 0, &sm_schema, STK_ATTR_COMPUTED}};
static const stk_schema lb_schema = {lb_attrs, 1, lb_blocks, 1};

static void test_diff_computed_block(void)
{
    stk_type *t = stk_schema_type(&lb_schema);
    json_error_t e;
    json_t *cj = json_loads("{\"name\":\"lb\",\"subnet_mapping\":[]}", 0, &e);
    json_t *pj = json_loads("{\"name\":\"lb\",\"subnet_mapping\":[{\"subnet_id\":\"s-1\"}]}", 0, &e);
    char *err = NULL;
    stk_value *cfg = stk_value_from_json_typed(cj, t, &err);
    stk_value *prior = stk_value_from_json_typed(pj, t, &err);
    free(err);
    CHECK(cfg && prior);
    if (cfg && prior) {
        stk_value *after = stk_diff_plan(&lb_schema, cfg, prior);
        CHECK_INT(stk_value_len(stk_value_get(after, "subnet_mapping")), 1);   /* kept from the prior state */
        char **names = NULL;
        int fn = 0;
        CHECK_INT(stk_diff_changed(&lb_schema, prior, after, &names, &fn), 0);
        free(names);
        stk_value_unref(after);
    }
    if (cfg) stk_value_unref(cfg);
    if (prior) stk_value_unref(prior);
    json_decref(cj);
    json_decref(pj);
    stk_type_unref(t);
}

/* ---- a whole cycle through the library ---- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static stk_config *load(const char *dir, stk_diags *d)
{
    stk_config *c = stk_config_load(stk_fs_os(), dir, d);
    stk_var_inputs in = {NULL, 0, NULL, NULL};
    if (c) stk_config_set_vars(c, &in, d);
    return c;
}

static void test_cycle_and_recovery(void)
{
    char tmpl[] = "/tmp/stk-test-plan-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    char *cloud = stk_xasprintf("%s/cloud", dir);
    setenv("STK_TEST_CLOUD", cloud, 1);
    char *tf = stk_xasprintf("%s/main.tf", dir);
    write_file(tf, "resource \"stktest_thing\" \"a\" {\n  name = \"a\"\n}\n"
                   "resource \"stktest_thing\" \"b\" {\n  name = \"b-${stktest_thing.a.id}\"\n}\n");
    stk_diags d = STK_DIAGS_INIT;
    stk_state *st = NULL;
    CHECK_INT(stk_state_open(dir, "default", &st, &d), 0);
    stk_config *c = load(dir, &d);
    stk_plan_opts o = {0};
    o.refresh = 1;
    o.parallelism = 4;
    stk_plan *p = stk_plan_make(c, st, &o, &d);
    CHECK(!stk_diags_has_errors(&d));
    size_t add, chg, del;
    stk_plan_counts(p, &add, &chg, &del);
    CHECK_INT(add, 2);
    CHECK_INT(p->nchanges, 2);
    CHECK_INT(p->changes[1]->ndeps, 1);
    CHECK_STR(p->changes[1]->deps[0], "stktest_thing.a");
    stk_apply_opts ao = {o, NULL, NULL};
    stk_apply_result r;
    CHECK_INT(stk_plan_apply(p, c, st, &ao, &r, &d), 0);
    CHECK_INT(r.added, 2);
    stk_plan_free(p);
    stk_state_instance si;
    CHECK_INT(stk_state_get(st, "stktest_thing.b", "", &si, &d), 1);
    CHECK(strstr(si.attributes, "\"name\":\"b-thing-") != NULL);
    CHECK(strstr(si.dependencies, "stktest_thing.a") != NULL);
    stk_state_instance_free(&si);
    p = stk_plan_make(c, st, &o, &d);
    CHECK(!stk_plan_has_changes(p));
    stk_plan_free(p);

    /* a crash between the intent and the result: the object exists in the
       cloud (found by the journal token), the state does not know it */
    stk_provider_instance *pi = NULL;
    stk_value *empty = stk_value_empty_object();
    CHECK_INT(stk_provider_configure("stktest", empty, &pi, &d), 0);
    stk_value_unref(empty);
    const stk_resource_type *t = stk_resource_type_lookup(STK_RESOURCE_MANAGED, "stktest_thing");
    int64_t id = 0;
    CHECK_INT(stk_journal_intent_begin(st, "stktest_thing.lost", STK_ACTION_CREATE,
                                       "{\"token\":\"tok-123\",\"provider\":\"provider[\\\"registry.terraform.io/hashicorp/stktest\\\"]\"}",
                                       &id, &d),
              0);
    stk_call_ctx cx = {0};
    cx.token = "tok-123";
    stk_call_ctx_set(&cx);
    stk_type *ty = stk_schema_type(t->schema);
    stk_value *planned = stk_value_null(ty);
    json_error_t je;
    json_t *pj = json_loads("{\"name\":\"lost\"}", 0, &je);
    char *err = NULL;
    stk_value *pv = stk_value_from_json_typed(pj, ty, &err);
    free(err);
    json_decref(pj);
    stk_value *nv = NULL;
    if (pv) {
        CHECK_INT(t->create(pi, t, pv, &nv, &d), 0);
        stk_value_unref(pv);
    } else {
        CHECK(!"planned value");
    }
    stk_call_ctx_set(NULL);
    stk_value_unref(planned);
    stk_type_unref(ty);
    if (nv) stk_value_unref(nv);
    stk_provider_instance_free("stktest", pi);
    char **notes = NULL;
    CHECK_INT(stk_plan_recover(c, st, &notes, &d), 0);
    CHECK(notes && notes[0] && strstr(notes[0], "stktest_thing.lost"));
    for (size_t i = 0; notes && notes[i]; i++) free(notes[i]);
    free(notes);
    CHECK_INT(stk_state_get(st, "stktest_thing.lost", "", &si, &d), 1);
    stk_state_instance_free(&si);
    /* the adopted object is not in the configuration: planned for deletion */
    p = stk_plan_make(c, st, &o, &d);
    stk_plan_counts(p, &add, &chg, &del);
    CHECK_INT(del, 1);
    stk_plan_free(p);
    if (stk_diags_has_errors(&d)) fprintf(stderr, "%s: %s\n", d.items[0].summary, d.items[0].detail ? d.items[0].detail : "");
    stk_diags_free(&d);
    stk_config_free(c);
    stk_state_close(st);
    char *cmd = stk_xasprintf("rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    free(cmd);
    free(tf);
    free(cloud);
}

int main(void)
{
    stk_test_provider_register();
    STK_RUN(test_walk_bound_and_order);
    STK_RUN(test_walk_critical_path_first);
    STK_RUN(test_walk_failure_skips_dependents);
    STK_RUN(test_walk_stop);
    STK_RUN(test_diff_values);
    STK_RUN(test_diff_computed_block);
    STK_RUN(test_cycle_and_recovery);
    return stk_test_report();
}
