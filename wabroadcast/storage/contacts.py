"""Contact queries: batched upserts for imports; the search and counts for the CLI, API, panel.

Imports write through :func:`executemany`: the statement is built with the dialect's
``insert().on_conflict_do_update`` and compiled by SQLAlchemy once per batch, and the rows go
to the driver's ``executemany`` with values already converted. SQLAlchemy's own per-row
parameter processing was measured at ~10 µs a row on SQLite against ~2 µs this way, and a
million-row import has a 20 s budget.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Text,
    and_,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ColumnElement

from wabroadcast.domain.search import ContactQuery, fold, parse_query
from wabroadcast.storage.tables import Contact, ContactIdentity
from wabroadcast.storage.tags import has_tag

CONTACTS = Contact.__table__
CONTACT_KEYS = (
    "phone",
    "name",
    "index",
    "attributes",
    "created_at",
    "updated_at",
    "search_key",
)
BULK_CACHE_KIB = -65536
"""SQLite cache_size during imports (negative: KiB), see :func:`bulk_writes`."""


def dialect_insert(connection: Connection, table: Any) -> Any:
    """`INSERT` with `ON CONFLICT` support for the connection's database."""
    name = connection.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"imports support SQLite and PostgreSQL, not {name}")


def bind_processor(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """The conversion SQLAlchemy would apply to a value of ``column`` (JSON, UTC datetime)."""
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)


