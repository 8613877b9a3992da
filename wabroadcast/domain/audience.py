"""Who a campaign or schedule is for: tags, attribute conditions and excludes.

An audience narrows the contacts a campaign may take; it never widens them. Never-twice,
opt-outs, unreachable contacts, the US (+1) skip and the daily limit apply unchanged on top.

Tags are compared by :func:`tag_key`: trimmed, inner whitespace collapsed, case-insensitive
with the four Turkish i's (`İ I ı i`) as one letter, and every other letter kept as written.
Not :func:`wabroadcast.domain.search.fold`: folding drops the marks, which would make `şık`
and `sik` one tag, and those are different Turkish words.

An attribute condition is one line, ``FIELD OP VALUE``:

- ``FIELD`` is ``name`` or an attribute of the contact (a column of the imported file),
  written as ``city`` or ``attributes.city``; a name with spaces goes in double quotes;
- ``OP`` is ``=``, ``!=``, ``in`` or ``not in``;
- ``VALUE`` is text (quotes optional, outer spaces dropped); ``in`` takes a list in
  parentheses: ``plan in (gold, silver)``.

Values compare exactly with the stored text (``city = İzmir`` does not match ``izmir``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

Match = Literal["any", "all"]
MATCHES: tuple[Match, ...] = ("any", "all")
MAX_TAG_LENGTH = 64
MAX_TAGS = 50
"""At most this many tags (and attribute conditions) in one audience, and per bulk change."""
MAX_REPLIED_DAYS = 3650
NAME_FIELD = "name"
_TURKISH_I = str.maketrans({"İ": "i", "I": "i", "ı": "i"})
_CONDITION = re.compile(
    r'^\s*(?P<field>"[^"]+"|[^\s=!"()]+)\s*(?P<op>!=|=|(?i:not\s+in)|(?i:in))\s*(?P<value>.*?)\s*$',
    re.DOTALL,
)
_ATTRIBUTE_KEY = re.compile(r"^[^\x00-\x1f\"\\]{1,100}$")


class AudienceError(ValueError):
    """The audience cannot be read; the message says which part and why."""


def tag_name(text: str) -> str:
    """A tag as written (first spelling wins when stored): trimmed, spaces collapsed.
    Raises :class:`AudienceError` for an empty tag, a `;` (the import's separator), a
    control character or more than :data:`MAX_TAG_LENGTH` characters."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise AudienceError("a tag is empty")
    if ";" in name:
        raise AudienceError(f"tag {name[:80]!r} holds ';', which separates tags")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise AudienceError(f"tag {name[:80]!r} holds a control character")
    if len(name) > MAX_TAG_LENGTH:
        raise AudienceError(f"tag {name[:80]!r}… is longer than {MAX_TAG_LENGTH} characters")
    return name


def tag_key(text: str) -> str:
    """What makes two tags the same tag: see the module docstring (`VIP` = `vip`,
    `IŞIK` = `ışık`, but `şık` ≠ `sik`)."""
    return tag_name(text).translate(_TURKISH_I).casefold()


def split_tags(value: Any) -> list[str]:
    """The tags of an imported row: a `;`-separated text, or (JSON) a list of texts."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split(";")
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        parts = list(value)
    else:
        raise AudienceError(
            f"tags must be text separated by ';' or a list of texts, got {type(value).__name__}"
        )
    seen: dict[str, str] = {}
    for part in parts:
        if part.strip():
            name = tag_name(part)
            seen.setdefault(tag_key(name), name)
    return list(seen.values())


def unique_tags(texts: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tags as given, each once (by :func:`tag_key`), first spelling kept, in order."""
    seen: dict[str, str] = {}
    for text in texts:
        name = tag_name(text)
        seen.setdefault(tag_key(name), name)
    if len(seen) > MAX_TAGS:
        raise AudienceError(f"at most {MAX_TAGS} tags at once, got {len(seen)}")
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class Condition:
    """``field`` equals one of ``values`` (or none of them when ``negated``)."""

    field: str
    values: tuple[str, ...]
    negated: bool = False
    listed: bool = False
    """Written with ``in (...)`` rather than ``=``."""

    @property
    def is_name(self) -> bool:
        return self.field == NAME_FIELD

    def text(self) -> str:
        field = self.field if re.fullmatch(r"[^\s=!\"()]+", self.field) else f'"{self.field}"'
        if self.listed:
            op = "not in" if self.negated else "in"
            return f"{field} {op} ({', '.join(self.values)})"
        return f"{field} {'!=' if self.negated else '='} {self.values[0]}"


def parse_condition(text: str) -> Condition:
    """Read one ``FIELD OP VALUE`` line (module docstring); the error quotes the line."""
    shown = repr(text[:120])
    found = _CONDITION.match(text)
    if found is None:
        raise AudienceError(
            f"condition {shown} is not FIELD OP VALUE; write e.g. 'city = İzmir' or "
            "'attributes.plan in (gold, silver)' (OP is =, !=, in or not in)"
        )
    field = found["field"].strip('"').strip()
    if field.startswith("attributes."):
        field = field.removeprefix("attributes.")
    if not _ATTRIBUTE_KEY.fullmatch(field):
        raise AudienceError(f"condition {shown}: {field[:60]!r} is not an attribute name")
    op = " ".join(found["op"].lower().split())
    raw = found["value"]
    if op in ("in", "not in"):
        if not (raw.startswith("(") and raw.endswith(")")):
            raise AudienceError(f"condition {shown}: '{op}' takes a list, e.g. (gold, silver)")
        values = tuple(_value(part) for part in raw[1:-1].split(","))
        if not all(values):
            raise AudienceError(f"condition {shown}: the list has an empty value")
        return Condition(field, values, negated=op == "not in", listed=True)
    if raw.startswith("(") and raw.endswith(")"):
        raise AudienceError(f"condition {shown}: a list needs 'in', not '{op}'")
    value = _value(raw)
    if not value:
        raise AudienceError(f"condition {shown} has no value after '{op}'")
    return Condition(field, (value,), negated=op == "!=")


def _value(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


@dataclass(frozen=True, slots=True)
class Audience:
    """Contacts a campaign may take. The default (no tags, no conditions, no excludes) is
    everyone, exactly as without an audience. Tags are :func:`tag_name` spellings."""

    tags: tuple[str, ...] = ()
    match: Match = "any"
    conditions: tuple[Condition, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    exclude_replied_days: int | None = None

    @property
    def is_everyone(self) -> bool:
        return not (self.tags or self.conditions or self.exclude_tags or self.exclude_replied_days)

    def to_json(self) -> dict[str, Any] | None:
        """As stored with a campaign or schedule (None: everyone)."""
        if self.is_everyone:
            return None
        return {
            "tags": list(self.tags),
            "match": self.match,
            "where": [condition.text() for condition in self.conditions],
            "exclude_tags": list(self.exclude_tags),
            "exclude_replied_days": self.exclude_replied_days,
        }

    def describe(self) -> str:
        """One line for people: `tags any of (vip, izmir); city = İzmir; not tagged (test)`."""
        if self.is_everyone:
            return "all contacts"
        parts: list[str] = []
        if self.tags:
            parts.append(f"tags {self.match} of ({', '.join(self.tags)})")
        parts += [condition.text() for condition in self.conditions]
        if self.exclude_tags:
            parts.append(f"not tagged ({', '.join(self.exclude_tags)})")
        if self.exclude_replied_days:
            parts.append(f"no reply in the last {self.exclude_replied_days} days")
        return "; ".join(parts)


def build_audience(
    *,
    tags: list[str] | tuple[str, ...] = (),
    match: str = "any",
    where: list[str] | tuple[str, ...] = (),
    exclude_tags: list[str] | tuple[str, ...] = (),
    exclude_replied_days: int | None = None,
) -> Audience:
    """The audience the CLI, the API and the panel were given; raises :class:`AudienceError`
    naming the part that is wrong."""
    if match not in MATCHES:
        raise AudienceError(f"match must be 'any' or 'all', got {match[:40]!r}")
    if len(where) > MAX_TAGS:
        raise AudienceError(f"at most {MAX_TAGS} conditions, got {len(where)}")
    days = exclude_replied_days
    if days is not None and not 1 <= days <= MAX_REPLIED_DAYS:
        raise AudienceError(
            f"exclude_replied_days must be from 1 to {MAX_REPLIED_DAYS}, got {days}"
        )
    included = unique_tags(tags)
    excluded = unique_tags(exclude_tags)
    both = {tag_key(t) for t in included} & {tag_key(t) for t in excluded}
    if both:
        raise AudienceError(f"tag {sorted(both)[0]!r} is both wanted and excluded")
    return Audience(
        tags=included,
        match="all" if match == "all" else "any",
        conditions=tuple(parse_condition(line) for line in where if line.strip()),
        exclude_tags=excluded,
        exclude_replied_days=days,
    )


def audience_from_json(value: dict[str, Any] | None) -> Audience:
    """What :meth:`Audience.to_json` stored (None: everyone)."""
    if not value:
        return Audience()
    return build_audience(
        tags=value.get("tags") or [],
        match=value.get("match") or "any",
        where=value.get("where") or [],
        exclude_tags=value.get("exclude_tags") or [],
        exclude_replied_days=value.get("exclude_replied_days"),
    )
