"""`wabroadcast schedule` commands: daily drip schedules."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import typer
from rich.table import Table

from wabroadcast.cli.audience import (
    EXCLUDE_REPLIED,
    EXCLUDE_TAG,
    MATCH,
    TAG,
    WHERE,
    audience_of,
    check_audience,
)
from wabroadcast.cli.campaigns import cloud_client
from wabroadcast.cli.common import console, fail, get_settings, open_database
from wabroadcast.clock import SystemClock
from wabroadcast.cloudapi.errors import CloudAPIError
from wabroadcast.config import Settings
from wabroadcast.domain.audience import audience_from_json
from wabroadcast.domain.render import RenderError, parse_options
from wabroadcast.engine.manager import CampaignManager
from wabroadcast.schedules import store
from wabroadcast.schedules.runner import Runner, RunReport
from wabroadcast.schedules.timing import ScheduleError
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Schedule

app = typer.Typer(help="Daily drip schedules.", no_args_is_help=True)


def _describe(schedule: Schedule, numbers: store.ScheduleForecast) -> dict[str, Any]:
    window = store.window_of(schedule)
    return {
        "id": schedule.id,
        "template": schedule.template_name,
        "language": schedule.language,
        "daily_count": schedule.daily_count,
        "time": f"{schedule.time_of_day} {schedule.time_zone}",
        "window": window.describe() if window else None,
        "audience": audience_from_json(schedule.audience).describe(),
        "state": schedule.state,
        "next_run_at": schedule.next_run_at.isoformat() if schedule.next_run_at else None,
        "last_run_on": schedule.last_run_on.isoformat() if schedule.last_run_on else None,
        "eligible": numbers.eligible,
        "days_remaining": numbers.days_remaining,
        "finish_on": numbers.finish_on.isoformat() if numbers.finish_on else None,
    }


def _window(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    start, sep, end = value.partition("-")
    if not sep:
        fail(f"--window must be START-END such as 09:00-20:00, got {value!r}")
    return start.strip(), end.strip()


@app.command("create")
def create(
    ctx: typer.Context,
    template: str = typer.Argument(..., help="Template name, e.g. daily_offer."),
    language: str = typer.Option(..., help="Template language, e.g. tr or en_US."),
    daily: int = typer.Option(..., help="Contacts per day, e.g. 225."),
    at: str = typer.Option(..., "--at", help="Local time of day to start, HH:MM."),
    tz: str = typer.Option(..., "--tz", help="IANA time zone, e.g. Europe/Istanbul."),
    window: str | None = typer.Option(None, help="Sending window START-END, e.g. 09:00-20:00."),
    window_tz: str | None = typer.Option(None, help="Time zone of the window (default: --tz)."),
    param: list[str] = typer.Option(
        [], "--param", help="Body variable: 1=name:Fallback, 2=attributes.city, 3==fixed text."
    ),
    header: str | None = typer.Option(
        None, help="Media header: image=https://… or document=<uploaded media id>."
    ),
    button: list[str] = typer.Option([], "--button", help="Button value: 1=attributes.code."),
    tag: list[str] = TAG,
    match: str = MATCH,
    where: list[str] = WHERE,
    exclude_tag: list[str] = EXCLUDE_TAG,
    exclude_replied_days: int | None = EXCLUDE_REPLIED,
) -> None:
    """Send TEMPLATE to the next DAILY contacts every day at --at until everyone has it."""
    start, end = _window(window)
    audience = audience_of(tag, match, where, exclude_tag, exclude_replied_days)
    database = open_database(ctx)
    check_audience(database, audience)
    clock = SystemClock()
    try:
        data = store.ScheduleInput(
            template_name=template,
            language=language,
            daily_count=daily,
            time_of_day=at,
            time_zone=tz,
            window_start=start,
            window_end=end,
            window_time_zone=window_tz,
            parameters=parse_options(param, header, button),
            audience=audience,
        )
        with database.session() as session:
            schedule = store.create_schedule(session, data, now=clock.now())
            row = _describe(schedule, store.progress(session, schedule))
    except (ScheduleError, RenderError) as exc:
        fail(str(exc))
    console.print(
        f"schedule {row['id']}: {row['template']} ({row['language']}) to {row['daily_count']} "
        f"contacts a day at {row['time']}; next run {row['next_run_at']}; "
        f"{row['eligible']} eligible → {row['days_remaining']} days, last on {row['finish_on']}",
        highlight=False,
    )


@app.command("list")
def list_command(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Schedules with their next run, days remaining and finish date."""
    database = open_database(ctx)
    with database.session() as session:
        rows = [_describe(s, store.progress(session, s)) for s in store.list_schedules(session)]
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        console.print("no schedules: create one with `wabroadcast schedule create`")
        return
    table = Table("id", "template", "daily", "time", "window", "state", "next run", "days left")
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['template']} ({row['language']})",
            str(row["daily_count"]),
            row["time"],
            row["window"] or "",
            row["state"],
            row["next_run_at"] or "",
            f"{row['days_remaining']} (until {row['finish_on']})" if row["finish_on"] else "0",
        )
    console.print(table)


