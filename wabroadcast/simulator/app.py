"""The simulator's HTTP face: the Graph API endpoints a bulk template sender uses.

POST /{version}/{phone-number-id}/messages (and /marketing_messages, see simulator/marketing.py),
GET /{version}/{waba-id}/message_templates and GET /{version}/{phone-number-id}, answering with
cloudapi.md §1–4 shapes. Checks run in the order Meta applies them: token (190), object id
(100), throughput (130429), payload and template (100, 131008, 132001, 132015, 132016, 132000,
132012), recipient (100/131009), pair limit (131056). Failure injection (5xx, hangs) comes
first so it can hit any request.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from wabroadcast.clock import Clock
from wabroadcast.domain.bsuid import is_bsuid
from wabroadcast.simulator import marketing
from wabroadcast.simulator.account_control import account_event
from wabroadcast.simulator.account_events import CONTROL_PATH
from wabroadcast.simulator.config import SimulatorConfig
from wabroadcast.simulator.graph import SimError
from wabroadcast.simulator.state import Simulator
from wabroadcast.simulator.validate import SendRequest, parse_send

VERSION = re.compile(r"^v\d+\.\d+$")
PHONE_FIELDS = (
    "id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "status",
    "throughput",
    "whatsapp_business_manager_messaging_limit",
    "messaging_limit_tier",
    "code_verification_status",
    "platform_type",
    "name_status",
)
DEFAULT_PHONE_FIELDS = ("verified_name", "display_phone_number", "quality_rating", "id")
Handler = Callable[[Request, Simulator], Awaitable[Response]]


def create_simulator(
    config: SimulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    monotonic: Callable[[], float] | None = None,
) -> Starlette:
    """The simulator as an ASGI app; ``app.state.simulator`` holds its state and ground truth."""
    config = config or SimulatorConfig()
    simulator = (
        Simulator(config, clock=clock)
        if monotonic is None
        else Simulator(config, clock=clock, monotonic=monotonic)
    )
    routes = [
        Route("/{version}/{object_id}/messages", _graph(_send), methods=["POST"]),
        Route(
            "/{version}/{object_id}/marketing_messages", _graph(_send_marketing), methods=["POST"]
        ),
        Route("/{version}/{object_id}/message_templates", _graph(_templates), methods=["GET"]),
        Route("/{version}/{object_id}", _graph(_phone_number), methods=["GET"]),
        Route(CONTROL_PATH, account_event, methods=["POST"]),
        Route("/{path:path}", _graph(_unknown_path), methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.simulator = simulator
    app.state.account_event_sinks = []
    return app


def _error_response(error: SimError, simulator: Simulator) -> Response:
    trace = simulator.fbtrace_id()
    simulator.counters["errors"] += 1
    return JSONResponse(
        error.body(trace), status_code=error.status(), headers={"x-fb-trace-id": trace}
    )


def _graph(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Auth, version check, latency and SimError → Graph error body, for every endpoint."""

    async def endpoint(request: Request) -> Response:
        simulator: Simulator = request.app.state.simulator
        simulator.counters["requests"] += 1
        try:
            simulator.check_token(request.headers.get("authorization"))
            version = request.path_params.get("version", "")
            if not VERSION.match(version):
                raise SimError(
                    2500,
                    f"Unknown path components: /{version}",
                    message=(f"Unknown path components: /{version}"),
                )
            response = await handler(request, simulator)
        except SimError as error:
            response = _error_response(error, simulator)
        delay = simulator.latency()
        if delay:
            await anyio.sleep(delay)
        return response

    return endpoint


def _check_object(object_id: str, expected: frozenset[str], verb: str) -> None:
    if object_id not in expected:
        raise SimError(
            100,
            f"Unsupported {verb} request.",
            message=(
                f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation."
            ),
            subcode=33,
        )


async def _send(request: Request, simulator: Simulator, endpoint: str = "messages") -> Response:
    """POST /messages: inject faults, validate, rate-limit, accept."""
    _check_object(request.path_params["object_id"], simulator.config.phone_number_ids, "post")
    injected = _injected_5xx(simulator)
    if injected is not None:
        return injected
    if simulator.roll(simulator.config.timeout_rate):
        return await _hang(request, simulator, endpoint)
    return await _process_send(request, simulator, endpoint)


async def _send_marketing(request: Request, simulator: Simulator) -> Response:
    """POST /marketing_messages (simulator/marketing.py): the same path as /messages."""
    return await _send(request, simulator, "marketing_messages")


async def _process_send(request: Request, simulator: Simulator, endpoint: str) -> Response:
    try:
        body: Any = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise SimError(100, "The request body is not valid JSON.") from None
    via_marketing = endpoint == "marketing_messages"
    if via_marketing:
        marketing.check_terms(simulator.config.marketing_messages_terms_accepted)
        marketing.check_fields(body)
    simulator.take_throughput()
    send = parse_send(body, simulator.templates)
    if via_marketing:
        marketing.check_request(send)
    by_user_id = is_bsuid(send.to)
    if by_user_id:  # sent to `recipient`: the BSUID is the user (no wa_id in the answer)
        _check_bsuid_supported(send, simulator)
        user = send.to
    else:
        user = simulator.recipient(send.to)
    simulator.take_pair(user)
    message = await simulator.accept(send, user, endpoint)
    contact = {"input": send.to, ("user_id" if by_user_id else "wa_id"): user}
    answered: dict[str, Any] = {"id": message.message_id}
    if message.message_status is not None:  # a template under pacing (cloudapi.md §1, §4)
        answered["message_status"] = message.message_status
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [answered],
        }
    )


