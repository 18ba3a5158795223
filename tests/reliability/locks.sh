#!/usr/bin/env bash
# locks.sh - state locking of real `stk apply` runs on an S3 backend (bucket
# and DynamoDB lock table in moto), as two people or two CI jobs would meet.
#
# The configuration is slow on purpose: stktest_thing objects of the
# in-process test provider (STK_TEST_PROVIDER=1) whose every create, update
# and delete sleeps delay_ms, kept in one shared "cloud" directory
# (STK_TEST_CLOUD), so that the applies overlap for seconds.
#   1. Two applies at once on one checkout (same directory): exactly one
#      runs; the other, without -lock-timeout, fails at once naming the
#      holder (its lock ID as stored in DynamoDB, who, the operation, when).
#      With -lock-timeout the second waits for the first, then runs
#      (both exit 0, the second's values win).
#   2. Two checkouts (directories A and B) of one backend: B waits with
#      -lock-timeout while A applies, then refuses to run on its stale copy
#      ("Local state is stale", naming `stk init`); after `stk init` B's
#      apply sees A's change.
#   3. The same with `use_lockfile = true` (lock object <key>.tflock in S3,
#      no DynamoDB table): refused naming the s3 lock and holder, waits
#      with -lock-timeout.
#   4. `kill -9` of an apply holding the lock: the next apply fails, its
#      error says the holder's process is no longer running and names the
#      lock ID; `stk force-unlock -force ID` clears it; apply then recovers
#      and completes; a plan shows no changes.
#   5. A saved plan whose state changed since `stk plan -out=F` (an apply by
#      someone else, here in the same checkout) is refused: "Saved plan is
#      stale"; from another checkout, the stale local copy is refused before
#      anything runs, and after `stk init` the plan is refused as stale.
# Usage: tests/reliability/locks.sh [path/to/stk]  (default: $STK_BIN)
# Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
STK=${1:-${STK_BIN:-$PWD/build/stk}}
[ -x "$STK" ] || { echo "locks.sh: no stk binary at $STK" >&2; exit 2; }
. tests/aws/lib.sh
aws_start || { echo "0 passed, 1 failed"; exit 1; }
export STK_TEST_PROVIDER=1 NO_COLOR=1
WORK=$(mktemp -d)
trap 'aws_stop; rm -rf "$WORK"' EXIT
export STK_TEST_CLOUD=$WORK/cloud
BUCKET=stk-locks-suite
TABLE=stk-locks-suite
KEY=app/terraform.tfstate
DELAY=${STK_LOCKS_DELAY_MS:-6000}

# mk NAME KEY LOCKLINE: a checkout whose backend is the shared bucket
mk() {
    local d=$WORK/$1
    mkdir -p "$d"
    cat >"$d/main.tf" <<EOF
terraform {
  backend "s3" {
    bucket    = "$BUCKET"
    key       = "$2"
    region    = "eu-north-1"
    endpoints = { s3 = "$MOTO_URL", dynamodb = "$MOTO_URL" }
    $3
  }
}

variable "tag" {
  default = "v1"
}

variable "delay" {
  default = $DELAY
}

resource "stktest_thing" "slow" {
  count    = 2
  name     = "slow-\${count.index}"
  delay_ms = var.delay
  tags     = { v = var.tag }
}
EOF
    echo "$d"
}

