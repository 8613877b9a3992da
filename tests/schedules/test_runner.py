"""A drip schedule run day by day against the simulator, with a clock the test moves."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from time import monotonic
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from tests.schedules.conftest import FakeClock, add_contacts
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings, load_settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.manager import CampaignManager
from wabroadcast.engine.templates import sync_templates
from wabroadcast.schedules.models import RunState, ScheduleState
from wabroadcast.schedules.runner import Runner, scheduler_running
from wabroadcast.schedules.store import ScheduleInput, create_schedule, progress, runs_of
from wabroadcast.simulator import Simulator, SimulatorConfig, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Schedule, Send
from wabroadcast.web.views.queries import campaign_progress

IST = ZoneInfo("Europe/Istanbul")


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Istanbul local time on November `day` (December from 31 on), 2026, as UTC."""
    month, day = (11, day) if day <= 30 else (12, day - 30)
    return datetime(2026, month, day, hour, minute, second, tzinfo=IST).astimezone(UTC)


@dataclass
class World:
    database: Database
    clock: FakeClock
    simulator: Simulator
    runner: Runner
    settings: Settings
    client: CloudAPIClient


@pytest.fixture
async def world(database: Database, database_url: str) -> AsyncIterator[World]:
    clock = FakeClock(_at(25, 7))
    simulator_app = create_simulator(
        SimulatorConfig(latency=0, latency_jitter=0, seed=8),
        clock=clock,
        monotonic=lambda: clock.now().timestamp(),
    )
    settings = load_settings(
        {"DATABASE_URL": database_url, "GRAPH_API_URL": "http://graph.test", "SEND_RATE": "80"},
        env_file=None,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator_app)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        await sync_templates(database, client, clock)
        runner = Runner(_manager(database, client, settings, clock))
        yield World(database, clock, simulator_app.state.simulator, runner, settings, client)


def _manager(
    database: Database, client: CloudAPIClient, settings: Settings, clock: FakeClock
) -> CampaignManager:
    """The campaign manager `serve` builds, on the test's clock and simulator."""
    return CampaignManager(
        database, settings, clock, lambda: client, client_for=lambda _n: client, sleep=clock.sleep
    )


def _local_days(simulator: Simulator) -> Counter[date]:
    return Counter(m.at.astimezone(IST).date() for m in simulator.accepted)


def _schedule(world: World, **changes: object) -> int:
    data = ScheduleInput(
        **{
            **ScheduleInput("daily_offer", "tr", 225, "10:00", "Europe/Istanbul").__dict__,
            **changes,
        }
    )
    with world.database.session() as session:
        return create_schedule(session, data, now=world.clock.now()).id


@pytest.mark.anyio
async def test_drip_covers_the_list_in_the_expected_days_each_contact_once(world: World) -> None:
    add_contacts(world.database, 1_000)
    schedule_id = _schedule(world, window_start="09:00", window_end="20:00")
    with world.database.session() as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        numbers = progress(session, schedule)
    assert (numbers.days_remaining, numbers.finish_on) == (5, date(2026, 11, 29))

    for day in range(25, 32):
        world.clock.set(_at(day, 9, 30))
        assert await world.runner.run_due() == []  # not due before 10:00
        world.clock.set(_at(day, 10))
        await world.runner.run_due()
        await world.runner.run_due()  # a second pass the same day starts nothing

    accepted = world.simulator.accepted
    assert len(accepted) == 1_000
    assert len({m.to for m in accepted}) == 1_000  # each contact reached once
    assert sorted(_local_days(world.simulator).items()) == [
        (date(2026, 11, 25), 225),
        (date(2026, 11, 26), 225),
        (date(2026, 11, 27), 225),
        (date(2026, 11, 28), 225),
        (date(2026, 11, 29), 100),
    ]
    assert all(time(9) <= m.at.astimezone(IST).time() < time(20) for m in accepted)
    with world.database.session() as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        assert schedule.state == ScheduleState.FINISHED
        assert "finished: every eligible contact has the template" in (schedule.notes or "")
        assert [r.state for r in runs_of(session, schedule_id)] == [RunState.DONE] * 5
        assert session.scalar(select(func.count()).select_from(Campaign)) == 5
        assert session.scalar(select(func.count()).select_from(Send)) == 1_000


