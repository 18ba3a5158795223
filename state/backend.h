/* backend.h - the remote backend's settings ("s3", as Terraform's S3
 * backend), merged from the layers a user gives, and kept in
 * `.stk/backend.json` between commands.
 *
 * Layers, later ones win, key by key (as `terraform init` merges them):
 *   1. the `terraform { backend "s3" { ... } }` block, evaluated by the CLI
 *      with variables allowed (OpenTofu allows it) and handed here as JSON;
 *   2. each `-backend-config=...` in command-line order: KEY=VALUE (value a
 *      string, converted to the key's type: "true"/"false" for flags) or a
 *      FILE of HCL attributes (evaluated by the CLI, handed here as JSON).
 *
 * Keys (Terraform's names):
 *   bucket, key, region (required); dynamodb_table; use_lockfile (bool);
 *   encrypt (bool: server-side encryption, AES256 or aws:kms with
 *   kms_key_id); kms_key_id; workspace_key_prefix (default "env:");
 *   profile, shared_credentials_file(s), shared_config_file(s);
 *   access_key, secret_key, token (secrets); endpoints { s3, dynamodb, sts,
 *   iam } and the older endpoint, dynamodb_endpoint, sts_endpoint,
 *   iam_endpoint; skip_credentials_validation, skip_region_validation,
 *   skip_requesting_account_id, skip_metadata_api_check,
 *   skip_s3_checksum; use_path_style and the older force_path_style;
 *   max_retries; acl (ignored but accepted).
 * stk's own keys for client-side encryption of the snapshot (crypt.h):
 *   encryption_passphrase   a passphrase (secret; PBKDF2 key derivation)
 *   encryption_key_file     path of a file with a raw 32-byte key
 * (at most one of the two).
 *
 * Secrets (access_key, secret_key, token, encryption_passphrase) are never
 * written to backend.json.  Later commands get them from the environment:
 * AWS credentials through the usual chain (AWS_ACCESS_KEY_ID, profiles...),
 * the passphrase from STK_BACKEND_ENCRYPTION_PASSPHRASE, or by evaluating
 * the backend block again when it is where they came from (the CLI does;
 * backend.json records "secrets_from_block").
 *
 * State object key: workspace "default" uses `key`; another workspace W
 * uses "<workspace_key_prefix>/W/<key>", as Terraform.  The lock item / lock
 * object and the digest item are named after that object.
 *
 * Ownership: a stk_backend_config owns its strings (stk_backend_config_free).
 */
#ifndef STK_STATE_BACKEND_H
#define STK_STATE_BACKEND_H
#include <jansson.h>
#include "aws/client/client.h"
#include "util/diag.h"

typedef struct {
    char *type;                        /* "s3" */
    char *bucket, *key, *region;
    char *dynamodb_table;
    int use_lockfile;
    int encrypt;
    char *kms_key_id;
    char *workspace_key_prefix;        /* never NULL after finish: default "env:" */
    char *profile, *shared_credentials_file, *shared_config_file;
    char *access_key, *secret_key, *token;                       /* secrets */
    char *endpoint_s3, *endpoint_dynamodb, *endpoint_sts, *endpoint_iam;
    int skip_credentials_validation, skip_region_validation, skip_requesting_account_id,
        skip_metadata_api_check, skip_s3_checksum;
    int use_path_style;
    int max_retries;
    char *encryption_passphrase;                                 /* secret */
    char *encryption_key_file;
    int secrets_from_block;            /* the block set a secret (re-evaluate it to get them) */
    int passphrase_expected;           /* backend.json: init had a passphrase (it is not stored) */
} stk_backend_config;

void stk_backend_config_init(stk_backend_config *c);
void stk_backend_config_free(stk_backend_config *c);

/* Is `name` a backend setting (1), a known key of Terraform's S3 backend
   stk does not use (2: accepted, a warning), unknown (0)? */
int stk_backend_key_known(const char *name);
/* 1 for the keys that hold secrets. */
int stk_backend_key_secret(const char *name);

/* Apply one layer: a JSON object of settings (`endpoints` an object of
   service -> URL).  `origin` names the layer in messages ("the backend
   block", "-backend-config=prod.hcl").  Null values are ignored (an unset
   variable).  Unknown keys and wrong types are errors. */
int stk_backend_config_apply_json(stk_backend_config *c, json_t *layer, const char *origin, stk_diags *d);
/* Apply one KEY=VALUE argument (value converted to the key's type;
   "endpoints.s3=URL" sets one endpoint). */
int stk_backend_config_apply_kv(stk_backend_config *c, const char *arg, stk_diags *d);
/* Defaults and checks after every layer: required keys, one client-side
   key at most, kms_key_id needs encrypt.  0 ok, -1 errors. */
int stk_backend_config_finish(stk_backend_config *c, stk_diags *d);

/* The settings without secrets as JSON (for .stk/backend.json and
   `stk init`'s report); new reference. */
json_t *stk_backend_config_to_json(const stk_backend_config *c);
/* Read them back (secrets empty). */
int stk_backend_config_from_json(stk_backend_config *c, json_t *j, stk_diags *d);

/* .stk/backend.json of `dir`: write (0600, atomic), read (1 found, 0 none,
   -1 error), remove. */
int stk_backend_save(const char *dir, const stk_backend_config *c, stk_diags *d);
int stk_backend_load(const char *dir, stk_backend_config *c, stk_diags *d);

/* The S3 key of a workspace's state (malloc'd). */
char *stk_backend_state_key(const stk_backend_config *c, const char *workspace);

/* The AWS client configuration of the backend.  The arrays it points to
   live in *holder (free with stk_backend_aws_config_free). */
typedef struct {
    const char *svc[4];
    const char *url[4];
} stk_backend_aws_holder;
void stk_backend_aws_config(const stk_backend_config *c, stk_aws_config *out, stk_backend_aws_holder *holder);

/* Secrets from the environment, when the config lacks them:
   STK_BACKEND_ENCRYPTION_PASSPHRASE. */
void stk_backend_config_env_secrets(stk_backend_config *c);

#endif
