"""Schedules in the database: create, list, pause, resume, delete, progress, claiming a day.

A day is claimed by inserting its ``schedule_runs`` row in a transaction of its own:
UNIQUE (schedule_id, run_date) lets exactly one of several server processes win, so a day's
contacts are never sent twice as many messages as the schedule allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import Audience, audience_from_json
from wabroadcast.domain.render import RenderError, parse_spec
from wabroadcast.engine.manager import MAX_CAMPAIGN_LIMIT
from wabroadcast.schedules.models import RunState, ScheduleState
from wabroadcast.schedules.timing import (
    ScheduleError,
    Window,
    days_remaining,
    finish_date,
    first_run_at,
    local_date,
    parse_time,
    run_at_after,
    zone,
)
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Schedule, ScheduleRun

MAX_NOTE_LINES = 100


MAX_DAILY_COUNT = MAX_CAMPAIGN_LIMIT
"""The most contacts a schedule may pick per day (the same cap in the CLI, panel and API);
each day's campaign asks for the daily count, so it is the campaigns' bound."""


@dataclass(frozen=True)
class ScheduleInput:
    """What a user gives to create a schedule (CLI, panel or API)."""

    template_name: str
    language: str
    daily_count: int
    time_of_day: str
    time_zone: str
    window_start: str | None = None
    window_end: str | None = None
    window_time_zone: str | None = None
    parameters: dict[str, Any] | None = None
    audience: Audience | None = None
    """Each day's campaign takes this audience (domain/audience.py); None: every contact."""


@dataclass(frozen=True)
class ScheduleForecast:
    """Days remaining = ceil(eligible / daily count); the last day is the finish date."""

    eligible: int
    days_remaining: int
    next_run_on: date | None
    finish_on: date | None


def window_of(schedule: Schedule) -> Window | None:
    if not schedule.window_start or not schedule.window_end:
        return None
    return Window.parse(
        schedule.window_start,
        schedule.window_end,
        schedule.window_time_zone or schedule.time_zone,
    )


def _validate(data: ScheduleInput) -> None:
    if not data.template_name.strip():
        raise ScheduleError("template name is empty")
    if not data.language.strip():
        raise ScheduleError("language is empty (for example tr or en_US)")
    if not 1 <= data.daily_count <= MAX_DAILY_COUNT:
        raise ScheduleError(
            f"daily count must be between 1 and {MAX_DAILY_COUNT:,}, got {data.daily_count:,}"
        )
    parse_time(data.time_of_day, what="time of day")
    zone(data.time_zone)
    if bool(data.window_start) != bool(data.window_end):
        raise ScheduleError("a sending window needs both a start and an end")
    if data.window_start and data.window_end:
        Window.parse(data.window_start, data.window_end, data.window_time_zone or data.time_zone)
    try:
        parse_spec(data.parameters)
    except RenderError as exc:
        raise ScheduleError(str(exc)) from None


def add_note(schedule: Schedule, text: str, now: datetime) -> None:
    """Append a dated line to the schedule's notes (kept to the last 100 lines)."""
    line = f"{now:%Y-%m-%d %H:%M}Z {text}"
    lines = (schedule.notes or "").splitlines() + [line]
    schedule.notes = "\n".join(lines[-MAX_NOTE_LINES:])


def create_schedule(session: Session, data: ScheduleInput, *, now: datetime) -> Schedule:
    _validate(data)
    schedule = Schedule(
        template_name=data.template_name.strip(),
        language=data.language.strip(),
        daily_count=data.daily_count,
        time_of_day=f"{parse_time(data.time_of_day):%H:%M}",
        time_zone=zone(data.time_zone).key,
        window_start=f"{parse_time(data.window_start):%H:%M}" if data.window_start else None,
        window_end=f"{parse_time(data.window_end):%H:%M}" if data.window_end else None,
        window_time_zone=zone(data.window_time_zone).key if data.window_time_zone else None,
        parameters=dict(data.parameters or {}),
        audience=data.audience.to_json() if data.audience is not None else None,
        state=ScheduleState.ACTIVE,
        next_run_at=first_run_at(now, data.time_of_day, data.time_zone),
        created_at=now,
        updated_at=now,
    )
    add_note(schedule, "created", now)
    session.add(schedule)
    session.flush()
    return schedule


