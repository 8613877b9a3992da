"""Cloud API 131048 / 131064 pause the campaign (a person resumes later) instead of aborting it.

Neither code is produced by the simulator, so the real simulator is put behind a small ASGI
layer that answers the real Graph error body after a number of accepted sends; the real
client parses it over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.engine.helpers import (
    FakeClock,
    add_contacts,
    make_settings,
    phone,
    sends_by_state,
    sent_pairs,
    sim_config,
    wa_id,
)
from tests.engine.test_sender import new_campaign
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import EngineOptions, resume_campaign, run_campaign
from wabroadcast.simulator import Simulator, create_simulator
from wabroadcast.storage.db import Database

pytestmark = pytest.mark.anyio

ERRORS = {
    131048: "Spam rate limit hit",
    131064: "Messaging limit hit for template miscategorization",
}


class RefusingAfter:
    """Passes message sends to the simulator until `allowed` went through, then answers
    HTTP 400 with the Graph error body of `code` (as cloudapi.md §2 shows it)."""

    def __init__(self, app: Any, *, allowed: int, code: int) -> None:
        self.app = app
        self.allowed = allowed
        self.code = code
        self.refused = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        is_send = scope["type"] == "http" and scope["path"].endswith("/messages")
        if is_send and self.allowed <= 0:
            self.refused += 1
            body = {
                "error": {
                    "message": f"({self.code}) {ERRORS[self.code]}",
                    "type": "OAuthException",
                    "code": self.code,
                    "error_data": {"messaging_product": "whatsapp", "details": "try later"},
                    "fbtrace_id": "AtEsTtRaCe",
                }
            }
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": json.dumps(body).encode()})
            return
        if is_send:
            self.allowed -= 1
        await self.app(scope, receive, send)


@asynccontextmanager
async def refusing_client(
    clock: FakeClock, *, allowed: int, code: int
) -> AsyncIterator[tuple[CloudAPIClient, Simulator, RefusingAfter]]:
    config = sim_config()
    app = create_simulator(config, clock=clock, monotonic=clock.monotonic)
    layer = RefusingAfter(app, allowed=allowed, code=code)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=layer)) as http:
        client = CloudAPIClient(
            http,
            base_url="http://graph.simulator",
            version="v25.0",
            phone_number_id=config.phone_number_id,
            waba_id=config.waba_id,
            access_token=config.access_token,
        )
        yield client, app.state.simulator, layer


@pytest.mark.parametrize("code", [131048, 131064])
async def test_spam_and_miscategorisation_limits_pause_then_resume_sends_the_rest(
    database: Database, code: int
) -> None:
    clock = FakeClock()
    add_contacts(database, 30)
    settings = make_settings(database, DAILY_RECIPIENT_LIMIT="1000")
    campaign_id = new_campaign(database, clock, 30)
    options = EngineOptions(batch_size=8)
    async with refusing_client(clock, allowed=10, code=code) as (client, simulator, layer):
        paused = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=options,
        )
        assert paused.state == CampaignState.PAUSED
        assert paused.error is not None
        assert f"Cloud API error {code}" in paused.error and "resume" in paused.error
        assert layer.refused >= 1
        # the refused send reached nobody: released, not failed, and its contact stays eligible
        assert paused.accepted == 10 and paused.selected == 10 and paused.failed == 0
        assert sends_by_state(database, campaign_id) == {SendState.ACCEPTED: 10}

        layer.allowed = 1000  # Meta lifted the limit; a person resumes the campaign
        with database.session() as session:
            resume_campaign(session, campaign_id, clock)
        done = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=options,
        )
    assert done.state == CampaignState.COMPLETED and done.error is None
    assert done.accepted == 30
    pairs = sent_pairs(simulator)
    assert max(pairs.values()) == 1
    assert sorted(wa for _, wa in pairs) == sorted(wa_id(phone(i)) for i in range(1, 31))
