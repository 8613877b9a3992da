"""contact identities: a contact by phone or by BSUID, every wa_id/BSUID ever seen kept

Users with a WhatsApp username may reach a business without a phone number, identified only
by their business-scoped user id (BSUID, `user_id`), and Meta regenerates a BSUID when the
user changes number. So `contacts.phone` and `sends.phone` become nullable (a contact known
only by BSUID is sent to with `recipient`), and `contact_identities` keeps each wa_id and BSUID
a contact was seen with, old ones too, so a late webhook still finds its contact.

Existing contacts keep their rows; their stored `wa_id` and `user_id` become their first
identities.

SQLite cannot drop a NOT NULL in place, and rebuilding `contacts` would delete every send
with it (the migration runs in one transaction with foreign keys on, and dropping the old
table cascades). Removing a NOT NULL changes no stored row, so the table's declaration is
edited instead, the procedure SQLite's ALTER TABLE documentation gives for that case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PHONE_NOT_NULL = "phone VARCHAR(20) NOT NULL,"
PHONE_NULL = "phone VARCHAR(20),"


def _sqlite_set_phone_declaration(old: str, new: str) -> None:
    """Rewrite `phone`'s declaration in contacts and sends (sqlite_schema, then a new
    schema_version so every connection re-reads it)."""
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    for table in ("contacts", "sends"):
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar_one()
        if old not in sql:
            raise RuntimeError(f"{table}: declaration {old!r} not found in {sql!r}")
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            (sql.replace(old, new, 1), table),
        )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_set_phone_declaration(PHONE_NOT_NULL, PHONE_NULL)
    else:
        op.alter_column("contacts", "phone", existing_type=sa.String(20), nullable=True)
        op.alter_column("sends", "phone", existing_type=sa.String(20), nullable=True)
    op.create_table(
        "contact_identities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contact_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=160), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_identities_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_identities")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_contact_identities_kind_value")),
    )
    op.create_index(op.f("ix_contact_identities_contact_id"), "contact_identities", ["contact_id"])
    # Existing ids become identities; a value two contacts share stays with the lowest id.
    for kind in ("wa_id", "user_id"):
        op.execute(
            "INSERT INTO contact_identities (contact_id, kind, value, first_seen_at) "
            f"SELECT MIN(id), '{kind}', {kind}, MIN(updated_at) FROM contacts "
            f"WHERE {kind} IS NOT NULL GROUP BY {kind}"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_identities_contact_id"), table_name="contact_identities")
    op.drop_table("contact_identities")
    # Contacts without a phone (and their sends) cannot exist under the old schema.
    op.execute("DELETE FROM contacts WHERE phone IS NULL")
    op.execute("DELETE FROM sends WHERE phone IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_set_phone_declaration(PHONE_NULL, PHONE_NOT_NULL)
    else:
        op.alter_column("sends", "phone", existing_type=sa.String(20), nullable=False)
        op.alter_column("contacts", "phone", existing_type=sa.String(20), nullable=False)
