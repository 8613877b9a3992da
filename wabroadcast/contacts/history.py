"""`wabroadcast history import`: the original tool's `message_history.json` as sent pairs.

The file is `{"template_name": ["905551234567", ...], ...}`. Each (template, number) becomes
an accepted send, so a user moving over keeps the never-twice guarantee. Unknown numbers
become contacts (counted: they have no name), or with ``on_skip`` (`--no-new-contacts`) their
entries are skipped, counted and reported one by one. Importing the same file again adds
nothing. Numbers are normalised like contact rows (same spelling rules, same region), and bad
ones are rejected with their line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.contacts.encodings import ENCODING_HINT, UnreadableFile, file_encoding
from wabroadcast.contacts.jsonstream import JsonStream, JsonSyntaxError, has_undecodable
from wabroadcast.contacts.normalize import InvalidPhone, PhoneNormalizer
from wabroadcast.contacts.report import Rejection
from wabroadcast.storage.db import Database
from wabroadcast.storage.history import HistoryWriter

BATCH_SIZE = 5000
TEMPLATE_NAME_LENGTH = 512
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""No template name holds one; PostgreSQL refuses a NUL in text outright."""


@dataclass(slots=True)
class HistorySummary:
    templates: int = 0
    imported: int = 0
    """Pairs recorded now."""
    already_recorded: int = 0
    """Pairs that were already in `sends` (or repeated in the file)."""
    contacts_created: int = 0
    """Numbers that were not in the contact list, added as contacts without a name."""
    skipped: int = 0
    """Pairs left out because their number is not a contact (``create_contacts=False``)."""
    rejected: int = 0


@dataclass(slots=True)
class _Entry:
    phone: str
    line: int
    element: int


