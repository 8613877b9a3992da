# ruff: noqa: E402 - the imports follow the sys.path fix below
"""Import benchmark: a deterministic 1,000,000-row CSV into a fresh database.

    .venv/bin/python bench/import_contacts.py [--rows 1000000] [--postgres URL]

Prints rows/s and peak RSS for the first import and for a re-import of the same file (every
row unchanged), and writes bench/results/import_contacts.json. Targets on the project's
2-core machine: >= 50,000 rows/s and < 200 MB peak RSS.

The file mixes spellings the way real exports do: mostly the original tool's bare
international digits, some `+90 5xx xxx xx xx` and `05xx xxx xx xx` (national, region TR),
and one invalid number per thousand rows (rejected and written to the report).
"""

from __future__ import annotations

import sys

# Scripts in bench/ may be named like standard modules (bench/select.py); keep this folder
# off the import path so `import select` still finds the standard library.
sys.path[:] = [p for p in sys.path if p != __import__("os").path.dirname(__file__)]

import argparse
import json
import os
import platform
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, text

from wabroadcast.contacts.importing import ImportSummary, import_contacts
from wabroadcast.contacts.report import ReportWriter
from wabroadcast.storage.db import Database

RESULTS = Path(__file__).resolve().parent / "results"
PREFIXES = [f"5{a}{b}" for a in "0345" for b in "0123456789"]
CITIES = ["Istanbul", "Ankara", "Izmir", "Bursa", "Antalya", "Konya", "Adana"]


def phone_for(row: int) -> str:
    """Row ``row``'s number; unique for row < 10**7 because 7919 is prime to 10**7."""
    prefix = PREFIXES[row % len(PREFIXES)]
    subscriber = f"{row * 7919 % 10**7:07d}"
    if row % 1000 == 999:
        return "12345"
    if row % 20 == 1:
        return f"+90 {prefix} {subscriber[:3]} {subscriber[3:5]} {subscriber[5:]}"
    if row % 20 == 2:
        return f"0{prefix} {subscriber[:3]} {subscriber[3:5]} {subscriber[5:]}"
    return f"90{prefix}{subscriber}"


def generate(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("phone,name,city\n")
        for row in range(rows):
            handle.write(f"{phone_for(row)},Contact {row},{CITIES[row % len(CITIES)]}\n")


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(database: Database, csv_path: Path, report: Path) -> dict[str, Any]:
    started = time.perf_counter()
    cpu_started = time.process_time()
    with ReportWriter(report) as writer:
        summary: ImportSummary = import_contacts(database, csv_path, on_rejection=writer.write)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rows = summary.read
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(rows / cpu),
        "imported": summary.imported,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "rejected": summary.rejected,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "rss_now_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
    }


def run(database_url: str, csv_path: Path, work: Path) -> dict[str, Any]:
    database = Database(database_url)
    try:
        first = timed_import(database, csv_path, work / "report-first.csv")
        again = timed_import(database, csv_path, work / "report-again.csv")
    finally:
        database.dispose()
    return {"first_import": first, "re_import": again}


def pg_schema(base_url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema, f"{base_url}?options=-csearch_path%3D{schema}"


def drop_schema(base_url: str, schema: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def show(label: str, numbers: dict[str, Any]) -> None:
    print(
        f"{label:<22} {numbers['rows']:>9,} rows in {numbers['seconds']:>6.2f} s = "
        f"{numbers['rows_per_second']:>7,} rows/s ({numbers['rows_per_cpu_second']:,} rows per "
        f"CPU s); imported {numbers['imported']:,}, "
        f"updated {numbers['updated']:,}, unchanged {numbers['unchanged']:,}, "
        f"rejected {numbers['rejected']:,}; peak RSS {numbers['peak_rss_mb']} MB; "
        f"load average {numbers['load_average_1min']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="URL", help="also import into PostgreSQL")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "rows": args.rows,
        "python": platform.python_version(),
        "cpus": psutil.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "contacts.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows)
        print(f"generated {csv_path.stat().st_size / 2**20:.1f} MB CSV in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        results["sqlite"] = run(f"sqlite:///{work / 'bench.db'}", csv_path, work)
        show("sqlite first import", results["sqlite"]["first_import"])
        show("sqlite re-import", results["sqlite"]["re_import"])
        if args.postgres:
            schema, url = pg_schema(args.postgres)
            try:
                results["postgresql"] = run(url, csv_path, work)
            finally:
                drop_schema(args.postgres, schema)
            show("postgresql first import", results["postgresql"]["first_import"])
            show("postgresql re-import", results["postgresql"]["re_import"])
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    out = RESULTS / "import_contacts.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"peak RSS {results['peak_rss_mb']} MB; wrote {out}")


if __name__ == "__main__":
    sys.exit(main())
