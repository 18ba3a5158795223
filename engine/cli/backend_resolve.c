/* backend_resolve.c - the backend block of the configuration, evaluated
 * with the root variables, merged with -backend-config layers (see
 * backend_resolve.h).  Kept apart from the session wiring because
 * config.h and the state headers cannot meet in one file. */
#include "cli/backend_resolve.h"
#include "config/config.h"
#include "eval/eval.h"
#include "hcl/parser.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int stk_backend_arg_is_kv(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return 0;
    for (const char *p = arg; p < eq; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') return 0;
    return 1;
}

/* Evaluate one expression to JSON; NULL after a diagnostic. */
static json_t *eval_json(const stk_expr *e, const stk_eval_scope *scope, const char *name, stk_range r,
                         stk_diags *d)
{
    stk_diags ed = STK_DIAGS_INIT;
    stk_value *v = stk_eval_expr(e, scope, &ed);
    int bad = stk_diags_has_errors(&ed);
    stk_diags_append(d, &ed);
    if (bad) {
        stk_value_unref(v);
        return NULL;
    }
    if (!stk_value_is_known_deep(v)) {
        stk_diags_error(d, &r, "Invalid backend setting",
                        "The value of \"%s\" is not known until apply; the backend needs it before anything runs.",
                        name);
        stk_value_unref(v);
        return NULL;
    }
    v = stk_value_unmark_deep(v, NULL);
    json_t *j = stk_value_to_json(v);
    stk_value_unref(v);
    return j;
}

