"""The simulator speaks Meta's dialect: its webhook bodies have the fixtures' exact shapes.

The fixtures in tests/fixtures/webhooks are real Cloud API payloads (cloudapi.md §5), written
independently of the simulator. Each emitted body must have the same keys at every level and
the same value types (a status ``timestamp`` is a string, a preference ``timestamp`` an
integer) as the fixture of its kind, so neither side can drift into a private dialect.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
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
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.webhook_config import WebhookConfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"
UNREACHABLE = "+905320000026"
CAPPED = "+905320000049"
STOPPED = "+905320000050"
OPTED_OUT = "+905320000077"
MESSAGES = f"/v25.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def conforms(emitted: Any, reference: Any) -> bool:
    """Same keys and value types at every level; each list item matches some reference item."""
    if isinstance(reference, dict):
        return (
            isinstance(emitted, dict)
            and emitted.keys() == reference.keys()
            and all(conforms(emitted[key], reference[key]) for key in reference)
        )
    if isinstance(reference, list):
        return isinstance(emitted, list) and all(
            any(conforms(item, ref) for ref in reference) for item in emitted
        )
    return type(emitted) is type(reference)


def same_shape(emitted: Any, reference: Any) -> bool:
    return conforms(emitted, reference) and conforms(reference, emitted)


async def emitted(
    max_batch: int, numbers: tuple[str, ...], *, capped: bool = False, **webhook_options: Any
) -> list[dict[str, Any]]:
    """Bodies the simulator POSTs for template sends to ``numbers``, one body per POST."""
    config = SimulatorConfig(
        access_token="t",
        app_secret=APP_SECRET,
        latency=0.0,
        latency_jitter=0.0,
        seed=11,
        unreachable=frozenset({UNREACHABLE}),
        opted_out=frozenset({OPTED_OUT}),
        fail_131049_rate=1.0 if capped else 0.0,
    )
    app = create_simulator(config)
    simulator = app.state.simulator
    simulator.note_stop(STOPPED.lstrip("+"))  # stopped marketing earlier: 131050
    base = immediate_config(max_batch=max_batch, **webhook_options)
    options = {k: getattr(base, k) for k in WebhookConfig.__dataclass_fields__}
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(WebhookConfig.for_simulator(config, **options), receiver.app)
    emitter.attach(simulator)
    async with graph_client(app) as graph:
        for number in numbers:
            body = template_send(number, biz_opaque_callback_data="s=1;c=42")
            response = await graph.post(MESSAGES, json=body, headers={"Authorization": "Bearer t"})
            assert response.status_code == 200, response.text
        await emitter.drain()
    await emitter.close()
    return [post.payload for post in receiver.accepted]


MIX = ("+905321234567", "+905321234568", UNREACHABLE, STOPPED, OPTED_OUT)


@pytest.fixture
async def single_bodies() -> AsyncIterator[list[dict[str, Any]]]:
    bodies = await emitted(1, MIX, reply_rate=1.0, button_reply_share=0.5, seed=5)
    yield bodies + await emitted(1, (CAPPED,), capped=True)


def _one_item(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (change,) = body["entry"][0]["changes"]
    value = change["value"]
    key = next(k for k in ("statuses", "messages", "user_preferences") if k in value)
    (item,) = value[key]
    return key, item


def _kind(body: dict[str, Any]) -> str:
    key, item = _one_item(body)
    if key == "statuses":
        if item["status"] == "failed":
            return f"status_failed_{item['errors'][0]['code']}"
        return f"status_{item['status']}"
    if key == "messages":
        return "inbound_text" if item["type"] == "text" else f"inbound_{item['type']}"
    return f"user_preferences_{item['value']}"


@pytest.mark.anyio
async def test_every_kind_of_body_has_the_exact_shape_of_its_fixture(
    single_bodies: list[dict[str, Any]],
) -> None:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for body in single_bodies:
        kinds.setdefault(_kind(body), []).append(body)
    expected = {
        "status_sent",
        "status_delivered",
        "status_read",
        "status_failed_131026",
        "status_failed_131049",
        "status_failed_131050",
        "inbound_text",
        "user_preferences_stop",
    }
    assert expected <= kinds.keys()
    assert kinds.keys() <= expected | {"inbound_button"}
    for kind, bodies in kinds.items():
        reference = fixture(kind)
        for body in bodies:
            assert same_shape(body, reference), f"{kind}: {json.dumps(body, indent=1)}"


@pytest.mark.anyio
async def test_quick_reply_taps_have_the_shape_of_the_button_fixture() -> None:
    bodies = await emitted(1, MIX, reply_rate=1.0, button_reply_share=1.0)
    taps = [b for b in bodies if _kind(b) == "inbound_button"]
    assert taps
    for body in taps:
        assert same_shape(body, fixture("inbound_button"))


def signatures(value: Any, path: str = "$") -> set[tuple[str, str]]:
    """(path, key set or type) of every node, list positions ignored.

    A batch mixes items (sent beside read beside failed) that no single fixture change holds
    together, so batched bodies are checked node by node against all the fixtures' nodes.
    """
    if isinstance(value, dict):
        found = {(path, ",".join(sorted(value)))}
        for key, item in value.items():
            found |= signatures(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        found = {(path, "list")}
        for item in value:
            found |= signatures(item, f"{path}[]")
        return found
    return {(path, type(value).__name__)}


@pytest.mark.anyio
async def test_batched_bodies_only_use_shapes_of_the_fixtures() -> None:
    bodies = await emitted(100, MIX, reply_rate=1.0, button_reply_share=0.0)
    assert any(len(_statuses(b)) > 1 for b in bodies)
    allowed: set[tuple[str, str]] = set()
    for name in ("statuses_batched", "inbound_text", "user_preferences_stop"):
        allowed |= signatures(fixture(name))
    for body in bodies:
        assert signatures(body) <= allowed, sorted(signatures(body) - allowed)


def _statuses(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for c in body["entry"][0]["changes"] for s in c["value"].get("statuses", [])]


def test_the_shape_check_catches_drift() -> None:
    sent = fixture("status_sent")
    drifted = json.loads(json.dumps(sent))
    drifted["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = 1765810800
    assert not same_shape(drifted, sent)
    extra = json.loads(json.dumps(sent))
    extra["entry"][0]["changes"][0]["value"]["statuses"][0]["conversation"] = {"id": "x"}
    assert not same_shape(extra, sent)
    assert not same_shape(fixture("status_read"), sent)
    assert same_shape(sent, sent)
    assert not signatures(drifted) <= signatures(sent)
