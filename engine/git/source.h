/* source.h - where a command reads its configuration from: the directory
 * on disk, a git revision of it (--rev, util/fs_git.h), and/or an
 * environment layout under it (-env NAME, provenance.h stk_env_resolve).
 * One call gives every command (validate, graph, console, diff; plan and
 * apply too) the same behaviour:
 *
 *     stk_config_source src;
 *     if (stk_config_source_open(&src, dir, rev, env, &d)) -> error
 *     size_t nargs; stk_vararg *args = stk_config_source_args(&src, user_args, nuser, &nargs);
 *     stk_config *c = stk_config_load(src.fs, src.cfg_dir, &d);
 *     stk_var_inputs in = {args, nargs, environ, src.varfile_fs};
 *     ... src.workspace (non-NULL with -env) is the workspace to use ...
 *     stk_config_free(c); free(args); stk_config_source_close(&src);
 *
 * With --rev, -var-file paths inside the repository's work tree are read
 * from the commit (as `git checkout REV` would have left them); paths
 * outside it (a secrets file in $HOME) from the disk: src.varfile_fs.
 * A saved plan's staleness check also needs what the configuration READ
 * while it was evaluated (file(), templatefile(), fileexists(), fileset()
 * go through the same fs): stk_config_source_track before loading makes
 * the source record every read, and stk_config_source_reads_digest sums
 * them up (paths and contents, in a stable order).
 *
 * Ownership: the source owns every field; close it after the config. */
#ifndef STK_GIT_SOURCE_H
#define STK_GIT_SOURCE_H
#include "config/config.h"

typedef struct {
    const stk_fs *fs;        /* the OS or the commit */
    stk_fs *gitfs;           /* owned when --rev */
    char *cfg_dir;           /* the directory to load */
    char *workspace;         /* -env: the env's workspace, else NULL */
    char *commit;            /* --rev: the full commit id, else NULL */
    char **var_files;        /* -env: extra (non auto-loaded) tfvars */
    size_t nvar_files;
    const stk_fs *varfile_fs; /* for stk_var_inputs.varfile_fs (NULL without --rev: the OS) */
    stk_fs varfs;            /* (its storage) */
    void *tracker;           /* stk_config_source_track, else NULL */
} stk_config_source;

/* dir NULL = "."; rev / env may be NULL.  0, or -1 with diagnostics. */
int stk_config_source_open(stk_config_source *s, const char *dir, const char *rev, const char *env, stk_diags *d);
/* The env's var files first, then the user's -var / -var-file (malloc'd
   array; the texts are borrowed from s and user). */
stk_vararg *stk_config_source_args(const stk_config_source *s, const stk_vararg *user, size_t nuser, size_t *n);
void stk_config_source_close(stk_config_source *s);
/* From now on, record what is read through s->fs (call before
   stk_config_load; s->fs then points to the recorder). */
void stk_config_source_track(stk_config_source *s);
/* SHA-256 hex (malloc'd) of everything read through s->fs so far: each
   path with its content's hash and existence checks (not directory
   listings), sorted and without repeats.  NULL when not tracking. */
char *stk_config_source_reads_digest(stk_config_source *s);

#endif
