"""Which Cloud API endpoint a campaign's sends went through, and the campaign's note.

`sends.endpoint` is written with each accepted answer (sends.mark_accepted); a campaign
shows the counts per endpoint. `campaigns.note` says what a run wants a person to know that
is not an error: that it fell back from the Marketing Messages API to /messages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import Campaign, Send


def set_note(session: Session, campaign_id: int, note: str | None, now: datetime) -> None:
    session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(note=note, updated_at=now)
    )


def clear_note(session: Session, campaign_id: int, now: datetime) -> None:
    """A new run starts without the last run's note (a no-op when there is none)."""
    query = update(Campaign).where(Campaign.id == campaign_id, Campaign.note.is_not(None))
    session.execute(query.values(note=None, updated_at=now))


def campaign_note(session: Session, campaign_id: int) -> str | None:
    return session.scalar(select(Campaign.note).where(Campaign.id == campaign_id))


def endpoint_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Accepted sends per endpoint, e.g. {"marketing_messages": 40, "messages": 2}."""
    query = (
        select(Send.endpoint, func.count())
        .where(Send.campaign_id == campaign_id, Send.endpoint.is_not(None))
        .group_by(Send.endpoint)
    )
    return {str(endpoint): int(count) for endpoint, count in session.execute(query)}
