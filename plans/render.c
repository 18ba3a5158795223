/* render.c - the human plan, as Terraform users read it:
 *
 *   stk will perform the following actions:
 *
 *     # aws_vpc.main will be created
 *     + resource "aws_vpc" "main" {
 *         + cidr_block = "10.0.0.0/16"
 *         + id         = (known after apply)
 *       }
 *
 *   Plan: 1 to add, 0 to change, 0 to destroy.
 *
 * Updates show only changed attributes (`~ name = "a" -> "b"`) and fold the
 * rest (`# (3 unchanged attributes hidden)`); replacements mark the
 * attribute responsible with `# forces replacement`; sensitive values
 * print as (sensitive value), never their contents.
 */
#include "plans/plan_priv.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

#define C_GREEN "\033[32m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_BOLD "\033[1m"
#define C_RESET "\033[0m"

static void quote(stk_strbuf *b, const char *s)
{
    stk_strbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') stk_strbuf_putc(b, '\\'), stk_strbuf_putc(b, *s);
        else if (*s == '\n') stk_strbuf_puts(b, "\\n");
        else stk_strbuf_putc(b, *s);
    }
    stk_strbuf_putc(b, '"');
}

static void value(stk_strbuf *b, const stk_value *v, int indent)
{
    if (!v || v->is_null) {
        stk_strbuf_puts(b, "null");
        return;
    }
    if (v->marks & STK_MARK_SENSITIVE) {
        stk_strbuf_puts(b, "(sensitive value)");
        return;
    }
    if (v->is_unknown) {
        stk_strbuf_puts(b, "(known after apply)");
        return;
    }
    switch (stk_value_kind(v)) {
    case STK_TY_STRING: quote(b, stk_value_str(v)); return;
    case STK_TY_NUMBER: {
        char *s = stk_number_to_string(v);
        stk_strbuf_puts(b, s);
        free(s);
        return;
    }
    case STK_TY_BOOL: stk_strbuf_puts(b, v->u.b ? "true" : "false"); return;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE: {
        size_t n = stk_value_len(v);
        if (!n) {
            stk_strbuf_puts(b, "[]");
            return;
        }
        stk_strbuf_puts(b, "[\n");
        for (size_t i = 0; i < n; i++) {
            stk_strbuf_printf(b, "%*s", indent + 4, "");
            value(b, stk_value_elem(v, i), indent + 4);
            stk_strbuf_puts(b, ",\n");
        }
        stk_strbuf_printf(b, "%*s]", indent, "");
        return;
    }
    case STK_TY_MAP: case STK_TY_OBJECT: {
        size_t n = stk_value_len(v);
        if (!n) {
            stk_strbuf_puts(b, "{}");
            return;
        }
        size_t w = 0;
        for (size_t i = 0; i < n; i++) w = strlen(stk_value_key(v, i)) + 2 > w ? strlen(stk_value_key(v, i)) + 2 : w;
        stk_strbuf_puts(b, "{\n");
        for (size_t i = 0; i < n; i++) {
            stk_strbuf_printf(b, "%*s", indent + 4, "");
            stk_strbuf b2 = STK_STRBUF_INIT;
            quote(&b2, stk_value_key(v, i));
            stk_strbuf_printf(b, "%-*s = ", (int)w, b2.s);
            stk_strbuf_free(&b2);
            value(b, stk_value_elem(v, i), indent + 4);
            stk_strbuf_puts(b, "\n");
        }
        stk_strbuf_printf(b, "%*s}", indent, "");
        return;
    }
    default: stk_strbuf_puts(b, "?");
    }
}

char *stk_plan_render_value(const stk_value *v, int indent)
{
    stk_strbuf b = STK_STRBUF_INIT;
    value(&b, v, indent);
    return stk_strbuf_detach(&b);
}

static int out_changed(const stk_output_change *o) { return stk_plan_output_changed(o); }

static const char *sym(stk_plan_action a)
{
    switch (a) {
    case STK_PLAN_CREATE: return "+";
    case STK_PLAN_UPDATE: return "~";
    case STK_PLAN_DELETE: return "-";
    case STK_PLAN_REPLACE: return "-/+";
    case STK_PLAN_REPLACE_CBD: return "+/-";
    case STK_PLAN_READ: return "<=";
    default: return " ";
    }
}

static const char *color_of(stk_plan_action a)
{
    switch (a) {
    case STK_PLAN_CREATE: return C_GREEN;
    case STK_PLAN_UPDATE: case STK_PLAN_READ: return C_YELLOW;
    case STK_PLAN_DELETE: return C_RED;
    default: return C_YELLOW;
    }
}

