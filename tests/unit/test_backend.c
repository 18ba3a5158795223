/* test_backend.c - unit tests for the remote backend's pure parts:
 * client-side encryption (state/crypt.h: round trip, wrong key, tampering,
 * key files) and backend settings (state/backend.h: layer merging, types,
 * defaults, workspace keys, backend.json without secrets). */
#include "test.h"
#include "state/backend.h"
#include "state/crypt.h"
#include "util/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static const char *has_diag(const stk_diags *d, const char *needle)
{
    for (size_t i = 0; i < d->len; i++) {
        if (strstr(d->items[i].summary, needle)) return d->items[i].summary;
        if (d->items[i].detail && strstr(d->items[i].detail, needle)) return d->items[i].detail;
    }
    return NULL;
}

/* ---- crypt ----------------------------------------------------------------- */

static const char plain_text[] = "SQLite format 3\0 the state of a whole platform: aws_vpc.main, db_password=s3cr3t";

static void test_crypt_passphrase_round_trip(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_crypt_key *k = stk_crypt_key_from_passphrase("correct horse battery staple", &d);
    CHECK(k != NULL);
    stk_crypt_key_set_iterations(k, 2000);
    unsigned char *c = NULL, *p = NULL;
    size_t clen = 0, plen = 0;
    CHECK_INT(stk_crypt_encrypt(k, (const unsigned char *)plain_text, sizeof plain_text, &c, &clen, &d), 0);
    CHECK_INT(clen, STK_CRYPT_HEADER_LEN + sizeof plain_text + STK_CRYPT_TAG_LEN);
    CHECK(stk_crypt_is_encrypted(c, clen));
    CHECK(memcmp(c, "STKENC01", 8) == 0);
    CHECK_INT(c[8], 1);   /* PBKDF2 */
    /* no plaintext fragment survives in the ciphertext */
    CHECK(memmem(c, clen, "SQLite", 6) == NULL);
    CHECK(memmem(c, clen, "s3cr3t", 6) == NULL);
    /* a fresh key object (same passphrase) decrypts: the salt and count come from the header */
    stk_crypt_key *k2 = stk_crypt_key_from_passphrase("correct horse battery staple", &d);
    CHECK_INT(stk_crypt_decrypt(k2, c, clen, &p, &plen, &d), 0);
    CHECK_INT(plen, sizeof plain_text);
    CHECK(p && memcmp(p, plain_text, sizeof plain_text) == 0);
    /* two encryptions of the same text differ (random salt and nonce) */
    unsigned char *c2 = NULL;
    size_t c2len = 0;
    CHECK_INT(stk_crypt_encrypt(k, (const unsigned char *)plain_text, sizeof plain_text, &c2, &c2len, &d), 0);
    CHECK(c2len == clen && memcmp(c, c2, clen) != 0);
    CHECK(memcmp(c + 16, c2 + 16, 16) != 0);   /* salts */
    CHECK_INT(d.len, 0);
    free(c);
    free(c2);
    free(p);
    stk_crypt_key_free(k);
    stk_crypt_key_free(k2);
    stk_diags_free(&d);
}

static void test_crypt_wrong_key(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_crypt_key *k = stk_crypt_key_from_passphrase("right", &d);
    stk_crypt_key_set_iterations(k, 2000);
    stk_crypt_key *bad = stk_crypt_key_from_passphrase("wrong", &d);
    unsigned char *c = NULL, *p = (unsigned char *)"sentinel";
    size_t clen = 0, plen = 7;
    CHECK_INT(stk_crypt_encrypt(k, (const unsigned char *)plain_text, sizeof plain_text, &c, &clen, &d), 0);
    CHECK_INT(stk_crypt_decrypt(bad, c, clen, &p, &plen, &d), -1);
    CHECK(p == NULL);
    CHECK_INT(plen, 0);
    CHECK(has_diag(&d, "Cannot decrypt the state snapshot"));
    CHECK(has_diag(&d, "key or passphrase is wrong"));
    stk_diags_free(&d);
    /* a raw key cannot open a passphrase message, and says which key it needs */
    unsigned char raw[32] = {1, 2, 3};
    stk_crypt_key *rk = stk_crypt_key_from_bytes(raw);
    CHECK_INT(stk_crypt_decrypt(rk, c, clen, &p, &plen, &d), -1);
    CHECK(has_diag(&d, "encryption_passphrase"));
    stk_diags_free(&d);
    /* empty passphrase refused */
    CHECK(stk_crypt_key_from_passphrase("", &d) == NULL);
    CHECK(has_diag(&d, "must not be empty"));
    free(c);
    stk_crypt_key_free(k);
    stk_crypt_key_free(bad);
    stk_crypt_key_free(rk);
    stk_diags_free(&d);
}

