"""`wabroadcast serve`: the web panel, HTTP API and webhook receiver."""

from __future__ import annotations

import typer
import uvicorn

from wabroadcast.app import create_app
from wabroadcast.cli.common import console, get_settings, open_database


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Bind address (default: HOST setting)."),
    port: int | None = typer.Option(None, help="Port (default: PORT setting, 5005)."),
) -> None:
    """Start the server (panel, API, webhooks)."""
    settings = get_settings(ctx)
    database = open_database(ctx)
    app = create_app(settings, database=database)
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(f"wabroadcast listening on http://{bind_host}:{bind_port}", highlight=False)
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="info")
