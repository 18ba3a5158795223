#!/usr/bin/env bash
# faults.sh - the whole StartTech stack through tests/aws/fault_proxy.py.
#
# Part 1, a faulty network: apply, plan and destroy of examples/starttech
# (copied to a temporary directory) with every AWS call going through the
# proxy: 10% 500/503 answers, 5% throttling, 1% dropped connections (closed
# before the request reaches moto) and added latency, seeded.
#   - apply completes (exit 0); moto, counted directly at $MOTO_URL (past the
#     proxy), holds exactly one of each object (count_resources.py: no
#     duplicate, no orphan);
#   - the retry counts are reported by stk (`STK_LOG=info`: the line "stk: AWS
#     calls: N, retries: R (throttling T, server errors S, connection C), gave
#     up: G") and printed here next to the proxy's own counts;
#   - a plan through the same faults shows no changes (and reports its
#     retries too; with -json they are the event "aws_retries");
#   - destroy completes and moto holds nothing of the stack.
# Part 2, an outage: one service ($STK_FAULTS_SERVICE, default elasticache)
# answers every call with $STK_FAULTS_FAIL_WITH (default
# 503:ServiceUnavailable; e.g. 403:AccessDenied), the others work:
#   - apply exits 1, its error names the service and the AWS error code;
#   - everything that does not depend on the service is created, the rest
#     is skipped: state and moto agree object for object, nothing of the
#     failing service exists;
#   - after recovery (proxy restarted without the outage) an apply completes,
#     moto holds exactly one of each object and a plan shows no changes.
#
# CI form: one seed (STK_FAULTS_SEED, default 42), 200 ms latency, the real
# backoff (1 s base, full jitter), and the outage of elasticache (503).
# Long form (STK_FAULTS_LONG=1): part 1 for each seed of STK_FAULTS_SEEDS
# (default "42 7 1234 2026 99"), then two outages: elasticache answering
# 503:ServiceUnavailable and CloudWatch (monitoring) answering
# 403:AccessDenied.  STK_FAULTS_LATENCY_MS overrides the latency;
# STK_FAULTS_DROP_AFTER=0.03 also loses 3% of the answers after moto acted.
# Usage: tests/reliability/faults.sh [path/to/stk]  (default: $STK_BIN)
# Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
STK=${1:-${STK_BIN:-$PWD/build/stk}}
[ -x "$STK" ] || { echo "faults.sh: no stk binary at $STK" >&2; exit 2; }
COUNT="$ROOT/tests/reliability/count_resources.py"
LATENCY=${STK_FAULTS_LATENCY_MS:-200}
if [ "${STK_FAULTS_LONG:-0}" = 1 ]; then
    SEEDS=${STK_FAULTS_SEEDS:-42 7 1234 2026 99}
    OUTAGES="elasticache=503:ServiceUnavailable=elasticache=aws_elasticache_ monitoring=403:AccessDenied=monitoring=aws_cloudwatch_(metric_alarm|dashboard)"
    form=long
else
    SEEDS=${STK_FAULTS_SEED:-42}
    OUTAGES="elasticache=503:ServiceUnavailable=elasticache=aws_elasticache_"
    form=CI
fi
# STK_FAULTS_DROP_AFTER=F adds answers lost after moto acted (the create
# happened, stk never hears): each such create must be found and adopted
faults_of() {
    echo "--seed $1 --error-rate 0.10 --throttle-rate 0.05 --drop-rate 0.01${STK_FAULTS_DROP_AFTER:+ --drop-after-rate $STK_FAULTS_DROP_AFTER} --latency-ms $LATENCY"
}
. tests/aws/lib.sh
aws_start --slow 1 --proxy "$(faults_of ${SEEDS%% *})" || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
trap 'aws_stop; rm -rf "$work"' EXIT
cp -r examples/starttech/. "$work/"
rm -rf "$work/.stk"
cd "$work"

now_ms() { date +%s%3N; }
# counts of moto's objects, asked past the proxy
moto_counts() { AWS_ENDPOINT_URL=$MOTO_URL "$STK_PYTHON" "$COUNT" "$@"; }
retry_line() { grep -m1 '^stk: AWS calls:' "$1" | sed 's/^stk: //'; }
proxy_faults() { # "requests N, faults F (kind n, ...)"
    aws_proxy_stats | "$STK_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
f = {k: v for k, v in d["faults"].items() if v}
print("requests %d, faults %d (%s)" % (d["requests"], sum(f.values()), ", ".join("%s %d" % kv for kv in sorted(f.items()))))'
}
show_errors() { grep -m8 -i 'error' "$1" | sed 's/^/     /'; }

