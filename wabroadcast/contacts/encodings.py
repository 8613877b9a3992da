"""Which codec reads an imported file: the encoding asked for, checked against the file's bytes.

Only text encodings read files (:func:`text_encoding`). A file saved as UTF-16 or UTF-32 (a
"Unicode" export from Excel or Notepad, with or without its byte order mark) read as UTF-8
would give text with a NUL between the characters: every row rejected with an unreadable
value, or, for a column the importer does not check, text stored wrongly. So the first bytes
are looked at (:func:`file_encoding`): UTF-16/32 is read as such when a Unicode encoding was
asked for (UTF-8 is the default), and refused with the encoding to use when another one was.
"""

from __future__ import annotations

import codecs
from pathlib import Path

ENCODING_HINT = (
    "not valid {encoding} text; if the file was saved as cp1254 or latin-1, use --encoding"
)
NOT_FOR_FILES = frozenset(
    {"utf-7", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"}
)
"""Text codecs that are not file encodings: utf-7 decodes `+...-` runs of plain ASCII into
other text, and the rest are for host names or Python literals (or always fail)."""
SNIFF_BYTES = 4096
"""Bytes looked at to recognise UTF-16/32 without a byte order mark."""
PATTERN_SHARE = 0.6
"""Share of the characters looked at that must be one non-zero byte padded with zeros (digits,
commas, line breaks and Latin letters are; Turkish letters in UTF-16 are not)."""
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UNICODE = ("utf-8", "utf-16", "utf-32")


class UnreadableFile(ValueError):
    """The file cannot be imported at all; the message says why."""


class UnsupportedEncoding(UnreadableFile):
    """The encoding asked for is unknown, not a text encoding a file can be written in, or
    contradicted by the file's bytes."""


def text_encoding(encoding: str) -> str:
    """The codec's canonical name, or UnsupportedEncoding: only text encodings read files.

    `codecs.lookup` also finds bytes-to-bytes codecs (zlib, base64, hex) and str-to-str ones
    (rot13); those, and text codecs that are no file encoding (utf-7, idna), are refused.
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        raise UnsupportedEncoding(f"unknown encoding {encoding!r}") from None
    name = info.name.replace("_", "-")
    if not getattr(info, "_is_text_encoding", True) or name in NOT_FOR_FILES:
        raise UnsupportedEncoding(
            f"{encoding!r} is not a text encoding for files; use e.g. utf-8, utf-16, "
            "cp1254 or latin-1"
        )
    return info.name


def sniff_unicode(head: bytes) -> str | None:
    """`utf-16`/`utf-32` after a byte order mark, `utf-16-le` … `utf-32-be` from the zero
    bytes of one without, or None (UTF-8, or an 8-bit encoding)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    if b"\x00" not in head:
        return None
    for width, family in ((4, "utf-32"), (2, "utf-16")):
        units = [head[i : i + width] for i in range(0, len(head) - width + 1, width)]
        if not units:
            continue
        little = sum(1 for u in units if u[0] and not any(u[1:]))
        big = sum(1 for u in units if u[-1] and not any(u[:-1]))
        for count, order in ((little, "le"), (big, "be")):
            if count >= PATTERN_SHARE * len(units):
                return f"{family}-{order}"
    return None


def file_encoding(path: Path, encoding: str) -> str:
    """The codec that reads ``path``: ``encoding``, or the UTF-16/32 its bytes are written in.

    Raises UnsupportedEncoding for a non-text encoding, or for an 8-bit one (cp1254) asked for
    a file whose bytes are UTF-16/32, naming the encoding to use instead.
    """
    asked = text_encoding(encoding)
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableFile(f"cannot open {path}: {exc.strerror or exc}") from None
    found = sniff_unicode(head)
    if found is None or found == asked:
        return asked
    if asked.startswith(_UNICODE):
        return found
    how = "starts with a byte order mark" if found in _UNICODE else "has a 0 byte in each character"
    raise UnsupportedEncoding(
        f"{path}: the file is {found} text ({how}), not {encoding}; use --encoding {found}"
    )
