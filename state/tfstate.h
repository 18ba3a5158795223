/* tfstate.h - Terraform's state format version 4 (terraform.tfstate), in
 * and out of the store.
 *
 * Export writes what Terraform writes: version 4, terraform_version,
 * serial, lineage, outputs {value, type, sensitive}, resources sorted by
 * (module, mode, type, name) each with module (omitted at the root), mode,
 * type, name, each ("list" for count, "map" for for_each), provider and its
 * instances sorted by key (index_key, status "tainted", deposed,
 * schema_version, attributes, sensitive_attributes, private, dependencies,
 * create_before_destroy), and check_results null.  Instance fields stk does
 * not model (e.g. identity) are kept verbatim in the instance's `extra` and
 * written back, so an import/export round trip is lossless.
 *
 * sensitive_attributes are stored in Terraform's path form
 *     [[{"type":"get_attr","value":"password"}], [{"type":"get_attr","value":"tags"},
 *       {"type":"index","value":{"value":"secret","type":"string"}}]]
 * Import also reads the older flat form (a list of strings such as
 * "password", "tags.secret" or "list[0]") and converts it to paths.
 *
 * The terraform_version written is the one of the imported state, or
 * STK_TFSTATE_COMPAT_VERSION (the Terraform release whose v4 format stk
 * writes) when the state was made by stk.
 *
 * Ownership: stk_tfstate owns everything it holds; the json_t results are
 * new references the caller decrefs.
 */
#ifndef STK_STATE_TFSTATE_H
#define STK_STATE_TFSTATE_H
#include <jansson.h>
#include "store.h"

#define STK_TFSTATE_COMPAT_VERSION "1.5.7"

typedef struct {
    char *lineage;
    int64_t serial;
    char *terraform_version;
    stk_state_instance_list instances;
    stk_state_output_list outputs;
} stk_tfstate;

/* Parse a v4 document.  Errors name the resource / instance at fault. */
int stk_tfstate_parse(json_t *root, stk_tfstate *out, stk_diags *d);
int stk_tfstate_parse_text(const char *text, stk_tfstate *out, stk_diags *d);
void stk_tfstate_free(stk_tfstate *t);
/* Build a v4 document (new reference). */
json_t *stk_tfstate_build(const stk_tfstate *t);

/* The store's current state as a v4 document / pretty JSON text. */
json_t *stk_tfstate_export(stk_state *st, stk_diags *d);
char *stk_tfstate_export_text(stk_state *st, stk_diags *d);

/* Load a v4 document into the store, replacing its content, in one
   transaction (or the caller's).
   STK_TFSTATE_ADOPT (stk state import-tfstate): the store takes the file's
     lineage; refused when the store already holds objects, unless force.
   STK_TFSTATE_PUSH (stk state push): Terraform's rules: refused when the
     lineage differs, when the serial is lower than the current one, or when
     it is equal but the content differs, unless force (the lineage is then
     the file's).
   The new serial is max(file serial, current serial + 1): serials never go
   back, so history stays ordered. */
enum { STK_TFSTATE_ADOPT = 0, STK_TFSTATE_PUSH = 1 };
int stk_tfstate_load(stk_state *st, json_t *root, int mode, int force, stk_diags *d);

/* Convert one sensitive_attributes value (either form) to the path form
   (new reference), or NULL with a diagnostic. */
json_t *stk_tfstate_sensitive_paths(json_t *v, const char *where, stk_diags *d);

/* Sort the resources and instances of a v4 document in place the way the
   exporter does (tests compare documents semantically with it). */
void stk_tfstate_normalize(json_t *root);

#endif
