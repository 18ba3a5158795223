/* test_value.c - the value model: constructors, numbers, printing as
 * terraform console does, conversion (with Terraform's error messages),
 * unification, sets, marks, JSON round trips. */
#include "test.h"
#include "eval/value.h"
#include <jansson.h>
#include <stdlib.h>

/* value from JSON text, optionally converted: "list:[...]", "set:[...]",
   "map:{...}", or a type given as Terraform's JSON type ("T:<json type>|<json value>") */
static stk_value *J(const char *s)
{
    stk_type *t = NULL;
    if (!strncmp(s, "list:", 5)) { t = stk_type_list(STK_DYNAMIC); s += 5; }
    else if (!strncmp(s, "set:", 4)) { t = stk_type_set(STK_DYNAMIC); s += 4; }
    else if (!strncmp(s, "map:", 4)) { t = stk_type_map(STK_DYNAMIC); s += 4; }
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    if (!j) { fprintf(stderr, "bad JSON in test: %s\n", s); abort(); }
    stk_value *v = stk_value_from_json(j);
    json_decref(j);
    if (t) {
        char *e = NULL;
        stk_value *c = stk_value_convert(v, t, &e);
        if (!c) { fprintf(stderr, "test conversion failed: %s\n", e); abort(); }
        stk_value_unref(v);
        v = c;
    }
    return v;
}

/* type from Terraform's JSON type syntax */
static stk_type *T(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    stk_type *t = j ? stk_type_from_json(j) : NULL;
    json_decref(j);
    if (!t) { fprintf(stderr, "bad type in test: %s\n", s); abort(); }
    return t;
}

static int hcl_is(stk_value *v, const char *want)
{
    char *s = stk_value_to_hcl(v);
    int ok = strcmp(s, want) == 0;
    if (!ok) fprintf(stderr, "  got:  %s\n  want: %s\n", s, want);
    free(s);
    return ok;
}

static void test_numbers(void)
{
    stk_value *a = stk_value_number(0.1), *b = stk_value_number(0.2);
    stk_value *s = stk_value_number(a->u.num.d + b->u.num.d);
    char *t = stk_number_to_string(s);
    CHECK_STR(t, "0.30000000000000004");
    free(t);
    stk_value *q = stk_value_number(10.0 / 3.0);
    t = stk_number_to_string(q);
    CHECK_STR(t, "3.3333333333333335");
    free(t);
    stk_value *big = stk_value_number_parse("9007199254740993");
    CHECK(big && big->is_int);
    t = stk_number_to_string(big);
    CHECK_STR(t, "9007199254740993");
    free(t);
    stk_value *one5 = stk_value_number_parse("1.5");
    t = stk_number_to_string(one5);
    CHECK_STR(t, "1.5");
    free(t);
    stk_value *e21 = stk_value_number_parse("1e21");
    t = stk_number_to_string(e21);
    CHECK_STR(t, "1000000000000000000000");   /* Go's big.Float Text('f', -1) */
    free(t);
    stk_value *small = stk_value_number_parse("1e-7");
    t = stk_number_to_string(small);
    CHECK_STR(t, "0.0000001");
    free(t);
    stk_value *neg = stk_value_number_parse("-42");
    CHECK(neg && neg->is_int && neg->u.num.i == -42);
    stk_value *huge = stk_value_number_parse("123456789012345678901234567890");
    CHECK(huge && !huge->is_int);
    stk_value *ovf = stk_value_number(9223372036854775807.0 + 1.0);
    t = stk_number_to_string(ovf);
    CHECK_STR(t, "9223372036854775808");
    free(t);
    stk_value_unref(ovf);
    ovf = stk_value_number(4294967296.0 * 4294967296.0);
    t = stk_number_to_string(ovf);
    CHECK_STR(t, "18446744073709551616");
    free(t);
    stk_value_unref(ovf);
    stk_value *e3 = stk_value_number_parse("1e3");
    CHECK(e3 && e3->is_int && e3->u.num.i == 1000);
    CHECK(stk_value_number_parse("abc") == NULL);
    CHECK(stk_value_number_parse("0x10") == NULL);
    CHECK(stk_value_number_parse("") == NULL);
    CHECK(stk_value_number_parse("1.5.5") == NULL);
    stk_value *objs[] = { a, b, s, q, big, one5, e21, small, neg, huge, e3 };
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) stk_value_unref(objs[i]);
}

