"""A recording webhook receiver and a zero-delay emitter setup for the webhook-side tests."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wabroadcast.simulator.webhook_config import RetryPolicy, WebhookConfig

APP_SECRET = "test-app-secret-0123456789abcdef"
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
FAST_RETRY = RetryPolicy(first_delay=0.001, multiplier=2.0, max_delay=0.01, max_attempts=4)


def immediate_config(**overrides: Any) -> WebhookConfig:
    """No delays between stages, fast bounded retries: tests finish in milliseconds."""
    values: dict[str, Any] = {
        "app_secret": APP_SECRET,
        "waba_id": WABA_ID,
        "phone_number_id": PHONE_NUMBER_ID,
        "seed": 7,
        "stop_at_sent": 0.0,
        "stop_at_delivered": 0.0,
        "reply_rate": 0.0,
        "sent_delay": (0.0, 0.0),
        "delivered_delay": (0.0, 0.0),
        "read_delay": (0.0, 0.0),
        "reply_delay": (0.0, 0.0),
        "duplicate_delay": (0.0, 0.0),
        "retry": FAST_RETRY,
    }
    values.update(overrides)
    return WebhookConfig(**values)


def expected_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    answered: int

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    def items(self, key: str) -> list[dict[str, Any]]:
        """Every ``statuses`` / ``messages`` / ``user_preferences`` item in this POST."""
        found: list[dict[str, Any]] = []
        for entry in self.payload["entry"]:
            for change in entry["changes"]:
                found.extend(change["value"].get(key, []))
        return found


@dataclass
class Receiver:
    """Records every POST; answers with the scripted statuses first, then 200."""

    answers: list[int] = field(default_factory=list)
    posts: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[Route("/webhook", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        status = self.answers.pop(0) if self.answers else 200
        self.posts.append(Received(await request.body(), dict(request.headers), status))
        return Response(status_code=status)

    @property
    def accepted(self) -> list[Received]:
        return [post for post in self.posts if post.answered == 200]

    def items(self, key: str) -> list[dict[str, Any]]:
        return [item for post in self.accepted for item in post.items(key)]

    def statuses(self) -> list[tuple[str, str]]:
        """(message id, status) in arrival order, over POSTs that were answered 200."""
        return [(s["id"], s["status"]) for s in self.items("statuses")]


def graph_client(simulator_app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=simulator_app)
    return httpx.AsyncClient(transport=transport, base_url="http://graph.simulator")


def template_send(
    to: str, name: str = "daily_offer", language: str = "en_US", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}},
    }
    body.update(extra)
    return body
