"""Account webhooks → typed events: throughput, quality, messaging limit, template category.

Shapes (Meta's webhook reference, cloudapi.md §3–§5; fixtures in tests/fixtures/webhooks):

* ``phone_number_quality_update``: ``display_phone_number``, ``event`` (``THROUGHPUT_UPGRADE``,
  ``ONBOARDING``; older payloads ``UPGRADE``, ``DOWNGRADE``, ``FLAGGED``, ``UNFLAGGED``),
  ``max_daily_conversations_per_business`` (a tier, e.g. ``TIER_2K``), ``old_limit`` on limit
  changes and ``current_limit`` (removed in February 2026; read when the other is absent).
* ``business_capability_update``: ``max_daily_conversations_per_business`` (``2000``; ``-1``
  unlimited; the reference's table also shows a tier name), optionally
  ``max_daily_conversation_per_phone`` (removed), ``max_phone_numbers_per_business``,
  ``max_phone_numbers_per_waba``.
* ``template_category_update``: ``message_template_id``, ``message_template_name``,
  ``message_template_language``; impending: ``correct_category``, ``new_category`` (the current
  one) and ``category_update_timestamp``; completed: ``previous_category``, ``new_category``.

None of them carries its own time: ``entry[].time`` (Unix seconds) orders them. Keys not named
here are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wabroadcast.domain.messaging_limits import limit_from

ACCOUNT_FIELDS = frozenset(
    {"phone_number_quality_update", "business_capability_update", "template_category_update"}
)
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
MAX_TIMESTAMP = 32503680000


@dataclass(frozen=True)
class NumberQualityUpdate:
    """A ``phone_number_quality_update``: throughput or quality news, maybe a new limit."""

    display_number: str
    event: str
    daily_limit: int | None
    at: datetime
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class CapabilityUpdate:
    """A ``business_capability_update``: the portfolio's messaging limit changed."""

    daily_limit: int
    at: datetime
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class CategoryUpdate:
    """A ``template_category_update``, impending (`correct` set) or completed."""

    name: str
    language: str
    new: str
    at: datetime
    previous: str | None = None
    correct: str | None = None
    takes_effect_at: datetime | None = None
    template_id: str | None = None
    where: str = field(default="", compare=False)


AccountUpdate = NumberQualityUpdate | CapabilityUpdate | CategoryUpdate


def _text(value: Any) -> str | None:
    """A short printable ASCII string (every value these webhooks carry is: tiers, events,
    categories, template names, language codes), or None; nothing a database could refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)[:64]
    if isinstance(value, str) and value.isascii() and value.strip() and value.isprintable():
        return value.strip()[:512]
    return None


def _digits(value: Any) -> str | None:
    text = _text(value)
    digits = "".join(ch for ch in text or "" if ch.isascii() and ch.isdigit())
    return digits[:32] or None


def _category(value: Any, key: str) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text.upper() not in CATEGORIES:
        raise ValueError(f"{key} {text[:24]!r} is not MARKETING, UTILITY or AUTHENTICATION")
    return text.upper()


def _seconds(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_TIMESTAMP:
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return _seconds(int(value[:12]))
    return None


def parse_account_change(
    name: str, value: dict[str, Any], entry_time: datetime, where: str
) -> AccountUpdate | None:
    """The event of one change, or None when it says nothing we keep (``ONBOARDING`` with no
    limit). Raises ValueError naming the key when a needed one is missing or wrong."""
    if name == "phone_number_quality_update":
        return _quality(value, entry_time, where)
    if name == "business_capability_update":
        return _capability(value, entry_time, where)
    return _category_update(value, entry_time, where)


def _quality(value: dict[str, Any], at: datetime, where: str) -> NumberQualityUpdate | None:
    number = _digits(value.get("display_phone_number"))
    event = _text(value.get("event"))
    if number is None:
        raise ValueError("display_phone_number is missing")
    if event is None:
        raise ValueError("event is missing")
    limit = limit_from(value.get("max_daily_conversations_per_business"))
    if limit is None:
        limit = limit_from(value.get("current_limit"))
    return NumberQualityUpdate(number, event.upper()[:32], limit, at, where)


def _capability(value: dict[str, Any], at: datetime, where: str) -> CapabilityUpdate | None:
    limit = limit_from(value.get("max_daily_conversations_per_business"))
    if limit is None:
        limit = limit_from(value.get("max_daily_conversation_per_phone"))
    if limit is None:  # e.g. only max_phone_numbers_per_waba changed
        return None
    return CapabilityUpdate(limit, at, where)


def _category_update(value: dict[str, Any], at: datetime, where: str) -> CategoryUpdate:
    name = _text(value.get("message_template_name"))
    language = _text(value.get("message_template_language"))
    if name is None or language is None:
        raise ValueError("message_template_name or message_template_language is missing")
    new = _category(value.get("new_category"), "new_category")
    correct = _category(value.get("correct_category"), "correct_category")
    if new is None and correct is None:
        raise ValueError("neither new_category nor correct_category is given")
    return CategoryUpdate(
        name=name,
        language=language[:16],
        new=new or correct or "",
        at=at,
        previous=_category(value.get("previous_category"), "previous_category"),
        correct=correct,
        takes_effect_at=_seconds(value.get("category_update_timestamp")),
        template_id=_text(value.get("message_template_id")),
        where=where,
    )
