/* funcs.c - the function registry (merging the family tables of
 * funcs_*.c into one sorted index), the shared argument helpers, error
 * wording, and the default file reader. */
#include "eval/funcs_internal.h"
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const stk_func **all_funcs;
static size_t n_funcs;
static pthread_once_t funcs_once = PTHREAD_ONCE_INIT;

static int cmp_func(const void *a, const void *b)
{
    return strcmp((*(const stk_func *const *)a)->name, (*(const stk_func *const *)b)->name);
}

static void funcs_init(void)
{
    const stk_func *tabs[] = { stk_funcs_string, stk_funcs_collection, stk_funcs_numeric,
                               stk_funcs_encoding, stk_funcs_crypto, stk_funcs_file, stk_funcs_net,
                               stk_funcs_time, stk_funcs_type, stk_funcs_format };
    size_t n = 0;
    for (size_t t = 0; t < sizeof tabs / sizeof *tabs; t++)
        for (const stk_func *f = tabs[t]; f->name; f++) n++;
    /* one static-lifetime array; intentionally never freed */
    static const stk_func *store[512];
    if (n >= sizeof store / sizeof *store) abort();
    n = 0;
    for (size_t t = 0; t < sizeof tabs / sizeof *tabs; t++)
        for (const stk_func *f = tabs[t]; f->name; f++) store[n++] = f;
    qsort(store, n, sizeof *store, cmp_func);
    store[n] = NULL;
    all_funcs = store;
    n_funcs = n;
}

const stk_func *stk_func_lookup(const char *name)
{
    pthread_once(&funcs_once, funcs_init);
    size_t lo = 0, hi = n_funcs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(all_funcs[mid]->name, name);
        if (c == 0) return all_funcs[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

const stk_func *const *stk_func_all(size_t *n)
{
    pthread_once(&funcs_once, funcs_init);
    if (n) *n = n_funcs;
    return all_funcs;
}

char *stk_func_param_name(const stk_func *f, int idx)
{
    const char *p = strchr(f->signature, '(');
    if (!p || idx < 0) return NULL;
    p++;
    const char *last = NULL;
    size_t lastlen = 0;
    for (int i = 0; *p && *p != ')'; i++) {
        while (*p == ' ') p++;
        if (!strncmp(p, "...", 3)) p += 3;
        const char *s = p;
        while (*p && *p != ' ' && *p != ',' && *p != ')') p++;
        last = s; lastlen = (size_t)(p - s);
        if (i == idx) return stk_xstrndup(s, lastlen);
        int depth = 0;
        while (*p && !(depth == 0 && (*p == ',' || *p == ')'))) {
            if (*p == '(') depth++;
            if (*p == ')') depth--;
            p++;
        }
        if (*p == ',') p++;
    }
    /* past the end: the variadic parameter */
    return last ? stk_xstrndup(last, lastlen) : NULL;
}

char *stk_func_error_detail(const stk_func *f, int err_arg, const char *msg)
{
    char *pn = err_arg >= 0 ? stk_func_param_name(f, err_arg) : NULL;
    char *r;
    if (pn) r = stk_xasprintf("Invalid value for \"%s\" parameter: %s.", pn, msg);
    else r = stk_xasprintf("Call to function \"%s\" failed: %s.", f->name, msg);
    free(pn);
    return r;
}

stk_value *stk_fn_fail(char **err, int *err_arg, int arg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (err) { free(*err); *err = stk_strbuf_detach(&b); }
    else stk_strbuf_free(&b);
    if (err_arg) *err_arg = arg;
    return NULL;
}

void stk_fn_release(stk_value **vals, size_t n)
{
    for (size_t i = 0; i < n; i++) stk_value_unref(vals[i]);
}

int stk_fn_args(stk_value **args, size_t nargs, stk_type *const *types, size_t ntypes,
                unsigned nullok, stk_value **out, char **err, int *err_arg)
{
    for (size_t i = 0; i < nargs; i++) {
        size_t ti = i < ntypes ? i : ntypes - 1;
        unsigned bit = 1u << (ti < 31 ? ti : 31);
        if (args[i]->is_null && !(nullok & bit)) {
            stk_fn_release(out, i);
            stk_fn_fail(err, err_arg, (int)i, "argument must not be null");
            return -1;
        }
        char *e = NULL;
        out[i] = stk_value_convert(args[i], types[ti], &e);
        if (!out[i]) {
            stk_fn_release(out, i);
            stk_fn_fail(err, err_arg, (int)i, "%s", e);
            free(e);
            return -1;
        }
    }
    return 0;
}

int stk_fn_int(const stk_value *v, int arg, int64_t *out, char **err, int *err_arg)
{
    if (v->type->kind != STK_TY_NUMBER || v->is_null || v->is_unknown) {
        stk_fn_fail(err, err_arg, arg, "number required");
        return -1;
    }
    if (!v->is_int) {
        stk_fn_fail(err, err_arg, arg, "value must be a whole number");
        return -1;
    }
    *out = v->u.num.i;
    return 0;
}

int stk_fn_is_seq(const stk_value *v)
{
    stk_type_kind k = v->type->kind;
    return k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE;
}

int stk_fn_is_mapping(const stk_value *v)
{
    return v->type->kind == STK_TY_MAP || v->type->kind == STK_TY_OBJECT;
}

stk_value *stk_fn_list_unified(stk_value **items, size_t n, char **err)
{
    if (n == 0) return stk_value_list(STK_DYNAMIC, NULL, 0);
    stk_value *t = stk_value_tuple(items, n);
    stk_value *r = stk_value_convert(t, stk_type_list(STK_DYNAMIC), err);
    stk_value_unref(t);
    return r;
}

/* Go's path.Clean for slash-separated paths */
char *stk_fn_clean_path(const char *p)
{
    if (!*p) return stk_xstrdup(".");
    int rooted = p[0] == '/';
    size_t n = strlen(p);
    char *out = stk_xmalloc(n + 2);
    size_t w = 0, dotdot = 0;
    if (rooted) { out[w++] = '/'; dotdot = 1; }
    size_t r = rooted ? 1 : 0;
    while (r < n) {
        if (p[r] == '/') { r++; continue; }
        if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) { r++; continue; }
        if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/') w--;
            } else if (!rooted) {
                if (w > 0) out[w++] = '/';
                out[w++] = '.'; out[w++] = '.';
                dotdot = w;
            }
            continue;
        }
        if ((rooted && w != 1) || (!rooted && w != 0)) out[w++] = '/';
        while (r < n && p[r] != '/') out[w++] = p[r++];
    }
    if (w == 0) out[w++] = '.';
    out[w] = 0;
    return out;
}

