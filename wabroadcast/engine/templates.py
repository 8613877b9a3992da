"""Templates for the engine: sync from the WABA, the pre-send rendering check, previews.

The templates table itself (rows, lookups, status changes) is storage/templates.py; this
module reads the Cloud API into it and turns a campaign's parameters into each contact's
components (domain/render.py), refusing before anyone is claimed what Meta would refuse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.cloudapi.payloads import TemplateInfo
from wabroadcast.domain.ab_tests import BucketRange
from wabroadcast.domain.audience import Audience, audience_from_json
from wabroadcast.domain.render import (
    ContactLike,
    EmptyParameterError,
    ParameterSpec,
    RenderError,
    TemplateShape,
    check_parameters,
    parse_spec,
    render_body,
    render_components,
    template_shape,
)
from wabroadcast.domain.retarget import Retarget
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Template
from wabroadcast.storage.templates import (
    CampaignRefused,
    SyncSummary,
    TemplateRecord,
    check_sendable,
    upsert_templates,
)

TAKEN_KEPT = 10_000
"""Rendered components kept after a send asked for them, for its retries (131056, 5xx)."""


class TemplateSource(Protocol):
    """What sync needs from the Cloud API client (CloudAPIClient satisfies it)."""

    async def list_templates(self) -> list[TemplateInfo]: ...


def record_of(info: TemplateInfo) -> TemplateRecord:
    return TemplateRecord(
        name=info.name,
        language=info.language,
        status=info.status,
        category=info.category,
        parameter_format=info.parameter_format,
        components=tuple(info.components),
        meta_id=info.id,
        quality_score=info.quality_score,
    )


async def sync_templates(database: Database, source: TemplateSource, clock: Clock) -> SyncSummary:
    """Read every template of the WABA (all pages, every status) into the table."""
    infos = await source.list_templates()
    records = [record_of(info) for info in infos]

    def write() -> SyncSummary:
        with database.session() as session:
            return upsert_templates(session, records, now=clock.now())

    return await asyncio.to_thread(write)


class CampaignRenderer:
    """Per-contact components for one campaign, checked once before anyone is claimed.

    Built by :func:`prepare_rendering`; the engine asks :meth:`components_for` for each batch
    of claims. A campaign without parameters renders nothing (``components=None``).
    """

    def __init__(self, spec: ParameterSpec, shape: TemplateShape | None) -> None:
        self.spec = spec
        self.shape = shape
        self._ready: dict[int, list[dict[str, Any]] | RenderError] = {}
        self._taken: dict[int, list[dict[str, Any]] | RenderError] = {}
        self._database: Database | None = None

    @property
    def needed(self) -> bool:
        return not self.spec.empty

    def components(self, contact: ContactLike) -> list[dict[str, Any]] | None:
        if self.spec.empty:
            return None
        return render_components(self.spec, self.shape, contact)

    def components_for(
        self, session: Session, contact_ids: Sequence[int]
    ) -> dict[int, list[dict[str, Any]] | None]:
        """Components by contact id, loading the batch's contacts in one query."""
        if self.spec.empty:
            return dict.fromkeys(contact_ids)
        rows = session.scalars(select(Contact).where(Contact.id.in_(list(contact_ids))))
        return {row.id: self.components(row) for row in rows}

    def load(self, database: Database, contact_ids: Sequence[int]) -> None:
        """Render a batch of claimed contacts ahead of their sends (one query per batch)."""
        if self.spec.empty or not contact_ids:
            return
        self._database = database
        with database.session() as session:
            rows = session.scalars(select(Contact).where(Contact.id.in_(list(contact_ids))))
            for row in rows:
                try:
                    self._ready[row.id] = render_components(self.spec, self.shape, row)
                except RenderError as exc:
                    self._ready[row.id] = exc

    def take(self, contact_id: int) -> list[dict[str, Any]] | None:
        """The components for one claimed contact, rendered by :meth:`load`.

        A retried send asks again: recent answers are kept (up to TAKEN_KEPT), and anything
        older is rendered again from the database.
        """
        if self.spec.empty:
            return None
        ready = self._ready.pop(contact_id, None)
        if ready is None:
            ready = self._taken.get(contact_id)
        if ready is None and self._database is not None:
            self.load(self._database, [contact_id])
            ready = self._ready.pop(contact_id, None)
        if ready is None:
            raise RenderError(f"contact {contact_id} no longer exists")
        self._taken[contact_id] = ready
        if len(self._taken) > TAKEN_KEPT:
            self._taken.pop(next(iter(self._taken)))
        if isinstance(ready, RenderError):
            raise ready
        return ready


