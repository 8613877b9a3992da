"""Opt-out log and the contact's opt-out state derived from it.

Webhooks arrive out of order and twice, so the contact's state is not "whatever came last" but
the latest change by the time it happened: a stale ``resume`` that arrives after a newer
``stop`` leaves the contact opted out. Every change is one ``opt_outs`` row (action, reason,
time); the same change seen again adds nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import Contact, OptOut

STOP = "stop"
RESUME = "resume"


def record_opt_change(
    session: Session,
    contact_id: int,
    *,
    action: str,
    reason: str,
    occurred_at: datetime,
    now: datetime,
) -> bool:
    """Log a stop/resume for a contact and refresh its state; False if already logged."""
    reason = reason[:255]
    existing = session.scalar(
        select(OptOut.id).where(
            OptOut.contact_id == contact_id,
            OptOut.action == action,
            OptOut.reason == reason,
            OptOut.occurred_at == occurred_at,
        )
    )
    if existing is not None:
        return False
    session.add(
        OptOut(contact_id=contact_id, action=action, reason=reason, occurred_at=occurred_at)
    )
    session.flush()
    refresh_contact_state(session, contact_id, now=now)
    return True


def refresh_contact_state(session: Session, contact_id: int, *, now: datetime) -> None:
    """Set contacts.opted_out_at/opt_out_reason from the latest logged change.

    Ties at the same second prefer ``stop``: when unsure, do not message. An opt-out set
    elsewhere (import, panel) that is newer than every logged change is left alone.
    """
    latest = session.execute(
        select(OptOut.action, OptOut.reason, OptOut.occurred_at)
        .where(OptOut.contact_id == contact_id)
        .order_by(
            OptOut.occurred_at.desc(),
            case((OptOut.action == STOP, 1), else_=0).desc(),
            OptOut.reason.desc(),
        )
        .limit(1)
    ).first()
    contact = session.get(Contact, contact_id, with_for_update=True, populate_existing=True)
    if latest is None or contact is None:
        return
    action, reason, occurred_at = latest
    if contact.opted_out_at is not None and contact.opted_out_at > occurred_at:
        return
    if action == STOP:
        values = {"opted_out_at": occurred_at, "opt_out_reason": reason[:64]}
    else:
        values = {"opted_out_at": None, "opt_out_reason": None}
    if (contact.opted_out_at, contact.opt_out_reason) == tuple(values.values()):
        return
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(**values, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


def mark_unreachable(
    session: Session, contact_id: int, *, reason: str, occurred_at: datetime, now: datetime
) -> None:
    """131026: WhatsApp cannot deliver to this number; keep the latest time and why."""
    session.execute(
        update(Contact)
        .where(
            Contact.id == contact_id,
            (Contact.unreachable_at.is_(None)) | (Contact.unreachable_at < occurred_at),
        )
        .values(unreachable_at=occurred_at, unreachable_reason=reason[:255], updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
