/* aws_compute_test.c - the compute and load-balancing resource types' CRUD functions called
 * directly against moto (tests/e2e/aws_compute.sh starts it and sets
 * AWS_ENDPOINT_URL), each object checked with /usr/bin/aws (--endpoint-url):
 * create -> read -> update tags -> read -> import -> delete -> read gives
 * NULL.  Without AWS_ENDPOINT_URL every case is skipped. */
#include "test.h"
#include <stdlib.h>
#include <stdarg.h>
#include "aws/common.h"
#include "aws/aws_types.h"

#include "aws_crud.h"

/* tag value from an awscli Tags list */
static const char *tag(json_t *obj, const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(obj, "Tags"), i, e)
        if (!strcmp(stk_aws_jstr(e, "Key"), key)) return stk_aws_jstr(e, "Value");
    return NULL;
}


/* both states as JSON on stderr, to see what a failed comparison differs in */
static void show_diff(stk_value *x, stk_value *y)
{
    json_t *jx = stk_aws_value_to_json(x), *jy = stk_aws_value_to_json(y);
    char *a = json_dumps(jx, JSON_SORT_KEYS), *b = json_dumps(jy, JSON_SORT_KEYS);
    fprintf(stderr, "after update: %s\nread:         %s\n", a, b);
    free(a);
    free(b);
    json_decref(jx);
    json_decref(jy);
}

static int exists_cmd(const char *fmt, const char *arg)
{
    json_t *j = awscli(fmt, arg);
    int ok = j != NULL;
    json_decref(j);
    return ok;
}

static char vpc_id[64], subnet_a[64], subnet_b[64], sg_id[64], ami_id[64];

/* The network the tests need, made with the AWS CLI (the networking types
   are tested elsewhere). */
static void test_setup(void)
{
    json_t *j = awscli("ec2 create-vpc --cidr-block 10.9.0.0/16");
    CHECK(j != NULL);
    if (!j) return;
    snprintf(vpc_id, sizeof vpc_id, "%s", stk_aws_jstr(json_object_get(j, "Vpc"), "VpcId"));
    json_decref(j);
    j = awscli("ec2 create-subnet --vpc-id %s --cidr-block 10.9.1.0/24 --availability-zone eu-north-1a", vpc_id);
    snprintf(subnet_a, sizeof subnet_a, "%s", stk_aws_jstr(json_object_get(j, "Subnet"), "SubnetId"));
    json_decref(j);
    j = awscli("ec2 create-subnet --vpc-id %s --cidr-block 10.9.2.0/24 --availability-zone eu-north-1b", vpc_id);
    snprintf(subnet_b, sizeof subnet_b, "%s", stk_aws_jstr(json_object_get(j, "Subnet"), "SubnetId"));
    json_decref(j);
    j = awscli("ec2 create-security-group --group-name compute-test --description t --vpc-id %s", vpc_id);
    snprintf(sg_id, sizeof sg_id, "%s", stk_aws_jstr(j, "GroupId"));
    json_decref(j);
    j = awscli("ec2 describe-images --owners amazon --filters Name=root-device-type,Values=ebs");
    json_t *img = json_array_get(json_object_get(j, "Images"), 0);
    snprintf(ami_id, sizeof ami_id, "%s", stk_aws_jstr(img, "ImageId") ? stk_aws_jstr(img, "ImageId") : "");
    json_decref(j);
    CHECK(subnet_a[0] && subnet_b[0] && sg_id[0] && ami_id[0]);
}

static char tg_arn[256], lb_arn[256];

