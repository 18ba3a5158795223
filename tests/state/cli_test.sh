#!/bin/sh
# cli_test.sh - end-to-end test of `stk state`, `stk workspace` and
# `stk force-unlock` against the built binary: import a real-looking
# terraform.tfstate, list/show/mv/rm/pull/push, history and restore, lock
# contention with a holder in another process (alive, then killed -9),
# -lock-timeout, force-unlock, workspaces.
#
# The binary: $STK_BIN, else the newest ./build*/stk of the repository.
# Prints "N passed, N failed"; exits 1 when something failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fixture="$here/fixtures/terraform.tfstate"
if [ -n "${STK_BIN:-}" ]; then
    stk=$STK_BIN
else
    stk=$(ls -t "$repo"/build*/stk 2>/dev/null | head -n 1)
fi
case "$stk" in /*) ;; *) stk="$PWD/$stk" ;; esac
if [ ! -x "$stk" ]; then
    echo "cli_test.sh: no stk binary (set STK_BIN or build into ./build*/)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
work=$(mktemp -d /tmp/stk-cli-XXXXXX)
holder_pid=
cleanup() {
    [ -n "$holder_pid" ] && kill -9 "$holder_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
unset STK_WORKSPACE

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# run CMD...: sets $out, $err, $rc
run() {
    "$@" >"$work/.out" 2>"$work/.err"
    rc=$?
    out=$(cat "$work/.out")
    err=$(cat "$work/.err")
}
expect_rc() { # name want
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, want $2; stderr: $err"; fi
}
expect_out() { # name substring
    case "$out" in *"$2"*) ok ;; *) bad "$1: stdout lacks \"$2\": $out" ;; esac
}
expect_err() { # name substring
    case "$err" in *"$2"*) ok ;; *) bad "$1: stderr lacks \"$2\": $err" ;; esac
}
expect_no() { # name substring (in stdout+stderr)
    case "$out$err" in *"$2"*) bad "$1: output should not contain \"$2\"" ;; *) ok ;; esac
}
lines() { printf '%s\n' "$out" | grep -c . ; }

