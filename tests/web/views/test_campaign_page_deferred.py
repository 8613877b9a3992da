"""The campaign page shows deferred (131049) and retried sends, in English and Turkish, with
the same numbers as the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.helpers import FakeClock
from tests.web.api.harness import add_contacts, fast_webhooks, simulator_config
from tests.web.views.helpers import add_templates, panel
from wabroadcast.config import Settings


@pytest.mark.anyio
async def test_campaign_page_shows_deferred_and_retried(settings: Settings) -> None:
    clock = FakeClock()
    sim = simulator_config(fail_131049_rate=1.0, fail_131049_again_rate=0.0)
    quick = settings.model_copy(update={"sender_lease_seconds": 1.0})
    hooks = fast_webhooks(sim)
    async with panel(quick, sim=sim, webhooks=hooks, clock=clock, simulator_clock=clock) as p:
        add_templates(p.database)
        add_contacts(p.database, 2)
        answer = await p.browser.post(
            "/send",
            data={"template": "daily_offer", "language": "tr", "limit": "2", "csrf_token": p.csrf},
        )
        campaign_id = int(answer.headers["location"].rsplit("/", 1)[1])
        await p.h.campaign_done(campaign_id)

        async def api(**expected: int) -> dict[str, Any] | None:
            body: dict[str, Any] = (await p.h.client.get(f"/api/campaigns/{campaign_id}")).json()
            return body if all(body[k] == v for k, v in expected.items()) else None

        await p.h.wait_for(lambda: api(deferred=2))
        page = await p.browser.get(f"/campaigns/{campaign_id}?lang=en")
        assert "Deferred by Meta (131049)" in page.text
        assert 'data-testid="deferred-count">2<' in page.text
        assert 'data-testid="retried-count">0<' in page.text
        assert 'data-testid="failed-count">0<' in page.text
        turkish = await p.browser.get(f"/campaigns/{campaign_id}?lang=tr")
        assert "Meta tarafından ertelenen (131049)" in turkish.text
        assert "Ertelenen gönderimlerin yeniden denemeleri" in turkish.text

        clock.advance(24 * 3600 + 60)
        await p.h.wait_for(lambda: api(deferred=0, retried=2, read=2))
        page = await p.browser.get(f"/campaigns/{campaign_id}?lang=en")
        assert 'data-testid="deferred-count">0<' in page.text
        assert 'data-testid="retried-count">2<' in page.text
