/* test_hcl_lexer.c - the HCL scanner: token kinds and texts, template and
 * heredoc modes, positions, lexical errors; plus the formatter's
 * idempotence and error behaviour on small inputs. */
#include "test.h"
#include "hcl/lexer.h"
#include "hcl/fmt.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

static const char *short_name(int k)
{
    static const char *names[] = {
        "EOF", "NL", "COMMENT", "ID", "NUM", "OQ", "CQ", "QLIT", "OHD", "CHD", "SLIT",
        "${", "%{", "}T", "{", "}", "[", "]", "(", ")", ",", ".", "...", "=", ":", "?", "=>",
        "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "INVALID"};
    return names[k];
}

/* "KIND" or "KIND:text" for tokens with interesting text, joined by spaces */
static char *lex_str(const char *src, int template, int *nerr)
{
    stk_hcl_tokens t;
    stk_diags d = STK_DIAGS_INIT;
    if (template) stk_hcl_lex_template(&t, "t", src, strlen(src), &d);
    else stk_hcl_lex(&t, "t", src, strlen(src), &d);
    stk_strbuf b = STK_STRBUF_INIT;
    for (size_t i = 0; i < t.n; i++) {
        const stk_hcl_token *x = &t.toks[i];
        if (i) stk_strbuf_putc(&b, ' ');
        stk_strbuf_puts(&b, short_name(x->kind));
        switch (x->kind) {
        case STK_TK_IDENT: case STK_TK_NUMBER: case STK_TK_QLIT: case STK_TK_SLIT: case STK_TK_COMMENT:
        case STK_TK_CHEREDOC:
            stk_strbuf_putc(&b, ':');
            for (unsigned k = 0; k < x->len; k++) {
                char c = t.src[x->byte + k];
                if (c == '\n') stk_strbuf_puts(&b, "\\n");
                else if (c == '\t') stk_strbuf_puts(&b, "\\t");
                else stk_strbuf_putc(&b, c);
            }
            break;
        default: break;
        }
        if (x->strip) stk_strbuf_putc(&b, '~');
        if (x->bad) stk_strbuf_puts(&b, "!bad");
    }
    *nerr = t.nerrors;
    if ((size_t)t.nerrors != d.len) *nerr = -1;   /* every error is a diagnostic */
    stk_hcl_tokens_free(&t);
    stk_diags_free(&d);
    return stk_strbuf_detach(&b);
}

static const struct { const char *src, *want; int errors; int template; } cases[] = {
    {"", "EOF", 0, 0},
    {"a = 1\n", "ID:a = NUM:1 NL EOF", 0, 0},
    {"a=1.5e+3", "ID:a = NUM:1.5e+3 EOF", 0, 0},
    {"x 1. y", "ID:x NUM:1 . ID:y EOF", 0, 0},
    {"1e", "NUM:1 ID:e EOF", 0, 0},
    {"a.0.1", "ID:a . NUM:0 . NUM:1 EOF", 0, 0},
    {"a.1.5", "ID:a . NUM:1 . NUM:5 EOF", 0, 0},
    {"foo-bar_9", "ID:foo-bar_9 EOF", 0, 0},
    {"\xc3\xa9t\xc3\xa9", "ID:\xc3\xa9t\xc3\xa9 EOF", 0, 0},
    {"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 \xe6\x97\xa5\xe6\x9c\xac", "ID:\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 ID:\xe6\x97\xa5\xe6\x9c\xac EOF", 0, 0},
    {"a \xe2\x86\x92 b", "ID:a INVALID ID:b EOF", 1, 0},
    {"x\xf0\x9f\x98\x80", "ID:x INVALID EOF", 1, 0},
    {"\xc2\xa0" "a", "INVALID ID:a EOF", 1, 0},
    {"# c\n// d\r\n/* e\nf */", "COMMENT:# c NL COMMENT:// d NL COMMENT:/* e\\nf */ EOF", 0, 0},
    {"{ } [ ] ( ) , . ... = : ? =>", "{ } [ ] ( ) , . ... = : ? => EOF", 0, 0},
    {"+ - * / % == != < <= > >= && || !", "+ - * / % == != < <= > >= && || ! EOF", 0, 0},
    {"\"abc\"", "OQ QLIT:abc CQ EOF", 0, 0},
    {"\"\"", "OQ CQ EOF", 0, 0},
    {"\"a\\\"b\"", "OQ QLIT:a\\\"b CQ EOF", 0, 0},
    {"\"a${b}c\"", "OQ QLIT:a ${ ID:b }T QLIT:c CQ EOF", 0, 0},
    {"\"${~b~}\"", "OQ ${~ ID:b }T~ CQ EOF", 0, 0},
    {"\"%{if a}x%{endif}\"", "OQ %{ ID:if ID:a }T QLIT:x %{ ID:endif }T CQ EOF", 0, 0},
    {"\"$${a} %%{b}\"", "OQ QLIT:$${a} %%{b} CQ EOF", 0, 0},
    {"\"${ {a=1} }\"", "OQ ${ { ID:a = NUM:1 } }T CQ EOF", 0, 0},
    {"\"${\"${x}\"}\"", "OQ ${ OQ ${ ID:x }T CQ }T CQ EOF", 0, 0},
    {"\"$\"", "OQ QLIT:$ CQ EOF", 0, 0},
    {"<<EOT\nhi\nEOT\n", "OHD SLIT:hi\\n CHD:EOT NL EOF", 0, 0},
    {"<<-EOT\n  hi ${x}\n  EOT\n", "OHD SLIT:  hi  ${ ID:x }T SLIT:\\n CHD:  EOT NL EOF", 0, 0},
    {"<<EOT\nEOTX\nEOT", "OHD SLIT:EOTX\\n CHD:EOT EOF", 0, 0},
    {"<<EOT\nEOT", "OHD CHD:EOT EOF", 0, 0},
    {"<<EOT\r\nx\r\nEOT\r\n", "OHD SLIT:x\r\\n CHD:EOT NL EOF", 0, 0},
    {"a << b", "ID:a < < ID:b EOF", 0, 0},
    {"{ \"}\" }", "{ OQ QLIT:} CQ } EOF", 0, 0},
    {"a ~ b", "ID:a INVALID ID:b EOF", 1, 0},
    {"a @", "ID:a INVALID EOF", 1, 0},
    {"'x'", "INVALID ID:x INVALID EOF", 2, 0},
    {"a & b", "ID:a INVALID ID:b EOF", 1, 0},
    {"\"abc", "OQ QLIT:abc CQ!bad EOF", 1, 0},
    {"\"a\nb\"", "OQ QLIT:a\\nb CQ EOF", 1, 0},
    {"<<EOT\nabc\n", "OHD SLIT:abc\\n CHD:!bad EOF", 1, 0},
    {"/* open", "COMMENT:/* open EOF", 1, 0},
    {"a\xff", "ID:a INVALID EOF", 1, 0},
    {"\xef\xbb\xbf" "a", "ID:a EOF", 0, 0},
    {"a\rb", "ID:a INVALID ID:b EOF", 1, 0},
    {"Hi ${n}!\n", "SLIT:Hi  ${ ID:n }T SLIT:!\\n EOF", 0, 1},
    {"\"q\" \\n $${x}", "SLIT:\"q\" \\n $${x} EOF", 0, 1},
    {"%{for x in y~}a%{endfor}", "%{ ID:for ID:x ID:in ID:y }T~ SLIT:a %{ ID:endfor }T EOF", 0, 1},
    {"", "EOF", 0, 1},
};

static void test_tokens(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int nerr;
        char *got = lex_str(cases[i].src, cases[i].template, &nerr);
        int ok = strcmp(got, cases[i].want) == 0 && nerr == cases[i].errors;
        if (!ok)
            fprintf(stderr, "lex case %zu: %s\n  got  %s (%d errors)\n  want %s (%d errors)\n", i, cases[i].src,
                    got, nerr, cases[i].want, cases[i].errors);
        char name[64];
        snprintf(name, sizeof name, "lex_%zu", i);
        stk_test_record(name, ok);
        free(got);
    }
}

