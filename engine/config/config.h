/* config.h - the loaded configuration: a tree of modules read from a
 * directory (through the stk_fs interface, never the disk directly), each
 * with its variables, locals, outputs, resources, data sources, module
 * calls, providers and terraform settings, as Terraform's configs package
 * models them.
 *
 * Phases:
 *   1. stk_config_load(): parse every *.tf file of the root directory and,
 *      recursively, of every local module source; decode the blocks; check
 *      the static rules (duplicates, stray arguments and blocks, unknown
 *      resource types, meta-arguments, module sources, required module
 *      inputs).  Expressions are kept unevaluated (stk_expr from the parse
 *      trees, which the config owns).
 *   2. stk_config_set_vars() (variables.c): the root module's input values
 *      with Terraform's precedence.
 *   3. stk_config_build_graph() (deps.c): one node per configuration
 *      object of every module, edges from the references of every
 *      expression (engine/eval/refs.h) and depends_on; reports references to
 *      undeclared objects (stk_graph_toposort reports cycles).
 *   4. stk_config_evaluate() (evaluate.c): builds that graph, walks it in
 *      topological order and evaluates every object of every module
 *      instance, with unknown values allowed (see stk_eval_opts).
 *   5. stk_evaluation_instance_graph() (instances.c): the graph of resource
 *      instances the apply walker of a later issue runs.
 *
 * file() and templatefile() resolve relative paths against the root
 * directory, as `terraform -chdir=DIR` does: path.module is the module
 * directory relative to it ("modules/net"), so the usual
 * file("${path.module}/user_data.sh") reads the module's own file.
 *
 * Ownership: a stk_config owns everything reachable from it (its arena
 * holds the parse trees, the decoded blocks and their strings; types and
 * default values are references released by stk_config_free).  A
 * stk_evaluation owns its values and borrows the config, which must outlive
 * it.
 */
#ifndef STK_CONFIG_H
#define STK_CONFIG_H
#include <stddef.h>
#include "hcl/ast.h"
#include "eval/value.h"
#include "eval/funcs.h"
#include "util/diag.h"
#include "util/fs.h"
#include "util/strmap.h"

struct stk_resource_type;
struct stk_graph;
struct stk_arena;

typedef struct stk_module stk_module;
typedef struct stk_module_call stk_module_call;

typedef struct {
    stk_expr *condition;
    stk_expr *error_message;
    stk_range range;             /* the validation block */
} stk_validation;

typedef struct {
    const char *name;
    stk_range decl_range;        /* `variable "name"` */
    stk_type *type;              /* the constraint (STK_DYNAMIC when absent); owned ref */
    int has_type;
    int parse_as_hcl;            /* -var / env strings parsed as HCL (type not string) */
    stk_expr *default_expr;      /* NULL: required */
    stk_value *default_value;    /* the constant default converted to type, or NULL */
    const char *description;
    int sensitive;
    int nullable;                /* default 1 */
    stk_validation *validations;
    size_t nvalidations;
    size_t index;                /* position in module->variables */
} stk_variable;

typedef struct {
    const char *name;
    stk_expr *expr;
    stk_range range;             /* the `name = expr` attribute */
    size_t index;
} stk_local;

typedef struct {
    const char *name;
    stk_range decl_range;
    stk_expr *value;
    const char *description;
    int sensitive;
    stk_expr **depends_on;       /* traversals */
    size_t ndepends_on;
    size_t index;
} stk_output;

typedef struct {
    int create_before_destroy;
    int prevent_destroy;
    int ignore_all;              /* ignore_changes = all */
    stk_expr **ignore_changes;   /* traversals relative to the resource: tags, tags["Name"] */
    size_t nignore_changes;
    stk_expr **replace_triggered_by;
    size_t nreplace_triggered_by;
} stk_lifecycle;

typedef enum { STK_MODE_MANAGED, STK_MODE_DATA } stk_resource_mode;

typedef struct {
    stk_resource_mode mode;
    const char *type;            /* "aws_vpc" */
    const char *name;            /* "main" */
    const char *addr;            /* "aws_vpc.main" / "data.aws_ami.ubuntu" (module-relative) */
    stk_range decl_range;        /* `resource "aws_vpc" "main"` */
    const char *provider;        /* provider local name: the `provider` argument, else the
                                    type's prefix ("aws" for aws_vpc) */
    const char *provider_alias;  /* NULL: the default configuration */
    stk_range provider_range;
    stk_expr *count;             /* NULL when absent */
    stk_expr *for_each;
    stk_expr **depends_on;
    size_t ndepends_on;
    stk_lifecycle lifecycle;
    stk_hcl_body *timeouts;      /* NULL when absent */
    stk_hcl_body *body;          /* the whole block body: the resource layer decodes it;
                                    meta-arguments are skipped by stk_config_is_meta() */
    const struct stk_resource_type *rtype;  /* registry entry, NULL if unknown */
    stk_module *module;
    size_t index;                /* position in module->resources */
} stk_resource;

