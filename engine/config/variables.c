/* variables.c - the values of the root module's input variables, gathered
 * with Terraform's precedence, lowest first (a later source overrides an
 * earlier one):
 *   1. the variable's default
 *   2. TF_VAR_<name> environment variables, then STK_VAR_<name> (stk's own
 *      prefix wins over TF_VAR_ when both are set)
 *   3. terraform.tfvars, then terraform.tfvars.json
 *   4. *.auto.tfvars and *.auto.tfvars.json, in lexical order of file name
 *   5. -var-file and -var options, in command-line order
 * Strings from -var and the environment are taken literally when the
 * variable's type is string (or not declared) and parsed as an HCL
 * expression otherwise, as Terraform does.  Values are converted to the
 * declared type here; validation rules run during evaluation (evaluate.c),
 * where functions are available.
 *
 * A -var for an undeclared variable is an error; a tfvars entry for one is
 * a warning; an environment variable for one is ignored (all as Terraform).
 */
#include "config/config.h"
#include "config/config_priv.h"
#include "hcl/parser.h"
#include "eval/eval.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    stk_config *c;
    stk_value **vals;        /* raw values (before conversion), parallel to root->variables */
    stk_range *ranges;       /* where each came from (filename NULL: command line / env) */
    const char **origin;     /* "-var", "environment", file name */
    unsigned char *failed;   /* a value was given but could not be read (already reported) */
    stk_arena *arena;        /* filenames of ranges kept past their parse trees */
    stk_hcl_file **files;    /* tfvars trees kept until conversion is done */
    size_t nfiles;
} var_state;

static void set_value(var_state *st, stk_variable *v, stk_value *val, const stk_range *r, const char *origin)
{
    size_t i = v->index;
    if (st->vals[i]) stk_value_unref(st->vals[i]);
    st->vals[i] = val;
    if (r) st->ranges[i] = *r;
    else memset(&st->ranges[i], 0, sizeof st->ranges[i]);
    st->origin[i] = origin;
}

/* A value given as text (-var, environment). */
static stk_value *value_from_text(var_state *st, stk_variable *v, const char *text, const char *what,
                                  stk_diags *d)
{
    if (!v->parse_as_hcl) return stk_value_string(text);
    stk_arena *a = stk_arena_new();
    stk_hcl_literals lits = {0};
    char *fname = stk_xasprintf("<value for var.%s>", v->name);
    stk_diags local = STK_DIAGS_INIT;
    stk_expr *e = stk_hcl_parse_expr(a, fname, text, strlen(text), &local, &lits);
    stk_value *val = NULL;
    if (e && !stk_diags_has_errors(&local)) val = stk_eval_expr(e, NULL, &local);
    if (stk_diags_has_errors(&local)) {
        stk_diags_error(d, NULL, "Invalid value for input variable",
                        "The value given for var.%s by %s is not a valid expression: %s%s%s.", v->name, what,
                        local.items[0].summary, local.items[0].detail ? ": " : "",
                        local.items[0].detail ? local.items[0].detail : "");
        if (val) stk_value_unref(val);
        val = NULL;
    }
    (void)st;
    stk_diags_free(&local);
    stk_hcl_literals_free(&lits);
    stk_arena_free(a);
    free(fname);
    return val;
}

static void from_environ(var_state *st, char *const *env, const char *prefix, stk_diags *d)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], prefix, pl) != 0) continue;
        const char *eq = strchr(env[i] + pl, '=');
        if (!eq) continue;
        char *name = stk_xstrndup(env[i] + pl, (size_t)(eq - env[i] - pl));
        stk_variable *v = stk_strmap_get(&st->c->root->var_map, name);
        if (v) {
            char *what = stk_xasprintf("the environment variable %s%s", prefix, name);
            stk_value *val = value_from_text(st, v, eq + 1, what, d);
            free(what);
            if (val) set_value(st, v, val, NULL, "environment");
            else st->failed[v->index] = 1;
        }
        free(name);
    }
}

static void from_hcl_file(var_state *st, const char *path, const char *src, size_t len, int undeclared_error,
                          stk_diags *d)
{
    stk_hcl_file *f = stk_hcl_parse(path, src, len, d);
    if (!f) return;
    st->files = stk_xrealloc(st->files, (st->nfiles + 1) * sizeof *st->files);
    st->files[st->nfiles++] = f;
    const char *origin = f->filename;
    for (size_t i = 0; i < f->body->nblocks; i++)
        stk_diags_error(d, &f->body->blocks[i]->type_range, "Unexpected block",
                        "Blocks are not allowed here: a variable definitions file holds only "
                        "name = value arguments.");
    for (size_t i = 0; i < f->body->nattrs; i++) {
        stk_hcl_attr *a = f->body->attrs[i];
        stk_variable *v = stk_strmap_get(&st->c->root->var_map, a->name);
        if (!v) {
            if (undeclared_error)
                stk_diags_error(d, &a->name_range, "Value for undeclared variable",
                                "A variable named \"%s\" was assigned a value, but the root module does not "
                                "declare a variable of that name. To use this value, add a \"variable\" block "
                                "to the configuration.", a->name);
            else
                stk_diags_warning(d, &a->name_range, "Value for undeclared variable",
                                  "The root module does not declare a variable named \"%s\" but a value was "
                                  "found in file \"%s\". If you meant to use this value, add a \"variable\" "
                                  "block to the configuration.", a->name, path);
            continue;
        }
        stk_value *val = stk_eval_expr(a->expr, NULL, d);
        set_value(st, v, val, &a->expr->range, origin);
    }
}

