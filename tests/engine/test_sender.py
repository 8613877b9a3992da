"""The send engine against the real simulator and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.engine.helpers import (
    FakeClock,
    add_contacts,
    make_settings,
    phone,
    sends_by_state,
    sent_pairs,
    sim_config,
    simulated_client,
    wa_id,
)
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import (
    EngineOptions,
    RunProgress,
    create_campaign,
    pause_campaign,
    resume_campaign,
    run_campaign,
)
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send

pytestmark = pytest.mark.anyio


def new_campaign(
    database: Database,
    clock: FakeClock,
    limit: int,
    template: str = "daily_offer",
    language: str = "tr",
) -> int:
    with database.session() as session:
        campaign = create_campaign(
            session,
            template_name=template,
            language=language,
            limit=limit,
            phone_number_id="106540352242922",
            clock=clock,
        )
        return campaign.id


async def test_sends_the_first_contacts_in_index_order_once(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 30)
    campaign_id = new_campaign(database, clock, 10)
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert summary.state == CampaignState.COMPLETED
    assert (summary.selected, summary.accepted, summary.eligible) == (10, 10, 30)
    assert sorted(wa for _, wa in sent_pairs(simulator)) == [wa_id(phone(i)) for i in range(1, 11)]
    with database.session() as session:
        sends = list(session.scalars(select(Send).order_by(Send.id)))
    by_message = {m.message_id: m for m in simulator.accepted}
    for send in sends:
        assert send.state == SendState.ACCEPTED
        message = by_message[send.message_id or ""]
        assert message.callback_data == f"s={send.id};c={campaign_id}"
        assert message.wa_id == send.wa_id


async def test_never_twice_across_campaigns_and_languages(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 25)
    settings = make_settings(database)
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        for limit, language in ((10, "tr"), (10, "en_US"), (100, "tr")):
            campaign_id = new_campaign(database, clock, limit, language=language)
            await run_campaign(
                campaign_id,
                database=database,
                client=client,
                settings=settings,
                clock=clock,
                sleep=clock.sleep,
            )
        last = await run_campaign(
            new_campaign(database, clock, 5),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
    pairs = sent_pairs(simulator)
    assert len(pairs) == 25 and max(pairs.values()) == 1
    assert (last.selected, last.eligible, last.state) == (0, 0, CampaignState.COMPLETED)


async def test_opted_out_and_unreachable_contacts_are_skipped(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 2, first_index=1, opted_out_at=clock.now())
    add_contacts(database, 2, first_index=3, unreachable_at=clock.now())
    add_contacts(database, 3, first_index=5)
    campaign_id = new_campaign(database, clock, 10)
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert summary.accepted == 3
    assert sorted(wa for _, wa in sent_pairs(simulator)) == [wa_id(phone(i)) for i in (5, 6, 7)]


async def test_two_senders_with_separate_databases_send_no_pair_twice(database_url: str) -> None:
    clock = FakeClock()
    setup = Database(database_url)
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        add_contacts(setup, 120)
        settings = make_settings(setup)
        shared = new_campaign(setup, clock, 50)
        own = new_campaign(setup, clock, 70)  # 50 + 70: exactly the 120 contacts
        options = EngineOptions(batch_size=7)
        async with simulated_client(sim_config(), clock=clock) as (client, simulator):
            results = await asyncio.gather(
                run_campaign(
                    shared,
                    database=first_db,
                    client=client,
                    settings=settings,
                    clock=clock,
                    sleep=clock.sleep,
                    options=options,
                ),
                run_campaign(
                    shared,
                    database=second_db,
                    client=client,
                    settings=settings,
                    clock=clock,
                    sleep=clock.sleep,
                    options=options,
                ),
                run_campaign(
                    own,
                    database=second_db,
                    client=client,
                    settings=settings,
                    clock=clock,
                    sleep=clock.sleep,
                    options=options,
                ),
            )
        pairs = sent_pairs(simulator)
        assert max(pairs.values()) == 1
        assert len(pairs) == 120
        # the two runs of one campaign share its limit; each reports the stored totals
        assert {r.state for r in results} == {CampaignState.COMPLETED}
        assert max(results[0].accepted, results[1].accepted) == 50
        assert sends_by_state(setup, shared) == {SendState.ACCEPTED: 50}
        assert sends_by_state(setup, own) == {SendState.ACCEPTED: 70}
    finally:
        for db in (setup, first_db, second_db):
            db.dispose()


async def test_transient_errors_are_retried_then_released(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 4)
    settings = make_settings(database)
    campaign_id = new_campaign(database, clock, 4)
    async with simulated_client(sim_config(error_5xx_rate=1.0), clock=clock) as (client, sim):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
    assert summary.accepted == 0 and summary.failed == 4
    assert sum(summary.failures.values()) == 4
    assert sim.counters["requests"] >= 4 * 5 or len(sim.accepted) == 0
    assert sends_by_state(database) == {}  # released: no row, a later campaign may try
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        again = await run_campaign(
            new_campaign(database, clock, 4),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
    assert again.accepted == 4 and len(sent_pairs(simulator)) == 4


async def test_retries_reach_acceptance_when_errors_are_occasional(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 40)
    campaign_id = new_campaign(database, clock, 40)
    async with simulated_client(sim_config(error_5xx_rate=0.3), clock=clock) as (client, sim):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    with database.session() as session:
        attempts = list(session.scalars(select(Send.attempts)))
    assert summary.accepted + summary.failed == 40
    assert summary.accepted >= 35
    assert max(attempts) > 1
    assert max(sent_pairs(sim).values()) == 1


async def test_recipient_permanent_error_marks_contact_unreachable(database: Database) -> None:
    clock = FakeClock()
    ids = add_contacts(database, 3, phones=[phone(1), "+1234567", phone(3)])
    campaign_id = new_campaign(database, clock, 3)
    async with simulated_client(sim_config(), clock=clock) as (client, _):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert (summary.accepted, summary.failed, summary.state) == (2, 1, CampaignState.COMPLETED)
    assert list(summary.failures) == ["131009 parameter value invalid"] or summary.failures
    with database.session() as session:
        bad = session.get(Contact, ids[1])
        send = session.scalars(select(Send).where(Send.contact_id == ids[1])).one()
    assert bad is not None and bad.unreachable_at is not None
    assert bad.unreachable_reason is not None and bad.unreachable_reason.startswith("131009")
    assert send.state == SendState.FAILED and send.error_code == 131009


@pytest.mark.parametrize(
    ("template", "token", "message"),
    [
        ("no_such_template", None, "template 'no_such_template' does not exist in language 'tr'"),
        ("daily_offer", "wrong-token", "access token invalid or expired"),
    ],
)
async def test_fatal_error_aborts_with_clear_message_and_releases_claims(
    database: Database, template: str, token: str | None, message: str
) -> None:
    clock = FakeClock()
    add_contacts(database, 60)
    campaign_id = new_campaign(database, clock, 60, template=template)
    config = sim_config()
    async with simulated_client(config, clock=clock, token=token or config.access_token) as (
        client,
        simulator,
    ):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database, DAILY_RECIPIENT_LIMIT="1000"),
            clock=clock,
            sleep=clock.sleep,
            options=EngineOptions(batch_size=20),
        )
    assert summary.state == CampaignState.ABORTED
    assert summary.error == message
    assert summary.accepted == 0 and summary.selected == 0
    assert simulator.accepted == []
    assert simulator.counters["requests"] == 1  # the first request goes alone
    assert sends_by_state(database) == {}


async def test_uncertain_answers_become_unknown_and_are_never_resent(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 6)
    settings = make_settings(database)
    ids_campaign = new_campaign(database, clock, 3)
    # Real HTTP on a port: the simulator accepts, then hangs past the client's timeout.
    import httpx

    from tests.engine.helpers import served
    from wabroadcast.cloudapi.client import CloudAPIClient
    from wabroadcast.simulator import create_simulator

    app = create_simulator(sim_config(timeout_rate=1.0, hang_seconds=1.0))
    with served(app) as url:
        async with httpx.AsyncClient(timeout=0.3) as http:
            client = CloudAPIClient(
                http,
                base_url=url,
                version="v25.0",
                phone_number_id="106540352242922",
                waba_id="102290129340398",
                access_token=app.state.simulator.config.access_token,
            )
            summary = await run_campaign(
                ids_campaign,
                database=database,
                client=client,
                settings=settings,
                clock=clock,
                sleep=clock.sleep,
            )
    assert (summary.unknown, summary.accepted, summary.state) == (3, 0, CampaignState.COMPLETED)
    assert len(app.state.simulator.accepted) == 3  # they did go out
    assert sends_by_state(database) == {SendState.UNKNOWN: 3}
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        later = await run_campaign(
            new_campaign(database, clock, 10),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
    assert later.accepted == 3
    first_three = {wa_id(phone(i)) for i in (1, 2, 3)}
    assert not first_three & {wa for _, wa in sent_pairs(simulator)}


async def test_daily_recipient_limit_holds_back_and_reports(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 20)
    settings = make_settings(database, DAILY_RECIPIENT_LIMIT="8")
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        other = await run_campaign(
            new_campaign(database, clock, 3, template="hello_world", language="en_US"),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
        summary = await run_campaign(
            new_campaign(database, clock, 10),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
        assert other.accepted == 3
        # Contacts 1–3 already got hello_world today and do not count twice (Meta counts
        # unique users), so 8 of the 10 requested fit under the limit of 8; 2 wait.
        assert (summary.accepted, summary.held_back) == (8, 2)
        assert summary.state == CampaignState.COMPLETED
        clock.advance(timedelta(hours=24, minutes=1).total_seconds())
        tomorrow = await run_campaign(
            new_campaign(database, clock, 10),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
    assert (tomorrow.accepted, tomorrow.held_back) == (8, 2)
    assert max(sent_pairs(simulator).values()) == 1


async def test_daily_limit_comes_from_the_number_tier_when_unset(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 300)
    config = sim_config(messaging_limit_tier="TIER_250")
    async with simulated_client(config, clock=clock) as (client, _):
        summary = await run_campaign(
            new_campaign(database, clock, 300),
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert (summary.accepted, summary.held_back) == (250, 50)


async def test_pause_then_resume_sends_the_rest_exactly_once(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 40)
    settings = make_settings(database)
    campaign_id = new_campaign(database, clock, 40)

    def pause_early(progress: RunProgress) -> None:
        if progress.accepted == 3:
            with database.session() as session:
                pause_campaign(session, campaign_id, clock)

    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        paused = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=EngineOptions(batch_size=5),
            on_progress=pause_early,
        )
        assert paused.state == CampaignState.PAUSED
        assert 3 <= paused.accepted < 40
        assert sends_by_state(database).get(SendState.CLAIMED, 0) == 0
        assert paused.selected == paused.accepted
        idle = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
        )
        assert idle.state == CampaignState.PAUSED and idle.accepted == paused.accepted
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
    assert (done.state, done.accepted, done.selected) == (CampaignState.COMPLETED, 40, 40)
    pairs = sent_pairs(simulator)
    assert len(pairs) == 40 and max(pairs.values()) == 1


async def test_cancel_stops_sending(database: Database) -> None:
    from wabroadcast.engine import cancel_campaign

    clock = FakeClock()
    add_contacts(database, 40)
    campaign_id = new_campaign(database, clock, 40)

    def cancel_early(progress: RunProgress) -> None:
        if progress.accepted == 2:
            with database.session() as session:
                cancel_campaign(session, campaign_id, clock)

    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
            options=EngineOptions(batch_size=5),
            on_progress=cancel_early,
        )
    assert summary.state == CampaignState.CANCELLED
    assert summary.finished_at is not None
    assert len(simulator.accepted) == summary.accepted < 40
    assert sends_by_state(database) == {SendState.ACCEPTED: summary.accepted}


async def test_a_stop_condition_pauses_before_the_next_request(database: Database) -> None:
    """A schedule's window is a stop condition: from the first instant it answers a reason,
    no request starts; the campaign is paused with that reason and the held claims are
    released, so a resume sends the rest exactly once."""
    clock = FakeClock()
    add_contacts(database, 60)
    campaign_id = new_campaign(database, clock, 60)
    deadline = clock.now() + timedelta(seconds=4)  # 5/s: about 20 requests fit before it
    asked: list[datetime] = []

    def window(now: datetime) -> str | None:
        asked.append(now)
        return "outside the sending window" if now >= deadline else None

    settings = make_settings(database).model_copy(update={"send_rate": 5.0})
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        paused = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=EngineOptions(batch_size=5),
            stop_when=window,
        )
        assert (paused.state, paused.error) == (CampaignState.PAUSED, "outside the sending window")
        assert 15 <= len(simulator.accepted) == paused.accepted < 60
        assert all(message.at < deadline for message in simulator.accepted)
        assert len(asked) > paused.accepted  # asked before every request, not once a batch
        assert sends_by_state(database) == {SendState.ACCEPTED: paused.accepted}
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
    assert (done.state, done.accepted) == (CampaignState.COMPLETED, 60)
    pairs = sent_pairs(simulator)
    assert len(pairs) == 60 and max(pairs.values()) == 1


async def test_stale_claims_of_a_dead_sender_are_resolved_on_resume(database: Database) -> None:
    """A dead sender left claims behind: those it had announced (attempts 1) may have gone
    out and become unknown; those it never announced (attempts 0) are released and sent."""
    clock = FakeClock()
    ids = add_contacts(database, 10)
    campaign_id = new_campaign(database, clock, 10)
    crashed_at = clock.now() - timedelta(hours=1)

    def claimed(contact_id: int, at: datetime, attempts: int) -> Send:
        return Send(
            template_name="daily_offer",
            contact_id=contact_id,
            campaign_id=campaign_id,
            language="tr",
            phone=phone(ids.index(contact_id) + 1),
            state=SendState.CLAIMED.value,
            attempts=attempts,
            claimed_at=at,
            updated_at=at,
        )

    with database.session() as session:
        session.add_all([claimed(i, crashed_at, 1) for i in ids[:3]])
        session.add_all([claimed(i, crashed_at, 0) for i in ids[3:5]])
        # a fresh claim of a live sender (inside the in-flight window) is left alone
        session.add(claimed(ids[5], clock.now(), 1))
    async with simulated_client(sim_config(), clock=clock) as (client, simulator):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert summary.unknown == 3
    assert summary.accepted == 6
    sent = {wa for _, wa in sent_pairs(simulator)}
    assert sent == {wa_id(phone(i)) for i in (4, 5, 7, 8, 9, 10)}
    assert sends_by_state(database, campaign_id) == {
        SendState.UNKNOWN: 3,
        SendState.CLAIMED: 1,
        SendState.ACCEPTED: 6,
    }


async def test_consecutive_errors_pause_the_campaign(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 30)
    campaign_id = new_campaign(database, clock, 30)
    async with simulated_client(sim_config(error_5xx_rate=1.0), clock=clock) as (client, _):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
            options=EngineOptions(batch_size=5, max_consecutive_errors=4),
        )
    assert summary.state == CampaignState.PAUSED
    assert summary.error is not None and "4 sends in a row failed" in summary.error
    assert summary.failed < 30
    assert sends_by_state(database) == {}


async def test_throughput_limit_backs_off_and_everything_is_sent_once(database: Database) -> None:
    clock = FakeClock()
    add_contacts(database, 60)
    settings = make_settings(database, SEND_RATE="200")
    async with simulated_client(sim_config(rate=20.0), clock=clock) as (client, simulator):
        summary = await run_campaign(
            new_campaign(database, clock, 60),
            database=database,
            client=client,
            settings=settings,
            clock=clock,
            sleep=clock.sleep,
            options=EngineOptions(batch_size=60),
        )
    assert simulator.counters["errors"] > 0  # it was throttled (130429)
    assert summary.accepted + summary.failed == 60
    assert summary.accepted >= 50
    assert max(sent_pairs(simulator).values()) == 1


async def test_pair_limit_makes_only_that_recipient_wait(database: Database) -> None:
    clock = FakeClock()
    # Two contact rows that reach one WhatsApp user (the second written with spaces, which
    # the Cloud API accepts): the second request hits the pair rate limit, 131056.
    add_contacts(database, 3, phones=[phone(1), "+90 555 000 0001", phone(3)])
    config = sim_config(pair_burst=1, pair_interval=6.0)
    async with simulated_client(config, clock=clock) as (client, simulator):
        summary = await run_campaign(
            new_campaign(database, clock, 3),
            database=database,
            client=client,
            settings=make_settings(database),
            clock=clock,
            sleep=clock.sleep,
        )
    assert summary.accepted == 3
    assert [m.to for m in simulator.accepted][-1] == "+90 555 000 0001"
    waited = simulator.accepted[-1].at - simulator.accepted[0].at
    assert waited.total_seconds() >= 4.0  # 4^1 s for that recipient only
    # the other recipient went ahead while that one waited
    assert [m.to for m in simulator.accepted][:2] == [phone(1), phone(3)]
