"""A/B test selection and rows: which buckets a test's campaign takes, in SQL.

:func:`condition` is :func:`wabroadcast.domain.ab_tests.bucket_of` written on
``contacts.id``, added to the ordinary selection of the campaign's template
(storage/sends.py ``narrow=``), so never-twice, opt-outs, the audience and the daily limit
still apply and the claim stays one query.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from wabroadcast.domain.ab_tests import (
    BUCKETS,
    CONTACT_FACTOR,
    TEST_FACTOR,
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
