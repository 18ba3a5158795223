#!/usr/bin/env python3
"""hostile_server.py - an HTTP server on 127.0.0.1 that answers every AWS
call (any method, any path) with one kind of hostile response, for
tests/reliability/responses.sh.

    hostile_server.py --mode MODE --port-file FILE [--parent-pid PID]

Modes:
  huge_xml       200, a valid XML document streamed forever-ish (--size MiB,
                 default 600) with no Content-Length (chunked)
  huge_length    200 with Content-Length of --size MiB, streamed
  deep_xml       200, 100000 nested elements
  deep_json      200, application/x-amz-json-1.0, 100000 nested arrays
  bad_utf8       200, XML and JSON bytes that are not UTF-8
  truncated      200, Content-Length 4096 but 100 bytes then close
  short_length   200, Content-Length 10 for a longer body (extra bytes)
  garbage        200, random bytes (seeded)
  slow_loris     200 headers, then one body byte per second
  slow_headers   one header byte per second
  silent         accepts and never answers
  close          accepts and closes at once
The server exits within a second when --parent-pid is gone.  Each request
is handled in its own thread; nothing is logged but one line per request on
stderr."""
import argparse
import os
import random
import socket
import sys
import threading
import time

XML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><vpcSet>'
XML_ITEM = b'<item><vpcId>vpc-0123456789abcdef0</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><state>available</state></item>'
XML_TAIL = b'</vpcSet></DescribeVpcsResponse>'


def read_request(conn):
    """Reads the request head and body (Content-Length) so the client is not
    blocked writing; returns True when a request arrived."""
    conn.settimeout(30)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip() or 0)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        sys.stderr.write("request: %s\n" % head.split(b"\r\n")[0].decode("latin-1"))
        return True
    except (OSError, ValueError):
        return False


def head(status=200, ctype="text/xml", length=None, extra=""):
    h = "HTTP/1.1 %d OK\r\nContent-Type: %s\r\nx-amzn-RequestId: hostile-1\r\n" % (status, ctype)
    if length is None:
        h += "Transfer-Encoding: chunked\r\n"
    else:
        h += "Content-Length: %d\r\n" % length
    return (h + extra + "\r\n").encode()


def chunk(b):
    return b"%x\r\n%s\r\n" % (len(b), b)


def serve(conn, args):
    if args.mode == "silent":
        read_request(conn)
        while True:
            time.sleep(3600)
    if args.mode == "close":
        conn.close()
        return
    if not read_request(conn):
        return
    m = args.mode
    size = args.size * 1024 * 1024
    if m == "huge_xml":
        conn.sendall(head())
        conn.sendall(chunk(XML_HEAD))
        block = XML_ITEM * 600
        sent = 0
        while sent < size:
            conn.sendall(chunk(block))
            sent += len(block)
        conn.sendall(chunk(XML_TAIL) + b"0\r\n\r\n")
    elif m == "huge_length":
        conn.sendall(head(length=size))
        block = b"<a>" + b"x" * 65530 + b"</a>"
        sent = 0
        while sent < size:
            b = block[: size - sent]
            conn.sendall(b)
            sent += len(b)
    elif m == "deep_xml":
        n = 100000
        body = XML_HEAD + b"<a>" * n + b"</a>" * n + XML_TAIL
        conn.sendall(head(length=len(body)) + body)
    elif m == "deep_json":
        n = 100000
        body = b'{"Table": ' + b"[" * n + b"]" * n + b"}"
        conn.sendall(head(ctype="application/x-amz-json-1.0", length=len(body)) + body)
    elif m == "bad_utf8":
        body = XML_HEAD + b"<item><vpcId>vpc-\xff\xfe\xc3\x28\xed\xa0\x80</vpcId><cidrBlock>\x80\x81</cidrBlock></item>" + XML_TAIL
        conn.sendall(head(length=len(body)) + body)
    elif m == "bad_utf8_json":
        body = b'{"Table": {"TableName": "t\xff\xfe\xc3\x28", "TableStatus": "\xed\xa0\x80"}}'
        conn.sendall(head(ctype="application/x-amz-json-1.0", length=len(body)) + body)
    elif m == "truncated":
        body = (XML_HEAD + XML_ITEM * 100)[:100]
        conn.sendall(head(length=4096) + body)
    elif m == "short_length":
        body = XML_HEAD + XML_ITEM + XML_TAIL
        conn.sendall(head(length=10) + body)
    elif m == "garbage":
        r = random.Random(8)
        body = bytes(r.randrange(256) for _ in range(100000))
        conn.sendall(head(length=len(body)) + body)
    elif m == "slow_loris":
        body = XML_HEAD + XML_ITEM * 1000 + XML_TAIL
        conn.sendall(head(length=len(body)))
        for i in range(len(body)):
            conn.sendall(body[i:i + 1])
            time.sleep(1)
    elif m == "slow_headers":
        h = head(length=0)
        for i in range(len(h)):
            conn.sendall(h[i:i + 1])
            time.sleep(1)
    time.sleep(0.2)
    conn.close()


def handle(conn, args):
    try:
        serve(conn, args)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--parent-pid", type=int, default=0)
    ap.add_argument("--size", type=int, default=600, help="MiB for huge_xml / huge_length")
    args = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(tmp, args.port_file)
    s.settimeout(1)
    while True:
        if args.parent_pid:
            try:
                os.kill(args.parent_pid, 0)
            except OSError:
                os._exit(0)
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    main()
