"""The ids Meta uses for a contact (wa_id, BSUID), old ones kept, and merging two contacts.

A person may first be known by phone (imported) and separately by BSUID (a username user who
replied, an import with only a `user_id`). The day a webhook or an import shows both ids for
one person, the two contact rows become one (:func:`merge_contacts`) before anything is
claimed again: never-twice is ``UNIQUE (template_name, contact_id)``, so it only holds across
both identities once they resolve to one contact id.

An id belongs to one contact (``UNIQUE (kind, value)``). A newer id of the same kind marks the
older one replaced but keeps it, so a late webhook carrying the old BSUID or wa_id still finds
the contact and never turns the contact's current id back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, literal, select, update
from sqlalchemy.orm import Session

from wabroadcast.domain.bsuid import BSUID_MAX_LENGTH, is_bsuid
from wabroadcast.storage.tables import (
    Contact,
    ContactIdentity,
    ContactTag,
    OptOut,
    Reply,
    Send,
    SendRelease,
)

WA_ID = "wa_id"
_CONTACTS = cast(Table, Contact.__table__)
_IDENTITIES = cast(Table, ContactIdentity.__table__)
USER_ID = "user_id"
MAX_WA_ID = 32


def usable(kind: str, value: str | None) -> str | None:
    """The id if it can be stored as that kind: wa_ids are digits, BSUIDs match §5.8."""
    if not value:
        return None
    if kind == WA_ID:
        return value if value.isdigit() and len(value) <= MAX_WA_ID else None
    return value if len(value) <= BSUID_MAX_LENGTH and is_bsuid(value) else None


def owner_of(session: Session, kind: str, value: str | None) -> int | None:
    """The contact an id (current or replaced) belongs to; a contact whose column holds it
    counts too (rows written before migration 0011's table, or by hand)."""
    value = usable(kind, value)
    if value is None:
        return None
    found = session.scalar(
        select(ContactIdentity.contact_id).where(
            ContactIdentity.kind == kind, ContactIdentity.value == value
        )
    )
    if found is None:
        column = Contact.wa_id if kind == WA_ID else Contact.user_id
        found = session.scalar(
            select(Contact.id).where(column == value).order_by(Contact.id).limit(1)
        )
    return found


def remember(
    session: Session,
    contact_id: int,
    *,
    wa_id: str | None = None,
    user_id: str | None = None,
    now: datetime,
) -> int:
    """Attach ids Meta reported to a contact; returns the contact id they now resolve to.

    An id new to us becomes the contact's current one (the previous one of that kind is kept,
    marked replaced). An id another contact holds means both are one person: they are merged.
    An id the contact already had (a late webhook with an old BSUID) changes nothing.
    """
    if session.scalar(select(Contact.id).where(Contact.id == contact_id)) is None:
        return contact_id  # merged away earlier in this transaction
    for kind, value in ((WA_ID, wa_id), (USER_ID, user_id)):
        value = usable(kind, value)
        if value is None:
            continue
        owner = owner_of(session, kind, value)
        if owner is not None and owner != contact_id:
            contact_id = merge_contacts(session, contact_id, owner, now=now)
        if not _known(session, kind, value):
            _add_current(session, contact_id, kind, value, now=now)
    return contact_id


def remember_many(
    session: Session, reported: Mapping[int, tuple[str | None, str | None]], *, now: datetime
) -> dict[int, int]:
    """:func:`remember` for the (wa_id, BSUID) pairs a batch of status webhooks reported, one
    pair per contact. Returns the contacts merged into another (old id → id kept).

    The common case — ids new to us that nobody holds, or ids the contact already has — takes
    a few statements for the whole batch (a message's first status usually brings its
    contact's wa_id). An id another contact holds (a merge), or one two contacts of the batch
    report, goes through :func:`remember` one contact at a time.
    """
    session.flush()  # the statements below are Core: they do not autoflush
    wanted: dict[tuple[str, str], int] = {}
    slow: set[int] = set()
    for contact_id, pair in reported.items():
        for kind, value in zip((WA_ID, USER_ID), pair, strict=True):
            usable_value = usable(kind, value)
            if usable_value is None:
                continue
            if wanted.setdefault((kind, usable_value), contact_id) != contact_id:
                slow.add(contact_id)
    owners = _owners(session, set(wanted))
    fresh: list[tuple[int, str, str]] = []
    for (kind, value), contact_id in wanted.items():
        owner = owners.get((kind, value))
        if owner is None:
            fresh.append((contact_id, kind, value))
        elif owner != contact_id:
            slow.add(contact_id)
    fresh = [item for item in fresh if item[0] not in slow]
    _add_current_many(session, fresh, now=now)
    merged: dict[int, int] = {}
    for contact_id in sorted(slow):
        wa_id, user_id = reported[contact_id]
        kept = remember(session, contact_id, wa_id=wa_id, user_id=user_id, now=now)
        if kept != contact_id:
            merged[contact_id] = kept
    return merged


def _owners(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Who holds each (kind, value): the identities table, then the contacts' own columns."""
    found: dict[tuple[str, str], int] = {}
    connection = session.connection()
    for kind in (WA_ID, USER_ID):
        values = sorted(value for k, value in pairs if k == kind)
        if not values:
            continue
        for value, contact_id in connection.execute(
            select(_IDENTITIES.c.value, _IDENTITIES.c.contact_id).where(
                _IDENTITIES.c.kind == kind, _IDENTITIES.c.value.in_(values)
            )
        ):
            found[(kind, value)] = contact_id
        column = _CONTACTS.c[kind]
        for held, contact_id in connection.execute(
            select(column, _CONTACTS.c.id).where(column.in_(values)).order_by(_CONTACTS.c.id)
        ):
            if held is not None:
                found.setdefault((kind, held), contact_id)
    return found


def _add_current_many(
    session: Session, fresh: Sequence[tuple[int, str, str]], *, now: datetime
) -> None:
    """:func:`_add_current` for many (contact, kind, value) at once."""
    if not fresh:
        return
    connection = session.connection()
    for kind in (WA_ID, USER_ID):
        contact_ids = sorted({contact_id for contact_id, k, _ in fresh if k == kind})
        if contact_ids:
            connection.execute(
                update(_IDENTITIES)
                .where(
                    _IDENTITIES.c.contact_id.in_(contact_ids),
                    _IDENTITIES.c.kind == kind,
                    _IDENTITIES.c.replaced_at.is_(None),
                )
                .values(replaced_at=now)
            )
    connection.execute(
        insert(_IDENTITIES),
        [
            {"contact_id": contact_id, "kind": kind, "value": value, "first_seen_at": now}
            for contact_id, kind, value in fresh
        ],
    )
    values: dict[int, dict[str, object]] = {}
    for contact_id, kind, value in fresh:
        values.setdefault(contact_id, {"b_id": contact_id})["b_" + kind] = value
    for kinds in ({WA_ID}, {USER_ID}, {WA_ID, USER_ID}):
        rows = [row for row in values.values() if set(row) - {"b_id"} == {"b_" + k for k in kinds}]
        if rows:
            set_values: dict[str, Any] = {kind: bindparam("b_" + kind) for kind in sorted(kinds)}
            connection.execute(
                update(_CONTACTS)
                .where(_CONTACTS.c.id == bindparam("b_id"))
                .values(**set_values, updated_at=now),
                rows,
            )


def _known(session: Session, kind: str, value: str) -> bool:
    found = session.scalar(
        select(ContactIdentity.id).where(
            ContactIdentity.kind == kind, ContactIdentity.value == value
        )
    )
    return found is not None


def replace_user_id(session: Session, contact_id: int, *, user_id: str, now: datetime) -> int:
    """`user_changed_user_id` / `user_changed_number`: the new BSUID becomes current."""
    return remember(session, contact_id, user_id=user_id, now=now)


def _add_current(
    session: Session, contact_id: int, kind: str, value: str, *, now: datetime
) -> None:
    session.execute(
        update(ContactIdentity)
        .where(
            ContactIdentity.contact_id == contact_id,
            ContactIdentity.kind == kind,
            ContactIdentity.replaced_at.is_(None),
        )
        .values(replaced_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(ContactIdentity(contact_id=contact_id, kind=kind, value=value, first_seen_at=now))
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values({kind: value, "updated_at": now})
        .execution_options(synchronize_session=False)
    )
    session.flush()


def merge_contacts(session: Session, one: int, other: int, *, now: datetime) -> int:
    """Make two contacts one; returns the id kept (the one with a phone, else the older).

    Every send of both stays (a template either of them got is not sent to the merged
    contact); when both got the same template, the kept contact's send is the one kept. Replies,
    opt-outs, releases, tags and ids move over; the kept contact is opted out or unreachable if
    either was, and takes the other's phone, name, BSUID and attributes where it has none.
    """
    session.flush()
    rows = {
        row.id: row
        for row in session.execute(select(Contact).where(Contact.id.in_((one, other)))).scalars()
    }
    if len(rows) < 2:
        return one if one in rows else other
    keep, gone = sorted(rows.values(), key=lambda c: (c.phone is None, c.id))
    merged = {
        "phone": keep.phone or gone.phone,
        "name": keep.name or gone.name,
        "index": keep.index if keep.index is not None else gone.index,
        "attributes": {**(gone.attributes or {}), **(keep.attributes or {})},
        "wa_id": keep.wa_id or gone.wa_id,
        "user_id": keep.user_id or gone.user_id,
        "opted_out_at": _earliest(keep.opted_out_at, gone.opted_out_at),
        "opt_out_reason": keep.opt_out_reason or gone.opt_out_reason,
        "unreachable_at": _earliest(keep.unreachable_at, gone.unreachable_at),
        "unreachable_reason": keep.unreachable_reason or gone.unreachable_reason,
    }
    _move_history(session, keep.id, gone.id)
    _one_current_id(
        session, keep.id, wa_id=keep.wa_id or gone.wa_id, user_id=keep.user_id or gone.user_id
    )
    session.delete(gone)
    session.flush()
    for column, value in merged.items():
        setattr(keep, column, value)
    keep.updated_at = now
    session.flush()
    return keep.id


def _move_history(session: Session, keep: int, gone: int) -> None:
    """Sends, releases, replies, opt-outs, tags and ids of `gone` now belong to `keep`."""
    _move_tags(session, keep, gone)
    kept_templates = select(Send.template_name).where(Send.contact_id == keep)
    session.execute(
        update(Send)
        .where(Send.contact_id == gone, Send.template_name.not_in(kept_templates))
        .values(contact_id=keep)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Send).where(Send.contact_id == gone).execution_options(synchronize_session=False)
    )
    for table in (SendRelease, Reply, OptOut, ContactIdentity):
        session.execute(
            update(table)
            .where(table.contact_id == gone)
            .values(contact_id=keep)
            .execution_options(synchronize_session=False)
        )


def _move_tags(session: Session, keep: int, gone: int) -> None:
    """`gone`'s tags go to `keep` before `gone` is deleted (its rows would cascade away, and
    the person would drop out of every audience of those tags). They are inserted, so the
    contact_tags insert trigger (migration 0017) forgets the audience marks, as for any tag
    added: the kept contact may now belong to an audience a mark had walked past."""
    kept = select(ContactTag.tag_id).where(ContactTag.contact_id == keep)
    moved = select(literal(keep), ContactTag.tag_id).where(
        ContactTag.contact_id == gone, ContactTag.tag_id.not_in(kept)
    )
    session.execute(
        insert(ContactTag)
        .from_select(["contact_id", "tag_id"], moved)
        .execution_options(synchronize_session=False)
    )


def _one_current_id(
    session: Session, contact_id: int, *, wa_id: str | None, user_id: str | None
) -> None:
    """After a merge: the ids other than the kept contact's current ones are replaced."""
    for kind, value in ((WA_ID, wa_id), (USER_ID, user_id)):
        session.execute(
            update(ContactIdentity)
            .where(
                ContactIdentity.contact_id == contact_id,
                ContactIdentity.kind == kind,
                ContactIdentity.replaced_at.is_(None),
                ContactIdentity.value != (value or ""),
            )
            .values(replaced_at=ContactIdentity.first_seen_at)
            .execution_options(synchronize_session=False)
        )


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(a, b) if a is not None and b is not None else a or b
