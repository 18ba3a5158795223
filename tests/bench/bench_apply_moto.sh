#!/usr/bin/env bash
# Benchmark: the apply walk against moto behind the fault proxy adding
# 100 ms to every call.  A generated graph of N resources (default 200
# aws_cloudwatch_log_group, cheap to create) holds one chain of C (default
# 10) dependent resources; the rest are independent.  The critical path is
# measured by applying the chain alone; then the whole graph is applied at
# -parallelism=64 and at -parallelism=10.  Target (issue 5): the
# -parallelism=64 apply takes at most 1.15 x the critical path.
#   bash tests/bench/bench_apply_moto.sh [N] [C]      (uses $STK or build-plan-rel/stk)
# Not a test: record the figures with this command.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-200}
C=${2:-10}
STK=${STK:-$ROOT/build-plan-rel/stk}
. "$ROOT/tests/aws/lib.sh"
aws_start --proxy "--latency-ms 100" || exit 1
export STK_WAITER_DELAY_SCALE=0.01
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stk-bench-apply.XXXXXX")
trap 'aws_stop; rm -rf "$WORK"' EXIT

gen() { # dir with_free
  mkdir -p "$1"
  {
    printf 'provider "aws" {\n  region = "eu-north-1"\n}\n'
    for i in $(seq 0 $((C - 1))); do
      printf 'resource "aws_cloudwatch_log_group" "c%d" {\n  name = "/bench/chain/%d"\n' "$i" "$i"
      [ "$i" -gt 0 ] && printf '  depends_on = [aws_cloudwatch_log_group.c%d]\n' $((i - 1))
      printf '}\n'
    done
    if [ "$2" = 1 ]; then
      printf 'resource "aws_cloudwatch_log_group" "free" {\n  count = %d\n  name  = "/bench/free/${count.index}"\n}\n' $((N - C))
    fi
  } >"$1/main.tf"
}

timed_apply() { # dir parallelism -> seconds
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$1" && "$STK" apply -auto-approve -no-color -parallelism="$2" >apply.log 2>&1) || { echo "apply failed:" >&2; tail -20 "$1/apply.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk "BEGIN{printf \"%.2f\", $t1 - $t0}"
}
destroy() { (cd "$1" && "$STK" destroy -auto-approve -no-color >destroy.log 2>&1) || { tail -20 "$1/destroy.log" >&2; exit 1; }; }

gen "$WORK/chain" 0
gen "$WORK/all" 1
cp=$(timed_apply "$WORK/chain" 64)
destroy "$WORK/chain"
t64=$(timed_apply "$WORK/all" 64)
destroy "$WORK/all"
t10=$(timed_apply "$WORK/all" 10)
destroy "$WORK/all"
echo "critical path ($C dependent creates, 100 ms per call): ${cp} s"
echo "all $N resources, -parallelism=64: ${t64} s ($(awk "BEGIN{printf \"%.2f\", $t64 / $cp}") x the critical path; target <= 1.15)"
echo "all $N resources, -parallelism=10: ${t10} s ($(awk "BEGIN{printf \"%.2f\", $t10 / $cp}") x the critical path)"
