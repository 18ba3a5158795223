/* source.c - the configuration source of a command: disk or commit, plain
 * directory or -env layout (see source.h). */
#include "git/source.h"
#include "git/provenance.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

/* -var-file under --rev: inside the work tree from the commit, else the disk */
static const stk_fs *pick(const stk_fs *fs, const char *path)
{
    const stk_fs *g = fs->ud;
    char *tp = stk_fs_git_tree_path(g, path);
    const stk_fs *r = tp ? g : stk_fs_os();
    free(tp);
    return r;
}
static int vf_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{
    const stk_fs *t = pick(fs, path);
    return t->read(t, path, data, len, err);
}
static int vf_list(const stk_fs *fs, const char *dir, char ***names, size_t *n, unsigned char **is_dir, char **err)
{
    const stk_fs *t = pick(fs, dir);
    return t->list(t, dir, names, n, is_dir, err);
}
static int vf_exists(const stk_fs *fs, const char *path)
{
    const stk_fs *t = pick(fs, path);
    return t->exists(t, path);
}

int stk_config_source_open(stk_config_source *s, const char *dir, const char *rev, const char *env, stk_diags *d)
{
    memset(s, 0, sizeof *s);
    const char *base = dir && *dir ? dir : ".";
    s->fs = stk_fs_os();
    if (rev) {
        s->gitfs = stk_fs_git_open(base, rev, &s->commit, d);
        if (!s->gitfs) return -1;
        s->fs = s->gitfs;
        s->varfs.read = vf_read;
        s->varfs.list = vf_list;
        s->varfs.exists = vf_exists;
        s->varfs.ud = s->gitfs;
        s->varfile_fs = &s->varfs;
    }
    if (env) {
        if (stk_env_resolve(s->fs, base, env, &s->cfg_dir, &s->workspace, &s->var_files, &s->nvar_files, d)) {
            stk_config_source_close(s);
            return -1;
        }
    } else {
        s->cfg_dir = stk_xstrdup(base);
    }
    return 0;
}

stk_vararg *stk_config_source_args(const stk_config_source *s, const stk_vararg *user, size_t nuser, size_t *n)
{
    stk_vararg *a = stk_xcalloc(s->nvar_files + nuser + 1, sizeof *a);
    size_t k = 0;
    for (size_t i = 0; i < s->nvar_files; i++) {
        a[k].kind = STK_VARARG_FILE;
        a[k++].text = s->var_files[i];
    }
    for (size_t i = 0; i < nuser; i++) a[k++] = user[i];
    *n = k;
    return a;
}

void stk_config_source_close(stk_config_source *s)
{
    if (s->gitfs) stk_fs_git_close(s->gitfs);
    free(s->cfg_dir);
    free(s->workspace);
    free(s->commit);
    if (s->var_files) stk_fs_names_free(s->var_files, s->nvar_files);
    memset(s, 0, sizeof *s);
}
