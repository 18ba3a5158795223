/* test_config.c - loading, variables, evaluation and validation of whole
 * configurations (engine/config), driven by fixtures:
 *
 *   tests/config/NAME.cases      many small cases per file, each with its
 *                                files inline, loaded through an in-memory
 *                                stk_fs (so the loader is proven to read
 *                                only through the fs interface);
 *   tests/config/<dir>/          fixture directories on disk (modules,
 *                                tfvars files ...) with an `expect` file.
 *
 * Case file format:
 *   === name of the case
 *   --- main.tf                (a file of the case; any path)
 *   ...contents...
 *   --- expect
 *   ...expectations...
 *
 * Expectations, one per line (# comments):
 *   var NAME=VALUE             a -var option (in order with var-file)
 *   var-file PATH              a -var-file option (path in the case's fs)
 *   env NAME=VALUE             an environment variable
 *   error FILE:LINE:COL SUMMARY     an error with this exact summary and
 *   warning FILE:LINE:COL SUMMARY   start position (FILE relative to the
 *   error - SUMMARY                 configuration dir; "-": no range)
 *   detail TEXT                the previous diagnostic's detail contains TEXT
 *   output NAME = JSON         root output value (compact JSON, sorted keys)
 *   output NAME unknown        root output is not wholly known
 *   output NAME sensitive      root output carries the sensitive mark
 *   instances N                number of resource + data instances
 *   instance ADDR              an instance with this address exists
 *   config ADDR = JSON         the instance's evaluated configuration
 *   plan                       evaluate as plan (unknown count/for_each are errors)
 * Every error the run produces must be listed (warnings need not be).
 */
#include "test.h"
#include "config/config.h"
#include "graph/graph.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "hcl/parser.h"
#include "provider.h"
#include <dirent.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- an in-memory file system ---- */

typedef struct {
    char **paths;
    char **data;
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
    *err = stk_xasprintf("cannot read %s: no such file", p);
    free(p);
    return -1;
}

