/* aws/compute_shared.h - helpers shared by the compute and load-balancing
 * resource files (ec2_instance.c, ec2_launch_template.c, autoscaling.c,
 * elbv2.c) that common.h does not have: unique names for name_prefix,
 * Elastic Load Balancing v2 tags and attributes.
 *
 * Ownership: char * results are malloc'd; json_t results are new refs.
 */
#ifndef STK_AWS_COMPUTE_SHARED_H
#define STK_AWS_COMPUTE_SHARED_H
#include "aws/common.h"

/* The object name from `name` / `name_prefix` of a planned value, as
   terraform-provider-aws makes it: name when set, else prefix (default
   "terraform-") followed by 26 digits.  The digits come from the create's
   idempotency token when there is one (a retried or recovered create makes
   the same name), else from the clock and a counter.  max_len > 0 cuts the
   suffix so the whole fits (load balancer names: 32). */
char *stk_aws_cmp_name(stk_value *planned, size_t max_len);
/* The same with the token given (journal_info runs before the create's
   context is set); NULL token: clock and counter. */
char *stk_aws_cmp_name_token(stk_value *planned, size_t max_len, const char *token);

/* elbv2 DescribeTags of one ARN as a map (new ref); NULL on failure. */
json_t *stk_aws_elbv2_tags(stk_provider_instance *p, const char *arn, stk_diags *d);
/* AddTags / RemoveTags between two maps. */
int stk_aws_elbv2_update_tags(stk_provider_instance *p, const char *arn, json_t *old_map, json_t *new_map,
                              stk_diags *d);
/* [{Key, Value}] attribute list -> object {key: value} (new ref). */
json_t *stk_aws_kv_to_map(json_t *list);
#endif
