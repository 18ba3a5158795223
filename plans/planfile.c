/* planfile.c - Terraform's plan JSON (format_version 1.2: variables,
 * planned_values, resource_drift, resource_changes, output_changes,
 * prior_state, configuration), the state "values" JSON for `stk show`,
 * configuration digests and saved plan files.
 *
 * A plan file is one JSON document (mode 0600):
 *   {"stk_plan_format": 1, "config_digest": "...", "lineage": "...",
 *    "serial": N, "variables": {...}, "options": {...},
 *    "prior": [refreshed prior objects], "plan": <the plan JSON>,
 *    "source": {"dir": ..., "commit": ..., "env": ...} (optional)}
 * Sensitive variables are left out (they are read again from the usual
 * sources at apply time).  "prior" and "plan" hold attribute values, some
 * of them sensitive (passwords, user data): they are written sealed, as
 *   "sealed": base64(AES-256-GCM of {"prior": ..., "plan": ...})
 * (state/crypt.h) with the key in .stk/plan.key (64 hex characters, 0600,
 * made by the first plan -out; STK_PLAN_KEY_FILE names another key file),
 * and stk_planfile_parse opens them again.  Only the envelope (digests,
 * lineage, serial, options, addresses and actions, source) is readable
 * without the key.  `stk apply FILE` re-plans from "prior" with the
 * same options and refuses the file when the state or the configuration
 * moved on since (plans/ + engine/cli/cmd_apply.c). */
#include "plans/plan_priv.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/store.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "config/config.h"
#include "util/strbuf.h"
#include "stk_version.h"
#include "state/crypt.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *stk_config_digest(const stk_config *c)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_DigestInit_ex(m, EVP_sha256(), NULL);
    for (size_t i = 0; c && i < c->nmodules; i++) {
        stk_module *mod = c->modules[i];
        for (size_t k = 0; k < mod->nfiles; k++) {
            stk_hcl_file *f = mod->files[k];
            EVP_DigestUpdate(m, f->filename, strlen(f->filename) + 1);
            EVP_DigestUpdate(m, f->src, f->len);
        }
    }
    for (size_t i = 0; c && i < c->root->nvariables; i++)
        if (c->var_values && c->var_values[i] && !c->root->variables[i]->sensitive) {
            stk_value *u = stk_value_unmark_deep(stk_value_ref(c->var_values[i]), NULL);
            json_t *j = stk_value_to_json(u);
            stk_value_unref(u);
            char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
            if (s) EVP_DigestUpdate(m, s, strlen(s));
            free(s);
            json_decref(j);
        }
    unsigned char h[32];
    unsigned int hl = 0;
    EVP_DigestFinal_ex(m, h, &hl);
    EVP_MD_CTX_free(m);
    char *out = stk_xmalloc(65);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
    return out;
}

