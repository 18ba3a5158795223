/* test_eval.c - unit tests of the evaluator's interfaces that the
 * conformance suite does not reach: reference analysis (refs.h), the lazy
 * resolver protocol of eval.h, scopes without names or functions, typed
 * evaluation and template rendering for templatefile(). */
#include "eval/eval.h"
#include "hcl/parser.h"
#include "test.h"
#include "util/strbuf.h"
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static stk_hcl_expr_file *parse(const char *src)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = stk_hcl_expr_file_parse("t.tf", src, strlen(src), 0, &d);
    if (stk_diags_has_errors(&d)) fprintf(stderr, "parse error in %s: %s\n", src, d.items[0].summary);
    stk_diags_free(&d);
    return f;
}

/* the references of src, as strings joined by spaces */
static char *refs_of(const char *src)
{
    stk_hcl_expr_file *f = parse(src);
    stk_refs r = STK_REFS_INIT;
    stk_refs_collect(f->expr, &r);
    size_t cap = 1;
    for (size_t i = 0; i < r.len; i++) {
        char *s = stk_ref_to_string(&r.items[i], (size_t)-1);
        cap += strlen(s) + 1;
        free(s);
    }
    char *out = calloc(1, cap);
    for (size_t i = 0; i < r.len; i++) {
        char *s = stk_ref_to_string(&r.items[i], (size_t)-1);
        if (i) strcat(out, " ");
        strcat(out, s);
        free(s);
    }
    stk_refs_free(&r);
    stk_hcl_expr_file_free(f);
    return out;
}

#define CHECK_REFS(src, want) do { char *got_ = refs_of(src); CHECK_STR(got_, want); free(got_); } while (0)

static void test_refs_traversals(void)
{
    CHECK_REFS("aws_subnet.public[0].id", "aws_subnet.public[0].id");
    CHECK_REFS("var.a + local.b", "var.a local.b");
    CHECK_REFS("module.net.vpc_id", "module.net.vpc_id");
    CHECK_REFS("data.aws_ami.ubuntu.id", "data.aws_ami.ubuntu.id");
    CHECK_REFS("each.value[\"k\"]", "each.value[\"k\"]");
    CHECK_REFS("path.module", "path.module");
    CHECK_REFS("1 + 2", "");
    CHECK_REFS("{a = 1}", "");
    CHECK_REFS("{(var.k) = var.v}", "var.k var.v");
    CHECK_REFS("upper(terraform.workspace)", "terraform.workspace");
}

static void test_refs_dynamic_index(void)
{
    /* the traversal stops at a computed index; the index's own references count */
    CHECK_REFS("aws_instance.web[count.index].id", "aws_instance.web[...] count.index");
    CHECK_REFS("var.m[var.k]", "var.m[...] var.k");
    stk_hcl_expr_file *f = parse("aws_instance.web[count.index].id");
    stk_refs r = STK_REFS_INIT;
    stk_refs_collect(f->expr, &r);
    CHECK_INT(r.len, 2);
    if (r.len == 2) {
        CHECK_STR(r.items[0].root, "aws_instance");
        CHECK_INT(r.items[0].nsteps, 2);
        CHECK_STR(stk_ref_attr(&r.items[0], 0), "web");
        CHECK(r.items[0].steps[1].kind == STK_STEP_INDEX && r.items[0].steps[1].key == NULL);
        CHECK(stk_ref_attr(&r.items[0], 1) == NULL);
        CHECK_INT(r.items[0].root_range.start.col, 1);
        CHECK_INT(r.items[1].root_range.start.col, 18);
    }
    stk_refs_free(&r);
    stk_hcl_expr_file_free(f);
}

static void test_refs_scopes(void)
{
    /* for-expression variables are not references; the collection is */
    CHECK_REFS("[for s in var.list : s.id]", "var.list");
    CHECK_REFS("{for k, v in var.m : k => v if v != local.skip}", "var.m local.skip");
    /* a for variable named like a root shadows it inside the body only */
    CHECK_REFS("[for var in var.l : var.x]", "var.l");
    CHECK_REFS("\"${var.a}-%{for x in local.xs}${x}%{endfor}\"", "var.a local.xs");
    /* splat items are not references */
    CHECK_REFS("aws_instance.web[*].id", "aws_instance.web");
    CHECK_REFS("aws_instance.web.*.private_ip", "aws_instance.web");
    CHECK_REFS("[for a in [for b in var.x : b] : a]", "var.x");
}

