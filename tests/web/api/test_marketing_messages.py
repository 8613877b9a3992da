"""MARKETING_MESSAGES_API end to end: the real app over HTTP, the real simulator, both
databases. MARKETING templates go to /marketing_messages under prefer/only, every other
category stays on /messages, a terms refusal falls back (prefer) or pauses (only), and the
status webhooks' `marketing_lite` pricing is stored."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.api.harness import (
    Harness,
    add_contacts,
    app_settings,
    fast_webhooks,
    log_in,
    running_app,
    simulator_config,
)
from wabroadcast.cloudapi.marketing import TERMS_SENTENCE
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Send

DAILY_OFFER = {"template_name": "daily_offer", "language": "tr"}  # MARKETING in the simulator
HELLO_WORLD = {"template_name": "hello_world", "language": "en_US"}  # UTILITY


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def synced(h: Harness) -> None:
    """The templates table as a sync leaves it: the route reads each template's category."""
    answer = await h.client.post("/api/templates/sync")
    assert answer.status_code == 200, answer.text


async def send(h: Harness, template: dict[str, str], limit: int) -> dict[str, Any]:
    answer = await h.client.post("/api/campaigns", json={**template, "limit": limit})
    assert answer.status_code == 202, answer.text
    return await h.campaign_done(answer.json()["id"])


def endpoints_of(h: Harness, campaign_id: int) -> list[str | None]:
    with h.database.session() as session:
        query = select(Send.endpoint).where(Send.campaign_id == campaign_id).order_by(Send.id)
        return list(session.scalars(query))


def simulated(h: Harness, template: str) -> list[str]:
    return [m.endpoint for m in h.simulator.accepted if m.template == template]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["prefer", "only"])
async def test_marketing_templates_go_to_marketing_messages_and_others_stay(
    settings: Settings, mode: str
) -> None:
    async with running_app(app_settings(settings, marketing_messages_api=mode)) as h:
        add_contacts(h.database, 3)
        await synced(h)
        marketing = await send(h, DAILY_OFFER, 3)
        utility = await send(h, HELLO_WORLD, 3)
        detail = (await h.client.get(f"/api/campaigns/{marketing['id']}")).json()
    assert marketing["state"] == utility["state"] == "completed"
    assert (marketing["accepted"], utility["accepted"]) == (3, 3)
    assert endpoints_of(h, marketing["id"]) == ["marketing_messages"] * 3
    assert endpoints_of(h, utility["id"]) == ["messages"] * 3
    assert simulated(h, "daily_offer") == ["marketing_messages"] * 3
    assert simulated(h, "hello_world") == ["messages"] * 3
    assert detail["endpoints"] == {"marketing_messages": 3}
    assert utility["endpoints"] == {"messages": 3}
    assert detail["note"] is None


@pytest.mark.anyio
async def test_off_keeps_marketing_templates_on_messages(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 2)
        await synced(h)
        done = await send(h, DAILY_OFFER, 2)
    assert settings.marketing_messages_api == "off"
    assert done["endpoints"] == {"messages": 2}
    assert simulated(h, "daily_offer") == ["messages"] * 2


@pytest.mark.anyio
async def test_the_latest_category_decides_a_recategorised_template(settings: Settings) -> None:
    """Meta recategorised daily_offer as UTILITY (its `tr` row, synced last): /messages."""
    async with running_app(app_settings(settings, marketing_messages_api="only")) as h:
        add_contacts(h.database, 4)
        await synced(h)
        first = await send(h, DAILY_OFFER, 2)
        templates = h.simulator.templates.templates
        for index, template in enumerate(templates):
            if template.name == "daily_offer":
                templates[index] = replace(template, category="UTILITY")
        await synced(h)
        second = await send(h, DAILY_OFFER, 2)
    assert first["endpoints"] == {"marketing_messages": 2}
    assert second["endpoints"] == {"messages": 2}
    assert simulated(h, "daily_offer") == ["marketing_messages"] * 2 + ["messages"] * 2


