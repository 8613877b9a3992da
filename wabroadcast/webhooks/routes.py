"""HTTP side of the webhook: GET /webhook (verification), POST /webhook, GET /api/webhook-logs.

POST order of checks: app secret configured → body size → signature over the raw bytes →
JSON. Nothing is stored until the signature matches; after that the body joins the next group
commit (:mod:`wabroadcast.webhooks.group_commit`), 200 goes out once that transaction has
committed (503 if it failed), and the webhook worker (started by the router's lifespan)
processes it. Mounted without its lifespan running (some test set-ups), a request processes
its own body as a background task after the answer instead.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, BackgroundTasks, FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.config import Settings
from wabroadcast.storage import webhook_events
from wabroadcast.storage.db import Database
from wabroadcast.webhooks.apply import WebhookRules
from wabroadcast.webhooks.group_commit import GroupCommit
from wabroadcast.webhooks.log_body import readable_json
from wabroadcast.webhooks.parse import payload_kind
from wabroadcast.webhooks.processing import int_or_digits, process_event
from wabroadcast.webhooks.verify import (
    SIGNATURE_HEADER,
    SignatureCheck,
    challenge_answer,
    check_signature,
)
from wabroadcast.webhooks.worker import WebhookWorker

log = logging.getLogger(__name__)
MAX_LOG_LIMIT = 500
MAX_ID = 2**63 - 1
"""Ids are BIGINT; a larger ``before_id`` is refused (422) rather than sent to the database."""


WEBHOOK_METHODS = "GET, HEAD, POST, OPTIONS"
"""GET answers Meta's verification challenge; POST receives events."""


class _TooLarge(Exception):
    pass


