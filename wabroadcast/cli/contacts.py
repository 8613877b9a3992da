"""`wabroadcast contacts` commands: import, list, count."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import phonenumbers
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from wabroadcast.cli.audience import tag_app
from wabroadcast.cli.common import console, fail, get_settings, open_database
from wabroadcast.contacts.encodings import UnreadableFile
from wabroadcast.contacts.importing import import_contacts
from wabroadcast.contacts.report import Rejection, ReportWriter
from wabroadcast.storage.contacts import count_contacts, find_contacts
from wabroadcast.storage.tables import Contact
from wabroadcast.storage.tags import tags_of

app = typer.Typer(help="Contacts.", no_args_is_help=True)
app.add_typer(tag_app, name="tag")

SHOWN_REJECTIONS = 20
"""Bad rows printed on the terminal; --report FILE gets all of them."""


def check_region(region: str) -> str:
    region = region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        fail(f"unknown region {region!r}; use a two-letter code such as TR, DE or US")
    return region


class RejectionPrinter:
    """Prints the first bad rows and writes every one to the report, as they are found."""

    def __init__(self, report: ReportWriter | None, print_line: Callable[[str], None]) -> None:
        self.report = report
        self.print_line = print_line
        self.seen = 0

    def __call__(self, rejection: Rejection) -> None:
        self._show("rejected", rejection)

    def skipped(self, entry: Rejection) -> None:
        """An entry left out on purpose (history import --no-new-contacts)."""
        self._show("skipped", entry)

    def _show(self, label: str, rejection: Rejection) -> None:
        self.seen += 1
        if self.report is not None:
            self.report.write(rejection)
        if self.seen <= SHOWN_REJECTIONS:
            self.print_line(f"[yellow]{label}[/] {escape(str(rejection))}")

    def footer(self) -> str | None:
        hidden = self.seen - SHOWN_REJECTIONS
        if self.report is not None and self.seen:
            return f"all {self.seen} problems written to {self.report.path}"
        if hidden > 0:
            return f"... and {hidden} more; --report FILE writes the full list"
        return None


@contextmanager
def import_progress(
    path: Path, report_path: Path | None
) -> Iterator[tuple[Progress, Any, RejectionPrinter]]:
    """A byte-based progress bar, and a printer for rejections that keeps the bar intact."""
    try:
        total = path.stat().st_size
    except OSError as exc:
        fail(f"cannot open {path}: {exc.strerror or exc}")
    report = None
    if report_path is not None:
        try:
            report = ReportWriter(report_path)
        except OSError as exc:
            fail(f"cannot write the report {report_path}: {exc.strerror or exc}")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    printer = RejectionPrinter(
        report, lambda text: progress.console.print(text, highlight=False, soft_wrap=True)
    )
    try:
        with progress:
            task = progress.add_task(f"importing {path.name}", total=total)
            yield progress, task, printer
    finally:
        if report is not None:
            report.close()
    footer = printer.footer()
    if footer:
        console.print(footer, highlight=False, soft_wrap=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="contacts_with_index.json or a CSV file."),
    file_format: str | None = typer.Option(
        None, "--format", help="json or csv (default: from the file name)."
    ),
    region: str | None = typer.Option(
        None,
        "--region",
        help="Region for numbers without a country code (default: DEFAULT_REGION).",
    ),
    phone_column: str | None = typer.Option(None, help="CSV column holding the number."),
    name_column: str | None = typer.Option(None, help="CSV column holding the name."),
    encoding: str = typer.Option("utf-8", help="File encoding, e.g. cp1254 for old Excel files."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count; write nothing."),
    report: Path | None = typer.Option(None, help="Write every rejected row to this CSV file."),
) -> None:
    """Import contacts; bad rows are reported with their line and the good ones imported."""
    settings = get_settings(ctx)
    region = check_region(region or settings.default_region)
    database = open_database(ctx)
    if file_format is not None and file_format.lower() not in ("json", "csv"):
        fail(f"unknown format {file_format!r}; use json or csv")
    with import_progress(file, report) as (progress, task, printer):
        try:
            summary = import_contacts(
                database,
                file,
                file_format=file_format.lower() if file_format else None,
                region=region,
                encoding=encoding,
                phone_column=phone_column,
                name_column=name_column,
                dry_run=dry_run,
                on_rejection=printer,
                on_progress=lambda done: progress.update(task, completed=done),
            )
        except UnreadableFile as exc:
            fail(str(exc))
    note = " (dry run: nothing written)" if dry_run else ""
    console.print(
        f"imported {summary.imported}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, rejected {summary.rejected}{note}",
        highlight=False,
        soft_wrap=True,
    )


def _contact_json(contact: Contact, tags: list[str]) -> dict[str, Any]:
    return {
        "id": contact.id,
        "phone": contact.phone,
        "user_id": contact.user_id,
        "name": contact.name,
        "index": contact.index,
        "attributes": contact.attributes,
        "tags": tags,
        "opted_out_at": contact.opted_out_at.isoformat() if contact.opted_out_at else None,
        "unreachable_at": contact.unreachable_at.isoformat() if contact.unreachable_at else None,
    }


@app.command("list")
def list_command(
    ctx: typer.Context,
    search: str | None = typer.Option(
        None, help="Part of a name (case and accents ignored) or of a number (any format)."
    ),
    tag: str | None = typer.Option(None, "--tag", help="Only contacts with this tag."),
    limit: int = typer.Option(50, min=1, max=10000, help="At most this many contacts."),
    offset: int = typer.Option(0, min=0, help="Skip this many first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Contacts in send order."""
    settings = get_settings(ctx)
    database = open_database(ctx)
    with database.session() as session:
        contacts = find_contacts(
            session,
            search=search,
            region=settings.default_region,
            tag=tag,
            limit=limit,
            offset=offset,
            count=False,
        ).contacts
        tags = tags_of(session, [c.id for c in contacts])
    if as_json:
        console.print_json(json.dumps([_contact_json(c, tags[c.id]) for c in contacts]))
        return
    table = Table("index", "phone", "name", "tags", "attributes", "status")
    for contact in contacts:
        status = "opted out" if contact.opted_out_at else ""
        status = status or ("unreachable" if contact.unreachable_at else "")
        attributes = (
            json.dumps(contact.attributes, ensure_ascii=False) if contact.attributes else ""
        )
        table.add_row(
            str(contact.index or ""),
            contact.phone or contact.user_id or "",  # a contact known only by BSUID
            contact.name or "",
            ", ".join(tags[contact.id]),
            attributes,
            status,
        )
    console.print(table)


@app.command("count")
def count_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """How many contacts, opted out and unreachable."""
    database = open_database(ctx)
    with database.session() as session:
        counts = count_contacts(session)
    numbers = {
        "total": counts.total,
        "opted_out": counts.opted_out,
        "unreachable": counts.unreachable,
    }
    if as_json:
        console.print_json(json.dumps(numbers))
    else:
        for key, value in numbers.items():
            console.print(f"{key.replace('_', ' ')}: {value}", highlight=False)
