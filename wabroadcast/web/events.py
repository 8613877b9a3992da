"""Server-sent events: the campaign page's live numbers, pushed when they change.

The engine may run in this process, in another server or in the CLI, and webhooks update
sends from yet another request, so the one place every change shows up is the database. The
stream therefore polls one campaign's counts (a few indexed aggregates) and sends an event
only when they differ from the last one it sent. The poll interval grows with the cost of the
query (never more than ~20% of the time spent querying), so a tab left open on a
million-send campaign does not load the database.

A stream ends after `lifetime` seconds with a `retry:` hint; the browser's EventSource
reconnects by itself. That keeps a server shutdown from waiting on forgotten tabs.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

EVENT_STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
    "Connection": "keep-alive",
}
RECONNECT_MS = 3000

Snapshot = dict[str, Any]
Loader = Callable[[], Awaitable[Snapshot | None]]


def format_event(name: str, data: Any, *, event_id: int | None = None) -> str:
    """One SSE message. JSON never contains a raw newline, so one `data:` line suffices."""
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False))
    return "\n".join(lines) + "\n\n"


async def change_stream(
    load: Loader,
    *,
    interval: float = 1.0,
    heartbeat: float = 15.0,
    lifetime: float = 300.0,
    final: Callable[[Snapshot], bool] = lambda _snapshot: False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> AsyncIterator[str]:
    """Yield `progress` events when the loaded snapshot changes, `gone` if it disappears.

    A comment line is sent after `heartbeat` quiet seconds so proxies keep the connection.
    Once the snapshot is `final` (campaign finished) the poll slows down fivefold: only late
    status webhooks (delivered, read, replies) can still change it.
    """
    yield f"retry: {RECONNECT_MS}\n\n"
    started = last_sent = clock()
    last: Snapshot | None = None
    sequence = 0
    while clock() - started < lifetime:
        before = clock()
        snapshot = await load()
        cost = clock() - before
        if snapshot is None:
            yield format_event("gone", {})
            return
        if snapshot != last:
            sequence += 1
            yield format_event("progress", snapshot, event_id=sequence)
            last, last_sent = snapshot, clock()
        elif clock() - last_sent >= heartbeat:
            yield ": keep-alive\n\n"
            last_sent = clock()
        pause = max(interval, cost * 5)
        await sleep(pause * 5 if final(snapshot) else pause)
