"""`wabroadcast campaign retry-deferred [ID]` against a simulator on a real port."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.cli.test_campaign_cli import cli, env_for
from tests.engine.helpers import add_contacts, phone, served, sim_config
from wabroadcast.simulator import Simulator, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send
from wabroadcast.webhooks.parse import parse_payload
from wabroadcast.webhooks.statuses import record_statuses

FIXTURE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "webhooks" / "status_failed_131049.json"
)


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config(fail_131049_rate=1.0, fail_131049_again_rate=0.0))
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def capped_a_day_ago(database: Database, simulator: Simulator) -> None:
    """Meta's failed-131049 webhook (the fixture) for every accepted message, 25 h ago,
    through the receiver's status processing."""
    at = datetime.now(UTC) - timedelta(hours=25)
    for message in simulator.accepted:
        body = json.loads(FIXTURE.read_text())
        item = body["entry"][0]["changes"][0]["value"]["statuses"][0]
        item.update(
            id=message.message_id,
            recipient_id=message.wa_id,
            biz_opaque_callback_data=message.callback_data,
            timestamp=str(int(at.timestamp())),
        )
        parsed = parse_payload(body, at)
        with database.session() as session:
            record_statuses(session, parsed.statuses, webhook_event_id=None, now=at)


def test_retry_deferred_sends_each_capped_send_once_more(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 3)
    env = env_for(database.url, url)
    args = ("campaign", "send", "--template", "daily_offer", "--language", "tr", "--limit", "3")
    code, output = cli(env, *args)
    assert code == 0, output
    capped_a_day_ago(database, sim)
    with database.session() as session:
        campaign_id = session.scalar(select(Send.campaign_id))
        assert set(session.scalars(select(Send.state))) == {"deferred"}
    code, output = cli(env, "campaign", "show", str(campaign_id))
    assert code == 0, output
    assert "deferred (131049, retried)       3" in output

    code, output = cli(env, "campaign", "retry-deferred", str(campaign_id), "--json")
    assert code == 0, output
    done = json.loads(output[output.index("{") :])
    assert (done["retried"], done["accepted"], done["failed_for_good"]) == (3, 3, 0)
    assert Counter(m.to for m in sim.accepted) == {phone(i): 2 for i in range(1, 4)}
    code, output = cli(env, "campaign", "show", str(campaign_id), "--json")
    shown = json.loads(output)
    assert (shown["deferred"], shown["retried"], shown["accepted"]) == (0, 3, 3)

    code, output = cli(env, "campaign", "retry-deferred")  # nothing due any more
    assert code == 0, output
    assert "deferred sends retried: 0" in output
    assert len(sim.accepted) == 6
    code, output = cli(env, "campaign", "retry-deferred", "999")
    assert code == 1 and "campaign 999 does not exist" in output
