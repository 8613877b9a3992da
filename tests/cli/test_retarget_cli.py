"""`wabroadcast campaign retarget ID` against a simulator on a real port."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.cli.test_campaign_cli import cli, env_for
from tests.engine.helpers import add_contacts, phone, served, sim_config
from wabroadcast.simulator import Simulator, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def test_retarget_dry_run_then_sends_to_the_unread(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 4)
    env = env_for(database.url, url)
    code, output = cli(env, "campaign", "create", "-t", "daily_offer", "-l", "tr", "-n", "4")
    assert code == 0, output
    source = int(output.strip())
    assert cli(env, "campaign", "run", str(source))[0] == 0
    args = ["campaign", "retarget", str(source), "--template", "hello_world"]
    args += ["--language", "en_US", "--when", "not-read", "--after-days", "2"]

    code, output = cli(env, *args)
    assert code == 1
    assert "4 will become eligible, the first from" in output

    with database.session() as session:  # the sends were accepted three days ago; one read
        for send in session.query(Send).all():
            assert send.accepted_at is not None
            send.accepted_at -= timedelta(days=3)
            if send.phone == phone(1):
                send.status, send.read_at = "read", send.accepted_at + timedelta(hours=1)
    code, output = cli(env, *args, "--dry-run")
    assert code == 0, output
    assert "'hello_world' to 3 contacts" in output
    before = len(sim.accepted)
    code, output = cli(env, *args)
    assert code == 0, output
    assert f"(retarget of {source}: not-read after 2 days)" in output
    taken = sorted(m.to for m in sim.accepted[before:])
    assert taken == sorted(phone(i) for i in (2, 3, 4))

    code, output = cli(env, *args[:-1], "0")
    assert code == 1 and "after_days must be from 1 to 90" in output
