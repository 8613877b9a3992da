"""sender_processes: the sending servers that are alive, so numbers are shared between them

Each `wabroadcast serve` process keeps a row here while it runs (renewed like a sending lease).
A server that already sends its share of the busy numbers leaves the next one to another live
server instead of taking every number itself.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sender_processes",
        sa.Column("process_id", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_sender_processes")),
    )


def downgrade() -> None:
    op.drop_table("sender_processes")