class _HistoryImport:
    def __init__(
        self,
        path: Path,
        writer: HistoryWriter,
        normalize: PhoneNormalizer,
        now: datetime,
        on_rejection: Callable[[Rejection], None],
        on_skip: Callable[[Rejection], None] | None = None,
    ) -> None:
        """With ``on_skip``, numbers that are not contacts are skipped and handed to it;
        without, they become contacts."""
        self.path = path
        self.on_skip = on_skip
        self.writer = writer
        self.normalize = normalize
        self.now = now
        self.on_rejection = on_rejection
        self.summary = HistorySummary()

    def reject(self, line: int, reason: str, element: int | None = None, value: str = "") -> None:
        self.summary.rejected += 1
        self.on_rejection(Rejection(str(self.path), line, reason, element, value))

    def run(self, stream: JsonStream, batch_size: int, on_progress: Callable[[], None]) -> None:
        try:
            stream.expect("{", 'a JSON object {"template_name": ["phone", ...]}')
        except JsonSyntaxError as exc:
            raise UnreadableFile(f"{self.path}: {exc}") from None
        try:
            while stream.peek() != "}":
                line = stream.line
                name = stream.value()
                stream.expect(":", "':' after the template name")
                if not self._valid_name(name, line):
                    stream.value()
                elif stream.peek() != "[":
                    stream.value()
                    self.reject(line, f"{name!r} must map to a list of phone numbers")
                else:
                    self.summary.templates += 1
                    for batch in self._batches(stream, batch_size):
                        self.flush(name, batch)
                        on_progress()
                if not stream.take(","):
                    stream.expect("}", "',' or '}'")
                    break
        except JsonSyntaxError as exc:
            reason = f"broken JSON at {exc.where}: {exc.message}; nothing after it was read"
            self.summary.rejected += 1
            self.on_rejection(Rejection(str(self.path), exc.line, reason))

    def _valid_name(self, name: Any, line: int) -> bool:
        if not isinstance(name, str) or not name.strip() or has_undecodable(name):
            self.reject(line, f"template name must be non-empty text, got {name!r}"[:200])
            return False
        if _CONTROL.search(name) is not None:
            self.reject(line, f"template name holds a control character: {name!r}"[:200])
            return False
        if len(name) > TEMPLATE_NAME_LENGTH:
            self.reject(line, f"template name longer than {TEMPLATE_NAME_LENGTH} characters")
            return False
        return True

    def _batches(self, stream: JsonStream, size: int) -> Iterator[list[_Entry]]:
        stream.expect("[", "'['")
        batch: list[_Entry] = []
        element = 0
        try:
            while stream.peek() != "]":
                element += 1
                line = stream.line
                entry = self._entry(stream.value(), line, element)
                if entry is not None:
                    batch.append(entry)
                if len(batch) >= size:
                    yield batch
                    batch = []
                if not stream.take(","):
                    break
            stream.expect("]", "',' or ']'")
        except JsonSyntaxError:
            yield batch  # keep every good pair read before the error
            raise
        yield batch

    def _entry(self, value: Any, line: int, element: int) -> _Entry | None:
        if isinstance(value, str) and has_undecodable(value):
            self.reject(line, ENCODING_HINT.format(encoding="the file's"), element)
            return None
        try:
            return _Entry(self.normalize(value), line, element)
        except InvalidPhone as exc:
            self.reject(line, str(exc), element, str(value)[:80])
            return None

    def flush(self, template_name: str, batch: list[_Entry]) -> None:
        phones = list(dict.fromkeys(entry.phone for entry in batch))
        if not phones:
            return
        if self.on_skip is None:
            ids, created = self.writer.contact_ids(phones, self.now)
            self.summary.contacts_created += created
        else:
            ids = self.writer.known_ids(phones)
            batch = self._skip_unknown(batch, ids, self.on_skip)
            phones = [phone for phone in phones if phone in ids]
        self.summary.already_recorded += len(batch) - len(phones)
        recorded = self.writer.recorded(template_name, list(ids.values()))
        new = [(ids[phone], phone) for phone in phones if ids[phone] not in recorded]
        self.writer.record(template_name, new, self.now)
        self.writer.connection.commit()
        self.summary.imported += len(new)
        self.summary.already_recorded += len(phones) - len(new)

    def _skip_unknown(
        self, batch: list[_Entry], ids: dict[str, int], on_skip: Callable[[Rejection], None]
    ) -> list[_Entry]:
        """The entries whose number is a contact; the others are counted and reported."""
        kept = []
        for entry in batch:
            if entry.phone in ids:
                kept.append(entry)
                continue
            self.summary.skipped += 1
            reason = "not in the contact list (--no-new-contacts)"
            on_skip(Rejection(str(self.path), entry.line, reason, entry.element, entry.phone))
        return kept


def import_history(
    database: Database,
    path: Path,
    *,
    region: str = "TR",
    encoding: str = "utf-8",
    clock: Clock | None = None,
    batch_size: int = BATCH_SIZE,
    on_rejection: Callable[[Rejection], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_skip: Callable[[Rejection], None] | None = None,
) -> HistorySummary:
    """Import ``path``; raises UnreadableFile when it is not a JSON object at all, and
    UnsupportedEncoding for an encoding that is not text (the contact import's check).

    Numbers that are not contacts become contacts, unless ``on_skip`` is given: then their
    pairs are skipped and each is handed to it (``--no-new-contacts``)."""
    encoding = file_encoding(path, encoding)
    now = (clock or SystemClock()).now()
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UnreadableFile(f"cannot open {path}: {exc.strerror or exc}") from None
    with handle, database.engine.connect() as connection:
        job = _HistoryImport(
            path,
            HistoryWriter(connection),
            PhoneNormalizer(region),
            now,
            on_rejection or (lambda rejection: None),
            on_skip,
        )
        progress = on_progress or (lambda done: None)
        try:
            job.run(JsonStream(handle, encoding), batch_size, lambda: progress(handle.tell()))
        finally:
            connection.commit()
        return job.summary
