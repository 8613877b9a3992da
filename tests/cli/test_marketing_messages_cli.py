"""`campaign show` says which endpoint the sends went through, and the run's note."""

from __future__ import annotations

import pytest

from tests.cli.test_campaign_cli import cli, env_for
from tests.engine.helpers import add_contacts, served, sim_config
from wabroadcast.simulator import create_simulator
from wabroadcast.storage.db import Database


@pytest.mark.parametrize("terms_accepted", [True, False])
def test_show_names_the_endpoint_and_the_fallback_note(
    database: Database, terms_accepted: bool
) -> None:
    sim_app = create_simulator(sim_config(marketing_messages_terms_accepted=terms_accepted))
    add_contacts(database, 3)
    with served(sim_app) as url:
        env = env_for(database.url, url, MARKETING_MESSAGES_API="prefer")
        code, output = cli(env, "templates", "sync")
        assert code == 0, output
        code, output = cli(env, "campaign", "create", "-t", "daily_offer", "-l", "tr", "-n", "3")
        assert code == 0, output
        campaign_id = output.strip()
        code, output = cli(env, "campaign", "run", campaign_id)
        assert code == 0, output
        code, output = cli(env, "campaign", "show", campaign_id)
    assert code == 0, output
    endpoints = [m.endpoint for m in sim_app.state.simulator.accepted]
    if terms_accepted:
        assert endpoints == ["marketing_messages"] * 3
        assert "sent through: marketing_messages 3" in output
        assert "note:" not in output
    else:
        assert endpoints == ["messages"] * 3
        assert "sent through: messages 3" in output
        flat = " ".join(output.split())  # the console wraps long lines
        assert "note: sent through /messages from " in flat
        assert "has not accepted the Marketing Messages API terms" in flat
