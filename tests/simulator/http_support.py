"""Raw HTTP against the simulator app (exact shapes, not through our client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from wabroadcast.simulator import Simulator, SimulatorConfig, create_simulator

TOKEN = "EAAGsimulatorHTTPtestTOKEN0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PHONE_ID = SimulatorConfig().phone_number_id
WABA_ID = SimulatorConfig().waba_id
MESSAGES = f"/v25.0/{PHONE_ID}/messages"
TEMPLATES = f"/v25.0/{WABA_ID}/message_templates"
PHONE = f"/v25.0/{PHONE_ID}"


class Clock:
    """A monotonic clock the test moves by hand (for the token buckets)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def config(**options: Any) -> SimulatorConfig:
    values: dict[str, Any] = {"access_token": TOKEN, "latency": 0.0, "latency_jitter": 0.0}
    values["seed"] = 3
    values.update(options)
    return SimulatorConfig(**values)


@asynccontextmanager
async def simulator_http(
    monotonic: Clock | None = None, **options: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Simulator]]:
    app = create_simulator(config(**options), monotonic=monotonic)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield http, app.state.simulator


def template_body(
    to: str = "+905551234567",
    name: str = "daily_offer",
    language: str = "tr",
    components: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}},
    }
    if components is not None:
        body["template"]["components"] = components
    body.update(extra)
    return body


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` object, after checking it has exactly the cloudapi.md §2 shape."""
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert {"message", "type", "code", "error_data", "fbtrace_id"} <= set(error)
    assert set(error) <= {"message", "type", "code", "error_data", "error_subcode", "fbtrace_id"}
    assert error["type"] == "OAuthException"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert isinstance(error["error_data"]["details"], str) and error["error_data"]["details"]
    assert isinstance(error["fbtrace_id"], str) and len(error["fbtrace_id"]) >= 20
    assert response.headers["x-fb-trace-id"] == error["fbtrace_id"]
    return error
