"""Templates under pacing end to end (cloudapi.md §4): the real app sends through the real
simulator holding every send, whose status webhooks come back signed to /webhook.

Released: held sends are counted, then sent on and delivered. Dropped: the simulator pauses
the template, fails the held sends with 132015 and refuses later ones; the campaign pauses
with the reason, nobody gets the template twice, and it resumes once the template is
unpaused. The API, `campaign show` and the panel read the same counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.web.api.harness import (
    GRAPH_URL,
    Harness,
    add_contacts,
    app_settings,
    fast_webhooks,
    log_in,
    running_app,
    simulator_config,
)
from wabroadcast.cli.main import app as cli_app
from wabroadcast.config import Settings
from wabroadcast.engine.outcomes import template_paused_message
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN

pytestmark = pytest.mark.anyio
CONTACTS = 8
DROPPED = template_paused_message("daily_offer", "tr", held_dropped=True)


async def _campaign(h: Harness) -> int:
    answer = await h.client.post(
        "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": CONTACTS}
    )
    assert answer.status_code == 202, answer.text
    return int(answer.json()["id"])


async def _counts(h: Harness, campaign_id: int) -> dict[str, Any]:
    body: dict[str, Any] = (await h.client.get(f"/api/campaigns/{campaign_id}")).json()
    return body


def _show(settings: Settings, campaign_id: int, *options: str) -> str:
    env = {
        "DATABASE_URL": settings.database_url,
        "GRAPH_API_URL": GRAPH_URL,
        "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
    }
    result = CliRunner().invoke(
        cli_app,
        ["--env-file", "/nonexistent/.env", "campaign", "show", str(campaign_id), *options],
        env=env,
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich pads the columns and wraps long lines


async def test_held_sends_are_counted_then_released_and_delivered(settings: Settings) -> None:
    sim = simulator_config(hold_rate=1.0, hold_outcome="release")
    configured = app_settings(settings)
    async with running_app(configured, sim=sim, webhooks=fast_webhooks(sim)) as h:
        add_contacts(h.database, CONTACTS)
        campaign_id = await _campaign(h)
        done = await h.campaign_done(campaign_id)
        assert (done["state"], done["accepted"]) == ("completed", CONTACTS)
        assert done["held_total"] == CONTACTS
        assert done["held"] + done["held_released"] == CONTACTS and done["held_dropped"] == 0

        async def released() -> dict[str, Any] | None:
            body = await _counts(h, campaign_id)
            return body if body["held_released"] == CONTACTS else None

        body = await h.wait_for(released)
        await h.wait_for(lambda: _delivered(h, campaign_id))
        assert (body["held"], body["held_total"], body["held_dropped"]) == (0, CONTACTS, 0)
        assert all(message.held for message in h.simulator.accepted)

        shown = _show(configured, campaign_id)
        assert "held by Meta now 0 " in shown
        assert f"held, then released {CONTACTS} held, then dropped 0" in shown
        shown_json = json.loads(_show(configured, campaign_id, "--json"))
        assert (shown_json["held"], shown_json["held_released"]) == (0, CONTACTS)
        await log_in(h.anon)
        page = await h.anon.get(f"/campaigns/{campaign_id}", headers={"Accept-Language": "tr"})
        assert "Bekletildikten sonra Meta&#39;nın gönderdiği" in page.text
        assert f'data-testid="held-released-count">{CONTACTS}<' in page.text


async def _delivered(h: Harness, campaign_id: int) -> bool:
    return bool((await _counts(h, campaign_id))["delivered"] == CONTACTS)


async def test_dropped_held_sends_pause_the_campaign_which_resumes_after_unpausing(
    settings: Settings,
) -> None:
    sim = simulator_config(hold_rate=1.0, hold_outcome="drop")
    configured = app_settings(settings)
    async with running_app(configured, sim=sim, webhooks=fast_webhooks(sim)) as h:
        phones = add_contacts(h.database, CONTACTS)
        campaign_id = await _campaign(h)
        paused = await h.campaign_done(campaign_id)
        assert paused["state"] == "paused"
        held = len(h.simulator.accepted)
        assert held >= 1 and paused["accepted"] == held < CONTACTS

        async def dropped() -> dict[str, Any] | None:
            body = await _counts(h, campaign_id)
            return body if body["error"] == DROPPED and body["held_dropped"] == held else None

        body = await h.wait_for(dropped)
        assert (body["state"], body["held"], body["held_total"]) == ("paused", 0, held)
        assert body["failures"] == {"132015 Template is Paused": held}
        assert "(132015) — held messages were dropped" in _show(configured, campaign_id)
        await log_in(h.anon)
        page = await h.anon.get(f"/campaigns/{campaign_id}", headers={"Accept-Language": "tr"})
        assert "bekletilen mesajlar gönderilmedi" in page.text

        # The template is unpaused in WhatsApp Manager (and no longer paced); a person resumes.
        h.simulator.templates.set_status("daily_offer", "tr", "APPROVED")
        h.simulator.config = h.simulator.config.replace(hold_rate=0.0)
        resumed = await h.client.post(f"/api/campaigns/{campaign_id}/resume")
        assert resumed.status_code == 200, resumed.text
        done = await h.campaign_done(campaign_id)
        assert (done["state"], done["error"], done["accepted"]) == ("completed", None, CONTACTS)
        sent_to = [message.to for message in h.simulator.accepted]
        assert sorted(sent_to) == sorted(phones)  # each contact once: the dropped not re-sent
