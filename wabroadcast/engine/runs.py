"""Background runs: campaigns started from the API, the panel or the adopter run as asyncio
tasks the campaign manager holds, not per request.

A request that starts a campaign answers 202 at once; the run continues after the answer and
even if the client goes away (POST /api/send waits through ``asyncio.shield``). Everything the
run knows lives in the database, so stopping the server mid-run loses nothing: the engine is
built to be resumed after a crash, and pause/resume/cancel are state changes it reads between
batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from wabroadcast.engine.summary import CampaignSummary

logger = logging.getLogger(__name__)

RunFunction = Callable[[int], Awaitable[CampaignSummary]]


class BackgroundRuns:
    """One background task per campaign id; a resumed campaign waits for its old task first."""

    def __init__(self, run: RunFunction) -> None:
        self._run = run
        self._tasks: dict[int, asyncio.Task[CampaignSummary]] = {}
        self._closed = False

    def running(self, campaign_id: int) -> bool:
        task = self._tasks.get(campaign_id)
        return task is not None and not task.done()

    def start(self, campaign_id: int) -> asyncio.Task[CampaignSummary]:
        """Run the campaign in the background; if a run is still winding down, chain after it.

        A paused run may still be finishing its last batch when resume arrives; starting right
        away would race it, doing nothing would lose the resume. So the new run waits for it.
        """
        if self._closed:
            raise RuntimeError("the server is shutting down; no new campaign runs")
        previous = self._tasks.get(campaign_id)
        task = asyncio.create_task(
            self._after(previous, campaign_id), name=f"campaign-{campaign_id}"
        )
        self._tasks[campaign_id] = task
        task.add_done_callback(lambda done: self._forget(campaign_id, done))
        return task

    async def run_and_wait(self, campaign_id: int) -> CampaignSummary:
        """Start the run and wait for its result; the run survives the waiter being cancelled."""
        return await asyncio.shield(self.start(campaign_id))

    async def _after(
        self, previous: asyncio.Task[CampaignSummary] | None, campaign_id: int
    ) -> CampaignSummary:
        if previous is not None and not previous.done():
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(previous)
        return await self._run(campaign_id)

    def _forget(self, campaign_id: int, task: asyncio.Task[CampaignSummary]) -> None:
        if self._tasks.get(campaign_id) is task:
            del self._tasks[campaign_id]
        if not task.cancelled() and task.exception() is not None:
            logger.error("campaign %s run failed", campaign_id, exc_info=task.exception())

    async def close(self) -> list[int]:
        """Stop every run; the engine leaves its claims for the next resume. Returns the ids
        of the campaigns that were still running here."""
        self._closed = True
        stopped = sorted(cid for cid, task in self._tasks.items() if not task.done())
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return stopped
