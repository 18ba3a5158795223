/* eval.h - evaluating HCL expressions to values (HCL's hclsyntax rules plus
 * Terraform's functions, try() and can()).
 *
 * A scope says what names mean.  Root names are resolved, innermost first:
 *   1. local bindings of the evaluator itself (for-expression variables,
 *      template for variables, the splat item) and of the caller
 *      (`bind_names`/`bind_values`, e.g. the console binds "var"),
 *   2. the `vars` object, whose attributes are root names (templatefile()),
 *   3. the resolver callback (config: var, local, module, data, count, each,
 *      path, terraform, self, resource types such as aws_vpc).
 * A scope with no resolver, no vars and no binding for a name reports
 * "Variables not allowed" (as Terraform does in .tfvars files); a scope
 * with funcs == NULL reports "Function calls not allowed".
 *
 * The resolver is lazy: it receives the whole traversal starting at the
 * root (`aws_subnet.public[0].id`: root "aws_subnet", steps .public, [0],
 * .id, with index keys already evaluated; the traversal stops before an
 * index whose key is unknown or before any non-static step) and may apply
 * as many leading steps as it likes, saying how many in *consumed (0: it
 * returned the value of the root itself).  The evaluator applies the
 * remaining steps with the usual rules and errors.  So config may return a
 * whole object for "aws_vpc", or answer `aws_vpc.main.id` directly without
 * building anything else.
 *
 * On an undeclared name the resolver returns NULL after adding a
 * diagnostic in Terraform's words ("Reference to undeclared input
 * variable", "Reference to undeclared resource", ...) at ref->range.
 *
 * Ownership: stk_eval_expr returns a NEW reference and never returns NULL:
 * on error it adds diagnostics to `d` and returns an unknown value of type
 * dynamic, so evaluation goes on and independent errors are all reported.
 * The scope and everything it points to are borrowed for the duration of
 * the call.  Evaluation is re-entrant and thread safe as long as the
 * resolver is.
 */
#ifndef STK_EVAL_H
#define STK_EVAL_H
#include <stddef.h>
#include "hcl/ast.h"
#include "eval/value.h"
#include "eval/funcs.h"
#include "eval/refs.h"

typedef struct stk_eval_scope stk_eval_scope;

/* Return a new reference to the value of ref->root after `*consumed`
   leading steps (*consumed is 0 on entry), or NULL after adding a
   diagnostic. */
typedef stk_value *(*stk_eval_resolve_fn)(void *ud, const stk_ref *ref, size_t *consumed,
                                          stk_diags *d);

struct stk_eval_scope {
    const stk_eval_scope *parent;  /* bindings of the parent are visible; the
                                      resolver/funcs of the innermost scope
                                      that has one are used */
    const char *const *bind_names; /* local bindings (borrowed) */
    stk_value *const *bind_values;
    size_t nbind;
    stk_value *vars;               /* object whose attributes are root names, or NULL */
    stk_eval_resolve_fn resolve;   /* or NULL */
    void *ud;                      /* passed to resolve */
    const stk_func_ctx *funcs;     /* NULL: function calls not allowed */
    /* internal: the current splat element (set by the evaluator) */
    stk_value *splat_item;
    int has_splat_item;
};

/* Evaluate e in scope s (s may be NULL: no names, no functions). */
stk_value *stk_eval_expr(const stk_expr *e, const stk_eval_scope *s, stk_diags *d);

/* Evaluate e and convert the result to type `want` (a type constraint),
   adding "Incorrect value type" / Terraform's conversion message at e's
   range on failure (then returns an unknown of `want`). */
stk_value *stk_eval_expr_as(const stk_expr *e, const stk_eval_scope *s, stk_type *want,
                            stk_diags *d);

/* Parse `src` as a template (the contents of a file, as templatefile()
   reads it) and evaluate it with `vars` (an object; its attributes are the
   only names in scope) and the functions of `funcs` (may be NULL).  The
   result is a string (or unknown).  Returns NULL with diagnostics on error. */
stk_value *stk_eval_template_string(const char *filename, const char *src, size_t len,
                                    stk_value *vars, const stk_func_ctx *funcs, stk_diags *d);

/* An implementation of stk_func_ctx.render_template: renders with the
   function context of the call in progress (the templatefile() call the
   evaluator is making on this thread), so nested functions keep working;
   `ud` is ignored.  Errors become one *err message holding the first
   diagnostic with its file:line:col.  A templatefile() call from inside a
   template rendered this way is refused, as Terraform refuses it. */
stk_value *stk_eval_render_template(void *ud, const char *filename, const char *src, size_t len,
                                    stk_value *vars, char **err);

/* Convert a template interpolation value to a string as HCL does (numbers
   and bools to strings).  Returns NULL with *err set (malloc'd) when v
   cannot be converted (null, collections).  v borrowed. */
stk_value *stk_eval_to_template_string(stk_value *v, char **err);

#endif
