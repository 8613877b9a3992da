"""`wabroadcast history` commands: bring over what the original tool already sent."""

from __future__ import annotations

from pathlib import Path

import typer

from wabroadcast.cli.common import console, fail, get_settings, open_database
from wabroadcast.cli.contacts import check_region, import_progress
from wabroadcast.contacts.encodings import UnreadableFile
from wabroadcast.contacts.history import import_history

app = typer.Typer(help="History.", no_args_is_help=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The original tool's message_history.json."),
    region: str | None = typer.Option(
        None,
        "--region",
        help="Region for numbers without a country code (default: DEFAULT_REGION).",
    ),
    encoding: str = typer.Option("utf-8", help="File encoding."),
    report: Path | None = typer.Option(None, help="Write every rejected entry to this CSV file."),
) -> None:
    """Record {"template": ["phone", ...]} as already sent, so nothing is sent twice."""
    settings = get_settings(ctx)
    region = check_region(region or settings.default_region)
    database = open_database(ctx)
    with import_progress(file, report) as (progress, task, printer):
        try:
            summary = import_history(
                database,
                file,
                region=region,
                encoding=encoding,
                on_rejection=printer,
                on_progress=lambda done: progress.update(task, completed=done),
            )
        except UnreadableFile as exc:
            fail(str(exc))
    console.print(
        f"templates {summary.templates}: sends imported {summary.imported}, already recorded "
        f"{summary.already_recorded}, contacts created {summary.contacts_created}, "
        f"rejected {summary.rejected}",
        highlight=False,
        soft_wrap=True,
    )
