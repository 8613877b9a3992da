"""MARKETING templates skip US (+1) numbers unless MARKETING_TO_US: Meta has not delivered
them since 2025-04-01 (131049, still counted toward limits). Real engine, simulator, database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.engine.helpers import (
    FakeClock,
    add_contacts,
    make_settings,
    phone,
    sent_pairs,
    sim_config,
    simulated_client,
    wa_id,
)
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import EngineOptions, create_campaign, run_campaign
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.storage import sends as send_store
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send

pytestmark = pytest.mark.anyio

US = ["+12025550101", "+14155550102", "+13125550103"]
"""Interleaved with Turkish numbers in send order: indexes 2, 4 and 6."""


def mixed_contacts(database: Database) -> list[str]:
    phones = [phone(1), US[0], phone(3), US[1], phone(5), US[2], phone(7)]
    add_contacts(database, len(phones), phones=phones)
    return phones


def store_templates(database: Database) -> None:
    """What a sync stores: daily_offer is MARKETING, hello_world UTILITY (as in the simulator)."""
    body = ({"type": "BODY", "text": "Hello"},)
    records = [
        template_store.TemplateRecord("daily_offer", "tr", "APPROVED", "MARKETING", None, body),
        template_store.TemplateRecord("hello_world", "en_US", "APPROVED", "UTILITY", None, body),
    ]
    with database.session() as session:
        template_store.upsert_templates(session, records, now=datetime.now(UTC))


async def run(
    database: Database,
    template: str,
    language: str,
    options: EngineOptions | None = None,
    **environ: str,
) -> tuple[CampaignSummary, set[str]]:
    clock = FakeClock()
    with database.session() as session:
        campaign = create_campaign(
            session,
            template_name=template,
            language=language,
            limit=100,
            phone_number_id="106540352242922",
            clock=clock,
        )
        campaign_id = campaign.id
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database, **environ),
            clock=clock,
            sleep=clock.sleep,
            options=options,
        )
    assert summary.state == CampaignState.COMPLETED, summary.error
    return summary, {number for _, number in sent_pairs(simulator)}


def sent_phones(database: Database) -> set[str]:
    with database.session() as session:
        return set(session.scalars(select(Send.phone)))


async def test_a_marketing_campaign_sends_to_no_us_number_and_counts_them(
    database: Database,
) -> None:
    phones = mixed_contacts(database)
    store_templates(database)
    others = {p for p in phones if p not in US}
    summary, accepted = await run(database, "daily_offer", "tr")
    assert accepted == {wa_id(p) for p in others}
    assert sent_phones(database) == others
    assert (summary.eligible, summary.selected, summary.accepted) == (4, 4, 4)
    with database.session() as session:
        assert send_store.count_skipped_us(session, "daily_offer") == 3
        assert send_store.count_eligible(session, "daily_offer") == 0
        # once allowed, they are eligible again and nothing is skipped
        assert send_store.count_eligible(session, "daily_offer", marketing_to_us=True) == 3
        assert send_store.count_skipped_us(session, "daily_offer", marketing_to_us=True) == 0


async def test_with_marketing_to_us_the_us_numbers_are_sent(database: Database) -> None:
    phones = mixed_contacts(database)
    store_templates(database)
    summary, accepted = await run(database, "daily_offer", "tr", MARKETING_TO_US="true")
    assert accepted == {wa_id(p) for p in phones}
    assert sent_phones(database) == set(phones)
    assert summary.eligible == summary.accepted == len(phones)


async def test_a_drip_that_skipped_us_numbers_reaches_them_once_allowed(
    database: Database,
) -> None:
    """One contact per claim: the selection mark of the first run ends past US numbers."""
    phones = mixed_contacts(database)
    store_templates(database)
    one = EngineOptions(batch_size=1)
    _, first = await run(database, "daily_offer", "tr", one)
    _, second = await run(database, "daily_offer", "tr", one, MARKETING_TO_US="true")
    assert first == {wa_id(p) for p in phones if p not in US}
    assert second == {wa_id(p) for p in US}


async def test_a_utility_campaign_sends_to_us_numbers_regardless(database: Database) -> None:
    phones = mixed_contacts(database)
    store_templates(database)
    summary, accepted = await run(database, "hello_world", "en_US")
    assert accepted == {wa_id(p) for p in phones}
    assert summary.accepted == len(phones)
    with database.session() as session:
        assert send_store.count_skipped_us(session, "hello_world") == 0
