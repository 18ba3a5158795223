/* funcs_string.c - string functions: case, trimming, substrings, join and
 * split, replace and the regular expression functions (RE2 syntax served
 * by PCRE2), strrev, indent, chomp.  Strings are UTF-8; positions and
 * lengths count code points. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "eval/funcs_internal.h"
#include <locale.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define S(i) (conv[i]->u.str.s)
#define SL(i) (conv[i]->u.str.len)

static locale_t utf8_loc;
static pthread_once_t loc_once = PTHREAD_ONCE_INIT;
static void loc_init(void)
{
    utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}
static locale_t uloc(void)
{
    pthread_once(&loc_once, loc_init);
    return utf8_loc;
}

static uint32_t cp_upper(uint32_t c)
{
    locale_t l = uloc();
    if (!l) return (c < 128 && c >= 'a' && c <= 'z') ? c - 32 : c;
    return (uint32_t)towupper_l((wint_t)c, l);
}
static uint32_t cp_lower(uint32_t c)
{
    locale_t l = uloc();
    if (!l) return (c < 128 && c >= 'A' && c <= 'Z') ? c + 32 : c;
    return (uint32_t)towlower_l((wint_t)c, l);
}
static int cp_alnum(uint32_t c)
{
    if (c == '_') return 1;
    locale_t l = uloc();
    if (!l) return c < 128 && ((c | 32) - 'a' < 26 || c - '0' < 10);
    return iswalnum_l((wint_t)c, l);
}
/* Go's unicode.IsSpace */
static int cp_space(uint32_t c)
{
    switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return 1;
    }
    return c >= 0x2000 && c <= 0x200A;
}

/* decode one code point, treating invalid bytes as themselves */
static size_t next_cp(const char *s, size_t n, uint32_t *cp)
{
    size_t l = stk_utf8_decode(s, n, cp);
    if (l == 0) { *cp = 0xFFFD; return 1; }
    return l;
}

typedef uint32_t (*cp_map)(uint32_t);
static stk_value *map_cps(const char *s, size_t n, cp_map f)
{
    stk_strbuf b = STK_STRBUF_INIT;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = stk_utf8_decode(s + i, n - i, &c);
        if (l == 0) { stk_strbuf_putc(&b, s[i]); i++; continue; }
        char out[4];
        stk_strbuf_add(&b, out, stk_utf8_encode(f(c), out));
        i += l;
    }
    stk_value *v = stk_value_stringn(b.s ? b.s : "", b.len);
    stk_strbuf_free(&b);
    return v;
}

static stk_type *const T_S[] = { &stk_type_string };
static stk_type *const T_SS[] = { &stk_type_string, &stk_type_string };
static stk_type *const T_SSS[] = { &stk_type_string, &stk_type_string, &stk_type_string };

FN(upper)
{
    stk_value *conv[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, conv, err, err_arg)) return NULL;
    stk_value *r = map_cps(S(0), SL(0), cp_upper);
    stk_fn_release(conv, 1);
    return r;
}

FN(lower)
{
    stk_value *conv[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, conv, err, err_arg)) return NULL;
    stk_value *r = map_cps(S(0), SL(0), cp_lower);
    stk_fn_release(conv, 1);
    return r;
}

/* Go's strings.Title: upper-case the first letter of every word */
FN(title)
{
    stk_value *conv[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, conv, err, err_arg)) return NULL;
    const char *s = S(0);
    size_t n = SL(0);
    stk_strbuf b = STK_STRBUF_INIT;
    int prev_sep = 1;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = stk_utf8_decode(s + i, n - i, &c);
        if (l == 0) { stk_strbuf_putc(&b, s[i]); i++; prev_sep = 0; continue; }
        int sep = !cp_alnum(c);
        if (prev_sep && !sep) c = cp_upper(c);   /* Go uses title case; equal to upper for most scripts */
        char out[4];
        stk_strbuf_add(&b, out, stk_utf8_encode(c, out));
        prev_sep = sep;
        i += l;
    }
    stk_value *r = stk_value_stringn(b.s ? b.s : "", b.len);
    stk_strbuf_free(&b);
    stk_fn_release(conv, 1);
    return r;
}

