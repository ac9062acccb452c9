#!/usr/bin/env python3
"""An HTTP receiver for the integration tests that verifies Standard
Webhooks signatures with the reference library (`standardwebhooks`).

Usage: webhook_receiver.py --out DIR [--port N]

Prints one line `PORT <n>` once listening on 127.0.0.1, then runs until
killed. Every POST (any path) becomes one JSON line in DIR/deliveries.jsonl
(with `received_at`, the wall clock in seconds when it arrived), written
before the response goes out, so a client that has seen an answer
can rely on the record being there. Files in DIR, read at every request:
  secrets  one `whsec_...` per line (missing or empty = nothing verifies);
           `verified_with` is the 0-based index among the non-empty lines
  mode     `ok` (default): 204, or 401 when not verified
           `status N`: answer N with a short text body
           `hang S`: hold the request unanswered for up to S seconds,
           then 204; the hold ends early when the client closes the
           connection, or when `mode` no longer says `hang` (then the
           request is answered as the new mode says: `drop` closes it).
           Each hold adds a line to DIR/hangs.jsonl when it starts
           (`"state": "hanging"`) and when it ends (`"ended"`, with `how`:
           "elapsed", "released" or "client closed"), so a test knows
           a connection is held open.
           `drop`: close the connection without any response
GET /health answers 200 "ok".
"""

import argparse
import json
import os
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Benchmarks turn fsync off (RECEIVER_FSYNC=0): the receiver must not be the bottleneck.
FSYNC = os.environ.get("RECEIVER_FSYNC", "1") != "0"

import standardwebhooks

OUT = "."
LOCK = threading.Lock()  # requests run on several threads; one writer at a time


def read_lines(name):
    try:
        with open(os.path.join(OUT, name), encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def verify(body, headers):
    """Index of the first secret that verifies the delivery, or None."""
    for index, secret in enumerate(read_lines("secrets")):
        try:
            standardwebhooks.Webhook(secret).verify(body, headers, json_parse=False)
            return index
        except Exception:  # wrong secret, bad header, stale timestamp, bad secret
            continue
    return None


def read_mode():
    """(kind, argument) from DIR/mode; anything unreadable counts as ok."""
    lines = read_lines("mode")
    words = lines[0].split() if lines else ["ok"]
    kind = words[0].lower()
    try:
        if kind == "status":
            return kind, int(words[1])
        if kind == "hang":
            return kind, float(words[1])
    except (IndexError, ValueError):
        return "ok", None
    return (kind, None) if kind in ("ok", "drop") else ("ok", None)


def note_hang(entry):
    with LOCK, open(os.path.join(OUT, "hangs.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def client_closed(sock):
    """Whether the peer has closed (readable with nothing to read)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def hold(sock, seconds, webhook_id):
    """Holds a request unanswered (see `hang S` above); returns the mode to
    answer with afterwards, or None when the client is gone."""
    note_hang({"state": "hanging", "webhook_id": webhook_id, "at": time.time()})
    deadline = time.monotonic() + seconds
    how, after = "elapsed", ("hang", seconds)
    while time.monotonic() < deadline:
        if client_closed(sock):
            how, after = "client closed", None
            break
        mode = read_mode()
        if mode[0] != "hang":
            how, after = "released", mode
            break
        time.sleep(0.05)
    note_hang({"state": "ended", "how": how, "webhook_id": webhook_id, "at": time.time()})
    return after


def record(entry):
    with LOCK, open(os.path.join(OUT, "deliveries.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        f.flush()
        if FSYNC:
            os.fsync(f.fileno())


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # stderr is the test's output: keep it quiet
        pass

    def answer(self, status, text=None):
        # 204/304 may not carry a body (nor a Content-Length).
        body = b"" if text is None or status in (204, 304) else text.encode("utf-8")
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        if self.path.split("?")[0] == "/health":
            self.answer(200, "ok")
        else:
            self.answer(404, "not found")

    def do_POST(self):
        received_at = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {
            name: self.headers.get(name)
            for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
            if self.headers.get(name) is not None
        }
        verified_with = verify(body, headers)
        verified = verified_with is not None

        kind, arg = read_mode()
        if kind == "drop":
            status = None
        elif kind == "status":
            status = arg
        elif kind == "hang":
            status = 204
        else:
            status = 204 if verified else 401

        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        is_obj = isinstance(parsed, dict)
        record({
            "received_at": received_at,
            "webhook_id": self.headers.get("webhook-id"),
            "webhook_timestamp": self.headers.get("webhook-timestamp"),
            "signature": self.headers.get("webhook-signature"),
            "path": self.path,
            "verified": verified,
            "verified_with": verified_with,
            "body": text,
            "type": parsed.get("type") if is_obj else None,
            "data": parsed.get("data") if is_obj else None,
            "answered": status,
        })

        if kind == "hang":
            after = hold(self.connection, arg, self.headers.get("webhook-id"))
            if after is None:
                return
            kind, arg = after
            if kind == "status":
                status = arg
            elif kind == "ok":
                status = 204 if verified else 401
            elif kind == "hang":
                status = 204
        if kind == "drop":
            # No status line at all: the client sees the connection close.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            if kind == "status":
                self.answer(status, f"status {status}\n")
            else:
                self.answer(status, None if status == 204 else "signature not verified\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out during a hang)


class Server(ThreadingHTTPServer):
    allow_reuse_address = True  # rebind right after a killed instance
    daemon_threads = True  # a hanging request must not keep the process alive
    request_queue_size = 256  # the default backlog of 5 drops concurrent senders


def main():
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    OUT = args.out
    os.makedirs(OUT, exist_ok=True)
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
