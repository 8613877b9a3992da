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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any

from wabroadcast.business_numbers import UnknownPhoneNumber, settings_for_number
from wabroadcast.clock import Clock, SystemClock
from wabroadcast.cloudapi.errors import CloudAPIError, GraphError, Outcome, UncertainError
from wabroadcast.config import Settings
from wabroadcast.domain.render import RenderError
from wabroadcast.engine.lease import HeldLease, LeaseOptions, new_holder_id, try_acquire
from wabroadcast.engine.limits import DAILY_WINDOW, EngineOptions, resolve_daily_limit
from wabroadcast.engine.outcomes import failure_reason
from wabroadcast.engine.protocols import TemplateSender, callback_data
from wabroadcast.engine.ratelimit import TokenBucket
from wabroadcast.engine.templates import prepare_rendering
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import deferred as deferred_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.deferred import RetryClaim
from wabroadcast.storage.retry import retry_on_conflict
from wabroadcast.storage.sends import Accepted, Failed
from wabroadcast.storage.tables import Campaign
from wabroadcast.storage.templates import CampaignRefused

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
DAILY_LIMIT_TTL = 600.0
"""Seconds a number's messaging limit read from the Cloud API is reused by retry passes."""


class _Result(Enum):
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    FAILED = "failed"
    UNKNOWN = "unknown"
    PUT_BACK = "put_back"


@dataclass(frozen=True)
class _Answer:
    claim: RetryClaim
    result: _Result
    message_id: str = ""
    wa_id: str | None = None
    code: int | None = None
    text: str = ""
    requests: int = 1


@dataclass(frozen=True)
class _Refusal:
    """Why a claim cannot be rendered now; `campaign_wide` stops the number's retries."""

    text: str
    campaign_wide: bool


Components = list[dict[str, Any]] | None | _Refusal


