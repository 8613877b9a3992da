"""Scale-out: two sending processes, three numbers at 1,000 msg/s each, on PostgreSQL.

One simulator process (three phone number ids, throughput limit 3,000 msg/s in total, ~150 ms
latency) on a real local port; a fresh PostgreSQL schema with N contacts and three campaigns of
N/3, one per number. Two worker processes each run all three campaigns the way
`wabroadcast serve` does (engine.manager.run_with_lease, one task per campaign): for each
number the lease lets one process send, the other waits. Throughput is measured on the
simulator's ground-truth log and reported as a share of the configured 3,000 msg/s.

    .venv/bin/python bench/scale.py [--messages 9000] [--database-url postgresql+psycopg://…]

Writes bench/results/scale.json. Bounded: workers are killed after --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wabroadcast.cloudapi.client import CloudAPIClient  # noqa: E402
from wabroadcast.config import load_settings  # noqa: E402
from wabroadcast.engine import EngineOptions, create_campaign, summary_of  # noqa: E402
from wabroadcast.engine.manager import run_with_lease  # noqa: E402
from wabroadcast.engine.pool import sender_pool  # noqa: E402
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.storage.tables import Contact, SenderLease  # noqa: E402

RESULTS = ROOT / "bench" / "results"
NUMBERS = ("106540352242922", "106540352242923", "106540352242924")
RATE = 1000.0
WABA_ID = "102290129340398"
SIMULATOR = """
import sys, uvicorn
from pathlib import Path
from wabroadcast.simulator import SimulatorConfig, create_simulator
numbers = sys.argv[3].split(",")
config = SimulatorConfig(
    phone_number_id=numbers[0], extra_phone_number_ids=tuple(numbers[1:]),
    rate=float(sys.argv[4]), latency=0.15, latency_jitter=0.03, seed=1,
    log_path=Path(sys.argv[2]),
)
uvicorn.run(create_simulator(config), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_simulator(log: Path, total_rate: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SIMULATOR, str(port), str(log), ",".join(NUMBERS), str(total_rate)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/v25.0/{NUMBERS[0]}", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the simulator did not start")


def environment(database_url: str, url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "GRAPH_API_URL": url,
        "WHATSAPP_ACCESS_TOKEN": SANDBOX_ACCESS_TOKEN,
        "PHONE_NUMBER_ID": NUMBERS[0],
        "PHONE_NUMBERS": ",".join(f"{n}:{RATE:g}" for n in NUMBERS),
        "DAILY_RECIPIENT_LIMIT": "10000000",
    }


def prepare(database_url: str, messages: int) -> list[int]:
    database = Database(database_url)
    now = datetime.now(UTC)
    rows = [
        {
            "phone": f"+90555{i:07d}",
            "index": i,
            "attributes": {},
            "created_at": now,
            "updated_at": now,
        }
        for i in range(1, messages + 1)
    ]
    ids = []
    with database.session() as session:
        session.execute(insert(Contact), rows)
    share = messages // len(NUMBERS)
    for number in NUMBERS:
        with database.session() as session:
            ids.append(
                create_campaign(
                    session,
                    template_name="daily_offer",
                    language="tr",
                    limit=share,
                    phone_number_id=number,
                    clock=_Clock(),
                ).id
            )
    database.dispose()
    return ids


async def worker(database_url: str, url: str, campaign_ids: list[int]) -> None:
    """One `serve`-like process: every campaign as its own task, each behind its lease."""
    settings = load_settings(environment(database_url, url), env_file=None)
    database = Database(database_url)
    in_flight = EngineOptions().in_flight_for(RATE, 0.25)

    def factory(number: str) -> Any:
        return lambda http: CloudAPIClient(
            http,
            base_url=url,
            version="v25.0",
            phone_number_id=number,
            waba_id=WABA_ID,
            access_token=SANDBOX_ACCESS_TOKEN,
        )

    async with contextlib.AsyncExitStack() as stack:
        pools = {
            number: await stack.enter_async_context(sender_pool(factory(number), in_flight))
            for number in NUMBERS
        }
        await asyncio.gather(
            *(
                run_with_lease(
                    campaign_id,
                    database=database,
                    client_for=lambda number: pools[number],
                    settings=settings,
                )
                for campaign_id in campaign_ids
            )
        )
    database.dispose()


def log_stats(log: Path) -> tuple[int, float, int]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    times = sorted(datetime.fromisoformat(line["at"]).timestamp() for line in lines)
    pairs = Counter((line["template"], line["to"]) for line in lines)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span > 0 else 0.0
    return len(lines), rate, sum(1 for count in pairs.values() if count > 1)


def sample_holders(database_url: str, seen: dict[str, set[str]]) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        for number, holder in connection.execute(
            select(SenderLease.phone_number_id, SenderLease.holder)
        ):
            seen.setdefault(number, set()).add(holder.split(":")[1])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=9000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "WABROADCAST_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--timeout", type=float, default=100.0)
    parser.add_argument("--worker", nargs=3, metavar=("DB", "URL", "IDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        db, url, ids = args.worker
        asyncio.run(worker(db, url, [int(i) for i in ids.split(",")]))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{args.database_url}?options=-csearch_path%3D{schema}"
    log = RESULTS / "scale-truth.jsonl"
    log.unlink(missing_ok=True)
    total_rate = RATE * len(NUMBERS)
    simulator, url = start_simulator(log, total_rate)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        campaign_ids = prepare(database_url, args.messages)
        ids = ",".join(map(str, campaign_ids))
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [sys.executable, __file__, "--worker", database_url, url, ids],
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        holders: dict[str, set[str]] = {}
        deadline = time.monotonic() + args.timeout
        while any(w.poll() is None for w in workers) and time.monotonic() < deadline:
            sample_holders(database_url, holders)
            time.sleep(0.5)
        wall = time.perf_counter() - started
        timed_out = any(w.poll() is None for w in workers)
        database = Database(database_url)
        states = [summary_of(database, c).state.value for c in campaign_ids]
        database.dispose()
    finally:
        for process in [*workers, simulator]:
            if process.poll() is None:
                process.kill()
            process.wait()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    accepted, rate, twice = log_stats(log)
    result = {
        "messages": args.messages,
        "numbers": len(NUMBERS),
        "configured_rate_per_number": RATE,
        "configured_total_rate": total_rate,
        "sending_processes": 2,
        "accepted": accepted,
        "pairs_sent_twice": twice,
        "campaign_states": states,
        "timed_out": timed_out,
        "wall_seconds": round(wall, 2),
        "wall_rate": round(accepted / wall, 1),
        "log_rate": round(rate, 1),
        "share_of_configured_rate": round(rate / total_rate, 3),
        "processes_holding_each_number": {n: sorted(p) for n, p in holders.items()},
        "cpu_count": os.cpu_count(),
    }
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


if __name__ == "__main__":
    main()
