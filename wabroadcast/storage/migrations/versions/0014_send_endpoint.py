"""sends.endpoint and campaigns.note: which Cloud API endpoint a send went through

MARKETING_MESSAGES_API routes MARKETING templates to POST /{phone-number-id}/marketing_messages
(the Marketing Messages API) instead of /messages. `sends.endpoint` records the one each
accepted send used (`messages` or `marketing_messages`), so a campaign can say how many went
which way. Sends accepted before this migration all went through /messages. `campaigns.note`
holds what a run wants a person to know without it being an error, such as a fall back to
/messages because the portfolio has not accepted the Marketing Messages API terms.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no batch copy), as in 0009: nullable, so no table rewrite.
    op.add_column("sends", sa.Column("endpoint", sa.String(length=24), nullable=True))
    op.add_column("campaigns", sa.Column("note", sa.Text(), nullable=True))
    op.execute("UPDATE sends SET endpoint = 'messages' WHERE message_id IS NOT NULL")


def downgrade() -> None:
    op.drop_column("campaigns", "note")
    op.drop_column("sends", "endpoint")
