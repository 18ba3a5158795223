/* load.c - reading a configuration directory into the module tree of
 * config.h: every *.tf file of a directory is parsed, its top-level blocks
 * decoded into variables, locals, outputs, resources, data sources, module
 * calls, providers and terraform settings; `module` blocks with local
 * sources are loaded recursively.  The static rules (duplicates, stray
 * arguments and blocks, label counts, unknown resource types, meta-argument
 * misuse, module sources, module inputs) are checked here, each error in
 * Terraform's words at the offending range, and loading goes on after an
 * error so independent problems are all reported.
 *
 * All files go through the stk_fs interface.  Paths: module->dir is
 * relative to the root directory ("." / "modules/net": path.module as
 * `terraform -chdir=DIR` shows it); module->fsdir is what the fs reads.
 */
#include "config/config.h"
#include "config/config_priv.h"
#include "hcl/parser.h"
#include "eval/eval.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "../resources/provider.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers over the syntax tree ---- */

const char *stk_cfg_expr_string(const stk_expr *e)
{
    if (!e) return NULL;
    if (e->kind == STK_EX_TEMPLATE_WRAP || e->kind == STK_EX_PAREN) return NULL;
    if (e->kind == STK_EX_LITERAL && e->u.literal && e->u.literal->type->kind == STK_TY_STRING &&
        !e->u.literal->is_null && !e->u.literal->is_unknown)
        return stk_value_str(e->u.literal);
    return NULL;
}

const char *stk_cfg_expr_keyword(const stk_expr *e)
{
    if (e && e->kind == STK_EX_VARIABLE) return e->u.name;
    return NULL;
}

int stk_cfg_expr_bool(const stk_expr *e, int *out)
{
    if (e && e->kind == STK_EX_LITERAL && e->u.literal && e->u.literal->type->kind == STK_TY_BOOL &&
        !e->u.literal->is_null) {
        *out = e->u.literal->u.b;
        return 1;
    }
    return 0;
}

/* Is e a plain traversal (name, .attr, [literal])? */
int stk_cfg_expr_is_traversal(const stk_expr *e)
{
    while (e) {
        switch (e->kind) {
        case STK_EX_VARIABLE: return 1;
        case STK_EX_GETATTR: e = e->u.getattr.obj; break;
        case STK_EX_INDEX:
            if (e->u.index.key->kind != STK_EX_LITERAL) return 0;
            e = e->u.index.obj;
            break;
        default: return 0;
        }
    }
    return 0;
}

/* The items of a tuple expression (`[a, b]`), or NULL/0 with a diagnostic. */
static stk_expr **expr_list(stk_config *c, stk_hcl_attr *a, size_t *n, stk_diags *d, const char *what)
{
    (void)c;
    stk_expr *e = a->expr;
    if (e->kind != STK_EX_TUPLE) {
        stk_diags_error(d, &e->range, "Invalid expression",
                        "A static list expression is required%s%s.", what ? " for " : "", what ? what : "");
        *n = 0;
        return NULL;
    }
    *n = e->u.tuple.n;
    return e->u.tuple.items;
}

static int valid_identifier(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-')) return 0;
    return 1;
}

static char *range_str(stk_arena *a, const stk_range *r)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s:%d,%d-%d", r->filename ? r->filename : "?", r->start.line, r->start.col,
             r->end.line == r->start.line ? r->end.col : r->end.col);
    return stk_arena_strdup(a, buf);
}

/* append helper for arena-less growable pointer arrays (freed in config_free) */
#define PUSH(arr, n, item) do { (arr) = stk_xrealloc((arr), ((n) + 1) * sizeof *(arr)); (arr)[(n)++] = (item); } while (0)

static stk_range label_range(const stk_hcl_block *b, size_t i)
{
    return i < b->nlabels ? b->label_ranges[i] : b->type_range;
}

/* The declaration range: the block type through its last label. */
static stk_range decl_range(const stk_hcl_block *b)
{
    if (b->nlabels) return stk_range_join(b->type_range, b->label_ranges[b->nlabels - 1]);
    return b->type_range;
}

static int check_labels(const stk_hcl_block *b, size_t want, const char *names, stk_diags *d)
{
    if (b->nlabels == want) {
        for (size_t i = 0; i < want; i++)
            if (!valid_identifier(b->labels[i])) {
                stk_range r = label_range(b, i);
                stk_diags_error(d, &r, "Invalid name",
                                "A name must start with a letter or underscore and may contain only "
                                "letters, digits, underscores, and dashes.");
                return 0;
            }
        return 1;
    }
    stk_range r = b->nlabels > want ? label_range(b, want) : b->type_range;
    if (b->nlabels > want)
        stk_diags_error(d, &r, "Extraneous label", "Only %zu labels (%s) are expected for %s blocks.",
                        want, names, b->type);
    else
        stk_diags_error(d, &r, "Missing name", "All %s blocks must have %zu labels (%s).", b->type, want,
                        names);
    return 0;
}

static void unsupported_arg(stk_diags *d, const stk_hcl_attr *a)
{
    stk_diags_error(d, &a->name_range, "Unsupported argument", "An argument named \"%s\" is not expected here.",
                    a->name);
}

static void unsupported_block(stk_diags *d, const stk_hcl_block *b)
{
    stk_diags_error(d, &b->type_range, "Unsupported block type", "Blocks of type \"%s\" are not expected here.",
                    b->type);
}

/* a constant expression (no names, no functions) */
static stk_value *eval_const(const stk_expr *e, stk_diags *d)
{
    return stk_eval_expr(e, NULL, d);
}

static const char *attr_string(stk_config *c, const stk_hcl_attr *a, stk_diags *d)
{
    const char *s = stk_cfg_expr_string(a->expr);
    if (s) return s;
    stk_diags *tmp = d;
    stk_value *v = eval_const(a->expr, tmp);
    const char *r = NULL;
    if (v->type->kind == STK_TY_STRING && !v->is_null && !v->is_unknown)
        r = stk_arena_strdup(c->arena, stk_value_str(v));
    else if (!v->is_unknown)
        stk_diags_error(d, &a->expr->range, "Invalid value", "A static string is required for \"%s\".",
                        a->name);
    stk_value_unref(v);
    return r;
}

static int attr_bool(const stk_hcl_attr *a, stk_diags *d)
{
    int b = 0;
    if (stk_cfg_expr_bool(a->expr, &b)) return b;
    stk_value *v = eval_const(a->expr, d);
    char *err = NULL;
    stk_value *cv = v->is_unknown ? NULL : stk_value_convert(v, STK_BOOL, &err);
    if (cv && !cv->is_null) b = cv->u.b;
    else if (!v->is_unknown)
        stk_diags_error(d, &a->expr->range, "Invalid value", "A static bool value is required for \"%s\"%s%s.",
                        a->name, err ? ": " : "", err ? err : "");
    free(err);
    if (cv) stk_value_unref(cv);
    stk_value_unref(v);
    return b;
}

/* ---- type constraints ---- */

static stk_type *parse_type(const stk_expr *e, stk_diags *d, int in_object);

static stk_type *type_error(stk_diags *d, const stk_expr *e, const char *detail)
{
    stk_diags_error(d, &e->range, "Invalid type specification", "%s", detail);
    return NULL;
}

