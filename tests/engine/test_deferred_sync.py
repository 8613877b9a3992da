"""131049 as the HTTP answer of a send: deferred (not failed, contact still reachable), then
retried by the engine's retry pass on the fake clock. The Graph API is a MockTransport that
answers with Meta's error body (tests/fixtures/cloudapi/errors/131049_marketing_cap.json);
the simulator never answers 131049 synchronously."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.engine.helpers import FakeClock, add_contacts, make_settings, phone
from tests.engine.test_sender import new_campaign
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.domain.models import SendState
from wabroadcast.engine import run_campaign, summary_of
from wabroadcast.engine.deferred import DeferredRetrier
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send, SendAttempt

pytestmark = pytest.mark.anyio

ERROR = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi" / "errors"
CAPPED = json.loads((ERROR / "131049_marketing_cap.json").read_text())
DAY = 24 * 3600.0
UNREACHABLE = select(Contact.id).where(Contact.unreachable_at.is_not(None))


class Graph:
    """Answers 131049 to each number's first request, and to `always_capped` every time."""

    def __init__(self, always_capped: set[str]) -> None:
        self.always_capped = always_capped
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        to: str = json.loads(request.content)["to"]
        first = to not in self.requests
        self.requests.append(to)
        if first or to in self.always_capped:
            return httpx.Response(CAPPED["http_status"], json=CAPPED["body"])
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
            "messages": [{"id": f"wamid.retry.{len(self.requests)}"}],
        }
        return httpx.Response(200, json=body)


async def test_answered_131049_is_deferred_then_retried_or_failed_for_good(
    database: Database,
) -> None:
    clock = FakeClock()
    add_contacts(database, 2)
    settings = make_settings(database, RETRY_131049_MAX="1", DAILY_RECIPIENT_LIMIT="100")
    campaign_id = new_campaign(database, clock, 2)
    graph = Graph(always_capped={phone(2)})
    async with httpx.AsyncClient(transport=httpx.MockTransport(graph)) as http:
        client = CloudAPIClient(
            http,
            base_url="http://graph.test",
            version="v25.0",
            phone_number_id=settings.phone_number_id,
            waba_id=settings.waba_id,
            access_token="test-token-0123456789",
        )
        summary = await run_campaign(
            campaign_id, database=database, client=client, settings=settings, clock=clock
        )
        assert (summary.selected, summary.accepted, summary.failed) == (2, 0, 0)
        with database.session() as session:
            sends = list(session.scalars(select(Send).order_by(Send.id)))
            assert [s.state for s in sends] == [SendState.DEFERRED.value] * 2
            assert {s.error_code for s in sends} == {131049}
            assert session.scalar(UNREACHABLE) is None
        shown = summary_of(database, campaign_id)
        assert (shown.deferred, shown.retried) == (2, 0)

        retrier = DeferredRetrier(
            database, settings, clock, lambda _number: client, sleep=clock.sleep
        )
        assert (await retrier.run_once()).retried == 0  # 24 h not over
        clock.advance(DAY + 1)
        done = await retrier.run_once()
    assert (done.retried, done.counts["accepted"], done.counts["deferred"]) == (2, 1, 1)
    assert graph.requests == [phone(1), phone(2), phone(1), phone(2)]
    with database.session() as session:
        sends = {s.phone: s for s in session.scalars(select(Send))}
        assert sends[phone(1)].state == SendState.ACCEPTED.value
        assert sends[phone(1)].message_id is not None and sends[phone(1)].error_code is None
        given_up = sends[phone(2)]
        assert given_up.state == SendState.FAILED.value  # RETRY_131049_MAX=1 used up
        assert "still capped after 2 attempts" in (given_up.error_title or "")
        assert len(list(session.scalars(select(SendAttempt)))) == 2
        assert session.scalar(UNREACHABLE) is None
    shown = summary_of(database, campaign_id)
    assert (shown.accepted, shown.failed, shown.deferred, shown.retried) == (1, 1, 0, 2)


async def test_a_retry_refused_without_reaching_meta_goes_back_to_deferred(
    database: Database,
) -> None:
    """Throttled until the engine's retries run out: nothing reached the person, so the send
    is deferred again as it was (no retry counted) and the next pass tries again."""
    clock = FakeClock()
    add_contacts(database, 1)
    settings = make_settings(database, DAILY_RECIPIENT_LIMIT="100")
    campaign_id = new_campaign(database, clock, 1)
    requests: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        requests.append(json.loads(request.content)["to"])
        if len(requests) == 1:
            return httpx.Response(CAPPED["http_status"], json=CAPPED["body"])
        throttled = {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}
        return httpx.Response(400, json=throttled)

    async with httpx.AsyncClient(transport=httpx.MockTransport(graph)) as http:
        client = CloudAPIClient(
            http,
            base_url="http://graph.test",
            version="v25.0",
            phone_number_id=settings.phone_number_id,
            waba_id=settings.waba_id,
            access_token="test-token-0123456789",
        )
        await run_campaign(
            campaign_id, database=database, client=client, settings=settings, clock=clock
        )
        with database.session() as session:
            before = session.scalars(select(Send)).one()
            failed_at, title = before.failed_at, before.error_title
        clock.advance(DAY + 1)
        retrier = DeferredRetrier(
            database, settings, clock, lambda _number: client, sleep=clock.sleep
        )
        done = await retrier.run_once()
    assert (done.retried, done.counts["put_back"]) == (0, 1)
    assert len(requests) == 1 + retrier.policy.max_attempts
    with database.session() as session:
        after = session.scalars(select(Send)).one()
        assert (after.state, after.failed_at, after.error_title) == (
            SendState.DEFERRED.value,
            failed_at,
            title,
        )
        assert session.scalars(select(SendAttempt)).first() is None
    shown = summary_of(database, campaign_id)
    assert (shown.deferred, shown.retried) == (1, 0)
