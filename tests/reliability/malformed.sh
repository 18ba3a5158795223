#!/usr/bin/env bash
# malformed.sh - malformed configurations never crash stk nor touch the
# state (issue 8, "Bad input"; docs/reliability.md).
#
# tests/reliability/mutate_configs.py makes MALFORMED_COUNT (default 230)
# copies of examples/ (StartTech with its modules, envs/prod, envs/staging),
# each with one file mutated once (seeded: MALFORMED_SEED, default 8).  Each
# working directory gets a state first (a Terraform state imported with
# `stk state import-tfstate`), then runs `stk validate` and `stk plan
# -refresh=false -input=false`.  A case passes when:
#   - neither run crashes: exit status < 128, no sanitizer report;
#   - the files under .stk/ are byte for byte the same afterwards;
#   - and, when validate refuses the configuration: both exit 1 and both
#     print an error with a position (FILE:LINE:COL).
# A mutation that stays valid (validate exits 0) is counted apart: only the
# first two rules apply to it.  At least 200 cases must be malformed.
# AWS_ENDPOINT_URL points at a closed port on 127.0.0.1: a plan of a valid
# mutation that calls AWS fails at once, and nothing leaves the machine.
# Usage: tests/reliability/malformed.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
STK=${1:-${STK_BIN:-$PWD/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
. tests/aws/lib.sh
COUNT=${MALFORMED_COUNT:-230}
SEED=${MALFORMED_SEED:-8}
JOBS=${MALFORMED_JOBS:-2}
work=$(mktemp -d /tmp/stk-malformed-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export NO_COLOR=1 STK_RETRY_BASE_MS=10
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=eu-north-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE STK_WORKSPACE

start=$(date +%s)
python3 tests/reliability/mutate_configs.py --seed "$SEED" --count "$COUNT" --examples examples --out "$work/cases"
check_eq "generator made $COUNT cases" "$COUNT" "$(wc -l < "$work/cases/manifest.tsv")"

# the state every case starts from
mkdir -p "$work/tpl" && (cd "$work/tpl" && "$STK" state import-tfstate "$ROOT/tests/state/fixtures/terraform.tfstate" \
    > import.txt 2>&1) || { cat "$work/tpl/import.txt"; }
check "a state to protect" test -s "$work/tpl/.stk/default.db"

# run_case CASE WORKDIR FILE MUTATION: prints "RESULT CASE MUTATION FILE [why]"
run_case() {
    local c=$1 wd=$2 f=$3 mut=$4
    local dir="$work/cases/$c/$wd" o="$work/cases/$c.out"
    cp -a "$work/tpl/.stk" "$dir/.stk"
    local before after vrc prc why=""
    before=$(cd "$dir" && find .stk -type f -print0 | sort -z | xargs -0 sha256sum)
    (cd "$dir" && timeout -s KILL 60 "$STK" validate > "$o.validate" 2>&1); vrc=$?
    (cd "$dir" && timeout -s KILL 60 "$STK" plan -refresh=false -input=false > "$o.plan" 2>&1); prc=$?
    after=$(cd "$dir" && find .stk -type f -print0 | sort -z | xargs -0 sha256sum)
    [ "$vrc" -ge 128 ] && why="$why validate exit $vrc;"
    [ "$prc" -ge 128 ] && why="$why plan exit $prc;"
    grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$o.validate" "$o.plan" && why="$why sanitizer report;"
    [ "$before" = "$after" ] || why="$why the state changed;"
    local result=malformed
    if [ "$vrc" -eq 0 ]; then
        result=valid
    else
        local pos='[A-Za-z0-9_./-]+\.tf(vars)?:[0-9]+:[0-9]+'
        [ "$vrc" -eq 1 ] || why="$why validate exit $vrc;"
        [ "$prc" -eq 1 ] || why="$why plan exit $prc;"
        grep -q "^Error" "$o.validate" && grep -qE "$pos" "$o.validate" || why="$why validate error without a position;"
        grep -q "^Error" "$o.plan" && grep -qE "$pos" "$o.plan" || why="$why plan error without a position;"
    fi
    [ -n "$why" ] && result=FAIL
    echo "$result $c $mut $f${why:+ :$why}"
    rm -rf "$work/cases/$c"
}
export -f run_case
export STK work

tr '\t' ' ' < "$work/cases/manifest.tsv" |
    xargs -P "$JOBS" -L 1 bash -c 'run_case "$@"' _ > "$work/results.txt"

malformed=$(grep -c '^malformed ' "$work/results.txt")
valid=$(grep -c '^valid ' "$work/results.txt")
failed=$(grep -c '^FAIL ' "$work/results.txt")
STK_PASS=$((STK_PASS + malformed + valid))
STK_FAIL=$((STK_FAIL + failed))
grep '^FAIL ' "$work/results.txt" | head -40
for f in $(grep '^FAIL ' "$work/results.txt" | head -3 | cut -d' ' -f2); do
    echo "---- $f"; tail -8 "$work/cases/$f.out.validate" "$work/cases/$f.out.plan"
done
echo "malformed: $malformed (each exit 1 with a position), stayed valid: $valid, failed: $failed, in $(( $(date +%s) - start ))s"
echo "by mutation (malformed/valid/failed):"
awk '{k[$3]=1; n[$1" "$3]++} END {for (m in k) printf "  %-22s %3d %3d %3d\n", m, n["malformed "m], n["valid "m], n["FAIL "m]}' \
    "$work/results.txt" | sort
check "at least 200 malformed configurations (got $malformed)" test "$malformed" -ge 200
report
