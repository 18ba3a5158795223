/* provenance.c - git provenance, protected workspaces and -env layouts
 * (see provenance.h).  libgit2 does the repository work: discovery,
 * revparse, status limited to the configuration directory, upstream
 * lookup and reachability (git_graph_descendant_of). */
#include "git/provenance.h"
#include "state/history.h"
#include "state/workspace.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <ftw.h>
#include <unistd.h>
#include <errno.h>
#include <git2.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void git_err(stk_diags *d, const char *summary, const char *what)
{
    const git_error *e = git_error_last();
    stk_diags_error(d, NULL, summary, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
}

void stk_git_info_free(stk_git_info *i)
{
    free(i->commit);
    free(i->branch);
    free(i->author);
    free(i->subject);
    free(i->upstream);
    free(i->workdir);
    memset(i, 0, sizeof *i);
}

/* is `oid` reachable from (or equal to) the commit `ref` points to */
static int reachable_from(git_repository *r, const git_oid *oid, const char *refname)
{
    git_oid tip;
    if (git_reference_name_to_id(&tip, r, refname) != 0) return 0;
    if (git_oid_equal(&tip, oid)) return 1;
    return git_graph_descendant_of(r, &tip, oid) == 1;
}

static int any_remote_has(git_repository *r, const git_oid *oid, char **which)
{
    git_reference_iterator *it = NULL;
    if (git_reference_iterator_glob_new(&it, r, "refs/remotes/*") != 0) return 0;
    const char *name;
    int found = 0;
    while (!found && git_reference_next_name(&name, it) == 0) {
        size_t l = strlen(name);
        if (l >= 5 && !strcmp(name + l - 5, "/HEAD")) continue;
        if (reachable_from(r, oid, name)) {
            found = 1;
            *which = stk_xstrdup(name);
        }
    }
    git_reference_iterator_free(it);
    return found;
}

/* The remote-tracking ref of a local branch: branch.<b>.remote and
   branch.<b>.merge mapped by the default fetch refspec
   (refs/heads/X -> refs/remotes/<remote>/X), as git does.  Read from the
   config directly: libgit2 1.5's remote lookup leaks PCRE2 match data on
   a non-matching search, which LeakSanitizer reports. */
static char *upstream_ref(git_repository *r, const char *branch)
{
    git_config *cfg = NULL;
    if (git_repository_config_snapshot(&cfg, r) != 0) return NULL;
    char *k1 = stk_xasprintf("branch.%s.remote", branch), *k2 = stk_xasprintf("branch.%s.merge", branch);
    const char *remote = NULL, *merge = NULL;
    char *ref = NULL;
    if (git_config_get_string(&remote, cfg, k1) == 0 && git_config_get_string(&merge, cfg, k2) == 0 &&
        strcmp(remote, ".") != 0 && !strncmp(merge, "refs/heads/", 11))
        ref = stk_xasprintf("refs/remotes/%s/%s", remote, merge + 11);
    free(k1);
    free(k2);
    git_config_free(cfg);
    return ref;
}

/* Any change under `prefix` ("" = whole tree) other than .stk/ state? */
static int tree_dirty(git_repository *r, const char *prefix, stk_diags *d)
{
    git_status_options o;
    git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
    o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
              GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
    char *spec = NULL;
    char *specs[1];
    if (*prefix) {
        spec = stk_xstrdup(prefix);
        specs[0] = spec;
        o.pathspec.strings = specs;
        o.pathspec.count = 1;
    }
    git_status_list *l = NULL;
    if (git_status_list_new(&l, r, &o) != 0) {
        git_err(d, "Cannot read the git status", prefix);
        free(spec);
        return -1;
    }
    int dirty = 0;
    size_t n = git_status_list_entrycount(l);
    for (size_t i = 0; i < n && !dirty; i++) {
        const git_status_entry *e = git_status_byindex(l, i);
        if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED)) continue;
        const char *p = e->index_to_workdir ? e->index_to_workdir->new_file.path
                        : e->head_to_index ? e->head_to_index->new_file.path : NULL;
        if (!p) continue;
        if (*prefix) {
            size_t pl = strlen(prefix);
            if (strncmp(p, prefix, pl) != 0 || (p[pl] != '/' && p[pl] != 0)) continue;
        }
        /* the state directory is not configuration */
        if (!strncmp(p, ".stk/", 5) || strstr(p, "/.stk/")) continue;
        dirty = 1;
    }
    git_status_list_free(l);
    free(spec);
    return dirty;
}

