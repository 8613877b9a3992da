"""Audience selection speed: the daily pick (225 contacts) of 1,000,000 tagged contacts.

    .venv/bin/python bench/audience.py [--contacts 1000000] [--done 100000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--days 6]

Builds the data with INSERT … SELECT (a recursive CTE on SQLite, generate_series on
PostgreSQL), then times the claim-time selection (storage/sends.select_eligible, inside the
claim lock, with the claims inserted like the engine does) on consecutive "days" of a drip,
for each audience below and for no audience, in the same run. Everything a day claims is
rolled back at the end. Prints milliseconds per pick and writes bench/results/audience.json.

Data: contact i carries tag `t{i % 10}`, `vip` when i % 3 == 0 and `test` when i % 50 == 0;
its attributes are a city (i % 5: İzmir, Ankara, İstanbul, Bursa, Antalya) and a plan
((i // 5) % 4: gold, silver, bronze, trial); 1 in 100 replied five days ago; 1 in 97 opted
out. `daily_offer` was already sent to the first `--done` contacts in send order (an
audience drip under way: those sends are what each pick walks past).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, text

from wabroadcast.domain.audience import Audience, build_audience
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import SelectionMark

RESULTS = Path(__file__).resolve().parent / "results"
TEMPLATE = "daily_offer"
LIMIT = 225
TARGET_MS = 50.0
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
CITIES = ("İzmir", "Ankara", "İstanbul", "Bursa", "Antalya")
PLANS = ("gold", "silver", "bronze", "trial")
TAGS = [f"t{k}" for k in range(10)] + ["vip", "test"]

AUDIENCES: dict[str, Audience | None] = {
    "none": None,
    "any_where_exclude": build_audience(
        tags=["vip", "t1"],
        match="any",
        where=["city = İzmir", "attributes.plan in (gold, silver)"],
        exclude_tags=["test"],
    ),
    "all_where_exclude": build_audience(
        tags=["vip", "t5"], match="all", where=["city = İzmir"], exclude_tags=["test"]
    ),
    "any_where_exclude_replied": build_audience(
        tags=["vip", "t1"],
        match="any",
        where=["city = İzmir"],
        exclude_tags=["test"],
        exclude_replied_days=30,
    ),
}

SQLITE_SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"


def _case(values: tuple[str, ...], expression: str) -> str:
    whens = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(values))
    return f"CASE {expression} {whens} END"


def build(database: Database, contacts: int, done: int) -> None:
    """The data set described in the module docstring, in a few statements."""
    postgresql = database.engine.dialect.name == "postgresql"
    series = "generate_series(1, :count) AS n(i)" if postgresql else "n"
    prefix = "" if postgresql else SQLITE_SERIES
    city, plan = _case(CITIES, "i % 5"), _case(PLANS, "(i / 5) % 4")
    attributes = (
        f"json_build_object('city', {city}, 'plan', {plan})"
        if postgresql
        else f"json_object('city', {city}, 'plan', {plan})"
    )
    phone = "'+90555' || lpad(i::text, 7, '0')" if postgresql else "'+90555' || printf('%07d', i)"
    stamp = NOW - timedelta(days=30)
    replied = NOW - timedelta(days=5)
    if not postgresql:
        stamp, replied = stamp.replace(tzinfo=None), replied.replace(tzinfo=None)
    values = {"count": contacts, "now": stamp}
    statements = [
        f"""{prefix} INSERT INTO contacts (id, phone, name, search_key, "index", attributes,
            opted_out_at, created_at, updated_at)
            SELECT i, {phone}, 'Contact ' || i, 'contact ' || i, i, {attributes},
                   CASE WHEN i % 97 = 0 THEN :now END, :now, :now FROM {series}""",
        f"""{prefix} INSERT INTO sends (template_name, contact_id, language, phone, state,
            attempts, claimed_at, accepted_at, updated_at)
            SELECT '{TEMPLATE}', i, 'tr', {phone}, 'accepted', 1, :now, :now, :now
            FROM {series} WHERE i <= {done}""",
        f"""{prefix} INSERT INTO contact_tags (contact_id, tag_id)
            SELECT i, i % 10 + 1 FROM {series}""",
        f"""{prefix} INSERT INTO contact_tags (contact_id, tag_id)
            SELECT i, 11 FROM {series} WHERE i % 3 = 0""",
        f"""{prefix} INSERT INTO contact_tags (contact_id, tag_id)
            SELECT i, 12 FROM {series} WHERE i % 50 = 0""",
        f"""{prefix} INSERT INTO replies (message_id, contact_id, type, occurred_at, received_at)
            SELECT 'wamid.' || i, i, 'text', :replied, :replied FROM {series}
            WHERE i % 100 = 7""",
    ]
    with database.engine.begin() as connection:
        for tag_id, name in enumerate(TAGS, start=1):
            connection.execute(
                text("INSERT INTO tags (id, key, name, created_at) VALUES (:id, :n, :n, :now)"),
                {"id": tag_id, "n": name, "now": stamp},
            )
        for statement in statements:
            connection.execute(text(statement), {**values, "replied": replied})
        if postgresql:
            connection.execute(text("SELECT setval('contacts_id_seq', :count)"), values)
        connection.execute(text("ANALYZE"))


def time_days(database: Database, audience: Audience | None, days: int) -> dict[str, Any]:
    """Milliseconds of each day's pick, claimed like the engine claims (then rolled back)."""
    timings: list[float] = []
    first: list[int] = []
    with database.sessions() as session:
        session.execute(delete(SelectionMark))
        for day in range(days):
            now = NOW + timedelta(days=day)
            started = time.perf_counter()
            send_store.lock_marks(session)
            rows = send_store.select_eligible(
                session, TEMPLATE, LIMIT, remember=True, audience=audience, now=now
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert len(rows) == LIMIT, f"expected {LIMIT} eligible contacts, got {len(rows)}"
            first = first or [contact_id for contact_id, _ in rows[:3]]
            send_store.claim_contacts(
                session,
                template_name=TEMPLATE,
                language="tr",
                campaign_id=None,
                contacts=rows,
                now=now,
            )
        session.rollback()
    return {
        "median_ms": round(statistics.median(timings), 2),
        "max_ms": round(max(timings), 2),
        "all_ms": [round(t, 2) for t in timings],
        "first_ids": first,
    }


def measure(url: str, contacts: int, done: int, days: int) -> dict[str, Any]:
    database = Database(url)
    try:
        started = time.perf_counter()
        build(database, contacts, done)
        print(f"  built {contacts:,} contacts in {time.perf_counter() - started:.1f} s")
        results: dict[str, Any] = {}
        for name, audience in AUDIENCES.items():
            numbers = time_days(database, audience, days)
            results[name] = numbers
            described = audience.describe() if audience is not None else "all contacts"
            print(
                f"  {name:<28} {numbers['median_ms']:>8.2f} ms per pick (median of {days}, "
                f"max {numbers['max_ms']:.2f})  [{described}]"
            )
        return results
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--done", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=6)
    parser.add_argument("--postgres", metavar="URL", help="also measure on PostgreSQL")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"audience-{uuid.uuid4().hex[:8]}.db"
    report: dict[str, Any] = {
        "contacts": args.contacts,
        "already_sent": args.done,
        "pick": LIMIT,
        "target_ms": TARGET_MS,
    }
    print("sqlite")
    try:
        report["sqlite"] = measure(f"sqlite:///{path}", args.contacts, args.done, args.days)
    finally:
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            print("postgresql")
            url = f"{args.postgres}?options=-csearch_path%3D{schema}"
            report["postgresql"] = measure(url, args.contacts, args.done, args.days)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    out = RESULTS / "audience.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
