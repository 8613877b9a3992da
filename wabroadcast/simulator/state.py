"""The simulated business number: limits, fates, the ground-truth log and its subscribers.

Every accepted message is recorded (in memory and, when configured, one JSONL line flushed per
message so a killed simulator loses nothing) with the *fate* Meta would give it later: delivered,
failed with an async code (131026 unreachable, 131049 marketing cap, 131050 stopped marketing,
131047 no service window for a text), or delivered and answered with STOP. Subscribers — the
webhook emitter — are told of each accepted message and turn its fate into status webhooks.
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import phonenumbers

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.domain.bsuid import is_bsuid
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.graph import SimError, make_fbtrace_id, make_wamid
from wabroadcast.simulator.limits import PairLimiter, TokenBucket
from wabroadcast.simulator.templates import TemplateStore
from wabroadcast.simulator.validate import SendRequest

log = logging.getLogger(__name__)

SERVICE_WINDOW = timedelta(hours=24)
MARKETING_CAP_WAIT = timedelta(hours=24)
"""Meta: after 131049 wait at least 24 h before sending that user marketing again; a resend
sooner is capped again."""
HELD = "held_for_quality_assessment"
TEMPLATE_PAUSED = 132015


class Fate(StrEnum):
    """What happens to an accepted message after the HTTP 200."""

    DELIVERED = "delivered"  # sent → delivered (→ read, as the emitter decides)
    FAILED = "failed"  # an async `failed` status with `error_code`
    OPT_OUT = "opt_out"  # delivered, then the user replies STOP (and stops marketing)


@dataclass(frozen=True)
class AcceptedMessage:
    """One message the simulated Meta accepted: the ground truth of what went out."""

    message_id: str
    to: str  # the request's `to`, echoed as contacts[].input
    wa_id: str
    kind: str  # "template" or "text"
    template: str | None
    language: str | None
    category: str | None  # MARKETING, UTILITY, AUTHENTICATION; None for text
    callback_data: str | None
    at: datetime
    fate: Fate
    error_code: int | None = None  # set when fate is FAILED
    quick_replies: tuple[str, ...] = ()  # the template's quick-reply button texts
    text: str | None = None  # body of a text message
    components: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    held: bool = False  # answered held_for_quality_assessment (a template under pacing)
    paced: bool = False  # the template is under pacing: the answer carries message_status

    @property
    def message_status(self) -> str | None:
        """`messages[0].message_status` of the send answer: only for templates under pacing."""
        if not self.paced:
            return None
        return HELD if self.held else "accepted"

    endpoint: str = "messages"  # or "marketing_messages" (the Marketing Messages API)

    def log_line(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "endpoint": self.endpoint,
            "to": self.to,
            "template": self.template,
            "language": self.language,
            "at": self.at.isoformat(),
            "wa_id": self.wa_id,
            "fate": str(self.fate),
            "error_code": self.error_code,
            "held": self.held,
        }


Subscriber = Callable[[AcceptedMessage], Awaitable[None] | None]


class Simulator:
    """State of one simulated number, shared by all requests of one app."""

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.monotonic = monotonic
        self.templates = TemplateStore(list(config.templates))
        self.accepted: list[AcceptedMessage] = []
        self.rng = random.Random(config.seed)
        self._seed = config.seed if config.seed is not None else self.rng.getrandbits(64)
        self._throughput = TokenBucket.full(config.rate, config.bucket_size, monotonic())
        self._pairs = PairLimiter(config.pair_interval, config.pair_burst)
        self._subscribers: list[Subscriber] = []
        self.stopped_marketing: set[str] = set()  # wa_ids that replied STOP
        self._inbound: dict[str, datetime] = {}  # wa_id → last inbound message (service window)
        self._capped: dict[str, tuple[int, datetime]] = {}  # wa_id → (times capped, last time)
        self.counters: dict[str, int] = {"requests": 0, "accepted": 0, "errors": 0}
        self._country_code = _country_code(config.display_phone_number)

    def __repr__(self) -> str:
        return f"Simulator({self.config!r}, accepted={len(self.accepted)})"

    # -- subscribers ---------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(message)`` for each accepted message; returns an unsubscribe function.

        The callback runs inside the request (before the HTTP answer), so it must be quick:
        enqueue, don't send. An async callback is awaited.
        """
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def _announce(self, message: AcceptedMessage) -> None:
        for callback in list(self._subscribers):
            try:
                result = callback(message)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a broken subscriber must not turn an accepted send into a 500
                log.exception("simulator subscriber failed for %s", message.message_id)

    # -- inbound & opt-outs (used by the webhook emitter) ----------------------------------

    def note_inbound(self, wa_id: str, at: datetime | None = None) -> None:
        """A user wrote to the business: opens the 24 h customer-service window."""
        self._inbound[wa_id] = at or self.clock.now()

    def note_stop(self, wa_id: str) -> None:
        """A user stopped marketing messages: later marketing templates fail with 131050."""
        self.stopped_marketing.add(wa_id)

    def note_resume(self, wa_id: str) -> None:
        self.stopped_marketing.discard(wa_id)

    # -- per-request checks ----------------------------------------------------------------

    def check_token(self, authorization: str | None) -> None:
        """190 / HTTP 401 for a missing or wrong `Authorization: Bearer` token."""
        scheme, _, token = (authorization or "").partition(" ")
        expected = self.config.access_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
            raise SimError(190, "Invalid OAuth 2.0 Access Token", http_status=401)

    def fbtrace_id(self) -> str:
        return make_fbtrace_id(self.rng)

    def roll(self, share: float) -> bool:
        """A seeded coin flip for failure injection (5xx, timeouts)."""
        return share > 0 and self.rng.random() < share

    def latency(self) -> float:
        jitter = self.config.latency_jitter
        if self.config.latency <= 0 and jitter <= 0:
            return 0.0
        return max(0.0, self.config.latency + self.rng.uniform(-jitter, jitter))

    def recipient(self, to: str) -> str:
        """The wa_id for a `to`, or 100/131009 for a malformed number (cloudapi.md §6).

        `+`, spaces, hyphens and parentheses are allowed; without `+` the business number's
        country code is prepended; +55 mobiles lose their ninth digit in `wa_id`.
        """
        stripped = to.strip()
        plus = stripped.startswith("+")
        digits = "".join(ch for ch in stripped if ch.isdigit())
        if any(not (ch.isdigit() or ch in "+-() ") for ch in stripped) or "+" in stripped[1:]:
            raise SimError(100, f"Parameter 'to' is not a valid phone number: {to!r}")
        if not plus:
            digits = self._country_code + digits
        if not 8 <= len(digits) <= 15:
            raise SimError(131009, f"Recipient phone number in 'to' is not valid: {to!r}")
        brazil_mobile = len(digits) == 13 and digits[:2] == "55" and digits[4] == "9"
        if self.config.brazil_ninth_digit and brazil_mobile:
            digits = digits[:4] + digits[5:]
        return digits

    def reconfigure(self, **changes: Any) -> None:
        """Change the simulated number as an account event says (account_events.py); a new
        `rate` starts a full bucket at that rate."""
        self.config = replace(self.config, **changes)
        self._throughput = TokenBucket.full(
            self.config.rate, self.config.bucket_size, self.monotonic()
        )

    def take_throughput(self) -> None:
        if not self._throughput.take(self.monotonic()):
            raise SimError(130429, "Cloud API message throughput has been reached.")

    def take_pair(self, wa_id: str) -> None:
        if not self._pairs.take(wa_id, self.monotonic()):
            raise SimError(
                131056,
                "Message failed to send because there were too many messages sent from this "
                "phone number to the same phone number in a short period of time.",
            )

    # -- accepting ---------------------------------------------------------------------------

    async def accept(
        self, request: SendRequest, wa_id: str, endpoint: str = "messages"
    ) -> AcceptedMessage:
        """Record the message as sent, decide its fate, log it and tell the subscribers."""
        template = request.template
        fate, code = self._fate(request, wa_id)
        held = template is not None and self._held(request, wa_id)
        if held and self.config.hold_outcome == "drop":
            fate, code = Fate.FAILED, TEMPLATE_PAUSED
        message = AcceptedMessage(
            message_id=make_wamid(wa_id, self.rng),
            to=request.to,
            wa_id=wa_id,
            kind=request.kind,
            template=template.name if template else None,
            language=template.language if template else None,
            category=template.category if template else None,
            callback_data=request.callback_data,
            at=self.clock.now(),
            fate=fate,
            error_code=code,
            quick_replies=tuple(template.quick_reply_texts()) if template else (),
            text=request.text,
            components=tuple(request.components),
            held=held,
            paced=template is not None and self.config.hold_rate > 0,
            endpoint=endpoint,
        )
        if held and template is not None and self.config.hold_outcome == "drop":
            # The quality assessment went badly: Meta pauses the template, every held message
            # fails with 132015 (the emitter reports it) and later sends are refused.
            self.templates.set_status(template.name, template.language, "PAUSED")
        if fate is Fate.OPT_OUT:
            self.note_stop(wa_id)
        self.accepted.append(message)
        self.counters["accepted"] += 1
        self._write_log(message)
        await self._announce(message)
        return message

    def _fate(self, request: SendRequest, wa_id: str) -> tuple[Fate, int | None]:
        """Seeded per (recipient, template) so the fate does not depend on request order."""
        config = self.config
        template = request.template
        key = f"{self._seed}:{wa_id}:{template.name if template else 'text'}"
        key += f":{template.language if template else ''}"
        rng = random.Random(key)
        marketing = template is not None and template.category == "MARKETING"
        if wa_id in config.unreachable or rng.random() < config.unreachable_rate:
            return Fate.FAILED, 131026
        if config.unknown_numbers_unreachable and not is_bsuid(wa_id) and not _valid_number(wa_id):
            return Fate.FAILED, 131026
        if template is None:
            opened = self._inbound.get(wa_id)
            if opened is None or self.clock.now() - opened > SERVICE_WINDOW:
                return Fate.FAILED, 131047
            return Fate.DELIVERED, None
        if marketing and wa_id in self.stopped_marketing:
            return Fate.FAILED, 131050
        if marketing and self._capped_now(wa_id, key, rng.random()):
            return Fate.FAILED, 131049
        if marketing and rng.random() < config.fail_131050_rate:
            return Fate.FAILED, 131050
        if marketing and wa_id in config.opted_out:
            return Fate.OPT_OUT, None
        return Fate.DELIVERED, None

    def _capped_now(self, wa_id: str, key: str, first_draw: float) -> bool:
        """Per-user marketing cap (131049). A user's first marketing send is capped with
        fail_131049_rate (drawn from the send's seeded fate); a resend within 24 h of a cap
        is capped again; a later one with fail_131049_again_rate (default the same rate),
        drawn afresh for each time the user was capped before."""
        config, now = self.config, self.clock.now()
        times, last = self._capped.get(wa_id, (0, None))
        if last is not None and now - last < MARKETING_CAP_WAIT:
            capped = True
        elif times == 0:
            capped = first_draw < config.fail_131049_rate
        else:
            again = config.fail_131049_again_rate
            rate = config.fail_131049_rate if again is None else again
            capped = random.Random(f"{key}:capped:{times}").random() < rate
        if capped:
            self._capped[wa_id] = (times + 1, now)
        return capped

    def _held(self, request: SendRequest, wa_id: str) -> bool:
        """Seeded per (recipient, template), apart from the fate's draws so that a hold rate
        leaves the other fates of a seed as they were."""
        template = request.template
        if template is None or self.config.hold_rate <= 0:
            return False
        key = f"{self._seed}:{wa_id}:{template.name}:{template.language}:hold"
        return random.Random(key).random() < self.config.hold_rate

    def _write_log(self, message: AcceptedMessage) -> None:
        """Append one line and close: the line is in the OS before the HTTP 200 goes out."""
        if self.config.log_path is None:
            return
        with self.config.log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(message.log_line(), ensure_ascii=False) + "\n")


def _country_code(display_phone_number: str) -> str:
    digits = "".join(ch for ch in display_phone_number if ch.isdigit())
    try:
        return str(phonenumbers.parse("+" + digits).country_code)
    except phonenumbers.NumberParseException:
        return "1"


def _valid_number(wa_id: str) -> bool:
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse("+" + wa_id)))
    except phonenumbers.NumberParseException:
        return False
