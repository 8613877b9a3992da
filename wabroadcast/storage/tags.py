"""Contact tags: the tags table, adding and removing them in bulk, and listing them.

A bulk change is one ``INSERT … SELECT`` (or ``DELETE … WHERE contact_id IN (SELECT …)``)
per tag over the contacts a filter chooses, so tagging every contact of a million-row list
never brings their ids into Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    and_,
    delete,
    exists,
    false,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import AudienceError, tag_key, tag_name
from wabroadcast.storage.tables import Contact, ContactTag, Tag

Executor = Session | Connection


@dataclass(frozen=True, slots=True)
class TagCount:
    name: str
    contacts: int


def _insert(executor: Executor, table: type[Tag] | type[ContactTag]) -> postgresql.Insert:
    dialect = (
        executor.get_bind().dialect.name
        if isinstance(executor, Session)
        else (executor.dialect.name)
    )
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return maker(table)  # type: ignore[return-value]


def ensure_tags(executor: Executor, names: Iterable[str], now: datetime) -> dict[str, int]:
    """The id of each tag (by :func:`tag_key`), creating the ones that do not exist yet;
    an existing tag keeps its first spelling."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(tag_key(name), tag_name(name))
    if not wanted:
        return {}
    rows = [{"key": key, "name": name, "created_at": now} for key, name in wanted.items()]
    statement = _insert(executor, Tag).on_conflict_do_nothing(index_elements=[Tag.key])
    executor.execute(statement, rows)
    return tag_ids(executor, list(wanted))


def tag_ids(executor: Executor, keys: Sequence[str]) -> dict[str, int]:
    """Ids of the tags with these keys that exist (missing keys are left out)."""
    if not keys:
        return {}
    found = executor.execute(select(Tag.key, Tag.id).where(Tag.key.in_(list(keys))))
    return {str(key): int(tag_id) for key, tag_id in found.all()}


def tag_contacts(executor: Executor, pairs: Sequence[tuple[int, int]]) -> None:
    """(contact_id, tag_id) pairs; a pair already there is kept (the import adds tags)."""
    if not pairs:
        return
    statement = _insert(executor, ContactTag).on_conflict_do_nothing(
        index_elements=[ContactTag.contact_id, ContactTag.tag_id]
    )
    executor.execute(statement, [{"contact_id": c, "tag_id": t} for c, t in pairs])


def add_tags(
    session: Session, names: Sequence[str], conditions: Sequence[ColumnElement[bool]], now: datetime
) -> int:
    """Give every contact matching ``conditions`` these tags; returns the pairs added."""
    added = 0
    for tag_id in ensure_tags(session, names, now).values():
        chosen = select(Contact.id, literal(tag_id, BigInteger)).where(true(), *conditions)
        statement = _insert(session, ContactTag).from_select(["contact_id", "tag_id"], chosen)
        statement = statement.on_conflict_do_nothing(
            index_elements=[ContactTag.contact_id, ContactTag.tag_id]
        )
        # Rows RETURNed, not rowcount: it came back -1 for this INSERT … SELECT.
        added += len(session.execute(statement.returning(ContactTag.contact_id)).all())
    return added


def remove_tags(
    session: Session, names: Sequence[str], conditions: Sequence[ColumnElement[bool]]
) -> int:
    """Take these tags off every contact matching ``conditions``; returns the pairs removed.
    Tags nobody carries any more stay listed (with 0 contacts) until :func:`drop_unused`."""
    ids = list(tag_ids(session, [tag_key(name) for name in names]).values())
    if not ids:
        return 0
    chosen = select(Contact.id).where(true(), *conditions)
    statement = delete(ContactTag).where(
        ContactTag.tag_id.in_(ids), ContactTag.contact_id.in_(chosen)
    )
    return len(session.execute(statement.returning(ContactTag.contact_id)).all())


def tagged(tag_id_list: Sequence[int], *, all_of: bool = False) -> ColumnElement[bool]:
    """Contacts carrying any (or all) of these tags: a probe of contact_tags' primary key
    per contact, so a walk in send order stops at its LIMIT."""
    if not tag_id_list:
        return ~true()
    if all_of:
        probes = [
            exists().where(ContactTag.contact_id == Contact.id, ContactTag.tag_id == tag_id)
            for tag_id in tag_id_list
        ]
        return and_(*probes)
    return exists().where(
        ContactTag.contact_id == Contact.id, ContactTag.tag_id.in_(list(tag_id_list))
    )


def has_tag(session: Session, name: str) -> ColumnElement[bool]:
    """Contacts carrying the tag ``name`` (none when no such tag exists, or cannot: a name
    no tag may have, such as one with a control character, matches nobody)."""
    try:
        key = tag_key(name)
    except AudienceError:
        return false()
    return tagged(list(tag_ids(session, [key]).values()))


def list_tags(session: Session) -> list[TagCount]:
    """Every tag with how many contacts carry it, by name."""
    count = func.count(ContactTag.contact_id)
    query = (
        select(Tag.name, count)
        .outerjoin(ContactTag, ContactTag.tag_id == Tag.id)
        .group_by(Tag.id, Tag.name)
        .order_by(Tag.key)
    )
    return [TagCount(name, contacts) for name, contacts in session.execute(query).all()]


def tags_of(session: Session, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tags of each of these contacts, by name (for a page of contacts)."""
    found: dict[int, list[str]] = {contact_id: [] for contact_id in contact_ids}
    if not contact_ids:
        return found
    query = (
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id.in_(list(contact_ids)))
        .order_by(Tag.key)
    )
    for contact_id, name in session.execute(query).all():
        found[contact_id].append(name)
    return found


def drop_unused(session: Session) -> int:
    """Delete tags no contact carries; returns how many."""
    used = exists().where(ContactTag.tag_id == Tag.id)
    return int(session.execute(delete(Tag).where(~used)).rowcount)  # type: ignore[attr-defined]
