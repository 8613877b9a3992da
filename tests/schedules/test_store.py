from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.schedules.conftest import add_contacts
from wabroadcast.schedules.models import RunState, ScheduleState
from wabroadcast.schedules.planner import claim_due_days
from wabroadcast.schedules.store import (
    ScheduleInput,
    create_schedule,
    delete_schedule,
    list_schedules,
    pause_schedule,
    progress,
    resume_schedule,
    runs_of,
)
from wabroadcast.schedules.timing import ScheduleError
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import ScheduleRun

# Wednesday 25 November 2026, 08:00 in Istanbul (UTC+3).
T0 = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
DRIP = ScheduleInput("daily_offer", "tr", 225, "10:00", "Europe/Istanbul")


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """Istanbul local time on November `day`, 2026, as UTC."""
    return datetime(2026, 11, day, hour - 3, minute, tzinfo=UTC)


def test_create_computes_next_run_and_progress(database: Database) -> None:
    add_contacts(database, 10_000)
    with database.session() as session:
        schedule = create_schedule(session, DRIP, now=T0)
        assert schedule.next_run_at == _at(25, 10)
        assert schedule.state == ScheduleState.ACTIVE
        numbers = progress(session, schedule)
    assert numbers.eligible == 10_000
    assert numbers.days_remaining == 45
    assert numbers.next_run_on == date(2026, 11, 25)
    assert numbers.finish_on == date(2027, 1, 8)  # 25 Nov + 44 days


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"daily_count": 0}, "between 1 and 10,000,000, got 0"),
        ({"daily_count": 10**20}, "between 1 and 10,000,000"),
        ({"time_of_day": "7pm"}, "HH:MM"),
        ({"time_zone": "Istanbul"}, "unknown time zone"),
        ({"window_start": "09:00"}, "both a start and an end"),
        ({"parameters": {"body": {"1": {"fallback": ""}}}}, "give a field"),
    ],
)
def test_bad_schedules_are_refused(
    database: Database, change: dict[str, object], message: str
) -> None:
    data = ScheduleInput(**{**DRIP.__dict__, **change})  # type: ignore[arg-type]
    with database.session() as session, pytest.raises(ScheduleError, match=message):
        create_schedule(session, data, now=T0)
    with database.session() as session:
        assert list_schedules(session) == []


def test_pause_resume_delete(database: Database) -> None:
    with database.session() as session:
        schedule_id = create_schedule(session, DRIP, now=T0).id
    with database.session() as session:
        paused = pause_schedule(session, schedule_id, now=T0)
        assert (paused.state, paused.next_run_at) == (ScheduleState.PAUSED, None)
        with pytest.raises(ScheduleError, match="is paused, not active"):
            pause_schedule(session, schedule_id, now=T0)
    # Resumed at 11:00: today's 10:00 has passed, so the next run is tomorrow.
    with database.session() as session:
        resumed = resume_schedule(session, schedule_id, now=_at(25, 11))
        assert resumed.next_run_at == _at(26, 10)
        assert "resumed" in (resumed.notes or "")
    with database.session() as session:
        delete_schedule(session, schedule_id)
    with database.session() as session:
        assert list_schedules(session) == []
        with pytest.raises(ScheduleError, match="no schedule with id"):
            delete_schedule(session, schedule_id)


def test_a_day_is_claimed_by_one_process_only(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        with first.session() as session:
            schedule_id = create_schedule(session, DRIP, now=T0).id
        assert claim_due_days(first, _at(25, 9, 59)) == []
        won = claim_due_days(first, _at(25, 10))
        lost = claim_due_days(second, _at(25, 10, 1))
        assert [(d.schedule_id, d.run_date) for d in won] == [(schedule_id, date(2026, 11, 25))]
        assert lost == []
        with second.session() as session:
            runs = session.scalars(select(ScheduleRun)).all()
            assert [(r.run_date, r.state) for r in runs] == [(date(2026, 11, 25), RunState.CLAIMED)]
            schedule = list_schedules(session)[0]
            assert schedule.next_run_at == _at(26, 10)
            assert schedule.last_run_on == date(2026, 11, 25)
    finally:
        first.dispose()
        second.dispose()


def test_missed_days_are_skipped_with_a_note_not_made_up(database: Database) -> None:
    with database.session() as session:
        schedule_id = create_schedule(session, DRIP, now=T0).id
    assert len(claim_due_days(database, _at(25, 10))) == 1
    # Down from the 25th at noon until the 28th at 12:00: the 26th and 27th were missed.
    due = claim_due_days(database, _at(28, 12))
    assert [d.run_date for d in due] == [date(2026, 11, 28)]
    assert claim_due_days(database, _at(28, 12, 5)) == []
    with database.session() as session:
        runs = runs_of(session, schedule_id)
        assert [(r.run_date.day, r.state) for r in runs] == [
            (25, RunState.CLAIMED),
            (26, RunState.SKIPPED),
            (27, RunState.SKIPPED),
            (28, RunState.CLAIMED),
        ]
        notes = list_schedules(session)[0].notes or ""
        assert "2026-11-26 skipped" in notes and "2026-11-27 skipped" in notes
        assert "no day sends more than 225" in notes
    # Back on the 30th before 10:00: the 29th is skipped, the 30th is still ahead.
    assert claim_due_days(database, _at(30, 9)) == []
    with database.session() as session:
        assert [r.run_date.day for r in runs_of(session, schedule_id)][-1] == 29
        assert list_schedules(session)[0].next_run_at == _at(30, 10)