typedef struct {
    const char *name;            /* "aws" */
    const char *alias;           /* NULL for the default configuration */
    const char *addr;            /* "provider.aws" / "provider.aws.west" */
    stk_range decl_range;
    stk_hcl_body *body;          /* region, profile, default_tags, endpoints, assume_role,
                                    max_retries, skip_*, s3_use_path_style ... kept as is */
    size_t index;
} stk_provider_config;

typedef struct {
    const char *name;            /* local name */
    const char *source;          /* "hashicorp/aws" (NULL when not given) */
    const char *version;         /* constraint string or NULL */
} stk_required_provider;

/* One entry of a module call's `providers = { aws.dst = aws.west }`: the
   configuration the child knows as child_name[.child_alias] is the one
   the parent knows as parent_name[.parent_alias]. */
typedef struct stk_provider_pass {
    const char *child_name, *child_alias;
    const char *parent_name, *parent_alias;
    stk_range range;             /* the entry */
} stk_provider_pass;

typedef struct {
    const char *required_version;            /* NULL when absent */
    stk_required_provider *required_providers;
    size_t nrequired_providers;
    const char *backend_type;                /* "s3", "local" or NULL */
    stk_hcl_body *backend;                   /* its attributes, kept for the state issue */
    stk_range backend_range;
} stk_terraform_settings;

struct stk_module_call {
    const char *name;
    stk_range decl_range;
    const char *source;
    stk_range source_range;
    stk_expr *count;
    stk_expr *for_each;
    stk_expr **depends_on;
    size_t ndepends_on;
    stk_expr *providers;         /* the `providers = {...}` map expression, or NULL */
    struct stk_provider_pass *passes;   /* its entries, decoded (providers.c) */
    size_t npasses;
    stk_hcl_attr **inputs;       /* every other argument: the child's variables */
    size_t ninputs;
    stk_module *parent;
    stk_module *child;           /* NULL when the source could not be loaded */
    size_t index;
};

struct stk_module {
    const char *path;            /* "" for root, "module.net", "module.net.module.sub" */
    const char *dir;             /* module directory relative to the root directory:
                                    "." for root, "modules/net" (this is path.module) */
    const char *fsdir;           /* the directory as the fs reads it (root dir joined) */
    stk_module *parent;
    stk_module_call *call;       /* the call that instantiates it (NULL for root) */
    int depth;

    stk_hcl_file **files;
    size_t nfiles;

    stk_variable **variables;    size_t nvariables;
    stk_local **locals;          size_t nlocals;
    stk_output **outputs;        size_t noutputs;
    stk_resource **resources;    size_t nresources;   /* managed and data, in source order */
    stk_module_call **calls;     size_t ncalls;
    stk_provider_config **providers; size_t nproviders;
    stk_terraform_settings terraform;

    /* name -> object */
    stk_strmap var_map, local_map, output_map, call_map, provider_map;
    stk_strmap resource_map;     /* addr ("aws_vpc.main", "data.aws_ami.x") -> stk_resource */
};

typedef struct stk_config {
    const stk_fs *fs;
    const char *root_dir;        /* as given, e.g. "examples/starttech" */
    stk_module *root;
    stk_module **modules;        /* every module, parents before children */
    size_t nmodules;
    struct stk_arena *arena;
    /* root variable values after stk_config_set_vars (NULL entries: not set),
       parallel to root->variables, with the range of where each came from */
    stk_value **var_values;
    stk_range *var_ranges;
    int vars_set;
} stk_config;

/* Load the configuration in `dir` through `fs`.  Returns a config even when
   there are errors (for as many further checks as possible) unless the
   directory cannot be read at all; check stk_diags_has_errors(d). */
stk_config *stk_config_load(const stk_fs *fs, const char *dir, stk_diags *d);
void stk_config_free(stk_config *c);

/* Parse a type constraint expression (`list(object({a=string, b=optional(number, 1)}))`).
   Returns a new type, or NULL after adding a diagnostic. */
stk_type *stk_config_parse_type(const stk_expr *e, stk_diags *d);

/* 1 when `name` is a meta-argument or meta-block of resource / data blocks
   that the resource layer must skip when it decodes a body: count,
   for_each, provider, depends_on, lifecycle, connection, provisioner.
   (`timeouts` is not one: it belongs to the resource type's data.) */
int stk_config_is_meta(const char *name);

/* Check a resource body against a resource type's schema (arguments,
   required arguments, read-only attributes, block types, block counts).
   The loader calls it for every resource whose type has a schema; `top`
   skips the meta-arguments. */
struct stk_schema;
void stk_config_check_schema(const struct stk_schema *s, stk_hcl_body *body, const stk_range *decl, int top,
                             stk_diags *d);

