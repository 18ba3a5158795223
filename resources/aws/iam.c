/* iam.c - the IAM types: aws_iam_role, aws_iam_role_policy,
 * aws_iam_policy, aws_iam_role_policy_attachment, aws_iam_instance_profile,
 * with terraform-provider-aws's attribute names, defaults, force-new rules
 * and import ids (role: name; role policy: "role:name"; policy: ARN;
 * attachment: "role/policy_arn"; instance profile: name).
 *
 * IAM answers policy documents URL-encoded; they are decoded and, when they
 * mean the same as the configured text (stk_idobs_policy_equal), the
 * configured text is kept so no diff shows.  IAM is eventually consistent:
 * a role just created may not yet be usable as a principal or in an
 * instance profile, so those calls are retried for a while.
 *
 * Not supported yet (a clear error when set): aws_iam_role's
 * managed_policy_arns (exclusive attachment management; use
 * aws_iam_role_policy_attachment) and inline_policy blocks, and changing
 * permissions_boundary in place (PutRolePermissionsBoundary is not in the
 * trimmed model: a change replaces the role).
 */
#include "aws/idobs_util.h"
#include "aws/recover.h"
#include "aws/aws_types.h"
#include <stdlib.h>
#include <string.h>

#define POLICY_FLAGS (STK_ATTR_JSON)

/* IAM propagation: a principal or role just created is not yet known. */
static const char *const iam_retry_create[] = {"MalformedPolicyDocument:Invalid principal",
                                               "InvalidInput:Invalid principal", NULL};

/* ---------------------------------------------------------------- role */

