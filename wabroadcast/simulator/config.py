"""SimulatorConfig: every knob of the simulated Cloud API, with the real API's values as defaults.

The credentials come from the same Settings the app reads (`from_settings`), so client and
simulator agree on the token, the phone-number id and the WABA id without extra setup.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wabroadcast.cloudapi.client import SANDBOX_ACCESS_TOKEN
from wabroadcast.config import Settings, mask
from wabroadcast.simulator.templates import SimTemplate, default_templates

HOLD_OUTCOMES = ("release", "drop")
"""What becomes of held messages: sent on later, or dropped when the template is paused."""
MESSAGING_LIMIT_TIERS = ("TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED")
THROUGHPUT_LEVELS = ("STANDARD", "HIGH", "NOT_APPLICABLE")


def _digits(numbers: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset("".join(ch for ch in n if ch.isdigit()) for n in numbers)


@dataclass(frozen=True)
class SimulatorConfig:
    """Options of one simulated business number. Rates are shares in [0, 1]."""

    access_token: str = SANDBOX_ACCESS_TOKEN
    phone_number_id: str = "106540352242922"
    extra_phone_number_ids: tuple[str, ...] = ()  # more numbers of the WABA (PHONE_NUMBERS)
    waba_id: str = "102290129340398"
    app_secret: str | None = None
    display_phone_number: str = "15550783881"
    verified_name: str = "wabroadcast Simulator"
    quality_rating: str = "GREEN"
    throughput_level: str = "STANDARD"
    messaging_limit_tier: str = "TIER_10K"
    # Throughput: messages per second for the number (Meta: 80, or 1,000 when HIGH) → 130429.
    rate: float = 80.0
    burst: float | None = None  # bucket size; None = one second's worth of `rate`
    # Pair rate limit: 1 message per 6 s to one user, bursts up to 45 (cloudapi.md §3) → 131056.
    pair_interval: float = 6.0
    pair_burst: int = 45
    # Response latency in seconds: mean and uniform jitter (± jitter).
    latency: float = 0.150
    latency_jitter: float = 0.050
    # Failure injection.
    error_5xx_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0  # how long an injected timeout holds the response
    timeout_accepts: bool = True  # the hung request was accepted (the uncertain case)
    fail_131049_rate: float = 0.0  # marketing only: per-user marketing cap
    # a user capped before, sent marketing again ≥ 24 h later; None: fail_131049_rate
    fail_131049_again_rate: float | None = None
    fail_131050_rate: float = 0.0  # marketing only: user stopped marketing messages
    unreachable_rate: float = 0.0  # any template: 131026
    unreachable: frozenset[str] = frozenset()  # numbers that are not on WhatsApp → 131026
    opted_out: frozenset[str] = frozenset()  # numbers whose users reply STOP to marketing
    # Pacing (cloudapi.md §4): a share of template sends answered held_for_quality_assessment
    # (the others `accepted`); released → sent/delivered webhooks later, drop → the template
    # becomes PAUSED at the first held message, held messages fail with 132015 and later
    # sends of the template are refused with 132015.
    hold_rate: float = 0.0
    hold_outcome: str = "release"
    unknown_numbers_unreachable: bool = False  # well-formed but invalid numbers → 131026
    brazil_ninth_digit: bool = False  # wa_id of +55 mobiles drops the 9 (cloudapi.md §6)
    # Templates a BSUID `recipient` cannot get ("not supported for this message type") → 131062.
    bsuid_unsupported_templates: frozenset[str] = frozenset()
    # The business portfolio accepted the Marketing Messages API terms; false: every
    # POST /marketing_messages is refused the way Meta refuses it then.
    marketing_messages_terms_accepted: bool = True
    seed: int | None = None
    log_path: Path | None = None  # ground-truth JSONL of accepted messages
    page_size: int = 25  # message_templates page size when the request has no `limit`
    templates: tuple[SimTemplate, ...] = field(default_factory=lambda: tuple(default_templates()))

    def __post_init__(self) -> None:
        for name in ("unreachable", "opted_out"):
            object.__setattr__(self, name, _digits(getattr(self, name)))
        problems = self._problems()
        if problems:
            raise ValueError("invalid simulator option: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        problems = []
        for name in (
            "error_5xx_rate",
            "timeout_rate",
            "fail_131049_rate",
            "fail_131049_again_rate",
            "fail_131050_rate",
            "unreachable_rate",
            "hold_rate",
        ):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                problems.append(f"{name} must be between 0 and 1, got {value}")
        if self.rate <= 0:
            problems.append(f"rate must be positive, got {self.rate}")
        if self.burst is not None and self.burst < 1:
            problems.append(f"burst must be at least 1, got {self.burst}")
        if self.pair_interval <= 0 or self.pair_burst < 1:
            problems.append("pair_interval must be positive and pair_burst at least 1")
        if self.latency < 0 or self.latency_jitter < 0 or self.hang_seconds < 0:
            problems.append("latency, latency_jitter and hang_seconds must not be negative")
        if self.messaging_limit_tier not in MESSAGING_LIMIT_TIERS:
            problems.append(
                f"messaging_limit_tier must be one of {', '.join(MESSAGING_LIMIT_TIERS)}"
            )
        if self.throughput_level not in THROUGHPUT_LEVELS:
            problems.append(f"throughput_level must be one of {', '.join(THROUGHPUT_LEVELS)}")
        if self.hold_outcome not in HOLD_OUTCOMES:
            problems.append(f"hold_outcome must be one of {', '.join(HOLD_OUTCOMES)}")
        if self.page_size < 1:
            problems.append(f"page_size must be at least 1, got {self.page_size}")
        return problems

    def __repr__(self) -> str:
        """Never show the token or the app secret."""
        secret = mask(self.app_secret) if self.app_secret else None
        return (
            f"SimulatorConfig(phone_number_id={self.phone_number_id!r}, waba_id={self.waba_id!r}, "
            f"access_token={mask(self.access_token)!r}, app_secret={secret!r}, rate={self.rate}, "
            f"seed={self.seed!r}, log_path={self.log_path!r})"
        )

    __str__ = __repr__

    @property
    def bucket_size(self) -> float:
        return self.burst if self.burst is not None else max(1.0, self.rate)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> SimulatorConfig:
        """The simulator for the number the app is configured for; `overrides` win.

        With no token (sandbox mode) both sides use :data:`SANDBOX_ACCESS_TOKEN`.
        """
        token = settings.whatsapp_access_token
        secret = settings.whatsapp_app_secret
        values: dict[str, Any] = {
            "access_token": token.get_secret_value() if token else SANDBOX_ACCESS_TOKEN,
            "phone_number_id": settings.phone_number_id,
            "waba_id": settings.waba_id,
            "app_secret": secret.get_secret_value() if secret else None,
        }
        values.update(overrides)
        return cls(**values)

    @property
    def phone_number_ids(self) -> frozenset[str]:
        return frozenset((self.phone_number_id, *self.extra_phone_number_ids))

    def replace(self, **changes: Any) -> SimulatorConfig:
        return dataclasses.replace(self, **changes)
