/* backend.c - remote backend settings: layers, defaults, backend.json
 * (see backend.h). */
#include "backend.h"
#include "util/strbuf.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { T_STR, T_BOOL, T_INT, T_ENDPOINTS, T_IGNORED };

typedef struct {
    const char *name;
    int type;
    size_t off;        /* offset of the field */
    int secret;
} key_def;

#define S(n, f) {n, T_STR, offsetof(stk_backend_config, f), 0}
#define SS(n, f) {n, T_STR, offsetof(stk_backend_config, f), 1}
#define B(n, f) {n, T_BOOL, offsetof(stk_backend_config, f), 0}
static const key_def keys[] = {
    S("bucket", bucket), S("key", key), S("region", region), S("dynamodb_table", dynamodb_table),
    B("use_lockfile", use_lockfile), B("encrypt", encrypt), S("kms_key_id", kms_key_id),
    S("workspace_key_prefix", workspace_key_prefix), S("profile", profile),
    S("shared_credentials_file", shared_credentials_file), S("shared_config_file", shared_config_file),
    SS("access_key", access_key), SS("secret_key", secret_key), SS("token", token),
    {"endpoints", T_ENDPOINTS, 0, 0},
    S("endpoint", endpoint_s3), S("dynamodb_endpoint", endpoint_dynamodb), S("sts_endpoint", endpoint_sts),
    S("iam_endpoint", endpoint_iam),
    B("skip_credentials_validation", skip_credentials_validation),
    B("skip_region_validation", skip_region_validation),
    B("skip_requesting_account_id", skip_requesting_account_id),
    B("skip_metadata_api_check", skip_metadata_api_check), B("skip_s3_checksum", skip_s3_checksum),
    B("use_path_style", use_path_style), B("force_path_style", use_path_style),
    {"max_retries", T_INT, offsetof(stk_backend_config, max_retries), 0},
    SS("encryption_passphrase", encryption_passphrase), S("encryption_key_file", encryption_key_file),
    /* accepted for compatibility, not used by stk */
    {"acl", T_IGNORED, 0, 0}, {"sse_customer_key", T_IGNORED, 0, 1}, {"assume_role", T_IGNORED, 0, 0},
    {"allowed_account_ids", T_IGNORED, 0, 0}, {"forbidden_account_ids", T_IGNORED, 0, 0},
};
#undef S
#undef SS
#undef B

static const key_def *find_key(const char *name)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, name) == 0) return &keys[i];
    return NULL;
}

int stk_backend_key_known(const char *name)
{
    const key_def *k = find_key(name);
    if (!k) return 0;
    return k->type == T_IGNORED ? 2 : 1;
}

int stk_backend_key_secret(const char *name)
{
    const key_def *k = find_key(name);
    return k && k->secret;
}

void stk_backend_config_init(stk_backend_config *c)
{
    memset(c, 0, sizeof *c);
    c->type = stk_xstrdup("s3");
}

void stk_backend_config_free(stk_backend_config *c)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (keys[i].type != T_STR) continue;
        char **p = (char **)((char *)c + keys[i].off);
        if (*p && keys[i].secret) memset(*p, 0, strlen(*p));
        free(*p);
        *p = NULL;   /* endpoint_s3 etc. appear twice in the table */
    }
    free(c->endpoint_s3);
    free(c->endpoint_dynamodb);
    free(c->endpoint_sts);
    free(c->endpoint_iam);
    free(c->type);
    memset(c, 0, sizeof *c);
}

static void set_str(char **p, const char *v)
{
    free(*p);
    *p = v ? stk_xstrdup(v) : NULL;
}

static int parse_bool(const char *s, int *out)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) *out = 1;
    else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) *out = 0;
    else return -1;
    return 0;
}

static char **endpoint_field(stk_backend_config *c, const char *svc)
{
    if (strcmp(svc, "s3") == 0) return &c->endpoint_s3;
    if (strcmp(svc, "dynamodb") == 0) return &c->endpoint_dynamodb;
    if (strcmp(svc, "sts") == 0) return &c->endpoint_sts;
    if (strcmp(svc, "iam") == 0) return &c->endpoint_iam;
    return NULL;
}

