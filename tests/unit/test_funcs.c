/* test_funcs.c - the built-in function library, table-driven.
 *
 * Each row calls one function through stk_func_lookup the way the
 * evaluator does (argument count check, sensitive marks stripped, unknown
 * arguments short-circuited unless STK_FUNC_UNKNOWN_OK) and compares the
 * result printed by stk_value_to_hcl, or the error text ("!" prefix:
 * the error must contain the rest).  Arguments are JSON, optionally
 * prefixed: list: set: map: (converted to that collection), unk: (an
 * unknown of that JSON's type, or "unk:" alone for an untyped unknown).
 * A final check makes sure every function has at least two rows and at
 * least one error row. */
#include "test.h"
#include "eval/funcs.h"
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

typedef struct {
    const char *fn;
    const char *args[8];
    const char *want;
} fcase;

/* "<unk>" strings inside tuples and objects stand for unknown values (consumes v) */
static stk_value *unk_elems(stk_value *v)
{
    stk_type_kind k = v->type->kind;
    if ((k != STK_TY_TUPLE && k != STK_TY_OBJECT) || v->is_null || v->is_unknown) return v;
    size_t n = stk_value_len(v);
    stk_value **items = malloc(sizeof(stk_value *) * (n + 1));
    char **keys = malloc(sizeof(char *) * (n + 1));
    for (size_t i = 0; i < n; i++) {
        stk_value *e = stk_value_elem(v, i);
        if (k == STK_TY_OBJECT) keys[i] = (char *)stk_value_key(v, i);
        if (stk_value_str(e) && !strcmp(stk_value_str(e), "<unk>")) items[i] = stk_value_unknown(NULL);
        else items[i] = unk_elems(stk_value_ref(e));
    }
    stk_value *r = k == STK_TY_TUPLE ? stk_value_tuple(items, n) : stk_value_object(keys, items, n);
    stk_value_unref(v);
    free(items);
    free(keys);
    return r;
}

static stk_value *arg_value(const char *s)
{
    stk_type *t = NULL;
    int unk = 0;
    if (!strncmp(s, "sens:", 5)) return stk_value_mark(arg_value(s + 5), STK_MARK_SENSITIVE);
    if (!strncmp(s, "unk:", 4)) { unk = 1; s += 4; if (!*s) return stk_value_unknown(NULL); }
    if (!strncmp(s, "list:", 5)) { t = stk_type_list(STK_DYNAMIC); s += 5; }
    else if (!strncmp(s, "set:", 4)) { t = stk_type_set(STK_DYNAMIC); s += 4; }
    else if (!strncmp(s, "map:", 4)) { t = stk_type_map(STK_DYNAMIC); s += 4; }
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    if (!j) { fprintf(stderr, "bad JSON in test: %s (%s)\n", s, je.text); abort(); }
    stk_value *v = stk_value_from_json(j);
    json_decref(j);
    if (t) {
        char *e = NULL;
        stk_value *c = stk_value_convert(v, t, &e);
        if (!c) { fprintf(stderr, "test conversion failed: %s\n", e); abort(); }
        stk_value_unref(v);
        v = c;
    }
    if (unk) {
        stk_value *u = stk_value_unknown(v->type);
        stk_value_unref(v);
        v = u;
    }
    return unk_elems(v);
    return v;
}

static char tmpdir[256];

static stk_func_ctx ctx;

static stk_value *render_stub(void *ud, const char *filename, const char *src, size_t len, stk_value *vars, char **err)
{
    /* a tiny renderer for the test: replaces ${name} with the string value of vars.name;
       a template starting with "!nest" calls templatefile again */
    (void)ud; (void)filename;
    if (len >= 5 && !memcmp(src, "!nest", 5)) {
        const stk_func *f = stk_func_lookup("templatefile");
        stk_value *a[] = { stk_value_string("tpl.tmpl"), stk_value_ref(vars) };
        int ea = -1;
        stk_value *r = f->impl(&ctx, a, 2, err, &ea);
        stk_value_unref(a[0]);
        stk_value_unref(a[1]);
        return r;
    }
    char out[4096];
    size_t o = 0;
    for (size_t i = 0; i < len && o < sizeof out - 1;) {
        if (src[i] == '$' && i + 1 < len && src[i + 1] == '{') {
            const char *end = memchr(src + i, '}', len - i);
            if (!end) { *err = strdup("unterminated interpolation"); return NULL; }
            char name[64];
            size_t nl = (size_t)(end - (src + i + 2));
            if (nl >= sizeof name) nl = sizeof name - 1;
            memcpy(name, src + i + 2, nl);
            name[nl] = 0;
            stk_value *v = stk_value_get(vars, name);
            if (!v) { *err = malloc(128); snprintf(*err, 128, "vars map does not contain key \"%s\"", name); return NULL; }
            char *e = NULL;
            stk_value *s = stk_value_convert(v, STK_STRING, &e);
            free(e);
            if (!s) { *err = strdup("cannot interpolate"); return NULL; }
            size_t sl = strlen(stk_value_str(s));
            if (o + sl < sizeof out) { memcpy(out + o, stk_value_str(s), sl); o += sl; }
            stk_value_unref(s);
            i = (size_t)(end - src) + 1;
            continue;
        }
        out[o++] = src[i++];
    }
    out[o] = 0;
    return stk_value_string(out);
}

/* call like the evaluator; returns result or NULL with *err */
static stk_value *call(const char *name, stk_value **args, size_t n, char **err)
{
    const stk_func *f = stk_func_lookup(name);
    if (!f) { *err = strdup("no such function"); return NULL; }
    if ((int)n < f->min_args || (f->max_args >= 0 && (int)n > f->max_args)) {
        *err = strdup("wrong number of arguments");
        return NULL;
    }
    unsigned marks = 0;
    int known = 1;
    int keep_marks = (f->flags & STK_FUNC_MARKS_OK) != 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep_marks) args[i] = stk_value_unmark_deep(args[i], &marks);
        if (!stk_value_is_known_deep(args[i])) known = 0;
    }
    if (!known && !(f->flags & STK_FUNC_UNKNOWN_OK)) return stk_value_mark(stk_value_unknown(NULL), marks);
    int err_arg = -1;
    stk_value *r = f->impl(&ctx, args, n, err, &err_arg);
    if (r && !keep_marks) r = stk_value_mark(r, marks);
    return r;
}

