#!/usr/bin/env bash
# aws_call.sh - integration test of the protocol layer: one real create /
# describe / delete per service with `stk aws call` against moto on
# 127.0.0.1 with SigV4 enforced (tests/aws/moto_launcher.py --auth; --slow 2
# so a NAT gateway shows "pending" before the waiter sees it available), and
# Debian's awscli (/usr/bin/aws --endpoint-url) reading back what stk made.
#
# Usage: tests/e2e/aws_call.sh [path/to/stk]      (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-${STK:-$ROOT/build/stk}}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
AWSCLI=${AWSCLI:-/usr/bin/aws}
PY=${PYTHON:-python3}
[ -x "$STK" ] || { echo "aws_call.sh: no stk binary at $STK" >&2; exit 2; }
[ -x "$AWSCLI" ] || { echo "aws_call.sh: no awscli at $AWSCLI" >&2; exit 2; }

TMP=$(mktemp -d)
passed=0 failed=0
. "$ROOT/tests/aws/lib.sh"
trap 'aws_stop; rm -rf "$TMP"' EXIT
aws_start --auth --slow 2 || { echo "0 passed, 1 failed"; exit 1; }
URL=$AWS_ENDPOINT_URL
unset AWS_PROFILE AWS_SESSION_TOKEN
export STK_WAITER_DELAY_SCALE=0.01

ok()   { passed=$((passed + 1)); echo "ok   $1"; }
bad()  { failed=$((failed + 1)); echo "FAIL $1"; [ -s "$TMP/err" ] && sed 's/^/     /' "$TMP/err" | head -5; }
# stk_call NAME SERVICE OP [JSON] [extra stk options...]: output in $TMP/out
stk_call() {
    local name=$1; shift
    local svc=$1 op=$2 params=${3:-'{}'}; shift 3 2>/dev/null || shift $#
    if "$STK" aws call "$@" "$svc" "$op" "$params" >"$TMP/out" 2>"$TMP/err"; then ok "$name"; return 0; fi
    bad "$name"; return 1
}
# jq-free JSON read: jget FILE 'python expression over d'
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "$2" 2>/dev/null; }
# awscli read-back: aws_check NAME 'python expr' EXPECTED aws-args...
aws_check() {
    local name=$1 expr=$2 want=$3; shift 3
    if "$AWSCLI" --endpoint-url "$URL" --output json "$@" >"$TMP/aws" 2>"$TMP/err"; then
        local got; got=$(jget "$TMP/aws" "$expr")
        if [ "$got" = "$want" ]; then ok "$name"; return; fi
        echo "got '$got', want '$want'" >"$TMP/err"
    fi
    bad "$name"
}
expect() { # expect NAME GOT WANT
    if [ "$2" = "$3" ]; then ok "$1"; else echo "got '$2', want '$3'" >"$TMP/err"; bad "$1"; fi
}
expect_fail() { # expect_fail NAME NEEDLE SERVICE OP JSON: stk must fail with NEEDLE on stderr
    local name=$1 needle=$2; shift 2
    if "$STK" aws call "$@" >"$TMP/out" 2>"$TMP/err"; then bad "$name (succeeded)"; return; fi
    if grep -q -E -- "$needle" "$TMP/err"; then ok "$name"; else bad "$name"; fi
}

# --- signatures: the right secret passes (above), a wrong one is refused
AWS_SECRET_ACCESS_KEY=wrong-secret expect_fail "sigv4: wrong secret refused (sts)" "SignatureDoesNotMatch" sts GetCallerIdentity '{}'
AWS_SECRET_ACCESS_KEY=wrong-secret expect_fail "sigv4: wrong secret refused (ec2)" "AuthFailure|SignatureDoesNotMatch" ec2 DescribeVpcs '{}'
AWS_SECRET_ACCESS_KEY=wrong-secret expect_fail "sigv4: wrong secret refused (s3)" "SignatureDoesNotMatch" s3 ListBuckets '{}'

