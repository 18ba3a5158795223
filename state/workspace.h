/* workspace.h - named states of one configuration, as Terraform's
 * workspaces: "default" always exists; the others are `.stk/<name>.db`
 * (store.h).  The selected workspace is the name in `.stk/environment`
 * (Terraform keeps it in .terraform/environment); the environment variable
 * STK_WORKSPACE overrides it, as TF_WORKSPACE does.
 *
 * Names: letters, digits, '-', '_' and '.', at most 90 characters, not
 * starting with '.' (they become file names).
 *
 * Ownership: returned names are malloc'd (free, stk_workspace_names_free).
 */
#ifndef STK_STATE_WORKSPACE_H
#define STK_STATE_WORKSPACE_H
#include <stddef.h>
#include "util/diag.h"

#define STK_WORKSPACE_DEFAULT "default"

int stk_workspace_valid_name(const char *name);
/* The selected workspace (malloc'd). */
char *stk_workspace_current(const char *dir);
/* Does the workspace exist? ("default" always does.) */
int stk_workspace_exists(const char *dir, const char *name);
/* Sorted names, "default" included. */
int stk_workspace_list(const char *dir, char ***names, size_t *n, stk_diags *d);
void stk_workspace_names_free(char **names, size_t n);
/* Create (an empty state database); an existing name is an error. */
int stk_workspace_new(const char *dir, const char *name, stk_diags *d);
/* Make `name` the selected workspace; it must exist. */
int stk_workspace_select(const char *dir, const char *name, stk_diags *d);
/* Delete a workspace: "default" and the selected workspace cannot be
   deleted; a workspace whose state holds objects needs force.  Takes the
   workspace's lock while deleting (lock_timeout_ms as stk_lock_acquire). */
int stk_workspace_delete(const char *dir, const char *name, int force, long lock_timeout_ms, stk_diags *d);

#endif
