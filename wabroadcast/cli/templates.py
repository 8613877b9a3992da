"""`wabroadcast templates` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Templates.", no_args_is_help=True)
