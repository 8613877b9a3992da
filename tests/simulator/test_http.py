"""The simulator's POST /messages: exact response shapes and request validation."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from tests.simulator.http_support import (
    AUTH,
    MESSAGES,
    PHONE_ID,
    TOKEN,
    error_of,
    simulator_http,
    template_body,
)
from wabroadcast.simulator import Fate, SimTemplate, SimulatorConfig, default_templates


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_accepted_template_has_the_exact_success_shape() -> None:
    async with simulator_http() as (http, simulator):
        response = await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"messaging_product", "contacts", "messages"}
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+905551234567", "wa_id": "905551234567"}]
    [message] = body["messages"]
    assert set(message) == {"id"}
    assert re.fullmatch(r"wamid\.[A-Za-z0-9+/]+={0,2}", message["id"])
    raw = base64.b64decode(message["id"].removeprefix("wamid."))
    assert raw.startswith(b"\x1c\x18\x0c905551234567")
    assert simulator.accepted[0].message_id == message["id"]


@pytest.mark.anyio
async def test_wamids_are_unique() -> None:
    async with simulator_http() as (http, _):
        ids = set()
        for n in range(20):
            response = await http.post(
                MESSAGES, headers=AUTH, json=template_body(to=f"+9055512345{n:02d}")
            )
            ids.add(response.json()["messages"][0]["id"])
    assert len(ids) == 20


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
@pytest.mark.anyio
async def test_missing_or_wrong_token_is_190_with_401(headers: dict[str, str]) -> None:
    async with simulator_http() as (http, simulator):
        response = await http.post(MESSAGES, headers=headers, json=template_body())
    assert response.status_code == 401
    assert error_of(response)["code"] == 190
    assert TOKEN not in response.text
    assert simulator.accepted == []


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


BODY_CASES = [
    ("no messaging_product", _without(template_body(), "messaging_product"), 100),
    ("wrong messaging_product", template_body(messaging_product="sms"), 100),
    ("no to", _without(template_body(), "to"), 100),
    ("numeric to", template_body() | {"to": 905551234567}, 100),
    ("bad recipient_type", template_body(recipient_type="broadcast"), 100),
    ("unsupported type", template_body(type="sticker"), 100),
    ("callback too long", template_body(biz_opaque_callback_data="x" * 513), 100),
    ("no template object", _without(template_body(), "template"), 131008),
    ("no template name", _without(template_body(), "template", "name"), 131008),
    ("no language code", _without(template_body(), "template", "language", "code"), 131008),
    ("unknown template", template_body(name="nope"), 132001),
    ("unknown locale", template_body(language="en"), 132001),
    ("pending template", template_body(name="new_launch", language="en_US"), 132001),
    ("paused template", template_body(name="winter_sale", language="en_US"), 132015),
    ("disabled template", template_body(name="old_promo", language="en_US"), 132016),
    ("missing parameter", template_body(name="spring_sale", language="pt_BR"), 132000),
    (
        "extra parameter",
        template_body(components=[{"type": "body", "parameters": [{"type": "text", "text": "x"}]}]),
        132000,
    ),
    (
        "newline in parameter",
        template_body(
            name="spring_sale",
            language="pt_BR",
            components=[{"type": "body", "parameters": [{"type": "text", "text": "A\nB"}]}],
        ),
        100,
    ),
    (
        "five spaces in parameter",
        template_body(
            name="spring_sale",
            language="pt_BR",
            components=[{"type": "body", "parameters": [{"type": "text", "text": "A     B"}]}],
        ),
        100,
    ),
    (
        "empty parameter",
        template_body(
            name="spring_sale",
            language="pt_BR",
            components=[{"type": "body", "parameters": [{"type": "text", "text": ""}]}],
        ),
        131008,
    ),
    (
        "named parameter missing its name",
        template_body(
            name="order_update",
            language="en_US",
            components=[
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "1"}],
                }
            ],
        ),
        132000,
    ),
    ("letters in to", template_body(to="+90 555 ABC 4567"), 100),
    ("too short to", template_body(to="+90555"), 131009),
    ("too long to", template_body(to="+9055512345678901"), 131009),
    (
        "text without body",
        {"messaging_product": "whatsapp", "to": "+905551234567", "type": "text"},
        100,
    ),
]


@pytest.mark.parametrize(("case", "body", "code"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
@pytest.mark.anyio
async def test_invalid_request_gets_the_graph_error(case: str, body: Any, code: int) -> None:
    async with simulator_http() as (http, simulator):
        response = await http.post(MESSAGES, headers=AUTH, json=body)
    error = error_of(response)
    assert error["code"] == code, error
    assert response.status_code == (404 if code == 132001 else 400)
    assert error["message"].startswith(f"(#{code})")
    assert simulator.accepted == []


@pytest.mark.anyio
async def test_malformed_number_errors_name_the_to_field() -> None:
    async with simulator_http() as (http, _):
        for to in ("+90 555 ABC 4567", "+90555"):
            response = await http.post(MESSAGES, headers=AUTH, json=template_body(to=to))
            assert "'to'" in error_of(response)["error_data"]["details"]


@pytest.mark.anyio
async def test_body_that_is_not_json_is_100() -> None:
    async with simulator_http() as (http, _):
        response = await http.post(MESSAGES, headers=AUTH, content=b"{not json")
    assert error_of(response)["code"] == 100


@pytest.mark.anyio
async def test_valid_parameters_are_accepted() -> None:
    named = [
        {"type": "text", "parameter_name": "order_id", "text": "1837"},
        {"type": "text", "parameter_name": "first_name", "text": "Ana"},
    ]
    bodies = [
        template_body(
            name="spring_sale",
            language="pt_BR",
            components=[{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}],
        ),
        template_body(
            to="+905551234568",
            name="order_update",
            language="en_US",
            components=[{"type": "body", "parameters": named}],
        ),
        template_body(to="+905551234569", name="hello_world", language="en_US"),
        template_body(to="(90) 555-123-4570", biz_opaque_callback_data="s=1;c=2"),
    ]
    async with simulator_http() as (http, simulator):
        for body in bodies:
            response = await http.post(MESSAGES, headers=AUTH, json=body)
            assert response.status_code == 200, response.text
    assert [m.template for m in simulator.accepted] == [
        "spring_sale",
        "order_update",
        "hello_world",
        "daily_offer",
    ]
    assert simulator.accepted[-1].callback_data == "s=1;c=2"


@pytest.mark.anyio
async def test_header_parameters_are_checked() -> None:
    image = SimTemplate(
        id="42",
        name="photo_offer",
        language="en_US",
        status="APPROVED",
        category="MARKETING",
        components=({"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Look!"}),
    )
    templates = (*default_templates(), image)
    text_header = [{"type": "header", "parameters": [{"type": "text", "text": "Hi"}]}]
    image_header = [{"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}]
    async with simulator_http(templates=templates) as (http, _):
        missing = await http.post(
            MESSAGES, headers=AUTH, json=template_body(name="photo_offer", language="en_US")
        )
        wrong = await http.post(
            MESSAGES,
            headers=AUTH,
            json=template_body(name="photo_offer", language="en_US", components=text_header),
        )
        right = await http.post(
            MESSAGES,
            headers=AUTH,
            json=template_body(name="photo_offer", language="en_US", components=image_header),
        )
    assert error_of(missing)["code"] == 132000
    assert error_of(wrong)["code"] == 132012
    assert right.status_code == 200


@pytest.mark.anyio
async def test_text_message_is_accepted_and_fails_outside_the_service_window() -> None:
    text = {
        "messaging_product": "whatsapp",
        "to": "+905551234567",
        "type": "text",
        "text": {"body": "hello"},
    }
    async with simulator_http() as (http, simulator):
        first = await http.post(MESSAGES, headers=AUTH, json=text)
        simulator.note_inbound("905551234567")
        second = await http.post(MESSAGES, headers=AUTH, json=text)
    assert first.status_code == second.status_code == 200
    assert [(m.kind, m.fate, m.error_code) for m in simulator.accepted] == [
        ("text", Fate.FAILED, 131047),
        ("text", Fate.DELIVERED, None),
    ]
    assert simulator.accepted[0].text == "hello"


@pytest.mark.anyio
async def test_wrong_phone_number_id_and_version() -> None:
    async with simulator_http() as (http, _):
        other = await http.post("/v25.0/123/messages", headers=AUTH, json=template_body())
        version = await http.post(f"/latest/{PHONE_ID}/messages", headers=AUTH, json={})
        nowhere = await http.get("/v25.0/a/b/c/d", headers=AUTH)
    error = error_of(other)
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert "Object with ID '123' does not exist" in error["message"]
    assert error_of(version)["code"] == 2500
    assert error_of(nowhere)["code"] == 2500


@pytest.mark.anyio
async def test_number_without_plus_gets_the_business_country_code() -> None:
    """cloudapi.md §6: without `+`, Meta prepends the business number's country code."""
    async with simulator_http(display_phone_number="905320000000") as (http, _):
        local = await http.post(MESSAGES, headers=AUTH, json=template_body(to="5551234567"))
    assert local.json()["contacts"] == [{"input": "5551234567", "wa_id": "905551234567"}]


