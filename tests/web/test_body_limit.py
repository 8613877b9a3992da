"""Request bodies are limited while they stream in: 413, and the rest is never read.

Each body is an async generator that counts the chunks the app pulled, so a test can tell a
refusal after the limit from one after reading everything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from tests.web.api.harness import APP_SECRET, app_settings, csrf_from_html, log_in, running_app
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Contact, WebhookEvent
from wabroadcast.web.api.schemas import MAX_PHONES_PER_CALL

pytestmark = pytest.mark.anyio
CHUNK = 64 * 1024


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Body:
    """`size` bytes of `fill` in 64 KB chunks; `pulled` counts what the app asked for."""

    def __init__(self, size: int, fill: bytes = b" ") -> None:
        self.size = size
        self.fill = fill
        self.pulled = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        sent = 0
        while sent < self.size:
            piece = min(CHUNK, self.size - sent)
            self.pulled += 1
            sent += piece
            yield self.fill * piece


def _assert_413(answer_json: dict[str, object], *words: str) -> None:
    error = answer_json["error"]
    assert isinstance(error, dict)
    assert error["code"] == "too_large"
    for word in words:
        assert word in error["message"], error["message"]


async def test_a_declared_body_over_the_limit_is_refused_before_a_byte_is_read(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings, max_body_bytes=4096)) as h:
        body = Body(10_000_000)
        answer = await h.client.post(
            "/api/check-duplicates",
            content=body.chunks(),
            headers={"content-type": "application/json", "content-length": "10000000"},
        )
        assert answer.status_code == 413, answer.text
        _assert_413(answer.json(), "4,096 bytes", "MAX_BODY_BYTES")
        assert body.pulled == 0


async def test_a_chunked_body_is_cut_off_at_the_default_limit(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        limit = h.app.state.settings.max_body_bytes
        assert limit == 5 * 1024 * 1024  # the documented default
        body = Body(100 * 1024 * 1024)  # 100 MB: the review's memory blow-up
        answer = await h.client.post(
            "/api/check-duplicates",
            content=body.chunks(),
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 413, answer.text
        _assert_413(answer.json(), "5,242,880 bytes")
        assert body.pulled <= limit // CHUNK + 2  # stopped at the limit, not at 100 MB


async def test_a_body_under_the_limit_is_answered(settings: Settings) -> None:
    async with running_app(app_settings(settings, max_body_bytes=4096)) as h:
        answer = await h.client.post(
            "/api/check-duplicates",
            json={"template_name": "daily_offer", "phone_numbers": ["+905551234567"]},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == 1


async def test_too_many_phone_numbers_in_one_call_is_a_413_naming_the_cap(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        phones = [f"+9055{n:08d}" for n in range(MAX_PHONES_PER_CALL + 1)]
        answer = await h.client.post(
            "/api/check-duplicates", json={"template_name": "daily_offer", "phone_numbers": phones}
        )
        assert answer.status_code == 413, answer.text[:500]
        _assert_413(answer.json(), "100,001 phone numbers", "at most 100,000")
        assert answer.json()["error"]["field"] == "phone_numbers"


async def test_a_chunked_login_works_and_an_oversized_one_is_refused(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        page = await h.anon.get("/login")
        form = f"token={h.app.state.settings.api_token.get_secret_value()}"
        form += f"&csrf_token={csrf_from_html(page.text)}&next=/"

        async def small() -> AsyncIterator[bytes]:
            yield form.encode()

        headers = {"content-type": "application/x-www-form-urlencoded"}
        answer = await h.anon.post("/login", content=small(), headers=headers)
        assert answer.status_code == 303, answer.text  # no Content-Length is fine
        big = Body(1024 * 1024, b"a")
        refused = await h.anon.post("/login", content=big.chunks(), headers=headers)
        assert refused.status_code == 413
        _assert_413(refused.json(), "65,536 bytes")
        assert big.pulled <= 2


async def test_an_upload_over_max_upload_bytes_imports_nothing(settings: Settings) -> None:
    async with running_app(app_settings(settings, max_upload_bytes=4096)) as h:
        rows = "".join(f"+9055{n:08d},Kişi {n}\n" for n in range(1000)).encode()
        assert len(rows) > 4096
        files = {"file": ("big.csv", rows, "text/csv")}
        answer = await h.client.post("/api/contacts", files=files)
        assert answer.status_code == 413, answer.text
        _assert_413(answer.json(), "4,096 bytes", "MAX_UPLOAD_BYTES")
        assert answer.json()["error"]["field"] == "file"
        csrf = await log_in(h.anon)
        page = await h.anon.post("/contacts/import", data={"csrf_token": csrf}, files=files)
        assert page.status_code == 413
        assert "text/html" in page.headers["content-type"]  # the panel's page, not JSON
        with h.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_a_chunked_webhook_over_its_limit_is_refused_and_not_stored(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings, webhook_max_body_bytes=8192)) as h:
        payload = json.dumps({"object": "whatsapp_business_account", "entry": [], "x": "y" * 9000})
        raw = payload.encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(raw), 1000):
                yield raw[start : start + 1000]

        answer = await h.anon.post(
            "/webhook",
            content=chunks(),
            headers={"content-type": "application/json", "x-hub-signature-256": signature},
        )
        assert answer.status_code == 413, answer.text
        with h.database.session() as session:
            assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