# state vs moto, type by type: every kind stk keeps one object per resource
# of (instances of the auto scaling group excepted)
STATE_VS_MOTO='
import json, subprocess, sys
kinds = {"aws_vpc": "ec2.vpc", "aws_subnet": "ec2.subnet", "aws_internet_gateway": "ec2.internet_gateway",
         "aws_eip": "ec2.eip", "aws_nat_gateway": "ec2.nat_gateway", "aws_route_table": "ec2.route_table",
         "aws_route_table_association": "ec2.route_table_association",
         "aws_security_group": "ec2.security_group", "aws_launch_template": "ec2.launch_template",
         "aws_instance": "ec2.instance.mongodb", "aws_autoscaling_group": "autoscaling.group",
         "aws_autoscaling_policy": "autoscaling.policy", "aws_lb": "elbv2.load_balancer",
         "aws_lb_target_group": "elbv2.target_group", "aws_lb_listener": "elbv2.listener",
         "aws_iam_role": "iam.role", "aws_iam_role_policy": "iam.role_policy",
         "aws_iam_role_policy_attachment": "iam.role_policy_attachment",
         "aws_iam_instance_profile": "iam.instance_profile", "aws_ecr_repository": "ecr.repository",
         "aws_ecr_lifecycle_policy": "ecr.lifecycle_policy",
         "aws_elasticache_subnet_group": "elasticache.subnet_group",
         "aws_elasticache_cluster": "elasticache.cluster", "aws_s3_bucket": "s3.bucket",
         "aws_s3_bucket_public_access_block": "s3.public_access_block",
         "aws_s3_bucket_policy": "s3.bucket_policy",
         "aws_cloudfront_origin_access_control": "cloudfront.origin_access_control",
         "aws_cloudfront_distribution": "cloudfront.distribution",
         "aws_cloudwatch_log_group": "logs.log_group", "aws_sns_topic": "sns.topic",
         "aws_cloudwatch_metric_alarm": "cloudwatch.alarm", "aws_cloudwatch_dashboard": "cloudwatch.dashboard"}
moto = json.loads(sys.argv[1])
state = {}
for addr in sys.argv[2].split():
    t = next((p.split("[")[0] for p in addr.split(".") if p.startswith("aws_")), None)
    if t:
        state[t] = state.get(t, 0) + 1
bad = []
for t, k in sorted(kinds.items()):
    if state.get(t, 0) != moto.get(k, 0):
        bad.append("%s: %d in state, %d in moto" % (t, state.get(t, 0), moto.get(k, 0)))
unknown = sorted(t for t in state if t not in kinds)
print("; ".join(bad) if bad else "agree (%d resources; not compared: %s)" % (sum(state.values()), ", ".join(unknown) or "-"))
sys.exit(1 if bad else 0)
'