static const fcase cases[] = {
    /* --- encoding --- */
    { "jsonencode", { "{\"b\":[1,2.5,\"<x>\"],\"a\":null}" }, "\"{\\\"a\\\":null,\\\"b\\\":[1,2.5,\\\"\\\\u003cx\\\\u003e\\\"]}\"" },
    { "jsonencode", { "\"a&b\"" }, "\"\\\"a\\\\u0026b\\\"\"" },
    { "jsonencode", { "\"\\b\\f\\u0001\\u00e9\"" }, "\"\\\"\\\\b\\\\f\\\\u0001\u00e9\\\"\"" },
    { "jsonencode", { "unk:\"x\"" }, "(known after apply)" },
    { "jsonencode", { "1", "2" }, "!wrong number of arguments" },
    { "jsondecode", { "\"{\\\"a\\\":[1,true,null],\\\"n\\\":9007199254740993}\"" },
      "{\n  \"a\" = [\n    1,\n    true,\n    null,\n  ]\n  \"n\" = 9007199254740993\n}" },
    { "jsondecode", { "\"\\\"x\\\"\"" }, "\"x\"" },
    { "jsondecode", { "\"{bad\"" }, "!invalid JSON" },
    { "jsondecode", { "\"\"" }, "!EOF" },
    { "jsondecode", { "\"{} []\"" }, "!extraneous data after JSON object" },
    { "jsondecode", { "\"{\\\"a\\\":1,\\\"a\\\":2}\"" }, "!duplicate property in JSON object" },
    { "yamlencode", { "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true}}" },
      "<<EOT\n\"a\": 1\n\"b\": \"x\"\n\"c\":\n- 1\n- 2\n\"d\":\n  \"e\": true\n\nEOT" },
    { "yamlencode", { "[]" }, "<<EOT\n[]\n\nEOT" },
    { "yamlencode", { "true" }, "<<EOT\ntrue\n...\n\nEOT" },
    { "yamlencode", { "\"hello\"" }, "<<EOT\n\"hello\"\n\nEOT" },
    { "yamlencode", { "{\"s\":\"a\\nb\\n\"}" }, "<<EOT\n\"s\": |\n  a\n  b\n\nEOT" },
    { "yamlencode", { "unk:" }, "(known after apply)" },
    { "yamlencode", { }, "!wrong number of arguments" },
    { "yamldecode", { "\"a: 1\\nb: [x, 'y', true, null, 1.5]\\nc:\\n  d: hello\\n\"" },
      "{\n  \"a\" = 1\n  \"b\" = [\n    \"x\",\n    \"y\",\n    true,\n    null,\n    1.5,\n  ]\n  \"c\" = {\n    \"d\" = \"hello\"\n  }\n}" },
    { "yamldecode", { "\"base: &b {x: 1}\\nuse: *b\\n\"" }, "{\n  \"base\" = {\n    \"x\" = 1\n  }\n  \"use\" = {\n    \"x\" = 1\n  }\n}" },
    { "yamldecode", { "\"a: [1\"" }, "!on line" },
    { "yamldecode", { "\"[yes, off, 0x1F, 0b101, 1_000, .5, 2001-12-14, 2001-12-14t21:59:43.10-05:00, !!str 12]\"" },
      "[\n  true,\n  false,\n  \"0x1F\",\n  5,\n  1000,\n  0.5,\n  \"2001-12-14T00:00:00Z\",\n  \"2001-12-14T21:59:43-05:00\",\n  \"12\",\n]" },
    { "yamldecode", { "\"x: .nan\"" }, "!floating point NaN is not supported" },
    { "yamldecode", { "\"x: !foo bar\"" }, "!unsupported tag \"!foo\"" },
    { "yamldecode", { "\"a: 1\\n---\\nb: 2\\n\"" }, "!unexpected extra content" },
    { "base64encode", { "\"Hello World\"" }, "\"SGVsbG8gV29ybGQ=\"" },
    { "base64encode", { "\"\"" }, "\"\"" },
    { "base64encode", { "[]" }, "!string required" },
    { "base64decode", { "\"SGVsbG8gV29ybGQ=\"" }, "\"Hello World\"" },
    { "base64decode", { "\"!!!\"" }, "!failed to decode base64 data" },
    { "base64decode", { "\"/w==\"" }, "!not valid UTF-8" },
    { "base64decode", { "\"SGVs\\nbG8=\"" }, "\"Hello\"" },
    { "base64decode", { "\"SGVsbG8\"" }, "!failed to decode base64 data \"SGVsbG8\"" },
    { "base64gzip", { "null" }, "!argument must not be null" },
    { "urlencode", { "\"Hello World?a=b&c=d/é\"" }, "\"Hello+World%3Fa%3Db%26c%3Dd%2F%C3%A9\"" },
    { "urlencode", { "\"a-b_c.d~e\"" }, "\"a-b_c.d~e\"" },
    { "urlencode", { "{}" }, "!string required" },
    /* --- crypto --- */
    { "md5", { "\"hello world\"" }, "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"" },
    { "md5", { "[]" }, "!string required" },
    { "sha1", { "\"hello world\"" }, "\"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\"" },
    { "sha1", { "null" }, "!argument must not be null" },
    { "sha256", { "\"hello world\"" }, "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\"" },
    { "sha256", { "{}" }, "!string required" },
    { "sha512", { "\"hello world\"" },
      "\"309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f\"" },
    { "sha512", { "[1]" }, "!string required" },
    { "base64sha256", { "\"hello world\"" }, "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"" },
    { "base64sha256", { "[]" }, "!string required" },
    { "base64sha512", { "\"hello world\"" }, "\"MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==\"" },
    { "base64sha512", { "{}" }, "!string required" },
    { "uuid", { "1" }, "!wrong number of arguments" },
    { "uuidv5", { "\"dns\"", "\"www.terraform.io\"" }, "\"a5008fae-b28c-5ba5-96cd-82b4c53552d6\"" },
    { "uuidv5", { "\"6ba7b811-9dad-11d1-80b4-00c04fd430c8\"", "\"https://www.terraform.io/\"" }, "\"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5\"" },
    { "uuidv5", { "\"url\"", "\"https://www.terraform.io/\"" }, "\"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5\"" },
    { "uuidv5", { "\"bad\"", "\"x\"" }, "!uuidv5() doesn't support namespace bad (invalid UUID length)" },
    { "plantimestamp", { "1" }, "!wrong number of arguments" },
    /* --- strings --- */
    { "upper", { "\"hello é\"" }, "\"HELLO É\"" },
    { "upper", { "[]" }, "!string required" },
    { "lower", { "\"HELLO Ä\"" }, "\"hello ä\"" },
    { "lower", { "null" }, "!argument must not be null" },
    { "title", { "\"hello world-wide web_x\"" }, "\"Hello World-Wide Web_x\"" },
    { "title", { "{}" }, "!string required" },
    { "trim", { "\"?!hello?!\"", "\"!?\"" }, "\"hello\"" },
    { "trim", { "\"  x \"", "\" \"" }, "\"x\"" },
    { "trim", { "\"x\"" }, "!wrong number of arguments" },
    { "trimspace", { "\"  hello\\n\\t\"" }, "\"hello\"" },
    { "trimspace", { "[]" }, "!string required" },
    { "trimprefix", { "\"helloworld\"", "\"hello\"" }, "\"world\"" },
    { "trimprefix", { "\"helloworld\"", "\"cat\"" }, "\"helloworld\"" },
    { "trimprefix", { "\"a\"", "[]" }, "!string required" },
    { "trimsuffix", { "\"helloworld\"", "\"world\"" }, "\"hello\"" },
    { "trimsuffix", { "null", "\"x\"" }, "!argument must not be null" },
    { "chomp", { "\"hello\\r\\n\\n\"" }, "\"hello\"" },
    { "chomp", { "[]" }, "!string required" },
    { "substr", { "\"hello world\"", "1", "4" }, "\"ello\"" },
    { "substr", { "\"🤔🤷\"", "-1", "1" }, "\"🤷\"" },
    { "substr", { "\"hello\"", "2", "-1" }, "\"llo\"" },
    { "substr", { "\"hello\"", "10", "2" }, "\"\"" },
    { "substr", { "\"hello\"", "1.5", "2" }, "!value must be a whole number" },
    { "startswith", { "\"hello world\"", "\"hello\"" }, "true" },
    { "startswith", { "\"hello world\"", "\"world\"" }, "false" },
    { "startswith", { "\"x\"", "{}" }, "!string required" },
    { "endswith", { "\"hello world\"", "\"world\"" }, "true" },
    { "endswith", { "[]", "\"x\"" }, "!string required" },
    { "strcontains", { "\"hello world\"", "\"o w\"" }, "true" },
    { "strcontains", { "\"hello\"", "\"z\"" }, "false" },
    { "strcontains", { "\"hello\"" }, "!wrong number of arguments" },
    { "strrev", { "\"héllo\"" }, "\"olléh\"" },
    { "strrev", { "[]" }, "!string required" },
    { "indent", { "2", "\"[\\n  foo,\\n]\"" }, "<<EOT\n[\n    foo,\n  ]\nEOT" },
    { "indent", { "\"x\"", "\"a\"" }, "!a number is required" },
    { "indent", { "1", "\"a\\nb\\n\"" }, "<<EOT\na\n b\n \nEOT" },
    { "join", { "\",\"", "[\"a\"]", "[\"b\",null]" }, "!element 1 of list 2 is null; cannot concatenate null values" },
    { "join", { "\", \"", "[\"foo\",\"bar\",\"baz\"]" }, "\"foo, bar, baz\"" },
    { "join", { "\"-\"", "[\"a\"]", "list:[\"b\",\"c\"]" }, "\"a-b-c\"" },
    { "join", { "\",\"" }, "!at least one list is required" },
    { "join", { "\",\"", "[[]]" }, "!element 0: string required" },
    { "split", { "\",\"", "\"foo,bar,baz\"" }, "tolist([\n  \"foo\",\n  \"bar\",\n  \"baz\",\n])" },
    { "split", { "\",\"", "\"\"" }, "tolist([\n  \"\",\n])" },
    { "split", { "[]", "\"x\"" }, "!string required" },
    { "replace", { "\"1 + 2 + 3\"", "\"+\"", "\"-\"" }, "\"1 - 2 - 3\"" },
    { "replace", { "\"hello world\"", "\"/w.*d/\"", "\"everybody\"" }, "\"hello everybody\"" },
    { "replace", { "\"abc-123\"", "\"/([a-z]+)-([0-9]+)/\"", "\"$2_$1\"" }, "\"abc\"" },   /* Go reads "$2_" as the group named "2_" */
    { "replace", { "\"abc-123\"", "\"/([a-z]+)-([0-9]+)/\"", "\"${2}_$1\"" }, "\"123_abc\"" },
    { "replace", { "\"x\"", "\"/(/\"", "\"y\"" }, "!invalid regexp pattern" },
    { "replace", { "\"ab\"", "\"/(?P<first>a)(b)/\"", "\"${first}-$2-$1x-$$-${2}!\"" }, "\"a-b--$-b!\"" },
    { "regex", { "\"[a-z]+\"", "\"53453453.345345aaabbbccc23454\"" }, "\"aaabbbccc\"" },
    { "regex", { "\"(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)\"", "\"2019-02-01\"" },
      "[\n  \"2019\",\n  \"02\",\n  \"01\",\n]" },
    { "regex", { "\"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?\"", "\"https://terraform.io/docs/\"" },
      "{\n  \"authority\" = \"terraform.io\"\n  \"scheme\" = \"https\"\n}" },
    { "regex", { "\"[a-z]+\"", "\"1234\"" }, "!pattern did not match any part of the given string" },
    { "regex", { "\"(?P<a>x)(y)\"", "\"xy\"" }, "!cannot mix both named and unnamed capture groups" },
    { "regexall", { "\"[a-z]+\"", "\"1234abcd5678efgh9\"" }, "tolist([\n  \"abcd\",\n  \"efgh\",\n])" },
    { "regexall", { "\"[a-z]+\"", "\"123\"" }, "tolist([])" },
    { "regexall", { "\"a*\"", "\"baaac\"" }, "tolist([\n  \"\",\n  \"aaa\",\n  \"\",\n])" },
    { "regexall", { "\"(a)(x)?\"", "\"aa\"" }, "tolist([\n  [\n    \"a\",\n    tostring(null),\n  ],\n  [\n    \"a\",\n    tostring(null),\n  ],\n])" },
    { "regexall", { "\"(\"", "\"123\"" }, "!invalid regexp pattern" },
    /* --- format --- */
    { "format", { "\"Hello, %s!\"", "\"Ander\"" }, "\"Hello, Ander!\"" },
    { "format", { "\"There are %d lights\"", "4" }, "\"There are 4 lights\"" },
    { "format", { "\"%.2f|%5.1f|%-5d|%05d\"", "3.14159", "2.25", "42", "-42" }, "\"3.14|  2.2|42   |-0042\"" },
    { "format", { "\"%q %v %t %#v\"", "\"a\\\"b\"", "1.5", "true", "{\"x\":[1]}" }, "\"\\\"a\\\\\\\"b\\\" 1.5 true {\\\"x\\\":[1]}\"" },
    { "format", { "\"%x %X %o %b %e %g %g\"", "255", "255", "8", "5", "1000", "0.5", "1e21" },
      "\"ff FF 10 101 1.000000e+03 0.5 1e+21\"" },
    { "format", { "\"%[2]s %[1]s %%\"", "\"a\"", "\"b\"" }, "\"b a %\"" },
    { "format", { "\"%s %s\"", "\"a\"" }, "!not enough arguments" },
    { "format", { "\"%d\"", "1.5" }, "!an integer is required" },
    { "format", { "\"%z\"", "1" }, "!unsupported format verb 'z' in \"%z\" at offset 0" },
    { "format", { "\"%s\"", "\"a\"", "\"b\"" }, "\"a\"" },
    { "format", { "\"%s\"", "null" }, "!unsupported value for \"%s\" at 0: null value cannot be formatted" },
    { "format", { "\"%v|%5v|%-4v|%v\"", "null", "\"ab\"", "1", "1234567" }, "\"null|   ab|1   |1.234567e+06\"" },
    { "format", { "\"%q\"", "\"<a>\"" }, "\"\\\"\\\\u003ca\\\\u003e\\\"\"" },
    { "format", { "\"%t\"", "1" }, "!unsupported value for \"%t\" at 0: bool required" },
    { "format", { "\"abc %\"" }, "!invalid format string starting at offset 5" },
    { "format", { "\"%99999999999999999999s\"", "\"a\"" }, "!larger than 1000000" },
    { "formatlist", { "\"%s-%s\"", "[\"a\",\"b\"]", "[\"<unk>\",\"y\"]" }, "tolist([\n  (known after apply),\n  \"b-y\",\n])" },
    { "formatlist", { "\"%d\"", "[1.5]" }, "!error on format iteration 0: unsupported value for \"%d\" at 0: an integer is required" },
    { "formatlist", { "\"Hello, %s!\"", "[\"Valentina\",\"Ander\"]" }, "tolist([\n  \"Hello, Valentina!\",\n  \"Hello, Ander!\",\n])" },
    { "formatlist", { "\"%s=%s\"", "\"k\"", "[\"a\",\"b\"]" }, "tolist([\n  \"k=a\",\n  \"k=b\",\n])" },
    { "formatlist", { "\"%s%s\"", "[\"a\"]", "[\"b\",\"c\"]" }, "!inconsistent with argument" },
    /* --- collections --- */
    { "length", { "[1,2,3]" }, "3" },
    { "length", { "\"héllo\"" }, "5" },
    { "length", { "\"e\u0301🇫🇷👩\u200d💻\\r\\n\"" }, "4" },
    { "substr", { "\"e\u0301x\"", "1", "1" }, "\"x\"" },
    { "strrev", { "\"e\u0301x\"" }, "\"xe\u0301\"" },
    { "length", { "{\"a\":1}" }, "1" },
    { "length", { "[\"a\",\"<unk>\"]" }, "2" },
    { "length", { "unk:[1]" }, "1" },
    { "length", { "unk:list:[1]" }, "(known after apply)" },
    { "keys", { "unk:{\"b\":1,\"a\":2}" }, "[\n  \"a\",\n  \"b\",\n]" },
    { "length", { "1" }, "!argument must be a string, a collection type, or a structural type" },
    { "element", { "[\"a\",\"b\",\"c\"]", "1" }, "\"b\"" },
    { "element", { "[\"a\",\"b\",\"c\"]", "3" }, "\"a\"" },
    { "element", { "[\"a\",\"<unk>\"]", "0" }, "\"a\"" },
    { "element", { "unk:[1]", "0" }, "(known after apply)" },
    { "flatten", { "[[\"a\"],[\"<unk>\"]]" }, "[\n  \"a\",\n  (known after apply),\n]" },
    { "flatten", { "[[\"a\"],\"<unk>\"]" }, "[\n  \"a\",\n  (known after apply),\n]" },
    { "contains", { "[\"<unk>\",\"a\"]", "\"a\"" }, "true" },
    { "contains", { "[\"<unk>\",\"a\"]", "\"b\"" }, "(known after apply)" },
    { "lookup", { "{\"a\":\"x\",\"b\":\"<unk>\"}", "\"a\"" }, "\"x\"" },
    { "coalesce", { "\"a\"", "unk:\"s\"" }, "\"a\"" },
    { "coalesce", { "unk:\"s\"", "\"a\"" }, "(known after apply)" },
    { "zipmap", { "[\"<unk>\"]", "[1]" }, "(known after apply)" },
    { "element", { "[]", "0" }, "!cannot use element function with an empty list" },
    { "element", { "[\"a\"]", "-1" }, "!negative index" },
    { "index", { "[\"a\",\"b\",\"c\"]", "\"b\"" }, "1" },
    { "index", { "[\"a\"]", "\"z\"" }, "!item not found" },
    { "lookup", { "{\"a\":\"ay\",\"b\":\"bee\"}", "\"a\"", "\"what?\"" }, "\"ay\"" },
    { "lookup", { "{\"a\":\"ay\"}", "\"c\"", "\"what?\"" }, "\"what?\"" },
    { "lookup", { "{\"a\":\"ay\"}", "\"c\"" }, "!the given object has no attribute \"c\"" },
    { "lookup", { "[1]", "\"c\"" }, "!lookup() requires a map as the first argument" },
    { "lookup", { "map:{\"a\":\"x\"}", "\"c\"" }, "!lookup failed to find key \"c\"" },
    { "lookup", { "map:{\"a\":\"x\"}", "\"c\"", "[]" }, "!the default value must have the same type as the map elements" },
    { "index", { "[]", "1" }, "!cannot search an empty list" },
    { "list", { "1" }, "!the \"list\" function was deprecated" },
    { "list", { }, "!use tolist" },
    { "map", { "\"a\"", "1" }, "!the \"map\" function was deprecated" },
    { "map", { }, "!use tomap" },
    { "merge", { "{\"a\":\"b\",\"c\":\"d\"}", "{\"e\":\"f\",\"c\":\"z\"}" }, "{\n  \"a\" = \"b\"\n  \"c\" = \"z\"\n  \"e\" = \"f\"\n}" },
    { "merge", { "map:{\"a\":\"1\"}", "map:{\"b\":\"2\"}" }, "tomap({\n  \"a\" = \"1\"\n  \"b\" = \"2\"\n})" },
    { "merge", { "{\"a\":1}", "[1]" }, "!arguments must be maps or objects" },
    { "concat", { "[\"a\",\"\"]", "[\"b\",\"c\"]" }, "[\n  \"a\",\n  \"\",\n  \"b\",\n  \"c\",\n]" },
    { "concat", { "list:[\"a\"]", "list:[\"b\"]" }, "tolist([\n  \"a\",\n  \"b\",\n])" },
    { "concat", { "[1]", "unk:" }, "(known after apply)" },
    { "concat", { "[1]", "\"x\"" }, "!all arguments must be lists or tuples; got string" },
    { "coalesce", { "\"\"", "\"b\"" }, "\"b\"" },
    { "coalesce", { "null", "1", "\"x\"" }, "\"1\"" },
    { "coalesce", { "null", "\"\"" }, "!no non-null, non-empty-string arguments" },
    { "coalesce", { "1", "[]" }, "!all arguments must have the same type" },
    { "coalescelist", { "[]", "[\"c\",\"d\"]" }, "[\n  \"c\",\n  \"d\",\n]" },
    { "coalescelist", { "[]", "[]" }, "!no non-null arguments" },
    { "coalescelist", { "\"x\"" }, "!coalescelist arguments must be lists or tuples" },
    { "compact", { "[\"a\",\"\",\"b\",null,\"c\"]" }, "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n])" },
    { "compact", { "\"x\"" }, "!list of string required" },
    { "contains", { "[\"a\",\"b\",\"c\"]", "\"a\"" }, "true" },
    { "contains", { "[1,2]", "\"2\"" }, "false" },
    { "contains", { "[[1],2]", "[1]" }, "true" },
    { "contains", { "[\"a\"]", "\"d\"" }, "false" },
    { "contains", { "\"abc\"", "\"a\"" }, "!argument must be list, tuple, or set" },
    { "distinct", { "[\"a\",\"b\",\"a\",\"c\",\"d\",\"b\"]" }, "tolist([\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\",\n])" },
    { "distinct", { "\"x\"" }, "!list of any single type required" },
    { "flatten", { "[[\"a\",\"b\"],[],[\"c\"]]" }, "[\n  \"a\",\n  \"b\",\n  \"c\",\n]" },
    { "flatten", { "[[[\"a\",\"b\"],[]],[\"c\"]]" }, "[\n  \"a\",\n  \"b\",\n  \"c\",\n]" },
    { "flatten", { "\"x\"" }, "!can only flatten lists, sets and tuples" },
    { "keys", { "{\"a\":1,\"c\":2,\"d\":3}" }, "[\n  \"a\",\n  \"c\",\n  \"d\",\n]" },
    { "keys", { "map:{\"b\":1,\"a\":2}" }, "tolist([\n  \"a\",\n  \"b\",\n])" },
    { "keys", { "[1]" }, "!must have map or object type" },
    { "values", { "{\"a\":3,\"c\":2,\"d\":1}" }, "[\n  3,\n  2,\n  1,\n]" },
    { "values", { "map:{\"b\":1,\"a\":2}" }, "tolist([\n  2,\n  1,\n])" },
    { "values", { "\"x\"" }, "!requires a map" },
    { "range", { "3" }, "tolist([\n  0,\n  1,\n  2,\n])" },
    { "range", { "1", "4" }, "tolist([\n  1,\n  2,\n  3,\n])" },
    { "range", { "1", "8", "2" }, "tolist([\n  1,\n  3,\n  5,\n  7,\n])" },
    { "range", { "4", "1" }, "tolist([\n  4,\n  3,\n  2,\n])" },
    { "range", { "0", "1", "0.25" }, "tolist([\n  0,\n  0.25,\n  0.5,\n  0.75,\n])" },
    { "range", { "0" }, "tolist([])" },
    { "range", { "1", "2", "0" }, "!step must not be zero" },
    { "range", { "2000" }, "!more than 1024 values were generated" },
    { "reverse", { "[1,2,3]" }, "[\n  3,\n  2,\n  1,\n]" },
    { "reverse", { "\"x\"" }, "!can only reverse list or tuple values" },
    { "slice", { "[\"a\",\"b\",\"c\",\"d\"]", "1", "3" }, "[\n  \"b\",\n  \"c\",\n]" },
    { "slice", { "list:[\"a\",\"b\"]", "0", "0" }, "tolist([])" },
    { "slice", { "[\"a\"]", "0", "5" }, "!end index must not be greater than the length of the list" },
    { "slice", { "[\"a\"]", "1", "0" }, "!start index must not be greater than end index" },
    { "slice", { "set:[\"a\"]", "0", "1" }, "!cannot slice a set" },
    { "slice", { "[\"a\"]", "0.5", "1" }, "!invalid start index: value must be a whole number" },
    { "element", { "set:[\"a\"]", "0" }, "!cannot read elements from set of string" },
    { "reverse", { "set:[2,1]" }, "tolist([\n  2,\n  1,\n])" },
    { "merge", { "null", "null" }, "null" },
    { "sort", { "[\"e\",\"d\",\"a\",\"x\",\"B\"]" }, "tolist([\n  \"B\",\n  \"a\",\n  \"d\",\n  \"e\",\n  \"x\",\n])" },
    { "sort", { "[\"b\",\"a\",null]" }, "!null" },
    { "sort", { "[[]]" }, "!element 0: string required" },
    { "zipmap", { "[\"a\",\"b\"]", "[1,2]" }, "{\n  \"a\" = 1\n  \"b\" = 2\n}" },
    { "zipmap", { "[\"a\",\"b\"]", "list:[1,2]" }, "tomap({\n  \"a\" = 1\n  \"b\" = 2\n})" },
    { "zipmap", { "[\"a\"]", "[1,2]" }, "!number of keys (1) does not match number of values (2)" },
    { "one", { "[]" }, "null" },
    { "one", { "[\"hello\"]" }, "\"hello\"" },
    { "one", { "list:[]" }, "null" },
    { "one", { "[\"hello\",\"goodbye\"]" }, "!must be a list, set, or tuple value with either zero or one elements" },
    { "alltrue", { "[\"true\",true]" }, "true" },
    { "alltrue", { "[true,false]" }, "false" },
    { "alltrue", { "[]" }, "true" },
    { "alltrue", { "[1]" }, "!element 0: bool required" },
    { "anytrue", { "[\"true\",false]" }, "true" },
    { "anytrue", { "[]" }, "false" },
    { "anytrue", { "\"x\"" }, "!list of bool required" },
    { "setunion", { "[\"a\",\"b\"]", "[\"b\",\"c\"]", "[\"d\"]" }, "toset([\n  \"a\",\n  \"b\",\n  \"c\",\n  \"d\",\n])" },
    { "setunion", { "[\"a\"]", "\"x\"" }, "!set of any single type required" },
    { "setintersection", { "[\"a\",\"b\"]", "[\"b\",\"c\"]", "[\"b\",\"d\"]" }, "toset([\n  \"b\",\n])" },
    { "setintersection", { "\"x\"" }, "!set of any single type required" },
    { "setsubtract", { "[\"a\",\"b\",\"c\"]", "[\"a\",\"c\"]" }, "toset([\n  \"b\",\n])" },
    { "setsubtract", { "[\"a\"]", "1" }, "!set of any single type required" },
    { "setproduct", { "[\"development\",\"staging\"]", "[\"app1\",\"app2\"]" },
      "tolist([\n  [\n    \"development\",\n    \"app1\",\n  ],\n  [\n    \"development\",\n    \"app2\",\n  ],\n"
      "  [\n    \"staging\",\n    \"app1\",\n  ],\n  [\n    \"staging\",\n    \"app2\",\n  ],\n])" },
    { "setproduct", { "set:[\"a\"]", "[\"b\"]" }, "toset([\n  [\n    \"a\",\n    \"b\",\n  ],\n])" },
    { "setproduct", { "[\"a\"]" }, "!at least two arguments are required" },
    { "chunklist", { "[\"a\",\"b\",\"c\",\"d\",\"e\"]", "2" },
      "tolist([\n  tolist([\n    \"a\",\n    \"b\",\n  ]),\n  tolist([\n    \"c\",\n    \"d\",\n  ]),\n  tolist([\n    \"e\",\n  ]),\n])" },
    { "chunklist", { "[\"a\"]", "-1" }, "!the size argument must be positive" },
    { "transpose", { "{\"a\":[\"1\",\"2\"],\"b\":[\"2\",\"3\"]}" },
      "tomap({\n  \"1\" = tolist([\n    \"a\",\n  ])\n  \"2\" = tolist([\n    \"a\",\n    \"b\",\n  ])\n  \"3\" = tolist([\n    \"b\",\n  ])\n})" },
    { "transpose", { "{\"a\":\"x\"}" }, "!list of string required" },
    /* --- numeric --- */
    { "min", { "12", "54", "3" }, "3" },
    { "min", { }, "!must pass at least one number" },
    { "max", { "12", "54", "3.5" }, "54" },
    { "max", { "\"x\"" }, "!a number is required" },
    { "abs", { "-12.4" }, "12.4" },
    { "abs", { "-9007199254740993" }, "9007199254740993" },
    { "abs", { "\"a\"" }, "!a number is required" },
    { "ceil", { "5.1" }, "6" },
    { "ceil", { "[]" }, "!number required" },
    { "floor", { "4.9" }, "4" },
    { "floor", { "-4.1" }, "-5" },
    { "floor", { "{}" }, "!number required" },
    { "pow", { "3", "2" }, "9" },
    { "pow", { "4", "0.5" }, "2" },
    { "pow", { "2", "-1" }, "0.5" },
    { "pow", { "\"a\"", "2" }, "!a number is required" },
    { "signum", { "-13" }, "-1" },
    { "signum", { "0" }, "0" },
    { "signum", { "[]" }, "!number required" },
    { "log", { "16", "2" }, "4" },
    { "log", { "0", "2" }, "-Inf" },
    { "log", { "-1", "2" }, "!the result is not a number" },
    { "signum", { "0.5" }, "!value must be a whole number" },
    { "parseint", { "12", "10" }, "!first argument must be a string, not number" },
    { "parseint", { "\"100\"", "10" }, "100" },
    { "parseint", { "\"FF\"", "16" }, "255" },
    { "parseint", { "\"-11\"", "2" }, "-3" },
    { "parseint", { "\"12\"", "2" }, "!cannot parse \"12\" as a base 2 integer" },
    { "parseint", { "\"1\"", "1" }, "!base must be a whole number between 2 and 62 inclusive" },
    { "sum", { "[10,13,6,4.5]" }, "33.5" },
    { "sum", { "[9007199254740993,1]" }, "9007199254740994" },
    { "sum", { "[]" }, "!cannot sum an empty list" },
    { "sum", { "[\"a\"]" }, "!number values" },
    { "sum", { "1" }, "!cannot sum noniterable" },
    /* --- type conversion --- */
    { "tolist", { "[\"a\",\"b\"]" }, "tolist([\n  \"a\",\n  \"b\",\n])" },
    { "tolist", { "[\"a\",1]" }, "tolist([\n  \"a\",\n  \"1\",\n])" },
    { "tolist", { "[\"a\",[]]" }, "!cannot convert tuple to list of any single type" },
    { "toset", { "[\"c\",\"b\",\"b\"]" }, "toset([\n  \"b\",\n  \"c\",\n])" },
    { "toset", { "\"x\"" }, "!cannot convert string to set of any" },
    { "tomap", { "{\"a\":1,\"b\":2}" }, "tomap({\n  \"a\" = 1\n  \"b\" = 2\n})" },
    { "tomap", { "[1]" }, "!cannot convert tuple to map of any" },
    { "tostring", { "1.5" }, "\"1.5\"" },
    { "tostring", { "null" }, "tostring(null)" },
    { "tostring", { "[]" }, "!cannot convert tuple to string" },
    { "tonumber", { "\"1\"" }, "1" },
    { "tonumber", { "unk:\"x\"" }, "(known after apply)" },
    { "tonumber", { "\"no\"" }, "!cannot convert \"no\" to number; given string must be a decimal representation of a number" },
    { "tobool", { "\"true\"" }, "true" },
    { "tobool", { "\"no\"" }, "!cannot convert \"no\" to bool; only the strings \"true\" or \"false\" are allowed" },
    /* --- network --- */
    { "cidrsubnet", { "\"172.16.0.0/12\"", "4", "2" }, "\"172.18.0.0/16\"" },
    { "cidrsubnet", { "\"10.1.2.0/24\"", "4", "15" }, "\"10.1.2.240/28\"" },
    { "cidrsubnet", { "\"fd00:fd12:3456:7890::/56\"", "16", "162" }, "\"fd00:fd12:3456:7800:a200::/72\"" },
    { "cidrsubnet", { "\"10.0.0.0/30\"", "4", "0" }, "!insufficient address space to extend prefix of 30 by 4" },
    { "cidrsubnet", { "\"10.0.0.0/16\"", "2", "4" }, "!prefix extension of 2 does not accommodate a subnet numbered 4" },
    { "cidrsubnet", { "\"10.0.0.0\"", "2", "1" }, "!invalid CIDR expression" },
    { "cidrsubnets", { "\"10.1.0.0/16\"", "4", "4", "8", "4" },
      "tolist([\n  \"10.1.0.0/20\",\n  \"10.1.16.0/20\",\n  \"10.1.32.0/24\",\n  \"10.1.48.0/20\",\n])" },
    { "cidrsubnets", { "\"fd00:fd12:3456:7890::/56\"", "16", "16", "16", "32" },
      "tolist([\n  \"fd00:fd12:3456:7800::/72\",\n  \"fd00:fd12:3456:7800:100::/72\",\n  \"fd00:fd12:3456:7800:200::/72\",\n  \"fd00:fd12:3456:7800:300::/88\",\n])" },
    { "cidrsubnets", { "\"10.0.0.0/30\"", "1", "1", "1" }, "!not enough remaining address space" },
    { "cidrsubnets", { "\"10.0.0.0/8\"", "0" }, "!must extend prefix by at least one bit" },
    { "cidrhost", { "\"10.12.112.0/20\"", "16" }, "\"10.12.112.16\"" },
    { "cidrhost", { "\"10.12.112.0/20\"", "268" }, "\"10.12.113.12\"" },
    { "cidrhost", { "\"fd00:fd12:3456:7890:00a2::/72\"", "34" }, "\"fd00:fd12:3456:7890::22\"" },
    { "cidrhost", { "\"10.0.0.0/24\"", "-1" }, "\"10.0.0.255\"" },
    { "cidrhost", { "\"::ffff:10.0.0.0/120\"", "5" }, "\"10.0.0.5\"" },
    { "cidrhost", { "\"10.0.0.0/24\"", "256" }, "!prefix of 24 does not accommodate a host numbered 256" },
    { "cidrnetmask", { "\"172.16.0.0/12\"" }, "\"255.240.0.0\"" },
    { "cidrnetmask", { "\"10.0.0.0/32\"" }, "\"255.255.255.255\"" },
    { "cidrnetmask", { "\"fd00::/8\"" }, "!IPv6 addresses cannot have a netmask" },
    { "cidrnetmask", { "\"nope\"" }, "!invalid CIDR expression" },
    /* --- time --- */
    { "formatdate", { "\"DD MMM YYYY hh:mm ZZZ\"", "\"2018-01-02T23:12:01Z\"" }, "\"02 Jan 2018 23:12 UTC\"" },
    { "formatdate", { "\"EEEE, DD-MMM-YY hh:mm:ss ZZZ\"", "\"2018-01-02T23:12:01Z\"" }, "\"Tuesday, 02-Jan-18 23:12:01 UTC\"" },
    { "formatdate", { "\"EEE, DD MMM YYYY hh:mm:ss ZZZ\"", "\"2018-01-02T23:12:01-08:00\"" }, "\"Tue, 02 Jan 2018 23:12:01 -0800\"" },
    { "formatdate", { "\"MMM DD, YYYY\"", "\"2018-01-02T23:12:01Z\"" }, "\"Jan 02, 2018\"" },
    { "formatdate", { "\"HH:mmaa\"", "\"2018-01-02T23:12:01Z\"" }, "\"11:12pm\"" },
    { "formatdate", { "\"h 'o''clock' Z ZZZZZ\"", "\"2018-01-02T09:12:01+05:30\"" }, "\"9 o'clock +05:30 +05:30\"" },
    { "formatdate", { "\"YYYY\"", "\"2018-01-02\"" }, "!not a valid RFC3339 timestamp: missing required time introducer 'T'" },
    { "formatdate", { "\"YYYY\"", "\"yesterday\"" }, "!not a valid RFC3339 timestamp: cannot use \"yesterday\" as year" },
    { "formatdate", { "\"YYYY\"", "\"2018-13-02T00:00:00Z\"" }, "!not a valid RFC3339 timestamp: month out of range" },
    { "formatdate", { "\"YYYY\"", "\"2018-01-02T00:00:00\"" }, "!not a valid RFC3339 timestamp: end of string before UTC offset" },
    { "formatdate", { "\"YYY\"", "\"2018-01-02T23:12:01Z\"" }, "!invalid date format verb \"YYY\": year must either be \"YY\" or \"YYYY\"" },
    { "formatdate", { "\"Version\"", "\"2018-01-02T23:12:01Z\"" }, "!invalid date format verb \"V\"" },
    { "formatdate", { "\"'abc\"", "\"2018-01-02T23:12:01Z\"" }, "!unterminated literal" },
    { "timeadd", { "\"2017-11-22T00:00:00Z\"", "\"10m\"" }, "\"2017-11-22T00:10:00Z\"" },
    { "timeadd", { "\"2017-11-22T00:00:00Z\"", "\"-1h30m\"" }, "\"2017-11-21T22:30:00Z\"" },
    { "timeadd", { "\"2020-02-28T23:00:00+01:00\"", "\"25h\"" }, "\"2020-03-01T00:00:00+01:00\"" },
    { "timeadd", { "\"2017-11-22T00:00:00Z\"", "\"10 minutes\"" }, "!time: unknown unit \" minutes\" in duration \"10 minutes\"" },
    { "timeadd", { "\"2017-11-22T00:00:00Z\"", "\"10\"" }, "!time: missing unit in duration \"10\"" },
    { "timeadd", { "\"2017-11-22T00:00:00Z\"", "\"1.5h\"" }, "\"2017-11-22T01:30:00Z\"" },
    { "timeadd", { "\"yesterday\"", "\"1h\"" }, "!not a valid RFC3339 timestamp" },
    { "timestamp", { "1" }, "!wrong number of arguments" },
    { "timecmp", { "\"2017-11-22T00:00:00Z\"", "\"2017-11-22T01:00:00+01:00\"" }, "0" },
    { "timecmp", { "\"2017-11-22T00:00:00Z\"", "\"2017-11-22T00:00:01Z\"" }, "-1" },
    { "timecmp", { "\"2017-11-22T00:00:00Z\"", "\"x\"" }, "!not a valid RFC3339 timestamp" },
    /* --- marks --- */
    { "sensitive", { "\"x\"" }, "(sensitive value)" },
    { "ephemeralasnull", { "[1]" }, "[\n  1,\n]" },
    { "rsadecrypt", { "\"%%%\"", "\"k\"" }, "!cipher text must be base64-encoded" },
    { "ephemeralasnull", { }, "!wrong number of arguments" },
    { "sensitive", { }, "!wrong number of arguments" },
    { "nonsensitive", { "sens:\"x\"" }, "\"x\"" },
    { "nonsensitive", { "sens:[1]", "2" }, "!wrong number of arguments" },
    { "issensitive", { "sens:\"x\"" }, "true" },
    { "issensitive", { "\"x\"" }, "false" },
    { "issensitive", { }, "!wrong number of arguments" },
    /* --- more collections and encodings --- */
    { "matchkeys", { "[\"i-123\",\"i-abc\",\"i-def\"]", "[\"us-west\",\"us-east\",\"us-east\"]", "[\"us-east\"]" },
      "tolist([\n  \"i-abc\",\n  \"i-def\",\n])" },
    { "matchkeys", { "[\"a\"]", "[]", "[]" }, "!length of keys and values should be equal" },
    { "csvdecode", { "\"a,b,c\\n1,2,3\\n4,\\\"x,\\\"\\\"y\\\",6\\n\"" },
      "tolist([\n  {\n    \"a\" = \"1\"\n    \"b\" = \"2\"\n    \"c\" = \"3\"\n  },\n"
      "  {\n    \"a\" = \"4\"\n    \"b\" = \"x,\\\"y\"\n    \"c\" = \"6\"\n  },\n])" },
    { "csvdecode", { "\"a,b\\n1\\n\"" }, "!record on line 2: wrong number of fields" },
    { "csvdecode", { "\"\"" }, "!missing header line" },
    { "textencodebase64", { "\"Hello World\"", "\"UTF-16LE\"" }, "\"SABlAGwAbABvACAAVwBvAHIAbABkAA==\"" },
    { "textencodebase64", { "\"x\"", "\"NOT-AN-ENCODING\"" }, "!is not a supported IANA encoding name" },
    { "textdecodebase64", { "\"SABlAGwAbABvACAAVwBvAHIAbABkAA==\"", "\"UTF-16LE\"" }, "\"Hello World\"" },
    { "textdecodebase64", { "\"SGV!\"", "\"UTF-16LE\"" }, "!the given value is has an invalid base64 symbol at offset 3" },
    { "fileset", { "\".\"", "\"*.txt\"" }, "toset([\n  \"hello.txt\",\n])" },
    { "fileset", { "\".\"", "\"**/*.{txt,md}\"" }, "toset([\n  \"hello.txt\",\n  \"subdir/deep/readme.md\",\n])" },
    { "fileset", { "\".\"", "\"subdir/**\"" }, "toset([\n  \"subdir/deep/readme.md\",\n])" },
    { "fileset", { "\".\"", "[]" }, "!string required" },
    /* --- paths --- */
    { "abspath", { "\"/a/b/../c/./d\"" }, "\"/a/c/d\"" },
    { "abspath", { "[]" }, "!string required" },
    { "basename", { "\"foo/bar/baz.txt\"" }, "\"baz.txt\"" },
    { "basename", { "\"foo/bar/\"" }, "\"bar\"" },
    { "basename", { "\"\"" }, "\".\"" },
    { "basename", { "{}" }, "!string required" },
    { "dirname", { "\"foo/bar/baz.txt\"" }, "\"foo/bar\"" },
    { "dirname", { "\"baz.txt\"" }, "\".\"" },
    { "dirname", { "\"/baz.txt\"" }, "\"/\"" },
    { "dirname", { "[]" }, "!string required" },
    { "pathexpand", { "\"/etc/resolv.conf\"" }, "\"/etc/resolv.conf\"" },
    { "pathexpand", { "\"~/.ssh/id_rsa\"" }, "\"/home/tester/.ssh/id_rsa\"" },
    { "pathexpand", { "null" }, "!argument must not be null" },
    { "pathexpand", { "\"~bob/x\"" }, "!cannot expand user-specific home dir" },
    { "file", { "\"./subdir/../hello.txt\"" }, "<<EOT\nHello World\n\nEOT" },
    { "file", { "\"subdir\"" }, "!failed to read file: read /tmp/stk_test_funcs_" },
    /* --- files (tmpdir is the module directory) --- */
    { "file", { "\"hello.txt\"" }, "<<EOT\nHello World\n\nEOT" },
    { "file", { "\"missing.txt\"" }, "!no file exists at" },
    { "file", { "\"binary.bin\"" }, "!are not valid UTF-8" },
    { "filebase64", { "\"hello.txt\"" }, "\"SGVsbG8gV29ybGQK\"" },
    { "filebase64", { "\"missing.txt\"" }, "!no file exists at" },
    { "fileexists", { "\"hello.txt\"" }, "true" },
    { "fileexists", { "\"missing.txt\"" }, "false" },
    { "fileexists", { "\"subdir\"" }, "!is a directory, not a file" },
    { "filemd5", { "\"hello.txt\"" }, "\"e59ff97941044f85df5297e1c302d260\"" },
    { "filemd5", { "\"missing.txt\"" }, "!no file exists at" },
    { "filesha1", { "\"hello.txt\"" }, "\"648a6a6ffffdaa0badb23b8baf90b6168dd16b3a\"" },
    { "filesha1", { "\"missing.txt\"" }, "!no file exists at" },
    { "filesha256", { "\"hello.txt\"" }, "\"d2a84f4b8b650937ec8f73cd8be2c74add5a911ba64df27458ed8229da804a26\"" },
    { "filesha256", { "\"missing.txt\"" }, "!no file exists at" },
    { "filesha512", { "\"hello.txt\"" },
      "\"e1c112ff908febc3b98b1693a6cd3564eaf8e5e6ca629d084d9f0eba99247cacdd72e369ff8941397c2807409ff66be64be908da17ad7b8a49a2a26c0e8086aa\"" },
    { "filesha512", { "\"missing.txt\"" }, "!no file exists at" },
    { "filebase64sha256", { "\"hello.txt\"" }, "\"0qhPS4tlCTfsj3PNi+LHSt1akRumTfJ0WO2CKdqASiY=\"" },
    { "filebase64sha256", { "\"missing.txt\"" }, "!no file exists at" },
    { "filebase64sha512", { "\"hello.txt\"" }, "\"4cES/5CP68O5ixaTps01ZOr45ebKYp0ITZ8OupkkfKzdcuNp/4lBOXwoB0Cf9mvmS+kI2hete4pJoqJsDoCGqg==\"" },
    { "filebase64sha512", { "\"missing.txt\"" }, "!no file exists at" },
    { "templatefile", { "\"tpl.tmpl\"", "{\"name\":\"World\",\"n\":3}" }, "\"Hello World x3\"" },
    { "templatefile", { "\"tpl.tmpl\"", "{}" }, "!vars map does not contain key \"name\"" },
    { "templatefile", { "\"subdir\"", "{}" }, "!is a directory" },
    { "templatefile", { "\"Hello ${name}\"", "{}" }, "!looks like template content rather than a file name" },
    { "templatefile", { "\"tpl.tmpl\"", "[1]" }, "!invalid vars value: must be a map" },
    { "templatestring", { "\"Hi ${name}\"", "{\"name\":\"you\"}" }, "\"Hi you\"" },
    { "templatestring", { "\"Hi ${name}\"", "\"x\"" }, "!invalid vars value: must be a map" },
    { "templatestring", { "\"Hi ${who}\"", "{}" }, "!vars map does not contain key \"who\"" },
    { "templatefile", { "\"tpl.tmpl\"", "{\"bad name\":1}" }, "!invalid template variable name" },
    { "templatefile", { "\"nest.tmpl\"", "{\"name\":\"x\",\"n\":1}" }, "!cannot recursively call templatefile from inside templatefile call" },
};

static void setup_files(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/stk_test_funcs_%d", (int)getpid());
    mkdir(tmpdir, 0700);
    char p[512];
    snprintf(p, sizeof p, "%s/hello.txt", tmpdir);
    FILE *f = fopen(p, "w"); fputs("Hello World\n", f); fclose(f);
    snprintf(p, sizeof p, "%s/binary.bin", tmpdir);
    f = fopen(p, "wb"); fputc(0xff, f); fputc(0x00, f); fclose(f);
    snprintf(p, sizeof p, "%s/tpl.tmpl", tmpdir);
    f = fopen(p, "w"); fputs("Hello ${name} x${n}", f); fclose(f);
    snprintf(p, sizeof p, "%s/nest.tmpl", tmpdir);
    f = fopen(p, "w"); fputs("!nest", f); fclose(f);
    snprintf(p, sizeof p, "%s/subdir", tmpdir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/subdir/deep", tmpdir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/subdir/deep/readme.md", tmpdir);
    f = fopen(p, "w"); fputs("# hi\n", f); fclose(f);
}

static void cleanup_files(void)
{
    const char *names[] = { "hello.txt", "binary.bin", "tpl.tmpl", "nest.tmpl" };
    char p[512];
    for (size_t i = 0; i < 4; i++) { snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]); unlink(p); }
    snprintf(p, sizeof p, "%s/subdir/deep/readme.md", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/subdir/deep", tmpdir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/subdir", tmpdir);
    rmdir(p);
    rmdir(tmpdir);
}

