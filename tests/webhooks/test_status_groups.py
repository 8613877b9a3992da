"""Status bodies processed as one group give the same sends as processing them one by one."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.webhooks.conftest import T0, W2, W3, W4, FixedClock, add_campaign, add_contact, add_send
from tests.webhooks.test_statuses import _status_payload
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send, StatusEvent, WebhookEvent
from wabroadcast.webhooks import process_event, process_pending

COMPARED = (
    "state",
    "status",
    "held",
    "sent_at",
    "delivered_at",
    "read_at",
    "failed_at",
    "error_code",
    "error_title",
    "pricing_category",
    "pricing_type",
    "wa_id",
    "updated_at",
)


def _store(database: Database, clock: FixedClock, payload: dict[str, Any]) -> int:
    with database.session() as session:
        return webhook_events.store_raw(
            session, body=json.dumps(payload), kind="statuses", received_at=clock.now()
        )


def _seed(database: Database, pairs: list[tuple[str, str]]) -> dict[str, int]:
    """One accepted, held send per (phone, message id); returns message id → send id."""
    with database.session() as session:
        campaign = add_campaign(session, accepted_count=len(pairs))
        sends = {}
        for phone, message_id in pairs:
            send = add_send(session, add_contact(session, phone), campaign, message_id=message_id)
            send.held, send.held_at = True, T0
            session.flush()
            sends[message_id] = send.id
    return sends


def _fields(database: Database, send_id: int) -> dict[str, Any]:
    with database.session() as session:
        send = session.get(Send, send_id)
        assert send is not None
        return {name: getattr(send, name) for name in COMPARED}


def _payload(
    message_id: str, status: str, at: datetime, recipient: str, error: int | None = None
) -> dict[str, Any]:
    """A status body for one person: their own wa_id and BSUID (the fixture's BSUID on two
    contacts would make them one)."""
    payload = _status_payload(message_id, status, at, recipient=recipient, error=error)
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = _bsuid(recipient)
    return payload


def _bsuid(recipient: str) -> str:
    return f"TR.55019283746556{recipient[-2:]}"


def _statuses(message_id: str, recipient: str) -> list[dict[str, Any]]:
    """Out of order, a duplicate with another time, and a failure after the read."""
    second = timedelta(seconds=1)
    return [
        _payload(message_id, "delivered", T0 + 2 * second, recipient),
        _payload(message_id, "read", T0 + 3 * second, recipient),
        _payload(message_id, "sent", T0 + second, recipient),
        _payload(message_id, "delivered", T0 + 9 * second, recipient),
        _payload(message_id, "failed", T0 + 4 * second, recipient, error=131000),
    ]


def test_one_group_with_a_send_out_of_order_and_a_duplicate_ends_as_one_by_one(
    database: Database,
) -> None:
    clock = FixedClock()
    sends = _seed(database, [("+905321234567", W2), ("+905321234568", W3)])
    # W3: each body processed as soon as it is stored, the way a quiet receiver does
    for payload in _statuses(W3, "905321234568"):
        assert process_event(database, _store(database, clock, payload), clock)
    # W2: the same statuses stored first, then processed together
    for payload in _statuses(W2, "905321234567"):
        _store(database, clock, payload)
    assert process_pending(database, clock) == 5

    grouped, alone = _fields(database, sends[W2]), _fields(database, sends[W3])
    assert grouped == {**alone, "wa_id": "905321234567"}
    assert alone["wa_id"] == "905321234568"
    assert (grouped["status"], grouped["held"], grouped["state"]) == ("read", False, "accepted")
    assert grouped["delivered_at"] == T0 + timedelta(seconds=2)  # the duplicate is ignored
    assert grouped["sent_at"] == T0 + timedelta(seconds=1)
    assert (grouped["error_code"], grouped["error_title"]) == (131000, "error 131000")
    assert grouped["pricing_category"] == "marketing"
    with database.session() as session:
        facts = session.execute(
            select(StatusEvent.message_id, StatusEvent.status, StatusEvent.send_id)
        ).all()
        ids = session.execute(select(Contact.phone, Contact.wa_id, Contact.user_id)).all()
    assert sorted(facts) == sorted(
        (message_id, status, sends[message_id])
        for message_id in (W2, W3)
        for status in ("delivered", "read", "sent", "failed")
    )
    assert sorted(ids) == [
        (f"+{wa_id}", wa_id, _bsuid(wa_id)) for wa_id in ("905321234567", "905321234568")
    ]


def test_a_group_with_an_unknown_message_id_applies_the_rest(database: Database) -> None:
    clock = FixedClock()
    sends = _seed(database, [("+905321234567", W2), ("+905321234568", W3)])
    at = T0 + timedelta(seconds=2)
    ids = [
        _store(database, clock, _payload(W2, "delivered", at, "905321234567")),
        _store(database, clock, _payload(W4, "delivered", at, "905321234569")),
        _store(database, clock, _payload(W3, "read", at, "905321234568")),
    ]
    assert process_pending(database, clock) == 3
    assert _fields(database, sends[W2])["status"] == "delivered"
    assert _fields(database, sends[W3])["read_at"] == at
    with database.session() as session:
        facts = dict(session.execute(select(StatusEvent.message_id, StatusEvent.send_id)).all())
        events = session.execute(
            select(WebhookEvent.id, WebhookEvent.processed_at, WebhookEvent.error)
        ).all()
    assert facts == {W2: sends[W2], W3: sends[W3], W4: None}  # W4 waits to be linked
    assert sorted(events) == [(i, clock.now(), None) for i in ids]
