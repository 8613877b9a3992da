"""A variant's campaign page links to its A/B test and shows the variants side by side."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.api.harness import add_contacts, fast_webhooks, simulator_config
from tests.web.views.helpers import panel
from wabroadcast.config import Settings

TEST = {
    "name": "offer wording",
    "templates": ["daily_offer", "hello_world"],
    "language": "en_US",
    "share": 20,
    "metric": "read",
    "decide_after_hours": 24,
}


@pytest.mark.anyio
async def test_variant_page_shows_the_test_decided_from_simulated_reads(
    settings: Settings,
) -> None:
    sim = simulator_config()
    async with panel(settings, sim=sim, webhooks=fast_webhooks(sim)) as p:
        add_contacts(p.database, 40)
        created = await p.h.client.post("/api/ab-tests", json=TEST)
        assert created.status_code == 201, created.text
        test = created.json()
        for variant in test["variants"]:
            await p.h.campaign_done(variant["campaign_id"])

        async def all_read() -> dict[str, Any] | None:  # read webhooks from the simulator
            shown: dict[str, Any] = (await p.h.client.get(f"/api/ab-tests/{test['id']}")).json()
            rows = shown["variants"]
            return shown if all(r["sent"] and r["read"] == r["sent"] for r in rows) else None

        await p.h.wait_for(all_read)
        decided = (await p.h.client.post(f"/api/ab-tests/{test['id']}/decide")).json()
        assert decided["winner_variant"] == "A"  # everyone read both: the tie goes to A
        b_id = decided["variants"][1]["campaign_id"]
        page = await p.browser.get(f"/campaigns/{b_id}")
        assert page.status_code == 200
        section = page.text.split('data-testid="ab-test"')[1].split("</section>")[0]
        assert f"A/B test {test['id']}" in section and "/api/" not in section  # no JSON link
        assert "daily_offer" in section and "hello_world" in section
        assert "★ winner" in section and "100.0%" in section
        for row in decided["variants"]:
            assert f'href="/campaigns/{row["campaign_id"]}"' in section
        turkish = await p.browser.get(f"/campaigns/{b_id}?lang=tr")
        assert f"A/B testi {test['id']}" in turkish.text and "kazanan" in turkish.text
        await p.browser.get(f"/campaigns/{b_id}?lang=en")