/* ---- provider configurations across modules (providers.c) ----
 *
 * Terraform's rules for which provider configuration a resource uses:
 *   1. a provider block of the resource's own module with that name and
 *      alias (legacy modules configure their providers themselves);
 *   2. else the configuration the module's call passes under that name
 *      (`providers = { aws = aws.west, aws.dst = aws }`), which is resolved
 *      by the same rules in the calling module;
 *   3. else, for a default (non-aliased) configuration only, the one the
 *      calling module sees (implicit inheritance), up to the root, where a
 *      provider without any block gets an implied empty configuration.
 * An aliased configuration is never inherited: it is configured or passed,
 * or it is "not present" (an error).  The loader also refuses what
 * Terraform refuses: a module call passing a configuration its module
 * configures itself, a `providers` entry that is not a provider reference
 * or names a configuration the caller does not have, and count, for_each
 * or depends_on on a call whose module (or a module below it) has provider
 * blocks (each such module then has exactly one instance). */

typedef struct {
    const stk_module *module;            /* the module whose configuration it is */
    const stk_provider_config *config;   /* its provider block; NULL: the implied empty default
                                            configuration of the root module */
    const char *name, *alias;            /* its name and alias (NULL) in that module */
} stk_provider_binding;

/* The configuration that serves name[.alias] inside module m.  0 found,
   -1 not present (an alias nobody configured or passed down). */
int stk_config_provider_resolve(const stk_module *m, const char *name, const char *alias, stk_provider_binding *out);
/* The address Terraform records in state for that configuration (malloc'd):
   provider["registry.terraform.io/hashicorp/aws"], ...].west, or
   module.net.provider["registry.terraform.io/hashicorp/aws"] for a
   module's own block. */
char *stk_config_provider_address(const stk_provider_binding *b);
/* The configuration address a resource's instances record. */
char *stk_config_resource_provider_address(const stk_resource *r);

/* ---- input variables (variables.c) ---- */

typedef enum { STK_VARARG_VAR, STK_VARARG_FILE } stk_vararg_kind;

typedef struct {
    stk_vararg_kind kind;
    const char *text;            /* "name=value" for -var, a path for -var-file */
} stk_vararg;

typedef struct {
    const stk_vararg *args;      /* in command-line order */
    size_t nargs;
    char *const *environ;        /* TF_VAR_x / STK_VAR_x source (NULL: none) */
    const stk_fs *varfile_fs;    /* reads -var-file paths (NULL: the OS) */
} stk_var_inputs;

/* Collect the root module's variable values with Terraform's precedence
   (default < TF_VAR_ < STK_VAR_ < terraform.tfvars < terraform.tfvars.json
   < *.auto.tfvars(.json) in lexical order < -var-file / -var in order),
   convert them to the declared types, and report missing required ones.
   Validation rules are checked by stk_config_evaluate.  Returns 0, or -1
   when errors were added. */
int stk_config_set_vars(stk_config *c, const stk_var_inputs *in, stk_diags *d);

/* ---- the dependency graph of configuration objects (graph.c) ---- */

typedef enum {
    STK_NODE_VARIABLE,
    STK_NODE_LOCAL,
    STK_NODE_OUTPUT,
    STK_NODE_RESOURCE,
    STK_NODE_DATA,
    STK_NODE_MODULE,     /* a module call: expands the child's instances */
    STK_NODE_PROVIDER
} stk_config_node_kind;

typedef struct {
    stk_config_node_kind kind;
    stk_module *module;          /* the module the object is declared in */
    void *obj;                   /* stk_variable*, stk_local*, stk_output*, stk_resource*,
                                    stk_module_call*, stk_provider_config* */
} stk_config_node;

/* Build the graph of every object of every module.  Node ids are
   module-path-qualified addresses ("module.net.aws_subnet.public",
   "module.net.var.cidr", "module.net" for a call, "provider.aws.west");
   node->data points at a stk_config_node (owned by the config's arena).
   References to undeclared objects are reported here (once, statically).
   Returns the graph (caller frees with stk_graph_free) even on errors. */
struct stk_graph *stk_config_build_graph(stk_config *c, stk_diags *d);
/* The same graph for drawing (`stk graph`): without the structural edges
   from every object of a child module to its module call (only the child's
   variables keep theirs), which evaluation needs but which clutter a
   picture. */
struct stk_graph *stk_config_build_display_graph(stk_config *c, stk_diags *d);
/* DOT shapes for stk_graph_to_dot by node kind. */
const char *stk_config_node_shape(int kind);

/* ---- evaluation (evaluate.c) ---- */

typedef struct stk_module_instance stk_module_instance;
typedef struct stk_resource_instance stk_resource_instance;

