"""The web panel: server-rendered pages (Jinja2) for people, next to the JSON API for scripts.

`install_panel(app, settings, database)` is the one call the app makes: it includes the page
routes and lets the auth module draw its login form with the panel's look and language.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from wabroadcast.clock import Clock, SystemClock
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.web.views import login
from wabroadcast.web.views.actions import routes as action_routes
from wabroadcast.web.views.campaigns import routes as campaign_routes
from wabroadcast.web.views.contact_page import routes as contact_page_routes
from wabroadcast.web.views.contacts import routes as contact_routes
from wabroadcast.web.views.pages import routes as page_routes
from wabroadcast.web.views.render import Panel
from wabroadcast.web.views.schedules import routes as schedule_routes
from wabroadcast.web.views.send import routes as send_routes
from wabroadcast.web.views.static import routes as static_routes

__all__ = ["Panel", "build_panel_router", "install_panel"]


def _router(panel: Panel) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for routes in (static_routes, page_routes, send_routes, action_routes, campaign_routes):
        router.include_router(routes(panel))
    for routes in (contact_routes, contact_page_routes, schedule_routes):
        router.include_router(routes(panel))
    return router


def build_panel_router(
    settings: Settings, database: Database, *, clock: Clock | None = None
) -> APIRouter:
    """Every page of the panel, its static files and its small JSON helpers (/panel/api)."""
    return _router(Panel(settings=settings, database=database, clock=clock or SystemClock()))


def install_panel(
    app: FastAPI, settings: Settings, database: Database, *, clock: Clock | None = None
) -> None:
    """Include the pages, and draw the login form (served by the auth routes) in panel style."""
    panel = Panel(settings=settings, database=database, clock=clock or SystemClock())
    app.include_router(_router(panel))
    app.state.render_login = login.renderer(panel)