static const stk_schema_attr role_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"assume_role_policy", "string", STK_ATTR_REQUIRED | POLICY_FLAGS, NULL, "the trust policy (JSON)",
     stk_idobs_policy_normalize},
    {"create_date", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL, NULL, NULL, NULL},
    {"force_detach_policies", "bool", STK_ATTR_OPTIONAL, "false", "detach policies before deleting", NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"managed_policy_arns", "set(string)", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED, NULL,
     "not supported by stk yet (use aws_iam_role_policy_attachment)", NULL},
    {"max_session_duration", "number", STK_ATTR_OPTIONAL, "3600", NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"path", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"/\"", NULL, NULL},
    {"permissions_boundary", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
    {"unique_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema role_schema = {role_attrs, STK_AWS_NATTRS(role_attrs), NULL, 0};

static int role_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                          stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "RoleName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "GetRole", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *r = json_object_get(res, "Role");
    json_t *st = stk_aws_state_start(base);
    const char *rname = stk_aws_jstr(r, "RoleName");
    stk_aws_jset_str(st, "id", rname);
    stk_aws_jset_str(st, "name", rname);
    stk_aws_jset_str(st, "arn", stk_aws_jstr(r, "Arn"));
    stk_aws_jset_str(st, "unique_id", stk_aws_jstr(r, "RoleId"));
    stk_aws_jset_str(st, "create_date", stk_aws_jstr(r, "CreateDate"));
    stk_aws_jset_str(st, "path", stk_aws_jstr(r, "Path"));
    stk_aws_jset_str(st, "description", stk_aws_jstr(r, "Description"));
    json_t *msd = json_object_get(r, "MaxSessionDuration");
    json_object_set_new(st, "max_session_duration", json_integer(msd ? json_integer_value(msd) : 3600));
    stk_aws_jset_str(st, "permissions_boundary",
                     stk_aws_jstr(json_object_get(r, "PermissionsBoundary"), "PermissionsBoundaryArn"));
    char *pol = stk_idobs_policy_for_state(base, "assume_role_policy", stk_aws_jstr(r, "AssumeRolePolicyDocument"));
    stk_aws_jset_str(st, "assume_role_policy", pol);
    free(pol);
    if (!json_object_get(st, "force_detach_policies") || json_is_null(json_object_get(st, "force_detach_policies")))
        json_object_set_new(st, "force_detach_policies", json_false());
    if (!stk_aws_get_str(base, "name_prefix")) stk_aws_jset_str(st, "name_prefix", NULL);
    json_t *tags = stk_aws_tags_from_list(json_object_get(r, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int role_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                       stk_diags *d)
{
    *new_state = NULL;
    if (stk_aws_get_count(planned, "managed_policy_arns") > 0) {
        stk_idobs_unsupported(d, t->name, "managed_policy_arns (use aws_iam_role_policy_attachment)");
        return -1;
    }
    char *name = stk_idobs_name(planned, "name", "name_prefix", NULL);
    const char *path = stk_aws_get_str(planned, "path");
    json_t *params = json_pack("{s:s,s:s,s:s,s:I}", "RoleName", name, "Path", path ? path : "/",
                               "AssumeRolePolicyDocument", stk_aws_get_str(planned, "assume_role_policy"),
                               "MaxSessionDuration", (json_int_t)stk_aws_get_int(planned, "max_session_duration", 3600));
    const char *desc = stk_aws_get_str(planned, "description");
    if (desc) json_object_set_new(params, "Description", json_string(desc));
    const char *pb = stk_aws_get_str(planned, "permissions_boundary");
    if (pb) json_object_set_new(params, "PermissionsBoundary", json_string(pb));
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
    json_t *res = NULL;
    int rc = stk_aws_call_retry(p, "iam", "CreateRole", params, &res, iam_retry_create, stk_aws_timeout('c', 120), d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) {
        free(name);
        return -1;
    }
    rc = role_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    free(name);
    return rc;
}

static int role_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? role_read_name(p, t, id, prior, new_state, d) : 0;
}

static int role_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                       stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    json_t *res = NULL, *params;
    const char *op = stk_aws_get_str(prior, "assume_role_policy"), *np = stk_aws_get_str(planned, "assume_role_policy");
    if (np && !stk_idobs_policy_equal(op, np)) {
        params = json_pack("{s:s,s:s}", "RoleName", id, "PolicyDocument", np);
        rc = stk_aws_call_retry(p, "iam", "UpdateAssumeRolePolicy", params, &res, iam_retry_create,
                                stk_aws_timeout('u', 120), d);
        json_decref(params);
        json_decref(res);
        res = NULL;
    }
    if (rc == 0 && (stk_idobs_changed(prior, planned, "description") ||
                    stk_idobs_changed(prior, planned, "max_session_duration"))) {
        const char *desc = stk_aws_get_str(planned, "description");
        params = json_pack("{s:s,s:s,s:I}", "RoleName", id, "Description", desc ? desc : "", "MaxSessionDuration",
                           (json_int_t)stk_aws_get_int(planned, "max_session_duration", 3600));
        rc = stk_aws_call(p->client, "iam", "UpdateRole", params, &res, d);
        json_decref(params);
        json_decref(res);
    }
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "iam", "TagRole", "UntagRole", "RoleName", id, "Tags", "TagKeys", 0, prior,
                                     planned, d);
    if (rc != 0) return -1;
    rc = role_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

/* Detach managed policies and delete inline ones (force_detach_policies). */
static int role_detach_all(stk_provider_instance *p, const char *role, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "RoleName", role), *res = NULL;
    int rc = stk_aws_paginate(p->client, "iam", "ListAttachedRolePolicies", params, &res, d);
    size_t i;
    json_t *e;
    if (rc == 0) {
        json_array_foreach(json_object_get(res, "AttachedPolicies"), i, e) {
            json_t *pp = json_pack("{s:s,s:s}", "RoleName", role, "PolicyArn", stk_aws_jstr(e, "PolicyArn")), *r2 = NULL;
            if (stk_aws_call_nf(p, "iam", "DetachRolePolicy", pp, &r2, d) < 0) rc = -1;
            json_decref(pp);
            json_decref(r2);
        }
    }
    json_decref(res);
    res = NULL;
    if (rc == 0) rc = stk_aws_paginate(p->client, "iam", "ListRolePolicies", params, &res, d);
    if (rc == 0) {
        json_array_foreach(json_object_get(res, "PolicyNames"), i, e) {
            json_t *pp = json_pack("{s:s,s:s}", "RoleName", role, "PolicyName", json_string_value(e)), *r2 = NULL;
            if (stk_aws_call_nf(p, "iam", "DeleteRolePolicy", pp, &r2, d) < 0) rc = -1;
            json_decref(pp);
            json_decref(r2);
        }
    }
    json_decref(res);
    json_decref(params);
    return rc;
}

static int role_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    /* the role leaves its instance profiles first, as the provider does */
    json_t *params = json_pack("{s:s}", "RoleName", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "ListInstanceProfilesForRole", params, &res, d);
    if (rc == 1) {
        json_decref(params);
        return 0;
    }
    if (rc < 0) {
        json_decref(params);
        return -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(res, "InstanceProfiles"), i, e) {
        json_t *pp = json_pack("{s:s,s:s}", "InstanceProfileName", stk_aws_jstr(e, "InstanceProfileName"), "RoleName",
                               id),
               *r2 = NULL;
        if (stk_aws_call_nf(p, "iam", "RemoveRoleFromInstanceProfile", pp, &r2, d) < 0) rc = -1;
        json_decref(pp);
        json_decref(r2);
    }
    json_decref(res);
    res = NULL;
    if (rc == 0 && stk_aws_get_bool(prior, "force_detach_policies", 0)) rc = role_detach_all(p, id, d);
    if (rc == 0) {
        static const char *const retry[] = {"DeleteConflict", NULL};
        rc = stk_aws_call_retry(p, "iam", "DeleteRole", params, &res, retry, stk_aws_timeout('d', 60), d);
        json_decref(res);
    }
    json_decref(params);
    return rc < 0 ? -1 : 0;
}

