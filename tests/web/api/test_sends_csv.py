"""GET /api/campaigns/{id}/sends.csv is opened in spreadsheets: no cell runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.web.api.harness import app_settings, running_app
from tests.web.views.helpers import add_campaign
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Contact, Send

FORMULAS = ['=HYPERLINK("http://x","y")', "+90", "-1", "@SUM(A1)", "\uff1dcmd", "\uff0b1"]


@pytest.mark.anyio
async def test_sends_csv_cells_never_start_a_formula(settings: Settings) -> None:
    """Contact names and Cloud API error titles come from strangers; each such cell that a
    spreadsheet would run (fullwidth ＝ and ＋ included) gets a leading quote."""
    async with running_app(app_settings(settings)) as h:
        campaign_id = add_campaign(h.database, state="completed")
        now = datetime.now(UTC)
        with h.database.session() as session:
            for n, value in enumerate([*FORMULAS, "Ayşe"]):
                contact = Contact(
                    phone=f"+90555{1000000 + n:07d}",
                    name=value,
                    index=n + 1,
                    attributes={},
                    created_at=now,
                    updated_at=now,
                )
                session.add(contact)
                session.flush()
                session.add(
                    Send(
                        template_name="daily_offer",
                        contact_id=contact.id,
                        campaign_id=campaign_id,
                        language="tr",
                        phone=contact.phone,
                        state="failed",
                        attempts=1,
                        error_code=131026,
                        error_title=value,
                        claimed_at=now,
                        failed_at=now,
                        updated_at=now,
                    )
                )
        answer = await h.client.get(f"/api/campaigns/{campaign_id}/sends.csv")
        assert answer.status_code == 200, answer.text
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        expected = ["'" + value for value in FORMULAS] + ["Ayşe"]
        assert [row["name"] for row in rows] == expected
        assert [row["error"] for row in rows] == expected
