"""Send speed: the engine against the simulator on a real local port, at SEND_RATE 80 and 1000.

The simulator runs as its own process (`wabroadcast simulator`) with about 150 ms latency and
the configured rate as its throughput limit (130429 beyond it). For each rate the engine sends
N messages from a fresh SQLite database; the achieved rate comes from the simulator's
ground-truth log (first to last accepted message) and from the wall clock of the whole run.
A one-request-at-a-time loop (how the original tool sends) runs against the same simulator.

    .venv/bin/python bench/send.py [--messages 5000] [--baseline 100] [--rates 80 1000]

Writes bench/results/send.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.cloudapi.errors import CloudAPIError
from wabroadcast.config import load_settings
from wabroadcast.engine import EngineOptions, create_campaign, run_campaign
from wabroadcast.engine.pool import sender_pool
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact

RESULTS = Path(__file__).parent / "results"
PHONE_NUMBER_ID = "106540352242922"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_simulator(rate: float, latency_ms: float, log: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "WHATSAPP_ACCESS_TOKEN"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wabroadcast",
            "--env-file",
            "/nonexistent/.env",
            "simulator",
            "--port",
            str(port),
            "--rate",
            str(rate),
            "--latency-ms",
            str(latency_ms),
            "--jitter-ms",
            "30",
            "--log",
            str(log),
            "--seed",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/v25.0/{PHONE_NUMBER_ID}", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the simulator did not start")


def client_for(http: httpx.AsyncClient, url: str) -> CloudAPIClient:
    return CloudAPIClient(
        http,
        base_url=url,
        version="v25.0",
        phone_number_id=PHONE_NUMBER_ID,
        waba_id="102290129340398",
        access_token=SANDBOX_ACCESS_TOKEN,
    )


def fresh_database(path: Path, contacts: int) -> Database:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    database = Database(f"sqlite:///{path}")
    now = datetime.now(UTC)
    with database.session() as session:
        session.execute(text("SELECT 1"))
        session.execute(
            insert(Contact),
            [
                {
                    "phone": f"+90555{i:07d}",
                    "index": i,
                    "attributes": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, contacts + 1)
            ],
        )
    return database


def log_rate(log: Path) -> tuple[int, float, int]:
    """(messages, msg/s between first and last accepted, pairs sent twice) from the log."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    times = sorted(datetime.fromisoformat(line["at"]).timestamp() for line in lines)
    pairs = Counter((line["template"], line["to"]) for line in lines)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span > 0 else 0.0
    return len(lines), rate, sum(1 for count in pairs.values() if count > 1)


async def engine_run(rate: float, url: str, messages: int, db_path: Path) -> dict[str, Any]:
    database = fresh_database(db_path, messages)
    settings = load_settings(
        {"DATABASE_URL": database.url, "SEND_RATE": str(rate), "DAILY_RECIPIENT_LIMIT": "1000000"},
        env_file=None,
    )
    with database.session() as session:
        campaign = create_campaign(
            session,
            template_name="daily_offer",
            language="tr",
            limit=messages,
            phone_number_id=PHONE_NUMBER_ID,
            clock=_Clock(),
        )
    in_flight = EngineOptions().in_flight_for(rate, 0.25)
    async with sender_pool(lambda http: client_for(http, url), in_flight) as pool:
        started = time.perf_counter()
        summary = await run_campaign(campaign.id, database=database, client=pool, settings=settings)
        wall = time.perf_counter() - started
    database.dispose()
    return {
        "accepted": summary.accepted,
        "failed": summary.failed,
        "unknown": summary.unknown,
        "failures": summary.failures,
        "wall_seconds": round(wall, 2),
        "wall_rate": round(summary.accepted / wall, 1),
    }


async def baseline_run(url: str, messages: int) -> dict[str, Any]:
    """The original tool's loop: one request, wait for the answer, next."""
    async with httpx.AsyncClient(timeout=30) as http:
        client = client_for(http, url)
        started = time.perf_counter()
        for i in range(messages):
            await client.send_template(f"+90556{i:07d}", "daily_offer", "tr")
        wall = time.perf_counter() - started
    return {"messages": messages, "wall_seconds": round(wall, 2), "rate": round(messages / wall, 1)}


async def ceiling_run(url: str, messages: int, in_flight: int) -> float:
    """What the simulator and the HTTP client manage with no engine at all: `in_flight`
    concurrent requests over the same pools, no pacing, no database."""
    async with sender_pool(lambda http: client_for(http, url), in_flight) as client:
        gate = asyncio.Semaphore(in_flight)

        async def one(i: int) -> int:
            async with gate:
                try:
                    await client.send_template(f"+90557{i:07d}", "daily_offer", "tr")
                except CloudAPIError:  # 130429 once past the simulator's rate
                    return 0
                return 1

        started = time.perf_counter()
        accepted = sum(await asyncio.gather(*(one(i) for i in range(messages))))
        return accepted / (time.perf_counter() - started)


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def measure(rate: float, args: argparse.Namespace) -> dict[str, Any]:
    log = RESULTS / f"send-{int(rate)}.jsonl"
    log.unlink(missing_ok=True)
    process, url = start_simulator(rate, args.latency_ms, log)
    try:
        engine = asyncio.run(engine_run(rate, url, args.messages, RESULTS / f"send-{int(rate)}.db"))
        sent, achieved, duplicates = log_rate(log)
        log.unlink()
        baseline = asyncio.run(baseline_run(url, args.baseline)) if args.baseline else None
        # At low rates the simulator's throughput limit is the ceiling; measure only high ones.
        ceiling = (
            asyncio.run(ceiling_run(url, min(args.messages, 2000), 300)) if rate >= 500 else None
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    result = {
        "send_rate": rate,
        "messages": args.messages,
        "latency_ms": args.latency_ms,
        "simulator_accepted": sent,
        "achieved_rate": round(achieved, 1),
        "share_of_rate": round(achieved / rate, 4),
        "pairs_sent_twice": duplicates,
        "engine": engine,
        "sequential_baseline": baseline,
    }
    print(
        f"SEND_RATE={rate:g}: {sent} messages, {achieved:.1f} msg/s = {achieved / rate:.1%} of "
        f"the rate (wall clock incl. start-up: {engine['wall_rate']} msg/s, "
        f"{engine['wall_seconds']} s); failed {engine['failed']}, unknown {engine['unknown']}, "
        f"pairs sent twice {duplicates}"
    )
    if ceiling:
        print(
            f"  ceiling of simulator + HTTP client on this machine (256 requests in flight, no "
            f"engine, no database): {ceiling:.1f} msg/s; the engine reached "
            f"{achieved / ceiling:.1%} of it"
        )
    if baseline:
        print(
            f"  one-at-a-time baseline: {baseline['rate']} msg/s "
            f"({baseline['messages']} messages in {baseline['wall_seconds']} s) = "
            f"{baseline['rate'] / rate:.1%} of the rate"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--baseline", type=int, default=100, help="messages for the baseline")
    parser.add_argument("--rates", type=float, nargs="+", default=[80.0, 1000.0])
    parser.add_argument("--latency-ms", type=float, default=150.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # throttling answers are counted, not printed
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = [measure(rate, args) for rate in args.rates]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of this process: {peak_kb / 1024:.0f} MB")
    out = RESULTS / "send.json"
    out.write_text(json.dumps({"runs": runs, "peak_rss_mb": round(peak_kb / 1024, 1)}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
