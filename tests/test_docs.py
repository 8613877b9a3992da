"""Docs that are generated or that list things must match the code."""

from __future__ import annotations

from pathlib import Path

from wabroadcast.cli.reference import render

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current() -> None:
    current = (ROOT / "docs" / "cli.md").read_text()
    assert current == render(), "run: python -m wabroadcast.cli.reference > docs/cli.md"


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:20])
    assert "make run" in first_screen
    assert "make test" in first_screen
