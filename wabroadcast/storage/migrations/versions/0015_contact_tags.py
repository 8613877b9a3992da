"""contact tags and audiences: tags, contact_tags, campaigns.audience, schedules.audience

Contacts carry tags (a `tags` row per tag, case-insensitive by `key`; `contact_tags` joins
them), and a campaign or schedule stores the audience it takes (JSON, NULL: every contact),
so a resume, an adoption or the next day of a schedule selects exactly the same people.
The audience columns are plain ADD COLUMNs (no copy of every campaign row on SQLite).

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("key", name=op.f("uq_tags_key")),
    )
    op.create_table(
        "contact_tags",
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("tag_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_tags_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_contact_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contact_id", "tag_id", name=op.f("pk_contact_tags")),
    )
    op.create_index("ix_contact_tags_tag_id_contact_id", "contact_tags", ["tag_id", "contact_id"])
    op.add_column("campaigns", sa.Column("audience", sa.JSON(), nullable=True))
    op.add_column("schedules", sa.Column("audience", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("schedules", "audience")  # SQLite 3.35+ drops a column in place
    op.drop_column("campaigns", "audience")
    op.drop_index("ix_contact_tags_tag_id_contact_id", table_name="contact_tags")
    op.drop_table("contact_tags")
    op.drop_table("tags")
