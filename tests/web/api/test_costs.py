"""Cost before and after sending: the estimate (send page, its eligible API) is the rate card's
price × the contacts it would take per market; the charged cost (campaign API and page, stats)
comes from the pricing on status webhooks, each send counted once, free types at 0."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.engine.helpers import add_contacts
from tests.web.api.harness import (
    APP_SECRET,
    Harness,
    app_settings,
    fast_webhooks,
    log_in,
    running_app,
    simulator_config,
)
from tests.webhooks.conftest import load_fixture
from wabroadcast.config import Settings
from wabroadcast.pricing.card import load_rate_card
from wabroadcast.storage.tables import Send
from wabroadcast.webhooks import sign

pytestmark = pytest.mark.anyio

CARD = load_rate_card(None)
TR = ["+905551000001", "+905551000002", "+905551000003"]
BR = ["+5511987654321", "+5521987654322"]
DE = ["+4915112345678"]
JP = ["+819012345678"]  # not on the card: the "other" row


def price(code: str, category: str = "marketing") -> Decimal:
    found = CARD.price(code, category)
    assert found is not None
    return found


async def start_campaign(h: Harness, limit: int) -> int:
    synced = await h.client.post("/api/templates/sync")  # daily_offer is MARKETING
    assert synced.status_code == 200, synced.text
    answer = await h.client.post(
        "/api/campaigns", json={"template_name": "daily_offer", "language": "tr", "limit": limit}
    )
    assert answer.status_code == 202, answer.text
    campaign_id = int(answer.json()["id"])
    await h.campaign_done(campaign_id)
    return campaign_id


async def test_estimate_on_the_send_page_is_the_card_price_times_contacts_per_market(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 7, phones=[TR[0], BR[0], TR[1], DE[0], TR[2], JP[0], BR[1]])
        assert (await h.client.post("/api/templates/sync")).status_code == 200
        await log_in(h.anon)
        query = "template=daily_offer&language=tr&limit=100"
        body = (await h.anon.get(f"/panel/api/eligible?{query}")).json()
        cost = body["estimated_cost"]
        expected = 3 * price("90") + 2 * price("55") + price("49") + price("other")
        assert Decimal(cost["total"]) == expected
        assert cost["currency"] == "USD" and cost["messages"] == 7
        markets = {
            m["market"]: (m["messages"], Decimal(m["unit_price"])) for m in cost["by_market"]
        }
        assert markets == {
            "TR": (3, price("90")),
            "BR": (2, price("55")),
            "DE": (1, price("49")),
            "other": (1, price("other")),
        }
        # a limit of 4 takes the first four in list order: TR, BR, TR, DE
        body = await h.anon.get("/panel/api/eligible?template=daily_offer&language=tr&limit=4")
        four = body.json()["estimated_cost"]
        assert Decimal(four["total"]) == 2 * price("90") + price("55") + price("49")

        page = await h.anon.get(f"/send?{query}")
        assert page.status_code == 200
        assert f"Estimated cost: USD {expected:.4f}" in page.text
        h.anon.cookies.set("wabroadcast_lang", "tr")
        page = await h.anon.get(f"/send?{query}")
        turkish = f"{expected:.4f}".replace(".", ",")
        assert f"Tahmini maliyet: {turkish} USD" in page.text


def status_body(
    message_id: str, status: str, recipient: str, pricing: dict[str, Any] | None
) -> bytes:
    payload = copy.deepcopy(load_fixture("status_sent"))
    value = payload["entry"][0]["changes"][0]["value"]
    item = value["statuses"][0]
    now = int(datetime.now(UTC).timestamp())
    item.update(id=message_id, status=status, timestamp=str(now), recipient_id=recipient)
    item.pop("biz_opaque_callback_data")
    value["contacts"][0]["wa_id"] = recipient
    value["contacts"][0].pop("user_id", None)  # the fixture's one BSUID would make them one person
    item.pop("recipient_user_id", None)
    if pricing is None:
        item.pop("pricing")
    else:
        item["pricing"] = {"pricing_model": "PMP", **pricing}
    return json.dumps(payload).encode()


async def post_status(h: Harness, send: Send, status: str, pricing: dict[str, Any] | None) -> None:
    assert send.message_id is not None
    body = status_body(send.message_id, status, send.phone.lstrip("+"), pricing)
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET)}
    answer = await h.anon.post("/webhook", content=body, headers=headers)
    assert answer.status_code == 200, answer.text


async def test_charged_cost_counts_each_priced_send_once_and_free_types_cost_nothing(
    settings: Settings,
) -> None:
    async with running_app(app_settings(settings)) as h:
        add_contacts(h.database, 5, phones=[TR[0], TR[1], BR[0], BR[1], TR[2]])
        campaign_id = await start_campaign(h, 5)
        with h.database.session() as session:
            sends = {s.phone: s for s in session.scalars(select(Send).order_by(Send.id))}
        regular = {"type": "regular", "category": "marketing"}
        await post_status(h, sends[TR[0]], "sent", regular)
        await post_status(h, sends[TR[0]], "delivered", regular)  # priced twice, charged once
        await post_status(h, sends[TR[0]], "delivered", regular)  # a redelivered webhook
        await post_status(h, sends[BR[0]], "sent", regular)
        await post_status(h, sends[BR[0]], "read", None)
        free_service = {"type": "free_customer_service", "category": "utility"}
        await post_status(h, sends[TR[1]], "sent", free_service)
        await post_status(
            h, sends[BR[1]], "sent", {"type": "free_entry_point", "category": "marketing"}
        )
        # TR[2]: no status webhook yet, so not charged

        async def priced() -> dict[str, Any] | None:
            body: dict[str, Any] = (await h.client.get(f"/api/campaigns/{campaign_id}")).json()
            cost = body["cost"]
            return body if cost["messages"] + cost["free_messages"] == 4 else None

        body = await h.wait_for(priced)
        cost = body["cost"]
        expected = price("90") + price("55")
        assert Decimal(cost["total"]) == expected
        assert (cost["messages"], cost["free_messages"]) == (2, 2)
        assert {(m["market"], m["messages"]) for m in cost["by_market"]} == {("TR", 1), ("BR", 1)}

        stats = (await h.client.get("/api/stats?days=2")).json()
        assert sum(Decimal(day["cost"]["total"]) for day in stats["cost_days"]) == expected
        assert Decimal(stats["cost_days"][-1]["cost"]["total"]) == expected

        await log_in(h.anon)
        page = await h.anon.get(f"/campaigns/{campaign_id}")
        assert "Charged cost: <span" in page.text
        assert f"USD {expected:.4f}" in page.text
        assert "2 free (customer service or free entry point window)" in page.text
        stats_page = await h.anon.get("/stats?days=7")
        assert f"USD {expected:.4f}" in stats_page.text


async def test_simulated_status_webhooks_charge_every_delivered_send_once(
    settings: Settings,
) -> None:
    """The simulator prices `sent` and one of delivered/read, as Meta does."""
    sim = simulator_config()
    hooks = fast_webhooks(sim)
    async with running_app(app_settings(settings), sim=sim, webhooks=hooks) as h:
        add_contacts(h.database, 4, phones=[TR[0], TR[1], BR[0], DE[0]])
        campaign_id = await start_campaign(h, 4)

        async def all_read() -> dict[str, Any] | None:
            body: dict[str, Any] = (await h.client.get(f"/api/campaigns/{campaign_id}")).json()
            return body if body["read"] == 4 and body["cost"]["messages"] == 4 else None

        body = await h.wait_for(all_read)
        expected = 2 * price("90") + price("55") + price("49")
        assert Decimal(body["cost"]["total"]) == expected
        assert body["cost"]["free_messages"] == 0
