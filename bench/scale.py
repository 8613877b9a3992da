"""Scale-out: two `wabroadcast serve` processes, three numbers at 1,000 msg/s each, on PostgreSQL.

One simulator process (three phone number ids, throughput limit 3,000 msg/s in total, ~150 ms
latency) on a real local port; a fresh PostgreSQL schema with N contacts. Two real `serve`
processes on that schema; the three campaigns (N/3 each, one per number) are all created
through server A's API, as a user would. Server A takes its fair share of the numbers (two of
three) and offers the third, which server B takes (engine/balance.py). Throughput is measured
per number from the sends' `accepted_at` and in total on the simulator's ground-truth log.

    .venv/bin/python bench/scale.py [--messages 9000] [--database-url postgresql+psycopg://…]

Writes bench/results/scale.json. Bounded: the servers are stopped after --timeout seconds.
"""

from __future__ import annotations

import argparse
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
from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import post_campaign  # noqa: E402
from wabroadcast.engine import summary_of  # noqa: E402
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN  # noqa: E402
from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.storage.tables import (  # noqa: E402
    Campaign,
    Contact,
    Send,
    SenderLease,
    SenderProcess,
)

RESULTS = ROOT / "bench" / "results"
NUMBERS = ("106540352242922", "106540352242923", "106540352242924")
RATE = 1000.0
WABA_ID = "102290129340398"
API_TOKEN = "bench-" + "t" * 40
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
        "WABA_ID": WABA_ID,
        "WABROADCAST_API_TOKEN": API_TOKEN,
        "ACCESS_LOG": "false",
    }


def prepare(database_url: str, messages: int) -> None:
    database = Database(database_url)  # migrates the fresh schema
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
    with database.session() as session:
        session.execute(insert(Contact), rows)
    database.dispose()


def create_campaigns(port: int, messages: int) -> list[int]:
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:
        return [post_campaign(http, messages // len(NUMBERS), number) for number in NUMBERS]


def start_server(database_url: str, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **environment(database_url, url), "PORT": str(port)}
    return subprocess.Popen(
        [sys.executable, "-m", "wabroadcast", "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(check: Any, what: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} within {within:g} s")


def live_servers(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(SenderProcess))
    engine.dispose()
    return int(count or 0)


def per_number_rates(database_url: str, campaign_ids: list[int]) -> dict[str, dict[str, Any]]:
    """Each campaign's accepted sends over its own span, from the database."""
    engine = create_engine(database_url)
    rates: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        for campaign_id in campaign_ids:
            number = connection.scalar(
                select(Campaign.phone_number_id).where(Campaign.id == campaign_id)
            )
            count, first, last = connection.execute(
                select(func.count(), func.min(Send.accepted_at), func.max(Send.accepted_at))
                .where(Send.campaign_id == campaign_id)
                .where(Send.state == "accepted")
            ).one()
            span = (last - first).total_seconds() if count > 1 else 0.0
            rate = (count - 1) / span if span > 0 else 0.0
            rates[str(number)] = {
                "accepted": count,
                "rate": round(rate, 1),
                "share_of_rate": round(rate / RATE, 3),
            }
    engine.dispose()
    return rates


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
            if not holder.startswith("offer:"):  # an offered number (engine/balance.py)
                seen.setdefault(number, set()).add(holder.rsplit(":", 1)[0])
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
    args = parser.parse_args()
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
    servers: list[subprocess.Popen[bytes]] = []
    try:
        prepare(database_url, args.messages)
        ports = [free_port(), free_port()]
        servers = [start_server(database_url, url, port) for port in ports]
        wait_until(lambda: live_servers(database_url) == 2, "the two servers did not start")
        started = time.perf_counter()
        campaign_ids = create_campaigns(ports[0], args.messages)
        holders: dict[str, set[str]] = {}
        deadline = time.monotonic() + args.timeout
        states = ["running"]
        while "running" in states and time.monotonic() < deadline:
            sample_holders(database_url, holders)
            time.sleep(0.2)
            database = Database(database_url)
            states = [summary_of(database, c).state.value for c in campaign_ids]
            database.dispose()
        wall = time.perf_counter() - started
        timed_out = "running" in states
        numbers = per_number_rates(database_url, campaign_ids)
    finally:
        for process in [*servers, simulator]:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
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
        "serve_processes": 2,
        "accepted": accepted,
        "pairs_sent_twice": twice,
        "campaign_states": states,
        "timed_out": timed_out,
        "wall_seconds": round(wall, 2),
        "wall_rate": round(accepted / wall, 1),
        "log_rate": round(rate, 1),
        "share_of_configured_rate": round(rate / total_rate, 3),
        "per_number": numbers,
        "processes_holding_each_number": {n: sorted(p) for n, p in holders.items()},
        "processes_sending": len(set().union(*holders.values())) if holders else 0,
        "cpu_count": os.cpu_count(),
    }
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


if __name__ == "__main__":
    main()