@pytest.mark.anyio
async def test_brazil_ninth_digit_quirk_is_optional() -> None:
    async with simulator_http(brazil_ninth_digit=True) as (http, _):
        quirk = await http.post(MESSAGES, headers=AUTH, json=template_body(to="+5511987654321"))
    async with simulator_http() as (http, _):
        plain = await http.post(MESSAGES, headers=AUTH, json=template_body(to="+5511987654321"))
    assert quirk.json()["contacts"][0]["wa_id"] == "551187654321"
    assert plain.json()["contacts"][0]["wa_id"] == "5511987654321"


def test_config_refuses_bad_options_and_hides_secrets() -> None:
    with pytest.raises(ValueError, match="error_5xx_rate must be between 0 and 1"):
        SimulatorConfig(error_5xx_rate=1.5)
    with pytest.raises(ValueError, match="messaging_limit_tier"):
        SimulatorConfig(messaging_limit_tier="TIER_1M")
    config = SimulatorConfig(access_token=TOKEN, app_secret="app-secret-0123456789abcdef")
    assert TOKEN not in repr(config) and "app-secret-0123456789abcdef" not in repr(config)
    assert config.unreachable == frozenset()
    assert SimulatorConfig(opted_out=frozenset({"+90 555 123 45 67"})).opted_out == {"905551234567"}


