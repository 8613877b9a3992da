"""The login page's look: the auth module owns /login and /logout, the panel draws the form.

The auth module reports what went wrong as an HTTP status (401 wrong token, 403 expired form,
429 too many failed logins); the message shown is chosen here, in the visitor's language.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from wabroadcast.web.auth import LoginForm
from wabroadcast.web.views.render import Panel

_ERRORS = {401: "login.wrong_token", 403: "login.expired", 429: "login.too_many"}


def renderer(panel: Panel) -> Callable[[Request, LoginForm], Response]:
    def render_login(request: Request, form: LoginForm) -> Response:
        t = panel.translator(request)
        error = None
        minutes = _minutes(form.error)
        if form.error:
            key = _ERRORS.get(form.status_code)
            error = t(key, minutes=minutes or 15) if key else form.error
        response = panel.page(
            request,
            "login.html",
            nav="login",
            status_code=form.status_code,
            error=error,
            next_url=form.next_url,
        )
        if form.status_code == 429 and minutes:
            response.headers["Retry-After"] = str(minutes * 60)
        return response

    return render_login


def _minutes(message: str | None) -> int | None:
    """The auth module words the wait as "try again in N minute(s)"."""
    digits = "".join(ch for ch in (message or "") if ch.isdigit())
    return int(digits) if digits else None
