/* funcs_file.c - filesystem functions: file, filebase64, fileexists, the
 * file hash functions, templatefile (through ctx->render_template) and the
 * path functions abspath, basename, dirname, pathexpand (Go's filepath
 * semantics: results are cleaned).  Relative paths resolve against
 * ctx->base_dir (path.module); reads go through ctx->read_file so a
 * configuration read from a git commit works the same. */
#include "eval/funcs_internal.h"
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static stk_type *const T_S[] = { &stk_type_string };

/* "~" / "~/x" -> $HOME/x (go-homedir); "~user" cannot be expanded: NULL */
static char *expand_home(const char *p)
{
    if (p[0] == '~') {
        if (p[1] != 0 && p[1] != '/') return NULL;
        const char *home = getenv("HOME");
        if (home && *home) return stk_xasprintf("%s%s", home, p + 1);
    }
    return stk_xstrdup(p);
}

static int utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = stk_utf8_decode(s + i, n - i, &c);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

/* read the file named by args[0]; 0 or -1 with err */
static int read_arg(const stk_func_ctx *ctx, stk_value **args, size_t nargs, char **data, size_t *len,
                    char **path_out, char **err, int *err_arg)
{
    stk_value *c[1];
    if (stk_fn_args(args, 1, T_S, 1, 0, c, err, err_arg)) return -1;
    (void)nargs;
    char *p = expand_home(c[0]->u.str.s);
    stk_fn_release(c, 1);
    if (!p) {
        stk_fn_fail(err, err_arg, 0, "failed to expand ~: cannot expand user-specific home dir");
        return -1;
    }
    char *e = NULL;
    if (stk_fn_read_file(ctx, p, data, len, &e)) {
        stk_fn_fail(err, err_arg, 0, "%s", e ? e : "failed to read file");
        free(e);
        free(p);
        return -1;
    }
    if (path_out) *path_out = p; else free(p);
    return 0;
}

FN(file)
{
    char *d, *p;
    size_t n;
    if (read_arg(ctx, args, nargs, &d, &n, &p, err, err_arg)) return NULL;
    stk_value *r = NULL;
    if (!utf8_valid(d, n) || memchr(d, 0, n))
        stk_fn_fail(err, err_arg, 0, "contents of \"%s\" are not valid UTF-8; use the filebase64 function to "
                                     "obtain the Base64 encoded contents or the other file functions (e.g. "
                                     "filemd5, filesha256) to obtain file hashing results instead", p);
    else r = stk_value_stringn(d, n);
    free(d);
    free(p);
    return r;
}

FN(filebase64)
{
    char *d;
    size_t n;
    if (read_arg(ctx, args, nargs, &d, &n, NULL, err, err_arg)) return NULL;
    stk_value *r = stk_value_string_take(stk_base64_encode((unsigned char *)d, n));
    free(d);
    return r;
}

static stk_value *file_hash(const stk_func_ctx *ctx, stk_value **args, size_t nargs, const char *alg, int b64,
                            char **err, int *err_arg)
{
    char *d;
    size_t n, dl;
    if (read_arg(ctx, args, nargs, &d, &n, NULL, err, err_arg)) return NULL;
    char *h = stk_digest(alg, d, n, b64, &dl);
    free(d);
    if (!h) return stk_fn_fail(err, err_arg, -1, "failed to compute %s digest", alg);
    if (!b64) return stk_value_string_take(h);
    stk_value *r = stk_value_string_take(stk_base64_encode((unsigned char *)h, dl));
    free(h);
    return r;
}

FN(filemd5) { return file_hash(ctx, args, nargs, "md5", 0, err, err_arg); }
FN(filesha1) { return file_hash(ctx, args, nargs, "sha1", 0, err, err_arg); }
FN(filesha256) { return file_hash(ctx, args, nargs, "sha256", 0, err, err_arg); }
FN(filesha512) { return file_hash(ctx, args, nargs, "sha512", 0, err, err_arg); }
FN(filebase64sha256) { return file_hash(ctx, args, nargs, "sha256", 1, err, err_arg); }
FN(filebase64sha512) { return file_hash(ctx, args, nargs, "sha512", 1, err, err_arg); }

