"""A/B test selection and rows: which buckets a test's campaign takes, in SQL.

:func:`condition` is :func:`wabroadcast.domain.ab_tests.bucket_of` written on
``contacts.id``, added to the ordinary selection of the campaign's template
(storage/sends.py ``narrow=``), so never-twice, opt-outs, the audience and the daily limit
still apply and the claim stays one query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from wabroadcast.domain.ab_tests import (
    BUCKETS,
    CONTACT_FACTOR,
    TEST_FACTOR,
    WINNER,
    AbTestState,
    BucketRange,
    range_for,
)
from wabroadcast.storage.tables import AbTest, Campaign, Contact


def bucket_column() -> ColumnElement[int]:
    """The contact's bucket without the test's shift (added in :func:`condition`)."""
    return (Contact.id % BUCKETS) * CONTACT_FACTOR


def condition(narrow: BucketRange) -> ColumnElement[bool]:
    """Condition on Contact: its bucket in the test lies in ``[low, high)``."""
    shift = (narrow.test_id % BUCKETS) * TEST_FACTOR
    bucket = (bucket_column() + shift) % BUCKETS
    return and_(bucket >= narrow.low, bucket < narrow.high)


def narrow_of(session: Session, campaign: Campaign) -> BucketRange | None:
    """The buckets a campaign of an A/B test takes; None for any other campaign."""
    if campaign.ab_test_id is None or campaign.ab_variant is None:
        return None
    test = session.get(AbTest, campaign.ab_test_id)
    if test is None:
        return None
    return range_for(test.id, campaign.ab_variant, len(test.templates), test.share_percent)


def campaigns_of(session: Session, test_id: int) -> list[Campaign]:
    """The test's campaigns: the variants in letter order, then the winner's (if any)."""
    rows = session.scalars(select(Campaign).where(Campaign.ab_test_id == test_id)).all()
    return sorted(rows, key=lambda c: (c.ab_variant == WINNER, c.ab_variant or "", c.id))


def claim_for_decision(session: Session, test_id: int, now: datetime) -> bool:
    """Move the test from testing to deciding; False when it is not testing (another process
    decided it, or it was cancelled). The UPDATE holds the row until commit, so a test is
    decided once however many processes look at it."""
    moved = session.execute(
        update(AbTest)
        .where(AbTest.id == test_id, AbTest.state == AbTestState.TESTING.value)
        .values(state=AbTestState.DECIDING.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(moved, "rowcount", 0))


def due(session: Session, now: datetime) -> list[int]:
    """Tests still testing whose decide_at has come, oldest first."""
    return list(
        session.scalars(
            select(AbTest.id)
            .where(AbTest.state == AbTestState.TESTING.value, AbTest.decide_at <= now)
            .order_by(AbTest.decide_at, AbTest.id)
        )
    )


def sending_winner(session: Session) -> list[tuple[int, str | None]]:
    """(test id, its winner campaign's state) for every test sending its winner."""
    rows = session.execute(
        select(AbTest.id, Campaign.state)
        .outerjoin(Campaign, and_(Campaign.ab_test_id == AbTest.id, Campaign.ab_variant == WINNER))
        .where(AbTest.state == AbTestState.SENDING_WINNER.value)
    )
    return [(int(test_id), state) for test_id, state in rows]
