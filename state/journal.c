/* journal.c - intent rows around cloud mutations and their recovery (see
 * journal.h for the protocol). */
#include "journal.h"
#include "json.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_names[] = {"create", "update", "delete"};

const char *stk_journal_action_name(stk_journal_action a)
{
    return (unsigned)a < 3 ? action_names[a] : "?";
}

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

void stk_journal_intent_free(stk_journal_intent *i)
{
    free(i->address);
    free(i->deposed);
    free(i->info);
    free(i->status);
    free(i->started_at);
    free(i->finished_at);
    free(i->note);
    memset(i, 0, sizeof *i);
}

void stk_journal_list_free(stk_journal_list *l)
{
    for (size_t i = 0; i < l->len; i++) stk_journal_intent_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

#define J_COLS "id, address, deposed, action, info, status, started_at, finished_at, note"

static void row_to_intent(sqlite3_stmt *s, stk_journal_intent *i)
{
    i->id = sqlite3_column_int64(s, 0);
    i->address = col_dup(s, 1);
    i->deposed = col_dup(s, 2);
    const char *a = (const char *)sqlite3_column_text(s, 3);
    i->action = STK_ACTION_CREATE;
    for (int k = 0; k < 3; k++)
        if (a && strcmp(a, action_names[k]) == 0) i->action = (stk_journal_action)k;
    i->info = col_dup(s, 4);
    i->status = col_dup(s, 5);
    i->started_at = col_dup(s, 6);
    i->finished_at = col_dup(s, 7);
    i->note = col_dup(s, 8);
    if (!i->deposed) i->deposed = stk_xstrdup("");
}

static int query_list(stk_state *st, const char *sql, int64_t arg, stk_journal_list *out, stk_diags *d)
{
    out->items = NULL;
    out->len = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st), sql, -1, &s, NULL) != SQLITE_OK) return sqlerr(st, d, "reading the journal");
    if (sqlite3_bind_parameter_count(s) > 0) sqlite3_bind_int64(s, 1, arg);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->len == cap) {
            cap = cap ? cap * 2 : 8;
            out->items = stk_xrealloc(out->items, cap * sizeof *out->items);
        }
        row_to_intent(s, &out->items[out->len++]);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        stk_journal_list_free(out);
        return sqlerr(st, d, "reading the journal");
    }
    return 0;
}

int stk_journal_get(stk_state *st, int64_t id, stk_journal_intent *out, stk_diags *d)
{
    memset(out, 0, sizeof *out);
    stk_journal_list l;
    if (query_list(st, "SELECT " J_COLS " FROM journal WHERE id = ?", id, &l, d)) return -1;
    if (l.len == 0) {
        free(l.items);
        return 0;
    }
    *out = l.items[0];
    free(l.items);
    return 1;
}

int stk_journal_pending(stk_state *st, stk_journal_list *out, stk_diags *d)
{
    return query_list(st, "SELECT " J_COLS " FROM journal WHERE status = 'pending' ORDER BY id", 0, out, d);
}

int stk_journal_recoveries(stk_state *st, size_t limit, stk_journal_list *out, stk_diags *d)
{
    return query_list(st, "SELECT " J_COLS " FROM journal WHERE recovered = 1 ORDER BY id DESC LIMIT ?",
                      limit ? (int64_t)limit : -1, out, d);
}

/* ---- begin / finish ----------------------------------------------------- */

