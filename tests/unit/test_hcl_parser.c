/* test_hcl_parser.c - the HCL parser: trees (as S-expressions, see
 * hcl_sexpr.h) for expressions, templates, heredocs and bodies, and the
 * diagnostics (summary and line:col) of malformed inputs. */
#include "test.h"
#include "hcl_sexpr.h"
#include "hcl/parser.h"
#include <stdlib.h>
#include <string.h>

/* ---- expressions ---- */

static const struct { const char *src, *want; } expr_cases[] = {
    /* literals */
    {"1", "1"},
    {"1.5", "1.5"},
    {"1e3", "1000"},
    {"2.5E-1", "0.25"},
    {"-7", "-7"},
    {"true", "true"},
    {"false", "false"},
    {"null", "null"},
    {"\"abc\"", "\"abc\""},
    {"\"\"", "\"\""},
    {"\"a\\nb\\t\\\"q\\\"\\\\\"", "\"a\\nb\\t\\\"q\\\"\\\\\""},
    {"\"\\u00e9\\U0001F600\"", "\"\xc3\xa9\xf0\x9f\x98\x80\""},
    {"\"$${x} %%{y}\"", "\"${x} %{y}\""},
    /* templates */
    {"\"${x}\"", "(wrap x)"},
    {"\"a${x}b\"", "(tmpl \"a\" x \"b\")"},
    {"\"${a}${b}\"", "(tmpl a b)"},
    {"\"x ${~ a ~} y\"", "(tmpl \"x\" a \"y\")"},
    {"\"x ${~a} y\"", "(tmpl \"x\" a \" y\")"},
    {"\"x ${a~} y\"", "(tmpl \"x \" a \"y\")"},
    {"\"%{if c}yes%{else}no%{endif}\"", "(tmpl (tif c (tmpl \"yes\") (tmpl \"no\")))"},
    {"\"%{if c}yes%{endif}!\"", "(tmpl (tif c (tmpl \"yes\")) \"!\")"},
    {"\"%{for x in xs}[${x}]%{endfor}\"", "(tmpl (tfor _ x xs (tmpl \"[\" x \"]\")))"},
    {"\"%{for k, v in m}${k}=${v},%{endfor}\"", "(tmpl (tfor k v m (tmpl k \"=\" v \",\")))"},
    {"\"a %{~ if c ~} b %{~ endif ~} c\"", "(tmpl \"a\" (tif c (tmpl \"b\")) \"c\")"},
    {"\"${ {a=1}.a }\"", "(wrap (. (object (a 1)) a))"},
    {"\"${\"in${x}ner\"}\"", "(wrap (tmpl \"in\" x \"ner\"))"},
    /* heredocs */
    {"<<EOT\nhello\nEOT", "\"hello\\n\""},
    {"<<EOT\n  a\n    b\nEOT", "\"  a\\n    b\\n\""},
    {"<<-EOT\n    a\n      b\n    EOT", "\"a\\n  b\\n\""},
    {"<<-EOT\n    a\n\n      b\n  EOT", "\"a\\n\\n  b\\n\""},
    {"<<-EOT\n\ta\n\t\tb\n\tEOT", "\"a\\n\\tb\\n\""},
    {"<<EOT\nx ${y} z\nEOT", "(tmpl \"x \" y \" z\\n\")"},
    {"<<-EOT\n  x ${y}\n    z\n  EOT", "(tmpl \"x \" y \"\\n  z\\n\")"},
    {"<<-EOT\n  ${y}\n    z\n  EOT", "(tmpl y \"\\n  z\\n\")"},
    {"<<EOT\n${y}\nEOT", "(tmpl y \"\\n\")"},
    {"<<EOT\nback\\slash \"q\"\nEOT", "\"back\\\\slash \\\"q\\\"\\n\""},
    {"<<EOT\n$${lit}\nEOT", "\"${lit}\\n\""},
    {"<<EOT\nEOT", "\"\""},
    {"<<EOT\n%{for x in xs}${x}\n%{endfor}\nEOT", "(tmpl (tfor _ x xs (tmpl x \"\\n\")) \"\\n\")"},
    {"<<-EOT\n  %{if a}x%{endif}\n    y\n  EOT", "(tmpl (tif a (tmpl \"x\")) \"\\n  y\\n\")"},
    {"<<EOT\na\n  EOTX\nEOT", "\"a\\n  EOTX\\n\""},
    /* variables and traversals */
    {"var.x", "(. var x)"},
    {"a.b.c", "(. (. a b) c)"},
    {"a[0]", "([] a 0)"},
    {"a[\"k\"].b", "(. ([] a \"k\") b)"},
    {"a.0", "(.[] a 0)"},
    {"a.0.b.1", "(.[] (. (.[] a 0) b) 1)"},
    {"a-b_c", "a-b_c"},
    {"\xc3\xa9t\xc3\xa9.x", "(. \xc3\xa9t\xc3\xa9 x)"},
    {"a.*.b", "(.* a (. @ b))"},
    {"a.*.b.c", "(.* a (. (. @ b) c))"},
    {"a.*.b[0]", "([] (.* a (. @ b)) 0)"},
    {"a[*].b[0]", "([*] a ([] (. @ b) 0))"},
    {"a[*]", "([*] a @)"},
    {"a.*", "(.* a @)"},
    {"aws_instance.web[*].id", "([*] (. aws_instance web) (. @ id))"},
    {"a[*].b[*].c", "([*] ([*] a (. @ b)) (. @ c))"},
    {"a[b[0]]", "([] a ([] b 0))"},
    /* calls */
    {"f()", "(call f)"},
    {"f(1, 2)", "(call f 1 2)"},
    {"f(1, 2,)", "(call f 1 2)"},
    {"f(xs...)", "(call f xs ...)"},
    {"f(a, xs...)", "(call f a xs ...)"},
    {"f(\n  a,\n  b\n)", "(call f a b)"},
    {"f(g(x))[0]", "([] (call f (call g x)) 0)"},
    /* operators and precedence */
    {"1 + 2 * 3", "(+ 1 (* 2 3))"},
    {"(1 + 2) * 3", "(* (paren (+ 1 2)) 3)"},
    {"1 - 2 - 3", "(- (- 1 2) 3)"},
    {"8 / 4 / 2", "(/ (/ 8 4) 2)"},
    {"a || b && c", "(|| a (&& b c))"},
    {"a && b || c", "(|| (&& a b) c)"},
    {"a == b && c != d", "(&& (== a b) (!= c d))"},
    {"a < b == c >= d", "(== (< a b) (>= c d))"},
    {"a + b < c * d", "(< (+ a b) (* c d))"},
    {"a % b * c", "(* (% a b) c)"},
    {"!a && b", "(&& (! a) b)"},
    {"!!a", "(! (! a))"},
    {"-a * b", "(* (neg a) b)"},
    {"-x.y", "(neg (. x y))"},
    {"1 - -2", "(- 1 -2)"},
    {"a <= b", "(<= a b)"},
    {"a > b", "(> a b)"},
    {"a ? b : c", "(? a b c)"},
    {"a ? b : c ? d : e", "(? a b (? c d e))"},
    {"a || b ? 1 + 2 : 3", "(? (|| a b) (+ 1 2) 3)"},
    {"(a ? b : c).d", "(. (paren (? a b c)) d)"},
    /* collections */
    {"[]", "(tuple)"},
    {"[1, \"a\", b]", "(tuple 1 \"a\" b)"},
    {"[\n  1,\n  2,\n]", "(tuple 1 2)"},
    {"{}", "(object)"},
    {"{a = 1, b = 2}", "(object (a 1) (b 2))"},
    {"{a: 1, \"b\": 2}", "(object (a 1) (\"b\" 2))"},
    {"{\n  a = 1\n  b = 2\n}", "(object (a 1) (b 2))"},
    {"{\n  a = 1,\n  b = 2,\n}", "(object (a 1) (b 2))"},
    {"{(k) = 1, \"${p}x\" = 2}", "(object ((paren k) 1) ((tmpl p \"x\") 2))"},
    {"{a = {b = [1]}}", "(object (a (object (b (tuple 1)))))"},
    /* for expressions */
    {"[for x in xs: x * 2]", "(for[] _ x xs (* x 2))"},
    {"[for i, x in xs : x if i > 0]", "(for[] i x xs x if (> i 0))"},
    {"{for k, v in m : k => v}", "(for{} k v m k v)"},
    {"{for k, v in m : v => k...}", "(for{} k v m v k ...)"},
    {"{for x in xs : x.k => x if x.on}", "(for{} _ x xs (. x k) x if (. x on))"},
    {"[\n  for x in xs :\n  x\n]", "(for[] _ x xs x)"},
    {"[for x in [1, 2]: x]", "(for[] _ x (tuple 1 2) x)"},
    /* comments inside expressions */
    {"[1, # one\n 2 /* two */]", "(tuple 1 2)"},
};

