"""Selection marks per audience: where the next pick of a template for an audience may start.

Without them a drip to an audience re-walked every contact the audience already reached
(the template's own mark does not move for an audience: its first contact is not the first
eligible one). The mark lies at the last contact the previous pick took (all of them were
claimed in the same transaction), so an audience of 1 contact in 30 does not re-walk the
previous day's 6,750 contacts. A mark is keyed by the template and :func:`audience_key`;
triggers (migration 0017) delete the marks whenever a contact before one could enter an
audience.

A reply ageing out of `exclude_replied_days` changes no row, so no trigger can see it. A
mark found at time T stays exact while no contact behind it has a reply leaving the window:
only replies received in [T - N days, T] can (a later reply excluded nobody at T). So the
mark is valid until the oldest of those replies plus N days (one seek on
ix_replies_received_at), and is ignored from then on.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import Audience, tag_key
from wabroadcast.storage.tables import AudienceMark, Reply

Mark = tuple[int, int, bool]
"""(contact_index, contact_id, skips_us), as storage/sends.py reads a selection mark."""


def audience_key(audience: Audience) -> str:
    """The same key for the same audience however its tags were spelled or ordered."""
    canonical = {
        "tags": sorted(tag_key(tag) for tag in audience.tags),
        "match": audience.match,
        "where": sorted(condition.text() for condition in audience.conditions),
        "exclude_tags": sorted(tag_key(tag) for tag in audience.exclude_tags),
        "exclude_replied_days": audience.exclude_replied_days,
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def read(
    session: Session, template_name: str, audience: Audience | None, now: datetime | None
) -> Mark | None:
    """The audience's mark, if there is one still valid at `now`."""
    if audience is None:
        return None
    row = session.execute(
        select(
            AudienceMark.contact_index,
            AudienceMark.contact_id,
            AudienceMark.skips_us,
            AudienceMark.valid_until,
        ).where(
            AudienceMark.template_name == template_name,
            AudienceMark.audience_key == audience_key(audience),
        )
    ).first()
    if row is None:
        return None
    if row.valid_until is not None and (now is None or now >= row.valid_until):
        return None
    return (row.contact_index, row.contact_id, row.skips_us)


def write(
    session: Session,
    template_name: str,
    audience: Audience,
    mark: Mark,
    now: datetime | None,
    dialect: str,
) -> None:
    """Store the mark found by a pick (in the claim transaction, under lock_marks)."""
    valid_until = _valid_until(session, audience, now)
    index, contact_id, skip_us = mark
    values = {
        "contact_index": index,
        "contact_id": contact_id,
        "skips_us": skip_us,
        "valid_until": valid_until,
    }
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(AudienceMark).values(
        {"template_name": template_name, "audience_key": audience_key(audience), **values}
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[AudienceMark.template_name, AudienceMark.audience_key], set_=values
        )
    )


def _valid_until(session: Session, audience: Audience, now: datetime | None) -> datetime | None:
    days = audience.exclude_replied_days
    if not days or now is None:
        return None
    window = timedelta(days=days)
    oldest = session.scalar(
        select(func.min(Reply.received_at)).where(
            Reply.received_at >= now - window, Reply.contact_id.is_not(None)
        )
    )
    return oldest + window if oldest is not None else None