static int iam_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    return stk_aws_import_by_id(p, t, id, state, d);
}

const stk_resource_type stk_aws_iam_role_type = {
    "aws_iam_role", "aws", STK_RESOURCE_MANAGED, &role_schema, role_create, role_read, role_update, role_delete,
    iam_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};

/* --------------------------------------------------------- role policy */

static const stk_schema_attr rp_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"policy", "string", STK_ATTR_REQUIRED | POLICY_FLAGS, NULL, "the inline policy (JSON)", stk_idobs_policy_normalize},
    {"role", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "the role's name", NULL},
};
static const stk_schema rp_schema = {rp_attrs, STK_AWS_NATTRS(rp_attrs), NULL, 0};

static int rp_read_id(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value *base,
                      stk_value **out, stk_diags *d)
{
    *out = NULL;
    const char *colon = strchr(id, ':');
    if (!colon || colon == id || !colon[1]) {
        stk_diags_error(d, NULL, "Invalid id", "aws_iam_role_policy: id \"%s\" is not of the form role_name:policy_name.",
                        id);
        return -1;
    }
    char *role = stk_xasprintf("%.*s", (int)(colon - id), id);
    json_t *params = json_pack("{s:s,s:s}", "RoleName", role, "PolicyName", colon + 1), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "GetRolePolicy", params, &res, d);
    json_decref(params);
    if (rc != 0) {
        free(role);
        return rc == 1 ? 0 : -1;
    }
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", id);
    stk_aws_jset_str(st, "role", role);
    stk_aws_jset_str(st, "name", colon + 1);
    char *pol = stk_idobs_policy_for_state(base, "policy", stk_aws_jstr(res, "PolicyDocument"));
    stk_aws_jset_str(st, "policy", pol);
    free(pol);
    free(role);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int rp_put(stk_provider_instance *p, const char *role, const char *name, const char *policy, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:s,s:s}", "RoleName", role, "PolicyName", name, "PolicyDocument", policy),
           *res = NULL;
    static const char *const retry[] = {"NoSuchEntity", NULL};   /* the role may not be visible yet */
    int rc = stk_aws_call_retry(p, "iam", "PutRolePolicy", params, &res, retry, stk_aws_timeout('c', 60), d);
    json_decref(params);
    json_decref(res);
    return rc == 0 ? 0 : -1;
}

static int rp_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    const char *role = stk_aws_get_str(planned, "role");
    char *name = stk_idobs_name(planned, "name", "name_prefix", NULL);
    if (rp_put(p, role, name, stk_aws_get_str(planned, "policy"), d) != 0) {
        free(name);
        return -1;
    }
    char *id = stk_xasprintf("%s:%s", role, name);
    int rc = rp_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    free(id);
    free(name);
    return rc;
}

static int rp_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? rp_read_id(p, t, id, prior, new_state, d) : 0;
}

static int rp_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    if (rp_put(p, stk_aws_get_str(prior, "role"), stk_aws_get_str(prior, "name"), stk_aws_get_str(planned, "policy"),
               d) != 0)
        return -1;
    int rc = rp_read_id(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int rp_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    json_t *params = json_pack("{s:s,s:s}", "RoleName", stk_aws_get_str(prior, "role"), "PolicyName",
                               stk_aws_get_str(prior, "name")),
           *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "DeleteRolePolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* Crash recovery (recover.h): the role and the policy's name give the id
   "role:name" (a generated name cannot be found again: error). */
static const char *const rp_keys[] = {"role", "name", NULL};

static char *rp_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                             const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, rp_keys);
}

