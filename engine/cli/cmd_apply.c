/* cmd_apply.c - `stk apply`, `stk destroy`, `stk refresh`, and the code
 * `stk plan` (cmd_plan.c) shares with them: options, loading the
 * configuration and the state session, journal recovery, planning,
 * printing, approval, the apply with progress lines, Ctrl-C handling and
 * the outputs.
 *
 * Where the configuration comes from (engine/git/source.h): DIR or the
 * current directory, or with -rev=REV the same directory as committed at
 * REV (read from git, work tree untouched), or with -env=NAME the layout
 * DIR/envs/NAME with its tfvars and its own workspace.  Before apply,
 * destroy or refresh change state: the protected-workspace check and the
 * git provenance that the history row records (engine/git/provenance.h).
 * A saved plan records where its configuration came from ("source":
 * dir, commit, env) and `stk apply FILE` reads it from there again.
 *
 * Ctrl-C: the first SIGINT stops starting new operations and waits for
 * those in flight; the second asks the operations in flight to abort (they
 * are journaled, so the state stays recoverable either way). */
#include "cli/cli.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "cli/backend_cli.h"
#include "aws/client/client.h"
#include "state/session.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "config/config.h"
#include "git/provenance.h"
#include "git/source.h"
#include "plans/plan.h"
#include "state/workspace.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t sig_count;
static volatile int stop_flag, cancel_flag;

static void on_sigint(int sig)
{
    (void)sig;
    sig_count++;
    if (sig_count == 1) {
        stop_flag = 1;
        static const char m[] = "\nInterrupt received.\nPlease wait for stk to exit or data loss may occur.\n"
                                "Gracefully shutting down...\n";
        ssize_t w = write(2, m, sizeof m - 1);
        (void)w;
    } else {
        stop_flag = 1;
        cancel_flag = 1;
        static const char m[] = "\nTwo interrupts received. Aborting the operations in flight...\n";
        ssize_t w = write(2, m, sizeof m - 1);
        (void)w;
    }
}

typedef struct {
    int mode;                /* STK_CLI_PLAN / APPLY / DESTROY / REFRESH */
    int allow_dirty;
    const char *rev, *env;   /* -rev / -env, or NULL */
    int auto_approve, refresh, refresh_only, destroy, detailed, no_color, json, no_lock, input;
    long lock_timeout_ms;
    int parallelism;
    const char *out, *planfile, *dir;
    stk_vararg *vars;
    size_t nvars;
    const char **targets, **replace;
    size_t ntargets, nreplace;
} run_opts;

