"""Read-side queries of the API: live campaign counts and per-day numbers, in SQL.

Counts are aggregated in the database (one grouped query per page of campaigns), never by
loading sends into Python: a campaign can have a million of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from wabroadcast.domain.models import DeliveryStatus, SendState
from wabroadcast.engine.activity import Activity
from wabroadcast.storage.tables import Campaign, Reply, Send
from wabroadcast.web.api.schemas import CampaignPublic, DayCounts

_DELIVERED = (DeliveryStatus.DELIVERED.value, DeliveryStatus.READ.value)


def funnel_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """delivered / read from sends' webhook status, replied from replies linked to the campaign.

    `read` implies `delivered` (a read receipt can arrive without the delivered one); a send
    whose status later became `failed` keeps its delivered/read time and still counts.
    """
    counts: dict[int, dict[str, int]] = {
        cid: {"delivered": 0, "read": 0, "replied": 0} for cid in campaign_ids
    }
    if not campaign_ids:
        return counts
    delivered = or_(Send.status.in_(_DELIVERED), Send.delivered_at.is_not(None))
    read = or_(Send.status == DeliveryStatus.READ.value, Send.read_at.is_not(None))
    rows = session.execute(
        select(
            Send.campaign_id,
            func.count().filter(or_(delivered, read)),
            func.count().filter(read),
        )
        .where(Send.campaign_id.in_(campaign_ids))
        .group_by(Send.campaign_id)
    )
    for cid, n_delivered, n_read in rows:
        if cid is None:
            continue
        counts[cid]["delivered"] = n_delivered
        counts[cid]["read"] = n_read
    replies = session.execute(
        select(Reply.campaign_id, func.count(func.distinct(func.coalesce(Reply.phone, ""))))
        .where(Reply.campaign_id.in_(campaign_ids))
        .group_by(Reply.campaign_id)
    )
    for cid, n_replied in replies:
        if cid is None:
            continue
        counts[cid]["replied"] = n_replied
    return counts


def campaign_public(
    campaign: Campaign, funnel: dict[str, int], running: bool, now: Activity
) -> CampaignPublic:
    return CampaignPublic(
        id=campaign.id,
        template_name=campaign.template_name,
        language=campaign.language,
        state=now.state,
        waiting_for=now.waiting_for,
        requested_limit=campaign.requested_limit,
        eligible=campaign.eligible_count,
        selected=campaign.selected_count,
        accepted=campaign.accepted_count,
        failed=campaign.failed_count,
        failures={str(k): int(v) for k, v in (campaign.failures or {}).items()},
        unknown=campaign.unknown_count,
        held_back=campaign.held_back_count,
        delivered=funnel["delivered"],
        read=funnel["read"],
        replied=funnel["replied"],
        error=campaign.error,
        running_here=running,
        retry_of_campaign_id=campaign.retry_of_campaign_id,
        created_at=campaign.created_at,
        started_at=campaign.started_at,
        finished_at=campaign.finished_at,
        updated_at=campaign.updated_at,
    )


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
        key = value if isinstance(value, date) else date.fromisoformat(str(value))
        out[key] = int(count)
    return out


def daily_counts(session: Session, today: date, days: int) -> list[DayCounts]:
    """One row per UTC day, oldest first, zeros included so charts have no gaps."""
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


def _days(first: date, count: int) -> Iterable[date]:
    return (first + timedelta(days=i) for i in range(count))
