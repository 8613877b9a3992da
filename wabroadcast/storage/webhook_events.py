"""The raw webhook log: store first, process after, prune old processed bodies.

Meta gives up on a webhook after 7 days of failed retries and no API returns past webhooks, so
a signed body is committed before the 200 goes out; processing happens afterwards and a crash
in between leaves an unprocessed row that is picked up on the next start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import Base, WebhookEvent

_EVENTS = cast(Table, WebhookEvent.__table__)
_PENDING_SIZES = (
    select(_EVENTS.c.id, func.length(_EVENTS.c.body))
    .where(_EVENTS.c.processed_at.is_(None))
    .order_by(_EVENTS.c.id)
    .limit(bindparam("b_limit"))
)
"""Built once: the webhook worker asks this after every group it processes."""
_RECORD_ERRORS = (
    update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(error=bindparam("b_error"))
)


def insert_ignoring_duplicates(
    session: Session, model: type[Base], values: Mapping[str, Any], unique: Sequence[str]
) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new row's id, or None for a duplicate.

    Meta redelivers webhooks (retries, several subscribed apps), sometimes to two processes at
    once; letting the unique constraint decide makes a duplicate a no-op instead of an error.
    (RETURNING rather than rowcount: psycopg reports -1 for an ON CONFLICT insert.)
    """
    table = model.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(table.c.id)
    )
    new_id: int | None = session.execute(statement).scalar_one_or_none()
    return new_id


def insert_many_ignoring_duplicates(
    session: Session,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    unique: Sequence[str],
    *,
    chunk: int = 500,
) -> set[tuple[Any, ...]]:
    """Multi-row INSERT … ON CONFLICT DO NOTHING; returns the ``unique`` keys that were new.

    An executemany with RETURNING, which SQLAlchemy sends as multi-row INSERTs compiled once: a
    batched webhook carries up to 1,000 statuses, and a round trip (or a fresh compile) per
    body caps throughput below the 3× send rate Meta asks receivers to handle. All rows must
    have the same keys.
    """
    table = model.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key_columns = [table.c[name] for name in unique]
    statement = insert(table).on_conflict_do_nothing(index_elements=unique).returning(*key_columns)
    new: set[tuple[Any, ...]] = set()
    for start in range(0, len(rows), chunk):
        params = [dict(row) for row in rows[start : start + chunk]]
        new.update(tuple(row) for row in session.execute(statement, params))
    return new


def store_raw(session: Session, *, body: str, kind: str, received_at: datetime) -> int:
    """Keep a signed body as received; returns its id for processing."""
    event = WebhookEvent(body=body, kind=kind[:64], received_at=received_at)
    session.add(event)
    session.flush()
    return event.id


def store_many(session: Session, bodies: Sequence[tuple[str, str, datetime]]) -> list[int]:
    """Keep signed bodies ``(body, kind, received_at)`` as received, in one statement; returns
    their ids in the same order (an executemany with RETURNING, sorted by parameter order)."""
    if not bodies:
        return []
    table = WebhookEvent.__table__
    assert isinstance(table, Table)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    params = [
        {"body": body, "kind": kind[:64], "received_at": received_at}
        for body, kind, received_at in bodies
    ]
    return [int(row[0]) for row in session.execute(statement, params)]


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """A raw body claimed for processing."""

    id: int
    body: str
    received_at: datetime


def claim_many(session: Session, event_ids: Sequence[int], now: datetime) -> list[ClaimedEvent]:
    """Mark raw events processed as the transaction's first write; returns those not done yet.

    The claim and the facts commit together: a crash rolls back both, and two processors
    (two server processes, or the worker and a request's fallback) never apply the same body
    twice. One UPDATE … RETURNING the bodies; returned in id order, the order Meta sent them.
    """
    if not event_ids:
        return []
    claimed = session.connection().execute(
        update(_EVENTS)
        .where(_EVENTS.c.id.in_(list(event_ids)), _EVENTS.c.processed_at.is_(None))
        .values(processed_at=now, error=None)
        .returning(_EVENTS.c.id, _EVENTS.c.body, _EVENTS.c.received_at)
    )
    return sorted((ClaimedEvent(*row) for row in claimed), key=lambda event: event.id)


def record_errors(session: Session, errors: Mapping[int, str]) -> None:
    """Note what was skipped in bodies processed in this transaction, in one statement."""
    if not errors:
        return
    rows = [{"b_id": event_id, "b_error": error[:2000]} for event_id, error in errors.items()]
    session.connection().execute(_RECORD_ERRORS, rows)


def record_error(
    session: Session, event_id: int, error: str, *, processed_at: datetime | None
) -> None:
    """Note why processing failed; ``processed_at=None`` leaves it to be retried."""
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_id)
        .values(error=error[:2000], processed_at=processed_at)
        .execution_options(synchronize_session=False)
    )


def pending_sizes(session: Session, limit: int = 500) -> list[tuple[int, int]]:
    """(id, body length) of unprocessed raw events, oldest first (the order Meta sent them)."""
    found = session.connection().execute(_PENDING_SIZES, {"b_limit": limit})
    return [(event_id, int(size or 0)) for event_id, size in found]


def recent(session: Session, limit: int, *, before_id: int | None = None) -> list[WebhookEvent]:
    """The newest raw events first (those with id < ``before_id``), for GET /api/webhook-logs.

    Keyset paging: the log grows while a client pages through it, and ids never move.
    """
    query = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(WebhookEvent.id < before_id)
    return list(session.scalars(query))


def prune(session: Session, older_than: datetime) -> int:
    """Delete processed raw bodies received before ``older_than``; facts keep their rows."""
    result = session.execute(
        delete(WebhookEvent)
        .where(WebhookEvent.received_at < older_than, WebhookEvent.processed_at.is_not(None))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
