/* aws_network_test.c - the networking resource types' CRUD functions called
 * directly against moto (tests/e2e/aws_network.sh starts it and sets
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

static char vpc_id[64];

static void test_vpc(void)
{
    const stk_resource_type *t = &stk_aws_vpc_type;
    stk_value *pl = V(t, "{\"cidr_block\":\"10.1.0.0/16\",\"enable_dns_hostnames\":true,\"enable_dns_support\":true,"
                         "\"instance_tenancy\":\"default\",\"tags\":{\"Name\":\"net-test\"}}");
    stk_value *st = NULL, *st2 = NULL, *st3 = NULL;
    CHECK_INT(create(t, pl, &st), 0);
    if (!st) goto out;
    const char *id = S(st, "id");
    CHECK(id && !strncmp(id, "vpc-", 4));
    snprintf(vpc_id, sizeof vpc_id, "%s", id ? id : "");
    CHECK(S(st, "arn") && strstr(S(st, "arn"), ":vpc/vpc-"));
    CHECK(S(st, "owner_id") != NULL);
    CHECK(S(st, "main_route_table_id") && !strncmp(S(st, "main_route_table_id"), "rtb-", 4));
    CHECK_STR(S(st, "default_route_table_id"), S(st, "main_route_table_id"));
    CHECK(S(st, "default_security_group_id") && !strncmp(S(st, "default_security_group_id"), "sg-", 3));
    CHECK_INT(stk_aws_get_bool(st, "enable_dns_hostnames", 0), 1);
    json_t *tg = stk_aws_get_json(st, "tags"), *wt = J("{\"Name\":\"net-test\"}");
    CHECK(json_equal(tg, wt));   /* default tags stay out of tags */
    json_decref(tg);
    json_decref(wt);
    json_t *ta = stk_aws_get_json(st, "tags_all"), *want = J("{\"Name\":\"net-test\",\"Env\":\"e2e\"}");
    CHECK(json_equal(ta, want));
    json_decref(ta);
    json_decref(want);
    json_t *o = awscli("ec2 describe-vpcs --vpc-ids %s", id);
    json_t *v = json_array_get(json_object_get(o, "Vpcs"), 0);
    CHECK_STR(stk_aws_jstr(v, "CidrBlock"), "10.1.0.0/16");
    CHECK_STR(tag(v, "Env"), "e2e");
    CHECK_STR(tag(v, "Name"), "net-test");
    json_decref(o);
    o = awscli("ec2 describe-vpc-attribute --vpc-id %s --attribute enableDnsHostnames", id);
    CHECK(json_is_true(json_object_get(json_object_get(o, "EnableDnsHostnames"), "Value")));
    json_decref(o);

    stk_value *pl2 = V(t, "{\"cidr_block\":\"10.1.0.0/16\",\"enable_dns_hostnames\":false,\"enable_dns_support\":true,"
                          "\"tags\":{\"Name\":\"net-test2\",\"Extra\":\"1\"}}");
    CHECK_INT(update(t, st, pl2, &st2), 0);
    stk_value_unref(pl2);
    o = awscli("ec2 describe-vpcs --vpc-ids %s", id);
    v = json_array_get(json_object_get(o, "Vpcs"), 0);
    CHECK_STR(tag(v, "Name"), "net-test2");
    CHECK_STR(tag(v, "Extra"), "1");
    CHECK_STR(tag(v, "Env"), "e2e");
    json_decref(o);
    o = awscli("ec2 describe-vpc-attribute --vpc-id %s --attribute enableDnsHostnames", id);
    CHECK(json_is_false(json_object_get(json_object_get(o, "EnableDnsHostnames"), "Value")));
    json_decref(o);
    CHECK_INT(readv(t, st2, &st3), 0);
    CHECK(st3 && stk_value_raw_equal(st2, st3));   /* a read right after update changes nothing */
    stk_value_unref(st3);
    st3 = NULL;
    CHECK_INT(import(t, id, &st3), 0);
    CHECK(st3 && !strcmp(S(st3, "cidr_block"), "10.1.0.0/16") && !strcmp(S(st3, "main_route_table_id"), S(st, "main_route_table_id")));
    stk_value_unref(st3);
    st3 = NULL;
