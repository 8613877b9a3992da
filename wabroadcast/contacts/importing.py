"""`wabroadcast contacts import`: stream a file into the contacts table in batches.

Every row is read, validated and normalised on its own; a bad row becomes a
:class:`~wabroadcast.contacts.report.Rejection` with its line and never stops the others.
Rows are compared with what is stored before anything is written, so a re-import of the same
file writes nothing and reports every row unchanged. A CSV without an index column gets the
send order of its rows, continuing after the highest stored index; an existing contact keeps
its index.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.contacts import tagging
from wabroadcast.contacts.normalize import InvalidPhone, PhoneNormalizer
from wabroadcast.contacts.report import Rejection
from wabroadcast.contacts.sources import MISSING, ContactSource, RawContact, open_source
from wabroadcast.contacts.user_ids import BsuidRow, take_user_id, write_bsuid_rows
from wabroadcast.storage.contacts import ContactWriter, SeenPhones, StoredContact, bulk_writes
from wabroadcast.storage.db import Database

BATCH_SIZE = 5000
"""Rows per upsert: large enough to amortise a round trip, small enough to keep locks short."""
MAX_BATCH_SIZE = 30000
"""SQLite allows 32,766 parameters in one statement (the stored-contact lookup uses one each)."""
COMMIT_SECONDS = 1.0
"""Commit at most this often: each SQLite commit rewrites every page the batch touched, and
the write lock other processes wait for is never held much longer than this."""
NAME_LENGTH = 255
MAX_INDEX = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")


@dataclass(slots=True)
class ImportSummary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: int = 0
    """Rejections including those that cost no row (a missing comma)."""
    dry_run: bool = False

    @property
    def read(self) -> int:
        return self.imported + self.updated + self.unchanged + self.rejected


@dataclass(slots=True)
class _Row:
    line: int
    element: int | None
    phone: str
    name: Any
    index: Any
    attributes: dict[str, Any]
    tags: list[str]
    user_id: str | None = None
    """A BSUID column's value; `phone` is "" when the row has only this."""


ProgressCallback = Callable[[int], None]
RejectionCallback = Callable[[Rejection], None]