/* child name of `p` directly under `dir`, or NULL; *is_dir set */
static const char *child_of(const char *dir, const char *p, size_t *len, int *is_dir)
{
    const char *rest;
    if (!strcmp(dir, ".")) rest = p;
    else {
        size_t dl = strlen(dir);
        if (strncmp(p, dir, dl) != 0 || p[dl] != '/') return NULL;
        rest = p + dl + 1;
    }
    const char *sl = strchr(rest, '/');
    *len = sl ? (size_t)(sl - rest) : strlen(rest);
    *is_dir = sl != NULL;
    return rest;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int mem_list(const stk_fs *fs, const char *dir, char ***names, size_t *n, unsigned char **is_dir, char **err)
{
    const memfs *m = fs->ud;
    char *d = stk_path_clean(dir);
    char **v = stk_xcalloc(m->n + 1, sizeof *v);
    size_t k = 0;
    int found = !strcmp(d, ".");
    for (size_t i = 0; i < m->n; i++) {
        size_t len;
        int isd;
        const char *c = child_of(d, m->paths[i], &len, &isd);
        if (!c) continue;
        found = 1;
        char *name = stk_xstrndup(c, len);
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            if (!strcmp(v[j], name)) dup = 1;
        if (dup) free(name);
        else v[k++] = name;
    }
    if (!found) {
        free(v);
        *err = stk_xasprintf("cannot read directory %s", d);
        free(d);
        return -1;
    }
    qsort(v, k, sizeof *v, cmp_names);
    if (is_dir) {
        unsigned char *dirs = stk_xcalloc(k + 1, 1);
        for (size_t j = 0; j < k; j++) {
            char *full = stk_path_join(d, v[j]);
            for (size_t i = 0; i < m->n; i++) {
                size_t fl = strlen(full);
                if (!strncmp(m->paths[i], full, fl) && m->paths[i][fl] == '/') dirs[j] = 1;
            }
            free(full);
        }
        *is_dir = dirs;
    }
    free(d);
    *names = v;
    *n = k;
    return 0;
}

static int mem_exists(const stk_fs *fs, const char *path)
{
    const memfs *m = fs->ud;
    char *p = stk_path_clean(path);
    int r = 0;
    if (!strcmp(p, ".")) r = 2;
    size_t pl = strlen(p);
    for (size_t i = 0; i < m->n && !r; i++) {
        if (!strcmp(m->paths[i], p)) r = 1;
        else if (!strncmp(m->paths[i], p, pl) && m->paths[i][pl] == '/') r = 2;
    }
    free(p);
    return r;
}

/* ---- running one case ---- */

typedef struct {
    const char *name;
    const stk_fs *fs;
    const char *dir;          /* configuration dir within fs */
    const char *varbase;      /* -var-file paths are relative to this */
    char *expect;             /* the expectations text (owned) */
} test_case;

static char *rel_name(const char *dir, const char *filename)
{
    size_t dl = strlen(dir);
    if (strcmp(dir, ".") && !strncmp(filename, dir, dl) && filename[dl] == '/') return stk_xstrdup(filename + dl + 1);
    return stk_xstrdup(filename);
}

static char *value_json(const stk_value *v)
{
    json_t *j = stk_value_to_json(v);
    if (!j) return stk_xstrdup("<unknown>");
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

static int run_case(const test_case *tc)
{
    int ok = 1;
    stk_vararg args[32];
    size_t nargs = 0;
    char *env[32];
    size_t nenv = 0;
    char *owned[64];
    size_t nowned = 0;
    int plan = 0;
    /* first pass: inputs */
    char *text = stk_xstrdup(tc->expect);
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "var ", 4) && nargs < 32) {
            args[nargs].kind = STK_VARARG_VAR;
            args[nargs++].text = line + 4;
        } else if (!strncmp(line, "var-file ", 9) && nargs < 32 && nowned < 64) {
            char *p = stk_path_join(tc->varbase, line + 9);
            owned[nowned++] = p;
            args[nargs].kind = STK_VARARG_FILE;
            args[nargs++].text = p;
        } else if (!strncmp(line, "env ", 4) && nenv < 31) {
            env[nenv++] = line + 4;
        } else if (!strcmp(line, "plan")) {
            plan = 1;
        }
    }
    env[nenv] = NULL;
    stk_var_inputs in = {args, nargs, env, tc->fs};
    stk_diags d = STK_DIAGS_INIT;
    stk_config *c = stk_config_load(tc->fs, tc->dir, &d);
    stk_evaluation *ev = NULL;
    if (c) {
        stk_config_set_vars(c, &in, &d);
        stk_eval_opts o = {0};
        o.validate_only = !plan;
        o.cwd = "/cwd";
        ev = stk_config_evaluate(c, &o, &d);
    }
    unsigned char *matched = stk_xcalloc(d.len + 1, 1);
    const stk_diag *last = NULL;
    /* second pass: expectations */
    char *text2 = stk_xstrdup(tc->expect);
    for (char *save = NULL, *line = strtok_r(text2, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int is_err = !strncmp(line, "error ", 6), is_warn = !strncmp(line, "warning ", 8);
        if (is_err || is_warn) {
            char *rest = line + (is_err ? 6 : 8);
            char *sp = strchr(rest, ' ');
            if (!sp) { fprintf(stderr, "%s: bad expectation: %s\n", tc->name, line); ok = 0; continue; }
            *sp = 0;
            const char *pos = rest, *summary = sp + 1;
            int found = 0;
            for (size_t i = 0; i < d.len && !found; i++) {
                const stk_diag *g = &d.items[i];
                if (matched[i] || g->severity != (is_err ? STK_DIAG_ERROR : STK_DIAG_WARNING)) continue;
                if (strcmp(g->summary, summary) != 0) continue;
                char posbuf[600];
                if (g->filename) {
                    char *rn = rel_name(tc->dir, g->filename);
                    snprintf(posbuf, sizeof posbuf, "%s:%d:%d", rn, g->subject.start.line, g->subject.start.col);
                    free(rn);
                } else {
                    strcpy(posbuf, "-");
                }
                if (strcmp(posbuf, pos) != 0) continue;
                matched[i] = 1;
                found = 1;
                last = g;
            }
            if (!found) {
                fprintf(stderr, "%s: expected %s at %s: %s\n", tc->name, is_err ? "error" : "warning", pos, summary);
                ok = 0;
                last = NULL;
            }
        } else if (!strncmp(line, "detail ", 7)) {
            if (last && (!last->detail || !strstr(last->detail, line + 7))) {
                fprintf(stderr, "%s: detail \"%s\" does not contain \"%s\"\n", tc->name,
                        last->detail ? last->detail : "", line + 7);
                ok = 0;
            }
        } else if (!strncmp(line, "output ", 7)) {
            char name[256];
            const char *p = line + 7;
            size_t k = 0;
            while (*p && *p != ' ' && k < sizeof name - 1) name[k++] = *p++;
            name[k] = 0;
            while (*p == ' ') p++;
            stk_value *v = ev ? stk_evaluation_output(ev, name) : NULL;
            if (!v) {
                fprintf(stderr, "%s: no output %s\n", tc->name, name);
                ok = 0;
                continue;
            }
            if (!strcmp(p, "unknown")) {
                if (stk_value_is_known_deep(v)) {
                    fprintf(stderr, "%s: output %s is known\n", tc->name, name);
                    ok = 0;
                }
            } else if (!strcmp(p, "sensitive")) {
                if (!(stk_value_marks_deep(v) & STK_MARK_SENSITIVE)) {
                    fprintf(stderr, "%s: output %s is not sensitive\n", tc->name, name);
                    ok = 0;
                }
            } else if (p[0] == '=' && p[1] == ' ') {
                char *got = value_json(v);
                if (strcmp(got, p + 2) != 0) {
                    fprintf(stderr, "%s: output %s = %s, want %s\n", tc->name, name, got, p + 2);
                    ok = 0;
                }
                free(got);
            }
        } else if (!strncmp(line, "instances ", 10)) {
            size_t want = (size_t)strtoul(line + 10, NULL, 10);
            size_t got = ev ? ev->ninstances : 0;
            if (got != want) {
                fprintf(stderr, "%s: %zu instances, want %zu\n", tc->name, got, want);
                ok = 0;
            }
        } else if (!strncmp(line, "config ", 7)) {
            const char *sp = strstr(line + 7, " = ");
            if (!sp) { fprintf(stderr, "%s: bad expectation: %s\n", tc->name, line); ok = 0; continue; }
            char *addr = stk_xstrndup(line + 7, (size_t)(sp - line - 7));
            stk_resource_instance *ri = NULL;
            for (size_t i = 0; ev && i < ev->ninstances; i++)
                if (!strcmp(ev->instances[i]->addr, addr)) ri = ev->instances[i];
            char *got = ri ? value_json(ri->config) : stk_xstrdup("<no such instance>");
            if (strcmp(got, sp + 3) != 0) {
                fprintf(stderr, "%s: config of %s = %s, want %s\n", tc->name, addr, got, sp + 3);
                ok = 0;
            }
            free(got);
            free(addr);
        } else if (!strncmp(line, "instance ", 9)) {
            int found = 0;
            for (size_t i = 0; ev && i < ev->ninstances; i++)
                if (!strcmp(ev->instances[i]->addr, line + 9)) found = 1;
            if (!found) {
                fprintf(stderr, "%s: no instance %s; have:", tc->name, line + 9);
                for (size_t i = 0; ev && i < ev->ninstances && i < 20; i++)
                    fprintf(stderr, " %s", ev->instances[i]->addr);
                fprintf(stderr, "\n");
                ok = 0;
            }
        }
    }
    for (size_t i = 0; i < d.len; i++)
        if (!matched[i] && d.items[i].severity == STK_DIAG_ERROR) {
            const stk_diag *g = &d.items[i];
            fprintf(stderr, "%s: unexpected error at %s:%d:%d: %s: %s\n", tc->name, g->filename ? g->filename : "-",
                    g->subject.start.line, g->subject.start.col, g->summary, g->detail ? g->detail : "");
            ok = 0;
        }
    free(matched);
    free(text);
    free(text2);
    for (size_t i = 0; i < nowned; i++) free(owned[i]);
    stk_evaluation_free(ev);
    stk_config_free(c);
    stk_diags_free(&d);
    return ok;
}

