"""Send speed and CPU: `wabroadcast send` against a stand-in Graph API, at SEND_RATE 80 and 1000.

The stand-in (bench/standin.py) is a raw asyncio protocol server in its own process that answers
after 150 ms and records when each send arrived; its own ceiling is measured in the same run
with an aiohttp load loop (1,500 requests in flight, no engine, no database). For each rate a
`wabroadcast send` child process sends N messages from a fresh SQLite database:

- achieved rate: from the stand-in's receive times (first to last send);
- CPU: the child's user+system seconds (os.wait4), minus the start-up CPU of the same command
  sending one message (imports, migrations), divided by the sending span → cores used.

The original tool's one-request-at-a-time loop runs against the same stand-in.

    .venv/bin/python bench/send.py [--seconds 20] [--rates 80 1000] [--baseline 40]

Writes bench/results/send.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, text

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.cloudapi.transport import default_http_client
from wabroadcast.engine.ratelimit import TokenBucket
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
PHONE_NUMBER_ID = "106540352242922"
TOKEN = "EAAbenchSTANDINtoken0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StandIn:
    """The stand-in Graph API process; ``stop()`` returns the receive time of every send."""

    def __init__(self, latency_ms: float) -> None:
        self.port = free_port()
        self.times = RESULTS / f"standin-{self.port}.txt"
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "standin.py"), str(self.port), str(self.times)]
            + ["--latency-ms", str(latency_ms)]
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("the stand-in did not start")

    def stop(self) -> list[float]:
        self.process.terminate()
        self.process.wait(timeout=10)
        times = [float(line) for line in self.times.read_text().split()]
        self.times.unlink()
        return times


def span_rate(times: list[float]) -> tuple[float, float]:
    """(seconds first to last, messages per second over that span)."""
    span = max(times) - min(times) if len(times) > 1 else 0.0
    return span, ((len(times) - 1) / span if span > 0 else 0.0)


def fresh_database(path: Path, contacts: int, chunk: int = 50_000) -> str:
    """An SQLite file with `contacts` contacts, inserted `chunk` rows at a time in one
    transaction: a million row dicts at once would cost this process about a gigabyte."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    database = Database(f"sqlite:///{path}")
    now = datetime.now(UTC)
    with database.session() as session:
        session.execute(text("SELECT 1"))
        for start in range(1, contacts + 1, chunk):
            rows = [
                {"phone": f"+90555{i:07d}", "index": i, "attributes": {}}
                | {"created_at": now, "updated_at": now}
                for i in range(start, min(start + chunk, contacts + 1))
            ]
            session.execute(insert(Contact), rows)
    database.dispose()
    return database.url


def run_send(
    url: str, database_url: str, rate: float, limit: int, profile: Path | None = None
) -> dict[str, float]:
    """One `wabroadcast send` child; its exit code, wall and CPU seconds. With `profile`, the
    child runs under `py-spy record` (raw stacks into that file) and its CPU figure includes
    the sampler's: a profiling run shows where the time goes, not how much there is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "GRAPH_"))}
    env |= {
        "DATABASE_URL": database_url,
        "GRAPH_API_URL": url,
        "WHATSAPP_ACCESS_TOKEN": TOKEN,
        "PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "SEND_RATE": str(rate),
        "DAILY_RECIPIENT_LIMIT": "10000000",
    }
    command = [sys.executable, "-m", "wabroadcast", "--env-file", "/nonexistent/.env", "send"]
    command += ["--template", "daily_offer", "--language", "tr", "--limit", str(limit), "--json"]
    if profile is not None:
        spy = Path(sys.executable).with_name("py-spy")
        command = [
            str(spy),
            "record",
            "-f",
            "raw",
            "-r",
            "250",
            "--gil",
            "-o",
            str(profile),
            "--",
            *command,
        ]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": process.returncode,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def client_for(http: aiohttp.ClientSession, url: str) -> CloudAPIClient:
    return CloudAPIClient(
        http,
        base_url=url,
        version="v25.0",
        phone_number_id=PHONE_NUMBER_ID,
        waba_id="102290129340398",
        access_token=TOKEN,
    )


async def ceiling_run(url: str, requests: int, in_flight: int) -> float:
    """The stand-in's own ceiling: raw aiohttp POSTs, `in_flight` at a time, no pacing."""
    connector = aiohttp.TCPConnector(limit=in_flight)
    body = b'{"messaging_product":"whatsapp","to":"+905550000000","type":"template"}'
    target = f"{url}/v25.0/{PHONE_NUMBER_ID}/messages"
    left = requests
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                async with http.post(target, data=body) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return requests / (time.perf_counter() - started)


