/* cmd_history.c - `stk history`: the applies and other state changes of a
 * workspace, newest last, with the git commit each was made from (the
 * provenance columns of state/history.h, filled by engine/git).  One line
 * per state-changing command: serial, time, who, short commit with "*"
 * when the tree was dirty, command line, summary. */
#include "cli/cli.h"
#include "state/history.h"
#include "state/session.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("Usage: stk history [options]\n"
           "\n"
           "  List the applies and other state changes of the selected workspace:\n"
           "  serial, time, who, the git commit the configuration came from (short;\n"
           "  \"*\" marks a dirty work tree, \"-\" no git repository), the command\n"
           "  and its summary.\n"
           "\n"
           "Options:\n"
           "  -workspace=NAME   Another workspace than the selected one\n"
           "  -json             One JSON array with every field (full commit, branch,\n"
           "                    author, subject)\n"
           "  -no-color         Do not use terminal colors\n");
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

int cmd_history(int argc, char **argv)
{
    const char *ws = NULL;
    int json_out = 0, no_color = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "json")) {
            json_out = 1;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (stk_cli_opt(argc, argv, &i, "workspace", &v)) {
            ws = v;
        } else {
            fprintf(stderr, "Error: unknown argument %s for history\n\n", argv[i]);
            help();
            return STK_EXIT_ERROR;
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    stk_session_opts o = {0};
    o.operation = "history";
    o.no_lock = 1;
    o.workspace = ws;
    int rc = stk_session_open(".", &o, &s, &d);
    stk_history_entry *h = NULL;
    size_t n = 0;
    if (rc == 0) {
        rc = stk_history_list(s.st, &h, &n, &d);
        stk_session_close(&s);
    }
    if (rc == 0 && json_out) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "serial", (json_int_t)h[i].serial,
                                  "time", jstr(h[i].at), "who", jstr(h[i].who), "command", jstr(h[i].command),
                                  "summary", jstr(h[i].plan_summary), "commit", jstr(h[i].git_commit), "dirty",
                                  h[i].git_dirty < 0 ? json_null() : json_boolean(h[i].git_dirty), "branch",
                                  jstr(h[i].git_branch), "author", jstr(h[i].git_author), "subject",
                                  jstr(h[i].git_subject));
            json_array_append_new(a, e);
        }
        char *t = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", t);
        free(t);
        json_decref(a);
    } else if (rc == 0) {
        if (n == 0) printf("No state changes recorded yet in this workspace.\n");
        else printf("%-6s %-20s %-22s %-9s %s\n", "SERIAL", "TIME", "WHO", "COMMIT", "COMMAND / SUMMARY");
        for (size_t i = 0; i < n; i++) {
            char commit[16];
            if (h[i].git_commit)
                snprintf(commit, sizeof commit, "%.7s%s", h[i].git_commit, h[i].git_dirty > 0 ? "*" : "");
            else snprintf(commit, sizeof commit, "-");
            printf("%-6lld %-20s %-22s %-9s %s", (long long)h[i].serial, h[i].at ? h[i].at : "-",
                   h[i].who ? h[i].who : "-", commit, h[i].command ? h[i].command : "");
            if (h[i].plan_summary && *h[i].plan_summary) {
                /* first line of the summary */
                const char *nl = strchr(h[i].plan_summary, '\n');
                int len = nl ? (int)(nl - h[i].plan_summary) : (int)strlen(h[i].plan_summary);
                printf("  [%.*s]", len, h[i].plan_summary);
            }
            if (h[i].git_subject) printf("  (%s)", h[i].git_subject);
            putchar('\n');
        }
    }
    stk_history_entries_free(h, n);
    if (d.len) stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(&d);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}
