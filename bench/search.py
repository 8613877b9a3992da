"""Contact search at 1,000,000 contacts: the old query forms against find_contacts.

Fills a database with N contacts (Turkish first and last names, seeded) through the import's
own writer (storage.contacts.ContactWriter, which writes `search_key`), then times, for a few
typical searches, what a search request costs: the page of 50 in send order plus the total,
as `GET /api/contacts?q=` and the panel run them.

  old   the query the API used before `search_key`: `lower(name) LIKE '%q%' OR phone LIKE
        '%digits%'` (the panel's `name ILIKE` is the same SQL on SQLite); it does not find
        Turkish spellings at all, but it is the cost to compare with
  new   storage.contacts.find_contacts (folded words on `search_key`, exact numbers)

    .venv/bin/python bench/search.py [--contacts 1000000] [--repeat 15] [--rebuild]
    .venv/bin/python bench/search.py --database-url postgresql+psycopg://postgres@127.0.0.1/test

SQLite files are kept under bench/results/ and reused unless --rebuild. On PostgreSQL the
data goes to a fresh schema, dropped afterwards; --trigram also measures a pg_trgm GIN index
on `search_key` (created in that schema for the run only). Writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, create_engine, func, or_, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wabroadcast.storage.contacts import ContactWriter, bulk_writes, find_contacts  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.storage.tables import Contact  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BATCH = 5000
FIRST = [
    "Ahmet",
    "Mehmet",
    "Mustafa",
    "Ali",
    "Hüseyin",
    "Hasan",
    "İbrahim",
    "İsmail",
    "Osman",
    "Yusuf",
    "Murat",
    "Ömer",
    "Ramazan",
    "Halil",
    "Süleyman",
    "Abdullah",
    "Mahmut",
    "Recep",
    "Şükrü",
    "Çağlar",
    "Emre",
    "Burak",
    "Fatma",
    "Ayşe",
    "Emine",
    "Hatice",
    "Zeynep",
    "Elif",
    "Meryem",
    "Şerife",
    "Zehra",
    "Sultan",
    "Hanife",
    "Merve",
    "Özlem",
    "Gülşen",
    "Işıl",
    "Ebru",
    "Büşra",
    "Çiğdem",
]
LAST = [
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
    "Polat",
    "Özer",
    "Güneş",
    "Erdoğan",
    "Aksoy",
    "Işık",
    "Uçar",
    "Tekin",
]
SEARCHES = {  # label: the text typed
    "common surname (yilmaz)": "yilmaz",
    "first name, Turkish letters (Şükrü)": "Şükrü",
    "two words (ismail ozturk)": "ismail ozturk",
    "rare: no match (zzzz)": "zzzz",
    "phone tail (45 67)": "45 67",
    "full number (0532 …)": None,  # filled with a stored number
}


def contact_rows(count: int, seed: int = 7) -> Iterator[list[tuple[str, str, int, dict[str, Any]]]]:
    rng = random.Random(seed)
    batch: list[tuple[str, str, int, dict[str, Any]]] = []
    for i in range(count):
        phone = f"+9053{(i * 7919) % 10**8:08d}"  # 7919 is prime: all distinct
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        batch.append((phone, name, i + 1, {}))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(database: Database, count: int) -> float:
    started = time.perf_counter()
    now = datetime.now(UTC)
    with database.engine.begin() as connection, bulk_writes(connection):
        writer = ContactWriter(connection)
        for batch in contact_rows(count):
            writer.upsert(batch, now)
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def old_condition(text_: str) -> ColumnElement[bool]:
    """The API's `_search` before this change (the panel's ILIKE is the same on SQLite)."""
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions = [func.lower(Contact.name).like(f"%{escaped}%".lower(), escape="\\")]
    digits = "".join(ch for ch in text_ if ch.isdigit())
    if digits:
        conditions.append(Contact.phone.like(f"%{digits}%"))
    return or_(*conditions)


def old_search(session: Session, query: str) -> tuple[int, int]:
    condition = old_condition(query)
    page = session.scalars(
        select(Contact)
        .where(condition)
        .order_by(Contact.index.is_(None), Contact.index, Contact.id)
        .limit(50)
    ).all()
    total = session.scalar(select(func.count()).select_from(Contact).where(condition)) or 0
    return len(page), total


def new_search(session: Session, query: str) -> tuple[int, int]:
    found = find_contacts(session, search=query, region="TR", limit=50)
    return len(found.contacts), found.total or 0


def timed(
    database: Database, run: Callable[[Session, str], tuple[int, int]], query: str, repeat: int
) -> dict[str, Any]:
    times: list[float] = []
    found = (0, 0)
    with database.session() as session:
        run(session, query)  # warm the page cache
        for _ in range(repeat):
            started = time.perf_counter()
            found = run(session, query)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "total": found[1],
    }


def measure(database: Database, repeat: int) -> dict[str, Any]:
    with database.session() as session:
        stored = session.scalar(select(Contact.phone).where(Contact.index == 4242))
    assert stored is not None
    searches = dict(SEARCHES)
    searches["full number (0532 …)"] = "0" + stored[3:6] + " " + stored[6:9] + " " + stored[9:]
    figures: dict[str, Any] = {}
    for label, query in searches.items():
        assert query is not None
        old = timed(database, old_search, query, repeat)
        new = timed(database, new_search, query, repeat)
        figures[label] = {"query": query, "old": old, "new": new}
        print(
            f"  {label:40} old {old['median_ms']:8.1f} ms (p95 {old['p95_ms']:8.1f}, "
            f"{old['total']:>7} found)   new {new['median_ms']:8.1f} ms "
            f"(p95 {new['p95_ms']:8.1f}, {new['total']:>7} found)"
        )
    return figures


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def add_trigram_index(database: Database) -> float:
    started = time.perf_counter()
    with database.engine.begin() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
        connection.execute(text(f'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA "{schema}"'))
        connection.execute(
            text(
                "CREATE INDEX ix_contacts_search_key_trgm ON contacts "
                "USING gin (search_key gin_trgm_ops)"
            )
        )
        connection.execute(text("ANALYZE contacts"))
    return time.perf_counter() - started


def run_sqlite(args: argparse.Namespace) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"search-{args.contacts}.db"
    if args.rebuild and path.exists():
        path.unlink()
    fresh = not path.exists()
    database = Database(f"sqlite:///{path}")
    try:
        result: dict[str, Any] = {"database": "sqlite", "contacts": args.contacts}
        if fresh:
            result["fill_s"] = round(fill(database, args.contacts), 1)
            print(f"filled {args.contacts:,} contacts in {result['fill_s']} s ({path})")
        print(f"SQLite, {args.contacts:,} contacts, {args.repeat} runs each (page of 50 + total):")
        result["searches"] = measure(database, args.repeat)
        return result
    finally:
        database.dispose()


def run_postgresql(args: argparse.Namespace) -> dict[str, Any]:
    with pg_schema(args.database_url) as url:
        database = Database(url)
        try:
            result: dict[str, Any] = {"database": "postgresql", "contacts": args.contacts}
            result["fill_s"] = round(fill(database, args.contacts), 1)
            print(f"filled {args.contacts:,} contacts in {result['fill_s']} s")
            print(f"PostgreSQL, {args.contacts:,} contacts, {args.repeat} runs each:")
            result["searches"] = measure(database, args.repeat)
            if args.trigram:
                result["trigram_index_s"] = round(add_trigram_index(database), 1)
                print(f"with a pg_trgm GIN index (built in {result['trigram_index_s']} s):")
                result["searches_trigram"] = measure(database, args.repeat)
            return result
        finally:
            database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="Refill the SQLite file.")
    parser.add_argument("--database-url", help="A PostgreSQL URL instead of SQLite.")
    parser.add_argument("--trigram", action="store_true", help="PostgreSQL: also pg_trgm.")
    args = parser.parse_args()
    result = run_postgresql(args) if args.database_url else run_sqlite(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "search.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    previous[result["database"]] = result
    out.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