static void help(int mode)
{
    const char *name = mode == STK_CLI_PLAN ? "plan" : mode == STK_CLI_APPLY ? "apply" : mode == STK_CLI_DESTROY ? "destroy"
                                                                                                                 : "refresh";
    printf("Usage: stk %s [options] %s\n\n", name, mode == STK_CLI_APPLY ? "[PLANFILE | DIR]" : "[DIR]");
    if (mode == STK_CLI_PLAN)
        printf("  Compare the configuration with the state (refreshed from the cloud) and show\n"
               "  what apply would do.\n\n");
    else if (mode == STK_CLI_APPLY)
        printf("  Make the cloud match the configuration: plan, show the plan, ask for\n"
               "  approval, then create, update and delete in dependency order.  With\n"
               "  PLANFILE, apply that saved plan (refused when it is stale).\n\n");
    else if (mode == STK_CLI_DESTROY)
        printf("  Destroy every object the state tracks (same as apply -destroy).\n\n");
    else
        printf("  Read every object from the cloud and record what changed outside stk\n"
               "  in the state (same as apply -refresh-only -auto-approve).\n\n");
    printf("  DIR is the configuration directory (default: the current directory); the\n"
           "  state is always the current directory's (.stk/).\n\n");
    printf("Options:\n"
           "  -rev=REV             Use the configuration as committed at REV (commit, tag,\n"
           "                       branch) in git: files, modules, file()/templatefile() and\n"
           "                       tfvars come from the commit; uncommitted edits are ignored\n"
           "                       and the work tree is not touched\n"
           "  -env=NAME            Use the environment layout DIR/envs/NAME: its own tfvars\n"
           "                       and its own workspace NAME (created when missing)\n");
    if (mode != STK_CLI_PLAN)
        printf("  -allow-dirty         Allow changing a protected workspace (stk workspace protect)\n"
               "                       from uncommitted changes or an unpushed commit\n");
    if (mode != STK_CLI_PLAN && mode != STK_CLI_REFRESH)
        printf("  -auto-approve        Skip the interactive approval\n");
    if (mode == STK_CLI_PLAN || mode == STK_CLI_APPLY)
        printf("  -destroy             Plan to destroy everything\n"
               "  -refresh-only        Only record changes made outside stk\n"
               "  -refresh=false       Do not read objects from the cloud first\n"
               "  -replace=ADDR        Replace this instance even if nothing changed (repeatable)\n");
    printf("  -target=ADDR         Limit to this resource / instance / module and its dependencies\n"
           "  -var 'name=value'    Set a variable (repeatable)\n"
           "  -var-file=FILE       Read variable values from FILE (repeatable)\n"
           "  -parallelism=N       At most N operations at once (default 10)\n"
           "  -lock=false          Do not take the state lock\n"
           "  -lock-timeout=DUR    Wait for the state lock this long (e.g. 30s)\n"
           "  -input=false         Never ask questions (apply then needs -auto-approve)\n"
           "  -no-color            No colours (also NO_COLOR=1)\n"
           "  -json                Machine-readable output, one JSON object per line\n");
    if (mode == STK_CLI_PLAN)
        printf("  -out=FILE            Save the plan to FILE for `stk apply FILE`\n"
               "  -detailed-exitcode   Exit 0: no changes, 1: error, 2: changes present\n");
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "true") || !strcmp(v, "1")) *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "0")) *out = 0;
    else return -1;
    return 0;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int parse_args(int argc, char **argv, run_opts *o)
{
    o->refresh = 1;
    o->input = 1;
    o->parallelism = 10;
    o->vars = stk_xcalloc((size_t)argc + 2, sizeof *o->vars);
    o->targets = stk_xcalloc((size_t)argc + 1, sizeof *o->targets);
    o->replace = stk_xcalloc((size_t)argc + 1, sizeof *o->replace);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        const char *a = argv[i];
        if (stk_cli_is_help(a)) {
            help(o->mode);
            return 1;
        } else if (stk_cli_flag(a, "auto-approve") && o->mode != STK_CLI_PLAN) {
            o->auto_approve = 1;
        } else if (stk_cli_flag(a, "destroy")) {
            o->destroy = 1;
        } else if (stk_cli_flag(a, "refresh-only")) {
            o->refresh_only = 1;
        } else if (stk_cli_flag(a, "detailed-exitcode")) {
            o->detailed = 1;
        } else if (stk_cli_flag(a, "no-color")) {
            o->no_color = 1;
        } else if (stk_cli_flag(a, "json")) {
            o->json = 1;
        } else if (stk_cli_flag(a, "lock")) {
            o->no_lock = 0;
        } else if (stk_cli_flag(a, "input")) {
            o->input = 1;
        } else if (stk_cli_flag(a, "refresh")) {
            o->refresh = 1;
        } else if (!strncmp(a, "-refresh=", 9) || !strncmp(a, "--refresh=", 10)) {
            if (parse_bool(strchr(a, '=') + 1, &o->refresh)) goto bad;
        } else if (!strncmp(a, "-lock=", 6) || !strncmp(a, "--lock=", 7)) {
            int l;
            if (parse_bool(strchr(a, '=') + 1, &l)) goto bad;
            o->no_lock = !l;
        } else if (!strncmp(a, "-input=", 7) || !strncmp(a, "--input=", 8)) {
            if (parse_bool(strchr(a, '=') + 1, &o->input)) goto bad;
        } else if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &o->lock_timeout_ms)) goto bad;
        } else if (stk_cli_opt(argc, argv, &i, "parallelism", &v)) {
            o->parallelism = atoi(v);
            if (o->parallelism < 1) goto bad;
        } else if (o->mode == STK_CLI_PLAN && stk_cli_opt(argc, argv, &i, "out", &v)) {
            o->out = v;
        } else if (stk_cli_opt(argc, argv, &i, "rev", &v)) {
            if (!*v) goto bad;
            o->rev = v;
        } else if (stk_cli_opt(argc, argv, &i, "env", &v)) {
            if (!*v) goto bad;
            o->env = v;
        } else if (o->mode != STK_CLI_PLAN && stk_cli_flag(a, "allow-dirty")) {
            o->allow_dirty = 1;
        } else if (stk_cli_opt(argc, argv, &i, "target", &v)) {
            o->targets[o->ntargets++] = v;
        } else if (stk_cli_opt(argc, argv, &i, "replace", &v)) {
            o->replace[o->nreplace++] = v;
        } else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            o->vars[o->nvars].kind = STK_VARARG_FILE;
            o->vars[o->nvars++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            o->vars[o->nvars].kind = STK_VARARG_VAR;
            o->vars[o->nvars++].text = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "Error: unknown option %s\n\n", a);
            help(o->mode);
            return -1;
        } else if (o->mode == STK_CLI_APPLY && !o->planfile && !(o->dir && is_dir(a))) {
            if (is_dir(a)) o->dir = a;
            else o->planfile = a;
        } else if (o->mode != STK_CLI_APPLY && !o->dir) {
            o->dir = a;
        } else {
            fprintf(stderr, "Error: unexpected argument %s\n", a);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "Error: invalid value in %s%s%s\n", a, v ? " " : "", v ? v : "");
        return -1;
    }
    if (o->mode == STK_CLI_DESTROY) o->destroy = 1;
    if (o->mode == STK_CLI_REFRESH) o->refresh_only = 1, o->auto_approve = 1;
    return 0;
}