@pytest.mark.anyio
async def test_prefer_falls_back_to_messages_once_when_terms_are_not_accepted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    sim = simulator_config(marketing_messages_terms_accepted=False)
    configured = app_settings(settings, marketing_messages_api="prefer")
    async with running_app(configured, sim=sim) as h:
        add_contacts(h.database, 4)
        await synced(h)
        done = await send(h, DAILY_OFFER, 4)
        csrf = await log_in(h.anon)
        assert csrf
        page = await h.anon.get(f"/campaigns/{done['id']}?lang=en")
        turkish = await h.anon.get(f"/campaigns/{done['id']}?lang=tr")
    assert done["state"] == "completed" and done["accepted"] == 4 and done["error"] is None
    assert endpoints_of(h, done["id"]) == ["messages"] * 4
    assert simulated(h, "daily_offer") == ["messages"] * 4
    assert done["endpoints"] == {"messages": 4}
    assert done["note"].startswith("sent through /messages from ")
    assert "has not accepted the Marketing Messages API terms" in done["note"]
    falls = [r for r in caplog.records if "falls back to /messages" in r.getMessage()]
    assert len(falls) == 1  # said once per run, not per message
    assert 'data-testid="campaign-note"' in page.text
    assert "has not accepted the Marketing Messages API terms" in page.text
    assert "Cloud API (/messages) 4" in page.text
    assert "koşullarını kabul etmemiş" in turkish.text


@pytest.mark.anyio
async def test_only_pauses_with_what_to_do_when_terms_are_not_accepted(
    settings: Settings,
) -> None:
    sim = simulator_config(marketing_messages_terms_accepted=False)
    configured = app_settings(settings, marketing_messages_api="only")
    async with running_app(configured, sim=sim) as h:
        add_contacts(h.database, 4)
        await synced(h)
        done = await send(h, DAILY_OFFER, 4)
        h.simulator.config = h.simulator.config.replace(marketing_messages_terms_accepted=True)
        resumed = await h.client.post(f"/api/campaigns/{done['id']}/resume")
        assert resumed.status_code in (200, 202), resumed.text
        after = await h.campaign_done(done["id"])
    assert done["state"] == "paused"
    assert done["error"] == f"paused: {TERMS_SENTENCE}"
    assert "WhatsApp Manager" in done["error"]
    assert done["accepted"] == 0 and done["endpoints"] == {}
    assert after["state"] == "completed" and after["accepted"] == 4
    assert after["endpoints"] == {"marketing_messages": 4}
    assert simulated(h, "daily_offer") == ["marketing_messages"] * 4


@pytest.mark.anyio
async def test_marketing_lite_pricing_of_status_webhooks_is_stored(settings: Settings) -> None:
    sim = simulator_config()
    configured = app_settings(settings, marketing_messages_api="prefer")
    async with running_app(configured, sim=sim, webhooks=fast_webhooks(sim)) as h:
        add_contacts(h.database, 3)
        await synced(h)
        marketing = await send(h, DAILY_OFFER, 3)
        utility = await send(h, HELLO_WORLD, 3)

        def priced() -> dict[int | None, set[str | None]] | None:
            with h.database.session() as session:
                rows = session.execute(select(Send.campaign_id, Send.pricing_category)).all()
            found: dict[int | None, set[str | None]] = {}
            for campaign_id, category in rows:
                found.setdefault(campaign_id, set()).add(category)
            return found if None not in set().union(*found.values()) else None

        found = await h.wait_for(priced)

        async def all_read() -> bool:
            # Leave only once every status webhook has arrived: closing the app while the
            # emitter still has posts in flight has been seen to hang the teardown.
            for campaign in (marketing, utility):
                body = (await h.client.get(f"/api/campaigns/{campaign['id']}")).json()
                if body["read"] != 3:
                    return False
            return True

        await h.wait_for(all_read)
    assert found[marketing["id"]] == {"marketing_lite"}
    assert found[utility["id"]] == {"utility"}
