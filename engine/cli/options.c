/* options.c - Terraform-style option parsing shared by the commands. */
#include "cli/cli.h"
#include <string.h>

static const char *strip_dashes(const char *arg)
{
    if (arg[0] != '-') return NULL;
    arg++;
    if (arg[0] == '-') arg++;
    return arg;
}

int stk_cli_flag(const char *arg, const char *name)
{
    const char *a = strip_dashes(arg);
    return a && strcmp(a, name) == 0;
}

int stk_cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = strip_dashes(argv[*i]);
    if (!a) return 0;
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] == 0 && *i + 1 < argc) {
        *value = argv[++*i];
        return 1;
    }
    return 0;
}

int stk_cli_is_help(const char *arg)
{
    return stk_cli_flag(arg, "help") || stk_cli_flag(arg, "h");
}