static stk_type *parse_object_type(const stk_expr *arg, stk_diags *d)
{
    if (arg->kind != STK_EX_OBJECT)
        return type_error(d, arg, "Object type constructor requires a map whose keys are attribute names "
                                  "and whose values are the corresponding attribute types.");
    size_t n = arg->u.object.n;
    char **names = stk_xcalloc(n ? n : 1, sizeof *names);
    stk_type **types = stk_xcalloc(n ? n : 1, sizeof *types);
    unsigned char *opt = stk_xcalloc(n ? n : 1, 1);
    stk_value **defs = stk_xcalloc(n ? n : 1, sizeof *defs);
    int ok = 1, anyopt = 0, anydef = 0;
    for (size_t i = 0; i < n && ok; i++) {
        const stk_expr *k = arg->u.object.items[i].key;
        const char *kn = NULL;
        if (k->kind == STK_EX_VARIABLE) kn = k->u.name;
        else kn = stk_cfg_expr_string(k);
        if (!kn) {
            type_error(d, k, "Object constructor map keys must be attribute names.");
            ok = 0;
            break;
        }
        names[i] = (char *)kn;
        const stk_expr *v = arg->u.object.items[i].value;
        if (v->kind == STK_EX_CALL && strcmp(v->u.call.name, "optional") == 0) {
            if (v->u.call.nargs < 1 || v->u.call.nargs > 2) {
                type_error(d, v, "Optional attribute modifier expects one or two arguments: the type and "
                                 "an optional default value.");
                ok = 0;
                break;
            }
            types[i] = parse_type(v->u.call.args[0], d, 1);
            if (!types[i]) { ok = 0; break; }
            opt[i] = 1;
            anyopt = 1;
            if (v->u.call.nargs == 2) {
                stk_value *dv = eval_const(v->u.call.args[1], d);
                char *err = NULL;
                stk_value *cv = stk_value_convert(dv, types[i], &err);
                stk_value_unref(dv);
                if (!cv) {
                    stk_diags_error(d, &v->u.call.args[1]->range, "Invalid default value for optional attribute",
                                    "This default value is not compatible with the attribute's type "
                                    "constraint: %s.", err ? err : "incompatible value");
                    free(err);
                    ok = 0;
                    break;
                }
                defs[i] = cv;
                anydef = 1;
            }
        } else {
            types[i] = parse_type(v, d, 1);
            if (!types[i]) { ok = 0; break; }
        }
    }
    if (!ok) {
        for (size_t i = 0; i < n; i++) {
            if (types[i]) stk_type_unref(types[i]);
            if (defs[i]) stk_value_unref(defs[i]);
        }
        free(names); free(types); free(opt); free(defs);
        return NULL;
    }
    stk_type *t = stk_type_object(names, types, n, anyopt ? opt : NULL, anydef ? defs : NULL);
    free(names); free(types); free(opt); free(defs);
    return t;
}

static stk_type *parse_type(const stk_expr *e, stk_diags *d, int in_object)
{
    if (e->kind == STK_EX_PAREN) return parse_type(e->u.wrapped, d, in_object);
    if (e->kind == STK_EX_VARIABLE) {
        const char *k = e->u.name;
        if (!strcmp(k, "string")) return STK_STRING;
        if (!strcmp(k, "number")) return STK_NUMBER;
        if (!strcmp(k, "bool")) return STK_BOOL;
        if (!strcmp(k, "any")) return STK_DYNAMIC;
        if (!strcmp(k, "list")) return stk_type_list(STK_DYNAMIC);
        if (!strcmp(k, "map")) return stk_type_map(STK_DYNAMIC);
        if (!strcmp(k, "set")) return stk_type_set(STK_DYNAMIC);
        if (!strcmp(k, "object") || !strcmp(k, "tuple")) {
            stk_diags_error(d, &e->range, "Invalid type specification",
                            "The %s type constructor requires one argument specifying the %s types as a %s.",
                            k, !strcmp(k, "object") ? "attribute" : "element",
                            !strcmp(k, "object") ? "map" : "list");
            return NULL;
        }
        stk_diags_error(d, &e->range, "Invalid type specification",
                        "The keyword \"%s\" is not a valid type specification.", k);
        return NULL;
    }
    if (e->kind == STK_EX_CALL) {
        const char *f = e->u.call.name;
        if (!strcmp(f, "optional")) {
            return type_error(d, e, in_object ? "Optional attribute modifier is only for object attributes."
                                              : "Keyword \"optional\" is valid only as a modifier for object "
                                                "type attributes.");
        }
        if (e->u.call.nargs != 1) {
            stk_diags_error(d, &e->range, "Invalid type specification",
                            "The %s type constructor requires one argument.", f);
            return NULL;
        }
        const stk_expr *arg = e->u.call.args[0];
        if (!strcmp(f, "list") || !strcmp(f, "set") || !strcmp(f, "map")) {
            stk_type *el = parse_type(arg, d, 0);
            if (!el) return NULL;
            return !strcmp(f, "list") ? stk_type_list(el) : !strcmp(f, "set") ? stk_type_set(el) : stk_type_map(el);
        }
        if (!strcmp(f, "object")) return parse_object_type(arg, d);
        if (!strcmp(f, "tuple")) {
            if (arg->kind != STK_EX_TUPLE)
                return type_error(d, arg, "Tuple type constructor requires a list of element types.");
            size_t n = arg->u.tuple.n;
            stk_type **ts = stk_xcalloc(n ? n : 1, sizeof *ts);
            for (size_t i = 0; i < n; i++) {
                ts[i] = parse_type(arg->u.tuple.items[i], d, 0);
                if (!ts[i]) {
                    for (size_t j = 0; j < i; j++) stk_type_unref(ts[j]);
                    free(ts);
                    return NULL;
                }
            }
            stk_type *t = stk_type_tuple(ts, n);
            free(ts);
            return t;
        }
        stk_diags_error(d, &e->u.call.name_range, "Invalid type specification",
                        "Keyword \"%s\" is not a valid type constructor.", f);
        return NULL;
    }
    if (stk_cfg_expr_string(e)) {
        stk_diags_error(d, &e->range, "Invalid quoted type constraints",
                        "Terraform 0.11 and earlier required type constraints to be given in quotes, but that "
                        "form is now deprecated and will be removed in a future version of Terraform. Remove "
                        "the quotes around \"%s\".", stk_cfg_expr_string(e));
        return NULL;
    }
    stk_diags_error(d, &e->range, "Invalid type specification",
                    "A type specification is either a primitive type keyword (bool, number, string) or a "
                    "complex type constructor call, like list(string).");
    return NULL;
}

stk_type *stk_config_parse_type(const stk_expr *e, stk_diags *d)
{
    return parse_type(e, d, 0);
}

/* ---- meta-arguments ---- */

int stk_config_is_meta(const char *name)
{
    static const char *const meta[] = {"count", "for_each", "provider", "depends_on", "lifecycle",
                                       "connection", "provisioner"};
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
        if (!strcmp(meta[i], name)) return 1;
    return 0;
}

static void check_schema(const stk_schema *s, stk_hcl_body *body, const stk_range *decl, int top, stk_diags *d);

/* ---- decoders of each block type ---- */

