""" "Retry failed": sends released after retryable errors go out in a follow-up campaign."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.schedules.conftest import add_contacts
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings, load_settings
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import create_campaign, run_campaign
from wabroadcast.engine.followup import NO_ANSWER, NothingToRetry, retryable_failures
from wabroadcast.engine.manager import CampaignManager, CampaignRefused
from wabroadcast.simulator import SimulatorConfig, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Send, Template
from wabroadcast.storage.templates import TemplateRecord, upsert_templates

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return T0


async def _no_wait(_seconds: float) -> None:
    return None


def retry_failed(
    database: Database, settings: Settings, session: Session, campaign_id: int, *, clock: Any
) -> Campaign:
    """The follow-up as every caller creates it: through the campaign manager's checks, with
    the template APPROVED in the templates table as a sync would leave it."""
    if session.scalar(select(Template.id).where(Template.name == "daily_offer")) is None:
        session.add(
            Template(
                name="daily_offer",
                language="tr",
                status="APPROVED",
                components=[],
                synced_at=clock.now(),
            )
        )
    manager = CampaignManager(database, settings, clock, lambda: None)
    return manager.retry_failed_in(session, campaign_id)


def test_only_retryable_reasons_count() -> None:
    failures = {
        "131026 undeliverable: not on WhatsApp or cannot receive": 4,
        "131049 not delivered to keep ecosystem engagement healthy": 2,
        "130429 number's throughput (messages per second) exceeded": 3,
        "131000 unknown error": 1,
        "131056 too many messages to this recipient": 2,
        NO_ANSWER: 5,
    }
    assert retryable_failures(failures) == {
        "130429 number's throughput (messages per second) exceeded": 3,
        "131000 unknown error": 1,
        "131056 too many messages to this recipient": 2,
        NO_ANSWER: 5,
    }


@pytest.mark.anyio
async def test_follow_up_reaches_exactly_the_released_contacts(
    database: Database, database_url: str
) -> None:
    add_contacts(database, 12)
    settings = load_settings(
        {"DATABASE_URL": database_url, "GRAPH_API_URL": "http://graph.test"}, env_file=None
    )
    broken = create_simulator(SimulatorConfig(error_5xx_rate=1.0, latency=0, seed=1))
    healthy = create_simulator(SimulatorConfig(latency=0, latency_jitter=0, seed=1))
    with database.session() as session:
        first_id = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=8,
            phone_number_id=settings.phone_number_id,
            clock=Clock(),
        ).id
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=broken)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        first = await run_campaign(
            first_id, database=database, client=client, settings=settings, sleep=_no_wait
        )
    assert first.accepted == 0 and first.failed == 8
    assert sum(retryable_failures(first.failures).values()) == 8

    with database.session() as session:
        follow_up = retry_failed(database, settings, session, first_id, clock=Clock())
        follow_up_id = follow_up.id
        assert (follow_up.requested_limit, follow_up.template_name) == (8, "daily_offer")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=healthy)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        second = await run_campaign(
            follow_up_id, database=database, client=client, settings=settings, sleep=_no_wait
        )
    assert (second.state, second.accepted) == (CampaignState.COMPLETED, 8)
    sent_to = sorted(m.to for m in healthy.state.simulator.accepted)
    assert sent_to == [f"+90532{i:07d}" for i in range(8)]  # the first campaign's eight
    with database.session() as session:
        states = session.scalars(select(Send.state)).all()
        assert states == [SendState.ACCEPTED] * 8


def test_nothing_to_retry_is_a_clear_error(database: Database, database_url: str) -> None:
    settings = load_settings({"DATABASE_URL": database_url, "PHONE_NUMBER_ID": "1"}, env_file=None)
    with database.session() as session:
        campaign = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=5,
            phone_number_id="1",
            clock=Clock(),
        )
        with pytest.raises(NothingToRetry, match="still running"):
            retry_failed(database, settings, session, campaign.id, clock=Clock())
        campaign.state = CampaignState.COMPLETED
        campaign.failures = {"131026 undeliverable: not on WhatsApp or cannot receive": 2}
        with pytest.raises(NothingToRetry, match="no send that failed for a retryable reason"):
            retry_failed(database, settings, session, campaign.id, clock=Clock())
        with pytest.raises(NothingToRetry, match="does not exist"):
            retry_failed(database, settings, session, 999, clock=Clock())


@pytest.mark.anyio
async def test_a_follow_up_gets_the_checks_of_any_campaign(
    database: Database, database_url: str
) -> None:
    """Released sends of a template paused since, or of a number no longer configured, are
    refused before a follow-up campaign exists (no junk campaign), with the reason."""
    settings = load_settings(
        {"DATABASE_URL": database_url, "GRAPH_API_URL": "http://graph.test"}, env_file=None
    )
    broken = create_simulator(SimulatorConfig(error_5xx_rate=1.0, latency=0, seed=1))
    add_contacts(database, 3)
    with database.session() as session:
        first_id = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=3,
            phone_number_id=settings.phone_number_id,
            clock=Clock(),
        ).id
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=broken)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        await run_campaign(
            first_id, database=database, client=client, settings=settings, sleep=_no_wait
        )
    with database.session() as session:
        upsert_templates(session, [TemplateRecord("daily_offer", "tr", "PAUSED")], now=T0)
    manager = CampaignManager(database, settings, Clock(), lambda: None)
    with pytest.raises(CampaignRefused, match="PAUSED"):
        await manager.retry_failed(first_id)
    with database.session() as session:
        upsert_templates(session, [TemplateRecord("daily_offer", "tr", "APPROVED")], now=T0)
        session.execute(
            update(Campaign).where(Campaign.id == first_id).values(phone_number_id="999")
        )
    with pytest.raises(CampaignRefused, match="999 is not configured"):
        await manager.retry_failed(first_id)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1
