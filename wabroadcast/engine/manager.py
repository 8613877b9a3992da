"""CampaignManager: the one owner of campaigns, whoever asks (API, panel, CLI, schedules).

It is built once per process (app.py for `serve`, the CLI per command) from the database, the
settings, the clock and a `client_for(phone_number_id)`, and it is the only way to create a
campaign (after the pre-send check below), run it under its number's lease (run_with_lease below),
start it in the background (engine/runs.py), say what runs here, adopt campaigns whose sender
died (engine/adopt.py), retry sends Meta deferred with 131049 (engine/deferred.py) and stop
everything at shutdown.

Everything that can be known to fail is refused **before** a campaign row exists, with one
sentence that says what is wrong and what exists instead:

- the template name and language are well formed (Meta's rules; no NUL, no HTML, no 100,000
  character names) and the limit is in range;
- the phone number is configured (PHONE_NUMBER_ID / PHONE_NUMBERS);
- the template exists in that language and is APPROVED. When the templates table does not know
  the name (never synced, or created since the last sync) the manager syncs from the Cloud API
  once and checks again, so a typo is refused instead of becoming an aborted campaign;
- the parameters fit the template and the contacts it will take have the values it needs.

The refusal is :class:`CampaignRefused` with a ``field`` (which input was wrong) and a
``code`` the API answers with (422 in every case).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.business_numbers import UnknownPhoneNumber, settings_for_number
from wabroadcast.clock import Clock, SystemClock
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings
from wabroadcast.domain.ab_tests import BucketRange
from wabroadcast.domain.audience import Audience, AudienceError, audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.render import RenderError
from wabroadcast.domain.retarget import Retarget
from wabroadcast.engine import templates as engine_templates
from wabroadcast.engine.adopt import adopt_forever
from wabroadcast.engine.balance import Balancer, Presence, new_process_id
from wabroadcast.engine.deferred import DeferredRetrier, RetryTally, retry_forever
from wabroadcast.engine.followup import follow_up_of
from wabroadcast.engine.lease import HeldLease, LeaseOptions, new_holder_id, try_acquire
from wabroadcast.engine.lifecycle import create_campaign, finish_run, pause_campaign
from wabroadcast.engine.limits import EngineOptions
from wabroadcast.engine.protocols import RunProgress, TemplateSender
from wabroadcast.engine.retarget import RetargetAsk, plan
from wabroadcast.engine.runs import BackgroundRuns
from wabroadcast.engine.sender import StopWhen, run_campaign
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.storage import retargets as retarget_store
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.audiences import check_tags_exist
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Template

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError)
"""Connection refused or dropped, server shutting down, SQLite locked past busy_timeout."""

Notify = Callable[[str], None]

TEMPLATE_NAME_PATTERN = r"^[a-z0-9_]+$"
"""Meta's rule for template names: lowercase letters, digits and underscores."""
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"
"""Language codes as Meta writes them: `tr`, `en_US`, `zh_HK`, `fil`."""
MAX_TEMPLATE_NAME = 512
MAX_CAMPAIGN_LIMIT = 10_000_000
"""The most contacts one campaign may ask for: the panel, the API and the CLI all refuse more
(through :func:`limit_problem`), so a number typed into any of them means the same."""
INTERRUPTED = "interrupted"
"""The reason stored on a campaign paused because its sending process was stopped."""
_SHOWN = 60


def limit_problem(limit: int) -> str | None:
    """Why ``limit`` cannot be a campaign's limit, or None when it can."""
    if 1 <= limit <= MAX_CAMPAIGN_LIMIT:
        return None
    return f"the limit must be from 1 to {MAX_CAMPAIGN_LIMIT:,}, got {limit}"


def is_template_name(name: str) -> bool:
    """Whether `name` has the form of a template name (the check every campaign passes)."""
    return len(name) <= MAX_TEMPLATE_NAME and re.fullmatch(TEMPLATE_NAME_PATTERN, name) is not None


def is_language_code(code: str) -> bool:
    """Whether `code` has the form of a template's language code (`tr`, `en_US`)."""
    return len(code) <= 16 and re.fullmatch(LANGUAGE_PATTERN, code) is not None


class CampaignRefused(template_store.CampaignRefused):
    """The campaign was not created; the message names what was wrong and what exists."""

    def __init__(self, message: str, *, field: str, code: str = "campaign_refused") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True)
