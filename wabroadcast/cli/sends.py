"""`wabroadcast sends` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Sends.", no_args_is_help=True)
