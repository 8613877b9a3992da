"""campaigns.retarget_*: follow-up campaigns of another template for who did not read or reply

A retarget (domain/retarget.py) is a campaign of another template sent to the contacts of an
ended campaign whose send was accepted at least N days ago and was not read, or got no reply.
Its row says which campaign, which condition and after how many days; its selection
(storage/retargets.py) asks "was this send replied to?" per send, hence ix_replies_send_id
(replies were only indexed by contact, campaign and time).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_campaigns_retarget_of_campaign_id_campaigns"


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # ADD COLUMN … REFERENCES: no table rebuild. A batch rebuild would DROP TABLE
        # campaigns with foreign keys on, which sets every sends.campaign_id to NULL and
        # deletes every send_releases row. (Campaigns are never deleted: no ON DELETE.)
        op.execute(
            "ALTER TABLE campaigns ADD COLUMN retarget_of_campaign_id INTEGER "
            f"CONSTRAINT {FK_NAME} REFERENCES campaigns (id)"
        )
    else:
        op.add_column(
            "campaigns", sa.Column("retarget_of_campaign_id", sa.BigInteger(), nullable=True)
        )
        op.create_foreign_key(
            FK_NAME,
            "campaigns",
            "campaigns",
            ["retarget_of_campaign_id"],
            ["id"],
        )
    op.add_column("campaigns", sa.Column("retarget_when", sa.String(16), nullable=True))
    op.add_column("campaigns", sa.Column("retarget_after_days", sa.Integer(), nullable=True))
    op.create_index("ix_replies_send_id", "replies", ["send_id"])


def downgrade() -> None:
    op.drop_index("ix_replies_send_id", table_name="replies")
    if op.get_context().dialect.name == "sqlite":
        # SQLite 3.35+ drops a column that only a column-level REFERENCES names.
        for column in ("retarget_after_days", "retarget_when", "retarget_of_campaign_id"):
            op.execute(f"ALTER TABLE campaigns DROP COLUMN {column}")
        return
    op.drop_constraint(FK_NAME, "campaigns", type_="foreignkey")
    for column in ("retarget_after_days", "retarget_when", "retarget_of_campaign_id"):
        op.drop_column("campaigns", column)
