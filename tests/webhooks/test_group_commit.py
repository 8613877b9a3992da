"""The webhook group commit: a body waiting for company is still written when the server stops."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from tests.engine.helpers import FakeClock
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import WebhookEvent
from wabroadcast.webhooks.group_commit import GroupCommit

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_closing_while_a_group_lingers_writes_it_and_returns(database: Database) -> None:
    intake = GroupCommit(database, FakeClock(), linger=0.5)
    stored = asyncio.create_task(intake.store('{"object": "x"}', "other"))
    await asyncio.sleep(0)  # the body is queued; the writer waits for company (the linger)
    await asyncio.sleep(0)
    async with asyncio.timeout(10):  # bounds the hang this guards against
        await intake.close()
        event_id = await stored
    with database.session() as session:
        ids = list(session.scalars(select(WebhookEvent.id)))
        assert ids == [event_id]
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
