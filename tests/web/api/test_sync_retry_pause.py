"""POST /api/templates/sync, POST /api/campaigns/{id}/retry-failed, and a template paused by
Meta (signed webhook) pausing a campaign the app is sending right now."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from tests.schedules.releases import run_released
from tests.web.api.harness import (
    APP_SECRET,
    add_contacts,
    app_settings,
    running_app,
    simulator_config,
)
from tests.webhooks.conftest import load_fixture
from wabroadcast.config import Settings
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN
from wabroadcast.storage.tables import Template
from wabroadcast.webhooks import sign


@pytest.mark.anyio
async def test_sync_fetches_every_template_with_the_apps_client(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        answer = await h.client.post("/api/templates/sync")
        assert answer.status_code == 200, answer.text
        served = {(t.name, t.language) for t in h.simulator.templates.templates}
        assert answer.json() == {
            "total": len(served),
            "names": len({name for name, _ in served}),
            "added": len(served),
            "updated": 0,
            "unchanged": 0,
            "gone": 0,
        }
        with h.database.session() as session:
            stored = set(session.execute(select(Template.name, Template.language)).all())
        assert stored == served and ("daily_offer", "tr") in stored
        again = (await h.client.post("/api/templates/sync")).json()
        assert (again["added"], again["unchanged"]) == (0, len(served))
        assert (await h.anon.post("/api/templates/sync")).status_code == 401


@pytest.mark.anyio
async def test_sync_errors_say_which_setting_to_fix(settings: Settings) -> None:
    wrong_token = simulator_config(access_token="a-different-token-0123456789")
    async with running_app(app_settings(settings), sim=wrong_token) as h:
        answer = await h.client.post("/api/templates/sync")
        assert answer.status_code == 502
        error = answer.json()["error"]
        assert error["code"] == "sync_failed"
        assert "refused the access token (error 190)" in error["message"]
        assert "WHATSAPP_ACCESS_TOKEN" in error["message"]
        assert SANDBOX_ACCESS_TOKEN not in answer.text  # the token the app sent
    async with running_app(app_settings(settings, waba_id="999000111")) as h:
        answer = await h.client.post("/api/templates/sync")
        assert answer.status_code == 502
        message = answer.json()["error"]["message"]
        assert "'999000111' does not exist" in message and "WABA_ID" in message
        with h.database.session() as session:
            assert session.scalars(select(Template)).all() == []


@pytest.mark.anyio
async def test_retry_failed_sends_to_exactly_the_released_contacts(settings: Settings) -> None:
    configured = app_settings(settings)
    async with running_app(configured) as h:
        phones = add_contacts(h.database, 6)
        first_id, first = await run_released(h.database, configured, limit=4)
        assert first.failed == 4
        before = (await h.client.get(f"/api/campaigns/{first_id}")).json()
        assert sum(before["failures"].values()) == 4

        answer = await h.client.post(f"/api/campaigns/{first_id}/retry-failed")
        assert answer.status_code == 202, answer.text
        follow_up = answer.json()
        assert answer.headers["location"] == follow_up["url"]
        done = await h.campaign_done(follow_up["id"])
        assert (done["state"], done["accepted"], done["requested_limit"]) == ("completed", 4, 4)
        assert (done["retry_of_campaign_id"], before["retry_of_campaign_id"]) == (first_id, None)
        assert sorted(m.to for m in h.simulator.accepted) == sorted(phones[:4])

        again = await h.client.post(f"/api/campaigns/{first_id}/retry-failed")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "nothing_to_retry"
        healthy = await h.client.post(f"/api/campaigns/{follow_up['id']}/retry-failed")
        assert healthy.status_code == 409
        assert "no send that failed for a retryable reason" in healthy.json()["error"]["message"]
        assert (await h.client.post("/api/campaigns/999/retry-failed")).status_code == 404


@pytest.mark.anyio
async def test_template_paused_by_meta_pauses_the_campaign_being_sent(settings: Settings) -> None:
    sim = simulator_config(latency=0.02)
    async with running_app(app_settings(settings, send_rate=20), sim=sim) as h:
        add_contacts(h.database, 200)
        answer = await h.client.post(
            "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": 200}
        )
        url = answer.json()["url"]

        async def sending() -> bool:
            return bool((await h.client.get(url)).json()["accepted"] > 0)

        await h.wait_for(sending)
        payload = copy.deepcopy(load_fixture("template_status_paused"))
        value = payload["entry"][0]["changes"][0]["value"]
        value["message_template_name"], value["message_template_language"] = "daily_offer", "tr"
        body = json.dumps(payload).encode()
        headers = {"X-Hub-Signature-256": sign(body, APP_SECRET)}
        posted = await h.anon.post("/webhook", content=body, headers=headers)
        assert posted.status_code == 200
        done = await h.campaign_done(int(url.rsplit("/", 1)[1]))
        assert done["state"] == "paused"
        assert done["error"] == "template 'daily_offer' (tr) was PAUSED by Meta"
        assert 0 < done["accepted"] < 200
        assert len(h.simulator.accepted) == done["accepted"]
