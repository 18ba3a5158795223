/* fuzz_tfstate.c - libFuzzer target over the Terraform state importer
 * (state/tfstate.c, what `stk state import-tfstate` and `stk state push`
 * run on a terraform.tfstate): the bytes are parsed as a v4 document; a
 * document that parses is rebuilt, parsed again and rebuilt (the two builds
 * must be equal: import/export is lossless), then loaded into a real state
 * database (a temporary SQLite file, replaced every few hundred inputs so
 * its history stays small) and exported again, and the export must hold
 * the same resources and outputs as the build.  Beyond "no crash, no leak,
 * no sanitizer report" these are the contracts checked.  Inputs are capped
 * at 64 KiB. */
#include "state/tfstate.h"
#include "state/json.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static char dbpath[300];
static stk_state *st;
static unsigned uses;

static void remove_db(void)
{
    if (st) stk_state_close(st);
    st = NULL;
    char p[320];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
}

static void cleanup(void)
{
    remove_db();
    if (dir[0]) rmdir(dir);
}

static stk_state *store(void)
{
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/stk-fuzz-tfstate-XXXXXX", base);
        if (!mkdtemp(dir)) abort();
        snprintf(dbpath, sizeof dbpath, "%s/state.db", dir);
        atexit(cleanup);
    }
    if (st && ++uses % 256 == 0) remove_db();
    if (!st) {
        stk_diags d = STK_DIAGS_INIT;
        if (stk_state_open_path(dbpath, 1, &st, &d)) abort();
        stk_diags_free(&d);
    }
    return st;
}

/* a broken contract: say which, with the diagnostics, and crash */
static void fail(const char *what, const stk_diags *d, json_t *a, json_t *b)
{
    fprintf(stderr, "fuzz_tfstate: %s\n", what);
    json_t *docs[] = {a, b};
    for (int i = 0; i < 2; i++)
        if (docs[i]) {
            char *s = json_dumps(docs[i], JSON_SORT_KEYS | JSON_ENCODE_ANY);
            fprintf(stderr, "  %s\n", s);
            free(s);
        }
    for (size_t i = 0; d && i < d->len; i++)
        fprintf(stderr, "  %s: %s\n", d->items[i].summary, d->items[i].detail ? d->items[i].detail : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    stk_diags d = STK_DIAGS_INIT;
    stk_tfstate t;
    if (stk_tfstate_parse_text(text, &t, &d) == 0) {
        if (stk_diags_has_errors(&d)) fail("parse succeeded with errors", &d, NULL, NULL);
        json_t *b1 = stk_tfstate_build(&t);
        stk_tfstate t2;
        if (stk_tfstate_parse(b1, &t2, &d)) fail("the rebuilt document does not parse", &d, b1, NULL);
        json_t *b2 = stk_tfstate_build(&t2);
        if (!json_equal(b1, b2)) fail("parse(build(t)) differs from t", NULL, b1, b2);
        stk_tfstate_free(&t2);
        json_decref(b2);

        stk_state *s = store();
        json_t *root = stk_json_load(text, "fuzz", &d);
        if (root && stk_tfstate_load(s, root, STK_TFSTATE_ADOPT, 1, &d) == 0) {
            json_t *ex = stk_tfstate_export(s, &d);
            if (!ex) fail("export failed after a load", &d, NULL, NULL);
            if (!json_equal(json_object_get(ex, "resources"), json_object_get(b1, "resources")) ||
                !json_equal(json_object_get(ex, "outputs"), json_object_get(b1, "outputs")))
                fail("the store did not keep what was imported", NULL, ex, b1);
            json_decref(ex);
        }
        json_decref(root);
        json_decref(b1);
        stk_tfstate_free(&t);
    } else if (!stk_diags_has_errors(&d)) {
        fail("refused without an error", NULL, NULL, NULL);
    }
    stk_diags_free(&d);
    free(text);
    return 0;
}
