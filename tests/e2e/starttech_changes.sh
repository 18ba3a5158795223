#!/usr/bin/env bash
# starttech_changes.sh - changes to a deployed StartTech stack, end to end
# against moto (issue 6 acceptance): a default_tags change updates tags in
# place (ids kept); a subnet CIDR change replaces the subnets and updates
# what depends on them; objects deleted or changed behind stk's back are
# reported as drift and put back; the same configuration applied to a second
# region in its own workspace leaves the first region untouched; destroying
# both leaves moto holding nothing of either.
# Usage: tests/e2e/starttech_changes.sh [path/to/stk]  (default: $STK_BIN)
set -u
cd "$(dirname "$0")/../.."
STK=${1:-${STK_BIN:-$PWD/build/stk}}
. tests/aws/lib.sh
aws_start
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
work=$(mktemp -d)
trap 'aws_stop; rm -rf "$work"' EXIT
cp -r examples/starttech/. "$work/"
rm -rf "$work/.stk"
cd "$work" || exit 1
# collection outputs too (the ALB group's rules hold empty lists): every
# "plan clean" below also checks that an output read back from state
# (untyped JSON) equals the value the configuration gives
cat >>modules/networking/outputs.tf <<'EOF'

output "alb_ingress" {
  value = aws_security_group.alb.ingress
}
EOF
cat >>outputs.tf <<'EOF'

output "app_subnet_ids" {
  value = module.networking.private_app_subnet_ids
}

output "alb_ingress" {
  value = module.networking.alb_ingress
}
EOF

R2=eu-west-1
aws2() { AWS_REGION=$R2 AWS_DEFAULT_REGION=$R2 awscli "$@"; }
q() { awscli "$@" --output text; }
q2() { aws2 "$@" --output text; }
# plan_clean NAME [plan options]: a plan with -detailed-exitcode exits 0 and
# says "No changes." (no resource and no output change)
plan_clean() {
    local name=$1; shift
    "$STK" plan -detailed-exitcode "$@" >clean.txt 2>&1
    local rc=$?
    check "$name" test $rc -eq 0 -a "$(grep -c '^No changes\.' clean.txt)" -eq 1
    [ $rc -eq 0 ] || sed -n '1,80p' clean.txt
}
# the subnets of the VPC tagged Tier=$1, "cidr id" lines sorted by CIDR
subnets() {
    q ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" "Name=tag:Tier,Values=$1" \
        --query 'Subnets[].[CidrBlock,SubnetId]' | sort
}

# ---- the stack
"$STK" apply -auto-approve >apply.txt 2>&1
check "apply creates the stack" test $? -eq 0
check_contains "apply summary" "Apply complete! Resources: 50 added, 0 changed, 0 destroyed." "$(cat apply.txt)"
vpc=$(q ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'Vpcs[0].VpcId')
inst=$(q ec2 describe-instances --filters Name=tag:Role,Values=database Name=instance-state-name,Values=running \
    --query 'Reservations[0].Instances[0].InstanceId')
check "VPC and MongoDB instance found" test -n "$vpc" -a "$vpc" != None -a -n "$inst" -a "$inst" != None

# ---- 1. a default_tags change: tags updated in place
sed -i 's/ManagedBy   = "stk"/ManagedBy   = "stk-changes"/' main.tf
check "default_tags edited" grep -q 'ManagedBy   = "stk-changes"' main.tf
"$STK" plan -out=tags.plan >plan.txt 2>&1
check "tag plan succeeds" test $? -eq 0
check "tag plan changes only in place" grep -Eq '^Plan: 0 to add, [1-9][0-9]* to change, 0 to destroy\.' plan.txt
check_contains "tag plan shows the tag update" '~ "ManagedBy"   = "stk" -> "stk-changes"' "$(cat plan.txt)"
check "tag plan replaces nothing" test "$(grep -c 'must be replaced\|will be destroyed\|will be created' plan.txt)" -eq 0
[ "$(grep -c '~ update in-place' plan.txt)" -gt 0 ] || sed -n '1,60p' plan.txt
"$STK" apply tags.plan >apply.txt 2>&1
check "tag apply succeeds" test $? -eq 0
check "tag apply: 0 added, 0 destroyed" grep -Eq 'Apply complete! Resources: 0 added, [1-9][0-9]* changed, 0 destroyed\.' apply.txt
check_eq "VPC carries the new tag" stk-changes "$(q ec2 describe-vpcs --vpc-ids "$vpc" --query "Vpcs[0].Tags[?Key=='ManagedBy'].Value | [0]")"
check_eq "instance carries the new tag, same id" stk-changes \
    "$(q ec2 describe-instances --instance-ids "$inst" --query "Reservations[0].Instances[0].Tags[?Key=='ManagedBy'].Value | [0]")"
