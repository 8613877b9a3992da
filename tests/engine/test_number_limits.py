"""A running sender takes up account webhook facts: a throughput upgrade speeds it up, a lower
messaging limit stops its claims; a PHONE_NUMBERS rate stays. Real engine, simulator and
database; time is the fake clock's (it moves only when the engine sleeps on its bucket), so
the rate is measured as the engine spaced its requests, not by wall time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.engine.helpers import (
    FakeClock,
    add_contacts,
    make_settings,
    sim_config,
    simulated_client,
)
from wabroadcast.business_numbers import PhoneNumber
from wabroadcast.config import load_settings
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import create_campaign, run_campaign
from wabroadcast.engine.number_limits import number_rate, webhook_daily_limit
from wabroadcast.engine.protocols import RunProgress
from wabroadcast.storage import number_limits
from wabroadcast.storage.db import Database

pytestmark = pytest.mark.anyio
NUMBER = "106540352242922"
DISPLAY = "15550783881"
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def upgrade(database: Database) -> None:
    """A THROUGHPUT_UPGRADE for a number an earlier run already linked to its display."""
    with database.session() as session:
        number_limits.record_throughput(session, DISPLAY, "HIGH", at=AT, now=AT)
        number_limits.remember_phone_number_id(session, DISPLAY, NUMBER)


def limit(database: Database, value: int) -> None:
    with database.session() as session:
        number_limits.record_daily_limit(session, value, at=AT, now=AT)


async def run(
    database: Database, count: int, at_selected: int, change: object, **environ: str
) -> tuple[float, int, CampaignState]:
    """Send `count` contacts; once `at_selected` are claimed, `change(database)` runs (as the
    webhook worker would store it). Returns fake seconds spent, sends claimed, final state."""
    clock = FakeClock()
    add_contacts(database, count)
    with database.session() as session:
        campaign = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=count,
            phone_number_id=NUMBER,
            clock=clock,
        )
        campaign_id = campaign.id
    done = False

    def on_progress(progress: RunProgress) -> None:
        nonlocal done
        if not done and progress.selected >= at_selected:
            done = True
            change(database)  # type: ignore[operator]

    start = clock.now()
    async with simulated_client(sim_config(), clock=clock) as (client, _):
        summary = await run_campaign(
            campaign_id,
            database=database,
            client=client,
            settings=make_settings(database, DAILY_RECIPIENT_LIMIT="100000", **environ),
            clock=clock,
            sleep=clock.sleep,
            on_progress=on_progress,
        )
    return (clock.now() - start).total_seconds(), summary.selected, summary.state


async def test_a_throughput_upgrade_during_a_run_speeds_up_the_rest(database: Database) -> None:
    seconds, selected, state = await run(database, 800, 80, upgrade)
    assert state == CampaignState.COMPLETED and selected == 800
    # 800 at 80 msg/s would take 10 s; about 80-240 at 80 msg/s (≤ 2 s until the next look),
    # the rest at 1,000 msg/s.
    assert seconds < 4.0, seconds


async def test_a_phone_numbers_rate_is_not_raised_during_a_run(database: Database) -> None:
    seconds, selected, _ = await run(database, 200, 20, upgrade, PHONE_NUMBERS=f"{NUMBER}:50")
    assert selected == 200
    assert seconds > 3.5, seconds  # 200 at 50 msg/s: about 4 s


async def test_a_lower_messaging_limit_during_a_run_stops_its_claims(database: Database) -> None:
    _, selected, state = await run(database, 800, 40, lambda db: limit(db, 250))
    assert state == CampaignState.COMPLETED
    assert selected == 250


def test_how_settings_and_webhooks_combine() -> None:
    state = number_limits.NumberState(DISPLAY, NUMBER, "HIGH", AT, 2000, AT, None, None)
    settings = load_settings({}, env_file=None)
    assert number_rate(settings, PhoneNumber(NUMBER, 80.0, None), None) == (80.0, "SEND_RATE")
    assert number_rate(settings, PhoneNumber(NUMBER, 80.0, None), state)[0] == 1000.0
    fixed = PhoneNumber(NUMBER, 20.0, None, rate_configured=True)
    assert number_rate(settings, fixed, state) == (20.0, "PHONE_NUMBERS")
    capped = settings.model_copy(update={"max_send_rate": 300.0})
    assert number_rate(capped, PhoneNumber(NUMBER, 80.0, None), state)[0] == 300.0
    low_cap = settings.model_copy(update={"max_send_rate": 50.0})
    assert number_rate(low_cap, PhoneNumber(NUMBER, 80.0, None), state)[0] == 80.0  # never lower
    assert webhook_daily_limit(None, state) == (2000, "webhook at 2026-11-25 12:00 UTC")
    assert webhook_daily_limit(500, state)[0] == 500  # type: ignore[index]
    assert webhook_daily_limit(5000, state)[0] == 2000  # type: ignore[index]
    unlimited = number_limits.NumberState("portfolio", None, None, None, -1, AT, None, None)
    assert webhook_daily_limit(None, unlimited)[0] is None  # type: ignore[index]
    assert webhook_daily_limit(700, unlimited)[0] == 700  # type: ignore[index]
    assert webhook_daily_limit(700, None) is None