def executemany(
    connection: Connection,
    statement: UpdateBase,
    keys: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Run ``statement`` for every row (values in ``keys`` order) via the driver's executemany.

    psycopg pipelines executemany; multi-row VALUES statements were measured no faster.
    """
    if not rows:
        return
    compiled = statement.compile(
        dialect=connection.dialect, column_keys=list(keys), for_executemany=True
    )
    sql = str(compiled)
    if compiled.positional:
        order = list(compiled.positiontup or [])
        if order != list(keys):
            where = [list(keys).index(name) for name in order]
            rows = [tuple(row[i] for i in where) for row in rows]
        connection.exec_driver_sql(sql, list(rows))
    else:
        connection.exec_driver_sql(sql, [dict(zip(keys, row, strict=True)) for row in rows])


@contextmanager
def bulk_writes(connection: Connection) -> Iterator[None]:
    """Give SQLite a 64 MB page cache while a large import runs, then restore it.

    Numbers arrive in random order, so each batch touches pages all over the phone index;
    with SQLite's default 2 MB cache a million-row import re-reads most of them per batch.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size={BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


@dataclass(slots=True)
class StoredContact:
    """A stored contact as an import compares it; `attributes_json` is the stored JSON text."""

    id: int
    name: str | None
    index: int | None
    attributes_json: str
    updated_at: Any
    """As the driver returns it; compare with :meth:`ContactWriter.stamp`."""
    _attributes: dict[str, Any] | None = None

    @property
    def attributes(self) -> dict[str, Any]:
        if self._attributes is None:
            self._attributes = json.loads(self.attributes_json) if self.attributes_json else {}
        return self._attributes


class ContactWriter:
    """Batched reads and upserts of contacts on one connection (the caller commits)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        dialect = connection.dialect
        self._time = bind_processor(CONTACTS.c.created_at, dialect)
        self._json = bind_processor(CONTACTS.c.attributes, dialect)
        insert = dialect_insert(connection, CONTACTS)
        changed = or_(
            CONTACTS.c.name.is_distinct_from(insert.excluded.name),
            CONTACTS.c.index.is_distinct_from(insert.excluded.index),
            cast(CONTACTS.c.attributes, Text).is_distinct_from(
                cast(insert.excluded.attributes, Text)
            ),
            CONTACTS.c.search_key.is_distinct_from(insert.excluded.search_key),
        )
        self._upsert = insert.on_conflict_do_update(
            index_elements=[CONTACTS.c.phone],
            set_={
                "name": insert.excluded.name,
                "index": insert.excluded.index,
                "attributes": insert.excluded.attributes,
                "search_key": insert.excluded.search_key,
                "updated_at": insert.excluded.updated_at,
            },
            where=changed,
        )

    def latest_update(self) -> datetime | None:
        """The newest `updated_at` of any contact."""
        return self.connection.scalar(select(func.max(Contact.updated_at)))

    def max_index(self) -> int:
        return self.connection.scalar(select(func.max(CONTACTS.c.index))) or 0

    def existing(self, phones: Sequence[str]) -> dict[str, StoredContact]:
        """The stored contacts among ``phones``, by phone.

        Plain SQL: SQLAlchemy's expanding IN renders a bind name per number, which cost more
        than the lookup itself on a 5,000-number batch.
        """
        found: dict[str, StoredContact] = {}
        if not phones:
            return found
        if self.connection.dialect.name == "postgresql":
            sql = (
                'SELECT phone, id, name, "index", attributes::text, updated_at FROM contacts '
                "WHERE phone = ANY(%s)"
            )
            result = self.connection.exec_driver_sql(sql, (list(phones),))
        else:
            marks = ",".join("?" * len(phones))
            sql = (
                'SELECT phone, id, name, "index", attributes, updated_at FROM contacts '
                f"WHERE phone IN ({marks})"
            )
            result = self.connection.exec_driver_sql(sql, tuple(phones))
        for phone, id_, name, index, attributes, updated in result.all():
            found[phone] = StoredContact(id_, name, index, attributes, updated)
        return found

    def stamp(self, now: datetime) -> Any:
        """``now`` as the driver stores it: rows written by this import carry exactly this."""
        return self._time(now)

    def attributes_json(self, attributes: dict[str, Any]) -> str:
        """The JSON text stored for ``attributes`` (what :meth:`existing` reads back)."""
        return json.dumps(attributes)

    def upsert(
        self, rows: Sequence[tuple[str, str | None, int | None, dict[str, Any]]], now: datetime
    ) -> None:
        """Insert or update (phone, name, index, attributes); unchanged rows are not touched.

        The folded `search_key` is written with the name (executemany bypasses the column's
        insert default).
        """
        stamp = self._time(now)
        to_json = self._json
        values = [
            (phone, name, index, to_json(attributes), stamp, stamp, fold(name))
            for phone, name, index, attributes in sorted(rows, key=_phone)
        ]  # in phone order, so the unique index is walked forwards
        executemany(self.connection, self._upsert, CONTACT_KEYS, values)


class SeenPhones:
    """Numbers already read from the current file that left no trace in `contacts`.

    Finding duplicates within a file needs every number seen so far. A number the import
    wrote carries the import's `updated_at`, so only the ones it did not write (unchanged, or
    everything in a dry run) are kept here, in a temporary table: memory stays flat however
    large the file, and a first import pays nothing for it.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.table = f"import_seen_{uuid.uuid4().hex[:12]}"
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self.table} (phone VARCHAR(20) PRIMARY KEY, line BIGINT)"
        )
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        self._insert = f"INSERT INTO {self.table} (phone, line) VALUES ({marker}, {marker})"
        self._marker = marker

    def lines(self, phones: Sequence[str]) -> dict[str, int]:
        """Line where each of ``phones`` was first seen, for those seen before."""
        if not phones:
            return {}
        if self.connection.dialect.name == "postgresql":
            sql = f"SELECT phone, line FROM {self.table} WHERE phone = ANY(%s)"
            result = self.connection.exec_driver_sql(sql, (list(phones),))
        else:
            marks = ",".join("?" * len(phones))
            sql = f"SELECT phone, line FROM {self.table} WHERE phone IN ({marks})"
            result = self.connection.exec_driver_sql(sql, tuple(phones))
        return dict(result.all())

    def remember(self, pairs: Sequence[tuple[str, int]]) -> None:
        if pairs:
            self.connection.exec_driver_sql(self._insert, sorted(pairs))

    def drop(self) -> None:
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {self.table}")


