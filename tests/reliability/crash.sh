#!/usr/bin/env bash
# crash.sh - kill -9 of `stk apply -auto-approve` of the StartTech stack at
# seeded random instants, each followed by a plain `stk apply -auto-approve`.
#
# First a clean apply is counted (it must make exactly the expected
# objects); then every create is interrupted at once at the worst instant
# (all objects made, no result recorded: the objects leave the state, the
# create intents become pending) and a plain apply must adopt them all,
# make nothing again and leave no change; then a clean apply is timed: T0
# when its first create starts, C creates in all.  Then each trial, on an
# empty moto and no state:
#   1. `stk apply -auto-approve` in the background, SIGKILL at a seeded
#      instant: for the first fifth of the trials t ms after the start, t
#      drawn from equal slices of [0, T0] (planning, data sources); for the
#      others 0-499 ms after the k-th create starts, k drawn from equal
#      slices of [1, C] (create calls and their waiters, whatever the load);
#   2. the state database passes `PRAGMA integrity_check` and
#      `PRAGMA foreign_key_check`, and `stk state list` opens it;
#   3. a plain `stk apply -auto-approve` completes (recovering what the
#      killed apply left in the journal);
#   4. no journal intent is left pending;
#   5. moto holds exactly one of each object (count_resources.py: no orphan,
#      no duplicate);
#   6. `stk plan -detailed-exitcode` exits 0 (no changes).
# One line per trial; the last line is "N passed, N failed" (the
# adopt-everything check and the trials).
#
# Environment: STK_CRASH_TRIALS (10), STK_CRASH_SEED (1; printed: the same
# seed draws the same instants, though what is in flight at an instant
# depends on the machine's load), STK_CRASH_KEEP=1 keeps each failed trial's logs
# (the path is printed).  Long form: STK_CRASH_TRIALS=100.
# Usage: tests/reliability/crash.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
STK=${1:-${STK_BIN:-$PWD/build/stk}}
TRIALS=${STK_CRASH_TRIALS:-10}
SEED=${STK_CRASH_SEED:-1}
COUNT="$ROOT/tests/reliability/count_resources.py"
. tests/aws/lib.sh
aws_start --slow 2 || exit 1
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
keep=$(mktemp -d)
trap 'aws_stop; rm -rf "$work"; [ "${STK_CRASH_KEEP:-0}" = 1 ] || rm -rf "$keep"' EXIT
cp -r examples/starttech/. "$work/"
rm -rf "$work/.stk"
cd "$work"

now_ms() { date +%s%3N; }
creates_started() { local n; n=$(grep -c ': Creating\.\.\.$' kill.log 2>/dev/null); echo "${n:-0}"; }
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