topic=$(q sns list-topics --query "Topics[?contains(TopicArn, 'starttech-prod-alarms')].TopicArn | [0]")
check_eq "SNS topic carries the new tag" stk-changes \
    "$(q sns list-tags-for-resource --resource-arn "$topic" --query "Tags[?Key=='ManagedBy'].Value | [0]")"
check_eq "log group carries the new tag" stk-changes \
    "$(q logs list-tags-log-group --log-group-name /starttech/prod/app --query 'tags.ManagedBy')"
plan_clean "plan clean after the tag change"

# ---- 2. a subnet CIDR change: the app subnets are replaced, dependents follow
old_app=$(subnets private-app)
sed -i 's/cidrsubnet(var.vpc_cidr, 8, i + 10)/cidrsubnet(var.vpc_cidr, 8, i + 30)/' modules/networking/main.tf
check "app subnet CIDRs edited" grep -q 'i + 30' modules/networking/main.tf
"$STK" plan -out=cidr.plan >plan.txt 2>&1
check "CIDR plan succeeds" test $? -eq 0
check_contains "CIDR plan summary" "Plan: 4 to add, 1 to change, 4 to destroy." "$(cat plan.txt)"
check_contains "subnet replaced" '# module.networking.aws_subnet.private_app[1] must be replaced' "$(cat plan.txt)"
check "cidr_block forces replacement" grep -Eq 'cidr_block +=.*"10.0.11.0/24" -> "10.0.31.0/24" # forces replacement' plan.txt
check_contains "association replaced" '# module.networking.aws_route_table_association.private_app[0] must be replaced' "$(cat plan.txt)"
check_contains "ASG updated in place" '# module.compute.aws_autoscaling_group.app will be updated in-place' "$(cat plan.txt)"
check "nothing else replaced" test "$(grep -c 'must be replaced' plan.txt)" -eq 4
"$STK" apply cidr.plan >apply.txt 2>&1
check "CIDR apply succeeds" test $? -eq 0
check_contains "CIDR apply summary" "Apply complete! Resources: 4 added, 1 changed, 4 destroyed." "$(cat apply.txt)"
[ $? -eq 0 ] || tail -30 apply.txt
new_app=$(subnets private-app)
check_eq "app subnets have the new CIDRs" "10.0.30.0/24 10.0.31.0/24" "$(echo "$new_app" | awk '{print $1}' | xargs)"
check_eq "old app subnets are gone" 0 "$(q ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" \
    Name=cidr-block,Values=10.0.10.0/24,10.0.11.0/24 --query 'length(Subnets)')"
check_eq "ASG spans the new subnets" "$(echo "$new_app" | awk '{print $2}' | sort | xargs)" \
    "$(q autoscaling describe-auto-scaling-groups --auto-scaling-group-names starttech-prod-asg \
        --query 'AutoScalingGroups[0].VPCZoneIdentifier' | tr ',' '\n' | sort | xargs)"