static void decode_variable(stk_config *c, stk_module *m, stk_hcl_block *b, stk_diags *d)
{
    if (!check_labels(b, 1, "name", d)) return;
    const char *name = b->labels[0];
    static const char *const reserved[] = {"source", "version", "providers", "count", "for_each",
                                           "lifecycle", "depends_on", "locals"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!strcmp(name, reserved[i])) {
            stk_range r = label_range(b, 0);
            stk_diags_error(d, &r, "Invalid variable name",
                            "The variable name \"%s\" is reserved due to its special meaning inside module "
                            "blocks.", name);
            return;
        }
    stk_variable *v = stk_arena_alloc(c->arena, sizeof *v);
    v->name = name;
    v->decl_range = decl_range(b);
    v->type = STK_DYNAMIC;
    v->nullable = 1;
    stk_hcl_body *body = b->body;
    for (size_t i = 0; i < body->nattrs; i++) {
        stk_hcl_attr *a = body->attrs[i];
        if (!strcmp(a->name, "type")) {
            stk_type *t = stk_config_parse_type(a->expr, d);
            if (t) {
                v->type = t;
                v->has_type = 1;
                /* Terraform: a string-typed variable takes -var / env text literally;
                   any other declared type parses it as an HCL expression */
                v->parse_as_hcl = t->kind != STK_TY_STRING;
            }
        } else if (!strcmp(a->name, "default")) {
            v->default_expr = a->expr;
        } else if (!strcmp(a->name, "description")) {
            v->description = attr_string(c, a, d);
        } else if (!strcmp(a->name, "sensitive")) {
            v->sensitive = attr_bool(a, d);
        } else if (!strcmp(a->name, "nullable")) {
            v->nullable = attr_bool(a, d);
        } else if (!strcmp(a->name, "ephemeral")) {
            stk_diags_error(d, &a->name_range, "Ephemeral variables are not supported",
                            "stk does not support ephemeral input variables yet.");
        } else {
            unsupported_arg(d, a);
        }
    }
    for (size_t i = 0; i < body->nblocks; i++) {
        stk_hcl_block *vb = body->blocks[i];
        if (strcmp(vb->type, "validation") != 0) {
            unsupported_block(d, vb);
            continue;
        }
        stk_validation val = {0};
        val.range = vb->range;
        for (size_t j = 0; j < vb->body->nattrs; j++) {
            stk_hcl_attr *a = vb->body->attrs[j];
            if (!strcmp(a->name, "condition")) val.condition = a->expr;
            else if (!strcmp(a->name, "error_message")) val.error_message = a->expr;
            else unsupported_arg(d, a);
        }
        for (size_t j = 0; j < vb->body->nblocks; j++) unsupported_block(d, vb->body->blocks[j]);
        if (!val.condition || !val.error_message) {
            stk_diags_error(d, &vb->type_range, "Missing required argument",
                            "The argument \"%s\" is required, but no definition was found.",
                            !val.condition ? "condition" : "error_message");
            continue;
        }
        PUSH(v->validations, v->nvalidations, val);
    }
    if (v->default_expr) {
        stk_value *dv = eval_const(v->default_expr, d);
        char *err = NULL;
        stk_value *cv = stk_value_convert(dv, v->type, &err);
        if (!cv) {
            stk_diags_error(d, &v->default_expr->range, "Invalid default value for variable",
                            "This default value is not compatible with the variable's type constraint: %s.",
                            err ? err : "incompatible value");
            free(err);
        } else if (cv->is_null && !v->nullable) {
            stk_diags_error(d, &v->default_expr->range, "Invalid default value for variable",
                            "A null default value is not valid when nullable=false.");
            stk_value_unref(cv);
            cv = NULL;
        }
        stk_value_unref(dv);
        v->default_value = cv;
    }
    stk_variable *prev = stk_strmap_get(&m->var_map, name);
    if (prev) {
        stk_diags_error(d, &v->decl_range, "Duplicate variable declaration",
                        "A variable named \"%s\" was already declared at %s. Variable names must be unique "
                        "within a module.", name, range_str(c->arena, &prev->decl_range));
        if (v->has_type) stk_type_unref(v->type);
        if (v->default_value) stk_value_unref(v->default_value);
        free(v->validations);
        return;
    }
    v->index = m->nvariables;
    PUSH(m->variables, m->nvariables, v);
    stk_strmap_put(&m->var_map, name, v);
}

static void decode_locals(stk_config *c, stk_module *m, stk_hcl_block *b, stk_diags *d)
{
    if (b->nlabels) {
        check_labels(b, 0, "none", d);
        return;
    }
    for (size_t i = 0; i < b->body->nblocks; i++) unsupported_block(d, b->body->blocks[i]);
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        stk_local *prev = stk_strmap_get(&m->local_map, a->name);
        if (prev) {
            stk_diags_error(d, &a->name_range, "Duplicate local value definition",
                            "A local value named \"%s\" was already defined at %s. Local value names must be "
                            "unique within a module.", a->name, range_str(c->arena, &prev->range));
            continue;
        }
        stk_local *l = stk_arena_alloc(c->arena, sizeof *l);
        l->name = a->name;
        l->expr = a->expr;
        l->range = a->range;
        l->index = m->nlocals;
        PUSH(m->locals, m->nlocals, l);
        stk_strmap_put(&m->local_map, a->name, l);
    }
}

static stk_expr **decode_depends_on(stk_config *c, stk_hcl_attr *a, size_t *n, stk_diags *d)
{
    stk_expr **items = expr_list(c, a, n, d, "depends_on");
    for (size_t i = 0; i < *n; i++)
        if (!stk_cfg_expr_is_traversal(items[i])) {
            stk_diags_error(d, &items[i]->range, "Invalid expression",
                            "A single static variable reference is required: only attribute access and "
                            "indexing with constant keys. No calculations, function calls, template "
                            "expressions, etc are allowed here.");
        }
    return items;
}

static void decode_output(stk_config *c, stk_module *m, stk_hcl_block *b, stk_diags *d)
{
    if (!check_labels(b, 1, "name", d)) return;
    stk_output *o = stk_arena_alloc(c->arena, sizeof *o);
    o->name = b->labels[0];
    o->decl_range = decl_range(b);
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        if (!strcmp(a->name, "value")) o->value = a->expr;
        else if (!strcmp(a->name, "description")) o->description = attr_string(c, a, d);
        else if (!strcmp(a->name, "sensitive")) o->sensitive = attr_bool(a, d);
        else if (!strcmp(a->name, "depends_on")) o->depends_on = decode_depends_on(c, a, &o->ndepends_on, d);
        else if (!strcmp(a->name, "ephemeral"))
            stk_diags_error(d, &a->name_range, "Ephemeral outputs are not supported",
                            "stk does not support ephemeral output values yet.");
        else unsupported_arg(d, a);
    }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        stk_hcl_block *ob = b->body->blocks[i];
        if (!strcmp(ob->type, "precondition"))
            stk_diags_warning(d, &ob->type_range, "Preconditions are not yet supported",
                              "stk does not evaluate precondition blocks yet; this one is ignored.");
        else unsupported_block(d, ob);
    }
    if (!o->value) {
        stk_diags_error(d, &b->type_range, "Missing required argument",
                        "The argument \"value\" is required, but no definition was found.");
        return;
    }
    stk_output *prev = stk_strmap_get(&m->output_map, o->name);
    if (prev) {
        stk_diags_error(d, &o->decl_range, "Duplicate output definition",
                        "An output named \"%s\" was already defined at %s. Output names must be unique "
                        "within a module.", o->name, range_str(c->arena, &prev->decl_range));
        return;
    }
    o->index = m->noutputs;
    PUSH(m->outputs, m->noutputs, o);
    stk_strmap_put(&m->output_map, o->name, o);
}

