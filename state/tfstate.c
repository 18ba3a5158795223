/* tfstate.c - Terraform state v4 JSON <-> the store (see tfstate.h). */
#include "tfstate.h"
#include "json.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

static const char *const known_instance_fields[] = {
    "index_key", "status", "deposed", "schema_version", "attributes", "attributes_flat",
    "sensitive_attributes", "private", "dependencies", "create_before_destroy", NULL,
};

void stk_tfstate_free(stk_tfstate *t)
{
    free(t->lineage);
    free(t->terraform_version);
    stk_state_instance_list_free(&t->instances);
    stk_state_output_list_free(&t->outputs);
    memset(t, 0, sizeof *t);
}

static char *dump(json_t *j)
{
    return stk_json_dump(j, STK_JSON_COMPACT | STK_JSON_SORT_KEYS);
}

/* ---- sensitive paths ---------------------------------------------------- */

static json_t *step_attr(const char *name, size_t n)
{
    return json_pack("{s:s, s:s%}", "type", "get_attr", "value", name, n);
}

/* "a.b[0][\"k\"]" -> path steps */
static json_t *flat_to_path(const char *s)
{
    json_t *path = json_array();
    const char *p = s;
    while (*p) {
        if (*p == '.') { p++; continue; }
        if (*p == '[') {
            p++;
            if (*p == '"') {
                const char *b = ++p;
                while (*p && *p != '"') p++;
                json_array_append_new(path, json_pack("{s:s, s:{s:s%, s:s}}", "type", "index", "value", "value",
                                                      b, (size_t)(p - b), "type", "string"));
                if (*p) p++;
            } else {
                long long v = strtoll(p, (char **)&p, 10);
                json_array_append_new(path, json_pack("{s:s, s:{s:I, s:s}}", "type", "index", "value", "value",
                                                      (json_int_t)v, "type", "number"));
            }
            while (*p && *p != ']') p++;
            if (*p) p++;
            continue;
        }
        const char *b = p;
        while (*p && *p != '.' && *p != '[') p++;
        json_array_append_new(path, step_attr(b, (size_t)(p - b)));
    }
    return path;
}

static int valid_step(json_t *step)
{
    if (!json_is_object(step)) return 0;
    const char *type = json_string_value(json_object_get(step, "type"));
    json_t *v = json_object_get(step, "value");
    if (!type) return 0;
    if (strcmp(type, "get_attr") == 0) return json_is_string(v);
    if (strcmp(type, "index") == 0) return json_is_object(v) && json_object_get(v, "value") != NULL;
    return 0;
}

json_t *stk_tfstate_sensitive_paths(json_t *v, const char *where, stk_diags *d)
{
    if (!v || json_is_null(v)) return json_array();
    if (!json_is_array(v)) {
        stk_diags_error(d, NULL, "Invalid sensitive_attributes", "%s: sensitive_attributes must be an array", where);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (json_is_string(e)) {            /* the flat form */
            json_array_append_new(out, flat_to_path(json_string_value(e)));
            continue;
        }
        int ok = json_is_array(e);
        size_t j;
        json_t *step;
        if (ok) json_array_foreach(e, j, step) ok = ok && valid_step(step);
        if (!ok) {
            stk_diags_error(d, NULL, "Invalid sensitive_attributes",
                            "%s: entry %zu is neither a path (a list of get_attr/index steps) nor a string",
                            where, i);
            json_decref(out);
            return NULL;
        }
        json_array_append(out, e);
    }
    return out;
}

/* ---- parse -------------------------------------------------------------- */

