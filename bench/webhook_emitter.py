# ruff: noqa: E402 - the imports follow the sys.path fix below
"""Webhook throughput: how fast the simulator's emitter delivers statuses, and the app takes them.

    .venv/bin/python bench/webhook_emitter.py [--messages 5000] [--max-batch 100] [--concurrency 4]

Two targets, both in-process (httpx.ASGITransport), zero stage delays:
  null      a receiver that answers 200 at once: the emitter's own cost (plan, JSON, HMAC)
  app       wabroadcast's real /webhook on a fresh SQLite file: signature check, raw log,
            processing into sends/status_events (the sandbox path)

Meta asks receivers to keep up with ~3x the sending rate in status webhooks (cloudapi.md
§5.2): 240 updates/s at the default 80 messages/s. Writes bench/results/webhook_emitter.json.
"""

from __future__ import annotations

import sys

# bench/select.py would shadow the standard `select` module that asyncio imports.
sys.path[:] = [p for p in sys.path if p != __import__("os").path.dirname(__file__)]

import argparse
import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from wabroadcast.app import create_app
from wabroadcast.config import load_settings
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.webhook_config import WebhookConfig
from wabroadcast.simulator.webhook_plan import MessageFacts
from wabroadcast.storage.db import Database

RESULTS = Path(__file__).resolve().parent / "results"
SECRET = "bench-app-secret-0123456789abcdef"
ZERO = (0.0, 0.0)


async def null_app(scope: Any, receive: Any, send: Any) -> None:
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def run(target: Any, messages: int, max_batch: int, concurrency: int) -> dict[str, float]:
    config = WebhookConfig(
        app_secret=SECRET,
        waba_id="102290129340398",
        phone_number_id="106540352242922",
        stop_at_sent=0.0,
        stop_at_delivered=0.0,
        reply_rate=0.0,
        max_batch=max_batch,
        concurrency=concurrency,
        sent_delay=ZERO,
        delivered_delay=ZERO,
        read_delay=ZERO,
    )
    emitter = WebhookEmitter.to_app(config, target)
    started = time.perf_counter()
    now = time.time()
    for n in range(messages):
        emitter.accept(
            MessageFacts(
                message_id=f"wamid.BENCH{n:08d}", wa_id=f"9053{n:08d}", language="tr",
                accepted_at=now, callback_data=f"s={n};c=1",
            )
        )  # fmt: skip
    await emitter.drain()
    elapsed = time.perf_counter() - started
    await emitter.close()
    updates = emitter.stats.updates_delivered
    return {"updates": updates, "posts": emitter.stats.posts, "seconds": round(elapsed, 3),
            "updates_per_s": round(updates / elapsed, 1)}  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--max-batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    shape = (args.messages, args.max_batch, args.concurrency)
    results: dict[str, Any] = dict(
        zip(("messages", "max_batch", "concurrency"), shape, strict=True)
    )
    results["null"] = await run(null_app, *shape)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        settings = load_settings({"DATABASE_URL": url, "WHATSAPP_APP_SECRET": SECRET}, None)
        database = Database(url)
        app = create_app(settings, database=database)
        results["app"] = await run(app, *shape)
        database.dispose()
    results["python"] = platform.python_version()
    for name in ("null", "app"):
        row = results[name]
        print(f"{name:5} {row['updates']:>7} updates in {row['posts']:>5} POSTs, "
              f"{row['seconds']:>7.2f} s, {row['updates_per_s']:>9.1f} updates/s")  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "webhook_emitter.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
