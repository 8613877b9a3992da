"""Account webhook facts: business numbers' throughput, quality and messaging limit, and
template category changes. Later webhook time wins; an equal or older one is a duplicate or
arrived out of order, and changes nothing (Meta retries for 7 days and does not keep order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from wabroadcast.storage.tables import BusinessNumberLimit, Template, TemplateCategoryUpdate

PORTFOLIO = "portfolio"
"""`number` of the row holding the business portfolio's messaging limit."""


def _row(session: Session, number: str, now: datetime) -> BusinessNumberLimit:
    row = session.get(BusinessNumberLimit, number, with_for_update=True)
    if row is None:
        row = BusinessNumberLimit(number=number, updated_at=now)
        session.add(row)
        session.flush()
    return row


def _newer(at: datetime, stored: datetime | None) -> bool:
    return stored is None or at > stored


def record_throughput(
    session: Session, number: str, level: str, *, at: datetime, now: datetime
) -> bool:
    """The number's throughput level as of `at`; True when it changed what is stored."""
    row = _row(session, number, now)
    if not _newer(at, row.throughput_at):
        return False
    row.throughput_level, row.throughput_at, row.updated_at = level, at, now
    return True


def record_quality_event(
    session: Session, number: str, event: str, *, at: datetime, now: datetime
) -> bool:
    row = _row(session, number, now)
    if not _newer(at, row.quality_event_at):
        return False
    row.quality_event, row.quality_event_at, row.updated_at = event, at, now
    return True


def record_daily_limit(session: Session, limit: int, *, at: datetime, now: datetime) -> bool:
    """The portfolio's messaging limit (-1 unlimited) as of `at`."""
    row = _row(session, PORTFOLIO, now)
    if not _newer(at, row.daily_limit_at):
        return False
    row.daily_limit, row.daily_limit_at, row.updated_at = limit, at, now
    return True


def remember_phone_number_id(session: Session, number: str, phone_number_id: str) -> None:
    """Link a display number's row to the phone number id the Graph API gave for it."""
    session.execute(
        update(BusinessNumberLimit)
        .where(BusinessNumberLimit.number == number)
        .values(phone_number_id=phone_number_id)
    )


@dataclass(frozen=True)
class NumberState:
    """One row as the engine, the CLI and the panel read it."""

    number: str
    phone_number_id: str | None
    throughput_level: str | None
    throughput_at: datetime | None
    daily_limit: int | None
    daily_limit_at: datetime | None
    quality_event: str | None
    quality_event_at: datetime | None


def _state(row: BusinessNumberLimit) -> NumberState:
    return NumberState(
        number=row.number,
        phone_number_id=row.phone_number_id,
        throughput_level=row.throughput_level,
        throughput_at=row.throughput_at,
        daily_limit=row.daily_limit,
        daily_limit_at=row.daily_limit_at,
        quality_event=row.quality_event,
        quality_event_at=row.quality_event_at,
    )


def all_states(session: Session) -> list[NumberState]:
    rows = session.scalars(select(BusinessNumberLimit).order_by(BusinessNumberLimit.number))
    return [_state(row) for row in rows]


def portfolio_state(session: Session) -> NumberState | None:
    row = session.get(BusinessNumberLimit, PORTFOLIO)
    return None if row is None else _state(row)


def number_state(
    session: Session, phone_number_id: str, display_number: str | None = None
) -> NumberState | None:
    """The row of a business number: by its learned phone number id, else its display."""
    row = session.scalar(
        select(BusinessNumberLimit).where(BusinessNumberLimit.phone_number_id == phone_number_id)
    )
    if row is None and display_number:
        row = session.get(BusinessNumberLimit, display_number)
    return None if row is None or row.number == PORTFOLIO else _state(row)


def unlinked_numbers(session: Session) -> list[str]:
    """Display numbers with webhook facts but no known phone number id yet."""
    query = select(BusinessNumberLimit.number).where(
        BusinessNumberLimit.phone_number_id.is_(None), BusinessNumberLimit.number != PORTFOLIO
    )
    return list(session.scalars(query))


# -- template categories ---------------------------------------------------------------------


def _category_row(session: Session, name: str, language: str) -> TemplateCategoryUpdate:
    row = session.get(TemplateCategoryUpdate, (name, language), with_for_update=True)
    if row is None:
        row = TemplateCategoryUpdate(name=name, language=language)
        session.add(row)
        session.flush()
    return row


def record_category_change(
    session: Session,
    *,
    name: str,
    language: str,
    previous: str | None,
    new: str,
    at: datetime,
    now: datetime,
) -> bool:
    """A completed recategorisation: the template's category becomes `new`.

    The templates row's ``synced_at`` moves to `now` too: :func:`templates.category_of` takes
    the newest row of a template, and this row now holds the newest word from Meta.
    """
    row = _category_row(session, name, language)
    if not _newer(at, row.changed_at):
        return False
    row.previous_category, row.new_category, row.changed_at = previous, new, at
    if row.takes_effect_at is not None and row.noticed_at is not None and row.noticed_at <= at:
        row.correct_category = row.takes_effect_at = row.noticed_at = None  # it happened
    session.execute(
        update(Template)
        .where(Template.name == name, Template.language == language)
        .values(category=new, synced_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return True


def record_impending_category(
    session: Session,
    *,
    name: str,
    language: str,
    correct: str,
    takes_effect_at: datetime | None,
    at: datetime,
) -> bool:
    """Meta will recategorise the template as `correct` (at `takes_effect_at`)."""
    row = _category_row(session, name, language)
    if not _newer(at, row.noticed_at) or (row.changed_at is not None and at <= row.changed_at):
        return False
    row.correct_category, row.takes_effect_at, row.noticed_at = correct, takes_effect_at, at
    return True


def category_updates(session: Session) -> dict[tuple[str, str], TemplateCategoryUpdate]:
    rows = session.scalars(select(TemplateCategoryUpdate))
    return {(row.name, row.language): row for row in rows}
