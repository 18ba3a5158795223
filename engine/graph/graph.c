/* graph.c - dependency graph: nodes by id (hash map), dependency edges,
 * Tarjan's strongly connected components (iterative, so a chain of 10,000
 * nodes does not exhaust the C stack) giving both the topological order and
 * the cycle reports, and DOT output.  See graph.h. */
#include "graph/graph.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct stk_graph {
    stk_graph_node *nodes;
    size_t n, cap;
    stk_strmap ids;          /* id -> index + 1 */
    stk_arena *arena;
};

stk_graph *stk_graph_new(void)
{
    stk_graph *g = stk_xcalloc(1, sizeof *g);
    g->arena = stk_arena_new();
    return g;
}

void stk_graph_free(stk_graph *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) free(g->nodes[i].deps);
    free(g->nodes);
    stk_strmap_free(&g->ids);
    stk_arena_free(g->arena);
    free(g);
}

size_t stk_graph_find(const stk_graph *g, const char *id)
{
    uintptr_t v = (uintptr_t)stk_strmap_get(&g->ids, id);
    return v ? (size_t)(v - 1) : (size_t)-1;
}

size_t stk_graph_add(stk_graph *g, const char *id, const char *label, const char *cluster,
                     int kind, const stk_range *range, void *data)
{
    size_t have = stk_graph_find(g, id);
    if (have != (size_t)-1) return have;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->nodes = stk_xrealloc(g->nodes, g->cap * sizeof *g->nodes);
    }
    stk_graph_node *nd = &g->nodes[g->n];
    memset(nd, 0, sizeof *nd);
    nd->id = stk_arena_strdup(g->arena, id);
    nd->label = stk_arena_strdup(g->arena, label ? label : id);
    nd->cluster = cluster ? stk_arena_strdup(g->arena, cluster) : NULL;
    nd->kind = kind;
    if (range) nd->range = *range;
    nd->data = data;
    stk_strmap_put(&g->ids, nd->id, (void *)(uintptr_t)(g->n + 1));
    return g->n++;
}

size_t stk_graph_count(const stk_graph *g) { return g->n; }

stk_graph_node *stk_graph_node_at(const stk_graph *g, size_t i)
{
    return i < g->n ? &g->nodes[i] : NULL;
}

