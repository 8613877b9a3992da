"""Tags read by an import: the `tags` column (`;`-separated) or a JSON element's `tags`.

An import only adds tags: a contact keeps the tags it has and gains the row's (removing is
`contacts tag remove` or the API's bulk change), so importing a second list that tags the
same people differently never takes a tag away.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, select
from sqlalchemy.orm import QueryableAttribute

from wabroadcast.contacts.sources import MISSING
from wabroadcast.domain.audience import AudienceError, split_tags, tag_key
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.identities import USER_ID
from wabroadcast.storage.tables import Contact, ContactIdentity

MAX_ROW_TAGS = 50


def read_tags(value: Any) -> list[str] | str:
    """The row's tags, or why they cannot be read (the rejection's reason)."""
    if value is None or value is MISSING:
        return []
    try:
        tags = split_tags(value)
    except AudienceError as exc:
        return str(exc)
    if len(tags) > MAX_ROW_TAGS:
        return f"{len(tags)} tags; a contact may get at most {MAX_ROW_TAGS} in one row"
    return tags


def tag_rows(connection: Connection, tags_by_phone: Mapping[str, list[str]], now: datetime) -> None:
    """Give each (just written) contact its row's tags; the caller commits."""
    _tag_found(connection, Contact.phone, Contact.id, tags_by_phone, now)


def tag_user_id_rows(
    connection: Connection, tags_by_user_id: Mapping[str, list[str]], now: datetime
) -> None:
    """The same for rows with a BSUID and no phone, found by their identity; the caller
    commits. Looked up after every row of the batch is written, so a contact merged into
    another by a later row gives its tags to the one kept."""
    _tag_found(
        connection,
        ContactIdentity.value,
        ContactIdentity.contact_id,
        tags_by_user_id,
        now,
        ContactIdentity.kind == USER_ID,
    )


def _tag_found(
    connection: Connection,
    key: QueryableAttribute[Any],
    contact_id: QueryableAttribute[Any],
    tags_by_key: Mapping[str, list[str]],
    now: datetime,
    *where: ColumnElement[bool],
) -> None:
    if not tags_by_key:
        return
    ids = tag_store.ensure_tags(
        connection, [tag for tags in tags_by_key.values() for tag in tags], now
    )
    keys = list(tags_by_key)
    contact_ids: dict[str, int] = {}
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        query = select(key, contact_id).where(key.in_(chunk), *where)
        contact_ids.update({str(found): int(id_) for found, id_ in connection.execute(query)})
    pairs = {
        (contact_ids[found], ids[tag_key(tag)])
        for found, tags in tags_by_key.items()
        if found in contact_ids
        for tag in tags
    }
    tag_store.tag_contacts(connection, sorted(pairs))
