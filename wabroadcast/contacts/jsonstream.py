"""Read a large JSON document one value at a time, knowing the line of every value.

The original tool's files are a top-level list (`contacts_with_index.json`) or an object of
lists (`message_history.json`). ``json.load`` would hold the whole file and every contact in
memory and, on the first syntax error, lose every good row; this reader decodes one element
at a time with ``json.JSONDecoder.raw_decode`` over a buffered read, so memory stays bounded
by the largest element and an error names its line.

Bytes that are not valid in the file's encoding are kept as lone surrogates (the
:data:`UNDECODABLE` error handler: ``surrogateescape``, but for every byte, so the odd last
byte of a UTF-16 file is kept too) so one badly encoded element can be rejected without
losing the rest; :func:`has_undecodable` finds them. A lone surrogate written as a JSON
escape (``"\\ud800"``) is no text either: :func:`has_surrogate` finds those.

A value nested too deeply for the decoder, or a number too long to convert, is a
:class:`JsonSyntaxError` for that element like any other broken JSON.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from typing import Any, BinaryIO

CHUNK = 1 << 20
"""Bytes read at a time."""
LOOKAHEAD = 1 << 16
"""Characters kept buffered ahead of the cursor before decoding a value."""
MAX_VALUE = 4 << 20
"""Characters one element may span before a decode error is taken as final."""

_WS = re.compile(r"[ \t\n\r]*")
_UNDECODABLE = re.compile("[\udc00-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
UNDECODABLE = "wabroadcast.undecodable"
"""Codec error handler: each byte that cannot be decoded becomes the lone surrogate
U+DC00 + byte, so decoding never fails and the bad bytes can be found afterwards."""


def _keep_undecodable(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), exc.end


codecs.register_error(UNDECODABLE, _keep_undecodable)
_NEXT_ELEMENT = re.compile(r"[}\]]\s*,\s*(?=\{)|\}\s*(?=\])")


class JsonSyntaxError(ValueError):
    """Broken JSON at ``line`` and ``column`` (1-based, in characters); ``message`` says what
    the reader expected. ``where`` is the place in words, for messages that name the file."""

    def __init__(self, message: str, line: int, column: int) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.where = f"line {line}, column {column}"
        super().__init__(f"{self.where}: {message}")


def has_undecodable(value: Any) -> bool:
    """True when a decoded value holds bytes that were not valid in the file's encoding."""
    return _holds(_UNDECODABLE, value)


def has_surrogate(value: Any) -> bool:
    """True when a decoded value holds a lone surrogate, which no database can store."""
    return _holds(_SURROGATE, value)


def _holds(pattern: re.Pattern[str], value: Any) -> bool:
    if isinstance(value, str):
        return pattern.search(value) is not None
    if isinstance(value, dict):
        return any(_holds(pattern, k) or _holds(pattern, v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(pattern, v) for v in value)
    return False


class JsonStream:
    """A cursor over a JSON file: skip whitespace, peek, expect a character, decode a value."""

    def __init__(
        self,
        raw: BinaryIO,
        encoding: str = "utf-8",
        chunk_size: int = CHUNK,
        lookahead: int = LOOKAHEAD,
    ) -> None:
        self._raw = raw
        self._chunk = chunk_size
        self._lookahead = lookahead
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        self._decoder = codecs.getincrementaldecoder(codec)(errors=UNDECODABLE)
        self._json = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self.line = 1
        """Line of the cursor (1-based)."""
        self.column = 1
        """Column of the cursor on its line (1-based, in characters)."""

    def _fill(self, want: int) -> bool:
        """Read until ``want`` characters are buffered after the cursor; False at end of file."""
        while not self._eof and len(self._buf) - self._pos < want:
            if self._pos:
                self._buf = self._buf[self._pos :]
                self._pos = 0
            chunk = self._raw.read(self._chunk)
            if chunk:
                self._buf += self._decoder.decode(chunk)
            else:
                self._eof = True
                self._buf += self._decoder.decode(b"", final=True)
        return len(self._buf) - self._pos >= want

    def _move(self, to: int) -> None:
        self.line, self.column = self._place_of(to)
        self._pos = to

    def _place_of(self, index: int) -> tuple[int, int]:
        """Line and column of a buffer index at or after the cursor."""
        newlines = self._buf.count("\n", self._pos, index)
        if not newlines:
            return self.line, self.column + index - self._pos
        return self.line + newlines, index - self._buf.rfind("\n", self._pos, index)

    def error(self, message: str) -> JsonSyntaxError:
        """A syntax error at the cursor."""
        return JsonSyntaxError(message, self.line, self.column)

    def peek(self) -> str:
        """The next non-whitespace character, or "" at the end of the file."""
        while True:
            end = _WS.match(self._buf, self._pos)
            assert end is not None
            self._move(end.end())
            if self._pos < len(self._buf) or not self._fill(1):
                return self._buf[self._pos : self._pos + 1]

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise self.error(f"expected {what}, found {shown}")
        self._move(self._pos + 1)

    def take(self, char: str) -> bool:
        """Consume ``char`` if it is next."""
        if self.peek() == char:
            self._move(self._pos + 1)
            return True
        return False

    def value(self) -> Any:
        """Decode the next JSON value; the cursor moves past it."""
        self.peek()
        self._fill(self._lookahead)
        while True:
            try:
                value, end = self._json.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or len(self._buf) - self._pos >= MAX_VALUE:
                    raise JsonSyntaxError(exc.msg, *self._place_of(exc.pos)) from None
                self._fill(len(self._buf) - self._pos + self._chunk)
                continue
            except RecursionError:
                raise self.error("value nested too deeply") from None
            except ValueError:  # int(): more digits than sys.get_int_max_str_digits()
                limit = sys.get_int_max_str_digits()
                raise self.error(f"a number longer than {limit} digits") from None
            if end >= len(self._buf) and not self._eof:  # a number may continue
                self._fill(len(self._buf) - self._pos + self._chunk)
                continue
            self._move(end)
            return value

    def skip_to_next_element(self) -> bool:
        """After a broken element, move to the start of the next one (or to the closing `]`).

        Returns False when the file ends first. The search looks for ``},`` (or ``],``, after
        a broken list) before ``{`` or ``}`` before ``]``, which is how the original tool's
        flat objects are separated.
        """
        while True:
            found = _NEXT_ELEMENT.search(self._buf, self._pos)
            if found is not None:
                self._move(found.end())
                return True
            if self._eof:
                self._move(len(self._buf))
                return False
            keep = max(self._pos, len(self._buf) - 64)
            self._move(keep)
            self._fill(len(self._buf) - self._pos + self._chunk)
