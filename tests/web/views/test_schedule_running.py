"""A schedule's day, sent by the server's own scheduler, is `running` on the panel while it
sends: on its campaign page, in the campaigns list, on the overview and in the API — never
`waiting` as if nobody sent it — and `completed` after."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from time import monotonic

import pytest
from sqlalchemy import select

from tests.web.api.harness import add_contacts, app_settings, log_in, running_app
from wabroadcast.config import Settings
from wabroadcast.schedules.store import ScheduleInput, create_schedule
from wabroadcast.storage.tables import Campaign

CONTACTS = 60
SCHEDULED_AT = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


class RunningClock:
    """Real time from `start` on: the rate limiter needs time that moves."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=monotonic() - self.began)


def row_state(html: str, campaign_id: int) -> str:
    row = re.search(
        rf'<tr[^>]*>(?:(?!</tr>).)*?/campaigns/{campaign_id}"(?:(?!</tr>).)*</tr>', html, re.S
    )
    assert row is not None, html[-3000:]
    state = re.search(r'data-testid="campaign-row-state">([^<]+)<', row.group(0))
    assert state is not None, row.group(0)
    return state.group(1)


@pytest.mark.anyio
async def test_a_schedule_day_is_running_on_every_screen_while_it_sends(
    settings: Settings,
) -> None:
    config = app_settings(settings, send_rate=20.0)
    before = RunningClock(SCHEDULED_AT - timedelta(hours=3))
    async with running_app(config, clock=before) as h:  # the schema, contacts and schedule
        add_contacts(h.database, CONTACTS)
        data = ScheduleInput("daily_offer", "tr", CONTACTS, "10:00", "Europe/Istanbul")
        with h.database.session() as session:
            schedule_id = create_schedule(session, data, now=before.now()).id

    # The next server starts just after 10:00 Istanbul: its scheduler's first pass sends.
    async with running_app(config, clock=RunningClock(SCHEDULED_AT + timedelta(seconds=1))) as h:
        await log_in(h.anon)

        def stored() -> tuple[int, str] | None:
            with h.database.session() as session:
                row = session.execute(select(Campaign.id, Campaign.state)).first()
            return (row[0], row[1]) if row is not None else None

        campaign_id, _ = await h.wait_for(stored)
        looks: list[tuple[str, ...]] = []
        deadline = monotonic() + 60
        while monotonic() < deadline:
            now = stored()
            if now is None or now[1] != "running":
                break
            api = (await h.client.get(f"/api/campaigns/{campaign_id}")).json()
            page = (await h.anon.get(f"/campaigns/{campaign_id}?lang=en")).text
            shown = re.search(r'data-testid="campaign-state">([^<]+)<', page)
            assert shown is not None
            listed = row_state((await h.anon.get("/campaigns?lang=en")).text, campaign_id)
            overview = row_state((await h.anon.get("/?lang=en")).text, campaign_id)
            runs = (await h.client.get(f"/api/schedules/{schedule_id}")).json()["runs"]
            if stored() == (campaign_id, "running"):  # still sending after the looks
                looks.append((api["state"], shown.group(1), listed, overview, runs[0]["state"]))
        assert looks, "the day's campaign was never seen while it was sending"
        assert set(looks) == {("running", "Running", "Running", "Running", "running")}, looks

        done = await h.campaign_done(campaign_id)
        assert (done["state"], done["accepted"]) == ("completed", CONTACTS)
        page = (await h.anon.get(f"/campaigns/{campaign_id}?lang=en")).text
        assert 'data-testid="campaign-state">Completed<' in page