static char *realdup(const char *p)
{
    char buf[PATH_MAX];
    return stk_xstrdup(realpath(p, buf) ? buf : p);
}

int stk_git_provenance(const char *dir, const char *rev, stk_git_info *info, stk_diags *d)
{
    memset(info, 0, sizeof *info);
    git_libgit2_init();
    int ret = -1;
    char *start = realdup(dir && *dir ? dir : ".");
    git_repository *r = NULL;
    git_object *obj = NULL;
    git_commit *c = NULL;
    git_reference *head = NULL, *br = NULL;
    if (git_repository_open_ext(&r, start, 0, NULL) != 0) {
        ret = 0;
        goto out;
    }
    if (!git_repository_workdir(r)) {
        stk_diags_error(d, NULL, "Bare git repository", "%s has no work tree", start);
        goto out;
    }
    info->workdir = realdup(git_repository_workdir(r));
    if (git_revparse_single(&obj, r, rev ? rev : "HEAD") != 0) {
        if (!rev && git_repository_head_unborn(r) == 1) {
            stk_diags_error(d, NULL, "No commit yet",
                          "the git repository at %s has no commits: commit the configuration first",
                          info->workdir);
        } else {
            git_err(d, "Unknown revision", rev ? rev : "HEAD");
        }
        goto out;
    }
    if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) != 0) {
        git_err(d, "Revision is not a commit", rev ? rev : "HEAD");
        goto out;
    }
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, git_commit_id(c));
    info->commit = stk_xstrdup(hex);
    const git_signature *a = git_commit_author(c);
    if (a) info->author = stk_xasprintf("%s <%s>", a->name ? a->name : "", a->email ? a->email : "");
    const char *sum = git_commit_summary(c);
    info->subject = stk_xstrdup(sum ? sum : "");

    /* the branch, and the ref "pushed" is measured against */
    if (!rev) {
        if (git_repository_head(&head, r) == 0 && git_reference_is_branch(head)) br = head, head = NULL;
    } else if (git_branch_lookup(&br, r, rev, GIT_BRANCH_LOCAL) != 0) {
        br = NULL;
    }
    if (br) {
        info->branch = stk_xstrdup(git_reference_shorthand(br));
        char *upn = upstream_ref(r, info->branch);
        if (upn) {
            info->upstream = upn;
            info->pushed = reachable_from(r, git_commit_id(c), upn);
        }
    }
    if (!info->upstream) info->pushed = any_remote_has(r, git_commit_id(c), &info->upstream);

    if (rev) {
        info->dirty = 0;   /* read from the object database, not the work tree */
    } else {
        /* the configuration directory relative to the work tree */
        size_t wl = strlen(info->workdir);
        while (wl > 1 && info->workdir[wl - 1] == '/') info->workdir[--wl] = 0;
        const char *prefix = "";
        if (strncmp(start, info->workdir, wl) == 0 && start[wl] == '/') prefix = start + wl + 1;
        int dd = tree_dirty(r, prefix, d);
        if (dd < 0) goto out;
        info->dirty = dd;
    }
    ret = 1;
out:
    if (ret != 1) {
        stk_git_info_free(info);
    }
    git_reference_free(br);
    git_reference_free(head);
    git_commit_free(c);
    git_object_free(obj);
    git_repository_free(r);
    free(start);
    git_libgit2_shutdown();
    return ret;
}

static int g_recorded;

int stk_git_provenance_recorded(void) { return g_recorded; }

int stk_git_record_provenance(const char *dir, const char *rev, stk_diags *d)
{
    g_recorded = 1;
    stk_git_info i;
    int rc = stk_git_provenance(dir, rev, &i, d);
    if (rc < 0) return -1;
    if (rc == 0) {
        stk_history_set_git(NULL, -1, NULL, NULL, NULL);
        return 0;
    }
    stk_history_set_git(i.commit, i.dirty, i.branch, i.author, i.subject);
    stk_git_info_free(&i);
    return 0;
}

/* ---- protected workspaces: <dir>/.stk/protected.json ---- */

static json_t *load_protected(const char *dir)
{
    char *p = stk_xasprintf("%s/.stk/protected.json", dir);
    json_t *j = json_load_file(p, 0, NULL);
    free(p);
    if (!j || !json_is_array(json_object_get(j, "protected"))) {
        json_decref(j);
        j = json_pack("{s:[]}", "protected");
    }
    return j;
}

