"""ab_tests and campaigns.ab_test_id/ab_variant: A/B tests of templates

An A/B test (domain/ab_tests.py) sends two to five templates, each to its own share of the
audience (a deterministic bucket of the contact id), picks the one with the best read or
reply rate after a set number of hours, and sends the winner to the rest. Each variant and
the rest are ordinary campaigns that name their test and their variant (``A``…``E``, or
``winner`` for the rest), so sending, pausing and the campaign page work as for any other.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-08 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FK_NAME = "fk_campaigns_ab_test_id_ab_tests"


def upgrade() -> None:
    op.create_table(
        "ab_tests",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("decide_after_hours", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=True),
        sa.Column("requested_limit", sa.Integer(), nullable=True),
        sa.Column("winner_variant", sa.String(length=8), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decide_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ab_tests")),
    )
    op.create_index("ix_ab_tests_state_decide_at", "ab_tests", ["state", "decide_at"])
    if op.get_context().dialect.name == "sqlite":
        # ADD COLUMN … REFERENCES: no table rebuild (see 0022: a rebuild of campaigns with
        # foreign keys on would clear sends.campaign_id).
        op.execute(
            "ALTER TABLE campaigns ADD COLUMN ab_test_id INTEGER "
            f"CONSTRAINT {FK_NAME} REFERENCES ab_tests (id)"
        )
    else:
        op.add_column("campaigns", sa.Column("ab_test_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(FK_NAME, "campaigns", "ab_tests", ["ab_test_id"], ["id"])
    op.add_column("campaigns", sa.Column("ab_variant", sa.String(length=8), nullable=True))
    op.create_index("ix_campaigns_ab_test_id", "campaigns", ["ab_test_id"])


def downgrade() -> None:
    op.drop_index("ix_campaigns_ab_test_id", table_name="campaigns")
    if op.get_context().dialect.name == "sqlite":
        for column in ("ab_variant", "ab_test_id"):
            op.execute(f"ALTER TABLE campaigns DROP COLUMN {column}")
    else:
        op.drop_constraint(FK_NAME, "campaigns", type_="foreignkey")
        for column in ("ab_variant", "ab_test_id"):
            op.drop_column("campaigns", column)
    op.drop_index("ix_ab_tests_state_decide_at", table_name="ab_tests")
    op.drop_table("ab_tests")
