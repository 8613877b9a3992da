"""Writes the answers of sends in batches, one transaction per flush.

Answers are buffered for a fraction of a second so that 1,000 sends per second cost a handful
of commits, not a thousand. What is buffered but not yet written when the process dies is
still `claimed` in the database, and becomes `unknown` on resume (never re-sent).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from wabroadcast.clock import Clock
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import deferred as deferred_store
from wabroadcast.storage import releases as release_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.retry import retry_on_conflict
from wabroadcast.storage.sends import Accepted, Failed


@dataclass
class _Buffer:
    accepted: list[Accepted] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    deferred: list[Failed] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    released_after_errors: list[int] = field(default_factory=list)
    released_unsent: list[int] = field(default_factory=list)
    release_reasons: dict[int, str] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)

    def send_ids(self) -> list[int]:
        return [
            *(send.send_id for send in self.accepted),
            *(send.send_id for send in self.failed),
            *(send.send_id for send in self.deferred),
            *self.unknown,
            *self.released_after_errors,
            *self.released_unsent,
        ]

    def __len__(self) -> int:
        return (
            len(self.accepted)
            + len(self.failed)
            + len(self.deferred)
            + len(self.unknown)
            + len(self.released_after_errors)
            + len(self.released_unsent)
        )


class Recorder:
    def __init__(
        self,
        database: Database,
        campaign_id: int,
        clock: Clock,
        *,
        flush_every: float = 0.1,
    ) -> None:
        self.database = database
        self.campaign_id = campaign_id
        self.clock = clock
        self.flush_every = flush_every
        self.failure: BaseException | None = None
        self._buffer = _Buffer()
        self._wake = asyncio.Event()
        self._closing = False

    def accepted(self, send: Accepted) -> None:
        self._buffer.accepted.append(send)
        self._wake.set()

    def failed(self, send: Failed, reason: str) -> None:
        self._buffer.failed.append(send)
        self._buffer.failures[reason] += 1
        self._wake.set()

    def deferred(self, send: Failed) -> None:
        """131049: Meta held it back for now; the same send is retried later (deferred.py)."""
        self._buffer.deferred.append(send)
        self._wake.set()

    def unknown(self, send_id: int, attempts: int) -> None:
        self._buffer.unknown.append(send_id)
        self._wake.set()

    def released_after_errors(self, send_id: int, reason: str) -> None:
        """Retries ran out: nothing reached the person, so the pair is freed for later."""
        self._buffer.released_after_errors.append(send_id)
        self._buffer.release_reasons[send_id] = reason
        self._buffer.failures[reason] += 1
        self._wake.set()

    def released_unsent(self, send_id: int) -> None:
        """Claimed but never requested (stop, pause, fatal error): as if never selected."""
        self._buffer.released_unsent.append(send_id)
        self._wake.set()

    async def run(self) -> None:
        """Flush shortly after answers arrive, until closed."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._closing:
                await asyncio.sleep(self.flush_every)  # real time: this only batches writes
            await self.flush()
            if self._closing and not self._buffer:
                return

    async def close(self) -> None:
        self._closing = True
        self._wake.set()

    async def flush(self) -> None:
        buffer, self._buffer = self._buffer, _Buffer()
        if not buffer or self.failure is not None:
            return
        try:  # a lost deadlock (the webhook processor writes the same rows) is retried
            write = partial(self._write, buffer)
            await asyncio.to_thread(retry_on_conflict, write, what="recording send answers")
        except Exception as exc:  # the database is gone: stop the run, keep claims claimed
            self.failure = exc

    def raise_if_failed(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _write(self, buffer: _Buffer) -> None:
        now = self.clock.now()
        with self.database.session() as session:
            # Row locks in id order, all at once, before any write: the webhook processor
            # locks sends in id order too, so the two can wait on each other but never
            # deadlock (a status can arrive before this commit, matched by callback data).
            send_store.lock_sends(session, buffer.send_ids())
            send_store.mark_accepted(session, buffer.accepted, now)
            send_store.mark_failed(session, sorted(buffer.failed, key=_by_contact), now)
            send_store.mark_unknown(session, buffer.unknown, now)
            deferred_store.mark_deferred(
                session, [(d.send_id, d.code, d.reason, d.attempts) for d in buffer.deferred], now
            )
            release_store.release_after_errors(  # kept in send_releases for "retry failed"
                session, self.campaign_id, buffer.release_reasons, now
            )
            unsent = send_store.release_claims(session, buffer.released_unsent)
            campaign_store.add_counts(
                session,
                self.campaign_id,
                now,
                selected=-unsent,
                accepted=len(buffer.accepted),
                failed=len(buffer.failed) + len(buffer.released_after_errors),
                unknown=len(buffer.unknown),
                failures=buffer.failures,
            )


def _by_contact(send: Failed) -> int:
    """Contacts are updated in id order, as the webhook processor does (no lock cycles)."""
    return send.contact_id
