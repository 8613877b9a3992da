"""The real app on a real database, its Cloud API calls answered by the real simulator.

`running_app` starts the app's lifespan (pooled client, webhook sweeps), hands out an
authenticated client and an anonymous one over ``httpx.ASGITransport``, and optionally wires
the simulator's webhook emitter back into the app's public ``/webhook`` so statuses arrive
the way Meta would send them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from wabroadcast.app import create_app
from wabroadcast.config import Settings
from wabroadcast.simulator import Simulator, SimulatorConfig, create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.webhook_config import WebhookConfig
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact

TOKEN = "test-api-token-0123456789abcdef"
APP_SECRET = "test-app-secret-0123456789abcdef"
GRAPH_URL = "http://graph.simulator"


class ManualClock:
    """A clock the test moves by hand (the app takes any `Clock`)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    anon: httpx.AsyncClient
    database: Database
    simulator: Simulator
    emitter: WebhookEmitter | None

    def client_at(self, address: str) -> httpx.AsyncClient:
        """An anonymous client from another address (the login limit is per address)."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url=str(self.anon.base_url))

    async def wait_for(
        self, check: Callable[[], Any], *, within: float = 20.0, interval: float = 0.05
    ) -> Any:
        """Poll `check` (sync or async) until it returns something truthy."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not met within {within} s")
            await asyncio.sleep(interval)

    async def campaign_done(self, campaign_id: int, within: float = 30.0) -> dict[str, Any]:
        async def finished() -> dict[str, Any] | None:
            body: dict[str, Any] = (await self.client.get(f"/api/campaigns/{campaign_id}")).json()
            done = body["state"] not in ("running", "waiting") and not body["running_here"]
            return body if done else None

        result: dict[str, Any] = await self.wait_for(finished, within=within)
        return result


def app_settings(settings: Settings, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_token": SecretStr(TOKEN),
        "whatsapp_app_secret": SecretStr(APP_SECRET),
        "graph_api_url": GRAPH_URL,
    }
    values.update(overrides)
    return settings.model_copy(update=values)


def simulator_config(**overrides: Any) -> SimulatorConfig:
    values: dict[str, Any] = {"latency": 0.0, "latency_jitter": 0.0, "seed": 7}
    values["app_secret"] = APP_SECRET
    values.update(overrides)
    return SimulatorConfig(**values)


def fast_webhooks(config: SimulatorConfig, **overrides: Any) -> WebhookConfig:
    values: dict[str, Any] = {
        # Meta's first status comes a moment after the send's answer, not in the same instant
        "sent_delay": (0.3, 0.4),
        "delivered_delay": (0.0, 0.1),
        "read_delay": (0.0, 0.1),
        "reply_delay": (0.0, 0.1),
        "stop_at_sent": 0.0,
        "stop_at_delivered": 0.0,
        "reply_rate": 0.0,
    }
    values.update(overrides)
    return WebhookConfig.for_simulator(config, **values)


@asynccontextmanager
async def running_app(
    settings: Settings,
    *,
    sim: SimulatorConfig | None = None,
    webhooks: WebhookConfig | None = None,
    clock: Any = None,
    simulator_clock: Any = None,
    base_url: str = "http://panel.test",
    token: str | None = TOKEN,
) -> AsyncIterator[Harness]:
    sim = sim or simulator_config()
    simulator_app = create_simulator(sim, clock=simulator_clock)
    cloud_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator_app), base_url=GRAPH_URL
    )
    database = Database(settings.database_url)
    app = create_app(settings, database=database, cloud_http=cloud_http, clock=clock)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers)
    anon = httpx.AsyncClient(transport=transport, base_url=base_url)
    emitter = WebhookEmitter.to_app(webhooks, app) if webhooks is not None else None
    simulator: Simulator = simulator_app.state.simulator
    unsubscribe = emitter.attach(simulator) if emitter is not None else None
    try:
        async with app.router.lifespan_context(app):
            yield Harness(app, client, anon, database, simulator, emitter)
            if emitter is not None:
                await emitter.close()
    finally:
        if unsubscribe is not None:
            unsubscribe()
        if emitter is not None:
            await emitter.close()
        await client.aclose()
        await anon.aclose()
        await cloud_http.aclose()
        database.dispose()


def add_contacts(database: Database, count: int, *, start: int = 0) -> list[str]:
    """`count` contacts with valid Turkish mobile numbers, in index order; returns E.164s."""
    now = datetime.now(UTC)
    phones = [f"+90555{1000000 + start + i:07d}" for i in range(count)]
    with database.session() as session:
        for i, phone in enumerate(phones):
            session.add(
                Contact(
                    phone=phone,
                    name=f"Contact {start + i}",
                    index=start + i + 1,
                    attributes={},
                    created_at=now,
                    updated_at=now,
                )
            )
    return phones


CSRF_INPUT = re.compile(r'name="?csrf_token"?\s+value="([^"]+)"')


def csrf_from_html(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match is not None, html[:500]
    return match.group(1)


async def log_in(client: httpx.AsyncClient, token: str = TOKEN) -> str:
    """Log in through the form like a browser; returns the session's CSRF token."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    answer = await client.post(
        "/login", data={"token": token, "csrf_token": csrf_from_html(page.text), "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    return await session_csrf(client)


async def session_csrf(client: httpx.AsyncClient) -> str:
    """The CSRF token of the logged-in session, as the panel's scripts read it."""
    answer = await client.get("/api/session")
    assert answer.status_code == 200, answer.text
    assert answer.json()["method"] == "cookie"
    value: str = answer.json()["csrf_token"]
    return value
