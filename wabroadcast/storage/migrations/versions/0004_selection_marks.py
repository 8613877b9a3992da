"""selection marks: where the next selection of a template may start

A daily drip of `daily_offer` to a 1,000,000-contact list re-walked every contact it already
reached (0.8 s at 500,000 done on SQLite). A mark remembers the first eligible position;
triggers delete marks whenever a contact before it could become eligible again (a send row
deleted, a contact added, re-indexed, opted back in or made reachable again).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BECAME_ELIGIBLE_SQLITE = (
    "(OLD.opted_out_at IS NOT NULL AND NEW.opted_out_at IS NULL) OR "
    "(OLD.unreachable_at IS NOT NULL AND NEW.unreachable_at IS NULL) OR "
    '(OLD."index" IS NOT NEW."index")'
)
BECAME_ELIGIBLE_PG = BECAME_ELIGIBLE_SQLITE.replace("IS NOT NEW", "IS DISTINCT FROM NEW")

SQLITE_UP = [
    "CREATE TRIGGER trg_selection_marks_send_deleted AFTER DELETE ON sends "
    "BEGIN DELETE FROM selection_marks WHERE template_name = OLD.template_name; END",
    "CREATE TRIGGER trg_selection_marks_contact_added AFTER INSERT ON contacts "
    "WHEN EXISTS (SELECT 1 FROM selection_marks) BEGIN DELETE FROM selection_marks; END",
    "CREATE TRIGGER trg_selection_marks_contact_changed AFTER UPDATE OF opted_out_at, "
    f'unreachable_at, "index" ON contacts WHEN {BECAME_ELIGIBLE_SQLITE} '
    "BEGIN DELETE FROM selection_marks; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS trg_selection_marks_send_deleted",
    "DROP TRIGGER IF EXISTS trg_selection_marks_contact_added",
    "DROP TRIGGER IF EXISTS trg_selection_marks_contact_changed",
]
PG_UP = [
    "CREATE FUNCTION selection_marks_forget() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN DELETE FROM selection_marks; RETURN NULL; END $$",
    "CREATE TRIGGER trg_selection_marks_send_deleted AFTER DELETE ON sends "
    "FOR EACH STATEMENT EXECUTE FUNCTION selection_marks_forget()",
    "CREATE TRIGGER trg_selection_marks_contact_added AFTER INSERT ON contacts "
    "FOR EACH STATEMENT EXECUTE FUNCTION selection_marks_forget()",
    "CREATE TRIGGER trg_selection_marks_contact_changed AFTER UPDATE OF opted_out_at, "
    f'unreachable_at, "index" ON contacts FOR EACH ROW WHEN ({BECAME_ELIGIBLE_PG}) '
    "EXECUTE FUNCTION selection_marks_forget()",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS trg_selection_marks_send_deleted ON sends",
    "DROP TRIGGER IF EXISTS trg_selection_marks_contact_added ON contacts",
    "DROP TRIGGER IF EXISTS trg_selection_marks_contact_changed ON contacts",
    "DROP FUNCTION IF EXISTS selection_marks_forget()",
]


def upgrade() -> None:
    op.create_table(
        "selection_marks",
        sa.Column("template_name", sa.String(length=512), nullable=False),
        sa.Column("contact_index", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("template_name", name=op.f("pk_selection_marks")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in PG_UP if postgresql else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DOWN if postgresql else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("selection_marks")