/* ---- case files ---- */

static char *read_all(const char *path)
{
    char *data = NULL, *err = NULL;
    size_t len;
    if (stk_fs_read(stk_fs_os(), path, &data, &len, &err) != 0) {
        fprintf(stderr, "%s\n", err);
        free(err);
        return NULL;
    }
    return data;
}

static void memfs_add(memfs *m, const char *path, const char *data, size_t len)
{
    m->paths = stk_xrealloc(m->paths, (m->n + 1) * sizeof *m->paths);
    m->data = stk_xrealloc(m->data, (m->n + 1) * sizeof *m->data);
    m->paths[m->n] = stk_path_clean(path);
    m->data[m->n] = stk_xstrndup(data, len);
    m->n++;
}

static void memfs_free(memfs *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->paths[i]);
        free(m->data[i]);
    }
    free(m->paths);
    free(m->data);
    memset(m, 0, sizeof *m);
}

static int ncases_run;

static void run_case_file(const char *path)
{
    char *src = read_all(path);
    if (!src) {
        stk_test_record(path, 0);
        return;
    }
    const char *p = src;
    while ((p = strstr(p, "=== ")) != NULL) {
        if (p != src && p[-1] != '\n') { p += 4; continue; }
        const char *nl = strchr(p, '\n');
        if (!nl) break;
        char *name = stk_xstrndup(p + 4, (size_t)(nl - p - 4));
        const char *end = strstr(nl, "\n=== ");
        const char *case_end = end ? end + 1 : p + strlen(p);
        memfs m = {0};
        char *expect = stk_xstrdup("");
        const char *q = nl + 1;
        while (q < case_end) {
            if (strncmp(q, "--- ", 4) != 0) {
                const char *e = memchr(q, '\n', (size_t)(case_end - q));
                q = e ? e + 1 : case_end;
                continue;
            }
            const char *fnl = memchr(q, '\n', (size_t)(case_end - q));
            if (!fnl) break;
            char *fname = stk_xstrndup(q + 4, (size_t)(fnl - q - 4));
            const char *body = fnl + 1, *be = body;
            while (be < case_end && strncmp(be, "--- ", 4) != 0) {
                const char *e = memchr(be, '\n', (size_t)(case_end - be));
                be = e ? e + 1 : case_end;
            }
            if (!strcmp(fname, "expect")) {
                free(expect);
                expect = stk_xstrndup(body, (size_t)(be - body));
            } else {
                memfs_add(&m, fname, body, (size_t)(be - body));
            }
            free(fname);
            q = be;
        }
        stk_fs fs = {mem_read, mem_list, mem_exists, &m};
        test_case tc = {name, &fs, ".", ".", expect};
        stk_test_record(name, run_case(&tc));
        ncases_run++;
        memfs_free(&m);
        free(expect);
        free(name);
        p = case_end;
    }
    free(src);
}

