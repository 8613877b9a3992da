"""The bulk-import fast path must agree with normalize_phone and phonenumbers exactly."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumber

from wabroadcast.contact_phones import normalize_phone
from wabroadcast.contacts.normalize import InvalidPhone, PhoneNormalizer, _rules_for

REGIONS = ["TR", "DE", "GB", "FR", "IT", "US", "AR", "BR", "RU", "IN", "NL", "AZ", "JP", "AU"]


def _reference(raw: str, region: str) -> str:
    try:
        return normalize_phone(raw, region)
    except InvalidPhone as exc:
        return f"error: {exc}"


def _fast(normalizer: PhoneNormalizer, raw: str) -> str:
    try:
        return normalizer(raw)
    except InvalidPhone as exc:
        return f"error: {exc}"


def _mutations(rng: random.Random, national: str) -> str:
    digits = list(national)
    for _ in range(rng.randint(0, 2)):
        digits[rng.randrange(len(digits))] = str(rng.randrange(10))
    if rng.random() < 0.2:
        digits.append(str(rng.randrange(10)))
    return "".join(digits)


@pytest.mark.parametrize("region", REGIONS)
def test_every_spelling_gives_the_slow_paths_answer(region: str) -> None:
    rng = random.Random(region)
    normalizer = PhoneNormalizer(region)
    code = phonenumbers.country_code_for_region(region)
    examples = [phonenumbers.example_number_for_type(region, kind) for kind in range(11)]
    nationals = [str(e.national_number) for e in examples if e is not None]
    valid = 0
    for _ in range(300):
        national = _mutations(rng, rng.choice(nationals))
        spellings = [
            f"{code}{national}",
            f"+{code} {national[:3]} {national[3:]}",
            f"+{code} ({national[:3]}) {national[3:6]}-{national[6:]}",
            f"0{national}",
            f"0{national[:3]} {national[3:]}",
            f"00{code}{national}",
            national,
        ]
        for raw in spellings:
            expected = _reference(raw, region)
            assert _fast(normalizer, raw) == expected, raw
            valid += not expected.startswith("error")
    assert valid > 300  # the sample exercises valid numbers, not only rejections


def test_precompiled_rules_agree_with_is_valid_number_for_every_country_code() -> None:
    rng = random.Random(7)
    checked = 0
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        rules = _rules_for(code)
        if rules is None:
            continue
        for _ in range(40):
            national = str(rng.randrange(10 ** rng.randint(3, 6), 10 ** rng.randint(7, 13)))
            number = PhoneNumber(country_code=code, national_number=int(national))
            assert rules.is_valid(national) == phonenumbers.is_valid_number(number), (
                code,
                national,
            )
            checked += 1
    assert checked > 5000


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "no phone number"), ("12", "12"), ("abc", "abc"), (None, "no phone number")],
)
def test_rejections_carry_the_slow_paths_reason(raw: object, reason: str) -> None:
    with pytest.raises(InvalidPhone, match=reason):
        PhoneNormalizer("TR")(raw)
