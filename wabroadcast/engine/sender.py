"""run_campaign: claim in batches, send at the configured rate, record every answer.

Pipeline of one run (all in one asyncio task group):

* the claimer commits a batch of claims (claims.claim_next) and queues them; between batches
  it reads the stored campaign state, so pause/cancel written by anyone stop it;
* the gate commits attempts = 1 on a small chunk of claims before they may be requested;
* workers take a claim, wait for a token-bucket slot and send; their number follows the
  measured latency (rate × latency × 1.5) so the bucket stays full;
* the recorder writes answers in batches: accepted, failed (contact unreachable), unknown,
  released.

Never-twice does not depend on this process staying alive: every request is preceded by a
committed claim, and a claim whose answer was never recorded becomes `unknown` on resume
(or is released when the gate never announced it: see lifecycle.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.cloudapi.errors import CloudAPIError, GraphError, Outcome, UncertainError
from wabroadcast.cloudapi.marketing import Endpoint, MarketingOptions
from wabroadcast.config import Settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.claims import ClaimBatch, DailyWindow, claim_next
from wabroadcast.engine.lifecycle import finish_run, mark_requested, start_run
from wabroadcast.engine.limits import EngineOptions
from wabroadcast.engine.number_limits import (
    REFRESH_EVERY,
    NumberLimits,
    refreshed,
    resolve_number_limits,
)
from wabroadcast.engine.outcomes import failure_reason, fatal_message, pause_message
from wabroadcast.engine.protocols import (
    AcceptedMessage,
    LeaseWatch,
    RunProgress,
    TemplateSender,
    callback_data,
)
from wabroadcast.engine.ratelimit import TokenBucket
from wabroadcast.engine.recorder import Recorder
from wabroadcast.engine.routing import Route, on_refusal, resolve_route
from wabroadcast.engine.settle import SETTLE_TIMEOUT, HeldClaims, wait_through_cancellation
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.engine.templates import CampaignRenderer, prepare_campaign
from wabroadcast.storage.db import Database
from wabroadcast.storage.endpoints import set_note
from wabroadcast.storage.sends import Accepted, Claim, Failed
from wabroadcast.storage.templates import CampaignRefused

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
StopWhen = Callable[[datetime], str | None]
"""A stop condition (e.g. a schedule's sending window): given the clock's time, the reason to
pause the campaign now, or None to go on. Checked between claim batches and before every
request, so nothing is requested once it has answered a reason."""


async def run_campaign(
    campaign_id: int,
    *,
    database: Database,
    client: TemplateSender,
    settings: Settings,
    clock: Clock | None = None,
    sleep: Sleep = asyncio.sleep,
    options: EngineOptions | None = None,
    on_progress: Callable[[RunProgress], None] | None = None,
    rng: random.Random | None = None,
    lease: LeaseWatch | None = None,
    stop_when: StopWhen | None = None,
) -> CampaignSummary:
    """Send the campaign until it is done, paused, cancelled or aborted; return its summary.

    `stop_when` pauses it (with its reason) as soon as it answers one; see :data:`StopWhen`.
    """
    clock = clock or SystemClock()
    options = options or EngineOptions()
    us = settings.marketing_to_us
    campaign = await asyncio.to_thread(
        partial(start_run, marketing_to_us=us),
        database,
        campaign_id,
        clock.now(),
        options.stale_claim_after,
    )
    if campaign.state != CampaignState.RUNNING:
        return campaign
    try:  # template APPROVED in this language and parameters fit: refused before any claim
        renderer = await asyncio.to_thread(
            partial(prepare_campaign, marketing_to_us=us, now=clock.now()), database, campaign_id
        )
    except CampaignRefused as refused:
        stop = CampaignState.ABORTED
        return await asyncio.to_thread(
            finish_run, database, campaign_id, clock.now(), stop, str(refused), 0
        )
    limits = await resolve_number_limits(database, settings, client)
    log.info(
        "campaign %s: number %s sends at %g msg/s (%s), daily limit %s (%s)",
        campaign_id,
        limits.phone_number_id,
        limits.send_rate,
        limits.rate_source,
        "unlimited" if limits.daily_limit is None else f"{limits.daily_limit:,}",
        limits.daily_source,
    )
    run = _Run(
        campaign,
        database=database,
        client=client,
        rate=limits.send_rate,
        clock=clock,
        sleep=sleep,
        options=options,
        on_progress=on_progress,
        rng=rng or random.Random(),
        stop_when=stop_when,
    )
    if lease is not None:  # another process sends from this number now: stop, state unchanged
        lease.on_lost(lambda: run.stop(CampaignState.RUNNING, "sending lease lost"))
    run.daily_limit = limits.daily_limit
    run.limits, run.settings = limits, settings
    run.marketing_to_us = us
    run.renderer = renderer
    run.route = await asyncio.to_thread(
        resolve_route, database, campaign_id, campaign.template_name, settings, clock.now()
    )
    await run.run()
    return await asyncio.to_thread(
        finish_run,
        database,
        campaign_id,
        clock.now(),
        run.stop_state,
        run.stop_error,
        run.held_back,
    )


class _Run:
    def __init__(
        self,
        campaign: CampaignSummary,
        *,
        database: Database,
        client: TemplateSender,
        rate: float,
        clock: Clock,
        sleep: Sleep,
        options: EngineOptions,
        on_progress: Callable[[RunProgress], None] | None,
        rng: random.Random,
        stop_when: StopWhen | None = None,
    ) -> None:
        self.campaign = campaign
        self.stop_when = stop_when
        self.database = database
        self.client = client
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self.options = options
        self.policy = options.retry
        self.on_progress = on_progress
        self.rng = rng
        self.bucket = TokenBucket(rate, now=lambda: clock.now().timestamp(), sleep=sleep)
        self.batch = options.claim_batch(rate)
        self.chunk = max(5, math.ceil(rate / 10))
        self.claimed: asyncio.Queue[Claim] = asyncio.Queue(maxsize=self.batch)
        self.ready: asyncio.Queue[Claim | None] = asyncio.Queue(maxsize=self.chunk)
        self.recorder = Recorder(database, campaign.campaign_id, clock)
        self.daily_limit: int | None = None
        self.marketing_to_us = False
        """MARKETING_TO_US: whether a MARKETING template's claims take US (+1) numbers."""
        self.window: DailyWindow | None = None
        """The daily recipient count this run's claims share (see claims.DailyWindow)."""
        self.limits: NumberLimits | None = None
        self.settings: Settings | None = None
        self.limits_seen_at = clock.now()
        self.renderer: CampaignRenderer | None = None
        self.route = Route("off")
        """/messages or /marketing_messages (engine/routing.py), resolved once per run."""
        self.held_back = 0
        self.stop_state: CampaignState | None = None
        self.stop_error: str | None = None
        self.workers: list[asyncio.Task[None]] = []
        self.held = HeldClaims()
        self.claiming: asyncio.Future[ClaimBatch] | None = None
        self.abandoned = False
        self.latency = options.assumed_latency
        self.retry_waiting = 0
        self.in_flight = 0
        self.answered = False
        self.outstanding = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.throttle_streak = 0
        self.error_streak = 0
        self.counts: Counter[str] = Counter()

    # -- lifecycle -------------------------------------------------------------------------

    async def run(self) -> None:
        self._ensure_workers()
        recorder = asyncio.create_task(self.recorder.run())
        gate = asyncio.create_task(self._gate())
        try:
            await self._claim_loop()
            await self.idle.wait()
        except BaseException:
            await self._abandon(recorder, gate)
            raise
        gate.cancel()
        await asyncio.gather(gate, return_exceptions=True)
        for _ in self.workers:
            await self.ready.put(None)
        await asyncio.gather(*self.workers)
        await self.recorder.close()
        await recorder
        self.recorder.raise_if_failed()

    async def _abandon(self, recorder: asyncio.Task[None], gate: asyncio.Task[None]) -> None:
        """Interrupted (task cancelled at server shutdown, Ctrl-C, database error): record
        what is known before the interruption goes on (settle.py). Answers received are
        written; held claims never requested are released; requests cut off in flight become
        `unknown` (counted). Decided here, synchronously, before any task is woken again."""
        self.abandoned = True
        for task in [*self.workers, recorder, gate]:
            task.cancel()
        unsent, in_flight = self.held.settle()
        for send_id in unsent:
            self.recorder.released_unsent(send_id)
        for send_id, attempt in in_flight:
            self.recorder.unknown(send_id, attempt)
        drain = asyncio.ensure_future(self._drain())
        if not await wait_through_cancellation(drain, SETTLE_TIMEOUT):
            log.error(
                "campaign %s: last answers not written within %.0f s; its claims stay"
                " `claimed` until the crash rule settles them",
                self.campaign.campaign_id,
                SETTLE_TIMEOUT,
            )
        elif not drain.cancelled() and drain.exception() is not None:  # crash rule covers it
            log.error(
                "could not record the last answers of campaign %s: %s",
                self.campaign.campaign_id,
                drain.exception(),
            )

    async def _drain(self) -> None:
        """A claim transaction cut off mid-way may still commit: release what it took."""
        if self.claiming is not None:
            try:
                batch = await self.claiming
            except Exception:  # rolled back: it took nothing
                batch = None
            if batch is not None and batch.state == CampaignState.RUNNING:
                for claim in batch.claims:
                    self.recorder.released_unsent(claim.send_id)
        await self.recorder.flush()
        self.recorder.raise_if_failed()

    def stop(self, state: CampaignState, error: str | None = None) -> None:
        """Stop claiming and sending; the first reason wins."""
        if self.stop_state is None:
            self.stop_state = state
            self.stop_error = error

    def _stopping(self) -> bool:
        """Whether the run stops now: stopped already, or its stop condition says so."""
        if self.stop_state is None and self.stop_when is not None:
            reason = self.stop_when(self.clock.now())
            if reason is not None:
                self.stop(CampaignState.PAUSED, reason)
        return self.stop_state is not None

    def _window(self) -> DailyWindow | None:
        if self.daily_limit is None:
            return None
        if self.window is None or self.window.limit != self.daily_limit:
            self.window = DailyWindow(self.daily_limit)
        return self.window

    async def _refresh_limits(self) -> None:
        """Between claim batches: take up a throughput upgrade or a new messaging limit that
        a webhook stored meanwhile (engine/number_limits.py). The rate changes the bucket and
        the claim batch; queue sizes stay as the run started (only the spacing changes)."""
        now = self.clock.now()
        if self.limits is None or self.settings is None:
            return
        if (now - self.limits_seen_at).total_seconds() < REFRESH_EVERY:
            return
        self.limits_seen_at = now
        fresh = await asyncio.to_thread(refreshed, self.database, self.settings, self.limits)
        if fresh.send_rate != self.rate:
            log.info(
                "campaign %s: rate %g → %g msg/s (%s)",
                self.campaign.campaign_id,
                self.rate,
                fresh.send_rate,
                fresh.rate_source,
            )
            self.rate = fresh.send_rate
            self.bucket.set_rate(fresh.send_rate)
            self.batch = self.options.claim_batch(fresh.send_rate)
        self.daily_limit = fresh.daily_limit
        self.limits = fresh

    async def _claim_loop(self) -> None:
        while not self._stopping() and self.recorder.failure is None:
            await self._refresh_limits()
            # Shielded: if this run is cut off meanwhile, _drain still learns what it took.
            self.claiming = asyncio.get_running_loop().run_in_executor(
                None,
                partial(
                    claim_next,
                    self.database,
                    self.campaign.campaign_id,
                    want=self.batch,
                    daily_limit=self.daily_limit,
                    now=self.clock.now(),
                    window=self._window(),
                    marketing_to_us=self.marketing_to_us,
                ),
            )
            batch = await asyncio.shield(self.claiming)
            self.claiming = None
            self.held.take(batch.claims)
            if batch.state == CampaignState.COMPLETED:
                # Another run of this campaign found nothing more to claim: what this run
                # already holds is still sent (releasing it would leave those contacts out).
                return
            if batch.state != CampaignState.RUNNING:
                self.stop(batch.state)  # paused, cancelled or aborted by someone else
                return
            self.held_back = batch.held_back
            if self.renderer is not None:  # per-contact parameters, one query per batch
                await asyncio.to_thread(
                    self.renderer.load, self.database, [c.contact_id for c in batch.claims]
                )
            self.counts["selected"] += len(batch.claims)
            self.outstanding += len(batch.claims)
            if batch.claims:
                self.idle.clear()
            for claim in batch.claims:
                await self.claimed.put(claim)
            if batch.exhausted:
                return

    # -- workers ---------------------------------------------------------------------------

    def _ensure_workers(self) -> None:
        """Enough workers for the in-flight target plus those waiting out a retry delay.

        One request goes alone first: a bad token or an unknown template then costs one
        request and one error, not a whole in-flight window of them.
        """
        if self.abandoned:
            return
        if not self.answered:
            target = 1
        else:
            target = self.options.in_flight_for(self.rate, self.latency) + self.retry_waiting
        while len(self.workers) < target:
            self.workers.append(asyncio.create_task(self._worker()))

    async def _gate(self) -> None:
        """Commit `attempts = 1` on a chunk of claims before any of them is requested.

        So after a crash, a stale claim with attempts 0 was surely never requested and is
        released, and only those with attempts ≥ 1 (maybe requested) become `unknown`.
        A chunk is a tenth of a second of sends: that is all a kill -9 can strand as unknown
        besides the requests in flight and answers not yet written.
        """
        while True:
            chunk = [await self.claimed.get()]
            while len(chunk) < self.chunk and not self.claimed.empty():
                chunk.append(self.claimed.get_nowait())
            if self.stop_state is None:
                try:
                    await asyncio.to_thread(
                        mark_requested, self.database, [claim.send_id for claim in chunk]
                    )
                except Exception as exc:  # database gone: keep draining (workers release)
                    self.recorder.failure = self.recorder.failure or exc
                    self.stop(CampaignState.RUNNING, "database error")
            for claim in chunk:
                await self.ready.put(claim)  # workers release it if the run stopped

    async def _worker(self) -> None:
        while (claim := await self.ready.get()) is not None:
            try:
                await self._deliver(claim)
            except Exception:  # a bug must not leave the claim forgotten: keep it `unknown`
                log.exception("send %s failed unexpectedly; recorded as unknown", claim.send_id)
                self._finish(claim, unknown=True)

    async def _deliver(self, claim: Claim) -> None:
        attempt = pair_attempt = 0
        while True:
            if self.stop_state is not None:
                self._finish(claim, released=True)
                return
            await self.bucket.acquire()
            if self._stopping():
                self._finish(claim, released=True)
                return
            attempt += 1
            self.held.requested(claim.send_id, attempt)
            marketing = self.route.marketing
            try:
                message = await self._request(claim, marketing)
            except UncertainError:
                self.error_streak += 1
                self._finish(claim, unknown=True, attempts=attempt)
                return
            except CloudAPIError as error:  # GraphError, or nothing sent (connect failure)
                self.held.answered(claim.send_id)  # refused: this attempt reached nobody
                again = await self._route_refused(claim, error, via_marketing=marketing is not None)
                if again is not None:
                    if again:
                        continue
                    return
                delay = self._on_error(claim, error, attempt, pair_attempt)
                if delay is None:
                    return
                if error.outcome == Outcome.PAIR_LIMITED:
                    pair_attempt += 1
                if delay > 0:
                    await self._wait(delay)
                continue
            self.throttle_streak = self.error_streak = 0
            endpoint = Endpoint.MESSAGES if marketing is None else Endpoint.MARKETING_MESSAGES
            accepted = Accepted(
                claim.send_id,
                message.message_id,
                message.wa_id,
                attempt,
                endpoint=endpoint.value,
                held=message.held,
            )
            self._finish(claim, accepted=accepted)
            return

    async def _route_refused(
        self, claim: Claim, error: CloudAPIError, *, via_marketing: bool
    ) -> bool | None:
        """The Marketing Messages API's own refusals (engine/routing.py): True to send this
        claim again (now through /messages), False when the claim is finished (a pause under
        `only`), None when the error table decides."""
        decision = on_refusal(self.route, error, self.clock.now(), via_marketing=via_marketing)
        if decision is None:
            return None
        if decision.pause is not None:
            self.stop(CampaignState.PAUSED, decision.pause)  # refused: nothing was sent
            self._finish(claim, released=True)
            return False
        if decision.note is not None:  # the first refusal of this run: said once
            log.warning(
                "campaign %s falls back to /messages for the rest of the run: %s",
                self.campaign.campaign_id,
                decision.note,
            )
            await asyncio.to_thread(self._write_note, decision.note)
        return decision.retry_on_messages or None

    def _write_note(self, note: str) -> None:
        with self.database.session() as session:
            set_note(session, self.campaign.campaign_id, note, self.clock.now())
            session.commit()

    async def _request(self, claim: Claim, marketing: MarketingOptions | None) -> AcceptedMessage:
        self.in_flight += 1
        started = time.perf_counter()
        template, language = self.campaign.template_name, self.campaign.language
        data = callback_data(claim.send_id, self.campaign.campaign_id)
        to = claim.phone or claim.user_id or ""  # no phone: the contact's BSUID
        try:
            components = self.renderer.take(claim.contact_id) if self.renderer else None
            if marketing is None:  # TemplateSenders that predate the MM API keep working
                return await self.client.send_template(
                    to, template, language, components=components, callback_data=data
                )
            return await self.client.send_template(
                to,
                template,
                language,
                components=components,
                callback_data=data,
                marketing=marketing,
            )
        finally:
            self.in_flight -= 1
            self.answered = True
            self.latency = 0.9 * self.latency + 0.1 * (time.perf_counter() - started)
            self._ensure_workers()

    def _on_error(
        self, claim: Claim, error: CloudAPIError, attempt: int, pair_attempt: int
    ) -> float | None:
        """Act on an error answer; return the delay before retrying, or None when finished."""
        outcome = error.outcome
        code = error.code if isinstance(error, GraphError) else None
        if outcome == Outcome.CAMPAIGN_FATAL and isinstance(error, GraphError):
            message = fatal_message(error, self.campaign.template_name, self.campaign.language)
            self.stop(CampaignState.ABORTED, message)
            self._finish(claim, released=True)
            return None
        if outcome == Outcome.CAMPAIGN_PAUSE and isinstance(error, GraphError):
            reason = pause_message(error, self.campaign.template_name, self.campaign.language)
            self.stop(CampaignState.PAUSED, reason)  # refused: nothing was sent
            self._finish(claim, released=True)
            return None
        if outcome in (Outcome.RECIPIENT_PERMANENT, Outcome.DEFERRED):
            text = error.message if isinstance(error, GraphError) else str(error)
            failed = Failed(claim.send_id, claim.contact_id, code, text, attempt)
            if outcome == Outcome.DEFERRED:
                self._finish(claim, deferred=failed)
            else:
                self._finish(claim, failed=failed)
            return None
        if outcome == Outcome.THROTTLED and attempt < self.policy.max_attempts:
            self.throttle_streak += 1
            self.bucket.hold(self.policy.throttle_pause(self.throttle_streak, self.rng))
            return 0.0
        if outcome == Outcome.PAIR_LIMITED and pair_attempt < self.policy.pair_limit_attempts:
            return self.policy.pair_delay(pair_attempt + 1, self.rng)
        if outcome == Outcome.TRANSIENT and attempt < self.policy.max_attempts:
            return self.policy.transient_delay(attempt, self.rng)
        self.error_streak += 1
        self._finish(claim, released=True, reason=failure_reason(code))
        return None

    async def _wait(self, delay: float) -> None:
        self.retry_waiting += 1
        self._ensure_workers()
        try:
            await self.sleep(delay)
        finally:
            self.retry_waiting -= 1

    def _finish(
        self,
        claim: Claim,
        *,
        accepted: Accepted | None = None,
        failed: Failed | None = None,
        deferred: Failed | None = None,
        unknown: bool = False,
        released: bool = False,
        reason: str | None = None,
        attempts: int = 1,
    ) -> None:
        """Hand the final answer of one claim to the recorder (which commits it shortly)."""
        if not self.held.finish(claim.send_id):
            return  # already settled when the run was interrupted
        if accepted is not None:
            self.recorder.accepted(accepted)
            self.counts["accepted"] += 1
        elif failed is not None:
            self.recorder.failed(failed, failure_reason(failed.code))
            self.counts["failed"] += 1
        elif deferred is not None:
            self.recorder.deferred(deferred)
            self.counts["deferred"] += 1
        elif unknown:
            self.recorder.unknown(claim.send_id, attempts)
            self.counts["unknown"] += 1
        elif released and reason is not None:
            self.recorder.released_after_errors(claim.send_id, reason)
            self.counts["failed"] += 1
        else:
            self.recorder.released_unsent(claim.send_id)
            self.counts["selected"] -= 1
        if self.error_streak >= self.options.max_consecutive_errors:
            self.stop(
                CampaignState.PAUSED,
                f"paused after {self.error_streak} sends in a row failed"
                f" (last: {reason or 'no answer'})",
            )
        self.outstanding -= 1
        if self.outstanding == 0:
            self.idle.set()
        self._report()

    def _report(self) -> None:
        if self.on_progress is None:
            return
        counts = self.counts
        try:
            self._call_progress(counts)
        except Exception:  # a broken progress bar must not lose a send's answer
            log.exception("progress callback failed")

    def _call_progress(self, counts: Counter[str]) -> None:
        assert self.on_progress is not None
        self.on_progress(
            RunProgress(
                selected=counts["selected"],
                accepted=counts["accepted"],
                failed=counts["failed"],
                unknown=counts["unknown"],
                errors=counts["failed"] + counts["unknown"],
                in_flight=self.in_flight,
            )
        )
