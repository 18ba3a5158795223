#!/usr/bin/env bash
# tests/backend/moto_test.sh - the S3 backend against moto (S3 and DynamoDB
# on one 127.0.0.1 port, started by tests/aws/lib.sh): bootstrap, upload
# with server-side encryption, pull, stale/foreign/digest checks, lock
# contention, kill -9 + force-unlock, client-side encryption, S3 lock file.
# Prints "N passed, N failed".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../aws/lib.sh"
. "$HERE/cases.sh"
aws_start || { echo "0 passed, 1 failed"; exit 1; }
S3_URL=$MOTO_URL DDB_URL=$MOTO_URL SERVER_NAME=moto
HAS_BUCKET_SETTINGS=1 HAS_CONDITIONAL_PUT=1
backend_cases
aws_stop
report
