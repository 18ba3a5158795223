#!/usr/bin/env bash
# bench_noop_calls.sh - how many AWS API calls a no-op `stk plan` (refresh
# on) of the whole StartTech stack costs.  Applies examples/starttech (a
# copy in a temp dir) against moto (tests/aws/lib.sh), then records the
# second plan with moto's request recorder (MOTO_ENABLE_RECORDING,
# /moto-api/recorder/start-recording, download-recording) and prints the
# number of calls, the number of resources in state, and the calls per
# service and operation.
#
# Usage: tests/bench/bench_noop_calls.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Env:   BENCH_NOOP_SUMMARY=FILE  also writes "calls N\nresources M\nplan_rc R\n" to FILE
#        BENCH_NOOP_KEEP=DIR      copies the work dir (config + .stk) to DIR
#        BENCH_NOOP_AFTER=FILE    sources FILE at the end, in the work dir, while
#                                 moto still runs (tests/e2e/noop_calls.sh's checks)
# The last line printed is "noop plan: N API calls for M resources".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
case $STK in /*) ;; *) STK=$PWD/$STK ;; esac
. "$ROOT/tests/aws/lib.sh"

rec=$(mktemp "${TMPDIR:-/tmp}/stk-noop-rec.XXXXXX")
export MOTO_ENABLE_RECORDING=true MOTO_RECORDER_FILEPATH="$rec"
aws_start || exit 1
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
trap 'aws_stop; rm -rf "$work" "$rec"' EXIT
cp -r "$ROOT/examples/starttech/." "$work/"
rm -rf "$work/.stk"
cd "$work" || exit 1

# the recorder starts enabled (MOTO_ENABLE_RECORDING): stop it during apply
curl -s -X POST "$MOTO_URL/moto-api/recorder/stop-recording" >/dev/null
if ! "$STK" apply -auto-approve -input=false > apply.txt 2>&1; then
    echo "bench_noop_calls: apply failed:" >&2
    tail -30 apply.txt >&2
    exit 1
fi
resources=$("$STK" state list | wc -l)

curl -s -X POST "$MOTO_URL/moto-api/recorder/reset-recording" >/dev/null
curl -s -X POST "$MOTO_URL/moto-api/recorder/start-recording" >/dev/null
"$STK" plan -detailed-exitcode -input=false > plan.txt 2>&1
plan_rc=$?
curl -s -X POST "$MOTO_URL/moto-api/recorder/stop-recording" >/dev/null
curl -s "$MOTO_URL/moto-api/recorder/download-recording" > recording.jsonl
if [ "$plan_rc" != 0 ]; then
    echo "bench_noop_calls: the second plan is not a no-op (exit $plan_rc):" >&2
    sed -n '1,60p' plan.txt >&2
fi

# calls per service / operation, from the recorded requests
python3 - recording.jsonl <<'EOF'
import base64, collections, json, re, sys, urllib.parse

def operation(r):
    h = {k.lower(): v for k, v in r.get("headers", {}).items()}
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", h.get("authorization", ""))
    service = m.group(1) if m else "?"
    target = h.get("x-amz-target")
    if target:
        return service, target.split(".")[-1]
    url = urllib.parse.urlsplit(r["url"])
    q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    body = r.get("body") or ""
    if r.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    if "Action" in q:
        return service, q["Action"][0]
    b = urllib.parse.parse_qs(body, keep_blank_values=True) if "=" in body else {}
    if "Action" in b:
        return service, b["Action"][0]
    # REST services (S3, CloudFront): method, path shape, sub-resource keys
    segs = [s for s in url.path.split("/") if s]
    if service == "s3":
        shape = "/bucket" if len(segs) == 1 else ("/" if not segs else "/bucket/key")
    else:
        shape = "/" + "/".join(s if re.fullmatch(r"[a-z0-9-]+", s) and not re.search(r"\d{3}", s) or re.fullmatch(r"\d{4}-\d\d-\d\d", s) else "{id}" for s in segs)
    keys = sorted(q)
    return service, r["method"] + " " + shape + ("?" + "&".join(keys) if keys else "")

counts = collections.Counter()
n = 0
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        n += 1
        counts[operation(json.loads(line))] += 1
for (svc, op), c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
    print(f"{c:5d}  {svc:22s} {op}")
print(f"{n:5d}  total")
EOF
calls=$(grep -c . recording.jsonl)
if [ -n "${BENCH_NOOP_SUMMARY:-}" ]; then
    printf 'calls %s\nresources %s\nplan_rc %s\n' "$calls" "$resources" "$plan_rc" > "$BENCH_NOOP_SUMMARY"
fi
if [ -n "${BENCH_NOOP_KEEP:-}" ]; then
    mkdir -p "$BENCH_NOOP_KEEP" && cp -r "$work/." "$BENCH_NOOP_KEEP/"
fi
echo "noop plan: $calls API calls for $resources resources (plan exit $plan_rc)"
if [ -n "${BENCH_NOOP_AFTER:-}" ]; then
    # shellcheck disable=SC1090
    . "$BENCH_NOOP_AFTER"
fi
[ "$plan_rc" = 0 ]
