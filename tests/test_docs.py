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


def test_readme_first_screen_sets_up_with_two_commands_and_says_where_the_cli_is() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()[:20]
    start = lines.index("```sh")
    end = lines.index("```", start + 1)
    assert [line.split()[:2] for line in lines[start + 1 : end]] == [
        ["make", "run"],
        ["make", "test"],
    ]
    prose = " ".join(lines[end + 1 :])
    assert ".venv/bin/wabroadcast --help" in prose
    assert "source .venv/bin/activate" in prose
