/* render.c - diagnostics on a terminal, the way Terraform prints them:
 *
 *   Error: Reference to undeclared input variable
 *
 *     on main.tf:3:16 (line 3), in resource "aws_vpc" "main":
 *      3:   cidr_block = var.cidr
 *                        ^^^^^^^^
 *
 *   An input variable with the name "cidr" has not been declared. ...
 *
 * The "file:line:col" form is there so people and tests can grep for the
 * position; the numbered source line and the carets show it.  The source
 * comes from a registered in-memory copy (configurations read from git) or
 * is read again from the named file.  Bold red / yellow only on a terminal,
 * never with -no-color or NO_COLOR.
 */
#include "cli/cli.h"
#include "util/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct source {
    char *filename;
    char *src;
    size_t len;
    int missing;
    struct source *next;
} source;

static source *sources;

static source *find_source(const char *filename)
{
    for (source *s = sources; s; s = s->next)
        if (!strcmp(s->filename, filename)) return s;
    return NULL;
}

static void free_sources(void)
{
    while (sources) {
        source *n = sources->next;
        free(sources->filename);
        free(sources->src);
        free(sources);
        sources = n;
    }
}

static source *add_source(const char *filename, const char *src, size_t len, int missing)
{
    static int registered;
    if (!registered) {
        atexit(free_sources);
        registered = 1;
    }
    source *s = stk_xcalloc(1, sizeof *s);
    s->filename = stk_xstrdup(filename);
    if (src) {
        s->src = stk_xmalloc(len + 1);
        memcpy(s->src, src, len);
        s->src[len] = 0;
        s->len = len;
    }
    s->missing = missing;
    s->next = sources;
    sources = s;
    return s;
}

void stk_cli_register_source(const char *filename, const char *src, size_t len)
{
    source *s = find_source(filename);
    if (s) {
        free(s->src);
        s->src = stk_xmalloc(len + 1);
        memcpy(s->src, src, len);
        s->src[len] = 0;
        s->len = len;
        s->missing = 0;
        return;
    }
    add_source(filename, src, len, 0);
}

static source *load_source(const char *filename)
{
    source *s = find_source(filename);
    if (s) return s;
    FILE *f = fopen(filename, "rb");
    if (!f) return add_source(filename, NULL, 0, 1);
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    fclose(f);
    s = add_source(filename, b.s ? b.s : "", b.len, 0);
    stk_strbuf_free(&b);
    return s;
}

int stk_cli_use_color(FILE *f, int no_color_flag)
{
    if (no_color_flag) return 0;
    const char *nc = getenv("NO_COLOR");
    if (nc && nc[0]) return 0;
    const char *term = getenv("TERM");
    if (term && !strcmp(term, "dumb")) return 0;
    return isatty(fileno(f));
}

/* the text of line `line` (1-based): pointer and length, or NULL */
static const char *line_at(const source *s, int line, size_t *len)
{
    if (!s || s->missing || line < 1) return NULL;
    const char *p = s->src, *end = s->src + s->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    if (p > end) return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n && p[n - 1] == '\r') n--;
    *len = n;
    return p;
}

/* the header of the top-level block enclosing `line` (`resource "aws_vpc"
   "main"`): the nearest line above it that starts at column 1 and opens a
   block; NULL when the line is outside any block */
static char *context_of(const source *s, int line)
{
    size_t len;
    const char *l0 = line_at(s, line, &len);
    if (!l0 || len == 0 || l0[0] != ' ') return NULL;
    for (int l = line - 1; l >= 1; l--) {
        const char *p = line_at(s, l, &len);
        if (!p) return NULL;
        if (len == 0 || p[0] == ' ' || p[0] == '\t' || p[0] == '#' || p[0] == '/') continue;
        size_t e = len;
        while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '\t')) e--;
        if (e == 0 || p[e - 1] != '{') return NULL;
        e--;
        while (e > 0 && p[e - 1] == ' ') e--;
        if (memchr(p, '=', e)) return NULL;
        return stk_xstrndup(p, e);
    }
    return NULL;
}

