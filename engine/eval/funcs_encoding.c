/* funcs_encoding.c - encoding functions: jsonencode/jsondecode (our own
 * encoder, so numbers and escapes match Terraform: keys sorted, compact,
 * <>& escaped as \u003c...), yamlencode/yamldecode (libyaml; block style,
 * double-quoted strings, literal style for multi-line strings, as
 * Terraform's ctyyaml writes them), base64encode/decode, base64gzip (zlib,
 * gzip framing), urlencode (Go's QueryEscape). */
#include "eval/funcs_internal.h"
#include <iconv.h>
#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <zlib.h>

static stk_type *const T_S[] = { &stk_type_string };

/* ---------------------------------------------------------------- JSON */

static void json_str(stk_strbuf *b, const char *s, size_t n)
{
    stk_strbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': stk_strbuf_puts(b, "\\\""); break;
        case '\\': stk_strbuf_puts(b, "\\\\"); break;
        case '\n': stk_strbuf_puts(b, "\\n"); break;
        case '\r': stk_strbuf_puts(b, "\\r"); break;
        case '\t': stk_strbuf_puts(b, "\\t"); break;
        case '\b': stk_strbuf_puts(b, "\\b"); break;     /* Go 1.22+ encoding/json */
        case '\f': stk_strbuf_puts(b, "\\f"); break;
        case '<': stk_strbuf_puts(b, "\\u003c"); break;
        case '>': stk_strbuf_puts(b, "\\u003e"); break;
        case '&': stk_strbuf_puts(b, "\\u0026"); break;
        default:
            if (c < 0x20) stk_strbuf_printf(b, "\\u%04x", c);
            else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                     ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
                stk_strbuf_printf(b, "\\u202%c", (unsigned char)s[i + 2] == 0xA8 ? '8' : '9');
                i += 2;
            } else if (c >= 0x80) {
                /* invalid UTF-8 becomes U+FFFD, as Go's encoder writes it */
                uint32_t cp;
                size_t l = stk_utf8_decode(s + i, n - i, &cp);
                if (l == 0) stk_strbuf_puts(b, "\\ufffd");
                else { stk_strbuf_add(b, s + i, l); i += l - 1; }
            } else stk_strbuf_putc(b, (char)c);
        }
    }
    stk_strbuf_putc(b, '"');
}

/* returns -1 when an unknown value is inside */
int stk_json_encode(stk_strbuf *b, const stk_value *v)
{
    if (v->is_unknown) return -1;
    if (v->is_null) { stk_strbuf_puts(b, "null"); return 0; }
    switch (v->type->kind) {
    case STK_TY_STRING: json_str(b, v->u.str.s, v->u.str.len); return 0;
    case STK_TY_NUMBER: stk_number_format(b, v); return 0;
    case STK_TY_BOOL: stk_strbuf_puts(b, v->u.b ? "true" : "false"); return 0;
    case STK_TY_DYNAMIC: stk_strbuf_puts(b, "null"); return 0;
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE:
        stk_strbuf_putc(b, '[');
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (i) stk_strbuf_putc(b, ',');
            if (stk_json_encode(b, v->u.coll.items[i])) return -1;
        }
        stk_strbuf_putc(b, ']');
        return 0;
    case STK_TY_MAP: case STK_TY_OBJECT:
        stk_strbuf_putc(b, '{');
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (i) stk_strbuf_putc(b, ',');
            json_str(b, v->u.coll.keys[i], strlen(v->u.coll.keys[i]));
            stk_strbuf_putc(b, ':');
            if (stk_json_encode(b, v->u.coll.items[i])) return -1;
        }
        stk_strbuf_putc(b, '}');
        return 0;
    }
    return 0;
}

FN(jsonencode)
{
    stk_strbuf b = STK_STRBUF_INIT;
    if (stk_json_encode(&b, args[0])) {
        stk_strbuf_free(&b);
        return stk_value_unknown(STK_STRING);
    }
    stk_value *r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
    return r;
}

