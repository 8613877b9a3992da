"""Sharing the busy business numbers between the live `wabroadcast serve` processes.

Meta's throughput is per number, and a process sends every number it holds a lease of
(engine/lease.py). Left alone, the server that starts the campaigns takes every number while
another server idles. So each serve process keeps a row in `sender_processes` while it runs
(:class:`Presence`), and a run about to take a free number first asks :class:`Balancer`:

- its **fair share** is ceil(busy numbers / live servers), where busy numbers are the numbers
  with a running campaign;
- a server holding its share already **offers** the number instead of taking it: it writes
  the number's lease row as an expired row naming the campaign (holder ``offer:<process>``),
  which every other server's adopter (engine/adopt.py) treats like a dead holder's and takes;
- if nobody has taken the offer after ``grace`` seconds (the other servers are full, or
  gone), the offering run takes the number after all, so a number never idles for good.

Balancing decides who *starts* a number; a run never hands over a number it is sending, so
no send is cut off by it. With one live server nothing changes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.lease import upsert_lease
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, SenderLease, SenderProcess

log = logging.getLogger(__name__)

OFFER = "offer:"
"""Prefix of the holder of an offered number's lease row: ``offer:<process id>``."""


def new_process_id() -> str:
    """host:pid:uuid — the runs of this process name their leases ``<process id>:<uuid>``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def is_offer(holder: str) -> bool:
    return holder.startswith(OFFER)


@dataclass(frozen=True)
class Share:
    """What one process sends against what it should: `held` of `fair` numbers."""

    live: int
    """Live serve processes (at least 1: the one asking)."""
    busy: int
    """Numbers with a running campaign."""
    held: int
    """Numbers this process holds a live lease of."""

    @property
    def fair(self) -> int:
        return max(1, math.ceil(self.busy / self.live))

    @property
    def full(self) -> bool:
        """Whether another live server should take the next number."""
        return self.live > 1 and self.held >= self.fair


def share_of(session: Session, process_id: str, now: datetime) -> Share:
    live = session.scalar(
        select(func.count()).select_from(SenderProcess).where(SenderProcess.expires_at >= now)
    )
    busy = session.scalar(
        select(func.count(func.distinct(Campaign.phone_number_id))).where(
            Campaign.state == CampaignState.RUNNING.value
        )
    )
    held = session.scalar(
        select(func.count())
        .select_from(SenderLease)
        .where(SenderLease.holder.like(f"{process_id}:%"))
        .where(SenderLease.expires_at >= now)
    )
    return Share(live=max(1, int(live or 0)), busy=int(busy or 0), held=int(held or 0))


def offer(
    database: Database, process_id: str, phone_number_id: str, campaign_id: int, now: datetime
) -> bool:
    """Offer the free number to another server when this one has its share; one transaction.

    Returns True when offered (the caller waits). A number held by a live lease is not
    touched: the caller's ordinary lease wait handles it.
    """
    with database.session() as session:
        lease = session.get(SenderLease, phone_number_id)
        if lease is not None and _aware(lease.expires_at) >= now and not is_offer(lease.holder):
            return False
        if not share_of(session, process_id, now).full:
            return False
        if lease is None or lease.holder != OFFER + process_id:
            # Written once: an offer's expiry stays in the past for every later reader.
            upsert_lease(session, phone_number_id, OFFER + process_id, now, now, campaign_id)
        return True


class Balancer:
    """For each run of this process: take the free number, or offer it first (module doc)."""

    def __init__(self, database: Database, process_id: str, grace: float) -> None:
        self.database = database
        self.process_id = process_id
        self.grace = grace
        self.deciding = asyncio.Lock()
        """Held from the decision to the lease taken, so this process's runs decide in turn."""
        self._offered_since: dict[int, float] = {}

    def leaves_to_others(self, phone_number_id: str, campaign_id: int, now: datetime) -> bool:
        """Whether the run of `campaign_id` should wait instead of taking its number now."""
        since = self._offered_since.setdefault(campaign_id, time.monotonic())
        if time.monotonic() - since > self.grace:
            return False  # offered long enough: nobody else took it
        if offer(self.database, self.process_id, phone_number_id, campaign_id, now):
            return True
        self._offered_since.pop(campaign_id, None)
        return False

    def taken(self, campaign_id: int) -> None:
        """The run took its number (or ended): forget its offer."""
        self._offered_since.pop(campaign_id, None)


class Presence:
    """This process's row in `sender_processes`, renewed every `heartbeat` seconds."""

    def __init__(
        self,
        database: Database,
        process_id: str,
        ttl: float,
        heartbeat: float,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.process_id = process_id
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.clock = clock or SystemClock()  # wall-clock times, shared between processes
        self.started_at = self.clock.now()
        self._task: asyncio.Task[None] | None = None

    def renew(self) -> None:
        now = self.clock.now()
        with self.database.session() as session:
            _upsert_process(session, self.process_id, self.started_at, now, self.ttl)
            session.execute(delete(SenderProcess).where(SenderProcess.expires_at < now))

    async def __aenter__(self) -> Presence:
        try:
            await asyncio.to_thread(self.renew)
        except Exception as exc:  # database down at start: the heartbeat retries
            log.warning("could not register this server: %s", type(exc).__name__)
        self._task = asyncio.create_task(self._beat(), name="presence")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await asyncio.to_thread(self._remove)
        except Exception as exc:  # it expires anyway
            log.warning("could not unregister this server: %s", type(exc).__name__)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await asyncio.to_thread(self.renew)
            except Exception as exc:
                log.warning("could not renew this server's presence: %s", type(exc).__name__)

    def _remove(self) -> None:
        with self.database.session() as session:
            session.execute(
                delete(SenderProcess).where(SenderProcess.process_id == self.process_id)
            )


def _upsert_process(
    session: Session, process_id: str, started_at: datetime, now: datetime, ttl: float
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"heartbeat_at": now, "expires_at": now + timedelta(seconds=ttl)}
    statement = insert(SenderProcess).values(process_id=process_id, started_at=started_at, **values)
    session.execute(
        statement.on_conflict_do_update(index_elements=[SenderProcess.process_id], set_=values)
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