/* number of characters (UTF-8 code points) in p[0..n) */
static size_t utf8_chars(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80) c++;
    return c;
}

/* byte offset of character column col (1-based) in line */
static size_t col_to_byte(const char *p, size_t len, int col)
{
    size_t i = 0;
    int c = 1;
    while (i < len && c < col) {
        i++;
        while (i < len && ((unsigned char)p[i] & 0xC0) == 0x80) i++;
        c++;
    }
    return i;
}

char *stk_cli_snippet(const stk_range *r, char **context, size_t *hl_start, size_t *hl_end)
{
    *context = NULL;
    if (!r->filename || r->start.line < 1) return NULL;
    source *s = load_source(r->filename);
    size_t len;
    const char *first = line_at(s, r->start.line, &len);
    if (!first) return NULL;
    int last = r->end.line >= r->start.line ? r->end.line : r->start.line;
    if (last > r->start.line && r->end.col <= 1) last--;
    const char *lp = line_at(s, last, &len);
    if (!lp) {
        lp = first;
        line_at(s, r->start.line, &len);
        last = r->start.line;
    }
    size_t total = (size_t)(lp + len - first);
    char *code = stk_xstrndup(first, total);
    size_t sb = col_to_byte(first, total, r->start.col);
    size_t eb = sb;
    if (r->end.line == last) eb = (size_t)(lp - first) + col_to_byte(lp, len, r->end.col);
    else eb = total;
    if (eb > total) eb = total;
    if (eb < sb) eb = sb;
    *hl_start = sb;
    *hl_end = eb;
    *context = context_of(s, r->start.line);
    return code;
}

static void print_one(FILE *out, const stk_diag *g, int color)
{
    int err = g->severity == STK_DIAG_ERROR;
    if (color)
        fprintf(out, "%s%s:\033[0m \033[1m%s\033[0m\n", err ? "\033[1;31m" : "\033[1;33m", err ? "Error" : "Warning",
                g->summary);
    else
        fprintf(out, "%s: %s\n", err ? "Error" : "Warning", g->summary);
    const stk_range *r = &g->subject;
    if (r->filename && r->start.line > 0) {
        source *s = load_source(r->filename);
        char *ctx = context_of(s, r->start.line);
        fprintf(out, "\n  on %s:%d:%d (line %d)%s%s:\n", r->filename, r->start.line, r->start.col, r->start.line,
                ctx ? ", in " : "", ctx ? ctx : "");
        free(ctx);
        int last = r->end.line >= r->start.line ? r->end.line : r->start.line;
        /* a range ending at column 1 of the next line ends on the line before */
        if (last > r->start.line && r->end.col <= 1) last--;
        if (last > r->start.line + 4) last = r->start.line + 4;
        for (int l = r->start.line; l <= last; l++) {
            size_t len;
            const char *p = line_at(s, l, &len);
            if (!p) break;
            fprintf(out, "%4d: %.*s\n", l, (int)len, p);
            if (l == r->start.line) {
                size_t sb = col_to_byte(p, len, r->start.col);
                size_t eb = (r->end.line == l) ? col_to_byte(p, len, r->end.col) : len;
                if (eb <= sb) eb = sb + 1;
                fputs("      ", out);
                for (size_t i = 0; i < sb; i++)
                    if (((unsigned char)p[i] & 0xC0) != 0x80) fputc(p[i] == '\t' ? '\t' : ' ', out);
                size_t nc = eb <= len ? utf8_chars(p + sb, eb - sb) : eb - sb;
                if (nc == 0) nc = 1;
                if (color) fputs(err ? "\033[31m" : "\033[33m", out);
                for (size_t i = 0; i < nc; i++) fputc('^', out);
                if (color) fputs("\033[0m", out);
                fputc('\n', out);
            }
        }
    }
    if (g->detail && g->detail[0]) fprintf(out, "\n%s\n", g->detail);
    fputc('\n', out);
}

void stk_cli_print_diags(FILE *out, const stk_diags *d, int color)
{
    for (size_t i = 0; i < d->len; i++) print_one(out, &d->items[i], color);
}
