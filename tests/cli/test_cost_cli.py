"""Costs in the terminal: `send --dry-run` estimates, `campaign show` says what was charged."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select, update

from tests.cli.test_campaign_cli import cli, env_for, simulator  # noqa: F401 (fixture)
from tests.engine.helpers import add_contacts
from wabroadcast.pricing.card import load_rate_card
from wabroadcast.simulator import Simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, Contact, Send

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


def test_dry_run_prices_only_the_audience_the_campaign_would_take(
    database: Database,
    simulator: tuple[str, Simulator],  # noqa: F811
) -> None:
    url, sim = simulator
    add_contacts(database, 4, phones=PHONES)
    env = env_for(database.url, url)
    code, output = cli(env, "templates", "sync")
    assert code == 0, output
    for phone in (PHONES[1], PHONES[3]):  # BR, and JP (not on the card: "other")
        code, output = cli(env, "contacts", "tag", "add", "abroad", "--phone", phone)
        assert code == 0, output
    args = ("send", "-t", "daily_offer", "-l", "tr", "-n", "9", "--tag", "abroad", "--dry-run")
    code, output = cli(env, *args, "--json")
    assert code == 0, output
    shown = json.loads(output)
    assert shown["total_selected"] == 2
    cost = shown["estimated_cost"]
    assert {(m["market"], m["messages"]) for m in cost["by_market"]} == {("BR", 1), ("other", 1)}
    assert Decimal(cost["total"]) == card_price("55") + card_price("81")
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


def test_sends_export_writes_csv_or_xlsx_of_one_contact(
    database: Database,
    simulator: tuple[str, Simulator],  # noqa: F811
    tmp_path: Path,
) -> None:
    url, _ = simulator
    ids = add_contacts(database, 2, phones=PHONES[:2])
    with database.session() as session:
        session.execute(update(Contact).where(Contact.id == ids[0]).values(name="=cmd()"))
    env = env_for(database.url, url)
    code, output = cli(env, "send", "-t", "daily_offer", "-l", "tr", "-n", "2")
    assert code == 0, output
    code, output = cli(env, "sends", "export", "--contact", str(ids[0]))
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [(r["contact_id"], r["name"], r["state"]) for r in rows] == [
        (str(ids[0]), "'=cmd()", "accepted")
    ]
    target = tmp_path / "sends.xlsx"
    code, output = cli(env, "sends", "export", "--format", "xlsx", "-o", str(target))
    assert code == 0, output
    sheet = load_workbook(target)["sends"]
    assert sheet.max_row == 3
    names = {cell.value for cell in sheet["C"]}
    assert names == {"name", "'=cmd()", None}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    code, output = cli(env, "sends", "export", "--format", "xlsx")
    assert code == 1 and "--format xlsx needs --output FILE" in output
    code, output = cli(env, "sends", "export", "--format", "pdf")
    assert code == 1 and "--format must be one of csv, xlsx, got 'pdf'" in output