out:
    stk_value_unref(pl);
    stk_value_unref(st);
    stk_value_unref(st2);
}

/* generic check: create, awscli sees it, tag update, read equal, import, delete, read NULL */
typedef int (*cli_check_fn)(const char *id, const char *name_tag);

static stk_value *lifecycle(const stk_resource_type *t, const char *create_json, const char *update_json,
                            cli_check_fn check, int keep)
{
    stk_value *pl = V(t, "%s", create_json), *st = NULL, *st2 = NULL, *st3 = NULL;
    CHECK(pl != NULL);
    if (!pl) return NULL;
    CHECK_INT(create(t, pl, &st), 0);
    stk_value_unref(pl);
    if (!st) return NULL;
    char *id = strdup(S(st, "id") ? S(st, "id") : "");
    CHECK(*id);
    json_t *ta = stk_aws_get_json(st, "tags_all");
    CHECK_STR(stk_aws_jstr(ta, "Env"), "e2e");   /* default tags merged */
    json_decref(ta);
    CHECK(check(id, "one"));
    stk_value *pl2 = V(t, "%s", update_json);
    CHECK_INT(update(t, st, pl2, &st2), 0);
    stk_value_unref(pl2);
    CHECK(check(id, "two"));
    if (st2) {
        CHECK_INT(readv(t, st2, &st3), 0);
        CHECK(st3 && stk_value_raw_equal(st2, st3));
        if (st3 && !stk_value_raw_equal(st2, st3)) {
            char *a = stk_value_to_hcl(st2), *b = stk_value_to_hcl(st3);
            fprintf(stderr, "after update:\n%s\nread:\n%s\n", a, b);
            free(a);
            free(b);
        }
        stk_value_unref(st3);
        st3 = NULL;
    }
    if (t->import) {
        CHECK_INT(import(t, id, &st3), 0);
        CHECK(st3 && !strcmp(S(st3, "id"), id));
        stk_value_unref(st3);
        st3 = NULL;
    }
    stk_value_unref(st);
    if (keep) {
        free(id);
        return st2;
    }
    CHECK_INT(del(t, st2), 0);
    stk_value *after = (stk_value *)1;
    CHECK_INT(readv(t, st2, &after), 0);
    CHECK(after == NULL);
    stk_value_unref(st2);
    free(id);
    return NULL;
}

static const char *name_of(json_t *o) { return tag(o, "Name"); }

static char net_vpc[64], net_subnet[64], net_eip[64];

static int check_subnet(const char *id, const char *name)
{
    json_t *o = awscli("ec2 describe-subnets --subnet-ids %s", id);
    json_t *s = json_array_get(json_object_get(o, "Subnets"), 0);
    int ok = s && !strcmp(stk_aws_jstr(s, "CidrBlock"), "10.2.1.0/24") && !strcmp(stk_aws_jstr(s, "AvailabilityZone"), "eu-north-1a") &&
             name_of(s) && !strcmp(name_of(s), name) && tag(s, "Env");
    if (ok && !strcmp(name, "two")) ok = json_is_true(json_object_get(s, "MapPublicIpOnLaunch"));
    json_decref(o);
    return ok;
}

static int check_igw(const char *id, const char *name)
{
    json_t *o = awscli("ec2 describe-internet-gateways --internet-gateway-ids %s", id);
    json_t *g = json_array_get(json_object_get(o, "InternetGateways"), 0);
    int ok = g && name_of(g) && !strcmp(name_of(g), name) &&
             !strcmp(stk_aws_jstr(json_array_get(json_object_get(g, "Attachments"), 0), "VpcId") ?: "", net_vpc);
    json_decref(o);
    return ok;
}

static int check_eip(const char *id, const char *name)
{
    json_t *o = awscli("ec2 describe-addresses --allocation-ids %s", id);
    json_t *a = json_array_get(json_object_get(o, "Addresses"), 0);
    int ok = a && name_of(a) && !strcmp(name_of(a), name) && stk_aws_jstr(a, "PublicIp");
    json_decref(o);
    return ok;
}