# --- sts
stk_call "sts GetCallerIdentity" sts GetCallerIdentity '{}'
ACCOUNT=$(jget "$TMP/out" 'd["Account"]')
aws_check "awscli sts get-caller-identity" 'd["Account"]' "$ACCOUNT" sts get-caller-identity

# --- ec2: create, wait, describe, read back, delete
stk_call "ec2 CreateVpc" ec2 CreateVpc \
    '{"CidrBlock":"10.20.0.0/16","TagSpecifications":[{"ResourceType":"vpc","Tags":[{"Key":"Name","Value":"stk e2e"}]}]}'
VPC=$(jget "$TMP/out" 'd["Vpc"]["VpcId"]')
if "$STK" aws wait ec2 VpcAvailable "{\"VpcIds\":[\"$VPC\"]}" >"$TMP/out" 2>"$TMP/err"; then ok "ec2 wait VpcAvailable"; else bad "ec2 wait VpcAvailable"; fi
stk_call "ec2 DescribeVpcs" ec2 DescribeVpcs "{\"VpcIds\":[\"$VPC\"]}"
expect "ec2 DescribeVpcs state" "$(jget "$TMP/out" 'd["Vpcs"][0]["State"]')" available
aws_check "awscli ec2 describe-vpcs" '[t["Value"] for t in d["Vpcs"][0]["Tags"] if t["Key"]=="Name"][0]' "stk e2e" \
    ec2 describe-vpcs --vpc-ids "$VPC"
stk_call "ec2 CreateSubnet" ec2 CreateSubnet "{\"VpcId\":\"$VPC\",\"CidrBlock\":\"10.20.1.0/24\",\"AvailabilityZone\":\"eu-north-1a\"}"
SUB1=$(jget "$TMP/out" 'd["Subnet"]["SubnetId"]')
stk_call "ec2 CreateSubnet 2" ec2 CreateSubnet "{\"VpcId\":\"$VPC\",\"CidrBlock\":\"10.20.2.0/24\",\"AvailabilityZone\":\"eu-north-1b\"}"
SUB2=$(jget "$TMP/out" 'd["Subnet"]["SubnetId"]')
# a waiter through pending states (the launcher's --slow 2)
stk_call "ec2 AllocateAddress" ec2 AllocateAddress '{"Domain":"vpc"}'
EIP=$(jget "$TMP/out" 'd["AllocationId"]')
stk_call "ec2 CreateNatGateway (ClientToken filled in)" ec2 CreateNatGateway "{\"SubnetId\":\"$SUB1\",\"AllocationId\":\"$EIP\"}"
NAT=$(jget "$TMP/out" 'd["NatGateway"]["NatGatewayId"]')
stk_call "ec2 DescribeNatGateways" ec2 DescribeNatGateways "{\"NatGatewayIds\":[\"$NAT\"]}"
expect "ec2 NAT gateway starts pending" "$(jget "$TMP/out" 'd["NatGateways"][0]["State"]')" pending
if "$STK" aws wait ec2 NatGatewayAvailable "{\"NatGatewayIds\":[\"$NAT\"]}" >/dev/null 2>"$TMP/err"; then ok "ec2 wait NatGatewayAvailable"; else bad "ec2 wait NatGatewayAvailable"; fi
aws_check "awscli ec2 describe-nat-gateways" 'd["NatGateways"][0]["State"]' available ec2 describe-nat-gateways --nat-gateway-ids "$NAT"
stk_call "ec2 DeleteNatGateway" ec2 DeleteNatGateway "{\"NatGatewayId\":\"$NAT\"}"
"$STK" aws call ec2 ReleaseAddress "{\"AllocationId\":\"$EIP\"}" >/dev/null 2>&1
expect_fail "ec2 unknown parameter rejected" 'Unknown parameter in input: "CidrBlok"' ec2 CreateVpc '{"CidrBlok":"10.0.0.0/16"}'
expect_fail "ec2 error code parsed" "InvalidVpcID.NotFound" ec2 DescribeVpcs '{"VpcIds":["vpc-00000000000000000"]}'

