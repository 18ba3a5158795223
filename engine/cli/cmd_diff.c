/* cmd_diff.c - `stk diff REV1 REV2 [DIR]`: what would change in the
 * infrastructure between two commits' definitions, configuration against
 * configuration, without state or AWS: both revisions are read from git
 * (engine/git/source.h), evaluated with unknowns allowed, and compared per
 * resource instance (engine/git/confdiff.h).  Exit codes as
 * `plan -detailed-exitcode`: 0 no differences, 2 differences, 1 error. */
#include "cli/cli.h"
#include "git/confdiff.h"
#include "git/source.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void help(void)
{
    printf("Usage: stk diff [options] REV1 REV2 [DIR]\n"
           "\n"
           "  Compare the configuration in DIR (default: the current directory) as\n"
           "  committed at REV1 with the one at REV2 (commits, tags, branches), read\n"
           "  from git without touching the work tree.  No state and no AWS calls:\n"
           "  lists the resource instances REV2 adds (+), removes (-) and changes (~),\n"
           "  with each changed attribute; values only known after apply show as\n"
           "  (known after apply).  Both sides get the same -var / -var-file inputs\n"
           "  and their own committed *.tfvars.\n"
           "\n"
           "  Exit status: 0 no differences, 2 differences, 1 error.\n"
           "\n"
           "Options:\n"
           "  -env=NAME           Compare the environment layout DIR/envs/NAME\n"
           "  -var 'name=value'   Set a root module variable (repeatable)\n"
           "  -var-file=FILE      Read variable values from FILE (repeatable)\n"
           "  -no-color           Do not use terminal colors\n");
}

static void git_source_cb(const char *path, const char *data, size_t len, void *ud)
{
    (void)ud;
    stk_cli_register_source(path, data, len);
}

typedef struct {
    stk_config_source src;
    stk_config *cfg;
    stk_evaluation *ev;
} side;

static int load_side(side *s, const char *dir, const char *rev, const char *env, const stk_vararg *args,
                     size_t nargs, stk_diags *d)
{
    memset(s, 0, sizeof *s);
    if (stk_config_source_open(&s->src, dir, rev, env, d)) return -1;
    s->cfg = stk_config_load(s->src.fs, s->src.cfg_dir, d);
    if (s->cfg && !stk_diags_has_errors(d)) {
        size_t nall = 0;
        stk_vararg *all = stk_config_source_args(&s->src, args, nargs, &nall);
        stk_var_inputs in = {all, nall, environ, s->src.varfile_fs};
        stk_config_set_vars(s->cfg, &in, d);
        free(all);
    }
    if (s->cfg && !stk_diags_has_errors(d)) {
        stk_eval_opts o = {0};
        o.validate_only = 1;
        o.workspace = s->src.workspace;
        s->ev = stk_config_evaluate(s->cfg, &o, d);
    }
    if (s->src.gitfs) stk_fs_git_each_read(s->src.gitfs, git_source_cb, NULL);
    return stk_diags_has_errors(d) || !s->ev ? -1 : 0;
}

static void free_side(side *s)
{
    if (s->ev) stk_evaluation_free(s->ev);
    if (s->cfg) stk_config_free(s->cfg);
    stk_config_source_close(&s->src);
}

int cmd_diff(int argc, char **argv)
{
    const char *pos[3] = {0};
    size_t npos = 0;
    const char *env = NULL;
    int no_color = 0;
    stk_vararg *args = stk_xcalloc((size_t)argc + 1, sizeof *args);
    size_t nargs = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            free(args);
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (stk_cli_opt(argc, argv, &i, "env", &v)) {
            env = v;
        } else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            args[nargs].kind = STK_VARARG_FILE;
            args[nargs++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            args[nargs].kind = STK_VARARG_VAR;
            args[nargs++].text = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s for diff\n\n", argv[i]);
            help();
            free(args);
            return STK_EXIT_ERROR;
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "Error: diff takes REV1 REV2 and at most one directory\n");
            free(args);
            return STK_EXIT_ERROR;
        }
    }
    if (npos < 2) {
        fprintf(stderr, "Error: diff needs two revisions: stk diff REV1 REV2 [DIR]\n");
        free(args);
        return STK_EXIT_ERROR;
    }
    int color = stk_cli_use_color(stdout, no_color);
    stk_diags d = STK_DIAGS_INIT;
    side a, b;
    int rc = STK_EXIT_ERROR;
    int la = load_side(&a, pos[2], pos[0], env, args, nargs, &d);
    int lb = la == 0 ? load_side(&b, pos[2], pos[1], env, args, nargs, &d) : -1;
    if (la == 0 && lb == 0) {
        stk_confdiff_entry *e = NULL;
        size_t n = stk_confdiff(a.ev, b.ev, &e);
        printf("Comparing %s (%.12s) with %s (%.12s)%s%s\n\n", pos[0], a.src.commit, pos[1], b.src.commit,
               env ? ", environment " : "", env ? env : "");
        size_t nadd = 0, nch = 0, nrm = 0;
        for (size_t i = 0; i < n; i++) {
            const char *c = !color ? "" : e[i].kind == '+' ? "\033[32m" : e[i].kind == '-' ? "\033[31m" : "\033[33m";
            const char *r = color ? "\033[0m" : "";
            if (e[i].kind == STK_CONFDIFF_ADD) nadd++;
            else if (e[i].kind == STK_CONFDIFF_REMOVE) nrm++;
            else nch++;
            if (e[i].kind != STK_CONFDIFF_CHANGE) {
                printf("%s%c%s %s\n", c, (char)e[i].kind, r, e[i].addr);
                continue;
            }
            for (size_t k = 0; k < e[i].nattrs; k++)
                printf("%s~%s %s: %s %s -> %s\n", c, r, e[i].addr, e[i].attrs[k].name, e[i].attrs[k].before,
                       e[i].attrs[k].after);
        }
        if (n == 0) printf("No differences: both revisions define the same infrastructure.\n");
        else printf("\nDiff: %zu to add, %zu to change, %zu to remove.\n", nadd, nch, nrm);
        stk_confdiff_free(e, n);
        rc = n ? STK_EXIT_CHANGES : STK_EXIT_OK;
    }
    if (la == 0) free_side(&b);
    free_side(&a);
    if (d.len) stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(&d);
    free(args);
    return rc;
}
