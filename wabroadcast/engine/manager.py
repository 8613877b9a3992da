"""CampaignManager: the one owner of campaigns, whoever asks (API, panel, CLI, schedules).

It is built once per process (app.py for `serve`, the CLI per command) from the database, the
settings, the clock and a `client_for(phone_number_id)`, and it is the only way to create a
campaign (after the pre-send check below), run it under its number's lease (engine/leased.py),
start it in the background (engine/runs.py), say what runs here, adopt campaigns whose sender
died (engine/adopt.py) and stop everything at shutdown.

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
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.config import Settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.render import RenderError
from wabroadcast.engine.adopt import adopt_forever
from wabroadcast.engine.leased import Notify, run_with_lease
from wabroadcast.engine.limits import EngineOptions
from wabroadcast.engine.protocols import Progress, TemplateSender
from wabroadcast.engine.runs import BackgroundRuns
from wabroadcast.engine.sender import StopWhen
from wabroadcast.engine.state import create_campaign, pause_campaign
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.numbers import UnknownPhoneNumber, settings_for_number
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Template

log = logging.getLogger(__name__)

TEMPLATE_NAME_PATTERN = r"^[a-z0-9_]+$"
"""Meta's rule for template names: lowercase letters, digits and underscores."""
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"
"""Language codes as Meta writes them: `tr`, `en_US`, `zh_HK`, `fil`."""
MAX_TEMPLATE_NAME = 512
MAX_CAMPAIGN_LIMIT = 10_000_000
INTERRUPTED = "interrupted"
"""The reason stored on a campaign paused because its sending process was stopped."""
_SHOWN = 60


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


TemplateSourceFor = Callable[[], template_store.TemplateSource | None]
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

    # -- running ----------------------------------------------------------------------------

    async def run(
        self,
        campaign_id: int,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        on_wait: Notify | None = None,
        stop_when: StopWhen | None = None,
    ) -> CampaignSummary:
        """Send the campaign here, under its number's lease, until it is no longer running."""
        if self._client_for is None:
            raise RuntimeError("sending is disabled: no Cloud API client is configured")
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
        )

    def start(self, campaign_id: int) -> asyncio.Task[CampaignSummary]:
        """Run the campaign in the background (the manager holds the task)."""
        return self._runs.start(campaign_id)

    async def run_and_wait(self, campaign_id: int) -> CampaignSummary:
        """Start it in the background and wait; the run survives the waiter's cancellation."""
        return await self._runs.run_and_wait(campaign_id)

    def running(self, campaign_id: int) -> bool:
        """Whether this process is sending (or about to send) the campaign."""
        return self._runs.running(campaign_id)

    @contextlib.asynccontextmanager
    async def adopting(self) -> AsyncIterator[None]:
        """Take over running campaigns whose sender died (engine/adopt.py) while inside."""
        interval = max(self.settings.sender_lease_seconds / 2, 0.5)
        task = asyncio.create_task(
            adopt_forever(self.database, self.running, self.start, interval), name="adopt"
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
        if len(name) > MAX_TEMPLATE_NAME or not re.fullmatch(TEMPLATE_NAME_PATTERN, name):
            raise CampaignRefused(
                f"{_quoted(name)} is not a template name: Meta's names are at most "
                f"{MAX_TEMPLATE_NAME} lowercase letters, digits and underscores (e.g. daily_offer)",
                field="template_name",
            )
        if not re.fullmatch(LANGUAGE_PATTERN, request.language) or len(request.language) > 16:
            raise CampaignRefused(
                f"{_quoted(request.language)} is not a language code; use the template's code "
                "exactly as approved, e.g. tr or en_US",
                field="language",
            )
        if not 1 <= request.limit <= MAX_CAMPAIGN_LIMIT:
            raise CampaignRefused(
                f"the limit must be from 1 to {MAX_CAMPAIGN_LIMIT:,}, got {request.limit}",
                field="limit",
            )
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
            await template_store.sync_templates(self.database, source, self.clock)
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
        try:
            template_store.prepare_rendering(
                session,
                template_name=request.template_name,
                language=request.language,
                parameters=request.parameters,
                limit=request.limit,
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
        session.flush()
        return campaign

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
