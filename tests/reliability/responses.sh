#!/usr/bin/env bash
# responses.sh - AWS responses larger or stranger than expected (issue 8;
# docs/reliability.md "Hostile responses").  tests/reliability/
# hostile_server.py answers every call on 127.0.0.1 with one kind of hostile
# response (huge XML, a huge Content-Length, deep nesting, invalid UTF-8,
# truncated bodies, a wrong Content-Length, garbage, slow-loris, headers one
# byte a second, silence, an immediate close); stk is pointed at it with
# AWS_ENDPOINT_URL.  For each, `stk aws call` (and `stk plan` reading a data
# source for a few) must exit 1 with an "Error:" message, within a time
# bound, with a peak RSS (/usr/bin/time -v) under RESPONSES_MAX_RSS_MB
# (default 300), and without a sanitizer report.
#
# Short form (CI): STK_AWS_STALL_SECONDS=3 (the stall window of the HTTP
# client; the default is 20 s) and STK_RETRY_BASE_MS=50, 120 MiB bodies.
# Long form: RESPONSES_LONG=1: the default stall window, 600 MiB bodies.
# ASan's quarantine would keep every freed buffer resident and count it as
# peak memory; it is limited to 16 MiB here so RSS measures stk, not ASan.
# Usage: tests/reliability/responses.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
STK=${1:-${STK_BIN:-$PWD/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
. tests/aws/lib.sh
work=$(mktemp -d /tmp/stk-responses-XXXXXX)
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$work"' EXIT
MAX_RSS_MB=${RESPONSES_MAX_RSS_MB:-300}
if [ -n "${RESPONSES_LONG:-}" ]; then
    SIZE=600 STALL=20 TBOUND=200
    unset STK_AWS_STALL_SECONDS
else
    SIZE=120 STALL=3 TBOUND=60
    export STK_AWS_STALL_SECONDS=$STALL
fi
export STK_RETRY_BASE_MS=50 NO_COLOR=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=16
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_REGION=eu-north-1 AWS_DEFAULT_REGION=eu-north-1 AWS_EC2_METADATA_DISABLED=true
: > "$work/empty"
export AWS_CONFIG_FILE="$work/empty" AWS_SHARED_CREDENTIALS_FILE="$work/empty"
unset AWS_PROFILE AWS_SESSION_TOKEN

start_server() { # mode
    [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
    rm -f "$work/port"
    python3 "$ROOT/tests/reliability/hostile_server.py" --mode "$1" --size "$SIZE" \
        --port-file "$work/port" --parent-pid $$ 2>"$work/server.log" &
    srv_pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$work/port")"
}

# expect_clean_failure NAME MODE CMD...: exit 1, an error, time and memory bounds
expect_clean_failure() {
    local name=$1 mode=$2; shift 2
    start_server "$mode"
    local out="$work/$name.out" tv="$work/$name.time" start end rc rss secs
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$tv" timeout -s KILL $((TBOUND + 60)) "$@" > "$out" 2>&1
    rc=$?
    end=$(date +%s.%N)
    secs=$(python3 -c "print(round($end - $start, 1))")
    rss=$(( $(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv") / 1024 ))
    local why=""
    [ "$rc" -eq 1 ] || why="exit $rc (want 1)"
    grep -q "^Error" "$out" || why="$why; no Error: line"
    grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$out" && why="$why; sanitizer report"
    python3 -c "import sys; sys.exit(0 if $secs <= $TBOUND else 1)" || why="$why; took ${secs}s > ${TBOUND}s"
    [ "$rss" -lt "$MAX_RSS_MB" ] || why="$why; peak RSS ${rss} MiB >= ${MAX_RSS_MB} MiB"
    if [ -z "$why" ]; then
        STK_PASS=$((STK_PASS + 1))
        printf 'ok   %-28s %5.1fs %4d MiB  %s\n' "$name" "$secs" "$rss" "$(grep -m1 -A2 '^Error' "$out" | tr '\n' ' ' | cut -c1-110)"
    else
        STK_FAIL=$((STK_FAIL + 1))
        echo "FAIL $name: ${why#; }"
        tail -15 "$out" | sed 's/^/     /'
    fi
}

EC2=("$STK" aws call ec2 DescribeVpcs '{}')
DDB=("$STK" aws call dynamodb DescribeTable '{"TableName": "t"}')
expect_clean_failure huge_xml        huge_xml     "${EC2[@]}"
expect_clean_failure huge_length     huge_length  "${EC2[@]}"
expect_clean_failure huge_json       huge_length  "${DDB[@]}"
expect_clean_failure deep_xml        deep_xml     "${EC2[@]}"
expect_clean_failure deep_json       deep_json    "${DDB[@]}"
expect_clean_failure bad_utf8_xml    bad_utf8     "${EC2[@]}"
expect_clean_failure bad_utf8_json   bad_utf8_json "${DDB[@]}"
expect_clean_failure truncated       truncated    "${EC2[@]}"
expect_clean_failure short_length    short_length "${EC2[@]}"
expect_clean_failure garbage_xml     garbage      "${EC2[@]}"
expect_clean_failure garbage_json    garbage      "${DDB[@]}"
expect_clean_failure slow_loris      slow_loris   "${EC2[@]}"
expect_clean_failure slow_headers    slow_headers "${EC2[@]}"
expect_clean_failure silent          silent       "${EC2[@]}"
expect_clean_failure close           close        "${EC2[@]}"

# the engine's path: a plan reading a data source gives up cleanly too
mkdir -p "$work/cfg" && cd "$work/cfg" || exit 1
cat > main.tf <<'EOF'
provider "aws" {
  region                      = "eu-north-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  max_retries                 = 1
}
data "aws_vpc" "d" {
  default = true
}
output "vpc" {
  value = data.aws_vpc.d.id
}
EOF
expect_clean_failure plan_huge_xml   huge_xml     "$STK" plan -input=false
expect_clean_failure plan_deep_xml   deep_xml     "$STK" plan -input=false
expect_clean_failure plan_slow_loris slow_loris   "$STK" plan -input=false
expect_clean_failure plan_silent     silent       "$STK" plan -input=false
cd "$ROOT" || exit 1

report
