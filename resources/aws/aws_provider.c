/* aws/aws_provider.c - the "aws" provider factory: turns an evaluated provider
 * block into a configured client (stk_aws_client) plus what resources need
 * besides (region, partition, default tags, the lazily fetched account id).
 *
 * The provider block arrives as a generic object (provider.h): attributes
 * as values, nested blocks as tuples (or lists) of objects.  Every argument
 * of terraform-provider-aws that stk does not implement yet is an error
 * naming it, never a silent skip.
 */
#include "aws/aws_provider.h"
#include "aws/common.h"
#include <stdlib.h>
#include <string.h>
#include "aws/protocol/call.h"
#include "util/strbuf.h"

/* -- reading the block -- */

static stk_value *cfg_attr(stk_value *cfg, const char *name)
{
    if (!cfg || cfg->is_null || cfg->is_unknown) return NULL;
    if (stk_value_kind(cfg) != STK_TY_OBJECT && stk_value_kind(cfg) != STK_TY_MAP) return NULL;
    stk_value *v = stk_value_get(cfg, name);
    if (!v || v->is_null) return NULL;
    return v;
}

/* A nested block: the first object of a tuple/list, or an object itself. */
static stk_value *cfg_block(stk_value *cfg, const char *name)
{
    stk_value *v = cfg_attr(cfg, name);
    if (!v || v->is_unknown) return NULL;
    switch (stk_value_kind(v)) {
    case STK_TY_TUPLE: case STK_TY_LIST: case STK_TY_SET:
        return stk_value_len(v) ? stk_value_elem(v, 0) : NULL;
    case STK_TY_OBJECT: case STK_TY_MAP:
        return v;
    default:
        return NULL;
    }
}

static int cfg_string(stk_value *cfg, const char *name, const char **out, stk_diags *d)
{
    stk_value *v = cfg_attr(cfg, name);
    *out = NULL;
    if (!v) return 0;
    if (v->is_unknown) {
        stk_diags_error(d, NULL, "Invalid provider configuration",
                        "The aws provider argument \"%s\" depends on a value known only after apply; "
                        "provider arguments must be known when the plan is made.", name);
        return -1;
    }
    if (stk_value_kind(v) != STK_TY_STRING) {
        stk_diags_error(d, NULL, "Invalid provider configuration",
                        "The aws provider argument \"%s\" must be a string.", name);
        return -1;
    }
    *out = stk_value_str(v);
    return 0;
}

static int cfg_bool(stk_value *cfg, const char *name, int *out, stk_diags *d)
{
    stk_value *v = cfg_attr(cfg, name);
    if (!v) return 0;
    if (v->is_unknown || stk_value_kind(v) != STK_TY_BOOL) {
        if (stk_value_kind(v) == STK_TY_STRING && !v->is_unknown) {
            const char *s = stk_value_str(v);
            if (!strcmp(s, "true") || !strcmp(s, "false")) {
                *out = !strcmp(s, "true");
                return 0;
            }
        }
        stk_diags_error(d, NULL, "Invalid provider configuration",
                        "The aws provider argument \"%s\" must be a known bool.", name);
        return -1;
    }
    *out = v->u.b;
    return 0;
}

static int cfg_int(stk_value *cfg, const char *name, int *out, stk_diags *d)
{
    stk_value *v = cfg_attr(cfg, name);
    if (!v) return 0;
    if (v->is_unknown || stk_value_kind(v) != STK_TY_NUMBER || !v->is_int) {
        stk_diags_error(d, NULL, "Invalid provider configuration",
                        "The aws provider argument \"%s\" must be a known whole number.", name);
        return -1;
    }
    *out = (int)v->u.num.i;
    return 0;
}

/* The first string of a list attribute (shared_credentials_files = [...]). */
static int cfg_first_string(stk_value *cfg, const char *name, const char **out, stk_diags *d)
{
    stk_value *v = cfg_attr(cfg, name);
    *out = NULL;
    if (!v) return 0;
    if (stk_value_kind(v) == STK_TY_STRING) return cfg_string(cfg, name, out, d);
    if (v->is_unknown || (!stk_type_is_collection(v->type) && stk_value_kind(v) != STK_TY_TUPLE)) {
        stk_diags_error(d, NULL, "Invalid provider configuration",
                        "The aws provider argument \"%s\" must be a known list of strings.", name);
        return -1;
    }
    if (stk_value_len(v) > 1) {
        stk_diags_error(d, NULL, "Not supported yet",
                        "stk reads only one file in the aws provider argument \"%s\" (%zu given).", name,
                        stk_value_len(v));
        return -1;
    }
    if (stk_value_len(v) == 1) {
        stk_value *e = stk_value_elem(v, 0);
        if (e->is_null || e->is_unknown || stk_value_kind(e) != STK_TY_STRING) {
            stk_diags_error(d, NULL, "Invalid provider configuration",
                            "The aws provider argument \"%s\" must hold known strings.", name);
            return -1;
        }
        *out = stk_value_str(e);
    }
    return 0;
}

