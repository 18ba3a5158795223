/* cmd_fmt.c - `stk fmt`: rewrite .tf and .tfvars files in canonical style
 * (engine/hcl/fmt.h), as `terraform fmt` does: list the files changed,
 * -check / -diff / -recursive / -write=false / -list=false, `-` for stdin.
 */
#include "cli/cli.h"
#include "hcl/fmt.h"
#include "util/strbuf.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { FMT_EXIT_CHECK = 3 };

typedef struct {
    int list, write, diff, check, recursive, color;
    int changed;        /* files not in canonical style */
    int errors;
} fmt_opts;

static void fmt_usage(FILE *f)
{
    fprintf(f,
            "Usage: stk fmt [options] [TARGET...]\n"
            "\n"
            "  Rewrites all .tf and .tfvars files in the canonical format of\n"
            "  Terraform (two-space indentation, aligned equals signs, normalised\n"
            "  spacing; comments kept). A file already in canonical format is left\n"
            "  untouched. TARGET may be a file or a directory (default: the current\n"
            "  directory); \"-\" reads from standard input and writes the result to\n"
            "  standard output.\n"
            "\n"
            "Options:\n"
            "  -list=false    Don't list the files whose formatting differs\n"
            "                 (always off with standard input)\n"
            "  -write=false   Don't write to the source files\n"
            "                 (always off with standard input or -check);\n"
            "                 with -list=false too, print the formatted text\n"
            "  -diff          Print a unified diff of the formatting changes\n"
            "                 (with standard input: instead of the formatted text)\n"
            "  -check         Only check whether the input is formatted. Exit status 0\n"
            "                 when everything is formatted, 3 when something is not\n"
            "  -recursive     Also process files in subdirectories (hidden directories,\n"
            "                 such as .terraform and .git, are skipped)\n"
            "  -no-color      No colour in diagnostics\n"
            "\n"
            "Exit status: 0 success, 1 error (unreadable file, syntax error),\n"
            "3 with -check when some file is not in canonical format.\n");
}

static int bool_opt(const char *arg, const char *name, int *out)
{
    const char *a = arg;
    if (*a != '-') return 0;
    a++;
    if (*a == '-') a++;
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == 0) { *out = 1; return 1; }
    if (a[n] != '=') return 0;
    const char *v = a + n + 1;
    if (!strcmp(v, "true") || !strcmp(v, "1")) { *out = 1; return 1; }
    if (!strcmp(v, "false") || !strcmp(v, "0")) { *out = 0; return 1; }
    return 0;
}

static char *read_stream(FILE *f, size_t *len)
{
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    if (ferror(f)) { stk_strbuf_free(&b); return NULL; }
    *len = b.len;
    if (!b.s) return stk_xstrdup("");
    return stk_strbuf_detach(&b);
}

static void print_diags(const stk_diags *d, int color)
{
    stk_cli_print_diags(stderr, d, color);
}

/* ---- unified diff (line based, LCS) ---- */

typedef struct { const char *s; size_t len; } line_t;

static line_t *split_lines(const char *s, size_t len, size_t *n)
{
    size_t cap = 16, k = 0;
    line_t *v = stk_xmalloc(cap * sizeof *v);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != '\n') j++;
        if (j < len) j++;
        if (k == cap) { cap *= 2; v = stk_xrealloc(v, cap * sizeof *v); }
        v[k].s = s + i;
        v[k].len = j - i;
        k++;
        i = j;
    }
    *n = k;
    return v;
}