/* per-function counts for the coverage check */
typedef struct { const char *name; int rows, err_rows; } cover;

static void run_table(void)
{
    size_t nf;
    const stk_func *const *all = stk_func_all(&nf);
    cover *cv = calloc(nf, sizeof *cv);
    for (size_t i = 0; i < nf; i++) cv[i].name = all[i]->name;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const fcase *c = &cases[i];
        stk_value *args[8];
        size_t n = 0;
        while (n < 8 && c->args[n]) { args[n] = arg_value(c->args[n]); n++; }
        char *err = NULL;
        stk_value *r = call(c->fn, args, n, &err);
        int ok;
        char *got = r ? stk_value_to_hcl(r) : NULL;
        if (c->want[0] == '!') ok = !r && err && strstr(err, c->want + 1);
        else ok = r && strcmp(got, c->want) == 0;
        if (!ok)
            fprintf(stderr, "row %zu %s: got %s%s\n  want %s\n", i, c->fn, r ? "" : "error: ",
                    r ? got : (err ? err : "(none)"), c->want);
        char name[128];
        snprintf(name, sizeof name, "%s row %zu", c->fn, i);
        stk_test_record(name, ok);
        for (size_t k = 0; k < nf; k++)
            if (!strcmp(cv[k].name, c->fn)) { cv[k].rows++; if (c->want[0] == '!') cv[k].err_rows++; }
        free(got);
        free(err);
        stk_value_unref(r);
        for (size_t k = 0; k < n; k++) stk_value_unref(args[k]);
    }
    /* every function: two rows or more, one of them an error */
    int missing = 0;
    for (size_t k = 0; k < nf; k++) {
        int extra = !strcmp(cv[k].name, "base64gzip") || !strcmp(cv[k].name, "uuid") || !strcmp(cv[k].name, "timestamp") ||
                    !strcmp(cv[k].name, "plantimestamp") || !strcmp(cv[k].name, "rsadecrypt");
        if (cv[k].rows + extra < 2 || cv[k].err_rows < 1) {
            fprintf(stderr, "function %s has %d rows, %d error rows\n", cv[k].name, cv[k].rows, cv[k].err_rows);
            missing = 1;
        }
    }
    stk_test_record("every function has cases and an error case", !missing);
    free(cv);
}