FN(jsondecode)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    json_error_t je;
    size_t fl = JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES;
    json_t *j = json_loadb(c[0]->u.str.s, c[0]->u.str.len, fl, &je);
    if (!j && strstr(je.text, "too big"))
        j = json_loadb(c[0]->u.str.s, c[0]->u.str.len, fl | JSON_DECODE_INT_AS_REAL, &je);
    stk_value *r = NULL;
    if (!j) {
        /* cty's messages where they differ from jansson's */
        const char *p = c[0]->u.str.s;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (!*p) stk_fn_fail(err, err_arg, 0, "EOF");
        else if (strstr(je.text, "end of file expected"))
            stk_fn_fail(err, err_arg, 0, "extraneous data after JSON object");
        else if (strstr(je.text, "duplicate"))
            stk_fn_fail(err, err_arg, 0, "duplicate property in JSON object (line %d, column %d)", je.line, je.column);
        else if (strstr(je.text, "unexpected newline") || strstr(je.text, "premature end"))
            stk_fn_fail(err, err_arg, 0, "unexpected EOF");
        else stk_fn_fail(err, err_arg, 0, "invalid JSON: %s at line %d, column %d", je.text, je.line, je.column);
    } else {
        r = stk_value_from_json(j);
        json_decref(j);
    }
    stk_fn_release(c, 1);
    return r;
}

/* ---------------------------------------------------------------- YAML */

static int yemit(yaml_emitter_t *em, yaml_event_t *ev) { return yaml_emitter_emit(em, ev) ? 0 : -1; }

static int yaml_scalar(yaml_emitter_t *em, const char *s, size_t n, int tag_plain, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, tag_plain, !tag_plain, style);
    return yemit(em, &ev);
}

static int yaml_val(yaml_emitter_t *em, const stk_value *v)
{
    yaml_event_t ev;
    if (v->is_null || v->type->kind == STK_TY_DYNAMIC) return yaml_scalar(em, "null", 4, 1, YAML_PLAIN_SCALAR_STYLE);
    switch (v->type->kind) {
    case STK_TY_STRING:
        return yaml_scalar(em, v->u.str.s, v->u.str.len, 0,
                           memchr(v->u.str.s, '\n', v->u.str.len) ? YAML_LITERAL_SCALAR_STYLE
                                                                   : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    case STK_TY_NUMBER: {
        stk_strbuf b = STK_STRBUF_INIT;
        if (!v->is_int && isinf(v->u.num.d)) stk_strbuf_puts(&b, v->u.num.d > 0 ? "+.Inf" : "-.Inf");
        else stk_number_format(&b, v);
        int rc = yaml_scalar(em, b.s, b.len, 1, YAML_PLAIN_SCALAR_STYLE);
        stk_strbuf_free(&b);
        return rc;
    }
    case STK_TY_BOOL:
        return yaml_scalar(em, v->u.b ? "true" : "false", v->u.b ? 4 : 5, 1, YAML_PLAIN_SCALAR_STYLE);
    case STK_TY_LIST: case STK_TY_SET: case STK_TY_TUPLE:
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                             v->u.coll.n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
        if (yemit(em, &ev)) return -1;
        for (size_t i = 0; i < v->u.coll.n; i++)
            if (yaml_val(em, v->u.coll.items[i])) return -1;
        yaml_sequence_end_event_initialize(&ev);
        return yemit(em, &ev);
    case STK_TY_MAP: case STK_TY_OBJECT:
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                            v->u.coll.n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
        if (yemit(em, &ev)) return -1;
        for (size_t i = 0; i < v->u.coll.n; i++) {
            const char *k = v->u.coll.keys[i];
            if (yaml_scalar(em, k, strlen(k), 0, YAML_DOUBLE_QUOTED_SCALAR_STYLE)) return -1;
            if (yaml_val(em, v->u.coll.items[i])) return -1;
        }
        yaml_mapping_end_event_initialize(&ev);
        return yemit(em, &ev);
    default:
        return -1;
    }
}

static int yaml_out(void *data, unsigned char *buf, size_t size)
{
    stk_strbuf_add(data, (const char *)buf, size);
    return 1;
}

FN(yamlencode)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    stk_strbuf b = STK_STRBUF_INIT;
    yaml_emitter_initialize(&em);
    yaml_emitter_set_output(&em, yaml_out, &b);
    yaml_emitter_set_unicode(&em, 1);
    /* go-yaml keeps libyaml's default width of 80: long quoted strings fold */
    yaml_emitter_set_indent(&em, 2);
    int rc = 0;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    rc |= yemit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    rc |= rc ? 0 : yemit(&em, &ev);
    rc |= rc ? 0 : yaml_val(&em, args[0]);
    yaml_document_end_event_initialize(&ev, 1);
    rc |= rc ? 0 : yemit(&em, &ev);
    yaml_stream_end_event_initialize(&ev);
    rc |= rc ? 0 : yemit(&em, &ev);
    stk_value *r = NULL;
    if (rc) stk_fn_fail(err, err_arg, 0, "cannot encode value as YAML: %s", em.problem ? em.problem : "emitter error");
    else {
        /* go-yaml closes a document whose root is a plain scalar with "..." */
        stk_value *v = args[0];
        if ((v->is_null || v->type->kind == STK_TY_NUMBER || v->type->kind == STK_TY_BOOL ||
             v->type->kind == STK_TY_DYNAMIC) && !(b.len >= 4 && !memcmp(b.s + b.len - 4, "...\n", 4)))
            stk_strbuf_puts(&b, "...\n");
        r = stk_value_stringn(b.s ? b.s : "", b.len);
    }
    yaml_emitter_delete(&em);
    stk_strbuf_free(&b);
    return r;
}

