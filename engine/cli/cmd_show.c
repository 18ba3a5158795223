/* cmd_show.c - `stk show [-json] [FILE]`: a saved plan (human: the plan as
 * `stk plan` printed it; -json: Terraform's plan JSON), or without FILE
 * the current state (human: one block per object, sensitive attributes
 * masked; -json: Terraform's state "values" JSON). */
#include "cli/cli.h"
#include "plans/plan.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/session.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "util/strbuf.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("Usage: stk show [options] [PLANFILE]\n\n"
           "  Show a saved plan, or the current state when no file is given.\n\n"
           "Options:\n"
           "  -json      Machine-readable output (Terraform's plan / state JSON)\n"
           "  -no-color  No colours\n");
}

/* a sensitive mask (true, or an object / array of masks) with anything
   sensitive in it: the attribute is shown as (sensitive value) whole */
static int any_true(json_t *m)
{
    if (json_is_true(m)) return 1;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(m)) json_object_foreach(m, k, v) if (any_true(v)) return 1;
    if (json_is_array(m)) json_array_foreach(m, i, v) if (any_true(v)) return 1;
    return 0;
}

static void show_plan_human(json_t *plan)
{
    json_t *rcs = json_object_get(plan, "resource_changes");
    size_t i, add = 0, chg = 0, del = 0;
    json_t *rc;
    int any = 0;
    json_array_foreach(rcs, i, rc) {
        json_t *acts = json_object_get(json_object_get(rc, "change"), "actions");
        const char *a0 = json_string_value(json_array_get(acts, 0));
        const char *a1 = json_string_value(json_array_get(acts, 1));
        if (!a0 || !strcmp(a0, "no-op") || !strcmp(a0, "read")) continue;
        any = 1;
        const char *addr = json_string_value(json_object_get(rc, "address"));
        const char *what = a1 ? "must be replaced" : !strcmp(a0, "create") ? "will be created"
                                                   : !strcmp(a0, "update") ? "will be updated in-place" : "will be destroyed";
        const char *sym = a1 ? (!strcmp(a0, "delete") ? "-/+" : "+/-") : !strcmp(a0, "create") ? "+" : !strcmp(a0, "update") ? "~" : "-";
        printf("  # %s %s\n  %s resource \"%s\" \"%s\" {\n", addr, what, sym, json_string_value(json_object_get(rc, "type")),
               json_string_value(json_object_get(rc, "name")));
        json_t *ch = json_object_get(rc, "change");
        json_t *after = json_object_get(ch, "after"), *before = json_object_get(ch, "before");
        json_t *au = json_object_get(ch, "after_unknown"), *as = json_object_get(ch, "after_sensitive");
        json_t *bs = json_object_get(ch, "before_sensitive");
        json_t *obj = json_is_object(after) ? after : before;
        const char *k;
        json_t *v;
        json_object_foreach(obj, k, v) {
            json_t *bv = json_object_get(before, k);
            int sens = any_true(json_object_get(as, k)) || any_true(json_object_get(bs, k));
            int unk = json_is_true(json_object_get(au, k));
            if (json_is_null(v) && !unk && (!bv || json_is_null(bv))) continue;
            if (bv && json_equal(bv, v) && !unk && json_is_object(after)) continue;
            char *vs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("      %s %s = %s\n", json_is_object(after) ? (bv && !json_is_null(bv) ? "~" : "+") : "-", k,
                   sens ? "(sensitive value)" : unk ? "(known after apply)" : vs);
            free(vs);
        }
        printf("    }\n\n");
        if (a1) add++, del++;
        else if (!strcmp(a0, "create")) add++;
        else if (!strcmp(a0, "update")) chg++;
        else del++;
    }
    if (!any) printf("No changes. Your infrastructure matches the configuration.\n");
    else printf("Plan: %zu to add, %zu to change, %zu to destroy.\n", add, chg, del);
}

static void show_state_human(json_t *vals, stk_state *st)
{
    stk_state_instance_list l = {0};
    stk_diags d = STK_DIAGS_INIT;
    stk_state_list(st, NULL, 0, &l, &d);
    if (!l.len) printf("The state is empty.\n");
    for (size_t i = 0; i < l.len; i++) {
        stk_state_instance *si = &l.items[i];
        json_error_t je;
        json_t *attrs = json_loads(si->attributes ? si->attributes : "{}", 0, &je);
        json_t *sp = json_loads(si->sensitive_paths ? si->sensitive_paths : "[]", 0, &je);
        printf("# %s:%s%s\n%s \"%s\" \"%s\" {\n", si->address, si->deposed[0] ? " (deposed " : "", si->deposed[0] ? si->deposed : "",
               si->parts.mode == STK_ADDR_MODE_DATA ? "data" : "resource", si->parts.type, si->parts.name);
        if (si->deposed[0]) printf(")");
        const char *k;
        json_t *v;
        json_object_foreach(attrs, k, v) {
            if (json_is_null(v)) continue;
            int sens = 0;
            size_t j;
            json_t *path;
            json_array_foreach(sp, j, path) {
                const char *n = json_string_value(json_object_get(json_array_get(path, 0), "value"));
                if (n && !strcmp(n, k)) sens = 1;
            }
            char *vs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("    %s = %s\n", k, sens ? "(sensitive value)" : vs);
            free(vs);
        }
        printf("}\n\n");
        json_decref(attrs);
        json_decref(sp);
    }
    json_t *outs = json_object_get(json_object_get(vals, "values"), "outputs");
    if (json_object_size(outs)) {
        printf("\nOutputs:\n\n");
        const char *k;
        json_t *o;
        json_object_foreach(outs, k, o) {
            char *vs = json_dumps(json_object_get(o, "value"), JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%s = %s\n", k, json_is_true(json_object_get(o, "sensitive")) ? "(sensitive value)" : vs);
            free(vs);
        }
    }
    stk_state_instance_list_free(&l);
    stk_diags_free(&d);
}

int cmd_show(int argc, char **argv)
{
    int json = 0, no_color = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            help();
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "json")) {
            json = 1;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s\n", argv[i]);
            return STK_EXIT_ERROR;
        } else {
            file = argv[i];
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    int rc = STK_EXIT_ERROR;
    if (file) {
        json_t *doc = stk_planfile_read(file, &d);
        if (doc) {
            json_t *plan = json_object_get(doc, "plan");
            if (json) {
                char *s = json_dumps(plan, JSON_COMPACT);
                printf("%s\n", s);
                free(s);
            } else {
                show_plan_human(plan);
            }
            json_decref(doc);
            rc = STK_EXIT_OK;
        }
    } else {
        stk_state_session s = {0};
        stk_session_opts so = {0};
        so.operation = "show";
        so.no_lock = 1;
        if (stk_session_open(".", &so, &s, &d) == 0) {
            json_t *v = stk_state_values_json(s.st, &d);
            if (json) {
                char *str = json_dumps(v, JSON_COMPACT);
                printf("%s\n", str);
                free(str);
            } else {
                show_state_human(v, s.st);
            }
            json_decref(v);
            stk_session_close(&s);
            rc = STK_EXIT_OK;
        }
    }
    stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, no_color));
    if (stk_diags_has_errors(&d)) rc = STK_EXIT_ERROR;
    stk_diags_free(&d);
    return rc;
}