static void test_lb(void)
{
    const stk_resource_type *t = &stk_aws_lb_type;
    stk_value *pl = V(t, "{\"name\":\"ct-alb\",\"internal\":false,\"load_balancer_type\":\"application\","
                         "\"security_groups\":[\"%s\"],\"subnets\":[\"%s\",\"%s\"],\"enable_deletion_protection\":false,"
                         "\"idle_timeout\":60,\"drop_invalid_header_fields\":false,\"enable_http2\":true,"
                         "\"desync_mitigation_mode\":\"defensive\",\"tags\":{\"Name\":\"ct-alb\"}}",
                      sg_id, subnet_a, subnet_b);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL, *imp = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    CHECK(st != NULL);
    if (!st) goto out;
    snprintf(lb_arn, sizeof lb_arn, "%s", S(st, "arn"));
    CHECK(strncmp(S(st, "arn_suffix"), "app/ct-alb/", 11) == 0);
    CHECK(S(st, "dns_name") && strstr(S(st, "dns_name"), "ct-alb") != NULL);
    CHECK_STR(S(st, "vpc_id"), vpc_id);
    CHECK(S(st, "zone_id") != NULL);
    CHECK_INT(stk_aws_get_count(st, "subnets"), 2);
    CHECK_STR(S(stk_aws_get(st, "tags_all"), "Env"), "e2e");
    CHECK_INT(stk_aws_get_bool(st, "internal", 1), 0);
    json_t *j = awscli("elbv2 describe-load-balancers --names ct-alb");
    CHECK_STR(stk_aws_jstr(json_array_get(json_object_get(j, "LoadBalancers"), 0), "Scheme"), "internet-facing");
    json_decref(j);
    /* update: idle timeout and a tag */
    stk_value *pl2 = V(t, "{\"name\":\"ct-alb\",\"internal\":false,\"load_balancer_type\":\"application\","
                          "\"security_groups\":[\"%s\"],\"subnets\":[\"%s\",\"%s\"],\"enable_deletion_protection\":false,"
                          "\"idle_timeout\":120,\"drop_invalid_header_fields\":true,\"enable_http2\":true,"
                          "\"desync_mitigation_mode\":\"defensive\",\"tags\":{\"Name\":\"ct-alb\",\"Tier\":\"web\"}}",
                       sg_id, subnet_a, subnet_b);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    CHECK_INT(stk_aws_get_int(st2, "idle_timeout", 0), 120);
    CHECK_INT(stk_aws_get_bool(st2, "drop_invalid_header_fields", 0), 1);
    j = awscli("elbv2 describe-load-balancer-attributes --load-balancer-arn %s", lb_arn);
    int seen = 0;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(j, "Attributes"), i, a)
        if (!strcmp(stk_aws_jstr(a, "Key"), "idle_timeout.timeout_seconds")) seen = !strcmp(stk_aws_jstr(a, "Value"), "120");
    CHECK(seen);
    json_decref(j);
    j = awscli("elbv2 describe-tags --resource-arns %s", lb_arn);
    CHECK_STR(tag(json_array_get(json_object_get(j, "TagDescriptions"), 0), "Tier"), "web");
    json_decref(j);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));
    CHECK_INT(import(t, lb_arn, &imp), 0);
    CHECK_STR(S(imp, "name"), "ct-alb");
    stk_value_unref(pl2);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
    stk_value_unref(imp);
}

static void test_target_group(void)
{
    const stk_resource_type *t = &stk_aws_lb_target_group_type;
    stk_value *pl = V(t, "{\"name\":\"ct-tg\",\"port\":8080,\"protocol\":\"HTTP\",\"vpc_id\":\"%s\",\"target_type\":\"instance\","
                         "\"deregistration_delay\":\"300\",\"slow_start\":0,"
                         "\"health_check\":[{\"enabled\":true,\"path\":\"/health\",\"port\":\"traffic-port\",\"protocol\":\"HTTP\","
                         "\"healthy_threshold\":2,\"unhealthy_threshold\":3,\"interval\":30,\"timeout\":5,\"matcher\":\"200\"}]}",
                      vpc_id);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    snprintf(tg_arn, sizeof tg_arn, "%s", S(st, "arn"));
    CHECK(strncmp(S(st, "arn_suffix"), "targetgroup/ct-tg/", 18) == 0);
    stk_value *hc = stk_aws_get_elem(st, "health_check", 0);
    CHECK_STR(S(hc, "path"), "/health");
    CHECK_STR(S(hc, "matcher"), "200");
    CHECK_INT(stk_aws_get_int(hc, "healthy_threshold", 0), 2);
    CHECK_STR(S(st, "deregistration_delay"), "300");
    CHECK_STR(S(st, "protocol_version"), "HTTP1");
    json_t *j = awscli("elbv2 describe-target-groups --names ct-tg");
    json_t *g = json_array_get(json_object_get(j, "TargetGroups"), 0);
    CHECK_STR(stk_aws_jstr(g, "HealthCheckPath"), "/health");
    CHECK_INT(json_integer_value(json_object_get(g, "Port")), 8080);
    json_decref(j);
    stk_value *pl2 = V(t, "{\"name\":\"ct-tg\",\"port\":8080,\"protocol\":\"HTTP\",\"vpc_id\":\"%s\",\"target_type\":\"instance\","
                          "\"deregistration_delay\":\"30\",\"slow_start\":0,\"tags\":{\"A\":\"b\"},"
                          "\"health_check\":[{\"enabled\":true,\"path\":\"/ready\",\"port\":\"traffic-port\",\"protocol\":\"HTTP\","
                          "\"healthy_threshold\":2,\"unhealthy_threshold\":3,\"interval\":15,\"timeout\":5,\"matcher\":\"200-299\"}]}",
                       vpc_id);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    CHECK_STR(S(st2, "deregistration_delay"), "30");
    CHECK_STR(S(stk_aws_get_elem(st2, "health_check", 0), "path"), "/ready");
    CHECK_INT(stk_aws_get_int(stk_aws_get_elem(st2, "health_check", 0), "interval", 0), 15);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));
    stk_value_unref(pl2);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
}

