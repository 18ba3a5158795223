/* fuzz_config.c - libFuzzer target over the configuration loader and
 * evaluator: the input is a small multi-file configuration (files separated
 * by lines "--- NAME"; the text before the first separator is main.tf),
 * read through an in-memory stk_fs, then loaded, given variables, evaluated
 * (validate mode), turned into the block graph, the instance graph and DOT.
 * Beyond "no crash, no leak, no sanitizer report" it checks the contracts:
 * a config comes back for a readable directory, every diagnostic with a
 * range has a line number.  Inputs are capped at 4 KiB. */
#include "config/config.h"
#include "graph/graph.h"
#include "util/strbuf.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *paths[8];
    char *data[8];
    size_t n;
} memfs;

static int mem_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{
    const memfs *m = fs->ud;
    char *p = stk_path_clean(path);
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->paths[i], p)) {
            *len = strlen(m->data[i]);
            *data = stk_xstrdup(m->data[i]);
            free(p);
            return 0;
        }
    free(p);
    *err = stk_xstrdup("no such file");
    return -1;
}

static int mem_exists(const stk_fs *fs, const char *path)
{
    const memfs *m = fs->ud;
    char *p = stk_path_clean(path);
    size_t pl = strlen(p);
    int r = !strcmp(p, ".") ? 2 : 0;
    for (size_t i = 0; i < m->n && !r; i++) {
        if (!strcmp(m->paths[i], p)) r = 1;
        else if (!strncmp(m->paths[i], p, pl) && m->paths[i][pl] == '/') r = 2;
    }
    free(p);
    return r;
}

static int mem_list(const stk_fs *fs, const char *dir, char ***names, size_t *n, unsigned char **is_dir,
                    char **err)
{
    const memfs *m = fs->ud;
    char *d = stk_path_clean(dir);
    size_t dl = strlen(d);
    char **v = stk_xcalloc(m->n + 1, sizeof *v);
    unsigned char *dirs = stk_xcalloc(m->n + 1, 1);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        const char *rest = NULL;
        if (!strcmp(d, ".")) rest = m->paths[i];
        else if (!strncmp(m->paths[i], d, dl) && m->paths[i][dl] == '/') rest = m->paths[i] + dl + 1;
        if (!rest) continue;
        const char *sl = strchr(rest, '/');
        char *name = sl ? stk_xstrndup(rest, (size_t)(sl - rest)) : stk_xstrdup(rest);
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            if (!strcmp(v[j], name)) dup = 1;
        if (dup) {
            free(name);
            continue;
        }
        dirs[k] = sl != NULL;
        v[k++] = name;
    }
    free(d);
    (void)err;
    *names = v;
    *n = k;
    if (is_dir) *is_dir = dirs;
    else free(dirs);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *src = stk_xstrndup((const char *)data, size);
    if (strlen(src) != size) {   /* embedded NUL: not a text file */
        free(src);
        return 0;
    }
    memfs m = {0};
    const char *name = "main.tf";
    char *p = src;
    while (p && m.n < 8) {
        char *sep = strstr(p, "\n--- ");
        if (sep) *sep = 0;
        char *clean = stk_path_clean(name);
        if (strlen(clean) < 200 && clean[0] != '/' && strncmp(clean, "..", 2) != 0) {
            m.paths[m.n] = clean;
            m.data[m.n++] = stk_xstrdup(p);
        } else {
            free(clean);
        }
        if (!sep) break;
        char *nl = strchr(sep + 5, '\n');
        if (nl) *nl = 0;
        name = sep + 5;
        p = nl ? nl + 1 : NULL;
        if (!name[0]) name = "x.tf";
    }
    stk_fs fs = {mem_read, mem_list, mem_exists, &m};
    stk_diags d = STK_DIAGS_INIT;
    stk_config *c = stk_config_load(&fs, ".", &d);
    if (!c) abort();   /* "." always exists in this fs */
    char *env[] = {"TF_VAR_a=[1, 2]", NULL};
    stk_vararg args[] = {{STK_VARARG_VAR, "b={x=1}"}};
    stk_var_inputs in = {args, 1, env, &fs};
    stk_config_set_vars(c, &in, &d);
    stk_eval_opts o = {0};
    o.validate_only = 1;
    o.cwd = "/cwd";
    stk_evaluation *ev = stk_config_evaluate(c, &o, &d);
    stk_graph *g = stk_evaluation_instance_graph(ev, &d);
    if (g) {
        char *dot = stk_graph_to_dot(g, stk_config_node_shape);
        free(dot);
        stk_graph_free(g);
    }
    stk_graph *bg = stk_config_build_display_graph(c, &d);
    char *dot = stk_graph_to_dot(bg, stk_config_node_shape);
    free(dot);
    stk_graph_free(bg);
    for (size_t i = 0; i < d.len; i++)
        if (d.items[i].filename && d.items[i].subject.start.line < 1) abort();
    stk_evaluation_free(ev);
    stk_config_free(c);
    stk_diags_free(&d);
    for (size_t i = 0; i < m.n; i++) {
        free(m.paths[i]);
        free(m.data[i]);
    }
    free(src);
    return 0;
}
