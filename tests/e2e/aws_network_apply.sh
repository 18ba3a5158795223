#!/usr/bin/env bash
# aws_network_apply.sh - `stk apply` of a small networking stack
# (tests/e2e/aws_network/main.tf) against moto, checked with /usr/bin/aws;
# then: a second plan with -detailed-exitcode exits 0 (no perpetual diff),
# a tag change is an in-place update, a security group deleted behind stk's
# back is noticed and recreated, and destroy leaves nothing behind.
# Usage: tests/e2e/aws_network_apply.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
if ! "$STK" plan -help >/dev/null 2>&1; then
    echo "aws_network_apply.sh: $STK has no plan command yet" >&2
    echo "0 passed, 0 failed, 1 skipped"; exit 0
fi
. "$ROOT/tests/aws/lib.sh"
aws_start --slow 2 || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
WORK=$(mktemp -d)
cp "$ROOT/tests/e2e/aws_network/main.tf" "$WORK/"
cd "$WORK" || exit 1
stk() { timeout 300 "$STK" "$@" -no-color >"$WORK/last.out" 2>&1; local rc=$?; cat "$WORK/last.out" >>"$WORK/all.out"; return $rc; }
q() { awscli "$@" --output text; }

check "apply creates the stack" stk apply -auto-approve
VPC=$(q ec2 describe-vpcs --filters Name=tag:Name,Values=main --query 'Vpcs[0].VpcId')
check_contains "vpc created" "vpc-" "$VPC"
check_eq "vpc cidr" "10.0.0.0/16" "$(q ec2 describe-vpcs --vpc-ids "$VPC" --query 'Vpcs[0].CidrBlock')"
check_eq "default tag on vpc" "starttech" "$(q ec2 describe-vpcs --vpc-ids "$VPC" --query "Vpcs[0].Tags[?Key=='Project'].Value|[0]")"
check_eq "dns hostnames" "True" "$(q ec2 describe-vpc-attribute --vpc-id "$VPC" --attribute enableDnsHostnames --query 'EnableDnsHostnames.Value')"
check_eq "two subnets" "2" "$(q ec2 describe-subnets --filters Name=vpc-id,Values="$VPC" --query 'length(Subnets)')"
check_eq "subnets public" "True True" "$(q ec2 describe-subnets --filters Name=vpc-id,Values="$VPC" --query 'Subnets[].MapPublicIpOnLaunch' | tr '\t' ' ')"
check_eq "igw attached" "1" "$(q ec2 describe-internet-gateways --filters Name=attachment.vpc-id,Values="$VPC" --query 'length(InternetGateways)')"
IGW=$(q ec2 describe-internet-gateways --filters Name=attachment.vpc-id,Values="$VPC" --query 'InternetGateways[0].InternetGatewayId')
check_eq "default route to igw" "0.0.0.0/0" "$(q ec2 describe-route-tables --filters Name=vpc-id,Values="$VPC" Name=route.gateway-id,Values="$IGW" --query 'RouteTables[0].Routes[?GatewayId==`'"$IGW"'`].DestinationCidrBlock|[0]')"
check_eq "two associations" "2" "$(q ec2 describe-route-tables --filters Name=vpc-id,Values="$VPC" Name=route.gateway-id,Values="$IGW" --query 'length(RouteTables[0].Associations)')"
SG=$(q ec2 describe-security-groups --filters Name=vpc-id,Values="$VPC" Name=group-name,Values=web --query 'SecurityGroups[0].GroupId')
check_eq "sg ingress port" "80" "$(q ec2 describe-security-groups --group-ids "$SG" --query 'SecurityGroups[0].IpPermissions[0].FromPort')"
check_eq "sg egress rule count" "1" "$(q ec2 describe-security-groups --group-ids "$SG" --query 'length(SecurityGroups[0].IpPermissionsEgress)')"
check_contains "output" "vpc_id = \"$VPC\"" "$(cat "$WORK/all.out")"
check_contains "region output" 'region = "eu-north-1"' "$(cat "$WORK/all.out")"
check_contains "ami output" 'ami = "ami-' "$(cat "$WORK/all.out")"
NAT=$(q ec2 describe-nat-gateways --filter Name=vpc-id,Values="$VPC" --query 'NatGateways[0].NatGatewayId')
check_eq "nat gateway available" "available" "$(q ec2 describe-nat-gateways --nat-gateway-ids "$NAT" --query 'NatGateways[0].State')"
check_contains "private route to nat" "$NAT" "$(q ec2 describe-route-tables --filters Name=route.nat-gateway-id,Values="$NAT" --query 'RouteTables[0].Routes[].NatGatewayId')"
APP=$(q ec2 describe-security-groups --filters Name=vpc-id,Values="$VPC" Name=description,Values="app servers" --query 'SecurityGroups[0].GroupId')
check_eq "app ingress from web group" "$SG" "$(q ec2 describe-security-groups --group-ids "$APP" --query 'SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId')"
check_eq "app egress rule" "-1" "$(q ec2 describe-security-groups --group-ids "$APP" --query 'SecurityGroups[0].IpPermissionsEgress[0].IpProtocol')"

stk plan -detailed-exitcode; rc=$?
check_eq "second plan: no changes (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || tail -40 "$WORK/last.out"

stk plan -detailed-exitcode -var vpc_name=renamed; rc=$?
check_eq "tag change: plan has changes (exit 2)" 2 "$rc"
check_contains "tag change is in place" "~ resource \"aws_vpc\" \"main\"" "$(cat "$WORK/last.out")"
check "apply the tag change" stk apply -auto-approve -var vpc_name=renamed
check_eq "new Name tag" "renamed" "$(q ec2 describe-vpcs --vpc-ids "$VPC" --query "Vpcs[0].Tags[?Key=='Name'].Value|[0]")"
stk plan -detailed-exitcode -var vpc_name=renamed; rc=$?
check_eq "no changes after the tag update" 0 "$rc"

check "delete the security group behind stk's back" awscli ec2 delete-security-group --group-id "$SG"
stk plan -detailed-exitcode -var vpc_name=renamed; rc=$?
check_eq "deleted group noticed (exit 2)" 2 "$rc"
check_contains "group to be created" "aws_security_group.web will be created" "$(cat "$WORK/last.out")"
check "apply recreates it" stk apply -auto-approve -var vpc_name=renamed
check_eq "group back" "1" "$(q ec2 describe-security-groups --filters Name=vpc-id,Values="$VPC" Name=group-name,Values=web --query 'length(SecurityGroups)')"

check "destroy" stk destroy -auto-approve -var vpc_name=renamed
check_eq "no vpc left" "0" "$(q ec2 describe-vpcs --filters Name=tag:Project,Values=starttech --query 'length(Vpcs)')"
check_eq "no nat gateway left" "0" "$(q ec2 describe-nat-gateways --filter Name=vpc-id,Values="$VPC" Name=state,Values=available,pending --query 'length(NatGateways)')"
check_eq "no eip left" "0" "$(q ec2 describe-addresses --filters Name=tag:Project,Values=starttech --query 'length(Addresses)')"
check_eq "no igw left" "0" "$(q ec2 describe-internet-gateways --filters Name=tag:Project,Values=starttech --query 'length(InternetGateways)')"
if [ "${STK_KEEP_AWS_TMP:-}" = 1 ]; then echo "log: $WORK/all.out"; else rm -rf "$WORK"; fi
report
