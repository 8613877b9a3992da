"""The webhook emitter: lifecycle, signatures, batching, duplicates, reordering and retries."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from typing import Any

import pytest

from tests.cloudapi.live import serve
from tests.simulator.callbacks_support import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    WABA_ID,
    Receiver,
    expected_signature,
    immediate_config,
)
from wabroadcast.simulator.callbacks import WebhookEmitter, sign
from wabroadcast.simulator.replies import QuickReply
from wabroadcast.simulator.webhook_config import RetryPolicy, WebhookConfig
from wabroadcast.simulator.webhook_plan import MessageFacts

ACCEPTED_AT = 1765810800.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def facts(n: int = 1, **overrides: Any) -> MessageFacts:
    values: dict[str, Any] = {
        "message_id": f"wamid.TEST{n:04d}==",
        "wa_id": f"9053212345{n:02d}",
        "language": "en_US",
        "accepted_at": ACCEPTED_AT,
        "callback_data": f"s={n};c=42",
    }
    values.update(overrides)
    return MessageFacts(**values)


async def run(config: WebhookConfig, receiver: Receiver, *messages: MessageFacts) -> WebhookEmitter:
    emitter = WebhookEmitter.to_app(config, receiver.app)
    for message in messages:
        emitter.accept(message)
    await emitter.drain()
    await emitter.close()
    return emitter


@pytest.mark.anyio
async def test_a_read_message_reports_sent_delivered_read_signed_and_priced_once() -> None:
    receiver = Receiver()
    await run(immediate_config(), receiver, facts(1))

    assert receiver.statuses() == [("wamid.TEST0001==", s) for s in ("sent", "delivered", "read")]
    for post in receiver.posts:
        assert post.headers["x-hub-signature-256"] == expected_signature(post.body)
        assert post.headers["content-type"] == "application/json"
        entry = post.payload["entry"][0]
        assert post.payload["object"] == "whatsapp_business_account"
        assert entry["id"] == WABA_ID
        value = entry["changes"][0]["value"]
        assert entry["changes"][0]["field"] == "messages"
        assert value["metadata"]["phone_number_id"] == PHONE_NUMBER_ID
        assert value["contacts"][0]["wa_id"] == "905321234501"
    sent, delivered, read = receiver.items("statuses")
    for status in (sent, delivered, read):
        assert status["timestamp"] == str(int(ACCEPTED_AT))
        assert status["recipient_id"] == "905321234501"
        assert status["biz_opaque_callback_data"] == "s=1;c=42"
    assert (
        sent["pricing"]
        == delivered["pricing"]
        == {
            "billable": True,
            "pricing_model": "PMP",
            "type": "regular",
            "category": "marketing",
        }
    )
    assert "pricing" not in read


@pytest.mark.anyio
async def test_the_signature_covers_the_exact_bytes_and_non_ascii_is_escaped() -> None:
    receiver = Receiver()
    await run(immediate_config(), receiver, facts(1, wa_id="905321234567"))
    body = receiver.posts[0].body
    assert body.isascii()
    assert (
        expected_signature(body, "another secret")
        != receiver.posts[0].headers["x-hub-signature-256"]
    )


@pytest.mark.anyio
async def test_async_failure_is_a_lone_failed_status_with_errors_and_no_contacts() -> None:
    receiver = Receiver()
    await run(immediate_config(), receiver, facts(1, failure_code=131026))

    assert receiver.statuses() == [("wamid.TEST0001==", "failed")]
    value = receiver.accepted[0].payload["entry"][0]["changes"][0]["value"]
    assert "contacts" not in value
    (status,) = value["statuses"]
    assert "pricing" not in status
    assert status["errors"][0]["code"] == 131026
    assert status["errors"][0]["title"] == status["errors"][0]["message"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("shares", "expected"),
    [
        ({"stop_at_sent": 1.0}, ["sent"]),
        ({"stop_at_delivered": 1.0}, ["sent", "delivered"]),
        ({"instant_read_rate": 1.0}, ["sent", "read"]),
    ],
)
async def test_shares_decide_where_a_message_stops(
    shares: dict[str, float], expected: list[str]
) -> None:
    receiver = Receiver()
    await run(immediate_config(**shares), receiver, facts(1))
    assert [status for _, status in receiver.statuses()] == expected
    priced = [s["status"] for s in receiver.items("statuses") if "pricing" in s]
    assert priced == (["sent", "read"] if expected == ["sent", "read"] else expected[:2])


@pytest.mark.anyio
async def test_shares_are_roughly_respected_over_many_messages() -> None:
    receiver = Receiver()
    config = immediate_config(stop_at_sent=0.2, stop_at_delivered=0.3)
    await run(config, receiver, *(facts(n, wa_id=f"9053200{n:05d}") for n in range(400)))
    final: dict[str, str] = {}
    for message_id, status in receiver.statuses():
        final[message_id] = status
    counts = Counter(final.values())
    assert sum(counts.values()) == 400
    assert 50 <= counts["sent"] <= 110
    assert 80 <= counts["delivered"] <= 160
    assert counts["read"] == 400 - counts["sent"] - counts["delivered"]


@pytest.mark.anyio
async def test_updates_are_batched_up_to_the_maximum() -> None:
    receiver = Receiver()
    await run(immediate_config(max_batch=4), receiver, *(facts(n) for n in range(10)))

    sizes = [len(post.items("statuses")) for post in receiver.posts]
    assert sum(sizes) == 30
    assert max(sizes) == 4
    assert len(receiver.posts) < 30
    batched = next(post for post in receiver.posts if len(post.items("statuses")) == 4)
    value = batched.payload["entry"][0]["changes"][0]["value"]
    assert [c["wa_id"] for c in value["contacts"]] == list(
        dict.fromkeys(s["recipient_id"] for s in value["statuses"])
    )


@pytest.mark.anyio
async def test_duplicates_deliver_every_update_twice() -> None:
    receiver = Receiver()
    await run(immediate_config(duplicate_rate=1.0), receiver, facts(1), facts(2))
    counts = Counter(receiver.statuses())
    assert len(counts) == 6
    assert set(counts.values()) == {2}


@pytest.mark.anyio
async def test_reordering_delivers_read_before_sent() -> None:
    receiver = Receiver()
    await run(immediate_config(reorder_rate=1.0), receiver, facts(1))
    assert [status for _, status in receiver.statuses()] == ["read", "delivered", "sent"]


@pytest.mark.anyio
async def test_a_refused_post_is_retried_with_the_same_bytes_until_it_gets_200() -> None:
    receiver = Receiver(answers=[500, 403])
    emitter = await run(immediate_config(max_batch=10), receiver, facts(1))

    assert [post.answered for post in receiver.posts] == [500, 403, 200]
    assert len({post.body for post in receiver.posts}) == 1
    assert receiver.statuses() == [("wamid.TEST0001==", s) for s in ("sent", "delivered", "read")]
    assert emitter.stats.failed_attempts == 2
    assert emitter.stats.updates_delivered == 3
    assert emitter.stats.updates_dropped == 0


@pytest.mark.anyio
async def test_a_crash_in_an_in_process_receiver_counts_as_a_500_and_is_retried() -> None:
    bodies: list[bytes] = []

    async def crashing_once(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        bodies.append(message.get("body", b""))
        if len(bodies) == 1:
            raise RuntimeError("receiver bug")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    emitter = WebhookEmitter.to_app(immediate_config(max_batch=10), crashing_once)
    emitter.accept(facts(1))
    await emitter.drain()
    await emitter.close()
    await emitter.close()  # closing twice is harmless
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert emitter.stats.failed_attempts == 1
    assert emitter.stats.updates_delivered == 3


@pytest.mark.anyio
@pytest.mark.parametrize("concurrency", [1, 3])
async def test_posts_run_in_parallel_up_to_the_concurrency(concurrency: int) -> None:
    in_flight = 0
    peak = 0
    posts = 0

    async def slow_receiver(scope: Any, receive: Any, send: Any) -> None:
        nonlocal in_flight, peak, posts
        await receive()
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        posts += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = immediate_config(max_batch=1, concurrency=concurrency)
    emitter = WebhookEmitter.to_app(config, slow_receiver)
    for n in range(4):
        emitter.accept(facts(n))
    await emitter.drain()
    await emitter.close()
    assert posts == 12
    assert peak == concurrency


@pytest.mark.anyio
async def test_a_202_is_not_success_either() -> None:
    receiver = Receiver(answers=[202])
    await run(immediate_config(max_batch=10), receiver, facts(1))
    assert [post.answered for post in receiver.posts] == [202, 200]


@pytest.mark.anyio
async def test_updates_are_dropped_when_the_retry_policy_runs_out() -> None:
    receiver = Receiver(answers=[500] * 10)
    config = immediate_config(max_batch=10, retry=RetryPolicy(first_delay=0.001, max_attempts=3))
    emitter = await run(config, receiver, facts(1))

    assert len(receiver.posts) == 3
    assert receiver.statuses() == []
    assert emitter.stats.updates_dropped == 3


def test_retry_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(first_delay=1.0, multiplier=2.0, max_delay=10.0)
    assert [policy.next_delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert not policy.gives_up(100, 0.0)
    assert policy.gives_up(1, 7 * 24 * 3600.0)
    assert RetryPolicy(max_attempts=2).gives_up(2, 0.0)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.anyio
async def test_an_unreachable_url_is_retried_then_dropped() -> None:
    config = immediate_config(max_batch=10, timeout=1.0)
    emitter = WebhookEmitter.to_url(config, f"http://127.0.0.1:{_closed_port()}/webhook")
    emitter.accept(facts(1))
    await emitter.drain()
    await emitter.close()
    assert emitter.stats.failed_attempts == config.retry.max_attempts
    assert emitter.stats.updates_dropped == 3


@pytest.mark.anyio
async def test_close_without_draining_discards_pending_updates_and_stops_the_worker() -> None:
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(immediate_config(sent_delay=(60.0, 60.0)), receiver.app)
    emitter.accept(facts(1))
    await asyncio.sleep(0.01)
    await emitter.close()

    assert receiver.posts == []
    assert emitter.stats.updates_discarded == 3
    names = {task.get_name() for task in asyncio.all_tasks()}
    assert "wabroadcast-webhook-emitter" not in names
    emitter.accept(facts(2))  # after close: ignored, no new task
    assert emitter.pending == 0


@pytest.mark.anyio
async def test_close_with_drain_waits_for_pending_updates() -> None:
    receiver = Receiver()
    emitter = WebhookEmitter.to_app(immediate_config(sent_delay=(0.05, 0.05)), receiver.app)
    emitter.accept(facts(1))
    await emitter.close(drain=True, grace=5.0)
    assert len(receiver.statuses()) == 3


@pytest.mark.anyio
async def test_text_replies_and_quick_reply_taps() -> None:
    buttons = (QuickReply("MORE_INFO", "Tell me more"), QuickReply("STOP_PROMOS", "Stop"))
    receiver = Receiver()
    await run(
        immediate_config(reply_rate=1.0, button_reply_share=1.0),
        receiver,
        facts(1, quick_replies=buttons),
    )
    (tap,) = receiver.items("messages")
    assert tap["type"] == "button"
    assert tap["context"] == {"from": "15550783881", "id": "wamid.TEST0001=="}
    assert (tap["button"]["payload"], tap["button"]["text"]) in {
        (b.payload, b.text) for b in buttons
    }
    assert tap["from"] == "905321234501"
    assert tap["id"].startswith("wamid.") and tap["id"] != "wamid.TEST0001=="

    receiver = Receiver()
    await run(
        immediate_config(reply_rate=1.0, button_reply_share=0.0), receiver, facts(1, language="tr")
    )
    (text,) = receiver.items("messages")
    assert text["type"] == "text"
    assert "context" not in text
    assert text["text"]["body"]
    assert "biz_opaque_callback_data" not in text


@pytest.mark.anyio
async def test_an_opted_out_user_reads_answers_stop_and_stops_marketing() -> None:
    receiver = Receiver()
    await run(immediate_config(), receiver, facts(1, opt_out=True))

    assert [status for _, status in receiver.statuses()] == ["sent", "delivered", "read"]
    (stop,) = receiver.items("messages")
    assert (stop["type"], stop["text"]["body"]) == ("text", "STOP")
    (preference,) = receiver.items("user_preferences")
    assert preference["value"] == "stop"
    assert preference["category"] == "marketing_messages"
    assert isinstance(preference["timestamp"], int)
    fields = [c["field"] for post in receiver.accepted for c in post.payload["entry"][0]["changes"]]
    assert "user_preferences" in fields


@pytest.mark.anyio
async def test_the_same_seed_gives_the_same_bodies_and_another_seed_does_not() -> None:
    def config(seed: int) -> WebhookConfig:
        return immediate_config(
            seed=seed, stop_at_sent=0.3, stop_at_delivered=0.3, reply_rate=0.5, max_batch=1
        )

    messages = [facts(n) for n in range(30)]
    first, second, other = Receiver(), Receiver(), Receiver()
    await run(config(1), first, *messages)
    await run(config(1), second, *messages)
    await run(config(2), other, *messages)
    assert sorted(p.body for p in first.posts) == sorted(p.body for p in second.posts)
    assert sorted(p.body for p in first.posts) != sorted(p.body for p in other.posts)


@pytest.mark.parametrize(
    "bad",
    [
        {"reply_rate": 1.5},
        {"stop_at_sent": 0.6, "stop_at_delivered": 0.6},
        {"max_batch": 0},
        {"max_batch": 1001},
        {"concurrency": 0},
        {"read_delay": (5.0, 1.0)},
    ],
)
def test_bad_options_are_refused_with_the_option_named(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as error:
        WebhookConfig(app_secret=APP_SECRET, waba_id=WABA_ID, phone_number_id="1", **bad)
    assert next(iter(bad)) in str(error.value)


def test_the_app_secret_is_not_in_the_repr() -> None:
    assert APP_SECRET not in repr(immediate_config())


@pytest.mark.anyio
async def test_a_url_receives_signed_posts_over_a_real_socket() -> None:
    """to_url goes over the network (aiohttp), signed like Meta, each update once."""
    receiver = Receiver()
    config = immediate_config(max_batch=10, timeout=2.0)
    async with serve(receiver.app) as url:
        emitter = WebhookEmitter.to_url(config, f"{url}/webhook")
        emitter.accept(facts(1))
        emitter.accept(facts(2))
        await emitter.drain()
        await emitter.close()
    assert receiver.posts and all(post.answered == 200 for post in receiver.posts)
    for post in receiver.posts:
        assert post.headers["x-hub-signature-256"] == sign(config.app_secret, post.body)
        assert post.headers["content-type"] == "application/json"
    assert Counter(receiver.statuses()) == Counter(
        (f"wamid.TEST{n:04d}==", status) for n in (1, 2) for status in ("sent", "delivered", "read")
    )
    assert emitter.stats.failed_attempts == 0