@dataclass(frozen=True)
class RetryProgress:
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
        return sum(self.counts[r.value] for r in _Result if r is not _Result.PUT_BACK)

    def as_dict(self) -> dict[str, Any]:
        return {
            "retried": self.retried,
            "accepted": self.counts[_Result.ACCEPTED.value],
            "deferred_again": self.counts[_Result.DEFERRED.value],
            "failed": self.counts[_Result.FAILED.value],
            "unknown": self.counts[_Result.UNKNOWN.value],
            "put_back": self.counts[_Result.PUT_BACK.value],
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
        on_progress: Callable[[RetryProgress], None] | None = None,
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
        with self.database.session() as session:
            return deferred_store.fail_exhausted(
                session, max_retries=self.max_retries, now=self.clock.now(), campaign_id=campaign_id
            )

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
            sender = _NumberRetry(self, client, number_settings, lease)
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

    def report(self) -> None:
        if self.on_progress is None:
            return
        counts = self._pass.counts
        progress = RetryProgress(
            due=self.due,
            accepted=counts[_Result.ACCEPTED.value],
            deferred=counts[_Result.DEFERRED.value],
            failed=counts[_Result.FAILED.value],
            unknown=counts[_Result.UNKNOWN.value],
            put_back=counts[_Result.PUT_BACK.value],
        )
        try:
            self.on_progress(progress)
        except Exception:  # a broken progress bar must not lose an answer
            log.exception("progress callback failed")


class _NumberRetry:
    """The retries of one number while its lease is held."""

    def __init__(
        self, owner: DeferredRetrier, client: TemplateSender, settings: Settings, lease: HeldLease
    ) -> None:
        self.owner = owner
        self.database = owner.database
        self.clock = owner.clock
        self.client = client
        self.settings = settings
        self.lease = lease
        self.daily_limit: int | None = None
        self.stopped: str | None = None
        self.bucket = TokenBucket(
            settings.send_rate, now=lambda: owner.clock.now().timestamp(), sleep=owner.sleep
        )
        self.batch = owner.options.claim_batch(settings.send_rate)
        self.in_flight = asyncio.Semaphore(
            owner.options.in_flight_for(settings.send_rate, owner.options.assumed_latency)
        )
        self.requested: set[int] = set()

    async def run(self, number: str, campaign_id: int | None) -> None:
        while self.stopped is None and not self.lease.lost:
            room = await asyncio.to_thread(self._room)
            if room == 0:
                self.owner._pass.notes.append(
                    f"daily recipient limit reached on phone number {number}; the other "
                    "deferred sends are retried when there is room again"
                )
                return
            want = self.batch if room is None else min(self.batch, room)
            claims = await asyncio.to_thread(self._claim, number, campaign_id, want)
            if not claims:
                return
            self.requested.clear()
            try:
                answers = await self._send_all(claims)
            except BaseException:
                unsent = [c.send_id for c in claims if c.send_id not in self.requested]
                await asyncio.shield(asyncio.to_thread(self._put_back, unsent))
                raise
            record = partial(self._record, answers)
            await asyncio.to_thread(retry_on_conflict, record, what="recording retries")
            if any(a.result is _Result.PUT_BACK for a in answers):
                return  # those are due again at once: the next pass tries them, not this one
        if self.stopped is not None:
            self.owner._pass.notes.append(self.stopped)

    def _room(self) -> int | None:
        if self.daily_limit is None:
            return None
        with self.database.session() as session:
            since = self.clock.now() - DAILY_WINDOW
            return max(self.daily_limit - send_store.recipients_since(session, since), 0)

    def _claim(self, number: str, campaign_id: int | None, want: int) -> list[RetryClaim]:
        with self.database.session() as session:
            due = deferred_store.due_deferred(
                session,
                failed_before=self.owner.failed_before(),
                phone_number_id=number,
                campaign_id=campaign_id,
                limit=want,
            )
            return deferred_store.claim_retries(session, due, self.clock.now())

    def _put_back(self, send_ids: Sequence[int]) -> None:
        if send_ids:
            with self.database.session() as session:
                deferred_store.undo_retry(session, send_ids, self.clock.now())

    # -- sending ---------------------------------------------------------------------------

    async def _send_all(self, claims: Sequence[RetryClaim]) -> list[_Answer]:
        campaigns = await asyncio.to_thread(self._campaigns, claims)
        components = await asyncio.to_thread(self._components, claims, campaigns)
        tasks = [
            self._send_one(claim, campaigns[claim.campaign_id], components.get(claim.send_id))
            for claim in claims
        ]
        return list(await asyncio.gather(*tasks))

    def _campaigns(self, claims: Sequence[RetryClaim]) -> dict[int, tuple[str, str, Any]]:
        with self.database.session() as session:
            found: dict[int, tuple[str, str, Any]] = {}
            for campaign_id in {c.campaign_id for c in claims}:
                row = session.get(Campaign, campaign_id)
                if row is not None:
                    found[campaign_id] = (row.template_name, row.language, row.parameters)
            return found

    def _components(
        self, claims: Sequence[RetryClaim], campaigns: dict[int, tuple[str, str, Any]]
    ) -> dict[int, Components]:
        """Each claim's components, or why it cannot be rendered now."""
        out: dict[int, Components] = {}
        with self.database.session() as session:
            for campaign_id, (template, language, parameters) in campaigns.items():
                mine = [c for c in claims if c.campaign_id == campaign_id]
                try:
                    renderer = prepare_rendering(
                        session,
                        template_name=template,
                        language=language,
                        parameters=parameters,
                        limit=0,
                    )
                except (CampaignRefused, RenderError) as refused:
                    refusal = _Refusal(f"campaign {campaign_id}: {refused}", campaign_wide=True)
                    out.update(dict.fromkeys((c.send_id for c in mine), refusal))
                    continue
                for claim in mine:
                    try:
                        out[claim.send_id] = renderer.components_for(
                            session, [claim.contact_id]
                        ).get(claim.contact_id)
                    except RenderError as problem:
                        text = f"send {claim.send_id}: {problem}"
                        out[claim.send_id] = _Refusal(text, campaign_wide=False)
        return out

    async def _send_one(
        self,
        claim: RetryClaim,
        campaign: tuple[str, str, Any] | None,
        components: Components,
    ) -> _Answer:
        if campaign is None or isinstance(components, _Refusal):
            if isinstance(components, _Refusal) and components.campaign_wide:
                self.stopped = self.stopped or f"retries stopped: {components.text}"
            elif isinstance(components, _Refusal):
                self.owner._pass.notes.append(f"not retried: {components.text}")
            return self._done(_Answer(claim, _Result.PUT_BACK))
        template, language, _ = campaign
        async with self.in_flight:
            return self._done(await self._request(claim, template, language, components))

    async def _request(
        self,
        claim: RetryClaim,
        template: str,
        language: str,
        components: list[dict[str, Any]] | None,
    ) -> _Answer:
        attempt = 0
        while True:
            if self.stopped is not None or self.lease.lost:
                return _Answer(claim, _Result.PUT_BACK)
            await self.bucket.acquire()
            attempt += 1
            self.requested.add(claim.send_id)
            try:
                message = await self.client.send_template(
                    claim.phone,
                    template,
                    language,
                    components=components,
                    callback_data=callback_data(claim.send_id, claim.campaign_id),
                )
            except UncertainError:
                return _Answer(claim, _Result.UNKNOWN, requests=attempt)
            except CloudAPIError as error:
                self.requested.discard(claim.send_id)  # refused: this request reached nobody
                delay = self._retry_delay(error, attempt)
                if delay is None:
                    return self._refused(claim, error, attempt)
                await self.owner.sleep(delay)
                continue
            return _Answer(claim, _Result.ACCEPTED, message.message_id, message.wa_id, None)

    def _retry_delay(self, error: CloudAPIError, attempt: int) -> float | None:
        policy, rng = self.owner.policy, self.owner.rng
        if attempt >= policy.max_attempts:
            return None
        if error.outcome == Outcome.THROTTLED:
            self.bucket.hold(policy.throttle_pause(attempt, rng))
            return 0.0
        if error.outcome == Outcome.PAIR_LIMITED and attempt <= policy.pair_limit_attempts:
            return policy.pair_delay(attempt, rng)
        if error.outcome == Outcome.TRANSIENT:
            return policy.transient_delay(attempt, rng)
        return None

    def _refused(self, claim: RetryClaim, error: CloudAPIError, attempt: int) -> _Answer:
        code = error.code if isinstance(error, GraphError) else None
        text = error.message if isinstance(error, GraphError) else str(error)
        if error.outcome == Outcome.DEFERRED:
            return _Answer(claim, _Result.DEFERRED, code=code, text=text, requests=attempt)
        if error.outcome == Outcome.RECIPIENT_PERMANENT:
            return _Answer(claim, _Result.FAILED, code=code, text=text, requests=attempt)
        if error.outcome in (Outcome.CAMPAIGN_FATAL, Outcome.CAMPAIGN_PAUSE):
            self.stopped = self.stopped or (
                f"retries stopped: {failure_reason(code)} (Cloud API error {code})"
            )
        return _Answer(claim, _Result.PUT_BACK, code=code)

    def _done(self, answer: _Answer) -> _Answer:
        self.owner._pass.counts[answer.result.value] += 1
        self.owner.report()
        return answer

    # -- recording -------------------------------------------------------------------------

    def _record(self, answers: Sequence[_Answer]) -> None:
        now = self.clock.now()
        by_result: dict[_Result, list[_Answer]] = {r: [] for r in _Result}
        for answer in answers:
            by_result[answer.result].append(answer)
        with self.database.session() as session:
            send_store.lock_sends(session, sorted(a.claim.send_id for a in answers))
            accepted = by_result[_Result.ACCEPTED]
            send_store.mark_accepted(
                session,
                [Accepted(a.claim.send_id, a.message_id, a.wa_id, a.requests) for a in accepted],
                now,
            )
            deferred = by_result[_Result.DEFERRED]
            deferred_store.mark_deferred(
                session, [(a.claim.send_id, a.code, a.text, a.requests) for a in deferred], now
            )
            deferred_store.fail_exhausted(
                session,
                max_retries=self.owner.max_retries,
                now=now,
                send_ids=[a.claim.send_id for a in deferred],
            )
            failed = sorted(by_result[_Result.FAILED], key=lambda a: a.claim.contact_id)
            send_store.mark_failed(
                session,
                [
                    Failed(a.claim.send_id, a.claim.contact_id, a.code, a.text, a.requests)
                    for a in failed
                ],
                now,
            )
            unknown = by_result[_Result.UNKNOWN]
            for answer in unknown:
                send_store.mark_unknown(
                    session, [answer.claim.send_id], now, attempts=answer.requests
                )
            deferred_store.undo_retry(
                session, [a.claim.send_id for a in by_result[_Result.PUT_BACK]], now
            )
            _count(session, accepted, failed, unknown, now)


def _count(
    session: Any,
    accepted: Sequence[_Answer],
    failed: Sequence[_Answer],
    unknown: Sequence[_Answer],
    now: datetime,
) -> None:
    """The campaigns' counters: an acceptance counts once per send (its first), a failure or
    an unknown outcome of a retry as for any send."""
    per: dict[int, Counter[str]] = {}
    failures: dict[int, Counter[str]] = {}
    for answer in accepted:
        if answer.claim.first_acceptance:
            per.setdefault(answer.claim.campaign_id, Counter())["accepted"] += 1
    for answer in failed:
        per.setdefault(answer.claim.campaign_id, Counter())["failed"] += 1
        failures.setdefault(answer.claim.campaign_id, Counter())[failure_reason(answer.code)] += 1
    for answer in unknown:
        per.setdefault(answer.claim.campaign_id, Counter())["unknown"] += 1
    for campaign_id in sorted(per):
        counts = per[campaign_id]
        campaign_store.add_counts(
            session,
            campaign_id,
            now,
            accepted=counts["accepted"],
            failed=counts["failed"],
            unknown=counts["unknown"],
            failures=failures.get(campaign_id),
        )


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
