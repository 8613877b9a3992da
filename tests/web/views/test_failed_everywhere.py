"""`failed` is one number on every screen: refusals at send time plus failed status webhooks.

One campaign meets each kind of failure the Cloud API reports: a number the API refuses at
once (131009, a synchronous failure), a number not on WhatsApp (131026) and a user who
stopped marketing messages (131050) — the last two arrive later as signed status webhooks.
The per-user marketing cap (131049) arrives the same way but is not a failure: those sends are
deferred for a retry, and counted apart. Then GET /api/campaigns/{id}, the API's list,
`campaign show`, `campaign list`, the overview, the campaigns list and the campaign page must
all show the number the database holds.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, or_, select
from typer.testing import CliRunner

from tests.web.api.harness import add_contacts, fast_webhooks, simulator_config
from tests.web.views.helpers import add_templates, panel
from wabroadcast.cli.main import app as cli_app
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send

SHORT = "+90555"
"""Too few digits for a phone number: the Cloud API refuses the send with 131009 at once."""
UNREACHABLE = "+905551000003"
CONTACTS = 24


def add_short_number(database: Database) -> None:
    now = datetime.now(UTC)
    with database.session() as session:
        session.add(
            Contact(
                phone=SHORT,
                name="Short",
                index=CONTACTS + 1,
                attributes={},
                created_at=now,
                updated_at=now,
            )
        )


def failed_in_database(database: Database, campaign_id: int) -> tuple[int, int, set[int]]:
    """(failed at send, failed in all, codes of the webhook failures), read from the sends."""
    with database.session() as session:
        at_send = session.scalar(
            select(func.count()).where(Send.campaign_id == campaign_id, Send.state == "failed")
        )
        total = session.scalar(
            select(func.count()).where(
                Send.campaign_id == campaign_id,
                Send.state != "deferred",  # 131049: waiting for its retry, not failed
                or_(Send.state == "failed", Send.status == "failed"),
            )
        )
        codes = set(
            session.scalars(
                select(Send.error_code).where(
                    Send.campaign_id == campaign_id,
                    Send.state == "accepted",
                    Send.status == "failed",
                )
            )
        )
    return int(at_send or 0), int(total or 0), {int(code) for code in codes if code}


def cli_json(database: Database, *args: str) -> Any:
    result = CliRunner().invoke(
        cli_app,
        ["--env-file", "/nonexistent/.env", *args],
        env={"DATABASE_URL": database.url},
        obj={},
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def cli_list_failed(database: Database, campaign_id: int) -> int:
    result = CliRunner().invoke(
        cli_app,
        ["--env-file", "/nonexistent/.env", "campaign", "list"],
        env={"DATABASE_URL": database.url, "COLUMNS": "200"},
        obj={},
    )
    assert result.exit_code == 0, result.output
    for line in result.output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if cells and cells[0] == str(campaign_id):
            return int(cells[4])  # id, state, sel, acc, fail, …
    raise AssertionError(result.output)


def row_failed(html: str, campaign_id: int) -> int:
    """The failed cell of the campaign's row in a campaigns table (overview, list)."""
    row = re.search(
        rf'<tr[^>]*>(?:(?!</tr>).)*?/campaigns/{campaign_id}"(?:(?!</tr>).)*</tr>', html, re.S
    )
    assert row is not None, html[-3000:]
    cell = re.search(r'data-testid="campaign-row-failed">([\d.,]+)<', row.group(0))
    assert cell is not None, row.group(0)
    return int(cell.group(1).replace(",", "").replace(".", ""))


@pytest.mark.anyio
async def test_failed_counts_send_time_and_webhook_failures_alike_on_every_screen(
    settings: Settings,
) -> None:
    sim = simulator_config(
        unreachable=frozenset({UNREACHABLE}), fail_131049_rate=0.25, fail_131050_rate=0.25
    )
    async with panel(settings, sim=sim, webhooks=fast_webhooks(sim)) as p:
        add_templates(p.database)  # daily_offer is MARKETING: 131049 and 131050 can happen
        add_contacts(p.database, CONTACTS)
        add_short_number(p.database)
        body = {"template_name": "daily_offer", "language": "tr", "limit": CONTACTS + 1}
        created = (await p.h.client.post("/api/campaigns", json=body)).json()
        campaign_id = created["id"]
        await p.h.campaign_done(campaign_id)

        async def settled() -> tuple[int, int, set[int]] | None:
            found = failed_in_database(p.database, campaign_id)
            with p.database.session() as session:
                pending = session.scalar(
                    select(func.count()).where(
                        Send.campaign_id == campaign_id,
                        Send.state == "accepted",
                        or_(Send.status.is_(None), Send.status == "sent"),
                    )
                )
            return found if not pending else None

        at_send, failed, codes = await p.h.wait_for(settled)
        assert at_send == 1  # the short number, refused by the Cloud API at once
        assert codes == {131026, 131050}
        assert failed > at_send + len(codes) - 1

        api = (await p.h.client.get(f"/api/campaigns/{campaign_id}")).json()
        assert (api["failed"], api["failed_at_send"]) == (failed, at_send)
        listed = (await p.h.client.get("/api/campaigns")).json()["items"]
        assert [c["failed"] for c in listed if c["id"] == campaign_id] == [failed]
        for code in ("131009", "131026", "131050"):
            assert any(reason.startswith(code) for reason in api["failures"]), api["failures"]
        assert sum(api["failures"].values()) == failed
        with p.database.session() as session:
            deferred = session.scalar(
                select(func.count()).where(
                    Send.campaign_id == campaign_id, Send.state == "deferred"
                )
            )
        assert api["deferred"] == deferred > 0  # 131049: waiting for a retry, not failed

        shown = cli_json(p.database, "campaign", "show", str(campaign_id), "--json")
        assert (shown["failed"], shown["failures"]) == (failed, api["failures"])
        assert cli_list_failed(p.database, campaign_id) == failed

        page = await p.browser.get(f"/campaigns/{campaign_id}?lang=en")
        assert f'data-testid="failed-count">{failed}<' in page.text
        assert row_failed((await p.browser.get("/campaigns")).text, campaign_id) == failed
        assert row_failed((await p.browser.get("/")).text, campaign_id) == failed
