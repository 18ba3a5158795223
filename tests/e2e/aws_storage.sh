#!/usr/bin/env bash
# aws_storage.sh - the S3 and CloudFront resource types against moto: starts the
# local AWS (tests/aws/lib.sh, slow mode so waiters see pending states) and
# runs the CRUD program tests/e2e/aws_storage_test.c built beside stk.
# Usage: tests/e2e/aws_storage.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
PROG=$(dirname "$STK")/tests/test_aws_storage
[ -x "$PROG" ] || { echo "aws_storage.sh: no $PROG (build first)" >&2; echo "0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/aws ] || { echo "aws_storage.sh: no /usr/bin/aws" >&2; echo "0 passed, 1 failed"; exit 1; }
. "$ROOT/tests/aws/lib.sh"
aws_start --slow 2 || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01
"$PROG"
