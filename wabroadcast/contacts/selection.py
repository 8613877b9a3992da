"""Which contacts a bulk tag change applies to: listed numbers, or a filter, or everyone.

Shared by the API (POST /api/contacts/tags), the panel and `contacts tag add|remove`, so
"no contacts chosen" and "numbers and a filter at once" are refused with the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from wabroadcast.contact_phones import InvalidPhone, normalize_phone
from wabroadcast.domain.audience import unique_tags
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.contacts import contact_filter
from wabroadcast.storage.tables import Contact


class SelectionError(ValueError):
    """The contacts to change are not clear; `field` names the input at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class ContactChoice:
    phones: Sequence[str] | None = None
    search: str | None = None
    tag: str | None = None
    opted_out: bool | None = None
    everyone: bool = False


@dataclass(frozen=True, slots=True)
class TagChangeCount:
    contacts: int
    added: int
    removed: int
    unknown_phones: list[str]


def chosen_contacts(
    session: Session, choice: ContactChoice, region: str
) -> tuple[list[ColumnElement[bool]], list[str]]:
    """The conditions choosing the contacts, and the listed numbers that are no contact."""
    filtered = bool(choice.search or choice.tag) or choice.opted_out is not None
    if choice.phones is not None and (filtered or choice.everyone):
        raise SelectionError("give phones or a filter, not both", "phones")
    if choice.phones is None and not filtered and not choice.everyone:
        raise SelectionError(
            "no contacts chosen: give phones, a filter (search, tag, opted out) or all", "phones"
        )
    if choice.phones is None:
        conditions = contact_filter(
            session, search=choice.search, region=region, opted_out=choice.opted_out,
            tag=choice.tag,
        )  # fmt: skip
        return conditions, []
    known: list[str] = []
    unknown: list[str] = []
    for raw in choice.phones:
        try:
            known.append(normalize_phone(raw, region))
        except InvalidPhone:
            unknown.append(raw[:40])
    if known:
        found = set(session.scalars(select(Contact.phone).where(Contact.phone.in_(known))))
        unknown += [phone for phone in known if phone not in found]
    return [Contact.phone.in_(known)], unknown


def change_tags(
    session: Session,
    choice: ContactChoice,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    region: str,
    now: datetime,
) -> TagChangeCount:
    """Add, then remove, tags on the chosen contacts (the caller commits). Raises
    AudienceError for a malformed tag and SelectionError for an unclear choice."""
    adding, removing = unique_tags(list(add)), unique_tags(list(remove))
    if not adding and not removing:
        raise SelectionError("nothing to do: give tags to add or remove", "add")
    conditions, unknown = chosen_contacts(session, choice, region)
    matched = session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0
    added = tag_store.add_tags(session, adding, conditions, now) if adding else 0
    removed = tag_store.remove_tags(session, removing, conditions) if removing else 0
    return TagChangeCount(matched, added, removed, unknown)
