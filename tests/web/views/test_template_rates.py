"""Delivered, read and reply rates per template and day of sending: the stats page's charts,
GET /api/stats/templates and `wabroadcast stats`, all from storage/template_rates.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.test_campaign_cli import cli, env_for
from tests.web.api.harness import add_contacts
from tests.web.views.helpers import panel
from tests.web.views.test_turkish_pages import english_in
from wabroadcast.config import Settings
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Contact, Reply, Send


def _seed(database: Database) -> tuple[str, str]:
    """daily_offer: 4 accepted yesterday (3 delivered, 2 read, 1 replied twice), 2 today
    (1 delivered); hello_world: 1 today, read. A claim never accepted counts nowhere."""
    add_contacts(database, 6)
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    fates = [  # (template, accepted at, status)
        ("daily_offer", yesterday, "read"),
        ("daily_offer", yesterday, "read"),
        ("daily_offer", yesterday, "delivered"),
        ("daily_offer", yesterday, "sent"),
        ("daily_offer", today, "delivered"),
        ("daily_offer", today, None),
        ("hello_world", today, "read"),
    ]
    with database.session() as session:
        contacts = list(session.query(Contact).order_by(Contact.id))
        sends = []
        for number, (template, accepted, status) in enumerate(fates):
            contact = contacts[number % len(contacts)]
            send = Send(
                template_name=template,
                contact_id=contact.id,
                phone=contact.phone,
                state="accepted",
                status=status,
                claimed_at=accepted,
                accepted_at=accepted,
                delivered_at=today if status in ("delivered", "read") else None,
                read_at=today if status == "read" else None,
                updated_at=today,
            )
            session.add(send)
            sends.append(send)
        session.add(
            Send(
                template_name="hello_world",
                contact_id=contacts[1].id,
                phone=contacts[1].phone,
                state="unknown",
                claimed_at=today,
                updated_at=today,
            )
        )
        session.flush()
        for n in (1, 2):  # two replies to one send: one send replied
            session.add(
                Reply(
                    message_id=f"wamid.r{n}",
                    contact_id=contacts[0].id,
                    send_id=sends[0].id,
                    type="text",
                    text="Merhaba",
                    occurred_at=today,
                    received_at=today,
                )
            )
    return yesterday.date().isoformat(), today.date().isoformat()


@pytest.mark.anyio
async def test_rates_per_template_on_the_page_in_the_api_and_in_the_cli(
    settings: Settings,
) -> None:
    async with panel(settings) as p:
        yesterday, today = _seed(p.database)
        answer = await p.browser.get("/api/stats/templates", params={"days": 7})
        assert answer.status_code == 200, answer.text
        got = {(i["template"], i["day"]): i for i in answer.json()["items"]}
        assert set(got) == {
            ("daily_offer", yesterday),
            ("daily_offer", today),
            ("hello_world", today),
        }
        first = got[("daily_offer", yesterday)]
        assert [first[k] for k in ("sent", "delivered", "read", "replied")] == [4, 3, 2, 1]
        assert first["rates"] == {"delivered": 0.75, "read": 0.5, "replied": 0.25}
        assert got[("daily_offer", today)]["rates"]["delivered"] == 0.5
        assert got[("hello_world", today)]["sent"] == 1  # the claim never accepted: not here
        only = await p.browser.get(
            "/api/stats/templates", params={"days": 7, "template": "hello_world"}
        )
        assert [i["template"] for i in only.json()["items"]] == ["hello_world"]
        for bad in ({"days": 0}, {"days": 367}, {"template": "a\x01b"}, {"template": ""}):
            refused = await p.browser.get("/api/stats/templates", params=bad)
            assert refused.status_code == 422, bad

        page = await p.browser.get("/stats?days=7")
        assert page.status_code == 200
        section = page.text[page.text.index('data-testid="template-rates"') :]
        assert section.index('data-testid="rates-daily_offer"') < section.index(
            'data-testid="rates-hello_world"'
        )  # most sends first
        assert section.count('<svg class="line-chart"') == 2
        assert "<title>daily_offer: delivered, read and reply rates" in section
        assert "<desc>" in section and 'viewBox="0 0 720 260"' in section
        for key in ("delivered", "read", "replied"):
            assert f'class="series series-rate-{key}"' in section
        cells = re.findall(
            r"<tr><td>" + yesterday + r"</td>((?:<td class=\"num\">[^<]*</td>){4})</tr>", section
        )
        assert cells == [
            '<td class="num">4</td><td class="num">3 (75%)</td>'
            '<td class="num">2 (50%)</td><td class="num">1 (25%)</td>'
        ]
        assert 'class="table-wrap"' in section  # scrolls on a 390 px phone

        await p.browser.get("/?lang=tr")
        turkish = await p.browser.get("/stats?days=7")
        assert "Şablon başına oranlar" in turkish.text
        assert english_in(turkish.text) == []

        env = env_for(p.database.url, "http://127.0.0.1:9")
        code, output = cli(env, "stats", "--days", "7", "--json")
        assert code == 0, output
        shown = json.loads(output)["template_rates"]
        assert [r["template"] for r in shown] == ["daily_offer", "daily_offer", "hello_world"]
        assert shown[0] == first | {"day": yesterday}
        code, output = cli(env, "stats", "--days", "7", "--template", "daily_offer")
        assert code == 0, output
        assert "rates per template, last 7 days" in output
        assert "3 (75%)" in output and "hello_world" not in output
        code, output = cli(env, "stats", "--template", "a\x01b")
        assert code != 0 and "control character" in output