/* A body of attributes (and `endpoints` blocks) as one JSON layer. */
static json_t *body_json(const stk_hcl_body *b, const stk_eval_scope *scope, int *has_secret, stk_diags *d)
{
    json_t *o = json_object();
    int ok = 1;
    for (size_t i = 0; i < b->nattrs; i++) {
        const stk_hcl_attr *a = b->attrs[i];
        if (has_secret && !stk_backend_key_known(a->name)) {   /* top level: a backend setting? */
            stk_diags_error(d, &a->name_range, "Unsupported argument",
                            "An argument named \"%s\" is not expected in the s3 backend configuration.", a->name);
            ok = 0;
            continue;
        }
        json_t *j = eval_json(a->expr, scope, a->name, a->range, d);
        if (!j) {
            ok = 0;
            continue;
        }
        if (has_secret && stk_backend_key_secret(a->name) && !json_is_null(j)) *has_secret = 1;
        json_object_set_new(o, a->name, j);
    }
    for (size_t i = 0; i < b->nblocks; i++) {
        const stk_hcl_block *blk = b->blocks[i];
        if (strcmp(blk->type, "endpoints") != 0 || blk->nlabels) {
            stk_diags_error(d, &blk->type_range, "Unsupported block type",
                            "Blocks of type \"%s\" are not expected in the s3 backend configuration.", blk->type);
            ok = 0;
            continue;
        }
        json_t *ep = body_json(blk->body, scope, NULL, d);
        if (!ep) ok = 0;
        else json_object_set_new(o, "endpoints", ep);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* -backend-config=FILE: HCL attributes, no variables (as Terraform). */
static int apply_file(stk_backend_config *cfg, const char *path, stk_diags *d)
{
    char *data = NULL, *err = NULL;
    size_t len = 0;
    const stk_fs *fs = stk_fs_os();
    if (fs->read(fs, path, &data, &len, &err)) {
        stk_diags_error(d, NULL, "Invalid -backend-config",
                        "\"%s\" is neither KEY=VALUE nor a readable file: %s", path, err ? err : "cannot read");
        free(err);
        return -1;
    }
    stk_hcl_file *f = stk_hcl_parse(path, data, len, d);
    free(data);
    if (!f || stk_diags_has_errors(d)) {
        if (f) stk_hcl_file_free(f);
        return -1;
    }
    stk_func_ctx funcs = {0};
    funcs.base_dir = ".";
    funcs.root_dir = ".";
    funcs.read_file = stk_func_read_file_os;
    stk_eval_scope scope = {0};
    scope.funcs = &funcs;
    int file_secret = 0;   /* secrets from files are not re-read later: only the block's are */
    json_t *layer = body_json(f->body, &scope, &file_secret, d);
    int rc = -1;
    if (layer) {
        char *origin = stk_xasprintf("-backend-config=%s", path);
        rc = stk_backend_config_apply_json(cfg, layer, origin, d);
        free(origin);
        json_decref(layer);
    }
    stk_hcl_file_free(f);
    return rc;
}

/* KEY=VALUE; `endpoints={...}` is parsed as an HCL expression. */
static int apply_kv(stk_backend_config *cfg, const char *arg, stk_diags *d)
{
    if (strncmp(arg, "endpoints=", 10) != 0) return stk_backend_config_apply_kv(cfg, arg, d);
    const char *src = arg + 10;
    stk_hcl_expr_file *ef = stk_hcl_expr_file_parse("-backend-config", src, strlen(src), 0, d);
    int rc = -1;
    if (ef->expr) {
        stk_range r = {0};
        json_t *j = eval_json(ef->expr, NULL, "endpoints", r, d);
        if (j) {
            json_t *layer = json_pack("{s:o}", "endpoints", j);
            rc = stk_backend_config_apply_json(cfg, layer, "-backend-config=endpoints=...", d);
            json_decref(layer);
        }
    }
    stk_hcl_expr_file_free(ef);
    return rc;
}

/* The block's layer, evaluated with the root variables: 1 found, 0 none, -1 error. */
static int block_layer(const char *dir, const stk_backend_inputs *in, json_t **layer, int *has_secret,
                       stk_range *where, stk_diags *d)
{
    *layer = NULL;
    stk_diags ld = STK_DIAGS_INIT;
    stk_config *c = stk_config_load(stk_fs_os(), dir, &ld);
    if (!c || !c->root) {
        stk_diags_append(d, &ld);
        if (c) stk_config_free(c);
        return -1;
    }
    const stk_terraform_settings *t = &c->root->terraform;
    if (!t->backend_type || strcmp(t->backend_type, "local") == 0) {
        /* no remote backend: the rest of the configuration is validate's business */
        stk_diags_free(&ld);
        stk_config_free(c);
        return 0;
    }
    if (strcmp(t->backend_type, "s3") != 0) {
        stk_diags_free(&ld);
        stk_diags_error(d, &t->backend_range, "Unsupported backend",
                        "stk supports the \"s3\" backend (and \"local\"), not \"%s\".", t->backend_type);
        stk_config_free(c);
        return -1;
    }
    *where = t->backend_range;
    stk_diags_free(&ld);   /* errors elsewhere in the configuration do not stop init */
    /* root variables with Terraform's precedence; a missing one only
       matters when the block refers to it */
    size_t nv = in ? in->nvars : 0;
    stk_vararg *va = stk_xcalloc(nv ? nv : 1, sizeof *va);
    for (size_t i = 0; i < nv; i++) {
        va[i].kind = in->vars[i].is_file ? STK_VARARG_FILE : STK_VARARG_VAR;
        va[i].text = in->vars[i].text;
    }
    stk_var_inputs vi = {va, nv, environ, NULL};
    stk_diags vd = STK_DIAGS_INIT;
    stk_config_set_vars(c, &vi, &vd);
    free(va);
    size_t n = c->root->nvariables;
    char **names = stk_xcalloc(n ? n : 1, sizeof *names);
    stk_value **vals = stk_xcalloc(n ? n : 1, sizeof *vals);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c->var_values || !c->var_values[i]) continue;
        names[k] = (char *)c->root->variables[i]->name;
        vals[k++] = stk_value_ref(c->var_values[i]);
    }
    stk_value *var = stk_value_object(names, vals, k);
    const char *bind_names[] = {"var"};
    stk_value *bind_values[] = {var};
    stk_func_ctx funcs = {0};
    funcs.base_dir = dir;
    funcs.root_dir = dir;
    funcs.read_file = stk_func_read_file_os;
    stk_eval_scope scope = {0};
    scope.bind_names = bind_names;
    scope.bind_values = bind_values;
    scope.nbind = 1;
    scope.funcs = &funcs;
    stk_diags bd = STK_DIAGS_INIT;
    *layer = body_json(t->backend, &scope, has_secret, &bd);
    if (!*layer) stk_diags_append(d, &vd);   /* say why a variable had no value */
    stk_diags_free(&vd);
    stk_diags_append(d, &bd);
    stk_value_unref(var);
    free(names);
    free(vals);
    stk_config_free(c);
    return *layer ? 1 : -1;
}

int stk_backend_resolve(const char *dir, const stk_backend_inputs *in, stk_backend_config *cfg, stk_diags *d)
{
    json_t *layer = NULL;
    int has_secret = 0;
    stk_range where = {0};
    int found = block_layer(dir, in, &layer, &has_secret, &where, d);
    if (found < 0) return -1;
    if (found == 0) {
        if (in && in->nbackend_config) {
            stk_diags_error(d, NULL, "No backend block",
                            "-backend-config was given, but the configuration has no `terraform { backend \"s3\" "
                            "{ ... } }` block to complete.");
            return -1;
        }
        return 0;
    }
    stk_backend_config_init(cfg);
    int rc = stk_backend_config_apply_json(cfg, layer, "the backend block", d);
    json_decref(layer);
    cfg->secrets_from_block = has_secret;
    for (size_t i = 0; rc == 0 && in && i < in->nbackend_config; i++) {
        const char *a = in->backend_config[i];
        rc = stk_backend_arg_is_kv(a) ? apply_kv(cfg, a, d) : apply_file(cfg, a, d);
    }
    if (rc == 0) rc = stk_backend_config_finish(cfg, d);
    if (rc) {
        stk_backend_config_free(cfg);
        return -1;
    }
    return 1;
}