static void test_gzip(void)
{
    stk_value *a[] = { stk_value_string("test") };
    char *err = NULL;
    stk_value *r = call("base64gzip", a, 1, &err);
    CHECK(r != NULL);
    if (r) {
        /* decode base64 and gunzip with zlib's reader: the content must come back */
        const char *s = stk_value_str(r);
        CHECK(strncmp(s, "H4sI", 4) == 0);   /* gzip magic 1f 8b 08 */
        stk_value *b[] = { stk_value_string(s) };
        /* base64decode refuses binary, so decode by hand */
        unsigned char raw[256];
        size_t rl = 0;
        const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        unsigned acc = 0;
        int bits = 0;
        for (const char *p = s; *p && *p != '='; p++) {
            acc = acc << 6 | (unsigned)(strchr(tab, *p) - tab);
            bits += 6;
            if (bits >= 8) { bits -= 8; raw[rl++] = (unsigned char)(acc >> bits); }
        }
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        CHECK(inflateInit2(&zs, 31) == Z_OK);
        char out[64];
        zs.next_in = raw; zs.avail_in = (uInt)rl;
        zs.next_out = (Bytef *)out; zs.avail_out = sizeof out;
        CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
        CHECK(zs.total_out == 4 && memcmp(out, "test", 4) == 0);
        inflateEnd(&zs);
        stk_value_unref(b[0]);
    }
    stk_value_unref(r);
    stk_value_unref(a[0]);
}