static int check_nat(const char *id, const char *name)
{
    json_t *o = awscli("ec2 describe-nat-gateways --nat-gateway-ids %s", id);
    json_t *g = json_array_get(json_object_get(o, "NatGateways"), 0);
    int ok = g && name_of(g) && !strcmp(name_of(g), name) && !strcmp(stk_aws_jstr(g, "SubnetId"), net_subnet) &&
             !strcmp(stk_aws_jstr(g, "State"), "available") &&
             !strcmp(stk_aws_jstr(json_array_get(json_object_get(g, "NatGatewayAddresses"), 0), "AllocationId") ?: "", net_eip);
    json_decref(o);
    return ok;
}

static stk_value *keep_vpc, *keep_subnet, *keep_igw, *keep_eip;

static void test_subnet_igw_eip_nat(void)
{
    stk_value *pl = V(&stk_aws_vpc_type, "{\"cidr_block\":\"10.2.0.0/16\"}");
    CHECK_INT(create(&stk_aws_vpc_type, pl, &keep_vpc), 0);
    stk_value_unref(pl);
    if (!keep_vpc) return;
    snprintf(net_vpc, sizeof net_vpc, "%s", S(keep_vpc, "id"));
    char a[512], b[512];
    snprintf(a, sizeof a, "{\"vpc_id\":\"%s\",\"cidr_block\":\"10.2.1.0/24\",\"availability_zone\":\"eu-north-1a\",\"tags\":{\"Name\":\"one\"}}", net_vpc);
    snprintf(b, sizeof b, "{\"vpc_id\":\"%s\",\"cidr_block\":\"10.2.1.0/24\",\"availability_zone\":\"eu-north-1a\",\"map_public_ip_on_launch\":true,\"tags\":{\"Name\":\"two\"}}", net_vpc);
    keep_subnet = lifecycle(&stk_aws_subnet_type, a, b, check_subnet, 1);
    if (!keep_subnet) return;
    snprintf(net_subnet, sizeof net_subnet, "%s", S(keep_subnet, "id"));
    CHECK_STR(S(keep_subnet, "availability_zone_id") ? "set" : NULL, "set");
    CHECK(S(keep_subnet, "arn") && strstr(S(keep_subnet, "arn"), ":subnet/subnet-"));
    snprintf(a, sizeof a, "{\"vpc_id\":\"%s\",\"tags\":{\"Name\":\"one\"}}", net_vpc);
    snprintf(b, sizeof b, "{\"vpc_id\":\"%s\",\"tags\":{\"Name\":\"two\"}}", net_vpc);
    keep_igw = lifecycle(&stk_aws_internet_gateway_type, a, b, check_igw, 1);
    keep_eip = lifecycle(&stk_aws_eip_type, "{\"domain\":\"vpc\",\"tags\":{\"Name\":\"one\"}}",
                         "{\"domain\":\"vpc\",\"tags\":{\"Name\":\"two\"}}", check_eip, 1);
    if (!keep_eip) return;
    snprintf(net_eip, sizeof net_eip, "%s", S(keep_eip, "id"));
    CHECK(S(keep_eip, "public_ip") && S(keep_eip, "public_dns") && strstr(S(keep_eip, "public_dns"), ".eu-north-1.compute.amazonaws.com"));
    snprintf(a, sizeof a, "{\"subnet_id\":\"%s\",\"allocation_id\":\"%s\",\"connectivity_type\":\"public\",\"tags\":{\"Name\":\"one\"}}", net_subnet, net_eip);
    snprintf(b, sizeof b, "{\"subnet_id\":\"%s\",\"allocation_id\":\"%s\",\"connectivity_type\":\"public\",\"tags\":{\"Name\":\"two\"}}", net_subnet, net_eip);
    stk_value *nat = lifecycle(&stk_aws_nat_gateway_type, a, b, check_nat, 0);
    CHECK(nat == NULL);
}

static char rt_id[64];