class CampaignRequest:
    """What a user asks for; ``phone_number_id`` None means PHONE_NUMBER_ID."""

    template_name: str
    language: str
    limit: int
    phone_number_id: str | None = None
    parameters: Mapping[str, Any] | None = field(default=None)
    audience: Audience | None = None
    """Who it is for (domain/audience.py); None: every contact."""
    retarget: Retarget | None = None
    """A retarget (engine/retarget.py): only the source campaign's contacts who missed it."""
    narrow: BucketRange | None = None
    """A campaign of an A/B test (engine/ab_tests.py): only its variant's buckets; the caller
    writes ab_test_id and ab_variant on the row."""


TemplateSourceFor = Callable[[], engine_templates.TemplateSource | None]
"""The Cloud API client to sync templates with, or None when sending is unavailable."""
ClientFor = Callable[[str], TemplateSender]
"""The Cloud API client that sends from a phone number id (raises when sending is off)."""
Sleep = Callable[[float], Awaitable[None]]


class CampaignManager:
    """Creates, checks, runs and adopts campaigns; see the module docstring."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        template_source: TemplateSourceFor,
        *,
        client_for: ClientFor | None = None,
        sleep: Sleep = asyncio.sleep,
        options: EngineOptions | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self._template_source = template_source
        self._client_for = client_for
        self._sleep = sleep
        self._options = options
        self._runs = BackgroundRuns(self.run)
        self._here: dict[int, int] = {}
        """Campaigns a foreground `run` of this process is sending (CLI, schedule runner)."""
        self._reserved: set[int] = set()
        """Campaigns this process has created or resumed and is about to run."""
        self.process_id = new_process_id()
        self._balancer: Balancer | None = None
        """Set while :meth:`adopting` (a serve process): numbers are shared with other servers."""

    # -- running ----------------------------------------------------------------------------

    async def run(
        self,
        campaign_id: int,
        *,
        on_progress: Callable[[RunProgress], None] | None = None,
        on_wait: Notify | None = None,
        stop_when: StopWhen | None = None,
    ) -> CampaignSummary:
        """Send the campaign here, under its number's lease, until it is no longer running."""
        if self._client_for is None:
            raise RuntimeError("sending is disabled: no Cloud API client is configured")
        self._here[campaign_id] = self._here.get(campaign_id, 0) + 1
        try:
            return await run_with_lease(
                campaign_id,
                database=self.database,
                client_for=self._client_for,
                settings=self.settings,
                clock=self.clock,
                sleep=self._sleep,
                options=self._options,
                on_progress=on_progress,
                on_wait=on_wait,
                stop_when=stop_when,
                balancer=self._balancer,
            )
        finally:
            self._reserved.discard(campaign_id)
            left = self._here.pop(campaign_id) - 1
            if left:
                self._here[campaign_id] = left

    def reserve(self, campaign_id: int) -> None:
        """Say that this process runs the campaign next (call before the transaction that
        makes it `running` commits), so no screen shows it waiting for a sender meanwhile.
        The next :meth:`run` of it ends the reservation."""
        self._reserved.add(campaign_id)

    def unreserve(self, campaign_id: int) -> None:
        """The reserved campaign will not be run here after all."""
        self._reserved.discard(campaign_id)

    def start(self, campaign_id: int) -> asyncio.Task[CampaignSummary]:
        """Run the campaign in the background (the manager holds the task)."""
        return self._runs.start(campaign_id)

    async def run_and_wait(self, campaign_id: int) -> CampaignSummary:
        """Start it in the background and wait; the run survives the waiter's cancellation."""
        return await self._runs.run_and_wait(campaign_id)

    def running(self, campaign_id: int) -> bool:
        """Whether this process is sending (or about to send) the campaign: in the background
        (serve) or in a foreground run (a schedule day, the CLI)."""
        return (
            self._runs.running(campaign_id)
            or campaign_id in self._here
            or campaign_id in self._reserved
        )

    @contextlib.asynccontextmanager
    async def adopting(self) -> AsyncIterator[None]:
        """While inside: take over running campaigns whose sender died or that another server
        offers (engine/adopt.py), and share the busy numbers with the other live servers
        (engine/balance.py)."""
        ttl = self.settings.sender_lease_seconds
        interval = max(ttl / 2, 0.5)
        lease = LeaseOptions.from_ttl(ttl)
        async with Presence(self.database, self.process_id, ttl, lease.heartbeat):
            self._balancer = Balancer(self.database, self.process_id, grace=2 * ttl + interval)
            task = asyncio.create_task(
                adopt_forever(self.database, self.running, self.start, interval), name="adopt"
            )
            try:
                yield
            finally:
                self._balancer = None
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def deferred_retrier(
        self, on_progress: Callable[[RetryTally], None] | None = None
    ) -> DeferredRetrier:
        """Retries of sends Meta deferred with 131049 (engine/deferred.py), through this
        manager's clients, clock and engine options."""
        if self._client_for is None:
            raise RuntimeError("sending is disabled: no Cloud API client is configured")
        return DeferredRetrier(
            self.database,
            self.settings,
            self.clock,
            self._client_for,
            sleep=self._sleep,
            options=self._options,
            on_progress=on_progress,
        )

    @contextlib.asynccontextmanager
    async def retrying_deferred(self, *, enabled: bool = True) -> AsyncIterator[None]:
        """Retry deferred sends that are due, every few seconds, while inside (`serve`)."""
        if not enabled or self._client_for is None:
            yield
            return
        interval = max(self.settings.sender_lease_seconds / 2, 0.5)
        task = asyncio.create_task(
            retry_forever(self.deferred_retrier(), interval), name="retry-deferred"
        )
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def close(self) -> list[int]:
        """Stop every background run; the campaigns that were still sending here are paused
        (reason: interrupted), so no screen shows them running with nobody sending."""
        stopped = await self._runs.close()
        for campaign_id in stopped:
            try:
                if await asyncio.to_thread(self.mark_interrupted, campaign_id):
                    log.warning("campaign %s paused (interrupted): the server stopped", campaign_id)
            except Exception as exc:  # database gone at shutdown: the lease expiry tells the rest
                log.warning("could not pause campaign %s: %s", campaign_id, type(exc).__name__)
        return stopped

    # -- creating ---------------------------------------------------------------------------

    async def create(self, request: CampaignRequest) -> int:
        """Check, then insert the campaign (state running); returns its id."""
        number = self.check_input(request)
        await self.know_template(request.template_name)
        return await asyncio.to_thread(self._check_and_insert, request, number)

    async def know_template(self, name: str) -> None:
        """Sync the templates from the Cloud API once when `name` is not known here, so a
        template created since the last sync works and a typo is refused by name. Raises
        :class:`CampaignRefused` when the Cloud API cannot be asked."""
        if not await asyncio.to_thread(self._template_known, name):
            await self._sync_templates(name)

    def check_input(self, request: CampaignRequest) -> str:
        """The checks that need neither the database nor the Cloud API; returns the number."""
        name = request.template_name
        if not name.strip():
            raise CampaignRefused("the template name is empty", field="template_name")
        if not is_template_name(name):
            raise CampaignRefused(
                f"{_quoted(name)} is not a template name: Meta's names are at most "
                f"{MAX_TEMPLATE_NAME} lowercase letters, digits and underscores (e.g. daily_offer)",
                field="template_name",
            )
        if not is_language_code(request.language):
            raise CampaignRefused(
                f"{_quoted(request.language)} is not a language code; use the template's code "
                "exactly as approved, e.g. tr or en_US",
                field="language",
            )
        problem = limit_problem(request.limit)
        if problem is not None:
            raise CampaignRefused(problem, field="limit")
        number = request.phone_number_id or self.settings.phone_number_id
        try:
            settings_for_number(self.settings, number)
        except UnknownPhoneNumber as exc:
            raise CampaignRefused(str(exc), field="phone_number_id") from None
        return number

    def _template_known(self, name: str) -> bool:
        with self.database.session() as session:
            return session.scalar(select(Template.id).where(Template.name == name)) is not None

    async def _sync_templates(self, name: str) -> None:
        source = self._template_source()
        if source is None:
            raise CampaignRefused(
                f"template '{name}' is not known here and the Cloud API cannot be asked now "
                "(sending is unavailable); sync templates when it is",
                field="template_name",
                code="template_not_sendable",
            )
        try:
            await engine_templates.sync_templates(self.database, source, self.clock)
        except Exception as exc:  # the API is down or refuses: say so rather than guess
            log.warning("template sync before a campaign failed: %s", type(exc).__name__)
            raise CampaignRefused(
                f"template '{name}' is not known here and the template list could not be read "
                f"from the Cloud API ({type(exc).__name__}: {str(exc)[:200]}); try again, or "
                "run `wabroadcast templates sync`",
                field="template_name",
                code="template_not_sendable",
            ) from None

    def _check_and_insert(self, request: CampaignRequest, number: str) -> int:
        with self.database.session() as session:
            return self.insert_checked(session, request, number).id

    def insert_checked(self, session: Session, request: CampaignRequest, number: str) -> Campaign:
        """The checks that need the database, then the insert, in the caller's transaction
        (no template sync: for callers that already hold a session, like the schedule runner).
        `number` is what :meth:`check_input` returned."""
        if (
            session.scalar(select(Template.id).where(Template.name == request.template_name))
            is None
        ):
            known = sorted(set(session.scalars(select(Template.name))))
            listing = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
            raise CampaignRefused(
                f"template '{request.template_name}' does not exist"
                + (f"; the account has: {listing}" if known else "; the account has none"),
                field="template_name",
                code="template_not_sendable",
            )
        audience = request.audience
        if audience is not None and audience.is_everyone:
            audience = None
        if audience is not None:
            try:
                check_tags_exist(session, audience)
            except AudienceError as exc:
                raise CampaignRefused(str(exc), field="audience", code="invalid_audience") from None
        try:
            engine_templates.prepare_rendering(
                session,
                template_name=request.template_name,
                language=request.language,
                parameters=request.parameters,
                limit=request.limit,
                marketing_to_us=self.settings.marketing_to_us,
                audience=audience,
                now=self.clock.now(),
                retarget=request.retarget,
                narrow=request.narrow,
            )
        except template_store.TemplateNotSendable as exc:
            raise CampaignRefused(
                str(exc),
                field="language" if "language" in str(exc) else "template_name",
                code="template_not_sendable",
            ) from None
        except RenderError as exc:
            raise CampaignRefused(str(exc), field="parameters") from None
        campaign = create_campaign(
            session,
            template_name=request.template_name,
            language=request.language,
            limit=request.limit,
            phone_number_id=number,
            clock=self.clock,
        )
        if request.parameters:
            campaign.parameters = dict(request.parameters)
        if audience is not None:
            campaign.audience = audience.to_json()
        if request.retarget is not None:
            retarget_store.store(campaign, request.retarget)
        session.flush()
        return campaign

    async def retry_failed(self, campaign_id: int) -> int:
        """Create the follow-up of a campaign's retryable failures (engine/followup.py) after
        the checks every campaign gets; returns its id. Raises NothingToRetry or
        CampaignRefused (the template is no longer APPROVED, the number is gone, …)."""

        def create() -> int:
            with self.database.session() as session:
                return self.retry_failed_in(session, campaign_id).id

        return await asyncio.to_thread(create)

    def retry_failed_in(self, session: Session, campaign_id: int) -> Campaign:
        """:meth:`retry_failed` in the caller's transaction."""
        campaign, total = follow_up_of(
            session, campaign_id, marketing_to_us=self.settings.marketing_to_us
        )
        request = CampaignRequest(
            template_name=campaign.template_name,
            language=campaign.language,
            limit=total,
            phone_number_id=campaign.phone_number_id,
            parameters=dict(campaign.parameters or {}) or None,
            audience=audience_from_json(campaign.audience),
        )
        follow_up = self.insert_checked(session, request, self.check_input(request))
        follow_up.retry_of_campaign_id = campaign.id
        session.flush()
        return follow_up

    def retarget_in(self, session: Session, campaign_id: int, ask: RetargetAsk) -> Campaign:
        """A retarget of a campaign (engine/retarget.py), created after the checks every
        campaign gets, in the caller's transaction. Raises RetargetRefused or CampaignRefused."""
        source, retarget, total = plan(
            session,
            campaign_id,
            ask,
            self.clock.now(),
            marketing_to_us=self.settings.marketing_to_us,
        )
        request = CampaignRequest(
            template_name=ask.template_name,
            language=ask.language or source.language,
            limit=ask.limit if ask.limit is not None else total,
            phone_number_id=source.phone_number_id,
            retarget=retarget,
        )
        return self.insert_checked(session, request, self.check_input(request))

    def interrupted(self, template_name: str, language: str, number: str) -> CampaignSummary | None:
        """The newest campaign of this template paused because its sender was stopped."""
        with self.database.session() as session:
            campaign = session.scalar(
                select(Campaign)
                .where(Campaign.template_name == template_name)
                .where(Campaign.language == language)
                .where(Campaign.phone_number_id == number)
                .where(Campaign.state == CampaignState.PAUSED.value)
                .where(Campaign.error == INTERRUPTED)
                .order_by(Campaign.id.desc())
                .limit(1)
            )
            return CampaignSummary.from_row(campaign) if campaign is not None else None

    def mark_interrupted(self, campaign_id: int) -> bool:
        """Pause a campaign still `running` after its sender stopped (Ctrl-C, SIGTERM), so no
        screen shows it running with nobody sending. False when it had ended already."""
        with self.database.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or campaign.state != CampaignState.RUNNING.value:
                return False
            pause_campaign(session, campaign_id, self.clock, reason=INTERRUPTED)
            return True


