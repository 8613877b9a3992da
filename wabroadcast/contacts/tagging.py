"""Tags read by an import: the `tags` column (`;`-separated) or a JSON element's `tags`.

An import only adds tags: a contact keeps the tags it has and gains the row's (removing is
`contacts tag remove` or the API's bulk change), so importing a second list that tags the
same people differently never takes a tag away.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from wabroadcast.contacts.sources import MISSING
from wabroadcast.domain.audience import AudienceError, split_tags, tag_key
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.tables import Contact

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
    if not tags_by_phone:
        return
    ids = tag_store.ensure_tags(
        connection, [tag for tags in tags_by_phone.values() for tag in tags], now
    )
    phones = list(tags_by_phone)
    contact_ids: dict[str, int] = {}
    for start in range(0, len(phones), 5000):
        chunk = phones[start : start + 5000]
        query = select(Contact.phone, Contact.id).where(Contact.phone.in_(chunk))
        contact_ids.update({str(phone): int(id_) for phone, id_ in connection.execute(query)})
    pairs = [
        (contact_ids[phone], ids[tag_key(tag)])
        for phone, tags in tags_by_phone.items()
        if phone in contact_ids
        for tag in tags
    ]
    tag_store.tag_contacts(connection, sorted(pairs))
