"""Find the contact a webhook is about, and remember the ids Meta uses for them.

Meta identifies a user by ``wa_id`` (digits; may differ from the number we imported, e.g.
Brazil's ninth digit) and, since 2026, by a business-scoped user id (``user_id``, BSUID) that
may be the only id left once usernames roll out. Both are stored on the contact whenever seen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.contact_phones import InvalidPhone, normalize_phone
from wabroadcast.storage.tables import Contact, Reply


def phone_from_wa_id(wa_id: str | None) -> str | None:
    """``5511987654321`` → ``+5511987654321``, or None when it is not a valid number."""
    if not wa_id or not wa_id.isdigit():
        return None
    try:
        return normalize_phone("+" + wa_id)
    except InvalidPhone:
        return None


def find_contact_id(session: Session, *, wa_id: str | None, user_id: str | None) -> int | None:
    """By phone (from wa_id), then by a stored wa_id, then by BSUID."""
    phone = phone_from_wa_id(wa_id)
    if phone is not None:
        found = session.scalar(select(Contact.id).where(Contact.phone == phone))
        if found is not None:
            return found
    if wa_id:
        found = session.scalar(select(Contact.id).where(Contact.wa_id == wa_id).limit(1))
        if found is not None:
            return found
    if user_id:
        return session.scalar(select(Contact.id).where(Contact.user_id == user_id).limit(1))
    return None


def record_identity(
    session: Session,
    contact_id: int,
    *,
    wa_id: str | None,
    user_id: str | None,
    now: datetime,
) -> None:
    """Store the wa_id and BSUID Meta reported for this contact (only when they change)."""
    values: dict[str, str] = {}
    if wa_id and wa_id.isdigit() and len(wa_id) <= 32:
        values["wa_id"] = wa_id
    if user_id and len(user_id) <= 160:
        values["user_id"] = user_id
    if not values:
        return
    current = session.execute(
        select(Contact.wa_id, Contact.user_id).where(Contact.id == contact_id)
    ).first()
    if current is None or all(getattr(current, k) == v for k, v in values.items()):
        return
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(**values, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )


def create_opted_out_contact(
    session: Session,
    *,
    wa_id: str | None,
    user_id: str | None,
    name: str | None,
    now: datetime,
) -> int | None:
    """A contact for someone who opted out before we ever imported them.

    Without a row the opt-out would be forgotten and a later import of the same number would
    message them again. Only stop requests create contacts; other inbound messages from unknown
    numbers are stored as replies without a contact.
    """
    phone = phone_from_wa_id(wa_id)
    if phone is None:
        return None
    contact = Contact(
        phone=phone,
        name=(name or None) and name[:255],
        attributes={"source": "opt-out webhook"},
        wa_id=wa_id,
        user_id=user_id if user_id and len(user_id) <= 160 else None,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    if wa_id:  # earlier replies from this number were stored without a contact
        session.execute(
            update(Reply)
            .where(Reply.contact_id.is_(None), Reply.phone == wa_id)
            .values(contact_id=contact.id)
            .execution_options(synchronize_session=False)
        )
    return contact.id
