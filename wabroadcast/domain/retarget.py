"""Retargeting: a follow-up campaign of another template for whom a campaign did not reach.

A *retarget* takes the contacts of an ended (or paused) campaign whose send Meta accepted at
least ``after_days`` days ago and who did not react to it: no read receipt (``not-read``) or
no reply credited to that send (``not-replied``). Each condition is one member of
:class:`RetargetWhen`, one SQL branch in ``storage/retargets.py`` and one sentence in the
panel's two languages, so a later ``not-clicked`` is one more member in each place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MIN_AFTER_DAYS = 1
MAX_AFTER_DAYS = 90
"""A retarget waits at least a day (people read later that evening) and at most 90 days
(after that the first message says nothing to the person any more)."""


class RetargetError(ValueError):
    """A retarget cannot be read; the message names the field and what it accepts."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class RetargetWhen(StrEnum):
    """Which contacts of the source campaign a retarget takes."""

    NOT_READ = "not-read"
    """No read receipt for their send (a read implies delivered)."""
    NOT_REPLIED = "not-replied"
    """No reply credited to their send (quoted, or the latest send in the reply window)."""

    @classmethod
    def parse(cls, text: str) -> RetargetWhen:
        """The member written as ``text`` (``not-read``, ``not_read``, any case)."""
        try:
            return cls(text.strip().lower().replace("_", "-"))
        except ValueError:
            pass
        choices = ", ".join(member.value for member in cls)
        raise RetargetError(
            f"{text[:40]!r} is not a retarget condition; use one of: {choices}", field="when"
        )


def parse_after_days(value: int) -> int:
    """``after_days`` checked: from :data:`MIN_AFTER_DAYS` to :data:`MAX_AFTER_DAYS`."""
    if isinstance(value, bool) or not MIN_AFTER_DAYS <= value <= MAX_AFTER_DAYS:
        raise RetargetError(
            f"after_days must be from {MIN_AFTER_DAYS} to {MAX_AFTER_DAYS} days, got {value}",
            field="after_days",
        )
    return value


@dataclass(frozen=True, slots=True)
class Retarget:
    """What a retarget campaign targets: stored on the campaign row (migration 0022)."""

    of_campaign_id: int
    when: RetargetWhen
    after_days: int