FN(fileexists)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    char *p = expand_home(c[0]->u.str.s);
    stk_fn_release(c, 1);
    if (!p) return stk_fn_fail(err, err_arg, -1, "failed to expand ~: cannot expand user-specific home dir");
    char *full = stk_fn_resolve_path(ctx, p);
    stk_value *r = NULL;
    if (ctx && ctx->file_exists) {
        /* 1: regular file, 0: absent, 2: a directory */
        int e = ctx->file_exists(ctx->ud, full);
        if (e == 2) stk_fn_fail(err, err_arg, 0, "\"%s\" is a directory, not a file", full);
        else r = stk_value_bool(e == 1);
    } else {
        struct stat st;
        if (stat(full, &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) r = stk_value_bool(0);
            else stk_fn_fail(err, err_arg, -1, "failed to stat \"%s\"", full);
        } else if (S_ISREG(st.st_mode)) r = stk_value_bool(1);
        else if (S_ISDIR(st.st_mode)) stk_fn_fail(err, err_arg, 0, "\"%s\" is a directory, not a file", full);
        else if (S_ISFIFO(st.st_mode)) stk_fn_fail(err, err_arg, 0, "\"%s\" is a named pipe, not a regular file", full);
        else if (S_ISSOCK(st.st_mode)) stk_fn_fail(err, err_arg, 0, "\"%s\" is a unix domain socket, not a regular file", full);
        else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) stk_fn_fail(err, err_arg, 0, "\"%s\" is a device node, not a regular file", full);
        else stk_fn_fail(err, err_arg, 0, "\"%s\" is not a regular file", full);
    }
    free(full);
    free(p);
    return r;
}

static int valid_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* templatefile() inside a template rendered by templatefile() is refused,
   as Terraform does (a file could include itself forever). */
static _Thread_local int tpl_depth;

FN(templatefile)
{
    stk_value *c[1];
    if (stk_fn_args(args, 1, T_S, 1, 0, c, err, err_arg)) return NULL;
    const char *given = c[0]->u.str.s;
    stk_value *vars = args[1];
    stk_value *r = NULL;
    char *d = NULL, *p = NULL;
    size_t n;
    if (strstr(given, "${") || strstr(given, "%{") || strchr(given, '\n')) {
        stk_fn_fail(err, err_arg, 0, "the given path looks like template content rather than a file name; "
                                     "templatefile reads its template from a file: use a string template "
                                     "expression directly instead");
        goto out;
    }
    if (vars->is_null || !stk_fn_is_mapping(vars)) {
        stk_fn_fail(err, err_arg, 1, "invalid vars value: must be a map");
        goto out;
    }
    for (size_t i = 0; i < vars->u.coll.n; i++)
        if (!valid_ident(vars->u.coll.keys[i])) {
            stk_fn_fail(err, err_arg, 1, "invalid template variable name \"%s\": must start with a letter, "
                                         "followed by zero or more letters, digits, and underscores",
                        vars->u.coll.keys[i]);
            goto out;
        }
    if (read_arg(ctx, args, 1, &d, &n, &p, err, err_arg)) goto out;
    if (!ctx || !ctx->render_template) {
        stk_fn_fail(err, err_arg, -1, "templatefile is not available here: no template renderer was configured");
        goto out;
    }
    if (tpl_depth > 0) {
        stk_fn_fail(err, err_arg, -1, "cannot recursively call templatefile from inside templatefile call");
        goto out;
    }
    {
        char *e = NULL;
        char *full = stk_fn_resolve_path(ctx, p);
        tpl_depth++;
        r = ctx->render_template(ctx->ud, full, d, n, vars, &e);
        tpl_depth--;
        free(full);
        if (!r) {
            stk_fn_fail(err, err_arg, -1, "%s", e ? e : "failed to render template");
        }
        free(e);
    }
out:
    free(d);
    free(p);
    stk_fn_release(c, 1);
    return r;
}

/* templatestring(template, vars): a template held in a string value,
   rendered like templatefile (Terraform 1.9).  The evaluator is expected to
   refuse a literal template as the first argument, as Terraform does. */
FN(templatestring)
{
    stk_value *c[1];
    if (stk_fn_args(args, 1, T_S, 1, 0, c, err, err_arg)) return NULL;
    stk_value *vars = args[1], *r = NULL;
    if (vars->is_null || !stk_fn_is_mapping(vars)) {
        stk_fn_fail(err, err_arg, 1, "invalid vars value: must be a map");
        goto out;
    }
    for (size_t i = 0; i < vars->u.coll.n; i++)
        if (!valid_ident(vars->u.coll.keys[i])) {
            stk_fn_fail(err, err_arg, 1, "invalid template variable name \"%s\": must start with a letter, "
                                         "followed by zero or more letters, digits, and underscores",
                        vars->u.coll.keys[i]);
            goto out;
        }
    if (!ctx || !ctx->render_template) {
        stk_fn_fail(err, err_arg, -1, "templatestring is not available here: no template renderer was configured");
        goto out;
    }
    if (tpl_depth > 0) {
        stk_fn_fail(err, err_arg, -1, "cannot recursively call templatestring from inside another template function");
        goto out;
    }
    {
        char *e = NULL;
        tpl_depth++;
        r = ctx->render_template(ctx->ud, "<templatestring>", c[0]->u.str.s, c[0]->u.str.len, vars, &e);
        tpl_depth--;
        if (!r) stk_fn_fail(err, err_arg, 0, "%s", e ? e : "failed to render template");
        free(e);
    }
out:
    stk_fn_release(c, 1);
    return r;
}

