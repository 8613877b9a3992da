"""sends.pricing_type, status_events.pricing_type: whether Meta charged a message

Status webhooks carry ``pricing.type``: ``regular`` is billed, ``free_customer_service`` and
``free_entry_point`` are not (``pricing.billable`` is deprecated). The category alone cannot
say what a campaign cost, so the type is kept next to it. Rows written before this migration
have no type and are not counted as charged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): no table copy on SQLite.
    op.add_column("sends", sa.Column("pricing_type", sa.String(length=32), nullable=True))
    op.add_column("status_events", sa.Column("pricing_type", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("status_events", "pricing_type")
    op.drop_column("sends", "pricing_type")
