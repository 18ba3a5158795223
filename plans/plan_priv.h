/* plan_priv.h - what the files of plans/ share: the schema-driven value
 * planning and comparisons of diff.c. */
#ifndef STK_PLAN_PRIV_H
#define STK_PLAN_PRIV_H
#include "plans/plan.h"
#include "provider.h"

/* The planned object for configuration `cfg` over `prior` (NULL: create). New ref. */
stk_value *stk_diff_plan(const stk_schema *s, stk_value *cfg, stk_value *prior);
/* Convert v (consumed) to the schema's object type when possible. */
stk_value *stk_diff_conform(const stk_schema *s, stk_value *v);
int stk_diff_attr_equal(const stk_schema_attr *a, stk_value *x, stk_value *y);
int stk_diff_object_equal(const stk_schema *s, stk_value *x, stk_value *y);
int stk_diff_block_equal(const stk_schema_block *b, stk_value *x, stk_value *y);
/* A copy of obj with key set to val (val borrowed). */
stk_value *stk_diff_obj_set(stk_value *obj, const char *key, stk_value *val);
/* Top-level attribute / block names that differ (malloc'd array of
   malloc'd names); *force_new when one of them forces replacement. */
size_t stk_diff_changed(const stk_schema *s, stk_value *before, stk_value *after, char ***names, int *force_new);
/* Does an output's value change?  Equal values are equal whatever their
   collection types (the state reads an output back untyped: a list as a
   tuple). */
int stk_plan_output_changed(const stk_output_change *o);

#endif
