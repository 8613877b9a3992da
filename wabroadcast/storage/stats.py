"""Counts for the panel and `wabroadcast stats`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import SendState
from wabroadcast.storage.tables import Contact, Send


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
