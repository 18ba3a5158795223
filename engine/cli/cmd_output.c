/* cmd_output.c - `stk output [-json|-raw] [NAME]`: the root module's
 * outputs recorded in state by the last apply.  As Terraform: without NAME
 * sensitive outputs print as <sensitive>; NAME or -json print the value. */
#include "cli/cli.h"
#include "plans/plan.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "state/session.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("Usage: stk output [options] [NAME]\n\n"
           "  Print the outputs of the root module from the state.\n\n"
           "Options:\n"
           "  -json      All outputs (or NAME) as JSON, sensitive values included\n"
           "  -raw       NAME's value as a raw string (strings, numbers, bools only)\n"
           "  -no-color  No colours\n");
}

int cmd_output(int argc, char **argv)
{
    int json = 0, raw = 0, no_color = 0;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            help();
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "json")) {
            json = 1;
        } else if (stk_cli_flag(argv[i], "raw")) {
            raw = 1;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s\n", argv[i]);
            return STK_EXIT_ERROR;
        } else {
            name = argv[i];
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_state_session s = {0};
    stk_session_opts so = {0};
    so.operation = "output";
    so.no_lock = 1;
    int rc = STK_EXIT_ERROR;
    if (stk_session_open(".", &so, &s, &d) == 0) {
        stk_state_output_list ol = {0};
        if (stk_state_list_outputs(s.st, &ol, &d) == 0) {
            rc = STK_EXIT_OK;
            json_t *all = json_object();
            int found = 0;
            for (size_t i = 0; i < ol.len; i++) {
                stk_state_output *o = &ol.items[i];
                if (name && strcmp(name, o->name)) continue;
                found = 1;
                json_error_t je;
                json_t *v = json_loads(o->value, JSON_DECODE_ANY, &je);
                json_t *t = o->type ? json_loads(o->type, JSON_DECODE_ANY, &je) : NULL;
                if (json && name) {
                    char *str = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
                    printf("%s\n", str);
                    free(str);
                } else if (json) {
                    json_object_set_new(all, o->name, json_pack("{s:b,s:o,s:O}", "sensitive", o->sensitive, "type",
                                                                t ? json_incref(t) : json_string("dynamic"), "value", v));
                } else if (raw) {
                    if (json_is_string(v)) printf("%s", json_string_value(v));
                    else if (json_is_number(v) || json_is_boolean(v)) {
                        char *str = json_dumps(v, JSON_ENCODE_ANY);
                        printf("%s", str);
                        free(str);
                    } else {
                        stk_diags_add(&d, STK_DIAG_ERROR, NULL, "Unsupported value for raw output",
                                      "The -raw option only supports strings, numbers, and boolean values.");
                        rc = STK_EXIT_ERROR;
                    }
                } else {
                    stk_value *val = stk_value_from_json(v);
                    char *str = val ? stk_value_to_hcl(val) : NULL;
                    if (name) printf("%s\n", str ? str : "null");
                    else if (o->sensitive) printf("%s = <sensitive>\n", o->name);
                    else printf("%s = %s\n", o->name, str ? str : "null");
                    free(str);
                    if (val) stk_value_unref(val);
                }
                json_decref(v);
                json_decref(t);
            }
            if (json && !name) {
                char *str = json_dumps(all, JSON_INDENT(2));
                printf("%s\n", str);
                free(str);
            }
            json_decref(all);
            if (name && !found) {
                stk_diags_add(&d, STK_DIAG_ERROR, NULL, "Output not found",
                              "The output variable requested could not be found in the state file. If you recently "
                              "added this to your configuration, be sure to run `stk apply`.");
                rc = STK_EXIT_ERROR;
            } else if (!name && !ol.len && !json) {
                stk_diags_add(&d, STK_DIAG_WARNING, NULL, "No outputs found",
                              "The state file either has no outputs defined, or all the defined outputs are empty.");
            }
        }
        stk_state_output_list_free(&ol);
        stk_session_close(&s);
    }
    stk_cli_print_diags(stderr, &d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(&d);
    return rc;
}
