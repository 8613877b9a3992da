"""Request bodies have a size limit, checked while they stream in.

A declared ``Content-Length`` over the limit is refused before a byte is read; a chunked body
is counted as it arrives and refused the moment it passes the limit, so a 100 MB body never
sits in memory. The answer is ``413`` in the API's error shape, naming the limit and the
setting that sets it. Which limit applies depends on the path: contact files
(``MAX_UPLOAD_BYTES``), webhooks (``WEBHOOK_MAX_BODY_BYTES``), the login form (a few KB) and
every other body (``MAX_BODY_BYTES``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wabroadcast.web.errors import error_body

LOGIN_LIMIT = 64 * 1024
UPLOAD_PATHS = frozenset({"/api/contacts", "/contacts/import"})
MULTIPART_SLACK = 1024 * 1024
"""Form fields and boundaries around an uploaded file: the file itself may be the whole limit."""


@dataclass(frozen=True)
class BodyLimits:
    """The largest body in bytes per kind of request, and the setting behind each."""

    default: int
    upload: int
    webhook: int

    def for_path(self, path: str) -> tuple[int, str | None]:
        """The limit for a request to `path`, and the setting that sets it (None: fixed)."""
        if path in UPLOAD_PATHS:
            return self.upload + MULTIPART_SLACK, "MAX_UPLOAD_BYTES"
        if path == "/webhook":
            return self.webhook, "WEBHOOK_MAX_BODY_BYTES"
        if path == "/login":
            return LOGIN_LIMIT, None
        return self.default, "MAX_BODY_BYTES"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body passes its limit; rendered as the 413 answer."""

    def __init__(self, limit: int, setting: str | None) -> None:
        super().__init__(413, too_large_message(limit, setting))


def too_large_message(limit: int, setting: str | None) -> str:
    return f"request body larger than {limit:,} bytes" + (
        f" (the {setting} setting)" if setting else ""
    )


class BodyLimitMiddleware:
    """Refuses bodies over :meth:`BodyLimits.for_path` with a 413, reading at most the limit."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer_413(send, too_large_message(limit, setting))
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, setting)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:  # read outside a route (a middleware): answer here
            if started:
                raise
            await _answer_413(send, str(exc.detail))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            if not text.isdigit():
                return None  # the server refuses it; count what arrives instead
            return int(text) if len(text) < 19 else sys.maxsize
    return None


async def _answer_413(send: Send, message: str) -> None:
    body = json.dumps(error_body("too_large", message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
