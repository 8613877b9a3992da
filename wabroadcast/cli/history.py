"""`wabroadcast history` commands: bring over what the original tool already sent."""

from __future__ import annotations

from pathlib import Path

import typer

from wabroadcast.cli.common import console, fail, get_settings, open_database
from wabroadcast.cli.contacts import check_region, import_progress
from wabroadcast.contacts.encodings import UnreadableFile
from wabroadcast.contacts.history import HistorySummary, import_history

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
    report: Path | None = typer.Option(
        None, help="Write every rejected (and skipped) entry to this CSV file."
    ),
    no_new_contacts: bool = typer.Option(
        False,
        "--no-new-contacts",
        help="Skip entries whose number is not in the contact list (counted and listed) "
        "instead of adding it as a contact without a name.",
    ),
) -> None:
    """Record {"template": ["phone", ...]} as already sent, so nothing is sent twice.

    A number that is not in the contact list becomes a contact without a name (the summary
    counts them), unless --no-new-contacts is given."""
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
                on_skip=printer.skipped if no_new_contacts else None,
            )
        except UnreadableFile as exc:
            fail(str(exc))
    for line in summary_lines(summary, no_new_contacts=no_new_contacts):
        console.print(line, highlight=False, soft_wrap=True)


def summary_lines(summary: HistorySummary, *, no_new_contacts: bool) -> list[str]:
    """The counts, then what happened to numbers that were not in the contact list."""
    lines = [
        f"templates {summary.templates}: sends imported {summary.imported}, already recorded "
        f"{summary.already_recorded}, rejected {summary.rejected}"
    ]
    if no_new_contacts:
        lines.append(
            f"skipped {summary.skipped}: entries whose number is not in the contact list "
            "(--no-new-contacts); no contact was created"
        )
    elif summary.contacts_created:
        lines.append(
            f"contacts created {summary.contacts_created}: numbers that were not in the "
            "contact list, added without a name (--no-new-contacts skips them instead)"
        )
    else:
        lines.append("contacts created 0: every number was already in the contact list")
    return lines