static void json_line(const char *level, const char *type, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void json_line(const char *level, const char *type, json_t *extra, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char ts[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "@level", level, "@message", buf, "@module", "stk.ui", "@timestamp", ts);
    json_object_set_new(o, "type", json_string(type));
    if (extra) json_object_update(o, extra);
    json_decref(extra);
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s);
    fflush(stdout);
    free(s);
    json_decref(o);
}

typedef struct {
    int json;
    int color;
} ev_ud;

static const char *verb_ing(const char *op)
{
    return !strcmp(op, "create") ? "Creating" : !strcmp(op, "update") ? "Modifying" : !strcmp(op, "delete") ? "Destroying"
                                                                       : "Reading";
}

static const char *verb_ing_lc(const char *op)
{
    return !strcmp(op, "create") ? "creating" : !strcmp(op, "update") ? "modifying" : !strcmp(op, "delete") ? "destroying"
                                                                       : "reading";
}

static const char *noun_done(const char *op)
{
    return !strcmp(op, "create") ? "Creation" : !strcmp(op, "update") ? "Modifications" : !strcmp(op, "delete") ? "Destruction"
                                                                        : "Read";
}

static void on_event(void *ud, const stk_apply_event *e)
{
    ev_ud *u = ud;
    const char *op = e->op ? e->op : "?";
    if (u->json) {
        json_t *hook = json_pack("{s:{s:s},s:s}", "resource", "addr", e->addr, "action", op);
        switch (e->kind) {
        case STK_EV_START: json_line("info", "apply_start", json_pack("{s:o}", "hook", hook), "%s: %s...", e->addr, verb_ing(op)); break;
        case STK_EV_STILL:
            json_object_set_new(hook, "elapsed_seconds", json_integer((json_int_t)e->elapsed));
            json_line("info", "apply_progress", json_pack("{s:o}", "hook", hook), "%s: Still %s... [%.0fs elapsed]", e->addr,
                      verb_ing_lc(op), e->elapsed);
            break;
        case STK_EV_DONE:
            json_object_set_new(hook, "elapsed_seconds", json_integer((json_int_t)e->elapsed));
            if (e->id) json_object_set_new(hook, "id_value", json_string(e->id));
            json_line("info", "apply_complete", json_pack("{s:o}", "hook", hook), "%s: %s complete after %.0fs%s%s%s", e->addr,
                      noun_done(op), e->elapsed, e->id ? " [id=" : "", e->id ? e->id : "", e->id ? "]" : "");
            break;
        case STK_EV_FAILED:
            json_line("error", "apply_errored", json_pack("{s:o}", "hook", hook), "%s: %s errored after %.0fs", e->addr,
                      noun_done(op), e->elapsed);
            break;
        case STK_EV_SKIPPED:
            json_line("warn", "apply_skipped", json_pack("{s:o}", "hook", hook), "%s: skipped (a dependency failed)", e->addr);
            break;
        default: json_decref(hook); break;
        }
        return;
    }
    const char *b = u->color ? "\033[1m" : "", *r = u->color ? "\033[0m" : "";
    switch (e->kind) {
    case STK_EV_START:
        if (e->id) printf("%s%s: %s...%s [id=%s]%s\n", b, e->addr, verb_ing(op), r, e->id, e->detail ? " (deposed)" : "");
        else printf("%s%s: %s...%s\n", b, e->addr, verb_ing(op), r);
        break;
    case STK_EV_STILL: printf("%s%s: Still %s... [%.0fs elapsed]%s\n", b, e->addr, verb_ing_lc(op), e->elapsed, r); break;
    case STK_EV_DONE:
        printf("%s%s: %s complete after %.0fs%s%s%s%s\n", b, e->addr, noun_done(op), e->elapsed, e->id ? " [id=" : "",
               e->id ? e->id : "", e->id ? "]" : "", r);
        break;
    case STK_EV_SKIPPED: printf("%s: skipped because a dependency failed\n", e->addr); break;
    default: break;
    }
    fflush(stdout);
}