static int rp_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *role = stk_aws_recover_seed_str(info, "role"), *name = stk_aws_recover_seed_str(info, "name");
    char *id = stk_aws_jstr(info, "id") ? stk_xstrdup(stk_aws_jstr(info, "id"))
             : role && name              ? stk_xasprintf("%s:%s", role, name)
                                         : NULL;
    int rc = id ? 0 : stk_aws_recover_cannot(d, t, "the interrupted create recorded no policy name");
    if (id) {
        stk_value *seed = stk_aws_recover_seed(t, info, id, d);
        rc = seed ? rp_read_id(p, t, id, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(id);
    json_decref(info);
    return rc;
}

const stk_resource_type stk_aws_iam_role_policy_type = {
    "aws_iam_role_policy", "aws", STK_RESOURCE_MANAGED, &rp_schema, rp_create, rp_read, rp_update, rp_delete,
    iam_import, NULL, rp_journal_info, rp_recover,
};

/* -------------------------------------------------------------- policy */

static const stk_schema_attr pol_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"attachment_count", "number", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"description", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"path", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"/\"", NULL, NULL},
    {"policy", "string", STK_ATTR_REQUIRED | POLICY_FLAGS, NULL, "the policy document (JSON)",
     stk_idobs_policy_normalize},
    {"policy_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    STK_AWS_TAGS_ATTRS,
};
static const stk_schema pol_schema = {pol_attrs, STK_AWS_NATTRS(pol_attrs), NULL, 0};

static int pol_read_arn(stk_provider_instance *p, const stk_resource_type *t, const char *arn, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "PolicyArn", arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "GetPolicy", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *po = json_object_get(res, "Policy");
    const char *ver = stk_aws_jstr(po, "DefaultVersionId");
    json_t *vres = NULL;
    params = json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", ver ? ver : "v1");
    rc = stk_aws_call_nf(p, "iam", "GetPolicyVersion", params, &vres, d);
    json_decref(params);
    if (rc != 0) {
        json_decref(res);
        return rc == 1 ? 0 : -1;
    }
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", arn);
    stk_aws_jset_str(st, "arn", arn);
    stk_aws_jset_str(st, "name", stk_aws_jstr(po, "PolicyName"));
    stk_aws_jset_str(st, "path", stk_aws_jstr(po, "Path"));
    stk_aws_jset_str(st, "policy_id", stk_aws_jstr(po, "PolicyId"));
    const char *desc = stk_aws_jstr(po, "Description");
    stk_aws_jset_str(st, "description", desc ? desc : stk_aws_get_str(base, "description") ? "" : NULL);
    json_t *ac = json_object_get(po, "AttachmentCount");
    json_object_set_new(st, "attachment_count", json_integer(ac ? json_integer_value(ac) : 0));
    char *doc = stk_idobs_policy_for_state(base, "policy",
                                           stk_aws_jstr(json_object_get(vres, "PolicyVersion"), "Document"));
    stk_aws_jset_str(st, "policy", doc);
    free(doc);
    json_t *tags = stk_aws_tags_from_list(json_object_get(po, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(res);
    json_decref(vres);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int pol_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_idobs_name(planned, "name", "name_prefix", NULL);
    const char *path = stk_aws_get_str(planned, "path");
    json_t *params = json_pack("{s:s,s:s,s:s}", "PolicyName", name, "Path", path ? path : "/", "PolicyDocument",
                               stk_aws_get_str(planned, "policy"));
    free(name);
    const char *desc = stk_aws_get_str(planned, "description");
    if (desc && *desc) json_object_set_new(params, "Description", json_string(desc));
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "iam", "CreatePolicy", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    char *arn = stk_xstrdup(stk_aws_jstr(json_object_get(res, "Policy"), "Arn"));
    json_decref(res);
    rc = pol_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    free(arn);
    return rc;
}

static int pol_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? pol_read_arn(p, t, id, prior, new_state, d) : 0;
}

/* AWS keeps at most 5 versions: delete the oldest non-default one first. */
static int pol_prune_versions(stk_provider_instance *p, const char *arn, int keep_max, stk_diags *d)
{
    json_t *params = json_pack("{s:s}", "PolicyArn", arn), *res = NULL;
    int rc = stk_aws_paginate(p->client, "iam", "ListPolicyVersions", params, &res, d);
    json_decref(params);
    if (rc != 0) return -1;
    json_t *vers = json_object_get(res, "Versions");
    size_t i;
    json_t *v;
    int n = (int)json_array_size(vers);
    while (rc == 0 && n > keep_max) {
        const char *oldest = NULL, *oldest_date = NULL;
        json_array_foreach(vers, i, v) {
            if (json_is_true(json_object_get(v, "IsDefaultVersion")) || json_is_true(json_object_get(v, "_gone")))
                continue;
            const char *date = stk_aws_jstr(v, "CreateDate");
            if (!oldest || (date && oldest_date && strcmp(date, oldest_date) < 0)) {
                oldest = stk_aws_jstr(v, "VersionId");
                oldest_date = date;
            }
        }
        if (!oldest) break;
        json_t *pp = json_pack("{s:s,s:s}", "PolicyArn", arn, "VersionId", oldest), *r2 = NULL;
        rc = stk_aws_call_nf(p, "iam", "DeletePolicyVersion", pp, &r2, d) < 0 ? -1 : 0;
        json_decref(pp);
        json_decref(r2);
        json_array_foreach(vers, i, v) if (stk_aws_jstr(v, "VersionId") == oldest) json_object_set_new(v, "_gone", json_true());
        n--;
    }
    json_decref(res);
    return rc;
}

static int pol_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                      stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *arn = stk_aws_get_str(prior, "id");
    int rc = 0;
    const char *np = stk_aws_get_str(planned, "policy");
    if (np && !stk_idobs_policy_equal(stk_aws_get_str(prior, "policy"), np)) {
        rc = pol_prune_versions(p, arn, 4, d);
        if (rc == 0) {
            json_t *params = json_pack("{s:s,s:s,s:b}", "PolicyArn", arn, "PolicyDocument", np, "SetAsDefault", 1),
                   *res = NULL;
            rc = stk_aws_call(p->client, "iam", "CreatePolicyVersion", params, &res, d);
            json_decref(params);
            json_decref(res);
        }
    }
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "iam", "TagPolicy", "UntagPolicy", "PolicyArn", arn, "Tags", "TagKeys", 0,
                                     prior, planned, d);
    if (rc != 0) return -1;
    rc = pol_read_arn(p, t, arn, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, arn, *new_state, d);
    return rc;
}

