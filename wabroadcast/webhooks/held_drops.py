"""A failed status with 132015: Meta dropped the messages it held for a paused template.

A template under pacing (cloudapi.md §4) has some sends answered
``held_for_quality_assessment``. When early feedback is bad Meta pauses the template and
every held message fails asynchronously with 132015. Later sends of that template would be
refused with 132015 too, so a campaign still running is paused at once, with a reason that
says what to do (unpause the template in WhatsApp Manager, then resume). A campaign that is
already paused (for example by the same 132015 refused at send time, which often comes first)
gets this reason instead, since it says more; a finished campaign keeps its state and the
failed statuses are its record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import pause_campaign
from wabroadcast.engine.outcomes import TEMPLATE_PAUSED, template_paused_message
from wabroadcast.storage import campaigns as campaign_store
from wabroadcast.storage.tables import Campaign

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _At:
    """The webhook's processing time as the engine's Clock."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant


def is_held_drop(status: str, error_code: int | None) -> bool:
    return status == "failed" and error_code == TEMPLATE_PAUSED


def pause_for_dropped(
    session: Session, campaign_ids: Iterable[int | None], *, now: datetime
) -> list[int]:
    """Pause (or re-word the pause of) each campaign whose held sends were dropped; returns
    the ids changed. Runs in the webhook's transaction after the sends' rows are locked, the
    order the engine's answer writer takes them in too. A redelivered status changes nothing:
    the reason is already stored."""
    changed: list[int] = []
    for campaign_id in sorted({cid for cid in campaign_ids if cid is not None}):
        state = campaign_store.lock_campaign(session, campaign_id, now)
        campaign = campaign_store.get_campaign(session, campaign_id)
        reason = template_paused_message(
            campaign.template_name, campaign.language, held_dropped=True
        )
        if state == CampaignState.RUNNING:
            pause_campaign(session, campaign_id, _At(now), reason=reason)
        elif state == CampaignState.PAUSED and campaign.error != reason:
            session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(error=reason, updated_at=now)
                .execution_options(synchronize_session="fetch")
            )
        else:
            continue
        log.warning("campaign %s paused: %s", campaign_id, reason)
        changed.append(campaign_id)
    return changed
