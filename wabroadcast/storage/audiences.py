"""An audience (domain/audience.py) as SQL conditions on contacts, for the selection.

Every condition is a per-contact probe or a test on the contact row itself, so the selection
stays one query walking ``ix_contacts_index_id`` in send order and stops at its LIMIT:

- tags: ``EXISTS`` on contact_tags' primary key (contact_id, tag_id), one per tag for `all`;
- attribute conditions: the JSON value as text (``json_extract`` / ``->>``);
- excluded tags: ``NOT EXISTS`` on the same key;
- no reply in the last N days: ``NOT EXISTS`` on replies by contact_id (indexed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, cast, exists, false, func, text, type_coerce
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import Audience, AudienceError, Condition, tag_key
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.tables import Contact, Reply


def audience_conditions(
    session: Session, audience: Audience | None, now: datetime | None
) -> tuple[ColumnElement[bool], ...]:
    """The audience's conditions (none for everyone). Tags nobody has match nobody.
    ``now`` (the injected clock's) is needed only for `exclude_replied_days`."""
    if audience is None or audience.is_everyone:
        return ()
    conditions: list[ColumnElement[bool]] = []
    if audience.tags:
        keys = [tag_key(tag) for tag in audience.tags]
        ids = tag_store.tag_ids(session, keys)
        if audience.match == "all" and len(ids) < len(set(keys)):
            conditions.append(false())
        else:
            conditions.append(tag_store.tagged(list(ids.values()), all_of=audience.match == "all"))
    dialect = session.get_bind().dialect.name
    conditions += [attribute_condition(c, dialect) for c in audience.conditions]
    if audience.exclude_tags:
        ids = tag_store.tag_ids(session, [tag_key(tag) for tag in audience.exclude_tags])
        if ids:
            conditions.append(~tag_store.tagged(list(ids.values())))
    if audience.exclude_replied_days:
        if now is None:
            raise ValueError("exclude_replied_days needs the current time")
        since = now - timedelta(days=audience.exclude_replied_days)
        replied = exists().where(Reply.contact_id == Contact.id, Reply.received_at >= since)
        conditions.append(~replied)
    return tuple(conditions)


@contextmanager
def walk_in_send_order(session: Session, narrowed: bool) -> Iterator[None]:
    """PostgreSQL: make an audience's pick walk ix_contacts_index_id in send order.

    The planner has no statistics on JSON values, so it takes `city = İzmir AND plan IN
    (…)` to match a handful of contacts, reads the whole table and sorts (0.1 s at 100,000
    contacts, growing with the list), where walking the index stops after the LIMIT's
    contacts. Sorting is switched off for this one statement and back to the default after,
    inside the caller's transaction (SET LOCAL). So are parallel workers: starting two took
    24 of the 32 ms of a pick that reads a few thousand index entries."""
    postgresql = narrowed and session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SET LOCAL enable_sort = off"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    try:
        yield
    finally:
        if postgresql:
            session.execute(text("SET LOCAL enable_sort TO DEFAULT"))
            session.execute(text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))


def attribute_condition(condition: Condition, dialect: str) -> ColumnElement[bool]:
    """``field = value`` on the name or on the attribute's text; a contact without the
    attribute matches neither ``=`` nor ``!=`` (as SQL's NULL, and as people read it)."""
    column: ColumnElement[str]
    if condition.is_name:
        column = type_coerce(Contact.name, String)
    elif dialect == "sqlite":
        column = _sqlite_attribute(condition.field)
    else:
        column = Contact.attributes[condition.field].as_string()
    values = list(condition.values)
    if condition.negated:
        return column.is_not(None) & column.not_in(values)
    return column.in_(values) if len(values) > 1 else column == values[0]


def _sqlite_attribute(key: str) -> ColumnElement[str]:
    """The attribute as text on SQLite. Its JSON is written with ASCII escapes (`şehir` is
    stored as `\\u015fehir`), and SQLite (3.40 measured) compares a path's key with the key
    as written, so the escaped spelling is looked up first, then the key as given (JSON that
    holds the letters themselves)."""
    escaped = json.dumps(key)  # quotes included: '"\\u015fehir"'
    literal = json.dumps(key, ensure_ascii=False)
    found = func.coalesce(
        func.json_extract(Contact.attributes, f"$.{escaped}"),
        func.json_extract(Contact.attributes, f"$.{literal}"),
    )
    return cast(found, String)


def check_tags_exist(session: Session, audience: Audience) -> None:
    """Refuse an audience that wants a tag no contact has ever had: a typo would otherwise
    become a campaign that sends to nobody (any) or quietly to fewer people (all)."""
    if not audience.tags:
        return
    keys = {tag_key(tag): tag for tag in audience.tags}
    known = tag_store.tag_ids(session, list(keys))
    missing = [tag for key, tag in keys.items() if key not in known]
    if missing:
        existing = [tag.name for tag in tag_store.list_tags(session)]
        listing = ", ".join(existing[:20]) + (" …" if len(existing) > 20 else "")
        raise AudienceError(
            f"no contact has tag {missing[0]!r}"
            + (f"; the tags are: {listing}" if existing else "; no contact has any tag yet")
        )
