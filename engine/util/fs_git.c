/* fs_git.c - the stk_fs of a git commit (see fs_git.h).  Paths are mapped
 * to the commit's tree by making them absolute (against the current
 * directory captured at open), cleaning them, and stripping the work tree
 * prefix; blobs and trees are then looked up with git_tree_entry_bypath.
 * Nothing here reads the work tree or the index. */
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *path, *data;
    size_t len;
} read_rec;

typedef struct {
    stk_fs fs;
    git_repository *repo;
    git_tree *tree;
    char *workdir;          /* real path, no trailing slash */
    char *cwd;              /* real path */
    char *commit;
    read_rec *reads;
    size_t nreads, capreads;
} gitfs;

static char *git_errmsg(void)
{
    const git_error *e = git_error_last();
    return stk_xstrdup(e && e->message ? e->message : "unknown libgit2 error");
}

char *stk_fs_git_tree_path(const stk_fs *fs, const char *path)
{
    const gitfs *g = (const gitfs *)fs;
    char *abs;
    if (path[0] == '/') abs = stk_path_clean(path);
    else {
        char *j = stk_xasprintf("%s/%s", g->cwd, path);
        abs = stk_path_clean(j);
        free(j);
    }
    size_t wl = strlen(g->workdir);
    char *r = NULL;
    if (strcmp(abs, g->workdir) == 0) r = stk_xstrdup("");
    else if (wl == 1 && abs[0] == '/') r = stk_xstrdup(abs + 1);   /* work tree at "/" */
    else if (strncmp(abs, g->workdir, wl) == 0 && abs[wl] == '/') r = stk_xstrdup(abs + wl + 1);
    free(abs);
    return r;
}

/* The tree entry at path (NULL: absent); *root set when path is the root. */
static int lookup(const gitfs *g, const char *path, git_tree_entry **ent, int *root, char **tp)
{
    *ent = NULL;
    *root = 0;
    *tp = stk_fs_git_tree_path(&g->fs, path);
    if (!*tp) return -1;
    if (!**tp) {
        *root = 1;
        return 0;
    }
    if (git_tree_entry_bypath(ent, g->tree, *tp) != 0) {
        *ent = NULL;
        return -1;
    }
    return 0;
}

