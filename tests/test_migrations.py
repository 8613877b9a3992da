from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from wabroadcast.storage.db import Database, current_revision, head_revision, upgrade
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
