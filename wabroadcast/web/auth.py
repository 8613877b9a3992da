"""Who may use the panel and the API: one secret, WABROADCAST_API_TOKEN, two ways to show it.

- Scripts send ``Authorization: Bearer <token>`` (compared in constant time). A header a browser
  never adds by itself needs no CSRF token.
- People log in once at ``/login``; the answer is a session cookie signed with a key derived
  from the token (HMAC-SHA256, so changing the token logs everybody out), ``HttpOnly``,
  ``SameSite=Lax`` and ``Secure`` over https. A cookie *is* sent by the browser on a forged
  cross-site form, so every state-changing request authenticated by the cookie must also carry
  the session's CSRF token: the ``csrf_token`` form field or the ``X-CSRF-Token`` header.

:class:`AuthMiddleware` enforces all of this in front of every route, so a page or endpoint
added later cannot forget it. Only :data:`PUBLIC_PATHS` (exact paths, so ``/webhook-log`` is
not public) and ``/static/`` stay open: ``/webhook`` (it checks Meta's signature itself),
``/healthz``, ``/openapi.json``; and the login page.

Failed logins (and wrong bearer tokens) are limited per client address (5 per 15 minutes), the
usual guard against guessing a short hand-chosen token.

For the panel: ``csrf_token(request)`` gives the value for a form's hidden ``csrf_token`` field
and for the ``X-CSRF-Token`` header of fetch calls; ``is_authenticated(request)`` says whether to
show the navigation; ``require_csrf`` is a dependency for handlers that want the check spelled
out (the middleware has already done it). The login form is drawn by
``app.state.render_login(request, LoginForm)`` when the panel sets it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wabroadcast.web.errors import ApiError, error_response
from wabroadcast.web.sessions import SESSION_MAX_AGE, AuthState, SessionData

SESSION_COOKIE = "wabroadcast_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PUBLIC_PATHS = frozenset({"/webhook", "/healthz", "/openapi.json", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
LOGIN_PATHS = ("/login", "/logout")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STATE = "wabroadcast_auth"


@dataclass
class RequestAuth:
    """What the middleware found out about one request (kept in the ASGI scope's state)."""

    session: SessionData | None = None
    method: str | None = None  # "bearer", "cookie" or None
    set_cookie: bool = False
    clear_cookie: bool = False


@dataclass(frozen=True)
class LoginForm:
    """What the login page shows: the CSRF value, where to go next, and what went wrong."""

    csrf_token: str
    next_url: str
    error: str | None = None
    status_code: int = 200


def auth_state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


def request_auth(request: Request) -> RequestAuth:
    holder = request.scope.setdefault("state", {})
    found = holder.get(_STATE)
    if found is None:
        found = holder[_STATE] = RequestAuth()
    assert isinstance(found, RequestAuth)
    return found


def is_authenticated(request: Request) -> bool:
    return request_auth(request).method is not None


def csrf_token(request: Request) -> str:
    """The CSRF value for this browser session (creating the session if it has none yet)."""
    auth = request_auth(request)
    if auth.session is None:
        auth.session = auth_state(request).new_session(authenticated=False)
        auth.set_cookie = True
    return auth_state(request).csrf_for(auth.session)


def csrf_valid(request: Request, value: str | None) -> bool:
    session = request_auth(request).session
    if session is None or not value:
        return False
    return hmac.compare_digest(value, auth_state(request).csrf_for(session))


async def require_csrf(request: Request) -> None:
    """Dependency: a cookie-authenticated change must carry the session's CSRF token."""
    auth = request_auth(request)
    if auth.method == "cookie" and request.method in UNSAFE_METHODS:
        value = request.headers.get(CSRF_HEADER)
        if value is None and "form" in request.headers.get("content-type", ""):
            form_value = (await request.form()).get(CSRF_FIELD)
            value = form_value if isinstance(form_value, str) else None
        if not csrf_valid(request, value):
            raise ApiError(403, "csrf_failed", "missing or wrong CSRF token; reload the page")


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def too_many_attempts(retry_after: int) -> ApiError:
    minutes = max(1, round(retry_after / 60))
    return ApiError(
        429,
        "too_many_attempts",
        f"too many failed logins from this address; try again in {minutes} minute(s)",
        headers={"Retry-After": str(retry_after)},
    )


def _cookie_header(value: str, *, secure: bool, max_age: int) -> tuple[bytes, bytes]:
    parts = [f"{SESSION_COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
    parts.append("SameSite=Lax")
    if secure:
        parts.append("Secure")
    return b"set-cookie", "; ".join(parts).encode("latin-1")


async def _buffered_form_field(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """Read the `csrf_token` form field, then hand the same body on to the route."""
    messages: list[Message] = []

    async def recording() -> Message:
        message = await receive()
        messages.append(message)
        return message

    value: Any = None
    try:
        form = await Request(scope, recording).form()
        value = form.get(CSRF_FIELD)
        await form.close()
    except Exception:  # a broken body: the route will report it; here it just has no token
        value = None

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return (value if isinstance(value, str) else None), replay


class AuthMiddleware:
    """Token or session on every non-public path; CSRF on cookie-authenticated changes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # none are served; never let one past unchecked
            await send({"type": "websocket.close", "code": 1008})
            return
        path = scope["path"] if scope["type"] == "http" else ""
        if scope["type"] != "http" or path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = auth_state(request)
        auth = request_auth(request)
        cookie = request.cookies.get(SESSION_COOKIE)
        auth.session = state.decode_session(cookie) if cookie else None
        denial, receive = await self._check(request, state, auth, receive)
        if denial is not None:
            await denial(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if auth.clear_cookie:
                    headers.append(_cookie_header("", secure=secure, max_age=0))
                elif auth.set_cookie and auth.session is not None:
                    age = int(SESSION_MAX_AGE.total_seconds())
                    headers.append(
                        _cookie_header(
                            state.encode_session(auth.session), secure=secure, max_age=age
                        )
                    )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _check(
        self, request: Request, state: AuthState, auth: RequestAuth, receive: Receive
    ) -> tuple[Response | None, Receive]:
        path = request.url.path
        if path in LOGIN_PATHS:
            return None, receive
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer":
            return self._check_bearer(request, state, auth, credentials.strip()), receive
        if auth.session is not None and auth.session.authenticated:
            auth.method = "cookie"
            if request.method not in UNSAFE_METHODS:
                return None, receive
            value = request.headers.get(CSRF_HEADER)
            if value is None and "form" in request.headers.get("content-type", ""):
                value, receive = await _buffered_form_field(request.scope, receive)
            if csrf_valid(request, value):
                return None, receive
            return error_response(
                403, "csrf_failed", "missing or wrong CSRF token; reload the page and try again"
            ), receive
        if request.method in {"GET", "HEAD"} and not path.startswith("/api/"):
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return _redirect_to_login(target), receive
        return error_response(
            401,
            "unauthorized",
            "authentication required: send 'Authorization: Bearer <WABROADCAST_API_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        ), receive

    def _check_bearer(
        self, request: Request, state: AuthState, auth: RequestAuth, token: str
    ) -> Response | None:
        # The right token always works: the limit is on wrong guesses only, so an address
        # shared behind a proxy or NAT cannot be locked out by someone else's mistakes.
        if token and state.token_matches(token):
            auth.method = "bearer"
            return None
        address = client_address(request.scope)
        wait = state.limiter.retry_after(address)
        if wait:
            exc = too_many_attempts(wait)
            return error_response(exc.status, exc.code, exc.message, headers=exc.headers)
        state.limiter.fail(address)
        return error_response(
            401, "unauthorized", "wrong API token", headers={"WWW-Authenticate": "Bearer"}
        )


def _redirect_to_login(target: str) -> Response:
    from urllib.parse import quote

    return Response(status_code=303, headers={"Location": "/login?next=" + quote(target, safe="")})


def safe_next(value: str | None) -> str:
    """Only same-site paths: `//evil.example` or `https://…` would make /login an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def default_login_page(request: Request, form: LoginForm) -> Response:
    """A bare form, used until the panel provides `app.state.render_login`."""
    error = f'<p role="alert">{escape(form.error)}</p>' if form.error else ""
    body = (
        "<!doctype html><title>wabroadcast login</title>"
        f"{error}<form method=post action=/login>"
        f'<input type=hidden name={CSRF_FIELD} value="{escape(form.csrf_token)}">'
        f'<input type=hidden name=next value="{escape(form.next_url)}">'
        "<input name=token type=password required><button>Log in</button></form>"
    )
    return HTMLResponse(body, status_code=form.status_code)


def render_login(request: Request, form: LoginForm) -> Response:
    renderer: Callable[[Request, LoginForm], Response] = getattr(
        request.app.state, "render_login", default_login_page
    )
    return renderer(request, form)


def build_login_router() -> APIRouter:
    """GET/POST /login and POST /logout; the panel only draws the form."""
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    async def login_page(request: Request, next: str | None = None) -> Response:
        target = safe_next(next)
        if is_authenticated_session(request):
            return RedirectResponse(target, status_code=303)
        return render_login(request, LoginForm(csrf_token(request), target))

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        state = auth_state(request)
        address = client_address(request.scope)
        form = await request.form()
        target = safe_next(_text(form.get("next")))
        token = _text(form.get("token")) or ""
        right = bool(token) and state.token_matches(token)
        wait = 0 if right else state.limiter.retry_after(address)
        if wait:  # only wrong guesses are limited; the right token always logs in
            message = too_many_attempts(wait).message
            return render_login(request, LoginForm(csrf_token(request), target, message, 429))
        if not csrf_valid(request, _text(form.get(CSRF_FIELD))):
            message = "the login form expired; please try again"
            return render_login(request, LoginForm(csrf_token(request), target, message, 403))
        if not right:
            state.limiter.fail(address)
            message = "wrong token"
            return render_login(request, LoginForm(csrf_token(request), target, message, 401))
        auth = request_auth(request)
        auth.session = state.new_session(authenticated=True)  # new id: no session fixation
        auth.set_cookie = True
        return RedirectResponse(target, status_code=303)

    @router.get("/api/session", tags=["auth"])
    async def session_info(request: Request) -> dict[str, str | None]:
        """How this request is authenticated, and the CSRF token the panel's scripts send
        in `X-CSRF-Token` with cookie-authenticated POSTs (null for bearer requests)."""
        auth = request_auth(request)
        token = csrf_token(request) if auth.method == "cookie" else None
        return {"method": auth.method, "csrf_token": token}

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await request.form()
        value = request.headers.get(CSRF_HEADER) or _text(form.get(CSRF_FIELD))
        if not csrf_valid(request, value):
            raise ApiError(403, "csrf_failed", "missing or wrong CSRF token; reload the page")
        auth = request_auth(request)
        if auth.session is not None:
            auth_state(request).revoked.add(auth.session.sid)
        auth.clear_cookie = True
        return RedirectResponse("/login", status_code=303)

    return router


def is_authenticated_session(request: Request) -> bool:
    session = request_auth(request).session
    return session is not None and session.authenticated


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
