/* test_graph.c - the dependency graph (engine/graph): node lookup,
 * topological order, cycle reports with positions, DOT output; plus the
 * small utilities it and the loader stand on (string map, path helpers,
 * the OS file-system interface) and the resource type registry. */
#include "test.h"
#include "graph/graph.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "provider.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static stk_range rng(const char *f, int line, int col)
{
    stk_range r = {0};
    r.filename = f;
    r.start.line = r.end.line = line;
    r.start.col = col;
    r.end.col = col + 1;
    return r;
}

static size_t pos_in(const size_t *order, size_t n, size_t node)
{
    for (size_t i = 0; i < n; i++)
        if (order[i] == node) return i;
    return (size_t)-1;
}

static void test_add_find(void)
{
    stk_graph *g = stk_graph_new();
    size_t a = stk_graph_add(g, "aws_vpc.main", NULL, NULL, 1, NULL, NULL);
    size_t b = stk_graph_add(g, "aws_subnet.a", "subnet", "module.net", 2, NULL, NULL);
    CHECK_INT(stk_graph_add(g, "aws_vpc.main", "other", NULL, 9, NULL, NULL), a);
    CHECK_INT(stk_graph_count(g), 2);
    CHECK_INT(stk_graph_find(g, "aws_subnet.a"), b);
    CHECK(stk_graph_find(g, "nope") == (size_t)-1);
    CHECK_STR(stk_graph_node_at(g, b)->label, "subnet");
    CHECK_STR(stk_graph_node_at(g, b)->cluster, "module.net");
    CHECK_STR(stk_graph_node_at(g, a)->label, "aws_vpc.main");
    CHECK_INT(stk_graph_node_at(g, a)->kind, 1);
    CHECK(stk_graph_node_at(g, 5) == NULL);
    stk_graph_free(g);
}

static void test_toposort_chain(void)
{
    stk_graph *g = stk_graph_new();
    size_t out = stk_graph_add(g, "output.x", NULL, NULL, 0, NULL, NULL);
    size_t sub = stk_graph_add(g, "aws_subnet.a", NULL, NULL, 0, NULL, NULL);
    size_t vpc = stk_graph_add(g, "aws_vpc.main", NULL, NULL, 0, NULL, NULL);
    size_t var = stk_graph_add(g, "var.cidr", NULL, NULL, 0, NULL, NULL);
    stk_graph_depend(g, out, sub);
    stk_graph_depend(g, sub, vpc);
    stk_graph_depend(g, sub, vpc);   /* duplicate ignored */
    stk_graph_depend(g, vpc, var);
    stk_graph_depend(g, sub, var);
    CHECK_INT(stk_graph_node_at(g, sub)->ndeps, 2);
    size_t *order = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_graph_toposort(g, &order, &d), 0);
    CHECK_INT(d.len, 0);
    CHECK(order != NULL);
    if (order) {
        CHECK(pos_in(order, 4, var) < pos_in(order, 4, vpc));
        CHECK(pos_in(order, 4, vpc) < pos_in(order, 4, sub));
        CHECK(pos_in(order, 4, sub) < pos_in(order, 4, out));
    }
    free(order);
    stk_graph_free(g);
}

static void test_toposort_stable(void)
{
    /* independent nodes keep insertion order */
    stk_graph *g = stk_graph_new();
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "n%d", i);
        stk_graph_add(g, id, NULL, NULL, 0, NULL, NULL);
    }
    size_t *order = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_graph_toposort(g, &order, &d), 0);
    for (size_t i = 0; order && i < 5; i++) CHECK_INT(order[i], i);
    free(order);
    stk_graph_free(g);
}

static void test_cycle_report(void)
{
    stk_graph *g = stk_graph_new();
    stk_range ra = rng("main.tf", 3, 3), rb = rng("main.tf", 4, 3);
    size_t a = stk_graph_add(g, "local.a", NULL, NULL, 0, &ra, NULL);
    size_t b = stk_graph_add(g, "local.b", NULL, NULL, 0, &rb, NULL);
    size_t c = stk_graph_add(g, "local.c", NULL, NULL, 0, NULL, NULL);
    stk_graph_depend(g, a, b);
    stk_graph_depend(g, b, a);
    stk_graph_depend(g, c, a);
    size_t *order = (size_t *)1;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_graph_toposort(g, &order, &d), -1);
    CHECK(order == NULL);
    CHECK_INT(d.len, 1);
    if (d.len) {
        CHECK_STR(d.items[0].summary, "Cycle: local.a (main.tf:3,3), local.b (main.tf:4,3)");
        CHECK_INT(d.items[0].subject.start.line, 3);
        CHECK_STR(d.items[0].filename, "main.tf");
    }
    stk_diags_free(&d);
    stk_graph_free(g);
}

