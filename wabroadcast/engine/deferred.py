"""Retrying deferred sends: Cloud API 131049, the per-user marketing cap.

A send Meta did not deliver with 131049 is `deferred` (storage/deferred.py). Once
RETRY_131049_AFTER_HOURS have passed since that failure (Meta asks for at least 24 h) the same
send is requested again, at most RETRY_131049_MAX times; after the last one it fails for good.

A retry pass goes number by number and sends like a campaign run does:

* under the number's **lease** (engine/lease.py): a number another process sends from now is
  skipped until the next pass, so a retry never races a campaign run;
* at the number's **rate** (token bucket), with the engine's backoff for throttling and
  transient errors; a retry refused without reaching Meta goes back to `deferred` untouched;
* within the **daily recipient limit**: each retry is a claim like any other (claimed now,
  counted in the rolling 24 h);
* each claim is **committed before its request** with attempts = 1, so a crash leaves it
  `unknown` (never re-sent, never released), as for every send.

Opted-out and unreachable contacts are never retried, nor sends of a paused, cancelled or
aborted campaign. `serve` runs a pass every few seconds (CampaignManager.retrying_deferred);
`wabroadcast campaign retry-deferred [ID]` runs one in the foreground.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from wabroadcast.business_numbers import UnknownPhoneNumber, settings_for_number
from wabroadcast.clock import Clock, SystemClock
from wabroadcast.config import Settings
from wabroadcast.engine.deferred_sends import NumberRetry, RetryResult
from wabroadcast.engine.lease import HeldLease, LeaseOptions, new_holder_id, try_acquire
from wabroadcast.engine.limits import EngineOptions, resolve_daily_limit
from wabroadcast.engine.protocols import TemplateSender
from wabroadcast.storage import deferred as deferred_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.retry import retry_on_conflict

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
CHECK_MARGIN = timedelta(minutes=5)
"""How far back a pass looks again for sends deferred since the previous one: a webhook
processed around that time may commit a little later than the time it wrote."""
DAILY_LIMIT_TTL = 600.0
"""Seconds a number's messaging limit read from the Cloud API is reused by retry passes."""


@dataclass(frozen=True)
class RetryTally:
    """Counts of one retry pass so far, for progress bars."""

    due: int
    accepted: int
    deferred: int
    failed: int
    unknown: int
    put_back: int

    @property
    def done(self) -> int:
        return self.accepted + self.deferred + self.failed + self.unknown + self.put_back


@dataclass
class RetryPass:
    """What one pass did. `failed_for_good` are deferred sends whose retries were used up."""

    failed_for_good: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    """Why some due sends were not retried now (lease held elsewhere, daily limit, …)."""

    @property
    def retried(self) -> int:
        return sum(self.counts[r.value] for r in RetryResult if r is not RetryResult.PUT_BACK)

    def as_dict(self) -> dict[str, Any]:
        return {
            "retried": self.retried,
            "accepted": self.counts[RetryResult.ACCEPTED.value],
            "deferred_again": self.counts[RetryResult.DEFERRED.value],
            "failed": self.counts[RetryResult.FAILED.value],
            "unknown": self.counts[RetryResult.UNKNOWN.value],
            "put_back": self.counts[RetryResult.PUT_BACK.value],
            "failed_for_good": self.failed_for_good,
            "notes": list(self.notes),
        }


