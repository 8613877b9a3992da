"""The audience options of `campaign send`, `campaign create` and `schedule create`, and the
`contacts tag` commands."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from wabroadcast.cli.common import console, fail, get_settings, open_database
from wabroadcast.clock import SystemClock
from wabroadcast.contacts.selection import ContactChoice, SelectionError, change_tags
from wabroadcast.domain.audience import MAX_REPLIED_DAYS, Audience, AudienceError, build_audience
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.audiences import check_tags_exist
from wabroadcast.storage.db import Database

TAG = typer.Option(
    [], "--tag", help="Only contacts with this tag (repeat; see --match). Case-insensitive."
)
MATCH = typer.Option("any", "--match", help="any: at least one --tag; all: every --tag.")
WHERE = typer.Option(
    [],
    "--where",
    help="Attribute condition (repeat; all must hold): 'city = İzmir', "
    "'attributes.plan in (gold, silver)', 'plan != trial'.",
)
EXCLUDE_TAG = typer.Option([], "--exclude-tag", help="Leave out contacts with this tag (repeat).")
EXCLUDE_REPLIED = typer.Option(
    None,
    "--exclude-replied-days",
    min=1,
    max=MAX_REPLIED_DAYS,
    help="Leave out contacts who replied in the last N days.",
)


def audience_of(
    tags: list[str],
    match: str,
    where: list[str],
    exclude_tags: list[str],
    exclude_replied_days: int | None,
) -> Audience | None:
    """The audience the options give (None: every contact); a malformed one exits 1."""
    try:
        audience = build_audience(
            tags=tags,
            match=match,
            where=where,
            exclude_tags=exclude_tags,
            exclude_replied_days=exclude_replied_days,
        )
    except AudienceError as exc:
        fail(f"audience: {exc}")
    return None if audience.is_everyone else audience


def check_audience(database: Database, audience: Audience | None) -> None:
    """Refuse a wanted tag no contact has (the campaign manager says the same)."""
    if audience is None:
        return
    with database.session() as session:
        try:
            check_tags_exist(session, audience)
        except AudienceError as exc:
            fail(f"audience: {exc}")


tag_app = typer.Typer(help="Contact tags: add, remove, list.", no_args_is_help=True)

PHONE = typer.Option([], "--phone", help="This contact's number, any format (repeat).")
SEARCH = typer.Option(None, "--search", help="Contacts matching this name or number search.")
WITH_TAG = typer.Option(None, "--with-tag", help="Contacts that already carry this tag.")
ALL = typer.Option(False, "--all", help="Every contact (needed when no other filter is set).")


def _change(
    ctx: typer.Context,
    tags: list[str],
    *,
    remove: bool,
    phone: list[str],
    search: str | None,
    with_tag: str | None,
    everyone: bool,
) -> None:
    settings = get_settings(ctx)
    database = open_database(ctx)
    choice = ContactChoice(phones=phone or None, search=search, tag=with_tag, everyone=everyone)
    try:
        with database.session() as session:
            counted = change_tags(
                session,
                choice,
                add=() if remove else tags,
                remove=tags if remove else (),
                region=settings.default_region,
                now=SystemClock().now(),
            )
    except SelectionError as exc:
        option = {"phones": "--phone", "add": "TAG"}.get(exc.field, exc.field)
        fail(f"{option}: {exc}")
    except AudienceError as exc:
        fail(str(exc))
    changed = counted.removed if remove else counted.added
    verb = "removed from" if remove else "added to"
    console.print(
        f"{changed} tags {verb} contacts ({counted.contacts} contacts chosen)", highlight=False
    )
    for number in counted.unknown_phones:
        console.print(f"[yellow]no such contact[/] {number}", highlight=False)


@tag_app.command("add")
def add_command(
    ctx: typer.Context,
    tags: list[str] = typer.Argument(..., help="Tags to add, e.g. vip izmir."),
    phone: list[str] = PHONE,
    search: str | None = SEARCH,
    with_tag: str | None = WITH_TAG,
    everyone: bool = ALL,
) -> None:
    """Add tags to the chosen contacts (--phone, --search, --with-tag or --all)."""
    _change(ctx, tags, remove=False, phone=phone, search=search, with_tag=with_tag,
            everyone=everyone)  # fmt: skip


@tag_app.command("remove")
def remove_command(
    ctx: typer.Context,
    tags: list[str] = typer.Argument(..., help="Tags to remove."),
    phone: list[str] = PHONE,
    search: str | None = SEARCH,
    with_tag: str | None = WITH_TAG,
    everyone: bool = ALL,
) -> None:
    """Remove tags from the chosen contacts (--phone, --search, --with-tag or --all)."""
    _change(ctx, tags, remove=True, phone=phone, search=search, with_tag=with_tag,
            everyone=everyone)  # fmt: skip


@tag_app.command("list")
def list_command(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Every tag with how many contacts carry it."""
    database = open_database(ctx)
    with database.session() as session:
        tags = tag_store.list_tags(session)
    if as_json:
        rows = [{"name": tag.name, "contacts": tag.contacts} for tag in tags]
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("tag", "contacts")
    for tag in tags:
        table.add_row(tag.name, str(tag.contacts))
    console.print(table)