rt=$(q ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc" Name=tag:Name,Values=starttech-prod-private-rt \
    --query 'RouteTables[0].Associations[].SubnetId' | tr '\t' '\n' | sort | xargs)
for s in $(echo "$new_app" | awk '{print $2}'); do
    check_contains "private route table associated with $s" "$s" "$rt"
done
check_eq "VPC kept" "$vpc" "$(q ec2 describe-vpcs --vpc-ids "$vpc" --query 'Vpcs[0].VpcId')"
check_eq "none of the old subnet ids kept" "" "$(printf '%s\n%s\n' "$old_app" "$new_app" | awk '{print $2}' | sort | uniq -d)"
plan_clean "plan clean after the CIDR change"

# ---- 3. drift: a log group deleted, an ingress rule revoked, a topic deleted
awscli logs delete-log-group --log-group-name /starttech/prod/app
alb_sg=$(q ec2 describe-security-groups --filters "Name=vpc-id,Values=$vpc" Name=group-name,Values=starttech-prod-alb-sg \
    --query 'SecurityGroups[0].GroupId')
awscli ec2 revoke-security-group-ingress --group-id "$alb_sg" --protocol tcp --port 443 --cidr 0.0.0.0/0 >/dev/null
awscli sns delete-topic --topic-arn "$topic"
check_eq "log group deleted behind stk's back" 0 \
    "$(q logs describe-log-groups --log-group-name-prefix /starttech/prod/app --query 'length(logGroups)')"
"$STK" plan -out=drift.plan >plan.txt 2>&1
check "drift plan succeeds" test $? -eq 0
check_contains "drift reported" "Note: Objects have changed outside of stk" "$(cat plan.txt)"
check_contains "log group reported deleted" 'module.monitoring.aws_cloudwatch_log_group.this["app"] has been deleted' "$(cat plan.txt)"
check_contains "log group to be created" 'module.monitoring.aws_cloudwatch_log_group.this["app"] will be created' "$(cat plan.txt)"
check_contains "topic to be created" 'module.monitoring.aws_sns_topic.alarms will be created' "$(cat plan.txt)"
check_contains "security group reported changed" 'module.networking.aws_security_group.alb has changed' "$(cat plan.txt)"
check_contains "security group to be updated" 'module.networking.aws_security_group.alb will be updated in-place' "$(cat plan.txt)"
check "drift plan destroys nothing" grep -Eq '^Plan: 2 to add, [0-9]+ to change, 0 to destroy\.' plan.txt
[ $? -eq 0 ] || sed -n '/^Plan:/p' plan.txt
"$STK" apply drift.plan >apply.txt 2>&1
check "drift apply succeeds" test $? -eq 0
[ "$(grep -c 'Apply complete' apply.txt)" -eq 1 ] || tail -30 apply.txt
check_eq "log group recreated with its retention" 30 \
    "$(q logs describe-log-groups --log-group-name-prefix /starttech/prod/app --query 'logGroups[0].retentionInDays')"
check_eq "HTTPS ingress restored" 1 "$(q ec2 describe-security-groups --group-ids "$alb_sg" \
    --query 'length(SecurityGroups[0].IpPermissions[?FromPort==`443`])')"
check_eq "topic recreated" "$topic" "$(q sns list-topics --query "Topics[?contains(TopicArn, 'starttech-prod-alarms')].TopicArn | [0]")"
plan_clean "plan clean after the drift is repaired"

# ---- 4. the same stack in a second region, in its own workspace
r1_before=$(q ec2 describe-instances --filters Name=instance-state-name,Values=running \
    --query 'Reservations[].Instances[].InstanceId' | tr '\t' '\n' | sort | xargs)
r1_subnets=$(q ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --query 'Subnets[].SubnetId' | tr '\t' '\n' | sort | xargs)
"$STK" workspace new dr >/dev/null 2>&1
check "workspace dr created" test $? -eq 0
"$STK" apply -auto-approve -var aws_region=$R2 >apply2.txt 2>&1
check "apply in $R2 succeeds" test $? -eq 0
check_contains "apply in $R2 creates the stack" "Apply complete! Resources: 50 added, 0 changed, 0 destroyed." "$(cat apply2.txt)"
[ $? -eq 0 ] || tail -30 apply2.txt
check_contains "ALB DNS name in $R2" "$R2.elb.amazonaws.com" "$(sed -n '/^alb_dns_name/p' apply2.txt)"
vpc2=$(q2 ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'Vpcs[0].VpcId')
check "VPC found in $R2" test -n "$vpc2" -a "$vpc2" != None
check_eq "six subnets in $R2, in its AZs" "eu-west-1a eu-west-1a eu-west-1a eu-west-1b eu-west-1b eu-west-1b" \
    "$(q2 ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc2" --query 'Subnets[].AvailabilityZone' | tr '\t' '\n' | sort | xargs)"
