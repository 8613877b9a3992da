"""What API handlers take from the app, as typed `Annotated` dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.config import Settings
from wabroadcast.engine.manager import CampaignManager, CampaignRefused, CampaignRequest
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.db import Database
from wabroadcast.web.errors import ApiError


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def require_sender(request: Request) -> None:
    """Refuse to start a campaign when there is no usable Cloud API client (e.g. live mode
    without WHATSAPP_ACCESS_TOKEN): better a 503 now than a campaign that aborts later."""
    app = request.app
    if getattr(app.state, "cloud_client", None) is not None:
        return
    reason = getattr(app.state, "cloud_error", "the server has not finished starting")
    raise ApiError(503, "sending_unavailable", f"sending is unavailable: {reason}")


def check_template(session: Session, template_name: str, language: str) -> None:
    """Refuse at once what the templates table already knows cannot be sent (another
    language, PAUSED, DISABLED …) instead of starting a campaign that Meta will abort with
    132001/132015. A template never synced is left to the Cloud API to judge."""
    try:
        template_store.check_sendable(session, template_name, language)
    except template_store.TemplateNotSendable as exc:
        raise ApiError(422, "template_not_sendable", str(exc), field="template_name") from None


def get_campaigns(request: Request) -> CampaignManager:
    manager: CampaignManager = request.app.state.campaigns
    return manager


async def create_campaign_or_refuse(manager: CampaignManager, request: CampaignRequest) -> int:
    """How every API route creates a campaign: the manager's refusal becomes a 422."""
    try:
        return await manager.create(request)
    except CampaignRefused as exc:
        raise ApiError(422, exc.code, str(exc), field=exc.field) from None


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler returns without an error."""
    with get_database(request).session() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_session)]
CampaignsDep = Annotated[CampaignManager, Depends(get_campaigns)]