fresh() {
    aws_reset
    rm -rf .stk p.plan ./*.log
}

# --- clean applies: expected counts, then the timing --------------------------
# The first apply after moto starts is slower (moto loads each service on
# its first call), so a second one, on a reset moto, gives the timing: T0
# when the first create starts (plan and data sources before), D when the
# apply ends.
fresh
"$STK" apply -auto-approve > clean.log 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    echo "FAIL the clean apply failed (exit $rc):"
    tail -20 clean.log | sed 's/^/     /'
    STK_FAIL=1
    report
    exit 1
fi
bad=$("$STK_PYTHON" "$COUNT" 2>&1)
if [ -n "$bad" ]; then
    echo "FAIL a clean apply does not make the expected objects:"
    printf '%s\n' "$bad" | sed 's/^/     /'
    STK_FAIL=1
    report
    exit 1
fi
# --- every create interrupted at the worst instant ---------------------------
# The cloud call of every create returned but none recorded its result: the
# clean apply's objects leave the state and its create intents become
# pending again.  A plain apply must adopt every object (found by token,
# name, tags or keys), create nothing, and leave no change behind.
addrs=$("$STK" state list)
n_addr=$(printf '%s\n' "$addrs" | grep -c .)
why=""
# shellcheck disable=SC2086  # one address per word
"$STK" state rm $addrs > rm.log 2>&1 || why="stk state rm failed: $(tail -2 rm.log | tr '\n' ' ')"
[ -n "$why" ] || sqlite3 .stk/default.db "UPDATE journal SET status = 'pending', finished_at = NULL, note = NULL
    WHERE action = 'create' AND status = 'done'" || why="cannot mark the intents pending"
if [ -z "$why" ]; then
    "$STK" apply -auto-approve > adopt.log 2> adopt.err   # apart: stderr may land mid-line
    rc=$?
    [ $rc -eq 0 ] || why="apply exit $rc: $(grep -m3 'Error' adopt.err adopt.log | tr '\n' ' ')"
fi
if [ -z "$why" ]; then
    adopted=$(grep -c '^Recovered interrupted operation: create of .*adopted' adopt.log)
    [ "$adopted" = "$n_addr" ] || why="$adopted of $n_addr objects adopted: $(grep '^Recovered' adopt.log | grep -v adopted | head -3 | tr '\n' ' ')"
fi
[ -n "$why" ] || grep -q 'Resources: 0 added' adopt.log || why="created again: $(grep -m1 'Apply complete' adopt.log)"
[ -n "$why" ] || bad=$("$STK_PYTHON" "$COUNT" 2>&1) || why="objects in moto: $(printf '%s' "$bad" | tr '\n' ';')"
if [ -z "$why" ]; then
    "$STK" plan -detailed-exitcode > plan.log 2>&1
    rc=$?
    [ $rc -eq 0 ] || why="final plan exit $rc: $(grep -m5 '^  # ' plan.log | tr '\n' ';')"
fi
if [ -z "$why" ]; then
    STK_PASS=$((STK_PASS + 1))
    echo "ok   every create interrupted after its call: $n_addr objects adopted, none made again, $(grep -m1 'Apply complete' adopt.log | sed 's/.*Resources: //')"
else
    STK_FAIL=$((STK_FAIL + 1))
    echo "FAIL every create interrupted after its call: $why"
fi

fresh
t0=$(now_ms)
"$STK" apply -auto-approve > clean.log 2>&1 &
pid=$!
T0=""
while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$T0" ] && grep -q ': Creating\.\.\.$' clean.log; then T0=$(( $(now_ms) - t0 )); fi
    sleep 0.05
done
wait "$pid"
rc=$?
D=$(( $(now_ms) - t0 ))
[ -n "$T0" ] || T0=$(( D / 4 ))
C=$(grep -c ': Creating\.\.\.$' clean.log)
if [ $rc -ne 0 ]; then
    echo "FAIL the timed clean apply failed (exit $rc)"
    STK_FAIL=1
    report
    exit 1
fi
echo "clean apply: $C creates, the first at ${T0} ms, done at ${D} ms; $TRIALS trials, seed $SEED"

# --- trials -----------------------------------------------------------------
RANDOM=$SEED
total_t0=$(now_ms)
for ((i = 0; i < TRIALS; i++)); do
    fresh
    # A seeded instant.  The first fifth of the trials: a time in equal
    # slices of [0, T0] (planning, data sources).  The others: the moment
    # the k-th create starts (k in equal slices of [1, C], C creates in all)
    # plus 0-499 ms, so the kill lands in a create call or its waiter
    # whatever the machine's load does to the timing.  30 bits of $RANDOM.
    r=$(( (RANDOM << 15 | RANDOM) % 1000000 ))
    extra=$(( RANDOM % 500 ))
    early=$(( TRIALS / 5 > 0 ? TRIALS / 5 : 1 ))
    kill_ms="" kth=""
    if [ "$i" -lt "$early" ]; then
        kill_ms=$(( (i * T0 + r * T0 / 1000000) / early ))
    else
        j=$(( i - early )) late=$(( TRIALS - early ))
        kth=$(( 1 + (j * C + r * C / 1000000) / late ))
    fi
    t_start=$(now_ms)
    : > kill.log
    "$STK" apply -auto-approve >> kill.log 2>&1 &
    pid=$!
    if [ -n "$kill_ms" ]; then
        sleep "$(ms_to_s "$kill_ms")"
        at="at ${kill_ms} ms"
    else
        while kill -0 "$pid" 2>/dev/null && [ "$(creates_started)" -lt "$kth" ]; do
            sleep 0.02
        done
        sleep "$(ms_to_s "$extra")"
        at="${extra} ms after create $kth of $C starts"
    fi
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
        how="killed $at"
    else
        how="finished before $at"
    fi
    wait "$pid" 2>/dev/null
    why=""
    db=.stk/default.db
    if [ -f "$db" ]; then
        ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
        [ "$ic" = ok ] || why="integrity_check: $ic"
        if [ -z "$why" ]; then
            fk=$(sqlite3 "$db" 'PRAGMA foreign_key_check' 2>&1)
            [ -z "$fk" ] || why="foreign_key_check: $fk"
        fi
    fi
    left=$( [ -f "$db" ] && sqlite3 "$db" "SELECT count(*) FROM journal WHERE status = 'pending'" 2>/dev/null)
    if [ -z "$why" ] && ! "$STK" state list > list.log 2>&1; then
        why="stk state list fails: $(tail -3 list.log | tr '\n' ' ')"
    fi
    if [ -z "$why" ]; then
        "$STK" apply -auto-approve > again.log 2> again.err
        rc=$?
        [ $rc -eq 0 ] || why="second apply exit $rc: $(grep -h -m3 '^Error' again.err again.log | tr '\n' ' ')"
    fi
    recovered=$(grep -c '^Recovered interrupted operation' again.log 2>/dev/null)
    # the resource types recovered, for the summary
    sed -n 's/^Recovered interrupted operation: [a-z]* of \([^:]*\): .*/\1/p' again.log 2>/dev/null |
        sed 's/\[[^]]*\]$//; s/.*\(aws_[a-z0-9_]*\)\..*/\1/' >> "$keep/types"
    if [ -z "$why" ]; then
        pend=$(sqlite3 "$db" "SELECT count(*) FROM journal WHERE status = 'pending'" 2>&1)
        [ "$pend" = 0 ] || why="$pend journal intents still pending"
    fi
    if [ -z "$why" ]; then
        bad=$("$STK_PYTHON" "$COUNT" 2>&1) || why="objects in moto: $(printf '%s' "$bad" | tr '\n' ';')"
    fi
    if [ -z "$why" ]; then
        "$STK" plan -detailed-exitcode > plan.log 2>&1
        rc=$?
        [ $rc -eq 0 ] || why="final plan exit $rc: $(grep -m5 '^  *[-+~]\|# \|Error' plan.log | tr -s ' ' | tr '\n' ';')"
    fi
    secs=$(( ($(now_ms) - t_start) / 1000 ))
    if [ -z "$why" ]; then
        STK_PASS=$((STK_PASS + 1))
        echo "ok   trial $((i + 1))/$TRIALS: $how; ${left:-0} intents left pending, ${recovered:-0} recovered; ${secs}s"
    else
        STK_FAIL=$((STK_FAIL + 1))
        echo "FAIL trial $((i + 1))/$TRIALS: $how; ${left:-0} intents left pending: $why"
        if [ "${STK_CRASH_KEEP:-0}" = 1 ]; then
            mkdir -p "$keep/trial$((i + 1))"
            cp -r ./*.log .stk "$keep/trial$((i + 1))/" 2>/dev/null
            echo "     logs: $keep/trial$((i + 1))"
        fi
    fi
done
echo "trials took $(( ($(now_ms) - total_t0) / 1000 ))s (seed $SEED)"
echo "types recovered (intents): $(sort "$keep/types" 2>/dev/null | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')"
report
