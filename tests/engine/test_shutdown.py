"""Stopping the server mid-campaign (its run_campaign task is cancelled) leaves no `claimed`.

Claims never requested are released, requests cut off in flight become `unknown` and are
counted, all written before the cancellation goes on; a resumed run then completes the
campaign without re-sending any of them.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import select

from tests.engine.helpers import FakeClock, add_contacts, make_settings, sent_pairs, sim_config
from tests.engine.test_concurrent_runs import client_on
from tests.engine.test_sender import new_campaign
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import EngineOptions, run_campaign, summary_of
from wabroadcast.simulator import create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.anyio


class HangAfter:
    """Passes the first `passing` message sends, then holds every later one until cancelled,
    like a Cloud API that stopped answering while the server shuts down."""

    def __init__(self, app: Any, passing: int) -> None:
        self.app = app
        self.passing = passing
        self.hanging: list[str] = []
        self.hung = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/messages"):
            if self.passing <= 0:
                body = (await receive())["body"]
                self.hanging.append(body.decode())
                if len(self.hanging) >= 3:
                    self.hung.set()
                await asyncio.Event().wait()  # forever, until cancelled
            self.passing -= 1
        await self.app(scope, receive, send)


def states(database: Database, campaign_id: int) -> Counter[str]:
    with database.session() as session:
        query = select(Send.state).where(Send.campaign_id == campaign_id)
        return Counter(session.scalars(query))


@pytest.mark.parametrize("how", ["task_cancel", "cancel_scope"])
async def test_cancelled_run_releases_unsent_claims_and_counts_cut_off_requests(
    database: Database, how: str
) -> None:
    clock = FakeClock()
    add_contacts(database, 60)
    settings = make_settings(database, DAILY_RECIPIENT_LIMIT="1000")
    campaign_id = new_campaign(database, clock, 60)
    options = EngineOptions(batch_size=15)
    config = sim_config()
    app = create_simulator(config, clock=clock, monotonic=clock.monotonic)
    layer = HangAfter(app, passing=8)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=layer)) as http:
        client = client_on(http, config)
        run = run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=options,
        )
        if how == "task_cancel":  # what a server's lifespan does with its background runs
            task = asyncio.ensure_future(run)
            await asyncio.wait_for(layer.hung.wait(), 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:  # anyio re-cancels at every await inside the scope until it exits
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(lambda: run)
                    await asyncio.wait_for(layer.hung.wait(), 10)
                    scope.cancel()
            assert scope.cancelled_caught
    after = states(database, campaign_id)
    assert set(after) == {SendState.ACCEPTED, SendState.UNKNOWN}  # nothing left `claimed`
    assert after[SendState.ACCEPTED] == 8
    cut_off = after[SendState.UNKNOWN]  # requests the engine had started when cut off
    assert cut_off >= len(layer.hanging) >= 3
    unknown = unknown_phones(database, campaign_id)
    assert {to_of(body) for body in layer.hanging} <= unknown
    stopped = summary_of(database, campaign_id)
    assert (stopped.accepted, stopped.unknown, stopped.selected) == (8, cut_off, 8 + cut_off)
    assert stopped.state == CampaignState.RUNNING  # cut off, not finished: resume continues

    # resumed at once (no 15-minute wait): the rest is sent, nothing cut off is sent again
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        final = await run_campaign(
            campaign_id,
            database=database,
            client=client_on(http, config),
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=options,
        )
    assert final.state == CampaignState.COMPLETED
    assert (final.accepted, final.unknown, final.selected) == (60 - cut_off, cut_off, 60)
    assert states(database, campaign_id) == {
        SendState.ACCEPTED: 60 - cut_off,
        SendState.UNKNOWN: cut_off,
    }
    pairs = sent_pairs(app.state.simulator)
    assert len(pairs) == 60 - cut_off and max(pairs.values()) == 1
    assert not {wa for _, wa in pairs} & unknown  # a request cut off is never re-sent


def to_of(body: str) -> str:
    return str(json.loads(body)["to"]).lstrip("+")


def unknown_phones(database: Database, campaign_id: int) -> set[str]:
    with database.session() as session:
        query = select(Send.phone).where(
            Send.campaign_id == campaign_id, Send.state == SendState.UNKNOWN
        )
        return {phone.lstrip("+") for phone in session.scalars(query)}
