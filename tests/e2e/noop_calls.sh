#!/usr/bin/env bash
# noop_calls.sh - the API-call budget of a no-op plan of the whole StartTech
# stack, and refresh by batch still noticing changes made behind stk's back.
# Runs tests/bench/bench_noop_calls.sh (apply examples/starttech against
# moto, record the second plan with moto's recorder), then asserts:
#   - the second plan has no changes;
#   - it costs at most 6 API calls for every 5 resources in state (the
#     refresh reads by batch: about one call per resource; before batching
#     it was 76 calls for 50 resources);
#   - after deleting an alarm, a log group and a route table association
#     and changing a subnet's tag with the AWS CLI (all types that refresh
#     by batch), the plan recreates the three and updates the subnet.
# Usage: tests/e2e/noop_calls.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
case $STK in /*) ;; *) STK=$PWD/$STK ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stk-noop-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/after.sh" <<'EOF'
# sourced by bench_noop_calls.sh in the applied work dir, moto still running
res() { "$STK" state show "$1" 2>/dev/null | sed -n "s/^ *$2 *= *\"\(.*\)\"$/\1/p" | head -1; }
assoc=$(res 'module.networking.aws_route_table_association.private_data[1]' id)
subnet=$(res 'module.networking.aws_subnet.public[0]' id)
{
    echo "assoc=$assoc subnet=$subnet"
    awscli cloudwatch delete-alarms --alarm-names starttech-prod-app-cpu-high && echo "deleted alarm"
    awscli logs delete-log-group --log-group-name "$(res 'module.monitoring.aws_cloudwatch_log_group.this["mongodb"]' name)" && echo "deleted log group"
    awscli ec2 disassociate-route-table --association-id "$assoc" && echo "deleted association"
    awscli ec2 create-tags --resources "$subnet" --tags Key=Name,Value=changed-behind-stk && echo "tagged subnet"
} > "$AFTER_DIR/behind.txt" 2>&1
"$STK" plan -input=false -detailed-exitcode > "$AFTER_DIR/drift-plan.txt" 2>&1
echo $? > "$AFTER_DIR/drift-rc"
EOF

export BENCH_NOOP_SUMMARY="$tmp/summary" BENCH_NOOP_AFTER="$tmp/after.sh" AFTER_DIR="$tmp"
bash "$ROOT/tests/bench/bench_noop_calls.sh" "$STK" > "$tmp/bench.txt" 2>&1
bench_rc=$?
tail -1 "$tmp/bench.txt"

pass=0 fail=0
check() { # name want got
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: want [$2] got [$3]"; fi
}
check_contains() { # name needle file
    if grep -qF -- "$2" "$3" 2>/dev/null; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1: no [$2] in $3:"; head -40 "$3" 2>/dev/null; fi
}
check "bench ran and the plan is a no-op" 0 "$bench_rc"
[ "$bench_rc" = 0 ] || cat "$tmp/bench.txt"
calls=$(sed -n 's/^calls //p' "$tmp/summary" 2>/dev/null)
resources=$(sed -n 's/^resources //p' "$tmp/summary" 2>/dev/null)
check "StartTech state holds 50 resources" 50 "${resources:-none}"
if [ -n "$calls" ] && [ -n "$resources" ] && [ $((calls * 5)) -le $((resources * 6)) ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: no-op plan: $calls calls for $resources resources (budget 6 per 5)"
    cat "$tmp/bench.txt"
fi
check_contains "alarm deleted behind stk's back" "deleted alarm" "$tmp/behind.txt"
check_contains "log group deleted behind stk's back" "deleted log group" "$tmp/behind.txt"
check_contains "association deleted behind stk's back" "deleted association" "$tmp/behind.txt"
check_contains "subnet tag changed behind stk's back" "tagged subnet" "$tmp/behind.txt"
check "plan after changes behind stk's back exits 2" 2 "$(cat "$tmp/drift-rc" 2>/dev/null)"
check_contains "alarm recreated" 'module.monitoring.aws_cloudwatch_metric_alarm.this["app-cpu-high"] will be created' "$tmp/drift-plan.txt"
check_contains "log group recreated" 'module.monitoring.aws_cloudwatch_log_group.this["mongodb"] will be created' "$tmp/drift-plan.txt"
check_contains "association recreated" 'module.networking.aws_route_table_association.private_data[1] will be created' "$tmp/drift-plan.txt"
check_contains "subnet tag restored in place" 'module.networking.aws_subnet.public[0] will be updated in-place' "$tmp/drift-plan.txt"
check_contains "plan summary" "Plan: 3 to add, 1 to change, 0 to destroy." "$tmp/drift-plan.txt"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