/* --- resolver ------------------------------------------------------- */

typedef struct {
    int calls;
    char last[128];
    size_t last_steps;
} resolver_log;

/* Answers aws_vpc.main directly (one step consumed); var as a whole object;
   anything else is undeclared. */
static stk_value *resolve(void *ud, const stk_ref *ref, size_t *consumed, stk_diags *d)
{
    resolver_log *log = ud;
    log->calls++;
    char *s = stk_ref_to_string(ref, (size_t)-1);
    snprintf(log->last, sizeof log->last, "%s", s);
    free(s);
    log->last_steps = ref->nsteps;
    if (strcmp(ref->root, "aws_vpc") == 0 && stk_ref_attr(ref, 0) && strcmp(stk_ref_attr(ref, 0), "main") == 0) {
        *consumed = 1;
        char *keys[] = {"id", "cidr_block"};
        stk_value *vals[] = {stk_value_string("vpc-123"), stk_value_unknown(STK_STRING)};
        return stk_value_object(keys, vals, 2);
    }
    if (strcmp(ref->root, "var") == 0) {
        char *keys[] = {"n"};
        stk_value *vals[] = {stk_value_int(2)};
        return stk_value_object(keys, vals, 1);
    }
    stk_diags_error(d, &ref->range, "Reference to undeclared resource", "No %s declared.", ref->root);
    return NULL;
}

static stk_value *eval_with(const char *src, resolver_log *log, stk_diags *d)
{
    stk_hcl_expr_file *f = parse(src);
    stk_eval_scope s = {0};
    s.resolve = resolve;
    s.ud = log;
    stk_value *v = stk_eval_expr(f->expr, &s, d);
    stk_hcl_expr_file_free(f);
    return v;
}

static void test_resolver_lazy(void)
{
    resolver_log log = {0};
    stk_diags d = STK_DIAGS_INIT;
    stk_value *v = eval_with("aws_vpc.main.id", &log, &d);
    CHECK(!stk_diags_has_errors(&d));
    CHECK_INT(log.calls, 1);
    CHECK_STR(log.last, "aws_vpc.main.id");
    CHECK(v->type->kind == STK_TY_STRING && !v->is_unknown);
    if (v->type->kind == STK_TY_STRING) CHECK_STR(stk_value_str(v), "vpc-123");
    stk_value_unref(v);

    /* unknown attributes stay unknown */
    v = eval_with("aws_vpc.main.cidr_block", &log, &d);
    CHECK(v->is_unknown);
    stk_value_unref(v);

    /* a missing attribute after the consumed steps is the evaluator's error */
    v = eval_with("aws_vpc.main.nope", &log, &d);
    CHECK_INT(d.len, 1);
    if (d.len) {
        CHECK_STR(d.items[0].summary, "Unsupported attribute");
        CHECK_INT(d.items[0].subject.start.col, 13);
    }
    CHECK(v->is_unknown);
    stk_value_unref(v);
    stk_diags_free(&d);
}

static void test_resolver_index_keys(void)
{
    resolver_log log = {0};
    stk_diags d = STK_DIAGS_INIT;
    /* computed index keys are evaluated before the resolver sees them */
    stk_value *v = eval_with("aws_subnet.x[var.n + 1].id", &log, &d);
    CHECK_INT(log.calls, 2);   /* var, then aws_subnet */
    CHECK_STR(log.last, "aws_subnet.x[3].id");
    CHECK_INT(log.last_steps, 3);
    CHECK_INT(stk_diags_count(&d, STK_DIAG_ERROR), 1);
    if (d.len) CHECK_STR(d.items[0].summary, "Reference to undeclared resource");
    CHECK(v->is_unknown);
    stk_value_unref(v);
    stk_diags_free(&d);
}

