"""selection_marks.skips_us: the mark was found while US (+1) numbers were skipped

A MARKETING template's selection leaves out US numbers (Meta has not delivered marketing
templates to them since 2025-04-01), so its mark may lie past some of them. When they are
taken again (MARKETING_TO_US set, or the template recategorised), such a mark must not be
used. Marks written before this migration were found with nothing skipped: false.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch copy: SQLite's triggers of 0004 name selection_marks, and
    # renaming a copied table into its place fails while they exist.
    op.add_column(
        "selection_marks",
        sa.Column("skips_us", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("selection_marks", "skips_us")  # SQLite 3.35+ drops a column in place