typedef struct {
    yaml_parser_t p;
    char **anchors;
    stk_value **anchored;
    size_t nanch;
    char *err;
} ydec;

/* YAML timestamps (the subset go-cty-yaml accepts) become RFC 3339 strings */
static stk_value *y_timestamp(const char *s)
{
    int Y, M, D, h = 0, mi = 0, se = 0, n = 0;
    char rest[64] = "";
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || s[4] != '-') return NULL;
    const char *p = s + n;
    int off = 0;
    if (*p == 0) goto ok;
    if (*p != 'T' && *p != 't' && *p != ' ') return NULL;
    p++;
    if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3) return NULL;
    p += n;
    if (*p == '.') { p++; while (*p >= '0' && *p <= '9') p++; }
    if (*p == 'Z' && s[10] != ' ') p++;
    else if ((*p == '+' || *p == '-') && s[10] != ' ') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p) != 6) return NULL;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else if (s[10] != ' ') return NULL;
    if (*p) return NULL;
ok:
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || se > 59) return NULL;
    if (off == 0) snprintf(rest, sizeof rest, "Z");
    else snprintf(rest, sizeof rest, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
    return stk_value_string_take(stk_xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%s", Y, M, D, h, mi, se, rest));
}

/* go-cty-yaml's resolver for plain scalars (YAML 1.1 booleans included):
   returns a value, or NULL with *why set */
static stk_value *y_plain(const char *s, size_t n, char **why)
{
    static const char *const trues[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON" };
    static const char *const falses[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF" };
    if (n == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return stk_value_null(NULL);
    for (size_t i = 0; i < sizeof trues / sizeof *trues; i++) if (!strcmp(s, trues[i])) return stk_value_bool(1);
    for (size_t i = 0; i < sizeof falses / sizeof *falses; i++) if (!strcmp(s, falses[i])) return stk_value_bool(0);
    const char *q = s + (s[0] == '-' || s[0] == '+');
    if (!strcmp(q, ".inf") || !strcmp(q, ".Inf") || !strcmp(q, ".INF"))
        return stk_value_number(s[0] == '-' ? -INFINITY : INFINITY);
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *why = stk_xstrdup("floating point NaN is not supported");
        return NULL;
    }
    char c0 = s[0];
    if (c0 == '.') {
        stk_value *num = stk_value_number_parse(s);
        if (num) return num;
    } else if ((c0 >= '0' && c0 <= '9') || c0 == '-' || c0 == '+') {
        stk_value *ts = y_timestamp(s);
        if (ts) return ts;
        char *plain = stk_xmalloc(n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) if (s[i] != '_') plain[k++] = s[i];
        plain[k] = 0;
        stk_value *num = stk_value_number_parse(plain);
        if (!num) {
            const char *b = plain + (plain[0] == '-');
            if (b[0] == '0' && b[1] == 'b' && b[2]) {
                char *end;
                long long v = strtoll(b + 2, &end, 2);
                if (*end == 0) num = stk_value_int(plain[0] == '-' ? -v : v);
            }
        }
        free(plain);
        if (num) return num;
    }
    return stk_value_stringn(s, n);
}

static stk_value *y_node(ydec *d, yaml_event_t *ev);

static void y_anchor(ydec *d, const yaml_char_t *anchor, stk_value *v)
{
    if (!anchor) return;
    d->anchors = stk_xrealloc(d->anchors, sizeof(char *) * (d->nanch + 1));
    d->anchored = stk_xrealloc(d->anchored, sizeof(stk_value *) * (d->nanch + 1));
    d->anchors[d->nanch] = stk_xstrdup((const char *)anchor);
    d->anchored[d->nanch] = stk_value_ref(v);
    d->nanch++;
}

static int y_next(ydec *d, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&d->p, ev)) {
        if (!d->err)
            d->err = stk_xasprintf("on line %zu, column %zu: %s", d->p.problem_mark.line + 1,
                                   d->p.problem_mark.column + 1, d->p.problem ? d->p.problem : "invalid YAML");
        return -1;
    }
    return 0;
}

static stk_value *y_node(ydec *d, yaml_event_t *ev)
{
    stk_value *r = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        for (size_t i = d->nanch; i-- > 0;)
            if (!strcmp(d->anchors[i], (const char *)ev->data.alias.anchor)) return stk_value_ref(d->anchored[i]);
        d->err = stk_xasprintf("unknown anchor '%s' referenced", ev->data.alias.anchor);
        return NULL;
    case YAML_SCALAR_EVENT: {
        const char *s = (const char *)ev->data.scalar.value;
        size_t n = ev->data.scalar.length;
        const char *tag = (const char *)ev->data.scalar.tag;
        const char *lt = tag && !strncmp(tag, "tag:yaml.org,2002:", 18) ? tag + 18 : NULL;
        if (tag && !(lt && (!strcmp(lt, "str") || !strcmp(lt, "int") || !strcmp(lt, "float") || !strcmp(lt, "bool") ||
                            !strcmp(lt, "null") || !strcmp(lt, "timestamp") || !strcmp(lt, "binary")))) {
            d->err = stk_xasprintf("unsupported tag \"%s\"", tag);
            return NULL;
        }
        if (lt && (!strcmp(lt, "str") || !strcmp(lt, "binary"))) r = stk_value_stringn(s, n);
        else if (lt && (!strcmp(lt, "int") || !strcmp(lt, "float"))) {
            char *why = NULL;
            r = y_plain(s, n, &why);
            free(why);
            if (r && r->type->kind != STK_TY_NUMBER) { stk_value_unref(r); r = NULL; }
            if (!r) { d->err = stk_xasprintf("cannot parse \"%s\" as !!%s", s, lt); return NULL; }
        } else if (lt && !strcmp(lt, "bool")) {
            char *why = NULL;
            r = y_plain(s, n, &why);
            free(why);
            if (r && r->type->kind != STK_TY_BOOL) { stk_value_unref(r); r = NULL; }
            if (!r) { d->err = stk_xasprintf("cannot parse \"%s\" as !!bool", s); return NULL; }
        } else if (lt && !strcmp(lt, "timestamp")) {
            r = y_timestamp(s);
            if (!r) { d->err = stk_xasprintf("cannot parse \"%s\" as !!timestamp", s); return NULL; }
        } else if (lt && !strcmp(lt, "null")) r = stk_value_null(NULL);
        else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            char *why = NULL;
            r = y_plain(s, n, &why);
            if (!r) { d->err = why; return NULL; }
        }
        else r = stk_value_stringn(s, n);
        y_anchor(d, ev->data.scalar.anchor, r);
        return r;
    }
    case YAML_SEQUENCE_START_EVENT: {
        yaml_char_t *anchor = ev->data.sequence_start.anchor ? (yaml_char_t *)stk_xstrdup((char *)ev->data.sequence_start.anchor) : NULL;
        size_t cap = 8, n = 0;
        stk_value **items = stk_xmalloc(sizeof(stk_value *) * cap);
        for (;;) {
            yaml_event_t e;
            if (y_next(d, &e)) break;
            if (e.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&e);
                r = stk_value_tuple(items, n);
                break;
            }
            stk_value *v = y_node(d, &e);
            yaml_event_delete(&e);
            if (!v) break;
            if (n == cap) items = stk_xrealloc(items, sizeof(stk_value *) * (cap *= 2));
            items[n++] = v;
        }
        if (!r) stk_fn_release(items, n);
        free(items);
        if (r) y_anchor(d, anchor, r);
        free(anchor);
        return r;
    }
    case YAML_MAPPING_START_EVENT: {
        yaml_char_t *anchor = ev->data.mapping_start.anchor ? (yaml_char_t *)stk_xstrdup((char *)ev->data.mapping_start.anchor) : NULL;
        size_t cap = 8, n = 0;
        char **keys = stk_xmalloc(sizeof(char *) * cap);
        stk_value **vals = stk_xmalloc(sizeof(stk_value *) * cap);
        int ok = 0;
        for (;;) {
            yaml_event_t e;
            if (y_next(d, &e)) break;
            if (e.type == YAML_MAPPING_END_EVENT) { yaml_event_delete(&e); ok = 1; break; }
            stk_value *k = y_node(d, &e);
            yaml_event_delete(&e);
            if (!k) break;
            stk_value *ks = NULL;
            if (!k->is_null && k->type->kind <= STK_TY_BOOL && k->type->kind != STK_TY_DYNAMIC) {
                char *ce = NULL;
                ks = stk_value_convert(k, STK_STRING, &ce);
                free(ce);
            }
            stk_value_unref(k);
            if (!ks) { d->err = stk_xstrdup("only string keys are supported"); break; }
            if (y_next(d, &e)) { stk_value_unref(ks); break; }
            stk_value *v = y_node(d, &e);
            yaml_event_delete(&e);
            if (!v) { stk_value_unref(ks); break; }
            if (n == cap) {
                cap *= 2;
                keys = stk_xrealloc(keys, sizeof(char *) * cap);
                vals = stk_xrealloc(vals, sizeof(stk_value *) * cap);
            }
            keys[n] = stk_xstrdup(ks->u.str.s);
            stk_value_unref(ks);
            vals[n++] = v;
        }
        if (ok) r = stk_value_object(keys, vals, n);
        else stk_fn_release(vals, n);
        for (size_t i = 0; i < n; i++) free(keys[i]);
        free(keys);
        free(vals);
        if (r) y_anchor(d, anchor, r);
        free(anchor);
        return r;
    }
    default:
        d->err = stk_xstrdup("unexpected YAML event");
        return NULL;
    }
}

