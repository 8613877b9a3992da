"""The daily recipient count a run keeps between claims: never past the limit, never short.

Two campaigns of different templates share the portfolio's daily limit. One claims with the
window a run keeps, the other claims in between: partly to new people (a window that missed
them would pass the limit) and partly to people the first already took (a bound counts them
twice, which must not hold anyone back). The limit must hold after every claim and be used
to the last person, and the window must count exactly only when the bound could bind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.engine.helpers import FakeClock, add_contacts
from wabroadcast.engine import create_campaign
from wabroadcast.engine.claims import RECOUNT_EVERY, DailyWindow, claim_next
from wabroadcast.engine.limits import DAILY_WINDOW
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database
from wabroadcast.storage.sends import Claim

NUMBER = "106540352242922"
LIMIT = 50
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _campaign(database: Database, template: str, limit: int) -> int:
    with database.session() as session:
        return create_campaign(
            session,
            template_name=template,
            language="tr",
            limit=limit,
            phone_number_id=NUMBER,
            clock=FakeClock(T0),
        ).id


def _recipients(database: Database, now: datetime) -> int:
    with database.session() as session:
        return send_store.recipients_since(session, now - DAILY_WINDOW)


def test_the_window_holds_the_limit_exactly_with_another_campaign_claiming(
    database: Database,
) -> None:
    add_contacts(database, 200)
    ours = _campaign(database, "daily_offer", 200)
    theirs = _campaign(database, "weekly_news", 200)
    window = DailyWindow(LIMIT)
    calls = 0
    now = T0
    while True:
        now += timedelta(seconds=1)
        batch = claim_next(database, ours, want=10, daily_limit=LIMIT, now=now, window=window)
        calls += 1
        assert _recipients(database, now) <= LIMIT
        if batch.exhausted:
            break
        # Fifteen of its template: the ten people we took last round and five more, new.
        claim_next(database, theirs, want=15, daily_limit=LIMIT, now=now)
        assert _recipients(database, now) <= LIMIT
    assert _recipients(database, now) == LIMIT  # used to the last person
    assert batch.held_back > 0
    # Exact counts only once the bound (ours + theirs, 25 per round) came near the limit.
    assert window.exact_counts < calls
    assert window.exact_counts >= 2


def test_the_window_counts_again_after_a_while_so_old_sends_leave_it(
    database: Database,
) -> None:
    add_contacts(database, 30)
    campaign = _campaign(database, "daily_offer", 30)
    window = DailyWindow(10)
    first = claim_next(database, campaign, want=20, daily_limit=10, now=T0, window=window)
    assert len(first.claims) == 10
    soon = T0 + timedelta(seconds=1)
    full = claim_next(database, campaign, want=20, daily_limit=10, now=soon, window=window)
    assert (len(full.claims), full.exhausted, full.held_back) == (0, True, 20)
    counts = window.exact_counts
    # A day later the first ten have left the 24 h window: the next claim may take ten more.
    later = T0 + DAILY_WINDOW + RECOUNT_EVERY
    second = claim_next(database, campaign, want=20, daily_limit=10, now=later, window=window)
    assert len(second.claims) == 10
    assert window.exact_counts == counts + 1
    assert _recipients(database, later) == 10


def _release(database: Database, claims: list[Claim]) -> None:
    """What a stopped run does with claims it never requested: delete them."""
    with database.session() as session:
        send_store.release_claims(session, [claim.send_id for claim in claims])


def test_ids_that_come_back_after_a_release_are_still_counted(database: Database) -> None:
    """SQLite gives a new row max(id) + 1: once the newest claims are released, new sends
    take ids the window already saw. They are new people all the same."""
    add_contacts(database, 30)
    theirs = _campaign(database, "weekly_news", 30)
    third = _campaign(database, "third_offer", 30)
    ours = _campaign(database, "daily_offer", 30)
    window = DailyWindow(14)
    now = T0
    claim_next(database, theirs, want=10, daily_limit=None, now=now)  # people 1-10
    others = claim_next(database, third, want=5, daily_limit=None, now=now).claims  # 1-5 again
    mine = claim_next(database, ours, want=1, daily_limit=14, now=now, window=window).claims
    assert window.exact == 10 and len(mine) == 1
    # Both runs stop: their unsent claims go, and so do the newest ids (no person leaves:
    # everyone still has a weekly_news send).
    _release(database, others + mine)
    now += timedelta(seconds=1)
    claim_next(database, theirs, want=6, daily_limit=None, now=now)  # people 11-16: new
    assert _recipients(database, now) == 16
    now += timedelta(seconds=1)
    batch = claim_next(database, ours, want=3, daily_limit=14, now=now, window=window)
    assert batch.claims == [] and batch.exhausted  # the limit was passed already
    assert _recipients(database, now) == 16
