/* provider.c - helpers of the resource-type interface (provider.h): schema
 * lookups, and the value types schemas describe: an attribute's type string
 * ("list(string)", "object({port=number, cidr=string})") parsed into a
 * stk_type, and a whole schema's object type, blocks included (single ->
 * object, list -> list(object), set -> set(object)). */
#include "provider.h"
#include "util/strbuf.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const stk_schema_attr *stk_schema_find_attr(const stk_schema *s, const char *name)
{
    for (size_t i = 0; s && i < s->nattrs; i++)
        if (strcmp(s->attrs[i].name, name) == 0) return &s->attrs[i];
    return NULL;
}

const stk_schema_block *stk_schema_find_block(const stk_schema *s, const char *name)
{
    for (size_t i = 0; s && i < s->nblocks; i++)
        if (strcmp(s->blocks[i].name, name) == 0) return &s->blocks[i];
    return NULL;
}

/* type -> prim | ("list"|"set"|"map") "(" type ")" | "object" "(" "{" [name "=" type {"," name "=" type}] "}" ")"
           | "tuple" "(" "[" [type {"," type}] "]" ")" */
static void skip_ws(const char **p)
{
    while (isspace((unsigned char)**p)) (*p)++;
}

static int eat(const char **p, char c)
{
    skip_ws(p);
    if (**p != c) return 0;
    (*p)++;
    return 1;
}

static size_t ident(const char **p, char *out, size_t cap)
{
    skip_ws(p);
    size_t n = 0;
    while ((isalnum((unsigned char)**p) || **p == '_' || **p == '-') && n + 1 < cap) out[n++] = *(*p)++;
    out[n] = 0;
    return n;
}

static stk_type *parse(const char **p, int depth)
{
    char name[128];
    if (depth > 32 || !ident(p, name, sizeof name)) return NULL;
    if (!strcmp(name, "string")) return STK_STRING;
    if (!strcmp(name, "number")) return STK_NUMBER;
    if (!strcmp(name, "bool")) return STK_BOOL;
    if (!strcmp(name, "any") || !strcmp(name, "dynamic")) return STK_DYNAMIC;
    if (!eat(p, '(')) return NULL;
    stk_type *t = NULL;
    if (!strcmp(name, "list") || !strcmp(name, "set") || !strcmp(name, "map")) {
        stk_type *el = parse(p, depth + 1);
        if (!el) return NULL;
        t = name[0] == 'l' ? stk_type_list(el) : name[0] == 's' ? stk_type_set(el) : stk_type_map(el);
    } else if (!strcmp(name, "object")) {
        if (!eat(p, '{')) return NULL;
        char **names = NULL;
        stk_type **types = NULL;
        size_t n = 0;
        int ok = 1;
        skip_ws(p);
        while (ok && **p != '}') {
            char an[128];
            stk_type *at = NULL;
            if (n && !eat(p, ',')) { ok = 0; break; }
            if (!ident(p, an, sizeof an) || !eat(p, '=') || !(at = parse(p, depth + 1))) { ok = 0; break; }
            names = stk_xrealloc(names, (n + 1) * sizeof *names);
            types = stk_xrealloc(types, (n + 1) * sizeof *types);
            names[n] = stk_xstrdup(an);
            types[n++] = at;
            skip_ws(p);
        }
        if (ok && eat(p, '}')) t = stk_type_object(names, types, n, NULL, NULL);
        else
            for (size_t i = 0; i < n; i++) stk_type_unref(types[i]);
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        free(types);
        if (!t) return NULL;
    } else if (!strcmp(name, "tuple")) {
        if (!eat(p, '[')) return NULL;
        stk_type **types = NULL;
        size_t n = 0;
        int ok = 1;
        skip_ws(p);
        while (ok && **p != ']') {
            stk_type *et = NULL;
            if (n && !eat(p, ',')) { ok = 0; break; }
            if (!(et = parse(p, depth + 1))) { ok = 0; break; }
            types = stk_xrealloc(types, (n + 1) * sizeof *types);
            types[n++] = et;
            skip_ws(p);
        }
        if (ok && eat(p, ']')) t = stk_type_tuple(types, n);
        else
            for (size_t i = 0; i < n; i++) stk_type_unref(types[i]);
        free(types);
        if (!t) return NULL;
    } else {
        return NULL;
    }
    if (!eat(p, ')')) {
        stk_type_unref(t);
        return NULL;
    }
    return t;
}