check_eq "ASG in $R2" "2	4	2" "$(q2 autoscaling describe-auto-scaling-groups --auto-scaling-group-names starttech-prod-asg \
    --query 'AutoScalingGroups[0].[MinSize,MaxSize,DesiredCapacity]')"
check_eq "Redis in $R2" starttech-prod-redis "$(q2 elasticache describe-cache-clusters --query 'CacheClusters[0].CacheClusterId')"
check_eq "ECR repository in $R2" starttech-prod-backend "$(q2 ecr describe-repositories --query 'repositories[0].repositoryName')"
check_eq "log group in $R2 with the default tags" stk-changes \
    "$(q2 logs list-tags-log-group --log-group-name /starttech/prod/app --query 'tags.ManagedBy')"
check_eq "$R2 state holds 50 resources" 50 "$("$STK" state list | wc -l)"
check_eq "eu-north-1 instances unchanged" "$r1_before" "$(q ec2 describe-instances --filters Name=instance-state-name,Values=running \
    --query 'Reservations[].Instances[].InstanceId' | tr '\t' '\n' | sort | xargs)"
check_eq "eu-north-1 subnets unchanged" "$r1_subnets" \
    "$(q ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --query 'Subnets[].SubnetId' | tr '\t' '\n' | sort | xargs)"
check_eq "one StartTech VPC in eu-north-1" 1 "$(q ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'length(Vpcs)')"
plan_clean "$R2 plan clean" -var aws_region=$R2
"$STK" workspace select default >/dev/null 2>&1
check_eq "default workspace holds 50 resources" 50 "$("$STK" state list | wc -l)"
plan_clean "eu-north-1 plan clean next to $R2"

# ---- destroy both
"$STK" destroy -auto-approve >destroy.txt 2>&1
check "destroy eu-north-1 succeeds" test $? -eq 0
check_contains "destroy eu-north-1 summary" "Destroy complete! Resources: 50 destroyed." "$(cat destroy.txt)"
check_eq "$R2 VPC still there after eu-north-1's destroy" "$vpc2" "$(q2 ec2 describe-vpcs --vpc-ids "$vpc2" --query 'Vpcs[0].VpcId')"
"$STK" workspace select dr >/dev/null 2>&1
"$STK" destroy -auto-approve -var aws_region=$R2 >destroy2.txt 2>&1
check "destroy $R2 succeeds" test $? -eq 0
check_contains "destroy $R2 summary" "Destroy complete! Resources: 50 destroyed." "$(cat destroy2.txt)"
# what destroy must remove, by the AWS CLI (the summaries and empty states
# above say the rest): per region the network, compute, cache, ECR, logs and
# SNS objects; the global IAM, S3 and CloudFront ones once
for r in eu-north-1 $R2; do
    qq() { AWS_REGION=$r AWS_DEFAULT_REGION=$r awscli "$@" --output text; }
    left="$(qq ec2 describe-vpcs --filters Name=cidr-block,Values=10.0.0.0/16 --query 'length(Vpcs)')"
    left="$left $(qq ec2 describe-instances --filters Name=instance-state-name,Values=pending,running,stopped --query 'length(Reservations[].Instances[])')"
    left="$left $(qq autoscaling describe-auto-scaling-groups --query 'length(AutoScalingGroups)')"
    left="$left $(qq elasticache describe-cache-clusters --query 'length(CacheClusters)')"
    left="$left $(qq ecr describe-repositories --query 'length(repositories)')"
    left="$left $(qq logs describe-log-groups --log-group-name-prefix /starttech --query 'length(logGroups)')"
    left="$left $(qq sns list-topics --query 'length(Topics)')"
    check_eq "moto holds nothing of the stack in $r" "0 0 0 0 0 0 0" "$left"
done
check_eq "no StartTech IAM role, S3 bucket or CloudFront distribution left" "0 0 0" \
    "$(q iam list-roles --query "length(Roles[?starts_with(RoleName, 'starttech')])") $(q s3api list-buckets \
        --query "length(Buckets[?starts_with(Name, 'starttech')])") $(q cloudfront list-distributions \
        --query 'length(DistributionList.Items || `[]`)')"
check_eq "both states empty" "0 0" "$("$STK" state list | wc -l) $(STK_WORKSPACE=default "$STK" state list | wc -l)"
report
