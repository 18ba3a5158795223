/* remote.c - the S3 backend at run time: client, session lock with the
 * digest check, snapshot upload, digest record, download and install
 * (see remote.h). */
#include "remote.h"
#include "history.h"
#include "aws/protocol/call.h"
#include "util/strbuf.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct stk_remote {
    const stk_backend_config *cfg;   /* borrowed */
    stk_aws_client *client;
    stk_crypt_key *key;              /* NULL: no client-side encryption */
    int key_missing;                 /* a passphrase is expected but was not given */
    char *workspace, *state_key;
};

int stk_remote_new(const stk_backend_config *c, const char *workspace, stk_remote **out, stk_diags *d)
{
    *out = NULL;
    stk_aws_config ac;
    stk_backend_aws_holder h;
    stk_backend_aws_config(c, &ac, &h);
    stk_crypt_key *key = NULL;
    if (c->encryption_passphrase) {
        key = stk_crypt_key_from_passphrase(c->encryption_passphrase, d);
        if (!key) return -1;
    } else if (c->encryption_key_file) {
        key = stk_crypt_key_from_file(c->encryption_key_file, d);
        if (!key) return -1;
    }
    stk_aws_client *client = stk_aws_client_new(&ac, d);
    if (!client) {
        stk_crypt_key_free(key);
        return -1;
    }
    stk_remote *r = stk_xcalloc(1, sizeof *r);
    r->cfg = c;
    r->client = client;
    r->key = key;
    r->key_missing = !key && c->passphrase_expected;   /* an error only when a snapshot is written or read */
    r->workspace = stk_xstrdup(workspace ? workspace : "default");
    r->state_key = stk_backend_state_key(c, r->workspace);
    *out = r;
    return 0;
}

void stk_remote_free(stk_remote *r)
{
    if (!r) return;
    stk_aws_client_free(r->client);
    stk_crypt_key_free(r->key);
    free(r->workspace);
    free(r->state_key);
    free(r);
}

const char *stk_remote_bucket(const stk_remote *r) { return r->cfg->bucket; }
const char *stk_remote_state_key(const stk_remote *r) { return r->state_key; }
stk_aws_client *stk_remote_client(stk_remote *r) { return r->client; }
const stk_backend_config *stk_remote_config(const stk_remote *r) { return r->cfg; }

/* ---- helpers --------------------------------------------------------------- */

static int need_key(stk_remote *r, stk_diags *d);

int stk_remote_ready(stk_remote *r, stk_diags *d)
{
    return need_key(r, d);
}

static int need_key(stk_remote *r, stk_diags *d)
{
    if (!r->key_missing) return 0;
    stk_diags_error(d, NULL, "Missing state encryption passphrase",
                    "The backend encrypts state snapshots with a passphrase, which stk never stores. Set "
                    "STK_BACKEND_ENCRYPTION_PASSPHRASE, or keep encryption_passphrase in the backend block "
                    "(from a variable), or run `stk init` again.");
    return -1;
}

static char *hex(const unsigned char *b, size_t n)
{
    char *s = stk_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = 0;
    return s;
}

static char *digest_hex(const EVP_MD *md, const unsigned char *buf, size_t len)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(buf, len, out, &n, md, NULL);
    return hex(out, n);
}

static int read_all(const char *path, unsigned char **buf, size_t *len, stk_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        stk_diags_error(d, NULL, "Cannot read the state snapshot", "%s: %s", path, strerror(errno));
        return -1;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) stk_strbuf_add(&b, tmp, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        stk_strbuf_free(&b);
        stk_diags_error(d, NULL, "Cannot read the state snapshot", "%s: read error", path);
        return -1;
    }
    *len = b.len;
    *buf = (unsigned char *)(b.s ? stk_strbuf_detach(&b) : stk_xstrdup(""));
    return 0;
}