def _phone(row: tuple[str, Any, Any, Any]) -> str:
    return row[0]


@dataclass(frozen=True, slots=True)
class ContactCounts:
    total: int
    opted_out: int
    unreachable: int


NAMES_CHUNK = 500
"""Ids per `IN (...)` in :func:`names_of`: well under SQLite's 32,766 bound variables."""


def names_of(session: Session, contact_ids: Sequence[int]) -> dict[int, str | None]:
    """Contacts' names by id, for lists that show a name next to each number (dry runs, the
    send page's preview); an id that no longer exists is left out."""
    names: dict[int, str | None] = {}
    for start in range(0, len(contact_ids), NAMES_CHUNK):
        chunk = contact_ids[start : start + NAMES_CHUNK]
        query = select(Contact.id, Contact.name).where(Contact.id.in_(chunk))
        names.update((contact_id, name) for contact_id, name in session.execute(query))
    return names


def count_contacts(session: Session) -> ContactCounts:
    """How many contacts, and how many of them may not be messaged."""
    row = session.execute(
        select(
            func.count(),
            func.count(Contact.opted_out_at),
            func.count(Contact.unreachable_at),
        ).select_from(Contact)
    ).one()
    return ContactCounts(total=row[0], opted_out=row[1], unreachable=row[2])


FEW_MATCHES = 2000
"""Up to this many matches, a page is sorted from the matching ids (found by scanning the
`search_key` or `phone` index, ~45 ms at 1,000,000 contacts); beyond, the send-order index
is walked until the page is full (a common name: ~1 ms)."""


@dataclass(frozen=True, slots=True)
class ContactResults:
    contacts: list[Contact]
    total: int | None
    """How many contacts match in all (None when not asked for)."""


def search_condition(query: ContactQuery) -> ColumnElement[bool] | None:
    """The SQL for a parsed search (None: no search).

    Names compare folded text with folded text (`search_key`), so neither the database's
    `lower()` nor its collation takes part, and SQLite and PostgreSQL find the same contacts.
    """
    if query.user_id:
        known = select(ContactIdentity.contact_id).where(
            ContactIdentity.kind == "user_id", ContactIdentity.value == query.user_id
        )
        return or_(Contact.user_id == query.user_id, Contact.id.in_(known))
    if query.phones:
        return Contact.phone.in_(query.phones)
    if query.digits:
        return Contact.phone.like(f"%{query.digits}%")
    if query.words:
        return and_(
            *(Contact.search_key.like(f"%{_escape(word)}%", escape="\\") for word in query.words)
        )
    return None


def find_contacts(
    session: Session,
    *,
    search: str | None = None,
    region: str = "TR",
    opted_out: bool | None = None,
    unreachable: bool | None = None,
    demo: bool | None = None,
    tag: str | None = None,
    newest_first: bool = False,
    limit: int = 50,
    offset: int = 0,
    count: bool = True,
) -> ContactResults:
    """Contacts in send order (`index`, then id), filtered by a name or number search and by
    opt-out / unreachable state: the one search behind the API, the panel and the CLI.

    ``search`` is read by :func:`wabroadcast.domain.search.parse_query` (``region`` is the
    default region for national numbers such as `0555 123 45 67`). ``demo=False`` leaves out
    the sandbox's demo contacts (``attributes.demo`` is true), ``demo=True`` keeps only them.
    ``newest_first`` lists the latest imported first (by id, the primary key's order: a
    contact keeps its id when a later import updates it) instead of send order.
    ``tag`` keeps the contacts carrying that tag.
    """
    conditions = contact_filter(
        session,
        search=search,
        region=region,
        opted_out=opted_out,
        unreachable=unreachable,
        demo=demo,
        tag=tag,
    )
    if newest_first:
        return ContactResults(
            newest_page(session, conditions, limit, offset), _total(session, conditions, count)
        )
    if not count:
        return ContactResults(send_order_page(session, conditions, limit, offset), None)
    total = session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0
    if not total or offset >= total:
        return ContactResults([], total)
    if total > FEW_MATCHES:
        return ContactResults(send_order_page(session, conditions, limit, offset), total)
    matching = select(Contact.id).where(*conditions)  # scans the covering index, as the count
    page = session.scalars(
        select(Contact)
        .where(Contact.id.in_(matching))
        .order_by(Contact.index.is_(None), Contact.index, Contact.id)
        .limit(limit)
        .offset(offset)
    )
    return ContactResults(list(page), total)


