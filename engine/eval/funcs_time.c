/* funcs_time.c - timestamp() (impure: unknown during plan), formatdate
 * (Terraform's spec letters: YYYY YY MMMM MMM MM M DD D EEEE EEE hh h HH H
 * AA aa mm m ss s ZZZZZ ZZZZ ZZZ Z and 'quoted literals') and timeadd
 * (Go duration strings such as "1h30m", "-10m", "1.5h").  Timestamps are
 * RFC 3339; results keep the input's UTC offset. */
#include "eval/funcs_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int64_t secs;       /* seconds since the epoch (UTC) */
    int64_t nanos;
    int offset;         /* seconds east of UTC */
    int utc;            /* written with Z */
} tstamp;

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

/* Strict RFC 3339 (Go's time.RFC3339 layout) with cty's wording of the
   errors: "cannot use \"x\" as year", "missing required time introducer 'T'"... */
static int rfc_num(const char **pp, int nd, int *out, const char *what, char **why)
{
    const char *p = *pp;
    if (!*p) { *why = stk_xasprintf("end of string before %s", what); return -1; }
    for (int i = 0; i < nd; i++)
        if (p[i] < '0' || p[i] > '9') {
            if (!strcmp(what, "hour") || !strcmp(what, "minute")) {
                /* Go reads one or two digits for these */
                if (i == 1) { *why = stk_xasprintf("%s must have exactly two digits", what); return -1; }
            }
            *why = stk_xasprintf("cannot use \"%s\" as %s", p, what);
            return -1;
        }
    digits(p, nd, out);
    *pp = p + nd;
    return 0;
}

static int rfc_sep(const char **pp, char c, char **why)
{
    if (**pp == c) { (*pp)++; return 0; }
    if (!**pp) *why = stk_xasprintf("end of string where \"%c\" is expected", c);
    else *why = stk_xasprintf("found \"%s\" where \"%c\" is expected", *pp, c);
    return -1;
}

static int parse_rfc3339(const char *s, tstamp *t, char **why)
{
    int Y, M, D, h, mi, se;
    const char *p = s;
    if (rfc_num(&p, 4, &Y, "year", why) || rfc_sep(&p, '-', why) || rfc_num(&p, 2, &M, "month", why) ||
        rfc_sep(&p, '-', why) || rfc_num(&p, 2, &D, "day of month", why))
        return -1;
    if (*p != 'T' && *p != 't') { *why = stk_xstrdup("missing required time introducer 'T'"); return -1; }
    p++;
    if (rfc_num(&p, 2, &h, "hour", why) || rfc_sep(&p, ':', why) || rfc_num(&p, 2, &mi, "minute", why) ||
        rfc_sep(&p, ':', why) || rfc_num(&p, 2, &se, "second", why))
        return -1;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M < 1 || M > 12) { *why = stk_xstrdup("month out of range"); return -1; }
    if (D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap)) { *why = stk_xstrdup("day out of range"); return -1; }
    if (h > 23) { *why = stk_xstrdup("hour must be between 0 and 23 inclusive"); return -1; }
    if (mi > 59) { *why = stk_xstrdup("minute out of range"); return -1; }
    if (se > 59) { *why = stk_xstrdup("second out of range"); return -1; }
    int64_t nanos = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 9) { nanos = nanos * 10 + (*p - '0'); nd++; }
            p++;
        }
        if (nd == 0) { *why = stk_xasprintf("cannot use \"%s\" as UTC offset", p - 1); return -1; }
        while (nd++ < 9) nanos *= 10;
    }
    int off = 0, utc = 0;
    if (*p == 'Z' || *p == 'z') { utc = 1; p++; }
    else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59) {
            *why = stk_xasprintf("cannot use \"%s\" as UTC offset", p);
            return -1;
        }
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
        if (off == 0) utc = 1;
    } else if (!*p) {
        *why = stk_xstrdup("end of string before UTC offset");
        return -1;
    } else {
        *why = stk_xasprintf("cannot use \"%s\" as UTC offset", p);
        return -1;
    }
    if (*p) { *why = stk_xasprintf("extra text: \"%s\"", p); return -1; }
    t->secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + se - off;
    t->nanos = nanos;
    t->offset = off;
    t->utc = utc;
    return 0;
}