static int write_all(const char *path, const unsigned char *buf, size_t len, stk_diags *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0;
    size_t off = 0;
    while (ok && off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) off += (size_t)w;
    }
    if (fd >= 0) {
        ok = ok && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
    }
    if (!ok) stk_diags_error(d, NULL, "Cannot write the state snapshot", "%s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

char *stk_remote_state_sha256(stk_state *st, stk_diags *d)
{
    stk_snapshot_info *snaps = NULL;
    size_t n = 0;
    if (stk_history_snapshots(st, &snaps, &n, d)) return NULL;
    char *sha = NULL;
    for (size_t i = 0; i < n; i++)
        if (snaps[i].serial == stk_state_serial(st) && snaps[i].sha256) {
            free(sha);
            sha = stk_xstrdup(snaps[i].sha256);
        }
    stk_history_snapshots_free(snaps, n);
    return sha;
}

static char *digest_lock_id(stk_remote *r)
{
    return stk_xasprintf("%s/%s-md5", r->cfg->bucket, r->state_key);
}

/* ---- digest ----------------------------------------------------------------- */

void stk_remote_digest_free(stk_remote_digest *dg)
{
    free(dg->lineage);
    free(dg->state_sha256);
    free(dg->md5);
    free(dg->version_id);
    memset(dg, 0, sizeof *dg);
}

static char *dup_or_null(const char *s) { return s && *s ? stk_xstrdup(s) : NULL; }

int stk_remote_read_digest(stk_remote *r, stk_remote_digest *dg, stk_diags *d)
{
    memset(dg, 0, sizeof *dg);
    if (r->cfg->dynamodb_table && *r->cfg->dynamodb_table) {
        char *id = digest_lock_id(r);
        json_t *p = json_pack("{s:s, s:{s:{s:s}}, s:b}", "TableName", r->cfg->dynamodb_table, "Key", "LockID", "S", id,
                              "ConsistentRead", 1);
        free(id);
        json_t *res = NULL;
        int rc = stk_aws_call(r->client, "dynamodb", "GetItem", p, &res, d);
        json_decref(p);
        if (rc) return -1;
        json_t *item = json_object_get(res, "Item");
        if (json_is_object(item)) {
#define A(name) json_string_value(json_object_get(json_object_get(item, name), "S"))
            const char *serial = json_string_value(json_object_get(json_object_get(item, "StkSerial"), "N"));
            dg->md5 = dup_or_null(A("Digest"));
            if (serial) {
                dg->found = 1;
                dg->serial = strtoll(serial, NULL, 10);
                dg->lineage = dup_or_null(A("StkLineage"));
                dg->state_sha256 = dup_or_null(A("StkStateSha256"));
                dg->version_id = dup_or_null(A("StkVersionId"));
            }
#undef A
        }
        json_decref(res);
        if (dg->found) return 0;
    }
    /* no table (or an item without stk's attributes): the object's metadata */
    json_t *p = json_pack("{s:s, s:s}", "Bucket", r->cfg->bucket, "Key", r->state_key);
    json_t *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(r->client, "s3", "HeadObject", p, NULL, &res, &err, &tmp);
    json_decref(p);
    if (rc) {
        int absent = err.status == 404 || stk_aws_error_is(&err, "NotFound") || stk_aws_error_is(&err, "NoSuchKey");
        stk_aws_error_clear(&err);
        if (absent) {
            stk_diags_free(&tmp);
            return 0;
        }
        stk_diags_append(d, &tmp);
        return -1;
    }
    stk_diags_free(&tmp);
    json_t *md = json_object_get(res, "Metadata");
    const char *serial = json_string_value(json_object_get(md, "stk-serial"));
    if (serial) {
        dg->found = 1;
        dg->serial = strtoll(serial, NULL, 10);
        dg->lineage = dup_or_null(json_string_value(json_object_get(md, "stk-lineage")));
        dg->state_sha256 = dup_or_null(json_string_value(json_object_get(md, "stk-state-sha256")));
        dg->version_id = dup_or_null(json_string_value(json_object_get(res, "VersionId")));
    } else {
        stk_diags_warning(d, NULL, "Unrecognised object at the state key",
                          "s3://%s/%s exists but was not written by stk (no stk-serial metadata); it will be "
                          "overwritten by the next backup.", r->cfg->bucket, r->state_key);
    }
    json_decref(res);
    return 0;
}

static int local_state_info(const char *db, int64_t *serial, char **lineage, char **sha, stk_diags *d)
{
    stk_state *st = NULL;
    if (stk_state_open_path(db, 0, &st, d)) return -1;
    *serial = stk_state_serial(st);
    *lineage = stk_xstrdup(stk_state_lineage(st));
    *sha = stk_remote_state_sha256(st, d);
    stk_state_close(st);
    return 0;
}

int stk_remote_check_local(stk_remote *r, const char *local_db, stk_diags *d)
{
    stk_remote_digest dg;
    if (stk_remote_read_digest(r, &dg, d)) return -1;
    if (!dg.found) return 0;
    int rc = -1;
    int64_t serial = 0;
    char *lineage = NULL, *sha = NULL;
    if (access(local_db, F_OK) != 0) {
        stk_diags_error(d, NULL, "No local copy of the remote state",
                        "The backend holds the state of this workspace (s3://%s/%s, serial %" PRId64
                        ") but there is no local copy (%s). Run `stk init` to pull it first.",
                        r->cfg->bucket, r->state_key, dg.serial, local_db);
        goto out;
    }
    if (local_state_info(local_db, &serial, &lineage, &sha, d)) goto out;
    if (dg.lineage && strcmp(dg.lineage, lineage) != 0) {
        stk_diags_error(d, NULL, "Local state does not match the backend",
                        "The local state (%s) has lineage %s, but the state in s3://%s/%s has lineage %s: they are "
                        "different states. Run `stk init` in a fresh directory to use the backend's state, or "
                        "`stk init -reconfigure` to make the local state the backend's (it overwrites it).",
                        local_db, lineage, r->cfg->bucket, r->state_key, dg.lineage);
        goto out;
    }
    if (serial < dg.serial) {
        stk_diags_error(d, NULL, "Local state is stale",
                        "The local state is at serial %" PRId64 " but the backend (s3://%s/%s) is at serial %" PRId64
                        ": someone changed the state since this copy was taken. Run `stk init` to pull the latest "
                        "state, then run the command again.",
                        serial, r->cfg->bucket, r->state_key, dg.serial);
        goto out;
    }
    if (serial == dg.serial && dg.state_sha256 && sha && strcmp(dg.state_sha256, sha) != 0) {
        stk_diags_error(d, NULL, "State digest mismatch",
                        "The local state and the backend's are both at serial %" PRId64
                        " but differ (SHA-256 %s locally, %s in the backend's digest): the copies diverged. "
                        "Inspect both (`stk state pull`; `stk backend restore --from s3://%s/%s`) and keep one.",
                        serial, sha, dg.state_sha256, r->cfg->bucket, r->state_key);
        goto out;
    }
    if (serial > dg.serial)
        stk_diags_warning(d, NULL, "Local state is ahead of the backend",
                          "The local state is at serial %" PRId64 ", the backend's at %" PRId64
                          " (an earlier backup did not finish?); this command's backup uploads it.",
                          serial, dg.serial);
    rc = 0;
out:
    free(lineage);
    free(sha);
    stk_remote_digest_free(&dg);
    return rc;
}

/* ---- upload ------------------------------------------------------------------- */

int stk_remote_upload(stk_remote *r, const char *snapshot_path, int64_t serial, const char *lineage, stk_diags *d)
{
    unsigned char *plain = NULL, *body = NULL;
    size_t plen = 0, blen = 0;
    if (need_key(r, d) || read_all(snapshot_path, &plain, &plen, d)) return -1;
    /* the state digest of the snapshot at its serial */
    char *state_sha = NULL;
    {
        stk_state *st = NULL;
        if (stk_state_open_path(snapshot_path, 0, &st, d) == 0) {
            state_sha = stk_remote_state_sha256(st, d);
            stk_state_close(st);
        }
    }
    int rc = -1;
    if (r->key) {
        if (stk_crypt_encrypt(r->key, plain, plen, &body, &blen, d)) goto out;
    } else {
        body = plain;
        blen = plen;
        plain = NULL;
    }
    char serial_s[32];
    snprintf(serial_s, sizeof serial_s, "%" PRId64, serial);
    json_t *md = json_pack("{s:s, s:s, s:s}", "stk-serial", serial_s, "stk-lineage", lineage ? lineage : "",
                           "stk-encrypted", r->key ? "aes-256-gcm" : "none");
    if (state_sha) json_object_set_new(md, "stk-state-sha256", json_string(state_sha));
    json_t *p = json_pack("{s:s, s:s, s:s, s:o}", "Bucket", r->cfg->bucket, "Key", r->state_key, "ContentType",
                          "application/octet-stream", "Metadata", md);
    if (r->cfg->encrypt) {
        if (r->cfg->kms_key_id && *r->cfg->kms_key_id) {
            json_object_set_new(p, "ServerSideEncryption", json_string("aws:kms"));
            json_object_set_new(p, "SSEKMSKeyId", json_string(r->cfg->kms_key_id));
        } else {
            json_object_set_new(p, "ServerSideEncryption", json_string("AES256"));
        }
    }
    stk_aws_call_opts o = {0};
    o.body = body;
    o.body_len = blen;
    json_t *res = NULL;
    int c = stk_aws_call_ex(r->client, "s3", "PutObject", p, &o, &res, NULL, d);
    json_decref(p);
    if (c) {
        stk_diags_error(d, NULL, "State backup failed",
                        "Serial %" PRId64 " is committed locally but was not uploaded to s3://%s/%s; the next "
                        "state-changing command uploads it.", serial, r->cfg->bucket, r->state_key);
        goto out;
    }
    const char *version = json_string_value(json_object_get(res, "VersionId"));
    if (r->cfg->dynamodb_table && *r->cfg->dynamodb_table) {
        char *id = digest_lock_id(r);
        char *md5 = digest_hex(EVP_md5(), body, blen);
        json_t *item = json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "LockID", "S", id, "Digest", "S", md5,
                                 "StkSerial", "N", serial_s, "StkLineage", "S", lineage ? lineage : "");
        if (state_sha) json_object_set_new(item, "StkStateSha256", json_pack("{s:s}", "S", state_sha));
        if (version && *version) json_object_set_new(item, "StkVersionId", json_pack("{s:s}", "S", version));
        json_t *pp = json_pack("{s:s, s:o}", "TableName", r->cfg->dynamodb_table, "Item", item);
        json_t *res2 = NULL;
        c = stk_aws_call(r->client, "dynamodb", "PutItem", pp, &res2, d);
        json_decref(pp);
        json_decref(res2);
        free(id);
        free(md5);
        if (c) {
            stk_diags_error(d, NULL, "State digest not recorded",
                            "The snapshot of serial %" PRId64 " was uploaded but its digest item could not be "
                            "written to DynamoDB table %s.", serial, r->cfg->dynamodb_table);
            json_decref(res);
            goto out;
        }
    }
    json_decref(res);
    rc = 0;
out:
    free(state_sha);
    free(plain);
    free(body);
    return rc;
}