/* rsadecrypt against a key and ciphertext made here with OpenSSL */
static void test_rsadecrypt(void)
{
    EVP_PKEY *pk = EVP_RSA_gen(2048);
    CHECK(pk != NULL);
    if (!pk) return;
    BIO *mem = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(mem, pk, NULL, NULL, 0, NULL, NULL);
    char *pem = NULL;
    long pl = BIO_get_mem_data(mem, &pem);
    char *pemz = strndup(pem, (size_t)pl);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
    unsigned char ct[512];
    size_t ctl = sizeof ct;
    CHECK(EVP_PKEY_encrypt_init(pc) > 0 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 &&
          EVP_PKEY_encrypt(pc, ct, &ctl, (const unsigned char *)"s3cret!", 7) > 0);
    char b64[1024];
    EVP_EncodeBlock((unsigned char *)b64, ct, (int)ctl);
    stk_value *a[] = { stk_value_string(b64), stk_value_string(pemz) };
    char *err = NULL;
    stk_value *r = call("rsadecrypt", a, 2, &err);
    CHECK(r && stk_value_str(r) && !strcmp(stk_value_str(r), "s3cret!"));
    stk_value_unref(r);
    stk_value_unref(a[0]);
    a[0] = stk_value_string("not base64!");
    r = call("rsadecrypt", a, 2, &err);
    CHECK(!r && err && strstr(err, "cipher text must be base64-encoded"));
    free(err);
    err = NULL;
    stk_value_unref(a[0]);
    stk_value_unref(a[1]);
    a[0] = stk_value_string(b64);
    a[1] = stk_value_string("-----BEGIN NOTHING-----");
    r = call("rsadecrypt", a, 2, &err);
    CHECK(!r && err && strstr(err, "invalid private key"));
    free(err);
    stk_value_unref(a[0]);
    stk_value_unref(a[1]);
    free(pemz);
    EVP_PKEY_CTX_free(pc);
    BIO_free(mem);
    EVP_PKEY_free(pk);
}

