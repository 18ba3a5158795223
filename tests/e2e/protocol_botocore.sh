#!/usr/bin/env bash
# protocol_botocore.sh - every operation of the embedded models, serialized by
# stk (`stk aws call -dry-run`) and by botocore's own serializers from the
# same synthetic params, must give the same wire request
# (tests/protocol/compare_botocore.py).  No server involved.
#
# Usage: tests/e2e/protocol_botocore.sh [path/to/stk] [SERVICE...]
# Prints "N passed, N failed"; exits 1 when anything differs.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
[ $# -gt 0 ] && shift
[ -x "$STK" ] || { echo "protocol_botocore.sh: no stk binary at $STK" >&2; exit 2; }
if ! python3 -c 'import botocore' 2>/dev/null; then
    echo "protocol_botocore.sh: python3 has no botocore" >&2; echo "0 passed, 1 failed"; exit 1
fi
exec python3 "$ROOT/tests/protocol/compare_botocore.py" "$STK" "$@"
