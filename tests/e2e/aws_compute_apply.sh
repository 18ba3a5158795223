#!/usr/bin/env bash
# aws_compute_apply.sh - `stk apply` of a small compute / load-balancing
# stack written as the StartTech compute module writes it
# (tests/e2e/aws_compute/main.tf) against moto, checked with /usr/bin/aws;
# then: a second plan with -detailed-exitcode exits 0 (no perpetual diff),
# a launch template change updates it in place (new version), and destroy
# leaves nothing behind.
# Usage: tests/e2e/aws_compute_apply.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
if ! "$STK" plan -help >/dev/null 2>&1; then
    echo "aws_compute_apply.sh: $STK has no plan command yet" >&2
    echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
command -v ssh-keygen >/dev/null || { echo "aws_compute_apply.sh: no ssh-keygen" >&2; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
. "$ROOT/tests/aws/lib.sh"
aws_start --slow 2 || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
WORK=$(mktemp -d)
cp "$ROOT/tests/e2e/aws_compute/main.tf" "$WORK/"
cd "$WORK" || exit 1
ssh-keygen -q -t rsa -b 2048 -N "" -C ct@stk -f "$WORK/key"
export TF_VAR_public_key="$(cat "$WORK/key.pub")"
stk() { timeout 300 "$STK" "$@" -no-color >"$WORK/last.out" 2>&1; local rc=$?; cat "$WORK/last.out" >>"$WORK/all.out"; return $rc; }
q() { awscli "$@" --output text; }

check "apply creates the stack" stk apply -auto-approve
[ -n "$(grep -i error "$WORK/last.out")" ] && tail -30 "$WORK/last.out"
check_eq "alb active" "active" "$(q elbv2 describe-load-balancers --names ct-alb --query 'LoadBalancers[0].State.Code')"
check_eq "tg health path" "/health" "$(q elbv2 describe-target-groups --names ct-tg --query 'TargetGroups[0].HealthCheckPath')"
LB=$(q elbv2 describe-load-balancers --names ct-alb --query 'LoadBalancers[0].LoadBalancerArn')
check_eq "listener forwards" "forward" "$(q elbv2 describe-listeners --load-balancer-arn "$LB" --query 'Listeners[0].DefaultActions[0].Type')"
check_eq "asg capacity" "2" "$(q autoscaling describe-auto-scaling-groups --auto-scaling-group-names ct-asg --query 'length(AutoScalingGroups[0].Instances)')"
check_eq "asg tag" "app" "$(q autoscaling describe-auto-scaling-groups --auto-scaling-group-names ct-asg --query "AutoScalingGroups[0].Tags[?Key=='Role'].Value|[0]")"
check_eq "policy" "TargetTrackingScaling" "$(q autoscaling describe-policies --auto-scaling-group-name ct-asg --query 'ScalingPolicies[0].PolicyType')"
check_eq "mongodb running" "running" "$(q ec2 describe-instances --filters Name=tag:Name,Values=ct-mongodb --query 'Reservations[0].Instances[0].State.Name')"
check_contains "alb dns output" "ct-alb" "$(grep alb_dns_name "$WORK/all.out")"
check_contains "arn_suffix output" "app/ct-alb/" "$(cat "$WORK/all.out")"
check_contains "private ip output" "10.20.0." "$(grep mongodb_private_ip "$WORK/all.out")"

stk plan -detailed-exitcode; rc=$?
check_eq "second plan: no changes (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || tail -60 "$WORK/last.out"

stk plan -detailed-exitcode -var instance_type=t3.small -var tg_path=/ready; rc=$?
check_eq "template change: plan has changes (exit 2)" 2 "$rc"
check_contains "template updated in place" "~ resource \"aws_launch_template\" \"app\"" "$(cat "$WORK/last.out")"
check "apply the change" stk apply -auto-approve -var instance_type=t3.small -var tg_path=/ready
check_contains "new template version" "lt_latest_version = 2" "$(cat "$WORK/last.out")"
check_eq "tg path changed" "/ready" "$(q elbv2 describe-target-groups --names ct-tg --query 'TargetGroups[0].HealthCheckPath')"
stk plan -detailed-exitcode -var instance_type=t3.small -var tg_path=/ready; rc=$?
check_eq "no changes after the update" 0 "$rc"
[ "$rc" = 0 ] || tail -60 "$WORK/last.out"

check "destroy" stk destroy -auto-approve -var instance_type=t3.small -var tg_path=/ready
[ -n "$(grep -i error "$WORK/last.out")" ] && tail -30 "$WORK/last.out"
check_eq "no load balancer left" "0" "$(q elbv2 describe-load-balancers --query 'length(LoadBalancers)')"
check_eq "no asg left" "0" "$(q autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups)')"
check_eq "no running instance left" "0" "$(q ec2 describe-instances --filters Name=instance-state-name,Values=running,pending --query 'length(Reservations[].Instances[])')"
check_eq "no launch template left" "0" "$(q ec2 describe-launch-templates --query 'length(LaunchTemplates)')"
if [ "${STK_KEEP_AWS_TMP:-}" = 1 ]; then echo "log: $WORK/all.out"; else rm -rf "$WORK"; fi
report