async def _read_body(declared: str, chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The raw body, refusing more than ``limit`` bytes without reading it all."""
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        parts.append(chunk)
    return b"".join(parts)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _decode(body: bytes) -> tuple[str, Any]:
    """UTF-8 JSON (no NaN/Infinity) or ValueError saying what is wrong. A number too long
    for Python's int stays text: its item is skipped later, the rest of the body applies."""
    text = body.decode("utf-8")
    try:
        return text, json.loads(text, parse_constant=_reject_constant, parse_int=int_or_digits)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


Answer = tuple[int, dict[str, str]]
"""HTTP status and JSON body of an answer to POST /webhook."""


class WebhookReceiver:
    """POST /webhook's checks and storage (module doc), free of any web framework, so
    ``serve`` can answer it straight from ASGI (web/webhook_path.py) and the router too."""

    def __init__(self, settings: Settings, database: Database, clock: Clock | None = None) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.rules = WebhookRules.from_settings(settings)
        secret = settings.whatsapp_app_secret
        self.app_secret = secret.get_secret_value() if secret else None
        self.limit = settings.webhook_max_body_bytes
        self.worker = WebhookWorker(
            database, self.clock, self.rules, retention_days=settings.webhook_log_retention_days
        )
        self.intake = GroupCommit(database, self.clock)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The webhook worker runs inside; bodies still joining a commit are written at exit."""
        self.worker.start()
        try:
            yield
        finally:
            await self.intake.close()
            await run_in_threadpool(self.worker.stop)

    async def receive(
        self, signature: str | None, declared_length: str, chunks: AsyncIterator[bytes]
    ) -> tuple[Answer, int | None]:
        """The answer, and the id of the stored event (None when nothing was stored)."""
        if not self.app_secret:
            return (403, {"error": "WHATSAPP_APP_SECRET is not set; webhooks are refused"}), None
        try:
            body = await _read_body(declared_length, chunks, self.limit)
        except _TooLarge:
            return (413, {"error": f"webhook body larger than {self.limit} bytes"}), None
        check = check_signature(body, signature, self.app_secret)
        if check is SignatureCheck.MISSING:
            return (401, {"error": f"missing {SIGNATURE_HEADER} header"}), None
        if check is SignatureCheck.INVALID:
            return (403, {"error": f"{SIGNATURE_HEADER} does not match the body"}), None
        try:  # a 3 MB body takes tens of milliseconds to decode: not on the event loop
            text, data = (
                _decode(body) if len(body) < 65536 else await run_in_threadpool(_decode, body)
            )
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
            return (400, {"error": f"body is not valid JSON: {str(exc)[:200]}"}), None
        try:
            event_id = await self.intake.store(text, payload_kind(data))
        except DBAPIError as exc:  # one line per refused body: an outage must not flood the log
            cause = (str(exc.orig).splitlines() or ["database error"])[0]
            log.warning("could not store a webhook body, answered 503 for a retry: %s", cause)
            return (503, {"error": "could not store the webhook now; it will be retried"}), None
        if self.worker.running:
            self.worker.notify()
            return (200, {"status": "received"}), None
        return (200, {"status": "received"}), event_id

    def process(self, event_id: int) -> None:
        """Process one stored body here (no worker runs: the router mounted without its
        lifespan, in some test set-ups)."""
        process_event(self.database, event_id, self.clock, self.rules)


def build_webhook_router(
    settings: Settings,
    database: Database,
    *,
    clock: Clock | None = None,
    receiver: WebhookReceiver | None = None,
) -> APIRouter:
    """The webhook endpoints, plus a lifespan that runs the webhook worker."""
    verify_token = settings.verify_token.get_secret_value() if settings.verify_token else None
    webhook = receiver or WebhookReceiver(settings, database, clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with webhook.running():
            yield

    router = APIRouter(lifespan=lifespan)

    @router.get("/webhook", include_in_schema=False)
    async def verify(request: Request) -> Response:
        answer = challenge_answer(dict(request.query_params), verify_token)
        if answer is None:
            return PlainTextResponse("webhook verification failed", status_code=403)
        return PlainTextResponse(answer)

    @router.options("/webhook", include_in_schema=False)
    async def webhook_options() -> Response:
        return Response(status_code=204, headers={"Allow": WEBHOOK_METHODS})

    @router.post("/webhook", include_in_schema=False)
    async def receive(request: Request, background: BackgroundTasks) -> Response:
        (status, body), unprocessed = await webhook.receive(
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get("content-length", ""),
            request.stream(),
        )
        if unprocessed is not None:
            background.add_task(webhook.process, unprocessed)
        return JSONResponse(body, status_code=status)

    @router.get("/api/webhook-logs", response_model=list[dict[str, Any]])
    async def webhook_logs(
        request: Request,
        limit: int = Query(50, ge=1, le=MAX_LOG_LIMIT, description="events per page"),
        before_id: int | None = Query(
            None, ge=1, le=MAX_ID, description="only events with a smaller id (the next page)"
        ),
    ) -> Response:
        """Newest first; page on with ``before_id`` = the last id of a page (the ``Link``
        header names that URL while older events may exist)."""
        logs = await run_in_threadpool(_recent, database, limit, before_id)
        headers = {}
        if len(logs) == limit:
            older = f"{request.url.path}?limit={limit}&before_id={logs[-1]['id']}"
            headers["Link"] = f'<{older}>; rel="next"'
        return JSONResponse(logs, headers=headers)

    return router


def _recent(database: Database, limit: int, before_id: int | None) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts: ``payload`` is the parsed body when it is sane JSON, else
    the raw text (``payload_is_json`` says which), so any stored body can be answered."""
    with database.session() as session:
        events = webhook_events.recent(session, limit, before_id=before_id)
    out = []
    for event in events:
        is_json, payload = readable_json(event.body)
        out.append(
            {
                "id": event.id,
                "received_at": event.received_at.isoformat(),
                "kind": event.kind,
                "processed_at": event.processed_at.isoformat() if event.processed_at else None,
                "error": event.error,
                "payload": payload if is_json else event.body,
                "payload_is_json": is_json,
            }
        )
    return out
