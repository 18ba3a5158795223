/* provider.h - the one interface every resource type implements.
 *
 * A resource type (aws_vpc, data source aws_ami, random_id ...) is a
 * static descriptor: its name, kind (managed resource or data source), its
 * schema (attributes and nested block types, as terraform-provider-aws
 * names them) and its CRUD functions.  The engine reaches resource types
 * only through stk_resource_type_lookup(); resource code never includes
 * engine headers other than the value model and this file (DESIGN.md).
 *
 * Where a descriptor's schema is NULL its arguments are not checked yet:
 * `stk validate` checks every resource type NAME against the registry now,
 * and checks arguments against a schema only when the type has one.  The
 * schemas and CRUD functions arrive with the AWS resources issue.
 *
 * CRUD conventions (nothing calls them before the plan/apply issue):
 *   - every value is an object of the type the schema describes; the
 *     functions take borrowed references and return new ones through their
 *     out parameters;
 *   - they return 0 on success, -1 after adding diagnostics to `d`;
 *   - read() sets *new_state to NULL when the object is gone (deleted behind
 *     stk's back), so the plan can recreate it;
 *   - the provider instance (`stk_provider_instance`, opaque here) carries
 *     the configured provider: the AWS client for its region / profile /
 *     endpoints, default_tags, and the idempotency-token source of the
 *     state journal.
 */
#ifndef STK_PROVIDER_H
#define STK_PROVIDER_H
#include <stddef.h>
#include "eval/value.h"
#include "util/diag.h"

typedef enum { STK_RESOURCE_MANAGED, STK_RESOURCE_DATA } stk_resource_kind;

enum {
    STK_ATTR_REQUIRED  = 1 << 0,   /* must be set in configuration */
    STK_ATTR_OPTIONAL  = 1 << 1,   /* may be set */
    STK_ATTR_COMPUTED  = 1 << 2,   /* set by the provider (unknown until apply when not configured) */
    STK_ATTR_SENSITIVE = 1 << 3,   /* masked in plans and output */
    STK_ATTR_FORCE_NEW = 1 << 4,   /* a change replaces the object */
    STK_ATTR_DEPRECATED = 1 << 5,  /* accepted with a warning */
    /* normalisers used when the plan compares configuration with state, so
       that equivalent spellings never show as a diff (plans/diff.c): */
    STK_ATTR_JSON      = 1 << 6,   /* a JSON document: compared by meaning (key order, spacing) */
    STK_ATTR_CIDR      = 1 << 7,   /* an IP address / CIDR: compared in canonical form (case, zeros) */
    STK_ATTR_CASE_INSENSITIVE = 1 << 8  /* compared ignoring ASCII case */
};

/* An attribute's own normaliser (additive: NULL for most attributes).
   Returns a NEW reference to the canonical form of v (v borrowed; never
   called with null or unknown values).  Two values are equal for the plan
   when their canonical forms are equal. */
typedef struct stk_value *(*stk_attr_normalize_fn)(struct stk_value *v);

typedef struct {
    const char *name;
    const char *type;          /* type constraint as Terraform writes it: "string",
                                  "list(string)", "map(string)", "set(object({...}))" */
    unsigned flags;            /* STK_ATTR_* */
    const char *default_json;  /* default value as JSON text when unset, or NULL */
    const char *description;   /* may be NULL */
    stk_attr_normalize_fn normalize;  /* may be NULL (see STK_ATTR_JSON / CIDR / CASE_INSENSITIVE) */
} stk_schema_attr;

typedef enum {
    STK_NESTING_SINGLE,        /* at most one block: an object attribute */
    STK_NESTING_LIST,          /* ordered blocks: list(object) */
    STK_NESTING_SET            /* unordered blocks: set(object) */
} stk_nesting;

typedef struct stk_schema stk_schema;

typedef struct {
    const char *name;          /* block type: "ingress", "root_block_device" */
    stk_nesting nesting;
    int min_items, max_items;  /* 0 = no limit for max_items */
    const stk_schema *block;
    unsigned flags;            /* STK_ATTR_FORCE_NEW applies to the whole block;
                                  STK_ATTR_COMPUTED: an Optional+Computed block: when the
                                  configuration has none, the plan keeps the prior blocks
                                  (the provider fills them in) instead of removing them */
} stk_schema_block;

struct stk_schema {
    const stk_schema_attr *attrs;
    size_t nattrs;
    const stk_schema_block *blocks;
    size_t nblocks;
};

typedef struct stk_provider_instance stk_provider_instance;   /* defined by resources/ */

typedef struct stk_resource_type stk_resource_type;

/* Managed resources. */
typedef int (*stk_resource_create_fn)(stk_provider_instance *p, const stk_resource_type *t,
                                      stk_value *planned, stk_value **new_state, stk_diags *d);
