/* ecr.c - aws_ecr_repository and aws_ecr_lifecycle_policy: CreateRepository
 * / DescribeRepositories / PutImageTagMutability / PutImageScanningConfiguration
 * / DeleteRepository (force_delete), and Put/Get/DeleteLifecyclePolicy, with
 * terraform-provider-aws's names and defaults (import ids: the repository
 * name for both).
 *
 * The encryption_configuration and image_scanning_configuration blocks are
 * Optional+Computed in the provider; stk's schema has no computed blocks, so
 * the state holds them when the configuration has them (or AWS holds a
 * non-default value), and otherwise leaves them empty: no perpetual diff.
 */
#include "aws/idobs_util.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

static const stk_schema_attr enc_attrs[] = {
    {"encryption_type", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"AES256\"", "AES256 or KMS", NULL},
    {"kms_key", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
};
static const stk_schema enc_schema = {enc_attrs, 2, NULL, 0};
static const stk_schema_attr scan_attrs[] = {
    {"scan_on_push", "bool", STK_ATTR_REQUIRED, NULL, NULL, NULL},
};
static const stk_schema scan_schema = {scan_attrs, 1, NULL, 0};
static const stk_schema_block repo_blocks[] = {
    {"encryption_configuration", STK_NESTING_LIST, 0, 1, &enc_schema, STK_ATTR_FORCE_NEW},
    {"image_scanning_configuration", STK_NESTING_LIST, 0, 1, &scan_schema, 0},
};
static const stk_schema_attr repo_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"force_delete", "bool", STK_ATTR_OPTIONAL, NULL, "delete the repository even when it holds images", NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"image_tag_mutability", "string", STK_ATTR_OPTIONAL, "\"MUTABLE\"", "MUTABLE or IMMUTABLE", NULL},
    {"name", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"registry_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"repository_url", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema repo_schema = {repo_attrs, STK_AWS_NATTRS(repo_attrs), repo_blocks, 2};

static int repo_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                          stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:[s]}", "repositoryNames", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "ecr", "DescribeRepositories", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *r = json_array_get(json_object_get(res, "repositories"), 0);
    if (!r) {
        json_decref(res);
        return 0;
    }
    char *arn = stk_xstrdup(stk_aws_jstr(r, "repositoryArn") ? stk_aws_jstr(r, "repositoryArn") : "");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(r, "repositoryName"));
    stk_aws_jset_str(st, "name", stk_aws_jstr(r, "repositoryName"));
    stk_aws_jset_str(st, "arn", arn);
    stk_aws_jset_str(st, "registry_id", stk_aws_jstr(r, "registryId"));
    stk_aws_jset_str(st, "repository_url", stk_aws_jstr(r, "repositoryUri"));
    stk_aws_jset_str(st, "image_tag_mutability", stk_aws_jstr(r, "imageTagMutability"));
    /* blocks: kept when configured, or when AWS holds a non-default value */
    json_t *enc = json_object_get(r, "encryptionConfiguration");
    const char *etype = stk_aws_jstr(enc, "encryptionType");
    if (stk_aws_get_count(base, "encryption_configuration") > 0 || (etype && strcmp(etype, "AES256")))
        json_object_set_new(st, "encryption_configuration",
                            json_pack("[{s:s,s:s}]", "encryption_type", etype ? etype : "AES256", "kms_key",
                                      stk_aws_jstr(enc, "kmsKey") ? stk_aws_jstr(enc, "kmsKey") : ""));
    else
        json_object_set_new(st, "encryption_configuration", json_array());
    int scan = json_is_true(json_object_get(json_object_get(r, "imageScanningConfiguration"), "scanOnPush"));
    if (stk_aws_get_count(base, "image_scanning_configuration") > 0 || scan)
        json_object_set_new(st, "image_scanning_configuration", json_pack("[{s:b}]", "scan_on_push", scan));
    else
        json_object_set_new(st, "image_scanning_configuration", json_array());
    json_decref(res);
    res = NULL;
    params = json_pack("{s:s}", "resourceArn", arn);
    free(arn);
    rc = stk_aws_call(p->client, "ecr", "ListTagsForResource", params, &res, d);
    json_decref(params);
    if (rc != 0) {
        json_decref(st);
        return -1;
    }
    json_t *tags = stk_aws_tags_from_list(json_object_get(res, "tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int repo_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                       stk_diags *d)
{
    *new_state = NULL;
    const char *name = stk_aws_get_str(planned, "name");
    const char *mut = stk_aws_get_str(planned, "image_tag_mutability");
    json_t *params = json_pack("{s:s,s:s}", "repositoryName", name, "imageTagMutability", mut ? mut : "MUTABLE");
    stk_value *enc = stk_aws_get_elem(planned, "encryption_configuration", 0);
    if (enc) {
        const char *et = stk_aws_get_str(enc, "encryption_type"), *kms = stk_aws_get_str(enc, "kms_key");
        json_t *e = json_pack("{s:s}", "encryptionType", et ? et : "AES256");
        if (kms && *kms) json_object_set_new(e, "kmsKey", json_string(kms));
        json_object_set_new(params, "encryptionConfiguration", e);
    }
    stk_value *scan = stk_aws_get_elem(planned, "image_scanning_configuration", 0);
    if (scan)
        json_object_set_new(params, "imageScanningConfiguration",
                            json_pack("{s:b}", "scanOnPush", stk_aws_get_bool(scan, "scan_on_push", 0)));
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "ecr", "CreateRepository", params, &res, d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) return -1;
    rc = repo_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    return rc;
}

static int repo_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? repo_read_name(p, t, id, prior, new_state, d) : 0;
}