FN(yamldecode)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    ydec d;
    memset(&d, 0, sizeof d);
    yaml_parser_initialize(&d.p);
    yaml_parser_set_input_string(&d.p, (const unsigned char *)c[0]->u.str.s, c[0]->u.str.len);
    stk_value *r = NULL;
    int docs = 0;
    for (;;) {
        yaml_event_t e;
        if (y_next(&d, &e)) break;
        yaml_event_type_t t = e.type;
        if (t == YAML_STREAM_END_EVENT) { yaml_event_delete(&e); break; }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT || t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&e);
            continue;
        }
        if (++docs > 1) {
            yaml_event_delete(&e);
            d.err = stk_xstrdup("unexpected extra content after value");
            break;
        }
        r = y_node(&d, &e);
        yaml_event_delete(&e);
        if (!r) break;
    }
    if (d.err) {
        stk_value_unref(r);
        r = NULL;
        stk_fn_fail(err, err_arg, 0, "%s", d.err);
        free(d.err);
    } else if (!r) {
        r = stk_value_null(NULL);
    }
    for (size_t i = 0; i < d.nanch; i++) { free(d.anchors[i]); stk_value_unref(d.anchored[i]); }
    free(d.anchors);
    free(d.anchored);
    yaml_parser_delete(&d.p);
    stk_fn_release(c, 1);
    return r;
}