typedef struct { int64_t year; int mon, day, hour, min, sec, wday; } civil;

static civil to_civil(const tstamp *t)
{
    civil c;
    int64_t local = t->secs + t->offset;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t rem = local - days * 86400;
    civil_from_days(days, &c.year, &c.mon, &c.day);
    c.hour = (int)(rem / 3600);
    c.min = (int)(rem % 3600 / 60);
    c.sec = (int)(rem % 60);
    c.wday = (int)(((days % 7) + 11) % 7);   /* 1970-01-01 was a Thursday (4) */
    return c;
}

static void fmt_offset(stk_strbuf *b, int off, int colon)
{
    int a = off < 0 ? -off : off;
    stk_strbuf_printf(b, "%c%02d%s%02d", off < 0 ? '-' : '+', a / 3600, colon ? ":" : "", a % 3600 / 60);
}

static void fmt_rfc3339(stk_strbuf *b, const tstamp *t)
{
    civil c = to_civil(t);
    stk_strbuf_printf(b, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)c.year, c.mon, c.day, c.hour, c.min, c.sec);
    if (t->utc) stk_strbuf_putc(b, 'Z');
    else fmt_offset(b, t->offset, 1);
}

FN(timestamp)
{
    if (ctx && ctx->deterministic) return stk_value_unknown(STK_STRING);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tstamp t = { (int64_t)ts.tv_sec, 0, 0, 1 };
    stk_strbuf b = STK_STRBUF_INIT;
    fmt_rfc3339(&b, &t);
    stk_value *r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
    return r;
}

static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
                                      "August", "September", "October", "November", "December" };
static const char *const wdays[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };

