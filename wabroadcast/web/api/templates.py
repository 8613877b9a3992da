"""/api/templates: the templates stored by the last sync, for pickers and scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from wabroadcast.storage.tables import Template
from wabroadcast.web.api.deps import SessionDep
from wabroadcast.web.api.schemas import TemplatePublic

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
        )
        for t in session.scalars(query)
    ]
