/* cmd_state.c - `stk state SUBCOMMAND`: inspect and edit the state of the
 * selected workspace, as `terraform state` does (list, show, rm, mv, pull,
 * push), plus stk's import-tfstate, history and restore.  Every command that
 * changes state holds the state lock and records a history row; the library
 * side is state/ (store, tfstate, history, session). */
#include "cli/backend_cli.h"
#include "cli/cli.h"
#include "git/provenance.h"
#include "state/history.h"
#include "state/journal.h"
#include "state/json.h"
#include "state/session.h"
#include "state/tfstate.h"
#include "util/strbuf.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared option handling ---------------------------------------------- */

typedef struct {
    int no_lock;
    long timeout_ms;
    int no_color;
    int allow_dirty;   /* -allow-dirty: a protected workspace accepts a dirty / unpushed tree */
} lock_opts;

/* -lock=BOOL, -lock-timeout=DUR, -no-color: 1 consumed, 0 not ours, -1 bad value */
static int lock_option(int argc, char **argv, int *i, lock_opts *o)
{
    const char *v = NULL;
    if (stk_cli_opt(argc, argv, i, "lock-timeout", &v)) {
        if (stk_lock_parse_timeout(v, &o->timeout_ms) != 0) {
            fprintf(stderr, "Error: invalid -lock-timeout \"%s\" (use e.g. 30s, 2m, 500ms)\n", v);
            return -1;
        }
        return 1;
    }
    if (stk_cli_flag(argv[*i], "lock") || stk_cli_flag(argv[*i], "lock=true")) {
        o->no_lock = 0;
        return 1;
    }
    if (stk_cli_flag(argv[*i], "lock=false")) {
        o->no_lock = 1;
        return 1;
    }
    if (stk_cli_flag(argv[*i], "no-color")) {
        o->no_color = 1;
        return 1;
    }
    if (stk_cli_flag(argv[*i], "allow-dirty")) {
        o->allow_dirty = 1;
        return 1;
    }
    return 0;
}

static void print_diags(stk_diags *d, int no_color)
{
    if (d->len) stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(d);
}

static char *command_line(int argc, char **argv)
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_puts(&b, "stk");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int quote = !*a || strpbrk(a, " \t\"'$\\") != NULL;
        stk_strbuf_putc(&b, ' ');
        if (!quote) {
            stk_strbuf_puts(&b, a);
            continue;
        }
        stk_strbuf_putc(&b, '\'');
        for (; *a; a++) {
            if (*a == '\'') stk_strbuf_puts(&b, "'\\''");
            else stk_strbuf_putc(&b, *a);
        }
        stk_strbuf_putc(&b, '\'');
    }
    return stk_strbuf_detach(&b);
}

/* The session of one command, with the remote backend plugged in when
   `stk init` configured one (its lock, and the S3 backup after changes). */
static stk_backend_session backend;

static int open_session(stk_state_session *s, const char *op, const lock_opts *lo, int lock, stk_diags *d)
{
    stk_session_opts o = {0};
    o.operation = op;
    o.no_lock = lo->no_lock || !lock;
    o.lock_timeout_ms = lo->timeout_ms;
    /* state changes: protected workspaces (engine/git) and git provenance in the history row */
    if (lock && (stk_git_check_protected(".", NULL, lo->allow_dirty, d) || stk_git_record_provenance(".", NULL, d)))
        return -1;
    if (stk_backend_session_opts(".", &o, &backend, d)) return -1;
    if (stk_session_open(".", &o, s, d)) {
        stk_backend_session_free(&backend);
        return -1;
    }
    stk_backend_session_attach(&backend, s);
    return 0;
}

static void close_session(stk_state_session *s)
{
    stk_session_close(s);
    stk_backend_session_free(&backend);
}

static int unknown_option(const char *sub, const char *arg)
{
    fprintf(stderr, "Error: unknown option %s for `stk state %s`\n\nRun `stk state %s -help` for usage.\n", arg, sub,
            sub);
    return STK_EXIT_ERROR;
}

