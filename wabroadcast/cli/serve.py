"""`wabroadcast serve`: the web panel, HTTP API and webhook receiver.

With no WHATSAPP_ACCESS_TOKEN it runs in sandbox mode (see :mod:`wabroadcast.sandbox`): the
built-in simulator stands in for Meta and nobody receives anything.
"""

from __future__ import annotations

import contextlib
from typing import Any

import typer
import uvicorn

from wabroadcast.app import create_app, startup_token_notice
from wabroadcast.cli.common import console, err_console, get_settings, open_database
from wabroadcast.config import Settings
from wabroadcast.sandbox import SANDBOX_BANNER, start_sandbox
from wabroadcast.web.access_log import install_access_log_filter


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Bind address (default: HOST setting)."),
    port: int | None = typer.Option(None, help="Port (default: PORT setting, 5005)."),
) -> None:
    """Start the server (panel, API, webhooks); without an access token, in sandbox mode."""
    settings = get_settings(ctx)
    database = open_database(ctx)
    app: Any
    if settings.sandbox:
        sandbox = start_sandbox(settings, database)
        app, fastapi_app = sandbox.app, sandbox.fastapi_app
        console.print(f"[bold yellow]{SANDBOX_BANNER}[/]", highlight=False, soft_wrap=True)
        for note in sandbox.notes:
            console.print(f"sandbox: {note}", highlight=False, soft_wrap=True)
        console.print(
            "sandbox: set WHATSAPP_ACCESS_TOKEN (and the other Meta settings) to send for real",
            style="dim",
            highlight=False,
            soft_wrap=True,
        )
    else:
        app = fastapi_app = create_app(settings, database=database)
    notice = startup_token_notice(fastapi_app)
    if notice is not None:
        err_console.print(notice, highlight=False, soft_wrap=True)
    bind_host = host or settings.host
    bind_port = port or settings.port
    console.print(f"wabroadcast listening on http://{bind_host}:{bind_port}", highlight=False)
    server = uvicorn.Server(server_config(app, settings, host=bind_host, port=bind_port))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after shutting down
        server.run()
    if not server.started:  # e.g. the port is taken: uvicorn has logged why
        raise typer.Exit(3)


def server_config(app: Any, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """How `serve` runs uvicorn: the client address comes from X-Forwarded-For only when the
    peer is one of FORWARDED_ALLOW_IPS (the login limiter counts wrong guesses per address)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=settings.access_log,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # Open live pages hold server-sent event streams; don't let them keep Ctrl-C waiting.
        timeout_graceful_shutdown=5,
    )
    install_access_log_filter()  # after Config: it configures uvicorn's loggers
    return config
