"""Cloud API errors and the one table that classifies them.

The engine acts on an :class:`Outcome`, never on raw codes. Meta says to key logic on
``error.code`` (and ``error_data.details``), not on HTTP status or titles; the HTTP status is
only used when a body carries no code (a bare 5xx from a proxy, say).

Hierarchy::

    CloudAPIError                      any error answer or failure to get one
    ├── GraphError                     Meta answered with an error body (has .code)
    └── UncertainError                 the request may have been accepted: timeout or
                                       connection dropped after the request was written
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    THROTTLED = "throttled"  # back off the whole sender, then retry
    PAIR_LIMITED = "pair_limited"  # only this recipient waits (131056)
    TRANSIENT = "transient"  # retry a bounded number of times with backoff
    CAMPAIGN_FATAL = "campaign_fatal"  # stop the campaign; nothing else will work either
    CAMPAIGN_PAUSE = "campaign_pause"  # pause the campaign with the reason; a person resumes
    RECIPIENT_PERMANENT = "recipient_permanent"  # this contact cannot get it; go on
    DEFERRED = "deferred"  # not now (131049 marketing cap): the same send is retried later
    UNCERTAIN = "uncertain"  # may have been sent: never re-send automatically


# One row per code: (outcome, short reason a person understands).
ERROR_TABLE: dict[int, tuple[Outcome, str]] = {
    # throttling
    4: (Outcome.THROTTLED, "app API call rate limit"),
    80007: (Outcome.THROTTLED, "WABA API rate limit"),
    130429: (Outcome.THROTTLED, "number's throughput (messages per second) exceeded"),
    131057: (Outcome.THROTTLED, "account in maintenance (throughput upgrade)"),
    131056: (Outcome.PAIR_LIMITED, "too many messages to this recipient"),
    # transient
    1: (Outcome.TRANSIENT, "invalid request or possible server error"),
    2: (Outcome.TRANSIENT, "temporary overload"),
    131000: (Outcome.TRANSIENT, "unknown error"),
    131016: (Outcome.TRANSIENT, "service temporarily unavailable"),
    # fatal for the campaign
    0: (Outcome.CAMPAIGN_FATAL, "access token invalid or expired"),
    190: (Outcome.CAMPAIGN_FATAL, "access token invalid or expired"),
    3: (Outcome.CAMPAIGN_FATAL, "missing capability or permission"),
    10: (Outcome.CAMPAIGN_FATAL, "permission denied"),
    100: (Outcome.CAMPAIGN_FATAL, "invalid parameter"),
    131005: (Outcome.CAMPAIGN_FATAL, "access denied"),
    131008: (Outcome.CAMPAIGN_FATAL, "required parameter missing"),
    131009: (Outcome.CAMPAIGN_FATAL, "parameter value invalid"),
    131031: (Outcome.CAMPAIGN_FATAL, "business account locked or restricted"),
    368: (Outcome.CAMPAIGN_FATAL, "business account restricted for policy"),
    131042: (Outcome.CAMPAIGN_FATAL, "payment method problem"),
    131048: (Outcome.CAMPAIGN_PAUSE, "spam rate limit: number restricted"),
    131063: (Outcome.CAMPAIGN_FATAL, "marketing templates disabled on Cloud API"),
    131064: (Outcome.CAMPAIGN_PAUSE, "messaging limit for miscategorized template"),
    132000: (Outcome.CAMPAIGN_FATAL, "parameter count does not match the template"),
    132001: (Outcome.CAMPAIGN_FATAL, "template does not exist in this language"),
    132005: (Outcome.CAMPAIGN_FATAL, "translated text too long"),
    132007: (Outcome.CAMPAIGN_FATAL, "template content violates policy"),
    132012: (Outcome.CAMPAIGN_FATAL, "parameter format mismatch"),
    132015: (Outcome.CAMPAIGN_PAUSE, "template paused for low quality"),
    132016: (Outcome.CAMPAIGN_FATAL, "template permanently disabled"),
    131053: (Outcome.CAMPAIGN_FATAL, "header media upload or fetch failed"),
    # Marketing Messages API (POST /marketing_messages; cloudapi.md §7)
    131055: (Outcome.CAMPAIGN_FATAL, "Marketing Messages API takes marketing templates only"),
    134100: (Outcome.CAMPAIGN_FATAL, "Marketing Messages API takes marketing templates only"),
    134101: (Outcome.CAMPAIGN_PAUSE, "template still syncing to the Marketing Messages API"),
    134102: (Outcome.CAMPAIGN_FATAL, "template not eligible for the Marketing Messages API"),
    # per recipient, permanent
    131026: (Outcome.RECIPIENT_PERMANENT, "undeliverable: not on WhatsApp or cannot receive"),
    131049: (Outcome.DEFERRED, "not delivered to keep ecosystem engagement healthy"),
    131050: (Outcome.RECIPIENT_PERMANENT, "recipient stopped marketing messages"),
    131021: (Outcome.RECIPIENT_PERMANENT, "recipient is the sender"),
    130472: (Outcome.RECIPIENT_PERMANENT, "recipient in a marketing experiment holdout"),
    131047: (Outcome.RECIPIENT_PERMANENT, "more than 24 hours since the user's last message"),
    130403: (Outcome.RECIPIENT_PERMANENT, "business blocked this user"),
    130497: (Outcome.RECIPIENT_PERMANENT, "business cannot message users in this country"),
    131062: (Outcome.RECIPIENT_PERMANENT, "BSUID recipient not supported for this message type"),
    131030: (Outcome.RECIPIENT_PERMANENT, "recipient not in the test number's allowed list"),
}
_PERMISSION_RANGE = range(200, 300)

RECIPIENT_CODES = frozenset({100, 131009})
"""Codes that are campaign-fatal unless the error is about the recipient number (`to`).

