/* instances.c - the graph of resource instances of an evaluation (see
 * stk_evaluation_instance_graph in config.h).
 *
 * The configuration graph (deps.c) relates blocks.  For each resource block
 * we first compute the resource blocks it depends on through any chain of
 * non-resource nodes (variables, locals, outputs, module calls, providers),
 * in topological order so each list is computed once.  Then every instance
 * gets edges to join nodes: "<module instance>.<block>[*]" when the
 * dependency is in the same module (so module.a[0] never waits for
 * module.a[1]), "<module path>.<block>[**]" otherwise.
 */
#include "config/config.h"
#include "graph/graph.h"
#include "util/strbuf.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t *items;
    size_t n;
} idx_list;

static int is_res(const stk_graph_node *nd)
{
    return nd->kind == STK_NODE_RESOURCE || nd->kind == STK_NODE_DATA;
}

static char *join_local(const char *mi_addr, const stk_resource *r)
{
    return mi_addr[0] ? stk_xasprintf("%s.%s[*]", mi_addr, r->addr) : stk_xasprintf("%s[*]", r->addr);
}

static char *join_global(const stk_resource *r)
{
    const char *p = r->module->path;
    return p[0] ? stk_xasprintf("%s.%s[**]", p, r->addr) : stk_xasprintf("%s[**]", r->addr);
}

stk_graph *stk_evaluation_instance_graph(const stk_evaluation *ev, stk_diags *d)
{
    stk_config *c = ev->config;
    stk_diags scratch = STK_DIAGS_INIT;     /* reference errors were reported by evaluate */
    stk_graph *cg = stk_config_build_graph(c, &scratch);
    stk_diags_free(&scratch);
    size_t *order = NULL;
    if (stk_graph_toposort(cg, &order, d) != 0) {
        stk_graph_free(cg);
        return NULL;
    }
    size_t n = stk_graph_count(cg);
    idx_list *rd = stk_xcalloc(n + 1, sizeof *rd);
    size_t *stamp = stk_xcalloc(n + 1, sizeof *stamp);
    size_t *buf = stk_xmalloc((n + 1) * sizeof *buf);
    for (size_t k = 0; k < n; k++) {
        size_t v = order[k];
        stk_graph_node *nd = stk_graph_node_at(cg, v);
        size_t m = 0;
        for (size_t e = 0; e < nd->ndeps; e++) {
            size_t w = nd->deps[e];
            stk_graph_node *wd = stk_graph_node_at(cg, w);
            if (is_res(wd)) {
                if (stamp[w] != v + 1) { stamp[w] = v + 1; buf[m++] = w; }
            } else {
                for (size_t j = 0; j < rd[w].n; j++) {
                    size_t x = rd[w].items[j];
                    if (stamp[x] != v + 1) { stamp[x] = v + 1; buf[m++] = x; }
                }
            }
        }
        rd[v].items = stk_xmalloc((m ? m : 1) * sizeof *rd[v].items);
        memcpy(rd[v].items, buf, m * sizeof *buf);
        rd[v].n = m;
    }

    stk_graph *g = stk_graph_new();
    /* instance nodes and their join nodes */
    for (size_t i = 0; i < ev->ninstances; i++) {
        stk_resource_instance *ri = ev->instances[i];
        const stk_resource *r = ri->res;
        size_t in = stk_graph_add(g, ri->addr, ri->addr, ri->mi->addr[0] ? ri->mi->addr : NULL,
                                  r->mode == STK_MODE_DATA ? STK_NODE_DATA : STK_NODE_RESOURCE, &r->decl_range, ri);
        char *jl = join_local(ri->mi->addr, r), *jg = join_global(r);
        size_t a = stk_graph_add(g, jl, jl, NULL, STK_NODE_JOIN, &r->decl_range, NULL);
        size_t b = stk_graph_add(g, jg, jg, NULL, STK_NODE_JOIN, &r->decl_range, NULL);
        stk_graph_depend(g, a, in);
        stk_graph_depend(g, b, a);
        free(jl);
        free(jg);
    }
    /* blocks with no instance still get join nodes (empty, done at once) */
    for (size_t i = 0; i < ev->nminstances; i++) {
        stk_module_instance *mi = ev->minstances[i];
        for (size_t j = 0; j < mi->mod->nresources; j++) {
            const stk_resource *r = mi->mod->resources[j];
            char *jl = join_local(mi->addr, r), *jg = join_global(r);
            size_t a = stk_graph_add(g, jl, jl, NULL, STK_NODE_JOIN, &r->decl_range, NULL);
            size_t b = stk_graph_add(g, jg, jg, NULL, STK_NODE_JOIN, &r->decl_range, NULL);
            stk_graph_depend(g, b, a);
            free(jl);
            free(jg);
        }
    }
    /* edges */
    for (size_t i = 0; i < ev->ninstances; i++) {
        stk_resource_instance *ri = ev->instances[i];
        const stk_resource *r = ri->res;
        const stk_module *m = r->module;
        char *rid = m->path[0] ? stk_xasprintf("%s.%s", m->path, r->addr) : stk_xstrdup(r->addr);
        size_t cn = stk_graph_find(cg, rid);
        free(rid);
        if (cn == (size_t)-1) continue;
        size_t in = stk_graph_find(g, ri->addr);
        for (size_t k = 0; k < rd[cn].n; k++) {
            stk_config_node *dn = stk_graph_node_at(cg, rd[cn].items[k])->data;
            const stk_resource *dr = dn->obj;
            char *jid = dr->module == m ? join_local(ri->mi->addr, dr) : join_global(dr);
            size_t j = stk_graph_find(g, jid);
            free(jid);
            if (j != (size_t)-1) stk_graph_depend(g, in, j);
        }
    }
    for (size_t k = 0; k < n; k++) free(rd[k].items);
    free(rd);
    free(stamp);
    free(buf);
    free(order);
    stk_graph_free(cg);
    return g;
}
