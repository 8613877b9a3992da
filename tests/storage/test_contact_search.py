"""`contacts.search_key` stays current whichever way a contact is written, and find_contacts
filters by it (the search behind the API, the panel and `contacts list`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from tests.engine.helpers import FakeClock
from wabroadcast.sandbox import demo_contacts, load_demo_contacts
from wabroadcast.storage.contacts import ContactWriter, find_contacts, send_order_page
from wabroadcast.storage.db import Database
from wabroadcast.storage.history import HistoryWriter
from wabroadcast.storage.tables import Contact
from wabroadcast.webhooks.contacts import create_opted_out_contact

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def phones(database: Database, search: str, **filters: bool) -> list[str]:
    with database.session() as session:
        found = find_contacts(session, search=search, **filters)
        assert found.total == len(found.contacts)
        return [contact.phone for contact in found.contacts]


def keys(database: Database) -> dict[str, str]:
    with database.session() as session:
        return dict(session.execute(select(Contact.phone, Contact.search_key)).all())


def test_every_writer_fills_search_key(database: Database) -> None:
    with database.session() as session:
        session.add(Contact(phone="+905551000001", name="Çağlar", created_at=NOW, updated_at=NOW))
        session.execute(  # a Core insert without search_key: the column default folds the name
            insert(Contact),
            [
                {"phone": "+905551000002", "name": "IŞIK", "created_at": NOW, "updated_at": NOW},
                {"phone": "+905551000003", "name": None, "created_at": NOW, "updated_at": NOW},
            ],
        )
        created = create_opted_out_contact(
            session, wa_id="905551000004", user_id=None, name="Gülşen", now=NOW
        )
        session.execute(update(Contact).where(Contact.id == created).values(opted_out_at=NOW))
    with database.engine.begin() as connection:
        ContactWriter(connection).upsert([("+905551000005", "ŞÜKRÜ", 5, {})], NOW)
        HistoryWriter(connection).contact_ids(["+905551000006"], NOW)
    assert keys(database) == {
        "+905551000001": "caglar",
        "+905551000002": "isik",
        "+905551000003": "",
        "+905551000004": "gulsen",
        "+905551000005": "sukru",
        "+905551000006": "",
    }
    assert phones(database, "ışık") == ["+905551000002"]
    assert phones(database, "GÜLŞEN", opted_out=True) == ["+905551000004"]
    assert phones(database, "gulsen", opted_out=False) == []


def test_renames_refresh_search_key(database: Database) -> None:
    with database.session() as session:
        session.add(Contact(phone="+905551000001", name="Ali", created_at=NOW, updated_at=NOW))
    with database.session() as session:
        contact = session.scalar(select(Contact))
        assert contact is not None
        contact.name = "Öztürk"
    assert phones(database, "ozturk") == ["+905551000001"] and phones(database, "ali") == []
    with database.engine.begin() as connection:
        ContactWriter(connection).upsert([("+905551000001", "İsmail", None, {})], NOW)
    assert keys(database) == {"+905551000001": "ismail"}


def test_demo_contacts_are_searchable(database: Database) -> None:
    assert load_demo_contacts(database, FakeClock(NOW)) > 0
    first = demo_contacts()[0]
    assert first.name
    word = first.name.split()[0]
    assert first.phone in phones(database, word.upper())


def test_wildcards_are_literal_and_no_search_lists_everything(database: Database) -> None:
    with database.session() as session:
        for i, name in enumerate(["50% off", "a_b", "plain"]):
            session.add(
                Contact(
                    phone=f"+90555100000{i}", name=name, index=i, created_at=NOW, updated_at=NOW
                )
            )
    assert phones(database, "%") == ["+905551000000"]
    assert phones(database, "_") == ["+905551000001"]
    assert len(phones(database, "")) == 3
    with database.session() as session:
        page = find_contacts(session, limit=2, offset=1, count=False)
        assert [c.name for c in page.contacts] == ["a_b", "plain"] and page.total is None


def test_pages_run_in_send_order_with_unindexed_contacts_last(database: Database) -> None:
    with database.session() as session:
        for i, index in enumerate([3, None, 1, None, 2, None]):
            phone = f"+90555100000{i}"
            session.add(Contact(phone=phone, name=f"Ayşe {i}", index=index, created_at=NOW,
                                updated_at=NOW))  # fmt: skip
    order = ["Ayşe 2", "Ayşe 4", "Ayşe 0", "Ayşe 1", "Ayşe 3", "Ayşe 5"]
    with database.session() as session:
        for search in (None, "ayse"):
            for limit in range(1, 8):
                for offset in range(8):
                    page = find_contacts(session, search=search, limit=limit, offset=offset)
                    assert [c.name for c in page.contacts] == order[offset : offset + limit]
                    assert page.total == 6
                    # the plan for many matches (more than FEW_MATCHES), on the same rows
                    walked = send_order_page(session, [], limit, offset)
                    assert [c.name for c in walked] == order[offset : offset + limit]