async def paced_floor(url: str, rate: float, seconds: float) -> dict[str, float]:
    """The floor under the engine at `rate`: the same Cloud API client, token bucket and number
    of requests in flight, no claims, no database, no progress bar. Its CPU (this process's,
    measured with nothing else running in it) is what sending at that rate costs before the
    engine adds anything."""
    messages = int(rate * seconds)
    in_flight = max(4, math.ceil(rate * 0.15 * 1.5))
    async with default_http_client(timeout=30, max_connections=in_flight) as http:
        client = client_for(http, url)
        loop = asyncio.get_running_loop()
        bucket = TokenBucket(rate, now=loop.time, sleep=asyncio.sleep)
        left = messages

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await bucket.acquire()
                await client.send_template("+905550000000", "daily_offer", "tr")

        await client.send_template("+905550000000", "daily_offer", "tr")  # connect first
        cpu, started = time.process_time(), time.perf_counter()
        workers = []
        for _ in range(in_flight):  # staggered, as the engine grows its pool
            workers.append(asyncio.create_task(worker()))
            await asyncio.sleep(0.002)
        await asyncio.gather(*workers)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    return {
        "messages": messages,
        "rate": round(messages / wall, 1),
        "cores": round(cpu / wall, 4),
        "cpu_ms_per_message": round(1000 * cpu / messages, 3),
    }


async def baseline_run(url: str, messages: int) -> dict[str, float]:
    """The original tool's loop: one request, wait for the answer, next."""
    async with default_http_client(timeout=30) as http:
        client = client_for(http, url)
        started = time.perf_counter()
        for i in range(messages):
            await client.send_template(f"+90556{i:07d}", "daily_offer", "tr")
        wall = time.perf_counter() - started
    return {"messages": messages, "wall_seconds": round(wall, 2), "rate": round(messages / wall, 1)}


def measure(
    rate: float, seconds: float, latency_ms: float, profile: bool = False
) -> dict[str, Any]:
    messages = int(rate * seconds)
    db = RESULTS / f"send-{int(rate)}.db"
    startup_db = RESULTS / f"send-{int(rate)}-startup.db"
    database_url = fresh_database(db, messages)
    startup_url = fresh_database(startup_db, 1)
    standin = StandIn(latency_ms)
    try:
        floor = asyncio.run(paced_floor(standin.url, rate, min(seconds, 10.0)))
        standin.stop()
        standin = StandIn(latency_ms)
        startup = run_send(standin.url, startup_url, rate, 1)
        standin_times = standin.stop()
        standin = StandIn(latency_ms)
        stacks = RESULTS / f"send-{int(rate)}.stacks.txt" if profile else None
        child = run_send(standin.url, database_url, rate, messages, stacks)
    finally:
        times = standin.stop()
    for path in (db, startup_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    span, achieved = span_rate(times)
    sending_cpu = max(0.0, child["cpu_seconds"] - startup["cpu_seconds"])
    cores = sending_cpu / span if span else 0.0
    result = {
        "send_rate": rate,
        "messages": messages,
        "received": len(times),
        "startup_sends": len(standin_times),
        "achieved_rate": round(achieved, 1),
        "share_of_rate": round(achieved / rate, 4),
        "child": {k: round(v, 3) for k, v in child.items()},
        "startup_cpu_seconds": round(startup["cpu_seconds"], 3),
        "sending_cpu_seconds": round(sending_cpu, 3),
        "cores_while_sending": round(cores, 4),
        "cpu_ms_per_message": round(1000 * sending_cpu / max(1, len(times)), 3),
        "paced_floor": floor,
    }
    print(
        f"SEND_RATE={rate:g}: {len(times)}/{messages} sends received, {achieved:.1f} msg/s = "
        f"{achieved / rate:.1%} of the rate; sender CPU {child['cpu_seconds']:.2f} s "
        f"(start-up {startup['cpu_seconds']:.2f} s) → {cores:.3f} core while sending, "
        f"{result['cpu_ms_per_message']} ms/message; exit {child['exit_code']:.0f}, "
        f"peak RSS {child['peak_rss_mb']:.0f} MB"
    )
    print(
        f"  floor at {rate:g}/s (client + token bucket, no engine, no database): "
        f"{floor['rate']} msg/s, {floor['cores']:.3f} core, "
        f"{floor['cpu_ms_per_message']} ms/message → the engine adds "
        f"{cores - floor['cores']:.3f} core"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="sending time per rate")
    parser.add_argument("--rates", type=float, nargs="+", default=[80.0, 1000.0])
    parser.add_argument("--baseline", type=int, default=40, help="messages for the baseline")
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run each sender under py-spy (bench/results/send-RATE.stacks.txt; CPU inflated)",
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)

    standin = StandIn(args.latency_ms)
    try:
        ceiling = asyncio.run(ceiling_run(standin.url, 15000, 1500))
        baseline = asyncio.run(baseline_run(standin.url, args.baseline))
    finally:
        standin.stop()
    print(
        f"stand-in ceiling (aiohttp loop, 1,500 in flight, {args.latency_ms:g} ms): "
        f"{ceiling:.0f} req/s = {ceiling / max(args.rates):.1f}× the highest rate"
    )
    print(f"one-at-a-time loop: {baseline['rate']} msg/s ({baseline['messages']} messages)")

    runs = [measure(rate, args.seconds, args.latency_ms, args.profile) for rate in args.rates]
    for run in runs:
        print(
            f"  SEND_RATE={run['send_rate']:g}: {run['achieved_rate'] / baseline['rate']:.1f}× "
            f"the one-at-a-time loop"
        )
    out = RESULTS / "send.json"
    report = {"standin_ceiling": round(ceiling, 1), "sequential_baseline": baseline, "runs": runs}
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
