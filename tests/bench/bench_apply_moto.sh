#!/usr/bin/env bash
# Benchmark: the apply walk against moto behind the fault proxy adding
# 100 ms to every call.  A generated graph of N resources (default 200
# aws_cloudwatch_log_group, cheap to create) holds one chain of C (default
# 10) dependent resources; the rest are independent.  The critical path is
# measured by applying the chain alone; then the whole graph is applied at
# -parallelism=64 and at -parallelism=10.  Target (issue 5): the
# -parallelism=64 apply takes at most 1.15 x the critical path.
# Each figure is the median of REPEAT runs (default 3; every run of every
# kind is fresh: apply then destroy).  Beside each, the CPU seconds moto and
# the proxy used during the runs: moto is one Python process, so on a loaded
# machine its share of a core, not stk, sets the pace of 600 calls at 64 in
# flight (a chain of 30 calls hardly notices).
# A fourth figure: -parallelism=64 with STK_AWS_MAX_IN_FLIGHT=$CAP (default
# 24; resources/aws/client/limiter.h): at most CAP calls in flight, the rest
# waiting in stk with the critical path first, so moto's queue stays short.
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

REPEAT=${REPEAT:-3}
# utime + stime of moto and the proxy, in clock ticks
server_ticks() {
  local t=0 p
  for p in $(cat "$STK_AWS_TMP"/moto.pid "$STK_AWS_TMP"/proxy.pid 2>/dev/null); do
    [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat)))
  done
  echo $t
}
HZ=$(getconf CLK_TCK)
CAP=${CAP:-24}
timed_apply() { # dir parallelism [cap] -> T (seconds), TICKS (moto + proxy CPU ticks meanwhile)
  local t0 t1 s0
  s0=$(server_ticks)
  t0=$(date +%s.%N)
  (cd "$1" && STK_AWS_MAX_IN_FLIGHT=${3:-} "$STK" apply -auto-approve -no-color -parallelism="$2" >apply.log 2>&1) || { echo "apply failed:" >&2; tail -20 "$1/apply.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  TICKS=$(($(server_ticks) - s0))
  T=$(awk "BEGIN{printf \"%.2f\", $t1 - $t0}")
}
destroy() { (cd "$1" && "$STK" destroy -auto-approve -no-color >destroy.log 2>&1) || { tail -20 "$1/destroy.log" >&2; exit 1; }; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

gen "$WORK/chain" 0
gen "$WORK/all" 1
cps=() t64s=() t10s=() tcaps=()
srv_cp=0 srv64=0 srv10=0 srvcap=0
# moto builds its backends on the first call of a service (about a second):
# a warm-up run keeps that out of the figures
timed_apply "$WORK/chain" 64; destroy "$WORK/chain"
for r in $(seq 1 "$REPEAT"); do
  timed_apply "$WORK/chain" 64; cps+=("$T"); srv_cp=$((srv_cp + TICKS)); destroy "$WORK/chain"
  timed_apply "$WORK/all" 64; t64s+=("$T"); srv64=$((srv64 + TICKS)); destroy "$WORK/all"
  timed_apply "$WORK/all" 10; t10s+=("$T"); srv10=$((srv10 + TICKS)); destroy "$WORK/all"
  timed_apply "$WORK/all" 64 "$CAP"; tcaps+=("$T"); srvcap=$((srvcap + TICKS)); destroy "$WORK/all"
  echo "run $r: critical path ${cps[-1]} s, -parallelism=64 ${t64s[-1]} s, -parallelism=10 ${t10s[-1]} s, -parallelism=64 capped at $CAP ${tcaps[-1]} s (load $(cut -d' ' -f1 /proc/loadavg))"
done
cp=$(median "${cps[@]}")
t64=$(median "${t64s[@]}")
t10=$(median "${t10s[@]}")
tcap=$(median "${tcaps[@]}")
srv() { awk "BEGIN{printf \"%.2f\", $1 / $HZ / $REPEAT}"; }
echo "critical path ($C dependent creates, 100 ms per call): ${cp} s (moto+proxy CPU $(srv $srv_cp) s)"
echo "all $N resources, -parallelism=64: ${t64} s ($(awk "BEGIN{printf \"%.2f\", $t64 / $cp}") x the critical path; target <= 1.15) (moto+proxy CPU $(srv $srv64) s)"
echo "all $N resources, -parallelism=10: ${t10} s ($(awk "BEGIN{printf \"%.2f\", $t10 / $cp}") x the critical path) (moto+proxy CPU $(srv $srv10) s)"
echo "all $N resources, -parallelism=64, STK_AWS_MAX_IN_FLIGHT=$CAP: ${tcap} s ($(awk "BEGIN{printf \"%.2f\", $tcap / $cp}") x the critical path; target <= 1.15) (moto+proxy CPU $(srv $srvcap) s)"
