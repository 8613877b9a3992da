"""The stats page: sends, deliveries, reads and replies per day, drawn as inline SVG."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.web.api.harness import add_contacts
from tests.web.views.helpers import panel
from wabroadcast.config import Settings
from wabroadcast.storage.tables import Contact, Reply, Send
from wabroadcast.web.views.charts import line_chart, nice_ceiling


@pytest.mark.anyio
async def test_daily_numbers_and_chart(settings: Settings) -> None:
    async with panel(settings) as p:
        add_contacts(p.database, 5)
        today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
        yesterday = today - timedelta(days=1)
        with p.database.session() as session:
            contacts = list(session.query(Contact).order_by(Contact.id))
            for number, contact in enumerate(contacts):
                claimed = yesterday if number < 3 else today
                session.add(
                    Send(
                        template_name="daily_offer",
                        contact_id=contact.id,
                        phone=contact.phone,
                        state="accepted",
                        status="read" if number < 2 else "delivered",
                        claimed_at=claimed,
                        accepted_at=claimed,
                        delivered_at=today,
                        read_at=today if number < 2 else None,
                        updated_at=today,
                    )
                )
            # Claimed but never accepted: not a send of that day on any screen.
            session.add(
                Send(
                    template_name="other_offer",
                    contact_id=contacts[0].id,
                    phone=contacts[0].phone,
                    state="unknown",
                    claimed_at=today,
                    updated_at=today,
                )
            )
            session.add(
                Reply(
                    message_id="wamid.r1",
                    contact_id=contacts[0].id,
                    type="text",
                    text="Merhaba",
                    occurred_at=today,
                    received_at=today,
                )
            )
        page = await p.browser.get("/stats?days=7")
        assert page.status_code == 200
        assert '<svg class="line-chart"' in page.text
        for key in ("sends", "deliveries", "reads", "replies"):
            assert f'class="series series-{key}"' in page.text
        rows = re.findall(
            r"<tr><td>(\d{4}-\d\d-\d\d)</td>((?:<td class=\"num\">\d+</td>){4})"
            r"<td class=\"num\">USD 0\.0000</td></tr>",  # the charged cost: nothing priced
            page.text,
        )
        table = {day: [int(n) for n in re.findall(r">(\d+)<", cells)] for day, cells in rows}
        assert len(table) == 7
        assert table[today.date().isoformat()] == [2, 5, 2, 1]
        assert table[yesterday.date().isoformat()] == [3, 0, 0, 0]
        assert sum(sum(v) for v in table.values()) == 13
        assert "Merhaba" not in page.text
        api = (await p.browser.get("/api/stats?days=7")).json()["days"]
        assert {
            d["day"]: [d["sends"], d["deliveries"], d["reads"], d["replies"]] for d in api
        } == table
        wrong = await p.browser.get("/stats?days=abc")
        assert wrong.status_code == 200 and "14 days" in wrong.text


@pytest.mark.anyio
async def test_a_send_counts_on_the_day_meta_accepted_it_and_only_then(settings: Settings) -> None:
    """/stats and /api/stats are one daily_counts: a send is counted on the UTC day of its
    accepted_at, whenever it was claimed; a claim that failed at send time, or whose outcome
    is unknown, or that is still in flight, is no send on either."""
    async with panel(settings) as p:
        add_contacts(p.database, 5)
        today = datetime.now(UTC).replace(hour=0, minute=5, second=0, microsecond=0)
        yesterday = today - timedelta(days=1)
        late_last_night = today - timedelta(minutes=10)
        with p.database.session() as session:
            contacts = list(session.query(Contact).order_by(Contact.id))
            fates: list[tuple[str, datetime, datetime | None]] = [
                ("accepted", late_last_night, today),  # claimed yesterday, accepted today
                ("accepted", yesterday, yesterday),
                ("failed", yesterday, None),  # refused by the Cloud API at once
                ("unknown", today, None),  # timed out after the request was written
                ("claimed", today, None),  # in flight
            ]
            for contact, (state, claimed, accepted) in zip(contacts, fates, strict=True):
                session.add(
                    Send(
                        template_name="daily_offer",
                        contact_id=contact.id,
                        phone=contact.phone,
                        state=state,
                        claimed_at=claimed,
                        accepted_at=accepted,
                        updated_at=claimed,
                    )
                )
        page = await p.browser.get("/stats?days=7")
        rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d)</td><td class=\"num\">(\d+)</td>", page.text)
        on_page = {day: int(sends) for day, sends in rows}
        api = (await p.browser.get("/api/stats?days=7")).json()["days"]
        assert {d["day"]: d["sends"] for d in api} == on_page
        assert on_page[today.date().isoformat()] == 1
        assert on_page[yesterday.date().isoformat()] == 1
        assert sum(on_page.values()) == 2


def test_nice_ceiling_lands_on_round_numbers() -> None:
    values = (0, 3, 5, 11, 99, 101, 225, 4500)
    assert [nice_ceiling(v) for v in values] == [4, 4, 5, 20, 100, 200, 250, 5000]


def test_line_chart_escapes_labels_and_scales_points() -> None:
    rows = [{"day": "2026-11-01", "a": 0}, {"day": "2026-11-02", "a": 10}]
    svg = str(line_chart(rows, ["a"], labels={"a": "<b>"}, title="t&t"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert 'aria-label="t&amp;t"' in svg
    points = re.search(r'points="([^"]+)"', svg)
    assert points is not None
    (x0, y0), (x1, y1) = (tuple(map(float, p.split(","))) for p in points.group(1).split())
    assert x0 < x1 and y0 > y1  # rising line: the second point is higher on screen