static void test_listener_and_rule(void)
{
    const stk_resource_type *t = &stk_aws_lb_listener_type;
    stk_value *pl = V(t, "{\"load_balancer_arn\":\"%s\",\"port\":80,\"protocol\":\"HTTP\","
                         "\"default_action\":[{\"type\":\"forward\",\"target_group_arn\":\"%s\"}]}", lb_arn, tg_arn);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL, *rs = NULL, *rs2 = NULL, *rs3 = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    stk_value *da = stk_aws_get_elem(st, "default_action", 0);
    CHECK_STR(S(da, "type"), "forward");
    CHECK_STR(S(da, "target_group_arn"), tg_arn);
    CHECK_INT(stk_aws_get_count(da, "forward"), 0);
    CHECK_INT(readv(t, st, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st, st3));
    stk_value_unref(st3);
    st3 = NULL;
    /* to a fixed response */
    stk_value *pl2 = V(t, "{\"load_balancer_arn\":\"%s\",\"port\":80,\"protocol\":\"HTTP\","
                          "\"default_action\":[{\"type\":\"fixed-response\",\"fixed_response\":[{\"content_type\":"
                          "\"text/plain\",\"message_body\":\"down\",\"status_code\":\"503\"}]}]}", lb_arn);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    stk_value *fr = stk_aws_get_elem(stk_aws_get_elem(st2, "default_action", 0), "fixed_response", 0);
    CHECK_STR(S(fr, "status_code"), "503");
    CHECK_STR(S(fr, "message_body"), "down");
    json_t *j = awscli("elbv2 describe-listeners --load-balancer-arn %s", lb_arn);
    json_t *l = json_array_get(json_object_get(j, "Listeners"), 0);
    CHECK_STR(stk_aws_jstr(json_array_get(json_object_get(l, "DefaultActions"), 0), "Type"), "fixed-response");
    json_decref(j);

    /* a rule forwarding the api paths to the target group */
    const stk_resource_type *rt = &stk_aws_lb_listener_rule_type;
    stk_value *rp = V(rt, "{\"listener_arn\":\"%s\",\"priority\":10,\"action\":[{\"type\":\"forward\",\"target_group_arn\":\"%s\"}],"
                          "\"condition\":[{\"path_pattern\":[{\"values\":[\"/api/*\"]}]}]}", S(st2, "arn"), tg_arn);
    CHECK_INT(create(rt, rp, &rs), 0);
    if (rs) {
        CHECK_INT(stk_aws_get_int(rs, "priority", 0), 10);
        CHECK_STR(S(rs, "listener_arn"), S(st2, "arn"));
        stk_value *c = stk_aws_get_elem(rs, "condition", 0);
        CHECK_INT(stk_aws_get_count(stk_aws_get_elem(c, "path_pattern", 0), "values"), 1);
        stk_value *rp2 = V(rt, "{\"listener_arn\":\"%s\",\"priority\":20,\"action\":[{\"type\":\"redirect\",\"redirect\":[{"
                               "\"port\":\"443\",\"protocol\":\"HTTPS\",\"status_code\":\"HTTP_301\"}]}],"
                               "\"condition\":[{\"host_header\":[{\"values\":[\"example.com\"]}]}]}", S(st2, "arn"));
        CHECK_INT(update(rt, rs, rp2, &rs2), 0);
        CHECK_INT(stk_aws_get_int(rs2, "priority", 0), 20);
        stk_value *r = stk_aws_get_elem(stk_aws_get_elem(rs2, "action", 0), "redirect", 0);
        CHECK_STR(S(r, "protocol"), "HTTPS");
        CHECK_STR(S(r, "host"), "#{host}");
        CHECK_INT(readv(rt, rs2, &rs3), 0);
        CHECK(rs3 && stk_value_raw_equal(rs2, rs3));
        CHECK_INT(del(rt, rs2), 0);
        stk_value_unref(rs3);
        rs3 = NULL;
        CHECK_INT(readv(rt, rs2, &rs3), 0);
        CHECK(rs3 == NULL);
        stk_value_unref(rp2);
    }
    stk_value_unref(rp);
    CHECK_INT(del(t, st2), 0);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 == NULL);
    stk_value_unref(pl2);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
    stk_value_unref(rs);
    stk_value_unref(rs2);
    stk_value_unref(rs3);
}

