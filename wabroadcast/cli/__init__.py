"""The `wabroadcast` command. Commands parse input, call one library function, print the result."""

from __future__ import annotations

from wabroadcast.cli.main import app, main

__all__ = ["app", "main"]