FN(abspath)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    const char *p = c[0]->u.str.s;
    char *joined;
    if (p[0] == '/') joined = stk_xstrdup(p);
    else {
        char buf[4096];
        const char *cwd = ctx && ctx->cwd ? ctx->cwd : getcwd(buf, sizeof buf);
        if (!cwd) { stk_fn_release(c, 1); return stk_fn_fail(err, err_arg, -1, "cannot determine the current directory"); }
        joined = stk_xasprintf("%s/%s", cwd, p);
    }
    char *cl = stk_fn_clean_path(joined);
    free(joined);
    stk_fn_release(c, 1);
    return stk_value_string_take(cl);
}

FN(basename)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    const char *p = c[0]->u.str.s;
    size_t n = c[0]->u.str.len;
    stk_value *r;
    while (n > 0 && p[n - 1] == '/') n--;
    if (c[0]->u.str.len == 0) r = stk_value_string(".");
    else if (n == 0) r = stk_value_string("/");
    else {
        size_t a = n;
        while (a > 0 && p[a - 1] != '/') a--;
        r = stk_value_stringn(p + a, n - a);
    }
    stk_fn_release(c, 1);
    return r;
}

FN(dirname)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    const char *p = c[0]->u.str.s;
    size_t n = c[0]->u.str.len;
    size_t a = n;
    while (a > 0 && p[a - 1] != '/') a--;
    char *dir = stk_xstrndup(p, a);
    char *cl = stk_fn_clean_path(dir);
    free(dir);
    stk_fn_release(c, 1);
    return stk_value_string_take(cl);
}

FN(pathexpand)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    char *p = expand_home(c[0]->u.str.s);
    stk_fn_release(c, 1);
    if (!p) return stk_fn_fail(err, err_arg, -1, "cannot expand user-specific home dir");
    return stk_value_string_take(p);
}

/* ------------------------------------------------------------- fileset */

/* expand the first {a,b} group of pat; returns the alternatives (NULL-terminated) or NULL */
static char **brace_expand(const char *pat)
{
    const char *o = strchr(pat, '{');
    if (!o) return NULL;
    int depth = 0;
    const char *c = NULL;
    for (const char *p = o; *p; p++) {
        if (*p == '{') depth++;
        else if (*p == '}' && --depth == 0) { c = p; break; }
    }
    if (!c) return NULL;
    size_t cap = 4, n = 0;
    char **out = stk_xmalloc(sizeof(char *) * cap);
    const char *a = o + 1;
    depth = 0;
    for (const char *p = o + 1; p <= c; p++) {
        if (*p == '{') depth++;
        else if (*p == '}' && depth > 0) depth--;
        else if ((*p == ',' && depth == 0) || p == c) {
            if (n + 2 > cap) out = stk_xrealloc(out, sizeof(char *) * (cap *= 2));
            out[n++] = stk_xasprintf("%.*s%.*s%s", (int)(o - pat), pat, (int)(p - a), a, c + 1);
            a = p + 1;
        }
    }
    out[n] = NULL;
    return out;
}

/* doublestar matching of slash-separated segments */
static int seg_match(const char *pat, const char *path)
{
    if (!*pat) return !*path;
    const char *ps = strchr(pat, '/');
    size_t pl = ps ? (size_t)(ps - pat) : strlen(pat);
    const char *prest = ps ? ps + 1 : pat + pl;
    if (pl == 2 && pat[0] == '*' && pat[1] == '*') {
        /* zero or more directories */
        if (seg_match(prest, path)) return 1;
        for (const char *q = path; *q; q++)
            if (*q == '/' && seg_match(prest, q + 1)) return 1;
        return !*prest;
    }
    if (!*path) return 0;
    const char *ss = strchr(path, '/');
    size_t sl = ss ? (size_t)(ss - path) : strlen(path);
    char pseg[1024], sseg[1024];
    if (pl >= sizeof pseg || sl >= sizeof sseg) return 0;
    memcpy(pseg, pat, pl); pseg[pl] = 0;
    memcpy(sseg, path, sl); sseg[sl] = 0;
    if (fnmatch(pseg, sseg, 0) != 0) return 0;
    if (!ss) return !ps || !*prest;
    if (!ps) return 0;
    return seg_match(prest, ss + 1);
}

