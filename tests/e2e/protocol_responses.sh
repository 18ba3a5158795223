#!/usr/bin/env bash
# protocol_responses.sh - stk's response parsers against botocore's on the
# same raw responses from the local AWS (tests/protocol/compare_responses.py):
# about 120 responses over the 13 services, errors included.
#
# Usage: tests/e2e/protocol_responses.sh [path/to/stk]
# Prints "N passed, N failed"; exits 1 when anything differs.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
[ -x "$STK" ] || { echo "protocol_responses.sh: no stk binary at $STK" >&2; exit 2; }
. "$ROOT/tests/aws/lib.sh"
aws_start || { echo "0 passed, 1 failed"; exit 1; }
python3 "$ROOT/tests/protocol/compare_responses.py" "$STK"
