"""The Marketing Messages API for WhatsApp (MM API): its endpoint, its extra fields, its refusals.

``POST /{phone-number-id}/marketing_messages`` takes the same template body as ``/messages``
plus two optional fields (cloudapi.md §7, §9):

* ``product_policy``: ``CLOUD_API_FALLBACK`` lets Meta deliver through the Cloud API when the
  MM API cannot take the message; ``STRICT`` refuses instead;
* ``message_activity_sharing``: whether Meta may use the message's activity (clicks,
  conversions) for optimisation; left out, the portfolio's setting applies.

It accepts MARKETING templates only (131055/134100 otherwise), needs a few minutes after a
template is created (134101) and refuses templates it cannot use (134102). The business
portfolio must have accepted the MM API terms first; :func:`terms_not_accepted` recognises
that refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wabroadcast.cloudapi.errors import CloudAPIError, GraphError


class Endpoint(StrEnum):
    """The two send endpoints; the value is the path segment and what `sends.endpoint` holds."""

    MESSAGES = "messages"
    MARKETING_MESSAGES = "marketing_messages"


PRODUCT_POLICIES = ("CLOUD_API_FALLBACK", "STRICT")

NOT_MARKETING_CODES = frozenset({131055, 134100})
"""The MM API refused the template because it is not (or no longer) a MARKETING template."""
TEMPLATE_INELIGIBLE = 134102

TERMS_TEXT = re.compile(r"\bterms\b", re.IGNORECASE)
TERMS_CODES = frozenset({3, 10, 100, 131005, *range(200, 300)})
"""Codes a terms refusal may carry. Meta's MM API pages (checked 2026-12) say the terms must
be accepted per business portfolio but name no code for the refusal; Twilio reports it as its
own 63062 ("Terms of Service for Marketing Messages API not accepted"). So the refusal is
recognised by a permission-class code together with text that mentions the terms."""

TERMS_SENTENCE = (
    "the business portfolio has not accepted the Marketing Messages API terms: accept them in "
    "WhatsApp Manager (or Meta Business Suite) under the Marketing Messages API alert, then "
    "resume the campaign"
)


@dataclass(frozen=True)
class MarketingOptions:
    """The MM API's extra request fields, from MARKETING_MESSAGES_* settings."""

    product_policy: str = "CLOUD_API_FALLBACK"
    message_activity_sharing: bool | None = None

    def __post_init__(self) -> None:
        if self.product_policy not in PRODUCT_POLICIES:
            raise ValueError(
                f"product_policy must be one of {', '.join(PRODUCT_POLICIES)}, "
                f"got {self.product_policy!r}"
            )

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` (a /messages template body) with the MM API fields added."""
        body = {**body, "product_policy": self.product_policy}
        if self.message_activity_sharing is not None:
            body["message_activity_sharing"] = self.message_activity_sharing
        return body


def terms_not_accepted(error: CloudAPIError) -> bool:
    """Whether ``error`` (from /marketing_messages) says the MM API terms are not accepted."""
    if not isinstance(error, GraphError) or error.code not in TERMS_CODES:
        return False
    return bool(TERMS_TEXT.search(f"{error.message} {error.details or ''}"))


def route_unusable(error: CloudAPIError) -> bool:
    """An MM API refusal that no retry fixes but /messages would not share: the terms are not
    accepted, or the template is ineligible there (134102)."""
    if terms_not_accepted(error):
        return True
    return isinstance(error, GraphError) and error.code == TEMPLATE_INELIGIBLE
