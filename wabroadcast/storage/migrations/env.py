"""Alembic environment: the engine comes from wabroadcast.storage.db, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from wabroadcast.storage.tables import Base

engine: Engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