static char *srcdir(void)
{
    const char *env = getenv("STK_SRCDIR");
    if (env) return stk_xstrdup(env);
    /* __FILE__ is "../tests/unit/test_config.c" relative to the build root,
       and this program is <build root>/tests/test_config */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return stk_xstrdup(".");
    exe[n] = 0;
    char *b1 = stk_xstrdup(dirname(exe));          /* build/tests */
    char *b2 = stk_xstrdup(dirname(b1));           /* build */
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s", __FILE__);
    char *fd = stk_xstrdup(dirname(file));          /* ../tests/unit */
    char *joined = file[0] == '/' ? stk_xasprintf("%s/../..", fd) : stk_xasprintf("%s/%s/../..", b2, fd);
    char *r = stk_path_clean(joined);
    free(b1);
    free(b2);
    free(fd);
    free(joined);
    return r;
}

static void run_fixture_dirs(const char *root)
{
    char *cfgdir = stk_xasprintf("%s/tests/config", root);
    char **names = NULL, *err = NULL;
    size_t n = 0;
    unsigned char *isdir = NULL;
    if (stk_fs_list(stk_fs_os(), cfgdir, &names, &n, &isdir, &err) != 0) {
        fprintf(stderr, "%s\n", err);
        free(err);
        stk_test_record("fixture directory", 0);
        free(cfgdir);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *p = stk_xasprintf("%s/%s", cfgdir, names[i]);
        if (!isdir[i]) {
            size_t l = strlen(names[i]);
            if (l > 6 && !strcmp(names[i] + l - 6, ".cases")) run_case_file(p);
            free(p);
            continue;
        }
        char *ep = stk_xasprintf("%s/expect", p);
        char *expect = read_all(ep);
        if (expect) {
            test_case tc = {names[i], stk_fs_os(), p, p, expect};
            stk_test_record(names[i], run_case(&tc));
            ncases_run++;
            free(expect);
        }
        free(ep);
        free(p);
    }
    stk_fs_names_free(names, n);
    free(isdir);
    free(cfgdir);
}

