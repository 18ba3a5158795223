/* fuzz_eval.c - libFuzzer target over the evaluator: the input is parsed
 * as an expression, its references are collected and it is evaluated in a
 * scope with one variable (`var`, an object holding a list, a map, an
 * unknown and a sensitive value) and no functions (the function library
 * has its own tests; a call here reports "Function calls not allowed").
 * Beyond "no crash, no leak, no sanitizer report" it checks that the
 * evaluator keeps its contract that a value is always returned.  Inputs
 * are capped at 256 bytes so nested for expressions cannot blow up into
 * an exponential amount of honest work. */
#include "eval/eval.h"
#include "hcl/parser.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static stk_value *make_var(void)
{
    stk_value *items[] = {stk_value_int(1), stk_value_string("a"), stk_value_bool(1)};
    stk_value *list = stk_value_tuple(items, 3);
    char *mk[] = {"k", "z"};
    stk_value *mv[] = {stk_value_string("v"), stk_value_number(1.5)};
    stk_value *map = stk_value_object(mk, mv, 2);
    char *keys[] = {"l", "m", "s", "u"};
    stk_value *vals[] = {list, map, stk_value_mark(stk_value_string("secret"), STK_MARK_SENSITIVE),
                         stk_value_unknown(STK_STRING)};
    return stk_value_object(keys, vals, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256) return 0;
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse("fuzz", (const char *)data, size, 0, &d);
    if (f->expr && !stk_diags_has_errors(&d)) {
        stk_refs r = STK_REFS_INIT;
        stk_refs_collect(f->expr, &r);
        for (size_t i = 0; i < r.len; i++) free(stk_ref_to_string(&r.items[i], (size_t)-1));
        stk_refs_free(&r);

        stk_value *var = make_var();
        const char *names[] = {"var"};
        stk_value *vals[] = {var};
        stk_eval_scope s = {0};
        s.bind_names = names;
        s.bind_values = vals;
        s.nbind = 1;
        stk_value *v = stk_eval_expr(f->expr, &s, &d);
        if (!v || !v->type) abort();
        char *text = stk_value_to_hcl(v);
        free(text);
        stk_value_unref(v);
        stk_value_unref(var);
    }
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
    return 0;
}
