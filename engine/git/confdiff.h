/* confdiff.h - configuration against configuration: which resource
 * instances two evaluated configurations (e.g. two git revisions, see
 * source.h) add, remove or change, and which attributes differ.  No state
 * and no provider are involved: attributes are compared as the
 * configuration sets them (unset = null), values only known after apply
 * are unknown on both sides and never reported as a difference unless the
 * other side is known.  Managed resources only (data sources are read, not
 * changed).
 *
 * Attribute equality is the plan engine's (plans/diff.c
 * stk_diff_attr_equal / stk_diff_block_equal) when the type has a schema,
 * so a reformatted JSON policy is not a difference; only the pairing of
 * the instances of two configurations is new here (the plan engine pairs
 * configuration with state).
 *
 * Ownership: the result array and everything in it are malloc'd; free with
 * stk_confdiff_free.
 */
#ifndef STK_GIT_CONFDIFF_H
#define STK_GIT_CONFDIFF_H
#include "config/config.h"

typedef enum { STK_CONFDIFF_ADD = '+', STK_CONFDIFF_REMOVE = '-', STK_CONFDIFF_CHANGE = '~' } stk_confdiff_kind;

typedef struct {
    char *name;       /* top-level attribute or block name */
    char *before;     /* rendered as HCL; "(known after apply)"; "null" */
    char *after;
} stk_confdiff_attr;

typedef struct {
    stk_confdiff_kind kind;
    char *addr;
    stk_confdiff_attr *attrs;   /* CHANGE only */
    size_t nattrs;
} stk_confdiff_entry;

/* Compare the managed resource instances of a (old) and b (new), in b's
   order then removals in a's order.  Returns the number of entries. */
size_t stk_confdiff(const stk_evaluation *a, const stk_evaluation *b, stk_confdiff_entry **out);
void stk_confdiff_free(stk_confdiff_entry *e, size_t n);

#endif
