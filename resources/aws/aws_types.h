/* aws/aws_types.h - the resource type descriptors defined by the files of
 * resources/aws (one per type or close family), for the registry in
 * types.c.  Managed types are stk_<name>_type, data sources
 * stk_data_<name>_type.  Add one line per type when its file lands. */
#ifndef STK_AWS_TYPES_H
#define STK_AWS_TYPES_H
#include "provider.h"

/* networking (ec2_*.c) */
extern const stk_resource_type stk_aws_vpc_type;
extern const stk_resource_type stk_aws_subnet_type;
extern const stk_resource_type stk_aws_internet_gateway_type;
extern const stk_resource_type stk_aws_eip_type;
extern const stk_resource_type stk_aws_nat_gateway_type;
extern const stk_resource_type stk_aws_route_table_type;
extern const stk_resource_type stk_aws_route_type;
extern const stk_resource_type stk_aws_route_table_association_type;
extern const stk_resource_type stk_aws_security_group_type;
extern const stk_resource_type stk_aws_security_group_rule_type;
extern const stk_resource_type stk_aws_vpc_security_group_ingress_rule_type;
extern const stk_resource_type stk_aws_vpc_security_group_egress_rule_type;
extern const stk_resource_type stk_data_aws_availability_zones_type;
extern const stk_resource_type stk_data_aws_vpc_type;
extern const stk_resource_type stk_data_aws_subnets_type;
extern const stk_resource_type stk_data_aws_ami_type;
extern const stk_resource_type stk_data_aws_region_type;
extern const stk_resource_type stk_data_aws_partition_type;
extern const stk_resource_type stk_data_aws_caller_identity_type;

extern const stk_resource_type stk_aws_iam_role_type;   /* idobs */
extern const stk_resource_type stk_aws_iam_role_policy_type;   /* idobs */
extern const stk_resource_type stk_aws_iam_policy_type;   /* idobs */
extern const stk_resource_type stk_aws_iam_role_policy_attachment_type;   /* idobs */
extern const stk_resource_type stk_aws_iam_instance_profile_type;   /* idobs */
extern const stk_resource_type stk_aws_ecr_repository_type;   /* idobs */
extern const stk_resource_type stk_aws_ecr_lifecycle_policy_type;   /* idobs */
extern const stk_resource_type stk_aws_cloudwatch_log_group_type;   /* idobs */
extern const stk_resource_type stk_aws_cloudwatch_metric_alarm_type;   /* idobs */
extern const stk_resource_type stk_aws_cloudwatch_dashboard_type;   /* idobs */
extern const stk_resource_type stk_aws_sns_topic_type;   /* idobs */
extern const stk_resource_type stk_aws_sns_topic_subscription_type;   /* idobs */
extern const stk_resource_type stk_aws_instance_type;   /* compute */
extern const stk_resource_type stk_aws_key_pair_type;   /* compute */
extern const stk_resource_type stk_aws_lb_type;   /* compute */
extern const stk_resource_type stk_aws_lb_listener_type;   /* compute */
extern const stk_resource_type stk_aws_lb_listener_rule_type;   /* compute */
extern const stk_resource_type stk_aws_lb_target_group_type;   /* compute */
extern const stk_resource_type stk_random_id_type;   /* idobs */
extern const stk_resource_type stk_random_string_type;   /* idobs */
extern const stk_resource_type stk_random_password_type;   /* idobs */
/* S3 (s3_bucket.c) */
extern const stk_resource_type stk_aws_s3_bucket_type;
extern const stk_resource_type stk_aws_s3_bucket_policy_type;
extern const stk_resource_type stk_aws_s3_bucket_public_access_block_type;
extern const stk_resource_type stk_aws_s3_bucket_ownership_controls_type;
extern const stk_resource_type stk_aws_s3_bucket_versioning_type;
extern const stk_resource_type stk_aws_s3_bucket_server_side_encryption_configuration_type;
extern const stk_resource_type stk_aws_s3_bucket_website_configuration_type;
/* CloudFront (cloudfront.c) */
extern const stk_resource_type stk_aws_cloudfront_distribution_type;
extern const stk_resource_type stk_aws_cloudfront_origin_access_identity_type;
extern const stk_resource_type stk_aws_cloudfront_origin_access_control_type;
extern const stk_resource_type stk_data_aws_iam_policy_document_type;   /* idobs */
extern const stk_resource_type stk_data_aws_cloudfront_cache_policy_type;   /* idobs */
extern const stk_resource_type stk_aws_elasticache_subnet_group_type;   /* idobs */
extern const stk_resource_type stk_aws_elasticache_parameter_group_type;   /* idobs */
extern const stk_resource_type stk_aws_elasticache_cluster_type;   /* idobs */
extern const stk_resource_type stk_aws_elasticache_replication_group_type;   /* idobs */
extern const stk_resource_type stk_aws_dynamodb_table_type;   /* idobs */
extern const stk_resource_type stk_aws_autoscaling_group_type;   /* compute */
extern const stk_resource_type stk_aws_autoscaling_policy_type;   /* compute */
extern const stk_resource_type stk_aws_launch_template_type;   /* compute */
#endif