/* `provider = aws` or `provider = aws.west` */
static void decode_provider_ref(stk_resource *r, stk_hcl_attr *a, stk_diags *d)
{
    stk_expr *e = a->expr;
    r->provider_range = e->range;
    if (e->kind == STK_EX_VARIABLE) {
        r->provider = e->u.name;
        return;
    }
    if (e->kind == STK_EX_GETATTR && e->u.getattr.obj->kind == STK_EX_VARIABLE) {
        r->provider = e->u.getattr.obj->u.name;
        r->provider_alias = e->u.getattr.name;
        return;
    }
    stk_diags_error(d, &e->range, "Invalid provider reference",
                    "Provider argument requires a provider name followed by an optional alias, like "
                    "\"aws.foo\".");
}

static void decode_lifecycle(stk_config *c, stk_resource *r, stk_hcl_block *b, stk_diags *d)
{
    int data = r->mode == STK_MODE_DATA;
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        if (data) {
            unsupported_arg(d, a);
            continue;
        }
        if (!strcmp(a->name, "create_before_destroy")) r->lifecycle.create_before_destroy = attr_bool(a, d);
        else if (!strcmp(a->name, "prevent_destroy")) r->lifecycle.prevent_destroy = attr_bool(a, d);
        else if (!strcmp(a->name, "ignore_changes")) {
            const char *kw = stk_cfg_expr_keyword(a->expr);
            if (kw && !strcmp(kw, "all")) {
                r->lifecycle.ignore_all = 1;
                continue;
            }
            if (a->expr->kind != STK_EX_TUPLE) {
                stk_diags_error(d, &a->expr->range, "Invalid ignore_changes",
                                "Expected a list of attribute references, or the keyword \"all\".");
                continue;
            }
            r->lifecycle.ignore_changes = a->expr->u.tuple.items;
            r->lifecycle.nignore_changes = a->expr->u.tuple.n;
            for (size_t j = 0; j < a->expr->u.tuple.n; j++) {
                stk_expr *t = a->expr->u.tuple.items[j];
                const char *s = stk_cfg_expr_string(t);
                if (s) {
                    stk_diags_error(d, &t->range, "Invalid ignore_changes wildcard",
                                    "The [\"*\"] form of ignore_changes wildcard was deprecated and is now "
                                    "invalid. Use \"ignore_changes = all\" to ignore changes to all "
                                    "attributes.");
                } else if (!stk_cfg_expr_is_traversal(t)) {
                    stk_diags_error(d, &t->range, "Invalid expression",
                                    "A single static variable reference is required: only attribute access "
                                    "and indexing with constant keys. No calculations, function calls, "
                                    "template expressions, etc are allowed here.");
                }
            }
        } else if (!strcmp(a->name, "replace_triggered_by")) {
            size_t n = 0;
            stk_expr **items = expr_list(c, a, &n, d, "replace_triggered_by");
            r->lifecycle.replace_triggered_by = items;
            r->lifecycle.nreplace_triggered_by = n;
        } else unsupported_arg(d, a);
    }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        stk_hcl_block *lb = b->body->blocks[i];
        if (!strcmp(lb->type, "precondition") || !strcmp(lb->type, "postcondition"))
            stk_diags_warning(d, &lb->type_range, "Custom conditions are not yet supported",
                              "stk does not evaluate %s blocks yet; this one is ignored.", lb->type);
        else unsupported_block(d, lb);
    }
}

/* Check a body against a schema (only for types whose schema exists). */
void stk_config_check_schema(const stk_schema *s, stk_hcl_body *body, const stk_range *decl, int top, stk_diags *d)
{
    check_schema(s, body, decl, top, d);
}

static void check_schema(const stk_schema *s, stk_hcl_body *body, const stk_range *decl, int top, stk_diags *d)
{
    for (size_t i = 0; i < body->nattrs; i++) {
        stk_hcl_attr *a = body->attrs[i];
        if (top && stk_config_is_meta(a->name)) continue;
        const stk_schema_attr *sa = stk_schema_find_attr(s, a->name);
        if (!sa) {
            if (stk_schema_find_block(s, a->name))
                stk_diags_error(d, &a->name_range, "Unsupported argument",
                                "An argument named \"%s\" is not expected here. Did you mean to define a block "
                                "of type \"%s\"?", a->name, a->name);
            else unsupported_arg(d, a);
        } else if ((sa->flags & STK_ATTR_COMPUTED) && !(sa->flags & (STK_ATTR_OPTIONAL | STK_ATTR_REQUIRED))) {
            stk_diags_error(d, &a->name_range, "Invalid or unknown key",
                            "The argument \"%s\" is read-only: it is computed by the provider and cannot be "
                            "set in configuration.", a->name);
        }
    }
    for (size_t i = 0; i < s->nattrs; i++) {
        if (!(s->attrs[i].flags & STK_ATTR_REQUIRED)) continue;
        int found = 0;
        for (size_t j = 0; j < body->nattrs && !found; j++)
            if (!strcmp(body->attrs[j]->name, s->attrs[i].name)) found = 1;
        if (!found)
            stk_diags_error(d, decl, "Missing required argument",
                            "The argument \"%s\" is required, but no definition was found.", s->attrs[i].name);
    }
    for (size_t i = 0; i < body->nblocks; i++) {
        stk_hcl_block *b = body->blocks[i];
        if (top && (!strcmp(b->type, "lifecycle") || !strcmp(b->type, "timeouts") ||
                    !strcmp(b->type, "connection") || !strcmp(b->type, "provisioner")))
            continue;
        const char *bt = b->type;
        stk_hcl_body *inner = b->body;
        if (!strcmp(b->type, "dynamic")) {
            if (b->nlabels != 1) continue;
            bt = b->labels[0];
            inner = NULL;
            for (size_t j = 0; j < b->body->nblocks; j++)
                if (!strcmp(b->body->blocks[j]->type, "content")) inner = b->body->blocks[j]->body;
        }
        const stk_schema_block *sb = stk_schema_find_block(s, bt);
        if (!sb) {
            if (stk_schema_find_attr(s, bt))
                stk_diags_error(d, &b->type_range, "Unsupported block type",
                                "Blocks of type \"%s\" are not expected here. Did you mean to define argument "
                                "\"%s\"? If so, use the equals sign to assign it a value.", bt, bt);
            else
                stk_diags_error(d, &b->type_range, "Unsupported block type",
                                "Blocks of type \"%s\" are not expected here.", bt);
            continue;
        }
        if (inner && sb->block) {
            stk_range dr = b->type_range;
            check_schema(sb->block, inner, &dr, 0, d);
        }
    }
    for (size_t i = 0; i < s->nblocks; i++) {
        const stk_schema_block *sb = &s->blocks[i];
        if (sb->min_items <= 0 && sb->max_items <= 0) continue;
        size_t n = 0;
        int dyn = 0;
        for (size_t j = 0; j < body->nblocks; j++) {
            if (!strcmp(body->blocks[j]->type, sb->name)) n++;
            if (!strcmp(body->blocks[j]->type, "dynamic") && body->blocks[j]->nlabels == 1 &&
                !strcmp(body->blocks[j]->labels[0], sb->name))
                dyn = 1;
        }
        if (dyn) continue;
        if (sb->min_items > 0 && n < (size_t)sb->min_items)
            stk_diags_error(d, decl, n ? "Insufficient blocks" : "Missing required block",
                            "At least %d \"%s\" blocks are required.", sb->min_items, sb->name);
        if (sb->max_items > 0 && n > (size_t)sb->max_items)
            stk_diags_error(d, decl, "Too many blocks", "No more than %d \"%s\" blocks are allowed.",
                            sb->max_items, sb->name);
    }
}

