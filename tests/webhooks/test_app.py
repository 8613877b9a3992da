"""The webhook through the real app: no panel login in front of Meta's calls."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from tests.webhooks.conftest import VERIFY_TOKEN, FixedClock, Hook, load_fixture
from wabroadcast.app import create_app
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.anyio


async def test_real_app_verifies_and_receives_without_login(
    wh_settings: Settings, database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    app = create_app(wh_settings, database=database, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        params = {
            "hub.mode": "subscribe",
            "hub.challenge": "c-77",
            "hub.verify_token": VERIFY_TOKEN,
        }
        challenge = await client.get("/webhook", params=params)
        assert (challenge.status_code, challenge.text) == (200, "c-77")
        hook = Hook(client, database)
        response = await hook.post(load_fixture("status_read"))
        assert response.status_code == 200, response.text
        forged = await hook.post(load_fixture("status_sent"), secret="wrong")
        assert forged.status_code == 403
    with database.session() as session:
        assert session.scalar(select(Send.status).where(Send.id == seeded["send"])) == "read"
    assert hook.raw_count() == 1
