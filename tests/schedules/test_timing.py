from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wabroadcast.schedules.timing import (
    ScheduleError,
    Window,
    days_remaining,
    finish_date,
    first_run_at,
    parse_time,
    run_at_after,
)


def test_next_run_is_local_time_of_day() -> None:
    # Istanbul is UTC+3 all year: 10:00 local is 07:00 UTC.
    before = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    after = datetime(2026, 11, 25, 7, 0, 1, tzinfo=UTC)
    assert first_run_at(before, "10:00", "Europe/Istanbul") == datetime(
        2026, 11, 25, 7, 0, tzinfo=UTC
    )
    assert first_run_at(after, "10:00", "Europe/Istanbul") == datetime(
        2026, 11, 26, 7, 0, tzinfo=UTC
    )


def test_next_run_follows_daylight_saving() -> None:
    # Berlin leaves summer time on 2026-10-25: 10:00 local moves from 08:00 to 09:00 UTC.
    assert run_at_after(date(2026, 10, 24), "10:00", "Europe/Berlin") == datetime(
        2026, 10, 25, 9, 0, tzinfo=UTC
    )
    assert run_at_after(date(2026, 10, 23), "10:00", "Europe/Berlin") == datetime(
        2026, 10, 24, 8, 0, tzinfo=UTC
    )


def test_days_remaining_and_finish_date() -> None:
    assert days_remaining(10_000, 225) == 45
    assert days_remaining(1_000, 225) == 5
    assert days_remaining(225, 225) == 1
    assert days_remaining(0, 225) == 0
    assert finish_date(date(2026, 11, 25), 1_000, 225) == date(2026, 11, 29)
    assert finish_date(date(2026, 11, 25), 0, 225) is None


def test_window_contains_and_wraps_midnight() -> None:
    day = Window.parse("09:00", "20:00", "Europe/Istanbul")
    assert day.contains(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))  # 09:00 local
    assert not day.contains(datetime(2026, 11, 25, 5, 59, tzinfo=UTC))
    assert not day.contains(datetime(2026, 11, 25, 17, 0, tzinfo=UTC))  # 20:00 local
    assert day.closes_at(datetime(2026, 11, 25, 8, 0, tzinfo=UTC)) == datetime(
        2026, 11, 25, 17, 0, tzinfo=UTC
    )
    night = Window.parse("22:00", "06:00", "UTC")
    assert night.contains(datetime(2026, 11, 25, 23, 0, tzinfo=UTC))
    assert night.contains(datetime(2026, 11, 25, 5, 0, tzinfo=UTC))
    assert not night.contains(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    assert day.describe() == "09:00–20:00 Europe/Istanbul"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_time("25:00"), "HH:MM"),
        (lambda: parse_time("10h"), "HH:MM"),
        (lambda: first_run_at(datetime.now(UTC), "10:00", "Mars/Olympus"), "unknown time zone"),
        (lambda: Window.parse("09:00", "09:00", "UTC"), "equal"),
    ],
)
def test_bad_times_are_clear_errors(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ScheduleError, match=message):
        call()