static void test_lb_teardown(void)
{
    stk_value *st = V(&stk_aws_lb_target_group_type, "{\"id\":\"%s\"}", tg_arn), *after = NULL;
    CHECK_INT(del(&stk_aws_lb_target_group_type, st), 0);
    CHECK_INT(readv(&stk_aws_lb_target_group_type, st, &after), 0);
    CHECK(after == NULL);
    stk_value_unref(st);
    st = V(&stk_aws_lb_type, "{\"id\":\"%s\"}", lb_arn);
    CHECK_INT(del(&stk_aws_lb_type, st), 0);
    CHECK_INT(readv(&stk_aws_lb_type, st, &after), 0);
    CHECK(after == NULL);
    CHECK(!exists_cmd("elbv2 describe-load-balancers --names %s", "ct-alb"));
    stk_value_unref(st);
}

static void test_key_pair(void)
{
    const stk_resource_type *t = &stk_aws_key_pair_type;
    const char *pub = getenv("STK_TEST_PUBKEY");   /* made by aws_compute.sh with ssh-keygen */
    if (!pub) {
        stk_test_skip("test_key_pair", "STK_TEST_PUBKEY not set");
        return;
    }
    stk_value *pl = V(t, "{\"key_name_prefix\":\"ct-\",\"public_key\":\"%s\",\"tags\":{\"Name\":\"k\"}}", pub);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    CHECK(strncmp(S(st, "key_name"), "ct-", 3) == 0 && strlen(S(st, "key_name")) == 29);
    CHECK(S(st, "fingerprint") && S(st, "key_pair_id"));
    CHECK(exists_cmd("ec2 describe-key-pairs --key-names %s", S(st, "key_name")));
    CHECK_INT(readv(t, st, &st2), 0);
    CHECK(st2 && stk_value_raw_equal(st, st2));
    CHECK_INT(del(t, st), 0);
    CHECK_INT(readv(t, st, &st3), 0);
    CHECK(st3 == NULL);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
}

static void test_instance(void)
{
    const stk_resource_type *t = &stk_aws_instance_type;
    stk_value *pl = V(t, "{\"ami\":\"%s\",\"instance_type\":\"t3.small\",\"subnet_id\":\"%s\",\"vpc_security_group_ids\":[\"%s\"],"
                         "\"user_data\":\"#!/bin/bash\\necho hi\\n\",\"monitoring\":true,\"source_dest_check\":true,"
                         "\"root_block_device\":[{\"volume_size\":30,\"volume_type\":\"gp3\",\"encrypted\":true,"
                         "\"delete_on_termination\":true}],\"tags\":{\"Name\":\"ct-mongo\"}}",
                      ami_id, subnet_a, sg_id);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL, *imp = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    CHECK(S(st, "private_ip") && strncmp(S(st, "private_ip"), "10.9.1.", 7) == 0);
    CHECK_STR(S(st, "instance_state"), "running");
    CHECK_STR(S(st, "user_data"), "e3cf5b39bc793e8151d1893fb3992ebdad89c0d2");
    CHECK(stk_aws_get_bool(st, "monitoring", 0));
    stk_value *rb = stk_aws_get_elem(st, "root_block_device", 0);
    CHECK_INT(stk_aws_get_int(rb, "volume_size", 0), 30);
    CHECK_STR(S(rb, "volume_type"), "gp3");
    CHECK(stk_aws_get_bool(rb, "encrypted", 0));
    CHECK(S(rb, "volume_id") != NULL);
    CHECK(strstr(S(st, "arn"), ":instance/") != NULL);
    json_t *j = awscli("ec2 describe-instances --instance-ids %s", S(st, "id"));
    json_t *in = json_array_get(json_object_get(json_array_get(json_object_get(j, "Reservations"), 0), "Instances"), 0);
    CHECK_STR(stk_aws_jstr(in, "InstanceType"), "t3.small");
    CHECK_STR(tag(in, "Env"), "e2e");
    json_decref(j);
    /* the normaliser: configuration text and state hash compare equal */
    const stk_schema_attr *ua = stk_schema_find_attr(t->schema, "user_data");
    stk_value *cfg = stk_value_string("#!/bin/bash\necho hi\n"), *n1 = ua->normalize(cfg), *n2 = ua->normalize(stk_aws_get(st, "user_data"));
    CHECK(stk_value_raw_equal(n1, n2));
    stk_value_unref(cfg);
    stk_value_unref(n1);
    stk_value_unref(n2);
    /* update: instance type (stop/start) and a tag */
    stk_value *pl2 = V(t, "{\"ami\":\"%s\",\"instance_type\":\"t3.medium\",\"subnet_id\":\"%s\",\"vpc_security_group_ids\":[\"%s\"],"
                          "\"user_data\":\"#!/bin/bash\\necho hi\\n\",\"monitoring\":true,\"source_dest_check\":true,"
                          "\"root_block_device\":[{\"volume_size\":30,\"volume_type\":\"gp3\",\"encrypted\":true,"
                          "\"delete_on_termination\":true}],\"tags\":{\"Name\":\"ct-mongo\",\"Role\":\"db\"}}",
                       ami_id, subnet_a, sg_id);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    CHECK_STR(S(st2, "instance_type"), "t3.medium");
    CHECK_STR(S(stk_aws_get(st2, "tags"), "Role"), "db");
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));
    if (st3 && !stk_value_raw_equal(st2, st3)) show_diff(st2, st3);
    CHECK_INT(import(t, S(st, "id"), &imp), 0);
    CHECK_STR(S(imp, "user_data"), "e3cf5b39bc793e8151d1893fb3992ebdad89c0d2");
    CHECK_INT(del(t, st2), 0);
    stk_value_unref(st3);
    st3 = NULL;
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 == NULL);
    stk_value_unref(pl2);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
    stk_value_unref(imp);
}