static void test_crypt_tamper(void)
{
    stk_diags d = STK_DIAGS_INIT;
    unsigned char raw[32];
    for (int i = 0; i < 32; i++) raw[i] = (unsigned char)(i * 7 + 1);
    stk_crypt_key *k = stk_crypt_key_from_bytes(raw);
    unsigned char *c = NULL, *p = NULL;
    size_t clen = 0, plen = 0;
    CHECK_INT(stk_crypt_encrypt(k, (const unsigned char *)plain_text, sizeof plain_text, &c, &clen, &d), 0);
    CHECK_INT(c[8], 0);   /* raw key */
    /* flip one bit at each region: header (aad), nonce, ciphertext, tag */
    size_t spots[] = {10, 33, STK_CRYPT_HEADER_LEN + 3, clen - 1};
    for (size_t s = 0; s < sizeof spots / sizeof spots[0]; s++) {
        c[spots[s]] ^= 0x01;
        int rc = stk_crypt_decrypt(k, c, clen, &p, &plen, &d);
        if (rc != -1) fprintf(stderr, "tamper at byte %zu not detected\n", spots[s]);
        CHECK_INT(rc, -1);
        CHECK(p == NULL);
        c[spots[s]] ^= 0x01;
    }
    /* truncated */
    CHECK_INT(stk_crypt_decrypt(k, c, clen - 1, &p, &plen, &d), -1);
    CHECK_INT(stk_crypt_decrypt(k, c, 20, &p, &plen, &d), -1);
    /* not ours */
    CHECK_INT(stk_crypt_decrypt(k, (const unsigned char *)plain_text, sizeof plain_text, &p, &plen, &d), -1);
    CHECK(has_diag(&d, "not an stk-encrypted snapshot"));
    stk_diags_free(&d);
    /* untouched: still fine */
    CHECK_INT(stk_crypt_decrypt(k, c, clen, &p, &plen, &d), 0);
    CHECK(p && memcmp(p, plain_text, sizeof plain_text) == 0);
    free(p);
    /* empty plaintext round trip */
    unsigned char *e = NULL;
    size_t elen = 0;
    CHECK_INT(stk_crypt_encrypt(k, (const unsigned char *)"", 0, &e, &elen, &d), 0);
    CHECK_INT(stk_crypt_decrypt(k, e, elen, &p, &plen, &d), 0);
    CHECK_INT(plen, 0);
    free(p);
    free(e);
    free(c);
    stk_crypt_key_free(k);
    stk_diags_free(&d);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}

