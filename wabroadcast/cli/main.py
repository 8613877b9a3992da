"""Root of the `wabroadcast` command and the small commands that need no module of their own."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from wabroadcast import __version__
from wabroadcast.business_numbers import configured_numbers
from wabroadcast.cli import campaigns, contacts, history, schedules, sends, simulator, templates
from wabroadcast.cli.common import console, get_settings, open_database
from wabroadcast.cli.serve import serve
from wabroadcast.sandbox import BUILTIN_SIMULATOR_SHOWN, uses_builtin_simulator
from wabroadcast.storage import db as storage_db
from wabroadcast.storage.stats import overview

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
app.command("serve")(serve)
app.command("send")(campaigns.send)
app.command("simulator")(simulator.simulator)


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
    for number in configured_numbers(settings).values():
        limit = (
            f"cap {number.daily_limit:,} recipients a day"
            if number.daily_limit is not None
            else "daily limit from the number's messaging tier"
        )
        console.print(
            f"# number {number.phone_number_id}: {number.send_rate:g} msg/s, {limit}",
            style="dim",
            highlight=False,
        )


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
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Contacts, templates and messages sent, as on the original panel."""
    database = open_database(ctx)
    with database.session() as session:
        numbers = overview(session)
    if as_json:
        console.print_json(json.dumps(numbers))
    else:
        for key, value in numbers.items():
            console.print(f"{key.replace('_', ' ')}: {value}")


def main() -> None:
    app(obj={})
