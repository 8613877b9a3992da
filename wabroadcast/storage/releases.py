"""Send releases: whom a campaign gave up on after retryable errors, for "retry failed".

A send whose retries ran out on a retryable error (throttling, pair limit 131056, transient,
no connection) reached nobody, so its row is deleted and the pair is free again. The row
written here in the same transaction remembers the contact, so a follow-up campaign
(``campaigns.retry_of_campaign_id``) can target exactly those contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import SendState
from wabroadcast.storage.tables import Contact, Send, SendRelease


def error_code(reason: str) -> int | None:
    """The Cloud API code at the head of a ``campaigns.failures`` key ("131056 …"), if any."""
    head = reason.split(" ", 1)[0]
    return int(head) if head.lstrip("-").isdigit() else None


def release_after_errors(
    session: Session, campaign_id: int, reasons: Mapping[int, str], now: datetime
) -> int:
    """Delete these claims (only if still ``claimed``: an answer recorded meanwhile wins) and
    record one release per deleted row. DELETE … RETURNING makes the record exact even when
    another transaction answered one of them in between. Caller commits."""
    if not reasons:
        return 0
    deleted = session.execute(
        delete(Send)
        .where(Send.id.in_(list(reasons)), Send.state == SendState.CLAIMED.value)
        .returning(Send.id, Send.contact_id, Send.template_name)
    ).all()
    if deleted:
        session.execute(
            insert(SendRelease),
            [
                {
                    "campaign_id": campaign_id,
                    "contact_id": contact_id,
                    "template_name": template_name,
                    "error_code": error_code(reasons[send_id]),
                    "reason": reasons[send_id][:255],
                    "released_at": now,
                }
                for send_id, contact_id, template_name in deleted
            ],
        )
    return len(deleted)


def released_by(campaign_id: int, template_name: str) -> ColumnElement[bool]:
    """Condition on Contact: released by this campaign for this template (the retry target)."""
    released = select(SendRelease.contact_id).where(
        SendRelease.campaign_id == campaign_id, SendRelease.template_name == template_name
    )
    return Contact.id.in_(released)


def count_releases(session: Session, campaign_id: int) -> int:
    """Every release of the campaign, whether or not the contact was reached since."""
    query = select(func.count()).where(SendRelease.campaign_id == campaign_id)
    return session.scalar(query) or 0
