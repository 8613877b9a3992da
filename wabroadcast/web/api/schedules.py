"""/api/schedules: daily drip schedules — create, list, read, pause, resume, delete.

The same store functions as `wabroadcast schedule …` (wabroadcast/schedules/store.py), so a
schedule made here is run by whichever process runs schedules (the server's scheduler or
`wabroadcast schedule run-due`), once per local day.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.domain.audience import AudienceError
from wabroadcast.schedules import store
from wabroadcast.schedules.timing import ScheduleError
from wabroadcast.storage.audiences import check_tags_exist
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Schedule
from wabroadcast.web.api.audience_schemas import AudienceIn
from wabroadcast.web.api.deps import ClockDep, DatabaseDep, SessionDep, check_template
from wabroadcast.web.api.schemas import (
    ScheduleCreate,
    ScheduleDetail,
    SchedulePublic,
    ScheduleRunPublic,
)
from wabroadcast.web.api.tags import audience_or_refuse
from wabroadcast.web.errors import ApiError

router = APIRouter(prefix="/api/schedules", tags=["schedules"])
ScheduleId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Schedule id.")]


def schedule_public(session: Session, schedule: Schedule) -> SchedulePublic:
    numbers = store.progress(session, schedule)
    return SchedulePublic(
        id=schedule.id,
        template_name=schedule.template_name,
        language=schedule.language,
        daily_count=schedule.daily_count,
        time_of_day=schedule.time_of_day,
        time_zone=schedule.time_zone,
        window_start=schedule.window_start,
        window_end=schedule.window_end,
        window_time_zone=schedule.window_time_zone,
        parameters=dict(schedule.parameters or {}),
        audience=AudienceIn.stored(schedule.audience),
        state=schedule.state,
        next_run_at=schedule.next_run_at,
        last_run_on=schedule.last_run_on,
        eligible=numbers.eligible,
        days_remaining=numbers.days_remaining,
        finish_on=numbers.finish_on,
        notes=(schedule.notes or "").splitlines(),
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
    )


def _load(session: Session, schedule_id: int) -> Schedule:
    schedule = session.get(Schedule, schedule_id, populate_existing=True)
    if schedule is None:
        raise ApiError(404, "not_found", f"schedule {schedule_id} does not exist")
    return schedule


@router.post("", status_code=201, response_model=SchedulePublic)
def create(
    body: ScheduleCreate, response: Response, database: DatabaseDep, clock: ClockDep
) -> SchedulePublic:
    """Store the schedule; its first run is the next `time_of_day` still ahead. A template
    the last sync knows is not APPROVED (or not in that language) is refused at once."""
    audience = audience_or_refuse(body.audience)
    data = store.ScheduleInput(**body.model_dump(exclude={"audience"}), audience=audience)
    with database.session() as session:
        check_template(session, body.template_name, body.language)
        if audience is not None:
            try:
                check_tags_exist(session, audience)
            except AudienceError as exc:
                raise ApiError(422, "invalid_audience", str(exc), field="audience") from None
        try:
            schedule = store.create_schedule(session, data, now=clock.now())
        except ScheduleError as exc:  # unknown time zone, half a window, bad parameters …
            raise ApiError(422, "invalid_input", str(exc)) from None
        public = schedule_public(session, schedule)
    response.headers["Location"] = f"/api/schedules/{public.id}"
    return public


@router.get("", response_model=list[SchedulePublic])
def list_schedules(session: SessionDep) -> list[SchedulePublic]:
    """Oldest first, each with days remaining and the date it will finish."""
    return [schedule_public(session, s) for s in store.list_schedules(session)]


@router.get("/{schedule_id}", response_model=ScheduleDetail)
def read(schedule_id: ScheduleId, session: SessionDep) -> ScheduleDetail:
    """The schedule and its days so far (done, skipped while down, failed, …)."""
    schedule = _load(session, schedule_id)
    runs = [
        ScheduleRunPublic(
            run_date=run.run_date, state=run.state, campaign_id=run.campaign_id, note=run.note
        )
        for run in store.runs_of(session, schedule_id)
    ]
    return ScheduleDetail(**schedule_public(session, schedule).model_dump(), runs=runs)


def _change(database: Database, schedule_id: int, action: str, clock: Clock) -> SchedulePublic:
    change = store.pause_schedule if action == "pause" else store.resume_schedule
    with database.session() as session:
        _load(session, schedule_id)
        try:
            schedule = change(session, schedule_id, now=clock.now())
        except ScheduleError as exc:  # not active / not paused
            raise ApiError(409, "conflict", str(exc)) from None
        return schedule_public(session, schedule)


@router.post("/{schedule_id}/pause", response_model=SchedulePublic)
def pause(schedule_id: ScheduleId, database: DatabaseDep, clock: ClockDep) -> SchedulePublic:
    """No new day starts; a day already sending is not interrupted."""
    return _change(database, schedule_id, "pause", clock)


@router.post("/{schedule_id}/resume", response_model=SchedulePublic)
def resume(schedule_id: ScheduleId, database: DatabaseDep, clock: ClockDep) -> SchedulePublic:
    """Runs again from the next time of day; days passed while paused are not made up."""
    return _change(database, schedule_id, "resume", clock)


@router.delete("/{schedule_id}", status_code=204)
def delete(schedule_id: ScheduleId, database: DatabaseDep) -> Response:
    """The schedule and its day records go; the campaigns it started and their sends stay."""
    with database.session() as session:
        _load(session, schedule_id)
        store.delete_schedule(session, schedule_id)
    return Response(status_code=204)
