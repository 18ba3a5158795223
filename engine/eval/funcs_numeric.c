/* funcs_numeric.c - numeric functions: min, max, abs, ceil, floor, pow,
 * signum, log, parseint, sum.  Integers stay exact on the int64 path
 * where the operation allows. */
#include "eval/funcs_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static stk_type *const T_N[] = { &stk_type_number };
static stk_type *const T_NN[] = { &stk_type_number, &stk_type_number };

static int ncmp(const stk_value *a, const stk_value *b)
{
    if (a->is_int && b->is_int) return a->u.num.i < b->u.num.i ? -1 : a->u.num.i > b->u.num.i;
    return a->u.num.d < b->u.num.d ? -1 : a->u.num.d > b->u.num.d;
}

static stk_value *minmax(stk_value **args, size_t nargs, int want_max, char **err, int *err_arg)
{
    if (nargs == 0) return stk_fn_fail(err, err_arg, -1, "must pass at least one number");
    stk_value **conv = stk_xmalloc(sizeof(stk_value *) * nargs);
    if (stk_fn_args(args, nargs, T_N, 1, 0, conv, err, err_arg)) { free(conv); return NULL; }
    stk_value *best = conv[0];
    for (size_t i = 1; i < nargs; i++) {
        int c = ncmp(conv[i], best);
        if (want_max ? c > 0 : c < 0) best = conv[i];
    }
    stk_value *r = stk_value_ref(best);
    stk_fn_release(conv, nargs);
    free(conv);
    return r;
}

FN(min) { (void)ctx; return minmax(args, nargs, 0, err, err_arg); }
FN(max) { (void)ctx; return minmax(args, nargs, 1, err, err_arg); }

FN(abs)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_N, 1, 0, c, err, err_arg)) return NULL;
    stk_value *r;
    if (c[0]->is_int && c[0]->u.num.i != INT64_MIN) r = stk_value_int(c[0]->u.num.i < 0 ? -c[0]->u.num.i : c[0]->u.num.i);
    else r = stk_value_number(fabs(c[0]->u.num.d));
    stk_fn_release(c, 1);
    return r;
}

static stk_value *round_fn(stk_value **args, size_t nargs, double (*f)(double), char **err, int *err_arg)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_N, 1, 0, c, err, err_arg)) return NULL;
    stk_value *r = c[0]->is_int ? stk_value_ref(c[0]) : stk_value_number(f(c[0]->u.num.d));
    stk_fn_release(c, 1);
    return r;
}

FN(ceil) { (void)ctx; return round_fn(args, nargs, ceil, err, err_arg); }
FN(floor) { (void)ctx; return round_fn(args, nargs, floor, err, err_arg); }

FN(signum)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_N, 1, 0, c, err, err_arg)) return NULL;
    int64_t i;
    int bad = stk_fn_int(c[0], 0, &i, err, err_arg);
    stk_fn_release(c, 1);
    if (bad) return NULL;
    return stk_value_int(i > 0 ? 1 : i < 0 ? -1 : 0);
}

FN(pow)
{
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T_NN, 2, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    if (c[0]->is_int && c[1]->is_int && c[1]->u.num.i >= 0) {
        /* exact integer power while it fits */
        int64_t b = c[0]->u.num.i, e = c[1]->u.num.i, acc = 1;
        int ovf = 0;
        while (e > 0 && !ovf) {
            if (e & 1) ovf |= __builtin_mul_overflow(acc, b, &acc);
            e >>= 1;
            if (e) ovf |= __builtin_mul_overflow(b, b, &b);
        }
        if (!ovf) r = stk_value_int(acc);
    }
    if (!r) r = stk_value_number(pow(c[0]->u.num.d, c[1]->u.num.d));
    stk_fn_release(c, 2);
    return r;
}

FN(log)
{
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T_NN, 2, 0, c, err, err_arg)) return NULL;
    double x = c[0]->u.num.d, base = c[1]->u.num.d;
    stk_fn_release(c, 2);
    double r = log(x) / log(base);
    /* infinities are numbers in Terraform; NaN is not */
    if (isnan(r)) return stk_fn_fail(err, err_arg, -1, "the result is not a number");
    return stk_value_number(r);
}