typedef int (*stk_resource_read_fn)(stk_provider_instance *p, const stk_resource_type *t,
                                    stk_value *prior_state, stk_value **new_state, stk_diags *d);
typedef int (*stk_resource_update_fn)(stk_provider_instance *p, const stk_resource_type *t,
                                      stk_value *prior_state, stk_value *planned,
                                      stk_value **new_state, stk_diags *d);
typedef int (*stk_resource_delete_fn)(stk_provider_instance *p, const stk_resource_type *t,
                                      stk_value *prior_state, stk_diags *d);
typedef int (*stk_resource_import_fn)(stk_provider_instance *p, const stk_resource_type *t,
                                      const char *id, stk_value **state, stk_diags *d);
/* Data sources: read from the evaluated configuration. */
typedef int (*stk_data_read_fn)(stk_provider_instance *p, const stk_resource_type *t,
                                stk_value *config, stk_value **state, stk_diags *d);

struct stk_resource_type {
    const char *name;              /* "aws_vpc" */
    const char *provider;          /* "aws", "random", "terraform", "null" */
    stk_resource_kind kind;
    const stk_schema *schema;      /* NULL: not written yet (arguments not checked) */
    stk_resource_create_fn create;
    stk_resource_read_fn read;
    stk_resource_update_fn update; /* NULL: every change replaces */
    stk_resource_delete_fn del;
    stk_resource_import_fn import;
    stk_data_read_fn read_data;    /* data sources */

    /* Crash recovery (state/journal.h), both optional, added with the
       plan/apply engine:
       journal_info: what the intent row records before a create so the
         object can be found again after a crash: a malloc'd JSON object
         text such as {"token":"...","name":"web-sg","tags":{...}}, or NULL
         (the engine then records only the address).  The token is also
         what the type sends as the API's idempotency token: read it in
         create from stk_call_ctx_current()->token.
       recover: look the object up from that info (`info_json` is the
         intent's whole info object: the engine adds "id" for updates and
         deletes); *state = the object (new ref) or NULL when it does not
         exist; returns 0, or -1 with diagnostics (the intent stays
         pending). */
    char *(*journal_info)(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                          const char *token);
    int (*recover)(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                   stk_value **state, stk_diags *d);

    /* Refresh by batch (optional; NULL: every object is read on its own).
       Before the refresh phase calls read() on each object, it calls
       read_batch once per (provider instance, type) with the prior states
       of every object of the type being refreshed there (priors borrowed,
       n >= 1).  The type fetches them with as few calls as its API allows
       (one DescribeSubnets for all subnets) and keeps the answers in the
       provider instance; read() of those objects then answers from what
       was kept instead of calling the API, and an object the batch asked
       for but did not get back is gone (read sets *new_state NULL).  Best
       effort: on failure (-1 with diagnostics) the engine drops the
       diagnostics and the reads ask the API one by one, so read_batch must
       keep nothing it is not sure of.  What was kept lives until the
       factory's batch_end (below), which the engine calls once the reads
       are done: read() outside a refresh (import, apply) never sees it. */
    int (*read_batch)(stk_provider_instance *p, const stk_resource_type *t, stk_value *const *priors, size_t n,
                      stk_diags *d);
};

/* ---- provider instances (added with the plan/apply engine) ----
 *
 * The engine obtains one stk_provider_instance per configured provider
 * block (`provider "aws" { region = ... }`, each alias its own) through a
 * registry of factories keyed by the provider's local name.  Each provider
 * family registers its factory once at start-up, before any command runs
 * (resources/aws registers "aws" from its own code; the test provider
 * registers "stktest" when STK_TEST_PROVIDER=1).  No weak symbols: a
 * provider without a registered factory is reported as "not available in
 * this build" the first time an operation needs it.  The engine configures
 * an instance lazily, on the first CRUD call that needs it, so commands
 * that touch nothing (a plan with -refresh=false and no data sources) never
 * configure one.
 *
 *   configure(name, config, &out, d): `config` is the evaluated provider
 *     block as an object (attributes and nested blocks, generic: blocks
 *     are tuples of objects), or an empty object when the configuration
 *     has no block for the provider; the alias is not part of it.  Returns
 *     0 and *out, or -1 with diagnostics.
 *   free(p): releases an instance.
 * Instances are shared by the apply walker's threads: CRUD functions must
 * be thread safe for one instance. */
