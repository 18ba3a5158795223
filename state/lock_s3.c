/* lock_s3.c - the state lock as an S3 object (use_lockfile = true, as
 * Terraform 1.10+): "<state key>.tflock" holding the lock info JSON.
 *   acquire:      PutObject with If-None-Match: * (S3 conditional write):
 *                 412 PreconditionFailed (or 409 ConditionalRequestConflict
 *                 while another conditional write is in flight) means held;
 *                 GetObject names the holder.
 *   release:      GetObject, check the ID is ours, DeleteObject.
 *   force-unlock: GetObject, compare the ID, DeleteObject.
 * The check-then-delete of release is not atomic (S3 has no conditional
 * delete on content); the window only matters after a force-unlock of a
 * live holder, which the user was warned about.
 * Servers that ignore If-None-Match would let two writers both "succeed";
 * the tests (tests/backend) say which servers honour it. */
#include "remote.h"
#include "aws/protocol/call.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

char *stk_remote_info_json(const stk_lock_info *info, const char *path);

typedef struct {
    stk_aws_client *client;
    char *bucket, *key;
    char *held_id;
} s3_lock;

/* 1 found (*text), 0 absent, -1 error */
static int get_obj(s3_lock *k, char **text, stk_diags *d)
{
    *text = NULL;
    json_t *p = json_pack("{s:s, s:s}", "Bucket", k->bucket, "Key", k->key);
    json_t *res = NULL;
    unsigned char *body = NULL;
    size_t blen = 0;
    stk_aws_call_opts o = {0};
    o.out_body = &body;
    o.out_body_len = &blen;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(k->client, "s3", "GetObject", p, &o, &res, &err, &tmp);
    json_decref(p);
    json_decref(res);
    if (rc) {
        int absent = stk_aws_error_is(&err, "NoSuchKey") || err.status == 404;
        stk_aws_error_clear(&err);
        if (absent) {
            stk_diags_free(&tmp);
            return 0;
        }
        stk_diags_append(d, &tmp);
        return -1;
    }
    stk_diags_free(&tmp);
    *text = stk_xstrndup(body ? (const char *)body : "", blen);
    free(body);
    return 1;
}

static stk_lock_info *parse_info(const char *text)
{
    stk_lock_info *i = text && *text ? stk_lock_info_from_json(text) : NULL;
    return i ? i : stk_xcalloc(1, sizeof *i);
}

static int s3_try(stk_lock *l, const stk_lock_info *info, stk_lock_info **holder, stk_lock_info **stale,
                  stk_diags *d)
{
    s3_lock *k = l->impl;
    *holder = NULL;
    *stale = NULL;
    char *path = stk_xasprintf("%s/%s", k->bucket, k->key);
    char *text = stk_remote_info_json(info, path);
    free(path);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "Bucket", k->bucket, "Key", k->key, "IfNoneMatch", "*",
                          "ContentType", "application/json");
    stk_aws_call_opts o = {0};
    o.body = (const unsigned char *)text;
    o.body_len = strlen(text);
    json_t *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(k->client, "s3", "PutObject", p, &o, &res, &err, &tmp);
    json_decref(p);
    json_decref(res);
    free(text);
    if (rc == 0) {
        stk_diags_free(&tmp);
        free(k->held_id);
        k->held_id = stk_xstrdup(info->id);
        return 0;
    }
    int held = stk_aws_error_is(&err, "PreconditionFailed") || stk_aws_error_is(&err, "ConditionalRequestConflict") ||
               err.status == 412 || err.status == 409;
    stk_aws_error_clear(&err);
    if (!held) {
        stk_diags_error(d, NULL, "Error acquiring the state lock", "Could not write the lock object s3://%s/%s.",
                        k->bucket, k->key);
        stk_diags_append(d, &tmp);
        return -1;
    }
    stk_diags_free(&tmp);
    char *cur = NULL;
    if (get_obj(k, &cur, d) < 0) return -1;
    *holder = parse_info(cur);
    free(cur);
    return 1;
}

static int delete_obj(s3_lock *k, stk_diags *d)
{
    json_t *p = json_pack("{s:s, s:s}", "Bucket", k->bucket, "Key", k->key);
    json_t *res = NULL;
    int rc = stk_aws_call(k->client, "s3", "DeleteObject", p, &res, d);
    json_decref(p);
    json_decref(res);
    return rc;
}

static int s3_release(stk_lock *l, stk_diags *d)
{
    s3_lock *k = l->impl;
    if (!k->held_id) return 0;
    char *cur = NULL;
    int g = get_obj(k, &cur, d);
    int rc = g < 0 ? -1 : 0;
    if (g == 1) {
        stk_lock_info *h = parse_info(cur);
        if (h->id && strcmp(h->id, k->held_id) == 0) rc = delete_obj(k, d);
        else
            stk_diags_warning(d, NULL, "The state lock was no longer ours",
                              "The lock object s3://%s/%s now belongs to lock %s (force-unlock?); it was left "
                              "alone.", k->bucket, k->key, h->id ? h->id : "(unknown)");
        stk_lock_info_free(h);
    }
    free(cur);
    free(k->held_id);
    k->held_id = NULL;
    return rc;
}

static int s3_read(stk_lock *l, stk_lock_info **holder, stk_diags *d)
{
    s3_lock *k = l->impl;
    *holder = NULL;
    char *cur = NULL;
    int g = get_obj(k, &cur, d);
    if (g == 1) *holder = parse_info(cur);
    free(cur);
    return g;
}

static int s3_force(stk_lock *l, const char *id, stk_diags *d)
{
    s3_lock *k = l->impl;
    char *cur = NULL;
    int g = get_obj(k, &cur, d);
    if (g < 0) return -1;
    if (g == 0) {
        stk_diags_error(d, NULL, "No lock to unlock", "The state is not locked (no object s3://%s/%s).", k->bucket,
                        k->key);
        return -1;
    }
    stk_lock_info *h = parse_info(cur);
    int rc = -1;
    if (!h->id || strcmp(h->id, id) != 0)
        stk_diags_error(d, NULL, "Lock ID does not match",
                        "The state is locked with ID %s, not %s; nothing was unlocked.", h->id ? h->id : "(none)",
                        id);
    else rc = delete_obj(k, d);
    stk_lock_info_free(h);
    free(cur);
    return rc;
}

static void s3_destroy(stk_lock *l)
{
    s3_lock *k = l->impl;
    free(k->bucket);
    free(k->key);
    free(k->held_id);
    free(k);
}

static const stk_lock_ops s3_ops = {"s3", s3_try, s3_release, s3_read, s3_force, s3_destroy};

stk_lock *stk_lock_s3_new(stk_aws_client *c, const char *bucket, const char *object_key)
{
    s3_lock *k = stk_xcalloc(1, sizeof *k);
    k->client = c;
    k->bucket = stk_xstrdup(bucket);
    k->key = stk_xstrdup(object_key);
    stk_lock *l = stk_xcalloc(1, sizeof *l);
    l->ops = &s3_ops;
    l->impl = k;
    return l;
}
