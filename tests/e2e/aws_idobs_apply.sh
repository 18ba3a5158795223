#!/usr/bin/env bash
# aws_idobs_apply.sh - `stk apply` / second `stk plan -detailed-exitcode` /
# tag change in place / `stk destroy` of tests/e2e/idobs/main.tf (IAM role,
# attachment, instance profile, ECR repository + lifecycle policy, log
# group, SNS topic + email subscription, metric alarm, dashboard, DynamoDB
# table, random_id, random_password, aws_iam_policy_document) against moto,
# each object checked with /usr/bin/aws; then the same cycle for
# tests/e2e/idobs/cache/main.tf (ElastiCache in a VPC, slow mode).
# Usage: tests/e2e/aws_idobs_apply.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
case $STK in /*) ;; *) STK=$PWD/$STK ;; esac
[ -x "$STK" ] || { echo "aws_idobs_apply.sh: no $STK (build first)" >&2; echo "0 passed, 1 failed"; exit 1; }
"$STK" plan -help >/dev/null 2>&1 || { echo "aws_idobs_apply.sh: this stk has no plan command" >&2; echo "0 passed, 1 failed"; exit 1; }
. "$ROOT/tests/aws/lib.sh"
aws_start --slow 2 || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stk-idobs.XXXXXX")
trap 'aws_stop; rm -rf "$WORK"' EXIT
cp "$ROOT/tests/e2e/idobs/main.tf" "$WORK/"
cd "$WORK" || exit 1

out=$("$STK" apply -auto-approve -no-color 2>&1); rc=$?
check_eq "apply exits 0" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -20
check_contains "apply adds 13" "Resources: 13 added" "$out"
check_contains "outputs the repository URL" "dkr.ecr.eu-north-1.amazonaws.com/idobs/app" "$out"
role=$(awscli iam list-roles --query 'Roles[?starts_with(RoleName, `idobs-app-`)].RoleName' --output text)
check "role exists" test -n "$role"
check_eq "role tag" "app" "$(awscli iam get-role --role-name "$role" --query 'Role.Tags[?Key==`Name`].Value' --output text)"
check_eq "default tag on the role" "idobs" "$(awscli iam get-role --role-name "$role" --query 'Role.Tags[?Key==`Project`].Value' --output text)"
check_contains "trust policy from the policy document" "ec2.amazonaws.com" "$(awscli iam get-role --role-name "$role")"
check_eq "policy attached" "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" \
    "$(awscli iam list-attached-role-policies --role-name "$role" --query 'AttachedPolicies[0].PolicyArn' --output text)"
check_eq "instance profile holds the role" "$role" \
    "$(awscli iam get-instance-profile --instance-profile-name idobs-app --query 'InstanceProfile.Roles[0].RoleName' --output text)"
check_eq "scan on push" "True" "$(awscli ecr describe-repositories --repository-names idobs/app --query 'repositories[0].imageScanningConfiguration.scanOnPush' --output text)"
check_contains "lifecycle policy" "imageCountMoreThan" "$(awscli ecr get-lifecycle-policy --repository-name idobs/app)"
check_eq "log retention" "30" "$(awscli logs describe-log-groups --log-group-name-prefix /idobs/app --query 'logGroups[0].retentionInDays' --output text)"
check_eq "alarm threshold" "80.0" "$(awscli cloudwatch describe-alarms --alarm-names idobs-cpu --query 'MetricAlarms[0].Threshold' --output text)"
check_contains "dashboard" "markdown" "$(awscli cloudwatch get-dashboard --dashboard-name idobs)"
check_contains "email subscription" "ops@example.com" "$(awscli sns list-subscriptions)"
check_eq "table billing" "PAY_PER_REQUEST" "$(awscli dynamodb describe-table --table-name idobs-locks --query 'Table.BillingModeSummary.BillingMode' --output text)"
check_fails "password not printed" sh -c "printf '%s' \"\$1\" | grep -q 'random_password.db.*result = \"[A-Za-z0-9]'" _ "$out"

out=$("$STK" plan -detailed-exitcode -no-color 2>&1); rc=$?
check_eq "second plan: no changes (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -30

out=$("$STK" apply -auto-approve -no-color -var role_tag=app2 2>&1); rc=$?
check_eq "tag change applies" 0 "$rc"
check_contains "tag change is in place" "0 added, 1 changed, 0 destroyed" "$out"
check_eq "role tag changed" "app2" "$(awscli iam get-role --role-name "$role" --query 'Role.Tags[?Key==`Name`].Value' --output text)"

out=$("$STK" destroy -auto-approve -no-color -var role_tag=app2 2>&1); rc=$?
check_eq "destroy exits 0" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -20
check_eq "no roles left" "" "$(awscli iam list-roles --query 'Roles[?starts_with(RoleName, `idobs-app-`)].RoleName' --output text)"
check_eq "no repositories left" "0" "$(awscli ecr describe-repositories --query 'length(repositories)')"
check_eq "no log groups left" "0" "$(awscli logs describe-log-groups --log-group-name-prefix /idobs --query 'length(logGroups)')"
check_eq "no alarms left" "0" "$(awscli cloudwatch describe-alarms --query 'length(MetricAlarms)')"
check_eq "no topics left" "0" "$(awscli sns list-topics --query 'length(Topics)')"
check_eq "no tables left" "0" "$(awscli dynamodb list-tables --query 'length(TableNames)')"
check_eq "no instance profiles left" "0" "$(awscli iam list-instance-profiles --query 'length(InstanceProfiles)')"

# ElastiCache in a VPC (slow mode: the waiters see "creating" first)
mkdir "$WORK/cache" && cp "$ROOT/tests/e2e/idobs/cache/main.tf" "$WORK/cache/" && cd "$WORK/cache" || exit 1
out=$("$STK" apply -auto-approve -no-color 2>&1); rc=$?
check_eq "cache apply exits 0" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -20
check_contains "redis primary endpoint output" 'redis = "master.idobs-redis.' "$out"
check_contains "memcached node address output" 'mc = "idobs-mc.' "$out"
check_contains "managed cache policy id" 'cp = "658327ea-f89d-4fab-a63d-7e88639e58f6"' "$out"
check_eq "replication group available" "available" \
    "$(awscli elasticache describe-replication-groups --replication-group-id idobs-redis --query 'ReplicationGroups[0].Status' --output text)"
check_eq "two member clusters" "2" \
    "$(awscli elasticache describe-replication-groups --replication-group-id idobs-redis --query 'length(ReplicationGroups[0].MemberClusters)')"
check_contains "parameter set" "allkeys-lru" \
    "$(awscli elasticache describe-cache-parameters --cache-parameter-group-name idobs-redis7 --source user)"
out=$("$STK" plan -detailed-exitcode -no-color 2>&1); rc=$?
check_eq "cache second plan: no changes (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -30
out=$("$STK" destroy -auto-approve -no-color 2>&1); rc=$?
check_eq "cache destroy exits 0" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -20
check_eq "no replication groups left" "0" "$(awscli elasticache describe-replication-groups --query 'length(ReplicationGroups)')"
check_eq "no cache clusters left" "0" "$(awscli elasticache describe-cache-clusters --query 'length(CacheClusters)')"
check_eq "no subnet groups left" "[]" "$(awscli elasticache describe-cache-subnet-groups --query 'CacheSubnetGroups[?CacheSubnetGroupName==`idobs-redis`]' --output json | tr -d ' \n')"
report