static int line_eq(const line_t *a, const line_t *b)
{
    return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static void put_line(stk_strbuf *o, char mark, const line_t *l)
{
    stk_strbuf_putc(o, mark);
    stk_strbuf_add(o, l->s, l->len);
    if (!l->len || l->s[l->len - 1] != '\n') stk_strbuf_puts(o, "\n\\ No newline at end of file\n");
}

/* ops: 0 same, 1 delete (old), 2 insert (new) */
static void unified_diff(stk_strbuf *o, const char *name, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t na, nb;
    line_t *A = split_lines(a, alen, &na), *B = split_lines(b, blen, &nb);
    /* trim common prefix/suffix, LCS on the middle */
    size_t pre = 0;
    while (pre < na && pre < nb && line_eq(&A[pre], &B[pre])) pre++;
    size_t suf = 0;
    while (suf < na - pre && suf < nb - pre && line_eq(&A[na - 1 - suf], &B[nb - 1 - suf])) suf++;
    size_t m = na - pre - suf, n = nb - pre - suf;
    unsigned char *ops = stk_xmalloc(na + nb + 1);
    size_t nops = 0;
    for (size_t i = 0; i < pre; i++) ops[nops++] = 0;
    if (m && n && (double)m * (double)n <= 2e7) {
        unsigned *dp = stk_xcalloc((m + 1) * (n + 1), sizeof *dp);
#define DP(i, j) dp[(i) * (n + 1) + (j)]
        for (size_t i = m; i-- > 0;)
            for (size_t j = n; j-- > 0;)
                DP(i, j) = line_eq(&A[pre + i], &B[pre + j]) ? DP(i + 1, j + 1) + 1
                         : (DP(i + 1, j) >= DP(i, j + 1) ? DP(i + 1, j) : DP(i, j + 1));
        size_t i = 0, j = 0;
        while (i < m || j < n) {
            if (i < m && j < n && line_eq(&A[pre + i], &B[pre + j])) { ops[nops++] = 0; i++; j++; }
            else if (i < m && (j == n || DP(i + 1, j) >= DP(i, j + 1))) { ops[nops++] = 1; i++; }
            else { ops[nops++] = 2; j++; }
        }
#undef DP
        free(dp);
    } else {
        for (size_t i = 0; i < m; i++) ops[nops++] = 1;
        for (size_t j = 0; j < n; j++) ops[nops++] = 2;
    }
    for (size_t i = 0; i < suf; i++) ops[nops++] = 0;

    stk_strbuf_printf(o, "--- old/%s\n+++ new/%s\n", name, name);
    const size_t ctx = 3;
    size_t k = 0, ai = 0, bi = 0;
    while (k < nops) {
        if (ops[k] == 0) { k++; ai++; bi++; continue; }
        /* a hunk: back up ctx lines, extend until ctx*2 equal lines follow */
        size_t back = 0;
        while (back < ctx && back < k && ops[k - back - 1] == 0) back++;
        size_t hs = k - back, as = ai - back, bs = bi - back;
        size_t e = k, run = 0, last = k;
        while (e < nops) {
            if (ops[e] == 0) {
                if (++run > 2 * ctx) break;
            } else {
                run = 0;
                last = e;
            }
            e++;
        }
        size_t he = last + 1 + ctx;
        if (he > nops) he = nops;
        size_t ac = 0, bc = 0;
        for (size_t x = hs; x < he; x++) {
            if (ops[x] != 2) ac++;
            if (ops[x] != 1) bc++;
        }
        stk_strbuf_printf(o, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? as + 1 : as, ac, bc ? bs + 1 : bs, bc);
        size_t pa = as, pb = bs;
        for (size_t x = hs; x < he; x++) {
            if (ops[x] == 0) { put_line(o, ' ', &A[pa]); pa++; pb++; }
            else if (ops[x] == 1) { put_line(o, '-', &A[pa]); pa++; }
            else { put_line(o, '+', &B[pb]); pb++; }
        }
        k = he;
        ai = pa;
        bi = pb;
    }
    free(ops);
    free(A);
    free(B);
}

/* ---- files ---- */

static int has_fmt_ext(const char *path)
{
    size_t n = strlen(path);
    return (n > 3 && !strcmp(path + n - 3, ".tf")) || (n > 7 && !strcmp(path + n - 7, ".tfvars"));
}

static void fmt_source(fmt_opts *o, const char *name, const char *src, size_t len, int is_stdin)
{
    stk_diags d = STK_DIAGS_INIT;
    size_t outlen = 0;
    char *out = stk_hcl_format_n(src, len, name, &d, &outlen);
    if (!out) {
        stk_cli_register_source(name, src, len);   /* for the source snippets */
        print_diags(&d, o->color);
        stk_diags_free(&d);
        o->errors++;
        return;
    }
    stk_diags_free(&d);
    int differs = outlen != len || memcmp(out, src, len) != 0;
    if (differs) o->changed++;
    if (is_stdin) {
        /* as terraform fmt: the diff when asked for, else the formatted text */
        if (o->diff) {
            if (differs) {
                stk_strbuf b = STK_STRBUF_INIT;
                unified_diff(&b, name, src, len, out, outlen);
                fwrite(b.s, 1, b.len, stdout);
                stk_strbuf_free(&b);
            }
        } else if (!o->check) fwrite(out, 1, outlen, stdout);
        free(out);
        return;
    }
    /* -list=false -write=false (without -diff or -check) prints the result */
    if (!o->list && !o->write && !o->diff && !o->check) fwrite(out, 1, outlen, stdout);
    if (differs) {
        if (o->list) printf("%s\n", name);
        if (o->write && !o->check) {
            FILE *f = fopen(name, "wb");
            if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0) {
                fprintf(stderr, "Error: cannot write %s: %s\n", name, strerror(errno));
                o->errors++;
            }
        }
        if (o->diff) {
            stk_strbuf b = STK_STRBUF_INIT;
            unified_diff(&b, name, src, len, out, outlen);
            fwrite(b.s, 1, b.len, stdout);
            stk_strbuf_free(&b);
        }
    }
    free(out);
}

