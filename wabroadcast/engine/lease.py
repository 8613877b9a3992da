"""The per-number sending lease: at most one process sends from a business phone number.

Meta's throughput limit (80 messages/s, 1,000 at the higher level) is per phone number, so
with several `wabroadcast serve` processes on one PostgreSQL database only the holder of the
number's row in `sender_leases` claims and sends. The holder renews it with a heartbeat; a
holder that dies (kill -9, lost machine) stops renewing, the lease expires, and a waiting
process takes the number over within seconds.

Taking over also tells us the previous holder is dead, so its claims are settled at once by
the crash rule (attempts 0: released; otherwise `unknown`), instead of after 15 minutes.

A holder stops sending two heartbeats *before* its lease expires when it cannot renew it (the
database is unreachable, or another process holds the row), so two holders never overlap as
long as the machines' clocks agree to within a heartbeat (use NTP).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.domain.models import SendState
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Send, SenderLease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseOptions:
    ttl: float = 10.0
    """Seconds a lease lives without a heartbeat; a dead holder's number is idle this long."""
    heartbeat: float = 2.0
    """Seconds between renewals; also the margin by which a holder that cannot renew stops
    before its lease expires."""
    poll: float = 1.0
    """Seconds between attempts of a process waiting for the lease."""

    @classmethod
    def from_ttl(cls, ttl: float) -> LeaseOptions:
        return cls(ttl=ttl, heartbeat=max(ttl / 5, 0.05), poll=max(min(ttl / 10, 1.0), 0.05))


def new_holder_id(process_id: str | None = None) -> str:
    """host:pid:uuid — readable in the table, unique per run; `<process id>:uuid` for a run
    of a serve process that shares numbers with other servers (engine/balance.py)."""
    prefix = process_id or f"{socket.gethostname()}:{os.getpid()}"
    return f"{prefix}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Settled:
    released: int = 0
    unknown: int = 0


def try_acquire(
    database: Database,
    phone_number_id: str,
    holder: str,
    now: datetime,
    ttl: float,
    campaign_id: int | None = None,
) -> tuple[bool, str, Settled]:
    """Take the number's lease if it is free, expired or already ours, in one transaction.

    Returns (acquired, current holder, claims settled). On acquisition every claim still
    `claimed` for a campaign of this number belongs to a holder that is gone: they are
    settled in the same transaction, before this run claims anything.
    """
    expires = now + timedelta(seconds=ttl)
    with database.session() as session:
        upsert_lease(session, phone_number_id, holder, now, expires, campaign_id)
        current = session.scalar(
            select(SenderLease.holder).where(SenderLease.phone_number_id == phone_number_id)
        )
        if current != holder:
            return False, current or "", Settled()
        return True, holder, settle_orphan_claims(session, phone_number_id, now)


