#!/usr/bin/env python3
"""fault_proxy.py — a seeded fault-injecting reverse proxy in front of moto.

Listens on 127.0.0.1:PORT and forwards every request to 127.0.0.1:TARGET
unchanged (method, path and query as sent, all headers including Host - the
SigV4 signature covers it - and the body), except that, decided by a seeded
random generator, some requests get:

  --latency-ms N | A-B   added delay on every request (fixed, or uniform A..B)
  --error-rate F         a 500 or 503 answer (half each), AWS error body in the
                         caller's protocol; the request is NOT forwarded
  --throttle-rate F      AWS throttling: 400 Throttling (query, CloudFront),
                         400 ThrottlingException (JSON protocol),
                         503 RequestLimitExceeded (EC2), 503 SlowDown (S3);
                         not forwarded
  --drop-rate F          the connection is closed without an answer; not
                         forwarded (nothing happened)
  --drop-after-rate F    forwarded to moto, then the connection is closed
                         without the answer (it DID happen: idempotency tests)
  --only-service NAME    inject faults only into requests of that service (the
                         SigV4 credential scope's service, e.g. ec2, s3,
                         monitoring, elasticloadbalancing, dynamodb)
  --fail-service NAME    every request of that service (credential scope name,
                         as above; repeatable) fails, whatever the rates: an
                         outage.  Not forwarded.  The answer is --fail-with
  --fail-with STATUS:CODE  (default 503:ServiceUnavailable; e.g.
                         500:InternalFailure, 403:AccessDenied), its body in
                         the caller's protocol.  Counted as fault "fail".

Protocol of an injected error (see aws_errors.py): X-Amz-Target -> JSON,
else XML in the shape of the scope's service (ec2, s3, cloudfront, query).

Reproducible: decision k uses the k-th draws of random.Random(seed); every
request takes the same number of draws, faulted or not, so the same seed
and the same sequence of requests give the same decisions.  (With parallel
clients the arrival order decides which request is "k-th".)  Requests for
/moto-api/ and /stk-api/ (test controls) pass through without faults or draws.

Control endpoints (answered by the proxy, never forwarded):
  GET  /__proxy/stats      JSON counts: requests, forwarded, faults by kind, by service,
                           requests in flight now and at most (max_in_flight,
                           counted with --track-in-flight only: the lock costs
                           time under load)
  GET  /__proxy/decisions  JSON list of [seq, service, operation, decision]
  POST /__proxy/reset      zero the counters and restart the generator from the seed
Also --stats-file F (rewritten after every request) and --log F (one line per
request; default stderr, "-" for stderr, "none" for no log).

Threaded (one thread per connection), HTTP/1.1 keep-alive on both sides.
"""

import argparse
import http.client
import http.server
import json
import os
import random
import socket
import socketserver
import sys
import threading
import time
from urllib.parse import parse_qs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_errors  # noqa: E402

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
              "upgrade", "expect", "proxy-authorization", "proxy-authenticate"}
KINDS = ("pass", "error500", "error503", "throttle", "drop", "drop_after", "fail")