@pytest.mark.anyio
async def test_campaign_waits_for_the_window_and_pauses_before_it_closes(world: World) -> None:
    add_contacts(world.database, 1_000)
    schedule_id = _schedule(
        world,
        daily_count=600,
        time_of_day="08:00",
        window_start="09:00",
        window_end="09:04",
        window_time_zone="Europe/Istanbul",
    )
    world.clock.set(_at(25, 8))
    reports = await world.runner.run_due()
    assert [r.state for r in reports] == [RunState.WAITING]
    assert world.simulator.accepted == []  # 08:00 is outside the window

    world.clock.set(_at(25, 9))
    reports = await world.runner.run_due()
    # 600 at 80/s would need 7.5 s; the window has 4 minutes: all go out.
    assert [r.state for r in reports] == [RunState.DONE]
    assert len(world.simulator.accepted) == 600

    # Next day: the window closes 4 minutes after it opens; at 1 message per second
    # only part of the 400 left go out, then the campaign waits.
    slow_settings = world.settings.model_copy(update={"send_rate": 1.0})
    slow = Runner(_manager(world.database, world.client, slow_settings, world.clock))
    world.clock.set(_at(26, 9))
    reports = await slow.run_due()
    assert [r.state for r in reports] == [RunState.WAITING]
    day_two = [m for m in world.simulator.accepted if m.at.astimezone(IST).day == 26]
    # The window is the engine's stop condition, checked before every request: sending goes on
    # at 1/s (the fake clock's pace, whatever the machine's load) until WINDOW_MARGIN before
    # the window closes, then stops at once. (+1: the token bucket starts with one interval
    # of catch-up, so two requests go at 09:00:00; −2: slack for how workers' virtual sleeps
    # interleave with database threads.)
    usable = 240 - slow.margin.total_seconds()
    assert usable - 2 <= len(day_two) <= usable + 1
    assert all(m.at < _at(26, 9, 4) for m in day_two)  # nothing after the window closed
    with world.database.session() as session:
        run = runs_of(session, schedule_id)[-1]
        campaign = session.get(Campaign, run.campaign_id)
        assert campaign is not None and campaign.state == "paused"

    # Later that day, outside the window: nothing moves. Next day the unfinished day is given
    # up (its contacts stay eligible) and the new day starts at 08:00, waiting again.
    world.clock.set(_at(26, 15))
    assert await slow.run_due() == []
    world.clock.set(_at(27, 8))
    reports = await slow.run_due()
    assert sorted(r.state for r in reports) == [RunState.DONE, RunState.WAITING]
    assert len({m.to for m in world.simulator.accepted}) == len(world.simulator.accepted)
    with world.database.session() as session:
        campaign = session.get(Campaign, runs_of(session, schedule_id)[1].campaign_id)
        assert campaign is not None and campaign.state == "cancelled"


@pytest.mark.anyio
async def test_a_missed_day_is_skipped_with_a_note_and_nobody_gets_two(world: World) -> None:
    add_contacts(world.database, 1_000)
    schedule_id = _schedule(world)
    for day in (25, 26, 28, 29):  # down all of the 27th
        world.clock.set(_at(day, 10, 1))
        await world.runner.run_due()

    with world.database.session() as session:
        runs = runs_of(session, schedule_id)
        assert [(r.run_date.day, r.state) for r in runs] == [
            (25, RunState.DONE),
            (26, RunState.DONE),
            (27, RunState.SKIPPED),
            (28, RunState.DONE),
            (29, RunState.DONE),
        ]
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        assert "2026-11-27 skipped" in (schedule.notes or "")
        assert schedule.state == ScheduleState.ACTIVE
        assert progress(session, schedule).days_remaining == 1
    assert sorted(_local_days(world.simulator).values()) == [225, 225, 225, 225]
    assert len({m.to for m in world.simulator.accepted}) == 900