/* -------------------------------------------------------------- base64 */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *stk_base64_encode(const unsigned char *p, size_t n)
{
    char *out = stk_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = b64[v >> 18]; *o++ = b64[(v >> 12) & 63]; *o++ = b64[(v >> 6) & 63]; *o++ = b64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = b64[v >> 18]; *o++ = b64[(v >> 12) & 63]; *o++ = '='; *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = b64[v >> 18]; *o++ = b64[(v >> 12) & 63]; *o++ = b64[(v >> 6) & 63]; *o++ = '=';
    }
    *o = 0;
    return out;
}

/* Go's StdEncoding: padded, strict; \r and \n in the input are skipped.
   Returns 0, or the offset of the first bad symbol + 1 as a negative number. */
static long b64_decode_at(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
    char *clean = stk_xmalloc(n + 1);
    size_t *pos = stk_xmalloc(sizeof(size_t) * (n + 1));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n') { pos[m] = i; clean[m++] = s[i]; }
    unsigned char *o = stk_xmalloc(m / 4 * 3 + 4);
    size_t k = 0;
    long bad = 0;
    for (size_t i = 0; i < m && !bad; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (size_t j = 0; j < 4; j++) {
            if (i + j >= m) { bad = -(long)(pos[m - 1] + 2); break; }
            char c = clean[i + j];
            int d;
            if (c == '=') {
                if (j < 2 || (pad == 0 && j == 2 && (i + 4 > m || clean[i + 3] != '=')) || i + 4 != m) {
                    bad = -(long)(pos[i + j] + 1);
                    break;
                }
                pad++;
                d = 0;
            } else {
                const char *q = c && !pad ? strchr(b64, c) : NULL;
                if (!q) { bad = -(long)(pos[i + j] + 1); break; }
                d = (int)(q - b64);
            }
            v = v << 6 | (uint32_t)d;
        }
        if (bad) break;
        o[k++] = (unsigned char)(v >> 16);
        if (pad < 2) o[k++] = (unsigned char)(v >> 8);
        if (pad < 1) o[k++] = (unsigned char)v;
    }
    free(clean);
    free(pos);
    if (bad) { free(o); return bad; }
    o[k] = 0;
    *out = o;
    *outlen = k;
    return 0;
}

