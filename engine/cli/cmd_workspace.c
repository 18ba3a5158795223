/* cmd_workspace.c - `stk workspace list|new|select|delete|show`, as
 * `terraform workspace`: several named states for one configuration
 * (state/workspace.h). */
#include "cli/cli.h"
#include "cli/backend_cli.h"
#include "git/provenance.h"
#include "state/lock.h"
#include "state/workspace.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ws_usage(FILE *f)
{
    fprintf(f, "Usage: stk workspace <subcommand> [options] [NAME]\n\n"
               "  Manage workspaces: several independent states of one configuration\n"
               "  (.stk/<name>.db). The selected one is kept in .stk/environment;\n"
               "  the STK_WORKSPACE environment variable overrides it.\n\n"
               "Subcommands:\n"
               "  list                 List workspaces; the selected one is marked *\n"
               "  show                 Print the selected workspace's name\n"
               "  new NAME             Create a workspace and select it\n"
               "  select NAME          Select a workspace\n"
               "  delete [-force] NAME Delete a workspace (refused when its state is not\n"
               "                       empty, unless -force; \"default\" and the selected\n"
               "                       workspace cannot be deleted)\n"
               "  protect NAME         Mark a workspace protected (kept in .stk/protected.json):\n"
               "                       state changes to it are refused from a dirty git tree\n"
               "                       or an unpushed commit, unless -allow-dirty is given\n"
               "  unprotect NAME       Remove the mark\n");
}

static int done(stk_diags *d, int rc)
{
    if (d->len) stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, 0));
    stk_diags_free(d);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

int cmd_workspace(int argc, char **argv)
{
    if (argc < 2) {
        ws_usage(stderr);
        return STK_EXIT_ERROR;
    }
    if (stk_cli_is_help(argv[1])) {
        ws_usage(stdout);
        return STK_EXIT_OK;
    }
    const char *sub = argv[1];
    int force = 0;
    long timeout = 0;
    const char *name = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            ws_usage(stdout);
            return STK_EXIT_OK;
        }
        if (stk_cli_flag(argv[i], "force")) {
            force = 1;
            continue;
        }
        if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &timeout) != 0) {
                fprintf(stderr, "Error: invalid -lock-timeout \"%s\"\n", v);
                return STK_EXIT_ERROR;
            }
            continue;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "Error: unknown option %s for `stk workspace %s`\n", argv[i], sub);
            return STK_EXIT_ERROR;
        }
        if (name) {
            fprintf(stderr, "Error: `stk workspace %s` takes one name\n", sub);
            return STK_EXIT_ERROR;
        }
        name = argv[i];
    }
    stk_diags d = STK_DIAGS_INIT;
    int needs_name = !strcmp(sub, "new") || !strcmp(sub, "select") || !strcmp(sub, "delete") ||
                     !strcmp(sub, "protect") || !strcmp(sub, "unprotect");
    if (needs_name && !name) {
        fprintf(stderr, "Error: `stk workspace %s` needs a NAME\n", sub);
        return STK_EXIT_ERROR;
    }
    if (!needs_name && name) {
        fprintf(stderr, "Error: `stk workspace %s` takes no arguments\n", sub);
        return STK_EXIT_ERROR;
    }
    if (!strcmp(sub, "show")) {
        char *cur = stk_workspace_current(".");
        printf("%s\n", cur);
        free(cur);
        return STK_EXIT_OK;
    }
    if (!strcmp(sub, "list")) {
        char **names;
        size_t n;
        if (stk_workspace_list(".", &names, &n, &d)) return done(&d, -1);
        char *cur = stk_workspace_current(".");
        for (size_t i = 0; i < n; i++) printf("%s %s\n", strcmp(names[i], cur) == 0 ? "*" : " ", names[i]);
        free(cur);
        stk_workspace_names_free(names, n);
        return done(&d, 0);
    }
    if (!strcmp(sub, "new")) {
        int rc = stk_workspace_new(".", name, &d);
        if (rc == 0) rc = stk_workspace_select(".", name, &d);
        if (rc == 0)
            printf("Created and switched to workspace \"%s\"!\n\n"
                   "You're now on a new, empty workspace. Workspaces isolate their state,\n"
                   "so if you run \"stk plan\" stk will not see any existing state\n"
                   "for this configuration.\n", name);
        return done(&d, rc);
    }
    if (!strcmp(sub, "select")) {
        int rc = stk_workspace_select(".", name, &d);
        if (rc == 0) printf("Switched to workspace \"%s\".\n", name);
        return done(&d, rc);
    }
    if (!strcmp(sub, "delete")) {
        int rc = stk_workspace_delete(".", name, force, timeout, &d);
        /* with an s3 backend, its state object goes too (as Terraform) */
        if (rc == 0) rc = stk_backend_workspace_deleted(".", name, timeout, &d);
        if (rc == 0) printf("Deleted workspace \"%s\"!\n", name);
        return done(&d, rc);
    }
    if (!strcmp(sub, "protect") || !strcmp(sub, "unprotect")) {
        int on = !strcmp(sub, "protect");
        int rc = stk_git_set_protected(".", name, on, &d);
        if (rc == 0)
            printf(on ? "Workspace \"%s\" is protected: state changes need a clean, pushed git commit.\n"
                      : "Workspace \"%s\" is no longer protected.\n", name);
        return done(&d, rc);
    }
    fprintf(stderr, "Error: unknown subcommand `stk workspace %s`\n\n", sub);
    ws_usage(stderr);
    return STK_EXIT_ERROR;
}
