"""Contact import on SQLite and PostgreSQL: bad rows named, good rows kept, re-import a no-op."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.contacts.conftest import FIXTURES, StepClock
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection
from wabroadcast.contacts.sources import UnreadableFile
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact


def contacts_by_phone(database: Database) -> dict[str, Contact]:
    with database.session() as session:
        return {c.phone: c for c in session.scalars(select(Contact))}


def run(database: Database, path: Path, **options: object) -> tuple[object, list[Rejection]]:
    rejections: list[Rejection] = []
    summary = import_contacts(
        database, path, clock=StepClock(), on_rejection=rejections.append, **options
    )
    return summary, rejections


def test_seed_json_imports_good_rows_and_names_each_broken_one(database: Database) -> None:
    path = FIXTURES / "contacts_with_index.json"
    summary, rejections = run(database, path)

    stored = contacts_by_phone(database)
    assert {p: (c.name, c.index) for p, c in stored.items()} == {
        "+905551234567": ("Ayşe Yılmaz", 1),
        "+905321112233": ("Mehmet Demir", 2),
        "+905421234567": ("Zeynep Kaya", 5),
        "+905441234567": ("Fatma Şahin", 10),
    }
    by_line = {r.line: r for r in rejections}
    assert sorted(by_line) == [4, 5, 7, 8, 9, 10]
    assert by_line[4].reason == "no phone number" and by_line[4].element == 3
    assert "12345" in by_line[5].reason
    assert "phone number must be text, got list" in by_line[7].reason
    assert "duplicate" in by_line[8].reason and "line 2" in by_line[8].reason
    assert "index must be a whole number" in by_line[9].reason
    assert by_line[10].reason.startswith("broken JSON") and by_line[10].element == 9
    assert all(r.file == str(path) for r in rejections)
    assert (summary.imported, summary.updated, summary.unchanged, summary.rejected) == (4, 0, 0, 6)


def test_reimport_changes_nothing(database: Database) -> None:
    path = FIXTURES / "contacts_with_index.json"
    run(database, path)
    before = {
        p: (c.name, c.index, c.attributes, c.updated_at)
        for p, c in contacts_by_phone(database).items()
    }

    summary, rejections = run(database, path)

    after = {
        p: (c.name, c.index, c.attributes, c.updated_at)
        for p, c in contacts_by_phone(database).items()
    }
    assert after == before
    assert (summary.imported, summary.updated, summary.unchanged) == (0, 0, 4)
    assert summary.rejected == 6 and len(rejections) == 6


def test_three_spellings_are_one_contact(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "spellings.json"
    path.write_text(
        '[{"id": "905551234567", "name": "A", "index": 1},\n'
        ' {"id": "+90 555 123 45 67", "name": "B", "index": 2},\n'
        ' {"id": "0555 123 45 67", "name": "C", "index": 3}]\n'
    )
    summary, rejections = run(database, path, region="TR")

    assert list(contacts_by_phone(database)) == ["+905551234567"]
    assert [r.line for r in rejections] == [2, 3]
    assert all("duplicate" in r.reason for r in rejections)
    assert summary.imported == 1


def test_csv_keeps_extra_columns_as_attributes_and_continues_the_index(
    database: Database,
) -> None:
    run(database, FIXTURES / "contacts_with_index.json")
    summary, rejections = run(database, FIXTURES / "contacts_extra.csv")

    stored = contacts_by_phone(database)
    assert stored["+905551234567"].attributes == {"Şehir": "Ankara", "Plan": "gold"}
    assert stored["+905321112233"].attributes == {"Şehir": "İzmir", "Plan": "silver"}
    assert stored["+905421234567"].index == 5  # an existing contact keeps its send order
    assert [(r.line, r.reason) for r in rejections] == [(5, "no phone number")]
    assert (summary.imported, summary.updated, summary.rejected) == (0, 3, 1)

    again, _ = run(database, FIXTURES / "contacts_extra.csv")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)


def test_new_attributes_are_merged_into_stored_ones(database: Database, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("phone,name,city\n905551234567,Ayşe,Ankara\n")
    second = tmp_path / "second.csv"
    second.write_text("phone,plan\n905551234567,gold\n")
    run(database, first)

    summary, _ = run(database, second)

    contact = contacts_by_phone(database)["+905551234567"]
    assert (contact.name, contact.attributes) == ("Ayşe", {"city": "Ankara", "plan": "gold"})
    assert summary.updated == 1


def test_csv_without_index_orders_rows_after_the_highest_index(
    database: Database, tmp_path: Path
) -> None:
    run(database, FIXTURES / "contacts_with_index.json")
    path = tmp_path / "new.csv"
    path.write_text("number;isim\n905559990001;X\n905559990002;Y\n")

    summary, _ = run(database, path)

    stored = contacts_by_phone(database)
    assert (stored["+905559990001"].index, stored["+905559990002"].index) == (11, 12)
    assert stored["+905559990001"].name == "X"
    assert summary.imported == 2


def test_wrong_encoding_is_reported_and_the_rest_imported(database: Database) -> None:
    summary, rejections = run(database, FIXTURES / "cp1254.csv")

    assert list(contacts_by_phone(database)) == ["+905321112233"]
    assert [r.line for r in rejections] == [2]
    assert "not valid utf-8" in rejections[0].reason and "--encoding" in rejections[0].reason
    assert summary.rejected == 1


def test_encoding_option_reads_a_cp1254_file(database: Database) -> None:
    summary, rejections = run(database, FIXTURES / "cp1254.csv", encoding="cp1254")

    assert rejections == []
    assert contacts_by_phone(database)["+905551234567"].name == "Gül Şahin"
    assert summary.imported == 2


def test_truncated_json_keeps_the_complete_elements(database: Database) -> None:
    summary, rejections = run(database, FIXTURES / "truncated.json")

    assert set(contacts_by_phone(database)) == {"+905551234567", "+905321112233"}
    assert rejections and rejections[0].line == 4
    assert rejections[0].reason.startswith("broken JSON")
    assert summary.imported == 2


def test_file_that_is_not_a_list_cannot_be_read(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text('{"905551234567": "Ayşe"}')
    with pytest.raises(UnreadableFile, match="expected a JSON list"):
        run(database, path)
    assert contacts_by_phone(database) == {}


def test_dry_run_counts_but_writes_nothing(database: Database) -> None:
    summary, _ = run(database, FIXTURES / "contacts_with_index.json", dry_run=True)
    assert summary.imported == 4
    assert contacts_by_phone(database) == {}


def test_duplicates_across_batches_are_found(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    lines = ["phone,name"] + [f"90555000{i:04d},N{i}" for i in range(30)] + ["905550000003,again"]
    path.write_text("\n".join(lines) + "\n")

    summary, rejections = run(database, path, batch_size=7)
    again, again_rejections = run(database, path, batch_size=7)

    assert summary.imported == 30 and contacts_by_phone(database)["+905550000003"].name == "N3"
    assert [(r.line, "duplicate" in r.reason) for r in rejections] == [(32, True)]
    assert again.unchanged == 30
    assert [(r.line, r.reason) for r in again_rejections] == [
        (32, "duplicate: +905550000003 is already on line 5")
    ]


def test_path_is_reported_as_given(database: Database, tmp_path: Path) -> None:
    copy = tmp_path / "seed.json"
    shutil.copy(FIXTURES / "contacts_with_index.json", copy)
    _, rejections = run(database, copy)
    assert {r.file for r in rejections} == {str(copy)}


def test_utf16_json_is_unreadable_with_an_encoding_hint(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text('[{"id": "905551234567"}]', encoding="utf-16")
    with pytest.raises(UnreadableFile, match="not valid utf-8 text.*--encoding"):
        run(database, path)
    assert contacts_by_phone(database) == {}
