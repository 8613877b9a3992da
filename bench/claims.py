"""CPU of one claim transaction with the daily recipient limit on, late in a busy day.

A fresh SQLite database holds `--contacts` contacts and `--window` sends already in the last
24 h (another template's campaign, spread over the past 23 hours). A campaign of 20-contact
batches then claims `--batches` times, in two ways in the same run:

- counting the day's recipients exactly in every batch (what every claim did before), and
- keeping a ``DailyWindow`` across batches, as a run does now (an exact count now and then,
  an upper bound from the primary key in between).

    .venv/bin/python bench/claims.py [--window 100000] [--batches 200]

Prints CPU milliseconds per claim and writes bench/results/claims.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send import RESULTS, fresh_database  # noqa: E402

from wabroadcast.engine.claims import DailyWindow, claim_next  # noqa: E402
from wabroadcast.storage import campaigns as campaign_store  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.storage.tables import Send  # noqa: E402

BATCH = 20


def prepare(path: Path, contacts: int, window: int, now: datetime) -> Database:
    database = Database(fresh_database(path, contacts))
    spread = timedelta(hours=23) / max(1, window)  # sent over the day so far, oldest first
    rows = [
        {"template_name": "weekly_news", "contact_id": i, "language": "tr", "phone": "+1"}
        | {"state": "accepted", "attempts": 1, "updated_at": now}
        | {"claimed_at": now - (window - i + 1) * spread}
        for i in range(1, window + 1)
    ]
    with database.session() as session:
        for start in range(0, len(rows), 50_000):
            session.execute(insert(Send), rows[start : start + 50_000])
    return database


def claims(database: Database, batches: int, keep_window: bool, now: datetime) -> float:
    """CPU ms per claim transaction of a new campaign claiming `batches` batches."""
    with database.session() as session:
        campaign = campaign_store.insert_campaign(
            session,
            template_name=f"daily_offer_{int(keep_window)}",
            language="tr",
            limit=BATCH * batches,
            phone_number_id="106540352242922",
            now=now,
        )
        campaign_id = campaign.id
    limit = 10_000_000
    window = DailyWindow(limit) if keep_window else None
    started = time.process_time()
    for i in range(batches):
        at = now + timedelta(milliseconds=250 * i)
        batch = claim_next(
            database, campaign_id, want=BATCH, daily_limit=limit, now=at, window=window
        )
        assert len(batch.claims) == BATCH
    return 1000 * (time.process_time() - started) / batches


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--window", type=int, default=100_000, help="sends already today")
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / "claims.db"
    database = prepare(path, args.contacts, args.window, now)
    try:
        exact = claims(database, args.batches, keep_window=False, now=now)
        kept = claims(database, args.batches, keep_window=True, now=now)
    finally:
        database.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(
        f"claim of {BATCH} with {args.window:,} sends in the day's window "
        f"({args.batches} batches): exact count every batch {exact:.2f} ms CPU, "
        f"kept window {kept:.2f} ms CPU ({exact / kept:.1f}× less)"
    )
    out = RESULTS / "claims.json"
    result = {"window": args.window, "batch": BATCH, "batches": args.batches}
    result |= {"exact_ms": round(exact, 3), "kept_window_ms": round(kept, 3)}
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