static int in_cutset(uint32_t c, const char *cut, size_t cn)
{
    for (size_t i = 0; i < cn;) {
        uint32_t d;
        size_t l = next_cp(cut + i, cn - i, &d);
        if (d == c) return 1;
        i += l;
    }
    return 0;
}

/* length in bytes of the last code point ending at s+n */
static size_t last_cp_len(const char *s, size_t n)
{
    size_t k = 1;
    while (k < n && k < 4 && ((unsigned char)s[n - k] & 0xC0) == 0x80) k++;
    uint32_t c;
    if (stk_utf8_decode(s + n - k, k, &c) != k) return 1;
    return k;
}

FN(trim)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    const char *s = S(0), *cut = S(1);
    size_t n = SL(0), cn = SL(1), a = 0, z = n;
    while (a < z) {
        uint32_t c;
        size_t l = next_cp(s + a, z - a, &c);
        if (!in_cutset(c, cut, cn)) break;
        a += l;
    }
    while (z > a) {
        size_t l = last_cp_len(s + a, z - a);
        uint32_t c;
        next_cp(s + z - l, l, &c);
        if (!in_cutset(c, cut, cn)) break;
        z -= l;
    }
    stk_value *r = stk_value_stringn(s + a, z - a);
    stk_fn_release(conv, 2);
    return r;
}

FN(trimspace)
{
    stk_value *conv[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, conv, err, err_arg)) return NULL;
    const char *s = S(0);
    size_t n = SL(0), a = 0, z = n;
    while (a < z) {
        uint32_t c;
        size_t l = next_cp(s + a, z - a, &c);
        if (!cp_space(c)) break;
        a += l;
    }
    while (z > a) {
        size_t l = last_cp_len(s + a, z - a);
        uint32_t c;
        next_cp(s + z - l, l, &c);
        if (!cp_space(c)) break;
        z -= l;
    }
    stk_value *r = stk_value_stringn(s + a, z - a);
    stk_fn_release(conv, 1);
    return r;
}

FN(trimprefix)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    size_t pl = SL(1);
    stk_value *r = (SL(0) >= pl && memcmp(S(0), S(1), pl) == 0) ? stk_value_stringn(S(0) + pl, SL(0) - pl)
                                                                 : stk_value_ref(conv[0]);
    stk_fn_release(conv, 2);
    return r;
}

FN(trimsuffix)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    size_t pl = SL(1), n = SL(0);
    stk_value *r = (n >= pl && memcmp(S(0) + n - pl, S(1), pl) == 0) ? stk_value_stringn(S(0), n - pl)
                                                                     : stk_value_ref(conv[0]);
    stk_fn_release(conv, 2);
    return r;
}

FN(chomp)
{
    stk_value *conv[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, conv, err, err_arg)) return NULL;
    size_t n = SL(0);
    const char *s = S(0);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        if (s[n - 1] == '\n' && n > 1 && s[n - 2] == '\r') n -= 2;
        else n--;
    }
    stk_value *r = stk_value_stringn(s, n);
    stk_fn_release(conv, 1);
    return r;
}

FN(startswith)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    int ok = SL(0) >= SL(1) && memcmp(S(0), S(1), SL(1)) == 0;
    stk_fn_release(conv, 2);
    return stk_value_bool(ok);
}

FN(endswith)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    int ok = SL(0) >= SL(1) && memcmp(S(0) + SL(0) - SL(1), S(1), SL(1)) == 0;
    stk_fn_release(conv, 2);
    return stk_value_bool(ok);
}

FN(strcontains)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    int ok = memmem(S(0), SL(0), S(1), SL(1)) != NULL;
    stk_fn_release(conv, 2);
    return stk_value_bool(ok);
}

FN(strrev)
{
    stk_value *conv[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, conv, err, err_arg)) return NULL;
    size_t n = SL(0);
    char *buf;
    stk_value *r = stk_value_string_buf(n, &buf);
    const char *s = S(0);
    size_t o = n;
    for (size_t i = 0; i < n;) {
        size_t l = stk_utf8_grapheme(s + i, n - i);
        o -= l;
        memcpy(buf + o, s + i, l);
        i += l;
    }
    stk_fn_release(conv, 1);
    return r;
}

