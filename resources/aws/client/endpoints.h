/* endpoints.h - where each AWS service is reached and which region signs it.
 *
 * Service keys are botocore's endpoint prefixes ("ec2",
 * "elasticloadbalancing", "autoscaling", "elasticache", "s3", "cloudfront",
 * "api.ecr" or "ecr", "iam", "sts", "logs", "monitoring", "sns",
 * "dynamodb"; others get the generic regional pattern).
 * Overrides, first match wins: the provider's endpoints { NAME = URL } (NAME
 * as terraform-provider-aws spells it: ec2, elbv2/elb, autoscaling, s3,
 * cloudwatch, logs/cloudwatchlogs ...), AWS_ENDPOINT_URL_<SERVICE> (the
 * SDKs' names), AWS_ENDPOINT_URL.  Otherwise the aws partition's rules:
 * https://{prefix}.{region}.amazonaws.com, IAM and CloudFront global
 * (signed for us-east-1), STS regional.
 */
#ifndef STK_AWS_ENDPOINTS_H
#define STK_AWS_ENDPOINTS_H
#include <stddef.h>
#include "util/diag.h"

/* url_out: "scheme://host[:port][/base]" without a trailing slash;
   signing_region_out: the region to sign for.  Both malloc'd.  override
   arrays may be NULL when n == 0.  Returns 0, or -1 with an error in d (an
   override that is not an http(s) URL). */
int stk_aws_endpoint_resolve(const char *region, const char *service,
                             const char *const *override_services, const char *const *override_urls,
                             size_t noverrides, char **url_out, char **signing_region_out, stk_diags *d);

/* The AWS_ENDPOINT_URL_<SERVICE> variable name for a service key, or NULL. */
const char *stk_aws_endpoint_env_name(const char *service);

/* Split "scheme://host[:port][/base]": returns 0 and malloc'd parts
   (host_out includes ":port" when present; base_out may be ""). */
int stk_aws_endpoint_split(const char *url, char **scheme_out, char **host_out, char **base_out);

/* 1 when the host of url (port ignored) is an IPv4 or bracketed IPv6
   address, or "localhost": S3 must then use path-style addressing. */
int stk_aws_endpoint_host_is_ip(const char *url);

/* 1 when bucket can be a DNS label under TLS (lower-case letters, digits,
   hyphens, 3-63 characters, no dots): virtual-hosted addressing is possible. */
int stk_aws_s3_bucket_virtual_ok(const char *bucket);

/* Where one request goes.  url is the endpoint (as resolved above), path
   the request's encoded path.  For S3 (s3 != 0) a host_prefix "bucket."
   becomes path style ("/bucket" + path) when s3_use_path_style is set, the
   endpoint host is an IP address / localhost, or the bucket is not a plain
   DNS label; otherwise the bucket is prepended to the host.  Any other
   host_prefix is prepended to the host.  host_out ("host[:port]") and
   path_out (endpoint base path included) are malloc'd.  Returns -1 when url
   cannot be split. */
int stk_aws_endpoint_target(const char *url, int s3, const char *host_prefix, const char *path,
                            int s3_use_path_style, char **host_out, char **path_out);

#endif
