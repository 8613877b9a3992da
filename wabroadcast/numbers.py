"""Business phone numbers of one installation: PHONE_NUMBERS = `id[:rate[:daily_limit]],…`.

Each number has its own throughput (Meta: 80 messages/s, 1,000 at the higher level), so each
has its own SEND_RATE and its own sending lease. The daily recipient limit is different: since
2025-10-07 Meta counts unique recipients per rolling 24 h per *business portfolio*, shared by
all its numbers. One installation is taken to be one portfolio: the count is always over every
send of the installation, and a number's `daily_limit` only sets the cap that applies when
that number claims (unset: DAILY_RECIPIENT_LIMIT, else the tier Meta reports for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wabroadcast.config import Settings

MAX_RATE = 1000.0


@dataclass(frozen=True)
class PhoneNumber:
    phone_number_id: str
    send_rate: float
    daily_limit: int | None


def parse_phone_numbers(
    text: str | None, *, default_id: str, default_rate: float, default_limit: int | None
) -> dict[str, PhoneNumber]:
    """The configured numbers by id; PHONE_NUMBER_ID is always one of them.

    Raises ValueError naming the bad entry (its position and text) when one is malformed.
    """
    numbers: dict[str, PhoneNumber] = {}
    entries = [part.strip() for part in (text or "").split(",")]
    for position, entry in enumerate(entries, start=1):
        if not entry:
            continue
        number = _parse_entry(entry, position, default_rate, default_limit)
        if number.phone_number_id in numbers:
            raise ValueError(f"entry {position} {entry!r}: phone number id listed twice")
        numbers[number.phone_number_id] = number
    if default_id not in numbers:
        numbers = {default_id: PhoneNumber(default_id, default_rate, default_limit), **numbers}
    return numbers


def _parse_entry(
    entry: str, position: int, default_rate: float, default_limit: int | None
) -> PhoneNumber:
    parts = [p.strip() for p in entry.split(":")]
    where = f"entry {position} {entry!r}"
    if len(parts) > 3 or not parts[0].isdigit():
        raise ValueError(f"{where}: expected id[:rate[:daily_limit]] with a numeric id")
    rate = default_rate
    if len(parts) > 1 and parts[1]:
        try:
            rate = float(parts[1])
        except ValueError:
            raise ValueError(f"{where}: rate {parts[1]!r} is not a number") from None
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"{where}: rate must be above 0 and at most {MAX_RATE:g}")
    limit = default_limit
    if len(parts) > 2 and parts[2]:
        if not parts[2].isdigit() or int(parts[2]) < 1:
            raise ValueError(f"{where}: daily_limit must be a whole number of at least 1")
        limit = int(parts[2])
    return PhoneNumber(parts[0], rate, limit)


def configured_numbers(settings: Settings) -> dict[str, PhoneNumber]:
    return parse_phone_numbers(
        settings.phone_numbers,
        default_id=settings.phone_number_id,
        default_rate=settings.send_rate,
        default_limit=settings.daily_recipient_limit,
    )


class UnknownPhoneNumber(ValueError):
    """A campaign names a phone number id that is not configured."""


def settings_for_number(settings: Settings, phone_number_id: str) -> Settings:
    """The settings the engine uses for one number: its id, rate and daily limit."""
    numbers = configured_numbers(settings)
    number = numbers.get(phone_number_id)
    if number is None:
        known = ", ".join(numbers)
        raise UnknownPhoneNumber(
            f"phone number id {phone_number_id} is not configured (PHONE_NUMBER_ID / "
            f"PHONE_NUMBERS list: {known})"
        )
    return settings.model_copy(
        update={
            "phone_number_id": number.phone_number_id,
            "send_rate": number.send_rate,
            "daily_recipient_limit": number.daily_limit,
        }
    )
