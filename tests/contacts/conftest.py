from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"


class StepClock:
    """A clock that moves one second per reading, so each import has its own time."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current
