"""Selection with an A/B test's bucket range: one variant's 10% out of `--contacts` contacts.

A fresh SQLite database (bench/send.py's fresh_database) holds `--contacts` contacts. Times
the engine's own selection (storage/sends.select_eligible, count_eligible) for a template
never sent, with no narrowing, with variant A's buckets (10%) and with the rest's (80%).

    .venv/bin/python bench/ab_tests.py [--contacts 200000] [--take 1000]

Prints milliseconds per query (best of 5).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from send import RESULTS, fresh_database  # noqa: E402

from wabroadcast.domain.ab_tests import BucketRange, rest_range, variant_range  # noqa: E402
from wabroadcast.storage import sends as send_store  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402


def best_ms(database: Database, narrow: BucketRange | None, take: int) -> tuple[float, float]:
    picks, counts = [], []
    for _ in range(5):
        with database.session() as session:
            start = time.perf_counter()
            send_store.select_eligible(session, "brand_new", take, narrow=narrow)
            picks.append(time.perf_counter() - start)
            start = time.perf_counter()
            send_store.count_eligible(session, "brand_new", narrow=narrow)
            counts.append(time.perf_counter() - start)
    return min(picks) * 1000, min(counts) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--take", type=int, default=1000)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    database = Database(fresh_database(RESULTS / "ab_tests.db", args.contacts))
    cases = {
        "none": None,
        "variant A (10%)": variant_range(7, 0, 10),
        "rest (80%)": rest_range(7, 2, 10),
    }
    for label, narrow in cases.items():
        pick, count = best_ms(database, narrow, args.take)
        print(f"{label:16} select {args.take}: {pick:7.1f} ms   count all: {count:7.1f} ms")
    database.dispose()


if __name__ == "__main__":
    main()
