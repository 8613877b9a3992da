"""Sends of a template under pacing (cloudapi.md §4), through the real simulator.

The engine stores which answers said held_for_quality_assessment, and a 132015 refusal
(the template paused for low quality) pauses the campaign instead of ending it: once the
template is unpaused, a person resumes and the rest are sent, none twice.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.engine.helpers import (
    FakeClock,
    add_contacts,
    make_settings,
    sent_pairs,
    sim_config,
    simulated_client,
)
from tests.engine.test_sender import new_campaign
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import resume_campaign, run_campaign
from wabroadcast.engine.outcomes import template_paused_message
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.anyio


def _held(database: Database) -> list[tuple[bool, bool]]:
    """(held, held_at set) of each send, in id order."""
    with database.session() as session:
        rows = session.execute(select(Send.held, Send.held_at).order_by(Send.id)).all()
    return [(held, held_at is not None) for held, held_at in rows]


async def test_answers_held_for_quality_assessment_are_stored(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 20)
    campaign_id = new_campaign(database, clock, 20)
    async with simulated_client(sim_config(hold_rate=0.5), clock=clock) as (client, simulator):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert summary.state == CampaignState.COMPLETED and summary.accepted == 20
    held = {m.message_id: m.held for m in simulator.accepted}
    assert 0 < sum(held.values()) < 20
    with database.session() as session:
        rows = session.execute(select(Send.message_id, Send.held)).all()
    assert dict(rows) == held
    assert all(flag == is_set for flag, is_set in _held(database))


async def test_a_paused_template_pauses_the_campaign_and_it_resumes_after_unpausing(
    database: Database,
) -> None:
    clock = FakeClock()
    add_contacts(database, 12)
    settings = make_settings(database)
    campaign_id = new_campaign(database, clock, 12)
    config = sim_config(hold_rate=1.0, hold_outcome="drop")
    async with simulated_client(config, clock=clock) as (client, simulator):
        paused = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
        assert paused.state == CampaignState.PAUSED
        assert paused.error == template_paused_message("daily_offer", "tr")
        assert paused.accepted == len(simulator.accepted) == 1  # the refused ones reached nobody
        assert _held(database) == [(True, True)]

        simulator.templates.set_status("daily_offer", "tr", "APPROVED")
        simulator.config = simulator.config.replace(hold_rate=0.0)
        with database.session() as session:
            resume_campaign(session, campaign_id, clock)
        done = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
    assert done.state == CampaignState.COMPLETED and done.error is None
    assert done.accepted == 12
    assert max(sent_pairs(simulator).values()) == 1
