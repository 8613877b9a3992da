"""Rejected rows: what was wrong and where, streamed to a CSV report as they are found."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TextIO

from wabroadcast.domain.spreadsheet import safe_cell

REPORT_HEADER = ("file", "line", "element", "reason", "value")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported (or, with ``lost=False``, a problem that cost no row).

    ``line`` is the file's 1-based line; ``element`` the 1-based position in a JSON list.
    """

    file: str
    line: int | None
    reason: str
    element: int | None = None
    value: str = ""
    lost: bool = True

    def where(self) -> str:
        place = f"{self.file}:{self.line}" if self.line is not None else self.file
        if self.element is not None:
            place += f" (element {self.element})"
        return place

    def __str__(self) -> str:
        shown = f" [{self.value}]" if self.value else ""
        return f"{self.where()}: {self.reason}{shown}"


class ReportWriter:
    """Writes every rejection to a CSV file as it happens, so a million bad rows cost no RAM."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REPORT_HEADER)
        self.count = 0

    def write(self, rejection: Rejection) -> None:
        self._writer.writerow(
            (safe_cell(rejection.file), rejection.line or "", rejection.element or "",
             safe_cell(rejection.reason), safe_cell(rejection.value))
        )  # fmt: skip
        self.count += 1

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
