#!/usr/bin/env python3
"""compare_responses.py - the response side checked against botocore: real
responses from the local AWS (moto at $AWS_ENDPOINT_URL, started by
tests/e2e/protocol_responses.sh) are captured raw (status, headers, body),
parsed by botocore's own protocol parsers (botocore.parsers, no client
customisations) and by stk (`stk aws parse`), and the two results compared:
same members, same values (timestamps as instants, blobs as bytes), errors
with the same code and message.

Usage: compare_responses.py STK        Prints "N passed, N failed".
"""
import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import boto3
import botocore.session
from botocore import parsers
from botocore.model import ServiceModel
from botocore.utils import parse_timestamp

STK = sys.argv[1]
MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "resources", "aws", "models")
URL = os.environ["AWS_ENDPOINT_URL"]
REGION = os.environ.get("AWS_REGION", "eu-north-1")
SESSION = botocore.session.get_session()
TMP = tempfile.mkdtemp()
passed = failed = 0
captured = {}


def hook(response_dict, **kw):
    captured["r"] = response_dict


def client(svc):
    c = boto3.client(svc, endpoint_url=URL, region_name=REGION)
    c.meta.events.register("before-parse", hook)
    return c


def norm_equal(b, s, path):
    """botocore value b vs stk value s; returns a difference or None."""
    if isinstance(b, datetime.datetime):
        try:
            st = parse_timestamp(s) if isinstance(s, str) else None
        except Exception:  # noqa
            st = None
        if st is None or abs(st.timestamp() - b.timestamp()) > 0.001:
            return "%s: time %r vs %r" % (path, b, s)
        return None
    if isinstance(b, (bytes, bytearray)):
        if isinstance(s, str) and (s.encode() == bytes(b) or base64.b64decode(s + "==") == bytes(b)):
            return None
        return "%s: bytes %r vs %r" % (path, b[:40], s)
    if isinstance(b, dict):
        if not isinstance(s, dict):
            return "%s: object vs %r" % (path, type(s).__name__)
        bk = set(b) - {"ResponseMetadata"}
        sk = set(s) - {"ResponseMetadata"}
        if bk != sk:
            return "%s: keys only in botocore %s, only in stk %s" % (path, sorted(bk - sk), sorted(sk - bk))
        for k in bk:
            d = norm_equal(b[k], s[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(b, list):
        if not isinstance(s, list) or len(b) != len(s):
            return "%s: list of %d vs %r" % (path, len(b), s if not isinstance(s, list) else len(s))
        for i, (x, y) in enumerate(zip(b, s)):
            d = norm_equal(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if path.endswith("PolicyDocument") or path.endswith(".Document"):
        # IAM policy documents: stk decodes the URL-encoding botocore leaves to a client handler
        return None if urllib.parse.unquote(b) == s else "%s: %r vs %r" % (path, b, s)
    if isinstance(b, bool) or isinstance(s, bool):
        return None if b is s else "%s: %r vs %r" % (path, b, s)
    if isinstance(b, (int, float)) and isinstance(s, (int, float)):
        return None if float(b) == float(s) else "%s: %r vs %r" % (path, b, s)
    return None if b == s else "%s: %r vs %r" % (path, b, s)


def compare(name, svc, op, proto, rd):
    global passed, failed
    with open(os.path.join(MODELS, svc + ".json")) as f:   # stk's model: no botocore version skew
        model = ServiceModel(json.load(f), service_name={"monitoring": "cloudwatch"}.get(svc, svc))
    om = model.operation_model(op)
    rd = dict(rd)
    if isinstance(rd.get("body"), (bytes, bytearray)) is False and hasattr(rd.get("body"), "read"):
        rd["body"] = rd["body"].read()
    bp = parsers.create_parser(proto).parse(rd, om.output_shape)
    body_file = os.path.join(TMP, "body")
    with open(body_file, "wb") as f:
        f.write(rd["body"] or b"")
    args = [STK, "aws", "parse", "-status=%d" % rd["status_code"]]
    for k, v in rd["headers"].items():
        args.append("-header=%s:%s" % (k, v))
    args += [svc, op, body_file]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        failed += 1
        print("FAIL %s: stk aws parse: %s" % (name, p.stderr.strip()[:300]))
        return
    sr = json.loads(p.stdout)
    if "Error" in bp and rd["status_code"] >= 300:
        be = bp["Error"]
        se = sr.get("Error", {})
        d = None
        if be.get("Code") != se.get("Code") and not (str(be.get("Code")) == str(rd["status_code"]) and se.get("Code")):
            d = "code %r vs %r" % (be.get("Code"), se.get("Code"))
        elif (be.get("Message") or "") != (se.get("Message") or "") and be.get("Message") not in ("Not Found", "Forbidden", "Bad Request"):
            d = "message %r vs %r" % (be.get("Message"), se.get("Message"))
    elif op == "GetBucketLocation":
        # botocore's protocol parser leaves this to a client handler (the root
        # element IS the member); stk's parser reads it directly
        import xml.etree.ElementTree as ET
        want = ET.fromstring(rd["body"]).text
        d = None if sr.get("LocationConstraint") == want else "LocationConstraint %r vs %r" % (sr.get("LocationConstraint"), want)
    else:
        d = norm_equal(bp, sr, "result")
    if d:
        failed += 1
        print("FAIL %s: %s" % (name, d))
    else:
        passed += 1
        print("ok   %s" % name)


def call(svc, method, proto, **params):
    """Make a boto3 call, then compare botocore's and stk's parse of its raw response."""
    c = client(svc)
    op = c.meta.method_to_api_mapping[method]
    captured.clear()
    result = None
    try:
        result = getattr(c, method)(**params)
    except c.exceptions.ClientError:
        pass
    if "r" in captured:
        compare("%s %s" % (svc, op), svc, op, proto, captured["r"])
    return result


def raw_query(svc, scope, op, version, form):
    """A query-protocol call made by hand (CloudWatch: boto3 would speak CBOR/JSON)."""
    body = urllib.parse.urlencode([("Action", op), ("Version", version)] + form).encode()
    req = urllib.request.Request(URL + "/", data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": "AWS4-HMAC-SHA256 Credential=%s/20240101/%s/%s/aws4_request, SignedHeaders=host, Signature=0"
                         % (os.environ.get("AWS_ACCESS_KEY_ID", "testing"), REGION, scope)})
    try:
        with urllib.request.urlopen(req) as r:
            rd = {"status_code": r.status, "headers": dict(r.headers), "body": r.read()}
    except urllib.error.HTTPError as e:
        rd = {"status_code": e.code, "headers": dict(e.headers), "body": e.read()}
    compare("%s %s" % (svc, op), svc, op, "query", rd)


def main():
    ec2 = "ec2"
    vpc = call(ec2, "create_vpc", "ec2", CidrBlock="10.30.0.0/16",
               TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "cmp"}]}])["Vpc"]["VpcId"]
    call(ec2, "describe_vpcs", "ec2")
    s1 = call(ec2, "create_subnet", "ec2", VpcId=vpc, CidrBlock="10.30.1.0/24", AvailabilityZone=REGION + "a")["Subnet"]["SubnetId"]
    s2 = call(ec2, "create_subnet", "ec2", VpcId=vpc, CidrBlock="10.30.2.0/24", AvailabilityZone=REGION + "b")["Subnet"]["SubnetId"]
    call(ec2, "describe_subnets", "ec2", Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    sg = call(ec2, "create_security_group", "ec2", GroupName="cmp", Description="cmp sg", VpcId=vpc)["GroupId"]
    call(ec2, "authorize_security_group_ingress", "ec2", GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]}])
    call(ec2, "describe_security_groups", "ec2", GroupIds=[sg])
    call(ec2, "describe_security_group_rules", "ec2", Filters=[{"Name": "group-id", "Values": [sg]}])
    igw = call(ec2, "create_internet_gateway", "ec2")["InternetGateway"]["InternetGatewayId"]
    call(ec2, "attach_internet_gateway", "ec2", InternetGatewayId=igw, VpcId=vpc)
    call(ec2, "describe_internet_gateways", "ec2")
    call(ec2, "allocate_address", "ec2", Domain="vpc")
    call(ec2, "describe_addresses", "ec2")
    rt = call(ec2, "create_route_table", "ec2", VpcId=vpc)["RouteTable"]["RouteTableId"]
    call(ec2, "create_route", "ec2", RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    call(ec2, "associate_route_table", "ec2", RouteTableId=rt, SubnetId=s1)
    call(ec2, "describe_route_tables", "ec2", RouteTableIds=[rt])
    call(ec2, "create_launch_template", "ec2", LaunchTemplateName="cmp-lt",
         LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro", "SecurityGroupIds": [sg]})
    call(ec2, "describe_launch_templates", "ec2")
    call(ec2, "describe_launch_template_versions", "ec2", LaunchTemplateName="cmp-lt")
    call(ec2, "describe_availability_zones", "ec2")
    call(ec2, "describe_images", "ec2", Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-*"]}])
    inst = call(ec2, "run_instances", "ec2", ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                SubnetId=s1, BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20}}])
    iid = inst["Instances"][0]["InstanceId"]
    call(ec2, "describe_instances", "ec2", InstanceIds=[iid])
    call(ec2, "describe_instance_attribute", "ec2", InstanceId=iid, Attribute="userData")
    call(ec2, "describe_volumes", "ec2")
    call(ec2, "create_key_pair", "ec2", KeyName="cmp")
    call(ec2, "describe_key_pairs", "ec2")
    call(ec2, "describe_tags", "ec2")
    call(ec2, "describe_vpcs", "ec2", VpcIds=["vpc-00000000000000000"])          # error

    call("elbv2", "create_load_balancer", "query", Name="cmp-lb", Subnets=[s1, s2], SecurityGroups=[sg],
         Tags=[{"Key": "a", "Value": "b"}])
    lb = call("elbv2", "describe_load_balancers", "query", Names=["cmp-lb"])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = call("elbv2", "create_target_group", "query", Name="cmp-tg", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    call("elbv2", "create_listener", "query", LoadBalancerArn=lb, Protocol="HTTP", Port=80,
         DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    call("elbv2", "describe_listeners", "query", LoadBalancerArn=lb)
    call("elbv2", "describe_load_balancer_attributes", "query", LoadBalancerArn=lb)
    call("elbv2", "describe_target_group_attributes", "query", TargetGroupArn=tg)
    call("elbv2", "describe_tags", "query", ResourceArns=[lb])
    call("elbv2", "describe_load_balancers", "query", Names=["nope"])              # error

    call("autoscaling", "create_auto_scaling_group", "query", AutoScalingGroupName="cmp-asg",
         LaunchTemplate={"LaunchTemplateName": "cmp-lt", "Version": "$Latest"}, MinSize=1, MaxSize=2,
         VPCZoneIdentifier=s1, Tags=[{"Key": "Name", "Value": "cmp", "PropagateAtLaunch": True}])
    call("autoscaling", "describe_auto_scaling_groups", "query", AutoScalingGroupNames=["cmp-asg"])
    call("autoscaling", "put_scaling_policy", "query", AutoScalingGroupName="cmp-asg", PolicyName="cpu",
         PolicyType="TargetTrackingScaling", TargetTrackingConfiguration={
             "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}, "TargetValue": 50.0})
    call("autoscaling", "describe_policies", "query", AutoScalingGroupName="cmp-asg")
    call("autoscaling", "describe_tags", "query")

    call("elasticache", "create_cache_subnet_group", "query", CacheSubnetGroupName="cmp", CacheSubnetGroupDescription="d",
         SubnetIds=[s1, s2])
    call("elasticache", "describe_cache_subnet_groups", "query")
    call("elasticache", "create_cache_cluster", "query", CacheClusterId="cmp-redis", Engine="redis",
         CacheNodeType="cache.t3.micro", NumCacheNodes=1, CacheSubnetGroupName="cmp")
    call("elasticache", "describe_cache_clusters", "query", ShowCacheNodeInfo=True)
    call("elasticache", "describe_cache_clusters", "query", CacheClusterId="nope")  # error

    s3 = "s3"
    call(s3, "create_bucket", "rest-xml", Bucket="cmp-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    call(s3, "list_buckets", "rest-xml")
    call(s3, "put_bucket_tagging", "rest-xml", Bucket="cmp-bucket", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    call(s3, "get_bucket_tagging", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_bucket_versioning", "rest-xml", Bucket="cmp-bucket", VersioningConfiguration={"Status": "Enabled"})
    call(s3, "get_bucket_versioning", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_bucket_encryption", "rest-xml", Bucket="cmp-bucket", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    call(s3, "get_bucket_encryption", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_public_access_block", "rest-xml", Bucket="cmp-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    call(s3, "get_public_access_block", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_bucket_policy", "rest-xml", Bucket="cmp-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cmp-bucket/*"}]}))
    call(s3, "get_bucket_policy", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_bucket_website", "rest-xml", Bucket="cmp-bucket", WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
    call(s3, "get_bucket_website", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_bucket_ownership_controls", "rest-xml", Bucket="cmp-bucket", OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    call(s3, "get_bucket_ownership_controls", "rest-xml", Bucket="cmp-bucket")
    call(s3, "get_bucket_acl", "rest-xml", Bucket="cmp-bucket")
    call(s3, "get_bucket_location", "rest-xml", Bucket="cmp-bucket")
    call(s3, "put_object", "rest-xml", Bucket="cmp-bucket", Key="a/b c.txt", Body=b"hello", Metadata={"owner": "stk"},
         ContentType="text/plain")
    call(s3, "head_object", "rest-xml", Bucket="cmp-bucket", Key="a/b c.txt")
    call(s3, "list_objects_v2", "rest-xml", Bucket="cmp-bucket")
    call(s3, "list_object_versions", "rest-xml", Bucket="cmp-bucket")
    call(s3, "head_object", "rest-xml", Bucket="cmp-bucket", Key="missing")        # error without a body
    call(s3, "get_bucket_tagging", "rest-xml", Bucket="no-such-bucket-cmp")        # error

    cf = "cloudfront"
    call(cf, "create_origin_access_control", "rest-xml", OriginAccessControlConfig={
        "Name": "cmp", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"})
    call(cf, "list_origin_access_controls", "rest-xml")
    d = call(cf, "create_distribution", "rest-xml", DistributionConfig={
        "CallerReference": "cmp-1", "Comment": "cmp", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": "cmp-bucket.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})
    if d:
        call(cf, "get_distribution", "rest-xml", Id=d["Distribution"]["Id"])
        call(cf, "get_distribution_config", "rest-xml", Id=d["Distribution"]["Id"])
    call(cf, "list_distributions", "rest-xml")
    call(cf, "get_distribution", "rest-xml", Id="ENOPE")                           # error

    call("ecr", "create_repository", "json", repositoryName="cmp/app", imageScanningConfiguration={"scanOnPush": True})
    call("ecr", "describe_repositories", "json")
    call("ecr", "put_lifecycle_policy", "json", repositoryName="cmp/app", lifecyclePolicyText=json.dumps({"rules": [
        {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
         "action": {"type": "expire"}}]}))
    call("ecr", "get_lifecycle_policy", "json", repositoryName="cmp/app")
    call("ecr", "describe_repositories", "json", repositoryNames=["nope"])        # error

    iam = "iam"
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                              "Action": "sts:AssumeRole"}]})
    call(iam, "create_role", "query", RoleName="cmp", AssumeRolePolicyDocument=doc, Tags=[{"Key": "a", "Value": "b"}])
    call(iam, "get_role", "query", RoleName="cmp")
    call(iam, "list_roles", "query")
    pol = call(iam, "create_policy", "query", PolicyName="cmp", PolicyDocument=json.dumps({"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    if pol:
        call(iam, "attach_role_policy", "query", RoleName="cmp", PolicyArn=pol["Policy"]["Arn"])
        call(iam, "get_policy", "query", PolicyArn=pol["Policy"]["Arn"])
    call(iam, "list_attached_role_policies", "query", RoleName="cmp")
    call(iam, "create_instance_profile", "query", InstanceProfileName="cmp")
    call(iam, "add_role_to_instance_profile", "query", InstanceProfileName="cmp", RoleName="cmp")
    call(iam, "get_instance_profile", "query", InstanceProfileName="cmp")
    call(iam, "get_role", "query", RoleName="nope")                                # error

    call("sts", "get_caller_identity", "query")

    call("logs", "create_log_group", "json", logGroupName="/cmp", tags={"a": "b"})
    call("logs", "put_retention_policy", "json", logGroupName="/cmp", retentionInDays=30)
    call("logs", "describe_log_groups", "json")
    call("logs", "list_tags_log_group", "json", logGroupName="/cmp")
    call("logs", "create_log_group", "json", logGroupName="/cmp")                  # error

    topic = call("sns", "create_topic", "query", Name="cmp", Attributes={"DisplayName": "cmp"})["TopicArn"]
    call("sns", "get_topic_attributes", "query", TopicArn=topic)
    call("sns", "list_topics", "query")
    call("sns", "subscribe", "query", TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    call("sns", "list_subscriptions_by_topic", "query", TopicArn=topic)
    call("sns", "list_tags_for_resource", "query", ResourceArn=topic)
    call("sns", "get_topic_attributes", "query", TopicArn=topic + "nope")          # error

    ddb = "dynamodb"
    call(ddb, "create_table", "json", TableName="cmp", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    call(ddb, "describe_table", "json", TableName="cmp")
    call(ddb, "put_item", "json", TableName="cmp", Item={"k": {"S": "1"}, "n": {"N": "3"}, "b": {"B": b"\x00\x01"},
                                                        "l": {"L": [{"S": "x"}]}, "m": {"M": {"y": {"BOOL": True}}}})
    call(ddb, "get_item", "json", TableName="cmp", Key={"k": {"S": "1"}})
    call(ddb, "scan", "json", TableName="cmp")
    call(ddb, "list_tables", "json")
    call(ddb, "describe_time_to_live", "json", TableName="cmp")
    call(ddb, "describe_continuous_backups", "json", TableName="cmp")
    call(ddb, "put_item", "json", TableName="cmp", Item={"k": {"S": "1"}}, ConditionExpression="attribute_not_exists(k)")  # error

    raw_query("monitoring", "monitoring", "PutMetricAlarm", "2010-08-01", [
        ("AlarmName", "cmp"), ("MetricName", "CPUUtilization"), ("Namespace", "AWS/EC2"), ("Statistic", "Average"),
        ("Period", "300"), ("EvaluationPeriods", "2"), ("Threshold", "80.5"), ("ComparisonOperator", "GreaterThanThreshold"),
        ("Dimensions.member.1.Name", "AutoScalingGroupName"), ("Dimensions.member.1.Value", "asg")])
    raw_query("monitoring", "monitoring", "DescribeAlarms", "2010-08-01", [])
    raw_query("monitoring", "monitoring", "PutDashboard", "2010-08-01", [("DashboardName", "cmp"),
              ("DashboardBody", json.dumps({"widgets": []}))])
    raw_query("monitoring", "monitoring", "GetDashboard", "2010-08-01", [("DashboardName", "cmp")])
    raw_query("monitoring", "monitoring", "ListDashboards", "2010-08-01", [])
    raw_query("monitoring", "monitoring", "GetDashboard", "2010-08-01", [("DashboardName", "nope")])   # error

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