static stk_type *const T_SNN[] = { &stk_type_string, &stk_type_number, &stk_type_number };

FN(substr)
{
    stk_value *conv[3];
    if (stk_fn_args(args, nargs, T_SNN, 3, 0, conv, err, err_arg)) return NULL;
    int64_t off, len;
    stk_value *r = NULL;
    if (stk_fn_int(conv[1], 1, &off, err, err_arg) || stk_fn_int(conv[2], 2, &len, err, err_arg)) goto out;
    const char *s = S(0);
    size_t n = SL(0);
    int64_t total = (int64_t)stk_utf8_graphemes(s, n);
    if (off < 0) { off += total; if (off < 0) off = 0; }
    if (off >= total || len == 0) { r = stk_value_string(""); goto out; }
    size_t i = 0;
    for (int64_t k = 0; k < off && i < n; k++) i += stk_utf8_grapheme(s + i, n - i);
    size_t j = i;
    if (len < 0) j = n;
    else for (int64_t k = 0; k < len && j < n; k++) j += stk_utf8_grapheme(s + j, n - j);
    r = stk_value_stringn(s + i, j - i);
out:
    stk_fn_release(conv, 3);
    return r;
}

FN(indent)
{
    static stk_type *const T[] = { &stk_type_number, &stk_type_string };
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T, 2, 0, conv, err, err_arg)) return NULL;
    int64_t sp;
    stk_value *r = NULL;
    if (stk_fn_int(conv[0], 0, &sp, err, err_arg)) goto out;
    if (sp < 0) { stk_fn_fail(err, err_arg, 0, "must not be negative"); goto out; }
    if (sp > 1000000) { stk_fn_fail(err, err_arg, 0, "must not be larger than 1000000"); goto out; }
    stk_strbuf b = STK_STRBUF_INIT;
    const char *s = S(1), *end = s + SL(1);
    stk_strbuf_add(&b, "", 0);
    for (const char *p = s; p < end; p++) {
        stk_strbuf_putc(&b, *p);
        if (*p == '\n')
            for (int64_t k = 0; k < sp; k++) stk_strbuf_putc(&b, ' ');
    }
    r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
out:
    stk_fn_release(conv, 2);
    return r;
}

FN(join)
{
    stk_type *lt = stk_type_list(STK_STRING);
    stk_type *const T[] = { &stk_type_string, lt };
    if (nargs < 2) return stk_fn_fail(err, err_arg, -1, "at least one list is required");
    stk_value **conv = stk_xmalloc(sizeof(stk_value *) * nargs);
    if (stk_fn_args(args, nargs, T, 2, 0, conv, err, err_arg)) { free(conv); return NULL; }
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_add(&b, "", 0);
    int first = 1;
    stk_value *r = NULL;
    for (size_t a = 1; a < nargs; a++) {
        for (size_t i = 0; i < conv[a]->u.coll.n; i++) {
            stk_value *e = conv[a]->u.coll.items[i];
            if (e->is_null) {
                if (nargs > 2)
                    stk_fn_fail(err, err_arg, (int)a, "element %zu of list %zu is null; cannot concatenate null values",
                                i, a);
                else
                    stk_fn_fail(err, err_arg, (int)a, "element %zu is null; cannot concatenate null values", i);
                goto out;
            }
            if (!first) stk_strbuf_add(&b, S(0), SL(0));
            stk_strbuf_add(&b, e->u.str.s, e->u.str.len);
            first = 0;
        }
    }
    r = stk_value_stringn(b.s, b.len);
out:
    stk_strbuf_free(&b);
    stk_fn_release(conv, nargs);
    free(conv);
    return r;
}

