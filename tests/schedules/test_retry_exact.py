""" "Retry failed" targets exactly the contacts the engine released (send_releases)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, update

from tests.schedules.conftest import add_contacts
from tests.schedules.releases import At, no_wait, run_released
from tests.schedules.test_followup import retry_failed
from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings, load_settings
from wabroadcast.domain.models import CampaignState, SendState
from wabroadcast.engine import run_campaign
from wabroadcast.engine.followup import NothingToRetry, retryable_count
from wabroadcast.simulator import SimulatorConfig, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.releases import error_code
from wabroadcast.storage.tables import Campaign, Contact, Send, SendRelease

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _settings(database_url: str) -> Settings:
    return load_settings(
        {"DATABASE_URL": database_url, "GRAPH_API_URL": "http://graph.test"}, env_file=None
    )


def _contact_ids(database: Database, phones: list[str]) -> list[int]:
    with database.session() as session:
        rows = dict(session.execute(select(Contact.phone, Contact.id)).all())
    return [rows[p] for p in phones]


@pytest.mark.anyio
async def test_each_release_is_recorded_with_the_deleted_send(
    database: Database, database_url: str
) -> None:
    add_contacts(database, 6)
    campaign_id, summary = await run_released(database, _settings(database_url), limit=4)
    assert (summary.accepted, summary.failed) == (0, 4)
    with database.session() as session:
        assert session.scalars(select(Send)).all() == []  # the pairs are free again
        releases = session.scalars(select(SendRelease).order_by(SendRelease.contact_id)).all()
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        failures = dict(campaign.failures)
    expected = _contact_ids(database, [f"+90532{i:07d}" for i in range(4)])
    assert [r.contact_id for r in releases] == sorted(expected)
    assert {(r.campaign_id, r.template_name) for r in releases} == {(campaign_id, "daily_offer")}
    # each release names the same reason campaigns.failures counts
    assert {r.reason for r in releases} == set(failures)
    assert all(r.error_code == error_code(r.reason) for r in releases)


@pytest.mark.anyio
async def test_follow_up_skips_newcomers_opt_outs_and_contacts_reached_since(
    database: Database, database_url: str
) -> None:
    settings = _settings(database_url)
    add_contacts(database, 12)
    first_id, _ = await run_released(database, settings, limit=8)
    released = [f"+90532{i:07d}" for i in range(8)]
    # Since then: a contact imported ahead of everyone in send order (the old "limit = count"
    # follow-up would have taken them), one released contact opted out, one got the template
    # from another process.
    with database.session() as session:
        session.add(
            Contact(
                phone="+905329999999",
                name="Yeni",
                index=-1,
                attributes={},
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.execute(
            update(Contact).where(Contact.phone == released[2]).values(opted_out_at=NOW)
        )
        got_it = session.scalar(select(Contact).where(Contact.phone == released[3]))
        assert got_it is not None
        session.add(
            Send(
                template_name="daily_offer",
                contact_id=got_it.id,
                language="tr",
                phone=got_it.phone,
                state=SendState.ACCEPTED,
                attempts=1,
                claimed_at=NOW,
                updated_at=NOW,
            )
        )
    with database.session() as session:
        first = session.get(Campaign, first_id)
        assert first is not None and retryable_count(session, first) == 6
        follow_up = retry_failed(database, settings, session, first_id, clock=At())
        follow_up_id = follow_up.id
        assert (follow_up.requested_limit, follow_up.retry_of_campaign_id) == (6, first_id)
    healthy = create_simulator(SimulatorConfig(latency=0, latency_jitter=0, seed=1))
    transport = httpx.ASGITransport(app=healthy)
    async with httpx.AsyncClient(transport=transport, base_url="http://graph.test") as http:
        client = CloudAPIClient.from_settings(http, settings)
        second = await run_campaign(
            follow_up_id, database=database, client=client, settings=settings, sleep=no_wait
        )
    assert (second.state, second.accepted) == (CampaignState.COMPLETED, 6)
    assert second.eligible == 6  # counted among the released contacts only
    reached = sorted(m.to for m in healthy.state.simulator.accepted)
    assert reached == sorted(p for i, p in enumerate(released) if i not in (2, 3))
    with database.session() as session, pytest.raises(NothingToRetry, match="nothing left"):
        retry_failed(database, settings, session, first_id, clock=At())