static int parse_instance(json_t *res, const char *module, const char *mode, const char *type, const char *name,
                          const char *provider, json_t *ji, size_t idx, stk_state_instance *in, stk_diags *d)
{
    memset(in, 0, sizeof *in);
    char *where = stk_xasprintf("%s%s%s%s.%s instance %zu", module, *module ? "." : "",
                                strcmp(mode, "data") == 0 ? "data." : "", type, name, idx);
    int ret = -1;
    json_t *sens = NULL;
    if (!json_is_object(ji)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "%s is not an object", where);
        goto out;
    }
    stk_strbuf a = STK_STRBUF_INIT;
    if (*module) stk_strbuf_printf(&a, "%s.", module);
    if (strcmp(mode, "data") == 0) stk_strbuf_puts(&a, "data.");
    stk_strbuf_printf(&a, "%s.%s", type, name);
    json_t *key = json_object_get(ji, "index_key");
    if (json_is_integer(key)) {
        stk_strbuf_printf(&a, "[%lld]", (long long)json_integer_value(key));
    } else if (json_is_string(key)) {
        stk_key k = {STK_KEY_STR, 0, (char *)json_string_value(key)};
        char *ks = stk_key_format(&k);
        stk_strbuf_puts(&a, ks);
        free(ks);
    } else if (key && !json_is_null(key)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "%s: index_key must be a number or a string", where);
        stk_strbuf_free(&a);
        goto out;
    }
    stk_addr parsed;
    char *err = NULL;
    if (stk_addr_parse(stk_strbuf_cstr(&a), &parsed, &err) != 0) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "%s: %s", where, err);
        free(err);
        stk_strbuf_free(&a);
        goto out;
    }
    stk_strbuf_free(&a);
    in->address = stk_addr_format(&parsed);
    stk_addr_free(&parsed);

    const char *status = json_string_value(json_object_get(ji, "status"));
    if (status && strcmp(status, "tainted") != 0) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "%s: unknown status \"%s\"", where, status);
        goto out;
    }
    in->tainted = status != NULL;
    const char *deposed = json_string_value(json_object_get(ji, "deposed"));
    in->deposed = stk_xstrdup(deposed ? deposed : "");
    in->provider = stk_xstrdup(provider);
    in->schema_version = json_integer_value(json_object_get(ji, "schema_version"));
    json_t *attrs = json_object_get(ji, "attributes");
    if (!attrs && json_object_get(ji, "attributes_flat")) {
        stk_diags_error(d, NULL, "Unsupported Terraform state",
                        "%s uses attributes_flat (a state last written by Terraform 0.11); refresh it with a "
                        "current Terraform before importing it.", where);
        goto out;
    }
    if (attrs && !json_is_object(attrs)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "%s: attributes must be an object", where);
        goto out;
    }
    in->attributes = attrs ? dump(attrs) : stk_xstrdup("{}");
    sens = stk_tfstate_sensitive_paths(json_object_get(ji, "sensitive_attributes"), where, d);
    if (!sens) goto out;
    in->sensitive_paths = dump(sens);
    json_t *deps = json_object_get(ji, "dependencies");
    if (deps && !json_is_array(deps)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "%s: dependencies must be an array", where);
        goto out;
    }
    in->dependencies = deps ? dump(deps) : stk_xstrdup("[]");
    json_t *priv = json_object_get(ji, "private");
    if (json_is_string(priv)) in->private_data = stk_xstrdup(json_string_value(priv));
    in->create_before_destroy = json_is_true(json_object_get(ji, "create_before_destroy"));
    json_t *extra = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(ji, k, v) {
        int known = 0;
        for (int i = 0; known_instance_fields[i] && !known; i++) known = strcmp(k, known_instance_fields[i]) == 0;
        if (!known) json_object_set(extra, k, v);
    }
    if (json_object_size(extra)) in->extra = dump(extra);
    json_decref(extra);
    if (stk_addr_parse(in->address, &in->parts, NULL) == 0) in->module = stk_addr_module_string(&in->parts);
    ret = 0;
out:
    json_decref(sens);
    free(where);
    if (ret) stk_state_instance_free(in);
    return ret;
}

