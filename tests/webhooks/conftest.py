"""Fixtures for webhook tests: the real router in a FastAPI app, over httpx, on SQLite and PG."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wabroadcast.config import Settings, load_settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Send, WebhookEvent
from wabroadcast.webhooks import build_webhook_router, sign

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
APP_SECRET = "test-app-secret-7f3a9c2e5b1d"
VERIFY_TOKEN = "verify-token-4d2c"
T0 = datetime(2025, 12, 15, 15, 0, tzinfo=UTC)  # 1765810800, the fixtures' "sent" time


@dataclass
class FixedClock:
    """A clock tests move by hand."""

    current: datetime = field(default_factory=lambda: datetime(2025, 12, 16, 12, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def body_of(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def webhook_settings(database_url: str, **extra: str) -> Settings:
    environ = {
        "DATABASE_URL": database_url,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "VERIFY_TOKEN": VERIFY_TOKEN,
        **extra,
    }
    return load_settings(environ, env_file=None)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def wh_settings(database_url: str) -> Settings:
    return webhook_settings(database_url)


class Hook:
    """An httpx client on the router plus helpers to post signed bodies."""

    def __init__(self, client: httpx.AsyncClient, database: Database) -> None:
        self.client = client
        self.database = database

    async def post(
        self, payload: Any, *, secret: str = APP_SECRET, raw: bytes | None = None
    ) -> httpx.Response:
        body = raw if raw is not None else body_of(payload)
        headers = {"X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"}
        return await self.client.post("/webhook", content=body, headers=headers)

    async def post_fixture(self, name: str) -> httpx.Response:
        response = await self.post(load_fixture(name))
        assert response.status_code == 200, response.text
        return response

    def raw_count(self) -> int:
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(WebhookEvent)) or 0


def make_app(settings: Settings, database: Database, clock: FixedClock) -> FastAPI:
    app = FastAPI()
    app.include_router(build_webhook_router(settings, database, clock=clock))
    return app


@pytest.fixture
async def hook(wh_settings: Settings, database: Database, clock: FixedClock) -> AsyncIterator[Hook]:
    app = make_app(wh_settings, database, clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Hook(client, database)


# --- seeding rows the engine would have written -------------------------------------------


def add_contact(session: Session, phone: str, *, name: str | None = None) -> Contact:
    now = datetime(2025, 12, 1, tzinfo=UTC)
    contact = Contact(phone=phone, name=name, attributes={}, created_at=now, updated_at=now)
    session.add(contact)
    session.flush()
    return contact


def add_campaign(session: Session, template: str = "daily_offer", **counts: int) -> Campaign:
    now = datetime(2025, 12, 15, 14, 0, tzinfo=UTC)
    campaign = Campaign(
        template_name=template,
        language="tr",
        phone_number_id="106540352242922",
        state="completed",
        requested_limit=100,
        failures={},
        parameters={},
        created_at=now,
        updated_at=now,
        **counts,
    )
    session.add(campaign)
    session.flush()
    return campaign


def add_send(
    session: Session,
    contact: Contact,
    campaign: Campaign | None,
    *,
    message_id: str | None,
    state: str = "accepted",
    claimed_at: datetime = T0 - timedelta(seconds=5),
    template: str | None = None,
) -> Send:
    send = Send(
        template_name=template or (campaign.template_name if campaign else "daily_offer"),
        contact_id=contact.id,
        campaign_id=campaign.id if campaign else None,
        language="tr",
        phone=contact.phone,
        state=state,
        message_id=message_id,
        attempts=1,
        claimed_at=claimed_at,
        accepted_at=claimed_at if state == "accepted" else None,
        updated_at=claimed_at,
    )
    session.add(send)
    session.flush()
    return send


@pytest.fixture
def seeded(database: Database) -> Iterator[dict[str, int]]:
    """Ana (+5511987654321) with an accepted send of W1, as in the fixture files."""
    with database.session() as session:
        ana = add_contact(session, "+5511987654321", name="Ana")
        campaign = add_campaign(session, accepted_count=1)
        send = add_send(session, ana, campaign, message_id=W1)
        ids = {"contact": ana.id, "campaign": campaign.id, "send": send.id}
    yield ids


W1 = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ1QjY3RTg5QUJDREVGAA=="
W2 = "wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQjA3RjZBMjJDMUQ0RTlBMTAwAA=="
W3 = "wamid.HBgMOTA1MzIxMjM0NTY4FQIAERgSMUE5QzNFMkY0QjVENjA3OEI5AA=="
W4 = "wamid.HBgMOTA1MzIxMjM0NTY5FQIAERgSRDQ0QTE3QkM5MEUzRjI2NTc4AA=="
