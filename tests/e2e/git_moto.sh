#!/usr/bin/env bash
# git_moto.sh - issue 7's git acceptance test against moto: a real git
# repository made here holds a small AWS configuration (a CloudWatch log
# group whose retention and an SNS topic whose tag come from variables).
# Apply at commit A; change the variables, commit B, apply; the AWS CLI sees
# B; `stk rollback --to A` brings A's values back; `stk plan --rev B`
# ignores an uncommitted edit (and leaves the work tree alone); `stk
# history` shows both commits with author and subject; a protected
# workspace refuses an apply from a dirty tree (exit 1, the reason named)
# and -allow-dirty passes; `-env staging` with an envs/staging layout uses
# its own workspace and state.
# Usage: tests/e2e/git_moto.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
if ! "$STK" plan -help 2>/dev/null | grep -q -- "-rev=REV"; then
    echo "git_moto.sh: $STK has no plan -rev" >&2
    echo "0 passed, 1 failed"; exit 1
fi
. "$ROOT/tests/aws/lib.sh"
aws_start || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1 STK_WORKSPACE=
WORK=$(mktemp -d)
trap 'aws_stop; rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME="Ada Author" GIT_AUTHOR_EMAIL="ada@example.com"
export GIT_COMMITTER_NAME="Ada Author" GIT_COMMITTER_EMAIL="ada@example.com"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
REPO=$WORK/infra
mkdir -p "$REPO/envs/staging" "$REPO/modules/app"
cd "$REPO" || exit 1
git init -q -b main .
printf '.stk/\n' >.gitignore

# the shared module: one log group and one topic, named after a prefix
cat >modules/app/main.tf <<'TF'
variable "prefix" { type = string }
variable "retention" { type = number }
variable "owner" { type = string }

resource "aws_cloudwatch_log_group" "app" {
  name              = "/${var.prefix}/app"
  retention_in_days = var.retention
}

resource "aws_sns_topic" "alerts" {
  name = "${var.prefix}-alerts"
  tags = {
    Owner = var.owner
  }
}

output "topic_arn" { value = aws_sns_topic.alerts.arn }
TF
cat >main.tf <<'TF'
provider "aws" {
  region = "eu-north-1"
}

variable "retention" { type = number }
variable "owner" { type = string }

module "app" {
  source    = "./modules/app"
  prefix    = "gitprod"
  retention = var.retention
  owner     = var.owner
}

output "topic_arn" { value = module.app.topic_arn }
TF
printf 'retention = 7\nowner     = "team-a"\n' >terraform.tfvars
cat >envs/staging/main.tf <<'TF'
provider "aws" {
  region = "eu-north-1"
}

variable "retention" { type = number }

module "app" {
  source    = "../../modules/app"
  prefix    = "gitstaging"
  retention = var.retention
  owner     = "staging"
}
TF
echo 'retention = 3' >envs/staging/staging.tfvars
git add -A && git commit -q -m "A: retention 7, team-a"
A=$(git rev-parse HEAD)

stk() { timeout 300 "$STK" "$@" >"$WORK/last.out" 2>&1; local rc=$?; cat "$WORK/last.out" >>"$WORK/all.out"; return $rc; }
last() { cat "$WORK/last.out"; }
retention() { awscli logs describe-log-groups --log-group-name-prefix "/$1/app" \
                --query 'logGroups[0].retentionInDays' --output text 2>&1; }
owner() {
    local arn
    arn=$(awscli sns list-topics --query "Topics[?ends_with(TopicArn, ':$1-alerts')].TopicArn | [0]" --output text 2>&1)
    awscli sns list-tags-for-resource --resource-arn "$arn" --query "Tags[?Key=='Owner'].Value | [0]" --output text 2>&1
}

# ---- commit A applied ----------------------------------------------------------
check "apply at A" stk apply -auto-approve -input=false
check_eq "moto: A's retention" 7 "$(retention gitprod)"
check_eq "moto: A's owner tag" team-a "$(owner gitprod)"

# ---- commit B: the variables change ---------------------------------------------
printf 'retention = 30\nowner     = "team-b"\n' >terraform.tfvars
git commit -q -am "B: retention 30, team-b"
B=$(git rev-parse HEAD)
check "apply at B" stk apply -auto-approve -input=false
check_eq "moto: B's retention" 30 "$(retention gitprod)"
check_eq "moto: B's owner tag" team-b "$(owner gitprod)"

# ---- history: both commits, author, subject ---------------------------------------
check "history" stk history -no-color
H=$(last)
check_contains "history: commit A" "${A:0:7}" "$H"
check_contains "history: commit B" "${B:0:7}" "$H"
check_contains "history: subject B" "B: retention 30, team-b" "$H"
stk history -json
HJ=$(last)
check_contains "history json: commit A" "\"commit\": \"$A\"" "$HJ"
check_contains "history json: subject A" '"subject": "A: retention 7, team-a"' "$HJ"
check_contains "history json: author" '"author": "Ada Author <ada@example.com>"' "$HJ"
check_contains "history json: branch" '"branch": "main"' "$HJ"