/* The command line for the history; the values of sensitive variables
   given with -var NAME=VALUE are left out. */
static char *command_line(int argc, char **argv, const stk_config *c)
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_puts(&b, "stk");
    for (int i = 0; i < argc; i++) {
        stk_strbuf_putc(&b, ' ');
        const char *a = argv[i], *nv = NULL;
        if (!strcmp(a, "-var") || !strcmp(a, "--var")) {
            stk_strbuf_puts(&b, a);
            if (i + 1 >= argc) break;
            stk_strbuf_putc(&b, ' ');
            a = nv = argv[++i];
        } else if (!strncmp(a, "-var=", 5) || !strncmp(a, "--var=", 6)) {
            nv = strchr(a, '=') + 1;
        }
        const char *eq = nv ? strchr(nv, '=') : NULL;
        int secret = 0;
        for (size_t k = 0; eq && c && c->root && k < c->root->nvariables; k++)
            secret |= c->root->variables[k]->sensitive && strlen(c->root->variables[k]->name) == (size_t)(eq - nv) &&
                      !strncmp(c->root->variables[k]->name, nv, (size_t)(eq - nv));
        if (secret) {
            stk_strbuf_add(&b, a, (size_t)(eq - a) + 1);
            stk_strbuf_puts(&b, "(sensitive value)");
        } else {
            stk_strbuf_puts(&b, a);
        }
    }
    return stk_strbuf_detach(&b);
}

static void print_outputs(stk_state *st, int color)
{
    stk_diags d = STK_DIAGS_INIT;
    json_t *v = stk_state_values_json(st, &d);
    json_t *outs = json_object_get(json_object_get(v, "values"), "outputs");
    if (json_object_size(outs)) {
        printf("\n%sOutputs:%s\n\n", color ? "\033[1;32m" : "", color ? "\033[0m" : "");
        const char *k;
        json_t *o;
        json_object_foreach(outs, k, o) {
            if (json_is_true(json_object_get(o, "sensitive"))) {
                printf("%s = <sensitive>\n", k);
                continue;
            }
            stk_value *val = stk_value_from_json(json_object_get(o, "value"));
            char *s = val ? stk_value_to_hcl(val) : stk_xstrdup("null");
            printf("%s = %s\n", k, s);
            free(s);
            if (val) stk_value_unref(val);
        }
    }
    json_decref(v);
    stk_diags_free(&d);
}

/* a saved plan's variables as a temporary .tfvars.json (passed first, so
   -var on the command line still wins) */
static char *vars_file(json_t *vars)
{
    char tmpl[] = "/tmp/stk-planvars-XXXXXX.tfvars.json";
    int fd = mkstemps(tmpl, 12);
    if (fd < 0) return NULL;
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(vars, k, v) json_object_set(o, k, json_object_get(v, "value"));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    ssize_t w = write(fd, s, strlen(s));
    (void)w;
    close(fd);
    free(s);
    return stk_xstrdup(tmpl);
}

