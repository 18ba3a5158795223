#!/usr/bin/env bash
# Benchmark: the apply walk on its own, with the in-process test provider
# (STK_TEST_PROVIDER=1) instead of moto, so only stk is measured: N things
# (default 200), one chain of C (default 10) dependent ones, each create
# sleeping D ms (default 100) in the "cloud".  The critical path is the
# chain applied alone; the whole graph is then applied at -parallelism=64
# and -parallelism=10.  Every figure is the median of REPEAT fresh applies
# (default 5), with stk's own CPU time (user + sys) beside it.
# The same shape as bench_apply_moto.sh, whose figures also hold moto's
# pace (one Python process serving 600 calls); this one shows what the
# engine itself adds: the state store (change rows, group commit with one
# fsync per group), re-evaluations, the walker.
#   bash tests/bench/bench_apply_engine.sh [N] [C] [D]   (uses $STK or build-plan-rel/stk)
# Not a test: record the figures with this command.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-200}
C=${2:-10}
D=${3:-100}
REPEAT=${REPEAT:-5}
STK=${STK:-$ROOT/build-plan-rel/stk}
export STK_TEST_PROVIDER=1 NO_COLOR=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stk-bench-engine.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

gen() { # dir with_free
  mkdir -p "$1"
  {
    for i in $(seq 0 $((C - 1))); do
      printf 'resource "stktest_thing" "c%d" {\n  name     = "c%d"\n  delay_ms = %d\n' "$i" "$i" "$D"
      [ "$i" -gt 0 ] && printf '  depends_on = [stktest_thing.c%d]\n' $((i - 1))
      printf '}\n'
    done
    if [ "$2" = 1 ]; then
      printf 'resource "stktest_thing" "free" {\n  count    = %d\n  name     = "f${count.index}"\n  delay_ms = %d\n}\n' \
        $((N - C)) "$D"
    fi
  } >"$1/main.tf"
}

run() { # dir parallelism -> T (wall s), CPU (stk user+sys s); fresh state and cloud each time
  rm -rf "$1/.stk" "$1/cloud"
  (cd "$1" && STK_TEST_CLOUD="$1/cloud" /usr/bin/time -f "%e %U %S" -o time.txt \
    "$STK" apply -auto-approve -parallelism="$2" >apply.log 2>&1) ||
    { echo "apply failed:" >&2; tail -20 "$1/apply.log" >&2; exit 1; }
  T=$(awk '{printf "%.2f", $1}' "$1/time.txt")
  CPU=$(awk '{printf "%.2f", $2 + $3}' "$1/time.txt")
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }

gen "$WORK/chain" 0
gen "$WORK/all" 1
cps=() t64s=() t10s=() c64s=() c10s=()
for r in $(seq 1 "$REPEAT"); do
  run "$WORK/chain" 64; cps+=("$T")
  run "$WORK/all" 64; t64s+=("$T"); c64s+=("$CPU")
  run "$WORK/all" 10; t10s+=("$T"); c10s+=("$CPU")
done
cp=$(median "${cps[@]}")
t64=$(median "${t64s[@]}")
t10=$(median "${t10s[@]}")
echo "critical path ($C dependent creates of $D ms, test provider): ${cp} s (runs: ${cps[*]})"
echo "all $N, -parallelism=64: ${t64} s ($(awk "BEGIN{printf \"%.2f\", $t64 / $cp}") x the critical path), stk CPU $(median "${c64s[@]}") s (runs: ${t64s[*]})"
echo "all $N, -parallelism=10: ${t10} s ($(awk "BEGIN{printf \"%.2f\", $t10 / $cp}") x the critical path; $N creates over 10 workers are at least $(awk "BEGIN{printf \"%.1f\", $N / 10 * $D / 1000}") s), stk CPU $(median "${c10s[@]}") s"
