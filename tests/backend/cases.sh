# tests/backend/cases.sh - the S3 backend scenarios, run by moto_test.sh
# (moto for both S3 and DynamoDB) and npm_servers_test.sh (s3rver + dynalite).
# Sourced after tests/aws/lib.sh (check, check_eq, check_contains, report).
#
# The caller sets:
#   S3_URL, DDB_URL        endpoints of the servers (127.0.0.1)
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION (exported)
#   SERVER_NAME            for messages
#   HAS_BUCKET_SETTINGS    1 when the S3 server implements versioning,
#                          default encryption and public access blocks
#   HAS_CONDITIONAL_PUT    1 when the S3 server honours If-None-Match: *
#
# State-changing commands used: `stk state import-tfstate` (before init),
# `stk state rm`, `stk state restore --from` / `stk backend restore` (a new
# serial, uploaded) and the hidden
# `stk backend hold-lock SECONDS`, which takes the state lock exactly as a
# state-changing command does (remote lock + digest check) and sleeps, so a
# lock can be held, contended for and killed with SIGKILL.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -n "${STK_BIN:-}" ]; then STK=$STK_BIN; else STK=$(ls -t "$REPO"/build*/stk 2>/dev/null | head -n 1); fi
FIXTURE=$REPO/tests/state/fixtures/terraform.tfstate
BUCKET=stk-state-test
TABLE=stk-locks

# s3api against the S3 server
s3api() { "${STK_AWSCLI:-/usr/bin/aws}" --endpoint-url "$S3_URL" --region "$AWS_REGION" --output json "$@"; }

# mk_dir NAME [extra HCL lines for the backend block]: a configuration
# directory whose backend block uses a variable for the bucket name
mk_dir() {
    local d=$WORK/$1; shift
    mkdir -p "$d"
    {
        echo 'variable "state_bucket" { default = "'$BUCKET'" }'
        echo 'variable "pass" {'
        echo '  type    = string'
        echo '  default = null'
        echo '}'
        echo 'terraform {'
        echo '  backend "s3" {'
        echo '    bucket         = var.state_bucket'
        echo '    key            = "platform/terraform.tfstate"'
        echo '    region         = "eu-north-1"'
        echo '    encrypt        = true'
        echo "    endpoints      = { s3 = \"$S3_URL\", dynamodb = \"$DDB_URL\" }"
        for l in "$@"; do echo "    $l"; done
        echo '  }'
        echo '}'
    } >"$d/main.tf"
    echo "$d"
}

# run DIR CMD... : stk in DIR, output in $OUT, status in $RC
run() {
    local d=$1; shift
    OUT=$(cd "$d" && "$STK" "$@" 2>&1)
    RC=$?
}

wait_for_line() { # file text seconds
    local n=$(( $3 * 20 ))
    while ! grep -q "$2" "$1" 2>/dev/null; do
        n=$((n - 1)); [ $n -gt 0 ] || return 1
        sleep 0.05
    done
}

