"""Pacing in the simulator (cloudapi.md §1, §4): held send answers, then release or drop.

The send answers are checked key by key against fixtures written from Meta's docs
(tests/fixtures/cloudapi/sends), the failed-132015 status against
tests/fixtures/webhooks/status_failed_132015.json, as the other fixtures are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.simulator.callbacks_support import (
    APP_SECRET,
    Receiver,
    graph_client,
    immediate_config,
    template_send,
)
from tests.simulator.http_support import AUTH, MESSAGES, simulator_http, template_body
from tests.simulator.test_callbacks_fixtures import fixture, same_shape
from wabroadcast.simulator.app import create_simulator
from wabroadcast.simulator.callbacks import WebhookEmitter
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.state import Fate

SENDS = Path(__file__).resolve().parents[1] / "fixtures" / "cloudapi" / "sends"
NUMBERS = [f"+90555{1000000 + i:07d}" for i in range(20)]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def send_fixture(name: str) -> Any:
    return json.loads((SENDS / f"{name}.json").read_text())


@pytest.mark.anyio
async def test_held_and_accepted_answers_have_the_shape_of_metas() -> None:
    async with simulator_http(hold_rate=0.5) as (http, simulator):
        answers = [
            (await http.post(MESSAGES, headers=AUTH, json=template_body(to=n))).json()
            for n in NUMBERS
        ]
    statuses = [a["messages"][0]["message_status"] for a in answers]
    assert set(statuses) == {"held_for_quality_assessment", "accepted"}
    for answer, status in zip(answers, statuses, strict=True):
        name = "held_for_quality_assessment" if status != "accepted" else "accepted_under_pacing"
        assert same_shape(answer, send_fixture(name)), answer
    assert [m.held for m in simulator.accepted] == [s != "accepted" for s in statuses]


@pytest.mark.anyio
async def test_without_pacing_the_answer_has_no_message_status() -> None:
    async with simulator_http() as (http, _):
        answer = (await http.post(MESSAGES, headers=AUTH, json=template_body())).json()
    assert answer["messages"][0].keys() == {"id"}


@pytest.mark.anyio
async def test_the_ground_truth_log_says_held(tmp_path: Path) -> None:
    log = tmp_path / "truth.jsonl"
    async with simulator_http(hold_rate=1.0, log_path=log) as (http, _):
        await http.post(MESSAGES, headers=AUTH, json=template_body())
    (line,) = [json.loads(text) for text in log.read_text().splitlines()]
    assert (line["held"], line["fate"]) == (True, "delivered")


@pytest.mark.anyio
async def test_drop_pauses_the_template_and_later_sends_get_132015() -> None:
    async with simulator_http(hold_rate=1.0, hold_outcome="drop") as (http, simulator):
        first = await http.post(MESSAGES, headers=AUTH, json=template_body(to=NUMBERS[0]))
        second = await http.post(MESSAGES, headers=AUTH, json=template_body(to=NUMBERS[1]))
    assert first.json()["messages"][0]["message_status"] == "held_for_quality_assessment"
    assert second.status_code == 400
    assert second.json()["error"]["code"] == 132015
    (held,) = simulator.accepted
    assert (held.held, held.fate, held.error_code) == (True, Fate.FAILED, 132015)
    assert simulator.templates.find("daily_offer", "tr").status == "PAUSED"  # type: ignore[union-attr]


async def _statuses(**options: Any) -> Receiver:
    """The webhooks the simulator posts for two template sends, with the given options."""
    config = SimulatorConfig(
        access_token="t", app_secret=APP_SECRET, latency=0.0, latency_jitter=0.0, seed=4, **options
    )
    app = create_simulator(config)
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(immediate_config(max_batch=1), receiver.app)
    emitter.attach(app.state.simulator)
    async with graph_client(app) as graph:
        for number in NUMBERS[:2]:
            body = template_send(number, biz_opaque_callback_data="s=1;c=42")
            await graph.post(MESSAGES, json=body, headers={"Authorization": "Bearer t"})
        await emitter.drain()
    await emitter.close()
    return receiver


@pytest.mark.anyio
async def test_dropped_messages_fail_with_132015_in_metas_shape() -> None:
    receiver = await _statuses(hold_rate=1.0, hold_outcome="drop")
    (post,) = receiver.accepted  # the second send was refused: the template was paused
    assert same_shape(post.payload, fixture("status_failed_132015")), post.payload
    (status,) = post.items("statuses")
    assert (status["status"], status["errors"][0]["code"]) == ("failed", 132015)


@pytest.mark.anyio
async def test_released_messages_are_sent_and_delivered_as_usual() -> None:
    receiver = await _statuses(hold_rate=1.0, hold_outcome="release")
    kinds = [status for _, status in receiver.statuses()]
    assert kinds.count("sent") == 2 and kinds.count("delivered") == 2
    assert "failed" not in kinds


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"hold_rate": 1.5}, "hold_rate must be between 0 and 1"),
        ({"hold_outcome": "lose"}, "hold_outcome must be one of release, drop"),
    ],
)
def test_bad_hold_options_are_refused(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SimulatorConfig(**options)