static void from_json_file(var_state *st, const char *path, const char *src, size_t len, stk_diags *d)
{
    json_error_t jerr;
    json_t *j = json_loadb(src, len, 0, &jerr);
    if (!j || !json_is_object(j)) {
        stk_range r = {0};
        r.filename = stk_arena_strdup(st->arena, path);
        r.start.line = r.end.line = j ? 1 : jerr.line > 0 ? jerr.line : 1;
        r.start.col = r.end.col = j ? 1 : jerr.column > 0 ? jerr.column : 1;
        r.end.col++;
        stk_diags_error(d, &r, "Invalid variable definitions file",
                        j ? "The root value in a JSON-based variable definitions file must be an object."
                          : "%s", jerr.text);
        if (j) json_decref(j);
        return;
    }
    const char *key;
    json_t *val;
    const char *fname = stk_arena_strdup(st->arena, path);
    json_object_foreach(j, key, val) {
        stk_variable *v = stk_strmap_get(&st->c->root->var_map, key);
        stk_range r = {0};
        r.filename = fname;
        r.start.line = r.end.line = 1;
        r.start.col = 1;
        r.end.col = 2;
        if (!v) {
            stk_diags_warning(d, &r, "Value for undeclared variable",
                              "The root module does not declare a variable named \"%s\" but a value was found "
                              "in file \"%s\". If you meant to use this value, add a \"variable\" block to the "
                              "configuration.", key, path);
            continue;
        }
        set_value(st, v, stk_value_from_json(val), NULL, fname);
    }
    json_decref(j);
}

