/* planread.c - a plan rebuilt from its plan JSON (planfile.c writes it into
 * every saved plan file), so `stk show FILE` prints a saved plan with the
 * renderer `stk plan` uses (render.c) and from the file alone: no state,
 * no configuration, no cloud.  Values are typed by the resource type's
 * schema when stk knows the type; the after_unknown / *_sensitive masks
 * put the unknown and sensitive marks back where the plan had them. */
#include "plans/plan_priv.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

/* v with the mask applied (new reference): unknown = 1 turns the masked
   leaves into unknowns of their type, else marks them sensitive. */
static stk_value *apply_mask(stk_value *v, json_t *mask, int unknown)
{
    if (json_is_true(mask))
        return unknown ? stk_value_unknown(v->type) : stk_value_mark(stk_value_ref(v), STK_MARK_SENSITIVE);
    if (v->is_null || v->is_unknown || !(json_is_object(mask) || json_is_array(mask))) return stk_value_ref(v);
    stk_type_kind k = stk_value_kind(v);
    size_t n = stk_value_len(v);
    int keyed = k == STK_TY_OBJECT || k == STK_TY_MAP;
    if (keyed != json_is_object(mask) || !(keyed || k == STK_TY_LIST || k == STK_TY_SET || k == STK_TY_TUPLE))
        return stk_value_ref(v);
    stk_value **items = stk_xcalloc(n + 1, sizeof *items);
    char **keys = keyed ? stk_xcalloc(n + 1, sizeof *keys) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *m = keyed ? json_object_get(mask, stk_value_key(v, i)) : json_array_get(mask, i);
        items[i] = apply_mask(stk_value_elem(v, i), m, unknown);
        if (keyed) keys[i] = (char *)stk_value_key(v, i);
    }
    stk_value *out;
    switch (k) {
    case STK_TY_OBJECT: out = stk_value_object(keys, items, n); break;
    case STK_TY_MAP: out = stk_value_map(v->type->elem, keys, items, n); break;
    case STK_TY_LIST: out = stk_value_list(v->type->elem, items, n); break;
    case STK_TY_SET: out = stk_value_set(v->type->elem, items, n); break;
    default: out = stk_value_tuple(items, n); break;
    }
    free(items);   /* the constructors took the item references */
    free(keys);
    if (v->marks) out = stk_value_mark(out, v->marks);
    return out;
}

/* A value of the plan JSON (NULL for JSON null: absent), typed by the
   schema when there is one. */