class _Importer:
    def __init__(
        self,
        source: ContactSource,
        writer: ContactWriter,
        seen: SeenPhones,
        *,
        normalize: PhoneNormalizer,
        now: datetime,
        dry_run: bool,
        on_rejection: RejectionCallback,
    ) -> None:
        self.source = source
        self.writer = writer
        self.seen = seen
        self.normalize = normalize
        latest = writer.latest_update()
        # Rows this import writes are recognised by their `updated_at`, so it must be new.
        self.now = now if latest is None or now > latest else latest + timedelta(microseconds=1)
        self.dry_run = dry_run
        self.on_rejection = on_rejection
        self.summary = ImportSummary(dry_run=dry_run)
        self.next_index = writer.max_index() + 1
        self.committed = time.monotonic()
        self.user_ids_seen: dict[str, int] = {}  # BSUID → the line it was first on

    def reject(self, rejection: Rejection) -> None:
        self.summary.problems += 1
        if rejection.lost:
            self.summary.rejected += 1
        self.on_rejection(rejection)

    def validate(self, raw: RawContact) -> _Row | Rejection:
        """Types, name length, the phone number and the BSUID; the reason names what was wrong.

        A row with a BSUID (`user_id`) and no phone is kept aside for :meth:`flush`."""
        user_id, problem = take_user_id(raw.attributes)
        if problem is not None:
            return Rejection(str(self.source.path), raw.line, problem, raw.element, "")
        no_phone = raw.phone is MISSING or (isinstance(raw.phone, str) and not raw.phone.strip())
        if no_phone and user_id is None:
            return self._rejection(raw, "no phone number", shown=False)
        phone = ""
        if not no_phone:
            try:
                phone = self.normalize(raw.phone)
            except InvalidPhone as exc:
                return self._rejection(raw, str(exc))
        name = raw.name
        if type(name) is str:
            name = name.strip() or None
            if name is not None and len(name) > NAME_LENGTH:
                return self._rejection(raw, f"name longer than {NAME_LENGTH} characters")
        elif name is not None and name is not MISSING:
            return self._rejection(raw, f"name must be text, got {type(name).__name__}")
        problem = _unstorable(name, raw.attributes)
        if problem is not None:
            return self._rejection(raw, problem)
        index = raw.index if raw.index is MISSING else _parse_index(raw.index)
        if index is None:
            return self._rejection(raw, f"index must be a whole number, got {raw.index!r}"[:200])
        tags = tagging.read_tags(raw.tags)
        if isinstance(tags, str):
            return self._rejection(raw, tags)
        return _Row(raw.line, raw.element, phone, name, index, raw.attributes, tags, user_id)

    def _rejection(self, raw: RawContact, reason: str, shown: bool = True) -> Rejection:
        value = str(raw.phone)[:80] if shown else ""
        return Rejection(str(self.source.path), raw.line, reason, raw.element, value)

    def run(self, batch_size: int, on_progress: ProgressCallback) -> ImportSummary:
        for batch in _batches(self.source, self.validate, self.reject, batch_size):
            self.flush(batch)
            on_progress(self.source.bytes_read())
        self.writer.connection.commit()
        return self.summary

    def flush(self, batch: list[_Row]) -> None:
        with_user_id = [row for row in batch if row.user_id is not None]
        batch = [row for row in batch if row.phone]
        self._flush_phones(batch)
        if with_user_id:
            self._flush_user_ids(with_user_id)

    def _flush_user_ids(self, rows: list[_Row]) -> None:
        """BSUIDs after the phones they go with are written (see contacts.user_ids); a BSUID
        already on an earlier line is a duplicate, like a repeated phone."""
        fresh: list[BsuidRow] = []
        for row in rows:
            if row.user_id is None:
                continue
            first = self.user_ids_seen.setdefault(row.user_id, row.line)
            if first != row.line:
                reason = f"duplicate: {row.user_id} is already on line {first}"
                path = str(self.source.path)
                self.reject(Rejection(path, row.line, reason, row.element, row.user_id))
                continue
            phone = row.phone or None
            fresh.append(
                BsuidRow(row.line, row.user_id, phone, row.name, row.index, row.attributes)
            )
        only = sum(1 for row in fresh if row.phone is None)
        if self.dry_run:
            self.summary.imported += only
            return
        created, self.next_index = write_bsuid_rows(
            self.writer.connection, fresh, next_index=self.next_index, now=self.now
        )
        self.summary.imported += created
        self.summary.updated += only - created
        tagging.tag_user_id_rows(
            self.writer.connection,
            {row.user_id: row.tags for row in rows if row.user_id and not row.phone and row.tags},
            self.now,
        )

    def _flush_phones(self, batch: list[_Row]) -> None:
        unique = self._drop_duplicates(batch)
        stored = self.writer.existing(list(unique))
        stamp = self.writer.stamp(self.now)
        changes: list[tuple[str, str | None, int | None, dict[str, Any]]] = []
        untouched: list[tuple[str, int]] = []
        for phone, row in unique.items():
            before = stored.get(phone)
            if before is not None and before.updated_at == stamp:
                self._reject_duplicate(row, None)  # written earlier in this import
                continue
            change = self._change(row, before)
            if change is not None:
                changes.append(change)
            if change is None or self.dry_run:
                untouched.append((phone, row.line))
        self.seen.remember(untouched)
        if not self.dry_run:
            self.writer.upsert(changes, self.now)
            tagging.tag_rows(
                self.writer.connection,
                {phone: row.tags for phone, row in unique.items() if row.tags},
                self.now,
            )
        if time.monotonic() - self.committed >= COMMIT_SECONDS:
            self.writer.connection.commit()
            self.committed = time.monotonic()

    def _drop_duplicates(self, batch: list[_Row]) -> dict[str, _Row]:
        """First occurrence wins; later ones are rejected with the line of the first."""
        unique: dict[str, _Row] = {}
        for row in batch:
            first = unique.get(row.phone)
            if first is None:
                unique[row.phone] = row
            else:
                self._reject_duplicate(row, first.line)
        for phone, line in self.seen.lines(list(unique)).items():
            self._reject_duplicate(unique.pop(phone), line)
        return unique

    def _reject_duplicate(self, row: _Row, first_line: int | None) -> None:
        where = f"on line {first_line}" if first_line is not None else "earlier in this file"
        reason = f"duplicate: {row.phone} is already {where}"
        self.reject(Rejection(str(self.source.path), row.line, reason, row.element, row.phone))

    def _change(
        self, row: _Row, stored: StoredContact | None
    ) -> tuple[str, str | None, int | None, dict[str, Any]] | None:
        """The values to write for ``row``, or None when the stored contact already has them."""
        if stored is None:
            self.summary.imported += 1
            index = row.index
            if index is MISSING:
                index = self.next_index
                self.next_index += 1
            name = None if row.name is MISSING else row.name
            return (row.phone, name, index, row.attributes)
        name = stored.name if row.name is MISSING else row.name
        index = stored.index if row.index is MISSING else row.index
        attributes: dict[str, Any] | None = None  # None: as stored
        same_text = stored.attributes_json == self.writer.attributes_json(row.attributes)
        if row.attributes and not same_text:
            merged = {**stored.attributes, **row.attributes}
            if merged != stored.attributes:
                attributes = merged
        if name == stored.name and index == stored.index and attributes is None:
            self.summary.unchanged += 1
            return None
        self.summary.updated += 1
        return (row.phone, name, index, stored.attributes if attributes is None else attributes)


