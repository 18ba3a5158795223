#!/usr/bin/env bash
# aws_storage.sh - the S3 and CloudFront resource types against moto: starts
# the local AWS (tests/aws/lib.sh, slow mode so waiters see pending states)
# and
#   1. runs the CRUD program tests/e2e/aws_storage_test.c built beside stk
#      (create / read / update / import / delete of each type, awscli checks);
#   2. when the stk binary has `plan`: applies the StartTech storage module
#      (examples/starttech/modules/storage) plus versioning, encryption,
#      ownership controls and an OAI; a second `plan -detailed-exitcode`
#      must exit 0 (no perpetual diff) and cost few API calls (moto's request
#      recorder); a tag change updates in place; a bucket policy deleted
#      behind stk's back is recreated; destroy leaves nothing in moto;
#   3. a second configuration with the other shapes (bucket_prefix, website
#      routing rules, custom and OAI origins, forwarded_values, ordered
#      behaviours, an ACM certificate): apply, no diff, destroy.
# Usage: tests/e2e/aws_storage.sh [path/to/stk]   (default: $STK_BIN, else build/stk)
# Prints "N passed, N failed"; exits 1 when anything failed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STK=${1:-${STK_BIN:-$ROOT/build/stk}}
case $STK in /*) ;; *) STK=$PWD/$STK ;; esac
PROG=$(dirname "$STK")/tests/test_aws_storage
[ -x "$PROG" ] || { echo "aws_storage.sh: no $PROG (build first)" >&2; echo "0 passed, 1 failed"; exit 1; }
[ -x /usr/bin/aws ] || { echo "aws_storage.sh: no /usr/bin/aws" >&2; echo "0 passed, 1 failed"; exit 1; }
. "$ROOT/tests/aws/lib.sh"
export MOTO_ENABLE_RECORDING=true
aws_start --slow 2 || { echo "0 passed, 1 failed"; exit 1; }
export STK_WAITER_DELAY_SCALE=0.01

# ---- 1. the CRUD program
out=$("$PROG" 2>&1)
printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed' | sed 's/^/  /'
line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
if [ -n "$line" ]; then
    STK_PASS=$((STK_PASS + $(grep -oE '^[0-9]+' <<<"$line")))
    STK_FAIL=$((STK_FAIL + $(grep -oE '[0-9]+ failed' <<<"$line" | cut -d' ' -f1)))
    echo "ok   CRUD program: $line"
else
    STK_FAIL=$((STK_FAIL + 1)); echo "FAIL CRUD program gave no summary"
fi

# ---- 2. plan / apply / plan / destroy with the stk binary
if ! "$STK" plan -help >/dev/null 2>&1; then
    echo "skip plan/apply: $STK has no plan command"
    report
    exit $?
fi
W=$STK_AWS_TMP/storage
mkdir -p "$W/modules"
cp -r "$ROOT/examples/starttech/modules/storage" "$W/modules/"
write_config() {   # $1: the Project default tag
    cat >"$W/main.tf" <<EOF
provider "aws" {
  region = "eu-north-1"
  default_tags {
    tags = { Project = "$1" }
  }
}

module "storage" {
  source      = "./modules/storage"
  name_prefix = "stk"
  account_id  = "123456789012"
}

resource "aws_s3_bucket_versioning" "frontend" {
  bucket = module.storage.bucket_name
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "frontend" {
  bucket = module.storage.bucket_name
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "frontend" {
  bucket = module.storage.bucket_name
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_cloudfront_origin_access_identity" "legacy" {
  comment = "legacy"
}

output "cdn" {
  value = module.storage.cloudfront_domain_name
}
output "oai_path" {
  value = aws_cloudfront_origin_access_identity.legacy.cloudfront_access_identity_path
}
EOF
}
write_config one
cd "$W" || exit 1
B=stk-frontend-123456789012
check "stk apply" "$STK" apply -auto-approve -input=false -no-color
check "bucket exists" awscli s3api head-bucket --bucket $B
check_eq "bucket tagged with default_tags" one \
    "$(awscli s3api get-bucket-tagging --bucket $B --query 'TagSet[?Key==`Project`].Value | [0]' --output text)"
check_eq "versioning on" Enabled "$(awscli s3api get-bucket-versioning --bucket $B --query Status --output text)"
check_eq "public access blocked" True \
    "$(awscli s3api get-public-access-block --bucket $B --query PublicAccessBlockConfiguration.BlockPublicPolicy --output text)"
DIST=$(awscli cloudfront list-distributions --query 'DistributionList.Items[0].Id' --output text)
check_contains "distribution uses the OAC" "Id" \
    "$(awscli cloudfront get-distribution-config --id "$DIST" --query 'DistributionConfig.Origins.Items[0].OriginAccessControlId' --output text | sed 's/^[A-Z0-9]\{5,\}$/Id/')"
check_contains "bucket policy names the distribution" "$DIST" "$(awscli s3api get-bucket-policy --bucket $B --output text)"

# a no-op plan: exit 0, and the number of API calls it makes
curl -s -X POST "$MOTO_URL/moto-api/recorder/reset-recording" >/dev/null
curl -s -X POST "$MOTO_URL/moto-api/recorder/start-recording" >/dev/null
check "second plan shows no changes (-detailed-exitcode 0)" "$STK" plan -detailed-exitcode -input=false -no-color
curl -s -X POST "$MOTO_URL/moto-api/recorder/stop-recording" >/dev/null
calls=$(curl -s "$MOTO_URL/moto-api/recorder/download-recording" | grep -c .)
echo "     no-op plan of 9 storage resources: $calls API calls (moto recorder)"
check "no-op plan costs at most 2 calls per resource (got $calls)" test "$calls" -le 18

# a default tag change updates in place
write_config two
plan=$("$STK" plan -no-color -input=false 2>&1)
check_contains "tag change is an update" "0 to add, 2 to change, 0 to destroy" "$plan"
check "apply tag change" "$STK" apply -auto-approve -input=false -no-color
check_eq "bucket tag updated" two \
    "$(awscli s3api get-bucket-tagging --bucket $B --query 'TagSet[?Key==`Project`].Value | [0]' --output text)"
check "plan after tag change is empty" "$STK" plan -detailed-exitcode -input=false -no-color

# deleted behind stk's back: recreated
awscli s3api delete-bucket-policy --bucket $B >/dev/null 2>&1
plan=$("$STK" plan -no-color -input=false 2>&1)
check_contains "deleted policy is planned for creation" "1 to add, 0 to change, 0 to destroy" "$plan"
check "apply recreates the policy" "$STK" apply -auto-approve -input=false -no-color
check "policy back" awscli s3api get-bucket-policy --bucket $B

check "stk destroy" "$STK" destroy -auto-approve -input=false -no-color
check_eq "no bucket left" 0 "$(awscli s3api list-buckets --query 'length(Buckets)' --output text)"
check_eq "no distribution left" 0 \
    "$(awscli cloudfront list-distributions --query 'length(DistributionList.Items || `[]`)' --output text)"
check_eq "no OAC left" 0 "$(awscli cloudfront list-origin-access-controls --query 'OriginAccessControlList.Quantity' --output text)"

# ---- 3. the other shapes: bucket_prefix, website with routing rules, a
# custom origin with headers, an OAI origin, forwarded_values, an ordered
# behaviour, geo whitelist, an ACM certificate; no perpetual diff either
W2=$STK_AWS_TMP/shapes
mkdir -p "$W2"
cat >"$W2/main.tf" <<'EOF'
provider "aws" {
  region = "eu-north-1"
}
resource "aws_s3_bucket" "site" {
  bucket_prefix = "stk-site-"
  tags = { Name = "site" }
}
resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  index_document { suffix = "index.html" }
  error_document { key = "error.html" }
  routing_rule {
    condition { key_prefix_equals = "docs/" }
    redirect { replace_key_prefix_with = "documents/" }
  }
}
resource "aws_s3_bucket_policy" "p" {
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = ["s3:GetObject"], Resource = ["${aws_s3_bucket.site.arn}/*"] }]
  })
}
resource "aws_cloudfront_origin_access_identity" "o" {}
resource "aws_cloudfront_distribution" "d" {
  enabled = true
  aliases = ["www.example.com"]
  origin {
    domain_name = "api.example.com"
    origin_id   = "api"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
    custom_header {
      name  = "X-Origin"
      value = "cf"
    }
  }
  origin {
    domain_name = aws_s3_bucket.site.bucket_regional_domain_name
    origin_id   = "s3"
    s3_origin_config {
      origin_access_identity = aws_cloudfront_origin_access_identity.o.cloudfront_access_identity_path
    }
  }
  default_cache_behavior {
    target_origin_id       = "s3"
    viewer_protocol_policy = "allow-all"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    forwarded_values {
      query_string = false
      cookies { forward = "none" }
    }
    min_ttl     = 0
    default_ttl = 3600
    max_ttl     = 86400
  }
  ordered_cache_behavior {
    path_pattern           = "/api/*"
    target_origin_id       = "api"
    viewer_protocol_policy = "https-only"
    allowed_methods        = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods         = ["GET", "HEAD"]
    forwarded_values {
      query_string = true
      headers      = ["Authorization"]
      cookies {
        forward           = "whitelist"
        whitelisted_names = ["session"]
      }
    }
  }
  custom_error_response {
    error_code            = 500
    error_caching_min_ttl = 5
  }
  restrictions {
    geo_restriction {
      restriction_type = "whitelist"
      locations        = ["SE", "NO"]
    }
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
  wait_for_deployment = false
  tags = { Name = "d" }
}
output "web" {
  value = aws_s3_bucket_website_configuration.site.website_endpoint
}
EOF
cd "$W2" || exit 1
check "apply (other shapes)" "$STK" apply -auto-approve -input=false -no-color
check "second plan shows no changes (other shapes)" "$STK" plan -detailed-exitcode -input=false -no-color
web=$("$STK" output -raw web 2>/dev/null)
check_contains "website endpoint" ".s3-website.eu-north-1.amazonaws.com" "$web"
D2=$(awscli cloudfront list-distributions --query 'DistributionList.Items[0].Id' --output text)
check_contains "OAI origin sent" "origin-access-identity/cloudfront/" \
    "$(awscli cloudfront get-distribution-config --id "$D2" --query 'DistributionConfig.Origins.Items[?Id==`s3`].S3OriginConfig.OriginAccessIdentity' --output text)"
check "destroy (other shapes)" "$STK" destroy -auto-approve -input=false -no-color
check_eq "no bucket left (other shapes)" 0 "$(awscli s3api list-buckets --query 'length(Buckets)' --output text)"
report