static void test_resolver_errors_collected(void)
{
    resolver_log log = {0};
    stk_diags d = STK_DIAGS_INIT;
    stk_value *v = eval_with("[aws_a.x, aws_b.y, var.n * 2]", &log, &d);
    CHECK_INT(stk_diags_count(&d, STK_DIAG_ERROR), 2);
    CHECK(v->type->kind == STK_TY_TUPLE);
    if (v->type->kind == STK_TY_TUPLE && stk_value_len(v) == 3) {
        stk_value *third = stk_value_elem(v, 2);
        CHECK(third->is_int && third->u.num.i == 4);
    }
    stk_value_unref(v);
    stk_diags_free(&d);
}

static void test_no_names_no_functions(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = parse("[foo, upper(\"x\")]");
    stk_value *v = stk_eval_expr(f->expr, NULL, &d);
    CHECK_INT(d.len, 2);
    if (d.len == 2) {
        CHECK_STR(d.items[0].summary, "Variables not allowed");
        CHECK_STR(d.items[1].summary, "Function calls not allowed");
        CHECK_STR(d.items[0].filename, "t.tf");
        CHECK_INT(d.items[1].subject.start.col, 7);
    }
    stk_value_unref(v);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
}

static void test_eval_as(void)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = parse("[1, \"2\"]");
    stk_type *lt = stk_type_list(STK_NUMBER);
    stk_value *v = stk_eval_expr_as(f->expr, NULL, lt, &d);
    CHECK(!stk_diags_has_errors(&d));
    CHECK(v->type->kind == STK_TY_LIST && v->type->elem->kind == STK_TY_NUMBER);
    stk_value_unref(v);
    stk_hcl_expr_file_free(f);

    f = parse("{a = 1}");
    v = stk_eval_expr_as(f->expr, NULL, STK_STRING, &d);
    CHECK_INT(d.len, 1);
    if (d.len) CHECK_STR(d.items[0].summary, "Incorrect value type");
    CHECK(v->is_unknown && v->type->kind == STK_TY_STRING);
    stk_value_unref(v);
    stk_type_unref(lt);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
}

static void test_template_string(void)
{
    stk_diags d = STK_DIAGS_INIT;
    char *keys[] = {"name", "items"};
    stk_value *items[] = {stk_value_string("a"), stk_value_string("b")};
    stk_value *vals[] = {stk_value_string("World"), stk_value_tuple(items, 2)};
    stk_value *vars = stk_value_object(keys, vals, 2);
    stk_func_ctx fctx = {0};
    const char *src = "Hi ${upper(name)}%{ for i in items }, ${i}%{ endfor }";
    stk_value *v = stk_eval_template_string("t.tftpl", src, strlen(src), vars, &fctx, &d);
    CHECK(v != NULL);
    if (v) CHECK_STR(stk_value_str(v), "Hi WORLD, a, b");
    if (v) stk_value_unref(v);

    /* an undeclared name names the file, line and column */
    const char *bad = "line one\n${nope}";
    v = stk_eval_template_string("t.tftpl", bad, strlen(bad), vars, &fctx, &d);
    CHECK(v == NULL);
    CHECK_INT(d.len, 1);
    if (d.len) {
        CHECK_STR(d.items[0].summary, "Unknown variable");
        CHECK_INT(d.items[0].subject.start.line, 2);
        CHECK_INT(d.items[0].subject.start.col, 3);
    }
    stk_diags_free(&d);

    /* the render_template adapter turns diagnostics into one message */
    char *err = NULL;
    v = stk_eval_render_template(NULL, "t.tftpl", bad, strlen(bad), vars, &err);
    CHECK(v == NULL);
    CHECK(err && strstr(err, "t.tftpl:2,3") && strstr(err, "Unknown variable"));
    free(err);
    stk_value_unref(vars);
}