/* iam_instance_profile and monitoring changed in place: associate, replace
   and remove the profile association; Monitor/UnmonitorInstances */
static void test_instance_profile_monitoring(void)
{
    const stk_resource_type *t = &stk_aws_instance_type;
    json_t *j = awscli("iam create-instance-profile --instance-profile-name ct-prof-a");
    CHECK(j != NULL);
    json_decref(j);
    j = awscli("iam create-instance-profile --instance-profile-name ct-prof-b");
    CHECK(j != NULL);
    json_decref(j);
    const char *fmt = "{\"ami\":\"%s\",\"instance_type\":\"t3.micro\",\"subnet_id\":\"%s\",\"monitoring\":%s%s}";
    stk_value *pl[4] = {V(t, fmt, ami_id, subnet_b, "false", ""),
                        V(t, fmt, ami_id, subnet_b, "true", ",\"iam_instance_profile\":\"ct-prof-a\""),
                        V(t, fmt, ami_id, subnet_b, "true", ",\"iam_instance_profile\":\"ct-prof-b\""),
                        V(t, fmt, ami_id, subnet_b, "false", ",\"iam_instance_profile\":\"\"")};
    const char *want_profile[4] = {"", "ct-prof-a", "ct-prof-b", ""};
    stk_value *st = NULL;
    CHECK_INT(create(t, pl[0], &st), 0);
    if (!st) goto out;
    char id[64];
    snprintf(id, sizeof id, "%s", S(st, "id"));
    CHECK(!stk_aws_get_bool(st, "monitoring", 1));
    CHECK_STR(S(st, "iam_instance_profile"), "");
    for (int i = 1; i < 4 && st; i++) {
        stk_value *st2 = NULL, *st3 = NULL;
        CHECK_INT(update(t, st, pl[i], &st2), 0);
        if (!st2) break;
        CHECK_STR(S(st2, "id"), id);
        CHECK_INT(stk_aws_get_bool(st2, "monitoring", -1), i < 3);
        CHECK_STR(S(st2, "iam_instance_profile"), want_profile[i]);
        j = awscli("ec2 describe-instances --instance-ids %s", id);
        json_t *in = json_array_get(json_object_get(json_array_get(json_object_get(j, "Reservations"), 0), "Instances"), 0);
        CHECK_STR(stk_aws_jstr(json_object_get(in, "Monitoring"), "State"), i < 3 ? "enabled" : "disabled");
        const char *arn = stk_aws_jstr(json_object_get(in, "IamInstanceProfile"), "Arn");
        if (*want_profile[i]) CHECK(arn && strstr(arn, want_profile[i]) != NULL);
        else CHECK(arn == NULL);
        json_decref(j);
        j = awscli("ec2 describe-iam-instance-profile-associations --filters Name=instance-id,Values=%s", id);
        CHECK_INT((int)json_array_size(json_object_get(j, "IamInstanceProfileAssociations")), *want_profile[i] ? 1 : 0);
        json_decref(j);
        CHECK_INT(readv(t, st2, &st3), 0);
        CHECK(st3 && stk_value_raw_equal(st2, st3));
        if (st3 && !stk_value_raw_equal(st2, st3)) show_diff(st2, st3);
        stk_value_unref(st3);
        stk_value_unref(st);
        st = st2;
    }
    CHECK_INT(del(t, st), 0);
out:
    for (int i = 0; i < 4; i++) stk_value_unref(pl[i]);
    stk_value_unref(st);
    json_decref(awscli("iam delete-instance-profile --instance-profile-name ct-prof-a"));
    json_decref(awscli("iam delete-instance-profile --instance-profile-name ct-prof-b"));
}

