"""send_releases: which contacts a campaign released after retryable errors; retry campaigns

A send whose retries ran out on a retryable error (throttling, pair limit, transient, no
connection) is deleted so the pair is free again; until now only the count per reason was
kept, so "retry failed" could not know whom to retry. Each release now leaves a row here,
written in the transaction that deletes the send, and ``campaigns.retry_of_campaign_id``
marks a follow-up campaign whose selection is limited to the contacts released by that one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "send_releases",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("campaign_id", BIG_ID, nullable=False),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("template_name", sa.String(length=512), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_send_releases_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_send_releases_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_releases")),
    )
    with op.batch_alter_table("send_releases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_send_releases_campaign_id"), ["campaign_id"], unique=False
        )
    op.add_column("campaigns", sa.Column("retry_of_campaign_id", BIG_ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("retry_of_campaign_id")
    with op.batch_alter_table("send_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_send_releases_campaign_id"))
    op.drop_table("send_releases")
