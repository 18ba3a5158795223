#!/usr/bin/env bash
# Benchmark: `stk plan -refresh=false` of the generated 10,000-resource
# configuration (tests/bench/gen_config.py) with a release build, from an
# empty state: nothing is refreshed and no data source needs reading, so
# the plan makes no AWS call.  Prints wall time, CPU time and peak RSS.
#   bash tests/bench/bench_plan.sh [RESOURCES]
# Targets (issue 5): < 2 s and < 500 MB.  Not a test: record the figures
# with this command.  The moto critical-path apply benchmark is separate.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
B=${STK_BENCH_BUILD:-build-plan-rel}
[ -f $B/build.ninja ] || meson setup $B --buildtype=release >/dev/null
ninja -C $B -j2 stk >/dev/null
STK=$PWD/$B/stk
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 tests/bench/gen_config.py "$dir" "$N" >/dev/null
cd "$dir"
# no AWS endpoint can be reached: any AWS call would fail the plan
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x
"$STK" plan -refresh=false -lock=false -no-color >/dev/null   # warm up
best=""
for i in 1 2 3; do
  out=$( { /usr/bin/time -f '%e %U %S %M' "$STK" plan -refresh=false -lock=false -no-color >plan.txt; } 2>&1 | tail -1)
  read -r wall usr sys rss <<<"$out"
  echo "run $i: ${wall} s wall, $(awk "BEGIN{print $usr+$sys}") s CPU, $((rss / 1024)) MiB peak RSS"
  if [ -z "$best" ] || awk "BEGIN{exit !($wall < ${best%% *})}"; then best=$out; fi
done
grep '^Plan:' plan.txt
read -r wall usr sys rss <<<"$best"
echo "best: ${wall} s wall, $(awk "BEGIN{print $usr+$sys}") s CPU, $((rss / 1024)) MiB peak RSS for $N resources (stk plan -refresh=false)"
