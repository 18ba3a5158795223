# shellcheck shell=bash
# tests/aws/lib.sh — shell helpers for end-to-end tests against the local AWS.
#
#   . tests/aws/lib.sh
#   aws_start [--auth] [--slow N] [--proxy "fault_proxy options"]
#   check "vpc exists" awscli ec2 describe-vpcs
#   aws_reset                       # between cases
#   aws_proxy_restart "opts"        # new proxy options, same moto
#   report                          # "N passed, N failed"; non-zero on failure
#
# aws_start runs moto_launcher.py (and fault_proxy.py with --proxy) in the
# background on free 127.0.0.1 ports, waits until they answer and exports:
#   AWS_ENDPOINT_URL      the proxy when there is one, else moto
#   MOTO_URL, MOTO_PORT   moto itself (resets and test controls go there)
#   AWS_PROXY_URL         the proxy (empty without --proxy)
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY  the --auth user's key, or
#                         AWS's documented example key (any key passes then)
#   AWS_REGION=AWS_DEFAULT_REGION=eu-north-1, AWS_EC2_METADATA_DISABLED=true,
#   AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE  empty files of ours, so a
#                         developer's ~/.aws never leaks into a test
#   STK_AWS_TMP           the temp dir: pid files, ports, logs (moto.log,
#                         proxy.log, proxy.stats.json, creds.json)
# It installs an EXIT/INT/TERM trap that calls aws_stop; a script that needs
# its own EXIT trap must call aws_stop from it.  (bash runs a trap for INT or
# TERM only when the foreground command it is waiting for returns.)  The
# servers also exit by themselves within a second when the shell that started
# them is gone, even after kill -9 (--parent-pid).
# STK_KEEP_AWS_TMP=1 keeps the temp dir after aws_stop (for the logs).
#
# Requires bash, python3 with moto (the machine's 3.11), curl; awscli uses
# Debian's AWS CLI v2 at /usr/bin/aws (apt-get install awscli).

STK_AWS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STK_PYTHON=${STK_PYTHON:-python3}
STK_AWSCLI=${STK_AWSCLI:-/usr/bin/aws}
STK_PASS=0
STK_FAIL=0

_aws_wait_file() { # file pid seconds
    local f=$1 pid=$2 n=$(( $3 * 20 ))
    while [ ! -s "$f" ]; do
        if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        n=$((n - 1)); [ "$n" -gt 0 ] || return 1
        sleep 0.05
    done
}

