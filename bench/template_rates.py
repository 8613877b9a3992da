"""Time of the per-template rates query (storage/template_rates.py) on a large sends table.

`--sends` sends (default 200,000) of `--templates` templates, accepted over the last
`--history` days (default 365), a quarter of them with a reply, in a fresh SQLite file and a
fresh PostgreSQL database (``--postgres``, the server from the tests). Then the stats
page's query for 30 and 90 days, all templates and one template, timed (best of 5), with
the plan's line for sends (of the all-templates query, grouped as the module groups it), so a
missing index (a full scan of sends) shows.

    .venv/bin/python bench/template_rates.py [--sends 200000] [--postgres URL]

Prints milliseconds per query and writes bench/results/template_rates.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send import RESULTS, fresh_database  # noqa: E402

from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.storage.tables import Contact, Reply, Send  # noqa: E402
from wabroadcast.storage.template_rates import template_rates  # noqa: E402

CHUNK = 20_000


def fill(database: Database, sends: int, templates: int, history: int, now: datetime) -> None:
    """`sends` sends, one per contact, template i % templates, spread over `history` days."""
    with database.session() as session:
        ids = list(session.scalars(select(Contact.id).order_by(Contact.id)))
        step = timedelta(days=history) / sends
        for start in range(0, sends, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, sends)):
                at = now - step * (sends - i)
                status = ("sent", "delivered", "read", "read")[i % 4]
                rows.append(
                    {
                        "template_name": f"template_{i % templates:02d}",
                        "contact_id": ids[i],
                        "phone": f"+90555{i:07d}",
                        "state": "accepted",
                        "status": status,
                        "message_id": f"wamid.{i}",
                        "claimed_at": at,
                        "accepted_at": at,
                        "delivered_at": at if status != "sent" else None,
                        "read_at": at if status == "read" else None,
                        "updated_at": at,
                    }
                )
            session.execute(insert(Send), rows)
        replies = [
            {
                "message_id": f"wamid.in.{send_id}",
                "contact_id": contact_id,
                "send_id": send_id,
                "type": "text",
                "occurred_at": at,
                "received_at": at,
            }
            for send_id, contact_id, at in session.execute(
                select(Send.id, Send.contact_id, Send.accepted_at).where(Send.id % 4 == 0)
            )
        ]
        for start in range(0, len(replies), CHUNK):
            session.execute(insert(Reply), replies[start : start + CHUNK])
        session.execute(text("ANALYZE"))


def timed(database: Database, today: datetime, days: int, template: str | None) -> dict[str, float]:
    best = float("inf")
    rows = 0
    for _ in range(5):
        with database.session() as session:
            started = time.perf_counter()
            found = template_rates(session, today=today.date(), days=days, template=template)
            best = min(best, time.perf_counter() - started)
            rows = len(found)
    return {"days": days, "template": template or "all", "rows": rows, "ms": round(best * 1000, 1)}


def plan(database: Database, days: int) -> str:
    since = (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None).isoformat(" ")
    query = f"SELECT template_name, count(*) FROM sends WHERE accepted_at >= '{since}' "
    query += "AND state = 'accepted' GROUP BY date(accepted_at), template_name"
    explain = "EXPLAIN QUERY PLAN " if database.url.startswith("sqlite") else "EXPLAIN "
    with database.session() as session:
        lines = [" ".join(str(c) for c in row) for row in session.execute(text(explain + query))]
    return next((line for line in lines if "sends" in line), lines[0] if lines else "")


def measure(database: Database, args: argparse.Namespace) -> dict[str, object]:
    now = datetime.now(UTC)
    fill(database, args.sends, args.templates, args.history, now)
    runs = [timed(database, now, days, None) for days in (30, 90)]
    runs.append(timed(database, now, 90, "template_03"))
    return {"plan": plan(database, 30), "runs": runs}


def postgres_database(url: str, contacts: int) -> Database:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS bench_template_rates"))
        connection.execute(text("CREATE DATABASE bench_template_rates"))
    admin.dispose()
    database = Database(url.rsplit("/", 1)[0] + "/bench_template_rates")
    now = datetime.now(UTC)
    with database.session() as session:
        for start in range(1, contacts + 1, CHUNK):
            rows = [
                {"phone": f"+90555{i:07d}", "index": i, "attributes": {}}
                | {"created_at": now, "updated_at": now}
                for i in range(start, min(start + CHUNK, contacts + 1))
            ]
            session.execute(insert(Contact), rows)
    return database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=200_000)
    parser.add_argument("--templates", type=int, default=20)
    parser.add_argument("--history", type=int, default=365)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    results: dict[str, object] = {"sends": args.sends, "templates": args.templates}
    sqlite = Database(fresh_database(RESULTS / "template_rates.sqlite", args.sends))
    results["sqlite"] = measure(sqlite, args)
    sqlite.dispose()
    if args.postgres:
        postgres = postgres_database(args.postgres, args.sends)
        results["postgresql"] = measure(postgres, args)
        postgres.dispose()
    print(json.dumps(results, indent=2))  # noqa: T201
    (RESULTS / "template_rates.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
