"""Status webhooks applied to sends: order, duplicates, failures and reconciliation."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.webhooks.conftest import (
    T0,
    W1,
    W2,
    W3,
    W4,
    FixedClock,
    Hook,
    add_campaign,
    add_contact,
    add_send,
    load_fixture,
)
from wabroadcast.clock import Clock
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import (
    Campaign,
    Contact,
    ContactIdentity,
    OptOut,
    Send,
    StatusEvent,
)
from wabroadcast.webhooks import process_pending
from wabroadcast.webhooks.statuses import parse_callback

pytestmark = pytest.mark.anyio


def _send(database: Database, send_id: int) -> Send:
    with database.session() as session:
        send = session.get(Send, send_id)
        assert send is not None
        return send


def _contact(database: Database, contact_id: int) -> Contact:
    with database.session() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return contact


def _status_payload(
    message_id: str,
    status: str,
    ts: datetime,
    *,
    recipient: str = "905321234567",
    callback: str | None = None,
    error: int | None = None,
) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("status_sent"))
    value = payload["entry"][0]["changes"][0]["value"]
    item = value["statuses"][0]
    item.update(
        id=message_id, status=status, timestamp=str(int(ts.timestamp())), recipient_id=recipient
    )
    value["contacts"][0]["wa_id"] = recipient
    if callback is None:
        item.pop("biz_opaque_callback_data")
    else:
        item["biz_opaque_callback_data"] = callback
    if error is not None:
        item.pop("pricing")
        item["errors"] = [{"code": error, "title": f"error {error}", "message": f"error {error}"}]
    return payload


async def test_sent_delivered_read_keep_each_time_pricing_and_ids(
    hook: Hook, seeded: dict[str, int]
) -> None:
    await hook.post_fixture("status_sent")
    send = _send(hook.database, seeded["send"])
    assert send.status == "sent"
    assert send.sent_at == datetime.fromtimestamp(1765810800, UTC)
    assert send.pricing_category == "marketing"
    assert send.wa_id == "5511987654321"
    contact = _contact(hook.database, seeded["contact"])
    assert (contact.wa_id, contact.user_id) == ("5511987654321", "BR.1502576394655843")

    await hook.post_fixture("status_delivered")
    await hook.post_fixture("status_read")
    send = _send(hook.database, seeded["send"])
    assert send.status == "read"
    assert send.delivered_at == datetime.fromtimestamp(1765810803, UTC)
    assert send.read_at == datetime.fromtimestamp(1765811102, UTC)
    assert send.state == "accepted"
    with hook.database.session() as session:
        events = session.scalars(select(StatusEvent).order_by(StatusEvent.id)).all()
        assert [(e.status, e.send_id) for e in events] == [
            ("sent", seeded["send"]),
            ("delivered", seeded["send"]),
            ("read", seeded["send"]),
        ]
        assert events[0].user_id == "BR.1502576394655843"
        assert events[0].callback_data == "s=1837;c=42"


async def test_the_same_event_twice_changes_nothing(
    hook: Hook, seeded: dict[str, int], clock: FixedClock
) -> None:
    await hook.post_fixture("status_delivered")
    before = _send(hook.database, seeded["send"])
    clock.current += timedelta(hours=1)
    await hook.post_fixture("status_delivered")
    await hook.post_fixture("status_delivered")
    after = _send(hook.database, seeded["send"])
    assert after.updated_at == before.updated_at
    assert after.delivered_at == before.delivered_at
    assert hook.raw_count() == 3
    with hook.database.session() as session:
        assert session.scalar(select(func.count()).select_from(StatusEvent)) == 1


async def test_late_delivered_after_read_keeps_read_and_its_own_time(
    hook: Hook, seeded: dict[str, int]
) -> None:
    await hook.post_fixture("status_read")
    await hook.post_fixture("status_sent")
    await hook.post_fixture("status_delivered")
    send = _send(hook.database, seeded["send"])
    assert send.status == "read"
    assert send.sent_at == datetime.fromtimestamp(1765810800, UTC)
    assert send.delivered_at == datetime.fromtimestamp(1765810803, UTC)
    assert send.read_at == datetime.fromtimestamp(1765811102, UTC)


async def test_failed_after_sent_keeps_code_and_title(hook: Hook, seeded: dict[str, int]) -> None:
    await hook.post_fixture("status_sent")
    await hook.post_fixture("status_failed_131049")
    send = _send(hook.database, seeded["send"])
    assert send.status == "failed"
    assert send.error_code == 131049
    assert send.error_title is not None and "healthy ecosystem" in send.error_title
    assert send.failed_at == datetime.fromtimestamp(1765810805, UTC)
    assert send.sent_at is not None
    contact = _contact(hook.database, seeded["contact"])
    assert contact.opted_out_at is None and contact.unreachable_at is None


async def test_131026_marks_contact_unreachable(hook: Hook, database: Database) -> None:
    with database.session() as session:
        contact = add_contact(session, "+905321234567")
        send = add_send(session, contact, add_campaign(session), message_id=W2)
        ids = (contact.id, send.id)
    await hook.post_fixture("status_failed_131026")
    contact = _contact(database, ids[0])
    assert contact.unreachable_at == datetime.fromtimestamp(1765810806, UTC)
    assert contact.unreachable_reason == "131026 Message undeliverable"
    assert contact.opted_out_at is None
    assert _send(database, ids[1]).error_code == 131026


async def test_131050_opts_the_contact_out_once(hook: Hook, database: Database) -> None:
    with database.session() as session:
        contact = add_contact(session, "+905321234568")
        add_send(session, contact, add_campaign(session), message_id=W3)
        contact_id = contact.id
    await hook.post_fixture("status_failed_131050")
    await hook.post_fixture("status_failed_131050")
    contact = _contact(database, contact_id)
    assert contact.opted_out_at == datetime.fromtimestamp(1765810807, UTC)
    assert contact.opt_out_reason == "error 131050"
    with database.session() as session:
        rows = session.scalars(select(OptOut)).all()
        assert [(r.contact_id, r.action, r.reason) for r in rows] == [
            (contact_id, "stop", "error 131050")
        ]


async def test_batched_entries_apply_every_status(hook: Hook, database: Database) -> None:
    with database.session() as session:
        campaign = add_campaign(session)
        sends = {}
        for phone, wamid in (("+905321234567", W2), ("+905321234568", W3), ("+905321234569", W4)):
            sends[wamid] = add_send(
                session, add_contact(session, phone), campaign, message_id=wamid
            ).id
    await hook.post_fixture("statuses_batched")
    got = {w: _send(database, i) for w, i in sends.items()}
    assert got[W2].status == "delivered"
    assert got[W3].status == "failed" and got[W3].error_code == 131049
    assert got[W4].status == "read"
    assert got[W4].delivered_at == datetime.fromtimestamp(1765810803, UTC)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(StatusEvent)) == 7
        users = dict(session.execute(select(Contact.phone, Contact.user_id)).all())
        wa_ids = dict(session.execute(select(Contact.phone, Contact.wa_id)).all())
        known = set(session.execute(select(ContactIdentity.kind, ContactIdentity.value)).all())
    assert users["+905321234569"] == "TR.5501928374655647"
    # one batch, three contacts: each gets its own ids (remember_many), none merged
    assert wa_ids == {phone: phone.lstrip("+") for phone in wa_ids}
    assert {("wa_id", phone.lstrip("+")) for phone in wa_ids} <= known
    assert ("user_id", "TR.5501928374655647") in known


async def test_unknown_message_id_is_kept_and_linked_later(
    hook: Hook, database: Database, clock: Clock
) -> None:
    await hook.post_fixture("status_delivered")
    with database.session() as session:
        event = session.scalars(select(StatusEvent)).one()
        assert event.send_id is None and event.message_id == W1
        contact = add_contact(session, "+5511987654321")
        send = add_send(session, contact, add_campaign(session), message_id=None, state="claimed")
        send_id = send.id
    with database.session() as session:  # the engine stores the message id after the webhook
        session.get(Send, send_id).message_id = W1  # type: ignore[union-attr]
    assert process_pending(database, clock) == 0
    send = _send(database, send_id)
    assert send.status == "delivered"
    assert send.delivered_at == datetime.fromtimestamp(1765810803, UTC)
    with database.session() as session:
        assert session.scalars(select(StatusEvent.send_id)).one() == send_id


async def test_unknown_send_is_reconciled_by_callback_data(hook: Hook, database: Database) -> None:
    with database.session() as session:
        contact = add_contact(session, "+905321234567")
        campaign = add_campaign(session, accepted_count=5, unknown_count=2)
        send = add_send(session, contact, campaign, message_id=None, state="unknown")
        other = add_send(
            session,
            add_contact(session, "+905321234568"),
            campaign,
            message_id=None,
            state="unknown",
        )
        ids = (send.id, campaign.id, other.id)
    callback = f"s={ids[0]};c={ids[1]}"
    await hook.post(_status_payload("wamid.RECON1", "sent", T0, callback=callback))
    await hook.post(
        _status_payload("wamid.RECON1", "delivered", T0 + timedelta(seconds=3), callback=callback)
    )
    await hook.post(_status_payload("wamid.RECON1", "sent", T0, callback=callback))
    send = _send(database, ids[0])
    assert (send.state, send.message_id, send.status) == ("accepted", "wamid.RECON1", "delivered")
    assert send.accepted_at == send.claimed_at
    with database.session() as session:
        campaign = session.get(Campaign, ids[1])
        assert campaign is not None
        assert (campaign.accepted_count, campaign.unknown_count) == (6, 1)
        assert set(session.scalars(select(StatusEvent.send_id))) == {ids[0]}
    assert _send(database, ids[2]).state == "unknown"


@pytest.mark.parametrize(
    "callback",
    ["s={send};c=999999", "c=42;k=1837", "s=abc", "", "s=999999;c={campaign}"],
)
async def test_callback_data_that_does_not_fit_reconciles_nothing(
    hook: Hook, database: Database, callback: str
) -> None:
    with database.session() as session:
        campaign = add_campaign(session, unknown_count=1)
        send = add_send(
            session,
            add_contact(session, "+905321234567"),
            campaign,
            message_id=None,
            state="unknown",
        )
        ids = {"send": send.id, "campaign": campaign.id}
    await hook.post(_status_payload("wamid.X", "sent", T0, callback=callback.format(**ids) or None))
    assert _send(database, ids["send"]).state == "unknown"
    with database.session() as session:
        assert session.scalars(select(StatusEvent.send_id)).one() is None
        assert session.get(Campaign, ids["campaign"]).unknown_count == 1  # type: ignore[union-attr]


async def test_unknown_send_reconciled_later_when_engine_marks_it_unknown(
    hook: Hook, database: Database, clock: Clock
) -> None:
    """The webhook beat the engine: the send was still claimed when the status arrived."""
    with database.session() as session:
        campaign = add_campaign(session, unknown_count=0)
        send = add_send(
            session,
            add_contact(session, "+905321234567"),
            campaign,
            message_id=None,
            state="claimed",
        )
        ids = (send.id, campaign.id)
    await hook.post(_status_payload("wamid.LATE", "read", T0, callback=f"s={ids[0]};c={ids[1]}"))
    assert _send(database, ids[0]).status is None
    with database.session() as session:  # the engine gives up on the request: unknown
        session.get(Send, ids[0]).state = "unknown"  # type: ignore[union-attr]
        session.get(Campaign, ids[1]).unknown_count = 1  # type: ignore[union-attr]
    process_pending(database, clock)
    send = _send(database, ids[0])
    assert (send.state, send.message_id, send.status) == ("accepted", "wamid.LATE", "read")
    with database.session() as session:
        campaign = session.get(Campaign, ids[1])
        assert campaign is not None and (campaign.accepted_count, campaign.unknown_count) == (1, 0)


def test_parse_callback() -> None:
    assert parse_callback("s=17;c=3") == (17, 3)
    assert parse_callback(" s=17 ; c=3 ") == (17, 3)
    assert parse_callback("s=17") == (17, None)
    assert parse_callback("c=42;k=1837") is None
    assert parse_callback("s=1" + "0" * 30) is None
    assert parse_callback(None) is None