static void fmt_file(fmt_opts *o, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "Error: cannot read %s: %s\n", path, strerror(errno));
        o->errors++;
        return;
    }
    size_t len;
    char *src = read_stream(f, &len);
    fclose(f);
    if (!src) {
        fprintf(stderr, "Error: cannot read %s\n", path);
        o->errors++;
        return;
    }
    fmt_source(o, path, src, len, 0);
    free(src);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fmt_dir(fmt_opts *o, const char *dir, int top)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        fprintf(stderr, "Error: cannot read directory %s: %s\n", dir, strerror(errno));
        o->errors++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) { cap = cap ? cap * 2 : 32; names = stk_xrealloc(names, cap * sizeof *names); }
        names[n++] = stk_xstrdup(de->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = (!strcmp(dir, ".") && top) ? stk_xstrdup(names[i])
                   : stk_xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        struct stat st;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (o->recursive) fmt_dir(o, path, 0);
            } else if (S_ISREG(st.st_mode) && has_fmt_ext(names[i])) {
                fmt_file(o, path);
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

int cmd_fmt(int argc, char **argv)
{
    fmt_opts o = {.list = 1, .write = 1};
    int no_color = 0;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-") || a[0] != '-') break;
        if (!strcmp(a, "--")) { i++; break; }
        if (stk_cli_is_help(a)) { fmt_usage(stdout); return STK_EXIT_OK; }
        if (bool_opt(a, "list", &o.list) || bool_opt(a, "write", &o.write) || bool_opt(a, "diff", &o.diff) ||
            bool_opt(a, "check", &o.check) || bool_opt(a, "recursive", &o.recursive) ||
            bool_opt(a, "no-color", &no_color))
            continue;
        fprintf(stderr, "Error: unknown option %s\n\n", a);
        fmt_usage(stderr);
        return STK_EXIT_ERROR;
    }
    o.color = stk_cli_use_color(stderr, no_color);
    if (i >= argc) {
        fmt_dir(&o, ".", 1);
    } else {
        for (; i < argc; i++) {
            const char *p = argv[i];
            if (!strcmp(p, "-")) {
                size_t len;
                char *src = read_stream(stdin, &len);
                if (!src) { fprintf(stderr, "Error: cannot read standard input\n"); o.errors++; continue; }
                fmt_source(&o, "<stdin>", src, len, 1);
                free(src);
                continue;
            }
            struct stat st;
            if (stat(p, &st) != 0) {
                fprintf(stderr, "Error: no file or directory at %s\n", p);
                o.errors++;
                continue;
            }
            if (S_ISDIR(st.st_mode)) fmt_dir(&o, p, 0);
            else if (!has_fmt_ext(p)) {
                fprintf(stderr, "Error: only .tf and .tfvars files can be processed with stk fmt: %s\n", p);
                o.errors++;
            } else fmt_file(&o, p);
        }
    }
    fflush(stdout);
    if (o.errors) return STK_EXIT_ERROR;
    if (o.check && o.changed) return FMT_EXIT_CHECK;
    return STK_EXIT_OK;
}
