"""A fast path in front of :func:`wabroadcast.contact_phones.normalize_phone` for bulk imports.

Most imported numbers are international digits (`905551234567`, the original tool's format),
the same with `+` and separators (`+90 555 123 45 67`), or national with a trunk `0`
(`0555 123 45 67`). For those, ``phonenumbers.parse`` spends most of its ~17 µs on text
handling that cannot change the result; taking the digits apart directly and validating them
takes ~2 µs. Every number is still validated against phonenumbers' own metadata. Anything the
fast path is not sure about (other spellings, a national prefix `parse` would strip, an
invalid number, an Italian-style leading zero) goes through ``normalize_phone`` unchanged, so
the result and the rejection reason are always exactly the slow path's.

For a country code used by a single region, validity is checked by :class:`_CountryRules`:
the same metadata patterns and possible lengths ``is_valid_number`` walks one number type at a
time, compiled into one alternation per number length. tests/contacts/test_normalize.py
checks it agrees with ``is_valid_number`` on numbers drawn from every country code, and that
every spelling gives ``normalize_phone``'s answer, so a phonenumbers upgrade that changes the
rules fails a test instead of importing a wrong number.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber

from wabroadcast.contact_phones import InvalidPhone, normalize_phone

__all__ = ["InvalidPhone", "PhoneNormalizer"]

_INTERNATIONAL_DIGITS = re.compile(r"\+?([1-9]\d{6,14})")
_SPACED_INTERNATIONAL = re.compile(r"\+[1-9][\d .()-]{6,30}")
_SPACED_NATIONAL = re.compile(r"0[1-9][\d .()-]{5,30}")
_SEPARATORS = re.compile(r"[ .()-]")
_NO_PREFIX = re.compile(r"(?!)")  # never matches: the region strips no national prefix


class _CountryRules:
    """``phonenumbers.is_valid_number`` for one single-region country code, precompiled.

    phonenumbers calls a number valid when it matches the general description and then any
    number type (premium rate, toll free, ..., fixed line, mobile), each type gated by its
    possible lengths. The types allowed for each length are joined into one regex.
    """

    def __init__(self, metadata: PhoneMetadata) -> None:
        general = metadata.general_desc
        pattern = general.national_number_pattern if general is not None else None
        self._general = re.compile(pattern or "(?!)")
        self._general_lengths = frozenset(general.possible_length or ()) if general else frozenset()
        types = [
            metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
            metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail,
            metadata.fixed_line,
        ]  # fmt: skip
        if not metadata.same_mobile_and_fixed_line_pattern:
            types.append(metadata.mobile)
        usable = [d for d in types if d is not None and d.national_number_pattern]
        self._by_length: dict[int, re.Pattern[str]] = {}
        for length in range(1, 18):
            patterns = [
                d.national_number_pattern
                for d in usable
                if not d.possible_length or length in d.possible_length
            ]
            if patterns:
                self._by_length[length] = re.compile("|".join(f"(?:{p})" for p in patterns))

    def is_valid(self, national: str) -> bool:
        length = len(national)
        if self._general_lengths and length not in self._general_lengths:
            return False
        if self._general.fullmatch(national) is None:
            return False
        pattern = self._by_length.get(length)
        return pattern is not None and pattern.fullmatch(national) is not None


def _rules_for(country_code: int) -> _CountryRules | None:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) != 1:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
    return None if metadata is None else _CountryRules(metadata)


def _trunk_zero_rules(region: str) -> tuple[int, _CountryRules] | None:
    """Rules for national numbers of ``region`` when its national prefix is a plain `0`.

    For such regions `parse` strips the leading 0 and validates the rest; regions with
    carrier codes or transform rules (AR, BR, MX, ...) always take the slow path.
    """
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    country_code = metadata.country_code
    if country_code is None:
        return None
    if metadata.national_prefix != "0" or metadata.national_prefix_for_parsing not in (None, "0"):
        return None
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())) != 1:
        return None
    rules = _rules_for(country_code)
    return None if rules is None else (country_code, rules)


def _national_prefix_pattern(country_code: int) -> re.Pattern[str] | None:
    """The pattern `parse` uses to strip a national prefix for this country code."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    return re.compile(prefix) if prefix else _NO_PREFIX


class PhoneNormalizer:
    """``normalize_phone`` with a per-country cache; same results, built for a million rows."""

    def __init__(self, region: str = "TR") -> None:
        self.region = region
        self._prefixes: dict[int, re.Pattern[str] | None] = {}
        self._rules: dict[int, _CountryRules | None] = {}
        self._national_code = _trunk_zero_rules(region)

    def __call__(self, raw: object) -> str:
        """Return E.164 (``+905551234567``) or raise :class:`InvalidPhone`."""
        if type(raw) is str:
            fast = self._try_fast(raw)
            if fast is not None:
                return fast
        return normalize_phone(raw, self.region)

    def _try_fast(self, text: str) -> str | None:
        match = _INTERNATIONAL_DIGITS.fullmatch(text)
        if match is not None:
            return self._fast(match.group(1))
        if _SPACED_INTERNATIONAL.fullmatch(text):  # `+90 555 123 45 67`
            digits = _SEPARATORS.sub("", text)[1:]
            return self._fast(digits) if _INTERNATIONAL_DIGITS.fullmatch(digits) else None
        if self._national_code is not None and _SPACED_NATIONAL.fullmatch(text):
            national = _SEPARATORS.sub("", text)[1:]  # `0555 123 45 67`: drop the trunk 0
            if len(national) <= 14 and self._national_code[1].is_valid(national):
                return f"+{self._national_code[0]}{national}"
        return None

    def _fast(self, digits: str) -> str | None:
        """E.164 when ``+digits`` is certainly valid as written, else None (use the slow path).

        Country calling codes are prefix-free, so the first 1-3 digit prefix that is a known
        code is the one `parse` extracts.
        """
        for length in (1, 2, 3):
            country_code = int(digits[:length])
            if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        national = digits[length:]
        if national.startswith("0"):
            return None
        if country_code not in self._prefixes:
            self._prefixes[country_code] = _national_prefix_pattern(country_code)
            self._rules[country_code] = _rules_for(country_code)
        prefix = self._prefixes[country_code]
        if prefix is None or prefix.match(national):
            return None
        rules = self._rules[country_code]
        if rules is not None:
            valid = rules.is_valid(national)
        else:
            number = PhoneNumber(country_code=country_code, national_number=int(national))
            valid = phonenumbers.is_valid_number(number)
        return "+" + digits if valid else None
