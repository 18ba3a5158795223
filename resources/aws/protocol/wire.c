/* wire.c - encodings every AWS protocol shares: percent-encoding, base64,
 * timestamps (ISO 8601, RFC 822, epoch seconds), scalar <-> text conversion
 * driven by the shape type, request header helpers, response metadata. */
#include "aws/protocol/proto.h"
#include <ctype.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void stk_aws_urlenc(stk_strbuf *b, const char *s, size_t n, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            stk_strbuf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            stk_strbuf_add(b, e, 3);
        }
    }
}

void stk_aws_formenc(stk_strbuf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ' ') continue;
        stk_aws_urlenc(b, s + start, i - start, 0);
        if (i < n) stk_strbuf_putc(b, '+');
        start = i + 1;
    }
}

char *stk_aws_base64(const unsigned char *p, size_t n)
{
    char *out = stk_xmalloc(4 * ((n + 2) / 3) + 1);
    int len = n ? EVP_EncodeBlock((unsigned char *)out, p, (int)n) : 0;
    out[len] = 0;
    return out;
}

unsigned char *stk_aws_unbase64(const char *s, size_t *n)
{
    size_t len = strlen(s);
    /* drop whitespace (XML may wrap base64) */
    char *clean = stk_xmalloc(len + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i])) clean[k++] = s[i];
    clean[k] = 0;
    if (k % 4 != 0) {
        free(clean);
        return NULL;
    }
    unsigned char *out = stk_xmalloc(k / 4 * 3 + 1);
    int r = k ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)k) : 0;
    if (r < 0) {
        free(clean);
        free(out);
        return NULL;
    }
    size_t olen = (size_t)r;
    if (k >= 1 && clean[k - 1] == '=') olen--;
    if (k >= 2 && clean[k - 2] == '=') olen--;
    out[olen] = 0;
    *n = olen;
    free(clean);
    return out;
}

static int parse_iso8601(const char *s, double *epoch)
{
    struct tm tm = {0};
    int Y, M, D, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &used) != 3) return -1;
    const char *p = s + used;
    double frac = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &used) != 3) return -1;
        p += 1 + used;
        if (*p == '.') {
            char *end;
            frac = strtod(p, &end);
            p = end;
        }
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return -1;
        off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    }
    if (*p) return -1;
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *epoch = (double)timegm(&tm) - off + frac;
    return 0;
}

static int parse_rfc822(const char *s, double *epoch)
{
    static const char *mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char wd[8], mon[8], zone[8];
    int D, Y, h, mi, sec;
    if (sscanf(s, "%7[A-Za-z], %d %7s %d %d:%d:%d %7s", wd, &D, mon, &Y, &h, &mi, &sec, zone) != 8)
        return -1;
    struct tm tm = {0};
    tm.tm_mon = -1;
    for (int i = 0; i < 12; i++)
        if (strcasecmp(mon, mons[i]) == 0) tm.tm_mon = i;
    if (tm.tm_mon < 0) return -1;
    tm.tm_year = Y - 1900;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *epoch = (double)timegm(&tm);
    return 0;
}

int stk_aws_ts_parse_text(const char *s, double *epoch)
{
    if (!s || !*s) return -1;
    if (parse_iso8601(s, epoch) == 0) return 0;
    if (parse_rfc822(s, epoch) == 0) return 0;
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == 0) {
        *epoch = v;
        return 0;
    }
    return -1;
}

int stk_aws_ts_parse(json_t *v, double *epoch)
{
    if (json_is_number(v)) {
        *epoch = json_number_value(v);
        return 0;
    }
    if (json_is_string(v)) return stk_aws_ts_parse_text(json_string_value(v), epoch);
    return -1;
}

