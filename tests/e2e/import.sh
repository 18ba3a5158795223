#!/usr/bin/env bash
# import.sh - `stk import ADDR ID` against moto: a VPC created with the AWS
# CLI (outside stk) is imported into state at a declared address; then
# state list / state show see it, a second import of the same address and
# an import to an undeclared address fail, and the next plan has no
# changes (the imported object matches its configuration).  In a second
# directory: a missing object and a type without import support fail and
# leave the state empty.  Variables reach the configuration by -var and
# -var-file as in plan.
# Usage: tests/e2e/import.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
if ! "$STK" import -help >/dev/null 2>&1; then
    echo "import.sh: $STK has no import command" >&2
    echo "0 passed, 1 failed"; exit 1
fi
. "$ROOT/tests/aws/lib.sh"
aws_start || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
WORK=$(mktemp -d)
cd "$WORK" || exit 1
cat >main.tf <<'TF'
provider "aws" {
  region = "eu-north-1"
}

variable "cidr" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr
}
TF
echo 'cidr = "10.9.0.0/16"' >vars.tfvars
stk() { timeout 300 "$STK" "$@" >"$WORK/last.out" 2>&1; local rc=$?; cat "$WORK/last.out" >>"$WORK/all.out"; return $rc; }
q() { awscli "$@" --output text; }

VPC=$(q ec2 create-vpc --cidr-block 10.9.0.0/16 --query 'Vpc.VpcId')
check_contains "vpc created outside stk" "vpc-" "$VPC"

stk import aws_vpc.main "$VPC" -input=false; rc=$?
check_eq "missing variable: import fails (exit 1)" 1 "$rc"
check_contains "missing variable: message" "No value for required variable" "$(cat "$WORK/last.out")"
check "import the vpc" stk import -var cidr=10.9.0.0/16 aws_vpc.main "$VPC"
OUT=$(cat "$WORK/last.out")
check_contains "importing line" "aws_vpc.main: Importing from ID \"$VPC\"..." "$OUT"
check_contains "prepared line" "aws_vpc.main: Import prepared!" "$OUT"
check_contains "success line" "Import successful!" "$OUT"

stk state list; check_eq "state list" "aws_vpc.main" "$(cat "$WORK/last.out")"
check "state show" stk state show aws_vpc.main
OUT=$(cat "$WORK/last.out")
check_contains "state show: id" "$VPC" "$OUT"
check_contains "state show: cidr" "10.9.0.0/16" "$OUT"
stk state pull
check_contains "provider address recorded" 'provider[\"registry.terraform.io/hashicorp/aws\"]' "$(cat "$WORK/last.out")"

stk import -var-file=vars.tfvars aws_vpc.main "$VPC"; rc=$?
check_eq "second import fails (exit 1)" 1 "$rc"
check_contains "second import: already managed" "Resource already managed by stk" "$(cat "$WORK/last.out")"

stk import -var-file vars.tfvars aws_vpc.other "$VPC"; rc=$?
check_eq "undeclared address fails (exit 1)" 1 "$rc"
OUT=$(cat "$WORK/last.out")
check_contains "undeclared: message" "Configuration for import target does not exist" "$OUT"
check_contains "undeclared: names the address" "aws_vpc.other" "$OUT"

stk state list; check_eq "state unchanged by failed imports" "aws_vpc.main" "$(cat "$WORK/last.out")"

stk plan -detailed-exitcode -var-file=vars.tfvars; rc=$?
check_eq "plan after import: no changes (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || tail -40 "$WORK/last.out"

stk history
check_contains "history records the import" "stk import aws_vpc.main $VPC" "$(cat "$WORK/last.out")"

mkdir "$WORK/two" && cd "$WORK/two" || exit 1
cat >main.tf <<'TF'
provider "aws" {
  region = "eu-north-1"
}

resource "aws_vpc" "x" {
  cidr_block = "10.8.0.0/16"
}

resource "terraform_data" "t" {
}
TF
stk import aws_vpc.x vpc-0123456789abcdef0; rc=$?
check_eq "missing object: import fails (exit 1)" 1 "$rc"
check_contains "missing object: message" "Cannot import non-existent remote object" "$(cat "$WORK/last.out")"
stk import terraform_data.t anything; rc=$?
check_eq "type without import: fails (exit 1)" 1 "$rc"
check_contains "type without import: message" "does not support import" "$(cat "$WORK/last.out")"
stk state list
check_eq "nothing written by the failed imports" "" "$(cat "$WORK/last.out")"

# module and count addresses, with the in-process test provider
mkdir -p "$WORK/three/m" && cd "$WORK/three" || exit 1
printf 'resource "stktest_thing" "a" {\n  count = 2\n  name  = "thing-${count.index}"\n}\n' >m/main.tf
printf 'module "m" {\n  source = "./m"\n}\n' >main.tf
export STK_TEST_PROVIDER=1
check "test provider: apply two things" stk apply -auto-approve
stk state show 'module.m.stktest_thing.a[1]'
TID=$(sed -n 's/^ *id *= *"\(.*\)"$/\1/p' "$WORK/last.out" | head -1)
check_contains "test provider: thing id" "thing-" "$TID"
check "test provider: state rm" stk state rm 'module.m.stktest_thing.a[1]'
check "import into a module's count instance" stk import 'module.m.stktest_thing.a[1]' "$TID"
check_contains "module import: importing line" "module.m.stktest_thing.a[1]: Importing from ID \"$TID\"..." "$(cat "$WORK/last.out")"
stk import 'module.m.stktest_thing.a[2]' "$TID"; rc=$?
check_eq "index beyond count fails (exit 1)" 1 "$rc"
stk plan -detailed-exitcode; rc=$?
check_eq "module import: plan has no changes (exit 0)" 0 "$rc"
unset STK_TEST_PROVIDER

cd / && rm -rf "$WORK"
report