/* Insert the intent row; with own_tx, in a transaction of its own. */
static int add_intent(stk_state *st, const char *address, stk_journal_action action, const char *info_json,
                      int64_t *intent_id, int own_tx, stk_diags *d)
{
    *intent_id = 0;
    if ((unsigned)action > 2) {
        stk_diags_error(d, NULL, "Invalid journal action", "%d", (int)action);
        return -1;
    }
    stk_addr a;
    char *err = NULL;
    if (stk_addr_parse(address, &a, &err) != 0 || !a.has_resource) {
        stk_diags_error(d, NULL, "Invalid resource address", "%s", err ? err : address);
        if (!err) stk_addr_free(&a);
        free(err);
        return -1;
    }
    char *canon = stk_addr_format(&a);
    stk_addr_free(&a);
    json_error_t e;
    json_t *info = json_loads(info_json ? info_json : "{}", 0, &e);
    if (!json_is_object(info)) {
        stk_diags_error(d, NULL, "Invalid journal info", "%s: the info must be a JSON object%s%s", canon,
                        info ? "" : ": ", info ? "" : e.text);
        json_decref(info);
        free(canon);
        return -1;
    }
    const char *deposed = json_string_value(json_object_get(info, "deposed"));
    char *info_text = stk_json_dump(info, STK_JSON_COMPACT | STK_JSON_SORT_KEYS);
    char *dep = stk_xstrdup(deposed ? deposed : "");
    json_decref(info);
    int ret = -1;
    if (own_tx && stk_state_begin(st, d)) goto out;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st),
                           "INSERT INTO journal(address, deposed, action, info, status, started_at) "
                           "VALUES(?,?,?,?,'pending',?)", -1, &s, NULL) != SQLITE_OK) {
        sqlerr(st, d, "writing an intent");
        if (own_tx) stk_state_rollback(st);
        goto out;
    }
    char *now = stk_state_now();
    bind_text(s, 1, canon);
    bind_text(s, 2, dep);
    bind_text(s, 3, action_names[action]);
    bind_text(s, 4, info_text);
    bind_text(s, 5, now);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    free(now);
    if (rc != SQLITE_DONE) {
        sqlerr(st, d, "writing an intent");
        if (own_tx) stk_state_rollback(st);
        goto out;
    }
    int64_t id = sqlite3_last_insert_rowid(stk_state_db(st));
    if (own_tx && stk_state_commit(st, d)) goto out;
    *intent_id = id;
    ret = 0;
out:
    free(canon);
    free(dep);
    free(info_text);
    return ret;
}

int stk_journal_intent_begin(stk_state *st, const char *address, stk_journal_action action, const char *info_json,
                             int64_t *intent_id, stk_diags *d)
{
    *intent_id = 0;
    if (stk_state_in_transaction(st)) {
        stk_diags_error(d, NULL, "Journal intent inside a transaction",
                        "An intent must be committed on its own before the cloud call (address %s).", address);
        return -1;
    }
    return add_intent(st, address, action, info_json, intent_id, 1, d);
}

int stk_journal_intent_add(stk_state *st, const char *address, stk_journal_action action, const char *info_json,
                           int64_t *intent_id, stk_diags *d)
{
    *intent_id = 0;
    if (!stk_state_in_transaction(st)) {
        stk_diags_error(d, NULL, "Journal intent outside a transaction",
                        "stk_journal_intent_add joins the caller's transaction (address %s); use "
                        "stk_journal_intent_begin on its own.", address);
        return -1;
    }
    return add_intent(st, address, action, info_json, intent_id, 0, d);
}

static int set_status(stk_state *st, int64_t id, const char *status, const char *note, int recovered, stk_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(stk_state_db(st),
                           "UPDATE journal SET status = ?, note = ?, finished_at = ?, recovered = ? "
                           "WHERE id = ? AND status = 'pending'", -1, &s, NULL) != SQLITE_OK)
        return sqlerr(st, d, "updating an intent");
    char *now = stk_state_now();
    bind_text(s, 1, status);
    bind_text(s, 2, note);
    bind_text(s, 3, now);
    sqlite3_bind_int(s, 4, recovered);
    sqlite3_bind_int64(s, 5, id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    free(now);
    if (rc != SQLITE_DONE) return sqlerr(st, d, "updating an intent");
    if (sqlite3_changes(stk_state_db(st)) != 1) {
        stk_diags_error(d, NULL, "No such pending intent",
                        "Journal intent %lld does not exist or was already finished.", (long long)id);
        return -1;
    }
    return 0;
}

struct finish_ctx {
    int64_t id;
    const stk_journal_result *r;
};

static int do_finish(stk_state *st, void *ud, stk_diags *d)
{
    struct finish_ctx *c = ud;
    stk_journal_intent in;
    int found = stk_journal_get(st, c->id, &in, d);
    if (found <= 0) {
        if (found == 0)
            stk_diags_error(d, NULL, "No such pending intent", "Journal intent %lld does not exist.",
                            (long long)c->id);
        return -1;
    }
    int rc = 0;
    const char *status = "done";
    switch (c->r->outcome) {
    case STK_JOURNAL_APPLIED:
        if (!c->r->instance) {
            stk_diags_error(d, NULL, "Internal error", "journal finish APPLIED without an instance");
            rc = -1;
        } else {
            rc = stk_state_put(st, c->r->instance, d);
        }
        break;
    case STK_JOURNAL_DELETED:
        rc = stk_state_delete(st, in.address, in.deposed, d) < 0 ? -1 : 0;
        break;
    case STK_JOURNAL_FAILED:
        status = "failed";
        break;
    }
    if (rc == 0) {
        stk_strbuf b = STK_STRBUF_INIT;
        if (c->r->outcome == STK_JOURNAL_FAILED && c->r->error) stk_strbuf_puts(&b, c->r->error);
        rc = set_status(st, c->id, status, b.s, 0, d);
        stk_strbuf_free(&b);
        if (rc == 0 && c->r->outcome != STK_JOURNAL_FAILED) {
            /* remember the result for the audit trail */
            sqlite3_stmt *s;
            if (sqlite3_prepare_v2(stk_state_db(st), "UPDATE journal SET result = ? WHERE id = ?", -1, &s, NULL) ==
                SQLITE_OK) {
                bind_text(s, 1, c->r->outcome == STK_JOURNAL_APPLIED ? c->r->instance->attributes : "null");
                sqlite3_bind_int64(s, 2, c->id);
                if (sqlite3_step(s) != SQLITE_DONE) rc = sqlerr(st, d, "updating an intent");
                sqlite3_finalize(s);
            } else {
                rc = sqlerr(st, d, "updating an intent");
            }
        }
    }
    stk_journal_intent_free(&in);
    return rc;
}

