"""`wabroadcast campaign retry-failed ID` against a simulator on a real port."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.cli.test_campaign_cli import cli, env_for
from tests.engine.helpers import add_contacts, phone, served, sim_config
from tests.schedules.releases import run_released
from wabroadcast.config import load_settings
from wabroadcast.simulator import Simulator, create_simulator
from wabroadcast.storage.db import Database


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def test_retry_failed_reaches_exactly_the_released_contacts(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 6)
    env = env_for(database.url, url)
    released = run_released(database, load_settings(env, env_file=None), limit=4)
    first_id, first = asyncio.run(released)  # the CLI runs its own event loop
    assert first.failed == 4
    code, output = cli(env, "campaign", "retry-failed", str(first_id))
    assert code == 0, output
    assert f"(retry of {first_id})" in output
    assert sorted(m.to for m in sim.accepted) == [phone(i) for i in range(1, 5)]
    code, output = cli(env, "campaign", "retry-failed", str(first_id))
    assert code == 1
    assert "nothing left to retry" in output
    code, output = cli(env, "campaign", "retry-failed", "999")
    assert code == 1 and "campaign 999 does not exist" in output
