#!/usr/bin/env python3
"""moto_launcher.py — the local AWS that stk's tests run against.

Starts moto's server IN-PROCESS on 127.0.0.1 (a free port, or --port), wraps
it in a small WSGI layer of ours, and prints/writes the port once the server
answers.  The layer adds, on top of moto (never by editing moto's files):

  * handlers for operations moto lacks (tests/aws/README.md lists every gap):
    CloudFront origin access identities and cache policies (AWS-managed and
    custom) here; ElastiCache node endpoints, region-correct replication
    groups, parameter groups, modify calls, and ASG instance refreshes in
    moto_extras.py (methods added to moto's classes in memory at start-up);
  * operations moto still lacks answer 501 NotImplemented in the caller's
    protocol (moto raises, and its server would send an HTML page); errors
    moto shapes wrongly (XML to JSON-protocol clients, CloudFront's query-
    shaped errors) are rewritten to AWS's shapes;
  * --slow N (or STK_MOTO_SLOW=N): slow resources show their pending state
    for the first N describe calls of each resource id (NAT gateways, EC2
    instances, load balancers, cache clusters, replication groups, CloudFront
    distributions), so waiters get exercised;
  * --auth: SigV4 enforced.  An IAM user with an allow-all policy and an access
    key is created before the server accepts requests; its key id and secret
    are written to --creds-file (JSON); stdout says "access_key_id ...".
  * POST /moto-api/reset resets moto AND our own data (and re-creates the auth
    user with the same key, so a test's credentials survive a reset).
  * GET /stk-api/info: JSON {port, auth, slow, moto version, extra operations}.

Usage: python3 tests/aws/moto_launcher.py [--port P] [--port-file F]
           [--auth --creds-file F] [--slow N] [--quiet] [--parent-pid PID]
Prints "port N" when ready.  Stops on SIGTERM/SIGINT, or when --parent-pid
is gone.  Listens on 127.0.0.1 only.
"""

import argparse
import datetime
import hashlib
import io
import json
import os
import random
import re
import secrets
import signal
import string
import sys
import threading
import time
import traceback
import urllib.request
import uuid
import zlib
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape as xml_escape, unescape as xml_unescape

# ---------------------------------------------------------------------------
# Options (parsed before moto is imported: moto reads some settings from the
# environment at import time, INITIAL_NO_AUTH_ACTION_COUNT among them).


def parse_args(argv):
    p = argparse.ArgumentParser(description="moto server + stk's additions, on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--port-file", help="write the port here once the server answers")
    p.add_argument("--auth", action="store_true", help="enforce SigV4 (IAM auth)")
    p.add_argument("--creds-file", help="with --auth: write the access key here (JSON)")
    p.add_argument("--slow", type=int, default=None,
                   help="pending states for the first N describes (default: env STK_MOTO_SLOW)")
    p.add_argument("--quiet", action="store_true", help="no per-request log on stderr")
    p.add_argument("--parent-pid", type=int, default=0,
                   help="exit when this process is gone (so nothing outlives a killed test)")
    a = p.parse_args(argv)
    if a.slow is None:
        env = os.environ.get("STK_MOTO_SLOW", "")
        a.slow = int(env) if env.strip().isdigit() else 0
    return a


ARGS = parse_args(sys.argv[1:]) if __name__ == "__main__" else None

# Real AWS has its managed policies (arn:aws:iam::aws:policy/...); moto only
# knows them when asked to load them.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

if ARGS is not None and ARGS.auth:
    # Every request is checked from the first one on; the admin user is made
    # directly in moto's IAM backend (in-process), which is not a request.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"

import moto  # noqa: E402  (after the environment is set)
from moto import settings  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.core.responses import ActionAuthenticatorMixin  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import make_server, WSGIRequestHandler  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_errors  # noqa: E402
import moto_extras  # noqa: E402

CF_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
CF_PREFIX = "/2020-05-31"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


# ---------------------------------------------------------------------------
# CloudFront: origin access identities and cache policies (moto has neither).

MANAGED_CACHE_POLICIES = [
    # (id, name, comment, min, default, max, gzip, brotli, headers, cookies, query strings)
    # headers/cookies/query strings: (behavior, [names])
    ("2e54312d-136d-493c-8eb9-b001f22f67d2", "Managed-Amplify",
     "Policy for Amplify Origin", 2, 2, 600, True, True,
     ("whitelist", ["Authorization", "CloudFront-Viewer-Country", "Host"]),
     ("all", []), ("all", [])),
    ("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "Managed-CachingDisabled",
     "Policy with caching disabled", 0, 0, 0, False, False,
     ("none", []), ("none", []), ("none", [])),
    ("658327ea-f89d-4fab-a63d-7e88639e58f6", "Managed-CachingOptimized",
     "Policy with caching enabled. Supports Gzip and Brotli compression.",
     1, 86400, 31536000, True, True, ("none", []), ("none", []), ("none", [])),
    ("b2884449-e4de-46a7-ac36-70bc7f1ddd6d", "Managed-CachingOptimizedForUncompressedObjects",
     "Default policy when compression is disabled", 1, 86400, 31536000, False, False,
     ("none", []), ("none", []), ("none", [])),
    ("08627262-05a9-4f76-9ded-b50ca2e3a84f", "Managed-Elemental-MediaPackage",
     "Policy for Elemental MediaPackage Origin", 0, 86400, 31536000, True, False,
     ("whitelist", ["origin"]), ("none", []),
     ("whitelist", ["aws.manifestfilter", "start", "end", "m"])),
]
MANAGED_POLICY_TIME = "2020-09-01T00:00:00.000Z"


