#!/usr/bin/env bash
# crash_adopt.sh - every create interrupted at the worst instant (the cloud
# call returned, the result never recorded) for the resource types that
# StartTech does not use, as crash.sh does it for StartTech: the e2e
# configurations tests/e2e/aws_network (routes, security group rules, VPC
# ingress rules), tests/e2e/aws_compute (listener rule, key pair) and
# tests/e2e/idobs (role policy attachment, SNS subscription, DynamoDB)
# are applied, their objects removed from the state and their
# create intents marked pending again; a plain apply must adopt every
# object (found by token, name, tags or keys), create none again, and
# leave a plan with no changes.
# Usage: tests/reliability/crash_adopt.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
STK=${1:-${STK_BIN:-$PWD/build/stk}}
. tests/aws/lib.sh
aws_start --slow 2 || exit 1
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
trap 'aws_stop; rm -rf "$work"' EXIT
if command -v ssh-keygen >/dev/null; then
    ssh-keygen -q -t rsa -b 2048 -N "" -C crash@stk -f "$work/key" && TF_VAR_public_key=$(cat "$work/key.pub")
    export TF_VAR_public_key
fi

for cfg in aws_network aws_compute idobs; do
    if [ "$cfg" = aws_compute ] && [ -z "${TF_VAR_public_key:-}" ]; then
        echo "skip $cfg: no ssh-keygen"
        continue
    fi
    aws_reset
    dir="$work/$cfg"
    cp -r "$ROOT/tests/e2e/$cfg" "$dir"
    rm -rf "$dir/.stk"
    cd "$dir" || exit 1
    why=""
    "$STK" apply -auto-approve > apply.log 2>&1 || why="the first apply failed: $(grep -m3 'Error' apply.log | tr '\n' ' ')"
    # random_* values live only in the process that makes them: a pending
    # random create never fed a dependent (the result is recorded before
    # any dependent starts), so they stay out of the simulation
    addrs=$("$STK" state list 2>/dev/null | grep -v '^random_\|\.random_')
    n=$(printf '%s\n' "$addrs" | grep -c .)
    # shellcheck disable=SC2086  # one address per word
    [ -n "$why" ] || "$STK" state rm $addrs > rm.log 2>&1 || why="stk state rm failed: $(tail -2 rm.log | tr '\n' ' ')"
    [ -n "$why" ] || sqlite3 .stk/default.db "UPDATE journal SET status = 'pending', finished_at = NULL, note = NULL
        WHERE action = 'create' AND status = 'done' AND address NOT LIKE 'random\_%' ESCAPE '\'
        AND address NOT LIKE '%.random\_%' ESCAPE '\'" || why="cannot mark the intents pending"
    # objects that nothing but their tags identifies, alike in tags to
    # another of their type (two route tables with only the default tags, a
    # security group with a generated name): recovery must stop on them
    # with an error rather than guess, and create nothing
    ambiguous=""
    [ "$cfg" = aws_network ] && ambiguous="aws_route_table.private aws_route_table.public aws_security_group.app"
    if [ -z "$why" ]; then
        "$STK" apply -auto-approve > adopt.log 2> adopt.err
        rc=$?
        if [ -n "$ambiguous" ]; then
            stuck=$(sed -n 's/^Reading \([^ ]*\) (create intent [0-9]*) failed.*/\1/p' adopt.err | sort | tr '\n' ' ')
            want=$(printf '%s\n' $ambiguous | sort | tr '\n' ' ')
            if [ $rc -eq 0 ]; then why="apply succeeded though $ambiguous cannot be told apart"
            elif [ "$stuck" != "$want" ]; then why="stopped on [$stuck], expected [$want]"
            elif ! grep -q 'objects carry the tags recorded before the interrupted create' adopt.err; then why="no ambiguity diagnostic"
            elif grep -q ': Creation complete' adopt.log; then why="created objects though recovery stopped"
            else
                STK_PASS=$((STK_PASS + 1))
                echo "ok   $cfg: recovery stops on the objects only tags identify and alike (${want% }), creates nothing"
                cd "$ROOT" || exit 1
                continue
            fi
        else
            [ $rc -eq 0 ] || why="apply exit $rc: $(grep -h -m3 '^Error' adopt.err adopt.log | tr '\n' ' ')"
        fi
    fi
    if [ -z "$why" ]; then
        adopted=$(grep -c '^Recovered interrupted operation: create of .*adopted' adopt.log)
        [ "$adopted" = "$n" ] || why="$adopted of $n objects adopted: $(grep '^Recovered' adopt.log | grep -v adopted | head -3 | tr '\n' ' ')"
    fi
    # the notes say what the lookup used (only instances and CloudFront
    # objects are found by the create's token), and the run that reconciled
    # the intents does not warn about them as if they were still pending
    if [ -z "$why" ]; then
        wrong=$(grep '^Recovered interrupted operation: create of' adopt.log | grep -v 'of aws_instance\.\|of aws_cloudfront_' |
            grep 'idempotency token' | head -2 | tr '\n' ' ')
        [ -z "$wrong" ] || why="a note claims the token found it: $wrong"
    fi
    [ -n "$why" ] || ! grep -q 'Interrupted operations in the journal' adopt.err adopt.log || why="warned of intents it reconciled"
    [ -n "$why" ] || grep -q 'Resources: 0 added' adopt.log || why="created again: $(grep -m1 'Apply complete' adopt.log)"
    if [ -z "$why" ]; then
        "$STK" plan -detailed-exitcode > plan.log 2>&1
        rc=$?
        [ $rc -eq 0 ] || why="final plan exit $rc: $(grep -m5 '^  # ' plan.log | tr '\n' ';')"
    fi
    if [ -z "$why" ]; then
        STK_PASS=$((STK_PASS + 1))
        echo "ok   $cfg: $n objects adopted after every create was interrupted, none made again, no change left"
    else
        STK_FAIL=$((STK_FAIL + 1))
        echo "FAIL $cfg: $why"
    fi
    cd "$ROOT" || exit 1
done
report