static char *read_input(const char *path, stk_diags *d)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        stk_diags_error(d, NULL, "Cannot read the state file", "%s: %s", path, strerror(errno));
        return NULL;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(&b, buf, n);
    int err = ferror(f);
    if (f != stdin) fclose(f);
    if (err) {
        stk_diags_error(d, NULL, "Cannot read the state file", "%s: read error", path);
        stk_strbuf_free(&b);
        return NULL;
    }
    return b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
}

/* ---- rendering an object as `terraform state show` does ------------------ */

typedef struct {
    int kind;           /* 0 attr / map key, 1 list index */
    const char *name;
    size_t idx;
} step;

static int step_matches(json_t *s, const step *st)
{
    const char *type = json_string_value(json_object_get(s, "type"));
    json_t *v = json_object_get(s, "value");
    if (!type) return 0;
    if (strcmp(type, "get_attr") == 0) return st->kind == 0 && json_is_string(v) && strcmp(json_string_value(v), st->name) == 0;
    json_t *iv = json_object_get(v, "value");
    if (st->kind == 0) return json_is_string(iv) && strcmp(json_string_value(iv), st->name) == 0;
    return json_is_integer(iv) && (size_t)json_integer_value(iv) == st->idx;
}

/* Is the value at path (steps[0..n)) sensitive, or inside a sensitive one? */
static int is_sensitive(json_t *paths, const step *steps, size_t n)
{
    size_t i;
    json_t *p;
    json_array_foreach(paths, i, p) {
        size_t plen = json_array_size(p);
        if (plen == 0 || plen > n) continue;
        int ok = 1;
        for (size_t k = 0; k < plen && ok; k++) ok = step_matches(json_array_get(p, k), &steps[k]);
        if (ok) return 1;
    }
    return 0;
}

