from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from wabroadcast.storage.contacts import find_contacts
from wabroadcast.storage.db import (
    Database,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from wabroadcast.storage.tables import Base


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert current_revision(database.engine) == head_revision()
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        upgrade(database.engine)  # a second upgrade is a no-op
        tables = set(inspect(database.engine).get_table_names())
        for name in (
            "contacts",
            "templates",
            "campaigns",
            "sends",
            "status_events",
            "replies",
            "opt_outs",
            "webhook_events",
        ):
            assert name in tables
    finally:
        database.dispose()


BACKFILLED = 5003  # more than one batch of 0007's back-fill (5,000 contacts)


def test_0007_backfills_search_key_in_batches(database_url: str) -> None:
    database = Database(database_url, migrate=False)
    try:
        upgrade(database.engine, "0006")
        names = ["Şükrü", "İSMAİL", "IŞIK", None, "Ayşe Öztürk"]
        rows = [
            {
                "phone": f"+90555{1000000 + i:07d}",
                "name": names[i % len(names)],
                "attributes": "{}",
                "created_at": "2026-12-01 10:00:00",
                "updated_at": "2026-12-01 10:00:00",
            }
            for i in range(BACKFILLED)
        ]
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO contacts (phone, name, attributes, created_at, updated_at) "
                    "VALUES (:phone, :name, :attributes, :created_at, :updated_at)"
                ),
                rows,
            )
        upgrade(database.engine)
        with database.engine.connect() as connection:
            stored = dict(connection.execute(text("SELECT phone, search_key FROM contacts")).all())
        expected = ["sukru", "ismail", "isik", "", "ayse ozturk"]
        assert len(stored) == BACKFILLED
        for i, row in enumerate(rows):
            assert stored[row["phone"]] == expected[i % len(names)], row
        assert "ix_contacts_search_key" in {
            index["name"] for index in inspect(database.engine).get_indexes("contacts")
        }
        with database.session() as session:
            found = find_contacts(session, search="isik", limit=5000)
            assert found.total == BACKFILLED // len(names) + 1  # i % 5 == 2 up to 5002

        upgrade_down(database.engine, "0006")
        columns = {c["name"] for c in inspect(database.engine).get_columns("contacts")}
        assert "search_key" not in columns and len(stored) == BACKFILLED
    finally:
        database.dispose()


def upgrade_down(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def test_0011_keeps_contacts_and_sends_and_makes_their_ids_identities(database_url: str) -> None:
    database = Database(database_url, migrate=False)
    try:
        upgrade(database.engine, "0009")
        stamp = "2026-12-01 10:00:00"
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO contacts (id, phone, wa_id, user_id, attributes, created_at, "
                    "updated_at) VALUES (1, '+905551000001', '905551000001', "
                    "'TR.1111', '{}', :t, :t), (2, '+905551000002', NULL, NULL, '{}', :t, :t)"
                ),
                {"t": stamp},
            )
            connection.execute(
                text(
                    "INSERT INTO sends (template_name, contact_id, phone, state, attempts, "
                    "claimed_at, updated_at) VALUES ('daily_offer', 1, '+905551000001', "
                    "'accepted', 1, :t, :t)"
                ),
                {"t": stamp},
            )
        upgrade(database.engine)
        with database.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM sends")).scalar_one() == 1
            identities = connection.execute(
                text("SELECT contact_id, kind, value FROM contact_identities ORDER BY kind")
            ).all()
            assert [tuple(row) for row in identities] == [
                (1, "user_id", "TR.1111"),
                (1, "wa_id", "905551000001"),
            ]
            connection.execute(  # a contact known only by BSUID, and a send to it
                text(
                    "INSERT INTO contacts (id, phone, user_id, attributes, created_at, "
                    "updated_at) VALUES (3, NULL, 'TR.3333', '{}', :t, :t)"
                ),
                {"t": stamp},
            )
            connection.execute(
                text(
                    "INSERT INTO sends (template_name, contact_id, phone, state, attempts, "
                    "claimed_at, updated_at) VALUES ('daily_offer', 3, NULL, 'claimed', 0, :t, :t)"
                ),
                {"t": stamp},
            )
        upgrade_down(database.engine, "0009")
        with database.engine.connect() as connection:
            phones = connection.execute(text("SELECT phone FROM contacts ORDER BY id")).scalars()
            assert list(phones) == ["+905551000001", "+905551000002"]
            assert connection.execute(text("SELECT count(*) FROM sends")).scalar_one() == 1
        assert "contact_identities" not in inspect(database.engine).get_table_names()
    finally:
        database.dispose()