static int set_endpoint(stk_backend_config *c, const char *svc, json_t *v, const char *origin, stk_diags *d)
{
    char **f = endpoint_field(c, svc);
    if (!f) {
        stk_diags_error(d, NULL, "Unsupported backend endpoint",
                        "%s: endpoints.%s is not a service the s3 backend calls (s3, dynamodb, sts, iam).", origin,
                        svc);
        return -1;
    }
    if (json_is_null(v)) return 0;
    if (!json_is_string(v)) {
        stk_diags_error(d, NULL, "Invalid backend setting", "%s: endpoints.%s must be a string (a URL).", origin, svc);
        return -1;
    }
    set_str(f, json_string_value(v));
    return 0;
}

static int apply_one(stk_backend_config *c, const char *name, json_t *v, const char *origin, stk_diags *d)
{
    const key_def *k = find_key(name);
    if (!k) {
        stk_diags_error(d, NULL, "Unsupported backend setting",
                        "%s: \"%s\" is not a setting of the s3 backend.", origin, name);
        return -1;
    }
    if (json_is_null(v)) return 0;
    if (k->type == T_IGNORED) {
        stk_diags_warning(d, NULL, "Backend setting not used by stk",
                          "%s: \"%s\" is a setting of Terraform's s3 backend that stk accepts but does not use.",
                          origin, name);
        return 0;
    }
    void *field = (char *)c + k->off;
    switch (k->type) {
    case T_STR:
        if (json_is_string(v)) set_str(field, json_string_value(v));
        else if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
            /* Terraform converts primitive values to the string type */
            char *t = json_dumps(v, JSON_ENCODE_ANY);
            set_str(field, t);
            free(t);
        } else goto type_err;
        return 0;
    case T_BOOL:
        if (json_is_boolean(v)) *(int *)field = json_is_true(v);
        else if (!json_is_string(v) || parse_bool(json_string_value(v), field)) goto type_err;
        return 0;
    case T_INT:
        if (json_is_integer(v)) *(int *)field = (int)json_integer_value(v);
        else if (json_is_string(v)) {
            char *end;
            long n = strtol(json_string_value(v), &end, 10);
            if (*end || !*json_string_value(v) || n < 0 || n > 100) goto type_err;
            *(int *)field = (int)n;
        } else goto type_err;
        return 0;
    case T_ENDPOINTS: {
        if (!json_is_object(v)) goto type_err;
        const char *svc;
        json_t *u;
        json_object_foreach(v, svc, u) {
            if (set_endpoint(c, svc, u, origin, d)) return -1;
        }
        return 0;
    }
    }
type_err:
    stk_diags_error(d, NULL, "Invalid backend setting", "%s: \"%s\" must be %s.", origin, name,
                    k->type == T_BOOL ? "a bool (true or false)"
                    : k->type == T_INT ? "a whole number (0 to 100)"
                    : k->type == T_ENDPOINTS ? "an object of service = URL (e.g. { s3 = \"http://...\" })"
                                             : "a string");
    return -1;
}

int stk_backend_config_apply_json(stk_backend_config *c, json_t *layer, const char *origin, stk_diags *d)
{
    if (!json_is_object(layer)) {
        stk_diags_error(d, NULL, "Invalid backend configuration", "%s is not a set of attributes.", origin);
        return -1;
    }
    int rc = 0;
    const char *name;
    json_t *v;
    json_object_foreach(layer, name, v) {
        if (apply_one(c, name, v, origin, d)) rc = -1;
    }
    return rc;
}

int stk_backend_config_apply_kv(stk_backend_config *c, const char *arg, stk_diags *d)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        stk_diags_error(d, NULL, "Invalid -backend-config", "\"%s\" is neither KEY=VALUE nor a readable file.", arg);
        return -1;
    }
    char *name = stk_xstrndup(arg, (size_t)(eq - arg));
    char *origin = stk_xasprintf("-backend-config=%s=...", name);
    json_t *v = json_string(eq + 1);
    int rc;
    if (strncmp(name, "endpoints.", 10) == 0) rc = set_endpoint(c, name + 10, v, origin, d);
    else rc = apply_one(c, name, v, origin, d);
    json_decref(v);
    free(origin);
    free(name);
    return rc;
}

