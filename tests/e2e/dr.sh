#!/usr/bin/env bash
# dr.sh - disaster recovery end to end against moto (docs/disaster-recovery.md):
# StartTech with the S3 backend (bucket and lock table made by `stk backend
# bootstrap`, "in another region" with -backend-config=region=...) applied
# in eu-north-1; the local .stk/ deleted and `stk init` restores it (plan
# clean); `stk dr redeploy --region eu-west-1` (from a commit, with an
# uncommitted edit that must not leak in) brings the stack up in eu-west-1
# while eu-north-1 keeps the same objects; both plan clean; `stk dr status`
# lists both with current backups; losing .stk/ again restores both
# workspaces; a change from another machine shows as a newer backup; a
# replica bucket in another region takes over; the refusals exit 1 with a
# clear message.
# Usage: tests/e2e/dr.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
STK=${1:-${STK_BIN:-$PWD/build/stk}}
. tests/aws/lib.sh
aws_start
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
trap 'aws_stop; rm -rf "$work"' EXIT
repo=$work/starttech   # a git repository; logs go next to it, so the tree stays clean
mkdir "$repo"
cp -r examples/starttech/. "$repo/"
rm -rf "$repo/.stk"
cd "$repo" || exit 1

# awscli in another region: aws_in REGION args...
aws_in() { local r=$1; shift; AWS_REGION=$r awscli "$@"; }
BCFG=(-backend-config=region=eu-central-1 -backend-config=use_path_style=true)
BUCKET=starttech-terraform-state
KEY=starttech/terraform.tfstate

# the backend block of versions.tf, uncommented
sed -i '/^  # backend "s3" {/,/^  # }/ s/^  # /  /' versions.tf
check_contains "backend block enabled" 'backend "s3" {' "$(grep -v '^ *#' versions.tf)"
git init -q -b main . && git -c user.name=T -c user.email=t@example.com add -A &&
    git -c user.name=T -c user.email=t@example.com commit -q -m "StartTech"
COMMIT=$(git rev-parse HEAD)

echo "== eu-north-1 with the S3 backend"
out=$("$STK" backend bootstrap "${BCFG[@]}" 2>&1)
check "backend bootstrap creates the bucket and the lock table" test $? -eq 0
out=$("$STK" init "${BCFG[@]}" 2>&1)
check "init records the backend" test $? -eq 0
"$STK" apply -auto-approve > "$work/apply.txt" 2>&1
check "apply in eu-north-1" test $? -eq 0
check_contains "apply summary" "Apply complete! Resources: 50 added, 0 changed, 0 destroyed." "$(cat "$work/apply.txt")"
serial=$(aws_in eu-central-1 s3api head-object --bucket $BUCKET --key $KEY --query 'Metadata."stk-serial"' --output text 2>&1)
check "the apply's serial is backed up in S3" test "$serial" -ge 1
north_vpcs=$(aws_in eu-north-1 ec2 describe-vpcs --filters Name=tag:Project,Values=starttech --query 'Vpcs[].VpcId' --output text)
check_eq "one StartTech VPC in eu-north-1" 1 "$(echo "$north_vpcs" | wc -w)"

echo "== losing the machine: .stk/ deleted, stk init restores the backup"
rm -rf .stk
out=$("$STK" init "${BCFG[@]}" 2>&1)
check "init after losing .stk/" test $? -eq 0
check_contains "init pulled the latest backup" "Pulled the latest state from s3://$BUCKET/$KEY: serial $serial" "$out"
check_eq "the restored state holds the 50 resources" 50 "$("$STK" state list | wc -l)"
"$STK" plan -detailed-exitcode > "$work/plan1.txt" 2>&1
rc=$?
check "plan after the restore shows no changes (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || sed -n '1,60p' "$work/plan1.txt"