FN(split)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    const char *sep = S(0), *s = S(1);
    size_t sl = SL(0), n = SL(1);
    size_t cap = 8, m = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * cap);
    if (sl == 0) {
        for (size_t i = 0; i < n;) {
            uint32_t c;
            size_t l = next_cp(s + i, n - i, &c);
            if (m == cap) items = stk_xrealloc(items, sizeof(stk_value *) * (cap *= 2));
            items[m++] = stk_value_stringn(s + i, l);
            i += l;
        }
    } else {
        const char *p = s, *end = s + n;
        for (;;) {
            const char *q = memmem(p, (size_t)(end - p), sep, sl);
            if (m == cap) items = stk_xrealloc(items, sizeof(stk_value *) * (cap *= 2));
            if (!q) { items[m++] = stk_value_stringn(p, (size_t)(end - p)); break; }
            items[m++] = stk_value_stringn(p, (size_t)(q - p));
            p = q + sl;
        }
    }
    stk_value *r = stk_value_list(STK_STRING, items, m);
    free(items);
    stk_fn_release(conv, 2);
    return r;
}

/* ------------------------------------------------------------- regex */

static pcre2_code *re_compile(const char *pat, size_t n, int arg, char **err, int *err_arg)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, n, PCRE2_UTF | PCRE2_NO_UTF_CHECK * 0, &ec, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        stk_fn_fail(err, err_arg, arg, "invalid regexp pattern: %s at offset %zu", (char *)msg, (size_t)off);
    }
    return re;
}

/* Kinds of result: 0 = no groups (string), 1 = unnamed (tuple), 2 = named (object) */
static int re_shape(pcre2_code *re, uint32_t *ncap, uint32_t *nnamed, int arg, char **err, int *err_arg)
{
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, ncap);
    pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, nnamed);
    if (*ncap == 0) return 0;
    if (*nnamed == 0) return 1;
    if (*nnamed != *ncap) {
        stk_fn_fail(err, err_arg, arg, "invalid regexp pattern: cannot mix both named and unnamed capture groups");
        return -1;
    }
    return 2;
}

static stk_value *re_result(pcre2_code *re, int shape, uint32_t ncap, const char *s, PCRE2_SIZE *ov)
{
    if (shape == 0) return stk_value_stringn(s + ov[0], ov[1] - ov[0]);
    stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (ncap + 1));
    for (uint32_t g = 1; g <= ncap; g++) {
        if (ov[2 * g] == PCRE2_UNSET) vals[g - 1] = stk_value_null(STK_STRING);
        else vals[g - 1] = stk_value_stringn(s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
    stk_value *r;
    if (shape == 1) {
        r = stk_value_tuple(vals, ncap);
    } else {
        uint32_t cnt, esz;
        PCRE2_SPTR tab;
        pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &cnt);
        pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &esz);
        pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &tab);
        char **keys = stk_xmalloc(sizeof(char *) * (cnt + 1));
        stk_value **ov2 = stk_xmalloc(sizeof(stk_value *) * (cnt + 1));
        for (uint32_t k = 0; k < cnt; k++) {
            const unsigned char *ent = tab + k * esz;
            uint32_t g = ((uint32_t)ent[0] << 8) | ent[1];
            keys[k] = (char *)(ent + 2);
            ov2[k] = stk_value_ref(vals[g - 1]);
        }
        r = stk_value_object(keys, ov2, cnt);
        for (uint32_t g = 0; g < ncap; g++) stk_value_unref(vals[g]);
        free(keys);
        free(ov2);
    }
    free(vals);
    return r;
}

FN(regex)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    stk_value *r = NULL;
    pcre2_code *re = re_compile(S(0), SL(0), 0, err, err_arg);
    if (!re) goto out;
    uint32_t ncap, nn;
    int shape = re_shape(re, &ncap, &nn, 0, err, err_arg);
    if (shape < 0) goto out2;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)S(1), SL(1), 0, 0, md, NULL);
    if (rc < 0) stk_fn_fail(err, err_arg, -1, "pattern did not match any part of the given string");
    else r = re_result(re, shape, ncap, S(1), pcre2_get_ovector_pointer(md));
    pcre2_match_data_free(md);
out2:
    pcre2_code_free(re);
out:
    stk_fn_release(conv, 2);
    return r;
}