@pytest.mark.anyio
async def test_button_components_are_checked() -> None:
    order = SimTemplate(
        id="43",
        name="order_link",
        language="en_US",
        status="APPROVED",
        category="UTILITY",
        components=(
            {"type": "BODY", "text": "Your order is ready."},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "URL", "text": "See order", "url": "https://shop.example/{{1}}"},
                    {"type": "QUICK_REPLY", "text": "Stop"},
                ],
            },
        ),
    )
    url = {
        "type": "button",
        "sub_type": "url",
        "index": "0",
        "parameters": [{"type": "text", "text": "order/1837"}],
    }
    stop = {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "1",
        "parameters": [{"type": "payload", "payload": "STOP_PROMOS"}],
    }
    cases = [
        ([], 132000),  # the URL needs its suffix
        ([stop], 132000),
        ([url, {**stop, "index": "2"}], 131009),  # no button at index 2
        ([{**url, "sub_type": "quick_reply"}], 131009),  # index 0 is a URL button
        ([url], 200),
        ([url, stop], 200),
    ]
    templates = (*default_templates(), order)
    async with simulator_http(templates=templates) as (http, _):
        for n, (components, expected) in enumerate(cases):
            body = template_body(
                to=f"+90555123450{n}", name="order_link", language="en_US", components=components
            )
            response = await http.post(MESSAGES, headers=AUTH, json=body)
            got = (
                response.status_code if response.status_code == 200 else error_of(response)["code"]
            )
            assert got == expected, (components, response.text)
        daily = template_body(to="+905551234599", components=[stop])
        assert (await http.post(MESSAGES, headers=AUTH, json=daily)).status_code == 200