/* -- partitions -- */

const char *stk_aws_partition_of(const char *region)
{
    if (!region) return "aws";
    if (!strncmp(region, "cn-", 3)) return "aws-cn";
    if (!strncmp(region, "us-gov-", 7)) return "aws-us-gov";
    if (!strncmp(region, "us-isob-", 8)) return "aws-iso-b";
    if (!strncmp(region, "us-iso-", 7)) return "aws-iso";
    return "aws";
}

const char *stk_aws_partition_dns_suffix(const char *partition)
{
    if (!strcmp(partition, "aws-cn")) return "amazonaws.com.cn";
    if (!strcmp(partition, "aws-iso")) return "c2s.ic.gov";
    if (!strcmp(partition, "aws-iso-b")) return "sc2s.sgov.gov";
    return "amazonaws.com";
}

/* -- instances -- */

static stk_provider_instance *instance_new(stk_aws_client *c, json_t *default_tags, int skip_account)
{
    stk_provider_instance *p = stk_xcalloc(1, sizeof *p);
    p->client = c;
    p->region = stk_xstrdup(stk_aws_client_region(c));
    p->partition = stk_xstrdup(stk_aws_partition_of(p->region));
    p->default_tags = default_tags ? default_tags : json_object();
    p->skip_requesting_account_id = skip_account;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->batch_lock, NULL);
    p->batch = json_object();
    return p;
}

stk_provider_instance *stk_aws_provider_new(const stk_aws_config *cfg, const char *default_tags_json,
                                            stk_diags *d)
{
    json_t *tags = NULL;
    if (default_tags_json) {
        json_error_t je;
        tags = json_loads(default_tags_json, 0, &je);
        if (!json_is_object(tags)) {
            json_decref(tags);
            stk_diags_error(d, NULL, "Invalid default tags", "default tags must be a JSON object: %s", je.text);
            return NULL;
        }
    }
    stk_aws_client *c = stk_aws_client_new(cfg, d);
    if (!c) {
        json_decref(tags);
        return NULL;
    }
    return instance_new(c, tags, cfg->skip_requesting_account_id);
}

static const char *const unsupported_blocks[] = {
    "assume_role", "assume_role_with_web_identity", "ignore_tags", "ec2_metadata_service_endpoint",
};
static const char *const unsupported_attrs[] = {
    "allowed_account_ids", "forbidden_account_ids", "custom_ca_bundle", "http_proxy", "https_proxy",
    "sts_region", "use_fips_endpoint", "use_dualstack_endpoint", "retry_mode", "token_bucket_rate_limiter_capacity",
};

/* Every argument stk knows (implemented or refused with its own message). */
static const char *const known_args[] = {
    "region", "profile", "access_key", "secret_key", "token", "shared_credentials_files",
    "shared_credentials_file", "shared_config_files", "default_tags", "endpoints", "max_retries",
    "skip_credentials_validation", "skip_requesting_account_id", "skip_metadata_api_check",
    "skip_region_validation", "s3_use_path_style", "s3_force_path_style", "alias", "version",
    "insecure", "skip_get_ec2_platforms",
};