backend_cases() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/stk-backend.XXXXXX")
    local A B C D E F G out id pid start elapsed ver1

    echo "== [$SERVER_NAME] bootstrap"
    A=$(mk_dir a "dynamodb_table = \"$TABLE\"")
    run "$A" backend bootstrap
    if [ "$HAS_BUCKET_SETTINGS" = 1 ]; then
        check_eq "bootstrap succeeds" 0 "$RC"
        check_contains "bootstrap creates the bucket" "Created bucket $BUCKET in eu-north-1" "$OUT"
        check_contains "bootstrap enables versioning" "versioning: enabled" "$OUT"
        check_contains "bootstrap blocks public access" "public access: blocked" "$OUT"
        out=$(s3api s3api get-bucket-versioning --bucket $BUCKET --query Status --output text 2>&1)
        check_eq "bucket versioning is Enabled (read back)" "Enabled" "$out"
        out=$(s3api s3api get-public-access-block --bucket $BUCKET \
              --query 'PublicAccessBlockConfiguration.[BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets]' --output text 2>&1)
        check_eq "public access block all true (read back)" "True	True	True	True" "$out"
        out=$(s3api s3api get-bucket-encryption --bucket $BUCKET \
              --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm' --output text 2>&1)
        check_eq "default encryption AES256 (read back)" "AES256" "$out"
    else
        check_eq "bootstrap reports the server's missing bucket settings" 1 "$RC"
        check_contains "the unsupported call is named" "PutBucketVersioning" "$OUT"
    fi
    check_contains "bootstrap creates the lock table" "Created DynamoDB table $TABLE" "$OUT"
    out=$("${STK_AWSCLI:-/usr/bin/aws}" --endpoint-url "$DDB_URL" --region "$AWS_REGION" dynamodb describe-table \
          --table-name $TABLE --query 'Table.[KeySchema[0].AttributeName,KeySchema[0].KeyType]' --output text 2>&1)
    check_eq "lock table key is LockID HASH (read back)" "LockID	HASH" "$out"
    run "$A" backend bootstrap
    if [ "$HAS_BUCKET_SETTINGS" = 1 ]; then
        check_eq "second bootstrap succeeds" 0 "$RC"
        check_contains "second bootstrap changes nothing" "Everything already exists: nothing was changed." "$OUT"
    fi
    check_contains "second bootstrap: table already exists" "DynamoDB table $TABLE already exists." "$OUT"
    check_contains "second bootstrap: bucket already exists" "Bucket $BUCKET already exists." "$OUT"

    echo "== [$SERVER_NAME] init uploads the local state, encrypted server-side"
    run "$A" state import-tfstate "$FIXTURE"
    check_eq "import-tfstate (local) succeeds" 0 "$RC"
    run "$A" init
    check_eq "init succeeds" 0 "$RC"
    check_contains "init uploads the local state" "Uploaded the local state (serial 42" "$OUT"
    check_eq "backend.json is 0600" 600 "$(stat -c %a "$A/.stk/backend.json")"
    out=$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate 2>&1)
    check_contains "snapshot object carries stk-serial 42" '"stk-serial": "42"' "$out"
    if [ "$HAS_BUCKET_SETTINGS" = 1 ]; then
        check_contains "snapshot uploaded with ServerSideEncryption AES256" '"ServerSideEncryption": "AES256"' "$out"
    fi
    s3api s3 cp "s3://$BUCKET/platform/terraform.tfstate" "$WORK/snap1.db" >/dev/null 2>&1
    check_eq "the plain snapshot is a SQLite database" "SQLite format 3" "$(head -c 15 "$WORK/snap1.db")"
    item=$("${STK_AWSCLI:-/usr/bin/aws}" --endpoint-url "$DDB_URL" --region "$AWS_REGION" dynamodb get-item \
           --table-name $TABLE --key "{\"LockID\":{\"S\":\"$BUCKET/platform/terraform.tfstate-md5\"}}" \
           --query 'Item.[StkSerial.N,Digest.S]' --output text 2>&1)
    check_eq "digest item keeps serial 42 and the object's MD5" "42	$(md5sum <"$WORK/snap1.db" | cut -d' ' -f1)" "$item"

    echo "== [$SERVER_NAME] init in a fresh directory pulls the latest snapshot"
    B=$(mk_dir b "dynamodb_table = \"$TABLE\"")
    run "$B" init
    check_eq "fresh init succeeds" 0 "$RC"
    check_contains "fresh init pulls serial 42" "Pulled the latest state from s3://$BUCKET/platform/terraform.tfstate: serial 42" "$OUT"
    local la lb
    la=$(cd "$A" && "$STK" state list 2>&1); lb=$(cd "$B" && "$STK" state list 2>&1)
    check_eq "pulled state lists the same instances" "$la" "$lb"
    check_contains "pulled state has the fixture's instances" "aws_vpc" "$lb"
    run "$B" init
    check_contains "second init: up to date" "is up to date with the backend (serial 42)" "$OUT"

    echo "== [$SERVER_NAME] a state change from B is uploaded and makes A's copy stale"
    ver1=$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate --query VersionId --output text 2>/dev/null)
    run "$B" state rm aws_instance.web
    check_eq "state rm (a state change) in B succeeds" 0 "$RC"
    out=$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate 2>&1)
    check_contains "the change was uploaded (stk-serial 43)" '"stk-serial": "43"' "$out"
    run "$A" state rm aws_db_instance.main
    check_eq "a state change from the stale copy in A is refused" 1 "$RC"
    check_contains "stale copy: clear message" "Local state is stale" "$OUT"
    check_contains "stale copy: serials named" "serial 42 but the backend" "$OUT"
    check_contains "stale copy: nothing was changed in A" "aws_db_instance.main" "$(cd "$A" && "$STK" state list 2>&1)"
    run "$A" init
    check_contains "init in A pulls serial 43" "serial 43" "$OUT"
    out=$(cd "$A" && "$STK" state list 2>&1)
    check "A sees B's change after init" sh -c "! printf '%s' '$out' | grep -q aws_instance.web"
    run "$A" state rm aws_db_instance.main
    check_eq "after init, A changes state again" 0 "$RC"
    check_contains "and uploads serial 44" '"stk-serial": "44"' \
        "$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate 2>&1)"
    if [ "$HAS_BUCKET_SETTINGS" = 1 ] && [ -n "$ver1" ] && [ "$ver1" != None ]; then
        run "$A" state restore --from "s3://$BUCKET/platform/terraform.tfstate" --version-id "$ver1"
        check_eq "state restore --from --version-id (serial 42's object) succeeds" 0 "$RC"
        check_contains "restored as a new serial 45" "as serial 45" "$OUT"
        check_contains "the restored state is back" "aws_instance.web" "$(cd "$A" && "$STK" state list 2>&1)"
        check_contains "restore uploaded serial 45" '"stk-serial": "45"' \
            "$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate 2>&1)"
    else
        run "$A" backend restore --from "s3://$BUCKET/platform/terraform.tfstate"
        check_eq "backend restore --from (latest) succeeds" 0 "$RC"
        check_contains "restored as a new serial 45" "as serial 45" "$OUT"
    fi
    run "$B" init
    check_contains "B pulls serial 45" "serial 45" "$OUT"

    echo "== [$SERVER_NAME] a foreign local copy is detected"
    C=$(mk_dir c "dynamodb_table = \"$TABLE\"")
    sed 's/"lineage": "[^"]*"/"lineage": "00000000-1111-2222-3333-444444444444"/' "$FIXTURE" >"$WORK/foreign.tfstate"
    run "$C" state import-tfstate "$WORK/foreign.tfstate"
    run "$C" init
    check_eq "init with a foreign local state fails" 1 "$RC"
    check_contains "foreign: names both lineages" "00000000-1111-2222-3333-444444444444" "$OUT"
    check_contains "foreign: says what to do" "stk init -reconfigure" "$OUT"
    run "$C" init -reconfigure
    check_eq "init -reconfigure takes the backend's state" 0 "$RC"
    check_contains "reconfigure keeps the old copy" "The previous local state is kept in ./.stk/default.db.42.bak" "$OUT"
    check "the .bak copy exists" test -s "$C/.stk/default.db.42.bak"

    echo "== [$SERVER_NAME] checksum mismatch (object changed behind the digest)"
    s3api s3 cp "s3://$BUCKET/platform/terraform.tfstate" "$WORK/latest.db" >/dev/null 2>&1
    printf 'not a state' >"$WORK/bogus"
    s3api s3 cp "$WORK/bogus" "s3://$BUCKET/platform/terraform.tfstate" >/dev/null 2>&1
    D=$(mk_dir d "dynamodb_table = \"$TABLE\"")
    run "$D" init
    check_eq "init refuses an object that does not match the digest" 1 "$RC"
    check_contains "mismatch: Terraform-style message" "does not have the expected content" "$OUT"
    s3api s3 cp "$WORK/latest.db" "s3://$BUCKET/platform/terraform.tfstate" >/dev/null 2>&1
    run "$D" init
    check_eq "with the right object back, init pulls" 0 "$RC"

    echo "== [$SERVER_NAME] lock contention on one DynamoDB table"
    (cd "$A" && exec "$STK" backend hold-lock 3 >"$WORK/h1.out" 2>&1) & local p1=$!
    (cd "$B" && exec "$STK" backend hold-lock 3 >"$WORK/h2.out" 2>&1) & local p2=$!
    wait $p1; local r1=$?
    wait $p2; local r2=$?
    check_eq "exactly one of two concurrent holders proceeds" 1 "$(( (r1 == 0) + (r2 == 0) ))"
    out=$(cat "$WORK/h1.out" "$WORK/h2.out")
    check_contains "the other gets Error acquiring the state lock" "Error acquiring the state lock" "$out"
    check_contains "the message names the holder (Who)" "Who:" "$out"
    id=$(grep -o 'lock [0-9a-f-]\{36\}' "$WORK/h1.out" "$WORK/h2.out" | head -1 | awk '{print $2}')
    check_contains "the message names the holder's lock ID" "ID:        $id" "$out"

    (cd "$A" && exec "$STK" backend hold-lock 3 >"$WORK/h3.out" 2>&1) & p1=$!
    wait_for_line "$WORK/h3.out" "Holding" 20
    start=$(date +%s)
    run "$B" backend hold-lock -lock-timeout=10s 1
    elapsed=$(( $(date +%s) - start ))
    wait $p1
    check_eq "-lock-timeout=10s waits for the holder, then proceeds" 0 "$RC"
    check "it did wait (>= 1s)" test "$elapsed" -ge 1

    (cd "$A" && exec "$STK" backend hold-lock 6 >"$WORK/h5.out" 2>&1) & p1=$!
    wait_for_line "$WORK/h5.out" "Holding" 20
    id=$(grep -o 'lock [0-9a-f-]\{36\}' "$WORK/h5.out" | awk '{print $2}')
    run "$B" state rm aws_security_group.db
    check_eq "state rm while another process holds the lock fails" 1 "$RC"
    check_contains "state rm names the holder's lock ID" "$id" "$OUT"
    check_contains "the failed state rm changed nothing" "aws_security_group.db" "$(cd "$B" && "$STK" state list 2>&1)"
    run "$B" state rm -lock-timeout=30s aws_security_group.db
    check_eq "state rm -lock-timeout=30s waits and proceeds" 0 "$RC"
    wait $p1
    run "$A" init
    check_contains "A pulls B's change" "Pulled the latest state" "$OUT"

    echo "== [$SERVER_NAME] a killed holder's lock stays until force-unlock"
    (cd "$A" && exec "$STK" backend hold-lock 120 >"$WORK/h4.out" 2>&1) & pid=$!
    wait_for_line "$WORK/h4.out" "Holding" 20
    id=$(grep -o 'lock [0-9a-f-]\{36\}' "$WORK/h4.out" | awk '{print $2}')
    kill -9 $pid; wait $pid 2>/dev/null
    run "$B" backend hold-lock 1
    check_eq "the dead holder's lock still blocks" 1 "$RC"
    check_contains "blocked: names the dead holder's ID" "$id" "$OUT"
    run "$B" force-unlock -force 00000000-0000-0000-0000-000000000000
    check_eq "force-unlock with a wrong ID refuses" 1 "$RC"
    run "$B" force-unlock -force "$id"
    check_eq "force-unlock -force LOCK_ID succeeds" 0 "$RC"
    run "$B" backend hold-lock 1
    check_eq "after force-unlock the lock can be taken" 0 "$RC"

    echo "== [$SERVER_NAME] workspaces use <workspace_key_prefix>/<name>/<key>"
    local etag0
    etag0=$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate --query ETag --output text 2>&1)
    run "$A" workspace new staging
    check_eq "workspace new staging" 0 "$RC"
    OUT=$(cd "$A" && STK_WORKSPACE=staging "$STK" state import-tfstate -force "$FIXTURE" 2>&1); RC=$?
    check_eq "a state change in workspace staging succeeds" 0 "$RC"
    out=$(s3api s3api head-object --bucket $BUCKET --key "env:/staging/platform/terraform.tfstate" 2>&1)
    check_contains "uploaded to env:/staging/platform/terraform.tfstate" '"stk-serial": "42"' "$out"
    out=$(s3api s3api head-object --bucket $BUCKET --key platform/terraform.tfstate --query ETag --output text 2>&1)
    check_eq "the default workspace's object is untouched" "$etag0" "$out"
    run "$A" workspace select default
    run "$A" workspace delete -force staging
    check_eq "workspace delete staging" 0 "$RC"
    out=$(s3api s3api head-object --bucket $BUCKET --key "env:/staging/platform/terraform.tfstate" 2>&1)
    check_contains "workspace delete removes its state object" "Not Found" "$out"
    run "$A" workspace new staging
    OUT=$(cd "$A" && STK_WORKSPACE=staging "$STK" state import-tfstate -force "$WORK/foreign.tfstate" 2>&1); RC=$?
    check_eq "a new workspace of the same name starts clean (other lineage accepted)" 0 "$RC"
    run "$A" workspace select default

    echo "== [$SERVER_NAME] client-side encryption (passphrase)"
    E=$(mk_dir e "dynamodb_table = \"$TABLE\"" 'encryption_passphrase = var.pass')
    sed -i 's#platform/terraform.tfstate#secret/terraform.tfstate#' "$E/main.tf"
    (cd "$E" && "$STK" state import-tfstate "$FIXTURE" >/dev/null 2>&1)
    OUT=$(cd "$E" && TF_VAR_pass='correct horse battery staple' "$STK" init 2>&1); RC=$?
    check_eq "init with a passphrase uploads" 0 "$RC"
    check_contains "init reports client-side encryption" "AES-256-GCM, key from a passphrase" "$OUT"
    check "backend.json holds no passphrase" sh -c "! grep -q 'horse' '$E/.stk/backend.json'"
    s3api s3 cp "s3://$BUCKET/secret/terraform.tfstate" "$WORK/enc.bin" >/dev/null 2>&1
    check_eq "the object is stk ciphertext" "STKENC01" "$(head -c 8 "$WORK/enc.bin")"
    check "a reader without the key sees no SQLite and no state text" \
        sh -c "! grep -aq -e 'SQLite format' -e 'starttech' -e 'aws_vpc' '$WORK/enc.bin'"
    F=$(mk_dir f "dynamodb_table = \"$TABLE\"" 'encryption_passphrase = var.pass')
    sed -i 's#platform/terraform.tfstate#secret/terraform.tfstate#' "$F/main.tf"
    OUT=$(cd "$F" && TF_VAR_pass='wrong' "$STK" init 2>&1); RC=$?
    check_eq "a wrong passphrase cannot pull" 1 "$RC"
    check_contains "wrong key: clear error" "Cannot decrypt the state snapshot" "$OUT"
    OUT=$(cd "$F" && TF_VAR_pass='correct horse battery staple' "$STK" init 2>&1); RC=$?
    check_eq "the right passphrase pulls" 0 "$RC"
    check_contains "pulled and decrypted" "decrypted" "$OUT"
    OUT=$(cd "$F" && TF_VAR_pass='correct horse battery staple' "$STK" backend restore \
          --from "s3://$BUCKET/secret/terraform.tfstate" 2>&1); RC=$?
    check_eq "a later command re-reads the passphrase from the block" 0 "$RC"
    OUT=$(cd "$F" && "$STK" state rm aws_instance.web 2>&1); RC=$?
    check_eq "without the passphrase a state change is refused" 1 "$RC"
    check_contains "and says what is missing" "STK_BACKEND_ENCRYPTION_PASSPHRASE" "$OUT"
    check_contains "before changing anything" "aws_instance.web" "$(cd "$F" && "$STK" state list 2>&1)"

    if [ "$HAS_BUCKET_SETTINGS" = 1 ]; then
        echo "== [$SERVER_NAME] server-side encryption with a KMS key"
        local K kms
        kms=$(s3api kms create-key --query KeyMetadata.Arn --output text 2>&1)
        K=$(mk_dir k "kms_key_id = \"$kms\"")
        sed -i 's#platform/terraform.tfstate#kms/terraform.tfstate#' "$K/main.tf"
        (cd "$K" && "$STK" state import-tfstate "$FIXTURE" >/dev/null 2>&1)
        run "$K" init
        check_eq "init with kms_key_id uploads" 0 "$RC"
        check_contains "init reports aws:kms" "server-side encryption: aws:kms" "$OUT"
        out=$(s3api s3api head-object --bucket $BUCKET --key kms/terraform.tfstate 2>&1)
        check_contains "object encrypted with aws:kms" '"ServerSideEncryption": "aws:kms"' "$out"
        check_contains "object names the KMS key" "$kms" "$out"
    fi

    echo "== [$SERVER_NAME] client-side encryption (key file) and -backend-config layers"
    G=$(mk_dir g "dynamodb_table = \"$TABLE\"")
    head -c 32 /dev/urandom >"$WORK/state.key"
    printf 'key = "keyfile/terraform.tfstate"\nencryption_key_file = "%s"\n' "$WORK/state.key" >"$WORK/backend.hcl"
    (cd "$G" && "$STK" state import-tfstate "$FIXTURE" >/dev/null 2>&1)
    run "$G" init -backend-config="$WORK/backend.hcl" -backend-config=key=kf/terraform.tfstate
    check_eq "init with a key file and -backend-config layers" 0 "$RC"
    check_contains "a later -backend-config wins (key)" "s3://$BUCKET/kf/terraform.tfstate" "$OUT"
    s3api s3 cp "s3://$BUCKET/kf/terraform.tfstate" "$WORK/kf.bin" >/dev/null 2>&1
    check_eq "key-file object is stk ciphertext" "STKENC01" "$(head -c 8 "$WORK/kf.bin")"
    run "$G" backend restore --from "s3://$BUCKET/kf/terraform.tfstate"
    check_eq "the key file is used by later commands" 0 "$RC"

    if [ "$HAS_CONDITIONAL_PUT" = 1 ]; then
        echo "== [$SERVER_NAME] S3 lock file (use_lockfile = true, If-None-Match: *)"
        local H I
        H=$(mk_dir h 'use_lockfile = true')
        sed -i 's#platform/terraform.tfstate#lockfile/terraform.tfstate#' "$H/main.tf"
        I=$(mk_dir i 'use_lockfile = true')
        sed -i 's#platform/terraform.tfstate#lockfile/terraform.tfstate#' "$I/main.tf"
        run "$H" init
        run "$I" init
        (cd "$H" && exec "$STK" backend hold-lock 10 >"$WORK/l1.out" 2>&1) & p1=$!
        wait_for_line "$WORK/l1.out" "Holding" 20
        out=$(s3api s3 cp "s3://$BUCKET/lockfile/terraform.tfstate.tflock" - 2>&1)
        check_contains "the .tflock object holds the lock info" '"Operation":"backend hold-lock"' "$out"
        run "$I" backend hold-lock 1
        check_eq "a second holder is refused by the lock object" 1 "$RC"
        check_contains "refusal names the s3 lock and the holder" "s3 lock" "$OUT"
        run "$I" backend hold-lock -lock-timeout=30s 1
        check_eq "with -lock-timeout it proceeds after the holder" 0 "$RC"
        wait $p1
        out=$(s3api s3api head-object --bucket $BUCKET --key lockfile/terraform.tfstate.tflock 2>&1)
        check_contains "the lock object is removed on release" "Not Found" "$out"
    fi
    rm -rf "$WORK"
}
