"""A campaign whose every send is released after retryable errors, for "retry failed" tests.

It runs the real engine against the real simulator answering HTTP 5xx to every request, with
an instant sleep so the engine's backoffs cost no time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from wabroadcast.cloudapi.client import CloudAPIClient
from wabroadcast.config import Settings
from wabroadcast.engine import CampaignSummary, create_campaign, run_campaign
from wabroadcast.simulator import SimulatorConfig, create_simulator
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Template
from wabroadcast.storage.templates import get_template


class At:
    def __init__(self, instant: datetime | None = None) -> None:
        self.instant = instant or datetime(2026, 11, 25, 7, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.instant


async def no_wait(_seconds: float) -> None:
    return None


async def run_released(
    database: Database,
    settings: Settings,
    *,
    limit: int,
    template: str = "daily_offer",
    language: str = "tr",
    app_secret: str | None = None,
) -> tuple[int, CampaignSummary]:
    """Create a campaign of `limit` contacts and run it against a simulator that only fails."""
    broken = create_simulator(
        SimulatorConfig(
            error_5xx_rate=1.0, latency=0, latency_jitter=0, seed=1, app_secret=app_secret
        )
    )
    with database.session() as session:
        # What a template sync leaves behind, so the follow-up passes the manager's checks.
        if get_template(session, template, language) is None:
            session.add(
                Template(
                    name=template,
                    language=language,
                    status="APPROVED",
                    components=[],
                    synced_at=At().now(),
                )
            )
        campaign_id = create_campaign(
            session,
            template_name=template,
            language=language,
            limit=limit,
            phone_number_id=settings.phone_number_id,
            clock=At(),
        ).id
    transport = httpx.ASGITransport(app=broken)
    async with httpx.AsyncClient(transport=transport, base_url=settings.graph_api_url) as http:
        client = CloudAPIClient.from_settings(http, settings)
        summary = await run_campaign(
            campaign_id, database=database, client=client, settings=settings, sleep=no_wait
        )
    return campaign_id, summary
