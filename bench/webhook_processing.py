"""Webhook processing alone: CPU time per stored single-status body, no HTTP, no campaign.

Seeds a fresh SQLite file as bench/webhooks.py does (one accepted send per body), stores
``--bodies`` single-status bodies (``delivered``, each bringing its contact's wa_id), then
times one ``process_pending`` pass over them in this process: wall and CPU time (CPU time is
what the webhook worker takes from the process's one GIL, and moves less than wall time on a
machine shared with other work). ``--rounds`` repeats it on fresh databases.

    .venv/bin/python bench/webhook_processing.py [--bodies 5000] [--rounds 3]
"""

from __future__ import annotations

import sys

# bench/select.py shadows the standard library's `select`: take this folder off the path.
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    sys.path.pop(0)
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))  # bench.*

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.webhooks import BODY, seed  # noqa: E402
from wabroadcast.clock import SystemClock  # noqa: E402
from wabroadcast.storage import webhook_events  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.webhooks import process_pending  # noqa: E402


def one_round(bodies: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="wh-processing-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        seed(url, bodies, 0)
        database = Database(url)
        now = datetime.now(UTC)
        with database.session() as session:
            webhook_events.store_many(
                session, [(BODY % (k, k), "statuses", now) for k in range(1, bodies + 1)]
            )
        wall, cpu = time.perf_counter(), time.process_time()
        done = process_pending(database, SystemClock())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        database.dispose()
    assert done == bodies, f"processed {done} of {bodies}"
    return {
        "bodies_per_s_cpu": round(bodies / cpu),
        "cpu_ms_per_body": round(cpu * 1000 / bodies, 3),
        "wall_s": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds = [one_round(args.bodies) for _ in range(args.rounds)]
    best = max(rounds, key=lambda r: r["bodies_per_s_cpu"])
    print(json.dumps({"bodies": args.bodies, "rounds": rounds, "best": best}, indent=2))


if __name__ == "__main__":
    main()