int stk_journal_intent_finish(stk_state *st, int64_t intent_id, const stk_journal_result *result, stk_diags *d)
{
    struct finish_ctx c = {intent_id, result};
    return stk_state_with_tx(st, do_finish, &c, d);
}

/* ---- recovery ----------------------------------------------------------- */

struct resolve_ctx {
    int64_t id;
    const char *attrs;
    char **note;
    const char *found_by;   /* the reader's phrase, or NULL */
};

static char *provider_for(const char *type)
{
    const char *u = strchr(type, '_');
    size_t n = u ? (size_t)(u - type) : strlen(type);
    return stk_xasprintf("provider[\"registry.terraform.io/hashicorp/%.*s\"]", (int)n, type);
}

static char *dump_or(json_t *v, const char *dflt)
{
    return v ? stk_json_dump(v, STK_JSON_COMPACT) : stk_xstrdup(dflt);
}

static int do_resolve(stk_state *st, void *ud, stk_diags *d)
{
    struct resolve_ctx *c = ud;
    stk_journal_intent in;
    int found = stk_journal_get(st, c->id, &in, d);
    if (found <= 0) {
        if (found == 0)
            stk_diags_error(d, NULL, "No such pending intent", "Journal intent %lld does not exist.",
                            (long long)c->id);
        return -1;
    }
    int rc = -1;
    json_t *info = json_loads(in.info ? in.info : "{}", 0, NULL);
    json_t *attrs = NULL;
    stk_state_instance cur, n;
    memset(&cur, 0, sizeof cur);
    memset(&n, 0, sizeof n);
    char *note = NULL;
    if (strcmp(in.status, "pending") != 0) {
        stk_diags_error(d, NULL, "Intent already resolved", "Journal intent %lld (%s %s) is %s.", (long long)in.id,
                        stk_journal_action_name(in.action), in.address, in.status);
        goto out;
    }
    if (c->attrs) {
        attrs = json_loads(c->attrs, 0, NULL);
        if (!json_is_object(attrs)) {
            stk_diags_error(d, NULL, "Invalid adopted attributes", "%s: the reader must return a JSON object",
                            in.address);
            goto out;
        }
    }
    int have = stk_state_get(st, in.address, in.deposed, &cur, d);
    if (have < 0) goto out;
    const char *id = json_string_value(json_object_get(attrs, "id"));
    if (!id) id = json_string_value(json_object_get(info, "id"));
    /* what the lookup used: the reader says; else worded from the info
       (the token is in every create's info, but few types look it up) */
    const char *how = c->found_by                                   ? c->found_by
                      : json_object_get(info, "name")               ? "its name"
                      : json_object_size(json_object_get(info, "seed")) ? "the values that identify it"
                      : json_object_size(json_object_get(info, "tags")) ? "its tags"
                                                                    : "the values recorded before the create";
    const char *status;
    if (attrs) {
        if (have) {
            stk_state_instance_copy(&n, &cur);
            free(n.attributes);
            n.attributes = stk_xstrdup(c->attrs);
        } else {
            n.address = stk_xstrdup(in.address);
            n.deposed = stk_xstrdup(in.deposed);
            const char *prov = json_string_value(json_object_get(info, "provider"));
            if (prov) n.provider = stk_xstrdup(prov);
            else {
                stk_addr a;
                if (stk_addr_parse(in.address, &a, NULL) == 0) {
                    n.provider = provider_for(a.type);
                    stk_addr_free(&a);
                } else {
                    n.provider = stk_xstrdup("provider[\"registry.terraform.io/hashicorp/aws\"]");
                }
            }
            n.schema_version = json_integer_value(json_object_get(info, "schema_version"));
            n.attributes = stk_xstrdup(c->attrs);
            n.sensitive_paths = dump_or(json_object_get(info, "sensitive_paths"), "[]");
            n.dependencies = dump_or(json_object_get(info, "dependencies"), "[]");
            n.create_before_destroy = json_is_true(json_object_get(info, "create_before_destroy"));
        }
        if (stk_state_put(st, &n, d)) goto out;
        status = "adopted";
        if (in.action == STK_ACTION_DELETE)
            note = stk_xasprintf("%s: the delete was interrupted; the object still exists%s%s%s and stays in the "
                                 "state", in.address, id ? " (id " : "", id ? id : "", id ? ")" : "");
        else if (in.action == STK_ACTION_UPDATE)
            note = stk_xasprintf("%s: the update was interrupted; read the object back%s%s%s and stored its "
                                 "current attributes", in.address, id ? " (id " : "", id ? id : "", id ? ")" : "");
        else
            note = stk_xasprintf("%s: the create was interrupted; found the object by %s%s%s%s and adopted it "
                                 "into the state", in.address, how, id ? " (id " : "", id ? id : "",
                                 id ? ")" : "");
    } else {
        status = "dropped";
        if (in.action == STK_ACTION_DELETE) {
            if (have && stk_state_delete(st, in.address, in.deposed, d) < 0) goto out;
            note = stk_xasprintf("%s: the delete was interrupted; the object is gone, %s", in.address,
                                 have ? "removed it from the state" : "nothing left in the state");
        } else if (in.action == STK_ACTION_UPDATE) {
            note = stk_xasprintf("%s: the update was interrupted and the object was not found; the state is left "
                                 "as it was (the next refresh will see it gone)", in.address);
        } else {
            note = stk_xasprintf("%s: the create was interrupted before anything was made (nothing found by %s); "
                                 "dropped the intent", in.address, how);
        }
    }
    if (set_status(st, in.id, status, note, 1, d)) goto out;
    rc = 0;
    if (c->note) *c->note = note, note = NULL;
out:
    free(note);
    json_decref(attrs);
    json_decref(info);
    stk_state_instance_free(&cur);
    stk_state_instance_free(&n);
    stk_journal_intent_free(&in);
    return rc;
}