static int pol_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *arn = stk_aws_get_str(prior, "id");
    if (!arn) return 0;
    json_t *params = json_pack("{s:s}", "PolicyArn", arn), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "GetPolicy", params, &res, d);   /* already gone: done */
    json_decref(res);
    res = NULL;
    if (rc == 0 && pol_prune_versions(p, arn, 1, d) != 0) rc = -1;
    if (rc == 0) rc = stk_aws_call_nf(p, "iam", "DeletePolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* Crash recovery (recover.h): path and name give the policy's ARN. */
static const char *const pol_keys[] = {"name", "path", NULL};

static char *pol_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, pol_keys);
}

static int pol_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *name = stk_aws_recover_seed_str(info, "name"), *path = stk_aws_recover_seed_str(info, "path");
    char *arn = NULL;
    if (stk_aws_jstr(info, "id")) {
        arn = stk_xstrdup(stk_aws_jstr(info, "id"));
    } else if (name) {
        char *res = stk_xasprintf("policy%s%s", path ? path : "/", name);
        arn = stk_aws_arn(p, "iam", "", res, d);
        free(res);
        if (!arn) {
            json_decref(info);
            return -1;
        }
    }
    int rc = arn ? 0 : stk_aws_recover_cannot(d, t, "the interrupted create recorded no policy name");
    if (arn) {
        stk_value *seed = stk_aws_recover_seed(t, info, arn, d);
        rc = seed ? pol_read_arn(p, t, arn, seed, state, d) : -1;
        stk_value_unref(seed);
    }
    free(arn);
    json_decref(info);
    return rc;
}

const stk_resource_type stk_aws_iam_policy_type = {
    "aws_iam_policy", "aws", STK_RESOURCE_MANAGED, &pol_schema, pol_create, pol_read, pol_update, pol_delete,
    iam_import, NULL, pol_journal_info, pol_recover,
};

/* -------------------------------------------- role policy attachment */

static const stk_schema_attr rpa_attrs[] = {
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"policy_arn", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"role", "string", STK_ATTR_REQUIRED | STK_ATTR_FORCE_NEW, NULL, "the role's name", NULL},
};
static const stk_schema rpa_schema = {rpa_attrs, STK_AWS_NATTRS(rpa_attrs), NULL, 0};

/* 1 attached, 0 not (or role gone), -1 failure; pages through the list
   with Marker (call_nf so that a missing role reads as "not attached") */