def upsert_lease(
    session: Session,
    phone_number_id: str,
    holder: str,
    now: datetime,
    expires: datetime,
    campaign_id: int | None,
) -> None:
    """INSERT … ON CONFLICT DO UPDATE … WHERE expired OR ours: atomic on both databases."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"holder": holder, "heartbeat_at": now, "expires_at": expires}
    values["campaign_id"] = campaign_id
    statement = insert(SenderLease).values(phone_number_id=phone_number_id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[SenderLease.phone_number_id],
        set_=values,
        where=or_(SenderLease.expires_at < now, SenderLease.holder == holder),
    )
    session.execute(statement)


def settle_orphan_claims(session: Session, phone_number_id: str, now: datetime) -> Settled:
    """The crash rule for every campaign of the number, without waiting for staleness."""
    campaign_ids = list(
        session.scalars(
            select(Send.campaign_id)
            .join(Campaign, Campaign.id == Send.campaign_id)
            .where(Campaign.phone_number_id == phone_number_id)
            .where(Send.state == SendState.CLAIMED.value)
            .group_by(Send.campaign_id)
        )
    )
    total = Settled()
    cutoff = now + timedelta(microseconds=1)
    for campaign_id in campaign_ids:
        if campaign_id is None:
            continue
        released, unknown = send_store.expire_stale_claims(session, campaign_id, cutoff, now)
        if released or unknown:
            campaign_store.add_counts(
                session, campaign_id, now, unknown=unknown, selected=-released
            )
        total = Settled(total.released + released, total.unknown + unknown)
    if total.released or total.unknown:
        log.warning(
            "took over phone number %s: %d claims of the previous sender released, %d unknown",
            phone_number_id,
            total.released,
            total.unknown,
        )
    return total


def renew(database: Database, phone_number_id: str, holder: str, now: datetime, ttl: float) -> bool:
    """Extend our lease; False when another process holds it now."""
    with database.session() as session:
        result = session.execute(
            update(SenderLease)
            .where(SenderLease.phone_number_id == phone_number_id)
            .where(SenderLease.holder == holder)
            .values(heartbeat_at=now, expires_at=now + timedelta(seconds=ttl))
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]


def release(database: Database, phone_number_id: str, holder: str) -> None:
    """Give the number up at once (the run ended): a waiting process need not wait the TTL."""
    with database.session() as session:
        session.execute(
            delete(SenderLease)
            .where(SenderLease.phone_number_id == phone_number_id)
            .where(SenderLease.holder == holder)
        )


def current_holder(database: Database, phone_number_id: str, now: datetime) -> str | None:
    """The live holder of the number, or None when free or expired."""
    with database.session() as session:
        return session.scalar(
            select(SenderLease.holder)
            .where(SenderLease.phone_number_id == phone_number_id)
            .where(SenderLease.expires_at >= now)
            .where(func.length(SenderLease.holder) > 0)
        )


class HeldLease:
    """A lease this run holds: renewed in the background; `on_lost` callbacks fire once.

    Lost means: the row now names another holder, or no renewal succeeded for ttl − 2 ×
    heartbeat seconds (measured on this process's monotonic clock, so a stalled database counts).
    """

    def __init__(
        self,
        database: Database,
        phone_number_id: str,
        holder: str,
        options: LeaseOptions,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.phone_number_id = phone_number_id
        self.holder = holder
        self.options = options
        self.clock = clock or SystemClock()
        self.lost = False
        self.loss_reason = "the sending lease expired"
        self._callbacks: list[Callable[[], None]] = []
        self._valid_until = time.monotonic() + options.ttl - 2 * options.heartbeat
        self._task: asyncio.Task[None] | None = None

    def on_lost(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
        if self.lost:
            callback()

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name=f"lease-{self.phone_number_id}")

    async def _beat(self) -> None:
        while not self.lost:
            remaining = self._valid_until - time.monotonic()
            await asyncio.sleep(min(self.options.heartbeat, max(remaining, 0.0)))
            if time.monotonic() >= self._valid_until:
                self._lose()
                return
            started = time.monotonic()
            try:
                renewed = await asyncio.wait_for(
                    asyncio.to_thread(
                        renew,
                        self.database,
                        self.phone_number_id,
                        self.holder,
                        self.clock.now(),
                        self.options.ttl,
                    ),
                    timeout=self.options.heartbeat,
                )
            except Exception as exc:  # database unreachable: keep trying until the deadline
                log.warning("could not renew the sending lease: %s", type(exc).__name__)
                self.loss_reason = (
                    f"the database is unavailable ({type(exc).__name__}), so the sending lease "
                    "could not be renewed"
                )
                continue
            if not renewed:
                self.loss_reason = "another process took the phone number over"
                self._lose()
                return
            self._valid_until = started + self._margin()

    def _margin(self) -> float:
        """How long a renewal started at t keeps us sending: two heartbeats short of the TTL
        (one to notice a failed renewal, one for that renewal's own timeout)."""
        return self.options.ttl - 2 * self.options.heartbeat

    def _lose(self) -> None:
        if self.lost:
            return
        self.lost = True
        log.warning(
            "lost the sending lease of phone number %s; stopping this sender",
            self.phone_number_id,
        )
        for callback in self._callbacks:
            callback()

    async def close(self) -> None:
        """Stop the heartbeat and give the number up (best effort: it expires anyway)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.lost:
            return
        self.lost = True
        try:
            await asyncio.to_thread(release, self.database, self.phone_number_id, self.holder)
        except Exception as exc:
            log.warning("could not release the sending lease: %s", type(exc).__name__)
