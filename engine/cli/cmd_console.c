/* cmd_console.c - `stk console [options] [DIR]`: read expressions from
 * standard input, one per line (an expression whose brackets, strings or
 * heredoc are still open continues on the next lines), evaluate each
 * against the configuration in DIR and print its value as `terraform
 * console` does.  Errors are rendered with the source line and a caret.
 *
 * Names: var.*, local.*, module.*, data.*, resources (aws_vpc.main ...),
 * path.* and terraform.workspace come from the root module of the
 * configuration, evaluated as `stk validate` evaluates it (values known
 * only after apply print as "(known after apply)").  When DIR is not given
 * the current directory is used if it holds *.tf files; otherwise only
 * literal expressions and functions are available, and references report
 * that nothing of that name is declared.
 *
 * Exit status: 0 when every expression evaluated, 1 when one failed (the
 * others are still evaluated) or the configuration did not load. */
#include "cli/cli.h"
#include "git/source.h"
#include "util/fs_git.h"
#include "config/config.h"
#include "eval/eval.h"
#include "hcl/parser.h"
#include "util/strbuf.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void help(void)
{
    printf("Usage: stk console [options] [DIR]\n"
           "\n"
           "  Read expressions from standard input, one per line, and print their\n"
           "  values as `terraform console` does.  Expressions may refer to the\n"
           "  variables, locals, outputs of module calls, resources and data sources\n"
           "  of the root module of the configuration in DIR (default: the current\n"
           "  directory, when it holds .tf files), and call every built-in function.\n"
           "  Values only known after apply print as (known after apply); sensitive\n"
           "  values as (sensitive value).  Type `exit` or end the input to leave.\n"
           "\n"
           "Options:\n"
           "  -no-color           Do not use terminal colors (also NO_COLOR=1)\n"
           "  -var 'name=value'   Set a root module variable (repeatable)\n"
           "  -var-file=FILE      Read variable values from FILE (repeatable)\n"
           "  -rev=REV            Read the configuration as committed at REV (commit, tag,\n"
           "                      branch) from git, ignoring uncommitted edits\n"
           "  -env=NAME           Use the environment layout DIR/envs/NAME\n");
}

static void git_source_cb(const char *path, const char *data, size_t len, void *ud)
{
    (void)ud;
    stk_cli_register_source(path, data, len);
}

/* ------------------------------------------------------------------ */
/* the scope: the root module instance of an evaluated configuration   */

typedef struct {
    stk_evaluation *ev;         /* NULL: no configuration */
    const char *root_dir;
    char *cwd;
} console_ctx;

static stk_value *object_of(const char *const *names, stk_value *const *vals, size_t n)
{
    char **keys = stk_xcalloc(n + 1, sizeof *keys);
    stk_value **v = stk_xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        keys[k] = (char *)names[i];
        v[k++] = vals[i] ? stk_value_ref(vals[i]) : stk_value_unknown(STK_DYNAMIC);
    }
    stk_value *o = stk_value_object(keys, v, k);
    free(keys);
    free(v);
    return o;
}

static stk_value *module_outputs(const stk_module_instance *mi)
{
    const stk_module *m = mi->mod;
    const char **names = stk_xcalloc(m->noutputs + 1, sizeof *names);
    for (size_t i = 0; i < m->noutputs; i++) names[i] = m->outputs[i]->name;
    stk_value *o = object_of(names, mi->outputs, m->noutputs);
    free(names);
    return o;
}

static stk_value *call_value(const stk_call_slot *slot)
{
    switch (slot->mode) {
    case STK_EXPAND_SINGLE:
        if (slot->ninsts) return module_outputs(slot->insts[0]);
        return stk_value_unknown(STK_DYNAMIC);
    case STK_EXPAND_COUNT: {
        stk_value **items = stk_xcalloc(slot->ninsts + 1, sizeof *items);
        for (size_t i = 0; i < slot->ninsts; i++) items[i] = module_outputs(slot->insts[i]);
        stk_value *t = stk_value_tuple(items, slot->ninsts);
        free(items);
        return t;
    }
    case STK_EXPAND_FOREACH: {
        char **keys = stk_xcalloc(slot->ninsts + 1, sizeof *keys);
        stk_value **items = stk_xcalloc(slot->ninsts + 1, sizeof *items);
        size_t n = 0;
        for (size_t i = 0; i < slot->ninsts; i++) {
            const stk_value *key = slot->insts[i]->key;
            if (!key || key->type->kind != STK_TY_STRING) continue;
            keys[n] = (char *)stk_value_str(key);
            items[n++] = module_outputs(slot->insts[i]);
        }
        stk_value *o = stk_value_object(keys, items, n);
        free(keys);
        free(items);
        return o;
    }
    default:
        return stk_value_unknown(STK_DYNAMIC);
    }
}

