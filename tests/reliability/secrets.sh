#!/usr/bin/env bash
# secrets.sh - sensitive values and credentials stay secret (issue 8,
# "Secrets"; docs/reliability.md).
#
# Part 1 (no AWS): the test provider and the random provider, with a
# sensitive variable, a random_password, a schema-sensitive attribute, a
# value marked with sensitive() (as user data would be) and sensitive
# outputs.  None of the secret values may appear in: plan output (human,
# -json, STK_LOG=debug), the plan file, `stk show PLANFILE`, apply output
# (human and -json), error messages that involve a sensitive value, `stk
# output` without a name, `stk state show` without -show-sensitive, `stk
# show`.  They are in the state and shown by `stk output NAME`, `stk output
# -json` and `stk state show -show-sensitive`.  .stk/ is 0700, the state,
# the plan file and the plan key 0600.
# Part 2 (moto with a generated key pair, --auth): the AWS secret access key
# never appears in any output, log (STK_LOG=debug), .stk/ file or plan file.
# Usage: tests/reliability/secrets.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
STK=${1:-${STK_BIN:-$PWD/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
. tests/aws/lib.sh
export NO_COLOR=1
work=$(mktemp -d /tmp/stk-secrets-XXXXXX)
trap 'aws_stop; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

VARPW=Hunter2-VarSecret-9137
NEWPW=Hunter2-NewSecret-5521
UDATA=UserData-Secret-7741

# no_leak NAME SECRET FILE...: none of the files holds SECRET
no_leak() {
    local name=$1 secret=$2; shift 2
    local hits
    hits=$(grep -laF -- "$secret" "$@" 2>/dev/null)
    check_eq "$name" "" "$hits"
}

# ---------------------------------------------------------------- part 1
mkdir -p "$work/p1/out"
cd "$work/p1" || exit 1
export STK_TEST_PROVIDER=1 STK_TEST_CLOUD="$work/p1/cloud"
cat > main.tf <<EOF
variable "pw" {
  type      = string
  sensitive = true
  default   = "$VARPW"
}
locals {
  user_data = sensitive("#!/bin/sh\necho $UDATA > /etc/motd\n")
}
resource "random_password" "db" {
  length  = 24
  special = false
}
resource "stktest_thing" "app" {
  name   = "app"
  secret = var.pw
  tags   = { user_data = local.user_data }
}
resource "stktest_thing" "db" {
  name   = "db"
  secret = random_password.db.result
}
resource "stktest_thing" "ud" {
  name = local.user_data
}
output "pw" {
  value     = var.pw
  sensitive = true
}
output "db_password" {
  value     = random_password.db.result
  sensitive = true
}
output "app_id" {
  value = stktest_thing.app.id
}
EOF
O=out
"$STK" plan > $O/plan.txt 2>&1
check_eq "plan succeeds" 0 $?
check_contains "plan masks the sensitive attribute" "(sensitive value)" "$(cat $O/plan.txt)"
"$STK" plan -json > $O/plan.json 2>&1
check_eq "plan -json succeeds" 0 $?
STK_LOG=debug "$STK" plan > $O/plan-debug.txt 2>&1
# (plan files live outside the configuration directory: a new file there
# makes the saved plan stale, see the reads digest of engine/git/source.c)
PF="$work/p1.plan"
"$STK" plan -out="$PF" > $O/plan-out.txt 2>&1
check_eq "plan -out succeeds" 0 $?
check_eq "plan file is 0600" 600 "$(stat -c %a "$PF")"
check_eq "plan key is 0600" 600 "$(stat -c %a .stk/plan.key)"
check_eq ".stk is 0700" 700 "$(stat -c %a .stk)"
"$STK" show "$PF" > $O/show-plan.txt 2>&1
check_eq "show PLANFILE succeeds" 0 $?
check_contains "show PLANFILE shows the plan" "stktest_thing.app" "$(cat $O/show-plan.txt)"
"$STK" show -json "$PF" > $O/show-plan.json 2>&1
check_eq "show -json PLANFILE succeeds" 0 $?
check "show -json PLANFILE marks the secret sensitive" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
rc = {r["address"]: r for r in p["resource_changes"]}
assert rc["stktest_thing.app"]["change"]["after_sensitive"]["secret"] is True
assert rc["stktest_thing.ud"]["change"]["after_sensitive"]["name"] is True
' $O/show-plan.json
no_leak "variable secret: not in plan outputs, plan file, show PLANFILE" "$VARPW" \
    $O/plan.txt $O/plan.json $O/plan-debug.txt $O/plan-out.txt "$PF" $O/show-plan.txt
no_leak "user data: not in plan outputs, plan file, show PLANFILE" "$UDATA" \
    $O/plan.txt $O/plan.json $O/plan-debug.txt $O/plan-out.txt "$PF" $O/show-plan.txt
# a plan file is useless without its key: another directory cannot open it
mkdir -p "$work/p1-other" && cp main.tf "$work/p1-other/" && cp "$PF" "$work/p1-other/p.plan"
(cd "$work/p1-other" && "$STK" show p.plan > show.txt 2>&1; echo $? > rc)
check_eq "a plan file without its key is refused" 1 "$(cat "$work/p1-other/rc")"
check_contains "the refusal names the key" "plan.key" "$(cat "$work/p1-other/show.txt")"

STK_LOG=debug "$STK" apply "$PF" > $O/apply.txt 2>&1
check_eq "apply PLANFILE succeeds" 0 $?
check_contains "apply prints the sensitive output masked" "pw = <sensitive>" "$(cat $O/apply.txt)"
DBPW=$("$STK" output -raw db_password 2>&1)
check "random_password has a value" test "${#DBPW}" -eq 24
[ "${#DBPW}" -eq 24 ] || DBPW=no-password-was-made
# a second apply with a new secret through -json
STK_LOG=debug "$STK" apply -auto-approve -json -var "pw=$NEWPW" > $O/apply.json 2> $O/apply-json.err
check_eq "apply -json with a new secret succeeds" 0 $?
"$STK" output > $O/output-all.txt 2>&1
check_contains "stk output masks sensitive outputs" "pw = <sensitive>" "$(cat $O/output-all.txt)"
"$STK" state show stktest_thing.app > $O/state-show.txt 2>&1
check_contains "state show masks the secret" "(sensitive value)" "$(cat $O/state-show.txt)"
"$STK" state show stktest_thing.db > $O/state-show-db.txt 2>&1
"$STK" state show stktest_thing.ud > $O/state-show-ud.txt 2>&1
"$STK" show > $O/show-state.txt 2>&1
"$STK" plan > $O/plan2.txt 2>&1
"$STK" state list > $O/state-list.txt 2>&1
"$STK" history > $O/history.txt 2>&1
# (stk show -json is Terraform's machine document, values included: not in the list)
ALL=($O/plan.txt $O/plan.json $O/plan-debug.txt $O/plan-out.txt "$PF" $O/show-plan.txt
     $O/apply.txt $O/apply.json $O/apply-json.err $O/output-all.txt $O/state-show.txt $O/state-show-db.txt
     $O/state-show-ud.txt $O/show-state.txt $O/plan2.txt $O/state-list.txt $O/history.txt)
no_leak "variable secret: nowhere in the outputs" "$VARPW" "${ALL[@]}"
no_leak "new variable secret: nowhere in the outputs" "$NEWPW" "${ALL[@]}"
no_leak "random password: nowhere in the outputs" "$DBPW" "${ALL[@]}"
no_leak "user data: nowhere in the outputs" "$UDATA" "${ALL[@]}"
# ... but kept in the state and shown on explicit request
check "the state holds the random password" grep -qaF -- "$DBPW" .stk/default.db .stk/default.db-wal
check_eq "stk output NAME shows the value" "$NEWPW" "$("$STK" output -raw pw 2>&1)"
check_contains "stk output -json shows the values" "$DBPW" "$("$STK" output -json 2>&1)"
check_contains "state show -show-sensitive shows the secret" "$NEWPW" \
    "$("$STK" state show -show-sensitive stktest_thing.app 2>&1)"
check_eq "state database is 0600" 600 "$(stat -c %a .stk/default.db)"
bad=$(find .stk -type f ! -perm 600 -printf '%p %m\n'; find .stk -type d ! -perm 700 -printf '%p %m\n')
check_eq "every file under .stk is 0600, every directory 0700" "" "$bad"

# errors that involve a sensitive value never quote it
mkdir -p "$work/p1-err" && cd "$work/p1-err" || exit 1
cat > main.tf <<EOF
variable "pw" {
  type      = string
  sensitive = true
  default   = "$VARPW"
}
output "n" {
  value     = tonumber(var.pw)
  sensitive = true
}
EOF
"$STK" plan > err1.txt 2>&1
check_eq "a function error on a sensitive value fails" 1 $?
cat > main.tf <<EOF
variable "pw" {
  type      = string
  sensitive = true
  default   = "$VARPW"
}
resource "stktest_thing" "x" {
  cidr = var.pw
}
EOF
"$STK" plan > err2.txt 2>&1; echo $? > rc2
"$STK" validate > err3.txt 2>&1
cat > main.tf <<EOF
variable "pw" {
  type      = number
  sensitive = true
}
EOF
"$STK" plan -var "pw=$VARPW" > err4.txt 2>&1
check_eq "a sensitive variable of the wrong type fails" 1 $?
cat > main.tf <<EOF
variable "pw" {
  type      = string
  sensitive = true
  default   = "$VARPW"
  validation {
    condition     = length(var.pw) < 5
    error_message = "The password is too long."
  }
}
EOF
"$STK" plan > err5.txt 2>&1
check_eq "a failed validation of a sensitive variable fails" 1 $?
cat > main.tf <<EOF
variable "pw" {
  type      = string
  sensitive = true
  default   = "$VARPW"
}
resource "stktest_thing" "x" {
  name    = var.pw
  fail_on = "create"
}
EOF
"$STK" apply -auto-approve > err6.txt 2>&1
check_eq "a provider error on a resource with a sensitive attribute fails" 1 $?
no_leak "error messages never quote the secret" "$VARPW" err1.txt err2.txt err3.txt err4.txt err5.txt err6.txt
cd "$work" || exit 1
unset STK_TEST_PROVIDER STK_TEST_CLOUD

# ---------------------------------------------------------------- part 2
if aws_start --auth; then
    check "moto started with a generated key" test -n "$AWS_SECRET_ACCESS_KEY"
    mkdir -p "$work/p2/out" && cd "$work/p2" || exit 1
    cat > main.tf <<'EOF'
provider "aws" {
  region                      = "eu-north-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
}
resource "aws_s3_bucket" "b" {
  bucket = "stk-secrets-test"
}
resource "aws_sns_topic" "t" {
  name = "stk-secrets-test"
}
EOF
    STK_LOG=debug "$STK" plan -out="$work/p2.plan" > out/plan.txt 2>&1
    check_eq "aws plan succeeds" 0 $?
    STK_LOG=debug "$STK" apply "$work/p2.plan" > out/apply.txt 2>&1
    check_eq "aws apply succeeds" 0 $?
    check "the debug log shows requests" grep -q "stk aws:" out/apply.txt
    STK_LOG=debug "$STK" plan -json > out/plan.json 2>&1
    STK_LOG=debug "$STK" aws call sts GetCallerIdentity '{}' > out/call.txt 2>&1
    AWS_SECRET_ACCESS_KEY=wrong-$AWS_SECRET_ACCESS_KEY STK_LOG=debug "$STK" aws call sns ListTopics '{}' > out/denied.txt 2>&1
    check_eq "a wrong secret key is refused" 1 $?
    STK_LOG=debug "$STK" destroy -auto-approve > out/destroy.txt 2>&1
    check_eq "aws destroy succeeds" 0 $?
    no_leak "the AWS secret key is in no output, log, plan file or .stk/ file" "$AWS_SECRET_ACCESS_KEY" \
        out/plan.txt out/apply.txt out/plan.json out/call.txt out/denied.txt out/destroy.txt "$work/p2.plan" $(find .stk -type f)
    aws_stop
else
    check "moto starts" false
fi

report
