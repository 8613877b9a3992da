"""Apply account webhook events: throughput, quality, messaging limit, template category.

What the engine then does with them is engine/number_limits.py: a ``THROUGHPUT_UPGRADE``
raises the number's send rate for its next run, a messaging limit becomes the daily
recipient limit (never above a configured cap), a completed recategorisation changes the
template's category (so MARKETING rules such as the US +1 skip follow it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from wabroadcast.domain.messaging_limits import HIGH, THROUGHPUT_UPGRADE
from wabroadcast.storage import number_limits as store
from wabroadcast.webhooks.account_parse import (
    AccountUpdate,
    CapabilityUpdate,
    CategoryUpdate,
    NumberQualityUpdate,
)


def apply_account_update(session: Session, update: AccountUpdate, *, now: datetime) -> bool:
    """Store the event unless a newer one is stored already; True when something changed."""
    if isinstance(update, CapabilityUpdate):
        return store.record_daily_limit(session, update.daily_limit, at=update.at, now=now)
    if isinstance(update, NumberQualityUpdate):
        return _number_update(session, update, now)
    return _category_update(session, update, now)


def _number_update(session: Session, update: NumberQualityUpdate, now: datetime) -> bool:
    changed = store.record_quality_event(
        session, update.display_number, update.event, at=update.at, now=now
    )
    if update.event == THROUGHPUT_UPGRADE:
        changed |= store.record_throughput(
            session, update.display_number, HIGH, at=update.at, now=now
        )
    if update.daily_limit is not None:
        changed |= store.record_daily_limit(session, update.daily_limit, at=update.at, now=now)
    return changed


def _category_update(session: Session, update: CategoryUpdate, now: datetime) -> bool:
    if update.correct is not None:
        return store.record_impending_category(
            session,
            name=update.name,
            language=update.language,
            correct=update.correct,
            takes_effect_at=update.takes_effect_at,
            at=update.at,
        )
    return store.record_category_change(
        session,
        name=update.name,
        language=update.language,
        previous=update.previous,
        new=update.new,
        at=update.at,
        now=now,
    )