static int rpa_attached(stk_provider_instance *p, const char *role, const char *arn, stk_diags *d)
{
    int found = 0;
    char *marker = NULL;
    for (;;) {
        json_t *params = json_pack("{s:s,s:i}", "RoleName", role, "MaxItems", 1000), *res = NULL;
        if (marker) json_object_set_new(params, "Marker", json_string(marker));
        int rc = stk_aws_call_nf(p, "iam", "ListAttachedRolePolicies", params, &res, d);
        json_decref(params);
        free(marker);
        marker = NULL;
        if (rc != 0) return rc == 1 ? 0 : -1;
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(res, "AttachedPolicies"), i, e) {
            const char *a = stk_aws_jstr(e, "PolicyArn");
            if (a && !strcmp(a, arn)) found = 1;
        }
        if (json_is_true(json_object_get(res, "IsTruncated")) && stk_aws_jstr(res, "Marker") && !found)
            marker = stk_xstrdup(stk_aws_jstr(res, "Marker"));
        json_decref(res);
        if (!marker) break;
    }
    return found;
}

static int rpa_state(stk_provider_instance *p, const stk_resource_type *t, const char *id, const char *role,
                     const char *arn, stk_value **out, stk_diags *d)
{
    *out = NULL;
    int rc = rpa_attached(p, role, arn, d);
    if (rc <= 0) return rc;
    json_t *st = json_pack("{s:s,s:s,s:s}", "id", id, "role", role, "policy_arn", arn);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

static int rpa_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                      stk_diags *d)
{
    *new_state = NULL;
    const char *role = stk_aws_get_str(planned, "role"), *arn = stk_aws_get_str(planned, "policy_arn");
    json_t *params = json_pack("{s:s,s:s}", "RoleName", role, "PolicyArn", arn), *res = NULL;
    static const char *const retry[] = {"NoSuchEntity", NULL};
    int rc = stk_aws_call_retry(p, "iam", "AttachRolePolicy", params, &res, retry, stk_aws_timeout('c', 60), d);
    json_decref(params);
    json_decref(res);
    if (rc != 0) return -1;
    char *prefix = stk_xasprintf("%s-", role);
    char *id = stk_idobs_name(NULL, "name", NULL, prefix);
    free(prefix);
    rc = rpa_state(p, t, id, role, arn, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    free(id);
    return rc;
}

static int rpa_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                    stk_diags *d)
{
    *new_state = NULL;
    const char *role = stk_aws_get_str(prior, "role"), *arn = stk_aws_get_str(prior, "policy_arn");
    if (!role || !arn) return 0;
    return rpa_state(p, t, stk_aws_get_str(prior, "id"), role, arn, new_state, d);
}

static int rpa_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    json_t *params = json_pack("{s:s,s:s}", "RoleName", stk_aws_get_str(prior, "role"), "PolicyArn",
                               stk_aws_get_str(prior, "policy_arn")),
           *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "DetachRolePolicy", params, &res, d);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

/* import id: "role-name/arn:aws:iam::...:policy/x" */
static int rpa_import(stk_provider_instance *p, const stk_resource_type *t, const char *id, stk_value **state,
                      stk_diags *d)
{
    *state = NULL;
    const char *slash = strchr(id, '/');
    if (!slash || slash == id || strncmp(slash + 1, "arn:", 4)) {
        stk_diags_error(d, NULL, "Invalid import id",
                        "aws_iam_role_policy_attachment: expected <role-name>/<policy_arn>, got \"%s\".", id);
        return -1;
    }
    char *role = stk_xasprintf("%.*s", (int)(slash - id), id);
    char *prefix = stk_xasprintf("%s-", role);
    char *sid = stk_idobs_name(NULL, "name", NULL, prefix);
    int rc = rpa_state(p, t, sid, role, slash + 1, state, d);
    if (rc == 0 && !*state) {
        stk_diags_error(d, NULL, "Cannot import non-existent remote object",
                        "aws_iam_role_policy_attachment: policy %s is not attached to role %s.", slash + 1, role);
        rc = -1;
    }
    free(role);
    free(prefix);
    free(sid);
    return rc;
}

/* Crash recovery (recover.h): the role and the policy ARN say whether the
   attachment exists; the id is made as create makes it. */
static const char *const rpa_keys[] = {"role", "policy_arn", NULL};

static char *rpa_journal_info(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned,
                              const char *token)
{
    (void)t;
    return stk_aws_recover_info(p, planned, token, NULL, rpa_keys);
}

