"""`wabroadcast ab-test` against a simulator on a real port."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.cli.test_campaign_cli import cli, env_for
from tests.engine.helpers import add_contacts, served, sim_config
from wabroadcast.simulator import Simulator, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def test_create_show_decide_list_and_cancel(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 60)
    env = env_for(database.url, url)
    args = ["ab-test", "create", "--name", "wording", "--template", "daily_offer"]
    args += ["--template", "hello_world", "--language", "en_US", "--share", "20"]
    args += ["--metric", "read", "--decide-after-hours", "24", "--json"]
    code, output = cli(env, *args)
    assert code == 0, output
    test = json.loads(output[output.index("{") :])  # the progress bars are on stderr
    assert [v["variant"] for v in test["variants"]] == ["A", "B"]
    a, b = test["variants"]
    assert a["sent"] + b["sent"] == len(sim.accepted) > 0
    with database.session() as session:  # B's sends read: B wins
        for send in session.query(Send).filter_by(campaign_id=b["campaign_id"]):
            send.status, send.read_at = "read", send.accepted_at

    code, output = cli(env, "ab-test", "show", str(test["id"]))
    assert code == 0, output
    assert "wording" in output and "100.0%" in output  # B: every send read

    code, output = cli(env, "ab-test", "decide", str(test["id"]), "--json")
    assert code == 0, output
    decided = json.loads(output[output.index("{") :])
    assert decided["winner_variant"] == "B"
    assert decided["winner"]["template_name"] == "hello_world"
    assert decided["winner"]["sent"] == 60 - a["sent"] - b["sent"]
    reached = [m.to for m in sim.accepted]
    assert len(reached) == len(set(reached)) == 60  # everyone exactly once

    code, output = cli(env, "ab-test", "list")
    assert code == 0 and "wording" in output
    code, output = cli(env, "ab-test", "cancel", str(test["id"]))
    assert code == 1 and "done already" in output

    code, output = cli(env, *args[:-7], "--share", "0", *args[-5:])
    assert code == 1 and "share must be from 1 to 50" in output