static int repo_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    json_t *res = NULL, *params;
    if (stk_idobs_changed(prior, planned, "image_tag_mutability")) {
        const char *mut = stk_aws_get_str(planned, "image_tag_mutability");
        params = json_pack("{s:s,s:s}", "repositoryName", id, "imageTagMutability", mut ? mut : "MUTABLE");
        rc = stk_aws_call(p->client, "ecr", "PutImageTagMutability", params, &res, d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    stk_value *os = stk_aws_get_elem(prior, "image_scanning_configuration", 0),
              *ns = stk_aws_get_elem(planned, "image_scanning_configuration", 0);
    int oscan = os ? stk_aws_get_bool(os, "scan_on_push", 0) : 0, nscan = ns ? stk_aws_get_bool(ns, "scan_on_push", 0) : 0;
    if (rc == 0 && oscan != nscan) {
        params = json_pack("{s:s,s:{s:b}}", "repositoryName", id, "imageScanningConfiguration", "scanOnPush", nscan);
        rc = stk_aws_call(p->client, "ecr", "PutImageScanningConfiguration", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "ecr", "TagResource", "UntagResource", "resourceArn", stk_aws_get_str(prior, "arn"),
                                     "tags", "tagKeys", 0, prior, planned, d);
    if (rc != 0) return -1;
    rc = repo_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int repo_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s,s:b}", "repositoryName", id, "force", stk_aws_get_bool(prior, "force_delete", 0)),
           *res = NULL;
    int rc = stk_aws_call_nf(p, "ecr", "DeleteRepository", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int ecr_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

const stk_resource_type stk_aws_ecr_repository_type = {
    "aws_ecr_repository", "aws", STK_RESOURCE_MANAGED, &repo_schema, repo_create, repo_read, repo_update, repo_delete,
    ecr_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};

/* ---------------------------------------------------- lifecycle policy */

static const stk_schema_attr lp_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"policy", "string", STK_ATTR_REQUIRED | STK_ATTR_JSON, NULL, "the lifecycle policy (JSON)", NULL},
    {"registry_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"repository", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "the repository's name", NULL},
};
static const stk_schema lp_schema = {lp_attrs, STK_AWS_NATTRS(lp_attrs), NULL, 0};

static int lp_read_repo(stk_provider_instance *p, const stk_resource_type *t, const char *repo, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "repositoryName", repo), *res = NULL;
    int rc = stk_aws_call_nf(p, "ecr", "GetLifecyclePolicy", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", repo);
    stk_aws_jset_str(st, "repository", stk_aws_jstr(res, "repositoryName"));
    stk_aws_jset_str(st, "registry_id", stk_aws_jstr(res, "registryId"));
    char *pol = stk_idobs_json_for_state(base, "policy", stk_aws_jstr(res, "lifecyclePolicyText"));
    stk_aws_jset_str(st, "policy", pol);
    free(pol);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int lp_put(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                  stk_diags *d)
{
    *new_state = NULL;
    const char *repo = stk_aws_get_str(planned, "repository");
    json_t *params = json_pack("{s:s,s:s}", "repositoryName", repo, "lifecyclePolicyText",
                               stk_aws_get_str(planned, "policy")),
           *res = NULL;
    static const char *const retry[] = {"RepositoryNotFoundException", NULL};   /* just created */
    int rc = stk_aws_call_retry(p, "ecr", "PutLifecyclePolicy", params, &res, retry, stk_aws_timeout('c', 30), d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) return -1;
    rc = lp_read_repo(p, t, repo, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, repo, *new_state, d);
    return rc;
}

static int lp_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    return lp_put(p, t, planned, new_state, d);
}

static int lp_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? lp_read_repo(p, t, id, prior, new_state, d) : 0;
}

static int lp_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    (void)prior;
    return lp_put(p, t, planned, new_state, d);
}

static int lp_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    json_t *params = json_pack("{s:s}", "repositoryName", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "ecr", "DeleteLifecyclePolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

const stk_resource_type stk_aws_ecr_lifecycle_policy_type = {
    "aws_ecr_lifecycle_policy", "aws", STK_RESOURCE_MANAGED, &lp_schema, lp_create, lp_read, lp_update, lp_delete,
    ecr_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};