json_t *stk_plan_value_json(const stk_value *v, json_t **unknown, json_t **sensitive)
{
    json_t *uk = NULL, *sv = NULL, *out;
    if (!v) {
        out = json_null();
        uk = json_false();
        sv = json_false();
    } else if (v->is_unknown) {
        out = json_null();
        uk = json_true();
        sv = (v->marks & STK_MARK_SENSITIVE) ? json_true() : json_false();
    } else if (v->is_null) {
        out = json_null();
        uk = json_false();
        sv = (v->marks & STK_MARK_SENSITIVE) ? json_true() : json_false();
    } else {
        stk_type_kind k = stk_value_kind(v);
        if (k == STK_TY_OBJECT || k == STK_TY_MAP) {
            out = json_object();
            uk = json_object();
            sv = json_object();
            for (size_t i = 0; i < stk_value_len(v); i++) {
                json_t *cu = NULL, *cs = NULL;
                json_object_set_new(out, stk_value_key(v, i), stk_plan_value_json(stk_value_elem(v, i), &cu, &cs));
                if (json_is_true(cu) || (json_is_object(cu) && json_object_size(cu)) || (json_is_array(cu) && json_array_size(cu)))
                    json_object_set_new(uk, stk_value_key(v, i), cu);
                else
                    json_decref(cu);
                if (json_is_true(cs) || (json_is_object(cs) && json_object_size(cs)) || (json_is_array(cs) && json_array_size(cs)))
                    json_object_set_new(sv, stk_value_key(v, i), cs);
                else
                    json_decref(cs);
            }
        } else if (k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE) {
            out = json_array();
            uk = json_array();
            sv = json_array();
            int any_u = 0, any_s = 0;
            for (size_t i = 0; i < stk_value_len(v); i++) {
                json_t *cu = NULL, *cs = NULL;
                json_array_append_new(out, stk_plan_value_json(stk_value_elem(v, i), &cu, &cs));
                any_u |= !json_is_false(cu) && !(json_is_object(cu) && !json_object_size(cu));
                any_s |= !json_is_false(cs) && !(json_is_object(cs) && !json_object_size(cs));
                json_array_append_new(uk, cu);
                json_array_append_new(sv, cs);
            }
            if (!any_u) {
                json_decref(uk);
                uk = json_array();
            }
            if (!any_s) {
                json_decref(sv);
                sv = json_array();
            }
        } else {
            stk_value *u = stk_value_unmark_deep(stk_value_ref((stk_value *)v), NULL);
            out = stk_value_to_json(u);
            stk_value_unref(u);
            if (!out) out = json_null();
            uk = json_false();
            sv = json_false();
        }
        if (v->marks & STK_MARK_SENSITIVE) {
            json_decref(sv);
            sv = json_true();
        }
    }
    if (unknown) *unknown = uk;
    else json_decref(uk);
    if (sensitive) *sensitive = sv;
    else json_decref(sv);
    return out;
}

static json_t *obj_or_empty(json_t *j)
{
    if (json_is_object(j) || json_is_array(j)) return j;
    json_decref(j);
    return json_object();
}

static json_t *actions_json(stk_plan_action a)
{
    switch (a) {
    case STK_PLAN_CREATE: return json_pack("[s]", "create");
    case STK_PLAN_UPDATE: return json_pack("[s]", "update");
    case STK_PLAN_DELETE: return json_pack("[s]", "delete");
    case STK_PLAN_REPLACE: return json_pack("[s,s]", "delete", "create");
    case STK_PLAN_REPLACE_CBD: return json_pack("[s,s]", "create", "delete");
    case STK_PLAN_READ: return json_pack("[s]", "read");
    default: return json_pack("[s]", "no-op");
    }
}

static json_t *index_json(const stk_value *k)
{
    if (!k) return NULL;
    return stk_value_to_json(k);
}

