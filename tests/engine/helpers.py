"""Helpers for engine tests: an injected clock, contacts written in bulk, the simulator."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert, select

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings, load_settings
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN, Simulator, SimulatorConfig, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Send

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when the engine sleeps, so backoffs of minutes take no time."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)


def phone(i: int) -> str:
    return f"+90555{i:07d}"


def add_contacts(
    database: Database,
    count: int,
    *,
    first_index: int = 1,
    now: datetime = START,
    phones: Sequence[str] | None = None,
    **columns: Any,
) -> list[int]:
    """Insert contacts with index first_index…; returns their ids in index order."""
    numbers = list(phones) if phones is not None else [phone(first_index + i) for i in range(count)]
    rows = [
        {
            "phone": number,
            "index": first_index + i,
            "attributes": {},
            "created_at": now,
            "updated_at": now,
            **columns,
        }
        for i, number in enumerate(numbers)
    ]
    with database.session() as session:
        session.execute(insert(Contact), rows)
        query = select(Contact.id).where(Contact.phone.in_(numbers)).order_by(Contact.index)
        return list(session.scalars(query))


def make_settings(database: Database, **environ: str) -> Settings:
    return load_settings({"DATABASE_URL": database.url, **environ}, env_file=None)


def sim_config(**overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {"latency": 0.0, "latency_jitter": 0.0, "seed": 7, "rate": 1000.0}
    values.update(overrides)
    return SimulatorConfig(**values)


@asynccontextmanager
async def simulated_client(
    config: SimulatorConfig, *, clock: FakeClock | None = None, token: str = SANDBOX_ACCESS_TOKEN
) -> AsyncIterator[tuple[CloudAPIClient, Simulator]]:
    """The real client talking to the real simulator in-process (httpx.ASGITransport)."""
    if clock is not None:
        app = create_simulator(config, clock=clock, monotonic=clock.monotonic)
    else:
        app = create_simulator(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = CloudAPIClient(
            http,
            base_url="http://graph.simulator",
            version="v25.0",
            phone_number_id=config.phone_number_id,
            waba_id=config.waba_id,
            access_token=token,
        )
        yield client, app.state.simulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Run an ASGI app on a real local port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("simulator did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sent_pairs(simulator: Simulator) -> Counter[tuple[str | None, str]]:
    """The simulator's ground truth: how often each (template, number) was accepted."""
    return Counter((message.template, message.wa_id) for message in simulator.accepted)


def sends_by_state(database: Database, campaign_id: int | None = None) -> Counter[str]:
    with database.session() as session:
        query = select(Send.state)
        if campaign_id is not None:
            query = query.where(Send.campaign_id == campaign_id)
        return Counter(session.scalars(query))


def wa_id(number: str) -> str:
    return number.lstrip("+")


async def eventually(condition: Callable[[], object], what: str, within: float = 60.0) -> None:
    """Wait until `condition()` is true; the generous bound only stops a broken run."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)