static char lt_id[64];

static void test_launch_template(void)
{
    const stk_resource_type *t = &stk_aws_launch_template_type;
    /* "#!/bin/bash\necho app\n" in base64 */
    stk_value *pl = V(t, "{\"name_prefix\":\"ct-app-\",\"image_id\":\"%s\",\"instance_type\":\"t3.micro\","
                         "\"vpc_security_group_ids\":[\"%s\"],\"user_data\":\"IyEvYmluL2Jhc2gKZWNobyBhcHAK\","
                         "\"iam_instance_profile\":[{\"name\":\"ct-profile\"}],"
                         "\"block_device_mappings\":[{\"device_name\":\"/dev/xvda\",\"ebs\":[{\"volume_size\":20,"
                         "\"volume_type\":\"gp3\",\"encrypted\":\"true\"}]}],"
                         "\"tag_specifications\":[{\"resource_type\":\"instance\",\"tags\":{\"Name\":\"ct-app\",\"Role\":\"app\"}}]}",
                      ami_id, sg_id);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL, *imp = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    snprintf(lt_id, sizeof lt_id, "%s", S(st, "id"));
    CHECK(strncmp(S(st, "name"), "ct-app-", 7) == 0 && strlen(S(st, "name")) == 33);
    CHECK_INT(stk_aws_get_int(st, "latest_version", 0), 1);
    CHECK_INT(stk_aws_get_int(st, "default_version", 0), 1);
    CHECK_STR(S(st, "user_data"), "IyEvYmluL2Jhc2gKZWNobyBhcHAK");
    stk_value *ebs = stk_aws_get_elem(stk_aws_get_elem(st, "block_device_mappings", 0), "ebs", 0);
    CHECK_STR(S(ebs, "encrypted"), "true");
    CHECK_INT(stk_aws_get_int(ebs, "volume_size", 0), 20);
    CHECK_STR(S(stk_aws_get_elem(st, "iam_instance_profile", 0), "name"), "ct-profile");
    CHECK_STR(S(stk_aws_get(stk_aws_get_elem(st, "tag_specifications", 0), "tags"), "Role"), "app");
    CHECK_STR(S(stk_aws_get(st, "tags_all"), "Env"), "e2e");
    json_t *j = awscli("ec2 describe-launch-template-versions --launch-template-id %s", lt_id);
    json_t *data = json_object_get(json_array_get(json_object_get(j, "LaunchTemplateVersions"), 0), "LaunchTemplateData");
    CHECK_STR(stk_aws_jstr(data, "InstanceType"), "t3.micro");
    json_decref(j);
    CHECK_INT(readv(t, st, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st, st3));
    stk_value_unref(st3);
    st3 = NULL;
    /* a change makes version 2, the default with update_default_version */
    stk_value *pl2 = V(t, "{\"name_prefix\":\"ct-app-\",\"name\":\"%s\",\"image_id\":\"%s\",\"instance_type\":\"t3.small\","
                          "\"vpc_security_group_ids\":[\"%s\"],\"user_data\":\"IyEvYmluL2Jhc2gKZWNobyBhcHAK\","
                          "\"update_default_version\":true,\"iam_instance_profile\":[{\"name\":\"ct-profile\"}],"
                          "\"block_device_mappings\":[{\"device_name\":\"/dev/xvda\",\"ebs\":[{\"volume_size\":20,"
                          "\"volume_type\":\"gp3\",\"encrypted\":\"true\"}]}],"
                          "\"tag_specifications\":[{\"resource_type\":\"instance\",\"tags\":{\"Name\":\"ct-app\",\"Role\":\"app\"}}]}",
                       S(st, "name"), ami_id, sg_id);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    CHECK_INT(stk_aws_get_int(st2, "latest_version", 0), 2);
    CHECK_INT(stk_aws_get_int(st2, "default_version", 0), 2);
    CHECK_STR(S(st2, "instance_type"), "t3.small");
    j = awscli("ec2 describe-launch-templates --launch-template-ids %s", lt_id);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "LaunchTemplates"), 0), "DefaultVersionNumber")), 2);
    json_decref(j);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));
    CHECK_INT(import(t, lt_id, &imp), 0);
    CHECK_STR(S(imp, "instance_type"), "t3.small");
    stk_value_unref(pl2);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
    stk_value_unref(imp);
}

