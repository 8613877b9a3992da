"""sender_leases.campaign_id: which campaign the lease holder is sending

A campaign whose number is busy sending another campaign (in this process or another) is
shown as `waiting` with who holds the number, instead of `running 0/N`; that needs the lease
to say which campaign it is for. Rows written before this migration have NULL: their holder
is shown without a campaign.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sender_leases") as batch:
        batch.add_column(sa.Column("campaign_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sender_leases") as batch:
        batch.drop_column("campaign_id")