static int check_rt(const char *id, const char *name)
{
    json_t *o = awscli("ec2 describe-route-tables --route-table-ids %s", id);
    json_t *rt = json_array_get(json_object_get(o, "RouteTables"), 0);
    int ok = rt && name_of(rt) && !strcmp(name_of(rt), name), found = 0;
    size_t i;
    json_t *r;
    const char *want = !strcmp(name, "one") ? "0.0.0.0/0" : "10.9.0.0/16";
    json_array_foreach(json_object_get(rt, "Routes"), i, r) {
        const char *dc = stk_aws_jstr(r, "DestinationCidrBlock");
        if (dc && !strcmp(dc, want) && !strcmp(stk_aws_jstr(r, "GatewayId") ?: "", S(keep_igw, "id"))) found = 1;
        if (dc && !strcmp(name, "two") && !strcmp(dc, "0.0.0.0/0")) ok = 0;   /* the removed route is gone */
    }
    json_decref(o);
    return ok && found;
}

static void test_routes(void)
{
    if (!keep_vpc || !keep_igw || !keep_subnet) return;
    char a[1024], b[1024];
    const char *igw = S(keep_igw, "id");
    snprintf(a, sizeof a, "{\"vpc_id\":\"%s\",\"route\":[{\"cidr_block\":\"0.0.0.0/0\",\"gateway_id\":\"%s\"}],"
             "\"tags\":{\"Name\":\"one\"}}", net_vpc, igw);
    snprintf(b, sizeof b, "{\"vpc_id\":\"%s\",\"route\":[{\"cidr_block\":\"10.9.0.0/16\",\"gateway_id\":\"%s\"}],"
             "\"tags\":{\"Name\":\"two\"}}", net_vpc, igw);
    stk_value *rt = lifecycle(&stk_aws_route_table_type, a, b, check_rt, 1);
    if (!rt) return;
    snprintf(rt_id, sizeof rt_id, "%s", S(rt, "id"));
    CHECK_INT(stk_aws_get_count(rt, "route"), 1);   /* the local route is not reported */

    /* a table without inline routes + aws_route: the table shows no diff */
    stk_value *pl = V(&stk_aws_route_table_type, "{\"vpc_id\":\"%s\"}", net_vpc), *rt2 = NULL, *r = NULL, *r2 = NULL, *rd = NULL;
    CHECK_INT(create(&stk_aws_route_table_type, pl, &rt2), 0);
    stk_value_unref(pl);
    if (rt2) {
        pl = V(&stk_aws_route_type, "{\"route_table_id\":\"%s\",\"destination_cidr_block\":\"0.0.0.0/0\",\"gateway_id\":\"%s\"}",
               S(rt2, "id"), igw);
        CHECK_INT(create(&stk_aws_route_type, pl, &r), 0);
        stk_value_unref(pl);
        CHECK(r && !strncmp(S(r, "id"), "r-rtb-", 6));
        CHECK(r && S(r, "state") && !strcmp(S(r, "state"), "active"));
        CHECK_INT(readv(&stk_aws_route_table_type, rt2, &rd), 0);
        CHECK(rd && stk_value_raw_equal(rd, rt2));
        stk_value_unref(rd);
        rd = NULL;
        char imp[128];
        snprintf(imp, sizeof imp, "%s_0.0.0.0/0", S(rt2, "id"));
        CHECK_INT(import(&stk_aws_route_type, imp, &r2), 0);
        CHECK(r && r2 && !strcmp(S(r2, "id"), S(r, "id")) && !strcmp(S(r2, "gateway_id"), igw));
        stk_value_unref(r2);
        if (r) {
            CHECK_INT(del(&stk_aws_route_type, r), 0);
            rd = (stk_value *)1;
            CHECK_INT(readv(&stk_aws_route_type, r, &rd), 0);
            CHECK(rd == NULL);
        }
        stk_value_unref(r);
        CHECK_INT(del(&stk_aws_route_table_type, rt2), 0);
        stk_value_unref(rt2);
    }

    /* association: subnet -> table, import by subnet/table, delete */
    stk_value *as = NULL, *as2 = NULL;
    pl = V(&stk_aws_route_table_association_type, "{\"subnet_id\":\"%s\",\"route_table_id\":\"%s\"}", net_subnet, rt_id);
    CHECK_INT(create(&stk_aws_route_table_association_type, pl, &as), 0);
    stk_value_unref(pl);
    if (as) {
        CHECK(!strncmp(S(as, "id"), "rtbassoc-", 9));
        json_t *o = awscli("ec2 describe-route-tables --route-table-ids %s", rt_id);
        char *txt = json_dumps(o, 0);
        CHECK(txt && strstr(txt, net_subnet) && strstr(txt, S(as, "id")));
        free(txt);
        json_decref(o);
        char imp[160];
        snprintf(imp, sizeof imp, "%s/%s", net_subnet, rt_id);
        CHECK_INT(import(&stk_aws_route_table_association_type, imp, &as2), 0);
        CHECK(as2 && !strcmp(S(as2, "id"), S(as, "id")));
        stk_value_unref(as2);
        CHECK_INT(del(&stk_aws_route_table_association_type, as), 0);
        rd = (stk_value *)1;
        CHECK_INT(readv(&stk_aws_route_table_association_type, as, &rd), 0);
        CHECK(rd == NULL);
        stk_value_unref(as);
    }
    CHECK_INT(del(&stk_aws_route_table_type, rt), 0);
    rd = (stk_value *)1;
    CHECK_INT(readv(&stk_aws_route_table_type, rt, &rd), 0);
    CHECK(rd == NULL);
    stk_value_unref(rt);
}

