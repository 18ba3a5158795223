#!/usr/bin/env bash
# aws_faults.sh - the retry loop of stk_aws_call under injected faults: 200
# calls over four protocols through tests/aws/fault_proxy.py (seeded; 10%
# 500/503 answers and 10% throttling) must all succeed, and the retry counts
# are reported (`stk aws call -repeat=N -stats`); then 120 calls on 8 threads
# sharing one client; then answers dropped after moto acted, to check which
# calls are retried; then the cap on calls in flight (STK_AWS_MAX_IN_FLIGHT).
#
# Usage: tests/e2e/aws_faults.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
[ -x "$STK" ] || { echo "aws_faults.sh: no stk binary at $STK" >&2; exit 2; }
. "$ROOT/tests/aws/lib.sh"
aws_start --proxy "--seed 7 --error-rate 0.1 --throttle-rate 0.1 --log none" || { echo "0 passed, 1 failed"; exit 1; }

total_retries=0
# calls NAME SERVICE OPERATION PARAMS: 50 calls, all must succeed
calls() {
    local name=$1 svc=$2 op=$3 params=$4 out stats
    out=$("$STK" aws call -repeat=50 -stats "$svc" "$op" "$params" 2>&1 >/dev/null)
    local rc=$?
    stats=$(printf '%s\n' "$out" | grep -E '^calls ' | tail -1)
    echo "     $name: $stats"
    check_eq "$name: 50 calls succeed" "0 50" "$rc $(printf '%s' "$stats" | sed -n 's/^calls \([0-9]*\), failed 0,.*/\1/p')"
    local r; r=$(printf '%s' "$stats" | sed -n 's/.*retries \([0-9]*\).*/\1/p')
    total_retries=$((total_retries + ${r:-0}))
}

# something to describe (made directly on moto, then the proxy starts counting)
AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call dynamodb CreateTable '{"TableName":"t","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' >/dev/null 2>&1
AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call s3 CreateBucket '{"Bucket":"faulty","CreateBucketConfiguration":{"LocationConstraint":"eu-north-1"}}' >/dev/null 2>&1
aws_proxy_reset

calls "ec2 DescribeVpcs (ec2)" ec2 DescribeVpcs '{}'
calls "sts GetCallerIdentity (query)" sts GetCallerIdentity '{}'
calls "dynamodb DescribeTable (json)" dynamodb DescribeTable '{"TableName":"t"}'
calls "s3 HeadBucket (rest-xml)" s3 HeadBucket '{"Bucket":"faulty"}'

stats=$(aws_proxy_stats)
faults=$(printf '%s' "$stats" | python3 -c 'import json,sys; d=json.load(sys.stdin); f=d.get("faults", {}); print(sum(f.values()) if isinstance(f, dict) else f)' 2>/dev/null)
echo "     proxy: $stats"
echo "     retries made by stk over the 200 calls: $total_retries; faults injected: ${faults:-?}"
check "faults were injected" test "${faults:-0}" -gt 10
check_eq "one retry per injected fault" "${faults:-?}" "$total_retries"

# the same with 8 threads sharing one client (the apply walker's situation)
aws_proxy_reset
out=$("$STK" aws call -repeat=120 -parallel=8 -stats ec2 DescribeSubnets '{}' 2>&1 >/dev/null)
rc=$?
stats=$(printf '%s\n' "$out" | grep -E '^calls ' | tail -1)
echo "     parallel: $stats"
check_eq "120 calls on 8 threads succeed" "0 calls 120, failed 0" "$rc $(printf '%s' "$stats" | cut -d, -f1-2)"
pfaults=$(aws_proxy_stats | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["faults"].values()))' 2>/dev/null)
check_eq "parallel: one retry per injected fault" "${pfaults:-?}" "$(printf '%s' "$stats" | sed -n 's/.*retries \([0-9]*\).*/\1/p')"
# Answers lost after AWS acted (--drop-after-rate 1): a create without an
# idempotency token must not be retried (a retry would make a second VPC);
# a read is retried until attempts run out; a create with a ClientToken is
# retried with the same token.
aws_proxy_restart "--seed 7 --drop-after-rate 1.0 --log none" || { report; exit 1; }
before=$(AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call ec2 DescribeVpcs '{}' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Vpcs"]))')
out=$("$STK" aws call -stats ec2 CreateVpc '{"CidrBlock":"10.77.0.0/16"}' 2>&1 >/dev/null)
check_contains "CreateVpc with a lost answer: one attempt only" "attempts 1," "$out"
after=$(AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call ec2 DescribeVpcs '{}' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Vpcs"]))')
check_eq "exactly one VPC was made" "$((before + 1))" "$after"
out=$("$STK" aws call -stats ec2 DescribeVpcs '{}' 2>&1 >/dev/null)
check_contains "DescribeVpcs with lost answers: retried" "attempts 5," "$out"
out=$(STK_LOG=debug "$STK" aws call -stats ec2 CreateLaunchTemplate '{"LaunchTemplateName":"lt-drop","LaunchTemplateData":{"InstanceType":"t3.micro"}}' 2>&1 >/dev/null)
check_contains "CreateLaunchTemplate (ClientToken) retried" "attempts 5," "$out"
# STK_AWS_MAX_IN_FLIGHT caps the calls one client has in flight (the rest
# wait in stk, highest priority first: resources/aws/client/limiter.h); the
# proxy counts the most requests it held at once (50 ms each)
aws_proxy_restart "--latency-ms 50 --track-in-flight --log none" || { report; exit 1; }
peak() { aws_proxy_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_in_flight"])'; }
"$STK" aws call -repeat=40 -parallel=8 ec2 DescribeVpcs '{}' >/dev/null 2>&1
uncapped=$(peak)
check "without a cap, 8 threads have more than 2 calls in flight (${uncapped:-?})" test "${uncapped:-0}" -gt 2
aws_proxy_reset
out=$(STK_AWS_MAX_IN_FLIGHT=2 "$STK" aws call -repeat=40 -parallel=8 -stats ec2 DescribeVpcs '{}' 2>&1 >/dev/null)
check_contains "STK_AWS_MAX_IN_FLIGHT=2: the 40 calls succeed" "calls 40, failed 0" "$out"
check_eq "STK_AWS_MAX_IN_FLIGHT=2: at most 2 in flight" 2 "$(peak)"
report
