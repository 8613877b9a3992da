"""Campaign lifecycle around a run: create, start (crash recovery), finish, pause/resume/cancel.

Crash rule: a claim still `claimed` after STALE_CLAIM_AFTER belongs to a sender that died
between committing the claim and recording the answer. If its `attempts` is still 0 the
sender never announced it for sending (sender._gate commits attempts = 1 before any request),
so it is released; otherwise its request may have reached Meta, so it becomes `unknown` —
never re-sent automatically. Only contacts with no send of the template are selected.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.domain.audience import audience_from_json
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine.summary import CampaignSummary
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage import sends as send_store
from wabroadcast.storage.ab_tests import narrow_of
from wabroadcast.storage.db import Database
from wabroadcast.storage.retargets import retarget_of
from wabroadcast.storage.tables import Campaign


def create_campaign(
    session: Session,
    *,
    template_name: str,
    language: str,
    limit: int,
    phone_number_id: str,
    clock: Clock,
) -> Campaign:
    """A running campaign of `template_name` in `language` to at most `limit` contacts."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if not template_name.strip() or not language.strip():
        raise ValueError("template name and language must not be empty")
    return campaign_store.insert_campaign(
        session,
        template_name=template_name.strip(),
        language=language.strip(),
        limit=limit,
        phone_number_id=phone_number_id,
        now=clock.now(),
    )


def pause_campaign(
    session: Session, campaign_id: int, clock: Clock, *, reason: str | None = None
) -> CampaignState:
    """Running senders notice between batches; unsent claims are released. `reason` is
    stored in campaigns.error (cleared on resume), e.g. a template paused by Meta."""
    return campaign_store.move_state(
        session, campaign_id, CampaignState.PAUSED, clock.now(), error=reason
    )


def resume_campaign(session: Session, campaign_id: int, clock: Clock) -> CampaignState:
    return campaign_store.move_state(session, campaign_id, CampaignState.RUNNING, clock.now())


def cancel_campaign(session: Session, campaign_id: int, clock: Clock) -> CampaignState:
    return campaign_store.move_state(session, campaign_id, CampaignState.CANCELLED, clock.now())


def mark_requested(database: Database, send_ids: list[int]) -> None:
    """Committed before the requests go out; see sender._gate and the crash rule above."""
    with database.session() as session:
        send_store.mark_requested(session, send_ids)


def start_run(
    database: Database,
    campaign_id: int,
    now: datetime,
    stale_after: timedelta,
    *,
    marketing_to_us: bool = False,
) -> CampaignSummary:
    """Turn a dead sender's stale claims into `unknown`, count the eligible, stamp the start."""
    with database.session() as session:
        released, expired = send_store.expire_stale_claims(
            session, campaign_id, now - stale_after, now
        )
        if expired or released:
            campaign_store.add_counts(
                session, campaign_id, now, unknown=expired, selected=-released
            )
        campaign = campaign_store.get_campaign(session, campaign_id)
        if campaign.state == CampaignState.RUNNING and campaign.started_at is None:
            eligible = send_store.count_eligible(
                session,
                campaign.template_name,
                retry_of=campaign.retry_of_campaign_id,
                retarget=retarget_of(campaign),
                narrow=narrow_of(session, campaign),
                marketing_to_us=marketing_to_us,
                audience=audience_from_json(campaign.audience),
                now=now,
            )
            campaign_store.mark_started(session, campaign_id, now, eligible=eligible)
            campaign = campaign_store.get_campaign(session, campaign_id)
        return CampaignSummary.from_row(campaign)


def finish_run(
    database: Database,
    campaign_id: int,
    now: datetime,
    stop_state: CampaignState | None,
    stop_error: str | None,
    held_back: int,
) -> CampaignSummary:
    """Store how the run ended: completed, or aborted/paused with the reason."""
    with database.session() as session:
        campaign_store.set_held_back(session, campaign_id, held_back)
        current = campaign_store.lock_campaign(session, campaign_id, now)
        target: CampaignState | None = None
        if stop_state in (CampaignState.ABORTED, CampaignState.PAUSED):
            target = stop_state
        elif stop_state is None:
            target = CampaignState.COMPLETED
        # Only a campaign still running changes here: a pause, cancel or finish written by
        # someone else meanwhile stands.
        if target is not None and current == CampaignState.RUNNING:
            campaign_store.move_state(session, campaign_id, target, now, error=stop_error)
        return CampaignSummary.read(session, campaign_id)


def summary_of(database: Database, campaign_id: int) -> CampaignSummary:
    with database.session() as session:
        return CampaignSummary.read(session, campaign_id)
