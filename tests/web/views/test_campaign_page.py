"""The campaign page: funnel numbers, failures by reason, unknown sends, pause/resume/cancel."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from tests.web.api.harness import (
    add_contacts,
    fast_webhooks,
    simulator_config,
)
from tests.web.views.helpers import add_campaign, add_templates, panel
from wabroadcast.cli.main import app as cli_app
from wabroadcast.config import Settings


def funnel_numbers(html: str) -> dict[str, int]:
    found = re.findall(r'data-testid="funnel-(\w+)">([\d.,]+)<', html)
    return {key: int(value.replace(",", "").replace(".", "")) for key, value in found}


@pytest.mark.anyio
async def test_funnel_and_failures_after_a_simulated_campaign(settings: Settings) -> None:
    unreachable = "+905551000002"
    sim = simulator_config(unreachable=frozenset({unreachable}))
    async with panel(settings, sim=sim, webhooks=fast_webhooks(sim)) as p:
        add_templates(p.database)
        add_contacts(p.database, 8)
        answer = await p.browser.post(
            "/send",
            data={"template": "daily_offer", "language": "tr", "limit": "8", "csrf_token": p.csrf},
        )
        campaign_id = int(answer.headers["location"].rsplit("/", 1)[1])
        await p.h.campaign_done(campaign_id)

        async def settled() -> dict[str, int] | None:
            api = (await p.h.client.get(f"/api/campaigns/{campaign_id}")).json()
            return api if api["read"] == 7 and api["failed"] == 1 else None

        api = await p.h.wait_for(settled)
        page = await p.browser.get(f"/campaigns/{campaign_id}")
        numbers = funnel_numbers(page.text)
        assert numbers == {
            "selected": api["selected"],
            "accepted": api["accepted"],
            "delivered": api["delivered"],
            "read": api["read"],
            "replied": api["replied"],
        }
        assert numbers["selected"] == 8 and numbers["read"] == 7
        failures = page.text.split('data-field="failures-body"')[1].split("</tbody>")[0]
        assert "131026" in failures
        assert re.search(r"<td class=\"num\"[^>]*>1</td>", failures)
        assert 'data-testid="unknown-count">0<' in page.text
        assert 'data-action="pause" hidden' in page.text  # a finished campaign has no controls
        # The unreachable number was accepted, then failed by webhook (131026): `failed` is 1
        # in the API, on the campaign page, in the campaigns list and in `campaign show`.
        assert (api["accepted"], api["failed"], api["failed_at_send"]) == (8, 1, 0)
        assert any(reason.startswith("131026") for reason in api["failures"])
        assert 'data-testid="failed-count">1<' in page.text
        assert f'data-testid="eligible-count">{api["eligible"]}<' in page.text
        listed = await p.browser.get("/campaigns")
        assert re.search(r'data-testid="campaign-row-failed">1<', listed.text)
        overview = await p.browser.get("/")
        assert re.search(r'data-testid="campaign-row-failed">1<', overview.text)
        shown = CliRunner().invoke(
            cli_app,
            ["--env-file", "/nonexistent/.env", "campaign", "show", str(campaign_id), "--json"],
            env={"DATABASE_URL": settings.database_url},
            obj={},
        )
        assert shown.exit_code == 0, shown.output
        cli = json.loads(shown.stdout)
        assert (cli["accepted"], cli["failed"], cli["failures"]) == (
            api["accepted"],
            api["failed"],
            api["failures"],
        )


@pytest.mark.anyio
async def test_unknown_sends_are_called_out(settings: Settings) -> None:
    async with panel(settings) as p:
        campaign_id = add_campaign(
            p.database, state="completed", selected_count=5, accepted_count=3, unknown_count=2
        )
        page = await p.browser.get(f"/campaigns/{campaign_id}")
        assert 'data-testid="unknown-count">2<' in page.text
        assert "card card-warning" in page.text
        assert "never re-sent automatically" in page.text
        assert "wabroadcast sends unknown" in page.text
        turkish = await p.browser.get(f"/campaigns/{campaign_id}?lang=tr")
        assert "asla yeniden" in turkish.text


@pytest.mark.anyio
async def test_pause_resume_cancel_buttons(settings: Settings) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        campaign_id = add_campaign(p.database, requested_limit=3)
        url = f"/campaigns/{campaign_id}"
        page = await p.browser.get(url)
        assert re.search(r'data-action="pause">', page.text)
        assert 'data-action="resume" hidden' in page.text

        paused = await p.browser.post(f"{url}/pause", data={"csrf_token": p.csrf})
        assert paused.status_code == 303
        assert paused.headers["location"] == f"{url}?done=pause"
        page = await p.browser.get(paused.headers["location"])
        assert 'data-testid="campaign-state">Paused<' in page.text
        assert "Campaign paused" in page.text
        assert 'data-action="pause" hidden' in page.text
        assert re.search(r'data-action="resume">', page.text)

        resumed = await p.browser.post(f"{url}/resume", data={"csrf_token": p.csrf})
        assert resumed.status_code == 303
        done = await p.h.campaign_done(campaign_id)  # no contacts: the run completes at once
        assert done["state"] == "completed"

        refused = await p.browser.post(f"{url}/cancel", data={"csrf_token": p.csrf})
        assert refused.status_code == 409
        assert "notice-error" in refused.text
        assert 'data-testid="campaign-state">Completed<' in refused.text

        missing = await p.browser.post("/campaigns/999/pause", data={"csrf_token": p.csrf})
        assert missing.status_code == 404
        wrong = await p.browser.post(f"{url}/explode", data={"csrf_token": p.csrf})
        assert wrong.status_code == 404
