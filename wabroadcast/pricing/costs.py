"""Cost reports: the estimate before a campaign sends and the charged cost afterwards.

Both take message counts grouped by the first digits of the phone number (storage groups in
the database, see ``storage.costs``) and price them with one :class:`RateCard`. The charged
cost counts each send once, by the ``pricing`` Meta put on its status webhooks: ``type``
``regular`` is billed at the card's price for its ``category``; ``free_customer_service`` and
``free_entry_point`` cost 0. A send without a pricing type is not counted as charged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from wabroadcast.contact_phones import calling_code
from wabroadcast.pricing.card import OTHER, RateCard

BILLABLE_TYPE = "regular"
"""The status webhook's ``pricing.type`` of a charged message (cloudapi.md §5.3)."""


@dataclass(frozen=True)
class CostLine:
    """Messages to one market in one category, and what they cost."""

    market: str
    category: str
    messages: int
    unit_price: Decimal | None
    """None when the card prices neither this market nor ``other`` in this category."""

    @property
    def cost(self) -> Decimal:
        return (self.unit_price or Decimal(0)) * self.messages

    def as_json(self) -> dict[str, Any]:
        return {
            "market": self.market,
            "category": self.category,
            "messages": self.messages,
            "unit_price": None if self.unit_price is None else str(self.unit_price),
            "cost": str(self.cost),
        }


@dataclass(frozen=True)
class CostReport:
    """A cost per market and in total, in the card's currency."""

    currency: str
    card_date: str
    card_source: str
    lines: tuple[CostLine, ...] = ()
    free_messages: int = 0
    """Messages Meta reported as free (customer service or free entry point windows)."""
    unpriced_messages: int = 0
    """Messages whose category the card has no price for (not in the total)."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def total(self) -> Decimal:
        return sum((line.cost for line in self.lines), Decimal(0))

    @property
    def messages(self) -> int:
        return sum(line.messages for line in self.lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "total": str(self.total),
            "messages": self.messages,
            "free_messages": self.free_messages,
            "unpriced_messages": self.unpriced_messages,
            "rate_card": {"source": self.card_source, "valid_from": self.card_date},
            "by_market": [line.as_json() for line in self.lines],
        }


def estimate(card: RateCard, by_prefix: Mapping[str, int], category: str | None) -> CostReport:
    """What sending `category` to contacts counted by phone prefix would cost."""
    counts: dict[tuple[str, str], int] = {}
    for prefix, count in by_prefix.items():
        key = (_market(card, prefix), (category or "").lower())
        counts[key] = counts.get(key, 0) + count
    return _report(card, counts, free=0)


def charged(card: RateCard, rows: Iterable[tuple[str, str | None, str | None, int]]) -> CostReport:
    """The charged cost of sends counted as (phone prefix, category, pricing type, count)."""
    counts: dict[tuple[str, str], int] = {}
    free = 0
    for prefix, category, pricing_type, count in rows:
        if pricing_type is None or category is None:
            continue
        if pricing_type != BILLABLE_TYPE:
            free += count
            continue
        key = (_market(card, prefix), category.lower())
        counts[key] = counts.get(key, 0) + count
    return _report(card, counts, free=free)


def _market(card: RateCard, prefix: str) -> str:
    code = calling_code(prefix)
    return code if code in card.calling_codes() else OTHER


def _report(card: RateCard, counts: Mapping[tuple[str, str], int], *, free: int) -> CostReport:
    lines: list[CostLine] = []
    unpriced = 0
    for (code, category), count in counts.items():
        price = card.price(code, category) if category else None
        if price is None:
            unpriced += count
        lines.append(CostLine(card.market(code), category or "unknown", count, price))
    lines.sort(key=lambda line: (-line.cost, line.market, line.category))
    return CostReport(
        currency=card.currency,
        card_date=card.valid_from.isoformat(),
        card_source=card.source,
        lines=tuple(lines),
        free_messages=free,
        unpriced_messages=unpriced,
    )


class PricedRow(Protocol):
    """Storage's count of priced sends (``storage.costs.PricedCount``)."""

    @property
    def key(self) -> object: ...
    @property
    def prefix(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def pricing_type(self) -> str | None: ...
    @property
    def count(self) -> int: ...


def charged_by_key(card: RateCard, rows: Iterable[PricedRow]) -> dict[Any, CostReport]:
    """:func:`charged` per campaign id (or per day), from one grouped query's rows."""
    grouped: dict[Any, list[tuple[str, str | None, str | None, int]]] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(
            (row.prefix, row.category, row.pricing_type, row.count)
        )
    return {key: charged(card, items) for key, items in grouped.items()}