static void check_dynamic_blocks(stk_hcl_body *body, stk_diags *d)
{
    for (size_t i = 0; i < body->nblocks; i++) {
        stk_hcl_block *b = body->blocks[i];
        if (strcmp(b->type, "dynamic") != 0) {
            check_dynamic_blocks(b->body, d);
            continue;
        }
        if (b->nlabels != 1) {
            check_labels(b, 1, "block type", d);
            continue;
        }
        int has_fe = 0, has_content = 0;
        for (size_t j = 0; j < b->body->nattrs; j++) {
            const char *n = b->body->attrs[j]->name;
            if (!strcmp(n, "for_each")) has_fe = 1;
            else if (!strcmp(n, "iterator")) {
                if (b->body->attrs[j]->expr->kind != STK_EX_VARIABLE)
                    stk_diags_error(d, &b->body->attrs[j]->expr->range, "Invalid dynamic iterator name",
                                    "Dynamic iterator must be a single variable name.");
            } else if (strcmp(n, "labels") != 0) unsupported_arg(d, b->body->attrs[j]);
        }
        for (size_t j = 0; j < b->body->nblocks; j++) {
            if (!strcmp(b->body->blocks[j]->type, "content")) {
                if (has_content)
                    stk_diags_error(d, &b->body->blocks[j]->type_range, "Duplicate content block",
                                    "Only one \"content\" block is allowed in a dynamic block.");
                has_content = 1;
                check_dynamic_blocks(b->body->blocks[j]->body, d);
            } else unsupported_block(d, b->body->blocks[j]);
        }
        if (!has_fe)
            stk_diags_error(d, &b->type_range, "Missing required argument",
                            "The argument \"for_each\" is required, but no definition was found.");
        if (!has_content)
            stk_diags_error(d, &b->type_range, "Missing required block",
                            "A \"content\" block is required in a dynamic block.");
    }
}

/* Edit distance with transpositions (optimal string alignment), for "Did
   you mean" suggestions: "aws_vcp" is one step from "aws_vpc". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t m[65][65];
    for (size_t i = 0; i <= la; i++) m[i][0] = i;
    for (size_t j = 0; j <= lb; j++) m[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = m[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (m[i - 1][j] + 1 < best) best = m[i - 1][j] + 1;
            if (m[i][j - 1] + 1 < best) best = m[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && m[i - 2][j - 2] + 1 < best)
                best = m[i - 2][j - 2] + 1;
            m[i][j] = best;
        }
    return m[la][lb];
}

/* the registered type of this kind nearest to name, if close enough */
static const char *suggest_type(stk_resource_kind kind, const char *name)
{
    size_t n = 0, best = 3;
    const char *hit = NULL;
    const stk_resource_type *const *all = stk_resource_types_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (all[i]->kind != kind) continue;
        size_t dist = edit_distance(name, all[i]->name);
        if (dist < best) {
            best = dist;
            hit = all[i]->name;
        }
    }
    return hit;
}

static void decode_resource(stk_config *c, stk_module *m, stk_hcl_block *b, stk_resource_mode mode, stk_diags *d)
{
    if (!check_labels(b, 2, "type, name", d)) return;
    stk_resource *r = stk_arena_alloc(c->arena, sizeof *r);
    r->mode = mode;
    r->type = b->labels[0];
    r->name = b->labels[1];
    r->addr = mode == STK_MODE_DATA ? stk_arena_strdup(c->arena, "data.") : "";
    {
        char *a = mode == STK_MODE_DATA ? stk_xasprintf("data.%s.%s", r->type, r->name)
                                        : stk_xasprintf("%s.%s", r->type, r->name);
        r->addr = stk_arena_strdup(c->arena, a);
        free(a);
    }
    r->decl_range = decl_range(b);
    r->body = b->body;
    r->module = m;
    const char *us = strchr(r->type, '_');
    r->provider = stk_arena_strndup(c->arena, r->type, us ? (size_t)(us - r->type) : strlen(r->type));
    stk_hcl_attr *count = NULL, *for_each = NULL;
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        if (!strcmp(a->name, "count")) { r->count = a->expr; count = a; }
        else if (!strcmp(a->name, "for_each")) { r->for_each = a->expr; for_each = a; }
        else if (!strcmp(a->name, "provider")) decode_provider_ref(r, a, d);
        else if (!strcmp(a->name, "depends_on")) r->depends_on = decode_depends_on(c, a, &r->ndepends_on, d);
    }
    if (count && for_each)
        stk_diags_error(d, &for_each->name_range, "Invalid combination of \"count\" and \"for_each\"",
                        "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one "
                        "should be used to be explicit about the number of resources to be created.");
    int nlife = 0;
    for (size_t i = 0; i < b->body->nblocks; i++) {
        stk_hcl_block *ib = b->body->blocks[i];
        if (!strcmp(ib->type, "lifecycle")) {
            if (nlife++) {
                stk_diags_error(d, &ib->type_range, "Duplicate lifecycle block",
                                "This resource already has a lifecycle block.");
                continue;
            }
            decode_lifecycle(c, r, ib, d);
        } else if (!strcmp(ib->type, "timeouts") && mode == STK_MODE_MANAGED) {
            r->timeouts = ib->body;
        } else if (!strcmp(ib->type, "provisioner") || !strcmp(ib->type, "connection")) {
            stk_diags_error(d, &ib->type_range, "Provisioners are not supported",
                            "stk does not run %s blocks: provisioners run commands during apply, so ignoring "
                            "them would change what the configuration does. Remove the block, or use "
                            "user_data / a null_resource-free design.", ib->type);
        }
    }
    check_dynamic_blocks(b->body, d);
    /* the type must be one stk knows */
    const char *src = stk_provider_source(r->provider);
    stk_range tr = label_range(b, 0);
    r->rtype = stk_resource_type_lookup(mode == STK_MODE_DATA ? STK_RESOURCE_DATA : STK_RESOURCE_MANAGED, r->type);
    if (!r->rtype) {
        const char *prov = src ? src : NULL;
        char *fallback = NULL;
        if (!prov) prov = fallback = stk_xasprintf("hashicorp/%s", r->provider);
        const char *hint = suggest_type(mode == STK_MODE_DATA ? STK_RESOURCE_DATA : STK_RESOURCE_MANAGED, r->type);
        char *extra = hint ? stk_xasprintf(" Did you mean \"%s\"?", hint)
                           : stk_xstrdup(src ? "" : " stk supports the providers aws, random, null and terraform only.");
        if (mode == STK_MODE_DATA)
            stk_diags_error(d, &tr, "Invalid data source", "The provider %s does not support data source \"%s\".%s",
                            prov, r->type, extra);
        else
            stk_diags_error(d, &tr, "Invalid resource type",
                            "The provider %s does not support resource type \"%s\".%s", prov, r->type, extra);
        free(extra);
        free(fallback);
    } else if (r->rtype->schema) {
        check_schema(r->rtype->schema, b->body, &r->decl_range, 1, d);
    }
    stk_resource *prev = stk_strmap_get(&m->resource_map, r->addr);
    if (prev) {
        stk_diags_error(d, &r->decl_range,
                        mode == STK_MODE_DATA ? "Duplicate data \"%s\" configuration" : "Duplicate resource",
                        NULL);
        /* the summary names the type: rebuild it with the type */
        stk_diag *g = &d->items[d->len - 1];
        free(g->summary);
        g->summary = stk_xasprintf(mode == STK_MODE_DATA ? "Duplicate data \"%s\" configuration"
                                                         : "Duplicate resource \"%s\" configuration", r->type);
        g->detail = stk_xasprintf("A %s %s named \"%s\" was already declared at %s. %s names must be unique per "
                                  "type in each module.", r->type, mode == STK_MODE_DATA ? "data source" : "resource",
                                  r->name, range_str(c->arena, &prev->decl_range),
                                  mode == STK_MODE_DATA ? "Data source" : "Resource");
        return;
    }
    r->index = m->nresources;
    PUSH(m->resources, m->nresources, r);
    stk_strmap_put(&m->resource_map, r->addr, r);
}

