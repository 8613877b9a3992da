"""Inbound messages (replies) and which campaign they answer.

A reply that quotes our template (a quick-reply button carries ``context.id`` = the template
message's wamid) belongs to that send. Otherwise it is credited to the most recent send to the
same contact within the reply window, so campaigns can count replies the way people actually
answer: by typing, not by quoting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import SendState
from wabroadcast.storage.tables import Reply, Send
from wabroadcast.storage.webhook_events import insert_ignoring_duplicates

ANSWERABLE_STATES = (SendState.ACCEPTED.value, SendState.UNKNOWN.value)


@dataclass(frozen=True)
class ReplyTarget:
    send_id: int
    campaign_id: int | None
    contact_id: int


def send_by_message_id(session: Session, message_id: str | None) -> ReplyTarget | None:
    if not message_id:
        return None
    row = session.execute(
        select(Send.id, Send.campaign_id, Send.contact_id).where(Send.message_id == message_id)
    ).first()
    return ReplyTarget(*row) if row is not None else None


def latest_send_to(
    session: Session, contact_id: int, *, before: datetime, window: timedelta
) -> ReplyTarget | None:
    """The most recent send to ``contact_id`` claimed within ``window`` before ``before``."""
    row = session.execute(
        select(Send.id, Send.campaign_id, Send.contact_id)
        .where(
            Send.contact_id == contact_id,
            Send.state.in_(ANSWERABLE_STATES),
            Send.claimed_at <= before,
            Send.claimed_at >= before - window,
        )
        .order_by(Send.claimed_at.desc(), Send.id.desc())
        .limit(1)
    ).first()
    return ReplyTarget(*row) if row is not None else None


def insert_reply(session: Session, values: dict[str, Any]) -> bool:
    """Store a reply once per message id (Meta redelivers); True when it is new."""
    return insert_ignoring_duplicates(session, Reply, values, ["message_id"]) is not None
