/* cmd_backend.c - `stk backend bootstrap` (create the state bucket and the
 * lock table, idempotently: what a bootstrap-backend.sh script does in a
 * Terraform runbook) and `stk backend restore --from s3://bucket/key
 * [--version-id V]` (make an older snapshot the current state, as a new
 * serial, uploaded like any change). */
#include "aws/protocol/call.h"
#include "cli/backend_cli.h"
#include "cli/cli.h"
#include "util/strbuf.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_diags(stk_diags *d, int no_color)
{
    if (d->len) stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(d);
}

/* The backend settings: the configuration's block (+ -backend-config), or
   .stk/backend.json when the configuration has none. 1 found, 0 none, -1. */
static int settings(const stk_backend_inputs *in, stk_backend_config *cfg, stk_diags *d)
{
    int found = stk_backend_resolve(".", in, cfg, d);
    if (found != 0) return found;
    stk_backend_config_init(cfg);
    found = stk_backend_load(".", cfg, d);
    if (found == 1) stk_backend_config_env_secrets(cfg);
    else stk_backend_config_free(cfg);
    return found;
}

static int call(stk_aws_client *c, const char *svc, const char *op, json_t *p, stk_diags *d)
{
    json_t *res = NULL;
    int rc = stk_aws_call(c, svc, op, p, &res, d);
    json_decref(p);
    json_decref(res);
    return rc;
}

/* Get one bucket setting: 1 configured as wanted (per `ok`), 0 not, -1
   error.  `absent_code` is the error a bucket without the setting gives. */
static int get_setting(stk_aws_client *c, const char *bucket, const char *op, const char *absent_code,
                       int (*ok)(json_t *res), stk_diags *d)
{
    json_t *p = json_pack("{s:s}", "Bucket", bucket), *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(c, "s3", op, p, NULL, &res, &err, &tmp);
    json_decref(p);
    if (rc == 0) {
        stk_diags_free(&tmp);
        int good = ok(res);
        json_decref(res);
        return good;
    }
    int absent = stk_aws_error_is(&err, absent_code);
    stk_aws_error_clear(&err);
    if (absent) {
        stk_diags_free(&tmp);
        return 0;
    }
    stk_diags_append(d, &tmp);
    return -1;
}

static int versioning_ok(json_t *res)
{
    const char *st = json_string_value(json_object_get(res, "Status"));
    return st && strcmp(st, "Enabled") == 0;
}

static int encryption_ok(json_t *res)
{
    json_t *rules = json_object_get(json_object_get(res, "ServerSideEncryptionConfiguration"), "Rules");
    return json_array_size(rules) > 0;
}

static int public_block_ok(json_t *res)
{
    json_t *c = json_object_get(res, "PublicAccessBlockConfiguration");
    return json_is_true(json_object_get(c, "BlockPublicAcls")) && json_is_true(json_object_get(c, "IgnorePublicAcls")) &&
           json_is_true(json_object_get(c, "BlockPublicPolicy")) &&
           json_is_true(json_object_get(c, "RestrictPublicBuckets"));
}

/* Create the bucket and each of its settings that is missing; *changed
   counts what was done. */