class DeferredRetrier:
    """One retry pass over every number (or one campaign); see the module docstring."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        client_for: Callable[[str], TemplateSender],
        *,
        sleep: Sleep = asyncio.sleep,
        options: EngineOptions | None = None,
        rng: random.Random | None = None,
        on_progress: Callable[[RetryTally], None] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.client_for = client_for
        self.sleep = sleep
        self.options = options or EngineOptions()
        self.policy = self.options.retry
        self.rng = rng or random.Random()
        self.on_progress = on_progress
        self.due = 0
        self._pass = RetryPass()
        self._limits: dict[str, tuple[float, int | None]] = {}
        self._checked_at: datetime | None = None
        """When the previous pass looked for used-up sends (the first pass looks at all)."""

    @property
    def max_retries(self) -> int:
        return self.settings.retry_131049_max

    def failed_before(self) -> datetime:
        return self.clock.now() - timedelta(hours=self.settings.retry_131049_after_hours)

    def count_due(self, campaign_id: int | None = None) -> int:
        """Deferred sends a pass would retry now (before the daily limit and the leases)."""
        if self.max_retries == 0:
            return 0
        with self.database.session() as session:
            return deferred_store.count_due(
                session, failed_before=self.failed_before(), campaign_id=campaign_id
            )

    async def run_once(self, campaign_id: int | None = None) -> RetryPass:
        """Fail the sends whose retries are used up, then retry those that are due."""
        self._pass = RetryPass()
        self._pass.failed_for_good = await asyncio.to_thread(
            retry_on_conflict, lambda: self._fail_exhausted(campaign_id), what="failing sends"
        )
        if self.max_retries == 0:
            return self._pass
        self.due = await asyncio.to_thread(self.count_due, campaign_id)
        if self.due == 0:
            return self._pass
        numbers = await asyncio.to_thread(self._numbers, campaign_id)
        for number in numbers:
            await self._retry_number(number, campaign_id)
        return self._pass

    def _numbers(self, campaign_id: int | None) -> list[str]:
        with self.database.session() as session:
            return deferred_store.numbers_with_due(
                session, failed_before=self.failed_before(), campaign_id=campaign_id
            )

    def _fail_exhausted(self, campaign_id: int | None) -> int:
        now = self.clock.now()
        since = None if self._checked_at is None else self._checked_at - CHECK_MARGIN
        with self.database.session() as session:
            failed = deferred_store.fail_exhausted(
                session,
                max_retries=self.max_retries,
                now=now,
                campaign_id=campaign_id,
                changed_since=since if campaign_id is None else None,
            )
        if campaign_id is None:
            self._checked_at = now
        return failed

    # -- one number ------------------------------------------------------------------------

    async def _retry_number(self, number: str, campaign_id: int | None) -> None:
        try:
            number_settings = settings_for_number(self.settings, number)
        except UnknownPhoneNumber as unknown:
            self._pass.notes.append(f"deferred sends not retried: {unknown}")
            return
        lease_options = LeaseOptions.from_ttl(self.settings.sender_lease_seconds)
        holder, real = new_holder_id(), SystemClock()
        acquired, current, _ = await asyncio.to_thread(
            try_acquire, self.database, number, holder, real.now(), lease_options.ttl
        )
        if not acquired:
            self._pass.notes.append(
                f"phone number {number} is sending from another process ({current}); its "
                "deferred sends are retried at the next check"
            )
            return
        lease = HeldLease(self.database, number, holder, lease_options, real)
        lease.start()
        try:
            client = self.client_for(number)
            sender = NumberRetry(self, client, number_settings, lease)
            sender.daily_limit = await self._daily_limit(number, number_settings, client)
            await sender.run(number, campaign_id)
        finally:
            await lease.close()

    async def _daily_limit(
        self, number: str, settings: Settings, client: TemplateSender
    ) -> int | None:
        """The number's daily recipient limit, read from the Cloud API at most every
        DAILY_LIMIT_TTL: `serve` passes every few seconds, and phone-number reads are
        limited to 200 an hour per WABA."""
        now = time.monotonic()
        cached = self._limits.get(number)
        if cached is not None and now - cached[0] < DAILY_LIMIT_TTL:
            return cached[1]
        limit = await resolve_daily_limit(settings, client)
        self._limits[number] = (now, limit)
        return limit

    def note(self, text: str) -> None:
        self._pass.notes.append(text)

    def tally(self, result: RetryResult) -> None:
        self._pass.counts[result.value] += 1
        self.report()

    def report(self) -> None:
        if self.on_progress is None:
            return
        counts = self._pass.counts
        progress = RetryTally(
            due=self.due,
            accepted=counts[RetryResult.ACCEPTED.value],
            deferred=counts[RetryResult.DEFERRED.value],
            failed=counts[RetryResult.FAILED.value],
            unknown=counts[RetryResult.UNKNOWN.value],
            put_back=counts[RetryResult.PUT_BACK.value],
        )
        try:
            self.on_progress(progress)
        except Exception:  # a broken progress bar must not lose an answer
            log.exception("progress callback failed")


async def retry_forever(retrier: DeferredRetrier, interval: float) -> None:
    """`serve`: a retry pass every `interval` seconds (real time; the check is one indexed
    query when nothing is due). A failing pass is logged and tried again next time."""
    while True:
        await asyncio.sleep(interval)
        try:
            done = await retrier.run_once()
        except Exception as exc:  # database down, a bug: the next round tries again
            log.warning("could not retry deferred sends: %s", type(exc).__name__)
            continue
        if done.retried or done.failed_for_good:
            log.info("deferred sends (131049): %s", done.as_dict())
