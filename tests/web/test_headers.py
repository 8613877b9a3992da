"""Security headers on every answer; a strict Content-Security-Policy on panel pages."""

from __future__ import annotations

import httpx
import pytest

from tests.web.api.harness import app_settings, log_in, running_app
from wabroadcast.config import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _assert_common(headers: httpx.Headers) -> None:
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "same-origin"


def _assert_page_policy(page: httpx.Response) -> None:
    assert page.status_code == 200, page.url
    _assert_common(page.headers)
    policy = page.headers["content-security-policy"]
    scripts = [part for part in policy.split(";") if part.strip().startswith("script-src")]
    assert scripts == [" script-src 'self'"]
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in page.text  # every script is a file under /static


async def test_panel_pages_forbid_inline_script_and_framing(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        _assert_page_policy(await h.anon.get("/login"))
        await log_in(h.anon)
        for path in ("/", "/contacts", "/campaigns", "/send", "/schedules", "/logs/webhooks"):
            _assert_page_policy(await h.anon.get(path))


async def test_api_answers_and_denials_carry_the_headers_too(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        denied = await h.anon.get("/api/stats")
        assert denied.status_code == 401
        _assert_common(denied.headers)
        answer = await h.client.get("/api/stats")
        assert answer.status_code == 200
        _assert_common(answer.headers)
        assert "content-security-policy" not in answer.headers  # JSON, not a page


async def test_options_on_the_webhook_lists_post(settings: Settings) -> None:
    async with running_app(app_settings(settings)) as h:
        answer = await h.anon.options("/webhook")
        assert answer.status_code == 204
        assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "POST"}