static int bootstrap_bucket(stk_aws_client *c, const stk_backend_config *cfg, int *changed, stk_diags *d)
{
    json_t *p = json_pack("{s:s}", "Bucket", cfg->bucket), *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(c, "s3", "HeadBucket", p, NULL, &res, &err, &tmp);
    json_decref(p);
    json_decref(res);
    int exists = rc == 0;
    int absent = !exists && (err.status == 404 || stk_aws_error_is(&err, "NotFound") ||
                             stk_aws_error_is(&err, "NoSuchBucket"));
    stk_aws_error_clear(&err);
    if (!exists && !absent) {
        stk_diags_append(d, &tmp);
        stk_diags_error(d, NULL, "Cannot use the state bucket",
                        "HeadBucket %s failed (owned by another account, or no permission?).", cfg->bucket);
        return -1;
    }
    stk_diags_free(&tmp);
    if (exists) {
        printf("Bucket %s already exists.\n", cfg->bucket);
    } else {
        p = json_pack("{s:s}", "Bucket", cfg->bucket);
        if (strcmp(cfg->region, "us-east-1") != 0)
            json_object_set_new(p, "CreateBucketConfiguration", json_pack("{s:s}", "LocationConstraint", cfg->region));
        if (call(c, "s3", "CreateBucket", p, d)) return -1;
        printf("Created bucket %s in %s.\n", cfg->bucket, cfg->region);
        (*changed)++;
    }
    int g = get_setting(c, cfg->bucket, "GetBucketVersioning", "", versioning_ok, d);
    if (g < 0) return -1;
    if (g) printf("  versioning: already enabled\n");
    else {
        if (call(c, "s3", "PutBucketVersioning",
                 json_pack("{s:s, s:{s:s}}", "Bucket", cfg->bucket, "VersioningConfiguration", "Status", "Enabled"), d))
            return -1;
        printf("  versioning: enabled\n");
        (*changed)++;
    }
    int kms = cfg->kms_key_id && *cfg->kms_key_id;
    g = get_setting(c, cfg->bucket, "GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError",
                    encryption_ok, d);
    if (g < 0) return -1;
    if (g) printf("  default encryption: already configured\n");
    else {
        json_t *rule = json_pack("{s:s}", "SSEAlgorithm", kms ? "aws:kms" : "AES256");
        if (kms) json_object_set_new(rule, "KMSMasterKeyID", json_string(cfg->kms_key_id));
        if (call(c, "s3", "PutBucketEncryption",
                 json_pack("{s:s, s:{s:[{s:o}]}}", "Bucket", cfg->bucket, "ServerSideEncryptionConfiguration", "Rules",
                           "ApplyServerSideEncryptionByDefault", rule),
                 d))
            return -1;
        printf("  default encryption: %s\n", kms ? "aws:kms" : "AES256");
        (*changed)++;
    }
    g = get_setting(c, cfg->bucket, "GetPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration", public_block_ok,
                    d);
    if (g < 0) return -1;
    if (g) printf("  public access: already blocked\n");
    else {
        if (call(c, "s3", "PutPublicAccessBlock",
                 json_pack("{s:s, s:{s:b, s:b, s:b, s:b}}", "Bucket", cfg->bucket, "PublicAccessBlockConfiguration",
                           "BlockPublicAcls", 1, "IgnorePublicAcls", 1, "BlockPublicPolicy", 1,
                           "RestrictPublicBuckets", 1),
                 d))
            return -1;
        printf("  public access: blocked\n");
        (*changed)++;
    }
    return 0;
}

static int bootstrap_table(stk_aws_client *c, const stk_backend_config *cfg, int *changed, stk_diags *d)
{
    json_t *p = json_pack("{s:s}", "TableName", cfg->dynamodb_table), *res = NULL;
    stk_aws_error err = {0};
    stk_diags tmp = STK_DIAGS_INIT;
    int rc = stk_aws_call_ex(c, "dynamodb", "DescribeTable", p, NULL, &res, &err, &tmp);
    json_decref(p);
    if (rc == 0) {
        stk_diags_free(&tmp);
        json_t *ks = json_object_get(json_object_get(res, "Table"), "KeySchema");
        const char *hash = json_string_value(json_object_get(json_array_get(ks, 0), "AttributeName"));
        if (json_array_size(ks) != 1 || !hash || strcmp(hash, "LockID") != 0) {
            stk_diags_error(d, NULL, "The lock table has the wrong key",
                            "DynamoDB table %s exists but its key is not the single string hash key LockID that "
                            "state locking needs.", cfg->dynamodb_table);
            json_decref(res);
            return -1;
        }
        json_decref(res);
        printf("DynamoDB table %s already exists.\n", cfg->dynamodb_table);
        return 0;
    }
    int absent = stk_aws_error_is(&err, "ResourceNotFoundException");
    stk_aws_error_clear(&err);
    if (!absent) {
        stk_diags_append(d, &tmp);
        return -1;
    }
    stk_diags_free(&tmp);
    p = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:s}", "TableName", cfg->dynamodb_table,
                  "AttributeDefinitions", "AttributeName", "LockID", "AttributeType", "S", "KeySchema",
                  "AttributeName", "LockID", "KeyType", "HASH", "BillingMode", "PAY_PER_REQUEST");
    if (call(c, "dynamodb", "CreateTable", p, d)) return -1;
    json_t *w = json_pack("{s:s}", "TableName", cfg->dynamodb_table);
    rc = stk_aws_wait(c, "dynamodb", "TableExists", w, 120, d);
    json_decref(w);
    if (rc) return -1;
    printf("Created DynamoDB table %s (LockID string hash key, PAY_PER_REQUEST).\n", cfg->dynamodb_table);
    (*changed)++;
    return 0;
}

