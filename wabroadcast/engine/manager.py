"""CampaignManager: the one way a campaign is created, whoever asks (API, panel, CLI).

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
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from wabroadcast.clock import Clock
from wabroadcast.config import Settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.render import RenderError
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


class CampaignManager:
    """Creates campaigns after the pre-send check; see the module docstring."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        template_source: TemplateSourceFor,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self._template_source = template_source

    async def create(self, request: CampaignRequest) -> int:
        """Check, then insert the campaign (state running); returns its id."""
        number = self.check_input(request)
        if not await asyncio.to_thread(self._template_known, request.template_name):
            await self._sync_templates(request.template_name)
        return await asyncio.to_thread(self._check_and_insert, request, number)

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
            return campaign.id

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
