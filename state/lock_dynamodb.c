/* lock_dynamodb.c - the state lock as a DynamoDB item, as Terraform's S3
 * backend keeps it (remote.h): item {LockID: "<bucket>/<key>", Info: lock
 * info JSON}.
 *   acquire:      PutItem with ConditionExpression attribute_not_exists(LockID);
 *                 ConditionalCheckFailedException -> GetItem (consistent) to
 *                 name the holder.
 *   release:      DeleteItem with the condition Info = <our info>, so a lock
 *                 force-unlocked and taken by someone else is never removed.
 *   force-unlock: GetItem, compare the Info's ID, DeleteItem on that Info.
 * A killed holder leaves its item: nothing in DynamoDB can tell a dead
 * holder from a slow one, so only force-unlock removes it (as Terraform). */
#include "remote.h"
#include "aws/protocol/call.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    stk_aws_client *client;
    char *table, *lock_id;
    char *held_info;          /* the Info string we wrote */
} ddb_lock;

/* Compact Terraform-style info JSON with Path = the lock id. */
char *stk_remote_info_json(const stk_lock_info *info, const char *path);
char *stk_remote_info_json(const stk_lock_info *info, const char *path)
{
    json_t *o = json_object();
#define S(k, v) json_object_set_new(o, k, json_string((v) ? (v) : ""))
    S("ID", info->id); S("Operation", info->operation); S("Info", info->info); S("Who", info->who);
    S("Version", info->version); S("Created", info->created); S("Path", path);
#undef S
    /* stk's addition (Terraform ignores unknown members): lets a later command on the same machine tell
       that the holder was killed (lock.c) */
    if (info->pid > 0) json_object_set_new(o, "Pid", json_integer(info->pid));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

static json_t *key_of(ddb_lock *k)
{
    return json_pack("{s:{s:s}}", "LockID", "S", k->lock_id);
}

/* Read the item: 1 (with *info_text), 0 none, -1 error. */
static int get_info(ddb_lock *k, char **info_text, stk_diags *d)
{
    *info_text = NULL;
    json_t *p = json_pack("{s:s, s:o, s:b}", "TableName", k->table, "Key", key_of(k), "ConsistentRead", 1);
    json_t *res = NULL;
    int rc = stk_aws_call(k->client, "dynamodb", "GetItem", p, &res, d);
    json_decref(p);
    if (rc) return -1;
    json_t *item = json_object_get(res, "Item");
    if (!json_is_object(item)) {
        json_decref(res);
        return 0;
    }
    const char *s = json_string_value(json_object_get(json_object_get(item, "Info"), "S"));
    *info_text = stk_xstrdup(s ? s : "");
    json_decref(res);
    return 1;
}

static stk_lock_info *parse_info(const char *text)
{
    stk_lock_info *i = text && *text ? stk_lock_info_from_json(text) : NULL;
    return i ? i : stk_xcalloc(1, sizeof *i);
}

static int ddb_try(stk_lock *l, const stk_lock_info *info, stk_lock_info **holder, stk_lock_info **stale,
                   stk_diags *d)
{
    ddb_lock *k = l->impl;
    *holder = NULL;
    *stale = NULL;
    char *text = stk_remote_info_json(info, k->lock_id);
    json_t *p = json_pack("{s:s, s:{s:{s:s}, s:{s:s}}, s:s}", "TableName", k->table, "Item", "LockID", "S",
                          k->lock_id, "Info", "S", text, "ConditionExpression", "attribute_not_exists(LockID)");
    json_t *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(k->client, "dynamodb", "PutItem", p, NULL, &res, &err, &tmp);
    json_decref(p);
    json_decref(res);
    if (rc == 0) {
        stk_diags_free(&tmp);
        free(k->held_info);
        k->held_info = text;
        return 0;
    }
    free(text);
    if (!stk_aws_error_is(&err, "ConditionalCheckFailedException")) {
        stk_aws_error_clear(&err);
        stk_diags_error(d, NULL, "Error acquiring the state lock",
                        "Could not write the lock item %s in DynamoDB table %s.", k->lock_id, k->table);
        stk_diags_append(d, &tmp);
        return -1;
    }
    stk_aws_error_clear(&err);
    stk_diags_free(&tmp);
    char *cur = NULL;
    int g = get_info(k, &cur, d);
    if (g < 0) return -1;
    *holder = parse_info(cur);   /* g == 0: released in between; the driver retries */
    free(cur);
    return 1;
}

static int delete_if(ddb_lock *k, const char *info_text, stk_aws_error *err, stk_diags *d)
{
    json_t *p = json_pack("{s:s, s:o, s:s, s:{s:{s:s}}}", "TableName", k->table, "Key", key_of(k),
                          "ConditionExpression", "Info = :info", "ExpressionAttributeValues", ":info", "S",
                          info_text);
    json_t *res = NULL;
    int rc = stk_aws_call_ex(k->client, "dynamodb", "DeleteItem", p, NULL, &res, err, d);
    json_decref(p);
    json_decref(res);
    return rc;
}

static int ddb_release(stk_lock *l, stk_diags *d)
{
    ddb_lock *k = l->impl;
    if (!k->held_info) return 0;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = delete_if(k, k->held_info, &err, &tmp);
    if (rc && stk_aws_error_is(&err, "ConditionalCheckFailedException")) {
        stk_diags_warning(d, NULL, "The state lock was no longer ours",
                          "The lock item %s in %s was removed or replaced by someone else (force-unlock?) while "
                          "this command held it; it was left alone.", k->lock_id, k->table);
        rc = 0;
    } else if (rc) {
        stk_diags_error(d, NULL, "Error releasing the state lock",
                        "The lock item %s in DynamoDB table %s could not be deleted; remove it with "
                        "`stk force-unlock` once the cause is fixed.", k->lock_id, k->table);
        stk_diags_append(d, &tmp);
    }
    stk_diags_free(&tmp);
    stk_aws_error_clear(&err);
    free(k->held_info);
    k->held_info = NULL;
    return rc;
}

static int ddb_read(stk_lock *l, stk_lock_info **holder, stk_diags *d)
{
    ddb_lock *k = l->impl;
    *holder = NULL;
    char *cur = NULL;
    int g = get_info(k, &cur, d);
    if (g == 1) *holder = parse_info(cur);
    free(cur);
    return g;
}

static int ddb_force(stk_lock *l, const char *id, stk_diags *d)
{
    ddb_lock *k = l->impl;
    char *cur = NULL;
    int g = get_info(k, &cur, d);
    if (g < 0) return -1;
    if (g == 0) {
        stk_diags_error(d, NULL, "No lock to unlock", "The state is not locked (no item %s in DynamoDB table %s).",
                        k->lock_id, k->table);
        return -1;
    }
    stk_lock_info *h = parse_info(cur);
    int rc = -1;
    if (!h->id || strcmp(h->id, id) != 0) {
        stk_diags_error(d, NULL, "Lock ID does not match",
                        "The state is locked with ID %s, not %s; nothing was unlocked.", h->id ? h->id : "(none)",
                        id);
    } else {
        stk_aws_error err = {0};
        rc = delete_if(k, cur, &err, d);
        if (rc && stk_aws_error_is(&err, "ConditionalCheckFailedException")) {
            stk_diags_error(d, NULL, "The lock changed", "The lock item changed while unlocking; check again.");
        }
        stk_aws_error_clear(&err);
    }
    stk_lock_info_free(h);
    free(cur);
    return rc;
}

static void ddb_destroy(stk_lock *l)
{
    ddb_lock *k = l->impl;
    free(k->table);
    free(k->lock_id);
    free(k->held_info);
    free(k);
}

static const stk_lock_ops ddb_ops = {"dynamodb", ddb_try, ddb_release, ddb_read, ddb_force, ddb_destroy};

stk_lock *stk_lock_dynamodb_new(stk_aws_client *c, const char *table, const char *lock_id)
{
    ddb_lock *k = stk_xcalloc(1, sizeof *k);
    k->client = c;
    k->table = stk_xstrdup(table);
    k->lock_id = stk_xstrdup(lock_id);
    stk_lock *l = stk_xcalloc(1, sizeof *l);
    l->ops = &ddb_ops;
    l->impl = k;
    return l;
}
