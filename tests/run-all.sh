#!/usr/bin/env bash
# Builds stk with AddressSanitizer + UndefinedBehaviorSanitizer and runs every
# test program and suite; each prints "N passed, N failed[, N skipped]" and
# this script ends with the sum of them all.
#   BUILD=dir        build directory (default build-test)
#   FUZZ_SECONDS=N   seconds per fuzz target (default 60; 0 skips fuzzing)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build-test}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-2}
LANES=${LANES:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export NO_COLOR=1

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$BUILD" -j "$JOBS" >"$BUILD/ninja.log" 2>&1 || { tail -50 "$BUILD/ninja.log"; echo "0 passed, 1 failed"; exit 1; }
export STK_BIN="$ROOT/$BUILD/stk"

LOG_DIR="$BUILD/test-logs"
mkdir -p "$LOG_DIR"
COUNTS="$LOG_DIR/counts"
: >"$COUNTS"

# run NAME CMD...: runs one test program, records its counts in $COUNTS and
# prints its line (and, on failure, the end of its log) in one write
run() {
  local name=$1; shift
  local log="$LOG_DIR/$name.log" start rc line p f s out
  start=$(date +%s)
  "$@" >"$log" 2>&1
  rc=$?
  line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -1)
  if [ -n "$line" ]; then
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | cut -d' ' -f1)
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | cut -d' ' -f1)
    s=$(grep -oE '[0-9]+ skipped' <<<"$line" | cut -d' ' -f1); s=${s:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  else
    p=0 f=1 s=0
    [ "$rc" -eq 0 ] && p=1 f=0
  fi
  echo "$p $f $s" >>"$COUNTS"
  out=$(printf '%-28s %4d passed, %d failed, %d skipped  (%ss)' "$name" "$p" "$f" "$s" "$(( $(date +%s) - start ))")
  if [ "$f" -ne 0 ]; then
    out+=$'\n'"---- $name (exit $rc), last lines of $log:"$'\n'"$(tail -40 "$log")"$'\n'"----"
  fi
  printf '%s\n' "$out"
}

# run_bg NAME CMD...: the same in the background, at most $LANES at once
# (most suites wait on moto or on waiters, so two lanes use two cores)
run_bg() {
  while [ "$(jobs -rp | wc -l)" -ge "$LANES" ]; do wait -n; done
  run "$@" &
}

# Unit test programs built by meson (tests/meson.build).
for t in "$BUILD"/tests/test_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  run_bg "$(basename "$t")" "$t"
done

# Suites that drive the stk binary, local AWS servers and reference tools.
for s in tests/fmt/run.sh tests/state/cli_test.sh tests/state/crash_test.sh \
         tests/aws/selftest.sh tests/backend/moto_test.sh tests/backend/npm_servers_test.sh tests/e2e/*.sh \
         tests/reliability/*.sh; do
  [ -f "$s" ] || continue
  run_bg "$(echo "${s#tests/}" | tr '/' '_')" bash "$s"
done
run_bg config_cli_test.sh bash tests/config/cli_test.sh "$STK_BIN" "$ROOT"
run_bg engine_engine_test.sh bash tests/engine/engine_test.sh "$STK_BIN"
run_bg git_git_test.sh bash tests/git/git_test.sh "$STK_BIN"
wait

# Fuzz targets: built with clang's libFuzzer, each run from its seed corpus.
if [ "$FUZZ_SECONDS" -gt 0 ] && command -v clang >/dev/null; then
  FB="$BUILD-fuzz"
  if [ ! -f "$FB/build.ninja" ]; then
    CC=clang meson setup "$FB" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null 2>&1
  fi
  if ninja -C "$FB" -j "$JOBS" >"$FB.log" 2>&1; then
    for fz in "$FB"/tests/fuzz_*; do
      [ -f "$fz" ] && [ -x "$fz" ] || continue
      n=${fz##*/fuzz_}
      corpus="$LOG_DIR/corpus-$n"
      mkdir -p "$corpus"
      [ -d "tests/fuzz/corpus/$n" ] && cp -r "tests/fuzz/corpus/$n/." "$corpus/"
      run_bg "fuzz_$n" "$fz" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 "$corpus"
    done
    wait
  else
    tail -30 "$FB.log"; echo "0 1 0" >>"$COUNTS"; echo "fuzz build failed"
  fi
fi

read -r P F S < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$COUNTS")
if [ "$S" -gt 0 ]; then
  echo "$P passed, $F failed, $S skipped"
else
  echo "$P passed, $F failed"
fi
[ "$F" -eq 0 ]
