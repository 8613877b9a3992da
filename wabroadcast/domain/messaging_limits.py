"""Meta's messaging limit and throughput names, as account webhooks spell them (§3).

``phone_number_quality_update`` names a limit as a tier (``TIER_2K``),
``business_capability_update`` as a number (``2000``, ``-1`` for unlimited); both mean unique
recipients per rolling 24 h of the business portfolio. Throughput levels: STANDARD 80
messages/s, HIGH 1,000 (after a ``THROUGHPUT_UPGRADE`` event).
"""

from __future__ import annotations

UNLIMITED = -1
"""Meta's own number for an unlimited messaging limit; stored as it is."""

TIER_LIMITS: dict[str, int] = {
    "TIER_50": 50,
    "TIER_250": 250,
    "TIER_1K": 1000,
    "TIER_2K": 2000,
    "TIER_10K": 10000,
    "TIER_100K": 100000,
    "TIER_UNLIMITED": UNLIMITED,
}
"""Tier → unique recipients per rolling 24 h. ``TIER_NOT_SET`` (never sent yet) is no limit
news and maps to nothing."""

LIMIT_VALUES = frozenset({250, 2000, 10000, 100000, UNLIMITED})
"""The numbers ``business_capability_update`` uses since 2025-10-07 (50 and 1,000 before)."""

THROUGHPUT_RATES: dict[str, float] = {"STANDARD": 80.0, "HIGH": 1000.0}
"""Throughput level → messages per second."""

THROUGHPUT_UPGRADE = "THROUGHPUT_UPGRADE"
HIGH = "HIGH"


def limit_from(value: object) -> int | None:
    """A tier name or a number (as text or integer) → recipients a day, -1 unlimited; None
    when it is neither (``TIER_NOT_SET``, garbage)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value == UNLIMITED or value > 0 else None
    if isinstance(value, str):
        text = value.strip().upper()
        if text in TIER_LIMITS:
            return TIER_LIMITS[text]
        if text.lstrip("-").isdigit():
            return limit_from(int(text))
    return None


def shown_limit(limit: int | None) -> str:
    """``2,000 a day``, ``unlimited`` or ``unknown``, for the CLI and logs."""
    if limit is None:
        return "unknown"
    return "unlimited" if limit == UNLIMITED else f"{limit:,} a day"
