"""Run a transaction again when the database chose it as the loser of a lock conflict.

PostgreSQL aborts one of two transactions that wait on each other's row locks (deadlock,
SQLSTATE 40P01) or that conflict under stricter isolation (serialization failure, 40001);
SQLite answers "database is locked" when its busy timeout ran out or a WAL snapshot went
stale. In every case the transaction was rolled back whole and simply trying it again is
right. The engine's answer writer and the webhook processor write the same send and campaign
rows within milliseconds of each other, so such a conflict must cost a retry, not a stopped
campaign.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
"""deadlock_detected, serialization_failure."""
_SQLITE_CONFLICT = ("database is locked", "database table is locked", "database is busy")


def is_deadlock(exc: BaseException) -> bool:
    """PostgreSQL chose this transaction as the loser of a deadlock or serialization conflict:
    it was rolled back at once, and trying again right away is cheap."""
    original = exc.orig if isinstance(exc, DBAPIError) else None
    return getattr(original, "sqlstate", None) in CONFLICT_SQLSTATES


def is_conflict(exc: BaseException) -> bool:
    """True when `exc` says the transaction lost a lock conflict and was rolled back: a
    PostgreSQL deadlock, or SQLite locked past its busy timeout (each try waits that long)."""
    if is_deadlock(exc):
        return True
    text = str(exc.orig).lower() if isinstance(exc, DBAPIError) else ""
    return any(phrase in text for phrase in _SQLITE_CONFLICT)


def retry_on_conflict(
    work: Callable[[], T],
    *,
    attempts: int = 4,
    pause: float = 0.05,
    what: str = "transaction",
    sleep: Callable[[float], None] = time.sleep,
    retryable: Callable[[BaseException], bool] = is_conflict,
) -> T:
    """Call `work` (one whole transaction) up to `attempts` times while it loses lock
    conflicts; waits a jittered, doubling pause in between. Other errors pass at once."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not retryable(exc):
                raise
            log.warning("%s lost a lock conflict (attempt %d), retrying: %s", what, attempt, exc)
            sleep(pause * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")  # the loop returns or raises