static void test_printing(void)
{
    struct { const char *json, *want; } cases[] = {
        { "[1,2]", "[\n  1,\n  2,\n]" },
        { "[]", "[]" },
        { "{}", "{}" },
        { "{\"b\":1,\"a\":\"x\"}", "{\n  \"a\" = \"x\"\n  \"b\" = 1\n}" },
        { "{\"a\":{\"b\":[true]}}", "{\n  \"a\" = {\n    \"b\" = [\n      true,\n    ]\n  }\n}" },
        { "list:[]", "tolist([])" },
        { "list:[\"a\"]", "tolist([\n  \"a\",\n])" },
        { "set:[\"b\",\"a\",\"b\"]", "toset([\n  \"a\",\n  \"b\",\n])" },
        { "map:{\"k\":1}", "tomap({\n  \"k\" = 1\n})" },
        { "\"quote\\\" \\\\ tab\\t\"", "\"quote\\\" \\\\ tab\\t\"" },
        { "\"a\\nb\"", "<<EOT\na\nb\nEOT" },
        { "null", "null" },
        { "1.25", "1.25" },
        { "\"\\u00e9t\\u00e9\"", "\"\xc3\xa9t\xc3\xa9\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        stk_value *v = J(cases[i].json);
        char name[128];
        snprintf(name, sizeof name, "print %s", cases[i].json);
        stk_test_record(name, hcl_is(v, cases[i].want));
        stk_value_unref(v);
    }
    stk_value *u = stk_value_unknown(STK_STRING);
    CHECK(hcl_is(u, "(known after apply)"));
    stk_value *sv = stk_value_mark(stk_value_string("secret"), STK_MARK_SENSITIVE);
    CHECK(hcl_is(sv, "(sensitive value)"));
    stk_value *items[] = { stk_value_string("x"), sv };
    stk_value *tup = stk_value_tuple(items, 2);
    CHECK(hcl_is(tup, "[\n  \"x\",\n  (sensitive value),\n]"));
    CHECK(stk_value_marks_deep(tup) == STK_MARK_SENSITIVE);
    unsigned m = 0;
    tup = stk_value_unmark_deep(tup, &m);
    CHECK(m == STK_MARK_SENSITIVE);
    CHECK(hcl_is(tup, "[\n  \"x\",\n  \"secret\",\n]"));
    stk_value_unref(tup);
    stk_value *ns = stk_value_null(STK_STRING);
    CHECK(hcl_is(ns, "tostring(null)"));
    stk_type *ls = stk_type_list(STK_STRING);
    stk_value *nl = stk_value_null(ls);
    CHECK(hcl_is(nl, "tolist(null) /* of string */"));
    stk_value_unref(nl);
    stk_value_unref(u);
    /* a heredoc delimiter that clashes with a line gets extended */
    stk_value *clash = stk_value_string("EOT\nx");
    CHECK(hcl_is(clash, "<<EOT_\nEOT\nx\nEOT_"));
    stk_value_unref(clash);
}

typedef struct { const char *value, *type, *want; } conv_case;

static void test_convert_matrix(void)
{
    conv_case cases[] = {
        { "\"5\"", "\"number\"", "5" },
        { "\"1.5\"", "\"number\"", "1.5" },
        { "\"abc\"", "\"number\"", "!a number is required" },
        { "1.5", "\"string\"", "\"1.5\"" },
        { "12", "\"string\"", "\"12\"" },
        { "true", "\"string\"", "\"true\"" },
        { "\"true\"", "\"bool\"", "true" },
        { "\"false\"", "\"bool\"", "false" },
        { "\"yes\"", "\"bool\"", "!a bool is required" },
        { "\"True\"", "\"bool\"", "!a bool is required; to convert from string, use lowercase \"true\"" },
        { "1", "\"bool\"", "!bool required" },
        { "[1]", "\"string\"", "!string required" },
        { "{}", "\"number\"", "!number required" },
        { "[1,\"a\"]", "[\"list\",\"string\"]", "tolist([\n  \"1\",\n  \"a\",\n])" },
        { "[1,2]", "[\"list\",\"number\"]", "tolist([\n  1,\n  2,\n])" },
        { "[{},\"a\"]", "[\"list\",\"string\"]", "!element 0: string required" },
        { "[\"a\",\"x\"]", "[\"list\",\"number\"]", "!a number is required" },
        { "list:[\"a\"]", "[\"list\",[\"list\",\"string\"]]", "!incorrect list element type: list of string required" },
        { "set:[1]", "[\"set\",\"bool\"]", "!incorrect set element type: bool required" },
        { "map:{\"a\":[1]}", "[\"map\",\"string\"]", "!incorrect map element type: string required" },
        { "[[1],\"x\"]", "[\"set\",\"dynamic\"]", "!all set elements must have the same type" },
        { "[1,\"x\"]", "[\"tuple\",[\"number\",\"number\"]]", "!a number is required" },
        { "[1,[]]", "[\"tuple\",[\"number\",\"number\"]]", "!tuple required" },
        { "\"x\"", "[\"list\",\"dynamic\"]", "!list of any single type required" },
        { "[\"b\",\"a\",\"b\"]", "[\"set\",\"string\"]", "toset([\n  \"a\",\n  \"b\",\n])" },
        { "\"x\"", "[\"list\",\"string\"]", "!list of string required" },
        { "{\"a\":1,\"b\":\"x\"}", "[\"map\",\"string\"]", "tomap({\n  \"a\" = \"1\"\n  \"b\" = \"x\"\n})" },
        { "{\"a\":[]}", "[\"map\",\"string\"]", "!element \"a\": string required" },
        { "[1,2]", "[\"tuple\",[\"string\",\"number\"]]", "[\n  \"1\",\n  2,\n]" },
        { "[1]", "[\"tuple\",[\"string\",\"number\"]]", "!tuple required" },
        { "{\"a\":1,\"extra\":2}", "[\"object\",{\"a\":\"string\"}]", "{\n  \"a\" = \"1\"\n}" },
        { "{\"b\":1}", "[\"object\",{\"a\":\"string\",\"b\":\"number\"}]", "!attribute \"a\" is required" },
        { "{}", "[\"object\",{\"a\":\"string\",\"b\":\"number\"}]", "!attributes \"a\" and \"b\" are required" },
        { "{\"x\":{\"y\":[]}}", "[\"object\",{\"x\":[\"object\",{\"y\":\"string\"}]}]",
          "!attribute \"x\": attribute \"y\": string required" },
        { "[1,\"a\"]", "[\"list\",\"dynamic\"]", "tolist([\n  \"1\",\n  \"a\",\n])" },
        { "[1,[]]", "[\"list\",\"dynamic\"]", "!all list elements must have the same type" },
        { "{\"a\":1,\"b\":true}", "[\"map\",\"dynamic\"]", "tomap({\n  \"a\" = \"1\"\n  \"b\" = \"true\"\n})" },
        { "[1,{\"a\":1}]", "\"dynamic\"", "[\n  1,\n  {\n    \"a\" = 1\n  },\n]" },
        { "null", "\"string\"", "tostring(null)" },
        { "null", "[\"list\",\"number\"]", "tolist(null) /* of number */" },
        { "set:[\"a\"]", "[\"list\",\"string\"]", "tolist([\n  \"a\",\n])" },
        { "list:[\"a\",\"b\"]", "[\"tuple\",[\"string\",\"string\"]]", "[\n  \"a\",\n  \"b\",\n]" },
        { "map:{\"a\":\"1\"}", "[\"object\",{\"a\":\"number\"}]", "{\n  \"a\" = 1\n}" },
        { "map:{\"name\":\"J\"}", "[\"object\",{\"name\":\"string\",\"greeting\":\"string\"}]",
          "!map has no element for required attribute \"greeting\"" },
        { "map:{\"greeting\":\"H\",\"name\":\"J\"}", "[\"object\",{\"name\":\"string\",\"greeting\":[\"list\",\"string\"]}]",
          "!object required" },
        { "map:{\"greeting\":\"H\",\"name\":\"J\"}", "[\"object\",{\"name\":\"string\"}]", "{\n  \"name\" = \"J\"\n}" },
        { "{\"foo\":true}", "[\"object\",{\"foo\":\"number\"}]", "!attribute \"foo\": number required" },
        { "{}", "[\"object\",{\"foo\":\"string\",\"bar\":\"string\",\"baz\":\"string\"}]",
          "!attributes \"bar\", \"baz\", and \"foo\" are required" },
        { "[[1],[\"x\"]]", "[\"list\",[\"list\",\"string\"]]", "tolist([\n  tolist([\n    \"1\",\n  ]),\n  tolist([\n    \"x\",\n  ]),\n])" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        stk_value *v = J(cases[i].value);
        stk_type *t = T(cases[i].type);
        char *err = NULL;
        stk_value *r = stk_value_convert(v, t, &err);
        int ok;
        if (cases[i].want[0] == '!') {
            ok = !r && err && strcmp(err, cases[i].want + 1) == 0;
            if (!ok) fprintf(stderr, "  err got: %s\n  want:    %s\n", err ? err : "(none)", cases[i].want + 1);
        } else {
            ok = r && hcl_is(r, cases[i].want);
            if (!r) fprintf(stderr, "  unexpected error: %s\n", err);
        }
        char name[256];
        snprintf(name, sizeof name, "convert %s to %s", cases[i].value, cases[i].type);
        stk_test_record(name, ok);
        free(err);
        stk_value_unref(r);
        stk_value_unref(v);
        stk_type_unref(t);
    }
}

static void test_optional_defaults(void)
{
    /* object({name=string, port=optional(number, 80), tags=optional(map(string)),
               nested=optional(object({on=optional(bool, true)}), {})}) */
    char *names[] = { "name", "port", "tags", "nested" };
    char *inner_names[] = { "on" };
    stk_type *inner_types[] = { STK_BOOL };
    unsigned char inner_opt[] = { 1 };
    stk_value *inner_def[] = { stk_value_bool(1) };
    stk_type *inner = stk_type_object(inner_names, inner_types, 1, inner_opt, inner_def);
    stk_type *types[] = { STK_STRING, STK_NUMBER, stk_type_map(STK_STRING), inner };
    unsigned char opt[] = { 0, 1, 1, 1 };
    stk_value *defs[] = { NULL, stk_value_int(80), NULL, stk_value_empty_object() };
    stk_type *t = stk_type_object(names, types, 4, opt, defs);
    char *ts = stk_type_to_string(t);
    CHECK_STR(ts, "object({name=string,nested=optional(object({on=optional(bool, true)}), {}),"
                  "port=optional(number, 80),tags=optional(map(string))})");
    free(ts);

    stk_value *v = J("{\"name\":\"web\"}");
    char *err = NULL;
    stk_value *r = stk_value_convert(v, t, &err);
    CHECK(r != NULL);
    if (r) CHECK(hcl_is(r, "{\n  \"name\" = \"web\"\n  \"nested\" = {\n    \"on\" = true\n  }\n"
                           "  \"port\" = 80\n  \"tags\" = tomap(null) /* of string */\n}"));
    stk_value_unref(r);
    stk_value_unref(v);

    v = J("{\"name\":\"x\",\"port\":null,\"nested\":{\"on\":false}}");
    r = stk_value_convert(v, t, &err);
    CHECK(r != NULL);
    if (r) CHECK(hcl_is(r, "{\n  \"name\" = \"x\"\n  \"nested\" = {\n    \"on\" = false\n  }\n"
                           "  \"port\" = 80\n  \"tags\" = tomap(null) /* of string */\n}"));
    stk_value_unref(r);
    stk_value_unref(v);

    /* nulls made for absent optional attributes carry plain types */
    {
        stk_value *in = J("{\"name\":\"q\"}");
        stk_value *o = stk_value_convert(in, t, &err);
        CHECK(o && !stk_value_get(o, "tags")->type->optional);
        char *names2[] = { "on" };
        stk_type *ts2[] = { STK_BOOL };
        stk_type *plain_inner = stk_type_object(names2, ts2, 1, NULL, NULL);
        CHECK(o && stk_type_equal(stk_value_get(o, "nested")->type, plain_inner));
        stk_type_unref(plain_inner);
        stk_value_unref(o);
        stk_value_unref(in);
    }
    v = J("{\"port\":1}");
    r = stk_value_convert(v, t, &err);
    CHECK(r == NULL);
    CHECK_STR(err, "attribute \"name\" is required");
    free(err);
    stk_value_unref(v);

    /* a list of such objects: defaults fill each element */
    stk_type *lt = stk_type_list(stk_type_ref(t));
    v = J("[{\"name\":\"a\"},{\"name\":\"b\",\"port\":8080}]");
    r = stk_value_convert(v, lt, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK(stk_value_elem(r, 0) && stk_value_get(stk_value_elem(r, 0), "port")->u.num.i == 80);
        CHECK(stk_value_get(stk_value_elem(r, 1), "port")->u.num.i == 8080);
    }
    stk_value_unref(r);
    stk_value_unref(v);
    stk_type_unref(lt);
    stk_type_unref(t);
}

static void test_unknown_and_marks(void)
{
    stk_value *u = stk_value_unknown(NULL);
    char *err = NULL;
    stk_value *r = stk_value_convert(u, STK_STRING, &err);
    CHECK(r && r->is_unknown && r->type == STK_STRING);
    stk_value_unref(r);
    stk_value *us = stk_value_unknown(STK_STRING);
    stk_type *lt = stk_type_list(STK_STRING);
    r = stk_value_convert(us, lt, &err);
    CHECK(r == NULL);
    CHECK_STR(err, "list of string required");
    free(err);
    err = NULL;
    /* an unknown keeps a predictable type through `any` constraints */
    stk_type *tt_items[] = { STK_STRING, STK_NUMBER };
    stk_type *tt = stk_type_tuple(tt_items, 2);
    stk_value *ut = stk_value_unknown(tt);
    stk_type *la = stk_type_list(STK_DYNAMIC);
    r = stk_value_convert(ut, la, &err);
    CHECK(r && r->is_unknown);
    if (r) {
        char *ts = stk_type_to_string(r->type);
        CHECK_STR(ts, "list(string)");
        free(ts);
    }
    stk_value_unref(r);
    stk_value_unref(ut);
    stk_type_unref(tt);
    /* sensitive marks survive conversion */
    stk_value *s = stk_value_mark(stk_value_string("7"), STK_MARK_SENSITIVE);
    r = stk_value_convert(s, STK_NUMBER, &err);
    CHECK(r && (r->marks & STK_MARK_SENSITIVE) && r->u.num.i == 7);
    stk_value_unref(r);
    stk_value_unref(s);
    /* equality with unknowns */
    stk_value *a = stk_value_string("a");
    stk_value *eq = stk_value_equals(a, us);
    CHECK(eq->is_unknown);
    stk_value_unref(eq);
    stk_value *b = stk_value_string("a");
    eq = stk_value_equals(a, b);
    CHECK(stk_value_is_true(eq));
    stk_value_unref(eq);
    stk_value *n1 = stk_value_null(NULL), *n2 = stk_value_null(STK_STRING);
    eq = stk_value_equals(n1, n2);
    CHECK(stk_value_is_true(eq));
    eq = stk_value_equals(a, n1);
    CHECK(!stk_value_is_true(eq) && !eq->is_unknown);
    /* known-ness */
    stk_value *items[] = { stk_value_ref(a), stk_value_ref(us) };
    stk_value *tup = stk_value_tuple(items, 2);
    CHECK(!stk_value_is_known_deep(tup));
    CHECK(stk_value_len(tup) == 2);
    stk_value_unref(tup);
    stk_value_unref(a);
    stk_value_unref(b);
    stk_value_unref(us);
    stk_value_unref(u);
}

static void test_sets_and_order(void)
{
    stk_value *items[] = { stk_value_int(10), stk_value_int(2), stk_value_int(10), stk_value_number(2.5) };
    stk_value *s = stk_value_set(STK_NUMBER, items, 4);
    CHECK(stk_value_len(s) == 3);
    CHECK(hcl_is(s, "toset([\n  2,\n  2.5,\n  10,\n])"));
    stk_value_unref(s);
    stk_value *st[] = { stk_value_string("b"), stk_value_string("B"), stk_value_string("a") };
    s = stk_value_set(STK_STRING, st, 3);
    CHECK(hcl_is(s, "toset([\n  \"B\",\n  \"a\",\n  \"b\",\n])"));
    stk_value_unref(s);
    /* object keys sorted and the last duplicate wins */
    char *keys[] = { "z", "a", "z" };
    stk_value *vals[] = { stk_value_int(1), stk_value_int(2), stk_value_int(3) };
    stk_value *o = stk_value_object(keys, vals, 3);
    CHECK(hcl_is(o, "{\n  \"a\" = 2\n  \"z\" = 3\n}"));
    CHECK(stk_value_get(o, "z")->u.num.i == 3);
    CHECK(stk_value_get(o, "q") == NULL);
    CHECK_STR(stk_value_key(o, 0), "a");
    stk_value_unref(o);
}

static void test_unify(void)
{
    struct { const char *a, *b, *want; } cases[] = {
        { "\"string\"", "\"number\"", "string" },
        { "\"number\"", "\"number\"", "number" },
        { "\"bool\"", "\"number\"", "string" },
        { "[\"list\",\"string\"]", "[\"list\",\"number\"]", "list(string)" },
        { "[\"map\",\"number\"]", "[\"object\",{\"a\":\"number\"}]", "map(number)" },
        { "[\"object\",{\"a\":\"number\"}]", "[\"object\",{\"a\":\"string\"}]", "object({a=string})" },
        { "[\"object\",{\"a\":\"number\"}]", "[\"object\",{\"b\":\"string\"}]", "map(string)" },
        { "[\"object\",{\"a\":\"number\"}]", "[\"object\",{\"b\":[\"list\",\"string\"]}]", NULL },
        { "[\"tuple\",[\"number\"]]", "[\"tuple\",[\"string\",\"number\"]]", "list(string)" },
        { "[\"tuple\",[\"number\"]]", "[\"object\",{}]", NULL },
        { "[\"tuple\",[\"number\"]]", "[\"tuple\",[\"string\"]]", "tuple([string])" },
        { "[\"list\",\"string\"]", "\"string\"", NULL },
        { "\"dynamic\"", "\"number\"", "number" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        stk_type *ts[] = { T(cases[i].a), T(cases[i].b) };
        stk_type *u = stk_type_unify(ts, 2);
        int ok;
        if (!cases[i].want) ok = u == NULL;
        else {
            char *s = u ? stk_type_to_string(u) : NULL;
            ok = s && strcmp(s, cases[i].want) == 0;
            if (!ok) fprintf(stderr, "  unify got %s want %s\n", s ? s : "(null)", cases[i].want);
            free(s);
        }
        char name[256];
        snprintf(name, sizeof name, "unify %s %s", cases[i].a, cases[i].b);
        stk_test_record(name, ok);
        stk_type_unref(u);
        stk_type_unref(ts[0]);
        stk_type_unref(ts[1]);
    }
}

static void test_json(void)
{
    const char *docs[] = {
        "{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": 9007199254740993}}",
        "[]",
        "\"just a string\"",
        "-12",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_t *j = json_loads(docs[i], JSON_DECODE_ANY, NULL);
        stk_value *v = stk_value_from_json(j);
        json_t *back = stk_value_to_json(v);
        char name[128];
        snprintf(name, sizeof name, "json round trip %zu", i);
        stk_test_record(name, back && json_equal(j, back));
        json_decref(j);
        json_decref(back);
        stk_value_unref(v);
    }
    json_t *j = json_loads("{\"c\": 9007199254740993}", 0, NULL);
    stk_value *v = stk_value_from_json(j);
    CHECK(stk_value_get(v, "c")->is_int && stk_value_get(v, "c")->u.num.i == 9007199254740993LL);
    stk_value_unref(v);
    json_decref(j);
    /* unknown values have no JSON */
    stk_value *u = stk_value_unknown(STK_STRING);
    CHECK(stk_value_to_json(u) == NULL);
    /* typed: state attributes */
    stk_type *t = T("[\"object\",{\"ids\":[\"set\",\"string\"],\"n\":\"number\",\"m\":[\"map\",\"bool\"]}]");
    j = json_loads("{\"ids\":[\"b\",\"a\"],\"n\":3,\"m\":{\"x\":true}}", 0, NULL);
    char *err = NULL;
    v = stk_value_from_json_typed(j, t, &err);
    CHECK(v != NULL);
    if (v) CHECK(hcl_is(v, "{\n  \"ids\" = toset([\n    \"a\",\n    \"b\",\n  ])\n  \"m\" = tomap({\n    \"x\" = true\n  })\n  \"n\" = 3\n}"));
    stk_value_unref(v);
    json_decref(j);
    j = json_loads("{\"ids\":[1],\"n\":\"x\"}", 0, NULL);
    v = stk_value_from_json_typed(j, t, &err);
    CHECK(v == NULL);
    CHECK_STR(err, "attribute \"ids\": element 0: string required");
    free(err);
    json_decref(j);
    json_t *tj = stk_type_to_json(t);
    char *dump = json_dumps(tj, JSON_SORT_KEYS | JSON_COMPACT);
    CHECK_STR(dump, "[\"object\",{\"ids\":[\"set\",\"string\"],\"m\":[\"map\",\"bool\"],\"n\":\"number\"}]");
    free(dump);
    json_decref(tj);
    stk_type_unref(t);
}

static void test_types(void)
{
    stk_type *t = T("[\"list\",[\"object\",{\"a\":\"dynamic\",\"b c\":\"string\"}]]");
    char *s = stk_type_to_string(t);
    CHECK_STR(s, "list(object({a=any,\"b c\"=string}))");
    free(s);
    CHECK(stk_type_has_dynamic(t));
    CHECK(stk_type_is_collection(t));
    stk_type *t2 = T("[\"list\",[\"object\",{\"a\":\"dynamic\",\"b c\":\"string\"}]]");
    CHECK(stk_type_equal(t, t2));
    CHECK(stk_type_attr(t->elem, "a") == STK_DYNAMIC);
    CHECK(stk_type_attr(t->elem, "zz") == NULL);
    stk_type_unref(t);
    stk_type_unref(t2);
    /* shared primitive collection types: no allocation */
    CHECK(stk_type_list(STK_STRING) == stk_type_list(STK_STRING));
}

static void test_many_values(void)
{
    /* a cheap smoke check that big structures build and free cleanly */
    size_t n = 20000;
    stk_value **items = malloc(sizeof(stk_value *) * n);
    for (size_t i = 0; i < n; i++) {
        char k[32];
        snprintf(k, sizeof k, "item-%zu", i);
        items[i] = stk_value_string(k);
    }
    stk_value *s = stk_value_set(STK_STRING, items, n);
    CHECK(stk_value_len(s) == n);
    CHECK_STR(stk_value_str(stk_value_elem(s, 0)), "item-0");
    CHECK_STR(stk_value_str(stk_value_elem(s, 1)), "item-1");
    CHECK_STR(stk_value_str(stk_value_elem(s, 2)), "item-10");
    stk_value_unref(s);
    free(items);
}

int main(void)
{
    STK_RUN(test_numbers);
    STK_RUN(test_printing);
    test_convert_matrix();
    STK_RUN(test_optional_defaults);
    STK_RUN(test_unknown_and_marks);
    STK_RUN(test_sets_and_order);
    test_unify();
    STK_RUN(test_json);
    STK_RUN(test_types);
    STK_RUN(test_many_values);
    return stk_test_report();
}