static int check_sg(const char *id, const char *name)
{
    json_t *o = awscli("ec2 describe-security-groups --group-ids %s", id);
    json_t *g = json_array_get(json_object_get(o, "SecurityGroups"), 0);
    int port = !strcmp(name, "one") ? 80 : 443;
    json_t *in = json_array_get(json_object_get(g, "IpPermissions"), 0);
    json_t *eg = json_object_get(g, "IpPermissionsEgress");
    int ok = g && name_of(g) && !strcmp(name_of(g), name) && json_array_size(json_object_get(g, "IpPermissions")) == 1 &&
             json_integer_value(json_object_get(in, "FromPort")) == port &&
             !strcmp(stk_aws_jstr(json_array_get(json_object_get(in, "IpRanges"), 0), "Description") ?: "", "web") &&
             json_array_size(eg) == 1 &&
             !strcmp(stk_aws_jstr(json_array_get(json_object_get(json_array_get(eg, 0), "IpRanges"), 0), "CidrIp") ?: "", "10.0.0.0/8");
    json_decref(o);
    return ok;
}

static void test_security_groups(void)
{
    if (!keep_vpc) return;
    char a[1024], b[1024];
    /* egress only to 10/8: the default allow-all egress must be revoked */
    snprintf(a, sizeof a, "{\"name\":\"web-sg\",\"description\":\"web\",\"vpc_id\":\"%s\","
             "\"ingress\":[{\"protocol\":\"tcp\",\"from_port\":80,\"to_port\":80,\"cidr_blocks\":[\"0.0.0.0/0\"],\"description\":\"web\"}],"
             "\"egress\":[{\"protocol\":\"-1\",\"from_port\":0,\"to_port\":0,\"cidr_blocks\":[\"10.0.0.0/8\"]}],"
             "\"tags\":{\"Name\":\"one\"}}", net_vpc);
    snprintf(b, sizeof b, "{\"name\":\"web-sg\",\"description\":\"web\",\"vpc_id\":\"%s\","
             "\"ingress\":[{\"protocol\":\"tcp\",\"from_port\":443,\"to_port\":443,\"cidr_blocks\":[\"0.0.0.0/0\"],\"description\":\"web\"}],"
             "\"egress\":[{\"protocol\":\"-1\",\"from_port\":0,\"to_port\":0,\"cidr_blocks\":[\"10.0.0.0/8\"]}],"
             "\"tags\":{\"Name\":\"two\"}}", net_vpc);
    stk_value *sg = lifecycle(&stk_aws_security_group_type, a, b, check_sg, 1);
    if (!sg) return;
    /* the planned blocks and the read-back ones are equal: no perpetual diff */
    stk_value *pl = V(&stk_aws_security_group_type, "%s", b);
    CHECK(pl && stk_value_raw_equal(stk_value_get(pl, "ingress"), stk_value_get(sg, "ingress")));
    CHECK(pl && stk_value_raw_equal(stk_value_get(pl, "egress"), stk_value_get(sg, "egress")));
    stk_value_unref(pl);

    /* a second group without inline rules + the rule types */
    stk_value *sg2 = NULL, *r1 = NULL, *r2 = NULL, *rd = NULL, *imp = NULL;
    pl = V(&stk_aws_security_group_type, "{\"name_prefix\":\"app-\",\"vpc_id\":\"%s\"}", net_vpc);
    CHECK_INT(create(&stk_aws_security_group_type, pl, &sg2), 0);
    stk_value_unref(pl);
    if (!sg2) goto out;
    CHECK(!strncmp(S(sg2, "name"), "app-", 4));
    CHECK_STR(S(sg2, "description"), "Managed by Terraform");
    const char *gid = S(sg2, "id");
    pl = V(&stk_aws_security_group_rule_type, "{\"type\":\"ingress\",\"security_group_id\":\"%s\",\"protocol\":\"tcp\","
           "\"from_port\":22,\"to_port\":22,\"cidr_blocks\":[\"10.0.0.0/8\"],\"description\":\"ssh\"}", gid);
    CHECK_INT(create(&stk_aws_security_group_rule_type, pl, &r1), 0);
    stk_value_unref(pl);
    CHECK(r1 && !strncmp(S(r1, "id"), "sgrule-", 7));
    char iid[256];
    snprintf(iid, sizeof iid, "%s_ingress_tcp_22_22_10.0.0.0/8", gid);
    CHECK_INT(import(&stk_aws_security_group_rule_type, iid, &imp), 0);
    CHECK(imp && r1 && !strcmp(S(imp, "id"), S(r1, "id")) && !strcmp(S(imp, "description") ?: "", "ssh"));
    stk_value_unref(imp);
    imp = NULL;
    pl = V(&stk_aws_vpc_security_group_ingress_rule_type, "{\"security_group_id\":\"%s\",\"ip_protocol\":\"tcp\","
           "\"from_port\":8080,\"to_port\":8080,\"cidr_ipv4\":\"10.1.0.0/16\",\"description\":\"alt\",\"tags\":{\"Name\":\"r\"}}", gid);
    CHECK_INT(create(&stk_aws_vpc_security_group_ingress_rule_type, pl, &r2), 0);
    stk_value_unref(pl);
    CHECK(r2 && !strncmp(S(r2, "id"), "sgr-", 4));
    if (r2) {
        json_t *o = awscli("ec2 describe-security-group-rules --security-group-rule-ids %s", S(r2, "id"));
        json_t *r = json_array_get(json_object_get(o, "SecurityGroupRules"), 0);
        CHECK(r && json_integer_value(json_object_get(r, "FromPort")) == 8080 && !strcmp(stk_aws_jstr(r, "CidrIpv4") ?: "", "10.1.0.0/16"));
        json_decref(o);
        stk_value *r3 = NULL;
        pl = V(&stk_aws_vpc_security_group_ingress_rule_type, "{\"security_group_id\":\"%s\",\"ip_protocol\":\"tcp\","
               "\"from_port\":8080,\"to_port\":8080,\"cidr_ipv4\":\"10.1.0.0/16\",\"description\":\"alt2\",\"tags\":{\"Name\":\"r2\"}}", gid);
        CHECK_INT(update(&stk_aws_vpc_security_group_ingress_rule_type, r2, pl, &r3), 0);
        CHECK(r3 && !strcmp(S(r3, "description") ?: "", "alt2"));
        stk_value_unref(pl);
        CHECK_INT(import(&stk_aws_vpc_security_group_ingress_rule_type, S(r2, "id"), &imp), 0);
        CHECK(imp && r3 && stk_value_raw_equal(imp, r3));
        stk_value_unref(imp);
        stk_value_unref(r3);
    }
    /* the group itself shows no rules (they belong to the rule resources) */
    CHECK_INT(readv(&stk_aws_security_group_type, sg2, &rd), 0);
    CHECK(rd && stk_value_raw_equal(rd, sg2));
    stk_value_unref(rd);
    rd = (stk_value *)1;
    if (r2) {
        CHECK_INT(del(&stk_aws_vpc_security_group_ingress_rule_type, r2), 0);
        CHECK_INT(readv(&stk_aws_vpc_security_group_ingress_rule_type, r2, &rd), 0);
        CHECK(rd == NULL);
    }
    rd = (stk_value *)1;
    if (r1) {
        CHECK_INT(del(&stk_aws_security_group_rule_type, r1), 0);
        CHECK_INT(readv(&stk_aws_security_group_rule_type, r1, &rd), 0);
        CHECK(rd == NULL);
    }
    CHECK_INT(del(&stk_aws_security_group_type, sg2), 0);
out:
    stk_value_unref(r1);
    stk_value_unref(r2);
    stk_value_unref(sg2);
    CHECK_INT(del(&stk_aws_security_group_type, sg), 0);
    rd = (stk_value *)1;
    CHECK_INT(readv(&stk_aws_security_group_type, sg, &rd), 0);
    CHECK(rd == NULL);
    stk_value_unref(sg);
}

