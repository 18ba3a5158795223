/* providers.c - which provider configuration serves a resource across
 * modules: module calls' `providers` maps, module-local provider blocks and
 * the implicit inheritance of default configurations (the rules are in
 * config.h), and the load-time checks Terraform makes on them. */
#include "config/config_priv.h"
#include "util/arena.h"
#include "util/strbuf.h"
#include "../resources/provider.h"
#include <stdlib.h>
#include <string.h>

static const char *module_desc(const stk_module *m)
{
    return m->path[0] ? m->path : "the root module";
}

static char *ref_text(const char *name, const char *alias)
{
    return alias ? stk_xasprintf("%s.%s", name, alias) : stk_xstrdup(name);
}

static const stk_provider_config *own_block(const stk_module *m, const char *name, const char *alias)
{
    char *key = alias ? stk_xasprintf("provider.%s.%s", name, alias) : stk_xasprintf("provider.%s", name);
    const stk_provider_config *p = stk_strmap_get(&m->provider_map, key);
    free(key);
    return p;
}

static const stk_provider_pass *find_pass(const stk_module_call *mc, const char *name, const char *alias)
{
    for (size_t i = 0; mc && i < mc->npasses; i++) {
        const stk_provider_pass *p = &mc->passes[i];
        if (!strcmp(p->child_name, name) && (alias ? p->child_alias && !strcmp(p->child_alias, alias) : !p->child_alias))
            return p;
    }
    return NULL;
}

int stk_config_provider_resolve(const stk_module *m, const char *name, const char *alias, stk_provider_binding *out)
{
    memset(out, 0, sizeof *out);
    for (int depth = 0; m && depth < 64; depth++) {
        const stk_provider_config *p = own_block(m, name, alias);
        if (p) {
            *out = (stk_provider_binding){m, p, p->name, p->alias};
            return 0;
        }
        if (!m->call) {   /* the root */
            if (alias) return -1;
            *out = (stk_provider_binding){m, NULL, name, NULL};
            return 0;
        }
        const stk_provider_pass *ps = find_pass(m->call, name, alias);
        if (ps) {
            name = ps->parent_name;
            alias = ps->parent_alias;
        } else if (alias) {
            return -1;    /* aliases are never inherited */
        }
        m = m->parent;
    }
    return -1;
}

char *stk_config_provider_address(const stk_provider_binding *b)
{
    const char *src = stk_provider_source(b->name);
    stk_strbuf s = STK_STRBUF_INIT;
    if (b->module && b->module->path[0]) stk_strbuf_printf(&s, "%s.", b->module->path);
    if (src) stk_strbuf_printf(&s, "provider[\"registry.terraform.io/%s\"]", src);
    else stk_strbuf_printf(&s, "provider[\"registry.terraform.io/hashicorp/%s\"]", b->name);
    if (b->alias) stk_strbuf_printf(&s, ".%s", b->alias);
    return stk_strbuf_detach(&s);
}

char *stk_config_resource_provider_address(const stk_resource *r)
{
    stk_provider_binding b;
    if (stk_config_provider_resolve(r->module, r->provider, r->provider_alias, &b) != 0)
        b = (stk_provider_binding){NULL, NULL, r->provider, r->provider_alias};   /* reported by the graph */
    return stk_config_provider_address(&b);
}

/* ---- loading and checks ---- */

/* `aws` or `aws.west` (not quoted) */
static int decode_ref(const stk_expr *e, const char **name, const char **alias)
{
    *name = *alias = NULL;
    while (e && e->kind == STK_EX_PAREN) e = e->u.wrapped;
    if (!e) return -1;
    if (e->kind == STK_EX_VARIABLE) {
        *name = e->u.name;
        return 0;
    }
    if (e->kind == STK_EX_GETATTR && e->u.getattr.obj->kind == STK_EX_VARIABLE) {
        *name = e->u.getattr.obj->u.name;
        *alias = e->u.getattr.name;
        return 0;
    }
    return -1;
}

