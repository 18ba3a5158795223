/* test_git.c - unit tests of the git integration: the commit-reading fs
 * (util/fs_git.h), provenance, protected workspaces and -env resolution
 * (git/provenance.h).  Each test builds a real repository in a temp dir
 * with libgit2 (commits made from files written to the work tree). */
#include "test.h"
#include "git/confdiff.h"
#include "git/provenance.h"
#include "git/source.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[4096];

static void put(const char *rel, const char *text)
{
    char *p = stk_xasprintf("%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    free(p);
}

/* commit everything in the work tree; returns the 40-hex id (static) */
static const char *commit_all(git_repository *r, const char *msg)
{
    static char hex[GIT_OID_HEXSZ + 1];
    git_index *idx;
    git_oid tree_id, cid, parent_id;
    git_tree *tree;
    git_signature *sig;
    git_repository_index(&idx, r);
    git_index_add_all(idx, NULL, 0, NULL, NULL);
    git_index_write(idx);
    git_index_write_tree(&tree_id, idx);
    git_index_free(idx);
    git_tree_lookup(&tree, r, &tree_id);
    git_signature_new(&sig, "Unit Tester", "unit@example.com", 1700000000, 0);
    git_commit *parent = NULL;
    if (git_reference_name_to_id(&parent_id, r, "HEAD") == 0) git_commit_lookup(&parent, r, &parent_id);
    const git_commit *parents[1] = {parent};
    git_commit_create(&cid, r, "HEAD", sig, sig, NULL, msg, tree, parent ? 1 : 0, parents);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    git_oid_tostr(hex, sizeof hex, &cid);
    return hex;
}

static git_repository *new_repo(void)
{
    strcpy(root, "/tmp/stk-test-git-XXXXXX");
    if (!mkdtemp(root)) return NULL;
    char real[PATH_MAX];
    if (realpath(root, real) && strlen(real) < sizeof root) memcpy(root, real, strlen(real) + 1);
    git_repository *r = NULL;
    git_repository_init(&r, root, 0);
    git_repository_set_head(r, "refs/heads/main");
    return r;
}

static void rm_tree(void)
{
    char *cmd = stk_xasprintf("rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", root);
    free(cmd);
}

static char *rd(const stk_fs *fs, const char *path)
{
    char *data = NULL, *err = NULL;
    size_t len;
    if (stk_fs_read(fs, path, &data, &len, &err) != 0) {
        free(err);
        return NULL;
    }
    return data;
}

static void test_fs_git_reads_commits_not_worktree(void)
{
    git_libgit2_init();
    git_repository *r = new_repo();
    put("cfg/main.tf", "v = 1\n");
    put("cfg/sub/a.txt", "A\n");
    put("modules/m/main.tf", "m = 1\n");
    char a[64];
    strcpy(a, commit_all(r, "first"));
    put("cfg/main.tf", "v = 2\n");
    put("cfg/b.tf", "b\n");
    char b[64];
    strcpy(b, commit_all(r, "second"));
    put("cfg/main.tf", "v = DIRTY\n");        /* uncommitted */
    put("cfg/untracked.tf", "u\n");

    char *cfg = stk_xasprintf("%s/cfg", root);
    stk_diags d = STK_DIAGS_INIT;
    char *resolved = NULL;
    stk_fs *fa = stk_fs_git_open(cfg, a, &resolved, &d);
    CHECK(fa != NULL);
    CHECK_STR(resolved, a);
    char *p = stk_xasprintf("%s/main.tf", cfg);
    char *t = rd(fa, p);
    CHECK_STR(t, "v = 1\n");
    free(t);
    char *q = stk_xasprintf("%s/b.tf", cfg);
    CHECK_INT(stk_fs_exists(fa, q), 0);           /* only in the second commit */
    CHECK_INT(stk_fs_exists(fa, cfg), 2);
    char *mod = stk_xasprintf("%s/../modules/m/main.tf", cfg);
    t = rd(fa, mod);                               /* ../ leaves the config dir, not the repo */
    CHECK_STR(t, "m = 1\n");
    free(t);
    CHECK_INT(stk_fs_exists(fa, "/etc/passwd"), 0);   /* outside the work tree */
    char *err = NULL, *data = NULL;
    size_t len;
    CHECK_INT(stk_fs_read(fa, "/etc/passwd", &data, &len, &err), -1);
    CHECK(err && strstr(err, "outside the git work tree"));
    free(err);
    char *tp = stk_fs_git_tree_path(fa, p);
    CHECK_STR(tp, "cfg/main.tf");
    free(tp);
    stk_fs_git_close(fa);
    free(resolved);

    stk_fs *fb = stk_fs_git_open(cfg, "HEAD", &resolved, &d);
    CHECK(fb != NULL);
    CHECK_STR(resolved, b);
    t = rd(fb, p);
    CHECK_STR(t, "v = 2\n");                       /* not "DIRTY" */
    free(t);
    CHECK_INT(stk_fs_exists(fb, q), 1);
    char *u = stk_xasprintf("%s/untracked.tf", cfg);
    CHECK_INT(stk_fs_exists(fb, u), 0);
    char **names = NULL;
    unsigned char *isdir = NULL;
    size_t n = 0;
    CHECK_INT(stk_fs_list(fb, cfg, &names, &n, &isdir, &err), 0);
    CHECK_INT(n, 3);                               /* b.tf main.tf sub, byte order */
    if (n == 3) {
        CHECK_STR(names[0], "b.tf");
        CHECK_STR(names[1], "main.tf");
        CHECK_STR(names[2], "sub");
        CHECK(!isdir[0] && !isdir[1] && isdir[2]);
        stk_fs_names_free(names, n);
        free(isdir);
    }
    CHECK_INT(stk_fs_list(fb, p, &names, &n, NULL, &err), -1);   /* a file is not a directory */
    free(err);
    /* the tag / short id / HEAD~1 forms */
    stk_fs_git_close(fb);
    free(resolved);
    char shortid[9];
    snprintf(shortid, sizeof shortid, "%.8s", a);
    stk_fs *fc = stk_fs_git_open(cfg, "HEAD~1", &resolved, &d);
    CHECK(fc && resolved && !strcmp(resolved, a));
    stk_fs_git_close(fc);
    free(resolved);
    fc = stk_fs_git_open(cfg, shortid, &resolved, &d);
    CHECK(fc && resolved && !strcmp(resolved, a));
    stk_fs_git_close(fc);
    free(resolved);
    CHECK(!stk_diags_has_errors(&d));
    CHECK(stk_fs_git_open(cfg, "no-such-branch", NULL, &d) == NULL);
    CHECK(stk_diags_has_errors(&d));
    CHECK(d.len && strstr(d.items[0].summary, "Unknown revision"));
    stk_diags_free(&d);
    free(p);
    free(q);
    free(u);
    free(mod);
    free(cfg);
    git_repository_free(r);
    rm_tree();
    git_libgit2_shutdown();
}

static void test_fs_git_not_a_repo(void)
{
    stk_diags d = STK_DIAGS_INIT;
    char dir[] = "/tmp/stk-test-nogit-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(stk_fs_git_open(dir, "HEAD", NULL, &d) == NULL);
    CHECK(d.len && strstr(d.items[0].summary, "Not in a git repository"));
    stk_git_info i;
    CHECK_INT(stk_git_provenance(dir, NULL, &i, &d), 0);
    CHECK(i.commit == NULL);
    rmdir(dir);
    stk_diags_free(&d);
}

static void test_provenance(void)
{
    git_libgit2_init();
    git_repository *r = new_repo();
    put("cfg/main.tf", "v = 1\n");
    put("other/x.tf", "x\n");
    char a[64];
    strcpy(a, commit_all(r, "Network: first cut\n\nlonger body"));
    char *cfg = stk_xasprintf("%s/cfg", root);
    stk_diags d = STK_DIAGS_INIT;
    stk_git_info i;
    CHECK_INT(stk_git_provenance(cfg, NULL, &i, &d), 1);
    CHECK_STR(i.commit, a);
    CHECK_INT(i.dirty, 0);
    CHECK_STR(i.branch, "main");
    CHECK_STR(i.author, "Unit Tester <unit@example.com>");
    CHECK_STR(i.subject, "Network: first cut");
    CHECK_INT(i.pushed, 0);                        /* no remote at all */
    stk_git_info_free(&i);

    put("other/x.tf", "changed\n");                /* outside the config dir */
    put("cfg/.stk/default.db", "state\n");         /* the state directory */
    CHECK_INT(stk_git_provenance(cfg, NULL, &i, &d), 1);
    CHECK_INT(i.dirty, 0);
    stk_git_info_free(&i);
    put("cfg/new.tf", "n\n");                      /* untracked in the config dir */
    CHECK_INT(stk_git_provenance(cfg, NULL, &i, &d), 1);
    CHECK_INT(i.dirty, 1);
    stk_git_info_free(&i);
    CHECK_INT(stk_git_provenance(cfg, a, &i, &d), 1);   /* --rev: never dirty */
    CHECK_INT(i.dirty, 0);
    stk_git_info_free(&i);

    /* a remote-tracking ref at the commit: pushed; a newer commit: not */
    git_oid oid;
    git_oid_fromstr(&oid, a);
    git_reference *ref = NULL;
    CHECK_INT(git_reference_create(&ref, r, "refs/remotes/origin/main", &oid, 1, NULL), 0);
    git_reference_free(ref);
    CHECK_INT(stk_git_provenance(cfg, NULL, &i, &d), 1);
    CHECK_INT(i.pushed, 1);
    CHECK_STR(i.upstream, "refs/remotes/origin/main");
    stk_git_info_free(&i);
    char b[64];
    strcpy(b, commit_all(r, "second"));
    CHECK_INT(stk_git_provenance(cfg, NULL, &i, &d), 1);
    CHECK_STR(i.commit, b);
    CHECK_INT(i.pushed, 0);
    CHECK_INT(i.dirty, 0);
    stk_git_info_free(&i);

    /* protected workspaces: the flag file and the refusal */
    CHECK_INT(stk_git_is_protected(cfg, "default"), 0);
    CHECK_INT(stk_git_set_protected(cfg, "default", 1, &d), 0);
    CHECK_INT(stk_git_is_protected(cfg, "default"), 1);
    CHECK_INT(stk_git_check_protected(cfg, "default", 0, &d), -1);    /* not pushed */
    CHECK(d.len && strstr(d.items[d.len - 1].summary, "not pushed"));
    stk_diags_free(&d);
    CHECK_INT(stk_git_check_protected(cfg, "default", 1, &d), 0);     /* -allow-dirty */
    git_oid_fromstr(&oid, b);
    CHECK_INT(git_reference_create(&ref, r, "refs/remotes/origin/main", &oid, 1, NULL), 0);
    git_reference_free(ref);
    CHECK_INT(stk_git_check_protected(cfg, "default", 0, &d), 0);     /* clean and pushed */
    put("cfg/main.tf", "v = 3\n");
    CHECK_INT(stk_git_check_protected(cfg, "default", 0, &d), -1);
    CHECK(d.len && strstr(d.items[d.len - 1].summary, "uncommitted"));
    stk_diags_free(&d);
    CHECK_INT(stk_git_check_protected_rev(cfg, b, "default", 0, &d), 0);   /* the commit, not the tree */
    CHECK_INT(stk_git_set_protected(cfg, "default", 0, &d), 0);
    CHECK_INT(stk_git_check_protected(cfg, "default", 0, &d), 0);
    CHECK_INT(stk_git_set_protected(cfg, "nosuch", 1, &d), -1);
    stk_diags_free(&d);
    free(cfg);
    git_repository_free(r);
    rm_tree();
    git_libgit2_shutdown();
}

static void test_env_resolve(void)
{
    git_libgit2_init();
    git_repository *r = new_repo();
    put("envs/prod/main.tf", "x\n");
    put("envs/prod/terraform.tfvars", "a = 1\n");
    put("envs/prod/extra.tfvars", "b = 1\n");
    put("envs/prod/z.auto.tfvars", "c = 1\n");
    put("envs/staging/main.tf", "x\n");
    char a[64];
    strcpy(a, commit_all(r, "envs"));
    put("envs/prod/late.tfvars", "d = 1\n");      /* not committed */
    stk_diags d = STK_DIAGS_INIT;
    char *cd = NULL, *ws = NULL, **vf = NULL;
    size_t nvf = 0;
    CHECK_INT(stk_env_resolve(stk_fs_os(), root, "prod", &cd, &ws, &vf, &nvf, &d), 0);
    char *want = stk_xasprintf("%s/envs/prod", root);
    CHECK_STR(cd, want);
    CHECK_STR(ws, "prod");
    CHECK_INT(nvf, 2);                             /* extra.tfvars late.tfvars */
    if (nvf == 2) CHECK(strstr(vf[0], "extra.tfvars") && strstr(vf[1], "late.tfvars"));
    free(cd);
    free(ws);
    stk_fs_names_free(vf, nvf);
    stk_fs *g = stk_fs_git_open(root, a, NULL, &d);
    CHECK(g != NULL);
    CHECK_INT(stk_env_resolve(g, root, "prod", &cd, &ws, &vf, &nvf, &d), 0);
    CHECK_INT(nvf, 1);                             /* the commit has no late.tfvars */
    free(cd);
    free(ws);
    stk_fs_names_free(vf, nvf);
    CHECK(!stk_diags_has_errors(&d));
    CHECK_INT(stk_env_resolve(g, root, "qa", &cd, &ws, &vf, &nvf, &d), -1);
    CHECK(d.len && d.items[0].detail && strstr(d.items[0].detail, "prod, staging"));
    CHECK_INT(stk_env_resolve(g, root, "../x", &cd, &ws, &vf, &nvf, &d), -1);
    stk_fs_git_close(g);
    stk_diags_free(&d);
    free(want);
    git_repository_free(r);
    rm_tree();
    git_libgit2_shutdown();
}

/* the configuration loader through fs_git: modules and file() from the
   commit; then the two commits compared with stk_confdiff */
static stk_evaluation *eval_at(const char *dir, const char *rev, stk_config_source *src, stk_config **c,
                               stk_diags *d)
{
    *c = NULL;
    if (stk_config_source_open(src, dir, rev, NULL, d)) return NULL;
    *c = stk_config_load(src->fs, src->cfg_dir, d);
    if (!*c) return NULL;
    stk_var_inputs in = {NULL, 0, NULL, src->fs};
    stk_config_set_vars(*c, &in, d);
    stk_eval_opts o = {0};
    o.validate_only = 1;
    return stk_config_evaluate(*c, &o, d);
}

static void test_config_from_commits_and_confdiff(void)
{
    git_libgit2_init();
    git_repository *r = new_repo();
    put("mod/main.tf", "variable \"cidr\" {}\nresource \"aws_vpc\" \"v\" {\n  cidr_block = var.cidr\n}\n"
                       "output \"m\" { value = \"mod-A\" }\n");
    put("cfg/main.tf", "variable \"cidr\" { default = \"10.0.0.0/16\" }\n"
                       "module \"n\" {\n  source = \"../mod\"\n  cidr = var.cidr\n}\n"
                       "output \"f\" { value = file(\"${path.module}/f.txt\") }\n"
                       "output \"m\" { value = module.n.m }\n");
    put("cfg/f.txt", "file-A");
    put("cfg/iam.tf", "resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n"
                      "  assume_role_policy = \"{\\\"a\\\": 1, \\\"b\\\": [2]}\"\n}\n");
    char a[64];
    strcpy(a, commit_all(r, "A"));
    put("cfg/terraform.tfvars", "cidr = \"10.1.0.0/16\"\n");
    /* the same policy reformatted: not a difference (the plan engine's JSON comparison) */
    put("cfg/iam.tf", "resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n"
                      "  assume_role_policy = \"{\\\"b\\\":[2],\\\"a\\\":1}\"\n}\n");
    put("cfg/extra.tf", "resource \"aws_vpc\" \"w\" {\n  cidr_block = \"10.2.0.0/16\"\n}\n");
    char b[64];
    strcpy(b, commit_all(r, "B"));
    put("cfg/f.txt", "file-DIRTY");
    put("mod/main.tf", "variable \"cidr\" {}\noutput \"m\" { value = \"mod-DIRTY\" }\n");

    char *cfg = stk_xasprintf("%s/cfg", root);
    stk_diags d = STK_DIAGS_INIT;
    stk_config_source sa, sb;
    stk_config *ca, *cb;
    stk_evaluation *ea = eval_at(cfg, a, &sa, &ca, &d);
    stk_evaluation *eb = eval_at(cfg, "HEAD", &sb, &cb, &d);
    CHECK(!stk_diags_has_errors(&d));
    for (size_t i = 0; i < d.len; i++) fprintf(stderr, "diag: %s: %s\n", d.items[i].summary, d.items[i].detail);
    CHECK(ea && eb);
    if (ea && eb) {
        stk_value *f = stk_evaluation_output(ea, "f"), *m = stk_evaluation_output(eb, "m");
        CHECK(f && !strcmp(stk_value_str(f), "file-A"));
        CHECK(m && !strcmp(stk_value_str(m), "mod-A"));   /* module of commit B, not the dirty one */
        stk_confdiff_entry *e = NULL;
        size_t n = stk_confdiff(ea, eb, &e);
        CHECK_INT(n, 2);
        int saw_change = 0, saw_add = 0;
        for (size_t i = 0; i < n; i++) {
            if (e[i].kind == STK_CONFDIFF_CHANGE && !strcmp(e[i].addr, "module.n.aws_vpc.v")) {
                for (size_t k = 0; k < e[i].nattrs; k++)
                    if (!strcmp(e[i].attrs[k].name, "cidr_block") && !strcmp(e[i].attrs[k].before, "\"10.0.0.0/16\"") &&
                        !strcmp(e[i].attrs[k].after, "\"10.1.0.0/16\""))
                        saw_change = 1;
                CHECK_INT(e[i].nattrs, 1);   /* only cidr_block; unknown ids are not differences */
            }
            if (e[i].kind == STK_CONFDIFF_ADD && !strcmp(e[i].addr, "aws_vpc.w")) saw_add = 1;
        }
        CHECK(saw_change);
        CHECK(saw_add);
        stk_confdiff_free(e, n);
        n = stk_confdiff(eb, eb, &e);
        CHECK_INT(n, 0);
        stk_confdiff_free(e, n);
    }
    if (ea) stk_evaluation_free(ea);
    if (eb) stk_evaluation_free(eb);
    stk_config_free(ca);
    stk_config_free(cb);
    stk_config_source_close(&sa);
    stk_config_source_close(&sb);
    stk_diags_free(&d);
    free(cfg);
    git_repository_free(r);
    rm_tree();
    git_libgit2_shutdown();
}

int main(void)
{
    STK_RUN(test_fs_git_reads_commits_not_worktree);
    STK_RUN(test_fs_git_not_a_repo);
    STK_RUN(test_provenance);
    STK_RUN(test_env_resolve);
    STK_RUN(test_config_from_commits_and_confdiff);
    return stk_test_report();
}
