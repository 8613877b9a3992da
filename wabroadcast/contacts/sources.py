"""Contact files as a stream of raw rows: the original tool's JSON list, and CSV.

A source yields :class:`RawContact` for every row it could read and :class:`Rejection` for
every row it could not, each with its line, so one bad row never costs the good ones. Only a
file that cannot be read at all (missing, not a list, no phone column) raises
:class:`UnreadableFile`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol, Self

from wabroadcast.contacts.encodings import ENCODING_HINT, UnreadableFile, file_encoding
from wabroadcast.contacts.jsonstream import (
    UNDECODABLE,
    JsonStream,
    JsonSyntaxError,
    has_surrogate,
    has_undecodable,
)
from wabroadcast.contacts.report import Rejection

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""A field the file does not have: the stored value is kept."""

PHONE_HEADERS = (
    "phone", "phonenumber", "telefon", "telefonno", "telefonnumarasi", "tel", "gsm", "mobile",
    "cep", "ceptelefonu", "ceptel", "msisdn", "number", "numara", "waid", "id",
)  # fmt: skip
NAME_HEADERS = (
    "name", "fullname", "adsoyad", "isimsoyisim", "isim", "ad", "adi", "contactname",
    "firstname",
)  # fmt: skip
INDEX_HEADERS = ("index", "sira", "sirano", "order")
USER_ID_HEADERS = ("userid", "bsuid")
"""A BSUID column (`user_id`): kept beside the phone, or instead of it for username users."""
TAG_HEADERS = ("tags", "etiketler")
"""The column of `;`-separated tags (domain/audience.py); a JSON element's `tags` key."""
_TURKISH = str.maketrans("ıİşŞçÇğĞöÖüÜ", "iissccggoouu")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_UNDECODABLE = re.compile("[\udc00-\udcff]")
_PHONE_LIKE = re.compile(r"\s*\+?[0-9][0-9 ().-]{5,}[0-9]\s*")
SURROGATE_REASON = (
    "text holds a lone surrogate (a JSON escape such as \\ud800 without its pair), "
    "which is not a character"
)


@dataclass(slots=True)
class RawContact:
    """One row as written in the file; :data:`MISSING` marks a field the file lacks."""

    line: int
    element: int | None
    phone: Any
    name: Any = MISSING
    index: Any = MISSING
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: Any = MISSING


