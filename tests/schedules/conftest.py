"""Helpers for schedule tests: a clock the test moves, and contact lists of any size."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact


class FakeClock:
    """A clock that only moves when the test (or the injected sleep) moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def set(self, instant: datetime) -> None:
        self.current = instant

    async def sleep(self, seconds: float) -> None:
        """Virtual time: concurrent sleepers end at the latest of their wake-up times."""
        target = self.current + timedelta(seconds=max(seconds, 0.0))
        await asyncio.sleep(0)
        self.current = max(self.current, target)


def add_contacts(database: Database, count: int, *, start: int = 0) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "phone": f"+90532{start + i:07d}",
            "name": f"Kişi {start + i}",
            "index": start + i,
            "attributes": {"city": "İzmir"},
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    with database.session() as session:
        session.execute(insert(Contact), rows)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