static int sensitive_attr(const stk_resource_type *t, const char *name)
{
    const stk_schema_attr *a = t && t->schema ? stk_schema_find_attr(t->schema, name) : NULL;
    return a && (a->flags & STK_ATTR_SENSITIVE);
}

static int is_block(const stk_resource_type *t, const char *name)
{
    return t && t->schema && stk_schema_find_block(t->schema, name);
}

static int forces(const stk_change *ch, const char *name)
{
    for (size_t i = 0; i < ch->nreplace_paths; i++)
        if (!strcmp(ch->replace_paths[i], name)) return 1;
    return 0;
}

static void attr_value(stk_strbuf *b, const stk_change *ch, const char *name, const stk_value *v, int indent)
{
    if (v && !v->is_null && !v->is_unknown && sensitive_attr(ch->rtype, name)) {
        stk_strbuf_puts(b, "(sensitive value)");
        return;
    }
    value(b, v, indent);
}

static int same(const stk_change *ch, const char *name, stk_value *x, stk_value *y)
{
    const stk_schema_attr *a = ch->rtype && ch->rtype->schema ? stk_schema_find_attr(ch->rtype->schema, name) : NULL;
    const stk_schema_block *bl = ch->rtype && ch->rtype->schema ? stk_schema_find_block(ch->rtype->schema, name) : NULL;
    if (a) return stk_diff_attr_equal(a, x, y);
    if (bl) return stk_diff_block_equal(bl, x, y);
    if (!x || !y) return x == y;
    return stk_value_is_known_deep(x) && stk_value_is_known_deep(y) && stk_value_raw_equal(x, y);
}

static int is_nullish(const stk_value *v)
{
    return !v || v->is_null;
}

static void block_lines(stk_strbuf *b, const char *name, const stk_value *v, const char *s, const char *col,
                        const char *reset, int indent)
{
    size_t n = v && !v->is_null && !v->is_unknown ? stk_value_len(v) : 0;
    int single = v && !v->is_null && stk_value_kind(v) == STK_TY_OBJECT;
    for (size_t i = 0; i < (single ? 1 : n); i++) {
        const stk_value *el = single ? v : stk_value_elem(v, i);
        stk_strbuf_printf(b, "%*s%s%s%s %s {\n", indent, "", col, s, reset, name);
        size_t w = 0;
        for (size_t k = 0; k < stk_value_len(el); k++)
            if (!is_nullish(stk_value_elem(el, k)) && strlen(stk_value_key(el, k)) > w) w = strlen(stk_value_key(el, k));
        for (size_t k = 0; k < stk_value_len(el); k++) {
            const stk_value *x = stk_value_elem(el, k);
            if (is_nullish(x)) continue;
            stk_strbuf_printf(b, "%*s%s%s%s %-*s = ", indent + 4, "", col, s, reset, (int)w, stk_value_key(el, k));
            value(b, x, indent + 6);
            stk_strbuf_puts(b, "\n");
        }
        stk_strbuf_printf(b, "%*s}\n", indent + 2, "");
    }
}

static int is_map(const stk_value *v)
{
    return v && !v->is_null && !v->is_unknown && !(v->marks & STK_MARK_SENSITIVE) &&
           (stk_value_kind(v) == STK_TY_MAP || stk_value_kind(v) == STK_TY_OBJECT);
}

