"""Server-sent events: an event when a campaign's counts change, over a real socket."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.schedules.releases import run_released
from tests.web.api.harness import add_contacts, app_settings
from tests.web.views.helpers import TOKEN, add_campaign, being_sent, live_server
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Campaign
from wabroadcast.web.events import change_stream, format_event
from wabroadcast.web.locales import tr

STATIC = Path(__file__).parents[3] / "wabroadcast" / "web" / "static"


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


FIELD_TEXT = re.compile(r'<(?:span|dd|p|button)\b[^>]*\bdata-field="([\w-]+)"[^>]*>([^<]*)</')
NOT_TEXT = {"live", "live-text", "failures-empty"}
"""Set from the stream's connection, or a fixed sentence the failures list shows or hides."""
FAILURE_ROW = re.compile(
    r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>"
)
BAR_WIDTH = re.compile(r'data-field="(?:bar-)?([\w-]+?)(?:-bar)?" style="width: (\d+)%"')


def page_fields(html: str) -> dict[str, str]:
    """The text of every data-field element the campaign page prints (its numbers and labels)."""
    return {name: html_text(text) for name, text in FIELD_TEXT.findall(html)}


def html_text(text: str) -> str:
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").split())


def streamed_text(data: dict[str, Any], name: str) -> str:
    """What the page's script writes into field `name` from one progress event."""
    direct = {
        "state": data["state_label"],
        "state_help": data["state_help"],
        "waiting_for": data["waiting_for"] or "",
        "error": data["error"] or "",
        "percent": str(data["percent"]),
        "started_at": data["started_at"],
        "finished_at": data["finished_at"],
        "retry_failed": data["retry_failed"] or "",
    }
    if name in direct:
        return " ".join(str(direct[name]).split())
    assert name in data["text"], f"the page shows {name!r} but the event stream does not carry it"
    return str(data["text"][name])


@pytest.mark.anyio
async def test_every_field_the_page_prints_is_pushed_by_the_stream_as_printed(
    settings: Settings,
) -> None:
    """Whatever number or label the campaign page prints, a progress event carries the same
    text for it, and the page's script writes it: nothing on the page goes stale."""
    script = (STATIC / "campaign.js").read_text()
    with live_server(settings) as server:
        campaign_id = add_campaign(server.database, selected_count=2, requested_limit=9)
        being_sent(server.database, campaign_id)
        async with httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(10.0)) as client:
            await login(client)
            url = f"/campaigns/{campaign_id}"
            async with client.stream("GET", f"{url}/events") as stream:
                lines = stream.aiter_lines()
                await next_event(lines)
                with server.database.session() as session:
                    session.execute(
                        update(Campaign)
                        .where(Campaign.id == campaign_id)
                        .values(
                            selected_count=8,
                            accepted_count=5,
                            failed_count=2,
                            unknown_count=1,
                            held_back_count=3,
                            eligible_count=1234,
                            failures={"131026 x": 2},
                            started_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                        )
                    )
                data = (await next_event(lines))["data"]
            page = await client.get(url)
    fields = page_fields(page.text)
    assert {"eligible", "started_at", "failed", "held_back", "unknown", "accepted"} <= set(fields)
    assert fields["eligible"] == "1,234" and fields["started_at"].startswith("2026-03-02")
    body = page.text.split('data-field="failures-body">')[1].split("</tbody>")[0]
    rows = [tuple(html_text(cell) for cell in row) for row in FAILURE_ROW.findall(body)]
    assert rows == [(f["reason"], f["stage"], f["count"]) for f in data["failures"]] != []
    bars = dict(BAR_WIDTH.findall(page.text))
    assert bars.pop("percent") == str(data["percent"])
    assert bars == {key: str(value) for key, value in data["funnel_percent"].items()}
    for name, printed in fields.items():
        if name in NOT_TEXT or name.startswith("bar-") or name == "percent-bar":
            continue
        assert streamed_text(data, name) == printed, name
        written = f'setText("{name}"' in script or f'field("{name}")' in script
        assert written or name in data["funnel"], f"campaign.js never writes {name!r}"


@pytest.mark.anyio
async def test_the_retry_button_appears_live_when_a_campaign_with_failures_ends(
    settings: Settings,
) -> None:
    """A page open while the campaign sends gets its Retry failed button, with its count, in
    the event that says the campaign ended — no reload needed."""
    with live_server(settings) as server:
        add_contacts(server.database, 5)
        campaign_id, ended = await run_released(server.database, app_settings(settings), limit=3)
        with server.database.session() as session:
            session.execute(
                update(Campaign).where(Campaign.id == campaign_id).values(state="running")
            )
        being_sent(server.database, campaign_id)
        async with httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(10.0)) as client:
            await login(client)
            url = f"/campaigns/{campaign_id}"
            async with client.stream("GET", f"{url}/events") as stream:
                lines = stream.aiter_lines()
                first = (await next_event(lines))["data"]
                assert (first["state"], first["retry_failed"]) == ("running", None)
                with server.database.session() as session:
                    session.execute(
                        update(Campaign)
                        .where(Campaign.id == campaign_id)
                        .values(state=ended.state.value)
                    )
                last = (await next_event(lines))["data"]
            page = (await client.get(url)).text
    assert last["state"] == ended.state.value != "running"
    assert last["retry_failed"] == "Retry failed (3)"
    assert page_fields(page)["retry_failed"] == last["retry_failed"]
    assert 'data-field="retry-form" hidden' not in page


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
