/* cmd_import.c - `stk import [options] ADDR ID`: read an existing cloud
 * object into state at a resource address declared in the configuration,
 * as `terraform import` does.  The work (provider configuration, the
 * type's import(), the state row) is stk_plan_import in plans/; this file
 * parses options, holds the state session (lock, journal recovery,
 * history) and prints. */
#include "cli/cli.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "cli/backend_cli.h"
#include "state/session.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "config/config.h"
#include "plans/plan.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void help(void)
{
    printf("Usage: stk import [options] ADDRESS ID\n\n"
           "  Import an existing object into the state at ADDRESS, a resource\n"
           "  instance declared in the configuration.  ID is the object's id as\n"
           "  its resource type documents it (a VPC id for aws_vpc).\n\n"
           "Options:\n"
           "  -var 'name=value'    Set a variable (repeatable)\n"
           "  -var-file=FILE       Read variable values from FILE (repeatable)\n"
           "  -input=false         Accepted for Terraform compatibility (stk import never prompts)\n"
           "  -lock=false          Do not take the state lock\n"
           "  -lock-timeout=DUR    Wait for the lock this long\n"
           "  -no-color            No colours\n");
}

static void on_event(void *ud, const char *addr, const char *what)
{
    const char *id = ud;
    if (!strcmp(what, "importing")) printf("%s: Importing from ID \"%s\"...\n", addr, id);
    else if (!strcmp(what, "prepared")) printf("%s: Import prepared!\n", addr);
    fflush(stdout);
}

int cmd_import(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0, no_color = 0, no_lock = 0;
    long timeout = 0;
    stk_vararg *vars = stk_xcalloc((size_t)argc + 1, sizeof *vars);
    size_t nvars = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            free(vars);
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (!strcmp(argv[i], "-lock=false") || !strcmp(argv[i], "--lock=false")) {
            no_lock = 1;
        } else if (!strcmp(argv[i], "-lock=true") || !strcmp(argv[i], "--lock=true")) {
            no_lock = 0;
        } else if (!strcmp(argv[i], "-input=false") || !strcmp(argv[i], "-input=true") ||
                   !strcmp(argv[i], "--input=false") || !strcmp(argv[i], "--input=true")) {
            /* accepted as terraform import accepts it: stk import never prompts */
        } else if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &timeout)) {
                fprintf(stderr, "Error: invalid -lock-timeout %s\n", v);
                free(vars);
                return STK_EXIT_ERROR;
            }
        } else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            vars[nvars].kind = STK_VARARG_FILE;
            vars[nvars++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            vars[nvars].kind = STK_VARARG_VAR;
            vars[nvars++].text = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s\n\n", argv[i]);
            help();
            free(vars);
            return STK_EXIT_ERROR;
        } else {
            if (npos < 3) pos[npos] = argv[i];
            npos++;
        }
    }
    if (npos != 2) {
        fprintf(stderr, "Error: the import command expects two arguments: the resource address and the object's ID\n\n");
        help();
        free(vars);
        return STK_EXIT_ERROR;
    }
    const char *addr = pos[0], *id = pos[1];
    int color = stk_cli_use_color(stderr, no_color), ocolor = stk_cli_use_color(stdout, no_color);
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s = {0};
    stk_backend_session backend = {0};
    int rc = STK_EXIT_ERROR, have = 0;
    char *canon = NULL;
    stk_config *c = stk_config_load(stk_fs_os(), ".", &d);
    if (!c || stk_diags_has_errors(&d)) goto out;
    stk_var_inputs in = {vars, nvars, environ, NULL};
    if (stk_config_set_vars(c, &in, &d)) goto out;

    stk_session_opts so = {0};
    so.operation = "import";
    so.no_lock = no_lock;
    so.lock_timeout_ms = timeout;
    so.reconciles = 1;
    if (stk_backend_session_opts(".", &so, &backend, &d)) goto out;
    if (stk_session_open(".", &so, &s, &d)) goto out;
    stk_backend_session_attach(&backend, &s);
    have = 1;

    char **notes = NULL;
    stk_plan_recover(c, s.st, &notes, &d);
    for (size_t i = 0; notes && notes[i]; i++) {
        printf("Recovered interrupted operation: %s\n", notes[i]);
        free(notes[i]);
    }
    free(notes);
    if (stk_diags_has_errors(&d)) goto out;

    stk_import_opts io = {on_event, (void *)id, NULL};
    if (stk_plan_import(c, s.st, addr, id, &io, &canon, &d) == 0) {
        char *cl = stk_xasprintf("stk import %s %s", canon, id);
        char *sum = stk_xasprintf("imported %s (id %s)", canon, id);
        stk_session_finish(&s, cl, sum, &d);
        free(cl);
        free(sum);
        printf("\n%sImport successful!%s\n\n"
               "The resources that were imported are shown above. These resources are now in\n"
               "your stk state and will henceforth be managed by stk.\n",
               ocolor ? "\033[1;32m" : "", ocolor ? "\033[0m" : "");
        rc = STK_EXIT_OK;
    }
out:
    if (have) stk_session_close(&s);
    stk_backend_session_free(&backend);
    stk_cli_print_diags(stderr, &d, color);
    if (stk_diags_has_errors(&d)) rc = STK_EXIT_ERROR;
    stk_diags_free(&d);
    stk_config_free(c);
    free(canon);
    free(vars);
    return rc;
}