static void indent(stk_strbuf *b, int level)
{
    for (int i = 0; i < level; i++) stk_strbuf_puts(b, "    ");
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void render_value(stk_strbuf *b, json_t *v, int level, json_t *paths, step *steps, size_t n, int show);

static int is_ident(const char *k)
{
    if (!*k || !((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_')) return 0;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_' ||
              *k == '-'))
            return 0;
    return 1;
}

/* Object body: `key = value` lines, keys sorted and aligned, nulls left out.
   quote_keys: map keys are printed quoted ("Name" = ...) below the top. */
static void render_object(stk_strbuf *b, json_t *o, int level, json_t *paths, step *steps, size_t n, int show,
                          int quote_keys)
{
    size_t cnt = json_object_size(o), k = 0, width = 0;
    const char **keys = stk_xmalloc((cnt ? cnt : 1) * sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (json_is_null(v)) continue;
        keys[k++] = key;
    }
    qsort(keys, k, sizeof *keys, cmp_keys);
    for (size_t i = 0; i < k; i++) {
        size_t w = strlen(keys[i]) + ((quote_keys || !is_ident(keys[i])) ? 2 : 0);
        if (w > width) width = w;
    }
    for (size_t i = 0; i < k; i++) {
        indent(b, level);
        size_t w;
        if (quote_keys || !is_ident(keys[i])) {
            json_t *js = json_string(keys[i]);
            char *q = json_dumps(js, JSON_ENCODE_ANY);
            stk_strbuf_puts(b, q);
            w = strlen(q);
            free(q);
            json_decref(js);
        } else {
            stk_strbuf_puts(b, keys[i]);
            w = strlen(keys[i]);
        }
        for (; w < width; w++) stk_strbuf_putc(b, ' ');
        stk_strbuf_puts(b, " = ");
        steps[n].kind = 0;
        steps[n].name = keys[i];
        render_value(b, json_object_get(o, keys[i]), level, paths, steps, n + 1, show);
        stk_strbuf_putc(b, '\n');
    }
    free(keys);
}

#define MAX_DEPTH 64

static void render_value(stk_strbuf *b, json_t *v, int level, json_t *paths, step *steps, size_t n, int show)
{
    if (!show && is_sensitive(paths, steps, n)) {
        stk_strbuf_puts(b, "(sensitive value)");
        return;
    }
    if (n >= MAX_DEPTH - 1) {
        stk_strbuf_puts(b, "(nested too deep)");
        return;
    }
    if (json_is_array(v)) {
        if (json_array_size(v) == 0) {
            stk_strbuf_puts(b, "[]");
            return;
        }
        stk_strbuf_puts(b, "[\n");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            indent(b, level + 1);
            steps[n].kind = 1;
            steps[n].idx = i;
            steps[n].name = NULL;
            render_value(b, e, level + 1, paths, steps, n + 1, show);
            stk_strbuf_puts(b, ",\n");
        }
        indent(b, level);
        stk_strbuf_putc(b, ']');
        return;
    }
    if (json_is_object(v)) {
        if (json_object_size(v) == 0) {
            stk_strbuf_puts(b, "{}");
            return;
        }
        stk_strbuf_puts(b, "{\n");
        render_object(b, v, level + 1, paths, steps, n, show, 1);
        indent(b, level);
        stk_strbuf_putc(b, '}');
        return;
    }
    char *s = stk_json_dump(v, STK_JSON_COMPACT);
    stk_strbuf_puts(b, s);
    free(s);
}

static void render_instance(stk_strbuf *b, const stk_state_instance *in, int show)
{
    stk_strbuf_printf(b, "# %s:", in->address);
    if (in->deposed && *in->deposed) stk_strbuf_printf(b, " (deposed object %s)", in->deposed);
    if (in->tainted) stk_strbuf_puts(b, " (tainted)");
    stk_strbuf_putc(b, '\n');
    stk_strbuf_printf(b, "%s \"%s\" \"%s\" {\n", in->parts.mode == STK_MODE_DATA ? "data" : "resource",
                      in->parts.type ? in->parts.type : "?", in->parts.name ? in->parts.name : "?");
    json_t *attrs = json_loads(in->attributes ? in->attributes : "{}", 0, NULL);
    json_t *paths = json_loads(in->sensitive_paths ? in->sensitive_paths : "[]", 0, NULL);
    if (!json_is_array(paths)) {
        json_decref(paths);
        paths = json_array();
    }
    step steps[MAX_DEPTH];
    if (json_is_object(attrs)) render_object(b, attrs, 1, paths, steps, 0, show, 0);
    stk_strbuf_puts(b, "}\n");
    json_decref(attrs);
    json_decref(paths);
}

/* ---- the objects of the current state or of a past serial ---------------- */

/* filters: the addresses given (none: all) */
static int load_objects(stk_state *st, long long serial, const char *const *filters, size_t nf,
                        stk_state_instance_list *out, stk_diags *d)
{
    if (serial < 0) return stk_state_list(st, filters, nf, out, d);
    out->items = NULL;
    out->len = 0;
    char *json = NULL;
    int found = stk_history_state_at(st, serial, &json, d);
    if (found < 0) return -1;
    if (!found) {
        stk_diags_error(d, NULL, "No such serial",
                        "The state history has no serial %lld (the current serial is %lld); see `stk state "
                        "history`.", serial, (long long)stk_state_serial(st));
        return -1;
    }
    stk_tfstate t;
    int rc = stk_tfstate_parse_text(json, &t, d);
    free(json);
    if (rc) return -1;
    stk_addr *f = stk_xcalloc(nf ? nf : 1, sizeof *f);
    for (size_t i = 0; i < nf; i++) {
        char *err = NULL;
        if (stk_addr_parse(filters[i], &f[i], &err) != 0) {
            stk_diags_error(d, NULL, "Invalid resource address", "%s", err);
            free(err);
            rc = -1;
        }
    }
    if (rc == 0) {
        out->items = stk_xcalloc(t.instances.len ? t.instances.len : 1, sizeof *out->items);
        for (size_t i = 0; i < t.instances.len; i++) {
            int keep = nf == 0;
            for (size_t k = 0; k < nf && !keep; k++) keep = stk_addr_match(&f[k], &t.instances.items[i].parts);
            if (keep) {
                out->items[out->len++] = t.instances.items[i];
                memset(&t.instances.items[i], 0, sizeof t.instances.items[i]);
            }
        }
    }
    for (size_t i = 0; i < nf; i++) stk_addr_free(&f[i]);
    free(f);
    stk_tfstate_free(&t);
    return rc;
}

/* ---- subcommands ----------------------------------------------------------- */

static int state_list(int argc, char **argv)
{
    lock_opts lo = {0};
    const char *id = NULL;
    int first = argc;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state list [options] [ADDRESS...]\n\n"
                   "  List the resource instances in the state of the selected workspace, one\n"
                   "  address per line. ADDRESS filters: a resource (aws_vpc.main: all its\n"
                   "  instances), an instance (aws_subnet.a[0]) or a module (module.net: all\n"
                   "  within it).\n\n"
                   "Options:\n"
                   "  -id=ID        Only instances whose \"id\" attribute is ID\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_opt(argc, argv, &i, "id", &id)) continue;
        if (argv[i][0] == '-') return unknown_option("list", argv[i]);
        first = i;
        break;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state list", &lo, 0, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    stk_state_instance_list l;
    int rc = stk_state_list(s.st, (const char *const *)argv + first, (size_t)(argc - first), &l, &d);
    if (rc == 0) {
        const char *last = "";
        for (size_t i = 0; i < l.len; i++) {
            if (strcmp(l.items[i].address, last) == 0) continue;   /* deposed objects of the same instance */
            if (id) {
                json_t *a = json_loads(l.items[i].attributes, 0, NULL);
                const char *v = json_string_value(json_object_get(a, "id"));
                int keep = v && strcmp(v, id) == 0;
                json_decref(a);
                if (!keep) continue;
            }
            printf("%s\n", l.items[i].address);
            last = l.items[i].address;
        }
        stk_state_instance_list_free(&l);
    }
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static int state_show(int argc, char **argv)
{
    lock_opts lo = {0};
    const char *serial_s = NULL;
    int show_sensitive = 0;
    const char *addr = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state show [options] ADDRESS\n"
                   "       stk state show -serial=N [ADDRESS]\n\n"
                   "  Show the attributes of a resource instance in the state, as Terraform\n"
                   "  prints them. Sensitive values are shown as (sensitive value).\n"
                   "  With -serial, show the state as it was at serial N (see `stk state\n"
                   "  history`); without ADDRESS, list the instances of that state.\n\n"
                   "Options:\n"
                   "  -serial=N         A past serial instead of the current state\n"
                   "  -show-sensitive   Print sensitive values too\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_opt(argc, argv, &i, "serial", &serial_s)) continue;
        if (stk_cli_flag(argv[i], "show-sensitive")) {
            show_sensitive = 1;
            continue;
        }
        if (argv[i][0] == '-') return unknown_option("show", argv[i]);
        if (addr) {
            fprintf(stderr, "Error: `stk state show` takes one address (got %s and %s)\n", addr, argv[i]);
            return STK_EXIT_ERROR;
        }
        addr = argv[i];
    }
    long long serial = -1;
    if (serial_s) {
        char *end;
        errno = 0;
        serial = strtoll(serial_s, &end, 10);
        if (errno || *end || serial < 0) {
            fprintf(stderr, "Error: invalid -serial \"%s\": a non-negative integer is expected\n", serial_s);
            return STK_EXIT_ERROR;
        }
    }
    if (!addr && serial < 0) {
        fprintf(stderr, "Error: `stk state show` needs an ADDRESS (or -serial=N to list a past state)\n\n"
                        "Run `stk state show -help` for usage.\n");
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state show", &lo, 0, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    stk_state_instance_list l;
    const char *f[1] = {addr};
    int rc = load_objects(s.st, serial, f, addr ? 1 : 0, &l, &d);
    if (rc == 0) {
        if (!addr) {
            printf("# state at serial %lld\n", serial);
            const char *last = "";
            for (size_t i = 0; i < l.len; i++) {
                if (strcmp(l.items[i].address, last) == 0) continue;
                printf("%s\n", l.items[i].address);
                last = l.items[i].address;
            }
        } else if (l.len == 0) {
            stk_diags_error(&d, NULL, "No instance found for the given address",
                            "The state%s%s has no object at %s.", serial >= 0 ? " at serial " : "",
                            serial >= 0 ? serial_s : "", addr);
            rc = -1;
        } else {
            stk_strbuf b = STK_STRBUF_INIT;
            for (size_t i = 0; i < l.len; i++) {
                if (i) stk_strbuf_putc(&b, '\n');
                render_instance(&b, &l.items[i], show_sensitive);
            }
            fputs(stk_strbuf_cstr(&b), stdout);
            stk_strbuf_free(&b);
        }
        stk_state_instance_list_free(&l);
    }
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static int state_rm(int argc, char **argv)
{
    lock_opts lo = {0};
    int dry = 0, first = argc;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state rm [options] ADDRESS...\n\n"
                   "  Remove instances from the state: stk forgets them; the cloud resources\n"
                   "  are NOT destroyed. An address of a resource or module removes every\n"
                   "  instance under it.\n\n"
                   "Options:\n"
                   "  -dry-run             Only list what would be removed\n"
                   "  -lock=false          Don't hold the state lock (dangerous)\n"
                   "  -lock-timeout=DUR    Wait up to DUR for the state lock\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_flag(argv[i], "dry-run")) {
            dry = 1;
            continue;
        }
        if (argv[i][0] == '-') return unknown_option("rm", argv[i]);
        first = i;
        break;
    }
    if (first >= argc) {
        fprintf(stderr, "Error: `stk state rm` needs at least one address\n\nRun `stk state rm -help` for usage.\n");
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state rm", &lo, !dry, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    int rc = 0;
    size_t total = 0;
    if (!dry) rc = stk_state_begin(s.st, &d);
    for (int i = first; i < argc && rc == 0; i++) {
        stk_state_instance_list l;
        const char *f[1] = {argv[i]};
        if (stk_state_list(s.st, f, 1, &l, &d)) {
            rc = -1;
            break;
        }
        if (l.len == 0) {
            stk_diags_error(&d, NULL, "Invalid target address", "No matching objects found for %s.", argv[i]);
            rc = -1;
        }
        const char *last = "";
        for (size_t k = 0; k < l.len; k++) {
            if (strcmp(l.items[k].address, last) != 0)
                printf("%s %s\n", dry ? "Would remove" : "Removed", l.items[k].address);
            last = l.items[k].address;
        }
        size_t n = 0;
        if (rc == 0 && !dry && stk_state_rm(s.st, argv[i], &n, &d)) rc = -1;
        total += dry ? l.len : n;
        stk_state_instance_list_free(&l);
    }
    if (!dry) {
        if (rc == 0) rc = stk_state_commit(s.st, &d);
        else stk_state_rollback(s.st);
    }
    if (rc == 0 && !dry) {
        char *cl = command_line(argc + 1, argv - 1);
        char *sum = stk_xasprintf("removed %zu object(s) from the state", total);
        rc = stk_session_finish(&s, cl, sum, &d);
        free(cl);
        free(sum);
    }
    if (rc == 0)
        printf("%s %zu resource instance object(s).\n", dry ? "Would remove" : "Successfully removed", total);
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static int state_mv(int argc, char **argv)
{
    lock_opts lo = {0};
    int dry = 0;
    const char *pos[3];
    int np = 0;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state mv [options] SOURCE DESTINATION\n\n"
                   "  Move an instance, a whole resource or a module to another address in\n"
                   "  the state (after renaming it in the configuration), so stk does not\n"
                   "  destroy and recreate it. The resource type cannot change and the\n"
                   "  destination must not exist.\n\n"
                   "Options:\n"
                   "  -dry-run             Only print what would move\n"
                   "  -lock=false          Don't hold the state lock (dangerous)\n"
                   "  -lock-timeout=DUR    Wait up to DUR for the state lock\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_flag(argv[i], "dry-run")) {
            dry = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) return unknown_option("mv", argv[i]);
        if (np < 3) pos[np] = argv[i];
        np++;
    }
    if (np != 2) {
        fprintf(stderr, "Error: `stk state mv` takes exactly two addresses: SOURCE DESTINATION\n\n"
                        "Run `stk state mv -help` for usage.\n");
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state mv", &lo, 1, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    size_t n = 0;
    int rc = stk_state_begin(s.st, &d);
    if (rc == 0) rc = stk_state_mv(s.st, pos[0], pos[1], &n, &d);
    if (rc == 0 && dry) stk_state_rollback(s.st);
    else if (rc == 0) rc = stk_state_commit(s.st, &d);
    else stk_state_rollback(s.st);
    if (rc == 0 && !dry) {
        char *cl = command_line(argc + 1, argv - 1);
        char *sum = stk_xasprintf("moved %s to %s (%zu object(s))", pos[0], pos[1], n);
        rc = stk_session_finish(&s, cl, sum, &d);
        free(cl);
        free(sum);
    }
    if (rc == 0) {
        printf("%s \"%s\" to \"%s\"\n", dry ? "Would move" : "Move", pos[0], pos[1]);
        if (!dry) printf("Successfully moved %zu object(s).\n", n);
    }
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static int state_pull(int argc, char **argv)
{
    lock_opts lo = {0};
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state pull\n\n"
                   "  Print the state of the selected workspace on standard output in\n"
                   "  Terraform's state format (version 4 JSON), as `terraform state pull`.\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (!r) return unknown_option("pull", argv[i]);
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state pull", &lo, 0, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    char *text = stk_tfstate_export_text(s.st, &d);
    if (text) printf("%s\n", text);
    free(text);
    close_session(&s);
    print_diags(&d, lo.no_color);
    return text ? STK_EXIT_OK : STK_EXIT_ERROR;
}

/* push and import-tfstate */
static int state_load(int argc, char **argv, int mode)
{
    const char *sub = mode == STK_TFSTATE_PUSH ? "push" : "import-tfstate";
    lock_opts lo = {0};
    int force = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            if (mode == STK_TFSTATE_PUSH)
                printf("Usage: stk state push [options] FILE\n\n"
                       "  Replace the state of the selected workspace with FILE, a Terraform state\n"
                       "  (version 4 JSON; \"-\" reads standard input), as `terraform state push`:\n"
                       "  refused when FILE has another lineage, a lower serial, or the same\n"
                       "  serial with different content. The replaced state stays in the history.\n\n"
                       "Options:\n"
                       "  -force               Skip the lineage and serial checks\n"
                       "  -lock=false          Don't hold the state lock (dangerous)\n"
                       "  -lock-timeout=DUR    Wait up to DUR for the state lock\n");
            else
                printf("Usage: stk state import-tfstate [options] FILE\n\n"
                       "  Adopt an existing Terraform state (terraform.tfstate, version 4) into the\n"
                       "  selected workspace: modules, count and for_each instances, deposed\n"
                       "  objects, outputs and sensitive attributes. The workspace takes the\n"
                       "  file's lineage and serial.\n\n"
                       "Options:\n"
                       "  -force               Replace a non-empty state (it stays in the history)\n"
                       "  -lock=false          Don't hold the state lock (dangerous)\n"
                       "  -lock-timeout=DUR    Wait up to DUR for the state lock\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_flag(argv[i], "force")) {
            force = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) return unknown_option(sub, argv[i]);
        if (file) {
            fprintf(stderr, "Error: `stk state %s` takes one file\n", sub);
            return STK_EXIT_ERROR;
        }
        file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "Error: `stk state %s` needs a FILE\n\nRun `stk state %s -help` for usage.\n", sub, sub);
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    char *text = read_input(file, &d);
    json_t *root = NULL;
    if (text) {
        root = stk_json_load(text, file, &d);
        if (root && !json_is_object(root)) {
            stk_diags_error(&d, NULL, "Invalid Terraform state", "%s is not a JSON object", file);
            json_decref(root);
            root = NULL;
        }
        free(text);
    }
    if (!root) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    stk_state_session s;
    if (open_session(&s, mode == STK_TFSTATE_PUSH ? "state push" : "state import-tfstate", &lo, 1, &d)) {
        json_decref(root);
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    int rc = stk_tfstate_load(s.st, root, mode, force, &d);
    json_decref(root);
    size_t ni = 0, no = 0;
    if (rc == 0) rc = stk_state_count(s.st, &ni, &no, &d);
    if (rc == 0) {
        char *cl = command_line(argc + 1, argv - 1);
        char *sum = stk_xasprintf("%s %s: %zu object(s), %zu output(s)", mode == STK_TFSTATE_PUSH ? "pushed" : "imported",
                                  file, ni, no);
        rc = stk_session_finish(&s, cl, sum, &d);
        free(cl);
        free(sum);
    }
    if (rc == 0)
        printf("%s %s: %zu resource instance object(s) and %zu output(s); serial %lld, lineage %s.\n",
               mode == STK_TFSTATE_PUSH ? "Pushed" : "Imported", file, ni, no, (long long)stk_state_serial(s.st),
               stk_state_lineage(s.st));
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static int state_restore(int argc, char **argv)
{
    lock_opts lo = {0};
    const char *serial_s = NULL;
    /* --from s3://BUCKET/KEY [--version-id V]: a snapshot of the S3 backend (cmd_backend.c) */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--from") == 0 || strcmp(argv[i], "-from") == 0 || strncmp(argv[i], "--from=", 7) == 0 ||
            strncmp(argv[i], "-from=", 6) == 0)
            return stk_backend_restore_cmd(argc, argv, "state restore");
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state restore -serial=N\n"
                   "       stk state restore --from s3://BUCKET/KEY [--version-id V]\n\n"
                   "  Make the state as it was at serial N the current state again. The\n"
                   "  restore is itself a change: it gets a new serial, and the state it\n"
                   "  replaces stays in the history. With --from, the state comes from a\n"
                   "  snapshot in S3 (`stk state restore --from x -help` for details).\n\n"
                   "Options:\n"
                   "  -serial=N            The serial to restore (see `stk state history`)\n"
                   "  -lock=false          Don't hold the state lock (dangerous)\n"
                   "  -lock-timeout=DUR    Wait up to DUR for the state lock\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_opt(argc, argv, &i, "serial", &serial_s)) continue;
        return unknown_option("restore", argv[i]);
    }
    char *end = NULL;
    long long serial = serial_s ? strtoll(serial_s, &end, 10) : -1;
    if (!serial_s || *end || serial < 0) {
        fprintf(stderr, "Error: `stk state restore` needs -serial=N (a non-negative integer)\n");
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state restore", &lo, 1, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    int64_t before = stk_state_serial(s.st);
    int rc = stk_history_restore(s.st, serial, &d);
    if (rc == 0) {
        char *cl = command_line(argc + 1, argv - 1);
        char *sum = stk_xasprintf("restored serial %lld (was at serial %lld)", serial, (long long)before);
        rc = stk_session_finish(&s, cl, sum, &d);
        free(cl);
        free(sum);
    }
    if (rc == 0)
        printf("Restored the state of serial %lld as serial %lld (it was at serial %lld).\n", serial,
               (long long)stk_state_serial(s.st), (long long)before);
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static int state_history(int argc, char **argv)
{
    lock_opts lo = {0};
    int json_out = 0;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk state history [-json]\n\n"
                   "  List the serials of the state with the command that produced each one\n"
                   "  (who, when, command line, summary), then the interrupted operations\n"
                   "  that crash recovery resolved. `stk state show -serial=N` shows a past\n"
                   "  state; `stk state restore -serial=N` brings it back.\n\n"
                   "Options:\n"
                   "  -json   Machine-readable output\n");
            return STK_EXIT_OK;
        }
        int r = lock_option(argc, argv, &i, &lo);
        if (r < 0) return STK_EXIT_ERROR;
        if (r) continue;
        if (stk_cli_flag(argv[i], "json")) {
            json_out = 1;
            continue;
        }
        return unknown_option("history", argv[i]);
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s;
    if (open_session(&s, "state history", &lo, 0, &d)) {
        print_diags(&d, lo.no_color);
        return STK_EXIT_ERROR;
    }
    stk_snapshot_info *snaps = NULL;
    size_t ns = 0, nh = 0;
    stk_history_entry *h = NULL;
    int rc = stk_history_snapshots(s.st, &snaps, &ns, &d);
    if (rc == 0) rc = stk_history_list(s.st, &h, &nh, &d);
    if (rc == 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < ns; i++) {
            /* the last command that left this serial */
            const stk_history_entry *e = NULL;
            for (size_t k = 0; k < nh; k++)
                if (h[k].serial == snaps[i].serial) e = &h[k];
            if (json_out) {
                json_t *o = json_pack("{s:I, s:s, s:s, s:I}", "serial", (json_int_t)snaps[i].serial, "created_at",
                                      snaps[i].created_at, "sha256", snaps[i].sha256, "size", (json_int_t)snaps[i].size);
                if (e) {
                    json_object_set_new(o, "who", json_string(e->who));
                    json_object_set_new(o, "command", json_string(e->command));
                    if (e->plan_summary) json_object_set_new(o, "summary", json_string(e->plan_summary));
                    if (e->git_commit) json_object_set_new(o, "git_commit", json_string(e->git_commit));
                }
                json_array_append_new(arr, o);
            } else {
                printf("%-6lld %s  %-20s %s%s%s%s\n", (long long)snaps[i].serial, snaps[i].created_at,
                       e ? e->who : "-", e ? e->command : "(no command recorded)",
                       e && e->plan_summary ? "  [" : "", e && e->plan_summary ? e->plan_summary : "",
                       e && e->plan_summary ? "]" : "");
            }
        }
        /* what crash recovery did (journal intents resolved on a later start) */
        stk_journal_list rec;
        if (stk_journal_recoveries(s.st, 20, &rec, &d) == 0) {
            if (!json_out && rec.len) printf("\nRecovered interrupted operations (newest first):\n");
            json_t *jr = json_array();
            for (size_t i = 0; i < rec.len; i++) {
                if (json_out)
                    json_array_append_new(jr, json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}", "intent",
                                                        (json_int_t)rec.items[i].id, "action",
                                                        stk_journal_action_name(rec.items[i].action), "address",
                                                        rec.items[i].address, "status", rec.items[i].status,
                                                        "resolved_at", rec.items[i].finished_at, "note",
                                                        rec.items[i].note));
                else
                    printf("  %s  %s\n", rec.items[i].finished_at ? rec.items[i].finished_at : "-",
                           rec.items[i].note ? rec.items[i].note : rec.items[i].address);
            }
            stk_journal_list_free(&rec);
            if (json_out) {
                json_t *top = json_pack("{s:o, s:o}", "serials", arr, "recoveries", jr);
                char *t = stk_json_dump(top, STK_JSON_INDENT);
                printf("%s\n", t);
                free(t);
                json_decref(top);
                arr = NULL;
            } else {
                json_decref(jr);
            }
        } else {
            rc = -1;
        }
        json_decref(arr);
    }
    stk_history_snapshots_free(snaps, ns);
    stk_history_entries_free(h, nh);
    close_session(&s);
    print_diags(&d, lo.no_color);
    return rc ? STK_EXIT_ERROR : STK_EXIT_OK;
}

