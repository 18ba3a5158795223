/* runner.c - the conformance suite runner: evaluates every case of
 * tests/conformance/cases/NAME.txt and compares with what Terraform returns.
 *
 * Usage: test_conformance [CASES_DIR] [-v] [-k SUBSTRING]
 * (default: the cases/ folder next to this file, compiled in by meson).
 *
 * A case file holds blocks, each starting with a "# name" line:
 *
 *   # addition binds looser than multiplication
 *   expr: 1 + 2 * 3
 *   want: 7
 *
 * Keys (one per line, `key: value`; a value `<<WORD` takes the following
 * lines up to a line holding only WORD):
 *   expr:     an expression (one line, or a heredoc for multi-line input)
 *   template: a template body, as templatefile() reads it
 *   want:     the value in a compact one-line form: numbers, "strings"
 *             (JSON-style escapes), true/false, null, [a, b] tuples,
 *             {"k" = v, ...} objects, tolist([...]), toset([...]),
 *             tomap({...}), (known after apply), (sensitive value)
 *   console:  the exact `terraform console` rendering (stk_value_to_hcl)
 *   type:     the result type as Terraform writes it: list(string), ...
 *   error:    [LINE:COL: ]Summary - an error the case must report (repeat
 *             for several; Summary `*` accepts any summary, for cases
 *             where only the detail is certain); the number of errors
 *             must match
 *   detail:   a substring the first error's detail must contain
 *   vars:     a JSON object bound as `var`; {"$unknown": "TYPE"} is an
 *             unknown value of TYPE (string, number, bool, any,
 *             ["list","string"] ...), {"$sensitive": V} is V marked
 *             sensitive
 *   locals:   a JSON object bound as `local`
 *   skip:     a known divergence from Terraform, with the reason: the case
 *             still runs; a failure is counted as skipped (and printed),
 *             a pass is counted as passed with a note to drop the skip
 * Files read by file() and friends resolve relative to tests/conformance.
 * Prints "N passed, N failed".
 */
#include "eval/eval.h"
#include "hcl/parser.h"
#include "test.h"
#include "util/strbuf.h"
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#if __has_include("conformance_dir.h")
#include "conformance_dir.h"
#endif
#ifndef CONFORMANCE_DIR
#define CONFORMANCE_DIR "tests/conformance"
#endif

typedef struct {
    char *file;
    int line;
    char *name;
    char *expr;
    int is_template;
    char *want, *console, *type, *detail, *vars, *locals, *skip;
    char **errors;
    size_t nerrors;
} tcase;

static int verbose;
static const char *filter;
static char *base_dir;

/* ------------------------------------------------------------------ */
/* compact rendering                                                   */

static void quote(stk_strbuf *b, const char *s, size_t n)
{
    stk_strbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': stk_strbuf_puts(b, "\\\""); break;
        case '\\': stk_strbuf_puts(b, "\\\\"); break;
        case '\n': stk_strbuf_puts(b, "\\n"); break;
        case '\t': stk_strbuf_puts(b, "\\t"); break;
        case '\r': stk_strbuf_puts(b, "\\r"); break;
        default:
            if (c < 0x20) stk_strbuf_printf(b, "\\u%04x", c);
            else stk_strbuf_putc(b, (char)c);
        }
    }
    stk_strbuf_putc(b, '"');
}

static void compact(stk_strbuf *b, const stk_value *v)
{
    if (v->is_unknown) { stk_strbuf_puts(b, "(known after apply)"); return; }
    if (v->marks & STK_MARK_SENSITIVE) { stk_strbuf_puts(b, "(sensitive value)"); return; }
    const stk_type *t = v->type;
    if (v->is_null) { stk_strbuf_puts(b, "null"); return; }
    switch (t->kind) {
    case STK_TY_STRING: quote(b, v->u.str.s, v->u.str.len); return;
    case STK_TY_NUMBER: {
        char *s = stk_number_to_string(v);
        stk_strbuf_puts(b, s);
        free(s);
        return;
    }
    case STK_TY_BOOL: stk_strbuf_puts(b, v->u.b ? "true" : "false"); return;
    case STK_TY_DYNAMIC: stk_strbuf_puts(b, "null"); return;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE:
        if (t->kind == STK_TY_LIST) stk_strbuf_puts(b, "tolist(");
        if (t->kind == STK_TY_SET) stk_strbuf_puts(b, "toset(");
        stk_strbuf_putc(b, '[');
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (i) stk_strbuf_puts(b, ", ");
            compact(b, v->u.coll.items[i]);
        }
        stk_strbuf_putc(b, ']');
        if (t->kind != STK_TY_TUPLE) stk_strbuf_putc(b, ')');
        return;
    case STK_TY_MAP: case STK_TY_OBJECT:
        if (t->kind == STK_TY_MAP) stk_strbuf_puts(b, "tomap(");
        stk_strbuf_putc(b, '{');
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (i) stk_strbuf_puts(b, ", ");
            quote(b, v->u.coll.keys[i], strlen(v->u.coll.keys[i]));
            stk_strbuf_puts(b, " = ");
            compact(b, v->u.coll.items[i]);
        }
        stk_strbuf_putc(b, '}');
        if (t->kind == STK_TY_MAP) stk_strbuf_putc(b, ')');
        return;
    }
}

