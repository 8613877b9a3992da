"""Token buckets for the number's throughput (130429) and the per-user pair limit (131056).

Meta allows a number `rate` messages per second and one user 1 message per 6 s with bursts of
up to 45 that borrow future quota (cloudapi.md §3). Both are token buckets: the bucket holds
`size` tokens and refills `rate` tokens per second; a send takes one token or is refused.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    size: float  # most tokens the bucket holds (the burst)
    tokens: float
    updated: float  # monotonic seconds of the last refill

    @classmethod
    def full(cls, rate: float, size: float, now: float) -> TokenBucket:
        return cls(rate=rate, size=size, tokens=size, updated=now)

    def take(self, now: float) -> bool:
        """Take one token if there is one (refilling for the time passed first)."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.size, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class PairLimiter:
    """One bucket per recipient wa_id: 1 message / `interval` s, bursts up to `burst`."""

    def __init__(self, interval: float, burst: int) -> None:
        self.rate = 1.0 / interval
        self.burst = float(burst)
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, wa_id: str, now: float) -> bool:
        bucket = self._buckets.get(wa_id)
        if bucket is None:
            bucket = self._buckets[wa_id] = TokenBucket.full(self.rate, self.burst, now)
        return bucket.take(now)
