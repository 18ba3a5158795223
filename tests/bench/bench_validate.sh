#!/usr/bin/env bash
# Benchmark: parse + evaluate + validate a generated 10,000-resource
# configuration with a release build of stk; prints wall time and peak RSS.
#   bash tests/bench/bench_validate.sh [RESOURCES]
# Not a test: figures go to docs/benchmarks.md with this command.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
B=build-release
[ -f $B/build.ninja ] || meson setup $B --buildtype=release >/dev/null
ninja -C $B -j2 stk >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 tests/bench/gen_config.py "$dir" "$N"
# warm the page cache, then measure three runs and keep the best
./$B/stk validate "$dir" >/dev/null
best=""
for i in 1 2 3; do
  out=$( { /usr/bin/time -f '%e %M' ./$B/stk validate "$dir" >/dev/null; } 2>&1 | tail -1)
  echo "run $i: ${out% *} s, $(( ${out#* } / 1024 )) MiB peak RSS"
  if [ -z "$best" ] || awk "BEGIN{exit !(${out% *} < ${best% *})}"; then best=$out; fi
done
echo "best: ${best% *} s, $(( ${best#* } / 1024 )) MiB peak RSS for $N resources (stk validate)"