/* The instance graph: per-instance nodes and edges through join nodes. */
static size_t ord_pos(const size_t *order, size_t n, stk_graph *g, const char *id)
{
    size_t k = stk_graph_find(g, id);
    for (size_t i = 0; order && i < n; i++)
        if (order[i] == k) return i;
    return (size_t)-1;
}

static void test_instance_graph(void)
{
    static const char *const files[][2] = {
        {"main.tf",
         "module \"m\" {\n  count  = 2\n  source = \"./m\"\n}\n"
         "resource \"aws_route53_dummy_free\" \"x\" {\n}\n"
         "resource \"aws_sns_topic\" \"t\" {\n  name = join(\",\", flatten(module.m[*].ids))\n}\n"},
        {"m/main.tf",
         "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"
         "locals {\n  vpc = aws_vpc.v.id\n}\n"
         "resource \"aws_subnet\" \"s\" {\n  count  = 2\n  vpc_id = local.vpc\n}\n"
         "output \"ids\" {\n  value = aws_subnet.s[*].id\n}\n"},
    };
    memfs m = {0};
    for (size_t i = 0; i < 2; i++) memfs_add(&m, files[i][0], files[i][1], strlen(files[i][1]));
    stk_fs fs = {mem_read, mem_list, mem_exists, &m};
    stk_diags d = STK_DIAGS_INIT;
    stk_config *c = stk_config_load(&fs, ".", &d);
    int ok = c != NULL;
    /* the unknown type is the only error: instances are still built */
    ok = ok && d.len == 1 && !strcmp(d.items[0].summary, "Invalid resource type");
    stk_evaluation *ev = NULL;
    stk_graph *g = NULL;
    if (c) {
        stk_eval_opts o = {0};
        o.validate_only = 1;
        ev = stk_config_evaluate(c, &o, &d);
        g = stk_evaluation_instance_graph(ev, &d);
    }
    ok = ok && g != NULL && ev->ninstances == 8;
    if (g) {
        size_t *order = NULL;
        stk_diags d2 = STK_DIAGS_INIT;
        ok = ok && stk_graph_toposort(g, &order, &d2) == 0;
        size_t n = stk_graph_count(g);
        size_t v0 = ord_pos(order, n, g, "module.m[0].aws_vpc.v");
        size_t v1 = ord_pos(order, n, g, "module.m[1].aws_vpc.v");
        size_t s00 = ord_pos(order, n, g, "module.m[0].aws_subnet.s[0]");
        size_t s11 = ord_pos(order, n, g, "module.m[1].aws_subnet.s[1]");
        size_t t = ord_pos(order, n, g, "aws_sns_topic.t");
        ok = ok && v0 != (size_t)-1 && s00 != (size_t)-1 && t != (size_t)-1;
        ok = ok && v0 < s00 && v1 < s11 && s00 < t && s11 < t;
        /* module.m[0]'s subnets wait for module.m[0]'s VPC only */
        size_t si = stk_graph_find(g, "module.m[0].aws_subnet.s[0]");
        stk_graph_node *nd = stk_graph_node_at(g, si);
        ok = ok && nd && nd->ndeps == 1 &&
             !strcmp(stk_graph_node_at(g, nd->deps[0])->id, "module.m[0].aws_vpc.v[*]");
        stk_resource_instance *ri = nd ? nd->data : NULL;
        ok = ok && ri && ri->key && ri->key->u.num.i == 0 && !strcmp(ri->mi->addr, "module.m[0]");
        /* the root topic waits for the subnets of every module instance */
        size_t ti = stk_graph_find(g, "aws_sns_topic.t");
        nd = stk_graph_node_at(g, ti);
        ok = ok && nd && nd->ndeps == 1 && !strcmp(stk_graph_node_at(g, nd->deps[0])->id, "module.m.aws_subnet.s[**]");
        free(order);
        stk_diags_free(&d2);
    }
    stk_test_record("instance graph", ok);
    stk_graph_free(g);
    stk_evaluation_free(ev);
    stk_config_free(c);
    stk_diags_free(&d);
    memfs_free(&m);
}

