#!/usr/bin/env bash
# fuzz_long.sh - the long form of the fuzzing of issue 8 ("Bad input";
# docs/reliability.md): every libFuzzer target (tests/fuzz/, built with
# -Dfuzz=true by clang) runs FUZZ_LONG_SECONDS (default 600) from its seed
# corpus, one after the other, with leak detection on and UBSan halting on
# the first report.  Each target's result is one check: no crash, no leak,
# no sanitizer report, no timeout (-timeout=10 s per input), no out-of-memory
# (-rss_limit_mb=2048).  Crash inputs are kept in FUZZ_LONG_OUT (default
# /tmp/stk-fuzz-long) with the grown corpora.
#
# In CI (tests/run-all.sh) this script only says it was skipped: the long
# form runs when FUZZ_LONG=1 is set:
#   FUZZ_LONG=1 bash tests/reliability/fuzz_long.sh
#   FUZZ_LONG=1 FUZZ_LONG_SECONDS=60 FUZZ_LONG_TARGETS="planfile tfstate" bash tests/reliability/fuzz_long.sh
# FUZZ_BUILD (default build-fuzz-long) is the clang build directory.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
if [ -z "${FUZZ_LONG:-}" ]; then
    echo "fuzz_long: the long form runs with FUZZ_LONG=1 (CI fuzzes through run-all.sh's FUZZ_SECONDS)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
SECONDS_EACH=${FUZZ_LONG_SECONDS:-600}
FB=${FUZZ_BUILD:-build-fuzz-long}
OUT=${FUZZ_LONG_OUT:-/tmp/stk-fuzz-long}
P=0 F=0
if [ ! -f "$FB/build.ninja" ]; then
    CC=clang meson setup "$FB" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$FB" -j "${JOBS:-2}" >"$OUT.build.log" 2>&1 || { tail -30 "$OUT.build.log"; echo "0 passed, 1 failed"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$OUT"
targets=${FUZZ_LONG_TARGETS:-$(cd "$FB/tests" && ls fuzz_* | grep -v '\.p$' | sed 's/^fuzz_//')}
for n in $targets; do
    fz="$FB/tests/fuzz_$n"
    [ -x "$fz" ] || { echo "FAIL $n: no $fz"; F=$((F + 1)); continue; }
    corpus="$OUT/corpus-$n"
    mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$n" ] && cp -r "tests/fuzz/corpus/$n/." "$corpus/"
    start=$(date +%s)
    "$fz" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$OUT/$n-" "$corpus" >"$OUT/$n.log" 2>&1
    rc=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$OUT/$n.log" | grep -oE '[0-9]+$')
    cov=$(grep -oE 'cov: [0-9]+' "$OUT/$n.log" | tail -1)
    peak=$(grep -oE '^stat::peak_rss_mb: *[0-9]+' "$OUT/$n.log" | grep -oE '[0-9]+$')
    if [ "$rc" -eq 0 ] && ! grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:" "$OUT/$n.log"; then
        P=$((P + 1))
        printf 'ok   fuzz_%-10s %4ss  %9s runs  %s  peak %s MB\n' "$n" "$(( $(date +%s) - start ))" "${runs:-?}" "$cov" "${peak:-?}"
    else
        F=$((F + 1))
        echo "FAIL fuzz_$n (exit $rc): see $OUT/$n.log"
        grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$OUT/$n.log" | head -8 | sed 's/^/     /'
    fi
done
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