/* a changed map attribute, key by key as Terraform shows it */
static int map_diff(stk_strbuf *b, const stk_change *ch, const char *name, const stk_value *x, const stk_value *y,
                    int color)
{
    if (!is_map(x) || !is_map(y) || sensitive_attr(ch->rtype, name)) return 0;
    const char *reset = color ? C_RESET : "";
    size_t w = 0, same_n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const stk_value *m = pass ? y : x;
        for (size_t i = 0; i < stk_value_len(m); i++)
            if (strlen(stk_value_key(m, i)) + 2 > w) w = strlen(stk_value_key(m, i)) + 2;
    }
    stk_strbuf_puts(b, "{\n");
    /* keys of both, in order (both are sorted) */
    size_t i = 0, j = 0, nx = stk_value_len(x), ny = stk_value_len(y);
    while (i < nx || j < ny) {
        int c = i >= nx ? 1 : j >= ny ? -1 : strcmp(stk_value_key(x, i), stk_value_key(y, j));
        const char *k = c <= 0 ? stk_value_key(x, i) : stk_value_key(y, j);
        const stk_value *xv = c <= 0 ? stk_value_elem(x, i) : NULL, *yv = c >= 0 ? stk_value_elem(y, j) : NULL;
        if (c <= 0) i++;
        if (c >= 0) j++;
        if (xv && yv && stk_value_is_known_deep(xv) && stk_value_is_known_deep(yv) && stk_value_raw_equal(xv, yv)) {
            same_n++;
            continue;
        }
        const char *mk = !xv ? "+" : !yv ? "-" : "~";
        const char *mc = !color ? "" : mk[0] == '+' ? C_GREEN : mk[0] == '-' ? C_RED : C_YELLOW;
        stk_strbuf b2 = STK_STRBUF_INIT;
        quote(&b2, k);
        stk_strbuf_printf(b, "          %s%s%s %-*s = ", mc, mk, reset, (int)w, b2.s);
        stk_strbuf_free(&b2);
        if (xv) value(b, xv, 12);
        if (xv && yv) stk_strbuf_puts(b, " -> ");
        if (yv) value(b, yv, 12);
        else stk_strbuf_puts(b, " -> null");
        stk_strbuf_puts(b, "\n");
    }
    if (same_n) stk_strbuf_printf(b, "            # (%zu unchanged element%s hidden)\n", same_n, same_n == 1 ? "" : "s");
    stk_strbuf_puts(b, "        }");
    return 1;
}

static void render_change(stk_strbuf *b, const stk_change *ch, int color)
{
    const char *col = color ? color_of(ch->action) : "", *reset = color ? C_RESET : "";
    const char *what;
    switch (ch->action) {
    case STK_PLAN_CREATE: what = "will be created"; break;
    case STK_PLAN_UPDATE: what = "will be updated in-place"; break;
    case STK_PLAN_DELETE: what = ch->reason && !strcmp(ch->reason, "delete_because_no_resource_config")
                                     ? "will be destroyed" : "will be destroyed"; break;
    case STK_PLAN_REPLACE:
    case STK_PLAN_REPLACE_CBD: what = ch->tainted ? "is tainted, so must be replaced" : "must be replaced"; break;
    case STK_PLAN_READ: what = "will be read during apply"; break;
    default: return;
    }
    stk_strbuf_printf(b, "  %s# %s%s%s%s%s %s\n", color ? C_BOLD : "", ch->addr,
                      ch->deposed ? " (deposed object " : "", ch->deposed ? ch->deposed : "", ch->deposed ? ")" : "",
                      color ? C_RESET : "", what);
    if (ch->action == STK_PLAN_DELETE && ch->reason && !strcmp(ch->reason, "delete_because_no_resource_config"))
        stk_strbuf_printf(b, "  # (because %s is not in configuration)\n", ch->addr);
    const char *s = sym(ch->action);
    stk_strbuf_printf(b, "%*s%s%s%s %s \"%s\" \"%s\" {\n", (int)(3 - strlen(s)) > 0 ? (int)(3 - strlen(s)) : 0, "", col, s,
                      reset, ch->data ? "data" : "resource", ch->type, ch->name);
    const stk_value *obj = ch->after ? ch->after : ch->before;
    size_t hidden = 0, hidden_blocks = 0;
    /* width of the names printed */
    size_t w = 0;
    for (size_t k = 0; obj && !obj->is_null && !obj->is_unknown && k < stk_value_len(obj); k++) {
        const char *name = stk_value_key(obj, k);
        if (is_block(ch->rtype, name)) continue;
        stk_value *x = ch->before ? stk_value_get(ch->before, name) : NULL;
        stk_value *y = ch->after ? stk_value_get(ch->after, name) : NULL;
        int show = ch->action == STK_PLAN_CREATE || ch->action == STK_PLAN_READ ? !is_nullish(y)
                   : ch->action == STK_PLAN_DELETE ? !is_nullish(x)
                                                   : !same(ch, name, x, y) || !strcmp(name, "id") || !strcmp(name, "name");
        if (show && strlen(name) > w) w = strlen(name);
    }
    for (size_t k = 0; obj && !obj->is_null && !obj->is_unknown && k < stk_value_len(obj); k++) {
        const char *name = stk_value_key(obj, k);
        stk_value *x = ch->before ? stk_value_get(ch->before, name) : NULL;
        stk_value *y = ch->after ? stk_value_get(ch->after, name) : NULL;
        if (is_block(ch->rtype, name)) {
            if (ch->action == STK_PLAN_CREATE || ch->action == STK_PLAN_READ) block_lines(b, name, y, "+", col, reset, 6);
            else if (ch->action == STK_PLAN_DELETE) block_lines(b, name, x, "-", col, reset, 6);
            else if (!same(ch, name, x, y)) {
                block_lines(b, name, x, "-", color ? C_RED : "", reset, 6);
                block_lines(b, name, y, "+", color ? C_GREEN : "", reset, 6);
            } else if (y && !y->is_null && stk_value_len(y)) {
                hidden_blocks++;
            }
            continue;
        }
        if (ch->action == STK_PLAN_CREATE || ch->action == STK_PLAN_READ) {
            if (is_nullish(y)) continue;
            stk_strbuf_printf(b, "      %s+%s %-*s = ", col, reset, (int)w, name);
            attr_value(b, ch, name, y, 8);
        } else if (ch->action == STK_PLAN_DELETE) {
            if (is_nullish(x)) continue;
            stk_strbuf_printf(b, "      %s-%s %-*s = ", col, reset, (int)w, name);
            attr_value(b, ch, name, x, 8);
            stk_strbuf_puts(b, " -> null");
        } else {
            int eq = same(ch, name, x, y);
            if (eq) {
                if (!strcmp(name, "id") || !strcmp(name, "name")) {
                    if (is_nullish(x)) continue;
                    stk_strbuf_printf(b, "        %-*s = ", (int)w, name);
                    attr_value(b, ch, name, x, 8);
                    stk_strbuf_puts(b, "\n");
                } else if (!is_nullish(x)) {
                    hidden++;
                }
                continue;
            }
            const char *m = is_nullish(x) ? "+" : is_nullish(y) ? "-" : "~";
            const char *mc = !color ? "" : m[0] == '+' ? C_GREEN : m[0] == '-' ? C_RED : C_YELLOW;
            stk_strbuf_printf(b, "      %s%s%s %-*s = ", mc, m, reset, (int)w, name);
            if (map_diff(b, ch, name, x, y, color)) {
                if (forces(ch, name)) stk_strbuf_printf(b, " %s# forces replacement%s", color ? C_RED : "", reset);
                stk_strbuf_puts(b, "\n");
                continue;
            }
            if (!is_nullish(x)) {
                attr_value(b, ch, name, x, 8);
                stk_strbuf_puts(b, " -> ");
            }
            attr_value(b, ch, name, y, 8);
            if (forces(ch, name)) stk_strbuf_printf(b, " %s# forces replacement%s", color ? C_RED : "", reset);
        }
        stk_strbuf_puts(b, "\n");
    }
    if (hidden)
        stk_strbuf_printf(b, "        # (%zu unchanged attribute%s hidden)\n", hidden, hidden == 1 ? "" : "s");
    if (hidden_blocks)
        stk_strbuf_printf(b, "        # (%zu unchanged block%s hidden)\n", hidden_blocks, hidden_blocks == 1 ? "" : "s");
    stk_strbuf_puts(b, "    }\n\n");
}

