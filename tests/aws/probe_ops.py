#!/usr/bin/env python3
"""probe_ops.py — which operations of the StartTech stack the local AWS answers.

Runs, with boto3 against the launcher (moto + our handlers), the create /
describe / update / delete calls the resource types of issue 6 use, in
dependency order, and prints one line per operation:

    OK    ec2 CreateVpc
    GAP   cloudfront CreateFoo: NotImplemented ...   (moto does not answer it)
    FAIL  ...                                         (answers, but wrongly)

Exit status 0 when there is no GAP/FAIL.  The README's gap list comes from it:
    python3 tests/aws/probe_ops.py --endpoint http://127.0.0.1:PORT
(or, with nothing given, it starts its own launcher).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "eu-north-1"
results = []


def client(endpoint, name, creds):
    return boto3.client(name, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=creds[0], aws_secret_access_key=creds[1],
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def call(c, op, check=None, expect=None, **params):
    """Call op; record OK / GAP (not implemented) / FAIL (error or bad answer).
    expect: the error code AWS answers here (then that error is OK)."""
    svc = c.meta.service_model.service_name
    name = c.meta.method_to_api_mapping.get(op, op)
    try:
        r = getattr(c, op)(**params)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if expect and code == expect:
            results.append(("OK", svc, name, "(expected %s)" % code))
            return None
        msg = e.response.get("Error", {}).get("Message", "")
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        kind = "GAP" if (status in (404, 405, 500, 501) and (
            "not" in msg.lower() and ("implemented" in msg.lower() or "yet" in msg.lower()))
            or code in ("NotImplemented", "InternalFailure", "404")) else "FAIL"
        results.append((kind, svc, name, "%s %s: %s" % (status, code, msg[:120])))
        return None
    except Exception as e:  # parse errors: moto answered something malformed
        results.append(("FAIL", svc, name, "%s: %s" % (type(e).__name__, str(e)[:160])))
        return None
    if expect:
        results.append(("FAIL", svc, name, "succeeded; AWS answers %s here" % expect))
        return r
    if check is not None:
        try:
            problem = check(r)
        except Exception as e:
            problem = "%s: %s" % (type(e).__name__, e)
        if problem:
            results.append(("FAIL", svc, name, problem))
            return r
    results.append(("OK", svc, name, ""))
    return r


def g(d, *path, default=None):
    for p in path:
        try:
            d = d[p]
        except (KeyError, IndexError, TypeError):
            return default
    return d


def probe(endpoint, creds):
    C = lambda n: client(endpoint, n, creds)  # noqa: E731
    ec2, elb, asg, ecache = C("ec2"), C("elbv2"), C("autoscaling"), C("elasticache")
    s3, cf, ecr, iam, sts = C("s3"), C("cloudfront"), C("ecr"), C("iam"), C("sts")
    logs, cw, sns, ddb = C("logs"), C("cloudwatch"), C("sns"), C("dynamodb")
    tags = [{"Key": "Project", "Value": "starttech"}]

    # identity / region data sources
    call(sts, "get_caller_identity", lambda r: None if r.get("Account") else "no Account")
    call(ec2, "describe_availability_zones",
         lambda r: None if len(r["AvailabilityZones"]) >= 2 else "fewer than 2 AZs")
    call(ec2, "describe_regions")
    call(ec2, "describe_images", lambda r: None if r["Images"] else "no images",
         Owners=["amazon"], Filters=[{"Name": "name", "Values": ["*"]}])
    call(ec2, "describe_account_attributes")

    # networking
    vpc = g(call(ec2, "create_vpc", CidrBlock="10.0.0.0/16",
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]), "Vpc", "VpcId")
    call(ec2, "modify_vpc_attribute", VpcId=vpc, EnableDnsHostnames={"Value": True})
    call(ec2, "describe_vpc_attribute", VpcId=vpc, Attribute="enableDnsHostnames")
    call(ec2, "describe_vpcs", VpcIds=[vpc])
    subnets = []
    for i, az in enumerate(["a", "b"]):
        s = g(call(ec2, "create_subnet", VpcId=vpc, CidrBlock="10.0.%d.0/24" % i,
                   AvailabilityZone=REGION + az), "Subnet", "SubnetId")
        subnets.append(s)
    call(ec2, "modify_subnet_attribute", SubnetId=subnets[0], MapPublicIpOnLaunch={"Value": True})
    call(ec2, "describe_subnets", lambda r: None if len(r["Subnets"]) == 2 else "not 2 subnets",
         Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    call(ec2, "create_tags", Resources=[subnets[0]], Tags=[{"Key": "Name", "Value": "pub-a"}])
    call(ec2, "delete_tags", Resources=[subnets[0]], Tags=[{"Key": "Name"}])
    igw = g(call(ec2, "create_internet_gateway"), "InternetGateway", "InternetGatewayId")
    call(ec2, "attach_internet_gateway", InternetGatewayId=igw, VpcId=vpc)
    call(ec2, "describe_internet_gateways", InternetGatewayIds=[igw])
    eip = g(call(ec2, "allocate_address", Domain="vpc"), "AllocationId")
    call(ec2, "describe_addresses", AllocationIds=[eip])
    nat = g(call(ec2, "create_nat_gateway", SubnetId=subnets[0], AllocationId=eip,
                 ClientToken="tok-nat-1"), "NatGateway", "NatGatewayId")
    call(ec2, "describe_nat_gateways", lambda r: None if g(r, "NatGateways", 0, "State") == "available"
         else "state %s" % g(r, "NatGateways", 0, "State"), NatGatewayIds=[nat])
    rt = g(call(ec2, "create_route_table", VpcId=vpc), "RouteTable", "RouteTableId")
    call(ec2, "create_route", RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    call(ec2, "replace_route", RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    assoc = g(call(ec2, "associate_route_table", RouteTableId=rt, SubnetId=subnets[0]), "AssociationId")
    call(ec2, "describe_route_tables", RouteTableIds=[rt])
    sg = g(call(ec2, "create_security_group", GroupName="alb", Description="alb", VpcId=vpc), "GroupId")
    sg2 = g(call(ec2, "create_security_group", GroupName="app", Description="app", VpcId=vpc), "GroupId")
    call(ec2, "revoke_security_group_egress", GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    call(ec2, "authorize_security_group_ingress", GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    call(ec2, "authorize_security_group_ingress", GroupId=sg2, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": sg}]}])
    call(ec2, "authorize_security_group_egress", GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": sg2}]}])
    call(ec2, "describe_security_groups", GroupIds=[sg, sg2])
    rules = call(ec2, "describe_security_group_rules", Filters=[{"Name": "group-id", "Values": [sg]}])
    rule_ids = [r["SecurityGroupRuleId"] for r in (rules or {}).get("SecurityGroupRules", [])
                if not r.get("IsEgress")]
    if rule_ids:
        call(ec2, "revoke_security_group_ingress", GroupId=sg, SecurityGroupRuleIds=rule_ids[:1])

    # compute
    call(ec2, "create_key_pair", KeyName="kp1")
    call(ec2, "import_key_pair", KeyName="kp2", PublicKeyMaterial=(
        b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDGnrSWQCGIKdqd1o9uFFy1yq8mchJ6IVS2jXZXakVEcA5Be9n6"
        b"ZOxmhfd1Qm8oVFIrtbfXGVAPOSLJZYxAlz0LBgg5VHZFOhU4mMJNibQa+rn4i8sUkhoDyLV7xGQWQPPR3jZF1t2f"
        b"OQnE5ayBwbgZShPWgp5+UiU3M7ZAdGZaRGwN7/lIfewvvAmeaN/tZrl7wMzJsTM1vE2B1SefItvGHcQVVkV0uCJo"
        b"u5gSVQYpfUfz7+FMVS8pC1bpGzn2HfYTuP8Z6gRfgLTvvMbGJXNH4U3Aa2C2lfw9LCAk7VT5ZsGO0JCBuE0rCaQJ"
        b"i0V6N2jZG0QDbf4hGMMXsdTA0b0P stk-probe"))
    call(ec2, "describe_key_pairs", KeyNames=["kp1", "kp2"])
    ami = "ami-12c6146b"
    lt = g(call(ec2, "create_launch_template", LaunchTemplateName="app", LaunchTemplateData={
        "ImageId": ami, "InstanceType": "t3.micro", "SecurityGroupIds": [sg2],
        "IamInstanceProfile": {"Name": "app-profile"}, "UserData": "ZWNobyBoaQ==",
        "TagSpecifications": [{"ResourceType": "instance", "Tags": tags}]}),
        "LaunchTemplate", "LaunchTemplateId")
    call(ec2, "create_launch_template_version", LaunchTemplateId=lt,
         LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.small"})
    call(ec2, "modify_launch_template", LaunchTemplateId=lt, DefaultVersion="2")
    call(ec2, "describe_launch_templates", LaunchTemplateIds=[lt])
    call(ec2, "describe_launch_template_versions", LaunchTemplateId=lt, Versions=["$Latest"])
    inst = g(call(ec2, "run_instances", ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                  SubnetId=subnets[1], SecurityGroupIds=[sg2], ClientToken="tok-i-1",
                  BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}}],
                  TagSpecifications=[{"ResourceType": "instance", "Tags": tags}]),
             "Instances", 0, "InstanceId")
    call(ec2, "describe_instances", lambda r: None if g(r, "Reservations", 0, "Instances", 0, "PrivateIpAddress")
         else "no private ip", InstanceIds=[inst])
    call(ec2, "describe_instance_attribute", InstanceId=inst, Attribute="userData")
    call(ec2, "modify_instance_attribute", InstanceId=inst, DisableApiTermination={"Value": False})
    call(ec2, "describe_volumes", Filters=[{"Name": "attachment.instance-id", "Values": [inst]}])
    call(ec2, "describe_instance_types", InstanceTypes=["t3.micro"])

    # IAM
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    pol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*",
                                                              "Resource": "*"}]})
    call(iam, "create_role", RoleName="app", AssumeRolePolicyDocument=trust, Tags=tags)
    call(iam, "get_role", RoleName="app")
    call(iam, "update_assume_role_policy", RoleName="app", PolicyDocument=trust)
    call(iam, "put_role_policy", RoleName="app", PolicyName="inline", PolicyDocument=pol)
    call(iam, "get_role_policy", RoleName="app", PolicyName="inline")
    parn = g(call(iam, "create_policy", PolicyName="app-logs", PolicyDocument=pol), "Policy", "Arn")
    call(iam, "get_policy", PolicyArn=parn)
    call(iam, "get_policy_version", PolicyArn=parn, VersionId="v1")
    call(iam, "create_policy_version", PolicyArn=parn, PolicyDocument=pol, SetAsDefault=True)
    call(iam, "list_policy_versions", PolicyArn=parn)
    call(iam, "delete_policy_version", PolicyArn=parn, VersionId="v1")
    call(iam, "attach_role_policy", RoleName="app", PolicyArn=parn)
    call(iam, "attach_role_policy", RoleName="app",
         PolicyArn="arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy")
    call(iam, "list_attached_role_policies", lambda r: None if len(r["AttachedPolicies"]) == 2
         else "attached: %d" % len(r["AttachedPolicies"]), RoleName="app")
    call(iam, "list_role_policies", RoleName="app")
    call(iam, "create_instance_profile", InstanceProfileName="app-profile")
    call(iam, "add_role_to_instance_profile", InstanceProfileName="app-profile", RoleName="app")
    call(iam, "get_instance_profile", InstanceProfileName="app-profile")
    call(iam, "list_instance_profiles_for_role", RoleName="app")
    call(iam, "tag_role", RoleName="app", Tags=[{"Key": "x", "Value": "y"}])
    call(iam, "untag_role", RoleName="app", TagKeys=["x"])

    # load balancing
    lb = g(call(elb, "create_load_balancer", Name="alb", Subnets=subnets, SecurityGroups=[sg],
                Scheme="internet-facing", Type="application", Tags=tags), "LoadBalancers", 0, "LoadBalancerArn")
    call(elb, "describe_load_balancers", LoadBalancerArns=[lb])
    call(elb, "describe_load_balancer_attributes", LoadBalancerArn=lb)
    call(elb, "modify_load_balancer_attributes", LoadBalancerArn=lb,
         Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "60"}])
    call(elb, "set_security_groups", LoadBalancerArn=lb, SecurityGroups=[sg])
    tg = g(call(elb, "create_target_group", Name="app", Protocol="HTTP", Port=8080, VpcId=vpc,
                TargetType="instance", HealthCheckPath="/health", Matcher={"HttpCode": "200"}),
           "TargetGroups", 0, "TargetGroupArn")
    call(elb, "modify_target_group", TargetGroupArn=tg, HealthCheckIntervalSeconds=15)
    call(elb, "describe_target_group_attributes", TargetGroupArn=tg)
    call(elb, "modify_target_group_attributes", TargetGroupArn=tg,
         Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    call(elb, "describe_target_groups", TargetGroupArns=[tg])
    lis = g(call(elb, "create_listener", LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                 DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]), "Listeners", 0, "ListenerArn")
    call(elb, "create_listener", LoadBalancerArn=lb, Protocol="HTTP", Port=81, DefaultActions=[
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain",
                                                           "MessageBody": "nope"}}])
    call(elb, "create_listener", LoadBalancerArn=lb, Protocol="HTTP", Port=82, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    call(elb, "modify_listener", ListenerArn=lis, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    call(elb, "describe_listeners", LoadBalancerArn=lb)
    rule = g(call(elb, "create_rule", ListenerArn=lis, Priority=10, Conditions=[
        {"Field": "path-pattern", "Values": ["/api/*"]}], Actions=[{"Type": "forward", "TargetGroupArn": tg}]),
        "Rules", 0, "RuleArn")
    call(elb, "modify_rule", RuleArn=rule, Conditions=[{"Field": "path-pattern", "Values": ["/v2/*"]}])
    call(elb, "describe_rules", ListenerArn=lis)
    call(elb, "describe_tags", ResourceArns=[lb, tg])
    call(elb, "add_tags", ResourceArns=[tg], Tags=tags)
    call(elb, "remove_tags", ResourceArns=[tg], TagKeys=["Project"])

    # autoscaling
    call(asg, "create_auto_scaling_group", AutoScalingGroupName="app", MinSize=2, MaxSize=4, DesiredCapacity=2,
         LaunchTemplate={"LaunchTemplateId": lt, "Version": "$Latest"}, VPCZoneIdentifier=",".join(subnets),
         TargetGroupARNs=[tg], HealthCheckType="ELB", HealthCheckGracePeriod=300,
         Tags=[{"Key": "Name", "Value": "app", "PropagateAtLaunch": True}])
    call(asg, "describe_auto_scaling_groups", lambda r: None if len(g(r, "AutoScalingGroups", 0, "Instances", default=[])) == 2
         else "instances != 2", AutoScalingGroupNames=["app"])
    call(asg, "update_auto_scaling_group", AutoScalingGroupName="app", MaxSize=5)
    call(asg, "create_or_update_tags", Tags=[{"ResourceId": "app", "ResourceType": "auto-scaling-group",
                                              "Key": "Env", "Value": "dev", "PropagateAtLaunch": True}])
    call(asg, "delete_tags", Tags=[{"ResourceId": "app", "ResourceType": "auto-scaling-group", "Key": "Env"}])
    call(asg, "put_scaling_policy", AutoScalingGroupName="app", PolicyName="cpu", PolicyType="TargetTrackingScaling",
         TargetTrackingConfiguration={"PredefinedMetricSpecification": {
             "PredefinedMetricType": "ASGAverageCPUUtilization"}, "TargetValue": 60.0})
    call(asg, "put_scaling_policy", AutoScalingGroupName="app", PolicyName="up", PolicyType="SimpleScaling",
         AdjustmentType="ChangeInCapacity", ScalingAdjustment=1, Cooldown=300)
    call(asg, "describe_policies", AutoScalingGroupName="app")
    call(asg, "attach_load_balancer_target_groups", AutoScalingGroupName="app", TargetGroupARNs=[tg])
    call(asg, "describe_load_balancer_target_groups", AutoScalingGroupName="app")
    call(asg, "start_instance_refresh", AutoScalingGroupName="app")
    call(asg, "describe_instance_refreshes", AutoScalingGroupName="app")
    call(asg, "cancel_instance_refresh", expect="ActiveInstanceRefreshNotFound", AutoScalingGroupName="app")
    call(asg, "describe_scaling_activities", AutoScalingGroupName="app")

    # elasticache
    call(ecache, "create_cache_subnet_group", CacheSubnetGroupName="redis", CacheSubnetGroupDescription="r",
         SubnetIds=subnets)
    call(ecache, "describe_cache_subnet_groups", CacheSubnetGroupName="redis")
    call(ecache, "modify_cache_subnet_group", CacheSubnetGroupName="redis", CacheSubnetGroupDescription="r2")
    call(ecache, "create_cache_parameter_group", CacheParameterGroupName="redis7", CacheParameterGroupFamily="redis7",
         Description="p")
    call(ecache, "describe_cache_parameter_groups", CacheParameterGroupName="redis7")
    call(ecache, "modify_cache_parameter_group", CacheParameterGroupName="redis7", ParameterNameValues=[
        {"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lru"}])
    call(ecache, "describe_cache_parameters", CacheParameterGroupName="redis7")
    call(ecache, "create_cache_cluster", CacheClusterId="redis", Engine="redis", CacheNodeType="cache.t3.micro",
         NumCacheNodes=1, CacheSubnetGroupName="redis", SecurityGroupIds=[sg2], CacheParameterGroupName="redis7")
    call(ecache, "describe_cache_clusters",
         lambda r: None if g(r, "CacheClusters", 0, "CacheNodes", 0, "Endpoint", "Address") else "no node endpoint",
         CacheClusterId="redis", ShowCacheNodeInfo=True)
    call(ecache, "modify_cache_cluster", CacheClusterId="redis", SnapshotRetentionLimit=1, ApplyImmediately=True)
    call(ecache, "create_replication_group", ReplicationGroupId="rg", ReplicationGroupDescription="rg",
         Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=2, CacheSubnetGroupName="redis")
    call(ecache, "describe_replication_groups", lambda r: None if ".eun1." in (g(
        r, "ReplicationGroups", 0, "NodeGroups", 0, "PrimaryEndpoint", "Address") or "") and len(
        g(r, "ReplicationGroups", 0, "MemberClusters")) == 2 else "endpoint/members wrong", ReplicationGroupId="rg")
    call(ecache, "modify_replication_group", ReplicationGroupId="rg", ReplicationGroupDescription="rg2",
         ApplyImmediately=True)
    call(ecache, "increase_replica_count", lambda r: None if len(r["ReplicationGroup"]["MemberClusters"]) == 3
         else "members %s" % r["ReplicationGroup"]["MemberClusters"], ReplicationGroupId="rg", NewReplicaCount=2,
         ApplyImmediately=True)
    call(ecache, "decrease_replica_count", lambda r: None if len(r["ReplicationGroup"]["MemberClusters"]) == 2
         else "members %s" % r["ReplicationGroup"]["MemberClusters"], ReplicationGroupId="rg", NewReplicaCount=1,
         ApplyImmediately=True)
    call(ecache, "describe_cache_engine_versions", Engine="redis")
    call(ecache, "reset_cache_parameter_group", CacheParameterGroupName="redis7", ResetAllParameters=True)
    call(ecache, "list_tags_for_resource",
         ResourceName="arn:aws:elasticache:%s:123456789012:cluster:redis" % REGION)
    call(ecache, "add_tags_to_resource",
         ResourceName="arn:aws:elasticache:%s:123456789012:cluster:redis" % REGION, Tags=tags)

    # dynamodb
    call(ddb, "create_table", TableName="locks", BillingMode="PAY_PER_REQUEST",
         AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
         KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}], Tags=tags)
    call(ddb, "describe_table", TableName="locks")
    call(ddb, "update_continuous_backups", TableName="locks",
         PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    call(ddb, "describe_continuous_backups", TableName="locks")
    call(ddb, "describe_time_to_live", TableName="locks")
    call(ddb, "put_item", TableName="locks", Item={"LockID": {"S": "a"}},
         ConditionExpression="attribute_not_exists(LockID)")
    call(ddb, "list_tags_of_resource",
         ResourceArn="arn:aws:dynamodb:%s:123456789012:table/locks" % REGION)

    # s3
    call(s3, "create_bucket", Bucket="starttech-frontend", CreateBucketConfiguration={"LocationConstraint": REGION})
    call(s3, "head_bucket", Bucket="starttech-frontend")
    call(s3, "get_bucket_location", Bucket="starttech-frontend")
    call(s3, "put_bucket_tagging", Bucket="starttech-frontend", Tagging={"TagSet": tags})
    call(s3, "get_bucket_tagging", Bucket="starttech-frontend")
    call(s3, "put_public_access_block", Bucket="starttech-frontend", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    call(s3, "get_public_access_block", Bucket="starttech-frontend")
    call(s3, "put_bucket_website", Bucket="starttech-frontend", WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "index.html"}})
    call(s3, "get_bucket_website", Bucket="starttech-frontend")
    call(s3, "put_bucket_versioning", Bucket="starttech-frontend", VersioningConfiguration={"Status": "Enabled"})
    call(s3, "get_bucket_versioning", Bucket="starttech-frontend")
    call(s3, "put_bucket_encryption", Bucket="starttech-frontend", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]})
    call(s3, "get_bucket_encryption", Bucket="starttech-frontend")
    call(s3, "put_bucket_ownership_controls", Bucket="starttech-frontend",
         OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    call(s3, "get_bucket_ownership_controls", Bucket="starttech-frontend")
    call(s3, "put_bucket_policy", Bucket="starttech-frontend", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                                                "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::starttech-frontend/*"}]}))
    call(s3, "get_bucket_policy", Bucket="starttech-frontend")
    call(s3, "get_bucket_acl", Bucket="starttech-frontend")
    call(s3, "get_bucket_cors", expect="NoSuchCORSConfiguration", Bucket="starttech-frontend")
    call(s3, "put_object", Bucket="starttech-frontend", Key="index.html", Body=b"<h1>hi</h1>")
    call(s3, "list_object_versions", Bucket="starttech-frontend")
    call(s3, "delete_bucket_website", Bucket="starttech-frontend")
    call(s3, "delete_public_access_block", Bucket="starttech-frontend")
    call(s3, "delete_bucket_policy", Bucket="starttech-frontend")

    # cloudfront
    oai = call(cf, "create_cloud_front_origin_access_identity", CloudFrontOriginAccessIdentityConfig={
        "CallerReference": "oai-1", "Comment": "frontend"})
    oai_id = g(oai, "CloudFrontOriginAccessIdentity", "Id")
    call(cf, "get_cloud_front_origin_access_identity", Id=oai_id or "x")
    call(cf, "list_cloud_front_origin_access_identities")
    oac = g(call(cf, "create_origin_access_control", OriginAccessControlConfig={
        "Name": "frontend", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"}), "OriginAccessControl", "Id")
    call(cf, "get_origin_access_control", Id=oac or "x")
    call(cf, "list_cache_policies", lambda r: None if any(
        i["CachePolicy"]["CachePolicyConfig"]["Name"] == "Managed-CachingOptimized"
        for i in r["CachePolicyList"].get("Items", [])) else "no Managed-CachingOptimized", Type="managed")
    call(cf, "get_cache_policy", Id="658327ea-f89d-4fab-a63d-7e88639e58f6")
    cp = call(cf, "create_cache_policy", CachePolicyConfig={
        "Name": "custom", "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 600, "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True, "HeadersConfig": {"HeaderBehavior": "none"},
            "CookiesConfig": {"CookieBehavior": "none"}, "QueryStringsConfig": {"QueryStringBehavior": "none"}}})
    cp_id = g(cp, "CachePolicy", "Id") or "x"
    call(cf, "get_cache_policy_config", lambda r: None if r["CachePolicyConfig"]["DefaultTTL"] == 60 else "ttl",
         Id=cp_id)
    call(cf, "delete_cache_policy", Id=cp_id, IfMatch=g(cp, "ETag") or "x")
    dist_cfg = {
        "CallerReference": "dist-1", "Comment": "frontend", "Enabled": True, "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "s3", "DomainName": "starttech-frontend.s3.%s.amazonaws.com" % REGION,
            "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/%s" % oai_id}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6", "Compress": True},
        "CustomErrorResponses": {"Quantity": 1, "Items": [{"ErrorCode": 404, "ResponsePagePath": "/index.html",
                                                           "ResponseCode": "200", "ErrorCachingMinTTL": 10}]},
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
        "PriceClass": "PriceClass_100"}
    d = call(cf, "create_distribution_with_tags", DistributionConfigWithTags={
        "DistributionConfig": dist_cfg, "Tags": {"Items": tags}})
    did = g(d, "Distribution", "Id")
    gd = call(cf, "get_distribution", Id=did or "x")
    call(cf, "get_distribution_config", Id=did or "x")
    if gd:
        cfg = call(cf, "get_distribution_config", Id=did)
        if cfg:
            cfg["DistributionConfig"]["Comment"] = "changed"
            call(cf, "update_distribution", Id=did, IfMatch=cfg["ETag"], DistributionConfig=cfg["DistributionConfig"])
    call(cf, "list_tags_for_resource", Resource=g(d, "Distribution", "ARN") or "x")
    call(cf, "list_distributions")

    # ecr
    call(ecr, "create_repository", repositoryName="backend", imageScanningConfiguration={"scanOnPush": True},
         imageTagMutability="MUTABLE", tags=tags)
    call(ecr, "describe_repositories", repositoryNames=["backend"])
    call(ecr, "put_lifecycle_policy", repositoryName="backend", lifecyclePolicyText=json.dumps({"rules": [{
        "rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
        "action": {"type": "expire"}}]}))
    call(ecr, "get_lifecycle_policy", repositoryName="backend")
    call(ecr, "put_image_scanning_configuration", repositoryName="backend",
         imageScanningConfiguration={"scanOnPush": False})
    call(ecr, "list_tags_for_resource",
         resourceArn="arn:aws:ecr:%s:123456789012:repository/backend" % REGION)
    call(ecr, "delete_lifecycle_policy", repositoryName="backend")

    # observability
    call(logs, "create_log_group", logGroupName="/starttech/app", tags={"Project": "starttech"})
    call(logs, "put_retention_policy", logGroupName="/starttech/app", retentionInDays=30)
    call(logs, "describe_log_groups", lambda r: None if g(r, "logGroups", 0, "retentionInDays") == 30
         else "retention not 30", logGroupNamePrefix="/starttech/app")
    call(logs, "list_tags_for_resource",
         resourceArn="arn:aws:logs:%s:123456789012:log-group:/starttech/app" % REGION)
    call(logs, "tag_resource", resourceArn="arn:aws:logs:%s:123456789012:log-group:/starttech/app" % REGION,
         tags={"x": "y"})
    topic = g(call(sns, "create_topic", Name="alarms", Tags=tags), "TopicArn")
    call(sns, "get_topic_attributes", TopicArn=topic or "x")
    call(sns, "set_topic_attributes", TopicArn=topic or "x", AttributeName="DisplayName", AttributeValue="Alarms")
    sub = g(call(sns, "subscribe", TopicArn=topic or "x", Protocol="email", Endpoint="ops@example.com",
                 ReturnSubscriptionArn=True), "SubscriptionArn")
    call(sns, "get_subscription_attributes", SubscriptionArn=sub or "x")
    call(sns, "list_subscriptions_by_topic", TopicArn=topic or "x")
    call(sns, "list_tags_for_resource", ResourceArn=topic or "x")
    call(cw, "put_metric_alarm", AlarmName="cpu-high", MetricName="CPUUtilization", Namespace="AWS/EC2",
         Statistic="Average", Period=300, EvaluationPeriods=2, Threshold=80.0,
         ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic or "x"],
         Dimensions=[{"Name": "AutoScalingGroupName", "Value": "app"}], Tags=tags)
    call(cw, "describe_alarms", lambda r: None if r["MetricAlarms"] else "no alarm", AlarmNames=["cpu-high"])
    call(cw, "list_tags_for_resource",
         ResourceARN="arn:aws:cloudwatch:%s:123456789012:alarm:cpu-high" % REGION)
    call(cw, "put_dashboard", DashboardName="starttech", DashboardBody=json.dumps({"widgets": []}))
    call(cw, "get_dashboard", DashboardName="starttech")
    call(cw, "list_dashboards")

    # deletes, in reverse dependency order
    call(cw, "delete_dashboards", DashboardNames=["starttech"])
    call(cw, "delete_alarms", AlarmNames=["cpu-high"])
    call(sns, "unsubscribe", SubscriptionArn=sub or "x")
    call(sns, "delete_topic", TopicArn=topic or "x")
    call(logs, "delete_log_group", logGroupName="/starttech/app")
    call(ecr, "delete_repository", repositoryName="backend", force=True)
    if gd:
        cfg = call(cf, "get_distribution_config", Id=did)
        if cfg:
            cfg["DistributionConfig"]["Enabled"] = False
            u = call(cf, "update_distribution", Id=did, IfMatch=cfg["ETag"], DistributionConfig=cfg["DistributionConfig"])
            call(cf, "delete_distribution", Id=did, IfMatch=g(u, "ETag") or "x")
            call(cf, "get_distribution", expect="NoSuchDistribution", Id=did)
    if oai_id:
        et = g(call(cf, "get_cloud_front_origin_access_identity", Id=oai_id), "ETag")
        call(cf, "delete_cloud_front_origin_access_identity", Id=oai_id, IfMatch=et or "x")
    if oac:
        et = g(call(cf, "get_origin_access_control", Id=oac), "ETag")
        call(cf, "delete_origin_access_control", Id=oac, IfMatch=et or "x")
    call(s3, "delete_object", Bucket="starttech-frontend", Key="index.html")
    vers = call(s3, "list_object_versions", Bucket="starttech-frontend") or {}
    for v in vers.get("Versions", []) + vers.get("DeleteMarkers", []):
        call(s3, "delete_object", Bucket="starttech-frontend", Key=v["Key"], VersionId=v["VersionId"])
    call(s3, "delete_bucket", Bucket="starttech-frontend")
    call(ddb, "delete_table", TableName="locks")
    call(ddb, "describe_table", expect="ResourceNotFoundException", TableName="locks")
    call(ecache, "delete_replication_group", ReplicationGroupId="rg")
    call(ecache, "delete_cache_cluster", CacheClusterId="redis")
    call(ecache, "describe_cache_clusters", expect="CacheClusterNotFound", CacheClusterId="redis")
    call(ecache, "describe_replication_groups", expect="ReplicationGroupNotFoundFault", ReplicationGroupId="rg")
    call(ecache, "delete_cache_parameter_group", CacheParameterGroupName="redis7")
    call(ecache, "delete_cache_subnet_group", CacheSubnetGroupName="redis")
    call(asg, "delete_policy", AutoScalingGroupName="app", PolicyName="up")
    call(asg, "delete_auto_scaling_group", AutoScalingGroupName="app", ForceDelete=True)
    call(elb, "delete_rule", RuleArn=rule or "x")
    call(elb, "delete_listener", ListenerArn=lis or "x")
    call(elb, "delete_load_balancer", LoadBalancerArn=lb or "x")
    call(elb, "describe_load_balancers", expect="LoadBalancerNotFound", LoadBalancerArns=[lb or "x"])
    call(elb, "delete_target_group", TargetGroupArn=tg or "x")
    call(iam, "remove_role_from_instance_profile", InstanceProfileName="app-profile", RoleName="app")
    call(iam, "delete_instance_profile", InstanceProfileName="app-profile")
    call(iam, "detach_role_policy", RoleName="app", PolicyArn=parn or "x")
    call(iam, "detach_role_policy", RoleName="app", PolicyArn="arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy")
    call(iam, "delete_role_policy", RoleName="app", PolicyName="inline")
    call(iam, "delete_policy", PolicyArn=parn or "x")
    call(iam, "delete_role", RoleName="app")
    call(ec2, "terminate_instances", InstanceIds=[inst])
    call(ec2, "describe_instances", lambda r: None if g(r, "Reservations", 0, "Instances", 0, "State", "Name")
         in ("shutting-down", "terminated") else "not terminated", InstanceIds=[inst])
    call(ec2, "delete_launch_template", LaunchTemplateId=lt or "x")
    call(ec2, "delete_key_pair", KeyName="kp1")
    call(ec2, "delete_key_pair", KeyName="kp2")
    call(ec2, "disassociate_route_table", AssociationId=assoc or "x")
    call(ec2, "delete_route", RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")
    call(ec2, "delete_route_table", RouteTableId=rt)
    call(ec2, "delete_nat_gateway", NatGatewayId=nat)
    call(ec2, "describe_nat_gateways", lambda r: None if g(r, "NatGateways", 0, "State") in ("deleting", "deleted")
         else "state %s" % g(r, "NatGateways", 0, "State"), NatGatewayIds=[nat])
    call(ec2, "release_address", AllocationId=eip)
    call(ec2, "detach_internet_gateway", InternetGatewayId=igw, VpcId=vpc)
    call(ec2, "delete_internet_gateway", InternetGatewayId=igw)
    call(ec2, "delete_security_group", GroupId=sg2)
    call(ec2, "delete_security_group", GroupId=sg)
    for s in subnets:
        call(ec2, "delete_subnet", SubnetId=s)
    call(ec2, "delete_vpc", VpcId=vpc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", help="launcher URL (default: start one)")
    ap.add_argument("--all", action="store_true", help="print OK lines too")
    ap.add_argument("--auth", action="store_true", help="start the launcher with SigV4 enforced")
    ap.add_argument("--creds-file", help="access key JSON written by moto_launcher.py --creds-file")
    a = ap.parse_args()
    proc = None
    creds = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    endpoint = a.endpoint
    if not endpoint:
        tmp = tempfile.mkdtemp()
        pf = os.path.join(tmp, "port")
        cmd = [sys.executable, os.path.join(HERE, "moto_launcher.py"), "--quiet", "--port-file", pf]
        if a.auth:
            a.creds_file = os.path.join(tmp, "creds.json")
            cmd += ["--auth", "--creds-file", a.creds_file]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(pf):
                break
            time.sleep(0.1)
        endpoint = "http://127.0.0.1:%s" % open(pf).read().strip()
    if a.creds_file:
        j = json.load(open(a.creds_file))
        creds = (j["aws_access_key_id"], j["aws_secret_access_key"])
    try:
        probe(endpoint, creds)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
    bad = 0
    for kind, svc, op, detail in results:
        if kind != "OK" or a.all:
            print("%-5s %s %s%s" % (kind, svc, op, (": " + detail) if detail else ""))
        bad += kind != "OK"
    print("%d operations probed, %d OK, %d not OK" % (len(results), len(results) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