class Faults:
    """Seeded decisions and counters; shared by all handler threads."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        lat = str(args.latency_ms)
        if "-" in lat:
            a, b = lat.split("-", 1)
            self.lat = (float(a), float(b))
        else:
            self.lat = (float(lat), float(lat))
        self.reset()

    def reset(self):
        with self.lock:
            self.rng = random.Random(self.args.seed)
            self.seq = 0
            self.stats = {"requests": 0, "forwarded": 0, "faults": {k: 0 for k in KINDS if k != "pass"},
                          "by_service": {}, "upstream_errors": 0, "seed": self.args.seed,
                          "in_flight": 0, "max_in_flight": 0}
            self.decisions = []

    def decide(self, service, operation):
        """(seq, decision, latency seconds) for the next request."""
        a = self.args
        with self.lock:
            self.seq += 1
            seq = self.seq
            u_kind, u_status, u_lat = self.rng.random(), self.rng.random(), self.rng.random()
            targeted = not a.only_service or service == a.only_service
            kind = "pass"
            if targeted:
                edges = [("drop", a.drop_rate), ("drop_after", a.drop_after_rate),
                         ("throttle", a.throttle_rate), ("error", a.error_rate)]
                acc = 0.0
                for name, rate in edges:
                    acc += rate
                    if u_kind < acc:
                        kind = name
                        break
                if kind == "error":
                    kind = "error500" if u_status < 0.5 else "error503"
            if service and service in (a.fail_service or ()):
                kind = "fail"   # the outage wins over any drawn fault
            latency = (self.lat[0] + (self.lat[1] - self.lat[0]) * u_lat) / 1000.0
            self.stats["requests"] += 1
            svc = self.stats["by_service"].setdefault(service or "-", {"requests": 0, "faults": 0})
            svc["requests"] += 1
            if kind != "pass":
                self.stats["faults"][kind] += 1
                svc["faults"] += 1
            self.decisions.append([seq, service, operation, kind])
            if len(self.decisions) > 100000:
                del self.decisions[:50000]
            return seq, kind, latency

    def count(self, key):
        with self.lock:
            self.stats[key] += 1

    def enter(self, delta):
        """A request starts (1) or ends (-1): in_flight and its peak."""
        with self.lock:
            s = self.stats
            s["in_flight"] = max(0, s["in_flight"] + delta)
            s["max_in_flight"] = max(s["max_in_flight"], s["in_flight"])

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.stats))

    def write_stats_file(self):
        if not self.args.stats_file:
            return
        data = json.dumps(self.snapshot(), indent=1) + "\n"
        tmp = self.args.stats_file + ".tmp.%d" % threading.get_ident()
        with open(tmp, "w") as f:
            f.write(data)
        os.replace(tmp, self.args.stats_file)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stk-fault-proxy"
    sys_version = ""

    # one upstream connection per client connection (keep-alive both ways)
    def setup(self):
        super().setup()
        self.upstream = None

    def finish(self):
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()

    def log_message(self, fmt, *a):  # the per-request line is ours
        pass

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out += self.rfile.read(size)
                self.rfile.readline(65537)
            return bytes(out)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def service_operation(self, body):
        _, _, service = aws_errors.scope_of(self.headers.get("Authorization"))
        target = self.headers.get("X-Amz-Target")
        if target:
            return service, target.rsplit(".", 1)[-1]
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        qs = parse_qs(query)
        if "Action" in qs:
            return service, qs["Action"][0]
        if "form-urlencoded" in (self.headers.get("Content-Type") or "") and body:
            form = parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                return service, form["Action"][0]
        return service, "%s %s" % (self.command, self.path.split("?", 1)[0])

    def send_plain(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self):
        f = self.server.faults
        path = self.path.split("?", 1)[0]
        if path == "/__proxy/stats":
            return self.send_plain(200, "application/json", json.dumps(f.snapshot()).encode())
        if path == "/__proxy/decisions":
            with f.lock:
                data = json.dumps(f.decisions).encode()
            return self.send_plain(200, "application/json", data)
        if path == "/__proxy/reset" and self.command == "POST":
            f.reset()
            return self.send_plain(200, "application/json", b'{"status": "ok"}')
        return self.send_plain(404, "application/json", b'{"error": "unknown proxy control path"}')

    def forward(self, body):
        """Send to moto; returns (status, reason, headers list, body) or raises."""
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        for attempt in (1, 2):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection("127.0.0.1", self.server.target_port,
                                                           timeout=self.server.upstream_timeout)
            try:
                self.upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    self.upstream.putheader(k, v)
                if self.command in ("POST", "PUT", "PATCH") and "content-length" not in {
                        k.lower() for k, _ in headers}:
                    self.upstream.putheader("Content-Length", str(len(body)))
                self.upstream.endheaders(body if body else None)
                resp = self.upstream.getresponse()
                data = resp.read()
                return resp.status, resp.reason, resp.getheaders(), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # a kept-alive upstream connection closed by moto: reconnect once
                self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    raise

    def handle_any(self):
        if self.path.startswith("/__proxy/"):
            self.read_body()
            return self.control()
        body = self.read_body()
        f = self.server.faults
        t0 = time.monotonic()
        if self.path.startswith("/moto-api/") or self.path.startswith("/stk-api/"):
            status, reason, headers, data = self.forward(body)
            return self.relay(status, reason, headers, data)
        service, op = self.service_operation(body)
        if not f.args.track_in_flight:
            return self.handle_aws(f, body, service, op, t0)
        f.enter(1)
        try:
            self.handle_aws(f, body, service, op, t0)
        finally:
            f.enter(-1)

    def handle_aws(self, f, body, service, op, t0):
        seq, kind, latency = f.decide(service, op)
        if latency > 0:
            time.sleep(latency)
        status = None
        if kind in ("drop", "drop_after"):
            if kind == "drop_after":
                try:
                    status = self.forward(body)[0]
                    f.count("forwarded")
                except OSError:
                    f.count("upstream_errors")
            self.log_line(seq, service, op, kind, status, t0)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            f.write_stats_file()
            return
        if kind in ("error500", "error503", "throttle", "fail"):
            proto = aws_errors.protocol_of(self.headers.get)
            if kind == "fail":
                status, code = self.server.fail_with
                msg = "fault_proxy: every %s request fails (--fail-service)" % service
            elif kind == "throttle":
                status, code, msg = aws_errors.throttle_error(proto, service)
            else:
                status, code, msg = aws_errors.server_error(proto, 500 if kind == "error500" else 503)
            ctype, data = aws_errors.error_body(proto, service, code, msg, sender=(status < 500))
            extra = [("x-amzn-RequestId", "stk-fault-%d" % seq)]
            if proto == "json":
                extra.append(("x-amzn-ErrorType", code))
            self.send_plain(status, ctype, data, extra)
            self.log_line(seq, service, op, kind, status, t0)
            f.write_stats_file()
            return
        try:
            status, reason, headers, data = self.forward(body)
            f.count("forwarded")
        except OSError as e:
            f.count("upstream_errors")
            self.log_line(seq, service, op, "upstream-error %s" % e, None, t0)
            self.close_connection = True
            return self.send_plain(502, "text/plain", b"fault_proxy: moto unreachable\n",
                                   [("Connection", "close")])
        self.relay(status, reason, headers, data)
        self.log_line(seq, service, op, kind, status, t0)
        f.write_stats_file()

    def relay(self, status, reason, headers, data):
        self.send_response(status, reason)
        has_len = False
        for k, v in headers:
            kl = k.lower()
            if kl in HOP_BY_HOP:
                continue
            if kl == "content-length":
                has_len = True
                if self.command != "HEAD":
                    v = str(len(data))
            self.send_header(k, v)
        if not has_len and status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def log_line(self, seq, service, op, kind, status, t0):
        out = self.server.log
        if out is None:
            return
        line = "fault_proxy seq=%d service=%s op=%s decision=%s status=%s ms=%d\n" % (
            seq, service or "-", op.replace(" ", "_"), kind, status if status is not None else "-",
            (time.monotonic() - t0) * 1000)
        with self.server.log_lock:
            out.write(line)
            out.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def parse_args(argv):
    p = argparse.ArgumentParser(description="seeded fault-injecting proxy for moto (127.0.0.1 only)")
    p.add_argument("--target-port", type=int, required=True, help="moto's port on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="listen port (default: a free one)")
    p.add_argument("--port-file", help="write the listen port here once listening")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--track-in-flight", action="store_true", help="count requests in flight (stats)")
    p.add_argument("--latency-ms", default="0", help="N or A-B")
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--throttle-rate", type=float, default=0.0)
    p.add_argument("--drop-rate", type=float, default=0.0)
    p.add_argument("--drop-after-rate", type=float, default=0.0)
    p.add_argument("--only-service", default=None)
    p.add_argument("--fail-service", action="append", default=[],
                   help="every request of this service fails (repeatable)")
    p.add_argument("--fail-with", default="503:ServiceUnavailable",
                   help="STATUS:CODE of the --fail-service answers")
    p.add_argument("--stats-file", default=None)
    p.add_argument("--log", default="-", help="per-request log: file, '-' (stderr) or 'none'")
    p.add_argument("--upstream-timeout", type=float, default=60.0)
    p.add_argument("--parent-pid", type=int, default=0,
                   help="exit when this process is gone (so nothing outlives a killed test)")
    a = p.parse_args(argv)
    total = a.error_rate + a.throttle_rate + a.drop_rate + a.drop_after_rate
    st, _, code = a.fail_with.partition(":")
    if not st.isdigit() or not 400 <= int(st) <= 599 or not code:
        p.error("--fail-with wants STATUS:CODE with a 4xx/5xx status (got %r)" % a.fail_with)
    a.fail_with_pair = (int(st), code)
    if total > 1.0 or min(a.error_rate, a.throttle_rate, a.drop_rate, a.drop_after_rate) < 0:
        p.error("rates must be >= 0 and sum to at most 1 (got %.3f)" % total)
    return a


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


def main(argv=None):
    import signal
    a = parse_args(sys.argv[1:] if argv is None else argv)
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.target_port = a.target_port
    srv.upstream_timeout = a.upstream_timeout
    srv.fail_with = a.fail_with_pair
    srv.faults = Faults(a)
    srv.log_lock = threading.Lock()
    srv.log = None if a.log == "none" else (sys.stderr if a.log == "-" else open(a.log, "a"))
    port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    srv.faults.write_stats_file()
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, a.port_file)
    print("port %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        if args_parent_gone(a.parent_pid):
            break
    srv.faults.write_stats_file()
    if srv.log not in (None, sys.stderr):
        srv.log.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # handler threads may sit in keep-alive reads: do not wait for them


if __name__ == "__main__":
    main()
