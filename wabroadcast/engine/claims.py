"""The claim transaction: pick the next eligible contacts and take them, atomically.

Within one transaction the claimer first takes a lock that serializes claimers of every
campaign (on PostgreSQL a SHARE ROW EXCLUSIVE lock on selection_marks; on SQLite the write
lock, taken by touching the campaign row), then the daily recipient count, the selection and
the INSERT run. So the daily limit holds across
processes, and the requested limit across two senders of one campaign. Even without the locks
the unique (template_name, contact_id) index would make a concurrent claimer lose the pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.limits import DAILY_WINDOW
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.db import Database


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
) -> ClaimBatch:
    """Claim up to `want` contacts for the campaign and commit before returning."""
    with database.session() as session:
        send_store.lock_marks(session)  # PostgreSQL; first, so the lock order is always the same
        state = campaign_store.lock_campaign(session, campaign_id, now)
        if state != CampaignState.RUNNING:
            return ClaimBatch(state=state, exhausted=True)
        return _claim_locked(session, campaign_id, want=want, daily_limit=daily_limit, now=now)


def _claim_locked(
    session: Session, campaign_id: int, *, want: int, daily_limit: int | None, now: datetime
) -> ClaimBatch:
    campaign = campaign_store.get_campaign(session, campaign_id)
    remaining = campaign.requested_limit - campaign.selected_count
    take = min(want, remaining)
    capacity: int | None = None
    if daily_limit is not None:
        capacity = max(0, daily_limit - send_store.recipients_since(session, now - DAILY_WINDOW))
        take = min(take, capacity)
    batch = ClaimBatch(state=CampaignState.RUNNING)
    if take > 0:
        contacts = send_store.select_eligible(
            session,
            campaign.template_name,
            take,
            remember=True,
            retry_of=campaign.retry_of_campaign_id,
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
        )
        batch.exhausted = True
    if remaining <= 0:
        batch.exhausted = True
    return batch
