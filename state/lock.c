/* lock.c - the generic lock driver (acquire with polling, messages) and the
 * local flock-based implementation (see lock.h). */
#include "lock.h"
#include "history.h"
#include "store.h"
#include "stk_version.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- info --------------------------------------------------------------- */

void stk_lock_info_free(stk_lock_info *i)
{
    if (!i) return;
    free(i->id);
    free(i->operation);
    free(i->info);
    free(i->who);
    free(i->version);
    free(i->created);
    free(i->path);
    free(i);
}

static stk_lock_info *info_copy(const stk_lock_info *s)
{
    stk_lock_info *i = stk_xcalloc(1, sizeof *i);
#define C(f) i->f = s->f ? stk_xstrdup(s->f) : NULL
    C(id); C(operation); C(info); C(who); C(version); C(created); C(path);
#undef C
    i->pid = s->pid;
    return i;
}

char *stk_lock_info_to_json(const stk_lock_info *i)
{
    json_t *o = json_object();
#define S(k, f) json_object_set_new(o, k, json_string(i->f ? i->f : ""))
    S("ID", id); S("Operation", operation); S("Info", info); S("Who", who); S("Version", version);
    S("Created", created); S("Path", path);
#undef S
    json_object_set_new(o, "Pid", json_integer(i->pid));
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

stk_lock_info *stk_lock_info_from_json(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    stk_lock_info *i = stk_xcalloc(1, sizeof *i);
#define G(k, f) do { const char *v_ = json_string_value(json_object_get(o, k)); i->f = v_ ? stk_xstrdup(v_) : NULL; } while (0)
    G("ID", id); G("Operation", operation); G("Info", info); G("Who", who); G("Version", version);
    G("Created", created); G("Path", path);
#undef G
    i->pid = (long)json_integer_value(json_object_get(o, "Pid"));
    json_decref(o);
    return i;
}

char *stk_lock_info_describe(const stk_lock_info *i)
{
    stk_strbuf b = STK_STRBUF_INIT;
#define L(label, f) if (i->f && *i->f) stk_strbuf_printf(&b, "  %-10s %s\n", label ":", i->f)
    L("ID", id); L("Path", path); L("Operation", operation); L("Who", who); L("Version", version);
    L("Created", created); L("Info", info);
#undef L
    if (i->pid > 0) stk_strbuf_printf(&b, "  %-10s %ld\n", "Pid:", i->pid);
    if (!b.len) stk_strbuf_puts(&b, "  (the holder did not record any information)\n");
    return stk_strbuf_detach(&b);
}

/* ---- local implementation ----------------------------------------------- */

typedef struct {
    char *lock_path, *info_path;
    int fd;
} local_lock;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    fclose(f);
    return b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
}

/* The info file: 1 (with *out; an unreadable file gives an empty info), 0 none. */
static int read_info(local_lock *ll, stk_lock_info **out)
{
    *out = NULL;
    char *text = read_file(ll->info_path);
    if (!text) return 0;
    *out = stk_lock_info_from_json(text);
    if (!*out) *out = stk_xcalloc(1, sizeof **out);
    free(text);
    return 1;
}

static int write_info(local_lock *ll, const stk_lock_info *info, stk_diags *d)
{
    char *tmp = stk_xasprintf("%s.tmp.%ld", ll->info_path, (long)getpid());
    char *json = stk_lock_info_to_json(info);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0;
    if (ok) {
        size_t n = strlen(json), off = 0;
        while (ok && off < n) {
            ssize_t w = write(fd, json + off, n - off);
            if (w < 0 && errno == EINTR) continue;
            ok = w > 0;
            if (ok) off += (size_t)w;
        }
        ok = ok && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
    }
    ok = ok && rename(tmp, ll->info_path) == 0;
    if (!ok) {
        stk_diags_error(d, NULL, "Cannot write the lock info", "%s: %s", ll->info_path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(json);
    return ok ? 0 : -1;
}

static int open_lock_file(local_lock *ll, stk_diags *d)
{
    int fd = open(ll->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) stk_diags_error(d, NULL, "Cannot open the lock file", "%s: %s", ll->lock_path, strerror(errno));
    return fd;
}

static int local_try(stk_lock *l, const stk_lock_info *info, stk_lock_info **holder, stk_lock_info **stale,
                     stk_diags *d)
{
    local_lock *ll = l->impl;
    *holder = NULL;
    *stale = NULL;
    if (ll->fd >= 0) {
        stk_diags_error(d, NULL, "State lock already held", "This handle already holds %s.", ll->lock_path);
        return -1;
    }
    int fd = open_lock_file(ll, d);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK || e == EAGAIN) {
            /* the holder may be between flock and writing its info: retry the read briefly */
            for (int i = 0; i < 20 && !read_info(ll, holder); i++) usleep(5000);
            if (!*holder) *holder = stk_xcalloc(1, sizeof **holder);
            return 1;
        }
        stk_diags_error(d, NULL, "Cannot lock the state", "flock %s: %s", ll->lock_path, strerror(e));
        return -1;
    }
    read_info(ll, stale);   /* an info file without a live holder: a dead process's */
    if (write_info(ll, info, d)) {
        stk_lock_info_free(*stale);
        *stale = NULL;
        flock(fd, LOCK_UN);
        close(fd);
        return -1;
    }
    ll->fd = fd;
    return 0;
}

