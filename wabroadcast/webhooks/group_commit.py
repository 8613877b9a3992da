"""Group commit of signed webhook bodies: many requests, one transaction, each answered after
its body is durable.

A transaction per POST costs more than the rest of the request put together: a thread hop, an
ORM session, a flush and a commit, each while holding the process's webhook write gate. Here a
request hands its verified body to :class:`GroupCommit` and waits; one writer task collects the
bodies that arrive within ``linger`` seconds (or ``max_bodies`` of them, or ``max_bytes`` of
JSON, whichever first), inserts them with one statement in one transaction, and only after the
commit wakes every waiting request with its body's id. While a group is being written the next
one gathers, so under load groups grow by themselves and the linger adds nothing.

If the transaction fails, nothing of the group is stored and every waiter gets the error (the
route answers 503, and Meta retries each body). A request that goes away while it waits does
not cancel the write: its body is stored and processed like the others, and the retry Meta
sends for it is deduplicated by the processor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from wabroadcast.clock import Clock
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.webhooks.processing import WRITE_GATE

log = logging.getLogger(__name__)
LINGER_SECONDS = 0.002
"""How long the first body of a group waits for company when the writer is idle."""
MAX_BODIES = 500
MAX_BYTES = 4 * 1024 * 1024
"""A group stops growing at this much JSON: one large body (up to WEBHOOK_MAX_BODY_BYTES) goes
in a group of its own or with few others."""


@dataclass
class _Group:
    bodies: list[tuple[str, str, datetime]] = field(default_factory=list)
    waiters: list[asyncio.Future[int]] = field(default_factory=list)
    size: int = 0


class GroupCommit:
    """Stores bodies for the requests of one event loop; the writer starts on first use."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        linger: float = LINGER_SECONDS,
        max_bodies: int = MAX_BODIES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._database = database
        self._clock = clock
        self._linger = linger
        self._max_bodies = max_bodies
        self._max_bytes = max_bytes
        self._loop: asyncio.AbstractEventLoop | None = None
        self._group = _Group()
        self._ready = asyncio.Event()
        self._full = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closing = False

    async def store(self, body: str, kind: str) -> int:
        """The body's id once it is committed; the database's error if its group failed."""
        loop = asyncio.get_running_loop()
        if self._writer is None or self._loop is not loop or self._writer.done():
            self._start(loop)
        waiter: asyncio.Future[int] = loop.create_future()
        waiter.add_done_callback(_retrieve)
        group = self._group
        group.bodies.append((body, kind, self._clock.now()))
        group.waiters.append(waiter)
        group.size += len(body)
        self._ready.set()
        if len(group.bodies) >= self._max_bodies or group.size >= self._max_bytes:
            self._full.set()
        # shield: a request cancelled while waiting must not cancel its group's write
        return await asyncio.shield(waiter)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        """A writer for this loop (the first request, or a test's new loop after another's)."""
        self._loop = loop
        self._group = _Group()
        self._ready = asyncio.Event()
        self._full = asyncio.Event()
        self._closing = False
        self._writer = loop.create_task(self._run(), name="webhook-group-commit")

    async def close(self) -> None:
        """Write what is queued, then stop the writer (the router's lifespan calls this)."""
        writer = self._writer
        if writer is None or writer.done():
            return
        self._closing = True
        self._ready.set()
        await writer

    def _take(self) -> _Group:
        group, self._group = self._group, _Group()
        self._ready.clear()
        self._full.clear()
        return group

    async def _run(self) -> None:
        while True:
            # Closing: no more waiting for bodies. close() may have set `_ready` while a group
            # lingered, and taking that group cleared it again: waiting then would never end.
            if not self._closing:
                await self._ready.wait()
            if self._closing and not self._group.waiters:
                return
            if self._linger > 0 and not (self._full.is_set() or self._closing):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self._linger)
            await self._write(self._take())

    async def _write(self, group: _Group) -> None:
        if not group.bodies:
            return
        try:
            ids = await run_in_threadpool(self._insert, group.bodies)
        except BaseException as exc:  # every waiter learns it; the writer carries on
            for waiter in group.waiters:
                if not waiter.done():
                    waiter.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for waiter, event_id in zip(group.waiters, ids, strict=True):
            if not waiter.done():
                waiter.set_result(event_id)

    def _insert(self, bodies: list[tuple[str, str, datetime]]) -> list[int]:
        with WRITE_GATE.store(), self._database.session() as session:
            return webhook_events.store_many(session, bodies)


def _retrieve(waiter: asyncio.Future[int]) -> None:
    """Mark a failed group's error as seen even when its request has gone away."""
    if not waiter.cancelled():
        waiter.exception()
