"""Any stored body renders on /logs/webhooks and /api/webhook-logs, and both page by id.

The bodies are posted signed through the real app (so they are stored exactly as a request
stores them); the few the receiver refuses (not JSON, NaN, a 4,301-digit number) can still
be in the log from older versions or a replay, so those are stored directly.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from markupsafe import escape

from tests.web.api.harness import APP_SECRET
from tests.web.views.helpers import Panel, panel
from wabroadcast.config import Settings
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.anyio
WABA = '"object":"whatsapp_business_account"'
DEEP = 300
POSTED = {
    "entry is a number": "{" + WABA + ',"entry":5}',
    "surrogate in a value": "{" + WABA + ',"entry":[{"id":"\\ud800","changes":[{"field":'
    '"messages","value":{"statuses":[{"id":"w","status":"read","recipient_id":"\\udfff"}]}}]}]}',
    "surrogate in a key": '{"\\ud800":1,"kind":"key"}',
    "surrogate alone": '"\\ud83d"',
    "deep list": "[" * DEEP + "]" * DEEP,
    "deep webhook": "{" + WABA + ',"entry":' + '[{"changes":' * DEEP + "[]" + "}]" * DEEP + "}",
    "a string": '"just a string"',
    "null": "null",
    "html": '{"x":"</pre><script>alert(1)</script>"}',
}
STORED = {
    "not json": "{truncated <b>body",
    "nan": '{"x": NaN}',
    "huge number": '{"n": ' + "9" * 4301 + "}",
}
SANE = {"entry is a number", "a string", "null", "html"}


async def post_signed(client: httpx.AsyncClient, raw: str) -> httpx.Response:
    body = raw.encode()
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
    return await client.post("/webhook", content=body, headers=headers)


def store(database: Database, body: str, kind: str = "unknown") -> int:
    with database.session() as session:
        return webhook_events.store_raw(
            session, body=body, kind=kind, received_at=datetime.now(UTC)
        )


async def logs(p: Panel, **params: Any) -> httpx.Response:
    return await p.h.client.get("/api/webhook-logs", params=params)


def panel_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<span class="mono">#(\d+)</span>', html)]


async def test_every_stored_body_renders_on_both_log_pages(settings: Settings) -> None:
    async with panel(settings) as p:
        ids: dict[str, int] = {}
        for name, raw in POSTED.items():
            answer = await post_signed(p.h.anon, raw)
            assert answer.status_code == 200, (name, answer.text)
            ids[name] = max((await logs(p, limit=1)).json()[0]["id"], 0)
        for name, raw in STORED.items():
            ids[name] = store(p.database, raw)
        bodies = POSTED | STORED

        page = await p.browser.get("/logs/webhooks")
        assert page.status_code == 200, page.text[:2000]
        assert sorted(panel_ids(page.text)) == sorted(ids.values())
        for name in STORED:
            assert str(escape(bodies[name])) in page.text, name
        assert "<script>alert(1)</script>" not in page.text
        assert "\\ud800" in page.text  # the raw text shows the escape as it was sent

        answer = await logs(p, limit=500)
        assert answer.status_code == 200, answer.text[:2000]
        by_id = {row["id"]: row for row in answer.json()}
        assert set(by_id) == set(ids.values())
        for name, event_id in ids.items():
            row = by_id[event_id]
            assert row["payload_is_json"] is (name in SANE), name
            if name in SANE:
                assert row["payload"] == json.loads(bodies[name]), name
            else:
                assert row["payload"] == bodies[name], name


async def test_api_pages_by_id_and_refuses_limits_out_of_range(settings: Settings) -> None:
    async with panel(settings) as p:
        stored = [store(p.database, json.dumps({"n": n})) for n in range(7)]
        seen: list[list[int]] = []
        params: dict[str, Any] = {"limit": 3}
        while True:
            answer = await logs(p, **params)
            assert answer.status_code == 200, answer.text
            page = [row["id"] for row in answer.json()]
            if not page:
                break
            seen.append(page)
            link = answer.headers.get("link")
            if len(page) == 3:
                assert link == f'</api/webhook-logs?limit=3&before_id={page[-1]}>; rel="next"'
            else:
                assert link is None
            params = {"limit": 3, "before_id": page[-1]}
        assert seen == [stored[6:3:-1], stored[3:0:-1], stored[:1]]
        for bad in ({"limit": 501}, {"limit": 0}, {"before_id": 0}, {"before_id": 2**63}):
            assert (await logs(p, **bad)).status_code == 422, bad
        assert (await logs(p, before_id=2**63 - 1)).json()[0]["id"] == stored[-1]


async def test_panel_log_pages_older_by_id(settings: Settings) -> None:
    async with panel(settings) as p:
        stored = [store(p.database, json.dumps({"n": n})) for n in range(55)]
        first = await p.browser.get("/logs/webhooks")
        assert first.status_code == 200
        assert panel_ids(first.text) == stored[:4:-1]
        older = re.search(r'<a href="([^"]+)" rel="next" data-testid="webhooks-older"', first.text)
        assert older is not None and older.group(1) == f"/logs/webhooks?before_id={stored[5]}"
        assert 'data-testid="webhooks-newest"' not in first.text
        second = await p.browser.get(older.group(1))
        assert panel_ids(second.text) == stored[4::-1]
        assert 'data-testid="webhooks-older"' not in second.text
        assert 'data-testid="webhooks-newest"' in second.text
        empty = await p.browser.get(f"/logs/webhooks?before_id={stored[0]}")
        assert panel_ids(empty.text) == [] and "No older webhooks." in empty.text
        garbage = await p.browser.get("/logs/webhooks?before_id=%C2%B2")  # '²'
        assert panel_ids(garbage.text) == panel_ids(first.text)
        assert (await p.browser.get(f"/logs/webhooks?before_id={10**30}")).status_code == 400