static void state_usage(FILE *f)
{
    fprintf(f, "Usage: stk state <subcommand> [options] [args]\n\n"
               "  Inspect and edit the state of the selected workspace (.stk/<workspace>.db).\n\n"
               "Subcommands:\n"
               "  list             List the resource instances in the state\n"
               "  show             Show an instance's attributes (-serial=N: a past state)\n"
               "  rm               Forget instances (the cloud resources are kept)\n"
               "  mv               Move an instance, resource or module to a new address\n"
               "  pull             Print the state as Terraform state v4 JSON\n"
               "  push             Replace the state with a Terraform state file\n"
               "  import-tfstate   Adopt an existing terraform.tfstate\n"
               "  history          List the serials and the commands that made them\n"
               "  restore          Make a past serial current again\n");
}

int cmd_state(int argc, char **argv)
{
    if (argc < 2) {
        state_usage(stderr);
        return STK_EXIT_ERROR;
    }
    if (stk_cli_is_help(argv[1])) {
        state_usage(stdout);
        return STK_EXIT_OK;
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    if (strcmp(sub, "list") == 0) return state_list(argc, argv);
    if (strcmp(sub, "show") == 0) return state_show(argc, argv);
    if (strcmp(sub, "rm") == 0) return state_rm(argc, argv);
    if (strcmp(sub, "mv") == 0) return state_mv(argc, argv);
    if (strcmp(sub, "pull") == 0) return state_pull(argc, argv);
    if (strcmp(sub, "push") == 0) return state_load(argc, argv, STK_TFSTATE_PUSH);
    if (strcmp(sub, "import-tfstate") == 0) return state_load(argc, argv, STK_TFSTATE_ADOPT);
    if (strcmp(sub, "restore") == 0) return state_restore(argc, argv);
    if (strcmp(sub, "history") == 0) return state_history(argc, argv);
    fprintf(stderr, "Error: unknown subcommand `stk state %s`\n\n", sub);
    state_usage(stderr);
    return STK_EXIT_ERROR;
}