static void test_bindings_shadow_resolver(void)
{
    resolver_log log = {0};
    stk_diags d = STK_DIAGS_INIT;
    stk_hcl_expr_file *f = parse("each.value + var.n");
    const char *names[] = {"each"};
    char *ek[] = {"key", "value"};
    stk_value *ev[] = {stk_value_string("k"), stk_value_int(40)};
    stk_value *each = stk_value_object(ek, ev, 2);
    stk_value *bv[] = {each};
    stk_eval_scope outer = {0};
    outer.resolve = resolve;
    outer.ud = &log;
    stk_eval_scope inner = {0};
    inner.parent = &outer;
    inner.bind_names = names;
    inner.bind_values = bv;
    inner.nbind = 1;
    stk_value *v = stk_eval_expr(f->expr, &inner, &d);
    CHECK(!stk_diags_has_errors(&d));
    CHECK_INT(log.calls, 1);   /* only var went to the resolver */
    CHECK(v->is_int && v->u.num.i == 42);
    stk_value_unref(v);
    stk_value_unref(each);
    stk_hcl_expr_file_free(f);
    stk_diags_free(&d);
}

static void test_long_chains(void)
{
    /* a 20,000-term sum is a left-deep tree: neither the reference walk nor
       the evaluator may recurse once per term */
    size_t terms = 20000;
    stk_strbuf b = STK_STRBUF_INIT;
    for (size_t i = 0; i < terms; i++) stk_strbuf_puts(&b, i ? " + var.x" : "var.x");
    stk_hcl_expr_file *f = parse(stk_strbuf_cstr(&b));
    CHECK(f->expr != NULL);
    if (f->expr) {
        stk_refs r = STK_REFS_INIT;
        stk_refs_collect(f->expr, &r);
        CHECK_INT(r.len, terms);
        if (r.len == terms) CHECK_INT(r.items[terms - 1].root_range.start.col, (int)(terms - 1) * 8 + 1);
        stk_refs_free(&r);
        stk_diags d = STK_DIAGS_INIT;
        const char *names[] = {"var"};
        char *k[] = {"x"};
        stk_value *xv[] = {stk_value_int(2)};
        stk_value *var = stk_value_object(k, xv, 1);
        stk_value *bv[] = {var};
        stk_eval_scope s = {0};
        s.bind_names = names;
        s.bind_values = bv;
        s.nbind = 1;
        stk_value *v = stk_eval_expr(f->expr, &s, &d);
        CHECK(!stk_diags_has_errors(&d));
        CHECK(v->is_int && v->u.num.i == (int64_t)terms * 2);
        stk_value_unref(v);
        stk_value_unref(var);
        stk_diags_free(&d);
    }
    stk_hcl_expr_file_free(f);
    stk_strbuf_free(&b);
}

/* --- several threads evaluating one shared tree ------------------------ */

typedef struct {
    const stk_expr *e;
    int64_t want;
    int ok;
} thread_job;

static void *eval_thread(void *arg)
{
    thread_job *job = arg;
    job->ok = 1;
    for (int i = 0; i < 300 && job->ok; i++) {
        stk_func_ctx fctx = {0};
        char *k[] = {"n"};
        stk_value *vals[] = {stk_value_int(job->want)};
        stk_value *var = stk_value_object(k, vals, 1);
        const char *names[] = {"var"};
        stk_value *bv[] = {var};
        stk_eval_scope s = {0};
        s.bind_names = names;
        s.bind_values = bv;
        s.nbind = 1;
        s.funcs = &fctx;
        stk_diags d = STK_DIAGS_INIT;
        stk_value *v = stk_eval_expr(job->e, &s, &d);
        /* sum(...) of [for ...] over range(n) is n*(n-1)/2; try() of a missing
           attribute falls back to 0 */
        if (stk_diags_has_errors(&d) || !v->is_int || v->u.num.i != job->want * (job->want - 1) / 2)
            job->ok = 0;
        stk_value_unref(v);
        stk_value_unref(var);
        stk_diags_free(&d);
    }
    return NULL;
}

