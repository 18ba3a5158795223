/* funcs_format.c - format() and formatlist(): Terraform's printf verbs
 *   %v (default), %#v (JSON), %t, %b %d %o %x %X %e %E %f %g %G, %s, %q, %%
 * with flags (+ - # 0 space), width, precision and explicit argument
 * indices (%[2]s).  Numbers print as Terraform prints them under %v/%s;
 * %g without precision uses the shortest representation as Go does. */
#include "eval/funcs_internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int minus, plus, sharp, zero, space;
    int width, prec;   /* -1: absent */
} spec;

static size_t rune_len(const char *s, size_t n) { return stk_utf8_graphemes(s, n); }

/* cty's formatPadWidth: pad to width characters with spaces (or zeros
   with the 0 flag, always on the left unless '-') */
static void pad_width(stk_strbuf *b, const char *s, size_t n, const spec *sp)
{
    size_t w = rune_len(s, n);
    size_t want = sp->width > 0 ? (size_t)sp->width : 0;
    if (w >= want) { stk_strbuf_add(b, s, n); return; }
    size_t fill = want - w;
    char pc = sp->zero ? '0' : ' ';
    if (sp->minus) {
        stk_strbuf_add(b, s, n);
        for (size_t i = 0; i < fill; i++) stk_strbuf_putc(b, pc);
    } else {
        for (size_t i = 0; i < fill; i++) stk_strbuf_putc(b, pc);
        stk_strbuf_add(b, s, n);
    }
}