static void test_self_cycle_and_two_cycles(void)
{
    stk_graph *g = stk_graph_new();
    size_t a = stk_graph_add(g, "a", NULL, NULL, 0, NULL, NULL);
    size_t b = stk_graph_add(g, "b", NULL, NULL, 0, NULL, NULL);
    size_t c = stk_graph_add(g, "c", NULL, NULL, 0, NULL, NULL);
    size_t e = stk_graph_add(g, "e", NULL, NULL, 0, NULL, NULL);
    stk_graph_depend(g, a, a);
    stk_graph_depend(g, b, c);
    stk_graph_depend(g, c, b);
    stk_graph_depend(g, e, b);
    size_t *order = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_graph_toposort(g, &order, &d), -1);
    CHECK_INT(d.len, 2);
    int seen_a = 0, seen_bc = 0;
    for (size_t i = 0; i < d.len; i++) {
        if (!strcmp(d.items[i].summary, "Cycle: a")) seen_a = 1;
        if (!strcmp(d.items[i].summary, "Cycle: b, c")) seen_bc = 1;
    }
    CHECK(seen_a);
    CHECK(seen_bc);
    stk_diags_free(&d);
    stk_graph_free(g);
}

static void test_long_chain(void)
{
    /* 20,000 nodes in one chain: no recursion depth problem, linear time */
    stk_graph *g = stk_graph_new();
    char id[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "r%d", i);
        size_t n = stk_graph_add(g, id, NULL, NULL, 0, NULL, NULL);
        if (i) stk_graph_depend(g, n, n - 1);
    }
    size_t *order = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(stk_graph_toposort(g, &order, &d), 0);
    CHECK(order && order[0] == 0 && order[19999] == 19999);
    free(order);
    /* close the loop: one cycle of 20,000 */
    stk_graph_depend(g, 0, 19999);
    CHECK_INT(stk_graph_toposort(g, &order, &d), -1);
    CHECK_INT(d.len, 1);
    stk_diags_free(&d);
    stk_graph_free(g);
}

static void test_dot(void)
{
    stk_graph *g = stk_graph_new();
    size_t v = stk_graph_add(g, "aws_vpc.main", NULL, NULL, 1, NULL, NULL);
    size_t s = stk_graph_add(g, "module.net.aws_subnet.a[\"x\"]", "aws_subnet.a", "module.net", 2, NULL, NULL);
    size_t n = stk_graph_add(g, "module.net.module.sub.var.x", "var.x", "module.net.module.sub", 0, NULL, NULL);
    stk_graph_depend(g, s, v);
    stk_graph_depend(g, n, s);
    char *dot = stk_graph_to_dot(g, NULL);
    CHECK(strncmp(dot, "digraph {\n", 10) == 0);
    CHECK(strstr(dot, "subgraph \"cluster_module.net\" {") != NULL);
    CHECK(strstr(dot, "subgraph \"cluster_module.net.module.sub\" {") != NULL);
    /* the nested cluster is inside the outer one */
    char *outer = strstr(dot, "cluster_module.net\"");
    char *inner = strstr(dot, "cluster_module.net.module.sub\"");
    CHECK(outer && inner && outer < inner);
    CHECK(strstr(dot, "\"module.net.aws_subnet.a[\\\"x\\\"]\" -> \"aws_vpc.main\"") != NULL);
    CHECK(strstr(dot, "[label = \"aws_subnet.a\"]") != NULL);
    size_t l = strlen(dot);
    CHECK(l > 2 && !strcmp(dot + l - 2, "}\n"));
    free(dot);
    stk_graph_free(g);
}

static void test_strmap(void)
{
    stk_strmap m = STK_STRMAP_INIT;
    char keys[5000][16];
    for (int i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        CHECK(stk_strmap_put(&m, keys[i], (void *)(uintptr_t)(i + 1)) == NULL);
    }
    CHECK_INT(m.len, 5000);
    CHECK((uintptr_t)stk_strmap_get(&m, "k4242") == 4243);
    CHECK(stk_strmap_get(&m, "k5000") == NULL);
    CHECK((uintptr_t)stk_strmap_add(&m, "k7", (void *)99) == 8);
    CHECK((uintptr_t)stk_strmap_get(&m, "k7") == 8);
    CHECK((uintptr_t)stk_strmap_put(&m, "k7", (void *)99) == 8);
    CHECK((uintptr_t)stk_strmap_get(&m, "k7") == 99);
    stk_strmap_free(&m);
    CHECK(stk_strmap_get(&m, "k1") == NULL);
}

