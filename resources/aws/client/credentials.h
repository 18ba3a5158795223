/* credentials.h - AWS credentials and region resolution, in the AWS CLI's
 * order, from a stk_aws_config, the environment and the shared files.
 *
 * Credentials: (1) static access_key/secret_key[/token] of the config;
 * (2) an explicitly named profile (config->profile) when set; otherwise
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
 * (3) the profile (config->profile, AWS_PROFILE, "default") in the shared
 * credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials),
 * then in the config file (AWS_CONFIG_FILE or ~/.aws/config; "[profile X]"
 * sections, "[default]"), keys or `credential_process` (run without a shell,
 * JSON Version 1 output).  Region: config->region, AWS_REGION,
 * AWS_DEFAULT_REGION, the profile's `region` in the config file.
 *
 * Failures are diagnostics naming what was tried; secret values never
 * appear in them.  Ownership: a stk_aws_credentials owns its strings;
 * release with stk_aws_credentials_clear (which also wipes them).
 */
#ifndef STK_AWS_CREDENTIALS_H
#define STK_AWS_CREDENTIALS_H
#include <time.h>
#include "aws/client/client.h"

typedef struct {
    char *access_key, *secret_key, *token;   /* token may be NULL */
    time_t expiration;                       /* 0: does not expire */
    char *source;                            /* "static", "environment", "profile dev (credentials file)" ... */
    char *process;                           /* credential_process command, to refresh; or NULL */
} stk_aws_credentials;

/* Returns 0 and fills out, or -1 with an error in d. */
int stk_aws_credentials_resolve(const stk_aws_config *cfg, stk_aws_credentials *out, stk_diags *d);

/* Run a credential_process command line (split into words without a shell;
   single/double quotes and backslashes are honoured) and parse its output. */
int stk_aws_credentials_from_process(const char *command, stk_aws_credentials *out, stk_diags *d);

void stk_aws_credentials_clear(stk_aws_credentials *c);

/* The region, malloc'd, or NULL with an error in d. */
char *stk_aws_region_resolve(const stk_aws_config *cfg, stk_diags *d);

/* The profile name in effect (config->profile, AWS_PROFILE, "default"). */
const char *stk_aws_profile_name(const stk_aws_config *cfg);

/* Look key up in section [section] of an INI-style file (for the config
   file pass "profile NAME", or "default").  Returns a malloc'd value, NULL
   when absent; *found_section tells whether the section exists. */
char *stk_aws_ini_get(const char *path, const char *section, const char *key, int *found_section);

#endif