static char *compact_str(const stk_value *v)
{
    stk_strbuf b = STK_STRBUF_INIT;
    compact(&b, v);
    return stk_strbuf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* vars: JSON with $unknown / $sensitive markers                       */

static stk_type *type_from_json(const json_t *j)
{
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (!strcmp(s, "string")) return STK_STRING;
        if (!strcmp(s, "number")) return STK_NUMBER;
        if (!strcmp(s, "bool")) return STK_BOOL;
        return STK_DYNAMIC;
    }
    if (json_is_array(j) && json_array_size(j) == 2) {
        const char *k = json_string_value(json_array_get(j, 0));
        stk_type *e = type_from_json(json_array_get(j, 1));
        if (k && !strcmp(k, "list")) return stk_type_list(e);
        if (k && !strcmp(k, "set")) return stk_type_set(e);
        if (k && !strcmp(k, "map")) return stk_type_map(e);
        stk_type_unref(e);
    }
    return STK_DYNAMIC;
}

static stk_value *value_from_json(const json_t *j)
{
    if (json_is_object(j) && json_object_size(j) == 1) {
        const json_t *u = json_object_get(j, "$unknown");
        if (u) {
            stk_type *t = type_from_json(u);
            stk_value *v = stk_value_unknown(t);
            stk_type_unref(t);
            return v;
        }
        const json_t *s = json_object_get(j, "$sensitive");
        if (s) return stk_value_mark(value_from_json(s), STK_MARK_SENSITIVE);
    }
    if (json_is_object(j)) {
        size_t n = json_object_size(j), i = 0;
        char **keys = calloc(n + 1, sizeof *keys);
        stk_value **vals = calloc(n + 1, sizeof *vals);
        const char *k;
        json_t *jv;
        json_object_foreach((json_t *)j, k, jv) {
            keys[i] = (char *)k;
            vals[i++] = value_from_json(jv);
        }
        stk_value *v = stk_value_object(keys, vals, n);
        free(keys);
        free(vals);
        return v;
    }
    if (json_is_array(j)) {
        size_t n = json_array_size(j);
        if (!n) return stk_value_empty_tuple();
        stk_value **vals = calloc(n, sizeof *vals);
        for (size_t i = 0; i < n; i++) vals[i] = value_from_json(json_array_get(j, i));
        stk_value *v = stk_value_tuple(vals, n);
        free(vals);
        return v;
    }
    return stk_value_from_json(j);
}

static stk_value *parse_vars(const char *text, char **err)
{
    if (!text) return stk_value_empty_object();
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    if (!j) {
        *err = stk_xasprintf("bad JSON in vars: %s", je.text);
        return NULL;
    }
    stk_value *v = value_from_json(j);
    json_decref(j);
    return v;
}

/* ------------------------------------------------------------------ */
/* running one case                                                    */

static int parse_error_spec(const char *spec, int *line, int *col, const char **summary)
{
    *line = *col = 0;
    *summary = spec;
    int l, c, n = 0;
    if (sscanf(spec, "%d:%d: %n", &l, &c, &n) == 2 && n > 0) {
        *line = l;
        *col = c;
        *summary = spec + n;
    }
    return 0;
}

