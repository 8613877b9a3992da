"""Costs on every screen: the estimate before sending and the charged cost afterwards.

One storage query (``storage.costs.priced_sends``) feeds the campaign page, ``campaign show``,
GET /api/campaigns/{id}, the stats page and /api/stats, priced with the app's rate card
(``RATE_CARD``, loaded once at start-up).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import Audience
from wabroadcast.pricing.card import RateCard
from wabroadcast.pricing.costs import CostReport, charged, charged_by_key, estimate
from wabroadcast.storage import costs as cost_store
from wabroadcast.storage import templates as template_store
from wabroadcast.web.i18n import Translator


class CostMarket(BaseModel):
    market: str = Field(description="The rate card's market (TR, US …) or `other`.")
    category: str
    messages: int
    unit_price: str | None = Field(description="Decimal text; null when the card has none.")
    cost: str = Field(description="Decimal text, in the card's currency.")


class RateCardInfo(BaseModel):
    source: str = Field(description="`default` (the shipped example card) or RATE_CARD's path.")
    valid_from: str = Field(description="The date the card's prices are from.")


class CostPublic(BaseModel):
    """A cost per market and in total; amounts are decimal text (no float rounding)."""

    currency: str
    total: str
    messages: int = Field(description="Messages priced (charged ones, for a charged cost).")
    free_messages: int = Field(description="Reported free by Meta (service/free entry point).")
    unpriced_messages: int = Field(description="In a category the card has no price for.")
    rate_card: RateCardInfo
    by_market: list[CostMarket]


class DayCost(BaseModel):
    day: date
    cost: CostPublic


def cost_public(report: CostReport) -> CostPublic:
    return CostPublic.model_validate(report.as_json())


def get_rate_card(request: Request) -> RateCard:
    card: RateCard = request.app.state.rate_card
    return card


RateCardDep = Annotated[RateCard, Depends(get_rate_card)]


def campaign_cost(session: Session, card: RateCard, campaign_id: int) -> CostReport:
    """What Meta charged for one campaign, by the pricing on its status webhooks."""
    rows = cost_store.priced_sends(session, campaign_ids=[campaign_id])
    return charged_by_key(card, rows).get(campaign_id) or charged(card, [])


def daily_cost_reports(
    session: Session, card: RateCard, *, today: date, days: int
) -> tuple[list[tuple[date, CostReport]], CostReport]:
    """Charged cost per UTC day (of each send's first priced status), oldest first, and over
    the whole range, from one grouped query."""
    first = today - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    rows = cost_store.priced_sends(session, since=since, by_day=True)
    found = charged_by_key(card, rows)
    empty = charged(card, [])
    per_day = [
        (day, found.get(day, empty)) for day in (first + timedelta(days=i) for i in range(days))
    ]
    whole = charged(card, [(r.prefix, r.category, r.pricing_type, r.count) for r in rows])
    return per_day, whole


def daily_costs(session: Session, card: RateCard, *, today: date, days: int) -> list[DayCost]:
    per_day, _ = daily_cost_reports(session, card, today=today, days=days)
    return [DayCost(day=day, cost=cost_public(report)) for day, report in per_day]


def send_estimate(
    session: Session,
    card: RateCard,
    template_name: str,
    *,
    limit: int | None,
    marketing_to_us: bool,
    audience: Audience | None = None,
    now: datetime | None = None,
) -> CostReport:
    """What the next `limit` eligible contacts of `template_name` in `audience` would cost at
    the card's price for the template's category (as last synced; unknown: unpriced)."""
    counts = cost_store.eligible_by_prefix(
        session,
        template_name,
        limit=limit,
        marketing_to_us=marketing_to_us,
        audience=audience,
        now=now,
    )
    category = template_store.category_of(session, template_name)
    return estimate(card, counts, category.lower() if category else None)


def money(amount: Decimal | str, currency: str, language: str) -> str:
    """An amount as the reader writes it: ``USD 1,234.5600`` / ``1.234,5600 USD``. Four
    decimals: per-message prices go below a cent."""
    value = Decimal(amount).quantize(Decimal("0.0001"))
    text = f"{value:,.4f}"
    if language == "tr":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".") + " " + currency
    return f"{currency} {text}"


def cost_view(report: CostReport, t: Translator) -> dict[str, Any]:
    """A charged cost as the panel shows it (``_cost.html``), in the reader's language."""
    language, currency = t.language, report.currency
    lines = [
        t(
            "cost.line",
            market=line.market,
            category=line.category,
            count=t.number(line.messages),
            price="–" if line.unit_price is None else money(line.unit_price, currency, language),
            cost=money(line.cost, currency, language),
        )
        for line in report.lines
    ]
    return {
        "total": money(report.total, currency, language),
        "messages": t.number(report.messages),
        "lines": lines,
        "free": t("cost.free", count=t.number(report.free_messages))
        if report.free_messages
        else None,
        "empty": not report.lines and not report.free_messages,
        "note": t("cost.note", date=report.card_date),
    }
