"""Panel test helpers: a logged-in browser-like client on the real app, seed data, a live server.

The app, the simulator and the login come from the API tests' harness (tests/web/api), so the
panel is tested on exactly the app the API is tested on. `live_server` runs the same app under
a real uvicorn on a free port: server-sent events and the browser need real sockets (httpx's
ASGITransport buffers a whole response, so it cannot read a stream that never ends).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from tests.web.api.harness import (
    GRAPH_URL,
    Harness,
    app_settings,
    csrf_from_html,
    fast_webhooks,
    running_app,
    simulator_config,
)
from tests.web.api.harness import TOKEN as TOKEN
from wabroadcast.app import create_app
from wabroadcast.config import Settings
from wabroadcast.engine.lease import try_acquire
from wabroadcast.simulator import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Template

PAGES = (
    "/",
    "/send",
    "/campaigns",
    "/schedules",
    "/contacts",
    "/templates",
    "/logs/webhooks",
    "/stats",
)
SANDBOX_EN = "Sandbox: messages go to the built-in simulator"
SANDBOX_TR = "Deneme modu (sandbox): mesajlar yerleşik simülatöre gider"


async def browser_login(client: httpx.AsyncClient, token: str = TOKEN) -> str:
    """Log in through the panel's form; returns the CSRF token printed in the next page."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    answer = await client.post(
        "/login", data={"token": token, "csrf_token": csrf_from_html(page.text), "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    home = await client.get("/")
    assert home.status_code == 200, home.text
    return csrf_from_html(home.text)


@dataclass
class Panel:
    h: Harness
    browser: httpx.AsyncClient
    csrf: str

    @property
    def database(self) -> Database:
        return self.h.database


@asynccontextmanager
async def panel(settings: Settings, **kwargs: Any) -> AsyncIterator[Panel]:
    """The real app with a logged-in browser client (cookie session, no bearer header)."""
    async with running_app(app_settings(settings), **kwargs) as h:
        csrf = await browser_login(h.anon)
        yield Panel(h, h.anon, csrf)


def add_templates(database: Database) -> None:
    """What `wabroadcast templates sync` stores from the simulator's default templates."""
    now = datetime.now(UTC)
    body = [{"type": "BODY", "text": "Bugünün fırsatı sizi bekliyor!"}]
    rows = [
        ("daily_offer", "tr", "APPROVED", body),
        ("daily_offer", "en_US", "APPROVED", [{"type": "BODY", "text": "Today's offer"}]),
        ("hello_world", "en_US", "APPROVED", [{"type": "BODY", "text": "Hello World"}]),
        ("old_promo", "en_US", "PAUSED", [{"type": "BODY", "text": "Old <b>promo</b>"}]),
    ]
    with database.session() as session:
        for name, language, status, components in rows:
            session.add(
                Template(
                    name=name,
                    language=language,
                    status=status,
                    category="MARKETING",
                    components=components,
                    synced_at=now,
                )
            )


def add_campaign(database: Database, **values: Any) -> int:
    """A campaign row (stored `running` unless told); nothing sends it (see `being_sent`)."""
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "template_name": "daily_offer",
        "language": "tr",
        "phone_number_id": "106540352242922",
        "state": "running",
        "requested_limit": 10,
        "eligible_count": 10,
        "selected_count": 0,
        "accepted_count": 0,
        "failed_count": 0,
        "unknown_count": 0,
        "held_back_count": 0,
        "failures": {},
        "parameters": {},
        "created_at": now,
        "updated_at": now,
    }
    fields.update(values)
    with database.session() as session:
        campaign = Campaign(**fields)
        session.add(campaign)
        session.flush()
        return campaign.id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    database: Database


@contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The real app (simulator as its Cloud API) under uvicorn on a free port, in a thread."""
    settings = app_settings(settings)
    sim = simulator_config(latency=0.01, latency_jitter=0.0)
    simulator_app = create_simulator(sim)
    cloud_http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator_app), base_url=GRAPH_URL
    )
    database = Database(settings.database_url)
    app = create_app(settings, database=database, cloud_http=cloud_http)
    # statuses come back as signed webhooks to the app's own /webhook, as Meta sends them
    emitter = WebhookEmitter.to_app(fast_webhooks(sim, reply_rate=0.2), app)
    unsubscribe = emitter.attach(simulator_app.state.simulator)
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(server.serve(),), name="panel-live", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, database)
    finally:
        unsubscribe()
        asyncio.run_coroutine_threadsafe(emitter.close(), loop).result(timeout=15)
        server.should_exit = True
        thread.join(timeout=15)
        loop.close()
        closer = threading.Thread(target=asyncio.run, args=(cloud_http.aclose(),))
        closer.start()  # its own loop: the caller may be inside one
        closer.join()
        database.dispose()


def being_sent(database: Database, campaign_id: int, seconds: float = 600) -> None:
    """Another process holds the campaign's number and sends it: the panel shows `running`."""
    with database.session() as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        number = campaign.phone_number_id
    acquired, _, _ = try_acquire(
        database, number, "elsewhere:4242:test", datetime.now(UTC), seconds, campaign_id
    )
    assert acquired
