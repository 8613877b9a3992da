"""Sends to a BSUID (`recipient`, since May 2026): the simulator's answers and webhooks have
the shapes of the fixtures written from Meta's docs (tests/fixtures/webhooks/*_bsuid.json,
tests/fixtures/cloudapi/send_answer_bsuid.json), key by key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.simulator.callbacks_support import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    Receiver,
    graph_client,
    immediate_config,
    template_send,
)
from tests.simulator.http_support import AUTH, MESSAGES, simulator_http, template_body
from tests.simulator.test_callbacks_fixtures import _kind, fixture, same_shape
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.webhook_config import WebhookConfig

ANSWER = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi" / "send_answer_bsuid.json"
ANA = "BR.1502576394655843"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _by_bsuid(user_id: str, **extra: Any) -> dict[str, Any]:
    body = template_body(**extra)
    del body["to"]
    body["recipient"] = user_id
    return body


@pytest.mark.anyio
async def test_a_send_to_a_bsuid_is_answered_with_user_id_and_no_wa_id() -> None:
    async with simulator_http() as (http, simulator):
        answer = await http.post(MESSAGES, headers=AUTH, json=_by_bsuid(ANA))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert same_shape(body, json.loads(ANSWER.read_text()))
    assert body["contacts"] == [{"input": ANA, "user_id": ANA}]
    assert simulator.accepted[0].wa_id == ANA  # the user the simulator keys limits and fates by


@pytest.mark.anyio
async def test_with_both_to_and_recipient_to_wins() -> None:
    async with simulator_http() as (http, _):
        answer = await http.post(MESSAGES, headers=AUTH, json=template_body(recipient=ANA))
    assert answer.json()["contacts"][0].keys() == {"input", "wa_id"}


@pytest.mark.anyio
async def test_a_malformed_recipient_is_refused_with_100() -> None:
    async with simulator_http() as (http, _):
        answer = await http.post(MESSAGES, headers=AUTH, json=_by_bsuid("br-123"))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == 100 and "'br-123'" in error["error_data"]["details"]


@pytest.mark.anyio
async def test_131062_matches_its_fixture() -> None:
    path = ANSWER.parent / "errors" / "131062_bsuid_recipient_not_supported.json"
    case = json.loads(path.read_text())
    options = {"bsuid_unsupported_templates": frozenset({"daily_offer"})}
    async with simulator_http(**options) as (http, simulator):
        refused = await http.post(MESSAGES, headers=AUTH, json=_by_bsuid(ANA))
        by_phone = await http.post(MESSAGES, headers=AUTH, json=template_body())
    assert refused.status_code == case["http_status"]
    assert same_shape(refused.json(), case["body"])
    assert refused.json()["error"]["message"] == case["body"]["error"]["message"]
    assert by_phone.status_code == 200 and len(simulator.accepted) == 1


async def _bsuid_bodies() -> list[dict[str, Any]]:
    config = SimulatorConfig(
        access_token="t", app_secret=APP_SECRET, latency=0.0, latency_jitter=0.0, seed=11
    )
    app = create_simulator(config)
    base = immediate_config(max_batch=1, reply_rate=1.0, button_reply_share=0.0, seed=5)
    options = {k: getattr(base, k) for k in WebhookConfig.__dataclass_fields__}
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(WebhookConfig.for_simulator(config, **options), receiver.app)
    emitter.attach(app.state.simulator)
    async with graph_client(app) as graph:
        body = template_send("+905321234567", biz_opaque_callback_data="s=1;c=42")
        del body["to"]
        body["recipient"] = ANA
        answer = await graph.post(
            f"/v25.0/{PHONE_NUMBER_ID}/messages", json=body, headers={"Authorization": "Bearer t"}
        )
        assert answer.status_code == 200, answer.text
        await emitter.drain()
    await emitter.close()
    return [post.payload for post in receiver.accepted]


@pytest.mark.anyio
async def test_webhooks_of_a_bsuid_send_have_the_shapes_of_the_bsuid_fixtures() -> None:
    bodies = await _bsuid_bodies()
    kinds = {_kind(body): body for body in bodies}
    assert {"status_sent", "status_read", "inbound_text"} <= kinds.keys()
    for kind, body in kinds.items():
        reference = fixture(f"{kind}_bsuid")
        assert same_shape(body, reference), f"{kind}: {json.dumps(body, indent=1)}"
        assert ANA in json.dumps(body) and "905321234567" not in json.dumps(body)
