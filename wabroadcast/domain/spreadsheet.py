"""Cells for CSV files people open in spreadsheets: text from strangers never runs as a formula."""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""What makes Excel, LibreOffice or Sheets read a cell as a formula, fullwidth forms included."""


def safe_cell(text: str | None) -> str:
    """``text`` as a cell that a spreadsheet shows as text (a leading ``'`` where needed)."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text or ""