static stk_value *data(const stk_resource_type *t, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    stk_value *cfg = V(t, "%s", buf), *st = NULL;
    stk_diags d = STK_DIAGS_INIT;
    if (cfg && t->read_data(P, t, cfg, &st, &d) != 0) print_diags(&d);
    stk_diags_free(&d);
    stk_value_unref(cfg);
    return st;
}

static void test_data_sources(void)
{
    stk_value *v = data(&stk_data_aws_availability_zones_type, "{\"state\":\"available\"}");
    CHECK(v && stk_aws_get_count(v, "names") >= 2);
    CHECK(v && !strcmp(stk_value_str(stk_aws_get_elem(v, "names", 0)), "eu-north-1a"));   /* sorted */
    CHECK(v && stk_aws_get_count(v, "zone_ids") == stk_aws_get_count(v, "names"));
    stk_value_unref(v);
    v = data(&stk_data_aws_availability_zones_type, "{\"exclude_names\":[\"eu-north-1a\"]}");
    CHECK(v && !strcmp(stk_value_str(stk_aws_get_elem(v, "names", 0)), "eu-north-1b"));
    stk_value_unref(v);
    v = data(&stk_data_aws_caller_identity_type, "{}");
    CHECK(v && S(v, "account_id") && strlen(S(v, "account_id")) == 12 && S(v, "arn"));
    stk_value_unref(v);
    v = data(&stk_data_aws_region_type, "{}");
    CHECK(v && !strcmp(S(v, "name"), "eu-north-1") && !strcmp(S(v, "endpoint"), "ec2.eu-north-1.amazonaws.com") &&
          !strcmp(S(v, "description"), "Europe (Stockholm)"));
    stk_value_unref(v);
    v = data(&stk_data_aws_partition_type, "{}");
    CHECK(v && !strcmp(S(v, "partition"), "aws") && !strcmp(S(v, "dns_suffix"), "amazonaws.com"));
    stk_value_unref(v);
    v = data(&stk_data_aws_ami_type, "{\"owners\":[\"amazon\"],\"most_recent\":true,"
             "\"filter\":[{\"name\":\"architecture\",\"values\":[\"x86_64\"]}]}");
    CHECK(v && S(v, "id") && !strncmp(S(v, "id"), "ami-", 4) && S(v, "name") && !strcmp(S(v, "architecture"), "x86_64"));
    stk_value_unref(v);
    /* more than one match without most_recent is an error */
    v = data(&stk_data_aws_ami_type, "{\"owners\":[\"amazon\"]}");
    CHECK(v == NULL);
    if (keep_vpc) {
        v = data(&stk_data_aws_vpc_type, "{\"id\":\"%s\"}", net_vpc);
        CHECK(v && !strcmp(S(v, "cidr_block"), "10.2.0.0/16") && !strcmp(S(v, "main_route_table_id"), S(keep_vpc, "main_route_table_id")));
        stk_value_unref(v);
        v = data(&stk_data_aws_vpc_type, "{\"cidr_block\":\"10.2.0.0/16\",\"state\":\"available\"}");
        CHECK(v && !strcmp(S(v, "id"), net_vpc));
        stk_value_unref(v);
        v = data(&stk_data_aws_vpc_type, "{\"default\":true}");
        CHECK(v && stk_aws_get_bool(v, "default", 0) && strcmp(S(v, "id"), net_vpc));   /* moto's default VPC */
        stk_value_unref(v);
        v = data(&stk_data_aws_vpc_type, "{\"cidr_block\":\"192.168.77.0/24\"}");
        CHECK(v == NULL);   /* no match: an error */
    }
    if (keep_subnet) {
        v = data(&stk_data_aws_subnets_type, "{\"filter\":[{\"name\":\"vpc-id\",\"values\":[\"%s\"]}]}", net_vpc);
        CHECK(v && stk_aws_get_count(v, "ids") == 1 && !strcmp(stk_value_str(stk_aws_get_elem(v, "ids", 0)), net_subnet));
        stk_value_unref(v);
    }
}