char *stk_fn_resolve_path(const stk_func_ctx *ctx, const char *path)
{
    if (path[0] == '/' || !ctx || !ctx->base_dir || !ctx->base_dir[0]) return stk_fn_clean_path(path);
    char *j = stk_xasprintf("%s/%s", ctx->base_dir, path);
    char *c = stk_fn_clean_path(j);
    free(j);
    return c;
}

int stk_fn_read_file(const stk_func_ctx *ctx, const char *path, char **data, size_t *len, char **err)
{
    char *full = stk_fn_resolve_path(ctx, path);
    int rc;
    if (ctx && ctx->read_file) rc = ctx->read_file(ctx->ud, full, data, len, err);
    else rc = stk_func_read_file_os(NULL, full, data, len, err);
    free(full);
    return rc;
}

int stk_func_read_file_os(void *ud, const char *path, char **data, size_t *len, char **err)
{
    (void)ud;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err) {
            if (errno == ENOENT)
                *err = stk_xasprintf("no file exists at \"%s\"; this function works only with files "
                                     "that are distributed as part of the configuration source code, "
                                     "so if this file will be created by a resource in this "
                                     "configuration you must instead obtain this result from an "
                                     "attribute of that resource", path);
            else *err = stk_xasprintf("failed to read file \"%s\": %s", path, strerror(errno));
        }
        return -1;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, r);
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        stk_strbuf_free(&b);
        if (err) *err = stk_xasprintf("failed to read file: read %s: %s", path, e == EISDIR ? "is a directory" : strerror(e));
        return -1;
    }
    *len = b.len;
    if (!b.s) stk_strbuf_add(&b, "", 0);
    if (!b.s) { *data = stk_xstrdup(""); return 0; }
    *data = stk_strbuf_detach(&b);
    return 0;
}