static void test_exprs(void)
{
    for (size_t i = 0; i < sizeof expr_cases / sizeof expr_cases[0]; i++) {
        stk_diags d = STK_DIAGS_INIT;
        const char *src = expr_cases[i].src;
        stk_hcl_expr_file *f = stk_hcl_expr_file_parse("t.hcl", src, strlen(src), 0, &d);
        char *got = f->expr ? sx_expr_str(f->expr) : NULL;
        int ok = got && strcmp(got, expr_cases[i].want) == 0 && d.len == 0;
        if (!ok) {
            fprintf(stderr, "expr case %zu: %s\n  got  %s\n  want %s\n", i, src, got ? got : "(null)",
                    expr_cases[i].want);
            for (size_t k = 0; k < d.len; k++)
                fprintf(stderr, "  diag %d:%d %s: %s\n", d.items[k].subject.start.line,
                        d.items[k].subject.start.col, d.items[k].summary,
                        d.items[k].detail ? d.items[k].detail : "");
        }
        char name[64];
        snprintf(name, sizeof name, "expr_%zu", i);
        stk_test_record(name, ok);
        free(got);
        stk_hcl_expr_file_free(f);
        stk_diags_free(&d);
    }
}

/* ---- files ---- */

static const struct { const char *src, *want; } file_cases[] = {
    {"", ""},
    {"a = 1\n", "(attr a 1)"},
    {"a = 1", "(attr a 1)"},
    {"a = 1\nb = \"x\"\n", "(attr a 1) (attr b \"x\")"},
    {"# c\n// d\n/* e\n f */\na = 1 # after\n", "(attr a 1)"},
    {"resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
     "(block resource \"aws_vpc\" \"main\" (attr cidr_block \"10.0.0.0/16\"))"},
    {"locals {\n}\n", "(block locals)"},
    {"a {}\n", "(block a)"},
    {"a { b = 1 }\n", "(block a (attr b 1))"},
    {"a \"x\" y { }\n", "(block a \"x\" \"y\")"},
    {"a {\n  b {\n    c = 1\n  }\n  d = 2\n}\n", "(block a (block b (attr c 1)) (attr d 2))"},
    {"a {\n  b = 1\n  c \"l\" { d = [1,\n 2] }\n}\n",
     "(block a (attr b 1) (block c \"l\" (attr d (tuple 1 2))))"},
    {"a = <<EOT\nx\nEOT\nb = 2\n", "(attr a \"x\\n\") (attr b 2)"},
    {"a = {\n  k = 1\n}\nb = 2\n", "(attr a (object (k 1))) (attr b 2)"},
    {"\xef\xbb\xbf" "a = 1\n", "(attr a 1)"},
    {"a = 1\r\nb = 2\r\n", "(attr a 1) (attr b 2)"},
    {"a \"\\u0041\" {}\n", "(block a \"A\")"},
    {"v = \"${a}\" # c\n", "(attr v (wrap a))"},
    {"dynamic \"ingress\" {\n  for_each = var.rules\n  content {\n    from_port = ingress.value.port\n  }\n}\n",
     "(block dynamic \"ingress\" (attr for_each (. var rules)) (block content (attr from_port (. (. ingress value) port))))"},
};

