"""What happens after the 200: fates, subscribers and the ground-truth log."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.simulator.http_support import AUTH, MESSAGES, simulator_http, template_body
from wabroadcast.simulator import AcceptedMessage, Fate, async_error

SPRING: dict[str, Any] = {
    "name": "spring_sale",
    "language": "pt_BR",
    "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}],
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_unreachable_and_opted_out_numbers() -> None:
    options: dict[str, Any] = {
        "unreachable": frozenset({"+905550000001"}),
        "opted_out": {"905550000002"},
    }
    async with simulator_http(**options) as (http, simulator):
        for to in ("+905550000001", "+905550000002", "+905550000003"):
            response = await http.post(MESSAGES, headers=AUTH, json=template_body(to=to))
            assert response.status_code == 200
        # The opted-out user has now stopped marketing: the next marketing template fails.
        again = template_body(to="+905550000002", **SPRING)
        assert (await http.post(MESSAGES, headers=AUTH, json=again)).status_code == 200
        utility = template_body(to="+905550000002", name="hello_world", language="en_US")
        assert (await http.post(MESSAGES, headers=AUTH, json=utility)).status_code == 200
    fates = [(m.wa_id, m.template, m.fate, m.error_code) for m in simulator.accepted]
    assert fates == [
        ("905550000001", "daily_offer", Fate.FAILED, 131026),
        ("905550000002", "daily_offer", Fate.OPT_OUT, None),
        ("905550000003", "daily_offer", Fate.DELIVERED, None),
        ("905550000002", "spring_sale", Fate.FAILED, 131050),
        ("905550000002", "hello_world", Fate.DELIVERED, None),
    ]
    assert simulator.accepted[1].quick_replies == ("Daha fazla", "Durdur")


@pytest.mark.anyio
async def test_marketing_failure_rates_spare_utility_templates() -> None:
    async with simulator_http(fail_131049_rate=1.0) as (http, simulator):
        await http.post(MESSAGES, headers=AUTH, json=template_body())
        utility = template_body(name="hello_world", language="en_US", to="+905551230000")
        await http.post(MESSAGES, headers=AUTH, json=utility)
    async with simulator_http(fail_131050_rate=1.0) as (http, stopped):
        await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert [(m.category, m.error_code) for m in simulator.accepted] == [
        ("MARKETING", 131049),
        ("UTILITY", None),
    ]
    assert stopped.accepted[0].error_code == 131050


@pytest.mark.anyio
async def test_failure_rates_hit_about_their_share_and_are_order_independent() -> None:
    numbers = [f"+90555{n:07d}" for n in range(400)]

    async def fates(order: list[str]) -> dict[str, int | None]:
        async with simulator_http(seed=5, rate=1000.0, unreachable_rate=0.25) as (http, sim):
            for to in order:
                await http.post(MESSAGES, headers=AUTH, json=template_body(to=to))
        return {m.to: m.error_code for m in sim.accepted}

    forward, backward = await fates(numbers), await fates(numbers[::-1])
    assert forward == backward
    failed = sum(1 for code in forward.values() if code == 131026)
    assert 60 <= failed <= 140


def test_async_error_has_the_status_webhook_shape() -> None:
    error = async_error(131049)
    assert set(error) == {"code", "title", "message", "error_data", "href"}
    assert error["title"] == error["message"]
    assert error["code"] == 131049 and error["error_data"]["details"]


@pytest.mark.anyio
async def test_subscribers_hear_every_accepted_message_with_callback_data() -> None:
    heard: list[AcceptedMessage] = []
    awaited: list[str] = []

    async def async_subscriber(message: AcceptedMessage) -> None:
        awaited.append(message.message_id)

    async with simulator_http() as (http, simulator):
        simulator.subscribe(heard.append)
        unsubscribe = simulator.subscribe(async_subscriber)
        body = template_body(biz_opaque_callback_data="s=7;c=1")
        first = (await http.post(MESSAGES, headers=AUTH, json=body)).json()
        await http.post(MESSAGES, headers=AUTH, json=template_body(name="nope"))  # refused
        unsubscribe()
        await http.post(MESSAGES, headers=AUTH, json=template_body(to="+905559999999"))
    assert [m.message_id for m in heard] == [m.message_id for m in simulator.accepted]
    assert len(heard) == 2
    assert awaited == [first["messages"][0]["id"]]
    assert heard[0].callback_data == "s=7;c=1"
    assert (heard[0].wa_id, heard[0].category, heard[0].fate) == (
        "905551234567",
        "MARKETING",
        Fate.DELIVERED,
    )


@pytest.mark.anyio
async def test_a_failing_subscriber_does_not_undo_the_send(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(message: AcceptedMessage) -> None:
        raise RuntimeError("emitter down")

    async with simulator_http() as (http, simulator):
        simulator.subscribe(broken)
        response = await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert response.status_code == 200
    assert len(simulator.accepted) == 1
    assert any(r.levelno == logging.ERROR and "subscriber" in r.message for r in caplog.records)


@pytest.mark.anyio
async def test_ground_truth_log_has_one_line_per_accepted_message(tmp_path: Path) -> None:
    log = tmp_path / "sent.jsonl"
    async with simulator_http(log_path=log) as (http, simulator):
        await http.post(MESSAGES, headers=AUTH, json=template_body())
        # Written before the next request: a killed simulator loses nothing.
        assert len(log.read_text().splitlines()) == 1
        await http.post(MESSAGES, headers=AUTH, json=template_body(name="nope"))
        await http.post(MESSAGES, headers=AUTH, json=template_body(to="+5511987654321", **SPRING))
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["message_id"] for line in lines] == [m.message_id for m in simulator.accepted]
    assert {"message_id", "to", "template", "language", "at"} <= set(lines[0])
    assert (lines[1]["to"], lines[1]["template"], lines[1]["language"]) == (
        "+5511987654321",
        "spring_sale",
        "pt_BR",
    )
    assert lines[0]["at"].endswith("+00:00")


@pytest.mark.anyio
async def test_templates_can_change_status_at_run_time() -> None:
    async with simulator_http() as (http, simulator):
        simulator.templates.set_status("daily_offer", "tr", "PAUSED")
        response = await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert response.json()["error"]["code"] == 132015
    with pytest.raises(KeyError):
        simulator.templates.set_status("nope", "tr", "PAUSED")