static void test_asg_and_policy(void)
{
    const stk_resource_type *t = &stk_aws_autoscaling_group_type;
    stk_value *pl = V(t, "{\"name\":\"ct-asg\",\"min_size\":2,\"max_size\":4,\"desired_capacity\":2,"
                         "\"vpc_zone_identifier\":[\"%s\",\"%s\"],\"health_check_type\":\"EC2\",\"health_check_grace_period\":300,"
                         "\"launch_template\":[{\"id\":\"%s\",\"version\":\"$Latest\"}],\"wait_for_capacity_timeout\":\"10m\","
                         "\"force_delete\":false,\"protect_from_scale_in\":false,"
                         "\"instance_refresh\":[{\"strategy\":\"Rolling\",\"preferences\":[{\"min_healthy_percentage\":50}]}],"
                         "\"tag\":[{\"key\":\"Name\",\"value\":\"ct-app\",\"propagate_at_launch\":true},"
                         "{\"key\":\"Role\",\"value\":\"app\",\"propagate_at_launch\":true}]}",
                      subnet_a, subnet_b, lt_id);
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL, *ps = NULL, *ps2 = NULL, *ps3 = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    CHECK_STR(S(st, "id"), "ct-asg");
    CHECK(S(st, "arn") && strstr(S(st, "arn"), "autoScalingGroupName/ct-asg"));
    CHECK_INT(stk_aws_get_count(st, "vpc_zone_identifier"), 2);
    CHECK_STR(S(stk_aws_get_elem(st, "launch_template", 0), "version"), "$Latest");
    CHECK_INT(stk_aws_get_count(st, "tag"), 2);
    json_t *j = awscli("autoscaling describe-auto-scaling-groups --auto-scaling-group-names ct-asg");
    json_t *g = json_array_get(json_object_get(j, "AutoScalingGroups"), 0);
    CHECK_INT(json_array_size(json_object_get(g, "Instances")), 2);
    json_decref(j);
    CHECK_INT(readv(t, st, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st, st3));
    stk_value_unref(st3);
    st3 = NULL;
    /* update: capacity, a tag removed, the template version pinned (starts an instance refresh) */
    stk_value *pl2 = V(t, "{\"name\":\"ct-asg\",\"min_size\":1,\"max_size\":3,\"desired_capacity\":3,"
                          "\"vpc_zone_identifier\":[\"%s\",\"%s\"],\"health_check_type\":\"EC2\",\"health_check_grace_period\":120,"
                          "\"launch_template\":[{\"id\":\"%s\",\"version\":\"2\"}],\"wait_for_capacity_timeout\":\"10m\","
                          "\"force_delete\":false,\"protect_from_scale_in\":false,"
                          "\"instance_refresh\":[{\"strategy\":\"Rolling\",\"preferences\":[{\"min_healthy_percentage\":50}]}],"
                          "\"tag\":[{\"key\":\"Name\",\"value\":\"ct-app2\",\"propagate_at_launch\":true}]}",
                       subnet_a, subnet_b, lt_id);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    CHECK_INT(stk_aws_get_int(st2, "desired_capacity", 0), 3);
    CHECK_INT(stk_aws_get_int(st2, "health_check_grace_period", 0), 120);
    CHECK_INT(stk_aws_get_count(st2, "tag"), 1);
    CHECK_STR(S(stk_aws_get_elem(st2, "launch_template", 0), "version"), "2");
    j = awscli("autoscaling describe-instance-refreshes --auto-scaling-group-name ct-asg");
    CHECK_INT(json_array_size(json_object_get(j, "InstanceRefreshes")), 1);
    json_decref(j);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));
    if (st3 && !stk_value_raw_equal(st2, st3)) show_diff(st2, st3);

    /* policies */
    const stk_resource_type *pt = &stk_aws_autoscaling_policy_type;
    stk_value *pp = V(pt, "{\"name\":\"ct-cpu\",\"autoscaling_group_name\":\"ct-asg\",\"policy_type\":\"TargetTrackingScaling\","
                          "\"enabled\":true,\"target_tracking_configuration\":[{\"predefined_metric_specification\":[{"
                          "\"predefined_metric_type\":\"ASGAverageCPUUtilization\"}],\"target_value\":60,\"disable_scale_in\":false}]}");
    CHECK_INT(create(pt, pp, &ps), 0);
    if (ps) {
        CHECK(S(ps, "arn") != NULL);
        stk_value *tt = stk_aws_get_elem(ps, "target_tracking_configuration", 0);
        CHECK_INT(stk_aws_get_int(tt, "target_value", 0), 60);
        CHECK_INT(readv(pt, ps, &ps3), 0);
        CHECK(ps3 && stk_value_raw_equal(ps, ps3));
        stk_value_unref(ps3);
        ps3 = NULL;
        stk_value *pp2 = V(pt, "{\"name\":\"ct-cpu\",\"autoscaling_group_name\":\"ct-asg\",\"policy_type\":\"TargetTrackingScaling\","
                               "\"enabled\":true,\"target_tracking_configuration\":[{\"predefined_metric_specification\":[{"
                               "\"predefined_metric_type\":\"ASGAverageCPUUtilization\"}],\"target_value\":70.5,\"disable_scale_in\":true}]}");
        CHECK_INT(update(pt, ps, pp2, &ps2), 0);
        j = awscli("autoscaling describe-policies --auto-scaling-group-name ct-asg --policy-names ct-cpu");
        json_t *tt2 = json_object_get(json_array_get(json_object_get(j, "ScalingPolicies"), 0), "TargetTrackingConfiguration");
        CHECK(json_number_value(json_object_get(tt2, "TargetValue")) == 70.5);
        json_decref(j);
        CHECK_INT(import(pt, "ct-asg/ct-cpu", &ps3), 0);
        CHECK(ps3 && stk_aws_get_bool(stk_aws_get_elem(ps3, "target_tracking_configuration", 0), "disable_scale_in", 0));
        stk_value_unref(ps3);
        ps3 = NULL;
        CHECK_INT(del(pt, ps2), 0);
        CHECK_INT(readv(pt, ps2, &ps3), 0);
        CHECK(ps3 == NULL);
        stk_value_unref(pp2);
    }
    stk_value_unref(pp);
    /* simple scaling */
    stk_value *sp = V(pt, "{\"name\":\"ct-up\",\"autoscaling_group_name\":\"ct-asg\",\"policy_type\":\"SimpleScaling\","
                          "\"enabled\":true,\"adjustment_type\":\"ChangeInCapacity\",\"scaling_adjustment\":1,\"cooldown\":300}");
    stk_value *sps = NULL;
    CHECK_INT(create(pt, sp, &sps), 0);
    CHECK_INT(stk_aws_get_int(sps, "scaling_adjustment", 0), 1);
    CHECK_STR(S(sps, "adjustment_type"), "ChangeInCapacity");
    CHECK_INT(del(pt, sps), 0);
    stk_value_unref(sp);
    stk_value_unref(sps);

    CHECK_INT(del(t, st2), 0);
    stk_value_unref(st3);
    st3 = NULL;
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 == NULL);
    CHECK(!exists_cmd("autoscaling describe-auto-scaling-groups --auto-scaling-group-names %s --query AutoScalingGroups[0].AutoScalingGroupName --output text | grep ct-asg", "ct-asg"));
    stk_value_unref(pl2);
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
    stk_value_unref(st3);
    stk_value_unref(ps);
    stk_value_unref(ps2);
    stk_value_unref(ps3);
}

