/* cmd_taint.c - `stk taint ADDR` / `stk untaint ADDR`: mark a resource
 * instance so the next plan replaces it (or clear the mark).  Both take
 * the state lock and record the change in the history. */
#include "cli/cli.h"
#include "cli/backend_cli.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/session.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

static int run(int argc, char **argv, int taint)
{
    const char *addr = NULL;
    int no_color = 0, no_lock = 0;
    long timeout = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk %s [options] ADDRESS\n\n"
                   "  %s\n\n"
                   "Options:\n"
                   "  -lock=false         Do not take the state lock\n"
                   "  -lock-timeout=DUR   Wait for the lock this long\n"
                   "  -no-color           No colours\n",
                   taint ? "taint" : "untaint",
                   taint ? "Mark a resource instance as tainted: the next plan replaces it."
                         : "Remove the tainted mark from a resource instance.");
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (!strcmp(argv[i], "-lock=false")) {
            no_lock = 1;
        } else if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &timeout)) {
                fprintf(stderr, "Error: invalid -lock-timeout %s\n", v);
                return STK_EXIT_ERROR;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s\n", argv[i]);
            return STK_EXIT_ERROR;
        } else {
            addr = argv[i];
        }
    }
    if (!addr) {
        fprintf(stderr, "Error: the %s command expects exactly one argument: the instance address\n", taint ? "taint" : "untaint");
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s = {0};
    stk_backend_session backend = {0};
    stk_session_opts so = {0};
    so.operation = taint ? "taint" : "untaint";
    so.no_lock = no_lock;
    so.lock_timeout_ms = timeout;
    int rc = STK_EXIT_ERROR, have = 0;
    if (stk_backend_session_opts(".", &so, &backend, &d) == 0 && stk_session_open(".", &so, &s, &d) == 0) {
        have = 1;
        stk_backend_session_attach(&backend, &s);
        stk_addr a;
        char *err = NULL;
        char *canon = NULL;
        if (stk_addr_parse(addr, &a, &err) == 0) {
            canon = stk_addr_format(&a);
            stk_addr_free(&a);
        } else {
            free(err);
            canon = stk_xstrdup(addr);
        }
        stk_state_instance si;
        int f = stk_state_get(s.st, canon, "", &si, &d);
        if (f == 0) {
            stk_diags_add(&d, STK_DIAG_ERROR, NULL, "No such resource instance",
                          "There is no resource instance in the state with the address %s. If the resource "
                          "configuration has just been added, you must run \"stk apply\" first.", canon);
        } else if (f == 1) {
            if (!taint && !si.tainted) {
                stk_diags_add(&d, STK_DIAG_ERROR, NULL, "Resource instance is not tainted",
                              "Resource instance %s is not currently tainted, and so it cannot be untainted.", canon);
            } else {
                si.tainted = taint;
                if (stk_state_put(s.st, &si, &d) == 0) {
                    char *cl = stk_xasprintf("stk %s %s", taint ? "taint" : "untaint", canon);
                    stk_session_finish(&s, cl, taint ? "tainted" : "untainted", &d);
                    free(cl);
                    printf("Resource instance %s has been %s.\n", canon, taint ? "marked as tainted" : "successfully untainted");
                    rc = STK_EXIT_OK;
                }
            }
            stk_state_instance_free(&si);
        }
        free(canon);
    }
    if (have) stk_session_close(&s);
    stk_backend_session_free(&backend);
    stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, no_color));
    if (stk_diags_has_errors(&d)) rc = STK_EXIT_ERROR;
    stk_diags_free(&d);
    return rc;
}

int cmd_taint(int argc, char **argv) { return run(argc, argv, 1); }
int cmd_untaint(int argc, char **argv) { return run(argc, argv, 0); }
