/* backend_resolve.h - the backend settings of a configuration: the
 * `terraform { backend "s3" { ... } }` block evaluated with the root
 * variables (defaults, TF_VAR_/STK_VAR_, tfvars files, -var / -var-file, as
 * for plan) and functions, as OpenTofu allows, then each -backend-config
 * argument in order (KEY=VALUE, or an HCL FILE of attributes without
 * variables, as Terraform).  See state/backend.h for the keys. */
#ifndef STK_CLI_BACKEND_RESOLVE_H
#define STK_CLI_BACKEND_RESOLVE_H
#include "state/backend.h"

typedef struct {
    int is_file;                         /* -var-file (1) or -var NAME=VALUE (0) */
    const char *text;
} stk_backend_var;

typedef struct {
    const char *const *backend_config;   /* -backend-config values, in order */
    size_t nbackend_config;
    const stk_backend_var *vars;         /* -var / -var-file, in order */
    size_t nvars;
} stk_backend_inputs;

/* The backend of the configuration in dir: 1 (cfg initialised, merged and
   finished), 0 no backend block (or backend "local"; cfg untouched), -1
   errors. */
int stk_backend_resolve(const char *dir, const stk_backend_inputs *in, stk_backend_config *cfg, stk_diags *d);

/* Split a -backend-config argument: KEY=VALUE (1) or FILE (0). */
int stk_backend_arg_is_kv(const char *arg);

#endif