@app.command("show")
def show(ctx: typer.Context, schedule_id: int = typer.Argument(..., help="Schedule id.")) -> None:
    """One schedule, its days so far and its notes (skipped days, refusals)."""
    database = open_database(ctx)
    with database.session() as session:
        try:
            schedule = store.get_schedule(session, schedule_id)
        except ScheduleError as exc:
            fail(str(exc))
        row = _describe(schedule, store.progress(session, schedule))
        runs = store.runs_of(session, schedule_id)
        notes = schedule.notes or ""
    for key, value in row.items():
        console.print(f"{key}: {'' if value is None else value}", highlight=False)
    for run in runs:
        campaign = f" campaign {run.campaign_id}" if run.campaign_id else ""
        console.print(f"{run.run_date}: {run.state}{campaign} {run.note or ''}", highlight=False)
    if notes:
        console.print("notes:\n" + notes, highlight=False)


def _change(ctx: typer.Context, schedule_id: int, action: str) -> None:
    database = open_database(ctx)
    now = SystemClock().now()
    try:
        with database.session() as session:
            if action == "pause":
                store.pause_schedule(session, schedule_id, now=now)
            elif action == "resume":
                schedule = store.resume_schedule(session, schedule_id, now=now)
                console.print(f"next run {schedule.next_run_at}", highlight=False)
            else:
                store.delete_schedule(session, schedule_id)
    except ScheduleError as exc:
        fail(str(exc))
    console.print(f"schedule {schedule_id}: {action}d", highlight=False)


@app.command("pause")
def pause(ctx: typer.Context, schedule_id: int = typer.Argument(..., help="Schedule id.")) -> None:
    """Stop starting new days (a day already sending is not interrupted)."""
    _change(ctx, schedule_id, "pause")


@app.command("resume")
def resume(ctx: typer.Context, schedule_id: int = typer.Argument(..., help="Schedule id.")) -> None:
    """Start again from the next time of day; days passed while paused are not made up."""
    _change(ctx, schedule_id, "resume")


@app.command("delete")
def delete(ctx: typer.Context, schedule_id: int = typer.Argument(..., help="Schedule id.")) -> None:
    """Delete the schedule and its day records; its campaigns and sends stay."""
    _change(ctx, schedule_id, "delete")


async def _run_due(
    database: Database, settings: Settings, loop: bool, interval: float
) -> list[RunReport]:
    async with cloud_client(settings, database) as client:
        manager = CampaignManager(
            database, settings, SystemClock(), lambda: client, client_for=lambda _number: client
        )
        runner = Runner(manager)
        if loop:
            await runner.run_forever(interval)
        return await runner.run_due()


@app.command("run-due")
def run_due(
    ctx: typer.Context,
    loop: bool = typer.Option(False, "--loop", help="Keep running, checking every --interval."),
    interval: float = typer.Option(30.0, min=1.0, help="Seconds between checks with --loop."),
) -> None:
    """Start every day that is due now (safe to run from cron on several machines)."""
    settings = get_settings(ctx)
    database = open_database(ctx)
    try:
        reports = asyncio.run(_run_due(database, settings, loop, interval))
    except (CloudAPIError, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if not reports:
        console.print("nothing due")
    for report in reports:
        campaign = f" campaign {report.campaign_id}" if report.campaign_id else ""
        console.print(
            f"schedule {report.schedule_id} {report.run_date}: {report.state}{campaign}"
            f" {report.note or ''}".rstrip(),
            highlight=False,
        )