/* Every function against argument shapes it does not expect (seeded, bounded):
   each call must give a value or an error message, never crash or leak. */
static void test_shapes(void)
{
    const char *pool[] = {
        "null", "\"\"", "\"abc\"", "\"10.0.0.0/16\"", "\"2018-01-02T23:12:01Z\"", "\"%s %d %v\"", "0", "-1", "3",
        "2.5", "1e300", "true", "[]", "[1,\"a\"]", "[[1],[2,3]]", "{}", "{\"a\":1,\"b\":[\"x\"]}",
        "list:[\"x\",\"y\"]", "set:[3,1]", "map:{\"k\":\"v\"}", "unk:", "unk:\"s\"", "[\"<unk>\",1]",
        "sens:\"secret\"", "\"/(a+)/\"", "\"~/x\"", "\"hello.txt\"", "\"**/*\"", "-9223372036854775808",
        "set:[[1],[2]]", "map:{\"a\":[1],\"b\":[2,3]}", "{\"a\":{\"b\":null}}", "[{\"a\":1},{\"b\":2}]",
        "[null]", "sens:[1,2]", "unk:[1]", "unk:{\"a\":1}", "\"a\\nb\"", "\"\\u00e9\\u0301\"", "\"{\\\"x\\\":[1]}\"",
        "\"x: [1, {y: 2}]\"", "1024", "\"fd00::/8\"", "\"SGVsbG8=\"",
    };
    size_t np = sizeof pool / sizeof *pool, nf;
    const stk_func *const *all = stk_func_all(&nf);
    unsigned seed = 12345;
    int calls = 0, bad = 0;
    for (size_t f = 0; f < nf; f++) {
        if (!strcmp(all[f]->name, "uuid") || !strcmp(all[f]->name, "timestamp")) continue;
        for (int round = 0; round < 80; round++) {
            size_t n = (size_t)(all[f]->min_args + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 3);
            if (all[f]->max_args >= 0 && n > (size_t)all[f]->max_args) n = (size_t)all[f]->max_args;
            if (n > 6) n = 6;
            stk_value *args[6];
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                args[i] = arg_value(pool[(seed >> 16) % np]);
            }
            char *err = NULL;
            stk_value *r = call(all[f]->name, args, n, &err);
            calls++;
            if (!r && !err) { bad++; fprintf(stderr, "%s: no value and no error\n", all[f]->name); }
            if (r && err) { bad++; fprintf(stderr, "%s: a value and an error\n", all[f]->name); }
            if (r) { char *s = stk_value_to_hcl(r); free(s); }
            stk_value_unref(r);
            free(err);
            for (size_t i = 0; i < n; i++) stk_value_unref(args[i]);
        }
    }
    CHECK(calls > 1000);
    CHECK(bad == 0);
}

