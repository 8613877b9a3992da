"""/api/templates: the templates stored by the last sync, for pickers and scripts; and the sync
itself (POST /api/templates/sync), the same as `wabroadcast templates sync`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from wabroadcast.cloudapi.errors import CloudAPIError, GraphError
from wabroadcast.engine import templates as engine_templates
from wabroadcast.storage import number_limits
from wabroadcast.storage import templates as template_store
from wabroadcast.storage.tables import Template, TemplateCategoryUpdate
from wabroadcast.web.api.deps import SessionDep
from wabroadcast.web.api.schemas import (
    TemplateCategoryChange,
    TemplatePublic,
    TemplateSyncResult,
)
from wabroadcast.web.errors import ApiError

router = APIRouter(prefix="/api/templates", tags=["templates"])


@router.get("", response_model=list[TemplatePublic])
def list_templates(
    session: SessionDep,
    status: Annotated[
        str | None,
        Query(
            max_length=32, pattern=r"^[A-Za-z_]+$", description="Only this status, e.g. APPROVED."
        ),
    ] = None,
) -> list[TemplatePublic]:
    """By name, then language. Only APPROVED templates can be sent (Meta answers 132001)."""
    query = select(Template).order_by(Template.name, Template.language)
    if status is not None:
        query = query.where(Template.status == status.upper())
    changes = number_limits.category_updates(session)
    return [
        TemplatePublic(
            id=t.id,
            name=t.name,
            language=t.language,
            status=t.status,
            category=t.category,
            parameter_format=t.parameter_format,
            components=list(t.components or []),
            quality_score=t.quality_score,
            synced_at=t.synced_at,
            category_change=_category_change(changes.get((t.name, t.language))),
        )
        for t in session.scalars(query)
    ]


def _category_change(
    row: TemplateCategoryUpdate | None,
) -> TemplateCategoryChange | None:
    if row is None:
        return None
    return TemplateCategoryChange(
        previous_category=row.previous_category,
        new_category=row.new_category,
        changed_at=row.changed_at,
        correct_category=row.correct_category,
        takes_effect_at=row.takes_effect_at,
    )


def sync_error_message(error: Exception, waba_id: str) -> str:
    """Say which setting to fix: a refused token (190) and a wrong WABA id (100, "object
    does not exist") are the usual first-day mistakes. Never contains the token."""
    if isinstance(error, GraphError):
        if error.code in (0, 190) or error.http_status == 401:
            return (
                f"the Cloud API refused the access token (error {error.code}): check "
                "WHATSAPP_ACCESS_TOKEN; it may be expired, revoked or for another app"
            )
        if error.code == 100:
            return (
                f"the WhatsApp Business Account id '{waba_id}' does not exist or the token may "
                f"not read its templates (error 100): check WABA_ID ({error.message})"
            )
    return f"template sync failed: {error}"


async def sync_now(request: Request) -> template_store.SyncSummary:
    """Read every template of the WABA with the app's Cloud API client into the table."""
    state = request.app.state
    client = getattr(state, "cloud_client", None)
    if client is None:
        reason = getattr(state, "cloud_error", "the server has not finished starting")
        raise ApiError(503, "sync_unavailable", f"template sync is unavailable: {reason}")
    try:
        return await engine_templates.sync_templates(state.database, client, state.clock)
    except (CloudAPIError, ValueError) as exc:
        raise ApiError(
            502, "sync_failed", sync_error_message(exc, state.settings.waba_id)
        ) from None


@router.post("/sync", response_model=TemplateSyncResult)
async def sync(request: Request) -> TemplateSyncResult:
    """Fetch every template of the WABA (all pages, every status): new ones are added,
    changed ones updated, ones no longer listed marked DELETED. 502 `sync_failed` says what
    to fix when the Cloud API refuses (token, WABA id)."""
    summary = await sync_now(request)
    return TemplateSyncResult(
        total=summary.total,
        names=summary.names,
        added=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        gone=summary.gone,
    )