static int backup_cb(void *ud, const char *snapshot_path, int64_t serial, const char *lineage, const char *sha256_hex,
                     stk_diags *d)
{
    (void)sha256_hex;
    return stk_remote_upload(ud, snapshot_path, serial, lineage, d);
}

void stk_remote_backup_hook(stk_remote *r, stk_backup_hook *out)
{
    out->backup = backup_cb;
    out->ud = r;
}

int stk_remote_delete_state(stk_remote *r, stk_diags *d)
{
    json_t *p = json_pack("{s:s, s:s}", "Bucket", r->cfg->bucket, "Key", r->state_key), *res = NULL;
    int rc = stk_aws_call(r->client, "s3", "DeleteObject", p, &res, d);
    json_decref(p);
    json_decref(res);
    if (rc == 0 && r->cfg->dynamodb_table && *r->cfg->dynamodb_table) {
        char *id = digest_lock_id(r);
        p = json_pack("{s:s, s:{s:{s:s}}}", "TableName", r->cfg->dynamodb_table, "Key", "LockID", "S", id);
        res = NULL;
        rc = stk_aws_call(r->client, "dynamodb", "DeleteItem", p, &res, d);
        json_decref(p);
        json_decref(res);
        free(id);
    }
    return rc;
}

/* ---- workspaces in the backend ------------------------------------------------ */

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The keys under prefix (ListObjectsV2, every page); new reference. */
static json_t *list_keys(stk_remote *r, const char *prefix, stk_diags *d)
{
    json_t *p = json_pack("{s:s, s:s}", "Bucket", r->cfg->bucket, "Prefix", prefix);
    json_t *res = NULL;
    int rc = stk_aws_paginate(r->client, "s3", "ListObjectsV2", p, &res, d);
    json_decref(p);
    if (rc) return NULL;
    json_t *keys = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(res, "Contents"), i, o) {
        json_t *k = json_object_get(o, "Key");
        if (json_is_string(k)) json_array_append(keys, k);
    }
    json_decref(res);
    return keys;
}