static void test_network_teardown(void)
{
    /* reverse order; each delete then reads as gone */
    const stk_resource_type *ts[] = {&stk_aws_eip_type, &stk_aws_internet_gateway_type, &stk_aws_subnet_type, &stk_aws_vpc_type};
    stk_value **vs[] = {&keep_eip, &keep_igw, &keep_subnet, &keep_vpc};
    for (int i = 0; i < 4; i++) {
        if (!*vs[i]) continue;
        CHECK_INT(del(ts[i], *vs[i]), 0);
        stk_value *after = (stk_value *)1;
        CHECK_INT(readv(ts[i], *vs[i], &after), 0);
        CHECK(after == NULL);
        stk_value_unref(*vs[i]);
        *vs[i] = NULL;
    }
}

static void test_vpc_delete(void)
{
    const stk_resource_type *t = &stk_aws_vpc_type;
    stk_value *st = V(t, "{\"id\":\"%s\"}", vpc_id), *after = (stk_value *)1, *rec = NULL;
    /* crash recovery: the journal's info (token + tags_all) finds the VPC */
    stk_diags d0 = STK_DIAGS_INIT;
    const char *info = "{\"token\":\"t-1\",\"tags\":{\"Name\":\"net-test2\",\"Extra\":\"1\",\"Env\":\"e2e\"}}";
    CHECK_INT(t->recover(P, t, info, &rec, &d0), 0);
    CHECK(rec && !strcmp(S(rec, "id"), vpc_id));
    stk_value_unref(rec);
    rec = (stk_value *)1;
    CHECK_INT(t->recover(P, t, "{\"token\":\"t-2\",\"tags\":{\"Name\":\"never-made\"}}", &rec, &d0), 0);
    CHECK(rec == NULL);   /* nothing was created before the crash */
    rec = (stk_value *)1;
    CHECK_INT(stk_aws_nat_gateway_type.recover(P, &stk_aws_nat_gateway_type, "{\"tags\":{\"Name\":\"never-made\"}}", &rec, &d0), 0);
    CHECK(rec == NULL);
    CHECK(!stk_diags_has_errors(&d0));
    print_diags(&d0);
    stk_diags_free(&d0);
    rec = NULL;
    CHECK_INT(t->recover(P, t, "{\"token\":\"t-3\",\"tags\":{}}", &rec, &d0), -1);   /* untagged: cannot tell */
    CHECK(rec == NULL && stk_diags_has_errors(&d0));
    stk_diags_free(&d0);
    CHECK_INT(del(t, st), 0);
    CHECK_INT(readv(t, st, &after), 0);
    CHECK(after == NULL);   /* deletion noticed */
    CHECK_INT(del(t, st), 0);   /* deleting again: already gone is fine */
    stk_value *imp = NULL;
    stk_diags d = STK_DIAGS_INIT;
    CHECK_INT(t->import(P, t, vpc_id, &imp, &d), -1);   /* import of a missing object fails */
    stk_diags_free(&d);
    stk_value_unref(st);
}

int main(void)
{
    if (!getenv("AWS_ENDPOINT_URL")) {
        stk_test_skip("aws_network", "AWS_ENDPOINT_URL not set (run tests/e2e/aws_network.sh)");
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
    STK_RUN(test_vpc);
    STK_RUN(test_vpc_delete);
    STK_RUN(test_subnet_igw_eip_nat);
    STK_RUN(test_routes);
    STK_RUN(test_security_groups);
    STK_RUN(test_data_sources);
    STK_RUN(test_network_teardown);
    stk_aws_provider_free(P);
    stk_diags_free(&d);
    return stk_test_report();
}
