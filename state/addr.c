/* addr.c - parsing, formatting and matching of resource instance addresses
 * (see addr.h).  A small hand-written scanner: identifiers, '.', and index
 * keys in brackets (a decimal integer or a double-quoted string with JSON
 * escapes). */
#include "addr.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s, *p;
    char *err;
} scan;

static int fail(scan *sc, const char *what)
{
    if (!sc->err)
        sc->err = stk_xasprintf("invalid address \"%s\": %s at position %d", sc->s, what,
                                (int)(sc->p - sc->s) + 1);
    return -1;
}

static int is_ident_start(int c) { return isalpha(c) || c == '_'; }
static int is_ident(int c) { return isalnum(c) || c == '_' || c == '-'; }

static int scan_ident(scan *sc, char **out)
{
    const char *b = sc->p;
    if (!is_ident_start((unsigned char)*b)) return fail(sc, "expected a name");
    while (is_ident((unsigned char)*sc->p)) sc->p++;
    *out = stk_xstrndup(b, (size_t)(sc->p - b));
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(stk_strbuf *b, unsigned cp)
{
    if (cp < 0x80) stk_strbuf_putc(b, (char)cp);
    else if (cp < 0x800) {
        stk_strbuf_putc(b, (char)(0xC0 | (cp >> 6)));
        stk_strbuf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        stk_strbuf_putc(b, (char)(0xE0 | (cp >> 12)));
        stk_strbuf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        stk_strbuf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        stk_strbuf_putc(b, (char)(0xF0 | (cp >> 18)));
        stk_strbuf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        stk_strbuf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        stk_strbuf_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* key -> '[' ( INT | STRING ) ']' ; called with sc->p at '[' */
static int scan_key(scan *sc, stk_key *k)
{
    sc->p++;
    if (*sc->p == '"') {
        stk_strbuf b = STK_STRBUF_INIT;
        sc->p++;
        for (;;) {
            char c = *sc->p;
            if (c == 0) { stk_strbuf_free(&b); return fail(sc, "unterminated string key"); }
            sc->p++;
            if (c == '"') break;
            if (c != '\\') { stk_strbuf_putc(&b, c); continue; }
            c = *sc->p++;
            switch (c) {
            case '"': case '\\': case '/': stk_strbuf_putc(&b, c); break;
            case 'n': stk_strbuf_putc(&b, '\n'); break;
            case 't': stk_strbuf_putc(&b, '\t'); break;
            case 'r': stk_strbuf_putc(&b, '\r'); break;
            case 'b': stk_strbuf_putc(&b, '\b'); break;
            case 'f': stk_strbuf_putc(&b, '\f'); break;
            case 'u': {
                unsigned cp = 0;
                for (int j = 0; j < 4; j++) {
                    int h = hexval((unsigned char)*sc->p);
                    if (h < 0) { stk_strbuf_free(&b); return fail(sc, "bad \\u escape"); }
                    cp = cp * 16 + (unsigned)h;
                    sc->p++;
                }
                put_utf8(&b, cp);
                break;
            }
            default:
                stk_strbuf_free(&b);
                sc->p--;
                return fail(sc, "bad escape in string key");
            }
        }
        k->kind = STK_KEY_STR;
        k->s = b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
    } else {
        const char *b = sc->p;
        if (*sc->p == '-') sc->p++;
        if (!isdigit((unsigned char)*sc->p)) return fail(sc, "expected an integer or a quoted string key");
        while (isdigit((unsigned char)*sc->p)) sc->p++;
        errno = 0;
        long long v = strtoll(b, NULL, 10);
        if (errno) return fail(sc, "index out of range");
        k->kind = STK_KEY_INT;
        k->i = v;
    }
    if (*sc->p != ']') return fail(sc, "expected ']'");
    sc->p++;
    return 0;
}

void stk_key_free(stk_key *k)
{
    free(k->s);
    k->s = NULL;
    k->kind = STK_KEY_NONE;
}

void stk_key_copy(stk_key *dst, const stk_key *src)
{
    dst->kind = src->kind;
    dst->i = src->i;
    dst->s = src->s ? stk_xstrdup(src->s) : NULL;
}

int stk_key_equal(const stk_key *a, const stk_key *b)
{
    if (a->kind != b->kind) return 0;
    if (a->kind == STK_KEY_INT) return a->i == b->i;
    if (a->kind == STK_KEY_STR) return strcmp(a->s, b->s) == 0;
    return 1;
}

void stk_addr_free(stk_addr *a)
{
    for (size_t i = 0; i < a->nmodules; i++) {
        free(a->modules[i].name);
        stk_key_free(&a->modules[i].key);
    }
    free(a->modules);
    free(a->type);
    free(a->name);
    stk_key_free(&a->key);
    memset(a, 0, sizeof *a);
}

static int parse(const char *s, stk_addr *a, int module_only, char **err)
{
    scan sc = {s, s, NULL};
    memset(a, 0, sizeof *a);
    size_t cap = 0;
    if (module_only && *s == 0) return 0;
    for (;;) {
        if (strncmp(sc.p, "module.", 7) == 0) {
            sc.p += 7;
            if (a->nmodules == cap) {
                cap = cap ? cap * 2 : 4;
                a->modules = stk_xrealloc(a->modules, cap * sizeof *a->modules);
            }
            stk_module_step *m = &a->modules[a->nmodules];
            memset(m, 0, sizeof *m);
            if (scan_ident(&sc, &m->name) != 0) goto bad;
            a->nmodules++;
            if (*sc.p == '[' && scan_key(&sc, &m->key) != 0) goto bad;
            if (*sc.p == 0) return 0;
            if (*sc.p != '.') { fail(&sc, "expected '.'"); goto bad; }
            sc.p++;
            continue;
        }
        if (module_only) { fail(&sc, "expected \"module.\""); goto bad; }
        break;
    }
    a->has_resource = 1;
    a->mode = STK_MODE_MANAGED;
    if (strncmp(sc.p, "data.", 5) == 0) {
        a->mode = STK_MODE_DATA;
        sc.p += 5;
    }
    if (scan_ident(&sc, &a->type) != 0) goto bad;
    if (*sc.p != '.') { fail(&sc, "expected '.' between resource type and name"); goto bad; }
    sc.p++;
    if (scan_ident(&sc, &a->name) != 0) goto bad;
    if (*sc.p == '[') {
        if (scan_key(&sc, &a->key) != 0) goto bad;
        a->key_given = 1;
    }
    if (*sc.p != 0) { fail(&sc, "unexpected text after the address"); goto bad; }
    return 0;
bad:
    stk_addr_free(a);
    if (err) *err = sc.err;
    else free(sc.err);
    return -1;
}

int stk_addr_parse(const char *s, stk_addr *a, char **err)
{
    return parse(s, a, 0, err);
}

int stk_addr_parse_module(const char *s, stk_addr *a, char **err)
{
    return parse(s, a, 1, err);
}

static void put_key(stk_strbuf *b, const stk_key *k)
{
    if (k->kind == STK_KEY_INT) {
        stk_strbuf_printf(b, "[%lld]", k->i);
    } else if (k->kind == STK_KEY_STR) {
        stk_strbuf_puts(b, "[\"");
        for (const unsigned char *p = (const unsigned char *)k->s; *p; p++) {
            if (*p == '"' || *p == '\\') {
                stk_strbuf_putc(b, '\\');
                stk_strbuf_putc(b, (char)*p);
            } else if (*p == '\n') stk_strbuf_puts(b, "\\n");
            else if (*p == '\t') stk_strbuf_puts(b, "\\t");
            else if (*p == '\r') stk_strbuf_puts(b, "\\r");
            else if (*p < 0x20) stk_strbuf_printf(b, "\\u%04x", *p);
            else stk_strbuf_putc(b, (char)*p);
        }
        stk_strbuf_puts(b, "\"]");
    }
}

char *stk_key_format(const stk_key *k)
{
    stk_strbuf b = STK_STRBUF_INIT;
    put_key(&b, k);
    return b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
}

static void put_modules(stk_strbuf *b, const stk_addr *a)
{
    for (size_t i = 0; i < a->nmodules; i++) {
        if (i) stk_strbuf_putc(b, '.');
        stk_strbuf_printf(b, "module.%s", a->modules[i].name);
        put_key(b, &a->modules[i].key);
    }
}

char *stk_addr_module_string(const stk_addr *a)
{
    stk_strbuf b = STK_STRBUF_INIT;
    put_modules(&b, a);
    return b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
}

static void put_resource(stk_strbuf *b, const stk_addr *a)
{
    put_modules(b, a);
    if (!a->has_resource) return;
    if (a->nmodules) stk_strbuf_putc(b, '.');
    if (a->mode == STK_MODE_DATA) stk_strbuf_puts(b, "data.");
    stk_strbuf_printf(b, "%s.%s", a->type, a->name);
}

char *stk_addr_resource_string(const stk_addr *a)
{
    stk_strbuf b = STK_STRBUF_INIT;
    put_resource(&b, a);
    return b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
}

char *stk_addr_format(const stk_addr *a)
{
    stk_strbuf b = STK_STRBUF_INIT;
    put_resource(&b, a);
    if (a->has_resource) put_key(&b, &a->key);
    return b.s ? stk_strbuf_detach(&b) : stk_xstrdup("");
}

int stk_addr_match(const stk_addr *f, const stk_addr *inst)
{
    if (f->nmodules > inst->nmodules) return 0;
    if (f->has_resource && f->nmodules != inst->nmodules) return 0;
    for (size_t i = 0; i < f->nmodules; i++) {
        if (strcmp(f->modules[i].name, inst->modules[i].name) != 0) return 0;
        if (f->modules[i].key.kind != STK_KEY_NONE && !stk_key_equal(&f->modules[i].key, &inst->modules[i].key))
            return 0;
    }
    if (!f->has_resource) return 1;
    if (!inst->has_resource || f->mode != inst->mode || strcmp(f->type, inst->type) != 0 ||
        strcmp(f->name, inst->name) != 0)
        return 0;
    if (f->key_given && !stk_key_equal(&f->key, &inst->key)) return 0;
    return 1;
}