int stk_git_is_protected(const char *dir, const char *workspace)
{
    json_t *j = load_protected(dir);
    json_t *a = json_object_get(j, "protected"), *v;
    size_t i;
    int found = 0;
    json_array_foreach(a, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), workspace)) found = 1;
    json_decref(j);
    return found;
}

int stk_git_set_protected(const char *dir, const char *workspace, int on, stk_diags *d)
{
    if (!stk_workspace_exists(dir, workspace)) {
        stk_diags_error(d, NULL, "No such workspace",
                      "workspace \"%s\" does not exist (stk workspace list)", workspace);
        return -1;
    }
    json_t *j = load_protected(dir);
    json_t *a = json_object_get(j, "protected"), *v;
    size_t i;
    json_t *n = json_array();
    json_array_foreach(a, i, v) if (json_is_string(v) && strcmp(json_string_value(v), workspace) != 0)
        json_array_append(n, v);
    if (on) json_array_append_new(n, json_string(workspace));
    json_object_set_new(j, "protected", n);
    char *sd = stk_xasprintf("%s/.stk", dir);
    mkdir(sd, 0755);
    char *p = stk_xasprintf("%s/protected.json", sd), *tmp = stk_xasprintf("%s.tmp", p);
    int rc = 0;
    if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, p) != 0) {
        stk_diags_error(d, NULL, "Cannot write protected.json", "%s: %s", p, strerror(errno));
        remove(tmp);
        rc = -1;
    }
    free(sd);
    free(p);
    free(tmp);
    json_decref(j);
    return rc;
}

int stk_git_check_workspace(const char *state_dir, const char *cfg_dir, const char *rev, const char *workspace,
                            int allow_dirty, stk_diags *d)
{
    char *cur = workspace ? NULL : stk_workspace_current(state_dir);
    const char *ws = workspace ? workspace : cur;
    int rc = 0;
    if (!stk_git_is_protected(state_dir, ws) || allow_dirty) goto out;
    stk_git_info i;
    int g = stk_git_provenance(cfg_dir, rev, &i, d);
    if (g < 0) {
        rc = -1;
    } else if (g == 0) {
        stk_diags_error(d, NULL, "Protected workspace outside git",
                      "workspace \"%s\" is protected: changes must come from a pushed git commit, but %s is "
                      "not in a git repository. Use -allow-dirty to override.", ws, cfg_dir);
        rc = -1;
    } else {
        if (i.dirty) {
            stk_diags_error(d, NULL, "Protected workspace: uncommitted changes",
                          "workspace \"%s\" is protected and the configuration in %s has uncommitted changes "
                          "(git status). Commit and push them, or use -allow-dirty to override.", ws, cfg_dir);
            rc = -1;
        } else if (!i.pushed) {
            stk_diags_error(d, NULL, "Protected workspace: commit not pushed",
                          "workspace \"%s\" is protected and commit %.12s is not reachable from %s. Push it "
                          "first, or use -allow-dirty to override.", ws, i.commit,
                          i.upstream ? i.upstream : "any remote-tracking branch (no upstream is set)");
            rc = -1;
        }
        stk_git_info_free(&i);
    }
out:
    free(cur);
    return rc;
}

int stk_git_check_protected_rev(const char *dir, const char *rev, const char *workspace, int allow_dirty,
                                stk_diags *d)
{
    return stk_git_check_workspace(dir, dir, rev, workspace, allow_dirty, d);
}

int stk_git_check_protected(const char *dir, const char *workspace, int allow_dirty, stk_diags *d)
{
    return stk_git_check_protected_rev(dir, NULL, workspace, allow_dirty, d);
}

/* ---- -env NAME ---- */