# --- part 1: the whole stack through a faulty network ------------------------
faulty_run() { # SEED
    aws_reset
    rm -rf .stk
    aws_proxy_restart "$(faults_of "$1")" || return 1
    echo "== $form form, seed $1: proxy $(faults_of "$1")"
    t0=$(now_ms)
    STK_LOG=info "$STK" apply -auto-approve > apply.log 2>&1
    rc=$?
    t_apply=$(( $(now_ms) - t0 ))
    check_eq "apply through the faults completes (exit 0)" 0 "$rc"
    [ $rc -eq 0 ] || show_errors apply.log
    check_contains "apply summary" "Apply complete! Resources: 50 added, 0 changed, 0 destroyed." "$(cat apply.log)"
    apply_retries=$(retry_line apply.log)
    apply_proxy=$(proxy_faults)
    check "apply reports its AWS calls and retries" test -n "$apply_retries"
    bad=$(moto_counts 2>&1)
    check_eq "moto holds exactly one of each object (no duplicate, no orphan)" "" "$bad"
    nretries=$(printf '%s' "$apply_retries" | sed -n 's/.*retries: \([0-9]*\).*/\1/p')
    check "faults were met and retried (retries > 10)" test "${nretries:-0}" -gt 10
    echo "     apply: ${t_apply} ms; stk: $apply_retries"
    echo "     proxy: $apply_proxy"

    aws_proxy_reset
    STK_LOG=info "$STK" plan -detailed-exitcode > plan.log 2>&1
    rc=$?
    check_eq "plan through the faults: no changes (exit 0)" 0 "$rc"
    [ $rc -eq 0 ] || grep -m10 '^  *[-+~]\|# \|Error' plan.log | sed 's/^/     /'
    check "plan reports its AWS calls and retries ($(retry_line plan.log))" test -n "$(retry_line plan.log)"

    aws_proxy_reset
    t0=$(now_ms)
    STK_LOG=info "$STK" destroy -auto-approve > destroy.log 2>&1
    rc=$?
    t_destroy=$(( $(now_ms) - t0 ))
    check_eq "destroy through the faults completes (exit 0)" 0 "$rc"
    [ $rc -eq 0 ] || show_errors destroy.log
    check_contains "destroy summary" "Destroy complete! Resources: 50 destroyed." "$(cat destroy.log)"
    destroy_retries=$(retry_line destroy.log)
    destroy_proxy=$(proxy_faults)
    left=$(moto_counts --json 2>/dev/null | "$STK_PYTHON" -c 'import json, sys
print(" ".join("%s=%d" % (k, v) for k, v in sorted(json.load(sys.stdin).items()) if v))')
    check_eq "destroy leaves nothing in moto" "" "$left"
    check_eq "state empty after destroy" 0 "$("$STK" state list | wc -l)"
    echo "     destroy: ${t_destroy} ms; stk: $destroy_retries"
    echo "     proxy: $destroy_proxy"
}

# --- part 2: one service fails every call ------------------------------------
outage_run() { # SCOPE=STATUS:CODE=SERVICE=TYPES: SigV4 scope failed, answer, name in errors, its types (ERE)
    local SCOPE SERVICE FAIL_WITH TYPES code
    IFS== read -r SCOPE FAIL_WITH SERVICE TYPES <<<"$1"
    code=${FAIL_WITH#*:}
    aws_reset
    rm -rf .stk
    aws_proxy_restart "--seed 1 --latency-ms $LATENCY --fail-service $SCOPE --fail-with $FAIL_WITH" || return 1
    echo "== outage: every $SCOPE call answers $FAIL_WITH"
    t0=$(now_ms)
    STK_LOG=info "$STK" apply -auto-approve > outage.log 2>&1
    rc=$?
    t_outage=$(( $(now_ms) - t0 ))
    check_eq "apply during the outage exits 1" 1 "$rc"
    err=$(grep -A3 '^Error' outage.log | head -20)
    check_contains "the error names the service" "$SERVICE " "$err"
    check_contains "the error names the AWS error code" "$code" "$err"
    check "no stack trace, crash or sanitizer report" sh -c '! grep -q "AddressSanitizer\|runtime error\|Segmentation" outage.log'
    listed=$("$STK" state list 2>/dev/null)
    n_state=$(printf '%s\n' "$listed" | grep -c .)
    check "the rest of the graph finished (state holds > 30 resources)" test "$n_state" -gt 30
    check_eq "no $SERVICE resource in state" 0 "$(printf '%s\n' "$listed" | grep -cE "$TYPES")"
    agree=$(moto_counts --json 2>/dev/null)
    res=$("$STK_PYTHON" -c "$STATE_VS_MOTO" "$agree" "$listed")
    check "state and moto agree type by type ($res)" test "${res#agree}" != "$res"
    pending=$(sqlite3 .stk/default.db "SELECT count(*) FROM journal WHERE status = 'pending'" 2>&1)
    check_eq "no journal intent left pending" 0 "$pending"
    outage_retries=$(retry_line outage.log)
    echo "     outage apply: ${t_outage} ms, exit $rc, $n_state resources in state; stk: $outage_retries"
    echo "     proxy: $(proxy_faults)"
    printf '%s\n' "$err" | head -4 | sed 's/^/     | /'

    aws_proxy_restart "--seed 1 --latency-ms $LATENCY" || return 1
    STK_LOG=info "$STK" apply -auto-approve > recover.log 2>&1
    rc=$?
    check_eq "after recovery an apply completes (exit 0)" 0 "$rc"
    [ $rc -eq 0 ] || show_errors recover.log
    check_contains "recovery creates what was skipped" "Apply complete! Resources: $((50 - n_state)) added, 0 changed, 0 destroyed." "$(cat recover.log)"
    bad=$(moto_counts 2>&1)
    check_eq "after recovery moto holds exactly one of each object" "" "$bad"
    "$STK" plan -json -detailed-exitcode > plan2.log 2>&1
    rc=$?
    check_eq "after recovery plan shows no changes (exit 0)" 0 "$rc"
    check_contains "plan -json reports the retry counts as an event" '"type":"aws_retries"' "$(cat plan2.log)"
    [ $rc -eq 0 ] || grep -m10 '^  *[-+~]\|# \|Error' plan2.log | sed 's/^/     /'
}

# --- part 0: a lost answer is never sent again behind stk's back --------------
# Answers lost after moto acted, half of the time, on one kept-alive client:
# libcurl re-sends a request by itself when a reused connection closes
# before any answer; for a call that is not idempotent stk stops that second
# send (resources/aws/client/http.c), so each CreateVpc stk attempted made
# exactly one VPC.
aws_proxy_restart "--seed 3 --drop-after-rate 0.5 --log none" || { report; exit 1; }
nvpc() { AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call ec2 DescribeVpcs '{}' | "$STK_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["Vpcs"]))'; }
before=$(nvpc)
out=$("$STK" aws call -repeat=8 -stats ec2 CreateVpc '{"CidrBlock":"10.99.0.0/16"}' 2>&1 >/dev/null)
attempts=$(printf '%s\n' "$out" | sed -n 's/^calls 8, failed [0-9]*, attempts \([0-9]*\),.*/\1/p')
check_eq "CreateVpc x8, half the answers lost: one VPC per attempt stk made (${attempts:-?})" "${attempts:-?}" "$(( $(nvpc) - before ))"

for seed in $SEEDS; do
    faulty_run "$seed" || { check "proxy restart" false; break; }
done
for o in $OUTAGES; do
    outage_run "$o" || { check "proxy restart" false; break; }
done
report