# --- elbv2
stk_call "elbv2 CreateTargetGroup" elbv2 CreateTargetGroup \
    "{\"Name\":\"stk-tg\",\"Protocol\":\"HTTP\",\"Port\":80,\"VpcId\":\"$VPC\",\"HealthCheckPath\":\"/health\",\"Matcher\":{\"HttpCode\":\"200\"}}"
TG=$(jget "$TMP/out" 'd["TargetGroups"][0]["TargetGroupArn"]')
stk_call "elbv2 DescribeTargetGroups" elbv2 DescribeTargetGroups "{\"TargetGroupArns\":[\"$TG\"]}"
aws_check "awscli elbv2 describe-target-groups" 'd["TargetGroups"][0]["HealthCheckPath"]' "/health" \
    elbv2 describe-target-groups --names stk-tg
stk_call "elbv2 DeleteTargetGroup" elbv2 DeleteTargetGroup "{\"TargetGroupArn\":\"$TG\"}"

# --- autoscaling
stk_call "autoscaling CreateLaunchConfiguration" autoscaling CreateLaunchConfiguration \
    '{"LaunchConfigurationName":"stk-lc","ImageId":"ami-12c6146b","InstanceType":"t3.micro","SecurityGroups":["sg-1"]}'
stk_call "autoscaling DescribeLaunchConfigurations" autoscaling DescribeLaunchConfigurations '{"LaunchConfigurationNames":["stk-lc"]}'
expect "autoscaling instance type" "$(jget "$TMP/out" 'd["LaunchConfigurations"][0]["InstanceType"]')" t3.micro
aws_check "awscli autoscaling describe-launch-configurations" 'd["LaunchConfigurations"][0]["ImageId"]' ami-12c6146b \
    autoscaling describe-launch-configurations --launch-configuration-names stk-lc
stk_call "autoscaling DeleteLaunchConfiguration" autoscaling DeleteLaunchConfiguration '{"LaunchConfigurationName":"stk-lc"}'

# --- elasticache
stk_call "elasticache CreateCacheSubnetGroup" elasticache CreateCacheSubnetGroup \
    "{\"CacheSubnetGroupName\":\"stk-csg\",\"CacheSubnetGroupDescription\":\"stk e2e\",\"SubnetIds\":[\"$SUB1\",\"$SUB2\"]}"
stk_call "elasticache DescribeCacheSubnetGroups" elasticache DescribeCacheSubnetGroups '{"CacheSubnetGroupName":"stk-csg"}'
expect "elasticache subnets" "$(jget "$TMP/out" 'len(d["CacheSubnetGroups"][0]["Subnets"])')" 2
aws_check "awscli elasticache describe-cache-subnet-groups" 'd["CacheSubnetGroups"][0]["CacheSubnetGroupDescription"]' "stk e2e" \
    elasticache describe-cache-subnet-groups --cache-subnet-group-name stk-csg
stk_call "elasticache DeleteCacheSubnetGroup" elasticache DeleteCacheSubnetGroup '{"CacheSubnetGroupName":"stk-csg"}'