/* The resources of the root module with this mode and type, as an object
   name -> value; NULL when there is none. */
static stk_value *resources_of(const console_ctx *c, stk_resource_mode mode, const char *type)
{
    if (!c->ev) return NULL;
    const stk_module *m = c->ev->root->mod;
    const stk_module_instance *mi = c->ev->root;
    size_t n = 0;
    char **keys = stk_xcalloc(m->nresources + 1, sizeof *keys);
    stk_value **vals = stk_xcalloc(m->nresources + 1, sizeof *vals);
    for (size_t i = 0; i < m->nresources; i++) {
        const stk_resource *r = m->resources[i];
        if (r->mode != mode || strcmp(r->type, type) != 0) continue;
        keys[n] = (char *)r->name;
        stk_value *agg = mi->res ? mi->res[i].agg : NULL;
        vals[n++] = agg ? stk_value_ref(agg) : stk_value_unknown(STK_DYNAMIC);
    }
    stk_value *o = n ? stk_value_object(keys, vals, n) : NULL;
    free(keys);
    free(vals);
    return o;
}

static stk_value *resolve(void *ud, const stk_ref *ref, size_t *consumed, stk_diags *d)
{
    const console_ctx *c = ud;
    const stk_module *m = c->ev ? c->ev->root->mod : NULL;
    const stk_module_instance *mi = c->ev ? c->ev->root : NULL;
    const char *root = ref->root;
    const char *a0 = stk_ref_attr(ref, 0);
    *consumed = 0;

    if (strcmp(root, "var") == 0) {
        if (a0 && (!m || !stk_strmap_get(&m->var_map, a0))) {
            stk_diags_error(d, &ref->range, "Reference to undeclared input variable",
                            "An input variable with the name \"%s\" has not been declared. This variable "
                            "can be declared with a variable \"%s\" {} block.", a0, a0);
            return NULL;
        }
        if (!m) return stk_value_empty_object();
        const char **names = stk_xcalloc(m->nvariables + 1, sizeof *names);
        for (size_t i = 0; i < m->nvariables; i++) names[i] = m->variables[i]->name;
        stk_value *o = object_of(names, mi->vars, m->nvariables);
        free(names);
        return o;
    }
    if (strcmp(root, "local") == 0) {
        if (a0 && (!m || !stk_strmap_get(&m->local_map, a0))) {
            stk_diags_error(d, &ref->range, "Reference to undeclared local value",
                            "A local value with the name \"%s\" has not been declared.", a0);
            return NULL;
        }
        if (!m) return stk_value_empty_object();
        const char **names = stk_xcalloc(m->nlocals + 1, sizeof *names);
        for (size_t i = 0; i < m->nlocals; i++) names[i] = m->locals[i]->name;
        stk_value *o = object_of(names, mi->locals, m->nlocals);
        free(names);
        return o;
    }
    if (strcmp(root, "module") == 0) {
        const stk_module_call *call = a0 && m ? stk_strmap_get(&m->call_map, a0) : NULL;
        if (!call) {
            stk_diags_error(d, &ref->range, "Reference to undeclared module",
                            "No module call named \"%s\" is declared in the root module.", a0 ? a0 : "");
            return NULL;
        }
        *consumed = 1;
        return call_value(&mi->calls[call->index]);
    }
    if (strcmp(root, "path") == 0) {
        const char *names[] = {"cwd", "module", "root"};
        /* as config/evaluate.c: the root module's dir (".") for module and root */
        const char *mdir = m && m->dir ? m->dir : ".";
        stk_value *vals[] = {stk_value_string(c->ev && c->ev->cwd ? c->ev->cwd : c->cwd),
                             stk_value_string(mdir), stk_value_string(".")};
        stk_value *o = object_of(names, vals, 3);
        for (int i = 0; i < 3; i++) stk_value_unref(vals[i]);
        return o;
    }
    if (strcmp(root, "terraform") == 0) {
        const char *names[] = {"workspace"};
        stk_value *vals[] = {stk_value_string(c->ev && c->ev->opts.workspace ? c->ev->opts.workspace : "default")};
        stk_value *o = object_of(names, vals, 1);
        stk_value_unref(vals[0]);
        return o;
    }
    if (strcmp(root, "count") == 0) {
        stk_diags_error(d, &ref->range, "Reference to \"count\" in non-counted context",
                        "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" "
                        "blocks, and only when the \"count\" argument is set.");
        return NULL;
    }
    if (strcmp(root, "each") == 0) {
        stk_diags_error(d, &ref->range, "Reference to \"each\" in context without for_each",
                        "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and "
                        "only when the \"for_each\" argument is set.");
        return NULL;
    }
    if (strcmp(root, "self") == 0) {
        stk_diags_error(d, &ref->range, "Invalid \"self\" reference",
                        "The \"self\" object is not available in this context. This object can be used "
                        "only in resource provisioner, connection, and postcondition blocks.");
        return NULL;
    }
    int data = strcmp(root, "data") == 0;
    const char *type = data ? a0 : root;
    const char *name = data ? stk_ref_attr(ref, 1) : a0;
    if (!type || !name) {
        stk_diags_error(d, &ref->range, "Invalid reference",
                        data ? "The \"data\" object must be followed by two attribute names: the data "
                               "source type and the resource name."
                             : "A reference to a resource type must be followed by at least one attribute "
                               "access, specifying the resource name.");
        return NULL;
    }
    stk_value *o = resources_of(c, data ? STK_MODE_DATA : STK_MODE_MANAGED, type);
    stk_value *v = o ? stk_value_get(o, name) : NULL;
    if (!v) {
        stk_diags_error(d, &ref->range, "Reference to undeclared resource",
                        "A %s resource \"%s\" \"%s\" has not been declared in the root module.",
                        data ? "data" : "managed", type, name);
        if (o) stk_value_unref(o);
        return NULL;
    }
    v = stk_value_ref(v);
    stk_value_unref(o);
    *consumed = data ? 2 : 1;
    return v;
}