static void decode_module_call(stk_config *c, stk_module *m, stk_hcl_block *b, stk_diags *d)
{
    if (!check_labels(b, 1, "name", d)) return;
    stk_module_call *mc = stk_arena_alloc(c->arena, sizeof *mc);
    mc->name = b->labels[0];
    mc->decl_range = decl_range(b);
    mc->parent = m;
    stk_hcl_attr *count = NULL, *for_each = NULL;
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        if (!strcmp(a->name, "source")) {
            mc->source = stk_cfg_expr_string(a->expr);
            mc->source_range = a->expr->range;
            if (!mc->source)
                stk_diags_error(d, &a->expr->range, "Invalid module source",
                                "The module source must be a literal string.");
        } else if (!strcmp(a->name, "version")) {
            stk_diags_error(d, &a->name_range, "Unsupported argument",
                            "Module version constraints apply to registry modules only, and stk supports only "
                            "local module sources.");
        } else if (!strcmp(a->name, "count")) { mc->count = a->expr; count = a; }
        else if (!strcmp(a->name, "for_each")) { mc->for_each = a->expr; for_each = a; }
        else if (!strcmp(a->name, "depends_on")) mc->depends_on = decode_depends_on(c, a, &mc->ndepends_on, d);
        else if (!strcmp(a->name, "providers")) mc->providers = a->expr;
        else PUSH(mc->inputs, mc->ninputs, a);
    }
    for (size_t i = 0; i < b->body->nblocks; i++) unsupported_block(d, b->body->blocks[i]);
    if (count && for_each)
        stk_diags_error(d, &for_each->name_range, "Invalid combination of \"count\" and \"for_each\"",
                        "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one "
                        "should be used to be explicit about the number of resources to be created.");
    if (!mc->source && !b->body->nattrs) {
        /* nothing */
    }
    int has_source_attr = 0;
    for (size_t i = 0; i < b->body->nattrs; i++)
        if (!strcmp(b->body->attrs[i]->name, "source")) has_source_attr = 1;
    if (!has_source_attr)
        stk_diags_error(d, &mc->decl_range, "Missing required argument",
                        "The argument \"source\" is required, but no definition was found.");
    stk_module_call *prev = stk_strmap_get(&m->call_map, mc->name);
    if (prev) {
        stk_diags_error(d, &mc->decl_range, "Duplicate module call",
                        "A module call named \"%s\" was already defined at %s. Module calls must have unique "
                        "names within a module.", mc->name, range_str(c->arena, &prev->decl_range));
        free(mc->inputs);
        return;
    }
    mc->index = m->ncalls;
    PUSH(m->calls, m->ncalls, mc);
    stk_strmap_put(&m->call_map, mc->name, mc);
}

static void decode_provider(stk_config *c, stk_module *m, stk_hcl_block *b, stk_diags *d)
{
    if (!check_labels(b, 1, "name", d)) return;
    stk_provider_config *p = stk_arena_alloc(c->arena, sizeof *p);
    p->name = b->labels[0];
    p->decl_range = decl_range(b);
    p->body = b->body;
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        if (!strcmp(a->name, "alias")) {
            p->alias = attr_string(c, a, d);
            if (p->alias && !valid_identifier(p->alias))
                stk_diags_error(d, &a->expr->range, "Invalid provider configuration alias",
                                "An alias must be a valid name. A name must start with a letter or "
                                "underscore and may contain only letters, digits, underscores, and dashes.");
        } else if (!strcmp(a->name, "version")) {
            stk_diags_warning(d, &a->name_range, "Version constraints inside provider configuration blocks "
                                                 "are deprecated",
                              "Use the required_providers block of the terraform block instead.");
        }
    }
    if (!strcmp(p->name, "aws")) {
        /* the provider's arguments, as terraform-provider-aws names them */
        static const char *const args[] = {
            "access_key", "alias", "allowed_account_ids", "custom_ca_bundle", "ec2_metadata_service_endpoint",
            "ec2_metadata_service_endpoint_mode", "forbidden_account_ids", "http_proxy", "https_proxy",
            "insecure", "max_retries", "no_proxy", "profile", "region", "retry_mode",
            "s3_us_east_1_regional_endpoint", "s3_use_path_style", "secret_key", "shared_config_files",
            "shared_credentials_files", "skip_credentials_validation", "skip_metadata_api_check",
            "skip_region_validation", "skip_requesting_account_id", "sts_region", "token",
            "token_bucket_rate_limiter_capacity", "use_dualstack_endpoint", "use_fips_endpoint", "version"};
        static const char *const blocks[] = {"assume_role", "assume_role_with_web_identity", "default_tags",
                                             "endpoints", "ignore_tags"};
        for (size_t i = 0; i < b->body->nattrs; i++) {
            int known = 0;
            for (size_t j = 0; j < sizeof args / sizeof args[0] && !known; j++)
                known = !strcmp(args[j], b->body->attrs[i]->name);
            if (!known) unsupported_arg(d, b->body->attrs[i]);
        }
        for (size_t i = 0; i < b->body->nblocks; i++) {
            int known = 0;
            for (size_t j = 0; j < sizeof blocks / sizeof blocks[0] && !known; j++)
                known = !strcmp(blocks[j], b->body->blocks[i]->type);
            if (!known) unsupported_block(d, b->body->blocks[i]);
        }
    } else if (stk_provider_source(p->name) || !strcmp(p->name, "stktest")) {
        /* the test provider (resources/test) takes cloud_dir: where its objects go */
        int test = !stk_provider_source(p->name);
        for (size_t i = 0; i < b->body->nattrs; i++)
            if (strcmp(b->body->attrs[i]->name, "alias") && strcmp(b->body->attrs[i]->name, "version") &&
                !(test && !strcmp(b->body->attrs[i]->name, "cloud_dir")))
                unsupported_arg(d, b->body->attrs[i]);
        for (size_t i = 0; i < b->body->nblocks; i++) unsupported_block(d, b->body->blocks[i]);
    }
    if (!stk_provider_source(p->name) && !(!strcmp(p->name, "stktest") && stk_provider_factory_lookup("stktest"))) {
        stk_range r = label_range(b, 0);
        stk_diags_error(d, &r, "Unsupported provider",
                        "stk does not support the provider \"%s\": the providers stk implements are aws, "
                        "random, null and terraform.", p->name);
    }
    char *addr = p->alias ? stk_xasprintf("provider.%s.%s", p->name, p->alias) : stk_xasprintf("provider.%s", p->name);
    p->addr = stk_arena_strdup(c->arena, addr);
    free(addr);
    stk_provider_config *prev = stk_strmap_get(&m->provider_map, p->addr);
    if (prev) {
        if (p->alias)
            stk_diags_error(d, &p->decl_range, "Duplicate provider configuration",
                            "A provider configuration for \"%s\" with alias \"%s\" was already given at %s. Each "
                            "configuration for the same provider must have a distinct alias.", p->name,
                            p->alias, range_str(c->arena, &prev->decl_range));
        else
            stk_diags_error(d, &p->decl_range, "Duplicate provider configuration",
                            "A default (non-aliased) provider configuration for \"%s\" was already given at %s. "
                            "If multiple configurations are required, set the \"alias\" argument for "
                            "alternative configurations.", p->name, range_str(c->arena, &prev->decl_range));
        return;
    }
    p->index = m->nproviders;
    PUSH(m->providers, m->nproviders, p);
    stk_strmap_put(&m->provider_map, p->addr, p);
}