FN(formatdate)
{
    static stk_type *const T[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T, 2, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    tstamp t;
    char *why = NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    if (parse_rfc3339(c[1]->u.str.s, &t, &why)) {
        stk_fn_fail(err, err_arg, 1, "not a valid RFC3339 timestamp: %s", why);
        free(why);
        goto out;
    }
    civil cv = to_civil(&t);
    const char *s = c[0]->u.str.s;
    stk_strbuf_add(&b, "", 0);
    for (size_t i = 0; s[i];) {
        char ch = s[i];
        if (ch == '\'') {
            /* literal: 'text', '' is a quote */
            if (s[i + 1] == '\'') { stk_strbuf_putc(&b, '\''); i += 2; continue; }
            size_t j = i + 1;
            stk_strbuf lit = STK_STRBUF_INIT;
            int closed = 0;
            while (s[j]) {
                if (s[j] == '\'') {
                    if (s[j + 1] == '\'') { stk_strbuf_putc(&lit, '\''); j += 2; continue; }
                    closed = 1;
                    break;
                }
                stk_strbuf_putc(&lit, s[j++]);
            }
            if (!closed) {
                stk_strbuf_free(&lit);
                stk_fn_fail(err, err_arg, 0, "unterminated literal '");
                goto out;
            }
            stk_strbuf_add(&b, lit.s ? lit.s : "", lit.len);
            stk_strbuf_free(&lit);
            i = j + 1;
            continue;
        }
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) {
            stk_strbuf_putc(&b, ch);
            i++;
            continue;
        }
        size_t n = 1;
        while (s[i + n] == ch) n++;
        int ok = 1;
        int h12 = cv.hour % 12 == 0 ? 12 : cv.hour % 12;
        switch (ch) {
        case 'Y':
            if (n == 4) stk_strbuf_printf(&b, "%04lld", (long long)cv.year);
            else if (n == 2) stk_strbuf_printf(&b, "%02lld", (long long)(cv.year % 100));
            else ok = 0;
            break;
        case 'M':
            if (n == 1) stk_strbuf_printf(&b, "%d", cv.mon);
            else if (n == 2) stk_strbuf_printf(&b, "%02d", cv.mon);
            else if (n == 3) stk_strbuf_add(&b, months[cv.mon - 1], 3);
            else if (n == 4) stk_strbuf_puts(&b, months[cv.mon - 1]);
            else ok = 0;
            break;
        case 'D':
            if (n == 1) stk_strbuf_printf(&b, "%d", cv.day);
            else if (n == 2) stk_strbuf_printf(&b, "%02d", cv.day);
            else ok = 0;
            break;
        case 'E':
            if (n == 3) stk_strbuf_add(&b, wdays[cv.wday], 3);
            else if (n == 4) stk_strbuf_puts(&b, wdays[cv.wday]);
            else ok = 0;
            break;
        case 'h':
            if (n == 1) stk_strbuf_printf(&b, "%d", cv.hour);
            else if (n == 2) stk_strbuf_printf(&b, "%02d", cv.hour);
            else ok = 0;
            break;
        case 'H':
            if (n == 1) stk_strbuf_printf(&b, "%d", h12);
            else if (n == 2) stk_strbuf_printf(&b, "%02d", h12);
            else ok = 0;
            break;
        case 'A': case 'a':
            if (n == 2) stk_strbuf_puts(&b, cv.hour < 12 ? (ch == 'A' ? "AM" : "am") : (ch == 'A' ? "PM" : "pm"));
            else ok = 0;
            break;
        case 'm':
            if (n == 1) stk_strbuf_printf(&b, "%d", cv.min);
            else if (n == 2) stk_strbuf_printf(&b, "%02d", cv.min);
            else ok = 0;
            break;
        case 's':
            if (n == 1) stk_strbuf_printf(&b, "%d", cv.sec);
            else if (n == 2) stk_strbuf_printf(&b, "%02d", cv.sec);
            else ok = 0;
            break;
        case 'Z':
            if (n == 1) { if (t.utc) stk_strbuf_putc(&b, 'Z'); else fmt_offset(&b, t.offset, 1); }
            else if (n == 3) { if (t.utc) stk_strbuf_puts(&b, "UTC"); else fmt_offset(&b, t.offset, 0); }
            else if (n == 4) fmt_offset(&b, t.offset, 0);
            else if (n == 5) fmt_offset(&b, t.offset, 1);
            else ok = 0;
            break;
        default:
            ok = 0;
        }
        if (!ok) {
            char tok[32];
            size_t tl = n < sizeof tok - 1 ? n : sizeof tok - 1;
            memcpy(tok, s + i, tl);
            tok[tl] = 0;
            const char *vwhy = NULL;
            char ampm[32];
            switch (ch) {
            case 'Y': vwhy = "year must either be \"YY\" or \"YYYY\""; break;
            case 'M': vwhy = "month must be \"M\", \"MM\", \"MMM\", or \"MMMM\""; break;
            case 'D': vwhy = "day of month must either be \"D\" or \"DD\""; break;
            case 'E': vwhy = "day of week must either be \"EEE\" or \"EEEE\""; break;
            case 'h': vwhy = "24-hour must either be \"h\" or \"hh\""; break;
            case 'H': vwhy = "12-hour must either be \"H\" or \"HH\""; break;
            case 'A': case 'a': snprintf(ampm, sizeof ampm, "must be \"%c%c\"", ch, ch); vwhy = ampm; break;
            case 'm': vwhy = "minute must either be \"m\" or \"mm\""; break;
            case 's': vwhy = "second must either be \"s\" or \"ss\""; break;
            case 'Z': vwhy = "timezone must be Z, ZZZZ, or ZZZZZ"; break;
            }
            if (vwhy) stk_fn_fail(err, err_arg, 0, "invalid date format verb \"%s\": %s", tok, vwhy);
            else stk_fn_fail(err, err_arg, 0, "invalid date format verb \"%s\"", tok);
            goto out;
        }
        i += n;
    }
    r = stk_value_stringn(b.s, b.len);
out:
    stk_strbuf_free(&b);
    stk_fn_release(c, 2);
    return r;
}

