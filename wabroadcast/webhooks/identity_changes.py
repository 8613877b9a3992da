"""``system`` messages that say a user's number or BSUID changed (cloudapi.md §5.8).

``user_changed_number``: the user has a new number (and, since a new number regenerates it, a
new BSUID). The contact's phone becomes the new one; the old wa_id stays among its ids.
``user_changed_user_id``: only the BSUID changed. Either way the previous BSUID is kept, so a
status or reply that still carries it arrives at the same contact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.storage import identities
from wabroadcast.storage.tables import Contact
from wabroadcast.webhooks.contacts import find_contact_id, phone_from_wa_id
from wabroadcast.webhooks.parse import IdentityChange, InboundMessage


def contact_of_change(session: Session, message: InboundMessage) -> int | None:
    """The contact a system message is about: by its old number, old BSUID or previous id."""
    change = message.identity_change
    found = find_contact_id(session, wa_id=message.from_wa_id, user_id=message.from_user_id)
    if found is None and change is not None:
        found = identities.owner_of(session, identities.USER_ID, change.previous_user_id)
    return found


def apply_identity_change(
    session: Session, contact_id: int, change: IdentityChange, *, now: datetime
) -> int:
    """Record the new ids on the contact; returns its id (a merge may have changed it)."""
    if change.previous_user_id:  # known since before the change: the old id stays findable
        contact_id = identities.remember(
            session, contact_id, user_id=change.previous_user_id, now=now
        )
    if change.type == "user_changed_number":
        contact_id = _move_to_number(session, contact_id, change.new_wa_id, now=now)
    if change.new_user_id:
        contact_id = identities.replace_user_id(
            session, contact_id, user_id=change.new_user_id, now=now
        )
    return contact_id


def _move_to_number(session: Session, contact_id: int, wa_id: str | None, *, now: datetime) -> int:
    phone = phone_from_wa_id(wa_id)
    if phone is None:
        return contact_id
    holder = session.scalar(select(Contact.id).where(Contact.phone == phone))
    if holder is not None and holder != contact_id:  # the new number was imported already
        contact_id = identities.merge_contacts(session, contact_id, holder, now=now)
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(phone=phone, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return identities.remember(session, contact_id, wa_id=wa_id, now=now)
