"""sends.accepted_at index: per-template rates over a date range without reading every send

The stats page, GET /api/stats/templates and `wabroadcast stats` group the sends Meta
accepted in the last N days by template and day (storage/template_rates.py); the daily
counts filter on the same column. Without an index both read the whole sends table.

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-07 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_sends_accepted_at", "sends", ["accepted_at"])


def downgrade() -> None:
    op.drop_index("ix_sends_accepted_at", table_name="sends")
