"""`wabroadcast contacts` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Contacts.", no_args_is_help=True)