# --- s3: bucket, binary object round trip, pagination, HEAD error without a body
stk_call "s3 CreateBucket" s3 CreateBucket '{"Bucket":"stk-e2e-bucket","CreateBucketConfiguration":{"LocationConstraint":"eu-north-1"}}'
head -c 3000 /dev/urandom >"$TMP/blob"
stk_call "s3 PutObject (binary body)" s3 PutObject '{"Bucket":"stk-e2e-bucket","Key":"dir/state one.db","ContentType":"application/octet-stream","Metadata":{"owner":"stk"}}' -body="$TMP/blob"
stk_call "s3 GetObject" s3 GetObject '{"Bucket":"stk-e2e-bucket","Key":"dir/state one.db"}' -out="$TMP/blob2"
if cmp -s "$TMP/blob" "$TMP/blob2"; then ok "s3 object bytes round trip"; else bad "s3 object bytes round trip"; fi
expect "s3 metadata header" "$(jget "$TMP/out" 'd["Metadata"]["owner"]')" stk
aws_check "awscli s3api head-object" 'd["ContentLength"]' 3000 s3api head-object --bucket stk-e2e-bucket --key "dir/state one.db"
for k in a b c; do "$STK" aws call s3 PutObject "{\"Bucket\":\"stk-e2e-bucket\",\"Key\":\"p/$k\",\"Body\":\"$k\"}" >/dev/null 2>&1; done
stk_call "s3 ListObjectsV2 -paginate" s3 ListObjectsV2 '{"Bucket":"stk-e2e-bucket","Prefix":"p/","MaxKeys":1}' -paginate
expect "s3 pagination merged 3 pages" "$(jget "$TMP/out" '",".join(o["Key"] for o in d["Contents"])')" "p/a,p/b,p/c"
for k in "dir/state one.db" p/a p/b p/c; do
    "$STK" aws call s3 DeleteObject "{\"Bucket\":\"stk-e2e-bucket\",\"Key\":\"$k\"}" >/dev/null 2>"$TMP/err" || bad "s3 DeleteObject $k"
done
stk_call "s3 DeleteBucket" s3 DeleteBucket '{"Bucket":"stk-e2e-bucket"}'
expect_fail "s3 HeadBucket after delete: NotFound" "NotFound" s3 HeadBucket '{"Bucket":"stk-e2e-bucket"}'

# --- cloudfront
stk_call "cloudfront CreateOriginAccessControl" cloudfront CreateOriginAccessControl \
    '{"OriginAccessControlConfig":{"Name":"stk-oac","Description":"stk e2e","SigningProtocol":"sigv4","SigningBehavior":"always","OriginAccessControlOriginType":"s3"}}'
OAC=$(jget "$TMP/out" 'd["OriginAccessControl"]["Id"]')
ETAG=$(jget "$TMP/out" 'd["ETag"]')
aws_check "awscli cloudfront get-origin-access-control" 'd["OriginAccessControl"]["OriginAccessControlConfig"]["Name"]' stk-oac \
    cloudfront get-origin-access-control --id "$OAC"
stk_call "cloudfront DeleteOriginAccessControl" cloudfront DeleteOriginAccessControl "{\"Id\":\"$OAC\",\"IfMatch\":\"$ETAG\"}"
stk_call "cloudfront ListDistributions" cloudfront ListDistributions '{}'

# --- ecr
stk_call "ecr CreateRepository" ecr CreateRepository '{"repositoryName":"stk/app","imageScanningConfiguration":{"scanOnPush":true}}'
aws_check "awscli ecr describe-repositories" 'd["repositories"][0]["imageScanningConfiguration"]["scanOnPush"]' True \
    ecr describe-repositories --repository-names stk/app
stk_call "ecr DeleteRepository" ecr DeleteRepository '{"repositoryName":"stk/app"}'

# --- iam
stk_call "iam CreateRole" iam CreateRole \
    '{"RoleName":"stk-role","AssumeRolePolicyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}","Tags":[{"Key":"team","Value":"stk"}]}'
stk_call "iam GetRole" iam GetRole '{"RoleName":"stk-role"}'
aws_check "awscli iam get-role" 'd["Role"]["Tags"][0]["Value"]' stk iam get-role --role-name stk-role
stk_call "iam DeleteRole" iam DeleteRole '{"RoleName":"stk-role"}'

# --- logs
stk_call "logs CreateLogGroup" logs CreateLogGroup '{"logGroupName":"/stk/e2e","tags":{"team":"stk"}}'
stk_call "logs PutRetentionPolicy" logs PutRetentionPolicy '{"logGroupName":"/stk/e2e","retentionInDays":30}'
aws_check "awscli logs describe-log-groups" 'd["logGroups"][0]["retentionInDays"]' 30 logs describe-log-groups --log-group-name-prefix /stk/e2e
stk_call "logs DeleteLogGroup" logs DeleteLogGroup '{"logGroupName":"/stk/e2e"}'