static void test_crypt_key_files(void)
{
    stk_diags d = STK_DIAGS_INIT;
    char *raw_path = stk_xasprintf("%s/raw.key", tmpdir), *hex_path = stk_xasprintf("%s/hex.key", tmpdir);
    char *bad_path = stk_xasprintf("%s/bad.key", tmpdir);
    unsigned char raw[32];
    for (int i = 0; i < 32; i++) raw[i] = (unsigned char)(0xa0 + i);
    write_file(raw_path, raw, 32);
    stk_strbuf hx = STK_STRBUF_INIT;
    for (int i = 0; i < 32; i++) stk_strbuf_printf(&hx, "%02X", raw[i]);
    stk_strbuf_puts(&hx, "\n");
    write_file(hex_path, hx.s, hx.len);
    stk_strbuf_free(&hx);
    stk_crypt_key *a = stk_crypt_key_from_file(raw_path, &d), *b = stk_crypt_key_from_file(hex_path, &d);
    CHECK(a && b);
    unsigned char *c = NULL, *p = NULL;
    size_t clen = 0, plen = 0;
    /* the raw file and its hex form are the same key */
    CHECK_INT(stk_crypt_encrypt(a, (const unsigned char *)"hello", 5, &c, &clen, &d), 0);
    CHECK_INT(stk_crypt_decrypt(b, c, clen, &p, &plen, &d), 0);
    CHECK(plen == 5 && p && memcmp(p, "hello", 5) == 0);
    write_file(bad_path, "short", 5);
    CHECK(stk_crypt_key_from_file(bad_path, &d) == NULL);
    CHECK(has_diag(&d, "32 raw bytes or 64 hexadecimal"));
    char *missing = stk_xasprintf("%s/none.key", tmpdir);
    CHECK(stk_crypt_key_from_file(missing, &d) == NULL);
    CHECK(has_diag(&d, "Cannot read the encryption key file"));
    free(missing);
    free(c);
    free(p);
    stk_crypt_key_free(a);
    stk_crypt_key_free(b);
    free(raw_path);
    free(hex_path);
    free(bad_path);
    stk_diags_free(&d);
}

/* ---- backend settings -------------------------------------------------------- */

static void test_backend_layers(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_config c;
    stk_backend_config_init(&c);
    json_t *block = json_loads("{\"bucket\":\"b1\",\"key\":\"app/tf.tfstate\",\"region\":\"eu-north-1\","
                               "\"dynamodb_table\":\"locks\",\"encrypt\":true,"
                               "\"endpoints\":{\"s3\":\"http://127.0.0.1:1\",\"dynamodb\":\"http://127.0.0.1:2\"},"
                               "\"secret_key\":\"SECRET\",\"profile\":null}", 0, NULL);
    CHECK_INT(stk_backend_config_apply_json(&c, block, "the backend block", &d), 0);
    json_decref(block);
    /* a file layer, then KEY=VALUE layers: later ones win */
    json_t *file = json_loads("{\"bucket\":\"b2\",\"use_lockfile\":\"true\",\"max_retries\":3}", 0, NULL);
    CHECK_INT(stk_backend_config_apply_json(&c, file, "-backend-config=prod.hcl", &d), 0);
    json_decref(file);
    CHECK_INT(stk_backend_config_apply_kv(&c, "bucket=b3", &d), 0);
    CHECK_INT(stk_backend_config_apply_kv(&c, "encrypt=false", &d), 0);
    CHECK_INT(stk_backend_config_apply_kv(&c, "endpoints.s3=http://127.0.0.1:9", &d), 0);
    CHECK_INT(stk_backend_config_apply_kv(&c, "force_path_style=true", &d), 0);   /* older name */
    CHECK_INT(stk_backend_config_apply_kv(&c, "dynamodb_endpoint=http://127.0.0.1:8", &d), 0);
    CHECK_INT(stk_backend_config_finish(&c, &d), 0);
    CHECK_INT(d.len, 0);
    CHECK_STR(c.bucket, "b3");
    CHECK_STR(c.key, "app/tf.tfstate");
    CHECK_INT(c.use_lockfile, 1);
    CHECK_INT(c.encrypt, 0);
    CHECK_INT(c.max_retries, 3);
    CHECK_INT(c.use_path_style, 1);
    CHECK_STR(c.endpoint_s3, "http://127.0.0.1:9");
    CHECK_STR(c.endpoint_dynamodb, "http://127.0.0.1:8");
    CHECK_STR(c.workspace_key_prefix, "env:");   /* default */
    CHECK(c.profile == NULL);                    /* null ignored */
    /* the AWS client config */
    stk_aws_config ac;
    stk_backend_aws_holder h;
    stk_backend_aws_config(&c, &ac, &h);
    CHECK_STR(ac.region, "eu-north-1");
    CHECK_INT(ac.nendpoints, 2);
    CHECK_STR(ac.endpoint_services[0], "s3");
    CHECK_STR(ac.endpoint_urls[1], "http://127.0.0.1:8");
    CHECK_INT(ac.s3_use_path_style, 1);
    CHECK_STR(ac.secret_key, "SECRET");
    /* backend.json never holds secrets */
    json_t *j = stk_backend_config_to_json(&c);
    char *text = json_dumps(j, 0);
    CHECK(strstr(text, "SECRET") == NULL);
    CHECK(strstr(text, "secret_key") == NULL);
    CHECK(strstr(text, "\"bucket\": \"b3\"") || strstr(text, "\"bucket\":\"b3\""));
    free(text);
    /* and reads back the same (without the secret) */
    stk_backend_config r;
    stk_backend_config_init(&r);
    CHECK_INT(stk_backend_config_from_json(&r, j, &d), 0);
    CHECK_INT(stk_backend_config_finish(&r, &d), 0);
    CHECK_STR(r.bucket, "b3");
    CHECK_STR(r.endpoint_dynamodb, "http://127.0.0.1:8");
    CHECK_INT(r.use_lockfile, 1);
    CHECK_INT(r.use_path_style, 1);
    CHECK(r.secret_key == NULL);
    json_t *j2 = stk_backend_config_to_json(&r);
    CHECK(json_equal(j, j2));
    json_decref(j2);
    json_decref(j);
    stk_backend_config_free(&r);
    stk_backend_config_free(&c);
    stk_diags_free(&d);
}

