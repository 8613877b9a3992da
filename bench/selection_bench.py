"""Selection speed: pick 225 eligible contacts out of 1,000,000 with 10,000,000 past sends.

Run it as `bench/select.py`, which imports this module.

Builds the data with INSERT … SELECT from recursive CTEs (seconds, not Python loops) in an
SQLite file under bench/results/, then times the engine's own selection query
(wabroadcast.storage.sends.eligible_contacts) and prints SQLite's EXPLAIN QUERY PLAN.

Three templates are measured:
  daily_offer   the drip case: already sent to the first 500,000 contacts in index order
  promo_3       sent to a scattered half of the contacts
  brand_new     never sent

    .venv/bin/python bench/select.py [--contacts 1000000] [--sends 10000000] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, text, tuple_
from sqlalchemy.dialects import sqlite

from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, SelectionMark

RESULTS = Path(__file__).parent / "results"
DRIP_TEMPLATE = "daily_offer"
LIMIT = 225


def build(database: Database, contacts: int, sends: int) -> None:
    """1 in 97 contacts opted out, 1 in 89 unreachable; `daily_offer` sent to the first half
    in index order; the other sends spread over 19 `promo_*` templates (half the list each)."""
    now = datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None).isoformat(sep=" ")
    drip = contacts // 2
    other = sends - drip
    per_template = other // 19
    with database.engine.begin() as connection:
        connection.execute(text("PRAGMA cache_size=-400000"))
        connection.execute(
            text(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
                INSERT INTO contacts (id, phone, "index", attributes, opted_out_at,
                                      unreachable_at, created_at, updated_at)
                SELECT i, '+90555' || printf('%07d', i), i, '{}',
                       CASE WHEN i % 97 = 0 THEN :now END, CASE WHEN i % 89 = 0 THEN :now END,
                       :now, :now
                FROM n
                """
            ),
            {"count": contacts, "now": now},
        )
        connection.execute(
            text(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
                INSERT INTO sends (template_name, contact_id, language, phone, state, attempts,
                                   claimed_at, accepted_at, updated_at)
                SELECT :drip_name, i, 'tr', '+90555' || printf('%07d', i), 'accepted', 1,
                       :now, :now, :now
                FROM n
                """
            ),
            {"count": drip, "now": now, "drip_name": DRIP_TEMPLATE},
        )
        # Template k goes to contact (j * 7919 + k * 104729) mod N + 1: a permutation of the
        # list for each k, so no (template, contact) pair repeats.
        connection.execute(
            text(
                """
                WITH RECURSIVE t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k < 18),
                j(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM j WHERE j < :per - 1)
                INSERT INTO sends (template_name, contact_id, language, phone, state, attempts,
                                   claimed_at, accepted_at, updated_at)
                SELECT 'promo_' || k, (j * 7919 + k * 104729) % :contacts + 1, 'tr', '', 'accepted',
                       1, :now, :now, :now
                FROM t, j
                """
            ),
            {"per": per_template, "contacts": contacts, "now": now},
        )
        connection.execute(text("ANALYZE"))


def time_days(database: Database, template: str, days: int = 6) -> dict[str, object]:
    """Milliseconds of the claim-time selection on consecutive "days" of a drip.

    Day 1 starts with no selection mark (the first selection after an invalidation walks
    the covered part of the list); each day claims its 225 like the engine does, so later
    days start from the mark. Everything is rolled back afterwards.
    """
    timings: list[float] = []
    first: list[int] = []
    with database.sessions() as session:
        session.execute(delete(SelectionMark))
        for _ in range(days):
            started = time.perf_counter()
            send_store.lock_marks(session)
            rows = send_store.select_eligible(session, template, LIMIT, remember=True)
            timings.append((time.perf_counter() - started) * 1000)
            assert len(rows) == LIMIT, f"expected {LIMIT} eligible contacts, got {len(rows)}"
            first = first or [contact_id for contact_id, _ in rows[:3]]
            send_store.claim_contacts(
                session,
                template_name=template,
                language="tr",
                campaign_id=None,
                contacts=rows,
                now=datetime.now(UTC),
            )
        session.rollback()
    return {
        "first_selection_ms": round(timings[0], 3),
        "next_days_median_ms": round(statistics.median(timings[1:]), 3),
        "all_ms": [round(t, 3) for t in timings],
        "first_ids": first,
    }


def query_plan(database: Database, template: str, *, from_mark: bool) -> list[str]:
    """The plan of the selection query, walking from the start or from a selection mark."""
    statement = send_store.eligible_contacts(template).limit(LIMIT)
    if from_mark:
        statement = statement.where(tuple_(Contact.index, Contact.id) >= tuple_(500_001, 500_001))
    compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with database.engine.connect() as connection:
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        return [str(row[3]) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--sends", type=int, default=10_000_000)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data set")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"select-{args.contacts}-{args.sends}.db"
    if args.rebuild and path.exists():
        path.unlink()
    fresh = not path.exists()
    database = Database(f"sqlite:///{path}")
    build_seconds = None
    if fresh:
        started = time.perf_counter()
        build(database, args.contacts, args.sends)
        build_seconds = time.perf_counter() - started
        print(f"built {args.contacts:,} contacts and {args.sends:,} sends in {build_seconds:.1f} s")
    with database.engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("contacts", "sends")
        }
    print(f"data: {counts['contacts']:,} contacts, {counts['sends']:,} sends")
    results: dict[str, object] = {"contacts": counts["contacts"], "sends": counts["sends"]}
    for template in (DRIP_TEMPLATE, "promo_3", "brand_new"):
        days = time_days(database, template)
        print(
            f"\n{template}: picked {LIMIT} in {days['first_selection_ms']} ms with no mark, "
            f"then {days['next_days_median_ms']} ms per day (median, days 2-6); "
            f"first ids {days['first_ids']}"
        )
        plans = {
            "no_mark": query_plan(database, template, from_mark=False),
            "from_mark": query_plan(database, template, from_mark=True),
        }
        for kind, plan in plans.items():
            for line in plan:
                print(f"  plan ({kind.replace('_', ' ')}): {line}")
        results[template] = {**days, "plans": plans}
    database.dispose()
    out = RESULTS / "select.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