static int run_case(const tcase *tc, stk_strbuf *why)
{
    int ok = 1;
    char *err = NULL;
    stk_value *vars = parse_vars(tc->vars, &err);
    stk_value *locals = vars ? parse_vars(tc->locals, &err) : NULL;
    if (!vars || !locals) {
        stk_strbuf_printf(why, "%s", err ? err : "(no message)");
        free(err);
        if (vars) stk_value_unref(vars);
        return 0;
    }
    stk_func_ctx fctx = {0};
    fctx.base_dir = base_dir;
    fctx.root_dir = base_dir;
    fctx.cwd = base_dir;
    fctx.read_file = stk_func_read_file_os;
    fctx.render_template = stk_eval_render_template;
    const char *names[] = {"var", "local"};
    stk_value *vals[] = {vars, locals};
    stk_eval_scope scope = {0};
    scope.bind_names = names;
    scope.bind_values = vals;
    scope.nbind = 2;
    scope.funcs = &fctx;

    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse("<expr>", tc->expr, strlen(tc->expr), tc->is_template, &d);
    stk_value *v = NULL;
    if (f->expr && !stk_diags_has_errors(&d)) v = stk_eval_expr(f->expr, &scope, &d);

    /* errors */
    size_t nerr = stk_diags_count(&d, STK_DIAG_ERROR);
    if (nerr != tc->nerrors) {
        ok = 0;
        stk_strbuf_printf(why, "want %zu error(s), got %zu", tc->nerrors, nerr);
    }
    for (size_t i = 0; i < tc->nerrors; i++) {
        int line, col;
        const char *summary;
        parse_error_spec(tc->errors[i], &line, &col, &summary);
        int found = 0;
        for (size_t j = 0; j < d.len && !found; j++) {
            const stk_diag *g = &d.items[j];
            if (g->severity != STK_DIAG_ERROR) continue;
            if (strcmp(summary, "*") != 0 && strcmp(g->summary, summary) != 0) continue;
            if (line && (g->subject.start.line != line || g->subject.start.col != col)) continue;
            found = 1;
        }
        if (!found) {
            ok = 0;
            stk_strbuf_printf(why, "%smissing error \"%s\"", why->len ? "; " : "", tc->errors[i]);
        }
    }
    if (tc->detail) {
        const char *det = NULL;
        for (size_t j = 0; j < d.len; j++)
            if (d.items[j].severity == STK_DIAG_ERROR) { det = d.items[j].detail; break; }
        if (!det || !strstr(det, tc->detail)) {
            ok = 0;
            stk_strbuf_printf(why, "%sdetail \"%s\" does not contain \"%s\"", why->len ? "; " : "",
                              det ? det : "(none)", tc->detail);
        }
    }
    if (!ok || verbose) {
        for (size_t j = 0; j < d.len; j++) {
            const stk_diag *g = &d.items[j];
            stk_strbuf_printf(why, "\n    diag: %d:%d: %s: %s", g->subject.start.line, g->subject.start.col,
                              g->summary, g->detail ? g->detail : "");
        }
    }
    if (tc->want || tc->console || tc->type) {
        if (!v) {
            ok = 0;
            stk_strbuf_printf(why, "%sno value", why->len ? "; " : "");
        } else {
            if (tc->want) {
                char *got = compact_str(v);
                if (strcmp(got, tc->want) != 0) {
                    ok = 0;
                    stk_strbuf_printf(why, "%swant: %s\n    got:  %s", why->len ? "; " : "", tc->want, got);
                }
                free(got);
            }
            if (tc->console) {
                char *got = stk_value_to_hcl(v);
                if (strcmp(got, tc->console) != 0) {
                    ok = 0;
                    stk_strbuf_printf(why, "%sconsole want:\n%s\n    got:\n%s", why->len ? "; " : "", tc->console, got);
                }
                free(got);
            }
            if (tc->type) {
                char *got = stk_type_to_string(v->type);
                if (strcmp(got, tc->type) != 0) {
                    ok = 0;
                    stk_strbuf_printf(why, "%stype want %s, got %s", why->len ? "; " : "", tc->type, got);
                }
                free(got);
            }
        }
    }
    if (v) stk_value_unref(v);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
    stk_value_unref(vars);
    stk_value_unref(locals);
    return ok;
}

/* ------------------------------------------------------------------ */
/* case files                                                          */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    fclose(f);
    stk_strbuf_add(&b, "", 0);
    return stk_strbuf_detach(&b);
}

static void free_case(tcase *tc)
{
    free(tc->name); free(tc->expr); free(tc->want); free(tc->console); free(tc->type);
    free(tc->detail); free(tc->vars); free(tc->locals); free(tc->file); free(tc->skip);
    for (size_t i = 0; i < tc->nerrors; i++) free(tc->errors[i]);
    free(tc->errors);
    memset(tc, 0, sizeof *tc);
}