static json_t *change_json(const stk_change *ch, int drift)
{
    json_t *o = json_object();
    json_object_set_new(o, "address", json_string(ch->addr));
    if (ch->module_addr && ch->module_addr[0]) json_object_set_new(o, "module_address", json_string(ch->module_addr));
    json_object_set_new(o, "mode", json_string(ch->data ? "data" : "managed"));
    json_object_set_new(o, "type", json_string(ch->type));
    json_object_set_new(o, "name", json_string(ch->name));
    json_t *ix = index_json(ch->index);
    if (ix) json_object_set_new(o, "index", ix);
    if (ch->deposed) json_object_set_new(o, "deposed", json_string(ch->deposed));
    json_object_set_new(o, "provider_name", json_string(ch->provider_addr && strchr(ch->provider_addr, '"')
                                                            ? ch->provider_addr : ""));
    /* provider_name is the source address: registry.terraform.io/hashicorp/aws */
    if (ch->provider_addr) {
        const char *q = strchr(ch->provider_addr, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        if (q && e) json_object_set_new(o, "provider_name", json_stringn(q + 1, (size_t)(e - q - 1)));
    }
    json_t *c = json_object();
    json_object_set_new(c, "actions", drift ? json_pack("[s]", ch->after ? "update" : "delete") : actions_json(ch->action));
    json_t *bs = NULL, *as = NULL, *au = NULL;
    json_object_set_new(c, "before", stk_plan_value_json(ch->before, NULL, &bs));
    json_object_set_new(c, "after", stk_plan_value_json(ch->after, &au, &as));
    json_object_set_new(c, "after_unknown", obj_or_empty(au));
    json_object_set_new(c, "before_sensitive", ch->before ? obj_or_empty(bs) : (json_decref(bs), json_false()));
    json_object_set_new(c, "after_sensitive", ch->after ? obj_or_empty(as) : (json_decref(as), json_false()));
    if (ch->nreplace_paths) {
        json_t *rp = json_array();
        for (size_t i = 0; i < ch->nreplace_paths; i++) json_array_append_new(rp, json_pack("[s]", ch->replace_paths[i]));
        json_object_set_new(c, "replace_paths", rp);
    }
    json_object_set_new(o, "change", c);
    if (ch->reason && !drift) json_object_set_new(o, "action_reason", json_string(ch->reason));
    return o;
}

/* a "values" module tree: {"resources": [...], "child_modules": [...]} */
typedef struct {
    char *addr;
    json_t *obj;
} mod_slot;

static json_t *module_for(json_t *root, mod_slot **slots, size_t *n, const char *maddr)
{
    if (!maddr || !maddr[0]) return root;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*slots)[i].addr, maddr)) return (*slots)[i].obj;
    json_t *m = json_pack("{s:s,s:[]}", "address", maddr, "resources");
    json_t *cm = json_object_get(root, "child_modules");
    if (!cm) {
        cm = json_array();
        json_object_set_new(root, "child_modules", cm);
    }
    json_array_append_new(cm, m);
    *slots = stk_xrealloc(*slots, (*n + 1) * sizeof **slots);
    (*slots)[*n].addr = stk_xstrdup(maddr);
    (*slots)[(*n)++].obj = m;
    return m;
}

static json_t *resource_values(const char *addr, const char *maddr, int data, const char *type, const char *name,
                               json_t *index, const char *provider, const stk_value *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "mode", json_string(data ? "data" : "managed"));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "name", json_string(name));
    if (index) json_object_set_new(o, "index", index);
    json_object_set_new(o, "provider_name", json_string(provider));
    json_object_set_new(o, "schema_version", json_integer(0));
    json_t *sv = NULL;
    json_object_set_new(o, "values", stk_plan_value_json(v, NULL, &sv));
    json_object_set_new(o, "sensitive_values", obj_or_empty(sv));
    (void)maddr;
    return o;
}

static char *provider_source(const char *paddr)
{
    const char *q = paddr ? strchr(paddr, '"') : NULL;
    const char *e = q ? strchr(q + 1, '"') : NULL;
    return q && e ? stk_xstrndup(q + 1, (size_t)(e - q - 1)) : stk_xstrdup(paddr ? paddr : "");
}

/* ---- configuration (Terraform's jsonconfig) ----
   provider_config is flat over the whole module tree: "aws", "aws.west" for
   the root's configurations, "module.net:aws" for a module's own block or
   for what a call passes down (with parent_key, the configuration it
   stands for); a resource's provider_config_key names the configuration
   it really uses, following the binding rules (engine/config/providers.c). */

static char *provider_key(const stk_module *m, const char *name, const char *alias)
{
    const char *path = m && m->path[0] ? m->path : NULL;
    return stk_xasprintf("%s%s%s%s%s", path ? path : "", path ? ":" : "", name, alias ? "." : "", alias ? alias : "");
}

static char *binding_key(const stk_module *m, const char *name, const char *alias)
{
    stk_provider_binding b;
    if (stk_config_provider_resolve(m, name, alias, &b) != 0) return provider_key(m, name, alias);
    return provider_key(b.module, b.name, b.alias);
}

