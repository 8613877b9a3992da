"""The claim transaction: pick the next eligible contacts and take them, atomically.

Within one transaction the claimer first takes a lock that serializes claimers of every
campaign (on PostgreSQL a SHARE ROW EXCLUSIVE lock on selection_marks; on SQLite the write
lock, taken by touching the campaign row), then the daily recipient count, the selection and
the INSERT run. So the daily limit holds across
processes, and the requested limit across two senders of one campaign. Even without the locks
the unique (template_name, contact_id) index would make a concurrent claimer lose the pair.

The daily count scans the last 24 h of sends (27 ms of CPU at 100,000 sends on SQLite, inside
the write lock, four times a second at 1,000 msg/s), so a run keeps a :class:`DailyWindow`:
an exact count now and then, and between counts an upper bound that costs a primary-key range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from wabroadcast.domain.audience import audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.limits import DAILY_WINDOW
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.ab_tests import narrow_of
from wabroadcast.storage.db import Database
from wabroadcast.storage.retargets import retarget_of

RECOUNT_EVERY = timedelta(seconds=30)


@dataclass
class DailyWindow:
    """Unique contacts messaged in the last 24 h, as the claim transaction needs it.

    An exact count is kept with the highest send id it saw. Later, the exact count plus every
    send inserted since (ids above that one, since only claimers insert sends, one at a time;
    on SQLite also ids that came back, see :func:`send_store.sends_after`) is an upper bound:
    sends leaving the window or released only lower the truth, and a new send to a contact
    already counted counts twice. Whenever that bound could hold a claim back, and at least
    every :data:`RECOUNT_EVERY`, the count is taken exactly again; so a batch is limited
    exactly as if it had counted every time, and the limit is never passed.
    """

    limit: int
    exact: int | None = None
    newest_id: int = 0
    counted_at: datetime | None = None
    exact_counts: int = 0
    """How many exact counts this window took (for tests and benchmarks)."""

    def capacity(self, session: Session, now: datetime, want: int) -> int:
        """How many more contacts may be claimed now (exact whenever it is below `want`)."""
        counted_at = self.counted_at
        if self.exact is not None and counted_at is not None and now - counted_at < RECOUNT_EVERY:
            bound = self.exact + send_store.sends_after(session, self.newest_id, counted_at)
            if self.limit - bound >= want:
                return self.limit - bound
        self.newest_id = send_store.newest_send_id(session)
        self.exact = send_store.recipients_since(session, now - DAILY_WINDOW)
        self.counted_at = now
        self.exact_counts += 1
        return max(0, self.limit - self.exact)


@dataclass
class ClaimBatch:
    state: CampaignState
    claims: list[send_store.Claim] = field(default_factory=list)
    held_back: int = 0
    """Eligible contacts kept out by the daily recipient limit (0 unless it is reached)."""
    exhausted: bool = False
    """Nothing more to claim: limit reached, no eligible contact, or daily limit reached."""


def claim_next(
    database: Database,
    campaign_id: int,
    *,
    want: int,
    daily_limit: int | None,
    now: datetime,
    window: DailyWindow | None = None,
    marketing_to_us: bool = False,
) -> ClaimBatch:
    """Claim up to `want` contacts for the campaign and commit before returning. A run passes
    the same `window` (for `daily_limit`) to every call; without one the count is exact.
    US (+1) numbers are not claimed for a MARKETING template unless `marketing_to_us`."""
    with database.session() as session:
        send_store.lock_marks(session)  # PostgreSQL; first, so the lock order is always the same
        state = campaign_store.lock_campaign(session, campaign_id, now)
        if state != CampaignState.RUNNING:
            return ClaimBatch(state=state, exhausted=True)
        if daily_limit is not None and (window is None or window.limit != daily_limit):
            window = DailyWindow(daily_limit)
        return _claim_locked(
            session, campaign_id, want=want, window=window, now=now, us=marketing_to_us
        )


def _claim_locked(
    session: Session,
    campaign_id: int,
    *,
    want: int,
    window: DailyWindow | None,
    now: datetime,
    us: bool,
) -> ClaimBatch:
    campaign = campaign_store.get_campaign(session, campaign_id)
    audience = audience_from_json(campaign.audience)
    remaining = campaign.requested_limit - campaign.selected_count
    take = min(want, remaining)
    capacity: int | None = None
    if window is not None and take > 0:
        capacity = window.capacity(session, now, take)
        take = min(take, capacity)
    batch = ClaimBatch(state=CampaignState.RUNNING)
    if take > 0:
        contacts = send_store.select_eligible(
            session,
            campaign.template_name,
            take,
            remember=True,
            retry_of=campaign.retry_of_campaign_id,
            retarget=retarget_of(campaign),
            narrow=narrow_of(session, campaign),
            marketing_to_us=us,
            audience=audience,
            now=now,
        )
        batch.claims = send_store.claim_contacts(
            session,
            template_name=campaign.template_name,
            language=campaign.language,
            campaign_id=campaign_id,
            contacts=contacts,
            now=now,
        )
        campaign_store.add_counts(session, campaign_id, now, selected=len(batch.claims))
        if len(contacts) < take:
            batch.exhausted = True  # no eligible contact left
        remaining -= len(batch.claims)
    if capacity == 0 and remaining > 0:
        # The daily limit is reached: say how many of the requested contacts it keeps out.
        batch.held_back = send_store.count_eligible(
            session,
            campaign.template_name,
            at_most=remaining,
            retry_of=campaign.retry_of_campaign_id,
            retarget=retarget_of(campaign),
            narrow=narrow_of(session, campaign),
            marketing_to_us=us,
            audience=audience,
            now=now,
        )
        batch.exhausted = True
    if remaining <= 0:
        batch.exhausted = True
    return batch
