"""The `user_id` (BSUID) column of a contact file.

A row may carry a BSUID beside its phone (the contact gets it as an id) or instead of one
(a user with a username, who is sent to by BSUID). Either way the BSUID resolves to one
contact: an existing contact holding it is updated, and a phone row whose BSUID another
(BSUID-only) contact holds merges the two, sends of both kept, so neither identity can be
sent a template the other already got.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from wabroadcast.contacts.sources import MISSING, USER_ID_HEADERS, header_key
from wabroadcast.domain.bsuid import bsuid_problem
from wabroadcast.storage import identities
from wabroadcast.storage.tables import Contact


@dataclass(slots=True)
class BsuidRow:
    """A validated row that names a BSUID; `phone` is None for a BSUID-only contact."""

    line: int
    user_id: str
    phone: str | None
    name: Any
    index: Any
    attributes: dict[str, Any]


def take_user_id(attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    """Remove the BSUID column from a row's attributes: (BSUID or None, problem or None)."""
    for key in list(attributes):
        if header_key(str(key)) in USER_ID_HEADERS:
            value = attributes.pop(key)
            text = value.strip() if isinstance(value, str) else value
            if text in (None, ""):
                return None, None
            if not isinstance(text, str):
                return None, f"user_id must be text, got {type(text).__name__}"
            return text, bsuid_problem(text)
    return None, None


def write_bsuid_rows(
    connection: Connection, rows: list[BsuidRow], *, next_index: int, now: datetime
) -> tuple[int, int]:
    """Attach BSUIDs to phone contacts (already written), create or update BSUID-only ones,
    merging contacts that turn out to be one person. Returns (created, next free index)."""
    created = 0
    with Session(bind=connection, autoflush=False) as session:
        for row in rows:
            contact_id = _contact_of(session, row)
            if contact_id is None:
                index = row.index
                if index is MISSING:
                    index, next_index = next_index, next_index + 1
                contact = Contact(
                    phone=None,
                    name=None if row.name is MISSING else row.name,
                    index=index,
                    attributes=row.attributes,
                    created_at=now,
                    updated_at=now,
                )
                session.add(contact)
                session.flush()
                contact_id = contact.id
                created += 1
            elif row.phone is None:
                _update(session, contact_id, row, now=now)
            identities.remember(session, contact_id, user_id=row.user_id, now=now)
        session.flush()
    return created, next_index


def _update(session: Session, contact_id: int, row: BsuidRow, *, now: datetime) -> None:
    contact = session.get(Contact, contact_id)
    if contact is None:
        return
    if row.name is not MISSING and row.name != contact.name:
        contact.name = row.name
        contact.updated_at = now
    if row.attributes and {**contact.attributes, **row.attributes} != contact.attributes:
        contact.attributes = {**contact.attributes, **row.attributes}
        contact.updated_at = now


def _contact_of(session: Session, row: BsuidRow) -> int | None:
    if row.phone is not None:
        found = session.scalar(select(Contact.id).where(Contact.phone == row.phone))
        if found is not None:
            return found
    return identities.owner_of(session, identities.USER_ID, row.user_id)
