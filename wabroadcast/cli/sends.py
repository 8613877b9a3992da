"""`wabroadcast sends` commands: sends whose outcome is unknown, releasing them, exports.

An `unknown` send may have reached the person (a timeout after the request was written, or a
crash between claim and answer); the engine never re-sends it. A status webhook carrying its
`biz_opaque_callback_data` turns it into `accepted`; the rest wait for a person to decide.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from wabroadcast.cli.common import console, fail, open_database
from wabroadcast.clock import SystemClock
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.send_results import SendFilter
from wabroadcast.web.exports import FORMATS, csv_chunks, xlsx_bytes

app = typer.Typer(
    help="Sends: unknown outcomes, releasing them, exporting them.", no_args_is_help=True
)

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`24h`, `90m`, `2d`, `30s` → timedelta; anything else is a clear error."""
    match = _DURATION.match(text.lower())
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration; use e.g. 24h, 90m, 2d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@app.command("unknown")
def unknown(
    ctx: typer.Context,
    limit: int = typer.Option(100, "--limit", "-n", min=1, help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Sends that may or may not have reached the person; never re-sent automatically."""
    database = open_database(ctx)
    now = SystemClock().now()
    with database.session() as session:
        total = send_store.count_unknown(session)
        rows = send_store.list_unknown(session, limit=limit)
    if as_json:
        items = [
            {
                "send_id": s.id,
                "campaign_id": s.campaign_id,
                "template": s.template_name,
                "language": s.language,
                "phone": s.phone,
                "claimed_at": s.claimed_at.isoformat(),
            }
            for s in rows
        ]
        console.print_json(json.dumps({"total": total, "sends": items}))
        return
    if not total:
        console.print("no sends with an unknown outcome")
        return
    table = Table("send", "campaign", "template", "phone", "claimed", "age")
    for s in rows:
        age = now - s.claimed_at
        table.add_row(
            str(s.id),
            str(s.campaign_id or ""),
            f"{s.template_name} ({s.language or '?'})",
            s.phone,
            s.claimed_at.strftime("%Y-%m-%d %H:%M"),
            f"{age.total_seconds() / 3600:.1f} h",
        )
    console.print(table)
    console.print(
        f"{total} unknown; `wabroadcast sends release --older-than 24h` lets later campaigns "
        "send them again (the first message may have arrived)",
        highlight=False,
    )


@app.command("release")
def release(
    ctx: typer.Context,
    older_than: str = typer.Option(
        ..., "--older-than", help="Only sends claimed longer ago than this, e.g. 24h, 2d."
    ),
    template: str | None = typer.Option(None, "--template", "-t", help="Only this template."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Forget unknown sends so a later campaign may send them again — deliberately."""
    age = parse_duration(older_than)
    database = open_database(ctx)
    before = SystemClock().now() - age
    if not yes:
        typer.confirm(
            f"release unknown sends claimed before {before:%Y-%m-%d %H:%M} UTC? "
            "Their contacts may get the template twice",
            abort=True,
        )
    try:
        with database.session() as session:
            released = send_store.release_unknown(session, before=before, template_name=template)
    except Exception as exc:  # a database failure is reported, not a traceback
        fail(f"could not release: {str(exc).splitlines()[0]}")
    console.print(f"released {released} unknown send(s)")


@app.command("export")
def export(
    ctx: typer.Context,
    file_format: str = typer.Option(
        "csv", "--format", "-f", help="csv or xlsx (the panel's and the API's columns)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write; CSV goes to standard output without it."
    ),
    campaign_id: int | None = typer.Option(None, "--campaign", min=1, help="Only this campaign."),
    contact_id: int | None = typer.Option(None, "--contact", min=1, help="Only this contact."),
    template: str | None = typer.Option(None, "--template", "-t", help="Only this template."),
) -> None:
    """Every send (or those of a campaign, a contact or a template) with its stages, error and
    pricing. Cells that a spreadsheet would run as a formula get a leading '."""
    if file_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {file_format!r}")
    if file_format == "xlsx" and output is None:
        fail("--format xlsx needs --output FILE (a workbook is not text)")
    database = open_database(ctx)
    chosen = SendFilter(campaign_id=campaign_id, contact_id=contact_id, template_name=template)
    try:
        if file_format == "xlsx" and output is not None:
            output.write_bytes(xlsx_bytes(database, chosen))
        elif output is not None:
            with output.open("w", encoding="utf-8", newline="") as out:
                for chunk in csv_chunks(database, chosen):
                    out.write(chunk)
        else:
            for chunk in csv_chunks(database, chosen):
                sys.stdout.write(chunk)
            sys.stdout.flush()
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    if output is not None:
        console.print(f"wrote {output}", highlight=False)