static void test_backend_errors(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_config c;
    stk_backend_config_init(&c);
    CHECK_INT(stk_backend_config_apply_kv(&c, "bukket=x", &d), -1);
    CHECK(has_diag(&d, "\"bukket\" is not a setting of the s3 backend"));
    CHECK_INT(stk_backend_config_apply_kv(&c, "encrypt=yes", &d), -1);
    CHECK(has_diag(&d, "must be a bool"));
    CHECK_INT(stk_backend_config_apply_kv(&c, "endpoints.ec2=http://x", &d), -1);
    CHECK(has_diag(&d, "endpoints.ec2"));
    CHECK_INT(stk_backend_config_apply_kv(&c, "novalue", &d), -1);
    json_t *bad = json_loads("{\"bucket\":[1]}", 0, NULL);
    CHECK_INT(stk_backend_config_apply_json(&c, bad, "the backend block", &d), -1);
    CHECK(has_diag(&d, "the backend block: \"bucket\" must be a string"));
    json_decref(bad);
    stk_diags_free(&d);
    /* finish: required keys, exclusive client-side keys, kms needs encrypt */
    CHECK_INT(stk_backend_config_apply_kv(&c, "key=/abs", &d), 0);
    CHECK_INT(stk_backend_config_apply_kv(&c, "encryption_passphrase=p", &d), 0);
    CHECK_INT(stk_backend_config_apply_kv(&c, "encryption_key_file=/k", &d), 0);
    CHECK_INT(stk_backend_config_apply_kv(&c, "kms_key_id=alias/x", &d), 0);
    CHECK_INT(stk_backend_config_finish(&c, &d), -1);
    CHECK(has_diag(&d, "needs \"bucket\""));
    CHECK(has_diag(&d, "needs \"region\""));
    CHECK(has_diag(&d, "must not start or end with '/'"));
    CHECK(has_diag(&d, "either encryption_passphrase or encryption_key_file"));
    CHECK(has_diag(&d, "kms_key_id is only used with encrypt = true"));
    /* accepted-but-unused keys of Terraform's backend: a warning */
    stk_diags w = STK_DIAGS_INIT;
    CHECK_INT(stk_backend_config_apply_kv(&c, "acl=private", &w), 0);
    CHECK_INT(w.len, 1);
    CHECK_INT(stk_diags_has_errors(&w), 0);
    CHECK(has_diag(&w, "accepts but does not use"));
    stk_diags_free(&w);
    CHECK_INT(stk_backend_key_known("acl"), 2);
    CHECK_INT(stk_backend_key_known("bucket"), 1);
    CHECK_INT(stk_backend_key_known("nope"), 0);
    CHECK(stk_backend_key_secret("encryption_passphrase"));
    CHECK(!stk_backend_key_secret("encryption_key_file"));
    stk_backend_config_free(&c);
    stk_diags_free(&d);
}

