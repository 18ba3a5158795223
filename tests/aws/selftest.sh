#!/usr/bin/env bash
# tests/aws/selftest.sh — the local AWS of tests/aws works end to end:
# lib.sh starts/stops/resets it, awscli (Debian's v2) and boto3 talk to it,
# our extra handlers answer, slow mode passes through pending states, auth
# mode rejects a wrong secret, and the fault proxy is reproducible from its
# seed while boto3's retries get through.  Prints "N passed, N failed".
#
#   bash tests/aws/selftest.sh
#   STK_AWS_SELFTEST_FULL=1 bash tests/aws/selftest.sh   # + probe_ops.py, plain and --auth
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
PY=$STK_PYTHON
T0=$(date +%s)

# A small boto3 runner: py 'code' (endpoint and credentials from the environment)
PY_PRELUDE='import os, sys, json, time, urllib.request
import boto3, botocore.config
from botocore.exceptions import ClientError
def C(name, **cfg):
    cfg.setdefault("retries", {"total_max_attempts": 1})
    return boto3.client(name, config=botocore.config.Config(**cfg))
'
py() { "$PY" -c "$PY_PRELUDE$1"; }

echo "== plain moto + our handlers (awscli v2 and boto3)"
aws_start || { echo "0 passed, 1 failed"; exit 1; }
check "launcher answers /stk-api/info" curl -sf "$MOTO_URL/stk-api/info"
check "awscli sts get-caller-identity" awscli sts get-caller-identity
out=$(awscli cloudfront list-cache-policies --type managed 2>&1)
check_contains "awscli: managed cache policy Managed-CachingOptimized listed" "658327ea-f89d-4fab-a63d-7e88639e58f6" "$out"
oai=$(awscli cloudfront create-cloud-front-origin-access-identity \
      --cloud-front-origin-access-identity-config CallerReference=ref-1,Comment=frontend \
      --query CloudFrontOriginAccessIdentity.Id --output text 2>&1)
check_contains "awscli: create OAI returns an id" "E" "$oai"
check "our CloudFront handlers: OAI and cache policy API (boto3)" py '
cf = C("cloudfront")
lst = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
assert lst["Quantity"] == 1, lst
oai = lst["Items"][0]["Id"]
got = cf.get_cloud_front_origin_access_identity(Id=oai)
assert got["CloudFrontOriginAccessIdentity"]["CloudFrontOriginAccessIdentityConfig"]["Comment"] == "frontend", got
try:
    cf.delete_cloud_front_origin_access_identity(Id=oai, IfMatch="WRONG"); raise AssertionError("deleted with a wrong ETag")
except ClientError as e:
    assert e.response["Error"]["Code"] == "PreconditionFailed", e.response
again = cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={"CallerReference": "ref-1", "Comment": "frontend"})
assert again["CloudFrontOriginAccessIdentity"]["Id"] == oai, "same CallerReference must give the same OAI"
u = cf.update_cloud_front_origin_access_identity(Id=oai, IfMatch=got["ETag"],
        CloudFrontOriginAccessIdentityConfig={"CallerReference": "ref-1", "Comment": "changed"})
d = cf.create_distribution(DistributionConfig={"CallerReference": "d", "Comment": "", "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "b.s3.amazonaws.com",
                                          "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/" + oai}}]},
    "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                             "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})
try:
    cf.delete_cloud_front_origin_access_identity(Id=oai, IfMatch=u["ETag"]); raise AssertionError("deleted while in use")
except ClientError as e:
    assert e.response["Error"]["Code"] == "CloudFrontOriginAccessIdentityInUse", e.response
cfg = cf.get_distribution_config(Id=d["Distribution"]["Id"])
cfg["DistributionConfig"]["Enabled"] = False
dis = cf.update_distribution(Id=d["Distribution"]["Id"], IfMatch=cfg["ETag"], DistributionConfig=cfg["DistributionConfig"])
cf.delete_distribution(Id=d["Distribution"]["Id"], IfMatch=dis["ETag"])
cf.delete_cloud_front_origin_access_identity(Id=oai, IfMatch=u["ETag"])
try:
    cf.get_cloud_front_origin_access_identity(Id=oai); raise AssertionError("still there")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NoSuchCloudFrontOriginAccessIdentity", e.response
