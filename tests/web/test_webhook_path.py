"""POST /webhook in the full app: answered before the panel's layers, with the same rules."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.web.api.harness import APP_SECRET, app_settings, running_app
from tests.webhooks.conftest import load_fixture
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import StatusEvent, WebhookEvent
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.anyio


def _stored(database: Database) -> tuple[int, int]:
    with database.session() as session:
        events = session.scalar(select(func.count()).select_from(WebhookEvent))
        facts = session.scalar(select(func.count()).select_from(StatusEvent))
        return int(events or 0), int(facts or 0)


async def test_a_signed_status_is_stored_processed_and_answered_with_headers(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        body = json.dumps(load_fixture("status_delivered")).encode()
        answer = await h.anon.post(
            "/webhook", content=body, headers={"X-Hub-Signature-256": sign(body, APP_SECRET)}
        )
        assert (answer.status_code, answer.json()) == (200, {"status": "received"})
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-type"] == "application/json"

        def processed() -> bool:
            with h.database.session() as session:
                return bool(
                    session.scalar(
                        select(func.count())
                        .select_from(WebhookEvent)
                        .where(WebhookEvent.processed_at.is_not(None))
                    )
                )

        await h.wait_for(processed)
        assert _stored(h.database) == (1, 1)


async def test_forged_unsigned_oversized_and_broken_bodies_are_refused_and_not_stored(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings, webhook_max_body_bytes=4096)) as h:
        body = json.dumps(load_fixture("status_delivered")).encode()
        forged = await h.anon.post(
            "/webhook", content=body, headers={"X-Hub-Signature-256": sign(body, "not-it")}
        )
        assert forged.status_code == 403
        assert forged.json() == {"error": "X-Hub-Signature-256 does not match the body"}
        unsigned = await h.anon.post("/webhook", content=body)
        assert (unsigned.status_code, unsigned.json()) == (
            401,
            {"error": "missing X-Hub-Signature-256 header"},
        )
        large = b'{"x": "' + b"y" * 5000 + b'"}'
        too_large = await h.anon.post(
            "/webhook", content=large, headers={"X-Hub-Signature-256": sign(large, APP_SECRET)}
        )
        assert too_large.status_code == 413
        assert too_large.json() == {"error": "webhook body larger than 4096 bytes"}
        broken = b'{"object": '
        not_json = await h.anon.post(
            "/webhook", content=broken, headers={"X-Hub-Signature-256": sign(broken, APP_SECRET)}
        )
        assert not_json.status_code == 400
        assert not_json.json()["error"].startswith("body is not valid JSON")
        assert _stored(h.database) == (0, 0)


async def test_the_rest_of_the_webhook_path_still_goes_through_the_app(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        options = await h.anon.options("/webhook")
        assert (options.status_code, options.headers["allow"]) == (204, "GET, HEAD, POST, OPTIONS")
        refused = await h.anon.get("/webhook", params={"hub.mode": "subscribe"})
        assert refused.status_code == 403
        # /webhooks (another path) is not the webhook: the panel's login applies to it
        other = await h.anon.post("/webhooks", content=b"{}")
        assert other.status_code == 401, other.text
