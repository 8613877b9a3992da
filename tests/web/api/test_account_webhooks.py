"""Account webhooks end to end: signed bodies into `serve`'s /webhook change the next run.

The real app, the real simulator (whose account events build the bodies and change its own
number to match), a real database. The rate is read from what the engine says it uses when a
run starts, not from wall time.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from datetime import UTC, datetime

import pytest

from tests.engine.helpers import add_contacts as add_phones
from tests.web.api.harness import (
    Harness,
    add_contacts,
    app_settings,
    fast_webhooks,
    running_app,
    simulator_config,
)
from tests.webhooks.conftest import load_fixture
from wabroadcast.config import Settings
from wabroadcast.simulator import account_events
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.anyio
RUN_LINE = re.compile(r"campaign (\d+): number \d+ sends at ([\d.]+) msg/s \((.*?)\), daily limit")
NOW = int(datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp())


def run_rate(caplog: pytest.LogCaptureFixture, campaign_id: int) -> tuple[float, str]:
    for record in caplog.records:
        match = RUN_LINE.match(record.getMessage())
        if match and int(match.group(1)) == campaign_id:
            return float(match.group(2)), match.group(3)
    raise AssertionError(f"no run line for campaign {campaign_id}")


async def send(h: Harness, template: str, language: str, limit: int) -> dict[str, object]:
    answer = await h.client.post(
        "/api/campaigns", json={"template_name": template, "language": language, "limit": limit}
    )
    assert answer.status_code == 202, answer.text
    return await h.campaign_done(int(answer.json()["id"]))


async def deliver(h: Harness, payload: dict[str, object]) -> None:
    """POST one account webhook, signed as the simulator signs, to the app's /webhook. Its own
    emitter: the runs' status webhooks are not needed here, so none are attached."""
    emitter = WebhookEmitter.to_app(fast_webhooks(simulator_config()), h.app)
    try:
        assert await emitter.post_payload(payload)
    finally:
        await emitter.close()


async def test_a_throughput_upgrade_raises_the_next_runs_rate(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wabroadcast.engine.sender")
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim) as h:
        add_contacts(h.database, 4)
        first = await send(h, "daily_offer", "tr", 2)
        assert run_rate(caplog, int(first["id"])) == (80.0, "SEND_RATE")
        await deliver(h, account_events.throughput_upgrade(h.simulator, NOW))
        second = await send(h, "daily_offer", "tr", 2)
        rate, source = run_rate(caplog, int(second["id"]))
        assert rate == 1000.0
        assert source.startswith("webhook THROUGHPUT_UPGRADE at 2026-11-25 12:00 UTC")
        numbers = (await h.client.get("/api/numbers")).json()
        assert numbers[0]["send_rate"] == 1000.0
        assert numbers[0]["daily_limit"] is None and numbers[0]["daily_source"].startswith(
            "webhook"
        )


async def test_max_send_rate_caps_the_upgrade_and_a_phone_numbers_rate_is_kept(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wabroadcast.engine.sender")
    sim = simulator_config(extra_phone_number_ids=("107000000000001",))
    configured = app_settings(settings, max_send_rate=400.0, phone_numbers="107000000000001:20")
    async with running_app(configured, sim=sim) as h:
        add_contacts(h.database, 2)
        await deliver(h, account_events.throughput_upgrade(h.simulator, NOW))
        done = await send(h, "daily_offer", "tr", 1)
        assert run_rate(caplog, int(done["id"]))[0] == 400.0
        numbers = {n["phone_number_id"]: n for n in (await h.client.get("/api/numbers")).json()}
        assert numbers["106540352242922"]["send_rate"] == 400.0
        assert "capped by MAX_SEND_RATE" in numbers["106540352242922"]["rate_source"]
        assert numbers["107000000000001"]["send_rate"] == 20.0
        assert numbers["107000000000001"]["rate_source"] == "PHONE_NUMBERS"


async def test_a_messaging_limit_webhook_limits_the_next_run(settings: Settings) -> None:
    sim = simulator_config()  # the Graph API says TIER_10K; the webhook says 250 later
    async with running_app(app_settings(settings), sim=sim) as h:
        add_contacts(h.database, 260)
        payload = copy.deepcopy(load_fixture("business_capability_update"))
        payload["entry"][0]["time"] = NOW
        payload["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] = 250
        await deliver(h, payload)
        done = await send(h, "daily_offer", "tr", 260)
        assert done["selected"] == 250
        assert done["state"] == "completed"


async def test_a_recategorisation_to_marketing_makes_the_us_skip_apply(settings: Settings) -> None:
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim) as h:
        add_phones(
            h.database, 4, phones=["+905551000001", "+12025550101", "+905551000002", "+14155550102"]
        )
        assert (await h.client.post("/api/templates/sync")).status_code == 200
        await deliver(
            h,
            account_events.category_changed(h.simulator, "hello_world", "en_US", "MARKETING", NOW),
        )
        done = await send(h, "hello_world", "en_US", 4)
        assert done["selected"] == 2  # the two US numbers are skipped for MARKETING
        listed = (await h.client.get("/api/templates")).json()
        hello = next(t for t in listed if t["name"] == "hello_world")
        assert hello["category"] == "MARKETING"
        assert hello["category_change"]["previous_category"] == "UTILITY"


async def test_forged_and_repeated_account_webhooks_change_nothing(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wabroadcast.engine.sender")
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim) as h:
        add_contacts(h.database, 2)
        body = json.dumps(load_fixture("phone_quality_throughput_upgrade")).encode()
        headers = {"X-Hub-Signature-256": sign(body, "not-the-app-secret")}
        forged = await h.anon.post("/webhook", content=body, headers=headers)
        assert forged.status_code == 403
        limit = copy.deepcopy(load_fixture("business_capability_update"))
        limit["entry"][0]["time"] = NOW
        await deliver(h, limit)  # 2000 at NOW
        older = copy.deepcopy(limit)
        older["entry"][0]["time"] = NOW - 60
        older["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] = 250
        await deliver(h, older)
        await deliver(h, older)
        done = await send(h, "daily_offer", "tr", 1)
        assert run_rate(caplog, int(done["id"]))[0] == 80.0
        numbers = (await h.client.get("/api/numbers")).json()
        assert numbers[0]["daily_limit"] == 2000