def get_schedule(session: Session, schedule_id: int) -> Schedule:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise ScheduleError(f"no schedule with id {schedule_id}")
    return schedule


def list_schedules(session: Session) -> list[Schedule]:
    return list(session.scalars(select(Schedule).order_by(Schedule.id)))


def pause_schedule(session: Session, schedule_id: int, *, now: datetime) -> Schedule:
    """No new day starts while paused; days passed while paused are not 'missed'."""
    schedule = get_schedule(session, schedule_id)
    if schedule.state != ScheduleState.ACTIVE:
        raise ScheduleError(f"schedule {schedule_id} is {schedule.state}, not active")
    schedule.state, schedule.next_run_at, schedule.updated_at = ScheduleState.PAUSED, None, now
    add_note(schedule, "paused", now)
    return schedule


def resume_schedule(session: Session, schedule_id: int, *, now: datetime) -> Schedule:
    """The next run is the next time of day still ahead, on a day that has not run yet."""
    schedule = get_schedule(session, schedule_id)
    if schedule.state != ScheduleState.PAUSED:
        raise ScheduleError(f"schedule {schedule_id} is {schedule.state}, not paused")
    next_run = first_run_at(now, schedule.time_of_day, schedule.time_zone)
    if schedule.last_run_on and local_date(next_run, schedule.time_zone) <= schedule.last_run_on:
        next_run = run_at_after(schedule.last_run_on, schedule.time_of_day, schedule.time_zone)
    schedule.state, schedule.next_run_at, schedule.updated_at = ScheduleState.ACTIVE, next_run, now
    add_note(schedule, "resumed", now)
    return schedule


def delete_schedule(session: Session, schedule_id: int) -> None:
    """Its runs go with it; the campaigns it started and their sends stay."""
    schedule = get_schedule(session, schedule_id)
    for run in session.scalars(select(ScheduleRun).where(ScheduleRun.schedule_id == schedule_id)):
        session.delete(run)
    session.delete(schedule)


def progress(session: Session, schedule: Schedule, now: datetime | None = None) -> ScheduleForecast:
    """The forecast. An audience's reply exclusion is counted as of `now`, by default as of
    the next run (when the next day's contacts are picked)."""
    eligible = send_store.count_eligible(
        session,
        schedule.template_name,
        audience=audience_from_json(schedule.audience),
        now=now or schedule.next_run_at or schedule.updated_at,
    )
    next_on = local_date(schedule.next_run_at, schedule.time_zone) if schedule.next_run_at else None
    active = schedule.state == ScheduleState.ACTIVE and next_on is not None
    return ScheduleForecast(
        eligible=eligible,
        days_remaining=days_remaining(eligible, schedule.daily_count),
        next_run_on=next_on,
        finish_on=finish_date(next_on, eligible, schedule.daily_count)
        if active and next_on
        else None,
    )


def claim_day(
    database: Database,
    schedule_id: int,
    run_date: date,
    *,
    state: RunState,
    now: datetime,
    note: str | None = None,
) -> int | None:
    """Insert the day's run row in its own transaction; None if another process has it."""
    try:
        with database.session() as session:
            run = ScheduleRun(
                schedule_id=schedule_id,
                run_date=run_date,
                state=state,
                note=note,
                claimed_at=now,
                finished_at=now if state in (RunState.SKIPPED, RunState.FAILED) else None,
            )
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        return None


def runs_of(session: Session, schedule_id: int) -> list[ScheduleRun]:
    query = (
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id == schedule_id)
        .order_by(ScheduleRun.run_date)
    )
    return list(session.scalars(query))