static stk_value *to_value(json_t *j, const stk_schema *s, json_t *unknown, json_t *sensitive)
{
    if (!j || (json_is_null(j) && !json_is_true(unknown))) return NULL;
    stk_value *v = NULL;
    if (s) {
        stk_type *t = stk_schema_type(s);
        char *err = NULL;
        v = stk_value_from_json_typed(j, t, &err);
        free(err);
        stk_type_unref(t);
    }
    if (!v) v = stk_value_from_json(j);
    if (!v) return NULL;
    if (unknown) {
        stk_value *u = apply_mask(v, unknown, 1);
        stk_value_unref(v);
        v = u;
    }
    if (sensitive) {
        stk_value *m = apply_mask(v, sensitive, 0);
        stk_value_unref(v);
        v = m;
    }
    return v;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* the reasons render.c and planfile.c know, as the static strings the
   engine uses */
static const char *reason_of(const char *r)
{
    static const char *const known[] = {"replace_because_tainted", "replace_by_request", "replace_by_triggers",
                                        "replace_because_cannot_update", "delete_because_no_resource_config",
                                        "delete_because_count_index", "delete_because_each_key",
                                        "delete_because_no_module", "read_because_config_unknown",
                                        "read_because_dependency_pending"};
    for (size_t i = 0; r && i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(r, known[i])) return known[i];
    return NULL;
}

static int action_of(json_t *acts, stk_plan_action *a)
{
    const char *a0 = json_string_value(json_array_get(acts, 0)), *a1 = json_string_value(json_array_get(acts, 1));
    if (!a0) return -1;
    if (a1) {
        if (!strcmp(a0, "delete") && !strcmp(a1, "create")) *a = STK_PLAN_REPLACE;
        else if (!strcmp(a0, "create") && !strcmp(a1, "delete")) *a = STK_PLAN_REPLACE_CBD;
        else return -1;
        return 0;
    }
    if (!strcmp(a0, "create")) *a = STK_PLAN_CREATE;
    else if (!strcmp(a0, "update")) *a = STK_PLAN_UPDATE;
    else if (!strcmp(a0, "delete")) *a = STK_PLAN_DELETE;
    else if (!strcmp(a0, "read")) *a = STK_PLAN_READ;
    else if (!strcmp(a0, "no-op")) *a = STK_PLAN_NOOP;
    else return -1;
    return 0;
}

static stk_change *change_from_json(json_t *rc, const char *path, stk_diags *d)
{
    json_t *c = json_object_get(rc, "change");
    stk_plan_action action;
    const char *addr = str(rc, "address"), *type = str(rc, "type"), *name = str(rc, "name");
    if (!addr || !type || !name || !json_is_object(c) || action_of(json_object_get(c, "actions"), &action)) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file",
                      "%s: a resource change lacks its address, type, name or actions", path);
        return NULL;
    }
    stk_change *ch = stk_xcalloc(1, sizeof *ch);
    ch->addr = stk_xstrdup(addr);
    ch->module_addr = stk_xstrdup(str(rc, "module_address") ? str(rc, "module_address") : "");
    ch->data = str(rc, "mode") && !strcmp(str(rc, "mode"), "data");
    ch->type = stk_xstrdup(type);
    ch->name = stk_xstrdup(name);
    json_t *ix = json_object_get(rc, "index");
    ch->index = ix ? stk_value_from_json(ix) : NULL;
    const char *pn = str(rc, "provider_name");
    const char *slash = pn ? strrchr(pn, '/') : NULL;
    ch->provider = stk_xstrdup(slash ? slash + 1 : pn ? pn : "");
    ch->provider_addr = stk_xasprintf("provider[\"%s\"]", pn ? pn : "");
    ch->deposed = str(rc, "deposed") ? stk_xstrdup(str(rc, "deposed")) : NULL;
    ch->action = action;
    ch->reason = reason_of(str(rc, "action_reason"));
    ch->tainted = ch->reason && !strcmp(ch->reason, "replace_because_tainted");
    ch->rtype = stk_resource_type_lookup(ch->data ? STK_RESOURCE_DATA : STK_RESOURCE_MANAGED, type);
    const stk_schema *s = ch->rtype ? ch->rtype->schema : NULL;
    ch->before = to_value(json_object_get(c, "before"), s, NULL, json_object_get(c, "before_sensitive"));
    ch->after = to_value(json_object_get(c, "after"), s, json_object_get(c, "after_unknown"),
                         json_object_get(c, "after_sensitive"));
    json_t *rp = json_object_get(c, "replace_paths"), *p;
    size_t i;
    json_array_foreach(rp, i, p) {
        const char *n = json_string_value(json_array_get(p, 0));
        if (!n) continue;
        ch->replace_paths = stk_xrealloc(ch->replace_paths, (ch->nreplace_paths + 1) * sizeof *ch->replace_paths);
        ch->replace_paths[ch->nreplace_paths++] = stk_xstrdup(n);
    }
    return ch;
}

stk_plan *stk_plan_from_json(json_t *plan, json_t *options, const char *path, stk_diags *d)
{
    if (!json_is_object(plan)) {
        stk_diags_add(d, STK_DIAG_ERROR, NULL, "Failed to read the plan file", "%s holds no plan", path);
        return NULL;
    }
    stk_plan *p = stk_xcalloc(1, sizeof *p);
    p->opts.refresh = json_is_false(json_object_get(options, "refresh")) ? 0 : 1;
    p->opts.refresh_only = json_is_true(json_object_get(options, "refresh_only"));
    p->opts.destroy = json_is_true(json_object_get(options, "destroy"));
    p->errored = json_is_true(json_object_get(plan, "errored"));
    json_t *rc;
    size_t i;
    json_array_foreach(json_object_get(plan, "resource_changes"), i, rc) {
        stk_change *ch = change_from_json(rc, path, d);
        if (!ch) {
            stk_plan_free(p);
            return NULL;
        }
        p->changes = stk_xrealloc(p->changes, (p->nchanges + 1) * sizeof *p->changes);
        p->changes[p->nchanges++] = ch;
    }
    json_array_foreach(json_object_get(plan, "resource_drift"), i, rc) {
        stk_change *ch = change_from_json(rc, path, d);
        if (!ch) {
            stk_plan_free(p);
            return NULL;
        }
        p->drift = stk_xrealloc(p->drift, (p->ndrift + 1) * sizeof *p->drift);
        p->drift[p->ndrift++] = ch;
    }
    const char *name;
    json_t *oc;
    json_object_foreach(json_object_get(plan, "output_changes"), name, oc) {
        stk_output_change o = {0};
        o.name = stk_xstrdup(name);
        json_t *bs = json_object_get(oc, "before_sensitive"), *as = json_object_get(oc, "after_sensitive");
        o.sensitive = json_is_true(bs) || json_is_true(as);
        o.before = to_value(json_object_get(oc, "before"), NULL, NULL, bs);
        o.after = to_value(json_object_get(oc, "after"), NULL, json_object_get(oc, "after_unknown"), as);
        p->outputs = stk_xrealloc(p->outputs, (p->noutputs + 1) * sizeof *p->outputs);
        p->outputs[p->noutputs++] = o;
    }
    return p;
}