def prepare_rendering(
    session: Session,
    *,
    template_name: str,
    language: str,
    parameters: Mapping[str, Any] | None,
    limit: int | None = None,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
    retarget: Retarget | None = None,
    narrow: BucketRange | None = None,
) -> CampaignRenderer:
    """Everything that can be refused before the first send, refused now.

    Raises TemplateNotSendable (not APPROVED, unknown language) or RenderError (count or
    type mismatch, or eligible contacts with an empty field and no fallback — Meta would
    refuse those sends with 131008 one by one).
    """
    template = check_sendable(session, template_name, language)
    spec = parse_spec(parameters)
    shape = template_shape(template.components, template.parameter_format) if template else None
    if shape is not None:
        check_parameters(spec, shape, template=f"template '{template_name}' ({language})")
    renderer = CampaignRenderer(spec, shape)
    if renderer.needed:
        chosen = send_store.eligible_contacts(
            session,
            template_name,
            marketing_to_us=marketing_to_us,
            audience=audience,
            now=now,
            retarget=retarget,
            narrow=narrow,
        )
        _check_first_contacts(session, renderer, chosen, limit)
    return renderer


def _check_first_contacts(
    session: Session,
    renderer: CampaignRenderer,
    query: Select[int, str | None],
    limit: int | None,
) -> None:
    """Render for the contacts the campaign will take, and report every empty value."""
    if limit is not None:
        query = query.limit(limit)
    ids = [contact_id for contact_id, _phone in session.execute(query)]
    problems: list[str] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for contact in session.scalars(select(Contact).where(Contact.id.in_(chunk))):
            try:
                renderer.components(contact)
            except EmptyParameterError as exc:
                problems.append(str(exc))
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise RenderError(
            f"{len(problems)} contacts lack a value and the parameter has no fallback: "
            f"{shown}{more}. Add a fallback, e.g. --param 1=name:Müşterimiz"
        )


def prepare_campaign(
    database: Database,
    campaign_id: int,
    *,
    marketing_to_us: bool = False,
    now: datetime | None = None,
) -> CampaignRenderer:
    """The engine's pre-send hook: refuse the campaign before anyone is claimed, or return
    the renderer for its sends. Raises :class:`CampaignRefused` with a message for people."""
    with database.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignRefused(f"campaign {campaign_id} does not exist")
        remaining = max(campaign.requested_limit - campaign.selected_count, 0)
        try:
            return prepare_rendering(
                session,
                template_name=campaign.template_name,
                language=campaign.language,
                parameters=campaign.parameters,
                limit=remaining,
                marketing_to_us=marketing_to_us,
                audience=audience_from_json(campaign.audience),
                now=now,
            )
        except RenderError as exc:
            raise CampaignRefused(str(exc)) from None


def preview(
    session: Session,
    campaign_params: Mapping[str, Any] | None,
    template: Template,
    contacts: Sequence[ContactLike] | None = None,
    *,
    limit: int = 3,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
) -> list[str]:
    """The body text the first recipients would read (`--dry-run`, the panel's preview).

    Without ``contacts``, the first ``limit`` eligible contacts in send order are used.
    """
    spec = parse_spec(campaign_params)
    shape = template_shape(template.components, template.parameter_format)
    check_parameters(spec, shape, template=f"template '{template.name}' ({template.language})")
    if contacts is None:
        query = send_store.eligible_contacts(
            session, template.name, marketing_to_us=marketing_to_us, audience=audience, now=now
        ).limit(limit)
        ids = [contact_id for contact_id, _phone in session.execute(query)]
        by_id = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
        contacts = [by_id[i] for i in ids if i in by_id]
    return [render_body(spec, shape, contact) for contact in list(contacts)[:limit]]
