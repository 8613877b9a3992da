"""Failover between `wabroadcast serve` processes: adopt campaigns whose sender died.

A campaign runs in the process that started it (API, panel, schedule). When that process is
killed, its lease row stays behind with an `expires_at` in the past: a graceful stop deletes
the row (and pauses what it was sending, reason `interrupted`), so an expired row means the
holder died. Every serve process looks for running
campaigns of such numbers every few seconds and starts them; run_with_lease then lets exactly
one of them take the number over (settling the dead holder's claims) while the others wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from wabroadcast.clock import SystemClock
from wabroadcast.domain.models import CampaignState
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, SenderLease

log = logging.getLogger(__name__)


def orphaned_campaigns(database: Database, now: datetime) -> list[int]:
    """Running campaigns whose number's lease expired without being released."""
    with database.session() as session:
        return list(
            session.scalars(
                select(Campaign.id)
                .join(SenderLease, SenderLease.phone_number_id == Campaign.phone_number_id)
                .where(Campaign.state == CampaignState.RUNNING.value)
                .where(SenderLease.expires_at < now)
                .order_by(Campaign.id)
            )
        )


async def adopt_forever(
    database: Database,
    running: Callable[[int], bool],
    start: Callable[[int], object],
    interval: float,
) -> None:
    """Every `interval` seconds, `start` each orphaned campaign this process is not
    `running`; what `start` returns (the manager's task, which it keeps) is not needed here."""
    clock = SystemClock()
    while True:
        await asyncio.sleep(interval)
        try:
            orphans = await asyncio.to_thread(orphaned_campaigns, database, clock.now())
        except Exception as exc:  # database down: the next round tries again
            log.warning("could not look for orphaned campaigns: %s", type(exc).__name__)
            continue
        for campaign_id in orphans:
            if not running(campaign_id):
                log.warning("campaign %s lost its sender; taking it over", campaign_id)
                start(campaign_id)
