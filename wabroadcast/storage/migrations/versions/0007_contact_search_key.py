"""contacts.search_key: the name folded for search (Turkish i's, case, accents)

`lower()`/`ILIKE` do not fold `İ`, `I`, `ı`, `Ş`, `Ü` … on SQLite, and on PostgreSQL only as
the database collation happens to, so "Şükrü", "İsmail" or "IŞIK" could not be found. The
fold (wabroadcast.domain.search.fold) is Python, so existing rows are filled here in batches
of BATCH contacts (by id, so memory stays flat however many contacts there are), then indexed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wabroadcast.domain.search import fold

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
CONTACTS = sa.table(
    "contacts", sa.column("id", sa.BigInteger), sa.column("name"), sa.column("search_key")
)


def upgrade() -> None:
    op.add_column("contacts", sa.Column("search_key", sa.Text(), server_default="", nullable=False))
    backfill(op.get_bind())
    op.create_index(op.f("ix_contacts_search_key"), "contacts", ["search_key"])


def backfill(connection: sa.Connection, batch: int = BATCH) -> int:
    """Fold every stored name into `search_key`; returns how many contacts were written."""
    update = (
        sa.update(CONTACTS)
        .where(CONTACTS.c.id == sa.bindparam("row_id"))
        .values(search_key=sa.bindparam("key"))
    )
    last, written = 0, 0
    while True:
        rows = connection.execute(
            sa.select(CONTACTS.c.id, CONTACTS.c.name)
            .where(CONTACTS.c.id > last, CONTACTS.c.name.is_not(None))
            .order_by(CONTACTS.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return written
        changes = [{"row_id": id_, "key": fold(name)} for id_, name in rows]
        changes = [change for change in changes if change["key"]]
        if changes:
            connection.execute(update, changes)
        written += len(changes)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index(batch.f("ix_contacts_search_key"))
        batch.drop_column("search_key")