int stk_base64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
    return b64_decode_at(s, n, out, outlen) ? -1 : 0;
}

static int utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t l = stk_utf8_decode(s + i, n - i, &c);
        if (!l) return 0;
        i += l;
    }
    return 1;
}

FN(base64encode)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    stk_value *r = stk_value_string_take(stk_base64_encode((const unsigned char *)c[0]->u.str.s, c[0]->u.str.len));
    stk_fn_release(c, 1);
    return r;
}

FN(base64decode)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    unsigned char *o;
    size_t ol;
    stk_value *r = NULL;
    if (stk_base64_decode(c[0]->u.str.s, c[0]->u.str.len, &o, &ol))
        stk_fn_fail(err, err_arg, 0, "failed to decode base64 data \"%s\"", c[0]->u.str.s);
    else {
        if (!utf8_valid((char *)o, ol) || memchr(o, 0, ol))
            stk_fn_fail(err, err_arg, 0, "the result of decoding the provided string is not valid UTF-8");
        else r = stk_value_stringn((char *)o, ol);
        free(o);
    }
    stk_fn_release(c, 1);
    return r;
}

FN(base64gzip)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    stk_value *r = NULL;
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        stk_fn_fail(err, err_arg, -1, "failed to write gzip raw data");
        goto out;
    }
    gz_header h;
    memset(&h, 0, sizeof h);
    h.os = 255;   /* "unknown", as Go's compress/gzip writes */
    deflateSetHeader(&zs, &h);
    uLong bound = deflateBound(&zs, (uLong)c[0]->u.str.len) + 32;
    unsigned char *buf = stk_xmalloc(bound);
    zs.next_in = (Bytef *)c[0]->u.str.s;
    zs.avail_in = (uInt)c[0]->u.str.len;
    zs.next_out = buf;
    zs.avail_out = (uInt)bound;
    int zr = deflate(&zs, Z_FINISH);
    if (zr != Z_STREAM_END) stk_fn_fail(err, err_arg, -1, "failed to write gzip raw data");
    else r = stk_value_string_take(stk_base64_encode(buf, zs.total_out));
    deflateEnd(&zs);
    free(buf);
out:
    stk_fn_release(c, 1);
    return r;
}

FN(urlencode)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    stk_strbuf_add(&b, "", 0);
    for (size_t i = 0; i < c[0]->u.str.len; i++) {
        unsigned char ch = (unsigned char)c[0]->u.str.s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~')
            stk_strbuf_putc(&b, (char)ch);
        else if (ch == ' ') stk_strbuf_putc(&b, '+');
        else stk_strbuf_printf(&b, "%%%02X", ch);
    }
    stk_value *r = stk_value_stringn(b.s, b.len);
    stk_strbuf_free(&b);
    stk_fn_release(c, 1);
    return r;
}

/* ----------------------------------------------------------------- CSV */

/* One record per call (Go's encoding/csv rules: "" escapes a quote inside
   a quoted field; a quote inside an unquoted field is an error).
   Returns 1 with a record, 0 at the end, -1 on error (*why set). */
