"""A drip schedule with an audience: every day's campaign takes it, the forecast counts it,
and the schedule finishes when the audience has been covered (simulator, fake clock)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.schedules.conftest import add_contacts
from tests.schedules.test_runner import World, _at, _schedule
from tests.schedules.test_runner import world as world  # the fixture
from wabroadcast.domain.audience import build_audience
from wabroadcast.schedules.models import ScheduleState
from wabroadcast.schedules.store import progress
from wabroadcast.storage import tags as tag_store
from wabroadcast.storage.tables import Campaign, Contact, Schedule, Send


@pytest.mark.anyio
async def test_each_day_takes_the_schedules_audience(world: World) -> None:
    add_contacts(world.database, 100)
    now = world.clock.now()
    with world.database.session() as session:
        ids = list(session.scalars(select(Contact.id).order_by(Contact.index)))
        vip = [contact_id for i, contact_id in enumerate(ids) if i % 5 < 3]  # 60
        tag_store.add_tags(session, ["vip"], [Contact.id.in_(vip)], now)
        tag_store.add_tags(session, ["test"], [Contact.id.in_(vip[:10])], now)
    audience = build_audience(tags=["VIP"], exclude_tags=["test"])
    schedule_id = _schedule(world, daily_count=25, audience=audience)
    with world.database.session() as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        assert progress(session, schedule).days_remaining == 2  # 50 in the audience

    for day in range(25, 29):
        world.clock.set(_at(day, 10))
        await world.runner.run_due()

    with world.database.session() as session:
        sent = list(session.scalars(select(Send.contact_id)))
        audiences = list(session.scalars(select(Campaign.audience)))
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None and schedule.state == ScheduleState.FINISHED
    assert sorted(sent) == sorted(vip[10:])
    assert len(audiences) == 2 and all(a == audience.to_json() for a in audiences)
