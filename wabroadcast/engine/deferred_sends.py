"""One number's retries of deferred sends, while the retry pass holds its lease.

Split from engine/deferred.py (the pass: which numbers, leases, counts): this is the sending
side — claim a batch (committed before any request), render, send at the number's rate with
the engine's backoff, record every answer in one transaction. See engine/deferred.py.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Any, Protocol

from wabroadcast.clock import Clock
from wabroadcast.cloudapi.errors import CloudAPIError, GraphError, Outcome, UncertainError
from wabroadcast.config import Settings
from wabroadcast.domain.render import RenderError
from wabroadcast.engine.lease import HeldLease
from wabroadcast.engine.limits import DAILY_WINDOW, EngineOptions
from wabroadcast.engine.outcomes import failure_reason
from wabroadcast.engine.protocols import TemplateSender, callback_data
from wabroadcast.engine.ratelimit import TokenBucket
from wabroadcast.engine.retry import RetryPolicy
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


class RetryOwner(Protocol):
    """What a number's retries need from the pass that runs them (DeferredRetrier)."""

    database: Database
    clock: Clock
    options: EngineOptions
    policy: RetryPolicy
    rng: random.Random
    sleep: Callable[[float], Awaitable[None]]

    @property
    def max_retries(self) -> int: ...

    def failed_before(self) -> datetime: ...

    def note(self, text: str) -> None: ...

    def tally(self, result: RetryResult) -> None: ...


class RetryResult(Enum):
    """How one retry ended; PUT_BACK: it reached nobody and is deferred again as it was."""

    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    FAILED = "failed"
    UNKNOWN = "unknown"
    PUT_BACK = "put_back"


@dataclass(frozen=True)
class _Answer:
    claim: RetryClaim
    result: RetryResult
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


class NumberRetry:
    """The retries of one number while its lease is held."""

    def __init__(
        self, owner: RetryOwner, client: TemplateSender, settings: Settings, lease: HeldLease
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
                self.owner.note(
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
            if any(a.result is RetryResult.PUT_BACK for a in answers):
                return  # those are due again at once: the next pass tries them, not this one
        if self.stopped is not None:
            self.owner.note(self.stopped)

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
                self.owner.note(f"not retried: {components.text}")
            return self._done(_Answer(claim, RetryResult.PUT_BACK))
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
                return _Answer(claim, RetryResult.PUT_BACK)
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
                return _Answer(claim, RetryResult.UNKNOWN, requests=attempt)
            except CloudAPIError as error:
                self.requested.discard(claim.send_id)  # refused: this request reached nobody
                delay = self._retry_delay(error, attempt)
                if delay is None:
                    return self._refused(claim, error, attempt)
                await self.owner.sleep(delay)
                continue
            return _Answer(claim, RetryResult.ACCEPTED, message.message_id, message.wa_id, None)

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
            return _Answer(claim, RetryResult.DEFERRED, code=code, text=text, requests=attempt)
        if error.outcome == Outcome.RECIPIENT_PERMANENT:
            return _Answer(claim, RetryResult.FAILED, code=code, text=text, requests=attempt)
        if error.outcome in (Outcome.CAMPAIGN_FATAL, Outcome.CAMPAIGN_PAUSE):
            self.stopped = self.stopped or (
                f"retries stopped: {failure_reason(code)} (Cloud API error {code})"
            )
        return _Answer(claim, RetryResult.PUT_BACK, code=code)

    def _done(self, answer: _Answer) -> _Answer:
        self.owner.tally(answer.result)
        return answer

    # -- recording -------------------------------------------------------------------------

    def _record(self, answers: Sequence[_Answer]) -> None:
        now = self.clock.now()
        by_result: dict[RetryResult, list[_Answer]] = {r: [] for r in RetryResult}
        for answer in answers:
            by_result[answer.result].append(answer)
        with self.database.session() as session:
            send_store.lock_sends(session, sorted(a.claim.send_id for a in answers))
            accepted = by_result[RetryResult.ACCEPTED]
            send_store.mark_accepted(
                session,
                [Accepted(a.claim.send_id, a.message_id, a.wa_id, a.requests) for a in accepted],
                now,
            )
            deferred = by_result[RetryResult.DEFERRED]
            deferred_store.mark_deferred(
                session, [(a.claim.send_id, a.code, a.text, a.requests) for a in deferred], now
            )
            deferred_store.fail_exhausted(
                session,
                max_retries=self.owner.max_retries,
                now=now,
                send_ids=[a.claim.send_id for a in deferred],
            )
            failed = sorted(by_result[RetryResult.FAILED], key=lambda a: a.claim.contact_id)
            send_store.mark_failed(
                session,
                [
                    Failed(a.claim.send_id, a.claim.contact_id, a.code, a.text, a.requests)
                    for a in failed
                ],
                now,
            )
            unknown = by_result[RetryResult.UNKNOWN]
            for answer in unknown:
                send_store.mark_unknown(
                    session, [answer.claim.send_id], now, attempts=answer.requests
                )
            deferred_store.undo_retry(
                session, [a.claim.send_id for a in by_result[RetryResult.PUT_BACK]], now
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
