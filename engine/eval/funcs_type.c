/* funcs_type.c - the type conversion functions tolist, toset, tomap,
 * tostring, tonumber, tobool.  They accept null (giving a typed null) and
 * unknown values (giving a typed unknown), with Terraform's messages. */
#include "eval/funcs_internal.h"
#include <stdlib.h>
#include <string.h>

static stk_value *to_type(stk_value *v, stk_type *want, char **err, int *err_arg)
{
    char *e = NULL;
    stk_value *r = stk_value_convert(v, want, &e);
    if (r) return r;
    free(e);
    stk_type_kind from = v->type->kind;
    char *wn = stk_type_friendly_constraint(want);
    if (from == STK_TY_STRING && !v->is_unknown && !v->is_null && want->kind == STK_TY_NUMBER)
        stk_fn_fail(err, err_arg, 0, "cannot convert \"%s\" to number; given string must be a decimal "
                                     "representation of a number", v->u.str.s);
    else if (from == STK_TY_STRING && !v->is_unknown && !v->is_null && want->kind == STK_TY_BOOL)
        stk_fn_fail(err, err_arg, 0, "cannot convert \"%s\" to bool; only the strings \"true\" or \"false\" "
                                     "are allowed", v->u.str.s);
    else {
        char *fn = stk_type_friendly_name(v->type);
        stk_fn_fail(err, err_arg, 0, "cannot convert %s to %s", fn, wn);
        free(fn);
    }
    free(wn);
    return NULL;
}

FN(tolist) { (void)ctx; (void)nargs; return to_type(args[0], stk_type_list(STK_DYNAMIC), err, err_arg); }
FN(toset) { (void)ctx; (void)nargs; return to_type(args[0], stk_type_set(STK_DYNAMIC), err, err_arg); }
FN(tomap) { (void)ctx; (void)nargs; return to_type(args[0], stk_type_map(STK_DYNAMIC), err, err_arg); }
FN(tostring) { (void)ctx; (void)nargs; return to_type(args[0], STK_STRING, err, err_arg); }
FN(tonumber) { (void)ctx; (void)nargs; return to_type(args[0], STK_NUMBER, err, err_arg); }
FN(tobool) { (void)ctx; (void)nargs; return to_type(args[0], STK_BOOL, err, err_arg); }

/* The mark functions get their arguments with marks (STK_FUNC_MARKS_OK). */
FN(sensitive)
{
    (void)ctx; (void)nargs; (void)err; (void)err_arg;
    return stk_value_mark(stk_value_ref(args[0]), STK_MARK_SENSITIVE);
}

FN(nonsensitive)
{
    (void)ctx; (void)nargs; (void)err; (void)err_arg;
    return stk_value_unmark_top(stk_value_ref(args[0]));
}

FN(issensitive)
{
    (void)ctx; (void)nargs; (void)err; (void)err_arg;
    if (args[0]->is_unknown && !(args[0]->marks & STK_MARK_SENSITIVE)) return stk_value_unknown(STK_BOOL);
    return stk_value_bool((args[0]->marks & STK_MARK_SENSITIVE) != 0);
}

/* stk has no ephemeral values, so nothing is ever replaced by null */
FN(ephemeralasnull)
{
    (void)ctx; (void)nargs; (void)err; (void)err_arg;
    return stk_value_ref(args[0]);
}

const stk_func stk_funcs_type[] = {
    { "ephemeralasnull", 1, 1, STK_FUNC_UNKNOWN_OK, fn_ephemeralasnull, "ephemeralasnull(value any) any" },
    { "issensitive", 1, 1, STK_FUNC_UNKNOWN_OK | STK_FUNC_MARKS_OK, fn_issensitive, "issensitive(value any) bool" },
    { "nonsensitive", 1, 1, STK_FUNC_UNKNOWN_OK | STK_FUNC_MARKS_OK, fn_nonsensitive, "nonsensitive(value any) any" },
    { "sensitive", 1, 1, STK_FUNC_UNKNOWN_OK | STK_FUNC_MARKS_OK, fn_sensitive, "sensitive(value any) any" },
    { "tobool", 1, 1, STK_FUNC_UNKNOWN_OK, fn_tobool, "tobool(v any) bool" },
    { "tolist", 1, 1, STK_FUNC_UNKNOWN_OK, fn_tolist, "tolist(v any) list of any" },
    { "tomap", 1, 1, STK_FUNC_UNKNOWN_OK, fn_tomap, "tomap(v any) map of any" },
    { "tonumber", 1, 1, STK_FUNC_UNKNOWN_OK, fn_tonumber, "tonumber(v any) number" },
    { "toset", 1, 1, STK_FUNC_UNKNOWN_OK, fn_toset, "toset(v any) set of any" },
    { "tostring", 1, 1, STK_FUNC_UNKNOWN_OK, fn_tostring, "tostring(v any) string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
