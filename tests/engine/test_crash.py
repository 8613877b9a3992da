"""kill -9 of a sending process at random moments, then resume: nothing goes out twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.engine.helpers import FakeClock, add_contacts, make_settings, served, sim_config
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import create_campaign, run_campaign, summary_of
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

KILLS = 20


def kill_repeatedly(command: list[str], env: dict[str, str], rng: random.Random) -> int:
    """Start the sender and kill -9 it after a random moment, up to KILLS times."""
    kills = 0
    for _ in range(KILLS):
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.8, 2.5))
        if process.poll() is not None:
            break  # it finished the campaign before the kill
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        kills += 1
    return kills


async def test_kill_9_at_random_moments_then_resume_sends_no_pair_twice(
    database: Database, tmp_path: Path
) -> None:
    rng = random.Random(5)
    add_contacts(database, 600)
    clock = FakeClock(datetime.now(UTC))
    with database.session() as session:
        campaign_id = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=600,
            phone_number_id="106540352242922",
            clock=clock,
        ).id
    sim_app = create_simulator(sim_config(latency=0.03, latency_jitter=0.02))
    simulator = sim_app.state.simulator
    with served(sim_app) as url:
        env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "GRAPH_API_URL": url,
            "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
            "SEND_RATE": "40",
            "DAILY_RECIPIENT_LIMIT": "100000",
        }
        command = [
            sys.executable,
            "-m",
            "wabroadcast",
            "--env-file",
            str(tmp_path / "none"),
            "campaign",
            "run",
            str(campaign_id),
        ]
        kills = kill_repeatedly(command, env, rng)
        assert kills >= 3
        # Resume in process, 16 minutes later: the dead senders' claims are stale by then.
        clock.advance(timedelta(minutes=16).total_seconds())
        async with httpx.AsyncClient(timeout=10) as http:
            client = CloudAPIClient(
                http,
                base_url=url,
                version="v25.0",
                phone_number_id="106540352242922",
                waba_id="102290129340398",
                access_token=SANDBOX_ACCESS_TOKEN,
            )
            settings = make_settings(database)
            final = await run_campaign(
                campaign_id, database=database, client=client, settings=settings, clock=clock
            )
            # Claims a dead sender never announced were released: a later campaign sends them.
            with database.session() as session:
                later_id = create_campaign(
                    session,
                    template_name="daily_offer",
                    language="en_US",
                    limit=600,
                    phone_number_id="106540352242922",
                    clock=clock,
                ).id
            later = await run_campaign(
                later_id, database=database, client=client, settings=settings, clock=clock
            )
    assert final.state == CampaignState.COMPLETED
    sent = [(m.template, m.to) for m in simulator.accepted]
    assert len(sent) == len(set(sent)), "a pair was sent twice"
    with database.session() as session:
        sends = list(session.scalars(select(Send)))
    by_phone = {s.phone: s for s in sends}
    states = {s.state for s in sends}
    assert states <= {SendState.ACCEPTED, SendState.FAILED, SendState.UNKNOWN}
    assert len(sends) == 600  # every contact ends accepted, failed or visibly unknown
    assert final.selected + later.selected == 600
    # only claims announced for sending (attempts ≥ 1) may end unknown
    assert all(s.attempts >= 1 for s in sends if s.state == SendState.UNKNOWN)
    for _, to in sent:  # nothing went out without a claim
        assert by_phone[to].state in (SendState.ACCEPTED, SendState.UNKNOWN)
    accepted_ids = {s.message_id for s in sends if s.state == SendState.ACCEPTED}
    assert accepted_ids <= {m.message_id for m in simulator.accepted}
    assert summary_of(database, campaign_id).accepted + later.accepted == len(accepted_ids)