static void test_files(void)
{
    for (size_t i = 0; i < sizeof file_cases / sizeof file_cases[0]; i++) {
        stk_diags d = STK_DIAGS_INIT;
        const char *src = file_cases[i].src;
        stk_hcl_file *f = stk_hcl_parse("main.tf", src, strlen(src), &d);
        char *got = f ? sx_body_str(f->body) : NULL;
        int ok = got && strcmp(got, file_cases[i].want) == 0 && d.len == 0;
        if (!ok) {
            fprintf(stderr, "file case %zu:\n%s\n  got  %s\n  want %s\n", i, src, got ? got : "(null)",
                    file_cases[i].want);
            for (size_t k = 0; k < d.len; k++)
                fprintf(stderr, "  diag %d:%d %s\n", d.items[k].subject.start.line,
                        d.items[k].subject.start.col, d.items[k].summary);
        }
        char name[64];
        snprintf(name, sizeof name, "file_%zu", i);
        stk_test_record(name, ok);
        free(got);
        stk_hcl_file_free(f);
        stk_diags_free(&d);
    }
}

/* ---- malformed input: every diagnostic as "line:col-line:col summary", joined by " | " ---- */

static const struct { const char *src, *want; } error_cases[] = {
    {"a = \n", "1:5-2:1 Invalid expression"},
    {"a = 1 2\n", "1:7-1:8 Missing newline after argument"},
    {"= 1\n", "1:1-1:2 Argument or block definition required"},
    {"a b\n", "1:4-2:1 Invalid block definition"},
    {"a {\n  b = 1\n", "1:3-1:4 Unclosed configuration block"},
    {"a = 1 @\n", "1:7-1:8 Invalid character"},
    {"a = 'x'\n", "1:5-1:6 Invalid character | 1:7-1:8 Invalid character"},
    {"a = \"abc\n", "1:9-1:10 Invalid multi-line string | 2:1-2:1 Unterminated template string"},
    {"a = \"abc\ndef\"\n", "1:9-1:10 Invalid multi-line string"},
    {"a = \"\\q\"\n", "1:6-1:8 Invalid escape sequence"},
    {"a = \"\\u12\"\n", "1:6-1:8 Invalid escape sequence"},
    {"a = <<EOT\nabc\n", "3:1-3:1 Unterminated template string"},
    {"a = 1\na = 2\n", "2:1-2:2 Attribute redefined"},
    {"a = 1\nb = \nc = 3\nd = )\n", "2:5-3:1 Invalid expression | 4:5-4:6 Invalid expression"},
    {"x {\n  a = [1 2]\n  b = 2\n  c = (\n}\n",
     "2:10-2:11 Missing item separator | 5:1-5:2 Invalid expression"},
    {"a = f(1 2)\n", "1:9-1:10 Missing argument separator"},
    {"a = f(x..., y)\n", "1:8-1:11 Missing closing parenthesis"},
    {"a = {b 1}\n", "1:8-1:9 Missing key/value separator"},
    {"a = {b = 1 c = 2}\n", "1:12-1:13 Missing attribute separator"},
    {"a = [for x xs : x]\n", "1:12-1:14 Invalid 'for' expression"},
    {"a = {for x in xs : x}\n", "1:20-1:21 Invalid 'for' expression"},
    {"a = [for k, v in m : k => v]\n", "1:22-1:23 Invalid 'for' expression"},
    {"a = \"%{if x}y\"\n", "1:14-1:15 Unexpected end of template"},
    {"a = \"%{endif}\"\n", "1:6-1:8 Unexpected endif directive"},
    {"a = \"%{bogus}\"\n", "1:8-1:13 Invalid template control keyword"},
    {"a = \"${x y}\"\n", "1:10-1:11 Extra characters after interpolation expression"},
    {"a { b = 1\n}\n", "1:10-2:1 Invalid single-argument block definition"},
    {"a { b {} }\n", "1:5-1:6 Argument definition required"},
    {"a {} b = 1\n", "1:6-1:7 Missing newline after block definition"},
    {"a = x.\n", "1:7-2:1 Invalid attribute name"},
    {"a = x[1\n", "2:1-2:1 Missing close bracket on index"},
    {"a = (1\n", "2:1-2:1 Unbalanced parentheses"},
    {"a = 1 ? 2\n", "1:10-2:1 Missing false expression in conditional"},
    {"}\n", "1:1-1:2 Argument or block definition required"},
    {"a \"${x}\" {}\n", "1:4-1:6 Invalid string literal"},
    {"a = 1 /* open\n", "1:7-1:9 Unterminated multi-line comment"},
    {"a = [\n", "2:1-2:1 Missing expression"},
    {"a = {\n", "2:1-2:1 Missing expression"},
    {"a = \"abc", "1:9-1:9 Unterminated template string"},
    {"a = \"%{for x in y}z%{endif}\"\n", "1:20-1:22 Unexpected endif directive"},
    {"a = \"%{else}\"\n", "1:6-1:8 Unexpected else directive"},
    {"\"a\" = 1\n", "1:1-1:2 Invalid argument name"},
    {"a.b = 1\n", "1:1-1:2 Argument or block definition required"},
    {"a = [1,,2]\n", "1:8-1:9 Invalid expression"},
    {"a = x ? : y\n", "1:9-1:10 Invalid expression"},
    {"a = \"${x\"\n", "1:10-1:11 Invalid multi-line string | 2:1-2:1 Unterminated template string | 1:9-1:10 Extra characters after interpolation expression"},
    {"a = \"\xff\"\nb = \xfe\n", "2:5-2:6 Invalid character"},
};