static void git_source_cb(const char *path, const char *data, size_t len, void *ud)
{
    (void)ud;
    stk_cli_register_source(path, data, len);
}

int stk_cli_plan_apply(int argc, char **argv, int mode)
{
    run_opts o = {0};
    o.mode = mode;
    int pr = parse_args(argc, argv, &o);
    if (pr) {
        free(o.vars);
        free(o.targets);
        free(o.replace);
        return pr > 0 ? STK_EXIT_OK : STK_EXIT_ERROR;
    }
    int color = o.json ? 0 : stk_cli_use_color(stdout, o.no_color);
    int ecolor = stk_cli_use_color(stderr, o.no_color);
    stk_diags d = STK_DIAGS_INIT;
    int rc = STK_EXIT_ERROR;
    json_t *pf = NULL;
    char *tmpvars = NULL;
    stk_config *c = NULL;
    stk_plan *p = NULL;
    stk_state_session s = {0};
    stk_backend_session backend = {0};
    int have_session = 0;
    const char *dir = o.dir ? o.dir : ".";
    const char *rev = o.rev, *env = o.env;
    stk_config_source src = {0};
    int have_src = 0;
    stk_vararg *args = NULL;
    size_t nargs = 0;

    if (o.planfile) {
        pf = stk_planfile_read(o.planfile, &d);
        if (!pf) goto out;
        json_t *opts = json_object_get(pf, "options");
        o.refresh = 0;
        o.refresh_only = json_is_true(json_object_get(opts, "refresh_only"));
        o.destroy = json_is_true(json_object_get(opts, "destroy"));
        o.auto_approve = 1;
        json_t *arr;
        size_t k;
        json_t *it;
        arr = json_object_get(opts, "targets");
        o.targets = stk_xrealloc(o.targets, (o.ntargets + json_array_size(arr) + 1) * sizeof *o.targets);
        json_array_foreach(arr, k, it) if (json_is_string(it)) o.targets[o.ntargets++] = json_string_value(it);
        arr = json_object_get(opts, "replace");
        o.replace = stk_xrealloc(o.replace, (o.nreplace + json_array_size(arr) + 1) * sizeof *o.replace);
        json_array_foreach(arr, k, it) if (json_is_string(it)) o.replace[o.nreplace++] = json_string_value(it);
        /* the configuration is read from where the plan read it */
        if (o.rev || o.env) {
            stk_diags_add(&d, STK_DIAG_ERROR, NULL, "-rev and -env cannot be used with a saved plan",
                          "The plan file records where its configuration was read from (directory, git commit, "
                          "environment); `stk apply FILE` reads it from there again.");
            goto out;
        }
        json_t *from = json_object_get(pf, "source");
        if (!o.dir && json_is_string(json_object_get(from, "dir"))) dir = json_string_value(json_object_get(from, "dir"));
        rev = json_string_value(json_object_get(from, "commit"));
        env = json_string_value(json_object_get(from, "env"));
        tmpvars = vars_file(json_object_get(pf, "variables"));
        if (tmpvars) {
            memmove(o.vars + 1, o.vars, o.nvars * sizeof *o.vars);
            o.vars[0].kind = STK_VARARG_FILE;
            o.vars[0].text = tmpvars;
            o.nvars++;
        }
    }
    if (stk_config_source_open(&src, dir, rev, env, &d)) goto out;
    have_src = 1;
    if (src.commit && !o.json) {
        int named = strncmp(src.commit, rev, strlen(rev)) != 0;   /* a tag or branch, not an id */
        printf("Configuration %s%s%s as committed at %.12s%s%s%s.\n\n", dir, env ? ", environment " : "",
               env ? env : "", src.commit, named ? " (" : "", named ? rev : "", named ? ")" : "");
    }
    /* a saved plan also covers what the configuration reads (file() ...) */
    if ((mode == STK_CLI_PLAN && o.out) || pf) stk_config_source_track(&src);
    args = stk_config_source_args(&src, o.vars, o.nvars, &nargs);
    c = stk_config_load(src.fs, src.cfg_dir, &d);
    if (!c || stk_diags_has_errors(&d)) goto out;
    stk_var_inputs in = {args, nargs, environ, src.varfile_fs};
    if (stk_config_set_vars(c, &in, &d)) goto out;

    stk_session_opts so = {0};
    so.operation = mode == STK_CLI_PLAN ? "plan" : mode == STK_CLI_DESTROY ? "destroy" : mode == STK_CLI_REFRESH ? "refresh" : "apply";
    so.no_lock = o.no_lock;
    so.lock_timeout_ms = o.lock_timeout_ms;
    so.workspace = src.workspace;   /* -env NAME: workspace NAME */
    so.reconciles = 1;              /* stk_plan_recover below */
    if (src.workspace && !stk_workspace_exists(".", src.workspace)) {
        if (stk_workspace_new(".", src.workspace, &d)) goto out;
        if (!o.json) printf("Created workspace \"%s\" for environment %s.\n\n", src.workspace, env);
    }
    if (stk_backend_session_opts(".", &so, &backend, &d)) goto out;
    if (stk_session_open(".", &so, &s, &d)) goto out;
    stk_backend_session_attach(&backend, &s);
    have_session = 1;

    /* Before anything changes state (recovery included): a protected
       workspace takes only committed, pushed configuration, and the
       history row records where the configuration came from.  The git
       side is DIR (with -env the layout's root, which holds envs/ and
       the shared modules); .stk/ is the current directory's.  A caller
       that recorded the provenance itself before handing over (with a
       directory that is not the user's) is responsible for both. */
    if (mode != STK_CLI_PLAN && !stk_git_provenance_recorded()) {
        if (stk_git_check_workspace(".", dir, rev, s.workspace, o.allow_dirty, &d)) goto out;
        /* provenance is a record, not a gate: a repository with no commit
           yet (or one libgit2 cannot read) only costs the git columns */
        stk_diags pd = STK_DIAGS_INIT;
        if (stk_git_record_provenance(dir, rev, &pd))
            for (size_t i = 0; i < pd.len; i++)
                stk_diags_add(&d, STK_DIAG_WARNING, NULL, "Git provenance not recorded", "%s: %s", pd.items[i].summary,
                              pd.items[i].detail ? pd.items[i].detail : "");
        stk_diags_free(&pd);
    }

    /* interrupted operations of an earlier run */
    char **notes = NULL;
    stk_plan_recover(c, s.st, &notes, &d);
    for (size_t i = 0; notes && notes[i]; i++) {
        if (o.json) json_line("info", "recovery", NULL, "Recovered interrupted operation: %s", notes[i]);
        else printf("Recovered interrupted operation: %s\n", notes[i]);
        free(notes[i]);
    }
    free(notes);
    if (stk_diags_has_errors(&d)) goto out;

    if (pf) {
        const char *lin = json_string_value(json_object_get(pf, "lineage"));
        json_int_t ser = json_integer_value(json_object_get(pf, "serial"));
        char *dig = stk_config_digest(c);
        int stale = strcmp(lin ? lin : "", stk_state_lineage(s.st)) || ser != stk_state_serial(s.st) ||
                    strcmp(dig, json_string_value(json_object_get(pf, "config_digest")) ? json_string_value(json_object_get(pf, "config_digest")) : "");
        free(dig);
        if (stale) {
            stk_diags_add(&d, STK_DIAG_ERROR, NULL, "Saved plan is stale",
                          "The given plan file can no longer be applied because the state was changed by another "
                          "operation after the plan was created, or the configuration changed since. Create a new "
                          "plan with `stk plan -out=FILE`.");
            goto out;
        }
    }

    signal(SIGINT, on_sigint);
    stk_plan_opts po = {0};
    po.refresh = o.refresh;
    po.refresh_only = o.refresh_only;
    po.destroy = o.destroy;
    po.targets = o.targets;
    po.ntargets = o.ntargets;
    po.replace = o.replace;
    po.nreplace = o.nreplace;
    po.parallelism = o.parallelism;
    po.stop = &stop_flag;
    po.cancel = &cancel_flag;
    po.saved_prior = pf ? json_object_get(pf, "prior") : NULL;
    p = stk_plan_make(c, s.st, &po, &d);
    if (!p || stk_diags_has_errors(&d)) goto out;

    if (pf) {
        /* the saved plan must still mean the same actions */
        json_t *acts = json_object_get(pf, "actions");
        int diff = 0;
        size_t nreal = 0;
        for (size_t i = 0; i < p->nchanges; i++) {
            stk_change *ch = p->changes[i];
            if (ch->deposed) continue;
            nreal++;
            if (!json_object_get(acts, ch->addr)) diff = 1;
        }
        if (nreal != json_object_size(acts)) diff = 1;
        if (diff) {
            stk_diags_add(&d, STK_DIAG_ERROR, NULL, "Saved plan is stale",
                          "The configuration or state no longer produces the changes of this plan file.");
            goto out;
        }
        const char *was = json_string_value(json_object_get(json_object_get(pf, "source"), "reads_digest"));
        char *now = was ? stk_config_source_reads_digest(&src) : NULL;
        int moved = was && strcmp(was, now) != 0;
        free(now);
        if (moved) {
            stk_diags_add(&d, STK_DIAG_ERROR, NULL, "Saved plan is stale",
                          "A file the configuration reads (file(), templatefile(), fileexists(), a module or "
                          "tfvars file) changed since the plan was made. Create a new plan with `stk plan "
                          "-out=FILE`.");
            goto out;
        }
    }

    int changes = stk_plan_has_changes(p);
    if (o.json) {
        size_t a, ch, de;
        stk_plan_counts(p, &a, &ch, &de);
        for (size_t i = 0; i < p->nchanges; i++) {
            stk_change *x = p->changes[i];
            if (x->action == STK_PLAN_NOOP) continue;
            static const char *an[] = {"noop", "create", "update", "replace", "replace", "delete", "read"};
            json_line("info", "planned_change",
                      json_pack("{s:{s:{s:s,s:s,s:s},s:s}}", "change", "resource", "addr", x->addr, "resource_type", x->type,
                                "resource_name", x->name, "action", an[x->action]),
                      "%s: Plan to %s", x->addr, an[x->action]);
        }
        json_line("info", "change_summary",
                  json_pack("{s:{s:I,s:I,s:I,s:s}}", "changes", "add", (json_int_t)a, "change", (json_int_t)ch, "remove",
                            (json_int_t)de, "operation", o.destroy ? "destroy" : "plan"),
                  "Plan: %zu to add, %zu to change, %zu to destroy.", a, ch, de);
    } else if (!pf) {
        char *txt = stk_plan_render(p, color);
        fputs(txt, stdout);
        free(txt);
    }

    if (mode == STK_CLI_PLAN) {
        if (o.out) {
            json_t *from = json_pack("{s:s}", "dir", dir);
            if (src.commit) json_object_set_new(from, "commit", json_string(src.commit));
            if (env) json_object_set_new(from, "env", json_string(env));
            char *rd = stk_config_source_reads_digest(&src);
            if (rd) json_object_set_new(from, "reads_digest", json_string(rd));
            free(rd);
            int wr = stk_planfile_write_source(p, c, o.out, from, &d);
            json_decref(from);
            if (wr) goto out;
            if (!o.json) printf("\nSaved the plan to: %s\n\nTo perform exactly these actions, run the following command to apply:\n    stk apply \"%s\"\n", o.out, o.out);
        }
        rc = o.detailed && changes ? STK_EXIT_CHANGES : STK_EXIT_OK;
        goto out;
    }

    if (!changes) {
        if (!o.json) printf("\n%s complete! Resources: 0 added, 0 changed, 0 destroyed.\n", o.destroy ? "Destroy" : "Apply");
        rc = STK_EXIT_OK;
        if (!o.json && !o.destroy) print_outputs(s.st, color);
        goto out;
    }
    if (!o.auto_approve) {
        if (!o.input) {
            stk_diags_add(&d, STK_DIAG_ERROR, NULL, "No approval",
                          "-input=false was given without -auto-approve: stk cannot ask for approval.");
            goto out;
        }
        printf("\n%sDo you %s?%s\n", color ? "\033[1m" : "",
               o.destroy ? "really want to destroy all resources" : "want to perform these actions", color ? "\033[0m" : "");
        printf("  stk will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
        fflush(stdout);
        char line[64] = "";
        if (!fgets(line, sizeof line, stdin)) line[0] = 0;
        line[strcspn(line, "\r\n")] = 0;
        if (strcmp(line, "yes") != 0) {
            printf("\n%s cancelled.\n", o.destroy ? "Destroy" : "Apply");
            rc = STK_EXIT_ERROR;
            goto out;
        }
    }
    if (!o.json) printf("\n");
    ev_ud eu = {o.json, color};
    stk_apply_opts ao = {po, on_event, &eu};
    ao.plan.saved_prior = NULL;
    stk_apply_result ar;
    int arc = stk_plan_apply(p, c, s.st, &ao, &ar, &d);
    char *cl = command_line(argc, argv, c);
    char *sum = stk_xasprintf("Resources: %zu added, %zu changed, %zu destroyed.", ar.added, ar.changed, ar.destroyed);
    json_t *pj = stk_plan_to_json(p, c);
    char *pjs = json_dumps(pj, JSON_COMPACT);
    json_decref(pj);
    stk_session_finish_plan(&s, cl, sum, pjs, &d);   /* history: the command, its summary and the plan JSON */
    free(pjs);
    free(cl);
    if (ar.interrupted && !o.json) printf("\nstk stopped early: the interrupt was honoured; the state records what was done.\n");
    if (arc == 0 && !stk_diags_has_errors(&d)) {
        if (o.json) {
            json_line("info", "apply_summary", NULL, "%s complete! %s", o.destroy ? "Destroy" : "Apply", sum);
        } else {
            if (o.destroy) printf("\n%sDestroy complete! Resources: %zu destroyed.%s\n", color ? "\033[1;32m" : "", ar.destroyed, color ? "\033[0m" : "");
            else printf("\n%sApply complete! %s%s\n", color ? "\033[1;32m" : "", sum, color ? "\033[0m" : "");
            if (!o.destroy) print_outputs(s.st, color);
        }
        rc = STK_EXIT_OK;
    }
    free(sum);
out:
    {   /* AWS retry counts of the whole command (docs/reliability.md): a -json event, or a line
           with STK_LOG=info/debug */
        stk_aws_retry_totals rt;
        stk_aws_retry_totals_get(&rt);
        const char *lv = getenv("STK_LOG");
        char *rs = stk_aws_retry_totals_describe(&rt);
        if (o.json && rt.calls > 0)
            json_line("info", "aws_retries",
                      json_pack("{s:{s:I,s:I,s:I,s:I,s:I,s:I}}", "aws_retries", "calls", (json_int_t)rt.calls,
                                "retries", (json_int_t)rt.retries, "throttling", (json_int_t)rt.throttled, "server_errors",
                                (json_int_t)rt.server, "connection", (json_int_t)rt.transport, "gave_up",
                                (json_int_t)rt.gave_up),
                      "%s", rs);
        else if (!o.json && lv && (!strcmp(lv, "info") || !strcmp(lv, "debug")))
            fprintf(stderr, "stk: %s\n", rs);
        free(rs);
    }
    if (o.json && stk_diags_has_errors(&d)) {
        for (size_t i = 0; i < d.len; i++)
            json_line(d.items[i].severity == STK_DIAG_ERROR ? "error" : "warn", "diagnostic", NULL, "%s: %s",
                      d.items[i].summary, d.items[i].detail ? d.items[i].detail : "");
    }
    if (have_src && src.gitfs) stk_fs_git_each_read(src.gitfs, git_source_cb, NULL);   /* snippets from the commit */
    if (!o.json || !stk_diags_has_errors(&d)) stk_cli_print_diags(stderr, &d, ecolor);
    if (stk_diags_has_errors(&d)) rc = STK_EXIT_ERROR;
    stk_diags_free(&d);
    stk_plan_free(p);
    if (have_session) stk_session_close(&s);
    stk_backend_session_free(&backend);
    stk_config_free(c);
    free(args);
    if (have_src) stk_config_source_close(&src);
    json_decref(pf);
    if (tmpvars) {
        unlink(tmpvars);
        free(tmpvars);
    }
    free(o.vars);
    free(o.targets);
    free(o.replace);
    return rc;
}

int cmd_apply(int argc, char **argv) { return stk_cli_plan_apply(argc, argv, STK_CLI_APPLY); }
int cmd_destroy(int argc, char **argv) { return stk_cli_plan_apply(argc, argv, STK_CLI_DESTROY); }
int cmd_refresh(int argc, char **argv) { return stk_cli_plan_apply(argc, argv, STK_CLI_REFRESH); }
