/* aws/aws_provider.h - the "aws" provider: configuring one instance from an
 * evaluated `provider "aws" { ... }` block, and what every AWS resource
 * type reads from it (client, region, partition, account id, default tags).
 *
 * The factory is registered with stk_provider_factory_register() (provider.h)
 * by stk_aws_provider_register(), which the CLI calls at start-up; a
 * constructor in aws_provider.c also registers it, so any program linking the
 * AWS resource types has it.
 *
 * Ownership: an instance owns its client and strings; stk_aws_provider_free
 * releases everything.  Instances are shared by the apply walker's threads:
 * the lazily fetched account id is guarded by a mutex, all else is
 * read-only after configure.
 */
#ifndef STK_AWS_AWS_PROVIDER_H
#define STK_AWS_AWS_PROVIDER_H
#include <pthread.h>
#include <jansson.h>
#include "provider.h"
#include "aws/client/client.h"

struct stk_provider_instance {
    stk_aws_client *client;
    char *region;                   /* "eu-north-1" */
    char *partition;                /* "aws", "aws-cn", "aws-us-gov" */
    json_t *default_tags;           /* default_tags { tags = {...} }: JSON object of strings (never NULL) */
    int skip_requesting_account_id;
    pthread_mutex_t lock;           /* guards account_id, caller */
    char *account_id;               /* lazily from sts GetCallerIdentity; NULL until then */
    json_t *caller;                 /* that GetCallerIdentity answer (NULL until then) */
    /* refresh by batch (provider.h read_batch; common.h stk_aws_batch_*):
       "kind\nid" -> the object a batch call answered, or json null when
       the batch asked for the id and AWS did not answer it (gone) */
    pthread_mutex_t batch_lock;
    json_t *batch;
};

/* Register the "aws" factory (idempotent). */
void stk_aws_provider_register(void);

/* The factory functions (provider.h's stk_provider_factory).  configure
   understands region, profile, access_key, secret_key, token,
   shared_credentials_files, shared_config_files, default_tags { tags },
   endpoints { <service> = url }, max_retries, skip_credentials_validation,
   skip_requesting_account_id, skip_metadata_api_check, skip_region_validation,
   s3_use_path_style (s3_force_path_style), and reports assume_role and the
   other blocks it does not support yet as errors. */
int stk_aws_provider_configure(const char *name, stk_value *config, stk_provider_instance **out,
                               stk_diags *d);
void stk_aws_provider_free(stk_provider_instance *p);

/* An instance built directly from a client config (tests, tools): the
   client is created from cfg; default_tags_json may be NULL ("{}"). */
stk_provider_instance *stk_aws_provider_new(const stk_aws_config *cfg, const char *default_tags_json,
                                            stk_diags *d);

/* The account id of the credentials in use (sts GetCallerIdentity, once
   per instance).  With skip_requesting_account_id it is not requested and
   NULL is returned with an error diagnostic naming the caller's need. */
const char *stk_aws_account_id(stk_provider_instance *p, stk_diags *d);
/* The whole sts GetCallerIdentity answer (Account, Arn, UserId), asked once
   per instance and shared with stk_aws_account_id; borrowed (lives as long
   as the instance), NULL with a diagnostic on failure. */
json_t *stk_aws_caller_identity(stk_provider_instance *p, stk_diags *d);

/* The partition of a region name: "aws-cn" (cn-*), "aws-us-gov" (us-gov-*),
   "aws-iso" (us-iso-*), "aws-iso-b" (us-isob-*), else "aws". */
const char *stk_aws_partition_of(const char *region);
/* The DNS suffix of a partition: "amazonaws.com", "amazonaws.com.cn" ... */
const char *stk_aws_partition_dns_suffix(const char *partition);

#endif
