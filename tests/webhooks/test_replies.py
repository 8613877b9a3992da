"""Inbound messages: stored once, linked to the contact and to the campaign they answer."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.webhooks.conftest import (
    W1,
    Hook,
    add_campaign,
    add_contact,
    add_send,
    load_fixture,
)
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Reply, WebhookEvent

pytestmark = pytest.mark.anyio
REPLY_AT = datetime.fromtimestamp(1765812000, UTC)


def _replies(database: Database) -> list[Reply]:
    with database.session() as session:
        return list(session.scalars(select(Reply).order_by(Reply.id)))


def _text(body: str, message_id: str, *, sender: str = "5511987654321") -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("inbound_text"))
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = sender
    value["messages"][0].update({"id": message_id, "from": sender})
    value["messages"][0]["text"]["body"] = body
    return payload


async def test_text_reply_counts_for_the_most_recent_send_in_the_window(
    hook: Hook, database: Database
) -> None:
    with database.session() as session:
        ana = add_contact(session, "+5511987654321")
        old = add_campaign(session, "old_offer")
        new = add_campaign(session, "daily_offer")
        add_send(session, ana, old, message_id="wamid.old", claimed_at=REPLY_AT - timedelta(days=2))
        send = add_send(session, ana, new, message_id=W1, claimed_at=REPLY_AT - timedelta(hours=1))
        ids = {"contact": ana.id, "campaign": new.id, "send": send.id}
    await hook.post_fixture("inbound_text")
    await hook.post_fixture("inbound_text")
    (reply,) = _replies(database)
    assert (reply.contact_id, reply.campaign_id, reply.send_id) == (
        ids["contact"],
        ids["campaign"],
        ids["send"],
    )
    assert (reply.type, reply.text, reply.payload) == ("text", "Quero saber mais", None)
    assert reply.occurred_at == REPLY_AT
    assert reply.user_id == "BR.1502576394655843"
    with database.session() as session:
        contact = session.get(Contact, ids["contact"])
        assert contact is not None and contact.user_id == "BR.1502576394655843"
        assert contact.opted_out_at is None


async def test_reply_in_the_same_second_as_the_send_counts_for_its_campaign(
    hook: Hook, database: Database
) -> None:
    """Meta stamps a reply in whole seconds; the claim has microseconds. A reply 0.4 s after
    the send carries the send's second, which is *before* claimed_at, yet it answers it."""
    with database.session() as session:
        ana = add_contact(session, "+5511987654321")
        campaign = add_campaign(session, "daily_offer")
        claimed = REPLY_AT + timedelta(microseconds=600_000)
        send = add_send(session, ana, campaign, message_id=W1, claimed_at=claimed)
        ids = (campaign.id, send.id)
    await hook.post_fixture("inbound_text")
    (reply,) = _replies(database)
    assert reply.occurred_at == REPLY_AT
    assert (reply.campaign_id, reply.send_id) == ids


async def test_reply_outside_the_window_counts_for_no_campaign(
    hook: Hook, database: Database
) -> None:
    with database.session() as session:
        ana = add_contact(session, "+5511987654321")
        add_send(
            session,
            ana,
            add_campaign(session),
            message_id=W1,
            claimed_at=REPLY_AT - timedelta(hours=73),
        )
        contact_id = ana.id
    await hook.post_fixture("inbound_text")
    (reply,) = _replies(database)
    assert reply.contact_id == contact_id
    assert reply.campaign_id is None and reply.send_id is None


async def test_quick_reply_button_is_credited_to_the_quoted_send(
    hook: Hook, database: Database
) -> None:
    """context.id wins over the most recent send."""
    with database.session() as session:
        ana = add_contact(session, "+5511987654321")
        quoted = add_campaign(session, "spring_sale")
        newer = add_campaign(session, "daily_offer")
        send = add_send(
            session, ana, quoted, message_id=W1, claimed_at=REPLY_AT - timedelta(hours=5)
        )
        add_send(session, ana, newer, message_id="wamid.newer", claimed_at=REPLY_AT)
        ids = (quoted.id, send.id)
    await hook.post_fixture("inbound_button")
    (reply,) = _replies(database)
    assert (reply.type, reply.text, reply.payload) == ("button", "Parar promoções", "STOP_PROMOS")
    assert reply.context_message_id == W1
    assert (reply.campaign_id, reply.send_id) == ids


@pytest.mark.parametrize(
    ("fixture", "phone", "expected"),
    [
        ("inbound_interactive_button_reply", "+905321234567", ("button_reply", "Sim", "opt_yes")),
        (
            "inbound_interactive_list_reply",
            "+905321234568",
            ("list_reply", "İstanbul", "store_ist"),
        ),
    ],
)
async def test_interactive_replies_keep_title_and_id(
    hook: Hook, database: Database, fixture: str, phone: str, expected: tuple[str, str, str]
) -> None:
    with database.session() as session:
        contact_id = add_contact(session, phone).id
    await hook.post_fixture(fixture)
    (reply,) = _replies(database)
    assert (reply.type, reply.text, reply.payload) == expected
    assert reply.contact_id == contact_id
    assert reply.campaign_id is None  # no send to this contact


async def test_other_types_are_stored_with_their_type(hook: Hook) -> None:
    payload = _text("x", "wamid.IMG")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message.update(type="image", image={"id": "1", "mime_type": "image/jpeg", "caption": "foto"})
    await hook.post(payload)
    (reply,) = _replies(hook.database)
    assert (reply.type, reply.text, reply.contact_id) == ("image", "foto", None)


async def test_reply_from_an_unknown_number_creates_no_contact(hook: Hook) -> None:
    await hook.post_fixture("inbound_text")
    (reply,) = _replies(hook.database)
    assert reply.contact_id is None and reply.phone == "5511987654321"
    with hook.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_contact_found_by_bsuid_when_number_is_hidden(hook: Hook, database: Database) -> None:
    with database.session() as session:
        ana = add_contact(session, "+5511987654321")
        ana.user_id = "BR.1502576394655843"
        contact_id = ana.id
    payload = _text("oi", "wamid.BSUID")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["from"]
    del payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"]
    await hook.post(payload)
    (reply,) = _replies(database)
    assert reply.contact_id == contact_id and reply.user_id == "BR.1502576394655843"


async def test_nul_characters_are_dropped_not_fatal(hook: Hook) -> None:
    """PostgreSQL text cannot hold NUL; JSON can carry it as \\u0000."""
    await hook.post(_text("mer\u0000haba", "wamid.NUL"))
    (reply,) = _replies(hook.database)
    assert reply.text == "merhaba"
    with hook.database.session() as session:
        assert session.scalars(select(WebhookEvent.error)).one() is None
