"""Two runs of one campaign: the run that finishes first must not cut the other one short.

Found as a flaky `test_two_senders_with_separate_databases_send_no_pair_twice`: the first run
to finish marked the campaign `completed`; the other run, still holding claims, read that
state at its next claim, took it for a stop and released what it held, so those contacts were
never sent. Here the order is forced: run A holds claims while its first request is held up,
run B claims the rest and finishes, then A is let go.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.engine.helpers import FakeClock, add_contacts, make_settings, sent_pairs, sim_config
from tests.engine.test_sender import new_campaign
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import EngineOptions, run_campaign
from wabroadcast.simulator import SimulatorConfig, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.anyio


class HeldUntil:
    """Holds every message send until `release` is set; `waiting` says one arrived."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.release = asyncio.Event()
        self.waiting = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/messages"):
            self.waiting.set()
            await self.release.wait()
        await self.app(scope, receive, send)


def client_on(http: httpx.AsyncClient, config: SimulatorConfig) -> CloudAPIClient:
    return CloudAPIClient(
        http,
        base_url="http://graph.simulator",
        version="v25.0",
        phone_number_id=config.phone_number_id,
        waba_id=config.waba_id,
        access_token=config.access_token,
    )


def claimed(database: Database) -> int:
    with database.session() as session:
        query = select(func.count()).select_from(Send).where(Send.state == SendState.CLAIMED)
        return session.scalar(query) or 0


async def wait_for_claims(database: Database, count: int) -> None:
    deadline = time.monotonic() + 60  # bounds a broken run; a busy machine needs the room
    while time.monotonic() < deadline:
        if await asyncio.to_thread(claimed, database) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"run A never held {count} claims")


async def test_a_run_finishing_first_does_not_make_the_other_release_its_claims(
    database: Database,
) -> None:
    clock = FakeClock()
    add_contacts(database, 40)
    settings = make_settings(database, DAILY_RECIPIENT_LIMIT="1000")
    campaign_id = new_campaign(database, clock, 40)
    options = EngineOptions(batch_size=10)
    config = sim_config()
    app = create_simulator(config, clock=clock, monotonic=clock.monotonic)
    held = HeldUntil(app)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=held)) as slow,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as fast,
    ):

        async def run(client: CloudAPIClient) -> Any:
            return await run_campaign(
                campaign_id,
                database=database,
                client=client,
                settings=settings,
                clock=clock,
                sleep=clock.sleep,
                options=options,
            )

        first = asyncio.create_task(run(client_on(slow, config)))
        await held.waiting.wait()
        await wait_for_claims(database, 30)  # A's queues are full: three batches of ten
        second = await run(client_on(fast, config))
        assert second.accepted == 10
        held.release.set()
        final = await first
    pairs = sent_pairs(app.state.simulator)
    assert len(pairs) == 40 and max(pairs.values()) == 1
    assert final.state == CampaignState.COMPLETED
    assert final.selected == 40 and final.accepted == 40
    assert claimed(database) == 0
