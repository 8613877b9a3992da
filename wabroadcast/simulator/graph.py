"""Graph API shapes the simulator answers with: error bodies, wamids, fbtrace ids.

Error bodies follow cloudapi.md §2 exactly (`message`, `type`, `code`, `error_data.details`,
`fbtrace_id`), and async failures the `statuses[].errors[]` item of §5.3, so clients parse the
simulator the same way they parse Meta.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass
from typing import Any

ERROR_HREF = (
    "https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes"
)

# code → (HTTP status, message as Meta writes it). Statuses per cloudapi.md §2.
SYNC_ERRORS: dict[int, tuple[int, str]] = {
    100: (400, "(#100) Invalid parameter"),
    190: (401, "Invalid OAuth access token - Cannot parse access token"),
    130429: (400, "(#130429) Rate limit hit"),
    131000: (500, "(#131000) Something went wrong"),
    131008: (400, "(#131008) Required parameter is missing"),
    131009: (400, "(#131009) Parameter value is not valid"),
    131016: (503, "(#131016) Service unavailable"),
    131056: (400, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    131062: (
        400,
        "(#131062) Business-scoped user ID recipients are not supported for this message type.",
    ),
    132000: (400, "(#132000) Number of parameters does not match the expected number of params"),
    132001: (404, "(#132001) Template name does not exist in the translation"),
    132012: (400, "(#132012) Parameter format does not match format in the created template"),
    132015: (400, "(#132015) Template is Paused"),
    132016: (400, "(#132016) Template is disabled"),
    # Marketing Messages API (cloudapi.md §7)
    134100: (400, "(#134100) Non-marketing template"),
    134101: (400, "(#134101) Template has not synced"),
    134102: (400, "(#134102) Template is not eligible"),
}

# code → (title, details) of async `failed` statuses.
ASYNC_ERRORS: dict[int, tuple[str, str]] = {
    131026: (
        "Message undeliverable",
        "Message Undeliverable.",
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    132015: (
        "Template is Paused",
        "Template is paused due to low quality so it cannot be sent in a template message.",
    ),
    131050: (
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing "
        "messages on WhatsApp from your business",
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing "
        "messages on WhatsApp from your business.",
    ),
}


@dataclass
class SimError(Exception):
    """A synchronous Graph error the simulator answers with."""

    code: int
    details: str
    http_status: int | None = None
    message: str | None = None
    subcode: int | None = None

    def status(self) -> int:
        return self.http_status or SYNC_ERRORS.get(self.code, (400, ""))[0]

    def body(self, fbtrace_id: str) -> dict[str, Any]:
        message = self.message or SYNC_ERRORS.get(self.code, (400, f"(#{self.code}) Error"))[1]
        error: dict[str, Any] = {
            "message": message,
            "type": "OAuthException",
            "code": self.code,
            "error_data": {"messaging_product": "whatsapp", "details": self.details},
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}


def async_error(code: int) -> dict[str, Any]:
    """The `errors[]` item of a `failed` status webhook for ``code`` (title == message)."""
    title, details = ASYNC_ERRORS[code]
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": ERROR_HREF,
    }


def make_wamid(wa_id: str, rng: random.Random) -> str:
    """A message id shaped like Meta's: `wamid.` + base64 of the recipient and 18 hex chars."""
    digits = wa_id.encode()
    key = "".join(rng.choice("0123456789ABCDEF") for _ in range(18)).encode()
    raw = b"\x1c\x18" + bytes([len(digits)]) + digits + b"\x15\x02\x00\x11\x18\x12" + key + b"\x00"
    return "wamid." + base64.b64encode(raw).decode()


def make_fbtrace_id(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "A" + "".join(rng.choice(alphabet) for _ in range(22))
