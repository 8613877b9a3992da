"""indexes for webhook processing and raw-log pruning

Deleting an old webhook_events row makes the database look up status_events and replies that
reference it (ON DELETE SET NULL); without an index that is a full scan per deleted row.
Inbound messages find their contact by wa_id or BSUID (user_id) when the phone differs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:15:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("status_events", "webhook_event_id"),
    ("replies", "webhook_event_id"),
    ("contacts", "wa_id"),
    ("contacts", "user_id"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
