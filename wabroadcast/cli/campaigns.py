"""`wabroadcast campaigns` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Campaigns.", no_args_is_help=True)
