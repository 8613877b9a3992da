"""The rejection report is opened in spreadsheets: nothing in it runs as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

from wabroadcast.contacts.report import Rejection, ReportWriter


def test_report_cells_never_start_a_formula(tmp_path: Path) -> None:
    values = ['=HYPERLINK("http://x","y")', "+90", "-1", "@SUM(A1)", "\uff1dcmd", "\uff0b1", "ok"]
    path = tmp_path / "report.csv"
    with ReportWriter(path) as report:
        for line, value in enumerate(values, start=2):
            report.write(Rejection("=evil.csv", line, "=reason", value=value))
    rows = list(csv.reader(path.open(encoding="utf-8")))[1:]
    assert [row[4] for row in rows] == ["'" + v for v in values[:-1]] + ["ok"]
    assert {row[0] for row in rows} == {"'=evil.csv"}
    assert {row[3] for row in rows} == {"'=reason"}