/* ------------------------------------------------------------------ */
/* reading and evaluating                                              */

/* A parse error that more input could fix: keep reading.  That is an
   error about something left open, or any error found at the very end of
   the input (past its last non-blank byte). */
static int incomplete(const stk_diags *d, const char *src, size_t len)
{
    while (len && (src[len - 1] == ' ' || src[len - 1] == '\t' || src[len - 1] == '\n' || src[len - 1] == '\r'))
        len--;
    for (size_t i = 0; i < d->len; i++) {
        if (d->items[i].severity == STK_DIAG_ERROR && d->items[i].subject.start.byte >= len) return 1;
    }
    for (size_t i = 0; i < d->len; i++) {
        const char *s = d->items[i].summary;
        if (d->items[i].severity != STK_DIAG_ERROR) continue;
        const char *det = d->items[i].detail ? d->items[i].detail : "";
        if (strncmp(s, "Unterminated", 12) == 0 || strncmp(s, "Unclosed", 8) == 0 ||
            strcmp(s, "Missing expression") == 0 || strcmp(s, "Unbalanced parentheses") == 0 ||
            strstr(det, "end of file") || strstr(det, "end of the file"))
            return 1;
    }
    return 0;
}

static int dir_has_tf(const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(dh))) {
        size_t n = strlen(e->d_name);
        if (n > 3 && strcmp(e->d_name + n - 3, ".tf") == 0) found = 1;
    }
    closedir(dh);
    return found;
}

static int only_space(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return 0;
    return 1;
}

/* Evaluate one input; returns 0 on success. */
static int eval_one(const char *src, size_t len, const stk_eval_scope *scope, int color)
{
    static const char *fname = "<console-input>";
    stk_diags d = STK_DIAGS_INIT;
    stk_cli_register_source(fname, src, len);
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse(fname, src, len, 0, &d);
    stk_value *v = NULL;
    if (f->expr && !stk_diags_has_errors(&d)) v = stk_eval_expr(f->expr, scope, &d);
    int ok = !stk_diags_has_errors(&d);
    stk_cli_print_diags(stderr, &d, color);
    if (ok && v) {
        char *s = stk_value_to_hcl(v);
        printf("%s\n", s);
        free(s);
    }
    fflush(stdout);
    if (v) stk_value_unref(v);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
    return ok ? 0 : 1;
}