int stk_env_resolve(const stk_fs *fs, const char *dir, const char *name, char **cfg_dir, char **workspace,
                    char ***var_files, size_t *nvar_files, stk_diags *d)
{
    *cfg_dir = NULL;
    *workspace = NULL;
    *var_files = NULL;
    *nvar_files = 0;
    if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
        stk_diags_error(d, NULL, "Invalid environment name",
                      "-env takes the name of a directory under envs/, not \"%s\"", name);
        return -1;
    }
    char *envs = stk_path_join(dir && *dir ? dir : ".", "envs");
    char *cd = stk_path_join(envs, name);
    if (stk_fs_exists(fs, cd) != 2) {
        char **names = NULL;
        size_t n = 0;
        char *err = NULL;
        stk_strbuf b = STK_STRBUF_INIT;
        if (stk_fs_list(fs, envs, &names, &n, NULL, &err) == 0) {
            for (size_t i = 0; i < n; i++) stk_strbuf_printf(&b, "%s%s", i ? ", " : "", names[i]);
            stk_fs_names_free(names, n);
        }
        free(err);
        stk_diags_error(d, NULL, "No such environment", "-env %s: there is no directory %s%s%s", name,
                      cd, b.len ? "; environments here: " : " (and no envs/ layout here)", b.len ? b.s : "");
        stk_strbuf_free(&b);
        free(envs);
        free(cd);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    unsigned char *isdir = NULL;
    char *err = NULL;
    if (stk_fs_list(fs, cd, &names, &n, &isdir, &err) != 0) {
        stk_diags_error(d, NULL, "Cannot read the environment", "%s", err);
        free(err);
        free(envs);
        free(cd);
        return -1;
    }
    char **vf = stk_xcalloc(n + 1, sizeof *vf);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = names[i];
        size_t l = strlen(s);
        int tf = (l > 7 && !strcmp(s + l - 7, ".tfvars")) || (l > 12 && !strcmp(s + l - 12, ".tfvars.json"));
        int autoload = !strcmp(s, "terraform.tfvars") || !strcmp(s, "terraform.tfvars.json") ||
                       (l > 12 && !strcmp(s + l - 12, ".auto.tfvars")) ||
                       (l > 17 && !strcmp(s + l - 17, ".auto.tfvars.json"));
        if (!isdir[i] && tf && !autoload) vf[k++] = stk_path_join(cd, s);
    }
    stk_fs_names_free(names, n);
    free(isdir);
    free(envs);
    *cfg_dir = cd;
    *workspace = stk_xstrdup(name);
    *var_files = vf;
    *nvar_files = k;
    return 0;
}

/* ---- export a commit's tree (stk rollback) ---- */

int stk_git_export(const char *dir, const char *rev, char **tmp_root, char **cfg_dir, char **commit, stk_diags *d)
{
    *tmp_root = *cfg_dir = *commit = NULL;
    stk_fs *fs = stk_fs_git_open(dir, rev, commit, d);
    if (!fs) return -1;
    char *sub = stk_fs_git_tree_path(fs, dir && *dir ? dir : ".");
    stk_fs_git_close(fs);
    if (!sub) {
        stk_diags_error(d, NULL, "Directory outside the repository", "%s is not inside the git work tree", dir);
        free(*commit);
        *commit = NULL;
        return -1;
    }
    const char *t = getenv("TMPDIR");
    char *root = stk_xasprintf("%s/stk-rev-%.12s-XXXXXX", t && *t ? t : "/tmp", *commit);
    if (!mkdtemp(root)) {
        stk_diags_error(d, NULL, "Cannot create a temporary directory", "%s: %s", root, strerror(errno));
        free(root);
        free(sub);
        free(*commit);
        *commit = NULL;
        return -1;
    }
    git_libgit2_init();
    int rc = -1;
    git_repository *r = NULL;
    git_object *obj = NULL;
    char *start = realdup(dir && *dir ? dir : ".");
    if (git_repository_open_ext(&r, start, 0, NULL) != 0 || git_revparse_single(&obj, r, *commit) != 0) {
        git_err(d, "Cannot read the commit", *commit);
    } else {
        git_checkout_options o;
        git_checkout_options_init(&o, GIT_CHECKOUT_OPTIONS_VERSION);
        o.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
        o.target_directory = root;
        if (git_checkout_tree(r, obj, &o) != 0) git_err(d, "Cannot write the commit's files", root);
        else rc = 0;
    }
    git_object_free(obj);
    git_repository_free(r);
    git_libgit2_shutdown();
    free(start);
    if (rc) {
        stk_git_export_remove(root);
        free(root);
        free(sub);
        free(*commit);
        *commit = NULL;
        return -1;
    }
    *tmp_root = root;
    *cfg_dir = *sub ? stk_xasprintf("%s/%s", root, sub) : stk_xstrdup(root);
    free(sub);
    return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

void stk_git_export_remove(const char *tmp_root)
{
    if (tmp_root && strstr(tmp_root, "/stk-rev-")) nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