int stk_backend_config_finish(stk_backend_config *c, stk_diags *d)
{
    int rc = 0;
    const char *missing[3];
    size_t nm = 0;
    if (!c->bucket || !*c->bucket) missing[nm++] = "bucket";
    if (!c->key || !*c->key) missing[nm++] = "key";
    if (!c->region || !*c->region) missing[nm++] = "region";
    for (size_t i = 0; i < nm; i++) {
        stk_diags_error(d, NULL, "Missing backend setting",
                        "The s3 backend needs \"%s\": set it in the backend block or with "
                        "-backend-config=%s=VALUE.", missing[i], missing[i]);
        rc = -1;
    }
    if (c->key && (c->key[0] == '/' || (*c->key && c->key[strlen(c->key) - 1] == '/'))) {
        stk_diags_error(d, NULL, "Invalid backend setting", "\"key\" must not start or end with '/' (got \"%s\").",
                        c->key);
        rc = -1;
    }
    if (!c->workspace_key_prefix) c->workspace_key_prefix = stk_xstrdup("env:");
    if (c->encryption_passphrase && c->encryption_key_file) {
        stk_diags_error(d, NULL, "Conflicting backend settings",
                        "Give either encryption_passphrase or encryption_key_file, not both.");
        rc = -1;
    }
    if (c->encryption_passphrase && !*c->encryption_passphrase) {
        stk_diags_error(d, NULL, "Invalid backend setting", "encryption_passphrase must not be empty.");
        rc = -1;
    }
    if (c->kms_key_id && *c->kms_key_id && !c->encrypt) {
        stk_diags_error(d, NULL, "Invalid backend setting",
                        "kms_key_id is only used with encrypt = true (server-side encryption with aws:kms).");
        rc = -1;
    }
    return rc;
}

json_t *stk_backend_config_to_json(const stk_backend_config *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(c->type ? c->type : "s3"));
    json_t *cfg = json_object();
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const key_def *k = &keys[i];
        if (k->secret || k->type == T_IGNORED || k->type == T_ENDPOINTS) continue;
        if (strcmp(k->name, "force_path_style") == 0 || strcmp(k->name, "endpoint") == 0 ||
            strstr(k->name, "_endpoint"))
            continue;   /* aliases: written under their current names */
        const void *field = (const char *)c + k->off;
        if (k->type == T_STR) {
            const char *s = *(char *const *)field;
            if (s) json_object_set_new(cfg, k->name, json_string(s));
        } else if (k->type == T_BOOL) {
            json_object_set_new(cfg, k->name, json_boolean(*(const int *)field));
        } else if (k->type == T_INT && *(const int *)field) {
            json_object_set_new(cfg, k->name, json_integer(*(const int *)field));
        }
    }
    json_t *ep = json_object();
    if (c->endpoint_s3) json_object_set_new(ep, "s3", json_string(c->endpoint_s3));
    if (c->endpoint_dynamodb) json_object_set_new(ep, "dynamodb", json_string(c->endpoint_dynamodb));
    if (c->endpoint_sts) json_object_set_new(ep, "sts", json_string(c->endpoint_sts));
    if (c->endpoint_iam) json_object_set_new(ep, "iam", json_string(c->endpoint_iam));
    if (json_object_size(ep)) json_object_set_new(cfg, "endpoints", ep);
    else json_decref(ep);
    json_object_set_new(o, "config", cfg);
    json_t *sec = json_object();
    json_object_set_new(sec, "from_block", json_boolean(c->secrets_from_block));
    json_object_set_new(sec, "client_side_encryption",
                        json_string(c->encryption_passphrase ? "passphrase"
                                    : c->encryption_key_file ? "key_file"
                                                             : "none"));
    json_object_set_new(o, "secrets", sec);
    return o;
}