static void provider_entry(json_t *pc, const stk_module *m, const char *name, const char *alias, const char *parent_key)
{
    char *key = provider_key(m, name, alias);
    if (!json_object_get(pc, key)) {
        const char *src = stk_provider_source(name);
        char *full = src && strchr(src, '.') && strchr(src, '.') < strchr(src, '/')
                         ? stk_xstrdup(src)
                         : stk_xasprintf("registry.terraform.io/%s%s", src ? "" : "hashicorp/", src ? src : name);
        json_t *po = json_pack("{s:s,s:s}", "name", name, "full_name", full);
        free(full);
        if (alias) json_object_set_new(po, "alias", json_string(alias));
        if (m && m->path[0]) json_object_set_new(po, "module_address", json_string(m->path));
        if (parent_key) json_object_set_new(po, "parent_key", json_string(parent_key));
        json_object_set_new(pc, key, po);
    }
    free(key);
}

static json_t *config_module_json(const stk_module *m, json_t *pc)
{
    for (size_t i = 0; i < m->nproviders; i++) provider_entry(pc, m, m->providers[i]->name, m->providers[i]->alias, NULL);
    json_t *res = json_array();
    for (size_t i = 0; i < m->nresources; i++) {
        stk_resource *r = m->resources[i];
        stk_provider_binding b;
        char *key;
        if (stk_config_provider_resolve(m, r->provider, r->provider_alias, &b) == 0) {
            key = provider_key(b.module, b.name, b.alias);
            /* a configuration without a block (the root's implied default)
               is still listed, as Terraform lists every provider the tree
               needs */
            if (!b.config) provider_entry(pc, b.module, b.name, b.alias, NULL);
        } else {
            key = provider_key(m, r->provider, r->provider_alias);
        }
        json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:s,s:{},s:i}", "address", r->addr, "mode",
                                             r->mode == STK_MODE_DATA ? "data" : "managed", "type", r->type, "name",
                                             r->name, "provider_config_key", key, "expressions", "schema_version", 0));
        free(key);
    }
    json_t *calls = json_object();
    for (size_t i = 0; i < m->ncalls; i++) {
        stk_module_call *mc = m->calls[i];
        json_t *co = json_pack("{s:s}", "source", mc->source ? mc->source : "");
        if (mc->child) {
            for (size_t k = 0; k < mc->npasses; k++) {
                stk_provider_pass *pp = &mc->passes[k];
                char *parent = binding_key(m, pp->parent_name, pp->parent_alias);
                provider_entry(pc, mc->child, pp->child_name, pp->child_alias, parent);
                free(parent);
            }
            json_object_set_new(co, "module", config_module_json(mc->child, pc));
        }
        json_object_set_new(calls, mc->name, co);
    }
    return json_pack("{s:o,s:o}", "resources", res, "module_calls", calls);
}

