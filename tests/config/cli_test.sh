#!/usr/bin/env bash
# cli_test.sh - `stk validate` and `stk graph` end to end: exit codes, the
# rendered diagnostics (file:line:col, numbered source line, carets, no
# colour off a terminal), -json, -var, -help, and the StartTech example
# (validate passes; `stk graph | dot -Tsvg` draws it).
#   bash tests/config/cli_test.sh STK_BINARY SOURCE_ROOT
# Prints "N passed, N failed" like every test program.
set -u
STK=$1
ROOT=$2
pass=0
fail=0
check() {   # check NAME COMMAND...: the command must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name" >&2; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# a configuration with two independent errors
mkdir -p "$tmp/bad"
cat > "$tmp/bad/main.tf" <<'TF'
resource "aws_vpc" "main" {
  cidr_block = var.cidr
}

output "o" {
  value = local.nope
}
TF
(cd "$tmp/bad" && NO_COLOR= "$STK" validate > "$tmp/out" 2> "$tmp/err"); rc=$?
check "errors exit 1" test $rc -eq 1
check "error summary" grep -q '^Error: Reference to undeclared input variable$' "$tmp/err"
check "file:line:col and context" grep -qF '  on main.tf:2:16 (line 2), in resource "aws_vpc" "main":' "$tmp/err"
check "numbered source line" grep -qF '   2:   cidr_block = var.cidr' "$tmp/err"
check "carets under the range" grep -qxF '                     ^^^^^^^^' "$tmp/err"
check "second error too" grep -qF 'on main.tf:6:11 (line 6), in output "o":' "$tmp/err"
check "detail" grep -qF 'An input variable with the name "cidr" has not been declared.' "$tmp/err"
check "no colour when not a tty" bash -c "! grep -q $'\x1b' '$tmp/err'"
check "no success message" test ! -s "$tmp/out"

"$STK" validate -json "$tmp/bad" > "$tmp/json"; rc=$?
check "json exit 1" test $rc -eq 1
check "json document" python3 - "$tmp/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == "1.0" and d["valid"] is False
assert d["error_count"] == 2 and d["warning_count"] == 0
g = d["diagnostics"][0]
assert g["severity"] == "error" and g["summary"] == "Reference to undeclared input variable"
r = g["range"]
assert r["filename"].endswith("main.tf") and r["start"]["line"] == 2 and r["start"]["column"] == 16
assert r["end"]["column"] == 24 and r["start"]["byte"] == 43
s = g["snippet"]
assert s["context"] == 'resource "aws_vpc" "main"' and s["code"] == "  cidr_block = var.cidr"
assert s["start_line"] == 2 and s["highlight_start_offset"] == 15 and s["highlight_end_offset"] == 23
PY

# a valid configuration with a required variable
mkdir -p "$tmp/good"
cat > "$tmp/good/main.tf" <<'TF'
variable "azs" {
  type = list(string)
}
resource "aws_subnet" "s" {
  count             = length(var.azs)
  vpc_id            = "vpc-12345678"
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
}
TF
"$STK" validate "$tmp/good" > "$tmp/out" 2> "$tmp/err"; rc=$?
check "missing required variable exit 1" test $rc -eq 1
check "missing required variable message" grep -qF 'Error: No value for required variable' "$tmp/err"
"$STK" validate -var 'azs=["a","b"]' "$tmp/good" > "$tmp/out" 2> "$tmp/err"; rc=$?
check "-var makes it valid" test $rc -eq 0
check "success message" grep -qxF 'Success! The configuration is valid.' "$tmp/out"
TF_VAR_azs='["a"]' "$STK" validate "$tmp/good" > /dev/null 2>&1
check "TF_VAR_ env" test $? -eq 0
"$STK" validate -var 'nope=1' -var 'azs=[]' "$tmp/good" > /dev/null 2> "$tmp/err"; rc=$?
check "undeclared -var is an error" test $rc -eq 1
check "undeclared -var message" grep -qF 'Error: Value for undeclared variable' "$tmp/err"
"$STK" validate -json -var 'azs=[]' "$tmp/good" > "$tmp/json"
check "json valid" python3 -c "import json,sys; d=json.load(open('$tmp/json')); assert d['valid'] and d['error_count']==0"

check "validate -help" bash -c "'$STK' validate -help | grep -q 'Usage: stk validate'"
check "graph -help" bash -c "'$STK' graph -help | grep -q 'Usage: stk graph'"
"$STK" graph -type=apply "$tmp/good" > /dev/null 2>&1
check "graph -type=apply not yet" test $? -eq 1
"$STK" graph -type=plan "$tmp/good" > "$tmp/dot" 2>/dev/null
check "graph -type=plan" grep -q '"aws_subnet.s" -> "var.azs"' "$tmp/dot"
"$STK" graph -instances -var 'azs=["a","b","c"]' "$tmp/good" > "$tmp/dot" 2>/dev/null
check "graph -instances expands count" grep -q '"aws_subnet.s\[2\]" \[label' "$tmp/dot"
"$STK" graph "$tmp/bad" > /dev/null 2>&1
check "graph of a broken configuration fails" test $? -eq 1

# a cycle is reported with every position
mkdir -p "$tmp/cycle"
printf 'locals {\n  a = local.b\n  b = local.a\n}\n' > "$tmp/cycle/main.tf"
"$STK" validate -no-color "$tmp/cycle" 2> "$tmp/err"; rc=$?
check "cycle exit 1" test $rc -eq 1
check "cycle message" grep -qF "Error: Cycle: local.a ($tmp/cycle/main.tf:2,3), local.b ($tmp/cycle/main.tf:3,3)" "$tmp/err"

# warnings alone keep the configuration valid
mkdir -p "$tmp/warn"
printf 'check "c" {\n  assert {\n    condition     = true\n    error_message = "x"\n  }\n}\n' > "$tmp/warn/main.tf"
"$STK" validate "$tmp/warn" > "$tmp/out" 2> "$tmp/err"; rc=$?
check "warnings exit 0" test $rc -eq 0
check "warning rendered" grep -qF 'Warning: Check blocks are not yet supported' "$tmp/err"
check "success with warnings" grep -qF 'Success! The configuration is valid, but there were some validation warnings as shown above.' "$tmp/out"
"$STK" validate -json "$tmp/warn" > "$tmp/json"
check "json warning" python3 -c "import json; d=json.load(open('$tmp/json')); assert d['valid'] and d['warning_count']==1 and d['diagnostics'][0]['severity']=='warning'"

# the StartTech example
ST=$ROOT/examples/starttech
if [ -d "$ST" ]; then
  "$STK" validate "$ST" > "$tmp/out" 2> "$tmp/err"; rc=$?
  [ $rc -eq 0 ] || cat "$tmp/err" >&2
  check "starttech validates" test $rc -eq 0
  "$STK" graph "$ST" > "$tmp/st.dot"
  check "starttech graph" test $? -eq 0
  if command -v dot > /dev/null; then
    dot -Tsvg "$tmp/st.dot" > "$tmp/st.svg"
    check "starttech graph renders with dot" grep -q '<svg' "$tmp/st.svg"
  fi
  check "starttech graph has module clusters" grep -q 'subgraph "cluster_module\.' "$tmp/st.dot"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