def _names_xml(outer, inner, names):
    if not names:
        return "<%s><Quantity>0</Quantity></%s>" % (outer, outer)
    items = "".join("<%s>%s</%s>" % (inner, xml_escape(n), inner) for n in names)
    return "<%s><Quantity>%d</Quantity><Items>%s</Items></%s>" % (outer, len(names), items, outer)


def managed_policy_config_xml(p):
    (_id, name, comment, mn, df, mx, gz, br, hd, ck, qs) = p
    return (
        "<CachePolicyConfig><Comment>%s</Comment><Name>%s</Name>"
        "<DefaultTTL>%d</DefaultTTL><MaxTTL>%d</MaxTTL><MinTTL>%d</MinTTL>"
        "<ParametersInCacheKeyAndForwardedToOrigin>"
        "<EnableAcceptEncodingGzip>%s</EnableAcceptEncodingGzip>"
        "<EnableAcceptEncodingBrotli>%s</EnableAcceptEncodingBrotli>"
        "<HeadersConfig><HeaderBehavior>%s</HeaderBehavior>%s</HeadersConfig>"
        "<CookiesConfig><CookieBehavior>%s</CookieBehavior>%s</CookiesConfig>"
        "<QueryStringsConfig><QueryStringBehavior>%s</QueryStringBehavior>%s</QueryStringsConfig>"
        "</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>"
        % (xml_escape(comment), xml_escape(name), df, mx, mn,
           "true" if gz else "false", "true" if br else "false",
           hd[0], _names_xml("Headers", "Name", hd[1]) if hd[1] else "",
           ck[0], _names_xml("Cookies", "Name", ck[1]) if ck[1] else "",
           qs[0], _names_xml("QueryStrings", "Name", qs[1]) if qs[1] else ""))


