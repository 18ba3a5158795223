/* aws/recover.h - crash recovery (provider.h's journal_info / recover)
 * shared by resource types whose object is found again through values of
 * the configuration rather than tags alone: a name chosen before the create
 * call (load balancers, target groups, ASGs, launch templates, SNS topics),
 * or the keys of a sub-resource (a role's inline policy, a bucket's policy,
 * a route table association, a scaling policy, a listener).
 *
 * The intent's info is {"token", "tags", "name" (when given), "seed": {the
 * listed attributes of the planned value}}; the engine adds "id" to update
 * and delete intents.  A type's recover looks the object up with these (a
 * List/Describe by name, or the type's read from a seed state) and gives
 * NULL when AWS does not have it.  When the info lacks what the lookup needs
 * (a generated name, an update intent of a type whose id alone cannot be
 * read), recover fails with a diagnostic: the intent stays pending rather
 * than risking a duplicate or an orphan.
 *
 * Ownership: char * results are malloc'd; json_t results are new refs.
 */
#ifndef STK_AWS_RECOVER_H
#define STK_AWS_RECOVER_H
#include "aws/common.h"

/* journal_info text: {"token", "tags": tags_all, "name": name (omitted when
   NULL), "seed": {key: planned value} for each of keys (NULL-terminated;
   unset ones left out)}. */
char *stk_aws_recover_info(stk_provider_instance *p, stk_value *planned, const char *token, const char *name,
                           const char *const *keys);

/* The parsed info (new ref, an empty object when it does not parse). */
json_t *stk_aws_recover_load(const char *info_json);

/* The seed member as a state of type t with "id" set to id (or the info's
   "id" when id is NULL); NULL + diagnostic when it cannot be built. */
stk_value *stk_aws_recover_seed(const stk_resource_type *t, json_t *info, const char *id, stk_diags *d);

/* A string member of the info's seed, or NULL. */
const char *stk_aws_recover_seed_str(json_t *info, const char *key);

/* recover through t->read of the seed state: the id is the info's "id",
   else the seed's `id_key` member, else the info's own `id_key` member
   ("name"; id_key NULL: none).  With need (NULL-
   terminated) every one of those seed members must be there (the read
   needs them besides the id); without, the id must be known.  Else the
   "cannot tell" error. */
int stk_aws_recover_by_read(stk_provider_instance *p, const stk_resource_type *t, const char *info_json,
                            const char *id_key, const char *const *need, stk_value **state, stk_diags *d);

/* The "cannot tell whether AWS made it" error for t, with why. */
int stk_aws_recover_cannot(stk_diags *d, const stk_resource_type *t, const char *why);
#endif