FN(regexall)
{
    stk_value *conv[2];
    if (stk_fn_args(args, nargs, T_SS, 2, 0, conv, err, err_arg)) return NULL;
    stk_value *r = NULL;
    pcre2_code *re = re_compile(S(0), SL(0), 0, err, err_arg);
    if (!re) goto out;
    uint32_t ncap, nn;
    int shape = re_shape(re, &ncap, &nn, 0, err, err_arg);
    if (shape < 0) { pcre2_code_free(re); goto out; }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    size_t cap = 8, m = 0;
    stk_value **items = stk_xmalloc(sizeof(stk_value *) * cap);
    PCRE2_SIZE start = 0, n = SL(1), prev_end = PCRE2_UNSET;
    while (start <= n) {
        int rc = pcre2_match(re, (PCRE2_SPTR)S(1), n, start, 0, md, NULL);
        if (rc < 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        /* Go's FindAll: an empty match right after the previous match is dropped */
        if (!(ov[1] == ov[0] && ov[0] == prev_end)) {
            if (m == cap) items = stk_xrealloc(items, sizeof(stk_value *) * (cap *= 2));
            items[m++] = re_result(re, shape, ncap, S(1), ov);
        }
        prev_end = ov[1];
        if (ov[1] == ov[0]) {
            /* empty match: step one code point */
            if (ov[1] >= n) break;
            uint32_t c;
            start = ov[1] + next_cp(S(1) + ov[1], n - ov[1], &c);
        } else {
            start = ov[1];
        }
    }
    pcre2_match_data_free(md);
    if (m == 0) {
        stk_type *et = shape == 0 ? STK_STRING : NULL;
        if (!et) {
            /* element type from the pattern's shape */
            stk_value *dummy;
            PCRE2_SIZE *ov = stk_xmalloc(sizeof(PCRE2_SIZE) * 2 * (ncap + 1));
            for (uint32_t g = 0; g <= ncap; g++) { ov[2 * g] = PCRE2_UNSET; ov[2 * g + 1] = PCRE2_UNSET; }
            ov[0] = 0; ov[1] = 0;
            dummy = re_result(re, shape, ncap, "", ov);
            free(ov);
            r = stk_value_list(dummy->type, NULL, 0);
            stk_value_unref(dummy);
        } else {
            r = stk_value_list(et, NULL, 0);
        }
    } else {
        stk_type *et = items[0]->type;
        r = stk_value_list(et, items, m);
    }
    free(items);
    pcre2_code_free(re);
out:
    stk_fn_release(conv, 2);
    return r;
}

/* Go's regexp template ($1, ${1}, $name, ${name}, $$) rewritten for
   pcre2_substitute: every reference braced, a literal $ doubled, and a name
   that Go would look up but no group can have (like "1x") dropped. */
static char *go_template(const char *t, size_t n, size_t *outlen)
{
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_add(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '$') { stk_strbuf_putc(&b, t[i]); continue; }
        if (i + 1 < n && t[i + 1] == '$') { stk_strbuf_puts(&b, "$$"); i++; continue; }
        size_t a, z;
        int braced = i + 1 < n && t[i + 1] == '{';
        a = i + 1 + (size_t)braced;
        z = a;
        while (z < n && (t[z] == '_' || (t[z] >= 'a' && t[z] <= 'z') || (t[z] >= 'A' && t[z] <= 'Z') ||
                         (t[z] >= '0' && t[z] <= '9')))
            z++;
        if (z == a || (braced && (z >= n || t[z] != '}'))) { stk_strbuf_puts(&b, "$$"); continue; }
        int digits = 1;
        for (size_t k = a; k < z; k++) if (t[k] < '0' || t[k] > '9') digits = 0;
        if (digits || !(t[a] >= '0' && t[a] <= '9')) {
            stk_strbuf_puts(&b, "${");
            stk_strbuf_add(&b, t + a, z - a);
            stk_strbuf_putc(&b, '}');
        }
        i = braced ? z : z - 1;
    }
    *outlen = b.len;
    return stk_strbuf_detach(&b);
}

