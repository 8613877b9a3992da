"""The rate card: price per delivered message by the recipient's country calling code and the
template's category (Meta's per-message pricing since 2025-07-01).

A card is a CSV file (``calling_code,market,category,price,currency,valid_from``, one row per
market and category) or a JSON file (``{"currency", "valid_from", "rates": [{"calling_code",
"market", "category", "price"}]}``). The row with calling code ``other`` prices every market
the card does not name. One currency and one date per card: a total in two currencies would
be a number nobody can pay. The shipped card (``default_card.csv``) is an example; see
docs/cost.md.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

OTHER = "other"
"""The calling code of the row that prices markets the card does not list."""
CATEGORIES = frozenset(
    {
        "marketing",
        "utility",
        "authentication",
        "authentication_international",
        "service",
        "marketing_lite",
        "referral_conversion",
    }
)
"""Meta's pricing categories, as status webhooks spell them (cloudapi.md §5.3)."""
FREE_CATEGORIES = frozenset({"service"})
"""Categories that cost nothing when the card has no row for them."""
CSV_COLUMNS = ("calling_code", "market", "category", "price", "currency", "valid_from")
DEFAULT_CARD = "default_card.csv"


class RateCardError(ValueError):
    """A rate card that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Rate:
    calling_code: str
    """Digits (``90``) or :data:`OTHER`."""
    market: str
    category: str
    price: Decimal


@dataclass(frozen=True)
class RateCard:
    currency: str
    valid_from: date
    source: str
    """Where the card was read from (a path, or ``default`` for the shipped example)."""
    rates: tuple[Rate, ...]

    def rate_for(self, calling_code: str | None, category: str) -> Rate | None:
        """The row pricing `category` for that calling code, else the ``other`` row; None
        when neither exists (a free category then costs 0, anything else is unpriced)."""
        found: Rate | None = None
        for rate in self.rates:
            if rate.category != category:
                continue
            if rate.calling_code == calling_code:
                return rate
            if rate.calling_code == OTHER:
                found = rate
        return found

    def price(self, calling_code: str | None, category: str) -> Decimal | None:
        rate = self.rate_for(calling_code, category)
        if rate is not None:
            return rate.price
        return Decimal(0) if category in FREE_CATEGORIES else None

    def market(self, calling_code: str | None) -> str:
        """The card's name for the market of that calling code (``TR``), else ``other``."""
        for rate in self.rates:
            if rate.calling_code == calling_code:
                return rate.market
        return OTHER

    def calling_codes(self) -> frozenset[str]:
        return frozenset(r.calling_code for r in self.rates if r.calling_code != OTHER)


def load_rate_card(path: str | Path | None) -> RateCard:
    """The card at `path` (``.csv`` or ``.json``), or the shipped example when None/empty."""
    if path is None or str(path).strip() == "":
        text = resources.files("wabroadcast.pricing").joinpath(DEFAULT_CARD).read_text("utf-8")
        return parse_csv(text, source="default")
    where = Path(path)
    try:
        text = where.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RateCardError(f"{where}: cannot read the rate card: {exc}") from exc
    if where.suffix.lower() == ".json":
        return parse_json(text, source=str(where))
    return parse_csv(text, source=str(where))


def parse_csv(text: str, *, source: str) -> RateCard:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise RateCardError(f"{source}: line 1: the file is empty (a header row is needed)")
    names = [h.strip().lower() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise RateCardError(f"{source}: line 1: missing column(s) {', '.join(missing)}")
    rows: list[tuple[int, dict[str, Any]]] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        rows.append(
            (reader.line_num, dict(zip(names, (cell.strip() for cell in row), strict=False)))
        )
    return _card(rows, source=source, currency=None, valid_from=None)


def parse_json(text: str, *, source: str) -> RateCard:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RateCardError(f"{source}: line {exc.lineno}: not JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rates"), list):
        raise RateCardError(f'{source}: line 1: expected an object with a "rates" list')
    lines = _json_item_lines(text)
    rows = [
        (lines[i] if i < len(lines) else 1, item if isinstance(item, dict) else {})
        for i, item in enumerate(data["rates"])
    ]
    return _card(
        rows, source=source, currency=data.get("currency"), valid_from=data.get("valid_from")
    )


def _json_item_lines(text: str) -> list[int]:
    """The line each rate object starts on, so an error can point at it."""
    start = text.find('"rates"')
    lines: list[int] = []
    depth = 0
    for offset in range(max(start, 0), len(text)):
        char = text[offset]
        if char == "{":
            depth += 1
            if depth == 1:
                lines.append(text.count("\n", 0, offset) + 1)
        elif char == "}":
            depth -= 1
    return lines


def _card(
    rows: list[tuple[int, dict[str, Any]]],
    *,
    source: str,
    currency: object,
    valid_from: object,
) -> RateCard:
    rates: list[Rate] = []
    seen: dict[tuple[str, str], int] = {}
    card_currency: str | None = None
    card_date: date | None = None
    for line, row in rows:
        where = f"{source}: line {line}"
        rate = _rate(row, where)
        row_currency, row_date = _currency_and_date(row, where, currency, valid_from)
        if card_currency is not None and row_currency != card_currency:
            raise RateCardError(f"{where}: currency {row_currency} differs from {card_currency}")
        if card_date is not None and row_date != card_date:
            raise RateCardError(f"{where}: valid_from {row_date} differs from {card_date}")
        card_currency, card_date = row_currency, row_date
        key = (rate.calling_code, rate.category)
        if key in seen:
            raise RateCardError(
                f"{where}: {rate.calling_code} {rate.category} is already on line {seen[key]}"
            )
        seen[key] = line
        rates.append(rate)
    if card_currency is None or card_date is None:
        raise RateCardError(f"{source}: line 1: the card has no rates")
    return RateCard(card_currency, card_date, source, tuple(rates))


def _currency_and_date(
    row: dict[str, Any], where: str, currency: object, valid_from: object
) -> tuple[str, date]:
    """A row's own currency and date (CSV), else the card's (JSON)."""
    row_currency = str(row.get("currency") or currency or "").strip().upper()
    if len(row_currency) != 3 or not row_currency.isalpha():
        raise RateCardError(f"{where}: currency must be a 3-letter code, got {row_currency!r}")
    row_date = str(row.get("valid_from") or valid_from or "").strip()
    try:
        return row_currency, date.fromisoformat(row_date)
    except ValueError:
        raise RateCardError(
            f"{where}: valid_from must be a date (YYYY-MM-DD), got {row_date!r}"
        ) from None


def _rate(row: dict[str, Any], where: str) -> Rate:
    code = str(row.get("calling_code") or "").strip().lstrip("+").lower()
    if code != OTHER and not (code.isdigit() and 1 <= len(code) <= 3):
        raise RateCardError(f"{where}: calling_code must be 1-3 digits or 'other', got {code!r}")
    category = str(row.get("category") or "").strip().lower()
    if category not in CATEGORIES:
        known = ", ".join(sorted(CATEGORIES))
        raise RateCardError(f"{where}: unknown category {category!r} (one of {known})")
    raw_price = str(row.get("price") if row.get("price") is not None else "").strip()
    try:
        price = Decimal(raw_price)
    except InvalidOperation:
        raise RateCardError(f"{where}: price must be a number, got {raw_price!r}") from None
    if not price.is_finite() or price < 0:
        raise RateCardError(f"{where}: price must be 0 or more, got {raw_price!r}")
    market = str(row.get("market") or "").strip() or (OTHER if code == OTHER else code)
    return Rate(code, market[:32], category, price)
