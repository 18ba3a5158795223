/* types.c - the registry of resource types and data sources stk knows:
 * every AWS type of the StartTech stack (issue 6), the data sources it
 * reads, and the small local providers (random, terraform, null).
 *
 * `stk validate` checks resource type names against this table.  A
 * descriptor whose schema is NULL has no argument checking yet; schemas and
 * CRUD functions are filled in by the AWS resources issue, one file per
 * type (resources/aws/<service>_<thing>.c), which then points its entry
 * here at its descriptor.
 */
#include "provider.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

/* Schemas written so far (the built-in providers' small ones); the AWS
   types get theirs with their CRUD files. */
static const stk_schema_attr terraform_data_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, "a unique id set at creation"},
    {"input", "any", STK_ATTR_OPTIONAL, NULL, "a value stored in state and copied to output"},
    {"output", "any", STK_ATTR_COMPUTED, NULL, "the value of input after apply"},
    {"triggers_replace", "any", STK_ATTR_OPTIONAL, NULL, "a change replaces the resource"},
};
static const stk_schema terraform_data_schema = {terraform_data_attrs, 4, NULL, 0};


/* Entries not written yet are descriptors made here (file-scope compound
   literals: static storage); a type with a CRUD file points at the
   descriptor that file defines (declared in aws/aws_types.h): replace its
   M()/D() line with &stk_<name>_type / &stk_data_<name>_type, in place. */
#define M(n, p) &(const stk_resource_type){n, p, STK_RESOURCE_MANAGED, NULL, NULL, NULL, NULL, NULL, NULL, NULL}
#define MS(n, p, s) &(const stk_resource_type){n, p, STK_RESOURCE_MANAGED, s, NULL, NULL, NULL, NULL, NULL, NULL}
#define D(n, p) &(const stk_resource_type){n, p, STK_RESOURCE_DATA, NULL, NULL, NULL, NULL, NULL, NULL, NULL}

/* sorted by kind (managed first), then name: lookups are binary searches */
static const stk_resource_type *const types[] = {
    &stk_aws_autoscaling_group_type,
    &stk_aws_autoscaling_policy_type,
    &stk_aws_cloudfront_distribution_type,
    &stk_aws_cloudfront_origin_access_control_type,
    &stk_aws_cloudfront_origin_access_identity_type,
    &stk_aws_cloudwatch_dashboard_type,
    &stk_aws_cloudwatch_log_group_type,
    &stk_aws_cloudwatch_metric_alarm_type,
    &stk_aws_dynamodb_table_type,
    &stk_aws_ecr_lifecycle_policy_type,
    &stk_aws_ecr_repository_type,
    &stk_aws_eip_type,
    &stk_aws_elasticache_cluster_type,
    &stk_aws_elasticache_parameter_group_type,
    &stk_aws_elasticache_replication_group_type,
    &stk_aws_elasticache_subnet_group_type,
    &stk_aws_iam_instance_profile_type,
    &stk_aws_iam_policy_type,
    &stk_aws_iam_role_type,
    &stk_aws_iam_role_policy_type,
    &stk_aws_iam_role_policy_attachment_type,
    &stk_aws_instance_type,
    &stk_aws_internet_gateway_type,
    &stk_aws_key_pair_type,
    &stk_aws_launch_template_type,
    &stk_aws_lb_type,
    &stk_aws_lb_listener_type,
    &stk_aws_lb_listener_rule_type,
    &stk_aws_lb_target_group_type,
    &stk_aws_nat_gateway_type,
    &stk_aws_route_type,
    &stk_aws_route_table_type,
    &stk_aws_route_table_association_type,
    &stk_aws_s3_bucket_type,
    &stk_aws_s3_bucket_ownership_controls_type,
    &stk_aws_s3_bucket_policy_type,
    &stk_aws_s3_bucket_public_access_block_type,
    &stk_aws_s3_bucket_server_side_encryption_configuration_type,
    &stk_aws_s3_bucket_versioning_type,
    &stk_aws_s3_bucket_website_configuration_type,
    &stk_aws_security_group_type,
    &stk_aws_security_group_rule_type,
    &stk_aws_sns_topic_type,
    &stk_aws_sns_topic_subscription_type,
    &stk_aws_subnet_type,
    &stk_aws_vpc_type,
    &stk_aws_vpc_security_group_egress_rule_type,
    &stk_aws_vpc_security_group_ingress_rule_type,
    M("null_resource", "null"),
    &stk_random_id_type,
    M("random_integer", "random"),
    &stk_random_password_type,
    &stk_random_string_type,
    MS("terraform_data", "terraform", &terraform_data_schema),
    &stk_data_aws_ami_type,
    &stk_data_aws_availability_zones_type,
    &stk_data_aws_caller_identity_type,
    &stk_data_aws_cloudfront_cache_policy_type,
    &stk_data_aws_iam_policy_document_type,
    &stk_data_aws_partition_type,
    &stk_data_aws_region_type,
    &stk_data_aws_subnets_type,
    &stk_data_aws_vpc_type,
};

#define NTYPES (sizeof types / sizeof types[0])

static int cmp_key(const void *key, const void *elem)
{
    const stk_resource_type *k = key, *e = *(const stk_resource_type *const *)elem;
    if (k->kind != e->kind) return k->kind < e->kind ? -1 : 1;
    return strcmp(k->name, e->name);
}

const stk_resource_type *stk_resource_type_lookup(stk_resource_kind kind, const char *name)
{
    stk_resource_type key = {0};
    key.name = name;
    key.kind = kind;
    const stk_resource_type *const *t = bsearch(&key, types, NTYPES, sizeof types[0], cmp_key);
    return t ? *t : stk_resource_type_lookup_extra(kind, name);   /* the test provider (resources/test) */
}

const stk_resource_type *const *stk_resource_types_all(size_t *n)
{
    *n = NTYPES;
    return types;
}

const char *stk_provider_source(const char *local_name)
{
    static const char *const known[][2] = {
        {"aws", "hashicorp/aws"},
        {"null", "hashicorp/null"},
        {"random", "hashicorp/random"},
        {"terraform", "terraform.io/builtin/terraform"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i][0], local_name) == 0) return known[i][1];
    return NULL;
}
