"""POST /webhook answered straight from ASGI, before the panel's middlewares and routing.

Meta delivers status webhooks one message at a time, three or so per message sent: at 1,000
messages a second that is thousands of POSTs a second. The panel's middlewares (login,
body limits, translated errors, security headers) and FastAPI's routing cost several times
what the webhook itself does, and none of them applies to it: the path is public, its body
limit is its own (WEBHOOK_MAX_BODY_BYTES), its errors are for Meta. So this outermost layer
hands POST /webhook to the same :class:`~wabroadcast.webhooks.routes.WebhookReceiver` the
router uses, adds the headers every answer carries, and passes everything else on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from wabroadcast.web.headers import ALWAYS
from wabroadcast.webhooks.routes import WebhookReceiver
from wabroadcast.webhooks.verify import SIGNATURE_HEADER

_SIGNATURE = SIGNATURE_HEADER.lower().encode("latin-1")


class WebhookPath:
    """ASGI middleware: POST /webhook goes to `receiver`, the rest to the app."""

    def __init__(self, app: ASGIApp, receiver: WebhookReceiver) -> None:
        self.app = app
        self.receiver = receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/webhook" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        signature: str | None = None
        declared = ""
        for name, value in scope["headers"]:
            if name == _SIGNATURE:
                signature = value.decode("latin-1")
            elif name == b"content-length":
                declared = value.decode("latin-1")
        try:
            (status, body), unprocessed = await self.receiver.receive(
                signature, declared, _chunks(receive)
            )
        except ClientDisconnect:  # the sender gave up mid-body: nothing stored, no answer
            return
        content = json.dumps(body, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            *ALWAYS,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        if unprocessed is not None:
            await run_in_threadpool(self.receiver.process, unprocessed)


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
