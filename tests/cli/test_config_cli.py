"""`wabroadcast config` says which Cloud API the commands really talk to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from typer.testing import CliRunner

from tests.engine.helpers import add_contacts, served, sim_config
from wabroadcast.cli.main import app
from wabroadcast.simulator import create_simulator
from wabroadcast.storage import number_limits
from wabroadcast.storage.db import Database

runner = CliRunner()
UNSET = {"WHATSAPP_ACCESS_TOKEN": None, "GRAPH_API_URL": None, "PHONE_NUMBERS": None}


def cli(env: Mapping[str, str | None], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--env-file", "/nonexistent/.env", *args], env=env, obj={})
    return result.exit_code, result.output


def settings_lines(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def send(env: Mapping[str, str | None]) -> tuple[int, str]:
    return cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "2")


def test_sandbox_config_shows_the_builtin_simulator_that_send_uses(database: Database) -> None:
    add_contacts(database, 2)
    env = {**UNSET, "DATABASE_URL": database.url, "DAILY_RECIPIENT_LIMIT": "100"}
    code, output = cli(env, "config")
    assert code == 0, output
    assert settings_lines(output)["GRAPH_API_URL"] == "built-in simulator (sandbox)"
    assert "graph.facebook.com" not in output
    assert "# mode: sandbox (built-in simulator)" in output
    code, output = send(env)
    assert code == 0, output
    assert "built-in Cloud API simulator" in output


def test_sandbox_pointed_at_a_running_simulator_shows_and_uses_its_url(database: Database) -> None:
    add_contacts(database, 2)
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        env = {**UNSET, "DATABASE_URL": database.url, "GRAPH_API_URL": url}
        env["DAILY_RECIPIENT_LIMIT"] = "100"
        code, output = cli(env, "config")
        assert code == 0, output
        assert settings_lines(output)["GRAPH_API_URL"] == url
        assert f"simulator at {url}" in output
        code, output = send(env)
    assert code == 0, output
    assert "built-in Cloud API simulator" not in output
    assert len(sim_app.state.simulator.accepted) == 2


def test_live_config_shows_meta_url() -> None:
    env = {**UNSET, "WHATSAPP_ACCESS_TOKEN": "EAAG" + "x" * 40}
    code, output = cli(env, "config")
    assert code == 0, output
    assert settings_lines(output)["GRAPH_API_URL"] == "https://graph.facebook.com"
    assert "# mode: live (https://graph.facebook.com)" in output


def test_config_lists_each_number_with_its_rate_and_daily_cap() -> None:
    """A coexistence number (also on the WhatsApp Business app) is held at 20 msg/s by Meta:
    it gets `:20` in PHONE_NUMBERS, and `config` shows the rate each number sends at."""
    env = {**UNSET, "PHONE_NUMBER_ID": "106540352242922", "SEND_RATE": "80"}
    env["PHONE_NUMBERS"] = "106540352242922,107000000000001:20:500"
    code, output = cli(env, "config")
    assert code == 0, output
    assert (
        "# number 106540352242922: 80 msg/s (SEND_RATE), daily limit read from the Graph API "
        "when a run starts (250 if that fails)"
    ) in output
    assert (
        "# number 107000000000001: 20 msg/s (PHONE_NUMBERS), cap 500 recipients a day (setting)"
        in output
    )


def test_config_shows_what_account_webhooks_changed_and_when(database: Database) -> None:
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with database.session() as session:
        number_limits.record_throughput(session, "15550783881", "HIGH", at=at, now=at)
        number_limits.record_quality_event(session, "15550783881", "FLAGGED", at=at, now=at)
        number_limits.remember_phone_number_id(session, "15550783881", "106540352242922")
        number_limits.record_daily_limit(session, 2000, at=at, now=at)
    env = {**UNSET, "DATABASE_URL": database.url, "PHONE_NUMBER_ID": "106540352242922"}
    env.update({"MAX_SEND_RATE": "500", "PHONE_NUMBERS": "106540352242922,107000000000001:20"})
    code, output = cli(env, "config")
    assert code == 0, output
    assert (
        "# number 106540352242922: 500 msg/s (webhook THROUGHPUT_UPGRADE at 2026-11-25 12:00 UTC"
        " (capped by MAX_SEND_RATE)), cap 2,000 recipients a day (webhook at 2026-11-25 12:00 UTC)"
        ", last quality event FLAGGED at 2026-11-25 12:00 UTC"
    ) in output
    assert "# number 107000000000001: 20 msg/s (PHONE_NUMBERS), cap 2,000" in output
