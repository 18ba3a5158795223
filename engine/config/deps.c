/* deps.c - the dependency graph of a configuration (engine/graph): one node
 * per object of every module (variables, locals, outputs, resources, data
 * sources, module calls, providers), an edge for every reference an
 * expression makes (engine/eval/refs.h) and for every depends_on entry.
 *
 * Module boundaries follow Terraform: a child module's variable depends on
 * the references of the matching input expression in the parent (and on
 * the call node, which expands the child's instances); a reference to
 * module.net.x depends on the child's output x.  Every object of a child
 * module depends on its call node, so evaluation (evaluate.c) always knows
 * a module's instances before it evaluates anything inside it.
 *
 * References are checked here, once, statically: undeclared variables,
 * locals, resources, modules and module outputs, count/each outside their
 * contexts, bad path/terraform attributes.
 */
#include "config/config.h"
#include "config/config_priv.h"
#include "graph/graph.h"
#include "eval/refs.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    stk_config *c;
    stk_graph *g;
    stk_diags *d;
} builder;

typedef struct {
    stk_module *m;          /* module the expression is evaluated in */
    int has_count, has_each;
    const char **iters;     /* dynamic block iterator names in scope */
    size_t niters;
} refctx;

static char *node_id(const stk_module *m, const char *local)
{
    return m->path[0] ? stk_xasprintf("%s.%s", m->path, local) : stk_xstrdup(local);
}

static size_t add_node(builder *b, stk_module *m, stk_config_node_kind kind, void *obj, const char *local,
                       const stk_range *r)
{
    stk_config_node *cn = stk_arena_alloc(b->c->arena, sizeof *cn);
    cn->kind = kind;
    cn->module = m;
    cn->obj = obj;
    char *id = node_id(m, local);
    size_t i = stk_graph_add(b->g, id, local, m->path[0] ? m->path : NULL, (int)kind, r, cn);
    free(id);
    return i;
}

static size_t find_node(builder *b, const stk_module *m, const char *local)
{
    char *id = node_id(m, local);
    size_t i = stk_graph_find(b->g, id);
    free(id);
    return i;
}

static const char *module_desc(const stk_module *m)
{
    return m->path[0] ? m->path : "the root module";
}

/* Resolve one reference made in ctx to the graph node it depends on; report
   references to things that do not exist.  Returns the node or -1. */
