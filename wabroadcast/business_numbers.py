"""Business phone numbers of one installation: PHONE_NUMBERS = `id[:rate[:daily_limit]],…`.

Each number has its own throughput (Meta: 80 messages/s, 1,000 at the higher level), so each
has its own SEND_RATE and its own sending lease. The daily recipient limit is different: since
2025-10-07 Meta counts unique recipients per rolling 24 h per *business portfolio*, shared by
all its numbers. One installation is taken to be one portfolio: the count is always over every
send of the installation, and a number's `daily_limit` only sets the cap that applies when
that number claims (unset: DAILY_RECIPIENT_LIMIT, else the tier Meta reports for it).
"""

from __future__ import annotations

from wabroadcast.config import MAX_RATE, PhoneNumber, Settings, parse_phone_numbers

__all__ = [
    "MAX_RATE",
    "PhoneNumber",
    "UnknownPhoneNumber",
    "configured_numbers",
    "parse_phone_numbers",
    "settings_for_number",
]


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
