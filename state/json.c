/* json.c - the state's JSON writer and reader (see json.h). */
#include "json.h"
#include "util/strbuf.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stk_json_format_real(double v, char *buf, size_t n)
{
    if (!isfinite(v)) {   /* not representable in JSON: jansson never holds these */
        snprintf(buf, n, "null");
        return;
    }
    if (v == 0) {
        snprintf(buf, n, "0");
        return;
    }
    /* the fewest significant digits that read back as v */
    int p = 1;
    for (; p < 17; p++) {
        snprintf(buf, n, "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v) break;
    }
    snprintf(buf, n, "%.*e", p - 1, v);
    char *e = strchr(buf, 'e');
    int exp10 = e ? atoi(e + 1) : 0;
    double a = fabs(v);
    if (a >= 1e-6 && a < 1e21) {   /* plain notation, as Go's encoding/json (Terraform) */
        int dec = p - 1 - exp10;
        snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, v);
        return;
    }
    /* exponent notation: "e-07" -> "e-7" */
    if (e) {
        char *q = e + 1;
        if (*q == '+' || *q == '-') q++;
        char *z = q;
        while (*z == '0' && z[1]) z++;
        memmove(q, z, strlen(z) + 1);
    }
}

static void put_string(stk_strbuf *b, const char *s, size_t len)
{
    stk_strbuf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': stk_strbuf_puts(b, "\\\""); break;
        case '\\': stk_strbuf_puts(b, "\\\\"); break;
        case '\n': stk_strbuf_puts(b, "\\n"); break;
        case '\r': stk_strbuf_puts(b, "\\r"); break;
        case '\t': stk_strbuf_puts(b, "\\t"); break;
        case '\b': stk_strbuf_puts(b, "\\b"); break;
        case '\f': stk_strbuf_puts(b, "\\f"); break;
        default:
            if (c < 0x20 || c == 0x7f) stk_strbuf_printf(b, "\\u%04x", c);
            else stk_strbuf_putc(b, (char)c);
        }
    }
    stk_strbuf_putc(b, '"');
}

static void newline(stk_strbuf *b, int flags, int level)
{
    if (!(flags & STK_JSON_INDENT)) return;
    stk_strbuf_putc(b, '\n');
    for (int i = 0; i < level; i++) stk_strbuf_puts(b, "  ");
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_value(stk_strbuf *b, const json_t *j, int flags, int level)
{
    char num[64];
    switch (json_typeof(j)) {
    case JSON_NULL: stk_strbuf_puts(b, "null"); break;
    case JSON_TRUE: stk_strbuf_puts(b, "true"); break;
    case JSON_FALSE: stk_strbuf_puts(b, "false"); break;
    case JSON_INTEGER: stk_strbuf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); break;
    case JSON_REAL:
        stk_json_format_real(json_real_value(j), num, sizeof num);
        stk_strbuf_puts(b, num);
        break;
    case JSON_STRING: put_string(b, json_string_value(j), json_string_length(j)); break;
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (!n) {
            stk_strbuf_puts(b, "[]");
            break;
        }
        stk_strbuf_putc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i) stk_strbuf_putc(b, ',');
            newline(b, flags, level + 1);
            put_value(b, json_array_get(j, i), flags, level + 1);
        }
        newline(b, flags, level);
        stk_strbuf_putc(b, ']');
        break;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j), k = 0;
        if (!n) {
            stk_strbuf_puts(b, "{}");
            break;
        }
        const char **keys = stk_xmalloc(n * sizeof *keys);
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v) keys[k++] = key;
        if (flags & STK_JSON_SORT_KEYS) qsort(keys, k, sizeof *keys, cmp_keys);
        stk_strbuf_putc(b, '{');
        for (size_t i = 0; i < k; i++) {
            if (i) stk_strbuf_putc(b, ',');
            newline(b, flags, level + 1);
            put_string(b, keys[i], strlen(keys[i]));
            stk_strbuf_puts(b, (flags & STK_JSON_INDENT) ? ": " : ":");
            put_value(b, json_object_get(j, keys[i]), flags, level + 1);
        }
        free(keys);
        newline(b, flags, level);
        stk_strbuf_putc(b, '}');
        break;
    }
    }
}

char *stk_json_dump(const json_t *j, int flags)
{
    stk_strbuf b = STK_STRBUF_INIT;
    if (!j) stk_strbuf_puts(&b, "null");
    else put_value(&b, j, flags, 0);
    return stk_strbuf_detach(&b);
}

json_t *stk_json_load(const char *text, const char *what, stk_diags *d)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j && strstr(e.text, "too big integer")) {
        j = json_loads(text, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &e);
        if (j)
            stk_diags_warning(d, NULL, "Very large numbers read approximately",
                              "%s holds integers beyond 64 bits; they were read as floating-point numbers "
                              "(about 16 significant digits).", what);
    }
    if (!j)
        stk_diags_error(d, NULL, "Invalid JSON", "%s: %s (line %d, column %d)", what, e.text, e.line, e.column);
    return j;
}