static void depend_ref(builder *b, size_t from, const refctx *ctx, const stk_ref *r)
{
    stk_module *m = ctx->m;
    const char *root = r->root;
    const char *a0 = stk_ref_attr(r, 0);
    stk_range rr = r->nsteps ? stk_range_join(r->root_range, r->steps[0].range) : r->root_range;
    for (size_t i = 0; i < ctx->niters; i++)
        if (!strcmp(ctx->iters[i], root)) return;
    if (!strcmp(root, "var")) {
        if (!a0) {
            stk_diags_error(b->d, &r->range, "Invalid reference",
                            "The \"var\" object cannot be accessed directly. Instead, access one of its attributes.");
            return;
        }
        if (!stk_strmap_get(&m->var_map, a0)) {
            stk_diags_error(b->d, &rr, "Reference to undeclared input variable",
                            "An input variable with the name \"%s\" has not been declared. This variable can be "
                            "declared with a variable \"%s\" {} block.", a0, a0);
            return;
        }
        char *l = stk_xasprintf("var.%s", a0);
        stk_graph_depend(b->g, from, find_node(b, m, l));
        free(l);
    } else if (!strcmp(root, "local")) {
        if (!a0) {
            stk_diags_error(b->d, &r->range, "Invalid reference",
                            "The \"local\" object cannot be accessed directly. Instead, access one of its "
                            "attributes.");
            return;
        }
        if (!stk_strmap_get(&m->local_map, a0)) {
            stk_diags_error(b->d, &rr, "Reference to undeclared local value",
                            "A local value with the name \"%s\" has not been declared.", a0);
            return;
        }
        char *l = stk_xasprintf("local.%s", a0);
        stk_graph_depend(b->g, from, find_node(b, m, l));
        free(l);
    } else if (!strcmp(root, "module")) {
        if (!a0) {
            stk_diags_error(b->d, &r->range, "Invalid reference",
                            "The \"module\" object cannot be accessed directly. Instead, access one of its "
                            "attributes.");
            return;
        }
        stk_module_call *mc = stk_strmap_get(&m->call_map, a0);
        if (!mc) {
            stk_diags_error(b->d, &rr, "Reference to undeclared module",
                            "No module call named \"%s\" is declared in %s.", a0, module_desc(m));
            return;
        }
        char *l = stk_xasprintf("module.%s", a0);
        stk_graph_depend(b->g, from, find_node(b, m, l));
        free(l);
        stk_module *ch = mc->child;
        if (!ch) return;
        /* module.x.out, or module.x[key].out when the call is expanded */
        size_t k = 1;
        int expanded = mc->count || mc->for_each;
        if (expanded && k < r->nsteps && r->steps[k].kind == STK_STEP_INDEX) k++;
        const char *out = stk_ref_attr(r, k);
        if (out && (!expanded || k == 2)) {
            if (!stk_strmap_get(&ch->output_map, out)) {
                stk_range sr = r->steps[k].range;
                /* worded as the evaluator words it, so the two reports of an
                   expanded module (here and at evaluation) merge into one */
                stk_diags_error(b->d, &sr, "Unsupported attribute",
                                "This object does not have an attribute named \"%s\".", out);
                return;
            }
            char *ol = stk_xasprintf("output.%s", out);
            stk_graph_depend(b->g, from, find_node(b, ch, ol));
            free(ol);
        } else {
            for (size_t i = 0; i < ch->noutputs; i++) {
                char *ol = stk_xasprintf("output.%s", ch->outputs[i]->name);
                stk_graph_depend(b->g, from, find_node(b, ch, ol));
                free(ol);
            }
        }
    } else if (!strcmp(root, "data")) {
        const char *a1 = stk_ref_attr(r, 1);
        if (!a0 || !a1) {
            stk_diags_error(b->d, &r->range, "Invalid reference",
                            "The \"data\" object must be followed by two attribute names: the data source "
                            "type and the resource name.");
            return;
        }
        char *addr = stk_xasprintf("data.%s.%s", a0, a1);
        if (!stk_strmap_get(&m->resource_map, addr)) {
            stk_range r2 = stk_range_join(r->root_range, r->steps[1].range);
            stk_diags_error(b->d, &r2, "Reference to undeclared resource",
                            "A data resource \"%s\" \"%s\" has not been declared in %s.", a0, a1, module_desc(m));
        } else {
            stk_graph_depend(b->g, from, find_node(b, m, addr));
        }
        free(addr);
    } else if (!strcmp(root, "count")) {
        if (!ctx->has_count) {
            stk_diags_error(b->d, &r->range, "Reference to \"count\" in non-counted context",
                            "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" "
                            "blocks, and only when the \"count\" argument is set.");
        } else if (!a0 || strcmp(a0, "index") != 0) {
            stk_diags_error(b->d, &r->range, "Invalid \"count\" attribute",
                            "The \"count\" object does not have an attribute named \"%s\". The only supported "
                            "attribute is count.index, which is the index of each instance of a resource block "
                            "that has the \"count\" argument set.", a0 ? a0 : "");
        }
    } else if (!strcmp(root, "each")) {
        if (!ctx->has_each) {
            stk_diags_error(b->d, &r->range, "Reference to \"each\" in context without for_each",
                            "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only "
                            "when the \"for_each\" argument is set.");
        } else if (!a0 || (strcmp(a0, "key") != 0 && strcmp(a0, "value") != 0)) {
            stk_diags_error(b->d, &r->range, "Invalid \"each\" attribute",
                            "The \"each\" object does not have an attribute named \"%s\". The supported "
                            "attributes are each.key and each.value, the current key and value pair of the "
                            "\"for_each\" attribute set.", a0 ? a0 : "");
        }
    } else if (!strcmp(root, "path")) {
        if (!a0 || (strcmp(a0, "module") && strcmp(a0, "root") && strcmp(a0, "cwd")))
            stk_diags_error(b->d, &r->range, "Invalid \"path\" attribute",
                            "The \"path\" object does not have an attribute named \"%s\". The supported "
                            "attributes are path.cwd, path.module, and path.root.", a0 ? a0 : "");
    } else if (!strcmp(root, "terraform")) {
        if (!a0 || strcmp(a0, "workspace"))
            stk_diags_error(b->d, &r->range, "Invalid \"terraform\" attribute",
                            "The \"terraform\" object does not have an attribute named \"%s\". The only "
                            "supported attribute is terraform.workspace, the name of the currently-selected "
                            "workspace.", a0 ? a0 : "");
    } else if (!strcmp(root, "self")) {
        stk_diags_error(b->d, &r->range, "Invalid \"self\" reference",
                        "The \"self\" object is not available in this context. This object can be used only "
                        "in resource provisioner and connection blocks.");
    } else {
        if (!a0) {
            stk_diags_error(b->d, &r->range, "Invalid reference",
                            "A reference to a resource type must be followed by at least one attribute access, "
                            "specifying the resource name.");
            return;
        }
        char *addr = stk_xasprintf("%s.%s", root, a0);
        if (!stk_strmap_get(&m->resource_map, addr)) {
            stk_diags_error(b->d, &rr, "Reference to undeclared resource",
                            "A managed resource \"%s\" \"%s\" has not been declared in %s.", root, a0,
                            module_desc(m));
        } else {
            stk_graph_depend(b->g, from, find_node(b, m, addr));
        }
        free(addr);
    }
}

