"""`wabroadcast schedule …`: create, list, show, pause, resume, delete, run-due (sandbox)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from tests.schedules.conftest import add_contacts
from wabroadcast.cli.main import app
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Schedule, Send


@pytest.fixture
def cli(database_url: str) -> CliRunner:
    return CliRunner(env={"DATABASE_URL": database_url, "WHATSAPP_ACCESS_TOKEN": None})


def run(cli: CliRunner, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["--env-file", str(tmp_path / "none.env"), *args])
    return result.exit_code, " ".join(result.output.split())


def test_schedule_lifecycle(cli: CliRunner, tmp_path: Path, database: Database) -> None:
    add_contacts(database, 1_000)
    code, out = run(
        cli,
        tmp_path,
        "schedule",
        "create",
        "daily_offer",
        "--language",
        "tr",
        "--daily",
        "225",
        "--at",
        "10:00",
        "--tz",
        "Europe/Istanbul",
        "--window",
        "09:00-20:00",
        "--param",
        "1=name:Müşterimiz",
    )
    assert code == 0, out
    assert "schedule 1: daily_offer (tr) to 225 contacts a day at 10:00 Europe/Istanbul" in out
    assert "1000 eligible → 5 days" in out

    code, out = run(cli, tmp_path, "schedule", "list", "--json")
    assert code == 0, out
    [row] = json.loads(out)
    assert row["window"] == "09:00–20:00 Europe/Istanbul"
    assert (row["state"], row["days_remaining"]) == ("active", 5)

    assert run(cli, tmp_path, "schedule", "pause", "1") == (0, "schedule 1: paused")
    code, out = run(cli, tmp_path, "schedule", "pause", "1")
    assert code == 1 and "schedule 1 is paused, not active" in out
    code, out = run(cli, tmp_path, "schedule", "resume", "1")
    assert code == 0 and "schedule 1: resumed" in out
    code, out = run(cli, tmp_path, "schedule", "show", "1")
    assert code == 0 and "paused" in out and "resumed" in out
    assert run(cli, tmp_path, "schedule", "delete", "1") == (0, "schedule 1: deleted")
    code, out = run(cli, tmp_path, "schedule", "show", "1")
    assert code == 1 and "no schedule with id 1" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--daily", "0"], "daily count must be between 1 and 10,000,000, got 0"),
        (["--tz", "Europe/Istnbul"], "unknown time zone 'Europe/Istnbul'"),
        (["--window", "0900"], "--window must be START-END"),
        (["--param", "1"], "--param: expected KEY=FIELD[:FALLBACK]"),
    ],
)
def test_bad_input_is_one_clear_line(
    cli: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    base = {"--language": "tr", "--daily": "225", "--at": "10:00", "--tz": "Europe/Istanbul"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [item for pair in base.items() for item in pair]
    code, out = run(cli, tmp_path, "schedule", "create", "daily_offer", *flat)
    assert code == 1
    assert message in out and "Traceback" not in out


def test_run_due_sends_the_day_once(cli: CliRunner, tmp_path: Path, database: Database) -> None:
    add_contacts(database, 30)
    code, out = run(
        cli,
        tmp_path,
        "schedule",
        "create",
        "daily_offer",
        "--language",
        "tr",
        "--daily",
        "20",
        "--at",
        "00:00",
        "--tz",
        "UTC",
    )
    assert code == 0, out
    code, out = run(cli, tmp_path, "schedule", "run-due")
    assert code == 0 and out.endswith("nothing due"), out
    assert "built-in Cloud API simulator" in out  # sandbox: no token
    today_midnight = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    with database.session() as session:
        session.execute(update(Schedule).values(next_run_at=today_midnight))

    code, out = run(cli, tmp_path, "schedule", "run-due")
    assert code == 0, out
    assert "schedule 1" in out and "done campaign 1 campaign completed: 20 accepted" in out
    assert "waiting up to 60 s for the status webhooks of 20 messages" in out
    code, out = run(cli, tmp_path, "schedule", "run-due")
    assert code == 0 and out.endswith("nothing due"), out
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Send)) == 20
        # the command's own simulator reported on every send before the command ended
        assert session.scalar(select(func.count()).where(Send.status.is_(None))) == 0