Meta uses 100/131009 for any bad parameter. When `error_data.details` (or the message) says the
*phone number* in `to` is invalid, only that contact's data is wrong, so only that send fails
(cloudapi.md §2: "if one contact's data caused it, fail only that send"). A *missing* `to` or a
bad phone-number *id* is our bug or config and stays fatal. Meta's generic
"Parameter Invalid" names nothing and stays fatal too: better stop than burn the list.
"""
_RECIPIENT_TEXT = re.compile(
    r"phone number|\brecipient\b|\bparam(?:eter)?\s+['\"`]?to\b|['\"`\[]to['\"`\]]",
    re.IGNORECASE,
)
_NOT_RECIPIENT_TEXT = re.compile(
    r"phone[ _-]?number[ _-]?id|\bis required\b|\bmissing\b", re.IGNORECASE
)


def about_recipient(text: str) -> bool:
    """True when an error text blames the recipient's number (the `to` value)."""
    return bool(_RECIPIENT_TEXT.search(text)) and not _NOT_RECIPIENT_TEXT.search(text)


def classify(
    code: int | None,
    http_status: int | None = None,
    *,
    text: str = "",
    is_transient: bool = False,
) -> Outcome:
    """The outcome for an error ``code``; ``http_status`` only decides when there is no code.

    ``text`` (`error_data.details` and `message`) only matters for :data:`RECIPIENT_CODES`;
    Graph's ``is_transient`` flag only for codes the table does not list.
    """
    if code is not None:
        if code in RECIPIENT_CODES and about_recipient(text):
            return Outcome.RECIPIENT_PERMANENT
        if code in ERROR_TABLE:
            return ERROR_TABLE[code][0]
        if code in _PERMISSION_RANGE:
            return Outcome.CAMPAIGN_FATAL
        if is_transient:
            return Outcome.TRANSIENT
    if http_status is not None:
        if http_status == 429:
            return Outcome.THROTTLED
        if http_status in (401, 403):
            return Outcome.CAMPAIGN_FATAL
        if http_status >= 500:
            return Outcome.TRANSIENT
    return Outcome.TRANSIENT if code is None else Outcome.CAMPAIGN_FATAL


def reason(code: int | None) -> str:
    """Short text for a code, for summaries and the panel."""
    if code is None:
        return "no error code"
    if code in ERROR_TABLE:
        return ERROR_TABLE[code][1]
    if code in _PERMISSION_RANGE:
        return "missing permission"
    return "unlisted error"


class CloudAPIError(Exception):
    """Any failure to get a success answer from the Cloud API."""

    outcome: Outcome = Outcome.TRANSIENT


class GraphError(CloudAPIError):
    """An error body from the Graph API. Never carries the access token."""

    def __init__(
        self,
        *,
        code: int | None,
        message: str,
        http_status: int | None,
        details: str | None = None,
        subcode: int | None = None,
        fbtrace_id: str | None = None,
        is_transient: bool = False,
    ) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        self.details = details
        self.subcode = subcode
        self.fbtrace_id = fbtrace_id
        self.is_transient = is_transient
        self.outcome = classify(
            code, http_status, text=f"{message} {details or ''}", is_transient=is_transient
        )
        trace = f" (fbtrace_id {fbtrace_id})" if fbtrace_id else ""
        extra = f": {details}" if details and details not in message else ""
        super().__init__(f"Graph API error {code}: {message}{extra}{trace}")

    def __repr__(self) -> str:
        return (
            f"GraphError(code={self.code!r}, outcome={self.outcome.value!r}, "
            f"http_status={self.http_status!r}, fbtrace_id={self.fbtrace_id!r})"
        )

    @property
    def reason(self) -> str:
        return reason(self.code)

    @classmethod
    def from_body(cls, body: Any, http_status: int | None) -> GraphError:
        """Parse a Graph error body (cloudapi.md §2); anything else becomes a code-less error."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(
                code=None,
                message=f"HTTP {http_status} without a Graph error body",
                http_status=http_status,
            )
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        return cls(
            code=_int_or_none(error.get("code")),
            message=str(error.get("message") or "no message"),
            http_status=http_status,
            details=str(details) if details is not None else None,
            subcode=_int_or_none(error.get("error_subcode")),
            fbtrace_id=str(error["fbtrace_id"]) if error.get("fbtrace_id") else None,
            is_transient=error.get("is_transient") is True,
        )


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


class UncertainError(CloudAPIError):
    """The request was written but no answer came: Meta may have accepted the message."""

    outcome = Outcome.UNCERTAIN
