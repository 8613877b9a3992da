"""sender_leases: at most one process sends from a business phone number at a time

Several `wabroadcast serve` processes on one PostgreSQL database share the work; the number's
throughput limit (80 or 1,000 messages/s) is per number, so only the holder of the number's
lease claims and sends. The holder renews the lease with a heartbeat; when it dies the lease
expires and another process takes over, settling the dead holder's claims at once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sender_leases",
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_number_id", name=op.f("pk_sender_leases")),
    )


def downgrade() -> None:
    op.drop_table("sender_leases")