static void test_positions(void)
{
    stk_hcl_tokens t;
    stk_diags d = STK_DIAGS_INIT;
    const char *src = "ab = \"\xc3\xa9${x}\"\n  <<EOT\nz\nEOT\n";
    stk_hcl_lex(&t, "p", src, strlen(src), &d);
    CHECK_INT(d.len, 0);
    /* ab */
    CHECK_INT(stk_hcl_tok_start(&t.toks[0]).line, 1);
    CHECK_INT(stk_hcl_tok_start(&t.toks[0]).col, 1);
    CHECK_INT(stk_hcl_tok_end(&t.toks[0]).col, 3);
    /* QLIT "é": one character, two bytes */
    CHECK_INT(t.toks[3].kind, STK_TK_QLIT);
    CHECK_INT(stk_hcl_tok_start(&t.toks[3]).col, 7);
    CHECK_INT(stk_hcl_tok_end(&t.toks[3]).col, 8);
    CHECK_INT(stk_hcl_tok_end(&t.toks[3]).byte - stk_hcl_tok_start(&t.toks[3]).byte, 2);
    /* ${ right after it */
    CHECK_INT(t.toks[4].kind, STK_TK_TINTERP);
    CHECK_INT(stk_hcl_tok_start(&t.toks[4]).col, 8);
    /* heredoc opener on line 2 col 3, its text includes the newline */
    size_t k = 0;
    while (t.toks[k].kind != STK_TK_OHEREDOC) k++;
    CHECK_INT(stk_hcl_tok_start(&t.toks[k]).line, 2);
    CHECK_INT(stk_hcl_tok_start(&t.toks[k]).col, 3);
    CHECK_INT(t.toks[k].len, 6);
    CHECK_INT(stk_hcl_tok_start(&t.toks[k + 1]).line, 3);
    CHECK_INT(t.toks[k + 2].kind, STK_TK_CHEREDOC);
    CHECK_INT(stk_hcl_tok_start(&t.toks[k + 2]).line, 4);
    CHECK_INT(t.toks[t.n - 1].kind, STK_TK_EOF);
    CHECK_INT(stk_hcl_tok_start(&t.toks[t.n - 1]).line, 5);
    stk_hcl_tokens_free(&t);
    stk_diags_free(&d);
}

