"""The simulator's control route for account webhooks (``wabroadcast simulator-event``).

``POST /_simulator/account_events`` with ``{"event": "throughput_upgrade"}`` (or
``limit_change`` + ``limit``, ``category_changed`` / ``category_impending`` + ``template``,
``language``, ``category``) changes the simulated number and POSTs the signed webhook through
every sink the simulator's runner registered (its webhook emitter). Not a Graph API path: Meta
has no such call, the real events come on Meta's own schedule.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wabroadcast.simulator.account_events import build_event

Sink = Callable[[dict[str, Any]], Awaitable[bool]]


async def account_event(request: Request) -> Response:
    try:
        asked = json.loads(await request.body() or b"{}")
        if not isinstance(asked, dict):
            raise ValueError("the body must be a JSON object")
        payload = build_event(request.app.state.simulator, asked)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    sinks: list[Sink] = getattr(request.app.state, "account_event_sinks", [])
    delivered = [await sink(payload) for sink in sinks]
    return JSONResponse({"payload": payload, "delivered": sum(delivered), "sinks": len(sinks)})
