/* fuzz_planfile.c - libFuzzer target over the saved plan file loader and
 * what `stk apply FILE` does with what it loads.  The first byte chooses
 * how the rest is used:
 *   even: the bytes are a whole plan file (stk_planfile_parse: the JSON
 *         envelope, then the sealed values);
 *   odd:  the bytes are the sealed part itself ({"prior": ..., "plan": ...}
 *         as the attacker would like it decrypted): they are sealed with the
 *         plan key and wrapped in a valid envelope first, so the fuzzer gets
 *         past the GCM tag into the code that uses the opened values.
 * A document that loads is then planned from, as apply does: its "options"
 * and its "prior" objects (saved_prior) against a small configuration of
 * the test provider and an empty state, without refresh (nothing is
 * called).  Beyond "no crash, no leak, no sanitizer report" it checks that
 * a refused file says why and that planning always returns a plan or an
 * error.  Inputs are capped at 64 KiB. */
#include "plans/plan.h"
#include "config/config.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED   /* addr.h and config.h both name these */
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/store.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "state/crypt.h"
#include "test/test_provider.h"
#include "util/strbuf.h"
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static stk_config *cfg;
static stk_state *st;

static void put(const char *name, const char *text)
{
    char p[320];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

static void rm(const char *name)
{
    char p[320];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
}

static void cleanup(void)
{
    stk_config_free(cfg);
    stk_state_close(st);
    rm("main.tf");
    rm("plan.key");
    rm("state.db");
    rm("state.db-wal");
    rm("state.db-shm");
    rm("cloud");
    rmdir(dir);
}

static void setup(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/stk-fuzz-planfile-XXXXXX", base);
    if (!mkdtemp(dir)) abort();
    put("main.tf", "variable \"n\" {\n  default = 2\n}\n"
                   "resource \"stktest_thing\" \"a\" {\n  name = \"a\"\n  secret = \"s3cr3t\"\n  tags = { k = \"v\" }\n"
                   "  rule {\n    port = 80\n  }\n}\n"
                   "resource \"stktest_thing\" \"b\" {\n  count = var.n\n  name  = \"b-${count.index}\"\n"
                   "  items = [stktest_thing.a.id]\n}\n"
                   "output \"o\" {\n  value = stktest_thing.a.arn\n}\n");
    put("plan.key", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
    char p[320];
    snprintf(p, sizeof p, "%s/plan.key", dir);
    setenv("STK_PLAN_KEY_FILE", p, 1);
    snprintf(p, sizeof p, "%s/cloud", dir);
    setenv("STK_TEST_CLOUD", p, 1);
    stk_test_provider_register();
    stk_diags d = STK_DIAGS_INIT;
    cfg = stk_config_load(stk_fs_os(), dir, &d);
    stk_var_inputs in = {NULL, 0, NULL, NULL};
    if (!cfg || stk_config_set_vars(cfg, &in, &d) || stk_diags_has_errors(&d)) abort();
    snprintf(p, sizeof p, "%s/state.db", dir);
    if (stk_state_open_path(p, 1, &st, &d)) abort();
    stk_diags_free(&d);
    atexit(cleanup);
}

/* a valid envelope around the given inner bytes, sealed with the key */
static char *envelope(const uint8_t *data, size_t size, size_t *len)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_crypt_key *k = stk_crypt_key_from_file(getenv("STK_PLAN_KEY_FILE"), &d);
    if (!k) abort();
    unsigned char *ct = NULL;
    size_t ctlen = 0;
    if (stk_crypt_encrypt(k, data, size, &ct, &ctlen, &d)) abort();
    stk_crypt_key_free(k);
    stk_diags_free(&d);
    char *b64 = stk_xmalloc(4 * ((ctlen + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, ct, (int)ctlen);
    free(ct);
    json_t *doc = json_pack("{s:i,s:s,s:s,s:i,s:{},s:{s:b,s:b,s:b,s:[],s:[]},s:{},s:s}", "stk_plan_format", 2,
                            "config_digest", "", "lineage", "", "serial", 0, "variables", "options", "refresh", 0,
                            "refresh_only", 0, "destroy", 0, "targets", "replace", "actions", "sealed", b64);
    free(b64);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    *len = strlen(s);
    return s;
}

static void plan_from(json_t *pf)
{
    json_t *opts = json_object_get(pf, "options");
    stk_plan_opts po = {0};
    po.refresh = 0;
    po.refresh_only = json_is_true(json_object_get(opts, "refresh_only"));
    po.destroy = json_is_true(json_object_get(opts, "destroy"));
    const char *tg[8], *rp[8];
    size_t ntg = 0, nrp = 0, k;
    json_t *it;
    json_array_foreach(json_object_get(opts, "targets"), k, it) if (json_is_string(it) && ntg < 8) tg[ntg++] =
        json_string_value(it);
    json_array_foreach(json_object_get(opts, "replace"), k, it) if (json_is_string(it) && nrp < 8) rp[nrp++] =
        json_string_value(it);
    po.targets = tg;
    po.ntargets = ntg;
    po.replace = rp;
    po.nreplace = nrp;
    po.parallelism = 1;
    po.saved_prior = json_object_get(pf, "prior");
    if (po.saved_prior && !json_is_array(po.saved_prior)) return;   /* cmd_apply's json_array_foreach skips it too */
    stk_diags d = STK_DIAGS_INIT;
    stk_plan *p = stk_plan_make(cfg, st, &po, &d);
    if (!p && !stk_diags_has_errors(&d)) abort();   /* no plan means an error */
    stk_plan_free(p);
    stk_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536) return 0;
    if (!dir[0]) setup();
    char *text;
    size_t len;
    if (data[0] & 1) {
        text = envelope(data + 1, size - 1, &len);
    } else {
        len = size - 1;
        text = stk_xmalloc(len + 1);
        memcpy(text, data + 1, len);
        text[len] = 0;
    }
    stk_diags d = STK_DIAGS_INIT;
    json_t *doc = stk_planfile_parse(text, len, "fuzz.plan", &d);
    if (!doc && !stk_diags_has_errors(&d)) abort();   /* a refusal says why */
    if (doc) plan_from(doc);
    json_decref(doc);
    stk_diags_free(&d);
    free(text);
    return 0;
}
