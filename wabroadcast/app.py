"""create_app(settings) → the ASGI app: panel, HTTP API and webhook receiver, wired once."""

from __future__ import annotations

from fastapi import FastAPI

from wabroadcast import __version__
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """Build the app. The database is opened (and migrated) here unless one is given."""
    db = database if database is not None else Database(settings.database_url)
    app = FastAPI(title="wabroadcast", version=__version__)
    app.state.settings = settings
    app.state.database = db

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "mode": "sandbox" if settings.sandbox else "live"}

    return app
