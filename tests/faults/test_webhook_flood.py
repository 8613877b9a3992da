"""A webhook flood while a campaign sends: every webhook answered 200 is stored, none is lost."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.engine.helpers import add_contacts
from tests.faults.helpers import NUMBER, new_campaign, send_states, truth
from tests.faults.inprocess import APP_SECRET, rig, stored_message_ids
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine.manager import run_with_lease
from wabroadcast.simulator.callbacks import sign
from wabroadcast.storage.db import Database

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

FLOOD = 1500


def status_body(message_id: str, recipient: str) -> bytes:
    """One `delivered` status, shaped as Meta sends it."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
        "statuses": [
            {
                "id": message_id,
                "status": "delivered",
                "timestamp": "1764064800",
                "recipient_id": recipient,
            }
        ],
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(envelope).encode()


async def post_until_stored(http: httpx.AsyncClient, body: bytes) -> int:
    """Like Meta: a POST not answered 200 is retried. Returns how many tries it took."""
    headers = {"X-Hub-Signature-256": sign(APP_SECRET, body), "Content-Type": "application/json"}
    for attempt in range(1, 50):
        response = await http.post("/webhook", content=body, headers=headers)
        if response.status_code == 200:
            return attempt
        assert response.status_code == 503, response.text  # never a 500 or a silent loss
        await asyncio.sleep(0.1 * attempt)
    raise AssertionError("a webhook was never stored")


async def flood(receiver: FastAPI, ids: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=receiver)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        slots = asyncio.Semaphore(32)

        async def one(i: int, message_id: str) -> int:
            async with slots:
                return await post_until_stored(http, status_body(message_id, f"9055{i:08d}"))

        return await asyncio.gather(*(one(i, m) for i, m in enumerate(ids)))


async def test_webhook_flood_while_sending_every_webhook_is_stored(
    database: Database, tmp_path: Path
) -> None:
    add_contacts(database, 300)
    campaign_id = new_campaign(database, 300)
    flood_ids = [f"wamid.flood{i:06d}" for i in range(FLOOD)]
    async with rig(database, tmp_path, rate=100) as r:
        run = asyncio.create_task(
            run_with_lease(
                campaign_id,
                database=database,
                client_for=lambda _number: r.client,
                settings=r.settings,
            )
        )
        tries = await flood(r.receiver, flood_ids)
        summary = await asyncio.wait_for(run, timeout=90)
        async with asyncio.timeout(60):
            await r.emitter.drain()
        dropped = r.emitter.stats.updates_dropped
    assert summary.state == CampaignState.COMPLETED
    assert len(tries) == FLOOD
    assert max(truth(r.log_path).values()) == 1
    assert send_states(database, campaign_id) == {SendState.ACCEPTED.value: 300}
    stored = stored_message_ids(database)
    assert set(flood_ids) <= stored  # every flooded webhook answered 200 was stored
    assert {m.message_id for m in r.simulator.accepted} <= stored  # and the real ones too
    assert dropped == 0
