"""Property: whatever a body holds, the processor never raises and a good status lands.

Each example seeds a fresh send, hides its good ``read`` status among a mutated real
payload, stores the body as the receiver would, and processes it. The event must end
processed, with no error or only named skipped items (an unforeseen exception would leave
``TypeError: …`` there instead), and the send must be read at the good status's time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import dump, fixture_bodies, good_status, with_good_status
from tests.webhooks.conftest import FixedClock, add_contact, add_send
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send, WebhookEvent
from wabroadcast.webhooks.processing import process_event

READ_AT = 1765811102
COUNTER = itertools.count(1)


def _seed_send(database: Database) -> tuple[int, str, str]:
    n = next(COUNTER)
    message_id = f"wamid.GOOD{n}"
    with database.session() as session:
        contact = add_contact(session, f"+90555{n:07d}")
        send = add_send(session, contact, None, message_id=message_id)
        return send.id, message_id, f"90555{n:07d}"


def _store(database: Database, clock: FixedClock, text: str) -> int:
    with database.session() as session:
        return webhook_events.store_raw(session, body=text, kind="fuzz", received_at=clock.now())


def _check(database: Database, clock: FixedClock, data: st.DataObject) -> None:
    send_id, message_id, wa_id = _seed_send(database)
    body = data.draw(fixture_bodies(), label="mutated payload")
    good = good_status(message_id, READ_AT, wa_id)
    body = data.draw(with_good_status(body, good), label="body")
    event_id = _store(database, clock, dump(body))
    assert process_event(database, event_id, clock) is True
    with database.session() as session:
        event = session.get(WebhookEvent, event_id)
        send = session.get(Send, send_id)
        assert event is not None and send is not None
        assert event.processed_at is not None, event.error
        assert event.error is None or event.error.startswith("skipped: "), event.error
        assert send.status == "read"
        assert send.read_at is not None
        assert send.read_at.replace(tzinfo=UTC) == datetime.fromtimestamp(READ_AT, UTC)


def _property(examples: int) -> Callable[[Database], None]:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def run(database: Database, data: st.DataObject) -> None:
        _check(database, FixedClock(), data)

    test: Callable[[Database], None] = run
    return test


test_processor_keeps_the_good_status_quick = _property(25)
test_processor_keeps_the_good_status = pytest.mark.slow(_property(200))
