"""POST /{phone-number-id}/marketing_messages: the simulator answers as the Marketing Messages
API does, checked key by key against fixtures written from Meta's docs (the send answer, the
refusals, the `marketing_lite` status webhook)."""

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
from tests.simulator.http_support import AUTH, MESSAGES, PHONE_ID, error_of, simulator_http
from tests.simulator.test_callbacks_fixtures import same_shape
from tests.simulator.test_http_shapes import _shape
from wabroadcast.cloudapi.errors import GraphError
from wabroadcast.cloudapi.marketing import terms_not_accepted
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.webhook_config import WebhookConfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MARKETING = f"/v25.0/{PHONE_ID}/marketing_messages"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text())


@pytest.mark.anyio
async def test_send_answer_has_the_fixture_shape_and_the_log_names_the_endpoint(
    tmp_path: Path,
) -> None:
    case = fixture("cloudapi/marketing_messages_send.json")
    log = tmp_path / "sent.jsonl"
    async with simulator_http(log_path=log) as (http, simulator):
        response = await http.post(MARKETING, headers=AUTH, json=case["request"])
        plain = await http.post(MESSAGES, headers=AUTH, json=case["request"])
    assert response.status_code == 200, response.text
    assert same_shape(response.json(), case["answer"])
    assert response.json()["contacts"][0]["input"] == case["request"]["to"]
    assert plain.status_code == 200
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["endpoint"] for line in lines] == ["marketing_messages", "messages"]
    assert [m.endpoint for m in simulator.accepted] == ["marketing_messages", "messages"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "language"), [("hello_world", "en_US"), ("order_update", "en_US")]
)
async def test_non_marketing_templates_are_refused_with_134100(name: str, language: str) -> None:
    case = fixture("cloudapi/errors/134100_not_marketing_template.json")
    body = template_send("+905551234567", name=name, language=language)
    if name == "order_update":
        body["template"]["components"] = [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "parameter_name": "first_name", "text": "Ana"},
                    {"type": "text", "parameter_name": "order_id", "text": "1837"},
                ],
            }
        ]
    async with simulator_http() as (http, simulator):
        refused = await http.post(MARKETING, headers=AUTH, json=body)
        accepted = await http.post(MESSAGES, headers=AUTH, json=body)
    assert refused.status_code == case["http_status"]
    assert _shape(refused.json()) == _shape(case["body"])
    assert error_of(refused)["code"] == 134100
    assert accepted.status_code == 200  # /messages takes it
    assert [m.endpoint for m in simulator.accepted] == ["messages"]


@pytest.mark.anyio
async def test_terms_not_accepted_is_refused_as_the_fixture_and_recognised() -> None:
    case = fixture("cloudapi/errors/10_marketing_messages_terms_not_accepted.json")
    async with simulator_http(marketing_messages_terms_accepted=False) as (http, simulator):
        refused = await http.post(MARKETING, headers=AUTH, json=template_send("+905551234567"))
        plain = await http.post(
            MESSAGES, headers=AUTH, json=template_send("+905551234567", language="tr")
        )
    assert refused.status_code == case["http_status"]
    assert _shape(refused.json()) == _shape(case["body"])
    error = GraphError.from_body(refused.json(), refused.status_code)
    assert terms_not_accepted(error)
    assert terms_not_accepted(GraphError.from_body(case["body"], case["http_status"]))
    assert plain.status_code == 200  # the Cloud API itself needs no such terms
    assert len(simulator.accepted) == 1


def test_a_plain_permission_error_is_not_a_terms_refusal() -> None:
    case = fixture("cloudapi/errors/10_permission_denied.json")
    assert not terms_not_accepted(GraphError.from_body(case["body"], case["http_status"]))
    paused = fixture("cloudapi/errors/134101_template_syncing.json")
    assert not terms_not_accepted(GraphError.from_body(paused["body"], paused["http_status"]))


@pytest.mark.anyio
@pytest.mark.parametrize(
    "extra",
    [{"product_policy": "SOMETIMES"}, {"message_activity_sharing": "yes"}],
)
async def test_bad_marketing_fields_are_refused_with_100(extra: dict[str, Any]) -> None:
    async with simulator_http() as (http, simulator):
        response = await http.post(
            MARKETING, headers=AUTH, json=template_send("+905551234567", **extra)
        )
    assert response.status_code == 400
    assert error_of(response)["code"] == 100
    assert not simulator.accepted


@pytest.mark.anyio
async def test_text_messages_are_refused_by_the_marketing_endpoint() -> None:
    body = {
        "messaging_product": "whatsapp",
        "to": "+905551234567",
        "type": "text",
        "text": {"body": "hi"},
    }
    async with simulator_http() as (http, _):
        response = await http.post(MARKETING, headers=AUTH, json=body)
    assert response.status_code == 400
    assert error_of(response)["error_data"]["details"] == "Message must be a template message."


def _first_status(body: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    return status


async def _status_bodies(path: str) -> list[dict[str, Any]]:
    config = SimulatorConfig(
        access_token="t", app_secret=APP_SECRET, latency=0.0, latency_jitter=0.0, seed=11
    )
    app = create_simulator(config)
    base = immediate_config(max_batch=1)
    options = {k: getattr(base, k) for k in WebhookConfig.__dataclass_fields__}
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(WebhookConfig.for_simulator(config, **options), receiver.app)
    emitter.attach(app.state.simulator)
    async with graph_client(app) as graph:
        response = await graph.post(
            f"/v25.0/{PHONE_NUMBER_ID}/{path}",
            json=template_send("+905321234567", biz_opaque_callback_data="s=1;c=42"),
            headers={"Authorization": "Bearer t"},
        )
        assert response.status_code == 200, response.text
        await emitter.drain()
    await emitter.close()
    return [post.payload for post in receiver.accepted]


@pytest.mark.anyio
async def test_status_webhooks_of_marketing_messages_sends_are_marketing_lite() -> None:
    reference = fixture("webhooks/status_sent_marketing_lite.json")
    bodies = await _status_bodies("marketing_messages")
    statuses = [s for b in bodies for c in b["entry"][0]["changes"] for s in c["value"]["statuses"]]
    priced = [s for s in statuses if "pricing" in s]
    assert priced and {s["pricing"]["category"] for s in priced} == {"marketing_lite"}
    sent = [b for b in bodies if _first_status(b)["status"] == "sent"]
    assert sent and all(same_shape(body, reference) for body in sent)
    plain = await _status_bodies("messages")
    plain_priced = [
        s
        for b in plain
        for c in b["entry"][0]["changes"]
        for s in c["value"]["statuses"]
        if "pricing" in s
    ]
    assert {s["pricing"]["category"] for s in plain_priced} == {"marketing"}