static void depend_expr(builder *b, size_t from, const refctx *ctx, const stk_expr *e)
{
    if (!e) return;
    stk_refs refs = STK_REFS_INIT;
    stk_refs_collect(e, &refs);
    for (size_t i = 0; i < refs.len; i++) depend_ref(b, from, ctx, &refs.items[i]);
    stk_refs_free(&refs);
}

/* depends_on entries: whole-object references */
static void depend_list(builder *b, size_t from, const refctx *ctx, stk_expr **items, size_t n)
{
    for (size_t i = 0; i < n; i++) depend_expr(b, from, ctx, items[i]);
}

static void depend_body(builder *b, size_t from, refctx *ctx, const stk_hcl_body *body, int top)
{
    for (size_t i = 0; i < body->nattrs; i++) {
        const stk_hcl_attr *a = body->attrs[i];
        if (top && (!strcmp(a->name, "provider") || !strcmp(a->name, "depends_on") ||
                    !strcmp(a->name, "count") || !strcmp(a->name, "for_each")))
            continue;
        depend_expr(b, from, ctx, a->expr);
    }
    for (size_t i = 0; i < body->nblocks; i++) {
        const stk_hcl_block *bl = body->blocks[i];
        if (top && (!strcmp(bl->type, "connection") || !strcmp(bl->type, "provisioner"))) continue;
        if (top && !strcmp(bl->type, "lifecycle")) continue;   /* replace_triggered_by: by the caller */
        if (!strcmp(bl->type, "dynamic") && bl->nlabels == 1) {
            const char *iter = bl->labels[0];
            for (size_t j = 0; j < bl->body->nattrs; j++) {
                const stk_hcl_attr *a = bl->body->attrs[j];
                if (!strcmp(a->name, "iterator")) {
                    if (a->expr->kind == STK_EX_VARIABLE) iter = a->expr->u.name;
                } else if (!strcmp(a->name, "for_each")) {
                    depend_expr(b, from, ctx, a->expr);
                }
            }
            const char **saved = ctx->iters;
            size_t nsaved = ctx->niters;
            const char **it = stk_xmalloc((nsaved + 1) * sizeof *it);
            if (nsaved) memcpy(it, saved, nsaved * sizeof *it);
            it[nsaved] = iter;
            ctx->iters = it;
            ctx->niters = nsaved + 1;
            for (size_t j = 0; j < bl->body->nattrs; j++)
                if (!strcmp(bl->body->attrs[j]->name, "labels")) depend_expr(b, from, ctx, bl->body->attrs[j]->expr);
            for (size_t j = 0; j < bl->body->nblocks; j++)
                if (!strcmp(bl->body->blocks[j]->type, "content")) depend_body(b, from, ctx, bl->body->blocks[j]->body, 0);
            ctx->iters = saved;
            ctx->niters = nsaved;
            free(it);
            continue;
        }
        depend_body(b, from, ctx, bl->body, 0);
    }
}

