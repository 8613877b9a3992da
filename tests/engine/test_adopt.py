"""`serve` failover: a campaign whose sender died is adopted by another serve process."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.engine.helpers import FakeClock
from tests.web.api.harness import add_contacts, app_settings, running_app, simulator_config
from wabroadcast.config import Settings
from wabroadcast.domain.models import SendState
from wabroadcast.engine import create_campaign
from wabroadcast.engine.adopt import orphaned_campaigns
from wabroadcast.engine.claims import claim_next
from wabroadcast.engine.lease import release, try_acquire
from wabroadcast.engine.lifecycle import mark_requested
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.anyio
NUMBER = "106540352242922"


async def test_a_campaign_whose_sender_died_is_finished_by_another_server(
    settings: Settings,
) -> None:
    config = app_settings(settings, send_rate=200.0, sender_lease_seconds=1.0)
    async with running_app(config, sim=simulator_config()) as h:
        add_contacts(h.database, 30)
        long_ago = datetime.now(UTC) - timedelta(minutes=1)
        with h.database.session() as session:
            campaign_id = create_campaign(
                session,
                template_name="daily_offer",
                language="tr",
                limit=30,
                phone_number_id=NUMBER,
                clock=FakeClock(long_ago),
            ).id
        # The dead server: held the number, claimed 10, announced 4 of them, then kill -9.
        assert try_acquire(h.database, NUMBER, "dead:1:x", long_ago, 10)[0]
        claims = claim_next(h.database, campaign_id, want=10, daily_limit=None, now=long_ago)
        mark_requested(h.database, [c.send_id for c in claims.claims[:4]])
        assert orphaned_campaigns(h.database, datetime.now(UTC)) == [campaign_id]
        done = await h.campaign_done(campaign_id, within=90)  # bounds a broken run only
        with h.database.session() as session:
            states = Counter(session.scalars(select(Send.state)))
    assert done["state"] == "completed"
    assert states == {SendState.ACCEPTED.value: 26, SendState.UNKNOWN.value: 4}
    to = [m.to for m in h.simulator.accepted]
    assert len(to) == len(set(to)) == 26  # the 4 maybe-sent are never re-sent


async def test_a_released_lease_is_not_an_orphan(settings: Settings) -> None:
    """A graceful stop deletes the lease: campaigns then wait for an explicit resume."""
    config = app_settings(settings)
    async with running_app(config, sim=simulator_config()) as h:
        with h.database.session() as session:
            campaign_id = create_campaign(
                session,
                template_name="daily_offer",
                language="tr",
                limit=3,
                phone_number_id=NUMBER,
                clock=FakeClock(datetime.now(UTC)),
            ).id
        past = datetime.now(UTC) - timedelta(minutes=1)
        assert try_acquire(h.database, NUMBER, "gone:1:x", past, 10)[0]
        assert orphaned_campaigns(h.database, datetime.now(UTC)) == [campaign_id]
        release(h.database, NUMBER, "gone:1:x")
        assert orphaned_campaigns(h.database, datetime.now(UTC)) == []
