/* fs.c - the OS implementation of the stk_fs interface, and path helpers. */
#include "util/fs.h"
#include "util/strbuf.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int os_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{
    (void)fs;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = stk_xasprintf("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        stk_strbuf_free(&b);
        *err = stk_xasprintf("cannot read %s: %s", path, strerror(EIO));
        return -1;
    }
    *len = b.len;
    if (!b.s) stk_strbuf_puts(&b, "");
    *data = stk_strbuf_detach(&b);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int os_list(const stk_fs *fs, const char *dir, char ***names, size_t *n,
                   unsigned char **is_dir, char **err)
{
    (void)fs;
    DIR *d = opendir(dir);
    if (!d) {
        *err = stk_xasprintf("cannot read directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char **v = NULL;
    size_t len = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            v = stk_xrealloc(v, cap * sizeof *v);
        }
        v[len++] = stk_xstrdup(e->d_name);
    }
    closedir(d);
    if (len) qsort(v, len, sizeof *v, cmp_names);
    if (is_dir) {
        unsigned char *dirs = stk_xcalloc(len ? len : 1, 1);
        for (size_t i = 0; i < len; i++) {
            char *p = stk_xasprintf("%s/%s", dir, v[i]);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) dirs[i] = 1;
            free(p);
        }
        *is_dir = dirs;
    }
    *names = v;
    *n = len;
    return 0;
}

static int os_exists(const stk_fs *fs, const char *path)
{
    (void)fs;
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    return S_ISDIR(st.st_mode) ? 2 : 1;
}

static const stk_fs os_fs = {os_read, os_list, os_exists, NULL};

const stk_fs *stk_fs_os(void) { return &os_fs; }

void stk_fs_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

char *stk_path_clean(const char *p)
{
    int abs = p[0] == '/';
    size_t n = strlen(p);
    /* segments */
    const char **seg = stk_xmalloc((n / 2 + 2) * sizeof *seg);
    size_t *seglen = stk_xmalloc((n / 2 + 2) * sizeof *seglen);
    size_t ns = 0;
    const char *s = p;
    while (*s) {
        while (*s == '/') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != '/') e++;
        size_t l = (size_t)(e - s);
        if (l == 1 && s[0] == '.') {
            /* skip */
        } else if (l == 2 && s[0] == '.' && s[1] == '.') {
            if (ns > 0 && !(seglen[ns - 1] == 2 && seg[ns - 1][0] == '.' && seg[ns - 1][1] == '.'))
                ns--;
            else if (!abs) {
                seg[ns] = s;
                seglen[ns++] = l;
            }
        } else {
            seg[ns] = s;
            seglen[ns++] = l;
        }
        s = e;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    if (abs) stk_strbuf_putc(&b, '/');
    for (size_t i = 0; i < ns; i++) {
        if (i) stk_strbuf_putc(&b, '/');
        stk_strbuf_add(&b, seg[i], seglen[i]);
    }
    if (b.len == 0) stk_strbuf_putc(&b, '.');
    free(seg);
    free(seglen);
    return stk_strbuf_detach(&b);
}

char *stk_path_join(const char *base, const char *rel)
{
    if (rel[0] == '/' || !base || !base[0]) return stk_path_clean(rel);
    char *j = stk_xasprintf("%s/%s", base, rel);
    char *c = stk_path_clean(j);
    free(j);
    return c;
}

const char *stk_path_base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}
