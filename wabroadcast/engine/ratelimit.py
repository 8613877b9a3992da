"""A token bucket at SEND_RATE, shared by every in-flight request of one sender.

It hands out send slots spaced 1/rate apart (GCRA form: one number, no timer task). A waiter
that wakes late may catch up for at most `catch_up` seconds of slots, so the long-run average
stays at the rate while short asyncio delays are not lost. `hold()` is the engine-wide backoff
for Cloud API 130429 ("number's throughput exceeded"): every later slot moves past it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class TokenBucket:
    def __init__(
        self,
        rate: float,
        *,
        now: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        catch_up: float = 0.05,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._now = now
        self._sleep = sleep
        self._catch_up = max(catch_up, self._interval)
        self._next = float("-inf")
        self._held_until = float("-inf")

    def set_rate(self, rate: float) -> None:
        """Change the rate from the next slot on (a throughput upgrade during a run)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._catch_up = max(self._catch_up, self._interval)

    async def acquire(self) -> None:
        """Wait for this caller's slot. Slots are assigned in call order."""
        now = self._now()
        slot = max(self._next, now - self._catch_up, self._held_until)
        self._next = slot + self._interval
        if slot > now:
            await self._sleep(slot - now)

    def hold(self, seconds: float) -> None:
        """No slot before now + seconds (throttled by Meta: everyone backs off)."""
        until = self._now() + seconds
        self._held_until = max(self._held_until, until)
        self._next = max(self._next, until)

    @property
    def held_until(self) -> float:
        return self._held_until