FN(parseint)
{
    static stk_type *const T[] = { &stk_type_string, &stk_type_number };
    stk_value *c[2];
    if (args[0]->type->kind != STK_TY_STRING) {
        char *fn = stk_type_friendly_name(args[0]->type);
        stk_fn_fail(err, err_arg, 0, "first argument must be a string, not %s", fn);
        free(fn);
        return NULL;
    }
    if (stk_fn_args(args, nargs, T, 2, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    int64_t base;
    if (stk_fn_int(c[1], 1, &base, err, err_arg)) goto out;
    if (base < 2 || base > 62) {
        stk_fn_fail(err, err_arg, 1, "base must be a whole number between 2 and 62 inclusive");
        goto out;
    }
    const char *s = c[0]->u.str.s;
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') { neg = *p == '-'; p++; }
    if (!*p) goto bad;
    int64_t acc = 0;
    int ovf = 0;
    double dacc = 0;
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9') d = *p - '0';
        else if (*p >= 'a' && *p <= 'z') d = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'Z') d = base <= 36 ? *p - 'A' + 10 : *p - 'A' + 36;
        else goto bad;
        if (d >= base) goto bad;
        dacc = dacc * (double)base + d;
        if (!ovf) ovf = __builtin_mul_overflow(acc, base, &acc) || __builtin_add_overflow(acc, d, &acc);
    }
    if (!ovf) r = stk_value_int(neg ? -acc : acc);
    else r = stk_value_number(neg ? -dacc : dacc);
    goto out;
bad:
    stk_fn_fail(err, err_arg, 0, "cannot parse \"%s\" as a base %lld integer", s, (long long)base);
out:
    stk_fn_release(c, 2);
    return r;
}

FN(sum)
{
    stk_value *l = args[0];
    if (l->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!stk_fn_is_seq(l) && !stk_fn_is_mapping(l)) return stk_fn_fail(err, err_arg, 0, "cannot sum noniterable");
    if (!stk_fn_is_seq(l) && l->u.coll.n > 0) {
        char *fn = stk_type_friendly_name(l->type);
        stk_value *r = stk_fn_fail(err, err_arg, 0, "argument must be list, set, or tuple. Received %s", fn);
        free(fn);
        return r;
    }
    size_t n = l->u.coll.n;
    if (n == 0) return stk_fn_fail(err, err_arg, 0, "cannot sum an empty list");
    int all_int = 1;
    int64_t iacc = 0;
    double dacc = 0;
    for (size_t i = 0; i < n; i++) {
        char *e = NULL;
        stk_value *c = stk_value_convert(l->u.coll.items[i], STK_NUMBER, &e);
        if (!c) { free(e); return stk_fn_fail(err, err_arg, 0, "argument must be list, set, or tuple of number values"); }
        if (c->is_null) { stk_value_unref(c); return stk_fn_fail(err, err_arg, 0, "argument must be list, set, or tuple of number values"); }
        int64_t t;
        if (all_int && c->is_int && !__builtin_add_overflow(iacc, c->u.num.i, &t)) {
            iacc = t;
        } else {
            if (all_int) { dacc = (double)iacc; all_int = 0; }
            dacc += c->u.num.d;
        }
        stk_value_unref(c);
    }
    return all_int ? stk_value_int(iacc) : stk_value_number(dacc);
}

const stk_func stk_funcs_numeric[] = {
    { "abs", 1, 1, 0, fn_abs, "abs(num number) number" },
    { "ceil", 1, 1, 0, fn_ceil, "ceil(num number) number" },
    { "floor", 1, 1, 0, fn_floor, "floor(num number) number" },
    { "log", 2, 2, 0, fn_log, "log(num number, base number) number" },
    { "max", 0, -1, 0, fn_max, "max(...numbers number) number" },
    { "min", 0, -1, 0, fn_min, "min(...numbers number) number" },
    { "parseint", 2, 2, 0, fn_parseint, "parseint(number string, base number) number" },
    { "pow", 2, 2, 0, fn_pow, "pow(num number, power number) number" },
    { "signum", 1, 1, 0, fn_signum, "signum(num number) number" },
    { "sum", 1, 1, 0, fn_sum, "sum(list any) number" },
    { NULL, 0, 0, 0, NULL, NULL },
};