void stk_graph_depend(stk_graph *g, size_t from, size_t to)
{
    if (from >= g->n || to >= g->n) return;
    stk_graph_node *nd = &g->nodes[from];
    for (size_t i = 0; i < nd->ndeps; i++)
        if (nd->deps[i] == to) return;
    if (nd->ndeps == nd->capdeps) {
        nd->capdeps = nd->capdeps ? nd->capdeps * 2 : 4;
        nd->deps = stk_xrealloc(nd->deps, nd->capdeps * sizeof *nd->deps);
    }
    nd->deps[nd->ndeps++] = to;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void report_cycle(const stk_graph *g, size_t *members, size_t k, stk_diags *d)
{
    qsort(members, k, sizeof *members, cmp_size);
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_puts(&b, "Cycle: ");
    for (size_t i = 0; i < k; i++) {
        const stk_graph_node *nd = &g->nodes[members[i]];
        if (i) stk_strbuf_puts(&b, ", ");
        stk_strbuf_puts(&b, nd->id);
        if (nd->range.filename)
            stk_strbuf_printf(&b, " (%s:%d,%d)", nd->range.filename, nd->range.start.line,
                              nd->range.start.col);
    }
    const stk_graph_node *first = &g->nodes[members[0]];
    stk_diags_error(d, first->range.filename ? &first->range : NULL, stk_strbuf_cstr(&b),
                    "These objects refer to each other, so none of them can be evaluated "
                    "first. Break the cycle by removing one of the references.");
    stk_strbuf_free(&b);
}

int stk_graph_toposort(const stk_graph *g, size_t **order, stk_diags *d)
{
    size_t n = g->n, undef = (size_t)-1;
    size_t *index = stk_xmalloc((n ? n : 1) * sizeof *index);
    size_t *low = stk_xmalloc((n ? n : 1) * sizeof *low);
    unsigned char *on = stk_xcalloc(n ? n : 1, 1);
    size_t *stack = stk_xmalloc((n ? n : 1) * sizeof *stack);
    size_t sp = 0;
    /* explicit DFS frames: node and next edge position */
    size_t *fnode = stk_xmalloc((n ? n : 1) * sizeof *fnode);
    size_t *fedge = stk_xmalloc((n ? n : 1) * sizeof *fedge);
    size_t *out = stk_xmalloc((n ? n : 1) * sizeof *out);
    size_t nout = 0, counter = 0;
    int cycles = 0;
    for (size_t i = 0; i < n; i++) index[i] = undef;

    for (size_t root = 0; root < n; root++) {
        if (index[root] != undef) continue;
        size_t fp = 0;
        fnode[fp] = root;
        fedge[fp++] = 0;
        index[root] = low[root] = counter++;
        stack[sp++] = root;
        on[root] = 1;
        while (fp) {
            size_t v = fnode[fp - 1];
            const stk_graph_node *nd = &g->nodes[v];
            if (fedge[fp - 1] < nd->ndeps) {
                size_t w = nd->deps[fedge[fp - 1]++];
                if (index[w] == undef) {
                    index[w] = low[w] = counter++;
                    stack[sp++] = w;
                    on[w] = 1;
                    fnode[fp] = w;
                    fedge[fp++] = 0;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            /* v is finished */
            if (low[v] == index[v]) {
                size_t start = sp;
                do start--; while (stack[start] != v);
                size_t k = sp - start;
                int self = 0;
                for (size_t e = 0; e < nd->ndeps; e++)
                    if (nd->deps[e] == v) self = 1;
                if (k > 1 || self) {
                    cycles++;
                    size_t *members = stk_xmalloc(k * sizeof *members);
                    memcpy(members, stack + start, k * sizeof *members);
                    report_cycle(g, members, k, d);
                    free(members);
                }
                for (size_t s = start; s < sp; s++) {
                    on[stack[s]] = 0;
                    out[nout++] = stack[s];
                }
                sp = start;
            }
            fp--;
            if (fp) {
                size_t u = fnode[fp - 1];
                if (low[v] < low[u]) low[u] = low[v];
            }
        }
    }
    free(index);
    free(low);
    free(on);
    free(stack);
    free(fnode);
    free(fedge);
    if (cycles) {
        free(out);
        *order = NULL;
        return -1;
    }
    *order = out;
    return 0;
}

static void dot_str(stk_strbuf *b, const char *s)
{
    stk_strbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') stk_strbuf_putc(b, '\\');
        if (*s == '\n') {
            stk_strbuf_puts(b, "\\n");
            continue;
        }
        stk_strbuf_putc(b, *s);
    }
    stk_strbuf_putc(b, '"');
}

/* clusters: distinct names, each with the index of its parent cluster (the
   longest other cluster name that prefixes it followed by '.') */
typedef struct {
    const char *name;
    size_t parent;  /* (size_t)-1: top */
} dot_cluster;

static void dot_emit_cluster(const stk_graph *g, stk_strbuf *b, const dot_cluster *cl, size_t ncl,
                             size_t c, const stk_strmap *clmap, const char *(*shape)(int), int depth)
{
    char ind[64];
    int d = depth < 30 ? depth : 30;
    memset(ind, ' ', (size_t)d * 2);
    ind[d * 2] = 0;
    if (c != (size_t)-1) {
        stk_strbuf_printf(b, "%ssubgraph ", ind);
        char *nm = stk_xasprintf("cluster_%s", cl[c].name);
        dot_str(b, nm);
        free(nm);
        stk_strbuf_puts(b, " {\n");
        stk_strbuf_printf(b, "%s  label = ", ind);
        dot_str(b, cl[c].name);
        stk_strbuf_printf(b, "\n%s  style = \"rounded\"\n", ind);
    }
    for (size_t i = 0; i < g->n; i++) {
        const stk_graph_node *nd = &g->nodes[i];
        size_t nc = nd->cluster ? (size_t)(uintptr_t)stk_strmap_get(clmap, nd->cluster) - 1 : (size_t)-1;
        if (nc != c) continue;
        stk_strbuf_printf(b, "%s  ", ind);
        dot_str(b, nd->id);
        stk_strbuf_puts(b, " [label = ");
        dot_str(b, nd->label);
        const char *sh = shape ? shape(nd->kind) : NULL;
        if (sh) stk_strbuf_printf(b, ", shape = \"%s\"", sh);
        stk_strbuf_puts(b, "]\n");
    }
    for (size_t k = 0; k < ncl; k++)
        if (cl[k].parent == c) dot_emit_cluster(g, b, cl, ncl, k, clmap, shape, depth + 1);
    if (c != (size_t)-1) stk_strbuf_printf(b, "%s}\n", ind);
}

char *stk_graph_to_dot(const stk_graph *g, const char *(*shape)(int kind))
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strmap clmap = STK_STRMAP_INIT;
    dot_cluster *cl = NULL;
    size_t ncl = 0, capcl = 0;
    for (size_t i = 0; i < g->n; i++) {
        const char *c = g->nodes[i].cluster;
        if (!c || stk_strmap_get(&clmap, c)) continue;
        if (ncl == capcl) {
            capcl = capcl ? capcl * 2 : 8;
            cl = stk_xrealloc(cl, capcl * sizeof *cl);
        }
        cl[ncl].name = c;
        cl[ncl].parent = (size_t)-1;
        stk_strmap_put(&clmap, c, (void *)(uintptr_t)(++ncl));
    }
    for (size_t k = 0; k < ncl; k++) {
        size_t best = (size_t)-1, bestlen = 0, kl = strlen(cl[k].name);
        for (size_t j = 0; j < ncl; j++) {
            size_t jl = strlen(cl[j].name);
            if (j == k || jl >= kl || jl <= bestlen) continue;
            if (strncmp(cl[j].name, cl[k].name, jl) == 0 && cl[k].name[jl] == '.') {
                best = j;
                bestlen = jl;
            }
        }
        cl[k].parent = best;
    }
    stk_strbuf_puts(&b, "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"\n"
                        "  node [fontname = \"sans-serif\"]\n");
    dot_emit_cluster(g, &b, cl, ncl, (size_t)-1, &clmap, shape, 0);
    for (size_t i = 0; i < g->n; i++) {
        const stk_graph_node *nd = &g->nodes[i];
        for (size_t e = 0; e < nd->ndeps; e++) {
            stk_strbuf_puts(&b, "  ");
            dot_str(&b, nd->id);
            stk_strbuf_puts(&b, " -> ");
            dot_str(&b, g->nodes[nd->deps[e]].id);
            stk_strbuf_putc(&b, '\n');
        }
    }
    stk_strbuf_puts(&b, "}\n");
    free(cl);
    stk_strmap_free(&clmap);
    return stk_strbuf_detach(&b);
}
