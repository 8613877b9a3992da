"""`wabroadcast contacts` and `history` through the real CLI, checked in the database after."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from wabroadcast.cli import app
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"


def invoke(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["--env-file", str(tmp_path / "none.env"), *args],
        obj={},
        env={"DATABASE_URL": database_url, "DEFAULT_REGION": "TR"},
    )
    return result.exit_code, result.output


def stored(database_url: str) -> dict[str, Contact]:
    database = Database(database_url)
    try:
        with database.session() as session:
            return {c.phone: c for c in session.scalars(select(Contact))}
    finally:
        database.dispose()


def test_import_reports_bad_rows_writes_the_report_and_imports_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    path = FIXTURES / "contacts_with_index.json"
    code, output = invoke(
        database_url, tmp_path, "contacts", "import", str(path), "--report", str(report)
    )

    assert code == 0, output
    assert "imported 4, updated 0, unchanged 0, rejected 6" in output
    assert f"{path}:4 (element 3): no phone number" in output
    with open(report, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(int(r["line"]) for r in rows) == [4, 5, 7, 8, 9, 10]
    assert set(stored(database_url)) == {
        "+905551234567", "+905321112233", "+905421234567", "+905441234567"
    }  # fmt: skip

    code, output = invoke(database_url, tmp_path, "contacts", "import", str(path))
    assert code == 0 and "imported 0, updated 0, unchanged 4, rejected 6" in output


def test_csv_with_column_options_and_dry_run(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Kisi,GSM No,Segment\nAyşe,0555 123 45 67,vip\n")
    args = ["contacts", "import", str(path), "--phone-column", "GSM No", "--name-column", "Kisi"]

    code, output = invoke(database_url, tmp_path, *args, "--dry-run")
    assert code == 0, output
    assert "imported 1" in output and "dry run" in output
    assert stored(database_url) == {}

    code, output = invoke(database_url, tmp_path, *args)
    assert code == 0, output
    contact = stored(database_url)["+905551234567"]
    assert (contact.name, contact.attributes) == ("Ayşe", {"Segment": "vip"})


def test_unreadable_file_exits_non_zero_and_says_why(database_url: str, tmp_path: Path) -> None:
    code, output = invoke(database_url, tmp_path, "contacts", "import", str(tmp_path / "no.csv"))
    assert code == 1
    assert "cannot open" in output and "no.csv" in output

    headerless = tmp_path / "plain.csv"
    headerless.write_text("foo,bar\n1,2\n")
    code, output = invoke(database_url, tmp_path, "contacts", "import", str(headerless))
    assert code == 1 and "--phone-column" in output
    assert stored(database_url) == {}


def test_list_count_and_stats_after_history_import(database_url: str, tmp_path: Path) -> None:
    invoke(database_url, tmp_path, "contacts", "import", str(FIXTURES / "contacts_with_index.json"))
    code, output = invoke(
        database_url, tmp_path, "history", "import", str(FIXTURES / "message_history.json")
    )
    assert code == 0, output
    assert "sends imported 4" in output and "contacts created 1" in output

    code, output = invoke(
        database_url, tmp_path, "contacts", "list", "--search", "0532 111", "--json"
    )
    assert code == 0, output
    assert [c["name"] for c in json.loads(output)] == ["Mehmet Demir"]
    for search, name in (("ayse YILMAZ", "Ayşe Yılmaz"), ("ŞAHİN", "Fatma Şahin")):
        code, output = invoke(
            database_url, tmp_path, "contacts", "list", "--search", search, "--json"
        )
        assert code == 0, output
        assert [c["name"] for c in json.loads(output)] == [name], search

    code, output = invoke(
        database_url, tmp_path, "contacts", "list", "--limit", "2", "--offset", "1", "--json"
    )
    assert [c["index"] for c in json.loads(output)] == [2, 5]

    code, output = invoke(database_url, tmp_path, "contacts", "count", "--json")
    assert json.loads(output) == {"total": 5, "opted_out": 0, "unreachable": 0}

    code, output = invoke(database_url, tmp_path, "stats", "--json")
    numbers = json.loads(output)
    assert (numbers["contacts"], numbers["messages_sent"]) == (5, 4)

    database = Database(database_url)
    try:
        with database.session() as session:
            assert session.query(Send).count() == 4
    finally:
        database.dispose()


def test_history_import_refuses_encodings_that_are_not_text(
    database_url: str, tmp_path: Path
) -> None:
    """rot13, zlib and base64 crashed with a traceback; utf-7 decoded the file silently."""
    path = tmp_path / "message_history.json"
    path.write_text('{"daily_offer": ["905551234567"]}')
    invoke(database_url, tmp_path, "db", "upgrade")
    for encoding in ("rot13", "zlib", "base64", "utf-7"):
        code, output = invoke(
            database_url, tmp_path, "history", "import", str(path), "--encoding", encoding
        )
        assert code == 1, output
        assert f"'{encoding}' is not a text encoding for files" in output
        assert "Traceback" not in output
    code, output = invoke(database_url, tmp_path, "history", "import", str(path))
    assert code == 0 and "sends imported 1" in output, output


def one_line(output: str) -> str:
    return " ".join(output.split())


def test_broken_json_names_the_file_line_and_column(database_url: str, tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.json"
    contacts.write_text(
        '[\n {"id": "+905551234567", "name": "A"},\n {"id": "+905551234568" "name": "B"},\n'
        ' {"id": "+905551234569", "name": "C"}\n]\n'
    )
    code, output = invoke(database_url, tmp_path, "contacts", "import", str(contacts))
    assert code == 0, output
    assert (
        f"rejected {contacts}:3 (element 2): broken JSON at line 3, column 25: "
        "Expecting ',' delimiter"
    ) in one_line(output)
    assert "imported 2, updated 0, unchanged 0, rejected 1" in output

    history = tmp_path / "message_history.json"
    history.write_text('{"daily_offer": ["+905551234567",\n  "+905551234569"\n  "17"]}')
    code, output = invoke(database_url, tmp_path, "history", "import", str(history))
    assert code == 0, output
    assert (
        f"rejected {history}:3: broken JSON at line 3, column 3: expected ',' or ']', found '\"'"
    ) in one_line(output)
    assert "sends imported 2" in output

    for command, wrong_shape in (("contacts", history), ("history", contacts)):
        code, output = invoke(database_url, tmp_path, command, "import", str(wrong_shape))
        assert code == 1, output
        assert f"error: {wrong_shape}: line 1, column 1: expected a JSON" in one_line(output)


def test_history_import_says_how_many_contacts_it_created_or_skips_them(
    database_url: str, tmp_path: Path
) -> None:
    invoke(database_url, tmp_path, "contacts", "import", str(FIXTURES / "contacts_with_index.json"))
    history = str(FIXTURES / "message_history.json")
    report = tmp_path / "report.csv"
    args = ("history", "import", history, "--no-new-contacts", "--report", str(report))

    code, output = invoke(database_url, tmp_path, *args)
    assert code == 0, output
    text = one_line(output)
    assert f"skipped {history}:2 (element 4): not in the contact list" in text
    assert "sends imported 3, already recorded 0, rejected 2" in text
    assert "skipped 1: entries whose number is not in the contact list" in text
    assert "+905069998877" not in stored(database_url)
    with open(report, newline="") as handle:
        reasons = [row["reason"] for row in csv.DictReader(handle)]
    assert len(reasons) == 3 and sum("not in the contact list" in r for r in reasons) == 1

    code, output = invoke(database_url, tmp_path, "history", "import", history)
    assert code == 0, output
    assert "sends imported 1, already recorded 3" in one_line(output)
    assert (
        "contacts created 1: numbers that were not in the contact list, added without a name"
    ) in one_line(output)
    assert stored(database_url)["+905069998877"].name is None

    code, output = invoke(database_url, tmp_path, "history", "import", history)
    assert "contacts created 0: every number was already in the contact list" in one_line(output)
