"""Stored reasons in the reader's language.

Failure reasons are stored in English as ``campaigns.failures`` keys and as a failed status
webhook's code and title ("131026 Message undeliverable"), and a contact's unreachable reason
as "131026: …". They stay English in the database,
the API's JSON and the CLI (scripts match on them); the panel shows each with the translated
explanation of its Cloud API error code from the locale files (``error_code.<code>``).
"""

from __future__ import annotations

from wabroadcast.cloudapi.errors import reason as english_reason
from wabroadcast.engine.outcomes import NO_ANSWER
from wabroadcast.storage.stats import failure_reason as webhook_failure_reason
from wabroadcast.web.i18n import Translator

_PERMISSION_CODES = range(200, 300)
_WITHOUT_CODE = {
    NO_ANSWER: "failure.no_answer",
    webhook_failure_reason(None, None): "failure.failed",
}


def failure_text(reason: str, t: Translator) -> str:
    """`131026 undeliverable…` → `131026 teslim edilemedi…` in Turkish; the code is kept so a
    reader can look it up. A code the table does not list keeps Meta's own title."""
    if reason in _WITHOUT_CODE:
        return t(_WITHOUT_CODE[reason])
    head, _, rest = reason.partition(" ")
    if not head.rstrip(":").isdigit() or len(head) > 12:
        return reason
    code = int(head.rstrip(":"))
    key = f"error_code.{code}"
    if t.has(key):
        return f"{code} {t(key)}"
    if rest == english_reason(code):  # the engine's words for an unlisted code
        generic = "error_code.permission" if code in _PERMISSION_CODES else "error_code.unlisted"
        return f"{code} {t(generic)}"
    return reason
