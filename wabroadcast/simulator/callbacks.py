"""The simulator's webhook side: signed status webhooks and replies, delivered like Meta does.

For each accepted message the emitter plans what Meta would later report — ``sent`` →
``delivered`` → ``read`` (a share stops early), an async ``failed`` (131026 unreachable,
131049 per-user marketing cap, 131050 user stopped marketing), replies, STOP opt-outs — and
POSTs it to a receiver, signed with ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with
the app secret, §5.2).

It also misbehaves the way Meta does, so the receiver is tested against it: several updates
per POST (batching, up to 1,000), the same update twice (Meta redelivers, and retries go to
every subscribed app), updates out of order (``read`` before ``delivered``), and retries with
exponential backoff whenever the receiver does not answer 200 (Meta keeps trying for 7 days).

The target is a URL over a pooled ``aiohttp.ClientSession`` (a real server: httpx's pool cost
~100× the CPU per request), or an ASGI app in the same process through ``httpx.ASGITransport``
— one code path for both (cloudapi.transport). Everything random is drawn
from ``random.Random(f"{seed}/{message_id}")``, so a seed reproduces a run message by message
whatever order the messages arrive in.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import hmac
import itertools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx

from wabroadcast.cloudapi.transport import (
    HTTPClient,
    Transport,
    TransportFailure,
    as_transport,
    close_quietly,
    default_http_client,
)
from wabroadcast.simulator.state import AcceptedMessage, Simulator
from wabroadcast.simulator.webhook_config import WebhookConfig
from wabroadcast.simulator.webhook_payloads import Update, encode, envelope
from wabroadcast.simulator.webhook_plan import MessageFacts, draw, facts_from_accepted, plan

log = logging.getLogger("wabroadcast.simulator.webhooks")


@dataclass
class EmitterStats:
    messages: int = 0
    posts: int = 0
    updates_delivered: int = 0
    failed_attempts: int = 0
    updates_dropped: int = 0
    """Given up on after the retry policy ran out, as Meta drops them after 7 days."""
    updates_discarded: int = 0
    """Still pending when the emitter was closed without draining."""


def sign(app_secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256``: written independently of the receiver's check on purpose."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class _Post:
    """A rendered, signed-on-send body; retried with the same bytes, as Meta does."""

    body: bytes
    size: int
    first_at: float
    attempts: int = 0


_Item = Update | _Post


class WebhookEmitter:
    """Schedules planned updates and POSTs them in batches; one worker task, started lazily.

    ``accept`` is synchronous and cheap (the simulator calls it while answering a send);
    ``drain`` waits until nothing is pending; ``close`` stops the worker — after draining, or
    at once, discarding what is left — so no task outlives the emitter.
    """

    def __init__(
        self,
        config: WebhookConfig,
        *,
        http: httpx.AsyncClient | None,
        url: str,
        owns_http: bool = False,
    ) -> None:
        """``http=None``: an aiohttp session opened on the first POST (it binds to the running
        loop, which may not exist yet when the emitter is built) and closed with the emitter."""
        self.config = config
        self.url = url
        self.stats = EmitterStats()
        self._http: HTTPClient | None = http
        self._transport: Transport | None = None if http is None else as_transport(http)
        self._owns_http = owns_http or http is None
        self._heap: list[tuple[float, int, _Item]] = []
        self._seq = itertools.count()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._closed = False
        self._on_inbound: Callable[[str], None] | None = None

    @classmethod
    def to_url(cls, config: WebhookConfig, url: str) -> WebhookEmitter:
        """Deliver over the network, like Meta, to ``url`` (e.g. ``http://127.0.0.1:5005/webhook``)."""
        return cls(config, http=None, url=url)

    @classmethod
    def to_app(cls, config: WebhookConfig, app: Any, *, path: str = "/webhook") -> WebhookEmitter:
        """Deliver to an ASGI app in this process; an exception in it counts as a 500."""
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        http = httpx.AsyncClient(transport=transport, base_url="http://webhook.receiver")
        return cls(config, http=http, url=path, owns_http=True)

    @property
    def pending(self) -> int:
        return len(self._heap)

    @property
    def closed(self) -> bool:
        return self._closed

    def attach(self, simulator: Simulator) -> Callable[[], None]:
        """Report on every message ``simulator`` accepts; returns the unsubscribe function.

        Replies the emitter sends open the user's 24 h service window in the simulator, so a
        text message answering one is accepted there as Meta would accept it.
        """
        self._on_inbound = simulator.note_inbound
        return simulator.subscribe(self.on_accepted)

    def on_accepted(self, message: AcceptedMessage) -> None:
        """The simulator's subscriber callback: quick, synchronous, only schedules."""
        self.accept(facts_from_accepted(message))

    def accept(self, facts: MessageFacts) -> None:
        """Plan and schedule everything Meta would report about one accepted message."""
        if self._closed:
            return
        rng = random.Random(f"{self.config.seed}/{facts.message_id}")
        timed = plan(facts, self.config, rng)
        loop = asyncio.get_running_loop()
        now = loop.time()
        keys = [(now + t.offset, next(self._seq)) for t in timed]
        if len(timed) > 1 and rng.random() < self.config.reorder_rate:
            keys.reverse()
        for (due, seq), item in zip(keys, timed, strict=True):
            heapq.heappush(self._heap, (due, seq, item.update))
            if rng.random() < self.config.duplicate_rate:
                again = due + draw(rng, self.config.duplicate_delay)
                heapq.heappush(self._heap, (again, next(self._seq), item.update))
        self.stats.messages += 1
        self._idle.clear()
        self._wakeup.set()
        if self._task is None:
            self._task = loop.create_task(self._run(), name="wabroadcast-webhook-emitter")

    async def post_payload(self, payload: dict[str, Any]) -> bool:
        """POST one body now, signed, once (account events: account_events.py); True on 200."""
        return await self._attempt(encode(payload))

    async def drain(self) -> None:
        """Wait until every scheduled update has been delivered or given up on."""
        await self._idle.wait()

    async def close(self, *, drain: bool = False, grace: float | None = None) -> None:
        """Stop the worker; with ``drain``, first wait (up to ``grace`` s) for pending work."""
        if self._closed:
            return
        if drain and self._task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await self._idle.wait()
        self._closed = True
        task, self._task = self._task, None
        tasks = [t for t in (task, *self._inflight) if t is not None]
        for each in tasks:
            each.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._inflight.clear()
        self.stats.updates_discarded += sum(
            item.size if isinstance(item, _Post) else 1 for _, _, item in self._heap
        )
        self._heap.clear()
        self._idle.set()
        if self._owns_http and isinstance(self._http, aiohttp.ClientSession | httpx.AsyncClient):
            await close_quietly(self._http)

    async def __aenter__(self) -> WebhookEmitter:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.config.concurrency)
        while True:
            if not self._heap:
                if not self._inflight:
                    self._idle.set()
                await self._wakeup.wait()
                self._wakeup.clear()
                continue
            wait = self._heap[0][0] - loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wakeup.wait()
                self._wakeup.clear()
                continue
            await slots.acquire()  # only this worker pops, so the head is still due
            item = heapq.heappop(self._heap)[2]
            try:
                post = item if isinstance(item, _Post) else self._batch(item, loop.time())
            except Exception:  # a bug here must not stall every later webhook (and drain())
                log.exception("webhook emitter failed to build a batch; it is dropped")
                slots.release()
                continue
            delivery = loop.create_task(self._deliver_in_slot(post, loop, slots))
            self._inflight.add(delivery)

    async def _deliver_in_slot(
        self, post: _Post, loop: asyncio.AbstractEventLoop, slots: asyncio.Semaphore
    ) -> None:
        try:
            await self._deliver(post, loop)
        except Exception:
            log.exception("webhook emitter failed on one batch; it is dropped")
        finally:
            slots.release()
            current = asyncio.current_task()
            if current is not None:
                self._inflight.discard(current)  # before waking the worker: it checks idleness
            self._wakeup.set()

    def _batch(self, first: Update, now: float) -> _Post:
        """Gather due updates (and those within ``batch_window``) into one body."""
        updates = [first]
        horizon = now + self.config.batch_window
        while (
            self._heap
            and len(updates) < self.config.max_batch
            and self._heap[0][0] <= horizon
            and isinstance(self._heap[0][2], Update)
        ):
            updates.append(heapq.heappop(self._heap)[2])  # type: ignore[arg-type]
        if self._on_inbound is not None:
            for update in updates:
                if update.key == "messages":
                    user = update.item.get("from") or update.item["from_user_id"]
                    self._on_inbound(user)
        payload = envelope(
            updates,
            waba_id=self.config.waba_id,
            phone_number_id=self.config.phone_number_id,
            display_phone_number=self.config.display_phone_number,
        )
        return _Post(body=encode(payload), size=len(updates), first_at=now)

    async def _deliver(self, post: _Post, loop: asyncio.AbstractEventLoop) -> None:
        post.attempts += 1
        if await self._attempt(post.body):
            self.stats.posts += 1
            self.stats.updates_delivered += post.size
            return
        self.stats.failed_attempts += 1
        policy = self.config.retry
        if policy.gives_up(post.attempts, loop.time() - post.first_at):
            self.stats.updates_dropped += post.size
            log.warning("webhook dropped after %d attempts (%d updates)", post.attempts, post.size)
            return
        due = loop.time() + policy.next_delay(post.attempts)
        heapq.heappush(self._heap, (due, next(self._seq), post))

    async def _attempt(self, body: bytes) -> bool:
        """One POST; only a 200 counts (§5.2: any other result is a failure)."""
        headers = {
            "User-Agent": "facebookexternalua",
            "X-Hub-Signature-256": sign(self.config.app_secret, body),
        }
        if self._transport is None:
            session = default_http_client(self.config.timeout, max_connections=100)
            self._http, self._transport = session, as_transport(session)
        try:
            status, _ = await self._transport.request(
                "POST", self.url, body=body, params=None, headers=headers
            )
        except TransportFailure as exc:  # connection refused, timeout
            log.info("webhook POST to %s failed: %s", self.url, exc.kind)
            return False
        except Exception as exc:  # a crash in an in-process app
            log.info("webhook POST to %s failed: %s", self.url, type(exc).__name__)
            return False
        if status != 200:
            log.info("webhook POST to %s answered %d", self.url, status)
        return status == 200
