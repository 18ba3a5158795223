/* provenance.h - where a configuration came from in git, and the rules
 * that depend on it: provenance for state history, protected workspaces,
 * and environment layouts (-env NAME).
 *
 * Provenance: the repository is discovered from the configuration
 * directory; commit = HEAD's (or a --rev's) commit id; dirty = some file
 * under the configuration directory differs from HEAD (modified, staged,
 * deleted or untracked; ignored files and the .stk/ state directory do not
 * count; with a --rev the tree read is the commit itself, so dirty is 0);
 * branch = HEAD's branch (NULL when detached; for a --rev, the rev when it
 * names a local branch); author = "Name <email>"; subject = the commit's
 * first line; pushed = the commit is reachable from the branch's upstream
 * remote-tracking ref, or (no upstream / detached / --rev) from any
 * refs/remotes/ ref.
 *
 * What a state-changing command calls (stk apply/destroy/refresh do it in
 * engine/cli/cmd_apply.c, state rm/mv/push in cmd_state.c), BEFORE it
 * changes state and before stk_session_finish:
 *     stk_git_check_protected(dir, workspace, allow_dirty, d)  (-> refuse on != 0)
 *       (or stk_git_check_workspace when .stk/ and the configuration are
 *       in different directories)
 *     stk_git_record_provenance(dir, rev_or_NULL, d)
 * The second makes the history row written by stk_session_finish carry
 * the git columns (state/history.h stk_history_set_git).  Commands that
 * hand their work to stk_cli_plan_apply (rollback, dr redeploy) pass it
 * -rev=COMMIT and let it do both; one that hands over a directory that is
 * not the user's must record the provenance (and check) itself first:
 * plan/apply sees stk_git_provenance_recorded() and keeps it.
 *
 * Protected workspaces are listed in <dir>/.stk/protected.json:
 *     {"protected": ["prod", "staging"]}
 * (<dir> is where .stk/ lives, as for state/workspace.h).
 *
 * Ownership: stk_git_info strings are malloc'd (stk_git_info_free).
 * Library code: returns diagnostics, never prints.
 */
#ifndef STK_GIT_PROVENANCE_H
#define STK_GIT_PROVENANCE_H
#include "util/diag.h"
#include "util/fs.h"

typedef struct {
    char *commit;     /* 40 hex */
    int dirty;        /* 0 / 1 */
    char *branch;     /* NULL: detached HEAD or unknown */
    char *author;     /* "Name <email>" */
    char *subject;
    int pushed;       /* 1 reachable from a remote-tracking ref */
    char *upstream;   /* the remote-tracking ref compared with, or NULL */
    char *workdir;    /* the repository's work tree */
} stk_git_info;

/* 1 filled, 0 `dir` is not inside a git repository (info zeroed, no
   diagnostic), -1 error.  rev NULL: HEAD and the work tree's status. */
int stk_git_provenance(const char *dir, const char *rev, stk_git_info *info, stk_diags *d);
void stk_git_info_free(stk_git_info *info);

/* Compute the provenance of dir (at rev, or HEAD when NULL) and register
   it for the history rows this process records next.  Outside a git
   repository nothing is recorded and 0 is returned. */
int stk_git_record_provenance(const char *dir, const char *rev, stk_diags *d);
/* 1 once stk_git_record_provenance has been called in this process. */
int stk_git_provenance_recorded(void);

/* Protected workspaces (dir: where .stk/ lives). */
int stk_git_is_protected(const char *dir, const char *workspace);
int stk_git_set_protected(const char *dir, const char *workspace, int on, stk_diags *d);
/* 0 allowed; -1 refused with an error naming the reason when `workspace`
   (NULL: the selected one) is protected and the tree under dir is dirty,
   the commit is not pushed, or dir is not in a git repository, unless
   allow_dirty.  With rev non-NULL the commit checked is rev's (the tree is
   never dirty then). */
int stk_git_check_protected(const char *dir, const char *workspace, int allow_dirty, stk_diags *d);
int stk_git_check_protected_rev(const char *dir, const char *rev, const char *workspace, int allow_dirty,
                                stk_diags *d);
/* The same with .stk/ (protected.json, the selected workspace) in
   state_dir and the configuration (git status, commit) in cfg_dir. */
int stk_git_check_workspace(const char *state_dir, const char *cfg_dir, const char *rev, const char *workspace,
                            int allow_dirty, stk_diags *d);

/* -env NAME: the layout <dir>/envs/NAME (checked through fs, so it works
   on a commit too) with its own tfvars and workspace, sharing modules
   through relative sources.  *cfg_dir = "<dir>/envs/NAME", *workspace =
   "NAME", *var_files = the env's *.tfvars / *.tfvars.json files that are
   NOT auto-loaded (terraform.tfvars and *.auto.tfvars are loaded by the
   config loader anyway), as paths to pass as -var-file, in name order.
   All malloc'd (stk_fs_names_free for var_files).  -1 with a diagnostic
   when the layout does not exist or NAME is not a plain name. */
int stk_env_resolve(const stk_fs *fs, const char *dir, const char *name, char **cfg_dir, char **workspace,
                    char ***var_files, size_t *nvar_files, stk_diags *d);

/* Write the tree of commit `rev` of the repository containing dir into a
   new temporary directory (mkdtemp under $TMPDIR or /tmp), without
   touching the work tree or the index.  *tmp_root = the temporary
   directory (remove it with stk_git_export_remove), *cfg_dir = dir's
   counterpart inside it, *commit = the full id; all malloc'd.  Used by
   `stk rollback` to hand an unchanged apply a directory with the
   commit's files. */
int stk_git_export(const char *dir, const char *rev, char **tmp_root, char **cfg_dir, char **commit, stk_diags *d);
void stk_git_export_remove(const char *tmp_root);

#endif
