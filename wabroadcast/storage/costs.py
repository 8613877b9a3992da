"""Message counts for cost reports, grouped in the database by the first digits of the phone.

A calling code is 1-3 digits, so ``+`` and three digits hold every one; the pricing layer
reads the code out of that prefix (calling codes are a prefix code). Grouping by it keeps a
million-send campaign to a few hundred rows, never one per send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import Audience
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.stats import _day
from wabroadcast.storage.tables import Send

PREFIX_LENGTH = 4
"""``+`` and up to three digits: the longest country calling code."""


@dataclass(frozen=True)
class PricedCount:
    """Sends of one campaign (or one UTC day) with the same prefix and pricing."""

    key: int | date | None
    prefix: str
    category: str | None
    pricing_type: str | None
    count: int


def eligible_by_prefix(
    session: Session,
    template_name: str,
    *,
    limit: int | None,
    marketing_to_us: bool = False,
    audience: Audience | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """The first `limit` eligible contacts of `template_name` in `audience` (the ones a
    campaign of that limit and audience would claim, in its order) counted by phone prefix;
    all of them without a limit. Without the audience a dry run of a tag priced the whole
    eligible list, not the contacts the campaign would take."""
    chosen = send_store.eligible_contacts(
        session, template_name, marketing_to_us=marketing_to_us, audience=audience, now=now
    )
    if limit is not None:
        chosen = chosen.limit(limit)
    phones = chosen.subquery()
    prefix = func.substr(phones.c.phone, 1, PREFIX_LENGTH).label("prefix")
    rows = session.execute(select(prefix, func.count()).group_by(prefix))
    return {str(p): int(n) for p, n in rows}


def priced_sends(
    session: Session,
    *,
    campaign_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    by_day: bool = False,
) -> list[PricedCount]:
    """Sends Meta priced in a status webhook, counted by campaign (or by the UTC day of their
    first status) × prefix × category × type. Each send is one row of the table, so a message
    priced on both ``sent`` and ``delivered`` is counted once. The source of every cost shown:
    campaign page, ``campaign show``, the campaign API, the stats page and /api/stats."""
    priced_at = func.coalesce(Send.sent_at, Send.delivered_at, Send.read_at)
    key: Any = _day(session, priced_at) if by_day else Send.campaign_id
    prefix = func.substr(Send.phone, 1, PREFIX_LENGTH)
    query = select(
        key.label("key"), prefix, Send.pricing_category, Send.pricing_type, func.count()
    ).where(Send.pricing_type.is_not(None))
    if campaign_ids is not None:
        query = query.where(Send.campaign_id.in_(list(campaign_ids)))
    if since is not None:
        query = query.where(priced_at >= since)
    query = query.group_by(key, prefix, Send.pricing_category, Send.pricing_type)
    return [
        PricedCount(_key(k, by_day), str(p), category, kind, int(n))
        for k, p, category, kind, n in session.execute(query)
    ]


def _key(value: object, by_day: bool) -> int | date | None:
    if value is None:
        return None
    if by_day:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return int(str(value))
