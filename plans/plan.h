/* plan.h - the plan/apply engine: configuration + state -> a plan (the
 * list of planned changes, drift, output changes), and the parallel apply
 * of a plan through the resource types of resources/provider.h, each result
 * written to state at once through the intent journal.
 *
 * Planning (plans/engine.c):
 *   1. the state's objects are decoded with their type's schema;
 *   2. refresh (unless -refresh=false): every object is read with its
 *      type's read(), in parallel (engine/graph/walk.h); a vanished object
 *      is drift and gets planned for creation;
 *   3. the configuration is evaluated (engine/config) with a hook that
 *      plans each resource instance as it is reached: the planned value is
 *      computed from the configuration and the prior object by the schema
 *      (plans/diff.c: defaults, computed attributes, normalisers), compared
 *      to decide the action, and handed back to the evaluator as the value
 *      references see (unknown where only apply knows);
 *   4. objects in state without configuration are planned for deletion;
 *      lifecycle rules (prevent_destroy, ignore_changes,
 *      replace_triggered_by, create_before_destroy), -target and -replace
 *      are applied.
 * Applying walks one node per change with -parallelism workers; a node
 * whose configuration had unknowns is re-planned from a fresh evaluation
 * that sees the objects applied so far.
 *
 * Ownership: a stk_plan owns everything in it (values are references);
 * free with stk_plan_free.  The engine never prints: progress goes through
 * the event callback of stk_apply_opts.
 */
#ifndef STK_PLAN_H
#define STK_PLAN_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "eval/value.h"
#include "util/diag.h"

struct stk_config;
struct stk_resource_type;
struct stk_state;
struct stk_var_inputs;

typedef enum {
    STK_PLAN_NOOP = 0,
    STK_PLAN_CREATE,
    STK_PLAN_UPDATE,
    STK_PLAN_REPLACE,        /* delete, then create */
    STK_PLAN_REPLACE_CBD,    /* create_before_destroy: create, then delete */
    STK_PLAN_DELETE,
    STK_PLAN_READ            /* data source read at apply time */
} stk_plan_action;

typedef struct {
    char *addr;              /* "module.net[0].aws_subnet.public[1]" */
    char *module_addr;       /* "" or "module.net[0]" */
    int data;                /* data source */
    char *type, *name;
    stk_value *index;        /* NULL, a number (count) or a string (for_each) */
    char *provider;          /* local name: "aws", "stktest" */
    char *provider_alias;    /* NULL: default configuration */
    char *provider_addr;     /* provider["registry.terraform.io/hashicorp/aws"] */
    char *deposed;           /* NULL: the current object; else the deposed key */
    stk_plan_action action;
    const char *reason;      /* Terraform's action_reason or NULL */
    stk_value *before;       /* prior (refreshed) object or NULL */
    stk_value *after;        /* planned object (unknowns inside) or NULL */
    char **replace_paths;    /* top-level attributes that force replacement */
    size_t nreplace_paths;
    char **deps;             /* instance addresses this one depends on */
    size_t ndeps;
    char **prior_deps;       /* dependencies recorded in state */
    size_t nprior_deps;
    int create_before_destroy;
    int tainted;
    int config_unknown;      /* the configuration had unknowns at plan time: apply plans it again */
    double timeouts[4];      /* create, read, update, delete seconds (0: default) */
    const struct stk_resource_type *rtype;
    const void *res;         /* the configuration block (stk_resource*) or NULL */
} stk_change;

typedef struct {
    char *name;
    stk_value *before, *after;   /* NULL when absent */
    int sensitive;
} stk_output_change;

typedef struct {
    int refresh;             /* default 1 */
    int refresh_only;
    int destroy;
    const char *const *targets;  size_t ntargets;
    const char *const *replace;  size_t nreplace;
    int parallelism;         /* default 10 */
    volatile int *stop;      /* first Ctrl-C: stop starting operations */
    volatile int *cancel;    /* second Ctrl-C: abort operations in flight */
    /* a saved plan's refreshed prior objects (JSON array) replace state
       reads and refresh when set (apply FILE) */
    json_t *saved_prior;
} stk_plan_opts;

typedef struct stk_plan {
    stk_change **changes;    /* managed changes (no-ops included), then deletes */
    size_t nchanges;
    stk_change **drift;      /* refresh found these changed (after NULL: gone) */
    size_t ndrift;
    stk_output_change *outputs;
    size_t noutputs;
    char *config_digest;
    char *lineage;
    int64_t serial;
    json_t *variables;       /* name -> {"value": v}; sensitive ones left out */
    json_t *prior;           /* refreshed prior objects (saved in plan files) */
    stk_plan_opts opts;      /* targets / replace borrowed from the caller's options */
    int errored;
} stk_plan;

/* Make a plan.  `c` must have its variables set.  The state handle is used
   from this thread only.  Returns a plan (even with errors: check
   stk_diags_has_errors), or NULL when nothing could be planned. */
stk_plan *stk_plan_make(struct stk_config *c, struct stk_state *st, const stk_plan_opts *o, stk_diags *d);
void stk_plan_free(stk_plan *p);

/* Counts for "Plan: X to add, Y to change, Z to destroy." */
void stk_plan_counts(const stk_plan *p, size_t *add, size_t *change, size_t *destroy);
/* 1 when the plan changes anything (resources or outputs, or refresh-only drift). */
int stk_plan_has_changes(const stk_plan *p);

