"""Server-sent events: an event when a campaign's counts change, over a real socket."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.web.views.helpers import TOKEN, add_campaign, being_sent, live_server
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Campaign
from wabroadcast.web.events import change_stream, format_event
from wabroadcast.web.locales import tr


async def next_event(lines: AsyncIterator[str], *, within: float = 10.0) -> dict[str, Any]:
    """Read `event:`/`data:` lines until a blank line ends one event; time-limited."""
    deadline = time.monotonic() + within
    event: dict[str, Any] = {}
    async for line in lines:
        if time.monotonic() > deadline:
            break
        if line.startswith("event:"):
            event["event"] = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            event["data"] = json.loads(line.split(":", 1)[1])
        elif line == "" and "event" in event:
            return event
    raise AssertionError(f"no complete event within {within} s: {event}")


async def login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = await client.post("/login", data={"token": TOKEN, "csrf_token": token})
    assert answer.status_code == 303


@pytest.mark.anyio
async def test_stream_sends_an_event_when_counts_change(settings: Settings) -> None:
    with live_server(settings) as server:
        campaign_id = add_campaign(server.database, selected_count=4, requested_limit=4)
        being_sent(server.database, campaign_id)
        timeout = httpx.Timeout(10.0)
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout) as client:
            await login(client)
            url = f"/campaigns/{campaign_id}/events"
            async with client.stream("GET", url, headers={"Accept-Language": "tr"}) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                first = await next_event(lines)
                assert first["event"] == "progress"
                assert first["data"]["funnel"]["accepted"] == 0
                assert first["data"]["state_label"] == "Gönderiliyor"
                with server.database.session() as session:
                    session.execute(
                        update(Campaign)
                        .where(Campaign.id == campaign_id)
                        .values(
                            accepted_count=3,
                            failed_count=1,
                            failures={"131026 x": 1},
                            eligible_count=40,
                            started_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                        )
                    )
                second = await next_event(lines)
                assert second["data"]["funnel"]["accepted"] == 3
                assert second["data"]["done"] == 4
                assert second["data"]["percent"] == 100
                # Every number the page shows is pushed, not only the funnel.
                assert second["data"]["text"]["failed"] == "1"
                assert second["data"]["text"]["eligible"] == "40"
                assert "2026" in second["data"]["started_at"]
                assert second["data"]["failures"] == [
                    {
                        "reason": "131026 " + tr.MESSAGES["error_code.131026"],
                        "stage": "gönderirken",
                        "count": "1",
                    }
                ]
                with server.database.session() as session:
                    session.execute(
                        update(Campaign).where(Campaign.id == campaign_id).values(state="completed")
                    )
                third = await next_event(lines)
                assert third["data"]["state"] == "completed"
                assert third["data"]["actions"] == []


@pytest.mark.anyio
async def test_stream_needs_a_session(settings: Settings) -> None:
    with live_server(settings) as server:
        campaign_id = add_campaign(server.database)
        async with httpx.AsyncClient(base_url=server.url) as client:
            answer = await client.get(f"/campaigns/{campaign_id}/events")
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.anyio
async def test_change_stream_sends_changes_heartbeats_and_gone() -> None:
    clock = FakeClock()
    snapshots: list[dict[str, Any] | None] = [{"n": 1}, {"n": 1}, {"n": 2}]
    snapshots += [{"n": 2}] * 20 + [None]

    async def load() -> dict[str, Any] | None:
        return snapshots.pop(0)

    chunks = [
        chunk
        async for chunk in change_stream(
            load, interval=1.0, heartbeat=5.0, lifetime=1000, clock=clock, sleep=clock.sleep
        )
    ]
    assert chunks[0] == "retry: 3000\n\n"
    events = [c for c in chunks if c.startswith("event:")]
    assert events == [
        format_event("progress", {"n": 1}, event_id=1),
        format_event("progress", {"n": 2}, event_id=2),
        format_event("gone", {}),
    ]
    assert chunks.count(": keep-alive\n\n") == 4  # 20 quiet seconds, one every 5


@pytest.mark.anyio
async def test_change_stream_ends_after_its_lifetime() -> None:
    clock = FakeClock()

    async def load() -> dict[str, Any] | None:
        return {"n": 1}

    chunks = [
        c
        async for c in change_stream(
            load, interval=1.0, lifetime=10, clock=clock, sleep=clock.sleep
        )
    ]
    assert sum(c.startswith("event: progress") for c in chunks) == 1
    assert clock.now >= 10