json_t *stk_plan_to_json(const stk_plan *p, const stk_config *c)
{
    json_t *root = json_object();
    json_object_set_new(root, "format_version", json_string("1.2"));
    json_object_set_new(root, "terraform_version", json_string(STK_VERSION));
    json_object_set_new(root, "variables", json_deep_copy(p->variables ? p->variables : json_object()));
    /* planned_values */
    json_t *pv_root = json_pack("{s:[]}", "resources");
    mod_slot *slots = NULL;
    size_t nslots = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        stk_change *ch = p->changes[i];
        if (ch->action == STK_PLAN_DELETE || ch->deposed || !ch->after) continue;
        json_t *m = module_for(pv_root, &slots, &nslots, ch->module_addr);
        char *ps = provider_source(ch->provider_addr);
        json_t *r = resource_values(ch->addr, ch->module_addr, ch->data, ch->type, ch->name, index_json(ch->index), ps,
                                    ch->after);
        free(ps);
        json_array_append_new(json_object_get(m, "resources"), r);
    }
    for (size_t i = 0; i < nslots; i++) free(slots[i].addr);
    free(slots);
    json_t *pv_out = json_object();
    json_t *oc = json_object();
    for (size_t i = 0; i < p->noutputs; i++) {
        stk_output_change *o = &p->outputs[i];
        json_t *bs = NULL, *as = NULL, *au = NULL;
        json_t *after = stk_plan_value_json(o->after, &au, &as);
        json_t *before = stk_plan_value_json(o->before, NULL, &bs);
        if (o->after)
            json_object_set_new(pv_out, o->name, json_pack("{s:b,s:O}", "sensitive", o->sensitive, "value", after));
        stk_plan_action a = !o->before && o->after ? STK_PLAN_CREATE : o->before && !o->after ? STK_PLAN_DELETE
                            : o->before && o->after && !stk_value_raw_equal(o->before, o->after) ? STK_PLAN_UPDATE
                            : STK_PLAN_NOOP;
        json_object_set_new(oc, o->name,
                            json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "actions", actions_json(a), "before", before, "after",
                                      after, "after_unknown", au, "before_sensitive",
                                      o->sensitive ? (json_decref(bs), json_true()) : bs, "after_sensitive",
                                      o->sensitive ? (json_decref(as), json_true()) : as));
    }
    json_object_set_new(root, "planned_values", json_pack("{s:o,s:o}", "outputs", pv_out, "root_module", pv_root));
    json_t *drift = json_array();
    for (size_t i = 0; i < p->ndrift; i++) json_array_append_new(drift, change_json(p->drift[i], 1));
    json_object_set_new(root, "resource_drift", drift);
    json_t *rc = json_array();
    for (size_t i = 0; i < p->nchanges; i++) json_array_append_new(rc, change_json(p->changes[i], 0));
    json_object_set_new(root, "resource_changes", rc);
    json_object_set_new(root, "output_changes", oc);
    /* prior_state */
    json_t *ps_root = json_pack("{s:[]}", "resources");
    slots = NULL;
    nslots = 0;
    for (size_t i = 0; i < p->nchanges; i++) {
        stk_change *ch = p->changes[i];
        if (!ch->before || ch->deposed) continue;
        json_t *m = module_for(ps_root, &slots, &nslots, ch->module_addr);
        char *ps = provider_source(ch->provider_addr);
        json_array_append_new(json_object_get(m, "resources"),
                              resource_values(ch->addr, ch->module_addr, ch->data, ch->type, ch->name,
                                              index_json(ch->index), ps, ch->before));
        free(ps);
    }
    for (size_t i = 0; i < nslots; i++) free(slots[i].addr);
    free(slots);
    json_object_set_new(root, "prior_state",
                        json_pack("{s:s,s:s,s:{s:{},s:o}}", "format_version", "1.0", "terraform_version", STK_VERSION,
                                  "values", "outputs", "root_module", ps_root));
    /* configuration: every provider configuration and the module tree */
    json_t *conf = json_object();
    json_t *pc = json_object();
    json_t *rootm = c ? config_module_json(c->root, pc) : json_pack("{s:[],s:{}}", "resources", "module_calls");
    json_object_set_new(conf, "provider_config", pc);
    json_object_set_new(conf, "root_module", rootm);
    json_object_set_new(root, "configuration", conf);
    json_object_set_new(root, "errored", json_boolean(p->errored));
    return root;
}