FN(replace)
{
    stk_value *conv[3];
    if (stk_fn_args(args, nargs, T_SSS, 3, 0, conv, err, err_arg)) return NULL;
    const char *s = S(0), *sub = S(1), *rep = S(2);
    size_t n = SL(0), subl = SL(1), repl = SL(2);
    stk_value *r = NULL;
    if (subl >= 2 && sub[0] == '/' && sub[subl - 1] == '/') {
        pcre2_code *re = re_compile(sub + 1, subl - 2, 1, err, err_arg);
        if (!re) goto out;
        size_t tl;
        char *tmpl = go_template(rep, repl, &tl);
        PCRE2_SIZE outlen = n * 2 + tl + 64;
        for (int tries = 0; tries < 2; tries++) {
            PCRE2_UCHAR *buf = stk_xmalloc(outlen + 1);
            PCRE2_SIZE ol = outlen;
            int rc = pcre2_substitute(re, (PCRE2_SPTR)s, n, 0,
                                      PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                                          PCRE2_SUBSTITUTE_UNSET_EMPTY | PCRE2_SUBSTITUTE_UNKNOWN_UNSET,
                                      NULL, NULL, (PCRE2_SPTR)tmpl, tl, buf, &ol);
            if (rc == PCRE2_ERROR_NOMEMORY && tries == 0) { free(buf); outlen = ol; continue; }
            if (rc < 0) {
                PCRE2_UCHAR msg[256];
                pcre2_get_error_message(rc, msg, sizeof msg);
                stk_fn_fail(err, err_arg, 2, "invalid replacement: %s", (char *)msg);
            } else {
                r = stk_value_stringn((char *)buf, ol);
            }
            free(buf);
            break;
        }
        pcre2_code_free(re);
        free(tmpl);
        goto out;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_add(&b, "", 0);
    if (subl == 0) {
        /* Go's strings.Replace with an empty old string inserts between code points */
        stk_strbuf_add(&b, rep, repl);
        for (size_t i = 0; i < n;) {
            uint32_t c;
            size_t l = next_cp(s + i, n - i, &c);
            stk_strbuf_add(&b, s + i, l);
            stk_strbuf_add(&b, rep, repl);
            i += l;
        }
    } else {
        const char *p = s, *end = s + n;
        for (;;) {
            const char *q = memmem(p, (size_t)(end - p), sub, subl);
            if (!q) { stk_strbuf_add(&b, p, (size_t)(end - p)); break; }
            stk_strbuf_add(&b, p, (size_t)(q - p));
            stk_strbuf_add(&b, rep, repl);
            p = q + subl;
        }
    }
    r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
out:
    stk_fn_release(conv, 3);
    return r;
}

const stk_func stk_funcs_string[] = {
    { "chomp", 1, 1, 0, fn_chomp, "chomp(str string) string" },
    { "endswith", 2, 2, 0, fn_endswith, "endswith(str string, suffix string) bool" },
    { "indent", 2, 2, 0, fn_indent, "indent(spaces number, str string) string" },
    { "join", 1, -1, 0, fn_join, "join(separator string, ...lists list of string) string" },
    { "lower", 1, 1, 0, fn_lower, "lower(str string) string" },
    { "regex", 2, 2, 0, fn_regex, "regex(pattern string, string string) dynamic" },
    { "regexall", 2, 2, 0, fn_regexall, "regexall(pattern string, string string) list of dynamic" },
    { "replace", 3, 3, 0, fn_replace, "replace(str string, substr string, replace string) string" },
    { "split", 2, 2, 0, fn_split, "split(separator string, str string) list of string" },
    { "startswith", 2, 2, 0, fn_startswith, "startswith(str string, prefix string) bool" },
    { "strcontains", 2, 2, 0, fn_strcontains, "strcontains(str string, substr string) bool" },
    { "strrev", 1, 1, 0, fn_strrev, "strrev(str string) string" },
    { "substr", 3, 3, 0, fn_substr, "substr(str string, offset number, length number) string" },
    { "title", 1, 1, 0, fn_title, "title(str string) string" },
    { "trim", 2, 2, 0, fn_trim, "trim(str string, cutset string) string" },
    { "trimprefix", 2, 2, 0, fn_trimprefix, "trimprefix(str string, prefix string) string" },
    { "trimspace", 1, 1, 0, fn_trimspace, "trimspace(str string) string" },
    { "trimsuffix", 2, 2, 0, fn_trimsuffix, "trimsuffix(str string, suffix string) string" },
    { "upper", 1, 1, 0, fn_upper, "upper(str string) string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
