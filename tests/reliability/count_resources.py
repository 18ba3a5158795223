#!/usr/bin/env python3
"""count_resources.py - count every kind of object the StartTech stack
creates, through moto ($AWS_ENDPOINT_URL), and compare with what one clean
apply makes.

Moto is reset before each crash trial, so the count takes every object of a
kind that moto holds (not only the tagged ones): an orphan left by a killed
create counts as much as a duplicate.  Moto's own defaults are left out (the
default VPC and its subnets, route table, internet gateway and security
group; each VPC's main route table and "default" security group; the
"default" ElastiCache subnet group).

Usage: count_resources.py [--json]
Prints one line per kind whose count differs ("kind: expected N, found M")
and exits 1 when any differs; exits 0 silently when all match.  --json
prints every count as a JSON object instead (exit status as above).
"""
import json
import os
import sys

import boto3
from botocore.config import Config

# kind -> count after one clean apply of examples/starttech (default variables)
EXPECTED = {
    "ec2.vpc": 1,
    "ec2.subnet": 6,
    "ec2.internet_gateway": 1,
    "ec2.eip": 1,
    "ec2.nat_gateway": 1,
    "ec2.route_table": 2,
    "ec2.route_table_association": 6,
    "ec2.security_group": 4,
    "ec2.launch_template": 1,
    "ec2.instance.mongodb": 1,
    "ec2.instance.asg": 2,
    "ec2.instance.other": 0,
    "autoscaling.group": 1,
    "autoscaling.policy": 1,
    "elbv2.load_balancer": 1,
    "elbv2.target_group": 1,
    "elbv2.listener": 1,
    "iam.role": 1,
    "iam.role_policy": 1,
    "iam.role_policy_attachment": 1,
    "iam.instance_profile": 1,
    "ecr.repository": 1,
    "ecr.lifecycle_policy": 1,
    "elasticache.subnet_group": 1,
    "elasticache.cluster": 1,
    "s3.bucket": 1,
    "s3.public_access_block": 1,
    "s3.bucket_policy": 1,
    "cloudfront.origin_access_control": 1,
    "cloudfront.distribution": 1,
    "logs.log_group": 2,
    "sns.topic": 1,
    "sns.subscription": 0,
    "cloudwatch.alarm": 4,
    "cloudwatch.dashboard": 1,
}


def client(name):
    return boto3.client(
        name,
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_REGION", "eu-north-1"),
        config=Config(retries={"max_attempts": 2}),
    )


def pages(c, op, key, **kw):
    out = []
    p = c.get_paginator(op)
    for page in p.paginate(**kw):
        out.extend(page.get(key, []))
    return out


def count_ec2(n):
    ec2 = client("ec2")
    vpcs = ec2.describe_vpcs()["Vpcs"]
    default_vpcs = {v["VpcId"] for v in vpcs if v.get("IsDefault")}
    n["ec2.vpc"] = sum(1 for v in vpcs if v["VpcId"] not in default_vpcs)
    n["ec2.subnet"] = sum(1 for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] not in default_vpcs)
    n["ec2.internet_gateway"] = sum(
        1 for g in ec2.describe_internet_gateways()["InternetGateways"]
        if not any(a.get("VpcId") in default_vpcs for a in g.get("Attachments", []))
    )
    n["ec2.eip"] = len(ec2.describe_addresses()["Addresses"])
    n["ec2.nat_gateway"] = sum(
        1 for g in ec2.describe_nat_gateways()["NatGateways"] if g.get("State") not in ("deleted", "deleting", "failed")
    )
    tables = [
        t for t in ec2.describe_route_tables()["RouteTables"]
        if t["VpcId"] not in default_vpcs and not any(a.get("Main") for a in t.get("Associations", []))
    ]
    n["ec2.route_table"] = len(tables)
    n["ec2.route_table_association"] = sum(
        1 for t in tables for a in t.get("Associations", []) if not a.get("Main") and a.get("SubnetId")
    )
    n["ec2.security_group"] = sum(
        1 for g in ec2.describe_security_groups()["SecurityGroups"]
        if g.get("VpcId") not in default_vpcs and g["GroupName"] != "default"
    )
    n["ec2.launch_template"] = len(ec2.describe_launch_templates()["LaunchTemplates"])
    mongo = asg = other = 0
    for r in ec2.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            if i["State"]["Name"] in ("terminated", "shutting-down"):
                continue
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if "aws:autoscaling:groupName" in tags:
                asg += 1
            elif tags.get("Role") == "database":
                mongo += 1
            else:
                other += 1
    n["ec2.instance.mongodb"] = mongo
    n["ec2.instance.asg"] = asg
    n["ec2.instance.other"] = other


