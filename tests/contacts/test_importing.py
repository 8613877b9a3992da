"""Contact import on SQLite and PostgreSQL: bad rows named, good rows kept, re-import a no-op."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.contacts.conftest import FIXTURES, StepClock
from wabroadcast.contacts.encodings import UnreadableFile, UnsupportedEncoding
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection
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


UNICODE_FILES = ["utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("suffix", [".json", ".csv", ""])
@pytest.mark.parametrize("saved_as", UNICODE_FILES)
def test_utf16_and_utf32_files_are_read_as_such(
    database: Database, tmp_path: Path, saved_as: str, suffix: str
) -> None:
    """With or without a byte order mark: read as UTF-8, the NULs between the characters
    made every row an unreadable rejection (the header was still found)."""
    path = tmp_path / f"contacts{suffix}"
    if suffix == ".csv":
        text = "phone,name,city\n905551234567,Ayşe Yılmaz,İzmir\n905321112233,Gül,Muğla\n"
    else:
        text = '[{"id": "905551234567", "name": "Ayşe Yılmaz", "city": "İzmir"},\n'
        text += ' {"id": "905321112233", "name": "Gül", "city": "Muğla"}]'
    path.write_bytes(text.encode(saved_as))

    summary, rejections = run(database, path)

    assert rejections == []
    assert {p: (c.name, c.attributes) for p, c in contacts_by_phone(database).items()} == {
        "+905551234567": ("Ayşe Yılmaz", {"city": "İzmir"}),
        "+905321112233": ("Gül", {"city": "Muğla"}),
    }
    assert summary.imported == 2


def test_utf16_asked_as_utf16_be_is_read_in_the_files_byte_order(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes("phone,name\n905551234567,Ayşe\n".encode("utf-16-le"))
    summary, rejections = run(database, path, encoding="utf-16-be")
    assert rejections == [] and contacts_by_phone(database)["+905551234567"].name == "Ayşe"


@pytest.mark.parametrize(("saved_as", "named"), [("utf-16-le", "utf-16-le"), ("utf-32", "utf-32")])
def test_utf16_asked_as_an_8_bit_encoding_is_refused_naming_the_right_one(
    database: Database, tmp_path: Path, saved_as: str, named: str
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes("phone,name\n905551234567,Ayşe\n".encode(saved_as))
    with pytest.raises(
        UnsupportedEncoding, match=f"is {named} text .*, not cp1254; use --encoding {named}$"
    ):
        run(database, path, encoding="cp1254")
    assert contacts_by_phone(database) == {}


def test_a_stray_quote_costs_its_own_row_only(database: Database) -> None:
    """100 rows, an unbalanced quote on row 5: 99 imported, row 5 rejected with its line."""
    summary, rejections = run(database, FIXTURES / "stray_quote.csv")

    assert [(r.line, r.reason.split(":")[0]) for r in rejections] == [(6, "unbalanced quote")]
    assert "line 7, which looks like a row" in rejections[0].reason
    assert (summary.imported, summary.rejected) == (99, 1)
    assert summary.imported + summary.rejected == 100
    stored = contacts_by_phone(database)
    assert "+905551000005" not in stored
    assert stored["+905551000006"].name == "Name 6"
    assert stored["+905551000040"].name == "Demir, Ali"
    # a line break inside a quoted field is still one row
    assert stored["+905551000070"].attributes == {"note": "Floor 2\nBlock B"}
    assert stored["+905551000100"].name == "Name 100"


def test_a_quote_left_open_to_the_end_of_the_file_is_rejected(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "open.csv"
    path.write_text('phone,name\n905551000001,One\n905551000002,"Two\nsecond line\n')

    summary, rejections = run(database, path)

    assert [r.line for r in rejections] == [3, 4]
    assert "never closed" in rejections[0].reason
    assert set(contacts_by_phone(database)) == {"+905551000001"}
    assert summary.imported + summary.rejected == 3


def test_a_real_line_break_at_the_end_of_the_file_is_kept(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "note.csv"
    path.write_text('phone,note\n905551000001,"first\nsecond"\n')

    summary, rejections = run(database, path)

    assert rejections == [] and summary.imported == 1
    assert contacts_by_phone(database)["+905551000001"].attributes == {"note": "first\nsecond"}


def test_a_field_over_the_csv_limit_is_one_rejected_row(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(f"phone,name\n905551000001,{'x' * 140_000}\n905551000002,ok\n")

    summary, rejections = run(database, path)

    assert [(r.line, r.reason) for r in rejections] == [
        (2, "broken CSV: field larger than field limit (131072)")
    ]
    assert set(contacts_by_phone(database)) == {"+905551000002"}
    assert (summary.imported, summary.rejected) == (1, 1)


def test_odd_length_utf16_rejects_the_last_row_only(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes("phone,name\n905551000001,Ayşe\n".encode("utf-16") + b"x")

    summary, rejections = run(database, path, encoding="utf-16")

    assert [r.line for r in rejections] == [3]
    assert "not valid utf-16 text" in rejections[0].reason
    assert contacts_by_phone(database)["+905551000001"].name == "Ayşe"
    assert summary.imported == 1


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        ('{"id": "905551000001", "name": "\\ud800"}', "lone surrogate"),
        ("[" * 100_000 + "]" * 100_000, "broken JSON at line 1, column 2: value nested too deeply"),
        ('{"id": ' + "9" * 5000 + "}", "line 1, column 2: a number longer than 4300 digits"),
        ('{"id": "905551000001", "index": ' + "9" * 5000 + "}", "a number longer than"),
    ],
    ids=["surrogate", "deep", "long-id", "long-index"],
)
def test_json_element_that_cannot_be_stored_is_rejected_alone(
    database: Database, tmp_path: Path, element: str, reason: str
) -> None:
    path = tmp_path / "contacts.json"
    path.write_text(f'[{element},\n{{"id": "905551000002", "name": "Good"}}]')

    summary, rejections = run(database, path)

    assert rejections[0].line == 1 and rejections[0].element == 1
    assert reason in rejections[0].reason
    assert contacts_by_phone(database)["+905551000002"].name == "Good"
    assert (summary.imported, summary.rejected) == (1, 1)


def test_a_csv_index_of_5000_digits_is_rejected(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "index.csv"
    path.write_text(f"phone,index\n905551000001,{'9' * 5000}\n905551000002,2\n")

    summary, rejections = run(database, path)

    assert [r.line for r in rejections] == [2]
    assert rejections[0].reason.startswith("index must be a whole number")
    assert set(contacts_by_phone(database)) == {"+905551000002"}


@pytest.mark.parametrize("encoding", ["zlib", "base64", "rot13", "utf-7", "idna", "no-such"])
def test_only_text_encodings_are_accepted(
    database: Database, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("phone\n905551000001\n")
    with pytest.raises(UnsupportedEncoding, match=encoding):
        run(database, path, encoding=encoding)
    assert contacts_by_phone(database) == {}


def test_nan_infinity_and_nul_are_rejected_per_row(database: Database, tmp_path: Path) -> None:
    """PostgreSQL refused the whole batch (NUL in text, NaN in JSON); SQLite stored them."""
    path = tmp_path / "contacts.json"
    path.write_text(
        '[{"id": "905551000001", "name": NaN},\n'
        '{"id": "905551000002", "name": "Good"},\n'
        '{"id": "905551000003", "index": Infinity},\n'
        '{"id": "905551000004", "extra": [1, -Infinity]},\n'
        '{"id": "905551000005", "name": "A\\u0000B"},\n'
        '{"id": "905551000006", "city": {"x\\u0000": 1}},\n'
        '{"id": NaN}]'
    )

    summary, rejections = run(database, path)

    assert [(r.line, r.element, r.reason) for r in rejections] == [
        (1, 1, "name must be text, got float"),
        (3, 3, "index must be a whole number, got inf"),
        (4, 4, "attribute 'extra' holds -Infinity (not a JSON number), which cannot be stored"),
        (5, 5, "name holds a NUL character (U+0000), which cannot be stored"),
        (6, 6, "attribute 'city' holds a NUL character (U+0000), which cannot be stored"),
        (7, 7, "phone number must be text, got float"),
    ]
    assert {p: c.name for p, c in contacts_by_phone(database).items()} == {"+905551000002": "Good"}
    assert (summary.imported, summary.rejected) == (1, 6)


def test_a_nul_in_a_csv_row_rejects_that_row(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        b"phone,name,city\n905551000001,A\x00B,X\n905551000002,Good,Y\x00\n"
        b"905551000003,Also good,Z\n"
    )

    summary, rejections = run(database, path)

    assert [(r.line, r.reason.split(",")[0]) for r in rejections] == [
        (2, "name holds a NUL character (U+0000)"),
        (3, "attribute 'city' holds a NUL character (U+0000)"),
    ]
    assert set(contacts_by_phone(database)) == {"+905551000003"}
    assert summary.imported + summary.rejected == 3


def test_a_line_break_in_a_field_before_the_phone_column_is_one_row(
    database: Database, tmp_path: Path
) -> None:
    """The line after the break looked like a row (phone in the phone column), so legal CSV
    was rejected and its tail imported as a contact of its own."""
    path = tmp_path / "notes.csv"
    path.write_text(
        'note,phone,name\n"first\nsecond",905551000001,One\n'
        '"call\n905551000099 ""later""",905551000002,Two\n"x",905551000003,Three\n'
    )

    summary, rejections = run(database, path)

    assert rejections == []
    stored = contacts_by_phone(database)
    assert {p: c.attributes["note"] for p, c in stored.items()} == {
        "+905551000001": "first\nsecond",
        "+905551000002": 'call\n905551000099 "later"',
        "+905551000003": "x",
    }
    assert summary.imported == 3


@pytest.mark.parametrize(
    ("text", "rejected_line", "kept"),
    [
        ('"oops,905551000001,One\nz,905551000002,Two\nz,905551000003,Three\n', 2, {2, 3}),
        ('"oops,905551000001,One\nz,905551000002,Two\n"x",905551000003,Three\n', 2, {2, 3}),
        ('z,905551000001,One\n"oops,905551000002,Two\nz,905551000003,"Three"\n', 3, {1, 3}),
    ],
    ids=["never-closed", "closed-by-a-later-quote", "closed-on-the-next-line"],
)
def test_a_stray_quote_before_the_phone_column_costs_its_own_row(
    database: Database, tmp_path: Path, text: str, rejected_line: int, kept: set[int]
) -> None:
    path = tmp_path / "stray.csv"
    path.write_text("note,phone,name\n" + text)

    summary, rejections = run(database, path)

    assert [(r.line, r.reason.split(":")[0]) for r in rejections] == [
        (rejected_line, "unbalanced quote")
    ]
    assert set(contacts_by_phone(database)) == {f"+90555100000{i}" for i in kept}
    assert summary.imported + summary.rejected == 3
