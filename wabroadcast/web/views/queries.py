"""Read-only queries behind the panel pages: counts are computed in SQL, pages are bounded.

A campaign can have a million sends and the webhook log grows all day, so nothing here loads
a whole table into Python: every list is paged and every number is an aggregate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine.activity import Activity, activity
from wabroadcast.storage import stats
from wabroadcast.storage.contacts import find_contacts
from wabroadcast.storage.deferred import deferral_counts
from wabroadcast.storage.number_limits import category_updates
from wabroadcast.storage.tables import (
    Campaign,
    Contact,
    Send,
    Template,
    TemplateCategoryUpdate,
    WebhookEvent,
)
from wabroadcast.webhooks.log_body import pretty

FUNNEL_STEPS = ("selected", "accepted", "delivered", "read", "replied")
FINAL_STATES = frozenset({CampaignState.CANCELLED, CampaignState.COMPLETED, CampaignState.ABORTED})


@dataclass(frozen=True)
class Failure:
    reason: str
    stage: str  # "send" (refused by the Cloud API) or "webhook" (failed status later)
    count: int


@dataclass(frozen=True)
class CampaignProgress:
    """A campaign's live numbers: what the campaign page shows and the event stream pushes."""

    campaign_id: int
    state: str
    error: str | None
    requested: int
    eligible: int
    selected: int
    accepted: int
    delivered: int
    read: int
    replied: int
    failed: int
    """Refused at send time plus reported failed by a status webhook (storage/stats.py)."""
    failed_at_send: int
    unknown: int
    in_flight: int
    held_back: int
    finished_at: datetime | None
    deferred: int = 0
    """Held back by Meta with 131049, waiting for the automatic retry (storage/deferred.py)."""
    retried: int = 0
    deferred_at_send: int = 0
    """Of `deferred`, those refused with 131049 at once (in no other count yet)."""
    started_at: datetime | None = None
    failures: tuple[Failure, ...] = field(default=())
    waiting: Activity | None = None
    """Why a `waiting` campaign is not being sent (engine/activity.py)."""
    held: int = 0
    """Held by Meta for a template under pacing; then released or dropped (storage/stats.py)."""
    held_released: int = 0
    held_dropped: int = 0

    @property
    def target(self) -> int:
        """How many sends the campaign will end with: the requested count, bounded by the
        eligible contacts when known; once finished, exactly the selected ones."""
        if self.state in FINAL_STATES:
            return self.selected
        goal = min(self.requested, self.eligible) if self.eligible > 0 else self.requested
        return max(self.selected, goal)

    @property
    def done(self) -> int:
        answered = self.accepted + self.failed_at_send + self.unknown + self.deferred_at_send
        return min(self.target, answered)

    @property
    def percent(self) -> int:
        if self.target <= 0:
            return 100 if self.state in FINAL_STATES else 0
        return min(100, (100 * self.done) // self.target)

    def step(self, key: str) -> int:
        value: int = getattr(self, key)
        return value


def _count(session: Session, statement: Select[Any]) -> int:
    return int(session.scalar(statement) or 0)


def campaign_progress(
    session: Session, campaign_id: int, running_here: Callable[[int], bool] | None = None
) -> CampaignProgress | None:
    """The campaign's counters (kept by the engine and by webhooks that settle unknown sends)
    and the funnel computed exactly as the API computes it, so the two never disagree."""
    campaign = session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        return None
    funnel = stats.funnels(session, [campaign_id])[campaign_id]
    in_flight = _count(
        session,
        select(func.count())
        .select_from(Send)
        .where(Send.campaign_id == campaign_id, Send.state == SendState.CLAIMED),
    )
    now = activity(session, campaign, running_here=running_here)
    deferrals = deferral_counts(session, [campaign_id])[campaign_id]
    return CampaignProgress(
        campaign_id=campaign.id,
        state=now.state,
        waiting=now if now.waiting else None,
        error=campaign.error,
        requested=int(campaign.requested_limit or 0),
        eligible=int(campaign.eligible_count or 0),
        selected=int(campaign.selected_count or 0),
        accepted=int(campaign.accepted_count or 0),
        delivered=funnel.delivered,
        read=funnel.read,
        replied=funnel.replied,
        failed=int(campaign.failed_count or 0) + funnel.failed_later,
        failed_at_send=int(campaign.failed_count or 0),
        unknown=int(campaign.unknown_count or 0),
        in_flight=in_flight,
        held_back=int(campaign.held_back_count or 0),
        deferred=deferrals.deferred,
        retried=deferrals.retried,
        deferred_at_send=deferrals.deferred_at_send,
        finished_at=campaign.finished_at,
        started_at=campaign.started_at,
        failures=tuple(_failures(campaign, funnel)),
        held=funnel.held,
        held_released=funnel.held_released,
        held_dropped=funnel.held_dropped,
    )


def _failures(campaign: Campaign, funnel: stats.Funnel) -> list[Failure]:
    """Refusals at send time (kept on the campaign, released pairs included) and failed
    status webhooks (131026 undeliverable, 131049 marketing cap, ...) grouped by code."""
    found = [
        Failure(str(reason), "send", int(count))
        for reason, count in (campaign.failures or {}).items()
        if isinstance(count, int | float) and count
    ]
    for reason, count in funnel.failures_later:
        found.append(Failure(reason, "webhook", count))
    return sorted(found, key=lambda f: (-f.count, f.reason))


def failed_counts(session: Session, campaigns: Sequence[Campaign]) -> dict[int, int]:
    """Each campaign's `failed` as every screen counts it: at send time plus by webhook."""
    late = stats.failed_later(session, [c.id for c in campaigns])
    return {c.id: int(c.failed_count or 0) + late.get(c.id, 0) for c in campaigns}


def campaign_page(session: Session, *, offset: int, limit: int) -> tuple[list[Campaign], int]:
    total = _count(session, select(func.count()).select_from(Campaign))
    rows = session.scalars(
        select(Campaign).order_by(Campaign.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def contact_page(
    session: Session,
    *,
    query: str,
    kind: str,
    region: str,
    offset: int,
    limit: int,
    hide_demo: bool = False,
    newest_first: bool = False,
    tag: str | None = None,
) -> tuple[list[Contact], int]:
    """Contacts in send order (or newest first), filtered by name/number text, by
    opt-out/unreachable, by tag and, when asked, without the sandbox's demo contacts."""
    found = find_contacts(
        session,
        search=query,
        region=region,
        opted_out=True if kind == "opted_out" else None,
        unreachable=True if kind == "unreachable" else None,
        demo=False if hide_demo else None,
        tag=tag or None,
        newest_first=newest_first,
        offset=offset,
        limit=limit,
    )
    return found.contacts, found.total or 0


@dataclass(frozen=True)
class TemplateRow:
    name: str
    language: str
    status: str
    category: str | None
    quality_score: str | None
    body: str
    sent: int
    synced_at: datetime
    previous_category: str | None = None
    category_changed_at: datetime | None = None
    coming_category: str | None = None
    """Meta announced it will recategorise the template (template_category_update)."""
    coming_at: datetime | None = None


def template_body(components: list[Any] | None) -> str:
    for component in components or []:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == "BODY":
            return str(component.get("text", ""))
    return ""


def template_rows(session: Session) -> list[TemplateRow]:
    """Every stored template with how many sends its name has (the never-twice key)."""
    sent = dict(
        session.execute(
            select(Send.template_name, func.count())
            .where(Send.state == SendState.ACCEPTED)
            .group_by(Send.template_name)
        ).all()
    )
    rows = session.scalars(select(Template).order_by(Template.name, Template.language)).all()
    changes = category_updates(session)
    return [
        TemplateRow(
            name=row.name,
            language=row.language,
            status=row.status,
            category=row.category,
            quality_score=row.quality_score,
            body=template_body(row.components),
            sent=int(sent.get(row.name, 0)),
            synced_at=row.synced_at,
            **_category_note(changes.get((row.name, row.language))),
        )
        for row in rows
    ]


def _category_note(change: TemplateCategoryUpdate | None) -> dict[str, Any]:
    if change is None:
        return {}
    return {
        "previous_category": change.previous_category,
        "category_changed_at": change.changed_at,
        "coming_category": change.correct_category,
        "coming_at": change.takes_effect_at,
    }


@dataclass(frozen=True)
class LogEntry:
    id: int
    received_at: datetime
    kind: str | None
    processed_at: datetime | None
    error: str | None
    summary: str
    pretty: str


def _items(value: Any, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def _summarize(body: Any) -> str:
    """What a person scans for in a webhook: which statuses and how many messages.

    Any JSON can be stored (the signature is all that is checked), so every level is checked
    for its type before use.
    """
    parts: list[str] = []
    for entry in _items(body, "entry"):
        for change in _items(entry, "changes"):
            value = change.get("value") if isinstance(change, dict) else None
            statuses, messages = _items(value, "statuses"), _items(value, "messages")
            for status in statuses:
                if isinstance(status, dict):
                    parts.append(f"{status.get('status')} → {status.get('recipient_id')}")
            for message in messages:
                if isinstance(message, dict):
                    parts.append(f"{message.get('type')} ← {message.get('from')}")
            if not statuses and not messages and isinstance(change, dict):
                parts.append(str(change.get("field", "")))
    shown = ", ".join(p[:80] for p in parts[:3] if p)
    return shown + (f" (+{len(parts) - 3})" if len(parts) > 3 else "")


def webhook_log(
    session: Session, *, before_id: int | None, limit: int
) -> tuple[list[LogEntry], bool]:
    """A page of the raw log, newest first, of events with id < ``before_id`` (keyset paging:
    the log grows all day, and an offset would shift while someone reads it); the flag says
    whether older events exist."""
    query = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit + 1)
    if before_id is not None:
        query = query.where(WebhookEvent.id < before_id)
    rows = session.scalars(query).all()
    entries = []
    for row in rows[:limit]:
        data, shown = pretty(row.body)
        entries.append(
            LogEntry(
                row.id,
                row.received_at,
                row.kind,
                row.processed_at,
                row.error,
                _summarize(data),
                shown,
            )
        )
    return entries, len(rows) > limit