p = cf.get_cache_policy(Id="4135ea2d-6df8-44a3-9df3-4b5a84be39ad")["CachePolicy"]["CachePolicyConfig"]
assert p["Name"] == "Managed-CachingDisabled" and p["MaxTTL"] == 0, p
names = [i["CachePolicy"]["CachePolicyConfig"]["Name"] for i in cf.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]]
assert "Managed-CachingOptimized" in names, names
'
check "create cache cluster and replication group (boto3)" py '
ec = C("elasticache")
ec.create_cache_cluster(CacheClusterId="redis", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1)
ec.create_replication_group(ReplicationGroupId="rg", ReplicationGroupDescription="rg", Engine="redis",
                            CacheNodeType="cache.t3.micro", NumCacheClusters=2)
rg = ec.describe_replication_groups(ReplicationGroupId="rg")["ReplicationGroups"][0]
addr = rg["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
assert addr.startswith("master.rg.") and addr.endswith(".eun1.cache.amazonaws.com"), addr
assert rg["MemberClusters"] == ["rg-001", "rg-002"], rg["MemberClusters"]
'
out=$(awscli elasticache describe-cache-clusters --cache-cluster-id redis --show-cache-node-info \
      --query 'CacheClusters[0].CacheNodes[0].Endpoint.[Address,Port]' --output text 2>&1)
check_contains "awscli: cache node endpoint filled (redis.xxxxxx.0001.eun1...:6379)" ".0001.eun1.cache.amazonaws.com	6379" "$out"
check "awscli s3 mb (path style on 127.0.0.1)" awscli s3 mb s3://selftest-bucket
echo hello >"$STK_AWS_TMP/hello.txt"
check "awscli s3 cp" awscli s3 cp "$STK_AWS_TMP/hello.txt" s3://selftest-bucket/hello.txt
out=$(awscli s3 cp s3://selftest-bucket/hello.txt - 2>&1)
check_eq "awscli s3 reads the object back" "hello" "$out"
check "EC2 creates with a ClientToken used before answer the first object (boto3)" py '
ec2 = C("ec2")
a = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, ClientToken="selftest-tok")
b = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, ClientToken="selftest-tok")
n = sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"])
assert a["Instances"][0]["InstanceId"] == b["Instances"][0]["InstanceId"] and n == 1, (a, b, n)
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
r1 = ec2.create_route_table(VpcId=vpc, ClientToken="rt-tok")["RouteTable"]["RouteTableId"]
r2 = ec2.create_route_table(VpcId=vpc, ClientToken="rt-tok")["RouteTable"]["RouteTableId"]
r3 = ec2.create_route_table(VpcId=vpc, ClientToken="rt-other")["RouteTable"]["RouteTableId"]
assert r1 == r2 != r3, (r1, r2, r3)
t1 = ec2.create_launch_template(LaunchTemplateName="lt-tok", LaunchTemplateData={}, ClientToken="lt-tok")
t2 = ec2.create_launch_template(LaunchTemplateName="lt-tok", LaunchTemplateData={}, ClientToken="lt-tok")
assert t1["LaunchTemplate"]["LaunchTemplateId"] == t2["LaunchTemplate"]["LaunchTemplateId"]
'
check "RemoveRoleFromInstanceProfile of a role not in the profile: NoSuchEntity (boto3)" py '
iam = C("iam")
iam.create_role(RoleName="st-role", AssumeRolePolicyDocument="{}")
iam.create_instance_profile(InstanceProfileName="st-prof")
try:
    iam.remove_role_from_instance_profile(InstanceProfileName="st-prof", RoleName="st-role")
    raise SystemExit("no error")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NoSuchEntity", e.response
'
check "moto lacking an operation answers 501 NotImplemented in its protocol" py '
try:
    C("ec2").describe_capacity_block_offerings(CapacityDurationHours=24, InstanceCount=1, InstanceType="p5.48xlarge")
    print("implemented now: pick another probe")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NotImplemented" and e.response["ResponseMetadata"]["HTTPStatusCode"] == 501, e.response