# holder OPERATION [SECONDS]: another process holds the lock of the default
# workspace the way stk does (flock on .stk/default.lock + the JSON info).
holder() {
    mkdir -p .stk
    python3 - "$1" "${2:-600}" <<'EOF' &
import fcntl, json, os, sys, time
op, secs = sys.argv[1], float(sys.argv[2])
fd = os.open('.stk/default.lock', os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
info = {"ID": "11111111-2222-4333-8444-%012d" % os.getpid(), "Operation": op, "Info": "",
        "Who": "alice@build-host", "Version": "0.1.0", "Created": "2026-01-01T00:00:00Z",
        "Path": ".stk/default.db", "Pid": os.getpid()}
with open('.stk/default.lock.info.tmp', 'w') as f:
    json.dump(info, f)
os.rename('.stk/default.lock.info.tmp', '.stk/default.lock.info')
open('.stk/holder.ready', 'w').close()
time.sleep(secs)
os.unlink('.stk/default.lock.info')
fcntl.flock(fd, fcntl.LOCK_UN)
EOF
    holder_pid=$!
    i=0
    while [ ! -f .stk/holder.ready ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    rm -f .stk/holder.ready
}

# ---- help and usage errors ---------------------------------------------------
run "$stk" state -help;                expect_rc "state -help" 0; expect_out "state -help" "import-tfstate"
run "$stk" state;                      expect_rc "state without subcommand" 1
run "$stk" state frobnicate;           expect_rc "unknown subcommand" 1; expect_err "unknown subcommand" "frobnicate"
run "$stk" state mv onlyone;           expect_rc "mv with one address" 1
run "$stk" state show;                 expect_rc "show without address" 1
run "$stk" state list -bogus;          expect_rc "unknown option" 1
run "$stk" workspace -help;            expect_rc "workspace -help" 0
run "$stk" force-unlock -help;         expect_rc "force-unlock -help" 0

# ---- an empty state ------------------------------------------------------------
run "$stk" workspace show;             expect_rc "workspace show" 0; expect_out "workspace show" "default"
run "$stk" state list;                 expect_rc "list empty" 0
[ -z "$out" ] && ok || bad "empty state lists nothing: $out"
mode=$(stat -c %a .stk/default.db 2>/dev/null)
[ "$mode" = "600" ] && ok || bad "database mode is $mode, want 600"

# ---- import-tfstate ----------------------------------------------------------------
run "$stk" state import-tfstate "$fixture"
expect_rc "import-tfstate" 0; expect_out "import-tfstate" "11 resource instance object(s) and 4 output(s); serial 42"
run "$stk" state import-tfstate "$fixture"
expect_rc "import-tfstate into a non-empty state" 1; expect_err "import-tfstate non-empty" "not empty"
run "$stk" state list;                 expect_rc "list" 0
[ "$(lines)" -eq 10 ] && ok || bad "list shows 10 instances, got $(lines): $out"
expect_out "list" 'module.network.module.flow_logs["eu"].aws_cloudwatch_log_group.this'
run "$stk" state list module.network;  [ "$(lines)" -eq 4 ] && ok || bad "list module.network: $out"
run "$stk" state list aws_s3_bucket.b; [ "$(lines)" -eq 2 ] && ok || bad "list aws_s3_bucket.b: $out"
run "$stk" state list -id=vpc-0abc;    [ "$out" = "module.network.aws_vpc.this" ] && ok || bad "list -id: $out"

# ---- show ---------------------------------------------------------------------------------
run "$stk" state show aws_db_instance.main
expect_rc "show" 0
expect_out "show header" "# aws_db_instance.main:"
expect_out "show block" 'resource "aws_db_instance" "main" {'
expect_out "show attr" 'identifier = "starttech-db"'
expect_out "show sensitive" 'password   = (sensitive value)'
expect_out "show sensitive map element" '"secret" = (sensitive value)'
expect_no "show hides secrets" "s3cr3t"
expect_no "show hides secrets in maps" "hunter2"
run "$stk" state show -show-sensitive aws_db_instance.main
expect_out "show -show-sensitive" '"s3cr3t-Pa55"'
run "$stk" state show 'aws_instance.web'
expect_out "show deposed" "(deposed object a1b2c3d4)"
run "$stk" state show 'aws_s3_bucket.b["logs"]'
expect_out "show tainted" '# aws_s3_bucket.b["logs"]: (tainted)'
run "$stk" state show data.aws_availability_zones.available
expect_out "show data source" 'data "aws_availability_zones" "available" {'
run "$stk" state show aws_vpc.nothing
expect_rc "show missing" 1; expect_err "show missing" "No instance found"

# ---- pull: semantically equal to the imported file -----------------------------------------
run "$stk" state pull
expect_rc "pull" 0
printf '%s\n' "$out" > pulled.json
if python3 - "$fixture" pulled.json <<'EOF'
import json, sys
def norm(d):
    for r in d.get("resources", []):
        r["instances"].sort(key=lambda i: (json.dumps(i.get("index_key")), i.get("deposed", "")))
    d["resources"].sort(key=lambda r: (r.get("module", ""), r["mode"], r["type"], r["name"]))
    return d
a, b = (norm(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
EOF
then ok; else bad "pull differs from the imported terraform.tfstate"; fi

# ---- mv, rm, history, show -serial, restore ----------------------------------------------------
run "$stk" state mv aws_security_group.db aws_security_group.database
expect_rc "mv" 0; expect_out "mv" 'Move "aws_security_group.db" to "aws_security_group.database"'
run "$stk" state mv module.network module.net
expect_rc "mv module" 0; expect_out "mv module" "Successfully moved 4 object(s)"
run "$stk" state mv aws_s3_bucket.b aws_instance.b
expect_rc "mv changing type" 1
run "$stk" state rm 'aws_s3_bucket.b["logs"]'
expect_rc "rm" 0; expect_out "rm" 'Removed aws_s3_bucket.b["logs"]'
run "$stk" state rm aws_vpc.nothing
expect_rc "rm missing" 1; expect_err "rm missing" "No matching objects"
run "$stk" state list
[ "$(lines)" -eq 9 ] && ok || bad "after rm: $out"
expect_out "after mv" "aws_security_group.database"
expect_out "after module mv" "module.net.aws_vpc.this"
run "$stk" state history
expect_rc "history" 0
expect_out "history import" "stk state import-tfstate"
expect_out "history mv" "stk state mv aws_security_group.db aws_security_group.database"
expect_out "history rm" "stk state rm"
expect_out "history who" "@"
run "$stk" state show -serial=42 aws_security_group.db
expect_rc "show -serial" 0; expect_out "show -serial" "sg-0db"
run "$stk" state show -serial 42
expect_out "show -serial lists" "# state at serial 42"
expect_out "show -serial lists" 'aws_s3_bucket.b["logs"]'
run "$stk" state show -serial=999 aws_security_group.db
expect_rc "show unknown serial" 1; expect_err "show unknown serial" "no serial 999"
run "$stk" state restore -serial=42
expect_rc "restore" 0; expect_out "restore" "Restored the state of serial 42 as serial 46"
run "$stk" state list
[ "$(lines)" -eq 10 ] && ok || bad "after restore: $out"
expect_out "restore brings back" "aws_security_group.db"

# ---- push ----------------------------------------------------------------------------------------
"$stk" state pull > current.json
sed 's/"lineage": "[^"]*"/"lineage": "00000000-0000-4000-8000-000000000000"/' current.json > foreign.json
run "$stk" state push foreign.json
expect_rc "push foreign lineage" 1; expect_err "push foreign lineage" "lineage"
sed 's/"serial": [0-9]*/"serial": 3/' current.json > old.json
run "$stk" state push old.json
expect_rc "push older serial" 1; expect_err "push older serial" "older"
run "$stk" state push -force old.json
expect_rc "push -force" 0
run "$stk" state push - < current.json
expect_rc "push from stdin" 1   # serial 46 < 47 now
run "$stk" state pull
case "$out" in *'"serial": 47'*) ok ;; *) bad "serial after push -force should be 47" ;; esac

# ---- locking ----------------------------------------------------------------------------------------
holder "OperationTypeApply"
run "$stk" state rm aws_security_group.db
expect_rc "locked rm" 1
expect_err "locked rm" "Error acquiring the state lock"
expect_err "locked rm names who" "alice@build-host"
expect_err "locked rm names operation" "OperationTypeApply"
expect_err "locked rm names id" "11111111-2222-4333-8444-"
lock_id=$(python3 -c "import json; print(json.load(open('.stk/default.lock.info'))['ID'])")
run "$stk" force-unlock -force "$lock_id"
expect_rc "force-unlock of a live holder" 1; expect_err "force-unlock live" "still running"
run "$stk" state list
expect_rc "read-only commands do not wait for the lock" 0
kill -9 "$holder_pid"; wait "$holder_pid" 2>/dev/null; holder_pid=
run "$stk" force-unlock -force wrong-id
expect_rc "force-unlock wrong id" 1; expect_err "force-unlock wrong id" "does not match"
run "$stk" force-unlock -force "$lock_id"
expect_rc "force-unlock after kill -9" 0; expect_out "force-unlock" "successfully unlocked"
[ ! -f .stk/default.lock.info ] && ok || bad "force-unlock left the lock info"
# a killed holder is detected and taken over, with a warning
holder "OperationTypeApply"
kill -9 "$holder_pid"; wait "$holder_pid" 2>/dev/null; holder_pid=
run "$stk" state rm aws_security_group.db
expect_rc "rm after a dead holder" 0
expect_err "stale lock reported" "stale state lock"
expect_err "stale lock names holder" "alice@build-host"
# -lock-timeout waits for a holder that finishes
holder "OperationTypePlan" 1
run "$stk" state rm -lock-timeout=10s aws_instance.web
expect_rc "rm with -lock-timeout" 0
wait "$holder_pid" 2>/dev/null; holder_pid=
run "$stk" state rm -lock-timeout=bogus aws_instance.web
expect_rc "bad -lock-timeout" 1
[ ! -f .stk/default.lock.info ] && ok || bad "lock info left behind after commands"

# ---- journal warnings -----------------------------------------------------------------------------
python3 - <<'EOF'
import sqlite3
db = sqlite3.connect('.stk/default.db')
db.execute("INSERT INTO journal(address, action, info, status, started_at) VALUES('aws_vpc.half', 'create', '{\"token\":\"t\"}', 'pending', '2026-01-01T00:00:00Z')")
db.commit()
EOF
run "$stk" state list
expect_err "pending intents are reported" "Interrupted operations"
expect_err "pending intent named" "create aws_vpc.half"
# what a later recovery did is listed by `state history`
python3 - <<'EOF'
import sqlite3
db = sqlite3.connect('.stk/default.db')
db.execute("UPDATE journal SET status='adopted', recovered=1, finished_at='2026-01-01T00:00:05Z', note='aws_vpc.half: the create was interrupted; found the object by its idempotency token (id vpc-9) and adopted it into the state' WHERE address='aws_vpc.half'")
db.commit()
EOF
run "$stk" state history
expect_out "history lists recoveries" "Recovered interrupted operations"
expect_out "history recovery note" "adopted it into the state"
expect_no "no pending warning after recovery" "Interrupted operations in the journal"

# ---- workspaces ----------------------------------------------------------------------------------------
run "$stk" workspace new staging
expect_rc "workspace new" 0; expect_out "workspace new" 'Created and switched to workspace "staging"'
run "$stk" workspace show;           expect_out "workspace show staging" "staging"
run "$stk" state list;               [ -z "$out" ] && ok || bad "new workspace is empty: $out"
run "$stk" workspace list;           expect_out "workspace list" "* staging"; expect_out "workspace list" "  default"
run "$stk" workspace new staging;    expect_rc "workspace new existing" 1
run "$stk" workspace new 'bad/name'; expect_rc "workspace bad name" 1
run "$stk" workspace delete staging; expect_rc "delete selected" 1
run "$stk" state import-tfstate "$fixture"; expect_rc "import into staging" 0
run "$stk" workspace select default; expect_rc "select default" 0
run "$stk" workspace delete staging; expect_rc "delete non-empty" 1; expect_err "delete non-empty" "not empty"
run "$stk" workspace delete -force staging; expect_rc "delete -force" 0
[ ! -f .stk/staging.db ] && ok || bad "staging.db still there"
run "$stk" workspace delete default; expect_rc "delete default" 1
run "$stk" workspace select nope;    expect_rc "select missing" 1
STK_WORKSPACE=ghost "$stk" state list >/dev/null 2>"$work/.err"; rc=$?; err=$(cat "$work/.err")
expect_rc "STK_WORKSPACE names a missing workspace" 1; expect_err "missing workspace" "ghost"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
