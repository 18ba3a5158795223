/* fs_git.h - an stk_fs that reads a directory tree exactly as committed at
 * a revision, from the git object database (libgit2), never from the work
 * tree.
 *
 * How to use it (for plan/apply and any other command taking --rev):
 *
 *     char *commit = NULL;
 *     stk_fs *fs = stk_fs_git_open(dir, rev, &commit, &diags);
 *     if (!fs) -> print diags, exit 1
 *     stk_config *c = stk_config_load(fs, dir, &diags);   // same dir string
 *     stk_var_inputs in = {args, nargs, environ, fs};     // -var-file from the commit too
 *     ... evaluate / plan as usual; file(), templatefile(), fileexists() and
 *     local modules all go through c->fs, so they come from the same commit ...
 *     stk_config_free(c);
 *     stk_fs_git_close(fs);                               // after the config
 *
 * `dir` is the configuration directory as the user gave it (relative to the
 * current directory or absolute); the repository is discovered from it (it
 * may be a subdirectory of the work tree).  Every path the fs is asked for
 * is resolved the same way (absolute, or relative to the current directory
 * at open time) and mapped to a path inside the commit's tree, so
 * "../../modules/x" from envs/prod works; a path outside the work tree is
 * reported as absent / an error.  `rev` is any revparse spec: a full or
 * short commit id, tag, branch, "HEAD~2", "main@{1}"...; tags are peeled
 * to their commit.  *resolved_commit (may be NULL) receives the full
 * 40-hex id (malloc'd).  Diagnostics name the revision when it does not
 * resolve.
 *
 * Ownership: the returned fs owns the repository handle and tree; free with
 * stk_fs_git_close.  Data returned by read/list is malloc'd as fs.h says.
 */
#ifndef STK_FS_GIT_H
#define STK_FS_GIT_H
#include "util/diag.h"
#include "util/fs.h"

stk_fs *stk_fs_git_open(const char *dir, const char *rev, char **resolved_commit, stk_diags *d);
void stk_fs_git_close(stk_fs *fs);

/* The path inside the commit's tree that `path` maps to ("" = the tree's
   root), malloc'd, or NULL when it lies outside the work tree. */
char *stk_fs_git_tree_path(const stk_fs *fs, const char *path);

/* Calls fn for every file read so far through this fs (path as asked, its
   bytes): the CLI registers them as diagnostic sources, since the snippet
   printer cannot find these files on disk. */
void stk_fs_git_each_read(const stk_fs *fs, void (*fn)(const char *path, const char *data, size_t len, void *ud),
                          void *ud);

#endif
