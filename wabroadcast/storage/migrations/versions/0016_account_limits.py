"""business_number_limits, template_category_updates: what Meta's account webhooks said

``phone_number_quality_update`` (throughput level, quality events, messaging limit) and
``business_capability_update`` (the portfolio's messaging limit) are kept per display phone
number and for the portfolio; ``template_category_update`` per template and language. Each
value keeps its webhook time, so a late or repeated event never overwrites a newer one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "business_number_limits",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=True),
        sa.Column("throughput_level", sa.String(length=16), nullable=True),
        sa.Column("throughput_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("daily_limit", sa.Integer(), nullable=True),
        sa.Column("daily_limit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quality_event", sa.String(length=32), nullable=True),
        sa.Column("quality_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_business_number_limits")),
    )
    op.create_table(
        "template_category_updates",
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("previous_category", sa.String(length=32), nullable=True),
        sa.Column("new_category", sa.String(length=32), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correct_category", sa.String(length=32), nullable=True),
        sa.Column("takes_effect_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", "language", name=op.f("pk_template_category_updates")),
    )


def downgrade() -> None:
    op.drop_table("template_category_updates")
    op.drop_table("business_number_limits")