static char *diag_summary(const stk_diags *d)
{
    stk_strbuf b = STK_STRBUF_INIT;
    for (size_t i = 0; i < d->len; i++) {
        const stk_diag *g = &d->items[i];
        if (i) stk_strbuf_puts(&b, " | ");
        stk_strbuf_printf(&b, "%d:%d-%d:%d %s", g->subject.start.line, g->subject.start.col,
                          g->subject.end.line, g->subject.end.col, g->summary);
    }
    return stk_strbuf_detach(&b);
}

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        stk_diags d = STK_DIAGS_INIT;
        const char *src = error_cases[i].src;
        stk_hcl_file *f = stk_hcl_parse("bad.tf", src, strlen(src), &d);
        char *got = diag_summary(&d);
        int ok = f != NULL && strcmp(got, error_cases[i].want) == 0;
        for (size_t k = 0; k < d.len; k++)
            if (!d.items[k].subject.filename || strcmp(d.items[k].subject.filename, "bad.tf") != 0 ||
                !d.items[k].detail || !d.items[k].detail[0])
                ok = 0;
        if (!ok)
            fprintf(stderr, "error case %zu: %s\n  got  %s\n  want %s\n", i, src, got, error_cases[i].want);
        char name[64];
        snprintf(name, sizeof name, "error_%zu", i);
        stk_test_record(name, ok);
        free(got);
        stk_hcl_file_free(f);
        stk_diags_free(&d);
    }
}

