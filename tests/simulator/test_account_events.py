"""The simulator's account webhooks have the fixtures' exact shapes, arrive signed, and leave
the simulated number as the event says (its Graph API read agrees with the webhook)."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.callbacks_support import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    Receiver,
    expected_signature,
    immediate_config,
)
from tests.simulator.test_callbacks_fixtures import fixture, same_shape
from wabroadcast.simulator import account_events
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.state import Simulator

T = 1765810800


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def simulator() -> Simulator:
    return Simulator(SimulatorConfig(access_token="t", app_secret=APP_SECRET, seed=3))


def test_a_throughput_upgrade_has_the_fixture_shape_and_makes_the_number_high() -> None:
    sim = simulator()
    payload = account_events.throughput_upgrade(sim, T)
    assert same_shape(payload, fixture("phone_quality_throughput_upgrade"))
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["event"] == "THROUGHPUT_UPGRADE"
    assert value["display_phone_number"] == "15550783881"
    assert (sim.config.throughput_level, sim.config.rate) == ("HIGH", 1000.0)
    assert sim.config.messaging_limit_tier == "TIER_UNLIMITED"


def test_a_limit_change_has_the_fixture_shape_and_changes_the_tier() -> None:
    sim = simulator()
    payload = account_events.limit_change(sim, 100000, T)
    assert same_shape(payload, fixture("business_capability_update"))
    assert payload["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] == (
        100000
    )
    assert sim.config.messaging_limit_tier == "TIER_100K"
    with pytest.raises(ValueError, match="messaging limit 1000 is not one of Meta's"):
        account_events.limit_change(sim, 1000, T)


def test_category_updates_have_the_fixture_shapes_and_change_the_template() -> None:
    sim = simulator()
    impending = account_events.category_impending(
        sim, "order_update", "en_US", "marketing", T, T + 86400
    )
    assert same_shape(impending, fixture("template_category_impending"))
    template = sim.templates.find("order_update", "en_US")
    assert template is not None and template.category == "UTILITY"  # not yet
    completed = account_events.category_changed(sim, "order_update", "en_US", "MARKETING", T)
    assert same_shape(completed, fixture("template_category_completed"))
    value = completed["entry"][0]["changes"][0]["value"]
    assert (value["previous_category"], value["new_category"]) == ("UTILITY", "MARKETING")
    template = sim.templates.find("order_update", "en_US")
    assert template is not None and template.category == "MARKETING"
    with pytest.raises(ValueError, match="no template 'nope'"):
        account_events.category_changed(sim, "nope", "en_US", "MARKETING", T)


@pytest.mark.anyio
async def test_an_account_event_is_posted_signed_and_the_graph_read_agrees() -> None:
    app = create_simulator(SimulatorConfig(access_token="t", app_secret=APP_SECRET, seed=3))
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(immediate_config(), receiver.app)
    try:
        payload = account_events.throughput_upgrade(app.state.simulator, T)
        assert await emitter.post_payload(payload)
    finally:
        await emitter.close()
    (post,) = receiver.posts
    assert post.payload == payload
    assert post.headers["x-hub-signature-256"] == expected_signature(post.body)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://graph") as graph:
        answer = await graph.get(
            f"/v25.0/{PHONE_NUMBER_ID}",
            params={"fields": "throughput,whatsapp_business_manager_messaging_limit"},
            headers={"Authorization": "Bearer t"},
        )
    assert answer.json()["throughput"] == {"level": "HIGH"}
    assert answer.json()["whatsapp_business_manager_messaging_limit"] == "TIER_UNLIMITED"


@pytest.mark.anyio
async def test_the_control_route_sends_the_event_through_the_registered_sinks() -> None:
    app = create_simulator(SimulatorConfig(access_token="t", app_secret=APP_SECRET, seed=3))
    sent: list[dict[str, object]] = []

    async def sink(payload: dict[str, object]) -> bool:
        sent.append(payload)
        return True

    app.state.account_event_sinks.append(sink)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://simulator") as control:
        answer = await control.post(
            account_events.CONTROL_PATH, json={"event": "limit_change", "limit": 2000}
        )
        refused = await control.post(account_events.CONTROL_PATH, json={"event": "tier_jump"})
    assert answer.status_code == 200
    assert answer.json()["delivered"] == 1
    assert sent == [answer.json()["payload"]]
    assert same_shape(sent[0], fixture("business_capability_update"))
    assert refused.status_code == 400
    assert "event must be one of throughput_upgrade" in refused.json()["error"]
