"""POST /{phone-number-id}/marketing_messages: the Marketing Messages API's own checks.

The request is a /messages template body (validated by validate.py the same way) plus
`product_policy` and `message_activity_sharing` (cloudapi.md §7, §9). Refused, in order:
terms not accepted by the business portfolio (SimulatorConfig.marketing_messages_terms_accepted
false), a non-template message (100), bad extra fields (100), and a template that is not
MARKETING (134100). Accepted messages carry `pricing.category: "marketing_lite"` in their
status webhooks.
"""

from __future__ import annotations

from typing import Any

from wabroadcast.cloudapi.marketing import PRODUCT_POLICIES
from wabroadcast.simulator.graph import SimError
from wabroadcast.simulator.validate import SendRequest

TERMS_NOT_ACCEPTED = SimError(
    10,
    "The business portfolio has not accepted the Marketing Messages API for WhatsApp Terms of "
    "Service. Accept them in WhatsApp Manager to send through this API.",
    http_status=403,
    message="(#10) Application does not have permission for this action",
)
"""Meta names no code for this refusal (docs/error-codes.md): the simulator answers with
Graph's permission error 10 and details naming the terms, which is what the client's
recognition (cloudapi/marketing.py) relies on."""


def check_terms(accepted: bool) -> None:
    if not accepted:
        raise TERMS_NOT_ACCEPTED


def check_fields(body: Any) -> None:
    """The two MM API fields, when given (before the template is looked at)."""
    if not isinstance(body, dict):
        return
    policy = body.get("product_policy")
    if policy is not None and policy not in PRODUCT_POLICIES:
        raise SimError(
            100, f"Param product_policy must be one of {{{', '.join(PRODUCT_POLICIES)}}}"
        )
    sharing = body.get("message_activity_sharing")
    if sharing is not None and not isinstance(sharing, bool):
        raise SimError(100, "Param message_activity_sharing must be a boolean.")


def check_request(send: SendRequest) -> None:
    """Marketing templates only: a text message is 100, another category 134100."""
    if send.kind != "template" or send.template is None:
        raise SimError(100, "Message must be a template message.")
    if send.template.category != "MARKETING":
        raise SimError(
            134100,
            f"Template {send.template.name} is categorized as {send.template.category}. Only "
            "templates categorized as MARKETING can be sent with the Marketing Messages API.",
        )