int stk_remote_list_workspaces(stk_remote *r, char ***names, size_t *n, stk_diags *d)
{
    *names = NULL;
    *n = 0;
    const char *key = r->cfg->key;
    char *prefix = stk_xasprintf("%s/", r->cfg->workspace_key_prefix ? r->cfg->workspace_key_prefix : "env:");
    json_t *dflt = list_keys(r, key, d);
    json_t *others = dflt ? list_keys(r, prefix, d) : NULL;
    if (!others) {
        json_decref(dflt);
        free(prefix);
        return -1;
    }
    size_t len = 0, plen = strlen(prefix), i;
    char **out = stk_xcalloc(json_array_size(dflt) + json_array_size(others) + 1, sizeof *out);
    json_t *k;
    json_array_foreach(dflt, i, k) if (!strcmp(json_string_value(k), key)) {
        out[len++] = stk_xstrdup("default");
        break;
    }
    json_array_foreach(others, i, k) {
        /* <prefix>/NAME/<key> exactly (not the lock object <key>.tflock) */
        const char *name = json_string_value(k) + plen, *slash = strchr(name, '/');
        if (!slash || slash == name || strcmp(slash + 1, key)) continue;
        out[len++] = stk_xstrndup(name, (size_t)(slash - name));
    }
    json_decref(dflt);
    json_decref(others);
    free(prefix);
    qsort(out, len, sizeof *out, cmp_name);
    *names = out;
    *n = len;
    return 0;
}