typedef struct stk_provider_factory {
    const char *name;   /* provider local name: "aws", "stktest" */
    int (*configure)(const char *name, stk_value *config, stk_provider_instance **out, stk_diags *d);
    void (*free)(stk_provider_instance *p);
    /* optional: drop what read_batch kept (the refresh is over) */
    void (*batch_end)(stk_provider_instance *p);
    /* optional: refresh by batch across types (read_batch is per type:
       elbv2 DescribeTags takes load balancers, target groups and
       listeners in one call).  Called once per instance before the types'
       read_batch, with every object being refreshed there (types[i] is
       priors[i]'s type, all borrowed); same rules as read_batch. */
    int (*batch_begin)(stk_provider_instance *p, const stk_resource_type *const *types, stk_value *const *priors,
                       size_t n, stk_diags *d);
    /* optional: values the provider derives at plan time, as
       terraform-provider-aws's CustomizeDiff does (AWS: tags_all = the
       default_tags merged with tags, so a default_tags change plans an
       update).  planned is the engine's planned value of an object of type
       t (prior: its refreshed state, NULL for a create; both borrowed).
       Returns a new planned value, or NULL to keep planned. */
    stk_value *(*plan_modify)(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior,
                              stk_value *planned);
} stk_provider_factory;

/* Register a factory (the pointer is kept; a second one for a name
   replaces the first).  Not thread safe: call at start-up. */
void stk_provider_factory_register(const stk_provider_factory *f);
const stk_provider_factory *stk_provider_factory_lookup(const char *name);
/* Configure through the registered factory; -1 with "Provider not
   available" when none is registered. */
int stk_provider_configure(const char *provider_name, stk_value *config, stk_provider_instance **out,
                           stk_diags *d);
void stk_provider_instance_free(const char *provider_name, stk_provider_instance *p);

/* ---- the per-call context (added with the plan/apply engine) ----
 * Before each CRUD call the engine sets a thread-local context the type
 * may read (NULL outside engine calls, e.g. in unit tests of a type):
 *   timeouts: the resource's `timeouts` block in seconds (0: not set, use
 *     the type's default), for waiters;
 *   token: the idempotency token recorded in the journal intent (create);
 *   cancelled: becomes non-zero on the second Ctrl-C: waiters should stop
 *     polling and return an error ("interrupted").
 *   address: the instance address, for messages;
 *   priority: during the apply walk, the number of resources on the
 *     longest chain through this one (engine/graph/walk.h); calls waiting
 *     for a slot go highest first (aws/client/limiter.h).  0 elsewhere. */
typedef struct {
    double timeout_create, timeout_read, timeout_update, timeout_delete;
    const char *token;
    const char *address;
    volatile int *cancelled;
    int priority;
} stk_call_ctx;
const stk_call_ctx *stk_call_ctx_current(void);
void stk_call_ctx_set(const stk_call_ctx *c);   /* engine only; NULL clears */
/* A call that failed in a way that may still have taken effect (AWS: a 5xx
   answer or a lost connection on a call that is not idempotent, which the
   client does not retry): the provider notes it on the calling thread.
   After a failed create the engine takes the note and, when the type can
   recover (above), looks the object up: it adopts an object that exists
   and creates again when none does, so a lost answer neither fails the
   apply nor makes a duplicate. */
void stk_call_note_maybe_applied(void);
int stk_call_take_maybe_applied(void);   /* the note, cleared */
/* How a type's recover found (or looked for) the object: a phrase such as
   "its tags" or "its name", static storage, noted on the calling thread so
   the journal's note tells what the lookup really used (NULL: not noted;
   the journal then words it from the intent's info). */
void stk_recover_note_found_by(const char *how);
const char *stk_recover_take_found_by(void);   /* the note, cleared */

/* Extra resource types outside the built-in registry (the test provider,
   resources/test).  stk_resource_type_lookup falls back to them.  `types`
   is kept (static storage).  Not thread safe: call at start-up. */
void stk_resource_types_register_extra(const stk_resource_type *const *types, size_t n);
const stk_resource_type *stk_resource_type_lookup_extra(stk_resource_kind kind, const char *name);

/* Registry (resources/aws/types.c): the types stk knows, by kind and name.
   Returns NULL for an unknown type. */
const stk_resource_type *stk_resource_type_lookup(stk_resource_kind kind, const char *name);
/* Every registered type, sorted by kind then name. */
const stk_resource_type *const *stk_resource_types_all(size_t *n);
/* The registry address of a provider ("hashicorp/aws") when stk knows the
   provider local name ("aws"), else NULL. */
const char *stk_provider_source(const char *local_name);

/* Schema helpers (resources/provider.c). */
const stk_schema_attr *stk_schema_find_attr(const stk_schema *s, const char *name);
const stk_schema_block *stk_schema_find_block(const stk_schema *s, const char *name);
/* An attribute type string as Terraform writes type constraints
   ("list(string)", "map(number)", "object({port=number})", "tuple([string,
   bool])", "any"): a new type, or NULL when malformed. */
stk_type *stk_schema_parse_type(const char *s);
/* The object type of a whole schema: attributes by their types, nested
   blocks as object (single), list(object) (list) or set(object) (set).
   Returns a new type. */
stk_type *stk_schema_type(const stk_schema *s);

#endif
