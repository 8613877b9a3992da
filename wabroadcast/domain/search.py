"""What a contact search means: Turkish-aware folding of names, and numbers in any format.

A Turkish user types `ismail` for `İsmail`, `isik` or `ışık` for `IŞIK` and `sukru` for
`Şükrü`; SQL's `lower()`/`ILIKE` fold none of these (SQLite folds ASCII only, PostgreSQL's
depends on the database collation, and neither maps `İ`/`ı`). So the stored name and the
query go through the same :func:`fold`, and the database only compares folded text
(`contacts.search_key`).

Folding maps the four Turkish i's (`İ I ı i`) to `i`, then casefolds, decomposes (NFKD)
and drops combining marks (`ş→s`, `ğ→g`, `ü→u`, `ö→o`, `ç→c`, `é→e`), and collapses
whitespace to single spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from wabroadcast.domain.bsuid import is_bsuid

_TURKISH_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})
_PHONE_QUERY = re.compile(r"[\d\s+().\-/]+")
_NOT_DIGIT = re.compile(r"\D")
PHONE_SEARCH_MAX_DIGITS = 20
"""Longer digit runs cannot be part of an E.164 number (at most 15 digits); kept as typed."""


def fold(text: str | None) -> str:
    """``text`` as stored in and compared against `contacts.search_key` ('' for no name)."""
    if not text:
        return ""
    if text.isascii():  # the common case, ~10× faster; same result as the full path
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKD", text.translate(_TURKISH_I).casefold())
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


@dataclass(frozen=True, slots=True)
class ContactQuery:
    """A search box's text, read once: either name words or a phone number (part).

    `words`: folded words that must all occur in the folded name (any order).
    `phones`: E.164 numbers the text is a complete, valid form of; when there are any, only
    these are matched (an index lookup, not a scan of every number).
    `digits`: otherwise, the digits without leading zeros, found anywhere in the phone.
    """

    words: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    digits: str = ""
    user_id: str = ""
    """A whole BSUID (`BR.1502576394655843`), matched exactly, old ids of a contact too."""

    @property
    def is_phone(self) -> bool:
        return bool(self.digits)

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.digits and not self.user_id


def parse_query(text: str | None, region: str = "TR") -> ContactQuery:
    """Read a search: text made only of digits and phone punctuation (`+ ( ) - . /`, spaces)
    is a number, anything else is name words.

    `0555 123 45 67`, `+90 555 123 45 67`, `905551234567` and `5551234567` all find
    `+905551234567`: a complete number is read every valid way (international, then
    national in ``region``) and those numbers are matched exactly. Anything shorter is a
    part: its digits without leading zeros (a national trunk `0`, an international `00`)
    are looked for anywhere in the number, so `555 123` and the tail `45 67` match too.
    """
    text = (text or "").strip()
    if not text:
        return ContactQuery()
    if is_bsuid(text):
        return ContactQuery(user_id=text)
    if _PHONE_QUERY.fullmatch(text) and any(ch.isdigit() for ch in text):
        digits = _NOT_DIGIT.sub("", text)
        stripped = digits.lstrip("0")
        if not stripped or len(digits) > PHONE_SEARCH_MAX_DIGITS:
            return ContactQuery(digits=digits)
        return ContactQuery(phones=_readings(digits, text, region), digits=stripped)
    return ContactQuery(words=tuple(dict.fromkeys(fold(text).split())))


def _readings(digits: str, text: str, region: str) -> tuple[str, ...]:
    """Every valid E.164 number the typed digits can be (usually one)."""
    candidates: list[tuple[str, str | None]]
    if text.startswith("+"):
        candidates = [("+" + digits, None)]
    elif digits.startswith("00"):
        candidates = [("+" + digits[2:], None), (digits, region)]
    elif digits.startswith("0"):
        candidates = [(digits, region)]
    else:
        candidates = [("+" + digits, None), (digits, region)]
    found: list[str] = []
    for candidate, where in candidates:
        try:
            parsed = phonenumbers.parse(candidate, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            found.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return tuple(dict.fromkeys(found))
