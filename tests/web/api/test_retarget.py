"""POST /api/campaigns/{id}/retarget: another template for who did not read or reply in time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.web.api.harness import ManualClock, add_contacts, app_settings, running_app
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Reply, Send

SOURCE = {"template_name": "daily_offer", "language": "tr", "limit": 6}
RETARGET = {"template": "hello_world", "language": "en_US", "when": "not-read", "after_days": 3}


def mark_read(database: Database, phones: list[str], clock: ManualClock) -> None:
    """Read receipts as the webhook receiver stores them."""
    with database.session() as session:
        for phone in phones:
            contact_id = session.query(Contact.id).filter_by(phone=phone).scalar()
            session.execute(
                update(Send)
                .where(Send.contact_id == contact_id)
                .values(status="read", read_at=clock.now(), delivered_at=clock.now())
            )


def add_reply(database: Database, phone: str, clock: ManualClock) -> None:
    """A reply credited to the contact's send, as the webhook receiver stores it."""
    with database.session() as session:
        contact_id = session.query(Contact.id).filter_by(phone=phone).scalar()
        send = session.query(Send).filter_by(contact_id=contact_id).one()
        session.add(
            Reply(
                message_id=f"wamid.reply.{contact_id}",
                contact_id=contact_id,
                phone=phone.lstrip("+"),
                type="text",
                text="Teşekkürler!",
                campaign_id=send.campaign_id,
                send_id=send.id,
                occurred_at=clock.now(),
                received_at=clock.now(),
            )
        )


def phones_sent(database: Database, campaign_id: int) -> set[str]:
    with database.session() as session:
        rows = session.query(Send.phone).filter_by(campaign_id=campaign_id).all()
        return {phone for (phone,) in rows if phone is not None}


async def sent_source(h: Any) -> int:
    answer = await h.client.post("/api/campaigns", json=SOURCE)
    assert answer.status_code == 202, answer.text
    done = await h.campaign_done(answer.json()["id"])
    assert done["accepted"] == 6, done
    return int(done["id"])


@pytest.mark.anyio
async def test_not_read_takes_the_unread_once_the_days_have_passed(settings: Settings) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        phones = add_contacts(h.database, 6)
        source = await sent_source(h)
        mark_read(h.database, phones[:2], clock)
        with h.database.session() as session:  # opted out since: never retargeted
            session.execute(
                update(Contact).where(Contact.phone == phones[2]).values(opted_out_at=clock.now())
            )
        url = f"/api/campaigns/{source}/retarget"

        early = await h.client.post(url, json=RETARGET)
        assert early.status_code == 409, early.text
        error = early.json()["error"]
        assert error["code"] == "nothing_to_retarget"
        first = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M UTC")
        assert f"3 will become eligible, the first from {first}" in error["message"]
        turkish = await h.client.post(url, json=RETARGET, headers={"Accept-Language": "tr"})
        assert turkish.json()["error"]["code"] == "nothing_to_retarget"
        assert f"3 kişi uygun olacak, ilki {first} itibarıyla" in turkish.json()["error"]["message"]

        clock.advance(timedelta(days=3, minutes=1))
        answer = await h.client.post(url, json=RETARGET)
        assert answer.status_code == 201, answer.text
        created = answer.json()
        assert created["template_name"] == "hello_world"
        assert created["retarget"] == {
            "of_campaign_id": source,
            "when": "not-read",
            "after_days": 3,
        }
        assert created["requested_limit"] == 3
        done = await h.campaign_done(created["id"])
        assert done["accepted"] == 3
        assert phones_sent(h.database, created["id"]) == set(phones[3:])


@pytest.mark.anyio
async def test_not_replied_leaves_out_who_replied_or_got_the_template(settings: Settings) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        phones = add_contacts(h.database, 6)
        source = await sent_source(h)
        mark_read(h.database, phones, clock)  # read, but not replied: still taken
        add_reply(h.database, phones[0], clock)
        other = await h.client.post(  # phones[0:2] get hello_world from another campaign
            "/api/campaigns", json={"template_name": "hello_world", "language": "en_US", "limit": 2}
        )
        await h.campaign_done(other.json()["id"])
        taken_before = phones_sent(h.database, other.json()["id"])
        assert taken_before == set(phones[:2])
        clock.advance(timedelta(days=2))
        body = dict(RETARGET, when="not-replied", after_days=2)
        answer = await h.client.post(f"/api/campaigns/{source}/retarget", json=body)
        assert answer.status_code == 201, answer.text
        done = await h.campaign_done(answer.json()["id"])
        sent = phones_sent(h.database, answer.json()["id"])
        assert phones[0] not in sent
        assert not sent & taken_before
        assert sent == set(phones[2:])
        assert done["accepted"] == len(sent)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "status", "code", "field", "words"),
    [
        (
            dict(RETARGET, template="daily_offer", language="tr"),
            422,
            "same_template",
            "template",
            "is the one campaign",
        ),
        (dict(RETARGET, after_days=0), 422, "invalid_retarget", "after_days", "from 1 to 90"),
        (dict(RETARGET, after_days=91), 422, "invalid_retarget", "after_days", "got 91"),
    ],
)
async def test_refusals_name_the_field(
    settings: Settings, body: dict[str, Any], status: int, code: str, field: str, words: str
) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        add_contacts(h.database, 6)
        source = await sent_source(h)
        answer = await h.client.post(f"/api/campaigns/{source}/retarget", json=body)
        assert answer.status_code == status, answer.text
        error = answer.json()["error"]
        assert (error["code"], error.get("field")) == (code, field)
        assert words in error["message"]
        listed = (await h.client.get("/api/campaigns")).json()
        assert listed["total"] == 1  # nothing was written


@pytest.mark.anyio
async def test_unknown_and_running_sources_are_refused(settings: Settings) -> None:
    clock = ManualClock()
    async with running_app(app_settings(settings), clock=clock) as h:
        missing = await h.client.post("/api/campaigns/999/retarget", json=RETARGET)
        assert missing.status_code == 404, missing.text
        add_contacts(h.database, 6)
        source = await sent_source(h)
        with h.database.session() as session:
            session.execute(update(Campaign).where(Campaign.id == source).values(state="running"))
        running = await h.client.post(f"/api/campaigns/{source}/retarget", json=RETARGET)
        assert running.status_code == 409, running.text
        assert running.json()["error"]["code"] == "campaign_running"
        assert "still running" in running.json()["error"]["message"]