static int glob_match(const char *pat, const char *path)
{
    char **alts = brace_expand(pat);
    if (!alts) return seg_match(pat, path);
    int hit = 0;
    for (char **a = alts; *a; a++) {
        if (!hit && glob_match(*a, path)) hit = 1;
        free(*a);
    }
    free(alts);
    return hit;
}

static void walk_dir(const char *root, const char *rel, char ***out, size_t *n, size_t *cap)
{
    char *dir = rel[0] ? stk_xasprintf("%s/%s", root, rel) : stk_xstrdup(root);
    DIR *d = opendir(dir);
    if (!d) { free(dir); return; }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *r = rel[0] ? stk_xasprintf("%s/%s", rel, e->d_name) : stk_xstrdup(e->d_name);
        char *full = stk_xasprintf("%s/%s", root, r);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk_dir(root, r, out, n, cap);
            free(r);
        } else if (S_ISREG(st.st_mode)) {
            if (*n == *cap) *out = stk_xrealloc(*out, sizeof(char *) * (*cap *= 2));
            (*out)[(*n)++] = r;
        } else {
            free(r);
        }
        free(full);
    }
    closedir(d);
    free(dir);
}

FN(fileset)
{
    static stk_type *const T2[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T2, 2, 0, c, err, err_arg)) return NULL;
    char *dir = stk_fn_resolve_path(ctx, c[0]->u.str.s);
    char **files = NULL;
    size_t n = 0;
    stk_value *r = NULL;
    if (ctx && ctx->list_files) {
        char *e = NULL;
        if (ctx->list_files(ctx->ud, dir, &files, &n, &e)) {
            stk_fn_fail(err, err_arg, 0, "failed to list files: %s", e ? e : "unknown error");
            free(e);
            goto out;
        }
    } else {
        size_t cap = 16;
        files = stk_xmalloc(sizeof(char *) * cap);
        walk_dir(dir, "", &files, &n, &cap);
    }
    {
        const char *pat = c[1]->u.str.s;
        while (pat[0] == '.' && pat[1] == '/') pat += 2;
        stk_value **items = stk_xmalloc(sizeof(stk_value *) * (n + 1));
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (glob_match(pat, files[i])) items[m++] = stk_value_string(files[i]);
        r = stk_value_set(STK_STRING, items, m);
        free(items);
    }
out:
    for (size_t i = 0; i < n; i++) free(files[i]);
    free(files);
    free(dir);
    stk_fn_release(c, 2);
    return r;
}

const stk_func stk_funcs_file[] = {
    { "fileset", 2, 2, 0, fn_fileset, "fileset(path string, pattern string) set of string" },
    { "abspath", 1, 1, 0, fn_abspath, "abspath(path string) string" },
    { "basename", 1, 1, 0, fn_basename, "basename(path string) string" },
    { "dirname", 1, 1, 0, fn_dirname, "dirname(path string) string" },
    { "file", 1, 1, 0, fn_file, "file(path string) string" },
    { "filebase64", 1, 1, 0, fn_filebase64, "filebase64(path string) string" },
    { "filebase64sha256", 1, 1, 0, fn_filebase64sha256, "filebase64sha256(path string) string" },
    { "filebase64sha512", 1, 1, 0, fn_filebase64sha512, "filebase64sha512(path string) string" },
    { "fileexists", 1, 1, 0, fn_fileexists, "fileexists(path string) bool" },
    { "filemd5", 1, 1, 0, fn_filemd5, "filemd5(path string) string" },
    { "filesha1", 1, 1, 0, fn_filesha1, "filesha1(path string) string" },
    { "filesha256", 1, 1, 0, fn_filesha256, "filesha256(path string) string" },
    { "filesha512", 1, 1, 0, fn_filesha512, "filesha512(path string) string" },
    { "pathexpand", 1, 1, 0, fn_pathexpand, "pathexpand(path string) string" },
    { "templatefile", 2, 2, 0, fn_templatefile, "templatefile(path string, vars any) string" },
    { "templatestring", 2, 2, 0, fn_templatestring, "templatestring(template string, vars any) string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