/* the node of the provider configuration a resource uses (providers.c has
   the rules); -2: the implied empty default configuration (no node); -1:
   not present */
static size_t provider_node(builder *b, stk_module *m, const char *name, const char *alias)
{
    stk_provider_binding pb;
    if (stk_config_provider_resolve(m, name, alias, &pb) != 0) return (size_t)-1;
    if (!pb.config) return (size_t)-2;
    return find_node(b, (stk_module *)pb.module, pb.config->addr);
}

const char *stk_config_node_shape(int kind)
{
    switch (kind) {
    case STK_NODE_VARIABLE: return "note";
    case STK_NODE_LOCAL: return "note";
    case STK_NODE_OUTPUT: return "note";
    case STK_NODE_RESOURCE: return "box";
    case STK_NODE_DATA: return "box";
    case STK_NODE_MODULE: return "component";
    case STK_NODE_PROVIDER: return "diamond";
    case STK_NODE_JOIN: return "point";
    }
    return NULL;
}

static stk_graph *build(stk_config *c, stk_diags *d, int display)
{
    size_t dstart = d->len;
    builder b = {c, stk_graph_new(), d};
    char buf[1024];
    /* nodes */
    for (size_t mi = 0; mi < c->nmodules; mi++) {
        stk_module *m = c->modules[mi];
        for (size_t i = 0; i < m->nproviders; i++)
            add_node(&b, m, STK_NODE_PROVIDER, m->providers[i], m->providers[i]->addr, &m->providers[i]->decl_range);
        for (size_t i = 0; i < m->nvariables; i++) {
            snprintf(buf, sizeof buf, "var.%s", m->variables[i]->name);
            add_node(&b, m, STK_NODE_VARIABLE, m->variables[i], buf, &m->variables[i]->decl_range);
        }
        for (size_t i = 0; i < m->nlocals; i++) {
            snprintf(buf, sizeof buf, "local.%s", m->locals[i]->name);
            add_node(&b, m, STK_NODE_LOCAL, m->locals[i], buf, &m->locals[i]->range);
        }
        for (size_t i = 0; i < m->nresources; i++) {
            stk_resource *r = m->resources[i];
            add_node(&b, m, r->mode == STK_MODE_DATA ? STK_NODE_DATA : STK_NODE_RESOURCE, r, r->addr, &r->decl_range);
        }
        for (size_t i = 0; i < m->ncalls; i++) {
            snprintf(buf, sizeof buf, "module.%s", m->calls[i]->name);
            add_node(&b, m, STK_NODE_MODULE, m->calls[i], buf, &m->calls[i]->decl_range);
        }
        for (size_t i = 0; i < m->noutputs; i++) {
            snprintf(buf, sizeof buf, "output.%s", m->outputs[i]->name);
            add_node(&b, m, STK_NODE_OUTPUT, m->outputs[i], buf, &m->outputs[i]->decl_range);
        }
    }
    /* edges */
    for (size_t mi = 0; mi < c->nmodules; mi++) {
        stk_module *m = c->modules[mi];
        size_t callnode = (size_t)-1;
        if (m->call) {
            snprintf(buf, sizeof buf, "module.%s", m->call->name);
            callnode = find_node(&b, m->parent, buf);
        }
        refctx ctx = {m, 0, 0, NULL, 0};
        for (size_t i = 0; i < m->nproviders; i++) {
            size_t n = find_node(&b, m, m->providers[i]->addr);
            depend_body(&b, n, &ctx, m->providers[i]->body, 0);
        }
        for (size_t i = 0; i < m->nvariables; i++) {
            stk_variable *v = m->variables[i];
            snprintf(buf, sizeof buf, "var.%s", v->name);
            size_t n = find_node(&b, m, buf);
            if (callnode != (size_t)-1) {
                stk_graph_depend(b.g, n, callnode);
                stk_module_call *mc = m->call;
                refctx pctx = {m->parent, mc->count != NULL, mc->for_each != NULL, NULL, 0};
                for (size_t j = 0; j < mc->ninputs; j++)
                    if (!strcmp(mc->inputs[j]->name, v->name)) depend_expr(&b, n, &pctx, mc->inputs[j]->expr);
            }
            /* validation conditions may refer to the variable itself (and, since
               Terraform 1.9, to other objects of the module) */
            for (size_t j = 0; j < v->nvalidations; j++) {
                stk_refs refs = STK_REFS_INIT;
                stk_refs_collect(v->validations[j].condition, &refs);
                stk_refs_collect(v->validations[j].error_message, &refs);
                for (size_t k = 0; k < refs.len; k++) {
                    const stk_ref *r = &refs.items[k];
                    const char *a0 = stk_ref_attr(r, 0);
                    if (!strcmp(r->root, "var") && a0 && !strcmp(a0, v->name)) continue;
                    depend_ref(&b, n, &ctx, r);
                }
                stk_refs_free(&refs);
            }
        }
        for (size_t i = 0; i < m->nlocals; i++) {
            snprintf(buf, sizeof buf, "local.%s", m->locals[i]->name);
            size_t n = find_node(&b, m, buf);
            if (callnode != (size_t)-1 && !display) stk_graph_depend(b.g, n, callnode);
            depend_expr(&b, n, &ctx, m->locals[i]->expr);
        }
        for (size_t i = 0; i < m->nresources; i++) {
            stk_resource *r = m->resources[i];
            size_t n = find_node(&b, m, r->addr);
            if (callnode != (size_t)-1 && !display) stk_graph_depend(b.g, n, callnode);
            refctx rctx = {m, r->count != NULL, r->for_each != NULL, NULL, 0};
            depend_expr(&b, n, &ctx, r->count);
            depend_expr(&b, n, &ctx, r->for_each);
            depend_list(&b, n, &ctx, r->depends_on, r->ndepends_on);
            depend_list(&b, n, &rctx, r->lifecycle.replace_triggered_by, r->lifecycle.nreplace_triggered_by);
            depend_body(&b, n, &rctx, r->body, 1);
            size_t pn = provider_node(&b, m, r->provider, r->provider_alias);
            if (pn != (size_t)-1 && pn != (size_t)-2) stk_graph_depend(b.g, n, pn);
            else if (pn == (size_t)-1)
                stk_diags_error(d, &r->provider_range, "Provider configuration not present",
                                "The resource %s refers to the provider configuration %s.%s, which %s neither "
                                "configures (a provider \"%s\" block with alias = \"%s\") nor is passed by its "
                                "module call (providers = { %s.%s = ... }).", r->addr, r->provider,
                                r->provider_alias, module_desc(m), r->provider, r->provider_alias, r->provider,
                                r->provider_alias);
        }
        for (size_t i = 0; i < m->ncalls; i++) {
            stk_module_call *mc = m->calls[i];
            snprintf(buf, sizeof buf, "module.%s", mc->name);
            size_t n = find_node(&b, m, buf);
            if (callnode != (size_t)-1 && !display) stk_graph_depend(b.g, n, callnode);
            depend_expr(&b, n, &ctx, mc->count);
            depend_expr(&b, n, &ctx, mc->for_each);
            depend_list(&b, n, &ctx, mc->depends_on, mc->ndepends_on);
        }
        for (size_t i = 0; i < m->noutputs; i++) {
            stk_output *o = m->outputs[i];
            snprintf(buf, sizeof buf, "output.%s", o->name);
            size_t n = find_node(&b, m, buf);
            if (callnode != (size_t)-1 && !display) stk_graph_depend(b.g, n, callnode);
            depend_expr(&b, n, &ctx, o->value);
            depend_list(&b, n, &ctx, o->depends_on, o->ndepends_on);
        }
    }
    stk_cfg_dedup_diags(d, dstart);   /* a module directory called twice */
    return b.g;
}

stk_graph *stk_config_build_graph(stk_config *c, stk_diags *d)
{
    return build(c, d, 0);
}

stk_graph *stk_config_build_display_graph(stk_config *c, stk_diags *d)
{
    return build(c, d, 1);
}
