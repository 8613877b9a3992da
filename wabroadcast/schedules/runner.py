"""Start each due day's campaign once, keep it inside its sending window, finish the drip.

One call of :meth:`Runner.run_due` (from `wabroadcast schedule run-due`, cron, or the server's
loop) does everything due at the injected clock's time:

1. skips missed days and claims today's run (planner: UNIQUE (schedule_id, run_date));
2. gives up days whose campaign the window closed on (their contacts stay eligible);
3. starts each claimed day: template and parameters checked first, then a campaign of
   `daily_count` contacts — created paused when the window is closed;
4. resumes waiting campaigns whose window has opened (one process wins each, by an
   UPDATE … WHERE state = 'waiting');
5. sends, with the window as the engine's stop condition (checked between claim batches and
   before every request): no request starts in the window's last `WINDOW_MARGIN`, so nothing
   is sent after the window's end; the claims still held are released (they stay eligible).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.domain.audience import audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import TransitionError
from wabroadcast.engine import (
    CampaignSummary,
    cancel_campaign,
    pause_campaign,
    resume_campaign,
)
from wabroadcast.engine.manager import CampaignManager, CampaignRefused, CampaignRequest
from wabroadcast.engine.sender import StopWhen
from wabroadcast.schedules.models import RunState, ScheduleState
from wabroadcast.schedules.planner import DueDay, claim_due_days
from wabroadcast.schedules.store import add_note, window_of
from wabroadcast.schedules.timing import Window, local_date
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.tables import Schedule, ScheduleRun

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]

WINDOW_MARGIN = timedelta(seconds=5)
"""No request starts when less than this is left of the window: its answer comes in time."""
OUTSIDE_WINDOW = "outside the schedule's sending window"
"""The reason a scheduled campaign is paused by its window (stored as the campaign's error)."""


@dataclass(frozen=True)
class RunReport:
    schedule_id: int
    run_date: date
    state: RunState
    campaign_id: int | None
    note: str | None


@dataclass(frozen=True)
class _Sending:
    run_id: int
    campaign_id: int
    window: Window | None


class Runner:
    """Runs the schedules' days through the campaign manager (which creates, checks and sends
    their campaigns); its clock and sleep are the manager's."""

    def __init__(self, campaigns: CampaignManager) -> None:
        self.campaigns = campaigns
        self.database = campaigns.database
        self.settings = campaigns.settings
        self.clock = campaigns.clock
        self.margin = WINDOW_MARGIN

    def window_open(self, window: Window | None, now: datetime) -> bool:
        if window is None:
            return True
        return window.contains(now) and window.closes_at(now) - now > self.margin

    def _window_stop(self, window: Window | None) -> StopWhen | None:
        """The engine's stop condition for a run inside `window` (None: no window)."""
        if window is None:
            return None

        def outside(now: datetime) -> str | None:
            return None if self.window_open(window, now) else OUTSIDE_WINDOW

        return outside

    async def run_due(self) -> list[RunReport]:
        """Do everything due now; returns what happened to each day touched."""
        now = self.clock.now()
        due = await asyncio.to_thread(claim_due_days, self.database, now)
        reports = await asyncio.to_thread(self._give_up_old_days, now)
        sending: list[_Sending] = []
        for day in due:
            refusal = await self._template_refusal(day)
            report, started = await asyncio.to_thread(self._start_day, day, now, refusal)
            if started is None:
                reports.append(report)
            else:
                sending.append(started)  # reported once it has sent
        sending += await asyncio.to_thread(self._take_open_windows, now)
        for item in sending:
            reports.append(await self._send(item))
        return reports

    async def run_forever(self, interval: float = 30.0, *, wait: Sleep = asyncio.sleep) -> None:
        """The server's loop; an error in one pass is logged and the next pass runs."""
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("schedule pass failed; retrying in %.0f s", interval)
            await wait(interval)

    # -- steps (each in a thread: they use blocking database sessions) ----------------------

    async def _template_refusal(self, day: DueDay) -> str | None:
        """Why the day cannot start when its template is unknown here even after a sync."""
        name = await asyncio.to_thread(self._template_of, day.schedule_id)
        try:
            await self.campaigns.know_template(name)
        except CampaignRefused as exc:
            return f"not started: {exc}"
        return None

    def _template_of(self, schedule_id: int) -> str:
        with self.database.session() as session:
            name = session.scalar(select(Schedule.template_name).where(Schedule.id == schedule_id))
            return name or ""

    def _start_day(
        self, day: DueDay, now: datetime, refusal: str | None = None
    ) -> tuple[RunReport, _Sending | None]:
        with self.database.session() as session:
            schedule = session.get(Schedule, day.schedule_id)
            run = session.get(ScheduleRun, day.run_id)
            assert schedule is not None and run is not None
            if refusal is not None:
                return self._end(session, schedule, run, RunState.FAILED, refusal, now), None
            if self._none_eligible(session, schedule):
                self._finish_schedule(schedule, now)
                note = "no eligible contact left"
                return self._end(session, schedule, run, RunState.DONE, note, now), None
            request = CampaignRequest(
                schedule.template_name,
                schedule.language,
                schedule.daily_count,
                parameters=dict(schedule.parameters or {}),
                audience=audience_from_json(schedule.audience),
            )
            try:  # the pre-send check every campaign gets (engine/manager.py)
                number = self.campaigns.check_input(request)
                campaign = self.campaigns.insert_checked(session, request, number)
            except CampaignRefused as exc:
                note = f"not started: {exc}"
                return self._end(session, schedule, run, RunState.FAILED, note, now), None
            run.campaign_id = campaign.id
            window = window_of(schedule)
            if self.window_open(window, now):
                self.campaigns.reserve(campaign.id)  # _send runs it next
                run.state = RunState.RUNNING
                started: _Sending | None = _Sending(run.id, campaign.id, window)
            else:
                session.flush()
                pause_campaign(session, campaign.id, self.clock)
                run.state, run.note = RunState.WAITING, "waiting for the sending window"
                started = None
            return self._report(day.schedule_id, run), started

    def _take_open_windows(self, now: datetime) -> list[_Sending]:
        """Waiting days of today whose window is open; each is taken by one process only."""
        taken: list[_Sending] = []
        with self.database.session() as session:
            query = (
                select(ScheduleRun, Schedule)
                .join(Schedule, Schedule.id == ScheduleRun.schedule_id)
                .where(ScheduleRun.state == RunState.WAITING)
            )
            candidates = [
                (run.id, run.campaign_id, window_of(schedule))
                for run, schedule in session.execute(query)
                if run.run_date == local_date(now, schedule.time_zone)
                and self.window_open(window_of(schedule), now)
            ]
        for run_id, campaign_id, window in candidates:
            if campaign_id is None:
                continue
            with self.database.session() as session:
                won = session.execute(
                    update(ScheduleRun)
                    .where(ScheduleRun.id == run_id, ScheduleRun.state == RunState.WAITING)
                    .values(state=RunState.RUNNING, note=None)
                    .returning(ScheduleRun.id)
                ).scalar_one_or_none()
                if won:
                    self.campaigns.reserve(campaign_id)
                    try:
                        resume_campaign(session, campaign_id, self.clock)
                    except TransitionError as exc:  # cancelled by hand meanwhile
                        self.campaigns.unreserve(campaign_id)
                        session.execute(
                            update(ScheduleRun)
                            .where(ScheduleRun.id == run_id)
                            .values(state=RunState.DONE, note=str(exc), finished_at=now)
                        )
                        continue
                    taken.append(_Sending(run_id, campaign_id, window))
        return taken

    def _give_up_old_days(self, now: datetime) -> list[RunReport]:
        """A day that ended before its campaign did is over: the window closed, or the
        process sending it stopped. The campaign is cancelled; its unsent contacts stay
        eligible and go out on the following days, so no day sends more than its count."""
        reports: list[RunReport] = []
        open_states = [RunState.WAITING, RunState.CLAIMED, RunState.RUNNING]
        with self.database.session() as session:
            query = (
                select(ScheduleRun, Schedule)
                .join(Schedule, Schedule.id == ScheduleRun.schedule_id)
                .where(ScheduleRun.state.in_(open_states))
            )
            for run, schedule in session.execute(query).all():
                if run.run_date >= local_date(now, schedule.time_zone):
                    continue
                if run.state == RunState.CLAIMED:
                    note = "the process stopped before the day's campaign started"
                    reports.append(self._end(session, schedule, run, RunState.FAILED, note, now))
                    continue
                if run.campaign_id is not None:
                    with contextlib.suppress(TransitionError):  # already over
                        cancel_campaign(session, run.campaign_id, self.clock)
                note = (
                    "the sending window closed before the day's contacts were all sent"
                    if run.state == RunState.WAITING
                    else "the day ended before its campaign did (was the process stopped?)"
                )
                reports.append(self._end(session, schedule, run, RunState.DONE, note, now))
        return reports

    async def _send(self, item: _Sending) -> RunReport:
        summary = await self.campaigns.run(
            item.campaign_id, stop_when=self._window_stop(item.window)
        )
        return await asyncio.to_thread(self._after_send, item, summary)

    def _after_send(self, item: _Sending, summary: CampaignSummary) -> RunReport:
        now = self.clock.now()
        with self.database.session() as session:
            run = session.get(ScheduleRun, item.run_id)
            assert run is not None
            schedule = session.get(Schedule, run.schedule_id)
            assert schedule is not None
            counts = f"{summary.accepted} accepted, {summary.failed} failed"
            if summary.state == CampaignState.PAUSED and summary.error == OUTSIDE_WINDOW:
                run.state = RunState.WAITING
                run.note = f"paused: the sending window closes; {counts} so far"
                return self._report(schedule.id, run)
            error = f" ({summary.error})" if summary.error else ""
            note = f"campaign {summary.state.value}{error}: {counts}"
            report = self._end(session, schedule, run, RunState.DONE, note, now)
            if self._none_eligible(session, schedule):
                self._finish_schedule(schedule, now)
            return report

    # -- helpers ----------------------------------------------------------------------------

    def _none_eligible(self, session: Session, schedule: Schedule) -> bool:
        us = self.settings.marketing_to_us
        count = send_store.count_eligible(
            session,
            schedule.template_name,
            at_most=1,
            marketing_to_us=us,
            audience=audience_from_json(schedule.audience),
            now=self.clock.now(),
        )
        return count == 0

    def _finish_schedule(self, schedule: Schedule, now: datetime) -> None:
        if schedule.state != ScheduleState.FINISHED:
            schedule.state, schedule.next_run_at = ScheduleState.FINISHED, None
            add_note(schedule, "finished: every eligible contact has the template", now)
            schedule.updated_at = now

    def _end(
        self,
        session: Session,
        schedule: Schedule,
        run: ScheduleRun,
        state: RunState,
        note: str,
        now: datetime,
    ) -> RunReport:
        run.state, run.note, run.finished_at = state, note, now
        add_note(schedule, f"{run.run_date:%Y-%m-%d} {note}", now)
        session.flush()
        return self._report(schedule.id, run)

    @staticmethod
    def _report(schedule_id: int, run: ScheduleRun) -> RunReport:
        return RunReport(schedule_id, run.run_date, RunState(run.state), run.campaign_id, run.note)


@contextlib.asynccontextmanager
async def scheduler_running(
    campaigns: CampaignManager, *, enabled: bool = True, interval: float = 30.0
) -> AsyncIterator[None]:
    """The server's schedule loop for the app's lifespan (not `enabled`: sending is off, no
    token and no simulator). Every server process may run one: days are claimed in the
    database, so a day starts once however many processes run."""
    if not enabled:
        yield
        return
    runner = Runner(campaigns)
    task = asyncio.create_task(runner.run_forever(interval), name="schedules")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