echo "== refusals"
out=$("$STK" dr redeploy --region eu-west-1 --workspace default -auto-approve 2>&1); rc=$?
check_eq "redeploy into the source workspace: exit 1" 1 "$rc"
check_contains "... says why" 'Refusing to redeploy into the current workspace' "$out"
out=$("$STK" dr redeploy --region eu-north-1 -auto-approve 2>&1); rc=$?
check_eq "redeploy to the source's own region: exit 1" 1 "$rc"
check_contains "... says why" 'already deploys this configuration to eu-north-1' "$out"
lit=$work/literal
mkdir "$lit" && cp -r ./*.tf modules "$lit/"
sed -i 's/region = var.aws_region/region = "eu-north-1"/' "$lit/versions.tf"
out=$(cd "$lit" && "$STK" dr redeploy --region eu-west-1 -auto-approve 2>&1); rc=$?
check_eq "a literal provider region: exit 1" 1 "$rc"
check_contains "... names the attribute" 'versions.tf:23' "$out"
check_contains "... and tells how to make it a variable" 'provider "aws" { region = var.aws_region }' "$out"
check "... before creating a workspace" test ! -e "$lit/.stk/default-eu-west-1.db"
out=$("$STK" dr redeploy 2>&1); rc=$?
check_eq "no --region: exit 1" 1 "$rc"
check_contains "... says so" "needs --region REGION" "$out"
check "nothing was created by the refusals" test ! -e .stk/default-eu-west-1.db
out=$(echo no | "$STK" dr redeploy --region us-east-1 2>&1); rc=$?
check_eq "redeploy asks for approval; 'no' cancels: exit 1" 1 "$rc"
check_contains "... after showing the plan" "Plan: 50 to add, 0 to change, 0 to destroy." "$out"
check_contains "... and the question" "Only 'yes' will be accepted" "$out"
check "... leaving no workspace behind" test ! -e .stk/default-us-east-1.db
check_eq "... and nothing in us-east-1" 0 \
    "$(aws_in us-east-1 ec2 describe-vpcs --filters Name=tag:Project,Values=starttech --query 'length(Vpcs)' --output text)"

echo "== stk dr redeploy --region eu-west-1 (committed definitions)"
sed -i 's#default     = "10.0.0.0/16"#default     = "10.99.0.0/16"#' variables.tf   # uncommitted: must not leak in
"$STK" dr redeploy --region eu-west-1 --rev HEAD -auto-approve > "$work/redeploy.txt" 2>&1
rc=$?
check "redeploy succeeds" test $rc -eq 0
[ $rc -eq 0 ] || tail -40 "$work/redeploy.txt"
check_contains "names the target workspace" 'to eu-west-1 in workspace "default-eu-west-1" (new)' "$(cat "$work/redeploy.txt")"
check_contains "creates the whole stack" "Apply complete! Resources: 50 added, 0 changed, 0 destroyed." "$(cat "$work/redeploy.txt")"
check_contains "prints the new endpoints" 'alb_dns_name = "starttech-prod-alb' "$(cat "$work/redeploy.txt")"
check_contains "and how to plan it later" "STK_WORKSPACE=default-eu-west-1 stk plan -var aws_region=eu-west-1" "$(cat "$work/redeploy.txt")"
git checkout -q -- variables.tf
check_eq "eu-west-1: the VPC with the committed CIDR" 1 \
    "$(aws_in eu-west-1 ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'length(Vpcs)' --output text)"
check_eq "eu-west-1: no VPC from the uncommitted edit" 0 \
    "$(aws_in eu-west-1 ec2 describe-vpcs --filters Name=cidr-block,Values=10.99.0.0/16 --query 'length(Vpcs)' --output text)"
check_eq "eu-west-1: six subnets in eu-west-1 zones" "6 6" \
    "$(aws_in eu-west-1 ec2 describe-subnets --filters Name=tag:Project,Values=starttech --query 'length(Subnets)' --output text) $(aws_in eu-west-1 ec2 describe-subnets --filters Name=tag:Project,Values=starttech --query 'Subnets[].AvailabilityZone' --output text | tr '\t' '\n' | grep -c '^eu-west-1')"
check_eq "eu-west-1: the ASG" "2	4	2" \
    "$(aws_in eu-west-1 autoscaling describe-auto-scaling-groups --auto-scaling-group-names starttech-prod-asg --query 'AutoScalingGroups[0].[MinSize,MaxSize,DesiredCapacity]' --output text)"
check_eq "eu-west-1: the Redis cluster" starttech-prod-redis \
    "$(aws_in eu-west-1 elasticache describe-cache-clusters --query 'CacheClusters[0].CacheClusterId' --output text)"
check_eq "eu-west-1: the region-named IAM role" starttech-prod-app-role-eu-west-1 \
    "$(aws_in eu-west-1 iam get-role --role-name starttech-prod-app-role-eu-west-1 --query Role.RoleName --output text)"
check_eq "eu-north-1: the same VPC as before" "$north_vpcs" \
    "$(aws_in eu-north-1 ec2 describe-vpcs --filters Name=tag:Project,Values=starttech --query 'Vpcs[].VpcId' --output text)"
check_eq "eu-north-1: still six subnets and one ASG" "6 1" \
    "$(aws_in eu-north-1 ec2 describe-subnets --filters Name=tag:Project,Values=starttech --query 'length(Subnets)' --output text) $(aws_in eu-north-1 autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups)' --output text)"
check_eq "the source workspace still holds its 50 resources" 50 "$("$STK" state list | wc -l)"
check_eq "the new workspace holds 50" 50 "$(STK_WORKSPACE=default-eu-west-1 "$STK" state list | wc -l)"
check_eq "the workspace selection is unchanged" default "$("$STK" workspace show)"
out=$(aws_in eu-central-1 s3api head-object --bucket $BUCKET --key "env:/default-eu-west-1/$KEY" --query 'Metadata."stk-serial"' --output text 2>&1)
check "the new workspace is backed up under env:/default-eu-west-1/" test "$out" -ge 1

echo "== both regions plan clean"
"$STK" plan -detailed-exitcode > "$work/plan2.txt" 2>&1
rc=$?
check "eu-north-1 plans clean (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || sed -n '1,60p' "$work/plan2.txt"
STK_WORKSPACE=default-eu-west-1 "$STK" plan -var aws_region=eu-west-1 -detailed-exitcode > "$work/plan3.txt" 2>&1
rc=$?
check "eu-west-1 plans clean (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || sed -n '1,60p' "$work/plan3.txt"

echo "== stk dr status"
out=$("$STK" dr status 2>&1); rc=$?
check_eq "dr status exits 0" 0 "$rc"
echo "$out" | sed 's/^/     | /'
check_contains "lists the source workspace" "default                  eu-north-1" "$out"
check_contains "lists the new workspace" "default-eu-west-1        eu-west-1" "$out"
check_eq "both have 50 resources and current backups" 2 "$(echo "$out" | grep -cE ' 50 +[0-9]+ .* current$')"
check_eq "each row carries the commit applied (clean tree)" "default-eu-west-1 eu-west-1 ${COMMIT:0:12}" \
    "$(echo "$out" | awk '$1 == "default-eu-west-1" { print $1, $2, $7 }')"
check_eq "... the source's too" "default eu-north-1 ${COMMIT:0:12}" \
    "$(echo "$out" | awk '$1 == "*" && $2 == "default" { print $2, $3, $8 }')"
out=$("$STK" dr status -json 2>&1)
check_eq "dr status -json: regions, resources, backups" "default eu-north-1 50 current;default-eu-west-1 eu-west-1 50 current;" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("".join("%s %s %s %s;" % (w["workspace"], w["region"], w["resources"], w["backup"]["status"]) for w in d["workspaces"]))')"
check_eq "dr status -json: the redeploy's commit" "$COMMIT" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([w for w in d["workspaces"] if w["workspace"] == "default-eu-west-1"][0]["git"]["commit"])')"
check_contains "dr status -json carries the endpoints" '"alb_dns_name": "starttech-prod-alb' "$out"

echo "== more refusals, now that eu-west-1 is deployed"
out=$("$STK" dr redeploy --region us-east-1 --workspace default-eu-west-1 -auto-approve 2>&1); rc=$?
check_eq "a target holding another region's state: exit 1" 1 "$rc"
check_contains "... says why" 'holds state for another region' "$out"
out=$("$STK" dr redeploy --region eu-west-1 --workspace second -auto-approve 2>&1); rc=$?
check_eq "a second copy in eu-west-1: exit 1" 1 "$rc"
check_contains "... names the workspace already there" 'Workspace "default-eu-west-1" holds 50 resource instance(s) in eu-west-1' "$out"
check "... and leaves no workspace behind" test ! -e .stk/second.db

echo "== losing the machine again: both workspaces come back"
rm -rf .stk
out=$("$STK" init "${BCFG[@]}" 2>&1)
check "init restores the default workspace" test $? -eq 0
out=$("$STK" dr status 2>&1)
check_eq "dr status names the workspace left in the backend" 1 \
    "$(echo "$out" | grep -cE '^  default-eu-west-1 .* only in the backend \(serial [0-9]+\): STK_WORKSPACE=default-eu-west-1 stk init$')"
out=$("$STK" init -all-workspaces "${BCFG[@]}" 2>&1)
check "stk init -all-workspaces" test $? -eq 0
check_contains "... restores the DR workspace from its backup" \
    "Pulled the latest state from s3://$BUCKET/env:/default-eu-west-1/$KEY: serial " "$out"
out=$("$STK" dr status 2>&1)
check_eq "dr status lists both again, backups current" 2 "$(echo "$out" | grep -cE ' 50 .* +current$')"
rm -f .stk/default-eu-west-1.db*
out=$(STK_WORKSPACE=default-eu-west-1 "$STK" init "${BCFG[@]}" 2>&1)
check "STK_WORKSPACE=default-eu-west-1 stk init restores one workspace too" test $? -eq 0
check_contains "... from its backup" "restoring it from the backend" "$out"
check_eq "... with its 50 resources" 50 "$(STK_WORKSPACE=default-eu-west-1 "$STK" state list | wc -l)"
cp -r "$repo" "$work/machine-b"
(cd "$work/machine-b" && "$STK" state rm aws_ecr_lifecycle_policy.backend >/dev/null 2>&1)
check "another machine changes the default workspace (state rm)" test $? -eq 0
out=$("$STK" dr status 2>&1)
check_contains "dr status here: the backup is newer, run stk init" "newer (stk init) (backup serial" \
    "$(echo "$out" | awk '$2 == "default"')"
out=$("$STK" init "${BCFG[@]}" 2>&1)
check_eq "after stk init the default workspace is current again" "49 current" \
    "$("$STK" dr status 2>&1 | awk '$2 == "default" { print $4, $NF }')"
out=$(STK_WORKSPACE=nothing-here "$STK" init "${BCFG[@]}" 2>&1); rc=$?
check_eq "init of a workspace neither here nor in the backend: exit 1" 1 "$rc"
check_contains "... says so" "backend holds no state for it" "$out"

echo "== losing the backup's region: a replica bucket elsewhere takes over"
REPLICA=starttech-tfstate-replica
aws_in eu-west-2 s3api create-bucket --bucket $REPLICA --create-bucket-configuration LocationConstraint=eu-west-2 >/dev/null 2>&1
aws_in eu-west-2 s3 cp --recursive --quiet "s3://$BUCKET/" "s3://$REPLICA/"   # what replication would have copied
check "the replica holds the objects with stk's metadata" test "$(aws_in eu-west-2 s3api head-object --bucket $REPLICA \
    --key "env:/default-eu-west-1/$KEY" --query 'Metadata."stk-serial"' --output text)" -ge 1
RBCFG=(-backend-config=bucket=$REPLICA -backend-config=region=eu-west-2
       -backend-config=dynamodb_table=starttech-locks-euw2 -backend-config=use_path_style=true)
rm -rf .stk
out=$("$STK" backend bootstrap "${RBCFG[@]}" 2>&1)
check "bootstrap in the new region (lock table; the replica left alone)" test $? -eq 0
out=$("$STK" init -reconfigure -all-workspaces "${RBCFG[@]}" 2>&1); rc=$?
check_eq "init -reconfigure -all-workspaces from the replica" 0 "$rc"
check_eq "... pulls both workspaces" 2 "$(echo "$out" | grep -c "Pulled the latest state from s3://$REPLICA/")"
STK_WORKSPACE=default-eu-west-1 "$STK" plan -var aws_region=eu-west-1 -detailed-exitcode > "$work/plan4.txt" 2>&1
check "the DR workspace restored from the replica plans clean (exit 0)" test $? -eq 0
out=$("$STK" dr status -json 2>&1)
check_eq "dr status: both backed up in the replica, current" \
    "default s3://$REPLICA/$KEY current;default-eu-west-1 s3://$REPLICA/env:/default-eu-west-1/$KEY current;" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("".join("%s %s %s;" % (w["workspace"], w["backup"]["object"], w["backup"]["status"]) for w in d["workspaces"]))')"
report
