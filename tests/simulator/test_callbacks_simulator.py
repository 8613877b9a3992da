"""The emitter wired to the real simulator: sends over HTTP become the webhooks Meta would send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.simulator.callbacks_support import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    Receiver,
    graph_client,
    immediate_config,
    template_send,
)
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.state import Simulator
from wabroadcast.simulator.webhook_config import WebhookConfig

MESSAGES = f"/v25.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Rig:
    simulator: Simulator
    emitter: WebhookEmitter
    receiver: Receiver
    graph: httpx.AsyncClient

    async def send(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.graph.post(
            MESSAGES, json=body, headers={"Authorization": "Bearer sim-token"}
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def settle(self) -> None:
        await self.emitter.drain()


async def rig(
    simulator_options: dict[str, Any] | None = None, **webhook_options: Any
) -> AsyncIterator[Rig]:
    config = SimulatorConfig(
        access_token="sim-token",
        app_secret=APP_SECRET,
        latency=0.0,
        latency_jitter=0.0,
        seed=3,
        **(simulator_options or {}),
    )
    app = create_simulator(config)
    simulator: Simulator = app.state.simulator
    base = immediate_config()
    options = {k: getattr(base, k) for k in WebhookConfig.__dataclass_fields__ if k != "seed"}
    options.update(webhook_options)
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(WebhookConfig.for_simulator(config, **options), receiver.app)
    unsubscribe = emitter.attach(simulator)
    async with graph_client(app) as graph:
        yield Rig(simulator, emitter, receiver, graph)
    unsubscribe()
    await emitter.close()


@pytest.fixture
async def plain() -> AsyncIterator[Rig]:
    async for value in rig():
        yield value


@pytest.mark.anyio
async def test_statuses_carry_the_wamid_wa_id_and_callback_data_of_the_send(plain: Rig) -> None:
    answer = await plain.send(template_send("+905321234567", biz_opaque_callback_data="s=9;c=4"))
    await plain.settle()

    wamid = answer["messages"][0]["id"]
    assert plain.receiver.statuses() == [(wamid, s) for s in ("sent", "delivered", "read")]
    for status in plain.receiver.items("statuses"):
        assert status["recipient_id"] == answer["contacts"][0]["wa_id"] == "905321234567"
        assert status["biz_opaque_callback_data"] == "s=9;c=4"
    accepted = plain.simulator.accepted[0]
    stamp = int(plain.receiver.items("statuses")[0]["timestamp"])
    assert abs(stamp - accepted.at.timestamp()) < 2


@pytest.mark.anyio
async def test_a_utility_template_is_priced_as_utility(plain: Rig) -> None:
    await plain.send(template_send("+905321234567", name="hello_world"))
    await plain.settle()
    sent = plain.receiver.items("statuses")[0]
    assert sent["pricing"]["category"] == "utility"
    assert "biz_opaque_callback_data" not in sent


@pytest.mark.anyio
async def test_fates_decided_by_the_simulator_become_failed_statuses() -> None:
    async for r in rig({"unreachable": frozenset({"+905320000001"}), "fail_131049_rate": 1.0}):
        unreachable = await r.send(template_send("+905320000001"))
        capped = await r.send(template_send("+905320000002"))
        utility = await r.send(template_send("+905320000003", name="hello_world"))
        await r.settle()
        final = dict(r.receiver.statuses())
        statuses = r.receiver.items("statuses")
        failed = {s["id"]: s["errors"][0]["code"] for s in statuses if "errors" in s}
        assert failed == {
            unreachable["messages"][0]["id"]: 131026,
            capped["messages"][0]["id"]: 131049,
        }
        assert final[utility["messages"][0]["id"]] == "read"


@pytest.mark.anyio
async def test_an_opted_out_user_says_stop_and_later_marketing_fails_131050() -> None:
    async for r in rig({"opted_out": frozenset({"+905320000009"})}):
        first = await r.send(template_send("+905320000009"))
        await r.settle()
        (stop,) = r.receiver.items("messages")
        assert stop["text"]["body"] == "STOP"
        (preference,) = r.receiver.items("user_preferences")
        assert (preference["wa_id"], preference["value"]) == ("905320000009", "stop")

        spring = template_send("+905320000009", name="spring_sale", language="pt_BR")
        spring["template"]["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}
        ]
        second = await r.send(spring)
        await r.settle()
        failed = [s for s in r.receiver.items("statuses") if s["status"] == "failed"]
        assert [(s["id"], s["errors"][0]["code"]) for s in failed] == [
            (second["messages"][0]["id"], 131050)
        ]
        assert first["messages"][0]["id"] != second["messages"][0]["id"]


@pytest.mark.anyio
async def test_a_quick_reply_tap_points_at_the_template_and_echoes_its_payload() -> None:
    async for r in rig(reply_rate=1.0, button_reply_share=1.0):
        body = template_send("+905321234567")
        body["template"]["components"] = [
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(i),
                "parameters": [{"type": "payload", "payload": f"P{i}"}],
            }
            for i in range(2)
        ]
        answer = await r.send(body)
        await r.settle()
        (tap,) = r.receiver.items("messages")
        assert tap["context"]["id"] == answer["messages"][0]["id"]
        assert (tap["button"]["payload"], tap["button"]["text"]) in {
            ("P0", "Tell me more"),
            ("P1", "Stop promotions"),
        }


@pytest.mark.anyio
async def test_a_reply_opens_the_service_window_so_a_text_answer_is_delivered() -> None:
    async for r in rig(reply_rate=1.0, button_reply_share=0.0):
        await r.send(template_send("+905321234567"))
        await r.settle()
        assert len(r.receiver.items("messages")) == 1
        text: dict[str, Any] = {"messaging_product": "whatsapp", "to": "+905321234567"}
        text.update(type="text", text={"body": "Thanks for your reply"})
        answer = await r.send(text)
        await r.settle()
        final = dict(r.receiver.statuses())
        assert final[answer["messages"][0]["id"]] != "failed"
        sent = next(
            s for s in r.receiver.items("statuses") if s["id"] == answer["messages"][0]["id"]
        )
        assert sent["pricing"]["category"] == "service"


@pytest.mark.anyio
async def test_a_run_with_a_seed_is_reproduced_by_the_same_seed() -> None:
    bodies = []
    for _ in range(2):
        async for r in rig(stop_at_sent=0.2, stop_at_delivered=0.3, reply_rate=0.3, max_batch=1):
            for n in range(20):
                await r.send(template_send(f"+9053200001{n:02d}"))
            await r.settle()
            plan = [(s["status"], s["recipient_id"]) for s in r.receiver.items("statuses")] + [
                (m["type"], m["from"]) for m in r.receiver.items("messages")
            ]
            bodies.append(sorted(plan))
    assert bodies[0] == bodies[1]
