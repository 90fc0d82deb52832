#!/usr/bin/env python3
"""A loopback HTTP proxy in front of a docker-registry that misbehaves on
blob GETs, for pull fault tests. Usage:
  flaky_registry_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT STATE_DIR
The mode is read from STATE_DIR/mode before every GET of a blob larger
than 64 KiB (a layer; configs pass unchanged):
  pass        forward unchanged
  fail-first  answer 503 to the first GET of each blob, forward the others
  short       announce and send only the first half of the blob (a
              truncated blob that the registry claims is complete)
  slow        forward at about 1 MB/s (so a pull can be killed midway)
STATE_DIR/log gets one line per blob GET ("<digest> <answer>"), and
STATE_DIR/max_inflight the most blob GETs seen at once. Uploads (POST,
PATCH, PUT) pass unchanged; STATE_DIR/requests gets one line per upload
request ("<METHOD> <path> <status> <Content-Range>"). The Host header is
passed on, so the registry's upload Locations point back at this proxy."""
import http.client
import http.server
import os
import re
import sys
import threading
import time

PORT, UPSTREAM, STATE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
seen = set()
inflight = [0, 0]  # now, max


def mode():
    try:
        with open(os.path.join(STATE, "mode")) as f:
            return f.read().strip()
    except OSError:
        return "pass"


def log(line):
    with lock, open(os.path.join(STATE, "log"), "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def fetch(self):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=60)
        headers = dict(self.headers.items())
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read() if self.command != "HEAD" else b""
        conn.close()
        return resp, data

    def reply(self, resp, data, slow=False):
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            self.send_header(k, v)
        if self.command == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length") or "0")
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        step = 64 * 1024
        for i in range(0, len(data), step):
            self.wfile.write(data[i:i + step])
            if slow:
                self.wfile.flush()
                time.sleep(0.0625)

    def forward(self):
        resp, data = self.fetch()
        self.reply(resp, data)

    def blob_get(self, digest):
        m = mode()
        resp, data = self.fetch()
        # Faults hit layer-sized blobs only (configs are a few KiB), so a
        # pull always gets as far as its layers.
        if len(data) <= 64 * 1024 or resp.status != 200:
            self.reply(resp, data)
            return
        with lock:
            first = digest not in seen
            seen.add(digest)
            inflight[0] += 1
            inflight[1] = max(inflight[1], inflight[0])
            with open(os.path.join(STATE, "max_inflight"), "w") as f:
                f.write(str(inflight[1]))
        try:
            if m == "fail-first" and first:
                log(digest + " 503")
                time.sleep(0.3)  # let the other downloads overlap this one
                body = b'{"errors":[{"code":"UNAVAILABLE","message":"try again"}]}'
                self.send_response(503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if m == "short":
                log(digest + " short")
                self.reply(resp, data[: len(data) // 2])
                return
            log(digest + " " + m)
            self.reply(resp, data, slow=(m == "slow"))
        finally:
            with lock:
                inflight[0] -= 1

    def do_GET(self):
        m = re.match(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$", self.path)
        if m:
            self.blob_get(m.group(1))
        else:
            self.forward()

    def do_HEAD(self):
        self.forward()

    def upload(self):
        resp, data = self.fetch()
        with lock, open(os.path.join(STATE, "requests"), "a") as f:
            f.write("%s %s %d %s\n" % (self.command, self.path, resp.status,
                                       self.headers.get("Content-Range") or "-"))
        self.reply(resp, data)

    do_POST = upload
    do_PATCH = upload
    do_PUT = upload


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
server.serve_forever()
