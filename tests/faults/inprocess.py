"""In-process rig for fault tests: the simulator, the webhook receiver and the signed emitter.

The campaign runs through run_with_lease (what `wabroadcast serve` runs), the receiver is
the real app's webhook router, and the emitter retries every POST not answered 200, as Meta
does. Counting is against the simulator's ground truth and the stored raw webhook bodies.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings, load_settings
from wabroadcast.simulator import SANDBOX_ACCESS_TOKEN, Simulator, SimulatorConfig, create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.webhook_config import RetryPolicy, WebhookConfig
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import WebhookEvent
from wabroadcast.webhooks.routes import build_webhook_router

APP_SECRET = "fault-test-app-secret-0123456789"


@dataclass
class Rig:
    settings: Settings
    client: CloudAPIClient
    simulator: Simulator
    emitter: WebhookEmitter
    receiver: FastAPI
    log_path: Path


def fault_settings(database: Database, **environ: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database.url,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "DAILY_RECIPIENT_LIMIT": "100000",
            **environ,
        },
        env_file=None,
    )


def fast_webhooks(config: SimulatorConfig) -> WebhookConfig:
    return WebhookConfig.for_simulator(
        config,
        sent_delay=(0.0, 0.2),
        delivered_delay=(0.1, 0.4),
        read_delay=(0.2, 0.8),
        reply_rate=0.0,
        concurrency=8,
        retry=RetryPolicy(first_delay=0.2, multiplier=1.5, max_delay=2.0, max_elapsed=300.0),
    )


@asynccontextmanager
async def rig(
    database: Database, tmp_path: Path, *, rate: float, **environ: str
) -> AsyncIterator[Rig]:
    settings = fault_settings(database, SEND_RATE=str(rate), **environ)
    log_path = tmp_path / "truth.jsonl"
    config = SimulatorConfig(
        app_secret=APP_SECRET,
        latency=0.02,
        latency_jitter=0.01,
        seed=3,
        rate=1000.0,
        log_path=log_path,
    )
    receiver = FastAPI()
    receiver.include_router(build_webhook_router(settings, database))
    emitter = WebhookEmitter.to_app(fast_webhooks(config), receiver)
    sim_app = create_simulator(config)
    simulator: Simulator = sim_app.state.simulator
    detach = emitter.attach(simulator)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim_app)) as http:
        client = CloudAPIClient(
            http,
            base_url="http://graph.simulator",
            version="v25.0",
            phone_number_id=config.phone_number_id,
            waba_id=config.waba_id,
            access_token=SANDBOX_ACCESS_TOKEN,
        )
        try:
            yield Rig(settings, client, simulator, emitter, receiver, log_path)
        finally:
            detach()
            await emitter.close()


def stored_message_ids(database: Database) -> set[str]:
    """Message ids named by a status in any stored raw webhook body."""
    ids: set[str] = set()
    with database.session() as session:
        for body in session.scalars(select(WebhookEvent.body)):
            for entry in json.loads(body).get("entry", []):
                for change in entry.get("changes", []):
                    for status in change.get("value", {}).get("statuses", []):
                        ids.add(status["id"])
    return ids


def stored_bodies(database: Database) -> int:
    with database.session() as session:
        return len(list(session.scalars(select(WebhookEvent.id))))
