"""What happened to each send of a contact, and sends in export batches.

The contact page lists every send of one contact with its stages, its replies and opt-outs;
the exports (CSV, XLSX) walk sends in id order, a batch at a time, so memory stays bounded
whatever the number of sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import Contact, OptOut, Reply, Send

CONTACT_PAGE_LIMIT = 500
"""Newest sends, replies and opt-outs shown on one contact's page (each list)."""


@dataclass(frozen=True)
class SendFilter:
    """Which sends an export holds; all of them when every field is None."""

    campaign_id: int | None = None
    contact_id: int | None = None
    template_name: str | None = None


@dataclass(frozen=True)
class ContactResults:
    contact: Contact
    sends: list[Send]
    replies: list[Reply]
    opt_outs: list[OptOut]


def contact_results(session: Session, contact_id: int) -> ContactResults | None:
    """A contact's sends (newest first), replies and opt-outs; None if there is no such contact."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        return None
    sends = session.scalars(
        select(Send)
        .where(Send.contact_id == contact_id)
        .order_by(Send.claimed_at.desc(), Send.id.desc())
        .limit(CONTACT_PAGE_LIMIT)
    )
    replies = session.scalars(
        select(Reply)
        .where(Reply.contact_id == contact_id)
        .order_by(Reply.occurred_at.desc(), Reply.id.desc())
        .limit(CONTACT_PAGE_LIMIT)
    )
    opt_outs = session.scalars(
        select(OptOut)
        .where(OptOut.contact_id == contact_id)
        .order_by(OptOut.occurred_at.desc(), OptOut.id.desc())
        .limit(CONTACT_PAGE_LIMIT)
    )
    return ContactResults(contact, list(sends), list(replies), list(opt_outs))


def export_batch(
    session: Session, chosen: SendFilter, *, after: int, limit: int
) -> list[tuple[Send, str | None]]:
    """The next `limit` sends (with the contact's name) with an id above `after`."""
    query = select(Send, Contact.name).join(Contact, Contact.id == Send.contact_id)
    if chosen.campaign_id is not None:
        query = query.where(Send.campaign_id == chosen.campaign_id)
    if chosen.contact_id is not None:
        query = query.where(Send.contact_id == chosen.contact_id)
    if chosen.template_name is not None:
        query = query.where(Send.template_name == chosen.template_name)
    rows = session.execute(query.where(Send.id > after).order_by(Send.id).limit(limit))
    return [(send, name) for send, name in rows]
