"""Root of the `wabroadcast` command and the small commands that need no module of their own."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from wabroadcast import __version__
from wabroadcast.business_numbers import configured_numbers
from wabroadcast.cli import (
    ab_tests,
    campaigns,
    contacts,
    history,
    schedules,
    sends,
    simulator,
    templates,
)
from wabroadcast.cli.common import console, get_settings, open_database
from wabroadcast.cli.serve import serve
from wabroadcast.clock import SystemClock
from wabroadcast.config import Settings
from wabroadcast.engine.number_limits import READ_AT_START, NumberLimits, stored_number_limits
from wabroadcast.sandbox import BUILTIN_SIMULATOR_SHOWN, uses_builtin_simulator
from wabroadcast.storage import db as storage_db
from wabroadcast.storage.stats import overview
from wabroadcast.storage.template_rates import RATE_SERIES, template_rates

app = typer.Typer(
    name="wabroadcast",
    help="Broadcast approved WhatsApp templates to your contacts, each contact at most once.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(contacts.app, name="contacts")
app.add_typer(history.app, name="history")
app.add_typer(templates.app, name="templates")
app.add_typer(campaigns.app, name="campaign")
app.add_typer(sends.app, name="sends")
app.add_typer(schedules.app, name="schedule")
app.add_typer(ab_tests.app, name="ab-test")
app.command("serve")(serve)
app.command("send")(campaigns.send)
app.command("simulator")(simulator.simulator)
app.command("simulator-event")(simulator.simulator_event)


def _version(value: bool) -> None:
    if value:
        console.print(f"wabroadcast {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    env_file: Path = typer.Option(Path(".env"), "--env-file", help="Settings file to read."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Settings come from the environment and from --env-file (default .env)."""
    ctx.ensure_object(dict)
    ctx.obj["env_file"] = env_file


@app.command("config")
def show_config(ctx: typer.Context) -> None:
    """Print the effective settings, every secret masked."""
    settings = get_settings(ctx)
    shown = settings.masked()
    builtin = uses_builtin_simulator(settings)
    if builtin:
        shown["GRAPH_API_URL"] = BUILTIN_SIMULATOR_SHOWN
    for name, value in shown.items():
        console.print(f"{name}={value}", highlight=False, soft_wrap=True)
    if builtin:
        mode = "sandbox (built-in simulator)"
    elif settings.sandbox:
        mode = f"sandbox (no access token; simulator at {settings.graph_api_url})"
    else:
        mode = f"live ({settings.graph_api_url})"
    console.print(f"# mode: {mode}", style="dim", highlight=False)
    for line in number_lines(settings):
        console.print(line, style="dim", highlight=False, soft_wrap=True)


def _stored_limits(settings: Settings) -> list[NumberLimits] | None:
    """What account webhooks told this installation, if its database exists and has it; the
    config command never creates a database (nor a SQLite file)."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None
    try:
        database = storage_db.Database(url, migrate=False)
    except Exception:  # config must print even when the database is down
        return None
    try:
        return stored_number_limits(database, settings)
    except Exception:  # not migrated yet (no business_number_limits table): settings only
        return None
    finally:
        database.dispose()


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else "?"


def number_lines(settings: Settings) -> list[str]:
    """`# number …` lines: rate, daily limit and quality, each with where it came from."""
    stored = {n.phone_number_id: n for n in _stored_limits(settings) or []}
    lines = []
    for number in configured_numbers(settings).values():
        known = stored.get(number.phone_number_id)
        if known is None:
            source = "PHONE_NUMBERS" if number.rate_configured else "SEND_RATE"
            known = NumberLimits(
                phone_number_id=number.phone_number_id,
                send_rate=number.send_rate,
                rate_source=source,
                daily_limit=number.daily_limit,
                daily_source="setting" if number.daily_limit is not None else READ_AT_START,
            )
        if known.daily_source == READ_AT_START:
            limit = f"daily limit {READ_AT_START}"
        elif known.daily_limit is None:
            limit = f"no daily limit ({known.daily_source})"
        else:
            limit = f"cap {known.daily_limit:,} recipients a day ({known.daily_source})"
        rate = f"{known.send_rate:g} msg/s ({known.rate_source})"
        line = f"# number {number.phone_number_id}: {rate}, {limit}"
        if known.quality_event is not None:
            line += f", last quality event {known.quality_event} at {_when(known.quality_at)}"
        lines.append(line)
    return lines


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    revision: str = typer.Argument("head", help="Alembic revision to upgrade to."),
) -> None:
    """Apply database migrations (the server and the CLI also do this on an empty database)."""
    settings = get_settings(ctx)
    database = storage_db.Database(settings.database_url, migrate=False)
    storage_db.upgrade(database.engine, revision)
    console.print(f"database at revision {storage_db.current_revision(database.engine)}")


@app.command("stats")
def stats(
    ctx: typer.Context,
    days: int = typer.Option(
        30, "--days", min=1, max=366, help="Days of per-template rates, today (UTC) included."
    ),
    template: str | None = typer.Option(
        None, "--template", "-t", help="Rates of this template only."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Contacts, templates and messages sent, as on the original panel, then per template
    and UTC day of sending the delivered, read and reply rates (as on the stats page)."""
    if template is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in template):
        raise typer.BadParameter("holds a control character", param_hint="--template")
    database = open_database(ctx)
    today = SystemClock().now().date()
    with database.session() as session:
        numbers = overview(session)
        rates = template_rates(session, today=today, days=days, template=template)
    if as_json:
        console.print_json(json.dumps(numbers | {"template_rates": [r.as_json() for r in rates]}))
        return
    for key, value in numbers.items():
        console.print(f"{key.replace('_', ' ')}: {value}")
    console.print(f"rates per template, last {days} days (UTC day of sending):")
    table = Table("template", "day", "sent", *RATE_SERIES)
    for row in rates:
        shares = [f"{row.count(name)} ({row.rate(name):.0%})" for name in RATE_SERIES]
        table.add_row(escape(row.template), row.day.isoformat(), str(row.sent), *shares)
    console.print(table if rates else "  no template was sent in this period")


def main() -> None:
    app(obj={})