def _unstorable(name: Any, attributes: dict[str, Any]) -> str | None:
    """Why a row cannot be stored as read, or None.

    PostgreSQL refuses a NUL character in text and in JSON (SQLite would keep it, so both are
    refused alike), and NaN or Infinity, which Python's JSON reader accepts, are no JSON
    numbers: PostgreSQL refuses them and SQLite would store invalid JSON.
    """
    if isinstance(name, str) and "\x00" in name:
        return "name holds a NUL character (U+0000), which cannot be stored"
    for key, value in attributes.items():
        shown = repr(key)[:80]
        if "\x00" in key:
            return f"attribute name {shown} holds a NUL character (U+0000)"
        problem = _not_json(value)
        if problem is not None:
            return f"attribute {shown} holds {problem}, which cannot be stored"
    return None


def _not_json(value: Any) -> str | None:
    if isinstance(value, str):
        return "a NUL character (U+0000)" if "\x00" in value else None
    if isinstance(value, float) and not math.isfinite(value):
        spelled = "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "Infinity"
        return f"{spelled} (not a JSON number)"
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
        return next((p for p in map(_not_json, items) if p is not None), None)
    if isinstance(value, list):
        return next((p for p in map(_not_json, value) if p is not None), None)
    return None


def _parse_index(value: Any) -> Any:
    """An int, :data:`MISSING`, or None when the value is not a usable whole number."""
    if value is MISSING or value is None:
        return MISSING
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if _WHOLE_NUMBER.fullmatch(text) is None:  # not int(): '²' and 5,000 digits raise
            return None
        value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= MAX_INDEX:
        return None
    return value


def _batches(
    source: ContactSource,
    validate: Callable[[RawContact], _Row | Rejection],
    reject: Callable[[Rejection], None],
    size: int,
) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for item in source:
        checked = item if isinstance(item, Rejection) else validate(item)
        if isinstance(checked, Rejection):
            reject(checked)
            continue
        batch.append(checked)
        if len(batch) >= size:
            yield batch
            batch = []
    yield batch


def import_contacts(
    database: Database,
    path: Path,
    *,
    file_format: str | None = None,
    region: str = "TR",
    encoding: str = "utf-8",
    phone_column: str | None = None,
    name_column: str | None = None,
    dry_run: bool = False,
    clock: Clock | None = None,
    batch_size: int = BATCH_SIZE,
    on_rejection: RejectionCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import ``path`` into ``database``; raises UnreadableFile when nothing can be read.

    ``on_rejection`` gets every bad row as it is found (nothing is collected in memory);
    ``on_progress`` gets the bytes read so far after each batch.
    """
    now = (clock or SystemClock()).now()
    with (
        open_source(
            path,
            file_format=file_format,
            encoding=encoding,
            phone_column=phone_column,
            name_column=name_column,
        ) as source,
        database.engine.connect() as connection,
        bulk_writes(connection),
    ):
        seen = SeenPhones(connection)
        try:
            importer = _Importer(
                source,
                ContactWriter(connection),
                seen,
                normalize=PhoneNormalizer(region),
                now=now,
                dry_run=dry_run,
                on_rejection=on_rejection or (lambda rejection: None),
            )
            size = max(1, min(batch_size, MAX_BATCH_SIZE))
            summary = importer.run(size, on_progress or (lambda done: None))
        finally:
            connection.rollback()
            seen.drop()
            connection.commit()
        return summary
