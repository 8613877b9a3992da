"""Costs in the terminal: the dry run's estimate and `campaign show`'s charged cost, from the
same functions as the panel and the API (wabroadcast.web.costs)."""

from __future__ import annotations

import typer

from wabroadcast.cli.common import fail, get_settings
from wabroadcast.pricing.card import RateCard, RateCardError, load_rate_card
from wabroadcast.pricing.costs import CostReport
from wabroadcast.web.costs import money


def rate_card(ctx: typer.Context) -> RateCard:
    """RATE_CARD (or the shipped example), read once per invocation; a broken card exits 1
    with its file and line."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "rate_card" not in root.obj:
        try:
            root.obj["rate_card"] = load_rate_card(get_settings(ctx).rate_card)
        except RateCardError as exc:
            fail(str(exc))
    card: RateCard = root.obj["rate_card"]
    return card


def cost_lines(report: CostReport, title: str) -> list[str]:
    """``estimated cost: USD 0.0550`` and one indented line per market and category."""
    currency = report.currency
    lines = [f"{title}: {money(report.total, currency, 'en')} (rate card of {report.card_date})"]
    for line in report.lines:
        price = "no price" if line.unit_price is None else money(line.unit_price, currency, "en")
        lines.append(
            f"  {line.market} {line.category}: {line.messages} × {price} = "
            f"{money(line.cost, currency, 'en')}"
        )
    if report.free_messages:
        lines.append(f"  free (service / free entry point): {report.free_messages}")
    if report.unpriced_messages:
        lines.append(f"  not priced by the card: {report.unpriced_messages}")
    return lines
