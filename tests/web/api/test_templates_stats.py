"""/api/templates from the templates table; /api/stats with per-day counts for the charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.web.api.harness import ManualClock, add_contacts, app_settings, running_app
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Reply, Send, Template

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.anyio
async def test_templates_are_listed_from_the_table(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        with h.database.session() as session:
            for name, language, status in (
                ("spring_sale", "pt_BR", "APPROVED"),
                ("daily_offer", "tr", "APPROVED"),
                ("old_promo", "en_US", "PAUSED"),
            ):
                session.add(
                    Template(
                        name=name,
                        language=language,
                        status=status,
                        category="MARKETING",
                        components=[{"type": "BODY", "text": "Hi"}],
                        synced_at=NOW,
                    )
                )
        listed = (await h.client.get("/api/templates")).json()
        assert [(t["name"], t["language"]) for t in listed] == [
            ("daily_offer", "tr"),
            ("old_promo", "en_US"),
            ("spring_sale", "pt_BR"),
        ]
        assert listed[0]["components"] == [{"type": "BODY", "text": "Hi"}]
        approved = (await h.client.get("/api/templates", params={"status": "approved"})).json()
        assert {t["name"] for t in approved} == {"daily_offer", "spring_sale"}


@pytest.mark.anyio
async def test_stats_count_per_utc_day(settings: Settings) -> None:
    async with running_app(app_settings(settings), clock=ManualClock(NOW)) as h:
        phones = add_contacts(h.database, 4)
        yesterday = NOW - timedelta(days=1)
        _send(h.database, phones[0], accepted=yesterday, delivered=yesterday, read=NOW)
        _send(h.database, phones[1], accepted=yesterday, delivered=NOW)
        _send(h.database, phones[2], accepted=NOW)
        _send(h.database, phones[3], accepted=NOW - timedelta(days=40))  # outside the window
        _reply(h.database, phones[0], NOW)
        answer = await h.client.get("/api/stats", params={"days": 7})
        assert answer.status_code == 200
        stats = answer.json()
        assert (stats["contacts"], stats["messages_sent"], stats["opted_out"]) == (4, 4, 0)
        assert stats["templates"] == 1
        days = {d["day"]: d for d in stats["days"]}
        assert len(stats["days"]) == 7 and stats["days"][-1]["day"] == "2026-11-25"
        today, before = days["2026-11-25"], days["2026-11-24"]
        assert (today["sends"], today["deliveries"], today["reads"], today["replies"]) == (
            1,
            1,
            1,
            1,
        )
        assert (before["sends"], before["deliveries"], before["reads"]) == (2, 1, 0)
        assert sum(d["sends"] for d in stats["days"]) == 3
        assert (await h.client.get("/api/stats", params={"days": 0})).status_code == 422


def _send(
    database: Database,
    phone: str,
    *,
    accepted: datetime,
    delivered: datetime | None = None,
    read: datetime | None = None,
) -> None:
    with database.session() as session:
        contact = session.query(Contact).filter_by(phone=phone).one()
        session.add(
            Send(
                template_name="daily_offer",
                contact_id=contact.id,
                phone=phone,
                state="accepted",
                message_id=f"wamid.{phone}",
                status="read" if read else "delivered" if delivered else "sent",
                claimed_at=accepted,
                accepted_at=accepted,
                delivered_at=delivered,
                read_at=read,
                updated_at=accepted,
            )
        )


def _reply(database: Database, phone: str, when: datetime) -> None:
    with database.session() as session:
        session.add(
            Reply(
                message_id=f"wamid.in.{phone}",
                phone=phone.lstrip("+"),
                type="text",
                text="ok",
                occurred_at=when,
                received_at=when,
            )
        )


@pytest.mark.anyio
async def test_templates_known_to_be_unsendable_are_refused_at_once(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 2)
        with h.database.session() as session:
            for name, language, status in (
                ("daily_offer", "tr", "APPROVED"),
                ("old", "tr", "PAUSED"),
            ):
                session.add(
                    Template(
                        name=name, language=language, status=status, components=[], synced_at=NOW
                    )
                )
        paused = await h.client.post("/api/campaigns", json={"template_name": "old", "limit": 1})
        assert paused.status_code == 422
        error = paused.json()["error"]
        assert error["code"] == "template_not_sendable" and "PAUSED" in error["message"]
        other = await h.client.post(
            "/api/send", json={"template_name": "daily_offer", "limit": 1, "language_code": "en_US"}
        )
        assert other.status_code == 422
        assert "exists in: tr" in other.json()["error"]["message"]
        assert (await h.client.get("/api/campaigns")).json()["total"] == 0
        assert h.simulator.accepted == []