int stk_tfstate_parse(json_t *root, stk_tfstate *t, stk_diags *d)
{
    memset(t, 0, sizeof *t);
    if (!json_is_object(root)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "the document is not a JSON object");
        return -1;
    }
    json_t *ver = json_object_get(root, "version");
    if (!json_is_integer(ver)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "the document has no \"version\" number");
        return -1;
    }
    if (json_integer_value(ver) != 4) {
        stk_diags_error(d, NULL, "Unsupported Terraform state version",
                        "The state has format version %lld; stk reads version 4 (Terraform 0.12 and later). "
                        "Run `terraform refresh` with a current Terraform to upgrade it first.",
                        (long long)json_integer_value(ver));
        return -1;
    }
    const char *lineage = json_string_value(json_object_get(root, "lineage"));
    const char *tfv = json_string_value(json_object_get(root, "terraform_version"));
    t->lineage = lineage && *lineage ? stk_xstrdup(lineage) : NULL;
    t->terraform_version = tfv ? stk_xstrdup(tfv) : NULL;
    t->serial = json_integer_value(json_object_get(root, "serial"));
    if (t->serial < 0 || t->serial > ((int64_t)1 << 62)) {   /* room for every later serial + 1 */
        stk_diags_error(d, NULL, "Invalid Terraform state", "serial %lld is out of range",
                        (long long)t->serial);
        goto fail;
    }
    json_t *outs = json_object_get(root, "outputs");
    if (outs && !json_is_null(outs)) {
        if (!json_is_object(outs)) {
            stk_diags_error(d, NULL, "Invalid Terraform state", "\"outputs\" must be an object");
            goto fail;
        }
        t->outputs.items = stk_xcalloc(json_object_size(outs) + 1, sizeof *t->outputs.items);
        const char *name;
        json_t *o;
        json_object_foreach(outs, name, o) {
            json_t *v = json_object_get(o, "value");
            if (!json_is_object(o) || !v) {
                stk_diags_error(d, NULL, "Invalid Terraform state", "output \"%s\" has no value", name);
                goto fail;
            }
            stk_state_output *so = &t->outputs.items[t->outputs.len++];
            so->name = stk_xstrdup(name);
            so->value = dump(v);
            json_t *ty = json_object_get(o, "type");
            so->type = ty ? dump(ty) : NULL;
            so->sensitive = json_is_true(json_object_get(o, "sensitive"));
        }
    }
    json_t *res = json_object_get(root, "resources");
    if (res && !json_is_array(res)) {
        stk_diags_error(d, NULL, "Invalid Terraform state", "\"resources\" must be an array");
        goto fail;
    }
    size_t cap = 0, i;
    json_t *r;
    json_array_foreach(res, i, r) {
        const char *module = json_string_value(json_object_get(r, "module"));
        const char *mode = json_string_value(json_object_get(r, "mode"));
        const char *type = json_string_value(json_object_get(r, "type"));
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *provider = json_string_value(json_object_get(r, "provider"));
        json_t *insts = json_object_get(r, "instances");
        if (!mode || !type || !name || !provider || !json_is_array(insts)) {
            stk_diags_error(d, NULL, "Invalid Terraform state",
                            "resource %zu lacks one of mode, type, name, provider or instances", i);
            goto fail;
        }
        if (strcmp(mode, "managed") != 0 && strcmp(mode, "data") != 0) {
            stk_diags_error(d, NULL, "Invalid Terraform state", "resource %s.%s has unknown mode \"%s\"", type,
                            name, mode);
            goto fail;
        }
        if (module && *module) {
            stk_addr m;
            char *err = NULL;
            if (stk_addr_parse_module(module, &m, &err) != 0) {
                stk_diags_error(d, NULL, "Invalid Terraform state", "resource %s.%s: %s", type, name, err);
                free(err);
                goto fail;
            }
            stk_addr_free(&m);
        }
        size_t j;
        json_t *ji;
        json_array_foreach(insts, j, ji) {
            if (t->instances.len == cap) {
                cap = cap ? cap * 2 : 32;
                t->instances.items = stk_xrealloc(t->instances.items, cap * sizeof *t->instances.items);
            }
            if (parse_instance(r, module ? module : "", mode, type, name, provider, ji, j,
                               &t->instances.items[t->instances.len], d))
                goto fail;
            stk_state_instance *in = &t->instances.items[t->instances.len++];
            for (size_t k = 0; k + 1 < t->instances.len; k++) {
                stk_state_instance *o = &t->instances.items[k];
                if (o->parts.key.kind != in->parts.key.kind) {   /* count and for_each keys in one resource? */
                    char *ra = stk_addr_resource_string(&o->parts), *rb = stk_addr_resource_string(&in->parts);
                    int same = strcmp(ra, rb) == 0;
                    free(ra);
                    if (same) {
                        stk_diags_error(d, NULL, "Invalid Terraform state",
                                        "%s mixes instance keys of different kinds (%s and %s)", rb, o->address,
                                        in->address);
                        free(rb);
                        goto fail;
                    }
                    free(rb);
                }
                if (strcmp(t->instances.items[k].address, in->address) == 0 &&
                    strcmp(t->instances.items[k].deposed, in->deposed) == 0) {
                    stk_diags_error(d, NULL, "Invalid Terraform state", "%s%s%s appears twice", in->address,
                                    *in->deposed ? " deposed " : "", in->deposed);
                    goto fail;
                }
            }
        }
    }
    return 0;
fail:
    stk_tfstate_free(t);
    return -1;
}

int stk_tfstate_parse_text(const char *text, stk_tfstate *out, stk_diags *d)
{
    json_t *root = stk_json_load(text, "the Terraform state", d);
    if (!root) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = stk_tfstate_parse(root, out, d);
    json_decref(root);
    return rc;
}

/* ---- build -------------------------------------------------------------- */

static json_t *load_or(const char *text, json_t *dflt)
{
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    if (!j) return dflt;
    json_decref(dflt);
    return j;
}

static int key_cmp(json_t *a, json_t *b)
{
    if (!a || !b) return (a != NULL) - (b != NULL);
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return (x > y) - (x < y);
    }
    if (json_is_integer(a) != json_is_integer(b)) return json_is_integer(a) ? -1 : 1;
    return strcmp(json_string_value(a) ? json_string_value(a) : "", json_string_value(b) ? json_string_value(b) : "");
}

