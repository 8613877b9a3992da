"""Counts for the panel, the API and the CLI: one query per number, so every screen agrees.

Counts are aggregated in the database (one grouped query per page of campaigns), never by
loading sends into Python: a campaign can have a million of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from wabroadcast.domain.models import DeliveryStatus, SendState
from wabroadcast.storage.tables import Contact, Reply, Send

_DELIVERED = (DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)


@dataclass(frozen=True)
class Funnel:
    """What happened to a campaign's sends after Meta accepted them (status webhooks).

    `read` implies `delivered` (a read receipt can arrive without the delivered one); a send
    whose status later became `failed` keeps its delivered/read time and still counts there.
    `failed_later` counts accepted sends a status webhook reported failed (131026, 131049, …):
    a campaign's `failed` is its refusals at send time plus these, on every screen.
    """

    delivered: int = 0
    read: int = 0
    replied: int = 0
    failed_later: int = 0
    failures_later: tuple[tuple[str, int], ...] = ()
    """`failed_later` by reason (`131026 Message undeliverable`), most frequent first."""
    held: int = 0
    """Held by Meta for a template under pacing, with no status yet (cloudapi.md §4)."""
    held_total: int = 0
    """Answered `held_for_quality_assessment` at send time, whatever came after."""
    held_released: int = 0
    """Of `held_total`, those Meta sent on later (a sent, delivered or read status)."""
    held_dropped: int = 0
    """Of `held_total`, those reported failed (132015 when the template was paused)."""


FAILED_LATER = (Send.state == SendState.ACCEPTED.value) & (
    Send.status == DeliveryStatus.FAILED.value
)
"""Accepted by the Cloud API, then reported failed by a status webhook."""
WAS_HELD = Send.held_at.is_not(None)
HELD_DROPPED = WAS_HELD & (Send.status == DeliveryStatus.FAILED.value)
HELD_RELEASED = WAS_HELD & Send.status.is_not(None) & ~HELD_DROPPED


def funnels(session: Session, campaign_ids: Sequence[int]) -> dict[int, Funnel]:
    """The funnel of each campaign, in two grouped queries whatever the number of campaigns."""
    found = {cid: Funnel() for cid in campaign_ids}
    if not campaign_ids:
        return found
    delivered = or_(Send.status.in_(_DELIVERED), Send.delivered_at.is_not(None))
    read = or_(Send.status == DeliveryStatus.READ.value, Send.read_at.is_not(None))
    rows = session.execute(
        select(
            Send.campaign_id,
            func.count().filter(or_(delivered, read)),
            func.count().filter(read),
            func.count().filter(FAILED_LATER),
            func.count().filter(Send.held.is_(True)),
            func.count().filter(WAS_HELD),
            func.count().filter(HELD_RELEASED),
            func.count().filter(HELD_DROPPED),
        )
        .where(Send.campaign_id.in_(campaign_ids))
        .group_by(Send.campaign_id)
    )
    counts: dict[int, list[int]] = {cid: [0, 0, 0, 0] for cid in campaign_ids}
    pacing: dict[int, tuple[int, int, int, int]] = {}
    for cid, n_delivered, n_read, n_failed, *n_held in rows:
        if cid in counts:
            counts[cid][0], counts[cid][1], counts[cid][3] = n_delivered, n_read, n_failed
            pacing[cid] = (int(n_held[0]), int(n_held[1]), int(n_held[2]), int(n_held[3]))
    replies = session.execute(
        select(Reply.campaign_id, func.count(func.distinct(func.coalesce(Reply.phone, ""))))
        .where(Reply.campaign_id.in_(campaign_ids))
        .group_by(Reply.campaign_id)
    )
    for cid, n_replied in replies:
        if cid in counts:
            counts[cid][2] = n_replied
    reasons: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if any(counts[cid][3] for cid in counts):
        by_code = session.execute(
            select(Send.campaign_id, Send.error_code, Send.error_title, func.count())
            .where(Send.campaign_id.in_(campaign_ids), FAILED_LATER)
            .group_by(Send.campaign_id, Send.error_code, Send.error_title)
        )
        for cid, code, title, n in by_code:
            if cid in reasons:
                reason = failure_reason(code, title)
                reasons[cid][reason] = reasons[cid].get(reason, 0) + int(n)
    for cid, (n_delivered, n_read, n_replied, n_failed) in counts.items():
        held, held_total, held_released, held_dropped = pacing.get(cid, (0, 0, 0, 0))
        found[cid] = Funnel(
            delivered=int(n_delivered),
            read=int(n_read),
            replied=int(n_replied),
            failed_later=int(n_failed),
            failures_later=tuple(sorted(reasons[cid].items(), key=lambda r: (-r[1], r[0]))),
            held=held,
            held_total=held_total,
            held_released=held_released,
            held_dropped=held_dropped,
        )
    return found


def failed_later(session: Session, campaign_ids: Sequence[int]) -> dict[int, int]:
    return {cid: funnel.failed_later for cid, funnel in funnels(session, campaign_ids).items()}


def failure_reason(code: int | None, title: str | None) -> str:
    """How a failed status webhook's reason is written: `131026 Message undeliverable`."""
    return " ".join(str(part) for part in (code, title) if part) or "failed"


