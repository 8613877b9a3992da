"""Find the contact a webhook is about, and remember the ids Meta uses for them.

Meta identifies a user by ``wa_id`` (digits; may differ from the number we imported, e.g.
Brazil's ninth digit) and, since 2026, by a business-scoped user id (``user_id``, BSUID) that
may be the only id left once usernames roll out. Both are stored whenever seen, old ones kept
(`storage.identities`); ids that show two contacts to be one person merge them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.contact_phones import InvalidPhone, normalize_phone
from wabroadcast.storage import identities
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
    """By phone (from wa_id), then by a wa_id or BSUID ever seen for a contact (old ones too)."""
    phone = phone_from_wa_id(wa_id)
    if phone is not None:
        found = session.scalar(select(Contact.id).where(Contact.phone == phone))
        if found is not None:
            return found
    found = identities.owner_of(session, identities.WA_ID, wa_id)
    if found is None:
        found = identities.owner_of(session, identities.USER_ID, user_id)
    return found


def record_identity(
    session: Session,
    contact_id: int,
    *,
    wa_id: str | None,
    user_id: str | None,
    now: datetime,
) -> int:
    """Store the wa_id and BSUID Meta reported for this contact; returns the contact's id,
    which changes when the ids showed two contacts to be one person (they are merged)."""
    return identities.remember(session, contact_id, wa_id=wa_id, user_id=user_id, now=now)


def create_bsuid_contact(
    session: Session, *, user_id: str | None, name: str | None, source: str, now: datetime
) -> int | None:
    """A contact known only by BSUID (a user with a username, no number shared)."""
    user_id = identities.usable(identities.USER_ID, user_id)
    if user_id is None:
        return None
    contact = Contact(
        phone=None,
        name=(name or None) and name[:255],
        attributes={"source": source},
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    identities.remember(session, contact.id, user_id=user_id, now=now)
    session.execute(
        update(Reply)
        .where(Reply.contact_id.is_(None), Reply.user_id == user_id)
        .values(contact_id=contact.id)
        .execution_options(synchronize_session=False)
    )
    return contact.id


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
        return create_bsuid_contact(
            session, user_id=user_id, name=name, source="opt-out webhook", now=now
        )
    contact = Contact(
        phone=phone,
        name=(name or None) and name[:255],
        attributes={"source": "opt-out webhook"},
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    identities.remember(session, contact.id, wa_id=wa_id, user_id=user_id, now=now)
    if wa_id:  # earlier replies from this number were stored without a contact
        session.execute(
            update(Reply)
            .where(Reply.contact_id.is_(None), Reply.phone == wa_id)
            .values(contact_id=contact.id)
            .execution_options(synchronize_session=False)
        )
    return contact.id
