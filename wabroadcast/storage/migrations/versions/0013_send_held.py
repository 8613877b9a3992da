"""sends.held, sends.held_at: the Cloud API held the message for a template under pacing

A send answer of a template under pacing says `message_status: held_for_quality_assessment`
(cloudapi.md §1, §4): Meta keeps the message and later sends it or, when the template is
paused for low quality, drops it (a failed status with 132015). `held` is true while no
status has come yet; `held_at` keeps the fact, so a campaign can say how many were held and
how many of those were then released or dropped. Sends written before this migration were
never held: false and NULL.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy of a table this large): SQLite adds them in place.
    op.add_column(
        "sends", sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("sends", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("sends", "held_at")  # SQLite 3.35+ drops a column in place
    op.drop_column("sends", "held")
