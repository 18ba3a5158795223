#!/usr/bin/env bash
# noop_calls.sh - the API-call budget of a no-op plan of the whole StartTech
# stack, and refresh by batch still noticing changes made behind stk's back.
# Runs tests/bench/bench_noop_calls.sh (apply examples/starttech against
# moto, record the second plan with moto's recorder), then asserts:
#   - the second plan has no changes;
#   - it costs at most 6 API calls for every 5 resources in state (the
#     refresh reads by batch: about one call per resource; before batching
#     it was 76 calls for 50 resources);
#   - after deleting an alarm, a log group and a route table association
#     and changing a subnet's tag with the AWS CLI (all types that refresh
#     by batch), the plan recreates the three and updates the subnet;
#   - a second, wider stack (3 target groups, 2 listeners, 2 rules, 2
#     instances and their root volumes, 2 launch templates, 2 auto scaling
#     groups) costs one
#     Describe* per type on a no-op plan, and five of its objects deleted
#     behind stk's back are recreated.  About 2-3 minutes in all.
# Usage: tests/e2e/noop_calls.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
case $STK in /*) ;; *) STK=$PWD/$STK ;; esac
. "$ROOT/tests/aws/lib.sh"   # aws_start/awscli for part 2 (its check helpers are not used)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stk-noop-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/after.sh" <<'EOF'
# sourced by bench_noop_calls.sh in the applied work dir, moto still running
res() { "$STK" state show "$1" 2>/dev/null | sed -n "s/^ *$2 *= *\"\(.*\)\"$/\1/p" | head -1; }
assoc=$(res 'module.networking.aws_route_table_association.private_data[1]' id)
subnet=$(res 'module.networking.aws_subnet.public[0]' id)
{
    echo "assoc=$assoc subnet=$subnet"
    awscli cloudwatch delete-alarms --alarm-names starttech-prod-app-cpu-high && echo "deleted alarm"
    awscli logs delete-log-group --log-group-name "$(res 'module.monitoring.aws_cloudwatch_log_group.this["mongodb"]' name)" && echo "deleted log group"
    awscli ec2 disassociate-route-table --association-id "$assoc" && echo "deleted association"
    awscli ec2 create-tags --resources "$subnet" --tags Key=Name,Value=changed-behind-stk && echo "tagged subnet"
} > "$AFTER_DIR/behind.txt" 2>&1
"$STK" plan -input=false -detailed-exitcode > "$AFTER_DIR/drift-plan.txt" 2>&1
echo $? > "$AFTER_DIR/drift-rc"
EOF

export BENCH_NOOP_SUMMARY="$tmp/summary" BENCH_NOOP_AFTER="$tmp/after.sh" AFTER_DIR="$tmp"
bash "$ROOT/tests/bench/bench_noop_calls.sh" "$STK" > "$tmp/bench.txt" 2>&1
bench_rc=$?
tail -1 "$tmp/bench.txt"

pass=0 fail=0
t_eq() { # name want got
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: want [$2] got [$3]"; fi
}
t_has() { # name needle file
    if grep -qF -- "$2" "$3" 2>/dev/null; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL: $1: no [$2] in $3:"; head -40 "$3" 2>/dev/null; fi
}
t_eq "bench ran and the plan is a no-op" 0 "$bench_rc"
[ "$bench_rc" = 0 ] || cat "$tmp/bench.txt"
calls=$(sed -n 's/^calls //p' "$tmp/summary" 2>/dev/null)
resources=$(sed -n 's/^resources //p' "$tmp/summary" 2>/dev/null)
t_eq "StartTech state holds 50 resources" 50 "${resources:-none}"
if [ -n "$calls" ] && [ -n "$resources" ] && [ $((calls * 5)) -le $((resources * 6)) ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: no-op plan: $calls calls for $resources resources (budget 6 per 5)"
    cat "$tmp/bench.txt"
fi
t_has "alarm deleted behind stk's back" "deleted alarm" "$tmp/behind.txt"
t_has "log group deleted behind stk's back" "deleted log group" "$tmp/behind.txt"
t_has "association deleted behind stk's back" "deleted association" "$tmp/behind.txt"
t_has "subnet tag changed behind stk's back" "tagged subnet" "$tmp/behind.txt"
t_eq "plan after changes behind stk's back exits 2" 2 "$(cat "$tmp/drift-rc" 2>/dev/null)"
t_has "alarm recreated" 'module.monitoring.aws_cloudwatch_metric_alarm.this["app-cpu-high"] will be created' "$tmp/drift-plan.txt"
t_has "log group recreated" 'module.monitoring.aws_cloudwatch_log_group.this["mongodb"] will be created' "$tmp/drift-plan.txt"
t_has "association recreated" 'module.networking.aws_route_table_association.private_data[1] will be created' "$tmp/drift-plan.txt"
t_has "subnet tag restored in place" 'module.networking.aws_subnet.public[0] will be updated in-place' "$tmp/drift-plan.txt"
t_has "plan summary" "Plan: 3 to add, 1 to change, 0 to destroy." "$tmp/drift-plan.txt"

# ---- part 2: several objects of the types that batch by id list (elbv2
# target groups, listeners, rules; instances; launch templates; auto
# scaling groups): one Describe* each on a no-op plan, and objects deleted
# behind stk's back are still found gone (elbv2 answers a whole list with
# TargetGroupNotFound when one is missing: those are then read one by one)
export MOTO_ENABLE_RECORDING=true MOTO_RECORDER_FILEPATH="$tmp/rec2.jsonl"
aws_start || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
trap 'aws_stop; rm -rf "$tmp"' EXIT
export STK_WAITER_DELAY_SCALE=0.01 NO_COLOR=1
mkdir -p "$tmp/wide" && cd "$tmp/wide" || exit 1
cat > main.tf <<'TF'
provider "aws" {
  region = "eu-north-1"
}
data "aws_availability_zones" "az" {
  state = "available"
}
data "aws_ami" "al2" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}
resource "aws_subnet" "s" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.30.${count.index}.0/24"
  availability_zone = data.aws_availability_zones.az.names[count.index]
}
resource "aws_lb" "app" {
  name               = "nc-alb"
  load_balancer_type = "application"
  subnets            = aws_subnet.s[*].id
}
resource "aws_lb_target_group" "tg" {
  count    = 3
  name     = "nc-tg-${count.index}"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
  # no health_check block: AWS's defaults must not show as a diff
}
resource "aws_lb_listener" "l" {
  count             = 2
  load_balancer_arn = aws_lb.app.arn
  port              = 80 + count.index
  protocol          = "HTTP"
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
    }
  }
}
resource "aws_lb_listener_rule" "r" {
  count        = 2
  listener_arn = aws_lb_listener.l[0].arn
  priority     = 10 + count.index
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tg[count.index].arn
  }
  condition {
    path_pattern {
      values = ["/r${count.index}/*"]
    }
  }
}
resource "aws_launch_template" "lt" {
  count         = 2
  name          = "nc-lt-${count.index}"
  image_id      = data.aws_ami.al2.id
  instance_type = "t3.micro"
}
resource "aws_instance" "i" {
  count         = 2
  ami           = data.aws_ami.al2.id
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.s[0].id
  root_block_device {   # without it, a perpetual diff (aws_instance's block is not Optional+Computed yet)
    volume_size = 8
    volume_type = "gp2"
  }
}
resource "aws_autoscaling_group" "g" {
  count               = 2
  name                = "nc-asg-${count.index}"
  min_size            = 0
  max_size            = 1
  desired_capacity    = 0
  vpc_zone_identifier = aws_subnet.s[*].id
  launch_template {
    id      = aws_launch_template.lt[0].id
    version = "$Latest"
  }
}
TF
curl -s -X POST "$MOTO_URL/moto-api/recorder/stop-recording" >/dev/null
"$STK" apply -auto-approve -input=false > apply.txt 2>&1
t_eq "wide stack applies" 0 $?
grep -q "Apply complete" apply.txt || tail -20 apply.txt
curl -s -X POST "$MOTO_URL/moto-api/recorder/reset-recording" >/dev/null
curl -s -X POST "$MOTO_URL/moto-api/recorder/start-recording" >/dev/null
"$STK" plan -detailed-exitcode -input=false > plan.txt 2>&1
rc=$?
t_eq "wide stack: no-op plan exits 0" 0 "$rc"
[ "$rc" = 0 ] || grep -B2 -A12 "will be\|must be" plan.txt | head -60
curl -s -X POST "$MOTO_URL/moto-api/recorder/stop-recording" >/dev/null
curl -s "$MOTO_URL/moto-api/recorder/download-recording" > rec.jsonl
ops=$(python3 - rec.jsonl <<'PY'
import base64, collections, json, sys, urllib.parse
c = collections.Counter()
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    r = json.loads(line)
    body = r.get("body") or ""
    if r.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(r["url"]).query)
    q.update(urllib.parse.parse_qs(body))
    c[q.get("Action", ["?"])[0]] += 1
for k, v in sorted(c.items()):
    print(k, v)
PY
)
count_of() { echo "$ops" | awk -v k="$1" '$1==k {print $2}'; }
for op in DescribeTargetGroups DescribeListeners DescribeRules DescribeInstances DescribeVolumes \
          DescribeLaunchTemplates DescribeAutoScalingGroups DescribeSubnets DescribeTags; do
    t_eq "wide stack: one $op for all" 1 "$(count_of $op)"
done
tg2=$("$STK" state show 'aws_lb_target_group.tg[2]' 2>/dev/null | sed -n 's/^ *arn *= *"\(.*\)"$/\1/p' | head -1)
i1=$("$STK" state show 'aws_instance.i[1]' 2>/dev/null | sed -n 's/^ *id *= *"\(.*\)"$/\1/p' | head -1)
lt1=$("$STK" state show 'aws_launch_template.lt[1]' 2>/dev/null | sed -n 's/^ *id *= *"\(.*\)"$/\1/p' | head -1)
r1=$("$STK" state show 'aws_lb_listener_rule.r[1]' 2>/dev/null | sed -n 's/^ *arn *= *"\(.*\)"$/\1/p' | head -1)
{
    awscli elbv2 delete-rule --rule-arn "$r1" && echo "deleted rule"
    awscli elbv2 delete-target-group --target-group-arn "$tg2" && echo "deleted target group"
    awscli ec2 terminate-instances --instance-ids "$i1" >/dev/null && echo "terminated instance"
    awscli ec2 delete-launch-template --launch-template-id "$lt1" >/dev/null && echo "deleted launch template"
    awscli autoscaling delete-auto-scaling-group --auto-scaling-group-name nc-asg-1 --force-delete && echo "deleted asg"
} > behind2.txt 2>&1
t_eq "wide stack: five objects removed behind stk's back" 5 "$(grep -c '^\(deleted\|terminated\)' behind2.txt)"
"$STK" plan -detailed-exitcode -input=false > plan2.txt 2>&1
t_eq "wide stack: plan after deletions exits 2" 2 $?
for a in 'aws_lb_listener_rule.r[1]' 'aws_lb_target_group.tg[2]' 'aws_instance.i[1]' 'aws_launch_template.lt[1]' \
         'aws_autoscaling_group.g[1]'; do
    t_has "wide stack: $a recreated" "$a will be created" "$tmp/wide/plan2.txt"
done
t_has "wide stack: plan summary" "Plan: 5 to add, 0 to change, 0 to destroy." "$tmp/wide/plan2.txt"
grep -q "Plan: 5 to add, 0 to change" plan2.txt || grep -B2 -A12 "will be updated\|must be replaced\|will be destroyed" plan2.txt | head -60

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
