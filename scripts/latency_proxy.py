#!/usr/bin/env python3
"""A loopback HTTP proxy that adds a fixed delay to every call: the local emulator with AWS's
round-trip time, for measuring how many calls a run waits for one after another.

Usage: latency_proxy.py --upstream http://127.0.0.1:4566 [--port 0] [--delay-ms 50] [--log calls.jsonl]

Point the SDK at it (AWS_ENDPOINT_URL=http://127.0.0.1:PORT). Every request is held for
`--delay-ms` before it is forwarded, then forwarded to the upstream as it came (method, path,
headers, body) and the upstream's answer returned. Each call is one line of `--log`: its start
and end (seconds, time.time()), method, path, the AWS action (`X-Amz-Target` or the form's
`Action=`) and the status. The port actually bound is printed on stdout as `port N` once the
proxy accepts connections. Connections are kept alive; each is served by its own thread, so
concurrent calls wait concurrently (a latency, not a bandwidth limit).
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class Calls:
    """The call log: one JSON object a line, written under a lock."""

    def __init__(self, path: str | None) -> None:
        self.file = open(path, "a", buffering=1) if path else None
        self.lock = threading.Lock()

    def write(self, record: dict) -> None:
        if self.file:
            with self.lock:
                self.file.write(json.dumps(record) + "\n")


def action_of(headers, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if body and b"Action=" in body[:4096]:
        form = urllib.parse.parse_qs(body[:4096].decode("utf-8", "replace"))
        if form.get("Action"):
            return form["Action"][0]
    return ""


def handler(upstream: urllib.parse.SplitResult, delay: float, calls: Calls):
    local = threading.local()

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: the call log says what happened
            pass

        def upstream(self) -> http.client.HTTPConnection:
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=300)
            return local.conn

        def body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def forward(self, body: bytes) -> tuple[int, list, bytes]:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            for attempt in (1, 2):
                try:
                    conn = self.upstream()
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    return answer.status, answer.getheaders(), answer.read()
                except (http.client.HTTPException, ConnectionError):
                    # A kept-alive upstream connection the emulator closed: one fresh attempt.
                    local.conn = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        def relay(self) -> None:
            started = time.time()
            body = self.body()
            action = action_of(self.headers, body)
            time.sleep(delay)
            status, headers, payload = self.forward(body)
            self.send_response_only(status)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            calls.write({"start": started, "end": time.time(), "method": self.command,
                         "path": self.path.split("?")[0], "action": action, "status": status})

    for verb in ("GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"):
        setattr(Proxy, f"do_{verb}", Proxy.relay)
    return Proxy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--log")
    args = parser.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(upstream, args.delay_ms / 1000.0, Calls(args.log)))
    server.daemon_threads = True
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