def _check_bsuid_supported(send: SendRequest, simulator: Simulator) -> None:
    template = send.template
    if template is not None and template.name in simulator.config.bsuid_unsupported_templates:
        raise SimError(
            131062,
            "Business-scoped user ID recipients are not supported for this message type.",
        )


async def _hang(request: Request, simulator: Simulator, endpoint: str) -> Response:
    """An injected timeout: hold the answer longer than any client waits.

    With `timeout_accepts` the message is accepted first — the case that makes a send
    uncertain — otherwise nothing happens and a 503 follows the hang.
    """
    if simulator.config.timeout_accepts:
        try:
            response = await _process_send(request, simulator, endpoint)
        except SimError as error:
            response = _error_response(error, simulator)
        await anyio.sleep(simulator.config.hang_seconds)
        return response
    await anyio.sleep(simulator.config.hang_seconds)
    raise SimError(131016, "A service is temporarily unavailable.")


def _injected_5xx(simulator: Simulator) -> Response | None:
    """500/131000, 503/131016 or a bare 502 from a proxy (no Graph body, no code)."""
    if not simulator.roll(simulator.config.error_5xx_rate):
        return None
    kind = simulator.rng.randrange(3)
    if kind == 0:
        return _error_response(SimError(131000, "Something went wrong."), simulator)
    if kind == 1:
        return _error_response(SimError(131016, "A service is temporarily unavailable."), simulator)
    simulator.counters["errors"] += 1
    return PlainTextResponse("502 Bad Gateway", status_code=502)


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _cursor_index(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "cursor":
            raise ValueError(cursor)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SimError(100, f"Invalid cursor: {cursor!r}") from None


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SimError(100, f"Param {name} must be an integer - got {raw!r}") from None
    if value < 1:
        raise SimError(100, f"Param {name} must be positive - got {value}")
    return value


async def _templates(request: Request, simulator: Simulator) -> Response:
    """GET /message_templates: cursor-paged like Graph (`limit`, `after`, `paging.next`)."""
    _check_object(request.path_params["object_id"], frozenset({simulator.config.waba_id}), "get")
    query = request.query_params
    items = [t.as_graph() for t in simulator.templates.templates]
    for key in ("status", "name", "language", "category"):
        if query.get(key):
            wanted = {v.strip() for v in query[key].split(",")}
            items = [i for i in items if str(i[key]) in wanted]
    limit = min(_int_param(request, "limit", simulator.config.page_size), 1000)
    start = _cursor_index(query["after"]) + 1 if query.get("after") else 0
    page = items[start : start + limit]
    fields = [f.strip() for f in query.get("fields", "").split(",") if f.strip()]
    if fields:
        page = [{k: v for k, v in item.items() if k in fields or k == "id"} for item in page]
    body: dict[str, Any] = {"data": page}
    if page:
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(start), "after": _cursor(start + len(page) - 1)}
        }
        if start + len(page) < len(items):
            params = dict(query) | {"after": paging["cursors"]["after"], "limit": str(limit)}
            paging["next"] = str(request.url.include_query_params(**params))
        if start > 0:
            paging["previous"] = str(
                request.url.remove_query_params("after").include_query_params(before=_cursor(start))
            )
        body["paging"] = paging
    return JSONResponse(body)


async def _phone_number(request: Request, simulator: Simulator) -> Response:
    """GET /{phone-number-id}?fields=…: throughput, messaging limit tier, quality, status."""
    _check_object(request.path_params["object_id"], simulator.config.phone_number_ids, "get")
    config = simulator.config
    values: dict[str, Any] = {
        "id": request.path_params["object_id"],
        "display_phone_number": _display(config.display_phone_number),
        "verified_name": config.verified_name,
        "quality_rating": config.quality_rating,
        "status": "CONNECTED",
        "throughput": {"level": config.throughput_level},
        "whatsapp_business_manager_messaging_limit": config.messaging_limit_tier,
        "messaging_limit_tier": config.messaging_limit_tier,
        "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
        "name_status": "APPROVED",
    }
    raw = request.query_params.get("fields")
    fields = [f.strip() for f in raw.split(",") if f.strip()] if raw else DEFAULT_PHONE_FIELDS
    unknown = [f for f in fields if f not in PHONE_FIELDS]
    if unknown:
        raise SimError(
            100,
            f"Tried accessing nonexisting field ({unknown[0]}) on node type "
            "(WhatsAppBusinessPhoneNumber)",
            message=f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type "
            "(WhatsAppBusinessPhoneNumber)",
        )
    body = {f: values[f] for f in fields}
    body["id"] = request.path_params["object_id"]
    return JSONResponse(body)


def _display(digits: str) -> str:
    """`15550783881` → `+1 555-078-3881`, the way Graph shows display_phone_number."""
    if len(digits) == 11 and digits.startswith("1"):
        return f"+1 {digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return "+" + digits


async def _unknown_path(request: Request, simulator: Simulator) -> Response:
    raise SimError(
        2500,
        f"Unknown path components: /{request.path_params.get('path', '')}",
        message=f"Unknown path components: /{request.path_params.get('path', '')}",
    )
