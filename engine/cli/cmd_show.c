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
                /* the plan as `stk plan` printed it: the same renderer over
                   the plan rebuilt from the file alone */
                stk_plan *p = stk_plan_from_json(plan, json_object_get(doc, "options"), file, &d);
                if (p) {
                    char *txt = stk_plan_render(p, stk_cli_use_color(stdout, no_color));
                    fputs(txt, stdout);
                    free(txt);
                    stk_plan_free(p);
                }
            }
            json_decref(doc);
            rc = stk_diags_has_errors(&d) ? STK_EXIT_ERROR : STK_EXIT_OK;
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