static void test_threads(void)
{
    stk_hcl_expr_file *f = parse("sum(concat([0], [for i in range(var.n) : i + try(var.missing, 0)]))");
    CHECK(f->expr != NULL);
    if (!f->expr) { stk_hcl_expr_file_free(f); return; }
    pthread_t th[4];
    thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i].e = f->expr;
        jobs[i].want = 10 + i;
        pthread_create(&th[i], NULL, eval_thread, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(jobs[i].ok);
    }
    stk_hcl_expr_file_free(f);
}

/* --- stk console, end to end ----------------------------------------- */

/* The stk binary: $STK_BIN, else ../stk next to this test program. */
static char *stk_bin(void)
{
    const char *env = getenv("STK_BIN");
    if (env && *env) return access(env, X_OK) == 0 ? stk_xstrdup(env) : NULL;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return NULL;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return NULL;
    *slash = 0;
    char *p = stk_xasprintf("%s/../stk", self);
    if (access(p, X_OK) != 0) { free(p); return NULL; }
    return p;
}

/* Runs `printf INPUT | stk console ARGS`, returns stdout; *rc the status. */
static char *run_console(const char *bin, const char *args, const char *input, int *rc)
{
    char tmpl[] = "/tmp/stk-console-in-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return NULL;
    if (write(fd, input, strlen(input)) < 0) { close(fd); return NULL; }
    close(fd);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s console -no-color %s < %s 2>/dev/null", bin, args, tmpl);
    FILE *p = popen(cmd, "r");
    char *out = calloc(1, 65536);
    size_t len = 0, got;
    while (p && (got = fread(out + len, 1, 65535 - len, p)) > 0) len += got;
    int st = p ? pclose(p) : -1;
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    unlink(tmpl);
    return out;
}

static void test_console(void)
{
    char *bin = stk_bin();
    if (!bin) return;   /* main() reports the skip */
    char dir[] = "/tmp/stk-console-XXXXXX";
    if (!mkdtemp(dir)) { free(bin); CHECK(0); return; }
    char path[256];
    snprintf(path, sizeof path, "%s/main.tf", dir);
    FILE *f = fopen(path, "w");
    fputs("variable \"env\" {\n  type = string\n  default = \"dev\"\n}\n"
          "variable \"cidr\" {\n  default = \"10.0.0.0/16\"\n}\n"
          "locals {\n  name = \"app-${var.env}\"\n}\n", f);
    fclose(f);
    int rc = 0;
    char args[512];
    snprintf(args, sizeof args, "-var env=prod %s", dir);
    char *out = run_console(bin, args,
                            "local.name\n"
                            "cidrsubnet(var.cidr, 8, 1)\n"
                            "[\n  1,\n  2\n]\n"
                            "var.env == \"prod\" ? 3 : 1\n", &rc);
    CHECK_STR(out, "\"app-prod\"\n\"10.0.1.0/24\"\n[\n  1,\n  2,\n]\n3\n");
    CHECK_INT(rc, 0);
    free(out);

    /* an error is reported, later lines still run, the status is 1 */
    out = run_console(bin, dir, "var.nope\n1 + 1\n", &rc);
    CHECK_STR(out, "2\n");
    CHECK_INT(rc, 1);
    free(out);

    /* without a configuration: literals and functions */
    out = run_console(bin, "", "upper(\"x\")\n", &rc);
    CHECK(out && strstr(out, "\"X\"") != NULL);
    free(out);

    unlink(path);
    rmdir(dir);
    free(bin);
}

int main(void)
{
    STK_RUN(test_refs_traversals);
    STK_RUN(test_refs_dynamic_index);
    STK_RUN(test_refs_scopes);
    STK_RUN(test_resolver_lazy);
    STK_RUN(test_resolver_index_keys);
    STK_RUN(test_resolver_errors_collected);
    STK_RUN(test_no_names_no_functions);
    STK_RUN(test_eval_as);
    STK_RUN(test_template_string);
    STK_RUN(test_bindings_shadow_resolver);
    STK_RUN(test_long_chains);
    STK_RUN(test_threads);
    char *bin = stk_bin();
    if (bin) STK_RUN(test_console);
    else stk_test_skip("test_console", "the stk binary was not found (set STK_BIN)");
    free(bin);
    return stk_test_report();
}