'
vpc=$(py '
C("cloudfront").create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={"CallerReference": "ref-2", "Comment": "x"})
print(C("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"])
' 2>&1)
check_contains "a VPC and an OAI to be reset" "vpc-" "$vpc"
check "aws_reset" aws_reset
out=$(awscli ec2 describe-vpcs --vpc-ids "$vpc" 2>&1)
check_contains "awscli: reset removed the VPC" "InvalidVpcID.NotFound" "$out"
check "reset cleared our handlers' data and moto's (boto3)" py '
q = C("cloudfront").list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]["Quantity"]
assert q == 0, q
assert C("elasticache").describe_cache_clusters()["CacheClusters"] == []
assert C("s3").list_buckets()["Buckets"] == []
'
moto_pid=$(cat "$STK_AWS_TMP/moto.pid")
aws_stop
sleep 0.2
check_fails "aws_stop killed the launcher" kill -0 "$moto_pid"

echo "== slow mode (--slow 2), with moto's request recorder on"
MOTO_ENABLE_RECORDING=true MOTO_RECORDER_FILEPATH="${TMPDIR:-/tmp}/stk-selftest-recording.$$" aws_start --slow 2 || exit 1
check "waiters pass through pending states (create, update, delete)" py '
ec2, elb, ec, cf = C("ec2"), C("elbv2"), C("elasticache"), C("cloudfront")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
sn = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone="eu-north-1" + z)["Subnet"]["SubnetId"]
      for i, z in enumerate("ab")]
nat = ec2.create_nat_gateway(SubnetId=sn[0], AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])["NatGateway"]
assert nat["State"] == "pending", nat["State"]
nat = nat["NatGatewayId"]
inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=sn[0])["Instances"][0]["InstanceId"]
lb = elb.create_load_balancer(Name="lb", Subnets=sn)["LoadBalancers"][0]["LoadBalancerArn"]
ec.create_cache_cluster(CacheClusterId="r", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1)
ec.create_replication_group(ReplicationGroupId="g", ReplicationGroupDescription="g", Engine="redis",
                            CacheNodeType="cache.t3.micro", NumCacheClusters=1)
d = cf.create_distribution(DistributionConfig={"CallerReference": "c", "Comment": "", "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "b.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
    "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                             "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})["Distribution"]["Id"]
seen = {k: [] for k in ("nat", "inst", "lb", "cc", "rg", "cf")}
for _ in range(3):
    seen["nat"].append(ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"])
    seen["inst"].append(ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["State"]["Name"])
    seen["lb"].append(elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["State"]["Code"])
    seen["cc"].append(ec.describe_cache_clusters(CacheClusterId="r")["CacheClusters"][0]["CacheClusterStatus"])
    seen["rg"].append(ec.describe_replication_groups(ReplicationGroupId="g")["ReplicationGroups"][0]["Status"])
    seen["cf"].append(cf.get_distribution(Id=d)["Distribution"]["Status"])
want = {"nat": ["pending", "pending", "available"], "inst": ["pending", "pending", "running"],
        "lb": ["provisioning", "provisioning", "active"], "cc": ["creating", "creating", "available"],
        "rg": ["creating", "creating", "available"], "cf": ["InProgress", "InProgress", "Deployed"]}
print(seen)
assert seen == want, (seen, want)
# and a waiter polls until the resource is ready (new instance: 2 pending, then running)
i2 = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=sn[0])["Instances"][0]["InstanceId"]
calls = []
ec2.meta.events.register("before-call.ec2.DescribeInstances", lambda **k: calls.append(1))
ec2.get_waiter("instance_running").wait(InstanceIds=[i2], WaiterConfig={"Delay": 0.05, "MaxAttempts": 10})
assert len(calls) == 3, calls
# deletions and updates pass through their transitional states too
ec2.delete_nat_gateway(NatGatewayId=nat)
ec2.terminate_instances(InstanceIds=[inst])
cfg = cf.get_distribution_config(Id=d)
cfg["DistributionConfig"]["Enabled"] = False
upd = cf.update_distribution(Id=d, IfMatch=cfg["ETag"], DistributionConfig=cfg["DistributionConfig"])
seen = {"nat": [], "inst": [], "cf": [upd["Distribution"]["Status"]]}
for _ in range(3):
    seen["nat"].append(ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"])
    seen["inst"].append(ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["State"]["Name"])
    seen["cf"].append(cf.get_distribution(Id=d)["Distribution"]["Status"])
want = {"nat": ["deleting", "deleting", "deleted"], "inst": ["shutting-down", "shutting-down", "terminated"],
        "cf": ["InProgress", "InProgress", "InProgress", "Deployed"]}
assert seen == want, (seen, want)
'
check "the recorder counts every request, ours included" py '
base = os.environ["MOTO_URL"] + "/moto-api/recorder/"
urllib.request.urlopen(urllib.request.Request(base + "reset-recording", method="POST", data=b"")).read()
urllib.request.urlopen(urllib.request.Request(base + "start-recording", method="POST", data=b"")).read()
C("ec2").describe_vpcs(); C("cloudfront").list_cache_policies(); C("elasticache").describe_cache_parameter_groups()
lines = urllib.request.urlopen(base + "download-recording").read().decode().splitlines()
assert len(lines) == 3, lines
'
rm -f "${TMPDIR:-/tmp}/stk-selftest-recording.$$"
aws_stop

echo "== SigV4 enforced (--auth)"
aws_start --auth || exit 1
check "right key passes (awscli sts)" awscli sts get-caller-identity
out=$(AWS_SECRET_ACCESS_KEY=wrong-secret-wrong-secret-wrong-secret-00 awscli sns list-topics 2>&1)
check_contains "wrong secret: SignatureDoesNotMatch (awscli sns)" "SignatureDoesNotMatch" "$out"
check "every service: right secret passes, wrong one fails (test_auth.py)" \
    "$PY" "$HERE/test_auth.py" --endpoint "$MOTO_URL" --creds-file "$STK_AWS_TMP/creds.json"
aws_stop

echo "== fault proxy (--seed 42 --error-rate 0.2)"
aws_start --proxy "--seed 42 --error-rate 0.2" || exit 1
check_contains "AWS_ENDPOINT_URL is the proxy" "$AWS_PROXY_URL" "$AWS_ENDPOINT_URL"
check "same seed, same requests -> same faults" py '
def run():
    urllib.request.urlopen(urllib.request.Request(os.environ["AWS_PROXY_URL"] + "/__proxy/reset", method="POST", data=b"")).read()
    ec2, sns, ddb, s3 = C("ec2"), C("sns"), C("dynamodb"), C("s3")
    got = []
    for i in range(60):
        c, op = [(ec2, "describe_vpcs"), (sns, "list_topics"), (ddb, "list_tables"), (s3, "list_buckets")][i % 4]
        try:
            getattr(c, op)(); got.append("ok")
        except ClientError as e:
            got.append("%s/%s" % (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]))
    dec = json.load(urllib.request.urlopen(os.environ["AWS_PROXY_URL"] + "/__proxy/decisions"))
    return got, [d[3] for d in dec]