int stk_aws_provider_configure(const char *name, stk_value *config, stk_provider_instance **out,
                               stk_diags *d)
{
    *out = NULL;
    stk_aws_config cfg = {0};
    size_t nerr = stk_diags_count(d, STK_DIAG_ERROR);

    for (size_t i = 0; i < sizeof unsupported_blocks / sizeof *unsupported_blocks; i++)
        if (cfg_block(config, unsupported_blocks[i]))
            stk_diags_error(d, NULL, "Not supported yet",
                            "The aws provider's \"%s\" block is not supported by stk yet; configure "
                            "credentials through the environment, a profile or access_key/secret_key.",
                            unsupported_blocks[i]);
    for (size_t i = 0; i < sizeof unsupported_attrs / sizeof *unsupported_attrs; i++)
        if (cfg_attr(config, unsupported_attrs[i]))
            stk_diags_error(d, NULL, "Not supported yet",
                            "The aws provider argument \"%s\" is not supported by stk yet.", unsupported_attrs[i]);
    if (config && !config->is_null && !config->is_unknown && stk_value_kind(config) == STK_TY_OBJECT) {
        for (size_t i = 0; i < stk_value_len(config); i++) {
            const char *k = stk_value_key(config, i);
            stk_value *v = stk_value_elem(config, i);
            int known = 0;
            for (size_t j = 0; j < sizeof known_args / sizeof *known_args && !known; j++)
                known = !strcmp(known_args[j], k);
            for (size_t j = 0; j < sizeof unsupported_blocks / sizeof *unsupported_blocks && !known; j++)
                known = !strcmp(unsupported_blocks[j], k);
            for (size_t j = 0; j < sizeof unsupported_attrs / sizeof *unsupported_attrs && !known; j++)
                known = !strcmp(unsupported_attrs[j], k);
            if (!known && !v->is_null)
                stk_diags_error(d, NULL, "Unsupported argument",
                                "The aws provider argument \"%s\" is not known to stk.", k);
        }
    }

    int insecure = 0;
    if (cfg_string(config, "region", &cfg.region, d) || cfg_string(config, "profile", &cfg.profile, d) ||
        cfg_string(config, "access_key", &cfg.access_key, d) ||
        cfg_string(config, "secret_key", &cfg.secret_key, d) || cfg_string(config, "token", &cfg.token, d) ||
        cfg_first_string(config, "shared_config_files", &cfg.shared_config_file, d) ||
        cfg_int(config, "max_retries", &cfg.max_retries, d) ||
        cfg_bool(config, "skip_credentials_validation", &cfg.skip_credentials_validation, d) ||
        cfg_bool(config, "skip_requesting_account_id", &cfg.skip_requesting_account_id, d) ||
        cfg_bool(config, "skip_metadata_api_check", &cfg.skip_metadata_api_check, d) ||
        cfg_bool(config, "s3_force_path_style", &cfg.s3_use_path_style, d) ||
        cfg_bool(config, "s3_use_path_style", &cfg.s3_use_path_style, d) ||
        cfg_bool(config, "insecure", &insecure, d))
        return -1;
    if (cfg_attr(config, "shared_credentials_files")) {
        if (cfg_first_string(config, "shared_credentials_files", &cfg.shared_credentials_file, d)) return -1;
    } else if (cfg_string(config, "shared_credentials_file", &cfg.shared_credentials_file, d)) {
        return -1;
    }
    if (insecure)
        stk_diags_error(d, NULL, "Not supported yet", "The aws provider argument \"insecure\" is not supported by stk yet.");
    if ((cfg.access_key == NULL) != (cfg.secret_key == NULL))
        stk_diags_error(d, NULL, "Invalid provider configuration",
                        "The aws provider needs access_key and secret_key together.");

    /* default_tags { tags = { ... } } */
    json_t *tags = json_object();
    stk_value *dt = cfg_block(config, "default_tags");
    stk_value *dtt = dt ? cfg_attr(dt, "tags") : NULL;
    if (dtt) {
        if (dtt->is_unknown || (stk_value_kind(dtt) != STK_TY_MAP && stk_value_kind(dtt) != STK_TY_OBJECT)) {
            stk_diags_error(d, NULL, "Invalid provider configuration",
                            "default_tags.tags must be a known map of strings.");
        } else {
            for (size_t i = 0; i < stk_value_len(dtt); i++) {
                stk_value *e = stk_value_elem(dtt, i);
                if (e->is_null) continue;
                if (e->is_unknown || stk_value_kind(e) != STK_TY_STRING) {
                    stk_diags_error(d, NULL, "Invalid provider configuration",
                                    "default_tags.tags[\"%s\"] must be a known string.", stk_value_key(dtt, i));
                    continue;
                }
                json_object_set_new(tags, stk_value_key(dtt, i), json_string(stk_value_str(e)));
            }
        }
    }

    /* endpoints { ec2 = "http://..." ... } */
    stk_value *ep = cfg_block(config, "endpoints");
    size_t nep = 0;
    const char **svc = NULL, **url = NULL;
    if (ep && (stk_value_kind(ep) == STK_TY_OBJECT || stk_value_kind(ep) == STK_TY_MAP)) {
        size_t n = stk_value_len(ep);
        svc = stk_xcalloc(n + 1, sizeof *svc);
        url = stk_xcalloc(n + 1, sizeof *url);
        for (size_t i = 0; i < n; i++) {
            stk_value *e = stk_value_elem(ep, i);
            if (e->is_null) continue;
            if (e->is_unknown || stk_value_kind(e) != STK_TY_STRING) {
                stk_diags_error(d, NULL, "Invalid provider configuration",
                                "endpoints.%s must be a known string.", stk_value_key(ep, i));
                continue;
            }
            if (!*stk_value_str(e)) continue;
            svc[nep] = stk_value_key(ep, i);
            url[nep] = stk_value_str(e);
            nep++;
        }
    }
    cfg.endpoint_services = svc;
    cfg.endpoint_urls = url;
    cfg.nendpoints = nep;

    if (stk_diags_count(d, STK_DIAG_ERROR) > nerr) {
        free(svc);
        free(url);
        json_decref(tags);
        return -1;
    }
    stk_aws_client *c = stk_aws_client_new(&cfg, d);
    free(svc);
    free(url);
    if (!c) {
        json_decref(tags);
        return -1;
    }
    *out = instance_new(c, tags, cfg.skip_requesting_account_id);
    (void)name;
    return 0;
}

