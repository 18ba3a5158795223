/* graph.h - a dependency graph of named nodes, independent of the
 * configuration model: the loader (engine/config) builds one from the
 * references of every expression, `stk graph` prints it as DOT, and the
 * apply walker of a later issue walks the same structure.
 *
 * A node has an id (unique, e.g. "module.net.aws_subnet.public"), a label
 * for display, an optional cluster (the module path it is drawn inside), a
 * kind (free for the user; engine/config uses stk_config_node_kind), a
 * source range (used in cycle reports) and a user pointer.  An edge
 * from -> to means "from depends on to": `to` comes first in
 * stk_graph_toposort's order.
 *
 * Ownership: the graph copies ids, labels and clusters into its own arena;
 * range filenames are borrowed (they must outlive the graph).  Nodes are
 * numbered 0..n-1 in insertion order; indices stay valid.
 */
#ifndef STK_GRAPH_H
#define STK_GRAPH_H
#include <stddef.h>
#include "util/diag.h"

typedef struct {
    const char *id;
    const char *label;
    const char *cluster;     /* NULL: top level */
    int kind;
    stk_range range;
    void *data;
    size_t *deps;            /* indices of the nodes this one depends on (no duplicates) */
    size_t ndeps, capdeps;
} stk_graph_node;

typedef struct stk_graph stk_graph;

stk_graph *stk_graph_new(void);
void stk_graph_free(stk_graph *g);

/* Add a node; when id exists already, returns the existing index and
   changes nothing. */
size_t stk_graph_add(stk_graph *g, const char *id, const char *label, const char *cluster,
                     int kind, const stk_range *range, void *data);
/* Index of id, or (size_t)-1. */
size_t stk_graph_find(const stk_graph *g, const char *id);
size_t stk_graph_count(const stk_graph *g);
stk_graph_node *stk_graph_node_at(const stk_graph *g, size_t i);
/* from depends on to; duplicate edges are ignored; self edges are kept
   (they are one-node cycles). */
void stk_graph_depend(stk_graph *g, size_t from, size_t to);

/* A topological order (dependencies first) of every node.  Returns 0 and a
   malloc'd array of n indices, or -1 when there are cycles: then each cycle
   (strongly connected component of more than one node, or a node depending
   on itself) is added to d as an error
     "Cycle: local.a (main.tf:3,3), local.b (main.tf:4,3)"
   and *order holds NULL.  Ties are broken by insertion order so output is
   stable. */
int stk_graph_toposort(const stk_graph *g, size_t **order, stk_diags *d);

/* Graphviz DOT: `digraph { ... }` with one subgraph cluster per distinct
   cluster name, nodes shaped by kind through the optional shape callback.
   Returns a malloc'd string. */
char *stk_graph_to_dot(const stk_graph *g, const char *(*shape)(int kind));

#endif
