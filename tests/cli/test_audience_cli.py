"""`contacts tag …`, `contacts list --tag` and `campaign send --tag/--where/--exclude-…` through
the real CLI, a simulator on a real port, and the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.cli.test_campaign_cli import cli, env_for
from tests.engine.helpers import served, sim_config
from wabroadcast.simulator import Simulator, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Send

CSV = (
    "telefon;ad;şehir;plan;etiketler\n"
    "0555 100 00 01;Ayşe;İzmir;gold;VIP;izmir\n"
    "0555 100 00 02;Mehmet;Ankara;silver;vip\n"
    "0555 100 00 03;Işık;İzmir;trial;test\n"
    "0555 100 00 04;Zeynep;İzmir;gold;\n"
)


@pytest.fixture
def simulator() -> Iterator[tuple[str, Simulator]]:
    sim_app = create_simulator(sim_config())
    with served(sim_app) as url:
        yield url, sim_app.state.simulator


def imported(database: Database, url: str, tmp_path: Path) -> dict[str, str]:
    env = env_for(database.url, url, DEFAULT_REGION="TR")
    path = tmp_path / "contacts.csv"
    path.write_text(CSV.replace(";VIP;izmir", ';"VIP;izmir"'), encoding="utf-8")
    code, output = cli(env, "contacts", "import", str(path))
    assert code == 0 and "imported 4" in output and "rejected 0" in output, output
    return env


def listed(env: dict[str, str], *args: str) -> dict[str, list[str]]:
    code, output = cli(env, "contacts", "list", "--json", *args)
    assert code == 0, output
    return {row["phone"]: row["tags"] for row in json.loads(output)}


def test_tags_from_the_import_then_added_removed_and_listed(
    database: Database, simulator: tuple[str, Simulator], tmp_path: Path
) -> None:
    env = imported(database, simulator[0], tmp_path)
    assert listed(env, "--tag", "VİP") == {  # Turkish capital İ: the same tag
        "+905551000001": ["izmir", "VIP"],
        "+905551000002": ["VIP"],
    }
    code, output = cli(env, "contacts", "tag", "add", "yeni", "vip", "--phone", "05551000004")
    assert code == 0 and "2 tags added to contacts (1 contacts chosen)" in output, output
    code, output = cli(env, "contacts", "tag", "remove", "vip", "--search", "ayşe")
    assert code == 0 and "1 tags removed from contacts" in output, output
    assert listed(env)["+905551000001"] == ["izmir"]
    assert listed(env)["+905551000004"] == ["VIP", "yeni"]
    code, output = cli(env, "contacts", "tag", "list", "--json")
    assert json.loads(output) == [
        {"name": "izmir", "contacts": 1},
        {"name": "test", "contacts": 1},
        {"name": "VIP", "contacts": 2},
        {"name": "yeni", "contacts": 1},
    ]
    code, output = cli(env, "contacts", "tag", "add", "x")
    assert code == 1 and "no contacts chosen" in output, output


def test_send_to_an_audience_and_refuse_a_malformed_one(
    database: Database, simulator: tuple[str, Simulator], tmp_path: Path
) -> None:
    url, sim = simulator
    env = imported(database, url, tmp_path)
    audience = ["--tag", "vip", "--tag", "izmir", "--match", "any", "--exclude-tag", "test"]
    where = ["--where", "şehir = İzmir"]
    code, output = cli(
        env, "send", "-t", "daily_offer", "-l", "tr", "-n", "9", *audience, *where, "--dry-run",
        "--json",
    )  # fmt: skip
    assert code == 0, output
    data = json.loads(output)
    assert data["recipients"] == ["+905551000001"]
    assert data["audience"]["where"] == ["şehir = İzmir"]

    for bad, needle in (
        (["--where", "şehir İzmir"], "is not FIELD OP VALUE"),
        (["--where", "plan in gold"], "takes a list"),
        (["--tag", "nosuch"], "no contact has tag 'nosuch'"),
        (["--match", "most"], "match must be 'any' or 'all'"),
    ):
        code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "9", *bad)
        assert code == 1 and needle in output, output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0

    code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "9", "--tag", "vip")
    assert code == 0, output
    code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "9")
    assert code == 0, output
    with database.session() as session:
        rows = session.execute(select(Send.campaign_id, Send.phone).order_by(Send.phone)).all()
    first, second = sorted({campaign for campaign, _ in rows})
    assert [phone for campaign, phone in rows if campaign == first] == [
        "+905551000001",
        "+905551000002",
    ]
    assert [phone for campaign, phone in rows if campaign == second] == [
        "+905551000003",
        "+905551000004",
    ]
    assert len(sim.accepted) == 4  # never twice: the second campaign skipped the first's
