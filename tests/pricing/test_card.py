"""Rate cards from files: the shipped example, a CSV or JSON card, and broken cards refused
with the file and line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.web.api.harness import app_settings, running_app
from wabroadcast.app import create_app
from wabroadcast.config import Settings
from wabroadcast.pricing.card import OTHER, RateCardError, load_rate_card
from wabroadcast.pricing.costs import charged, estimate

HEADER = "calling_code,market,category,price,currency,valid_from\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_card_prices_each_market_and_category_it_documents() -> None:
    card = load_rate_card(None)
    assert (card.source, card.currency, card.valid_from.isoformat()) == (
        "default",
        "USD",
        "2025-07-01",
    )
    for code in ("90", "1", "55", "91", "49", "44", "62", "52", OTHER):
        for category in ("marketing", "utility", "authentication"):
            assert (card.price(code, category) or 0) > 0, (code, category)
        assert card.price(code, "service") == 0
    assert card.price("91", "authentication_international") is not None
    assert card.price("62", "authentication_international") is not None
    assert card.market("90") == "TR" and card.market("7") == OTHER


def test_a_csv_card_replaces_the_default(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "card.csv",
        HEADER + "90,TR,marketing,0.5,try,2026-01-01\nother,other,marketing,2,TRY,2026-01-01\n",
    )
    card = load_rate_card(str(path))
    assert (card.currency, card.source) == ("TRY", str(path))
    report = estimate(card, {"+905": 3, "+491": 2, "+1": 1}, "marketing")
    assert report.total == Decimal("0.5") * 3 + 2 * 3
    assert {(line.market, line.messages) for line in report.lines} == {("TR", 3), ("other", 3)}
    # a category the card has no row for is counted, but not priced
    unpriced = estimate(card, {"+905": 4}, "utility")
    assert (unpriced.total, unpriced.unpriced_messages) == (0, 4)


def test_a_json_card_and_its_errors_point_at_the_rate(tmp_path: Path) -> None:
    rates = [
        {"calling_code": "90", "market": "TR", "category": "marketing", "price": "0.01"},
        {"calling_code": "55", "market": "BR", "category": "marketting", "price": "0.06"},
    ]
    text = json.dumps({"currency": "USD", "valid_from": "2026-10-01", "rates": rates}, indent=2)
    path = write(tmp_path, "card.json", text)
    with pytest.raises(RateCardError) as caught:
        load_rate_card(str(path))
    line = text.splitlines().index("    {", 5) + 1  # the second rate object
    assert str(caught.value).startswith(f"{path}: line {line}: unknown category 'marketting'")
    rates[1]["category"] = "marketing"
    good = write(
        tmp_path,
        "good.json",
        json.dumps({"currency": "USD", "valid_from": "2026-10-01", "rates": rates}),
    )
    card = load_rate_card(str(good))
    report = charged(
        card,
        [("+905", "marketing", "regular", 2), ("+551", "marketing", "free_entry_point", 5)],
    )
    assert (report.total, report.messages, report.free_messages) == (Decimal("0.02"), 2, 5)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("90,TR,marketing,abc,USD,2026-01-01\n", "line 3: price must be a number, got 'abc'"),
        ("90,TR,marketing,-1,USD,2026-01-01\n", "line 3: price must be 0 or more"),
        ("9999,XX,marketing,1,USD,2026-01-01\n", "line 3: calling_code must be 1-3 digits"),
        ("90,TR,utility,1,EUR,2026-01-01\n", "line 3: currency EUR differs from USD"),
        ("90,TR,utility,1,USD,2026-13-01\n", "line 3: valid_from must be a date"),
        ("90,TR,marketing,1,USD,2026-01-01\n", "line 3: 90 marketing is already on line 2"),
    ],
)
def test_a_broken_csv_card_is_refused_with_file_and_line(
    tmp_path: Path, rows: str, message: str
) -> None:
    path = write(tmp_path, "card.csv", HEADER + "90,TR,marketing,0.01,USD,2026-01-01\n" + rows)
    with pytest.raises(RateCardError) as caught:
        load_rate_card(str(path))
    assert str(caught.value).startswith(f"{path}: {message}")


def test_a_card_without_its_columns_or_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "card.csv", "code,price\n90,1\n")
    with pytest.raises(RateCardError, match=r"card\.csv: line 1: missing column\(s\) calling_code"):
        load_rate_card(str(path))
    with pytest.raises(RateCardError, match="missing.csv: cannot read the rate card"):
        load_rate_card(str(tmp_path / "missing.csv"))


def test_the_app_refuses_to_start_with_a_broken_card(settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path, "card.csv", HEADER + "90,TR,marketing,x,USD,2026-01-01\n")
    broken = app_settings(settings, rate_card=str(path))
    with pytest.raises(RateCardError, match=f"{path}: line 2: price must be a number"):
        create_app(broken)


@pytest.mark.anyio
async def test_the_api_prices_with_the_configured_card(settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path, "card.csv", HEADER + "other,other,marketing,1.25,EUR,2026-02-01\n")
    async with running_app(app_settings(settings, rate_card=str(path))) as h:
        stats = (await h.client.get("/api/stats?days=1")).json()
        cost = stats["cost_days"][0]["cost"]
        assert cost["currency"] == "EUR" and cost["total"] == "0"
        assert cost["rate_card"] == {"source": str(path), "valid_from": "2026-02-01"}