static int backend_bootstrap(int argc, char **argv)
{
    const char **bcfg = stk_xcalloc((size_t)argc + 1, sizeof *bcfg);
    stk_backend_var *vars = stk_xcalloc((size_t)argc + 1, sizeof *vars);
    size_t nb = 0, nv = 0;
    int no_color = 0, rc = STK_EXIT_ERROR;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk backend bootstrap [options]\n\n"
                   "  Create the state bucket (versioning on, default encryption, public\n"
                   "  access blocked) and, when dynamodb_table is set, the lock table (LockID\n"
                   "  string hash key, on-demand billing). Whatever exists already is left\n"
                   "  unchanged and reported, so running it twice is safe.\n\n"
                   "Options:\n"
                   "  -backend-config=KEY=VALUE|FILE   As for `stk init`\n"
                   "  -var NAME=VALUE, -var-file=FILE  Variables for the backend block\n");
            rc = STK_EXIT_OK;
            goto done;
        }
        if (stk_cli_opt(argc, argv, &i, "backend-config", &v)) bcfg[nb++] = v;
        else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            vars[nv].is_file = 1;
            vars[nv++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            vars[nv].is_file = 0;
            vars[nv++].text = v;
        } else if (stk_cli_flag(argv[i], "no-color")) no_color = 1;
        else {
            fprintf(stderr, "Error: unknown option %s for `stk backend bootstrap`\n", argv[i]);
            goto done;
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_inputs in = {bcfg, nb, vars, nv};
    stk_backend_config cfg;
    int found = settings(&in, &cfg, &d);
    if (found == 0)
        stk_diags_error(&d, NULL, "No backend to bootstrap",
                        "The configuration has no `terraform { backend \"s3\" { ... } }` block and the directory has "
                        "no .stk/backend.json.");
    if (found != 1) {
        print_diags(&d, no_color);
        goto done;
    }
    stk_aws_config ac;
    stk_backend_aws_holder h;
    stk_backend_aws_config(&cfg, &ac, &h);
    stk_aws_client *c = stk_aws_client_new(&ac, &d);
    int ok = c != NULL, changed = 0;
    /* the table is made even when a bucket setting failed: all problems at once */
    if (ok) ok = bootstrap_bucket(c, &cfg, &changed, &d) == 0;
    if (c && cfg.dynamodb_table && *cfg.dynamodb_table) ok = bootstrap_table(c, &cfg, &changed, &d) == 0 && ok;
    if (ok && changed) printf("The backend is ready: run `stk init`.\n");
    else if (ok) printf("Everything already exists: nothing was changed.\n");
    stk_aws_client_free(c);
    stk_backend_config_free(&cfg);
    print_diags(&d, no_color);
    rc = ok ? STK_EXIT_OK : STK_EXIT_ERROR;
done:
    free(bcfg);
    free(vars);
    return rc;
}

/* s3://bucket/key -> bucket, key (malloc'd) */
static int parse_s3_url(const char *url, char **bucket, char **key)
{
    if (strncmp(url, "s3://", 5) != 0) return -1;
    const char *b = url + 5, *slash = strchr(b, '/');
    if (!slash || slash == b || !slash[1]) return -1;
    *bucket = stk_xstrndup(b, (size_t)(slash - b));
    *key = stk_xstrdup(slash + 1);
    return 0;
}

