"""Local times, next runs and sending windows, computed with zoneinfo from an injected instant.

A schedule says "10:00 Europe/Istanbul"; the instant that means changes with daylight saving
in most zones, so every next run is computed from the local date, never by adding 24 hours.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A schedule's input is wrong; the message names the value and what is expected."""


def parse_time(value: str, *, what: str = "time") -> time:
    """`"10:00"` → time(10, 0); anything else is a clear error."""
    match = _HHMM.match(value.strip())
    if not match:
        raise ScheduleError(f"{what} must be HH:MM (24-hour), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def zone(name: str) -> ZoneInfo:
    """An IANA time zone such as Europe/Istanbul."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Istanbul"
        ) from None


def local_date(instant: datetime, time_zone: str) -> date:
    return instant.astimezone(zone(time_zone)).date()


def at_local(day: date, at: time, time_zone: str) -> datetime:
    """The UTC instant of ``at`` on ``day`` in ``time_zone`` (zoneinfo resolves DST gaps)."""
    return datetime.combine(day, at, tzinfo=zone(time_zone)).astimezone(UTC)


def first_run_at(now: datetime, time_of_day: str, time_zone: str) -> datetime:
    """Today's run time if it is still ahead, else tomorrow's."""
    at = parse_time(time_of_day)
    today = local_date(now, time_zone)
    candidate = at_local(today, at, time_zone)
    return candidate if candidate >= now else at_local(today + timedelta(days=1), at, time_zone)


def run_at_after(day: date, time_of_day: str, time_zone: str) -> datetime:
    """The run time on the day after ``day``."""
    return at_local(day + timedelta(days=1), parse_time(time_of_day), time_zone)


def days_remaining(eligible: int, daily_count: int) -> int:
    """10,000 eligible contacts at 225 a day → 45 days."""
    return math.ceil(eligible / daily_count) if eligible > 0 else 0


def finish_date(first_day: date, eligible: int, daily_count: int) -> date | None:
    """The local date of the last run if ``first_day`` is the next one; None when done."""
    days = days_remaining(eligible, daily_count)
    return first_day + timedelta(days=days - 1) if days else None


@dataclass(frozen=True)
class Window:
    """Hours in which a schedule's campaigns may send, e.g. 09:00–20:00 Europe/Istanbul.

    ``start > end`` wraps midnight (22:00–06:00). End is exclusive.
    """

    start: time
    end: time
    time_zone: str

    @classmethod
    def parse(cls, start: str, end: str, time_zone: str) -> Window:
        window = cls(
            parse_time(start, what="window start"),
            parse_time(end, what="window end"),
            zone(time_zone).key,
        )
        if window.start == window.end:
            raise ScheduleError("sending window start and end are equal; leave both out instead")
        return window

    def contains(self, instant: datetime) -> bool:
        local = instant.astimezone(zone(self.time_zone)).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def closes_at(self, instant: datetime) -> datetime:
        """When the window that contains ``instant`` ends (UTC)."""
        day = local_date(instant, self.time_zone)
        end = at_local(day, self.end, self.time_zone)
        return end if end > instant else at_local(day + timedelta(days=1), self.end, self.time_zone)

    def describe(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M} {self.time_zone}"
