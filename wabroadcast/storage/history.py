"""Already-sent pairs brought over from the original tool's `message_history.json`.

An imported pair is a row in `sends` with state `accepted`, no campaign and no language: the
UNIQUE (template_name, contact_id) constraint then keeps the engine from sending that
template to that contact again, exactly as for a pair this tool sent itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from wabroadcast.domain.models import SendState
from wabroadcast.storage.contacts import (
    CONTACT_KEYS,
    CONTACTS,
    ContactWriter,
    bind_processor,
    dialect_insert,
    executemany,
)
from wabroadcast.storage.tables import Send

SENDS = Send.__table__
SEND_KEYS = (
    "template_name", "contact_id", "campaign_id", "language", "phone", "state", "attempts",
    "claimed_at", "accepted_at", "updated_at",
)  # fmt: skip


class HistoryWriter:
    """Batched writes of imported history on one connection (the caller commits)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._contacts = ContactWriter(connection)
        self._time = bind_processor(SENDS.c.claimed_at, connection.dialect)
        self._json = bind_processor(CONTACTS.c.attributes, connection.dialect)
        self._new_contact = dialect_insert(connection, CONTACTS).on_conflict_do_nothing(
            index_elements=[CONTACTS.c.phone]
        )
        self._new_send = dialect_insert(connection, SENDS).on_conflict_do_nothing(
            index_elements=[SENDS.c.template_name, SENDS.c.contact_id]
        )
        self.next_index = self._contacts.max_index() + 1

    def known_ids(self, phones: Sequence[str]) -> dict[str, int]:
        """Ids of those of ``phones`` that are contacts already; no contact is created."""
        return {phone: stored.id for phone, stored in self._contacts.existing(phones).items()}

    def contact_ids(self, phones: Sequence[str], now: datetime) -> tuple[dict[str, int], int]:
        """Ids of ``phones``, creating the unknown ones (no name, next send order).

        Returns the ids by phone and how many contacts were created. ON CONFLICT DO NOTHING
        leaves a contact another process created meanwhile exactly as it is.
        """
        ids = self.known_ids(phones)
        missing = [phone for phone in phones if phone not in ids]
        if not missing:
            return ids, 0
        stamp = self._time(now)
        empty = self._json({})
        rows = [
            (phone, None, self.next_index + offset, empty, stamp, stamp, "")
            for offset, phone in enumerate(missing)
        ]
        self.next_index += len(missing)
        executemany(self.connection, self._new_contact, CONTACT_KEYS, rows)
        created = self._contacts.existing(missing)
        ids.update({phone: stored.id for phone, stored in created.items()})
        return ids, len(missing)

    def recorded(self, template_name: str, contact_ids: Sequence[int]) -> set[int]:
        """Which of ``contact_ids`` already have a send of ``template_name``."""
        query = select(SENDS.c.contact_id).where(
            SENDS.c.template_name == template_name, SENDS.c.contact_id.in_(contact_ids)
        )
        return set(self.connection.scalars(query))

    def record(self, template_name: str, pairs: Sequence[tuple[int, str]], now: datetime) -> None:
        """Insert (contact_id, phone) as accepted sends of ``template_name``."""
        stamp = self._time(now)
        accepted = SendState.ACCEPTED.value
        rows = [
            (template_name, contact_id, None, None, phone, accepted, 0, stamp, stamp, stamp)
            for contact_id, phone in pairs
        ]
        executemany(self.connection, self._new_send, SEND_KEYS, rows)