int stk_backend_config_from_json(stk_backend_config *c, json_t *j, stk_diags *d)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    if (!type || strcmp(type, "s3") != 0) {
        stk_diags_error(d, NULL, "Unsupported backend", "backend.json names backend type \"%s\"; stk supports \"s3\".",
                        type ? type : "(none)");
        return -1;
    }
    if (stk_backend_config_apply_json(c, json_object_get(j, "config"), ".stk/backend.json", d)) return -1;
    json_t *sec = json_object_get(j, "secrets");
    c->secrets_from_block = json_is_true(json_object_get(sec, "from_block"));
    const char *cse = json_string_value(json_object_get(sec, "client_side_encryption"));
    c->passphrase_expected = cse && strcmp(cse, "passphrase") == 0;
    return 0;
}

int stk_backend_save(const char *dir, const stk_backend_config *c, stk_diags *d)
{
    char *sdir = stk_xasprintf("%s/.stk", dir && *dir ? dir : ".");
    mkdir(sdir, 0700);
    char *path = stk_xasprintf("%s/backend.json", sdir);
    char *tmp = stk_xasprintf("%s.tmp.%ld", path, (long)getpid());
    json_t *j = stk_backend_config_to_json(c);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        size_t n = strlen(text), off = 0;
        int ok = 1;
        while (ok && off < n) {
            ssize_t w = write(fd, text + off, n - off);
            if (w < 0 && errno == EINTR) continue;
            ok = w > 0;
            if (ok) off += (size_t)w;
        }
        ok = ok && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (ok && rename(tmp, path) == 0) rc = 0;
    }
    if (rc) {
        stk_diags_error(d, NULL, "Cannot write the backend settings", "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(text);
    free(tmp);
    free(path);
    free(sdir);
    return rc;
}

int stk_backend_load(const char *dir, stk_backend_config *c, stk_diags *d)
{
    char *path = stk_xasprintf("%s/.stk/backend.json", dir && *dir ? dir : ".");
    if (access(path, F_OK) != 0) {
        free(path);
        return 0;
    }
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j) {
        stk_diags_error(d, NULL, "Cannot read the backend settings", "%s: %s (line %d); run `stk init` again.", path,
                        e.text, e.line);
        free(path);
        return -1;
    }
    free(path);
    int rc = stk_backend_config_from_json(c, j, d);
    json_decref(j);
    if (rc == 0) rc = stk_backend_config_finish(c, d);
    return rc ? -1 : 1;
}

char *stk_backend_state_key(const stk_backend_config *c, const char *workspace)
{
    if (!workspace || strcmp(workspace, "default") == 0) return stk_xstrdup(c->key);
    return stk_xasprintf("%s/%s/%s", c->workspace_key_prefix ? c->workspace_key_prefix : "env:", workspace, c->key);
}

void stk_backend_aws_config(const stk_backend_config *c, stk_aws_config *out, stk_backend_aws_holder *h)
{
    memset(out, 0, sizeof *out);
    memset(h, 0, sizeof *h);
    out->region = c->region;
    out->profile = c->profile;
    out->access_key = c->access_key;
    out->secret_key = c->secret_key;
    out->token = c->token;
    out->shared_credentials_file = c->shared_credentials_file;
    out->shared_config_file = c->shared_config_file;
    size_t n = 0;
    const char *svc[4] = {"s3", "dynamodb", "sts", "iam"};
    const char *url[4] = {c->endpoint_s3, c->endpoint_dynamodb, c->endpoint_sts, c->endpoint_iam};
    for (size_t i = 0; i < 4; i++)
        if (url[i] && *url[i]) {
            h->svc[n] = svc[i];
            h->url[n] = url[i];
            n++;
        }
    out->endpoint_services = h->svc;
    out->endpoint_urls = h->url;
    out->nendpoints = n;
    out->max_retries = c->max_retries;
    out->s3_use_path_style = c->use_path_style;
    out->skip_credentials_validation = c->skip_credentials_validation;
    out->skip_requesting_account_id = c->skip_requesting_account_id;
    out->skip_metadata_api_check = c->skip_metadata_api_check;
}

void stk_backend_config_env_secrets(stk_backend_config *c)
{
    const char *p = getenv("STK_BACKEND_ENCRYPTION_PASSPHRASE");
    if (p && *p && !c->encryption_passphrase && !c->encryption_key_file) set_str(&c->encryption_passphrase, p);
}
