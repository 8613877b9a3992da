"""WebhookConfig: who signs the simulator's webhooks, what they report and how they are sent.

Its own module so that the planner (webhook_plan.py) and the emitter (callbacks.py) both
import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wabroadcast.simulator.config import SimulatorConfig

Delay = tuple[float, float]
"""A uniform range of seconds, ``(low, high)``."""


@dataclass(frozen=True)
class RetryPolicy:
    """When a POST that did not get a 200 is tried again.

    Meta retries "immediately, then with decreasing frequency" for up to 7 days and then drops
    the update; tests shrink the delays and cap the attempts so they end quickly.
    """

    first_delay: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 15 * 60.0
    max_attempts: int | None = None
    max_elapsed: float = 7 * 24 * 3600.0

    def next_delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed try."""
        return float(min(self.max_delay, self.first_delay * self.multiplier ** (attempts - 1)))

    def gives_up(self, attempts: int, elapsed: float) -> bool:
        if self.max_attempts is not None and attempts >= self.max_attempts:
            return True
        return elapsed + self.next_delay(attempts) > self.max_elapsed


_RATES = (
    "stop_at_sent",
    "stop_at_delivered",
    "instant_read_rate",
    "reply_rate",
    "button_reply_share",
    "duplicate_rate",
    "reorder_rate",
)


@dataclass(frozen=True)
class WebhookConfig:
    """Who signs, what gets reported and how it is delivered. Rates are shares in [0, 1]."""

    app_secret: str = field(repr=False)
    waba_id: str
    phone_number_id: str
    display_phone_number: str = "15550783881"
    seed: int = 0
    stop_at_sent: float = 0.03
    """Share of delivered-to-Meta messages whose last status is ``sent`` (phone off, say)."""
    stop_at_delivered: float = 0.30
    """Share whose last status is ``delivered`` (never opened); the rest are ``read``."""
    instant_read_rate: float = 0.0
    """Share of read messages whose ``delivered`` is skipped (read at once; pricing on read)."""
    reply_rate: float = 0.05
    """Share of read messages that get a reply (text or quick-reply tap)."""
    button_reply_share: float = 0.5
    """Share of replies that are quick-reply taps rather than typed text."""
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    """Share of messages whose updates are delivered in reverse order."""
    max_batch: int = 100
    concurrency: int = 4
    """POSTs in flight at once. Meta delivers in parallel, so two POSTs about one message may
    be processed by the receiver at the same time."""
    batch_window: float = 0.0
    """Seconds ahead of schedule an update may leave to share a POST with earlier ones."""
    sent_delay: Delay = (0.2, 1.0)
    delivered_delay: Delay = (0.3, 3.0)
    read_delay: Delay = (2.0, 20.0)
    reply_delay: Delay = (3.0, 30.0)
    duplicate_delay: Delay = (0.5, 5.0)
    timeout: float = 10.0
    retry: RetryPolicy = RetryPolicy()

    def __post_init__(self) -> None:
        for name in _RATES:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.stop_at_sent + self.stop_at_delivered > 1.0:
            raise ValueError("stop_at_sent + stop_at_delivered must not exceed 1")
        if not 1 <= self.max_batch <= 1000:
            raise ValueError("max_batch must be between 1 and 1000 (Meta batches up to 1,000)")
        if not 1 <= self.concurrency <= 100:
            raise ValueError("concurrency must be between 1 and 100")
        for name in (
            "sent_delay",
            "delivered_delay",
            "read_delay",
            "reply_delay",
            "duplicate_delay",
        ):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} must be (low, high) with 0 <= low <= high")

    @classmethod
    def for_simulator(cls, config: SimulatorConfig, **overrides: Any) -> WebhookConfig:
        """Sign and address webhooks for the number ``config`` simulates; ``overrides`` win."""
        if not config.app_secret and "app_secret" not in overrides:
            raise ValueError("an app secret (WHATSAPP_APP_SECRET) is needed to sign webhooks")
        values: dict[str, Any] = {
            "app_secret": config.app_secret,
            "waba_id": config.waba_id,
            "phone_number_id": config.phone_number_id,
            "display_phone_number": config.display_phone_number,
            "seed": config.seed or 0,
        }
        values.update(overrides)
        return cls(**values)
