"""/api/contacts/tags: list tags, add/remove them in bulk; /api/audiences/count: how many
contacts a campaign of a template would take with an audience (the send page asks live)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from wabroadcast.contact_phones import InvalidPhone, normalize_phone
from wabroadcast.domain.audience import Audience, AudienceError, unique_tags
from wabroadcast.storage import sends as send_store
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.contacts import contact_filter
from wabroadcast.storage.tables import Contact
from wabroadcast.web.api.audience_schemas import (
    AudienceCount,
    AudienceCounted,
    AudienceIn,
    ContactSelection,
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


def selection_conditions(
    session: Session, selection: ContactSelection, region: str
) -> tuple[list[ColumnElement[bool]], list[str]]:
    """The contacts a bulk change applies to, and the listed numbers that are no contact."""
    filtered = selection.q or selection.tag or selection.opted_out is not None
    if selection.phones is not None and (filtered or selection.all):
        raise ApiError(
            422, "invalid_selection", "give phones or a filter, not both", field="phones"
        )
    if selection.phones is None and not filtered and not selection.all:
        raise ApiError(
            422,
            "invalid_selection",
            "no contacts chosen: give phones, a filter (q, tag, opted_out) or all=true",
            field="phones",
        )
    if selection.phones is None:
        conditions = contact_filter(
            session, search=selection.q, region=region, opted_out=selection.opted_out,
            tag=selection.tag,
        )  # fmt: skip
        return conditions, []
    known: list[str] = []
    unknown: list[str] = []
    for raw in selection.phones:
        try:
            known.append(normalize_phone(raw, region))
        except InvalidPhone:
            unknown.append(raw[:40])
    if known:
        found = set(session.scalars(select(Contact.phone).where(Contact.phone.in_(known))))
        unknown += [phone for phone in known if phone not in found]
    return [Contact.phone.in_(known)], unknown


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
    try:
        add, remove = unique_tags(body.add), unique_tags(body.remove)
    except AudienceError as exc:
        raise ApiError(422, "invalid_tag", str(exc), field="add") from None
    if not add and not remove:
        raise ApiError(422, "invalid_tag", "nothing to do: give tags to add or remove", field="add")
    conditions, unknown = selection_conditions(session, body, settings.default_region)
    matched = _count(session, conditions)
    added = tag_store.add_tags(session, add, conditions, clock.now()) if add else 0
    removed = tag_store.remove_tags(session, remove, conditions) if remove else 0
    return TagChangeResult(contacts=matched, added=added, removed=removed, unknown_phones=unknown)


def _count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0


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