aws_start() {
    local auth=0 slow="" proxy="" with_proxy=0
    while [ $# -gt 0 ]; do
        case $1 in
            --auth) auth=1 ;;
            --slow) slow=$2; shift ;;
            --proxy) proxy=$2; with_proxy=1; shift ;;
            *) echo "aws_start: unknown option $1" >&2; return 2 ;;
        esac
        shift
    done
    if [ -n "${STK_AWS_TMP:-}" ] && [ -d "$STK_AWS_TMP" ]; then
        echo "aws_start: already started (STK_AWS_TMP=$STK_AWS_TMP); aws_stop first" >&2
        return 2
    fi
    STK_AWS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stk-aws.XXXXXX") || return 1
    export STK_AWS_TMP
    trap 'aws_stop' EXIT
    trap 'aws_stop; exit 130' INT
    trap 'aws_stop; exit 143' TERM

    local args=(--quiet --port-file "$STK_AWS_TMP/moto.port" --parent-pid $$)
    [ "$auth" = 1 ] && args+=(--auth --creds-file "$STK_AWS_TMP/creds.json")
    [ -n "$slow" ] && args+=(--slow "$slow")
    "$STK_PYTHON" "$STK_AWS_DIR/moto_launcher.py" "${args[@]}" \
        >"$STK_AWS_TMP/moto.out" 2>"$STK_AWS_TMP/moto.log" &
    echo $! >"$STK_AWS_TMP/moto.pid"
    if ! _aws_wait_file "$STK_AWS_TMP/moto.port" "$(cat "$STK_AWS_TMP/moto.pid")" 60; then
        echo "aws_start: moto_launcher did not start; its log:" >&2
        tail -20 "$STK_AWS_TMP/moto.log" >&2
        aws_stop; return 1
    fi
    MOTO_PORT=$(cat "$STK_AWS_TMP/moto.port")
    MOTO_URL="http://127.0.0.1:$MOTO_PORT"
    export MOTO_PORT MOTO_URL
    AWS_PROXY_URL=""
    if [ "$with_proxy" = 1 ]; then
        _aws_start_proxy "$proxy" || { aws_stop; return 1; }
    fi
    export AWS_PROXY_URL
    export AWS_ENDPOINT_URL=${AWS_PROXY_URL:-$MOTO_URL}
    if [ "$auth" = 1 ]; then
        AWS_ACCESS_KEY_ID=$("$STK_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["aws_access_key_id"])' "$STK_AWS_TMP/creds.json")
        AWS_SECRET_ACCESS_KEY=$("$STK_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["aws_secret_access_key"])' "$STK_AWS_TMP/creds.json")
    else
        AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
        AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    fi
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
    export AWS_REGION=eu-north-1 AWS_DEFAULT_REGION=eu-north-1
    export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
    : >"$STK_AWS_TMP/aws-config"; : >"$STK_AWS_TMP/aws-credentials"
    export AWS_CONFIG_FILE="$STK_AWS_TMP/aws-config" AWS_SHARED_CREDENTIALS_FILE="$STK_AWS_TMP/aws-credentials"
}

_aws_start_proxy() { # "options"
    rm -f "$STK_AWS_TMP/proxy.port"
    # shellcheck disable=SC2086  # the proxy options are words on purpose
    "$STK_PYTHON" "$STK_AWS_DIR/fault_proxy.py" --target-port "$MOTO_PORT" \
        --port-file "$STK_AWS_TMP/proxy.port" --parent-pid $$ \
        --log "$STK_AWS_TMP/proxy.log" --stats-file "$STK_AWS_TMP/proxy.stats.json" $1 \
        >"$STK_AWS_TMP/proxy.out" 2>"$STK_AWS_TMP/proxy.err" &
    echo $! >"$STK_AWS_TMP/proxy.pid"
    if ! _aws_wait_file "$STK_AWS_TMP/proxy.port" "$(cat "$STK_AWS_TMP/proxy.pid")" 20; then
        echo "aws_start: fault_proxy did not start:" >&2
        tail -20 "$STK_AWS_TMP/proxy.err" >&2
        return 1
    fi
    AWS_PROXY_URL="http://127.0.0.1:$(cat "$STK_AWS_TMP/proxy.port")"
}

# aws_proxy_restart "options": a new proxy (new options, counters, seed) in
# front of the same moto; AWS_ENDPOINT_URL follows it.
aws_proxy_restart() {
    _aws_kill "$STK_AWS_TMP/proxy.pid"
    _aws_start_proxy "$1" || return 1
    export AWS_PROXY_URL AWS_ENDPOINT_URL=$AWS_PROXY_URL
}

_aws_alive() { # pid: running (an exited child not yet reaped is not)
    local st
    [ -r "/proc/$1/stat" ] || return 1
    { read -r _ _ st _ <"/proc/$1/stat"; } 2>/dev/null || return 1  # it may end meanwhile
    [ "$st" != Z ]
}

_aws_kill() { # pidfile
    local f=$1 pid n
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    rm -f "$f"
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    n=100
    while _aws_alive "$pid" && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
    _aws_alive "$pid" && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

aws_stop() {
    [ -n "${STK_AWS_TMP:-}" ] && [ -d "$STK_AWS_TMP" ] || return 0
    _aws_kill "$STK_AWS_TMP/proxy.pid"
    _aws_kill "$STK_AWS_TMP/moto.pid"
    if [ "${STK_KEEP_AWS_TMP:-0}" = 1 ]; then
        echo "aws_stop: logs kept in $STK_AWS_TMP" >&2
    else
        rm -rf "$STK_AWS_TMP"
    fi
    unset STK_AWS_TMP
    trap - EXIT INT TERM
}

# Empty moto and our handlers' data (the --auth key survives); straight to
# moto, never through the proxy.
aws_reset() {
    curl -sf -X POST "$MOTO_URL/moto-api/reset" >/dev/null
}

# Zero the proxy's counters and restart its generator from the seed.
aws_proxy_reset() {
    [ -n "${AWS_PROXY_URL:-}" ] || return 0
    curl -sf -X POST "$AWS_PROXY_URL/__proxy/reset" >/dev/null
}

aws_proxy_stats() {
    curl -sf "$AWS_PROXY_URL/__proxy/stats"
}

# Debian's AWS CLI v2 against the local AWS (through the proxy if any).
awscli() {
    if [ ! -x "$STK_AWSCLI" ]; then
        echo "awscli: $STK_AWSCLI not found (apt-get install awscli)" >&2
        return 127
    fi
    "$STK_AWSCLI" --endpoint-url "$AWS_ENDPOINT_URL" --region "$AWS_REGION" --output json "$@"
}

# check "name" cmd args...   : passes when cmd exits 0 (cmd runs in a
# subshell: do not pass aws_start / aws_proxy_restart through it)
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then
        STK_PASS=$((STK_PASS + 1)); echo "ok   $name"
    else
        STK_FAIL=$((STK_FAIL + 1)); echo "FAIL $name"
        printf '%s\n' "$out" | tail -15 | sed 's/^/     /'
    fi
}

# check_fails "name" cmd args... : passes when cmd exits non-zero
check_fails() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then
        STK_FAIL=$((STK_FAIL + 1)); echo "FAIL $name (succeeded, should have failed)"
        printf '%s\n' "$out" | tail -15 | sed 's/^/     /'
    else
        STK_PASS=$((STK_PASS + 1)); echo "ok   $name"
    fi
}

# check_eq "name" expected actual
check_eq() {
    if [ "$2" = "$3" ]; then
        STK_PASS=$((STK_PASS + 1)); echo "ok   $1"
    else
        STK_FAIL=$((STK_FAIL + 1)); echo "FAIL $1: expected [$2], got [$3]"
    fi
}

# check_contains "name" needle haystack
check_contains() {
    case $3 in
        *"$2"*) STK_PASS=$((STK_PASS + 1)); echo "ok   $1" ;;
        *) STK_FAIL=$((STK_FAIL + 1)); echo "FAIL $1: [$2] not in [$(printf '%s' "$3" | head -c 400)]" ;;
    esac
}

report() {
    echo "$STK_PASS passed, $STK_FAIL failed"
    [ "$STK_FAIL" -eq 0 ]
}
