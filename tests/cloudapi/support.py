"""Client ↔ simulator wiring for the client tests (no mocks: the real simulator app)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.simulator import Simulator, SimulatorConfig, create_simulator

TOKEN = "EAAGm0PX4ZCpsBAtestTOKENvalue0123456789abcdefXYZ"
VERSION = "v25.0"
BASE_URL = "http://graph.simulator"


def make_client(http: httpx.AsyncClient, base_url: str = BASE_URL, **kw: Any) -> CloudAPIClient:
    config = SimulatorConfig()
    values: dict[str, Any] = {
        "base_url": base_url,
        "version": VERSION,
        "phone_number_id": config.phone_number_id,
        "waba_id": config.waba_id,
        "access_token": TOKEN,
    }
    values.update(kw)
    return CloudAPIClient(http, **values)


def sim_config(**options: Any) -> SimulatorConfig:
    """Test defaults: our token, no latency, a fixed seed."""
    values: dict[str, Any] = {"access_token": TOKEN, "latency": 0.0, "latency_jitter": 0.0}
    values["seed"] = 7
    values.update(options)
    return SimulatorConfig(**values)


@asynccontextmanager
async def connected(
    clock_time: float | None = None, client_token: str = TOKEN, **options: Any
) -> AsyncIterator[tuple[CloudAPIClient, Simulator]]:
    """A client talking to a fresh simulator in-process. ``clock_time`` freezes its limiters;
    ``client_token`` is what the client sends (the simulator always expects TOKEN)."""
    monotonic = None if clock_time is None else (lambda: clock_time)
    app = create_simulator(sim_config(**options), monotonic=monotonic)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as http:
        yield make_client(http, access_token=client_token), app.state.simulator


def assert_no_token(*things: object) -> None:
    for thing in things:
        assert TOKEN not in str(thing), f"token leaked in str of {type(thing).__name__}"
        assert TOKEN not in repr(thing), f"token leaked in repr of {type(thing).__name__}"
