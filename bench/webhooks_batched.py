"""Webhook receiver speed: signed, batched status POSTs against a running server on SQLite.

Meta asks receivers to handle ~3× the send rate in status webhooks with a median answer under
250 ms; our target is ≥ 3,000 status events/s processed with p99 answer time < 100 ms, while
a campaign is sending (sandbox mode: the built-in simulator, whose own status webhooks go
through the same receiver).

Steps: seed an SQLite file with contacts and accepted sends (message ids known), start
`wabroadcast serve` in sandbox mode on a free port, start a `daily_offer` campaign through the
API, then, for the seeded sends, `--batch` statuses per body (Meta batches up to 1,000):

  paced     `delivered` statuses posted open-loop at `--rate` statuses/s (the target load):
            answer times, and whether processing keeps up;
  flat_out  `read` statuses from `--concurrency` connections as fast as the server answers:
            the most the receiver processes per second.

Throughput counts statuses until every stored body has been processed. `met` is judged on
the paced phase. Other processes on the machine skew the figures: the load average is
recorded with them.

    .venv/bin/python bench/webhooks_batched.py [--sends 20000] [--batch 100] [--rate 3000]
"""

from __future__ import annotations

import sys

# bench/select.py shadows the standard library's `select` (which asyncio imports) when a
# script in this folder runs: take the folder off the import path first.
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    sys.path.pop(0)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402

from wabroadcast.storage.db import Database  # noqa: E402
from wabroadcast.webhooks import sign  # noqa: E402

RESULTS = Path(__file__).parent / "results"
APP_SECRET = "bench-app-secret-1c9e7a55"
API_TOKEN = "bench-api-token-5b2f0e8d1a"
BASE_TS = 1765810800


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(path: Path, sends: int, extra_contacts: int) -> None:
    """Contacts and accepted sends of an earlier campaign (template `bench_old`)."""
    Database(f"sqlite:///{path}").dispose()  # create the schema
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    total = sends + extra_contacts
    with sqlite3.connect(path) as connection:
        connection.executemany(
            'INSERT INTO contacts (id, phone, "index", attributes, created_at, updated_at) '
            "VALUES (?, ?, ?, '{}', ?, ?)",
            [(i, f"+9053{i:08d}", i, now, now) for i in range(1, total + 1)],
        )
        connection.execute(
            "INSERT INTO campaigns (id, template_name, language, phone_number_id, state, "
            "requested_limit, eligible_count, selected_count, accepted_count, failed_count, "
            "unknown_count, held_back_count, failures, parameters, created_at, updated_at) "
            "VALUES (1, 'bench_old', 'tr', '106540352242922', 'completed', ?, ?, ?, ?, 0, 0, 0,"
            " '{}', '{}', ?, ?)",
            (sends, sends, sends, sends, now, now),
        )
        connection.executemany(
            "INSERT INTO sends (id, template_name, contact_id, campaign_id, language, phone, "
            "state, message_id, attempts, claimed_at, accepted_at, updated_at) "
            "VALUES (?, 'bench_old', ?, 1, 'tr', ?, 'accepted', ?, 1, ?, ?, ?)",
            [
                (i, i, f"+9053{i:08d}", f"wamid.bench.{i}", now, now, now)
                for i in range(1, sends + 1)
            ],
        )


def body(first: int, count: int, status: str) -> bytes:
    """One Meta-shaped `messages` change carrying `count` statuses."""
    ids = range(first, first + count)
    statuses: list[dict[str, Any]] = []
    for i in ids:
        item: dict[str, Any] = {
            "id": f"wamid.bench.{i}",
            "status": status,
            "timestamp": str(BASE_TS + (60 if status == "read" else 5)),
            "recipient_id": f"9053{i:08d}",
            "biz_opaque_callback_data": f"s={i};c=1",
        }
        if status == "delivered":
            item["pricing"] = {
                "billable": True,
                "pricing_model": "PMP",
                "type": "regular",
                "category": "marketing",
            }
        statuses.append(item)
    contacts = [{"profile": {"name": f"C{i}"}, "wa_id": f"9053{i:08d}"} for i in ids]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": contacts,
        "statuses": statuses,
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(payload).encode()


def errors(path: Path) -> list[str]:
    """Stored bodies that could not be applied (the campaign's own webhooks included)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        rows = connection.execute("SELECT error FROM webhook_events WHERE error IS NOT NULL")
        return [str(row[0]) for row in rows.fetchall()]


def unprocessed(path: Path) -> tuple[int, int]:
    """(unprocessed raw bodies, bench status facts stored)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
        pending = connection.execute(
            "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL"
        ).fetchone()[0]
        facts = connection.execute(
            "SELECT count(*) FROM status_events WHERE message_id LIKE 'wamid.bench.%'"
        ).fetchone()[0]
    return int(pending), int(facts)


async def wait_ready(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}")
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("server did not start")


async def start_campaign(client: httpx.AsyncClient, limit: int) -> int | None:
    response = await client.post(
        "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": limit}
    )
    if response.status_code != 202:
        print(f"campaign not started ({response.status_code}): {response.text[:200]}")
        return None
    campaign_id = int(response.json()["id"])
    for _ in range(100):  # wait until it is actually sending
        state = (await client.get(f"/api/campaigns/{campaign_id}")).json()
        if state.get("accepted", 0) > 0:
            break
        await asyncio.sleep(0.1)
    return campaign_id


