"""Phone numbers: one normal form (E.164 with `+`) so a contact is one contact.

`905551234567`, `+90 555 123 45 67` and, with region TR, `0555 123 45 67` are the same
number. The original tool stored bare digits with the country code, so a digits-only value
that parses as an international number is read that way before the default region is tried.
"""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """A value that is not a usable phone number; the message says why."""


_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def normalize_phone(raw: object, region: str = "TR") -> str:
    """Return ``raw`` as E.164 (``+905551234567``) or raise :class:`InvalidPhone`."""
    if raw is None:
        raise InvalidPhone("no phone number")
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidPhone(f"phone number must be text, got {type(raw).__name__}")
    text = str(raw).strip()
    if not text:
        raise InvalidPhone("no phone number")
    candidates = [text]
    digits = text.isdigit()
    if digits and not text.startswith("0"):
        candidates = ["+" + text, text]
    elif text.startswith("00"):
        candidates = ["+" + text[2:], text]
    last_reason = "not a valid phone number"
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(
                candidate, region if not candidate.startswith("+") else None
            )
        except phonenumbers.NumberParseException as exc:
            last_reason = _REASONS.get(exc.error_type, "not a phone number")
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        last_reason = "not a valid number for its country"
    raise InvalidPhone(f"{last_reason}: {text!r}")


def wa_digits(e164: str) -> str:
    """The digits-only form the Cloud API uses in `wa_id` and `recipient_id`."""
    return e164.lstrip("+")


def calling_code(e164: str) -> str | None:
    """The country calling code an E.164 number (or its first digits, ``+901``) starts with.

    ITU calling codes are a prefix code (no code starts another), so the first known 1-3 digit
    prefix is the answer; None when there is none.
    """
    digits = e164.lstrip("+")
    for length in (1, 2, 3):
        head = digits[:length]
        if len(head) == length and head.isdigit() and int(head) in _CALLING_CODES:
            return head
    return None


_CALLING_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
