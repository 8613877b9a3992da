"""What screens show for a campaign row read a moment before its run ended."""

from __future__ import annotations

from sqlalchemy import select, update

from wabroadcast.clock import SystemClock
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import create_campaign
from wabroadcast.engine.activity import activities, activity
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign


def _running_campaign(database: Database) -> int:
    with database.session() as session:
        return create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=5,
            phone_number_id="106540352242922",
            clock=SystemClock(),
        ).id


def test_a_row_read_before_its_run_ended_is_shown_finished_not_waiting(
    database: Database,
) -> None:
    campaign_id = _running_campaign(database)
    with database.session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None and row.state == CampaignState.RUNNING.value
        with database.session() as other:  # the run ends and releases its lease meanwhile
            other.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(state=CampaignState.COMPLETED.value)
            )
        assert row.state == CampaignState.RUNNING.value  # the row in hand is stale
        assert activity(session, row).state == CampaignState.COMPLETED.value


def test_a_running_campaign_nobody_sends_is_still_shown_waiting(database: Database) -> None:
    campaign_id = _running_campaign(database)
    with database.session() as session:
        rows = list(session.scalars(select(Campaign).where(Campaign.id == campaign_id)))
        shown = activities(session, rows)[campaign_id]
    assert (shown.state, shown.reason) == ("waiting", "no_sender")
