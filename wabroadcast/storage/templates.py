"""The templates table: sync from the WABA, lookups, status changes, the pre-send check.

Meta only sends a template that is APPROVED in the exact locale asked for (``en_US`` ≠ ``en``);
anything else is refused per send with 132001/132015/132016. Checking the synced copy first
turns that into one clear message before a single contact is claimed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.cloudapi.payloads import TemplateInfo
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
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Template

SENDABLE_STATUS = "APPROVED"
TAKEN_KEPT = 10_000
"""Rendered components kept after a send asked for them, for its retries (131056, 5xx)."""
GONE_STATUS = "DELETED"
"""Status given to a synced template the WABA no longer lists (deleted in WhatsApp Manager)."""


class CampaignRefused(ValueError):
    """A campaign cannot start: its template or its parameters would be refused by Meta."""


class TemplateNotSendable(CampaignRefused):
    """The synced template cannot be sent: missing in that language, or not APPROVED."""


@dataclass(frozen=True)
class TemplateRecord:
    """One template in one language as Meta lists it (GET /{waba-id}/message_templates)."""

    name: str
    language: str
    status: str
    category: str | None = None
    parameter_format: str | None = None
    components: tuple[dict[str, Any], ...] = ()
    meta_id: str | None = None
    quality_score: str | None = None


@dataclass(frozen=True)
class SyncSummary:
    added: int
    updated: int
    unchanged: int
    gone: int

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


def _values(record: TemplateRecord) -> dict[str, Any]:
    return {
        "status": record.status.upper(),
        "category": record.category,
        "parameter_format": record.parameter_format,
        "components": list(record.components),
        "meta_id": record.meta_id,
        "quality_score": record.quality_score,
    }


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


def upsert_templates(
    session: Session, records: Iterable[TemplateRecord], *, now: datetime
) -> SyncSummary:
    """Insert or update every listed template; ones no longer listed become DELETED.

    The sync reads all statuses (not only APPROVED) so a PAUSED template is reported as
    paused rather than as missing.
    """
    existing = {(t.name, t.language): t for t in session.scalars(select(Template))}
    added = updated = unchanged = 0
    seen: set[tuple[str, str]] = set()
    for record in records:
        key = (record.name, record.language)
        if key in seen:
            continue
        seen.add(key)
        values = _values(record)
        row = existing.get(key)
        if row is None:
            session.add(
                Template(name=record.name, language=record.language, synced_at=now, **values)
            )
            added += 1
            continue
        changed = any(getattr(row, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(row, name, value)
        row.synced_at = now
        updated += changed
        unchanged += not changed
    gone = 0
    for key, row in existing.items():
        if key not in seen and row.status != GONE_STATUS:
            row.status, row.synced_at = GONE_STATUS, now
            gone += 1
    session.flush()
    return SyncSummary(added=added, updated=updated, unchanged=unchanged, gone=gone)


def list_templates(session: Session, *, status: str | None = None) -> list[Template]:
    query = select(Template).order_by(Template.name, Template.language)
    if status:
        query = query.where(Template.status == status.upper())
    return list(session.scalars(query))


def get_template(session: Session, name: str, language: str) -> Template | None:
    return session.scalar(
        select(Template).where(Template.name == name, Template.language == language)
    )


def languages_of(session: Session, name: str) -> list[str]:
    query = select(Template.language).where(Template.name == name).order_by(Template.language)
    return list(session.scalars(query))


def check_sendable(session: Session, name: str, language: str) -> Template | None:
    """The synced template if it may be sent; raises :class:`TemplateNotSendable` if not.

    Returns None when no language of ``name`` was ever synced: the table cannot know about a
    template created after the last sync, so the Cloud API decides (132001 if absent).
    """
    rows = {
        row.language: row for row in session.scalars(select(Template).where(Template.name == name))
    }
    if not rows:
        return None
    row = rows.get(language)
    if row is None:
        available = ", ".join(sorted(rows))
        raise TemplateNotSendable(
            f"template '{name}' does not exist in language '{language}'; it exists in: {available}"
        )
    if row.status != SENDABLE_STATUS:
        raise TemplateNotSendable(f"template '{name}' is {row.status}")
    return row


def set_template_status(
    session: Session,
    *,
    status: str,
    now: datetime,
    name: str | None = None,
    language: str | None = None,
    meta_id: str | None = None,
    quality_score: str | None = None,
) -> list[Template]:
    """Apply a message_template_status_update / quality webhook; returns the rows it changed.

    Matched by Meta's template id when given (it names one language), else by name and
    language. Unknown templates change nothing: the next sync brings them in.
    """
    query = select(Template)
    if meta_id:
        query = query.where(Template.meta_id == str(meta_id))
    elif name and language:
        query = query.where(Template.name == name, Template.language == language)
    else:
        raise ValueError("give meta_id, or name and language")
    rows = list(session.scalars(query))
    for row in rows:
        row.status = _status_after_event(status.upper(), row.status)
        if quality_score:
            row.quality_score = quality_score.upper()
        row.synced_at = now
    session.flush()
    return rows


def _status_after_event(event: str, current: str) -> str:
    """Webhook events that are not statuses: FLAGGED keeps the status, REINSTATED approves."""
    if event == "FLAGGED":
        return current
    if event in ("REINSTATED", "UNARCHIVED"):
        return SENDABLE_STATUS
    return event


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
        _check_first_contacts(session, renderer, template_name, limit)
    return renderer


def _check_first_contacts(
    session: Session, renderer: CampaignRenderer, template_name: str, limit: int | None
) -> None:
    """Render for the contacts the campaign will take, and report every empty value."""
    query = send_store.eligible_contacts(template_name)
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


def prepare_campaign(database: Database, campaign_id: int) -> CampaignRenderer:
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
) -> list[str]:
    """The body text the first recipients would read (`--dry-run`, the panel's preview).

    Without ``contacts``, the first ``limit`` eligible contacts in send order are used.
    """
    spec = parse_spec(campaign_params)
    shape = template_shape(template.components, template.parameter_format)
    check_parameters(spec, shape, template=f"template '{template.name}' ({template.language})")
    if contacts is None:
        query = send_store.eligible_contacts(template.name).limit(limit)
        ids = [contact_id for contact_id, _phone in session.execute(query)]
        by_id = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
        contacts = [by_id[i] for i in ids if i in by_id]
    return [render_body(spec, shape, contact) for contact in list(contacts)[:limit]]
