"""/api/contacts/tags: list tags, add/remove them in bulk; /api/audiences/count: how many
contacts a campaign of a template would take with an audience (the send page asks live)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wabroadcast.contacts import selection
from wabroadcast.contacts.selection import ContactChoice, SelectionError
from wabroadcast.domain.audience import Audience, AudienceError
from wabroadcast.storage import sends as send_store
from wabroadcast.storage import tags as tag_store
from wabroadcast.web.api.audience_schemas import (
    AudienceCount,
    AudienceCounted,
    AudienceIn,
    TagChange,
    TagChangeResult,
    TagPublic,
)
from wabroadcast.web.api.deps import ClockDep, SessionDep, SettingsDep
from wabroadcast.web.errors import ApiError

router = APIRouter(tags=["contacts"])


def audience_or_refuse(body: AudienceIn | None, field: str = "audience") -> Audience | None:
    """The audience a request gave, or a 422 saying which part cannot be read."""
    if body is None:
        return None
    try:
        return body.to_audience()
    except AudienceError as exc:
        raise ApiError(422, "invalid_audience", str(exc), field=field) from None


@router.get("/api/contacts/tags", response_model=list[TagPublic])
def list_tags(session: SessionDep) -> list[TagPublic]:
    """Every tag, with how many contacts carry it."""
    return [TagPublic(name=t.name, contacts=t.contacts) for t in tag_store.list_tags(session)]


@router.post("/api/contacts/tags", response_model=TagChangeResult)
def change_tags(
    body: TagChange, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> TagChangeResult:
    """Add and/or remove tags on the chosen contacts (listed `phones`, or a filter as in GET
    /api/contacts: `q`, `tag`, `opted_out`; `all=true` for every contact). Tags are
    case-insensitive: adding `VIP` to a contact that has `vip` changes nothing."""
    choice = ContactChoice(
        phones=body.phones,
        search=body.q,
        tag=body.tag,
        opted_out=body.opted_out,
        everyone=body.all,
    )
    try:
        counted = selection.change_tags(
            session,
            choice,
            add=body.add,
            remove=body.remove,
            region=settings.default_region,
            now=clock.now(),
        )
    except AudienceError as exc:
        raise ApiError(422, "invalid_tag", str(exc), field="add") from None
    except SelectionError as exc:
        raise ApiError(422, "invalid_selection", str(exc), field=exc.field) from None
    return TagChangeResult(
        contacts=counted.contacts,
        added=counted.added,
        removed=counted.removed,
        unknown_phones=counted.unknown_phones,
    )


@router.post("/api/audiences/count", response_model=AudienceCounted)
def count_audience(
    body: AudienceCount, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> AudienceCounted:
    """How many contacts a campaign of `template_name` would take now with `audience` (never
    had the template, not opted out, reachable, and the US rule), before any limit."""
    audience = audience_or_refuse(body.audience)
    options: dict[str, Any] = {
        "marketing_to_us": settings.marketing_to_us,
        "audience": audience,
        "now": clock.now(),
    }
    eligible = send_store.count_eligible(session, body.template_name, **options)
    skipped = send_store.count_skipped_us(session, body.template_name, **options)
    described = audience.describe() if audience is not None else "all contacts"
    return AudienceCounted(eligible=eligible, skipped_us=skipped, audience=described)