static void from_file(var_state *st, const stk_fs *fs, const char *path, int must_exist, int undeclared_error,
                      stk_diags *d)
{
    char *src = NULL, *err = NULL;
    size_t len = 0;
    if (!must_exist && stk_fs_exists(fs, path) != 1) return;
    if (stk_fs_read(fs, path, &src, &len, &err) != 0) {
        stk_diags_error(d, NULL, "Failed to read variables file", "Given variables file %s does not exist: %s",
                        path, err);
        free(err);
        return;
    }
    size_t l = strlen(path);
    if (l > 5 && !strcmp(path + l - 5, ".json")) from_json_file(st, path, src, len, d);
    else from_hcl_file(st, path, src, len, undeclared_error, d);
    free(src);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int stk_config_set_vars(stk_config *c, const stk_var_inputs *in, stk_diags *d)
{
    stk_module *root = c->root;
    size_t n = root->nvariables;
    size_t errs_before = stk_diags_count(d, STK_DIAG_ERROR);
    var_state st = {0};
    st.c = c;
    st.vals = stk_xcalloc(n ? n : 1, sizeof *st.vals);
    st.ranges = stk_xcalloc(n ? n : 1, sizeof *st.ranges);
    st.origin = stk_xcalloc(n ? n : 1, sizeof *st.origin);
    st.failed = stk_xcalloc(n ? n : 1, 1);
    st.arena = stk_arena_new();

    /* 2. environment */
    if (in && in->environ) {
        from_environ(&st, in->environ, "TF_VAR_", d);
        from_environ(&st, in->environ, "STK_VAR_", d);
    }
    /* 3. terraform.tfvars(.json) and 4. *.auto.tfvars(.json), through the config's fs */
    char *p = stk_path_join(root->fsdir, "terraform.tfvars");
    from_file(&st, c->fs, p, 0, 0, d);
    free(p);
    p = stk_path_join(root->fsdir, "terraform.tfvars.json");
    from_file(&st, c->fs, p, 0, 0, d);
    free(p);
    char **names = NULL, *err = NULL;
    size_t nn = 0;
    unsigned char *isdir = NULL;
    if (stk_fs_list(c->fs, root->fsdir, &names, &nn, &isdir, &err) == 0) {
        char **autos = stk_xcalloc(nn ? nn : 1, sizeof *autos);
        size_t na = 0;
        for (size_t i = 0; i < nn; i++) {
            size_t l = strlen(names[i]);
            if (isdir[i]) continue;
            if ((l > 12 && !strcmp(names[i] + l - 12, ".auto.tfvars")) ||
                (l > 17 && !strcmp(names[i] + l - 17, ".auto.tfvars.json")))
                autos[na++] = names[i];
        }
        qsort(autos, na, sizeof *autos, cmp_str);
        for (size_t i = 0; i < na; i++) {
            p = stk_path_join(root->fsdir, autos[i]);
            from_file(&st, c->fs, p, 1, 0, d);
            free(p);
        }
        free(autos);
        stk_fs_names_free(names, nn);
        free(isdir);
    } else {
        free(err);
    }
    /* 5. command line, in order */
    const stk_fs *vfs = in && in->varfile_fs ? in->varfile_fs : stk_fs_os();
    for (size_t i = 0; in && i < in->nargs; i++) {
        const stk_vararg *a = &in->args[i];
        if (a->kind == STK_VARARG_FILE) {
            from_file(&st, vfs, a->text, 1, 0, d);
            continue;
        }
        const char *eq = strchr(a->text, '=');
        if (!eq || eq == a->text) {
            stk_diags_error(d, NULL, "Invalid -var option",
                            "The given -var option \"%s\" is not correctly specified. Must be a variable name "
                            "and value separated by an equals sign, like -var=\"key=value\".", a->text);
            continue;
        }
        char *name = stk_xstrndup(a->text, (size_t)(eq - a->text));
        stk_variable *v = stk_strmap_get(&root->var_map, name);
        if (!v) {
            stk_diags_error(d, NULL, "Value for undeclared variable",
                            "A variable named \"%s\" was assigned on the command line, but the root module "
                            "does not declare a variable of that name. To use this value, add a \"variable\" "
                            "block to the configuration.", name);
        } else {
            stk_value *val = value_from_text(&st, v, eq + 1, "the -var option", d);
            if (val) set_value(&st, v, val, NULL, "-var");
            else st.failed[v->index] = 1;
        }
        free(name);
    }

    /* conversion, defaults, required */
    if (!c->var_values) {
        c->var_values = stk_xcalloc(n ? n : 1, sizeof *c->var_values);
        c->var_ranges = stk_xcalloc(n ? n : 1, sizeof *c->var_ranges);
    }
    for (size_t i = 0; i < n; i++) {
        stk_variable *v = root->variables[i];
        stk_value *final = NULL;
        stk_range r = st.ranges[i].filename ? st.ranges[i] : v->decl_range;
        if (st.vals[i]) {
            char *cerr = NULL;
            stk_value *cv = stk_value_convert(st.vals[i], v->type, &cerr);
            if (!cv) {
                char *t = stk_type_to_string(v->type);
                stk_diags_error(d, &r, "Invalid value for input variable",
                                "The value for var.%s (from %s) is not suitable for the variable declared at "
                                "%s:%d,%d: %s. The type constraint is %s.", v->name,
                                st.origin[i] ? st.origin[i] : "?", v->decl_range.filename,
                                v->decl_range.start.line, v->decl_range.start.col, cerr ? cerr : "wrong type", t);
                free(t);
                free(cerr);
            } else if (cv->is_null && !v->nullable) {
                stk_diags_error(d, &r, "Required variable not set",
                                "Unsuitable value for var.%s set from outside of the configuration: required "
                                "variable may not be set to null.", v->name);
                stk_value_unref(cv);
            } else if (cv->is_null && v->default_value) {
                /* a null for a nullable variable keeps null (Terraform 1.1+) */
                final = cv;
            } else {
                final = cv;
            }
        } else if (v->default_value) {
            final = stk_value_ref(v->default_value);
        } else if (v->default_expr || st.failed[i]) {
            /* a default that failed to convert was reported at load time;
               a value that could not be parsed was reported above */
        } else {
            stk_diags_error(d, &v->decl_range, "No value for required variable",
                            "The root module input variable \"%s\" is not set, and has no default value. Use a "
                            "-var or -var-file command line argument to provide a value for this variable.",
                            v->name);
        }
        if (final && v->sensitive) final = stk_value_mark(final, STK_MARK_SENSITIVE);
        if (c->var_values[i]) stk_value_unref(c->var_values[i]);
        c->var_values[i] = final;
        c->var_ranges[i] = st.ranges[i].filename ? st.ranges[i] : v->decl_range;
        /* the range's filename must outlive the tfvars trees: keep a copy */
        if (c->var_ranges[i].filename)
            c->var_ranges[i].filename = stk_arena_strdup(c->arena, c->var_ranges[i].filename);
        if (st.vals[i]) stk_value_unref(st.vals[i]);
    }
    c->vars_set = 1;
    for (size_t i = 0; i < st.nfiles; i++) stk_hcl_file_free(st.files[i]);
    free(st.files);
    free(st.vals);
    free(st.ranges);
    free(st.origin);
    free(st.failed);
    stk_arena_free(st.arena);
    return stk_diags_count(d, STK_DIAG_ERROR) > errs_before ? -1 : 0;
}
