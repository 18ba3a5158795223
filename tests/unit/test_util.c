/* test_util.c - arena, strbuf and diagnostics. */
#include "test.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/strbuf.h"
#include <stdlib.h>

static void test_arena(void)
{
    stk_arena *a = stk_arena_new();
    char *s = stk_arena_strdup(a, "hello");
    CHECK_STR(s, "hello");
    void *big = stk_arena_alloc(a, 200000);
    CHECK(big != NULL);
    CHECK(((unsigned char *)big)[199999] == 0);
    CHECK(stk_arena_used(a) >= 200000);
    stk_arena_free(a);
}

static void test_strbuf(void)
{
    stk_strbuf b = STK_STRBUF_INIT;
    CHECK_STR(stk_strbuf_cstr(&b), "");
    stk_strbuf_printf(&b, "%d-%s", 42, "x");
    stk_strbuf_putc(&b, '!');
    CHECK_STR(b.s, "42-x!");
    CHECK_INT(b.len, 5);
    char *s = stk_strbuf_detach(&b);
    CHECK_STR(s, "42-x!");
    free(s);
    CHECK(b.s == NULL);
}

static void test_diags(void)
{
    stk_diags d = STK_DIAGS_INIT, e = STK_DIAGS_INIT;
    char *fname = stk_xstrdup("main.tf");
    stk_range r = {fname, {3, 5, 20}, {3, 9, 24}};
    stk_diags_warning(&d, NULL, "careful", NULL);
    CHECK(!stk_diags_has_errors(&d));
    stk_diags_error(&e, &r, "Unsupported argument", "An argument named \"%s\" is not expected here.", "foo");
    free(fname);   /* the list keeps its own copy */
    stk_diags_append(&d, &e);
    CHECK_INT(d.len, 2);
    CHECK_INT(e.len, 0);
    CHECK(stk_diags_has_errors(&d));
    CHECK_STR(d.items[1].subject.filename, "main.tf");
    CHECK_INT(d.items[1].subject.start.col, 5);
    CHECK_STR(d.items[1].detail, "An argument named \"foo\" is not expected here.");
    CHECK_INT(stk_diags_count(&d, STK_DIAG_WARNING), 1);
    stk_diags_free(&d);
}

int main(void)
{
    STK_RUN(test_arena);
    STK_RUN(test_strbuf);
    STK_RUN(test_diags);
    return stk_test_report();
}