static void test_impure(void)
{
    char *err = NULL;
    stk_value *r = call("uuid", NULL, 0, &err);
    CHECK(r && stk_value_str(r) && strlen(stk_value_str(r)) == 36 && stk_value_str(r)[14] == '4');
    stk_value *r2 = call("uuid", NULL, 0, &err);
    CHECK(r2 && strcmp(stk_value_str(r), stk_value_str(r2)) != 0);
    stk_value_unref(r);
    stk_value_unref(r2);
    r = call("timestamp", NULL, 0, &err);
    CHECK(r && strlen(stk_value_str(r)) == 20 && stk_value_str(r)[19] == 'Z');
    stk_value_unref(r);
    ctx.deterministic = 1;
    r = call("timestamp", NULL, 0, &err);
    CHECK(r && r->is_unknown);
    stk_value_unref(r);
    r = call("uuid", NULL, 0, &err);
    CHECK(r && r->is_unknown);
    stk_value_unref(r);
    r = call("plantimestamp", NULL, 0, &err);
    CHECK(r && r->is_unknown);
    stk_value_unref(r);
    ctx.deterministic = 0;
    CHECK(stk_func_lookup("timestamp")->flags & STK_FUNC_IMPURE);
}

static void test_marks_and_signatures(void)
{
    /* sensitive arguments: the evaluator strips marks and puts them back */
    stk_value *a[] = { stk_value_mark(stk_value_string("secret"), STK_MARK_SENSITIVE) };
    char *err = NULL;
    stk_value *r = call("upper", a, 1, &err);
    CHECK(r && (r->marks & STK_MARK_SENSITIVE));
    char *s = r ? stk_value_to_hcl(r) : NULL;
    CHECK_STR(s, "(sensitive value)");
    free(s);
    stk_value_unref(r);
    stk_value_unref(a[0]);
    const stk_func *f = stk_func_lookup("cidrsubnet");
    CHECK(f && f->min_args == 3 && f->max_args == 3);
    char *pn = stk_func_param_name(f, 1);
    CHECK_STR(pn, "newbits");
    free(pn);
    char *d = stk_func_error_detail(f, 2, "bad");
    CHECK_STR(d, "Invalid value for \"netnum\" parameter: bad.");
    free(d);
    d = stk_func_error_detail(stk_func_lookup("join"), 3, "x");
    CHECK_STR(d, "Invalid value for \"lists\" parameter: x.");
    free(d);
    d = stk_func_error_detail(f, -1, "oops");
    CHECK_STR(d, "Call to function \"cidrsubnet\" failed: oops.");
    free(d);
    CHECK(stk_func_lookup("nosuchfunction") == NULL);
    size_t n;
    const stk_func *const *all = stk_func_all(&n);
    CHECK(n >= 100);
    for (size_t i = 1; i < n; i++) CHECK(strcmp(all[i - 1]->name, all[i]->name) < 0);
    CHECK(all[n] == NULL);
}

int main(void)
{
    setenv("HOME", "/home/tester", 1);
    setup_files();
    ctx.base_dir = tmpdir;
    ctx.root_dir = tmpdir;
    ctx.cwd = "/work";
    ctx.render_template = render_stub;
    run_table();
    STK_RUN(test_gzip);
    STK_RUN(test_rsadecrypt);
    STK_RUN(test_shapes);
    STK_RUN(test_impure);
    STK_RUN(test_marks_and_signatures);
    cleanup_files();
    return stk_test_report();
}
