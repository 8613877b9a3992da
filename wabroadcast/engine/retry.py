"""Backoff for retryable Cloud API answers: exponential, jittered, bounded.

Jitter keeps many in-flight requests that failed together from retrying together. Bounds keep
every claim's life well inside the in-flight window (limits.STALE_CLAIM_AFTER), after which a
crashed sender's claims are treated as `unknown`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    """Requests per send for transient and throttling errors, the first one included."""
    base_delay: float = 0.5
    max_delay: float = 30.0
    throttle_delay: float = 2.0
    """First engine-wide pause after 130429; doubles while throttling continues."""
    throttle_max_delay: float = 60.0
    pair_limit_attempts: int = 3
    """Cloud API 131056: retry that recipient after 4^X seconds (X = 1, 2, …)."""

    def transient_delay(self, attempt: int, rng: random.Random) -> float:
        """Equal jitter: between half and all of base × 2^(attempt-1), capped."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(attempt - 1, 0))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    def throttle_pause(self, streak: int, rng: random.Random) -> float:
        """Engine-wide pause for the `streak`-th throttling answer in a row."""
        ceiling = min(self.throttle_max_delay, self.throttle_delay * 2.0 ** max(streak - 1, 0))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    def pair_delay(self, attempt: int, rng: random.Random) -> float:
        """4^attempt seconds, as Meta documents for the pair rate limit, plus up to 10 %."""
        base = 4.0 ** max(attempt, 1)
        return base + rng.uniform(0, base / 10)

    def worst_case_seconds(self) -> float:
        """Longest a send can spend retrying; must stay below the stale-claim window."""
        transient = sum(self.max_delay for _ in range(self.max_attempts))
        throttle = self.throttle_max_delay * self.max_attempts
        pair = sum(4.0**i * 1.1 for i in range(1, self.pair_limit_attempts + 1))
        return transient + throttle + pair