static const char *sget(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int res_cmp(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    static const char *const keys[] = {"module", "mode", "type", "name"};
    for (int i = 0; i < 4; i++) {
        int c = strcmp(sget(a, keys[i]), sget(b, keys[i]));
        if (c) return c;
    }
    return 0;
}

static int inst_cmp(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int c = key_cmp(json_object_get(a, "index_key"), json_object_get(b, "index_key"));
    if (c) return c;
    return strcmp(sget(a, "deposed"), sget(b, "deposed"));
}

static void sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    if (n < 2) return;
    json_t **items = stk_xmalloc(n * sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = json_incref(json_array_get(arr, i));
    qsort(items, n, sizeof *items, cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, items[i]);
    free(items);
}

void stk_tfstate_normalize(json_t *root)
{
    json_t *res = json_object_get(root, "resources");
    sort_array(res, res_cmp);
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r) sort_array(json_object_get(r, "instances"), inst_cmp);
}

json_t *stk_tfstate_build(const stk_tfstate *t)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_integer(4));
    json_object_set_new(root, "terraform_version",
                        json_string(t->terraform_version ? t->terraform_version : STK_TFSTATE_COMPAT_VERSION));
    json_object_set_new(root, "serial", json_integer(t->serial));
    json_object_set_new(root, "lineage", json_string(t->lineage ? t->lineage : ""));
    json_t *outs = json_object();
    for (size_t i = 0; i < t->outputs.len; i++) {
        const stk_state_output *o = &t->outputs.items[i];
        json_t *jo = json_object();
        json_object_set_new(jo, "value", load_or(o->value, json_null()));
        json_object_set_new(jo, "type", load_or(o->type, json_string("dynamic")));
        if (o->sensitive) json_object_set_new(jo, "sensitive", json_true());
        json_object_set_new(outs, o->name, jo);
    }
    json_object_set_new(root, "outputs", outs);
    json_t *res = json_array();
    json_t *cur = NULL;
    char *cur_key = NULL;
    for (size_t i = 0; i < t->instances.len; i++) {
        const stk_state_instance *in = &t->instances.items[i];
        stk_addr a;
        if (stk_addr_parse(in->address, &a, NULL) != 0) continue;   /* put() validated it */
        char *rkey = stk_addr_resource_string(&a);
        char *module = stk_addr_module_string(&a);
        if (!cur_key || strcmp(cur_key, rkey) != 0) {
            /* find an existing resource object (input order may interleave) */
            cur = NULL;
            size_t k;
            json_t *r;
            json_array_foreach(res, k, r) {
                json_t *addr = json_object_get(r, "\x01key");
                if (addr && strcmp(json_string_value(addr), rkey) == 0) { cur = r; break; }
            }
            if (!cur) {
                cur = json_object();
                json_object_set_new(cur, "\x01key", json_string(rkey));
                if (*module) json_object_set_new(cur, "module", json_string(module));
                json_object_set_new(cur, "mode", json_string(a.mode == STK_MODE_DATA ? "data" : "managed"));
                json_object_set_new(cur, "type", json_string(a.type));
                json_object_set_new(cur, "name", json_string(a.name));
                json_object_set_new(cur, "provider", json_string(in->provider));
                json_object_set_new(cur, "instances", json_array());
                json_array_append_new(res, cur);
            }
            free(cur_key);
            cur_key = stk_xstrdup(rkey);
        }
        if (a.key.kind != STK_KEY_NONE && !json_object_get(cur, "each"))
            json_object_set_new(cur, "each", json_string(a.key.kind == STK_KEY_INT ? "list" : "map"));
        json_t *ji = in->extra ? load_or(in->extra, json_object()) : json_object();
        if (a.key.kind == STK_KEY_INT) json_object_set_new(ji, "index_key", json_integer(a.key.i));
        else if (a.key.kind == STK_KEY_STR) json_object_set_new(ji, "index_key", json_string(a.key.s));
        if (in->tainted) json_object_set_new(ji, "status", json_string("tainted"));
        if (in->deposed && *in->deposed) json_object_set_new(ji, "deposed", json_string(in->deposed));
        json_object_set_new(ji, "schema_version", json_integer(in->schema_version));
        json_object_set_new(ji, "attributes", load_or(in->attributes, json_object()));
        json_object_set_new(ji, "sensitive_attributes", load_or(in->sensitive_paths, json_array()));
        if (in->private_data) json_object_set_new(ji, "private", json_string(in->private_data));
        json_t *deps = load_or(in->dependencies, json_array());
        if (json_array_size(deps)) json_object_set_new(ji, "dependencies", deps);
        else json_decref(deps);
        if (in->create_before_destroy) json_object_set_new(ji, "create_before_destroy", json_true());
        json_array_append_new(json_object_get(cur, "instances"), ji);
        free(rkey);
        free(module);
        stk_addr_free(&a);
    }
    free(cur_key);
    size_t k;
    json_t *r;
    json_array_foreach(res, k, r) json_object_del(r, "\x01key");
    json_object_set_new(root, "resources", res);
    json_object_set_new(root, "check_results", json_null());
    stk_tfstate_normalize(root);
    return root;
}

