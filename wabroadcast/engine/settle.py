"""Settling a run's claims when it is interrupted (server shutdown, Ctrl-C, a database error).

A claim a run holds is in one of two conditions when the run is cut off:

* its request was never made, or Meta refused every attempt: nothing reached the person, so
  the claim is **released** (row deleted) and a later run or campaign may send the pair;
* its request is in flight (written, no answer yet): Meta may have accepted it, so it becomes
  **`unknown`** and is counted, never re-sent automatically.

Without this the claims stayed `claimed`, uncounted, until the 15-minute crash rule settled
them, and a campaign resumed in between showed `completed` with sends still `claimed`.
The writes must happen before the cancellation goes on (the event loop may close right
after), yet a shutdown must not hang on a dead database: :func:`wait_through_cancellation`
waits for them, ignoring further cancellation, for at most a bounded time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from wabroadcast.storage.sends import Claim

SETTLE_TIMEOUT = 10.0
"""Seconds an interrupted run waits for its last writes before the interruption goes on."""


@dataclass
class HeldClaims:
    """The claims a run holds, from its claim transaction until their answer is recorded."""

    claims: dict[int, Claim] = field(default_factory=dict)
    requesting: dict[int, int] = field(default_factory=dict)
    """send id → attempt, from just before a request until Meta answered it. A request cut
    off (cancelled, crashed) stays here: it may have reached Meta."""

    def take(self, claims: Iterable[Claim]) -> None:
        self.claims.update((claim.send_id, claim) for claim in claims)

    def requested(self, send_id: int, attempt: int) -> None:
        self.requesting[send_id] = attempt

    def answered(self, send_id: int) -> None:
        """Meta answered (accepted or refused): whatever happens next, it is known."""
        self.requesting.pop(send_id, None)

    def finish(self, send_id: int) -> bool:
        """Hand over one claim's final answer; False if it was already settled."""
        self.requesting.pop(send_id, None)
        return self.claims.pop(send_id, None) is not None

    def settle(self) -> tuple[list[int], list[tuple[int, int]]]:
        """Give up every held claim: (never requested, [(in flight, attempt)])."""
        unsent = [i for i in self.claims if i not in self.requesting]
        in_flight = [(i, self.requesting[i]) for i in self.claims if i in self.requesting]
        self.claims.clear()
        self.requesting.clear()
        return unsent, in_flight


async def wait_through_cancellation(task: asyncio.Future[None], seconds: float) -> bool:
    """Wait up to `seconds` for `task` even if this task is cancelled meanwhile (again, or
    repeatedly as anyio cancel scopes do); True if it finished. The caller re-raises."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        try:
            await asyncio.wait({task}, timeout=remaining)
        except asyncio.CancelledError:
            continue
    return True
