"""serve's periodic A/B test check: decide the tests whose time has come, start the winner.

Every server process may run one: a test is claimed for its decision in the database
(storage/ab_tests.claim_for_decision), so it is decided once however many processes look.
The time is the campaign manager's clock, so a fake clock drives it in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from wabroadcast.engine.ab_tests import AbTestRefused, decide_in, settle
from wabroadcast.engine.manager import CampaignManager, CampaignRefused
from wabroadcast.storage import ab_tests as ab_store

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Decided:
    test_id: int
    winner: str | None
    campaign_id: int | None
    """The winner's campaign, started in the background; None when there is none."""


class AbTestRunner:
    def __init__(self, campaigns: CampaignManager) -> None:
        self.campaigns = campaigns

    async def run_due(self) -> list[Decided]:
        """One pass: tests sending their winner that ended become done; due tests are
        decided (one whose variants still send waits for the next pass)."""
        due = await asyncio.to_thread(self._due)
        decided: list[Decided] = []
        for test_id in due:
            try:
                found = await asyncio.to_thread(self._decide, test_id)
            except (AbTestRefused, CampaignRefused) as exc:
                log.info("A/B test %s not decided yet: %s", test_id, exc)
                continue
            if found.campaign_id is not None:
                _ = self.campaigns.start(found.campaign_id)
            decided.append(found)
        return decided

    def _due(self) -> list[int]:
        now = self.campaigns.clock.now()
        with self.campaigns.database.session() as session:
            settle(session, now)
            return ab_store.due(session, now)

    def _decide(self, test_id: int) -> Decided:
        with self.campaigns.database.session() as session:
            test, decision, rest = decide_in(self.campaigns, session, test_id, now_or_later=False)
            return Decided(test.id, decision.winner, rest.id if rest is not None else None)

    async def run_forever(self, interval: float = 30.0, *, wait: Sleep = asyncio.sleep) -> None:
        """The server's loop; an error in one pass is logged and the next pass runs."""
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("A/B test pass failed; retrying in %.0f s", interval)
            await wait(interval)


@contextlib.asynccontextmanager
async def ab_tests_deciding(
    campaigns: CampaignManager, *, enabled: bool = True, interval: float = 30.0
) -> AsyncIterator[None]:
    """The periodic check for the app's lifespan (not `enabled`: sending is off)."""
    if not enabled:
        yield
        return
    task = asyncio.create_task(AbTestRunner(campaigns).run_forever(interval), name="ab-tests")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