static int run_file(const char *dir, const char *fname)
{
    char *path = stk_xasprintf("%s/%s", dir, fname);
    char *text = read_all(path);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", path);
        free(path);
        stk_test_record(fname, 0);
        return 0;
    }
    /* split into lines (text is modified in place) */
    size_t nlines = 0, cap = 256;
    char **lines = malloc(cap * sizeof *lines);
    for (char *p = text; *p || p == text;) {
        if (nlines == cap) { cap *= 2; lines = realloc(lines, cap * sizeof *lines); }
        lines[nlines++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = 0;
        p = nl + 1;
        if (!*p) break;
    }
    tcase tc = {0};
    int have = 0;
    for (size_t i = 0; i <= nlines; i++) {
        const char *ln = i < nlines ? lines[i] : NULL;
        if (!ln || (ln[0] == '#' && ln[1] == ' ')) {
            if (have) {
                if (!tc.expr) {
                    fprintf(stderr, "%s:%d: case \"%s\" has no expr\n", path, tc.line, tc.name);
                    stk_test_record(tc.name, 0);
                } else if (!filter || strstr(tc.name, filter)) {
                    stk_strbuf why = STK_STRBUF_INIT;
                    int ok = run_case(&tc, &why);
                    char *label = stk_xasprintf("%s: %s", fname, tc.name);
                    if (tc.skip && !ok) {
                        fprintf(stderr, "known divergence %s:%d: %s\n    %s\n", path, tc.line, tc.name,
                                stk_strbuf_cstr(&why));
                        stk_test_skip(label, tc.skip);
                    } else {
                        if (!ok || verbose)
                            fprintf(stderr, "%s %s:%d: %s\n    %s\n", ok ? "ok" : "FAIL", path, tc.line, tc.name,
                                    stk_strbuf_cstr(&why));
                        if (tc.skip)
                            fprintf(stderr, "note %s:%d: %s passes now; drop its skip line\n", path, tc.line,
                                    tc.name);
                        stk_test_record(label, ok);
                    }
                    free(label);
                    stk_strbuf_free(&why);
                }
                free_case(&tc);
                have = 0;
            }
            if (!ln) break;
            tc.name = stk_xstrdup(ln + 2);
            tc.line = (int)i + 1;
            have = 1;
            continue;
        }
        if (!have || !ln[0]) continue;
        const char *colon = strchr(ln, ':');
        if (!colon) {
            fprintf(stderr, "%s:%zu: expected `key: value`\n", path, i + 1);
            continue;
        }
        size_t klen = (size_t)(colon - ln);
        const char *val = colon + 1;
        if (*val == ' ') val++;
        char *value;
        if (val[0] == '<' && val[1] == '<' && val[2]) {
            const char *delim = val + 2;
            stk_strbuf b = STK_STRBUF_INIT;
            size_t j = i + 1;
            for (; j < nlines && strcmp(lines[j], delim) != 0; j++) {
                if (j > i + 1) stk_strbuf_putc(&b, '\n');
                stk_strbuf_puts(&b, lines[j]);
            }
            stk_strbuf_add(&b, "", 0);
            value = stk_strbuf_detach(&b);
            i = j;
        } else {
            value = stk_xstrdup(val);
        }
#define KEY(k) (klen == strlen(k) && strncmp(ln, k, klen) == 0)
        if (KEY("expr")) { free(tc.expr); tc.expr = value; tc.is_template = 0; }
        else if (KEY("template")) { free(tc.expr); tc.expr = value; tc.is_template = 1; }
        else if (KEY("want")) { free(tc.want); tc.want = value; }
        else if (KEY("console")) { free(tc.console); tc.console = value; }
        else if (KEY("type")) { free(tc.type); tc.type = value; }
        else if (KEY("detail")) { free(tc.detail); tc.detail = value; }
        else if (KEY("vars")) { free(tc.vars); tc.vars = value; }
        else if (KEY("locals")) { free(tc.locals); tc.locals = value; }
        else if (KEY("skip")) { free(tc.skip); tc.skip = value; }
        else if (KEY("error")) {
            tc.errors = realloc(tc.errors, (tc.nerrors + 1) * sizeof *tc.errors);
            tc.errors[tc.nerrors++] = value;
        } else {
            fprintf(stderr, "%s:%zu: unknown key\n", path, i + 1);
            free(value);
        }
#undef KEY
    }
    free_case(&tc);
    free(lines);
    free(text);
    free(path);
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *root = CONFORMANCE_DIR;
    (void)stk_t_case;
    (void)stk_t_case_failed;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) verbose = 1;
        else if (!strcmp(argv[i], "-k") && i + 1 < argc) filter = argv[++i];
        else root = argv[i];
    }
    /* root may be the conformance folder or its cases/ subfolder */
    char *cases = stk_xasprintf("%s/cases", root);
    DIR *dir = opendir(cases);
    if (!dir) {
        free(cases);
        cases = stk_xstrdup(root);
        dir = opendir(cases);
        base_dir = stk_xasprintf("%s/..", root);
    } else {
        base_dir = stk_xstrdup(root);
    }
    if (!dir) {
        fprintf(stderr, "cannot open %s\n", root);
        stk_test_record("open cases", 0);
        free(cases);
        free(base_dir);
        return stk_test_report();
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".txt")) {
            names = realloc(names, (n + 1) * sizeof *names);
            names[n++] = stk_xstrdup(de->d_name);
        }
    }
    closedir(dir);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        run_file(cases, names[i]);
        free(names[i]);
    }
    free(names);
    free(cases);
    free(base_dir);
    return stk_test_report();
}
