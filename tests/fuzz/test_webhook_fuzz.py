"""Signed bodies from hypothesis, POSTed to the real app: never a 500, and the queue drains.

The app runs with its lifespan (the webhook worker, as in production) on SQLite and
PostgreSQL. Bodies are mutated real payloads with a good status hidden in them, arbitrary
JSON, deep nesting, and bytes that are not JSON or not UTF-8. Each answer must be 200 (stored)
or 400 (not JSON); every stored body must then be processed by the worker, with no error
other than named skipped items, no ERROR logged, and the good status applied.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.fuzz.strategies import (
    JSON_VALUES,
    dump,
    fixture_bodies,
    good_status,
    with_good_status,
)
from tests.web.api.harness import APP_SECRET, Harness, app_settings, running_app
from tests.webhooks.conftest import add_contact, add_send
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Send, WebhookEvent
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.slow
READ_AT = 1765811102
COUNTER = itertools.count(1)


class Errors(logging.Handler):
    """ERROR records of our loggers: an unhandled exception in a request or the worker."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Running:
    loop: asyncio.AbstractEventLoop
    h: Harness
    errors: Errors


@pytest.fixture
def running(settings: Settings) -> Iterator[Running]:
    """One app for all examples; hypothesis calls the test synchronously, so the app's
    event loop is driven by hand between examples."""
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    harness = loop.run_until_complete(
        stack.enter_async_context(running_app(app_settings(settings)))
    )
    errors = Errors()
    logging.getLogger("wabroadcast").addHandler(errors)
    try:
        yield Running(loop, harness, errors)
    finally:
        logging.getLogger("wabroadcast").removeHandler(errors)
        loop.run_until_complete(stack.aclose())
        loop.close()


def _seed_send(running: Running) -> tuple[int, str, str]:
    n = next(COUNTER)
    message_id = f"wamid.FUZZ{n}"
    with running.h.database.session() as session:
        contact = add_contact(session, f"+90554{n:07d}")
        send = add_send(session, contact, None, message_id=message_id)
        return send.id, message_id, f"90554{n:07d}"


def _deep(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


RAW_BODIES = st.one_of(
    JSON_VALUES.map(lambda value: dump(value).encode()),
    st.integers(1, 3000).map(_deep),
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


def _pending(running: Running) -> int:
    with running.h.database.session() as session:
        query = select(func.count()).select_from(WebhookEvent)
        return session.scalar(query.where(WebhookEvent.processed_at.is_(None))) or 0


async def _post_and_drain(running: Running, body: bytes) -> int:
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
    answer = await running.h.anon.post("/webhook", content=body, headers=headers)
    await running.h.wait_for(lambda: _pending(running) == 0, within=20, interval=0.01)
    return answer.status_code


def _check_processed(running: Running) -> None:
    with running.h.database.session() as session:
        errors = session.scalars(select(WebhookEvent.error).where(WebhookEvent.error.is_not(None)))
        for error in errors:
            assert error.startswith("skipped: "), error


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_signed_fuzz_bodies_never_fail_the_app(running: Running, data: st.DataObject) -> None:
    running.errors.records.clear()  # one failure must not fail every later example
    send_id: int | None = None
    if data.draw(st.booleans(), label="real payload"):
        send_id, message_id, wa_id = _seed_send(running)
        body: Any = data.draw(fixture_bodies(), label="mutated payload")
        good = good_status(message_id, READ_AT, wa_id)
        body = data.draw(with_good_status(body, good), label="body")
        raw = dump(body).encode()
    else:
        raw = data.draw(RAW_BODIES, label="raw body")
    status = running.loop.run_until_complete(_post_and_drain(running, raw))
    assert status in (200, 400), status
    assert not running.errors.records, [r.getMessage() for r in running.errors.records]
    _check_processed(running)
    if send_id is not None:
        assert status == 200  # even a bare 4,301-digit number only costs its own item
        with running.h.database.session() as session:
            send = session.get(Send, send_id)
            assert send is not None
            if status == 200:
                assert send.status == "read" and send.read_at is not None
                assert send.read_at.replace(tzinfo=UTC) == datetime.fromtimestamp(READ_AT, UTC)
