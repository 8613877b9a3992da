"""Costs in the terminal: `send --dry-run` estimates, `campaign show` says what was charged."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from tests.cli.test_campaign_cli import cli, env_for, simulator  # noqa: F401 (fixture)
from tests.engine.helpers import add_contacts
from wabroadcast.pricing.card import load_rate_card
from wabroadcast.simulator import Simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Send

CARD = load_rate_card(None)
PHONES = ["+905551000001", "+5511987654321", "+905551000002", "+819012345678"]


def card_price(code: str) -> Decimal:
    found = CARD.price(code, "marketing")
    assert found is not None
    return found


def test_dry_run_estimates_the_contacts_it_would_take_per_market(
    database: Database,
    simulator: tuple[str, Simulator],  # noqa: F811
) -> None:
    url, sim = simulator
    add_contacts(database, 4, phones=PHONES)
    env = env_for(database.url, url)
    code, output = cli(env, "templates", "sync")
    assert code == 0, output
    args = ("send", "-t", "daily_offer", "-l", "tr", "-n", "3", "--dry-run")
    code, output = cli(env, *args, "--json")
    assert code == 0, output
    cost = json.loads(output)["estimated_cost"]
    assert Decimal(cost["total"]) == 2 * card_price("90") + card_price("55")
    assert {(m["market"], m["messages"]) for m in cost["by_market"]} == {("TR", 2), ("BR", 1)}
    code, output = cli(env, *args)
    assert code == 0, output
    total = 2 * card_price("90") + card_price("55")
    assert f"estimated cost: USD {total:.4f} (rate card of 2025-07-01)" in output
    assert f"TR marketing: 2 × USD {card_price('90'):.4f}" in output
    assert sim.accepted == []


def test_campaign_show_gives_the_charged_cost_and_a_broken_card_stops_the_command(
    database: Database,
    simulator: tuple[str, Simulator],  # noqa: F811
    tmp_path: Path,
) -> None:
    url, _ = simulator
    add_contacts(database, 2, phones=PHONES[:2])
    env = env_for(database.url, url)
    code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "2")
    assert code == 0, output
    with database.session() as session:  # as status webhooks would leave them
        campaign_id = session.scalars(select(Campaign.id)).one()
        session.execute(
            update(Send)
            .where(Send.phone == PHONES[0])
            .values(pricing_category="marketing", pricing_type="regular")
        )
        session.execute(
            update(Send)
            .where(Send.phone == PHONES[1])
            .values(pricing_category="marketing", pricing_type="free_entry_point")
        )
    code, output = cli(env, "campaign", "show", str(campaign_id), "--json")
    assert code == 0, output
    cost = json.loads(output)["cost"]
    assert (Decimal(cost["total"]), cost["messages"], cost["free_messages"]) == (
        card_price("90"),
        1,
        1,
    )
    code, output = cli(env, "campaign", "show", str(campaign_id))
    assert code == 0, output
    assert f"charged cost: USD {card_price('90'):.4f}" in output
    assert "free (service / free entry point): 1" in output
    broken = tmp_path / "card.csv"
    broken.write_text(
        "calling_code,market,category,price,currency,valid_from\n90,TR,x,1,USD,2026-01-01\n"
    )
    code, output = cli({**env, "RATE_CARD": str(broken)}, "campaign", "show", str(campaign_id))
    assert code == 1
    assert f"{broken}: line 2: unknown category 'x'" in " ".join(output.split())
