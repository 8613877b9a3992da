"""`wabroadcast templates …` in sandbox mode: sync reads the built-in simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from wabroadcast.cli.main import app
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact

T0 = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> CliRunner:
    return CliRunner(env={"DATABASE_URL": database_url, "WHATSAPP_ACCESS_TOKEN": None})


def invoke(cli: CliRunner, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["--env-file", str(tmp_path / "none.env"), *args])
    return result.exit_code, result.output


def flat(text: str) -> str:
    """Rich wraps long lines; compare words, not line breaks."""
    return " ".join(text.split())


def test_sync_then_list_show_and_preview(cli: CliRunner, tmp_path: Path, database_url: str) -> None:
    code, out = invoke(cli, tmp_path, "templates", "list")
    assert code == 0 and "no templates synced yet" in out

    code, out = invoke(cli, tmp_path, "templates", "sync")
    assert code == 0, out
    assert "synced 7 templates (8 name and language pairs): 8 new" in out

    code, out = invoke(cli, tmp_path, "templates", "list", "--json")
    assert code == 0, out
    rows = {(r["name"], r["language"]): r for r in json.loads(out)}
    assert rows[("winter_sale", "en_US")]["status"] == "PAUSED"
    assert rows[("spring_sale", "pt_BR")]["body_parameters"] == ["1"]
    assert rows[("order_update", "en_US")]["body_parameters"] == ["first_name", "order_id"]

    code, out = invoke(cli, tmp_path, "templates", "show", "daily_offer")
    assert code == 1 and "exists in en_US, tr: give --language" in out
    code, out = invoke(cli, tmp_path, "templates", "show", "spring_sale")
    assert code == 0, out
    assert "body: Oi {{1}}, tudo em promoção nesta primavera!" in out
    assert "body parameters: {{1}}" in out

    database = Database(database_url)
    try:
        with database.session() as session:
            session.execute(
                insert(Contact),
                [
                    {
                        "phone": "+905321000001",
                        "name": "Şükrü",
                        "index": 1,
                        "attributes": {},
                        "created_at": T0,
                        "updated_at": T0,
                    },
                    {
                        "phone": "+905321000002",
                        "name": "",
                        "index": 2,
                        "attributes": {},
                        "created_at": T0,
                        "updated_at": T0,
                    },
                ],
            )
    finally:
        database.dispose()
    code, out = invoke(
        cli, tmp_path, "templates", "preview", "spring_sale", "--param", "1=name:amigo"
    )
    assert code == 0, out
    assert out.splitlines() == [
        "1. Oi Şükrü, tudo em promoção nesta primavera!",
        "2. Oi amigo, tudo em promoção nesta primavera!",
    ]


def test_preview_errors_are_one_clear_line(cli: CliRunner, tmp_path: Path) -> None:
    assert invoke(cli, tmp_path, "templates", "sync")[0] == 0
    code, out = invoke(cli, tmp_path, "templates", "preview", "spring_sale")
    assert code == 1
    assert "body needs {{1}} but no value is given" in flat(out)
    code, out = invoke(
        cli,
        tmp_path,
        "templates",
        "preview",
        "spring_sale",
        "--param",
        "1=name",
        "--header",
        "image=ftp://x",
    )
    assert code == 1 and "link must be an http(s) URL" in flat(out)
    code, out = invoke(cli, tmp_path, "templates", "show", "daily_offer", "--language", "de")
    assert code == 1
    assert (
        "template 'daily_offer' does not exist in language 'de'; it exists in: en_US, tr"
        in flat(out)
    )
    code, out = invoke(cli, tmp_path, "templates", "show", "nope")
    assert code == 1 and "template 'nope' is not synced" in flat(out)
    assert "Traceback" not in flat(out)
