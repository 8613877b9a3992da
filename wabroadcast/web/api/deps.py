"""What API handlers take from the app, as typed `Annotated` dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.config import Settings
from wabroadcast.engine import create_campaign
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign
from wabroadcast.web.api.runner import CampaignRunner
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


def get_runner(request: Request) -> CampaignRunner:
    runner: CampaignRunner = request.app.state.runner
    return runner


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


def create_checked_campaign(
    session: Session,
    *,
    template_name: str,
    language: str,
    limit: int,
    phone_number_id: str,
    clock: Clock,
) -> Campaign:
    """How every API route starts a campaign: refuse a known-unsendable template first."""
    check_template(session, template_name, language)
    return create_campaign(
        session,
        template_name=template_name,
        language=language,
        limit=limit,
        phone_number_id=phone_number_id,
        clock=clock,
    )


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler returns without an error."""
    with get_database(request).session() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
RunnerDep = Annotated[CampaignRunner, Depends(get_runner)]
SessionDep = Annotated[Session, Depends(get_session)]