static int g_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{
    gitfs *g = (gitfs *)fs;
    git_tree_entry *ent;
    int root;
    char *tp;
    if (lookup(g, path, &ent, &root, &tp) != 0) {
        *err = tp ? stk_xasprintf("cannot read %s: no such file in commit %.12s", path, g->commit)
                  : stk_xasprintf("cannot read %s: outside the git work tree %s (reading commit %.12s)", path,
                                  g->workdir, g->commit);
        free(tp);
        return -1;
    }
    if (root || git_tree_entry_type(ent) != GIT_OBJECT_BLOB) {
        *err = stk_xasprintf("cannot read %s: is a directory in commit %.12s", path, g->commit);
        git_tree_entry_free(ent);
        free(tp);
        return -1;
    }
    git_blob *b = NULL;
    if (git_blob_lookup(&b, g->repo, git_tree_entry_id(ent)) != 0) {
        char *m = git_errmsg();
        *err = stk_xasprintf("cannot read %s from commit %.12s: %s", path, g->commit, m);
        free(m);
        git_tree_entry_free(ent);
        free(tp);
        return -1;
    }
    size_t n = (size_t)git_blob_rawsize(b);
    char *buf = stk_xmalloc(n + 1);
    memcpy(buf, git_blob_rawcontent(b), n);
    buf[n] = 0;
    git_blob_free(b);
    git_tree_entry_free(ent);
    free(tp);
    if (g->nreads == g->capreads) {
        g->capreads = g->capreads ? g->capreads * 2 : 16;
        g->reads = stk_xrealloc(g->reads, g->capreads * sizeof *g->reads);
    }
    read_rec *r = &g->reads[g->nreads++];
    r->path = stk_xstrdup(path);
    r->data = stk_xmalloc(n + 1);
    memcpy(r->data, buf, n + 1);
    r->len = n;
    *data = buf;
    *len = n;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int g_list(const stk_fs *fs, const char *dir, char ***names, size_t *n, unsigned char **is_dir, char **err)
{
    gitfs *g = (gitfs *)fs;
    git_tree_entry *ent;
    int root;
    char *tp;
    if (lookup(g, dir, &ent, &root, &tp) != 0 || (!root && git_tree_entry_type(ent) != GIT_OBJECT_TREE)) {
        *err = stk_xasprintf("cannot read directory %s: not a directory in commit %.12s", dir, g->commit);
        if (ent) git_tree_entry_free(ent);
        free(tp);
        return -1;
    }
    git_tree *t = g->tree;
    if (!root) {
        if (git_tree_lookup(&t, g->repo, git_tree_entry_id(ent)) != 0) {
            char *m = git_errmsg();
            *err = stk_xasprintf("cannot read directory %s: %s", dir, m);
            free(m);
            git_tree_entry_free(ent);
            free(tp);
            return -1;
        }
        git_tree_entry_free(ent);
    }
    free(tp);
    size_t cnt = git_tree_entrycount(t), k = 0;
    char **v = stk_xcalloc(cnt + 1, sizeof *v);
    for (size_t i = 0; i < cnt; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(t, i);
        git_object_t ty = git_tree_entry_type(e);
        if (ty != GIT_OBJECT_BLOB && ty != GIT_OBJECT_TREE) continue;   /* submodules */
        v[k++] = stk_xstrdup(git_tree_entry_name(e));
    }
    qsort(v, k, sizeof *v, cmp_names);   /* git orders trees as "name/": re-sort by bytes */
    if (is_dir) {
        unsigned char *dd = stk_xcalloc(k + 1, 1);
        for (size_t i = 0; i < k; i++) {
            const git_tree_entry *e = git_tree_entry_byname(t, v[i]);
            dd[i] = e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
        }
        *is_dir = dd;
    }
    if (t != g->tree) git_tree_free(t);
    *names = v;
    *n = k;
    return 0;
}

static int g_exists(const stk_fs *fs, const char *path)
{
    const gitfs *g = (const gitfs *)fs;
    git_tree_entry *ent;
    int root;
    char *tp;
    if (lookup(g, path, &ent, &root, &tp) != 0) {
        free(tp);
        return 0;
    }
    free(tp);
    if (root) return 2;
    int r = git_tree_entry_type(ent) == GIT_OBJECT_TREE ? 2 : git_tree_entry_type(ent) == GIT_OBJECT_BLOB ? 1 : 0;
    git_tree_entry_free(ent);
    return r;
}

static char *real_or_dup(const char *p)
{
    char buf[PATH_MAX];
    if (realpath(p, buf)) return stk_xstrdup(buf);
    return stk_xstrdup(p);
}

stk_fs *stk_fs_git_open(const char *dir, const char *rev, char **resolved_commit, stk_diags *d)
{
    if (resolved_commit) *resolved_commit = NULL;
    git_libgit2_init();
    gitfs *g = stk_xcalloc(1, sizeof *g);
    g->fs.read = g_read;
    g->fs.list = g_list;
    g->fs.exists = g_exists;
    g->fs.ud = g;
    char cwd[PATH_MAX];
    g->cwd = real_or_dup(getcwd(cwd, sizeof cwd) ? cwd : ".");
    char *start = real_or_dup(dir && *dir ? dir : ".");
    git_object *obj = NULL;
    git_commit *commit = NULL;
    if (git_repository_open_ext(&g->repo, start, 0, NULL) != 0) {
        char *m = git_errmsg();
        stk_diags_error(d, NULL, "Not in a git repository",
                      "--rev reads the configuration from git, but no repository contains %s: %s", dir, m);
        free(m);
        goto fail;
    }
    if (git_repository_is_bare(g->repo)) {
        stk_diags_error(d, NULL, "Bare git repository",
                      "--rev needs a repository with a work tree to map %s into the commit", dir);
        goto fail;
    }
    g->workdir = real_or_dup(git_repository_workdir(g->repo));
    size_t wl = strlen(g->workdir);
    while (wl > 1 && g->workdir[wl - 1] == '/') g->workdir[--wl] = 0;
    if (git_revparse_single(&obj, g->repo, rev) != 0) {
        char *m = git_errmsg();
        stk_diags_error(d, NULL, "Unknown revision",
                      "\"%s\" does not name a commit, tag or branch in %s: %s", rev, g->workdir, m);
        free(m);
        goto fail;
    }
    if (git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) != 0) {
        char *m = git_errmsg();
        stk_diags_error(d, NULL, "Revision is not a commit", "\"%s\": %s", rev, m);
        free(m);
        goto fail;
    }
    if (git_commit_tree(&g->tree, commit) != 0) {
        char *m = git_errmsg();
        stk_diags_error(d, NULL, "Cannot read the commit's tree", "\"%s\": %s", rev, m);
        free(m);
        goto fail;
    }
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, git_commit_id(commit));
    g->commit = stk_xstrdup(hex);
    if (resolved_commit) *resolved_commit = stk_xstrdup(hex);
    git_commit_free(commit);
    git_object_free(obj);
    free(start);
    return &g->fs;
fail:
    git_commit_free(commit);
    git_object_free(obj);
    free(start);
    stk_fs_git_close(&g->fs);
    return NULL;
}

void stk_fs_git_each_read(const stk_fs *fs, void (*fn)(const char *path, const char *data, size_t len, void *ud),
                          void *ud)
{
    const gitfs *g = (const gitfs *)fs;
    for (size_t i = 0; i < g->nreads; i++) fn(g->reads[i].path, g->reads[i].data, g->reads[i].len, ud);
}

void stk_fs_git_close(stk_fs *fs)
{
    if (!fs) return;
    gitfs *g = (gitfs *)fs;
    git_tree_free(g->tree);
    git_repository_free(g->repo);
    for (size_t i = 0; i < g->nreads; i++) {
        free(g->reads[i].path);
        free(g->reads[i].data);
    }
    free(g->reads);
    free(g->workdir);
    free(g->cwd);
    free(g->commit);
    free(g);
    git_libgit2_shutdown();
}
