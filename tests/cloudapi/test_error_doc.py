"""docs/error-codes.md is generated from ERROR_TABLE; it must match the code."""

from __future__ import annotations

from pathlib import Path

from wabroadcast.cloudapi.errordoc import ACTIONS, render
from wabroadcast.cloudapi.errors import ERROR_TABLE, Outcome

DOC = Path(__file__).resolve().parents[2] / "docs" / "error-codes.md"


def test_error_codes_doc_is_current() -> None:
    assert DOC.read_text() == render(), (
        "run: python -m wabroadcast.cloudapi.errordoc > docs/error-codes.md"
    )


def test_every_code_and_outcome_is_in_the_doc() -> None:
    text = DOC.read_text()
    for code, (outcome, _) in ERROR_TABLE.items():
        assert f"| {code} |" in text and f"`{outcome.value}`" in text
    assert set(ACTIONS) == set(Outcome)
