"""States of a schedule and of one day's run, defined once for the table, the CLI and the panel."""

from __future__ import annotations

from enum import StrEnum


class ScheduleState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"  # no eligible contact was left


class RunState(StrEnum):
    """One local day of a schedule. A day has at most one run row, whatever state it is in."""

    CLAIMED = "claimed"  # this day is taken; the campaign is being created
    RUNNING = "running"  # a process is sending the day's campaign
    WAITING = "waiting"  # the campaign is paused because the sending window is closed
    DONE = "done"  # the day's campaign ended
    SKIPPED = "skipped"  # the day was missed (nothing was running at its time); never made up
    FAILED = "failed"  # the day could not start (template refused, bad parameters)
