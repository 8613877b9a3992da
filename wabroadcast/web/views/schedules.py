"""The schedules page: daily drips with days remaining, finish date, next run and notes;
a form to create one; pause, resume and delete buttons (CSRF-protected POSTs).

The same store functions as the CLI and /api/schedules, so the three never disagree about
what a schedule is or when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import AudienceError
from wabroadcast.domain.render import RenderError
from wabroadcast.schedules import store
from wabroadcast.schedules.timing import ScheduleError
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.audiences import check_tags_exist
from wabroadcast.storage.tables import Schedule
from wabroadcast.web.audience_reasons import audience_text
from wabroadcast.web.auth import require_csrf
from wabroadcast.web.i18n import Translator
from wabroadcast.web.reasons import api_error_text
from wabroadcast.web.views.campaigns import parse_id
from wabroadcast.web.views.render import Panel
from wabroadcast.web.views.send import (
    AUDIENCE_FIELDS,
    SendForm,
    parameters_from_lines,
    stored_templates,
)

ACTIONS = ("pause", "resume", "delete")
NOTES_SHOWN = 5
FIELDS = (
    "template",
    "language",
    "daily_count",
    "time_of_day",
    "time_zone",
    "window_start",
    "window_end",
    "parameters",
    *AUDIENCE_FIELDS,
)
DEFAULTS = {"daily_count": "225", "time_of_day": "10:00", "time_zone": "Europe/Istanbul"}


@dataclass(frozen=True)
class ScheduleRow:
    """One line of the table: the schedule and what store.progress computed for it."""

    schedule: Schedule
    progress: store.ScheduleForecast
    window: str | None
    notes: list[str]
    missed: int


def schedule_rows(session: Session) -> list[ScheduleRow]:
    rows = []
    for schedule in store.list_schedules(session):
        window = store.window_of(schedule)
        notes = (schedule.notes or "").splitlines()
        rows.append(
            ScheduleRow(
                schedule=schedule,
                progress=store.progress(session, schedule),
                window=window.describe() if window else None,
                notes=notes[-NOTES_SHOWN:],
                missed=sum(" skipped: " in line for line in notes),
            )
        )
    return rows


def form_values(raw: Any) -> dict[str, str]:
    values = {}
    for key in FIELDS:
        value = raw.get(key)
        text = value.strip() if isinstance(value, str) else ""
        values[key] = text[:4000] if key in ("parameters", "where") else text[:2000]
    return values


def schedule_input(values: dict[str, str], t: Translator) -> store.ScheduleInput:
    """The form as a ScheduleInput; raises ScheduleError with the field's problem."""
    if not values["template"]:
        raise ScheduleError(t("schedules.error.template"))
    if not values["language"]:
        raise ScheduleError(t("schedules.error.language"))
    try:
        daily = int(values["daily_count"])
    except ValueError:
        raise ScheduleError(t("schedules.error.daily_count")) from None
    try:
        parameters = parameters_from_lines(values["parameters"])
    except RenderError as exc:
        raise ScheduleError(str(exc)) from None
    try:
        audience = SendForm.from_values(values).audience()
    except AudienceError as exc:
        raise ScheduleError(t("send.error.audience", reason=audience_text(str(exc), t))) from None
    return store.ScheduleInput(
        template_name=values["template"],
        language=values["language"],
        daily_count=daily,
        time_of_day=values["time_of_day"],
        time_zone=values["time_zone"],
        window_start=values["window_start"] or None,
        window_end=values["window_end"] or None,
        parameters=parameters,
        audience=audience,
    )


def routes(panel: Panel) -> APIRouter:
    router = APIRouter()

    def render(
        request: Request,
        *,
        form: dict[str, str] | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        t = panel.translator(request)
        flashes = []
        done = request.query_params.get("done")
        if request.method == "GET" and done in ACTIONS + ("create",):
            flashes.append(("ok", t("schedules.done." + str(done))))
        with panel.database.session() as session:
            rows = schedule_rows(session)
            templates = stored_templates(session)
            return panel.page(
                request,
                "schedules.html",
                nav="schedules",
                status_code=status,
                path="/schedules",
                rows=rows,
                templates=templates,
                form=form or {**dict.fromkeys(FIELDS, ""), **DEFAULTS},
                error=error,
                flashes=flashes,
            )

    @router.get("/schedules", response_class=HTMLResponse)
    def schedule_list(request: Request) -> Response:
        return render(request)

    @router.post("/schedules", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
    async def create(request: Request) -> Response:
        """Create from the form; a wrong field re-draws the form with what was typed."""
        t = panel.translator(request)
        values = form_values(await request.form())
        try:
            data = schedule_input(values, t)
            with panel.database.session() as session:
                template_store.check_sendable(session, data.template_name, data.language)
                if data.audience is not None:
                    check_tags_exist(session, data.audience)
                store.create_schedule(session, data, now=panel.clock.now())
        except ValueError as exc:  # ScheduleError, TemplateNotSendable: say what is wrong
            return render(request, form=values, error=api_error_text(str(exc), t), status=400)
        return RedirectResponse("/schedules?done=create", status_code=303)

    @router.post("/schedules/{raw_id}/{action}", dependencies=[Depends(require_csrf)])
    def change(request: Request, raw_id: str, action: str) -> Response:
        t = panel.translator(request)
        schedule_id = parse_id(raw_id)
        if schedule_id is None or action not in ACTIONS:
            message = t("schedules.not_found", id=raw_id)
            return panel.error_page(request, 404, "error.not_found", message)
        now = panel.clock.now()
        with panel.database.session() as session:
            if session.get(Schedule, schedule_id) is None:
                message = t("schedules.not_found", id=raw_id)
                return panel.error_page(request, 404, "error.not_found", message)
            try:
                if action == "pause":
                    store.pause_schedule(session, schedule_id, now=now)
                elif action == "resume":
                    store.resume_schedule(session, schedule_id, now=now)
                else:
                    store.delete_schedule(session, schedule_id)
            except ScheduleError as exc:  # already paused / not paused
                session.rollback()
                return render(request, error=api_error_text(str(exc), t), status=409)
        return RedirectResponse(f"/schedules?done={action}", status_code=303)

    return router
