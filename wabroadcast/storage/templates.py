"""The templates table: what a sync writes, lookups, status changes, the sendable check.

Meta only sends a template that is APPROVED in the exact locale asked for (``en_US`` ≠ ``en``);
anything else is refused per send with 132001/132015/132016. Checking the synced copy first
turns that into one clear message before a single contact is claimed. Reading the WABA and
rendering a campaign's sends live in the engine (engine/templates.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import Template

SENDABLE_STATUS = "APPROVED"
MARKETING = "MARKETING"
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
    names: int = 0
    """Distinct template names listed (a template in two languages is one template, as the
    overview counts it); the other numbers count name and language pairs."""

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
    names = len({name for name, _ in seen})
    return SyncSummary(added=added, updated=updated, unchanged=unchanged, gone=gone, names=names)


def list_templates(session: Session, *, status: str | None = None) -> list[Template]:
    query = select(Template).order_by(Template.name, Template.language)
    if status:
        query = query.where(Template.status == status.upper())
    return list(session.scalars(query))


def get_template(session: Session, name: str, language: str) -> Template | None:
    return session.scalar(
        select(Template).where(Template.name == name, Template.language == language)
    )


def category_of(session: Session, name: str) -> str | None:
    """The template's category (MARKETING, UTILITY, AUTHENTICATION) as last synced, upper
    case; None when no language of it was synced. Meta sets the category per template, and
    may change it (a UTILITY template recategorised as MARKETING): the newest row wins."""
    query = (
        select(Template.category)
        .where(Template.name == name)
        .order_by(Template.synced_at.desc(), Template.id.desc())
        .limit(1)
    )
    category = session.scalar(query)
    return category.upper() if category else None


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
