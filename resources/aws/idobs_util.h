/* aws/idobs_util.h - helpers shared by the identity, registry,
 * observability and data-store resource files (iam.c, ecr.c, logs.c,
 * cloudwatch.c, sns.c, elasticache.c, dynamodb.c, iam_policy_document.c)
 * that common.h does not have: generated names (name / name_prefix, as
 * terraform-provider-aws's id.PrefixedUniqueId), IAM policy documents
 * compared by meaning, URL-decoding of IAM's policy answers, and tag
 * updates for services whose Tag/Untag calls take an ARN or a name.
 *
 * Ownership: char * results are malloc'd; json_t results are new refs.
 */
#ifndef STK_AWS_IDOBS_UTIL_H
#define STK_AWS_IDOBS_UTIL_H
#include "aws/common.h"

/* The name of a new object: `name` when configured, else name_prefix (or
   `dflt_prefix`, "terraform-") followed by a unique suffix of 26
   characters (UTC time to the second and a 12-digit counter), as
   terraform-provider-aws does.  `name_key` / `prefix_key` are the
   attribute names ("name", "name_prefix"). */
char *stk_idobs_name(stk_value *planned, const char *name_key, const char *prefix_key, const char *dflt_prefix);
/* name_prefix for the state: the configured one, or, on import, the
   prefix of a generated name (NULL when the name does not look generated). */
const char *stk_idobs_name_prefix_of(stk_value *base, const char *prefix_key);

/* IAM policy text as AWS returns it: URL-decoded when it is percent-encoded
   (IAM's Get* answers). malloc'd. */
char *stk_idobs_url_decode(const char *s);
/* A policy document's canonical JSON (new ref), or NULL when s is not JSON:
   Statement always a list; Action/NotAction/Resource/NotResource and
   principal and condition values as sorted, de-duplicated lists; the rest
   unchanged.  Two documents mean the same to IAM when these are equal. */
json_t *stk_idobs_policy_canonical(const char *s);
/* 1 when two policy texts mean the same (see above). */
int stk_idobs_policy_equal(const char *a, const char *b);
/* The attribute normaliser for policy attributes (provider.h). */
stk_value *stk_idobs_policy_normalize(stk_value *v);
/* The policy text for the state: the configured text (from `base`, the
   planned value or prior state) when it means the same as AWS's `remote`
   (so no diff shows), else AWS's text (URL-decoded). malloc'd. */
char *stk_idobs_policy_for_state(stk_value *base, const char *key, const char *remote);
/* Any JSON text as it should be stored: the configured text when it has
   the same JSON meaning as `remote`, else `remote`. malloc'd. */
char *stk_idobs_json_for_state(stk_value *base, const char *key, const char *remote);

/* Tag changes through a service's own Tag / Untag calls:
   tag call  {id_key: id, tags_key: tags} (list [{Key,Value}] or, when
   as_map, an object), untag call {id_key: id, keys_key: [keys]}.
   No call when nothing changed.  0 or -1 (diagnostic). */
int stk_idobs_update_tags(stk_provider_instance *p, const char *service, const char *tag_op, const char *untag_op,
                          const char *id_key, const char *id, const char *tags_key, const char *keys_key, int as_map,
                          json_t *old_map, json_t *new_map, stk_diags *d);
/* The same, between the prior state's tags_all and the planned tags_all. */
int stk_idobs_update_tags_v(stk_provider_instance *p, const char *service, const char *tag_op, const char *untag_op,
                            const char *id_key, const char *id, const char *tags_key, const char *keys_key,
                            int as_map, stk_value *prior, stk_value *planned, stk_diags *d);

/* 1 when the string attribute differs between prior and planned (unknown
   planned values count as unchanged). */
int stk_idobs_changed(stk_value *prior, stk_value *planned, const char *key);

/* Crash recovery (provider.h's journal_info / recover) for the types
   whose id is a name chosen before the create call (role, instance
   profile, repository, log group, alarm, dashboard, table, ElastiCache
   groups and clusters): the intent records {"token", "tags", "name"};
   recover reads the object by that name (or the "id" the engine adds) and
   gives NULL when AWS does not have it.  Without a recorded name (a
   generated one) recover fails with a diagnostic that says so: the intent
   stays pending rather than risking a duplicate. */
char *stk_idobs_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token);
int stk_idobs_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                      stk_diags *d);

/* An error diagnostic "<type>: <what> is not supported by stk yet". */
void stk_idobs_unsupported(stk_diags *d, const char *type, const char *what);

#endif