/* Go's fmt padding for numbers: zeros go after the sign */
static void pad(stk_strbuf *b, const char *s, size_t n, const spec *sp, int zero_ok)
{
    size_t w = rune_len(s, n);
    size_t want = sp->width > 0 ? (size_t)sp->width : 0;
    if (w >= want) { stk_strbuf_add(b, s, n); return; }
    size_t fill = want - w;
    if (sp->minus) {
        stk_strbuf_add(b, s, n);
        for (size_t i = 0; i < fill; i++) stk_strbuf_putc(b, ' ');
    } else if (sp->zero && zero_ok) {
        size_t sign = (n > 0 && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
        stk_strbuf_add(b, s, sign);
        for (size_t i = 0; i < fill; i++) stk_strbuf_putc(b, '0');
        stk_strbuf_add(b, s + sign, n - sign);
    } else {
        for (size_t i = 0; i < fill; i++) stk_strbuf_putc(b, ' ');
        stk_strbuf_add(b, s, n);
    }
}

/* Go's %g with the shortest representation */
static void go_g(stk_strbuf *b, double d, int upper)
{
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d) break;
    }
    char *e = strchr(tmp, 'e');
    int exp = atoi(e + 1);
    if (exp < -4 || exp >= 6) {
        /* mantissa digits without trailing zeros, exponent at least 2 digits */
        *e = 0;
        char *mant = tmp;
        if (strchr(mant, '.')) {
            size_t l = strlen(mant);
            while (mant[l - 1] == '0') mant[--l] = 0;
            if (mant[l - 1] == '.') mant[--l] = 0;
        }
        stk_strbuf_printf(b, "%s%c%c%02d", mant, upper ? 'E' : 'e', exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else {
        snprintf(tmp, sizeof tmp, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
        stk_strbuf_puts(b, tmp);
    }
}

static void fmt_int_base(stk_strbuf *b, long long v, int base, int upper, const spec *sp)
{
    char digs[80];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do { digs[n++] = set[u % (unsigned)base]; u /= (unsigned)base; } while (u);
    stk_strbuf tmp = STK_STRBUF_INIT;
    if (v < 0) stk_strbuf_putc(&tmp, '-');
    else if (sp->plus) stk_strbuf_putc(&tmp, '+');
    else if (sp->space) stk_strbuf_putc(&tmp, ' ');
    if (sp->sharp) {
        if (base == 16) stk_strbuf_puts(&tmp, upper ? "0X" : "0x");
        else if (base == 8) stk_strbuf_putc(&tmp, '0');
        else if (base == 2) stk_strbuf_puts(&tmp, "0b");
    }
    for (int i = sp->prec; i > n; i--) stk_strbuf_putc(&tmp, '0');
    while (n) stk_strbuf_putc(&tmp, digs[--n]);
    pad(b, tmp.s, tmp.len, sp, sp->prec < 0);
    stk_strbuf_free(&tmp);
}

/* Format one verb; returns NULL or an error message (malloc'd), which
   the caller prefixes with the verb and its offset. */
static char *format_one(stk_strbuf *out, char verb, const spec *sp, stk_value *arg)
{
    stk_strbuf tmp = STK_STRBUF_INIT;
    char *e = NULL;
    if (arg->is_null && verb != 'v') return stk_xstrdup("null value cannot be formatted");
    switch (verb) {
    case 'v':
        if (!sp->sharp && !arg->is_null && arg->type->kind == STK_TY_STRING) {
            pad_width(out, arg->u.str.s, arg->u.str.len, sp);
            break;
        }
        if (!sp->sharp && !arg->is_null && arg->type->kind == STK_TY_NUMBER) {
            /* big.Float Text('g', -1) */
            if (arg->is_int && (arg->u.num.i > -1000000 && arg->u.num.i < 1000000))
                stk_strbuf_printf(&tmp, "%lld", (long long)arg->u.num.i);
            else go_g(&tmp, arg->u.num.d, 0);
            pad_width(out, tmp.s, tmp.len, sp);
            break;
        }
        stk_json_encode(&tmp, arg);
        pad_width(out, tmp.s, tmp.len, sp);
        break;
    case 't': {
        stk_value *c = stk_value_convert(arg, STK_BOOL, &e);
        if (!c) break;
        stk_strbuf_puts(out, c->u.b ? "true" : "false");
        stk_value_unref(c);
        break;
    }
    case 's': case 'q': {
        stk_value *c = stk_value_convert(arg, STK_STRING, &e);
        if (!c) break;
        const char *s = c->u.str.s;
        size_t n = c->u.str.len;
        if (sp->prec > 0) {
            /* precision truncates the input to that many characters */
            size_t i = 0;
            for (int k = 0; k < sp->prec && i < n; k++) i += stk_utf8_grapheme(s + i, n - i);
            n = i;
        }
        if (verb == 'q') {
            stk_value *sub = stk_value_stringn(s, n);
            stk_json_encode(&tmp, sub);
            stk_value_unref(sub);
            pad_width(out, tmp.s, tmp.len, sp);
        } else {
            pad_width(out, s, n, sp);
        }
        stk_value_unref(c);
        break;
    }
    case 'd': case 'b': case 'o': case 'x': case 'X': {
        stk_value *c = stk_value_convert(arg, STK_NUMBER, &e);
        if (!c) break;
        if (!c->is_int) {
            stk_value_unref(c);
            e = stk_xstrdup("an integer is required");
            break;
        }
        int base = verb == 'd' ? 10 : verb == 'b' ? 2 : verb == 'o' ? 8 : 16;
        fmt_int_base(out, (long long)c->u.num.i, base, verb == 'X', sp);
        stk_value_unref(c);
        break;
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
        stk_value *c = stk_value_convert(arg, STK_NUMBER, &e);
        if (!c) break;
        double d = c->u.num.d;
        stk_value_unref(c);
        if ((verb == 'g' || verb == 'G') && sp->prec < 0) {
            if (sp->plus && d >= 0) stk_strbuf_putc(&tmp, '+');
            else if (sp->space && d >= 0) stk_strbuf_putc(&tmp, ' ');
            go_g(&tmp, d, verb == 'G');
        } else {
            char f[32];
            snprintf(f, sizeof f, "%%%s%s%s.%d%c", sp->plus ? "+" : "", sp->space ? " " : "", sp->sharp ? "#" : "",
                     sp->prec < 0 ? 6 : sp->prec, verb == 'F' ? 'f' : verb);
            stk_strbuf_printf(&tmp, f, d);
        }
        pad(out, tmp.s, tmp.len, sp, 1);
        break;
    }
    default:
        e = NULL;
        stk_strbuf_free(&tmp);
        return stk_xasprintf("\x01unsupported format verb '%c'", verb);
    }
    stk_strbuf_free(&tmp);
    return e;
}

/* Shared by format and formatlist: args[0..n) are the values. */
static int do_format(stk_strbuf *out, const char *f, size_t flen, stk_value **vals, size_t n, char **err, int *err_arg)
{
    size_t argi = 0;
    int reordered = 0;
    for (size_t i = 0; i < flen;) {
        char ch = f[i];
        if (ch != '%') { stk_strbuf_putc(out, ch); i++; continue; }
        size_t start = i++;
        if (i < flen && f[i] == '%') { stk_strbuf_putc(out, '%'); i++; continue; }
        spec sp = { 0, 0, 0, 0, 0, -1, -1 };
        for (; i < flen; i++) {
            if (f[i] == '-') sp.minus = 1;
            else if (f[i] == '+') sp.plus = 1;
            else if (f[i] == '#') sp.sharp = 1;
            else if (f[i] == '0') sp.zero = 1;
            else if (f[i] == ' ') sp.space = 1;
            else break;
        }
        for (int pass = 0; pass < 3; pass++) {
            if (i < flen && f[i] == '[') {
                size_t j = i + 1;
                long idx = 0;
                while (j < flen && f[j] >= '0' && f[j] <= '9') { if (idx < 100000000) idx = idx * 10 + (f[j] - '0'); j++; }
                if (j >= flen || f[j] != ']' || j == i + 1 || idx < 1) {
                    stk_fn_fail(err, err_arg, 0, "invalid argument index at offset %zu", start);
                    return -1;
                }
                argi = (size_t)idx - 1;
                reordered = 1;
                i = j + 1;
            }
            if (pass == 0 && i < flen && f[i] >= '0' && f[i] <= '9') {
                sp.width = 0;
                while (i < flen && f[i] >= '0' && f[i] <= '9') { if (sp.width < 100000000) sp.width = sp.width * 10 + (f[i] - '0'); i++; }
            }
            if (pass == 1 && i < flen && f[i] == '.') {
                i++;
                sp.prec = 0;
                while (i < flen && f[i] >= '0' && f[i] <= '9') { if (sp.prec < 100000000) sp.prec = sp.prec * 10 + (f[i] - '0'); i++; }
            }
        }
        if (i >= flen) {
            stk_fn_fail(err, err_arg, -1, "invalid format string starting at offset %zu", i);
            return -1;
        }
        if (sp.width > 1000000 || sp.prec > 1000000) {
            /* a limit of ours, so a typo cannot ask for gigabytes */
            stk_fn_fail(err, err_arg, -1, "width or precision at offset %zu is larger than 1000000", start);
            return -1;
        }
        char verb = f[i++];
        if (!((verb >= 'a' && verb <= 'z') || (verb >= 'A' && verb <= 'Z'))) {
            stk_fn_fail(err, err_arg, -1, "unrecognized format character '%c' at offset %zu", verb, i - 1);
            return -1;
        }
        if (argi >= n) {
            stk_fn_fail(err, err_arg, -1, "not enough arguments for \"%.*s\" at %zu: need index %zu but have %zu total",
                        (int)(i - start), f + start, start, argi + 1, n);
            return -1;
        }
        char *e = format_one(out, verb, &sp, vals[argi]);
        if (e) {
            if (e[0] == '\x01')
                stk_fn_fail(err, err_arg, -1, "%s in \"%.*s\" at offset %zu", e + 1, (int)(i - start), f + start, start);
            else
                stk_fn_fail(err, err_arg, -1, "unsupported value for \"%.*s\" at %zu: %s",
                            (int)(i - start), f + start, start, e);
            free(e);
            return -1;
        }
        argi++;
    }
    (void)reordered;   /* extra arguments are ignored, as cty does */
    return 0;
}

FN(format)
{
    stk_type *t = STK_STRING;
    stk_value *f;
    char *e = NULL;
    if (args[0]->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (!(f = stk_value_convert(args[0], t, &e))) { stk_fn_fail(err, err_arg, 0, "%s", e); free(e); return NULL; }
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_add(&b, "", 0);
    stk_value *r = NULL;
    if (do_format(&b, f->u.str.s, f->u.str.len, args + 1, nargs - 1, err, err_arg) == 0)
        r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
    stk_value_unref(f);
    return r;
}

/* formatlist handles unknowns itself (STK_FUNC_UNKNOWN_OK): an unknown
   list makes the whole result unknown, an unknown element only its row. */
FN(formatlist)
{
    stk_value *f;
    char *e = NULL;
    if (args[0]->is_null) return stk_fn_fail(err, err_arg, 0, "argument must not be null");
    if (args[0]->is_unknown) return stk_value_unknown(stk_type_list(STK_STRING));
    if (!(f = stk_value_convert(args[0], STK_STRING, &e))) { stk_fn_fail(err, err_arg, 0, "%s", e); free(e); return NULL; }
    long len = -1;
    size_t len_arg = 0;
    stk_value *r = NULL;
    for (size_t i = 1; i < nargs; i++) {
        stk_value *a = args[i];
        if (a->is_null || !stk_fn_is_seq(a)) continue;
        if (a->is_unknown) { r = stk_value_unknown(stk_type_list(STK_STRING)); goto out; }
        if (len < 0) { len = (long)a->u.coll.n; len_arg = i; }
        else if ((long)a->u.coll.n != len) {
            stk_fn_fail(err, err_arg, (int)i, "argument %zu has length %zu, which is inconsistent with argument %zu "
                                              "of length %ld", i, a->u.coll.n, len_arg, len);
            goto out;
        }
    }
    if (len < 0) len = 1;
    {
        stk_value **items = stk_xmalloc(sizeof(stk_value *) * ((size_t)len + 1));
        stk_value **row = stk_xmalloc(sizeof(stk_value *) * (nargs + 1));
        long k;
        for (k = 0; k < len; k++) {
            int known = 1;
            for (size_t i = 1; i < nargs; i++) {
                stk_value *a = args[i];
                row[i - 1] = (!a->is_null && stk_fn_is_seq(a)) ? a->u.coll.items[k] : a;
                if (!stk_value_is_known_deep(row[i - 1])) known = 0;
            }
            if (!known) { items[k] = stk_value_unknown(STK_STRING); continue; }
            stk_strbuf b = STK_STRBUF_INIT;
            stk_strbuf_add(&b, "", 0);
            if (do_format(&b, f->u.str.s, f->u.str.len, row, nargs - 1, err, err_arg)) {
                char *inner = *err;
                *err = stk_xasprintf("error on format iteration %ld: %s", k, inner);
                free(inner);
                stk_strbuf_free(&b);
                break;
            }
            items[k] = stk_value_stringn(b.s, b.len);
            stk_strbuf_free(&b);
        }
        if (k == len) r = stk_value_list(STK_STRING, items, (size_t)len);
        else stk_fn_release(items, (size_t)k);
        free(items);
        free(row);
    }
out:
    stk_value_unref(f);
    return r;
}

const stk_func stk_funcs_format[] = {
    { "format", 1, -1, 0, fn_format, "format(format string, ...args any) string" },
    { "formatlist", 1, -1, STK_FUNC_UNKNOWN_OK, fn_formatlist, "formatlist(format string, ...args any) list of string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
