"""Typed request and response shapes of the Cloud API calls we make (cloudapi.md §1, §3, §4).

Parsing is strict where a wrong guess would cost a message (a 200 without a message id is not a
success we can record) and lenient elsewhere (unknown fields are ignored, missing optional
fields become None), because Meta adds fields between versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wabroadcast.domain.bsuid import is_bsuid

CALLBACK_DATA_MAX = 512
"""`biz_opaque_callback_data` limit (was 256 before 2025)."""

DAILY_LIMITS: dict[str, int | None] = {
    "TIER_50": 50,
    "TIER_250": 250,
    "TIER_1K": 1000,
    "TIER_2K": 2000,
    "TIER_10K": 10000,
    "TIER_100K": 100000,
    "TIER_UNLIMITED": None,
}
"""Messaging limit tier → unique recipients per rolling 24 h (None: unlimited)."""

THROUGHPUT_RATES: dict[str, int] = {"STANDARD": 80, "HIGH": 1000}
"""Throughput level → messages per second (cloudapi.md §3)."""

TEMPLATE_FIELDS = (
    "id,name,language,status,category,components,parameter_format,quality_score,rejected_reason"
)
PHONE_NUMBER_FIELDS = (
    "display_phone_number,verified_name,quality_rating,status,throughput,"
    "whatsapp_business_manager_messaging_limit"
)


HELD_STATUSES = frozenset({"held_for_quality_assessment", "paused"})
"""`messages[0].message_status` values of a send Meta did not pass on yet (cloudapi.md §1)."""


class PayloadError(ValueError):
    """A success answer whose shape we cannot read."""


@dataclass(frozen=True)
class SendResult:
    """HTTP 200 of a send: accepted by Meta, not yet delivered."""

    message_id: str
    wa_id: str | None
    input: str
    message_status: str | None  # only for templates under pacing: accepted / held_for_…
    user_id: str | None = None  # the BSUID, when the send went to `recipient` (no wa_id then)

    @property
    def held(self) -> bool:
        """Meta kept the message for a quality assessment of a template under pacing
        (cloudapi.md §4): it may be sent later or dropped with a failed status (132015).
        `paused` appears only in SDK types (unconfirmed) and is read the same way."""
        return self.message_status in HELD_STATUSES


@dataclass(frozen=True)
class TemplateInfo:
    """One template in one language, as `message_templates` lists it."""

    id: str
    name: str
    language: str
    status: str
    category: str | None
    parameter_format: str | None
    components: list[dict[str, Any]] = field(default_factory=list)
    quality_score: str | None = None
    rejected_reason: str | None = None

    @property
    def sendable(self) -> bool:
        """Only APPROVED templates can be sent (anything else → 132001/132015/132016)."""
        return self.status == "APPROVED"


@dataclass(frozen=True)
class PhoneNumberInfo:
    """The sending number's limits and health."""

    id: str
    display_phone_number: str | None
    verified_name: str | None
    quality_rating: str | None
    status: str | None
    throughput_level: str | None
    messaging_limit_tier: str | None

    @property
    def daily_limit(self) -> int | None:
        """Unique recipients per rolling 24 h; None when unlimited or unknown."""
        return DAILY_LIMITS.get(self.messaging_limit_tier or "")

    @property
    def messages_per_second(self) -> int | None:
        """80 for STANDARD, 1,000 for HIGH; None when Meta does not say."""
        return THROUGHPUT_RATES.get(self.throughput_level or "")


def template_message(
    to: str,
    template: str,
    language: str,
    components: Sequence[dict[str, Any]] | None = None,
    callback_data: str | None = None,
) -> dict[str, Any]:
    """The JSON body of a template send (cloudapi.md §1). A BSUID in `to` goes out as
    `recipient` (accepted since May 2026), never beside a phone: with both, `to` would win."""
    if callback_data is not None and len(callback_data) > CALLBACK_DATA_MAX:
        raise ValueError(f"callback_data is longer than {CALLBACK_DATA_MAX} characters")
    address = "recipient" if is_bsuid(to) else "to"
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        address: to,
        "type": "template",
        "template": {"name": template, "language": {"code": language}},
    }
    if components:
        body["template"]["components"] = list(components)
    if callback_data is not None:
        body["biz_opaque_callback_data"] = callback_data
    return body


def parse_send_result(body: Any) -> SendResult:
    """The message id is what ties later status webhooks to the send; without it, fail."""
    try:
        message = body["messages"][0]
        message_id = message["id"]
    except (KeyError, IndexError, TypeError):
        raise PayloadError("send answer has no messages[0].id") from None
    if not isinstance(message_id, str) or not message_id:
        raise PayloadError("send answer has an empty message id")
    contacts = body.get("contacts") or [{}]
    contact = contacts[0] if isinstance(contacts, list) and contacts else {}
    contact = contact if isinstance(contact, dict) else {}
    status = message.get("message_status") if isinstance(message, dict) else None
    return SendResult(
        message_id=message_id,
        wa_id=_str_or_none(contact.get("wa_id")),
        input=str(contact.get("input", "")),
        message_status=_str_or_none(status),
        user_id=_str_or_none(contact.get("user_id")),
    )


def parse_template(item: Any) -> TemplateInfo:
    if not isinstance(item, dict) or not all(k in item for k in ("name", "language", "status")):
        raise PayloadError(f"template item without name/language/status: {item!r:.200}")
    quality = item.get("quality_score")
    components = item.get("components")
    return TemplateInfo(
        id=str(item.get("id", "")),
        name=str(item["name"]),
        language=str(item["language"]),
        status=str(item["status"]),
        category=_str_or_none(item.get("category")),
        parameter_format=_str_or_none(item.get("parameter_format")),
        components=[c for c in components if isinstance(c, dict)]
        if isinstance(components, list)
        else [],
        quality_score=_str_or_none(quality.get("score")) if isinstance(quality, dict) else None,
        rejected_reason=_str_or_none(item.get("rejected_reason")),
    )


def parse_phone_number(body: Any) -> PhoneNumberInfo:
    if not isinstance(body, dict):
        raise PayloadError("phone number answer is not an object")
    throughput = body.get("throughput")
    tier = body.get("whatsapp_business_manager_messaging_limit") or body.get("messaging_limit_tier")
    return PhoneNumberInfo(
        id=str(body.get("id", "")),
        display_phone_number=_str_or_none(body.get("display_phone_number")),
        verified_name=_str_or_none(body.get("verified_name")),
        quality_rating=_str_or_none(body.get("quality_rating")),
        status=_str_or_none(body.get("status")),
        throughput_level=_str_or_none(throughput.get("level"))
        if isinstance(throughput, dict)
        else None,
        messaging_limit_tier=_str_or_none(tier),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
