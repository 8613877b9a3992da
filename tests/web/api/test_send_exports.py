"""Per-contact results: the contact page lists every send with its stages, replies and
opt-outs; sends export as CSV or XLSX (all, one contact, one campaign), never as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.web.api.harness import (
    app_settings,
    fast_webhooks,
    log_in,
    running_app,
    simulator_config,
)
from tests.web.views.helpers import add_campaign
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, OptOut, Reply, Send
from wabroadcast.web.exports import CSV_COLUMNS, XLSX_MEDIA_TYPE

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add_contact(database: Database, phone: str, name: str, index: int) -> int:
    with database.session() as session:
        contact = Contact(
            phone=phone, name=name, index=index, attributes={}, created_at=T0, updated_at=T0
        )
        session.add(contact)
        session.flush()
        return contact.id


def add_send(database: Database, contact_id: int, template: str, **values: Any) -> int:
    fields: dict[str, Any] = {
        "template_name": template,
        "contact_id": contact_id,
        "language": "tr",
        "phone": "+905551000001",
        "state": "accepted",
        "attempts": 1,
        "claimed_at": T0,
        "updated_at": T0,
    }
    fields.update(values)
    with database.session() as session:
        send = Send(**fields)
        session.add(send)
        session.flush()
        return send.id


async def test_the_contact_page_lists_each_send_with_its_stages_replies_and_opt_outs(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        ayse = add_contact(h.database, "+905551000001", "Ayşe", 1)
        other = add_contact(h.database, "+905551000002", "Ali", 2)
        campaign_id = add_campaign(h.database, state="completed")
        read_id = add_send(
            h.database,
            ayse,
            "daily_offer",
            campaign_id=campaign_id,
            message_id="wamid.read",
            status="read",
            accepted_at=T0 + timedelta(seconds=1),
            sent_at=T0 + timedelta(seconds=2),
            delivered_at=T0 + timedelta(seconds=3),
            read_at=T0 + timedelta(minutes=5),
            pricing_category="marketing",
            pricing_type="regular",
        )
        failed_id = add_send(
            h.database,
            ayse,
            "weekly_news",
            message_id="wamid.failed",
            status="failed",
            accepted_at=T0,
            failed_at=T0 + timedelta(seconds=4),
            error_code=131049,
            error_title="This message was not delivered to maintain healthy ecosystem engagement.",
        )
        add_send(h.database, other, "daily_offer", phone="+905551000002", message_id="wamid.x")
        with h.database.session() as session:
            session.add(
                Reply(
                    message_id="wamid.reply",
                    contact_id=ayse,
                    type="text",
                    text="Daha fazla bilgi",
                    campaign_id=campaign_id,
                    occurred_at=T0 + timedelta(minutes=6),
                    received_at=T0 + timedelta(minutes=6),
                )
            )
            session.add(
                OptOut(contact_id=ayse, action="stop", reason="keyword STOP", occurred_at=T0)
            )
        await log_in(h.anon)
        page = await h.anon.get(f"/contacts/{ayse}")
        assert page.status_code == 200, page.text
        html = page.text
        assert f'data-send-id="{read_id}"' in html and f'data-send-id="{failed_id}"' in html
        assert html.count("data-send-id=") == 2  # not Ali's send
        for stage in ("claimed", "accepted", "sent", "delivered", "read"):
            assert f'data-stage="{stage}"' in html
        assert "Failed: 2026-11-20 09:00:04" in html
        assert "131049" in html
        assert "marketing · regular" in html
        assert "Daha fazla bilgi" in html and "opted out · keyword STOP" in html
        assert f'href="/api/sends.csv?contact_id={ayse}"' in html
        listing = await h.anon.get("/contacts")
        assert f'href="/contacts/{ayse}"' in listing.text
        assert 'href="/api/sends.xlsx"' in listing.text
        h.anon.cookies.set("wabroadcast_lang", "tr")
        turkish = await h.anon.get(f"/contacts/{ayse}")
        assert "Okundu: " in turkish.text and "abonelikten çıktı" in turkish.text
        missing = await h.anon.get("/contacts/999999")
        assert missing.status_code == 404 and "999999 numaralı kişi yok." in missing.text


async def test_a_campaign_run_shows_on_each_contacts_page(settings: Settings) -> None:
    sim = simulator_config()
    async with running_app(app_settings(settings), sim=sim, webhooks=fast_webhooks(sim)) as h:
        contact_id = add_contact(h.database, "+905551000009", "Zeynep", 1)
        answer = await h.client.post(
            "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": 1}
        )
        campaign_id = answer.json()["id"]

        async def read() -> bool:
            body = (await h.client.get(f"/api/campaigns/{campaign_id}")).json()
            return bool(body["read"] == 1)

        await h.wait_for(read)
        await log_in(h.anon)
        html = (await h.anon.get(f"/contacts/{contact_id}")).text
        for stage in ("claimed", "accepted", "sent", "read"):
            assert f'data-stage="{stage}"' in html, stage
        assert f'href="/campaigns/{campaign_id}"' in html


FORMULA = "=cmd()"


async def test_exports_hold_each_contacts_sends_and_never_a_formula(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        bad = add_contact(h.database, "+905551000001", FORMULA, 1)
        good = add_contact(h.database, "+905551000002", "Ali", 2)
        campaign_id = add_campaign(h.database, state="completed")
        add_send(h.database, bad, "daily_offer", campaign_id=campaign_id, error_title="+1 oops")
        add_send(h.database, bad, "weekly_news")
        add_send(h.database, good, "daily_offer", phone="+905551000002", campaign_id=campaign_id)

        every = await h.client.get("/api/sends.csv")
        assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(every.text)))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert len(rows) == 3
        one = list(
            csv.DictReader(
                io.StringIO((await h.client.get(f"/api/sends.csv?contact_id={bad}")).text)
            )
        )
        assert {r["template"] for r in one} == {"daily_offer", "weekly_news"}
        assert {r["name"] for r in one} == {"'" + FORMULA}
        assert [r["error"] for r in one if r["template"] == "daily_offer"] == ["'+1 oops"]
        by_template = await h.client.get("/api/sends.csv?template=weekly_news")
        assert len(list(csv.DictReader(io.StringIO(by_template.text)))) == 1

        for url in (
            f"/api/sends.xlsx?contact_id={bad}",
            f"/api/campaigns/{campaign_id}/sends.xlsx",
        ):
            answer = await h.client.get(url)
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"] == XLSX_MEDIA_TYPE
            sheet = load_workbook(io.BytesIO(answer.content), read_only=True)["sends"]
            table = [list(row) for row in sheet.iter_rows(values_only=True)]
            assert tuple(table[0]) == CSV_COLUMNS
            names = {row[CSV_COLUMNS.index("name")] for row in table[1:]}
            assert "'" + FORMULA in names and FORMULA not in names
            cells = [
                c
                for row in load_workbook(io.BytesIO(answer.content))["sends"].iter_rows()
                for c in row
            ]
            assert all(c.data_type != "f" for c in cells)  # no cell is a formula
        campaign = load_workbook(
            io.BytesIO((await h.client.get(f"/api/campaigns/{campaign_id}/sends.xlsx")).content)
        )
        assert campaign["sends"].max_row == 3  # header + the campaign's two sends
        assert (await h.client.get("/api/campaigns/999/sends.xlsx")).status_code == 404
        with h.database.session() as session:
            assert len(session.scalars(select(Send)).all()) == 3


async def test_a_template_filter_with_a_control_character_is_refused(settings: Settings) -> None:
    """PostgreSQL cannot hold NUL in text: refused as input (422), never a 500."""
    async with running_app(app_settings(settings)) as h:
        for path in ("/api/sends.csv", "/api/sends.xlsx"):
            answer = await h.client.get(path, params={"template": "\x00"})
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"]["field"] == "template"
