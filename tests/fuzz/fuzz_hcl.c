/* fuzz_hcl.c - libFuzzer target over the HCL front end: the same bytes are
 * parsed as a file, as a lone expression and as a template body, then
 * formatted.  Beyond "no crash, no leak, no sanitizer report" it checks two
 * properties of the formatter: its output parses again without errors, and
 * formatting it again changes nothing. */
#include "hcl/parser.h"
#include "hcl/fmt.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    stk_diags d = STK_DIAGS_INIT;

    stk_hcl_file *f = stk_hcl_parse("fuzz.tf", src, size, &d);
    int file_ok = !stk_diags_has_errors(&d);
    stk_hcl_file_free(f);
    stk_diags_free(&d);

    stk_hcl_expr_file *e = stk_hcl_expr_file_parse("fuzz", src, size, 0, &d);
    stk_hcl_expr_file_free(e);
    stk_diags_free(&d);
    e = stk_hcl_expr_file_parse("fuzz.tmpl", src, size, 1, &d);
    stk_hcl_expr_file_free(e);
    stk_diags_free(&d);

    size_t n1 = 0, n2 = 0;
    char *once = stk_hcl_format_n(src, size, "fuzz.tf", &d, &n1);
    stk_diags_free(&d);
    if ((once != NULL) != file_ok) abort();   /* formats exactly the files that parse */
    if (once) {
        char *twice = stk_hcl_format_n(once, n1, "fuzz.tf", &d, &n2);
        if (!twice) abort();                  /* formatted output must still parse */
        if (n1 != n2 || memcmp(once, twice, n1) != 0) abort();   /* idempotent */
        free(twice);
        stk_diags_free(&d);
        free(once);
    }
    return 0;
}
