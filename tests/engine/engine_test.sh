#!/usr/bin/env bash
# engine_test.sh - end-to-end tests of plan / apply / destroy driving the real
# stk binary with the in-process test provider (STK_TEST_PROVIDER=1; its
# "cloud" is a directory of JSON files and an ops.log of start/end times).
# Usage: engine_test.sh [path/to/stk]
set -u
STK=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/stk}
STK=$(cd "$(dirname "$STK")" && pwd)/$(basename "$STK")
export STK_TEST_PROVIDER=1 NO_COLOR=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

ROOT=$(mktemp -d /tmp/stk-engine-XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
newdir() { D="$ROOT/$1"; mkdir -p "$D"; cd "$D" || exit 1; export STK_TEST_CLOUD="$D/cloud"; }
run() { "$STK" "$@" >out.txt 2>err.txt; echo $? >rc.txt; }
rc() { cat rc.txt; }

# max number of operations in flight, from ops.log
max_inflight() {
  python3 - "$1" <<'EOF'
import sys
ev = []
for line in open(sys.argv[1]):
    k, t, op, name = line.split()
    ev.append((int(t), 0 if k == "end" else 1))
ev.sort()
cur = best = 0
for _, d in ev:
    cur += 1 if d else -1
    best = max(best, cur)
print(best)
EOF
}
# time of "start|end" of "op name" in ops.log
t_of() { awk -v k="$1" -v op="$2" -v n="$3" '$1==k && $3==op && $4==n {print $2; exit}' cloud/ops.log; }

# ---- 1. create, no perpetual diff, detailed exit codes, outputs ----
newdir basic
cat > main.tf <<'EOF'
variable "pw" {
  type      = string
  default   = "hunter2-secret"
  sensitive = true
}
resource "stktest_thing" "a" {
  name   = "a"
  policy = jsonencode({ b = 1, a = [1, 2] })
  cidr   = "10.0.0.0/16"
  mode   = "fast"
  items  = ["y", "x"]
  tags   = { Name = "a" }
  secret = var.pw
  rule {
    port = 80
  }
}
resource "stktest_thing" "b" {
  count = 2
  name  = "b${count.index}-${stktest_thing.a.id}"
}
data "stktest_data" "d" {
  input = "hello"
}
output "a_id" {
  value = stktest_thing.a.id
}
output "d" {
  value = data.stktest_data.d.result
}
output "pw" {
  value     = var.pw
  sensitive = true
}
EOF
run plan -detailed-exitcode
check '[ "$(rc)" = 2 ]' "plan with changes exits 2 with -detailed-exitcode"
check 'grep -q "stk will perform the following actions:" out.txt' "plan header"
check 'grep -q "# stktest_thing.a will be created" out.txt' "create header"
check 'grep -q "  + resource \"stktest_thing\" \"a\" {" out.txt' "resource line"
check 'grep -q "id            = (known after apply)" out.txt' "known after apply"
check 'grep -q "secret        = (sensitive value)" out.txt' "sensitive masked"
check 'grep -q "Plan: 3 to add, 0 to change, 0 to destroy." out.txt' "plan summary"
run apply -auto-approve
check '[ "$(rc)" = 0 ]' "apply succeeds: $(cat err.txt)"
check 'grep -q "stktest_thing.a: Creating..." out.txt' "progress Creating"
check 'grep -Eq "stktest_thing.a: Creation complete after [0-9]+s \[id=thing-" out.txt' "progress complete"
check 'grep -q "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." out.txt' "apply summary"
check 'grep -q "pw = <sensitive>" out.txt' "sensitive output hidden"
check 'grep -q "d = \"data-hello\"" out.txt' "data source output"
# b waits for a (b's name references a.id)
check '[ "$(t_of start create b0-$(ls cloud/stktest_thing | head -0)thing 2>/dev/null)" = "" ]' "noop"
A_END=$(t_of end create a); B_START=$(awk '$1=="start" && $3=="create" && $4 ~ /^b0-/ {print $2; exit}' cloud/ops.log)
check '[ -n "$A_END" ] && [ -n "$B_START" ] && [ "$B_START" -ge "$A_END" ]' "dependent starts after its dependency ends"
check 'grep -q "b0-thing-" cloud/stktest_thing/*.json' "apply-time value of a.id reached b's name"
run plan -detailed-exitcode
check '[ "$(rc)" = 0 ]' "no perpetual diff (JSON, CIDR, case, sets): $(cat out.txt)"
check 'grep -q "No changes." out.txt' "No changes."
run output -json
check 'python3 -c "import json,sys; d=json.load(open(\"out.txt\")); assert d[\"pw\"][\"sensitive\"] is True and d[\"pw\"][\"value\"]==\"hunter2-secret\""' "output -json carries sensitive values"
run output pw
check 'grep -q hunter2-secret out.txt' "output NAME prints the sensitive value"
run output -raw d
check '[ "$(cat out.txt)" = "data-hello" ]' "output -raw"
run show
check '! grep -q hunter2 out.txt' "show hides sensitive attributes"
# JSON reordered in config: still no change
sed -i 's/jsonencode({ b = 1, a = \[1, 2\] })/"{\\"a\\": [1, 2],   \\"b\\": 1}"/; s/"10.0.0.0\/16"/"10.0.0.0\/16"/; s/"fast"/"FAST"/; s/\["y", "x"\]/["x", "y"]/' main.tf
run plan -detailed-exitcode
check '[ "$(rc)" = 0 ]' "reordered JSON / set / case is no change: $(cat out.txt)"

# ---- 2. update in place, unchanged attributes folded ----
sed -i 's/tags   = { Name = "a" }/tags   = { Name = "a2" }/' main.tf
run plan -detailed-exitcode
check '[ "$(rc)" = 2 ]' "tag change is a change"
check 'grep -q "# stktest_thing.a will be updated in-place" out.txt' "update header"
check 'grep -q "unchanged attributes hidden" out.txt' "unchanged folded"
check 'grep -q "~ \"Name\" = \"a\" -> \"a2\"" out.txt' "map changes shown key by key"
check '! grep -q $'"'"'\033'"'"' out.txt' "no colour codes with NO_COLOR / not a terminal"
check 'grep -q "Plan: 0 to add, 1 to change, 0 to destroy." out.txt' "update summary"
# ignore_changes
sed -i 's/^  rule {/  lifecycle {\n    ignore_changes = [tags]\n  }\n  rule {/' main.tf
run plan -detailed-exitcode
check '[ "$(rc)" = 0 ]' "ignore_changes hides the tag change: $(cat out.txt err.txt)"
# sensitive values never printed anywhere
run plan
check '! grep -rq hunter2 out.txt err.txt' "plan never prints the sensitive value"

# ---- 3. plan JSON structure ----
printf 'resource "stktest_thing" "extra" {\n  name = "extra"\n}\n' > extra.tf
run plan -out=p.plan
check '[ "$(rc)" = 0 ] && [ "$(stat -c %a p.plan)" = 600 ]' "plan file written 0600"
run show -json p.plan
check 'python3 - <<EOF
import json
p = json.load(open("out.txt"))
for k in ["format_version","terraform_version","variables","planned_values","resource_drift","resource_changes","output_changes","prior_state","configuration"]:
    assert k in p, k
rc = p["resource_changes"]
assert all(set(["address","mode","type","name","provider_name","change"]) <= set(r) for r in rc)
for r in rc:
    c = r["change"]
    for k in ["actions","before","after","after_unknown","before_sensitive","after_sensitive"]:
        assert k in c, k
b1 = [r for r in rc if r["address"] == "stktest_thing.b[1]"][0]
assert b1["index"] == 1 and b1["mode"] == "managed" and b1["type"] == "stktest_thing" and b1["name"] == "b"
assert b1["provider_name"] == "registry.terraform.io/hashicorp/stktest", b1["provider_name"]
a = [r for r in rc if r["address"] == "stktest_thing.a"][0]
assert a["change"]["after_sensitive"]["secret"] is True
assert "pw" not in p["variables"]
assert "root_module" in p["planned_values"] and "outputs" in p["planned_values"]
EOF' "plan JSON has Terraform's structure"
# stale saved plan
run apply p.plan
check '[ "$(rc)" = 0 ]' "a fresh saved plan applies: $(cat err.txt)"
run apply p.plan
check '[ "$(rc)" = 1 ] && grep -q "Saved plan is stale" err.txt' "applying a plan twice: stale"
run plan -out=p2.plan
echo '# changed' >> main.tf
run apply p2.plan
check '[ "$(rc)" = 1 ] && grep -q "Saved plan is stale" err.txt' "configuration changed since the plan: stale"

# ---- 4. replacement, taint, create_before_destroy ----
newdir replace
cat > main.tf <<'EOF'
resource "stktest_thing" "r" {
  name  = "r"
  force = "v1"
}
resource "stktest_thing" "c" {
  name  = "c"
  force = "v1"
  lifecycle {
    create_before_destroy = true
  }
}
EOF
run apply -auto-approve
sed -i 's/"v1"/"v2"/g' main.tf
run plan
check 'grep -q "# stktest_thing.r must be replaced" out.txt && grep -q "^-/+ resource \"stktest_thing\" \"r\"" out.txt' "replace header -/+"
check 'grep -q "^+/- resource \"stktest_thing\" \"c\"" out.txt' "create_before_destroy shows +/-"
check 'grep -q "force .*= \"v1\" -> \"v2\" # forces replacement" out.txt' "forces replacement marker"
check 'grep -q "Plan: 2 to add, 0 to change, 2 to destroy." out.txt' "replace counts"
: > cloud/ops.log
run apply -auto-approve
check '[ "$(rc)" = 0 ]' "replace applies: $(cat err.txt)"
check '[ "$(t_of end delete r)" -le "$(t_of start create r)" ]' "without create_before_destroy: delete first"
check '[ "$(t_of end create c)" -le "$(t_of start delete c)" ]' "with create_before_destroy: create first"
check '[ "$(ls cloud/stktest_thing | wc -l)" = 2 ]' "old objects gone, new ones there"
run state list
check '[ "$(wc -l < out.txt)" = 2 ]' "no deposed objects left in state"
run taint stktest_thing.r
check '[ "$(rc)" = 0 ]' "taint"
run plan
check 'grep -q "stktest_thing.r is tainted, so must be replaced" out.txt' "tainted is replaced"
run untaint stktest_thing.r
run plan -detailed-exitcode
check '[ "$(rc)" = 0 ]' "untaint: no changes"
run plan -replace=stktest_thing.c
check 'grep -q "stktest_thing.c must be replaced" out.txt' "-replace"
# drift: deleted behind stk's back
rm -f "$(grep -l '"name": "r"' cloud/stktest_thing/*.json)"
run plan
check 'grep -q "stktest_thing.r has been deleted" out.txt && grep -q "# stktest_thing.r will be created" out.txt' "drift: gone -> create"
run plan -refresh=false -detailed-exitcode
check '[ "$(rc)" = 0 ]' "-refresh=false does not see the drift"
run plan -refresh-only
check 'grep -q "stktest_thing.r has been deleted" out.txt' "plan -refresh-only shows drift"
run refresh
check '[ "$(rc)" = 0 ]' "stk refresh: $(cat err.txt)"
run state list
check '! grep -q "stktest_thing.r" out.txt' "refresh recorded the deletion"

# ---- 5. prevent_destroy, destroy ----
newdir prevent
cat > main.tf <<'EOF'
resource "stktest_thing" "keep" {
  name = "keep"
  lifecycle {
    prevent_destroy = true
  }
}
resource "stktest_thing" "dep" {
  name = "dep-${stktest_thing.keep.id}"
}
EOF
run apply -auto-approve
run destroy -auto-approve
check '[ "$(rc)" = 1 ] && grep -q "Instance cannot be destroyed" err.txt && grep -q "stktest_thing.keep" err.txt' "prevent_destroy fails the plan naming the resource"
sed -i 's/prevent_destroy = true/prevent_destroy = false/' main.tf
: > cloud/ops.log
run destroy -auto-approve
check '[ "$(rc)" = 0 ] && grep -q "Destroy complete! Resources: 2 destroyed." out.txt' "destroy: $(cat err.txt)"
check '[ "$(t_of end delete keep)" -ge "$(awk '"'"'$1=="end" && $3=="delete" && $4 ~ /^dep-/ {print $2}'"'"' cloud/ops.log)" ]' "deletes run in reverse dependency order"
check '[ -z "$(ls cloud/stktest_thing)" ]' "cloud empty after destroy"

# ---- 6. cycles ----
newdir cycle
cat > main.tf <<'EOF'
resource "stktest_thing" "x" {
  name = stktest_thing.y.id
}
resource "stktest_thing" "y" {
  name = stktest_thing.x.id
}
EOF
run plan
check '[ "$(rc)" = 1 ] && grep -q "Cycle:" err.txt && grep -q "stktest_thing.x (main.tf:1" err.txt' "cycle reported with positions: $(cat err.txt | head -3)"

# ---- 7. parallelism and overlap ----
newdir parallel
{
  for i in 1 2 3 4 5 6; do printf 'resource "stktest_thing" "p%s" {\n  name     = "p%s"\n  delay_ms = 300\n}\n' $i $i; done
} > main.tf
run apply -auto-approve -parallelism=2
check '[ "$(rc)" = 0 ]' "parallel apply"
check '[ "$(max_inflight cloud/ops.log)" -le 2 ]' "in flight never exceeds -parallelism=2 ($(max_inflight cloud/ops.log))"
check '[ "$(max_inflight cloud/ops.log)" -eq 2 ]' "independent resources overlap"
run destroy -auto-approve
: > cloud/ops.log
run apply -auto-approve
check '[ "$(max_inflight cloud/ops.log)" -eq 6 ]' "default parallelism runs all 6 at once ($(max_inflight cloud/ops.log))"

# ---- 8. error isolation ----
newdir errors
cat > main.tf <<'EOF'
resource "stktest_thing" "bad" {
  name    = "bad"
  fail_on = "create"
}
resource "stktest_thing" "child" {
  name = "child-${stktest_thing.bad.id}"
}
resource "stktest_thing" "sibling" {
  name     = "sibling"
  delay_ms = 200
}
EOF
run apply -auto-approve
check '[ "$(rc)" = 1 ]' "a failure exits 1"
check 'grep -q "injected failure" err.txt' "the error is shown"
check 'grep -q "stktest_thing.child: skipped" out.txt' "the dependent is skipped"
check 'grep -q "stktest_thing.sibling: Creation complete" out.txt' "the independent sibling finishes"
run state list
check '[ "$(cat out.txt)" = "stktest_thing.sibling" ]' "state holds exactly what exists: $(cat out.txt)"

# ---- 9. -target ----
newdir target
cat > main.tf <<'EOF'
resource "stktest_thing" "base" { name = "base" }
resource "stktest_thing" "top" { name = "top-${stktest_thing.base.id}" }
resource "stktest_thing" "other" { name = "other" }
EOF
run plan -target=stktest_thing.top
check 'grep -q "Plan: 2 to add" out.txt && ! grep -q "stktest_thing.other" out.txt' "-target keeps the target and its dependencies"
run plan -target=stktest_thing.top -out=t.plan
run apply t.plan
check '[ "$(rc)" = 0 ] && grep -q "Apply complete! Resources: 2 added" out.txt' "a targeted saved plan applies with its targets: $(cat err.txt)"

# ---- 9b. modules with for_each, replace_triggered_by, plan -destroy ----
newdir modules
mkdir -p modules/m
cat > main.tf <<'EOF'
resource "stktest_thing" "src" {
  name = "src"
  tags = { v = "1" }
}
resource "stktest_thing" "t" {
  name = "t"
  lifecycle {
    replace_triggered_by = [stktest_thing.src]
  }
}
module "m" {
  source   = "./modules/m"
  for_each = toset(["a", "b"])
  label    = each.key
}
output "ids" {
  value = { for k, m in module.m : k => m.id }
}
EOF
cat > modules/m/main.tf <<'EOF'
variable "label" { type = string }
resource "stktest_thing" "x" {
  name = "x-${var.label}"
}
output "id" { value = stktest_thing.x.id }
EOF
run apply -auto-approve
check '[ "$(rc)" = 0 ] && grep -q "module.m\[\"b\"\].stktest_thing.x: Creation complete" out.txt' "module instances apply: $(cat err.txt)"
check 'grep -q "x-b" cloud/stktest_thing/*.json' "module variables reach the instances"
sed -i 's/v = "1"/v = "2"/' main.tf
run plan -out=m.plan
check 'grep -q "# stktest_thing.t must be replaced" out.txt' "replace_triggered_by replaces"
run show -json m.plan
cat > check.py <<'EOF'
import json
p = json.load(open("out.txt"))
rc = {r["address"]: r for r in p["resource_changes"]}
assert rc['module.m["a"].stktest_thing.x']["module_address"] == 'module.m["a"]'
assert rc["stktest_thing.t"]["action_reason"] == "replace_by_triggers"
assert rc["stktest_thing.t"]["change"]["actions"] == ["delete", "create"]
EOF
check 'python3 check.py' "module_address and action_reason in plan JSON"
run plan -destroy
check 'grep -q "Plan: 0 to add, 0 to change, 4 to destroy." out.txt' "plan -destroy"

# ---- 10. Ctrl-C mid-apply ----
newdir sigint
{
  for i in 1 2 3 4; do printf 'resource "stktest_thing" "s%s" {\n  name     = "s%s"\n  delay_ms = 1500\n}\n' $i $i; done
} > main.tf
"$STK" apply -auto-approve -parallelism=1 >out.txt 2>err.txt &
PID=$!
sleep 2.2
kill -INT $PID
wait $PID
RC=$?
check '[ "$RC" = 1 ]' "interrupted apply exits 1 (rc=$RC)"
check 'grep -q "Interrupt received" err.txt' "first Ctrl-C is acknowledged"
N_CLOUD=$(ls cloud/stktest_thing | wc -l)
"$STK" state list >sl.txt 2>/dev/null
check '[ "$(wc -l < sl.txt)" = "$N_CLOUD" ] && [ "$N_CLOUD" -ge 1 ] && [ "$N_CLOUD" -lt 4 ]' "state matches the cloud after Ctrl-C ($N_CLOUD objects)"
run apply -auto-approve
check '[ "$(rc)" = 0 ] && [ "$(ls cloud/stktest_thing | wc -l)" = 4 ]' "the next apply finishes the job"

# second Ctrl-C aborts the operation in flight; state stays true
newdir sigint2
printf 'resource "stktest_thing" "long" {\n  name     = "long"\n  delay_ms = 8000\n}\n' > main.tf
"$STK" apply -auto-approve >out.txt 2>err.txt &
PID=$!
sleep 1.5
kill -INT $PID; sleep 0.3; kill -INT $PID
wait $PID
RC=$?
check '[ "$RC" = 1 ] && grep -q "Two interrupts received" err.txt && grep -q "Operation interrupted" err.txt' "second Ctrl-C aborts in-flight operations (rc=$RC)"
"$STK" state list >sl.txt 2>/dev/null
check '[ ! -s sl.txt ] && [ -z "$(ls cloud/stktest_thing 2>/dev/null)" ]' "nothing half-recorded after the abort"

# kill -9 mid-create: the journal intent is reconciled on the next run
newdir crash
printf 'resource "stktest_thing" "c" {\n  name     = "c"\n  delay_ms = 3000\n}\n' > main.tf
"$STK" apply -auto-approve >out.txt 2>err.txt &
PID=$!
sleep 1.5
kill -9 $PID
{ wait $PID; } 2>/dev/null
sed -i 's/delay_ms = 3000/delay_ms = 0/' main.tf
run apply -auto-approve
check '[ "$(rc)" = 0 ] && grep -q "Recovered interrupted operation: create of stktest_thing.c" out.txt' "pending intent recovered on start: $(cat out.txt err.txt | head -5)"
check '[ "$(ls cloud/stktest_thing | wc -l)" = 1 ]' "exactly one object after the crash and the rerun"

# ---- 11. progress: Still creating every 10 s; -json events ----
newdir progress
printf 'resource "stktest_thing" "slow" {\n  name     = "slow"\n  delay_ms = 10600\n}\n' > main.tf
run apply -auto-approve
check 'grep -q "stktest_thing.slow: Still creating... \[10s elapsed\]" out.txt' "Still creating... [10s elapsed]"
check 'grep -Eq "stktest_thing.slow: Creation complete after 1[01]s" out.txt' "creation time reported"
printf 'resource "stktest_thing" "j" {\n  name = "j"\n}\n' > main.tf
run apply -auto-approve -json
check 'python3 -c "
import json
ev = [json.loads(l) for l in open(\"out.txt\")]
types = [e[\"type\"] for e in ev]
assert \"planned_change\" in types and \"apply_start\" in types and \"apply_complete\" in types and \"apply_summary\" in types, types
assert all(\"@level\" in e and \"@message\" in e for e in ev)
"' "apply -json: one JSON event per line"

# ---- 12. provider configurations across modules ----
# The test provider writes its objects under its configuration's cloud_dir,
# so the directory an object lands in names the configuration it got.
newdir providers
mkdir -p child legacy aliased nested
cat > main.tf <<'EOF'
provider "stktest" {
  cloud_dir = "cloud-root"
}
provider "stktest" {
  alias     = "west"
  cloud_dir = "cloud-west"
}
resource "stktest_thing" "r" {
  name = "root-default"
}
resource "stktest_thing" "rw" {
  provider = stktest.west
  name     = "root-west"
}
module "inherit" {
  source = "./child"
  label  = "inherit"
}
module "passed" {
  source = "./child"
  label  = "passed"
  providers = {
    stktest = stktest.west
  }
}
module "legacy" {
  source = "./legacy"
  dir    = "cloud-legacy"
}
module "aliased" {
  source = "./aliased"
  providers = {
    stktest.dst = stktest.west
  }
}
module "nested" {
  source = "./nested"
  providers = {
    stktest = stktest.west
  }
}
EOF
cat > child/main.tf <<'EOF'
variable "label" {
  type = string
}
resource "stktest_thing" "t" {
  name = var.label
}
EOF
cat > legacy/main.tf <<'EOF'
variable "dir" {
  type = string
}
provider "stktest" {
  cloud_dir = var.dir
}
resource "stktest_thing" "t" {
  name = "legacy"
}
EOF
cat > aliased/main.tf <<'EOF'
resource "stktest_thing" "dst" {
  provider = stktest.dst
  name     = "aliased-dst"
}
resource "stktest_thing" "def" {
  name = "aliased-default"
}
EOF
cat > nested/main.tf <<'EOF'
module "inner" {
  source = "../child"
  label  = "nested-inner"
}
EOF
in_cloud() { grep -lq "\"name\": *\"$2\"" "$1"/stktest_thing/*.json 2>/dev/null; }
run apply -auto-approve
check '[ "$(rc)" = 0 ]' "apply with provider configurations in modules: $(head -5 err.txt)"
check 'in_cloud cloud-root root-default && in_cloud cloud-west root-west' "root: default and aliased configurations"
check 'in_cloud cloud-root inherit' "a module without providers inherits the default configuration"
check 'in_cloud cloud-west passed && ! in_cloud cloud-root passed' "providers = { stktest = stktest.west } serves the module"
check 'in_cloud cloud-legacy legacy && ! in_cloud cloud-root legacy' "a module's own provider block serves its resources (with a module variable)"
check 'in_cloud cloud-west aliased-dst && in_cloud cloud-root aliased-default' "providers = { stktest.dst = stktest.west }; the default is still inherited"
check 'in_cloud cloud-west nested-inner' "a grandchild inherits what its parent was passed"
check '[ "$(cat cloud-*/stktest_thing/*.json | grep -o "\"name\": *\"" | wc -l)" = 8 ] && [ ! -d cloud ]' "eight objects, none in the environment's default cloud"
"$STK" state pull >pull.json
check 'python3 -c "
import json
d = json.load(open(\"pull.json\"))
p = {(r[\"module\"] + \".\" if r.get(\"module\") else \"\") + r[\"type\"] + \".\" + r[\"name\"]: r[\"provider\"] for r in d[\"resources\"]}
base = \"provider[\\\"registry.terraform.io/hashicorp/stktest\\\"]\"
want = {\"stktest_thing.r\": base, \"stktest_thing.rw\": base + \".west\",
        \"module.inherit.stktest_thing.t\": base, \"module.passed.stktest_thing.t\": base + \".west\",
        \"module.legacy.stktest_thing.t\": \"module.legacy.\" + base,
        \"module.aliased.stktest_thing.dst\": base + \".west\", \"module.aliased.stktest_thing.def\": base,
        \"module.nested.module.inner.stktest_thing.t\": base + \".west\"}
assert p == want, p
"' "state records each object's configuration address as Terraform does"
run plan -detailed-exitcode
check '[ "$(rc)" = 0 ]' "refresh reads each object through its own configuration (no changes): $(head -20 out.txt)"
# the plan JSON's configuration: every provider configuration of the tree
# (Terraform's keys: "module.X:name" for modules) and each resource's key
# naming the configuration it really uses
run plan -out=prov.plan
"$STK" show -json prov.plan >prov.json 2>err.txt
check 'python3 -c "
import json
c = json.load(open(\"prov.json\"))[\"configuration\"]
pc = c[\"provider_config\"]
assert pc[\"stktest\"][\"full_name\"] == \"registry.terraform.io/hashicorp/stktest\", pc
assert pc[\"stktest.west\"][\"alias\"] == \"west\", pc
assert pc[\"module.legacy:stktest\"][\"module_address\"] == \"module.legacy\", pc
assert pc[\"module.passed:stktest\"][\"parent_key\"] == \"stktest.west\", pc
assert pc[\"module.aliased:stktest.dst\"][\"parent_key\"] == \"stktest.west\", pc
def keys(m, pre=\"\"):
    out = {pre + r[\"address\"]: r[\"provider_config_key\"] for r in m[\"resources\"]}
    for n, call in m[\"module_calls\"].items():
        out.update(keys(call[\"module\"], pre + \"module.\" + n + \".\"))
    return out
k = keys(c[\"root_module\"])
want = {\"stktest_thing.r\": \"stktest\", \"stktest_thing.rw\": \"stktest.west\",
        \"module.inherit.stktest_thing.t\": \"stktest\", \"module.passed.stktest_thing.t\": \"stktest.west\",
        \"module.legacy.stktest_thing.t\": \"module.legacy:stktest\",
        \"module.aliased.stktest_thing.dst\": \"stktest.west\", \"module.aliased.stktest_thing.def\": \"stktest\",
        \"module.nested.module.inner.stktest_thing.t\": \"stktest.west\"}
assert k == want, k
assert c[\"root_module\"][\"module_calls\"][\"nested\"][\"source\"] == \"./nested\"
" 2>&1' "plan JSON configuration: provider configurations of every module, resources keyed to the one they use"
# a removed module's own provider block is needed to destroy what it made
sed -i '/^module "legacy" {/,/^}/d' main.tf
run plan
check '[ "$(rc)" = 1 ] && grep -q "Provider configuration not present" err.txt && grep -q "module.legacy.provider" err.txt' "removing a legacy module with its provider block: configuration not present"
check 'in_cloud cloud-legacy legacy' "nothing destroyed through another configuration"
run destroy -auto-approve
check '[ "$(rc)" = 1 ] && in_cloud cloud-legacy legacy' "destroy refuses too"
cat >> main.tf <<'EOF'
module "legacy" {
  source = "./legacy"
  dir    = "cloud-legacy"
}
EOF
run destroy -auto-approve
check '[ "$(rc)" = 0 ] && [ -z "$(cat cloud-*/stktest_thing/*.json 2>/dev/null)" ] && grep -q "Resources: 8 destroyed" out.txt' "destroy through every configuration: $(tail -3 err.txt)"

# the rules Terraform enforces when it loads the configuration
newdir providers_bad
mkdir -p legacy child
printf 'provider "stktest" {\n  cloud_dir = "c"\n}\nresource "stktest_thing" "t" {\n  name = "l"\n}\n' > legacy/main.tf
printf 'resource "stktest_thing" "t" {\n  provider = stktest.east\n  name     = "c"\n}\n' > child/main.tf
printf 'provider "stktest" {\n  alias = "west"\n}\nmodule "l" {\n  source = "./legacy"\n  providers = {\n    stktest = stktest.west\n  }\n}\n' > main.tf
run validate
check '[ "$(rc)" = 1 ] && grep -q "Cannot override provider configuration" err.txt && grep -q "main.tf:7:5" err.txt' "passing a configuration a module configures itself: $(head -3 err.txt)"
printf 'module "l" {\n  source = "./legacy"\n  count  = 2\n}\n' > main.tf
run validate
check '[ "$(rc)" = 1 ] && grep -q "Module is incompatible with count, for_each, and depends_on" err.txt && grep -q "main.tf:3:12" err.txt' "count on a module with its own provider block: $(head -3 err.txt)"
printf 'module "c" {\n  source = "./child"\n}\n' > main.tf
run validate
check '[ "$(rc)" = 1 ] && grep -q "Provider configuration not present" err.txt && grep -q "child/main.tf:2:14" err.txt' "an alias is never inherited: $(head -3 err.txt)"
printf 'provider "stktest" {\n  alias = "east"\n}\nmodule "c" {\n  source = "./child"\n}\n' > main.tf
run validate
check '[ "$(rc)" = 1 ] && grep -q "Provider configuration not present" err.txt' "not even when the caller has it"
printf 'module "c" {\n  source = "./child"\n  providers = {\n    stktest.east = stktest.nowhere\n  }\n}\n' > main.tf
run validate
check '[ "$(rc)" = 1 ] && grep -q "Provider configuration not present" err.txt && grep -q "main.tf:4:5" err.txt' "passing a configuration the caller does not have: $(head -3 err.txt)"
printf 'module "c" {\n  source = "./child"\n  providers = {\n    "stktest.east" = stktest\n  }\n}\n' > main.tf
run validate
check '[ "$(rc)" = 1 ] && grep -q "Invalid provider configuration reference" err.txt' "a quoted providers key is refused: $(head -3 err.txt)"
printf 'provider "stktest" {\n  alias = "east"\n}\nmodule "c" {\n  source = "./child"\n  providers = {\n    stktest.east = stktest.east\n  }\n}\n' > main.tf
run validate
check '[ "$(rc)" = 0 ]' "an alias passed explicitly: $(head -3 err.txt)"

# ---- 13. stk show PLANFILE prints the plan as stk plan did ----
newdir showplan
cat > main.tf <<'EOF'
variable "pw" {
  type      = string
  default   = "hunter2-show"
  sensitive = true
}
resource "stktest_thing" "upd" {
  name  = "upd"
  tags  = { a = "1", b = "2" }
  items = ["x"]
  rule {
    port = 80
  }
}
resource "stktest_thing" "rep" {
  name  = "rep"
  force = "v1"
}
resource "stktest_thing" "del" {
  name = "del"
}
resource "stktest_thing" "gone" {
  name = "gone"
}
output "o" {
  value = stktest_thing.upd.name
}
EOF
run apply -auto-approve
sed -i 's/a = "1", b = "2"/a = "1", b = "3"/; s/force = "v1"/force = "v2"/; /^resource "stktest_thing" "del" {/,/^}/d' main.tf
cat >> main.tf <<'EOF'
resource "stktest_thing" "new" {
  name   = "new"
  secret = var.pw
  policy = jsonencode({ a = 1 })
  rule {
    port = 443
  }
}
output "n" {
  value = stktest_thing.new.id
}
EOF
rm "$(grep -l '"name": *"gone"' cloud/stktest_thing/*.json)"   # drift: deleted behind stk's back
run plan -out=p.plan
check '[ "$(rc)" = 0 ]' "plan -out: $(head -3 err.txt)"
sed '/^Saved the plan to:/,$d' out.txt | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > plan.txt
cp cloud/ops.log ops.before; cp cloud/reads.log reads.before 2>/dev/null || : > reads.before
run show p.plan
check '[ "$(rc)" = 0 ] && diff plan.txt out.txt >show.diff' "stk show p.plan prints what stk plan printed"
check 'grep -q "Note: Objects have changed outside of stk" out.txt && grep -q "# stktest_thing.gone has been deleted" out.txt' "show: the drift section"
check 'grep -q "  + resource \"stktest_thing\" \"new\" {" out.txt && grep -q "secret        = (sensitive value)" out.txt && grep -q "id            = (known after apply)" out.txt' "show: + create, (sensitive value), (known after apply)"
check 'grep -q "  ~ resource \"stktest_thing\" \"upd\" {" out.txt && grep -q "unchanged attributes hidden" out.txt && grep -q "unchanged block hidden" out.txt' "show: ~ update in-place, folded attributes and blocks"
check 'grep -q "^-/+ resource \"stktest_thing\" \"rep\" {" out.txt && grep -q "force         = \"v1\" -> \"v2\" # forces replacement" out.txt' "show: -/+ and # forces replacement"
check 'grep -q "  - resource \"stktest_thing\" \"del\" {" out.txt && grep -q "Plan: 3 to add, 1 to change, 2 to destroy." out.txt' "show: - destroy and the summary"
check 'grep -q "  + n = (known after apply)" out.txt' "show: output changes"
check '! grep -q hunter2-show out.txt' "show never prints a sensitive value"
check 'cmp -s ops.before cloud/ops.log && cmp -s reads.before <(cat cloud/reads.log 2>/dev/null)' "show reads nothing from the cloud"
mv .stk/default.db default.db.away
run show p.plan
check '[ "$(rc)" = 0 ] && diff plan.txt out.txt >/dev/null' "show needs the plan file (and its key), not the state"
mv default.db.away .stk/default.db
run show -no-color missing.plan
check '[ "$(rc)" = 1 ]' "show of a missing file fails"
run plan -refresh-only -out=r.plan
sed '/^Saved the plan to:/,$d' out.txt | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > plan.txt
run show r.plan
check 'diff plan.txt out.txt >/dev/null && grep -q "refresh-only plan" out.txt' "a refresh-only plan shows as planned"

# ---- 14. help ----
for c in plan apply destroy refresh show output taint untaint; do
  "$STK" $c -help >out.txt 2>&1
  check '[ $? = 0 ] && grep -q "Usage: stk '"$c"'" out.txt' "$c -help"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
