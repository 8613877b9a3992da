"""Status webhooks arriving while the engine is still recording the same sends as accepted.

Seen once on PostgreSQL as a deadlock: the engine's batch update locked send rows in answer
order while the webhook processor, matching statuses by biz_opaque_callback_data, locked the
same rows in the body's order. Each round here claims a batch of sends, then starts both
writers at the same moment, each with its own shuffled order of the same sends.
"""

from __future__ import annotations

import asyncio
import random
import threading

import pytest
from sqlalchemy import select

from tests.webhooks.conftest import FixedClock
from wabroadcast.engine import create_campaign
from wabroadcast.engine.recorder import Recorder
from wabroadcast.simulator.webhook_payloads import encode, envelope, status_update
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.storage.sends import Accepted, claim_contacts
from wabroadcast.storage.tables import Contact, Send, WebhookEvent
from wabroadcast.webhooks.processing import link_pending_statuses, process_events

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROUNDS = 12
PER_ROUND = 60


def add_contacts(database: Database, count: int, clock: FixedClock) -> list[tuple[int, str]]:
    now = clock.now()
    with database.session() as session:
        contacts = [
            Contact(phone=f"+90555{i:07d}", index=i, attributes={}, created_at=now, updated_at=now)
            for i in range(count)
        ]
        session.add_all(contacts)
        session.flush()
        return [(c.id, c.phone) for c in contacts]


def status_body(sends: list[tuple[int, str]], campaign_id: int, timestamp: int) -> str:
    updates = [
        status_update(
            message_id=f"wamid.overlap.{send_id}",
            status="sent",
            timestamp=timestamp,
            recipient_id=phone.lstrip("+"),
            callback_data=f"s={send_id};c={campaign_id}",
            pricing_category="marketing",
        )
        for send_id, phone in sends
    ]
    ids = {"waba_id": "102290129340398", "phone_number_id": "106540352242922"}
    return encode(envelope(updates, display_phone_number="15550783881", **ids)).decode()


async def test_engine_and_webhooks_updating_the_same_sends_never_lose_an_answer(
    database: Database,
) -> None:
    clock = FixedClock()
    rng = random.Random(11)
    contacts = add_contacts(database, ROUNDS * PER_ROUND, clock)
    with database.session() as session:
        campaign_id = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=ROUNDS * PER_ROUND,
            phone_number_id="106540352242922",
            clock=clock,
        ).id
    for round_ in range(ROUNDS):
        chunk = contacts[round_ * PER_ROUND : (round_ + 1) * PER_ROUND]
        with database.session() as session:
            claims = claim_contacts(
                session,
                template_name="daily_offer",
                language="tr",
                campaign_id=campaign_id,
                contacts=chunk,
                now=clock.now(),
            )
        sends = [(c.send_id, c.phone) for c in claims]
        rng.shuffle(sends)
        with database.session() as session:
            body = status_body(sends, campaign_id, int(clock.now().timestamp()))
            event_id = webhook_events.store_raw(
                session, body=body, kind="statuses", received_at=clock.now()
            )
        recorder = Recorder(database, campaign_id, clock)
        rng.shuffle(sends)
        for send_id, phone in sends:
            recorder.accepted(Accepted(send_id, f"wamid.overlap.{send_id}", phone[1:], 1))
        start = threading.Barrier(2)

        async def engine_side(
            recorder: Recorder = recorder, start: threading.Barrier = start
        ) -> None:
            await asyncio.to_thread(start.wait)
            await recorder.flush()

        def webhook_side(event_id: int = event_id, start: threading.Barrier = start) -> int:
            start.wait()
            return process_events(database, [event_id], clock)

        _, processed = await asyncio.gather(engine_side(), asyncio.to_thread(webhook_side))
        assert recorder.failure is None, f"round {round_}: engine lost its answers"
        assert processed == 1, f"round {round_}: webhook body not applied"
    link_pending_statuses(database, clock)  # statuses that beat the engine's commit
    with database.session() as session:
        rows = session.execute(select(Send.state, Send.status, Send.message_id)).all()
        events = session.scalars(select(WebhookEvent)).all()
    assert len(rows) == ROUNDS * PER_ROUND
    assert {(state, status) for state, status, _ in rows} == {("accepted", "sent")}
    assert all(e.processed_at is not None and e.error is None for e in events)
