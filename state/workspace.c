/* workspace.c - list / new / select / delete workspaces (see workspace.h). */
#include "workspace.h"
#include "lock.h"
#include "store.h"
#include "util/strbuf.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base(const char *dir) { return dir && *dir ? dir : "."; }

int stk_workspace_valid_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 90 || name[0] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return 0;
    }
    return 1;
}

static char *db_path(const char *dir, const char *name)
{
    return stk_xasprintf("%s/.stk/%s.db", base(dir), name);
}

char *stk_workspace_current(const char *dir)
{
    const char *env = getenv("STK_WORKSPACE");
    if (env && *env) return stk_xstrdup(env);
    char *path = stk_xasprintf("%s/.stk/environment", base(dir));
    FILE *f = fopen(path, "r");
    free(path);
    char buf[128] = "";
    if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
        fclose(f);
    }
    buf[strcspn(buf, "\r\n")] = 0;
    return stk_xstrdup(stk_workspace_valid_name(buf) ? buf : STK_WORKSPACE_DEFAULT);
}

int stk_workspace_exists(const char *dir, const char *name)
{
    if (strcmp(name, STK_WORKSPACE_DEFAULT) == 0) return 1;
    if (!stk_workspace_valid_name(name)) return 0;
    char *p = db_path(dir, name);
    struct stat sb;
    int ok = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
    free(p);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int stk_workspace_list(const char *dir, char ***names, size_t *n, stk_diags *d)
{
    *names = NULL;
    *n = 0;
    size_t cap = 8;
    char **v = stk_xmalloc(cap * sizeof *v);
    size_t len = 0;
    v[len++] = stk_xstrdup(STK_WORKSPACE_DEFAULT);
    char *sdir = stk_xasprintf("%s/.stk", base(dir));
    DIR *dd = opendir(sdir);
    if (!dd && errno != ENOENT) {
        stk_diags_error(d, NULL, "Cannot list workspaces", "%s: %s", sdir, strerror(errno));
        free(sdir);
        stk_workspace_names_free(v, len);
        return -1;
    }
    free(sdir);
    struct dirent *e;
    while (dd && (e = readdir(dd)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l <= 3 || strcmp(e->d_name + l - 3, ".db") != 0) continue;
        char *name = stk_xstrndup(e->d_name, l - 3);
        if (!stk_workspace_valid_name(name) || strcmp(name, STK_WORKSPACE_DEFAULT) == 0) {
            free(name);
            continue;
        }
        if (len == cap) {
            cap *= 2;
            v = stk_xrealloc(v, cap * sizeof *v);
        }
        v[len++] = name;
    }
    if (dd) closedir(dd);
    qsort(v, len, sizeof *v, cmp_str);
    *names = v;
    *n = len;
    return 0;
}

void stk_workspace_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static int check_name(const char *name, stk_diags *d)
{
    if (stk_workspace_valid_name(name)) return 0;
    stk_diags_error(d, NULL, "Invalid workspace name",
                    "\"%s\": a workspace name uses letters, digits, '-', '_' and '.', does not start with '.', "
                    "and has at most 90 characters.", name ? name : "");
    return -1;
}

int stk_workspace_new(const char *dir, const char *name, stk_diags *d)
{
    if (check_name(name, d)) return -1;
    if (stk_workspace_exists(dir, name)) {
        stk_diags_error(d, NULL, "Workspace already exists", "Workspace \"%s\" already exists.", name);
        return -1;
    }
    stk_state *st;
    if (stk_state_open(dir, name, &st, d)) return -1;
    stk_state_close(st);
    return 0;
}

int stk_workspace_select(const char *dir, const char *name, stk_diags *d)
{
    if (check_name(name, d)) return -1;
    if (!stk_workspace_exists(dir, name)) {
        stk_diags_error(d, NULL, "Workspace does not exist",
                        "Workspace \"%s\" doesn't exist. Create it with `stk workspace new %s`.", name, name);
        return -1;
    }
    char *sdir = stk_xasprintf("%s/.stk", base(dir));
    mkdir(sdir, 0700);
    char *path = stk_xasprintf("%s/environment", sdir), *tmp = stk_xasprintf("%s/environment.tmp", sdir);
    free(sdir);
    int rc = -1;
    FILE *f = fopen(tmp, "w");
    if (f && fprintf(f, "%s\n", name) > 0 && fflush(f) == 0 && fsync(fileno(f)) == 0) {
        if (fclose(f) == 0 && rename(tmp, path) == 0) rc = 0;
        f = NULL;
    }
    if (f) fclose(f);
    if (rc) {
        stk_diags_error(d, NULL, "Cannot select the workspace", "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(path);
    free(tmp);
    return rc;
}

int stk_workspace_delete(const char *dir, const char *name, int force, long lock_timeout_ms, stk_diags *d)
{
    if (check_name(name, d)) return -1;
    if (strcmp(name, STK_WORKSPACE_DEFAULT) == 0) {
        stk_diags_error(d, NULL, "Cannot delete the default workspace", "The \"default\" workspace always exists.");
        return -1;
    }
    if (!stk_workspace_exists(dir, name)) {
        stk_diags_error(d, NULL, "Workspace does not exist", "Workspace \"%s\" doesn't exist.", name);
        return -1;
    }
    char *cur = stk_workspace_current(dir);
    int selected = strcmp(cur, name) == 0;
    free(cur);
    if (selected) {
        stk_diags_error(d, NULL, "Cannot delete the selected workspace",
                        "Workspace \"%s\" is selected; select another one first (`stk workspace select default`).",
                        name);
        return -1;
    }
    stk_lock *lk = stk_lock_local_new(dir, name);
    char *path = db_path(dir, name);
    int rc = -1;
    stk_lock_info *stale = NULL;
    if (stk_lock_acquire(lk, "workspace delete", path, lock_timeout_ms, &stale, d)) goto out;
    stk_lock_info_free(stale);
    stk_state *st;
    if (stk_state_open(dir, name, &st, d)) goto out;
    size_t ni = 0, no = 0;
    int crc = stk_state_count(st, &ni, &no, d);
    stk_state_close(st);
    if (crc) goto out;
    if ((ni || no) && !force) {
        stk_diags_error(d, NULL, "Workspace is not empty",
                        "Workspace \"%s\" holds %zu resource object(s) and %zu output(s) that would be forgotten "
                        "(the cloud resources would not be destroyed). Destroy them first, or use -force.",
                        name, ni, no);
        goto out;
    }
    static const char *const suffixes[] = {".db", ".db-wal", ".db-shm", ".lock"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char *p = stk_xasprintf("%s/.stk/%s%s", base(dir), name, suffixes[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            stk_diags_error(d, NULL, "Cannot delete the workspace", "%s: %s", p, strerror(errno));
            free(p);
            goto out;
        }
        free(p);
    }
    rc = 0;
out:
    stk_lock_free(lk);   /* releases: removes the info file */
    free(path);
    return rc;
}
