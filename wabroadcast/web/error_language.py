"""API error messages in the caller's language: ``Accept-Language: tr`` gets Turkish.

Every JSON error answer (``{"error": {"code", "message", "details"}}``, web/errors.py) passes
through here, whoever wrote it — a route's ApiError, validation, the auth and body-limit
middlewares. The ``code`` never changes (scripts branch on it); ``message`` and each detail's
``message`` are translated when the locale files know the sentence (web/reasons.py), and
stay English otherwise. A contact file the import could not read (``unreadable_file``,
``unsupported_encoding``) is said with the panel's import sentences (``import_error.*``).
English callers, successes and non-JSON answers pass untouched.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wabroadcast.web import i18n
from wabroadcast.web.reasons import api_error_text, import_error_text, validation_text

MAX_ERROR_BODY = 256 * 1024
"""An error body larger than this is passed on as it is (none of ours comes near)."""
IMPORT_CODES = frozenset({"unreadable_file", "unsupported_encoding"})
"""Codes of POST /api/contacts whose message is the import's own `UnreadableFile` sentence."""


class ErrorLanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language = i18n.negotiate(_header(scope, b"accept-language"))
        if language == i18n.DEFAULT_LANGUAGE:
            await self.app(scope, receive, send)
            return
        t = i18n.translator(language)
        start: Message | None = None
        chunks: list[bytes] = []

        async def translating_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] >= 400 and _is_json(message):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) and sum(map(len, chunks)) <= MAX_ERROR_BODY:
                return
            body = b"".join(chunks)
            if not message.get("more_body", False):
                body = _translated(body, t)
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            if not message.get("more_body", False):
                headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send(
                {
                    "type": "http.response.body",
                    "body": body,
                    "more_body": message.get("more_body", False),
                }
            )
            start = None

        await self.app(scope, receive, translating_send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _is_json(start: Message) -> bool:
    for key, value in start.get("headers", []):
        if key.lower() == b"content-type":
            return bytes(value).startswith(b"application/json")
    return False


def _translated(body: bytes, t: i18n.Translator) -> bytes:
    try:
        answer: Any = json.loads(body)
    except ValueError:
        return body
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return body
    details = error.get("details")
    if isinstance(details, list) and details and all(isinstance(d, dict) for d in details):
        for detail in details:
            detail["message"] = validation_text(
                str(detail.get("message", "")), str(detail.get("type", "")), t
            )
        first = details[0]
        error["message"] = f"{first.get('field', 'body')}: {first['message']}"
    elif error.get("code") in IMPORT_CODES:
        error["message"] = import_error_text(error["message"], t)
    else:
        error["message"] = api_error_text(error["message"], t)
    return json.dumps(answer, ensure_ascii=False).encode()