def contact_filter(
    session: Session,
    *,
    search: str | None = None,
    region: str = "TR",
    opted_out: bool | None = None,
    unreachable: bool | None = None,
    demo: bool | None = None,
    tag: str | None = None,
) -> list[ColumnElement[bool]]:
    """The conditions of a contact list's filter (see :func:`find_contacts`); also what a
    bulk tag change applies to."""
    conditions: list[ColumnElement[bool]] = []
    matches = search_condition(parse_query(search, region))
    if matches is not None:
        conditions.append(matches)
    for column, wanted in (
        (Contact.opted_out_at, opted_out),
        (Contact.unreachable_at, unreachable),
    ):
        if wanted is not None:
            conditions.append(column.is_not(None) if wanted else column.is_(None))
    if demo is not None:
        conditions.append(demo_condition(session, demo))
    if tag:
        conditions.append(has_tag(session, tag))
    return conditions


def demo_condition(session: Session, demo: bool) -> ColumnElement[bool]:
    """The sandbox marks its demo contacts with ``attributes.demo = true`` (sandbox.py).

    Only a JSON ``true`` counts: an imported spreadsheet may have a `demo` column holding any
    text, which must neither match nor break the query (a cast to boolean would fail on
    PostgreSQL for "yes"). SQLite names the JSON type, PostgreSQL prints the JSON value.
    """
    marker: ColumnElement[str]
    if session.get_bind().dialect.name == "postgresql":
        marker = cast(Contact.attributes["demo"], Text)
    else:
        marker = func.json_type(Contact.attributes, "$.demo")
    flag = func.coalesce(marker, "")
    return flag == "true" if demo else flag != "true"


def _total(session: Session, conditions: list[ColumnElement[bool]], count: bool) -> int | None:
    if not count:
        return None
    return session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0


def newest_page(
    session: Session, conditions: list[ColumnElement[bool]], limit: int, offset: int
) -> list[Contact]:
    """The latest imported first: the primary key walked backwards, stopping at the page."""
    return list(
        session.scalars(
            select(Contact)
            .where(*conditions)
            .order_by(Contact.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def send_order_page(
    session: Session, conditions: list[ColumnElement[bool]], limit: int, offset: int
) -> list[Contact]:
    """A page in send order: contacts with an `index` by (index, id), then those without, by id.

    Two queries rather than `ORDER BY index IS NULL, index, id`: that expression cannot use
    `ix_contacts_index_id`, so every match was sorted (110 ms for a common name among
    1,000,000 contacts on SQLite), while walking the index stops at the page's last match
    (1 ms). The second query runs only when the first page runs out. When matches are rare
    the walk reads most of the table, so :func:`find_contacts`, which counts first, takes
    this path only for more than FEW_MATCHES.
    """
    indexed = [*conditions, Contact.index.is_not(None)]
    contacts = list(
        session.scalars(
            select(Contact)
            .where(*indexed)
            .order_by(Contact.index, Contact.id)
            .limit(limit)
            .offset(offset)
        )
    )
    if len(contacts) == limit:
        return contacts
    before = offset + len(contacts)  # all indexed matches, unless the page started past them
    if not contacts and offset:
        before = session.scalar(select(func.count()).select_from(Contact).where(*indexed)) or 0
    contacts += session.scalars(
        select(Contact)
        .where(*conditions, Contact.index.is_(None))
        .order_by(Contact.id)
        .limit(limit - len(contacts))
        .offset(max(0, offset - before))
    )
    return contacts


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
