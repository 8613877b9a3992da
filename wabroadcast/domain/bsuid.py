"""Business-scoped user ids (BSUID, ``user_id``): what one looks like (cloudapi.md §5.8).

A BSUID is an ISO-3166 alpha-2 country code, a dot and up to 128 letters and digits
(``BR.1502576394655843``); a parent BSUID, spanning linked portfolios, has ``ENT`` in it
(``BR.ENT.7730185260``). Meta asks for the value to be used verbatim, so nothing is folded or
trimmed beyond surrounding whitespace.
"""

from __future__ import annotations

import re

BSUID_MAX_LENGTH = 160
"""What the `user_id` columns hold: 2 + 1 + 128 characters, with room for a parent's ``ENT.``."""
_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def is_bsuid(value: str) -> bool:
    """``BR.1502576394655843`` or a parent ``BR.ENT.…``; a phone number never matches."""
    return _BSUID.fullmatch(value) is not None


def bsuid_problem(value: str) -> str | None:
    """Why `value` is not a BSUID, in words for an import report; None when it is one."""
    if is_bsuid(value):
        return None
    shown = value if len(value) <= 40 else value[:40] + "…"
    return (
        f"user_id {shown!r} is not a business-scoped user id "
        "(a 2-letter country code, a dot and up to 128 letters and digits, "
        "e.g. BR.1502576394655843)"
    )