@dataclass(frozen=True)
class DayCounts:
    """One UTC day: sends Meta accepted, deliveries, reads and replies."""

    day: date
    sends: int
    deliveries: int
    reads: int
    replies: int

    def as_row(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "sends": self.sends,
            "deliveries": self.deliveries,
            "reads": self.reads,
            "replies": self.replies,
        }


DAY_SERIES = ("sends", "deliveries", "reads", "replies")


def daily_counts(session: Session, *, today: date, days: int) -> list[DayCounts]:
    """One row per UTC day, oldest first, zeros included so charts have no gaps.

    "sends" are sends Meta accepted that day (`accepted_at`), as in /api/stats and /stats.
    """
    first = today - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    sends = _per_day(session, Send.accepted_at, since, Send.state == SendState.ACCEPTED.value)
    deliveries = _per_day(session, Send.delivered_at, since)
    reads = _per_day(session, Send.read_at, since)
    replies = _per_day(session, Reply.occurred_at, since)
    return [
        DayCounts(
            day=day,
            sends=sends.get(day, 0),
            deliveries=deliveries.get(day, 0),
            reads=reads.get(day, 0),
            replies=replies.get(day, 0),
        )
        for day in _days(first, days)
    ]


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, on SQLite (naive UTC text) and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _per_day(
    session: Session,
    column: InstrumentedAttribute[Any],
    since: datetime,
    *conditions: ColumnElement[bool],
) -> dict[date, int]:
    day = _day(session, column).label("day")
    rows = session.execute(
        select(day, func.count()).where(column >= since, *conditions).group_by(day)
    )
    out: dict[date, int] = {}
    for value, count in rows:
        if value is None:
            continue
        key = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        out[key] = int(count)
    return out


def _days(first: date, count: int) -> Iterable[date]:
    return (first + timedelta(days=i) for i in range(count))


def overview(session: Session) -> dict[str, int]:
    """The original panel's three numbers, plus opt-outs.

    `templates` counts template names that have been sent or synced; `messages_sent` counts
    sends Meta accepted (imported history included), not claims still in flight.
    """
    from wabroadcast.storage.tables import Template

    contacts = session.scalar(select(func.count()).select_from(Contact)) or 0
    opted_out = (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.opted_out_at.is_not(None))
        )
        or 0
    )
    sent_names = select(Send.template_name).distinct()
    synced_names = select(Template.name).distinct()
    templates = (
        session.scalar(select(func.count()).select_from(sent_names.union(synced_names).subquery()))
        or 0
    )
    messages_sent = (
        session.scalar(
            select(func.count()).select_from(Send).where(Send.state == SendState.ACCEPTED)
        )
        or 0
    )
    return {
        "contacts": contacts,
        "templates": templates,
        "messages_sent": messages_sent,
        "opted_out": opted_out,
    }