class ContactSource(Protocol):
    path: Path

    def __iter__(self) -> Iterator[RawContact | Rejection]: ...
    def bytes_read(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def header_key(text: str) -> str:
    """`Cep Telefonu` → `ceptelefonu`: how a header is compared with the known names."""
    return _NOT_ALNUM.sub("", text.strip().translate(_TURKISH).casefold())


def _find_column(header: list[str], wanted: str | None, known: tuple[str, ...]) -> int | None:
    keys = [header_key(h) for h in header]
    if wanted is not None:
        for position, name in enumerate(header):
            if name.strip() == wanted.strip() or keys[position] == header_key(wanted):
                return position
        raise UnreadableFile(f"no column named {wanted!r}; the header has: {', '.join(header)}")
    for name in known:
        if name in keys:
            return keys.index(name)
    return None


class _FileSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise UnreadableFile(f"cannot open {path}: {exc.strerror or exc}") from None

    def bytes_read(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class JsonContacts(_FileSource):
    """The original tool's `contacts_with_index.json`: `[{"id", "name", "index"}, ...]`.

    Keys other than id/name/index are kept as attributes. `phone` or `wa_id` stand in for a
    missing `id`.
    """

    def __init__(self, path: Path, encoding: str = "utf-8") -> None:
        super().__init__(path)
        self._stream = JsonStream(self._file, encoding)
        self._encoding = encoding

    def __iter__(self) -> Iterator[RawContact | Rejection]:
        stream = self._stream
        if has_undecodable(stream.peek()):
            hint = ENCODING_HINT.format(encoding=self._encoding)
            raise UnreadableFile(f"{self.path}: {stream.error(hint)}")
        try:
            stream.expect("[", "a JSON list of contacts `[{...}, ...]`")
        except JsonSyntaxError as exc:
            raise UnreadableFile(f"{self.path}: {exc}") from None
        element = 0
        while stream.peek() != "]":
            if stream.peek() == "":
                yield self._truncated()
                return
            element += 1
            line = stream.line
            try:
                value = stream.value()
            except JsonSyntaxError as exc:
                reason = f"broken JSON at {exc.where}: {exc.message}"
                yield Rejection(str(self.path), exc.line, reason, element)
                if not stream.skip_to_next_element():
                    yield self._truncated()
                    return
                continue
            yield self._contact(value, line, element)
            yield from self._after_element(element)

    def _after_element(self, element: int) -> Iterator[Rejection]:
        """Expect `,` or `]`; a missing comma costs nothing, other garbage skips ahead."""
        stream = self._stream
        if stream.take(",") or stream.peek() in ("]", ""):
            return
        if stream.peek() == "{":
            reason = f"missing ',' after element {element} (the next one is read)"
            yield self._broken(stream.error(reason), element + 1)
            return
        yield self._broken(stream.error("expected ',' or ']'"))
        stream.skip_to_next_element()

    def _truncated(self) -> Rejection:
        return self._broken(self._stream.error("the file ends inside the list (truncated?)"))

    def _broken(self, error: JsonSyntaxError, element: int | None = None) -> Rejection:
        """A problem that costs no row, named by line and column."""
        reason = f"broken JSON at {error.where}: {error.message}"
        return Rejection(str(self.path), error.line, reason, element, lost=False)

    def _contact(self, value: Any, line: int, element: int) -> RawContact | Rejection:
        if not isinstance(value, dict):
            reason = f'element is {type(value).__name__}, not an object {{"id": ...}}'
            return Rejection(str(self.path), line, reason, element, _short(value))
        if has_undecodable(value):
            reason = ENCODING_HINT.format(encoding=self._encoding)
            return Rejection(str(self.path), line, reason, element)
        if has_surrogate(value):
            return Rejection(str(self.path), line, SURROGATE_REASON, element)
        attributes = dict(value)
        phone = MISSING
        for key in ("id", "phone", "wa_id"):
            if key in attributes:
                phone = attributes.pop(key)
                break
        name = attributes.pop("name", MISSING)
        index = attributes.pop("index", MISSING)
        tags = attributes.pop("tags", MISSING)
        return RawContact(line, element, phone, name, index, attributes, tags)


class _Lines:
    """The file's physical lines, numbered; lines handed back are read again, in order.

    ``taken`` holds the lines read since :meth:`start`: the lines one CSV record spans.
    """

    def __init__(self, text: io.TextIOWrapper, first: int) -> None:
        self._text = text
        self._next = first
        self._back: list[tuple[int, str]] = []
        self.taken: list[tuple[int, str]] = []
        self.at_end = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> str:
        if self._back:
            item = self._back.pop()
        else:
            text = self._text.readline()
            if not text:
                self.at_end = True
                raise StopIteration
            item = (self._next, text)
            self._next += 1
        self.taken.append(item)
        return item[1]

    def start(self) -> None:
        self.taken = []

    def again(self, lines: list[tuple[int, str]]) -> None:
        self._back.extend(reversed(lines))

    def exhausted(self) -> bool:
        return not self._back and self.at_end


class CsvContacts(_FileSource):
    """CSV with a header row; the phone and name columns are found by name (see docs).

    A quoted field may hold line breaks. When such a field runs over lines that look like
    rows of their own (a phone number where the phone column is), or to the end of the
    file, its quote is taken as unbalanced: the row it starts on is rejected and the lines
    after it are read again as rows, so one stray quote costs one row.
    """

    def __init__(
        self,
        path: Path,
        encoding: str = "utf-8",
        phone_column: str | None = None,
        name_column: str | None = None,
    ) -> None:
        super().__init__(path)
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        self._encoding = encoding
        self._text = io.TextIOWrapper(self._file, codec, errors=UNDECODABLE, newline="")
        try:
            self._read_header(phone_column, name_column)
        except BaseException:
            self.close()
            raise

    def _read_header(self, phone_column: str | None, name_column: str | None) -> None:
        path, encoding = self.path, self._encoding
        first = self._text.readline()
        if not first.strip():
            raise UnreadableFile(f"{path}: the file is empty (a header row is needed)")
        self._delimiter = max(",;\t|", key=first.count)
        try:
            self.header = next(csv.reader([first], delimiter=self._delimiter))
        except csv.Error as exc:
            raise UnreadableFile(f"{path}: line 1: header is not readable CSV: {exc}") from None
        if _UNDECODABLE.search(first):
            raise UnreadableFile(
                f"{path}: line 1: header is {ENCODING_HINT.format(encoding=encoding)}"
            )
        phone = _find_column(self.header, phone_column, PHONE_HEADERS)
        bsuids = _find_column(self.header, None, USER_ID_HEADERS)
        if phone is None and bsuids is None:
            raise UnreadableFile(
                f"{path}: cannot tell which column holds the phone number (header: "
                f"{_short(', '.join(self.header))}); name it with --phone-column"
            )
        self.phone_column: int | None = phone
        self.name_column = _find_column(self.header, name_column, NAME_HEADERS)
        index = _find_column(self.header, None, INDEX_HEADERS)
        self.index_column = index if index not in (phone, self.name_column) else None
        tags = _find_column(self.header, None, TAG_HEADERS)
        self.tags_column = tags if tags not in (phone, self.name_column, index) else None
        used = {phone, self.name_column, self.index_column, self.tags_column}
        self._attributes = [
            (position, name.strip() or f"column_{position + 1}")
            for position, name in enumerate(self.header)
            if position not in used
        ]

    def close(self) -> None:
        self._text.detach()
        super().close()

    def __iter__(self) -> Iterator[RawContact | Rejection]:
        lines = _Lines(self._text, 2)
        reader = csv.reader(lines, delimiter=self._delimiter)
        width = len(self.header)
        while True:
            lines.start()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if lines.taken:
                    yield Rejection(str(self.path), lines.taken[0][0], f"broken CSV: {exc}")
                    lines.again(lines.taken[1:])
                    continue
                return
            taken = lines.taken
            start = taken[0][0]
            if len(taken) > 1:
                problem = self._unbalanced(taken, lines.exhausted())
                if problem is not None:
                    yield Rejection(str(self.path), start, problem, value=_short(taken[0][1]))
                    lines.again(taken[1:])
                    continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) > width:
                reason = (
                    f"{len(row)} fields but the header has {width} "
                    f"(an unquoted '{self._delimiter}'?)"
                )
                yield Rejection(str(self.path), start, reason, value=_short(row))
                continue
            if _UNDECODABLE.search("".join(row)):
                yield Rejection(
                    str(self.path), start, ENCODING_HINT.format(encoding=self._encoding)
                )
                continue
            yield self._contact(row, start)

    def _unbalanced(self, taken: list[tuple[int, str]], at_end: bool) -> str | None:
        """Why a record over several lines is a stray quote, or None for a real line break."""
        for number, text in taken[1:]:
            if self._looks_like_row(_inside_quotes(text)):
                return (
                    f"unbalanced quote: a quoted field starts on this line and runs over "
                    f"line {number}, which looks like a row of its own; this row is skipped "
                    f"and the lines after it are read as rows"
                )
        if at_end and sum(text.count('"') for _, text in taken) % 2:
            return (
                "unbalanced quote: a quoted field starts on this line and is never closed; "
                "this row is skipped and the lines after it are read as rows"
            )
        return None

    def _looks_like_row(self, text: str) -> bool:
        """A phone number where the phone column is, and no more fields than the header."""
        try:
            fields = next(csv.reader([text], delimiter=self._delimiter), [])
        except csv.Error:
            return False
        column = self.phone_column
        if column is None or not column < len(fields) <= len(self.header):
            return False
        return _PHONE_LIKE.fullmatch(fields[column]) is not None

    def _contact(self, row: list[str], line: int) -> RawContact:
        size = len(row)
        column = self.phone_column
        phone = MISSING if column is None else row[column] if column < size else ""
        contact = RawContact(line, None, phone)
        if self.name_column is not None:
            contact.name = row[self.name_column] if self.name_column < size else ""
        if self.index_column is not None and self.index_column < size:
            contact.index = row[self.index_column].strip() or MISSING
        if self.tags_column is not None and self.tags_column < size:
            contact.tags = row[self.tags_column]
        contact.attributes = {key: row[i] for i, key in self._attributes if i < size}
        return contact


def _inside_quotes(line: str) -> str:
    """The start of a line that continues a quoted field, up to the quote that closes it.

    Only that part can be a row the quote swallowed: after the closing quote come the
    record's own next fields (a note with a line break before the phone column is legal).
    """
    position = 0
    while (position := line.find('"', position)) != -1:
        if line.startswith('""', position):
            position += 2
            continue
        return line[:position]
    return line


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def open_source(
    path: Path,
    *,
    file_format: str | None = None,
    encoding: str = "utf-8",
    phone_column: str | None = None,
    name_column: str | None = None,
) -> ContactSource:
    """Open ``path`` as JSON or CSV (by ``file_format``, else by extension, else by content).

    The encoding is checked against the file's first bytes (see `encodings.file_encoding`).
    """
    encoding = file_encoding(path, encoding)
    if file_format is None:
        file_format = _guess_format(path, encoding)
    if file_format == "json":
        return JsonContacts(path, encoding)
    if file_format == "csv":
        return CsvContacts(path, encoding, phone_column, name_column)
    raise UnreadableFile(f"unknown format {file_format!r}; use json or csv")


def _guess_format(path: Path, encoding: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    try:
        with open(path, "rb") as handle:
            start = handle.read(4096).decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    except OSError as exc:
        raise UnreadableFile(f"cannot open {path}: {exc.strerror or exc}") from None
    return "json" if start[:1] in ("[", "{") else "csv"