# --- monitoring (CloudWatch, query protocol)
stk_call "monitoring PutMetricAlarm" monitoring PutMetricAlarm \
    '{"AlarmName":"stk-cpu","MetricName":"CPUUtilization","Namespace":"AWS/EC2","Statistic":"Average","Period":300,"EvaluationPeriods":2,"Threshold":80.5,"ComparisonOperator":"GreaterThanThreshold","Dimensions":[{"Name":"AutoScalingGroupName","Value":"asg"}]}'
stk_call "monitoring DescribeAlarms" monitoring DescribeAlarms '{"AlarmNames":["stk-cpu"]}'
expect "monitoring threshold" "$(jget "$TMP/out" 'd["MetricAlarms"][0]["Threshold"]')" 80.5
aws_check "awscli cloudwatch describe-alarms" 'd["MetricAlarms"][0]["Dimensions"][0]["Value"]' asg cloudwatch describe-alarms --alarm-names stk-cpu
stk_call "monitoring DeleteAlarms" monitoring DeleteAlarms '{"AlarmNames":["stk-cpu"]}'

# --- sns
stk_call "sns CreateTopic" sns CreateTopic '{"Name":"stk-alarms","Attributes":{"DisplayName":"stk alarms"}}'
TOPIC=$(jget "$TMP/out" 'd["TopicArn"]')
stk_call "sns GetTopicAttributes" sns GetTopicAttributes "{\"TopicArn\":\"$TOPIC\"}"
aws_check "awscli sns get-topic-attributes" 'd["Attributes"]["DisplayName"]' "stk alarms" sns get-topic-attributes --topic-arn "$TOPIC"
stk_call "sns DeleteTopic" sns DeleteTopic "{\"TopicArn\":\"$TOPIC\"}"

# --- dynamodb: table, conditional writes (the lock pattern), read back
stk_call "dynamodb CreateTable" dynamodb CreateTable \
    '{"TableName":"stk-locks","KeySchema":[{"AttributeName":"LockID","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"LockID","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}'
if "$STK" aws wait dynamodb TableExists '{"TableName":"stk-locks"}' >/dev/null 2>"$TMP/err"; then ok "dynamodb wait TableExists"; else bad "dynamodb wait TableExists"; fi
stk_call "dynamodb PutItem (lock)" dynamodb PutItem \
    '{"TableName":"stk-locks","Item":{"LockID":{"S":"bucket/key"},"Info":{"S":"holder-1"}},"ConditionExpression":"attribute_not_exists(LockID)"}'
expect_fail "dynamodb second lock refused" "ConditionalCheckFailedException" dynamodb PutItem \
    '{"TableName":"stk-locks","Item":{"LockID":{"S":"bucket/key"},"Info":{"S":"holder-2"}},"ConditionExpression":"attribute_not_exists(LockID)"}'
aws_check "awscli dynamodb get-item" 'd["Item"]["Info"]["S"]' holder-1 \
    dynamodb get-item --table-name stk-locks --key '{"LockID":{"S":"bucket/key"}}'
stk_call "dynamodb DeleteItem" dynamodb DeleteItem '{"TableName":"stk-locks","Key":{"LockID":{"S":"bucket/key"}}}'
stk_call "dynamodb DeleteTable" dynamodb DeleteTable '{"TableName":"stk-locks"}'

# --- ec2 cleanup: delete and check it is gone
for s in "$SUB1" "$SUB2"; do "$STK" aws call ec2 DeleteSubnet "{\"SubnetId\":\"$s\"}" >/dev/null 2>"$TMP/err" || bad "ec2 DeleteSubnet $s"; done
stk_call "ec2 DeleteVpc" ec2 DeleteVpc "{\"VpcId\":\"$VPC\"}"
if "$AWSCLI" --endpoint-url "$URL" ec2 describe-vpcs --vpc-ids "$VPC" >/dev/null 2>"$TMP/err"; then bad "awscli: VPC gone"; else ok "awscli: VPC gone"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
