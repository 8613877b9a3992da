"""What every command needs: settings, the database, and a clean way to fail."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from wabroadcast.config import Settings, SettingsError, load_settings, mask_url
from wabroadcast.storage.db import Database, DatabaseError

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line and exit. The message is plain text: a file name such as
    `[old].json` is printed as it is, and long lines are not cut inside a word or path."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def get_settings(ctx: typer.Context) -> Settings:
    """Settings are loaded once per invocation, on first use, and kept on the root context."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "settings" not in root.obj:
        try:
            root.obj["settings"] = load_settings(env_file=root.obj.get("env_file", ".env"))
        except SettingsError as exc:
            fail(str(exc))
    settings: Settings = root.obj["settings"]
    return settings


def open_database(ctx: typer.Context) -> Database:
    settings = get_settings(ctx)
    root = ctx.find_root()
    if "database" not in root.obj:
        try:
            root.obj["database"] = Database(settings.database_url)
        except DatabaseError as exc:
            fail(str(exc))
        except Exception as exc:  # driver errors: say which database, never the password
            first_line = (str(exc).splitlines() or [""])[0]
            fail(f"cannot open database {mask_url(settings.database_url)}: {first_line}")
    database: Database = root.obj["database"]
    return database