static int csv_record(const char **pp, const char *end, size_t *line, char ***fields, size_t *nf, char **why)
{
    const char *p = *pp;
    while (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))) {
        if (*p == '\n') (*line)++;
        p++;
    }
    if (p >= end) { *pp = p; return 0; }
    size_t cap = 8, n = 0;
    char **f = stk_xmalloc(sizeof(char *) * cap);
    size_t start_line = *line;
    for (;;) {
        stk_strbuf b = STK_STRBUF_INIT;
        stk_strbuf_add(&b, "", 0);
        const char *fs = p;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end) {
                    *why = stk_xasprintf("parse error on line %zu, column %zu: extraneous or missing \" in quoted-field",
                                         start_line, (size_t)(p - fs) + 1);
                    goto bad;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') { stk_strbuf_putc(&b, '"'); p += 2; continue; }
                    p++;
                    break;
                }
                if (*p == '\n') (*line)++;
                if (*p == '\r' && p + 1 < end && p[1] == '\n') { p++; continue; }
                stk_strbuf_putc(&b, *p++);
            }
            if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                *why = stk_xasprintf("parse error on line %zu, column %zu: extraneous or missing \" in quoted-field",
                                     *line, (size_t)(p - fs) + 1);
                goto bad;
            }
        } else {
            while (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && p + 1 < end && p[1] == '\n')) {
                if (*p == '"') {
                    *why = stk_xasprintf("parse error on line %zu, column %zu: bare \" in non-quoted-field",
                                         *line, (size_t)(p - fs) + 1);
                    goto bad;
                }
                stk_strbuf_putc(&b, *p++);
            }
        }
        if (n == cap) f = stk_xrealloc(f, sizeof(char *) * (cap *= 2));
        f[n++] = stk_strbuf_detach(&b);
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') { p++; (*line)++; }
        break;
    bad:
        stk_strbuf_free(&b);
        for (size_t i = 0; i < n; i++) free(f[i]);
        free(f);
        return -1;
    }
    *pp = p;
    *fields = f;
    *nf = n;
    return 1;
}

FN(csvdecode)
{
    stk_value *c[1];
    if (stk_fn_args(args, nargs, T_S, 1, 0, c, err, err_arg)) return NULL;
    const char *p = c[0]->u.str.s, *end = p + c[0]->u.str.len;
    size_t line = 1;
    char **hdr = NULL, *why = NULL;
    size_t nh = 0, cap = 8, m = 0;
    stk_value *r = NULL;
    stk_value **rows = stk_xmalloc(sizeof(stk_value *) * cap);
    int rc = csv_record(&p, end, &line, &hdr, &nh, &why);
    if (rc <= 0) {
        stk_fn_fail(err, err_arg, 0, "%s", rc == 0 ? "missing header line" : why);
        goto out;
    }
    for (;;) {
        char **f;
        size_t nf;
        size_t rec_line = line;
        rc = csv_record(&p, end, &line, &f, &nf, &why);
        if (rc == 0) break;
        if (rc < 0) { stk_fn_fail(err, err_arg, 0, "%s", why); goto out; }
        if (nf != nh) {
            for (size_t i = 0; i < nf; i++) free(f[i]);
            free(f);
            stk_fn_fail(err, err_arg, 0, "record on line %zu: wrong number of fields", rec_line);
            goto out;
        }
        stk_value **vals = stk_xmalloc(sizeof(stk_value *) * (nf + 1));
        for (size_t i = 0; i < nf; i++) { vals[i] = stk_value_string(f[i]); free(f[i]); }
        free(f);
        if (m == cap) rows = stk_xrealloc(rows, sizeof(stk_value *) * (cap *= 2));
        rows[m++] = stk_value_object(hdr, vals, nh);
        free(vals);
    }
    if (m) {
        r = stk_value_list(rows[0]->type, rows, m);
        m = 0;
    } else {
        stk_type **ts = stk_xmalloc(sizeof(stk_type *) * (nh + 1));
        for (size_t i = 0; i < nh; i++) ts[i] = STK_STRING;
        stk_type *ot = stk_type_object(hdr, ts, nh, NULL, NULL);
        r = stk_value_list(ot, NULL, 0);
        stk_type_unref(ot);
        free(ts);
    }
out:
    stk_fn_release(rows, m);
    free(rows);
    for (size_t i = 0; i < nh; i++) free(hdr[i]);
    free(hdr);
    free(why);
    stk_fn_release(c, 1);
    return r;
}

/* ------------------------------------------------- text encodings (iconv) */

