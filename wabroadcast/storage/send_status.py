"""The delivery fields of sends, read and written with Core for the webhook processor.

A group of status webhooks touches many sends, each several times (sent, delivered, read, in
any order). Loading them as ORM objects and letting a flush write each one costs more than
the rest of processing together, so here a group's sends are read with ONE SELECT (locked in
id order on PostgreSQL, as the engine's answer writer locks them), merged in Python by the
caller, and written back with ONE executemany UPDATE of the rows that changed.

ORM copies of the same rows already in the session (a send reconciled by its callback data)
are expired after the write, so nothing reads a stale value from them later in the
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import Send

_SENDS = cast(Table, Send.__table__)


@dataclass(slots=True)
class SendStatus:
    """What a status webhook may change in a send, plus what it needs to decide."""

    id: int
    contact_id: int
    campaign_id: int | None
    message_id: str | None
    state: str
    status: str | None
    held: bool
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    error_code: int | None
    error_title: str | None
    pricing_category: str | None
    pricing_type: str | None
    wa_id: str | None
    updated_at: datetime
    changed: bool = False
    """Set by the caller when a merge changed the row: only those are written back."""

    @classmethod
    def of(cls, send: Send) -> SendStatus:
        """The same fields from an ORM send (one the session already holds)."""
        return cls(**{name: getattr(send, name) for name in _READ})


_READ = tuple(f.name for f in fields(SendStatus) if f.name != "changed")
_WRITTEN = tuple(name for name in _READ if name not in ("id", "contact_id", "campaign_id"))
_SELECT = select(*(_SENDS.c[name] for name in _READ))
_UPDATE = (
    update(_SENDS)
    .where(_SENDS.c.id == bindparam("b_id"))
    .values({name: bindparam("b_" + name) for name in _WRITTEN})
)


def by_message_ids(session: Session, message_ids: Iterable[str]) -> dict[str, SendStatus]:
    """The sends of these message ids, locked for update in id order (PostgreSQL)."""
    wanted = sorted(set(message_ids))
    if not wanted:
        return {}
    session.flush()  # ORM changes of this transaction first: Core does not autoflush
    query = _SELECT.where(_SENDS.c.message_id.in_(wanted)).order_by(_SENDS.c.id).with_for_update()
    found: dict[str, SendStatus] = {}
    for row in session.connection().execute(query):
        send = SendStatus(*row)
        if send.message_id:
            found[send.message_id] = send
    return found


def save(session: Session, sends: Iterable[SendStatus]) -> int:
    """Write back the sends marked changed (each once), in id order; returns how many."""
    changed = {send.id: send for send in sends if send.changed}
    if not changed:
        return 0
    rows: list[dict[str, Any]] = []
    for send_id in sorted(changed):
        send = changed[send_id]
        row = {"b_" + name: getattr(send, name) for name in _WRITTEN}
        row["b_id"] = send_id
        rows.append(row)
        send.changed = False
    session.connection().execute(_UPDATE, rows)
    _expire_orm_copies(session, changed.keys())
    return len(rows)


def _expire_orm_copies(session: Session, send_ids: Iterable[int]) -> None:
    ids = set(send_ids)
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Send) and instance.id in ids:
            session.expire(instance)
