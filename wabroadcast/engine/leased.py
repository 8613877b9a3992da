"""run_with_lease: run a campaign only while holding its phone number's sending lease.

What `wabroadcast serve` and `wabroadcast campaign run` call. Around run_campaign it adds:

* the lease (engine/lease.py): wait while another process sends from the campaign's number
  (it continues the campaign; we return when it is finished, or take over when it dies);
* the number's own settings (PHONE_NUMBERS: rate and daily limit) and client;
* database outages: a run cut off because the database went away (PostgreSQL restarted, the
  SQLite file locked beyond busy_timeout) says so and starts again when the database answers.
  Claims cut off are settled by the crash rule at the next acquisition, so nothing is sent
  twice: what may have gone out becomes `unknown`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable

from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.lease import HeldLease, LeaseOptions, new_holder_id, try_acquire
from wabroadcast.engine.limits import EngineOptions
from wabroadcast.engine.protocols import Progress, TemplateSender
from wabroadcast.engine.sender import StopWhen, run_campaign
from wabroadcast.engine.state import finish_run
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.numbers import UnknownPhoneNumber, settings_for_number
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError)
"""Connection refused or dropped, server shutting down, SQLite locked past busy_timeout."""

Notify = Callable[[str], None]


def number_client(
    client: CloudAPIClient | None, settings: Settings, phone_number_id: str
) -> TemplateSender:
    """`client` when it sends from `phone_number_id`, else a client for that number sharing its
    connection pool (one pool per process keeps 1,000 msg/s within reach)."""
    if client is None:
        raise RuntimeError("sending is disabled: no Cloud API client is configured")
    if client.phone_number_id == phone_number_id:
        return client
    return client.for_number(phone_number_id)


def campaign_number(database: Database, campaign_id: int) -> tuple[str, CampaignSummary]:
    """The campaign's phone number id and its current summary."""
    with database.session() as session:
        number = session.scalar(select(Campaign.phone_number_id).where(Campaign.id == campaign_id))
        summary = CampaignSummary.from_row(campaign_store.get_campaign(session, campaign_id))
        return number or "", summary


async def run_with_lease(
    campaign_id: int,
    *,
    database: Database,
    client_for: Callable[[str], TemplateSender],
    settings: Settings,
    clock: Clock | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    options: EngineOptions | None = None,
    lease_options: LeaseOptions | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_wait: Notify | None = None,
    outage_retry: float = 2.0,
    rng: random.Random | None = None,
    stop_when: StopWhen | None = None,
) -> CampaignSummary:
    """Send the campaign from its number while holding the number's lease; see module doc.

    Returns when the campaign is no longer running (completed, paused, cancelled, aborted),
    whoever finished it. `stop_when` is the run's stop condition (engine/sender.py).
    `on_wait` receives a message each time this run starts waiting
    (for the lease, or for the database).
    """
    lease_options = lease_options or LeaseOptions.from_ttl(settings.sender_lease_seconds)
    waiter = _Waiter(on_wait)
    holder = new_holder_id()
    real = SystemClock()  # lease times are wall-clock times shared between processes
    while True:
        try:
            number, summary = await asyncio.to_thread(campaign_number, database, campaign_id)
            if summary.state != CampaignState.RUNNING:
                return summary
            try:
                number_settings = settings_for_number(settings, number)
            except UnknownPhoneNumber as unknown:
                return await _abort(database, campaign_id, str(unknown), clock or real)
            acquired, current, _ = await asyncio.to_thread(
                try_acquire, database, number, holder, real.now(), lease_options.ttl, campaign_id
            )
        except DATABASE_UNAVAILABLE as error:
            waiter.say(_outage_message(campaign_id, error))
            await asyncio.sleep(outage_retry)
            continue
        if not acquired:
            waiter.say(
                f"phone number {number} is sending from another process ({current}); campaign "
                f"{campaign_id} waits, and takes over within {lease_options.ttl:g} s if that "
                "process stops"
            )
            await asyncio.sleep(lease_options.poll)
            continue
        waiter.reset()
        lease = HeldLease(database, number, holder, lease_options, real)
        lease.start()
        run = asyncio.create_task(
            run_campaign(
                campaign_id,
                database=database,
                client=client_for(number),
                settings=number_settings,
                clock=clock,
                sleep=sleep,
                options=options,
                on_progress=on_progress,
                rng=rng,
                lease=lease,
                stop_when=stop_when,
            )
        )
        lease.on_lost(functools.partial(_cancel_later, run, lease_options.ttl))
        try:
            summary = await run
        except asyncio.CancelledError:
            if not run.cancelled() or _being_cancelled():
                raise
            waiter.say(_lost_message(campaign_id, lease))
            await asyncio.sleep(stale_writer_grace(database))
            continue
        except DATABASE_UNAVAILABLE as error:
            waiter.say(_outage_message(campaign_id, error))
            await asyncio.sleep(max(outage_retry, stale_writer_grace(database)))
            continue
        finally:
            await lease.close()
        if summary.state != CampaignState.RUNNING:
            return summary
        # Still running: the lease was lost mid-run; wait for it like any other process.
        waiter.say(_lost_message(campaign_id, lease))


SQLITE_BUSY_TIMEOUT = 30.0
"""storage/db.py: PRAGMA busy_timeout=30000 (a statement waits at most this long for the lock)."""


def stale_writer_grace(database: Database) -> float:
    """How long to wait after a run ended abnormally before taking the number again.

    A run cut off mid-write can leave a statement running in a worker thread (threads cannot
    be cancelled): for instance the release of its unsent claims, still waiting for a lock.
    SQLite reuses the highest row ids once the takeover has released those claims, so such a
    late DELETE could hit the *next* run's new claims of the same ids. Every such statement
    ends within busy_timeout, so on SQLite we wait that long. PostgreSQL never reuses ids,
    and a late write there only touches claims the takeover already settled.
    """
    return SQLITE_BUSY_TIMEOUT + 2.0 if database.engine.dialect.name == "sqlite" else 0.0


def _cancel_later(run: asyncio.Task[CampaignSummary], grace: float) -> None:
    """The run stops on its own when the lease is lost; if it has not within `grace`
    seconds (stuck on a dead connection), cancel it: its claims stay for the crash rule."""
    if not run.done():
        asyncio.get_running_loop().call_later(grace, run.cancel)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class _Waiter:
    """Say why we wait once per wait, not once per poll."""

    def __init__(self, notify: Notify | None) -> None:
        self.notify = notify
        self.last: str | None = None

    def say(self, message: str) -> None:
        if message == self.last:
            return
        self.last = message
        log.warning("%s", message)
        if self.notify is not None:
            self.notify(message)

    def reset(self) -> None:
        self.last = None


def _lost_message(campaign_id: int, lease: HeldLease) -> str:
    return (
        f"campaign {campaign_id} stopped sending: {lease.loss_reason}; it resumes when this "
        "process can take the phone number's lease again (nothing is sent twice)"
    )


def _outage_message(campaign_id: int, error: Exception) -> str:
    kind = type(getattr(error, "orig", None) or error).__name__
    return (
        f"the database is unavailable ({kind}); campaign {campaign_id} is paused and resumes "
        "when the database answers again (nothing is sent meanwhile)"
    )


async def _abort(
    database: Database, campaign_id: int, message: str, clock: Clock
) -> CampaignSummary:
    return await asyncio.to_thread(
        finish_run, database, campaign_id, clock.now(), CampaignState.ABORTED, message, 0
    )