char *stk_plan_render_drift(const stk_plan *p, int color)
{
    if (!p->ndrift) return NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_printf(&b, "\n%sNote: Objects have changed outside of stk%s\n\n", color ? C_BOLD : "",
                      color ? C_RESET : "");
    stk_strbuf_puts(&b, "stk detected the following changes made outside of stk since the last \"stk apply\":\n\n");
    for (size_t i = 0; i < p->ndrift; i++) {
        stk_change *d = p->drift[i];
        if (!d->after) {
            stk_strbuf_printf(&b, "  # %s has been deleted\n", d->addr);
            stk_strbuf_printf(&b, "  %s-%s resource \"%s\" \"%s\" {\n", color ? C_RED : "", color ? C_RESET : "", d->type,
                              d->name);
            const char *id = NULL;
            stk_value *iv = d->before ? stk_value_get(d->before, "id") : NULL;
            if (iv && !iv->is_null && !iv->is_unknown && stk_value_kind(iv) == STK_TY_STRING) id = stk_value_str(iv);
            if (id) stk_strbuf_printf(&b, "      - id = \"%s\" -> null\n", id);
            stk_strbuf_puts(&b, "    }\n\n");
            continue;
        }
        stk_strbuf_printf(&b, "  # %s has changed\n", d->addr);
        stk_strbuf_printf(&b, "  %s~%s resource \"%s\" \"%s\" {\n", color ? C_YELLOW : "", color ? C_RESET : "", d->type,
                          d->name);
        stk_change tmp = *d;
        for (size_t k = 0; k < stk_value_len(d->after); k++) {
            const char *name = stk_value_key(d->after, k);
            stk_value *x = stk_value_get(d->before, name), *y = stk_value_elem(d->after, k);
            if (same(&tmp, name, x, y)) continue;
            stk_strbuf_printf(&b, "      ~ %s = ", name);
            attr_value(&b, &tmp, name, x, 8);
            stk_strbuf_puts(&b, " -> ");
            attr_value(&b, &tmp, name, y, 8);
            stk_strbuf_puts(&b, "\n");
        }
        stk_strbuf_puts(&b, "    }\n\n");
    }
    return stk_strbuf_detach(&b);
}

