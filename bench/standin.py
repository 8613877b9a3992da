"""A stand-in Graph API for bench/send.py: a raw asyncio protocol server costing almost no CPU.

Answers every request after a fixed latency (POST …/messages with a message id; GET
…/message_templates with one approved template, `daily_offer` in `tr`, which the campaign
manager syncs before sending a template it does not know; any other GET with a phone number's
limits), over keep-alive HTTP/1.1, and records the time each POST arrived. On
SIGTERM it writes those receive times (one float per line) to the given file and exits.

    python bench/standin.py PORT TIMES_FILE [--latency-ms 150]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import time
from pathlib import Path

PHONE = (
    b'{"id":"106540352242922","quality_rating":"GREEN","status":"CONNECTED",'
    b'"throughput":{"level":"HIGH"},"whatsapp_business_manager_messaging_limit":"TIER_UNLIMITED"}'
)

TEMPLATES = (
    b'{"data":[{"id":"1234567890","name":"daily_offer","language":"tr","status":"APPROVED",'
    b'"category":"MARKETING","parameter_format":"POSITIONAL",'
    b'"components":[{"type":"BODY","text":"Today only: our daily offer."}]}],'
    b'"paging":{"cursors":{"before":"QVFI","after":"QVFI"}}}'
)


def _response(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class GraphStandIn(asyncio.Protocol):
    received: list[float] = []
    latency = 0.15
    ids = itertools.count(1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""
        self.loop = asyncio.get_running_loop()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            if head.startswith(b"POST"):
                self.received.append(time.time())
                body = b'{"messaging_product":"whatsapp","messages":[{"id":"wamid.S%d"}]}' % next(
                    self.ids
                )
            elif b"/message_templates" in head.split(b"\r\n", 1)[0]:
                body = TEMPLATES
            else:
                body = PHONE
            self.loop.call_later(self.latency, self._answer, _response(body))

    def _answer(self, payload: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(payload)


async def serve(port: int, latency: float) -> None:
    GraphStandIn.latency = latency
    loop = asyncio.get_running_loop()
    server = await loop.create_server(GraphStandIn, "127.0.0.1", port, backlog=4096)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("times", type=Path)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.latency_ms / 1000))
    args.times.write_text("".join(f"{t:.6f}\n" for t in GraphStandIn.received))


if __name__ == "__main__":
    main()