/* ---- store <-> document ------------------------------------------------- */

json_t *stk_tfstate_export(stk_state *st, stk_diags *d)
{
    stk_tfstate t;
    memset(&t, 0, sizeof t);
    if (stk_state_list(st, NULL, 0, &t.instances, d) || stk_state_list_outputs(st, &t.outputs, d)) {
        stk_tfstate_free(&t);
        return NULL;
    }
    t.lineage = stk_xstrdup(stk_state_lineage(st));
    t.serial = stk_state_serial(st);
    const char *tfv = stk_state_terraform_version(st);
    t.terraform_version = tfv ? stk_xstrdup(tfv) : NULL;
    json_t *root = stk_tfstate_build(&t);
    stk_tfstate_free(&t);
    return root;
}

char *stk_tfstate_export_text(stk_state *st, stk_diags *d)
{
    json_t *root = stk_tfstate_export(st, d);
    if (!root) return NULL;
    char *s = stk_json_dump(root, STK_JSON_INDENT);
    json_decref(root);
    return s;
}

/* resources + outputs of two documents equal? */
static int same_content(json_t *a, json_t *b)
{
    return json_equal(json_object_get(a, "resources"), json_object_get(b, "resources")) &&
           json_equal(json_object_get(a, "outputs"), json_object_get(b, "outputs"));
}

struct load_ctx {
    json_t *root;
    int mode, force;
    stk_tfstate t;
};

static int do_load(stk_state *st, void *ud, stk_diags *d)
{
    struct load_ctx *c = ud;
    int64_t cur = stk_state_serial(st);
    const char *lineage = c->t.lineage;
    if (c->mode == STK_TFSTATE_ADOPT) {
        size_t ni = 0, no = 0;
        if (stk_state_count(st, &ni, &no, d)) return -1;
        if ((ni || no) && !c->force) {
            stk_diags_error(d, NULL, "The state is not empty",
                            "This workspace already holds %zu object(s) and %zu output(s). import-tfstate adopts a "
                            "Terraform state into an empty workspace; use -force to replace the current state "
                            "(it stays in the history and can be restored).", ni, no);
            return -1;
        }
    } else if (!c->force) {
        if (lineage && strcmp(lineage, stk_state_lineage(st)) != 0) {
            stk_diags_error(d, NULL, "Cannot push a state of a different lineage",
                            "The file has lineage \"%s\" but the current state has lineage \"%s\": they are "
                            "unrelated states. Use -force to overwrite anyway.", lineage, stk_state_lineage(st));
            return -1;
        }
        if (c->t.serial < cur) {
            stk_diags_error(d, NULL, "Cannot push an older state",
                            "The file has serial %lld but the current state has serial %lld. Use -force to "
                            "overwrite anyway.", (long long)c->t.serial, (long long)cur);
            return -1;
        }
        if (c->t.serial == cur) {
            json_t *now = stk_tfstate_export(st, d);
            if (!now) return -1;
            json_t *mine = stk_tfstate_build(&c->t);
            int same = same_content(now, mine);
            json_decref(now);
            json_decref(mine);
            if (!same) {
                stk_diags_error(d, NULL, "Cannot push a different state with the same serial",
                                "The file and the current state both have serial %lld but differ. Use -force to "
                                "overwrite anyway.", (long long)cur);
                return -1;
            }
        }
    }
    int64_t ns = c->t.serial > cur + 1 ? c->t.serial : cur + 1;
    return stk_state_replace_all(st, &c->t.instances, &c->t.outputs, lineage, c->t.terraform_version, ns, d);
}

int stk_tfstate_load(stk_state *st, json_t *root, int mode, int force, stk_diags *d)
{
    struct load_ctx c = {root, mode, force, {0}};
    if (stk_tfstate_parse(root, &c.t, d)) return -1;
    int rc = stk_state_with_tx(st, do_load, &c, d);
    stk_tfstate_free(&c.t);
    return rc;
}
