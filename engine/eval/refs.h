/* refs.h - reference analysis: which symbols an expression refers to.
 *
 * The dependency graph is built from these.  A reference is a traversal: a
 * root name (var, local, module, data, count, each, path, self, terraform,
 * or a resource type such as aws_subnet) followed by the static steps that
 * come after it in the source, e.g. `aws_subnet.public[0].id` is
 *   root "aws_subnet", steps [.public, [0], .id]
 * A step whose index is not a literal (aws_subnet.public[count.index]) is
 * recorded with key == NULL and ends the traversal; the names inside the
 * index expression (count.index) are reported as references of their own.
 *
 * stk_refs_collect is scope-aware: the variables of for expressions,
 * template for directives and splat items are not references.
 *
 * The same stk_ref type is what the evaluator passes to the resolver of a
 * scope (eval.h), there with the index keys already evaluated.
 *
 * Ownership: a stk_refs owns its arrays (free with stk_refs_free); names
 * and literal key values are BORROWED from the parse tree, so a stk_refs
 * must not outlive the tree (stk_hcl_file / arena) it was collected from.
 */
#ifndef STK_REFS_H
#define STK_REFS_H
#include <stddef.h>
#include "hcl/ast.h"
#include "eval/value.h"

typedef enum {
    STK_STEP_ATTR,      /* .name */
    STK_STEP_INDEX      /* [key] (also the legacy .0) */
} stk_step_kind;

typedef struct {
    stk_step_kind kind;
    const char *name;       /* ATTR: the attribute name */
    stk_value *key;         /* INDEX: the key (borrowed); NULL when not static */
    stk_range range;        /* the step itself: `.name` or `[key]` */
} stk_ref_step;

typedef struct {
    const char *root;       /* "var", "local", "aws_vpc", ... */
    stk_ref_step *steps;
    size_t nsteps;
    stk_range root_range;   /* the root name */
    stk_range range;        /* root through the last step */
} stk_ref;

typedef struct {
    stk_ref *items;
    size_t len, cap;
} stk_refs;

#define STK_REFS_INIT {0}

/* Append every reference `e` makes to *out (in source order; duplicates
   are kept, each with its own range).  e may be NULL. */
void stk_refs_collect(const stk_expr *e, stk_refs *out);
void stk_refs_free(stk_refs *r);

/* The name of the first `n` steps as Terraform writes it: "var.a",
   "aws_subnet.public[0].id", "data.aws_ami.x", `each.value["k"]`; a
   dynamic index prints as "[...]" and ends the name.
   n larger than the step count means all steps.  Caller frees. */
char *stk_ref_to_string(const stk_ref *r, size_t n);

/* Convenience accessors: the attribute name of step i, or NULL when step i
   does not exist or is not an attribute step. */
const char *stk_ref_attr(const stk_ref *r, size_t i);

#endif
