/* cli.h - what the command files of engine/cli share: the command table
 * entries, option parsing in Terraform's style (-flag, -flag=value,
 * --flag too) and diagnostic rendering.  Only engine/cli prints or exits. */
#ifndef STK_CLI_H
#define STK_CLI_H
#include <stdio.h>
#include "util/diag.h"

/* Exit codes */
enum { STK_EXIT_OK = 0, STK_EXIT_ERROR = 1, STK_EXIT_CHANGES = 2 };

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);  /* argv[0] is the command name */
    const char *summary;                /* one line for `stk --help` */
    int hidden;                         /* debugging commands: not listed by --help */
} stk_cli_command;

/* Every command: cmd_<name>(argc, argv).  Each prints its own --help. */
int cmd_version(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_workspace(int argc, char **argv);
int cmd_force_unlock(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_backend(int argc, char **argv);
int cmd_aws(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_output(int argc, char **argv);
int cmd_taint(int argc, char **argv);
int cmd_untaint(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_dr(int argc, char **argv);
/* plan / apply / destroy / refresh share one implementation (cmd_apply.c) */
enum { STK_CLI_PLAN, STK_CLI_APPLY, STK_CLI_DESTROY, STK_CLI_REFRESH };
int stk_cli_plan_apply(int argc, char **argv, int mode);

/* Option helpers: match "-name", "--name", "-name=value", "--name=value".
   stk_cli_flag returns 1 when arg is the boolean flag name.
   stk_cli_opt returns 1 and sets *value when arg is name=value, or name
   followed by a separate value in argv[*i+1] (then *i is advanced). */
int stk_cli_flag(const char *arg, const char *name);
int stk_cli_opt(int argc, char **argv, int *i, const char *name, const char **value);
int stk_cli_is_help(const char *arg);

/* Render diagnostics on `out` (stderr normally): "Error: summary", the
   file:line:col, the source line with carets under the range, the detail.
   Source lines are read again from the named file (or from a registered
   in-memory source, for configurations read from git). */
void stk_cli_print_diags(FILE *out, const stk_diags *d, int color);
void stk_cli_register_source(const char *filename, const char *src, size_t len);
int stk_cli_use_color(FILE *f, int no_color_flag);
/* The source lines a range covers, for Terraform's JSON "snippet": returns
   a malloc'd copy of lines start..end of the range (joined by newlines) or
   NULL when the source cannot be read; *context (malloc'd or NULL) is the
   enclosing block header, *hl_start / *hl_end the byte offsets of the range
   within the returned text. */
char *stk_cli_snippet(const stk_range *r, char **context, size_t *hl_start, size_t *hl_end);

#endif