# st DIR ARGS...: stk in DIR; output in $OUT, exit status in $RC
st() {
    local d=$1; shift
    OUT=$(cd "$d" && "$STK" "$@" 2>&1)
    RC=$?
}
# bg DIR LOG ARGS...: stk in DIR in the background; pid in $BGPID
bg() {
    local d=$1 log=$2; shift 2
    (cd "$d" && exec "$STK" "$@" >"$log" 2>&1) &
    BGPID=$!
}
# the lock's info JSON as stored in DynamoDB ("" when unlocked)
lock_info() {
    AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call dynamodb GetItem \
        "{\"TableName\":\"$TABLE\",\"Key\":{\"LockID\":{\"S\":\"$BUCKET/$1\"}}}" 2>/dev/null |
        "$STK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("Item",{}).get("Info",{}).get("S",""))'
}
lock_field() { printf '%s' "$1" | "$STK_PYTHON" -c "import json,sys; print(json.load(sys.stdin).get('$2',''))" 2>/dev/null; }
wait_lock() { # KEY: until the lock item exists (10 s)
    local n=200
    while [ -z "$(lock_info "$1")" ]; do
        n=$((n - 1)); [ $n -gt 0 ] || return 1
        sleep 0.05
    done
}
things_with() { grep -l "\"v\": *\"$1\"" "$STK_TEST_CLOUD"/stktest_thing/*.json 2>/dev/null | wc -l; }
nthings() { ls "$STK_TEST_CLOUD"/stktest_thing/*.json 2>/dev/null | wc -l; }
now_ms() { date +%s%3N; }

A=$(mk a "$KEY" "dynamodb_table = \"$TABLE\"")
B=$(mk b "$KEY" "dynamodb_table = \"$TABLE\"")
st "$A" backend bootstrap
check_eq "backend bootstrap (bucket + lock table in moto)" 0 "$RC"
st "$A" init
check_eq "init A" 0 "$RC"
st "$A" apply -auto-approve -var delay=0
check_eq "first apply (fast) creates the objects" "0 2" "$RC $(nthings)"
st "$B" init
check_eq "init B pulls the shared state" 0 "$RC"

echo "== 1. two applies at once in one checkout"
bg "$A" "$WORK/1a.log" apply -auto-approve -var tag=v2
p1=$BGPID
wait_lock "$KEY" || echo "     (the first apply never took the lock)"
info=$(lock_info "$KEY")
id=$(lock_field "$info" ID)
st "$A" apply -auto-approve -var tag=v3
check_eq "the second apply (no -lock-timeout) fails while the first runs" 1 "$RC"
check_contains "it says the state is locked" "Error acquiring the state lock" "$OUT"
check_contains "it names the holder's lock ID" "$(printf '%-10s %s' ID: "$id")" "$OUT"
check_contains "it names who holds it" "$(printf '%-10s %s' Who: "$(lock_field "$info" Who)")" "$OUT"
check_contains "it names the operation" "$(printf '%-10s %s' Operation: "$(lock_field "$info" Operation)")" "$OUT"
check_contains "it says since when" "$(printf '%-10s %s' Created: "$(lock_field "$info" Created)")" "$OUT"
check_contains "it points to -lock-timeout" "-lock-timeout" "$OUT"
wait $p1
check_eq "the holder's apply completes" 0 $?
check_eq "exactly one apply ran: both objects at v2, none at v3" "2 0" "$(things_with v2) $(things_with v3)"
check_eq "the lock is released after apply" "" "$(lock_info "$KEY")"

bg "$A" "$WORK/1b.log" apply -auto-approve -var tag=v4
p1=$BGPID
wait_lock "$KEY"
t0=$(now_ms)
st "$A" apply -auto-approve -lock-timeout=60s -var tag=v5
waited=$(( $(now_ms) - t0 ))
wait $p1
rc1=$?
check_eq "with -lock-timeout the second waits, then runs (both exit 0)" "0 0" "$rc1 $RC"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | grep -m5 -i error | sed 's/^/     /'
check "it waited for the holder (${waited} ms)" test "$waited" -ge 1000
check_eq "the waiting apply ran after the holder: objects at v5" 2 "$(things_with v5)"

echo "== 2. two checkouts of one backend"
bg "$A" "$WORK/2a.log" apply -auto-approve -var tag=v6
p1=$BGPID
wait_lock "$KEY"
st "$B" apply -auto-approve -lock-timeout=60s -var tag=v7
wait $p1
check_eq "A's apply completes" 0 $?
check_eq "B waited, then refused its stale copy (exit 1)" 1 "$RC"
check_contains "B: Local state is stale, run stk init" "Local state is stale" "$OUT"
check_contains "B: names stk init" "stk init" "$OUT"
check_eq "B changed nothing: objects at v6" "2 0" "$(things_with v6) $(things_with v7)"
st "$B" init
check_eq "B: stk init pulls A's state" 0 "$RC"
st "$B" apply -auto-approve -var tag=v6
check_contains "B then sees A's change: nothing to do" "0 added, 0 changed, 0 destroyed" "$OUT"

echo "== 3. the S3 lock object (use_lockfile = true)"
LKEY=lockfile/terraform.tfstate
H=$(mk h "$LKEY" "use_lockfile = true")
# the lock object's content ("" when there is none)
lock_object() {
    rm -f "$WORK/tflock"
    AWS_ENDPOINT_URL=$MOTO_URL "$STK" aws call -out="$WORK/tflock" s3 GetObject \
        "{\"Bucket\":\"$BUCKET\",\"Key\":\"$LKEY.tflock\"}" >/dev/null 2>&1 && cat "$WORK/tflock"
}
export STK_TEST_CLOUD=$WORK/cloud-h   # objects of its own
st "$H" init
check_eq "init with use_lockfile" 0 "$RC"
bg "$H" "$WORK/3a.log" apply -auto-approve -var tag=w1
p1=$BGPID
n=200
while [ -z "$(lock_object)" ] && [ $n -gt 0 ]; do n=$((n - 1)); sleep 0.05; done
lobj=$(lock_object)
check_contains "the lock object holds the holder's info" '"Operation"' "$lobj"
st "$H" apply -auto-approve -var tag=w2
check_eq "second apply refused by the lock object" 1 "$RC"
check_contains "names the s3 lock" "(s3 lock)" "$OUT"
check_contains "names the holder's ID" "$(printf '%-10s %s' ID: "$(lock_field "$lobj" ID)")" "$OUT"
st "$H" apply -auto-approve -lock-timeout=60s -var tag=w3
wait $p1
rc1=$?
check_eq "with -lock-timeout it waits, then runs (both exit 0)" "0 0" "$rc1 $RC"
check_eq "the waiting apply ran last: objects at w3" 2 "$(things_with w3)"
check_eq "the lock object is gone afterwards" "" "$(lock_object)"
export STK_TEST_CLOUD=$WORK/cloud

echo "== 4. a lock left by kill -9"
bg "$A" "$WORK/4a.log" apply -auto-approve -var tag=v8 -var delay=60000
p1=$BGPID
wait_lock "$KEY"
info=$(lock_info "$KEY")
id=$(lock_field "$info" ID)
sleep 0.5
kill -9 $p1
wait $p1 2>/dev/null
check_eq "the killed apply left its lock" "$id" "$(lock_field "$(lock_info "$KEY")" ID)"
st "$A" apply -auto-approve -var tag=v8 -var delay=0
check_eq "the next apply is refused" 1 "$RC"
check_contains "it says the holder is no longer running" "no longer running: pid $(lock_field "$info" Pid)" "$OUT"
check_contains "it names the lock ID" "stk force-unlock $id" "$OUT"
st "$A" force-unlock -force 11111111-2222-3333-4444-555555555555
check_eq "force-unlock with a wrong ID refuses" 1 "$RC"
check_contains "wrong ID: says which ID holds it" "$id" "$OUT"
st "$A" force-unlock -force "$id"
check_eq "force-unlock -force ID clears it" 0 "$RC"
check_eq "the lock item is gone" "" "$(lock_info "$KEY")"
st "$A" apply -auto-approve -var tag=v8 -var delay=0
check_eq "apply works after force-unlock" 0 "$RC"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | grep -m5 -i error | sed 's/^/     /'
check_eq "objects at v8, none left behind" "2 2" "$(things_with v8) $(nthings)"
st "$A" plan -detailed-exitcode -var tag=v8 -var delay=0
check_eq "then a plan shows no changes" 0 "$RC"

echo "== 5. a saved plan made stale by someone else"
st "$A" plan -out="$WORK/p1.plan" -var tag=v9 -var delay=0
check_eq "plan -out=F" 0 "$RC"
st "$A" apply -auto-approve -var tag=v10 -var delay=0
check_eq "someone else applies on the same checkout" 0 "$RC"
st "$A" apply "$WORK/p1.plan"
check_eq "apply F refuses (exit 1)" 1 "$RC"
check_contains "apply F: Saved plan is stale" "Saved plan is stale" "$OUT"
check_eq "nothing of the stale plan was applied" "2 0" "$(things_with v10) $(things_with v9)"
st "$B" init
st "$B" plan -out="$WORK/p2.plan" -var tag=v11 -var delay=0
check_eq "B: plan -out=F" 0 "$RC"
st "$A" apply -auto-approve -var tag=v12 -var delay=0
check_eq "A applies meanwhile" 0 "$RC"
st "$B" apply "$WORK/p2.plan"
check_eq "B: apply F on a stale copy refuses (exit 1)" 1 "$RC"
check_contains "B: the stale copy is named" "Local state is stale" "$OUT"
st "$B" init
st "$B" apply "$WORK/p2.plan"
check_eq "B: after stk init, apply F still refuses" 1 "$RC"
check_contains "B: Saved plan is stale" "Saved plan is stale" "$OUT"
check_eq "nothing of B's plan was applied" "2 0" "$(things_with v12) $(things_with v11)"
report
