"""English sentences the code writes, matched to translate them (web/reasons.py,
web/audience_reasons.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable

Sentences = tuple[tuple[re.Pattern[str], str], ...]
"""English sentences the code writes, as full-match patterns, each with its locale key."""


def sentences(pairs: Iterable[tuple[str, str]]) -> Sentences:
    """The (pattern, key) pairs compiled as full-match patterns."""
    return tuple((re.compile(pattern, re.DOTALL), key) for pattern, key in pairs)


def first_match(table: Sentences, text: str) -> tuple[str, dict[str, object]] | None:
    """The key and the named values of the first pattern matching all of `text`."""
    for pattern, key in table:
        found = pattern.fullmatch(text)
        if found is not None:
            return key, {name: value or "" for name, value in found.groupdict().items()}
    return None