static char *command_line(int argc, char **argv)
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_puts(&b, "stk backend");
    for (int i = 0; i < argc; i++) {
        stk_strbuf_putc(&b, ' ');
        stk_strbuf_puts(&b, argv[i]);
    }
    return stk_strbuf_detach(&b);
}

/* `stk backend restore --from s3://bucket/key [--version-id V]` */
int stk_backend_restore_cmd(int argc, char **argv, const char *usage_name)
{
    const char *from = NULL, *version = NULL;
    int force = 0, no_color = 0;
    stk_session_opts o = {0};
    o.operation = "state restore";
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk %s --from s3://BUCKET/KEY [--version-id V] [options]\n\n"
                   "  Bring back a state snapshot from S3 (the backend's object, or any\n"
                   "  version of it: see `aws s3api list-object-versions`). The snapshot's\n"
                   "  current state becomes the state of the selected workspace as a NEW\n"
                   "  serial (its history stays), and is uploaded as the latest backup.\n"
                   "  Client-side encrypted snapshots are decrypted with the backend's key.\n\n"
                   "Options:\n"
                   "  --from=s3://BUCKET/KEY   The snapshot to restore\n"
                   "  --version-id=V           An older S3 version of it\n"
                   "  -force                   Restore a snapshot of another lineage\n"
                   "  -lock=false              Don't take the state lock (dangerous)\n"
                   "  -lock-timeout=DUR        Wait up to DUR for the state lock\n", usage_name);
            return STK_EXIT_OK;
        }
        if (stk_cli_opt(argc, argv, &i, "from", &v)) from = v;
        else if (stk_cli_opt(argc, argv, &i, "version-id", &v)) version = v;
        else if (stk_cli_flag(argv[i], "force")) force = 1;
        else if (stk_cli_flag(argv[i], "lock=false")) o.no_lock = 1;
        else if (stk_cli_flag(argv[i], "lock") || stk_cli_flag(argv[i], "lock=true")) o.no_lock = 0;
        else if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &o.lock_timeout_ms)) {
                fprintf(stderr, "Error: invalid -lock-timeout \"%s\"\n", v);
                return STK_EXIT_ERROR;
            }
        } else if (stk_cli_flag(argv[i], "no-color")) no_color = 1;
        else {
            fprintf(stderr, "Error: unknown option %s for `stk %s`\n", argv[i], usage_name);
            return STK_EXIT_ERROR;
        }
    }
    char *bucket = NULL, *key = NULL;
    if (!from || parse_s3_url(from, &bucket, &key)) {
        fprintf(stderr, "Error: `stk %s` needs --from=s3://BUCKET/KEY\n", usage_name);
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_session bs;
    stk_state_session s;
    int rc = stk_backend_session_opts(".", &o, &bs, &d);
    if (rc == 0 && !bs.active) {
        stk_diags_error(&d, NULL, "No backend", "This directory has no s3 backend (.stk/backend.json): run `stk init`.");
        rc = -1;
    }
    if (rc) {
        free(bucket);
        free(key);
        print_diags(&d, no_color);
        return STK_EXIT_ERROR;
    }
    if (stk_session_open(".", &o, &s, &d)) {
        stk_backend_session_free(&bs);
        free(bucket);
        free(key);
        print_diags(&d, no_color);
        return STK_EXIT_ERROR;
    }
    stk_backend_session_attach(&bs, &s);
    char *tmp = stk_xasprintf("./.stk/%s.db.restore.%ld", s.workspace, (long)getpid());
    int64_t before = stk_state_serial(s.st);
    stk_remote_snapshot info = {0};
    int got = stk_remote_download(bs.remote, bucket, key, version, tmp, &info, &d);
    if (got == 0) stk_diags_error(&d, NULL, "No such snapshot", "s3://%s/%s does not exist.", bucket, key);
    rc = got == 1 ? 0 : -1;
    if (rc == 0) rc = stk_remote_restore_into(s.st, tmp, force, &d);
    if (rc == 0) {
        char *cl = command_line(argc, argv);
        char *sum = stk_xasprintf("restored s3://%s/%s%s%s (its serial %" PRId64 ")", bucket, key,
                                  info.version_id ? " version " : "", info.version_id ? info.version_id : "",
                                  info.serial);
        rc = stk_session_finish(&s, cl, sum, &d);
        free(cl);
        free(sum);
    }
    if (rc == 0)
        printf("Restored s3://%s/%s%s%s (serial %" PRId64 " there) as serial %" PRId64
               " (the state was at serial %" PRId64 "); uploaded as the latest backup.\n",
               bucket, key, info.version_id ? " version " : "", info.version_id ? info.version_id : "", info.serial,
               stk_state_serial(s.st), before);
    char *w = stk_xasprintf("%s-wal", tmp), *sh = stk_xasprintf("%s-shm", tmp);
    unlink(tmp);
    unlink(w);
    unlink(sh);
    free(w);
    free(sh);
    free(tmp);
    stk_remote_snapshot_free(&info);
    stk_session_close(&s);
    stk_backend_session_free(&bs);
    free(bucket);
    free(key);
    print_diags(&d, no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

/* `stk backend hold-lock SECONDS`: hidden debugging/test command: take the
   state lock as a state-changing command does (remote lock + digest check),
   print the lock ID, sleep, release.  Killing it with SIGKILL leaves the
   lock behind, as a crashed apply would. */
static int backend_hold_lock(int argc, char **argv)
{
    stk_session_opts o = {0};
    o.operation = "backend hold-lock";
    const char *secs = NULL, *v = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &o.lock_timeout_ms)) secs = NULL, i = argc;
        } else if (!secs && argv[i][0] != '-') secs = argv[i];
        else secs = "", i = argc;
    }
    if (!secs || atoi(secs) <= 0) {
        fprintf(stderr, "Usage: stk backend hold-lock [-lock-timeout=DUR] SECONDS\n");
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_session bs;
    stk_state_session s;
    if (stk_backend_session_opts(".", &o, &bs, &d)) {
        print_diags(&d, 0);
        return STK_EXIT_ERROR;
    }
    if (stk_session_open(".", &o, &s, &d)) {
        stk_backend_session_free(&bs);
        print_diags(&d, 0);
        return STK_EXIT_ERROR;
    }
    printf("Holding the %s state lock %s for %s seconds\n", s.lock->ops->name, s.lock->held->id, secs);
    fflush(stdout);
    sleep((unsigned)atoi(secs));
    stk_session_close(&s);
    stk_backend_session_free(&bs);
    print_diags(&d, 0);
    return STK_EXIT_OK;
}

static void backend_usage(FILE *f)
{
    fprintf(f, "Usage: stk backend <subcommand> [options]\n\n"
               "Subcommands:\n"
               "  bootstrap   Create the state bucket and the DynamoDB lock table (idempotent)\n"
               "  restore     Bring back a state snapshot from S3 (--from s3://B/K [--version-id V])\n");
}

int cmd_backend(int argc, char **argv)
{
    if (argc < 2) {
        backend_usage(stderr);
        return STK_EXIT_ERROR;
    }
    if (stk_cli_is_help(argv[1])) {
        backend_usage(stdout);
        return STK_EXIT_OK;
    }
    if (strcmp(argv[1], "bootstrap") == 0) return backend_bootstrap(argc - 1, argv + 1);
    if (strcmp(argv[1], "restore") == 0) return stk_backend_restore_cmd(argc - 1, argv + 1, "backend restore");
    if (strcmp(argv[1], "hold-lock") == 0) return backend_hold_lock(argc - 1, argv + 1);
    fprintf(stderr, "Error: unknown subcommand `stk backend %s`\n\n", argv[1]);
    backend_usage(stderr);
    return STK_EXIT_ERROR;
}