json_t *stk_state_values_json(stk_state *st, stk_diags *d)
{
    stk_state_instance_list l = {0};
    json_t *root = json_pack("{s:[]}", "resources");
    mod_slot *slots = NULL;
    size_t nslots = 0;
    if (stk_state_list(st, NULL, 0, &l, d) == 0) {
        for (size_t i = 0; i < l.len; i++) {
            stk_state_instance *si = &l.items[i];
            if (si->deposed[0]) continue;
            json_error_t je;
            json_t *attrs = json_loads(si->attributes ? si->attributes : "{}", 0, &je);
            json_t *m = module_for(root, &slots, &nslots, si->module);
            json_t *o = json_object();
            json_object_set_new(o, "address", json_string(si->address));
            json_object_set_new(o, "mode", json_string(si->parts.mode == STK_ADDR_MODE_DATA ? "data" : "managed"));
            json_object_set_new(o, "type", json_string(si->parts.type));
            json_object_set_new(o, "name", json_string(si->parts.name));
            if (si->parts.key.kind == STK_KEY_INT) json_object_set_new(o, "index", json_integer(si->parts.key.i));
            else if (si->parts.key.kind == STK_KEY_STR) json_object_set_new(o, "index", json_string(si->parts.key.s));
            char *ps = provider_source(si->provider);
            json_object_set_new(o, "provider_name", json_string(ps));
            free(ps);
            json_object_set_new(o, "schema_version", json_integer(si->schema_version));
            json_object_set_new(o, "values", attrs ? attrs : json_object());
            json_object_set_new(o, "sensitive_values", json_object());
            if (si->tainted) json_object_set_new(o, "tainted", json_true());
            json_array_append_new(json_object_get(m, "resources"), o);
        }
    }
    stk_state_instance_list_free(&l);
    for (size_t i = 0; i < nslots; i++) free(slots[i].addr);
    free(slots);
    json_t *outs = json_object();
    stk_state_output_list ol = {0};
    if (stk_state_list_outputs(st, &ol, d) == 0)
        for (size_t i = 0; i < ol.len; i++) {
            json_error_t je;
            json_t *v = json_loads(ol.items[i].value, JSON_DECODE_ANY, &je);
            json_object_set_new(outs, ol.items[i].name,
                                json_pack("{s:b,s:o}", "sensitive", ol.items[i].sensitive, "value", v ? v : json_null()));
        }
    stk_state_output_list_free(&ol);
    return json_pack("{s:s,s:s,s:{s:o,s:o}}", "format_version", "1.0", "terraform_version", STK_VERSION, "values",
                     "outputs", outs, "root_module", root);
}

/* ---- sealing the values of a plan file ---- */

#define PLAN_KEY_DEFAULT ".stk/plan.key"

static const char *plan_key_path(void)
{
    const char *e = getenv("STK_PLAN_KEY_FILE");
    return e && *e ? e : PLAN_KEY_DEFAULT;
}

/* The default key is made on first use: written to a temporary file, then
   linked into place, so two concurrent plans agree on one key. */
static int make_plan_key(const char *path, stk_diags *d)
{
    if (access(path, F_OK) == 0) return 0;
    if (!strcmp(path, PLAN_KEY_DEFAULT) && mkdir(".stk", 0700) && errno != EEXIST) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot create the plan key", ".stk: %s", strerror(errno));
        return -1;
    }
    unsigned char raw[32];
    char hex[66];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot create the plan key", "no random bytes");
        return -1;
    }
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    hex[64] = '\n';
    hex[65] = 0;
    OPENSSL_cleanse(raw, sizeof raw);
    char *tmp = stk_xasprintf("%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    int ok = fd >= 0 && write(fd, hex, 65) == 65 && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    OPENSSL_cleanse(hex, sizeof hex);
    if (ok && link(tmp, path) != 0 && errno != EEXIST) ok = 0;
    int err = errno;
    unlink(tmp);
    free(tmp);
    if (!ok) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot create the plan key", "%s: %s", path, strerror(err));
        return -1;
    }
    return 0;
}

static stk_crypt_key *plan_key(int create, stk_diags *d)
{
    const char *path = plan_key_path();
    if (create && make_plan_key(path, d)) return NULL;
    if (!create && access(path, F_OK) != 0) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot open the plan file",
                      "The plan file's values are sealed with the key %s of the directory where the plan was "
                      "made, and there is no such file here. Run stk in that directory, or copy the key and "
                      "name it with STK_PLAN_KEY_FILE.", path);
        return NULL;
    }
    return stk_crypt_key_from_file(path, d);
}