char *stk_plan_render(const stk_plan *p, int color)
{
    stk_strbuf b = STK_STRBUF_INIT;
    char *drift = stk_plan_render_drift(p, color);
    if (drift) {
        stk_strbuf_puts(&b, drift);
        free(drift);
    }
    if (p->opts.refresh_only) {
        if (!p->ndrift)
            stk_strbuf_puts(&b, "\nNo changes. Your infrastructure still matches the configuration.\n");
        else
            stk_strbuf_puts(&b, "This is a refresh-only plan, so stk will not take any actions to undo these. If you "
                                "were expecting these changes then you can apply this plan to record the updated "
                                "values in the stk state without changing any remote objects.\n");
        return stk_strbuf_detach(&b);
    }
    int have[8] = {0};
    size_t nact = 0;
    for (size_t i = 0; i < p->nchanges; i++)
        if (p->changes[i]->action != STK_PLAN_NOOP) have[p->changes[i]->action] = 1, nact++;
    int outs = 0;
    for (size_t i = 0; i < p->noutputs; i++) {
        const stk_output_change *o = &p->outputs[i];
        if (out_changed(o)) outs = 1;
    }
    if (!nact && !outs) {
        stk_strbuf_printf(&b, "\n%sNo changes.%s Your infrastructure matches the configuration.\n\n", color ? C_BOLD C_GREEN : "",
                          color ? C_RESET : "");
        stk_strbuf_puts(&b, "stk has compared your real infrastructure against your configuration and found no "
                            "differences, so no changes are needed.\n");
        return stk_strbuf_detach(&b);
    }
    if (nact) {
        stk_strbuf_puts(&b, "\nstk used the selected providers to generate the following execution plan. Resource "
                            "actions are indicated with the following symbols:\n");
        static const char *legend[][2] = {
            [STK_PLAN_CREATE] = {"  + ", "create"},          [STK_PLAN_UPDATE] = {"  ~ ", "update in-place"},
            [STK_PLAN_DELETE] = {"  - ", "destroy"},         [STK_PLAN_REPLACE] = {"-/+ ", "destroy and then create replacement"},
            [STK_PLAN_REPLACE_CBD] = {"+/- ", "create replacement and then destroy"},
            [STK_PLAN_READ] = {" <= ", "read (data resources)"},
        };
        static const int order[] = {STK_PLAN_CREATE, STK_PLAN_UPDATE, STK_PLAN_DELETE, STK_PLAN_REPLACE,
                                    STK_PLAN_REPLACE_CBD, STK_PLAN_READ};
        for (size_t k = 0; k < 6; k++)
            if (have[order[k]])
                stk_strbuf_printf(&b, "%s%s%s%s\n", color ? color_of(order[k]) : "", legend[order[k]][0],
                                  color ? C_RESET : "", legend[order[k]][1]);
        stk_strbuf_puts(&b, "\nstk will perform the following actions:\n\n");
        for (size_t i = 0; i < p->nchanges; i++) render_change(&b, p->changes[i], color);
        size_t a, c, d;
        stk_plan_counts(p, &a, &c, &d);
        stk_strbuf_printf(&b, "%sPlan:%s %zu to add, %zu to change, %zu to destroy.\n", color ? C_BOLD : "",
                          color ? C_RESET : "", a, c, d);
    }
    if (outs) {
        stk_strbuf_puts(&b, "\nChanges to Outputs:\n");
        for (size_t i = 0; i < p->noutputs; i++) {
            const stk_output_change *o = &p->outputs[i];
            if (!out_changed(o)) continue;
            const char *m = !o->before ? "+" : !o->after ? "-" : "~";
            stk_strbuf_printf(&b, "  %s %s = ", m, o->name);
            if (o->sensitive) {
                stk_strbuf_puts(&b, "(sensitive value)");
            } else {
                if (o->before && o->after) {
                    value(&b, o->before, 4);
                    stk_strbuf_puts(&b, " -> ");
                }
                value(&b, o->after ? o->after : o->before, 4);
                if (!o->after) stk_strbuf_puts(&b, " -> null");
            }
            stk_strbuf_puts(&b, "\n");
        }
    }
    return stk_strbuf_detach(&b);
}