def count_compute(n):
    a = client("autoscaling")
    n["autoscaling.group"] = len(a.describe_auto_scaling_groups()["AutoScalingGroups"])
    n["autoscaling.policy"] = len(a.describe_policies()["ScalingPolicies"])
    e = client("elbv2")
    lbs = e.describe_load_balancers()["LoadBalancers"]
    n["elbv2.load_balancer"] = len(lbs)
    n["elbv2.target_group"] = len(e.describe_target_groups()["TargetGroups"])
    n["elbv2.listener"] = sum(
        len(e.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]) for lb in lbs
    )


def count_iam(n):
    iam = client("iam")
    roles = [r for r in pages(iam, "list_roles", "Roles") if not r["Path"].startswith("/aws-service-role/")]
    n["iam.role"] = len(roles)
    n["iam.role_policy"] = sum(len(iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]) for r in roles)
    n["iam.role_policy_attachment"] = sum(
        len(iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]) for r in roles
    )
    n["iam.instance_profile"] = len(pages(iam, "list_instance_profiles", "InstanceProfiles"))


def count_data(n):
    ecr = client("ecr")
    repos = ecr.describe_repositories()["repositories"]
    n["ecr.repository"] = len(repos)
    lp = 0
    for r in repos:
        try:
            ecr.get_lifecycle_policy(repositoryName=r["repositoryName"])
            lp += 1
        except ecr.exceptions.LifecyclePolicyNotFoundException:
            pass
    n["ecr.lifecycle_policy"] = lp
    ec = client("elasticache")
    n["elasticache.subnet_group"] = sum(
        1 for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"] if g["CacheSubnetGroupName"] != "default"
    )
    n["elasticache.cluster"] = len(ec.describe_cache_clusters()["CacheClusters"])
    s3 = client("s3")
    buckets = s3.list_buckets()["Buckets"]
    n["s3.bucket"] = len(buckets)
    pab = pol = 0
    for b in buckets:
        try:
            s3.get_public_access_block(Bucket=b["Name"])
            pab += 1
        except s3.exceptions.ClientError:
            pass
        try:
            s3.get_bucket_policy(Bucket=b["Name"])
            pol += 1
        except s3.exceptions.ClientError:
            pass
    n["s3.public_access_block"] = pab
    n["s3.bucket_policy"] = pol
    cf = client("cloudfront")
    n["cloudfront.origin_access_control"] = len(
        cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    )
    n["cloudfront.distribution"] = len(cf.list_distributions()["DistributionList"].get("Items", []))


def count_monitoring(n):
    n["logs.log_group"] = len(pages(client("logs"), "describe_log_groups", "logGroups"))
    sns = client("sns")
    n["sns.topic"] = len(pages(sns, "list_topics", "Topics"))
    n["sns.subscription"] = len(pages(sns, "list_subscriptions", "Subscriptions"))
    cw = client("cloudwatch")
    n["cloudwatch.alarm"] = len(pages(cw, "describe_alarms", "MetricAlarms"))
    n["cloudwatch.dashboard"] = len(pages(cw, "list_dashboards", "DashboardEntries"))


def main():
    n = {}
    for f in (count_ec2, count_compute, count_iam, count_data, count_monitoring):
        f(n)
    bad = [k for k in EXPECTED if n.get(k) != EXPECTED[k]]
    if "--json" in sys.argv[1:]:
        print(json.dumps(n, sort_keys=True))
    else:
        for k in bad:
            print(f"{k}: expected {EXPECTED[k]}, found {n.get(k)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