def strip_ns_root(xml_text):
    """The request's root element with its namespace declaration removed."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml_text)

    def strip(e):
        if e.tag.startswith("{"):
            e.tag = e.tag.split("}", 1)[1]
        for c in e:
            strip(c)
    strip(root)
    return root, ET.tostring(root, encoding="unicode")


class AwsError(Exception):
    def __init__(self, status, code, message, sender=True):
        super().__init__(message)
        self.status, self.code, self.message, self.sender = status, code, message, sender


class CloudFrontExtras:
    """OAIs and cache policies kept per account; cleared by reset()."""

    OAI = re.compile(r"^%s/origin-access-identity/cloudfront(?:/([^/]+)(/config)?)?/?$" % CF_PREFIX)
    CP = re.compile(r"^%s/cache-policy(?:/([^/]+)(/config)?)?/?$" % CF_PREFIX)

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.oais = {}      # account -> id -> dict
            self.policies = {}  # account -> id -> dict (custom cache policies)

    def match(self, path):
        m = self.OAI.match(path)
        if m:
            return ("oai", m.group(1), bool(m.group(2)))
        m = self.CP.match(path)
        if m:
            return ("cp", m.group(1), bool(m.group(2)))
        return None

    @staticmethod
    def operation(kind, rid, config, method):
        if kind == "oai":
            if rid is None:
                return {"POST": "CreateCloudFrontOriginAccessIdentity",
                        "GET": "ListCloudFrontOriginAccessIdentities"}.get(method)
            if config:
                return {"GET": "GetCloudFrontOriginAccessIdentityConfig",
                        "PUT": "UpdateCloudFrontOriginAccessIdentity"}.get(method)
            return {"GET": "GetCloudFrontOriginAccessIdentity",
                    "DELETE": "DeleteCloudFrontOriginAccessIdentity"}.get(method)
        if rid is None:
            return {"POST": "CreateCachePolicy", "GET": "ListCachePolicies"}.get(method)
        if config:
            return {"GET": "GetCachePolicyConfig"}.get(method)
        return {"GET": "GetCachePolicy", "PUT": "UpdateCachePolicy",
                "DELETE": "DeleteCachePolicy"}.get(method)

    # -- helpers
    @staticmethod
    def doc(body):
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body.replace(
            ">", ' xmlns="%s">' % CF_NS, 1)

    @staticmethod
    def etag():
        return "E" + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))

    @staticmethod
    def check_if_match(headers, current):
        im = headers.get("If-Match")
        if not im:
            raise AwsError(400, "InvalidIfMatchVersion",
                           "The If-Match version is missing or not valid for the resource.")
        if im != current:
            raise AwsError(412, "PreconditionFailed",
                           "The precondition given in one or more of the request-header fields evaluated to false.")

    def oai_in_use(self, account, oai_id):
        from moto.cloudfront.models import cloudfront_backends
        try:
            backend = cloudfront_backends[account]["aws"]
        except KeyError:
            return False
        for d in list(backend.distributions.values()):
            for o in (getattr(d.distribution_config, "Origins", None) or {}).get("Items", []):
                if getattr(o, "s3_access_identity", "").endswith("/" + oai_id):
                    return True
        return False

    def policy_in_use(self, account, pid):
        from moto.cloudfront.models import cloudfront_backends
        try:
            backend = cloudfront_backends[account]["aws"]
        except KeyError:
            return False
        for d in list(backend.distributions.values()):
            cfg = d.distribution_config
            # moto keeps the config's members under their API names
            behaviours = [getattr(cfg, "DefaultCacheBehavior", None)] + list(
                (getattr(cfg, "CacheBehaviors", None) or {}).get("Items", []))
            for b in behaviours:
                if getattr(b, "cache_policy_id", "") == pid:
                    return True
        return False

    # -- dispatch: returns (status, headers(list), body str)
    def handle(self, account, kind, rid, config, method, query, headers, body):
        with self.lock:
            if kind == "oai":
                return self._oai(account, rid, config, method, query, headers, body)
            return self._cp(account, rid, config, method, query, headers, body)

    def _oai_xml(self, o):
        return ("<CloudFrontOriginAccessIdentity><Id>%s</Id><S3CanonicalUserId>%s</S3CanonicalUserId>"
                "<CloudFrontOriginAccessIdentityConfig><CallerReference>%s</CallerReference>"
                "<Comment>%s</Comment></CloudFrontOriginAccessIdentityConfig>"
                "</CloudFrontOriginAccessIdentity>" % (
                    o["id"], o["canonical"], xml_escape(o["ref"]), xml_escape(o["comment"])))

    def _oai(self, account, rid, config, method, query, headers, body):
        store = self.oais.setdefault(account, {})
        if rid is None and method == "POST":
            ref, comment = self._oai_config(body)
            for o in store.values():
                if o["ref"] == ref:
                    if o["comment"] != comment:
                        raise AwsError(409, "CloudFrontOriginAccessIdentityAlreadyExists",
                                       "If the CallerReference is a value you already sent in a previous request to create an identity but the content of the CloudFrontOriginAccessIdentityConfig is different from the original request, CloudFront returns a CloudFrontOriginAccessIdentityAlreadyExists error.")
                    return self._oai_reply(o, 201)
            oid = "E" + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))
            o = {"id": oid, "ref": ref, "comment": comment, "etag": self.etag(),
                 "canonical": hashlib.sha384(oid.encode() + secrets.token_bytes(8)).hexdigest()}
            store[oid] = o
            return self._oai_reply(o, 201)
        if rid is None and method == "GET":
            items = sorted(store.values(), key=lambda o: o["id"])
            marker = (query.get("Marker") or [""])[0]
            max_items = int((query.get("MaxItems") or ["100"])[0])
            if marker:
                items = [o for o in items if o["id"] > marker]
            page, rest = items[:max_items], items[max_items:]
            s = "<CloudFrontOriginAccessIdentityList><Marker>%s</Marker>" % xml_escape(marker)
            if rest:
                s += "<NextMarker>%s</NextMarker>" % page[-1]["id"]
            s += "<MaxItems>%d</MaxItems><IsTruncated>%s</IsTruncated><Quantity>%d</Quantity>" % (
                max_items, "true" if rest else "false", len(page))
            if page:
                s += "<Items>" + "".join(
                    "<CloudFrontOriginAccessIdentitySummary><Id>%s</Id><S3CanonicalUserId>%s"
                    "</S3CanonicalUserId><Comment>%s</Comment></CloudFrontOriginAccessIdentitySummary>"
                    % (o["id"], o["canonical"], xml_escape(o["comment"])) for o in page) + "</Items>"
            s += "</CloudFrontOriginAccessIdentityList>"
            return 200, [("Content-Type", "text/xml")], self.doc(s)
        o = store.get(rid)
        if o is None:
            raise AwsError(404, "NoSuchCloudFrontOriginAccessIdentity",
                           "The specified origin access identity does not exist.")
        if method == "GET" and config:
            s = ("<CloudFrontOriginAccessIdentityConfig><CallerReference>%s</CallerReference>"
                 "<Comment>%s</Comment></CloudFrontOriginAccessIdentityConfig>" % (
                     xml_escape(o["ref"]), xml_escape(o["comment"])))
            return 200, [("Content-Type", "text/xml"), ("ETag", o["etag"])], self.doc(s)
        if method == "GET":
            return self._oai_reply(o, 200)
        if method == "PUT" and config:
            self.check_if_match(headers, o["etag"])
            ref, comment = self._oai_config(body)
            if ref != o["ref"]:
                raise AwsError(400, "IllegalUpdate", "The CallerReference cannot be changed.")
            o["comment"], o["etag"] = comment, self.etag()
            return self._oai_reply(o, 200)
        if method == "DELETE":
            self.check_if_match(headers, o["etag"])
            if self.oai_in_use(account, rid):
                raise AwsError(409, "CloudFrontOriginAccessIdentityInUse",
                               "The Origin Access Identity specified is already in use.")
            del store[rid]
            return 204, [], ""
        raise AwsError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")

    def _oai_reply(self, o, status):
        hdrs = [("Content-Type", "text/xml"), ("ETag", o["etag"])]
        if status == 201:
            hdrs.append(("Location", "https://cloudfront.amazonaws.com%s/origin-access-identity/cloudfront/%s"
                         % (CF_PREFIX, o["id"])))
        return status, hdrs, self.doc(self._oai_xml(o))

    @staticmethod
    def _oai_config(body):
        if not body:
            raise AwsError(400, "MissingBody", "This operation requires a body.")
        try:
            root, _ = strip_ns_root(body)
        except Exception:
            raise AwsError(400, "MalformedXML", "The XML you provided was not well-formed.")
        if root.tag != "CloudFrontOriginAccessIdentityConfig":
            raise AwsError(400, "MalformedXML", "Expected CloudFrontOriginAccessIdentityConfig.")
        ref = root.findtext("CallerReference")
        comment = root.findtext("Comment")
        if ref is None or comment is None:
            raise AwsError(400, "InvalidArgument", "CallerReference and Comment are required.")
        return ref, comment

    # cache policies
    def _all_policies(self, account):
        out = []
        for p in MANAGED_CACHE_POLICIES:
            out.append({"id": p[0], "type": "managed", "time": MANAGED_POLICY_TIME,
                        "config": managed_policy_config_xml(p), "etag": "E23ZP02F085DFQ",
                        "name": p[1]})
        out.extend(self.policies.setdefault(account, {}).values())
        return out

    def _cp_xml(self, p):
        return ("<CachePolicy><Id>%s</Id><LastModifiedTime>%s</LastModifiedTime>%s</CachePolicy>"
                % (p["id"], p["time"], p["config"]))

    def _cp_config(self, body):
        if not body:
            raise AwsError(400, "MissingBody", "This operation requires a body.")
        try:
            root, text = strip_ns_root(body)
        except Exception:
            raise AwsError(400, "MalformedXML", "The XML you provided was not well-formed.")
        if root.tag != "CachePolicyConfig" or not root.findtext("Name") or root.find(
                "MinTTL") is None or root.find("ParametersInCacheKeyAndForwardedToOrigin") is None:
            raise AwsError(400, "InvalidArgument",
                           "CachePolicyConfig needs Name, MinTTL and ParametersInCacheKeyAndForwardedToOrigin.")
        return root.findtext("Name"), text

    def _cp(self, account, rid, config, method, query, headers, body):
        custom = self.policies.setdefault(account, {})
        if rid is None and method == "GET":
            typ = (query.get("Type") or [""])[0]
            if typ not in ("", "managed", "custom"):
                raise AwsError(400, "InvalidArgument", "Type must be managed or custom.")
            items = [p for p in self._all_policies(account) if not typ or p["type"] == typ]
            marker = (query.get("Marker") or [""])[0]
            max_items = int((query.get("MaxItems") or ["100"])[0])
            start = 0
            if marker:
                ids = [p["id"] for p in items]
                start = ids.index(marker) if marker in ids else len(items)
            page, rest = items[start:start + max_items], items[start + max_items:]
            s = "<CachePolicyList>"
            if rest:
                s += "<NextMarker>%s</NextMarker>" % rest[0]["id"]
            s += "<MaxItems>%d</MaxItems><Quantity>%d</Quantity>" % (max_items, len(page))
            if page:
                s += "<Items>" + "".join("<CachePolicySummary><Type>%s</Type>%s</CachePolicySummary>"
                                         % (p["type"], self._cp_xml(p)) for p in page) + "</Items>"
            s += "</CachePolicyList>"
            return 200, [("Content-Type", "text/xml")], self.doc(s)
        if rid is None and method == "POST":
            name, text = self._cp_config(body)
            if any(p["name"] == name for p in self._all_policies(account)):
                raise AwsError(409, "CachePolicyAlreadyExists",
                               "A cache policy with this name already exists. You must provide a unique name.")
            pid = str(uuid.uuid4())
            p = {"id": pid, "type": "custom", "time": iso_ms(utcnow()), "config": text,
                 "etag": self.etag(), "name": name}
            custom[pid] = p
            return 201, [("Content-Type", "text/xml"), ("ETag", p["etag"]),
                         ("Location", "https://cloudfront.amazonaws.com%s/cache-policy/%s" % (CF_PREFIX, pid))
                         ], self.doc(self._cp_xml(p))
        p = next((p for p in self._all_policies(account) if p["id"] == rid), None)
        if p is None:
            raise AwsError(404, "NoSuchCachePolicy", "The cache policy does not exist.")
        if method == "GET" and config:
            return 200, [("Content-Type", "text/xml"), ("ETag", p["etag"])], self.doc(p["config"])
        if method == "GET":
            return 200, [("Content-Type", "text/xml"), ("ETag", p["etag"])], self.doc(self._cp_xml(p))
        if p["type"] == "managed" and method in ("PUT", "DELETE"):
            raise AwsError(400, "IllegalUpdate" if method == "PUT" else "IllegalDelete",
                           "You cannot modify or delete a managed cache policy.")
        if method == "PUT":
            self.check_if_match(headers, p["etag"])
            name, text = self._cp_config(body)
            p.update(name=name, config=text, etag=self.etag(), time=iso_ms(utcnow()))
            return 200, [("Content-Type", "text/xml"), ("ETag", p["etag"])], self.doc(self._cp_xml(p))
        if method == "DELETE":
            self.check_if_match(headers, p["etag"])
            if self.policy_in_use(account, rid):
                raise AwsError(409, "CachePolicyInUse", "Cannot delete the cache policy because it is attached to one or more cache behaviors.")
            del custom[rid]
            return 204, [], ""
        raise AwsError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")


def cloudfront_error_body(e, request_id):
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
            '<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>'
            % (CF_NS, "Sender" if e.sender else "Receiver", e.code, xml_escape(e.message), request_id))


# ---------------------------------------------------------------------------
# Slow mode: resources pass through their transitional states.
#
# SLOW_RULES: (service, operation) -> rules (kind, id regex, state regex,
# transitional text, mode).  A response is cut at each id match; the state
# tag that follows an id (before the next id) belongs to that resource
# (checked against moto's output order: instanceId precedes instanceState,
# natGatewayId precedes state, ...).  Modes:
#   "describe"  the first N describes of each (kind, id) show the transitional
#               state, then moto's real one;
#   "answer"    a create/delete answer shows it, without using one of the N;
#   "restart"   an update: its answer shows it and the next N describes too.
# Kinds ending in "-del" count the deletion phase separately.

_INST_ID = r"<instanceId>([^<]+)</instanceId>"
_NAT_ID = r"<natGatewayId>([^<]+)</natGatewayId>"
_DIST_ID = r"<Distribution(?:\s[^>]*)?>\s*<Id>([^<]+)</Id>"
_RUNNING = (r"<instanceState>\s*<code>16</code>\s*<name>running</name>\s*</instanceState>",
            "<instanceState><code>0</code><name>pending</name></instanceState>")
_TERMINATED = (r"<instanceState>\s*<code>48</code>\s*<name>terminated</name>\s*</instanceState>",
               "<instanceState><code>32</code><name>shutting-down</name></instanceState>")

SLOW_RULES = {
    ("ec2", "DescribeInstances"): [
        ("instance", _INST_ID) + _RUNNING + ("describe",),
        ("instance-del", _INST_ID) + _TERMINATED + ("describe",)],
    ("ec2", "CreateNatGateway"): [
        ("natgateway", _NAT_ID, r"<state>available</state>", "<state>pending</state>", "answer")],
    ("ec2", "DescribeNatGateways"): [
        ("natgateway", _NAT_ID, r"<state>available</state>", "<state>pending</state>", "describe"),
        ("natgateway-del", _NAT_ID, r"<state>deleted</state>", "<state>deleting</state>", "describe")],
    ("elasticloadbalancing", "DescribeLoadBalancers"): [
        ("loadbalancer", r"<LoadBalancerArn>([^<]+)</LoadBalancerArn>",
         r"<State>\s*<Code>active</Code>", "<State><Code>provisioning</Code>", "describe")],
    ("elasticache", "DescribeCacheClusters"): [
        ("cachecluster", r"<CacheClusterId>([^<]+)</CacheClusterId>",
         r"<CacheClusterStatus>available</CacheClusterStatus>",
         "<CacheClusterStatus>creating</CacheClusterStatus>", "describe")],
    ("elasticache", "DescribeReplicationGroups"): [
        ("replicationgroup", r"<ReplicationGroupId>([^<]+)</ReplicationGroupId>",
         r"<Status>available</Status>", "<Status>creating</Status>", "describe")],
    ("cloudfront", "GetDistribution"): [
        ("distribution", _DIST_ID, r"<Status>Deployed</Status>", "<Status>InProgress</Status>", "describe")],
    ("cloudfront", "ListDistributions"): [
        ("distribution", r"<DistributionSummary>\s*<Id>([^<]+)</Id>",
         r"<Status>Deployed</Status>", "<Status>InProgress</Status>", "describe")],
    # an updated distribution (e.g. disabled before deletion) deploys again
    ("cloudfront", "UpdateDistribution"): [
        ("distribution", _DIST_ID, r"<Status>Deployed</Status>", "<Status>InProgress</Status>", "restart")],
}


class SlowStates:
    def __init__(self, n):
        self.n = n
        self.lock = threading.Lock()
        self.seen = {}

    def reset(self):
        with self.lock:
            self.seen = {}

    def rewrite(self, service, op, account, region, body):
        rules = SLOW_RULES.get((service, op))
        if not rules or self.n <= 0:
            return body
        text = body.decode("utf-8", "replace")
        for kind, id_re, state_re, pending, mode in rules:
            ids = list(re.finditer(id_re, text))
            if not ids:
                continue
            out = [text[:ids[0].start()]]
            with self.lock:
                for i, m in enumerate(ids):
                    end = ids[i + 1].start() if i + 1 < len(ids) else len(text)
                    seg = text[m.start():end]
                    key = (account, region, kind, m.group(1))
                    if mode == "restart":
                        self.seen[key] = 0
                    if re.search(state_re, seg):
                        count = self.seen.get(key, 0)
                        if mode == "describe":
                            self.seen[key] = count + 1
                        if mode != "describe" or count < self.n:
                            seg = re.sub(state_re, pending, seg, count=1)
                    out.append(seg)
            text = "".join(out)
        return text.encode("utf-8")


# ---------------------------------------------------------------------------
# Auth mode: the admin user.

class AuthUser:
    NAME = "stk-test-admin"
    POLICY = json.dumps({"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})

    def __init__(self):
        self.key_id = None
        self.secret = None

    def create(self):
        """Create (or re-create after a reset) the user, with the same key."""
        from moto.iam.models import iam_backends
        iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
        iam.create_user(region_name="us-east-1", user_name=self.NAME, path="/", tags=[])
        iam.put_user_policy(self.NAME, "allow-all", self.POLICY)
        key = iam.create_access_key(self.NAME)
        if self.key_id is None:
            self.key_id, self.secret = key.access_key_id, key.secret_access_key
        else:
            # keep the key the tests already hold: re-key the fresh object
            old = key.physical_resource_id
            iam.access_keys.pop(old, None)
            key.access_key_id, key.secret_access_key = self.key_id, self.secret
            iam.access_keys[key.physical_resource_id] = key


# ---------------------------------------------------------------------------
# The WSGI layer.

CRED_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")


def read_body(environ):
    try:
        n = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        n = 0
    stream = environ["wsgi.input"]
    if n > 0:
        data = stream.read(n)
    elif environ.get("wsgi.input_terminated"):
        data = stream.read()
    else:
        data = b""
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    return data


class StkLayer:
    def __init__(self, inner, slow_n, auth_user, quiet):
        self.inner = inner
        self.cf = CloudFrontExtras()
        self.slow = SlowStates(slow_n)
        self.auth_user = auth_user
        self.quiet = quiet
        self.port = None

    def reset_ours(self):
        self.cf.reset()
        self.slow.reset()
        if self.auth_user is not None:
            self.auth_user.create()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        moto_extras.clear_request_flags(environ)
        try:
            if path.startswith("/stk-api/"):
                return self.stk_api(path, start_response)
            if path.rstrip("/") == "/moto-api/reset" and method == "POST":
                status, headers, chunks = self.call_inner(environ)
                self.reset_ours()
                start_response(status, headers)
                return chunks
            auth = environ.get("HTTP_AUTHORIZATION", "")
            m = CRED_RE.search(auth)
            access_key, region, service = (m.group(1), m.group(3), m.group(4)) if m else (None, "us-east-1", None)
            cf = self.cf.match(path)
            if cf and (service in (None, "cloudfront")):
                return self.cloudfront_extra(environ, start_response, cf, access_key)
            op = self.operation(environ, service, path)
            if environ.get("HTTP_X_AMZ_TARGET") or service == "cloudfront":
                # moto answers some errors (SigV4 ones among them) in XML to
                # JSON-protocol clients, and CloudFront's in the query shape
                status, headers, chunks = self.call_inner(environ)
                body = b"".join(chunks)
                if int(status.split()[0]) >= 400 and body.lstrip().startswith(b"<"):
                    status, headers, body = self.fix_error(environ, service, status, headers, body)
                if service == "cloudfront" and status.startswith("200") and self.slow.n > 0 and op:
                    body = self.slow.rewrite(service, op, self.account_of(access_key), region, body)
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(body))))
                start_response(status, headers)
                return [body]
            if service and op and (service, op) in SLOW_RULES and self.slow.n > 0:
                status, headers, chunks = self.call_inner(environ)
                body = b"".join(chunks)
                if status.startswith("200"):
                    body = self.slow.rewrite(service, op, self.account_of(access_key), region, body)
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(body))))
                start_response(status, headers)
                return [body]
            return self.inner(environ, start_response)
        except NotImplementedError as e:
            # moto raises this for operations it lacks: answer as AWS would
            # answer an unknown action, in the caller's protocol
            return self.error(environ, start_response, 501, "NotImplemented",
                              "moto %s does not implement this operation (%s); see tests/aws/README.md"
                              % (getattr(moto, "__version__", "?"), e))
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            return self.error(environ, start_response, 500, "InternalFailure",
                              "local AWS (moto_launcher) failed: %s: %s" % (type(e).__name__, e))

    # JSON-protocol services name SigV4 failures differently from query ones
    JSON_CODES = {"SignatureDoesNotMatch": "InvalidSignatureException",
                  "InvalidClientTokenId": "UnrecognizedClientException",
                  "AccessDenied": "AccessDeniedException"}

    def fix_error(self, environ, service, status, headers, body):
        text = body.decode("utf-8", "replace")
        code = re.search(r"<Code>([^<]*)</Code>", text)
        msg = re.search(r"<Message>([^<]*)</Message>", text)
        if not code:
            if status.startswith("404") and "<html" in text[:300].lower():
                # the web framework's page for a path moto has no route for
                ctype, new = aws_errors.error_body(
                    "json" if environ.get("HTTP_X_AMZ_TARGET") else ("rest-xml" if service == "cloudfront" else "query"),
                    service, "NotImplemented",
                    "moto %s has no handler for %s %s; see tests/aws/README.md" % (
                        getattr(moto, "__version__", "?"), environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")),
                    sender=False)
                headers = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
                return "501 Not Implemented", headers + [("Content-Type", ctype)], new
            return status, headers, body
        code = code.group(1)
        msg = xml_unescape(msg.group(1)) if msg else ""
        if environ.get("HTTP_X_AMZ_TARGET"):
            code = self.JSON_CODES.get(code, code)
            ctype, new = aws_errors.error_body("json", service, code, msg)
            if code in ("InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException"):
                status = "400 Bad Request"
        elif "<Errors>" in text or "xmlns" not in text:
            ctype, new = aws_errors.error_body("rest-xml", service, code, msg)
        else:
            return status, headers, body
        headers = [(k, v) for k, v in headers
                   if k.lower() not in ("content-type", "content-length", "x-amz-crc32")]
        headers.append(("Content-Type", ctype))
        if service == "dynamodb":  # clients check it
            headers.append(("X-Amz-Crc32", str(zlib.crc32(new) & 0xFFFFFFFF)))
        return status, headers, new

    @staticmethod
    def error(environ, start_response, status, code, message):
        from werkzeug.datastructures import EnvironHeaders
        h = EnvironHeaders(environ)
        proto = aws_errors.protocol_of(h.get)
        service = aws_errors.scope_of(h.get("Authorization"))[2]
        ctype, body = aws_errors.error_body(proto, service, code, message, sender=False)
        start_response("%d %s" % (status, "Not Implemented" if status == 501 else "Internal Server Error"),
                       [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    def call_inner(self, environ):
        box = {}

        def sr(status, headers, exc_info=None):
            box["status"], box["headers"] = status, list(headers)
            return lambda data: box.setdefault("extra", []).append(data)

        result = self.inner(environ, sr)
        try:
            chunks = list(box.get("extra", [])) + [c for c in result]
        finally:
            if hasattr(result, "close"):
                result.close()
        return box["status"], box["headers"], chunks

    @staticmethod
    def operation(environ, service, path):
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.rsplit(".", 1)[-1]
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        if "Action" in qs:
            return qs["Action"][0]
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            body = read_body(environ)
            form = parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                return form["Action"][0]
        if service == "cloudfront" and environ.get("REQUEST_METHOD") == "GET":
            if re.match(r"^%s/distribution/[^/]+/?$" % CF_PREFIX, path):
                return "GetDistribution"
            if re.match(r"^%s/distribution/?$" % CF_PREFIX, path):
                return "ListDistributions"
        if service == "cloudfront" and environ.get("REQUEST_METHOD") == "PUT":
            if re.match(r"^%s/distribution/[^/]+/config/?$" % CF_PREFIX, path):
                return "UpdateDistribution"
        return None

    @staticmethod
    def account_of(access_key):
        if not access_key:
            return DEFAULT_ACCOUNT_ID
        from moto.iam.models import get_account_id_from
        return get_account_id_from(access_key)

    def check_auth(self, environ, body, op, access_key):
        """What moto does for its own handlers (core/authorization.py)."""
        if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
            ActionAuthenticatorMixin.request_count += 1
            return
        from moto.iam.access_control import IAMRequest
        from werkzeug.datastructures import EnvironHeaders
        headers = dict(EnvironHeaders(environ).items())
        if "Authorization" not in headers:
            raise AwsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        try:
            req = IAMRequest(account_id=self.account_of(access_key), method=environ["REQUEST_METHOD"],
                             path=path, data={}, body=body, headers=headers, action=op)
            req.check_signature()
            req.check_action_permitted("*")
        except Exception as e:
            code = getattr(e, "error_type", None) or getattr(e, "code", None) or "AccessDenied"
            status = getattr(e, "code", 403)
            raise AwsError(status if isinstance(status, int) else 403, str(code),
                           getattr(e, "message", str(e)))

    def cloudfront_extra(self, environ, start_response, match, access_key):
        kind, rid, config = match
        method = environ.get("REQUEST_METHOD", "GET")
        body = read_body(environ)
        request_id = str(uuid.uuid4())
        from werkzeug.datastructures import EnvironHeaders
        headers = EnvironHeaders(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        op = self.cf.operation(kind, rid and unquote(rid), config, method)
        # moto's request recorder (MOTO_ENABLE_RECORDING) sees our calls too,
        # so call counts (e.g. of a no-op plan) are complete
        from moto.moto_api import recorder
        from werkzeug.wrappers import Request
        recorder._record_request(Request(environ), body)
        try:
            if op is None:
                raise AwsError(405, "MethodNotAllowed",
                               "The specified method is not allowed against this resource.")
            self.check_auth(environ, body, op, access_key)
            status, hdrs, text = self.cf.handle(self.account_of(access_key), kind, rid and unquote(rid),
                                                config, method, query, headers, body.decode("utf-8", "replace"))
        except AwsError as e:
            status, hdrs, text = e.status, [("Content-Type", "text/xml")], cloudfront_error_body(e, request_id)
        data = text.encode("utf-8")
        hdrs = hdrs + [("x-amz-request-id", request_id), ("Content-Length", str(len(data)))]
        start_response("%d %s" % (status, {200: "OK", 201: "Created", 204: "No Content"}.get(status, "Error")),
                       hdrs)
        return [data] if status != 204 else [b""]

    def stk_api(self, path, start_response):
        if path.rstrip("/") == "/stk-api/info":
            info = {"port": self.port, "auth": self.auth_user is not None, "slow": self.slow.n,
                    "moto": getattr(moto, "__version__", "?"),
                    "extra_operations": sorted(
                        ["cloudfront:%s" % op for op in (
                            "CreateCloudFrontOriginAccessIdentity", "GetCloudFrontOriginAccessIdentity",
                            "GetCloudFrontOriginAccessIdentityConfig", "UpdateCloudFrontOriginAccessIdentity",
                            "DeleteCloudFrontOriginAccessIdentity", "ListCloudFrontOriginAccessIdentities",
                            "CreateCachePolicy", "GetCachePolicy", "GetCachePolicyConfig",
                            "UpdateCachePolicy", "DeleteCachePolicy", "ListCachePolicies")]
                        + moto_extras.EXTRA_OPERATIONS)}
            body = json.dumps(info).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        body = b'{"error": "unknown stk-api path"}'
        start_response("404 Not Found", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *a, **kw):
        pass


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def args_parent_gone(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True
    except PermissionError:
        return False


def main():
    args = ARGS
    moto_extras.apply_all()
    # moto shows a new distribution InProgress once, then Deployed; make
    # resources available at once (DESIGN: slow states only with --slow).
    from moto.moto_api import state_manager
    state_manager.set_transition("cloudfront::distribution", {"progression": "immediate"})

    auth_user = None
    if args.auth:
        auth_user = AuthUser()
        auth_user.create()

    layer = StkLayer(DomainDispatcherApplication(create_backend_app), args.slow, auth_user, args.quiet)
    handler = QuietHandler if args.quiet else WSGIRequestHandler
    server = make_server("127.0.0.1", args.port, layer, threaded=True, request_handler=handler)
    port = server.server_address[1]
    layer.port = port
    os.environ["MOTO_PORT"] = str(port)  # moto calls itself back in a few places

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    # ready when it answers
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/stk-api/info" % port, timeout=2) as r:
                r.read()
            break
        except Exception:
            if time.time() > deadline:
                print("moto_launcher: server did not answer", file=sys.stderr)
                sys.exit(1)
            time.sleep(0.05)

    if auth_user and args.creds_file:
        write_atomic(args.creds_file, json.dumps({"aws_access_key_id": auth_user.key_id,
                                                  "aws_secret_access_key": auth_user.secret}) + "\n")
    if args.port_file:
        write_atomic(args.port_file, "%d\n" % port)
    print("port %d" % port, flush=True)
    if auth_user:
        print("access_key_id %s" % auth_user.key_id, flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        if args_parent_gone(args.parent_pid):
            break
    # nothing to save: leave at once (a graceful server shutdown and the
    # interpreter's teardown with moto loaded take seconds on a busy machine)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
