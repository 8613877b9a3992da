"""131049 (per-user marketing cap): sends are deferred and retried after 24 h.

The real app over HTTP, the real simulator (its clock is the test's fake clock, so Meta's
"wait 24 h" is real to it too), the real webhook receiver, SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.engine.helpers import FakeClock
from tests.web.api.harness import (
    APP_SECRET,
    Harness,
    add_contacts,
    app_settings,
    fast_webhooks,
    running_app,
    simulator_config,
)
from wabroadcast.config import Settings
from wabroadcast.domain.models import SendState
from wabroadcast.storage.tables import Contact, Send, SendAttempt, StatusEvent
from wabroadcast.webhooks import sign

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "webhooks"
DAY = 24 * 3600.0


def _status_body(
    message_id: str, wa_id: str, callback: str | None, status: str, timestamp: int
) -> bytes:
    """Meta's failed-131049 status webhook (fixture from Meta's docs) for one message."""
    body: dict[str, Any] = json.loads((FIXTURE / "status_failed_131049.json").read_text())
    item = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    item.update(id=message_id, recipient_id=wa_id, timestamp=str(timestamp), status=status)
    if callback is None:
        item.pop("biz_opaque_callback_data")
    else:
        item["biz_opaque_callback_data"] = callback
    if status != "failed":
        item.pop("errors")
    return json.dumps(body).encode()


async def _post_status(client: httpx.AsyncClient, body: bytes) -> None:
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
    answer = await client.post("/webhook", content=body, headers=headers)
    assert answer.status_code == 200, answer.text


async def _campaign(h: Harness, limit: int) -> int:
    answer = await h.client.post(
        "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": limit}
    )
    assert answer.status_code == 202, answer.text
    campaign_id: int = answer.json()["id"]
    done = await h.campaign_done(campaign_id)
    assert (done["state"], done["accepted"], done["failed"]) == ("completed", limit, 0)
    return campaign_id


async def _shown(h: Harness, campaign_id: int, **expected: int) -> dict[str, Any] | None:
    body: dict[str, Any] = (await h.client.get(f"/api/campaigns/{campaign_id}")).json()
    return body if all(body[key] == value for key, value in expected.items()) else None


def _sends(h: Harness) -> list[Send]:
    with h.database.session() as session:
        return list(session.scalars(select(Send).order_by(Send.id)))


def _attempts(h: Harness) -> list[SendAttempt]:
    with h.database.session() as session:
        return list(session.scalars(select(SendAttempt).order_by(SendAttempt.send_id)))


@pytest.mark.anyio
async def test_capped_sends_are_retried_once_after_24_hours_and_delivered(
    settings: Settings,
) -> None:
    clock = FakeClock()
    sim = simulator_config(fail_131049_rate=1.0, fail_131049_again_rate=0.0)
    app = app_settings(settings, sender_lease_seconds=1.0, daily_recipient_limit=100)
    hooks = fast_webhooks(sim)
    async with running_app(app, sim=sim, webhooks=hooks, clock=clock, simulator_clock=clock) as h:
        phones = add_contacts(h.database, 3)
        campaign_id = await _campaign(h, 3)
        shown = await h.wait_for(lambda: _shown(h, campaign_id, deferred=3))
        assert (shown["retried"], shown["failed"], shown["delivered"]) == (0, 0, 0)
        first = {m.wa_id: m.message_id for m in h.simulator.accepted}
        assert {s.state for s in _sends(h)} == {SendState.DEFERRED.value}
        with h.database.session() as session:  # not the contact's fault: still reachable
            unreachable = select(Contact).where(Contact.unreachable_at.is_not(None))
            assert session.scalar(unreachable) is None

        clock.advance(DAY - 60)  # Meta's 24 h are not over: the serve loop waits
        early = await h.app.state.campaigns.deferred_retrier().run_once()
        assert early.retried == 0 and len(h.simulator.accepted) == 3

        clock.advance(120)
        shown = await h.wait_for(lambda: _shown(h, campaign_id, deferred=0, read=3))
        assert (shown["retried"], shown["accepted"], shown["failed"]) == (3, 3, 0)
        sent = Counter(m.to for m in h.simulator.accepted)
        assert sent == dict.fromkeys(phones, 2)  # each contact twice: the first try, one retry
        sends = _sends(h)
        assert {s.state for s in sends} == {SendState.ACCEPTED.value}
        assert {s.status for s in sends} == {"read"}
        assert not {s.message_id for s in sends} & set(first.values())  # new wamids
        attempts = _attempts(h)
        assert {a.message_id for a in attempts} == set(first.values())
        assert {(a.attempt, a.status, a.error_code) for a in attempts} == {(1, "failed", 131049)}

        # A late status of the first attempt is kept for the send, not applied to the retry.
        retried = sends[0]
        old_id = next(a.message_id for a in attempts if a.send_id == retried.id)
        assert old_id is not None and retried.wa_id is not None and retried.read_at is not None
        callback = f"s={retried.id};c={campaign_id}"
        stamp = int(clock.now().timestamp() - DAY)
        await _post_status(h.anon, _status_body(old_id, retried.wa_id, callback, "read", stamp))

        def late_fact() -> StatusEvent | None:
            with h.database.session() as session:
                query = select(StatusEvent).where(
                    StatusEvent.message_id == old_id, StatusEvent.status == "read"
                )
                return session.scalar(query)

        fact = await h.wait_for(late_fact)
        assert fact.send_id == retried.id
        after = next(s for s in _sends(h) if s.id == retried.id)
        assert (after.read_at, after.message_id) == (retried.read_at, retried.message_id)
        assert (after.state, after.status) == (SendState.ACCEPTED.value, "read")


@pytest.mark.anyio
async def test_retry_limit_is_honoured_and_outstanding_attempts_are_not_retried(
    settings: Settings,
) -> None:
    """RETRY_131049_MAX=1, every attempt capped; status webhooks come only when posted, so
    the retry's outcome stays outstanding until then. Passes run as the CLI runs them (the
    serve loop is kept out of the way by a long lease)."""
    clock = FakeClock()
    sim = simulator_config(fail_131049_rate=1.0)
    app = app_settings(settings, retry_131049_max=1, sender_lease_seconds=300.0)
    async with running_app(app, sim=sim, clock=clock, simulator_clock=clock) as h:
        add_contacts(h.database, 2)
        campaign_id = await _campaign(h, 2)
        retrier = h.app.state.campaigns.deferred_retrier()

        async def cap_all(messages: list[Any]) -> None:
            for m in messages:
                stamp = int(m.at.timestamp()) + 1
                await _post_status(
                    h.anon, _status_body(m.message_id, m.wa_id, m.callback_data, "failed", stamp)
                )

        await cap_all(list(h.simulator.accepted))
        await h.wait_for(lambda: _shown(h, campaign_id, deferred=2))

        clock.advance(DAY + 60)
        done = await retrier.run_once()
        assert (done.retried, done.counts["accepted"]) == (2, 2)
        assert len(h.simulator.accepted) == 4
        assert await _shown(h, campaign_id, deferred=0, retried=2, accepted=2)

        clock.advance(2 * DAY)  # the retries are accepted, their outcome not known yet
        idle = await retrier.run_once()
        assert (idle.retried, idle.failed_for_good) == (0, 0)
        assert len(h.simulator.accepted) == 4

        await cap_all(h.simulator.accepted[2:])  # the retries are capped too
        await h.wait_for(lambda: _shown(h, campaign_id, deferred=2))
        clock.advance(DAY + 60)
        final = await retrier.run_once()
        assert (final.retried, final.failed_for_good) == (0, 2)
        assert len(h.simulator.accepted) == 4  # RETRY_131049_MAX=1: no third request
        shown = await _shown(h, campaign_id, deferred=0, retried=2, failed=2)
        assert shown is not None
        reasons = list(shown["failures"])
        assert len(reasons) == 1 and "still capped after 2 attempts" in reasons[0]
        assert "RETRY_131049_MAX is 1" in reasons[0]
        assert {s.state for s in _sends(h)} == {SendState.ACCEPTED.value}
        assert {s.status for s in _sends(h)} == {"failed"}


@pytest.mark.anyio
async def test_opted_out_contacts_are_not_retried(settings: Settings) -> None:
    clock = FakeClock()
    sim = simulator_config(fail_131049_rate=1.0, fail_131049_again_rate=0.0)
    app = app_settings(settings, sender_lease_seconds=300.0)
    hooks = fast_webhooks(sim)
    async with running_app(app, sim=sim, webhooks=hooks, clock=clock, simulator_clock=clock) as h:
        phones = add_contacts(h.database, 2)
        campaign_id = await _campaign(h, 2)
        await h.wait_for(lambda: _shown(h, campaign_id, deferred=2))
        with h.database.session() as session:
            contact = session.scalar(select(Contact).where(Contact.phone == phones[0]))
            assert contact is not None
            contact.opted_out_at = clock.now()
        clock.advance(DAY + 60)
        done = await h.app.state.campaigns.deferred_retrier().run_once()
        assert done.retried == 1
        assert Counter(m.to for m in h.simulator.accepted) == {phones[0]: 1, phones[1]: 2}
        assert await h.wait_for(lambda: _shown(h, campaign_id, deferred=1, retried=1))