/* Go's time.ParseDuration, in nanoseconds; errors worded as Go's */
static int parse_duration(const char *s, int64_t *out, char **why)
{
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') { neg = *p == '-'; p++; }
    if (!strcmp(p, "0")) { *out = 0; return 0; }
    if (!*p) { *why = stk_xasprintf("time: invalid duration \"%s\"", s); return -1; }
    double total = 0;
    while (*p) {
        if (!((*p >= '0' && *p <= '9') || *p == '.')) { *why = stk_xasprintf("time: invalid duration \"%s\"", s); return -1; }
        const char *numstart = p;
        while ((*p >= '0' && *p <= '9') || *p == '.') p++;
        char numbuf[64];
        size_t nl = (size_t)(p - numstart);
        if (nl >= sizeof numbuf || (nl == 1 && numstart[0] == '.')) { *why = stk_xasprintf("time: invalid duration \"%s\"", s); return -1; }
        memcpy(numbuf, numstart, nl);
        numbuf[nl] = 0;
        double v = strtod(numbuf, NULL);
        const char *us = p;
        while (*p && *p != '.' && !(*p >= '0' && *p <= '9')) p++;
        size_t ul = (size_t)(p - us);
        double unit;
        if (ul == 0) { *why = stk_xasprintf("time: missing unit in duration \"%s\"", s); return -1; }
        if (ul == 2 && !strncmp(us, "ns", 2)) unit = 1;
        else if (ul == 2 && !strncmp(us, "us", 2)) unit = 1e3;
        else if (ul == 3 && (!strncmp(us, "\xc2\xb5s", 3) || !strncmp(us, "\xce\xbcs", 3))) unit = 1e3;
        else if (ul == 2 && !strncmp(us, "ms", 2)) unit = 1e6;
        else if (ul == 1 && *us == 's') unit = 1e9;
        else if (ul == 1 && *us == 'm') unit = 60e9;
        else if (ul == 1 && *us == 'h') unit = 3600e9;
        else {
            *why = stk_xasprintf("time: unknown unit \"%.*s\" in duration \"%s\"", (int)ul, us, s);
            return -1;
        }
        total += v * unit;
    }
    if (!(total <= 9.2e18)) { *why = stk_xasprintf("time: invalid duration \"%s\"", s); return -1; }
    *out = (int64_t)llround(neg ? -total : total);
    return 0;
}

FN(timeadd)
{
    static stk_type *const T[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T, 2, 0, c, err, err_arg)) return NULL;
    stk_value *r = NULL;
    tstamp t;
    char *why = NULL;
    int64_t d;
    if (parse_rfc3339(c[0]->u.str.s, &t, &why)) {
        stk_fn_fail(err, err_arg, -1, "not a valid RFC3339 timestamp: %s", why);
        free(why);
        goto out;
    }
    if (parse_duration(c[1]->u.str.s, &d, &why)) {
        stk_fn_fail(err, err_arg, -1, "%s", why);
        free(why);
        goto out;
    }
    int64_t ns = t.nanos + d % 1000000000;
    t.secs += d / 1000000000 + (ns >= 1000000000 ? 1 : ns < 0 ? -1 : 0);
    t.nanos = ((ns % 1000000000) + 1000000000) % 1000000000;
    stk_strbuf b = STK_STRBUF_INIT;
    fmt_rfc3339(&b, &t);
    r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
out:
    stk_fn_release(c, 2);
    return r;
}

FN(timecmp)
{
    static stk_type *const T[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T, 2, 0, c, err, err_arg)) return NULL;
    tstamp t[2];
    stk_value *r = NULL;
    for (int i = 0; i < 2; i++) {
        char *why = NULL;
        if (parse_rfc3339(c[i]->u.str.s, &t[i], &why)) {
            stk_fn_fail(err, err_arg, i, "not a valid RFC3339 timestamp: %s", why);
            free(why);
            goto out;
        }
    }
    int cmp = t[0].secs != t[1].secs ? (t[0].secs < t[1].secs ? -1 : 1)
            : t[0].nanos != t[1].nanos ? (t[0].nanos < t[1].nanos ? -1 : 1) : 0;
    r = stk_value_int(cmp);
out:
    stk_fn_release(c, 2);
    return r;
}

/* plantimestamp(): the plan's time; unknown while only validating
   (ctx->deterministic).  Known during plan, unlike timestamp(). */
FN(plantimestamp)
{
    return fn_timestamp(ctx, args, nargs, err, err_arg);
}

const stk_func stk_funcs_time[] = {
    { "plantimestamp", 0, 0, 0, fn_plantimestamp, "plantimestamp() string" },
    { "timecmp", 2, 2, 0, fn_timecmp, "timecmp(timestamp_a string, timestamp_b string) number" },
    { "formatdate", 2, 2, 0, fn_formatdate, "formatdate(format string, time string) string" },
    { "timeadd", 2, 2, 0, fn_timeadd, "timeadd(timestamp string, duration string) string" },
    { "timestamp", 0, 0, STK_FUNC_IMPURE, fn_timestamp, "timestamp() string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
