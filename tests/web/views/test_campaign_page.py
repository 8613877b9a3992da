"""The campaign page: funnel numbers, failures by reason, unknown sends, pause/resume/cancel."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.web.api.harness import (
    add_contacts,
    fast_webhooks,
    simulator_config,
)
from tests.web.views.helpers import add_campaign, add_templates, panel
from wabroadcast.cli.main import app as cli_app
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send


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
        turkish = await p.browser.get(f"/campaigns/{campaign_id}?lang=tr")
        assert "131026 teslim edilemedi" in turkish.text
        await p.browser.get(f"/campaigns/{campaign_id}?lang=en")
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


def add_unknown_sends(database: Database, campaign_id: int, hours_ago: list[float]) -> None:
    """Unknown sends of the campaign, one contact each, claimed that many hours ago."""
    phones = add_contacts(database, len(hours_ago))
    now = datetime.now(UTC)
    with database.session() as session:
        ids = dict(session.execute(select(Contact.phone, Contact.id)).all())
        for phone, hours in zip(phones, hours_ago, strict=True):
            claimed = now - timedelta(hours=hours)
            session.add(
                Send(
                    template_name="daily_offer",
                    contact_id=ids[phone],
                    campaign_id=campaign_id,
                    language="tr",
                    phone=phone,
                    state="unknown",
                    attempts=1,
                    claimed_at=claimed,
                    updated_at=claimed,
                )
            )


@pytest.mark.anyio
async def test_unknown_sends_are_called_out_and_released_by_a_confirmed_button(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        campaign_id = add_campaign(
            p.database, state="completed", selected_count=5, accepted_count=3, unknown_count=3
        )
        add_unknown_sends(p.database, campaign_id, [30, 25, 2])
        url = f"/campaigns/{campaign_id}"
        page = await p.browser.get(url)
        assert 'data-testid="unknown-count">3<' in page.text
        assert "card card-warning" in page.text
        assert "never re-sent automatically" in page.text
        assert "wabroadcast sends" not in page.text  # the panel offers the action itself
        assert "Release 2 unknown sends claimed over 24 hours ago" in page.text
        turkish = await p.browser.get(f"{url}?lang=tr")
        assert "asla yeniden" in turkish.text
        assert "2 bilinmeyen gönderimi serbest bırak" in turkish.text
        await p.browser.get(f"{url}?lang=en")

        unconfirmed = await p.browser.post(f"{url}/release-unknown", data={"csrf_token": p.csrf})
        assert unconfirmed.status_code == 400
        assert "nothing was released" in unconfirmed.text
        forged = await p.browser.post(f"{url}/release-unknown", data={"confirm": "yes"})
        assert forged.status_code == 403

        released = await p.browser.post(
            f"{url}/release-unknown", data={"csrf_token": p.csrf, "confirm": "yes"}
        )
        assert released.status_code == 303
        assert released.headers["location"] == f"{url}?released=2"
        page = await p.browser.get(released.headers["location"])
        assert "Released 2 unknown sends" in page.text
        assert 'data-testid="unknown-count">1<' in page.text
        assert 'data-testid="release-later"' in page.text  # the 2-hour-old one waits
        api = (await p.h.client.get(f"/api/campaigns/{campaign_id}")).json()
        assert api["unknown"] == 1
        with p.database.session() as session:
            left = session.scalars(select(Send.state).where(Send.campaign_id == campaign_id))
            assert list(left) == ["unknown"]

        missing = await p.browser.post(
            "/campaigns/999/release-unknown", data={"csrf_token": p.csrf, "confirm": "yes"}
        )
        assert missing.status_code == 404


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