/* ---- download / install / restore ------------------------------------------ */

void stk_remote_snapshot_free(stk_remote_snapshot *s)
{
    free(s->lineage);
    free(s->version_id);
    memset(s, 0, sizeof *s);
}

int stk_remote_download(stk_remote *r, const char *bucket, const char *key, const char *version_id,
                        const char *dest_path, stk_remote_snapshot *info, stk_diags *d)
{
    memset(info, 0, sizeof *info);
    if (need_key(r, d)) return -1;
    int own = !bucket && !key && !version_id;
    if (!bucket) bucket = r->cfg->bucket;
    if (!key) key = r->state_key;
    json_t *p = json_pack("{s:s, s:s}", "Bucket", bucket, "Key", key);
    if (version_id) json_object_set_new(p, "VersionId", json_string(version_id));
    unsigned char *body = NULL, *plain = NULL;
    size_t blen = 0, plen = 0;
    stk_aws_call_opts o = {0};
    o.out_body = &body;
    o.out_body_len = &blen;
    json_t *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(r->client, "s3", "GetObject", p, &o, &res, &err, &tmp);
    json_decref(p);
    if (rc) {
        int absent = !version_id && (stk_aws_error_is(&err, "NoSuchKey") || err.status == 404);
        stk_aws_error_clear(&err);
        if (absent) {
            stk_diags_free(&tmp);
            return 0;
        }
        stk_diags_append(d, &tmp);
        return -1;
    }
    stk_diags_free(&tmp);
    rc = -1;
    const char *vid = json_string_value(json_object_get(res, "VersionId"));
    info->version_id = dup_or_null(vid);
    if (own && r->cfg->dynamodb_table && *r->cfg->dynamodb_table) {
        stk_remote_digest dg;
        if (stk_remote_read_digest(r, &dg, d)) goto out;
        char *md5 = digest_hex(EVP_md5(), body ? body : (const unsigned char *)"", blen);
        int bad = dg.md5 && strcmp(dg.md5, md5) != 0;
        if (bad)
            stk_diags_error(d, NULL, "State digest mismatch",
                            "The state data in s3://%s/%s does not have the expected content: its MD5 is %s but the "
                            "digest in DynamoDB table %s says %s. An upload may still be in progress, or the object "
                            "was changed outside stk; retry in a moment, or restore a known version with "
                            "`stk backend restore --from s3://%s/%s --version-id V`.",
                            bucket, key, md5, r->cfg->dynamodb_table, dg.md5, bucket, key);
        free(md5);
        stk_remote_digest_free(&dg);
        if (bad) goto out;
    }
    if (stk_crypt_is_encrypted(body, blen)) {
        info->encrypted = 1;
        if (!r->key) {
            stk_diags_error(d, NULL, "The state snapshot is encrypted",
                            "s3://%s/%s was encrypted on the client side; give the key in the backend "
                            "configuration (encryption_passphrase or encryption_key_file, or "
                            "STK_BACKEND_ENCRYPTION_PASSPHRASE).", bucket, key);
            goto out;
        }
        if (stk_crypt_decrypt(r->key, body, blen, &plain, &plen, d)) goto out;
    } else {
        if (r->key)
            stk_diags_warning(d, NULL, "Unencrypted state snapshot",
                              "s3://%s/%s is not encrypted on the client side although a key is configured (it was "
                              "written before encryption was turned on); the next backup encrypts it.", bucket, key);
        plain = body;
        plen = blen;
        body = NULL;
    }
    if (write_all(dest_path, plain ? plain : (const unsigned char *)"", plen, d)) goto out;
    stk_state *st = NULL;
    stk_diags od = STK_DIAGS_INIT;
    if (stk_state_open_path(dest_path, 0, &st, &od)) {
        stk_diags_error(d, NULL, "Not a state snapshot",
                        "s3://%s/%s is not an stk state database (%s).", bucket, key,
                        od.len ? od.items[0].detail ? od.items[0].detail : od.items[0].summary : "unreadable");
        stk_diags_free(&od);
        goto out;
    }
    stk_diags_free(&od);
    info->serial = stk_state_serial(st);
    info->lineage = stk_xstrdup(stk_state_lineage(st));
    stk_state_close(st);
    rc = 1;
out:
    json_decref(res);
    free(body);
    free(plain);
    return rc;
}

