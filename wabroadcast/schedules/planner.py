"""Which days are due: claim today's run once, skip missed days with a note.

A day whose time passed while no process was running is *skipped*, not made up: making it up
the next day would send that day's contacts twice the daily count, which is what the
schedule promises not to do. Its contacts simply stay eligible for the following days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from wabroadcast.schedules.models import RunState, ScheduleState
from wabroadcast.schedules.store import add_note, claim_day
from wabroadcast.schedules.timing import at_local, local_date, parse_time, run_at_after
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Schedule

MAX_SKIP_NOTES = 31
"""A schedule down for months gets one summary line instead of a note per day."""


@dataclass(frozen=True)
class DueDay:
    """A day this process has claimed and must start."""

    schedule_id: int
    run_id: int
    run_date: date


@dataclass(frozen=True)
class _Plan:
    schedule_id: int
    missed: list[date]
    today: date | None
    next_run_at: datetime


def _plan(schedule: Schedule, now: datetime) -> _Plan:
    assert schedule.next_run_at is not None
    tz, at = schedule.time_zone, parse_time(schedule.time_of_day)
    first = local_date(schedule.next_run_at, tz)
    if schedule.last_run_on is not None:
        first = max(first, schedule.last_run_on + timedelta(days=1))
    today = local_date(now, tz)
    today_due = at_local(today, at, tz) <= now
    missed = [first + timedelta(days=n) for n in range((today - first).days)]
    next_run_at = (
        run_at_after(today, schedule.time_of_day, tz) if today_due else at_local(today, at, tz)
    )
    return _Plan(
        schedule_id=schedule.id,
        missed=missed,
        today=today if today_due and today >= first else None,
        next_run_at=max(next_run_at, schedule.next_run_at),
    )


def _skip_note(schedule: Schedule, day: date) -> str:
    return (
        f"{day:%Y-%m-%d} skipped: nothing was running at {schedule.time_of_day} "
        f"{schedule.time_zone}; not made up, so no day sends more than {schedule.daily_count}"
    )


def claim_due_days(database: Database, now: datetime) -> list[DueDay]:
    """Skip missed days, claim today's run where due, move each schedule's next run on.

    Safe with several processes: each day is a UNIQUE (schedule_id, run_date) row, and the
    process whose insert fails simply leaves that day to the winner.
    """
    with database.session() as session:
        query = select(Schedule).where(
            Schedule.state == ScheduleState.ACTIVE, Schedule.next_run_at <= now
        )
        plans = [_plan(schedule, now) for schedule in session.scalars(query)]
    due: list[DueDay] = []
    for plan in plans:
        skipped = [day for day in plan.missed if _claim_skip(database, plan.schedule_id, day, now)]
        run_id = None
        if plan.today is not None:
            run_id = claim_day(
                database, plan.schedule_id, plan.today, state=RunState.CLAIMED, now=now
            )
        with database.session() as session:
            schedule = session.get(Schedule, plan.schedule_id)
            if schedule is None:  # deleted meanwhile
                continue
            _note_skips(schedule, skipped, now)
            if run_id is not None and plan.today is not None:
                schedule.last_run_on = plan.today
                due.append(DueDay(plan.schedule_id, run_id, plan.today))
            if schedule.state == ScheduleState.ACTIVE:
                schedule.next_run_at = max(schedule.next_run_at or now, plan.next_run_at)
            schedule.updated_at = now
    return due


def _claim_skip(database: Database, schedule_id: int, day: date, now: datetime) -> bool:
    note = "missed: nothing was running at the schedule's time; not made up"
    run_id = claim_day(database, schedule_id, day, state=RunState.SKIPPED, now=now, note=note)
    return run_id is not None


def _note_skips(schedule: Schedule, skipped: list[date], now: datetime) -> None:
    if len(skipped) <= MAX_SKIP_NOTES:
        for day in skipped:
            add_note(schedule, _skip_note(schedule, day), now)
    else:
        add_note(
            schedule,
            f"{len(skipped)} days skipped ({skipped[0]:%Y-%m-%d} to {skipped[-1]:%Y-%m-%d}): "
            "nothing was running at their time; not made up",
            now,
        )
