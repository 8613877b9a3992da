"""Tags read by an import: the CSV `tags` column and a JSON element's `tags`, case-insensitive,
added (never removed) by a later import; a bad tag rejects its row with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from tests.contacts.conftest import StepClock
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact


def tags_by_phone(database: Database) -> dict[str, list[str]]:
    with database.session() as session:
        contacts = {c.id: c.phone for c in session.scalars(select(Contact))}
        return {contacts[i]: tags for i, tags in tag_store.tags_of(session, list(contacts)).items()}


def test_json_and_csv_tags_are_stored_once_each_and_only_added(
    database: Database, tmp_path: Path
) -> None:
    elements = [
        {"id": "+905551000001", "name": "Ayşe", "tags": ["VIP", "İzmir", "vip"]},
        {"id": "+905551000002", "name": "Işık", "tags": "müşteri; IZMIR"},
        {"id": "+905551000003", "name": "Can", "tags": 7},
        {"id": "+905551000004", "name": "Ali", "tags": "a;" + "x" * 65},
    ]
    first = tmp_path / "contacts.json"
    first.write_text(json.dumps(elements), encoding="utf-8")
    rejected: list[Rejection] = []
    clock = StepClock()
    summary = import_contacts(database, first, clock=clock, on_rejection=rejected.append)
    assert (summary.imported, summary.rejected) == (2, 2)
    assert [r.line for r in rejected] and "list of texts" in rejected[0].reason
    assert "longer than 64 characters" in rejected[1].reason
    assert tags_by_phone(database) == {
        "+905551000001": ["İzmir", "VIP"],
        "+905551000002": ["İzmir", "müşteri"],  # IZMIR is İzmir: the first spelling stays
    }
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("phone,tags\n+905551000001,yeni\n+905551000002,\n", encoding="utf-8")
    import_contacts(database, csv_file, clock=clock)
    assert tags_by_phone(database) == {
        "+905551000001": ["İzmir", "VIP", "yeni"],
        "+905551000002": ["İzmir", "müşteri"],
    }
    with database.session() as session:
        attributes = session.scalars(select(Contact.attributes)).all()
    assert all("tags" not in a for a in attributes)


def test_a_row_with_a_bsuid_and_no_phone_keeps_its_tags(database: Database, tmp_path: Path) -> None:
    csv_file = tmp_path / "bsuid.csv"
    csv_file.write_text(
        "phone,user_id,tags\n+905551000001,,vip\n,TR.1234567890123456,vip;izmir\n",
        encoding="utf-8",
    )
    rejected: list[Rejection] = []
    summary = import_contacts(database, csv_file, clock=StepClock(), on_rejection=rejected.append)
    assert rejected == [] and summary.imported == 2
    with database.session() as session:
        ids = {c.phone: c.id for c in session.scalars(select(Contact))}
        tags = tag_store.tags_of(session, list(ids.values()))
    assert tags[ids["+905551000001"]] == ["vip"]
    assert tags[ids[None]] == ["izmir", "vip"]
