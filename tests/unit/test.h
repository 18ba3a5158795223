/* test.h - the tiny unit test harness every test program under tests/ uses.
 *
 * A test program defines test functions, runs them with STK_RUN(fn) from
 * main, and returns stk_test_report(), which prints
 *   "N passed, N failed"
 * counting test cases (a case fails when any CHECK in it fails).  .ci/run
 * sums those lines over all test programs.
 */
#ifndef STK_TEST_H
#define STK_TEST_H
#include <stdio.h>
#include <string.h>

static int stk_t_passed, stk_t_failed, stk_t_skipped, stk_t_case_failed;
static const char *stk_t_case;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__, stk_t_case, #cond); \
    stk_t_case_failed = 1; } } while (0)

#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
    if (!g_ || !w_ || strcmp(g_, w_) != 0) { \
    fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, stk_t_case, \
            g_ ? g_ : "(null)", w_ ? w_ : "(null)"); stk_t_case_failed = 1; } } while (0)

#define CHECK_INT(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); \
    if (g_ != w_) { fprintf(stderr, "%s:%d: %s: got %lld, want %lld (%s)\n", __FILE__, __LINE__, \
    stk_t_case, g_, w_, #got); stk_t_case_failed = 1; } } while (0)

/* Record one named case by hand (table-driven suites). */
static inline void stk_test_record(const char *name, int ok)
{
    if (ok) stk_t_passed++;
    else { stk_t_failed++; fprintf(stderr, "FAIL %s\n", name); }
}

static inline void stk_test_skip(const char *name, const char *why)
{
    stk_t_skipped++;
    fprintf(stderr, "SKIP %s: %s\n", name, why);
}

#define STK_RUN(fn) do { stk_t_case = #fn; stk_t_case_failed = 0; fn(); \
    stk_test_record(#fn, !stk_t_case_failed); } while (0)

static inline int stk_test_report(void)
{
    if (stk_t_skipped)
        printf("%d passed, %d failed, %d skipped\n", stk_t_passed, stk_t_failed, stk_t_skipped);
    else
        printf("%d passed, %d failed\n", stk_t_passed, stk_t_failed);
    return stk_t_failed ? 1 : 0;
}

#endif
