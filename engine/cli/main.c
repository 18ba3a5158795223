/* main.c - the stk binary: dispatches `stk COMMAND [args]` to cmd_<name>
 * (one file per command, as git's builtin/ does) and prints the top-level
 * help. */
#include "cli/cli.h"
#include "stk_version.h"
#include "test/test_provider.h"
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const stk_cli_command commands[] = {
    {"version", cmd_version, "Show the stk version", 0},
    {"validate", cmd_validate, "Check whether the configuration is valid", 0},
    {"graph", cmd_graph, "Print the dependency graph in Graphviz DOT", 0},
    {"console", cmd_console, "Evaluate expressions", 0},
    {"fmt", cmd_fmt, "Rewrite configuration files in the canonical format", 0},
    {"state", cmd_state, "Inspect and edit the state (list, show, rm, mv, pull, push, ...)", 0},
    {"workspace", cmd_workspace, "Manage workspaces (list, new, select, delete, show)", 0},
    {"init", cmd_init, "Set up the backend (S3 state backup, DynamoDB/S3 lock) and pull the state", 0},
    {"backend", cmd_backend, "Bootstrap the S3 backend's bucket and lock table; restore snapshots", 0},
    {"force-unlock", cmd_force_unlock, "Remove a dead holder's state lock", 0},
    {"aws", cmd_aws, "Low-level AWS calls (debugging)", 1},
    {"plan", cmd_plan, "Show the changes apply would make", 0},
    {"apply", cmd_apply, "Create or update infrastructure", 0},
    {"destroy", cmd_destroy, "Destroy everything the state tracks", 0},
    {"refresh", cmd_refresh, "Record changes made outside stk in the state", 0},
    {"show", cmd_show, "Show a saved plan or the state", 0},
    {"output", cmd_output, "Show output values from the state", 0},
    {"taint", cmd_taint, "Mark a resource instance for replacement", 0},
    {"untaint", cmd_untaint, "Remove the tainted mark", 0},
    {"import", cmd_import, "Read an existing cloud object into state", 0},
    {"history", cmd_history, "List applies and state changes with their git commits", 0},
    {"diff", cmd_diff, "Compare two git revisions of the configuration (no AWS calls)", 0},
    {"rollback", cmd_rollback, "Plan and apply the configuration of an earlier git commit", 0},
    {"dr", cmd_dr, "Disaster recovery: redeploy to another region; workspaces' regions and backups", 0},
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: stk [global options] <command> [args]\n"
            "\n"
            "stk plans and applies Terraform-compatible HCL configurations for AWS.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!commands[i].hidden) fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "Global options:\n"
            "  -chdir=DIR     Switch to DIR before running the command\n"
            "  -help          Show this help; `stk COMMAND -help` shows a command's\n"
            "  -version       Same as `stk version`\n"
            "\n"
            "Exit status: 0 success, 1 error, 2 `plan -detailed-exitcode` with changes.\n");
}

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && stk_cli_is_help(argv[1])) {
        printf("Usage: stk version\n\n  Print the version of stk.\n");
        return STK_EXIT_OK;
    }
    printf("stk v%s\n", STK_VERSION);
    return STK_EXIT_OK;
}

int main(int argc, char **argv)
{
    int i = 1;
    stk_test_provider_register_from_env();   /* STK_TEST_PROVIDER=1 only */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *dir = NULL;
        if (stk_cli_is_help(argv[i])) {
            usage(stdout);
            return STK_EXIT_OK;
        }
        if (stk_cli_flag(argv[i], "version") || stk_cli_flag(argv[i], "v"))
            return cmd_version(1, argv);
        if (stk_cli_opt(argc, argv, &i, "chdir", &dir)) {
            if (chdir(dir) != 0) {
                fprintf(stderr, "Error: cannot change to directory %s: %s\n", dir, strerror(errno));
                return STK_EXIT_ERROR;
            }
            continue;
        }
        fprintf(stderr, "Error: unknown global option %s\n\n", argv[i]);
        usage(stderr);
        return STK_EXIT_ERROR;
    }
    if (i >= argc) {
        usage(stderr);
        return STK_EXIT_ERROR;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].run(argc - i, argv + i);
    fprintf(stderr, "Error: unknown command \"%s\"\n\nRun `stk --help` for the list of commands.\n", argv[i]);
    return STK_EXIT_ERROR;
}