/* ---- ranges, ownership, entry points ---- */

static void test_ranges(void)
{
    stk_diags d = STK_DIAGS_INIT;
    const char *src = "block \"l\" {\n  attr = foo.bar + 1\n}\n";
    stk_hcl_file *f = stk_hcl_parse("r.tf", src, strlen(src), &d);
    CHECK_INT(d.len, 0);
    stk_hcl_block *b = f->body->blocks[0];
    CHECK_INT(b->range.start.line, 1);
    CHECK_INT(b->range.end.line, 3);
    CHECK_INT(b->range.end.col, 2);
    CHECK_INT(b->label_ranges[0].start.col, 7);
    CHECK_INT(b->label_ranges[0].end.col, 10);
    stk_hcl_attr *a = b->body->attrs[0];
    CHECK_INT(a->name_range.start.col, 3);
    CHECK_INT(a->name_range.end.col, 7);
    CHECK_INT(a->expr->range.start.col, 10);
    CHECK_INT(a->expr->range.end.col, 21);
    CHECK_INT(a->expr->range.start.byte, 21);
    CHECK_STR(a->expr->range.filename, "r.tf");
    CHECK_STR(f->filename, "r.tf");
    stk_expr *lhs = a->expr->u.binary.lhs;
    CHECK_INT(lhs->range.start.col, 10);
    CHECK_INT(lhs->range.end.col, 17);
    stk_hcl_file_free(f);
    stk_diags_free(&d);
}

static void test_literal_ownership(void)
{
    /* every literal of the tree is in the list; freeing the file releases them (LeakSanitizer checks) */
    stk_diags d = STK_DIAGS_INIT;
    const char *src = "a = [1, \"x\", true, null, \"${y}z\"]\nb { c = 2 }\n";
    stk_hcl_file *f = stk_hcl_parse("o.tf", src, strlen(src), &d);
    CHECK_INT(d.len, 0);
    CHECK_INT(f->literals.n, 6);
    stk_hcl_file_free(f);
    stk_diags_free(&d);

    stk_arena *a = stk_arena_new();
    stk_hcl_literals lits = {0};
    stk_expr *e = stk_hcl_parse_expr(a, "x", "f(1, \"two\")", 11, &d, &lits);
    CHECK(e != NULL);
    CHECK_INT(lits.n, 2);
    stk_hcl_literals_free(&lits);
    CHECK_INT(lits.n, 0);
    stk_arena_free(a);
    stk_diags_free(&d);
}