static void decode_passes(stk_config *c, stk_module_call *mc, stk_diags *d)
{
    const stk_expr *e = mc->providers;
    if (e->kind != STK_EX_OBJECT) {
        stk_diags_error(d, &e->range, "Invalid providers argument",
                        "The providers argument of module \"%s\" must be a map from the module's provider "
                        "configuration names to this module's, like { aws = aws.west }.", mc->name);
        return;
    }
    mc->passes = stk_arena_alloc(c->arena, (e->u.object.n ? e->u.object.n : 1) * sizeof *mc->passes);
    for (size_t i = 0; i < e->u.object.n; i++) {
        const stk_object_item *it = &e->u.object.items[i];
        stk_provider_pass p = {0};
        p.range = stk_range_join(it->key->range, it->value->range);
        if (decode_ref(it->key, &p.child_name, &p.child_alias) != 0) {
            stk_diags_error(d, &it->key->range, "Invalid provider configuration reference",
                            "A key of the providers map names a provider configuration of the module, like "
                            "aws or aws.west, without quotes.");
            continue;
        }
        if (decode_ref(it->value, &p.parent_name, &p.parent_alias) != 0) {
            stk_diags_error(d, &it->value->range, "Invalid provider configuration reference",
                            "A value of the providers map names a provider configuration of the calling module, "
                            "like aws or aws.west, without quotes.");
            continue;
        }
        if (strcmp(p.child_name, p.parent_name) != 0) {
            stk_diags_error(d, &p.range, "Invalid provider configuration reference",
                            "%s cannot stand for %s: a provider configuration can only be passed as a "
                            "configuration of the same provider.", p.child_name, p.parent_name);
            continue;
        }
        if (find_pass(mc, p.child_name, p.child_alias)) {
            char *t = ref_text(p.child_name, p.child_alias);
            stk_diags_error(d, &it->key->range, "Duplicate provider configuration",
                            "The providers map of module \"%s\" gives %s twice.", mc->name, t);
            free(t);
            continue;
        }
        mc->passes[mc->npasses++] = p;
    }
}

/* the first provider block of m or of a module below it, or NULL */
static const stk_provider_config *any_block_below(const stk_module *m)
{
    if (m->nproviders) return m->providers[0];
    for (size_t i = 0; i < m->ncalls; i++) {
        const stk_provider_config *p = m->calls[i]->child ? any_block_below(m->calls[i]->child) : NULL;
        if (p) return p;
    }
    return NULL;
}

static void check_call(stk_module *m, stk_module_call *mc, stk_diags *d)
{
    for (size_t i = 0; i < mc->npasses; i++) {
        const stk_provider_pass *p = &mc->passes[i];
        stk_provider_binding b;
        if (stk_config_provider_resolve(m, p->parent_name, p->parent_alias, &b) != 0) {
            char *t = ref_text(p->parent_name, p->parent_alias);
            stk_diags_error(d, &p->range, "Provider configuration not present",
                            "Module \"%s\" is passed the provider configuration %s, which %s neither configures "
                            "(provider \"%s\" with alias = \"%s\") nor is passed by its own caller.",
                            mc->name, t, module_desc(m), p->parent_name, p->parent_alias ? p->parent_alias : "");
            free(t);
        }
        const stk_provider_config *own = mc->child ? own_block(mc->child, p->child_name, p->child_alias) : NULL;
        if (own) {
            char *t = ref_text(p->child_name, p->child_alias);
            stk_diags_error(d, &p->range, "Cannot override provider configuration",
                            "The module %s has its own configuration for %s (%s:%d), so it cannot accept one "
                            "passed by its caller in the providers argument.", mc->child->path, t,
                            own->decl_range.filename ? own->decl_range.filename : "?", own->decl_range.start.line);
            free(t);
        }
    }
    if ((mc->count || mc->for_each || mc->ndepends_on) && mc->child) {
        const stk_provider_config *p = any_block_below(mc->child);
        if (p) {
            const stk_expr *what = mc->count ? mc->count : mc->for_each;
            stk_diags_error(d, what ? &what->range : &mc->decl_range,
                            "Module is incompatible with count, for_each, and depends_on",
                            "The module at %s is a legacy module which contains its own local provider "
                            "configurations (provider \"%s\" at %s:%d), and so calls to it may not use the count, "
                            "for_each, or depends_on arguments. Configure the provider in the calling module "
                            "and pass it with the providers argument instead.",
                            mc->child->path, p->name, p->decl_range.filename ? p->decl_range.filename : "?",
                            p->decl_range.start.line);
        }
    }
}

void stk_cfg_check_providers(stk_config *c, stk_diags *d)
{
    for (size_t i = 0; i < c->nmodules; i++)
        for (size_t k = 0; k < c->modules[i]->ncalls; k++)
            if (c->modules[i]->calls[k]->providers) decode_passes(c, c->modules[i]->calls[k], d);
    for (size_t i = 0; i < c->nmodules; i++)
        for (size_t k = 0; k < c->modules[i]->ncalls; k++) check_call(c->modules[i], c->modules[i]->calls[k], d);
}