static void decode_terraform(stk_config *c, stk_module *m, stk_hcl_block *b, stk_diags *d)
{
    if (b->nlabels) {
        check_labels(b, 0, "none", d);
        return;
    }
    stk_terraform_settings *t = &m->terraform;
    for (size_t i = 0; i < b->body->nattrs; i++) {
        stk_hcl_attr *a = b->body->attrs[i];
        if (!strcmp(a->name, "required_version")) t->required_version = attr_string(c, a, d);
        else if (!strcmp(a->name, "experiments"))
            stk_diags_error(d, &a->name_range, "Experiments are not supported",
                            "stk does not support Terraform language experiments.");
        else unsupported_arg(d, a);
    }
    for (size_t i = 0; i < b->body->nblocks; i++) {
        stk_hcl_block *ib = b->body->blocks[i];
        if (!strcmp(ib->type, "required_providers")) {
            for (size_t j = 0; j < ib->body->nattrs; j++) {
                stk_hcl_attr *a = ib->body->attrs[j];
                stk_required_provider rp = {a->name, NULL, NULL};
                const char *legacy = stk_cfg_expr_string(a->expr);
                if (legacy) rp.version = legacy;
                else if (a->expr->kind == STK_EX_OBJECT) {
                    for (size_t k = 0; k < a->expr->u.object.n; k++) {
                        stk_object_item *it = &a->expr->u.object.items[k];
                        const char *kn = it->key->kind == STK_EX_VARIABLE ? it->key->u.name : stk_cfg_expr_string(it->key);
                        const char *vs = stk_cfg_expr_string(it->value);
                        if (kn && !strcmp(kn, "source")) rp.source = vs;
                        else if (kn && !strcmp(kn, "version")) rp.version = vs;
                    }
                } else {
                    stk_diags_error(d, &a->expr->range, "Invalid required_providers object",
                                    "required_providers entries must be objects with source and version.");
                }
                if (!stk_provider_source(rp.name))
                    stk_diags_error(d, &a->name_range, "Unsupported provider",
                                    "stk does not support the provider \"%s\"%s%s: the providers stk implements "
                                    "are aws, random, null and terraform.", rp.name, rp.source ? " from " : "",
                                    rp.source ? rp.source : "");
                PUSH(t->required_providers, t->nrequired_providers, rp);
            }
            for (size_t j = 0; j < ib->body->nblocks; j++) unsupported_block(d, ib->body->blocks[j]);
        } else if (!strcmp(ib->type, "backend")) {
            if (!check_labels(ib, 1, "type", d)) continue;
            if (t->backend_type) {
                stk_diags_error(d, &ib->type_range, "Duplicate backend configuration",
                                "A module may have only one backend configuration.");
                continue;
            }
            t->backend_type = ib->labels[0];
            t->backend = ib->body;
            t->backend_range = decl_range(ib);
            if (strcmp(ib->labels[0], "s3") && strcmp(ib->labels[0], "local")) {
                stk_range r = label_range(ib, 0);
                stk_diags_error(d, &r, "Unsupported backend type",
                                "There is no backend type named \"%s\" in stk: the supported backends are "
                                "\"s3\" and \"local\".", ib->labels[0]);
            }
        } else if (!strcmp(ib->type, "cloud")) {
            stk_diags_error(d, &ib->type_range, "Unsupported block type",
                            "stk does not support HCP Terraform (the \"cloud\" block); use a backend \"s3\" or "
                            "\"local\" block.");
        } else if (!strcmp(ib->type, "provider_meta")) {
            /* accepted: no effect for stk's built-in providers */
        } else unsupported_block(d, ib);
    }
}

/* ---- loading directories ---- */

static int is_config_file(const char *n)
{
    size_t l = strlen(n);
    if (n[0] == '.' || n[l - 1] == '~' || (n[0] == '#' && n[l - 1] == '#')) return 0;
    return l > 3 && !strcmp(n + l - 3, ".tf");
}

static void load_file(stk_config *c, stk_module *m, const char *fspath, stk_diags *d)
{
    char *src = NULL, *err = NULL;
    size_t len = 0;
    if (stk_fs_read(c->fs, fspath, &src, &len, &err) != 0) {
        stk_diags_error(d, NULL, "Failed to read file", "%s", err);
        free(err);
        return;
    }
    stk_hcl_file *f = stk_hcl_parse(fspath, src, len, d);
    free(src);
    if (!f) return;
    PUSH(m->files, m->nfiles, f);
    stk_hcl_body *body = f->body;
    for (size_t i = 0; i < body->nattrs; i++) unsupported_arg(d, body->attrs[i]);
    for (size_t i = 0; i < body->nblocks; i++) {
        stk_hcl_block *b = body->blocks[i];
        const char *t = b->type;
        if (!strcmp(t, "variable")) decode_variable(c, m, b, d);
        else if (!strcmp(t, "locals")) decode_locals(c, m, b, d);
        else if (!strcmp(t, "output")) decode_output(c, m, b, d);
        else if (!strcmp(t, "resource")) decode_resource(c, m, b, STK_MODE_MANAGED, d);
        else if (!strcmp(t, "data")) decode_resource(c, m, b, STK_MODE_DATA, d);
        else if (!strcmp(t, "module")) decode_module_call(c, m, b, d);
        else if (!strcmp(t, "provider")) decode_provider(c, m, b, d);
        else if (!strcmp(t, "terraform")) decode_terraform(c, m, b, d);
        else if (!strcmp(t, "moved") || !strcmp(t, "import") || !strcmp(t, "removed"))
            stk_diags_error(d, &b->type_range, "Unsupported block type",
                            "stk does not support \"%s\" blocks yet. They change what a plan does to existing "
                            "objects, so they cannot be ignored: remove the block (and perform the %s by other "
                            "means) to continue.", t,
                            !strcmp(t, "moved") ? "move" : !strcmp(t, "import") ? "import" : "removal");
        else if (!strcmp(t, "check"))
            stk_diags_warning(d, &b->type_range, "Check blocks are not yet supported",
                              "stk does not evaluate check blocks yet; this one is ignored. Checks only report "
                              "problems, so the plan is not affected.");
        else unsupported_block(d, b);
    }
}