int cmd_console(int argc, char **argv)
{
    int no_color = 0;
    const char *dir = NULL, *rev = NULL, *env = NULL;
    stk_vararg *args = stk_xcalloc((size_t)argc + 1, sizeof *args);
    size_t nargs = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help();
            free(args);
            return STK_EXIT_OK;
        } else if (stk_cli_opt(argc, argv, &i, "rev", &v)) {
            rev = v;
        } else if (stk_cli_opt(argc, argv, &i, "env", &v)) {
            env = v;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            args[nargs].kind = STK_VARARG_FILE;
            args[nargs++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            args[nargs].kind = STK_VARARG_VAR;
            args[nargs++].text = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s for console\n\n", argv[i]);
            help();
            free(args);
            return STK_EXIT_ERROR;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "Error: console takes at most one directory argument\n");
            free(args);
            return STK_EXIT_ERROR;
        }
    }
    int color = stk_cli_use_color(stderr, no_color);
    console_ctx cc = {0};
    stk_config_source src;
    stk_diags sd = STK_DIAGS_INIT;
    if (stk_config_source_open(&src, dir, rev, env, &sd) != 0) {
        stk_cli_print_diags(stderr, &sd, color);
        stk_diags_free(&sd);
        free(args);
        return STK_EXIT_ERROR;
    }
    cc.root_dir = src.cfg_dir;
    char buf[4096];
    cc.cwd = stk_xstrdup(getcwd(buf, sizeof buf) ? buf : ".");

    stk_config *cfg = NULL;
    stk_diags d = STK_DIAGS_INIT;
    stk_func_ctx bare = {0};
    bare.base_dir = cc.root_dir;
    bare.root_dir = cc.root_dir;
    bare.cwd = cc.cwd;
    bare.read_file = stk_func_read_file_os;
    bare.render_template = stk_eval_render_template;
    int status = STK_EXIT_OK;
    if (dir || rev || env || dir_has_tf(".")) {
        cfg = stk_config_load(src.fs, cc.root_dir, &d);
        if (cfg && !stk_diags_has_errors(&d)) {
            size_t nall = 0;
            stk_vararg *all = stk_config_source_args(&src, args, nargs, &nall);
            stk_var_inputs in = {all, nall, environ, src.varfile_fs};
            stk_config_set_vars(cfg, &in, &d);
            free(all);
        }
        if (cfg && !stk_diags_has_errors(&d)) {
            stk_eval_opts opts = {0};
            opts.validate_only = 1;
            opts.workspace = src.workspace;   /* -env NAME: terraform.workspace is NAME */
            cc.ev = stk_config_evaluate(cfg, &opts, &d);
        }
        if (src.gitfs) stk_fs_git_each_read(src.gitfs, git_source_cb, NULL);
        stk_cli_print_diags(stderr, &d, color);
        if (stk_diags_has_errors(&d)) {
            stk_diags_free(&d);
            if (cc.ev) stk_evaluation_free(cc.ev);
            if (cfg) stk_config_free(cfg);
            stk_config_source_close(&src);
            free(cc.cwd);
            free(args);
            return STK_EXIT_ERROR;
        }
        stk_diags_free(&d);
    } else if (nargs) {
        fprintf(stderr, "Error: -var and -var-file need a configuration directory\n");
        stk_config_source_close(&src);
        free(cc.cwd);
        free(args);
        return STK_EXIT_ERROR;
    }

    stk_eval_scope scope = {0};
    scope.resolve = resolve;
    scope.ud = &cc;
    scope.funcs = cc.ev ? &cc.ev->root->funcs : &bare;

    int tty = isatty(0) && isatty(1);
    stk_strbuf pending = STK_STRBUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    for (;;) {
        if (tty) {
            fputs(pending.len ? "... " : "> ", stdout);
            fflush(stdout);
        }
        n = getline(&line, &cap, stdin);
        if (n < 0) break;
        if (!pending.len && (strcmp(line, "exit\n") == 0 || strcmp(line, "exit") == 0)) break;
        if (!pending.len && only_space(line)) continue;
        stk_strbuf_add(&pending, line, (size_t)n);
        /* does what we have parse, or could more lines complete it? */
        stk_diags pd = STK_DIAGS_INIT;
        stk_hcl_expr_file *f = stk_hcl_expr_file_parse("<console-input>", pending.s, pending.len, 0, &pd);
        int more = stk_diags_has_errors(&pd) && incomplete(&pd, pending.s, pending.len);
        stk_hcl_expr_file_free(f);
        stk_diags_free(&pd);
        if (more && !feof(stdin)) continue;
        /* drop the final newline so carets point into the expression */
        size_t len = pending.len;
        while (len && (pending.s[len - 1] == '\n' || pending.s[len - 1] == '\r')) len--;
        if (eval_one(pending.s, len, &scope, color)) status = STK_EXIT_ERROR;
        stk_strbuf_reset(&pending);
    }
    if (pending.len) {
        size_t len = pending.len;
        while (len && (pending.s[len - 1] == '\n' || pending.s[len - 1] == '\r')) len--;
        if (eval_one(pending.s, len, &scope, color)) status = STK_EXIT_ERROR;
    }
    if (tty) putchar('\n');
    free(line);
    stk_strbuf_free(&pending);
    if (cc.ev) stk_evaluation_free(cc.ev);
    if (cfg) stk_config_free(cfg);
    stk_config_source_close(&src);
    free(cc.cwd);
    free(args);
    return status;
}