/* moves "prior" and "plan" of doc into "sealed" */
static int seal(json_t *doc, stk_diags *d)
{
    stk_crypt_key *k = plan_key(1, d);
    if (!k) return -1;
    json_t *inner = json_pack("{s:O,s:O}", "prior", json_object_get(doc, "prior"), "plan", json_object_get(doc, "plan"));
    char *text = json_dumps(inner, JSON_COMPACT);
    json_decref(inner);
    unsigned char *ct = NULL;
    size_t ctlen = 0;
    int rc = stk_crypt_encrypt(k, (const unsigned char *)text, strlen(text), &ct, &ctlen, d);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    stk_crypt_key_free(k);
    if (rc) return -1;
    char *b64 = stk_xmalloc(4 * ((ctlen + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, ct, (int)ctlen);
    free(ct);
    json_object_del(doc, "prior");
    json_object_del(doc, "plan");
    json_object_set_new(doc, "sealed", json_string(b64));
    free(b64);
    return 0;
}

static int unseal(json_t *doc, const char *path, stk_diags *d)
{
    const char *b64 = json_string_value(json_object_get(doc, "sealed"));
    size_t n = b64 ? strlen(b64) : 0;
    if (!b64 || n % 4 || n > (size_t)INT32_MAX) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s: \"sealed\" is not base64", path);
        return -1;
    }
    unsigned char *ct = stk_xmalloc(n / 4 * 3 + 1);
    int len = EVP_DecodeBlock(ct, (const unsigned char *)b64, (int)n);
    if (len < 0) {
        free(ct);
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s: \"sealed\" is not base64", path);
        return -1;
    }
    while (n && b64[n - 1] == '=' && len > 0) n--, len--;   /* EVP_DecodeBlock counts the padding */
    stk_crypt_key *k = plan_key(0, d);
    unsigned char *pt = NULL;
    size_t ptlen = 0;
    int rc = k ? stk_crypt_decrypt(k, ct, (size_t)len, &pt, &ptlen, d) : -1;
    stk_crypt_key_free(k);
    free(ct);
    if (rc) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file",
                      "%s: its sealed values do not open with the key %s (another directory's plan, or a "
                      "damaged file)", path, plan_key_path());
        return -1;
    }
    json_error_t je;
    json_t *inner = json_loadb((const char *)pt, ptlen, 0, &je);
    OPENSSL_cleanse(pt, ptlen);
    free(pt);
    if (!json_is_object(inner) || !json_is_array(json_object_get(inner, "prior")) ||
        !json_is_object(json_object_get(inner, "plan"))) {
        json_decref(inner);
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s: the sealed values are damaged",
                      path);
        return -1;
    }
    json_object_set(doc, "prior", json_object_get(inner, "prior"));
    json_object_set(doc, "plan", json_object_get(inner, "plan"));
    json_object_del(doc, "sealed");
    json_decref(inner);
    return 0;
}

int stk_planfile_write(const stk_plan *p, const stk_config *c, const char *path, stk_diags *d)
{
    return stk_planfile_write_source(p, c, path, NULL, d);
}

int stk_planfile_write_source(const stk_plan *p, const stk_config *c, const char *path, json_t *source, stk_diags *d)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "stk_plan_format", json_integer(1));
    json_object_set_new(doc, "config_digest", json_string(p->config_digest ? p->config_digest : ""));
    json_object_set_new(doc, "lineage", json_string(p->lineage ? p->lineage : ""));
    json_object_set_new(doc, "serial", json_integer(p->serial));
    json_object_set_new(doc, "variables", json_deep_copy(p->variables ? p->variables : json_object()));
    json_t *tg = json_array(), *rp = json_array();
    for (size_t i = 0; i < p->opts.ntargets; i++) json_array_append_new(tg, json_string(p->opts.targets[i]));
    for (size_t i = 0; i < p->opts.nreplace; i++) json_array_append_new(rp, json_string(p->opts.replace[i]));
    json_object_set_new(doc, "options", json_pack("{s:b,s:b,s:b,s:o,s:o}", "refresh", p->opts.refresh, "refresh_only",
                                                  p->opts.refresh_only, "destroy", p->opts.destroy, "targets", tg,
                                                  "replace", rp));
    json_t *actions = json_object();
    for (size_t i = 0; i < p->nchanges; i++)
        if (!p->changes[i]->deposed) json_object_set_new(actions, p->changes[i]->addr, actions_json(p->changes[i]->action));
    json_object_set_new(doc, "actions", actions);
    json_object_set_new(doc, "prior", json_deep_copy(p->prior ? p->prior : json_array()));
    json_object_set_new(doc, "plan", stk_plan_to_json(p, c));
    if (source) json_object_set(doc, "source", source);
    if (seal(doc, d)) {
        json_decref(doc);
        return -1;
    }
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot write the plan file", "%s: %s", path, strerror(errno));
        free(s);
        return -1;
    }
    fchmod(fd, 0600);
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t w = write(fd, s + off, len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
    free(s);
    if (off < len) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Cannot write the plan file", "%s: short write", path);
        return -1;
    }
    return 0;
}

