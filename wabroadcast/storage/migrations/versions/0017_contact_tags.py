"""contact tags and audiences: tags, contact_tags, audience_marks, campaigns/schedules.audience

Contacts carry tags (a `tags` row per tag, case-insensitive by `key`; `contact_tags` joins
them), and a campaign or schedule stores the audience it takes (JSON, NULL: every contact),
so a resume, an adoption or the next day of a schedule selects exactly the same people.
`audience_marks` are selection marks per audience (storage/audience_marks.py), kept exact by
the triggers below; `ix_replies_received_at` finds the oldest reply inside a reply window.
The audience columns are plain ADD COLUMNs (no copy of every campaign row on SQLite).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# audience_marks are forgotten for every reason selection_marks are (0004), and also when a
# contact's tags, name or attributes change or a reply is deleted (storage/audience_marks.py).
CHANGED_SQLITE = (
    "(OLD.opted_out_at IS NOT NULL AND NEW.opted_out_at IS NULL) OR "
    "(OLD.unreachable_at IS NOT NULL AND NEW.unreachable_at IS NULL) OR "
    '(OLD."index" IS NOT NEW."index") OR (OLD.name IS NOT NEW.name) OR '
    "(OLD.attributes IS NOT NEW.attributes)"
)
CHANGED_PG = CHANGED_SQLITE.replace("IS NOT NEW", "IS DISTINCT FROM NEW").replace(
    "OLD.attributes IS DISTINCT FROM NEW.attributes",
    "OLD.attributes::text IS DISTINCT FROM NEW.attributes::text",
)
FORGET_ALL = "WHEN EXISTS (SELECT 1 FROM audience_marks) BEGIN DELETE FROM audience_marks; END"
SQLITE_UP = [
    "CREATE TRIGGER trg_audience_marks_send_deleted AFTER DELETE ON sends "
    "BEGIN DELETE FROM audience_marks WHERE template_name = OLD.template_name; END",
    f"CREATE TRIGGER trg_audience_marks_contact_added AFTER INSERT ON contacts {FORGET_ALL}",
    "CREATE TRIGGER trg_audience_marks_contact_changed AFTER UPDATE OF opted_out_at, "
    f'unreachable_at, "index", name, attributes ON contacts WHEN {CHANGED_SQLITE} '
    "BEGIN DELETE FROM audience_marks; END",
    f"CREATE TRIGGER trg_audience_marks_tag_added AFTER INSERT ON contact_tags {FORGET_ALL}",
    f"CREATE TRIGGER trg_audience_marks_tag_removed AFTER DELETE ON contact_tags {FORGET_ALL}",
    f"CREATE TRIGGER trg_audience_marks_reply_deleted AFTER DELETE ON replies {FORGET_ALL}",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS trg_audience_marks_{name}"
    for name in (
        "send_deleted",
        "contact_added",
        "contact_changed",
        "tag_added",
        "tag_removed",
        "reply_deleted",
    )
]
# PostgreSQL: claimers lock selection_marks, then audience_marks (storage/sends.lock_marks);
# every trigger takes them in the same order, so a writer and a claimer never deadlock. The
# 0004 function forgets both kinds of marks now; the new triggers lock selection_marks first.
PG_UP = [
    "CREATE OR REPLACE FUNCTION selection_marks_forget() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN DELETE FROM selection_marks; DELETE FROM audience_marks; RETURN NULL; END $$",
    "CREATE FUNCTION audience_marks_forget() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN LOCK TABLE selection_marks IN ROW EXCLUSIVE MODE; "
    "DELETE FROM audience_marks; RETURN NULL; END $$",
    "CREATE TRIGGER trg_audience_marks_contact_changed AFTER UPDATE OF name, attributes "
    f"ON contacts FOR EACH ROW WHEN ({CHANGED_PG}) EXECUTE FUNCTION audience_marks_forget()",
    "CREATE TRIGGER trg_audience_marks_tag_added AFTER INSERT ON contact_tags "
    "FOR EACH STATEMENT EXECUTE FUNCTION audience_marks_forget()",
    "CREATE TRIGGER trg_audience_marks_tag_removed AFTER DELETE ON contact_tags "
    "FOR EACH STATEMENT EXECUTE FUNCTION audience_marks_forget()",
    "CREATE TRIGGER trg_audience_marks_reply_deleted AFTER DELETE ON replies "
    "FOR EACH STATEMENT EXECUTE FUNCTION audience_marks_forget()",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS trg_audience_marks_contact_changed ON contacts",
    "DROP TRIGGER IF EXISTS trg_audience_marks_tag_added ON contact_tags",
    "DROP TRIGGER IF EXISTS trg_audience_marks_tag_removed ON contact_tags",
    "DROP TRIGGER IF EXISTS trg_audience_marks_reply_deleted ON replies",
    "DROP FUNCTION IF EXISTS audience_marks_forget()",
    "CREATE OR REPLACE FUNCTION selection_marks_forget() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN DELETE FROM selection_marks; RETURN NULL; END $$",
]


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
    op.create_table(
        "audience_marks",
        sa.Column("template_name", sa.String(length=512), nullable=False),
        sa.Column("audience_key", sa.String(length=64), nullable=False),
        sa.Column("contact_index", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("skips_us", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("template_name", "audience_key", name=op.f("pk_audience_marks")),
    )
    op.create_index("ix_replies_received_at", "replies", ["received_at"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in PG_UP if postgresql else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DOWN if postgresql else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_replies_received_at", table_name="replies")
    op.drop_table("audience_marks")
    op.drop_column("schedules", "audience")  # SQLite 3.35+ drops a column in place
    op.drop_column("campaigns", "audience")
    op.drop_index("ix_contact_tags_tag_id_contact_id", table_name="contact_tags")
    op.drop_table("contact_tags")
    op.drop_table("tags")
