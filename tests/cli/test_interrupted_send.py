"""An interrupted `wabroadcast send` is a paused campaign the panel offers to resume.

A real process runs `send` and gets SIGTERM mid-campaign. The campaign must be paused
(reason: interrupted) — never `running` with nobody sending — on the API and the panel, whose
campaign page shows why and offers Resume (not Pause); the same `send` again names the
campaign and `campaign resume`; Resume on the panel sends the rest, nobody twice.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.engine.helpers import add_contacts, sent_pairs, served, sim_config
from tests.faults.helpers import wait_for
from tests.web.views.helpers import panel
from wabroadcast.cli.main import app
from wabroadcast.config import Settings
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN, Simulator, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Send
from wabroadcast.web.locales import en

CONTACTS = 200


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def interrupted_send(database: Database, url: str, tmp_path: Path) -> tuple[int, int, str]:
    """Run `wabroadcast send` in its own process and SIGTERM it after its first sends;
    returns (exit code, campaign id, what the command printed)."""
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "GRAPH_API_URL": url,
        "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        "SEND_RATE": "40",
        "DAILY_RECIPIENT_LIMIT": "100000",
    }
    command = [sys.executable, "-m", "wabroadcast", "--env-file", str(tmp_path / "none")]
    process = subprocess.Popen(
        [*command, "send", "-t", "daily_offer", "-l", "tr", "-n", str(CONTACTS)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def sending() -> bool:
            if process.poll() is not None:
                return True
            with database.session() as session:
                accepted = session.scalar(
                    select(func.count()).select_from(Send).where(Send.state == "accepted")
                )
            return int(accepted or 0) >= 10

        wait_for(sending, 60, "the first sends")
        assert process.poll() is None, "the send ended before it could be interrupted"
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
    with database.session() as session:
        campaign_id = session.scalars(select(Campaign.id)).one()
    return process.returncode, campaign_id, output


async def resume_on_the_panel(settings: Settings, campaign_id: int) -> tuple[str, str, int]:
    """The campaign page before Resume, after it, and the sends the panel's run made."""
    async with panel(settings) as p:
        api = (await p.h.client.get(f"/api/campaigns/{campaign_id}")).json()
        assert (api["state"], api["error"], api["running_here"]) == ("paused", "interrupted", False)
        url = f"/campaigns/{campaign_id}"
        before = (await p.browser.get(f"{url}?lang=en")).text
        resumed = await p.browser.post(f"{url}/resume", data={"csrf_token": p.csrf})
        assert resumed.status_code == 303, resumed.text
        done = await p.h.campaign_done(campaign_id)
        assert done["state"] == "completed", done
        after = (await p.browser.get(f"{url}?lang=en")).text
        return before, after, len(p.h.simulator.accepted)


@pytest.mark.slow
def test_an_interrupted_send_is_paused_and_the_panel_resumes_it(
    database: Database, settings: Settings, simulator: tuple[str, Simulator], tmp_path: Path
) -> None:
    url, sim = simulator
    add_contacts(database, CONTACTS)
    code, campaign_id, output = interrupted_send(database, url, tmp_path)
    assert code == 130, output
    assert "paused it (reason: interrupted)" in output
    with database.session() as session:
        campaign = session.get_one(Campaign, campaign_id)
        assert (campaign.state, campaign.error) == ("paused", "interrupted")
        assert session.scalar(select(Send.id).where(Send.state == "claimed")) is None
    sent_here = len(sim.accepted)
    assert 10 <= sent_here < CONTACTS

    again = CliRunner().invoke(
        app,
        ["--env-file", "/nonexistent/.env", "send", "-t", "daily_offer", "-l", "tr"]
        + ["-n", str(CONTACTS)],
        env={
            "DATABASE_URL": database.url,
            "GRAPH_API_URL": url,
            "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        },
        obj={},
    )
    said = " ".join(again.output.split())
    assert again.exit_code == 1, again.output
    assert f"campaign {campaign_id} of daily_offer (tr) was interrupted" in said
    assert f"wabroadcast campaign resume {campaign_id}" in said
    assert len(sim.accepted) == sent_here

    before, after, sent_by_panel = asyncio.run(resume_on_the_panel(settings, campaign_id))
    assert 'data-testid="campaign-state">Paused<' in before
    assert str(escape(en.MESSAGES["campaign_error.interrupted"])) in before
    assert re.search(r'data-action="resume">', before)  # offered, not hidden
    assert 'data-action="pause" hidden' in before
    assert 'data-testid="campaign-state">Completed<' in after

    assert sent_here + sent_by_panel == CONTACTS
    assert max(sent_pairs(sim).values()) == 1
    with database.session() as session:
        rows = session.execute(select(Send.state, func.count()).group_by(Send.state))
        states = {state: int(count) for state, count in rows}
    assert states == {"accepted": CONTACTS}
