"""Store first, process after: crash safety, bad rows, pruning and the start-up sweep."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from tests.engine.helpers import eventually
from tests.webhooks.conftest import FixedClock, Hook, load_fixture, make_app
from wabroadcast.config import Settings
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Reply, Send, StatusEvent, WebhookEvent
from wabroadcast.webhooks import process_event, process_pending, prune_webhook_log
from wabroadcast.webhooks.processing import WriteGate

pytestmark = pytest.mark.anyio


def _store(database: Database, clock: FixedClock, payload: object, kind: str = "messages") -> int:
    """What the request handler commits before answering 200 (and a crash would leave)."""
    with database.session() as session:
        return webhook_events.store_raw(
            session, body=json.dumps(payload), kind=kind, received_at=clock.now()
        )


def _event(database: Database, event_id: int) -> WebhookEvent:
    with database.session() as session:
        event = session.get(WebhookEvent, event_id)
        assert event is not None
        return event


def test_stored_but_unprocessed_rows_are_processed_by_process_pending(
    database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    first = _store(database, clock, load_fixture("status_sent"))
    second = _store(database, clock, load_fixture("status_read"))
    assert process_pending(database, clock) == 2
    with database.session() as session:
        send = session.get(Send, seeded["send"])
        assert send is not None and send.status == "read" and send.sent_at is not None
    assert _event(database, first).processed_at == clock.now()
    assert _event(database, second).processed_at == clock.now()
    assert process_pending(database, clock) == 0
    assert process_event(database, first, clock) is False  # already processed: no-op


def test_a_body_that_cannot_be_applied_is_marked_with_its_error(
    database: Database, clock: FixedClock
) -> None:
    with database.session() as session:
        bad = webhook_events.store_raw(
            session, body="{truncated", kind="messages", received_at=clock.now()
        )
    good = _store(database, clock, load_fixture("status_sent"))
    assert process_pending(database, clock) == 1
    failed = _event(database, bad)
    assert failed.processed_at is not None
    assert failed.error is not None and failed.error.startswith("JSONDecodeError")
    assert _event(database, good).error is None
    assert process_pending(database, clock) == 0


def test_skipped_items_are_noted_and_the_rest_applied(
    database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    payload = load_fixture("status_sent")
    statuses = payload["entry"][0]["changes"][0]["value"]["statuses"]
    statuses.insert(0, {"status": "sent"})  # no id
    event_id = _store(database, clock, payload)
    assert process_pending(database, clock) == 1
    assert _event(database, event_id).error == (
        "skipped: entry 0, change 0, statuses[0]: no message id or status"
    )
    with database.session() as session:
        assert session.scalar(select(Send.status).where(Send.id == seeded["send"])) == "sent"


def test_prune_deletes_old_processed_bodies_and_keeps_facts(
    database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    old = _store(database, clock, load_fixture("status_sent"))
    old_unprocessed = _store(database, clock, {"object": "whatsapp_business_account"})
    process_event(database, old, clock)
    clock.current += timedelta(days=31)
    recent = _store(database, clock, load_fixture("status_delivered"))
    process_event(database, recent, clock)
    assert prune_webhook_log(database, clock, 30) == 1
    with database.session() as session:
        left = set(session.scalars(select(WebhookEvent.id)))
        assert left == {old_unprocessed, recent}
        facts = dict(
            session.execute(select(StatusEvent.status, StatusEvent.webhook_event_id)).all()
        )
        assert facts == {"sent": None, "delivered": recent}
        assert session.scalar(select(Send.status).where(Send.id == seeded["send"])) == "delivered"
    assert prune_webhook_log(database, clock, 30) == 0


async def test_startup_sweep_processes_leftovers(
    wh_settings: Settings, database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    """The router's lifespan runs process_pending when the server starts."""
    event_id = _store(database, clock, load_fixture("status_delivered"))
    app: FastAPI = make_app(wh_settings, database, clock)
    async with app.router.lifespan_context(app):
        await eventually(
            lambda: _event(database, event_id).processed_at is not None, "the stored event"
        )
    assert _event(database, event_id).processed_at is not None
    with database.session() as session:
        assert session.scalar(select(Send.status).where(Send.id == seeded["send"])) == "delivered"
        assert session.scalar(select(func.count()).select_from(StatusEvent)) == 1


async def test_with_the_lifespan_running_the_worker_processes_posted_bodies(
    wh_settings: Settings, database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    app: FastAPI = make_app(wh_settings, database, clock)
    async with app.router.lifespan_context(app):
        assert "webhook-worker" in {t.name for t in threading.enumerate()}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            hook = Hook(client, database)
            for name in ("status_sent", "status_delivered", "status_read", "inbound_text"):
                await hook.post_fixture(name)
            deadline = time.monotonic() + 60  # bounds a broken run only
            while time.monotonic() < deadline:
                with database.session() as session:
                    pending = session.scalar(
                        select(func.count())
                        .select_from(WebhookEvent)
                        .where(WebhookEvent.processed_at.is_(None))
                    )
                if pending == 0:
                    break
                await asyncio.sleep(0.02)
    assert "webhook-worker" not in {t.name for t in threading.enumerate()}
    with database.session() as session:
        send = session.get(Send, seeded["send"])
        assert send is not None and send.status == "read" and send.delivered_at is not None
        assert session.scalar(select(func.count()).select_from(Reply)) == 1


def test_many_small_bodies_are_processed_in_groups_and_a_bad_one_is_isolated(
    database: Database, clock: FixedClock, seeded: dict[str, int]
) -> None:
    ids = [_store(database, clock, load_fixture(name)) for name in ("status_sent", "inbound_text")]
    with database.session() as session:
        bad = webhook_events.store_raw(session, body="[1,", kind="x", received_at=clock.now())
    ids += [_store(database, clock, load_fixture("status_read"))]
    assert process_pending(database, clock) == 3
    assert _event(database, bad).error is not None
    assert all(_event(database, i).error is None for i in ids)
    with database.session() as session:
        assert session.scalar(select(Send.status).where(Send.id == seeded["send"])) == "read"


def test_write_gate_lets_waiting_stores_go_before_processing() -> None:
    gate = WriteGate()
    order: list[str] = []

    def run(kind: str, started: threading.Event) -> None:
        started.set()
        with gate.store() if kind == "store" else gate.process():
            order.append(kind)

    with gate.store():  # a request is storing; processing and a second store queue up
        threads = []
        for kind in ("process", "store"):
            started = threading.Event()
            thread = threading.Thread(target=run, args=(kind, started))
            thread.start()
            started.wait()
            threads.append(thread)
        deadline = time.monotonic() + 5
        while gate._stores_waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert order == []
    for thread in threads:
        thread.join(5)
    assert order == ["store", "process"]
