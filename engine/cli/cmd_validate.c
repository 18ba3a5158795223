/* cmd_validate.c - `stk validate [options] [DIR]`: load the configuration,
 * gather variable values, evaluate everything with unknowns allowed and
 * check every rule of engine/config; print the diagnostics (or Terraform's
 * validate JSON with -json).  Exit 0 when valid, 1 otherwise. */
#include "cli/cli.h"
#include "config/config.h"
#include "git/source.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void help(void)
{
    printf("Usage: stk validate [options] [DIR]\n"
           "\n"
           "  Check that the configuration in DIR (default: the current directory) is\n"
           "  valid: syntax, references, types, module inputs and outputs, resource\n"
           "  types, count/for_each, variable validation rules.  Values that are only\n"
           "  known after apply are treated as unknown.\n"
           "\n"
           "Options:\n"
           "  -json               Print the result as JSON (Terraform's validate format)\n"
           "  -no-color           Do not use terminal colors (also NO_COLOR=1)\n"
           "  -var 'name=value'   Set a root module variable (repeatable)\n"
           "  -var-file=FILE      Read variable values from FILE (repeatable)\n"
           "  -rev=REV            Validate the configuration as committed at REV (commit,\n"
           "                      tag, branch) read from git, ignoring uncommitted edits\n"
           "  -env=NAME           Use the environment layout DIR/envs/NAME\n");
}

static void git_source_cb(const char *path, const char *data, size_t len, void *ud)
{
    (void)ud;
    stk_cli_register_source(path, data, len);
}

static json_t *pos_json(const stk_pos *p)
{
    return json_pack("{s:i,s:i,s:I}", "line", p->line, "column", p->col, "byte", (json_int_t)p->byte);
}

static void print_json(const stk_diags *d)
{
    size_t ne = stk_diags_count(d, STK_DIAG_ERROR), nw = stk_diags_count(d, STK_DIAG_WARNING);
    json_t *arr = json_array();
    for (size_t i = 0; i < d->len; i++) {
        const stk_diag *g = &d->items[i];
        json_t *o = json_pack("{s:s,s:s,s:s}", "severity", g->severity == STK_DIAG_ERROR ? "error" : "warning",
                              "summary", g->summary, "detail", g->detail ? g->detail : "");
        if (g->subject.filename) {
            json_object_set_new(o, "range", json_pack("{s:s,s:o,s:o}", "filename", g->subject.filename, "start",
                                                      pos_json(&g->subject.start), "end", pos_json(&g->subject.end)));
            char *ctx = NULL;
            size_t hs = 0, he = 0;
            char *code = stk_cli_snippet(&g->subject, &ctx, &hs, &he);
            if (code) {
                json_object_set_new(o, "snippet",
                                    json_pack("{s:o,s:s,s:i,s:I,s:I,s:[]}", "context",
                                              ctx ? json_string(ctx) : json_null(), "code", code, "start_line",
                                              g->subject.start.line, "highlight_start_offset", (json_int_t)hs,
                                              "highlight_end_offset", (json_int_t)he, "values"));
            }
            free(code);
            free(ctx);
        }
        json_array_append_new(arr, o);
    }
    json_t *root = json_pack("{s:s,s:b,s:I,s:I,s:o}", "format_version", "1.0", "valid", ne == 0, "error_count",
                             (json_int_t)ne, "warning_count", (json_int_t)nw, "diagnostics", arr);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
    json_decref(root);
}

int cmd_validate(int argc, char **argv)
{
    int json = 0, no_color = 0;
    const char *dir = NULL, *rev = NULL, *env = NULL;
    stk_vararg *args = stk_xcalloc((size_t)argc + 1, sizeof *args);
    size_t nargs = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            free(args);
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "json")) {
            json = 1;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (stk_cli_opt(argc, argv, &i, "rev", &v)) {
            rev = v;
        } else if (stk_cli_opt(argc, argv, &i, "env", &v)) {
            env = v;
        } else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            args[nargs].kind = STK_VARARG_FILE;
            args[nargs++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            args[nargs].kind = STK_VARARG_VAR;
            args[nargs++].text = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s for validate\n\n", argv[i]);
            help();
            free(args);
            return STK_EXIT_ERROR;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "Error: validate takes at most one directory argument\n");
            free(args);
            return STK_EXIT_ERROR;
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_config_source src;
    if (stk_config_source_open(&src, dir, rev, env, &d) == 0) {
        size_t nall = 0;
        stk_vararg *all = stk_config_source_args(&src, args, nargs, &nall);
        stk_var_inputs in = {all, nall, environ, src.varfile_fs};
        stk_config_validate_dir(src.fs, src.cfg_dir, &in, &d);
        if (src.gitfs) stk_fs_git_each_read(src.gitfs, git_source_cb, NULL);
        free(all);
    }
    int ok = !stk_diags_has_errors(&d);
    if (json) {
        print_json(&d);
    } else {
        int color = stk_cli_use_color(stderr, no_color);
        stk_cli_print_diags(stderr, &d, color);
        if (ok) {
            int ocolor = stk_cli_use_color(stdout, no_color);
            const char *msg = d.len ? "Success! The configuration is valid, but there were some validation "
                                      "warnings as shown above."
                                    : "Success! The configuration is valid.";
            if (ocolor) printf("\033[1;32m%s\033[0m\n", msg);
            else printf("%s\n", msg);
        }
    }
    stk_diags_free(&d);
    stk_config_source_close(&src);
    free(args);
    return ok ? STK_EXIT_OK : STK_EXIT_ERROR;
}
