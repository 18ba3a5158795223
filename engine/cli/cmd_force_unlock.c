/* cmd_force_unlock.c - `stk force-unlock [-force] LOCK_ID`: remove the state
 * lock of the selected workspace whose ID matches, after its holder died
 * (state/lock.h).  As Terraform, it asks for confirmation unless -force. */
#include "cli/backend_cli.h"
#include "cli/cli.h"
#include "state/lock.h"
#include "state/workspace.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_force_unlock(int argc, char **argv)
{
    int force = 0;
    const char *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk force-unlock [options] LOCK_ID\n\n"
                   "  Remove the state lock of the selected workspace when its holder is gone\n"
                   "  (killed, crashed machine). LOCK_ID is the ID printed in the\n"
                   "  \"Error acquiring the state lock\" message. Only a lock with that ID is\n"
                   "  removed; the lock of a process that is still running cannot be broken.\n\n"
                   "Options:\n"
                   "  -force    Don't ask for confirmation\n");
            return STK_EXIT_OK;
        }
        if (stk_cli_flag(argv[i], "force")) {
            force = 1;
            continue;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "Error: unknown option %s for `stk force-unlock`\n", argv[i]);
            return STK_EXIT_ERROR;
        }
        if (id) {
            fprintf(stderr, "Error: `stk force-unlock` takes one LOCK_ID\n");
            return STK_EXIT_ERROR;
        }
        id = argv[i];
    }
    if (!id) {
        fprintf(stderr, "Error: `stk force-unlock` needs the LOCK_ID\n\nRun `stk force-unlock -help` for usage.\n");
        return STK_EXIT_ERROR;
    }
    char *ws = stk_workspace_current(".");
    stk_diags d = STK_DIAGS_INIT;
    /* the remote lock when `stk init` configured a backend, else the local one */
    stk_backend_session bs;
    stk_lock *l = NULL;
    if (stk_backend_unlock_target(".", ws, &bs, &l, &d)) {
        stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, 0));
        stk_diags_free(&d);
        free(ws);
        return STK_EXIT_ERROR;
    }
    if (!l) l = stk_lock_local_new(".", ws);
    int rc = 0;
    if (!force) {
        stk_lock_info *h = NULL;
        if (stk_lock_read(l, &h, &d) == 1) {
            char *desc = stk_lock_info_describe(h);
            printf("Do you really want to force-unlock?\n  stk will remove the lock on the state of workspace "
                   "\"%s\":\n%s  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ", ws, desc);
            fflush(stdout);
            free(desc);
            char answer[32] = "";
            if (!fgets(answer, sizeof answer, stdin)) answer[0] = 0;
            answer[strcspn(answer, "\r\n")] = 0;
            if (strcmp(answer, "yes") != 0) {
                printf("\nforce-unlock cancelled.\n");
                rc = -1;
            }
        }
        stk_lock_info_free(h);
    }
    if (rc == 0) rc = stk_lock_force_unlock(l, id, &d);
    if (rc == 0)
        printf("stk state has been successfully unlocked!\n\n"
               "The state has been unlocked, and stk commands should now be able to\n"
               "obtain a new lock on the state of workspace \"%s\".\n", ws);
    if (d.len) stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, 0));
    stk_diags_free(&d);
    stk_lock_free(l);
    stk_backend_session_free(&bs);
    free(ws);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}