void stk_aws_provider_free(stk_provider_instance *p)
{
    if (!p) return;
    stk_aws_client_free(p->client);
    free(p->region);
    free(p->partition);
    free(p->account_id);
    json_decref(p->default_tags);
    json_decref(p->caller);
    json_decref(p->batch);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->batch_lock);
    free(p);
}

/* GetCallerIdentity once; p->lock held */
static json_t *caller_locked(stk_provider_instance *p, stk_diags *d)
{
    if (p->caller) return p->caller;
    json_t *params = json_object(), *res = NULL;
    int rc = stk_aws_call(p->client, "sts", "GetCallerIdentity", params, &res, d);
    json_decref(params);
    if (rc == 0) p->caller = res;
    else json_decref(res);
    return p->caller;
}

json_t *stk_aws_caller_identity(stk_provider_instance *p, stk_diags *d)
{
    pthread_mutex_lock(&p->lock);
    json_t *r = caller_locked(p, d);
    pthread_mutex_unlock(&p->lock);
    return r;
}

const char *stk_aws_account_id(stk_provider_instance *p, stk_diags *d)
{
    pthread_mutex_lock(&p->lock);
    if (p->account_id) {
        pthread_mutex_unlock(&p->lock);
        return p->account_id;
    }
    if (p->skip_requesting_account_id) {
        pthread_mutex_unlock(&p->lock);
        stk_diags_error(d, NULL, "AWS account id not available",
                        "The aws provider has skip_requesting_account_id = true, but this operation "
                        "needs the account id (to build an ARN).");
        return NULL;
    }
    json_t *res = caller_locked(p, d);
    if (res) {
        const char *acc = json_string_value(json_object_get(res, "Account"));
        if (acc) p->account_id = stk_xstrdup(acc);
        else stk_diags_error(d, NULL, "AWS account id not available", "sts GetCallerIdentity returned no Account.");
    }
    const char *r = p->account_id;
    pthread_mutex_unlock(&p->lock);
    return r;
}

/* refresh by batch across types (provider.h batch_begin) */
static int batch_begin(stk_provider_instance *p, const stk_resource_type *const *types, stk_value *const *priors,
                       size_t n, stk_diags *d)
{
    int rc = stk_aws_elbv2_tags_batch(p, types, priors, n, d);
    if (stk_aws_route_tables_batch(p, types, priors, n, d)) rc = -1;
    return rc;
}

static void batch_end(stk_provider_instance *p)
{
    pthread_mutex_lock(&p->batch_lock);
    json_object_clear(p->batch);
    pthread_mutex_unlock(&p->batch_lock);
}

/* plan time (provider.h plan_modify): tags_all = default_tags merged with
   the planned tags, as the provider's CustomizeDiff computes it, so a
   default_tags change plans an in-place update of every tagged object.
   Left as planned while the tags are not known yet. */
static stk_value *plan_modify(stk_provider_instance *p, const stk_resource_type *t, stk_value *prior, stk_value *planned)
{
    (void)prior;
    if (!t->schema || !stk_schema_find_attr(t->schema, "tags_all")) return NULL;
    stk_value *tags = stk_value_get(planned, "tags"), *old = stk_value_get(planned, "tags_all");
    if (!old || (tags && !stk_value_is_known_deep(tags))) return NULL;
    json_t *all = stk_aws_tags_all(p, planned);
    char *err = NULL;
    stk_value *nv = stk_value_from_json_typed(all, old->type, &err);
    json_decref(all);
    free(err);
    if (!nv) return NULL;
    size_t n = stk_value_len(planned);
    char **keys = stk_xcalloc(n + 1, sizeof *keys);
    stk_value **vals = stk_xcalloc(n + 1, sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        keys[i] = (char *)stk_value_key(planned, i);
        vals[i] = strcmp(keys[i], "tags_all") ? stk_value_ref(stk_value_elem(planned, i)) : stk_value_ref(nv);
    }
    stk_value *o = stk_value_object(keys, vals, n);
    free(keys);
    free(vals);
    stk_value_unref(nv);
    return o;
}

static const stk_provider_factory aws_factory = {"aws", stk_aws_provider_configure, stk_aws_provider_free, batch_end, batch_begin,
                                                 plan_modify};

void stk_aws_provider_register(void) { stk_provider_factory_register(&aws_factory); }

__attribute__((constructor)) static void aws_provider_autoregister(void) { stk_aws_provider_register(); }