void stk_aws_ts_format(stk_strbuf *b, double epoch, const char *fmt)
{
    time_t t = (time_t)floor(epoch);
    double frac = epoch - (double)t;
    int ms = (int)llround(frac * 1000);
    if (ms >= 1000) {
        t++;
        ms = 0;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    if (fmt && strcmp(fmt, "unixTimestamp") == 0) {
        if (ms) stk_strbuf_printf(b, "%lld.%03d", (long long)t, ms);
        else stk_strbuf_printf(b, "%lld", (long long)t);
    } else if (fmt && strcmp(fmt, "rfc822") == 0) {
        strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        stk_strbuf_puts(b, buf);
    } else {
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
        stk_strbuf_puts(b, buf);
        if (ms) stk_strbuf_printf(b, ".%03d", ms);
        stk_strbuf_putc(b, 'Z');
    }
}

static void format_double(stk_strbuf *b, double v)
{
    char buf[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    stk_strbuf_puts(b, buf);
}

char *stk_aws_scalar_text(json_t *shape, json_t *ref, json_t *v, const char *default_ts_fmt)
{
    const char *t = stk_aws_shape_type(shape);
    stk_strbuf b = STK_STRBUF_INIT;
    if (strcmp(t, "boolean") == 0) {
        stk_strbuf_puts(&b, json_is_true(v) ? "true" : "false");
    } else if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
        stk_strbuf_printf(&b, "%lld", (long long)json_integer_value(v));
    } else if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
        format_double(&b, json_number_value(v));
    } else if (strcmp(t, "timestamp") == 0) {
        double e = 0;
        stk_aws_ts_parse(v, &e);
        const char *fmt = stk_aws_json_str(ref, "timestampFormat");
        if (!fmt) fmt = stk_aws_json_str(shape, "timestampFormat");
        stk_aws_ts_format(&b, e, fmt ? fmt : default_ts_fmt);
    } else if (strcmp(t, "blob") == 0) {
        const char *s = json_string_value(v);
        char *enc = stk_aws_base64((const unsigned char *)(s ? s : ""), s ? json_string_length(v) : 0);
        stk_strbuf_puts(&b, enc);
        free(enc);
    } else if (json_is_string(v)) {
        stk_strbuf_add(&b, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        stk_strbuf_printf(&b, "%lld", (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        stk_strbuf_puts(&b, json_is_true(v) ? "true" : "false");
    }
    if (!b.s) return stk_xstrdup("");
    return stk_strbuf_detach(&b);
}

json_t *stk_aws_scalar_from_text(json_t *shape, const char *text)
{
    const char *t = stk_aws_shape_type(shape);
    if (!text) text = "";
    if (strcmp(t, "boolean") == 0) return json_boolean(strcmp(text, "true") == 0);
    if (strcmp(t, "integer") == 0 || strcmp(t, "long") == 0) {
        char *end;
        long long v = strtoll(text, &end, 10);
        if (end == text) return json_string(text);
        return json_integer(v);
    }
    if (strcmp(t, "float") == 0 || strcmp(t, "double") == 0) {
        char *end;
        double v = strtod(text, &end);
        if (end == text) return json_string(text);
        return json_real(v);
    }
    if (strcmp(t, "timestamp") == 0) {
        double e;
        if (isdigit((unsigned char)text[0]) && strchr(text, 'T')) return json_string(text);
        if (stk_aws_ts_parse_text(text, &e) == 0) {
            stk_strbuf b = STK_STRBUF_INIT;
            stk_aws_ts_format(&b, e, "iso8601");
            json_t *r = json_string(b.s);
            stk_strbuf_free(&b);
            return r;
        }
    }
    json_t *r = json_string(text);
    return r ? r : json_string("");
}

void stk_aws_req_add_header(stk_aws_request *req, const char *name, const char *value)
{
    req->headers = stk_xrealloc(req->headers, (req->nheaders + 1) * sizeof *req->headers);
    req->headers[req->nheaders].name = stk_xstrdup(name);
    req->headers[req->nheaders].value = stk_xstrdup(value);
    req->nheaders++;
}

const char *stk_aws_header(const stk_aws_response *resp, const char *lname)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, lname) == 0) return resp->headers[i].value;
    return NULL;
}

int stk_aws_utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t len;
        if (c == 0) return 0;
        if (c < 0x80) len = 1;
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
        else if ((c & 0xF0) == 0xE0) len = 3;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
        else return 0;
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

const char *stk_aws_member_wire_name(const char *key, json_t *ref)
{
    const char *ln = stk_aws_json_str(ref, "locationName");
    return ln ? ln : key;
}

void stk_aws_set_response_metadata(json_t *result, const char *request_id, long status)
{
    json_t *md = json_object();
    if (request_id) json_object_set_new(md, "RequestId", json_string(request_id));
    json_object_set_new(md, "HTTPStatusCode", json_integer(status));
    json_object_set_new(result, "ResponseMetadata", md);
}
