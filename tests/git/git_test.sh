#!/usr/bin/env bash
# git_test.sh - end-to-end checks of stk's git integration (issue 7) with a
# real repository made here in a temp dir: --rev reads a commit and not the
# work tree (variables, tfvars, locals with file(), local modules), `stk
# diff` compares two commits, -env layouts, protected workspaces refuse a
# dirty or unpushed tree, and `stk history` shows the commits that state
# changes were made from.  No AWS calls.
# Usage: git_test.sh [STK_BINARY]   (default: $STK_BIN, else ./build*/stk)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stk=${1:-${STK_BIN:-}}
if [ -z "$stk" ]; then stk=$(ls -t "$root"/build*/stk 2>/dev/null | head -1); fi
case "$stk" in /*) ;; *) stk="$PWD/$stk" ;; esac
[ -x "$stk" ] || { echo "git_test.sh: no stk binary" >&2; exit 1; }
fixture="$root/tests/state/fixtures/terraform.tfstate"

pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# run CMD...: sets $out (stdout+stderr) and $rc
run() { out=$("$@" 2>&1); rc=$?; }
expect_rc()  { if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, want $2; output:"; echo "$out" | head -20 >&2; fi; }
expect_out() { if printf '%s' "$out" | grep -qF -- "$2"; then ok; else bad "$1: output lacks [$2]; output:"; echo "$out" | head -20 >&2; fi; }
expect_no()  { if printf '%s' "$out" | grep -qF -- "$2"; then bad "$1: output has [$2]"; else ok; fi; }
console() { printf '%s\n' "$1" | "$stk" console -no-color "${@:2}" 2>&1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME="Test Author" GIT_AUTHOR_EMAIL="author@example.com"
export GIT_COMMITTER_NAME="Test Author" GIT_COMMITTER_EMAIL="author@example.com"
export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp/home" STK_WORKSPACE= NO_COLOR=1
mkdir -p "$HOME"
repo="$tmp/repo"
mkdir -p "$repo/infra" "$repo/modules/net" "$repo/envs/staging" "$repo/envs/prod"
cd "$repo" || exit 1
git init -q -b main .
printf '.stk/\n' > .gitignore

cat > modules/net/main.tf <<'TF'
variable "cidr" { type = string }
variable "subnets" {
  type    = number
  default = 1
}
resource "aws_vpc" "this" {
  cidr_block = var.cidr
}
resource "aws_subnet" "public" {
  count      = var.subnets
  vpc_id     = aws_vpc.this.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}
output "tag" { value = "module-A" }
TF
cat > infra/main.tf <<'TF'
variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}
variable "subnets" {
  type    = number
  default = 1
}
locals {
  banner = trimspace(file("${path.module}/banner.txt"))
}
module "net" {
  source  = "../modules/net"
  cidr    = var.cidr
  subnets = var.subnets
}
TF
echo "banner A" > infra/banner.txt
for e in staging prod; do
  cat > envs/$e/main.tf <<'TF'
variable "cidr" { type = string }
module "net" {
  source = "../../modules/net"
  cidr   = var.cidr
}
TF
done
echo 'cidr = "10.20.0.0/16"' > envs/staging/terraform.tfvars
echo 'cidr = "10.30.0.0/16"' > envs/prod/terraform.tfvars
git add -A && git commit -q -m "A: first network"
A=$(git rev-parse HEAD)
git tag v-a

# commit B: a variable changes (tfvars), the module and the file change too
printf 'cidr    = "10.1.0.0/16"\nsubnets = 2\n' > infra/terraform.tfvars
echo "banner B" > infra/banner.txt
sed -i 's/module-A/module-B/' modules/net/main.tf
git add -A && git commit -q -m "B: bigger network"
B=$(git rev-parse HEAD)

# uncommitted edits that must not leak into --rev reads
printf 'cidr = "10.9.0.0/16"\n' > infra/terraform.tfvars
echo "banner DIRTY" > infra/banner.txt
sed -i 's/module-B/module-DIRTY/' modules/net/main.tf

# ---- --rev reads the commit ---------------------------------------------
out=$(console 'var.cidr' -rev="$A" infra);          rc=$?; expect_rc "console -rev A" 0; expect_out "rev A var" '"10.0.0.0/16"'
out=$(console 'var.cidr' -rev "$B" infra);          expect_out "rev B var (tfvars from B)" '"10.1.0.0/16"'
out=$(console 'var.cidr' --rev=HEAD infra);         expect_out "rev HEAD var ignores the dirty tfvars" '"10.1.0.0/16"'
out=$(console 'var.cidr' infra);                    expect_out "no rev: the work tree" '"10.9.0.0/16"'
out=$(console 'local.banner' -rev=v-a infra);       expect_out "file() from commit A (by tag)" '"banner A"'
out=$(console 'local.banner' -rev=HEAD infra);      expect_out "file() from HEAD" '"banner B"'
expect_no "no dirty file() content" "DIRTY"
out=$(console 'module.net.tag' -rev="$A" infra);    expect_out "local module from commit A" '"module-A"'
out=$(console 'module.net.tag' -rev=main infra);    expect_out "local module from branch main" '"module-B"'
out=$(console 'module.net.tag' infra);              expect_out "work tree module" '"module-DIRTY"'
# from inside the subdirectory, DIR defaulting to "."
out=$(cd infra && console 'var.cidr' -rev="$A");    expect_out "rev from a subdirectory" '"10.0.0.0/16"'
out=$(cd infra && console 'module.net.tag' -rev="${A:0:8}"); expect_out "short id, ../ module" '"module-A"'

# -var-file under --rev: inside the repository from the commit, outside it from the disk
echo 'cidr = "10.7.0.0/16"' > "$tmp/outside.tfvars"
out=$(console 'var.cidr' -rev="$A" -var-file="$tmp/outside.tfvars" infra); expect_out "-var-file outside the repo" '"10.7.0.0/16"'
out=$(console 'var.cidr' -rev=HEAD -var-file=infra/terraform.tfvars infra); expect_out "-var-file in the repo: committed text" '"10.1.0.0/16"'
out=$(console 'var.cidr' -rev="$A" -var-file=infra/terraform.tfvars infra); expect_out "-var-file absent at the commit" 'no such file in commit'
run "$stk" validate -no-color -rev="$A" infra;      expect_rc "validate -rev A" 0; expect_out "validate -rev A" "Success"
run "$stk" validate -no-color -rev=no-such-rev infra; expect_rc "validate bad rev" 1; expect_out "bad rev" "Unknown revision"
run "$stk" graph -rev="$B" -instances infra;        expect_rc "graph -rev B" 0; expect_out "graph -rev B instances" "aws_subnet.public[1]"
# a file that exists only in the work tree is absent at the commit
echo 'output "extra" { value = file("${path.module}/new.txt") }' > infra/extra.tf; echo new > infra/new.txt
run "$stk" validate -no-color -rev=HEAD infra;      expect_rc "untracked files do not leak" 0
rm -f infra/extra.tf infra/new.txt
# an error in the commit is reported with its source line (read from git)
git -C "$repo" stash -q
printf 'variable "broken" {\n  default = 1 +\n}\n' > infra/broken.tf
git add infra/broken.tf && git commit -q -m "C: broken"
C=$(git rev-parse HEAD)
git rm -q infra/broken.tf && git commit -q -m "D: fixed"
D=$(git rev-parse HEAD)
git -C "$repo" stash pop -q
run "$stk" validate -no-color -rev="$C" infra;      expect_rc "validate broken commit" 1; expect_out "snippet from git" "default = 1 +"
run "$stk" validate -no-color -rev=HEAD infra;      expect_rc "validate fixed commit" 0

# ---- stk diff --------------------------------------------------------------
run "$stk" diff -no-color "$A" "$B" infra
expect_rc "diff A B" 2
expect_out "diff vpc cidr" '~ module.net.aws_vpc.this: cidr_block "10.0.0.0/16" -> "10.1.0.0/16"'
expect_out "diff new subnet" '+ module.net.aws_subnet.public[1]'
expect_out "diff changed subnet" '~ module.net.aws_subnet.public[0]: cidr_block "10.0.0.0/24" -> "10.1.0.0/24"'
expect_out "diff summary" "1 to add, 2 to change, 0 to remove"
run "$stk" diff -no-color "$B" "$A" infra;          expect_rc "diff B A" 2; expect_out "diff removal" '- module.net.aws_subnet.public[1]'
run "$stk" diff -no-color "$B" "$C~1" infra;        expect_rc "diff same config" 0; expect_out "no differences" "No differences"
run "$stk" diff -no-color "$A" "$B" -var cidr=10.5.0.0/16 infra; expect_rc "diff with -var on both" 2
expect_no "-var applies to both sides" "cidr_block \"10.0.0.0/16\""
run "$stk" diff -no-color "$A" nope infra;          expect_rc "diff bad rev" 1
run "$stk" diff -no-color -env=staging "$A" "$B";   expect_rc "diff -env (envs unchanged)" 0

# ---- -env ------------------------------------------------------------------
out=$(console 'var.cidr' -env=staging);             expect_out "-env staging tfvars" '"10.20.0.0/16"'
out=$(console 'var.cidr' -env prod -rev="$A");      expect_out "-env prod at A" '"10.30.0.0/16"'
out=$(console 'terraform.workspace' -env=prod);     expect_out "-env workspace name" '"prod"'
out=$(console 'module.net.tag' -env=prod -rev="$A"); expect_out "-env shares ../../modules" '"module-A"'
run "$stk" validate -no-color -env=nope;            expect_rc "-env missing" 1; expect_out "-env missing" "environments here: prod, staging"

# ---- protected workspaces and provenance in history --------------------------
cd "$repo/infra" || exit 1
run "$stk" workspace protect default;               expect_rc "protect" 0
expect_out "protect msg" "is protected"
[ -f .stk/protected.json ] && grep -q '"default"' .stk/protected.json && ok || bad "protected.json written"
run "$stk" workspace protect nosuch;                expect_rc "protect unknown ws" 1
run "$stk" state import-tfstate "$fixture";         expect_rc "protected + dirty refused" 1
expect_out "dirty reason" "uncommitted changes"
run "$stk" state list
[ -z "$(printf '%s' "$out" | grep -v '^$')" ] && ok || bad "state must stay empty after the refusal: $out"
run "$stk" state import-tfstate -allow-dirty "$fixture"; expect_rc "-allow-dirty overrides" 0
# clean the tree: commit the edits; still refused (not pushed)
git -C "$repo" add -A && git -C "$repo" commit -q -m "E: staging the edits"
E=$(git -C "$repo" rev-parse HEAD)
addr=$("$stk" state list 2>/dev/null | head -1)
run "$stk" state rm "$addr";                        expect_rc "protected + unpushed refused" 1
expect_out "unpushed reason" "not pushed"
# push to a remote with upstream tracking: now allowed
git init -q --bare "$tmp/remote.git"
git -C "$repo" remote add origin "$tmp/remote.git"
git -C "$repo" push -q -u origin main 2>/dev/null
run "$stk" state rm "$addr";                        expect_rc "protected + clean + pushed allowed" 0
run "$stk" workspace unprotect default;             expect_rc "unprotect" 0
echo "dirty again" >> banner.txt
addr2=$("$stk" state list 2>/dev/null | head -1)
run "$stk" state rm "$addr2";                       expect_rc "unprotected + dirty allowed" 0

run "$stk" history -no-color
expect_rc "history" 0
printf '%s\n' "$out" | grep 'import-tfstate' | grep -qF "${D:0:7}*" && ok || bad "history: the -allow-dirty import at D is marked dirty: $out"
printf '%s\n' "$out" | grep -F "${E:0:7}*" | grep -qF "state rm" && ok || bad "history: the dirty unprotected state rm: $out"
printf '%s\n' "$out" | grep -F "${E:0:7} " | grep -qF "state rm" && ok || bad "history: clean pushed state rm with commit $E: $out"
expect_out "history subject" "E: staging the edits"
run "$stk" history -json
expect_out "history json commit" "\"commit\": \"$E\""
expect_out "history json branch" '"branch": "main"'
expect_out "history json author" '"author": "Test Author <author@example.com>"'
expect_out "history json dirty" '"dirty": true'

# outside a git repository: nothing recorded, nothing refused
mkdir -p "$tmp/nogit" && cd "$tmp/nogit" && cp "$repo/infra/main.tf" . 2>/dev/null
run "$stk" state import-tfstate "$fixture";         expect_rc "no git: import" 0
run "$stk" history -json;                           expect_out "no git: commit null" '"commit": null'

# ---- stk rollback (plan/apply with the in-process test provider) -------------
rb="$tmp/rb"
mkdir -p "$rb" && cd "$rb" || exit 1
git init -q -b main .
printf 'cloud/\n.stk/\n' > .gitignore
cat > main.tf <<'TF'
variable "name" {
  default = "alpha"
}
resource "stktest_thing" "a" {
  name = var.name
  cidr = "10.0.0.0/16"
}
TF
git add -A && git commit -q -m "RA: first"
RA=$(git rev-parse HEAD)
export STK_TEST_PROVIDER=1 STK_TEST_CLOUD="$rb/cloud"
run "$stk" apply -auto-approve;                     expect_rc "apply at RA" 0
sed -i 's/10.0.0.0/10.1.0.0/' main.tf && git commit -q -am "RB: new cidr"
run "$stk" apply -auto-approve -var name=beta;      expect_rc "apply at RB" 0
run "$stk" state show stktest_thing.a;              expect_out "RB applied" '"10.1.0.0/16"'
echo "uncommitted" > notes.txt
run "$stk" rollback --to "$RA" -auto-approve -var name=delta; expect_rc "rollback --to RA" 0
expect_out "rollback shows the plan" "Plan: 0 to add, 1 to change, 0 to destroy."
run "$stk" state show stktest_thing.a;              expect_out "RA's cidr back" '"10.0.0.0/16"'; expect_out "-var on rollback" '"delta"'
[ "$(cat notes.txt)" = uncommitted ] && grep -q 10.1.0.0 main.tf && ok || bad "rollback must not touch the work tree"
ls -d "${TMPDIR:-/tmp}"/stk-rev-"${RA:0:12}"-* >/dev/null 2>&1 && bad "rollback left its temporary directory" || ok
run "$stk" apply -auto-approve -var name=beta;      expect_rc "apply RB again" 0
run "$stk" history -no-color
serial=$(printf '%s\n' "$out" | grep -F "${RA:0:7}" | tail -1 | awk '{print $1}')
[ -n "$serial" ] && ok || bad "history row of the rollback: $out"
run "$stk" rollback --to-serial "$serial" -auto-approve; expect_rc "rollback --to-serial" 0
run "$stk" state show stktest_thing.a;              expect_out "recorded variables restored" '"delta"'; expect_out "cidr of RA" '"10.0.0.0/16"'
run "$stk" rollback --to-serial 999;                expect_rc "serial without a commit" 1; expect_out "no commit msg" "no git commit is recorded"
run "$stk" rollback --to nope -auto-approve;        expect_rc "rollback bad rev" 1
run "$stk" workspace protect default
run "$stk" rollback --to "$RA" -auto-approve;       expect_rc "protected: unpushed rollback refused" 1; expect_out "unpushed" "not pushed"

# ---- plan/apply/destroy -rev, -env, saved plans, protection inside apply -----
run "$stk" plan -help;                              expect_rc "plan -help" 0
expect_out "plan -help -rev" "-rev=REV"; expect_out "plan -help -env" "-env=NAME"; expect_no "plan has no -allow-dirty" "-allow-dirty"
run "$stk" apply -help;                             expect_out "apply -help -allow-dirty" "-allow-dirty"; expect_out "apply -help DIR" "[PLANFILE | DIR]"
run "$stk" destroy -help;                           expect_out "destroy -help -rev" "-rev=REV"
run "$stk" plan -allow-dirty;                       expect_rc "plan -allow-dirty is unknown" 1; expect_out "unknown option" "unknown option -allow-dirty"
pa="$tmp/pa"
mkdir -p "$pa/envs/staging" && cd "$pa" || exit 1
git init -q -b main .
printf 'cloud/\n.stk/\n*.plan\n' > .gitignore
cat > main.tf <<'TF'
variable "name" {
  default = "one"
}
resource "stktest_thing" "a" {
  name = var.name
  cidr = trimspace(file("${path.module}/cidr.txt"))
}
TF
echo "10.0.0.0/16" > cidr.txt
cat > envs/staging/main.tf <<'TF'
variable "name" { type = string }
resource "stktest_thing" "s" {
  name = "stg-${var.name}"
  cidr = "10.50.0.0/16"
}
TF
echo 'name = "fromvarfile"' > envs/staging/staging.tfvars
git add -A && git commit -q -m "PA: one"
PA=$(git rev-parse HEAD)
sed -i 's/"one"/"two"/' main.tf && echo "10.2.0.0/16" > cidr.txt && git commit -q -am "PB: two"
PB=$(git rev-parse HEAD)
export STK_TEST_PROVIDER=1 STK_TEST_CLOUD="$pa/cloud"
# uncommitted edits that -rev must ignore
sed -i 's/"two"/"DIRTY"/' main.tf; echo "10.99.0.0/16" > cidr.txt
run "$stk" apply -no-color -auto-approve -rev="$PA"; expect_rc "apply -rev PA (dirty tree)" 0
expect_out "apply -rev names the commit" "as committed at ${PA:0:12}"
run "$stk" state show stktest_thing.a;              expect_out "PA's variable default" '"one"'; expect_out "PA's file()" '"10.0.0.0/16"'
expect_no "no dirty value" "DIRTY"
run "$stk" history -json
expect_out "apply -rev: commit in history" "\"commit\": \"$PA\""
expect_out "apply -rev: subject in history" '"subject": "PA: one"'
expect_out "apply -rev: author in history" '"author": "Test Author <author@example.com>"'
expect_out "apply -rev: not dirty" '"dirty": false'
run "$stk" plan -no-color -rev main;                expect_rc "plan -rev main" 0
expect_out "plan -rev branch named" "(main)"; expect_out "plan -rev main: PB's name" '"two"'; expect_no "plan -rev ignores the work tree" "DIRTY"
[ "$(grep -c DIRTY main.tf)" = 1 ] && [ "$(cat cidr.txt)" = 10.99.0.0/16 ] && ok || bad "-rev must leave the work tree untouched"
run "$stk" plan -no-color;                          expect_out "plan without -rev reads the work tree" '"DIRTY"'
# a saved plan made from a commit applies the same commit later, whatever the work tree holds
run "$stk" plan -no-color -rev="$PB" -out=pb.plan;  expect_rc "plan -rev PB -out" 0
grep -q "\"commit\": *\"$PB\"" pb.plan && ok || bad "plan file records the commit: $(grep -o '"source":{[^}]*}' pb.plan)"
echo "10.98.0.0/16" > cidr.txt
run "$stk" apply -no-color -rev="$PB" pb.plan;      expect_rc "-rev with a plan file refused" 1; expect_out "-rev with plan msg" "cannot be used with a saved plan"
run "$stk" apply -no-color pb.plan;                 expect_rc "apply the -rev plan file" 0
run "$stk" state show stktest_thing.a;              expect_out "plan file applied PB" '"10.2.0.0/16"'
run "$stk" history -json;                           expect_out "plan file apply records PB" "\"commit\": \"$PB\""
# a plan made from the dirty work tree goes stale when the tree changes
run "$stk" plan -no-color -out=dirty.plan;          expect_rc "plan from the dirty tree" 0
grep -q '"commit"' dirty.plan && bad "a work-tree plan records no commit" || ok
sed -i 's/"DIRTY"/"DIRTY2"/' main.tf
run "$stk" apply -no-color dirty.plan;              expect_rc "stale dirty plan refused" 1; expect_out "stale" "Saved plan is stale"
sed -i 's/"DIRTY2"/"DIRTY"/' main.tf
grep -q '"reads_digest"' dirty.plan && ok || bad "plan file records the reads digest"
echo "10.97.0.0/16" > cidr.txt
run "$stk" apply -no-color dirty.plan;              expect_rc "file() content changed: stale" 1; expect_out "file() stale reason" "A file the configuration reads"
echo "10.98.0.0/16" > cidr.txt
# protected workspace: apply/destroy refuse a dirty tree or an unpushed commit
run "$stk" workspace protect default;               expect_rc "protect pa" 0
run "$stk" apply -no-color -auto-approve;           expect_rc "protected: dirty apply refused" 1; expect_out "dirty apply reason" "uncommitted changes"
run "$stk" apply -no-color dirty.plan;              expect_rc "protected: dirty plan file refused" 1; expect_out "dirty plan file reason" "uncommitted changes"
run "$stk" apply -no-color -auto-approve -rev=HEAD; expect_rc "protected: unpushed commit refused" 1; expect_out "unpushed reason" "not pushed"
run "$stk" destroy -no-color -auto-approve -rev=HEAD; expect_rc "protected: destroy refused too" 1
run "$stk" refresh -no-color;                       expect_rc "protected: refresh refused too" 1
run "$stk" state show stktest_thing.a;              expect_out "refused applies changed nothing" '"10.2.0.0/16"'
run "$stk" apply -no-color -auto-approve -allow-dirty; expect_rc "protected: -allow-dirty passes" 0
run "$stk" history -json;                           expect_out "-allow-dirty apply recorded dirty" '"dirty": true'
git init -q --bare "$tmp/pa-remote.git" && git remote add origin "$tmp/pa-remote.git" && git push -q -u origin main 2>/dev/null
run "$stk" apply -no-color -auto-approve -rev=HEAD; expect_rc "protected: pushed commit allowed" 0
run "$stk" state show stktest_thing.a;              expect_out "pushed PB applied" '"two"'
run "$stk" workspace unprotect default
# -env: the layout's var files and its own workspace/state, from a commit too
run "$stk" apply -no-color -auto-approve -env=staging; expect_rc "apply -env staging" 0
expect_out "-env creates its workspace" 'Created workspace "staging"'
run "$stk" workspace list;                          expect_out "staging workspace listed" "staging"
out=$(STK_WORKSPACE=staging "$stk" state show stktest_thing.s 2>&1); expect_out "-env var file applied" '"stg-fromvarfile"'
run "$stk" state list;                              expect_no "default state has no staging resource" "stktest_thing.s"
out=$(STK_WORKSPACE=staging "$stk" state list 2>&1); expect_no "staging state has no default resource" "stktest_thing.a"
run "$stk" plan -no-color -env=staging -detailed-exitcode; expect_rc "-env plan clean" 0
run "$stk" plan -no-color -env staging -rev="$PA" -var name=x -detailed-exitcode; expect_rc "-env -rev plan with a change" 2
expect_out "-env -rev plan diff" '"stg-x"'
run "$stk" plan -no-color -env=staging -rev="$PA" -var name=x -out=stg.plan; expect_rc "-env -rev -out" 0
grep -q '"env": *"staging"' stg.plan && ok || bad "plan file records the env"
run "$stk" apply -no-color stg.plan;                expect_rc "apply the -env plan file" 0
out=$(STK_WORKSPACE=staging "$stk" state show stktest_thing.s 2>&1); expect_out "-env plan file applied to staging" '"stg-x"'
out=$(STK_WORKSPACE=staging "$stk" history -json 2>&1); expect_out "staging history has PA" "\"commit\": \"$PA\""
run "$stk" plan -no-color -env=nope;                expect_rc "-env missing layout" 1; expect_out "-env missing msg" "No such environment"
run "$stk" apply -no-color -auto-approve -env=staging; expect_rc "apply -env staging from the tree again" 0
out=$(STK_WORKSPACE=staging "$stk" state show stktest_thing.s 2>&1); expect_out "back to the var file's name" '"stg-fromvarfile"'
run "$stk" rollback -no-color --to "$PA" -env staging -auto-approve; expect_rc "rollback -env staging" 0
out=$(STK_WORKSPACE=staging "$stk" state show stktest_thing.s 2>&1); expect_out "rollback -env: staging's recorded variable for PA" '"stg-x"'
run "$stk" state show stktest_thing.a;              expect_out "rollback -env left default alone" '"two"'
out=$(STK_WORKSPACE=staging "$stk" history 2>&1);   expect_out "rollback row names the command" "stk rollback -rev=$PA"
run "$stk" destroy -no-color -auto-approve -env=staging -rev="$PA"; expect_rc "destroy -env -rev" 0
out=$(STK_WORKSPACE=staging "$stk" state list 2>&1); expect_no "staging destroyed" "stktest_thing.s"
# a repository without a commit yet: the apply goes ahead, the git columns stay empty
mkdir -p "$tmp/nocommit" && cd "$tmp/nocommit" && git init -q -b main . || exit 1
printf 'resource "stktest_thing" "n" {\n  name = "n"\n}\n' > main.tf
run "$stk" apply -no-color -auto-approve;           expect_rc "apply with no commit yet" 0
expect_out "no commit: warning" "Git provenance not recorded"
run "$stk" history -json;                           expect_out "no commit: commit null" '"commit": null'
run "$stk" workspace protect default
run "$stk" apply -no-color -auto-approve;           expect_rc "no commit + protected: refused" 1; expect_out "no commit reason" "No commit yet"
# a plan DIR argument
cd "$tmp" || exit 1
run "$stk" plan -no-color -rev="$PA" pa;            expect_rc "plan -rev DIR" 0; expect_out "plan DIR reads that directory" '"one"'
cd "$pa" || exit 1
unset STK_TEST_PROVIDER STK_TEST_CLOUD

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
