"""The panel's shared context: settings, database, Jinja2 environment, one `page()` helper.

Every page gets the same things (language, the sandbox banner flag, the CSRF token, the
navigation) from one place, so no page can forget the sandbox banner or a translation.
Autoescaping is on for every template: contact names and webhook bodies come from strangers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from wabroadcast import __version__
from wabroadcast.clock import Clock, SystemClock
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.web import auth, i18n
from wabroadcast.web.reasons import campaign_error_text, failure_text, schedule_note_text

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

LANG_PARAM = "lang"
LANG_COOKIE_AGE = 365 * 24 * 3600

NAV_ITEMS = (
    ("dashboard", "/"),
    ("send", "/send"),
    ("campaigns", "/campaigns"),
    ("schedules", "/schedules"),
    ("contacts", "/contacts"),
    ("templates", "/templates"),
    ("webhooks", "/logs/webhooks"),
    ("stats", "/stats"),
)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return env


def format_when(value: datetime | None) -> str:
    """Times are shown in UTC with the zone named, so nobody guesses which zone it is."""
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def format_when_in(value: datetime | None, time_zone: str) -> str:
    """A time in a schedule's own zone ("2026-12-07 10:00 Europe/Istanbul"): the zone its
    owner chose, so 10:00 reads 10:00; the UTC value goes in the element's title."""
    if value is None:
        return "—"
    try:
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        local = aware.astimezone(ZoneInfo(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        return format_when(value)
    return f"{local:%Y-%m-%d %H:%M} {time_zone}"


def language_of(request: Request) -> str:
    """`?lang=` (a click on EN/TR) beats the cookie, which beats Accept-Language."""
    chosen = request.query_params.get(LANG_PARAM)
    if chosen in i18n.CATALOGUES:
        return str(chosen)
    return i18n.choose_language(
        request.cookies.get(i18n.LANG_COOKIE), request.headers.get("accept-language")
    )


def language_links(request: Request, path: str | None = None) -> dict[str, str]:
    """The current page in each language: same path and query, `lang` replaced.

    A query parameter rather than a /lang route, so switching works on the login page too
    (every other path needs a session). A page drawn in answer to a POST (an import report,
    a refused form) links to `path`, the page's GET address, since the POST cannot be redone.
    """
    links = {}
    for code in i18n.SUPPORTED:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != LANG_PARAM]
        if request.method != "GET":
            params = []
        params.append((LANG_PARAM, code))
        links[code] = (path or request.url.path) + "?" + urlencode(params)
    return links


def remember_language(request: Request, response: Response) -> None:
    """Keep an explicit `?lang=` choice for the following pages (one year, not HttpOnly-bound)."""
    chosen = request.query_params.get(LANG_PARAM)
    if chosen in i18n.CATALOGUES and request.cookies.get(i18n.LANG_COOKIE) != chosen:
        response.set_cookie(
            i18n.LANG_COOKIE, str(chosen), max_age=LANG_COOKIE_AGE, samesite="lax", httponly=True
        )


@dataclass
class Panel:
    """What every page handler needs, built once by `build_panel_router`."""

    settings: Settings
    database: Database
    clock: Clock = field(default_factory=SystemClock)
    env: Environment = field(default_factory=_environment)

    def sandbox(self, request: Request) -> bool:
        """`app.state.sandbox` (set by the app when it wires the simulator) wins over settings."""
        flag = getattr(request.app.state, "sandbox", None)
        return bool(self.settings.sandbox if flag is None else flag)

    def translator(self, request: Request) -> i18n.Translator:
        return i18n.translator(language_of(request))

    def page(
        self,
        request: Request,
        template: str,
        *,
        nav: str,
        status_code: int = 200,
        path: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """Render a full page with the shared context (banner, language, CSRF, navigation)."""
        t = self.translator(request)
        token = auth.csrf_token(request)
        values: dict[str, Any] = {
            "request": request,
            "t": t,
            "n": t.number,
            "reason": lambda text: failure_text(text, t),
            "note": lambda line: schedule_note_text(line, t),
            "stopped_because": lambda error: campaign_error_text(error, t),
            "when": format_when,
            "when_in": format_when_in,
            "lang": t.language,
            "languages": i18n.SUPPORTED,
            "sandbox": self.sandbox(request),
            "csrf_token": token,
            "user": auth.is_authenticated(request),
            "nav": nav,
            "nav_items": NAV_ITEMS,
            "language_links": language_links(request, path),
            "version": __version__,
            "flashes": [],
        }
        values.update(context)
        html = self.env.get_template(template).render(values)
        response = HTMLResponse(html, status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        remember_language(request, response)
        return response

    def error_page(
        self, request: Request, status_code: int, title_key: str, message: str
    ) -> HTMLResponse:
        t = self.translator(request)
        return self.page(
            request,
            "error.html",
            nav="",
            status_code=status_code,
            path=None if request.method == "GET" else "/",
            title=t(title_key),
            message=message,
        )
