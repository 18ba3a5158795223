/* cmd_rollback.c - `stk rollback --to REV | --to-serial N [DIR]`: the
 * runbook's "git checkout <old>; apply" in one step that shows the plan
 * first.  The target commit is REV, or the git commit recorded in the
 * history row of serial N; the variables recorded with that commit (the
 * plan JSON "variables" of the latest history row made from it) are
 * restored (as the first -var-file, so the command line's -var still win).
 * The rest is the ordinary `stk apply -rev=COMMIT` (cmd_apply.c: the
 * configuration read from git, the work tree untouched; plan, approval
 * prompt unless -auto-approve, apply) with the state of the current
 * directory's workspace (or -env NAME's); the history row it records
 * carries the target commit, and a protected workspace needs that commit
 * to be pushed (or -allow-dirty). */
#include "cli/cli.h"
#include "git/provenance.h"
#include "state/history.h"
#include "state/session.h"
#include "state/workspace.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(void)
{
    printf("Usage: stk rollback (--to REV | --to-serial N) [options] [DIR]\n"
           "\n"
           "  Plan and, after approval, apply the configuration in DIR (default: the\n"
           "  current directory) as committed at REV, or at the commit recorded for\n"
           "  state serial N (see `stk history`), with the variables recorded for that\n"
           "  commit.  The work tree is not touched.\n"
           "\n"
           "Options:\n"
           "  -to=REV             The commit, tag or branch to roll back to\n"
           "  -to-serial=N        The commit recorded in the history row of serial N\n"
           "  -auto-approve       Apply without asking\n"
           "  -allow-dirty        Allow a protected workspace to roll back to an unpushed commit\n"
           "  -env=NAME           The environment layout DIR/envs/NAME and its workspace\n"
           "  -var, -var-file     Override variables (after the recorded ones)\n"
           "  -no-color, -lock=false, -lock-timeout=DUR, -parallelism=N, -json\n"
           "                      Passed to apply\n");
}

/* an option apply takes with a value: re-pass it as "-name=value" */
static int pass_opt(int argc, char **argv, int *i, char **pass, int *npass, char **owned, int *nowned)
{
    static const char *const names[] = {"var-file", "var", "lock-timeout", "parallelism", "env"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        const char *v = NULL;
        if (stk_cli_opt(argc, argv, i, names[k], &v)) {
            owned[(*nowned)++] = pass[(*npass)++] = stk_xasprintf("-%s=%s", names[k], v);
            return 1;
        }
    }
    return 0;
}

static void print_diags(stk_diags *d)
{
    if (d->len) stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, 0));
    stk_diags_free(d);
}

