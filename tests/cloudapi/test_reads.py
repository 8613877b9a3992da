"""list_templates (all pages) and phone_number_info against the simulator; from_settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.cloudapi.support import assert_no_token, connected, sim_config
from wabroadcast.cloudapi import SANDBOX_ACCESS_TOKEN, CloudAPIClient, GraphError, Outcome
from wabroadcast.config import load_settings
from wabroadcast.simulator import SimTemplate, SimulatorConfig, create_simulator


def _many_templates(count: int) -> tuple[SimTemplate, ...]:
    return tuple(
        SimTemplate(
            id=str(1000 + n),
            name=f"promo_{n:03d}",
            language="tr",
            status="APPROVED" if n % 3 else "PAUSED",
            category="MARKETING",
            components=({"type": "BODY", "text": f"Promo {n}"},),
        )
        for n in range(count)
    )


@pytest.mark.anyio
async def test_list_templates_default_set() -> None:
    async with connected() as (client, _):
        templates = await client.list_templates()
    by_key = {(t.name, t.language): t for t in templates}
    assert {("daily_offer", "tr"), ("daily_offer", "en_US"), ("hello_world", "en_US")} <= set(
        by_key
    )
    spring = by_key[("spring_sale", "pt_BR")]
    assert (spring.parameter_format, spring.category, spring.quality_score) == (
        "POSITIONAL",
        "MARKETING",
        "GREEN",
    )
    assert spring.sendable and spring.id
    assert any(c["type"] == "BODY" and "{{1}}" in c["text"] for c in spring.components)
    assert by_key[("winter_sale", "en_US")].status == "PAUSED"
    assert not by_key[("old_promo", "en_US")].sendable


@pytest.mark.anyio
async def test_list_templates_follows_every_page() -> None:
    """250 templates at 100 per page: three requests, every template once, in order."""
    async with connected(templates=_many_templates(250)) as (client, simulator):
        templates = await client.list_templates()
    assert [t.name for t in templates] == [f"promo_{n:03d}" for n in range(250)]
    assert simulator.counters["requests"] == 3


@pytest.mark.anyio
async def test_list_templates_status_filter() -> None:
    async with connected(templates=_many_templates(30)) as (client, _):
        approved = await client.list_templates(status="APPROVED")
    assert len(approved) == 20
    assert all(t.status == "APPROVED" for t in approved)


@pytest.mark.parametrize(
    ("tier", "daily_limit"),
    [
        ("TIER_250", 250),
        ("TIER_2K", 2000),
        ("TIER_10K", 10000),
        ("TIER_100K", 100000),
        ("TIER_UNLIMITED", None),
    ],
)
@pytest.mark.anyio
async def test_phone_number_info_tiers(tier: str, daily_limit: int | None) -> None:
    async with connected(messaging_limit_tier=tier) as (client, _):
        info = await client.phone_number_info()
    assert info.messaging_limit_tier == tier
    assert info.daily_limit == daily_limit


@pytest.mark.anyio
async def test_phone_number_info_fields() -> None:
    options: dict[str, Any] = {"throughput_level": "HIGH", "quality_rating": "YELLOW"}
    async with connected(**options) as (client, _):
        info = await client.phone_number_info()
    assert info.id == client.phone_number_id
    assert (info.throughput_level, info.messages_per_second) == ("HIGH", 1000)
    assert info.quality_rating == "YELLOW"
    assert info.status == "CONNECTED"
    assert info.verified_name == "wabroadcast Simulator"
    assert info.display_phone_number == "+1 555-078-3881"


@pytest.mark.anyio
async def test_reads_with_wrong_token_are_campaign_fatal() -> None:
    async with connected(client_token="EAAG-wrong-token-00000000000000") as (client, _):
        with pytest.raises(GraphError) as info:
            await client.list_templates()
    assert (info.value.code, info.value.outcome) == (190, Outcome.CAMPAIGN_FATAL)


@pytest.mark.anyio
async def test_from_settings_in_sandbox_talks_to_the_simulator() -> None:
    settings = load_settings({"GRAPH_API_URL": "http://simulator.local/"}, env_file=None)
    app = create_simulator(SimulatorConfig.from_settings(settings, latency=0.0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        result = await client.send_template("+905551234567", "hello_world", "en_US")
    assert client.base_url == "http://simulator.local"
    assert client.version == settings.graph_api_version
    assert app.state.simulator.config.access_token == SANDBOX_ACCESS_TOKEN
    assert app.state.simulator.accepted[0].message_id == result.message_id


@pytest.mark.anyio
async def test_from_settings_with_a_token_uses_it() -> None:
    token = "EAAGsettingsTOKEN0123456789abcdef"
    env = {
        "GRAPH_API_URL": "http://simulator.local",
        "WHATSAPP_ACCESS_TOKEN": token,
        "PHONE_NUMBER_ID": "111222333444555",
        "WABA_ID": "999888777666555",
    }
    settings = load_settings(env, env_file=None)
    config = SimulatorConfig.from_settings(settings, latency=0.0)
    assert (config.access_token, config.phone_number_id, config.waba_id) == (
        token,
        "111222333444555",
        "999888777666555",
    )
    app = create_simulator(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = CloudAPIClient.from_settings(http, settings)
        info = await client.phone_number_info()
    assert info.id == "111222333444555"
    assert token not in repr(client) and token not in repr(config)


@pytest.mark.anyio
async def test_from_settings_refuses_meta_without_a_token() -> None:
    settings = load_settings({}, env_file=None)
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="WHATSAPP_ACCESS_TOKEN"):
            CloudAPIClient.from_settings(http, settings)


def test_sim_config_helper_never_shows_its_token() -> None:
    assert_no_token(sim_config())
