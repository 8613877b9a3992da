"""POST /webhook: what is stored, what is refused, and the webhook log endpoint."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from tests.webhooks.conftest import (
    APP_SECRET,
    FIXTURES,
    FixedClock,
    Hook,
    body_of,
    load_fixture,
    make_app,
    webhook_settings,
)
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import WebhookEvent
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.anyio

ALL_FIXTURES = sorted(p.stem for p in FIXTURES.glob("*.json"))
KIND = {
    "template_status_paused": "message_template_status_update",
    "unknown_field": "phone_number_quality_update",
    "phone_quality_throughput_upgrade": "phone_number_quality_update",
    "phone_quality_limit_upgrade": "phone_number_quality_update",
    "business_capability_update": "business_capability_update",
    "template_category_impending": "template_category_update",
    "template_category_completed": "template_category_update",
    "user_preferences_stop": "user_preferences",
    "user_preferences_resume": "user_preferences",
}


def test_every_fixture_is_a_meta_envelope() -> None:
    assert len(ALL_FIXTURES) == 28
    for name in ALL_FIXTURES:
        data = load_fixture(name)
        assert data["object"] == "whatsapp_business_account", name
        for entry in data["entry"]:
            assert entry["id"] == "102290129340398"
            assert entry["changes"] and all("field" in c and "value" in c for c in entry["changes"])


@pytest.mark.parametrize("name", ALL_FIXTURES)
async def test_every_fixture_is_stored_processed_and_answered_200(hook: Hook, name: str) -> None:
    response = await hook.post(load_fixture(name))
    assert response.status_code == 200, response.text
    with hook.database.session() as session:
        event = session.scalars(select(WebhookEvent)).one()
    assert json.loads(event.body) == load_fixture(name)
    assert event.kind == KIND.get(name, "messages")
    assert event.processed_at is not None
    assert event.error is None


async def test_forged_signature_stores_nothing(hook: Hook) -> None:
    response = await hook.post(load_fixture("status_sent"), secret="not-the-secret")
    assert response.status_code == 403
    body = body_of(load_fixture("status_sent"))
    signed_other = sign(body + b"\n", APP_SECRET)
    response = await hook.client.post(
        "/webhook", content=body, headers={"X-Hub-Signature-256": signed_other}
    )
    assert response.status_code == 403
    response = await hook.client.post(
        "/webhook", content=body, headers={"X-Hub-Signature-256": "sha1=abc"}
    )
    assert response.status_code == 403
    assert hook.raw_count() == 0


async def test_missing_signature_stores_nothing(hook: Hook) -> None:
    response = await hook.client.post("/webhook", content=body_of(load_fixture("status_sent")))
    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["error"]
    assert hook.raw_count() == 0


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b'{"a": NaN}', b"\xff\xfe{}", b"[" * 100000 + b"]" * 100000],
    ids=["broken", "empty", "nan", "not-utf8", "deep"],
)
async def test_malformed_json_is_400_and_not_stored(hook: Hook, raw: bytes) -> None:
    response = await hook.post(None, raw=raw)
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    assert hook.raw_count() == 0


async def test_oversize_body_is_413(database_url: str, database: Database) -> None:
    settings = webhook_settings(database_url, WEBHOOK_MAX_BODY_BYTES="2048")
    app = make_app(settings, database, FixedClock())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        hook = Hook(client, database)
        payload = {"object": "whatsapp_business_account", "entry": [], "pad": "x" * 3000}
        assert (await hook.post(payload)).status_code == 413

        async def chunks():  # no Content-Length: the limit holds while streaming
            yield body_of(payload)[:1500]
            yield body_of(payload)[1500:]

        body = body_of(payload)
        response = await client.post(
            "/webhook", content=chunks(), headers={"X-Hub-Signature-256": sign(body, APP_SECRET)}
        )
        assert response.status_code == 413
        assert hook.raw_count() == 0
        small = {"object": "whatsapp_business_account", "entry": []}
        assert (await hook.post(small)).status_code == 200
        assert hook.raw_count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "instagram", "entry": [{"id": "1", "changes": []}]},
        ["not", "an", "envelope"],
        {"object": "whatsapp_business_account", "entry": "oops"},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]},
    ],
)
async def test_well_signed_strange_payloads_are_stored_and_answered_200(
    hook: Hook, payload: object
) -> None:
    assert (await hook.post(payload)).status_code == 200
    with hook.database.session() as session:
        event = session.scalars(select(WebhookEvent)).one()
    assert json.loads(event.body) == payload
    assert event.processed_at is not None


async def test_webhook_log_newest_first_with_parsed_payload_and_bounded_limit(
    hook: Hook, clock: FixedClock
) -> None:
    for name in ("status_sent", "status_delivered", "unknown_field"):
        await hook.post_fixture(name)
    response = await hook.client.get("/api/webhook-logs", params={"limit": 2})
    assert response.status_code == 200
    logs = response.json()
    assert [log["kind"] for log in logs] == ["phone_number_quality_update", "messages"]
    assert logs[0]["payload"] == load_fixture("unknown_field")
    assert logs[1]["payload"]["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == (
        "delivered"
    )
    assert logs[0]["processed_at"] is not None
    everything = (await hook.client.get("/api/webhook-logs", params={"limit": 500})).json()
    assert len(everything) == 3
    assert (await hook.client.get("/api/webhook-logs", params={"limit": 501})).status_code == 422
    default = (await hook.client.get("/api/webhook-logs")).json()
    assert len(default) == 3
    assert (await hook.client.get("/api/webhook-logs", params={"limit": 0})).status_code == 422
    assert (await hook.client.get("/api/webhook-logs", params={"limit": "x"})).status_code == 422


async def test_a_database_that_cannot_store_answers_503_so_meta_retries(
    sqlite_url: str, clock: FixedClock
) -> None:
    unmigrated = Database(sqlite_url, migrate=False)  # no webhook_events table
    try:
        app = make_app(webhook_settings(sqlite_url), unmigrated, clock)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            response = await Hook(client, unmigrated).post(load_fixture("status_sent"))
        assert response.status_code == 503
        assert "retried" in response.json()["error"]
    finally:
        unmigrated.dispose()


async def test_large_bodies_are_accepted(hook: Hook) -> None:
    payload = load_fixture("statuses_batched")
    statuses = payload["entry"][0]["changes"][0]["value"]["statuses"]
    statuses.extend(dict(statuses[0], id=f"wamid.bulk.{i}") for i in range(1000))
    assert len(body_of(payload)) > 65536
    assert (await hook.post(payload)).status_code == 200
    with hook.database.session() as session:
        event = session.scalars(select(WebhookEvent)).one()
        assert event.processed_at is not None and event.error is None
