"""`wabroadcast campaign …` and `wabroadcast sends …` against a simulator on a real port."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from tests.engine.helpers import add_contacts, phone, sent_pairs, served, sim_config, wa_id
from tests.faults.helpers import wait_for
from wabroadcast.cli.main import app
from wabroadcast.clock import SystemClock
from wabroadcast.domain.models import SendState
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN, Simulator, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Send, WebhookEvent

runner = CliRunner()


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def env_for(database_url: str, graph_url: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "GRAPH_API_URL": graph_url,
        "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        "SEND_RATE": "1000",
        "DAILY_RECIPIENT_LIMIT": "100000",
        **extra,
    }


def cli(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(
        app, ["--env-file", "/nonexistent/.env", *args], env=env, obj={}, input=input
    )
    return result.exit_code, result.output


def test_send_twice_reaches_the_next_contacts_like_the_original_day_two(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 500)
    env = env_for(database.url, url)
    args = ("campaign", "send", "--template", "daily_offer", "--language", "tr", "--limit", "225")
    code, output = cli(env, *args)
    assert code == 0, output
    assert "accepted" in output and "225" in output
    code, output = cli(env, *args)
    assert code == 0, output
    day_two = [m.wa_id for m in sim.accepted[225:]]
    assert sorted(day_two) == [wa_id(phone(i)) for i in range(226, 451)]
    assert max(sent_pairs(sim).values()) == 1


def test_top_level_send_is_the_campaign_send_of_the_issue(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    """`wabroadcast send --template daily_offer --language tr --limit N`, as issue 5 names it."""
    url, sim = simulator
    add_contacts(database, 10)
    env = env_for(database.url, url)
    args = ("send", "--template", "daily_offer", "--language", "tr", "--limit", "4", "--json")
    code, output = cli(env, *args)
    assert code == 0, output
    assert json.loads(output[output.index("{") :])["successful_sends"] == 4
    code, output = cli(env, *args)
    assert code == 0, output
    accepted = [m.wa_id for m in sim.accepted]
    # day one reached contacts 1-4 and day two 5-8; within a day requests run concurrently
    assert sorted(accepted[:4]) == [wa_id(phone(i)) for i in range(1, 5)]
    assert sorted(accepted[4:]) == [wa_id(phone(i)) for i in range(5, 9)]


def test_unknown_template_gives_the_clear_message_not_a_traceback(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 5)
    code, output = cli(
        env_for(database.url, url),
        "campaign",
        "send",
        "--template",
        "nope",
        "--language",
        "tr",
        "--limit",
        "5",
    )
    assert code == 1
    # The templates table was empty: the CLI synced it from the Cloud API to say what exists.
    assert "template 'nope' does not exist; the account has: daily_offer" in output
    assert "Traceback" not in output
    assert sim.accepted == []
    with database.session() as session:
        assert session.scalar(select(Campaign.id)) is None  # refused before a campaign row
    code, output = cli(
        env_for(database.url, url), "send", "-t", "daily_offer", "-l", "xx", "-n", "5"
    )
    assert code == 1
    assert "template 'daily_offer' does not exist in language 'xx'; it exists in: " in output
    code, output = cli(
        env_for(database.url, url), "send", "-t", "Daily Offer<b>", "-l", "tr", "-n", "5"
    )
    assert code == 1 and "is not a template name" in output
    with database.session() as session:
        assert session.scalar(select(Campaign.id)) is None


def test_dry_run_lists_recipients_and_sends_nothing(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 30)
    code, output = cli(
        env_for(database.url, url, DAILY_RECIPIENT_LIMIT="12"),
        "campaign",
        "send",
        "-t",
        "daily_offer",
        "-l",
        "tr",
        "-n",
        "20",
        "--dry-run",
        "--json",
    )
    assert code == 0, output
    data = json.loads(output)
    assert data["recipients"] == [phone(i) for i in range(1, 13)]
    assert (data["total_eligible"], data["held_back"]) == (30, 8)
    assert sim.accepted == []
    with database.session() as session:
        assert session.scalars(select(Send)).first() is None
        assert session.scalars(select(Campaign)).first() is None


def test_dry_run_shows_each_contact_name_next_to_its_number(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    ids = add_contacts(database, 3)
    names = {ids[0]: "Ayşe Yılmaz", ids[1]: "[bold]Ali[/bold]", ids[2]: None}
    with database.session() as session:
        for contact_id, name in names.items():
            session.execute(update(Contact).where(Contact.id == contact_id).values(name=name))
    env = env_for(database.url, url)
    args = ("send", "-t", "daily_offer", "-l", "tr", "-n", "3", "--dry-run")
    code, output = cli(env, *args)
    assert code == 0, output
    rows = [line for line in output.splitlines() if "+90" in line]
    assert len(rows) == 3, output
    assert phone(1) in rows[0] and "Ayşe Yılmaz" in rows[0]
    assert phone(2) in rows[1] and "[bold]Ali[/bold]" in rows[1]  # printed as it is
    assert phone(3) in rows[2]
    code, output = cli(env, *args, "--json")
    assert code == 0, output
    assert json.loads(output)["contacts"] == [
        {"phone": phone(1), "name": "Ayşe Yılmaz"},
        {"phone": phone(2), "name": "[bold]Ali[/bold]"},
        {"phone": phone(3), "name": None},
    ]
    assert sim.accepted == []


def test_json_output_has_the_original_fields(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, _ = simulator
    add_contacts(database, 4)
    code, output = cli(
        env_for(database.url, url),
        "campaign",
        "send",
        "-t",
        "daily_offer",
        "-l",
        "tr",
        "-n",
        "3",
        "--json",
    )
    assert code == 0, output
    start = output.index("{")
    data = json.loads(output[start:])
    assert data["success"] is True and data["template"] == "daily_offer"
    assert (data["total_selected"], data["successful_sends"], data["failed_sends"]) == (3, 3, 0)
    assert data["total_eligible"] == 4 and len(data["results"]) == 3
    assert isinstance(data["campaign_id"], int)


def test_create_pause_resume_cancel_list_and_show(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, sim = simulator
    add_contacts(database, 10)
    env = env_for(database.url, url)
    code, output = cli(env, "campaign", "create", "-t", "daily_offer", "-l", "tr", "-n", "4")
    assert code == 0, output
    campaign_id = int(output.strip())
    assert cli(env, "campaign", "pause", str(campaign_id))[1].strip().endswith("is paused")
    code, output = cli(env, "campaign", "run", str(campaign_id))
    assert sim.accepted == []  # a paused campaign does not send
    code, output = cli(env, "campaign", "resume", str(campaign_id))
    assert code == 0, output
    assert len(sim.accepted) == 4
    code, output = cli(env, "campaign", "cancel", str(campaign_id))
    assert code == 1 and "it cannot change" in output
    code, output = cli(env, "campaign", "show", str(campaign_id), "--json")
    assert json.loads(output)["state"] == "completed"
    code, output = cli(env, "campaign", "list")
    assert code == 0 and "daily_offer" in output
    code, output = cli(env, "campaign", "show", "999")
    assert code == 1 and "campaign 999 does not exist" in output


def test_sends_unknown_lists_and_release_frees_only_old_ones(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, _ = simulator
    ids = add_contacts(database, 3)
    now = SystemClock().now()
    with database.session() as session:
        for i, contact_id in enumerate(ids):
            claimed = now - timedelta(hours=30 if i < 2 else 1)
            session.add(
                Send(
                    template_name="daily_offer",
                    contact_id=contact_id,
                    language="tr",
                    phone=phone(i + 1),
                    state=SendState.UNKNOWN.value,
                    attempts=1,
                    claimed_at=claimed,
                    updated_at=claimed,
                )
            )
    env = env_for(database.url, url)
    code, output = cli(env, "sends", "unknown", "--json")
    assert code == 0 and json.loads(output)["total"] == 3
    code, output = cli(env, "sends", "release", "--older-than", "soon", "--yes")
    assert code == 2 and "not a duration" in output
    code, output = cli(env, "sends", "release", "--older-than", "24h", input="n\n")
    assert code == 1
    code, output = cli(env, "sends", "release", "--older-than", "24h", "--yes")
    assert code == 0 and "released 2" in output
    with database.session() as session:
        assert list(session.scalars(select(Send.contact_id))) == [ids[2]]


def test_sandbox_without_token_runs_the_simulator_in_process_and_says_so(
    database: Database,
) -> None:
    add_contacts(database, 3)
    env = {"DATABASE_URL": database.url, "DAILY_RECIPIENT_LIMIT": "100"}
    code, output = cli(env, "campaign", "send", "-t", "daily_offer", "-l", "tr", "-n", "3")
    assert code == 0, output
    assert "built-in Cloud API simulator" in output
    with database.session() as session:
        states = list(session.scalars(select(Send.state)))
    assert states == [SendState.ACCEPTED.value] * 3


def test_sandbox_send_waits_for_the_simulators_statuses_and_records_them(
    database: Database,
) -> None:
    """No server runs: the command's own simulator posts its signed status webhooks to the
    real receiver in process, and the command ends only once they are stored."""
    add_contacts(database, 20)
    env = {"DATABASE_URL": database.url, "DAILY_RECIPIENT_LIMIT": "100"}
    code, output = cli(env, "campaign", "send", "-t", "daily_offer", "-l", "tr", "-n", "20")
    assert code == 0, output
    assert "recorded by this command" in output
    assert "waiting up to 60 s for the status webhooks of 20 messages" in output
    with database.session() as session:
        statuses = list(session.scalars(select(Send.status)))
        events = session.scalar(select(func.count()).select_from(WebhookEvent))
        unprocessed = session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
        )
    assert len(statuses) == 20 and None not in statuses, statuses
    assert set(statuses) <= {"sent", "delivered", "read", "failed"}  # some phones stay off
    assert events and unprocessed == 0
    delivered = sum(status in ("delivered", "read") for status in statuses)
    assert re.search(rf"^  delivered +{delivered}$", output, re.MULTILINE), output


@pytest.mark.slow
def test_two_processes_on_one_template_send_no_pair_twice(
    database: Database, tmp_path: Path
) -> None:
    """Two `campaign run` processes on one campaign plus a `campaign send` of the same
    template, all at once, against one simulator: the ground truth has no pair twice.
    250 + 150 requested = the 400 contacts, so each campaign gets exactly its limit."""
    sim_app = create_simulator(sim_config(latency=0.02, latency_jitter=0.01, rate=400.0))
    add_contacts(database, 400)
    with served(sim_app) as url:
        env = {**os.environ, **env_for(database.url, url, SEND_RATE="300")}
        code, output = cli(env, "campaign", "create", "-t", "daily_offer", "-l", "tr", "-n", "250")
        assert code == 0, output
        campaign_id = output.strip()
        command = [sys.executable, "-m", "wabroadcast", "--env-file", str(tmp_path / "none")]
        processes = [
            subprocess.Popen(
                [*command, "campaign", "run", campaign_id],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        processes.append(
            subprocess.Popen(
                [*command, "campaign", "send", "-t", "daily_offer", "-l", "en_US", "-n", "150"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        outputs = [p.communicate(timeout=120)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
    sim = sim_app.state.simulator
    pairs = sent_pairs(sim)
    assert max(pairs.values()) == 1
    assert len(pairs) == 400
    with database.session() as session:
        first = session.get_one(Campaign, int(campaign_id))
        assert first.accepted_count == 250
        assert session.scalar(select(Send.id).where(Send.state == "claimed")) is None


def test_campaign_create_names_a_configured_number_and_refuses_others(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    url, _ = simulator
    env = env_for(database.url, url, PHONE_NUMBERS="106540352242999:500")
    base = ("campaign", "create", "--template", "daily_offer", "--language", "tr", "-n", "5")
    code, output = cli(env, *base, "--phone-number-id", "106540352242999")
    assert code == 0, output
    code, output = cli(env, *base, "--phone-number-id", "123")
    assert code != 0
    assert "--phone-number-id" in output and "123 is not configured" in output
    with database.session() as session:
        numbers = list(session.scalars(select(Campaign.phone_number_id)))
    assert numbers == ["106540352242999"]


def test_streamed_json_is_the_api_answer(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    """--json is written row by row; it must still be exactly the original tool's answer."""
    from wabroadcast.web.api.original import send_response

    url, _ = simulator
    add_contacts(database, 25)
    args = ("send", "-t", "daily_offer", "-l", "tr", "-n", "25", "--json")
    code, output = cli(env_for(database.url, url), *args)
    assert code == 0, output
    data = json.loads(output[output.index("{") :])
    expected = send_response(database, data["campaign_id"]).model_dump(mode="json")
    assert data == expected
    assert len(data["results"]) == 25 and data["successful_sends"] >= 1
    assert len({item["phone"] for item in data["results"]}) == 25


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_send_is_paused_and_resumed_never_resent(
    database: Database, simulator: tuple[str, Simulator], tmp_path: Path, stop: signal.Signals
) -> None:
    """Ctrl-C or SIGTERM during `send` pauses the campaign (reason: interrupted); the same
    `send` again refuses and names `campaign resume`, which sends the rest exactly once."""
    url, sim = simulator
    add_contacts(database, 300)
    env = {**os.environ, **env_for(database.url, url, SEND_RATE="40")}
    command = [sys.executable, "-m", "wabroadcast", "--env-file", str(tmp_path / "none")]
    send = ("campaign", "send", "-t", "daily_offer", "-l", "tr", "-n", "300")
    process = subprocess.Popen(
        [*command, *send], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for(lambda: len(sim.accepted) >= 10 or process.poll() is not None, 60, "sends")
        assert process.poll() is None, "the send ended before it could be interrupted"
        process.send_signal(stop)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, output
    with database.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert (campaign.state, campaign.error) == ("paused", "interrupted")
        assert session.scalar(select(Send.id).where(Send.state == "claimed")) is None
    assert "paused it (reason: interrupted)" in output
    assert f"wabroadcast campaign resume {campaign.id}" in output
    sent_before = len(sim.accepted)
    assert 10 <= sent_before < 300

    code, output = cli(env, *send)
    assert code != 0
    assert f"campaign {campaign.id} of daily_offer (tr) was interrupted" in output
    assert f"wabroadcast campaign resume {campaign.id}" in output
    assert len(sim.accepted) == sent_before  # refused: nothing sent, no second campaign
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1

    code, output = cli(env, "campaign", "resume", str(campaign.id))
    assert code == 0, output
    pairs = sent_pairs(sim)
    assert len(pairs) == 300 and max(pairs.values()) == 1
    with database.session() as session:
        assert session.get_one(Campaign, campaign.id).state == "completed"


US_SKIPPED = (
    "2 US (+1) numbers skipped: Meta does not deliver marketing templates to US numbers "
    "(since 2025-04-01); MARKETING_TO_US=true sends to them"
)


def test_a_marketing_campaign_says_how_many_us_numbers_it_skipped_and_why(
    database: Database, simulator: tuple[str, Simulator]
) -> None:
    """daily_offer is MARKETING in the simulator's account (synced by the first command)."""
    url, sim = simulator
    us = ["+12025550101", "+14155550102"]
    add_contacts(database, 4, phones=[phone(1), us[0], phone(3), us[1]])
    env = env_for(database.url, url)
    code, output = cli(env, "templates", "sync")
    assert code == 0, output
    code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "10", "--dry-run")
    assert code == 0, output
    assert "would go to 2 of 2 eligible contacts" in output
    assert US_SKIPPED in " ".join(output.split())
    code, output = cli(
        env, "send", "-t", "daily_offer", "-l", "tr", "-n", "10", "--dry-run", "--json"
    )
    assert code == 0, output
    assert json.loads(output)["skipped_us"] == 2
    code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "10")
    assert code == 0, output
    assert US_SKIPPED in " ".join(output.split())
    assert sorted(m.wa_id for m in sim.accepted) == [wa_id(phone(1)), wa_id(phone(3))]