# ---- rollback to A -----------------------------------------------------------------
check "rollback --to A" stk rollback --to "$A" -auto-approve -input=false
check_contains "rollback shows the plan" "to change" "$(last)"
check_eq "moto: rollback restored A's retention" 7 "$(retention gitprod)"
check_eq "moto: rollback restored A's owner tag" team-a "$(owner gitprod)"
check_eq "rollback left the work tree at B" 'retention = 30' "$(head -1 terraform.tfvars)"
stk history -json
check_contains "rollback row carries commit A" "\"commit\": \"$A\"" "$(last | tail -30)"

# ---- plan --rev B ignores an uncommitted edit ------------------------------------
printf 'retention = 90\nowner     = "team-dirty"\n' >terraform.tfvars
sum_before=$(sha256sum terraform.tfvars main.tf)
stk plan --rev "$B" -no-color -detailed-exitcode; rc=$?
P=$(last)
check_eq "plan --rev B: changes (A is deployed)" 2 "$rc"
check_contains "plan --rev B: B's retention" "7 -> 30" "$P"
check_contains "plan --rev B: B's owner" '"team-a" -> "team-b"' "$P"
case $P in *team-dirty*|*"-> 90"*|*"= 90"*) check_eq "plan --rev B ignores the uncommitted edit" clean dirty ;;
           *) check_eq "plan --rev B ignores the uncommitted edit" clean clean ;; esac
check_eq "plan --rev left the work tree untouched" "$sum_before" "$(sha256sum terraform.tfvars main.tf)"
check_eq "git status still shows the edit" " M terraform.tfvars" "$(git status --porcelain)"
stk plan --rev "$B" -out="$WORK/b.plan" -input=false
check "apply the saved -rev plan (tree still dirty)" stk apply "$WORK/b.plan"
check_eq "moto: saved plan applied B" 30 "$(retention gitprod)"
stk plan -no-color -detailed-exitcode; rc=$?
check_eq "plain plan reads the dirty tree" 2 "$rc"
check_contains "plain plan: the dirty value" "team-dirty" "$(last)"

# ---- protected workspace -------------------------------------------------------------
check "workspace protect default" stk workspace protect default
stk apply -auto-approve -input=false; rc=$?
check_eq "protected + dirty tree: refused (exit 1)" 1 "$rc"
check_contains "refusal names the reason" "uncommitted changes" "$(last)"
check_eq "moto: refused apply changed nothing" 30 "$(retention gitprod)"
check "-allow-dirty passes" stk apply -auto-approve -input=false -allow-dirty
check_eq "moto: -allow-dirty applied the work tree" 90 "$(retention gitprod)"
stk history -json
check_contains "dirty apply recorded as dirty" '"dirty": true' "$(last | tail -30)"
git checkout -q -- terraform.tfvars
stk apply -auto-approve -input=false -rev "$B"; rc=$?
check_eq "protected + unpushed commit: refused" 1 "$rc"
check_contains "unpushed reason" "not pushed" "$(last)"
git init -q --bare "$WORK/remote.git" && git remote add origin "$WORK/remote.git" && git push -q -u origin main 2>/dev/null
check "protected + clean + pushed: apply" stk apply -auto-approve -input=false
check_eq "moto: B again" 30 "$(retention gitprod)"
check "workspace unprotect" stk workspace unprotect default

# ---- -env staging: its own tfvars, workspace and state -------------------------------
check "apply -env staging" stk apply -env=staging -auto-approve -input=false
check_contains "-env made its workspace" 'workspace "staging"' "$(last)"
check_eq "moto: staging retention from its var file" 3 "$(retention gitstaging)"
check_eq "moto: staging owner" staging "$(owner gitstaging)"
check_eq "moto: prod untouched by staging" 30 "$(retention gitprod)"
check "staging state exists" test -f .stk/staging.db
STK_WORKSPACE=staging stk state list
check_contains "staging state holds the staging topic" "module.app.aws_sns_topic.alerts" "$(last)"
stk state show module.app.aws_sns_topic.alerts
check_contains "default state holds prod's topic" "gitprod-alerts" "$(last)"
stk plan -env=staging -detailed-exitcode; rc=$?
check_eq "-env staging plans clean" 0 "$rc"
stk plan -detailed-exitcode; rc=$?
check_eq "default plans clean" 0 "$rc"
check "destroy -env staging" stk destroy -env=staging -auto-approve -input=false
check_eq "moto: staging log group gone" None "$(retention gitstaging)"
check_eq "moto: prod still there" 30 "$(retention gitprod)"

report
