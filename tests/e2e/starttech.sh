#!/usr/bin/env bash
# starttech.sh - the StartTech example end to end against moto (slow mode:
# waiters see pending states): plan shows the whole stack to add, apply
# creates it and prints the outputs, the AWS CLI finds the resources, a
# second plan has no changes, destroy removes everything.
# Usage: tests/e2e/starttech.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
STK=${1:-${STK_BIN:-$PWD/build/stk}}
. tests/aws/lib.sh
aws_start --slow 2
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
trap 'aws_stop; rm -rf "$work"' EXIT
cp -r examples/starttech/. "$work/"
rm -rf "$work/.stk"
cd "$work"

"$STK" plan -out=p.plan > plan.txt 2>&1
check "plan succeeds" test $? -eq 0
check_contains "plan adds the whole stack" "Plan: 50 to add, 0 to change, 0 to destroy." "$(cat plan.txt)"
"$STK" apply p.plan > apply.txt 2>&1
check "apply succeeds" test $? -eq 0
check_contains "apply summary" "Apply complete! Resources: 50 added, 0 changed, 0 destroyed." "$(cat apply.txt)"
check_contains "ALB DNS output" 'alb_dns_name = "starttech-prod-alb' "$(cat apply.txt)"
check_contains "ECR output" 'ecr_repository_url = "' "$(cat apply.txt)"
check_contains "sensitive output masked" 'mongodb_private_ip = <sensitive>' "$(cat apply.txt)"
check_eq "state holds 50 resources" 50 "$("$STK" state list | wc -l)"
check_eq "VPC with the configured CIDR" 1 "$(awscli ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'length(Vpcs)' --output text)"
check_eq "six subnets in the VPC" 6 "$(awscli ec2 describe-subnets --filters Name=tag:Project,Values=starttech --query 'length(Subnets)' --output text)"
check_eq "ASG sizes" "2	4	2" "$(awscli autoscaling describe-auto-scaling-groups --auto-scaling-group-names starttech-prod-asg --query 'AutoScalingGroups[0].[MinSize,MaxSize,DesiredCapacity]' --output text)"
check_eq "log group retention" 30 "$(awscli logs describe-log-groups --log-group-name-prefix /starttech/prod/app --query 'logGroups[0].retentionInDays' --output text)"
check_eq "ECR repository" starttech-prod-backend "$(awscli ecr describe-repositories --query 'repositories[0].repositoryName' --output text)"
check_eq "Redis cluster" starttech-prod-redis "$(awscli elasticache describe-cache-clusters --query 'CacheClusters[0].CacheClusterId' --output text)"
check_eq "four alarms" 4 "$(awscli cloudwatch describe-alarms --alarm-name-prefix starttech-prod --query 'length(MetricAlarms)' --output text)"
"$STK" plan -detailed-exitcode > plan2.txt 2>&1
rc=$?
check "second plan has no changes (exit 0)" test $rc -eq 0
[ $rc -eq 0 ] || sed -n '1,80p' plan2.txt
"$STK" destroy -auto-approve > destroy.txt 2>&1
check "destroy succeeds" test $? -eq 0
check_contains "destroy summary" "Destroy complete! Resources: 50 destroyed." "$(cat destroy.txt)"
check_eq "no StartTech VPC left" 0 "$(awscli ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'length(Vpcs)' --output text)"
check_eq "no ASG left" 0 "$(awscli autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups)' --output text)"
check_eq "state empty" 0 "$("$STK" state list | wc -l)"
report