/* The hook later issues fill with state: given a resource instance and its
   evaluated configuration, return a NEW reference to the value references
   to it see (prior state merged with the plan), or NULL to use the default:
   an unknown value (validate: nothing is applied yet). */
typedef stk_value *(*stk_instance_value_fn)(void *ud, const stk_resource_instance *ri);

typedef struct {
    int validate_only;           /* unknown count / for_each are allowed (validate):
                                    a resource's body is then checked once, a
                                    module's body in one instance "module.x[*]"
                                    with unknown count.index / each; otherwise
                                    they are errors (plan) */
    const char *workspace;       /* terraform.workspace ("default" when NULL) */
    const char *cwd;             /* path.cwd (the process's cwd joined with the root dir
                                    when NULL) */
    stk_instance_value_fn instance_value;
    void *instance_ud;
    /* Called with every provider block's evaluated body (a generic object,
       borrowed for the call) in each module instance: the plan/apply
       engine configures provider instances from it.  May be NULL. */
    void (*provider_value)(void *ud, const stk_module_instance *mi, const stk_provider_config *p, stk_value *v);
} stk_eval_opts;

struct stk_resource_instance {
    const char *addr;            /* full: "module.net[0].aws_subnet.public[1]" */
    const stk_resource *res;
    stk_module_instance *mi;
    stk_value *key;              /* NULL (single), a number (count) or a string (for_each) */
    stk_value *each_value;       /* for_each: each.value */
    stk_value *config;           /* the evaluated body (dynamic blocks expanded): with the
                                    type's schema, an object of stk_schema_type() (unset
                                    attributes null); without one, a generic object whose
                                    nested blocks are tuples of objects */
    stk_value *value;            /* what references see */
};

typedef enum { STK_EXPAND_SINGLE, STK_EXPAND_COUNT, STK_EXPAND_FOREACH, STK_EXPAND_UNKNOWN } stk_expand_mode;

typedef struct {
    stk_expand_mode mode;
    int done;
    stk_resource_instance **insts;
    size_t ninsts;
    stk_value *agg;              /* the value of `aws_subnet.public` (tuple/object/instance) */
} stk_resource_slot;

typedef struct {
    stk_expand_mode mode;
    int done;
    stk_module_instance **insts;
    size_t ninsts;
} stk_call_slot;

struct stk_module_instance {
    const char *addr;            /* "" root, "module.net[0]" */
    const stk_module *mod;
    stk_module_instance *parent;
    const stk_module_call *call;
    stk_value *key;              /* count.index / each.key of the call, NULL when single */
    stk_value *each_value;
    stk_value **vars;            /* parallel to mod->variables */
    stk_value **locals;
    stk_value **outputs;
    stk_resource_slot *res;      /* parallel to mod->resources */
    stk_call_slot *calls;        /* parallel to mod->calls */
    stk_func_ctx funcs;
};

typedef struct stk_evaluation {
    stk_config *config;
    stk_eval_opts opts;
    stk_module_instance *root;
    stk_resource_instance **instances;   /* every resource and data instance, in walk order */
    size_t ninstances, capinstances;
    stk_module_instance **minstances;    /* every module instance */
    size_t nminstances, capminstances;
    struct stk_arena *arena;             /* addresses */
    char *cwd;
} stk_evaluation;

/* Evaluate the whole configuration (after stk_config_set_vars) with
   unknowns allowed.  Returns the evaluation (free with
   stk_evaluation_free) even when diagnostics were added. */
stk_evaluation *stk_config_evaluate(stk_config *c, const stk_eval_opts *opts, stk_diags *d);
void stk_evaluation_free(stk_evaluation *ev);
/* The root module's output value by name (borrowed) or NULL. */
stk_value *stk_evaluation_output(const stk_evaluation *ev, const char *name);

/* The graph of resource INSTANCES of an evaluation, for the walker of the
   plan/apply issue.  One node per resource / data instance (id: its full
   address "module.net[0].aws_subnet.public[1]", kind STK_NODE_RESOURCE or
   STK_NODE_DATA, data: the stk_resource_instance), and join nodes (kind
   STK_NODE_JOIN, data NULL) standing for "every instance of block X in
   module instance M" and "every instance of block X anywhere", so edges
   stay linear in the number of instances.  An instance depends on the
   instances of every resource block its block depends on, directly or
   through variables, locals, outputs and module calls: those of the same
   module instance when both blocks are in one module, else all of them.
   Returns NULL when the configuration graph has a cycle (reported in d). */
enum { STK_NODE_JOIN = 100 };
struct stk_graph *stk_evaluation_instance_graph(const stk_evaluation *ev, stk_diags *d);

/* Everything `stk validate` does: load, variables, graph, evaluate.
   Returns 0 when valid. */
int stk_config_validate_dir(const stk_fs *fs, const char *dir, const stk_var_inputs *in,
                            stk_diags *d);

#endif
