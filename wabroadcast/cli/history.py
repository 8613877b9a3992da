"""`wabroadcast history` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="History.", no_args_is_help=True)
