""" "Retry failed": a follow-up campaign for the sends that failed for a retryable reason.

What the engine keeps (engine/recorder.py): a send whose retries ran out on a retryable error
(throttling 4/80007/130429/131057, pair limit 131056, transient 1/2/131000/131016/5xx, or no
connection) is *released*: its row is deleted, so the contact is eligible again, and only
``campaigns.failures[reason] += 1`` remains. Permanent per-recipient failures (131026,
131049, 131050 …) keep their row in state ``failed`` and are never retried; ``unknown`` sends
may have reached the person and are never retried either.

Which contacts were released is not stored, only how many per reason. The follow-up is
therefore a campaign of the same template, language and parameters whose limit is that
count: it takes the next eligible contacts in send order, which are the released ones as
long as no contact earlier in the order became eligible in between (a new import with a lower
index, an opt-in). Targeting exactly those contacts would need their ids kept by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from wabroadcast.clock import Clock
from wabroadcast.cloudapi.errors import Outcome, classify
from wabroadcast.domain.models import CampaignState
from wabroadcast.engine import create_campaign
from wabroadcast.engine.outcomes import failure_reason
from wabroadcast.storage.tables import Campaign

RETRYABLE = frozenset({Outcome.THROTTLED, Outcome.PAIR_LIMITED, Outcome.TRANSIENT})
NO_ANSWER = failure_reason(None)
"""Reason key of a send released after errors without a code (bare 5xx, no connection)."""


class NothingToRetry(ValueError):
    """The campaign has no send that failed for a retryable reason, or is still running."""


def _code(reason: str) -> int | None:
    head = reason.split(" ", 1)[0]
    return int(head) if head.lstrip("-").isdigit() else None


def retryable_failures(failures: Mapping[str, int]) -> dict[str, int]:
    """The entries of ``campaigns.failures`` whose reason is worth another campaign."""
    out: dict[str, int] = {}
    for reason, count in failures.items():
        code = _code(reason)
        if (code is None and reason == NO_ANSWER) or (
            code is not None and classify(code) in RETRYABLE
        ):
            out[reason] = int(count)
    return out


def retry_failed(session: Session, campaign_id: int, *, clock: Clock) -> Campaign:
    """Create the follow-up campaign (state running; the caller runs it like any other)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NothingToRetry(f"campaign {campaign_id} does not exist")
    if campaign.state == CampaignState.RUNNING:
        raise NothingToRetry(f"campaign {campaign_id} is still running; retry once it has ended")
    retryable = retryable_failures(campaign.failures or {})
    total = sum(retryable.values())
    if total == 0:
        listed = ", ".join(f"{r}: {n}" for r, n in (campaign.failures or {}).items()) or "none"
        raise NothingToRetry(
            f"campaign {campaign_id} has no send that failed for a retryable reason "
            f"(failures: {listed})"
        )
    follow_up = create_campaign(
        session,
        template_name=campaign.template_name,
        language=campaign.language,
        limit=total,
        phone_number_id=campaign.phone_number_id,
        clock=clock,
    )
    follow_up.parameters = dict(campaign.parameters or {})
    session.flush()
    return follow_up
