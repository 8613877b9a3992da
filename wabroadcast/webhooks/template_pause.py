"""Pause running campaigns of a template Meta made unusable (PAUSED, DISABLED, …).

A ``message_template_status_update`` saying a template is no longer APPROVED means every
further send of it fails (132015 paused, 132016 disabled, 132001 deleted). Pausing the running
campaigns of that name and language at once stops them between batches, before they spend the
rest of their contacts on refusals, and stores why in ``campaigns.error`` for the panel. The
campaign is not resumed automatically when the template is approved again: a person decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wabroadcast.domain.models import CampaignState
from wabroadcast.domain.transitions import TransitionError
from wabroadcast.engine import pause_campaign
from wabroadcast.storage.tables import Campaign

USABLE_STATUS = "APPROVED"


@dataclass(frozen=True)
class _At:
    """The webhook's processing time as the engine's Clock."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant


def pause_reason(name: str, language: str, event: str, meta_reason: str | None) -> str:
    """The stored reason: template 'daily_offer' (tr) was PAUSED by Meta (+ Meta's reason)."""
    text = f"template '{name}' ({language}) was {event} by Meta"
    if meta_reason and meta_reason.upper() != "NONE":
        text += f" (reason: {meta_reason})"
    return text


def pause_campaigns_of(
    session: Session,
    *,
    name: str,
    language: str,
    status: str,
    event: str,
    meta_reason: str | None,
    now: datetime,
) -> list[int]:
    """Pause every running campaign of (name, language) unless `status` is APPROVED; returns
    the ids paused. Runs in the webhook's transaction, so a redelivered event changes nothing
    (the campaigns are no longer running)."""
    if status == USABLE_STATUS:
        return []
    query = select(Campaign.id).where(
        Campaign.template_name == name,
        Campaign.language == language,
        Campaign.state == CampaignState.RUNNING.value,
    )
    reason = pause_reason(name, language, event, meta_reason)
    paused: list[int] = []
    for campaign_id in session.scalars(query.order_by(Campaign.id)).all():
        try:
            pause_campaign(session, campaign_id, _At(now), reason=reason)
        except TransitionError:  # it ended meanwhile (completed, cancelled): nothing to pause
            continue
        paused.append(campaign_id)
    return paused
