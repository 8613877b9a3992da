"""Held sends (templates under pacing, cloudapi.md §4): released by a status, or dropped with
132015, which pauses the campaign still running (signed webhooks, real database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from tests.webhooks.conftest import Hook, load_fixture
from wabroadcast.engine.outcomes import template_paused_message
from wabroadcast.storage.stats import funnels
from wabroadcast.storage.tables import Campaign, Send

pytestmark = pytest.mark.anyio
HELD_AT = datetime(2025, 12, 15, 13, 59, tzinfo=UTC)
DROPPED = template_paused_message("daily_offer", "tr", held_dropped=True)


def _hold(hook: Hook, ids: dict[str, int], *, state: str, error: str | None = None) -> None:
    """The fixture's send as the engine stores a held answer, its campaign in `state`."""
    with hook.database.session() as session:
        session.execute(
            update(Send).where(Send.id == ids["send"]).values(held=True, held_at=HELD_AT)
        )
        session.execute(
            update(Campaign).where(Campaign.id == ids["campaign"]).values(state=state, error=error)
        )


def _after(hook: Hook, ids: dict[str, int]) -> tuple[tuple[str, str | None], Send, object]:
    with hook.database.session() as session:
        campaign = session.get(Campaign, ids["campaign"])
        send = session.get(Send, ids["send"])
        assert campaign is not None and send is not None
        session.expunge(send)
        funnel = funnels(session, [ids["campaign"]])[ids["campaign"]]
        return (campaign.state, campaign.error), send, funnel


async def test_a_dropped_held_send_pauses_its_running_campaign(
    hook: Hook, seeded: dict[str, int]
) -> None:
    _hold(hook, seeded, state="running")
    assert (await hook.post_fixture("status_failed_132015")).status_code == 200
    campaign, send, funnel = _after(hook, seeded)
    assert campaign == ("paused", DROPPED)
    assert (send.held, send.held_at, send.status, send.error_code) == (
        False,
        HELD_AT,
        "failed",
        132015,
    )
    assert (funnel.held, funnel.held_total, funnel.held_released, funnel.held_dropped) == (
        0,
        1,
        0,
        1,
    )
    await hook.post_fixture("status_failed_132015")  # Meta redelivers: nothing changes
    assert _after(hook, seeded)[0] == campaign


async def test_a_campaign_paused_by_the_refused_132015_gets_the_held_reason(
    hook: Hook, seeded: dict[str, int]
) -> None:
    _hold(hook, seeded, state="paused", error=template_paused_message("daily_offer", "tr"))
    await hook.post_fixture("status_failed_132015")
    assert _after(hook, seeded)[0] == ("paused", DROPPED)


async def test_a_finished_campaign_only_records_the_drop(
    hook: Hook, seeded: dict[str, int]
) -> None:
    _hold(hook, seeded, state="completed")
    await hook.post_fixture("status_failed_132015")
    campaign, send, funnel = _after(hook, seeded)
    assert campaign == ("completed", None)
    assert (send.status, send.error_code, funnel.held_dropped) == ("failed", 132015, 1)


async def test_a_sent_status_releases_a_held_send_and_keeps_the_fact(
    hook: Hook, seeded: dict[str, int]
) -> None:
    _hold(hook, seeded, state="running")
    with hook.database.session() as session:
        before = funnels(session, [seeded["campaign"]])[seeded["campaign"]]
    assert (before.held, before.held_total, before.held_released) == (1, 1, 0)
    await hook.post_fixture("status_sent")
    await hook.post_fixture("status_delivered")
    campaign, send, funnel = _after(hook, seeded)
    assert campaign == ("running", None)
    assert (send.held, send.held_at, send.status) == (False, HELD_AT, "delivered")
    assert (funnel.held, funnel.held_total, funnel.held_released, funnel.held_dropped) == (
        0,
        1,
        1,
        0,
    )


def test_the_fixture_is_a_132015_failure_of_the_seeded_send() -> None:
    (status,) = load_fixture("status_failed_132015")["entry"][0]["changes"][0]["value"]["statuses"]
    assert (status["status"], status["errors"][0]["code"]) == ("failed", 132015)