int stk_remote_install(const char *src_db, const char *dest_db, stk_diags *d)
{
    int fd = open(dest_db, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        stk_diags_error(d, NULL, "Cannot write the local state", "%s: %s", dest_db, strerror(errno));
        return -1;
    }
    close(fd);
    sqlite3 *src = NULL, *dst = NULL;
    int rc = -1;
    if (sqlite3_open_v2(src_db, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open_v2(dest_db, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        stk_diags_error(d, NULL, "Cannot install the pulled state", "%s", sqlite3_errmsg(dst ? dst : src));
        goto out;
    }
    sqlite3_busy_timeout(dst, 10000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        stk_diags_error(d, NULL, "Cannot install the pulled state", "%s: %s", dest_db, sqlite3_errmsg(dst));
        goto out;
    }
    int s = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (s != SQLITE_DONE) {
        stk_diags_error(d, NULL, "Cannot install the pulled state", "%s: %s", dest_db, sqlite3_errstr(s));
        goto out;
    }
    rc = 0;
out:
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc;
}

struct restore_ctx {
    stk_state *src;
};

static int do_restore(stk_state *st, void *ud, stk_diags *d)
{
    struct restore_ctx *c = ud;
    stk_state_instance_list insts = {0};
    stk_state_output_list outs = {0};
    int rc = stk_state_list(c->src, NULL, 0, &insts, d);
    if (rc == 0) rc = stk_state_list_outputs(c->src, &outs, d);
    if (rc == 0)
        rc = stk_state_replace_all(st, &insts, &outs, NULL, stk_state_terraform_version(c->src), 0, d);
    stk_state_instance_list_free(&insts);
    stk_state_output_list_free(&outs);
    return rc;
}

int stk_remote_restore_into(stk_state *st, const char *src_db, int force, stk_diags *d)
{
    struct restore_ctx c = {0};
    if (stk_state_open_path(src_db, 0, &c.src, d)) return -1;
    int rc = -1;
    if (!force && strcmp(stk_state_lineage(c.src), stk_state_lineage(st)) != 0) {
        stk_diags_error(d, NULL, "Snapshot of another state",
                        "The snapshot has lineage %s, the local state %s; restoring it would mix two states. Use "
                        "-force to restore it anyway (the local lineage is kept).",
                        stk_state_lineage(c.src), stk_state_lineage(st));
    } else {
        rc = stk_state_with_tx(st, do_restore, &c, d);
    }
    stk_state_close(c.src);
    return rc;
}

/* ---- the session lock ---------------------------------------------------------- */

typedef struct {
    stk_remote *r;
    stk_lock *inner[2];
    size_t n;
    char *db;
} sess_lock;

static void release_inner(sess_lock *s, size_t upto, stk_diags *d)
{
    for (size_t i = upto; i-- > 0;) s->inner[i]->ops->release(s->inner[i], d);
}

static int sess_try(stk_lock *l, const stk_lock_info *info, stk_lock_info **holder, stk_lock_info **stale,
                    stk_diags *d)
{
    sess_lock *s = l->impl;
    *holder = NULL;
    *stale = NULL;
    for (size_t i = 0; i < s->n; i++) {
        stk_lock_info *dead = NULL;
        int rc = s->inner[i]->ops->try_acquire(s->inner[i], info, holder, &dead, d);
        if (dead) {
            if (!*stale) *stale = dead;
            else stk_lock_info_free(dead);
        }
        if (rc != 0) {
            release_inner(s, i, d);
            stk_lock_info_free(*stale);
            *stale = NULL;
            return rc;
        }
    }
    if (stk_remote_check_local(s->r, s->db, d)) {
        release_inner(s, s->n, d);
        stk_lock_info_free(*stale);
        *stale = NULL;
        return -1;
    }
    return 0;
}

static int sess_release(stk_lock *l, stk_diags *d)
{
    sess_lock *s = l->impl;
    int rc = 0;
    for (size_t i = s->n; i-- > 0;)
        if (s->inner[i]->ops->release(s->inner[i], d)) rc = -1;
    return rc;
}

static int sess_read(stk_lock *l, stk_lock_info **holder, stk_diags *d)
{
    sess_lock *s = l->impl;
    *holder = NULL;
    for (size_t i = 0; i < s->n; i++) {
        int rc = s->inner[i]->ops->read(s->inner[i], holder, d);
        if (rc != 0) return rc;
    }
    return 0;
}

static int sess_force(stk_lock *l, const char *id, stk_diags *d)
{
    sess_lock *s = l->impl;
    int done = 0;
    for (size_t i = 0; i < s->n; i++) {
        stk_lock_info *h = NULL;
        int rc = s->inner[i]->ops->read(s->inner[i], &h, d);
        if (rc < 0) return -1;
        if (rc == 1 && h->id && strcmp(h->id, id) == 0) {
            if (s->inner[i]->ops->force_unlock(s->inner[i], id, d)) {
                stk_lock_info_free(h);
                return -1;
            }
            done = 1;
        }
        stk_lock_info_free(h);
    }
    if (!done) {
        stk_lock_info *h = NULL;
        if (sess_read(l, &h, d) == 1)
            stk_diags_error(d, NULL, "Lock ID does not match",
                            "The state is locked with ID %s, not %s; nothing was unlocked.", h->id ? h->id : "(none)",
                            id);
        else
            stk_diags_error(d, NULL, "No lock to unlock", "The state (s3://%s/%s) is not locked.", s->r->cfg->bucket,
                            s->r->state_key);
        stk_lock_info_free(h);
        return -1;
    }
    return 0;
}

static void sess_destroy(stk_lock *l)
{
    sess_lock *s = l->impl;
    for (size_t i = 0; i < s->n; i++) stk_lock_free(s->inner[i]);
    free(s->db);
    free(s);
}

static const stk_lock_ops dynamodb_session_ops = {"dynamodb", sess_try, sess_release, sess_read, sess_force,
                                                  sess_destroy};
static const stk_lock_ops s3_session_ops = {"s3", sess_try, sess_release, sess_read, sess_force, sess_destroy};
static const stk_lock_ops local_session_ops = {"local", sess_try, sess_release, sess_read, sess_force, sess_destroy};

static size_t remote_locks(stk_remote *r, stk_lock **out)
{
    size_t n = 0;
    if (r->cfg->dynamodb_table && *r->cfg->dynamodb_table) {
        char *id = stk_xasprintf("%s/%s", r->cfg->bucket, r->state_key);
        out[n++] = stk_lock_dynamodb_new(r->client, r->cfg->dynamodb_table, id);
        free(id);
    }
    if (r->cfg->use_lockfile) {
        char *k = stk_xasprintf("%s.tflock", r->state_key);
        out[n++] = stk_lock_s3_new(r->client, r->cfg->bucket, k);
        free(k);
    }
    return n;
}

static stk_lock *make_sess(stk_remote *r, const char *local_db, int with_local)
{
    sess_lock *s = stk_xcalloc(1, sizeof *s);
    s->r = r;
    s->db = stk_xstrdup(local_db);
    s->n = remote_locks(r, s->inner);
    const stk_lock_ops *ops = s->n == 0 ? &local_session_ops
                              : s->inner[0]->ops->name[0] == 'd' ? &dynamodb_session_ops
                                                                 : &s3_session_ops;
    if (s->n == 0 && with_local) {
        /* no remote lock configured: the local lock of <dir>/.stk/<ws>.db */
        char *dir = stk_xstrdup(local_db);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        slash = strrchr(dir, '/');   /* strip "/.stk" */
        if (slash) *slash = 0;
        else strcpy(dir, ".");
        s->inner[s->n++] = stk_lock_local_new(dir, r->workspace);
        free(dir);
    }
    stk_lock *l = stk_xcalloc(1, sizeof *l);
    l->ops = ops;
    l->impl = s;
    return l;
}

stk_lock *stk_remote_session_lock(stk_remote *r, const char *local_db)
{
    return make_sess(r, local_db, 1);
}

stk_lock *stk_remote_lock(stk_remote *r)
{
    stk_lock *inner[2];
    size_t n = remote_locks(r, inner);
    if (n == 0) return NULL;
    if (n == 1) return inner[0];
    for (size_t i = 0; i < n; i++) stk_lock_free(inner[i]);
    return make_sess(r, "", 0);   /* both: the composite (its try is never used by force-unlock) */
}