static void test_paths(void)
{
    struct { const char *base, *rel, *want; } cases[] = {
        {".", "./modules/net", "modules/net"},
        {"modules/a", "../b", "modules/b"},
        {"modules/a", "../../..", ".."},
        {"a/b", "./c/./d//e", "a/b/c/d/e"},
        {"x", "/abs/path/../p", "/abs/p"},
        {"/", "..", "/"},
        {"", "a", "a"},
        {".", ".", "."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = stk_path_join(cases[i].base, cases[i].rel);
        CHECK_STR(got, cases[i].want);
        free(got);
    }
    CHECK_STR(stk_path_base("a/b/main.tf"), "main.tf");
    CHECK_STR(stk_path_base("main.tf"), "main.tf");
}

static void test_fs_os(void)
{
    char dir[] = "/tmp/stk_fs_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *f1 = stk_xasprintf("%s/b.tf", dir), *f2 = stk_xasprintf("%s/a.tf", dir), *sd = stk_xasprintf("%s/sub", dir);
    FILE *f = fopen(f1, "w");
    fputs("x = 1\n", f);
    fclose(f);
    f = fopen(f2, "w");
    fclose(f);
    CHECK(mkdir(sd, 0700) == 0);
    const stk_fs *fs = stk_fs_os();
    CHECK_INT(stk_fs_exists(fs, f1), 1);
    CHECK_INT(stk_fs_exists(fs, sd), 2);
    CHECK_INT(stk_fs_exists(fs, "/nonexistent/x"), 0);
    char *data = NULL, *err = NULL;
    size_t len = 0;
    CHECK_INT(stk_fs_read(fs, f1, &data, &len, &err), 0);
    CHECK_INT(len, 6);
    CHECK_STR(data, "x = 1\n");
    free(data);
    data = NULL;
    CHECK_INT(stk_fs_read(fs, f2, &data, &len, &err), 0);   /* empty file */
    CHECK_INT(len, 0);
    CHECK_STR(data, "");
    free(data);
    CHECK_INT(stk_fs_read(fs, "/nonexistent/x", &data, &len, &err), -1);
    CHECK(err && strstr(err, "/nonexistent/x"));
    free(err);
    char **names = NULL;
    size_t n = 0;
    unsigned char *isdir = NULL;
    CHECK_INT(stk_fs_list(fs, dir, &names, &n, &isdir, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(names[0], "a.tf");
        CHECK_STR(names[1], "b.tf");
        CHECK_STR(names[2], "sub");
        CHECK(!isdir[0] && !isdir[1] && isdir[2]);
    }
    stk_fs_names_free(names, n);
    free(isdir);
    unlink(f1);
    unlink(f2);
    rmdir(sd);
    rmdir(dir);
    free(f1);
    free(f2);
    free(sd);
}

static void test_registry(void)
{
    const char *managed[] = {"aws_vpc", "aws_subnet", "aws_internet_gateway", "aws_eip", "aws_nat_gateway",
                             "aws_route_table", "aws_route", "aws_route_table_association", "aws_security_group",
                             "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                             "aws_vpc_security_group_egress_rule", "aws_instance", "aws_launch_template",
                             "aws_autoscaling_group", "aws_autoscaling_policy", "aws_key_pair", "aws_lb",
                             "aws_lb_target_group", "aws_lb_listener", "aws_lb_listener_rule",
                             "aws_elasticache_subnet_group", "aws_elasticache_parameter_group",
                             "aws_elasticache_cluster", "aws_elasticache_replication_group", "aws_dynamodb_table",
                             "aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
                             "aws_s3_bucket_website_configuration", "aws_s3_bucket_versioning",
                             "aws_s3_bucket_server_side_encryption_configuration",
                             "aws_s3_bucket_ownership_controls", "aws_cloudfront_distribution",
                             "aws_cloudfront_origin_access_identity", "aws_cloudfront_origin_access_control",
                             "aws_ecr_repository", "aws_ecr_lifecycle_policy", "aws_iam_role",
                             "aws_iam_role_policy", "aws_iam_policy", "aws_iam_role_policy_attachment",
                             "aws_iam_instance_profile", "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm",
                             "aws_cloudwatch_dashboard", "aws_sns_topic", "aws_sns_topic_subscription",
                             "random_id", "random_string", "random_password", "terraform_data"};
    for (size_t i = 0; i < sizeof managed / sizeof managed[0]; i++) {
        const stk_resource_type *t = stk_resource_type_lookup(STK_RESOURCE_MANAGED, managed[i]);
        CHECK(t != NULL);
        if (!t) fprintf(stderr, "  missing %s\n", managed[i]);
        if (t) CHECK_STR(t->name, managed[i]);
    }
    const char *data[] = {"aws_ami", "aws_availability_zones", "aws_caller_identity", "aws_region",
                          "aws_iam_policy_document", "aws_vpc", "aws_subnets", "aws_partition",
                          "aws_cloudfront_cache_policy"};
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
        CHECK(stk_resource_type_lookup(STK_RESOURCE_DATA, data[i]) != NULL);
    CHECK(stk_resource_type_lookup(STK_RESOURCE_MANAGED, "aws_ami") == NULL);
    CHECK(stk_resource_type_lookup(STK_RESOURCE_DATA, "aws_subnet") == NULL);
    CHECK(stk_resource_type_lookup(STK_RESOURCE_MANAGED, "aws_foo") == NULL);
    size_t n = 0;
    const stk_resource_type *const *all = stk_resource_types_all(&n);
    CHECK(n >= 60);
    for (size_t i = 1; i < n; i++)   /* sorted: binary search depends on it */
        CHECK(all[i - 1]->kind < all[i]->kind ||
              (all[i - 1]->kind == all[i]->kind && strcmp(all[i - 1]->name, all[i]->name) < 0));
    CHECK_STR(stk_provider_source("aws"), "hashicorp/aws");
    CHECK(stk_provider_source("google") == NULL);
}

static void test_schema_types(void)
{
    struct { const char *in, *want; } ok[] = {
        {"string", "string"},
        {" number ", "number"},
        {"any", "any"},
        {"list(string)", "list(string)"},
        {"set( map(number) )", "set(map(number))"},
        {"object({port=number, cidr = string})", NULL},
        {"tuple([string, bool])", NULL},
        {"list(object({a=list(string)}))", NULL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        stk_type *t = stk_schema_parse_type(ok[i].in);
        CHECK(t != NULL);
        if (t && ok[i].want) {
            char *s = stk_type_to_string(t);
            CHECK_STR(s, ok[i].want);
            free(s);
        }
        if (t) stk_type_unref(t);
    }
    stk_type *o = stk_schema_parse_type("object({port=number, cidr = string})");
    CHECK(o && o->kind == STK_TY_OBJECT && o->n == 2);
    if (o) {
        CHECK(stk_type_attr(o, "port") == STK_NUMBER);
        CHECK(stk_type_attr(o, "cidr") == STK_STRING);
        stk_type_unref(o);
    }
    const char *bad[] = {"", "strng", "list(", "list(string", "map()", "object({a})", "tuple([string,])x",
                         "string string", "list(string))"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        stk_type *t = stk_schema_parse_type(bad[i]);
        CHECK(t == NULL);
        if (t) { fprintf(stderr, "  accepted \"%s\"\n", bad[i]); stk_type_unref(t); }
    }
    /* a schema's object type: attributes plus nested blocks by nesting mode */
    static const stk_schema_attr inner_attrs[] = {{"port", "number", STK_ATTR_REQUIRED, NULL, NULL}};
    static const stk_schema inner = {inner_attrs, 1, NULL, 0};
    static const stk_schema_attr attrs[] = {{"name", "string", STK_ATTR_OPTIONAL, NULL, NULL},
                                            {"tags", "map(string)", STK_ATTR_OPTIONAL, NULL, NULL}};
    static const stk_schema_block blocks[] = {{"ingress", STK_NESTING_SET, 0, 0, &inner, 0},
                                              {"route", STK_NESTING_LIST, 0, 0, &inner, 0},
                                              {"root_block_device", STK_NESTING_SINGLE, 0, 1, &inner, 0}};
    static const stk_schema sch = {attrs, 2, blocks, 3};
    stk_type *t = stk_schema_type(&sch);
    char *ts = stk_type_to_string(t);
    CHECK(strstr(ts, "ingress=set(object({port=number}))") != NULL);
    CHECK(strstr(ts, "route=list(object({port=number}))") != NULL);
    CHECK(strstr(ts, "root_block_device=object({port=number})") != NULL);
    CHECK(strstr(ts, "tags=map(string)") != NULL);
    if (!strstr(ts, "ingress=set(")) fprintf(stderr, "  schema type: %s\n", ts);
    free(ts);
    stk_type_unref(t);
    /* every registered schema's type strings parse */
    size_t n = 0;
    const stk_resource_type *const *all = stk_resource_types_all(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; all[i]->schema && j < all[i]->schema->nattrs; j++) {
            stk_type *at = stk_schema_parse_type(all[i]->schema->attrs[j].type);
            CHECK(at != NULL);
            if (at) stk_type_unref(at);
        }
}

int main(void)
{
    STK_RUN(test_add_find);
    STK_RUN(test_toposort_chain);
    STK_RUN(test_toposort_stable);
    STK_RUN(test_cycle_report);
    STK_RUN(test_self_cycle_and_two_cycles);
    STK_RUN(test_long_chain);
    STK_RUN(test_dot);
    STK_RUN(test_strmap);
    STK_RUN(test_paths);
    STK_RUN(test_fs_os);
    STK_RUN(test_registry);
    STK_RUN(test_schema_types);
    return stk_test_report();
}
