/* journal.h - the intent journal: no cloud mutation goes unrecorded.
 *
 * Protocol (one per create / update / delete call to the cloud):
 *   1. stk_journal_intent_begin: commits (durably, its own transaction) an
 *      intent row naming the address, the action and how the object can be
 *      found again: `info` is a JSON object such as
 *        {"token": "<idempotency token sent to AWS>", "name": "web-sg",
 *         "tags": {"stk:intent": "..."}, "id": "sg-123" (update/delete),
 *         "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
 *         "schema_version": 0, "dependencies": [...], "deposed": "abcd1234",
 *         "create_before_destroy": true}
 *      provider / schema_version / dependencies / create_before_destroy are
 *      used when a create must be adopted after a crash; "deposed" names the
 *      deposed object a delete acts on.
 *   2. the cloud call.
 *   3. stk_journal_intent_finish: in ONE transaction, the state change (the
 *      new object, or its removal) and the intent marked done (or failed,
 *      when the call failed and changed nothing).  If the caller has a
 *      transaction open, the finish joins it.
 *
 * A crash between 1 and 3 leaves a pending intent.  On start, before
 * anything else, the engine lists them (stk_journal_pending) and reconciles
 * each one (stk_journal_recover, with a reader callback that looks the
 * object up in the cloud by token, name, tag or id; the resource types
 * supply it) or resolves it by hand (stk_journal_resolve).  Every
 * resolution is recorded on the intent row (status adopted / dropped and a
 * note) so the CLI can tell the user what was recovered.
 *
 * Ownership: returned intents are malloc'd; free with stk_journal_intent_free
 * or stk_journal_list_free.
 */
#ifndef STK_STATE_JOURNAL_H
#define STK_STATE_JOURNAL_H
#include <stdint.h>
#include "store.h"

typedef enum { STK_ACTION_CREATE = 0, STK_ACTION_UPDATE = 1, STK_ACTION_DELETE = 2 } stk_journal_action;

typedef struct {
    int64_t id;
    char *address;
    char *deposed;          /* "" for the current object */
    stk_journal_action action;
    char *info;             /* JSON object text */
    char *status;           /* pending, done, failed, adopted, dropped */
    char *started_at, *finished_at;
    char *note;             /* what the recovery did, or the failure */
} stk_journal_intent;

typedef struct {
    stk_journal_intent *items;
    size_t len;
} stk_journal_list;

typedef enum {
    STK_JOURNAL_APPLIED = 0,  /* the call succeeded: `instance` is the new object */
    STK_JOURNAL_DELETED = 1,  /* the call deleted the object: remove it from state */
    STK_JOURNAL_FAILED = 2,   /* the call failed and changed nothing: state untouched */
} stk_journal_outcome;

typedef struct {
    stk_journal_outcome outcome;
    const stk_state_instance *instance;   /* APPLIED */
    const char *error;                    /* FAILED: the error text, kept on the row */
} stk_journal_result;

const char *stk_journal_action_name(stk_journal_action a);

/* Commit an intent.  Refused inside an open transaction: the intent must be
   durable before the cloud call, whatever the caller does next. */
int stk_journal_intent_begin(stk_state *st, const char *address, stk_journal_action action, const char *info_json,
                             int64_t *intent_id, stk_diags *d);
/* The same inside the caller's open transaction, for a caller that commits
   it before the cloud call: stk_state_group_run (store.h), which returns
   only once the group holding the intent is committed. */
int stk_journal_intent_add(stk_state *st, const char *address, stk_journal_action action, const char *info_json,
                           int64_t *intent_id, stk_diags *d);
/* Record the result of the call together with the state change. */
int stk_journal_intent_finish(stk_state *st, int64_t intent_id, const stk_journal_result *result, stk_diags *d);
/* Unfinished intents, oldest first. */
int stk_journal_pending(stk_state *st, stk_journal_list *out, stk_diags *d);
/* Resolve a pending intent with what the reconciler found in the cloud:
   adopted_attrs (JSON object text) when the object exists, NULL when it
   does not.
     create: found -> the object is adopted into state; absent -> dropped.
     update: found -> the state object takes the attributes; absent -> the
             state is left alone (the next refresh sees the object gone).
     delete: found -> the object is still there: kept, attributes refreshed;
             absent -> the deletion happened: removed from state.
   The intent row records the resolution (status adopted/dropped and a
   note); *note (if not NULL) gets a malloc'd copy of that note. */
int stk_journal_resolve(stk_state *st, int64_t intent_id, const char *adopted_attrs, char **note, stk_diags *d);

/* The cloud reader: 1 found (*attrs = malloc'd JSON object text), 0 not
   found, -1 error (diagnostics added; the intent stays pending).
   *found_by (NULL on entry) may be set to a static phrase saying how the
   object was looked up ("its tags", "its name"...) for the note. */
typedef int (*stk_journal_reader)(void *ud, const stk_journal_intent *intent, char **attrs, const char **found_by,
                                  stk_diags *d);

/* Reconcile every pending intent with `reader`.  *recovered lists the
   intents resolved by this call (with their notes) for the CLI to show.
   Returns 0 when every pending intent was resolved, -1 otherwise. */
int stk_journal_recover(stk_state *st, stk_journal_reader reader, void *ud, stk_journal_list *recovered,
                        stk_diags *d);

/* Intents resolved by a recovery (adopted / dropped), newest first, at most
   `limit` (0: all). */
int stk_journal_recoveries(stk_state *st, size_t limit, stk_journal_list *out, stk_diags *d);
/* One intent by id: 1 found, 0 absent, -1 error. */
int stk_journal_get(stk_state *st, int64_t id, stk_journal_intent *out, stk_diags *d);

void stk_journal_intent_free(stk_journal_intent *i);
void stk_journal_list_free(stk_journal_list *l);

#endif
