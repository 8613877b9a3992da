"""send_attempts and the deferred sends index: 131049 sends are retried

Meta's 131049 (per-user marketing cap) is not the contact's fault: the send becomes
`deferred` and is requested again after RETRY_131049_AFTER_HOURS. The send row keeps the
latest attempt; each earlier one moves to send_attempts with its message id, so late status
webhooks of an old attempt are still matched. The partial index finds the deferred sends that
are due without touching the others.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFERRED = sa.text("state = 'deferred'")


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "send_attempts",
        sa.Column("id", big_id, nullable=False),
        sa.Column("send_id", big_id, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retried_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["sends.id"],
            name=op.f("fk_send_attempts_send_id_sends"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_attempts")),
        sa.UniqueConstraint("message_id", name=op.f("uq_send_attempts_message_id")),
    )
    op.create_index(op.f("ix_send_attempts_send_id"), "send_attempts", ["send_id"])
    op.create_index(
        "ix_sends_deferred_failed_at",
        "sends",
        ["failed_at"],
        sqlite_where=_DEFERRED,
        postgresql_where=_DEFERRED,
    )


def downgrade() -> None:
    op.drop_index("ix_sends_deferred_failed_at", table_name="sends")
    op.drop_index(op.f("ix_send_attempts_send_id"), table_name="send_attempts")
    op.drop_table("send_attempts")
