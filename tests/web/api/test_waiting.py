"""A campaign nobody is sending is shown `waiting`, with why, by the API, the panel and the CLI.

The number's lease is taken by another process first (a real `try_acquire`, as a second
`wabroadcast serve` or a CLI send would), so the campaign started here has to wait for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from tests.web.api.harness import Harness, add_contacts, app_settings, log_in, running_app
from wabroadcast.cli.main import app as cli_app
from wabroadcast.config import Settings
from wabroadcast.engine.lease import release, try_acquire
from wabroadcast.engine.lifecycle import create_campaign
from wabroadcast.storage.tables import SenderLease

pytestmark = pytest.mark.anyio
ELSEWHERE = "other-host:4242:0123456789ab"


def _cli_show(h: Harness, campaign_id: int) -> str:
    result = CliRunner().invoke(
        cli_app,
        ["--env-file", "/nonexistent/.env", "campaign", "show", str(campaign_id)],
        env={"DATABASE_URL": h.database.url},
        obj={},
    )
    assert result.exit_code == 0, result.output
    return result.output


def _cli_list(h: Harness) -> str:
    result = CliRunner().invoke(
        cli_app,
        ["--env-file", "/nonexistent/.env", "campaign", "list"],
        env={"DATABASE_URL": h.database.url},
        obj={},
    )
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_campaign_behind_a_busy_number_is_waiting_everywhere_then_runs(
    settings: Settings,
) -> None:
    config = app_settings(settings, sender_lease_seconds=60.0)
    async with running_app(config) as h:
        add_contacts(h.database, 3)
        number = config.phone_number_id
        now = datetime.now(UTC)
        taken = try_acquire(h.database, number, ELSEWHERE, now, 60.0, campaign_id=777)
        assert taken[0]
        body = {"template_name": "daily_offer", "language": "tr", "limit": 3}
        created = (await h.client.post("/api/campaigns", json=body)).json()

        shown = (await h.client.get(created["url"])).json()
        assert shown["state"] == "waiting", shown
        assert shown["running_here"] is True  # this server will send it once the number is free
        assert "campaign 777" in shown["waiting_for"]
        assert "other-host:4242" in shown["waiting_for"]
        assert "0123456789ab" not in shown["waiting_for"]  # a run id, not for people
        assert shown["accepted"] == 0
        listed = (await h.client.get("/api/campaigns")).json()["items"]
        assert [c["state"] for c in listed if c["id"] == created["id"]] == ["waiting"]

        await log_in(h.anon)
        page = (await h.anon.get(f"/campaigns/{created['id']}?lang=en")).text
        assert 'data-testid="campaign-state">Waiting<' in page
        assert "Phone number" in page and "campaign 777" in page
        assert "other-host:4242" in page  # who holds the number, as the API says
        assert 'data-testid="action-pause"' in page  # a waiting campaign can be paused
        table = (await h.anon.get("/campaigns?lang=en")).text
        assert 'data-testid="campaign-row-state">Waiting<' in table

        output = _cli_show(h, created["id"])
        assert "— waiting" in output and "campaign 777" in output
        assert "other-host:4242" in output
        assert "waiting" in _cli_list(h)

        release(h.database, number, ELSEWHERE)
        done = await h.campaign_done(created["id"])
        assert done["state"] == "completed" and done["accepted"] == 3
        assert done["waiting_for"] is None
        assert "— completed" in _cli_show(h, created["id"])


async def test_a_running_campaign_whose_sender_died_is_not_shown_running(
    settings: Settings,
) -> None:
    """The lease of a killed sender expires; until a server adopts the campaign, it is
    `waiting` with nobody sending, never `running`."""
    # a long lease: the adopter (every half lease) stays out of this test's way
    async with running_app(app_settings(settings, sender_lease_seconds=300.0)) as h:
        add_contacts(h.database, 2)
        with h.database.session() as session:  # as a CLI send that was killed would leave it
            campaign = create_campaign(
                session,
                template_name="daily_offer",
                language="tr",
                limit=2,
                phone_number_id=h.app.state.settings.phone_number_id,
                clock=h.app.state.clock,
            )
            session.flush()
            campaign_id = campaign.id
        url = f"/api/campaigns/{campaign_id}"
        shown = (await h.client.get(url)).json()
        assert shown["state"] == "waiting" and shown["running_here"] is False
        assert f"wabroadcast campaign run {campaign_id}" in shown["waiting_for"]
        assert "no process is sending it" in _cli_show(h, campaign_id)

        number = h.app.state.settings.phone_number_id
        past = datetime.now(UTC) - timedelta(minutes=5)
        assert try_acquire(h.database, number, ELSEWHERE, past, 1.0, campaign_id=campaign_id)[0]
        expired = (await h.client.get(url)).json()  # the holder's lease ran out: it died
        assert expired["state"] == "waiting"
        fresh = datetime.now(UTC)
        with h.database.session() as session:
            session.execute(delete(SenderLease))
        assert try_acquire(h.database, number, ELSEWHERE, fresh, 60.0, campaign_id=campaign_id)[0]
        assert (await h.client.get(url)).json()["state"] == "running"  # a live sender has it