static void test_error_positions(void)
{
    stk_hcl_tokens t;
    stk_diags d = STK_DIAGS_INIT;
    const char *src = "a = 1\nb = $\n";
    stk_hcl_lex(&t, "e.tf", src, strlen(src), &d);
    CHECK_INT(d.len, 1);
    if (d.len) {
        CHECK_STR(d.items[0].summary, "Invalid character");
        CHECK_INT(d.items[0].subject.start.line, 2);
        CHECK_INT(d.items[0].subject.start.col, 5);
        CHECK_INT(d.items[0].subject.end.col, 6);
        CHECK_STR(d.items[0].subject.filename, "e.tf");
    }
    stk_hcl_tokens_free(&t);
    stk_diags_free(&d);
}

/* ---- formatter ---- */

static const struct { const char *src, *want; } fmt_cases[] = {
    {"a=1\nbb = 2\n", "a  = 1\nbb = 2\n"},
    {"a = 1\n\nbb = 2\n", "a = 1\n\nbb = 2\n"},
    {"a = 1\n# c\nbb = 2\n", "a = 1\n# c\nbb = 2\n"},
    {"b {\nc=1\n}\n", "b {\n  c = 1\n}\n"},
    {"x = [ 1 , 2 ]\n", "x = [1, 2]\n"},
    {"x = {a=1}\n", "x = { a = 1 }\n"},
    {"x = f( a ,b... )\n", "x = f(a, b...)\n"},
    {"x = a [ 0 ] . b\n", "x = a[0].b\n"},
    {"x = - 1 + - y\n", "x = -1 + -y\n"},
    {"x = ! a\n", "x = !a\n"},
    {"x = \"${ a }\"\n", "x = \"${a}\"\n"},
    {"x = 1 # c\nyy = 2 # d\n", "x  = 1 # c\nyy = 2 # d\n"},
    {"b { }\n", "b {}\n"},
    {"x = <<EOT\n  keep   \nEOT\n", "x = <<EOT\n  keep   \nEOT\n"},
    {"a = 1   \n", "a = 1\n"},
};

static void test_fmt(void)
{
    for (size_t i = 0; i < sizeof fmt_cases / sizeof fmt_cases[0]; i++) {
        stk_diags d = STK_DIAGS_INIT;
        const char *src = fmt_cases[i].src;
        char *got = stk_hcl_format(src, strlen(src), "f.tf", &d);
        int ok = got && strcmp(got, fmt_cases[i].want) == 0 && d.len == 0;
        char *again = got ? stk_hcl_format(got, strlen(got), "f.tf", &d) : NULL;
        if (!again || !got || strcmp(again, got) != 0) ok = 0;
        if (!ok)
            fprintf(stderr, "fmt case %zu: %s\n  got  %s\n  want %s\n", i, src, got ? got : "(null)",
                    fmt_cases[i].want);
        char name[64];
        snprintf(name, sizeof name, "fmt_%zu", i);
        stk_test_record(name, ok);
        free(got);
        free(again);
        stk_diags_free(&d);
    }
}

static void test_fmt_invalid(void)
{
    stk_diags d = STK_DIAGS_INIT;
    char *got = stk_hcl_format("a = = 1\n", 8, "bad.tf", &d);
    CHECK(got == NULL);
    CHECK(stk_diags_has_errors(&d));
    if (d.len) {
        CHECK_STR(d.items[0].summary, "Invalid expression");
        CHECK_INT(d.items[0].subject.start.col, 5);
    }
    stk_diags_free(&d);
    size_t n = 99;
    got = stk_hcl_format_n("", 0, "empty.tf", &d, &n);
    CHECK(got != NULL);
    CHECK_INT(n, 0);
    free(got);
    stk_diags_free(&d);
}

int main(void)
{
    test_tokens();
    STK_RUN(test_positions);
    STK_RUN(test_error_positions);
    test_fmt();
    STK_RUN(test_fmt_invalid);
    return stk_test_report();
}
