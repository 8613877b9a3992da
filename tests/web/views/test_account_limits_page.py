"""The overview's business numbers and the templates page's category notes, after signed
account webhooks came in through /webhook; in English and Turkish."""

from __future__ import annotations

import json

import pytest

from tests.web.api.harness import APP_SECRET
from tests.web.views.helpers import Panel, add_templates, panel
from tests.webhooks.conftest import load_fixture
from wabroadcast.config import Settings
from wabroadcast.web.i18n import LANG_COOKIE
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.anyio


async def post_signed(client: object, name: str, **value: object) -> None:
    payload = load_fixture(name)
    payload["entry"][0]["changes"][0]["value"].update(value)
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET)}
    answer = await client.post("/webhook", content=body, headers=headers)  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text


async def page_with(p: Panel, path: str, text: str) -> str:
    """The page once the stored webhook has been processed (that happens after the 200)."""

    async def shown() -> str | None:
        page = (await p.browser.get(path)).text
        return page if text in page else None

    found: str = await p.h.wait_for(shown)
    return found


async def test_overview_shows_each_numbers_rate_limit_and_their_sources(settings: Settings) -> None:
    async with panel(settings) as p:
        before = (await p.browser.get("/")).text
        assert "Business numbers" in before
        assert "80 msg/s" in before and "from the setting SEND_RATE" in before
        assert "read from Meta when a campaign starts" in before
        await post_signed(p.browser, "phone_quality_limit_upgrade")  # TIER_10K, 2025-12-15 15:00
        page = await page_with(p, "/", "10,000")
        assert "from Meta&#39;s webhook of" in page or "from Meta's webhook of" in page
        p.browser.cookies.set(LANG_COOKIE, "tr")
        turkish = (await p.browser.get("/")).text
        assert "İşletme numaraları" in turkish and "Günlük alıcı sınırı" in turkish
        assert "saniyede 80 mesaj" in turkish


async def test_templates_page_shows_announced_and_completed_category_changes(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        add_templates(p.database)
        names = {"message_template_name": "hello_world", "message_template_language": "en_US"}
        await post_signed(p.browser, "template_category_impending", **names)
        page = await page_with(p, "/templates", 'data-testid="category-coming"')
        assert "Meta will make it MARKETING on" in page
        await post_signed(p.browser, "template_category_completed", **names)
        page = await page_with(p, "/templates", "was UTILITY until")
        assert 'data-testid="category-coming"' not in page