static void test_parse_template(void)
{
    stk_diags d = STK_DIAGS_INIT;
    const char *src = "Hello ${name}!\n%{ for s in xs ~}\n- ${s}\n%{ endfor ~}\n\"quoted\" \\n $${raw}\n";
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse("t.tmpl", src, strlen(src), 1, &d);
    CHECK_INT(d.len, 0);
    char *s = f->expr ? sx_expr_str(f->expr) : NULL;
    CHECK_STR(s, "(tmpl \"Hello \" name \"!\\n\" (tfor _ s xs (tmpl \"- \" s \"\\n\")) "
                 "\"\\\"quoted\\\" \\\\n ${raw}\\n\")");
    free(s);
    stk_hcl_expr_file_free(f);

    f = stk_hcl_expr_file_parse("t.tmpl", "plain", 5, 1, &d);
    s = f->expr ? sx_expr_str(f->expr) : NULL;
    CHECK_STR(s, "\"plain\"");
    free(s);
    stk_hcl_expr_file_free(f);

    /* a lone interpolation in a template file still renders to a string */
    f = stk_hcl_expr_file_parse("t.tmpl", "${x}", 4, 1, &d);
    CHECK(f->expr && f->expr->kind == STK_EX_TEMPLATE);
    stk_hcl_expr_file_free(f);

    f = stk_hcl_expr_file_parse("t.tmpl", "${x", 3, 1, &d);
    CHECK(f->expr == NULL);
    CHECK(d.len >= 1);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
}

static void test_expr_errors(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse("c", "1 +", 3, 0, &d);
    CHECK(f->expr == NULL);
    CHECK_INT(d.len, 1);
    if (d.len) {
        CHECK_STR(d.items[0].summary, "Missing expression");
        CHECK_INT(d.items[0].subject.start.col, 4);
    }
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);

    f = stk_hcl_expr_file_parse("c", "a b", 3, 0, &d);
    CHECK(f->expr == NULL);
    CHECK(d.len == 1 && strcmp(d.items[0].summary, "Extra characters after expression") == 0);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
}

static void test_deep_nesting(void)
{
    /* bounded recursion: an error, not a stack overflow */
    size_t n = 100000;
    char *src = malloc(n + 8);
    memcpy(src, "a = ", 4);
    memset(src + 4, '(', n);
    src[n + 4] = 0;
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_file *f = stk_hcl_parse("deep.tf", src, n + 4, &d);
    CHECK(stk_diags_has_errors(&d));
    CHECK(d.len >= 1 && strcmp(d.items[0].summary, "Nesting too deep") == 0);
    stk_hcl_file_free(f);
    stk_diags_free(&d);
    memset(src, '[', n);
    stk_hcl_expr_file *e = stk_hcl_expr_file_parse("deep", src, n, 0, &d);
    CHECK(e->expr == NULL);
    stk_hcl_expr_file_free(e);
    stk_diags_free(&d);
    free(src);
}

static void test_tfvars(void)
{
    stk_diags d = STK_DIAGS_INIT;
    const char *src = "region = \"eu-north-1\"\nazs = [\"a\", \"b\"]\ntags = {\n  Env = \"prod\"\n}\n";
    stk_hcl_file *f = stk_hcl_parse("terraform.tfvars", src, strlen(src), &d);
    CHECK_INT(d.len, 0);
    CHECK_INT(f->body->nattrs, 3);
    CHECK_INT(f->body->nblocks, 0);
    char *s = sx_body_str(f->body);
    CHECK_STR(s, "(attr region \"eu-north-1\") (attr azs (tuple \"a\" \"b\")) (attr tags (object (Env \"prod\")))");
    free(s);
    stk_hcl_file_free(f);
    stk_diags_free(&d);
}

int main(void)
{
    test_exprs();
    test_files();
    test_errors();
    STK_RUN(test_ranges);
    STK_RUN(test_literal_ownership);
    STK_RUN(test_parse_template);
    STK_RUN(test_expr_errors);
    STK_RUN(test_deep_nesting);
    STK_RUN(test_tfvars);
    return stk_test_report();
}
