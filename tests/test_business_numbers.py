"""PHONE_NUMBERS: several business numbers, each with its own rate and daily limit."""

from __future__ import annotations

import pytest

from wabroadcast.business_numbers import (
    PhoneNumber,
    UnknownPhoneNumber,
    configured_numbers,
    parse_phone_numbers,
    settings_for_number,
)
from wabroadcast.config import SettingsError, load_settings


def test_unset_means_the_single_phone_number_id_with_the_global_rate_and_limit() -> None:
    settings = load_settings(
        {"PHONE_NUMBER_ID": "111", "SEND_RATE": "50", "DAILY_RECIPIENT_LIMIT": "2000"},
        env_file=None,
    )
    assert configured_numbers(settings) == {"111": PhoneNumber("111", 50.0, 2000)}


def test_entries_take_their_own_rate_and_limit_and_default_the_rest() -> None:
    numbers = parse_phone_numbers(
        " 222:1000:10000 , 333::500,444:80 ,",
        default_id="111",
        default_rate=80.0,
        default_limit=None,
    )
    assert list(numbers) == ["111", "222", "333", "444"]
    assert numbers["222"] == PhoneNumber("222", 1000.0, 10000, rate_configured=True)
    assert numbers["333"] == PhoneNumber("333", 80.0, 500)  # SEND_RATE: webhooks may raise it
    assert numbers["444"] == PhoneNumber("444", 80.0, None, rate_configured=True)
    assert numbers["111"].rate_configured is False


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("222:fast", "entry 1 '222:fast': rate 'fast' is not a number"),
        ("222:80,abc", "entry 2 'abc': expected id[:rate[:daily_limit]] with a numeric id"),
        ("222:2000", "rate must be above 0 and at most 1000"),
        ("222:80:0", "daily_limit must be a whole number of at least 1"),
        ("222,222", "phone number id listed twice"),
        ("222:1:2:3", "expected id[:rate[:daily_limit]]"),
    ],
)
def test_a_bad_entry_is_named_in_the_settings_error(text: str, problem: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({"PHONE_NUMBERS": text}, env_file=None)
    assert "PHONE_NUMBERS" not in problem  # the message carries the entry itself
    assert problem in str(error.value)


def test_settings_for_a_number_carry_its_id_rate_and_limit() -> None:
    settings = load_settings(
        {"PHONE_NUMBER_ID": "111", "PHONE_NUMBERS": "222:1000:10000", "SEND_RATE": "80"},
        env_file=None,
    )
    second = settings_for_number(settings, "222")
    assert (second.phone_number_id, second.send_rate, second.daily_recipient_limit) == (
        "222",
        1000.0,
        10000,
    )
    assert settings_for_number(settings, "111").send_rate == 80.0
    with pytest.raises(UnknownPhoneNumber, match="999 is not configured.*111, 222"):
        settings_for_number(settings, "999")