int cmd_rollback(int argc, char **argv)
{
    const char *to = NULL, *to_serial = NULL, *dir = NULL, *env = NULL;
    int allow_dirty = 0;
    char **pass = stk_xcalloc((size_t)argc + 6, sizeof *pass);
    char **owned = stk_xcalloc((size_t)argc + 3, sizeof *owned);
    int npass = 0, nowned = 0;
    pass[npass++] = "rollback";   /* argv[0]: the history row's command reads "stk rollback -rev=COMMIT ..." */
    pass[npass++] = NULL;   /* -rev=COMMIT */
    pass[npass++] = NULL;   /* -var-file=<the recorded variables> (first: -var on the command line win) */
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            for (int k = 0; k < nowned; k++) free(owned[k]);
            free(owned);
            free(pass);
            return STK_EXIT_OK;
        } else if (stk_cli_opt(argc, argv, &i, "to-serial", &v)) {
            to_serial = v;
        } else if (stk_cli_opt(argc, argv, &i, "to", &v)) {
            to = v;
        } else if (stk_cli_flag(argv[i], "allow-dirty")) {
            allow_dirty = 1;
        } else if (pass_opt(argc, argv, &i, pass, &npass, owned, &nowned)) {
            /* -var, -var-file, -lock-timeout, -parallelism: re-passed as one word */
        } else if (argv[i][0] == '-' && argv[i][1]) {
            pass[npass++] = argv[i];   /* -auto-approve, -no-color, -json, -lock=... : apply checks them */
        } else if (!dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "Error: rollback takes at most one directory argument\n");
            for (int k = 0; k < nowned; k++) free(owned[k]);
            free(owned);
            free(pass);
            return STK_EXIT_ERROR;
        }
    }
    if (!!to == !!to_serial) {
        fprintf(stderr, "Error: rollback needs exactly one of --to REV or --to-serial N\n");
        for (int k = 0; k < nowned; k++) free(owned[k]);
        free(owned);
        free(pass);
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    /* the history: which commit, which variables */
    stk_state_session s;
    for (int k = 0; k < npass; k++)
        if (pass[k] && !strncmp(pass[k], "-env=", 5)) env = pass[k] + 5;
    stk_session_opts so = {0};
    so.operation = "rollback";
    so.no_lock = 1;
    so.workspace = env;   /* -env NAME: the history of workspace NAME */
    stk_history_entry *h = NULL;
    size_t nh = 0;
    if (!(env && !stk_workspace_exists(".", env)) && stk_session_open(".", &so, &s, &d) == 0) {
        stk_history_list(s.st, &h, &nh, &d);
        stk_session_close(&s);
    }
    if (stk_diags_has_errors(&d)) {
        print_diags(&d);
        for (int k = 0; k < nowned; k++) free(owned[k]);
        free(owned);
        free(pass);
        return STK_EXIT_ERROR;
    }
    char *rev = NULL;
    if (to_serial) {
        char *end;
        long long n = strtoll(to_serial, &end, 10);
        for (size_t i = 0; *end == 0 && i < nh; i++)
            if (h[i].serial == n && h[i].git_commit) {
                free(rev);
                rev = stk_xstrdup(h[i].git_commit);
            }
        if (!rev) {
            fprintf(stderr, "Error: no git commit is recorded for serial %s in `stk history`; use --to REV\n",
                    to_serial);
            stk_history_entries_free(h, nh);
            for (int k = 0; k < nowned; k++) free(owned[k]);
            free(owned);
            free(pass);
            return STK_EXIT_ERROR;
        }
    } else {
        rev = stk_xstrdup(to);
    }
    char *commit = NULL, *varfile = NULL;
    int rc = STK_EXIT_ERROR;
    stk_git_info gi;
    int g = stk_git_provenance(dir ? dir : ".", rev, &gi, &d);
    if (g == 0)
        stk_diags_error(&d, NULL, "Not a git repository",
                        "%s is not inside a git work tree: rollback reads earlier commits from git.", dir ? dir : ".");
    if (g != 1) {
        print_diags(&d);
        goto out;
    }
    commit = stk_xstrdup(gi.commit);
    stk_git_info_free(&gi);
    /* the variables recorded with the latest apply of this commit */
    json_t *vars = NULL;
    int have_vars = 0;
    for (size_t i = 0; i < nh; i++) {
        if (!h[i].git_commit || strcmp(h[i].git_commit, commit) || !h[i].plan_json) continue;
        json_t *pj = json_loads(h[i].plan_json, 0, NULL);
        json_t *v = json_object_get(pj, "variables");
        if (json_is_object(v) && json_object_size(v)) {
            json_decref(vars);
            vars = json_object();
            const char *k;
            json_t *o;
            json_object_foreach(v, k, o) {
                json_t *val = json_object_get(o, "value");
                if (val) json_object_set(vars, k, val);
            }
        }
        json_decref(pj);
    }
    if (vars) {
        /* a file outside the work tree: -var-file under -rev reads it from the disk */
        have_vars = 1;
        const char *t = getenv("TMPDIR");
        varfile = stk_xasprintf("%s/stk-rollback-XXXXXX.tfvars.json", t && *t ? t : "/tmp");
        int fd = mkstemps(varfile, 12);
        char *js = json_dumps(vars, JSON_INDENT(2) | JSON_SORT_KEYS);
        size_t len = js ? strlen(js) : 0;
        int ok = fd >= 0 && js && write(fd, js, len) == (ssize_t)len;
        if (fd >= 0) close(fd);
        free(js);
        json_decref(vars);
        if (!ok) {
            fprintf(stderr, "Error: cannot write the recorded variables to %s\n", varfile);
            if (fd >= 0) unlink(varfile);
            free(varfile);
            varfile = NULL;
            goto out;
        }
        owned[nowned++] = pass[2] = stk_xasprintf("-var-file=%s", varfile);
    }
    printf("Rolling back to commit %.12s%s (configuration %s as committed; variables %s).\n\n", commit,
           to_serial ? " (recorded for that serial)" : "", dir ? dir : ".",
           have_vars ? "as recorded for that commit" : "from the commit's files");
    fflush(stdout);
    stk_diags_free(&d);
    /* apply -rev=COMMIT: checks a protected workspace, records the commit in history */
    owned[nowned++] = pass[1] = stk_xasprintf("-rev=%s", commit);
    if (allow_dirty) pass[npass++] = "-allow-dirty";
    if (dir) pass[npass++] = (char *)dir;
    /* drop the unused slot */
    int m = 0;
    for (int k = 0; k < npass; k++)
        if (pass[k]) pass[m++] = pass[k];
    rc = stk_cli_plan_apply(m, pass, STK_CLI_APPLY);
out:
    if (varfile) {
        unlink(varfile);
        free(varfile);
    }
    free(commit);
    free(rev);
    stk_history_entries_free(h, nh);
    for (int i = 0; i < nowned; i++) free(owned[i]);
    free(owned);
    free(pass);
    return rc;
}
