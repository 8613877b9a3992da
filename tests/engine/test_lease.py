"""The per-number sending lease: one holder at a time, takeover after expiry settles claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.engine.helpers import (
    FakeClock,
    add_contacts,
    eventually,
    make_settings,
    sim_config,
    simulated_client,
)
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import create_campaign, summary_of
from wabroadcast.engine.claims import claim_next
from wabroadcast.engine.lease import (
    HeldLease,
    LeaseOptions,
    current_holder,
    release,
    renew,
    try_acquire,
)
from wabroadcast.engine.lifecycle import mark_requested
from wabroadcast.engine.manager import run_with_lease
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Send, SenderLease

NUMBER = "106540352242922"
OTHER = "106540352242999"


def now() -> datetime:
    return datetime.now(UTC)


def lease_expiry(database: Database) -> datetime:
    with database.session() as session:
        expiry = session.scalar(
            select(SenderLease.expires_at).where(SenderLease.phone_number_id == NUMBER)
        )
    assert expiry is not None
    return expiry


def new_campaign(database: Database, limit: int, number: str = NUMBER) -> int:
    with database.session() as session:
        return create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=limit,
            phone_number_id=number,
            clock=FakeClock(now()),
        ).id


def test_one_holder_at_a_time_and_takeover_only_after_expiry(database: Database) -> None:
    t0 = now()
    assert try_acquire(database, NUMBER, "a", t0, 10)[0]
    acquired, holder, _ = try_acquire(database, NUMBER, "b", t0 + timedelta(seconds=5), 10)
    assert (acquired, holder) == (False, "a")
    assert try_acquire(database, OTHER, "b", t0, 10)[0]  # another number is independent
    assert renew(database, NUMBER, "a", t0 + timedelta(seconds=6), 10)  # now until t0 + 16
    assert not try_acquire(database, NUMBER, "b", t0 + timedelta(seconds=15), 10)[0]
    assert try_acquire(database, NUMBER, "b", t0 + timedelta(seconds=17), 10)[0]
    assert not renew(database, NUMBER, "a", t0 + timedelta(seconds=18), 10)  # a lost it
    assert current_holder(database, NUMBER, t0 + timedelta(seconds=18)) == "b"
    release(database, NUMBER, "b")
    assert current_holder(database, NUMBER, t0 + timedelta(seconds=18)) is None
    assert try_acquire(database, NUMBER, "c", t0 + timedelta(seconds=18), 10)[0]


def test_takeover_settles_the_dead_holders_claims_at_once(database: Database) -> None:
    add_contacts(database, 30)
    campaign_id = new_campaign(database, 30)
    other_campaign = new_campaign(database, 30, number=OTHER)
    t0 = now()
    assert try_acquire(database, NUMBER, "dead", t0, 10)[0]
    batch = claim_next(database, campaign_id, want=20, daily_limit=None, now=t0)
    assert len(batch.claims) == 20
    mark_requested(database, [c.send_id for c in batch.claims[:8]])  # maybe sent
    # A claim of another number's campaign is not ours to settle.
    with database.session() as session:
        session.execute(
            update(Send)
            .where(Send.id == batch.claims[0].send_id)
            .values(campaign_id=other_campaign)
        )
    acquired, _, settled = try_acquire(database, NUMBER, "heir", t0 + timedelta(seconds=11), 10)
    assert acquired
    assert (settled.released, settled.unknown) == (12, 7)
    with database.session() as session:
        states = list(session.scalars(select(Send.state).where(Send.campaign_id == campaign_id)))
    assert states == [SendState.UNKNOWN.value] * 7
    summary = summary_of(database, campaign_id)
    assert (summary.selected, summary.unknown) == (8, 7)


@pytest.mark.anyio
async def test_held_lease_reports_loss_when_another_process_takes_it(database: Database) -> None:
    # A TTL well above the heartbeat: a busy machine delays renewals without losing the lease.
    options = LeaseOptions(ttl=10.0, heartbeat=0.1, poll=0.05)
    assert try_acquire(database, NUMBER, "me", now(), options.ttl)[0]
    first_expiry = lease_expiry(database)
    lease = HeldLease(database, NUMBER, "me", options)
    lost: list[str] = []
    lease.on_lost(lambda: lost.append("lost"))
    lease.start()
    await eventually(lambda: lease_expiry(database) > first_expiry, "a renewal")
    assert not lost  # renewed, so nobody could take it
    assert not try_acquire(database, NUMBER, "thief", now(), options.ttl)[0]
    # As if this process had stalled past its lease and another process took the number.
    assert try_acquire(database, NUMBER, "thief", now() + timedelta(seconds=11), options.ttl)[0]
    await eventually(lambda: lost, "the lease to report its loss")
    assert lost == ["lost"]
    await lease.close()
    assert current_holder(database, NUMBER, now()) == "thief"  # close does not free it


@pytest.mark.anyio
async def test_waiting_run_sends_nothing_until_the_holder_lets_go(database: Database) -> None:
    add_contacts(database, 40)
    campaign_id = new_campaign(database, 40)
    options = LeaseOptions(ttl=1.0, heartbeat=0.2, poll=0.05)
    assert try_acquire(database, NUMBER, "other-process", now(), 60)[0]
    waits: list[str] = []
    settings = make_settings(database, DAILY_RECIPIENT_LIMIT="1000", SEND_RATE="200")
    async with simulated_client(sim_config()) as (client, simulator):
        task = asyncio.create_task(
            run_with_lease(
                campaign_id,
                database=database,
                client_for=lambda _number: client,
                settings=settings,
                lease_options=options,
                on_wait=waits.append,
            )
        )
        await eventually(lambda: waits, "the run to say it waits")
        assert not simulator.accepted  # the number belongs to another process
        assert len(waits) == 1 and "other-process" in waits[0]
        release(database, NUMBER, "other-process")
        summary = await asyncio.wait_for(task, timeout=30)
    assert summary.state == CampaignState.COMPLETED
    assert len(simulator.accepted) == 40
    assert current_holder(database, NUMBER, now()) is None  # released at the end


@pytest.mark.anyio
async def test_campaign_of_an_unconfigured_number_is_aborted_with_the_reason(
    database: Database,
) -> None:
    add_contacts(database, 5)
    campaign_id = new_campaign(database, 5, number="999")
    settings = make_settings(database)
    async with simulated_client(sim_config()) as (client, simulator):
        summary = await run_with_lease(
            campaign_id, database=database, client_for=lambda _n: client, settings=settings
        )
    assert summary.state == CampaignState.ABORTED
    assert summary.error is not None and "999 is not configured" in summary.error
    assert not simulator.accepted


@pytest.mark.anyio
async def test_a_second_number_sends_from_its_own_id_at_its_own_rate(database: Database) -> None:
    add_contacts(database, 20)
    campaign_id = new_campaign(database, 20, number=OTHER)
    settings = make_settings(
        database, PHONE_NUMBERS=f"{NUMBER}:80,{OTHER}:500:1000", DAILY_RECIPIENT_LIMIT="10"
    )
    config = sim_config(extra_phone_number_ids=(OTHER,))
    async with simulated_client(config) as (client, simulator):
        summary = await run_with_lease(
            campaign_id,
            database=database,
            client_for=lambda number: client.for_number(number),
            settings=settings,
        )
    assert summary.state == CampaignState.COMPLETED
    assert summary.accepted == 20  # the number's daily limit (1000), not the default 10
    with database.session() as session:
        assert session.scalar(select(Send.campaign_id).limit(1)) == campaign_id
