"""PostgreSQL restarted in the middle of a campaign: the run waits, says why, and resumes.

The restart disturbs every test using this server at that moment, so the test is short, waits
for a healthy server before it starts, and always waits for it to be back before it ends.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.helpers import add_contacts, eventually
from tests.faults.helpers import new_campaign, send_states, truth
from tests.faults.inprocess import rig, stored_message_ids
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine.lease import LeaseOptions
from wabroadcast.engine.manager import run_with_lease
from wabroadcast.storage.db import Database

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

PG_VERSION = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]


def pg_ready() -> bool:
    result = subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "1"], capture_output=True
    )
    return result.returncode == 0


def wait_for_pg(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not pg_ready():
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not come back")
        time.sleep(0.2)


def restart_pg() -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def healthy_pg(pg_url: str) -> Iterator[str]:
    """A fresh schema on a healthy server; waits for the server again before the schema is
    dropped, whatever happened."""
    wait_for_pg()
    try:
        yield pg_url
    finally:
        wait_for_pg()  # ALWAYS leave the server up for everyone else


async def test_postgres_restart_mid_campaign_pauses_then_resumes_losing_nothing(
    healthy_pg: str, tmp_path: Path
) -> None:
    database = Database(healthy_pg)
    try:
        add_contacts(database, 400)
        campaign_id = new_campaign(database, 400)
        waits: list[str] = []
        async with rig(database, tmp_path, rate=50) as r:
            run = asyncio.create_task(
                run_with_lease(
                    campaign_id,
                    database=database,
                    client_for=lambda _number: r.client,
                    settings=r.settings,
                    lease_options=LeaseOptions(ttl=3.0, heartbeat=0.5, poll=0.2),
                    on_wait=waits.append,
                    outage_retry=0.5,
                )
            )
            await eventually(lambda: len(r.simulator.accepted) >= 50, "the campaign to be sending")
            assert not run.done()
            before = len(r.simulator.accepted)
            try:
                await asyncio.to_thread(restart_pg)
            finally:
                await asyncio.to_thread(wait_for_pg)
            summary = await asyncio.wait_for(run, timeout=90)
            async with asyncio.timeout(60):
                await r.emitter.drain()
            stats = r.emitter.stats
        assert 0 < before < 400  # the restart really came mid-campaign
        assert any("database is unavailable" in w and "resumes" in w for w in waits), waits
        assert summary.state == CampaignState.COMPLETED
        pairs = truth(r.log_path)
        assert max(pairs.values()) == 1, "a pair was sent twice"
        states = send_states(database, campaign_id)
        assert states[SendState.CLAIMED.value] == 0
        assert sum(states.values()) == 400
        # No webhook lost: every accepted message has a stored status, none given up on.
        assert stats.updates_dropped == 0
        accepted_ids = {m.message_id for m in r.simulator.accepted}
        assert accepted_ids <= stored_message_ids(database)
    finally:
        database.dispose()
