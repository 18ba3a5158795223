#!/usr/bin/env python3
"""test_auth.py — SigV4 is really enforced by the launcher's --auth mode.

For every service stk uses, one read call signed with the right secret must
pass and the same call signed with a wrong secret must fail with AWS's answer
for a bad signature: SignatureDoesNotMatch (query and rest-xml services),
AuthFailure (EC2), InvalidSignatureException (JSON protocol: dynamodb, ecr,
logs) - the codes real AWS sends.  An unknown access key must fail too, and the key must survive
POST /moto-api/reset.  Our own CloudFront handlers are checked the same way.

    python3 tests/aws/test_auth.py                 # starts its own launcher
    python3 tests/aws/test_auth.py --endpoint URL --creds-file F
Prints "N passed, N failed"; exit status 1 on any failure.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import boto3
import botocore.config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "eu-north-1"

# service -> (read call, params, expected code for a bad signature)
CALLS = {
    "ec2": ("describe_vpcs", {}, "AuthFailure"),
    "elbv2": ("describe_load_balancers", {}, "SignatureDoesNotMatch"),
    "autoscaling": ("describe_auto_scaling_groups", {}, "SignatureDoesNotMatch"),
    "elasticache": ("describe_cache_clusters", {}, "SignatureDoesNotMatch"),
    "s3": ("list_buckets", {}, "SignatureDoesNotMatch"),
    "cloudfront": ("list_distributions", {}, "SignatureDoesNotMatch"),
    "ecr": ("describe_repositories", {}, "InvalidSignatureException"),
    "iam": ("list_roles", {}, "SignatureDoesNotMatch"),
    "sts": ("get_caller_identity", {}, "SignatureDoesNotMatch"),
    "logs": ("describe_log_groups", {}, "InvalidSignatureException"),
    "sns": ("list_topics", {}, "SignatureDoesNotMatch"),
    "dynamodb": ("list_tables", {}, "InvalidSignatureException"),
}
# CloudWatch: boto3 now speaks CBOR to it; stk uses the query protocol, so
# this one is signed and sent by hand: (service, API version, action)
QUERY_CALLS = [("monitoring", "2010-08-01", "DescribeAlarms")]
# our handlers (moto_launcher.py), not moto's
EXTRA_CALLS = [
    ("cloudfront", "list_cloud_front_origin_access_identities", {}),
    ("cloudfront", "list_cache_policies", {"Type": "managed"}),
]

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % name)
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def client(endpoint, service, key, secret):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def attempt(endpoint, service, op, params, key, secret):
    """None on success, else the error code."""
    try:
        getattr(client(endpoint, service, key, secret), op)(**params)
        return None
    except ClientError as e:
        return e.response.get("Error", {}).get("Code", "?")


def query_call(endpoint, service, version, action, key, secret):
    """A SigV4-signed query-protocol POST; None on success, else the error code."""
    import re
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = "Action=%s&Version=%s" % (action, version)
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(key, secret), service, REGION).add_auth(req)
    r = urllib.request.Request(endpoint + "/", data=body.encode(), method="POST", headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            resp.read()
        return None
    except urllib.error.HTTPError as e:
        m = re.search(rb"<Code>([^<]+)</Code>", e.read())
        return m.group(1).decode() if m else "HTTP %d" % e.code


def run(endpoint, key, secret):
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for service, (op, params, bad_code) in CALLS.items():
        code = attempt(endpoint, service, op, params, key, secret)
        check("%s %s with the right secret passes" % (service, op), code is None, "got %s" % code)
        code = attempt(endpoint, service, op, params, key, wrong)
        check("%s %s with a wrong secret fails with %s" % (service, op, bad_code), code == bad_code,
              "got %s" % code)
    for service, version, action in QUERY_CALLS:
        code = query_call(endpoint, service, version, action, key, secret)
        check("%s %s (query) with the right secret passes" % (service, action), code is None, "got %s" % code)
        code = query_call(endpoint, service, version, action, key, wrong)
        check("%s %s (query) with a wrong secret fails with SignatureDoesNotMatch" % (service, action),
              code == "SignatureDoesNotMatch", "got %s" % code)
    for service, op, params in EXTRA_CALLS:
        code = attempt(endpoint, service, op, params, key, secret)
        check("%s %s (our handler) with the right secret passes" % (service, op), code is None, "got %s" % code)
        code = attempt(endpoint, service, op, params, key, wrong)
        check("%s %s (our handler) with a wrong secret fails" % (service, op), code == "SignatureDoesNotMatch",
              "got %s" % code)
    code = attempt(endpoint, "sns", "list_topics", {}, "AKIAUNKNOWNKEY000000", secret)
    check("an unknown access key is refused", code == "InvalidClientTokenId", "got %s" % code)
    code = attempt(endpoint, "ec2", "describe_vpcs", {}, "AKIAUNKNOWNKEY000000", secret)
    check("an unknown access key is refused by ec2", code == "AuthFailure", "got %s" % code)
    code = attempt(endpoint, "dynamodb", "list_tables", {}, "AKIAUNKNOWNKEY000000", secret)
    check("an unknown access key is refused by dynamodb (json)", code == "UnrecognizedClientException",
          "got %s" % code)
    # the key survives a reset
    req = urllib.request.Request(endpoint + "/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).read()
    code = attempt(endpoint, "sts", "get_caller_identity", {}, key, secret)
    check("the key still works after /moto-api/reset", code is None, "got %s" % code)
    code = attempt(endpoint, "sts", "get_caller_identity", {}, key, wrong)
    check("a wrong secret still fails after /moto-api/reset", code == "SignatureDoesNotMatch", "got %s" % code)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint")
    ap.add_argument("--creds-file")
    a = ap.parse_args()
    proc = None
    tmp = None
    if not a.endpoint:
        tmp = tempfile.mkdtemp(prefix="stk-auth-")
        pf, cf = os.path.join(tmp, "port"), os.path.join(tmp, "creds.json")
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "moto_launcher.py"), "--quiet", "--auth",
                                 "--port-file", pf, "--creds-file", cf], stdout=subprocess.DEVNULL)
        for _ in range(600):
            if os.path.exists(pf) or proc.poll() is not None:
                break
            time.sleep(0.05)
        a.endpoint = "http://127.0.0.1:%s" % open(pf).read().strip()
        a.creds_file = cf
    try:
        creds = json.load(open(a.creds_file))
        run(a.endpoint, creds["aws_access_key_id"], creds["aws_secret_access_key"])
    finally:
        if proc:
            proc.terminate()
            proc.wait()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
