/* source.c - the configuration source of a command: disk or commit, plain
 * directory or -env layout (see source.h). */
#include "git/source.h"
#include "git/provenance.h"
#include "util/fs_git.h"
#include "util/strbuf.h"
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -var-file under --rev: inside the work tree from the commit, else the disk */
static const stk_fs *pick(const stk_fs *fs, const char *path)
{
    const stk_fs *g = fs->ud;
    char *tp = stk_fs_git_tree_path(g, path);
    const stk_fs *r = tp ? g : stk_fs_os();
    free(tp);
    return r;
}
static int vf_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{
    const stk_fs *t = pick(fs, path);
    return t->read(t, path, data, len, err);
}
static int vf_list(const stk_fs *fs, const char *dir, char ***names, size_t *n, unsigned char **is_dir, char **err)
{
    const stk_fs *t = pick(fs, dir);
    return t->list(t, dir, names, n, is_dir, err);
}
static int vf_exists(const stk_fs *fs, const char *path)
{
    const stk_fs *t = pick(fs, path);
    return t->exists(t, path);
}

int stk_config_source_open(stk_config_source *s, const char *dir, const char *rev, const char *env, stk_diags *d)
{
    memset(s, 0, sizeof *s);
    const char *base = dir && *dir ? dir : ".";
    s->fs = stk_fs_os();
    if (rev) {
        s->gitfs = stk_fs_git_open(base, rev, &s->commit, d);
        if (!s->gitfs) return -1;
        s->fs = s->gitfs;
        s->varfs.read = vf_read;
        s->varfs.list = vf_list;
        s->varfs.exists = vf_exists;
        s->varfs.ud = s->gitfs;
        s->varfile_fs = &s->varfs;
    }
    if (env) {
        if (stk_env_resolve(s->fs, base, env, &s->cfg_dir, &s->workspace, &s->var_files, &s->nvar_files, d)) {
            stk_config_source_close(s);
            return -1;
        }
    } else {
        s->cfg_dir = stk_xstrdup(base);
    }
    return 0;
}

stk_vararg *stk_config_source_args(const stk_config_source *s, const stk_vararg *user, size_t nuser, size_t *n)
{
    stk_vararg *a = stk_xcalloc(s->nvar_files + nuser + 1, sizeof *a);
    size_t k = 0;
    for (size_t i = 0; i < s->nvar_files; i++) {
        a[k].kind = STK_VARARG_FILE;
        a[k++].text = s->var_files[i];
    }
    for (size_t i = 0; i < nuser; i++) a[k++] = user[i];
    *n = k;
    return a;
}

/* ---- the read recorder (stk_config_source_track) ---- */

typedef struct {
    stk_fs fs;
    const stk_fs *inner;
    pthread_mutex_t mu;   /* evaluation may read from worker threads */
    char **ents;
    size_t n, cap;
} tracker;

static void sha_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    EVP_Digest(data, len, h, &hl, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32 && i < hl; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
    out[64] = 0;
}

static void note(tracker *t, char *ent)
{
    pthread_mutex_lock(&t->mu);
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->ents = stk_xrealloc(t->ents, t->cap * sizeof *t->ents);
    }
    t->ents[t->n++] = ent;
    pthread_mutex_unlock(&t->mu);
}

static int tr_read(const stk_fs *fs, const char *path, char **data, size_t *len, char **err)
{
    tracker *t = fs->ud;
    int rc = t->inner->read(t->inner, path, data, len, err);
    char h[65] = "-";
    if (rc == 0) sha_hex(*data, *len, h);
    note(t, stk_xasprintf("read %s %s", h, path));
    return rc;
}

/* Listings are not recorded: the configuration directory also holds the
   plan file, logs and other files that come and go; a .tf file that
   appears changes the configuration digest, and a file used through
   fileset() is either read (recorded) or changes the planned actions. */
static int tr_list(const stk_fs *fs, const char *dir, char ***names, size_t *n, unsigned char **is_dir, char **err)
{
    tracker *t = fs->ud;
    return t->inner->list(t->inner, dir, names, n, is_dir, err);
}

static int tr_exists(const stk_fs *fs, const char *path)
{
    tracker *t = fs->ud;
    int r = t->inner->exists(t->inner, path);
    note(t, stk_xasprintf("exists %d %s", r, path));
    return r;
}

void stk_config_source_track(stk_config_source *s)
{
    if (s->tracker) return;
    tracker *t = stk_xcalloc(1, sizeof *t);
    t->inner = s->fs;
    pthread_mutex_init(&t->mu, NULL);
    t->fs.read = tr_read;
    t->fs.list = tr_list;
    t->fs.exists = tr_exists;
    t->fs.ud = t;
    s->tracker = t;
    s->fs = &t->fs;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char *stk_config_source_reads_digest(stk_config_source *s)
{
    tracker *t = s->tracker;
    if (!t) return NULL;
    pthread_mutex_lock(&t->mu);
    qsort(t->ents, t->n, sizeof *t->ents, cmp_str);
    stk_strbuf b = STK_STRBUF_INIT;
    for (size_t i = 0; i < t->n; i++)
        if (i == 0 || strcmp(t->ents[i], t->ents[i - 1]) != 0) stk_strbuf_printf(&b, "%s\n", t->ents[i]);
    pthread_mutex_unlock(&t->mu);
    char *out = stk_xmalloc(65);
    sha_hex(b.s ? b.s : "", b.len, out);
    stk_strbuf_free(&b);
    return out;
}

void stk_config_source_close(stk_config_source *s)
{
    tracker *t = s->tracker;
    if (t) {
        for (size_t i = 0; i < t->n; i++) free(t->ents[i]);
        free(t->ents);
        pthread_mutex_destroy(&t->mu);
        free(t);
    }
    if (s->gitfs) stk_fs_git_close(s->gitfs);
    free(s->cfg_dir);
    free(s->workspace);
    free(s->commit);
    if (s->var_files) stk_fs_names_free(s->var_files, s->nvar_files);
    memset(s, 0, sizeof *s);
}