static void test_backend_workspace_keys(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_config c;
    stk_backend_config_init(&c);
    stk_backend_config_apply_kv(&c, "bucket=b", &d);
    stk_backend_config_apply_kv(&c, "key=path/to/terraform.tfstate", &d);
    stk_backend_config_apply_kv(&c, "region=eu-north-1", &d);
    CHECK_INT(stk_backend_config_finish(&c, &d), 0);
    char *k = stk_backend_state_key(&c, "default");
    CHECK_STR(k, "path/to/terraform.tfstate");
    free(k);
    k = stk_backend_state_key(&c, "staging");
    CHECK_STR(k, "env:/staging/path/to/terraform.tfstate");
    free(k);
    stk_backend_config_apply_kv(&c, "workspace_key_prefix=workspaces", &d);
    k = stk_backend_state_key(&c, "prod");
    CHECK_STR(k, "workspaces/prod/path/to/terraform.tfstate");
    free(k);
    stk_backend_config_free(&c);
    stk_diags_free(&d);
}

static void test_backend_save_load(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_config c, r;
    stk_backend_config_init(&c);
    stk_backend_config_apply_kv(&c, "bucket=b", &d);
    stk_backend_config_apply_kv(&c, "key=k", &d);
    stk_backend_config_apply_kv(&c, "region=eu-north-1", &d);
    stk_backend_config_apply_kv(&c, "encryption_passphrase=hunter2", &d);
    stk_backend_config_apply_kv(&c, "access_key=AKIAEXAMPLE", &d);
    CHECK_INT(stk_backend_config_finish(&c, &d), 0);
    stk_backend_config_init(&r);
    CHECK_INT(stk_backend_load(tmpdir, &r, &d), 0);   /* none yet */
    stk_backend_config_free(&r);
    CHECK_INT(stk_backend_save(tmpdir, &c, &d), 0);
    char *path = stk_xasprintf("%s/.stk/backend.json", tmpdir);
    struct stat sb;
    CHECK_INT(stat(path, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    char buf[4096] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    CHECK(strstr(buf, "hunter2") == NULL);
    CHECK(strstr(buf, "AKIAEXAMPLE") == NULL);
    CHECK(strstr(buf, "\"client_side_encryption\": \"passphrase\"") != NULL);
    stk_backend_config_init(&r);
    CHECK_INT(stk_backend_load(tmpdir, &r, &d), 1);
    CHECK_STR(r.bucket, "b");
    CHECK_INT(r.passphrase_expected, 1);
    CHECK(r.encryption_passphrase == NULL);
    setenv("STK_BACKEND_ENCRYPTION_PASSPHRASE", "from-env", 1);
    stk_backend_config_env_secrets(&r);
    unsetenv("STK_BACKEND_ENCRYPTION_PASSPHRASE");
    CHECK_STR(r.encryption_passphrase, "from-env");
    stk_backend_config_free(&r);
    /* a damaged file is an error, not silently "no backend" */
    write_file(path, "{not json", 9);
    stk_backend_config_init(&r);
    CHECK_INT(stk_backend_load(tmpdir, &r, &d), -1);
    CHECK(has_diag(&d, "Cannot read the backend settings"));
    stk_backend_config_free(&r);
    unlink(path);
    free(path);
    stk_backend_config_free(&c);
    stk_diags_free(&d);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/stk-test-backend.XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    STK_RUN(test_crypt_passphrase_round_trip);
    STK_RUN(test_crypt_wrong_key);
    STK_RUN(test_crypt_tamper);
    STK_RUN(test_crypt_key_files);
    STK_RUN(test_backend_layers);
    STK_RUN(test_backend_errors);
    STK_RUN(test_backend_workspace_keys);
    STK_RUN(test_backend_save_load);
    char *cmd = stk_xasprintf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    free(cmd);
    return stk_test_report();
}