/* Argument checking against a schema, as resource types will declare them. */
static const stk_schema_attr ingress_attrs[] = {
    {"from_port", "number", STK_ATTR_REQUIRED, NULL, NULL},
    {"cidr_blocks", "list(string)", STK_ATTR_OPTIONAL, NULL, NULL},
};
static const stk_schema ingress_schema = {ingress_attrs, 2, NULL, 0};
static const stk_schema_attr sg_attrs[] = {
    {"name", "string", STK_ATTR_OPTIONAL | STK_ATTR_COMPUTED | STK_ATTR_FORCE_NEW, NULL, NULL},
    {"vpc_id", "string", STK_ATTR_REQUIRED, NULL, NULL},
    {"arn", "string", STK_ATTR_COMPUTED, NULL, NULL},
    {"tags", "map(string)", STK_ATTR_OPTIONAL, NULL, NULL},
};
static const stk_schema_block sg_blocks[] = {
    {"ingress", STK_NESTING_SET, 0, 0, &ingress_schema, 0},
    {"timeouts", STK_NESTING_SINGLE, 0, 1, NULL, 0},
    {"owner", STK_NESTING_SINGLE, 1, 1, &ingress_schema, 0},
};
static const stk_schema sg_schema = {sg_attrs, 4, sg_blocks, 3};

static int schema_case(const char *name, const char *src, const char *const *want, size_t nwant)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_file *f = stk_hcl_parse("main.tf", src, strlen(src), &d);
    int ok = f && !stk_diags_has_errors(&d) && f->body->nblocks == 1;
    if (ok) {
        stk_hcl_block *b = f->body->blocks[0];
        stk_config_check_schema(&sg_schema, b->body, &b->type_range, 1, &d);
        ok = d.len == nwant;
        for (size_t i = 0; ok && i < nwant; i++) {
            char pos[64];
            snprintf(pos, sizeof pos, "%d:%d ", d.items[i].subject.start.line, d.items[i].subject.start.col);
            char *got = stk_xasprintf("%s%s", pos, d.items[i].summary);
            if (strcmp(got, want[i]) != 0) {
                fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", name, got, want[i]);
                ok = 0;
            }
            free(got);
        }
        if (d.len != nwant)
            for (size_t i = 0; i < d.len; i++)
                fprintf(stderr, "%s: %d:%d %s: %s\n", name, d.items[i].subject.start.line,
                        d.items[i].subject.start.col, d.items[i].summary, d.items[i].detail ? d.items[i].detail : "");
    }
    stk_hcl_file_free(f);
    stk_diags_free(&d);
    stk_test_record(name, ok);
    return ok;
}

