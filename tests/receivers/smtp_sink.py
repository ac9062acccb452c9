#!/usr/bin/env python3
"""A real SMTP server for the integration tests (aiosmtpd).

Usage: smtp_sink.py --out DIR [--port N]

Prints one line `PORT <n>` once listening on 127.0.0.1, then runs until
killed. Every accepted message becomes one JSON line in DIR/messages.jsonl.
Control files in DIR, read at every command so a test can change them
while the server runs:
  reject     addresses (one a line) refused at RCPT with 550
  tempfail   addresses (one a line) refused at RCPT with 451
  fail_data  if present, every DATA is answered 451 and nothing is recorded
  hang       if present, every DATA is left unanswered while it exists (a
             mail server that takes the message and never says so); once
             it is removed the waiting ones are answered 451 and nothing is
             recorded. Each such DATA adds a line to DIR/hangs.jsonl when
             it starts (`"state": "hanging"`) and when it ends (`"ended"`,
             with `how`: "released", or "client closed" when the client
             gave up first), so a test knows a connection is held open.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import re
import sys
import time

# Benchmarks turn fsync off (RECEIVER_FSYNC=0): the receiver must not be the bottleneck.
FSYNC = os.environ.get("RECEIVER_FSYNC", "1") != "0"

from aiosmtpd.smtp import SMTP


def read_addresses(path):
    """Lower-cased addresses listed in a control file (missing = none)."""
    try:
        with open(path, encoding="utf-8") as f:
            return {line.strip().lower() for line in f if line.strip()}
    except FileNotFoundError:
        return set()


def part_text(msg, subtype):
    """The decoded text/<subtype> body part, or None. SMTP's CRLF line ends
    become "\n" so tests can compare with ordinary strings (`raw` keeps them)."""
    try:
        part = msg.get_body(preferencelist=(subtype,))
        return None if part is None else part.get_content().replace("\r\n", "\n")
    except Exception:  # a malformed part must not lose the whole record
        return None


def header(msg, name):
    value = msg.get(name)
    return None if value is None else str(value)


class Handler:
    def __init__(self, out):
        self.out = out
        self.log = os.path.join(out, "messages.jsonl")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        addr = address.strip().lower()
        if addr in read_addresses(os.path.join(self.out, "reject")):
            return "550 5.1.1 mailbox unavailable"
        if addr in read_addresses(os.path.join(self.out, "tempfail")):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.out, "fail_data")):
            return "451 4.3.0 temporary failure"
        if os.path.exists(os.path.join(self.out, "hang")):
            return await self.hang(envelope)
        raw = envelope.original_content or b""
        if not FSYNC:
            # Benchmark mode: record only what identifies the message (parsing
            # MIME in Python would be what the benchmark measures).
            found = re.search(rb"^Message-ID:\s*(<[^>]*>)", raw, re.M | re.I)
            self.write({"rcpt_tos": list(envelope.rcpt_tos), "message_id": found and found.group(1).decode()})
            return "250 2.0.0 OK"
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {}
        for name, value in msg.items():
            headers[name.lower()] = str(value)  # last one wins
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message_id": header(msg, "Message-ID"),
            "subject": header(msg, "Subject"),
            "from": header(msg, "From"),
            "to": header(msg, "To"),
            "text": part_text(msg, "plain"),
            "html": part_text(msg, "html"),
            "headers": headers,
            "raw": raw.decode("utf-8", errors="replace"),
        }
        self.write(record)
        return "250 2.0.0 OK"

    async def hang(self, envelope):
        """Holds the DATA unanswered while DIR/hang exists. aiosmtpd cancels
        this coroutine when the client closes the connection."""
        found = re.search(rb"^Message-ID:\s*(<[^>]*>)", envelope.original_content or b"", re.M | re.I)
        message_id = found and found.group(1).decode()
        self.note_hang({"state": "hanging", "message_id": message_id, "at": time.time()})
        how = "client closed"
        try:
            while os.path.exists(os.path.join(self.out, "hang")):
                await asyncio.sleep(0.05)
            how = "released"
            return "451 4.3.0 try again later"
        finally:
            self.note_hang({"state": "ended", "how": how, "message_id": message_id, "at": time.time()})

    def note_hang(self, entry):
        with open(os.path.join(self.out, "hangs.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def write(self, record):
        # One write per line plus fsync: a reader never sees a half record
        # once the client has its 250.
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            if FSYNC:
                os.fsync(f.fileno())


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    loop = asyncio.get_running_loop()
    handler = Handler(args.out)
    # hostname given so aiosmtpd does not call getfqdn() (slow without DNS).
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost", enable_SMTPUTF8=True, loop=loop),
        host="127.0.0.1",
        port=args.port,
        reuse_address=True,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