a, da = run()
b, db = run()
faults = [x for x in a if x != "ok"]
print(len(faults), "faults of 60:", sorted(set(faults)))
assert a == b and da == db, "different fault sequences"
assert 3 <= len(faults) <= 25, len(faults)
assert set(faults) <= {"500/InternalError", "503/Unavailable", "500/InternalFailure", "503/ServiceUnavailable"}, faults
'
check "boto3 with retries gets through 100 calls" py '
import botocore.retries.standard as std
std.ExponentialBackoff.delay_amount = lambda self, ctx: 0.01  # keep the test fast
urllib.request.urlopen(urllib.request.Request(os.environ["AWS_PROXY_URL"] + "/__proxy/reset", method="POST", data=b"")).read()
cfg = dict(retries={"mode": "standard", "max_attempts": 10})
ec2, sns, ddb, s3, cf = C("ec2", **cfg), C("sns", **cfg), C("dynamodb", **cfg), C("s3", **cfg), C("cloudfront", **cfg)
ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
n = 1
for i in range(99):
    [lambda: ec2.describe_vpcs(), lambda: sns.list_topics(), lambda: ddb.put_item(TableName="t", Item={"k": {"S": str(i)}}),
     lambda: s3.list_buckets(), lambda: cf.list_cache_policies(Type="managed")][i % 5]()
    n += 1
items = ddb.scan(TableName="t")["Count"]
st = json.load(urllib.request.urlopen(os.environ["AWS_PROXY_URL"] + "/__proxy/stats"))
print(n, "calls ok;", items, "items; proxy:", st["requests"], "requests,", st["faults"])
assert n == 100 and items == 20
assert st["faults"]["error500"] + st["faults"]["error503"] >= 5
'
check "proxy: HTTP/1.1 keep-alive and chunked request bodies" py '
import http.client
c = http.client.HTTPConnection("127.0.0.1", int(os.environ["AWS_PROXY_URL"].rsplit(":", 1)[1]))
socks = set()
for i in range(3):
    c.request("GET", "/stk-api/info"); r = c.getresponse(); r.read(); socks.add(id(c.sock))
    assert r.status == 200