/* ---- apply ---- */

typedef enum {
    STK_EV_START,            /* "aws_vpc.a: Creating..." */
    STK_EV_STILL,            /* "Still creating... [10s elapsed]" */
    STK_EV_DONE,             /* "Creation complete after 3s [id=...]" */
    STK_EV_FAILED,
    STK_EV_SKIPPED,          /* a dependency failed */
    STK_EV_RECOVERED         /* a journal intent was reconciled (detail: the note) */
} stk_event_kind;

typedef struct {
    stk_event_kind kind;
    const char *addr;
    const char *op;          /* "create", "update", "delete", "read" */
    double elapsed;          /* seconds */
    const char *id;          /* DONE: the object's id, when it has one */
    const char *detail;
} stk_apply_event;

typedef struct {
    stk_plan_opts plan;      /* parallelism, stop, cancel */
    void (*event)(void *ud, const stk_apply_event *e);   /* called from worker threads, serialized */
    void *ud;
} stk_apply_opts;

typedef struct {
    size_t added, changed, destroyed;
    int interrupted;
} stk_apply_result;

/* Apply a plan made from (c, st) by stk_plan_make.  Errors of every
   failed operation are all in d.  Returns 0 when everything succeeded. */
int stk_plan_apply(stk_plan *p, struct stk_config *c, struct stk_state *st, const stk_apply_opts *o,
                   stk_apply_result *r, stk_diags *d);

/* Reconcile unfinished journal intents with the resource types' recover()
   / read().  *notes gets one malloc'd line per recovered intent (NULL
   terminated, may be NULL when none).  Returns 0, -1 on errors. */
int stk_plan_recover(struct stk_config *c, struct stk_state *st, char ***notes, stk_diags *d);

/* ---- import (stk import ADDR ID) ---- */

typedef struct {
    /* progress: what = "importing" before the type's import() call,
       "prepared" after it; may be NULL */
    void (*event)(void *ud, const char *addr, const char *what);
    void *ud;
    volatile int *cancel;    /* Ctrl-C: waiters stop */
} stk_import_opts;

/* Read the existing object `id` into state at `address`, as `terraform
   import` does: the address must be a managed resource instance declared
   in `c` (variables set) and absent from state, and its type must support
   import.  The provider instance is configured from the configuration's
   provider block as plan/apply do; the object is imported, read once
   more, and written with the provider address, sensitive paths and no
   dependencies.  *canon (may be NULL) gets the canonical address
   (malloc'd) once parsed.  Returns 0, or -1 with diagnostics. */
int stk_plan_import(struct stk_config *c, struct stk_state *st, const char *address, const char *id,
                    const stk_import_opts *o, char **canon, stk_diags *d);

/* ---- rendering (plans/render.c) ---- */

/* The human plan as Terraform prints it ("stk will perform the following
   actions:" ...).  color: ANSI colours.  Returns a malloc'd string. */
char *stk_plan_render(const stk_plan *p, int color);
/* Only the drift section ("Objects have changed outside of stk"), or NULL. */
char *stk_plan_render_drift(const stk_plan *p, int color);
/* One value as the plan prints it (sensitive -> (sensitive value)). */
char *stk_plan_render_value(const stk_value *v, int indent);

/* ---- JSON and plan files (plans/planfile.c) ---- */

/* Terraform's plan JSON (format_version 1.2). */
json_t *stk_plan_to_json(const stk_plan *p, const struct stk_config *c);
/* Terraform's state JSON ("values" form) of the current state, for
   `stk show -json` without a plan file. */
json_t *stk_state_values_json(struct stk_state *st, stk_diags *d);
/* A value as plan JSON: unknowns become null (marked in *unknown), sensitive
   parts are marked in *sensitive; both may be NULL. */
json_t *stk_plan_value_json(const stk_value *v, json_t **unknown, json_t **sensitive);

/* Write the plan file (mode 0600). */
int stk_planfile_write(const stk_plan *p, const struct stk_config *c, const char *path, stk_diags *d);
/* The same with a "source" object (borrowed; NULL: none): where the
   configuration was read from, {"dir", "commit", "env"}, so `stk apply
   FILE` reads it again from the same place (engine/cli/cmd_apply.c). */
int stk_planfile_write_source(const stk_plan *p, const struct stk_config *c, const char *path, json_t *source,
                              stk_diags *d);
/* A plan rebuilt from the plan JSON of a saved plan file (the document's
   "plan", and its "options"; path names the file in errors), for
   stk_plan_render: changes, drift and output changes with their values,
   unknowns and sensitive marks; no configuration or state is needed.
   NULL with a diagnostic when the JSON is not a plan.  Free with
   stk_plan_free.  (planread.c) */
stk_plan *stk_plan_from_json(json_t *plan, json_t *options, const char *path, stk_diags *d);
/* Read a plan file: the whole JSON document (caller decrefs). */
json_t *stk_planfile_read(const char *path, stk_diags *d);
/* The same from the file's bytes (path names it in messages); the sealed
   values are opened with the plan key (planfile.c). */
json_t *stk_planfile_parse(const char *text, size_t len, const char *path, stk_diags *d);
/* The digest of a configuration (every file of every module, SHA-256 hex). */
char *stk_config_digest(const struct stk_config *c);

#endif
