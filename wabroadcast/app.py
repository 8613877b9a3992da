"""create_app(settings) → the ASGI app: panel, HTTP API and webhook receiver, wired once.

The app owns the long-lived things and closes them on shutdown: one pooled
``aiohttp.ClientSession`` for the Cloud API (connection reuse is what lets the engine keep
SEND_RATE requests in flight) and the campaign runs started from the API. The webhook router
brings its own lifespan (merged in by ``include_router``): it processes webhook events stored
but not processed when the last process stopped, then sweeps periodically.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from wabroadcast import __version__
from wabroadcast.clock import Clock, SystemClock
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.cloudapi.transport import HTTPClient, close_quietly, default_http_client
from wabroadcast.config import Settings
from wabroadcast.engine.ab_test_runs import ab_tests_deciding
from wabroadcast.engine.manager import CampaignManager, number_client
from wabroadcast.engine.protocols import TemplateSender
from wabroadcast.pricing.card import load_rate_card
from wabroadcast.schedules.runner import scheduler_running
from wabroadcast.storage.db import Database
from wabroadcast.web.api import (
    ab_tests,
    campaigns,
    contacts,
    numbers,
    original,
    schedules,
    sends,
    stats,
    tags,
    templates,
)
from wabroadcast.web.auth import AuthMiddleware, build_login_router
from wabroadcast.web.body_limit import BodyLimitMiddleware, BodyLimits
from wabroadcast.web.error_language import ErrorLanguageMiddleware
from wabroadcast.web.errors import install_error_handlers
from wabroadcast.web.headers import SecurityHeadersMiddleware
from wabroadcast.web.sessions import AuthState, LoginLimiter
from wabroadcast.web.views import install_panel
from wabroadcast.web.webhook_path import WebhookPath
from wabroadcast.webhooks.routes import WebhookReceiver, build_webhook_router

logger = logging.getLogger(__name__)
CLOUD_HTTP_CONNECTIONS = 512
"""Up to SEND_RATE=1000 at ~150 ms latency needs ~225 requests in flight; room to spare."""
CLOUD_HTTP_TIMEOUT = 30.0


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    cloud_http: HTTPClient | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the app. The database is opened (and migrated) here unless one is given.

    `cloud_http` is the HTTP client for the Cloud API (tests and sandbox mode pass one bound to
    the simulator); when None the app opens its own pooled client on start-up. A given client
    or database stays the caller's to close.
    """
    own_database = database is None
    rate_card = load_rate_card(settings.rate_card)  # a broken card is refused before anything
    db = database if database is not None else Database(settings.database_url)
    app_clock = clock if clock is not None else SystemClock()
    app = FastAPI(
        title="wabroadcast",
        version=__version__,
        description="Broadcast approved WhatsApp templates, each contact at most once. "
        "Every /api route needs `Authorization: Bearer <WABROADCAST_API_TOKEN>`.",
        lifespan=_lifespan(own_database, cloud_http),
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.rate_card = rate_card
    app.state.database = db
    app.state.clock = app_clock
    app.state.sandbox = settings.sandbox
    _set_token(app, settings, app_clock)
    app.state.cloud_client = None  # set by the lifespan: sending starts with the server

    def client_for(phone_number_id: str) -> TemplateSender:
        return number_client(app.state.cloud_client, settings, phone_number_id)

    app.state.campaigns = CampaignManager(
        db,
        settings,
        app_clock,
        template_source=lambda: app.state.cloud_client,
        client_for=client_for,
    )
    install_error_handlers(app)
    app.add_middleware(AuthMiddleware)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits(settings))
    app.add_middleware(ErrorLanguageMiddleware)  # translates the errors of those inside
    app.add_middleware(SecurityHeadersMiddleware)  # denials get headers too
    webhook = WebhookReceiver(settings, db, app_clock)
    app.add_middleware(WebhookPath, receiver=webhook)  # outermost: POST /webhook, see there
    _include_routers(app, settings, db, webhook)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "mode": "sandbox" if settings.sandbox else "live"}

    return app


def body_limits(settings: Settings) -> BodyLimits:
    return BodyLimits(
        default=settings.max_body_bytes,
        upload=settings.max_upload_bytes,
        webhook=settings.webhook_max_body_bytes,
    )


def _include_routers(
    app: FastAPI, settings: Settings, database: Database, webhook: WebhookReceiver
) -> None:
    clock = webhook.clock
    app.include_router(build_login_router())
    app.include_router(original.router)
    app.include_router(campaigns.router)
    app.include_router(ab_tests.router)
    app.include_router(tags.router)  # before contacts: /api/contacts/tags is no contact id
    app.include_router(contacts.router)
    app.include_router(templates.router)
    app.include_router(numbers.router)
    app.include_router(schedules.router)
    app.include_router(stats.router)
    app.include_router(sends.router)
    app.include_router(build_webhook_router(settings, database, receiver=webhook))
    install_panel(app, settings, database, clock=clock)


def _set_token(app: FastAPI, settings: Settings, clock: Clock) -> None:
    """Use WABROADCAST_API_TOKEN, or make one for this run and keep the notice to show once."""
    if settings.api_token is not None:
        token = settings.api_token.get_secret_value()
        app.state.token_notice = None
    else:
        token = secrets.token_urlsafe(32)
        app.state.token_notice = (
            "WABROADCAST_API_TOKEN is not set; this run's token for the panel and the API is:\n"
            f"    {token}\n"
            "It is shown only now. Set WABROADCAST_API_TOKEN to keep one across restarts."
        )
    app.state.auth = AuthState(token=token, clock=clock, limiter=LoginLimiter(clock))


def startup_token_notice(app: FastAPI) -> str | None:
    """The generated-token notice, handed out once (None when a token is configured).

    `wabroadcast serve` prints it before the server starts; if nobody took it by start-up,
    the app writes it to stderr itself. It never goes through logging.
    """
    notice: str | None = getattr(app.state, "token_notice", None)
    app.state.token_notice = None
    return notice


def _lifespan(own_database: bool, cloud_http: HTTPClient | None) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_http = None
        http: HTTPClient
        if cloud_http is None:
            http = own_http = default_http_client(CLOUD_HTTP_TIMEOUT, CLOUD_HTTP_CONNECTIONS)
        else:
            http = cloud_http
        app.state.cloud_http = http
        try:
            app.state.cloud_client = CloudAPIClient.from_settings(http, app.state.settings)
        except ValueError as exc:  # e.g. no access token and no simulator: panel still works
            app.state.cloud_client = None
            app.state.cloud_error = str(exc)
            logger.warning("sending is disabled: %s", exc)
        notice = startup_token_notice(app)
        if notice is not None:
            sys.stderr.write(notice + "\n")
            sys.stderr.flush()
        try:
            manager: CampaignManager = app.state.campaigns
            # daily drip schedules (wabroadcast.schedules); campaigns of dead senders; retries
            # of sends Meta deferred with 131049 (engine/deferred.py); A/B tests whose time
            # has come (engine/ab_test_runs.py)
            sending = app.state.cloud_client is not None
            async with (
                scheduler_running(manager, enabled=sending),
                manager.adopting(),
                manager.retrying_deferred(enabled=sending),
                ab_tests_deciding(manager, enabled=sending),
            ):
                yield
        finally:
            await app.state.campaigns.close()  # pauses what it was sending (interrupted)
            if own_http is not None:
                await close_quietly(own_http)
            if own_database:
                app.state.database.dispose()

    return lifespan