static void test_schema_checks(void)
{
    schema_case("schema: valid body",
                "resource \"aws_security_group\" \"a\" {\n  count  = 1\n  vpc_id = \"v\"\n  owner {\n"
                "    from_port = 1\n  }\n  ingress {\n    from_port = 80\n  }\n  lifecycle {}\n}\n",
                NULL, 0);
    const char *const w1[] = {"2:3 Unsupported argument", "1:1 Missing required argument"};
    schema_case("schema: unknown and missing arguments",
                "resource \"aws_security_group\" \"a\" {\n  vpcid = \"v\"\n  owner {\n    from_port = 1\n  }\n}\n",
                w1, 2);
    const char *const w2[] = {"3:3 Invalid or unknown key"};
    schema_case("schema: computed attribute is read-only",
                "resource \"aws_security_group\" \"a\" {\n  vpc_id = \"v\"\n  arn = \"x\"\n  owner {\n"
                "    from_port = 1\n  }\n}\n",
                w2, 1);
    const char *const w3[] = {"3:3 Unsupported block type", "5:3 Missing required argument"};
    schema_case("schema: nested blocks checked",
                "resource \"aws_security_group\" \"a\" {\n  vpc_id = \"v\"\n  egress {\n  }\n  owner {\n"
                "  }\n}\n",
                w3, 2);
    const char *const w4[] = {"1:1 Missing required block"};
    schema_case("schema: min_items", "resource \"aws_security_group\" \"a\" {\n  vpc_id = \"v\"\n}\n", w4, 1);
    const char *const w5[] = {"2:3 Unsupported argument"};
    schema_case("schema: block written as an argument",
                "resource \"aws_security_group\" \"a\" {\n  ingress = []\n  vpc_id = \"v\"\n  owner {\n"
                "    from_port = 1\n  }\n}\n",
                w5, 1);
    schema_case("schema: dynamic block content checked against the block schema",
                "resource \"aws_security_group\" \"a\" {\n  vpc_id = \"v\"\n  owner {\n    from_port = 1\n  }\n"
                "  dynamic \"ingress\" {\n    for_each = [1]\n    content {\n      from_port = 1\n    }\n  }\n}\n",
                NULL, 0);
}

/* The StartTech example, once it exists: stk validate must pass. */
static void test_starttech(const char *root)
{
    char *dir = stk_xasprintf("%s/examples/starttech", root);
    if (stk_fs_exists(stk_fs_os(), dir) != 2) {
        stk_test_skip("starttech", "examples/starttech does not exist yet");
        free(dir);
        return;
    }
    stk_diags d = STK_DIAGS_INIT;
    char *envv[] = {NULL};
    stk_var_inputs in = {NULL, 0, envv, NULL};
    int rc = stk_config_validate_dir(stk_fs_os(), dir, &in, &d);
    for (size_t i = 0; i < d.len; i++)
        if (d.items[i].severity == STK_DIAG_ERROR)
            fprintf(stderr, "starttech: %s:%d:%d: %s: %s\n", d.items[i].filename ? d.items[i].filename : "-",
                    d.items[i].subject.start.line, d.items[i].subject.start.col, d.items[i].summary,
                    d.items[i].detail ? d.items[i].detail : "");
    stk_test_record("starttech validates", rc == 0);
    /* its graph has no cycle and holds every resource block */
    stk_diags d2 = STK_DIAGS_INIT;
    stk_config *c = stk_config_load(stk_fs_os(), dir, &d2);
    int ok = c != NULL;
    if (c) {
        stk_graph *g = stk_config_build_graph(c, &d2);
        size_t *order = NULL;
        ok = stk_graph_toposort(g, &order, &d2) == 0 && stk_graph_count(g) > 20;
        free(order);
        char *dot = stk_graph_to_dot(g, stk_config_node_shape);
        ok = ok && strncmp(dot, "digraph {", 9) == 0;
        free(dot);
        stk_graph_free(g);
        stk_config_free(c);
    }
    stk_test_record("starttech graph", ok && !stk_diags_has_errors(&d2));
    stk_diags_free(&d);
    stk_diags_free(&d2);
    free(dir);
}

int main(void)
{
    (void)stk_t_case;
    (void)stk_t_case_failed;
    char *root = srcdir();
    run_fixture_dirs(root);
    test_starttech(root);
    test_instance_graph();
    test_schema_checks();
    if (ncases_run < 60) {
        fprintf(stderr, "only %d configuration cases ran (fixtures missing?)\n", ncases_run);
        stk_test_record("at least 60 cases", 0);
    }
    free(root);
    return stk_test_report();
}
