/* cmd_graph.c - `stk graph [-type=plan] [DIR]`: the dependency graph of the
 * configuration in Graphviz DOT (resources, data sources, module calls,
 * variables, locals, outputs, providers; each module drawn as a cluster),
 * so `stk graph | dot -Tsvg > graph.svg` draws the stack.  The apply and
 * destroy graph types arrive with the plan/apply issue. */
#include "cli/cli.h"
#include "config/config.h"
#include "git/source.h"
#include "graph/graph.h"
#include "util/fs_git.h"
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void help(void)
{
    printf("Usage: stk graph [options] [DIR]\n"
           "\n"
           "  Print the dependency graph of the configuration in DIR (default: the\n"
           "  current directory) in the DOT language.  Render it with Graphviz:\n"
           "    stk graph | dot -Tsvg > graph.svg\n"
           "\n"
           "Options:\n"
           "  -type=plan          The graph of the configuration (the default)\n"
           "  -type=apply         The apply walk: one node per resource instance\n"
           "  -type=destroy       The destroy walk: instances, edges reversed\n"
           "  -instances          One node per resource instance (count / for_each expanded\n"
           "                      after evaluating the configuration) instead of per block\n"
           "  -var 'name=value'   Set a root module variable (with -instances)\n"
           "  -var-file=FILE      Read variable values from FILE (with -instances)\n"
           "  -rev=REV            Read the configuration as committed at REV (commit, tag,\n"
           "                      branch) from git, ignoring uncommitted edits\n"
           "  -env=NAME           Use the environment layout DIR/envs/NAME\n"
           "  -no-color           Do not use terminal colors in error messages\n");
}

static void git_source_cb(const char *path, const char *data, size_t len, void *ud)
{
    (void)ud;
    stk_cli_register_source(path, data, len);
}

int cmd_graph(int argc, char **argv)
{
    const char *dir = NULL, *rev = NULL, *env = NULL;
    int no_color = 0, instances = 0, destroy = 0;
    stk_vararg args[64];
    size_t nargs = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            return STK_EXIT_OK;
        } else if (stk_cli_opt(argc, argv, &i, "type", &v)) {
            if (!strcmp(v, "apply")) {
                instances = 1;   /* the apply walk: one node per resource instance */
            } else if (!strcmp(v, "destroy")) {
                instances = 1, destroy = 1;   /* the destroy walk: the same edges reversed */
            } else if (strcmp(v, "plan") != 0) {
                fprintf(stderr, "Error: unknown graph type \"%s\": use plan, apply or destroy\n", v);
                return STK_EXIT_ERROR;
            }
        } else if (stk_cli_opt(argc, argv, &i, "rev", &v)) {
            rev = v;
        } else if (stk_cli_opt(argc, argv, &i, "env", &v)) {
            env = v;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (stk_cli_flag(argv[i], "instances")) {
            instances = 1;
        } else if (nargs < 64 && stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            args[nargs].kind = STK_VARARG_FILE;
            args[nargs++].text = v;
        } else if (nargs < 64 && stk_cli_opt(argc, argv, &i, "var", &v)) {
            args[nargs].kind = STK_VARARG_VAR;
            args[nargs++].text = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s for graph\n\n", argv[i]);
            help();
            return STK_EXIT_ERROR;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "Error: graph takes at most one directory argument\n");
            return STK_EXIT_ERROR;
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_config_source src;
    stk_config *c = NULL;
    if (stk_config_source_open(&src, dir, rev, env, &d) == 0) c = stk_config_load(src.fs, src.cfg_dir, &d);
    stk_graph *g = NULL;
    stk_evaluation *ev = NULL;
    if (c && instances) {
        size_t nall = 0;
        stk_vararg *all = stk_config_source_args(&src, args, nargs, &nall);
        stk_var_inputs in = {all, nall, environ, src.varfile_fs};
        stk_config_set_vars(c, &in, &d);
        free(all);
        stk_eval_opts o = {0};
        o.validate_only = 1;
        ev = stk_config_evaluate(c, &o, &d);
        g = stk_evaluation_instance_graph(ev, &d);
        if (g && destroy) {   /* deletes run in reverse dependency order */
            stk_graph *r = stk_graph_new();
            size_t n = stk_graph_count(g);
            for (size_t k = 0; k < n; k++) {
                stk_graph_node *nd = stk_graph_node_at(g, k);
                stk_graph_add(r, nd->id, nd->label, nd->cluster, nd->kind, &nd->range, nd->data);
            }
            for (size_t k = 0; k < n; k++) {
                stk_graph_node *nd = stk_graph_node_at(g, k);
                for (size_t e = 0; e < nd->ndeps; e++) stk_graph_depend(r, nd->deps[e], k);
            }
            stk_graph_free(g);
            g = r;
        }
    } else if (c) {
        g = stk_config_build_display_graph(c, &d);
    }
    if (g) {
        size_t *order = NULL;
        stk_graph_toposort(g, &order, &d);   /* reports cycles */
        free(order);
    }
    int rc = STK_EXIT_OK;
    if (stk_diags_has_errors(&d) || !g) {
        rc = STK_EXIT_ERROR;
    } else {
        char *dot = stk_graph_to_dot(g, stk_config_node_shape);
        fputs(dot, stdout);
        free(dot);
    }
    if (src.gitfs) stk_fs_git_each_read(src.gitfs, git_source_cb, NULL);
    stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(&d);
    stk_graph_free(g);
    stk_evaluation_free(ev);
    stk_config_free(c);
    stk_config_source_close(&src);
    return rc;
}