async def campaign_counts(client: httpx.AsyncClient, campaign_id: int | None) -> dict[str, int]:
    """accepted/delivered/read of the live campaign (its statuses come through the receiver)."""
    if campaign_id is None:
        return {}
    response = await client.get(f"/api/campaigns/{campaign_id}")
    if response.status_code != 200:
        return {}
    data = response.json()
    return {key: int(data.get(key, 0)) for key in ("accepted", "delivered", "read")}


async def blast(client: httpx.AsyncClient, bodies: list[bytes], concurrency: int) -> list[float]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for item in bodies:
        queue.put_nowait(item)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            raw = queue.get_nowait()
            headers = {"X-Hub-Signature-256": sign(raw, APP_SECRET)}
            started = time.perf_counter()
            response = await client.post("/webhook", content=raw, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"POST /webhook → {response.status_code}: {response.text}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def paced(client: httpx.AsyncClient, bodies: list[bytes], per_second: float) -> list[float]:
    """Open loop: body k is posted at start + k / per_second, whatever earlier answers took."""
    latencies: list[float] = []
    start = time.perf_counter()

    async def post(index: int, raw: bytes) -> None:
        await asyncio.sleep(max(0.0, start + index / per_second - time.perf_counter()))
        headers = {"X-Hub-Signature-256": sign(raw, APP_SECRET)}
        started = time.perf_counter()
        response = await client.post("/webhook", content=raw, headers=headers)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"POST /webhook → {response.status_code}: {response.text}")

    await asyncio.gather(*(post(i, raw) for i, raw in enumerate(bodies)))
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_server(workdir: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """`wabroadcast serve` in sandbox mode (no access token), in its own process."""
    command = [sys.executable, "-m", "wabroadcast", "serve", "--port", str(port)]
    with (workdir / "server.log").open("wb") as log:
        return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    path = workdir / "bench.db"
    seed(path, args.sends, args.campaign)
    load_before = os.getloadavg()[0]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "VERIFY_TOKEN": "bench-verify",
        "WABROADCAST_API_TOKEN": API_TOKEN,
        "DAILY_RECIPIENT_LIMIT": "1000000",
    }
    env.pop("WHATSAPP_ACCESS_TOKEN", None)
    server = start_server(workdir, env, port)
    try:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        limits = httpx.Limits(max_connections=args.concurrency + 2)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=60
        ) as client:
            await wait_ready(client, server)
            campaign_id = await start_campaign(client, args.campaign) if args.campaign else None
            before = await campaign_counts(client, campaign_id)
            phases = {}
            for name, status in (("paced", "delivered"), ("flat_out", "read")):
                bodies = [
                    body(first, min(args.batch, args.sends - first + 1), status)
                    for first in range(1, args.sends + 1, args.batch)
                ]
                started = time.perf_counter()
                if name == "paced":
                    latencies = await paced(client, bodies, args.rate / args.batch)
                else:
                    latencies = await blast(client, bodies, args.concurrency)
                answered = time.perf_counter() - started
                done = await wait_processed(path, args.sends * (2 if status == "read" else 1))
                phases[name] = summary(latencies, args.sends, answered, done - started)
            after = await campaign_counts(client, campaign_id)
            load_after = os.getloadavg()[0]
            failed_bodies = errors(path)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    sending = after.get("accepted", 0) > before.get("accepted", 0)
    return {
        "statuses_per_phase": args.sends,
        "batch": args.batch,
        "paced_rate": args.rate,
        "flat_out_concurrency": args.concurrency,
        **phases,
        "bodies_with_errors": len(failed_bodies),
        "first_error": failed_bodies[0] if failed_bodies else None,
        "campaign_sending": sending,
        "campaign_accepted_meanwhile": after.get("accepted", 0) - before.get("accepted", 0),
        "campaign_counts_at_end": after,
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "cpus": os.cpu_count(),
    }


async def wait_processed(path: Path, expected_facts: int) -> float:
    """The moment every stored body is processed and the phase's statuses are all stored."""
    while True:
        pending, facts = unprocessed(path)
        if pending == 0 and facts >= expected_facts:
            return time.perf_counter()
        await asyncio.sleep(0.02)


def summary(latencies: list[float], statuses: int, answered: float, processed: float) -> Any:
    return {
        "answer_ms": {
            "p50": round(statistics.median(latencies) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies) * 1000, 2),
        },
        "answered_statuses_per_s": round(statuses / answered),
        "processed_statuses_per_s": round(statuses / processed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=20000, help="seeded sends (2 statuses each)")
    parser.add_argument("--batch", type=int, default=100, help="statuses per POST")
    parser.add_argument("--rate", type=float, default=3000, help="paced phase: statuses/s")
    parser.add_argument("--concurrency", type=int, default=8, help="flat-out phase: connections")
    parser.add_argument("--campaign", type=int, default=5000, help="contacts for a live campaign")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wabroadcast-bench-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    result["target"] = {"processed_statuses_per_s": 3000, "answer_p99_ms": 100}
    paced_phase = result["paced"]
    result["met"] = (
        paced_phase["processed_statuses_per_s"] >= 0.95 * args.rate
        and args.rate >= 3000
        and paced_phase["answer_ms"]["p99"] < 100
    )
    for key, value in result.items():
        print(f"{key:32} {value}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "webhooks_batched.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS / 'webhooks_batched.json'}")


if __name__ == "__main__":
    main()
