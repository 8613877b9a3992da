"""A template Meta made unusable pauses the running campaigns of that name and language."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.webhooks.conftest import Hook, add_campaign, load_fixture
from wabroadcast.storage.tables import Campaign, Template

pytestmark = pytest.mark.anyio
SYNCED = datetime(2025, 12, 1, tzinfo=UTC)


def _event(event: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("template_status_paused"))
    payload["entry"][0]["changes"][0]["value"]["event"] = event
    return payload


def _seed(hook: Hook) -> dict[str, int]:
    """Running pt_BR and en_US campaigns of spring_sale, a completed pt_BR one, another name."""
    with hook.database.session() as session:
        ids = {}
        for key, (template, state) in {
            "running": ("spring_sale", "running"),
            "completed": ("spring_sale", "completed"),
            "other_language": ("spring_sale", "running"),
            "other_template": ("daily_offer", "running"),
        }.items():
            campaign = add_campaign(session, template)
            campaign.state = state
            campaign.language = "en_US" if key == "other_language" else "pt_BR"
            ids[key] = campaign.id
        return ids


def _states(hook: Hook) -> dict[int, tuple[str, str | None]]:
    with hook.database.session() as session:
        rows = session.execute(select(Campaign.id, Campaign.state, Campaign.error)).all()
    return {row[0]: (row[1], row[2]) for row in rows}


async def test_paused_template_pauses_its_running_campaigns_with_the_reason(hook: Hook) -> None:
    ids = _seed(hook)
    await hook.post_fixture("template_status_paused")  # signed, to /webhook
    states = _states(hook)
    assert states[ids["running"]] == ("paused", "template 'spring_sale' (pt_BR) was PAUSED by Meta")
    assert states[ids["completed"]] == ("completed", None)
    assert states[ids["other_language"]] == ("running", None)
    assert states[ids["other_template"]] == ("running", None)
    await hook.post_fixture("template_status_paused")  # Meta redelivers: nothing changes
    assert _states(hook) == states


async def test_disabled_template_also_pauses_and_a_sync_row_is_updated(hook: Hook) -> None:
    ids = _seed(hook)
    with hook.database.session() as session:
        session.add(
            Template(
                name="spring_sale",
                language="pt_BR",
                status="APPROVED",
                components=[],
                synced_at=SYNCED,
            )
        )
    response = await hook.post(_event("DISABLED"))
    assert response.status_code == 200
    state, error = _states(hook)[ids["running"]]
    assert (state, error) == ("paused", "template 'spring_sale' (pt_BR) was DISABLED by Meta")
    with hook.database.session() as session:
        assert session.scalar(select(Template.status)) == "DISABLED"


@pytest.mark.parametrize("event", ["APPROVED", "REINSTATED", "FLAGGED"])
async def test_events_that_leave_the_template_usable_pause_nothing(hook: Hook, event: str) -> None:
    ids = _seed(hook)
    response = await hook.post(_event(event))
    assert response.status_code == 200
    assert _states(hook)[ids["running"]] == ("running", None)