static stk_module *load_module(stk_config *c, stk_module *parent, stk_module_call *call, const char *dir,
                               const char *path, stk_diags *d);

static void load_children(stk_config *c, stk_module *m, stk_diags *d)
{
    for (size_t i = 0; i < m->ncalls; i++) {
        stk_module_call *mc = m->calls[i];
        if (!mc->source) continue;
        const char *s = mc->source;
        if (strncmp(s, "./", 2) != 0 && strncmp(s, "../", 3) != 0 && strcmp(s, ".") && strcmp(s, "..")) {
            stk_diags_error(d, &mc->source_range, "Unsupported module source",
                            "Module \"%s\" uses the source \"%s\": stk supports only local module sources, "
                            "paths starting with \"./\" or \"../\". Registry, git and other remote sources "
                            "are not supported; copy the module into the repository and refer to it with a "
                            "relative path.", mc->name, s);
            continue;
        }
        char *dir = stk_path_join(m->dir, s);
        char *path = m->path[0] ? stk_xasprintf("%s.module.%s", m->path, mc->name)
                                : stk_xasprintf("module.%s", mc->name);
        /* a module that (directly or not) includes itself */
        int loop = 0;
        for (stk_module *a = m; a; a = a->parent)
            if (!strcmp(a->dir, dir)) loop = 1;
        if (loop || m->depth >= 32) {
            stk_diags_error(d, &mc->source_range, "Module cycle",
                            "Module \"%s\" (%s) includes itself through its own source directory.", mc->name, s);
        } else {
            mc->child = load_module(c, m, mc, dir, path, d);
        }
        free(dir);
        free(path);
    }
}

/* module inputs against the child's variables */
static void check_inputs(stk_module_call *mc, stk_diags *d)
{
    stk_module *ch = mc->child;
    if (!ch) return;
    stk_strmap given = STK_STRMAP_INIT;
    for (size_t i = 0; i < mc->ninputs; i++) {
        stk_hcl_attr *a = mc->inputs[i];
        stk_strmap_put(&given, a->name, a);
        if (!stk_strmap_get(&ch->var_map, a->name))
            unsupported_arg(d, a);
    }
    for (size_t i = 0; i < ch->nvariables; i++) {
        stk_variable *v = ch->variables[i];
        if (!v->default_expr && !stk_strmap_get(&given, v->name))
            stk_diags_error(d, &mc->decl_range, "Missing required argument",
                            "The argument \"%s\" is required, but no definition was found.", v->name);
    }
    stk_strmap_free(&given);
}

static stk_module *load_module(stk_config *c, stk_module *parent, stk_module_call *call, const char *dir,
                               const char *path, stk_diags *d)
{
    char *fsdir = stk_path_join(c->root_dir, dir);
    if (stk_fs_exists(c->fs, fsdir) != 2) {
        if (call)
            stk_diags_error(d, &call->source_range, "Unreadable module directory",
                            "The directory %s does not exist or cannot be read.", fsdir);
        else
            stk_diags_error(d, NULL, "Unreadable configuration directory",
                            "The directory %s does not exist or cannot be read.", fsdir);
        free(fsdir);
        return NULL;
    }
    char **names = NULL, *err = NULL;
    size_t n = 0;
    unsigned char *isdir = NULL;
    if (stk_fs_list(c->fs, fsdir, &names, &n, &isdir, &err) != 0) {
        stk_diags_error(d, call ? &call->source_range : NULL, "Unreadable module directory", "%s", err);
        free(err);
        free(fsdir);
        return NULL;
    }
    stk_module *m = stk_arena_alloc(c->arena, sizeof *m);
    m->path = stk_arena_strdup(c->arena, path);
    m->dir = stk_arena_strdup(c->arena, dir);
    m->fsdir = stk_arena_strdup(c->arena, fsdir);
    m->parent = parent;
    m->call = call;
    m->depth = parent ? parent->depth + 1 : 0;
    PUSH(c->modules, c->nmodules, m);
    size_t ntf = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdir[i]) continue;
        size_t l = strlen(names[i]);
        if (l > 8 && !strcmp(names[i] + l - 8, ".tf.json")) {
            stk_diags_warning(d, NULL, "JSON configuration files are not supported",
                              "stk reads the native syntax (*.tf) only; %s/%s is ignored.", fsdir, names[i]);
            continue;
        }
        if (!is_config_file(names[i])) continue;
        if (!strcmp(names[i], "override.tf") || (l > 12 && !strcmp(names[i] + l - 12, "_override.tf"))) {
            stk_diags_error(d, NULL, "Override files are not supported",
                            "stk does not merge override files yet; %s/%s would change the configuration, so "
                            "it cannot be ignored.", fsdir, names[i]);
            continue;
        }
        char *fp = stk_path_join(fsdir, names[i]);
        load_file(c, m, fp, d);
        free(fp);
        ntf++;
    }
    stk_fs_names_free(names, n);
    free(isdir);
    if (!parent && ntf == 0)
        stk_diags_error(d, NULL, "No configuration files",
                        "The directory %s contains no Terraform configuration files (*.tf).", fsdir);
    free(fsdir);
    load_children(c, m, d);
    for (size_t i = 0; i < m->ncalls; i++) check_inputs(m->calls[i], d);
    return m;
}

stk_config *stk_config_load(const stk_fs *fs, const char *dir, stk_diags *d)
{
    size_t dstart = d->len;
    stk_config *c = stk_xcalloc(1, sizeof *c);
    c->fs = fs;
    c->arena = stk_arena_new();
    char *clean = stk_path_clean(dir && dir[0] ? dir : ".");
    c->root_dir = stk_arena_strdup(c->arena, clean);
    free(clean);
    c->root = load_module(c, NULL, NULL, ".", "", d);
    if (c->root) stk_cfg_check_providers(c, d);
    stk_cfg_dedup_diags(d, dstart);
    if (!c->root) {
        stk_config_free(c);
        return NULL;
    }
    return c;
}

void stk_config_free(stk_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nmodules; i++) {
        stk_module *m = c->modules[i];
        for (size_t j = 0; j < m->nvariables; j++) {
            stk_variable *v = m->variables[j];
            if (v->has_type) stk_type_unref(v->type);
            if (v->default_value) stk_value_unref(v->default_value);
            free(v->validations);
        }
        for (size_t j = 0; j < m->ncalls; j++) free(m->calls[j]->inputs);
        free(m->variables);
        free(m->locals);
        free(m->outputs);
        free(m->resources);
        free(m->calls);
        free(m->providers);
        free(m->terraform.required_providers);
        stk_strmap_free(&m->var_map);
        stk_strmap_free(&m->local_map);
        stk_strmap_free(&m->output_map);
        stk_strmap_free(&m->call_map);
        stk_strmap_free(&m->provider_map);
        stk_strmap_free(&m->resource_map);
        for (size_t j = 0; j < m->nfiles; j++) stk_hcl_file_free(m->files[j]);
        free(m->files);
    }
    if (c->var_values) {
        for (size_t i = 0; c->root && i < c->root->nvariables; i++)
            if (c->var_values[i]) stk_value_unref(c->var_values[i]);
        free(c->var_values);
        free(c->var_ranges);
    }
    free(c->modules);
    stk_arena_free(c->arena);
    free(c);
}
