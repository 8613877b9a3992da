"""`wabroadcast simulator`: a stand-in for graph.facebook.com."""

from __future__ import annotations

import typer

from wabroadcast.cli.common import fail


def simulator(ctx: typer.Context) -> None:
    """Run the Cloud API simulator."""
    fail("the simulator is not built yet")
