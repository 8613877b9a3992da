"""Failover between `wabroadcast serve` processes: adopt campaigns whose sender died.

A campaign runs in the process that started it (API, panel, schedule). When that process is
killed, its lease row stays behind with an `expires_at` in the past: a graceful stop deletes
the row (and pauses what it was sending, reason `interrupted`), so an expired row means the
holder died. Every serve process looks for running
campaigns of such numbers every few seconds and starts them; run_with_lease then lets exactly
one of them take the number over (settling the dead holder's claims) while the others wait.
A number offered by a server that already sends its share (engine/balance.py) is an expired
row too, and is taken the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from wabroadcast.clock import SystemClock
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.balance import is_offer
from wabroadcast.storage.db import Database
from wabroadcast.storage.tables import Campaign, SenderLease

log = logging.getLogger(__name__)


def orphaned_campaigns(database: Database, now: datetime) -> list[int]:
    """Running campaigns whose number's lease expired without being released."""
    return [campaign_id for campaign_id, _offered in adoptable_campaigns(database, now)]


def adoptable_campaigns(database: Database, now: datetime) -> list[tuple[int, bool]]:
    """(campaign, offered) for each running campaign whose number's lease row has expired:
    its holder died, or (offered) a server that sends its share left it to another one
    (engine/balance.py)."""
    with database.session() as session:
        rows = session.execute(
            select(Campaign.id, SenderLease.holder)
            .join(SenderLease, SenderLease.phone_number_id == Campaign.phone_number_id)
            .where(Campaign.state == CampaignState.RUNNING.value)
            .where(SenderLease.expires_at < now)
            .order_by(Campaign.id)
        )
        return [(campaign_id, is_offer(holder)) for campaign_id, holder in rows]


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
            found = await asyncio.to_thread(adoptable_campaigns, database, clock.now())
        except Exception as exc:  # database down: the next round tries again
            log.warning("could not look for orphaned campaigns: %s", type(exc).__name__)
            continue
        for campaign_id, offered in found:
            if running(campaign_id):
                continue
            if offered:
                log.info(
                    "campaign %s offered by a server that sends its share; taking it", campaign_id
                )
            else:
                log.warning("campaign %s lost its sender; taking it over", campaign_id)
            start(campaign_id)
