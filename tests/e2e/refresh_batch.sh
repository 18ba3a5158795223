#!/usr/bin/env bash
# refresh_batch.sh - the refresh-by-batch hook (provider.h read_batch) with
# the in-process test provider (STK_TEST_PROVIDER=1; its reads.log records
# "batch <type> <n>" per batch and "read <id>" per read that went to the
# cloud itself): a no-op plan makes one batch call for all instances of the
# type and no single reads; an object deleted behind stk's back is found
# gone by the batch (drift, recreated); when the batch fails every object
# is read on its own and the plan is still right; -refresh=false makes no
# batch; import reads through the single-read path.
# Usage: tests/e2e/refresh_batch.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
export STK_TEST_PROVIDER=1 NO_COLOR=1
pass=0 fail=0
check() { # name want got
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: want [$2] got [$3]"; fi
}
check_contains() { # name needle text
    case $3 in *"$2"*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)); echo "FAIL: $1: no [$2] in:"; echo "$3" | head -30 ;; esac
}
WORK=$(mktemp -d /tmp/stk-batch-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
export STK_TEST_CLOUD="$WORK/cloud"
cat > main.tf <<'EOF'
resource "stktest_thing" "t" {
  count = 3
  name  = "t${count.index}"
}
EOF
"$STK" apply -auto-approve -input=false > apply.txt 2>&1
check "apply" 0 $?
reads() { if [ -f cloud/reads.log ]; then grep -c "^$1" cloud/reads.log; else echo 0; fi; }

# 1. a no-op plan: one batch for the three objects, no single reads
rm -f cloud/reads.log
"$STK" plan -detailed-exitcode -input=false > plan.txt 2>&1
check "no-op plan exits 0" 0 $?
check "one batch call" 1 "$(reads batch)"
check "the batch holds all three" "batch stktest_thing 3" "$(grep '^batch' cloud/reads.log)"
check "one provider-wide batch_begin with all three, before the type's batch" "begin all 3" "$(head -1 cloud/reads.log)"
check "no single reads" 0 "$(reads read)"

# 2. -refresh=false: no batch, no reads
rm -f cloud/reads.log
"$STK" plan -refresh=false -detailed-exitcode -input=false > plan.txt 2>&1
check "plan -refresh=false exits 0" 0 $?
check "no batch without refresh" 0 "$(reads batch)"
check "no batch_begin without refresh" 0 "$(reads begin)"

# 3. an object deleted behind stk's back: the batch finds it gone
id1=$("$STK" state show 'stktest_thing.t[1]' 2>/dev/null | sed -n 's/.*id *= *"\(thing-[0-9a-f]*\)".*/\1/p' | head -1)
check_contains "state has the id of t[1]" "thing-" "$id1"
rm -f "cloud/stktest_thing/$id1.json" cloud/reads.log
"$STK" plan -detailed-exitcode -input=false > plan.txt 2>&1
check "plan after deletion exits 2" 2 $?
check_contains "drift names the deleted object" 'stktest_thing.t[1]' "$(cat plan.txt)"
check_contains "it is recreated" "1 to add, 0 to change, 0 to destroy" "$(cat plan.txt)"
check "deletion noticed by the batch alone" 0 "$(reads read)"
"$STK" apply -auto-approve -input=false > apply.txt 2>&1
check "apply recreates it" 0 $?

# 4. a failing batch: every object is read on its own, same answer
rm -f cloud/reads.log
STK_TEST_BATCH_FAIL=1 "$STK" plan -detailed-exitcode -input=false > plan.txt 2>&1
check "plan with a failing batch exits 0" 0 $?
check "the batch was tried once" 1 "$(reads batch)"
check "three single reads instead" 3 "$(reads read)"
t2=$("$STK" state show 'stktest_thing.t[2]' 2>/dev/null | sed -n 's/.*id *= *"\(thing-[0-9a-f]*\)".*/\1/p' | head -1)
rm -f "cloud/stktest_thing/$t2.json" cloud/reads.log
STK_TEST_BATCH_FAIL=1 "$STK" plan -detailed-exitcode -input=false > plan.txt 2>&1
check "failing batch: deletion still noticed (exit 2)" 2 $?
check_contains "failing batch: recreated" "1 to add, 0 to change, 0 to destroy" "$(cat plan.txt)"
"$STK" apply -auto-approve -input=false > apply.txt 2>&1

# 5. import goes through the single read (no batch)
t0=$("$STK" state show 'stktest_thing.t[0]' 2>/dev/null | sed -n 's/.*id *= *"\(thing-[0-9a-f]*\)".*/\1/p' | head -1)
cat >> main.tf <<'EOF'
resource "stktest_thing" "imp" {
  name = "t0"
}
EOF
rm -f cloud/reads.log
"$STK" import -input=false stktest_thing.imp "$t0" > import.txt 2>&1
check "import succeeds" 0 $?
check "import makes no batch" 0 "$(reads batch)"
check "import reads the object once" 1 "$(grep -c "^read $t0\$" cloud/reads.log)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