/* convert n bytes; returns 0, -1 unsupported encoding, -2 unrepresentable */
static int iconv_all(const char *to, const char *from, const char *in, size_t n, stk_strbuf *out)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) return -1;
    char *ip = (char *)in;
    size_t il = n;
    stk_strbuf_add(out, "", 0);
    int rc = 0;
    while (il > 0) {
        char buf[4096], *op = buf;
        size_t ol = sizeof buf;
        size_t k = iconv(cd, &ip, &il, &op, &ol);
        stk_strbuf_add(out, buf, sizeof buf - ol);
        if (k == (size_t)-1 && errno != E2BIG) { rc = -2; break; }
    }
    if (rc == 0) {
        char buf[64], *op = buf;
        size_t ol = sizeof buf;
        iconv(cd, NULL, NULL, &op, &ol);
        stk_strbuf_add(out, buf, sizeof buf - ol);
    }
    iconv_close(cd);
    return rc;
}

FN(textencodebase64)
{
    static stk_type *const T2[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T2, 2, 0, c, err, err_arg)) return NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    stk_value *r = NULL;
    int rc = iconv_all(c[1]->u.str.s, "UTF-8", c[0]->u.str.s, c[0]->u.str.len, &b);
    if (rc == -1)
        stk_fn_fail(err, err_arg, 1, "\"%s\" is not a supported IANA encoding name or alias in this Terraform version", c[1]->u.str.s);
    else if (rc == -2)
        stk_fn_fail(err, err_arg, 0, "the given string contains characters that cannot be represented in %s",
                    c[1]->u.str.s);
    else r = stk_value_string_take(stk_base64_encode((unsigned char *)b.s, b.len));
    stk_strbuf_free(&b);
    stk_fn_release(c, 2);
    return r;
}

FN(textdecodebase64)
{
    static stk_type *const T2[] = { &stk_type_string, &stk_type_string };
    stk_value *c[2];
    if (stk_fn_args(args, nargs, T2, 2, 0, c, err, err_arg)) return NULL;
    stk_strbuf b = STK_STRBUF_INIT;
    stk_value *r = NULL;
    unsigned char *raw = NULL;
    size_t rl;
    long bad = b64_decode_at(c[0]->u.str.s, c[0]->u.str.len, &raw, &rl);
    if (bad) {
        stk_fn_fail(err, err_arg, 0, "the given value is has an invalid base64 symbol at offset %ld", -bad - 1);
        goto out;
    }
    int rc = iconv_all("UTF-8", c[1]->u.str.s, (char *)raw, rl, &b);
    if (rc == -1)
        stk_fn_fail(err, err_arg, 1, "\"%s\" is not a supported IANA encoding name or alias in this Terraform version", c[1]->u.str.s);
    else if (rc == -2)
        stk_fn_fail(err, err_arg, 0, "the given string contains symbols that are not defined for %s", c[1]->u.str.s);
    else r = stk_value_stringn(b.s, b.len);
out:
    free(raw);
    stk_strbuf_free(&b);
    stk_fn_release(c, 2);
    return r;
}

const stk_func stk_funcs_encoding[] = {
    { "csvdecode", 1, 1, 0, fn_csvdecode, "csvdecode(str string) list of object" },
    { "textdecodebase64", 2, 2, 0, fn_textdecodebase64, "textdecodebase64(source string, encoding string) string" },
    { "textencodebase64", 2, 2, 0, fn_textencodebase64, "textencodebase64(string string, encoding string) string" },
    { "base64decode", 1, 1, 0, fn_base64decode, "base64decode(str string) string" },
    { "base64encode", 1, 1, 0, fn_base64encode, "base64encode(str string) string" },
    { "base64gzip", 1, 1, 0, fn_base64gzip, "base64gzip(str string) string" },
    { "jsondecode", 1, 1, 0, fn_jsondecode, "jsondecode(str string) dynamic" },
    { "jsonencode", 1, 1, 0, fn_jsonencode, "jsonencode(val any) string" },
    { "urlencode", 1, 1, 0, fn_urlencode, "urlencode(str string) string" },
    { "yamldecode", 1, 1, 0, fn_yamldecode, "yamldecode(src string) dynamic" },
    { "yamlencode", 1, 1, 0, fn_yamlencode, "yamlencode(value any) string" },
    { NULL, 0, 0, 0, NULL, NULL },
};