/* stk_journal_resolve, with the phrase of the lookup that found (or did
   not find) the object for the note (NULL: worded from the intent) */
static int resolve(stk_state *st, int64_t intent_id, const char *adopted_attrs, const char *found_by, char **note,
                   stk_diags *d)
{
    if (note) *note = NULL;
    char *tmp = NULL;
    struct resolve_ctx c = {intent_id, adopted_attrs, note ? &tmp : NULL, found_by};
    int rc = stk_state_with_tx(st, do_resolve, &c, d);
    if (rc == 0 && note) *note = tmp;
    else free(tmp);
    return rc;
}

int stk_journal_resolve(stk_state *st, int64_t intent_id, const char *adopted_attrs, char **note, stk_diags *d)
{
    return resolve(st, intent_id, adopted_attrs, NULL, note, d);
}

int stk_journal_recover(stk_state *st, stk_journal_reader reader, void *ud, stk_journal_list *recovered,
                        stk_diags *d)
{
    recovered->items = NULL;
    recovered->len = 0;
    stk_journal_list pend;
    if (stk_journal_pending(st, &pend, d)) return -1;
    int ret = 0;
    size_t cap = 0;
    for (size_t i = 0; i < pend.len; i++) {
        char *attrs = NULL;
        const char *found_by = NULL;
        int found = reader(ud, &pend.items[i], &attrs, &found_by, d);
        if (found < 0) {
            stk_diags_error(d, NULL, "Cannot reconcile an interrupted operation",
                            "Reading %s (%s intent %lld) failed; the intent stays pending and will be retried.",
                            pend.items[i].address, stk_journal_action_name(pend.items[i].action),
                            (long long)pend.items[i].id);
            free(attrs);
            ret = -1;
            continue;
        }
        int rc = resolve(st, pend.items[i].id, found ? attrs : NULL, found_by, NULL, d);
        free(attrs);
        if (rc) {
            ret = -1;
            continue;
        }
        if (recovered->len == cap) {
            cap = cap ? cap * 2 : 8;
            recovered->items = stk_xrealloc(recovered->items, cap * sizeof *recovered->items);
        }
        if (stk_journal_get(st, pend.items[i].id, &recovered->items[recovered->len], d) == 1) recovered->len++;
    }
    stk_journal_list_free(&pend);
    return ret;
}
