#!/usr/bin/env python3
"""compare_botocore.py - serialize EVERY operation of stk's embedded models
with stk (`stk aws call -dry-run`) and with botocore's own serializers, from
the same synthetic params (every member filled, recursively, two items per
list and map), and compare the wire forms: method, path (S3 bucket moved back
from host_prefix), query string, headers botocore sets, and the body (query
bodies byte for byte, JSON bodies as JSON, XML bodies canonicalised).

Usage: compare_botocore.py STK [SERVICE...]
Prints one FAIL line per difference and "N passed, N failed".
Needs python3 with botocore; its serializers run on stk's committed models
(botocore.model.ServiceModel), so any recent botocore version will do.
"""
import json
import os
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.session
from botocore import serialize
from botocore.model import ServiceModel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "resources", "aws", "models")
BOTO_NAMES = {"monitoring": "cloudwatch"}


class Gen:
    """Synthetic params for a shape: every member, two list items / map entries."""

    def __init__(self, shapes):
        self.shapes = shapes

    def value(self, ref, name, stack, depth):
        shape_name = ref["shape"]
        s = self.shapes[shape_name]
        t = s["type"]
        if t == "structure":
            if shape_name in stack or depth > 14:
                return None
            if s.get("document"):
                return {"doc": [1, "two"]}
            out = {}
            for k, r in s.get("members", {}).items():
                if r.get("location") == "statusCode":
                    continue
                v = self.value(r, k, stack + [shape_name], depth + 1)
                if v is not None:
                    out[k] = v
            # unions (one member only)
            if s.get("union") and out:
                k = next(iter(out))
                out = {k: out[k]}
            return out
        if t == "list":
            items = [self.value(s["member"], name, stack, depth + 1) for _ in range(2)]
            items = [i for i in items if i is not None]
            if items and isinstance(items[0], str):
                items = [items[0] + "-a", items[1] + "-b"] if len(items) == 2 else items
            return items
        if t == "map":
            v = self.value(s["value"], name, stack, depth + 1)
            if v is None:
                return None
            return {"k1": v, "k2 x": v}
        if t == "string":
            if "enum" in s:
                return s["enum"][0]
            if name == "Expires":
                return "Wed, 21 Oct 2015 07:28:00 GMT"
            return "%s v/1&x y" % name
        if t in ("integer", "long"):
            return 3
        if t in ("float", "double"):
            return 3.5
        if t == "boolean":
            return True
        if t == "timestamp":
            return 1700000000
        if t == "blob":
            return "blob-data %s" % name
        return None


_models = {}


def service_model(svc):
    """botocore's ServiceModel over stk's committed trimmed model, so the
    comparison does not depend on the installed botocore's version."""
    if svc not in _models:
        with open(os.path.join(MODELS, svc + ".json")) as f:
            _models[svc] = ServiceModel(json.load(f), service_name=BOTO_NAMES.get(svc, svc))
    return _models[svc]


def botocore_request(session, svc, op, params, proto):
    model = service_model(svc)
    sz = serialize.create_serializer(proto, include_validation=False)
    r = sz.serialize_to_request(json.loads(json.dumps(params)), model.operation_model(op))
    return r


def query_pairs(q):
    if isinstance(q, dict):
        out = []
        for k, v in q.items():
            for x in (v if isinstance(v, list) else [v]):
                out.append((k, str(x) if not isinstance(x, bool) else ("true" if x else "false")))
        return sorted(out)
    return sorted(urllib.parse.parse_qsl(q or "", keep_blank_values=True))


def canon_xml(text):
    if not text:
        return ""
    try:
        return ET.canonicalize(text, strip_text=False)
    except Exception as e:  # noqa
        return "unparsable: %s: %r" % (e, text[:200])


def parse_dry_run(out):
    head, _, body = out.partition("\n\n")
    lines = head.split("\n")
    method, _, target = lines[0].partition(" ")
    path, _, query = target.partition("?")
    headers, host_prefix = {}, None
    for line in lines[1:]:
        k, _, v = line.partition(": ")
        if k == "host-prefix":
            host_prefix = v
        else:
            headers[k.lower()] = v
    if body.endswith("\n"):
        body = body[:-1]
    return method, path, query, headers, host_prefix, body


def main():
    stk = sys.argv[1]
    only = set(sys.argv[2:])
    session = botocore.session.get_session()
    passed = failed = 0
    for fn in sorted(os.listdir(MODELS)):
        if not fn.endswith(".json"):
            continue
        svc = fn[:-5]
        if only and svc not in only:
            continue
        m = json.load(open(os.path.join(MODELS, fn)))
        proto = m["metadata"]["protocol"]
        gen = Gen(m["shapes"])
        for op, o in sorted(m["operations"].items()):
            params = gen.value(o["input"], "input", [], 0) if "input" in o else {}
            problems = []
            try:
                br = botocore_request(session, svc, op, params, proto)
            except Exception as e:  # noqa
                print("SKIP %s %s: botocore cannot serialize the synthetic params: %s" % (svc, op, e))
                continue
            p = subprocess.run([stk, "aws", "call", "-dry-run", svc, op, json.dumps(params)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                problems.append("stk failed: " + p.stderr.strip()[:300])
            else:
                method, path, query, headers, host_prefix, body = parse_dry_run(p.stdout)
                if host_prefix:
                    bucket = host_prefix[:-1]
                    path = "/" + bucket + ("" if path == "/" else path)
                bpath, _, bq = br["url_path"].partition("?")
                if method != br["method"]:
                    problems.append("method %s != %s" % (method, br["method"]))
                if path != bpath:
                    problems.append("path %s != %s" % (path, bpath))
                bpairs = query_pairs(br["query_string"]) + query_pairs(bq)
                if query_pairs(query) != sorted(bpairs):
                    problems.append("query %s != %s" % (query_pairs(query), sorted(bpairs)))
                for k, v in br["headers"].items():
                    if headers.get(k.lower()) != str(v):
                        problems.append("header %s: %r != %r" % (k, headers.get(k.lower()), v))
                for k in headers:
                    if k not in {h.lower() for h in br["headers"]} and k not in ("content-md5", "content-type"):
                        problems.append("extra header %s" % k)
                bbody = br["body"]
                if isinstance(bbody, dict):
                    bbody = urllib.parse.urlencode(bbody, doseq=True)
                if isinstance(bbody, bytes):
                    bbody = bbody.decode("utf-8", "replace")
                if proto in ("query", "ec2"):
                    if body != bbody:
                        problems.append("body\n  stk: %s\n  bc:  %s" % (body[:600], bbody[:600]))
                elif proto == "json":
                    if json.loads(body or "{}") != json.loads(bbody or "{}"):
                        problems.append("json body\n  stk: %s\n  bc:  %s" % (body[:600], bbody[:600]))
                else:
                    if bbody.startswith("<") or body.startswith("<"):
                        if canon_xml(body) != canon_xml(bbody):
                            problems.append("xml body\n  stk: %s\n  bc:  %s" % (canon_xml(body)[:800], canon_xml(bbody)[:800]))
                    elif body != bbody:
                        problems.append("raw body %r != %r" % (body[:100], bbody[:100]))
            if problems:
                failed += 1
                print("FAIL %s %s: %s" % (svc, op, "; ".join(problems)))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