static int rpa_recover(stk_provider_instance *p, const stk_resource_type *t, const char *info_json, stk_value **state,
                       stk_diags *d)
{
    *state = NULL;
    json_t *info = stk_aws_recover_load(info_json);
    const char *role = stk_aws_recover_seed_str(info, "role"), *arn = stk_aws_recover_seed_str(info, "policy_arn");
    int rc;
    if (!role || !arn) {
        rc = stk_aws_recover_cannot(d, t, "the interrupted operation recorded no role and policy ARN");
    } else {
        stk_recover_note_found_by("its role and policy ARN");
        char *id = NULL;
        if (stk_aws_jstr(info, "id")) {
            id = stk_xstrdup(stk_aws_jstr(info, "id"));
        } else {
            char *prefix = stk_xasprintf("%s-", role);
            id = stk_idobs_name(NULL, "name", NULL, prefix);
            free(prefix);
        }
        rc = rpa_state(p, t, id, role, arn, state, d);
        free(id);
    }
    json_decref(info);
    return rc < 0 ? -1 : 0;
}

const stk_resource_type stk_aws_iam_role_policy_attachment_type = {
    "aws_iam_role_policy_attachment", "aws", STK_RESOURCE_MANAGED, &rpa_schema, rpa_create, rpa_read, NULL,
    rpa_delete, rpa_import, NULL, rpa_journal_info, rpa_recover,
};

/* ---------------------------------------------------- instance profile */

static const stk_schema_attr ip_attrs[] = {
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"create_date", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"name_prefix", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL, NULL},
    {"path", "string", STK_ATTR_OPTIONAL | STK_ATTR_FORCE_NEW, "\"/\"", NULL, NULL},
    {"role", "string", STK_ATTR_OPTIONAL, NULL, "the role's name", NULL},
    STK_AWS_TAGS_ATTRS,
    {"unique_id", "string", STK_ATTR_COMPUTED, NULL, NULL, NULL},
};
static const stk_schema ip_schema = {ip_attrs, STK_AWS_NATTRS(ip_attrs), NULL, 0};

static int ip_read_name(stk_provider_instance *p, const stk_resource_type *t, const char *name, stk_value *base,
                        stk_value **out, stk_diags *d)
{
    *out = NULL;
    json_t *params = json_pack("{s:s}", "InstanceProfileName", name), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "GetInstanceProfile", params, &res, d);
    json_decref(params);
    if (rc != 0) return rc == 1 ? 0 : -1;
    json_t *ip = json_object_get(res, "InstanceProfile");
    json_t *st = stk_aws_state_start(base);
    stk_aws_jset_str(st, "id", stk_aws_jstr(ip, "InstanceProfileName"));
    stk_aws_jset_str(st, "name", stk_aws_jstr(ip, "InstanceProfileName"));
    stk_aws_jset_str(st, "arn", stk_aws_jstr(ip, "Arn"));
    stk_aws_jset_str(st, "unique_id", stk_aws_jstr(ip, "InstanceProfileId"));
    stk_aws_jset_str(st, "create_date", stk_aws_jstr(ip, "CreateDate"));
    stk_aws_jset_str(st, "path", stk_aws_jstr(ip, "Path"));
    stk_aws_jset_str(st, "role", stk_aws_jstr(json_array_get(json_object_get(ip, "Roles"), 0), "RoleName"));
    if (!stk_aws_get_str(base, "name_prefix")) stk_aws_jset_str(st, "name_prefix", NULL);
    json_t *tags = stk_aws_tags_from_list(json_object_get(ip, "Tags"));
    stk_aws_state_set_tags(st, p, tags, base);
    json_decref(tags);
    json_decref(res);
    *out = stk_aws_state_build(t, st, d);
    return *out ? 0 : -1;
}

/* 1 when the profile already holds the role, 0 when not (or unknown) */
static int ip_has_role(stk_provider_instance *p, const char *profile, const char *role)
{
    json_t *params = json_pack("{s:s}", "InstanceProfileName", profile), *res = NULL, *r;
    stk_diags scratch = STK_DIAGS_INIT;
    int have = 0;
    size_t i;
    if (stk_aws_call(p->client, "iam", "GetInstanceProfile", params, &res, &scratch) == 0)
        json_array_foreach(json_object_get(json_object_get(res, "InstanceProfile"), "Roles"), i, r)
            if (!strcmp(stk_aws_jstr(r, "RoleName") ? stk_aws_jstr(r, "RoleName") : "", role)) have = 1;
    stk_diags_free(&scratch);
    json_decref(params);
    json_decref(res);
    return have;
}