def _quoted(text: str) -> str:
    shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
    return repr(shown)


# --- Running a campaign under its number's lease --------------------------------------------
#
# Around run_campaign, run_with_lease adds:
#
# * the lease (engine/lease.py): wait while another process sends from the campaign's number
#   (it continues the campaign; we return when it is finished, or take over when it dies);
# * the number's own settings (PHONE_NUMBERS: rate and daily limit) and client;
# * database outages: a run cut off because the database went away (PostgreSQL restarted, the
#   SQLite file locked beyond busy_timeout) says so and starts again when the database answers.
#   Claims cut off are settled by the crash rule at the next acquisition, so nothing is sent
#   twice: what may have gone out becomes `unknown`.


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
        return number or "", CampaignSummary.read(session, campaign_id)


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
    on_progress: Callable[[RunProgress], None] | None = None,
    on_wait: Notify | None = None,
    outage_retry: float = 2.0,
    rng: random.Random | None = None,
    stop_when: StopWhen | None = None,
    balancer: Balancer | None = None,
) -> CampaignSummary:
    """Send the campaign from its number while holding the number's lease; see module doc.

    Returns when the campaign is no longer running (completed, paused, cancelled, aborted),
    whoever finished it. `stop_when` is the run's stop condition (engine/sender.py).
    `on_wait` receives a message each time this run starts waiting
    (for the lease, or for the database). With a `balancer` (a serve process), a free number
    is first offered to the other live servers when this one already sends its share.
    """
    lease_options = lease_options or LeaseOptions.from_ttl(settings.sender_lease_seconds)
    waiter = _Waiter(on_wait)
    holder = new_holder_id(balancer.process_id if balancer is not None else None)
    real = SystemClock()  # lease times are wall-clock times shared between processes
    try:
        while True:
            try:
                number, summary = await asyncio.to_thread(campaign_number, database, campaign_id)
                if summary.state != CampaignState.RUNNING:
                    return summary
                try:
                    number_settings = settings_for_number(settings, number)
                except UnknownPhoneNumber as unknown:
                    return await _abort(database, campaign_id, str(unknown), clock or real)
                # One decision at a time per process, so its own runs count what it holds.
                async with balancer.deciding if balancer else contextlib.nullcontext():
                    offered = balancer is not None and await asyncio.to_thread(
                        balancer.leaves_to_others, number, campaign_id, real.now()
                    )
                    if not offered:
                        acquired, current, _ = await asyncio.to_thread(
                            try_acquire,
                            database,
                            number,
                            holder,
                            real.now(),
                            lease_options.ttl,
                            campaign_id,
                        )
                if offered and balancer is not None:
                    waiter.say(_offered_message(number, campaign_id, balancer.grace))
                    await asyncio.sleep(lease_options.poll)
                    continue
            except DATABASE_UNAVAILABLE as error:
                waiter.say(_outage_message(campaign_id, error))
                await asyncio.sleep(outage_retry)
                continue
            if not acquired:
                waiter.say(
                    f"phone number {number} is sending from another process ({current}); "
                    f"campaign {campaign_id} waits, and takes over within "
                    f"{lease_options.ttl:g} s if that process stops"
                )
                await asyncio.sleep(lease_options.poll)
                continue
            waiter.reset()
            if balancer is not None:
                balancer.taken(campaign_id)
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
    finally:
        if balancer is not None:
            balancer.taken(campaign_id)


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


def _offered_message(number: str, campaign_id: int, grace: float) -> str:
    return (
        f"phone number {number} is offered to another server, as this one already sends its "
        f"share of the numbers; campaign {campaign_id} starts here within {grace:g} s if no "
        "other server takes it"
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
