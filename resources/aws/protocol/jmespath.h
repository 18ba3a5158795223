/* jmespath.h - the JMESPath subset AWS waiters and paginators use, over
 * jansson values: identifiers (bare and "quoted"), sub-expressions a.b,
 * indexes [0] / [-1], flatten [], wildcard projections [*] and .*, filter
 * projections [?expr], comparisons == != < <= > >=, || && !, pipes |,
 * parentheses, literals `json` and 'raw strings', @, and the functions
 * length() and contains().  Projections follow the JMESPath specification
 * (nulls dropped, [] ends the previous projection and flattens it).
 * Anything else (slices, multi-selects, other functions) is a compile error
 * that says so.
 *
 * Ownership: a compiled expression is owned by the caller
 * (stk_jmespath_free); results are new references (JSON null, never NULL).
 */
#ifndef STK_JMESPATH_H
#define STK_JMESPATH_H
#include <jansson.h>

typedef struct stk_jmespath stk_jmespath;

/* NULL on a syntax error; *err (when non-NULL) gets a malloc'd message. */
stk_jmespath *stk_jmespath_compile(const char *expr, char **err);
json_t *stk_jmespath_eval(const stk_jmespath *jp, json_t *data);
void stk_jmespath_free(stk_jmespath *jp);
/* compile + eval + free; NULL on a syntax error. */
json_t *stk_jmespath_search(const char *expr, json_t *data, char **err);
/* JMESPath truthiness: false for null, false, "", [], {}. */
int stk_jmespath_truthy(json_t *v);
/* Equality as JMESPath defines it (1 == 1.0). */
int stk_jmespath_equal(json_t *a, json_t *b);

#endif