stk_type *stk_schema_parse_type(const char *s)
{
    if (!s) return NULL;
    const char *p = s;
    stk_type *t = parse(&p, 0);
    if (!t) return NULL;
    skip_ws(&p);
    if (*p) {
        stk_type_unref(t);
        return NULL;
    }
    return t;
}

stk_type *stk_schema_type(const stk_schema *s)
{
    size_t n = s ? s->nattrs + s->nblocks : 0;
    char **names = stk_xcalloc(n + 1, sizeof *names);
    stk_type **types = stk_xcalloc(n + 1, sizeof *types);
    for (size_t i = 0; s && i < s->nattrs; i++) {
        names[i] = (char *)s->attrs[i].name;
        types[i] = stk_schema_parse_type(s->attrs[i].type);
        if (!types[i]) types[i] = STK_DYNAMIC;   /* a malformed type string: caught by the registry test */
    }
    for (size_t i = 0; s && i < s->nblocks; i++) {
        const stk_schema_block *b = &s->blocks[i];
        stk_type *bt = stk_schema_type(b->block);
        names[s->nattrs + i] = (char *)b->name;
        types[s->nattrs + i] = b->nesting == STK_NESTING_SINGLE ? bt
                               : b->nesting == STK_NESTING_LIST ? stk_type_list(bt) : stk_type_set(bt);
    }
    stk_type *t = stk_type_object(names, types, n, NULL, NULL);
    free(names);
    free(types);
    return t;
}

/* ---- provider factories, extra types and the per-call context ---- */

#define MAX_FACTORIES 16
static const stk_provider_factory *factories[MAX_FACTORIES];
static size_t nfactories;

void stk_provider_factory_register(const stk_provider_factory *f)
{
    for (size_t i = 0; i < nfactories; i++)
        if (strcmp(factories[i]->name, f->name) == 0) {
            factories[i] = f;
            return;
        }
    if (nfactories < MAX_FACTORIES) factories[nfactories++] = f;
}

const stk_provider_factory *stk_provider_factory_lookup(const char *name)
{
    for (size_t i = 0; name && i < nfactories; i++)
        if (strcmp(factories[i]->name, name) == 0) return factories[i];
    return NULL;
}

int stk_provider_configure(const char *provider_name, stk_value *config, stk_provider_instance **out,
                           stk_diags *d)
{
    const stk_provider_factory *f = stk_provider_factory_lookup(provider_name);
    *out = NULL;
    if (!f) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Provider not available",
                      "The provider \"%s\" is not available in this build of stk: no provider factory is "
                      "registered for it, so its resources cannot be read, created, updated or deleted.",
                      provider_name);
        return -1;
    }
    return f->configure(provider_name, config, out, d);
}

void stk_provider_instance_free(const char *provider_name, stk_provider_instance *p)
{
    const stk_provider_factory *f = stk_provider_factory_lookup(provider_name);
    if (p && f && f->free) f->free(p);
}

static _Thread_local const stk_call_ctx *call_ctx;

const stk_call_ctx *stk_call_ctx_current(void) { return call_ctx; }
void stk_call_ctx_set(const stk_call_ctx *c) { call_ctx = c; }

static _Thread_local int maybe_applied;

void stk_call_note_maybe_applied(void) { maybe_applied = 1; }
int stk_call_take_maybe_applied(void)
{
    int v = maybe_applied;
    maybe_applied = 0;
    return v;
}

static _Thread_local const char *found_by;

void stk_recover_note_found_by(const char *how) { found_by = how; }
const char *stk_recover_take_found_by(void)
{
    const char *v = found_by;
    found_by = NULL;
    return v;
}

static const stk_resource_type *const *extra_types;
static size_t nextra_types;

void stk_resource_types_register_extra(const stk_resource_type *const *types, size_t n)
{
    extra_types = types;
    nextra_types = n;
}

const stk_resource_type *stk_resource_type_lookup_extra(stk_resource_kind kind, const char *name)
{
    for (size_t i = 0; name && i < nextra_types; i++)
        if (extra_types[i]->kind == kind && strcmp(extra_types[i]->name, name) == 0) return extra_types[i];
    return NULL;
}
