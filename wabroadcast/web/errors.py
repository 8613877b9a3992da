"""One JSON error shape for every answer that is not a success.

``{"error": {"code": "not_found", "message": "campaign 7 does not exist"}}``, plus ``field``
when one input field is to blame. Scripts written against the API branch on ``code``; people
read ``message``. Validation errors, unknown routes and even an unexpected crash use the same
shape, so a client never has to parse an HTML page or FastAPI's ``{"detail": ...}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An expected failure with its HTTP status, a stable code and a message for people."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "limit")` → `limit`; `("query", "page")` → `page`; a whole body → `body`."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, field=exc.field, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 list → the first problem as the message, every problem in `details`
    (with pydantic's error `type`, which does not change with the wording). A body that is
    not JSON at all is named by line and column, not by its character offset."""
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        kind = str(err.get("type", ""))
        if kind == "json_invalid":
            details.append(await _broken_json(request, err))
            continue
        field = _field_of(err.get("loc", ()))
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        details.append({"field": field, "message": message, "type": kind})
    if not details:
        details.append({"field": "body", "message": "invalid input", "type": ""})
    first = details[0]
    body = error_body("invalid_input", f"{first['field']}: {first['message']}", first["field"])
    body["error"]["details"] = details
    return JSONResponse(body, status_code=422)


async def _broken_json(request: Request, err: Any) -> dict[str, str]:
    """`{"field": "body", "message": "broken JSON at line 3, column 7: Expecting value"}`."""
    loc = err.get("loc", ())
    offset = loc[-1] if loc and isinstance(loc[-1], int) else None
    why = str((err.get("ctx") or {}).get("error", "not valid JSON"))
    if offset is None:
        return {"field": "body", "message": f"broken JSON: {why}", "type": "json_invalid"}
    body = await request.body()
    before = body[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    message = f"broken JSON at line {line}, column {column}: {why}"
    return {"field": "body", "message": message, "type": "json_invalid"}


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES.get(exc.status_code, "error" if exc.status_code < 500 else "server_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers=headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    """Last resort: log the traceback for the operator, give the client no internals."""
    logger.error("unhandled error", exc_info=exc)
    return error_response(500, "server_error", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