static int ip_role_op(stk_provider_instance *p, const char *op, const char *profile, const char *role, stk_diags *d)
{
    json_t *params = json_pack("{s:s,s:s}", "InstanceProfileName", profile, "RoleName", role), *res = NULL;
    static const char *const retry[] = {"NoSuchEntity", NULL};   /* a role just created may not be visible yet */
    int add = !strcmp(op, "AddRoleToInstanceProfile");
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = add ? stk_aws_call_retry(p, "iam", op, params, &res, retry, stk_aws_timeout('c', 60), &tmp)
                 : stk_aws_call_nf(p, "iam", op, params, &res, &tmp);
    /* an Add whose answer was lost and that was sent again fails with
       LimitExceeded (a profile holds one role): the role being there is
       the success the first answer would have said */
    if (rc < 0 && add && ip_has_role(p, profile, role)) rc = 0;
    else stk_diags_append(d, &tmp);
    stk_diags_free(&tmp);
    json_decref(params);
    json_decref(res);
    return rc < 0 ? -1 : 0;
}

static int ip_create(stk_provider_instance *p, const stk_resource_type *t, stk_value *planned, stk_value **new_state,
                     stk_diags *d)
{
    *new_state = NULL;
    char *name = stk_idobs_name(planned, "name", "name_prefix", NULL);
    const char *path = stk_aws_get_str(planned, "path");
    json_t *params = json_pack("{s:s,s:s}", "InstanceProfileName", name, "Path", path ? path : "/");
    json_t *tags = stk_aws_tags_all(p, planned);
    if (json_object_size(tags)) json_object_set_new(params, "Tags", stk_aws_tags_to_list(tags));
    json_decref(tags);
    json_t *res = NULL;
    int rc = stk_aws_call(p->client, "iam", "CreateInstanceProfile", params, &res, d);
    json_decref(params);
    json_decref(res);
    const char *role = stk_aws_get_str(planned, "role");
    if (rc == 0 && role) rc = ip_role_op(p, "AddRoleToInstanceProfile", name, role, d);
    if (rc == 0) rc = ip_read_name(p, t, name, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, name, *new_state, d);
    if (rc != 0 && !*new_state) {
        json_t *st = stk_aws_state_start(planned);
        stk_aws_jset_str(st, "id", name);
        stk_aws_jset_str(st, "name", name);
        *new_state = stk_aws_state_build(t, st, d);
    }
    free(name);
    return rc;
}

static int ip_read(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value **new_state,
                   stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    return id ? ip_read_name(p, t, id, prior, new_state, d) : 0;
}

static int ip_update(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned,
                     stk_value **new_state, stk_diags *d)
{
    *new_state = NULL;
    const char *id = stk_aws_get_str(prior, "id");
    int rc = 0;
    if (stk_idobs_changed(prior, planned, "role")) {
        const char *o = stk_aws_get_str(prior, "role"), *n = stk_aws_get_str(planned, "role");
        if (o) rc = ip_role_op(p, "RemoveRoleFromInstanceProfile", id, o, d);
        if (rc == 0 && n) rc = ip_role_op(p, "AddRoleToInstanceProfile", id, n, d);
    }
    if (rc == 0)
        rc = stk_idobs_update_tags_v(p, "iam", "TagInstanceProfile", "UntagInstanceProfile", "InstanceProfileName", id,
                                     "Tags", "TagKeys", 0, prior, planned, d);
    if (rc != 0) return -1;
    rc = ip_read_name(p, t, id, planned, new_state, d);
    if (rc == 0) rc = stk_aws_require_state(t, id, *new_state, d);
    return rc;
}

static int ip_delete(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_diags *d)
{
    (void)t;
    const char *id = stk_aws_get_str(prior, "id");
    if (!id) return 0;
    /* remove whatever roles AWS holds (not only the one in state) */
    json_t *params = json_pack("{s:s}", "InstanceProfileName", id), *res = NULL;
    int rc = stk_aws_call_nf(p, "iam", "GetInstanceProfile", params, &res, d);
    if (rc != 0) {
        json_decref(params);
        return rc == 1 ? 0 : -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_object_get(res, "InstanceProfile"), "Roles"), i, e) {
        if (ip_role_op(p, "RemoveRoleFromInstanceProfile", id, stk_aws_jstr(e, "RoleName"), d) != 0) rc = -1;
    }
    json_decref(res);
    res = NULL;
    if (rc == 0) {
        static const char *const retry[] = {"DeleteConflict", NULL};
        rc = stk_aws_call_retry(p, "iam", "DeleteInstanceProfile", params, &res, retry, stk_aws_timeout('d', 60), d);
        json_decref(res);
    }
    json_decref(params);
    return rc < 0 ? -1 : 0;
}

const stk_resource_type stk_aws_iam_instance_profile_type = {
    "aws_iam_instance_profile", "aws", STK_RESOURCE_MANAGED, &ip_schema, ip_create, ip_read, ip_update, ip_delete,
    iam_import, NULL, stk_idobs_journal_info, stk_idobs_recover,
};