/* The shape apply relies on; NULL when fine, else what is wrong. */
static const char *check_shape(json_t *doc)
{
    if (!json_is_string(json_object_get(doc, "lineage")) || !json_is_integer(json_object_get(doc, "serial")) ||
        !json_is_string(json_object_get(doc, "config_digest")))
        return "lineage, serial or config_digest missing";
    json_t *o = json_object_get(doc, "options"), *v;
    if (o && !json_is_object(o)) return "\"options\" is not an object";
    const char *lists[] = {"targets", "replace"};
    for (int i = 0; i < 2; i++) {
        json_t *l = json_object_get(o, lists[i]);
        size_t k;
        if (l && !json_is_array(l)) return "an option list is not an array";
        json_array_foreach(l, k, v) if (!json_is_string(v)) return "an option list holds a non-string";
    }
    if (!json_is_object(json_object_get(doc, "actions"))) return "\"actions\" is not an object";
    json_t *vars = json_object_get(doc, "variables");
    if (vars && !json_is_object(vars)) return "\"variables\" is not an object";
    json_t *prior = json_object_get(doc, "prior");
    if (!json_is_array(prior)) return "\"prior\" is not an array";
    size_t i;
    json_array_foreach(prior, i, v) {
        json_t *a = json_object_get(v, "attributes"), *dep = json_object_get(v, "dependencies"), *x;
        if (!json_is_object(v) || !json_is_string(json_object_get(v, "address")) ||
            !json_is_string(json_object_get(v, "provider")) || (a && !json_is_object(a)) ||
            (json_object_get(v, "deposed") && !json_is_string(json_object_get(v, "deposed"))) ||
            (dep && !json_is_array(dep)))
            return "a prior object lacks its address, provider or attributes";
        size_t k;
        json_array_foreach(dep, k, x) if (!json_is_string(x)) return "a dependency is not a string";
        stk_addr ad;
        char *err = NULL;
        if (stk_addr_parse(json_string_value(json_object_get(v, "address")), &ad, &err)) {
            free(err);
            return "a prior object's address is not a resource instance address";
        }
        int has = ad.has_resource;
        stk_addr_free(&ad);
        if (!has) return "a prior object's address is a module, not a resource instance";
    }
    return NULL;
}

json_t *stk_planfile_parse(const char *text, size_t len, const char *path, stk_diags *d)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je);
    if (!doc || !json_is_integer(json_object_get(doc, "stk_plan_format"))) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file",
                      "%s is not an stk plan file%s%s", path, doc ? "" : ": ", doc ? "" : je.text);
        json_decref(doc);
        return NULL;
    }
    if (json_object_get(doc, "sealed") && unseal(doc, path, d)) {
        json_decref(doc);
        return NULL;
    }
    const char *bad = check_shape(doc);
    if (bad) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s is damaged: %s", path, bad);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

json_t *stk_planfile_read(const char *path, stk_diags *d)
{
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s: %s", path,
                      fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0) close(fd);
        return NULL;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) stk_strbuf_add(&b, buf, (size_t)n);
    close(fd);
    json_t *doc = n < 0 ? NULL : stk_planfile_parse(b.s ? b.s : "", b.len, path, d);
    if (n < 0) stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s: %s", path, strerror(errno));
    stk_strbuf_free(&b);
    return doc;
}
