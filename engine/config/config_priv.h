/* config_priv.h - helpers shared by the files of engine/config (load.c,
 * variables.c, deps.c, evaluate.c); not part of the config contract. */
#ifndef STK_CONFIG_PRIV_H
#define STK_CONFIG_PRIV_H
#include "config/config.h"

/* literal string of e (a quoted string with no interpolation), else NULL */
const char *stk_cfg_expr_string(const stk_expr *e);
/* a bare identifier (`string`, `all`), else NULL */
const char *stk_cfg_expr_keyword(const stk_expr *e);
/* literal bool: returns 1 and sets *out */
int stk_cfg_expr_bool(const stk_expr *e, int *out);
/* a static traversal: name(.attr | [literal])* */
int stk_cfg_expr_is_traversal(const stk_expr *e);

/* decode every module call's `providers` map and check the rules of
   config.h's provider section (providers.c; the loader calls it once all
   modules are loaded) */
void stk_cfg_check_providers(stk_config *c, stk_diags *d);

/* drop the diagnostics from index `from` on that repeat an earlier one of
   that range exactly (evaluate.c) */
void stk_cfg_dedup_diags(stk_diags *d, size_t from);

#endif