@pytest.mark.anyio
async def test_a_paused_template_is_refused_before_anyone_is_claimed(world: World) -> None:
    add_contacts(world.database, 10)
    schedule_id = _schedule(world, template_name="winter_sale", language="en_US")
    world.clock.set(_at(25, 10))
    reports = await world.runner.run_due()
    assert [(r.state, r.note) for r in reports] == [
        (RunState.FAILED, "not started: template 'winter_sale' is PAUSED")
    ]
    assert world.simulator.accepted == []
    with world.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Send)) == 0
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None and schedule.state == ScheduleState.ACTIVE
        assert "template 'winter_sale' is PAUSED" in (schedule.notes or "")


@pytest.mark.anyio
async def test_the_server_loop_starts_due_days_in_two_processes_once(world: World) -> None:
    add_contacts(world.database, 300)
    schedule_id = _schedule(world)
    world.clock.set(_at(25, 10, 0, 5))
    loops = [
        scheduler_running(_manager(world.database, world.client, world.settings, world.clock))
        for _ in range(2)
    ]
    async with loops[0], loops[1]:
        deadline = monotonic() + 90  # real time only bounds a broken run
        while monotonic() < deadline:
            with world.database.session() as session:
                runs = runs_of(session, schedule_id)
            if runs and runs[0].state == RunState.DONE:
                break
            await asyncio.sleep(0.05)
    assert [(r.run_date, r.state) for r in runs] == [(date(2026, 11, 25), RunState.DONE)]
    assert len(world.simulator.accepted) == 225


@pytest.mark.anyio
async def test_a_schedule_run_shows_running_on_the_panel_while_it_sends(world: World) -> None:
    """What the campaign page reads (campaign_progress with the manager's `running`) says
    `running` at every look while the day's campaign sends, and `completed` after."""
    add_contacts(world.database, 300)
    _schedule(world)
    world.clock.set(_at(25, 10))
    manager = world.runner.campaigns
    day = asyncio.create_task(world.runner.run_due())
    seen: list[tuple[str, str]] = []

    def look() -> None:
        with world.database.session() as session:
            campaign = session.scalar(select(Campaign).order_by(Campaign.id.desc()).limit(1))
            if campaign is not None:
                shown = campaign_progress(session, campaign.id, running_here=manager.running)
                assert shown is not None
                seen.append((campaign.state, shown.state))

    deadline = monotonic() + 120  # real time only bounds a broken run
    while not day.done() and monotonic() < deadline:
        # Looking from a thread, a few ms apart: a loop that queried on the event loop with
        # sleep(0) between starved the day's run of the loop and never ended on a busy machine.
        await asyncio.to_thread(look)
        await asyncio.sleep(0.005)
    await asyncio.wait_for(day, timeout=5)
    while_sending = [shown for stored, shown in seen if stored == CampaignState.RUNNING.value]
    assert while_sending, "the day's campaign was never seen while it was sending"
    # A look whose row was read just before the run ended shows it finished, never waiting.
    ended = while_sending.index("completed") if "completed" in while_sending else None
    assert set(while_sending[:ended]) == {"running"}, seen
    assert set(while_sending[ended:] if ended is not None else []) <= {"completed"}, seen
    with world.database.session() as session:
        campaign = session.scalar(select(Campaign).order_by(Campaign.id.desc()).limit(1))
        assert campaign is not None
        after = campaign_progress(session, campaign.id, running_here=manager.running)
        assert after is not None and (after.state, after.accepted) == ("completed", 225)