static int local_release(stk_lock *l, stk_diags *d)
{
    local_lock *ll = l->impl;
    if (ll->fd < 0) return 0;
    int rc = 0;
    if (unlink(ll->info_path) != 0 && errno != ENOENT) {
        stk_diags_error(d, NULL, "Cannot remove the lock info", "%s: %s", ll->info_path, strerror(errno));
        rc = -1;
    }
    flock(ll->fd, LOCK_UN);
    close(ll->fd);
    ll->fd = -1;
    return rc;
}

/* Is the flock held by a live process other than this handle? */
static int flock_busy(local_lock *ll, stk_diags *d)
{
    if (ll->fd >= 0) return 1;
    int fd = open_lock_file(ll, d);
    if (fd < 0) return -1;
    int busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (!busy) flock(fd, LOCK_UN);
    close(fd);
    return busy;
}

static int local_read(stk_lock *l, stk_lock_info **holder, stk_diags *d)
{
    local_lock *ll = l->impl;
    *holder = NULL;
    if (ll->fd >= 0 && l->held) {
        *holder = info_copy(l->held);
        return 1;
    }
    return read_info(ll, holder);
}

static int local_force_unlock(stk_lock *l, const char *id, stk_diags *d)
{
    local_lock *ll = l->impl;
    stk_lock_info *cur = NULL;
    if (!read_info(ll, &cur)) {
        stk_diags_error(d, NULL, "No lock to unlock", "The state (%s) is not locked.", ll->lock_path);
        return -1;
    }
    int rc = -1;
    if (!cur->id || strcmp(cur->id, id) != 0) {
        stk_diags_error(d, NULL, "Lock ID does not match",
                        "The state is locked with ID %s, not %s; nothing was unlocked.", cur->id ? cur->id : "(none)",
                        id);
        goto out;
    }
    int busy = flock_busy(ll, d);
    if (busy < 0) goto out;
    if (busy) {
        char *desc = stk_lock_info_describe(cur);
        stk_diags_error(d, NULL, "The lock holder is still running",
                        "A live process holds this local lock, and the kernel lock cannot be broken from outside:\n"
                        "%sStop that process (its lock is released when it exits), then retry.", desc);
        free(desc);
        goto out;
    }
    if (unlink(ll->info_path) != 0 && errno != ENOENT) {
        stk_diags_error(d, NULL, "Cannot remove the lock info", "%s: %s", ll->info_path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    stk_lock_info_free(cur);
    return rc;
}

static void local_destroy(stk_lock *l)
{
    local_lock *ll = l->impl;
    if (ll->fd >= 0) {
        stk_diags ignore = STK_DIAGS_INIT;
        local_release(l, &ignore);
        stk_diags_free(&ignore);
    }
    free(ll->lock_path);
    free(ll->info_path);
    free(ll);
}

static const stk_lock_ops local_ops = {
    "local", local_try, local_release, local_read, local_force_unlock, local_destroy,
};

stk_lock *stk_lock_local_new(const char *dir, const char *workspace)
{
    local_lock *ll = stk_xcalloc(1, sizeof *ll);
    const char *base = dir && *dir ? dir : ".";
    char *sdir = stk_xasprintf("%s/.stk", base);
    mkdir(sdir, 0700);
    ll->lock_path = stk_xasprintf("%s/%s.lock", sdir, workspace);
    ll->info_path = stk_xasprintf("%s/%s.lock.info", sdir, workspace);
    free(sdir);
    ll->fd = -1;
    stk_lock *l = stk_xcalloc(1, sizeof *l);
    l->ops = &local_ops;
    l->impl = ll;
    return l;
}

/* ---- the generic driver --------------------------------------------------- */

/* A remote lock whose holder ran as the same user on this machine (its Who
   is ours) under a pid that no longer exists: left by a killed process.
   Only a hint for the message: the lock is never taken over. */
static int holder_is_dead(const stk_lock_info *h, const char *who)
{
    if (!h || h->pid <= 0 || !h->who || !who || strcmp(h->who, who) != 0) return 0;
    if (h->pid == (long)getpid()) return 0;
    return kill((pid_t)h->pid, 0) != 0 && errno == ESRCH;
}

int stk_lock_acquire(stk_lock *l, const char *operation, const char *state_path, long timeout_ms,
                     stk_lock_info **stale, stk_diags *d)
{
    if (stale) *stale = NULL;
    stk_lock_info info = {0};
    info.id = stk_state_uuid();
    info.operation = (char *)(operation ? operation : "");
    info.who = stk_history_who();
    info.version = (char *)STK_VERSION;
    info.created = stk_state_now();
    info.path = (char *)(state_path ? state_path : "");
    info.pid = (long)getpid();
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int rc;
    for (;;) {
        stk_lock_info *holder = NULL, *dead = NULL;
        rc = l->ops->try_acquire(l, &info, &holder, &dead, d);
        if (rc == 0) {
            l->held = info_copy(&info);
            if (stale) *stale = dead;
            else stk_lock_info_free(dead);
            break;
        }
        if (rc < 0) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (long)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (elapsed >= timeout_ms) {
            char *desc = stk_lock_info_describe(holder);
            const char *id = holder->id ? holder->id : "LOCK_ID";
            if (holder_is_dead(holder, info.who))
                stk_diags_error(d, NULL, "Error acquiring the state lock",
                                "The state is locked (%s lock) by a process that is no longer running: pid %ld on "
                                "this machine (%s) was killed or crashed without releasing it.\n\nLock Info:\n%s\n"
                                "Make sure no other stk runs on this state, then `stk force-unlock %s` removes the "
                                "lock (the next apply recovers what the dead process left half done).",
                                l->ops->name, holder->pid, info.who, desc, id);
            else
                stk_diags_error(d, NULL, "Error acquiring the state lock",
                                "The state is locked by another stk process (%s lock).\n\nLock Info:\n%s\n"
                                "Wait for that operation to finish, or retry with -lock-timeout=DURATION. If the "
                                "holder is gone for good, `stk force-unlock %s` removes the lock.",
                                l->ops->name, desc, id);
            free(desc);
            stk_lock_info_free(holder);
            rc = -1;
            break;
        }
        stk_lock_info_free(holder);
        long nap = timeout_ms - elapsed < 250 ? timeout_ms - elapsed : 250;
        struct timespec ts = {nap / 1000, (nap % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(info.id);
    free(info.who);
    free(info.created);
    return rc < 0 ? -1 : 0;
}

int stk_lock_release(stk_lock *l, stk_diags *d)
{
    if (!l->held) return 0;
    int rc = l->ops->release(l, d);
    stk_lock_info_free(l->held);
    l->held = NULL;
    return rc;
}

int stk_lock_read(stk_lock *l, stk_lock_info **holder, stk_diags *d)
{
    return l->ops->read(l, holder, d);
}

int stk_lock_force_unlock(stk_lock *l, const char *id, stk_diags *d)
{
    return l->ops->force_unlock(l, id, d);
}

void stk_lock_free(stk_lock *l)
{
    if (!l) return;
    if (l->held) {
        stk_diags ignore = STK_DIAGS_INIT;
        stk_lock_release(l, &ignore);
        stk_diags_free(&ignore);
    }
    l->ops->destroy(l);
    free(l);
}

int stk_lock_parse_timeout(const char *s, long *ms)
{
    *ms = 0;
    if (!s || !*s) return -1;
    const char *p = s;
    double total = 0;
    int any = 0;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || v < 0) return -1;
        p = end;
        double mult;
        if (strncmp(p, "ms", 2) == 0) { mult = 1; p += 2; }
        else if (*p == 'h') { mult = 3600000; p++; }
        else if (*p == 'm') { mult = 60000; p++; }
        else if (*p == 's') { mult = 1000; p++; }
        else if (*p == 0 && !any) { mult = 1000; }   /* a bare number: seconds */
        else return -1;
        total += v * mult;
        any = 1;
    }
    if (total > 86400000.0 * 7) return -1;
    *ms = (long)total;
    return 0;
}
