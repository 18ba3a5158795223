/* cmd_plan.c - `stk plan`: show what apply would do (the work is shared
 * with apply in cmd_apply.c: stk_cli_plan_apply). */
#include "cli/cli.h"

int cmd_plan(int argc, char **argv) { return stk_cli_plan_apply(argc, argv, STK_CLI_PLAN); }