static void test_launch_template_delete(void)
{
    stk_value *st = V(&stk_aws_launch_template_type, "{\"id\":\"%s\"}", lt_id), *after = NULL;
    CHECK_INT(del(&stk_aws_launch_template_type, st), 0);
    CHECK_INT(readv(&stk_aws_launch_template_type, st, &after), 0);
    CHECK(after == NULL);
    stk_value_unref(st);
}

int main(void)
{
    if (!getenv("AWS_ENDPOINT_URL")) {
        stk_test_skip("aws_compute", "AWS_ENDPOINT_URL not set (run tests/e2e/aws_compute.sh)");
        return stk_test_report();
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_config cfg = {0};
    cfg.region = "eu-north-1";
    P = stk_aws_provider_new(&cfg, "{\"Env\":\"e2e\"}", &d);
    if (!P) {
        print_diags(&d);
        return 1;
    }
    STK_RUN(test_setup);
    STK_RUN(test_lb);
    STK_RUN(test_target_group);
    STK_RUN(test_listener_and_rule);
    STK_RUN(test_lb_teardown);
    STK_RUN(test_key_pair);
    STK_RUN(test_instance);
    STK_RUN(test_instance_profile_monitoring);
    STK_RUN(test_launch_template);
    STK_RUN(test_asg_and_policy);
    STK_RUN(test_launch_template_delete);
    stk_aws_provider_free(P);
    stk_diags_free(&d);
    return stk_test_report();
}
