"""/api/stats: the original panel's numbers plus per-day counts for the charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from wabroadcast.storage.stats import daily_counts, overview
from wabroadcast.storage.template_rates import template_rates
from wabroadcast.web.api.deps import ClockDep, SessionDep
from wabroadcast.web.api.schemas import (
    NO_CONTROL_CHARACTERS,
    DayCounts,
    StatsPublic,
    TemplateDayRates,
    TemplateRatesPublic,
)
from wabroadcast.web.costs import RateCardDep, daily_costs

router = APIRouter(prefix="/api/stats", tags=["stats"])


@router.get("", response_model=StatsPublic)
def stats(
    session: SessionDep,
    clock: ClockDep,
    card: RateCardDep,
    days: Annotated[int, Query(ge=1, le=366, description="Days of history, today included.")] = 30,
) -> StatsPublic:
    """`contacts`, `templates`, `messages_sent` (as the original panel), opt-outs, and per UTC
    day the sends accepted, deliveries, reads and replies; `cost_days`: the charged cost per
    UTC day."""
    numbers = overview(session)
    per_day = [
        DayCounts.model_validate(day, from_attributes=True)
        for day in daily_counts(session, today=clock.now().date(), days=days)
    ]
    return StatsPublic(
        contacts=numbers["contacts"],
        templates=numbers["templates"],
        messages_sent=numbers["messages_sent"],
        opted_out=numbers.get("opted_out", 0),
        days=per_day,
        cost_days=daily_costs(session, card, today=clock.now().date(), days=days),
    )


@router.get("/templates", response_model=TemplateRatesPublic)
def rates_per_template(
    session: SessionDep,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366, description="Days of history, today included.")] = 30,
    template: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=512,
            pattern=NO_CONTROL_CHARACTERS,
            description="Only this template (by name, any language).",
        ),
    ] = None,
) -> TemplateRatesPublic:
    """Delivered, read and reply rates per template and UTC day the sends were accepted (the
    stats page's charts): of the sends accepted that day, the share delivered, read and
    replied so far."""
    found = template_rates(session, today=clock.now().date(), days=days, template=template)
    return TemplateRatesPublic(
        days=days, items=[TemplateDayRates.model_validate(row.as_json()) for row in found]
    )