assert len(socks) == 1, "connection not kept alive"
C("s3", retries={"total_max_attempts": 10}).create_bucket(Bucket="chunky", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
for attempt in range(10):   # 20% of requests fail here: retry by hand
    c = http.client.HTTPConnection("127.0.0.1", int(os.environ["AWS_PROXY_URL"].rsplit(":", 1)[1]))
    c.putrequest("PUT", "/chunky/k"); c.putheader("Transfer-Encoding", "chunked"); c.endheaders()
    for part in (b"abc", b"defg"):
        c.send(b"%x\r\n%s\r\n" % (len(part), part))
    c.send(b"0\r\n\r\n"); r = c.getresponse(); r.read()
    if r.status == 200:
        break
s3 = boto3.client("s3", endpoint_url=os.environ["MOTO_URL"])
assert s3.get_object(Bucket="chunky", Key="k")["Body"].read() == b"abcdefg"
'
check "proxy logs one line per request" test -s "$STK_AWS_TMP/proxy.log"
check "proxy writes its stats file" grep -q '"requests"' "$STK_AWS_TMP/proxy.stats.json"

echo "== fault proxy: throttling, drops, --only-service"
old_proxy=$AWS_PROXY_URL
aws_proxy_restart "--seed 7 --throttle-rate 0.5 --drop-rate 0.5 --only-service sns --latency-ms 5"
check_eq "aws_proxy_restart: a new proxy is the endpoint" "1" "$([ "$AWS_ENDPOINT_URL" = "$AWS_PROXY_URL" ] && [ "$AWS_PROXY_URL" != "$old_proxy" ] && echo 1)"
check "throttling and drops only hit sns; codes as AWS sends them" py '
ec2, sns = C("ec2"), C("sns", connect_timeout=2, read_timeout=5)
for _ in range(10):
    ec2.describe_vpcs()   # never faulted
kinds = set()
for _ in range(20):
    try:
        sns.list_topics(); kinds.add("ok")
    except ClientError as e:
        kinds.add(e.response["Error"]["Code"] + "/%d" % e.response["ResponseMetadata"]["HTTPStatusCode"])
    except Exception as e:
        kinds.add("dropped")
print(kinds)
assert kinds == {"Throttling/400", "dropped"}, kinds
st = json.load(urllib.request.urlopen(os.environ["AWS_PROXY_URL"] + "/__proxy/stats"))
assert st["by_service"]["ec2"]["faults"] == 0 and st["by_service"]["sns"]["faults"] == 20, st
'
aws_proxy_restart "--seed 3 --drop-after-rate 1.0 --only-service dynamodb"
check "drop-after: the call happens, the answer is lost" py '
direct = boto3.client("dynamodb", endpoint_url=os.environ["MOTO_URL"])
direct.create_table(TableName="d", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
try:
    C("dynamodb").put_item(TableName="d", Item={"k": {"S": "x"}}); raise AssertionError("answer not dropped")
except ClientError as e:
    raise AssertionError(e)
except Exception as e:
    print("client saw:", type(e).__name__)
assert direct.get_item(TableName="d", Key={"k": {"S": "x"}}).get("Item"), "the put did not reach moto"
'
aws_proxy_restart "--seed 1 --throttle-rate 1.0"
check "throttling codes per protocol (ec2, s3, json)" py '
want = {"ec2": ("describe_vpcs", "RequestLimitExceeded", 503), "s3": ("list_buckets", "SlowDown", 503),
        "dynamodb": ("list_tables", "ThrottlingException", 400), "elasticache": ("describe_cache_clusters", "Throttling", 400)}
for svc, (op, code, status) in want.items():
    try:
        getattr(C(svc), op)(); raise AssertionError(svc + " not throttled")
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), (svc, got)
'
aws_stop

if [ "${STK_AWS_SELFTEST_FULL:-0}" = 1 ]; then
    echo "== every StartTech operation, plain and with SigV4 enforced (STK_AWS_SELFTEST_FULL=1)"
    check "probe_ops.py: no gap" "$PY" "$HERE/probe_ops.py"
    check "probe_ops.py --auth: no gap" "$PY" "$HERE/probe_ops.py" --auth
fi

echo "($(( $(date +%s) - T0 ))s)"
report
