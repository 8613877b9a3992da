"""`wabroadcast templates` commands: sync from the WABA, list, show, preview."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
import typer
from rich.table import Table

from wabroadcast.cli.common import console, fail, get_settings, open_database
from wabroadcast.clock import SystemClock
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.cloudapi.errors import CloudAPIError
from wabroadcast.cloudapi.transport import default_http_client
from wabroadcast.config import Settings
from wabroadcast.domain.render import RenderError, parse_options, template_shape
from wabroadcast.engine import templates as engine_templates
from wabroadcast.sandbox import sandbox_settings, sandbox_simulator_config, uses_builtin_simulator
from wabroadcast.storage import templates as store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Template

app = typer.Typer(help="Templates.", no_args_is_help=True)


def _row(template: Template) -> dict[str, Any]:
    shape = template_shape(template.components, template.parameter_format)
    return {
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "quality": template.quality_score,
        "parameter_format": template.parameter_format,
        "body_parameters": list(shape.body_params),
        "header": shape.header_format,
        "synced_at": template.synced_at.isoformat(),
    }


@asynccontextmanager
async def cloud_client(settings: Settings) -> AsyncIterator[CloudAPIClient]:
    """The Cloud API client for one command; the in-process simulator when
    `uses_builtin_simulator` says so (the same choice as `campaign send`)."""
    http: httpx.AsyncClient | aiohttp.ClientSession
    if uses_builtin_simulator(settings):
        from wabroadcast.simulator import create_simulator

        settings = sandbox_settings(settings)
        simulator = create_simulator(sandbox_simulator_config(settings))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator), timeout=30.0)
    else:
        http = default_http_client()
    async with http:
        yield CloudAPIClient.from_settings(http, settings)


async def _sync(database: Database, settings: Settings) -> store.SyncSummary:
    async with cloud_client(settings) as client:
        return await engine_templates.sync_templates(database, client, SystemClock())


@app.command("sync")
def sync(ctx: typer.Context) -> None:
    """Read every template of the WABA (all pages, every status) into the database."""
    settings = get_settings(ctx)
    database = open_database(ctx)
    try:
        summary = asyncio.run(_sync(database, settings))
    except (CloudAPIError, ValueError) as exc:  # Graph or network errors: one line, no token
        fail(f"template sync failed: {exc}")
    console.print(
        f"synced {summary.names} templates ({summary.total} name and language pairs): "
        f"{summary.added} new, {summary.updated} changed, "
        f"{summary.unchanged} unchanged, {summary.gone} no longer listed (marked DELETED)",
        highlight=False,
    )


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: str | None = typer.Option(None, help="Only this status, e.g. APPROVED."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Synced templates with their status, category, quality and parameters."""
    database = open_database(ctx)
    with database.session() as session:
        rows = [_row(t) for t in store.list_templates(session, status=status)]
    if as_json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        console.print("no templates synced yet: run `wabroadcast templates sync`")
        return
    table = Table("name", "language", "status", "category", "quality", "parameters", "header")
    for row in rows:
        table.add_row(
            row["name"],
            row["language"],
            row["status"],
            row["category"] or "",
            row["quality"] or "",
            ", ".join(f"{{{{{p}}}}}" for p in row["body_parameters"]),
            row["header"] or "",
        )
    console.print(table)


def _find(ctx: typer.Context, name: str, language: str | None) -> Template:
    database = open_database(ctx)
    with database.session() as session:
        languages = store.languages_of(session, name)
        if not languages:
            fail(f"template '{name}' is not synced; run `wabroadcast templates sync`")
        if language is None:
            if len(languages) > 1:
                fail(f"template '{name}' exists in {', '.join(languages)}: give --language")
            language = languages[0]
        template = store.get_template(session, name, language)
        if template is None:
            fail(
                f"template '{name}' does not exist in language '{language}'; "
                f"it exists in: {', '.join(languages)}"
            )
        return template


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name."),
    language: str | None = typer.Option(None, help="Language code, e.g. tr or en_US."),
) -> None:
    """One template's components and the parameters a send must fill."""
    template = _find(ctx, name, language)
    row = _row(template)
    for key in ("name", "language", "status", "category", "quality", "parameter_format"):
        console.print(f"{key}: {row[key] or ''}", highlight=False)
    shape = template_shape(template.components, template.parameter_format)
    if shape.header_format:
        console.print(
            f"header: {shape.header_format} {shape.header_text}".rstrip(), highlight=False
        )
    console.print(f"body: {shape.body_text}", highlight=False)
    needs = [f"{{{{{p}}}}}" for p in shape.body_params] or ["none"]
    console.print(f"body parameters: {', '.join(needs)}", highlight=False)
    for button in shape.buttons:
        console.print(f"button {button.index} ({button.sub_type}) needs a value", highlight=False)


@app.command("preview")
def preview(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name."),
    language: str | None = typer.Option(None, help="Language code, e.g. tr or en_US."),
    param: list[str] = typer.Option(
        [], "--param", help="Body variable: 1=name:Fallback, 2=attributes.city, 3==fixed text."
    ),
    header: str | None = typer.Option(
        None, help="Media header: image=https://… or document=<uploaded media id>."
    ),
    button: list[str] = typer.Option([], "--button", help="Button value: 1=attributes.code."),
    limit: int = typer.Option(3, min=1, max=50, help="How many recipients to show."),
) -> None:
    """The text the next recipients would read, with the parameters checked first."""
    template = _find(ctx, name, language)
    database = open_database(ctx)
    us = get_settings(ctx).marketing_to_us
    try:
        params = parse_options(param, header, button)
        with database.session() as session:
            texts = engine_templates.preview(
                session, params, template, limit=limit, marketing_to_us=us
            )
    except RenderError as exc:
        fail(str(exc))
    if not texts:
        console.print("no eligible contact left for this template")
    for number, text in enumerate(texts, 1):
        console.print(f"{number}. {text}", highlight=False)
